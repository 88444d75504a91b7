//! API Gateway through the engine's door: the control plane's shapes and errors, routing,
//! MOCK and Lambda proxy integrations (with a stand-in code runtime that records the events it
//! gets), persistence across a restore, and junk input.

use std::sync::{Arc, Mutex};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::{
    kernel::runtime::{CodeRuntime, InvokeJob, InvokeOutcome, InvokeResult},
    services::lambda::code,
    AwsError, Engine, EngineConfig, Request,
};

const REGION: &str = "us-east-1";

/// A code runtime whose functions answer by name: `echo` returns a proxy answer whose body is
/// the event; `bad` returns a malformed proxy answer; `boom` throws; `plain` returns the event.
#[derive(Default)]
struct FakeRuntime {
    events: Mutex<Vec<Value>>,
}

impl CodeRuntime for FakeRuntime {
    fn invoke(&self, job: &InvokeJob, _aws: &mut crate::kernel::runtime::AwsDoor<'_>) -> InvokeResult {
        let event: Value = serde_json::from_slice(&job.payload).unwrap_or(Value::Null);
        self.events.lock().unwrap().push(event.clone());
        let outcome = match job.function_name.as_str() {
            "echo" => InvokeOutcome::Ok(
                json!({ "statusCode": 201, "headers": { "X-Echo": "yes" }, "multiValueHeaders": { "Set-Cookie": ["a=1", "b=2"] }, "body": event.to_string(), "isBase64Encoded": false })
                    .to_string()
                    .into_bytes(),
            ),
            "bad" => InvokeOutcome::Ok(json!({ "status": 200, "data": "x" }).to_string().into_bytes()),
            "auth" => {
                let token = event["authorizationToken"].as_str().or_else(|| event["headers"]["Auth"].as_str()).unwrap_or("").to_string();
                let effect = if token.starts_with("allow") { "Allow" } else { "Deny" };
                // Allows only GET on /pets/*, the way a narrow policy does.
                let resource = event["methodArn"].as_str().unwrap_or("").split("/GET/").next().unwrap_or("").to_string() + "/GET/pets/*";
                match token.as_str() {
                    "expired" => InvokeOutcome::Error { error_type: "Error".into(), error_message: "Unauthorized".into(), trace: vec![] },
                    "junk" => InvokeOutcome::Ok(b"{\"nope\": 1}".to_vec()),
                    _ => InvokeOutcome::Ok(
                        json!({ "principalId": format!("user-{token}"), "policyDocument": { "Version": "2012-10-17", "Statement": [{ "Action": "execute-api:Invoke", "Effect": effect, "Resource": resource }] }, "context": { "tier": "gold", "n": 7 } })
                            .to_string()
                            .into_bytes(),
                    ),
                }
            }
            "boom" => InvokeOutcome::Error { error_type: "Error".into(), error_message: "Not Found: no such pet".into(), trace: vec![] },
            _ => InvokeOutcome::Ok(event.to_string().into_bytes()),
        };
        InvokeResult { outcome, logs: vec![], init_logs: vec![], init_ms: Some(1.0), duration_ms: 1.0, max_memory_mb: 64 }
    }
    fn discard(&self, _environment: &str) {}
    fn discard_all(&self) {}
}

struct Sandbox {
    e: Engine,
    runtime: Arc<FakeRuntime>,
}

impl Sandbox {
    fn new() -> Self {
        let runtime = Arc::new(FakeRuntime::default());
        let mut e = Engine::new(EngineConfig::default(), 0);
        e.set_runtime(runtime.clone());
        Sandbox { e, runtime }
    }

    fn call(&mut self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.e.call(0, &Request::new("apigateway", op, REGION, input))
    }

    fn ok(&mut self, op: &str, input: Value) -> Value {
        self.call(op, input.clone()).unwrap_or_else(|e| panic!("{op} {input}: {e}"))
    }

    fn fail(&mut self, op: &str, input: Value) -> AwsError {
        match self.call(op, input.clone()) {
            Ok(v) => panic!("{op} {input} should fail, answered {v}"),
            Err(e) => e,
        }
    }

    fn invoke(&mut self, input: Value) -> Value {
        self.e.call(0, &Request::new("execute-api", "Invoke", REGION, input)).expect("Invoke answers")
    }

    fn get(&mut self, api: &str, path: &str) -> Value {
        self.invoke(json!({ "restApiId": api, "stage": "prod", "httpMethod": "GET", "path": path }))
    }

    fn function(&mut self, name: &str) -> String {
        let zip = code::zip(&[("index.mjs".to_string(), b"export const handler = async (e) => e;".to_vec())].into_iter().collect());
        let input = json!({ "FunctionName": name, "Runtime": "nodejs22.x", "Role": "arn:aws:iam::123456789012:role/r", "Handler": "index.handler", "Code": { "ZipFile": B64.encode(zip) } });
        let out = self.e.call(0, &Request::new("lambda", "CreateFunction", REGION, input)).expect("CreateFunction");
        self.e.control(0, "AdvanceClock", &json!({ "seconds": 2 })).expect("clock");
        out["FunctionArn"].as_str().unwrap().to_string()
    }

    fn api(&mut self) -> (String, String) {
        let api = self.ok("CreateRestApi", json!({ "name": "pets" }));
        (api["id"].as_str().unwrap().to_string(), api["rootResourceId"].as_str().unwrap().to_string())
    }

    fn resource(&mut self, api: &str, parent: &str, part: &str) -> String {
        self.ok("CreateResource", json!({ "restApiId": api, "parentId": parent, "pathPart": part }))["id"].as_str().unwrap().to_string()
    }

    /// A MOCK method answering 200 with `body` (a static template).
    fn mock(&mut self, api: &str, rid: &str, method: &str, body: &str) {
        let m = json!({ "restApiId": api, "resourceId": rid, "httpMethod": method });
        self.ok("PutMethod", json!({ "restApiId": api, "resourceId": rid, "httpMethod": method, "authorizationType": "NONE" }));
        self.ok("PutMethodResponse", merge(&m, json!({ "statusCode": "200" })));
        self.ok("PutIntegration", merge(&m, json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } })));
        self.ok("PutIntegrationResponse", merge(&m, json!({ "statusCode": "200", "responseTemplates": { "application/json": body } })));
    }

    fn proxy(&mut self, api: &str, rid: &str, method: &str, function_arn: &str) {
        self.ok("PutMethod", json!({ "restApiId": api, "resourceId": rid, "httpMethod": method, "authorizationType": "NONE" }));
        self.ok(
            "PutIntegration",
            json!({ "restApiId": api, "resourceId": rid, "httpMethod": method, "type": "AWS_PROXY", "integrationHttpMethod": "POST",
                    "uri": format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations") }),
        );
    }

    fn deploy(&mut self, api: &str) -> String {
        self.ok("CreateDeployment", json!({ "restApiId": api, "stageName": "prod" }))["id"].as_str().unwrap().to_string()
    }
}

fn merge(a: &Value, b: Value) -> Value {
    let mut out = a.clone();
    for (k, v) in b.as_object().unwrap() {
        out[k] = v.clone();
    }
    out
}

fn assert_err(e: &AwsError, kind: &str, status: u16, message: &str) {
    assert_eq!((e.kind.as_str(), e.status, e.message.as_str()), (kind, status, message));
}

#[test]
fn rest_apis_resources_and_their_errors() {
    let mut s = Sandbox::new();
    let api = s.ok("CreateRestApi", json!({ "name": "pets", "description": "d", "endpointConfiguration": { "types": ["REGIONAL"] }, "tags": { "team": "a" } }));
    let id = api["id"].as_str().unwrap();
    assert_eq!(id.len(), 10);
    assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    assert_eq!(api["endpointConfiguration"], json!({ "types": ["REGIONAL"] }));
    assert_eq!(api["apiKeySource"], "HEADER");
    assert!(api["createdDate"].is_i64());
    assert_eq!(s.ok("GetRestApi", json!({ "restApiId": id })), api);
    assert_eq!(s.ok("GetRestApis", json!({}))["item"], json!([api.clone()]));

    let e = s.fail("GetRestApi", json!({ "restApiId": "nope" }));
    assert_err(&e, "NotFoundException", 404, "Invalid API identifier specified 123456789012:nope");
    assert_eq!(s.fail("CreateRestApi", json!({ "name": "" })).kind, "BadRequestException");
    assert_eq!(s.fail("CreateRestApi", json!({ "name": "x", "endpointConfiguration": { "types": ["EDGE", "REGIONAL"] } })).kind, "BadRequestException");
    assert_eq!(s.fail("CreateRestApi", json!({ "name": "x", "policy": "{}" })).kind, "BadRequestException");

    let up = s.ok(
        "UpdateRestApi",
        json!({ "restApiId": id, "patchOperations": [{ "op": "replace", "path": "/name", "value": "cats" }, { "op": "add", "path": "/binaryMediaTypes/image~1png" }] }),
    );
    assert_eq!((up["name"].clone(), up["binaryMediaTypes"].clone()), (json!("cats"), json!(["image/png"])));
    let e = s.fail("UpdateRestApi", json!({ "restApiId": id, "patchOperations": [{ "op": "replace", "path": "/nope", "value": "x" }] }));
    assert_eq!(e.kind, "BadRequestException");

    let root = api["rootResourceId"].as_str().unwrap();
    let pets = s.resource(id, root, "pets");
    let pet = s.ok("CreateResource", json!({ "restApiId": id, "parentId": pets, "pathPart": "{petId}" }));
    assert_eq!((pet["path"].clone(), pet["parentId"].clone()), (json!("/pets/{petId}"), json!(pets)));
    let e = s.fail("CreateResource", json!({ "restApiId": id, "parentId": root, "pathPart": "pets" }));
    assert_err(&e, "ConflictException", 409, "Another resource with the same parent already has this name: pets");
    let e = s.fail("CreateResource", json!({ "restApiId": id, "parentId": pets, "pathPart": "{other}" }));
    assert_eq!(e.kind, "BadRequestException");
    assert_eq!(s.fail("CreateResource", json!({ "restApiId": id, "parentId": root, "pathPart": "a/b" })).kind, "BadRequestException");
    assert_err(&s.fail("CreateResource", json!({ "restApiId": id, "parentId": "zzz", "pathPart": "x" })), "NotFoundException", 404, "Invalid Resource identifier specified");

    s.mock(id, &pets, "GET", "[]");
    let all = s.ok("GetResources", json!({ "restApiId": id }));
    let paths: Vec<&str> = all["item"].as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/", "/pets", "/pets/{petId}"]);
    assert_eq!(all["item"][1]["resourceMethods"], json!({ "GET": {} }));
    let embedded = s.ok("GetResources", json!({ "restApiId": id, "embed": ["methods"] }));
    let get = &embedded["item"][1]["resourceMethods"]["GET"];
    assert_eq!(get["httpMethod"], "GET");
    assert_eq!(get["authorizationType"], "NONE");
    assert_eq!(get["apiKeyRequired"], false);
    assert_eq!(get["methodResponses"]["200"]["statusCode"], "200");
    assert_eq!(get["methodIntegration"]["type"], "MOCK");
    assert_eq!(get["methodIntegration"]["passthroughBehavior"], "WHEN_NO_MATCH");
    assert_eq!(get["methodIntegration"]["timeoutInMillis"], 29000);
    assert_eq!(get["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"], json!({ "application/json": "[]" }));
    let page = s.ok("GetResources", json!({ "restApiId": id, "limit": 2 }));
    assert_eq!(page["item"].as_array().unwrap().len(), 2);
    let rest = s.ok("GetResources", json!({ "restApiId": id, "limit": 2, "position": page["position"] }));
    assert_eq!(rest["item"].as_array().unwrap().len(), 1);

    // Moving and renaming a resource rewrites its subtree's paths.
    let moved = s.ok("UpdateResource", json!({ "restApiId": id, "resourceId": pets, "patchOperations": [{ "op": "replace", "path": "/pathPart", "value": "animals" }] }));
    assert_eq!(moved["path"], "/animals");
    assert_eq!(s.ok("GetResource", json!({ "restApiId": id, "resourceId": pet["id"] }))["path"], "/animals/{petId}");
    assert_eq!(s.fail("DeleteResource", json!({ "restApiId": id, "resourceId": root })).kind, "BadRequestException");
    s.ok("DeleteResource", json!({ "restApiId": id, "resourceId": pets }));
    assert_eq!(s.ok("GetResources", json!({ "restApiId": id }))["item"].as_array().unwrap().len(), 1);

    s.ok("DeleteRestApi", json!({ "restApiId": id }));
    assert_eq!(s.fail("GetRestApi", json!({ "restApiId": id })).kind, "NotFoundException");
}

#[test]
fn methods_integrations_and_responses() {
    let mut s = Sandbox::new();
    let (id, root) = s.api();
    let m = json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET" });
    assert_err(&s.fail("GetMethod", m.clone()), "NotFoundException", 404, "Invalid Method identifier specified");
    assert_eq!(s.fail("PutMethod", merge(&m, json!({ "authorizationType": "BOGUS" }))).kind, "BadRequestException");
    assert_eq!(s.fail("PutMethod", merge(&m, json!({ "httpMethod": "FETCH", "authorizationType": "NONE" }))).kind, "BadRequestException");
    let put = s.ok("PutMethod", merge(&m, json!({ "authorizationType": "NONE", "requestParameters": { "method.request.querystring.q": true } })));
    assert_eq!(put, json!({ "httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": false, "requestParameters": { "method.request.querystring.q": true } }));
    assert_err(&s.fail("PutMethod", merge(&m, json!({ "authorizationType": "NONE" }))), "ConflictException", 409, "Method already exists for this resource");
    let up = s.ok("UpdateMethod", merge(&m, json!({ "patchOperations": [{ "op": "replace", "path": "/apiKeyRequired", "value": "true" }, { "op": "remove", "path": "/requestParameters/method.request.querystring.q" }] })));
    assert_eq!((up["apiKeyRequired"].clone(), up.get("requestParameters")), (json!(true), None));

    assert_err(&s.fail("GetIntegration", m.clone()), "NotFoundException", 404, "Invalid Integration identifier specified");
    assert_err(
        &s.fail("PutIntegration", merge(&m, json!({ "type": "AWS_PROXY", "uri": "arn:aws:apigateway:us-east-1:lambda:path/x" }))),
        "BadRequestException",
        400,
        "Enumeration value for HttpMethod must be non-empty",
    );
    let e = s.fail("PutIntegration", merge(&m, json!({ "type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:sqs:path/123/q" })));
    assert_eq!(e.message, "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.");
    assert_eq!(s.fail("PutIntegration", merge(&m, json!({ "type": "HTTP", "integrationHttpMethod": "GET", "uri": "ftp://x" }))).message, "Invalid HTTP endpoint specified for URI");
    assert_eq!(s.fail("PutIntegration", merge(&m, json!({ "type": "MOCK", "timeoutInMillis": 30000 }))).kind, "BadRequestException");
    let i = s.ok("PutIntegration", merge(&m, json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } })));
    assert_eq!(i["type"], "MOCK");
    assert_eq!(i["cacheNamespace"], json!(root));
    let i = s.ok("UpdateIntegration", merge(&m, json!({ "patchOperations": [{ "op": "add", "path": "/requestTemplates/text~1plain", "value": "{}" }] })));
    assert_eq!(i["requestTemplates"]["text/plain"], "{}");

    let r = merge(&m, json!({ "statusCode": "200" }));
    assert_err(&s.fail("PutIntegrationResponse", r.clone()), "NotFoundException", 404, "Invalid Response status code specified");
    assert_eq!(s.fail("PutMethodResponse", merge(&m, json!({ "statusCode": "99" }))).kind, "BadRequestException");
    s.ok("PutMethodResponse", merge(&r, json!({ "responseParameters": { "method.response.header.X-Kind": false } })));
    assert_err(&s.fail("PutMethodResponse", r.clone()), "ConflictException", 409, "Response already exists for this resource");
    let ir = s.ok("PutIntegrationResponse", merge(&r, json!({ "selectionPattern": "", "responseParameters": { "method.response.header.X-Kind": "'mock'" } })));
    assert_eq!(ir["statusCode"], "200");
    assert_eq!(s.fail("PutIntegrationResponse", merge(&r, json!({ "selectionPattern": "(" }))).kind, "BadRequestException");
    assert_eq!(s.ok("GetIntegrationResponse", r.clone()), ir);
    assert_eq!(s.ok("GetMethodResponse", r.clone())["responseParameters"], json!({ "method.response.header.X-Kind": false }));
    s.ok("DeleteIntegrationResponse", r.clone());
    assert_eq!(s.fail("GetIntegrationResponse", r.clone()).kind, "NotFoundException");
    s.ok("DeleteMethodResponse", r.clone());
    s.ok("DeleteIntegration", m.clone());
    s.ok("DeleteMethod", m.clone());
    assert_eq!(s.fail("DeleteMethod", m).kind, "NotFoundException");
}

