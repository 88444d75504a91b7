//! HTTP APIs' data plane: execute-api's Invoke for an HTTP API id.
//!
//! The stage is the path's first segment when it names a stage, else `$default` (whose URLs have
//! no stage segment). CORS preflights are answered by the API when it has a CORS configuration.
//! Routes are chosen as AWS chooses them: the most specific route key wins (per segment, a
//! literal before `{var}` before a greedy `{var+}`; a method before `ANY`), then `$default`; no
//! match is 404 `{"message":"Not Found"}`. Throttling (the route's settings, else the stage's
//! default route settings) is a token bucket per route on the virtual clock: 429
//! `{"message":"Too Many Requests"}`. JWT authorizers verify tokens of the sandbox's Cognito user
//! pools (signature with the pool's keys, `exp`, `iss`, `aud` or else `client_id`, scopes);
//! Lambda REQUEST authorizers take the 2.0 event and answer simple responses or IAM policies,
//! cached by identity sources. The integration is a Lambda proxy with payload format 1.0 or 2.0.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use super::{
    integration_function,
    model::{Authorizer, Cors, Integration, Route, Snapshot},
};
use crate::{
    kernel::{
        error::AwsError,
        runtime::{Continuation, Resumed, Step},
        service::Cx,
        Request,
    },
    services::{
        apigateway::{
            authorizers::{self, Grant},
            control::lambda_function,
            errors::Input,
            invoke::{answer_json, domain, header, parse_proxy_answer, read_call, request_time, scalar_text, single_and_multi, HttpAnswer, HttpCall, TraceStep},
            usage::Bucket,
            ApiGateway,
        },
        cognito::crypto,
    },
};

/// The gateway's own steps (µs), as in REST APIs' latency model but lighter: HTTP APIs add less.
pub const ROUTE_US: u64 = 600;
pub const INTEGRATION_US: u64 = 1_500;

/// Where a request is going, once routed.
#[derive(Debug, Clone)]
pub struct Routed {
    pub api_id: String,
    pub stage: String,
    pub stage_variables: BTreeMap<String, String>,
    pub route_key: String,
    pub route: Route,
    pub path_params: Vec<(String, String)>,
    pub raw_query: String,
    pub request_id: String,
    pub now_ms: i64,
    pub cors: Option<Cors>,
    pub integration: Option<Integration>,
    /// `requestContext.authorizer`.
    pub authorizer: Option<Value>,
}

/// What a suspended invocation waits for.
pub enum Awaiting {
    Lambda { version: String },
    Jwks { authorizer: Authorizer, token: String },
    Authorizer { authorizer: Authorizer, cache_key: Option<String>, route_arn: String },
}

pub struct Pending {
    call: HttpCall,
    routed: Routed,
    trace: Vec<TraceStep>,
    awaiting: Awaiting,
}

fn message(status: u16, text: &str) -> HttpAnswer {
    HttpAnswer { status, headers: vec![("Content-Type".into(), "application/json".into())], body: json!({ "message": text }).to_string(), is_base64: false, failure: None }
}

fn step(step: &'static str, message: impl Into<String>, latency_us: u64) -> TraceStep {
    TraceStep { step, message: message.into(), latency_us }
}

/// The answer with the request id and, for an allowed origin, the API's CORS headers.
fn done(call: &HttpCall, routed: Option<&Routed>, request_id: &str, mut answer: HttpAnswer, trace: Vec<TraceStep>) -> Result<Step, AwsError> {
    if let Some(cors) = routed.and_then(|r| r.cors.as_ref()) {
        if let Some(origin) = header(&call.headers, "origin").and_then(|o| allowed_origin(cors, o)) {
            // The API's CORS configuration overrides the integration's own CORS headers.
            answer.headers.retain(|(k, _)| !k.to_ascii_lowercase().starts_with("access-control-"));
            answer.headers.push(("access-control-allow-origin".into(), origin));
            if cors.allow_credentials == Some(true) {
                answer.headers.push(("access-control-allow-credentials".into(), "true".into()));
            }
            if !cors.expose_headers.is_empty() {
                answer.headers.push(("access-control-expose-headers".into(), cors.expose_headers.join(",")));
            }
        }
    }
    answer.headers.push(("apigw-requestid".into(), request_id.to_string()));
    Ok(Step::Done(answer_json(&answer, &trace)))
}

fn allowed_origin(cors: &Cors, origin: &str) -> Option<String> {
    if cors.allow_origins.iter().any(|o| o == "*") {
        return Some("*".into());
    }
    cors.allow_origins.iter().find(|o| o.eq_ignore_ascii_case(origin)).map(|_| origin.to_string())
}

