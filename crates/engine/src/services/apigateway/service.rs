//! AWS service integrations (type `AWS`, other than Lambda's `path/2015-03-31/functions/...`):
//! the integration URI names a service and either an action
//! (`arn:aws:apigateway:{region}:{service}:action/{Action}`) or a path
//! (`arn:aws:apigateway:{region}:{service}:path/{path}`). The request template renders the body
//! the service's own API takes; the engine calls the service through `Step::Call` and the
//! service's answer (status and body, as the service's wire protocol writes them) goes through
//! the integration responses, chosen by `selectionPattern` against the status code.
//!
//! Services: JSON-protocol ones by action (Kinesis, DynamoDB, Step Functions `states`, Firehose,
//! SQS's JSON API; the body is the operation's JSON input), SQS's Query API (the form-encoded body
//! of AWS's tutorial, `Action=SendMessage&MessageBody=...`, by path `{account}/{queue}` or by
//! action with `QueueUrl`; answered in SQS's XML), and Lambda's Invoke by action (the body holds
//! Invoke's members; the answer is the function's payload).

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use crate::kernel::{catalog, error::AwsError, Request};

/// What an AWS integration URI names.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A JSON-protocol service's operation; the body is its input.
    Json { service: String, action: String },
    /// SQS's Query API: a form-encoded body (`Action=SendMessage&...`); `queue` from the path
    /// form (`{account}/{queue}`).
    SqsQuery { queue: Option<(String, String)>, action: Option<String> },
    /// Lambda Invoke by action: the body holds Invoke's members.
    LambdaInvoke,
}

/// The resource a service request acts on, for the credentials check (`*` when the request does
/// not name one).
pub fn resource_arn(request: &Request, account: &str) -> String {
    let region = request.region.as_str();
    let s = |k: &str| request.input.get(k).and_then(Value::as_str).map(str::to_string);
    let arn_or = |k: &str, f: &dyn Fn(&str) -> String| s(k).map(|v| if v.starts_with("arn:") { v } else { f(&v) });
    let found = match request.service.as_str() {
        "kinesis" => s("StreamARN").or_else(|| arn_or("StreamName", &|n| format!("arn:aws:kinesis:{region}:{account}:stream/{n}"))),
        "dynamodb" => arn_or("TableName", &|n| format!("arn:aws:dynamodb:{region}:{account}:table/{n}")),
        "firehose" => arn_or("DeliveryStreamName", &|n| format!("arn:aws:firehose:{region}:{account}:deliverystream/{n}")),
        "states" => s("stateMachineArn"),
        "lambda" => arn_or("FunctionName", &|n| format!("arn:aws:lambda:{region}:{account}:function:{n}")),
        "sqs" => s("QueueUrl").and_then(|u| {
            let mut parts = u.trim_end_matches('/').rsplit('/');
            let (name, acct) = (parts.next()?, parts.next()?);
            Some(format!("arn:aws:sqs:{region}:{acct}:{name}"))
        }),
        _ => None,
    };
    found.unwrap_or_else(|| "*".into())
}

/// The services an AWS integration may name, with the engine's service name.
const JSON_SERVICES: &[&str] = &["kinesis", "dynamodb", "states", "firehose", "sqs", "logs", "sns", "events"];

/// Reads an AWS integration URI (not Lambda's function path, which the caller handles first).
pub fn target(uri: &str) -> Result<Target, String> {
    let rest = uri.strip_prefix("arn:aws:apigateway:").ok_or("the URI is not an arn:aws:apigateway ARN")?;
    let (_region, rest) = rest.split_once(':').ok_or("the URI has no service")?;
    let (service, rest) = rest.split_once(':').ok_or("the URI has no action/ or path/")?;
    // `{subdomain}.{service}` names a service host (`mybucket.s3`); only the service counts here.
    let service = service.rsplit('.').next().unwrap_or(service);
    if let Some(action) = rest.strip_prefix("action/") {
        let action = action.split(['&', '?']).next().unwrap_or(action);
        if action.is_empty() {
            return Err("the URI names no action".into());
        }
        return match service {
            "lambda" if action == "Invoke" => Ok(Target::LambdaInvoke),
            "lambda" => Err(format!("Lambda action {action} is not supported by AWS integrations in the sandbox (Invoke is)")),
            "sqs" => Ok(Target::SqsQuery { queue: None, action: Some(action.to_string()) }),
            s if JSON_SERVICES.contains(&s) => Ok(Target::Json { service: s.to_string(), action: action.to_string() }),
            s => Err(format!("AWS integrations with the service '{s}' are not supported in the sandbox")),
        };
    }
    if let Some(path) = rest.strip_prefix("path/") {
        return match service {
            "sqs" => {
                let mut parts = path.trim_matches('/').split('/');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(account), Some(queue), None) if !account.is_empty() && !queue.is_empty() => {
                        Ok(Target::SqsQuery { queue: Some((account.to_string(), queue.to_string())), action: None })
                    }
                    _ => Err(format!("the SQS path must be {{account}}/{{queue}}, got '{path}'")),
                }
            }
            s => Err(format!("path-form AWS integrations with the service '{s}' are not supported in the sandbox (use the action form)")),
        };
    }
    Err("the URI must contain action/ or path/".into())
}

