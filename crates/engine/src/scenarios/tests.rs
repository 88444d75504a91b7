//! Each scenario loads, loads again without failing, and shows what it teaches. The scenarios
//! with Lambda functions run their code in `crates/js/tests/scenarios.rs` (the real runtime);
//! here their wiring is checked.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use super::{apis, dynamodb, texts::TEXTS, workflows};
use crate::{kernel::authz::Credentials, AwsError, Engine, EngineConfig, Request};

const H: i64 = 1_000_000;
const REGION: &str = "us-east-1";

struct Sb {
    e: Engine,
}

impl Sb {
    fn new() -> Self {
        let mut e = Engine::new(EngineConfig::default(), H);
        e.control(H, "PauseClock", &json!({})).unwrap();
        Sb { e }
    }

    fn load(&mut self, id: &str) -> Value {
        self.e.control(H, "LoadScenario", &json!({ "Id": id })).unwrap_or_else(|e| panic!("scenario {id}: {} {}", e.kind, e.message))
    }

    fn call_in(&mut self, region: &str, service: &str, op: &str, input: Value) -> Result<Value, AwsError> {
        self.e.call(H, &Request::new(service, op, region, input))
    }

    fn ok(&mut self, service: &str, op: &str, input: Value) -> Value {
        self.call_in(REGION, service, op, input).unwrap_or_else(|e| panic!("{service}.{op}: {} {}", e.kind, e.message))
    }

    fn advance(&mut self, seconds: f64) {
        self.e.control(H, "AdvanceClock", &json!({ "seconds": seconds })).unwrap();
    }

    fn count(&mut self, region: &str, table: &str) -> u64 {
        self.call_in(region, "dynamodb", "Scan", json!({ "TableName": table, "Select": "COUNT", "ConsistentRead": true })).unwrap()["Count"].as_u64().unwrap()
    }

    fn invoke(&mut self, api: &str, stage: &str, method: &str, path: &str, headers: Value, body: Option<&str>) -> (u64, String) {
        let mut input = json!({ "restApiId": api, "stage": stage, "httpMethod": method, "path": path, "headers": headers });
        if let Some(b) = body {
            input["body"] = json!(b);
        }
        let out = self.ok("execute-api", "Invoke", input);
        (out["statusCode"].as_u64().unwrap_or(0), out["body"].as_str().unwrap_or("").to_string())
    }
}

#[test]
fn scenario_list_names_every_scenario_and_each_loads_twice_in_one_sandbox() {
    let mut sb = Sb::new();
    let list = sb.e.control(H, "ListScenarios", &json!({})).unwrap();
    let ids: Vec<&str> = list["Scenarios"].as_array().unwrap().iter().map(|s| s["Id"].as_str().unwrap()).collect();
    assert_eq!(ids, TEXTS.iter().map(|t| t.id).collect::<Vec<_>>());
    for t in TEXTS {
        assert!(!t.teaches.contains('{') && !t.title.contains('{'), "the gallery shows these before loading: {}", t.id);
        let first = sb.load(t.id);
        assert!(!first["Created"].as_array().unwrap().is_empty(), "{}: {first}", t.id);
        assert!(first["Route"].as_str().unwrap().starts_with("#/"), "{first}");
        assert!(!first["Route"].as_str().unwrap().contains('{') && !first["TryNow"].as_str().unwrap().contains("{ApiId}"), "every placeholder filled: {first}");
        let second = sb.load(t.id);
        assert!(!second["Reused"].as_array().unwrap().is_empty(), "{}: the second load reuses: {second}", t.id);
    }
    // Loading again made no second API.
    let apis = sb.ok("apigateway", "GetRestApis", json!({}));
    assert_eq!(apis["item"].as_array().unwrap().len(), 4, "{apis}");
}

#[test]
fn scenario_bad_requests_are_errors() {
    let mut sb = Sb::new();
    for (input, message) in [
        (json!({}), "'Id' is required"),
        (json!({ "Id": 7 }), "'Id' is required"),
        (json!({ "Id": "nope" }), "No scenario 'nope'"),
        (json!({ "Id": "scores", "Region": "mars-1" }), "'mars-1' is not a region"),
    ] {
        let e = sb.e.control(H, "LoadScenario", &input).unwrap_err();
        assert_eq!(e.kind, "ValidationException");
        assert!(e.message.contains(message), "{}", e.message);
    }
}

