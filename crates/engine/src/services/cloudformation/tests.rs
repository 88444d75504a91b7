//! CloudFormation through the engine's door: the fixtures in `testdata/` (modelled on AWS's
//! documentation examples) create stacks whose resources then work (PutItem into the table, the
//! API answering through its function, the state machine running); parameters, conditions and
//! cycles refused with CloudFormation's messages; rollback; unsupported types skipped;
//! exports and imports; deletion in reverse order; a reload in the middle of a creation.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::{
    kernel::runtime::{CodeRuntime, InvokeJob, InvokeOutcome, InvokeResult},
    AwsError, Engine, EngineConfig, Request,
};

const REGION: &str = "us-east-1";
const T0: i64 = 1_700_000_000_000;

/// Every function answers as a Lambda proxy integration would, echoing its environment.
#[derive(Default)]
struct FakeRuntime {
    calls: Mutex<Vec<(String, Value)>>,
}

impl CodeRuntime for FakeRuntime {
    fn invoke(&self, job: &InvokeJob, _aws: &mut crate::kernel::runtime::AwsDoor<'_>) -> InvokeResult {
        let event: Value = serde_json::from_slice(&job.payload).unwrap_or(Value::Null);
        self.calls.lock().unwrap().push((job.function_name.clone(), event));
        let body = json!({ "message": "hello world", "table": job.variables.get("TABLE_NAME"), "stage": job.variables.get("STAGE") });
        let out = json!({ "statusCode": 200, "body": body.to_string() });
        InvokeResult { outcome: InvokeOutcome::Ok(out.to_string().into_bytes()), logs: vec![], init_logs: vec![], init_ms: Some(1.0), duration_ms: 1.0, max_memory_mb: 64 }
    }
    fn discard(&self, _environment: &str) {}
    fn discard_all(&self) {}
}

struct Sb {
    e: Engine,
    runtime: Arc<FakeRuntime>,
    /// Stack ids by name (a deleted stack is described by its id).
    ids: std::collections::HashMap<String, String>,
}

const ALL_CAPS: &[&str] = &["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"];

impl Sb {
    fn new() -> Sb {
        let runtime = Arc::new(FakeRuntime::default());
        let mut e = Engine::new(EngineConfig::default(), T0);
        e.set_runtime(runtime.clone());
        Sb { e, runtime, ids: Default::default() }
    }

    fn call(&mut self, service: &str, op: &str, input: Value) -> Result<Value, AwsError> {
        self.e.call(T0, &Request::new(service, op, REGION, input))
    }

    fn cf(&mut self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.call("cloudformation", op, input)
    }

    fn ok(&mut self, service: &str, op: &str, input: Value) -> Value {
        self.call(service, op, input.clone()).unwrap_or_else(|e| panic!("{service}.{op} {input}: {e:?}"))
    }

    fn advance(&mut self, seconds: f64) {
        self.e.control(T0, "AdvanceClock", &json!({ "seconds": seconds })).expect("clock");
    }

    fn create(&mut self, name: &str, body: &str, params: Value) -> Result<Value, AwsError> {
        let out = self.cf("CreateStack", json!({ "StackName": name, "TemplateBody": body, "Parameters": params, "Capabilities": ALL_CAPS }))?;
        self.ids.insert(name.to_string(), out["StackId"].as_str().unwrap().to_string());
        Ok(out)
    }

    fn stack(&mut self, name: &str) -> Value {
        let id = self.ids.get(name).cloned().unwrap_or_else(|| name.to_string());
        self.cf("DescribeStacks", json!({ "StackName": id })).expect("DescribeStacks")["Stacks"][0].clone()
    }

    /// Advances the clock until the stack leaves its *_IN_PROGRESS status; returns the status.
    fn settle(&mut self, name: &str) -> String {
        for _ in 0..200 {
            let s = self.stack(name);
            let status = s["StackStatus"].as_str().unwrap().to_string();
            if !status.ends_with("_IN_PROGRESS") {
                return status;
            }
            self.advance(0.5);
        }
        panic!("stack {name} never settled: {}", self.stack(name));
    }