#[test]
fn deployments_are_snapshots_and_stages_point_at_one() {
    let mut s = Sandbox::new();
    let (id, root) = s.api();
    assert_err(&s.fail("CreateDeployment", json!({ "restApiId": id })), "BadRequestException", 400, "The REST API doesn't contain any methods");
    s.ok("PutMethod", json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET", "authorizationType": "NONE" }));
    assert_err(&s.fail("CreateDeployment", json!({ "restApiId": id })), "BadRequestException", 400, "No integration defined for method");
    s.ok("DeleteMethod", json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET" }));
    s.mock(&id, &root, "GET", "{\"v\": 1}");
    let d1 = s.ok("CreateDeployment", json!({ "restApiId": id, "stageName": "prod", "description": "first", "variables": { "color": "blue" } }));
    assert_eq!(d1["description"], "first");
    assert_eq!(s.get(&id, "/")["body"], "{\"v\": 1}");

    // A change is not live until redeployed; the old deployment stays.
    s.ok("UpdateIntegration", json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET", "patchOperations": [] }));
    s.ok("DeleteIntegrationResponse", json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET", "statusCode": "200" }));
    s.ok(
        "PutIntegrationResponse",
        json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET", "statusCode": "200", "responseTemplates": { "application/json": "{\"v\": 2}" } }),
    );
    assert_eq!(s.get(&id, "/")["body"], "{\"v\": 1}");
    let d2 = s.ok("CreateDeployment", json!({ "restApiId": id }));
    assert_eq!(s.get(&id, "/")["body"], "{\"v\": 1}");
    let stage = s.ok("UpdateStage", json!({ "restApiId": id, "stageName": "prod", "patchOperations": [{ "op": "replace", "path": "/deploymentId", "value": d2["id"] }, { "op": "replace", "path": "/variables/size", "value": "xl" }] }));
    assert_eq!(stage["deploymentId"], d2["id"]);
    assert_eq!(stage["variables"], json!({ "color": "blue", "size": "xl" }));
    assert_eq!(s.get(&id, "/")["body"], "{\"v\": 2}");
    assert_eq!(s.ok("GetDeployments", json!({ "restApiId": id }))["item"].as_array().unwrap().len(), 2);

    let e = s.fail("DeleteDeployment", json!({ "restApiId": id, "deploymentId": d2["id"] }));
    assert_err(&e, "BadRequestException", 400, "Active stages pointing to this deployment must be moved or deleted");
    s.ok("DeleteDeployment", json!({ "restApiId": id, "deploymentId": d1["id"] }));
    assert_err(&s.fail("GetDeployment", json!({ "restApiId": id, "deploymentId": d1["id"] })), "NotFoundException", 404, "Invalid Deployment identifier specified");

    let dev = s.ok("CreateStage", json!({ "restApiId": id, "stageName": "dev", "deploymentId": d2["id"], "variables": { "a": "b" } }));
    assert_eq!((dev["stageName"].clone(), dev["cacheClusterEnabled"].clone()), (json!("dev"), json!(false)));
    assert_err(&s.fail("CreateStage", json!({ "restApiId": id, "stageName": "dev", "deploymentId": d2["id"] })), "ConflictException", 409, "Stage already exists");
    assert_err(
        &s.fail("CreateStage", json!({ "restApiId": id, "stageName": "bad-name", "deploymentId": d2["id"] })),
        "BadRequestException",
        400,
        "Stage name only allows a-zA-Z0-9_",
    );
    assert_eq!(s.fail("CreateStage", json!({ "restApiId": id, "stageName": "x", "deploymentId": "nope" })).kind, "NotFoundException");
    assert_eq!(s.ok("GetStages", json!({ "restApiId": id }))["item"].as_array().unwrap().len(), 2);
    s.ok("DeleteStage", json!({ "restApiId": id, "stageName": "dev" }));
    assert_err(&s.fail("GetStage", json!({ "restApiId": id, "stageName": "dev" })), "NotFoundException", 404, "Invalid Stage identifier specified");
}

#[test]
fn routing_prefers_literal_then_variable_then_greedy() {
    let mut s = Sandbox::new();
    let (id, root) = s.api();
    let pets = s.resource(&id, &root, "pets");
    let pet = s.resource(&id, &pets, "{petId}");
    let dog = s.resource(&id, &pets, "dog");
    let proxy = s.resource(&id, &root, "{proxy+}");
    let toys = s.resource(&id, &pet, "toys");
    s.mock(&id, &pets, "GET", "pets");
    s.mock(&id, &pet, "GET", "pet");
    s.mock(&id, &dog, "GET", "dog");
    s.mock(&id, &proxy, "ANY", "proxy");
    s.mock(&id, &toys, "POST", "toys");
    s.mock(&id, &root, "GET", "root");
    s.deploy(&id);
    let body = |s: &mut Sandbox, method: &str, path: &str| {
        let out = s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": method, "path": path }));
        (out["statusCode"].as_u64().unwrap(), out["body"].as_str().unwrap().to_string())
    };
    assert_eq!(body(&mut s, "GET", "/"), (200, "root".into()));
    assert_eq!(body(&mut s, "GET", "/pets"), (200, "pets".into()));
    assert_eq!(body(&mut s, "GET", "/pets/"), (200, "pets".into()));
    assert_eq!(body(&mut s, "GET", "/pets/dog"), (200, "dog".into()));
    assert_eq!(body(&mut s, "GET", "/pets/7"), (200, "pet".into()));
    assert_eq!(body(&mut s, "POST", "/pets/7/toys"), (200, "toys".into()));
    // No GET on /pets/{petId}/toys: the greedy proxy (ANY) takes it.
    assert_eq!(body(&mut s, "GET", "/pets/7/toys"), (200, "proxy".into()));
    assert_eq!(body(&mut s, "DELETE", "/pets"), (200, "proxy".into()));
    assert_eq!(body(&mut s, "PATCH", "/a/b/c"), (200, "proxy".into()));
    // Without the proxy, an unmatched method or path is AWS's 403.
    s.ok("DeleteResource", json!({ "restApiId": id, "resourceId": proxy }));
    s.deploy(&id);
    let out = s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "DELETE", "path": "/pets" }));
    assert_eq!(out["statusCode"], 403);
    assert_eq!(out["body"], "{\"message\":\"Missing Authentication Token\"}");
    assert_eq!(out["headers"]["x-amzn-ErrorType"], "MissingAuthenticationTokenException");
    assert_eq!(body(&mut s, "GET", "/nowhere").0, 403);
    let out = s.invoke(json!({ "restApiId": id, "stage": "nostage", "httpMethod": "GET", "path": "/" }));
    assert_eq!(out["statusCode"], 403);
    let out = s.invoke(json!({ "restApiId": "zzzzzzzzzz", "stage": "prod", "httpMethod": "GET", "path": "/" }));
    assert_eq!(out["statusCode"], 403);
}

