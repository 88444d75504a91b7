//! The simulated AWS account: its id, the regions it can use, and ARNs.

/// Every commercial region a learner can pick. Region-scoped resources live apart per region.
pub const REGIONS: &[(&str, &str)] = &[
    ("us-east-1", "US East (N. Virginia)"),
    ("us-east-2", "US East (Ohio)"),
    ("us-west-1", "US West (N. California)"),
    ("us-west-2", "US West (Oregon)"),
    ("ca-central-1", "Canada (Central)"),
    ("sa-east-1", "South America (São Paulo)"),
    ("eu-west-1", "Europe (Ireland)"),
    ("eu-west-2", "Europe (London)"),
    ("eu-west-3", "Europe (Paris)"),
    ("eu-central-1", "Europe (Frankfurt)"),
    ("eu-north-1", "Europe (Stockholm)"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "Asia Pacific (Seoul)"),
    ("ap-northeast-3", "Asia Pacific (Osaka)"),
    ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "Asia Pacific (Sydney)"),
    ("ap-south-1", "Asia Pacific (Mumbai)"),
];

pub const DEFAULT_REGION: &str = "us-east-1";

/// The example account id AWS's own documentation uses.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";

#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: String,
}

impl Account {
    pub fn new(id: impl Into<String>) -> Self {
        Account { id: id.into() }
    }

    pub fn is_region(name: &str) -> bool {
        REGIONS.iter().any(|(r, _)| *r == name)
    }

    /// `arn:aws:{service}:{region}:{account}:{resource}`.
    pub fn arn(&self, service: &str, region: &str, resource: &str) -> String {
        format!("arn:aws:{service}:{region}:{}:{resource}", self.id)
    }
}