    fn output(&mut self, name: &str, key: &str) -> String {
        let s = self.stack(name);
        s["Outputs"].as_array().unwrap().iter().find(|o| o["OutputKey"] == key).unwrap_or_else(|| panic!("no output {key}: {s}"))["OutputValue"].as_str().unwrap().to_string()
    }

    fn resources(&mut self, name: &str) -> Vec<Value> {
        self.cf("ListStackResources", json!({ "StackName": name })).unwrap()["StackResourceSummaries"].as_array().unwrap().clone()
    }

    fn physical(&mut self, name: &str, logical: &str) -> String {
        self.resources(name).iter().find(|r| r["LogicalResourceId"] == logical).unwrap_or_else(|| panic!("no {logical}"))["PhysicalResourceId"].as_str().unwrap().to_string()
    }

    /// (logical id, status) of the stack's events, oldest first.
    fn events(&mut self, name: &str) -> Vec<(String, String)> {
        let id = self.ids.get(name).cloned().unwrap_or_else(|| name.to_string());
        let mut out: Vec<(String, String)> = self.cf("DescribeStackEvents", json!({ "StackName": id })).unwrap()["StackEvents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let status = e["ResourceStatus"].as_str().unwrap().to_string();
                let status = if status.ends_with("FAILED") { format!("{status} {}", e["ResourceStatusReason"]) } else { status };
                (e["LogicalResourceId"].as_str().unwrap().to_string(), status)
            })
            .collect();
        out.reverse();
        out
    }
}

fn fixture(name: &str) -> &'static str {
    match name {
        "sam" => include_str!("testdata/sam-hello-api.yaml"),
        "ddb" => include_str!("testdata/dynamodb-stream-lambda.json"),
        "sfn" => include_str!("testdata/stepfunctions-kinesis-cognito.yaml"),
        "apigw" => include_str!("testdata/apigateway-rest.yaml"),
        _ => unreachable!(),
    }
}

