//! The data plane: a request to a deployed API (`execute-api` Invoke) or a test invocation of a
//! method (TestInvokeMethod), routed through the resource tree, sent to its integration and
//! answered as AWS answers, with a trace of each step like TestInvokeMethod's log.
//!
//! Routing: the path's segments are matched against the resource tree from the root; at each
//! level a literal path part is tried before a `{variable}`, and that before a greedy
//! `{variable+}` (which takes one or more segments); a resource matches when it has the request's
//! method or ANY (a specific method before ANY). A branch that does not end at such a resource
//! falls back to the next candidate. No match (or an unknown stage) answers 403
//! `{"message":"Missing Authentication Token"}`.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use super::{
    control::{lambda_function, HTTP_METHODS},
    errors::{bad_request, Input},
    mapping::{self, TemplateEnv},
    model::{Integration, Method, Resource},
    regex::Regex,
    ApiGateway,
};
use crate::kernel::{
    error::AwsError,
    runtime::{Continuation, Resumed, Step},
    service::Cx,
    time::rfc5322,
    Request,
};

/// The latency model of the gateway's own steps (µs), as AWS's execution logs show them: a few
/// milliseconds of overhead around the integration.
pub const METHOD_REQUEST_US: u64 = 1_200;
pub const MAPPING_US: u64 = 300;
pub const ENDPOINT_REQUEST_US: u64 = 2_500;
pub const METHOD_RESPONSE_US: u64 = 400;

/// A request as the gateway received it.
#[derive(Debug, Clone, Default)]
pub struct HttpCall {
    pub http_method: String,
    /// The path after the stage, starting with `/`.
    pub path: String,
    /// Every header value, in order (a repeated header appears several times).
    pub headers: Vec<(String, String)>,
    /// Decoded query string pairs, in order.
    pub query: Vec<(String, String)>,
    pub body: Option<String>,
    pub is_base64: bool,
    pub source_ip: String,
}

/// Where a request is going, once routed.
#[derive(Debug, Clone)]
pub struct Routed {
    pub api_id: String,
    pub stage: Option<String>,
    pub stage_variables: BTreeMap<String, String>,
    pub resource_id: String,
    pub resource_path: String,
    pub method: Method,
    pub path_params: Vec<(String, String)>,
    pub request_id: String,
    pub now_ms: i64,
    pub test: bool,
    /// `requestContext` / `$context`, built once when first needed.
    pub context: std::cell::OnceCell<Value>,
}

/// One step of the trace.
#[derive(Debug, Clone)]
pub struct TraceStep {
    pub step: &'static str,
    pub message: String,
    pub latency_us: u64,
}

impl TraceStep {
    fn json(&self) -> Value {
        json!({ "step": self.step, "message": self.message, "latencyMicros": self.latency_us })
    }
}

/// The response the gateway sends.
#[derive(Debug, Clone)]
pub struct HttpAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub is_base64: bool,
}

/// What a suspended invocation needs when Lambda answers.
pub struct Pending {
    call: HttpCall,
    routed: Routed,
    trace: Vec<TraceStep>,
    proxy: bool,
}

fn decode_component(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(k, true), decode_component(v, true))
        })
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Reads Invoke's input.
fn read_call(input: &Input) -> Result<HttpCall, AwsError> {
    let http_method = input.string("httpMethod")?.unwrap_or("GET").to_ascii_uppercase();
    if http_method == "ANY" || !HTTP_METHODS.contains(&http_method.as_str()) {
        return Err(bad_request(format!("Invalid HttpMethod specified: {http_method}")));
    }
    let path = input.string("path")?.unwrap_or("/");
    let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    let mut headers: Vec<(String, String)> = Vec::new();
    let multi = match input.get("multiValueHeaders") {
        Some(Value::Object(m)) => m.clone(),
        None => Map::new(),
        Some(_) => return Err(bad_request("multiValueHeaders must be a map of lists of strings.")),
    };
    for (k, v) in input.string_map("headers")? {
        if !multi.keys().any(|m| m.eq_ignore_ascii_case(&k)) {
            headers.push((k, v));
        }
    }
    for (k, vs) in multi {
        let Value::Array(vs) = vs else { return Err(bad_request("multiValueHeaders must be a map of lists of strings.")) };
        for v in vs {
            let Value::String(v) = v else { return Err(bad_request("multiValueHeaders must be a map of lists of strings.")) };
            headers.push((k.clone(), v));
        }
    }
    Ok(HttpCall {
        http_method,
        path,
        headers,
        query: parse_query(input.string("queryString")?.unwrap_or("")),
        body: input.string("body")?.map(str::to_string),
        is_base64: input.bool("isBase64Encoded")?.unwrap_or(false),
        source_ip: input.string("sourceIp")?.unwrap_or("127.0.0.1").to_string(),
    })
}

