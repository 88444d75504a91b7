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
    authorizers,
    control::{lambda_function, HTTP_METHODS},
    errors::{bad_request, Input},
    mapping::{self, TemplateCache, TemplateEnv},
    model::{Authorizer, Integration, Method, Resource},
    regex::Regex,
    responses::{self, ErrorEnv, Failure, GatewayResponse},
    service, ApiGateway,
};
use crate::kernel::{
    authz::Permission,
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
    /// `requestContext.authorizer`: a Lambda authorizer's principal and context.
    pub authorizer: Option<Value>,
    /// The deployment's customized gateway responses (the working API's for a test call).
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    /// The request's headers and query, kept for gateway responses' `method.request.*`
    /// parameters only when the API customizes one.
    pub error_params: Option<Box<(Vec<(String, String)>, Vec<(String, String)>)>>,
    /// `requestContext.identity`'s caller fields, for a method with AWS_IAM authorization.
    pub identity: Option<Value>,
}

/// One step of the trace.
#[derive(Debug, Clone)]
pub struct TraceStep {
    pub step: &'static str,
    pub message: String,
    pub latency_us: u64,
}

impl TraceStep {
    pub(super) fn json(&self) -> Value {
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
    /// An error the gateway answers itself: its gateway response is applied when the answer is
    /// finished (status, headers and body above are then replaced).
    pub failure: Option<Failure>,
}

/// What a suspended invocation needs when Lambda answers.
pub struct Pending {
    call: HttpCall,
    routed: Routed,
    trace: Vec<TraceStep>,
    awaiting: Awaiting,
}

/// What a suspended invocation waits for.
pub enum Awaiting {
    /// Lambda's answer to a proxy (AWS_PROXY) integration.
    LambdaProxy,
    /// A Lambda authorizer's answer to TestInvokeAuthorizer.
    TestAuthorizer,
    /// A Lambda authorizer's answer.
    Authorizer { ttl_s: i64, cache_key: Option<String>, method_arn: String, key_source: String },
    /// Lambda's answer to a non-proxy (AWS) integration.
    Lambda,
    /// IAM's simulation of the integration's role, before the service call.
    Credentials { role: String, target: service::Target, request: Request },
    /// An AWS service's answer.
    Service { target: service::Target, request: Request },
    /// Cognito's verification of a user pool authorizer's token.
    Cognito { pools: Vec<String>, key_source: String },
}

pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (crate::wire::percent::decode(k, true), crate::wire::percent::decode(v, true))
        })
        .collect()
}

