//! The control plane: REST APIs, resources, methods, method responses, integrations,
//! integration responses, deployments and stages.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{
    errors::*,
    model::{Deployment, Integration, IntegrationResponse, Method, MethodResponse, Resource, RestApi, Stage},
    patch::{self, PatchOp},
    ApiGateway,
};
use crate::kernel::{error::AwsError, service::Cx};

const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
pub const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];
const INTEGRATION_TYPES: &[&str] = &["HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"];
/// REST API integration timeout bounds (ms).
const TIMEOUT_MIN_MS: i64 = 50;
const TIMEOUT_MAX_MS: i64 = 29_000;

pub fn new_id(cx: &mut Cx) -> String {
    cx.rng.token(ID_ALPHABET, 10)
}

fn now_s(cx: &Cx) -> i64 {
    cx.now_ms.div_euclid(1000)
}

impl ApiGateway {
    pub(crate) fn api(&self, cx: &Cx, id: &str) -> Result<&RestApi, AwsError> {
        self.regions.get(cx.region).and_then(|r| r.get(id)).ok_or_else(|| api_not_found(&cx.account.id, id))
    }

    pub(crate) fn api_mut(&mut self, cx: &Cx, id: &str) -> Result<&mut RestApi, AwsError> {
        let account = cx.account.id.clone();
        self.regions.get_mut(cx.region).and_then(|r| r.get_mut(id)).ok_or_else(|| api_not_found(&account, id))
    }
}

fn api_id<'a>(cx: &Cx, input: &Input<'a>) -> Result<&'a str, AwsError> {
    input.required("restApiId", || api_not_found(&cx.account.id, ""))
}

pub fn api_key(region: &str, id: &str) -> String {
    format!("apigateway/{region}/api/{id}")
}

pub fn deployment_key(region: &str, api: &str, id: &str) -> String {
    format!("apigateway/{region}/api/{api}/deployment/{id}")
}

pub fn stage_key(region: &str, api: &str, name: &str) -> String {
    format!("apigateway/{region}/api/{api}/stage/{name}")
}

fn save_api(cx: &mut Cx, api: &RestApi) {
    let key = api_key(cx.region, &api.id);
    cx.journal.put_json(key, api);
}

pub(crate) fn page<T>(items: Vec<T>, input: &Input, id_of: impl Fn(&T) -> &str) -> Result<(Vec<T>, Option<String>), AwsError> {
    let limit = input.int("limit")?.unwrap_or(25);
    if !(1..=500).contains(&limit) {
        return Err(bad_request("Invalid limit specified: must be between 1 and 500."));
    }
    let position = input.string("position")?;
    let start = match position {
        None => 0,
        Some(p) => items.iter().position(|i| id_of(i) == p).ok_or_else(|| bad_request("Invalid position parameter"))?,
    };
    let mut rest: Vec<T> = items.into_iter().skip(start).collect();
    let next = if rest.len() > limit as usize { Some(id_of(&rest[limit as usize]).to_string()) } else { None };
    rest.truncate(limit as usize);
    Ok((rest, next))
}

fn list_answer(key: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut out = json!({ key: items });
    if let Some(p) = next {
        out["position"] = json!(p);
    }
    out
}

// ---- REST APIs -------------------------------------------------------------------------------

fn endpoint_types(input: &Input) -> Result<Vec<String>, AwsError> {
    let Some(conf) = input.get("endpointConfiguration") else { return Ok(vec!["EDGE".into()]) };
    let conf = Input(conf);
    conf.refuse(&["vpcEndpointIds"])?;
    let types = conf.strings("types")?;
    if types.is_empty() {
        return Ok(vec!["EDGE".into()]);
    }
    if types.len() > 1 {
        return Err(bad_request("Cannot create an api with multiple Endpoint Types."));
    }
    if !["EDGE", "REGIONAL", "PRIVATE"].contains(&types[0].as_str()) {
        return Err(bad_request(format!("Invalid Endpoint Configuration type specified: {}", types[0])));
    }
    if types[0] == "PRIVATE" {
        return Err(bad_request("PRIVATE endpoints need a VPC endpoint, which the Gureum sandbox does not simulate yet."));
    }
    Ok(types)
}

/// A resource policy's text with API Gateway's `execute-api:/...` shorthand written out as
/// `arn:aws:execute-api:{region}:{account}:{api}/...`.
pub fn expand_policy(policy: &str, region: &str, account: &str, api: &str) -> String {
    policy.replace("\"execute-api:/", &format!("\"arn:aws:execute-api:{region}:{account}:{api}/"))
}

/// A resource policy must parse as one (with a Principal).
pub(crate) fn check_policy(policy: &str) -> Result<(), AwsError> {
    let expanded = expand_policy(policy, "us-east-1", "123456789012", "api");
    crate::services::iam::policy::Policy::parse(&expanded, crate::services::iam::policy::PolicyKind::Resource)
        .map(|_| ())
        .map_err(|e| bad_request(format!("Invalid policy document. Please check the policy syntax and ensure that Principals are valid. ({})", e.message)))
}

fn check_api_key_source(s: &str) -> Result<(), AwsError> {
    if ["HEADER", "AUTHORIZER"].contains(&s) {
        Ok(())
    } else {
        Err(bad_request(format!("Invalid API Key source specified: {s}")))
    }
}

