//! Kinesis Data Streams' errors (JSON 1.1: `__type` is the bare code) with the messages the
//! service sends. Coral's constraint failures are `ValidationException`s, built with Lambda's
//! aggregating [`Validation`](crate::services::lambda::errors::Validation).

use crate::kernel::error::AwsError;

fn error(kind: &str, message: impl Into<String>) -> AwsError {
    AwsError::new("", kind, message, 400)
}

pub fn stream_not_found(name: &str, account: &str) -> AwsError {
    error("ResourceNotFoundException", format!("Stream {name} under account {account} not found."))
}

pub fn stream_exists(name: &str, account: &str) -> AwsError {
    error("ResourceInUseException", format!("Stream {name} under account {account} already exists."))
}

pub fn resource_in_use(message: impl Into<String>) -> AwsError {
    error("ResourceInUseException", message)
}

pub fn not_found(message: impl Into<String>) -> AwsError {
    error("ResourceNotFoundException", message)
}

pub fn invalid_argument(message: impl Into<String>) -> AwsError {
    error("InvalidArgumentException", message)
}

pub fn limit_exceeded(message: impl Into<String>) -> AwsError {
    error("LimitExceededException", message)
}

pub fn throughput_exceeded(shard: &str, stream: &str, account: &str) -> AwsError {
    error("ProvisionedThroughputExceededException", format!("Rate exceeded for shard {shard} in stream {stream} under account {account}."))
}

pub fn expired_iterator(created_ms: i64, now_ms: i64) -> AwsError {
    use crate::kernel::time::java_date;
    error(
        "ExpiredIteratorException",
        format!(
            "Iterator expired. The iterator was created at time {} while right now it is {} which is further in the future than the tolerated delay of 300000 milliseconds.",
            java_date(created_ms),
            java_date(now_ms)
        ),
    )
}

pub fn validation(message: impl Into<String>) -> AwsError {
    error("ValidationException", message)
}

/// One Coral constraint failure: `1 validation error detected: Value '…' at '…' failed to …`.
pub fn constraint(value: &str, path: &str, constraint: &str) -> AwsError {
    validation(format!("1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"))
}

/// A request member the sandbox does not simulate.
pub fn unsupported(member: &str) -> AwsError {
    validation(format!("Gureum does not simulate {member} for Kinesis Data Streams yet."))
}