pub(super) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Reads Invoke's input.
pub(super) fn read_call(input: &Input) -> Result<HttpCall, AwsError> {
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
    let segments: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(|s| crate::wire::percent::decode(s, false)).collect();
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

fn missing_token() -> HttpAnswer {
    error_answer("MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token")
}

/// An error the gateway answers itself, through the gateway response of `response_type`.
fn error_answer(response_type: &'static str, status: u16, message: &str) -> HttpAnswer {
    failed(Failure::new(response_type, status, message))
}

fn failed(f: Failure) -> HttpAnswer {
    HttpAnswer { status: f.status, headers: Vec::new(), body: String::new(), is_base64: false, failure: Some(f) }
}

/// The 500 of a configuration error (no integration, a failing template, no integration
/// response for the answer, a Lambda that refused the call).
fn config_error() -> HttpAnswer {
    error_answer("API_CONFIGURATION_ERROR", 500, "Internal server error")
}

/// The answer to a request that reached no method: the default gateway response, or the
/// deployment's customized one, with what `$context` knows before routing.
#[allow(clippy::too_many_arguments)]
fn unrouted(
    responses: &BTreeMap<String, GatewayResponse>,
    stage_variables: &BTreeMap<String, String>,
    cx: &Cx,
    call: &HttpCall,
    api_id: &str,
    stage: &str,
    request_id: &str,
    answer: HttpAnswer,
    trace: &[TraceStep],
) -> Value {
    let mut trace = trace.to_vec();
    let answer = match answer.failure {
        None => answer,
        Some(f) => {
            let context = || {
                json!({
                    "requestId": request_id, "extendedRequestId": request_id, "apiId": api_id, "stage": stage, "httpMethod": call.http_method,
                    "path": format!("/{stage}{}", call.path), "accountId": cx.account.id, "domainName": domain(cx, api_id), "domainPrefix": api_id,
                    "protocol": "HTTP/1.1", "identity": { "sourceIp": call.source_ip, "userAgent": header(&call.headers, "user-agent") }
                })
            };
            let env = ErrorEnv { headers: &call.headers, query: &call.query, path: &[], stage_variables, context: &context, now_ms: cx.now_ms };
            let (status, headers, body, note) = responses::render(responses, &f, request_id, &env);
            if let Some(n) = note {
                trace.push(TraceStep { step: "Gateway response", message: n, latency_us: 0 });
            }
            HttpAnswer { status, headers, body, is_base64: false, failure: None }
        }
    };
    answer_json(&answer, &trace)
}

/// `25/Nov/2026:12:00:00 +0000`, the `requestContext.requestTime` format.
pub(super) fn request_time(ms: i64) -> String {
    // "Wed, 25 Nov 2026 12:00:00 +0000"
    let s = rfc5322(ms);
    let p: Vec<&str> = s.split(' ').collect();
    match p.as_slice() {
        [_, d, mon, y, t, z] => format!("{d}/{mon}/{y}:{t} {z}"),
        _ => s,
    }
}

pub(super) fn single_and_multi(pairs: &[(String, String)]) -> (Value, Value) {
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

pub(super) fn domain(cx: &Cx, api_id: &str) -> String {
    format!("{api_id}.execute-api.{}.amazonaws.com", cx.region)
}

/// The `requestContext` of the proxy event (and `$context` of templates).
fn request_context(cx: &Cx, call: &HttpCall, r: &Routed) -> Value {
    let mut v = request_context_base(cx, call, r);
    if let (Some(Value::Object(id)), Some(Value::Object(target))) = (&r.identity, v.get_mut("identity")) {
        target.extend(id.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let (Some(a), Value::Object(m)) = (&r.authorizer, &mut v) {
        m.insert("authorizer".into(), a.clone());
    }
    v
}

fn request_context_base(cx: &Cx, call: &HttpCall, r: &Routed) -> Value {
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
    let raw = input;
    let input = Input(input);
    let api_id = input.string("restApiId")?.or(input.string("apiId")?).unwrap_or("").to_string();
    // An HTTP API (v2) has its own data plane.
    if gw.http.get(cx.region, &api_id).is_some() {
        return super::v2::invoke::invoke(gw, cx, raw);
    }
    let stage_name = input.string("stage")?.unwrap_or("").to_string();
    let call = read_call(&input)?;
    let request_id = cx.rng.uuid();
    let (none, vars) = (BTreeMap::new(), BTreeMap::new());
    let early = |(responses, vars): (&BTreeMap<String, GatewayResponse>, &BTreeMap<String, String>), answer: HttpAnswer, why: &str| {
        Ok(Step::Done(unrouted(responses, vars, cx, &call, &api_id, &stage_name, &request_id, answer, &[unmatched_step(why)])))
    };
    let Some(api) = gw.regions.get(cx.region).and_then(|r| r.get(&api_id)) else {
        return early((&none, &vars), missing_token(), "no REST API has this id in this region");
    };
    if api.disable_execute_api_endpoint {
        return early((&none, &vars), error_answer("DEFAULT_4XX", 403, "Forbidden"), "the default execute-api endpoint is disabled for this API");
    }
    let Some(stage) = api.stages.get(&stage_name) else {
        return early((&none, &vars), missing_token(), &format!("the API has no stage '{stage_name}'"));
    };
    let Some(deployment) = api.deployments.get(&stage.deployment_id) else {
        return early((&none, &vars), missing_token(), "the stage's deployment is gone");
    };
    let Some((resource, method, params)) = route(&deployment.resources, &api.root_resource_id, &call.path, &call.http_method) else {
        return early((&deployment.gateway_responses, &stage.variables), missing_token(), &format!("no resource and method match {} {}", call.http_method, call.path));
    };
    // AWS_IAM: the kernel has checked the signature and execute-api:Invoke (see
    // `iam_permissions`); an unsigned request is refused here.
    let identity = if method.authorization_type == "AWS_IAM" {
        let key = input.string("accessKey")?.filter(|k| !k.is_empty());
        match (cx.caller, key) {
            (Some(p), _) => Some(json!({ "accessKey": key, "accountId": p.account, "caller": p.user_id, "user": p.user_id, "userArn": p.arn })),
            // The sandbox's test keys sign as the account's root user.
            (None, Some(k)) => Some(
                json!({ "accessKey": k, "accountId": cx.account.id, "caller": cx.account.id, "user": cx.account.id, "userArn": format!("arn:aws:iam::{}:root", cx.account.id) }),
            ),
            (None, None) => {
                return early(
                    (&deployment.gateway_responses, &stage.variables),
                    missing_token(),
                    "the method has AWS_IAM authorization and the request is not signed (SigV4, service execute-api)",
                )
            }
        }
    } else {
        None
    };
    // A resource policy on a method without AWS_IAM: the caller is anonymous (its source IP the
    // one context key it brings); an AWS_IAM method's policy is the kernel's to combine.
    if let (false, Some(policy)) = (method.authorization_type == "AWS_IAM", &deployment.policy) {
        let arn = format!("arn:aws:execute-api:{}:{}:{api_id}/{stage_name}/{}{}", cx.region, cx.account.id, call.http_method, call.path);
        if let Some(why) = anonymous_denied(policy, cx, &api_id, &arn, &call.source_ip) {
            let message = format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn}{why}");
            let trace =
                [TraceStep { step: "Method request", message: format!("The API's resource policy does not allow the anonymous caller: {message}"), latency_us: METHOD_REQUEST_US }];
            let answer = error_answer("ACCESS_DENIED", 403, &message);
            return Ok(Step::Done(unrouted(&deployment.gateway_responses, &stage.variables, cx, &call, &api_id, &stage_name, &request_id, answer, &trace)));
        }
    }
    let key_source = api.api_key_source.clone();
    let authorizer = match routed_authorizer(method) {
        Some(id) => match deployment.authorizers.get(id) {
            Some(a) => Some(a.clone()),
            None => {
                let mut trace = vec![TraceStep {
                    step: "Authorizer",
                    message: format!("Execution failed due to configuration error: the method names authorizer {id}, which the deployment does not have"),
                    latency_us: 0,
                }];
                trace.insert(
                    0,
                    TraceStep { step: "Method request", message: format!("HTTP Method: {}, Resource Path: {}", call.http_method, resource.path), latency_us: METHOD_REQUEST_US },
                );
                return Ok(Step::Done(unrouted(
                    &deployment.gateway_responses,
                    &stage.variables,
                    cx,
                    &call,
                    &api_id,
                    &stage_name,
                    &request_id,
                    gateway_error(GatewayError::AuthorizerConfiguration),
                    &trace,
                )));
            }
        },
        None => None,
    };
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
        authorizer: None,
        gateway_responses: deployment.gateway_responses.clone(),
        error_params: (!deployment.gateway_responses.is_empty()).then(|| Box::new((call.headers.clone(), call.query.clone()))),
        identity,
    };
    match authorizer {
        Some(a) => authorize(gw, cx, call, routed, a, key_source),
        None => after_authorization(gw, cx, call, routed, Vec::new(), None, &key_source),
    }
}

/// The permission execute-api's Invoke needs: `execute-api:Invoke` on the method's ARN
/// (`arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`) when the method the
/// request reaches has AWS_IAM authorization; none otherwise.
pub fn iam_permissions(gw: &ApiGateway, input: &Value, region: &str, account: &str) -> Vec<Permission> {
    let input = Input(input);
    let Ok(call) = read_call(&input) else { return Vec::new() };
    let api_id = input.string("restApiId").ok().flatten().unwrap_or("");
    let stage = input.string("stage").ok().flatten().unwrap_or("");
    let Some(api) = gw.regions.get(region).and_then(|r| r.get(api_id)) else { return Vec::new() };
    let Some(deployment) = api.stages.get(stage).and_then(|s| api.deployments.get(&s.deployment_id)) else { return Vec::new() };
    match route(&deployment.resources, &api.root_resource_id, &call.path, &call.http_method) {
        Some((_, m, _)) if m.authorization_type == "AWS_IAM" => {
            vec![Permission::new("execute-api:Invoke", format!("arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{}{}", call.http_method, call.path))]
        }
        _ => Vec::new(),
    }
}

/// Why an anonymous caller is refused by the API's resource policy: None when the policy allows
/// it, else the message's ending (` with an explicit deny`, or nothing).
fn anonymous_denied(policy: &str, cx: &Cx, api_id: &str, arn: &str, source_ip: &str) -> Option<&'static str> {
    use crate::services::iam::{
        eval::{self, Applied, Caller, Decision, PolicyRole, RequestContext},
        policy::{Policy, PolicyKind, PrincipalKind},
    };
    let expanded = super::control::expand_policy(policy, cx.region, &cx.account.id, api_id);
    let Ok(parsed) = Policy::parse(&expanded, PolicyKind::Resource) else { return Some("") };
    let mut ctx = RequestContext::new("execute-api:Invoke", arn);
    ctx.caller = Some(Caller { arn: "anonymous".into(), kind: PrincipalKind::Aws, account: String::new(), role_arn: None });
    ctx.set("aws:SourceIp", vec![source_ip.to_string()]);
    ctx.set("aws:CurrentTime", vec![crate::services::iam::date(cx.now_ms)]);
    ctx.set("aws:EpochTime", vec![(cx.now_ms / 1000).to_string()]);
    ctx.set("aws:SecureTransport", vec!["true".into()]);
    match eval::evaluate(&[Applied { policy: &parsed, role: PolicyRole::Resource, index: 0 }], &ctx).decision {
        Decision::Allowed => None,
        Decision::ExplicitDeny => Some(" with an explicit deny"),
        Decision::ImplicitDeny => Some(""),
    }
}

fn routed_authorizer(method: &Method) -> Option<&str> {
    match method.authorization_type.as_str() {
        "CUSTOM" | "COGNITO_USER_POOLS" => method.authorizer_id.as_deref(),
        _ => None,
    }
}

/// The API key check (a HEADER key, or the Lambda authorizer's usageIdentifierKey), then the
/// integration.
fn after_authorization(
    gw: &mut ApiGateway,
    cx: &mut Cx,
    call: HttpCall,
    routed: Routed,
    mut pre: Vec<TraceStep>,
    usage_key: Option<String>,
    key_source: &str,
) -> Result<Step, AwsError> {
    if routed.method.api_key_required {
        let value = if key_source == "HEADER" { header(&call.headers, "x-api-key").map(str::to_string) } else { usage_key };
        let stage = routed.stage.clone().unwrap_or_default();
        match super::usage::admit(gw, cx, &routed.api_id, &stage, value.as_deref()) {
            Ok(note) => pre.push(TraceStep { step: "API key", message: note, latency_us: 0 }),
            Err((status, message, why)) => {
                let kind = match (status, message) {
                    (429, "Limit Exceeded") => "QUOTA_EXCEEDED",
                    (429, _) => "THROTTLED",
                    _ => "INVALID_API_KEY",
                };
                pre.push(TraceStep { step: "API key", message: why, latency_us: METHOD_REQUEST_US });
                return Ok(Step::Done(finish(&routed, error_answer(kind, status, message), pre)));
            }
        }
    }
    start(&gw.templates, cx, call, routed, pre)
}

/// Errors the gateway itself answers (its gateway responses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayError {
    Unauthorized,
    AccessDeniedExplicit,
    AccessDeniedImplicit,
    AuthorizerConfiguration,
}