pub fn create_rest_api(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    input.refuse(&["cloneFrom"])?;
    let policy = input.string("policy")?.filter(|p| !p.trim().is_empty()).map(str::to_string);
    if let Some(p) = &policy {
        check_policy(p)?;
    }
    let name = input.string("name")?.unwrap_or("");
    if name.trim().is_empty() {
        return Err(bad_request("Invalid REST API name specified"));
    }
    let api_key_source = input.string("apiKeySource")?.unwrap_or("HEADER").to_string();
    check_api_key_source(&api_key_source)?;
    let endpoint_types = endpoint_types(&input)?;
    let minimum_compression_size = input.int("minimumCompressionSize")?;
    if let Some(n) = minimum_compression_size {
        if !(0..=10_485_760).contains(&n) {
            return Err(bad_request("Invalid minimum compression size, must be between 0 and 10485760"));
        }
    }
    let api = RestApi {
        id: new_id(cx),
        name: name.to_string(),
        description: input.string("description")?.map(str::to_string),
        created_date: now_s(cx),
        version: input.string("version")?.map(str::to_string),
        api_key_source,
        endpoint_types,
        binary_media_types: input.strings("binaryMediaTypes")?,
        policy,
        minimum_compression_size,
        disable_execute_api_endpoint: input.bool("disableExecuteApiEndpoint")?.unwrap_or(false),
        root_resource_id: new_id(cx),
        tags: input.string_map("tags")?,
        resources: BTreeMap::new(),
        authorizers: BTreeMap::new(),
        gateway_responses: BTreeMap::new(),
        deployments: BTreeMap::new(),
        stages: BTreeMap::new(),
    };
    let mut api = api;
    let root = Resource { id: api.root_resource_id.clone(), parent_id: None, path_part: None, path: "/".into(), methods: BTreeMap::new() };
    api.resources.insert(root.id.clone(), root);
    save_api(cx, &api);
    let out = api.to_json();
    gw.regions.entry(cx.region.to_string()).or_default().insert(api.id.clone(), api);
    Ok(out)
}

pub fn get_rest_api(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    Ok(gw.api(cx, api_id(cx, &input)?)?.to_json())
}

pub fn get_rest_apis(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let apis: Vec<&RestApi> = gw.regions.get(cx.region).map(|r| r.values().collect()).unwrap_or_default();
    let (items, next) = page(apis, &input, |a| &a.id)?;
    Ok(list_answer("item", items.iter().map(|a| a.to_json()).collect(), next))
}

pub fn update_rest_api(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let ops = patch::operations(&input)?;
    let mut api = gw.api(cx, api_id(cx, &input)?)?.clone();
    for op in &ops {
        match (op.op.as_str(), op.path.as_str()) {
            ("replace", "/name") => {
                let v = op.required_value()?;
                if v.trim().is_empty() {
                    return Err(bad_request("Invalid REST API name specified"));
                }
                api.name = v.to_string();
            }
            ("replace", "/description") => api.description = op.value.clone(),
            ("replace", "/version") => api.version = op.value.clone(),
            ("replace", "/apiKeySource") => {
                let v = op.required_value()?;
                check_api_key_source(v)?;
                api.api_key_source = v.to_string();
            }
            ("replace", "/disableExecuteApiEndpoint") => api.disable_execute_api_endpoint = op.bool_value()?,
            ("replace", "/policy") => {
                api.policy = op.value.clone().filter(|p| !p.trim().is_empty());
                if let Some(p) = &api.policy {
                    check_policy(p)?;
                }
            }
            ("replace", "/minimumCompressionSize") => {
                api.minimum_compression_size = match op.value.as_deref() {
                    None | Some("") => None,
                    Some(v) => Some(v.parse().map_err(|_| bad_request("Invalid minimum compression size, must be between 0 and 10485760"))?),
                }
            }
            ("add", p) if p.starts_with("/binaryMediaTypes/") => {
                let t = patch::unescape(&p["/binaryMediaTypes/".len()..]);
                if !api.binary_media_types.contains(&t) {
                    api.binary_media_types.push(t);
                }
            }
            ("remove", p) if p.starts_with("/binaryMediaTypes/") => {
                let t = patch::unescape(&p["/binaryMediaTypes/".len()..]);
                api.binary_media_types.retain(|x| *x != t);
            }
            _ => return Err(op.invalid()),
        }
    }
    save_api(cx, &api);
    let out = api.to_json();
    let id = api.id.clone();
    *gw.api_mut(cx, &id)? = api;
    Ok(out)
}

pub fn delete_rest_api(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = api_id(cx, &input)?;
    gw.api(cx, id)?;
    if let Some(r) = gw.regions.get_mut(cx.region) {
        r.remove(id);
    }
    let key = api_key(cx.region, id);
    cx.journal.delete(key.clone());
    cx.journal.delete_prefix(format!("{key}/"));
    Ok(json!({}))
}

// ---- Resources -------------------------------------------------------------------------------

pub(crate) fn check_path_part(part: &str) -> Result<(), AwsError> {
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-:@$&',;=!~*()".contains(&b));
    let ok = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        Some(var) => {
            let var = var.strip_suffix('+').unwrap_or(var);
            !var.is_empty() && var.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        }
        None => plain(part),
    };
    if ok {
        Ok(())
    } else {
        Err(bad_request("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace."))
    }
}

fn is_variable(part: &str) -> bool {
    part.starts_with('{')
}

