//! Amazon SES, API v2 (REST-JSON, endpoint prefix `email`, signing name `ses`), with a simulated
//! inbox: every message SES accepts is delivered to each recipient's mailbox in the sandbox's
//! state, where the Inbox panel (through the `ses:*Inbox*` control operations) shows it.
//!
//! The account is in the SES sandbox, as every new AWS account is: the sender and every recipient
//! must be verified identities (a verified domain verifies all its addresses), except the mailbox
//! simulator's addresses; at most 200 recipients per 24 hours of virtual time.
//! Verification: an email-address identity gets a verification email in its mailbox, whose
//! button verifies it (`ses:VerifyEmailIdentity`, what clicking AWS's link does); a domain
//! identity passes its (simulated) DNS check [`DOMAIN_VERIFY_MS`] after it was created.
//! Not simulated: the sending rate (1 message per second; AWS lets short bursts through, the
//! sandbox does not throttle), configuration sets, DKIM, suppression lists.

pub mod identities;
pub mod inbox;
pub mod mime;
pub mod send;
pub mod state;
pub mod templates;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::kernel::{
    error::AwsError,
    journal::Record,
    scheduler::Timer,
    service::{Cx, Service, TimerNote},
};
use state::Region;

/// How long a domain identity's simulated DNS verification takes (virtual time).
pub const DOMAIN_VERIFY_MS: i64 = 10_000;
/// The sandbox's sending quota: recipients per 24 hours, and the rate GetAccount reports.
pub const MAX_24_HOUR_SEND: u64 = 200;
pub const MAX_SEND_RATE: u64 = 1;

pub fn bad_request(message: impl Into<String>) -> AwsError {
    AwsError::new("", "BadRequestException", message, 400)
}

pub fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("", "NotFoundException", message, 404)
}

pub fn already_exists(message: impl Into<String>) -> AwsError {
    AwsError::new("", "AlreadyExistsException", message, 400)
}

pub fn message_rejected(message: impl Into<String>) -> AwsError {
    AwsError::new("", "MessageRejected", message, 400)
}

/// SES v2 operations this build does not simulate.
const NOT_YET: &[&str] = &[
    "BatchGetMetricData",
    "CancelExportJob",
    "CreateConfigurationSet",
    "CreateConfigurationSetEventDestination",
    "CreateContact",
    "CreateContactList",
    "CreateCustomVerificationEmailTemplate",
    "CreateDedicatedIpPool",
    "CreateDeliverabilityTestReport",
    "CreateEmailIdentityPolicy",
    "CreateExportJob",
    "CreateImportJob",
    "CreateMultiRegionEndpoint",
    "DeleteConfigurationSet",
    "DeleteConfigurationSetEventDestination",
    "DeleteContact",
    "DeleteContactList",
    "DeleteCustomVerificationEmailTemplate",
    "DeleteDedicatedIpPool",
    "DeleteEmailIdentityPolicy",
    "DeleteMultiRegionEndpoint",
    "DeleteSuppressedDestination",
    "GetBlacklistReports",
    "GetConfigurationSet",
    "GetConfigurationSetEventDestinations",
    "GetContact",
    "GetContactList",
    "GetCustomVerificationEmailTemplate",
    "GetDedicatedIp",
    "GetDedicatedIpPool",
    "GetDedicatedIps",
    "GetDeliverabilityDashboardOptions",
    "GetDeliverabilityTestReport",
    "GetDomainDeliverabilityCampaign",
    "GetDomainStatisticsReport",
    "GetEmailIdentityPolicies",
    "GetExportJob",
    "GetImportJob",
    "GetMessageInsights",
    "GetMultiRegionEndpoint",
    "GetSuppressedDestination",
    "ListConfigurationSets",
    "ListContactLists",
    "ListContacts",
    "ListCustomVerificationEmailTemplates",
    "ListDedicatedIpPools",
    "ListDeliverabilityTestReports",
    "ListDomainDeliverabilityCampaigns",
    "ListExportJobs",
    "ListImportJobs",
    "ListMultiRegionEndpoints",
    "ListRecommendations",
    "ListSuppressedDestinations",
    "ListTagsForResource",
    "PutAccountDedicatedIpWarmupAttributes",
    "PutAccountDetails",
    "PutAccountSendingAttributes",
    "PutAccountSuppressionAttributes",
    "PutAccountVdmAttributes",
    "PutConfigurationSetDeliveryOptions",
    "PutConfigurationSetReputationOptions",
    "PutConfigurationSetSendingOptions",
    "PutConfigurationSetSuppressionOptions",
    "PutConfigurationSetTrackingOptions",
    "PutConfigurationSetVdmOptions",
    "PutDedicatedIpInPool",
    "PutDedicatedIpPoolScalingAttributes",
    "PutDedicatedIpWarmupAttributes",
    "PutDeliverabilityDashboardOption",
    "PutEmailIdentityConfigurationSetAttributes",
    "PutEmailIdentityDkimAttributes",
    "PutEmailIdentityDkimSigningAttributes",
    "PutEmailIdentityFeedbackAttributes",
    "PutEmailIdentityMailFromAttributes",
    "PutSuppressedDestination",
    "SendBulkEmail",
    "SendCustomVerificationEmail",
    "TagResource",
    "UntagResource",
    "UpdateConfigurationSetEventDestination",
    "UpdateContact",
    "UpdateContactList",
    "UpdateCustomVerificationEmailTemplate",
    "UpdateEmailIdentityPolicy",
];