pub fn gateway_error(kind: GatewayError) -> HttpAnswer {
    match kind {
        GatewayError::Unauthorized => error_answer("UNAUTHORIZED", 401, "Unauthorized"),
        GatewayError::AccessDeniedExplicit => error_answer("ACCESS_DENIED", 403, "User is not authorized to access this resource with an explicit deny"),
        GatewayError::AccessDeniedImplicit => error_answer("ACCESS_DENIED", 403, "User is not authorized to access this resource"),
        GatewayError::AuthorizerConfiguration => {
            failed(Failure { response_type: "AUTHORIZER_CONFIGURATION_ERROR", status: 500, message: None, error_type: "AuthorizerConfigurationException" })
        }
    }
}

fn method_arn(cx: &Cx, call: &HttpCall, routed: &Routed) -> String {
    let stage = routed.stage.as_deref().unwrap_or("ESTestInvoke-stage");
    format!("arn:aws:execute-api:{}:{}:{}/{stage}/{}{}", cx.region, cx.account.id, routed.api_id, call.http_method, call.path)
}

/// The value at a dotted `path` of a request context (`identity.sourceIp`), as a string: what
/// identity sources and gateway response parameters read from `context.*`.
pub(super) fn context_value(context: &Value, path: &str) -> Option<String> {
    let mut v = context;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Runs the method's authorizer: a cached answer, or a call to its Lambda function.
fn authorize(gw: &mut ApiGateway, cx: &mut Cx, call: HttpCall, routed: Routed, a: Authorizer, key_source: String) -> Result<Step, AwsError> {
    let mut trace = Vec::new();
    let arn = method_arn(cx, &call, &routed);
    let sources = authorizers::identity_sources(&a);
    let context = routed.context.get_or_init(|| request_context(cx, &call, &routed)).clone();
    let lookup = |path: &str| context_value(&context, path);
    let values = authorizers::identity_values(&sources, &call.headers, &call.query, &routed.stage_variables, &lookup);
    let unauthorized = |mut trace: Vec<TraceStep>, why: String| {
        trace.push(TraceStep { step: "Authorizer", message: why, latency_us: 0 });
        Ok(Step::Done(finish(&routed, gateway_error(GatewayError::Unauthorized), trace)))
    };
    let values = match (values, a.kind.as_str()) {
        (Some(v), _) => v,
        (None, "REQUEST") if a.authorizer_result_ttl_in_seconds == 0 => Vec::new(),
        (None, _) => return unauthorized(trace, format!("Unauthorized request: an identity source ({}) is missing or empty", a.identity_source.as_deref().unwrap_or(""))),
    };
    if let (Some(expr), Some(token)) = (&a.identity_validation_expression, values.first()) {
        if !Regex::new(expr).is_ok_and(|re| re.matches(token)) {
            return unauthorized(trace, format!("Unauthorized request: the token does not match the identityValidationExpression {expr}"));
        }
    }
    if a.kind == "COGNITO_USER_POOLS" {
        // Without authorization scopes on the method (the sandbox's methods have none), the
        // token is an identity token, verified against the pool that issued it.
        let token = values.first().cloned().unwrap_or_default();
        let token = token.strip_prefix("Bearer ").unwrap_or(&token).to_string();
        let pools: Vec<String> = a.provider_arns.iter().filter_map(|arn| arn.rsplit_once(":userpool/").map(|(_, id)| id.to_string())).collect();
        trace.push(TraceStep { step: "Authorizer", message: format!("Verifying the ID token against user pool(s) {}", pools.join(", ")), latency_us: ENDPOINT_REQUEST_US });
        let request = Request::new("cognito-idp", "VerifyToken", cx.region, json!({ "Token": token, "TokenUse": "id" }));
        return Ok(Step::Control(request, Box::new(Pending { call, routed, trace, awaiting: Awaiting::Cognito { pools, key_source } })));
    }
    let cache_key = (a.authorizer_result_ttl_in_seconds > 0).then(|| format!("{}/{}/{}/{}", routed.api_id, routed.stage.as_deref().unwrap_or(""), a.id, values.join("\u{1}")));
    if let Some(key) = &cache_key {
        if let Some(grant) = gw.authorizer_cache.get(key, cx.now_ms) {
            trace.push(TraceStep {
                step: "Authorizer",
                message: format!("Using the cached authorizer result for principal {} (authorizer {})", grant.principal_id, a.id),
                latency_us: 0,
            });
            return apply_grant(gw, cx, call, routed, grant, arn, trace, key_source);
        }
    }
    let Some(function) = lambda_function(a.authorizer_uri.as_deref().unwrap_or("")).map(str::to_string) else {
        trace.push(TraceStep { step: "Authorizer", message: "Execution failed due to configuration error: Invalid authorizer URI".into(), latency_us: 0 });
        return Ok(Step::Done(finish(&routed, gateway_error(GatewayError::AuthorizerConfiguration), trace)));
    };
    let event = if a.kind == "TOKEN" {
        json!({ "type": "TOKEN", "authorizationToken": values.first().cloned().unwrap_or_default(), "methodArn": arn })
    } else {
        let mut e = proxy_event(cx, &call, &routed);
        if let Value::Object(m) = &mut e {
            m.remove("body");
            m.remove("isBase64Encoded");
            m.insert("type".into(), json!("REQUEST"));
            m.insert("methodArn".into(), json!(arn));
        }
        e
    };
    trace.push(TraceStep { step: "Authorizer", message: format!("Calling authorizer {} ({}) with {event}", a.name, function), latency_us: ENDPOINT_REQUEST_US });
    let request = Request::new("lambda", "Invoke", cx.region, json!({ "FunctionName": function, "Payload": B64.encode(event.to_string().as_bytes()) }));
    Ok(Step::Call(
        request,
        Box::new(Pending { call, routed, trace, awaiting: Awaiting::Authorizer { ttl_s: a.authorizer_result_ttl_in_seconds, cache_key, method_arn: arn, key_source } }),
    ))
}

#[allow(clippy::too_many_arguments)]
fn apply_grant(
    gw: &mut ApiGateway,
    cx: &mut Cx,
    call: HttpCall,
    mut routed: Routed,
    grant: authorizers::Grant,
    arn: String,
    mut trace: Vec<TraceStep>,
    key_source: String,
) -> Result<Step, AwsError> {
    match authorizers::evaluate(&grant.policy, &arn) {
        authorizers::Decision::Allow => {
            trace.push(TraceStep { step: "Authorizer", message: format!("The policy of principal {} allows {arn}", grant.principal_id), latency_us: 0 });
            routed.authorizer = Some(authorizers::context_value(&grant));
            // $context is rebuilt with the authorizer's values.
            routed.context = std::cell::OnceCell::new();
            after_authorization(gw, cx, call, routed, trace, grant.usage_identifier_key.clone(), &key_source)
        }
        decision => {
            let explicit = decision == authorizers::Decision::ExplicitDeny;
            trace.push(TraceStep {
                step: "Authorizer",
                message: format!("The policy of principal {} {} {arn}", grant.principal_id, if explicit { "explicitly denies" } else { "does not allow" }),
                latency_us: 0,
            });
            let kind = if explicit { GatewayError::AccessDeniedExplicit } else { GatewayError::AccessDeniedImplicit };
            Ok(Step::Done(finish(&routed, gateway_error(kind), trace)))
        }
    }
}

/// A user pool authorizer's verdict: the token's claims reach the integration as
/// `requestContext.authorizer.claims` (and `$context.authorizer.claims.*`), every value a string
/// as API Gateway passes them; a token that fails verification, or that a pool the authorizer
/// does not name issued, is 401 Unauthorized.
#[allow(clippy::too_many_arguments)]
fn cognito_verified(
    gw: &mut ApiGateway,
    cx: &mut Cx,
    call: HttpCall,
    mut routed: Routed,
    mut trace: Vec<TraceStep>,
    pools: &[String],
    key_source: String,
    answer: Result<Value, AwsError>,
) -> Result<Step, AwsError> {
    let claims = match answer {
        Ok(v) => v.get("Claims").and_then(Value::as_object).cloned().unwrap_or_default(),
        Err(e) => {
            trace.push(TraceStep { step: "Authorizer", message: format!("Unauthorized request: {}", e.message), latency_us: 0 });
            return Ok(Step::Done(finish(&routed, gateway_error(GatewayError::Unauthorized), trace)));
        }
    };
    let issuer = claims.get("iss").and_then(Value::as_str).unwrap_or_default();
    if !pools.iter().any(|p| issuer.rsplit('/').next() == Some(p.as_str())) {
        trace.push(TraceStep {
            step: "Authorizer",
            message: format!("Unauthorized request: the token was issued by {issuer}, not by a pool this authorizer names"),
            latency_us: 0,
        });
        return Ok(Step::Done(finish(&routed, gateway_error(GatewayError::Unauthorized), trace)));
    }
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string())).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    };
    let claims: serde_json::Map<String, Value> = claims.iter().map(|(k, v)| (k.clone(), Value::String(text(v)))).collect();
    let user = claims.get("cognito:username").and_then(Value::as_str).unwrap_or_default().to_string();
    trace.push(TraceStep { step: "Authorizer", message: format!("The ID token of {user} is valid (issuer {issuer})"), latency_us: 0 });
    routed.authorizer = Some(json!({ "claims": claims }));
    routed.context = std::cell::OnceCell::new();
    after_authorization(gw, cx, call, routed, trace, None, &key_source)
}

