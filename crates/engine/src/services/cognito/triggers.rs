//! Lambda triggers: the pool's LambdaConfig, the events Cognito sends (common members, then
//! `request` and `response` per trigger source), and what comes back.
//!
//! An operation that reaches a trigger answers a [`Flow::Trigger`]: the function, the event and
//! a continuation that gets the event the function returned. The service turns it into a
//! `Step::Call` of Lambda's Invoke (as the other services call Lambda), and on resume checks the
//! answer as Cognito does: a function error is `UserLambdaValidationException` ("PreSignUp failed
//! with error {message}."), a timeout `UnexpectedLambdaException`, output that is not the event
//! `InvalidLambdaResponseException`. A pool without the trigger runs the continuation at once
//! with the event as sent (its `response` holding the defaults).

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use super::{err, invalid, model::Pool, model::User, Cognito, In, Mail};
use crate::kernel::{error::AwsError, service::Cx, Request};

/// The triggers the sandbox runs, as LambdaConfig names them.
pub const SIMULATED: &[&str] = &[
    "PreSignUp",
    "CustomMessage",
    "PostConfirmation",
    "PreAuthentication",
    "PostAuthentication",
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
    "PreTokenGeneration",
];

/// LambdaConfig members that are AWS's but not simulated.
const NOT_SIMULATED: &[&str] = &["UserMigration", "CustomSMSSender", "CustomEmailSender", "KMSKeyID"];

/// What continues an operation once its trigger answered: the returned event in, the rest of the
/// operation out.
pub type Then = Box<dyn FnOnce(&mut Cognito, &mut Cx, Value) -> Result<Flow, AwsError> + Send>;

/// Where an operation is: done (answer and messages to deliver), or waiting on a trigger.
pub enum Flow {
    Done(Value, Vec<Mail>),
    Trigger { function: String, trigger: &'static str, event: Value, then: Then },
}

impl From<(Value, Vec<Mail>)> for Flow {
    fn from((v, m): (Value, Vec<Mail>)) -> Self {
        Flow::Done(v, m)
    }
}

/// The pool's triggers: LambdaConfig name → function ARN, and the pre token generation event
/// version (`V1_0` | `V2_0`).
pub fn parse_config(l: In) -> Result<(BTreeMap<String, String>, Option<String>), AwsError> {
    for m in NOT_SIMULATED {
        if l.has(m) {
            return Err(invalid(format!("The {m} Lambda trigger is not supported in the Gureum sandbox yet (triggers simulated: {}).", SIMULATED.join(", "))));
        }
    }
    let mut out = BTreeMap::new();
    for (k, _) in l.0.iter() {
        if !SIMULATED.contains(&k.as_str()) && k != "PreTokenGenerationConfig" && !NOT_SIMULATED.contains(&k.as_str()) {
            return Err(AwsError::serialization(format!("Unknown member {k} in LambdaConfig")));
        }
    }
    for name in SIMULATED {
        if let Some(arn) = l.str(name)? {
            check_arn(name, arn)?;
            out.insert(name.to_string(), arn.to_string());
        }
    }
    let mut version = None;
    if let Some(c) = l.obj("PreTokenGenerationConfig")? {
        let arn = c.req("LambdaArn")?;
        let v = c.req("LambdaVersion")?;
        if !["V1_0", "V2_0"].contains(&v) {
            if v == "V3_0" {
                return Err(invalid("PreTokenGenerationConfig LambdaVersion V3_0 is not supported in the Gureum sandbox yet (V1_0 and V2_0 are)."));
            }
            return Err(super::constraint("LambdaVersion", &format!("'{v}'"), "Member must satisfy enum value set: [V1_0, V2_0, V3_0]"));
        }
        check_arn("LambdaArn", arn)?;
        if out.get("PreTokenGeneration").is_some_and(|a| a != arn) {
            return Err(invalid("PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must be the same."));
        }
        out.insert("PreTokenGeneration".into(), arn.to_string());
        version = Some(v.to_string());
    } else if out.contains_key("PreTokenGeneration") {
        version = Some("V1_0".into());
    }
    Ok((out, version))
}

fn check_arn(member: &str, arn: &str) -> Result<(), AwsError> {
    let parts: Vec<&str> = arn.split(':').collect();
    if arn.len() < 20 || arn.len() > 2048 || parts.len() < 7 || parts[0] != "arn" || parts.iter().skip(1).take(1).any(|p| p.is_empty()) {
        return Err(super::constraint(
            member,
            &format!("'{arn}'"),
            "Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?",
        ));
    }
    if parts[2] != "lambda" || parts[5] != "function" {
        return Err(invalid(format!("{member} must be a Lambda function ARN in the Gureum sandbox: {arn}")));
    }
    Ok(())
}

/// LambdaConfig as DescribeUserPool answers it.
pub fn config_json(pool: &Pool) -> Value {
    let mut m = Map::new();
    for (k, v) in &pool.lambda {
        m.insert(k.clone(), json!(v));
    }
    if let (Some(arn), Some(v)) = (pool.lambda.get("PreTokenGeneration"), &pool.pre_token_version) {
        m.insert("PreTokenGenerationConfig".into(), json!({ "LambdaArn": arn, "LambdaVersion": v }));
    }
    Value::Object(m)
}

/// The user's attributes as triggers see them: every attribute and `cognito:user_status`.
pub fn user_attributes(user: &User) -> Value {
    let mut m = Map::new();
    for (k, v) in &user.attributes {
        m.insert(k.clone(), json!(v));
    }
    m.insert("cognito:user_status".into(), json!(user.status));
    Value::Object(m)
}

/// ClientMetadata as given (a map of strings), for the `clientMetadata` member.
pub fn client_metadata(input: &In) -> Result<Value, AwsError> {
    let m = input.string_map("ClientMetadata")?;
    Ok(Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), json!(v))).collect()))
}

