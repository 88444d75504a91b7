//! Task integrations: which `Resource` ARNs a Task state may name, the request each sends
//! through the kernel ([`crate::kernel::runtime::Step::Call`]), and how an answer becomes the
//! task's result or its error, per
//! <https://docs.aws.amazon.com/step-functions/latest/dg/integrate-services.html>.
//!
//! Supported: Lambda (`arn:aws:states:::lambda:invoke`, with `.waitForTaskToken`, and a function
//! ARN as the resource), DynamoDB (`getItem`, `putItem`, `updateItem`, `deleteItem`), SQS
//! (`sendMessage`, with `.waitForTaskToken`) and Step Functions (`startExecution`, with `.sync`,
//! `.sync:2` and `.waitForTaskToken`). Anything else is refused when the definition is checked.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use super::asl::{compact, Failure};
use crate::kernel::{authz::Credentials, error::AwsError, Request};

#[derive(Debug, Clone, PartialEq)]
pub enum Integration {
    Lambda,
    /// A Lambda function ARN as the resource (the legacy form: LambdaFunction* events).
    LambdaArn(String),
    DynamoDb(&'static str),
    Sqs,
    StartExecution,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    Request,
    Token,
    Sync,
    Sync2,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub integration: Integration,
    pub pattern: Pattern,
    /// `resourceType` and `resource` of the Task* events (`lambda`, `invoke.waitForTaskToken`).
    pub resource_type: &'static str,
    pub resource: String,
}

fn not_recognized(arn: &str) -> String {
    format!("The resource provided {arn} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.")
}

/// Parses a Task state's `Resource`; the error is the definition diagnostic's message.
pub fn parse(arn: &str) -> Result<Resource, String> {
    if let Some(rest) = arn.strip_prefix("arn:aws:lambda:") {
        // arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]
        let parts: Vec<&str> = rest.split(':').collect();
        if parts.len() >= 4 && parts[2] == "function" && !parts[3].is_empty() && parts.len() <= 5 {
            return Ok(Resource { integration: Integration::LambdaArn(arn.to_string()), pattern: Pattern::Request, resource_type: "lambda", resource: arn.to_string() });
        }
        return Err(not_recognized(arn));
    }
    let Some(rest) = arn.strip_prefix("arn:aws:states:::") else {
        if arn.starts_with("arn:aws:states:") && arn.contains(":activity:") {
            return Err(format!("{} (activities are not simulated in this sandbox)", not_recognized(arn)));
        }
        return Err(not_recognized(arn));
    };
    let (service, action) = rest.split_once(':').ok_or_else(|| not_recognized(arn))?;
    let (action, pattern) = match action.split_once('.') {
        None => (action, Pattern::Request),
        Some((a, "waitForTaskToken")) => (a, Pattern::Token),
        Some((a, "sync")) => (a, Pattern::Sync),
        Some((a, "sync:2")) => (a, Pattern::Sync2),
        Some(_) => return Err(not_recognized(arn)),
    };
    let integration = match (service, action) {
        ("lambda", "invoke") => Integration::Lambda,
        ("dynamodb", "getItem") => Integration::DynamoDb("GetItem"),
        ("dynamodb", "putItem") => Integration::DynamoDb("PutItem"),
        ("dynamodb", "updateItem") => Integration::DynamoDb("UpdateItem"),
        ("dynamodb", "deleteItem") => Integration::DynamoDb("DeleteItem"),
        ("sqs", "sendMessage") => Integration::Sqs,
        ("states", "startExecution") => Integration::StartExecution,
        ("sns", _) => return Err(format!("{} (Amazon SNS is not simulated in this sandbox)", not_recognized(arn))),
        _ => return Err(not_recognized(arn)),
    };
    let allowed = match integration {
        Integration::Lambda | Integration::Sqs => matches!(pattern, Pattern::Request | Pattern::Token),
        Integration::StartExecution => true,
        _ => pattern == Pattern::Request,
    };
    if !allowed {
        return Err(not_recognized(arn));
    }
    let resource_type = match service {
        "lambda" => "lambda",
        "dynamodb" => "dynamodb",
        "sqs" => "sqs",
        _ => "states",
    };
    let resource = rest.split_once(':').map(|(_, a)| a.to_string()).unwrap_or_default();
    Ok(Resource { integration, pattern, resource_type, resource })
}

fn object(params: &Value) -> Result<&serde_json::Map<String, Value>, Failure> {
    params.as_object().ok_or_else(|| Failure::runtime(format!("The Parameters of this task must be a JSON object, but were '{}'", compact(params))))
}

/// The request a task sends (StartExecution is the service's own and not sent).
pub fn request(r: &Resource, region: &str, params: &Value) -> Result<Request, Failure> {
    match &r.integration {
        Integration::Lambda => {
            let mut input = object(params)?.clone();
            if let Some(p) = input.remove("Payload") {
                let text = match &p {
                    Value::String(s) => s.clone(),
                    other => compact(other),
                };
                input.insert("Payload".into(), json!(B64.encode(text)));
            }
            Ok(Request::new("lambda", "Invoke", region, Value::Object(input)))
        }
        Integration::LambdaArn(arn) => Ok(Request::new("lambda", "Invoke", region, json!({ "FunctionName": arn, "Payload": B64.encode(compact(params)) }))),
        Integration::DynamoDb(op) => Ok(Request::new("dynamodb", op, region, Value::Object(object(params)?.clone()))),
        Integration::Sqs => {
            let mut input = object(params)?.clone();
            if let Some(body) = input.get("MessageBody") {
                if !body.is_string() {
                    let text = compact(body);
                    input.insert("MessageBody".into(), json!(text));
                }
            }
            Ok(Request::new("sqs", "SendMessage", region, Value::Object(input)))
        }
        Integration::StartExecution => Err(Failure::runtime("StartExecution is not sent as a request")),
    }
}

fn service_name(r: &Resource) -> (&'static str, &'static str) {
    match r.integration {
        Integration::Lambda | Integration::LambdaArn(_) => ("Lambda", "AWSLambda"),
        Integration::DynamoDb(_) => ("DynamoDB", "AmazonDynamoDBv2"),
        Integration::Sqs => ("SQS", "AmazonSQS"),
        Integration::StartExecution => ("StepFunctions", "AWSStepFunctions"),
    }
}

fn sdk_metadata(request_id: &str) -> (Value, Value) {
    (
        json!({ "AllHttpHeaders": { "x-amzn-RequestId": [request_id] }, "HttpHeaders": { "x-amzn-RequestId": request_id }, "HttpStatusCode": 200 }),
        json!({ "RequestId": request_id }),
    )
}

/// The request signed as the state machine's execution role, as AWS's tasks call services:
/// `assumed-role/{role}/{session}`. AWS names the session with a random string it does not
/// document; the sandbox names it after the execution (at most 64 characters). A role IAM does
/// not know runs unchecked (see [`crate::kernel::authz`]'s compatibility rule, as for Lambda).
pub fn as_role(request: Request, role_arn: &str, execution: &str) -> Request {
    let session: String = execution.chars().map(|c| if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) { c } else { '-' }).take(64).collect();
    let session = if session.len() < 2 { format!("{session}--") } else { session };
    request.signed(Some(Credentials::Role { role_arn: role_arn.to_string(), session_name: session }))
}

