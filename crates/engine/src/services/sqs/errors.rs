//! SQS's errors. SQS moved from the Query protocol to JSON, so each error carries two codes: the
//! JSON `__type` (`com.amazonaws.sqs#QueueDoesNotExist`, the SDKs' exception class) and the legacy
//! Query code in the `x-amzn-query-error` header (`AWS.SimpleQueueService.NonExistentQueue`), which
//! boto3 reports as the error code. Batch results' `Failed` entries carry the legacy code.

use crate::kernel::error::AwsError;

pub const NAMESPACE: &str = "com.amazonaws.sqs";
const CORAL: &str = "com.amazon.coral.service";

fn sqs(kind: &str, query_code: &str, status: u16, message: impl Into<String>) -> AwsError {
    AwsError::new(NAMESPACE, kind, message, status).with_query_code(query_code)
}

pub fn queue_does_not_exist() -> AwsError {
    sqs("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400, "The specified queue does not exist.")
}

/// A parameter with a value SQS does not accept.
pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new(CORAL, "InvalidParameterValueException", message, 400).with_query_code("InvalidParameterValue")
}

/// `Value {value} for parameter {name} is invalid. Reason: {reason}`.
pub fn invalid_value(value: impl std::fmt::Display, name: &str, reason: &str) -> AwsError {
    invalid_parameter(format!("Value {value} for parameter {name} is invalid. Reason: {reason}"))
}

pub fn missing_parameter(name: &str) -> AwsError {
    AwsError::new(CORAL, "MissingRequiredParameterException", format!("The request must contain the parameter {name}."), 400).with_query_code("MissingParameter")
}

pub fn invalid_attribute_name(name: &str) -> AwsError {
    sqs("InvalidAttributeName", "InvalidAttributeName", 400, format!("Unknown Attribute {name}."))
}

pub fn invalid_attribute_value(name: &str) -> AwsError {
    sqs("InvalidAttributeValue", "InvalidAttributeValue", 400, format!("Invalid value for the parameter {name}."))
}

pub fn invalid_attribute_value_because(name: &str, reason: &str) -> AwsError {
    sqs("InvalidAttributeValue", "InvalidAttributeValue", 400, format!("Invalid value for the parameter {name}. Reason: {reason}"))
}

pub fn queue_name_exists(attribute: &str) -> AwsError {
    sqs("QueueNameExists", "QueueAlreadyExists", 400, format!("A queue already exists with the same name and a different value for attribute {attribute}"))
}

pub fn queue_deleted_recently() -> AwsError {
    sqs(
        "QueueDeletedRecently",
        "AWS.SimpleQueueService.QueueDeletedRecently",
        400,
        "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
    )
}

pub fn purge_in_progress(queue: &str) -> AwsError {
    sqs("PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", 403, format!("Only one PurgeQueue operation on {queue} is allowed every 60 seconds."))
}

pub fn empty_batch(entry_shape: &str) -> AwsError {
    sqs("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400, format!("There should be at least one {entry_shape} in the request."))
}

pub fn too_many_entries(sent: usize) -> AwsError {
    sqs("TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400, format!("Maximum number of entries per request are 10. You have sent {sent}."))
}

pub fn ids_not_distinct(id: &str) -> AwsError {
    sqs("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, format!("Id {id} repeated."))
}

pub fn invalid_batch_entry_id() -> AwsError {
    sqs(
        "InvalidBatchEntryId",
        "AWS.SimpleQueueService.InvalidBatchEntryId",
        400,
        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
    )
}

pub fn batch_too_long(limit: usize, sent: usize) -> AwsError {
    sqs("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", 400, format!("Batch requests cannot be longer than {limit} bytes. You have sent {sent} bytes."))
}

pub fn receipt_handle_invalid(handle: &str) -> AwsError {
    sqs("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 400, format!("The input receipt handle \"{handle}\" is not a valid receipt handle."))
}

pub fn invalid_message_contents() -> AwsError {
    sqs(
        "InvalidMessageContents",
        "InvalidMessageContents",
        400,
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
    )
}

pub fn invalid_address(url: &str) -> AwsError {
    sqs("InvalidAddress", "InvalidAddress", 404, format!("The address {url} is not valid for this endpoint."))
}

pub fn resource_not_found(message: impl Into<String>) -> AwsError {
    sqs("ResourceNotFoundException", "ResourceNotFoundException", 404, message)
}

pub fn unsupported_operation(message: impl Into<String>) -> AwsError {
    sqs("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400, message)
}

/// The code a batch result's `Failed` entry reports for `e`: the legacy Query code.
pub fn batch_code(e: &AwsError) -> String {
    e.query_code().unwrap_or(&e.kind).to_string()
}