/// The event: the common members, then the trigger's `request`, `response` as sent.
pub fn event(pool: &Pool, source: &str, user_name: &str, client_id: Option<&str>, request: Value, response: Value) -> Value {
    let version = if source.starts_with("TokenGeneration_") && pool.pre_token_version.as_deref() == Some("V2_0") { "2" } else { "1" };
    json!({
        "version": version,
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user_name,
        "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE") },
        "triggerSource": source,
        "request": request,
        "response": response,
    })
}

/// Runs `trigger` of the pool with `event`, then `then`; without the trigger, `then` at once.
pub fn run(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, trigger: &'static str, event: Value, then: Then) -> Result<Flow, AwsError> {
    match svc.pools.get(pool_id).and_then(|p| p.lambda.get(trigger)).cloned() {
        Some(function) => Ok(Flow::Trigger { function, trigger, event, then }),
        None => then(svc, cx, event),
    }
}

/// Lambda's Invoke for a trigger (synchronous, as Cognito invokes).
pub fn invoke_request(region: &str, function: &str, event: &Value) -> Request {
    Request::new("lambda", "Invoke", region, json!({ "FunctionName": function, "Payload": B64.encode(event.to_string().as_bytes()) }))
}

fn unexpected(message: String) -> AwsError {
    err("UnexpectedLambdaException", message)
}

