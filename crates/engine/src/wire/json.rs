//! AWS JSON 1.0 and 1.1: `POST /` with `X-Amz-Target: Prefix.Operation`, a JSON object body,
//! and errors as `{"__type": ..., "message": ...}` with the HTTP status of the error.

use serde_json::Value;

use super::HttpResponse;
use crate::kernel::{catalog::Protocol, error::AwsError};

pub fn content_type(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Json11 => "application/x-amz-json-1.1",
        _ => "application/x-amz-json-1.0",
    }
}

/// The request body as a JSON object. AWS rejects an empty body with a bare
/// SerializationException (the SDKs always send at least `{}`).
pub fn decode_body(body: &[u8]) -> Result<Value, AwsError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AwsError::serialization(""));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        // AWS answers a body that is not a JSON object with a bare SerializationException.
        _ => Err(AwsError::serialization("")),
    }
}

pub fn error_response(protocol: Protocol, err: &AwsError, request_id: &str) -> HttpResponse {
    let mut response = HttpResponse::json(err.status, content_type(protocol), &err.to_json(), request_id);
    if let Some(query_error) = &err.query_error {
        response.headers.push(("x-amzn-query-error".into(), query_error.clone()));
    }
    response
}