#[test]
fn mock_selects_the_integration_response_by_status() {
    let mut s = Sandbox::new();
    let (id, root) = s.api();
    let m = json!({ "restApiId": id, "resourceId": root, "httpMethod": "POST" });
    s.ok("PutMethod", merge(&m, json!({ "authorizationType": "NONE" })));
    for code in ["200", "404"] {
        s.ok("PutMethodResponse", merge(&m, json!({ "statusCode": code, "responseParameters": { "method.response.header.X-Mock": false } })));
    }
    s.ok("PutIntegration", merge(&m, json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 404}" }, "passthroughBehavior": "NEVER" })));
    s.ok("PutIntegrationResponse", merge(&m, json!({ "statusCode": "200", "responseTemplates": { "application/json": "{\"ok\": true}" } })));
    s.ok(
        "PutIntegrationResponse",
        merge(&m, json!({ "statusCode": "404", "selectionPattern": "4\\d{2}", "responseTemplates": { "application/json": "{\"ok\": false}" }, "responseParameters": { "method.response.header.X-Mock": "'yes'" } })),
    );
    s.deploy(&id);
    let out = s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "POST", "path": "/", "headers": { "Content-Type": "application/json" }, "body": "{}" }));
    assert_eq!(out["statusCode"], 404);
    assert_eq!(out["body"], "{\"ok\": false}");
    assert_eq!(out["headers"]["X-Mock"], "yes");
    let steps: Vec<&str> = out["trace"].as_array().unwrap().iter().map(|t| t["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["Method request", "Request mapping", "Endpoint response", "Response mapping", "Method response"]);
    // NEVER passthrough: a content type with no template is refused with 415.
    let out = s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "POST", "path": "/", "headers": { "Content-Type": "text/plain" }, "body": "x" }));
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(415), json!("{\"message\":\"Unsupported Media Type\"}")));

    // TestInvokeMethod runs the current definition with AWS's answer shape.
    let t = s.ok("TestInvokeMethod", merge(&m, json!({ "pathWithQueryString": "/", "body": "{}", "headers": { "Content-Type": "application/json" } })));
    assert_eq!(t["status"], 404);
    assert_eq!(t["body"], "{\"ok\": false}");
    assert!(t["log"].as_str().unwrap().starts_with("Execution log for request "));
    assert!(t["latency"].is_u64());
}

#[test]
fn lambda_proxy_sends_the_1_0_event_and_maps_the_answer() {
    let mut s = Sandbox::new();
    let echo = s.function("echo");
    let (id, root) = s.api();
    let items = s.resource(&id, &root, "items");
    let item = s.resource(&id, &items, "{id}");
    s.proxy(&id, &item, "ANY", &echo);
    s.ok("CreateDeployment", json!({ "restApiId": id, "stageName": "prod", "variables": { "table": "items" } }));
    let out = s.invoke(json!({
        "restApiId": id, "stage": "prod", "httpMethod": "PUT", "path": "/items/42",
        "multiValueHeaders": { "Content-Type": ["application/json"], "X-Multi": ["a", "b"] },
        "queryString": "q=hello%20world&tag=1&tag=2", "body": "{\"name\":\"Ada\"}", "sourceIp": "198.51.100.7"
    }));
    assert_eq!(out["statusCode"], 201);
    assert_eq!(out["headers"]["X-Echo"], "yes");
    assert_eq!(out["multiValueHeaders"]["Set-Cookie"], json!(["a=1", "b=2"]));
    let event: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(event, s.runtime.events.lock().unwrap().last().cloned().unwrap());
    assert_eq!(event["resource"], "/items/{id}");
    assert_eq!(event["path"], "/items/42");
    assert_eq!(event["httpMethod"], "PUT");
    assert_eq!(event["headers"], json!({ "Content-Type": "application/json", "X-Multi": "b" }));
    assert_eq!(event["multiValueHeaders"], json!({ "Content-Type": ["application/json"], "X-Multi": ["a", "b"] }));
    assert_eq!(event["queryStringParameters"], json!({ "q": "hello world", "tag": "2" }));
    assert_eq!(event["multiValueQueryStringParameters"], json!({ "q": ["hello world"], "tag": ["1", "2"] }));
    assert_eq!(event["pathParameters"], json!({ "id": "42" }));
    assert_eq!(event["stageVariables"], json!({ "table": "items" }));
    assert_eq!(event["body"], "{\"name\":\"Ada\"}");
    assert_eq!(event["isBase64Encoded"], false);
    let rc = &event["requestContext"];
    assert_eq!(rc["accountId"], "123456789012");
    assert_eq!(rc["apiId"], json!(id));
    assert_eq!(rc["resourceId"], json!(item));
    assert_eq!(rc["resourcePath"], "/items/{id}");
    assert_eq!(rc["httpMethod"], "PUT");
    assert_eq!(rc["stage"], "prod");
    assert_eq!(rc["path"], "/prod/items/42");
    assert_eq!(rc["protocol"], "HTTP/1.1");
    assert_eq!(rc["identity"]["sourceIp"], "198.51.100.7");
    assert_eq!(rc["domainName"], format!("{id}.execute-api.us-east-1.amazonaws.com"));
    assert!(rc["requestTimeEpoch"].is_i64());
    assert!(rc["requestId"].as_str().unwrap().len() == 36);
    // The documented 1.0 event's top-level members, exactly.
    let mut keys: Vec<&str> = event.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "body",
            "headers",
            "httpMethod",
            "isBase64Encoded",
            "multiValueHeaders",
            "multiValueQueryStringParameters",
            "path",
            "pathParameters",
            "queryStringParameters",
            "requestContext",
            "resource",
            "stageVariables"
        ]
    );
    // No query string, headers or path parameters: null, as AWS sends.
    let root_fn = s.function("plain");
    s.proxy(&id, &root, "GET", &root_fn);
    s.deploy(&id);
    let out = s.get(&id, "/");
    assert_eq!(out["statusCode"], 502, "the raw event is not a proxy answer");
    let event = s.runtime.events.lock().unwrap().last().cloned().unwrap();
    assert_eq!((event["queryStringParameters"].clone(), event["pathParameters"].clone(), event["headers"].clone()), (Value::Null, Value::Null, Value::Null));
}

#[test]
fn lambda_proxy_failures_answer_502_and_500() {
    let mut s = Sandbox::new();
    let bad = s.function("bad");
    let boom = s.function("boom");
    let (id, root) = s.api();
    let a = s.resource(&id, &root, "bad");
    let b = s.resource(&id, &root, "boom");
    let c = s.resource(&id, &root, "gone");
    s.proxy(&id, &a, "GET", &bad);
    s.proxy(&id, &b, "GET", &boom);
    s.proxy(&id, &c, "GET", "arn:aws:lambda:us-east-1:123456789012:function:missing");
    s.deploy(&id);
    let out = s.get(&id, "/bad");
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(502), json!("{\"message\":\"Internal server error\"}")));
    assert!(out["trace"].as_array().unwrap().last().unwrap()["message"].as_str().unwrap().contains("Malformed Lambda proxy response"));
    let out = s.get(&id, "/boom");
    assert_eq!(out["statusCode"], 502);
    let out = s.get(&id, "/gone");
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(500), json!("{\"message\":\"Internal server error\"}")));
}

#[test]
fn non_proxy_lambda_selects_by_error_message() {
    let mut s = Sandbox::new();
    let boom = s.function("boom");
    let plain = s.function("plain");
    let (id, root) = s.api();
    for (part, f) in [("boom", &boom), ("plain", &plain)] {
        let r = s.resource(&id, &root, part);
        let m = json!({ "restApiId": id, "resourceId": r, "httpMethod": "POST" });
        s.ok("PutMethod", merge(&m, json!({ "authorizationType": "NONE" })));
        s.ok("PutMethodResponse", merge(&m, json!({ "statusCode": "200" })));
        s.ok("PutMethodResponse", merge(&m, json!({ "statusCode": "404" })));
        s.ok(
            "PutIntegration",
            merge(&m, json!({ "type": "AWS", "integrationHttpMethod": "POST", "uri": format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{f}/invocations") })),
        );
        s.ok("PutIntegrationResponse", merge(&m, json!({ "statusCode": "200" })));
        s.ok("PutIntegrationResponse", merge(&m, json!({ "statusCode": "404", "selectionPattern": "Not Found:.*" })));
    }
    s.deploy(&id);
    let out = s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "POST", "path": "/boom", "body": "{\"a\":1}" }));
    assert_eq!(out["statusCode"], 404);
    assert!(out["body"].as_str().unwrap().contains("Not Found: no such pet"));
    let out = s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "POST", "path": "/plain", "body": "{\"a\":1}" }));
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(200), json!("{\"a\":1}")));
}