#[test]
fn scenario_scores_queries_one_players_games_in_sort_key_order() {
    let mut sb = Sb::new();
    let out = sb.load("scores");
    assert_eq!(out["Route"], "#/tables/Scores/query");
    let q = sb.ok("dynamodb", "Query", json!({ "TableName": "Scores", "KeyConditionExpression": "Player = :p", "ExpressionAttributeValues": { ":p": { "S": "ada" } } }));
    let games: Vec<&str> = q["Items"].as_array().unwrap().iter().map(|i| i["Game"]["S"].as_str().unwrap()).collect();
    assert_eq!(games, ["Asteroids", "Galaga", "Pac-Man", "Tetris"]);
    assert_eq!(q["Items"][1]["Note"]["S"], "personal best", "attributes are free per item");
    assert_eq!(sb.count(REGION, "Scores"), dynamodb::SCORES.len() as u64);
}

#[test]
fn scenario_capacity_throttles_the_provisioned_table_only() {
    let mut sb = Sb::new();
    sb.load("capacity");
    sb.advance(300.0);
    let control = |sb: &mut Sb, t: &str| sb.e.control(H, "dynamodb:DescribeLoad", &json!({ "TableName": t })).unwrap()["Load"].clone();
    let p = control(&mut sb, "OrdersProvisioned");
    let d = control(&mut sb, "OrdersOnDemand");
    assert!(p["Throttled"].as_u64().unwrap() > 0, "{p}");
    assert_eq!(d["Throttled"], 0, "{d}");
    assert!(d["Succeeded"].as_u64().unwrap() >= 290 * dynamodb::CAPACITY_RPS as u64, "{d}");
}

#[test]
fn scenario_dax_answers_the_second_read_from_its_cache() {
    let mut sb = Sb::new();
    sb.load("dax");
    let svc = format!("dax:{}", dynamodb::DAX_CLUSTER);
    let key = json!({ "TableName": "Products", "Key": { "id": { "S": "p07" } } });
    for expected in ["MISS", "HIT"] {
        let item = sb.ok(&svc, "GetItem", key.clone());
        assert_eq!(item["Item"]["name"]["S"], "Product 7");
        let log = sb.e.control(H, "dax:ListRequests", &json!({ "ClusterName": dynamodb::DAX_CLUSTER })).unwrap();
        assert_eq!(log["Requests"][0]["Outcome"], expected, "{log}");
    }
}

#[test]
fn scenario_welcome_email_wires_the_stream_to_the_function_and_ses() {
    let mut sb = Sb::new();
    let out = sb.load("welcome-email");
    let m = sb.ok("lambda", "ListEventSourceMappings", json!({ "FunctionName": dynamodb::WELCOME_FUNCTION }));
    assert_eq!(m["EventSourceMappings"].as_array().unwrap().len(), 1);
    assert_eq!(m["EventSourceMappings"][0]["EventSourceArn"], out["Details"]["Stream"]);
    assert_eq!(m["EventSourceMappings"][0]["State"], "Enabled");
    assert_eq!(sb.ok("email", "GetEmailIdentity", json!({ "EmailIdentity": dynamodb::WELCOME_DOMAIN }))["VerifiedForSendingStatus"], true);
    sb.load("welcome-email");
    let m = sb.ok("lambda", "ListEventSourceMappings", json!({ "FunctionName": dynamodb::WELCOME_FUNCTION }));
    assert_eq!(m["EventSourceMappings"].as_array().unwrap().len(), 1, "no second trigger, so no second email");
}

#[test]
fn scenario_sessions_expire_and_ttl_deletes_them() {
    let mut sb = Sb::new();
    sb.load("sessions-ttl");
    assert_eq!(sb.count(REGION, "Sessions"), 5);
    sb.advance(600.0);
    assert_eq!(sb.count(REGION, "Sessions"), 3, "the two expired sessions are deleted");
    sb.advance((dynamodb::SESSION_HOURS * 3600) as f64);
    assert_eq!(sb.count(REGION, "Sessions"), 0, "two hours later the live ones have expired too");
}

