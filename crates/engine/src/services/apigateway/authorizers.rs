//! Authorizers: CreateAuthorizer/GetAuthorizer/GetAuthorizers/UpdateAuthorizer/DeleteAuthorizer,
//! and what a Lambda authorizer's answer means at invoke time (see `invoke.rs` for the calls):
//! the identity sources (a TOKEN authorizer's header, checked against
//! `identityValidationExpression`; a REQUEST authorizer's headers, query strings, stage variables
//! and context values), the event the function gets, and the policy it answers, evaluated
//! against the method ARN (explicit Deny wins, an Allow is needed; `*` and `?` wildcards).
//! Answers are cached per identity for `authorizerResultTtlInSeconds` (default 300, 0 turns the
//! cache off) on the virtual clock; the cache is not journaled (a restore starts it empty).

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use super::{
    control::{lambda_function, new_id},
    errors::{bad_request, conflict, not_found, Input},
    model::{Authorizer, RestApi},
    patch,
    regex::Regex,
    ApiGateway,
};
use crate::kernel::{error::AwsError, service::Cx};

const TYPES: &[&str] = &["TOKEN", "REQUEST", "COGNITO_USER_POOLS"];
pub const DEFAULT_TTL_S: i64 = 300;
const MAX_TTL_S: i64 = 3600;

fn authorizer_not_found() -> AwsError {
    not_found("Invalid Authorizer identifier specified")
}

fn save(cx: &mut Cx, api: &RestApi) {
    cx.journal.put_json(super::control::api_key(cx.region, &api.id), api);
}

pub(crate) fn check(a: &Authorizer) -> Result<(), AwsError> {
    if a.name.trim().is_empty() {
        return Err(bad_request("Invalid authorizer name specified"));
    }
    if !TYPES.contains(&a.kind.as_str()) {
        return Err(bad_request(format!("Invalid authorizer type specified. Valid options are {}", TYPES.join(","))));
    }
    if !(0..=MAX_TTL_S).contains(&a.authorizer_result_ttl_in_seconds) {
        return Err(bad_request(format!("Invalid authorizerResultTtlInSeconds specified: must be between 0 and {MAX_TTL_S}")));
    }
    match a.kind.as_str() {
        "COGNITO_USER_POOLS" => {
            if a.provider_arns.is_empty() {
                return Err(bad_request("ProviderARNs need to be specified for a COGNITO_USER_POOLS authorizer"));
            }
            for arn in &a.provider_arns {
                if !arn.starts_with("arn:aws:cognito-idp:") || !arn.contains(":userpool/") {
                    return Err(bad_request(format!("Invalid Cognito User Pool ARN specified: {arn}")));
                }
            }
        }
        _ => {
            let uri = a.authorizer_uri.as_deref().unwrap_or("");
            if uri.is_empty() {
                return Err(bad_request("Authorizer URI is required for a custom authorizer"));
            }
            if lambda_function(uri).is_none() {
                return Err(bad_request(format!("Invalid Authorizer URI specified: {uri}")));
            }
        }
    }
    let sources = identity_sources(a);
    if a.kind == "TOKEN" || a.kind == "COGNITO_USER_POOLS" {
        match sources.as_slice() {
            [one] if one.strip_prefix("method.request.header.").is_some_and(|h| !h.is_empty()) => {}
            _ => return Err(bad_request(format!("Invalid identity source specified: {}", a.identity_source.as_deref().unwrap_or("")))),
        }
    } else {
        if sources.is_empty() && a.authorizer_result_ttl_in_seconds > 0 {
            return Err(bad_request("Identity source is required when caching is enabled for a REQUEST authorizer"));
        }
        for s in &sources {
            let ok = [
                "method.request.header.",
                "method.request.querystring.",
                "method.request.multivalueheader.",
                "method.request.multivaluequerystring.",
                "stageVariables.",
                "context.",
            ]
            .iter()
            .any(|p| s.strip_prefix(p).is_some_and(|n| !n.is_empty()));
            if !ok {
                return Err(bad_request(format!("Invalid identity source specified: {s}")));
            }
        }
    }
    if let Some(e) = &a.identity_validation_expression {
        if a.kind != "TOKEN" && a.kind != "COGNITO_USER_POOLS" {
            return Err(bad_request("identityValidationExpression is only supported for TOKEN and COGNITO_USER_POOLS authorizers"));
        }
        Regex::new(e).map_err(|why| bad_request(format!("Invalid identityValidationExpression specified: {why}")))?;
    }
    if let Some(c) = &a.authorizer_credentials {
        if !c.starts_with("arn:aws:iam::") || !c.contains(":role/") {
            return Err(bad_request("Invalid ARN specified in the request"));
        }
    }
    Ok(())
}

