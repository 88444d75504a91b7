//! Reading IAM and STS requests, and their errors. The Query protocol carries every value as a
//! string, so numbers and booleans are accepted as strings or as JSON values; a value of no
//! use is a `ValidationError` in AWS's Coral wording ("1 validation error detected: Value 'x'
//! at 'roleName' failed to satisfy constraint: ...").

use serde_json::{Map, Value};

use crate::kernel::error::AwsError;

pub fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ValidationError", message, 400)
}

pub fn no_such_entity(message: impl Into<String>) -> AwsError {
    AwsError::new("", "NoSuchEntity", message, 404)
}

pub fn already_exists(message: impl Into<String>) -> AwsError {
    AwsError::new("", "EntityAlreadyExists", message, 409)
}

pub fn limit_exceeded(message: impl Into<String>) -> AwsError {
    AwsError::new("", "LimitExceeded", message, 409)
}

pub fn delete_conflict(message: impl Into<String>) -> AwsError {
    AwsError::new("", "DeleteConflict", message, 409)
}

pub fn invalid_input(message: impl Into<String>) -> AwsError {
    AwsError::new("", "InvalidInput", message, 400)
}

/// `member` as Coral names it in messages: the first letter lower-cased (`roleName`).
fn member_name(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn constraint(value: &str, name: &str, what: &str) -> AwsError {
    validation(format!("1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: {what}", member_name(name)))
}

#[derive(Clone, Copy)]
pub struct Input<'a>(pub &'a Map<String, Value>);

impl<'a> Input<'a> {
    pub fn new(v: &'a Value) -> Result<Self, AwsError> {
        v.as_object().map(Input).ok_or_else(|| validation("The request must be an object."))
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn string(&self, name: &str) -> Result<Option<&'a str>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(validation(format!("1 validation error detected: Value at '{}' must be a string", member_name(name)))),
        }
    }

    pub fn required(&self, name: &str) -> Result<&'a str, AwsError> {
        self.string(name)?
            .ok_or_else(|| validation(format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", member_name(name))))
    }

    /// A string of `min..=max` characters.
    pub fn sized(&self, name: &str, min: usize, max: usize) -> Result<Option<&'a str>, AwsError> {
        let Some(s) = self.string(name)? else { return Ok(None) };
        let n = s.chars().count();
        if n < min {
            return Err(constraint(s, name, &format!("Member must have length greater than or equal to {min}")));
        }
        if n > max {
            return Err(constraint(s, name, &format!("Member must have length less than or equal to {max}")));
        }
        Ok(Some(s))
    }

    /// A name of IAM's `[\w+=,.@-]+` pattern and `min..=max` characters, required.
    pub fn name(&self, name: &str, max: usize) -> Result<&'a str, AwsError> {
        let s = self.required(name)?;
        check_name(s, name, 1, max)?;
        Ok(s)
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| constraint(&n.to_string(), name, "Member must be an integer")),
            Some(Value::String(s)) => s.trim().parse::<i64>().map(Some).map_err(|_| constraint(s, name, "Member must be an integer")),
            Some(other) => Err(constraint(&other.to_string(), name, "Member must be an integer")),
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" => Ok(Some(false)),
            Some(other) => Err(constraint(&other.to_string(), name, "Member must be a boolean")),
        }
    }

    /// A list member; `""` (the Query protocol's empty list) is an empty list.
    pub fn list(&self, name: &str) -> Result<Vec<&'a Value>, AwsError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a.iter().collect()),
            Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
            Some(_) => Err(validation(format!("1 validation error detected: Value at '{}' must be a list", member_name(name)))),
        }
    }

    pub fn string_list(&self, name: &str) -> Result<Vec<&'a str>, AwsError> {
        self.list(name)?
            .into_iter()
            .map(|v| v.as_str().ok_or_else(|| validation(format!("1 validation error detected: Value at '{}' must be a list of strings", member_name(name)))))
            .collect()
    }

    /// MaxItems (1..=1000, default 100) and Marker.
    pub fn paging(&self) -> Result<(usize, Option<&'a str>), AwsError> {
        let max = self.int("MaxItems")?.unwrap_or(100);
        if !(1..=1000).contains(&max) {
            let (msg, v) = if max < 1 { ("Member must have value greater than or equal to 1", max) } else { ("Member must have value less than or equal to 1000", max) };
            return Err(constraint(&v.to_string(), "MaxItems", msg));
        }
        Ok((max as usize, self.sized("Marker", 1, 320)?))
    }

    /// Refuses members the sandbox does not implement, naming them.
    pub fn refuse(&self, names: &[&str], operation: &str) -> Result<(), AwsError> {
        for n in names {
            if self.get(n).is_some() {
                return Err(validation(format!("{n} is not supported by {operation} in the Gureum sandbox.")));
            }
        }
        Ok(())
    }
}