/// The authorizer function's answer.
#[allow(clippy::too_many_arguments)]
fn authorizer_answered(
    gw: &mut ApiGateway,
    cx: &mut Cx,
    call: HttpCall,
    routed: Routed,
    mut trace: Vec<TraceStep>,
    ttl_s: i64,
    cache_key: Option<String>,
    arn: String,
    key_source: String,
    answer: Result<Value, AwsError>,
) -> Result<Step, AwsError> {
    let config_error = |mut trace: Vec<TraceStep>, why: String| {
        trace.push(TraceStep { step: "Authorizer", message: format!("Execution failed due to configuration error: {why}"), latency_us: 0 });
        Ok(Step::Done(finish(&routed, gateway_error(GatewayError::AuthorizerConfiguration), trace)))
    };
    let out = match answer {
        Ok(out) => out,
        Err(e) => return config_error(trace, format!("Lambda answered {}: {}", e.kind, e.message)),
    };
    let payload = out.get("Payload").and_then(Value::as_str).and_then(|p| B64.decode(p).ok()).unwrap_or_default();
    let payload = String::from_utf8_lossy(&payload).into_owned();
    if out.get("FunctionError").is_some() {
        let message = serde_json::from_str::<Value>(&payload).ok().and_then(|v| v.get("errorMessage").and_then(Value::as_str).map(str::to_string)).unwrap_or_default();
        if message == "Unauthorized" {
            trace.push(TraceStep { step: "Authorizer", message: "The authorizer answered Unauthorized".into(), latency_us: 0 });
            return Ok(Step::Done(finish(&routed, gateway_error(GatewayError::Unauthorized), trace)));
        }
        return config_error(trace, format!("the authorizer function failed: {payload}"));
    }
    let grant = match authorizers::read_grant(&payload) {
        Ok(g) => g,
        Err(why) => return config_error(trace, format!("Invalid authorizer response ({why}): {payload}")),
    };
    trace.push(TraceStep { step: "Authorizer", message: format!("The authorizer answered principal {} with policy {}", grant.principal_id, grant.policy), latency_us: 0 });
    if let Some(key) = cache_key {
        gw.authorizer_cache.put(key, cx.now_ms + ttl_s * 1000, grant.clone());
    }
    apply_grant(gw, cx, call, routed, grant, arn, trace, key_source)
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
    let segs: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(|s| crate::wire::percent::decode(s, false)).collect();
    for (i, t) in template.iter().enumerate() {
        if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix("+}")) {
            params.push((name.to_string(), segs.get(i..).map(|s| s.join("/")).unwrap_or_default()));
            break;
        } else if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            params.push((name.to_string(), segs.get(i).cloned().unwrap_or_default()));
        }
    }
    let headers = test_headers(&input)?;
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
        authorizer: None,
        error_params: (!api.gateway_responses.is_empty()).then(|| Box::new((call.headers.clone(), call.query.clone()))),
        gateway_responses: api.gateway_responses.clone(),
        identity: None,
    };
    // A test invocation skips API key checks, as AWS's does.
    start(&gw.templates, cx, call, routed, Vec::new())
}

