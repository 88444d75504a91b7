//! IAM enforcement through the engine's door: sessions and users checked against their policies.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{json, Value};

use super::Credentials;
use crate::kernel::runtime::{AwsDoor, CodeRuntime, InvokeJob, InvokeOutcome, InvokeResult};
use crate::{AwsError, Engine, EngineConfig, Request};

const T0: i64 = 1_795_608_000_000;
const ACCOUNT: &str = "123456789012";

fn trust() -> String {
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root","Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        .into()
}

struct Sb {
    e: Engine,
    now: i64,
}

impl Sb {
    fn new() -> Self {
        let mut sb = Sb { e: Engine::new(EngineConfig::default(), T0), now: T0 };
        for t in ["TabA", "TabB"] {
            sb.ok(
                "dynamodb",
                "CreateTable",
                json!({"TableName": t, "BillingMode": "PAY_PER_REQUEST", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}),
            );
        }
        sb.now += 2_000;
        sb.e.tick(sb.now);
        sb
    }

    fn call_as(&mut self, key: Option<&str>, service: &str, op: &str, input: Value) -> Result<Value, AwsError> {
        let req = Request::new(service, op, "us-east-1", input).signed(key.map(|k| Credentials::AccessKey(k.to_string())));
        self.e.call(self.now, &req)
    }

    fn ok(&mut self, service: &str, op: &str, input: Value) -> Value {
        self.call_as(None, service, op, input.clone()).unwrap_or_else(|e| panic!("{op} {input}: {e}"))
    }

    /// A role with these inline policy statements, assumed: the session's access key id.
    fn session(&mut self, role: &str, statements: Value, session_policy: Option<Value>) -> String {
        self.ok("iam", "CreateRole", json!({"RoleName": role, "AssumeRolePolicyDocument": trust()}));
        if statements != json!([]) {
            let doc = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
            self.ok("iam", "PutRolePolicy", json!({"RoleName": role, "PolicyName": "p", "PolicyDocument": doc}));
        }
        let mut input = json!({"RoleArn": format!("arn:aws:iam::{ACCOUNT}:role/{role}"), "RoleSessionName": "ss"});
        if let Some(p) = session_policy {
            input["Policy"] = json!(p.to_string());
        }
        let out = self.ok("sts", "AssumeRole", input);
        out["Credentials"]["AccessKeyId"].as_str().unwrap().to_string()
    }
}

fn get(table: &str, pk: &str) -> Value {
    json!({"TableName": table, "Key": {"pk": {"S": pk}}})
}