/// The answer to a CORS preflight: 204, with the configured headers when the origin, method and
/// headers are allowed.
fn preflight(cors: &Cors, call: &HttpCall) -> HttpAnswer {
    let mut headers = Vec::new();
    let origin = header(&call.headers, "origin").and_then(|o| allowed_origin(cors, o));
    let method = header(&call.headers, "access-control-request-method").unwrap_or("");
    let method_ok = cors.allow_methods.iter().any(|m| m == "*" || m.eq_ignore_ascii_case(method));
    let requested: Vec<String> =
        header(&call.headers, "access-control-request-headers").unwrap_or("").split(',').map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect();
    let headers_ok = requested.iter().all(|h| cors.allow_headers.iter().any(|a| a == "*" || a.eq_ignore_ascii_case(h)));
    if let (Some(origin), true, true) = (origin, method_ok, headers_ok) {
        headers.push(("access-control-allow-origin".into(), origin));
        headers.push(("access-control-allow-methods".into(), cors.allow_methods.join(",")));
        if !cors.allow_headers.is_empty() {
            headers.push(("access-control-allow-headers".into(), cors.allow_headers.join(",")));
        }
        if let Some(age) = cors.max_age {
            headers.push(("access-control-max-age".into(), age.to_string()));
        }
        if cors.allow_credentials == Some(true) {
            headers.push(("access-control-allow-credentials".into(), "true".into()));
        }
    }
    HttpAnswer { status: 204, headers, body: String::new(), is_base64: false, failure: None }
}

/// How specifically a route key's path matches a request path: per segment 3 for a literal, 2
/// for `{var}`, 1 for a greedy `{var+}` (and the path parameters); None when it does not match.
pub fn match_path(template: &str, segs: &[&str]) -> Option<(Vec<u8>, Vec<(String, String)>)> {
    let parts: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    let mut rank = Vec::new();
    let mut params = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            let rest = segs.get(i..).filter(|r| !r.is_empty())?;
            params.push((name.to_string(), rest.iter().map(|s| crate::wire::percent::decode(s, false)).collect::<Vec<_>>().join("/")));
            rank.push(1);
            return Some((rank, params));
        }
        let seg = segs.get(i)?;
        if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            params.push((name.to_string(), crate::wire::percent::decode(seg, false)));
            rank.push(2);
        } else if p == seg {
            rank.push(3);
        } else {
            return None;
        }
    }
    (parts.len() == segs.len()).then_some((rank, params))
}

/// The route a request reaches: the most specific matching route key, else `$default`.
pub fn select_route<'a>(routes: &'a BTreeMap<String, Route>, method: &str, path: &str) -> Option<(&'a Route, Vec<(String, String)>)> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Option<((Vec<u8>, u8), &Route, Vec<(String, String)>)> = None;
    for r in routes.values() {
        let Some((m, p)) = r.route_key.split_once(' ') else { continue };
        let method_rank = if m == method {
            1
        } else if m == "ANY" {
            0
        } else {
            continue;
        };
        let Some((rank, params)) = match_path(p, &segs) else { continue };
        let key = (rank, method_rank);
        if best.as_ref().is_none_or(|(b, _, _)| key > *b) {
            best = Some((key, r, params));
        }
    }
    match best {
        Some((_, r, params)) => Some((r, params)),
        None => routes.values().find(|r| r.route_key == "$default").map(|r| (r, Vec::new())),
    }
}