/// Finds the resource and method a path and method reach.
pub fn route<'a>(resources: &'a BTreeMap<String, Resource>, root: &str, path: &str, method: &str) -> Option<(&'a Resource, &'a Method, Vec<(String, String)>)> {
    let segments: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(|s| decode_component(s, false)).collect();
    let mut children: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
    for r in resources.values() {
        if let Some(p) = &r.parent_id {
            children.entry(p.as_str()).or_default().push(r);
        }
    }
    let root = resources.get(root)?;
    let mut params = Vec::new();
    let found = walk(root, &children, &segments, 0, method, &mut params)?;
    let m = found.methods.get(method).or_else(|| found.methods.get("ANY"))?;
    Some((found, m, params))
}

fn has_method(r: &Resource, method: &str) -> bool {
    r.methods.contains_key(method) || r.methods.contains_key("ANY")
}

fn walk<'a>(node: &'a Resource, children: &BTreeMap<&str, Vec<&'a Resource>>, segs: &[String], i: usize, method: &str, params: &mut Vec<(String, String)>) -> Option<&'a Resource> {
    if i == segs.len() {
        return has_method(node, method).then_some(node);
    }
    let kids = children.get(node.id.as_str())?;
    let part = |r: &&Resource| r.path_part.clone().unwrap_or_default();
    for k in kids.iter().filter(|r| part(r) == segs[i]) {
        if let Some(found) = walk(k, children, segs, i + 1, method, params) {
            return Some(found);
        }
    }
    for k in kids.iter().filter(|r| {
        let p = part(r);
        p.starts_with('{') && !p.ends_with("+}")
    }) {
        let name = part(k).trim_matches(|c| c == '{' || c == '}').to_string();
        params.push((name, segs[i].clone()));
        if let Some(found) = walk(k, children, segs, i + 1, method, params) {
            return Some(found);
        }
        params.pop();
    }
    for k in kids.iter().filter(|r| part(r).ends_with("+}")) {
        if has_method(k, method) {
            let name = part(k).trim_start_matches('{').trim_end_matches("+}").to_string();
            params.push((name, segs[i..].join("/")));
            return Some(k);
        }
    }
    None
}

fn missing_token(request_id: &str) -> HttpAnswer {
    let mut a = error_answer(403, "Missing Authentication Token", request_id);
    a.headers.push(("x-amzn-ErrorType".into(), "MissingAuthenticationTokenException".into()));
    a
}

fn error_answer(status: u16, message: &str, request_id: &str) -> HttpAnswer {
    HttpAnswer {
        status,
        headers: vec![("Content-Type".into(), "application/json".into()), ("x-amzn-RequestId".into(), request_id.into())],
        body: json!({ "message": message }).to_string(),
        is_base64: false,
    }
}

/// `25/Nov/2026:12:00:00 +0000`, the `requestContext.requestTime` format.
fn request_time(ms: i64) -> String {
    // "Wed, 25 Nov 2026 12:00:00 +0000"
    let s = rfc5322(ms);
    let p: Vec<&str> = s.split(' ').collect();
    match p.as_slice() {
        [_, d, mon, y, t, z] => format!("{d}/{mon}/{y}:{t} {z}"),
        _ => s,
    }
}

fn single_and_multi(pairs: &[(String, String)]) -> (Value, Value) {
    if pairs.is_empty() {
        return (Value::Null, Value::Null);
    }
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (k, v) in pairs {
        single.insert(k.clone(), json!(v));
        match multi.get_mut(k) {
            Some(Value::Array(a)) => a.push(json!(v)),
            _ => {
                multi.insert(k.clone(), json!([v]));
            }
        }
    }
    (Value::Object(single), Value::Object(multi))
}

fn domain(cx: &Cx, api_id: &str) -> String {
    format!("{api_id}.execute-api.{}.amazonaws.com", cx.region)
}