#[test]
fn scenario_global_table_replicates_both_ways() {
    let mut sb = Sb::new();
    let out = sb.load("global-table");
    let other = dynamodb::replica_region(REGION);
    assert_eq!(out["Details"]["ReplicaRegion"], other);
    assert_eq!(sb.count(other, "Profiles"), 3, "the sample items reached the replica");
    sb.call_in(other, "dynamodb", "PutItem", json!({ "TableName": "Profiles", "Item": { "UserId": { "S": "jisoo" }, "City": { "S": "Busan" } } })).unwrap();
    sb.advance(2.0);
    let got = sb.ok("dynamodb", "GetItem", json!({ "TableName": "Profiles", "Key": { "UserId": { "S": "jisoo" } } }));
    assert_eq!(got["Item"]["City"]["S"], "Busan");
}

#[test]
fn scenario_pitr_restores_the_deleted_accounts() {
    let mut sb = Sb::new();
    let out = sb.load("pitr-restore");
    assert_eq!(sb.count(REGION, "Accounts"), 2);
    let at = out["Details"]["RestoreToEpoch"].as_f64().unwrap();
    sb.ok("dynamodb", "RestoreTableToPointInTime", json!({ "SourceTableName": "Accounts", "TargetTableName": "Accounts-restored", "RestoreDateTime": at }));
    sb.advance(60.0);
    assert_eq!(sb.count(REGION, "Accounts-restored"), dynamodb::ACCOUNTS as u64);
}

#[test]
fn scenario_export_is_queried_with_athena() {
    let mut sb = Sb::new();
    let out = sb.load("export-athena");
    let location = out["Details"]["ExportLocation"].as_str().unwrap().to_string();
    let bucket = out["Details"]["Bucket"].as_str().unwrap().to_string();
    let q = sb.ok(
        "athena",
        "StartQueryExecution",
        json!({ "QueryString": format!("SELECT region, COUNT(*) AS n FROM \"{location}\" GROUP BY region ORDER BY region"), "ResultConfiguration": { "OutputLocation": format!("s3://{bucket}/results/") } }),
    );
    let id = q["QueryExecutionId"].as_str().unwrap();
    let x = sb.ok("athena", "GetQueryExecution", json!({ "QueryExecutionId": id }));
    assert_eq!(x["QueryExecution"]["Status"]["State"], "SUCCEEDED", "{x}");
    let r = sb.ok("athena", "GetQueryResults", json!({ "QueryExecutionId": id }));
    let rows: Vec<Vec<String>> = r["ResultSet"]["Rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Data"].as_array().unwrap().iter().map(|d| d["VarCharValue"].as_str().unwrap_or("").to_string()).collect())
        .collect();
    // The query the "try now" text suggests runs too.
    let sql = out["TryNow"].as_str().unwrap().split(": ").nth(1).unwrap().trim_end_matches('.').to_string();
    let q = sb.ok("athena", "StartQueryExecution", json!({ "QueryString": sql, "ResultConfiguration": { "OutputLocation": format!("s3://{bucket}/results/") } }));
    let x = sb.ok("athena", "GetQueryExecution", json!({ "QueryExecutionId": q["QueryExecutionId"] }));
    assert_eq!(x["QueryExecution"]["Status"]["State"], "SUCCEEDED", "{sql}: {x}");
    assert_eq!(rows, [["region", "n"], ["east", "10"], ["north", "10"], ["south", "10"], ["west", "10"]].map(|r| r.map(String::from).to_vec()));
}

#[test]
fn scenario_import_logs_the_bad_line_and_keeps_the_good_ones() {
    let mut sb = Sb::new();
    let out = sb.load("import-s3");
    assert_eq!(out["Details"]["ErrorCount"], 1, "{out}");
    assert_eq!(out["Details"]["ImportStatus"], "FAILED", "errors end the import FAILED, as AWS does: {out}");
    // The lines before the bad one are in; AWS abandons the rest of an object after a bad record.
    assert_eq!(sb.count(REGION, "Customers"), 3);
    let groups = sb.ok("logs", "FilterLogEvents", json!({ "logGroupName": "/aws-dynamodb/imports" }));
    let events = groups["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{groups}");
    assert!(events[0]["message"].as_str().unwrap().contains("customers/customers.csv"), "{groups}");
}

