//! Gateway responses: the answers API Gateway itself gives when a request fails before or
//! around the integration (no route, authorizer denials, API keys, throttling, configuration
//! errors). Each of AWS's response types has a default (its status code and the body
//! `{"message":$context.error.messageString}`); PutGatewayResponse customizes one (status code,
//! `gatewayresponse.header.*` parameters, VTL templates). An uncustomized type inherits a
//! customized DEFAULT_4XX / DEFAULT_5XX (by its status class), including its status code.
//! Deployments snapshot the customizations, so a change needs a redeploy, as on AWS.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{
    control::{commit, page},
    errors::{bad_request, not_found, Input},
    mapping::{self, TemplateCache, TemplateEnv},
    patch, ApiGateway,
};
use crate::kernel::{error::AwsError, service::Cx};

/// The body every default gateway response renders.
pub const DEFAULT_TEMPLATE: &str = "{\"message\":$context.error.messageString}";

/// AWS's response types and their default status codes (DEFAULT_4XX/5XX have none).
pub const TYPES: &[(&str, Option<u16>)] = &[
    ("DEFAULT_4XX", None),
    ("DEFAULT_5XX", None),
    ("RESOURCE_NOT_FOUND", Some(404)),
    ("UNAUTHORIZED", Some(401)),
    ("INVALID_API_KEY", Some(403)),
    ("ACCESS_DENIED", Some(403)),
    ("AUTHORIZER_FAILURE", Some(500)),
    ("AUTHORIZER_CONFIGURATION_ERROR", Some(500)),
    ("INVALID_SIGNATURE", Some(403)),
    ("EXPIRED_TOKEN", Some(403)),
    ("MISSING_AUTHENTICATION_TOKEN", Some(403)),
    ("INTEGRATION_FAILURE", Some(504)),
    ("INTEGRATION_TIMEOUT", Some(504)),
    ("API_CONFIGURATION_ERROR", Some(500)),
    ("UNSUPPORTED_MEDIA_TYPE", Some(415)),
    ("BAD_REQUEST_PARAMETERS", Some(400)),
    ("BAD_REQUEST_BODY", Some(400)),
    ("REQUEST_TOO_LARGE", Some(413)),
    ("THROTTLED", Some(429)),
    ("QUOTA_EXCEEDED", Some(429)),
    ("WAF_FILTERED", Some(403)),
];

/// A customized gateway response (the defaults are not stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayResponse {
    pub response_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    #[serde(default)]
    pub response_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub response_templates: BTreeMap<String, String>,
}

impl GatewayResponse {
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("responseType".into(), json!(self.response_type));
        if let Some(s) = &self.status_code {
            o.insert("statusCode".into(), json!(s));
        }
        o.insert("responseParameters".into(), json!(self.response_parameters));
        o.insert("responseTemplates".into(), json!(self.response_templates));
        o.insert("defaultResponse".into(), json!(false));
        Value::Object(o)
    }
}

/// The built-in response of a type, as GetGatewayResponse shows it.
pub fn default_json(kind: &str) -> Value {
    let mut o = Map::new();
    o.insert("responseType".into(), json!(kind));
    if let Some(Some(s)) = TYPES.iter().find(|(k, _)| *k == kind).map(|(_, s)| s) {
        o.insert("statusCode".into(), json!(s.to_string()));
    }
    o.insert("responseParameters".into(), json!({}));
    o.insert("responseTemplates".into(), json!({ "application/json": DEFAULT_TEMPLATE }));
    o.insert("defaultResponse".into(), json!(true));
    Value::Object(o)
}

fn response_type<'a>(input: &Input<'a>) -> Result<&'a str, AwsError> {
    let t = input.string("responseType")?.unwrap_or("");
    if TYPES.iter().any(|(k, _)| *k == t) {
        Ok(t)
    } else {
        Err(bad_request(format!(
            "1 validation error detected: Value '{t}' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            TYPES.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
        )))
    }
}

fn check_status(s: &str) -> Result<(), AwsError> {
    let ok = s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) && (b'1'..=b'5').contains(&s.as_bytes()[0]);
    if ok {
        Ok(())
    } else {
        Err(bad_request(format!("Invalid status code specified: {s}")))
    }
}

/// A response parameter's target and source: `gatewayresponse.header.X` from `'literal'`,
/// `method.request.{header,querystring,path}.X`, `context.X` or `stageVariables.X`.
pub fn check_parameter(target: &str, source: &str) -> Result<(), AwsError> {
    let invalid =
        |what: &str| bad_request(format!("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: {what}]"));
    if !target.strip_prefix("gatewayresponse.header.").is_some_and(|n| !n.is_empty()) {
        return Err(invalid(target));
    }
    let literal = source.len() >= 2 && source.starts_with('\'') && source.ends_with('\'');
    let named = ["method.request.header.", "method.request.querystring.", "method.request.path.", "context.", "stageVariables."]
        .iter()
        .any(|p| source.strip_prefix(p).is_some_and(|n| !n.is_empty()));
    if literal || named {
        Ok(())
    } else {
        Err(invalid(source))
    }
}