/// Runs the method request and sends the integration request.
fn start(templates: &TemplateCache, cx: &mut Cx, call: HttpCall, routed: Routed, pre: Vec<TraceStep>) -> Result<Step, AwsError> {
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
        return Ok(Step::Done(finish(&routed, config_error(), trace)));
    };
    trace.extend(pre);
    if let (Some(role), true) = (&integration.credentials, lambda_function(integration.uri.as_deref().unwrap_or("")).is_some()) {
        trace.push(TraceStep {
            step: "Endpoint request",
            message: format!("Credentials: the integration names the role {role}; Lambda is invoked with it (the sandbox checks roles for AWS service integrations only)"),
            latency_us: 0,
        });
    }
    match integration.kind.as_str() {
        "MOCK" => Ok(Step::Done(mock(templates, cx, &call, &routed, &integration, trace))),
        "AWS_PROXY" => {
            let Some(function) = lambda_function(integration.uri.as_deref().unwrap_or("")).map(str::to_string) else {
                trace.push(TraceStep { step: "Endpoint request", message: "Execution failed due to configuration error: Invalid Lambda function URI".into(), latency_us: 0 });
                return Ok(Step::Done(finish(&routed, config_error(), trace)));
            };
            let event = proxy_event(cx, &call, &routed);
            let text = event.to_string();
            trace.push(TraceStep {
                step: "Endpoint request",
                message: format!("URI: {}; body after transformations: {text}", integration.uri.as_deref().unwrap_or("")),
                latency_us: ENDPOINT_REQUEST_US,
            });
            let request = Request::new("lambda", "Invoke", cx.region, json!({ "FunctionName": function, "Payload": B64.encode(text.as_bytes()) }));
            Ok(Step::Call(request, Box::new(Pending { call, routed, trace, awaiting: Awaiting::LambdaProxy })))
        }
        "AWS" if lambda_function(integration.uri.as_deref().unwrap_or("")).is_some() => {
            let function = lambda_function(integration.uri.as_deref().unwrap_or("")).unwrap_or_default().to_string();
            let body = match request_body(templates, cx, &call, &routed, &integration, &mut trace) {
                Ok(b) => b,
                Err(answer) => return Ok(Step::Done(finish(&routed, answer, trace))),
            };
            trace.push(TraceStep {
                step: "Endpoint request",
                message: format!("URI: {}; body after transformations: {body}", integration.uri.as_deref().unwrap_or("")),
                latency_us: ENDPOINT_REQUEST_US,
            });
            let request = Request::new("lambda", "Invoke", cx.region, json!({ "FunctionName": function, "Payload": B64.encode(body.as_bytes()) }));
            Ok(Step::Call(request, Box::new(Pending { call, routed, trace, awaiting: Awaiting::Lambda })))
        }
        "AWS" => aws_service(templates, cx, call, routed, &integration, trace),
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
            Ok(Step::Done(finish(&routed, config_error(), trace)))
        }
    }
}

fn template_env<'a>(call: &'a HttpCall, routed: &'a Routed, body: &'a str, context: &'a Value, stage_variables: &'a Map<String, Value>) -> TemplateEnv<'a> {
    TemplateEnv { body, path: &routed.path_params, querystring: &call.query, header: &call.headers, context, stage_variables, now_ms: routed.now_ms }
}

/// The integration request body: the request template for the content type, or the body passed
/// through as the passthrough behavior allows. Err is the answer to send instead.
fn request_body(templates: &TemplateCache, cx: &Cx, call: &HttpCall, routed: &Routed, integration: &Integration, trace: &mut Vec<TraceStep>) -> Result<String, HttpAnswer> {
    let body = call.body.clone().unwrap_or_default();
    let content_type = header(&call.headers, "content-type");
    match mapping::select(&integration.request_templates, content_type) {
        Some((ct, template)) => {
            let context = routed.context.get_or_init(|| request_context(cx, call, routed));
            let vars: Map<String, Value> = routed.stage_variables.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            match mapping::render(templates, template, &template_env(call, routed, &body, context, &vars)) {
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
                    Err(config_error())
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
                Err(error_answer("UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported Media Type"))
            }
        }
    }
}

fn mock(templates: &TemplateCache, cx: &mut Cx, call: &HttpCall, routed: &Routed, integration: &Integration, mut trace: Vec<TraceStep>) -> Value {
    let body = match request_body(templates, cx, call, routed, integration, &mut trace) {
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
        return finish(routed, config_error(), trace);
    };
    trace.push(TraceStep { step: "Endpoint response", message: format!("MOCK integration answered status {status}"), latency_us: 0 });
    integration_response(templates, cx, call, routed, integration, &status.to_string(), "", trace)
}