#[test]
fn http_integrations_answer_500_until_wired() {
    let mut s = Sandbox::new();
    let (id, root) = s.api();
    s.ok("PutMethod", json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET", "authorizationType": "NONE" }));
    s.ok(
        "PutIntegration",
        json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET", "type": "HTTP_PROXY", "integrationHttpMethod": "GET", "uri": "https://example.com/" }),
    );
    s.deploy(&id);
    let out = s.get(&id, "/");
    assert_eq!(out["statusCode"], 500);
    assert!(out["trace"].to_string().contains("not wired"));
}

#[test]
fn state_survives_a_restore() {
    let mut s = Sandbox::new();
    let (id, root) = s.api();
    s.mock(&id, &root, "GET", "hello");
    let d = s.deploy(&id);
    s.ok("CreateStage", json!({ "restApiId": id, "stageName": "dev", "deploymentId": d, "variables": { "v": "1" } }));
    let records = s.e.snapshot();
    let mut e = Engine::restore(EngineConfig::default(), 0, records).expect("restore");
    let get = e.call(0, &Request::new("apigateway", "GetStage", REGION, json!({ "restApiId": id, "stageName": "dev" }))).unwrap();
    assert_eq!(get["variables"], json!({ "v": "1" }));
    let out = e.call(0, &Request::new("execute-api", "Invoke", REGION, json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": "/" }))).unwrap();
    assert_eq!(out["body"], "hello");
    // A restored sandbox does not repeat ids.
    let again = e.call(0, &Request::new("apigateway", "CreateRestApi", REGION, json!({ "name": "b" }))).unwrap();
    assert_ne!(again["id"], json!(id));
    // The journal replays to the same state as the snapshot.
    let mut s2 = Sandbox::new();
    let (id2, root2) = s2.api();
    s2.mock(&id2, &root2, "GET", "x");
    s2.deploy(&id2);
    s2.ok("DeleteRestApi", json!({ "restApiId": id2 }));
    assert!(s2.e.snapshot().iter().all(|r| !r.key.starts_with("apigateway/")));
}

#[test]
fn junk_input_never_panics() {
    let mut s = Sandbox::new();
    let (id, root) = s.api();
    s.mock(&id, &root, "GET", "x");
    s.deploy(&id);
    let junk = [json!(null), json!(1), json!("x"), json!([]), json!({}), json!({ "a": { "b": [] } }), json!(-1), json!(true), json!("{proxy+}")];
    let members = [
        "restApiId",
        "resourceId",
        "parentId",
        "pathPart",
        "httpMethod",
        "statusCode",
        "stageName",
        "deploymentId",
        "name",
        "type",
        "uri",
        "integrationHttpMethod",
        "requestTemplates",
        "responseTemplates",
        "selectionPattern",
        "patchOperations",
        "variables",
        "limit",
        "position",
        "embed",
        "headers",
        "multiValueHeaders",
        "queryString",
        "body",
        "path",
        "stage",
        "authorizationType",
        "requestParameters",
        "endpointConfiguration",
        "pathWithQueryString",
    ];
    // Deletes last, so the others meet a full API.
    let ops = [
        "CreateRestApi",
        "GetRestApi",
        "GetRestApis",
        "UpdateRestApi",
        "CreateResource",
        "GetResource",
        "GetResources",
        "UpdateResource",
        "PutMethod",
        "GetMethod",
        "UpdateMethod",
        "PutMethodResponse",
        "GetMethodResponse",
        "PutIntegration",
        "GetIntegration",
        "UpdateIntegration",
        "PutIntegrationResponse",
        "GetIntegrationResponse",
        "CreateDeployment",
        "GetDeployment",
        "GetDeployments",
        "CreateStage",
        "GetStage",
        "GetStages",
        "UpdateStage",
        "TestInvokeMethod",
        "Nope",
        "DeleteIntegrationResponse",
        "DeleteMethodResponse",
        "DeleteIntegration",
        "DeleteMethod",
        "DeleteDeployment",
        "DeleteStage",
        "DeleteResource",
        "DeleteRestApi",
    ];
    let base = json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET", "stage": "prod" });
    for op in ops {
        for m in members {
            for j in &junk {
                let mut input = base.clone();
                input[m] = j.clone();
                let _ = s.call(op, input.clone());
                let _ = s.e.call(0, &Request::new("execute-api", "Invoke", REGION, input));
            }
        }
    }
    for path in ["", "/", "//", "/%", "/%zz/%4", "/a/../b", "/\u{1F600}"] {
        let _ = s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": path, "queryString": "a=%&=&&b" }));
    }
}

#[test]
fn usage_plans_throttle_and_enforce_quotas_by_api_key() {
    let mut s = Sandbox::new();
    let (id, root) = s.api();
    s.mock(&id, &root, "GET", "ok");
    s.ok("UpdateMethod", json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET", "patchOperations": [{ "op": "replace", "path": "/apiKeyRequired", "value": "true" }] }));
    s.deploy(&id);
    let key = s.ok("CreateApiKey", json!({ "name": "k", "enabled": true, "value": "abcdefghijklmnopqrstuvwxyz" }));
    assert_eq!((key["value"].clone(), key["enabled"].clone()), (json!("abcdefghijklmnopqrstuvwxyz"), json!(true)));
    assert_eq!(s.fail("CreateApiKey", json!({ "value": "short" })).message, "API Key value should be at least 20 characters");
    let off = s.ok("CreateApiKey", json!({ "name": "off" }));
    assert_eq!(off["enabled"], false);
    assert_eq!(off["value"].as_str().unwrap().len(), 40);
    assert!(s.ok("GetApiKeys", json!({}))["item"].as_array().unwrap().iter().all(|k| k.get("value").is_none()));
    let e = s.fail("CreateUsagePlan", json!({ "name": "p", "apiStages": [{ "apiId": id, "stage": "nope" }] }));
    assert_eq!(e.kind, "BadRequestException");
    let plan = s.ok(
        "CreateUsagePlan",
        json!({ "name": "p", "apiStages": [{ "apiId": id, "stage": "prod" }], "throttle": { "rateLimit": 1.0, "burstLimit": 2 }, "quota": { "limit": 4, "period": "DAY" } }),
    );
    assert_eq!(plan["throttle"], json!({ "burstLimit": 2, "rateLimit": 1.0 }));
    let call = |s: &mut Sandbox, key: Option<&str>| {
        let mut input = json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": "/" });
        if let Some(k) = key {
            input["headers"] = json!({ "x-api-key": k });
        }
        let out = s.invoke(input);
        (out["statusCode"].as_u64().unwrap(), out["body"].as_str().unwrap().to_string())
    };
    let forbidden = (403, "{\"message\":\"Forbidden\"}".to_string());
    assert_eq!(call(&mut s, None), forbidden);
    assert_eq!(call(&mut s, Some("wrong-key-wrong-key-wrong")), forbidden);
    assert_eq!(call(&mut s, Some("abcdefghijklmnopqrstuvwxyz")), forbidden, "not in the plan yet");
    let pk = s.ok("CreateUsagePlanKey", json!({ "usagePlanId": plan["id"], "keyId": key["id"], "keyType": "API_KEY" }));
    assert_eq!(pk["type"], "API_KEY");
    s.ok("CreateUsagePlanKey", json!({ "usagePlanId": plan["id"], "keyId": off["id"], "keyType": "API_KEY" }));
    assert_eq!(call(&mut s, Some(off["value"].as_str().unwrap())), forbidden, "disabled");
    let good = Some("abcdefghijklmnopqrstuvwxyz");
    assert_eq!(call(&mut s, good), (200, "ok".into()));
    assert_eq!(call(&mut s, good), (200, "ok".into()));
    assert_eq!(call(&mut s, good), (429, "{\"message\":\"Too Many Requests\"}".into()), "the burst of 2 is spent");
    s.e.control(0, "AdvanceClock", &json!({ "seconds": 1 })).unwrap();
    assert_eq!(call(&mut s, good), (200, "ok".into()));
    s.e.control(0, "AdvanceClock", &json!({ "seconds": 5 })).unwrap();
    assert_eq!(call(&mut s, good), (200, "ok".into()));
    assert_eq!(call(&mut s, good), (429, "{\"message\":\"Limit Exceeded\"}".into()), "4 a day");
    // The quota's use survives a restore; the next day starts afresh.
    let mut e = Engine::restore(EngineConfig::default(), 0, s.e.snapshot()).expect("restore");
    let input = json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": "/", "headers": { "x-api-key": "abcdefghijklmnopqrstuvwxyz" } });
    assert_eq!(e.call(0, &Request::new("execute-api", "Invoke", REGION, input.clone())).unwrap()["statusCode"], 429);
    e.control(0, "AdvanceClock", &json!({ "seconds": 86_400 })).unwrap();
    assert_eq!(e.call(0, &Request::new("execute-api", "Invoke", REGION, input)).unwrap()["statusCode"], 200);
    // TestInvokeMethod skips the key check.
    assert_eq!(s.ok("TestInvokeMethod", json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET" }))["status"], 200);
    s.ok("DeleteUsagePlanKey", json!({ "usagePlanId": plan["id"], "keyId": key["id"] }));
    assert_eq!(call(&mut s, good), forbidden);
    s.ok("DeleteApiKey", json!({ "apiKey": key["id"] }));
    assert_eq!(s.fail("GetApiKey", json!({ "apiKey": key["id"] })).message, "Invalid API Key identifier specified");
    s.ok("DeleteUsagePlan", json!({ "usagePlanId": plan["id"] }));
    assert_eq!(s.fail("GetUsagePlan", json!({ "usagePlanId": plan["id"] })).kind, "NotFoundException");
}

#[test]
fn vtl_mapping_templates_shape_requests_and_responses() {
    let mut s = Sandbox::new();
    let plain = s.function("plain");
    let (id, root) = s.api();
    // MOCK: the request template picks the status from a query parameter; the response template
    // reads the request's parameters and $context, and may override the status and headers.
    let m = json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET" });
    s.ok("PutMethod", merge(&m, json!({ "authorizationType": "NONE" })));
    for code in ["200", "404"] {
        s.ok("PutMethodResponse", merge(&m, json!({ "statusCode": code })));
    }
    let request = "#if($input.params('kind') == 'missing')\n{\"statusCode\": 404}\n#else\n{\"statusCode\": 200}\n#end";
    s.ok("PutIntegration", merge(&m, json!({ "type": "MOCK", "requestTemplates": { "application/json": request } })));
    let ok_template = "#set($kind = $input.params('kind'))\n#if($kind == 'teapot')\n#set($context.responseOverride.status = 418)\n#set($context.responseOverride.header.X-Brew = \"tea\")\n#end\n{\"kind\": \"$util.escapeJavaScript($kind)\", \"method\": \"$context.httpMethod\", \"stage\": \"$context.stage\"}";
    s.ok("PutIntegrationResponse", merge(&m, json!({ "statusCode": "200", "responseTemplates": { "application/json": ok_template } })));
    s.ok(
        "PutIntegrationResponse",
        merge(&m, json!({ "statusCode": "404", "selectionPattern": "404", "responseTemplates": { "application/json": "{\"message\": \"no $input.params('kind') here\"}" } })),
    );
    // Non-proxy Lambda: the request template builds the payload the function receives (the
    // test function echoes it).
    let r = s.resource(&id, &root, "echo");
    let e = json!({ "restApiId": id, "resourceId": r, "httpMethod": "POST" });
    s.ok("PutMethod", merge(&e, json!({ "authorizationType": "NONE" })));
    s.ok("PutMethodResponse", merge(&e, json!({ "statusCode": "200" })));
    let payload = "{\"items\": $input.json('$.items'), \"count\": $input.path('$.items').size(), \"who\": \"$input.params('who')\"}";
    s.ok(
        "PutIntegration",
        merge(
            &e,
            json!({ "type": "AWS", "integrationHttpMethod": "POST", "uri": format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{plain}/invocations"), "requestTemplates": { "application/json": payload } }),
        ),
    );
    s.ok("PutIntegrationResponse", merge(&e, json!({ "statusCode": "200" })));
    // A template with a syntax error is a 500, with the reason in the trace.
    let b = s.resource(&id, &root, "broken");
    let bm = json!({ "restApiId": id, "resourceId": b, "httpMethod": "GET" });
    s.ok("PutMethod", merge(&bm, json!({ "authorizationType": "NONE" })));
    s.ok("PutMethodResponse", merge(&bm, json!({ "statusCode": "200" })));
    s.ok("PutIntegration", merge(&bm, json!({ "type": "MOCK", "requestTemplates": { "application/json": "#if($x {\"statusCode\": 200}" } })));
    s.ok("PutIntegrationResponse", merge(&bm, json!({ "statusCode": "200" })));
    s.deploy(&id);

    let get = |s: &mut Sandbox, path: &str, query: &str| s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": path, "queryString": query }));
    let out = get(&mut s, "/", "kind=found");
    assert_eq!(out["statusCode"], 200, "{out}");
    assert_eq!(serde_json::from_str::<Value>(out["body"].as_str().unwrap()).unwrap(), json!({"kind": "found", "method": "GET", "stage": "prod"}));
    let out = get(&mut s, "/", "kind=missing");
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(404), json!("{\"message\": \"no missing here\"}")));
    let out = get(&mut s, "/", "kind=teapot");
    assert_eq!(out["statusCode"], 418, "{out}");
    assert_eq!(out["headers"]["X-Brew"], "tea");
    let out = s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "POST", "path": "/echo", "queryString": "who=kim", "body": "{\"items\": [1, 2, {\"a\": \"b\"}]}" }));
    assert_eq!(out["statusCode"], 200, "{out}");
    assert_eq!(serde_json::from_str::<Value>(out["body"].as_str().unwrap()).unwrap(), json!({"items": [1, 2, {"a": "b"}], "count": 3, "who": "kim"}));
    let out = get(&mut s, "/broken", "");
    assert_eq!(out["statusCode"], 500);
    let trace = out["trace"].to_string();
    assert!(trace.contains("Execution failed due to configuration error"), "{trace}");
}

impl Sandbox {
    fn aws(&mut self, service: &str, op: &str, input: Value) -> Result<Value, AwsError> {
        self.e.call(0, &Request::new(service, op, REGION, input))
    }

    /// A POST method on `/{part}` with an AWS service integration (a 200 and a 400 response).
    fn service_method(&mut self, api: &str, root: &str, part: &str, uri: &str, template: &str, credentials: Option<&str>) {
        let rid = self.resource(api, root, part);
        let m = json!({ "restApiId": api, "resourceId": rid, "httpMethod": "POST" });
        self.ok("PutMethod", merge(&m, json!({ "authorizationType": "NONE" })));
        for code in ["200", "400"] {
            self.ok("PutMethodResponse", merge(&m, json!({ "statusCode": code })));
        }
        let mut integration = json!({ "type": "AWS", "integrationHttpMethod": "POST", "uri": uri, "requestTemplates": { "application/json": template } });
        if let Some(c) = credentials {
            integration["credentials"] = json!(c);
        }
        self.ok("PutIntegration", merge(&m, integration));
        self.ok("PutIntegrationResponse", merge(&m, json!({ "statusCode": "200" })));
        self.ok("PutIntegrationResponse", merge(&m, json!({ "statusCode": "400", "selectionPattern": "4\\d{2}" })));
    }

    fn post(&mut self, api: &str, path: &str, body: &str) -> Value {
        self.invoke(json!({ "restApiId": api, "stage": "prod", "httpMethod": "POST", "path": path, "headers": { "Content-Type": "application/json" }, "body": body }))
    }
}

#[test]
fn aws_service_integrations_call_kinesis_dynamodb_sqs_and_states() {
    let mut s = Sandbox::new();
    s.aws("kinesis", "CreateStream", json!({ "StreamName": "clicks", "ShardCount": 1 })).unwrap();
    s.e.control(0, "AdvanceClock", &json!({ "seconds": 5 })).unwrap();
    s.aws("dynamodb", "CreateTable", json!({ "TableName": "pets", "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST" })).unwrap();
    s.e.control(0, "AdvanceClock", &json!({ "seconds": 30 })).unwrap();
    let queue = s.aws("sqs", "CreateQueue", json!({ "QueueName": "orders" })).unwrap()["QueueUrl"].as_str().unwrap().to_string();
    let (id, root) = s.api();
    s.service_method(
        &id,
        &root,
        "clicks",
        "arn:aws:apigateway:us-east-1:kinesis:action/PutRecord",
        "{\"StreamName\": \"clicks\", \"Data\": \"$util.base64Encode($input.body)\", \"PartitionKey\": \"$input.path('$.user')\"}",
        None,
    );
    s.service_method(
        &id,
        &root,
        "ghost",
        "arn:aws:apigateway:us-east-1:kinesis:action/PutRecord",
        "{\"StreamName\": \"ghost\", \"Data\": \"AA==\", \"PartitionKey\": \"k\"}",
        None,
    );
    s.service_method(
        &id,
        &root,
        "pets",
        "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
        "{\"TableName\": \"pets\", \"Item\": {\"id\": {\"S\": \"$input.path('$.id')\"}, \"name\": {\"S\": \"$input.path('$.name')\"}}}",
        None,
    );
    s.service_method(
        &id,
        &root,
        "pet",
        "arn:aws:apigateway:us-east-1:dynamodb:action/GetItem",
        "{\"TableName\": \"pets\", \"Key\": {\"id\": {\"S\": \"$input.path('$.id')\"}}}",
        None,
    );
    s.service_method(&id, &root, "orders", "arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders", "Action=SendMessage&MessageBody=$util.urlEncode($input.body)", None);
    s.service_method(
        &id,
        &root,
        "run",
        "arn:aws:apigateway:us-east-1:states:action/StartExecution",
        "{\"stateMachineArn\": \"arn:aws:states:us-east-1:123456789012:stateMachine:nope\", \"input\": \"$util.escapeJavaScript($input.body)\"}",
        None,
    );
    s.deploy(&id);

    // Kinesis PutRecord: the service's answer is the body; the record is in the stream.
    let out = s.post(&id, "/clicks", "{\"user\": \"u1\", \"page\": \"/home\"}");
    assert_eq!(out["statusCode"], 200, "{out}");
    let answer: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["ShardId"], "shardId-000000000000");
    assert!(answer["SequenceNumber"].as_str().is_some_and(|n| !n.is_empty()));
    let it = s.aws("kinesis", "GetShardIterator", json!({ "StreamName": "clicks", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON" })).unwrap();
    let records = s.aws("kinesis", "GetRecords", json!({ "ShardIterator": it["ShardIterator"] })).unwrap();
    assert_eq!(records["Records"][0]["PartitionKey"], "u1");
    assert_eq!(B64.decode(records["Records"][0]["Data"].as_str().unwrap()).unwrap(), b"{\"user\": \"u1\", \"page\": \"/home\"}");

    // A service error is the service's status and body, chosen by selectionPattern on the status.
    let out = s.post(&id, "/ghost", "{\"user\": \"u1\"}");
    assert_eq!(out["statusCode"], 400, "{out}");
    let answer: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["__type"], "ResourceNotFoundException", "{out}");

    // DynamoDB PutItem then GetItem.
    let out = s.post(&id, "/pets", "{\"id\": \"p1\", \"name\": \"Rex\"}");
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(200), json!("{}")));
    let out = s.post(&id, "/pet", "{\"id\": \"p1\"}");
    assert_eq!(serde_json::from_str::<Value>(out["body"].as_str().unwrap()).unwrap(), json!({ "Item": { "id": { "S": "p1" }, "name": { "S": "Rex" } } }));

    // SQS SendMessage by path with the form-encoded body of AWS's tutorial: SQS's XML answer.
    let out = s.post(&id, "/orders", "{\"order\": 7}");
    assert_eq!(out["statusCode"], 200, "{out}");
    let body = out["body"].as_str().unwrap();
    assert!(body.starts_with("<?xml version=\"1.0\"?><SendMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><SendMessageResult><MessageId>"), "{body}");
    assert!(body.contains("<MD5OfMessageBody>"), "{body}");
    let got = s.aws("sqs", "ReceiveMessage", json!({ "QueueUrl": queue })).unwrap();
    assert_eq!(got["Messages"][0]["Body"], "{\"order\": 7}");

    // Step Functions: whatever `states` answers (not in every build) comes back through the
    // integration response; when the service is not in the build, a 500 with the reason.
    let out = s.post(&id, "/run", "{\"a\": 1}");
    let trace = out["trace"].to_string();
    if out["statusCode"] == 500 {
        assert_eq!(out["body"], "{\"message\":\"Internal server error\"}");
        assert!(trace.contains("the service 'states' is not available in this sandbox"), "{trace}");
    } else {
        assert_eq!(out["statusCode"], 400, "{out}");
        assert!(trace.contains("states StartExecution answered status 400"), "{trace}");
    }
}

#[test]
fn aws_integration_credentials_are_checked_against_the_role() {
    let mut s = Sandbox::new();
    s.aws("kinesis", "CreateStream", json!({ "StreamName": "clicks", "ShardCount": 1 })).unwrap();
    s.e.control(0, "AdvanceClock", &json!({ "seconds": 5 })).unwrap();
    let trust =
        json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Principal": { "Service": "apigateway.amazonaws.com" }, "Action": "sts:AssumeRole" }] }).to_string();
    for role in ["writer", "reader"] {
        s.aws("iam", "CreateRole", json!({ "RoleName": role, "AssumeRolePolicyDocument": trust })).unwrap();
    }
    let allow = |action: &str| {
        json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": action, "Resource": "arn:aws:kinesis:us-east-1:123456789012:stream/clicks" }] }).to_string()
    };
    s.aws("iam", "PutRolePolicy", json!({ "RoleName": "writer", "PolicyName": "w", "PolicyDocument": allow("kinesis:PutRecord") })).unwrap();
    s.aws("iam", "PutRolePolicy", json!({ "RoleName": "reader", "PolicyName": "r", "PolicyDocument": allow("kinesis:GetRecords") })).unwrap();
    let (id, root) = s.api();
    let t = "{\"StreamName\": \"clicks\", \"Data\": \"$util.base64Encode($input.body)\", \"PartitionKey\": \"k\"}";
    let uri = "arn:aws:apigateway:us-east-1:kinesis:action/PutRecord";
    s.service_method(&id, &root, "w", uri, t, Some("arn:aws:iam::123456789012:role/writer"));
    s.service_method(&id, &root, "r", uri, t, Some("arn:aws:iam::123456789012:role/reader"));
    s.service_method(&id, &root, "x", uri, t, Some("arn:aws:iam::123456789012:role/ghost"));
    s.deploy(&id);
    let out = s.post(&id, "/w", "{}");
    assert_eq!(out["statusCode"], 200, "{out}");
    assert!(out["trace"].to_string().contains("Credentials: assuming role arn:aws:iam::123456789012:role/writer to call kinesis:PutRecord"));
    let out = s.post(&id, "/r", "{}");
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(500), json!("{\"message\":\"Internal server error\"}")));
    assert!(out["trace"].to_string().contains("is not allowed to perform kinesis:PutRecord on arn:aws:kinesis:us-east-1:123456789012:stream/clicks"), "{out}");
    let out = s.post(&id, "/x", "{}");
    assert_eq!(out["statusCode"], 500);
    assert!(out["trace"].to_string().contains("does not have permission to assume the provided role"), "{out}");
    // The role must be a role ARN.
    let rid = s.resource(&id, &root, "bad");
    s.ok("PutMethod", json!({ "restApiId": id, "resourceId": rid, "httpMethod": "POST", "authorizationType": "NONE" }));
    let e = s.fail(
        "PutIntegration",
        json!({ "restApiId": id, "resourceId": rid, "httpMethod": "POST", "type": "AWS", "integrationHttpMethod": "POST", "uri": uri, "credentials": "writer" }),
    );
    assert_err(&e, "BadRequestException", 400, "Invalid ARN specified in the request");
}