/// Execute-api Invoke of an HTTP API.
pub fn invoke(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Step, AwsError> {
    let input = Input(input);
    let api_id = input.string("restApiId")?.or(input.string("apiId")?).unwrap_or("").to_string();
    let stage_in = input.string("stage")?.unwrap_or("").to_string();
    let mut call = read_call(&input)?;
    let raw_query = input.string("queryString")?.unwrap_or("").trim_start_matches('?').to_string();
    let request_id = cx.rng.uuid();
    let Some(api) = gw.http.get(cx.region, &api_id) else {
        return done(&call, None, &request_id, message(404, "Not Found"), vec![step("Route", "no HTTP API has this id in this region", ROUTE_US)]);
    };
    if api.disable_execute_api_endpoint {
        return done(&call, None, &request_id, message(403, "Forbidden"), vec![step("Route", "the default execute-api endpoint is disabled for this API", ROUTE_US)]);
    }
    // The whole path after the host; its first segment is the stage when it names one.
    let full = match input.string("rawPath")? {
        Some(p) => p.to_string(),
        None if stage_in.is_empty() => call.path.clone(),
        None if call.path == "/" => format!("/{stage_in}"),
        None => format!("/{stage_in}{}", call.path),
    };
    let first = full.trim_start_matches('/').split('/').next().unwrap_or("");
    let (stage_name, path) = if !first.is_empty() && api.stages.contains_key(first) {
        let rest = full.trim_start_matches('/')[first.len()..].to_string();
        (first.to_string(), if rest.is_empty() { "/".to_string() } else { rest })
    } else if api.stages.contains_key("$default") {
        ("$default".to_string(), full.clone())
    } else {
        return done(&call, None, &request_id, message(404, "Not Found"), vec![step("Route", format!("the API has no stage '{first}' and no $default stage"), ROUTE_US)]);
    };
    call.path = path;
    let stage = &api.stages[&stage_name];
    let Some(deployment) = stage.deployment_id.as_ref().and_then(|d| api.deployments.get(d)) else {
        return done(&call, None, &request_id, message(404, "Not Found"), vec![step("Route", format!("stage {stage_name} has no deployment"), ROUTE_US)]);
    };
    let snapshot: &Snapshot = &deployment.snapshot;
    if let (Some(cors), "OPTIONS") = (&snapshot.cors, call.http_method.as_str()) {
        if header(&call.headers, "origin").is_some() && header(&call.headers, "access-control-request-method").is_some() {
            let answer = preflight(cors, &call);
            let trace = vec![step("CORS", format!("Preflight answered by the API's CORS configuration ({} CORS headers)", answer.headers.len()), ROUTE_US)];
            return done(&call, None, &request_id, answer, trace);
        }
    }
    let Some((route, params)) = select_route(&snapshot.routes, &call.http_method, &call.path) else {
        let routed = routed_for(&api_id, &stage_name, BTreeMap::new(), None, Vec::new(), raw_query, &request_id, cx.now_ms, snapshot.cors.clone(), None);
        let why = format!("no route matches {} {} and there is no $default route", call.http_method, call.path);
        return done(&call, Some(&routed), &request_id, message(404, "Not Found"), vec![step("Route", why, ROUTE_US)]);
    };
    let integration = route.target.as_deref().and_then(|t| t.strip_prefix("integrations/")).and_then(|id| snapshot.integrations.get(id)).cloned();
    let authorizer = route.authorizer_id.as_ref().and_then(|id| snapshot.authorizers.get(id)).cloned();
    let settings =
        stage.route_settings.get(&route.route_key).filter(|s| s.throttling_rate_limit.is_some() || s.throttling_burst_limit.is_some()).unwrap_or(&stage.default_route_settings);
    let throttle = (settings.throttling_rate_limit.is_some() || settings.throttling_burst_limit.is_some())
        .then(|| (settings.throttling_rate_limit.unwrap_or(10_000.0), settings.throttling_burst_limit.unwrap_or(5_000)));
    let routed =
        routed_for(&api_id, &stage_name, stage.stage_variables.clone(), Some(route.clone()), params, raw_query, &request_id, cx.now_ms, snapshot.cors.clone(), integration);
    let mut trace = vec![step("Route", format!("{} {} (stage {stage_name}) matched route {} ({})", call.http_method, call.path, route.route_key, route.route_id), ROUTE_US)];
    if let Some((rate, burst)) = throttle {
        let key = (api_id.clone(), stage_name.clone(), routed.route_key.clone());
        let bucket = gw.http.buckets.entry(key).or_insert(Bucket { tokens: burst as f64, at_ms: cx.now_ms });
        let elapsed = (cx.now_ms - bucket.at_ms).max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst as f64);
        bucket.at_ms = cx.now_ms;
        if bucket.tokens < 1.0 {
            trace.push(step("Throttle", format!("Route {} throttled (rate {rate}/s, burst {burst})", routed.route_key), 0));
            return done(&call, Some(&routed), &request_id, message(429, "Too Many Requests"), trace);
        }
        bucket.tokens -= 1.0;
    }
    match (routed.route.authorization_type.as_str(), authorizer) {
        ("JWT", Some(a)) => jwt_start(call, routed, trace, a),
        ("CUSTOM", Some(a)) => lambda_authorizer_start(gw, cx, call, routed, trace, a),
        ("NONE", _) => integrate(cx, call, routed, trace),
        (kind, _) => {
            trace.push(step("Authorizer", format!("the route's {kind} authorizer is missing from the deployment"), 0));
            done(&call, Some(&routed), &request_id, message(500, "Internal Server Error"), trace)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn routed_for(
    api_id: &str,
    stage: &str,
    stage_variables: BTreeMap<String, String>,
    route: Option<Route>,
    path_params: Vec<(String, String)>,
    raw_query: String,
    request_id: &str,
    now_ms: i64,
    cors: Option<Cors>,
    integration: Option<Integration>,
) -> Routed {
    let route = route.unwrap_or_else(|| Route::new(String::new(), "$default"));
    Routed {
        api_id: api_id.to_string(),
        stage: stage.to_string(),
        stage_variables,
        route_key: route.route_key.clone(),
        route,
        path_params,
        raw_query,
        request_id: request_id.to_string(),
        now_ms,
        cors,
        integration,
        authorizer: None,
    }
}

/// `rawPath` / `requestContext.http.path`: the path with the stage for a named stage.
fn raw_path(call: &HttpCall, r: &Routed) -> String {
    if r.stage == "$default" {
        call.path.clone()
    } else if call.path == "/" {
        format!("/{}", r.stage)
    } else {
        format!("/{}{}", r.stage, call.path)
    }
}

fn route_arn(cx: &Cx, call: &HttpCall, r: &Routed) -> String {
    format!("arn:aws:execute-api:{}:{}:{}/{}/{}{}", cx.region, cx.account.id, r.api_id, r.stage, call.http_method, call.path)
}

/// Lower-cased headers, repeated ones joined with commas, without `cookie`; and the cookies.
fn headers_v2(call: &HttpCall) -> (Map<String, Value>, Vec<String>) {
    let mut headers: Map<String, Value> = Map::new();
    let mut cookies = Vec::new();
    for (k, v) in &call.headers {
        let k = k.to_ascii_lowercase();
        if k == "cookie" {
            cookies.extend(v.split(';').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()));
            continue;
        }
        match headers.get_mut(&k) {
            Some(Value::String(s)) => {
                s.push(',');
                s.push_str(v);
            }
            _ => {
                headers.insert(k, json!(v));
            }
        }
    }
    (headers, cookies)
}

/// Lambda's event, payload format 2.0 (`with_body` false for an authorizer's).
pub fn event_v2(cx: &Cx, call: &HttpCall, r: &Routed, with_body: bool) -> Value {
    let (headers, cookies) = headers_v2(call);
    let mut query: Map<String, Value> = Map::new();
    for (k, v) in &call.query {
        match query.get_mut(k) {
            Some(Value::String(s)) => {
                s.push(',');
                s.push_str(v);
            }
            _ => {
                query.insert(k.clone(), json!(v));
            }
        }
    }
    let path = raw_path(call, r);
    let mut context = json!({
        "accountId": cx.account.id,
        "apiId": r.api_id,
        "domainName": domain(cx, &r.api_id),
        "domainPrefix": r.api_id,
        "http": { "method": call.http_method, "path": path, "protocol": "HTTP/1.1", "sourceIp": call.source_ip, "userAgent": header(&call.headers, "user-agent").unwrap_or("") },
        "requestId": r.request_id,
        "routeKey": r.route_key,
        "stage": r.stage,
        "time": request_time(r.now_ms),
        "timeEpoch": r.now_ms,
    });
    if let (Some(a), Value::Object(m)) = (&r.authorizer, &mut context) {
        m.insert("authorizer".into(), a.clone());
    }
    let mut e = Map::new();
    e.insert("version".into(), json!("2.0"));
    e.insert("routeKey".into(), json!(r.route_key));
    e.insert("rawPath".into(), json!(path));
    e.insert("rawQueryString".into(), json!(r.raw_query));
    if !cookies.is_empty() {
        e.insert("cookies".into(), json!(cookies));
    }
    e.insert("headers".into(), Value::Object(headers));
    if !query.is_empty() {
        e.insert("queryStringParameters".into(), Value::Object(query));
    }
    e.insert("requestContext".into(), context);
    if with_body {
        if let Some(b) = &call.body {
            e.insert("body".into(), json!(b));
        }
    }
    if !r.path_params.is_empty() {
        e.insert("pathParameters".into(), Value::Object(r.path_params.iter().map(|(k, v)| (k.clone(), json!(v))).collect()));
    }
    if with_body {
        e.insert("isBase64Encoded".into(), json!(call.is_base64));
    }
    if !r.stage_variables.is_empty() {
        e.insert("stageVariables".into(), json!(r.stage_variables));
    }
    Value::Object(e)
}

/// Lambda's event, payload format 1.0 (REST APIs' proxy event with `version`).
pub fn event_v1(cx: &Cx, call: &HttpCall, r: &Routed) -> Value {
    let (headers, multi_headers) = single_and_multi(&call.headers);
    let (query, multi_query) = single_and_multi(&call.query);
    let resource = r.route_key.split_once(' ').map(|(_, p)| p.to_string()).unwrap_or_else(|| call.path.clone());
    let mut context = json!({
        "accountId": cx.account.id,
        "apiId": r.api_id,
        "domainName": domain(cx, &r.api_id),
        "domainPrefix": r.api_id,
        "extendedRequestId": r.request_id,
        "httpMethod": call.http_method,
        "identity": { "accessKey": null, "accountId": null, "caller": null, "cognitoAuthenticationProvider": null, "cognitoAuthenticationType": null,
                      "cognitoIdentityId": null, "cognitoIdentityPoolId": null, "principalOrgId": null, "sourceIp": call.source_ip, "user": null,
                      "userAgent": header(&call.headers, "user-agent"), "userArn": null },
        "path": raw_path(call, r),
        "protocol": "HTTP/1.1",
        "requestId": r.request_id,
        "requestTime": request_time(r.now_ms),
        "requestTimeEpoch": r.now_ms,
        "resourceId": r.route_key,
        "resourcePath": resource,
        "stage": r.stage,
    });
    if let (Some(a), Value::Object(m)) = (&r.authorizer, &mut context) {
        m.insert("authorizer".into(), a.clone());
    }
    json!({
        "version": "1.0",
        "resource": resource,
        "path": raw_path(call, r),
        "httpMethod": call.http_method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "requestContext": context,
        "pathParameters": if r.path_params.is_empty() { Value::Null } else { Value::Object(r.path_params.iter().map(|(k, v)| (k.clone(), json!(v))).collect()) },
        "stageVariables": if r.stage_variables.is_empty() { Value::Null } else { json!(r.stage_variables) },
        "body": call.body,
        "isBase64Encoded": call.is_base64,
    })
}

/// Reads a payload format 2.0 answer: an object with `statusCode` is the response (`headers`,
/// `cookies`, `body`, `isBase64Encoded`); any other JSON value is a 200 `application/json`
/// answer whose body is that value (a string as itself).
pub fn parse_v2_answer(payload: &str) -> Result<HttpAnswer, String> {
    let v: Value = serde_json::from_str(payload).map_err(|_| "the function's answer is not JSON".to_string())?;
    let structured = matches!(&v, Value::Object(m) if m.contains_key("statusCode"));
    if !structured {
        let body = match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        return Ok(HttpAnswer { status: 200, headers: vec![("Content-Type".into(), "application/json".into())], body, is_base64: false, failure: None });
    }
    let status =
        v["statusCode"].as_u64().or_else(|| v["statusCode"].as_str().and_then(|s| s.parse().ok())).filter(|s| (100..600).contains(s)).ok_or("statusCode is not an HTTP status")?;
    let mut headers = Vec::new();
    match v.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, val) in m {
                headers.push((k.clone(), scalar_text(val).ok_or("a header value is not a string")?));
            }
        }
        Some(_) => return Err("headers is not an object".into()),
    }
    match v.get("cookies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for c in a {
                headers.push(("set-cookie".into(), c.as_str().ok_or("a cookie is not a string")?.to_string()));
            }
        }
        Some(_) => return Err("cookies is not a list".into()),
    }
    let body = match v.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let is_base64 = match v.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("isBase64Encoded is not a boolean".into()),
    };
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
        headers.insert(0, ("Content-Type".into(), "application/json".into()));
    }
    Ok(HttpAnswer { status: status as u16, headers, body, is_base64, failure: None })
}

