//! Resource providers: how each resource type is created and deleted by calling its own
//! service's AWS operations (through the kernel, as CloudFormation calls them), and what its
//! `Ref` and `Fn::GetAtt` attributes are.
//!
//! A creation is a small state machine over [`Work`] (a step number and notes, persisted with the
//! stack): each step answers one [`Action`]: a call whose answer the next step reads, a wait on
//! the virtual clock (a table CREATING, a function Pending), the finished resource, or a failure.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::template::scalar_text;
use crate::kernel::{rng::Rng, Request};

/// A creation's progress.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Work {
    pub step: u32,
    #[serde(default)]
    pub data: Map<String, Value>,
}

pub enum Action {
    Call(Request),
    /// Look again after this many ms of virtual time (the same step runs again).
    Wait(i64),
    Done {
        physical_id: String,
        attrs: Map<String, Value>,
        note: Option<String>,
    },
    Fail(String),
}

/// What a provider knows besides its properties.
pub struct Env<'a> {
    pub stack_name: &'a str,
    pub logical_id: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub rng: &'a mut Rng,
}

/// The resource types the sandbox creates.
pub const SUPPORTED: &[&str] = &[
    "AWS::DynamoDB::Table",
    "AWS::Lambda::Function",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Permission",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::S3::Bucket",
    "AWS::SQS::Queue",
    "AWS::Kinesis::Stream",
    "AWS::KinesisFirehose::DeliveryStream",
    "AWS::Logs::LogGroup",
    "AWS::StepFunctions::StateMachine",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::IdentityPool",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage",
];

pub fn supported(kind: &str) -> bool {
    SUPPORTED.contains(&kind)
}

/// Types whose creation needs CAPABILITY_IAM (CAPABILITY_NAMED_IAM when the name is given).
pub fn iam_name_property(kind: &str) -> Option<&'static str> {
    match kind {
        "AWS::IAM::Role" => Some("RoleName"),
        "AWS::IAM::ManagedPolicy" => Some("ManagedPolicyName"),
        "AWS::IAM::Policy" => Some(""),
        "AWS::IAM::User" => Some("UserName"),
        "AWS::IAM::Group" => Some("GroupName"),
        "AWS::IAM::InstanceProfile" => Some("InstanceProfileName"),
        "AWS::IAM::AccessKey" => Some(""),
        _ => None,
    }
}

const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// CloudFormation's generated physical name: `{stack}-{logicalId}-{RANDOM}`, the stack name and
/// logical id shortened to fit `max` characters.
pub fn physical_name(env: &mut Env, max: usize, lowercase: bool) -> String {
    let suffix = env.rng.token(if lowercase { LOWER } else { UPPER }, 12);
    let budget = max.saturating_sub(suffix.len() + 2);
    let (mut s, mut l) = (env.stack_name.len(), env.logical_id.len());
    while s + l > budget {
        if s >= l && s > 0 {
            s -= 1;
        } else if l > 0 {
            l -= 1;
        } else {
            break;
        }
    }
    let name = format!("{}-{}-{}", &env.stack_name[..s], &env.logical_id[..l], suffix);
    if lowercase {
        name.to_ascii_lowercase()
    } else {
        name
    }
}

fn call(service: &str, op: &str, region: &str, input: Value) -> Action {
    Action::Call(Request::new(service, op, region, input))
}

fn done(physical_id: impl Into<String>, attrs: Value) -> Action {
    Action::Done { physical_id: physical_id.into(), attrs: attrs.as_object().cloned().unwrap_or_default(), note: None }
}

/// Refuses properties the provider does not simulate (never accepted and ignored).
fn only(kind: &str, props: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    match props.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("Property {k} of {kind} is not simulated by Gureum.")),
        None => Ok(()),
    }
}

fn text(props: &Map<String, Value>, k: &str) -> Option<String> {
    props.get(k).filter(|v| !v.is_null()).map(scalar_text)
}

/// A number CloudFormation accepts as a number or a numeric string.
fn number(v: &Value) -> Value {
    match v {
        Value::String(s) => s.parse::<i64>().map(Value::from).or_else(|_| s.parse::<f64>().map(Value::from)).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

/// A boolean CloudFormation accepts as a boolean or "true"/"false".
fn boolean(v: &Value) -> Value {
    match v.as_str() {
        Some("true") | Some("True") => Value::Bool(true),
        Some("false") | Some("False") => Value::Bool(false),
        _ => v.clone(),
    }
}

/// Numeric members named in `keys`, anywhere in `v`, as numbers.
fn numbers_in(v: &mut Value, keys: &[&str]) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if keys.contains(&k.as_str()) {
                    *x = number(x);
                } else {
                    numbers_in(x, keys);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| numbers_in(x, keys)),
        _ => {}
    }
}

/// A JSON document property (a policy, a redrive policy): objects are written as JSON text.
fn document(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `[{Key, Value}]` tags as a map.
fn tag_map(v: Option<&Value>) -> Option<Value> {
    let list = v?.as_array()?;
    let mut m = Map::new();
    for t in list {
        if let (Some(k), Some(v)) = (t.get("Key"), t.get("Value")) {
            m.insert(scalar_text(k), Value::String(scalar_text(v)));
        }
    }
    Some(Value::Object(m))
}

/// The first letter of each top-level key lower-cased (API Gateway's and Step Functions'
/// member names are the CloudFormation property names in camel case).
fn camel(v: &Value) -> Value {
    match v.as_object() {
        Some(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let mut c = k.chars();
                    let key = c.next().map(|f| f.to_ascii_lowercase().to_string() + c.as_str()).unwrap_or_default();
                    (key, v.clone())
                })
                .collect(),
        ),
        None => v.clone(),
    }
}

/// One step of creating a resource of type `kind`. `last` is the answer to the previous step's
/// call (errors never reach a provider: the stack fails the resource with them).
pub fn create(kind: &str, props: &Map<String, Value>, work: &mut Work, last: Option<Value>, env: &mut Env) -> Action {
    match create_inner(kind, props, work, last, env) {
        Ok(a) => a,
        Err(reason) => Action::Fail(reason),
    }
}