#[test]
fn sam_function_table_and_api_work_and_go_away() {
    let mut sb = Sb::new();
    let out = sb.create("hello", fixture("sam"), json!([])).unwrap();
    assert!(out["StackId"].as_str().unwrap().starts_with("arn:aws:cloudformation:us-east-1:"));
    assert_eq!(sb.stack("hello")["StackStatus"], "CREATE_IN_PROGRESS");
    assert_eq!(sb.settle("hello"), "CREATE_COMPLETE", "{:?}", sb.events("hello"));
    let logical: Vec<String> = sb.resources("hello").iter().map(|r| r["LogicalResourceId"].as_str().unwrap().to_string()).collect();
    for id in ["ItemsTable", "HelloWorldFunctionRole", "HelloWorldFunction", "ServerlessRestApi", "ServerlessRestApiProdStage", "HelloWorldFunctionHelloWorldPermissionProd"] {
        assert!(logical.contains(&id.to_string()), "{id} missing from {logical:?}");
    }
    assert!(logical.iter().any(|l| l.starts_with("ServerlessRestApiDeployment")));
    // The table works.
    let table = sb.output("hello", "TableName");
    assert!(table.starts_with("hello-ItemsTable-"), "{table}");
    sb.ok("dynamodb", "PutItem", json!({ "TableName": table, "Item": { "id": { "S": "1" } } }));
    // The API calls the function, which sees the table's name and the Globals' variable.
    let url = sb.output("hello", "HelloWorldApi");
    let api = url.trim_start_matches("https://").split('.').next().unwrap().to_string();
    let answer = sb.ok("execute-api", "Invoke", json!({ "restApiId": api, "stage": "Prod", "httpMethod": "GET", "path": "/hello" }));
    assert_eq!(answer["statusCode"], 200, "{answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({ "message": "hello world", "table": table, "stage": "prod" }));
    let role = sb.output("hello", "HelloWorldFunctionIamRole");
    let role_name = role.rsplit('/').next().unwrap();
    let policies = sb.ok("iam", "ListRolePolicies", json!({ "RoleName": role_name }));
    assert_eq!(policies["PolicyNames"], json!(["HelloWorldFunctionRolePolicy0"]));
    // Events: the stack's, then each resource's IN_PROGRESS and COMPLETE.
    let events = sb.events("hello");
    assert_eq!(events[0], ("hello".to_string(), "CREATE_IN_PROGRESS".to_string()));
    assert_eq!(events.last().unwrap(), &("hello".to_string(), "CREATE_COMPLETE".to_string()));
    assert!(events.contains(&("ItemsTable".to_string(), "CREATE_COMPLETE".to_string())));
    let processed = sb.cf("GetTemplate", json!({ "StackName": "hello", "TemplateStage": "Processed" })).unwrap();
    assert!(processed["TemplateBody"].as_str().unwrap().contains("AWS::Lambda::Function"));
    // Delete: everything goes, in reverse order.
    sb.cf("DeleteStack", json!({ "StackName": "hello" })).unwrap();
    assert_eq!(sb.stack("hello")["StackStatus"], "DELETE_IN_PROGRESS");
    for _ in 0..100 {
        sb.advance(0.5);
    }
    assert!(sb.cf("DescribeStacks", json!({ "StackName": "hello" })).unwrap_err().message.contains("does not exist"));
    let listed = sb.cf("ListStacks", json!({ "StackStatusFilter": ["DELETE_COMPLETE"] })).unwrap();
    assert_eq!(listed["StackSummaries"][0]["StackName"], "hello");
    assert_eq!(sb.call("dynamodb", "DescribeTable", json!({ "TableName": table })).unwrap_err().kind, "ResourceNotFoundException");
    assert!(sb.ok("apigateway", "GetRestApis", json!({})).get("item").is_none_or(|i| i.as_array().unwrap().is_empty()));
    assert!(sb.ok("lambda", "ListFunctions", json!({}))["Functions"].as_array().unwrap().is_empty());
    assert!(sb.call("iam", "GetRole", json!({ "RoleName": role_name })).is_err());
}

#[test]
fn dynamodb_stream_function_queue_and_exports() {
    let mut sb = Sb::new();
    sb.create("orders", fixture("ddb"), json!([{ "ParameterKey": "ReadCapacity", "ParameterValue": "7" }])).unwrap();
    assert_eq!(sb.settle("orders"), "CREATE_COMPLETE", "{:?}", sb.events("orders"));
    let table = sb.physical("orders", "Orders");
    let t = sb.ok("dynamodb", "DescribeTable", json!({ "TableName": table }))["Table"].clone();
    assert_eq!(t["ProvisionedThroughput"]["ReadCapacityUnits"], 7);
    assert_eq!(t["StreamSpecification"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
    assert_eq!(t["GlobalSecondaryIndexes"][0]["IndexName"], "by-status");
    let ttl = sb.ok("dynamodb", "DescribeTimeToLive", json!({ "TableName": table }));
    assert_eq!(ttl["TimeToLiveDescription"]["AttributeName"], "expires");
    // The queue's redrive policy names the dead-letter queue's ARN.
    let url = sb.output("orders", "QueueUrl");
    let attrs = sb.ok("sqs", "GetQueueAttributes", json!({ "QueueUrl": url, "AttributeNames": ["All"] }));
    assert!(attrs["Attributes"]["RedrivePolicy"].as_str().unwrap().contains("orders-DeadLetters-"), "{attrs}");
    assert_eq!(attrs["Attributes"]["VisibilityTimeout"], "60");
    // The condition left ProdOnlyQueue out; the If output says so; FindInMap set the retention.
    assert!(!sb.resources("orders").iter().any(|r| r["LogicalResourceId"] == "ProdOnlyQueue"));
    assert_eq!(sb.output("orders", "Mode"), "development");
    let function = sb.physical("orders", "Processor");
    let groups = sb.ok("logs", "DescribeLogGroups", json!({ "logGroupNamePrefix": format!("/aws/lambda/{function}") }));
    assert_eq!(groups["logGroups"][0]["retentionInDays"], 7);
    // The stream mapping delivers a write to the function.
    sb.ok("dynamodb", "PutItem", json!({ "TableName": table, "Item": { "pk": { "S": "a" }, "sk": { "S": "1" }, "status": { "S": "new" } } }));
    for _ in 0..10 {
        sb.advance(1.0);
    }
    let calls = sb.runtime.calls.lock().unwrap().clone();
    assert!(calls.iter().any(|(f, e)| *f == function && e["Records"][0]["eventName"] == "INSERT"), "{calls:?}");
    // Exports: another stack imports the table's ARN; the exporter cannot go while it is used.
    let exports = sb.cf("ListExports", json!({})).unwrap();
    assert_eq!(exports["Exports"][0]["Name"], "orders-TableArn");
    let importer =
        r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"Tags": [{"Key": "table", "Value": {"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}-TableArn"}}}]}}}}"#;
    // The export's name is computed (Fn::Sub), so the import is noted when the queue is created.
    sb.create("user", &importer.replace("${AWS::StackName}", "orders"), json!([])).unwrap();
    assert_eq!(sb.settle("user"), "CREATE_COMPLETE", "{:?}", sb.events("user"));
    sb.cf("DeleteStack", json!({ "StackName": "orders" })).unwrap();
    let s = sb.stack("orders");
    assert_eq!(s["StackStatus"], "DELETE_FAILED");
    assert_eq!(s["StackStatusReason"], "Export orders-TableArn cannot be deleted as it is in use by user");
    let missing = sb.create("bad", &importer.replace("{\"Fn::Sub\": \"${AWS::StackName}-TableArn\"}", "\"nope\""), json!([])).unwrap_err();
    assert!(missing.message.starts_with("No export named nope found."), "{}", missing.message);
    sb.cf("DeleteStack", json!({ "StackName": "user" })).unwrap();
    assert_eq!(sb.settle("user"), "DELETE_COMPLETE");
    sb.cf("DeleteStack", json!({ "StackName": "orders" })).unwrap();
    for _ in 0..100 {
        sb.advance(0.5);
    }
    assert!(sb.ok("sqs", "ListQueues", json!({})).get("QueueUrls").is_none_or(|q| q.as_array().unwrap().is_empty()));
}