/// The IAM action an integration performs (for the credentials check), e.g. `kinesis:PutRecord`.
pub fn iam_action(target: &Target, request: &Request) -> String {
    match target {
        Target::Json { service, action } => format!("{service}:{action}"),
        Target::SqsQuery { .. } => format!("sqs:{}", request.operation),
        Target::LambdaInvoke => "lambda:InvokeFunction".into(),
    }
}

/// The service request for a rendered body; Err is the service's own answer to a bad request
/// (status, body) without calling it.
pub fn request(target: &Target, region: &str, account: &str, body: &str, query: &[(String, String)]) -> Result<Request, (u16, String)> {
    match target {
        Target::Json { service, action } => {
            let input = json_input(service, body)?;
            Ok(Request::new(service, action, region, input))
        }
        Target::LambdaInvoke => {
            let mut input = match json_input("lambda", body)? {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            // The payload travels base64-encoded in the engine's Invoke input.
            let payload = match input.remove("Payload") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s,
                Some(v) => v.to_string(),
            };
            input.insert("Payload".into(), json!(B64.encode(payload.as_bytes())));
            Ok(Request::new("lambda", "Invoke", region, Value::Object(input)))
        }
        Target::SqsQuery { queue, action } => {
            let mut params: Vec<(String, String)> = query.to_vec();
            params.extend(super::invoke::parse_query(body));
            let action = params.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.clone()).or_else(|| action.clone()).unwrap_or_default();
            let queue_url = match queue {
                Some((acct, name)) => Some(format!("https://sqs.{region}.amazonaws.com/{acct}/{name}")),
                None => params.iter().find(|(k, _)| k == "QueueUrl").map(|(_, v)| v.clone()),
            };
            let _ = account;
            match action.as_str() {
                "SendMessage" => {
                    let mut input = Map::new();
                    if let Some(u) = queue_url {
                        input.insert("QueueUrl".into(), json!(u));
                    }
                    let mut attributes: std::collections::BTreeMap<String, Map<String, Value>> = Default::default();
                    for (k, v) in &params {
                        match k.as_str() {
                            "Action" | "QueueUrl" | "Version" => {}
                            "MessageBody" | "MessageGroupId" | "MessageDeduplicationId" => {
                                input.insert(k.clone(), json!(v));
                            }
                            "DelaySeconds" => match v.parse::<i64>() {
                                Ok(n) => {
                                    input.insert(k.clone(), json!(n));
                                }
                                Err(_) => {
                                    return Err(sqs_error(400, "InvalidParameterValue", &format!("Value {v} for parameter DelaySeconds is invalid. Reason: must be an integer.")))
                                }
                            },
                            other => {
                                // MessageAttribute.{n}.Name / .Value.StringValue / .Value.DataType
                                let parts: Vec<&str> = other.split('.').collect();
                                match parts.as_slice() {
                                    ["MessageAttribute", n, "Name"] => {
                                        attributes.entry(n.to_string()).or_default().insert("Name".into(), json!(v));
                                    }
                                    ["MessageAttribute", n, "Value", field @ ("StringValue" | "DataType" | "BinaryValue")] => {
                                        attributes.entry(n.to_string()).or_default().insert(field.to_string(), json!(v));
                                    }
                                    _ => return Err(sqs_error(400, "InvalidParameterValue", &format!("The parameter {other} is not recognized by SendMessage."))),
                                }
                            }
                        }
                    }
                    if !attributes.is_empty() {
                        let mut m = Map::new();
                        for (_, mut a) in attributes {
                            let name = a.remove("Name").and_then(|n| n.as_str().map(str::to_string)).unwrap_or_default();
                            m.insert(name, Value::Object(a));
                        }
                        input.insert("MessageAttributes".into(), Value::Object(m));
                    }
                    Ok(Request::new("sqs", "SendMessage", region, Value::Object(input)))
                }
                "" => Err(sqs_error(400, "MissingAction", "The request must contain the parameter Action.")),
                other => Err(sqs_error(400, "InvalidAction", &format!("The action {other} is not valid for this endpoint (the sandbox's SQS integrations take SendMessage)."))),
            }
        }
    }
}

fn json_input(service: &str, body: &str) -> Result<Value, (u16, String)> {
    if body.trim().is_empty() {
        return Ok(json!({}));
    }
    match serde_json::from_str::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => {
            let e = AwsError::new("", "SerializationException", "Start of structure or map found where not expected.", 400);
            Err((400, error_body(service, &e)))
        }
    }
}

