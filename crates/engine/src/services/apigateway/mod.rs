//! Amazon API Gateway, REST APIs (v1), REST-JSON (`apigateway`), and its data plane: the
//! endpoint name `execute-api` (operation `Invoke`) calls a deployed stage, as
//! `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}/...` does.
//!
//! State: per region, REST APIs by id, each with its working resource tree (resources, methods,
//! method responses, integrations, integration responses), its deployments (immutable snapshots
//! of the tree) and its stages (each pointing at one deployment, with stage variables).
//! Records: `apigateway/{region}/api/{id}` (the API and its tree, JSON), below it
//! `/deployment/{id}` and `/stage/{name}`; API keys and usage plans (see [`usage`]).
//!
//! See [`invoke`] for routing and integrations (Lambda proxy, MOCK; non-proxy Lambda with
//! mapping templates; HTTP integrations answer 500 until a host HTTP client is wired).

pub mod authorizers;
pub mod control;
pub mod errors;
pub mod invoke;
pub mod mapping;
pub mod model;
pub mod openapi;
pub mod patch;
pub mod regex;
pub mod responses;
pub mod service;
pub mod usage;
pub mod v2;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    service::{Cx, Service},
};
use model::{Deployment, RestApi, Stage};

#[derive(Debug, Default)]
pub struct ApiGateway {
    /// region → API id → API.
    pub(crate) regions: BTreeMap<String, BTreeMap<String, RestApi>>,
    /// region → API keys and usage plans.
    pub(crate) usage: BTreeMap<String, usage::UsageState>,
    /// Parsed mapping templates (derived, not journaled).
    pub(crate) templates: mapping::TemplateCache,
    /// Lambda authorizers' cached answers (not journaled).
    pub(crate) authorizer_cache: authorizers::AuthorizerCache,
    /// HTTP APIs (`apigatewayv2`).
    pub(crate) http: v2::HttpApis,
}

impl ApiGateway {
    pub fn apis(&self, region: &str) -> impl Iterator<Item = &RestApi> {
        self.regions.get(region).into_iter().flat_map(|r| r.values())
    }
}

