//! DAX's durable state: clusters and parameter groups (records), and what a cluster looks like
//! in the API. The cache contents are not here: they are runtime state (see `cache.rs`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::kernel::service::Cx;

/// The parameter group every account has; it cannot be changed or deleted.
pub const DEFAULT_PARAMETER_GROUP: &str = "default.dax1.0";
/// The subnet group every account has (the default VPC's subnets, one per AZ a, b, c).
pub const DEFAULT_SUBNET_GROUP: &str = "default";
/// Both TTLs default to five minutes (DescribeDefaultParameters).
pub const DEFAULT_TTL_MILLIS: i64 = 300_000;
/// The port of the unencrypted `dax://` endpoint, and of the TLS `daxs://` one.
pub const PORT: i64 = 8111;
pub const TLS_PORT: i64 = 9111;

/// How long the states last on the virtual clock. AWS takes minutes to create a cluster; the
/// sandbox keeps the states visible without making a learner wait long (a clock jump passes them).
pub const CREATING_MS: i64 = 60_000;
pub const DELETING_MS: i64 = 30_000;
pub const MODIFYING_MS: i64 = 10_000;
pub const ADDING_NODE_MS: i64 = 60_000;
pub const REBOOTING_MS: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub az: String,
    /// `creating`, `available`, `rebooting`, `deleting`.
    pub status: String,
    pub created_ms: i64,
    /// When the node's current transition ends, if it is in one.
    #[serde(default)]
    pub until_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub node_type: String,
    pub iam_role_arn: String,
    pub parameter_group: String,
    /// `in-sync` or `applying`.
    pub parameter_apply_status: String,
    pub subnet_group: String,
    pub security_groups: Vec<String>,
    pub maintenance_window: String,
    pub sse: bool,
    /// `NONE` or `TLS`.
    pub encryption: String,
    pub tags: Vec<(String, String)>,
    /// `creating`, `available`, `modifying`, `deleting`.
    pub status: String,
    /// When the cluster's current transition ends, if it is in one.
    #[serde(default)]
    pub until_ms: Option<i64>,
    /// The six characters of the endpoint's DNS name.
    pub endpoint_id: String,
    pub nodes: Vec<Node>,
    /// Node names handed out so far (`a`, `b`, ...): a removed node's letter is not reused.
    pub next_node: u32,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterGroup {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub query_ttl_millis: i64,
    pub record_ttl_millis: i64,
}

impl ParameterGroup {
    pub fn default_group() -> Self {
        ParameterGroup {
            name: DEFAULT_PARAMETER_GROUP.into(),
            description: "Default parameter group for dax1.0".into(),
            query_ttl_millis: DEFAULT_TTL_MILLIS,
            record_ttl_millis: DEFAULT_TTL_MILLIS,
        }
    }
}

pub fn cluster_key(region: &str, name: &str) -> String {
    format!("dax/{region}/cluster/{name}")
}

pub fn parameter_group_key(region: &str, name: &str) -> String {
    format!("dax/{region}/parameter-group/{name}")
}

/// `a`, `b`, ..., `z`, `aa`, `ab`, ...
pub fn node_letter(mut n: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The Availability Zones of the default subnet group.
pub fn zones(region: &str) -> Vec<String> {
    ["a", "b", "c"].iter().map(|z| format!("{region}{z}")).collect()
}

impl Cluster {
    pub fn arn(&self, cx: &Cx) -> String {
        cx.account.arn("dax", cx.region, &format!("cache/{}", self.name))
    }

    pub fn port(&self) -> i64 {
        if self.encryption == "TLS" {
            TLS_PORT
        } else {
            PORT
        }
    }

    fn scheme(&self) -> &'static str {
        if self.encryption == "TLS" {
            "daxs"
        } else {
            "dax"
        }
    }

    pub fn discovery_address(&self, region: &str) -> String {
        format!("{}.{}.dax-clusters.{region}.amazonaws.com", self.name, self.endpoint_id)
    }

    /// Whether the data plane may use the cluster: available (or modifying, which still serves)
    /// with at least one node up.
    pub fn serving(&self) -> Result<(), String> {
        if self.status != "available" && self.status != "modifying" {
            return Err(self.status.clone());
        }
        if !self.nodes.iter().any(|n| n.status == "available") {
            return Err("without an available node (rebooting)".into());
        }
        Ok(())
    }

    /// The `Cluster` shape of the API.
    pub fn to_json(&self, cx: &Cx) -> Value {
        let region = cx.region;
        let address = self.discovery_address(region);
        let nodes: Vec<Value> = self
            .nodes
            .iter()
            .map(|n| {
                let node_address = format!("{}-{}.{}.nodes.dax-clusters.{region}.amazonaws.com", self.name, n.id.rsplit('-').next().unwrap_or(""), self.endpoint_id);
                json!({
                    "NodeId": n.id,
                    "Endpoint": { "Address": node_address, "Port": self.port(), "URL": format!("{}://{node_address}", self.scheme()) },
                    "NodeCreateTime": n.created_ms as f64 / 1000.0,
                    "AvailabilityZone": n.az,
                    "NodeStatus": n.status,
                    "ParameterGroupStatus": self.parameter_apply_status,
                })
            })
            .collect();
        let removing: Vec<&str> = self.nodes.iter().filter(|n| n.status == "deleting").map(|n| n.id.as_str()).collect();
        let mut out = json!({
            "ClusterName": self.name,
            "Description": self.description,
            "ClusterArn": self.arn(cx),
            "TotalNodes": self.nodes.len(),
            "ActiveNodes": self.nodes.iter().filter(|n| n.status == "available").count(),
            "NodeType": self.node_type,
            "Status": self.status,
            "ClusterDiscoveryEndpoint": { "Address": address, "Port": self.port(), "URL": format!("{}://{address}", self.scheme()) },
            "Nodes": nodes,
            "PreferredMaintenanceWindow": self.maintenance_window,
            "SubnetGroup": self.subnet_group,
            "SecurityGroups": self.security_groups.iter().map(|g| json!({ "SecurityGroupIdentifier": g, "Status": "active" })).collect::<Vec<_>>(),
            "IamRoleArn": self.iam_role_arn,
            "ParameterGroup": { "ParameterGroupName": self.parameter_group, "ParameterApplyStatus": self.parameter_apply_status, "NodeIdsToReboot": [] },
            "SSEDescription": { "Status": if self.sse { "ENABLED" } else { "DISABLED" } },
            "ClusterEndpointEncryptionType": self.encryption,
            "NetworkType": "ipv4",
        });
        if !removing.is_empty() {
            out["NodeIdsToRemove"] = json!(removing);
        }
        out
    }
}
