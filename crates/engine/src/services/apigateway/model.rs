//! The state of REST APIs, in the API's own member names (camelCase), so a record and an answer
//! share one shape.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

pub use super::responses::GatewayResponse;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApi {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Epoch seconds.
    pub created_date: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub api_key_source: String,
    pub endpoint_types: Vec<String>,
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_compression_size: Option<i64>,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    pub root_resource_id: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The working definition (what the next deployment snapshots).
    pub resources: BTreeMap<String, Resource>,
    /// Authorizers by id (deployments snapshot them with the resources).
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
    /// The resource policy (JSON text, `execute-api:/` shorthand kept as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Customized gateway responses by response type (deployments snapshot them).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    /// Deployments and stages live in their own records.
    #[serde(skip)]
    pub deployments: BTreeMap<String, Deployment>,
    #[serde(skip)]
    pub stages: BTreeMap<String, Stage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_part: Option<String>,
    pub path: String,
    #[serde(default)]
    pub methods: BTreeMap<String, Method>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    pub http_method: String,
    pub authorization_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_validator_id: Option<String>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, bool>,
    #[serde(default)]
    pub request_models: BTreeMap<String, String>,
    #[serde(default)]
    pub method_responses: BTreeMap<String, MethodResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration: Option<Integration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodResponse {
    pub status_code: String,
    #[serde(default)]
    pub response_parameters: BTreeMap<String, bool>,
    #[serde(default)]
    pub response_models: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub request_templates: BTreeMap<String, String>,
    pub passthrough_behavior: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
    pub timeout_in_millis: i64,
    pub cache_namespace: String,
    #[serde(default)]
    pub cache_key_parameters: Vec<String>,
    pub connection_type: String,
    #[serde(default)]
    pub integration_responses: BTreeMap<String, IntegrationResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponse {
    pub status_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_pattern: Option<String>,
    #[serde(default)]
    pub response_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub response_templates: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
}

/// An immutable snapshot of an API's resources; stages point at one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_date: i64,
    pub resources: BTreeMap<String, Resource>,
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    /// The API's resource policy when deployed (a change needs a redeploy, as on AWS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

/// A Lambda (TOKEN or REQUEST) or Cognito user pool authorizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "providerARNs")]
    pub provider_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_credentials: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_validation_expression: Option<String>,
    pub authorizer_result_ttl_in_seconds: i64,
}

impl Authorizer {
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|_| json!({}))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub stage_name: String,
    pub deployment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub tracing_enabled: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub created_date: i64,
    pub last_updated_date: i64,
}

fn string_map<V: Serialize>(m: &BTreeMap<String, V>) -> Value {
    serde_json::to_value(m).unwrap_or_else(|_| json!({}))
}

impl RestApi {
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        o.insert("name".into(), json!(self.name));
        if let Some(d) = &self.description {
            o.insert("description".into(), json!(d));
        }
        o.insert("createdDate".into(), json!(self.created_date));
        if let Some(v) = &self.version {
            o.insert("version".into(), json!(v));
        }
        if !self.binary_media_types.is_empty() {
            o.insert("binaryMediaTypes".into(), json!(self.binary_media_types));
        }
        if let Some(n) = self.minimum_compression_size {
            o.insert("minimumCompressionSize".into(), json!(n));
        }
        o.insert("apiKeySource".into(), json!(self.api_key_source));
        o.insert("endpointConfiguration".into(), json!({ "types": self.endpoint_types }));
        o.insert("disableExecuteApiEndpoint".into(), json!(self.disable_execute_api_endpoint));
        o.insert("rootResourceId".into(), json!(self.root_resource_id));
        if let Some(p) = &self.policy {
            o.insert("policy".into(), json!(p));
        }
        if !self.tags.is_empty() {
            o.insert("tags".into(), string_map(&self.tags));
        }
        Value::Object(o)
    }
}

impl Resource {
    /// GetResource's shape: `resourceMethods` maps each method to `{}`, or to the whole method
    /// with `embed=methods`.
    pub fn to_json(&self, embed_methods: bool) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        if let Some(p) = &self.parent_id {
            o.insert("parentId".into(), json!(p));
        }
        if let Some(p) = &self.path_part {
            o.insert("pathPart".into(), json!(p));
        }
        o.insert("path".into(), json!(self.path));
        if !self.methods.is_empty() {
            let methods: Map<String, Value> = self.methods.iter().map(|(k, m)| (k.clone(), if embed_methods { m.to_json() } else { json!({}) })).collect();
            o.insert("resourceMethods".into(), Value::Object(methods));
        }
        Value::Object(o)
    }
}

