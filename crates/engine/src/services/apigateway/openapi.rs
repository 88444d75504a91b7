//! OpenAPI definitions: ImportRestApi and PutRestApi (merge or overwrite) read OpenAPI 3.0 and
//! Swagger 2.0 documents, JSON or YAML, with API Gateway's `x-amazon-apigateway-*` extensions;
//! GetExport writes a stage's deployment back as either, JSON or YAML.
//!
//! What a document becomes: `paths` → resources (`{param}` and `{proxy+}` parts), each operation
//! → a method (`operationId` → operationName; `parameters` in path/query/header → method request
//! parameters, `required` as their flag; `responses` → method responses, their `headers` as
//! `method.response.header.*`), `x-amazon-apigateway-integration` → its integration and
//! integration responses (`responses` keyed by selection pattern, `default` for none),
//! `security` → apiKeyRequired (an `apiKey` scheme named `x-api-key` in the header) or the
//! authorizer of a scheme with `x-amazon-apigateway-authorizer` (+ `-authtype`),
//! `x-amazon-apigateway-api-key-source`, `-binary-media-types`, `-gateway-responses`,
//! `-endpoint-configuration`, `-policy`. What the sandbox does not model (models, request
//! validators, other extensions) is skipped with a warning, as AWS warns on what it ignores; with
//! `failonwarnings=true` a warning fails the import.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use super::{
    authorizers,
    control::{self, check_integration, check_path_part, check_request_parameters, new_id},
    errors::{bad_request, Input},
    model::{Authorizer, Integration, IntegrationResponse, Method, MethodResponse, Resource, RestApi},
    responses::{self, GatewayResponse},
    ApiGateway,
};
use crate::kernel::{error::AwsError, service::Cx};

/// AWS's limit on an imported definition.
const MAX_DOCUMENT_BYTES: usize = 6 * 1024 * 1024;
const VERBS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("x-amazon-apigateway-any-method", "ANY"),
];
/// The extensions this module reads; any other `x-amazon-apigateway-*` is warned about.
const KNOWN_TOP: &[&str] = &[
    "x-amazon-apigateway-api-key-source",
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-gateway-responses",
    "x-amazon-apigateway-endpoint-configuration",
    "x-amazon-apigateway-policy",
];

/// A document read into the parts of an API (authorizers by scheme name; no ids yet).
#[derive(Default)]
struct Imported {
    name: Option<String>,
    description: Option<String>,
    version: Option<String>,
    api_key_source: Option<String>,
    binary_media_types: Vec<String>,
    endpoint_types: Option<Vec<String>>,
    policy: Option<String>,
    gateway_responses: BTreeMap<String, GatewayResponse>,
    authorizers: BTreeMap<String, Authorizer>,
    /// (path, methods), in document order; a method's `authorizer_id` is the scheme's name.
    paths: Vec<(String, BTreeMap<String, Method>)>,
    warnings: Vec<String>,
}

/// The document text: `body` as base64 (the wire's payload), or as the text itself.
fn document(input: &Input) -> Result<Value, AwsError> {
    let raw = input.string("body")?.unwrap_or("");
    let text = match B64.decode(raw.trim()) {
        Ok(bytes) if !raw.trim().is_empty() => String::from_utf8(bytes).map_err(|_| bad_request("The API definition is not UTF-8 text."))?,
        _ => raw.to_string(),
    };
    if text.trim().is_empty() {
        return Err(bad_request("The API definition (body) is required."));
    }
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(bad_request(format!("The API definition is larger than {MAX_DOCUMENT_BYTES} bytes.")));
    }
    let doc = if text.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(&text).map_err(|e| bad_request(format!("Invalid OpenAPI input: the JSON does not parse ({e}).")))?
    } else {
        let y: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| bad_request(format!("Invalid OpenAPI input: the YAML does not parse ({e}).")))?;
        yaml_to_json(y, 0).ok_or_else(|| bad_request("Invalid OpenAPI input: the YAML nests too deeply."))?
    };
    if !doc.is_object() {
        return Err(bad_request("Invalid OpenAPI input: the definition is not an object."));
    }
    Ok(doc)
}

/// A YAML number as JSON: integers exact, other numbers as f64 (NaN and infinities: null).
pub(crate) fn yaml_number(n: &serde_yaml::Number) -> Value {
    if let Some(i) = n.as_i64() {
        json!(i)
    } else if let Some(u) = n.as_u64() {
        json!(u)
    } else {
        n.as_f64().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::Null)
    }
}

/// YAML to JSON, every mapping key as a string (`200:` is the key "200").
fn yaml_to_json(v: serde_yaml::Value, depth: usize) -> Option<Value> {
    use serde_yaml::Value as Y;
    if depth > 128 {
        return None;
    }
    Some(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => yaml_number(&n),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(|i| yaml_to_json(i, depth + 1)).collect::<Option<_>>()?),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".into(),
                    _ => continue,
                };
                out.insert(key, yaml_to_json(v, depth + 1)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value, depth + 1)?,
    })
}

