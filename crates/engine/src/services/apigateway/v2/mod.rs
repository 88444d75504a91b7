//! Amazon API Gateway HTTP APIs (`apigatewayv2`, REST-JSON under `/v2/apis`), answered by the
//! API Gateway service as the endpoint name `apigatewayv2`: APIs (quick create with `target` and
//! `routeKey`), routes, integrations (Lambda AWS_PROXY with payload format 1.0 or 2.0), JWT and
//! Lambda REQUEST authorizers, CORS configuration, stages (auto-deploy, `$default`, stage
//! variables, throttling per stage and route) and deployments (snapshots of the routes,
//! integrations, authorizers and CORS).
//!
//! Records: `apigateway/{region}/httpapi/{id}` (the API with its routes, integrations,
//! authorizers and stages) and `.../httpapi/{id}/deployment/{id}`. See [`invoke`] for the data
//! plane, reached through execute-api's Invoke.

pub mod invoke;
pub mod model;

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use super::{
    control::{lambda_function, new_id},
    errors::{bad_request, conflict, not_found, Input},
    usage::Bucket,
    ApiGateway,
};
use crate::kernel::{error::AwsError, service::Cx, time::iso8601};
use model::*;

/// HTTP APIs by region and id, and their throttling buckets (not journaled).
#[derive(Debug, Default)]
pub struct HttpApis {
    pub apis: BTreeMap<String, BTreeMap<String, HttpApi>>,
    /// (api, stage, route key) → bucket.
    pub buckets: HashMap<(String, String, String), Bucket>,
}

pub const ROUTE_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];

pub fn api_record(region: &str, id: &str) -> String {
    format!("apigateway/{region}/httpapi/{id}")
}

pub fn deployment_record(region: &str, api: &str, id: &str) -> String {
    format!("apigateway/{region}/httpapi/{api}/deployment/{id}")
}

fn api_not_found(cx: &Cx, id: &str) -> AwsError {
    not_found(format!("Invalid API identifier specified {}:{id}", cx.account.id))
}

fn missing(what: &str) -> AwsError {
    bad_request(format!("{what} is required"))
}

impl HttpApis {
    pub fn get(&self, region: &str, id: &str) -> Option<&HttpApi> {
        self.apis.get(region)?.get(id)
    }
}

fn api_mut<'a>(gw: &'a mut ApiGateway, cx: &Cx, input: &Input) -> Result<&'a mut HttpApi, AwsError> {
    let id = input.string("apiId")?.unwrap_or("");
    let err = api_not_found(cx, id);
    gw.http.apis.get_mut(cx.region).and_then(|r| r.get_mut(id)).ok_or(err)
}

fn save(cx: &mut Cx, api: &HttpApi) {
    cx.journal.put_json(api_record(cx.region, &api.api_id), api);
}

/// A change to the routes, integrations, authorizers or CORS: every auto-deploy stage gets a new
/// deployment of it.
fn changed(cx: &mut Cx, api: &mut HttpApi) {
    let auto: Vec<String> = api.stages.values().filter(|s| s.auto_deploy).map(|s| s.stage_name.clone()).collect();
    for stage in auto {
        deploy(cx, api, Some(&stage), None, true);
    }
    save(cx, api);
}

/// Makes a deployment (and points `stage` at it).
fn deploy(cx: &mut Cx, api: &mut HttpApi, stage: Option<&str>, description: Option<String>, auto: bool) -> Deployment {
    let now = iso8601(cx.now_ms);
    let d = Deployment { deployment_id: new_id(cx), deployment_status: "DEPLOYED".into(), created_date: now.clone(), description, auto_deployed: auto, snapshot: api.snapshot() };
    cx.journal.put_json(deployment_record(cx.region, &api.api_id, &d.deployment_id), &d);
    api.deployments.insert(d.deployment_id.clone(), d.clone());
    if let Some(s) = stage.and_then(|s| api.stages.get_mut(s)) {
        s.deployment_id = Some(d.deployment_id.clone());
        s.last_updated_date = now;
        if auto {
            s.last_deployment_status_message = Some(format!("Successfully deployed stage with deployment ID '{}'", d.deployment_id));
        }
    }
    d
}

fn paged(items: Vec<Value>, input: &Input) -> Result<Value, AwsError> {
    let max = match input.get("maxResults") {
        None => 100,
        Some(v) => v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).filter(|n| *n > 0).ok_or_else(|| bad_request("maxResults must be a positive integer"))?,
    } as usize;
    let start = match input.string("nextToken")? {
        None => 0,
        Some(t) => t.parse::<usize>().ok().filter(|n| *n <= items.len()).ok_or_else(|| bad_request("Invalid nextToken"))?,
    };
    let page: Vec<Value> = items.iter().skip(start).take(max).cloned().collect();
    let mut out = json!({ "items": page });
    if start + max < items.len() {
        out["nextToken"] = json!((start + max).to_string());
    }
    Ok(out)
}