fn create_inner(kind: &str, p: &Map<String, Value>, w: &mut Work, last: Option<Value>, env: &mut Env) -> Result<Action, String> {
    let region = env.region.to_string();
    let account = env.account.to_string();
    let r = region.as_str();
    let name_or = |w: &mut Work, env: &mut Env, key: &str, max: usize, lower: bool| -> String {
        if let Some(n) = w.data.get("name").and_then(Value::as_str) {
            return n.to_string();
        }
        let n = text(p, key).unwrap_or_else(|| physical_name(env, max, lower));
        w.data.insert("name".into(), json!(n));
        n
    };
    let last = last.unwrap_or(Value::Null);
    Ok(match kind {
        "AWS::DynamoDB::Table" => {
            only(
                kind,
                p,
                &[
                    "TableName",
                    "AttributeDefinitions",
                    "KeySchema",
                    "BillingMode",
                    "ProvisionedThroughput",
                    "GlobalSecondaryIndexes",
                    "LocalSecondaryIndexes",
                    "StreamSpecification",
                    "TimeToLiveSpecification",
                    "SSESpecification",
                    "Tags",
                    "TableClass",
                    "DeletionProtectionEnabled",
                    "PointInTimeRecoverySpecification",
                    "KinesisStreamSpecification",
                    "OnDemandThroughput",
                ],
            )?;
            let name = name_or(w, env, "TableName", 255, false);
            match w.step {
                0 => {
                    let mut input = Map::new();
                    for k in [
                        "AttributeDefinitions",
                        "KeySchema",
                        "BillingMode",
                        "ProvisionedThroughput",
                        "GlobalSecondaryIndexes",
                        "LocalSecondaryIndexes",
                        "Tags",
                        "TableClass",
                        "DeletionProtectionEnabled",
                        "OnDemandThroughput",
                    ] {
                        if let Some(v) = p.get(k) {
                            input.insert(k.into(), v.clone());
                        }
                    }
                    if let Some(s) = p.get("StreamSpecification") {
                        input.insert("StreamSpecification".into(), json!({ "StreamEnabled": true, "StreamViewType": s.get("StreamViewType").cloned().unwrap_or(Value::Null) }));
                    }
                    if let Some(s) = p.get("SSESpecification") {
                        let mut s = s.clone();
                        if let Some(m) = s.as_object_mut() {
                            if let Some(e) = m.get("SSEEnabled").map(boolean) {
                                m.insert("Enabled".into(), e);
                                m.remove("SSEEnabled");
                            }
                        }
                        input.insert("SSESpecification".into(), s);
                    }
                    input.insert("TableName".into(), json!(name));
                    let mut input = Value::Object(input);
                    numbers_in(&mut input, &["ReadCapacityUnits", "WriteCapacityUnits", "MaxReadRequestUnits", "MaxWriteRequestUnits"]);
                    w.step = 1;
                    call("dynamodb", "CreateTable", r, input)
                }
                1 => {
                    w.step = 2;
                    w.data.insert("physical".into(), json!(name));
                    call("dynamodb", "DescribeTable", r, json!({ "TableName": name }))
                }
                2 => {
                    let t = &last["Table"];
                    if t["TableStatus"] != "ACTIVE" {
                        w.step = 1;
                        return Ok(Action::Wait(500));
                    }
                    w.data.insert("Arn".into(), t["TableArn"].clone());
                    if let Some(s) = t.get("LatestStreamArn") {
                        w.data.insert("StreamArn".into(), s.clone());
                    }
                    w.step = 3;
                    match p.get("TimeToLiveSpecification") {
                        Some(ttl) if boolean(&ttl["Enabled"]) == Value::Bool(true) => call(
                            "dynamodb",
                            "UpdateTimeToLive",
                            r,
                            json!({ "TableName": name, "TimeToLiveSpecification": { "AttributeName": ttl["AttributeName"], "Enabled": true } }),
                        ),
                        _ => return create_inner(kind, p, w, None, env),
                    }
                }
                3 => {
                    w.step = 4;
                    match p.get("PointInTimeRecoverySpecification") {
                        Some(s) if boolean(&s["PointInTimeRecoveryEnabled"]) == Value::Bool(true) => {
                            call("dynamodb", "UpdateContinuousBackups", r, json!({ "TableName": name, "PointInTimeRecoverySpecification": { "PointInTimeRecoveryEnabled": true } }))
                        }
                        _ => return create_inner(kind, p, w, None, env),
                    }
                }
                4 => {
                    w.step = 5;
                    match p.get("KinesisStreamSpecification").and_then(|k| k.get("StreamArn")) {
                        Some(arn) => call("dynamodb", "EnableKinesisStreamingDestination", r, json!({ "TableName": name, "StreamArn": arn })),
                        None => return create_inner(kind, p, w, None, env),
                    }
                }
                _ => {
                    let mut attrs = json!({ "Arn": w.data["Arn"] });
                    if let Some(s) = w.data.get("StreamArn") {
                        attrs["StreamArn"] = s.clone();
                    }
                    done(name, attrs)
                }
            }
        }
        "AWS::Lambda::Function" => {
            only(
                kind,
                p,
                &[
                    "FunctionName",
                    "Code",
                    "Handler",
                    "Runtime",
                    "Role",
                    "MemorySize",
                    "Timeout",
                    "Environment",
                    "Description",
                    "Tags",
                    "Architectures",
                    "EphemeralStorage",
                    "TracingConfig",
                    "DeadLetterConfig",
                    "ReservedConcurrentExecutions",
                    "Layers",
                    "LoggingConfig",
                    "PackageType",
                ],
            )?;
            let name = name_or(w, env, "FunctionName", 64, false);
            let code = p.get("Code").and_then(Value::as_object).ok_or("Property Code cannot be empty.")?;
            match w.step {
                0 => {
                    if let (Some(b), Some(k)) = (code.get("S3Bucket"), code.get("S3Key")) {
                        w.step = 1;
                        return Ok(call("s3", "GetObject", r, json!({ "Bucket": b, "Key": k })));
                    }
                    let source =
                        code.get("ZipFile").and_then(Value::as_str).ok_or("Code must give ZipFile (inline code) or S3Bucket and S3Key: Gureum runs .zip packages only.")?;
                    let runtime = text(p, "Runtime").unwrap_or_default();
                    let file = if runtime.starts_with("python") { "index.py" } else { "index.js" };
                    let mut files = std::collections::BTreeMap::new();
                    files.insert(file.to_string(), source.as_bytes().to_vec());
                    use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
                    w.data.insert("zip".into(), json!(B64.encode(crate::services::lambda::code::zip(&files))));
                    w.step = 2;
                    create_inner(kind, p, w, None, env)?
                }
                1 => {
                    w.data.insert("zip".into(), last["Body"].clone());
                    w.step = 2;
                    create_inner(kind, p, w, None, env)?
                }
                2 => {
                    let mut input = Map::new();
                    for k in [
                        "Handler",
                        "Runtime",
                        "Role",
                        "Environment",
                        "Description",
                        "Architectures",
                        "EphemeralStorage",
                        "TracingConfig",
                        "DeadLetterConfig",
                        "Layers",
                        "LoggingConfig",
                        "PackageType",
                    ] {
                        if let Some(v) = p.get(k) {
                            input.insert(k.into(), v.clone());
                        }
                    }
                    for k in ["MemorySize", "Timeout"] {
                        if let Some(v) = p.get(k) {
                            input.insert(k.into(), number(v));
                        }
                    }
                    if let Some(t) = tag_map(p.get("Tags")) {
                        input.insert("Tags".into(), t);
                    }
                    input.insert("FunctionName".into(), json!(name));
                    input.insert("Code".into(), json!({ "ZipFile": w.data.remove("zip").unwrap_or(Value::Null) }));
                    w.step = 3;
                    call("lambda", "CreateFunction", r, Value::Object(input))
                }
                3 => {
                    w.data.insert("physical".into(), json!(name));
                    w.step = 4;
                    call("lambda", "GetFunction", r, json!({ "FunctionName": name }))
                }
                4 => {
                    let c = &last["Configuration"];
                    if c["State"] == "Pending" {
                        w.step = 3;
                        return Ok(Action::Wait(500));
                    }
                    if c["State"] == "Failed" {
                        return Err(format!("Lambda function {name} failed to become Active: {}", scalar_text(&c["StateReason"])));
                    }
                    w.data.insert("Arn".into(), c["FunctionArn"].clone());
                    w.step = 5;
                    match p.get("ReservedConcurrentExecutions") {
                        Some(n) => call("lambda", "PutFunctionConcurrency", r, json!({ "FunctionName": name, "ReservedConcurrentExecutions": number(n) })),
                        None => create_inner(kind, p, w, None, env)?,
                    }
                }
                _ => done(name, json!({ "Arn": w.data["Arn"] })),
            }
        }
        "AWS::Lambda::EventSourceMapping" => {
            const KEYS: &[&str] = &[
                "EventSourceArn",
                "FunctionName",
                "BatchSize",
                "Enabled",
                "StartingPosition",
                "StartingPositionTimestamp",
                "MaximumBatchingWindowInSeconds",
                "FilterCriteria",
                "FunctionResponseTypes",
                "MaximumRetryAttempts",
                "BisectBatchOnFunctionError",
                "MaximumRecordAgeInSeconds",
                "DestinationConfig",
                "ParallelizationFactor",
                "ScalingConfig",
                "TumblingWindowInSeconds",
            ];
            only(kind, p, KEYS)?;
            match w.step {
                0 => {
                    let mut input = Value::Object(p.clone());
                    numbers_in(
                        &mut input,
                        &["BatchSize", "MaximumBatchingWindowInSeconds", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "ParallelizationFactor", "TumblingWindowInSeconds"],
                    );
                    if let Some(e) = input.get("Enabled").map(boolean) {
                        input["Enabled"] = e;
                    }
                    w.step = 1;
                    call("lambda", "CreateEventSourceMapping", r, input)
                }
                _ => {
                    let id = scalar_text(&last["UUID"]);
                    done(
                        id.clone(),
                        json!({ "Id": id, "EventSourceMappingArn": last.get("EventSourceMappingArn").cloned().unwrap_or_else(|| json!(format!("arn:aws:lambda:{r}:{account}:event-source-mapping:{id}"))) }),
                    )
                }
            }
        }
        "AWS::Lambda::Permission" => {
            only(kind, p, &["Action", "FunctionName", "Principal", "SourceArn", "SourceAccount", "EventSourceToken", "FunctionUrlAuthType", "PrincipalOrgID"])?;
            for k in ["Action", "FunctionName", "Principal"] {
                if p.get(k).is_none() {
                    return Err(format!("Property {k} cannot be empty."));
                }
            }
            let id = physical_name(env, 255, false);
            Action::Done {
                physical_id: id,
                attrs: Map::new(),
                note: Some("Recorded only: Lambda resource-based policies are not simulated, and services in the sandbox invoke functions without checking them.".into()),
            }
        }
        "AWS::IAM::Role" => {
            only(kind, p, &["RoleName", "AssumeRolePolicyDocument", "Path", "Description", "MaxSessionDuration", "PermissionsBoundary", "ManagedPolicyArns", "Policies", "Tags"])?;
            let name = name_or(w, env, "RoleName", 64, false);
            let policies = p.get("Policies").and_then(Value::as_array).cloned().unwrap_or_default();
            let managed = p.get("ManagedPolicyArns").and_then(Value::as_array).cloned().unwrap_or_default();
            let i = w.step as usize;
            if i == 0 {
                let mut input = json!({ "RoleName": name, "AssumeRolePolicyDocument": document(p.get("AssumeRolePolicyDocument").ok_or("Property AssumeRolePolicyDocument cannot be empty.")?) });
                for k in ["Path", "Description", "PermissionsBoundary", "Tags"] {
                    if let Some(v) = p.get(k) {
                        input[k] = v.clone();
                    }
                }
                if let Some(v) = p.get("MaxSessionDuration") {
                    input["MaxSessionDuration"] = number(v);
                }
                w.step = 1;
                return Ok(call("iam", "CreateRole", r, input));
            }
            if i == 1 {
                w.data.insert("physical".into(), json!(name));
                w.data.insert("Arn".into(), last["Role"]["Arn"].clone());
                w.data.insert("RoleId".into(), last["Role"]["RoleId"].clone());
            }
            w.step += 1;
            if let Some(pol) = policies.get(i - 1) {
                return Ok(call("iam", "PutRolePolicy", r, json!({ "RoleName": name, "PolicyName": pol["PolicyName"], "PolicyDocument": document(&pol["PolicyDocument"]) })));
            }
            if let Some(arn) = managed.get(i - 1 - policies.len()) {
                return Ok(call("iam", "AttachRolePolicy", r, json!({ "RoleName": name, "PolicyArn": arn })));
            }
            done(name, json!({ "Arn": w.data["Arn"], "RoleId": w.data["RoleId"] }))
        }
        "AWS::IAM::Policy" => {
            only(kind, p, &["PolicyName", "PolicyDocument", "Roles", "Users", "Groups"])?;
            if p.get("Users").or(p.get("Groups")).is_some() {
                return Err("AWS::IAM::Policy: only Roles are simulated (Users and Groups are not).".into());
            }
            let roles = p.get("Roles").and_then(Value::as_array).cloned().unwrap_or_default();
            if roles.is_empty() {
                return Err("At least one of [Groups,Roles,Users] must be non-empty.".into());
            }
            let id = match w.data.get("physical").and_then(Value::as_str) {
                Some(id) => id.to_string(),
                None => {
                    let id = physical_name(env, 128, false);
                    w.data.insert("physical".into(), json!(id));
                    id
                }
            };
            let i = w.step as usize;
            w.step += 1;
            match roles.get(i) {
                Some(role) => call(
                    "iam",
                    "PutRolePolicy",
                    r,
                    json!({ "RoleName": role, "PolicyName": p.get("PolicyName"), "PolicyDocument": document(p.get("PolicyDocument").unwrap_or(&Value::Null)) }),
                ),
                None => done(id, json!({ "Id": w.data["physical"] })),
            }
        }
        "AWS::IAM::ManagedPolicy" => {
            only(kind, p, &["ManagedPolicyName", "PolicyDocument", "Path", "Description", "Roles"])?;
            let name = name_or(w, env, "ManagedPolicyName", 128, false);
            let roles = p.get("Roles").and_then(Value::as_array).cloned().unwrap_or_default();
            let i = w.step as usize;
            if i == 0 {
                let mut input = json!({ "PolicyName": name, "PolicyDocument": document(p.get("PolicyDocument").ok_or("Property PolicyDocument cannot be empty.")?) });
                for k in ["Path", "Description"] {
                    if let Some(v) = p.get(k) {
                        input[k] = v.clone();
                    }
                }
                w.step = 1;
                return Ok(call("iam", "CreatePolicy", r, input));
            }
            if i == 1 {
                w.data.insert("Arn".into(), last["Policy"]["Arn"].clone());
                w.data.insert("physical".into(), last["Policy"]["Arn"].clone());
                w.data.insert("PolicyId".into(), last["Policy"]["PolicyId"].clone());
            }
            w.step += 1;
            let arn = scalar_text(&w.data["Arn"]);
            match roles.get(i - 1) {
                Some(role) => call("iam", "AttachRolePolicy", r, json!({ "RoleName": role, "PolicyArn": arn })),
                None => done(arn.clone(), json!({ "PolicyArn": arn, "PolicyId": w.data["PolicyId"] })),
            }
        }
        "AWS::S3::Bucket" => {
            only(kind, p, &["BucketName"])?;
            let name = name_or(w, env, "BucketName", 63, true);
            match w.step {
                0 => {
                    let mut input = json!({ "Bucket": name });
                    if r != "us-east-1" {
                        input["CreateBucketConfiguration"] = json!({ "LocationConstraint": r });
                    }
                    w.step = 1;
                    call("s3", "CreateBucket", r, input)
                }
                _ => done(
                    name.clone(),
                    json!({
                        "Arn": format!("arn:aws:s3:::{name}"),
                        "DomainName": format!("{name}.s3.amazonaws.com"),
                        "RegionalDomainName": format!("{name}.s3.{r}.amazonaws.com"),
                        "DualStackDomainName": format!("{name}.s3.dualstack.{r}.amazonaws.com"),
                        "WebsiteURL": format!("http://{name}.s3-website-{r}.amazonaws.com"),
                    }),
                ),
            }
        }
        "AWS::SQS::Queue" => {
            const ATTRS: &[&str] = &[
                "DelaySeconds",
                "MaximumMessageSize",
                "MessageRetentionPeriod",
                "ReceiveMessageWaitTimeSeconds",
                "VisibilityTimeout",
                "RedrivePolicy",
                "RedriveAllowPolicy",
                "FifoQueue",
                "ContentBasedDeduplication",
                "DeduplicationScope",
                "FifoThroughputLimit",
                "KmsMasterKeyId",
                "KmsDataKeyReusePeriodSeconds",
                "SqsManagedSseEnabled",
            ];
            let mut allowed = ATTRS.to_vec();
            allowed.extend(["QueueName", "Tags"]);
            only(kind, p, &allowed)?;
            let fifo = p.get("FifoQueue").map(boolean) == Some(Value::Bool(true));
            let name = match w.data.get("name").and_then(Value::as_str) {
                Some(n) => n.to_string(),
                None => {
                    let n = text(p, "QueueName").unwrap_or_else(|| physical_name(env, if fifo { 75 } else { 80 }, false) + if fifo { ".fifo" } else { "" });
                    w.data.insert("name".into(), json!(n));
                    n
                }
            };
            match w.step {
                0 => {
                    let mut attrs = Map::new();
                    for k in ATTRS {
                        if let Some(v) = p.get(*k) {
                            attrs.insert(k.to_string(), Value::String(document(v)));
                        }
                    }
                    let mut input = json!({ "QueueName": name, "Attributes": attrs });
                    if let Some(t) = tag_map(p.get("Tags")) {
                        input["tags"] = t;
                    }
                    w.step = 1;
                    call("sqs", "CreateQueue", r, input)
                }
                _ => {
                    let url = scalar_text(&last["QueueUrl"]);
                    done(url.clone(), json!({ "Arn": format!("arn:aws:sqs:{r}:{account}:{name}"), "QueueName": name, "QueueUrl": url }))
                }
            }
        }
        "AWS::Kinesis::Stream" => {
            only(kind, p, &["Name", "ShardCount", "StreamModeDetails", "RetentionPeriodHours", "Tags"])?;
            let name = name_or(w, env, "Name", 128, false);
            match w.step {
                0 => {
                    let mut input = json!({ "StreamName": name });
                    if let Some(m) = p.get("StreamModeDetails") {
                        input["StreamModeDetails"] = m.clone();
                    }
                    if !m_on_demand(p) {
                        input["ShardCount"] = p.get("ShardCount").map(number).unwrap_or(json!(1));
                    }
                    w.step = 1;
                    call("kinesis", "CreateStream", r, input)
                }
                1 => {
                    w.data.insert("physical".into(), json!(name));
                    w.step = 2;
                    call("kinesis", "DescribeStreamSummary", r, json!({ "StreamName": name }))
                }
                2 => {
                    let s = &last["StreamDescriptionSummary"];
                    if s["StreamStatus"] != "ACTIVE" {
                        w.step = 1;
                        return Ok(Action::Wait(500));
                    }
                    w.data.insert("Arn".into(), s["StreamARN"].clone());
                    w.step = 3;
                    match p.get("RetentionPeriodHours").map(number) {
                        Some(h) if h.as_i64().is_some_and(|h| h > 24) => {
                            call("kinesis", "IncreaseStreamRetentionPeriod", r, json!({ "StreamName": name, "RetentionPeriodHours": h }))
                        }
                        _ => create_inner(kind, p, w, None, env)?,
                    }
                }
                3 => {
                    w.step = 4;
                    match tag_map(p.get("Tags")) {
                        Some(t) => call("kinesis", "AddTagsToStream", r, json!({ "StreamName": name, "Tags": t })),
                        None => create_inner(kind, p, w, None, env)?,
                    }
                }
                _ => done(name, json!({ "Arn": w.data["Arn"] })),
            }
        }
        "AWS::KinesisFirehose::DeliveryStream" => {
            only(
                kind,
                p,
                &["DeliveryStreamName", "DeliveryStreamType", "KinesisStreamSourceConfiguration", "S3DestinationConfiguration", "ExtendedS3DestinationConfiguration", "Tags"],
            )?;
            let name = name_or(w, env, "DeliveryStreamName", 64, false);
            match w.step {
                0 => {
                    let mut input = Value::Object(p.clone());
                    input["DeliveryStreamName"] = json!(name);
                    numbers_in(&mut input, &["IntervalInSeconds", "SizeInMBs"]);
                    w.step = 1;
                    call("firehose", "CreateDeliveryStream", r, input)
                }
                1 => {
                    w.data.insert("physical".into(), json!(name));
                    w.step = 2;
                    call("firehose", "DescribeDeliveryStream", r, json!({ "DeliveryStreamName": name }))
                }
                2 => {
                    let d = &last["DeliveryStreamDescription"];
                    if d["DeliveryStreamStatus"] == "CREATING" {
                        w.step = 1;
                        return Ok(Action::Wait(500));
                    }
                    done(name, json!({ "Arn": d["DeliveryStreamARN"] }))
                }
                _ => return Err("unexpected step".into()),
            }
        }
        "AWS::Logs::LogGroup" => {
            only(kind, p, &["LogGroupName", "RetentionInDays", "Tags"])?;
            let name = name_or(w, env, "LogGroupName", 512, false);
            match w.step {
                0 => {
                    let mut input = json!({ "logGroupName": name });
                    if let Some(t) = tag_map(p.get("Tags")) {
                        input["tags"] = t;
                    }
                    w.step = 1;
                    call("logs", "CreateLogGroup", r, input)
                }
                1 => {
                    w.data.insert("physical".into(), json!(name));
                    w.step = 2;
                    match p.get("RetentionInDays") {
                        Some(d) => call("logs", "PutRetentionPolicy", r, json!({ "logGroupName": name, "retentionInDays": number(d) })),
                        None => create_inner(kind, p, w, None, env)?,
                    }
                }
                _ => done(name.clone(), json!({ "Arn": format!("arn:aws:logs:{r}:{account}:log-group:{name}:*") })),
            }
        }
        "AWS::StepFunctions::StateMachine" => {
            only(
                kind,
                p,
                &[
                    "StateMachineName",
                    "DefinitionString",
                    "Definition",
                    "DefinitionSubstitutions",
                    "RoleArn",
                    "StateMachineType",
                    "LoggingConfiguration",
                    "TracingConfiguration",
                    "Tags",
                ],
            )?;
            let name = name_or(w, env, "StateMachineName", 80, false);
            match w.step {
                0 => {
                    let mut definition = match (p.get("DefinitionString"), p.get("Definition")) {
                        (Some(s), None) => document(s),
                        (None, Some(d)) => document(d),
                        (Some(_), Some(_)) => return Err("You cannot specify both Definition and DefinitionString.".into()),
                        (None, None) => return Err("You must specify one of Definition, DefinitionString or DefinitionS3Location.".into()),
                    };
                    if let Some(subs) = p.get("DefinitionSubstitutions").and_then(Value::as_object) {
                        for (k, v) in subs {
                            definition = definition.replace(&format!("${{{k}}}"), &scalar_text(v));
                        }
                    }
                    let mut input = json!({ "name": name, "definition": definition, "roleArn": p.get("RoleArn").ok_or("Property RoleArn cannot be empty.")? });
                    if let Some(t) = p.get("StateMachineType") {
                        input["type"] = t.clone();
                    }
                    if let Some(l) = p.get("LoggingConfiguration") {
                        let mut l = camel(l);
                        if let Some(d) = l.get("destinations").and_then(Value::as_array) {
                            let d: Vec<Value> = d.iter().map(|x| json!({ "cloudWatchLogsLogGroup": { "logGroupArn": x["CloudWatchLogsLogGroup"]["LogGroupArn"] } })).collect();
                            l["destinations"] = json!(d);
                        }
                        input["loggingConfiguration"] = l;
                    }
                    if let Some(t) = p.get("TracingConfiguration") {
                        input["tracingConfiguration"] = camel(t);
                    }
                    if let Some(Value::Array(tags)) = p.get("Tags") {
                        input["tags"] = json!(tags.iter().map(|t| json!({ "key": t["Key"], "value": t["Value"] })).collect::<Vec<_>>());
                    }
                    w.step = 1;
                    call("states", "CreateStateMachine", r, input)
                }
                _ => {
                    let arn = scalar_text(&last["stateMachineArn"]);
                    done(arn.clone(), json!({ "Arn": arn, "Name": name, "StateMachineRevisionId": last.get("stateMachineVersionArn").cloned().unwrap_or(json!(arn)) }))
                }
            }
        }
        "AWS::Cognito::UserPool" => {
            let name = name_or(w, env, "UserPoolName", 128, false);
            match w.step {
                0 => {
                    let mut input = p.clone();
                    input.remove("UserPoolName");
                    input.insert("PoolName".into(), json!(name));
                    w.step = 1;
                    call("cognito-idp", "CreateUserPool", r, Value::Object(input))
                }
                _ => {
                    let pool = &last["UserPool"];
                    let id = scalar_text(&pool["Id"]);
                    done(
                        id.clone(),
                        json!({
                            "Arn": pool["Arn"],
                            "UserPoolId": id,
                            "ProviderName": format!("cognito-idp.{r}.amazonaws.com/{id}"),
                            "ProviderURL": format!("https://cognito-idp.{r}.amazonaws.com/{id}"),
                        }),
                    )
                }
            }
        }
        "AWS::Cognito::UserPoolClient" => match w.step {
            0 => {
                let mut input = p.clone();
                if !input.contains_key("ClientName") {
                    input.insert("ClientName".into(), json!(env.logical_id));
                }
                for k in ["RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "AuthSessionValidity"] {
                    if let Some(v) = input.get_mut(k) {
                        *v = number(v);
                    }
                }
                if let Some(v) = input.get_mut("GenerateSecret") {
                    *v = boolean(v);
                }
                w.step = 1;
                call("cognito-idp", "CreateUserPoolClient", r, Value::Object(input))
            }
            _ => {
                let c = &last["UserPoolClient"];
                let id = scalar_text(&c["ClientId"]);
                let mut attrs = json!({ "ClientId": id, "Name": c["ClientName"] });
                if let Some(s) = c.get("ClientSecret") {
                    attrs["ClientSecret"] = s.clone();
                }
                done(id, attrs)
            }
        },
        "AWS::Cognito::IdentityPool" => match w.step {
            0 => {
                let mut input = p.clone();
                if !input.contains_key("IdentityPoolName") {
                    let n = format!("{}_{}", env.logical_id, env.rng.token(UPPER, 12));
                    input.insert("IdentityPoolName".into(), json!(n));
                }
                if let Some(v) = input.get_mut("AllowUnauthenticatedIdentities") {
                    *v = boolean(v);
                }
                w.step = 1;
                call("cognito-identity", "CreateIdentityPool", r, Value::Object(input))
            }
            _ => {
                let id = scalar_text(&last["IdentityPoolId"]);
                done(id.clone(), json!({ "Id": id, "Name": last["IdentityPoolName"] }))
            }
        },
        "AWS::ApiGateway::RestApi" => {
            only(
                kind,
                p,
                &[
                    "Name",
                    "Description",
                    "Body",
                    "BodyS3Location",
                    "EndpointConfiguration",
                    "BinaryMediaTypes",
                    "ApiKeySourceType",
                    "MinimumCompressionSize",
                    "Policy",
                    "Tags",
                    "DisableExecuteApiEndpoint",
                    "FailOnWarnings",
                ],
            )?;
            match w.step {
                0 => {
                    if let Some(loc) = p.get("BodyS3Location") {
                        w.step = 1;
                        return Ok(call("s3", "GetObject", r, json!({ "Bucket": loc["Bucket"], "Key": loc["Key"] })));
                    }
                    w.step = 2;
                    create_inner(kind, p, w, None, env)?
                }
                1 => {
                    use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
                    let body = B64.decode(scalar_text(&last["Body"])).map_err(|_| "BodyS3Location: the object could not be read.")?;
                    w.data.insert("body".into(), json!(String::from_utf8_lossy(&body)));
                    w.step = 2;
                    create_inner(kind, p, w, None, env)?
                }
                2 => {
                    let body = w.data.remove("body").or_else(|| p.get("Body").map(|b| json!(document(b))));
                    w.step = 3;
                    match body {
                        Some(b) => {
                            let mut input = json!({ "body": b });
                            if let Some(f) = p.get("FailOnWarnings") {
                                input["failOnWarnings"] = boolean(f);
                            }
                            call("apigateway", "ImportRestApi", r, input)
                        }
                        None => {
                            let mut input = json!({ "name": p.get("Name").ok_or("Property Name cannot be empty.")? });
                            for (k, api) in [
                                ("Description", "description"),
                                ("BinaryMediaTypes", "binaryMediaTypes"),
                                ("ApiKeySourceType", "apiKeySource"),
                                ("Policy", "policy"),
                                ("DisableExecuteApiEndpoint", "disableExecuteApiEndpoint"),
                            ] {
                                if let Some(v) = p.get(k) {
                                    input[api] = if k == "Policy" { json!(document(v)) } else { v.clone() };
                                }
                            }
                            if let Some(v) = p.get("MinimumCompressionSize") {
                                input["minimumCompressionSize"] = number(v);
                            }
                            if let Some(e) = p.get("EndpointConfiguration") {
                                input["endpointConfiguration"] = camel(e);
                            }
                            if let Some(t) = tag_map(p.get("Tags")) {
                                input["tags"] = t;
                            }
                            call("apigateway", "CreateRestApi", r, input)
                        }
                    }
                }
                3 => {
                    let id = scalar_text(&last["id"]);
                    w.data.insert("physical".into(), json!(id));
                    w.step = 4;
                    match (p.get("Body").or(p.get("BodyS3Location")), p.get("Name")) {
                        (Some(_), Some(n)) => {
                            call("apigateway", "UpdateRestApi", r, json!({ "restApiId": id, "patchOperations": [{ "op": "replace", "path": "/name", "value": n }] }))
                        }
                        _ => create_inner(kind, p, w, None, env)?,
                    }
                }
                4 => {
                    w.step = 5;
                    call("apigateway", "GetResources", r, json!({ "restApiId": w.data["physical"], "limit": 500 }))
                }
                _ => {
                    let id = scalar_text(&w.data["physical"]);
                    let root = last
                        .get("item")
                        .or(last.get("items"))
                        .and_then(Value::as_array)
                        .and_then(|items| items.iter().find(|i| i["path"] == "/"))
                        .map(|i| i["id"].clone())
                        .unwrap_or(Value::Null);
                    done(id.clone(), json!({ "RestApiId": id, "RootResourceId": root }))
                }
            }
        }
        "AWS::ApiGateway::Resource" => {
            only(kind, p, &["RestApiId", "ParentId", "PathPart"])?;
            match w.step {
                0 => {
                    w.step = 1;
                    call("apigateway", "CreateResource", r, json!({ "restApiId": p.get("RestApiId"), "parentId": p.get("ParentId"), "pathPart": p.get("PathPart") }))
                }
                _ => {
                    let id = scalar_text(&last["id"]);
                    done(id.clone(), json!({ "ResourceId": id }))
                }
            }
        }
        "AWS::ApiGateway::Method" => {
            only(
                kind,
                p,
                &[
                    "RestApiId",
                    "ResourceId",
                    "HttpMethod",
                    "AuthorizationType",
                    "AuthorizerId",
                    "ApiKeyRequired",
                    "RequestParameters",
                    "RequestModels",
                    "OperationName",
                    "RequestValidatorId",
                    "AuthorizationScopes",
                    "Integration",
                    "MethodResponses",
                ],
            )?;
            let base = json!({ "restApiId": p.get("RestApiId"), "resourceId": p.get("ResourceId"), "httpMethod": p.get("HttpMethod") });
            let merged = |extra: Value| {
                let mut b = base.clone();
                if let (Some(m), Some(e)) = (b.as_object_mut(), extra.as_object()) {
                    m.extend(e.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                b
            };
            let responses = p.get("MethodResponses").and_then(Value::as_array).cloned().unwrap_or_default();
            let integration = p.get("Integration").cloned();
            let int_responses = integration.as_ref().and_then(|i| i.get("IntegrationResponses")).and_then(Value::as_array).cloned().unwrap_or_default();
            let i = w.step as usize;
            w.step += 1;
            if i == 0 {
                let mut m = Map::new();
                for k in ["AuthorizerId", "ApiKeyRequired", "RequestParameters", "RequestModels", "OperationName", "RequestValidatorId", "AuthorizationScopes"] {
                    if let Some(v) = p.get(k) {
                        let mut c = k.chars();
                        let key = c.next().map(|f| f.to_ascii_lowercase().to_string() + c.as_str()).unwrap_or_default();
                        m.insert(key, if k == "ApiKeyRequired" { boolean(v) } else { v.clone() });
                    }
                }
                m.insert("authorizationType".into(), p.get("AuthorizationType").cloned().unwrap_or(json!("NONE")));
                return Ok(call("apigateway", "PutMethod", r, merged(Value::Object(m))));
            }
            if i == 1 {
                let Some(int) = &integration else { return create_inner(kind, p, w, None, env) };
                let mut int = camel(int);
                if let Some(m) = int.as_object_mut() {
                    m.remove("integrationResponses");
                    if let Some(t) = m.get_mut("timeoutInMillis") {
                        *t = number(t);
                    }
                }
                return Ok(call("apigateway", "PutIntegration", r, merged(int)));
            }
            let j = i - 2;
            if let Some(resp) = responses.get(j) {
                return Ok(call("apigateway", "PutMethodResponse", r, merged(camel(resp))));
            }
            if let Some(resp) = int_responses.get(j - responses.len()) {
                return Ok(call("apigateway", "PutIntegrationResponse", r, merged(camel(resp))));
            }
            let id = physical_name(env, 255, false);
            done(id, json!({}))
        }
        "AWS::ApiGateway::Deployment" => {
            only(kind, p, &["RestApiId", "StageName", "Description"])?;
            match w.step {
                0 => {
                    let mut input = json!({ "restApiId": p.get("RestApiId") });
                    for (k, api) in [("StageName", "stageName"), ("Description", "description")] {
                        if let Some(v) = p.get(k) {
                            input[api] = v.clone();
                        }
                    }
                    w.step = 1;
                    call("apigateway", "CreateDeployment", r, input)
                }
                _ => {
                    let id = scalar_text(&last["id"]);
                    done(id.clone(), json!({ "DeploymentId": id }))
                }
            }
        }
        "AWS::ApiGateway::Stage" => {
            only(kind, p, &["RestApiId", "StageName", "DeploymentId", "Description", "Variables", "TracingEnabled", "CacheClusterEnabled", "CacheClusterSize", "Tags"])?;
            match w.step {
                0 => {
                    let stage = text(p, "StageName").ok_or("Property StageName cannot be empty.")?;
                    let mut input = json!({ "restApiId": p.get("RestApiId"), "stageName": stage, "deploymentId": p.get("DeploymentId") });
                    for (k, api) in [
                        ("Description", "description"),
                        ("Variables", "variables"),
                        ("TracingEnabled", "tracingEnabled"),
                        ("CacheClusterEnabled", "cacheClusterEnabled"),
                        ("CacheClusterSize", "cacheClusterSize"),
                    ] {
                        if let Some(v) = p.get(k) {
                            input[api] = v.clone();
                        }
                    }
                    if let Some(t) = tag_map(p.get("Tags")) {
                        input["tags"] = t;
                    }
                    w.step = 1;
                    call("apigateway", "CreateStage", r, input)
                }
                _ => done(scalar_text(&last["stageName"]), json!({})),
            }
        }
        other => return Err(format!("Resource type {other} is not simulated by Gureum.")),
    })
}

fn m_on_demand(p: &Map<String, Value>) -> bool {
    p.get("StreamModeDetails").and_then(|m| m.get("StreamMode")).and_then(Value::as_str) == Some("ON_DEMAND")
}

/// The calls that delete a resource, in order (answers are not read; a resource already gone is
/// fine). `physical_id` and `props` are what the creation recorded.
pub fn delete(kind: &str, physical_id: &str, props: &Map<String, Value>, region: &str) -> Vec<Request> {
    let req = |service: &str, op: &str, input: Value| Request::new(service, op, region, input);
    match kind {
        "AWS::DynamoDB::Table" => vec![req("dynamodb", "DeleteTable", json!({ "TableName": physical_id }))],
        "AWS::Lambda::Function" => vec![req("lambda", "DeleteFunction", json!({ "FunctionName": physical_id }))],
        "AWS::Lambda::EventSourceMapping" => vec![req("lambda", "DeleteEventSourceMapping", json!({ "UUID": physical_id }))],
        "AWS::IAM::Role" => {
            let mut out = Vec::new();
            for p in props.get("Policies").and_then(Value::as_array).into_iter().flatten() {
                out.push(req("iam", "DeleteRolePolicy", json!({ "RoleName": physical_id, "PolicyName": p["PolicyName"] })));
            }
            for arn in props.get("ManagedPolicyArns").and_then(Value::as_array).into_iter().flatten() {
                out.push(req("iam", "DetachRolePolicy", json!({ "RoleName": physical_id, "PolicyArn": arn })));
            }
            out.push(req("iam", "DeleteRole", json!({ "RoleName": physical_id })));
            out
        }
        "AWS::IAM::Policy" => props
            .get("Roles")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|role| req("iam", "DeleteRolePolicy", json!({ "RoleName": role, "PolicyName": props.get("PolicyName") })))
            .collect(),
        "AWS::IAM::ManagedPolicy" => {
            let mut out: Vec<Request> = props
                .get("Roles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|role| req("iam", "DetachRolePolicy", json!({ "RoleName": role, "PolicyArn": physical_id })))
                .collect();
            out.push(req("iam", "DeletePolicy", json!({ "PolicyArn": physical_id })));
            out
        }
        "AWS::S3::Bucket" => vec![req("s3", "DeleteBucket", json!({ "Bucket": physical_id }))],
        "AWS::SQS::Queue" => vec![req("sqs", "DeleteQueue", json!({ "QueueUrl": physical_id }))],
        "AWS::Kinesis::Stream" => vec![req("kinesis", "DeleteStream", json!({ "StreamName": physical_id, "EnforceConsumerDeletion": true }))],
        "AWS::KinesisFirehose::DeliveryStream" => vec![req("firehose", "DeleteDeliveryStream", json!({ "DeliveryStreamName": physical_id }))],
        "AWS::Logs::LogGroup" => vec![req("logs", "DeleteLogGroup", json!({ "logGroupName": physical_id }))],
        "AWS::StepFunctions::StateMachine" => vec![req("states", "DeleteStateMachine", json!({ "stateMachineArn": physical_id }))],
        "AWS::Cognito::UserPool" => vec![req("cognito-idp", "DeleteUserPool", json!({ "UserPoolId": physical_id }))],
        "AWS::Cognito::UserPoolClient" => vec![req("cognito-idp", "DeleteUserPoolClient", json!({ "UserPoolId": props.get("UserPoolId"), "ClientId": physical_id }))],
        "AWS::Cognito::IdentityPool" => vec![req("cognito-identity", "DeleteIdentityPool", json!({ "IdentityPoolId": physical_id }))],
        "AWS::ApiGateway::RestApi" => vec![req("apigateway", "DeleteRestApi", json!({ "restApiId": physical_id }))],
        "AWS::ApiGateway::Resource" => vec![req("apigateway", "DeleteResource", json!({ "restApiId": props.get("RestApiId"), "resourceId": physical_id }))],
        "AWS::ApiGateway::Method" => {
            vec![req("apigateway", "DeleteMethod", json!({ "restApiId": props.get("RestApiId"), "resourceId": props.get("ResourceId"), "httpMethod": props.get("HttpMethod") }))]
        }
        "AWS::ApiGateway::Deployment" => {
            let mut out = Vec::new();
            if let Some(stage) = props.get("StageName") {
                out.push(req("apigateway", "DeleteStage", json!({ "restApiId": props.get("RestApiId"), "stageName": stage })));
            }
            out.push(req("apigateway", "DeleteDeployment", json!({ "restApiId": props.get("RestApiId"), "deploymentId": physical_id })));
            out
        }
        "AWS::ApiGateway::Stage" => vec![req("apigateway", "DeleteStage", json!({ "restApiId": props.get("RestApiId"), "stageName": physical_id }))],
        _ => Vec::new(),
    }
}

/// A read that answers while a deleted resource is still going away (and fails once it is gone).
pub fn gone_probe(kind: &str, physical_id: &str, region: &str) -> Option<Request> {
    match kind {
        "AWS::DynamoDB::Table" => Some(Request::new("dynamodb", "DescribeTable", region, json!({ "TableName": physical_id }))),
        "AWS::Kinesis::Stream" => Some(Request::new("kinesis", "DescribeStreamSummary", region, json!({ "StreamName": physical_id }))),
        _ => None,
    }
}

/// Whether a delete call's error means the resource is gone already.
pub fn already_gone(kind: &str) -> bool {
    kind.contains("NotFound") || kind.starts_with("NoSuch") || kind == "NonExistentQueue" || kind == "QueueDoesNotExist" || kind == "StateMachineDoesNotExist"
}