/// A local `$ref` (`#/components/...`, `#/parameters/...`) followed, at most 16 times.
fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else { return v };
        let Some(pointer) = r.strip_prefix('#') else { return v };
        match doc.pointer(pointer) {
            Some(t) => v = t,
            None => return v,
        }
    }
    v
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object).map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect()).unwrap_or_default()
}

fn warn_unknown_extensions(obj: &Value, known: &[&str], at: &str, warnings: &mut Vec<String>) {
    for k in obj.as_object().into_iter().flat_map(|m| m.keys()) {
        if k.starts_with("x-amazon-apigateway-") && !known.contains(&k.as_str()) {
            let why = match k.as_str() {
                "x-amazon-apigateway-request-validators" | "x-amazon-apigateway-request-validator" => "request validators are not simulated in the Gureum sandbox",
                _ => "this extension is not supported in the Gureum sandbox",
            };
            warnings.push(format!("Ignoring {k} at {at}: {why}."));
        }
    }
}

/// Reads a whole document. Errors are the ones AWS fails an import with.
fn read(doc: &Value, basepath: &str) -> Result<Imported, AwsError> {
    let oas3 = doc.get("openapi").and_then(Value::as_str).is_some_and(|v| v.starts_with("3."));
    let swagger = doc.get("swagger").and_then(Value::as_str) == Some("2.0");
    if !oas3 && !swagger {
        return Err(bad_request("Invalid OpenAPI input: the definition must declare \"openapi\": \"3.0.x\" or \"swagger\": \"2.0\"."));
    }
    let mut out = Imported::default();
    let info = doc.get("info").cloned().unwrap_or(Value::Null);
    out.name = text(&info, "title");
    out.description = text(&info, "description");
    out.version = text(&info, "version");
    warn_unknown_extensions(doc, KNOWN_TOP, "the top level", &mut out.warnings);
    out.api_key_source = doc.get("x-amazon-apigateway-api-key-source").and_then(Value::as_str).map(str::to_ascii_uppercase);
    out.binary_media_types =
        doc.get("x-amazon-apigateway-binary-media-types").and_then(Value::as_array).map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect()).unwrap_or_default();
    if let Some(types) = doc.get("x-amazon-apigateway-endpoint-configuration").and_then(|c| c.get("types")).and_then(Value::as_array) {
        out.endpoint_types = Some(types.iter().filter_map(|t| t.as_str().map(str::to_string)).collect());
    }
    if let Some(p) = doc.get("x-amazon-apigateway-policy").filter(|p| !p.is_null()) {
        let text = p.as_str().map(str::to_string).unwrap_or_else(|| p.to_string());
        control::check_policy(&text).map_err(|e| import_error(format!("Unable to set the resource policy: {}", e.message)))?;
        out.policy = Some(text);
    }
    if let Some(Value::Object(grs)) = doc.get("x-amazon-apigateway-gateway-responses") {
        for (kind, r) in grs {
            if !responses::TYPES.iter().any(|(k, _)| k == kind) {
                out.warnings.push(format!("Ignoring the gateway response of the unknown type {kind}."));
                continue;
            }
            let g = GatewayResponse {
                response_type: kind.clone(),
                status_code: text(r, "statusCode"),
                response_parameters: string_map(r.get("responseParameters")),
                response_templates: string_map(r.get("responseTemplates")),
            };
            responses::check(&g).map_err(|e| import_error(format!("Unable to put gateway response {kind}: {}", e.message)))?;
            out.gateway_responses.insert(kind.clone(), g);
        }
    }
    let schemes = if oas3 { doc.pointer("/components/securitySchemes") } else { doc.get("securityDefinitions") };
    if oas3 && doc.pointer("/components/schemas").and_then(Value::as_object).is_some_and(|m| !m.is_empty()) {
        out.warnings.push("Models (components/schemas) are not simulated in the Gureum sandbox: they are not imported.".into());
    }
    if !oas3 && doc.get("definitions").and_then(Value::as_object).is_some_and(|m| !m.is_empty()) {
        out.warnings.push("Models (definitions) are not simulated in the Gureum sandbox: they are not imported.".into());
    }
    // Security schemes: authorizers, the API key scheme, and what is not simulated.
    let mut api_key_schemes = Vec::new();
    for (name, scheme) in schemes.and_then(Value::as_object).into_iter().flatten() {
        let scheme = resolve(doc, scheme);
        let auth_type = scheme.get("x-amazon-apigateway-authtype").and_then(Value::as_str).map(str::to_ascii_lowercase);
        if let Some(a) = scheme.get("x-amazon-apigateway-authorizer") {
            let kind = text(a, "type").unwrap_or_default().to_ascii_uppercase();
            let identity_source = text(a, "identitySource").or_else(|| {
                // A TOKEN authorizer's header is the scheme's own `name` when `in: header`.
                (scheme.get("in").and_then(Value::as_str) == Some("header")).then(|| format!("method.request.header.{}", text(scheme, "name").unwrap_or_default()))
            });
            let authorizer = Authorizer {
                id: name.clone(),
                name: name.clone(),
                kind,
                provider_arns: a.get("providerARNs").and_then(Value::as_array).map(|l| l.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default(),
                auth_type: auth_type.clone(),
                authorizer_uri: text(a, "authorizerUri"),
                authorizer_credentials: text(a, "authorizerCredentials"),
                identity_source,
                identity_validation_expression: text(a, "identityValidationExpression"),
                authorizer_result_ttl_in_seconds: a.get("authorizerResultTtlInSeconds").and_then(Value::as_i64).unwrap_or(authorizers::DEFAULT_TTL_S),
            };
            authorizers::check(&authorizer).map_err(|e| import_error(format!("Unable to create authorizer '{name}': {}", e.message)))?;
            out.authorizers.insert(name.clone(), authorizer);
        } else if auth_type.as_deref() == Some("awssigv4") {
            return Err(import_error(format!("Unable to use security scheme '{name}': AWS_IAM authorization (awsSigv4) is not supported in the Gureum sandbox yet")));
        } else if scheme.get("type").and_then(Value::as_str) == Some("apiKey")
            && scheme.get("in").and_then(Value::as_str) == Some("header")
            && text(scheme, "name").is_some_and(|n| n.eq_ignore_ascii_case("x-api-key"))
        {
            api_key_schemes.push(name.clone());
        } else {
            out.warnings.push(format!("Ignoring the security scheme '{name}': only API keys (x-api-key) and x-amazon-apigateway-authorizer schemes are imported."));
        }
    }
    let base = base_path(doc, oas3, basepath);
    let top_security = doc.get("security");
    let empty = Map::new();
    let paths = doc.get("paths").and_then(Value::as_object).unwrap_or(&empty);
    for (path, item) in paths {
        let item = resolve(doc, item);
        let full = match &base {
            Some(b) => format!("{}{}", b.trim_end_matches('/'), if path == "/" { "" } else { path.as_str() }).replace("//", "/"),
            None => path.clone(),
        };
        let full = if full.is_empty() { "/".to_string() } else { full };
        let shared: Vec<&Value> = item.get("parameters").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
        let mut methods = BTreeMap::new();
        for (key, verb) in VERBS {
            let Some(op) = item.get(*key) else { continue };
            let at = format!("paths.'{path}'({key})");
            warn_unknown_extensions(op, &["x-amazon-apigateway-integration", "x-amazon-apigateway-auth"], &at, &mut out.warnings);
            let method = read_operation(doc, op, verb, &shared, top_security, &api_key_schemes, &out.authorizers, &at, &mut out.warnings)
                .map_err(|e| import_error(format!("Unable to put method '{verb}' on resource at path '{full}': {}", e.message)))?;
            methods.insert(verb.to_string(), method);
        }
        for part in full.split('/').filter(|p| !p.is_empty()) {
            check_path_part(part).map_err(|e| import_error(format!("Unable to create resource at path '{full}': {}", e.message)))?;
        }
        out.paths.push((full, methods));
    }
    Ok(out)
}