#[test]
fn state_machine_stream_bucket_cognito_and_a_skipped_type() {
    let mut sb = Sb::new();
    sb.create("mixed", fixture("sfn"), json!([])).unwrap();
    assert_eq!(sb.settle("mixed"), "CREATE_COMPLETE", "{:?}", sb.events("mixed"));
    let topic = sb.resources("mixed").into_iter().find(|r| r["LogicalResourceId"] == "Topic").unwrap();
    assert_eq!(topic["ResourceStatus"], "CREATE_SKIPPED");
    assert!(topic["ResourceStatusReason"].as_str().unwrap().contains("AWS::SNS::Topic is not simulated"));
    let machine = sb.output("mixed", "MachineArn");
    let exec = sb.ok("states", "StartExecution", json!({ "stateMachineArn": machine, "input": "{}" }));
    for _ in 0..5 {
        sb.advance(1.0);
    }
    let d = sb.ok("states", "DescribeExecution", json!({ "executionArn": exec["executionArn"] }));
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(d["output"], "{\"msg\":\"hello\"}");
    let stream = sb.physical("mixed", "Events");
    let s = sb.ok("kinesis", "DescribeStreamSummary", json!({ "StreamName": stream }));
    assert_eq!(s["StreamDescriptionSummary"]["RetentionPeriodHours"], 48);
    assert_eq!(sb.output("mixed", "StreamArn"), s["StreamDescriptionSummary"]["StreamARN"].as_str().unwrap());
    let bucket = sb.physical("mixed", "Uploads");
    assert!(bucket.starts_with("mixed-uploads-"), "{bucket}");
    sb.ok("s3", "PutObject", json!({ "Bucket": bucket, "Key": "k", "Body": "aGk=" }));
    let pool = sb.physical("mixed", "Pool");
    let client = sb.physical("mixed", "PoolClient");
    let c = sb.ok("cognito-idp", "DescribeUserPoolClient", json!({ "UserPoolId": pool, "ClientId": client }));
    assert_eq!(c["UserPoolClient"]["ClientName"], "PoolClient");
    let ip = sb.physical("mixed", "Identities");
    let ipd = sb.ok("cognito-identity", "DescribeIdentityPool", json!({ "IdentityPoolId": ip }));
    assert_eq!(ipd["CognitoIdentityProviders"][0]["ProviderName"], format!("cognito-idp.us-east-1.amazonaws.com/{pool}"));
}