impl Method {
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("httpMethod".into(), json!(self.http_method));
        o.insert("authorizationType".into(), json!(self.authorization_type));
        if let Some(a) = &self.authorizer_id {
            o.insert("authorizerId".into(), json!(a));
        }
        o.insert("apiKeyRequired".into(), json!(self.api_key_required));
        if let Some(n) = &self.operation_name {
            o.insert("operationName".into(), json!(n));
        }
        if let Some(n) = &self.request_validator_id {
            o.insert("requestValidatorId".into(), json!(n));
        }
        if !self.request_parameters.is_empty() {
            o.insert("requestParameters".into(), string_map(&self.request_parameters));
        }
        if !self.request_models.is_empty() {
            o.insert("requestModels".into(), string_map(&self.request_models));
        }
        if !self.method_responses.is_empty() {
            let r: Map<String, Value> = self.method_responses.iter().map(|(k, r)| (k.clone(), r.to_json())).collect();
            o.insert("methodResponses".into(), Value::Object(r));
        }
        if let Some(i) = &self.integration {
            o.insert("methodIntegration".into(), i.to_json());
        }
        Value::Object(o)
    }
}

impl MethodResponse {
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("statusCode".into(), json!(self.status_code));
        if !self.response_parameters.is_empty() {
            o.insert("responseParameters".into(), string_map(&self.response_parameters));
        }
        if !self.response_models.is_empty() {
            o.insert("responseModels".into(), string_map(&self.response_models));
        }
        Value::Object(o)
    }
}

impl Integration {
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("type".into(), json!(self.kind));
        if let Some(m) = &self.http_method {
            o.insert("httpMethod".into(), json!(m));
        }
        if let Some(u) = &self.uri {
            o.insert("uri".into(), json!(u));
        }
        if let Some(c) = &self.credentials {
            o.insert("credentials".into(), json!(c));
        }
        if !self.request_parameters.is_empty() {
            o.insert("requestParameters".into(), string_map(&self.request_parameters));
        }
        if !self.request_templates.is_empty() {
            o.insert("requestTemplates".into(), string_map(&self.request_templates));
        }
        o.insert("passthroughBehavior".into(), json!(self.passthrough_behavior));
        if let Some(c) = &self.content_handling {
            o.insert("contentHandling".into(), json!(c));
        }
        o.insert("timeoutInMillis".into(), json!(self.timeout_in_millis));
        o.insert("cacheNamespace".into(), json!(self.cache_namespace));
        o.insert("cacheKeyParameters".into(), json!(self.cache_key_parameters));
        o.insert("connectionType".into(), json!(self.connection_type));
        if !self.integration_responses.is_empty() {
            let r: Map<String, Value> = self.integration_responses.iter().map(|(k, r)| (k.clone(), r.to_json())).collect();
            o.insert("integrationResponses".into(), Value::Object(r));
        }
        Value::Object(o)
    }
}

impl IntegrationResponse {
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("statusCode".into(), json!(self.status_code));
        if let Some(p) = &self.selection_pattern {
            o.insert("selectionPattern".into(), json!(p));
        }
        if !self.response_parameters.is_empty() {
            o.insert("responseParameters".into(), string_map(&self.response_parameters));
        }
        if !self.response_templates.is_empty() {
            o.insert("responseTemplates".into(), string_map(&self.response_templates));
        }
        if let Some(c) = &self.content_handling {
            o.insert("contentHandling".into(), json!(c));
        }
        Value::Object(o)
    }
}

impl Deployment {
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        if let Some(d) = &self.description {
            o.insert("description".into(), json!(d));
        }
        o.insert("createdDate".into(), json!(self.created_date));
        Value::Object(o)
    }
}

impl Stage {
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("deploymentId".into(), json!(self.deployment_id));
        o.insert("stageName".into(), json!(self.stage_name));
        if let Some(d) = &self.description {
            o.insert("description".into(), json!(d));
        }
        o.insert("cacheClusterEnabled".into(), json!(false));
        o.insert("cacheClusterStatus".into(), json!("NOT_AVAILABLE"));
        o.insert("methodSettings".into(), json!({}));
        if !self.variables.is_empty() {
            o.insert("variables".into(), string_map(&self.variables));
        }
        o.insert("tracingEnabled".into(), json!(self.tracing_enabled));
        if !self.tags.is_empty() {
            o.insert("tags".into(), string_map(&self.tags));
        }
        o.insert("createdDate".into(), json!(self.created_date));
        o.insert("lastUpdatedDate".into(), json!(self.last_updated_date));
        Value::Object(o)
    }
}
