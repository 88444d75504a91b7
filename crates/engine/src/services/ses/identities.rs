//! Email identities: CreateEmailIdentity, GetEmailIdentity, ListEmailIdentities,
//! DeleteEmailIdentity, and their verification (an email sent to the address; a domain's DNS
//! check passing after [`super::DOMAIN_VERIFY_MS`]).

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{
    already_exists, bad_request, inbox, not_found, page, refuse_members, req_str,
    state::{identity_key, Identity, Region},
    tags_json, DOMAIN_VERIFY_MS,
};
use crate::kernel::{account::REGIONS, error::AwsError, service::Cx};

/// Whether `s` is a domain name SES accepts as an identity (labels of letters, digits and
/// hyphens, at least two labels).
pub fn valid_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// Whether `s` is a bare email address (`local@domain`).
pub fn valid_address(s: &str) -> bool {
    match s.rsplit_once('@') {
        Some((local, domain)) => !local.is_empty() && local.len() <= 64 && !local.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '@' | ',')) && valid_domain(domain),
        None => false,
    }
}

/// The identity name as SES keys it: domains and addresses compare case-insensitively.
pub fn normalize(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

/// The region's display name, as SES's verification email says it.
pub fn region_display(region: &str) -> String {
    REGIONS.iter().find(|(r, _)| *r == region).map(|(_, n)| n.to_string()).unwrap_or_else(|| region.to_string())
}

fn tags(input: &Value) -> Result<Vec<(String, String)>, AwsError> {
    match input.get("Tags") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|t| match (t.get("Key").and_then(Value::as_str), t.get("Value").and_then(Value::as_str)) {
                (Some(k), Some(v)) if !k.is_empty() && k.len() <= 128 && v.len() <= 256 => Ok((k.to_string(), v.to_string())),
                _ => Err(bad_request("Each tag must have a Key (1-128 characters) and a Value (0-256 characters).")),
            })
            .collect(),
        Some(_) => Err(bad_request("Tags must be a list.")),
    }
}

/// The DKIM attributes SES reports: Easy DKIM for domains (its status follows the simulated DNS
/// check), none for addresses.
fn dkim(identity: &Identity) -> Value {
    if identity.kind == "DOMAIN" {
        let digest = Sha256::digest(identity.name.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let tokens: Vec<String> = (0..3).map(|i| hex[i * 20..i * 20 + 20].to_string() + &hex[i..i + 12]).collect();
        json!({
            "SigningEnabled": true,
            "Status": identity.status,
            "Tokens": tokens,
            "SigningAttributesOrigin": "AWS_SES",
            "NextSigningKeyLength": "RSA_2048_BIT",
            "CurrentSigningKeyLength": "RSA_2048_BIT",
        })
    } else {
        json!({ "SigningEnabled": false, "Status": "NOT_STARTED", "SigningAttributesOrigin": "AWS_SES", "NextSigningKeyLength": "RSA_1024_BIT" })
    }
}

pub fn create(cx: &mut Cx, region: &mut Region, input: &Value) -> Result<Value, AwsError> {
    refuse_members(input, &["DkimSigningAttributes", "ConfigurationSetName"])?;
    let raw = req_str(input, "EmailIdentity")?;
    let tags = tags(input)?;
    let name = normalize(raw);
    let kind = if name.contains('@') {
        if !valid_address(&name) {
            return Err(bad_request(format!("Invalid email address {raw}.")));
        }
        "EMAIL_ADDRESS"
    } else {
        if !valid_domain(&name) {
            return Err(bad_request(format!("Invalid domain name {raw}.")));
        }
        "DOMAIN"
    };
    if region.identities.contains_key(&name) {
        return Err(already_exists(format!("Email identity {raw} already exist.")));
    }
    let mut identity = Identity { name: name.clone(), kind: kind.to_string(), status: "PENDING".into(), created_ms: cx.now_ms, tags, verify_due_ms: None };
    if kind == "DOMAIN" {
        let due = cx.now_ms + DOMAIN_VERIFY_MS;
        identity.verify_due_ms = Some(due);
        cx.schedule(due, json!({ "verifyDomain": name }));
    } else {
        inbox::deliver_verification(cx, region, &name);
    }
    cx.journal.put_json(identity_key(cx.region, &name), &identity);
    let mut out = json!({ "IdentityType": kind, "VerifiedForSendingStatus": false });
    if kind == "DOMAIN" {
        out["DkimAttributes"] = dkim(&identity);
    }
    region.identities.insert(name, identity);
    Ok(out)
}

/// An address identity nobody verified within 24 hours has FAILED, as its link expired.
fn status(i: &Identity, now_ms: i64) -> &str {
    if i.kind == "EMAIL_ADDRESS" && i.status == "PENDING" && now_ms > i.created_ms + super::state::DAY_MS {
        "FAILED"
    } else {
        &i.status
    }
}

fn find<'a>(region: &'a Region, raw: &str) -> Result<&'a Identity, AwsError> {
    region.identities.get(&normalize(raw)).ok_or_else(|| not_found(format!("Email identity {raw} does not exist.")))
}

