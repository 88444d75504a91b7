//! S3's errors: a bare code (`NoSuchKey`), AWS's message, the HTTP status, and the extra members
//! S3's XML error body carries (`Key`, `BucketName`, ...). The REST-XML wire writes them as
//! `<Error><Code>…</Code><Message>…</Message><Key>…</Key>…</Error>`.

use serde_json::{json, Value};

use crate::kernel::error::AwsError;

pub fn s3(code: &str, message: impl Into<String>, status: u16) -> AwsError {
    AwsError::new("", code, message, status)
}

pub fn no_such_bucket(bucket: &str) -> AwsError {
    s3("NoSuchBucket", "The specified bucket does not exist", 404).with("BucketName", json!(bucket))
}

pub fn no_such_key(key: &str) -> AwsError {
    s3("NoSuchKey", "The specified key does not exist.", 404).with("Key", json!(key))
}

pub fn invalid_bucket_name(bucket: &str) -> AwsError {
    s3("InvalidBucketName", "The specified bucket is not valid.", 400).with("BucketName", json!(bucket))
}

pub fn bucket_not_empty(bucket: &str) -> AwsError {
    s3("BucketNotEmpty", "The bucket you tried to delete is not empty", 409).with("BucketName", json!(bucket))
}

pub fn already_owned_by_you(bucket: &str) -> AwsError {
    s3("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", 409).with("BucketName", json!(bucket))
}

/// `InvalidArgument` naming the argument and the value given.
pub fn invalid_argument(message: impl Into<String>, name: &str, value: impl Into<Value>) -> AwsError {
    s3("InvalidArgument", message, 400).with("ArgumentName", json!(name)).with("ArgumentValue", value.into())
}

pub fn invalid_request(message: impl Into<String>) -> AwsError {
    s3("InvalidRequest", message, 400)
}

pub fn malformed_xml() -> AwsError {
    s3("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400)
}

/// Something S3 has that the sandbox does not (yet): S3's `NotImplemented` (501), saying what.
pub fn not_implemented(what: impl std::fmt::Display) -> AwsError {
    s3("NotImplemented", format!("{what} is not implemented in Gureum's S3 sandbox."), 501)
}

/// The bucket lives in another region than the request was sent to. S3 answers 301 with the
/// bucket's endpoint; the wire adds the `x-amz-bucket-region` header (from `BucketRegion`, which
/// is not written into the body), which the SDKs follow.
pub fn permanent_redirect(bucket: &str, region: &str) -> AwsError {
    s3("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.", 301)
        .with("Bucket", json!(bucket))
        .with("Endpoint", json!(format!("{bucket}.s3.{region}.amazonaws.com")))
        .with("BucketRegion", json!(region))
}

/// A member of the JSON request is missing or has the wrong JSON type (the JSON door only: the
/// REST-XML wire always fills these from the path).
pub fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ValidationException", message, 400)
}
