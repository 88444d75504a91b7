//! HTTP APIs through the engine's door: the control plane, route selection, payload format 2.0
//! events and answers, JWT authorizers backed by a sandbox user pool, Lambda REQUEST authorizers,
//! CORS, throttling and a restore.

use std::sync::{Arc, Mutex};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::{
    kernel::runtime::{CodeRuntime, InvokeJob, InvokeOutcome, InvokeResult},
    services::lambda::code,
    AwsError, Engine, EngineConfig, Request,
};

const REGION: &str = "us-east-1";

/// Functions by name: `echo` answers a 2.0 response whose body is the event (with a cookie);
/// `plain` answers a bare string, `obj` a bare object, `v1` a 1.0 answer, `boom` throws;
/// `auth` is a simple-response authorizer allowing the identity `letmein`.
#[derive(Default)]
struct FakeRuntime {
    events: Mutex<Vec<(String, Value)>>,
}

impl CodeRuntime for FakeRuntime {
    fn invoke(&self, job: &InvokeJob, _aws: &mut crate::kernel::runtime::AwsDoor<'_>) -> InvokeResult {
        let event: Value = serde_json::from_slice(&job.payload).unwrap_or(Value::Null);
        self.events.lock().unwrap().push((job.function_name.clone(), event.clone()));
        let ok = |v: Value| InvokeOutcome::Ok(v.to_string().into_bytes());
        let outcome = match job.function_name.as_str() {
            "echo" => ok(json!({ "statusCode": 201, "headers": { "x-echo": "yes" }, "cookies": ["a=1; Path=/", "b=2"], "body": event.to_string() })),
            "plain" => ok(json!("hello")),
            "obj" => ok(json!({ "ok": true })),
            "v1" => ok(json!({ "statusCode": 202, "body": event["version"].as_str().unwrap_or("") })),
            "auth" => {
                let allowed = event["identitySource"][0] == "letmein";
                ok(json!({ "isAuthorized": allowed, "context": { "user": "u1" } }))
            }
            _ => InvokeOutcome::Error { error_type: "Error".into(), error_message: "boom".into(), trace: vec![] },
        };
        InvokeResult { outcome, logs: vec![], init_logs: vec![], init_ms: Some(1.0), duration_ms: 1.0, max_memory_mb: 64 }
    }
    fn discard(&self, _environment: &str) {}
    fn discard_all(&self) {}
}

struct Sandbox {
    e: Engine,
    runtime: Arc<FakeRuntime>,
    now: i64,
}

impl Sandbox {
    fn new() -> Self {
        let runtime = Arc::new(FakeRuntime::default());
        let mut e = Engine::new(EngineConfig::default(), 0);
        e.set_runtime(runtime.clone());
        Sandbox { e, runtime, now: 0 }
    }

    fn call(&mut self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.e.call(self.now, &Request::new("apigatewayv2", op, REGION, input))
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
        self.e.call(self.now, &Request::new("execute-api", "Invoke", REGION, input)).expect("Invoke answers")
    }

    fn function(&mut self, name: &str) -> String {
        let zip = code::zip(&[("index.mjs".to_string(), b"export const handler = async (e) => e;".to_vec())].into_iter().collect());
        let input = json!({ "FunctionName": name, "Runtime": "nodejs22.x", "Role": "arn:aws:iam::123456789012:role/r", "Handler": "index.handler", "Code": { "ZipFile": B64.encode(zip) } });
        let out = self.e.call(self.now, &Request::new("lambda", "CreateFunction", REGION, input)).expect("CreateFunction");
        self.e.control(self.now, "AdvanceClock", &json!({ "seconds": 2 })).expect("clock");
        out["FunctionArn"].as_str().unwrap().to_string()
    }

    /// An API with a Lambda (2.0) integration to `function` and the auto-deployed `$default` stage.
    fn api(&mut self, function: &str) -> (String, String) {
        let arn = self.function(function);
        let api = self.ok("CreateApi", json!({ "name": "items", "protocolType": "HTTP" }))["apiId"].as_str().unwrap().to_string();
        let i = self.ok("CreateIntegration", json!({ "apiId": api, "integrationType": "AWS_PROXY", "integrationUri": arn, "payloadFormatVersion": "2.0" }));
        self.ok("CreateStage", json!({ "apiId": api, "stageName": "$default", "autoDeploy": true }));
        (api, format!("integrations/{}", i["integrationId"].as_str().unwrap()))
    }