impl Service for ApiGateway {
    fn name(&self) -> &'static str {
        "apigateway"
    }

    fn answers(&self, name: &str) -> bool {
        name == "apigateway" || name == "apigatewayv2" || name == "execute-api"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        use control::*;
        if cx.endpoint == "execute-api" {
            return Err(AwsError::unknown_operation(format!("execute-api answers Invoke, not {operation}.")));
        }
        if cx.endpoint == "apigatewayv2" {
            return v2::call(self, cx, operation, input);
        }
        match operation {
            "CreateRestApi" => create_rest_api(self, cx, input),
            "GetRestApi" => get_rest_api(self, cx, input),
            "GetRestApis" => get_rest_apis(self, cx, input),
            "UpdateRestApi" => update_rest_api(self, cx, input),
            "DeleteRestApi" => delete_rest_api(self, cx, input),
            "CreateResource" => create_resource(self, cx, input),
            "GetResource" => get_resource(self, cx, input),
            "GetResources" => get_resources(self, cx, input),
            "UpdateResource" => update_resource(self, cx, input),
            "DeleteResource" => delete_resource(self, cx, input),
            "PutMethod" => put_method(self, cx, input),
            "GetMethod" => get_method(self, cx, input),
            "UpdateMethod" => update_method(self, cx, input),
            "DeleteMethod" => delete_method(self, cx, input),
            "PutMethodResponse" => put_method_response(self, cx, input),
            "GetMethodResponse" => get_method_response(self, cx, input),
            "DeleteMethodResponse" => delete_method_response(self, cx, input),
            "PutIntegration" => put_integration(self, cx, input),
            "GetIntegration" => get_integration(self, cx, input),
            "UpdateIntegration" => update_integration(self, cx, input),
            "DeleteIntegration" => delete_integration(self, cx, input),
            "PutIntegrationResponse" => put_integration_response(self, cx, input),
            "GetIntegrationResponse" => get_integration_response(self, cx, input),
            "DeleteIntegrationResponse" => delete_integration_response(self, cx, input),
            "CreateDeployment" => create_deployment(self, cx, input),
            "GetDeployment" => get_deployment(self, cx, input),
            "GetDeployments" => get_deployments(self, cx, input),
            "DeleteDeployment" => delete_deployment(self, cx, input),
            "CreateStage" => create_stage(self, cx, input),
            "GetStage" => get_stage(self, cx, input),
            "GetStages" => get_stages(self, cx, input),
            "UpdateStage" => update_stage(self, cx, input),
            "DeleteStage" => delete_stage(self, cx, input),
            "CreateAuthorizer" => authorizers::create_authorizer(self, cx, input),
            "GetAuthorizer" => authorizers::get_authorizer(self, cx, input),
            "GetAuthorizers" => authorizers::get_authorizers(self, cx, input),
            "UpdateAuthorizer" => authorizers::update_authorizer(self, cx, input),
            "DeleteAuthorizer" => authorizers::delete_authorizer(self, cx, input),
            "ImportRestApi" => openapi::import_rest_api(self, cx, input),
            "PutRestApi" => openapi::put_rest_api(self, cx, input),
            "GetExport" => openapi::get_export(self, cx, input),
            "PutGatewayResponse" => responses::put_gateway_response(self, cx, input),
            "GetGatewayResponse" => responses::get_gateway_response(self, cx, input),
            "GetGatewayResponses" => responses::get_gateway_responses(self, cx, input),
            "UpdateGatewayResponse" => responses::update_gateway_response(self, cx, input),
            "DeleteGatewayResponse" => responses::delete_gateway_response(self, cx, input),
            "CreateApiKey" => usage::create_api_key(self, cx, input),
            "GetApiKey" => usage::get_api_key(self, cx, input),
            "GetApiKeys" => usage::get_api_keys(self, cx, input),
            "DeleteApiKey" => usage::delete_api_key(self, cx, input),
            "CreateUsagePlan" => usage::create_usage_plan(self, cx, input),
            "GetUsagePlan" => usage::get_usage_plan(self, cx, input),
            "GetUsagePlans" => usage::get_usage_plans(self, cx, input),
            "DeleteUsagePlan" => usage::delete_usage_plan(self, cx, input),
            "CreateUsagePlanKey" => usage::create_usage_plan_key(self, cx, input),
            "GetUsagePlanKeys" => usage::get_usage_plan_keys(self, cx, input),
            "DeleteUsagePlanKey" => usage::delete_usage_plan_key(self, cx, input),
            _ => Err(AwsError::unknown_operation(format!("Gureum does not implement the API Gateway operation {operation} yet."))),
        }
    }

    /// execute-api's Invoke needs `execute-api:Invoke` on the method's ARN when the method it
    /// reaches has AWS_IAM authorization, nothing otherwise; the control plane's operations
    /// their `apigateway:` permissions.
    fn permissions(&self, operation: &str, input: &Value, region: &str, account: &str) -> Option<Vec<crate::kernel::authz::Permission>> {
        if operation == "Invoke" {
            return Some(invoke::iam_permissions(self, input, region, account));
        }
        crate::services::authz::permissions(self.name(), operation, input, region, account)
    }

    /// The resource policy of an execute-api ARN
    /// (`arn:aws:execute-api:{region}:{account}:{api}/{stage}/...`): the policy deployed to that
    /// stage, its `execute-api:/` shorthand written out.
    fn resource_policy(&self, region: &str, resource_arn: &str) -> Option<String> {
        let rest = resource_arn.strip_prefix("arn:aws:execute-api:")?;
        let mut parts = rest.splitn(3, ':');
        let (_, account, path) = (parts.next()?, parts.next()?, parts.next()?);
        let mut segs = path.splitn(3, '/');
        let (api_id, stage) = (segs.next()?, segs.next()?);
        let api = self.regions.get(region)?.get(api_id)?;
        let policy = api.deployments.get(&api.stages.get(stage)?.deployment_id)?.policy.as_deref()?;
        Some(control::expand_policy(policy, region, account, api_id))
    }

    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        match (cx.endpoint == "execute-api", operation) {
            (true, "Invoke") => invoke::invoke(self, cx, input),
            (false, "TestInvokeMethod") if cx.endpoint == "apigateway" => invoke::test_invoke_method(self, cx, input),
            (false, "TestInvokeAuthorizer") if cx.endpoint == "apigateway" => invoke::test_invoke_authorizer(self, cx, input),
            _ => self.call(cx, operation, input).map(Step::Done),
        }
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        if then.is::<v2::invoke::Pending>() {
            return v2::invoke::resume(self, cx, then, result);
        }
        invoke::resume(self, cx, then, result)
    }

    fn save(&self, out: &mut Vec<Record>) {
        fn json<T: serde::Serialize>(v: &T) -> Vec<u8> {
            serde_json::to_vec(v).unwrap_or_default()
        }
        for (region, state) in &self.usage {
            for (id, key) in &state.keys {
                out.push(Record { key: usage::key_record(region, id), value: json(key) });
            }
            for (id, plan) in &state.plans {
                out.push(Record { key: usage::plan_record(region, id), value: json(plan) });
            }
        }
        for (region, apis) in &self.http.apis {
            for (id, api) in apis {
                out.push(Record { key: v2::api_record(region, id), value: json(api) });
                for (d, dep) in &api.deployments {
                    out.push(Record { key: v2::deployment_record(region, id, d), value: json(dep) });
                }
            }
        }
        for (region, apis) in &self.regions {
            for (id, api) in apis {
                out.push(Record { key: control::api_key(region, id), value: json(api) });
                for (d, dep) in &api.deployments {
                    out.push(Record { key: control::deployment_key(region, id, d), value: json(dep) });
                }
                for (s, stage) in &api.stages {
                    out.push(Record { key: control::stage_key(region, id, s), value: json(stage) });
                }
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        fn parse<T: serde::de::DeserializeOwned>(value: &[u8]) -> Result<T, String> {
            serde_json::from_slice(value).map_err(|e| e.to_string())
        }
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["apigateway", region, "api", id] => {
                let api: RestApi = parse(value)?;
                if api.id != *id {
                    return Err("REST API record under another id".into());
                }
                let apis = self.regions.entry(region.to_string()).or_default();
                match apis.get_mut(*id) {
                    Some(existing) => {
                        let (deployments, stages) = (std::mem::take(&mut existing.deployments), std::mem::take(&mut existing.stages));
                        *existing = RestApi { deployments, stages, ..api };
                    }
                    None => {
                        apis.insert(id.to_string(), api);
                    }
                }
            }
            ["apigateway", region, "api", id, "deployment", d] => {
                let dep: Deployment = parse(value)?;
                let api = self.regions.get_mut(*region).and_then(|r| r.get_mut(*id)).ok_or("deployment record before its API")?;
                api.deployments.insert(d.to_string(), dep);
            }
            ["apigateway", region, "api", id, "stage", s] => {
                let stage: Stage = parse(value)?;
                let api = self.regions.get_mut(*region).and_then(|r| r.get_mut(*id)).ok_or("stage record before its API")?;
                api.stages.insert(s.to_string(), stage);
            }
            ["apigateway", region, "httpapi", id] => {
                let api: v2::model::HttpApi = parse(value)?;
                if api.api_id != *id {
                    return Err("HTTP API record under another id".into());
                }
                let apis = self.http.apis.entry(region.to_string()).or_default();
                let deployments = apis.remove(*id).map(|a| a.deployments).unwrap_or_default();
                apis.insert(id.to_string(), v2::model::HttpApi { deployments, ..api });
            }
            ["apigateway", region, "httpapi", id, "deployment", d] => {
                let dep: v2::model::Deployment = parse(value)?;
                let api = self.http.apis.get_mut(*region).and_then(|r| r.get_mut(*id)).ok_or("deployment record before its HTTP API")?;
                api.deployments.insert(d.to_string(), dep);
            }
            ["apigateway", region, "apikey", id] => {
                let key: usage::ApiKey = parse(value)?;
                self.usage.entry(region.to_string()).or_default().keys.insert(id.to_string(), key);
            }
            ["apigateway", region, "usageplan", id] => {
                let plan: usage::UsagePlan = parse(value)?;
                self.usage.entry(region.to_string()).or_default().plans.insert(id.to_string(), plan);
            }
            _ => return Err("unknown API Gateway record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.regions.clear();
        self.usage.clear();
        self.templates.clear();
        self.authorizer_cache.clear();
        self.http = v2::HttpApis::default();
    }
}

#[cfg(test)]
mod tests;