fn lambda_call(cx: &Cx, function: &str, event: &Value) -> Request {
    Request::new("lambda", "Invoke", cx.region, json!({ "FunctionName": function, "Payload": B64.encode(event.to_string().as_bytes()) }))
}

/// Sends the request to the route's integration.
fn integrate(cx: &mut Cx, call: HttpCall, routed: Routed, mut trace: Vec<TraceStep>) -> Result<Step, AwsError> {
    let Some(integration) = routed.integration.clone() else {
        trace.push(step("Integration", format!("route {} has no integration (target)", routed.route_key), 0));
        return done(&call, Some(&routed), &routed.request_id.clone(), message(500, "Internal Server Error"), trace);
    };
    let Some(function) = integration_function(integration.integration_uri.as_deref().unwrap_or("")).map(str::to_string) else {
        trace.push(step("Integration", "the integration URI names no Lambda function", 0));
        return done(&call, Some(&routed), &routed.request_id.clone(), message(500, "Internal Server Error"), trace);
    };
    let event = if integration.payload_format_version == "1.0" { event_v1(cx, &call, &routed) } else { event_v2(cx, &call, &routed, true) };
    trace.push(step("Integration", format!("Lambda {function} (payload format {}) with {event}", integration.payload_format_version), INTEGRATION_US));
    let request = lambda_call(cx, &function, &event);
    Ok(Step::Call(request, Box::new(Pending { call, routed, trace, awaiting: Awaiting::Lambda { version: integration.payload_format_version } })))
}