#[test]
fn lambda_authorizers_allow_deny_cache_and_pass_their_context() {
    let mut s = Sandbox::new();
    let auth = s.function("auth");
    let echo = s.function("echo");
    let (id, root) = s.api();
    let uri = format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{auth}/invocations");
    // Control plane: validation and shapes.
    let e = s.fail("CreateAuthorizer", json!({ "restApiId": id, "name": "a", "type": "TOKEN", "authorizerUri": uri, "identitySource": "method.request.querystring.t" }));
    assert_err(&e, "BadRequestException", 400, "Invalid identity source specified: method.request.querystring.t");
    let a = s.ok("CreateAuthorizer", json!({ "restApiId": id, "name": "tok", "type": "TOKEN", "authorizerUri": uri, "identitySource": "method.request.header.Authorization", "identityValidationExpression": "(allow|deny|expired|junk).*" }));
    assert_eq!(a["authorizerResultTtlInSeconds"], 300);
    assert_eq!(a["type"], "TOKEN");
    let aid = a["id"].as_str().unwrap().to_string();
    assert_eq!(s.ok("GetAuthorizers", json!({ "restApiId": id }))["item"][0]["name"], "tok");
    let e = s.fail("PutMethod", json!({ "restApiId": id, "resourceId": root, "httpMethod": "GET", "authorizationType": "CUSTOM", "authorizerId": "nope" }));
    assert_err(&e, "BadRequestException", 400, "Invalid authorizer ID specified");
    let pets = s.resource(&id, &root, "pets");
    let pet = s.resource(&id, &pets, "{id}");
    let owners = s.resource(&id, &root, "owners");
    for rid in [&pet, &owners] {
        s.ok("PutMethod", json!({ "restApiId": id, "resourceId": rid, "httpMethod": "GET", "authorizationType": "CUSTOM", "authorizerId": aid }));
        s.ok(
            "PutIntegration",
            json!({ "restApiId": id, "resourceId": rid, "httpMethod": "GET", "type": "AWS_PROXY", "integrationHttpMethod": "POST",
                    "uri": format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{echo}/invocations") }),
        );
    }
    let e = s.fail("DeleteAuthorizer", json!({ "restApiId": id, "authorizerId": aid }));
    assert_eq!(e.kind, "ConflictException");
    s.deploy(&id);
    let get = |s: &mut Sandbox, path: &str, token: Option<&str>| {
        let headers = token.map(|t| json!({ "Authorization": t })).unwrap_or(json!({}));
        s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": path, "headers": headers }))
    };
    // No token, or one the expression refuses: 401 without calling the function.
    let calls = s.runtime.events.lock().unwrap().len();
    let out = get(&mut s, "/pets/1", None);
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(401), json!("{\"message\":\"Unauthorized\"}")));
    assert_eq!(out["headers"]["x-amzn-ErrorType"], "UnauthorizedException");
    assert_eq!(get(&mut s, "/pets/1", Some("nobody"))["statusCode"], 401);
    assert_eq!(s.runtime.events.lock().unwrap().len(), calls);
    // Allowed: the function gets a TOKEN event; the integration sees the principal and context.
    let out = get(&mut s, "/pets/1", Some("allow-1"));
    assert_eq!(out["statusCode"], 201, "{out}");
    let event: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(event["requestContext"]["authorizer"], json!({ "principalId": "user-allow-1", "tier": "gold", "n": 7 }));
    let events = s.runtime.events.lock().unwrap().clone();
    let token_event = &events[events.len() - 2];
    assert_eq!(token_event["type"], "TOKEN");
    assert_eq!(token_event["authorizationToken"], "allow-1");
    assert_eq!(token_event["methodArn"], format!("arn:aws:execute-api:us-east-1:123456789012:{id}/prod/GET/pets/1"));
    // Cached for the TTL: the function is not called again, and the cached policy (GET /pets/*
    // only) denies /owners, as AWS's cache does.
    let calls = s.runtime.events.lock().unwrap().len();
    assert_eq!(get(&mut s, "/pets/2", Some("allow-1"))["statusCode"], 201);
    let out = get(&mut s, "/owners", Some("allow-1"));
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(403), json!("{\"message\":\"User is not authorized to access this resource\"}")));
    assert_eq!(s.runtime.events.lock().unwrap().len(), calls + 1, "only the /pets/2 integration ran");
    s.e.control(0, "AdvanceClock", &json!({ "seconds": 301 })).unwrap();
    get(&mut s, "/pets/2", Some("allow-1"));
    assert_eq!(s.runtime.events.lock().unwrap().len(), calls + 3, "the authorizer runs again after the TTL");
    // Explicit deny, Unauthorized from the function, and a malformed answer.
    let out = get(&mut s, "/pets/1", Some("deny-1"));
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(403), json!("{\"message\":\"User is not authorized to access this resource with an explicit deny\"}")));
    let out = get(&mut s, "/pets/1", Some("expired"));
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(401), json!("{\"message\":\"Unauthorized\"}")));
    let out = get(&mut s, "/pets/1", Some("junk"));
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(500), json!("{\"message\":null}")));
    assert_eq!(out["headers"]["x-amzn-ErrorType"], "AuthorizerConfigurationException");
    // TestInvokeAuthorizer.
    let out = s.ok("TestInvokeAuthorizer", json!({ "restApiId": id, "authorizerId": aid, "headers": { "Authorization": "allow-2" } }));
    assert_eq!(out["clientStatus"], 200, "{out}");
    assert_eq!(out["principalId"], "user-allow-2");
    assert_eq!(out["context"], json!({ "tier": "gold", "n": "7" }));
    assert_eq!(s.ok("TestInvokeAuthorizer", json!({ "restApiId": id, "authorizerId": aid }))["clientStatus"], 401);
}