fn read_cors(v: Option<&Value>) -> Result<Option<Cors>, AwsError> {
    let Some(v) = v.filter(|v| !v.is_null()) else { return Ok(None) };
    let cors: Cors = serde_json::from_value(v.clone()).map_err(|e| bad_request(format!("Invalid CORS configuration: {e}")))?;
    if let Some(age) = cors.max_age {
        if !(-1..=86_400).contains(&age) {
            return Err(bad_request("CORS maxAge must be between -1 and 86400"));
        }
    }
    if cors.allow_credentials == Some(true) && cors.allow_origins.iter().any(|o| o == "*") {
        return Err(bad_request("allow-credentials is not supported when allow-origins is '*'. Specify the allowed origins instead."));
    }
    Ok(Some(cors))
}

/// `$default`, or `METHOD /path` with `{name}` segments and at most one greedy `{name+}` at the end.
pub fn check_route_key(key: &str) -> Result<(), AwsError> {
    if key == "$default" {
        return Ok(());
    }
    let invalid =
        || bad_request(format!("Unable to create route with route key '{key}'. Route keys must be '$default' or an HTTP method followed by a path, such as 'GET /pets/{{id}}'."));
    let (method, path) = key.split_once(' ').ok_or_else(invalid)?;
    if !ROUTE_METHODS.contains(&method) || !path.starts_with('/') || path.contains(' ') || path.contains("//") {
        return Err(invalid());
    }
    let segs: Vec<&str> = path.split('/').skip(1).filter(|s| !s.is_empty()).collect();
    let mut names = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        if let Some(inner) = s.strip_prefix('{') {
            let name = inner.strip_suffix('}').ok_or_else(invalid)?;
            let (name, greedy) = name.strip_suffix('+').map(|n| (n, true)).unwrap_or((name, false));
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') || (greedy && i + 1 != segs.len()) || names.contains(&name) {
                return Err(invalid());
            }
            names.push(name);
        } else if s.contains('{') || s.contains('}') {
            return Err(invalid());
        }
    }
    Ok(())
}

// ---- APIs ------------------------------------------------------------------------------------

pub fn create_api(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    input.refuse(&["credentialsArn"])?;
    let name = input.string("name")?.filter(|n| !n.is_empty()).ok_or_else(|| missing("Name"))?.to_string();
    match input.string("protocolType")? {
        Some("HTTP") => {}
        Some("WEBSOCKET") => return Err(bad_request("WEBSOCKET APIs are not simulated in the Gureum sandbox yet: only HTTP APIs.")),
        Some(other) => return Err(bad_request(format!("Invalid protocol type {other}: must be HTTP or WEBSOCKET"))),
        None => return Err(missing("ProtocolType")),
    }
    let cors = read_cors(input.get("corsConfiguration"))?;
    let (target, route_key) = (input.string("target")?, input.string("routeKey")?);
    if route_key.is_some() && target.is_none() {
        return Err(bad_request("RouteKey can only be specified with Target (quick create)."));
    }
    let route_key = route_key.unwrap_or("$default");
    if target.is_some() {
        check_route_key(route_key)?;
    }
    if let Some(t) = target {
        if t.starts_with("http://") || t.starts_with("https://") {
            return Err(bad_request("HTTP_PROXY integrations are not simulated in the Gureum sandbox: the engine does no network I/O. Target a Lambda function ARN."));
        }
        if !t.starts_with("arn:aws:lambda:") {
            return Err(bad_request(format!("Invalid target {t}: must be a Lambda function ARN or an HTTP URL")));
        }
    }
    let now = iso8601(cx.now_ms);
    let mut api = HttpApi {
        api_id: new_id(cx),
        name,
        protocol_type: "HTTP".into(),
        description: input.string("description")?.map(str::to_string),
        version: input.string("version")?.map(str::to_string),
        created_date: now.clone(),
        route_selection_expression: input.string("routeSelectionExpression")?.unwrap_or("$request.method $request.path").to_string(),
        api_key_selection_expression: input.string("apiKeySelectionExpression")?.unwrap_or("$request.header.x-api-key").to_string(),
        disable_execute_api_endpoint: input.bool("disableExecuteApiEndpoint")?.unwrap_or(false),
        cors_configuration: cors,
        tags: input.string_map("tags")?,
        routes: BTreeMap::new(),
        integrations: BTreeMap::new(),
        authorizers: BTreeMap::new(),
        stages: BTreeMap::new(),
        deployments: BTreeMap::new(),
    };
    if api.route_selection_expression != "$request.method $request.path" {
        return Err(bad_request("HTTP APIs' routeSelectionExpression must be '$request.method $request.path'"));
    }
    // Quick create: a Lambda proxy integration, a route to it and the auto-deployed `$default` stage.
    if let Some(t) = target {
        let integration = Integration {
            integration_id: new_id(cx)[..7].to_string(),
            integration_type: "AWS_PROXY".into(),
            integration_uri: Some(t.to_string()),
            integration_method: Some("POST".into()),
            payload_format_version: "2.0".into(),
            timeout_in_millis: 30_000,
            connection_type: "INTERNET".into(),
            description: None,
            api_gateway_managed: true,
        };
        let route = Route { target: Some(format!("integrations/{}", integration.integration_id)), api_gateway_managed: true, ..Route::new(new_id(cx)[..7].to_string(), route_key) };
        api.integrations.insert(integration.integration_id.clone(), integration);
        api.routes.insert(route.route_id.clone(), route);
        api.stages.insert("$default".into(), new_stage("$default", true, now, true));
        deploy(cx, &mut api, Some("$default"), None, true);
    }
    save(cx, &api);
    let out = api.to_json(cx.region);
    gw.http.apis.entry(cx.region.to_string()).or_default().insert(api.api_id.clone(), api);
    Ok(out)
}