/// Picks the integration response for `selector` (a status code for MOCK and HTTP, a Lambda
/// errorMessage, empty for a Lambda success) and maps the integration's body.
fn integration_response(
    templates: &TemplateCache,
    cx: &Cx,
    call: &HttpCall,
    routed: &Routed,
    integration: &Integration,
    selector: &str,
    endpoint_body: &str,
    mut trace: Vec<TraceStep>,
) -> Value {
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
        return finish(routed, config_error(), trace);
    };
    let mut status: u16 = chosen.status_code.parse().unwrap_or(500);
    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    // The template for the Accept header, else application/json's, else the first (AWS's order);
    // the method response's content type is the template's.
    let accept = header(&call.headers, "accept").filter(|a| !a.contains('*') && !a.contains(','));
    let template = accept
        .and_then(|a| mapping::select(&chosen.response_templates, Some(a)))
        .or_else(|| mapping::select(&chosen.response_templates, Some("application/json")))
        .or_else(|| chosen.response_templates.iter().next().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Some((ct, _)) = template {
        if !ct.eq_ignore_ascii_case("application/json") {
            headers[0].1 = ct.to_string(); // before the response parameters, which may set it
        }
    }
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
    let body = match template {
        Some((_, template)) => {
            let context = routed.context.get_or_init(|| request_context(cx, call, routed));
            let vars: Map<String, Value> = routed.stage_variables.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            match mapping::render(templates, template, &template_env(call, routed, endpoint_body, context, &vars)) {
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
                    return finish(routed, config_error(), trace);
                }
            }
        }
        None => endpoint_body.to_string(),
    };
    headers.push(("x-amzn-RequestId".into(), routed.request_id.clone()));
    trace.push(TraceStep { step: "Method response", message: format!("Method completed with status: {status}; body: {body}"), latency_us: METHOD_RESPONSE_US });
    finish(routed, HttpAnswer { status, headers, body, is_base64: false, failure: None }, trace)
}

/// Lambda's answer, for a suspended invocation.
pub fn resume(gw: &mut ApiGateway, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
    let Ok(pending) = then.downcast::<Pending>() else {
        return Err(AwsError::internal("API Gateway resumed with another service's continuation"));
    };
    let Pending { call, routed, mut trace, awaiting } = *pending;
    let Resumed::Called(answer) = result else {
        return Err(AwsError::internal("API Gateway expected a service answer"));
    };
    let proxy = match awaiting {
        Awaiting::LambdaProxy => true,
        Awaiting::Lambda => false,
        Awaiting::Credentials { role, target, request } => return credentials_checked(cx, call, routed, trace, role, target, request, answer),
        Awaiting::TestAuthorizer => return Ok(Step::Done(test_authorizer_answered(&routed, trace, answer))),
        Awaiting::Authorizer { ttl_s, cache_key, method_arn, key_source } => {
            return authorizer_answered(gw, cx, call, routed, trace, ttl_s, cache_key, method_arn, key_source, answer)
        }
        Awaiting::Service { target, request } => return Ok(Step::Done(service_answered(&gw.templates, cx, &call, &routed, trace, &target, &request, answer))),
        Awaiting::Cognito { pools, key_source } => return cognito_verified(gw, cx, call, routed, trace, &pools, key_source, answer),
    };
    let out = match answer {
        Err(e) => {
            trace.push(TraceStep {
                step: "Endpoint response",
                message: format!("Execution failed due to configuration error: Lambda answered {}: {}", e.kind, e.message),
                latency_us: 0,
            });
            finish(&routed, config_error(), trace)
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
                    finish(routed_ref, error_answer("DEFAULT_5XX", 502, "Internal server error"), trace)
                }
                (true, None) => proxy_response(routed_ref, &payload, trace),
                (false, Some(_)) => {
                    let message = serde_json::from_str::<Value>(&payload).ok().and_then(|v| v.get("errorMessage").and_then(Value::as_str).map(str::to_string)).unwrap_or_default();
                    let integration = routed.method.integration.clone().unwrap_or_else(|| unreachable_integration());
                    integration_response(&gw.templates, cx, &call, routed_ref, &integration, &message, &payload, trace)
                }
                (false, None) => {
                    let integration = routed.method.integration.clone().unwrap_or_else(|| unreachable_integration());
                    integration_response(&gw.templates, cx, &call, routed_ref, &integration, "", &payload, trace)
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
    match parse_proxy_answer(payload) {
        Err(why) => {
            trace.push(TraceStep {
                step: "Method response",
                message: format!("Execution failed due to configuration error: Malformed Lambda proxy response ({why})"),
                latency_us: 0,
            });
            finish(routed, error_answer("DEFAULT_5XX", 502, "Internal server error"), trace)
        }
        Ok(mut answer) => {
            answer.headers.push(("x-amzn-RequestId".into(), routed.request_id.clone()));
            trace.push(TraceStep { step: "Method response", message: format!("Method completed with status: {}", answer.status), latency_us: METHOD_RESPONSE_US });
            finish(routed, answer, trace)
        }
    }
}

/// Reads a Lambda proxy answer in format 1.0 (`statusCode` required; a Content-Type of
/// application/json when it names none). Err says why it is malformed.
pub(super) fn parse_proxy_answer(payload: &str) -> Result<HttpAnswer, String> {
    let Ok(Value::Object(answer)) = serde_json::from_str::<Value>(payload) else {
        return Err("not a JSON object".into());
    };
    if let Some(k) = answer.keys().find(|k| !["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"].contains(&k.as_str())) {
        return Err(format!("unexpected member '{k}'"));
    }
    let status = match answer.get("statusCode") {
        Some(v) => match v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())) {
            Some(s) if (100..600).contains(&s) => s as u16,
            _ => return Err("statusCode is not an HTTP status".into()),
        },
        None => return Err("no statusCode".into()),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    match answer.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let Some(v) = scalar_text(v) else { return Err("a header value is not a string".into()) };
                headers.push((k.clone(), v));
            }
        }
        Some(_) => return Err("headers is not an object".into()),
    }
    match answer.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, vs) in m {
                let Value::Array(vs) = vs else { return Err("a multiValueHeaders value is not a list".into()) };
                headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
                for v in vs {
                    let Some(v) = scalar_text(v) else { return Err("a multiValueHeaders value is not a string".into()) };
                    headers.push((k.clone(), v));
                }
            }
        }
        Some(_) => return Err("multiValueHeaders is not an object".into()),
    }
    let body = match answer.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("body is not a string".into()),
    };
    let is_base64 = match answer.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("isBase64Encoded is not a boolean".into()),
    };
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
        headers.insert(0, ("Content-Type".into(), "application/json".into()));
    }
    Ok(HttpAnswer { status, headers, body, is_base64, failure: None })
}