/// Checks that `part` may sit under `parent` beside the other children (except `except`).
fn check_siblings(api: &RestApi, parent: &str, part: &str, except: Option<&str>) -> Result<(), AwsError> {
    let parent_res = api.resources.get(parent).ok_or_else(resource_not_found)?;
    if parent_res.path_part.as_deref().is_some_and(|p| p.ends_with("+}")) {
        return Err(bad_request(format!("Cannot create a child of a resource with a greedy path variable: {}", parent_res.path)));
    }
    for r in api.resources.values().filter(|r| r.parent_id.as_deref() == Some(parent) && Some(r.id.as_str()) != except) {
        let sibling = r.path_part.as_deref().unwrap_or("");
        if sibling == part {
            return Err(conflict(format!("Another resource with the same parent already has this name: {part}")));
        }
        if is_variable(sibling) && is_variable(part) {
            return Err(bad_request(format!("A sibling ({sibling}) of this resource already has a variable path part -- only one is allowed")));
        }
    }
    Ok(())
}

/// Recomputes every resource's path from its parent chain.
fn recompute_paths(api: &mut RestApi) {
    let ids: Vec<String> = api.resources.keys().cloned().collect();
    for id in ids {
        let mut parts = Vec::new();
        let mut cur = api.resources.get(&id);
        let mut guard = 0;
        while let Some(r) = cur {
            if let Some(p) = &r.path_part {
                parts.push(p.clone());
            }
            cur = r.parent_id.as_ref().and_then(|p| api.resources.get(p));
            guard += 1;
            if guard > 1000 {
                break;
            }
        }
        parts.reverse();
        let path = format!("/{}", parts.join("/"));
        if let Some(r) = api.resources.get_mut(&id) {
            r.path = path;
        }
    }
}

pub fn create_resource(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = api_id(cx, &input)?;
    let parent = input.required("parentId", resource_not_found)?;
    let part = input.string("pathPart")?.unwrap_or("");
    let mut api = gw.api(cx, id)?.clone();
    check_path_part(part)?;
    check_siblings(&api, parent, part, None)?;
    let parent_path = api.resources[parent].path.clone();
    let resource = Resource {
        id: new_id(cx),
        parent_id: Some(parent.to_string()),
        path_part: Some(part.to_string()),
        path: if parent_path == "/" { format!("/{part}") } else { format!("{parent_path}/{part}") },
        methods: BTreeMap::new(),
    };
    let out = resource.to_json(false);
    api.resources.insert(resource.id.clone(), resource);
    save_api(cx, &api);
    *gw.api_mut(cx, id)? = api;
    Ok(out)
}

fn embeds_methods(input: &Input) -> Result<bool, AwsError> {
    let embed = match input.get("embed") {
        Some(Value::String(s)) => vec![s.clone()],
        _ => input.strings("embed")?,
    };
    Ok(embed.iter().any(|e| e == "methods"))
}

pub fn get_resource(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let api = gw.api(cx, api_id(cx, &input)?)?;
    let rid = input.required("resourceId", resource_not_found)?;
    let r = api.resources.get(rid).ok_or_else(resource_not_found)?;
    Ok(r.to_json(embeds_methods(&input)?))
}

pub fn get_resources(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let api = gw.api(cx, api_id(cx, &input)?)?;
    let embed = embeds_methods(&input)?;
    let mut all: Vec<&Resource> = api.resources.values().collect();
    all.sort_by(|a, b| a.path.cmp(&b.path).then(a.id.cmp(&b.id)));
    let (items, next) = page(all, &input, |r| &r.id)?;
    Ok(list_answer("item", items.iter().map(|r| r.to_json(embed)).collect(), next))
}

pub fn update_resource(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = api_id(cx, &input)?;
    let ops = patch::operations(&input)?;
    let mut api = gw.api(cx, id)?.clone();
    let rid = input.required("resourceId", resource_not_found)?.to_string();
    if !api.resources.contains_key(&rid) {
        return Err(resource_not_found());
    }
    if rid == api.root_resource_id && !ops.is_empty() {
        return Err(bad_request("Cannot update the root resource"));
    }
    for op in &ops {
        match (op.op.as_str(), op.path.as_str()) {
            ("replace", "/pathPart") => {
                let part = op.required_value()?;
                check_path_part(part)?;
                let parent = api.resources[&rid].parent_id.clone().unwrap_or_default();
                check_siblings(&api, &parent, part, Some(&rid))?;
                api.resources.get_mut(&rid).map(|r| r.path_part = Some(part.to_string()));
            }
            ("replace", "/parentId") => {
                let parent = op.required_value()?;
                // A resource cannot move under itself or its descendants.
                let mut cur = Some(parent.to_string());
                while let Some(c) = cur {
                    if c == rid {
                        return Err(bad_request("Cannot move a resource under itself or one of its descendants"));
                    }
                    cur = api.resources.get(&c).ok_or_else(resource_not_found)?.parent_id.clone();
                }
                let part = api.resources[&rid].path_part.clone().unwrap_or_default();
                check_siblings(&api, parent, &part, Some(&rid))?;
                api.resources.get_mut(&rid).map(|r| r.parent_id = Some(parent.to_string()));
            }
            _ => return Err(op.invalid()),
        }
    }
    recompute_paths(&mut api);
    let out = api.resources[&rid].to_json(false);
    save_api(cx, &api);
    *gw.api_mut(cx, id)? = api;
    Ok(out)
}

pub fn delete_resource(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = api_id(cx, &input)?;
    let mut api = gw.api(cx, id)?.clone();
    let rid = input.required("resourceId", resource_not_found)?.to_string();
    if !api.resources.contains_key(&rid) {
        return Err(resource_not_found());
    }
    if rid == api.root_resource_id {
        return Err(bad_request("Cannot delete root resource"));
    }
    // The resource and all its descendants.
    let mut doomed = vec![rid];
    let mut i = 0;
    while i < doomed.len() {
        let children: Vec<String> = api.resources.values().filter(|r| r.parent_id.as_deref() == Some(doomed[i].as_str())).map(|r| r.id.clone()).collect();
        doomed.extend(children);
        i += 1;
    }
    for d in &doomed {
        api.resources.remove(d);
    }
    save_api(cx, &api);
    *gw.api_mut(cx, id)? = api;
    Ok(json!({}))
}