fn new_stage(name: &str, auto_deploy: bool, now: String, managed: bool) -> Stage {
    Stage {
        stage_name: name.to_string(),
        auto_deploy,
        deployment_id: None,
        description: None,
        stage_variables: BTreeMap::new(),
        default_route_settings: RouteSettings { detailed_metrics_enabled: Some(false), ..Default::default() },
        route_settings: BTreeMap::new(),
        created_date: now.clone(),
        last_updated_date: now,
        api_gateway_managed: managed,
        last_deployment_status_message: None,
        tags: BTreeMap::new(),
    }
}

pub fn get_api(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    Ok(api_mut(gw, cx, &input)?.to_json(cx.region))
}

pub fn get_apis(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let items: Vec<Value> = gw.http.apis.get(cx.region).into_iter().flat_map(|r| r.values()).map(|a| a.to_json(cx.region)).collect();
    paged(items, &Input(input))
}

pub fn update_api(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    input.refuse(&["credentialsArn", "target", "routeKey"])?;
    let cors = read_cors(input.get("corsConfiguration"))?;
    let mut api = api_mut(gw, cx, &input)?.clone();
    if let Some(n) = input.string("name")? {
        api.name = n.to_string();
    }
    if let Some(d) = input.string("description")? {
        api.description = Some(d.to_string());
    }
    if let Some(v) = input.string("version")? {
        api.version = Some(v.to_string());
    }
    if let Some(b) = input.bool("disableExecuteApiEndpoint")? {
        api.disable_execute_api_endpoint = b;
    }
    let cors_changed = cors.is_some() && cors != api.cors_configuration;
    if cors.is_some() {
        api.cors_configuration = cors;
    }
    if cors_changed {
        changed(cx, &mut api);
    } else {
        save(cx, &api);
    }
    let out = api.to_json(cx.region);
    *api_mut(gw, cx, &input)? = api;
    Ok(out)
}

pub fn delete_api(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = api_mut(gw, cx, &input)?.api_id.clone();
    if let Some(r) = gw.http.apis.get_mut(cx.region) {
        r.remove(&id);
    }
    gw.http.buckets.retain(|(a, _, _), _| *a != id);
    let key = api_record(cx.region, &id);
    cx.journal.delete(key.clone());
    cx.journal.delete_prefix(format!("{key}/"));
    Ok(json!({}))
}

pub fn delete_cors_configuration(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let mut api = api_mut(gw, cx, &input)?.clone();
    api.cors_configuration = None;
    changed(cx, &mut api);
    *api_mut(gw, cx, &input)? = api;
    Ok(json!({}))
}

// ---- Routes ----------------------------------------------------------------------------------

fn route_not_found(id: &str) -> AwsError {
    not_found(format!("Invalid Route identifier specified {id}"))
}

/// Checks a route's target (`integrations/{id}`), authorization and authorizer against the API.
fn check_route(api: &HttpApi, r: &Route) -> Result<(), AwsError> {
    check_route_key(&r.route_key)?;
    if let Some(t) = &r.target {
        let id = t.strip_prefix("integrations/").ok_or_else(|| bad_request(format!("Invalid target {t}: must be integrations/{{integrationId}}")))?;
        if !api.integrations.contains_key(id) {
            return Err(not_found(format!("Invalid Integration identifier specified {id}")));
        }
    }
    match r.authorization_type.as_str() {
        "NONE" => {
            if r.authorizer_id.is_some() {
                return Err(bad_request("Unable to use an authorizer with authorization type NONE"));
            }
        }
        "JWT" | "CUSTOM" => {
            let id = r.authorizer_id.as_deref().ok_or_else(|| bad_request(format!("An authorizer is required for authorization type {}", r.authorization_type)))?;
            let a = api.authorizers.get(id).ok_or_else(|| not_found(format!("Invalid Authorizer identifier specified {id}")))?;
            let want = if r.authorization_type == "JWT" { "JWT" } else { "REQUEST" };
            if a.authorizer_type != want {
                return Err(bad_request(format!("Authorization type {} needs a {want} authorizer; {id} is {}", r.authorization_type, a.authorizer_type)));
            }
        }
        "AWS_IAM" => return Err(bad_request("AWS_IAM authorization of HTTP API routes is not simulated in the Gureum sandbox yet.")),
        other => return Err(bad_request(format!("Invalid authorization type {other}: must be NONE, AWS_IAM, CUSTOM or JWT"))),
    }
    if !r.authorization_scopes.is_empty() && r.authorization_type != "JWT" {
        return Err(bad_request("Authorization scopes are supported only for JWT authorizers"));
    }
    if r.api_key_required {
        return Err(bad_request("API keys are not supported for HTTP APIs"));
    }
    if let Some(other) = api.routes.values().find(|o| o.route_key == r.route_key && o.route_id != r.route_id) {
        return Err(conflict(format!("Route with key {} already exists for this API ({})", r.route_key, other.route_id)));
    }
    Ok(())
}