#[test]
fn rest_api_from_resources_methods_and_stage() {
    let mut sb = Sb::new();
    sb.create("pets", fixture("apigw"), json!([])).unwrap();
    assert_eq!(sb.settle("pets"), "CREATE_COMPLETE", "{:?}", sb.events("pets"));
    let api = sb.physical("pets", "Api");
    let out = sb.ok("execute-api", "Invoke", json!({ "restApiId": api, "stage": "prod", "httpMethod": "GET", "path": "/pets" }));
    assert_eq!(out["statusCode"], 200, "{out}");
    assert!(out["body"].as_str().unwrap().contains("dog"), "{out}");
    assert_eq!(sb.output("pets", "Url"), format!("https://{api}.execute-api.us-east-1.amazonaws.com/prod/pets"));
    sb.cf("DeleteStack", json!({ "StackName": "pets" })).unwrap();
    for _ in 0..40 {
        sb.advance(0.5);
    }
    assert!(sb.ok("apigateway", "GetRestApis", json!({})).get("item").is_none_or(|i| i.as_array().unwrap().is_empty()));
}

#[test]
fn a_failing_resource_rolls_the_stack_back() {
    let mut sb = Sb::new();
    let body = r#"
Resources:
  First:
    Type: AWS::SQS::Queue
  Broken:
    Type: AWS::DynamoDB::Table
    DependsOn: First
    Properties:
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: other, AttributeType: S}]
      BillingMode: PAY_PER_REQUEST
"#;
    sb.create("rb", body, json!([])).unwrap();
    assert_eq!(sb.settle("rb"), "ROLLBACK_COMPLETE");
    let events = sb.events("rb");
    let statuses: Vec<String> = events.iter().map(|(l, s)| format!("{l} {}", s.split(' ').next().unwrap())).collect();
    assert_eq!(
        statuses,
        [
            "rb CREATE_IN_PROGRESS",
            "First CREATE_IN_PROGRESS",
            "First CREATE_COMPLETE",
            "Broken CREATE_IN_PROGRESS",
            "Broken CREATE_FAILED",
            "rb ROLLBACK_IN_PROGRESS",
            "Broken DELETE_COMPLETE",
            "First DELETE_IN_PROGRESS",
            "First DELETE_COMPLETE",
            "rb ROLLBACK_COMPLETE"
        ]
    );
    let s = sb.stack("rb");
    assert!(s.get("StackStatusReason").is_none());
    let reason =
        sb.cf("DescribeStackEvents", json!({ "StackName": "rb" })).unwrap()["StackEvents"].as_array().unwrap().iter().find(|e| e["ResourceStatus"] == "CREATE_FAILED").unwrap()
            ["ResourceStatusReason"]
            .clone();
    assert!(reason.as_str().unwrap().contains("HandlerErrorCode: ValidationException"), "{reason}");
    assert!(sb.ok("sqs", "ListQueues", json!({})).get("QueueUrls").is_none_or(|q| q.as_array().unwrap().is_empty()));
    // A ROLLBACK_COMPLETE stack's name is still taken until it is deleted.
    assert_eq!(sb.create("rb", body, json!([])).unwrap_err().kind, "AlreadyExistsException");
    sb.cf("DeleteStack", json!({ "StackName": "rb" })).unwrap();
    assert_eq!(sb.settle("rb"), "DELETE_COMPLETE");
}

