//! The SAM transform (`AWS::Serverless-2016-10-31`): a template with `AWS::Serverless::*`
//! resources and `Globals` in, a plain CloudFormation template out, with the logical ids SAM
//! gives what it generates (`{Function}Role`, `ServerlessRestApi`, `ServerlessRestApiDeployment{hash}`,
//! `ServerlessRestApiProdStage`, `{Function}{Event}Permission{Stage}`, `{Function}{Event}`).
//!
//! Event sources with no simulated service become the resource SAM would generate (an
//! `AWS::Events::Rule` for Schedule, `AWS::ApiGatewayV2::Api` for HttpApi), which the stack then
//! lists as skipped. Departure: SQS and Kinesis event sources get an inline policy with the
//! actions of AWSLambdaSQSQueueExecutionRole / AWSLambdaKinesisExecutionRole (the sandbox's IAM
//! does not carry those two managed policies).

use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::errors::validation;
use crate::kernel::error::AwsError;

pub const TRANSFORM: &str = "AWS::Serverless-2016-10-31";

fn fail(message: impl std::fmt::Display) -> AwsError {
    validation(format!("Transform {TRANSFORM} failed with: {message}"))
}

/// Globals merged into a resource's properties: maps merge, lists append, scalars are overridden.
fn merge(global: &Value, local: &Value) -> Value {
    match (global, local) {
        (Value::Object(g), Value::Object(l)) => {
            let mut out = g.clone();
            for (k, v) in l {
                let merged = match out.get(k) {
                    Some(gv) => merge(gv, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(g), Value::Array(l)) => Value::Array(g.iter().chain(l.iter()).cloned().collect()),
        (_, l) => l.clone(),
    }
}

const FUNCTION_PROPS: &[&str] = &[
    "Handler",
    "Runtime",
    "CodeUri",
    "InlineCode",
    "FunctionName",
    "Description",
    "MemorySize",
    "Timeout",
    "Role",
    "Policies",
    "Environment",
    "Events",
    "Tags",
    "Architectures",
    "Layers",
    "Tracing",
    "ReservedConcurrentExecutions",
    "DeadLetterQueue",
    "EphemeralStorage",
    "LoggingConfig",
    "PermissionsBoundary",
    "AssumeRolePolicyDocument",
    "RolePath",
    "PackageType",
];

struct Api {
    paths: Map<String, Value>,
    /// (function, event) pairs, for the permissions.
    permissions: Vec<(String, String, String, String)>,
}

/// Runs the transform.
pub fn transform(t: &Value, _region: &str, _account: &str) -> Result<Value, AwsError> {
    let globals = t.get("Globals").cloned().unwrap_or(json!({}));
    for k in globals.as_object().into_iter().flatten().map(|(k, _)| k) {
        if !["Function", "Api", "SimpleTable", "StateMachine"].contains(&k.as_str()) {
            return Err(fail(format!(
                "'Globals' section is invalid. '{k}' is not supported. Must be one of the following values - ['Function', 'Api', 'HttpApi', 'SimpleTable', 'StateMachine']"
            )));
        }
    }
    let resources = t["Resources"].as_object().cloned().unwrap_or_default();
    let mut out: IndexMap<String, Value> = IndexMap::new();
    let mut implicit = Api { paths: Map::new(), permissions: Vec::new() };
    let mut explicit: IndexMap<String, Api> = IndexMap::new();
    let mut http_api = false;
    for (id, r) in &resources {
        if r["Type"] == "AWS::Serverless::Api" {
            explicit.insert(id.clone(), Api { paths: Map::new(), permissions: Vec::new() });
        }
    }
    for (id, r) in &resources {
        let kind = r["Type"].as_str().unwrap_or("");
        let props = r.get("Properties").cloned().unwrap_or(json!({}));
        let keep = |v: Value| {
            let mut v = v;
            for k in ["DependsOn", "Condition", "Metadata", "DeletionPolicy", "UpdateReplacePolicy"] {
                if let Some(x) = r.get(k) {
                    v[k] = x.clone();
                }
            }
            v
        };
        match kind {
            "AWS::Serverless::Function" => {
                let p = merge(globals.get("Function").unwrap_or(&json!({})), &props);
                let p = p.as_object().cloned().unwrap_or_default();
                if let Some(k) = p.keys().find(|k| !FUNCTION_PROPS.contains(&k.as_str())) {
                    return Err(fail(format!("Resource with id [{id}] is invalid. Property {k} is not simulated by Gureum's SAM transform.")));
                }
                let mut f = Map::new();
                for k in [
                    "Handler",
                    "Runtime",
                    "FunctionName",
                    "Description",
                    "MemorySize",
                    "Timeout",
                    "Environment",
                    "Architectures",
                    "Layers",
                    "ReservedConcurrentExecutions",
                    "EphemeralStorage",
                    "LoggingConfig",
                    "PackageType",
                ] {
                    if let Some(v) = p.get(k) {
                        f.insert(k.into(), v.clone());
                    }
                }
                f.insert(
                    "Code".into(),
                    match (p.get("InlineCode"), p.get("CodeUri")) {
                        (Some(code), _) => json!({ "ZipFile": code }),
                        (None, Some(Value::String(uri))) => {
                            let Some((bucket, key)) = uri.strip_prefix("s3://").and_then(|u| u.split_once('/')) else {
                                return Err(fail(format!(
                                    "Resource with id [{id}] is invalid. 'CodeUri' is not a valid S3 Uri of the form 's3://bucket/key' with optional versionId query parameter (upload the zip to S3 in the sandbox first; local paths are packaged by `sam package`)."
                                )));
                            };
                            json!({ "S3Bucket": bucket, "S3Key": key })
                        }
                        (None, Some(Value::Object(loc))) => json!({ "S3Bucket": loc.get("Bucket"), "S3Key": loc.get("Key") }),
                        _ => return Err(fail(format!("Resource with id [{id}] is invalid. Only one of 'InlineCode' or 'CodeUri' can be set."))),
                    },
                );
                if let Some(Value::Object(tags)) = p.get("Tags") {
                    let mut list = vec![json!({ "Key": "lambda:createdBy", "Value": "SAM" })];
                    list.extend(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })));
                    f.insert("Tags".into(), json!(list));
                } else {
                    f.insert("Tags".into(), json!([{ "Key": "lambda:createdBy", "Value": "SAM" }]));
                }
                if let Some(t) = p.get("Tracing") {
                    f.insert("TracingConfig".into(), json!({ "Mode": t }));
                }
                if let Some(d) = p.get("DeadLetterQueue") {
                    f.insert("DeadLetterConfig".into(), json!({ "TargetArn": d.get("TargetArn") }));
                }
                let events = p.get("Events").and_then(Value::as_object).cloned().unwrap_or_default();
                let mut extra_policies: Vec<Value> = Vec::new();
                let mut managed: Vec<Value> = vec![json!("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")];
                let mut generated: Vec<(String, Value)> = Vec::new();
                for (ev, e) in &events {
                    let ep = e.get("Properties").cloned().unwrap_or(json!({}));
                    let etype = e.get("Type").and_then(Value::as_str).unwrap_or("");
                    match etype {
                        "Api" => {
                            let path = ep.get("Path").and_then(Value::as_str).ok_or_else(|| fail(format!("Event with id [{ev}] is invalid. Event is missing key 'Path'.")))?;
                            let method = ep.get("Method").and_then(Value::as_str).ok_or_else(|| fail(format!("Event with id [{ev}] is invalid. Event is missing key 'Method'.")))?.to_ascii_lowercase();
                            let api = match ep.get("RestApiId") {
                                None => &mut implicit,
                                Some(r) => {
                                    let name = r.get("Ref").and_then(Value::as_str).ok_or_else(|| fail(format!("Event with id [{ev}] is invalid. RestApiId must be a valid reference to an 'AWS::Serverless::Api' resource in same template.")))?;
                                    explicit.get_mut(name).ok_or_else(|| fail(format!("Event with id [{ev}] is invalid. RestApiId must be a valid reference to an 'AWS::Serverless::Api' resource in same template.")))?
                                }
                            };
                            let swagger_method = if method == "any" { "x-amazon-apigateway-any-method".to_string() } else { method.clone() };
                            let entry = api.paths.entry(path.to_string()).or_insert_with(|| json!({}));
                            entry[swagger_method] = json!({
                                "x-amazon-apigateway-integration": {
                                    "httpMethod": "POST",
                                    "type": "aws_proxy",
                                    "uri": { "Fn::Sub": format!("arn:aws:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{id}.Arn}}/invocations") },
                                },
                                "responses": {},
                            });
                            let http = if method == "any" { "*".to_string() } else { method.to_ascii_uppercase() };
                            api.permissions.push((id.clone(), ev.clone(), http, path.to_string()));
                        }
                        "DynamoDB" | "Kinesis" | "SQS" => {
                            let source = match etype {
                                "SQS" => ep.get("Queue"),
                                _ => ep.get("Stream"),
                            }
                            .cloned()
                            .ok_or_else(|| fail(format!("Event with id [{ev}] is invalid. Missing required property '{}'.", if etype == "SQS" { "Queue" } else { "Stream" })))?;
                            let mut m = json!({ "EventSourceArn": source, "FunctionName": { "Ref": id } });
                            for k in [
                                "StartingPosition",
                                "BatchSize",
                                "Enabled",
                                "MaximumBatchingWindowInSeconds",
                                "FilterCriteria",
                                "FunctionResponseTypes",
                                "MaximumRetryAttempts",
                                "BisectBatchOnFunctionError",
                                "MaximumRecordAgeInSeconds",
                                "DestinationConfig",
                                "ParallelizationFactor",
                                "TumblingWindowInSeconds",
                                "StartingPositionTimestamp",
                                "ScalingConfig",
                            ] {
                                if let Some(v) = ep.get(k) {
                                    m[k] = v.clone();
                                }
                            }
                            generated.push((format!("{id}{ev}"), json!({ "Type": "AWS::Lambda::EventSourceMapping", "Properties": m })));
                            match etype {
                                "DynamoDB" => managed.push(json!("arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole")),
                                "Kinesis" => extra_policies.push(json!({ "Statement": [{ "Effect": "Allow", "Action": ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:ListStreams", "kinesis:SubscribeToShard"], "Resource": "*" }] })),
                                _ => extra_policies.push(json!({ "Statement": [{ "Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], "Resource": "*" }] })),
                            }
                        }
                        "Schedule" | "CloudWatchEvent" | "EventBridgeRule" => generated.push((format!("{id}{ev}"), json!({ "Type": "AWS::Events::Rule", "Properties": { "Targets": [{ "Arn": { "Fn::GetAtt": [id, "Arn"] }, "Id": format!("{id}{ev}LambdaTarget") }] } }))),
                        "ScheduleV2" => generated.push((format!("{id}{ev}"), json!({ "Type": "AWS::Scheduler::Schedule", "Properties": {} }))),
                        "HttpApi" => {
                            if ep.get("ApiId").is_none() {
                                http_api = true;
                            }
                        }
                        "SNS" => generated.push((format!("{id}{ev}"), json!({ "Type": "AWS::SNS::Subscription", "Properties": { "Protocol": "lambda", "Endpoint": { "Fn::GetAtt": [id, "Arn"] }, "TopicArn": ep.get("Topic") } }))),
                        other => return Err(fail(format!("Event with id [{ev}] is invalid. Event type {other} is not simulated by Gureum's SAM transform."))),
                    }
                }
                match p.get("Role") {
                    Some(role) => {
                        f.insert("Role".into(), role.clone());
                    }
                    None => {
                        let mut role = json!({
                            "AssumeRolePolicyDocument": p.get("AssumeRolePolicyDocument").cloned().unwrap_or_else(|| assume("lambda.amazonaws.com")),
                            "ManagedPolicyArns": managed,
                            "Tags": [{ "Key": "lambda:createdBy", "Value": "SAM" }],
                        });
                        let (more_managed, inline) = policies(p.get("Policies"), &format!("{id}Role"))?;
                        extend_list(&mut role["ManagedPolicyArns"], more_managed);
                        let mut inline = inline;
                        for (i, doc) in extra_policies.into_iter().enumerate() {
                            inline.push(json!({ "PolicyName": format!("{id}RoleEventPolicy{i}"), "PolicyDocument": doc }));
                        }
                        if !inline.is_empty() {
                            role["Policies"] = json!(inline);
                        }
                        if let Some(b) = p.get("PermissionsBoundary") {
                            role["PermissionsBoundary"] = b.clone();
                        }
                        if let Some(path) = p.get("RolePath") {
                            role["Path"] = path.clone();
                        }
                        out.insert(format!("{id}Role"), json!({ "Type": "AWS::IAM::Role", "Properties": role }));
                        f.insert("Role".into(), json!({ "Fn::GetAtt": [format!("{id}Role"), "Arn"] }));
                    }
                }
                out.insert(id.clone(), keep(json!({ "Type": "AWS::Lambda::Function", "Properties": f })));
                for (gid, g) in generated {
                    out.insert(gid, g);
                }
            }
            "AWS::Serverless::SimpleTable" => {
                let p = merge(globals.get("SimpleTable").unwrap_or(&json!({})), &props);
                let pk = p.get("PrimaryKey").cloned().unwrap_or(json!({ "Name": "id", "Type": "String" }));
                let ty = match pk.get("Type").and_then(Value::as_str).unwrap_or("String") {
                    "String" => "S",
                    "Number" => "N",
                    "Binary" => "B",
                    other => return Err(fail(format!("Resource with id [{id}] is invalid. Invalid 'Type' \"{other}\"."))),
                };
                let mut table = json!({
                    "AttributeDefinitions": [{ "AttributeName": pk["Name"], "AttributeType": ty }],
                    "KeySchema": [{ "AttributeName": pk["Name"], "KeyType": "HASH" }],
                });
                match p.get("ProvisionedThroughput") {
                    Some(t) => table["ProvisionedThroughput"] = t.clone(),
                    None => table["BillingMode"] = json!("PAY_PER_REQUEST"),
                }
                for k in ["TableName", "SSESpecification", "PointInTimeRecoverySpecification"] {
                    if let Some(v) = p.get(k) {
                        table[k] = v.clone();
                    }
                }
                if let Some(Value::Object(tags)) = p.get("Tags") {
                    table["Tags"] = json!(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect::<Vec<_>>());
                }
                out.insert(id.clone(), keep(json!({ "Type": "AWS::DynamoDB::Table", "Properties": table })));
            }
            "AWS::Serverless::StateMachine" => {
                let p = merge(globals.get("StateMachine").unwrap_or(&json!({})), &props);
                let p = p.as_object().cloned().unwrap_or_default();
                if let Some(k) =
                    p.keys().find(|k| !["Definition", "DefinitionSubstitutions", "Role", "Policies", "Name", "Type", "Logging", "Tracing", "Tags"].contains(&k.as_str()))
                {
                    return Err(fail(format!("Resource with id [{id}] is invalid. Property {k} is not simulated by Gureum's SAM transform.")));
                }
                let mut sm = json!({ "Definition": p.get("Definition").ok_or_else(|| fail(format!("Resource with id [{id}] is invalid. Either 'Definition' or 'DefinitionUri' property must be specified.")))? });
                for (k, cfn) in [
                    ("DefinitionSubstitutions", "DefinitionSubstitutions"),
                    ("Name", "StateMachineName"),
                    ("Type", "StateMachineType"),
                    ("Logging", "LoggingConfiguration"),
                    ("Tracing", "TracingConfiguration"),
                ] {
                    if let Some(v) = p.get(k) {
                        sm[cfn] = v.clone();
                    }
                }
                if let Some(Value::Object(tags)) = p.get("Tags") {
                    let mut list = vec![json!({ "Key": "stateMachine:createdBy", "Value": "SAM" })];
                    list.extend(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })));
                    sm["Tags"] = json!(list);
                } else {
                    sm["Tags"] = json!([{ "Key": "stateMachine:createdBy", "Value": "SAM" }]);
                }
                match p.get("Role") {
                    Some(r) => sm["RoleArn"] = r.clone(),
                    None => {
                        let (managed, inline) = policies(p.get("Policies"), &format!("{id}Role"))?;
                        let mut role = json!({ "AssumeRolePolicyDocument": assume("states.amazonaws.com"), "ManagedPolicyArns": managed, "Tags": [{ "Key": "stateMachine:createdBy", "Value": "SAM" }] });
                        if !inline.is_empty() {
                            role["Policies"] = json!(inline);
                        }
                        out.insert(format!("{id}Role"), json!({ "Type": "AWS::IAM::Role", "Properties": role }));
                        sm["RoleArn"] = json!({ "Fn::GetAtt": [format!("{id}Role"), "Arn"] });
                    }
                }
                out.insert(id.clone(), keep(json!({ "Type": "AWS::StepFunctions::StateMachine", "Properties": sm })));
            }
            "AWS::Serverless::Api" => {}
            "AWS::Serverless::HttpApi" | "AWS::Serverless::LayerVersion" | "AWS::Serverless::Application" | "AWS::Serverless::Connector" | "AWS::Serverless::GraphQLApi" => {
                let cfn = match kind {
                    "AWS::Serverless::HttpApi" => "AWS::ApiGatewayV2::Api",
                    "AWS::Serverless::LayerVersion" => "AWS::Lambda::LayerVersion",
                    "AWS::Serverless::Application" => "AWS::CloudFormation::Stack",
                    "AWS::Serverless::Connector" => "AWS::IAM::ManagedPolicy",
                    _ => "AWS::AppSync::GraphQLApi",
                };
                if kind == "AWS::Serverless::Connector" {
                    return Err(fail(format!("Resource with id [{id}] is invalid. AWS::Serverless::Connector is not simulated by Gureum's SAM transform.")));
                }
                out.insert(id.clone(), keep(json!({ "Type": cfn, "Properties": {} })));
            }
            other if other.starts_with("AWS::Serverless::") => return Err(fail(format!("Resource with id [{id}] is invalid. {other} is not a SAM resource type."))),
            _ => {
                out.insert(id.clone(), r.clone());
            }
        }
    }
    // Explicit APIs (their own definition, or the paths of the events that name them).
    for (id, api) in explicit {
        let r = &resources[&id];
        let p = merge(globals.get("Api").unwrap_or(&json!({})), r.get("Properties").unwrap_or(&json!({})));
        let p = p.as_object().cloned().unwrap_or_default();
        if let Some(k) = p.keys().find(|k| {
            !["StageName", "DefinitionBody", "Name", "Description", "Variables", "EndpointConfiguration", "BinaryMediaTypes", "TracingEnabled", "OpenApiVersion"]
                .contains(&k.as_str())
        }) {
            return Err(fail(format!("Resource with id [{id}] is invalid. Property {k} is not simulated by Gureum's SAM transform.")));
        }
        let stage = p.get("StageName").cloned().ok_or_else(|| fail(format!("Resource with id [{id}] is invalid. Missing required property 'StageName'.")))?;
        let body = match p.get("DefinitionBody") {
            Some(b) => b.clone(),
            None => swagger(&api.paths, p.get("Name").cloned().unwrap_or(json!({ "Ref": "AWS::StackName" }))),
        };
        emit_api(&mut out, &id, body, &p, stage, &api.permissions);
    }
    if !implicit.paths.is_empty() {
        let g = globals.get("Api").cloned().unwrap_or(json!({}));
        let body = swagger(&implicit.paths, json!({ "Ref": "AWS::StackName" }));
        emit_api(&mut out, "ServerlessRestApi", body, g.as_object().unwrap_or(&Map::new()), json!("Prod"), &implicit.permissions);
    }
    if http_api {
        out.insert("ServerlessHttpApi".into(), json!({ "Type": "AWS::ApiGatewayV2::Api", "Properties": {} }));
    }
    let mut t = t.clone();
    let m = t.as_object_mut().expect("template object");
    m.remove("Transform");
    m.remove("Globals");
    m.insert("Resources".into(), Value::Object(out.into_iter().collect()));
    Ok(t)
}

fn assume(service: &str) -> Value {
    json!({ "Version": "2012-10-17", "Statement": [{ "Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": { "Service": [service] } }] })
}

fn extend_list(list: &mut Value, more: Vec<Value>) {
    if let Value::Array(a) = list {
        a.extend(more);
    }
}

fn swagger(paths: &Map<String, Value>, title: Value) -> Value {
    json!({ "swagger": "2.0", "info": { "version": "1.0", "title": title }, "paths": paths })
}

/// A RestApi with its deployment, stage and the functions' permissions.
fn emit_api(out: &mut IndexMap<String, Value>, id: &str, body: Value, p: &Map<String, Value>, stage: Value, permissions: &[(String, String, String, String)]) {
    let mut api = json!({ "Body": body });
    for k in ["Name", "Description", "EndpointConfiguration", "BinaryMediaTypes"] {
        if let Some(v) = p.get(k) {
            api[k] = if k == "EndpointConfiguration" && v.is_string() { json!({ "Types": [v] }) } else { v.clone() };
        }
    }
    let hash: String = Sha256::digest(api.to_string().as_bytes()).iter().take(5).map(|b| format!("{b:02x}")).collect();
    let deployment = format!("{id}Deployment{hash}");
    out.insert(id.to_string(), json!({ "Type": "AWS::ApiGateway::RestApi", "Properties": api }));
    out.insert(deployment.clone(), json!({ "Type": "AWS::ApiGateway::Deployment", "Properties": { "RestApiId": { "Ref": id }, "Description": format!("RestApi deployment id: {hash}"), "StageName": "Stage" } }));
    let stage_name = stage.as_str().map(String::from).unwrap_or_else(|| "Prod".into());
    let mut st = json!({ "DeploymentId": { "Ref": deployment }, "RestApiId": { "Ref": id }, "StageName": stage });
    for (k, cfn) in [("Variables", "Variables"), ("TracingEnabled", "TracingEnabled")] {
        if let Some(v) = p.get(k) {
            st[cfn] = v.clone();
        }
    }
    let stage_id: String = stage_name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    out.insert(format!("{id}{stage_id}Stage"), json!({ "Type": "AWS::ApiGateway::Stage", "Properties": st }));
    for (f, ev, method, path) in permissions {
        let path = path.split('/').map(|seg| if seg.starts_with('{') { "*" } else { seg }).collect::<Vec<_>>().join("/");
        out.insert(
            format!("{f}{ev}Permission{stage_id}"),
            json!({
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": { "Ref": f },
                    "Principal": "apigateway.amazonaws.com",
                    "SourceArn": { "Fn::Sub": [format!("arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{__ApiId__}}/${{__Stage__}}/{method}{path}"), { "__ApiId__": { "Ref": id }, "__Stage__": "*" }] },
                },
            }),
        );
    }
}

/// SAM's Policies: managed policy names or ARNs, inline documents, and policy templates.
fn policies(p: Option<&Value>, role: &str) -> Result<(Vec<Value>, Vec<Value>), AwsError> {
    let list = match p {
        None => return Ok((Vec::new(), Vec::new())),
        Some(Value::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
    };
    let mut managed = Vec::new();
    let mut inline = Vec::new();
    for (i, item) in list.iter().enumerate() {
        match item {
            Value::String(name) if name.starts_with("arn:") => managed.push(item.clone()),
            Value::String(name) => managed.push(json!(format!("arn:aws:iam::aws:policy/{name}"))),
            Value::Object(m) if m.contains_key("Statement") => inline.push(json!({ "PolicyName": format!("{role}Policy{i}"), "PolicyDocument": item })),
            Value::Object(m) if m.len() == 1 && (m.contains_key("Ref") || m.contains_key("Fn::Sub") || m.contains_key("Fn::ImportValue")) => managed.push(item.clone()),
            Value::Object(m) if m.len() == 1 => {
                let (name, args) = m.iter().next().expect("one");
                let statements = template_statements(name, args).ok_or_else(|| fail(format!("Policy template {name} is not simulated by Gureum's SAM transform.")))?;
                inline.push(json!({ "PolicyName": format!("{role}Policy{i}"), "PolicyDocument": { "Statement": statements } }));
            }
            _ => return Err(fail(format!("Invalid policy at index {i} of {role}."))),
        }
    }
    Ok((managed, inline))
}

/// The statements of SAM's policy templates (from the SAM policy template list).
fn template_statements(name: &str, args: &Value) -> Option<Value> {
    let sub = |s: &str, vars: Value| json!({ "Fn::Sub": [s, vars] });
    let table = || sub("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}", json!({ "tableName": args.get("TableName") }));
    let table_index = || sub("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*", json!({ "tableName": args.get("TableName") }));
    let queue = || sub("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${queueName}", json!({ "queueName": args.get("QueueName") }));
    let bucket = || sub("arn:${AWS::Partition}:s3:::${bucketName}", json!({ "bucketName": args.get("BucketName") }));
    let objects = || sub("arn:${AWS::Partition}:s3:::${bucketName}/*", json!({ "bucketName": args.get("BucketName") }));
    Some(match name {
        "DynamoDBCrudPolicy" => {
            json!([{ "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"], "Resource": [table(), table_index()] }])
        }
        "DynamoDBReadPolicy" => {
            json!([{ "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"], "Resource": [table(), table_index()] }])
        }
        "DynamoDBWritePolicy" => {
            json!([{ "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"], "Resource": [table(), table_index()] }])
        }
        "DynamoDBStreamReadPolicy" => {
            json!([{ "Effect": "Allow", "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"], "Resource": [sub("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/stream/*", json!({ "tableName": args.get("TableName") }))] }])
        }
        "SQSSendMessagePolicy" => json!([{ "Effect": "Allow", "Action": ["sqs:SendMessage*"], "Resource": queue() }]),
        "SQSPollerPolicy" => {
            json!([{ "Effect": "Allow", "Action": ["sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch", "sqs:DeleteMessage", "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"], "Resource": queue() }])
        }
        "S3ReadPolicy" => {
            json!([{ "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:GetLifecycleConfiguration"], "Resource": [bucket(), objects()] }])
        }
        "S3WritePolicy" => json!([{ "Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"], "Resource": [bucket(), objects()] }]),
        "S3CrudPolicy" => {
            json!([{ "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", "s3:DeleteObject"], "Resource": [bucket(), objects()] }])
        }
        "LambdaInvokePolicy" => {
            json!([{ "Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${functionName}*", json!({ "functionName": args.get("FunctionName") })) }])
        }
        "StepFunctionsExecutionPolicy" => {
            json!([{ "Effect": "Allow", "Action": ["states:StartExecution"], "Resource": sub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${stateMachineName}", json!({ "stateMachineName": args.get("StateMachineName") })) }])
        }
        "KinesisStreamReadPolicy" => {
            json!([{ "Effect": "Allow", "Action": ["kinesis:ListStreams", "kinesis:DescribeLimits"], "Resource": sub("arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/*", json!({})) }, { "Effect": "Allow", "Action": ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator"], "Resource": sub("arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/${streamName}", json!({ "streamName": args.get("StreamName") })) }])
        }
        "KinesisCrudPolicy" => {
            json!([{ "Effect": "Allow", "Action": ["kinesis:AddTagsToStream", "kinesis:CreateStream", "kinesis:DecreaseStreamRetentionPeriod", "kinesis:DeleteStream", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetShardIterator", "kinesis:IncreaseStreamRetentionPeriod", "kinesis:ListTagsForStream", "kinesis:MergeShards", "kinesis:PutRecord", "kinesis:PutRecords", "kinesis:SplitShard", "kinesis:RemoveTagsFromStream"], "Resource": sub("arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/${streamName}", json!({ "streamName": args.get("StreamName") })) }])
        }
        "CloudWatchPutMetricPolicy" => json!([{ "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*" }]),
        _ => return None,
    })
}