/// The `requestContext` of the proxy event (and `$context` of templates).
fn request_context(cx: &Cx, call: &HttpCall, r: &Routed) -> Value {
    let stage = r.stage.clone().unwrap_or_else(|| "test-invoke-stage".into());
    json!({
        "resourceId": r.resource_id,
        "resourcePath": r.resource_path,
        "httpMethod": call.http_method,
        "extendedRequestId": r.request_id,
        "requestTime": request_time(r.now_ms),
        "path": format!("/{stage}{}", call.path),
        "accountId": cx.account.id,
        "protocol": "HTTP/1.1",
        "stage": stage,
        "domainPrefix": r.api_id,
        "requestTimeEpoch": r.now_ms,
        "requestId": r.request_id,
        "identity": {
            "cognitoIdentityPoolId": null,
            "accountId": null,
            "cognitoIdentityId": null,
            "caller": null,
            "sourceIp": call.source_ip,
            "principalOrgId": null,
            "accessKey": null,
            "cognitoAuthenticationType": null,
            "cognitoAuthenticationProvider": null,
            "userArn": null,
            "userAgent": header(&call.headers, "user-agent"),
            "user": null
        },
        "domainName": domain(cx, &r.api_id),
        "deploymentId": null,
        "apiId": r.api_id
    })
}

/// Lambda proxy integration's event, format 1.0.
pub fn proxy_event(cx: &Cx, call: &HttpCall, r: &Routed) -> Value {
    let (headers, multi_headers) = single_and_multi(&call.headers);
    let (query, multi_query) = single_and_multi(&call.query);
    let path_params = if r.path_params.is_empty() { Value::Null } else { Value::Object(r.path_params.iter().map(|(k, v)| (k.clone(), json!(v))).collect()) };
    let stage_vars = if r.stage_variables.is_empty() { Value::Null } else { json!(r.stage_variables) };
    json!({
        "resource": r.resource_path,
        "path": call.path,
        "httpMethod": call.http_method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_params,
        "stageVariables": stage_vars,
        "requestContext": request_context(cx, call, r),
        "body": call.body,
        "isBase64Encoded": call.is_base64
    })
}