pub fn check(r: &GatewayResponse) -> Result<(), AwsError> {
    if let Some(s) = &r.status_code {
        check_status(s)?;
    }
    for (k, v) in &r.response_parameters {
        check_parameter(k, v)?;
    }
    for t in r.response_templates.values() {
        if let Err(e) = crate::vtl::parse(t) {
            return Err(bad_request(format!("Invalid mapping expression specified: {e}")));
        }
    }
    Ok(())
}

pub fn put_gateway_response(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?;
    let mut api = gw.api(cx, id)?.clone();
    let kind = response_type(&input)?;
    let r = GatewayResponse {
        response_type: kind.to_string(),
        status_code: input.string("statusCode")?.filter(|s| !s.is_empty()).map(str::to_string),
        response_parameters: input.string_map("responseParameters")?,
        response_templates: input.string_map("responseTemplates")?,
    };
    check(&r)?;
    let out = r.to_json();
    api.gateway_responses.insert(kind.to_string(), r);
    commit(gw, cx, api)?;
    Ok(out)
}

pub fn get_gateway_response(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?;
    let api = gw.api(cx, id)?;
    let kind = response_type(&input)?;
    Ok(api.gateway_responses.get(kind).map(GatewayResponse::to_json).unwrap_or_else(|| default_json(kind)))
}

pub fn get_gateway_responses(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?;
    let api = gw.api(cx, id)?;
    let all: Vec<(&str, Value)> = TYPES.iter().map(|(k, _)| (*k, api.gateway_responses.get(*k).map(GatewayResponse::to_json).unwrap_or_else(|| default_json(k)))).collect();
    let (items, next) = page(all, &input, |(k, _)| k)?;
    let mut out = json!({ "item": items.into_iter().map(|(_, v)| v).collect::<Vec<_>>() });
    if let Some(p) = next {
        out["position"] = json!(p);
    }
    Ok(out)
}

pub fn update_gateway_response(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?;
    let mut api = gw.api(cx, id)?.clone();
    let kind = response_type(&input)?;
    let ops = patch::operations(&input)?;
    // Updating a default response customizes it.
    let mut r = api.gateway_responses.get(kind).cloned().unwrap_or_else(|| GatewayResponse {
        response_type: kind.to_string(),
        status_code: TYPES.iter().find(|(k, _)| *k == kind).and_then(|(_, s)| s.map(|s| s.to_string())),
        response_parameters: BTreeMap::new(),
        response_templates: [("application/json".to_string(), DEFAULT_TEMPLATE.to_string())].into_iter().collect(),
    });
    for op in &ops {
        let map_op = |map: &mut BTreeMap<String, String>, key: String| super::control::map_op(map, op, key);
        match (op.op.as_str(), op.path.as_str()) {
            ("replace", "/statusCode") => r.status_code = op.value.clone().filter(|v| !v.is_empty()),
            (_, p) if p.starts_with("/responseParameters/") => map_op(&mut r.response_parameters, patch::unescape(&p["/responseParameters/".len()..]))?,
            (_, p) if p.starts_with("/responseTemplates/") => map_op(&mut r.response_templates, patch::unescape(&p["/responseTemplates/".len()..]))?,
            _ => return Err(op.invalid()),
        }
    }
    check(&r)?;
    let out = r.to_json();
    api.gateway_responses.insert(kind.to_string(), r);
    commit(gw, cx, api)?;
    Ok(out)
}

pub fn delete_gateway_response(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?;
    let mut api = gw.api(cx, id)?.clone();
    let kind = response_type(&input)?;
    if api.gateway_responses.remove(kind).is_none() {
        return Err(not_found("Invalid Gateway Response type specified"));
    }
    commit(gw, cx, api)?;
    Ok(json!({}))
}

/// An error the gateway answers itself, before its gateway response is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub response_type: &'static str,
    pub status: u16,
    /// `$context.error.message`; None renders `null` (AWS's authorizer configuration error).
    pub message: Option<String>,
    /// The `x-amzn-ErrorType` header.
    pub error_type: &'static str,
}

impl Failure {
    pub fn new(response_type: &'static str, status: u16, message: impl Into<String>) -> Self {
        Failure { response_type, status, message: Some(message.into()), error_type: error_type(response_type, status) }
    }
}

