//! The services the sandbox knows, by AWS endpoint prefix, with the wire protocol each speaks.
//! Hosts route wire requests with this table; the engine dispatches typed requests to the
//! service registered under the same name. A name in the catalog with no registered service
//! answers every operation with AWS's UnknownOperationException-style error rather than pretending.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// AWS JSON 1.0: `POST /`, `X-Amz-Target: {target_prefix}.{Operation}`.
    Json10,
    /// AWS JSON 1.1: same routing as 1.0, `application/x-amz-json-1.1`.
    Json11,
    /// REST-JSON: operation chosen by method and path.
    RestJson,
    /// REST-XML (S3).
    RestXml,
    /// AWS Query (IAM, STS, CloudFormation): form-encoded `Action=...`.
    Query,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceSpec {
    /// The endpoint prefix (`dynamodb`, `streams.dynamodb`, ...), also the engine's service name.
    pub name: &'static str,
    /// The SigV4 signing name in the credential scope.
    pub signing_name: &'static str,
    pub protocol: Protocol,
    /// For JSON protocols, the `X-Amz-Target` prefix before the dot.
    pub target_prefix: &'static str,
    /// Namespace AWS puts before error codes in `__type` for this service's own errors.
    pub error_namespace: &'static str,
}

pub const CATALOG: &[ServiceSpec] = &[
    ServiceSpec { name: "dynamodb", signing_name: "dynamodb", protocol: Protocol::Json10, target_prefix: "DynamoDB_20120810", error_namespace: "com.amazonaws.dynamodb.v20120810" },
    ServiceSpec {
        name: "streams.dynamodb",
        signing_name: "dynamodb",
        protocol: Protocol::Json10,
        target_prefix: "DynamoDBStreams_20120810",
        error_namespace: "com.amazonaws.dynamodb.v20120810",
    },
    ServiceSpec { name: "dax", signing_name: "dax", protocol: Protocol::Json11, target_prefix: "AmazonDAXV3", error_namespace: "" },
    ServiceSpec { name: "lambda", signing_name: "lambda", protocol: Protocol::RestJson, target_prefix: "", error_namespace: "" },
    ServiceSpec { name: "apigateway", signing_name: "apigateway", protocol: Protocol::RestJson, target_prefix: "", error_namespace: "" },
    // HTTP APIs: signed as `apigateway`, routed by their `/v2/apis` paths (see `wire::rest`).
    ServiceSpec { name: "apigatewayv2", signing_name: "apigateway", protocol: Protocol::RestJson, target_prefix: "", error_namespace: "" },
    ServiceSpec { name: "states", signing_name: "states", protocol: Protocol::Json10, target_prefix: "AWSStepFunctions", error_namespace: "com.amazonaws.swf.service.v2.model" },
    ServiceSpec { name: "cognito-idp", signing_name: "cognito-idp", protocol: Protocol::Json11, target_prefix: "AWSCognitoIdentityProviderService", error_namespace: "" },
    ServiceSpec { name: "cognito-identity", signing_name: "cognito-identity", protocol: Protocol::Json11, target_prefix: "AWSCognitoIdentityService", error_namespace: "" },
    ServiceSpec { name: "iam", signing_name: "iam", protocol: Protocol::Query, target_prefix: "", error_namespace: "" },
    ServiceSpec { name: "sts", signing_name: "sts", protocol: Protocol::Query, target_prefix: "", error_namespace: "" },
    ServiceSpec { name: "cloudformation", signing_name: "cloudformation", protocol: Protocol::Query, target_prefix: "", error_namespace: "" },
    ServiceSpec { name: "s3", signing_name: "s3", protocol: Protocol::RestXml, target_prefix: "", error_namespace: "" },
    ServiceSpec { name: "sqs", signing_name: "sqs", protocol: Protocol::Json10, target_prefix: "AmazonSQS", error_namespace: "" },
    ServiceSpec { name: "kinesis", signing_name: "kinesis", protocol: Protocol::Json11, target_prefix: "Kinesis_20131202", error_namespace: "" },
    ServiceSpec { name: "firehose", signing_name: "firehose", protocol: Protocol::Json11, target_prefix: "Firehose_20150804", error_namespace: "" },
    ServiceSpec { name: "email", signing_name: "ses", protocol: Protocol::RestJson, target_prefix: "", error_namespace: "" },
    ServiceSpec { name: "logs", signing_name: "logs", protocol: Protocol::Json11, target_prefix: "Logs_20140328", error_namespace: "" },
    ServiceSpec { name: "backup", signing_name: "backup", protocol: Protocol::RestJson, target_prefix: "", error_namespace: "" },
    ServiceSpec {
        name: "application-autoscaling",
        signing_name: "application-autoscaling",
        protocol: Protocol::Json11,
        target_prefix: "AnyScaleFrontendService",
        error_namespace: "",
    },
    ServiceSpec { name: "athena", signing_name: "athena", protocol: Protocol::Json11, target_prefix: "AmazonAthena", error_namespace: "" },
];

pub fn spec(name: &str) -> Option<&'static ServiceSpec> {
    CATALOG.iter().find(|s| s.name == name)
}

/// The service whose JSON target prefix is `prefix` (`DynamoDB_20120810` → dynamodb).
pub fn by_target_prefix(prefix: &str) -> Option<&'static ServiceSpec> {
    CATALOG.iter().find(|s| !s.target_prefix.is_empty() && s.target_prefix == prefix)
}

/// Services signed with `signing_name`, in catalog order (dynamodb and streams share one).
pub fn by_signing_name(signing_name: &str) -> Option<&'static ServiceSpec> {
    CATALOG.iter().find(|s| s.signing_name == signing_name)
}