pub fn get(cx: &mut Cx, region: &mut Region, input: &Value) -> Result<Value, AwsError> {
    let raw = req_str(input, "EmailIdentity")?;
    let identity = find(region, raw)?;
    let mut out = json!({
        "IdentityType": identity.kind,
        "FeedbackForwardingStatus": true,
        "VerifiedForSendingStatus": identity.verified(),
        "DkimAttributes": dkim(identity),
        "MailFromAttributes": { "BehaviorOnMxFailure": "USE_DEFAULT_VALUE" },
        "Policies": {},
        "Tags": tags_json(&identity.tags),
        "VerificationStatus": status(identity, cx.now_ms),
        "VerificationInfo": {},
    });
    if identity.kind == "DOMAIN" && identity.verified() {
        out["VerificationInfo"] = json!({ "LastCheckedTimestamp": identity.verify_due_ms.unwrap_or(cx.now_ms) as f64 / 1000.0, "LastSuccessTimestamp": identity.verify_due_ms.unwrap_or(cx.now_ms) as f64 / 1000.0 });
    }
    Ok(out)
}

pub fn list(cx: &mut Cx, region: &mut Region, input: &Value) -> Result<Value, AwsError> {
    let items = region
        .identities
        .iter()
        .map(|(name, i)| (name, json!({ "IdentityType": i.kind, "IdentityName": i.name, "SendingEnabled": i.verified(), "VerificationStatus": status(i, cx.now_ms) })));
    let (identities, next) = page(items, input, 1000)?;
    let mut out = json!({ "EmailIdentities": identities });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

pub fn delete(cx: &mut Cx, region: &mut Region, input: &Value) -> Result<Value, AwsError> {
    let raw = req_str(input, "EmailIdentity")?;
    let name = find(region, raw)?.name.clone();
    region.identities.remove(&name);
    cx.journal.delete(identity_key(cx.region, &name));
    Ok(json!({}))
}

/// A domain's simulated DNS check passed (its timer fired).
pub fn domain_verified(cx: &mut Cx, region: &mut Region, name: &str) {
    let Some(identity) = region.identities.get_mut(name) else { return };
    if identity.status != "PENDING" || identity.verify_due_ms.is_none_or(|d| d > cx.now_ms) {
        return;
    }
    identity.status = "SUCCESS".into();
    cx.journal.put_json(identity_key(cx.region, name), identity);
}

/// Marks an email-address identity verified (what clicking the verification link does).
pub fn verify_address(cx: &mut Cx, region: &mut Region, name: &str) -> Result<(), AwsError> {
    let identity = region.identities.get_mut(&normalize(name)).ok_or_else(|| not_found(format!("Email identity {name} does not exist.")))?;
    if identity.status != "SUCCESS" {
        identity.status = "SUCCESS".into();
        cx.journal.put_json(identity_key(cx.region, &identity.name), identity);
    }
    Ok(())
}

/// Whether `address` (bare, any case) may be used in the sandbox: its own identity or its
/// domain's is verified. Returns the identity that verifies it.
pub fn verifying_identity(region: &Region, address: &str) -> Option<String> {
    let address = normalize(address);
    if region.identities.get(&address).is_some_and(Identity::verified) {
        return Some(address);
    }
    let domain = address.rsplit_once('@')?.1;
    region.identities.get(domain).filter(|i| i.verified()).map(|i| i.name.clone())
}