/// An identity source's value (`$request.header.X`, `$request.querystring.x`,
/// `$stageVariables.x`, `$context.x`); None when missing or empty.
fn identity_value(source: &str, call: &HttpCall, routed: &Routed, context: &Value) -> Option<String> {
    let v = if let Some(h) = source.strip_prefix("$request.header.") {
        let vals: Vec<&str> = call.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(h)).map(|(_, v)| v.as_str()).collect();
        (!vals.is_empty()).then(|| vals.join(","))
    } else if let Some(q) = source.strip_prefix("$request.querystring.") {
        let vals: Vec<&str> = call.query.iter().filter(|(k, _)| k == q).map(|(_, v)| v.as_str()).collect();
        (!vals.is_empty()).then(|| vals.join(","))
    } else if let Some(s) = source.strip_prefix("$stageVariables.") {
        routed.stage_variables.get(s).cloned()
    } else if let Some(c) = source.strip_prefix("$context.") {
        crate::services::apigateway::invoke::context_value(context, c)
    } else {
        None
    };
    v.filter(|v| !v.is_empty())
}

fn unauthorized(call: &HttpCall, routed: &Routed, mut trace: Vec<TraceStep>, why: &str) -> Result<Step, AwsError> {
    trace.push(step("Authorizer", format!("Unauthorized: {why}"), 0));
    let mut answer = message(401, "Unauthorized");
    if routed.route.authorization_type == "JWT" {
        answer
            .headers
            .push(("www-authenticate".into(), format!("Bearer scope=\"{}\" error=\"invalid_token\" error_description=\"{why}\"", routed.route.authorization_scopes.join(" "))));
    }
    done(call, Some(routed), &routed.request_id, answer, trace)
}