fn import_error(message: String) -> AwsError {
    bad_request(format!("Errors found during import:\n\t{message}"))
}

/// The base path the `basepath` parameter asks for: `ignore` (the default), `prepend`, `split`
/// (the base path's first segment dropped, the rest prepended).
fn base_path(doc: &Value, oas3: bool, mode: &str) -> Option<String> {
    let raw = if oas3 {
        let url = doc.pointer("/servers/0/url").and_then(Value::as_str).unwrap_or("");
        let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
        let path = match after_scheme.find('/') {
            Some(i) if url.contains("://") => &after_scheme[i..],
            _ if url.starts_with('/') => url,
            _ => "",
        };
        let default = doc.pointer("/servers/0/variables/basePath/default").and_then(Value::as_str).unwrap_or("");
        path.replace("{basePath}", default.trim_start_matches('/'))
    } else {
        doc.get("basePath").and_then(Value::as_str).unwrap_or("").to_string()
    };
    let raw = raw.trim_end_matches('/').to_string();
    match mode {
        "prepend" if !raw.is_empty() => Some(if raw.starts_with('/') { raw } else { format!("/{raw}") }),
        "split" => {
            let segs: Vec<&str> = raw.split('/').filter(|s| !s.is_empty()).collect();
            (segs.len() > 1).then(|| format!("/{}", segs[1..].join("/")))
        }
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn read_operation(
    doc: &Value,
    op: &Value,
    verb: &str,
    shared: &[&Value],
    top_security: Option<&Value>,
    api_key_schemes: &[String],
    authorizers: &BTreeMap<String, Authorizer>,
    at: &str,
    warnings: &mut Vec<String>,
) -> Result<Method, AwsError> {
    let mut request_parameters = BTreeMap::new();
    let own: Vec<&Value> = op.get("parameters").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
    for p in shared.iter().chain(own.iter()) {
        let p = resolve(doc, p);
        let name = text(p, "name").unwrap_or_default();
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => "path",
            Some("query") => "querystring",
            Some("header") => "header",
            Some("body") | Some("formData") => continue,
            other => {
                warnings.push(format!("Ignoring the parameter '{name}' at {at}: location {} is not supported.", other.unwrap_or("(none)")));
                continue;
            }
        };
        let required = location == "path" || p.get("required").and_then(Value::as_bool).unwrap_or(false);
        request_parameters.insert(format!("method.request.{location}.{name}"), required);
    }
    check_request_parameters(&request_parameters)?;
    let mut method = Method {
        http_method: verb.to_string(),
        authorization_type: "NONE".into(),
        authorizer_id: None,
        api_key_required: false,
        operation_name: text(op, "operationId"),
        request_validator_id: None,
        request_parameters,
        request_models: BTreeMap::new(),
        method_responses: BTreeMap::new(),
        integration: None,
    };
    let security = op.get("security").or(top_security);
    for requirement in security.and_then(Value::as_array).into_iter().flatten() {
        for name in requirement.as_object().into_iter().flat_map(|m| m.keys()) {
            if api_key_schemes.contains(name) {
                method.api_key_required = true;
            } else if let Some(a) = authorizers.get(name) {
                method.authorization_type = if a.kind == "COGNITO_USER_POOLS" { "COGNITO_USER_POOLS".into() } else { "CUSTOM".into() };
                method.authorizer_id = Some(name.clone());
            } else {
                warnings.push(format!("Ignoring the security requirement '{name}' at {at}: no imported scheme has this name."));
            }
        }
    }
    for (code, r) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
        if !(code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit())) {
            warnings.push(format!("Ignoring the response '{code}' at {at}: method responses are keyed by a status code."));
            continue;
        }
        let r = resolve(doc, r);
        let response_parameters =
            r.get("headers").and_then(Value::as_object).map(|h| h.keys().map(|k| (format!("method.response.header.{k}"), false)).collect()).unwrap_or_default();
        method.method_responses.insert(code.clone(), MethodResponse { status_code: code.clone(), response_parameters, response_models: BTreeMap::new() });
    }
    if let Some(i) = op.get("x-amazon-apigateway-integration") {
        method.integration = Some(read_integration(i)?);
    }
    Ok(method)
}