fn read_route_fields(input: &Input, r: &mut Route) -> Result<(), AwsError> {
    input.refuse(&["requestModels", "requestParameters", "modelSelectionExpression", "routeResponseSelectionExpression"])?;
    if let Some(k) = input.string("routeKey")? {
        r.route_key = k.to_string();
    }
    if input.0.get("target").is_some() {
        r.target = input.string("target")?.filter(|t| !t.is_empty()).map(str::to_string);
    }
    if let Some(t) = input.string("authorizationType")? {
        r.authorization_type = t.to_string();
        if t == "NONE" {
            r.authorizer_id = None;
        }
    }
    if let Some(a) = input.string("authorizerId")? {
        r.authorizer_id = Some(a.to_string()).filter(|a| !a.is_empty());
    }
    if input.get("authorizationScopes").is_some() {
        r.authorization_scopes = input.strings("authorizationScopes")?;
    }
    if let Some(b) = input.bool("apiKeyRequired")? {
        r.api_key_required = b;
    }
    if let Some(o) = input.string("operationName")? {
        r.operation_name = Some(o.to_string());
    }
    Ok(())
}

pub fn create_route(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let mut api = api_mut(gw, cx, &input)?.clone();
    if input.string("routeKey")?.is_none() {
        return Err(missing("RouteKey"));
    }
    let mut r = Route::new(new_id(cx)[..7].to_string(), "");
    read_route_fields(&input, &mut r)?;
    check_route(&api, &r)?;
    let out = r.to_json();
    api.routes.insert(r.route_id.clone(), r);
    changed(cx, &mut api);
    *api_mut(gw, cx, &input)? = api;
    Ok(out)
}

pub fn get_route(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.string("routeId")?.unwrap_or("");
    api_mut(gw, cx, &input)?.routes.get(id).map(Route::to_json).ok_or_else(|| route_not_found(id))
}

pub fn get_routes(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let items = api_mut(gw, cx, &input)?.routes.values().map(Route::to_json).collect();
    paged(items, &input)
}

pub fn update_route(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.string("routeId")?.unwrap_or("").to_string();
    let mut api = api_mut(gw, cx, &input)?.clone();
    let mut r = api.routes.get(&id).cloned().ok_or_else(|| route_not_found(&id))?;
    read_route_fields(&input, &mut r)?;
    check_route(&api, &r)?;
    let out = r.to_json();
    api.routes.insert(id, r);
    changed(cx, &mut api);
    *api_mut(gw, cx, &input)? = api;
    Ok(out)
}

pub fn delete_route(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.string("routeId")?.unwrap_or("").to_string();
    let mut api = api_mut(gw, cx, &input)?.clone();
    api.routes.remove(&id).ok_or_else(|| route_not_found(&id))?;
    changed(cx, &mut api);
    *api_mut(gw, cx, &input)? = api;
    Ok(json!({}))
}

// ---- Integrations ----------------------------------------------------------------------------

fn integration_not_found(id: &str) -> AwsError {
    not_found(format!("Invalid Integration identifier specified {id}"))
}

/// The Lambda function an HTTP API integration calls: its `integrationUri` is the function's ARN
/// or the `arn:aws:apigateway:...:lambda:path/.../invocations` form.
pub fn integration_function(uri: &str) -> Option<&str> {
    if uri.starts_with("arn:aws:lambda:") {
        return Some(uri);
    }
    lambda_function(uri)
}