    fn route(&mut self, api: &str, key: &str, target: &str) -> String {
        self.ok("CreateRoute", json!({ "apiId": api, "routeKey": key, "target": target }))["routeId"].as_str().unwrap().to_string()
    }

    fn request(&mut self, api: &str, method: &str, path: &str, headers: Value) -> Value {
        self.invoke(json!({ "restApiId": api, "stage": "", "httpMethod": method, "path": path, "multiValueHeaders": headers }))
    }

    fn last_event(&self) -> Value {
        self.runtime.events.lock().unwrap().last().map(|(_, e)| e.clone()).unwrap_or(Value::Null)
    }
}

fn status(out: &Value) -> u64 {
    out["statusCode"].as_u64().unwrap_or(0)
}

#[test]
fn control_plane_shapes_and_errors() {
    let mut s = Sandbox::new();
    let arn = s.function("echo");
    let api = s.ok("CreateApi", json!({ "name": "a", "protocolType": "HTTP", "description": "d" }));
    let id = api["apiId"].as_str().unwrap().to_string();
    assert_eq!(api["apiEndpoint"], json!(format!("https://{id}.execute-api.us-east-1.amazonaws.com")));
    assert_eq!(api["routeSelectionExpression"], "$request.method $request.path");
    assert_eq!(s.fail("CreateApi", json!({ "name": "w", "protocolType": "WEBSOCKET" })).kind, "BadRequestException");
    assert_eq!(s.fail("CreateApi", json!({ "name": "h", "protocolType": "HTTP", "target": "https://example.com" })).kind, "BadRequestException");
    // AWS_PROXY needs a payload format version; HTTP_PROXY is refused (no network I/O).
    let e = s.fail("CreateIntegration", json!({ "apiId": id, "integrationType": "AWS_PROXY", "integrationUri": arn }));
    assert!(e.message.contains("PayloadFormatVersion"), "{e}");
    assert!(s
        .fail("CreateIntegration", json!({ "apiId": id, "integrationType": "HTTP_PROXY", "integrationUri": "https://example.com", "payloadFormatVersion": "1.0" }))
        .message
        .contains("not simulated"));
    let i = s.ok("CreateIntegration", json!({ "apiId": id, "integrationType": "AWS_PROXY", "integrationUri": arn, "payloadFormatVersion": "2.0" }));
    assert_eq!((i["timeoutInMillis"].clone(), i["connectionType"].clone()), (json!(30000), json!("INTERNET")));
    let target = format!("integrations/{}", i["integrationId"].as_str().unwrap());
    for bad in ["GET items", "FETCH /x", "GET /a/{b+}/c", "GET /{}", "$other"] {
        assert_eq!(s.fail("CreateRoute", json!({ "apiId": id, "routeKey": bad, "target": target })).kind, "BadRequestException", "{bad}");
    }
    let r = s.ok("CreateRoute", json!({ "apiId": id, "routeKey": "GET /items/{id}", "target": target }));
    assert_eq!((r["authorizationType"].clone(), r["apiKeyRequired"].clone()), (json!("NONE"), json!(false)));
    assert_eq!(s.fail("CreateRoute", json!({ "apiId": id, "routeKey": "GET /items/{id}" })).kind, "ConflictException");
    assert_eq!(s.fail("CreateRoute", json!({ "apiId": id, "routeKey": "GET /x", "target": "integrations/nope" })).kind, "NotFoundException");
    assert_eq!(s.fail("DeleteIntegration", json!({ "apiId": id, "integrationId": i["integrationId"] })).kind, "ConflictException");
    assert_eq!(s.ok("GetRoutes", json!({ "apiId": id }))["items"].as_array().unwrap().len(), 1);
    let page = s.ok("GetApis", json!({ "maxResults": "1" }));
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    // A stage without auto-deploy serves nothing until a deployment.
    s.ok("CreateStage", json!({ "apiId": id, "stageName": "prod", "stageVariables": { "v": "1" } }));
    let call = |s: &mut Sandbox| s.invoke(json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": "/items/7" }));
    assert_eq!(status(&call(&mut s)), 404);
    let d = s.ok("CreateDeployment", json!({ "apiId": id, "stageName": "prod", "description": "first" }));
    assert_eq!((d["deploymentStatus"].clone(), d["autoDeployed"].clone()), (json!("DEPLOYED"), json!(false)));
    assert_eq!(s.ok("GetStage", json!({ "apiId": id, "stageName": "prod" }))["deploymentId"], d["deploymentId"]);
    let out = call(&mut s);
    assert_eq!(status(&out), 201, "{out}");
    let event = s.last_event();
    assert_eq!((event["rawPath"].clone(), event["requestContext"]["stage"].clone(), event["stageVariables"]["v"].clone()), (json!("/prod/items/7"), json!("prod"), json!("1")));
    // Route changes reach the stage at the next deployment only.
    s.ok("UpdateRoute", json!({ "apiId": id, "routeId": r["routeId"], "routeKey": "GET /things/{id}" }));
    assert_eq!(status(&call(&mut s)), 201);
    s.ok("CreateDeployment", json!({ "apiId": id, "stageName": "prod" }));
    assert_eq!(call(&mut s)["body"], json!("{\"message\":\"Not Found\"}"));
    assert_eq!(s.fail("GetApi", json!({ "apiId": "nope" })).kind, "NotFoundException");
    assert!(s
        .fail("CreateStage", json!({ "apiId": id, "stageName": "x", "accessLogSettings": { "destinationArn": "arn:x", "format": "$context.requestId" } }))
        .message
        .contains("not supported"));
    s.ok("DeleteApi", json!({ "apiId": id }));
    assert_eq!(s.fail("GetApi", json!({ "apiId": id })).kind, "NotFoundException");
}

#[test]
fn quick_create_makes_route_integration_and_default_stage() {
    let mut s = Sandbox::new();
    let arn = s.function("plain");
    let api = s.ok("CreateApi", json!({ "name": "q", "protocolType": "HTTP", "target": arn }));
    let id = api["apiId"].as_str().unwrap().to_string();
    let routes = s.ok("GetRoutes", json!({ "apiId": id }));
    assert_eq!(routes["items"][0]["routeKey"], "$default");
    assert_eq!(routes["items"][0]["apiGatewayManaged"], true);
    let stage = s.ok("GetStage", json!({ "apiId": id, "stageName": "$default" }));
    assert_eq!(stage["autoDeploy"], true);
    // A bare string answer is a 200 whose body is the string.
    let out = s.request(&id, "GET", "/anything/at/all", json!({}));
    assert_eq!((status(&out), out["body"].clone()), (200, json!("hello")), "{out}");
    assert!(out["headers"]["apigw-requestid"].is_string());
}

#[test]
fn the_most_specific_route_wins() {
    let mut s = Sandbox::new();
    let (api, target) = s.api("echo");
    for key in ["GET /items/{id}", "GET /items/special", "ANY /items/{proxy+}", "POST /items/{id}", "GET /items", "ANY /items/{id}", "$default"] {
        s.route(&api, key, &target);
    }
    for (method, path, want, params) in [
        ("GET", "/items/special", "GET /items/special", json!(null)),
        ("GET", "/items/7", "GET /items/{id}", json!({ "id": "7" })),
        ("PUT", "/items/7", "ANY /items/{id}", json!({ "id": "7" })),
        ("POST", "/items/7", "POST /items/{id}", json!({ "id": "7" })),
        ("GET", "/items/7/parts/a%20b", "ANY /items/{proxy+}", json!({ "proxy": "7/parts/a b" })),
        ("GET", "/items", "GET /items", json!(null)),
        ("DELETE", "/items", "$default", json!(null)),
        ("GET", "/", "$default", json!(null)),
    ] {
        let out = s.request(&api, method, path, json!({}));
        assert_eq!(status(&out), 201, "{method} {path}: {out}");
        let event = s.last_event();
        assert_eq!(event["routeKey"], want, "{method} {path}");
        assert_eq!(event.get("pathParameters").cloned().unwrap_or(Value::Null), params, "{method} {path}");
    }
    // Without a $default route, an unmatched request is 404.
    let r = s.ok("GetRoutes", json!({ "apiId": api }))["items"].as_array().unwrap().iter().find(|r| r["routeKey"] == "$default").unwrap()["routeId"].clone();
    s.ok("DeleteRoute", json!({ "apiId": api, "routeId": r }));
    let out = s.request(&api, "DELETE", "/items", json!({}));
    assert_eq!((status(&out), out["body"].clone()), (404, json!("{\"message\":\"Not Found\"}")));
}

#[test]
fn payload_2_0_events_and_answers() {
    let mut s = Sandbox::new();
    let (api, target) = s.api("echo");
    s.route(&api, "POST /orders/{id}", &target);
    let out = s.invoke(json!({
        "restApiId": api, "stage": "", "httpMethod": "POST", "path": "/orders/42", "queryString": "a=1&a=2&b=x%20y",
        "multiValueHeaders": { "X-Multi": ["one", "two"], "Cookie": ["c1=v1; c2=v2"], "User-Agent": ["ua"] }, "body": "{\"n\":1}"
    }));
    assert_eq!(status(&out), 201, "{out}");
    let e = s.last_event();
    assert_eq!(e["version"], "2.0");
    assert_eq!(e["routeKey"], "POST /orders/{id}");
    assert_eq!((e["rawPath"].clone(), e["rawQueryString"].clone()), (json!("/orders/42"), json!("a=1&a=2&b=x%20y")));
    assert_eq!(e["cookies"], json!(["c1=v1", "c2=v2"]));
    assert_eq!(e["headers"]["x-multi"], "one,two");
    assert!(e["headers"].get("cookie").is_none());
    assert_eq!(e["queryStringParameters"], json!({ "a": "1,2", "b": "x y" }));
    assert_eq!(e["pathParameters"], json!({ "id": "42" }));
    assert_eq!((e["body"].clone(), e["isBase64Encoded"].clone()), (json!("{\"n\":1}"), json!(false)));
    let http = &e["requestContext"]["http"];
    assert_eq!((http["method"].clone(), http["path"].clone(), http["userAgent"].clone()), (json!("POST"), json!("/orders/42"), json!("ua")));
    assert_eq!(e["requestContext"]["stage"], "$default");
    assert!(e.get("stageVariables").is_none() && e.get("multiValueHeaders").is_none());
    // The answer: status, headers and cookies as Set-Cookie.
    assert_eq!(out["headers"]["x-echo"], "yes");
    assert_eq!(out["multiValueHeaders"]["set-cookie"], json!(["a=1; Path=/", "b=2"]));
    // A bare object is a 200 JSON answer; a function error is 500.
    let (api2, t2) = s.api("obj");
    s.route(&api2, "$default", &t2);
    let out = s.request(&api2, "GET", "/", json!({}));
    assert_eq!((status(&out), out["body"].clone(), out["headers"]["Content-Type"].clone()), (200, json!("{\"ok\":true}"), json!("application/json")));
    let (api3, t3) = s.api("boom");
    s.route(&api3, "$default", &t3);
    let out = s.request(&api3, "GET", "/", json!({}));
    assert_eq!((status(&out), out["body"].clone()), (500, json!("{\"message\":\"Internal Server Error\"}")));
    // Payload format 1.0: the REST-style event and answer.
    let arn = s.function("v1");
    let i = s.ok("CreateIntegration", json!({ "apiId": api, "integrationType": "AWS_PROXY", "integrationUri": arn, "payloadFormatVersion": "1.0" }));
    s.route(&api, "GET /v1", &format!("integrations/{}", i["integrationId"].as_str().unwrap()));
    let out = s.request(&api, "GET", "/v1", json!({ "A": ["1", "2"] }));
    assert_eq!((status(&out), out["body"].clone()), (202, json!("1.0")), "{out}");
    assert_eq!(s.last_event()["multiValueHeaders"]["A"], json!(["1", "2"]));
}

#[test]
fn cors_preflights_and_headers() {
    let mut s = Sandbox::new();
    let (api, target) = s.api("obj");
    s.route(&api, "GET /x", &target);
    s.ok(
        "UpdateApi",
        json!({ "apiId": api, "corsConfiguration": { "allowOrigins": ["https://app.example"], "allowMethods": ["GET", "POST"], "allowHeaders": ["authorization"], "maxAge": 300, "exposeHeaders": ["x-total"] } }),
    );
    let pre = s.request(
        &api,
        "OPTIONS",
        "/x",
        json!({ "Origin": ["https://app.example"], "Access-Control-Request-Method": ["POST"], "Access-Control-Request-Headers": ["Authorization"] }),
    );
    assert_eq!(status(&pre), 204, "{pre}");
    assert_eq!(pre["headers"]["access-control-allow-origin"], "https://app.example");
    assert_eq!(pre["headers"]["access-control-allow-methods"], "GET,POST");
    assert_eq!(pre["headers"]["access-control-max-age"], "300");
    // Another origin: no CORS headers.
    let pre = s.request(&api, "OPTIONS", "/x", json!({ "Origin": ["https://evil.example"], "Access-Control-Request-Method": ["GET"] }));
    assert!(pre["headers"].get("access-control-allow-origin").is_none(), "{pre}");
    let out = s.request(&api, "GET", "/x", json!({ "Origin": ["https://app.example"] }));
    assert_eq!((out["headers"]["access-control-allow-origin"].clone(), out["headers"]["access-control-expose-headers"].clone()), (json!("https://app.example"), json!("x-total")));
    assert!(s.fail("UpdateApi", json!({ "apiId": api, "corsConfiguration": { "allowOrigins": ["*"], "allowCredentials": true } })).kind == "BadRequestException");
    s.ok("DeleteCorsConfiguration", json!({ "apiId": api }));
    let out = s.request(&api, "GET", "/x", json!({ "Origin": ["https://app.example"] }));
    assert!(out["headers"].get("access-control-allow-origin").is_none());
}

#[test]
fn stages_and_routes_throttle() {
    let mut s = Sandbox::new();
    let (api, target) = s.api("obj");
    s.route(&api, "GET /slow", &target);
    s.route(&api, "GET /fast", &target);
    s.ok(
        "UpdateStage",
        json!({ "apiId": api, "stageName": "$default", "defaultRouteSettings": { "throttlingBurstLimit": 100, "throttlingRateLimit": 100.0 },
                "routeSettings": { "GET /slow": { "throttlingBurstLimit": 1, "throttlingRateLimit": 1.0 } } }),
    );
    assert_eq!(status(&s.request(&api, "GET", "/slow", json!({}))), 200);
    let out = s.request(&api, "GET", "/slow", json!({}));
    assert_eq!((status(&out), out["body"].clone()), (429, json!("{\"message\":\"Too Many Requests\"}")));
    assert_eq!(status(&s.request(&api, "GET", "/fast", json!({}))), 200);
    // A virtual second later the bucket has a token again.
    s.now += 1000;
    assert_eq!(status(&s.request(&api, "GET", "/slow", json!({}))), 200);
}

/// A user pool with an app client and a user; the user's (id, access) tokens.
fn pool(s: &mut Sandbox) -> (String, String, String, String) {
    let now = s.now;
    let mut idp = |op: &str, input: Value| s.e.call(now, &Request::new("cognito-idp", op, REGION, input)).unwrap_or_else(|e| panic!("{op}: {e}"));
    let pool_id = idp("CreateUserPool", json!({ "PoolName": "users" }))["UserPool"]["Id"].as_str().unwrap().to_string();
    let client = idp("CreateUserPoolClient", json!({ "UserPoolId": pool_id, "ClientName": "web", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }))
        ["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    idp("AdminCreateUser", json!({ "UserPoolId": pool_id, "Username": "alice", "MessageAction": "SUPPRESS" }));
    idp("AdminSetUserPassword", json!({ "UserPoolId": pool_id, "Username": "alice", "Password": "Correct-Horse-9", "Permanent": true }));
    let t = idp("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Correct-Horse-9" } }))
        ["AuthenticationResult"]
        .clone();
    (pool_id, client, t["IdToken"].as_str().unwrap().to_string(), t["AccessToken"].as_str().unwrap().to_string())
}