fn upper(v: Option<String>) -> Option<String> {
    v.map(|s| s.to_ascii_uppercase())
}

fn read_integration(i: &Value) -> Result<Integration, AwsError> {
    let kind = upper(text(i, "type")).unwrap_or_default();
    let mut integration = Integration {
        http_method: if kind == "MOCK" { None } else { upper(text(i, "httpMethod")) },
        uri: if kind == "MOCK" { None } else { text(i, "uri") },
        kind,
        credentials: text(i, "credentials"),
        request_parameters: string_map(i.get("requestParameters")),
        request_templates: string_map(i.get("requestTemplates")),
        passthrough_behavior: upper(text(i, "passthroughBehavior")).unwrap_or_else(|| "WHEN_NO_MATCH".into()),
        content_handling: upper(text(i, "contentHandling")),
        timeout_in_millis: i.get("timeoutInMillis").and_then(|t| t.as_i64().or_else(|| t.as_str().and_then(|s| s.parse().ok()))).unwrap_or(29_000),
        cache_namespace: text(i, "cacheNamespace").unwrap_or_default(),
        cache_key_parameters: i.get("cacheKeyParameters").and_then(Value::as_array).map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default(),
        connection_type: upper(text(i, "connectionType")).unwrap_or_else(|| "INTERNET".into()),
        integration_responses: BTreeMap::new(),
    };
    if integration.connection_type != "INTERNET" {
        return Err(bad_request(format!("connectionType {} (VPC links) is not supported in the Gureum sandbox yet.", integration.connection_type)));
    }
    check_integration(&integration)?;
    for (pattern, r) in i.get("responses").and_then(Value::as_object).into_iter().flatten() {
        let status = text(r, "statusCode").ok_or_else(|| bad_request(format!("The integration response '{pattern}' has no statusCode.")))?;
        let selection = (pattern != "default").then(|| pattern.clone());
        integration.integration_responses.insert(
            status.clone(),
            IntegrationResponse {
                status_code: status,
                selection_pattern: selection,
                response_parameters: string_map(r.get("responseParameters")),
                response_templates: string_map(r.get("responseTemplates")),
                content_handling: upper(text(r, "contentHandling")),
            },
        );
    }
    Ok(integration)
}

/// The import's parameters: `parameters` (the map boto3 sends) or the same names at the top.
fn parameter<'a>(input: &Input<'a>, name: &str) -> Result<Option<&'a str>, AwsError> {
    if let Some(v) = input.get("parameters").and_then(|p| p.get(name)).and_then(Value::as_str) {
        return Ok(Some(v));
    }
    input.string(name)
}