#[test]
fn cognito_user_pool_authorizers_verify_id_tokens_and_pass_the_claims() {
    let mut s = Sandbox::new();
    let idp = |s: &mut Sandbox, op: &str, input: Value| s.e.call(0, &Request::new("cognito-idp", op, REGION, input)).unwrap_or_else(|e| panic!("{op}: {e}"));
    let pool = idp(&mut s, "CreateUserPool", json!({ "PoolName": "users" }))["UserPool"].clone();
    let (pool_id, pool_arn) = (pool["Id"].as_str().unwrap().to_string(), pool["Arn"].as_str().unwrap().to_string());
    let client =
        idp(&mut s, "CreateUserPoolClient", json!({ "UserPoolId": pool_id, "ClientName": "web", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }))
            ["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_string();
    idp(&mut s, "AdminCreateUser", json!({ "UserPoolId": pool_id, "Username": "alice", "MessageAction": "SUPPRESS" }));
    idp(&mut s, "AdminSetUserPassword", json!({ "UserPoolId": pool_id, "Username": "alice", "Password": "Correct-Horse-9", "Permanent": true }));
    let tokens =
        idp(&mut s, "InitiateAuth", json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Correct-Horse-9" } }))
            ["AuthenticationResult"]
            .clone();
    let (id_token, access_token) = (tokens["IdToken"].as_str().unwrap().to_string(), tokens["AccessToken"].as_str().unwrap().to_string());

    let echo = s.function("echo");
    let (id, root) = s.api();
    let a = s.ok(
        "CreateAuthorizer",
        json!({ "restApiId": id, "name": "users", "type": "COGNITO_USER_POOLS", "providerARNs": [pool_arn], "identitySource": "method.request.header.Authorization" }),
    );
    let aid = a["id"].as_str().unwrap().to_string();
    let notes = s.resource(&id, &root, "notes");
    s.ok("PutMethod", json!({ "restApiId": id, "resourceId": notes, "httpMethod": "GET", "authorizationType": "COGNITO_USER_POOLS", "authorizerId": aid }));
    s.ok(
        "PutIntegration",
        json!({ "restApiId": id, "resourceId": notes, "httpMethod": "GET", "type": "AWS_PROXY", "integrationHttpMethod": "POST",
                "uri": format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{echo}/invocations") }),
    );
    s.deploy(&id);
    let get = |s: &mut Sandbox, token: Option<&str>| {
        let headers = token.map(|t| json!({ "Authorization": t })).unwrap_or(json!({}));
        s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": "/notes", "headers": headers }))
    };
    // No token, a forged one, an access token where an ID token is due: 401, the function never runs.
    let calls = s.runtime.events.lock().unwrap().len();
    for token in [None, Some("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"), Some(access_token.as_str())] {
        let out = get(&mut s, token);
        assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(401), json!("{\"message\":\"Unauthorized\"}")), "{token:?}: {out}");
    }
    let mut tampered = id_token.clone();
    tampered.pop();
    tampered.push(if id_token.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(get(&mut s, Some(&tampered))["statusCode"], 401);
    assert_eq!(s.runtime.events.lock().unwrap().len(), calls);
    // The ID token: the integration sees the claims, every value a string.
    let out = get(&mut s, Some(&id_token));
    assert_eq!(out["statusCode"], 201, "{out}");
    let event: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    let claims = &event["requestContext"]["authorizer"]["claims"];
    assert_eq!((claims["cognito:username"].as_str(), claims["token_use"].as_str()), (Some("alice"), Some("id")));
    assert!(claims["exp"].is_string() && claims["sub"].as_str().is_some_and(|s| s.len() == 36), "{claims}");
    assert!(out["trace"].to_string().contains("The ID token of alice is valid"));
    // An hour later the token has expired.
    s.e.control(0, "AdvanceClock", &json!({ "seconds": 3_601 })).unwrap();
    assert_eq!(get(&mut s, Some(&id_token))["statusCode"], 401);
}

#[test]
fn gateway_responses_customize_the_gateways_own_errors_after_a_redeploy() {
    let mut s = Sandbox::new();
    let (id, root) = s.api();
    let pets = s.resource(&id, &root, "pets");
    s.mock(&id, &pets, "GET", "[]");
    s.ok("UpdateMethod", json!({ "restApiId": id, "resourceId": pets, "httpMethod": "GET", "patchOperations": [{ "op": "replace", "path": "/apiKeyRequired", "value": "true" }] }));
    s.deploy(&id);

    // The defaults: every type listed, its status code, the one template.
    let all = s.ok("GetGatewayResponses", json!({ "restApiId": id }));
    assert_eq!(all["item"].as_array().unwrap().len(), 21);
    let missing = s.ok("GetGatewayResponse", json!({ "restApiId": id, "responseType": "MISSING_AUTHENTICATION_TOKEN" }));
    assert_eq!(
        missing,
        json!({ "responseType": "MISSING_AUTHENTICATION_TOKEN", "statusCode": "403", "responseParameters": {}, "responseTemplates": { "application/json": "{\"message\":$context.error.messageString}" }, "defaultResponse": true })
    );
    assert!(s.ok("GetGatewayResponse", json!({ "restApiId": id, "responseType": "DEFAULT_4XX" })).get("statusCode").is_none());
    let out = s.get(&id, "/nowhere");
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(403), json!("{\"message\":\"Missing Authentication Token\"}")));
    assert_eq!(out["headers"]["x-amzn-ErrorType"], "MissingAuthenticationTokenException");
    let out = s.get(&id, "/pets");
    assert_eq!(
        (out["statusCode"].clone(), out["body"].clone(), out["headers"]["x-amzn-ErrorType"].clone()),
        (json!(403), json!("{\"message\":\"Forbidden\"}"), json!("ForbiddenException"))
    );

    // Customized: a status, headers from a literal, a request header, the context and a stage
    // variable, and a VTL template.
    let put = s.ok(
        "PutGatewayResponse",
        json!({ "restApiId": id, "responseType": "MISSING_AUTHENTICATION_TOKEN", "statusCode": "404",
                "responseParameters": { "gatewayresponse.header.Access-Control-Allow-Origin": "'*'", "gatewayresponse.header.X-Echo": "method.request.header.X-In",
                                        "gatewayresponse.header.X-Req": "context.requestId", "gatewayresponse.header.X-Stage": "stageVariables.color" },
                "responseTemplates": { "application/json": "{\"error\": $context.error.messageString, \"type\": \"$context.error.responseType\", \"path\": \"$context.path\"}" } }),
    );
    assert_eq!(put["defaultResponse"], false);
    assert_eq!(put["statusCode"], "404");
    assert_eq!(s.get(&id, "/nowhere")["statusCode"], 403, "not deployed yet");
    s.ok("CreateDeployment", json!({ "restApiId": id, "stageName": "prod", "variables": { "color": "blue" } }));
    let out = s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": "/nowhere", "headers": { "X-In": "hello" } }));
    assert_eq!(out["statusCode"], 404);
    assert_eq!(out["body"], "{\"error\": \"Missing Authentication Token\", \"type\": \"MISSING_AUTHENTICATION_TOKEN\", \"path\": \"/prod/nowhere\"}");
    assert_eq!(out["headers"]["Access-Control-Allow-Origin"], "*");
    assert_eq!(out["headers"]["X-Echo"], "hello");
    assert_eq!(out["headers"]["X-Req"], out["headers"]["x-amzn-RequestId"]);
    assert_eq!(out["headers"]["X-Stage"], "blue");
    assert_eq!(out["headers"]["x-amzn-ErrorType"], "MissingAuthenticationTokenException");

    // DEFAULT_4XX reaches the 4XX types that are not customized, its status code with it.
    s.ok(
        "PutGatewayResponse",
        json!({ "restApiId": id, "responseType": "DEFAULT_4XX", "responseParameters": { "gatewayresponse.header.Access-Control-Allow-Origin": "'https://a.example'" } }),
    );
    s.deploy(&id);
    let out = s.get(&id, "/pets");
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(403), json!("{\"message\":\"Forbidden\"}")));
    assert_eq!(out["headers"]["Access-Control-Allow-Origin"], "https://a.example");
    assert!(out["trace"].as_array().unwrap().iter().any(|t| t["step"] == "Gateway response"));
    let up = s.ok(
        "UpdateGatewayResponse",
        json!({ "restApiId": id, "responseType": "DEFAULT_4XX", "patchOperations": [{ "op": "replace", "path": "/statusCode", "value": "400" }, { "op": "add", "path": "/responseTemplates/application~1json", "value": "{\"oops\": $context.error.messageString}" }] }),
    );
    assert_eq!(up["statusCode"], "400");
    s.deploy(&id);
    let out = s.get(&id, "/pets");
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(400), json!("{\"oops\": \"Forbidden\"}")));
    // A 5XX is not touched by DEFAULT_4XX.
    let broken = s.resource(&id, &root, "broken");
    s.ok("PutMethod", json!({ "restApiId": id, "resourceId": broken, "httpMethod": "GET", "authorizationType": "NONE" }));
    s.ok(
        "PutIntegration",
        json!({ "restApiId": id, "resourceId": broken, "httpMethod": "GET", "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } }),
    );
    s.deploy(&id);
    let out = s.get(&id, "/broken");
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(500), json!("{\"message\":\"Internal server error\"}")));
    assert_eq!(out["headers"]["x-amzn-ErrorType"], "InternalServerErrorException");
    assert!(out["headers"].get("Access-Control-Allow-Origin").is_none());

    // Delete resets to the default; deleting a default is NotFound; junk is refused.
    s.ok("DeleteGatewayResponse", json!({ "restApiId": id, "responseType": "DEFAULT_4XX" }));
    assert_eq!(s.ok("GetGatewayResponse", json!({ "restApiId": id, "responseType": "DEFAULT_4XX" }))["defaultResponse"], true);
    assert_eq!(s.fail("DeleteGatewayResponse", json!({ "restApiId": id, "responseType": "THROTTLED" })).kind, "NotFoundException");
    assert_eq!(s.fail("PutGatewayResponse", json!({ "restApiId": id, "responseType": "NOPE" })).kind, "BadRequestException");
    assert_eq!(s.fail("PutGatewayResponse", json!({ "restApiId": id, "responseType": "THROTTLED", "statusCode": "99" })).kind, "BadRequestException");
    let bad = json!({ "restApiId": id, "responseType": "THROTTLED", "responseParameters": { "method.response.header.X": "'a'" } });
    assert_eq!(s.fail("PutGatewayResponse", bad).kind, "BadRequestException");
    let bad = json!({ "restApiId": id, "responseType": "THROTTLED", "responseParameters": { "gatewayresponse.header.X": "integration.response.body" } });
    assert_eq!(s.fail("PutGatewayResponse", bad).kind, "BadRequestException");
    assert_eq!(
        s.fail("PutGatewayResponse", json!({ "restApiId": id, "responseType": "THROTTLED", "responseTemplates": { "application/json": "#if(" } })).kind,
        "BadRequestException"
    );
    assert_eq!(s.fail("GetGatewayResponses", json!({ "restApiId": "nope" })).kind, "NotFoundException");
    let page = s.ok("GetGatewayResponses", json!({ "restApiId": id, "limit": 5 }));
    assert_eq!((page["item"].as_array().unwrap().len(), page["position"].clone()), (5, json!("ACCESS_DENIED")));

    // Customizations are journaled with the API and its deployments.
    let mut e = Engine::restore(EngineConfig::default(), 0, s.e.snapshot()).expect("restore");
    let out = e.call(0, &Request::new("execute-api", "Invoke", REGION, json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": "/x" }))).unwrap();
    assert_eq!(out["statusCode"], 404);
    let got = e.call(0, &Request::new("apigateway", "GetGatewayResponse", REGION, json!({ "restApiId": id, "responseType": "MISSING_AUTHENTICATION_TOKEN" }))).unwrap();
    assert_eq!(got["statusCode"], "404");
}

const PETSTORE: &str = include_str!("testdata/petstore.yaml");

fn import(s: &mut Sandbox, doc: &str, extra: Value) -> Value {
    s.ok("ImportRestApi", merge(&json!({ "body": B64.encode(doc) }), extra))
}

fn export(s: &mut Sandbox, api: &str, kind: &str, accepts: &str, extensions: &str) -> String {
    let out = s.ok("GetExport", json!({ "restApiId": api, "stageName": "prod", "exportType": kind, "accepts": accepts, "parameters": { "extensions": extensions } }));
    String::from_utf8(B64.decode(out["body"].as_str().unwrap()).unwrap()).unwrap()
}

/// Every method of an API by path, without the ids that differ between two imports.
fn tree(s: &mut Sandbox, api: &str) -> Value {
    let all = s.ok("GetResources", json!({ "restApiId": api, "embed": ["methods"], "limit": 500 }));
    let mut out = serde_json::Map::new();
    for r in all["item"].as_array().unwrap() {
        let mut methods = r.get("resourceMethods").cloned().unwrap_or(json!({}));
        for m in methods.as_object_mut().unwrap().values_mut() {
            m.as_object_mut().unwrap().remove("authorizerId");
            if let Some(i) = m.get_mut("methodIntegration").and_then(Value::as_object_mut) {
                i.remove("cacheNamespace");
            }
        }
        out.insert(r["path"].as_str().unwrap().to_string(), methods);
    }
    Value::Object(out)
}

#[test]
fn the_petstore_definition_imports_and_answers() {
    let mut s = Sandbox::new();
    s.function("echo");
    let api = import(&mut s, PETSTORE, json!({}));
    assert_eq!(api["name"], "PetStore");
    assert_eq!(api["version"], "2026-11-25");
    assert_eq!(api["binaryMediaTypes"], json!(["image/png"]));
    assert!(api["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("Models")), "{api}");
    let id = api["id"].as_str().unwrap().to_string();
    let t = tree(&mut s, &id);
    assert_eq!(t.as_object().unwrap().keys().collect::<Vec<_>>(), ["/", "/pets", "/pets/{petId}", "/proxy", "/proxy/{proxy+}"]);
    let list = &t["/pets"]["GET"];
    assert_eq!(list["operationName"], "ListPets");
    assert_eq!(list["requestParameters"], json!({ "method.request.querystring.page": false, "method.request.querystring.type": false }));
    assert_eq!(list["methodResponses"]["200"]["responseParameters"], json!({ "method.response.header.Access-Control-Allow-Origin": false }));
    assert_eq!(list["methodIntegration"]["type"], "HTTP");
    assert_eq!(list["methodIntegration"]["httpMethod"], "GET");
    assert_eq!(list["methodIntegration"]["integrationResponses"]["200"]["responseParameters"], json!({ "method.response.header.Access-Control-Allow-Origin": "'*'" }));
    assert_eq!(t["/pets/{petId}"]["GET"]["requestParameters"], json!({ "method.request.path.petId": true }));
    assert_eq!(t["/pets"]["POST"]["methodIntegration"]["passthroughBehavior"], "WHEN_NO_TEMPLATES");
    assert_eq!(t["/proxy/{proxy+}"]["ANY"]["methodIntegration"]["type"], "AWS_PROXY");
    let gr = s.ok("GetGatewayResponse", json!({ "restApiId": id, "responseType": "DEFAULT_4XX" }));
    assert_eq!(gr["responseParameters"], json!({ "gatewayresponse.header.Access-Control-Allow-Origin": "'*'" }));

    s.deploy(&id);
    // The MOCK root answers its HTML page, the template of its only content type.
    let out = s.get(&id, "/");
    assert_eq!(out["statusCode"], 200);
    assert_eq!(out["headers"]["Content-Type"], "text/html");
    assert!(out["body"].as_str().unwrap().contains("Welcome to your Pet Store API"));
    let out = s.get(&id, "/pets/42");
    assert_eq!(out["body"], "{\"id\": \"42\", \"type\": \"dog\", \"price\": 249.99}");
    // The HTTP integration is not wired: a 500 with the reason in the trace.
    let out = s.get(&id, "/pets");
    assert_eq!(out["statusCode"], 500);
    assert!(out["trace"].to_string().contains("not wired"));
    // CORS: the preflight answers from its MOCK, a 4XX carries the header through DEFAULT_4XX.
    let out = s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "OPTIONS", "path": "/pets", "headers": { "Origin": "https://a.example", "Access-Control-Request-Method": "POST" } }));
    assert_eq!(out["statusCode"], 200);
    assert_eq!(out["headers"]["Access-Control-Allow-Methods"], "GET,POST,OPTIONS");
    assert_eq!(out["headers"]["Access-Control-Allow-Origin"], "*");
    let out = s.get(&id, "/nope");
    assert_eq!((out["statusCode"].clone(), out["headers"]["Access-Control-Allow-Origin"].clone()), (json!(403), json!("*")));
    // The greedy proxy reaches the Lambda function with the rest of the path.
    let out = s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "DELETE", "path": "/proxy/a/b/c" }));
    assert_eq!(out["statusCode"], 201);
    let event: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(event["pathParameters"], json!({ "proxy": "a/b/c" }));
    assert_eq!(event["resource"], "/proxy/{proxy+}");

    // basepath=prepend puts the server's base path in front of every path.
    let api = import(&mut s, PETSTORE, json!({ "parameters": { "basepath": "prepend" } }));
    let t = tree(&mut s, api["id"].as_str().unwrap());
    assert!(t.get("/v1/pets/{petId}").is_some(), "{t}");
    // failonwarnings turns the warnings into an error, and no API is left behind.
    let before = s.ok("GetRestApis", json!({}))["item"].as_array().unwrap().len();
    let e = s.fail("ImportRestApi", json!({ "body": B64.encode(PETSTORE), "failOnWarnings": true }));
    assert!(e.message.starts_with("Warnings found during import:"), "{}", e.message);
    assert_eq!(s.ok("GetRestApis", json!({}))["item"].as_array().unwrap().len(), before);
}

