//! Wire formats at the edge. Hosts that speak HTTP hand a [`HttpRequest`] to [`handle`] and send
//! back the [`HttpResponse`]; everything between is typed engine calls. Routing follows
//! LocalStack's edge port: the `X-Amz-Target` header for JSON protocols, then the SigV4
//! credential scope (`Credential=AKID/date/region/service/aws4_request`) for region and service.
//!
//! A request signed for `s3` (or presigned for it) is S3's REST-XML, read by [`s3`]; one signed for
//! `iam` or `sts` is the AWS Query protocol, read by [`query`].
//!
//! A DynamoDB request (`X-Amz-Target: DynamoDB_20120810.*`) whose path is `/dax/{ClusterName}`
//! goes to that DAX cluster's data plane (engine service `dax:{ClusterName}`).
//!
//! A request whose Host is `{api-id}.execute-api.*`, or whose path is
//! `/restapis/{api-id}/{stage}/_user_request_/...`, calls that API Gateway stage (see [`execute_api`]).
//!
//! Not AWS: `POST /_gureum/control/{Operation}` runs a control operation, `GET /_gureum/health`
//! answers `{"status":"running"}`.

pub mod eventstream;
pub mod json;
pub mod percent;
pub mod query;
pub mod rest;
pub mod s3;
pub mod sigv4;
pub mod xml;

use serde_json::{json, Value};

use crate::kernel::{
    account::DEFAULT_REGION,
    authz::Credentials,
    catalog::{self, Protocol},
    error::AwsError,
    Answer, Engine, Prepared,
};