// ---- Methods ---------------------------------------------------------------------------------

fn method_name<'a>(input: &Input<'a>) -> Result<&'a str, AwsError> {
    let m = input.required("httpMethod", method_not_found)?;
    if HTTP_METHODS.contains(&m) {
        Ok(m)
    } else {
        Err(bad_request(format!("Invalid HttpMethod specified. Valid options are {}", HTTP_METHODS.join(","))))
    }
}

/// The API (cloned for editing), the resource id and the method name a request names.
fn locate<'a>(gw: &ApiGateway, cx: &Cx, input: &Input<'a>) -> Result<(RestApi, String), AwsError> {
    let id = api_id(cx, input)?;
    let api = gw.api(cx, id)?.clone();
    let rid = input.required("resourceId", resource_not_found)?;
    if !api.resources.contains_key(rid) {
        return Err(resource_not_found());
    }
    Ok((api, rid.to_string()))
}

pub(crate) fn commit(gw: &mut ApiGateway, cx: &mut Cx, api: RestApi) -> Result<(), AwsError> {
    save_api(cx, &api);
    let id = api.id.clone();
    *gw.api_mut(cx, &id)? = api;
    Ok(())
}

fn method_mut<'a>(api: &'a mut RestApi, rid: &str, method: &str) -> Result<&'a mut Method, AwsError> {
    api.resources.get_mut(rid).ok_or_else(resource_not_found)?.methods.get_mut(method).ok_or_else(method_not_found)
}

pub(crate) fn check_request_parameters(params: &BTreeMap<String, bool>) -> Result<(), AwsError> {
    for k in params.keys() {
        let ok = ["method.request.path.", "method.request.querystring.", "method.request.header.", "method.request.multivaluequerystring.", "method.request.multivalueheader."]
            .iter()
            .any(|p| k.strip_prefix(p).is_some_and(|n| !n.is_empty()));
        if !ok {
            return Err(bad_request(format!("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid method parameter name specified: {k}]")));
        }
    }
    Ok(())
}

fn check_authorization(kind: &str) -> Result<(), AwsError> {
    match kind {
        "NONE" | "CUSTOM" | "COGNITO_USER_POOLS" | "AWS_IAM" => Ok(()),
        other => Err(bad_request(format!("Invalid authorization type specified: {other}"))),
    }
}