/// A service's error as its wire protocol writes it: `{"__type", "message"}` for JSON services.
pub fn error_body(service: &str, e: &AwsError) -> String {
    let namespace = catalog::spec(service).map(|s| s.error_namespace).unwrap_or("");
    let kind = if namespace.is_empty() { e.kind.clone() } else { format!("{namespace}#{}", e.kind) };
    let mut o = Map::new();
    o.insert("__type".into(), json!(kind));
    o.insert("message".into(), json!(e.message));
    if let Some(extra) = &e.extra {
        o.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Value::Object(o).to_string()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

const SQS_NS: &str = "http://queue.amazonaws.com/doc/2012-11-05/";

pub fn sqs_error(status: u16, code: &str, message: &str) -> (u16, String) {
    let fault = if status >= 500 { "Receiver" } else { "Sender" };
    (
        status,
        format!(
            "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"{SQS_NS}\"><Error><Type>{fault}</Type><Code>{}</Code><Message>{}</Message><Detail/></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>",
            xml_escape(code),
            xml_escape(message)
        ),
    )
}

/// The integration's answer (status, body, content type) from the service's answer.
pub fn answer(target: &Target, request: &Request, result: &Result<Value, AwsError>, request_id: &str) -> (u16, String, &'static str) {
    match (target, result) {
        (Target::SqsQuery { .. }, Ok(out)) => {
            let mut fields = String::new();
            for key in ["MessageId", "MD5OfMessageBody", "MD5OfMessageAttributes", "MD5OfMessageSystemAttributes", "SequenceNumber"] {
                if let Some(v) = out.get(key).and_then(Value::as_str) {
                    fields.push_str(&format!("<{key}>{}</{key}>", xml_escape(v)));
                }
            }
            let op = &request.operation;
            (
                200,
                format!("<?xml version=\"1.0\"?><{op}Response xmlns=\"{SQS_NS}\"><{op}Result>{fields}</{op}Result><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{op}Response>"),
                "text/xml",
            )
        }
        (Target::SqsQuery { .. }, Err(e)) => {
            // The Query API's code: the legacy one SQS keeps for it where there is one.
            let code = e.query_error.as_deref().and_then(|q| q.split(';').next()).unwrap_or(&e.kind).to_string();
            let (status, body) = sqs_error(e.status, &code, &e.message);
            (status, body.replace("00000000-0000-0000-0000-000000000000", request_id), "text/xml")
        }
        (Target::LambdaInvoke, Ok(out)) => {
            let payload = out.get("Payload").and_then(Value::as_str).and_then(|p| B64.decode(p).ok()).unwrap_or_default();
            let status = out.get("StatusCode").and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok()).unwrap_or(200);
            (status, String::from_utf8_lossy(&payload).into_owned(), "application/json")
        }
        (Target::Json { service, .. }, Err(e)) => (e.status, error_body(service, e), "application/json"),
        (Target::LambdaInvoke, Err(e)) => (e.status, json!({ "Type": if e.status >= 500 { "Service" } else { "User" }, "message": e.message }).to_string(), "application/json"),
        (Target::Json { .. }, Ok(out)) => (200, out.to_string(), "application/json"),
    }
}

/// Whether an error means the service is not in this build (the kernel's answer for a service it
/// does not have), which API Gateway answers as a 500 rather than passing the service's answer on.
pub fn service_missing(e: &AwsError) -> bool {
    e.kind == "UnknownOperationException" && (e.message.contains("is not simulated in this build") || e.message.starts_with("Unknown service"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_name_a_service_and_an_action_or_path() {
        assert_eq!(target("arn:aws:apigateway:us-east-1:kinesis:action/PutRecord"), Ok(Target::Json { service: "kinesis".into(), action: "PutRecord".into() }));
        assert_eq!(
            target("arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders"),
            Ok(Target::SqsQuery { queue: Some(("123456789012".into(), "orders".into())), action: None })
        );
        assert_eq!(target("arn:aws:apigateway:us-east-1:lambda:action/Invoke"), Ok(Target::LambdaInvoke));
        assert!(target("arn:aws:apigateway:us-east-1:ec2:action/RunInstances").is_err());
        assert!(target("arn:aws:apigateway:us-east-1:sqs:path/only").is_err());
        assert!(target("arn:aws:apigateway:us-east-1:kinesis:action/").is_err());
        assert!(target("nonsense").is_err());
    }

    #[test]
    fn sqs_form_bodies_become_send_message() {
        let t = target("arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders").unwrap();
        let r = request(
            &t,
            "us-east-1",
            "123456789012",
            "Action=SendMessage&MessageBody=hello+world%21&MessageAttribute.1.Name=k&MessageAttribute.1.Value.StringValue=v&MessageAttribute.1.Value.DataType=String",
            &[],
        )
        .unwrap();
        assert_eq!(r.operation, "SendMessage");
        assert_eq!(r.input["QueueUrl"], "https://sqs.us-east-1.amazonaws.com/123456789012/orders");
        assert_eq!(r.input["MessageBody"], "hello world!");
        assert_eq!(r.input["MessageAttributes"], json!({ "k": { "StringValue": "v", "DataType": "String" } }));
        let (status, body) = request(&t, "us-east-1", "1", "Action=DeleteQueue", &[]).unwrap_err();
        assert_eq!(status, 400);
        assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
        assert!(request(&t, "us-east-1", "1", "MessageBody=x", &[]).unwrap_err().1.contains("MissingAction"));
    }
}
