//! Lambda's errors (REST-JSON: the code travels in `x-amzn-ErrorType`, the body is
//! `{"Type": "User", "message": ...}`) and its request validation.

use serde_json::Value;

use crate::kernel::error::AwsError;

pub fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ResourceNotFoundException", message, 404)
}

pub fn function_not_found(arn: &str) -> AwsError {
    not_found(format!("Function not found: {arn}"))
}

pub fn conflict(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ResourceConflictException", message, 409)
}

pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new("", "InvalidParameterValueException", message, 400)
}

pub fn precondition_failed(message: impl Into<String>) -> AwsError {
    AwsError::new("", "PreconditionFailedException", message, 412)
}

pub fn too_many_requests(reason: &str) -> AwsError {
    AwsError::new("", "TooManyRequestsException", "Rate Exceeded.", 429).with("Reason", Value::String(reason.into()))
}

pub fn service_error(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ServiceException", message, 500)
}

/// Coral-style constraint checks, aggregated into one ValidationException as Lambda answers
/// ("2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: ...").
#[derive(Default)]
pub struct Validation {
    errors: Vec<String>,
    serialization: Option<String>,
}

impl Validation {
    pub fn constraint(&mut self, value: Option<&str>, path: &str, constraint: &str) {
        let v = value.map(|v| format!("'{v}'")).unwrap_or_else(|| "null".into());
        self.errors.push(format!("Value {v} at '{path}' failed to satisfy constraint: {constraint}"));
    }

    /// A constraint message written out in full (map keys, list members).
    pub fn raw(&mut self, message: String) {
        self.errors.push(message);
    }

    pub fn serialization(&mut self, message: String) {
        self.serialization.get_or_insert(message);
    }

    /// A string member: absent/null is `None`; another JSON type is a serialization error.
    pub fn string(&mut self, input: &Value, member: &str, path: &str, min: usize, max: usize) -> Option<String> {
        match input.get(member) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let len = s.chars().count();
                if len < min {
                    self.constraint(Some(s), path, &format!("Member must have length greater than or equal to {min}"));
                }
                if len > max {
                    self.constraint(Some(s), path, &format!("Member must have length less than or equal to {max}"));
                }
                Some(s.clone())
            }
            Some(_) => {
                self.serialization(format!("STRING_VALUE can not be converted to a {member}"));
                None
            }
        }
    }

    pub fn required_string(&mut self, input: &Value, member: &str, path: &str, min: usize, max: usize) -> Option<String> {
        let out = self.string(input, member, path, min, max);
        if input.get(member).is_none_or(Value::is_null) {
            self.constraint(None, path, "Member must not be null");
        }
        out
    }

    pub fn integer(&mut self, input: &Value, member: &str, path: &str, min: i64, max: i64) -> Option<u32> {
        match input.get(member) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) if i < min => {
                    self.constraint(Some(&i.to_string()), path, &format!("Member must have value greater than or equal to {min}"));
                    None
                }
                Some(i) if i > max => {
                    self.constraint(Some(&i.to_string()), path, &format!("Member must have value less than or equal to {max}"));
                    None
                }
                Some(i) => u32::try_from(i).ok(),
                None => {
                    self.serialization(format!("NUMBER_VALUE can not be converted to an Integer for {member}"));
                    None
                }
            },
            Some(_) => {
                self.serialization(format!("Unexpected value type for {member}: expected an integer"));
                None
            }
        }
    }

    pub fn boolean(&mut self, input: &Value, member: &str) -> Option<bool> {
        match input.get(member) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.serialization(format!("Unexpected value type for {member}: expected a boolean"));
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), AwsError> {
        if let Some(m) = self.serialization {
            return Err(AwsError::new("", "SerializationException", m, 400));
        }
        match self.errors.len() {
            0 => Ok(()),
            1 => Err(AwsError::new("", "ValidationException", format!("1 validation error detected: {}", self.errors[0]), 400)),
            n => Err(AwsError::new("", "ValidationException", format!("{n} validation errors detected: {}", self.errors.join("; ")), 400)),
        }
    }
}