#[test]
fn templates_and_parameters_refused_with_cloudformation_messages() {
    let mut sb = Sb::new();
    let err = |sb: &mut Sb, body: &str, params: Value| sb.create("s", body, params).unwrap_err();
    let cycle = "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    DependsOn: B\n  B:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt A.QueueName\n";
    let e = err(&mut sb, cycle, json!([]));
    assert_eq!((e.kind.as_str(), e.message.as_str()), ("ValidationError", "Circular dependency between resources: [A, B]"));
    let e = err(&mut sb, "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Nope\n", json!([]));
    assert_eq!(e.message, "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template");
    let params = "Parameters:\n  Size:\n    Type: Number\n    MinValue: 2\n  Env:\n    Type: String\n    AllowedValues: [dev, prod]\n  Name:\n    Type: String\n    Default: ab\n    AllowedPattern: '[a-z]+'\n    MaxLength: 3\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n";
    assert_eq!(err(&mut sb, params, json!([])).message, "Parameters: [Size, Env] must have values");
    let p = |size: &str, env: &str, name: &str| json!([{"ParameterKey": "Size", "ParameterValue": size}, {"ParameterKey": "Env", "ParameterValue": env}, {"ParameterKey": "Name", "ParameterValue": name}]);
    assert_eq!(err(&mut sb, params, p("x", "dev", "ab")).message, "Parameter 'Size' must be a number.");
    assert_eq!(err(&mut sb, params, p("1", "dev", "ab")).message, "Parameter 'Size' must be a number not less than 2");
    assert_eq!(err(&mut sb, params, p("2", "test", "ab")).message, "Parameter 'Env' must be one of AllowedValues");
    assert_eq!(err(&mut sb, params, p("2", "dev", "AB")).message, "Parameter 'Name' must match pattern [a-z]+");
    assert_eq!(err(&mut sb, params, p("2", "dev", "abcd")).message, "Parameter 'Name' must contain at most 3 characters");
    let mut extra = p("2", "dev", "ab");
    extra.as_array_mut().unwrap().push(json!({"ParameterKey": "Zzz", "ParameterValue": "1"}));
    assert_eq!(err(&mut sb, params, extra).message, "Parameters: [Zzz] do not exist in the template");
    sb.create("s", params, p("2", "dev", "ab")).unwrap();
    // Capabilities.
    let role = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n";
    let e = sb.cf("CreateStack", json!({ "StackName": "r", "TemplateBody": role })).unwrap_err();
    assert_eq!((e.kind.as_str(), e.message.as_str()), ("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]"));
    let e = sb.cf("CreateStack", json!({ "StackName": "r", "TemplateBody": fixture("sam") })).unwrap_err();
    assert_eq!(e.message, "Requires capabilities : [CAPABILITY_AUTO_EXPAND]");
    // Shapes and names.
    assert!(sb.create("empty", "Resources: {}", json!([])).unwrap_err().message.contains("At least one Resources member must be defined"));
    assert!(sb.cf("CreateStack", json!({ "StackName": "1bad", "TemplateBody": role })).unwrap_err().message.contains("[a-zA-Z][-a-zA-Z0-9]*"));
    assert_eq!(sb.cf("CreateStack", json!({ "StackName": "x" })).unwrap_err().message, "Either Template URL or Template Body must be specified.");
    assert_eq!(sb.cf("DescribeStacks", json!({ "StackName": "ghost" })).unwrap_err().message, "Stack with id ghost does not exist");
    sb.cf("DeleteStack", json!({ "StackName": "ghost" })).unwrap();
    let v = sb.cf("ValidateTemplate", json!({ "TemplateBody": params })).unwrap();
    assert_eq!(v["Parameters"][2], json!({ "ParameterKey": "Name", "NoEcho": false, "DefaultValue": "ab" }));
    let v = sb.cf("ValidateTemplate", json!({ "TemplateBody": role })).unwrap();
    assert_eq!(v["Capabilities"], json!(["CAPABILITY_IAM"]));
}