#[test]
fn export_then_import_gives_the_same_api_in_both_formats() {
    let mut s = Sandbox::new();
    let arn = s.function("auth");
    let api = import(&mut s, PETSTORE, json!({}));
    let id = api["id"].as_str().unwrap().to_string();
    // An authorizer, an API key and a gateway response to carry through.
    let a = s.ok(
        "CreateAuthorizer",
        json!({ "restApiId": id, "name": "tok", "type": "TOKEN", "identitySource": "method.request.header.Auth",
                "authorizerUri": format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"), "authorizerResultTtlInSeconds": 0 }),
    );
    let pets =
        s.ok("GetResources", json!({ "restApiId": id }))["item"].as_array().unwrap().iter().find(|r| r["path"] == "/pets/{petId}").unwrap()["id"].as_str().unwrap().to_string();
    s.ok(
        "UpdateMethod",
        json!({ "restApiId": id, "resourceId": pets, "httpMethod": "GET", "patchOperations": [
            { "op": "replace", "path": "/authorizationType", "value": "CUSTOM" }, { "op": "replace", "path": "/authorizerId", "value": a["id"] },
            { "op": "replace", "path": "/apiKeyRequired", "value": "true" }] }),
    );
    s.ok(
        "PutGatewayResponse",
        json!({ "restApiId": id, "responseType": "UNAUTHORIZED", "statusCode": "401", "responseTemplates": { "application/json": "{\"why\": $context.error.messageString}" } }),
    );
    s.deploy(&id);
    let first = export(&mut s, &id, "oas30", "application/json", "apigateway");
    let doc: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(doc["openapi"], "3.0.1");
    assert_eq!(doc["paths"]["/pets/{petId}"]["get"]["security"], json!([{ "api_key": [] }, { "tok": [] }]));
    assert_eq!(doc["components"]["securitySchemes"]["tok"]["x-amazon-apigateway-authtype"], "custom");
    assert_eq!(doc["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"]["type"], "http");
    assert_eq!(doc["x-amazon-apigateway-gateway-responses"]["UNAUTHORIZED"]["statusCode"], "401");
    // Without extensions: no integration, no authorizer.
    let plain: Value = serde_json::from_str(&export(&mut s, &id, "oas30", "application/json", "")).unwrap();
    assert!(plain["paths"]["/pets"]["get"].get("x-amazon-apigateway-integration").is_none());
    assert!(plain.get("x-amazon-apigateway-gateway-responses").is_none());

    // OAS 3 as YAML, and Swagger 2 as JSON: each imports into the same tree.
    for (kind, accepts) in [("oas30", "application/yaml"), ("swagger", "application/json")] {
        let text = export(&mut s, &id, kind, accepts, "apigateway");
        if accepts.contains("yaml") {
            assert!(text.starts_with("openapi: 3.0.1"), "{text}");
        }
        let again = import(&mut s, &text, json!({}));
        let again_id = again["id"].as_str().unwrap().to_string();
        assert_eq!(tree(&mut s, &again_id), tree(&mut s, &id), "{kind}");
        assert_eq!(again["binaryMediaTypes"], json!(["image/png"]));
        let auths = s.ok("GetAuthorizers", json!({ "restApiId": again_id }));
        assert_eq!(auths["item"][0]["name"], "tok");
        assert_eq!(auths["item"][0]["identitySource"], "method.request.header.Auth");
        assert_eq!(s.ok("GetGatewayResponse", json!({ "restApiId": again_id, "responseType": "UNAUTHORIZED" }))["statusCode"], "401");
        // And the re-import exports to the same document, but for its id.
        s.deploy(&again_id);
        let second = export(&mut s, &again_id, "oas30", "application/json", "apigateway");
        assert_eq!(second.replace(&again_id, &id), first, "{kind}");
    }

    // PutRestApi: merge adds, overwrite replaces.
    let extra = "{\"swagger\": \"2.0\", \"info\": {\"title\": \"more\"}, \"paths\": {\"/extra\": {\"get\": {\"responses\": {\"200\": {\"description\": \"ok\"}}, \"x-amazon-apigateway-integration\": {\"type\": \"mock\", \"requestTemplates\": {\"application/json\": \"{\\\"statusCode\\\": 200}\"}, \"responses\": {\"default\": {\"statusCode\": \"200\"}}}}}}}";
    let merged = s.ok("PutRestApi", json!({ "restApiId": id, "mode": "merge", "body": B64.encode(extra) }));
    assert_eq!(merged["name"], "PetStore");
    let t = tree(&mut s, &id);
    assert!(t.get("/extra").is_some() && t.get("/pets").is_some());
    let over = s.ok("PutRestApi", json!({ "restApiId": id, "parameters": { "mode": "overwrite" }, "body": B64.encode(extra) }));
    assert_eq!(over["name"], "more");
    let t = tree(&mut s, &id);
    assert_eq!(t.as_object().unwrap().keys().collect::<Vec<_>>(), ["/", "/extra"]);
    assert!(s.ok("GetAuthorizers", json!({ "restApiId": id }))["item"].as_array().unwrap().is_empty());
    assert_eq!(s.fail("PutRestApi", json!({ "restApiId": id, "mode": "replace", "body": B64.encode(extra) })).kind, "BadRequestException");
}

#[test]
fn bad_definitions_are_refused_with_awss_errors() {
    let mut s = Sandbox::new();
    let fail = |s: &mut Sandbox, doc: &str| s.fail("ImportRestApi", json!({ "body": B64.encode(doc) }));
    assert_eq!(fail(&mut s, "").kind, "BadRequestException");
    assert!(fail(&mut s, "{\"openapi\": ").message.contains("JSON"));
    assert!(fail(&mut s, "a: [b").message.contains("YAML"));
    assert!(fail(&mut s, "{\"info\": {\"title\": \"x\"}}").message.contains("openapi"));
    assert!(fail(&mut s, "[1, 2]").message.contains("Invalid OpenAPI input"));
    assert!(fail(&mut s, "{\"swagger\": \"2.0\", \"paths\": {}}").message.contains("title"));
    let bad_uri = "{\"swagger\": \"2.0\", \"info\": {\"title\": \"x\"}, \"paths\": {\"/a\": {\"get\": {\"x-amazon-apigateway-integration\": {\"type\": \"aws\", \"httpMethod\": \"POST\", \"uri\": \"nope\"}}}}}";
    let e = fail(&mut s, bad_uri);
    assert_eq!(e.message, "Errors found during import:\n\tUnable to put method 'GET' on resource at path '/a': Invalid ARN specified in the request");
    let bad_path = "{\"swagger\": \"2.0\", \"info\": {\"title\": \"x\"}, \"paths\": {\"/a b\": {}}}";
    assert!(fail(&mut s, bad_path).message.starts_with("Errors found during import:"));
    let sigv4 = "{\"swagger\": \"2.0\", \"info\": {\"title\": \"x\"}, \"securityDefinitions\": {\"sigv4\": {\"type\": \"apiKey\", \"name\": \"Authorization\", \"in\": \"header\", \"x-amazon-apigateway-authtype\": \"awsSigv4\"}}, \"paths\": {}}";
    assert!(fail(&mut s, sigv4).message.contains("AWS_IAM"));
    assert!(s.ok("GetRestApis", json!({}))["item"].as_array().unwrap().is_empty(), "no API is left behind");
    // Extensions the sandbox does not model are warnings.
    let validators = "openapi: 3.0.1\ninfo:\n  title: v\nx-amazon-apigateway-request-validators:\n  all:\n    validateRequestBody: true\npaths: {}\n";
    let api = s.ok("ImportRestApi", json!({ "body": B64.encode(validators) }));
    assert!(api["warnings"][0].as_str().unwrap().contains("request validators"));
    // A YAML alias bomb or deep nesting does not hang or panic.
    let deep = format!("openapi: 3.0.1\ninfo: {{title: d}}\npaths: {}{}", "[".repeat(200), "]".repeat(200));
    assert_eq!(fail(&mut s, &deep).kind, "BadRequestException");
    // Exports: unknown stage, type, extension, accepts.
    let id = api["id"].as_str().unwrap();
    assert_eq!(s.fail("GetExport", json!({ "restApiId": id, "stageName": "prod", "exportType": "oas30" })).kind, "NotFoundException");
    let root = api["rootResourceId"].as_str().unwrap().to_string();
    s.mock(id, &root, "GET", "{}");
    s.deploy(id);
    for bad in
        [json!({ "exportType": "raml" }), json!({ "exportType": "oas30", "parameters": { "extensions": "postman" } }), json!({ "exportType": "oas30", "accepts": "text/xml" })]
    {
        assert_eq!(s.fail("GetExport", merge(&json!({ "restApiId": id, "stageName": "prod" }), bad)).kind, "BadRequestException");
    }
}

#[test]
fn aws_iam_methods_need_a_signed_caller_allowed_to_invoke() {
    use crate::kernel::authz::Credentials;
    let mut s = Sandbox::new();
    let (id, root) = s.api();
    let pets = s.resource(&id, &root, "pets");
    s.mock(&id, &pets, "GET", "{\"caller\": \"$context.identity.userArn\", \"key\": \"$context.identity.accessKey\", \"user\": \"$context.identity.user\"}");
    s.ok(
        "UpdateMethod",
        json!({ "restApiId": id, "resourceId": pets, "httpMethod": "GET", "patchOperations": [{ "op": "replace", "path": "/authorizationType", "value": "AWS_IAM" }] }),
    );
    s.mock(&id, &root, "GET", "open");
    s.deploy(&id);
    let iam = |s: &mut Sandbox, op: &str, input: Value| s.e.call(0, &Request::new("iam", op, REGION, input)).unwrap_or_else(|e| panic!("{op}: {e}"));
    iam(&mut s, "CreateUser", json!({ "UserName": "alice" }));
    let key = iam(&mut s, "CreateAccessKey", json!({ "UserName": "alice" }))["AccessKey"]["AccessKeyId"].as_str().unwrap().to_string();
    let call = |s: &mut Sandbox, key: Option<&str>, path: &str| {
        let mut input = json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": path });
        if let Some(k) = key {
            input["accessKey"] = json!(k);
        }
        let req = Request::new("execute-api", "Invoke", REGION, input).signed(key.map(|k| Credentials::AccessKey(k.to_string())));
        s.e.call(0, &req)
    };
    // Unsigned: Missing Authentication Token, through its gateway response.
    let out = call(&mut s, None, "/pets").unwrap();
    assert_eq!((out["statusCode"].clone(), out["body"].clone()), (json!(403), json!("{\"message\":\"Missing Authentication Token\"}")));
    assert!(out["trace"].to_string().contains("AWS_IAM"));
    // No policy allows it yet: IAM's message, as API Gateway sends it.
    let arn = format!("arn:aws:execute-api:us-east-1:123456789012:{id}/prod/GET/pets");
    let e = call(&mut s, Some(&key), "/pets").unwrap_err();
    assert_eq!((e.kind.as_str(), e.status), ("AccessDeniedException", 403));
    assert!(e.message.starts_with(&format!("User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: {arn}")), "{}", e.message);
    // Unknown keys are refused; a method without AWS_IAM ignores the signature.
    let e = call(&mut s, Some("AKIAAAAAAAAAAAAAAAAA"), "/pets").unwrap_err();
    assert_eq!((e.kind.as_str(), e.status, e.message.as_str()), ("UnrecognizedClientException", 403, "The security token included in the request is invalid."));
    assert_eq!(call(&mut s, Some("AKIAAAAAAAAAAAAAAAAA"), "/").unwrap()["body"], "open");
    // Allowed on the stage's GETs: the identity reaches $context.
    let policy = json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": format!("arn:aws:execute-api:us-east-1:*:{id}/prod/GET/*") }] });
    iam(&mut s, "PutUserPolicy", json!({ "UserName": "alice", "PolicyName": "invoke", "PolicyDocument": policy.to_string() }));
    let out = call(&mut s, Some(&key), "/pets").unwrap();
    assert_eq!(out["statusCode"], 200);
    let body: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["caller"], "arn:aws:iam::123456789012:user/alice");
    assert_eq!(body["key"], key.as_str());
    assert!(body["user"].as_str().unwrap().starts_with("AIDA"));
    // An explicit deny wins.
    let deny = json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Deny", "Action": "execute-api:*", "Resource": arn }] });
    iam(&mut s, "PutUserPolicy", json!({ "UserName": "alice", "PolicyName": "deny", "PolicyDocument": deny.to_string() }));
    let e = call(&mut s, Some(&key), "/pets").unwrap_err();
    assert!(e.message.ends_with("with an explicit deny in an identity-based policy"), "{}", e.message);
    // The sandbox's test keys sign as the account's root user.
    let out = call(&mut s, Some("test"), "/pets").unwrap();
    assert!(out["body"].as_str().unwrap().contains("arn:aws:iam::123456789012:root"));
}

#[test]
fn resource_policies_take_effect_when_deployed() {
    use crate::kernel::authz::Credentials;
    let mut s = Sandbox::new();
    let (id, root) = s.api();
    s.mock(&id, &root, "GET", "open");
    let iam_res = s.resource(&id, &root, "iam");
    s.mock(&id, &iam_res, "GET", "signed");
    s.ok(
        "UpdateMethod",
        json!({ "restApiId": id, "resourceId": iam_res, "httpMethod": "GET", "patchOperations": [{ "op": "replace", "path": "/authorizationType", "value": "AWS_IAM" }] }),
    );
    s.deploy(&id);
    let from = |s: &mut Sandbox, ip: &str| s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": "/", "sourceIp": ip }));
    let policy = json!({ "Version": "2012-10-17", "Statement": [
        { "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/GET/" },
        { "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/GET/", "Condition": { "NotIpAddress": { "aws:SourceIp": "10.0.0.0/8" } } },
        { "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::123456789012:user/bob" }, "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/iam" }
    ] })
    .to_string();
    assert_eq!(
        s.fail("UpdateRestApi", json!({ "restApiId": id, "patchOperations": [{ "op": "replace", "path": "/policy", "value": "{\"Statement\": 1}" }] })).kind,
        "BadRequestException"
    );
    let up = s.ok("UpdateRestApi", json!({ "restApiId": id, "patchOperations": [{ "op": "replace", "path": "/policy", "value": policy }] }));
    assert_eq!(up["policy"], policy.as_str());
    assert_eq!(from(&mut s, "192.168.1.1")["statusCode"], 200, "not deployed yet");
    s.deploy(&id);
    assert_eq!(from(&mut s, "10.1.2.3")["body"], "open");
    let out = from(&mut s, "192.168.1.1");
    assert_eq!(out["statusCode"], 403);
    assert_eq!(out["headers"]["x-amzn-ErrorType"], "AccessDeniedException");
    let body: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["message"],
        format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:{id}/prod/GET/ with an explicit deny")
    );
    // An AWS_IAM method: the resource policy alone may allow a caller of the same account.
    let iam = |s: &mut Sandbox, op: &str, input: Value| s.e.call(0, &Request::new("iam", op, REGION, input)).unwrap_or_else(|e| panic!("{op}: {e}"));
    for user in ["bob", "carol"] {
        iam(&mut s, "CreateUser", json!({ "UserName": user }));
    }
    let bob = iam(&mut s, "CreateAccessKey", json!({ "UserName": "bob" }))["AccessKey"]["AccessKeyId"].as_str().unwrap().to_string();
    let carol = iam(&mut s, "CreateAccessKey", json!({ "UserName": "carol" }))["AccessKey"]["AccessKeyId"].as_str().unwrap().to_string();
    let signed = |s: &mut Sandbox, key: &str| {
        let input = json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": "/iam", "accessKey": key });
        s.e.call(0, &Request::new("execute-api", "Invoke", REGION, input).signed(Some(Credentials::AccessKey(key.to_string()))))
    };
    assert_eq!(signed(&mut s, &bob).unwrap()["body"], "signed");
    assert_eq!(signed(&mut s, &carol).unwrap_err().kind, "AccessDeniedException");
    // Imported and exported with the definition.
    let text = {
        let out = s.ok("GetExport", json!({ "restApiId": id, "stageName": "prod", "exportType": "oas30", "parameters": { "extensions": "apigateway" } }));
        String::from_utf8(B64.decode(out["body"].as_str().unwrap()).unwrap()).unwrap()
    };
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["x-amazon-apigateway-policy"]["Statement"][0]["Resource"], "execute-api:/*/GET/");
    let again = s.ok("ImportRestApi", json!({ "body": B64.encode(&text) }));
    assert_eq!(serde_json::from_str::<Value>(again["policy"].as_str().unwrap()).unwrap(), serde_json::from_str::<Value>(&policy).unwrap());
}