fn read_integration_fields(input: &Input, i: &mut Integration) -> Result<(), AwsError> {
    input.refuse(&[
        "requestParameters",
        "responseParameters",
        "requestTemplates",
        "templateSelectionExpression",
        "tlsConfig",
        "connectionId",
        "credentialsArn",
        "integrationSubtype",
        "contentHandlingStrategy",
        "passthroughBehavior",
    ])?;
    if let Some(t) = input.string("integrationType")? {
        i.integration_type = t.to_string();
    }
    if let Some(u) = input.string("integrationUri")? {
        i.integration_uri = Some(u.to_string());
    }
    if let Some(m) = input.string("integrationMethod")? {
        i.integration_method = Some(m.to_string());
    }
    if let Some(p) = input.string("payloadFormatVersion")? {
        i.payload_format_version = p.to_string();
    }
    if let Some(t) = input.int("timeoutInMillis")? {
        i.timeout_in_millis = t;
    }
    if let Some(c) = input.string("connectionType")? {
        i.connection_type = c.to_string();
    }
    if let Some(d) = input.string("description")? {
        i.description = Some(d.to_string());
    }
    match i.integration_type.as_str() {
        "AWS_PROXY" => {}
        "HTTP_PROXY" => {
            return Err(bad_request("HTTP_PROXY integrations are not simulated in the Gureum sandbox: the engine does no network I/O. Use a Lambda (AWS_PROXY) integration."))
        }
        "AWS" | "HTTP" | "MOCK" => return Err(bad_request(format!("Integration type {} is not supported for HTTP APIs", i.integration_type))),
        "" => return Err(missing("IntegrationType")),
        other => return Err(bad_request(format!("Invalid integration type {other}"))),
    }
    let uri = i.integration_uri.as_deref().unwrap_or("");
    if integration_function(uri).is_none() {
        return Err(bad_request(format!("Invalid integration URI '{uri}': an AWS_PROXY integration needs a Lambda function ARN (or AWS service integrations, which the sandbox does not simulate for HTTP APIs yet)")));
    }
    if !["1.0", "2.0"].contains(&i.payload_format_version.as_str()) {
        return Err(bad_request(format!("Invalid payload format version {}: must be 1.0 or 2.0", i.payload_format_version)));
    }
    if !(50..=30_000).contains(&i.timeout_in_millis) {
        return Err(bad_request("Timeout must be between 50 milliseconds and 30 seconds."));
    }
    if i.connection_type != "INTERNET" {
        return Err(bad_request("VPC_LINK connections are not simulated in the Gureum sandbox yet."));
    }
    Ok(())
}

pub fn create_integration(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let mut api = api_mut(gw, cx, &input)?.clone();
    if input.string("integrationType")?.is_some_and(|t| t == "AWS_PROXY") && input.string("payloadFormatVersion")?.is_none() {
        return Err(bad_request("PayloadFormatVersion is required for AWS_PROXY integrations of HTTP APIs (1.0 or 2.0)."));
    }
    let mut i = Integration {
        integration_id: new_id(cx)[..7].to_string(),
        integration_type: String::new(),
        integration_uri: None,
        integration_method: None,
        payload_format_version: "1.0".into(),
        timeout_in_millis: 30_000,
        connection_type: "INTERNET".into(),
        description: None,
        api_gateway_managed: false,
    };
    read_integration_fields(&input, &mut i)?;
    let out = i.to_json();
    api.integrations.insert(i.integration_id.clone(), i);
    changed(cx, &mut api);
    *api_mut(gw, cx, &input)? = api;
    Ok(out)
}

pub fn get_integration(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.string("integrationId")?.unwrap_or("");
    api_mut(gw, cx, &input)?.integrations.get(id).map(Integration::to_json).ok_or_else(|| integration_not_found(id))
}

pub fn get_integrations(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let items = api_mut(gw, cx, &input)?.integrations.values().map(Integration::to_json).collect();
    paged(items, &input)
}

pub fn update_integration(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.string("integrationId")?.unwrap_or("").to_string();
    let mut api = api_mut(gw, cx, &input)?.clone();
    let mut i = api.integrations.get(&id).cloned().ok_or_else(|| integration_not_found(&id))?;
    read_integration_fields(&input, &mut i)?;
    let out = i.to_json();
    api.integrations.insert(id, i);
    changed(cx, &mut api);
    *api_mut(gw, cx, &input)? = api;
    Ok(out)
}

pub fn delete_integration(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.string("integrationId")?.unwrap_or("").to_string();
    let mut api = api_mut(gw, cx, &input)?.clone();
    if !api.integrations.contains_key(&id) {
        return Err(integration_not_found(&id));
    }
    let target = format!("integrations/{id}");
    if let Some(r) = api.routes.values().find(|r| r.target.as_deref() == Some(target.as_str())) {
        return Err(conflict(format!("Unable to delete integration {id}: route {} ({}) targets it", r.route_id, r.route_key)));
    }
    api.integrations.remove(&id);
    changed(cx, &mut api);
    *api_mut(gw, cx, &input)? = api;
    Ok(json!({}))
}

// ---- Authorizers -----------------------------------------------------------------------------

fn authorizer_not_found(id: &str) -> AwsError {
    not_found(format!("Invalid Authorizer identifier specified {id}"))
}