fn fail_on_warnings(input: &Input) -> Result<bool, AwsError> {
    Ok(input.bool("failOnWarnings")?.unwrap_or(false) || parameter(input, "failonwarnings")? == Some("true"))
}

fn check_warnings(input: &Input, warnings: &[String]) -> Result<(), AwsError> {
    if !warnings.is_empty() && fail_on_warnings(input)? {
        return Err(bad_request(format!("Warnings found during import:\n\t{}", warnings.join("\n\t"))));
    }
    Ok(())
}

/// Puts the imported tree into `api`: `overwrite` replaces its resources, authorizers and
/// gateway responses; otherwise (merge, or a new API) imported methods replace the same
/// path and method and everything else is kept.
fn apply(cx: &mut Cx, api: &mut RestApi, imported: Imported, overwrite: bool) -> Result<(), AwsError> {
    if overwrite {
        let root = api.root_resource_id.clone();
        api.resources.retain(|id, _| *id == root);
        if let Some(r) = api.resources.get_mut(&root) {
            r.methods.clear();
        }
        api.authorizers.clear();
        api.gateway_responses.clear();
    }
    api.gateway_responses.extend(imported.gateway_responses);
    // Authorizers by name: an existing one of the same name is replaced in place.
    let mut ids = BTreeMap::new();
    for (name, mut a) in imported.authorizers {
        let id = api.authorizers.values().find(|x| x.name == name).map(|x| x.id.clone()).unwrap_or_else(|| new_id(cx));
        a.id = id.clone();
        api.authorizers.insert(id.clone(), a);
        ids.insert(name, id);
    }
    if api.authorizers.len() > 10 {
        return Err(import_error("The maximum number of authorizers per API (10) is reached".into()));
    }
    for (path, methods) in imported.paths {
        let rid = ensure_path(cx, api, &path)?;
        let resource = api.resources.get_mut(&rid).ok_or_else(super::errors::resource_not_found)?;
        for (verb, mut m) in methods {
            if let Some(name) = &m.authorizer_id {
                m.authorizer_id = ids.get(name).cloned();
            }
            if let Some(i) = &mut m.integration {
                if i.cache_namespace.is_empty() {
                    i.cache_namespace = rid.clone();
                }
            }
            resource.methods.insert(verb, m);
        }
    }
    Ok(())
}

/// The resource at `path`, created (with its parents) when missing.
fn ensure_path(cx: &mut Cx, api: &mut RestApi, path: &str) -> Result<String, AwsError> {
    let mut cur = api.root_resource_id.clone();
    let mut full = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        full.push('/');
        full.push_str(part);
        let existing = api.resources.values().find(|r| r.parent_id.as_deref() == Some(cur.as_str()) && r.path_part.as_deref() == Some(part)).map(|r| r.id.clone());
        cur = match existing {
            Some(id) => id,
            None => {
                let parent = api.resources.get(&cur).ok_or_else(super::errors::resource_not_found)?;
                if parent.path_part.as_deref().is_some_and(|p| p.ends_with("+}")) {
                    return Err(import_error(format!("Unable to create resource at path '{full}': a greedy path variable ({}) cannot have children", parent.path)));
                }
                let clash = api
                    .resources
                    .values()
                    .find(|r| r.parent_id.as_deref() == Some(cur.as_str()) && r.path_part.as_deref().is_some_and(|p| p.starts_with('{')) && part.starts_with('{'));
                if let Some(c) = clash {
                    return Err(import_error(format!(
                        "Unable to create resource at path '{full}': a sibling ({}) already has a variable path part -- only one is allowed",
                        c.path_part.as_deref().unwrap_or("")
                    )));
                }
                let id = new_id(cx);
                api.resources
                    .insert(id.clone(), Resource { id: id.clone(), parent_id: Some(cur.clone()), path_part: Some(part.to_string()), path: full.clone(), methods: BTreeMap::new() });
                id
            }
        };
    }
    Ok(cur)
}

fn with_warnings(mut out: Value, warnings: Vec<String>) -> Value {
    if !warnings.is_empty() {
        out["warnings"] = json!(warnings);
    }
    out
}

/// ImportRestApi: a new API from a definition.
pub fn import_rest_api(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let doc = document(&input)?;
    let imported = read(&doc, parameter(&input, "basepath")?.unwrap_or("ignore"))?;
    check_warnings(&input, &imported.warnings)?;
    let name = imported.name.clone().filter(|n| !n.trim().is_empty()).ok_or_else(|| import_error("Unable to create the API: the definition has no title (info.title)".into()))?;
    let types = match parameter(&input, "endpointConfigurationTypes")? {
        Some(t) => Some(vec![t.to_string()]),
        None => imported.endpoint_types.clone(),
    };
    let mut create = json!({ "name": name, "description": imported.description, "version": imported.version, "binaryMediaTypes": imported.binary_media_types });
    if let Some(s) = &imported.api_key_source {
        create["apiKeySource"] = json!(s);
    }
    if let Some(t) = types {
        create["endpointConfiguration"] = json!({ "types": t });
    }
    if let Some(p) = &imported.policy {
        create["policy"] = json!(p);
    }
    // Everything that can fail is checked before the API exists (no half-imported APIs).
    let warnings = imported.warnings.clone();
    let created = control::create_rest_api(gw, cx, &create)?;
    let id = created["id"].as_str().unwrap_or_default().to_string();
    let mut api = gw.api(cx, &id)?.clone();
    if let Err(e) = apply(cx, &mut api, imported, false) {
        // Undo the API created a moment ago.
        control::delete_rest_api(gw, cx, &json!({ "restApiId": id }))?;
        return Err(e);
    }
    control::commit(gw, cx, api)?;
    Ok(with_warnings(gw.api(cx, &id)?.to_json(), warnings))
}