fn kv(pairs: &[(String, String)]) -> String {
    let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

/// Execute-api Invoke: a request to a deployed stage.
pub fn invoke(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Step, AwsError> {
    let input = Input(input);
    let api_id = input.string("restApiId")?.unwrap_or("").to_string();
    let stage_name = input.string("stage")?.unwrap_or("").to_string();
    let call = read_call(&input)?;
    let request_id = cx.rng.uuid();
    let Some(api) = gw.regions.get(cx.region).and_then(|r| r.get(&api_id)) else {
        return Ok(Step::Done(answer_json(&missing_token(&request_id), &[unmatched_step("no REST API has this id in this region")])));
    };
    if api.disable_execute_api_endpoint {
        return Ok(Step::Done(answer_json(&error_answer(403, "Forbidden", &request_id), &[unmatched_step("the default execute-api endpoint is disabled for this API")])));
    }
    let Some(stage) = api.stages.get(&stage_name) else {
        return Ok(Step::Done(answer_json(&missing_token(&request_id), &[unmatched_step(&format!("the API has no stage '{stage_name}'"))])));
    };
    let Some(deployment) = api.deployments.get(&stage.deployment_id) else {
        return Ok(Step::Done(answer_json(&missing_token(&request_id), &[unmatched_step("the stage's deployment is gone")])));
    };
    let Some((resource, method, params)) = route(&deployment.resources, &api.root_resource_id, &call.path, &call.http_method) else {
        return Ok(Step::Done(answer_json(&missing_token(&request_id), &[unmatched_step(&format!("no resource and method match {} {}", call.http_method, call.path))])));
    };
    let key_source = api.api_key_source.clone();
    let routed = Routed {
        api_id: api_id.clone(),
        stage: Some(stage_name.clone()),
        stage_variables: stage.variables.clone(),
        resource_id: resource.id.clone(),
        resource_path: resource.path.clone(),
        method: method.clone(),
        path_params: params,
        request_id,
        now_ms: cx.now_ms,
        test: false,
        context: std::cell::OnceCell::new(),
    };
    let mut key_step = None;
    if routed.method.api_key_required {
        // HEADER: the x-api-key header; AUTHORIZER: a Lambda authorizer's usageIdentifierKey
        // (no authorizers in this build, so none).
        let value = if key_source == "HEADER" { header(&call.headers, "x-api-key").map(str::to_string) } else { None };
        match super::usage::admit(gw, cx, &api_id, &stage_name, value.as_deref()) {
            Ok(note) => key_step = Some(TraceStep { step: "API key", message: note, latency_us: 0 }),
            Err((status, message, why)) => {
                let answer = error_answer(status, message, &routed.request_id);
                return Ok(Step::Done(answer_json(&answer, &[TraceStep { step: "API key", message: why, latency_us: METHOD_REQUEST_US }])));
            }
        }
    }
    start(cx, call, routed, key_step)
}

fn unmatched_step(why: &str) -> TraceStep {
    TraceStep { step: "Method request", message: format!("Missing Authentication Token: {why}."), latency_us: METHOD_REQUEST_US }
}

/// TestInvokeMethod: the method as currently defined (no deployment needed).
pub fn test_invoke_method(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Step, AwsError> {
    let input = Input(input);
    input.refuse(&["clientCertificateId"])?;
    let api_id = input.string("restApiId")?.unwrap_or("").to_string();
    let api = gw.api(cx, &api_id)?;
    let rid = input.required("resourceId", super::errors::resource_not_found)?;
    let resource = api.resources.get(rid).ok_or_else(super::errors::resource_not_found)?;
    let method_name = input.required("httpMethod", super::errors::method_not_found)?;
    let method = resource.methods.get(method_name).ok_or_else(super::errors::method_not_found)?.clone();
    if method.integration.is_none() {
        return Err(bad_request("Invalid Integration identifier specified"));
    }
    let pq = input.string("pathWithQueryString")?.unwrap_or(&resource.path);
    let (path, query) = pq.split_once('?').unwrap_or((pq, ""));
    let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    // Path parameters: the path's segments against the resource's path template.
    let mut params = Vec::new();
    let template: Vec<&str> = resource.path.split('/').filter(|s| !s.is_empty()).collect();
    let segs: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(|s| decode_component(s, false)).collect();
    for (i, t) in template.iter().enumerate() {
        if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix("+}")) {
            params.push((name.to_string(), segs.get(i..).map(|s| s.join("/")).unwrap_or_default()));
            break;
        } else if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            params.push((name.to_string(), segs.get(i).cloned().unwrap_or_default()));
        }
    }
    let mut headers: Vec<(String, String)> = input.string_map("headers")?.into_iter().collect();
    if let Some(Value::Object(m)) = input.get("multiValueHeaders") {
        for (k, vs) in m {
            headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
            for v in vs.as_array().into_iter().flatten() {
                headers.push((k.clone(), v.as_str().ok_or_else(|| bad_request("multiValueHeaders must be a map of lists of strings."))?.to_string()));
            }
        }
    }
    let call = HttpCall {
        http_method: if method_name == "ANY" { "GET".into() } else { method_name.to_string() },
        path,
        headers,
        query: parse_query(query),
        body: input.string("body")?.map(str::to_string),
        is_base64: false,
        source_ip: "test-invoke-source-ip".into(),
    };
    let routed = Routed {
        api_id,
        stage: None,
        stage_variables: input.string_map("stageVariables")?,
        resource_id: resource.id.clone(),
        resource_path: resource.path.clone(),
        method,
        path_params: params,
        request_id: cx.rng.uuid(),
        now_ms: cx.now_ms,
        test: true,
        context: std::cell::OnceCell::new(),
    };
    // A test invocation skips API key checks, as AWS's does.
    start(cx, call, routed, None)
}

/// Runs the method request and sends the integration request.
fn start(cx: &mut Cx, call: HttpCall, routed: Routed, key_step: Option<TraceStep>) -> Result<Step, AwsError> {
    let mut trace = vec![TraceStep {
        step: "Method request",
        message: format!(
            "HTTP Method: {}, Resource Path: {}; path: {}, query string: {}, headers: {}, body: {}",
            call.http_method,
            routed.resource_path,
            kv(&routed.path_params),
            kv(&call.query),
            kv(&call.headers),
            call.body.as_deref().unwrap_or("")
        ),
        latency_us: METHOD_REQUEST_US,
    }];
    let Some(integration) = routed.method.integration.clone() else {
        trace.push(TraceStep { step: "Endpoint request", message: "Execution failed due to configuration error: No integration defined for method".into(), latency_us: 0 });
        return Ok(Step::Done(finish(&routed, error_answer(500, "Internal server error", &routed.request_id), trace)));
    };
    trace.extend(key_step);
    match integration.kind.as_str() {
        "MOCK" => Ok(Step::Done(mock(cx, &call, &routed, &integration, trace))),
        "AWS_PROXY" => {
            let Some(function) = lambda_function(integration.uri.as_deref().unwrap_or("")).map(str::to_string) else {
                trace.push(TraceStep { step: "Endpoint request", message: "Execution failed due to configuration error: Invalid Lambda function URI".into(), latency_us: 0 });
                return Ok(Step::Done(finish(&routed, error_answer(500, "Internal server error", &routed.request_id), trace)));
            };
            let event = proxy_event(cx, &call, &routed);
            let text = event.to_string();
            trace.push(TraceStep {
                step: "Endpoint request",
                message: format!("URI: {}; body after transformations: {text}", integration.uri.as_deref().unwrap_or("")),
                latency_us: ENDPOINT_REQUEST_US,
            });
            let request = Request::new("lambda", "Invoke", cx.region, json!({ "FunctionName": function, "Payload": B64.encode(text.as_bytes()) }));
            Ok(Step::Call(request, Box::new(Pending { call, routed, trace, proxy: true })))
        }
        "AWS" if lambda_function(integration.uri.as_deref().unwrap_or("")).is_some() => {
            let function = lambda_function(integration.uri.as_deref().unwrap_or("")).unwrap_or_default().to_string();
            let body = match request_body(cx, &call, &routed, &integration, &mut trace) {
                Ok(b) => b,
                Err(answer) => return Ok(Step::Done(finish(&routed, answer, trace))),
            };
            trace.push(TraceStep {
                step: "Endpoint request",
                message: format!("URI: {}; body after transformations: {body}", integration.uri.as_deref().unwrap_or("")),
                latency_us: ENDPOINT_REQUEST_US,
            });
            let request = Request::new("lambda", "Invoke", cx.region, json!({ "FunctionName": function, "Payload": B64.encode(body.as_bytes()) }));
            Ok(Step::Call(request, Box::new(Pending { call, routed, trace, proxy: false })))
        }
        "AWS" => {
            trace.push(TraceStep {
                step: "Endpoint request",
                message: "Execution failed: AWS service integrations other than Lambda are not wired in this build of the sandbox yet.".into(),
                latency_us: 0,
            });
            Ok(Step::Done(finish(&routed, error_answer(500, "Internal server error", &routed.request_id), trace)))
        }
        _ => {
            trace.push(TraceStep {
                step: "Endpoint request",
                message: format!(
                    "Execution failed: {} integrations (to {}) are not wired in this build of the sandbox yet: the engine does no network I/O and no host HTTP client is connected.",
                    integration.kind,
                    integration.uri.as_deref().unwrap_or("")
                ),
                latency_us: 0,
            });
            Ok(Step::Done(finish(&routed, error_answer(500, "Internal server error", &routed.request_id), trace)))
        }
    }
}

fn template_env<'a>(call: &'a HttpCall, routed: &'a Routed, body: &'a str, context: &'a Value, stage_variables: &'a Map<String, Value>) -> TemplateEnv<'a> {
    TemplateEnv { body, path: &routed.path_params, querystring: &call.query, header: &call.headers, context, stage_variables, now_ms: routed.now_ms }
}