#[derive(Debug, Default)]
pub struct Ses {
    regions: BTreeMap<String, Region>,
}

impl Ses {
    fn region(&mut self, region: &str) -> &mut Region {
        self.regions.entry(region.to_string()).or_default()
    }
}

/// A string member, if present; another type is a BadRequestException.
pub fn opt_str<'a>(input: &'a Value, member: &str) -> Result<Option<&'a str>, AwsError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad_request(format!("{member} must be a string."))),
    }
}

pub fn req_str<'a>(input: &'a Value, member: &str) -> Result<&'a str, AwsError> {
    opt_str(input, member)?.ok_or_else(|| bad_request(format!("{member} is required.")))
}

/// A list-of-strings member (empty when absent).
pub fn str_list(input: &Value, member: &str) -> Result<Vec<String>, AwsError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad_request(format!("{member} must be a list of strings.")))).collect(),
        Some(_) => Err(bad_request(format!("{member} must be a list of strings."))),
    }
}

/// An object member, if present.
pub fn opt_obj<'a>(input: &'a Value, member: &str) -> Result<Option<&'a Value>, AwsError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v)),
        Some(_) => Err(bad_request(format!("{member} must be a structure."))),
    }
}

/// Refuses members the sandbox does not simulate, rather than ignoring them.
pub fn refuse_members(input: &Value, members: &[&str]) -> Result<(), AwsError> {
    for m in members {
        if input.get(*m).is_some_and(|v| !v.is_null()) {
            return Err(bad_request(format!("{m} is not supported in the Gureum sandbox.")));
        }
    }
    Ok(())
}

/// Paging shared by the List operations: `PageSize` and an opaque `NextToken` (the name to
/// start after, base64url).
pub fn page<'a, T>(items: impl Iterator<Item = (&'a String, T)>, input: &Value, max: i64) -> Result<(Vec<T>, Option<String>), AwsError> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine as _};
    let size = match input.get("PageSize") {
        None | Some(Value::Null) => max,
        Some(v) => match v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())) {
            Some(n) if (1..=max).contains(&n) => n,
            _ => return Err(bad_request(format!("PageSize must be between 1 and {max}."))),
        },
    } as usize;
    let after = match opt_str(input, "NextToken")? {
        None => None,
        Some(t) => Some(B64.decode(t).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| bad_request("Invalid NextToken."))?),
    };
    let mut out = Vec::new();
    let mut last = None;
    let mut more = false;
    for (name, item) in items.filter(|(n, _)| after.as_ref().is_none_or(|a| n.as_str() > a.as_str())) {
        if out.len() == size {
            more = true;
            break;
        }
        last = Some(name.clone());
        out.push(item);
    }
    Ok((out, if more { last.map(|l| B64.encode(l)) } else { None }))
}

