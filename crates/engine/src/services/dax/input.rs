//! Reading DAX's JSON requests: `null` is absent, unknown members are ignored, and a member of
//! the wrong JSON type is a SerializationException, as AWS's JSON front end answers.

use serde_json::{Map, Value};

use super::errors;
use crate::kernel::error::AwsError;

fn wrong_type(name: &str, expected: &str) -> AwsError {
    AwsError::serialization(format!("Unexpected value type for {name}: expected {expected}"))
}

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
        self.string(name)?.ok_or_else(|| errors::missing(name))
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().filter(|v| i32::try_from(*v).is_ok()).map(Some).ok_or_else(|| wrong_type(name, "an integer")),
            Some(_) => Err(wrong_type(name, "an integer")),
        }
    }

    /// A timestamp member (epoch seconds, as JSON 1.1 sends them) in epoch milliseconds.
    pub fn timestamp_ms(&self, name: &str) -> Result<Option<i64>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => {
                n.as_f64().filter(|f| f.is_finite() && f.abs() < 1e13).map(|f| Some((f * 1000.0).round() as i64)).ok_or_else(|| wrong_type(name, "a timestamp"))
            }
            Some(_) => Err(wrong_type(name, "a timestamp")),
        }
    }

    pub fn required_int(&self, name: &str) -> Result<i64, AwsError> {
        self.int(name)?.ok_or_else(|| errors::missing(name))
    }

    pub fn object(&self, name: &str) -> Result<Option<Input<'a>>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(Input(m))),
            Some(_) => Err(wrong_type(name, "an object")),
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong_type(name, "a boolean")),
        }
    }

    /// A list of strings; `None` when absent.
    pub fn strings(&self, name: &str) -> Result<Option<Vec<&'a str>>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(a)) => a.iter().map(|v| v.as_str().ok_or_else(|| wrong_type(name, "a list of strings"))).collect::<Result<Vec<_>, _>>().map(Some),
            Some(_) => Err(wrong_type(name, "a list of strings")),
        }
    }

    /// A list of objects; `None` when absent.
    pub fn objects(&self, name: &str) -> Result<Option<Vec<Input<'a>>>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(a)) => a.iter().map(|v| v.as_object().map(Input).ok_or_else(|| wrong_type(name, "a list of objects"))).collect::<Result<Vec<_>, _>>().map(Some),
            Some(_) => Err(wrong_type(name, "a list of objects")),
        }
    }
}