#[test]
fn a_reload_in_the_middle_of_a_creation_carries_on() {
    let mut sb = Sb::new();
    sb.create("hello", fixture("sam"), json!([])).unwrap();
    sb.advance(0.5);
    let records = sb.e.snapshot();
    let mut e = Engine::restore(EngineConfig::default(), T0, records).expect("restore");
    e.set_runtime(sb.runtime.clone());
    sb.e = e;
    assert_eq!(sb.settle("hello"), "CREATE_COMPLETE", "{:?}", sb.events("hello"));
    let events = sb.events("hello");
    assert_eq!(events.iter().filter(|(_, s)| s == "CREATE_COMPLETE").count(), sb.resources("hello").len() + 1);
}

#[test]
fn a_create_change_set_is_reviewed_then_executed() {
    let mut sb = Sb::new();
    let body = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n";
    let cs = sb.cf("CreateChangeSet", json!({ "StackName": "cs", "ChangeSetName": "first", "ChangeSetType": "CREATE", "TemplateBody": body })).unwrap();
    sb.ids.insert("cs".into(), cs["StackId"].as_str().unwrap().to_string());
    assert_eq!(sb.stack("cs")["StackStatus"], "REVIEW_IN_PROGRESS");
    let d = sb.cf("DescribeChangeSet", json!({ "ChangeSetName": cs["Id"] })).unwrap();
    assert_eq!((d["Status"].as_str(), d["ExecutionStatus"].as_str()), (Some("CREATE_COMPLETE"), Some("AVAILABLE")));
    assert_eq!(d["Changes"][0]["ResourceChange"], json!({ "Action": "Add", "LogicalResourceId": "Q", "ResourceType": "AWS::SQS::Queue", "Scope": [], "Details": [] }));
    assert_eq!(sb.cf("DescribeChangeSet", json!({ "ChangeSetName": "nope", "StackName": "cs" })).unwrap_err().kind, "ChangeSetNotFound");
    let e = sb.cf("CreateChangeSet", json!({ "StackName": "cs", "ChangeSetName": "u", "TemplateBody": body })).unwrap_err();
    assert!(e.message.contains("not simulated"), "{}", e.message);
    sb.cf("ExecuteChangeSet", json!({ "ChangeSetName": "first", "StackName": "cs" })).unwrap();
    assert_eq!(sb.settle("cs"), "CREATE_COMPLETE");
    let d = sb.cf("DescribeChangeSet", json!({ "ChangeSetName": cs["Id"] })).unwrap();
    assert_eq!(d["ExecutionStatus"], "EXECUTE_COMPLETE");
    assert_eq!(sb.cf("ExecuteChangeSet", json!({ "ChangeSetName": cs["Id"] })).unwrap_err().kind, "InvalidChangeSetStatus");
}

