//! Reading S3's JSON requests (the engine's shape: AWS member names, `Body` as base64).
//! `null` is absent; a member of the wrong JSON type or a missing required member is a
//! ValidationException; a member the operation has but the sandbox does not support is
//! refused by name (see [`Input::only`]), never ignored.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{Map, Value};

use super::errors;
use crate::kernel::error::AwsError;

fn wrong_type(name: &str, expected: &str) -> AwsError {
    errors::validation(format!("Member {name} must be {expected}."))
}

#[derive(Clone, Copy)]
pub struct Input<'a>(pub &'a Map<String, Value>);

impl<'a> Input<'a> {
    pub fn new(v: &'a Value) -> Result<Self, AwsError> {
        v.as_object().map(Input).ok_or_else(|| errors::validation("The request must be a JSON object."))
    }

    /// Refuses any member not in `known` (with a value): S3 members the sandbox does not
    /// implement are NotImplemented, names S3 does not have a ValidationException.
    pub fn only(&self, operation: &str, known: &[&str], unsupported: &[&str]) -> Result<(), AwsError> {
        for (name, value) in self.0 {
            if value.is_null() || known.contains(&name.as_str()) {
                continue;
            }
            if unsupported.contains(&name.as_str()) {
                return Err(errors::not_implemented(format!("{operation}'s {name}")));
            }
            return Err(errors::validation(format!("{operation} has no member {name}.")));
        }
        Ok(())
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn string(&self, name: &str) -> Result<Option<&'a str>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(name, "a string")),
        }
    }

    pub fn required(&self, name: &str) -> Result<&'a str, AwsError> {
        self.string(name)?.ok_or_else(|| errors::validation(format!("Missing required member {name}.")))
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| wrong_type(name, "an integer")),
            Some(_) => Err(wrong_type(name, "an integer")),
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong_type(name, "a boolean")),
        }
    }

    /// A timestamp member: epoch seconds (a number), as the JSON protocols carry timestamps.
    pub fn epoch_ms(&self, name: &str) -> Result<Option<i64>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()).map(|f| Some((f * 1000.0).round() as i64)).ok_or_else(|| wrong_type(name, "a timestamp")),
            Some(_) => Err(wrong_type(name, "a timestamp (epoch seconds)")),
        }
    }

    pub fn object(&self, name: &str) -> Result<Option<Input<'a>>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(Input(m))),
            Some(_) => Err(wrong_type(name, "an object")),
        }
    }

    pub fn list(&self, name: &str) -> Result<Option<&'a Vec<Value>>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(wrong_type(name, "a list")),
        }
    }

    /// A blob: base64 text. Absent is empty (PutObject with no Body stores an empty object).
    pub fn blob(&self, name: &str) -> Result<Vec<u8>, AwsError> {
        match self.string(name)? {
            None => Ok(Vec::new()),
            Some(s) => B64.decode(s).map_err(|_| errors::validation(format!("Member {name} must be base64 text."))),
        }
    }

    /// A map of strings to strings (Metadata); absent is empty.
    pub fn string_map(&self, name: &str) -> Result<Vec<(&'a str, &'a str)>, AwsError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Object(m)) => m.iter().map(|(k, v)| v.as_str().map(|s| (k.as_str(), s)).ok_or_else(|| wrong_type(name, "a map of strings"))).collect(),
            Some(_) => Err(wrong_type(name, "a map of strings")),
        }
    }
}