#[test]
fn a_role_may_read_one_table_and_not_another() {
    let mut sb = Sb::new();
    let key = sb.session("reader", json!([{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/TabA"}]), None);
    sb.call_as(Some(&key), "dynamodb", "GetItem", get("TabA", "x")).unwrap();
    let e = sb.call_as(Some(&key), "dynamodb", "GetItem", get("TabB", "x")).unwrap_err();
    assert_eq!(e.kind, "AccessDeniedException");
    assert_eq!(e.full_type(), "com.amazon.coral.service#AccessDeniedException");
    assert_eq!(e.status, 400);
    assert_eq!(
        e.message,
        "User: arn:aws:sts::123456789012:assumed-role/reader/ss is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/TabB because no identity-based policy allows the dynamodb:GetItem action"
    );
    let e = sb.call_as(Some(&key), "dynamodb", "PutItem", json!({"TableName": "TabA", "Item": {"pk": {"S": "x"}}})).unwrap_err();
    assert!(e.message.contains("dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/TabA"), "{}", e.message);
    // The same call unsigned (or signed with the test key) is the root user's.
    sb.call_as(None, "dynamodb", "PutItem", json!({"TableName": "TabB", "Item": {"pk": {"S": "x"}}})).unwrap();
    sb.call_as(Some("test"), "dynamodb", "GetItem", get("TabB", "x")).unwrap();
    // Nothing was written by the denied PutItem.
    assert_eq!(sb.ok("dynamodb", "GetItem", get("TabA", "x")), json!({}));
    // The session's identity.
    let id = sb.call_as(Some(&key), "sts", "GetCallerIdentity", json!({})).unwrap();
    assert_eq!(id["Arn"], "arn:aws:sts::123456789012:assumed-role/reader/ss");
    assert!(id["UserId"].as_str().unwrap().starts_with("AROA") && id["UserId"].as_str().unwrap().ends_with(":ss"));
}

#[test]
fn an_explicit_deny_wins_and_session_policies_narrow() {
    let mut sb = Sb::new();
    let all = json!([
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem"], "Resource": "arn:aws:dynamodb:*:*:table/TabB"}
    ]);
    let key = sb.session("ops", all, None);
    sb.call_as(Some(&key), "dynamodb", "GetItem", get("TabA", "x")).unwrap();
    let e = sb.call_as(Some(&key), "dynamodb", "GetItem", get("TabB", "x")).unwrap_err();
    assert!(e.message.ends_with("on resource: arn:aws:dynamodb:us-east-1:123456789012:table/TabB with an explicit deny in an identity-based policy"), "{}", e.message);
    // A session policy allowing only Scan leaves the role's GetItem out.
    let narrow = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": "*"}]});
    let out = sb.ok("sts", "AssumeRole", json!({"RoleArn": "arn:aws:iam::123456789012:role/ops", "RoleSessionName": "narrow", "Policy": narrow.to_string()}));
    let key = out["Credentials"]["AccessKeyId"].as_str().unwrap();
    sb.call_as(Some(key), "dynamodb", "Scan", json!({"TableName": "TabA"})).unwrap();
    let e = sb.call_as(Some(key), "dynamodb", "GetItem", get("TabA", "x")).unwrap_err();
    assert!(e.message.ends_with("because no session policy allows the dynamodb:GetItem action"), "{}", e.message);
    // Policies change take effect on the next call (the parsed-policy cache is dropped).
    sb.ok("iam", "DeleteRolePolicy", json!({"RoleName": "ops", "PolicyName": "p"}));
    assert_eq!(sb.call_as(Some(key), "dynamodb", "Scan", json!({"TableName": "TabA"})).unwrap_err().kind, "AccessDeniedException");
}

#[test]
fn leading_keys_keep_each_user_to_their_own_partition() {
    let mut sb = Sb::new();
    // The seed's fine-grained pattern, with the web identity's `sub` as a session context key.
    let statements = json!([{
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchWriteItem"],
        "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/TabA",
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}}
    }]);
    let key = sb.session("web", statements, None);
    sb.e.sts_mut().unwrap().sessions.get_mut(&key).unwrap().context = vec![("cognito-identity.amazonaws.com:sub".into(), vec!["us-east-1:alice".into()])];
    let put = |pk: &str| json!({"TableName": "TabA", "Item": {"pk": {"S": pk}, "v": {"N": "1"}}});
    sb.call_as(Some(&key), "dynamodb", "PutItem", put("us-east-1:alice")).unwrap();
    sb.call_as(Some(&key), "dynamodb", "GetItem", get("TabA", "us-east-1:alice")).unwrap();
    assert_eq!(sb.call_as(Some(&key), "dynamodb", "PutItem", put("us-east-1:bob")).unwrap_err().kind, "AccessDeniedException");
    assert_eq!(sb.call_as(Some(&key), "dynamodb", "GetItem", get("TabA", "us-east-1:bob")).unwrap_err().kind, "AccessDeniedException");
    let query = |pk: &str| json!({"TableName": "TabA", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": pk}}});
    assert_eq!(sb.call_as(Some(&key), "dynamodb", "Query", query("us-east-1:alice")).unwrap()["Count"], 1);
    assert_eq!(sb.call_as(Some(&key), "dynamodb", "Query", query("us-east-1:bob")).unwrap_err().kind, "AccessDeniedException");
    let batch = json!({"RequestItems": {"TabA": [{"PutRequest": {"Item": {"pk": {"S": "us-east-1:alice"}}}}, {"PutRequest": {"Item": {"pk": {"S": "us-east-1:bob"}}}}]}});
    assert_eq!(sb.call_as(Some(&key), "dynamodb", "BatchWriteItem", batch).unwrap_err().kind, "AccessDeniedException");
}

#[test]
fn unknown_and_expired_keys_get_each_protocols_error() {
    let mut sb = Sb::new();
    let unknown = "ASIAAAAAAAAAAAAAAAAA";
    let e = sb.call_as(Some(unknown), "dynamodb", "ListTables", json!({})).unwrap_err();
    assert_eq!((e.kind.as_str(), e.message.as_str(), e.status), ("UnrecognizedClientException", "The security token included in the request is invalid.", 400));
    assert_eq!(sb.call_as(Some(unknown), "iam", "ListRoles", json!({})).unwrap_err().kind, "InvalidClientTokenId");
    let e = sb.call_as(Some("AKIAAAAAAAAAAAAAAAAA"), "s3", "ListBuckets", json!({})).unwrap_err();
    assert_eq!((e.kind.as_str(), e.status), ("InvalidAccessKeyId", 403));
    let key = sb.session("short", json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]), None);
    sb.call_as(Some(&key), "dynamodb", "ListTables", json!({})).unwrap();
    sb.now += 3_600_000;
    let e = sb.call_as(Some(&key), "dynamodb", "ListTables", json!({})).unwrap_err();
    assert_eq!((e.kind.as_str(), e.message.as_str()), ("ExpiredTokenException", "The security token included in the request is expired"));
    assert_eq!(sb.call_as(Some(&key), "sts", "GetCallerIdentity", json!({})).unwrap_err().kind, "ExpiredToken");
}

#[test]
fn iam_users_sign_with_their_access_keys_and_get_their_groups_policies() {
    let mut sb = Sb::new();
    sb.ok("iam", "CreateUser", json!({"UserName": "alice"}));
    let out = sb.ok("iam", "CreateAccessKey", json!({"UserName": "alice"}));
    let key = out["AccessKey"]["AccessKeyId"].as_str().unwrap().to_string();
    assert!(key.starts_with("AKIA") && key.len() == 20);
    assert_eq!(out["AccessKey"]["SecretAccessKey"].as_str().unwrap().len(), 40);
    assert_eq!(out["AccessKey"]["Status"], "Active");
    let id = sb.call_as(Some(&key), "sts", "GetCallerIdentity", json!({})).unwrap();
    assert_eq!(id["Arn"], "arn:aws:iam::123456789012:user/alice");
    // No policy yet: denied; through a group's policy: allowed.
    let e = sb.call_as(Some(&key), "sqs", "ListQueues", json!({})).unwrap_err();
    assert_eq!((e.kind.as_str(), e.status, e.query_code()), ("AccessDeniedException", 403, Some("AccessDenied")));
    sb.ok("iam", "CreateGroup", json!({"GroupName": "devs"}));
    sb.ok("iam", "AddUserToGroup", json!({"GroupName": "devs", "UserName": "alice"}));
    sb.ok("iam", "AttachGroupPolicy", json!({"GroupName": "devs", "PolicyArn": "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"}));
    sb.call_as(Some(&key), "sqs", "ListQueues", json!({})).unwrap();
    // The user lists their own keys without naming themselves, once allowed to.
    assert_eq!(sb.call_as(Some(&key), "iam", "ListAccessKeys", json!({})).unwrap_err().kind, "AccessDenied");
    let own = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "arn:aws:iam::*:user/${aws:username}"}]}).to_string();
    sb.ok("iam", "PutUserPolicy", json!({"UserName": "alice", "PolicyName": "own", "PolicyDocument": own}));
    let list = sb.call_as(Some(&key), "iam", "ListAccessKeys", json!({})).unwrap();
    assert_eq!(list["AccessKeyMetadata"][0]["AccessKeyId"], key.as_str());
    assert_eq!(sb.call_as(Some(&key), "iam", "ListAccessKeys", json!({"UserName": "bob"})).unwrap_err().kind, "AccessDenied");
    // Limits and deletion.
    sb.ok("iam", "CreateAccessKey", json!({"UserName": "alice"}));
    assert_eq!(sb.call_as(None, "iam", "CreateAccessKey", json!({"UserName": "alice"})).unwrap_err().message, "Cannot exceed quota for AccessKeysPerUser: 2");
    assert_eq!(sb.call_as(None, "iam", "DeleteUser", json!({"UserName": "alice"})).unwrap_err().kind, "DeleteConflict");
    sb.ok("iam", "UpdateAccessKey", json!({"UserName": "alice", "AccessKeyId": key, "Status": "Inactive"}));
    assert_eq!(sb.call_as(Some(&key), "sqs", "ListQueues", json!({})).unwrap_err().kind, "UnrecognizedClientException");
    sb.ok("iam", "DeleteAccessKey", json!({"UserName": "alice", "AccessKeyId": key}));
    assert_eq!(sb.call_as(None, "iam", "DeleteAccessKey", json!({"UserName": "alice", "AccessKeyId": key})).unwrap_err().kind, "NoSuchEntity");
}