/// The exception class of AWS's Java SDK that Step Functions names for a service error that
/// SDK does not model (an IAM denial): `DynamoDB.AmazonDynamoDBException`.
fn unmodelled(r: &Resource) -> &'static str {
    match r.integration {
        Integration::Lambda | Integration::LambdaArn(_) => "AWSLambdaException",
        Integration::DynamoDb(_) => "AmazonDynamoDBException",
        Integration::Sqs => "AmazonSQSException",
        Integration::StartExecution => "AWSStepFunctionsException",
    }
}

/// A service's error as the task's error: `Lambda.ResourceNotFoundException`, with AWS's cause
/// format; an IAM denial is the SDK's generic exception (`DynamoDB.AmazonDynamoDBException`).
pub fn service_error(r: &Resource, e: &AwsError, request_id: &str) -> Failure {
    let (prefix, service) = service_name(r);
    let class = match e.kind.as_str() {
        "AccessDeniedException" | "AccessDenied" => unmodelled(r),
        kind => kind,
    };
    Failure::new(
        &format!("{prefix}.{class}"),
        format!("{} (Service: {service}; Status Code: {}; Error Code: {}; Request ID: {request_id}; Proxy: null)", e.message, e.status, e.kind),
    )
}

/// A successful answer as the task's result, or the function's error.
pub fn result(r: &Resource, answer: Value, request_id: &str) -> Result<Value, Failure> {
    match &r.integration {
        Integration::Lambda | Integration::LambdaArn(_) => {
            let bytes = answer.get("Payload").and_then(Value::as_str).and_then(|p| B64.decode(p).ok()).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let payload: Value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text.clone())) };
            if answer.get("FunctionError").is_some() {
                let error = payload.get("errorType").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| "Lambda.Unknown".to_string());
                return Err(Failure::new(&error, text));
            }
            if matches!(r.integration, Integration::LambdaArn(_)) {
                return Ok(payload);
            }
            let (http, meta) = sdk_metadata(request_id);
            let mut out = json!({ "ExecutedVersion": answer.get("ExecutedVersion").cloned().unwrap_or(json!("$LATEST")), "Payload": payload });
            out["SdkHttpMetadata"] = http;
            out["SdkResponseMetadata"] = meta;
            out["StatusCode"] = answer.get("StatusCode").cloned().unwrap_or(json!(200));
            Ok(out)
        }
        Integration::Sqs => {
            let mut out = answer;
            let (http, meta) = sdk_metadata(request_id);
            if let Value::Object(m) = &mut out {
                m.insert("SdkHttpMetadata".into(), http);
                m.insert("SdkResponseMetadata".into(), meta);
            }
            Ok(out)
        }
        Integration::DynamoDb(_) | Integration::StartExecution => Ok(answer),
    }
}