/// CUSTOM and COGNITO_USER_POOLS methods name an authorizer of their kind; others name none.
fn check_method_authorizer(api: &RestApi, m: &Method) -> Result<(), AwsError> {
    match m.authorization_type.as_str() {
        "CUSTOM" | "COGNITO_USER_POOLS" => {
            let a = m.authorizer_id.as_deref().and_then(|id| api.authorizers.get(id)).ok_or_else(|| bad_request("Invalid authorizer ID specified"))?;
            let cognito = a.kind == "COGNITO_USER_POOLS";
            if cognito != (m.authorization_type == "COGNITO_USER_POOLS") {
                return Err(bad_request(format!("Authorizer {} of type {} cannot be used with authorizationType {}", a.id, a.kind, m.authorization_type)));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

pub fn put_method(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    input.refuse(&["requestModels", "requestValidatorId", "authorizationScopes"])?;
    let (mut api, rid) = locate(gw, cx, &input)?;
    let method = method_name(&input)?;
    let authorization_type = input.string("authorizationType")?.unwrap_or("");
    check_authorization(authorization_type)?;
    let request_parameters = input.bool_map("requestParameters")?;
    check_request_parameters(&request_parameters)?;
    let resource = api.resources.get_mut(&rid).ok_or_else(resource_not_found)?;
    if resource.methods.contains_key(method) {
        return Err(conflict("Method already exists for this resource"));
    }
    let m = Method {
        http_method: method.to_string(),
        authorization_type: authorization_type.to_string(),
        authorizer_id: input.string("authorizerId")?.filter(|a| !a.is_empty()).map(str::to_string),
        api_key_required: input.bool("apiKeyRequired")?.unwrap_or(false),
        operation_name: input.string("operationName")?.map(str::to_string),
        request_validator_id: None,
        request_parameters,
        request_models: BTreeMap::new(),
        method_responses: BTreeMap::new(),
        integration: None,
    };
    let mut m = m;
    if !matches!(m.authorization_type.as_str(), "CUSTOM" | "COGNITO_USER_POOLS") {
        m.authorizer_id = None;
    }
    let out = m.to_json();
    resource.methods.insert(method.to_string(), m.clone());
    check_method_authorizer(&api, &m)?;
    commit(gw, cx, api)?;
    Ok(out)
}

pub fn get_method(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let (mut api, rid) = locate(gw, cx, &input)?;
    Ok(method_mut(&mut api, &rid, method_name(&input)?)?.to_json())
}

pub fn delete_method(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let (mut api, rid) = locate(gw, cx, &input)?;
    let method = method_name(&input)?;
    api.resources.get_mut(&rid).and_then(|r| r.methods.remove(method)).ok_or_else(method_not_found)?;
    commit(gw, cx, api)?;
    Ok(json!({}))
}

pub fn update_method(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let ops = patch::operations(&input)?;
    let (mut api, rid) = locate(gw, cx, &input)?;
    let m = method_mut(&mut api, &rid, method_name(&input)?)?;
    for op in &ops {
        match (op.op.as_str(), op.path.as_str()) {
            ("replace", "/authorizationType") => {
                let v = op.required_value()?;
                check_authorization(v)?;
                m.authorization_type = v.to_string();
            }
            ("replace", "/apiKeyRequired") => m.api_key_required = op.bool_value()?,
            ("replace", "/authorizerId") => m.authorizer_id = op.value.clone().filter(|v| !v.is_empty()),
            ("replace", "/operationName") => m.operation_name = op.value.clone(),
            (kind, p) if p.starts_with("/requestParameters/") => {
                let name = patch::unescape(&p["/requestParameters/".len()..]);
                match kind {
                    "add" | "replace" => {
                        let one = BTreeMap::from([(name.clone(), false)]);
                        check_request_parameters(&one)?;
                        let required = match op.value.as_deref() {
                            None | Some("") => false,
                            Some(_) => op.bool_value()?,
                        };
                        m.request_parameters.insert(name, required);
                    }
                    "remove" => {
                        m.request_parameters.remove(&name);
                    }
                    _ => return Err(op.invalid()),
                }
            }
            _ => return Err(op.invalid()),
        }
    }
    if !matches!(m.authorization_type.as_str(), "CUSTOM" | "COGNITO_USER_POOLS") {
        m.authorizer_id = None;
    }
    let out = m.to_json();
    let m = m.clone();
    check_method_authorizer(&api, &m)?;
    commit(gw, cx, api)?;
    Ok(out)
}

// ---- Method responses ------------------------------------------------------------------------

fn status_code<'a>(input: &Input<'a>) -> Result<&'a str, AwsError> {
    let s = input.required("statusCode", response_not_found)?;
    let b = s.as_bytes();
    if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1].is_ascii_digit() && b[2].is_ascii_digit() {
        Ok(s)
    } else {
        Err(bad_request("Invalid Response status code specified"))
    }
}

pub fn put_method_response(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    input.refuse(&["responseModels"])?;
    let (mut api, rid) = locate(gw, cx, &input)?;
    let m = method_mut(&mut api, &rid, method_name(&input)?)?;
    let code = status_code(&input)?;
    let response_parameters = input.bool_map("responseParameters")?;
    for k in response_parameters.keys() {
        if !k.strip_prefix("method.response.header.").is_some_and(|n| !n.is_empty()) {
            return Err(bad_request(format!("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid response parameter name specified: {k}]")));
        }
    }
    if m.method_responses.contains_key(code) {
        return Err(conflict("Response already exists for this resource"));
    }
    let r = MethodResponse { status_code: code.to_string(), response_parameters, response_models: BTreeMap::new() };
    let out = r.to_json();
    m.method_responses.insert(code.to_string(), r);
    commit(gw, cx, api)?;
    Ok(out)
}

pub fn get_method_response(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let (mut api, rid) = locate(gw, cx, &input)?;
    let m = method_mut(&mut api, &rid, method_name(&input)?)?;
    Ok(m.method_responses.get(status_code(&input)?).ok_or_else(response_not_found)?.to_json())
}

pub fn delete_method_response(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let (mut api, rid) = locate(gw, cx, &input)?;
    let m = method_mut(&mut api, &rid, method_name(&input)?)?;
    m.method_responses.remove(status_code(&input)?).ok_or_else(response_not_found)?;
    commit(gw, cx, api)?;
    Ok(json!({}))
}

// ---- Integrations ----------------------------------------------------------------------------

/// The function ARN in a Lambda integration URI
/// (`arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function arn}/invocations`).
pub fn lambda_function(uri: &str) -> Option<&str> {
    let rest = uri.strip_prefix("arn:aws:apigateway:")?;
    let (_region, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("lambda:path/")?;
    let rest = rest.split_once("/functions/")?.1;
    let f = rest.strip_suffix("/invocations")?;
    (!f.is_empty()).then_some(f)
}

pub(crate) fn check_integration(i: &Integration) -> Result<(), AwsError> {
    if !INTEGRATION_TYPES.contains(&i.kind.as_str()) {
        return Err(bad_request(format!("Invalid integration type specified. Valid options are {}", INTEGRATION_TYPES.join(","))));
    }
    if i.kind != "MOCK" {
        match i.http_method.as_deref() {
            None | Some("") => return Err(bad_request("Enumeration value for HttpMethod must be non-empty")),
            Some(m) if !HTTP_METHODS.contains(&m) => return Err(bad_request(format!("Invalid HttpMethod specified. Valid options are {}", HTTP_METHODS.join(",")))),
            _ => {}
        }
        let uri = i.uri.as_deref().unwrap_or("");
        match i.kind.as_str() {
            "HTTP" | "HTTP_PROXY" => {
                if !(uri.starts_with("http://") || uri.starts_with("https://")) || uri.len() < 10 {
                    return Err(bad_request("Invalid HTTP endpoint specified for URI"));
                }
            }
            _ => {
                if !uri.starts_with("arn:aws:apigateway:") {
                    return Err(bad_request("Invalid ARN specified in the request"));
                }
                if !uri.contains(":path/") && !uri.contains(":action/") {
                    return Err(bad_request("AWS ARN for integration must contain path or action"));
                }
                if i.kind == "AWS_PROXY" && lambda_function(uri).is_none() {
                    return Err(bad_request("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."));
                }
            }
        }
    }
    if let Some(c) = &i.credentials {
        if c == "arn:aws:iam::*:user/*" {
            return Err(bad_request("Passing the caller's credentials (arn:aws:iam::*:user/*) is not supported in the Gureum sandbox yet: integrations run with a role."));
        }
        let role = c.strip_prefix("arn:aws:iam::").and_then(|r| r.split_once(":role/"));
        if !role.is_some_and(|(acct, name)| acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()) {
            return Err(bad_request("Invalid ARN specified in the request"));
        }
        if i.kind == "MOCK" || i.kind.starts_with("HTTP") {
            return Err(bad_request("Credentials are only supported for integrations of type AWS and AWS_PROXY."));
        }
    }
    if !["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"].contains(&i.passthrough_behavior.as_str()) {
        return Err(bad_request(format!("Invalid passthrough behavior specified: {}", i.passthrough_behavior)));
    }
    if let Some(c) = &i.content_handling {
        if !["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"].contains(&c.as_str()) {
            return Err(bad_request(format!("Invalid content handling specified: {c}")));
        }
    }
    if !(TIMEOUT_MIN_MS..=TIMEOUT_MAX_MS).contains(&i.timeout_in_millis) {
        return Err(bad_request(format!("Timeout should be between {TIMEOUT_MIN_MS} ms and {TIMEOUT_MAX_MS} ms")));
    }
    for (k, v) in &i.request_parameters {
        let target_ok =
            ["integration.request.path.", "integration.request.querystring.", "integration.request.header."].iter().any(|p| k.strip_prefix(p).is_some_and(|n| !n.is_empty()));
        if !target_ok || v.is_empty() {
            return Err(bad_request(format!("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: {v}]")));
        }
    }
    Ok(())
}

pub fn put_integration(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    input.refuse(&["connectionId", "tlsConfig"])?;
    let (mut api, rid) = locate(gw, cx, &input)?;
    let m = method_mut(&mut api, &rid, method_name(&input)?)?;
    let connection_type = input.string("connectionType")?.unwrap_or("INTERNET");
    if connection_type != "INTERNET" {
        return Err(bad_request(format!("connectionType {connection_type} (VPC links) is not supported in the Gureum sandbox yet.")));
    }
    let integration = Integration {
        kind: input.string("type")?.unwrap_or("").to_string(),
        http_method: input.string("integrationHttpMethod")?.map(str::to_string),
        uri: input.string("uri")?.map(str::to_string),
        credentials: input.string("credentials")?.filter(|c| !c.is_empty()).map(str::to_string),
        request_parameters: input.string_map("requestParameters")?,
        request_templates: input.string_map("requestTemplates")?,
        passthrough_behavior: input.string("passthroughBehavior")?.unwrap_or("WHEN_NO_MATCH").to_string(),
        content_handling: input.string("contentHandling")?.map(str::to_string),
        timeout_in_millis: input.int("timeoutInMillis")?.unwrap_or(TIMEOUT_MAX_MS),
        cache_namespace: input.string("cacheNamespace")?.unwrap_or(&rid).to_string(),
        cache_key_parameters: input.strings("cacheKeyParameters")?,
        connection_type: connection_type.to_string(),
        integration_responses: BTreeMap::new(),
    };
    let mut integration = integration;
    if integration.kind == "MOCK" {
        // AWS keeps no method or URI on a MOCK integration.
        integration.http_method = None;
        integration.uri = None;
    }
    check_integration(&integration)?;
    let out = integration.to_json();
    m.integration = Some(integration);
    commit(gw, cx, api)?;
    Ok(out)
}

fn integration_mut<'a>(api: &'a mut RestApi, rid: &str, method: &str) -> Result<&'a mut Integration, AwsError> {
    method_mut(api, rid, method)?.integration.as_mut().ok_or_else(integration_not_found)
}