#[test]
fn an_sqs_queue_policy_grants_to_a_role_without_identity_policies() {
    let mut sb = Sb::new();
    let url = sb.ok("sqs", "CreateQueue", json!({"QueueName": "jobs"}))["QueueUrl"].as_str().unwrap().to_string();
    let key = sb.session("producer", json!([]), None);
    let send = json!({"QueueUrl": url, "MessageBody": "hi"});
    let e = sb.call_as(Some(&key), "sqs", "SendMessage", send.clone()).unwrap_err();
    assert!(e.message.contains("sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:jobs"), "{}", e.message);
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/producer"}, "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs"}]});
    sb.ok("sqs", "SetQueueAttributes", json!({"QueueUrl": url, "Attributes": {"Policy": policy.to_string()}}));
    sb.call_as(Some(&key), "sqs", "SendMessage", send).unwrap();
    // SendMessageBatch is authorized as sqs:SendMessage.
    sb.call_as(Some(&key), "sqs", "SendMessageBatch", json!({"QueueUrl": url, "Entries": [{"Id": "1", "MessageBody": "x"}]})).unwrap();
    assert_eq!(sb.call_as(Some(&key), "sqs", "ReceiveMessage", json!({"QueueUrl": url})).unwrap_err().kind, "AccessDeniedException");
}