fn read_authorizer_fields(input: &Input, a: &mut Authorizer) -> Result<(), AwsError> {
    input.refuse(&["authorizerCredentialsArn", "identityValidationExpression"])?;
    if let Some(n) = input.string("name")? {
        a.name = n.to_string();
    }
    if let Some(t) = input.string("authorizerType")? {
        a.authorizer_type = t.to_string();
    }
    if input.get("identitySource").is_some() {
        a.identity_source = input.strings("identitySource")?;
    }
    if let Some(j) = input.get("jwtConfiguration") {
        let j = Input(j);
        a.jwt_configuration = Some(JwtConfiguration { audience: j.strings("audience")?, issuer: j.string("issuer")?.map(str::to_string) });
    }
    if let Some(u) = input.string("authorizerUri")? {
        a.authorizer_uri = Some(u.to_string());
    }
    if let Some(p) = input.string("authorizerPayloadFormatVersion")? {
        a.authorizer_payload_format_version = Some(p.to_string());
    }
    if let Some(b) = input.bool("enableSimpleResponses")? {
        a.enable_simple_responses = Some(b);
    }
    if let Some(t) = input.int("authorizerResultTtlInSeconds")? {
        a.authorizer_result_ttl_in_seconds = Some(t);
    }
    if a.name.is_empty() {
        return Err(missing("Name"));
    }
    for s in &a.identity_source {
        let ok = ["$request.header.", "$request.querystring.", "$context.", "$stageVariables."].iter().any(|p| s.strip_prefix(p).is_some_and(|r| !r.is_empty()));
        if !ok {
            return Err(bad_request(format!("Invalid identity source {s}: must be $request.header.*, $request.querystring.*, $context.* or $stageVariables.*")));
        }
    }
    match a.authorizer_type.as_str() {
        "JWT" => {
            let j = a.jwt_configuration.as_ref().ok_or_else(|| bad_request("JwtConfiguration is required for JWT authorizers"))?;
            if j.issuer.as_deref().is_none_or(str::is_empty) {
                return Err(bad_request("JwtConfiguration.Issuer is required for JWT authorizers"));
            }
            if j.audience.is_empty() {
                return Err(bad_request("JwtConfiguration.Audience must contain at least one entry"));
            }
            if a.identity_source.len() != 1 || !a.identity_source[0].starts_with("$request.") {
                return Err(bad_request("A JWT authorizer takes exactly one identity source, a header or query string: e.g. $request.header.Authorization"));
            }
            if a.authorizer_uri.is_some() || a.enable_simple_responses == Some(true) {
                return Err(bad_request("authorizerUri and enableSimpleResponses apply to REQUEST authorizers only"));
            }
        }
        "REQUEST" => {
            let uri = a.authorizer_uri.as_deref().ok_or_else(|| bad_request("AuthorizerUri is required for REQUEST authorizers"))?;
            if lambda_function(uri).is_none() {
                return Err(bad_request(format!(
                    "Invalid authorizer URI {uri}: must be arn:aws:apigateway:{{region}}:lambda:path/2015-03-31/functions/{{function arn}}/invocations"
                )));
            }
            match a.authorizer_payload_format_version.as_deref() {
                Some("2.0") => {}
                Some("1.0") => return Err(bad_request("Lambda authorizers with payload format 1.0 are not simulated for HTTP APIs in the Gureum sandbox yet: use 2.0.")),
                _ => return Err(bad_request("AuthorizerPayloadFormatVersion is required for REQUEST authorizers (2.0)")),
            }
            let ttl = a.authorizer_result_ttl_in_seconds.unwrap_or(0);
            if !(0..=3600).contains(&ttl) {
                return Err(bad_request("AuthorizerResultTtlInSeconds must be between 0 and 3600"));
            }
            if ttl > 0 && a.identity_source.is_empty() {
                return Err(bad_request("Identity sources are required when authorizer caching is enabled"));
            }
        }
        "" => return Err(missing("AuthorizerType")),
        other => return Err(bad_request(format!("Invalid authorizer type {other}: must be JWT or REQUEST"))),
    }
    Ok(())
}

pub fn create_authorizer(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let mut api = api_mut(gw, cx, &input)?.clone();
    let mut a = Authorizer {
        authorizer_id: new_id(cx)[..6].to_string(),
        name: String::new(),
        authorizer_type: String::new(),
        identity_source: Vec::new(),
        jwt_configuration: None,
        authorizer_uri: None,
        authorizer_payload_format_version: None,
        enable_simple_responses: None,
        authorizer_result_ttl_in_seconds: None,
    };
    read_authorizer_fields(&input, &mut a)?;
    let out = a.to_json();
    api.authorizers.insert(a.authorizer_id.clone(), a);
    changed(cx, &mut api);
    *api_mut(gw, cx, &input)? = api;
    Ok(out)
}

pub fn get_authorizer(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.string("authorizerId")?.unwrap_or("");
    api_mut(gw, cx, &input)?.authorizers.get(id).map(Authorizer::to_json).ok_or_else(|| authorizer_not_found(id))
}

pub fn get_authorizers(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let items = api_mut(gw, cx, &input)?.authorizers.values().map(Authorizer::to_json).collect();
    paged(items, &input)
}

pub fn update_authorizer(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.string("authorizerId")?.unwrap_or("").to_string();
    let mut api = api_mut(gw, cx, &input)?.clone();
    let mut a = api.authorizers.get(&id).cloned().ok_or_else(|| authorizer_not_found(&id))?;
    read_authorizer_fields(&input, &mut a)?;
    if let Some(r) = api.routes.values().find(|r| r.authorizer_id.as_deref() == Some(id.as_str())) {
        let want = if r.authorization_type == "JWT" { "JWT" } else { "REQUEST" };
        if a.authorizer_type != want {
            return Err(bad_request(format!("Route {} uses authorizer {id} with authorization type {}", r.route_id, r.authorization_type)));
        }
    }
    let out = a.to_json();
    api.authorizers.insert(id, a);
    changed(cx, &mut api);
    *api_mut(gw, cx, &input)? = api;
    Ok(out)
}