impl Service for Ses {
    fn name(&self) -> &'static str {
        "email"
    }

    /// `email` is the endpoint prefix; `ses` (the signing name) names the inbox's control
    /// operations (`ses:ListInboxMessages`).
    fn answers(&self, name: &str) -> bool {
        name == "email" || name == "ses"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        let region = self.regions.entry(cx.region.to_string()).or_default();
        match operation {
            "CreateEmailIdentity" => identities::create(cx, region, input),
            "GetEmailIdentity" => identities::get(cx, region, input),
            "ListEmailIdentities" => identities::list(cx, region, input),
            "DeleteEmailIdentity" => identities::delete(cx, region, input),
            "CreateEmailTemplate" => templates::create(cx, region, input),
            "GetEmailTemplate" => templates::get(region, input),
            "UpdateEmailTemplate" => templates::update(cx, region, input),
            "DeleteEmailTemplate" => templates::delete(cx, region, input),
            "ListEmailTemplates" => templates::list(region, input),
            "TestRenderEmailTemplate" => templates::test_render(region, input),
            "SendEmail" => send::send_email(cx, region, input),
            "GetAccount" => Ok(send::get_account(cx, region)),
            op if NOT_YET.contains(&op) => Err(AwsError::unknown_operation(format!("Gureum does not simulate the SES operation {op} yet."))),
            _ => Err(AwsError::unknown_operation(format!("Unknown operation {operation}"))),
        }
    }

    fn control(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        let region = self.regions.entry(cx.region.to_string()).or_default();
        inbox::control(cx, region, operation, input)
    }

    fn describe_timer(&self, timer: &Timer) -> Option<TimerNote> {
        let domain = timer.payload.get("verifyDomain").and_then(Value::as_str)?;
        TimerNote::new("transition", format!("Domain {domain} is verified"))
    }

    fn fire(&mut self, cx: &mut Cx, timer: &Timer) {
        let Some(name) = timer.payload.get("verifyDomain").and_then(Value::as_str) else { return };
        let region = self.region(&timer.region);
        identities::domain_verified(cx, region, name);
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (name, r) in &self.regions {
            for i in r.identities.values() {
                out.push(Record { key: state::identity_key(name, &i.name), value: serde_json::to_vec(i).unwrap_or_default() });
            }
            for t in r.templates.values() {
                out.push(Record { key: state::template_key(name, &t.name), value: serde_json::to_vec(t).unwrap_or_default() });
            }
            if !r.log.sends.is_empty() {
                out.push(Record { key: state::account_key(name), value: serde_json::to_vec(&r.log).unwrap_or_default() });
            }
            for m in r.inbox.values() {
                out.push(Record { key: state::inbox_key(name, m.seq), value: serde_json::to_vec(m).unwrap_or_default() });
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["email", region, "identity", _] => {
                let i: state::Identity = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                self.region(region).identities.insert(i.name.clone(), i);
            }
            ["email", region, "template", _] => {
                let t: state::Template = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                self.region(region).templates.insert(t.name.clone(), t);
            }
            ["email", region, "account"] => self.region(region).log = serde_json::from_slice(value).map_err(|e| e.to_string())?,
            ["email", region, "inbox", hex] => {
                let seq = u64::from_str_radix(hex, 16).map_err(|_| "bad inbox key")?;
                let m: state::InboxMessage = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if m.seq != seq {
                    return Err("inbox record under another number".into());
                }
                let r = self.region(region);
                r.next_seq = r.next_seq.max(seq + 1);
                r.inbox.insert(seq, m);
            }
            _ => return Err("unknown SES record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.regions.clear();
    }
}

/// `json!` helper for the `Tags` list shape.
pub fn tags_json(tags: &[(String, String)]) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect())
}

#[cfg(test)]
mod tests;