#[test]
fn s3_actions_and_denials() {
    let mut sb = Sb::new();
    sb.ok("s3", "CreateBucket", json!({"Bucket": "data"}));
    sb.ok("s3", "PutObject", json!({"Bucket": "data", "Key": "public/a.txt", "Body": "aGk="}));
    let key =
        sb.session("reader", json!([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/public/*"]}]), None);
    sb.call_as(Some(&key), "s3", "ListObjectsV2", json!({"Bucket": "data"})).unwrap();
    sb.call_as(Some(&key), "s3", "HeadObject", json!({"Bucket": "data", "Key": "public/a.txt"})).unwrap();
    let e = sb.call_as(Some(&key), "s3", "PutObject", json!({"Bucket": "data", "Key": "public/b.txt", "Body": ""})).unwrap_err();
    assert_eq!((e.kind.as_str(), e.message.as_str(), e.status), ("AccessDenied", "Access Denied", 403));
    assert_eq!(sb.call_as(Some(&key), "s3", "GetObject", json!({"Bucket": "data", "Key": "private/x"})).unwrap_err().kind, "AccessDenied");
}

/// Code that puts an item through the door, as the function's SDK would.
#[derive(Default)]
struct PutRuntime {
    seen: Mutex<Vec<Result<Value, AwsError>>>,
}

impl CodeRuntime for PutRuntime {
    fn invoke(&self, job: &InvokeJob, aws: &mut AwsDoor<'_>) -> InvokeResult {
        let r = aws("dynamodb", "PutItem", json!({"TableName": "TabA", "Item": {"pk": {"S": job.function_name}}}));
        let outcome = match &r {
            Ok(_) => InvokeOutcome::Ok(b"\"ok\"".to_vec()),
            Err(e) => InvokeOutcome::Error { error_type: e.kind.clone(), error_message: e.message.clone(), trace: vec![] },
        };
        let who = aws("sts", "GetCallerIdentity", json!({}));
        self.seen.lock().unwrap().push(r);
        self.seen.lock().unwrap().push(who);
        InvokeResult { outcome, logs: vec![], init_logs: vec![], init_ms: Some(1.0), duration_ms: 1.0, max_memory_mb: 64 }
    }
    fn discard(&self, _environment: &str) {}
    fn discard_all(&self) {}
}

#[test]
fn lambda_code_runs_as_its_execution_role() {
    let mut sb = Sb::new();
    let runtime = Arc::new(PutRuntime::default());
    sb.e.set_runtime(runtime.clone());
    sb.session("fn-reader", json!([{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]), None);
    let files = [("index.mjs".to_string(), b"export const handler = async () => 1;".to_vec())].into_iter().collect();
    let zip = base64::engine::general_purpose::STANDARD.encode(crate::services::lambda::code::zip(&files));
    for (name, role) in [("strict", "arn:aws:iam::123456789012:role/fn-reader"), ("legacy", "arn:aws:iam::123456789012:role/not-in-iam")] {
        sb.ok("lambda", "CreateFunction", json!({"FunctionName": name, "Runtime": "nodejs22.x", "Role": role, "Handler": "index.handler", "Code": {"ZipFile": zip}}));
    }
    sb.now += 5_000;
    sb.e.tick(sb.now);
    let out = sb.ok("lambda", "Invoke", json!({"FunctionName": "strict", "Payload": "e30="}));
    assert_eq!(out["FunctionError"], "Unhandled", "{out}");
    let seen = std::mem::take(&mut *runtime.seen.lock().unwrap());
    let e = seen[0].clone().unwrap_err();
    assert_eq!(
        e.message,
        "User: arn:aws:sts::123456789012:assumed-role/fn-reader/strict is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/TabA because no identity-based policy allows the dynamodb:PutItem action"
    );
    assert_eq!(seen[1].clone().unwrap()["Arn"], "arn:aws:sts::123456789012:assumed-role/fn-reader/strict");
    // A role IAM does not know is not checked (the compatibility rule): the code runs as root.
    let out = sb.ok("lambda", "Invoke", json!({"FunctionName": "legacy", "Payload": "e30="}));
    assert!(out.get("FunctionError").is_none(), "{out}");
    let seen = std::mem::take(&mut *runtime.seen.lock().unwrap());
    assert_eq!(seen[1].clone().unwrap()["Arn"], "arn:aws:iam::123456789012:root");
}