/// PutRestApi: a definition merged into (`mode=merge`, the default) or replacing
/// (`mode=overwrite`) an existing API.
pub fn put_rest_api(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?.to_string();
    let mut api = gw.api(cx, &id)?.clone();
    let mode = parameter(&input, "mode")?.unwrap_or("merge");
    if mode != "merge" && mode != "overwrite" {
        return Err(bad_request(format!("Invalid mode specified: {mode}. Valid options are merge,overwrite")));
    }
    let doc = document(&input)?;
    let imported = read(&doc, parameter(&input, "basepath")?.unwrap_or("ignore"))?;
    check_warnings(&input, &imported.warnings)?;
    let warnings = imported.warnings.clone();
    if mode == "overwrite" {
        if let Some(n) = imported.name.clone().filter(|n| !n.trim().is_empty()) {
            api.name = n;
        }
        api.description = imported.description.clone();
        api.version = imported.version.clone();
        api.binary_media_types = imported.binary_media_types.clone();
        api.api_key_source = imported.api_key_source.clone().unwrap_or_else(|| "HEADER".into());
        api.policy = imported.policy.clone();
    } else {
        if imported.policy.is_some() {
            api.policy = imported.policy.clone();
        }
        for t in &imported.binary_media_types {
            if !api.binary_media_types.contains(t) {
                api.binary_media_types.push(t.clone());
            }
        }
        if let Some(s) = &imported.api_key_source {
            api.api_key_source = s.clone();
        }
    }
    if !["HEADER", "AUTHORIZER"].contains(&api.api_key_source.as_str()) {
        return Err(bad_request(format!("Invalid API Key source specified: {}", api.api_key_source)));
    }
    apply(cx, &mut api, imported, mode == "overwrite")?;
    control::commit(gw, cx, api)?;
    Ok(with_warnings(gw.api(cx, &id)?.to_json(), warnings))
}

// ---- Export ----------------------------------------------------------------------------------

/// GetExport: the stage's deployment as `oas30` or `swagger`, JSON or YAML by `accepts`, with
/// the extensions `extensions` names (`integrations`, `authorizers`, `apigateway` for both and
/// the API-level ones).
pub fn get_export(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.required("restApiId", || super::errors::api_not_found(&cx.account.id, ""))?;
    let api = gw.api(cx, id)?;
    let stage_name = input.required("stageName", super::errors::stage_not_found)?;
    let stage = api.stages.get(stage_name).ok_or_else(super::errors::stage_not_found)?;
    let deployment = api.deployments.get(&stage.deployment_id).ok_or_else(super::errors::deployment_not_found)?;
    let kind = input.string("exportType")?.unwrap_or("");
    let oas3 = match kind {
        "oas30" => true,
        "swagger" => false,
        other => return Err(bad_request(format!("Invalid export type specified: {other}. Valid options are oas30,swagger"))),
    };
    let extensions = parameter(&input, "extensions")?.unwrap_or("");
    let mut with_integrations = false;
    let mut with_authorizers = false;
    let mut with_apigateway = false;
    for e in extensions.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        match e {
            "integrations" => with_integrations = true,
            "authorizers" => with_authorizers = true,
            "apigateway" => with_apigateway = true,
            "postman" => return Err(bad_request("The postman extension is not supported in the Gureum sandbox yet.")),
            other => return Err(bad_request(format!("Invalid extensions specified: {other}"))),
        }
    }
    if with_apigateway {
        with_integrations = true;
        with_authorizers = true;
    }
    let yaml = match input.string("accepts")?.unwrap_or("application/json") {
        a if a.contains("yaml") => true,
        a if a.contains("json") || a.is_empty() || a == "*/*" => false,
        other => return Err(bad_request(format!("Invalid accepts specified: {other}. Valid options are application/json,application/yaml"))),
    };
    let opts = ExportOptions { oas3, integrations: with_integrations, authorizers: with_authorizers, apigateway: with_apigateway };
    let doc = export(cx, api, stage_name, &deployment.resources, &deployment.authorizers, &deployment.gateway_responses, deployment.policy.as_deref(), &opts);
    let (body, content_type, ext) = if yaml {
        (serde_yaml::to_string(&doc).map_err(|e| AwsError::internal(format!("YAML export failed: {e}")))?, "application/yaml", "yaml")
    } else {
        (serde_json::to_string_pretty(&doc).unwrap_or_default(), "application/json", "json")
    };
    Ok(json!({
        "contentType": content_type,
        "contentDisposition": format!("attachment; filename=\"{}-{stage_name}-{kind}.{ext}\"", api.name.replace(['"', '\\', '/'], "_")),
        "body": B64.encode(body.as_bytes()),
    }))
}