pub fn delete_authorizer(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.string("authorizerId")?.unwrap_or("").to_string();
    let mut api = api_mut(gw, cx, &input)?.clone();
    if !api.authorizers.contains_key(&id) {
        return Err(authorizer_not_found(&id));
    }
    if let Some(r) = api.routes.values().find(|r| r.authorizer_id.as_deref() == Some(id.as_str())) {
        return Err(conflict(format!("Unable to delete authorizer {id}: route {} ({}) uses it", r.route_id, r.route_key)));
    }
    api.authorizers.remove(&id);
    changed(cx, &mut api);
    *api_mut(gw, cx, &input)? = api;
    Ok(json!({}))
}

// ---- Stages and deployments ------------------------------------------------------------------

fn stage_not_found(name: &str) -> AwsError {
    not_found(format!("Invalid stage identifier specified {name}"))
}

fn read_settings(v: &Value, what: &str) -> Result<RouteSettings, AwsError> {
    let s: RouteSettings = serde_json::from_value(v.clone()).map_err(|e| bad_request(format!("Invalid {what}: {e}")))?;
    if s.throttling_burst_limit.is_some_and(|b| b < 0) || s.throttling_rate_limit.is_some_and(|r| r < 0.0 || !r.is_finite()) {
        return Err(bad_request(format!("Invalid {what}: throttling limits must not be negative")));
    }
    Ok(s)
}

fn read_stage_fields(input: &Input, api: &HttpApi, s: &mut Stage) -> Result<(), AwsError> {
    input.refuse(&["accessLogSettings", "clientCertificateId"])?;
    if let Some(b) = input.bool("autoDeploy")? {
        s.auto_deploy = b;
    }
    if let Some(d) = input.string("deploymentId")? {
        if !api.deployments.contains_key(d) {
            return Err(not_found(format!("Invalid Deployment identifier specified {d}")));
        }
        s.deployment_id = Some(d.to_string());
    }
    if let Some(d) = input.string("description")? {
        s.description = Some(d.to_string());
    }
    if input.get("stageVariables").is_some() {
        let vars = input.string_map("stageVariables")?;
        for (k, v) in &vars {
            if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(bad_request(format!("Stage variable name {k} must match [A-Za-z0-9_]+")));
            }
            if v.len() > 2048 {
                return Err(bad_request(format!("Stage variable {k} is longer than 2048 characters")));
            }
        }
        s.stage_variables = vars;
    }
    if let Some(v) = input.get("defaultRouteSettings") {
        s.default_route_settings = read_settings(v, "defaultRouteSettings")?;
    }
    if let Some(v) = input.get("routeSettings") {
        let Value::Object(m) = v else { return Err(bad_request("routeSettings must be a map of route keys to settings")) };
        let mut out = BTreeMap::new();
        for (k, v) in m {
            if !api.routes.values().any(|r| &r.route_key == k) {
                return Err(bad_request(format!("Invalid route key {k} in routeSettings: the API has no such route")));
            }
            out.insert(k.clone(), read_settings(v, "routeSettings")?);
        }
        s.route_settings = out;
    }
    if input.get("tags").is_some() {
        s.tags = input.string_map("tags")?;
    }
    Ok(())
}

pub fn create_stage(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let mut api = api_mut(gw, cx, &input)?.clone();
    let name = input.string("stageName")?.filter(|n| !n.is_empty()).ok_or_else(|| missing("StageName"))?.to_string();
    if name != "$default" && (name.len() > 128 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
        return Err(bad_request(format!("Stage name {name} is invalid: use [A-Za-z0-9_-], or $default")));
    }
    if api.stages.contains_key(&name) {
        return Err(conflict(format!("Stage {name} already exists")));
    }
    let mut s = new_stage(&name, false, iso8601(cx.now_ms), false);
    read_stage_fields(&input, &api, &mut s)?;
    let auto = s.auto_deploy;
    api.stages.insert(name.clone(), s);
    if auto {
        deploy(cx, &mut api, Some(&name), None, true);
    }
    save(cx, &api);
    let out = api.stages[&name].to_json();
    *api_mut(gw, cx, &input)? = api;
    Ok(out)
}

pub fn get_stage(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let name = input.string("stageName")?.unwrap_or("");
    api_mut(gw, cx, &input)?.stages.get(name).map(Stage::to_json).ok_or_else(|| stage_not_found(name))
}

pub fn get_stages(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let items = api_mut(gw, cx, &input)?.stages.values().map(Stage::to_json).collect();
    paged(items, &input)
}