/// The integration request body: the request template for the content type, or the body passed
/// through as the passthrough behavior allows. Err is the answer to send instead.
fn request_body(cx: &Cx, call: &HttpCall, routed: &Routed, integration: &Integration, trace: &mut Vec<TraceStep>) -> Result<String, HttpAnswer> {
    let body = call.body.clone().unwrap_or_default();
    let content_type = header(&call.headers, "content-type");
    match mapping::select(&integration.request_templates, content_type) {
        Some((ct, template)) => {
            let context = routed.context.get_or_init(|| request_context(cx, call, routed));
            let vars: Map<String, Value> = routed.stage_variables.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            match mapping::render(template, &template_env(call, routed, &body, context, &vars)) {
                Ok(out) => {
                    trace.push(TraceStep { step: "Request mapping", message: format!("Request template for {ct} rendered: {}", out.body), latency_us: MAPPING_US });
                    if out.overrides_request() {
                        let o = out.context.get("requestOverride").cloned().unwrap_or_default();
                        trace.push(TraceStep {
                            step: "Request mapping",
                            message: format!("$context.requestOverride set to {o}: it changes the integration request of HTTP and AWS service integrations, not of this one"),
                            latency_us: 0,
                        });
                    }
                    Ok(out.body)
                }
                Err(e) => {
                    trace.push(TraceStep { step: "Request mapping", message: format!("Execution failed due to configuration error: {e}"), latency_us: MAPPING_US });
                    Err(error_answer(500, "Internal server error", &routed.request_id))
                }
            }
        }
        None => {
            let passes = match integration.passthrough_behavior.as_str() {
                "WHEN_NO_MATCH" => true,
                "WHEN_NO_TEMPLATES" => integration.request_templates.is_empty(),
                _ => false,
            };
            if passes {
                trace.push(TraceStep { step: "Request mapping", message: "No template for the content type: the body passes through.".into(), latency_us: 0 });
                Ok(body)
            } else {
                trace.push(TraceStep { step: "Request mapping", message: "Request content type does not match a template and passthrough is not allowed.".into(), latency_us: 0 });
                Err(error_answer(415, "Unsupported Media Type", &routed.request_id))
            }
        }
    }
}