pub fn identity_sources(a: &Authorizer) -> Vec<String> {
    a.identity_source.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

pub fn create_authorizer(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let api_id = input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?.to_string();
    let mut api = gw.api(cx, &api_id)?.clone();
    let a = Authorizer {
        id: new_id(cx),
        name: input.string("name")?.unwrap_or("").to_string(),
        kind: input.string("type")?.unwrap_or("").to_string(),
        provider_arns: input.strings("providerARNs")?,
        auth_type: input.string("authType")?.map(str::to_string),
        authorizer_uri: input.string("authorizerUri")?.map(str::to_string),
        authorizer_credentials: input.string("authorizerCredentials")?.filter(|c| !c.is_empty()).map(str::to_string),
        identity_source: input.string("identitySource")?.map(str::to_string),
        identity_validation_expression: input.string("identityValidationExpression")?.filter(|c| !c.is_empty()).map(str::to_string),
        authorizer_result_ttl_in_seconds: input.int("authorizerResultTtlInSeconds")?.unwrap_or(DEFAULT_TTL_S),
    };
    check(&a)?;
    if api.authorizers.len() >= 10 {
        return Err(super::errors::too_many_requests("The maximum number of authorizers per API (10) is reached"));
    }
    let out = a.to_json();
    api.authorizers.insert(a.id.clone(), a);
    save(cx, &api);
    *gw.api_mut(cx, &api_id)? = api;
    Ok(out)
}

pub fn get_authorizer(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let api = gw.api(cx, input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?)?;
    let id = input.required("authorizerId", authorizer_not_found)?;
    Ok(api.authorizers.get(id).ok_or_else(authorizer_not_found)?.to_json())
}

pub fn get_authorizers(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let api = gw.api(cx, input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?)?;
    let all: Vec<&Authorizer> = api.authorizers.values().collect();
    let (items, next) = super::control::page(all, &input, |a| &a.id)?;
    let mut out = json!({ "item": items.iter().map(|a| a.to_json()).collect::<Vec<_>>() });
    if let Some(p) = next {
        out["position"] = json!(p);
    }
    Ok(out)
}

pub fn update_authorizer(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let ops = patch::operations(&input)?;
    let api_id = input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?.to_string();
    let mut api = gw.api(cx, &api_id)?.clone();
    let id = input.required("authorizerId", authorizer_not_found)?;
    let a = api.authorizers.get_mut(id).ok_or_else(authorizer_not_found)?;
    for op in &ops {
        let v = || op.value.clone().filter(|v| !v.is_empty());
        match (op.op.as_str(), op.path.as_str()) {
            ("replace", "/name") => a.name = op.required_value()?.to_string(),
            ("replace", "/type") => a.kind = op.required_value()?.to_string(),
            ("replace", "/authType") => a.auth_type = v(),
            ("replace", "/authorizerUri") => a.authorizer_uri = v(),
            ("replace", "/authorizerCredentials") => a.authorizer_credentials = v(),
            ("replace", "/identitySource") => a.identity_source = v(),
            ("replace", "/identityValidationExpression") => a.identity_validation_expression = v(),
            ("replace", "/authorizerResultTtlInSeconds") => {
                a.authorizer_result_ttl_in_seconds = op.required_value()?.parse().map_err(|_| bad_request("Invalid authorizerResultTtlInSeconds specified"))?
            }
            ("replace", "/providerARNs") => a.provider_arns = v().map(|s| s.split(',').map(|p| p.trim().to_string()).collect()).unwrap_or_default(),
            ("add", "/providerARNs") => a.provider_arns.push(op.required_value()?.to_string()),
            ("remove", "/providerARNs") => {
                let arn = op.required_value()?;
                a.provider_arns.retain(|p| p != arn);
            }
            _ => return Err(op.invalid()),
        }
    }
    check(a)?;
    let out = a.to_json();
    save(cx, &api);
    *gw.api_mut(cx, &api_id)? = api;
    Ok(out)
}

pub fn delete_authorizer(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let api_id = input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?.to_string();
    let mut api = gw.api(cx, &api_id)?.clone();
    let id = input.required("authorizerId", authorizer_not_found)?.to_string();
    if !api.authorizers.contains_key(&id) {
        return Err(authorizer_not_found());
    }
    for r in api.resources.values() {
        for (name, m) in &r.methods {
            if m.authorizer_id.as_deref() == Some(id.as_str()) {
                return Err(conflict(format!("Cannot delete authorizer '{}', is referenced in method: {name}{}", api.authorizers[&id].name, r.path)));
            }
        }
    }
    api.authorizers.remove(&id);
    save(cx, &api);
    *gw.api_mut(cx, &api_id)? = api;
    Ok(json!({}))
}

// ---- Invoke time ---------------------------------------------------------------------------------

/// A Lambda authorizer's answer, as cached.
#[derive(Debug, Clone)]
pub struct Grant {
    pub principal_id: String,
    pub policy: Value,
    pub context: Map<String, Value>,
    pub usage_identifier_key: Option<String>,
}

/// The authorizer results cache: (api, stage, authorizer, identity) → (expiry ms, grant).
#[derive(Debug, Default)]
pub struct AuthorizerCache {
    entries: HashMap<String, (i64, Grant)>,
}

impl AuthorizerCache {
    const MAX: usize = 10_000;

    pub fn get(&mut self, key: &str, now_ms: i64) -> Option<Grant> {
        match self.entries.get(key) {
            Some((expires, g)) if *expires > now_ms => Some(g.clone()),
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn put(&mut self, key: String, expires_ms: i64, grant: Grant) {
        if self.entries.len() >= Self::MAX {
            self.entries.retain(|_, (e, _)| *e > expires_ms - MAX_TTL_S * 1000);
            if self.entries.len() >= Self::MAX {
                self.entries.clear();
            }
        }
        self.entries.insert(key, (expires_ms, grant));
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Reads a Lambda authorizer's answer: `principalId`, `policyDocument`, optional `context` (string,
/// number and boolean values only) and `usageIdentifierKey`. Err says why it is malformed.
pub fn read_grant(payload: &str) -> Result<Grant, String> {
    let v: Value = serde_json::from_str(payload).map_err(|_| "the answer is not JSON".to_string())?;
    let principal_id = match v.get("principalId") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("the answer has no principalId".into()),
    };
    let policy = match v.get("policyDocument") {
        Some(Value::Object(p)) => Value::Object(p.clone()),
        Some(Value::String(s)) => serde_json::from_str(s).map_err(|_| "policyDocument is not a JSON policy".to_string())?,
        _ => return Err("the answer has no policyDocument".into()),
    };
    if !policy.get("Statement").is_some_and(|s| s.is_array() || s.is_object()) {
        return Err("the policyDocument has no Statement".into());
    }
    let mut context = Map::new();
    match v.get("context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, val) in m {
                match val {
                    Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                        context.insert(k.clone(), val.clone());
                    }
                    _ => return Err(format!("context value '{k}' is not a string, number or boolean")),
                }
            }
        }
        Some(_) => return Err("context is not an object".into()),
    }
    let usage_identifier_key = v.get("usageIdentifierKey").and_then(Value::as_str).map(str::to_string);
    Ok(Grant { principal_id, policy, context, usage_identifier_key })
}

/// What a policy says about invoking `method_arn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn action_matches(pattern: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    crate::services::iam::eval::glob(&p, "execute-api:invoke", false)
}