struct ExportOptions {
    oas3: bool,
    integrations: bool,
    authorizers: bool,
    apigateway: bool,
}

fn export(
    cx: &Cx,
    api: &RestApi,
    stage: &str,
    resources: &BTreeMap<String, Resource>,
    authorizers: &BTreeMap<String, Authorizer>,
    gateway_responses: &BTreeMap<String, GatewayResponse>,
    policy: Option<&str>,
    o: &ExportOptions,
) -> Value {
    let mut doc = Map::new();
    if o.oas3 {
        doc.insert("openapi".into(), json!("3.0.1"));
    } else {
        doc.insert("swagger".into(), json!("2.0"));
    }
    let mut info = Map::new();
    if let Some(d) = &api.description {
        info.insert("description".into(), json!(d));
    }
    info.insert("title".into(), json!(api.name));
    info.insert("version".into(), json!(api.version.clone().unwrap_or_else(|| crate::kernel::time::iso8601(api.created_date * 1000))));
    doc.insert("info".into(), Value::Object(info));
    let host = format!("{}.execute-api.{}.amazonaws.com", api.id, cx.region);
    if o.oas3 {
        doc.insert("servers".into(), json!([{ "url": format!("https://{host}/{{basePath}}"), "variables": { "basePath": { "default": stage } } }]));
    } else {
        doc.insert("host".into(), json!(host));
        doc.insert("basePath".into(), json!(format!("/{stage}")));
        doc.insert("schemes".into(), json!(["https"]));
    }
    let mut used_schemes: BTreeMap<String, Value> = BTreeMap::new();
    let mut sorted: Vec<&Resource> = resources.values().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut paths = Map::new();
    for r in sorted {
        if r.methods.is_empty() {
            continue;
        }
        let mut item = Map::new();
        for (key, verb) in VERBS {
            let Some(m) = r.methods.get(*verb) else { continue };
            item.insert(key.to_string(), export_method(m, authorizers, &mut used_schemes, o));
        }
        paths.insert(r.path.clone(), Value::Object(item));
    }
    doc.insert("paths".into(), Value::Object(paths));
    if !used_schemes.is_empty() {
        let schemes: Map<String, Value> = used_schemes.into_iter().collect();
        if o.oas3 {
            doc.insert("components".into(), json!({ "securitySchemes": schemes }));
        } else {
            doc.insert("securityDefinitions".into(), Value::Object(schemes));
        }
    }
    if o.apigateway {
        if api.api_key_source != "HEADER" {
            doc.insert("x-amazon-apigateway-api-key-source".into(), json!(api.api_key_source));
        }
        if !api.binary_media_types.is_empty() {
            doc.insert("x-amazon-apigateway-binary-media-types".into(), json!(api.binary_media_types));
        }
        if let Some(p) = policy {
            doc.insert("x-amazon-apigateway-policy".into(), serde_json::from_str(p).unwrap_or_else(|_| json!(p)));
        }
        if !gateway_responses.is_empty() {
            let grs: Map<String, Value> = gateway_responses
                .iter()
                .map(|(k, g)| {
                    let mut v = Map::new();
                    if let Some(s) = &g.status_code {
                        v.insert("statusCode".into(), json!(s));
                    }
                    if !g.response_parameters.is_empty() {
                        v.insert("responseParameters".into(), json!(g.response_parameters));
                    }
                    if !g.response_templates.is_empty() {
                        v.insert("responseTemplates".into(), json!(g.response_templates));
                    }
                    (k.clone(), Value::Object(v))
                })
                .collect();
            doc.insert("x-amazon-apigateway-gateway-responses".into(), Value::Object(grs));
        }
    }
    Value::Object(doc)
}