/// The `x-amzn-ErrorType` AWS sends with each response type.
pub fn error_type(response_type: &str, status: u16) -> &'static str {
    match response_type {
        "MISSING_AUTHENTICATION_TOKEN" => "MissingAuthenticationTokenException",
        "UNAUTHORIZED" => "UnauthorizedException",
        "ACCESS_DENIED" => "AccessDeniedException",
        "AUTHORIZER_CONFIGURATION_ERROR" => "AuthorizerConfigurationException",
        "AUTHORIZER_FAILURE" => "AuthorizerFailureException",
        "INVALID_API_KEY" => "ForbiddenException",
        "THROTTLED" => "TooManyRequestsException",
        "QUOTA_EXCEEDED" => "LimitExceededException",
        "UNSUPPORTED_MEDIA_TYPE" => "UnsupportedMediaTypeException",
        "BAD_REQUEST_PARAMETERS" | "BAD_REQUEST_BODY" => "BadRequestException",
        "INVALID_SIGNATURE" => "InvalidSignatureException",
        "EXPIRED_TOKEN" => "ExpiredTokenException",
        "RESOURCE_NOT_FOUND" => "ResourceNotFoundException",
        "REQUEST_TOO_LARGE" => "RequestTooLargeException",
        "INTEGRATION_TIMEOUT" => "IntegrationTimeoutException",
        _ if status >= 500 => "InternalServerErrorException",
        _ => "ForbiddenException",
    }
}

/// What a gateway response's parameters and templates can read.
pub struct ErrorEnv<'a> {
    pub headers: &'a [(String, String)],
    pub query: &'a [(String, String)],
    pub path: &'a [(String, String)],
    pub stage_variables: &'a BTreeMap<String, String>,
    /// `$context` without `error` (added here).
    pub context: &'a dyn Fn() -> Value,
    pub now_ms: i64,
}

/// The response a failure gets: (status, headers, body, a note for the trace when a
/// customized response applied).
pub fn render(responses: &BTreeMap<String, GatewayResponse>, f: &Failure, request_id: &str, env: &ErrorEnv) -> (u16, Vec<(String, String)>, String, Option<String>) {
    let mut headers =
        vec![("Content-Type".to_string(), "application/json".to_string()), ("x-amzn-RequestId".into(), request_id.into()), ("x-amzn-ErrorType".into(), f.error_type.into())];
    let message_string = match &f.message {
        Some(m) => Value::String(m.clone()).to_string(),
        None => "null".to_string(),
    };
    let class = if f.status >= 500 { "DEFAULT_5XX" } else { "DEFAULT_4XX" };
    let chosen = responses.get(f.response_type).or_else(|| responses.get(class));
    let Some(chosen) = chosen else {
        return (f.status, headers, format!("{{\"message\":{message_string}}}"), None);
    };
    let status = chosen.status_code.as_deref().and_then(|s| s.parse().ok()).unwrap_or(f.status);
    let mut context = (env.context)();
    if let Value::Object(m) = &mut context {
        m.insert("error".into(), json!({ "message": f.message, "messageString": message_string, "responseType": f.response_type, "validationErrorString": "" }));
    }
    let lookup = |path: &str| super::invoke::context_value(&context, path);
    let find = |pairs: &[(String, String)], name: &str, fold: bool| pairs.iter().find(|(k, _)| if fold { k.eq_ignore_ascii_case(name) } else { k == name }).map(|(_, v)| v.clone());
    for (target, source) in &chosen.response_parameters {
        let Some(name) = target.strip_prefix("gatewayresponse.header.") else { continue };
        let value = if let Some(v) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            Some(v.to_string())
        } else if let Some(h) = source.strip_prefix("method.request.header.") {
            find(env.headers, h, true)
        } else if let Some(q) = source.strip_prefix("method.request.querystring.") {
            find(env.query, q, false)
        } else if let Some(p) = source.strip_prefix("method.request.path.") {
            find(env.path, p, false)
        } else if let Some(var) = source.strip_prefix("stageVariables.") {
            env.stage_variables.get(var).cloned()
        } else if let Some(c) = source.strip_prefix("context.") {
            lookup(c)
        } else {
            None
        };
        if let Some(v) = value {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
            headers.push((name.to_string(), v));
        }
    }
    let template = if chosen.response_templates.is_empty() {
        Some(("application/json", DEFAULT_TEMPLATE))
    } else {
        let accept = find(env.headers, "accept", true);
        mapping::select(&chosen.response_templates, accept.as_deref().filter(|a| !a.contains('*')))
            .or_else(|| chosen.response_templates.iter().next().map(|(k, v)| (k.as_str(), v.as_str())))
    };
    let mut note = format!("Gateway response {} ({}) applied", chosen.response_type, f.response_type);
    let body = match template {
        Some((ct, text)) => {
            if let Some(h) = headers.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                h.1 = ct.to_string();
            }
            let vars: Map<String, Value> = env.stage_variables.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            let tenv = TemplateEnv { body: "", path: env.path, querystring: env.query, header: env.headers, context: &context, stage_variables: &vars, now_ms: env.now_ms };
            match mapping::render(&TemplateCache::default(), text, &tenv) {
                Ok(out) => out.body,
                Err(e) => {
                    note.push_str(&format!("; its template failed ({e}), the default body is sent"));
                    format!("{{\"message\":{message_string}}}")
                }
            }
        }
        None => String::new(),
    };
    (status, headers, body, Some(note))
}
