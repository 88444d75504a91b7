//! CloudFormation's errors (Query protocol codes).

use crate::kernel::error::AwsError;

pub fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ValidationError", message, 400)
}

pub fn already_exists(stack: &str) -> AwsError {
    AwsError::new("", "AlreadyExistsException", format!("Stack [{stack}] already exists"), 400)
}

pub fn capabilities(needed: &str) -> AwsError {
    AwsError::new("", "InsufficientCapabilitiesException", format!("Requires capabilities : [{needed}]"), 400)
}

pub fn no_stack(name: &str) -> AwsError {
    validation(format!("Stack with id {name} does not exist"))
}