fn export_method(m: &Method, authorizers: &BTreeMap<String, Authorizer>, used: &mut BTreeMap<String, Value>, o: &ExportOptions) -> Value {
    let mut op = Map::new();
    if let Some(n) = &m.operation_name {
        op.insert("operationId".into(), json!(n));
    }
    let mut params = Vec::new();
    for (k, required) in &m.request_parameters {
        let Some(rest) = k.strip_prefix("method.request.") else { continue };
        let Some((loc, name)) = rest.split_once('.') else { continue };
        let location = match loc {
            "path" => "path",
            "querystring" => "query",
            "header" => "header",
            _ => continue,
        };
        let mut p = json!({ "name": name, "in": location, "required": *required || location == "path" });
        if o.oas3 {
            p["schema"] = json!({ "type": "string" });
        } else {
            p["type"] = json!("string");
        }
        params.push(p);
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    let mut responses = Map::new();
    for (code, r) in &m.method_responses {
        let mut resp = Map::new();
        resp.insert("description".into(), json!(format!("{code} response")));
        let headers: Map<String, Value> = r
            .response_parameters
            .keys()
            .filter_map(|k| k.strip_prefix("method.response.header."))
            .map(|h| (h.to_string(), if o.oas3 { json!({ "schema": { "type": "string" } }) } else { json!({ "type": "string" }) }))
            .collect();
        if !headers.is_empty() {
            resp.insert("headers".into(), Value::Object(headers));
        }
        if o.oas3 {
            resp.insert("content".into(), json!({}));
        }
        responses.insert(code.clone(), Value::Object(resp));
    }
    op.insert("responses".into(), Value::Object(responses));
    let mut security = Vec::new();
    if m.api_key_required {
        security.push(json!({ "api_key": [] }));
        used.insert("api_key".into(), json!({ "type": "apiKey", "name": "x-api-key", "in": "header" }));
    }
    if let (true, Some(a)) = (o.authorizers, m.authorizer_id.as_ref().and_then(|id| authorizers.get(id))) {
        security.push(json!({ a.name.clone(): [] }));
        used.insert(a.name.clone(), export_authorizer(a));
    }
    if !security.is_empty() {
        op.insert("security".into(), Value::Array(security));
    }
    if let (true, Some(i)) = (o.integrations, &m.integration) {
        op.insert("x-amazon-apigateway-integration".into(), export_integration(i));
    }
    Value::Object(op)
}

fn export_authorizer(a: &Authorizer) -> Value {
    let header = authorizers::identity_sources(a).first().and_then(|s| s.strip_prefix("method.request.header.")).unwrap_or("Unused").to_string();
    let mut ext = Map::new();
    ext.insert("type".into(), json!(a.kind.to_ascii_lowercase()));
    if a.kind == "COGNITO_USER_POOLS" {
        ext.insert("providerARNs".into(), json!(a.provider_arns));
    } else {
        if let Some(u) = &a.authorizer_uri {
            ext.insert("authorizerUri".into(), json!(u));
        }
        if let Some(c) = &a.authorizer_credentials {
            ext.insert("authorizerCredentials".into(), json!(c));
        }
        ext.insert("authorizerResultTtlInSeconds".into(), json!(a.authorizer_result_ttl_in_seconds));
    }
    if let Some(s) = &a.identity_source {
        ext.insert("identitySource".into(), json!(s));
    }
    if let Some(e) = &a.identity_validation_expression {
        ext.insert("identityValidationExpression".into(), json!(e));
    }
    let auth_type = if a.kind == "COGNITO_USER_POOLS" { "cognito_user_pools".to_string() } else { a.auth_type.clone().unwrap_or_else(|| "custom".into()) };
    json!({ "type": "apiKey", "name": header, "in": "header", "x-amazon-apigateway-authtype": auth_type, "x-amazon-apigateway-authorizer": ext })
}

fn export_integration(i: &Integration) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), json!(i.kind.to_ascii_lowercase()));
    if let Some(u) = &i.uri {
        o.insert("uri".into(), json!(u));
    }
    if let Some(m) = &i.http_method {
        o.insert("httpMethod".into(), json!(m));
    }
    if let Some(c) = &i.credentials {
        o.insert("credentials".into(), json!(c));
    }
    if !i.integration_responses.is_empty() {
        let responses: Map<String, Value> = i
            .integration_responses
            .values()
            .map(|r| {
                let mut v = Map::new();
                v.insert("statusCode".into(), json!(r.status_code));
                if !r.response_parameters.is_empty() {
                    v.insert("responseParameters".into(), json!(r.response_parameters));
                }
                if !r.response_templates.is_empty() {
                    v.insert("responseTemplates".into(), json!(r.response_templates));
                }
                if let Some(c) = &r.content_handling {
                    v.insert("contentHandling".into(), json!(c));
                }
                (r.selection_pattern.clone().filter(|p| !p.is_empty()).unwrap_or_else(|| "default".into()), Value::Object(v))
            })
            .collect();
        o.insert("responses".into(), Value::Object(responses));
    }
    if !i.request_parameters.is_empty() {
        o.insert("requestParameters".into(), json!(i.request_parameters));
    }
    if !i.request_templates.is_empty() {
        o.insert("requestTemplates".into(), json!(i.request_templates));
    }
    o.insert("passthroughBehavior".into(), json!(i.passthrough_behavior.to_ascii_lowercase()));
    if let Some(c) = &i.content_handling {
        o.insert("contentHandling".into(), json!(c));
    }
    o.insert("timeoutInMillis".into(), json!(i.timeout_in_millis));
    if !i.cache_key_parameters.is_empty() {
        o.insert("cacheKeyParameters".into(), json!(i.cache_key_parameters));
    }
    Value::Object(o)
}