#[test]
fn jwt_authorizers_check_cognito_tokens() {
    let mut s = Sandbox::new();
    let (pool_id, client, id_token, access_token) = pool(&mut s);
    let (api, target) = s.api("echo");
    let issuer = format!("https://cognito-idp.us-east-1.amazonaws.com/{pool_id}");
    let jwt = |audience: &str| json!({ "audience": [audience], "issuer": issuer });
    let a = s.ok(
        "CreateAuthorizer",
        json!({ "apiId": api, "name": "users", "authorizerType": "JWT", "identitySource": ["$request.header.Authorization"], "jwtConfiguration": jwt(&client) }),
    );
    let aid = a["authorizerId"].as_str().unwrap().to_string();
    let wrong = s.ok(
        "CreateAuthorizer",
        json!({ "apiId": api, "name": "other", "authorizerType": "JWT", "identitySource": ["$request.header.Authorization"], "jwtConfiguration": jwt("another-client") }),
    );
    s.ok("CreateRoute", json!({ "apiId": api, "routeKey": "GET /me", "target": target, "authorizationType": "JWT", "authorizerId": aid }));
    s.ok("CreateRoute", json!({ "apiId": api, "routeKey": "GET /other", "target": target, "authorizationType": "JWT", "authorizerId": wrong["authorizerId"] }));
    s.ok(
        "CreateRoute",
        json!({ "apiId": api, "routeKey": "GET /orders", "target": target, "authorizationType": "JWT", "authorizerId": aid, "authorizationScopes": ["orders/read"] }),
    );
    s.ok("CreateRoute", json!({ "apiId": api, "routeKey": "GET /profile", "target": target, "authorizationType": "JWT", "authorizerId": aid, "authorizationScopes": ["aws.cognito.signin.user.admin"] }));
    let get = |s: &mut Sandbox, path: &str, token: Option<&str>| {
        let headers = token.map(|t| json!({ "Authorization": [format!("Bearer {t}")] })).unwrap_or(json!({}));
        s.request(&api, "GET", path, headers)
    };
    // Good tokens: the ID token (aud) and the access token (client_id); claims reach the event.
    for token in [&id_token, &access_token] {
        let out = get(&mut s, "/me", Some(token));
        assert_eq!(status(&out), 201, "{out}");
        let claims = &s.last_event()["requestContext"]["authorizer"]["jwt"]["claims"];
        assert_eq!(claims["iss"], json!(issuer));
        assert!(claims["sub"].is_string());
    }
    // Missing or forged token, wrong audience: 401 with www-authenticate.
    let out = get(&mut s, "/me", None);
    assert_eq!((status(&out), out["body"].clone()), (401, json!("{\"message\":\"Unauthorized\"}")));
    let (idp, acp): (Vec<&str>, Vec<&str>) = (id_token.split('.').collect(), access_token.split('.').collect());
    let forged = format!("{}.{}.{}", idp[0], acp[1], idp[2]);
    assert_eq!(status(&get(&mut s, "/me", Some(&forged))), 401);
    let out = get(&mut s, "/other", Some(&id_token));
    assert_eq!(status(&out), 401);
    assert!(out["headers"]["www-authenticate"].as_str().unwrap().contains("valid audience"), "{out}");
    // Scopes: the access token has aws.cognito.signin.user.admin, not orders/read (403).
    let out = get(&mut s, "/orders", Some(&access_token));
    assert_eq!((status(&out), out["body"].clone()), (403, json!("{\"message\":\"Forbidden\"}")));
    let out = get(&mut s, "/profile", Some(&access_token));
    assert_eq!(status(&out), 201, "{out}");
    assert_eq!(s.last_event()["requestContext"]["authorizer"]["jwt"]["scopes"], json!(["aws.cognito.signin.user.admin"]));
    // Expired: an hour and a bit of virtual time later.
    let calls = s.runtime.events.lock().unwrap().len();
    s.e.control(s.now, "AdvanceClock", &json!({ "seconds": 3700 })).expect("clock");
    let out = get(&mut s, "/me", Some(&id_token));
    assert_eq!(status(&out), 401);
    assert!(out["headers"]["www-authenticate"].as_str().unwrap().contains("expired"), "{out}");
    assert_eq!(s.runtime.events.lock().unwrap().len(), calls, "the function never ran");
    // An authorizer needs an issuer and an audience.
    assert_eq!(
        s.fail(
            "CreateAuthorizer",
            json!({ "apiId": api, "name": "x", "authorizerType": "JWT", "identitySource": ["$request.header.Authorization"], "jwtConfiguration": { "issuer": issuer } })
        )
        .kind,
        "BadRequestException"
    );
    assert_eq!(s.fail("DeleteAuthorizer", json!({ "apiId": api, "authorizerId": aid })).kind, "ConflictException");
}