fn jwt_start(call: HttpCall, routed: Routed, trace: Vec<TraceStep>, a: Authorizer) -> Result<Step, AwsError> {
    let source = a.identity_source.first().cloned().unwrap_or_else(|| "$request.header.Authorization".into());
    let Some(value) = identity_value(&source, &call, &routed, &Value::Null) else {
        return unauthorized(&call, &routed, trace, &format!("the identity source {source} is missing"));
    };
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).unwrap_or(&value).trim().to_string();
    let issuer = a.jwt_configuration.as_ref().and_then(|j| j.issuer.clone()).unwrap_or_default();
    // The sandbox reaches its own Cognito user pools' keys: https://cognito-idp.{region}.amazonaws.com/{poolId}.
    let pool = issuer.strip_prefix("https://cognito-idp.").and_then(|r| r.split_once(".amazonaws.com/")).filter(|(_, p)| !p.is_empty() && !p.contains('/'));
    let Some((region, pool)) = pool else {
        return unauthorized(&call, &routed, trace, &format!("the issuer {issuer} is not a Cognito user pool of the sandbox (the sandbox fetches no other issuer's keys)"));
    };
    let mut trace = trace;
    trace.push(step("Authorizer", format!("JWT authorizer {}: fetching the keys of {issuer}", a.name), INTEGRATION_US));
    let request = Request::new("cognito-idp", "GetJwks", region, json!({ "UserPoolId": pool }));
    Ok(Step::Control(request, Box::new(Pending { call, routed, trace, awaiting: Awaiting::Jwks { authorizer: a, token } })))
}

/// A claim as HTTP APIs pass it: strings as they are, lists as `[a b]`, others as JSON.
fn claim_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string())).collect::<Vec<_>>().join(" ")),
        other => other.to_string(),
    }
}