/// The event a trigger returned, or Cognito's error for what went wrong.
pub fn answer(trigger: &str, sent: &Value, result: Result<Value, AwsError>) -> Result<Value, AwsError> {
    let out = match result {
        Ok(out) => out,
        Err(e) if e.kind == "TooManyRequestsException" => {
            return Err(err("TooManyRequestsException", format!("{trigger} invocation failed due to error TooManyRequestsException.")))
        }
        Err(e) => return Err(unexpected(format!("{trigger} invocation failed due to error {}: {}", e.kind, e.message))),
    };
    let payload = out.get("Payload").and_then(Value::as_str).and_then(|p| B64.decode(p).ok()).unwrap_or_default();
    if out.get("FunctionError").is_some() {
        let v: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
        let kind = v.get("errorType").and_then(Value::as_str).unwrap_or("");
        if kind == "Sandbox.Timedout" {
            return Err(unexpected(format!("{trigger} invocation failed due to error Socket timeout while invoking Lambda function.")));
        }
        let message = v.get("errorMessage").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| String::from_utf8_lossy(&payload).into_owned());
        return Err(err("UserLambdaValidationException", format!("{trigger} failed with error {message}.")));
    }
    let v: Value = serde_json::from_slice(&payload).map_err(|_| err("InvalidLambdaResponseException", "Invalid lambda function output : Invalid JSON"))?;
    let unrecognizable = || err("InvalidLambdaResponseException", "Unrecognizable lambda output");
    let obj = v.as_object().ok_or_else(unrecognizable)?;
    match obj.get("response") {
        Some(Value::Object(_)) | Some(Value::Null) => {}
        _ => return Err(unrecognizable()),
    }
    // The function's answer counts only in `response`; the rest is the event as sent.
    let mut back = sent.clone();
    back["response"] = match obj.get("response") {
        Some(Value::Object(r)) => {
            let mut merged = sent.get("response").and_then(Value::as_object).cloned().unwrap_or_default();
            for (k, v) in r {
                merged.insert(k.clone(), v.clone());
            }
            Value::Object(merged)
        }
        _ => sent.get("response").cloned().unwrap_or(json!({})),
    };
    Ok(back)
}

/// A `response` member that must be a boolean (or absent / null: false).
pub fn flag(event: &Value, name: &str) -> Result<bool, AwsError> {
    match event["response"].get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(err("InvalidLambdaResponseException", "Unrecognizable lambda output")),
    }
}

/// A `response` member that must be a string (or absent / null).
pub fn text(event: &Value, name: &str) -> Result<Option<String>, AwsError> {
    match event["response"].get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err("InvalidLambdaResponseException", "Unrecognizable lambda output")),
    }
}

/// What the custom message trigger needs to rewrite a code message.
#[derive(Debug, Clone)]
pub struct Custom {
    pub pool_id: String,
    pub user_key: String,
    pub client_id: Option<String>,
    /// `CustomMessage_SignUp`, `_ResendCode`, `_ForgotPassword`, `_UpdateUserAttribute`,
    /// `_VerifyUserAttribute`, `_AdminCreateUser`, `_Authentication`.
    pub source: String,
    /// The code (or temporary password) the message carries.
    pub code: String,
    pub client_metadata: Value,
}

/// The custom message trigger for `mail`: the event, and the message as rewritten by `event`.
pub fn custom_event(pool: &Pool, user: &User, c: &Custom) -> Value {
    let mut request = json!({ "userAttributes": user_attributes(user), "codeParameter": "{####}", "linkParameter": "{##Click Here##}", "clientMetadata": c.client_metadata });
    if c.source == "CustomMessage_AdminCreateUser" {
        request["usernameParameter"] = json!("{username}");
    }
    event(pool, &c.source, &user.username, c.client_id.as_deref(), request, json!({ "smsMessage": null, "emailMessage": null, "emailSubject": null }))
}

/// Applies the custom message trigger's answer to `mail`. A message that leaves out `{####}`
/// cannot carry the code: Cognito refuses it.
pub fn apply_custom(mut mail: Mail, c: &Custom, username: &str, event: &Value) -> Result<Mail, AwsError> {
    let body = if mail.sms { text(event, "smsMessage")? } else { text(event, "emailMessage")? };
    let subject = text(event, "emailSubject")?;
    if let Some(b) = body {
        if !b.contains("{####}") {
            return Err(err("InvalidLambdaResponseException", "Invalid lambda function output : The message must contain the {####} placeholder for the code."));
        }
        mail.text = b.replace("{####}", &c.code).replace("{username}", username);
    }
    if let (Some(s), false) = (subject, mail.sms) {
        mail.subject = s;
    }
    Ok(mail)
}
