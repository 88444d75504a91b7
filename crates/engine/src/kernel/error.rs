//! Errors are values: an AWS error type, its message and the HTTP status AWS answers with.

use serde_json::{json, Value};

/// An error as AWS reports it. `kind` is the short error code (`ResourceNotFoundException`);
/// `type_prefix` is the namespace AWS puts before it in JSON protocols' `__type`.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    pub type_prefix: &'static str,
    pub kind: String,
    pub message: String,
    pub status: u16,
    /// More members of the error body, as some errors carry (ConditionalCheckFailedException's
    /// `Item`, TransactionCanceledException's `CancellationReasons`).
    pub extra: Option<Box<serde_json::Map<String, Value>>>,
    /// For services that moved from the Query protocol to JSON (SQS): the legacy error code and
    /// fault, sent as the `x-amzn-query-error` header (`AWS.SimpleQueueService.NonExistentQueue;Sender`).
    pub query_error: Option<String>,
}

impl AwsError {
    pub fn new(type_prefix: &'static str, kind: impl Into<String>, message: impl Into<String>, status: u16) -> Self {
        AwsError { type_prefix, kind: kind.into(), message: message.into(), status, extra: None, query_error: None }
    }

    /// The `__type` value of the JSON protocols, e.g.
    /// `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`.
    pub fn full_type(&self) -> String {
        if self.type_prefix.is_empty() {
            self.kind.clone()
        } else {
            format!("{}#{}", self.type_prefix, self.kind)
        }
    }

    /// The body AWS JSON 1.0/1.1 protocols send. Coral's SerializationException spells the key
    /// `Message`; errors AWS sends without a message (malformed JSON, unknown operation) have none.
    pub fn to_json(&self) -> Value {
        if self.message.is_empty() {
            return json!({ "__type": self.full_type() });
        }
        let key = if self.kind == "SerializationException" { "Message" } else { "message" };
        let mut body = serde_json::Map::new();
        body.insert("__type".into(), Value::String(self.full_type()));
        body.insert(key.into(), Value::String(self.message.clone()));
        if let Some(extra) = &self.extra {
            body.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Value::Object(body)
    }

    /// Coral (the AWS service framework) validation failure, shared by JSON services.
    pub fn validation(message: impl Into<String>) -> Self {
        AwsError::new("com.amazon.coral.validate", "ValidationException", message, 400)
    }

    /// The request body is not the JSON shape the operation takes.
    pub fn serialization(message: impl Into<String>) -> Self {
        AwsError::new("com.amazon.coral.service", "SerializationException", message, 400)
    }

    pub fn unknown_operation(message: impl Into<String>) -> Self {
        AwsError::new("com.amazon.coral.service", "UnknownOperationException", message, 400)
    }

    /// Adds a member to the error body.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.get_or_insert_with(Default::default).insert(key.to_string(), value);
        self
    }

    /// Sets the legacy Query error code this error carries (see [`AwsError::query_error`]); the
    /// fault is `Sender`.
    pub fn with_query_code(mut self, code: &str) -> Self {
        self.query_error = Some(format!("{code};Sender"));
        self
    }

    /// The legacy Query error code, if the error has one (`AWS.SimpleQueueService.NonExistentQueue`).
    pub fn query_code(&self) -> Option<&str> {
        self.query_error.as_deref().map(|q| q.split(';').next().unwrap_or(q))
    }

    /// A failure of the engine itself rather than of the request; never expected.
    pub fn internal(message: impl Into<String>) -> Self {
        AwsError::new("com.amazon.coral.service", "InternalFailure", message, 500)
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for AwsError {}
