//! The messages between page and worker: JSON strings (measured faster than structured objects
//! for payloads of this size).
//!
//! Page → worker: `{"id": 7, "kind": "aws", "service": "dynamodb", "operation": "PutItem",
//! "region": "us-east-1", "input": {...}, "accessKeyId"?: "ASIA..."}` (signed with that key: see
//! the engine's `kernel/authz.rs`) or `{"id": 8, "kind": "sim", "operation":
//! "AdvanceClock", "input": {...}}`.
//!
//! Worker → page: `{"id": 7, "ok": {...}}` or `{"id": 7, "error": {"__type": ..., "message":
//! ...}}`, and events: `{"event": "ready" | "status" | "changed", ...}`.

use gureum_engine::{AwsError, Request};
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Aws(Request),
    Sim { operation: String, input: Value },
}

/// Parses a page message into its id and call. A malformed message gets an error reply with the
/// id if one can be read.
pub fn parse(text: &str) -> Result<(u64, Call), (Option<u64>, AwsError)> {
    let v: Value = serde_json::from_str(text).map_err(|e| (None, AwsError::serialization(format!("message is not JSON: {e}"))))?;
    let id = v.get("id").and_then(Value::as_u64);
    let bad = |m: &str| (id, AwsError::validation(m.to_string()));
    let id = id.ok_or_else(|| bad("message has no numeric 'id'"))?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let input = v.get("input").cloned().unwrap_or_else(|| json!({}));
    if !input.is_object() {
        return Err(bad("'input' must be an object"));
    }
    match v.get("kind").and_then(Value::as_str) {
        Some("aws") => {
            let service = s("service").ok_or_else(|| bad("'service' is required"))?;
            let operation = s("operation").ok_or_else(|| bad("'operation' is required"))?;
            let region = s("region").unwrap_or_else(|| "us-east-1".into());
            let credentials = s("accessKeyId").map(gureum_engine::kernel::authz::Credentials::AccessKey);
            Ok((id, Call::Aws(Request { service, operation, region, input, credentials })))
        }
        Some("sim") => {
            let operation = s("operation").ok_or_else(|| bad("'operation' is required"))?;
            Ok((id, Call::Sim { operation, input }))
        }
        _ => Err(bad("'kind' must be \"aws\" or \"sim\"")),
    }
}

pub fn reply(id: u64, result: Result<Value, AwsError>) -> String {
    match result {
        Ok(v) => json!({"id": id, "ok": v}).to_string(),
        Err(e) => {
            let mut err = json!({"__type": e.kind, "message": e.message, "status": e.status});
            // Members some errors carry (ConditionalCheckFailedException's Item, ...).
            if let (Some(extra), Some(obj)) = (&e.extra, err.as_object_mut()) {
                obj.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            json!({"id": id, "error": err}).to_string()
        }
    }
}

pub fn event(name: &str, fields: Value) -> String {
    let mut v = fields;
    if !v.is_object() {
        v = json!({});
    }
    v["event"] = json!(name);
    v.to_string()
}