pub fn get_integration(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let (mut api, rid) = locate(gw, cx, &input)?;
    Ok(integration_mut(&mut api, &rid, method_name(&input)?)?.to_json())
}

pub fn delete_integration(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let (mut api, rid) = locate(gw, cx, &input)?;
    let m = method_mut(&mut api, &rid, method_name(&input)?)?;
    m.integration.take().ok_or_else(integration_not_found)?;
    commit(gw, cx, api)?;
    Ok(json!({}))
}

pub fn update_integration(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let ops = patch::operations(&input)?;
    let (mut api, rid) = locate(gw, cx, &input)?;
    let i = integration_mut(&mut api, &rid, method_name(&input)?)?;
    for op in &ops {
        apply_integration_op(i, op)?;
    }
    check_integration(i)?;
    let out = i.to_json();
    commit(gw, cx, api)?;
    Ok(out)
}

pub(super) fn map_op(map: &mut BTreeMap<String, String>, op: &PatchOp, key: String) -> Result<(), AwsError> {
    match op.op.as_str() {
        "add" | "replace" => {
            map.insert(key, op.value.clone().unwrap_or_default());
        }
        "remove" => {
            map.remove(&key);
        }
        _ => return Err(op.invalid()),
    }
    Ok(())
}

fn apply_integration_op(i: &mut Integration, op: &PatchOp) -> Result<(), AwsError> {
    match (op.op.as_str(), op.path.as_str()) {
        ("replace", "/uri") => i.uri = op.value.clone(),
        ("replace", "/httpMethod") => i.http_method = op.value.clone(),
        ("replace", "/credentials") => i.credentials = op.value.clone().filter(|v| !v.is_empty()),
        ("replace", "/passthroughBehavior") => i.passthrough_behavior = op.required_value()?.to_string(),
        ("replace", "/contentHandling") => i.content_handling = op.value.clone().filter(|v| !v.is_empty()),
        ("replace", "/timeoutInMillis") => i.timeout_in_millis = op.required_value()?.parse().map_err(|_| bad_request("Invalid timeoutInMillis"))?,
        ("replace", "/cacheNamespace") => i.cache_namespace = op.required_value()?.to_string(),
        (_, p) if p.starts_with("/requestTemplates/") => map_op(&mut i.request_templates, op, patch::unescape(&p["/requestTemplates/".len()..]))?,
        (_, p) if p.starts_with("/requestParameters/") => map_op(&mut i.request_parameters, op, patch::unescape(&p["/requestParameters/".len()..]))?,
        _ => return Err(op.invalid()),
    }
    Ok(())
}