#[test]
fn scenario_crud_api_routes_items_to_the_function() {
    let mut sb = Sb::new();
    let out = sb.load("crud-api");
    let api = out["Details"]["ApiId"].as_str().unwrap().to_string();
    assert_eq!(out["Route"], format!("#/apis/{api}/console"));
    let resources = sb.ok("apigateway", "GetResources", json!({ "restApiId": api }));
    let mut paths: Vec<&str> = resources["item"].as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap()).collect();
    paths.sort();
    assert_eq!(paths, ["/", "/items", "/items/{id}"]);
    assert_eq!(sb.ok("lambda", "GetFunction", json!({ "FunctionName": apis::CRUD_FUNCTION }))["Configuration"]["State"], "Active");
    assert_eq!(sb.count(REGION, apis::CRUD_TABLE), 3);
}

#[test]
fn scenario_clicks_flow_from_the_api_through_kinesis_and_firehose_to_s3() {
    let mut sb = Sb::new();
    let out = sb.load("kinesis-firehose");
    let api = out["Details"]["ApiId"].as_str().unwrap().to_string();
    let bucket = out["Details"]["Bucket"].as_str().unwrap().to_string();
    for user in ["ada", "grace", "minji"] {
        let body = json!({ "user": user, "page": "/pricing" }).to_string();
        let (status, answer) = sb.invoke(&api, "prod", "POST", "/clicks", json!({ "Content-Type": "application/json" }), Some(&body));
        assert_eq!(status, 200, "{answer}");
        assert!(answer.contains("SequenceNumber"), "{answer}");
    }
    sb.advance(apis::CLICKS_INTERVAL_SECONDS as f64 + 15.0);
    let listed = sb.ok("s3", "ListObjectsV2", json!({ "Bucket": bucket, "Prefix": "clicks/" }));
    let objects = listed["Contents"].as_array().unwrap();
    assert_eq!(objects.len(), 1, "{listed}");
    let got = sb.ok("s3", "GetObject", json!({ "Bucket": bucket, "Key": objects[0]["Key"] }));
    let text = String::from_utf8(B64.decode(got["Body"].as_str().unwrap()).unwrap()).unwrap();
    for user in ["ada", "grace", "minji"] {
        assert!(text.contains(&format!("\"user\":\"{user}\"")), "{text}");
    }
}

#[test]
fn scenario_usage_plan_answers_429_to_the_eleventh_call_in_a_second() {
    let mut sb = Sb::new();
    let out = sb.load("usage-plan");
    let api = out["Details"]["ApiId"].as_str().unwrap().to_string();
    assert_eq!(sb.invoke(&api, "prod", "GET", "/quote", json!({}), None), (403, "{\"message\":\"Forbidden\"}".to_string()));
    let key = json!({ "x-api-key": apis::QUOTES_KEY_VALUE });
    for i in 0..apis::QUOTES_BURST {
        let (status, body) = sb.invoke(&api, "prod", "GET", "/quote", key.clone(), None);
        assert_eq!(status, 200, "call {i}: {body}");
        assert!(body.contains("Dijkstra"), "{body}");
    }
    assert_eq!(sb.invoke(&api, "prod", "GET", "/quote", key.clone(), None), (429, "{\"message\":\"Too Many Requests\"}".to_string()));
    sb.advance(1.0);
    assert_eq!(sb.invoke(&api, "prod", "GET", "/quote", key, None).0, 200, "a second later the bucket has refilled");
}

