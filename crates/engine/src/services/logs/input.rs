//! Reading CloudWatch Logs requests. Members are read the Coral way (shared with DynamoDB:
//! wrong JSON types are SerializationExceptions); constraint failures are collected and reported
//! together, but CloudWatch Logs reports them as InvalidParameterException.

use serde_json::Value;

use super::invalid_parameter;
use crate::{
    kernel::{error::AwsError, service::Cx},
    services::dynamodb::input::Constraints,
};

pub use crate::services::dynamodb::input::Input;

pub const GROUP_NAME_PATTERN: &str = r"[\.\-_/#A-Za-z0-9]+";
pub const STREAM_NAME_PATTERN: &str = "[^:*]*";
pub const GROUP_IDENTIFIER_PATTERN: &str = r"[\w#+=/:,.@-]*";

/// Coral's aggregated constraint failures, as InvalidParameterException.
#[derive(Default)]
pub struct Checks(pub Constraints);

impl Checks {
    pub fn finish(self) -> Result<(), AwsError> {
        self.0.finish().map_err(|e| invalid_parameter(e.message))
    }

    pub fn required<T>(&mut self, value: Option<T>, path: &str) {
        self.0.not_null(value, path);
    }

    fn length(&mut self, value: &str, path: &str, min: usize, max: usize) {
        let n = value.chars().count();
        if n < min {
            self.0.add(Some(value), path, &format!("Member must have length greater than or equal to {min}"));
        }
        if n > max {
            self.0.add(Some(value), path, &format!("Member must have length less than or equal to {max}"));
        }
    }

    /// A log group name: `[\.\-_/#A-Za-z0-9]+`, 1..=512.
    pub fn group_name(&mut self, value: Option<&str>, path: &str) {
        let Some(v) = value else { return };
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/' | b'#')) {
            self.0.add(Some(v), path, &format!("Member must satisfy regular expression pattern: {GROUP_NAME_PATTERN}"));
        }
        self.length(v, path, 1, 512);
    }

    /// A log stream name: no `:` or `*`, 1..=512.
    pub fn stream_name(&mut self, value: Option<&str>, path: &str) {
        let Some(v) = value else { return };
        if v.contains([':', '*']) {
            self.0.add(Some(v), path, &format!("Member must satisfy regular expression pattern: {STREAM_NAME_PATTERN}"));
        }
        self.length(v, path, 1, 512);
    }

    /// A log group name or ARN: `[\w#+=/:,.@-]*`, 1..=2048.
    pub fn group_identifier(&mut self, value: Option<&str>, path: &str) {
        let Some(v) = value else { return };
        if !v.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '#' | '+' | '=' | '/' | ':' | ',' | '.' | '@' | '-')) {
            self.0.add(Some(v), path, &format!("Member must satisfy regular expression pattern: {GROUP_IDENTIFIER_PATTERN}"));
        }
        self.length(v, path, 1, 2048);
    }

    pub fn next_token(&mut self, value: Option<&str>, path: &str) {
        if let Some(v) = value {
            self.length(v, path, 1, usize::MAX);
        }
    }

    pub fn range(&mut self, value: Option<i64>, path: &str, min: i64, max: i64) {
        self.0.min(value, path, min);
        self.0.max(value, path, max);
    }

    pub fn min(&mut self, value: Option<i64>, path: &str, min: i64) {
        self.0.min(value, path, min);
    }

    pub fn one_of(&mut self, value: Option<&str>, path: &str, allowed: &[&str]) {
        self.0.one_of(value, path, allowed);
    }

    pub fn add(&mut self, value: Option<&str>, path: &str, constraint: &str) {
        self.0.add(value, path, constraint);
    }
}

/// Refuses members AWS accepts that this build does not implement, instead of ignoring them.
pub fn refuse(input: &Input, operation: &str, members: &[&str]) -> Result<(), AwsError> {
    for name in input.present() {
        if members.contains(&name) {
            return Err(invalid_parameter(format!("Gureum does not implement the {name} parameter of {operation} yet; remove it from the request.")));
        }
    }
    Ok(())
}

/// The log group a request names by `logGroupName` or `logGroupIdentifier` (a name or an ARN
/// `arn:aws:logs:{region}:{account}:log-group:{name}[:*]`). Exactly one must be present.
pub fn group_of(cx: &Cx, name: Option<&str>, identifier: Option<&str>) -> Result<String, AwsError> {
    match (name, identifier) {
        (Some(_), Some(_)) => Err(invalid_parameter("LogGroupName and LogGroupIdentifier are mutually exclusive parameters.")),
        (None, None) => Err(invalid_parameter("Either LogGroupName or LogGroupIdentifier must be specified.")),
        (Some(n), None) => Ok(n.to_string()),
        (None, Some(id)) => {
            if !id.starts_with("arn:") {
                return Ok(id.to_string());
            }
            let prefix = cx.account.arn("logs", cx.region, "log-group:");
            let name = id.strip_prefix(&prefix).map(|n| n.strip_suffix(":*").unwrap_or(n));
            match name {
                Some(n) if !n.is_empty() && !n.contains(':') => Ok(n.to_string()),
                _ => Err(super::resource_not_found(super::NO_GROUP)),
            }
        }
    }
}

/// `arn:aws:logs:{region}:{account}:log-group:{name}` (the `logGroupArn`).
pub fn group_arn(cx: &Cx, name: &str) -> String {
    cx.account.arn("logs", cx.region, &format!("log-group:{name}"))
}

/// A string member that must be a JSON string (for list elements).
pub fn string_elements(list: &[Value]) -> Result<Vec<&str>, AwsError> {
    list.iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.as_str()),
            Value::Object(_) => Err(AwsError::serialization("Start of structure or map found where not expected")),
            Value::Array(_) => Err(AwsError::serialization("Unrecognized collection type class java.lang.String")),
            _ => Err(AwsError::serialization("Unexpected value type in payload")),
        })
        .collect()
}
