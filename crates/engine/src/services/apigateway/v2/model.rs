//! HTTP APIs' state, in the shapes `apigatewayv2` answers (camelCase members).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// An API's CORS configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cors {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_headers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_methods: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origins: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose_headers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    pub route_id: String,
    pub route_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub authorization_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_scopes: Vec<String>,
    pub api_key_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub api_gateway_managed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    pub integration_id: String,
    pub integration_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_method: Option<String>,
    pub payload_format_version: String,
    pub timeout_in_millis: i64,
    pub connection_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub api_gateway_managed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JwtConfiguration {
    #[serde(default)]
    pub audience: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorizer {
    pub authorizer_id: String,
    pub name: String,
    pub authorizer_type: String,
    #[serde(default)]
    pub identity_source: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_configuration: Option<JwtConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_payload_format_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_simple_responses: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_result_ttl_in_seconds: Option<i64>,
}

/// A stage's (or one route's) throttling and metrics settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detailed_metrics_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling_burst_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling_rate_limit: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub stage_name: String,
    pub auto_deploy: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub stage_variables: BTreeMap<String, String>,
    #[serde(default)]
    pub default_route_settings: RouteSettings,
    #[serde(default)]
    pub route_settings: BTreeMap<String, RouteSettings>,
    pub created_date: String,
    pub last_updated_date: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub api_gateway_managed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_deployment_status_message: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// What a deployment froze: the routes, integrations, authorizers and CORS of the API then.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub routes: BTreeMap<String, Route>,
    pub integrations: BTreeMap<String, Integration>,
    pub authorizers: BTreeMap<String, Authorizer>,
    #[serde(default)]
    pub cors: Option<Cors>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub deployment_id: String,
    pub deployment_status: String,
    pub created_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub auto_deployed: bool,
    pub snapshot: Snapshot,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpApi {
    pub api_id: String,
    pub name: String,
    pub protocol_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub created_date: String,
    pub route_selection_expression: String,
    pub api_key_selection_expression: String,
    pub disable_execute_api_endpoint: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors_configuration: Option<Cors>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub routes: BTreeMap<String, Route>,
    #[serde(default)]
    pub integrations: BTreeMap<String, Integration>,
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
    #[serde(default)]
    pub stages: BTreeMap<String, Stage>,
    /// Kept as records of their own.
    #[serde(skip)]
    pub deployments: BTreeMap<String, Deployment>,
}

fn value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl HttpApi {
    /// GetApi's answer.
    pub fn to_json(&self, region: &str) -> Value {
        let mut v = value(self);
        if let Value::Object(m) = &mut v {
            for k in ["routes", "integrations", "authorizers", "stages"] {
                m.remove(k);
            }
            m.insert("apiEndpoint".into(), json!(format!("https://{}.execute-api.{region}.amazonaws.com", self.api_id)));
        }
        v
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot { routes: self.routes.clone(), integrations: self.integrations.clone(), authorizers: self.authorizers.clone(), cors: self.cors_configuration.clone() }
    }
}

impl Route {
    /// A route with no target and no authorization.
    pub fn new(route_id: String, route_key: &str) -> Self {
        Route {
            route_id,
            route_key: route_key.to_string(),
            target: None,
            authorization_type: "NONE".into(),
            authorizer_id: None,
            authorization_scopes: Vec::new(),
            api_key_required: false,
            operation_name: None,
            api_gateway_managed: false,
        }
    }

    pub fn to_json(&self) -> Value {
        value(self)
    }
}

impl Integration {
    pub fn to_json(&self) -> Value {
        value(self)
    }
}

impl Authorizer {
    pub fn to_json(&self) -> Value {
        value(self)
    }
}

impl Stage {
    pub fn to_json(&self) -> Value {
        value(self)
    }
}

impl Deployment {
    pub fn to_json(&self) -> Value {
        let mut v = value(self);
        if let Value::Object(m) = &mut v {
            m.remove("snapshot");
        }
        v
    }
}