#[test]
fn lambda_request_authorizers_with_simple_responses_are_cached() {
    let mut s = Sandbox::new();
    let auth = s.function("auth");
    let (api, target) = s.api("echo");
    let uri = format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{auth}/invocations");
    let a = s.ok(
        "CreateAuthorizer",
        json!({ "apiId": api, "name": "simple", "authorizerType": "REQUEST", "authorizerUri": uri, "authorizerPayloadFormatVersion": "2.0",
                "enableSimpleResponses": true, "identitySource": ["$request.header.X-Key"], "authorizerResultTtlInSeconds": 300 }),
    );
    s.ok("CreateRoute", json!({ "apiId": api, "routeKey": "GET /secret", "target": target, "authorizationType": "CUSTOM", "authorizerId": a["authorizerId"] }));
    let get = |s: &mut Sandbox, key: Option<&str>| s.request(&api, "GET", "/secret", key.map(|k| json!({ "X-Key": [k] })).unwrap_or(json!({})));
    assert_eq!(status(&get(&mut s, None)), 401);
    let out = get(&mut s, Some("nope"));
    assert_eq!((status(&out), out["body"].clone()), (403, json!("{\"message\":\"Forbidden\"}")));
    let auth_event = s.last_event();
    assert_eq!((auth_event["type"].clone(), auth_event["identitySource"].clone()), (json!("REQUEST"), json!(["nope"])));
    assert!(auth_event["routeArn"].as_str().unwrap().ends_with(&format!("{api}/$default/GET/secret")));
    assert_eq!(status(&get(&mut s, Some("letmein"))), 201);
    assert_eq!(s.last_event()["requestContext"]["authorizer"]["lambda"], json!({ "user": "u1" }));
    // Cached: the authorizer is not called again for the same identity.
    let before = s.runtime.events.lock().unwrap().iter().filter(|(f, _)| f == "auth").count();
    assert_eq!(status(&get(&mut s, Some("letmein"))), 201);
    assert_eq!(s.runtime.events.lock().unwrap().iter().filter(|(f, _)| f == "auth").count(), before);
    assert!(s
        .fail("CreateAuthorizer", json!({ "apiId": api, "name": "old", "authorizerType": "REQUEST", "authorizerUri": uri, "authorizerPayloadFormatVersion": "1.0" }))
        .message
        .contains("not simulated"));
}