#[test]
fn scenario_order_approval_waits_for_the_token_then_marks_the_order() {
    let mut sb = Sb::new();
    let out = sb.load("order-approval");
    let exec = out["Details"]["ExecutionArn"].as_str().unwrap().to_string();
    assert_eq!(sb.ok("states", "DescribeExecution", json!({ "executionArn": exec }))["status"], "RUNNING");
    let order = |sb: &mut Sb| sb.ok("dynamodb", "GetItem", json!({ "TableName": workflows::ORDERS_TABLE, "Key": { "OrderId": { "S": "o-1001" } } }))["Item"]["Status"]["S"].clone();
    assert_eq!(order(&mut sb), "PENDING_APPROVAL");
    let url = sb.ok("sqs", "GetQueueUrl", json!({ "QueueName": workflows::APPROVAL_QUEUE }))["QueueUrl"].clone();
    let got = sb.ok("sqs", "ReceiveMessage", json!({ "QueueUrl": url }));
    let body: Value = serde_json::from_str(got["Messages"][0]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(body["order"]["customer"], "ada");
    // Loading again starts no second execution.
    sb.load("order-approval");
    let listed = sb.ok("states", "ListExecutions", json!({ "stateMachineArn": out["Details"]["StateMachineArn"] }));
    assert_eq!(listed["executions"].as_array().unwrap().len(), 1);
    sb.ok("states", "SendTaskSuccess", json!({ "taskToken": body["taskToken"], "output": "{\"approved\": true}" }));
    sb.advance(2.0);
    assert_eq!(sb.ok("states", "DescribeExecution", json!({ "executionArn": exec }))["status"], "SUCCEEDED");
    assert_eq!(order(&mut sb), "APPROVED");
}

#[test]
fn scenario_cognito_api_answers_with_a_token_and_401_without() {
    let mut sb = Sb::new();
    let out = sb.load("cognito-api");
    let d = &out["Details"];
    assert_eq!(out["Route"], format!("#/auth/{}/signin", d["UserPoolId"].as_str().unwrap()));
    let api = d["ApiId"].as_str().unwrap().to_string();
    let auth = sb.ok(
        "cognito-idp",
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": d["ClientId"], "AuthParameters": { "USERNAME": workflows::DEMO_USER, "PASSWORD": workflows::DEMO_PASSWORD } }),
    );
    let token = auth["AuthenticationResult"]["IdToken"].as_str().unwrap().to_string();
    let (status, body) = sb.invoke(&api, "dev", "GET", "/hello", json!({ "Authorization": token }), None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Hello, ada"), "{body}");
    assert_eq!(sb.invoke(&api, "dev", "GET", "/hello", json!({}), None).0, 401);
}

#[test]
fn scenario_identity_pool_credentials_reach_only_the_users_own_notes() {
    let mut sb = Sb::new();
    let out = sb.load("identity-pool");
    let d = out["Details"].clone();
    let provider = d["Provider"].as_str().unwrap().to_string();
    let auth = sb.ok(
        "cognito-idp",
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": d["ClientId"], "AuthParameters": { "USERNAME": "ada", "PASSWORD": workflows::DEMO_PASSWORD } }),
    );
    let logins = json!({ provider: auth["AuthenticationResult"]["IdToken"] });
    let id = sb.ok("cognito-identity", "GetId", json!({ "IdentityPoolId": d["IdentityPoolId"], "Logins": logins }))["IdentityId"].clone();
    assert_eq!(id, d["IdentityId_ada"], "the same user gets the same identity");
    let creds = sb.ok("cognito-identity", "GetCredentialsForIdentity", json!({ "IdentityId": id, "Logins": logins }))["Credentials"].clone();
    let key = Credentials::AccessKey(creds["AccessKeyId"].as_str().unwrap().to_string());
    let query = |who: &Value| json!({ "TableName": workflows::NOTES_TABLE, "KeyConditionExpression": "IdentityId = :me", "ExpressionAttributeValues": { ":me": { "S": who } } });
    let mine = sb.e.call(H, &Request::new("dynamodb", "Query", REGION, query(&id)).signed(Some(key.clone()))).unwrap();
    assert_eq!(mine["Count"], 2);
    let theirs = sb.e.call(H, &Request::new("dynamodb", "Query", REGION, query(&d["IdentityId_grace"])).signed(Some(key))).unwrap_err();
    assert_eq!(theirs.kind, "AccessDeniedException");
    // Loading again keeps the identities and their notes.
    let again = sb.load("identity-pool");
    assert_eq!(again["Details"]["IdentityId_ada"], d["IdentityId_ada"]);
    assert_eq!(sb.count(REGION, workflows::NOTES_TABLE), 3);
}
