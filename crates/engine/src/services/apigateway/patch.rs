//! PATCH bodies: `{"patchOperations": [{"op", "path", "value", "from"}]}` (JSON Patch paths,
//! `~1` for `/` and `~0` for `~` inside a segment).

use serde_json::Value;

use super::errors::{bad_request, Input};
use crate::kernel::error::AwsError;

#[derive(Debug, Clone)]
pub struct PatchOp {
    pub op: String,
    pub path: String,
    pub value: Option<String>,
}

pub fn operations(input: &Input) -> Result<Vec<PatchOp>, AwsError> {
    let Some(list) = input.get("patchOperations") else { return Ok(Vec::new()) };
    let Value::Array(list) = list else { return Err(bad_request("Invalid patch operations specified: expected a list.")) };
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        let item = Input(item);
        let op = item.string("op")?.unwrap_or("");
        if !["add", "remove", "replace", "move", "copy", "test"].contains(&op) {
            return Err(bad_request(format!("Invalid patch operation specified. Must be one of: [add, remove, replace, move, copy, test], got '{op}'")));
        }
        if op == "move" || op == "copy" || op == "test" {
            return Err(bad_request(format!("The patch operation '{op}' is not supported in the Gureum sandbox yet.")));
        }
        let path = item.string("path")?.unwrap_or("");
        if !path.starts_with('/') {
            return Err(bad_request(format!("Invalid patch path '{path}' specified for op '{op}'. Must start with '/'")));
        }
        out.push(PatchOp { op: op.to_string(), path: path.to_string(), value: item.string("value")?.map(str::to_string) });
    }
    Ok(out)
}

pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

impl PatchOp {
    pub fn invalid(&self) -> AwsError {
        bad_request(format!("Invalid patch path '{}' specified for op '{}'.", self.path, self.op))
    }

    pub fn required_value(&self) -> Result<&str, AwsError> {
        self.value.as_deref().ok_or_else(|| bad_request(format!("Invalid null value for op '{}' on path '{}'.", self.op, self.path)))
    }

    pub fn bool_value(&self) -> Result<bool, AwsError> {
        match self.value.as_deref() {
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            other => Err(bad_request(format!("Invalid value '{}' for path '{}': expected true or false.", other.unwrap_or("null"), self.path))),
        }
    }
}