fn jwt_checked(cx: &mut Cx, call: HttpCall, mut routed: Routed, mut trace: Vec<TraceStep>, a: Authorizer, token: String, jwks: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let jwks = match jwks {
        Ok(j) => j,
        Err(e) => return unauthorized(&call, &routed, trace, &format!("the issuer's keys could not be read ({})", e.message)),
    };
    let claims = match crypto::verify_signature(&token, &jwks) {
        Ok(c) => c,
        Err(e) => return unauthorized(&call, &routed, trace, &format!("the token is not valid ({e})")),
    };
    let jwt = a.jwt_configuration.clone().unwrap_or(super::model::JwtConfiguration { audience: Vec::new(), issuer: None });
    if claims.get("exp").and_then(Value::as_i64).is_none_or(|exp| exp * 1000 <= cx.now_ms) {
        return unauthorized(&call, &routed, trace, "the token has expired");
    }
    if claims.get("nbf").and_then(Value::as_i64).is_some_and(|nbf| nbf * 1000 > cx.now_ms) {
        return unauthorized(&call, &routed, trace, "the token is not valid yet");
    }
    if claims.get("iss").and_then(Value::as_str) != jwt.issuer.as_deref() {
        return unauthorized(&call, &routed, trace, "the token does not have a valid issuer");
    }
    // `aud` when present, else `client_id`.
    let audience: Vec<String> = match claims.get("aud").or_else(|| claims.get("client_id")) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    if !audience.iter().any(|x| jwt.audience.contains(x)) {
        return unauthorized(&call, &routed, trace, "the token does not have a valid audience");
    }
    let token_scopes: Vec<String> = match claims.get("scope").or_else(|| claims.get("scp")) {
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    let wanted = &routed.route.authorization_scopes;
    if !wanted.is_empty() && !wanted.iter().any(|w| token_scopes.contains(w)) {
        trace.push(step("Authorizer", format!("Forbidden: the token has none of the route's scopes {}", wanted.join(", ")), 0));
        let mut answer = message(403, "Forbidden");
        answer.headers.push((
            "www-authenticate".into(),
            format!("Bearer scope=\"{}\" error=\"insufficient_scope\" error_description=\"not all the route's scopes are in the token\"", wanted.join(" ")),
        ));
        return done(&call, Some(&routed), &routed.request_id.clone(), answer, trace);
    }
    let subject = claims.get("sub").and_then(Value::as_str).unwrap_or("").to_string();
    trace.push(step("Authorizer", format!("JWT of {subject} is valid (issuer {})", jwt.issuer.as_deref().unwrap_or("")), 0));
    let claims: Map<String, Value> = claims.iter().map(|(k, v)| (k.clone(), Value::String(claim_text(v)))).collect();
    let scopes = if wanted.is_empty() { Value::Null } else { json!(token_scopes) };
    routed.authorizer = Some(json!({ "jwt": { "claims": claims, "scopes": scopes } }));
    integrate(cx, call, routed, trace)
}

fn lambda_authorizer_start(gw: &mut ApiGateway, cx: &mut Cx, call: HttpCall, routed: Routed, mut trace: Vec<TraceStep>, a: Authorizer) -> Result<Step, AwsError> {
    let arn = route_arn(cx, &call, &routed);
    let context = event_v2(cx, &call, &routed, false).get("requestContext").cloned().unwrap_or(Value::Null);
    let mut values = Vec::new();
    for s in &a.identity_source {
        match identity_value(s, &call, &routed, &context) {
            Some(v) => values.push(v),
            None => return unauthorized(&call, &routed, trace, &format!("the identity source {s} is missing")),
        }
    }
    let ttl = a.authorizer_result_ttl_in_seconds.unwrap_or(0);
    let cache_key = (ttl > 0).then(|| format!("v2/{}/{}/{}/{}", routed.api_id, routed.stage, a.authorizer_id, values.join("\u{1}")));
    if let Some(key) = &cache_key {
        if let Some(grant) = gw.authorizer_cache.get(key, cx.now_ms) {
            trace.push(step("Authorizer", format!("Using the cached result of authorizer {}", a.name), 0));
            return apply_grant(cx, call, routed, trace, grant, &arn);
        }
    }
    let Some(function) = lambda_function(a.authorizer_uri.as_deref().unwrap_or("")).map(str::to_string) else {
        trace.push(step("Authorizer", "the authorizer URI names no Lambda function", 0));
        return done(&call, Some(&routed), &routed.request_id.clone(), message(500, "Internal Server Error"), trace);
    };
    let mut event = event_v2(cx, &call, &routed, false);
    if let Value::Object(m) = &mut event {
        m.insert("type".into(), json!("REQUEST"));
        m.insert("routeArn".into(), json!(arn));
        m.insert("identitySource".into(), json!(values));
    }
    trace.push(step("Authorizer", format!("Calling authorizer {} ({function}) with {event}", a.name), INTEGRATION_US));
    let request = lambda_call(cx, &function, &event);
    Ok(Step::Call(request, Box::new(Pending { call, routed, trace, awaiting: Awaiting::Authorizer { authorizer: a, cache_key, route_arn: arn } })))
}

fn apply_grant(cx: &mut Cx, call: HttpCall, mut routed: Routed, mut trace: Vec<TraceStep>, grant: Grant, arn: &str) -> Result<Step, AwsError> {
    if authorizers::evaluate(&grant.policy, arn) != authorizers::Decision::Allow {
        trace.push(step("Authorizer", format!("The authorizer does not allow {arn}"), 0));
        return done(&call, Some(&routed), &routed.request_id.clone(), message(403, "Forbidden"), trace);
    }
    trace.push(step("Authorizer", format!("The authorizer allows {arn}"), 0));
    let mut authorizer = json!({ "lambda": Value::Object(grant.context.clone()) });
    if !grant.principal_id.is_empty() {
        authorizer["principalId"] = json!(grant.principal_id);
    }
    routed.authorizer = Some(authorizer);
    integrate(cx, call, routed, trace)
}

/// A simple response (`isAuthorized`, `context`) or an IAM policy answer, as a cacheable grant.
fn read_authorizer_answer(a: &Authorizer, payload: &str) -> Result<Grant, String> {
    if a.enable_simple_responses != Some(true) {
        return authorizers::read_grant(payload);
    }
    let v: Value = serde_json::from_str(payload).map_err(|_| "the answer is not JSON".to_string())?;
    let allowed = v.get("isAuthorized").and_then(Value::as_bool).ok_or("the answer has no boolean isAuthorized")?;
    let context = match v.get("context") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err("context is not an object".into()),
    };
    let effect = if allowed { "Allow" } else { "Deny" };
    let policy = json!({ "Version": "2012-10-17", "Statement": [{ "Action": "execute-api:Invoke", "Effect": effect, "Resource": "*" }] });
    Ok(Grant { principal_id: String::new(), policy, context, usage_identifier_key: None })
}

