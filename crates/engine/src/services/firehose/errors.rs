//! Amazon Data Firehose's errors (JSON 1.1: `__type` is the bare code), with the messages the
//! service sends. Constraint failures are Coral `ValidationException`s, aggregated by Lambda's
//! [`Validation`](crate::services::lambda::errors::Validation).

use crate::kernel::error::AwsError;

fn error(kind: &str, message: impl Into<String>) -> AwsError {
    AwsError::new("", kind, message, 400)
}

pub fn not_found(name: &str, account: &str) -> AwsError {
    error("ResourceNotFoundException", format!("Firehose {name} under account {account} not found."))
}

pub fn not_active(name: &str, account: &str) -> AwsError {
    error("ResourceNotFoundException", format!("Firehose {name} is not active in {account} account."))
}

pub fn already_exists(name: &str, account: &str) -> AwsError {
    error("ResourceInUseException", format!("Firehose {name} under accountId {account} already exists"))
}

pub fn resource_in_use(message: impl Into<String>) -> AwsError {
    error("ResourceInUseException", message)
}

pub fn invalid_argument(message: impl Into<String>) -> AwsError {
    error("InvalidArgumentException", message)
}

/// A feature AWS has and the sandbox does not simulate: refused, never silently ignored.
pub fn not_simulated(what: &str) -> AwsError {
    invalid_argument(format!("{what} is not supported in the Gureum sandbox, which simulates Firehose streams delivering to Amazon S3 only."))
}

pub fn limit_exceeded(message: impl Into<String>) -> AwsError {
    error("LimitExceededException", message)
}

pub fn concurrent_modification(name: &str, current: u64, given: &str) -> AwsError {
    error("ConcurrentModificationException", format!("Cannot update firehose: {name} since the current version id: {current} and the specified version id: {given} do not match"))
}