fn mock(cx: &mut Cx, call: &HttpCall, routed: &Routed, integration: &Integration, mut trace: Vec<TraceStep>) -> Value {
    let body = match request_body(cx, call, routed, integration, &mut trace) {
        Ok(b) => b,
        Err(answer) => return finish(routed, answer, trace),
    };
    // The mock's status: `statusCode` of the rendered request template, 200 without one.
    let status = if body.trim().is_empty() {
        Some(200)
    } else {
        serde_json::from_str::<Value>(&body).ok().and_then(|v| v.get("statusCode").and_then(|s| s.as_u64().or_else(|| s.as_str().and_then(|s| s.parse().ok()))))
    };
    let Some(status) = status.filter(|s| (100..600).contains(s)) else {
        trace.push(TraceStep {
            step: "Endpoint request",
            message: format!("Execution failed due to configuration error: the MOCK request template must produce {{\"statusCode\": <code>}}, got: {body}"),
            latency_us: 0,
        });
        return finish(routed, error_answer(500, "Internal server error", &routed.request_id), trace);
    };
    trace.push(TraceStep { step: "Endpoint response", message: format!("MOCK integration answered status {status}"), latency_us: 0 });
    integration_response(cx, call, routed, integration, &status.to_string(), "", trace)
}

/// Picks the integration response for `selector` (a status code for MOCK and HTTP, a Lambda
/// errorMessage, empty for a Lambda success) and maps the integration's body.
fn integration_response(cx: &Cx, call: &HttpCall, routed: &Routed, integration: &Integration, selector: &str, endpoint_body: &str, mut trace: Vec<TraceStep>) -> Value {
    let chosen = integration
        .integration_responses
        .values()
        .filter(|r| r.selection_pattern.as_deref().is_some_and(|p| !p.is_empty()))
        .find(|r| Regex::new(r.selection_pattern.as_deref().unwrap_or("")).is_ok_and(|re| re.matches(selector)))
        .or_else(|| integration.integration_responses.values().find(|r| r.selection_pattern.as_deref().is_none_or(str::is_empty)));
    let Some(chosen) = chosen else {
        trace.push(TraceStep {
            step: "Method response",
            message: format!(
                "Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: {}",
                if selector.is_empty() { "200" } else { selector }
            ),
            latency_us: 0,
        });
        return finish(routed, error_answer(500, "Internal server error", &routed.request_id), trace);
    };
    let mut status: u16 = chosen.status_code.parse().unwrap_or(500);
    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    for (target, source) in &chosen.response_parameters {
        let Some(name) = target.strip_prefix("method.response.header.") else { continue };
        // Static values ('text') and stage variables; other sources need the integration's headers.
        let value = if let Some(v) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            Some(v.to_string())
        } else if let Some(var) = source.strip_prefix("stageVariables.") {
            routed.stage_variables.get(var).cloned()
        } else {
            None
        };
        match value {
            Some(v) => {
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
                headers.push((name.to_string(), v));
            }
            None => trace.push(TraceStep {
                step: "Response mapping",
                message: format!("{target} is not set: mapping from {source} (integration response headers and body fields) is not in this build yet."),
                latency_us: 0,
            }),
        }
    }
    let body = match mapping::select(&chosen.response_templates, Some("application/json")) {
        Some((_, template)) => {
            let context = routed.context.get_or_init(|| request_context(cx, call, routed));
            let vars: Map<String, Value> = routed.stage_variables.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            match mapping::render(template, &template_env(call, routed, endpoint_body, context, &vars)) {
                Ok(out) => {
                    trace.push(TraceStep { step: "Response mapping", message: format!("Response template rendered: {}", out.body), latency_us: MAPPING_US });
                    if let Some(code) = out.status_override() {
                        trace.push(TraceStep { step: "Response mapping", message: format!("$context.responseOverride.status: {status} -> {code}"), latency_us: 0 });
                        status = code;
                    }
                    for (name, value) in out.header_overrides() {
                        headers.retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
                        headers.push((name, value));
                    }
                    out.body
                }
                Err(e) => {
                    trace.push(TraceStep { step: "Response mapping", message: format!("Execution failed due to configuration error: {e}"), latency_us: MAPPING_US });
                    return finish(routed, error_answer(500, "Internal server error", &routed.request_id), trace);
                }
            }
        }
        None => endpoint_body.to_string(),
    };
    headers.push(("x-amzn-RequestId".into(), routed.request_id.clone()));
    trace.push(TraceStep { step: "Method response", message: format!("Method completed with status: {status}; body: {body}"), latency_us: METHOD_RESPONSE_US });
    finish(routed, HttpAnswer { status, headers, body, is_base64: false }, trace)
}

