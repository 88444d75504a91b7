//! Reading SQS's JSON requests: `null` is absent, unknown members are ignored, and a member of
//! the wrong JSON type is a SerializationException, as AWS's JSON front end answers.

use serde_json::{Map, Value};

use super::errors;
use crate::kernel::error::AwsError;

fn wrong_type(name: &str, expected: &str) -> AwsError {
    AwsError::serialization(format!("Unexpected value type for {name}: expected {expected}"))
}

/// One JSON object of a request (the request itself, or a batch entry).
#[derive(Clone, Copy)]
pub struct Input<'a>(pub &'a Map<String, Value>);

impl<'a> Input<'a> {
    pub fn new(v: &'a Value) -> Result<Self, AwsError> {
        v.as_object().map(Input).ok_or_else(|| AwsError::serialization(""))
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

    pub fn required_string(&self, name: &str) -> Result<&'a str, AwsError> {
        self.string(name)?.ok_or_else(|| errors::missing_parameter(name))
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().filter(|v| i32::try_from(*v).is_ok()).map(Some).ok_or_else(|| wrong_type(name, "an integer")),
            Some(_) => Err(wrong_type(name, "an integer")),
        }
    }

    pub fn object(&self, name: &str) -> Result<Option<&'a Map<String, Value>>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
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

    /// A list of strings (AttributeNames, TagKeys, ...); absent is empty.
    pub fn strings(&self, name: &str) -> Result<Vec<&'a str>, AwsError> {
        self.list(name)?.map_or(Ok(Vec::new()), |l| l.iter().map(|v| v.as_str().ok_or_else(|| wrong_type(name, "a list of strings"))).collect())
    }

    /// A map of strings to strings (Attributes, Tags); absent is empty.
    pub fn string_map(&self, name: &str) -> Result<Vec<(&'a str, &'a str)>, AwsError> {
        let Some(m) = self.object(name)? else {
            return Ok(Vec::new());
        };
        m.iter().map(|(k, v)| v.as_str().map(|s| (k.as_str(), s)).ok_or_else(|| wrong_type(name, "a map of strings"))).collect()
    }

    /// A list of objects (batch entries).
    pub fn entries(&self, name: &str) -> Result<Vec<Input<'a>>, AwsError> {
        self.list(name)?.map_or(Ok(Vec::new()), |l| l.iter().map(|v| v.as_object().map(Input).ok_or_else(|| wrong_type(name, "a list of objects"))).collect())
    }
}