// ---- Integration responses -------------------------------------------------------------------

pub fn put_integration_response(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let (mut api, rid) = locate(gw, cx, &input)?;
    let m = method_mut(&mut api, &rid, method_name(&input)?)?;
    let code = status_code(&input)?;
    if !m.method_responses.contains_key(code) {
        return Err(response_not_found());
    }
    let response_parameters = input.string_map("responseParameters")?;
    for k in response_parameters.keys() {
        if !m.method_responses[code].response_parameters.contains_key(k) {
            return Err(bad_request(format!("Invalid mapping expression specified: Validation Result: warnings : [], errors : [No method response exists for method. {k}]")));
        }
    }
    let i = m.integration.as_mut().ok_or_else(integration_not_found)?;
    let content_handling = input.string("contentHandling")?.map(str::to_string);
    if let Some(c) = &content_handling {
        if !["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"].contains(&c.as_str()) {
            return Err(bad_request(format!("Invalid content handling specified: {c}")));
        }
    }
    let r = IntegrationResponse {
        status_code: code.to_string(),
        selection_pattern: input.string("selectionPattern")?.map(str::to_string),
        response_parameters,
        response_templates: input.string_map("responseTemplates")?,
        content_handling,
    };
    if let Some(p) = &r.selection_pattern {
        super::regex::Regex::new(p).map_err(|e| bad_request(format!("Invalid selection pattern specified: {e}")))?;
    }
    let out = r.to_json();
    i.integration_responses.insert(code.to_string(), r);
    commit(gw, cx, api)?;
    Ok(out)
}

pub fn get_integration_response(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let (mut api, rid) = locate(gw, cx, &input)?;
    let i = integration_mut(&mut api, &rid, method_name(&input)?)?;
    Ok(i.integration_responses.get(status_code(&input)?).ok_or_else(response_not_found)?.to_json())
}

pub fn delete_integration_response(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let (mut api, rid) = locate(gw, cx, &input)?;
    let i = integration_mut(&mut api, &rid, method_name(&input)?)?;
    i.integration_responses.remove(status_code(&input)?).ok_or_else(response_not_found)?;
    commit(gw, cx, api)?;
    Ok(json!({}))
}

// ---- Deployments -----------------------------------------------------------------------------

fn check_stage_name(name: &str) -> Result<(), AwsError> {
    if !name.is_empty() && name.len() <= 128 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(())
    } else {
        Err(bad_request("Stage name only allows a-zA-Z0-9_"))
    }
}

fn check_variables(vars: &BTreeMap<String, String>) -> Result<(), AwsError> {
    for (k, v) in vars {
        if k.is_empty() || k.len() > 64 || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(bad_request(format!(
                "Stage variable name {k} is invalid. Stage variable names must only contain alphanumeric characters and underscores and be 1 to 64 characters long."
            )));
        }
        if v.len() > 512 || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#&=,".contains(&b)) {
            return Err(bad_request(format!("Stage variable value {v} is invalid. Stage variable values must only contain alphanumeric characters and the characters -._~:/?#&=, and be at most 512 characters long.")));
        }
    }
    Ok(())
}

pub fn create_deployment(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    input.refuse(&["cacheClusterEnabled", "cacheClusterSize", "canarySettings"])?;
    let id = api_id(cx, &input)?.to_string();
    let api = gw.api(cx, &id)?;
    let methods: Vec<&Method> = api.resources.values().flat_map(|r| r.methods.values()).collect();
    if methods.is_empty() {
        return Err(bad_request("The REST API doesn't contain any methods"));
    }
    if methods.iter().any(|m| m.integration.is_none()) {
        return Err(bad_request("No integration defined for method"));
    }
    let stage_name = input.string("stageName")?.filter(|s| !s.is_empty());
    if let Some(s) = stage_name {
        check_stage_name(s)?;
    }
    let variables = input.string_map("variables")?;
    check_variables(&variables)?;
    let stage_description = input.string("stageDescription")?;
    let tracing = input.bool("tracingEnabled")?;
    let deployment = Deployment {
        id: new_id(cx),
        description: input.string("description")?.map(str::to_string),
        created_date: now_s(cx),
        resources: api.resources.clone(),
        authorizers: api.authorizers.clone(),
        gateway_responses: api.gateway_responses.clone(),
        policy: api.policy.clone(),
    };
    let out = deployment.to_json();
    let region = cx.region.to_string();
    cx.journal.put_json(deployment_key(&region, &id, &deployment.id), &deployment);
    let now = now_s(cx);
    let api = gw.api_mut(cx, &id)?;
    if let Some(s) = stage_name {
        let stage = api.stages.entry(s.to_string()).or_insert_with(|| Stage {
            stage_name: s.to_string(),
            deployment_id: String::new(),
            description: stage_description.map(str::to_string),
            variables: BTreeMap::new(),
            tracing_enabled: false,
            tags: BTreeMap::new(),
            created_date: now,
            last_updated_date: now,
        });
        stage.deployment_id = deployment.id.clone();
        stage.variables.extend(variables);
        if let Some(t) = tracing {
            stage.tracing_enabled = t;
        }
        stage.last_updated_date = now;
        cx.journal.put_json(stage_key(&region, &id, s), &*stage);
    }
    api.deployments.insert(deployment.id.clone(), deployment);
    Ok(out)
}

