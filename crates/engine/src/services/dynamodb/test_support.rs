//! What the DynamoDB test files share: a host clock, calls through the engine's door, and the
//! unwrapping of answers.

use serde_json::{json, Value};

use crate::{AwsError, Engine, Request};

/// The host clock every call is made at (the virtual clock moves by `AdvanceClock`).
pub const H: i64 = 1_000_000;

pub fn call(e: &mut Engine, service: &str, op: &str, input: Value) -> Result<Value, AwsError> {
    e.call(H, &Request::new(service, op, "us-east-1", input))
}

pub fn ddb(e: &mut Engine, op: &str, input: Value) -> Result<Value, AwsError> {
    call(e, "dynamodb", op, input)
}

/// The answer, or a panic that shows AWS's error.
pub fn ok<T>(r: Result<T, AwsError>) -> T {
    r.unwrap_or_else(|e| panic!("unexpected error: {} {}", e.kind, e.message))
}

/// The error's type and message (a panic if the call succeeded).
pub fn err(r: Result<Value, AwsError>) -> (String, String) {
    let e = r.expect_err("expected an error");
    (e.kind, e.message)
}

pub fn advance(e: &mut Engine, seconds: i64) {
    ok(e.control(H, "AdvanceClock", &json!({ "seconds": seconds })));
}

pub fn advance_ms(e: &mut Engine, ms: i64) {
    ok(e.control(H, "AdvanceClock", &json!({ "seconds": ms as f64 / 1000.0 })));
}