/// Lambda Invoke's answer as (payload text, whether the function failed); Err when Lambda refused
/// the call.
fn lambda_answer(answer: Result<Value, AwsError>) -> Result<(String, bool), String> {
    let out = answer.map_err(|e| format!("Lambda answered {}: {}", e.kind, e.message))?;
    let payload = out.get("Payload").and_then(Value::as_str).and_then(|p| B64.decode(p).ok()).unwrap_or_default();
    Ok((String::from_utf8_lossy(&payload).into_owned(), out.get("FunctionError").is_some()))
}

/// Lambda's or Cognito's answer, for a suspended invocation.
pub fn resume(gw: &mut ApiGateway, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
    let Ok(pending) = then.downcast::<Pending>() else {
        return Err(AwsError::internal("API Gateway resumed with another continuation"));
    };
    let Pending { call, routed, mut trace, awaiting } = *pending;
    let Resumed::Called(answer) = result else {
        return Err(AwsError::internal("API Gateway expected a service answer"));
    };
    let rid = routed.request_id.clone();
    match awaiting {
        Awaiting::Jwks { authorizer, token } => jwt_checked(cx, call, routed, trace, authorizer, token, answer),
        Awaiting::Authorizer { authorizer, cache_key, route_arn } => {
            let (payload, failed) = match lambda_answer(answer) {
                Ok(a) => a,
                Err(why) => {
                    trace.push(step("Authorizer", why, 0));
                    return done(&call, Some(&routed), &rid, message(500, "Internal Server Error"), trace);
                }
            };
            if failed {
                let unauthorized_error =
                    serde_json::from_str::<Value>(&payload).ok().and_then(|v| v.get("errorMessage").and_then(Value::as_str).map(|m| m == "Unauthorized")) == Some(true);
                if unauthorized_error {
                    return unauthorized(&call, &routed, trace, "the authorizer answered Unauthorized");
                }
                trace.push(step("Authorizer", format!("the authorizer function failed: {payload}"), 0));
                return done(&call, Some(&routed), &rid, message(500, "Internal Server Error"), trace);
            }
            let grant = match read_authorizer_answer(&authorizer, &payload) {
                Ok(g) => g,
                Err(why) => {
                    trace.push(step("Authorizer", format!("Invalid authorizer response ({why}): {payload}"), 0));
                    return done(&call, Some(&routed), &rid, message(500, "Internal Server Error"), trace);
                }
            };
            trace.push(step("Authorizer", format!("The authorizer answered {payload}"), 0));
            if let Some(key) = cache_key {
                gw.authorizer_cache.put(key, cx.now_ms + authorizer.authorizer_result_ttl_in_seconds.unwrap_or(0) * 1000, grant.clone());
            }
            apply_grant(cx, call, routed, trace, grant, &route_arn)
        }
        Awaiting::Lambda { version } => {
            let (payload, failed) = match lambda_answer(answer) {
                Ok(a) => a,
                Err(why) => {
                    trace.push(step("Integration", why, 0));
                    return done(&call, Some(&routed), &rid, message(500, "Internal Server Error"), trace);
                }
            };
            if failed {
                trace.push(step("Integration", format!("Lambda answered with a function error: {payload}"), 0));
                return done(&call, Some(&routed), &rid, message(500, "Internal Server Error"), trace);
            }
            let parsed = if version == "1.0" { parse_proxy_answer(&payload) } else { parse_v2_answer(&payload) };
            match parsed {
                Ok(answer) => {
                    trace.push(step("Integration", format!("Lambda answered status {}: {payload}", answer.status), 0));
                    done(&call, Some(&routed), &rid, answer, trace)
                }
                Err(why) => {
                    trace.push(step("Integration", format!("Malformed Lambda proxy response ({why}): {payload}"), 0));
                    done(&call, Some(&routed), &rid, message(500, "Internal Server Error"), trace)
                }
            }
        }
    }
}