/// A header value as a proxy answer may give it: a string, number or boolean.
pub(super) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The answer of Invoke (or TestInvokeMethod, whose shape is AWS's).
fn finish(routed: &Routed, answer: HttpAnswer, mut trace: Vec<TraceStep>) -> Value {
    let answer = match answer.failure {
        None => answer,
        Some(f) => {
            let context = || {
                routed.context.get().cloned().unwrap_or_else(|| {
                    json!({ "requestId": routed.request_id, "extendedRequestId": routed.request_id, "apiId": routed.api_id, "resourceId": routed.resource_id,
                            "resourcePath": routed.resource_path, "stage": routed.stage.as_deref().unwrap_or("test-invoke-stage"), "authorizer": routed.authorizer })
                })
            };
            let (headers, query) = routed.error_params.as_deref().map(|(h, q)| (h.as_slice(), q.as_slice())).unwrap_or((&[], &[]));
            let env = ErrorEnv { headers, query, path: &routed.path_params, stage_variables: &routed.stage_variables, context: &context, now_ms: routed.now_ms };
            let (status, headers, body, note) = responses::render(&routed.gateway_responses, &f, &routed.request_id, &env);
            if let Some(n) = note {
                trace.push(TraceStep { step: "Gateway response", message: n, latency_us: 0 });
            }
            HttpAnswer { status, headers, body, is_base64: false, failure: None }
        }
    };
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

pub(super) fn answer_json(answer: &HttpAnswer, trace: &[TraceStep]) -> Value {
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

/// An AWS service integration: the request template renders the service's request, the role in
/// `credentials` is checked through IAM's policy simulator, then the service is called.
fn aws_service(templates: &TemplateCache, cx: &mut Cx, call: HttpCall, routed: Routed, integration: &Integration, mut trace: Vec<TraceStep>) -> Result<Step, AwsError> {
    let uri = integration.uri.as_deref().unwrap_or("");
    let target = match service::target(uri) {
        Ok(t) => t,
        Err(why) => {
            trace.push(TraceStep { step: "Endpoint request", message: format!("Execution failed due to configuration error: {why} ({uri})"), latency_us: 0 });
            return Ok(Step::Done(finish(&routed, config_error(), trace)));
        }
    };
    let body = match request_body(templates, cx, &call, &routed, integration, &mut trace) {
        Ok(b) => b,
        Err(answer) => return Ok(Step::Done(finish(&routed, answer, trace))),
    };
    let query = integration_querystring(integration, &call, &routed);
    trace.push(TraceStep { step: "Endpoint request", message: format!("URI: {uri}; body after transformations: {body}"), latency_us: ENDPOINT_REQUEST_US });
    let request = match service::request(&target, cx.region, &cx.account.id, &body, &query) {
        Ok(r) => r,
        Err((status, body)) => {
            trace.push(TraceStep { step: "Endpoint response", message: format!("The service refused the request ({status}): {body}"), latency_us: 0 });
            return Ok(Step::Done(integration_response(templates, cx, &call, &routed, integration, &status.to_string(), &body, trace)));
        }
    };
    match integration.credentials.as_deref() {
        Some(role) => {
            let action = service::iam_action(&target, &request);
            let resource = service::resource_arn(&request, &cx.account.id);
            trace.push(TraceStep { step: "Endpoint request", message: format!("Credentials: assuming role {role} to call {action} on {resource}"), latency_us: 0 });
            let check = Request::new("iam", "SimulatePrincipalPolicy", cx.region, json!({ "PolicySourceArn": role, "ActionNames": [action], "ResourceArns": [resource] }));
            Ok(Step::Call(check, Box::new(Pending { call, routed, trace, awaiting: Awaiting::Credentials { role: role.to_string(), target, request } })))
        }
        None => {
            trace.push(TraceStep {
                step: "Endpoint request",
                message: "No credentials (execution role) on the integration: the call is made as the API's owner.".into(),
                latency_us: 0,
            });
            let r = request.clone();
            Ok(Step::Call(r, Box::new(Pending { call, routed, trace, awaiting: Awaiting::Service { target, request } })))
        }
    }
}

/// `integration.request.querystring.*` mappings (static values and method request parameters),
/// which the SQS Query API reads beside the form body.
fn integration_querystring(integration: &Integration, call: &HttpCall, routed: &Routed) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (target, source) in &integration.request_parameters {
        let Some(name) = target.strip_prefix("integration.request.querystring.") else { continue };
        let value = if let Some(v) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            Some(v.to_string())
        } else if let Some(p) = source.strip_prefix("method.request.querystring.") {
            call.query.iter().find(|(k, _)| k == p).map(|(_, v)| v.clone())
        } else if let Some(p) = source.strip_prefix("method.request.path.") {
            routed.path_params.iter().find(|(k, _)| k == p).map(|(_, v)| v.clone())
        } else if let Some(p) = source.strip_prefix("method.request.header.") {
            header(&call.headers, p).map(str::to_string)
        } else if let Some(p) = source.strip_prefix("stageVariables.") {
            routed.stage_variables.get(p).cloned()
        } else if source == "method.request.body" {
            call.body.clone()
        } else {
            None
        };
        if let Some(v) = value {
            out.push((name.to_string(), v));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn credentials_checked(
    cx: &mut Cx,
    call: HttpCall,
    routed: Routed,
    mut trace: Vec<TraceStep>,
    role: String,
    target: service::Target,
    request: Request,
    answer: Result<Value, AwsError>,
) -> Result<Step, AwsError> {
    let decision = answer.as_ref().ok().and_then(|v| v.get("EvaluationResults")?.get(0)?.get("EvalDecision")?.as_str().map(str::to_string));
    let why = match (&answer, decision.as_deref()) {
        (_, Some("allowed")) => None,
        (Err(e), _) => {
            Some(format!("Execution failed due to configuration error: API Gateway does not have permission to assume the provided role {role} ({}: {})", e.kind, e.message))
        }
        (Ok(_), d) => Some(format!(
            "Execution failed due to configuration error: the role {role} is not allowed to perform {} on {} ({})",
            service::iam_action(&target, &request),
            service::resource_arn(&request, &cx.account.id),
            d.unwrap_or("no decision")
        )),
    };
    if let Some(why) = why {
        trace.push(TraceStep { step: "Endpoint request", message: why, latency_us: 0 });
        return Ok(Step::Done(finish(&routed, config_error(), trace)));
    }
    trace.push(TraceStep { step: "Endpoint request", message: format!("The role {role} allows {}", service::iam_action(&target, &request)), latency_us: 0 });
    let r = request.clone();
    Ok(Step::Call(r, Box::new(Pending { call, routed, trace, awaiting: Awaiting::Service { target, request } })))
}

#[allow(clippy::too_many_arguments)]
fn service_answered(
    templates: &TemplateCache,
    cx: &mut Cx,
    call: &HttpCall,
    routed: &Routed,
    mut trace: Vec<TraceStep>,
    target: &service::Target,
    request: &Request,
    answer: Result<Value, AwsError>,
) -> Value {
    if let Err(e) = &answer {
        if service::service_missing(e) {
            trace.push(TraceStep {
                step: "Endpoint response",
                message: format!("Execution failed: the service '{}' is not available in this sandbox ({})", request.service, e.message),
                latency_us: 0,
            });
            return finish(routed, config_error(), trace);
        }
    }
    let (status, body, _content_type) = service::answer(target, request, &answer, &routed.request_id);
    trace.push(TraceStep { step: "Endpoint response", message: format!("{} {} answered status {status}: {body}", request.service, request.operation), latency_us: 0 });
    let Some(integration) = routed.method.integration.clone() else {
        return finish(routed, config_error(), trace);
    };
    integration_response(templates, cx, call, routed, &integration, &status.to_string(), &body, trace)
}

/// TestInvokeAuthorizer: the authorizer's function called with a request made of the given
/// headers, query string and stage variables (no cache), answered in AWS's shape.
pub fn test_invoke_authorizer(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Step, AwsError> {
    let input = Input(input);
    input.refuse(&["additionalContext"])?;
    let api_id = input.string("restApiId")?.unwrap_or("").to_string();
    let api = gw.api(cx, &api_id)?;
    let id = input.required("authorizerId", || super::errors::not_found("Invalid Authorizer identifier specified"))?;
    let a = api.authorizers.get(id).ok_or_else(|| super::errors::not_found("Invalid Authorizer identifier specified"))?.clone();
    let root = api.root_resource_id.clone();
    let pq = input.string("pathWithQueryString")?.unwrap_or("/");
    let (path, query) = pq.split_once('?').unwrap_or((pq, ""));
    let headers = test_headers(&input)?;
    let call = HttpCall {
        http_method: "GET".into(),
        path: if path.starts_with('/') { path.to_string() } else { format!("/{path}") },
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
        resource_id: root,
        resource_path: "/".into(),
        method: Method {
            http_method: "GET".into(),
            authorization_type: "CUSTOM".into(),
            authorizer_id: Some(a.id.clone()),
            api_key_required: false,
            operation_name: None,
            request_validator_id: None,
            request_parameters: BTreeMap::new(),
            request_models: BTreeMap::new(),
            method_responses: BTreeMap::new(),
            integration: None,
        },
        path_params: Vec::new(),
        request_id: cx.rng.uuid(),
        now_ms: cx.now_ms,
        test: true,
        context: std::cell::OnceCell::new(),
        authorizer: None,
        gateway_responses: BTreeMap::new(),
        error_params: None,
        identity: None,
    };
    if a.kind == "COGNITO_USER_POOLS" {
        return Err(bad_request("TestInvokeAuthorizer of COGNITO_USER_POOLS authorizers is not supported in the Gureum sandbox yet: call the method with an ID token instead."));
    }
    let arn = method_arn(cx, &call, &routed);
    let sources = authorizers::identity_sources(&a);
    let values = authorizers::identity_values(&sources, &call.headers, &call.query, &routed.stage_variables, &|_| None);
    let values = match values {
        Some(v) => v,
        None if a.kind == "REQUEST" && a.authorizer_result_ttl_in_seconds == 0 => Vec::new(),
        None => {
            return Ok(Step::Done(
                json!({ "clientStatus": 401, "log": format!("Execution log for request {}\nUnauthorized request: an identity source is missing\n", routed.request_id), "latency": 0 }),
            ))
        }
    };
    let function = lambda_function(a.authorizer_uri.as_deref().unwrap_or("")).unwrap_or_default().to_string();
    let event = if a.kind == "TOKEN" {
        json!({ "type": "TOKEN", "authorizationToken": values.first().cloned().unwrap_or_default(), "methodArn": arn })
    } else {
        let mut e = proxy_event(cx, &call, &routed);
        if let Value::Object(m) = &mut e {
            m.remove("body");
            m.remove("isBase64Encoded");
            m.insert("type".into(), json!("REQUEST"));
            m.insert("methodArn".into(), json!(arn));
        }
        e
    };
    let trace = vec![TraceStep { step: "Authorizer", message: format!("Calling authorizer {} ({function}) with {event}", a.name), latency_us: ENDPOINT_REQUEST_US }];
    let request = Request::new("lambda", "Invoke", cx.region, json!({ "FunctionName": function, "Payload": B64.encode(event.to_string().as_bytes()) }));
    Ok(Step::Call(request, Box::new(Pending { call, routed, trace, awaiting: Awaiting::TestAuthorizer })))
}

fn test_authorizer_answered(routed: &Routed, mut trace: Vec<TraceStep>, answer: Result<Value, AwsError>) -> Value {
    let mut out = Map::new();
    let status = match &answer {
        Err(e) => {
            trace.push(TraceStep { step: "Authorizer", message: format!("Execution failed due to configuration error: Lambda answered {}: {}", e.kind, e.message), latency_us: 0 });
            500
        }
        Ok(v) => {
            let payload = v.get("Payload").and_then(Value::as_str).and_then(|p| B64.decode(p).ok()).unwrap_or_default();
            let payload = String::from_utf8_lossy(&payload).into_owned();
            trace.push(TraceStep { step: "Authorizer", message: format!("Authorizer answered: {payload}"), latency_us: 0 });
            if v.get("FunctionError").is_some() {
                let unauthorized =
                    serde_json::from_str::<Value>(&payload).ok().and_then(|p| p.get("errorMessage").and_then(Value::as_str).map(|m| m == "Unauthorized")).unwrap_or(false);
                if unauthorized {
                    401
                } else {
                    500
                }
            } else {
                match authorizers::read_grant(&payload) {
                    Ok(g) => {
                        out.insert("principalId".into(), json!(g.principal_id));
                        out.insert("policy".into(), json!(g.policy.to_string()));
                        out.insert("authorization".into(), json!({}));
                        out.insert("claims".into(), json!({}));
                        if !g.context.is_empty() {
                            out.insert(
                                "context".into(),
                                Value::Object(g.context.iter().map(|(k, v)| (k.clone(), json!(v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))).collect()),
                            );
                        }
                        200
                    }
                    Err(why) => {
                        trace.push(TraceStep {
                            step: "Authorizer",
                            message: format!("Execution failed due to configuration error: Invalid authorizer response ({why})"),
                            latency_us: 0,
                        });
                        500
                    }
                }
            }
        }
    };
    let mut log = format!("Execution log for request {}\n", routed.request_id);
    for t in &trace {
        log.push_str(&format!("{} : {}: {}\n", crate::kernel::time::java_date(routed.now_ms), t.step, t.message));
    }
    out.insert("clientStatus".into(), json!(status));
    out.insert("log".into(), json!(log));
    out.insert("latency".into(), json!(trace.iter().map(|t| t.latency_us).sum::<u64>() / 1000));
    Value::Object(out)
}

/// A test call's headers: `headers`, with `multiValueHeaders` replacing the names they carry.
fn test_headers(input: &Input) -> Result<Vec<(String, String)>, AwsError> {
    let mut headers: Vec<(String, String)> = input.string_map("headers")?.into_iter().collect();
    if let Some(Value::Object(m)) = input.get("multiValueHeaders") {
        for (k, vs) in m {
            headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
            for v in vs.as_array().into_iter().flatten() {
                headers.push((k.clone(), v.as_str().ok_or_else(|| bad_request("multiValueHeaders must be a map of lists of strings."))?.to_string()));
            }
        }
    }
    Ok(headers)
}