/// Lambda's answer, for a suspended invocation.
pub fn resume(cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
    let Ok(pending) = then.downcast::<Pending>() else {
        return Err(AwsError::internal("API Gateway resumed with another service's continuation"));
    };
    let Pending { call, routed, mut trace, proxy } = *pending;
    let Resumed::Called(answer) = result else {
        return Err(AwsError::internal("API Gateway expected a service answer"));
    };
    let out = match answer {
        Err(e) => {
            trace.push(TraceStep {
                step: "Endpoint response",
                message: format!("Execution failed due to configuration error: Lambda answered {}: {}", e.kind, e.message),
                latency_us: 0,
            });
            finish(&routed, error_answer(500, "Internal server error", &routed.request_id), trace)
        }
        Ok(out) => {
            let payload = out.get("Payload").and_then(Value::as_str).and_then(|p| B64.decode(p).ok()).unwrap_or_default();
            let payload = String::from_utf8_lossy(&payload).into_owned();
            let function_error = out.get("FunctionError").and_then(Value::as_str).map(str::to_string);
            trace.push(TraceStep {
                step: "Endpoint response",
                message: format!("Lambda answered{}: {payload}", function_error.as_deref().map(|e| format!(" with a function error ({e})")).unwrap_or_default()),
                latency_us: 0,
            });
            let routed_ref = &routed;
            match (proxy, function_error) {
                (true, Some(_)) => {
                    trace.push(TraceStep { step: "Method response", message: "Lambda execution failed with status 200 due to customer function error".into(), latency_us: 0 });
                    finish(routed_ref, error_answer(502, "Internal server error", &routed.request_id), trace)
                }
                (true, None) => proxy_response(routed_ref, &payload, trace),
                (false, Some(_)) => {
                    let message = serde_json::from_str::<Value>(&payload).ok().and_then(|v| v.get("errorMessage").and_then(Value::as_str).map(str::to_string)).unwrap_or_default();
                    let integration = routed.method.integration.clone().unwrap_or_else(|| unreachable_integration());
                    integration_response(cx, &call, routed_ref, &integration, &message, &payload, trace)
                }
                (false, None) => {
                    let integration = routed.method.integration.clone().unwrap_or_else(|| unreachable_integration());
                    integration_response(cx, &call, routed_ref, &integration, "", &payload, trace)
                }
            }
        }
    };
    Ok(Step::Done(out))
}