pub fn check_name(s: &str, member: &str, min: usize, max: usize) -> Result<(), AwsError> {
    let n = s.chars().count();
    if n < min {
        return Err(constraint(s, member, &format!("Member must have length greater than or equal to {min}")));
    }
    if n > max {
        return Err(constraint(s, member, &format!("Member must have length less than or equal to {max}")));
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)) {
        return Err(constraint(s, member, "Member must satisfy regular expression pattern: [\\w+=,.@-]+"));
    }
    Ok(())
}

/// A path: `/` or `/a/b/`, printable ASCII, at most 512 characters.
pub fn check_path(s: &str, member: &str) -> Result<(), AwsError> {
    if s.len() > 512 {
        return Err(constraint(s, member, "Member must have length less than or equal to 512"));
    }
    let ok = s == "/" || (s.len() >= 2 && s.starts_with('/') && s.ends_with('/') && s.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    if !ok {
        return Err(constraint(s, member, "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"));
    }
    Ok(())
}

/// Tags: at most 50, keys 1–128 and values 0–256 characters.
pub fn tags(input: &Input, member: &str) -> Result<Vec<(String, String)>, AwsError> {
    let list = input.list(member)?;
    if list.len() > 50 {
        return Err(limit_exceeded("The number of tags has reached the maximum limit."));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for t in list {
        let key = t
            .get("Key")
            .and_then(Value::as_str)
            .ok_or_else(|| validation("1 validation error detected: Value null at 'tags.member.key' failed to satisfy constraint: Member must not be null"))?;
        let value = t.get("Value").and_then(Value::as_str).unwrap_or("");
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(validation(format!(
                "1 validation error detected: Value '{key}' at 'tags.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"
            )));
        }
        if out.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(invalid_input("Duplicate tag keys found. Please note that Tag keys are case insensitive."));
        }
        out.push((key.to_string(), value.to_string()));
    }
    Ok(out)
}

pub fn tags_json(tags: &[(String, String)]) -> Value {
    Value::Array(tags.iter().map(|(k, v)| serde_json::json!({"Key": k, "Value": v})).collect())
}

/// IAM returns policy documents URL-encoded (RFC 3986), which the SDKs decode.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A page of `items` (in order) after `marker` (the key of the first item of this page).
pub fn page<T: Clone>(items: Vec<(String, T)>, max: usize, marker: Option<&str>) -> (Vec<T>, Option<String>) {
    let start = match marker {
        Some(m) => items.iter().position(|(k, _)| k.as_str() >= m).unwrap_or(items.len()),
        None => 0,
    };
    let rest = &items[start..];
    let next = rest.get(max).map(|(k, _)| k.clone());
    (rest.iter().take(max).map(|(_, v)| v.clone()).collect(), next)
}

/// Adds `IsTruncated` and `Marker` to a list answer.
pub fn paged(mut out: Map<String, Value>, next: Option<String>) -> Value {
    out.insert("IsTruncated".into(), Value::Bool(next.is_some()));
    if let Some(m) = next {
        out.insert("Marker".into(), Value::String(m));
    }
    Value::Object(out)
}