pub fn get_deployment(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let api = gw.api(cx, api_id(cx, &input)?)?;
    let d = input.required("deploymentId", deployment_not_found)?;
    Ok(api.deployments.get(d).ok_or_else(deployment_not_found)?.to_json())
}

pub fn get_deployments(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let api = gw.api(cx, api_id(cx, &input)?)?;
    let mut all: Vec<&Deployment> = api.deployments.values().collect();
    all.sort_by(|a, b| a.created_date.cmp(&b.created_date).then(a.id.cmp(&b.id)));
    let (items, next) = page(all, &input, |d| &d.id)?;
    Ok(list_answer("item", items.iter().map(|d| d.to_json()).collect(), next))
}

pub fn delete_deployment(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = api_id(cx, &input)?.to_string();
    let d = input.required("deploymentId", deployment_not_found)?.to_string();
    let region = cx.region.to_string();
    let api = gw.api_mut(cx, &id)?;
    if !api.deployments.contains_key(&d) {
        return Err(deployment_not_found());
    }
    if api.stages.values().any(|s| s.deployment_id == d) {
        return Err(bad_request("Active stages pointing to this deployment must be moved or deleted"));
    }
    api.deployments.remove(&d);
    cx.journal.delete(deployment_key(&region, &id, &d));
    Ok(json!({}))
}

// ---- Stages ----------------------------------------------------------------------------------

pub fn create_stage(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    input.refuse(&["cacheClusterEnabled", "cacheClusterSize", "canarySettings", "documentationVersion"])?;
    let id = api_id(cx, &input)?.to_string();
    let name = input.string("stageName")?.unwrap_or("");
    check_stage_name(name)?;
    let deployment_id = input.string("deploymentId")?.unwrap_or("");
    let variables = input.string_map("variables")?;
    check_variables(&variables)?;
    let now = now_s(cx);
    let stage = Stage {
        stage_name: name.to_string(),
        deployment_id: deployment_id.to_string(),
        description: input.string("description")?.map(str::to_string),
        variables,
        tracing_enabled: input.bool("tracingEnabled")?.unwrap_or(false),
        tags: input.string_map("tags")?,
        created_date: now,
        last_updated_date: now,
    };
    let region = cx.region.to_string();
    let api = gw.api_mut(cx, &id)?;
    if !api.deployments.contains_key(deployment_id) {
        return Err(deployment_not_found());
    }
    if api.stages.contains_key(name) {
        return Err(conflict("Stage already exists"));
    }
    cx.journal.put_json(stage_key(&region, &id, name), &stage);
    let out = stage.to_json();
    api.stages.insert(name.to_string(), stage);
    Ok(out)
}

pub fn get_stage(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let api = gw.api(cx, api_id(cx, &input)?)?;
    let name = input.required("stageName", stage_not_found)?;
    Ok(api.stages.get(name).ok_or_else(stage_not_found)?.to_json())
}

pub fn get_stages(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let api = gw.api(cx, api_id(cx, &input)?)?;
    let deployment = input.string("deploymentId")?;
    let items: Vec<Value> = api.stages.values().filter(|s| deployment.is_none_or(|d| s.deployment_id == d)).map(Stage::to_json).collect();
    Ok(json!({ "item": items }))
}

pub fn update_stage(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let ops = patch::operations(&input)?;
    let id = api_id(cx, &input)?.to_string();
    let name = input.required("stageName", stage_not_found)?.to_string();
    let now = now_s(cx);
    let region = cx.region.to_string();
    let api = gw.api_mut(cx, &id)?;
    let mut stage = api.stages.get(&name).ok_or_else(stage_not_found)?.clone();
    for op in &ops {
        match (op.op.as_str(), op.path.as_str()) {
            ("replace", "/deploymentId") => {
                let d = op.required_value()?;
                if !api.deployments.contains_key(d) {
                    return Err(deployment_not_found());
                }
                stage.deployment_id = d.to_string();
            }
            ("replace", "/description") => stage.description = op.value.clone(),
            ("replace", "/tracingEnabled") => stage.tracing_enabled = op.bool_value()?,
            (_, p) if p.starts_with("/variables/") => {
                let key = patch::unescape(&p["/variables/".len()..]);
                map_op(&mut stage.variables, op, key)?;
                check_variables(&stage.variables)?;
            }
            _ => return Err(op.invalid()),
        }
    }
    stage.last_updated_date = now;
    cx.journal.put_json(stage_key(&region, &id, &name), &stage);
    let out = stage.to_json();
    api.stages.insert(name, stage);
    Ok(out)
}

pub fn delete_stage(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = api_id(cx, &input)?.to_string();
    let name = input.required("stageName", stage_not_found)?.to_string();
    let region = cx.region.to_string();
    let api = gw.api_mut(cx, &id)?;
    api.stages.remove(&name).ok_or_else(stage_not_found)?;
    cx.journal.delete(stage_key(&region, &id, &name));
    Ok(json!({}))
}