#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: String,
    /// Path and query string as received (`/`, `/_gureum/health`, ...).
    pub path: String,
    /// Header names in any case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn json(status: u16, content_type: &str, body: &Value, request_id: &str) -> Self {
        Self::bytes(status, content_type, serde_json::to_vec(body).unwrap_or_default(), request_id)
    }

    /// A response whose body is JSON text already.
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>, request_id: &str) -> Self {
        HttpResponse {
            status,
            headers: vec![("Content-Type".into(), content_type.into()), ("x-amzn-RequestId".into(), request_id.into()), ("x-amz-crc32".into(), crc32fast::hash(&body).to_string())],
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Region and signing service from a SigV4 `Authorization` header, if it has a credential scope.
pub fn credential_scope(authorization: &str) -> Option<(&str, &str)> {
    let start = authorization.find("Credential=")? + "Credential=".len();
    let rest = &authorization[start..];
    let scope = rest.split([',', ' ']).next()?;
    let mut parts = scope.split('/');
    let _key = parts.next()?;
    let _date = parts.next()?;
    let region = parts.next()?;
    let service = parts.next()?;
    Some((region, service))
}

/// The access key id a request is signed with: the SigV4 `Authorization` header's credential,
/// or a presigned URL's `X-Amz-Credential`.
pub fn access_key(req: &HttpRequest) -> Option<String> {
    if let Some(auth) = req.header("authorization") {
        let start = auth.find("Credential=")? + "Credential=".len();
        return auth[start..].split(['/', ',', ' ']).next().filter(|k| !k.is_empty()).map(str::to_string);
    }
    let query = req.path.split_once('?').map_or("", |(_, q)| q);
    let cred = query.split('&').find_map(|p| p.strip_prefix("X-Amz-Credential="))?;
    percent::decode(cred, true).split('/').next().filter(|k| !k.is_empty()).map(str::to_string)
}

/// The DAX cluster a path names: `/dax/{ClusterName}` or `/dax/{ClusterName}/...` (boto3 keeps
/// an `endpoint_url`'s path, so `endpoint_url=".../dax/my-cluster"` reaches the cluster).
pub fn dax_cluster(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/dax/")?;
    let name = rest.split('/').next().unwrap_or("");
    (!name.is_empty()).then_some(name)
}

/// What a request asks for, once routed.
pub enum Inbound {
    /// An AWS operation, its body already read (see [`Engine::prepare_json`]).
    Aws {
        service: String,
        operation: String,
        region: String,
        protocol: Protocol,
        input: Prepared,
        /// Who signed the request (see [`crate::kernel::authz`]).
        credentials: Option<Credentials>,
    },
    /// A REST-JSON operation: its route says how the answer travels.
    Rest {
        route: &'static rest::Route,
        region: String,
        input: Value,
        /// Who signed the request (see [`crate::kernel::authz`]).
        credentials: Option<Credentials>,
    },
    /// An S3 (REST-XML) operation; `head` for HEAD requests, answered without a body.
    S3 {
        operation: &'static str,
        region: String,
        input: Value,
        head: bool,
        /// Who signed the request (see [`crate::kernel::authz`]).
        credentials: Option<Credentials>,
    },
    /// An AWS Query (IAM, STS) operation, answered in XML.
    Query {
        service: &'static str,
        operation: String,
        region: String,
        input: Value,
        /// Who signed the request (see [`crate::kernel::authz`]).
        credentials: Option<Credentials>,
    },
    Control {
        operation: String,
        input: Value,
    },
    /// A request to a deployed API Gateway stage (`execute-api` Invoke; see [`execute_api`]).
    ExecuteApi {
        region: String,
        input: Value,
        /// Who signed the request: a method with AWS_IAM authorization checks it.
        credentials: Option<Credentials>,
    },
    Health,
}

impl Inbound {
    /// The same request signed with `credentials` (for the AWS operations; control, health and
    /// execute-api requests are not IAM-checked).
    pub fn with_credentials(mut self, signed: Option<Credentials>) -> Self {
        match &mut self {
            Inbound::Aws { credentials, .. }
            | Inbound::Rest { credentials, .. }
            | Inbound::S3 { credentials, .. }
            | Inbound::Query { credentials, .. }
            | Inbound::ExecuteApi { credentials, .. } => *credentials = signed,
            _ => {}
        }
        self
    }
}

fn plain_error(status: u16, kind: &str, message: &str, request_id: &str) -> HttpResponse {
    HttpResponse::json(status, "application/json", &json!({ "__type": kind, "message": message }), request_id)
}

/// Routes a raw request to a service and operation and decodes its input, with the access key
/// it is signed with.
pub fn parse(req: &HttpRequest, request_id: &str) -> Result<Inbound, HttpResponse> {
    let key = access_key(req);
    let inbound = parse_unsigned(req, request_id, key.as_deref())?;
    // A key the sandbox issued carries its signature, which the engine verifies with the secret.
    let credentials = key.map(|k| {
        if !crate::kernel::authz::is_checked_key(&k) {
            return Credentials::AccessKey(k);
        }
        match sigv4::signature(req, matches!(inbound, Inbound::S3 { .. })) {
            Some(s) if s.access_key == k => Credentials::Signed(Box::new(s)),
            _ => Credentials::AccessKey(k),
        }
    });
    Ok(inbound.with_credentials(credentials))
}

fn parse_unsigned(req: &HttpRequest, request_id: &str, key: Option<&str>) -> Result<Inbound, HttpResponse> {
    let path = req.path.split('?').next().unwrap_or("");
    if path == "/_gureum/health" {
        return Ok(Inbound::Health);
    }
    if let Some(op) = path.strip_prefix("/_gureum/control/") {
        let input = if req.body.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            serde_json::from_slice(&req.body).map_err(|e| plain_error(400, "SerializationException", &format!("The body is not valid JSON: {e}"), request_id))?
        };
        return Ok(Inbound::Control { operation: op.to_string(), input });
    }
    if let Some((operation, input)) = cognito_well_known(req, path) {
        return Ok(Inbound::Control { operation, input });
    }
    if let Some((region, input)) = execute_api(req) {
        return Ok(Inbound::ExecuteApi { region, input, credentials: None });
    }
    let scope = req.header("authorization").and_then(credential_scope);
    let region = scope.map(|(r, _)| r).unwrap_or(DEFAULT_REGION).to_string();
    if let Some(target) = req.header("x-amz-target") {
        let (prefix, operation) = target.rsplit_once('.').unwrap_or((target, ""));
        let Some(spec) = catalog::by_target_prefix(prefix) else {
            return Err(json::error_response(Protocol::Json10, &AwsError::unknown_operation(""), request_id));
        };
        if req.method != "POST" {
            return Err(json::error_response(spec.protocol, &AwsError::unknown_operation(""), request_id));
        }
        // A DynamoDB request sent to `/dax/{ClusterName}` goes to that DAX cluster.
        let service = match dax_cluster(path) {
            Some(cluster) if spec.name == "dynamodb" => format!("dax:{cluster}"),
            _ => spec.name.to_string(),
        };
        let input = Engine::prepare_json_as(&service, operation, &req.body, key).map_err(|e| json::error_response(spec.protocol, &e, request_id))?;
        return Ok(Inbound::Aws { service, operation: operation.to_string(), region, protocol: spec.protocol, input, credentials: None });
    }
    let signing = scope.map(|(_, service)| service);
    let query_service = match signing {
        Some(name) => catalog::by_signing_name(name),
        None if req.method == "POST" => query::unsigned_service(req).and_then(catalog::spec),
        None => None,
    };
    if let Some(spec) = query_service.filter(|s| s.protocol == Protocol::Query) {
        let (operation, input) = query::parse(req, spec.name).map_err(|e| query::error(spec.name, &e, request_id))?;
        return Ok(Inbound::Query { service: spec.name, operation, region, input, credentials: None });
    }
    if s3::is_s3(req, signing) {
        let region = if scope.is_some() { region } else { s3::presigned_region(req).unwrap_or(region) };
        return s3::parse(req, region).map_err(|e| s3::error(&e, request_id, &req.method));
    }
    if let Some(service) = rest::service_for(signing, path) {
        return match rest::parse(service.routes, req) {
            Some(Ok((route, input))) => Ok(Inbound::Rest { route, region, input, credentials: None }),
            Some(Err(e)) => Err(rest::error(&e, request_id)),
            None => Err(rest::error(&AwsError::new("", "UnknownOperationException", format!("No {} operation answers {} {path}.", service.title, req.method), 404), request_id)),
        };
    }
    match scope.and_then(|(_, service)| catalog::by_signing_name(service)) {
        Some(spec) => {
            Err(plain_error(400, "UnknownOperationException", &format!("The {} {:?} protocol is not served by this build of Gureum yet.", spec.name, spec.protocol), request_id))
        }
        None => Err(plain_error(
            400,
            "UnknownOperationException",
            "Gureum could not tell which AWS service this request is for: send X-Amz-Target or a SigV4 Authorization header.",
            request_id,
        )),
    }
}

/// Serves one HTTP request against the engine.
pub fn handle(engine: &mut Engine, host_now_ms: i64, req: &HttpRequest, request_id: &str) -> HttpResponse {
    match parse(req, request_id) {
        Err(resp) => resp,
        Ok(inbound) => {
            let outcome = run(engine, host_now_ms, inbound);
            respond(outcome, request_id)
        }
    }
}

/// What running an [`Inbound`] produced, before it is written as HTTP.
pub enum Outcome {
    Aws(Protocol, Result<Answer, AwsError>),
    Rest(&'static rest::Route, Result<Answer, AwsError>),
    S3(&'static str, bool, Result<Answer, AwsError>),
    Query(&'static str, String, Result<Answer, AwsError>),
    ExecuteApi(Result<Answer, AwsError>),
    Plain(u16, Value),
}

/// The part of [`handle`] that needs the engine. Hosts that share one engine between threads
/// run [`parse`] and [`respond`] outside their lock.
pub fn run(engine: &mut Engine, host_now_ms: i64, inbound: Inbound) -> Outcome {
    match inbound {
        Inbound::Health => Outcome::Plain(200, json!({ "status": "running", "service": "gureum" })),
        Inbound::Control { operation, input } => match engine.control(host_now_ms, &operation, &input) {
            Ok(out) => Outcome::Plain(200, out),
            Err(e) => Outcome::Plain(e.status, e.to_json()),
        },
        Inbound::Aws { service, operation, region, protocol, input, credentials } => {
            Outcome::Aws(protocol, engine.call_prepared_as(host_now_ms, &service, &operation, &region, input, credentials.as_ref()))
        }
        Inbound::Rest { route, region, input, credentials } => {
            Outcome::Rest(route, engine.call_prepared_as(host_now_ms, route.service, route.operation, &region, Prepared::Json(input), credentials.as_ref()))
        }
        Inbound::Query { service, operation, region, input, credentials } => {
            let result = engine.call_prepared_as(host_now_ms, service, &operation, &region, Prepared::Json(input), credentials.as_ref());
            Outcome::Query(service, operation, result)
        }
        Inbound::ExecuteApi { region, input, credentials } => {
            Outcome::ExecuteApi(engine.call_prepared_as(host_now_ms, "execute-api", "Invoke", &region, Prepared::Json(input), credentials.as_ref()))
        }
        Inbound::S3 { operation, region, input, head, credentials } => {
            Outcome::S3(operation, head, engine.call_prepared_as(host_now_ms, "s3", operation, &region, Prepared::Json(input), credentials.as_ref()))
        }
    }
}

/// Writes an [`Outcome`] as HTTP.
pub fn respond(outcome: Outcome, request_id: &str) -> HttpResponse {
    match outcome {
        Outcome::Plain(status, body) => HttpResponse::json(status, "application/json", &body, request_id),
        Outcome::Aws(protocol, Ok(answer)) => HttpResponse::bytes(200, json::content_type(protocol), answer.into_bytes(), request_id),
        Outcome::Aws(protocol, Err(e)) => json::error_response(protocol, &e, request_id),
        Outcome::Rest(route, Ok(answer)) => {
            let output = match answer {
                Answer::Value(v) => v,
                Answer::Json(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            };
            rest::success(route, output, request_id)
        }
        Outcome::Rest(_, Err(e)) => rest::error(&e, request_id),
        Outcome::S3(operation, head, result) => s3::respond(operation, head, result, request_id),
        Outcome::Query(service, operation, Ok(answer)) => {
            let output = match answer {
                Answer::Value(v) => v,
                Answer::Json(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            };
            query::success(service, &operation, &output, request_id)
        }
        Outcome::Query(service, _, Err(e)) => query::error(service, &e, request_id),
        Outcome::ExecuteApi(Ok(answer)) => {
            let output = match answer {
                Answer::Value(v) => v,
                Answer::Json(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            };
            execute_api_response(&output)
        }
        // The caller's credentials refused (unknown key, signature, expiry, IAM): API Gateway's
        // `{"message"}` body with the type in `x-amzn-ErrorType`.
        Outcome::ExecuteApi(Err(e)) => {
            let mut resp = HttpResponse::json(e.status, "application/json", &json!({ "message": e.message }), request_id);
            resp.headers.push(("x-amzn-ErrorType".into(), e.kind.clone()));
            resp
        }
    }
}

/// Whether a request is for a deployed API Gateway stage (see [`execute_api`]).
pub fn is_execute_api(req: &HttpRequest) -> bool {
    let host = req.header("host").unwrap_or("");
    host.contains(".execute-api.") || req.path.strip_prefix("/restapis/").is_some_and(|p| p.split('?').next().unwrap_or("").split('/').nth(2) == Some("_user_request_"))
}

/// A request for a deployed API Gateway stage, as execute-api's Invoke input: by Host
/// (`{api-id}.execute-api.{region}.amazonaws.com/{stage}/...`, or `{api-id}.execute-api.localhost`
/// and any other suffix, in the default region) or by path
/// (`/restapis/{api-id}/{stage}/_user_request_/...`).
pub fn execute_api(req: &HttpRequest) -> Option<(String, Value)> {
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let host = req.header("host").unwrap_or("");
    let host = host.split(':').next().unwrap_or(host);
    // The path after the host (after `_user_request_` with the stage put back): HTTP APIs' `$default`
    // stage has no stage segment, so the API decides what the first segment is.
    let raw_path;
    let (api, region, stage, rest) = if let Some((api, after)) = host.split_once(".execute-api.") {
        raw_path = if path.is_empty() { "/".to_string() } else { path.to_string() };
        let region = after.split('.').next().filter(|r| crate::kernel::account::Account::is_region(r)).unwrap_or(DEFAULT_REGION);
        let trimmed = path.trim_start_matches('/');
        let (stage, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
        (api, region, stage, rest)
    } else {
        let after = path.strip_prefix("/restapis/")?;
        let (api, after) = after.split_once('/')?;
        let (stage, after) = after.split_once('/')?;
        let rest = after.strip_prefix("_user_request_").filter(|r| r.is_empty() || r.starts_with('/'))?;
        raw_path = format!("/{stage}{rest}");
        (api, DEFAULT_REGION, stage, rest.trim_start_matches('/'))
    };
    if api.is_empty() {
        return None;
    }
    let mut headers = serde_json::Map::new();
    for (k, v) in &req.headers {
        match headers.get_mut(k) {
            Some(Value::Array(a)) => a.push(json!(v)),
            _ => {
                headers.insert(k.clone(), json!([v]));
            }
        }
    }
    let text = std::str::from_utf8(&req.body).ok();
    let (body, base64) = match (req.body.is_empty(), text) {
        (true, _) => (Value::Null, false),
        (false, Some(t)) => (json!(t), false),
        (false, None) => {
            use base64::Engine as _;
            (json!(base64::engine::general_purpose::STANDARD.encode(&req.body)), true)
        }
    };
    let input = json!({
        "restApiId": api,
        "stage": stage,
        "httpMethod": req.method,
        "path": format!("/{rest}"),
        "multiValueHeaders": headers,
        "queryString": query,
        "body": body,
        "isBase64Encoded": base64,
        "sourceIp": req.header("x-forwarded-for").unwrap_or("127.0.0.1"),
        "accessKey": access_key(req),
        "rawPath": raw_path,
    });
    Some((region.to_string(), input))
}

/// A user pool's public endpoints, as `https://cognito-idp.{region}.amazonaws.com/{poolId}/...`
/// serves them: `GET /{poolId}/.well-known/jwks.json` and `/.well-known/openid-configuration`,
/// answered by Cognito's control operations.
fn cognito_well_known(req: &HttpRequest, path: &str) -> Option<(String, Value)> {
    if req.method != "GET" {
        return None;
    }
    let (pool, file) = path.strip_prefix('/')?.split_once("/.well-known/")?;
    let (region, _) = pool.split_once('_')?;
    if !crate::kernel::account::Account::is_region(region) || pool.contains('/') {
        return None;
    }
    let operation = match file {
        "jwks.json" => "cognito-idp:GetJwks",
        "openid-configuration" => "cognito-idp:GetOpenIdConfiguration",
        _ => return None,
    };
    Some((operation.to_string(), json!({ "UserPoolId": pool, "region": region })))
}

/// execute-api Invoke's answer as the raw HTTP response.
fn execute_api_response(output: &Value) -> HttpResponse {
    let status = output.get("statusCode").and_then(Value::as_u64).unwrap_or(500) as u16;
    let text = output.get("body").and_then(Value::as_str).unwrap_or("");
    let body = if output.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_default()
    } else {
        text.as_bytes().to_vec()
    };
    let mut headers = Vec::new();
    if let Some(Value::Object(m)) = output.get("multiValueHeaders") {
        for (k, vs) in m {
            for v in vs.as_array().into_iter().flatten() {
                headers.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
            }
        }
    }
    HttpResponse { status, headers, body }
}

#[cfg(test)]
mod tests;