pub fn evaluate(policy: &Value, method_arn: &str) -> Decision {
    let statements: Vec<&Value> = match policy.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        _ => Vec::new(),
    };
    let mut allowed = false;
    for st in statements {
        let action = if st.get("Action").is_some() {
            strings(st.get("Action")).iter().any(|a| action_matches(a))
        } else if st.get("NotAction").is_some() {
            !strings(st.get("NotAction")).iter().any(|a| action_matches(a))
        } else {
            false
        };
        let resource = if st.get("Resource").is_some() {
            strings(st.get("Resource")).iter().any(|r| crate::services::iam::eval::glob(r, method_arn, false))
        } else if st.get("NotResource").is_some() {
            !strings(st.get("NotResource")).iter().any(|r| crate::services::iam::eval::glob(r, method_arn, false))
        } else {
            false
        };
        if !(action && resource) {
            continue;
        }
        match st.get("Effect").and_then(Value::as_str) {
            Some("Deny") => return Decision::ExplicitDeny,
            Some("Allow") => allowed = true,
            _ => {}
        }
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// `requestContext.authorizer` / `$context.authorizer`: the principal and the context values.
pub fn context_value(g: &Grant) -> Value {
    let mut m = g.context.clone();
    m.insert("principalId".into(), json!(g.principal_id));
    Value::Object(m)
}

/// The values of a REQUEST or TOKEN authorizer's identity sources, in order; None when one is
/// missing or empty.
pub fn identity_values(
    sources: &[String],
    headers: &[(String, String)],
    query: &[(String, String)],
    stage_variables: &BTreeMap<String, String>,
    context: &dyn Fn(&str) -> Option<String>,
) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for s in sources {
        let v = if let Some(h) = s.strip_prefix("method.request.header.").or_else(|| s.strip_prefix("method.request.multivalueheader.")) {
            let vals: Vec<&str> = headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(h)).map(|(_, v)| v.as_str()).collect();
            (!vals.is_empty()).then(|| vals.join(","))
        } else if let Some(q) = s.strip_prefix("method.request.querystring.").or_else(|| s.strip_prefix("method.request.multivaluequerystring.")) {
            let vals: Vec<&str> = query.iter().filter(|(k, _)| k == q).map(|(_, v)| v.as_str()).collect();
            (!vals.is_empty()).then(|| vals.join(","))
        } else if let Some(v) = s.strip_prefix("stageVariables.") {
            stage_variables.get(v).cloned()
        } else if let Some(c) = s.strip_prefix("context.") {
            context(c)
        } else {
            None
        };
        out.push(v.filter(|v| !v.is_empty())?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_allow_deny_and_match_wildcards() {
        let arn = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/pets/1";
        let allow = |r: &str| json!({ "Version": "2012-10-17", "Statement": [{ "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": r }] });
        assert_eq!(evaluate(&allow(arn), arn), Decision::Allow);
        assert_eq!(evaluate(&allow("arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/*"), arn), Decision::Allow);
        assert_eq!(evaluate(&allow("arn:aws:execute-api:us-east-1:123456789012:abc/prod/POST/*"), arn), Decision::ImplicitDeny);
        assert_eq!(evaluate(&allow("arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/pets/?"), arn), Decision::Allow);
        let both = json!({ "Statement": [
            { "Action": "execute-api:*", "Effect": "Allow", "Resource": "*" },
            { "Action": ["execute-api:Invoke"], "Effect": "Deny", "Resource": ["arn:aws:execute-api:*:*:abc/prod/GET/pets/*"] }
        ] });
        assert_eq!(evaluate(&both, arn), Decision::ExplicitDeny);
        assert_eq!(evaluate(&both, "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/owners"), Decision::Allow);
        assert_eq!(evaluate(&json!({ "Statement": { "Action": "s3:GetObject", "Effect": "Allow", "Resource": "*" } }), arn), Decision::ImplicitDeny);
    }

    #[test]
    fn grants_are_read_strictly() {
        let g = read_grant(r#"{"principalId":"u1","policyDocument":{"Version":"2012-10-17","Statement":[]},"context":{"tier":"gold","n":3,"b":true}}"#).unwrap();
        assert_eq!(context_value(&g), json!({ "tier": "gold", "n": 3, "b": true, "principalId": "u1" }));
        assert!(read_grant(r#"{"policyDocument":{"Statement":[]}}"#).is_err());
        assert!(read_grant(r#"{"principalId":"u","policyDocument":{"Statement":[]},"context":{"x":{"y":1}}}"#).is_err());
        assert!(read_grant("nope").is_err());
    }
}