pub fn update_stage(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let name = input.string("stageName")?.unwrap_or("").to_string();
    let mut api = api_mut(gw, cx, &input)?.clone();
    let mut s = api.stages.get(&name).cloned().ok_or_else(|| stage_not_found(&name))?;
    let was_auto = s.auto_deploy;
    read_stage_fields(&input, &api, &mut s)?;
    s.last_updated_date = iso8601(cx.now_ms);
    let auto = s.auto_deploy && !was_auto;
    api.stages.insert(name.clone(), s);
    if auto {
        deploy(cx, &mut api, Some(&name), None, true);
    }
    save(cx, &api);
    let out = api.stages[&name].to_json();
    let id = api.api_id.clone();
    gw.http.buckets.retain(|(a, s, _), _| !(*a == id && *s == name));
    *api_mut(gw, cx, &input)? = api;
    Ok(out)
}

pub fn delete_stage(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let name = input.string("stageName")?.unwrap_or("").to_string();
    let mut api = api_mut(gw, cx, &input)?.clone();
    api.stages.remove(&name).ok_or_else(|| stage_not_found(&name))?;
    save(cx, &api);
    *api_mut(gw, cx, &input)? = api;
    Ok(json!({}))
}

pub fn create_deployment(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let mut api = api_mut(gw, cx, &input)?.clone();
    let stage = input.string("stageName")?.map(str::to_string);
    if let Some(s) = &stage {
        let st = api.stages.get(s).ok_or_else(|| stage_not_found(s))?;
        if st.auto_deploy {
            return Err(bad_request(format!("Stage {s} has autoDeploy enabled: it is deployed with every change, and cannot be deployed manually")));
        }
    }
    let d = deploy(cx, &mut api, stage.as_deref(), input.string("description")?.map(str::to_string), false);
    save(cx, &api);
    *api_mut(gw, cx, &input)? = api;
    Ok(d.to_json())
}

pub fn get_deployment(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.string("deploymentId")?.unwrap_or("");
    api_mut(gw, cx, &input)?.deployments.get(id).map(Deployment::to_json).ok_or_else(|| not_found(format!("Invalid Deployment identifier specified {id}")))
}

pub fn get_deployments(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let items = api_mut(gw, cx, &input)?.deployments.values().map(Deployment::to_json).collect();
    paged(items, &input)
}

pub fn delete_deployment(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.string("deploymentId")?.unwrap_or("").to_string();
    let api = api_mut(gw, cx, &input)?;
    if !api.deployments.contains_key(&id) {
        return Err(not_found(format!("Invalid Deployment identifier specified {id}")));
    }
    if let Some(s) = api.stages.values().find(|s| s.deployment_id.as_deref() == Some(id.as_str())) {
        return Err(bad_request(format!("Active stages pointing to this deployment must be moved or deleted: {}", s.stage_name)));
    }
    api.deployments.remove(&id);
    let key = deployment_record(cx.region, &api.api_id, &id);
    cx.journal.delete(key);
    Ok(json!({}))
}

/// The `apigatewayv2` operations.
pub fn call(gw: &mut ApiGateway, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
    match operation {
        "CreateApi" => create_api(gw, cx, input),
        "GetApi" => get_api(gw, cx, input),
        "GetApis" => get_apis(gw, cx, input),
        "UpdateApi" => update_api(gw, cx, input),
        "DeleteApi" => delete_api(gw, cx, input),
        "DeleteCorsConfiguration" => delete_cors_configuration(gw, cx, input),
        "CreateRoute" => create_route(gw, cx, input),
        "GetRoute" => get_route(gw, cx, input),
        "GetRoutes" => get_routes(gw, cx, input),
        "UpdateRoute" => update_route(gw, cx, input),
        "DeleteRoute" => delete_route(gw, cx, input),
        "CreateIntegration" => create_integration(gw, cx, input),
        "GetIntegration" => get_integration(gw, cx, input),
        "GetIntegrations" => get_integrations(gw, cx, input),
        "UpdateIntegration" => update_integration(gw, cx, input),
        "DeleteIntegration" => delete_integration(gw, cx, input),
        "CreateAuthorizer" => create_authorizer(gw, cx, input),
        "GetAuthorizer" => get_authorizer(gw, cx, input),
        "GetAuthorizers" => get_authorizers(gw, cx, input),
        "UpdateAuthorizer" => update_authorizer(gw, cx, input),
        "DeleteAuthorizer" => delete_authorizer(gw, cx, input),
        "CreateStage" => create_stage(gw, cx, input),
        "GetStage" => get_stage(gw, cx, input),
        "GetStages" => get_stages(gw, cx, input),
        "UpdateStage" => update_stage(gw, cx, input),
        "DeleteStage" => delete_stage(gw, cx, input),
        "CreateDeployment" => create_deployment(gw, cx, input),
        "GetDeployment" => get_deployment(gw, cx, input),
        "GetDeployments" => get_deployments(gw, cx, input),
        "DeleteDeployment" => delete_deployment(gw, cx, input),
        _ => Err(AwsError::unknown_operation(format!("Gureum does not implement the API Gateway v2 operation {operation} yet."))),
    }
}

#[cfg(test)]
mod tests;