#[test]
fn named_stages_and_state_survive_a_restore() {
    let mut s = Sandbox::new();
    let (api, target) = s.api("obj");
    s.route(&api, "GET /x", &target);
    s.ok("CreateStage", json!({ "apiId": api, "stageName": "dev", "autoDeploy": true, "stageVariables": { "v": "2" } }));
    // `/dev/x` is the dev stage; `/x` the `$default` stage.
    let dev = s.invoke(json!({ "restApiId": api, "stage": "dev", "httpMethod": "GET", "path": "/x" }));
    assert_eq!(status(&dev), 200);
    assert_eq!(status(&s.request(&api, "GET", "/x", json!({}))), 200);
    let mut e = Engine::restore(EngineConfig::default(), 0, s.e.snapshot()).expect("restore");
    e.set_runtime(s.runtime.clone());
    let stage = e.call(0, &Request::new("apigatewayv2", "GetStage", REGION, json!({ "apiId": api, "stageName": "dev" }))).unwrap();
    assert_eq!(stage["stageVariables"], json!({ "v": "2" }));
    let deployments = e.call(0, &Request::new("apigatewayv2", "GetDeployments", REGION, json!({ "apiId": api }))).unwrap();
    assert!(!deployments["items"].as_array().unwrap().is_empty());
    let out = e.call(0, &Request::new("execute-api", "Invoke", REGION, json!({ "restApiId": api, "stage": "dev", "httpMethod": "GET", "path": "/x" }))).unwrap();
    assert_eq!(status(&out), 200, "{out}");
    // Junk input is an error, never a panic.
    for junk in [json!({ "apiId": 5 }), json!({ "apiId": api, "routeKey": ["x"] }), json!({ "apiId": api, "routeKey": "GET /{a}/{a+}" })] {
        assert!(s.call("CreateRoute", junk).is_err());
    }
    assert!(s.call("UpdateStage", json!({ "apiId": api, "stageName": "dev", "routeSettings": { "GET /x": { "throttlingRateLimit": "fast" } } })).is_err());
}
