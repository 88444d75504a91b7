//! API Gateway's errors: `{"message"}` bodies with the code in `x-amzn-ErrorType`.

use serde_json::Value;

use crate::kernel::error::AwsError;

pub fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("", "NotFoundException", message, 404)
}

pub fn bad_request(message: impl Into<String>) -> AwsError {
    AwsError::new("", "BadRequestException", message, 400)
}

pub fn conflict(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ConflictException", message, 409)
}

pub fn too_many_requests(message: impl Into<String>) -> AwsError {
    AwsError::new("", "TooManyRequestsException", message, 429)
}

pub fn api_not_found(account: &str, id: &str) -> AwsError {
    not_found(format!("Invalid API identifier specified {account}:{id}"))
}

pub fn resource_not_found() -> AwsError {
    not_found("Invalid Resource identifier specified")
}

pub fn method_not_found() -> AwsError {
    not_found("Invalid Method identifier specified")
}

pub fn integration_not_found() -> AwsError {
    not_found("Invalid Integration identifier specified")
}

pub fn response_not_found() -> AwsError {
    not_found("Invalid Response status code specified")
}

pub fn stage_not_found() -> AwsError {
    not_found("Invalid Stage identifier specified")
}

pub fn deployment_not_found() -> AwsError {
    not_found("Invalid Deployment identifier specified")
}

/// A known member the sandbox does not model yet: refused rather than ignored.
pub fn unsupported(member: &str) -> AwsError {
    bad_request(format!("'{member}' is not supported in the Gureum sandbox yet."))
}

/// Reading members of a request.
pub struct Input<'a>(pub &'a Value);

impl<'a> Input<'a> {
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    pub fn string(&self, key: &str) -> Result<Option<&'a str>, AwsError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(bad_request(format!("Invalid value for '{key}': expected a string."))),
        }
    }

    /// A path label or required member; missing is reported with `missing`.
    pub fn required(&self, key: &str, missing: impl FnOnce() -> AwsError) -> Result<&'a str, AwsError> {
        match self.string(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(missing()),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, AwsError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
            Some(_) => Err(bad_request(format!("Invalid value for '{key}': expected a boolean."))),
        }
    }

    pub fn int(&self, key: &str) -> Result<Option<i64>, AwsError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).map(Some).ok_or_else(|| bad_request(format!("Invalid value for '{key}': expected an integer.")))
            }
        }
    }

    pub fn strings(&self, key: &str) -> Result<Vec<String>, AwsError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => a.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad_request(format!("Invalid value for '{key}': expected strings.")))).collect(),
            Some(_) => Err(bad_request(format!("Invalid value for '{key}': expected a list of strings."))),
        }
    }

    pub fn string_map(&self, key: &str) -> Result<std::collections::BTreeMap<String, String>, AwsError> {
        match self.get(key) {
            None => Ok(Default::default()),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())).ok_or_else(|| bad_request(format!("Invalid value for '{key}.{k}': expected a string."))))
                .collect(),
            Some(_) => Err(bad_request(format!("Invalid value for '{key}': expected a map of strings."))),
        }
    }

    pub fn bool_map(&self, key: &str) -> Result<std::collections::BTreeMap<String, bool>, AwsError> {
        match self.get(key) {
            None => Ok(Default::default()),
            Some(Value::Object(m)) => {
                m.iter().map(|(k, v)| v.as_bool().map(|b| (k.clone(), b)).ok_or_else(|| bad_request(format!("Invalid value for '{key}.{k}': expected a boolean.")))).collect()
            }
            Some(_) => Err(bad_request(format!("Invalid value for '{key}': expected a map of booleans."))),
        }
    }

    /// Refuses members the sandbox does not model.
    pub fn refuse(&self, keys: &[&str]) -> Result<(), AwsError> {
        for k in keys {
            match self.get(k) {
                None => {}
                Some(Value::Object(m)) if m.is_empty() => {}
                Some(Value::Array(a)) if a.is_empty() => {}
                Some(Value::Bool(false)) => {}
                Some(_) => return Err(unsupported(k)),
            }
        }
        Ok(())
    }
}