#[test]
fn code_from_a_zip_in_s3_through_codeuri() {
    let mut sb = Sb::new();
    sb.ok("s3", "CreateBucket", json!({ "Bucket": "artifacts" }));
    let files = [("app.js".to_string(), b"exports.handler = async () => 1;".to_vec())].into_iter().collect();
    let zip = crate::services::lambda::code::zip(&files);
    use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
    sb.ok("s3", "PutObject", json!({ "Bucket": "artifacts", "Key": "fn.zip", "Body": B64.encode(&zip) }));
    let body = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n      Handler: app.handler\n      CodeUri: s3://artifacts/fn.zip\n";
    sb.create("zip", body, json!([])).unwrap();
    assert_eq!(sb.settle("zip"), "CREATE_COMPLETE", "{:?}", sb.events("zip"));
    let name = sb.physical("zip", "Fn");
    let f = sb.ok("lambda", "GetFunction", json!({ "FunctionName": name }));
    assert_eq!(f["Configuration"]["CodeSha256"], crate::services::lambda::code::sha256_base64(&zip));
    // A missing object fails the function and rolls the stack back.
    sb.create("nozip", &body.replace("fn.zip", "missing.zip"), json!([])).unwrap();
    assert_eq!(sb.settle("nozip"), "ROLLBACK_COMPLETE");
    let bad = sb.create("local", &body.replace("s3://artifacts/fn.zip", "./src"), json!([])).unwrap_err();
    assert!(bad.message.contains("not a valid S3 Uri"), "{}", bad.message);
}

/// Junk templates get CloudFormation's errors (at CreateStack, or as a failed resource), never a
/// panic.
#[test]
fn junk_templates_never_panic() {
    let mut sb = Sb::new();
    let junk = [
        "",
        "null",
        "Resources: 5",
        "Resources:\n  A: 5\n",
        "Resources:\n  A:\n    Type: 7\n",
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: [1]\n",
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    DependsOn: [1, {}]\n",
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Condition: Nope\n",
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Select [x, [1]]\n",
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Join [1, 2]\n",
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub [1, 2, 3]\n",
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub '${'\n",
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !FindInMap [a, b, c]\n",
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt A\n",
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {'Fn::GetAtt': [1, 2]}\n",
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {'Fn::If': [1, 2, 3]}\n",
        "Conditions:\n  C: !Equals [1]\nResources:\n  A:\n    Type: AWS::SQS::Queue\n",
        "Conditions:\n  C: !Condition D\n  D: !Condition C\nResources:\n  A:\n    Type: AWS::SQS::Queue\n",
        "Parameters:\n  P:\n    Type: Bogus\nResources:\n  A:\n    Type: AWS::SQS::Queue\n",
        "Parameters:\n  P:\n    Type: String\n    Default: a\n    AllowedPattern: '(['\nResources:\n  A:\n    Type: AWS::SQS::Queue\n",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events: 5\n",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      InlineCode: x\n      Events:\n        E: {Type: Api, Properties: {Path: 1}}\n",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      InlineCode: x\n      Policies: [{Nope: {}}]\n",
        "Transform: AWS::Serverless-2016-10-31\nGlobals: 5\nResources:\n  F:\n    Type: AWS::Serverless::SimpleTable\n",
        "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema: 5\n",
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: {ZipFile: 5}\n",
        "Resources:\n  M:\n    Type: AWS::ApiGateway::Method\n    Properties:\n      MethodResponses: [1]\n",
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies: [5]\n      AssumeRolePolicyDocument: 5\n",
        "{\"Resources\": {\"A\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {\"QueueName\": {\"Fn::Base64\": [1]}}}}}",
    ];
    for (i, body) in junk.iter().enumerate() {
        let name = format!("junk{i}");
        match sb.create(&name, body, json!([])) {
            Err(e) => assert!(e.status == 400, "{body}: {e:?}"),
            Ok(_) => {
                let status = sb.settle(&name);
                assert!(["CREATE_COMPLETE", "ROLLBACK_COMPLETE"].contains(&status.as_str()), "{body}: {status}");
            }
        }
    }
}