fn unreachable_integration() -> Integration {
    Integration {
        kind: "MOCK".into(),
        http_method: None,
        uri: None,
        credentials: None,
        request_parameters: BTreeMap::new(),
        request_templates: BTreeMap::new(),
        passthrough_behavior: "WHEN_NO_MATCH".into(),
        content_handling: None,
        timeout_in_millis: 29_000,
        cache_namespace: String::new(),
        cache_key_parameters: Vec::new(),
        connection_type: "INTERNET".into(),
        integration_responses: BTreeMap::new(),
    }
}

/// A Lambda proxy answer `{statusCode, headers, multiValueHeaders, body, isBase64Encoded}` as the
/// HTTP response; anything else is a malformed proxy response (502).
fn proxy_response(routed: &Routed, payload: &str, mut trace: Vec<TraceStep>) -> Value {
    let malformed = |mut trace: Vec<TraceStep>, why: &str| {
        trace.push(TraceStep { step: "Method response", message: format!("Execution failed due to configuration error: Malformed Lambda proxy response ({why})"), latency_us: 0 });
        finish(routed, error_answer(502, "Internal server error", &routed.request_id), trace)
    };
    let Ok(Value::Object(answer)) = serde_json::from_str::<Value>(payload) else {
        return malformed(trace, "not a JSON object");
    };
    if let Some(k) = answer.keys().find(|k| !["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"].contains(&k.as_str())) {
        return malformed(trace, &format!("unexpected member '{k}'"));
    }
    let status = match answer.get("statusCode") {
        Some(v) => match v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())) {
            Some(s) if (100..600).contains(&s) => s as u16,
            _ => return malformed(trace, "statusCode is not an HTTP status"),
        },
        None => return malformed(trace, "no statusCode"),
    };
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    match answer.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let Some(v) = scalar(v) else { return malformed(trace, "a header value is not a string") };
                headers.push((k.clone(), v));
            }
        }
        Some(_) => return malformed(trace, "headers is not an object"),
    }
    match answer.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, vs) in m {
                let Value::Array(vs) = vs else { return malformed(trace, "a multiValueHeaders value is not a list") };
                headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
                for v in vs {
                    let Some(v) = scalar(v) else { return malformed(trace, "a multiValueHeaders value is not a string") };
                    headers.push((k.clone(), v));
                }
            }
        }
        Some(_) => return malformed(trace, "multiValueHeaders is not an object"),
    }
    let body = match answer.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return malformed(trace, "body is not a string"),
    };
    let is_base64 = match answer.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return malformed(trace, "isBase64Encoded is not a boolean"),
    };
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
        headers.insert(0, ("Content-Type".into(), "application/json".into()));
    }
    headers.push(("x-amzn-RequestId".into(), routed.request_id.clone()));
    trace.push(TraceStep { step: "Method response", message: format!("Method completed with status: {status}"), latency_us: METHOD_RESPONSE_US });
    finish(routed, HttpAnswer { status, headers, body, is_base64 }, trace)
}

/// The answer of Invoke (or TestInvokeMethod, whose shape is AWS's).
fn finish(routed: &Routed, answer: HttpAnswer, trace: Vec<TraceStep>) -> Value {
    if routed.test {
        let latency_us: u64 = trace.iter().map(|t| t.latency_us).sum();
        let mut log = format!("Execution log for request {}\n", routed.request_id);
        for t in &trace {
            log.push_str(&format!("{} : {}: {}\n", crate::kernel::time::java_date(routed.now_ms), t.step, t.message));
        }
        let (headers, multi) = single_and_multi(&answer.headers);
        return json!({
            "status": answer.status,
            "body": answer.body,
            "headers": if headers.is_null() { json!({}) } else { headers },
            "multiValueHeaders": if multi.is_null() { json!({}) } else { multi },
            "log": log,
            "latency": latency_us / 1000,
        });
    }
    answer_json(&answer, &trace)
}

fn answer_json(answer: &HttpAnswer, trace: &[TraceStep]) -> Value {
    let (headers, multi) = single_and_multi(&answer.headers);
    json!({
        "statusCode": answer.status,
        "headers": if headers.is_null() { json!({}) } else { headers },
        "multiValueHeaders": if multi.is_null() { json!({}) } else { multi },
        "body": answer.body,
        "isBase64Encoded": answer.is_base64,
        "trace": trace.iter().map(TraceStep::json).collect::<Vec<_>>(),
    })
}
