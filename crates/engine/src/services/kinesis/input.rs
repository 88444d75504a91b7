//! Reading Kinesis requests: Coral's constraints (aggregated, as the service answers), and the
//! stream a request names by StreamName or StreamARN.

use serde_json::Value;

use super::errors;
use crate::{kernel::error::AwsError, kernel::service::Cx, services::lambda::errors::Validation};

pub const NAME_PATTERN: &str = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+";
pub const STREAM_ARN_PATTERN: &str = "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+";

pub fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Checks a name member (1..=128 of `[a-zA-Z0-9_.-]`).
pub fn name(v: &mut Validation, input: &Value, member: &str, path: &str, required: bool) -> Option<String> {
    let out = if required { v.required_string(input, member, path, 1, 128) } else { v.string(input, member, path, 1, 128) };
    if let Some(s) = &out {
        if !s.is_empty() && !is_name(s) {
            v.constraint(Some(s), path, NAME_PATTERN);
        }
    }
    out
}

/// The stream name a request gives by StreamName, StreamARN or both, after the request's other
/// constraints (`v`) have been checked.
pub fn stream_name(cx: &Cx, input: &Value, mut v: Validation) -> Result<String, AwsError> {
    let by_name = name(&mut v, input, "StreamName", "streamName", false);
    let arn = v.string(input, "StreamARN", "streamARN", 1, 2048);
    if let Some(a) = &arn {
        if parse_arn(a).is_none() {
            v.constraint(Some(a), "streamARN", STREAM_ARN_PATTERN);
        }
    }
    v.finish()?;
    match (by_name, arn) {
        (None, None) => Err(errors::validation("Either StreamName or StreamARN should be provided.")),
        (Some(n), None) => Ok(n),
        (n, Some(a)) => {
            let (region, account, from_arn) = parse_arn(&a).unwrap_or_default();
            if n.as_ref().is_some_and(|n| *n != from_arn) {
                return Err(errors::invalid_argument(format!("StreamARN {a} and StreamName {} do not name the same stream.", n.unwrap_or_default())));
            }
            if region != cx.region || account != cx.account.id {
                return Err(errors::stream_not_found(&from_arn, &account));
            }
            Ok(from_arn)
        }
    }
}

/// (region, account, stream name) of `arn:aws:kinesis:{region}:{account}:stream/{name}`.
pub fn parse_arn(arn: &str) -> Option<(String, String, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, resource] = parts.as_slice() else { return None };
    if *scheme != "arn" || !partition.starts_with("aws") || *service != "kinesis" || account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let name = resource.strip_prefix("stream/")?;
    is_name(name).then(|| (region.to_string(), account.to_string(), name.to_string()))
}

/// A blob member: base64 text in JSON. Bad base64 is a SerializationException.
pub fn blob(input: &Value, member: &str) -> Result<Option<Vec<u8>>, AwsError> {
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => STANDARD.decode(s).map(Some).map_err(|_| AwsError::serialization(format!("Base64 encoded data for {member} could not be decoded."))),
        Some(_) => Err(AwsError::serialization(format!("Unexpected value type for {member}: expected a base64 string"))),
    }
}

/// A timestamp member: epoch seconds (number) or ISO 8601 text, as the SDKs send; ms.
pub fn timestamp(input: &Value, member: &str) -> Result<Option<i64>, AwsError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(|s| Some((s * 1000.0).round() as i64)).ok_or_else(|| AwsError::serialization(format!("Unexpected value for {member}"))),
        Some(_) => Err(AwsError::serialization(format!("Unexpected value type for {member}: expected a timestamp (epoch seconds)"))),
    }
}
