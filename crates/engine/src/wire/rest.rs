//! REST-JSON (Lambda, SES v2): the operation is chosen by method and path; members come from path
//! labels, the query string, headers and the JSON body, and are merged into the one JSON input
//! shape the engine takes. Answers go back as JSON bodies with the operation's status code,
//! except where a member is the whole body (Invoke's `Payload`) or travels in headers.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use super::{percent, HttpRequest, HttpResponse};
use crate::kernel::error::AwsError;

/// How a query-string parameter becomes a member.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Text,
    Int,
    Bool,
    List,
}

#[derive(Debug)]
pub struct Route {
    pub service: &'static str,
    pub method: &'static str,
    /// Path template: `{Label}` matches one segment, `{Label+}` the rest of the path.
    pub path: &'static str,
    pub operation: &'static str,
    /// HTTP status of a success.
    pub status: u16,
    /// (query parameter, member, kind).
    pub query: &'static [(&'static str, &'static str, Kind)],
    /// (header, member) for the request.
    pub headers: &'static [(&'static str, &'static str)],
    /// The member the raw body is (as base64), if the body is not a JSON object of members.
    pub payload: Option<&'static str>,
}

const PAGING: &[(&str, &str, Kind)] = &[("Marker", "Marker", Kind::Text), ("MaxItems", "MaxItems", Kind::Int)];
const QUALIFIER: &[(&str, &str, Kind)] = &[("Qualifier", "Qualifier", Kind::Text)];
const QUALIFIER_PAGING: &[(&str, &str, Kind)] = &[("Qualifier", "Qualifier", Kind::Text), ("Marker", "Marker", Kind::Text), ("MaxItems", "MaxItems", Kind::Int)];

macro_rules! route {
    ($method:literal, $path:literal, $op:literal, $status:literal) => {
        route!($method, $path, $op, $status, &[], &[], None)
    };
    ($method:literal, $path:literal, $op:literal, $status:literal, $query:expr) => {
        route!($method, $path, $op, $status, $query, &[], None)
    };
    ($method:literal, $path:literal, $op:literal, $status:literal, $query:expr, $headers:expr, $payload:expr) => {
        Route { service: "lambda", method: $method, path: $path, operation: $op, status: $status, query: $query, headers: $headers, payload: $payload }
    };
}

/// Lambda's routes (API version 2015-03-31 and the later dated paths).
pub static LAMBDA: &[Route] = &[
    route!("POST", "/2015-03-31/functions", "CreateFunction", 201),
    route!(
        "GET",
        "/2015-03-31/functions",
        "ListFunctions",
        200,
        &[("Marker", "Marker", Kind::Text), ("MaxItems", "MaxItems", Kind::Int), ("FunctionVersion", "FunctionVersion", Kind::Text), ("MasterRegion", "MasterRegion", Kind::Text)]
    ),
    route!("GET", "/2015-03-31/functions/{FunctionName}", "GetFunction", 200, QUALIFIER),
    route!("DELETE", "/2015-03-31/functions/{FunctionName}", "DeleteFunction", 204, QUALIFIER),
    route!("GET", "/2015-03-31/functions/{FunctionName}/configuration", "GetFunctionConfiguration", 200, QUALIFIER),
    route!("PUT", "/2015-03-31/functions/{FunctionName}/configuration", "UpdateFunctionConfiguration", 200),
    route!("PUT", "/2015-03-31/functions/{FunctionName}/code", "UpdateFunctionCode", 200),
    route!(
        "POST",
        "/2015-03-31/functions/{FunctionName}/invocations",
        "Invoke",
        200,
        QUALIFIER,
        &[("x-amz-invocation-type", "InvocationType"), ("x-amz-log-type", "LogType"), ("x-amz-client-context", "ClientContext")],
        Some("Payload")
    ),
    route!("POST", "/2015-03-31/functions/{FunctionName}/versions", "PublishVersion", 201),
    route!("GET", "/2015-03-31/functions/{FunctionName}/versions", "ListVersionsByFunction", 200, PAGING),
    route!("POST", "/2015-03-31/functions/{FunctionName}/aliases", "CreateAlias", 201),
    route!(
        "GET",
        "/2015-03-31/functions/{FunctionName}/aliases",
        "ListAliases",
        200,
        &[("FunctionVersion", "FunctionVersion", Kind::Text), ("Marker", "Marker", Kind::Text), ("MaxItems", "MaxItems", Kind::Int)]
    ),
    route!("GET", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "GetAlias", 200),
    route!("PUT", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "UpdateAlias", 200),
    route!("DELETE", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "DeleteAlias", 204),
    route!("PUT", "/2017-10-31/functions/{FunctionName}/concurrency", "PutFunctionConcurrency", 200),
    route!("GET", "/2019-09-30/functions/{FunctionName}/concurrency", "GetFunctionConcurrency", 200),
    route!("DELETE", "/2017-10-31/functions/{FunctionName}/concurrency", "DeleteFunctionConcurrency", 204),
    route!("GET", "/2016-08-19/account-settings", "GetAccountSettings", 200),
    route!("POST", "/2017-03-31/tags/{Resource+}", "TagResource", 204),
    route!("DELETE", "/2017-03-31/tags/{Resource+}", "UntagResource", 204, &[("tagKeys", "TagKeys", Kind::List)]),
    route!("GET", "/2017-03-31/tags/{Resource+}", "ListTags", 200),
    route!("PUT", "/2019-09-25/functions/{FunctionName}/event-invoke-config", "PutFunctionEventInvokeConfig", 200, QUALIFIER),
    route!("POST", "/2019-09-25/functions/{FunctionName}/event-invoke-config", "UpdateFunctionEventInvokeConfig", 200, QUALIFIER),
    route!("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config", "GetFunctionEventInvokeConfig", 200, QUALIFIER),
    route!("DELETE", "/2019-09-25/functions/{FunctionName}/event-invoke-config", "DeleteFunctionEventInvokeConfig", 204, QUALIFIER),
    route!("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config/list", "ListFunctionEventInvokeConfigs", 200, QUALIFIER_PAGING),
    route!("POST", "/2015-03-31/event-source-mappings", "CreateEventSourceMapping", 202),
    route!(
        "GET",
        "/2015-03-31/event-source-mappings",
        "ListEventSourceMappings",
        200,
        &[("EventSourceArn", "EventSourceArn", Kind::Text), ("FunctionName", "FunctionName", Kind::Text), ("Marker", "Marker", Kind::Text), ("MaxItems", "MaxItems", Kind::Int)]
    ),
    route!("GET", "/2015-03-31/event-source-mappings/{UUID}", "GetEventSourceMapping", 200),
    route!("PUT", "/2015-03-31/event-source-mappings/{UUID}", "UpdateEventSourceMapping", 202),
    route!("DELETE", "/2015-03-31/event-source-mappings/{UUID}", "DeleteEventSourceMapping", 202),
];

macro_rules! ses {
    ($method:literal, $path:literal, $op:literal) => {
        ses!($method, $path, $op, &[])
    };
    ($method:literal, $path:literal, $op:literal, $query:expr) => {
        Route { service: "email", method: $method, path: $path, operation: $op, status: 200, query: $query, headers: &[], payload: None }
    };
}

const SES_PAGING: &[(&str, &str, Kind)] = &[("NextToken", "NextToken", Kind::Text), ("PageSize", "PageSize", Kind::Int)];

/// Amazon SES API v2's routes (the operations the sandbox simulates; other `/v2/email/` paths
/// get UnknownOperationException).
pub static SES: &[Route] = &[
    ses!("POST", "/v2/email/identities", "CreateEmailIdentity"),
    ses!("GET", "/v2/email/identities", "ListEmailIdentities", SES_PAGING),
    ses!("GET", "/v2/email/identities/{EmailIdentity}", "GetEmailIdentity"),
    ses!("DELETE", "/v2/email/identities/{EmailIdentity}", "DeleteEmailIdentity"),
    ses!("POST", "/v2/email/outbound-emails", "SendEmail"),
    ses!("POST", "/v2/email/templates", "CreateEmailTemplate"),
    ses!("GET", "/v2/email/templates", "ListEmailTemplates", SES_PAGING),
    ses!("GET", "/v2/email/templates/{TemplateName}", "GetEmailTemplate"),
    ses!("PUT", "/v2/email/templates/{TemplateName}", "UpdateEmailTemplate"),
    ses!("DELETE", "/v2/email/templates/{TemplateName}", "DeleteEmailTemplate"),
    ses!("POST", "/v2/email/templates/{TemplateName}/render", "TestRenderEmailTemplate"),
    ses!("GET", "/v2/email/account", "GetAccount"),
];

macro_rules! backup {
    ($method:literal, $path:literal, $op:literal) => {
        backup!($method, $path, $op, &[])
    };
    ($method:literal, $path:literal, $op:literal, $query:expr) => {
        Route { service: "backup", method: $method, path: $path, operation: $op, status: 200, query: $query, headers: &[], payload: None }
    };
}

const BACKUP_PAGING: &[(&str, &str, Kind)] = &[("nextToken", "NextToken", Kind::Text), ("maxResults", "MaxResults", Kind::Int)];

/// AWS Backup's routes (see `services/backup`).
pub static BACKUP: &[Route] = &[
    backup!("PUT", "/backup-vaults/{BackupVaultName}", "CreateBackupVault"),
    backup!("GET", "/backup-vaults/{BackupVaultName}", "DescribeBackupVault", &[("backupVaultAccountId", "BackupVaultAccountId", Kind::Text)]),
    backup!(
        "GET",
        "/backup-vaults",
        "ListBackupVaults",
        &[("nextToken", "NextToken", Kind::Text), ("maxResults", "MaxResults", Kind::Int), ("vaultType", "ByVaultType", Kind::Text), ("shared", "ByShared", Kind::Bool)]
    ),
    backup!("DELETE", "/backup-vaults/{BackupVaultName}", "DeleteBackupVault"),
    backup!(
        "GET",
        "/backup-vaults/{BackupVaultName}/recovery-points",
        "ListRecoveryPointsByBackupVault",
        &[
            ("nextToken", "NextToken", Kind::Text),
            ("maxResults", "MaxResults", Kind::Int),
            ("resourceArn", "ByResourceArn", Kind::Text),
            ("resourceType", "ByResourceType", Kind::Text),
            ("backupPlanId", "ByBackupPlanId", Kind::Text),
            ("createdBefore", "ByCreatedBefore", Kind::Text),
            ("createdAfter", "ByCreatedAfter", Kind::Text),
            ("parentRecoveryPointArn", "ByParentRecoveryPointArn", Kind::Text),
            ("backupVaultAccountId", "BackupVaultAccountId", Kind::Text)
        ]
    ),
    backup!("GET", "/backup-vaults/{BackupVaultName}/recovery-points/{RecoveryPointArn}", "DescribeRecoveryPoint"),
    backup!("DELETE", "/backup-vaults/{BackupVaultName}/recovery-points/{RecoveryPointArn}", "DeleteRecoveryPoint"),
    backup!("PUT", "/backup/plans", "CreateBackupPlan"),
    backup!(
        "GET",
        "/backup/plans",
        "ListBackupPlans",
        &[("nextToken", "NextToken", Kind::Text), ("maxResults", "MaxResults", Kind::Int), ("includeDeleted", "IncludeDeleted", Kind::Bool)]
    ),
    backup!("GET", "/backup/plans/{BackupPlanId}", "GetBackupPlan", &[("versionId", "VersionId", Kind::Text)]),
    backup!("POST", "/backup/plans/{BackupPlanId}", "UpdateBackupPlan"),
    backup!("DELETE", "/backup/plans/{BackupPlanId}", "DeleteBackupPlan"),
    backup!("PUT", "/backup/plans/{BackupPlanId}/selections", "CreateBackupSelection"),
    backup!("GET", "/backup/plans/{BackupPlanId}/selections", "ListBackupSelections", BACKUP_PAGING),
    backup!("GET", "/backup/plans/{BackupPlanId}/selections/{SelectionId}", "GetBackupSelection"),
    backup!("DELETE", "/backup/plans/{BackupPlanId}/selections/{SelectionId}", "DeleteBackupSelection"),
    backup!("PUT", "/backup-jobs", "StartBackupJob"),
    backup!(
        "GET",
        "/backup-jobs",
        "ListBackupJobs",
        &[
            ("nextToken", "NextToken", Kind::Text),
            ("maxResults", "MaxResults", Kind::Int),
            ("resourceArn", "ByResourceArn", Kind::Text),
            ("state", "ByState", Kind::Text),
            ("backupVaultName", "ByBackupVaultName", Kind::Text),
            ("resourceType", "ByResourceType", Kind::Text),
            ("createdBefore", "ByCreatedBefore", Kind::Text),
            ("createdAfter", "ByCreatedAfter", Kind::Text),
            ("completeBefore", "ByCompleteBefore", Kind::Text),
            ("completeAfter", "ByCompleteAfter", Kind::Text)
        ]
    ),
    backup!("GET", "/backup-jobs/{BackupJobId}", "DescribeBackupJob"),
    backup!("PUT", "/restore-jobs", "StartRestoreJob"),
    backup!("GET", "/restore-jobs/{RestoreJobId}", "DescribeRestoreJob"),
];

macro_rules! apigw {
    ($method:literal, $path:literal, $op:literal, $status:literal) => {
        apigw!($method, $path, $op, $status, &[])
    };
    ($method:literal, $path:literal, $op:literal, $status:literal, $query:expr) => {
        Route { service: "apigateway", method: $method, path: $path, operation: $op, status: $status, query: $query, headers: &[], payload: None }
    };
}

const APIGW_PAGING: &[(&str, &str, Kind)] = &[("limit", "limit", Kind::Int), ("position", "position", Kind::Text)];
const APIGW_EMBED: &[(&str, &str, Kind)] = &[("embed", "embed", Kind::List)];
const APIGW_EMBED_PAGING: &[(&str, &str, Kind)] = &[("limit", "limit", Kind::Int), ("position", "position", Kind::Text), ("embed", "embed", Kind::List)];

/// ImportRestApi's and PutRestApi's `parameters` (and `failonwarnings`), sent in the query.
const APIGW_IMPORT: &[(&str, &str, Kind)] = &[
    ("mode", "mode", Kind::Text),
    ("failonwarnings", "failOnWarnings", Kind::Bool),
    ("basepath", "basepath", Kind::Text),
    ("endpointConfigurationTypes", "endpointConfigurationTypes", Kind::Text),
    ("ignore", "ignore", Kind::Text),
];

/// ImportRestApi is `POST /restapis?mode=import` (CreateRestApi's path and method).
static APIGW_IMPORT_REST_API: Route =
    Route { service: "apigateway", method: "POST", path: "/restapis", operation: "ImportRestApi", status: 201, query: APIGW_IMPORT, headers: &[], payload: Some("body") };

/// Amazon API Gateway's REST API (v1) routes (see `services/apigateway`).
pub static APIGATEWAY: &[Route] = &[
    apigw!("POST", "/restapis", "CreateRestApi", 201),
    apigw!("GET", "/restapis", "GetRestApis", 200, APIGW_PAGING),
    apigw!("GET", "/restapis/{restApiId}", "GetRestApi", 200),
    Route { service: "apigateway", method: "PUT", path: "/restapis/{restApiId}", operation: "PutRestApi", status: 200, query: APIGW_IMPORT, headers: &[], payload: Some("body") },
    apigw!("PATCH", "/restapis/{restApiId}", "UpdateRestApi", 200),
    apigw!("DELETE", "/restapis/{restApiId}", "DeleteRestApi", 202),
    apigw!("GET", "/restapis/{restApiId}/resources", "GetResources", 200, APIGW_EMBED_PAGING),
    apigw!("POST", "/restapis/{restApiId}/resources/{parentId}", "CreateResource", 201),
    apigw!("GET", "/restapis/{restApiId}/resources/{resourceId}", "GetResource", 200, APIGW_EMBED),
    apigw!("PATCH", "/restapis/{restApiId}/resources/{resourceId}", "UpdateResource", 200),
    apigw!("DELETE", "/restapis/{restApiId}/resources/{resourceId}", "DeleteResource", 202),
    apigw!("PUT", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}", "PutMethod", 201),
    apigw!("GET", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}", "GetMethod", 200),
    apigw!("PATCH", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}", "UpdateMethod", 200),
    apigw!("DELETE", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}", "DeleteMethod", 202),
    apigw!("POST", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}", "TestInvokeMethod", 200),
    apigw!("PUT", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/responses/{statusCode}", "PutMethodResponse", 201),
    apigw!("GET", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/responses/{statusCode}", "GetMethodResponse", 200),
    apigw!("DELETE", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/responses/{statusCode}", "DeleteMethodResponse", 202),
    apigw!("PUT", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration", "PutIntegration", 201),
    apigw!("GET", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration", "GetIntegration", 200),
    apigw!("PATCH", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration", "UpdateIntegration", 200),
    apigw!("DELETE", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration", "DeleteIntegration", 202),
    apigw!("PUT", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration/responses/{statusCode}", "PutIntegrationResponse", 201),
    apigw!("GET", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration/responses/{statusCode}", "GetIntegrationResponse", 200),
    apigw!("DELETE", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration/responses/{statusCode}", "DeleteIntegrationResponse", 202),
    apigw!("POST", "/restapis/{restApiId}/deployments", "CreateDeployment", 201),
    apigw!("GET", "/restapis/{restApiId}/deployments", "GetDeployments", 200, APIGW_PAGING),
    apigw!("GET", "/restapis/{restApiId}/deployments/{deploymentId}", "GetDeployment", 200),
    apigw!("DELETE", "/restapis/{restApiId}/deployments/{deploymentId}", "DeleteDeployment", 202),
    apigw!("POST", "/restapis/{restApiId}/stages", "CreateStage", 201),
    apigw!("GET", "/restapis/{restApiId}/stages", "GetStages", 200, &[("deploymentId", "deploymentId", Kind::Text)]),
    apigw!("GET", "/restapis/{restApiId}/stages/{stageName}", "GetStage", 200),
    apigw!("PATCH", "/restapis/{restApiId}/stages/{stageName}", "UpdateStage", 200),
    apigw!("DELETE", "/restapis/{restApiId}/stages/{stageName}", "DeleteStage", 202),
    Route {
        service: "apigateway",
        method: "GET",
        path: "/restapis/{restApiId}/stages/{stageName}/exports/{exportType}",
        operation: "GetExport",
        status: 200,
        query: &[("extensions", "extensions", Kind::Text)],
        headers: &[("Accept", "accepts")],
        payload: None,
    },
    apigw!("POST", "/restapis/{restApiId}/authorizers", "CreateAuthorizer", 201),
    apigw!("GET", "/restapis/{restApiId}/authorizers", "GetAuthorizers", 200, APIGW_PAGING),
    apigw!("GET", "/restapis/{restApiId}/authorizers/{authorizerId}", "GetAuthorizer", 200),
    apigw!("PATCH", "/restapis/{restApiId}/authorizers/{authorizerId}", "UpdateAuthorizer", 200),
    apigw!("DELETE", "/restapis/{restApiId}/authorizers/{authorizerId}", "DeleteAuthorizer", 202),
    apigw!("POST", "/restapis/{restApiId}/authorizers/{authorizerId}", "TestInvokeAuthorizer", 200),
    apigw!("PUT", "/restapis/{restApiId}/gatewayresponses/{responseType}", "PutGatewayResponse", 201),
    apigw!("GET", "/restapis/{restApiId}/gatewayresponses/{responseType}", "GetGatewayResponse", 200),
    apigw!("GET", "/restapis/{restApiId}/gatewayresponses", "GetGatewayResponses", 200, APIGW_PAGING),
    apigw!("PATCH", "/restapis/{restApiId}/gatewayresponses/{responseType}", "UpdateGatewayResponse", 200),
    apigw!("DELETE", "/restapis/{restApiId}/gatewayresponses/{responseType}", "DeleteGatewayResponse", 202),
    apigw!("POST", "/apikeys", "CreateApiKey", 201),
    apigw!(
        "GET",
        "/apikeys",
        "GetApiKeys",
        200,
        &[
            ("limit", "limit", Kind::Int),
            ("position", "position", Kind::Text),
            ("name", "nameQuery", Kind::Text),
            ("customerId", "customerId", Kind::Text),
            ("includeValues", "includeValues", Kind::Bool)
        ]
    ),
    apigw!("GET", "/apikeys/{apiKey}", "GetApiKey", 200, &[("includeValue", "includeValue", Kind::Bool)]),
    apigw!("DELETE", "/apikeys/{apiKey}", "DeleteApiKey", 202),
    apigw!("POST", "/usageplans", "CreateUsagePlan", 201),
    apigw!("GET", "/usageplans", "GetUsagePlans", 200, &[("limit", "limit", Kind::Int), ("position", "position", Kind::Text), ("keyId", "keyId", Kind::Text)]),
    apigw!("GET", "/usageplans/{usagePlanId}", "GetUsagePlan", 200),
    apigw!("DELETE", "/usageplans/{usagePlanId}", "DeleteUsagePlan", 202),
    apigw!("POST", "/usageplans/{usagePlanId}/keys", "CreateUsagePlanKey", 201),
    apigw!(
        "GET",
        "/usageplans/{usagePlanId}/keys",
        "GetUsagePlanKeys",
        200,
        &[("limit", "limit", Kind::Int), ("position", "position", Kind::Text), ("name", "nameQuery", Kind::Text)]
    ),
    apigw!("DELETE", "/usageplans/{usagePlanId}/keys/{keyId}", "DeleteUsagePlanKey", 202),
];

macro_rules! apigw2 {
    ($method:literal, $path:literal, $op:literal, $status:literal) => {
        apigw2!($method, $path, $op, $status, &[])
    };
    ($method:literal, $path:literal, $op:literal, $status:literal, $query:expr) => {
        Route { service: "apigatewayv2", method: $method, path: $path, operation: $op, status: $status, query: $query, headers: &[], payload: None }
    };
}

const APIGW2_PAGING: &[(&str, &str, Kind)] = &[("maxResults", "maxResults", Kind::Text), ("nextToken", "nextToken", Kind::Text)];

/// Amazon API Gateway v2's routes for HTTP APIs (see `services/apigateway/v2`); signed with the
/// same name as v1 (`apigateway`), told apart by the `/v2/` path.
pub static APIGATEWAYV2: &[Route] = &[
    apigw2!("POST", "/v2/apis", "CreateApi", 201),
    apigw2!("GET", "/v2/apis", "GetApis", 200, APIGW2_PAGING),
    apigw2!("GET", "/v2/apis/{apiId}", "GetApi", 200),
    apigw2!("PATCH", "/v2/apis/{apiId}", "UpdateApi", 200),
    apigw2!("DELETE", "/v2/apis/{apiId}", "DeleteApi", 204),
    apigw2!("DELETE", "/v2/apis/{apiId}/cors", "DeleteCorsConfiguration", 204),
    apigw2!("POST", "/v2/apis/{apiId}/routes", "CreateRoute", 201),
    apigw2!("GET", "/v2/apis/{apiId}/routes", "GetRoutes", 200, APIGW2_PAGING),
    apigw2!("GET", "/v2/apis/{apiId}/routes/{routeId}", "GetRoute", 200),
    apigw2!("PATCH", "/v2/apis/{apiId}/routes/{routeId}", "UpdateRoute", 200),
    apigw2!("DELETE", "/v2/apis/{apiId}/routes/{routeId}", "DeleteRoute", 204),
    apigw2!("POST", "/v2/apis/{apiId}/integrations", "CreateIntegration", 201),
    apigw2!("GET", "/v2/apis/{apiId}/integrations", "GetIntegrations", 200, APIGW2_PAGING),
    apigw2!("GET", "/v2/apis/{apiId}/integrations/{integrationId}", "GetIntegration", 200),
    apigw2!("PATCH", "/v2/apis/{apiId}/integrations/{integrationId}", "UpdateIntegration", 200),
    apigw2!("DELETE", "/v2/apis/{apiId}/integrations/{integrationId}", "DeleteIntegration", 204),
    apigw2!("POST", "/v2/apis/{apiId}/authorizers", "CreateAuthorizer", 201),
    apigw2!("GET", "/v2/apis/{apiId}/authorizers", "GetAuthorizers", 200, APIGW2_PAGING),
    apigw2!("GET", "/v2/apis/{apiId}/authorizers/{authorizerId}", "GetAuthorizer", 200),
    apigw2!("PATCH", "/v2/apis/{apiId}/authorizers/{authorizerId}", "UpdateAuthorizer", 200),
    apigw2!("DELETE", "/v2/apis/{apiId}/authorizers/{authorizerId}", "DeleteAuthorizer", 204),
    apigw2!("POST", "/v2/apis/{apiId}/stages", "CreateStage", 201),
    apigw2!("GET", "/v2/apis/{apiId}/stages", "GetStages", 200, APIGW2_PAGING),
    apigw2!("GET", "/v2/apis/{apiId}/stages/{stageName}", "GetStage", 200),
    apigw2!("PATCH", "/v2/apis/{apiId}/stages/{stageName}", "UpdateStage", 200),
    apigw2!("DELETE", "/v2/apis/{apiId}/stages/{stageName}", "DeleteStage", 204),
    apigw2!("POST", "/v2/apis/{apiId}/deployments", "CreateDeployment", 201),
    apigw2!("GET", "/v2/apis/{apiId}/deployments", "GetDeployments", 200, APIGW2_PAGING),
    apigw2!("GET", "/v2/apis/{apiId}/deployments/{deploymentId}", "GetDeployment", 200),
    apigw2!("DELETE", "/v2/apis/{apiId}/deployments/{deploymentId}", "DeleteDeployment", 204),
];

/// A REST-JSON service: its SigV4 signing name, the path prefixes that identify an unsigned
/// request as its, and its route table.
pub struct RestService {
    pub title: &'static str,
    pub signing_name: &'static str,
    pub prefixes: &'static [&'static str],
    pub routes: &'static [Route],
}

pub static SERVICES: &[RestService] = &[
    RestService {
        title: "Lambda",
        signing_name: "lambda",
        prefixes: &["/2015-03-31/", "/2016-08-19/", "/2017-03-31/", "/2017-10-31/", "/2019-09-25/", "/2019-09-30/"],
        routes: LAMBDA,
    },
    RestService { title: "SES", signing_name: "ses", prefixes: &["/v2/email/"], routes: SES },
    RestService { title: "API Gateway v2", signing_name: "apigateway", prefixes: &["/v2/apis"], routes: APIGATEWAYV2 },
    RestService { title: "API Gateway", signing_name: "apigateway", prefixes: &["/restapis", "/apikeys", "/usageplans"], routes: APIGATEWAY },
    RestService { title: "Backup", signing_name: "backup", prefixes: &["/backup-vaults", "/backup/plans", "/backup-jobs", "/restore-jobs"], routes: BACKUP },
];

/// The REST-JSON service a request is for: by its signing name when signed (the one whose path
/// prefix matches among services sharing a name, as API Gateway's v1 and v2 do), else by its path.
pub fn service_for(signing_name: Option<&str>, path: &str) -> Option<&'static RestService> {
    match signing_name {
        Some(name) => {
            SERVICES.iter().find(|s| s.signing_name == name && s.prefixes.iter().any(|p| path.starts_with(p))).or_else(|| SERVICES.iter().rev().find(|s| s.signing_name == name))
        }
        None => SERVICES.iter().find(|s| s.prefixes.iter().any(|p| path.starts_with(p))),
    }
}

/// Whether a path belongs to a REST-JSON service Gureum serves (for unsigned requests).
pub fn owns_path(path: &str) -> bool {
    service_for(None, path).is_some()
}

/// Matches a path against a template; returns the labels.
fn match_path(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let path = path.trim_end_matches('/');
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut labels = Vec::new();
    for (i, seg) in t.iter().enumerate() {
        if let Some(label) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if let Some(greedy) = label.strip_suffix('+') {
                let rest = p.get(i..)?.join("/");
                if rest.is_empty() {
                    return None;
                }
                labels.push((greedy.to_string(), percent::decode(&rest, false)));
                return Some(labels);
            }
            let v = p.get(i)?;
            if v.is_empty() {
                return None;
            }
            labels.push((label.to_string(), percent::decode(v, false)));
        } else if p.get(i) != Some(seg) {
            return None;
        }
    }
    (p.len() == t.len()).then_some(labels)
}

/// The route and the operation's input for a request, or None when no route matches.
pub fn parse(routes: &'static [Route], req: &HttpRequest) -> Option<Result<(&'static Route, Value), AwsError>> {
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let mut matched_path = false;
    for route in routes {
        let Some(labels) = match_path(route.path, path) else { continue };
        matched_path = true;
        if route.method != req.method {
            continue;
        }
        let route = if route.operation == "CreateRestApi" && query.split('&').any(|p| p == "mode=import") { &APIGW_IMPORT_REST_API } else { route };
        return Some(build_input(route, labels, query, req).map(|input| (route, input)));
    }
    if matched_path {
        return Some(Err(AwsError::new("", "UnknownOperationException", format!("No operation answers {} {path}.", req.method), 405)));
    }
    None
}

fn build_input(route: &'static Route, labels: Vec<(String, String)>, query: &str, req: &HttpRequest) -> Result<Value, AwsError> {
    let mut input = Map::new();
    if let Some(member) = route.payload {
        if !req.body.is_empty() {
            input.insert(member.to_string(), Value::String(B64.encode(&req.body)));
        }
    } else if !req.body.iter().all(u8::is_ascii_whitespace) {
        match serde_json::from_slice::<Value>(&req.body) {
            // API Gateway's PutIntegration sends integrationHttpMethod as `httpMethod` in the body
            // (the path's `{http_method}` is the method's).
            Ok(Value::Object(mut m)) if route.operation == "PutIntegration" => {
                if let Some(v) = m.remove("httpMethod") {
                    m.insert("integrationHttpMethod".into(), v);
                }
                input.extend(m)
            }
            Ok(Value::Object(m)) => input.extend(m),
            _ => return Err(AwsError::new("", "SerializationException", "The request body is not a JSON object.", 400)),
        }
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent::decode(k, true), percent::decode(v, true));
        let Some((_, member, kind)) = route.query.iter().find(|(q, _, _)| *q == k) else { continue };
        let value = match kind {
            Kind::Text => Value::String(v),
            Kind::Int => match v.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => {
                    return Err(AwsError::new(
                        "",
                        "ValidationException",
                        format!("1 validation error detected: Value '{v}' at '{k}' failed to satisfy constraint: Member must be a number"),
                        400,
                    ))
                }
            },
            Kind::Bool => Value::Bool(v == "true"),
            Kind::List => {
                let entry = input.entry(member.to_string()).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(a) = entry {
                    a.push(Value::String(v));
                }
                continue;
            }
        };
        input.insert(member.to_string(), value);
    }
    for (header, member) in route.headers {
        if let Some(v) = req.header(header) {
            input.insert(member.to_string(), Value::String(v.to_string()));
        }
    }
    for (label, value) in labels {
        input.insert(label, Value::String(value));
    }
    Ok(Value::Object(input))
}

/// A success, as the route says it travels.
pub fn success(route: &Route, output: Value, request_id: &str) -> HttpResponse {
    if route.operation == "Invoke" {
        let status = output.get("StatusCode").and_then(Value::as_u64).unwrap_or(200) as u16;
        let body = output.get("Payload").and_then(Value::as_str).and_then(|p| B64.decode(p).ok()).unwrap_or_default();
        let mut resp = HttpResponse::bytes(status, "application/json", body, request_id);
        for (member, header) in [("FunctionError", "X-Amz-Function-Error"), ("LogResult", "X-Amz-Log-Result"), ("ExecutedVersion", "X-Amz-Executed-Version")] {
            if let Some(v) = output.get(member).and_then(Value::as_str) {
                resp.headers.push((header.to_string(), v.to_string()));
            }
        }
        return resp;
    }
    if route.operation == "GetExport" {
        let body = output.get("body").and_then(Value::as_str).and_then(|p| B64.decode(p).ok()).unwrap_or_default();
        let mut resp = HttpResponse::bytes(200, output.get("contentType").and_then(Value::as_str).unwrap_or("application/json"), body, request_id);
        if let Some(d) = output.get("contentDisposition").and_then(Value::as_str) {
            resp.headers.push(("Content-Disposition".into(), d.to_string()));
        }
        return resp;
    }
    if route.status == 204 {
        return HttpResponse::bytes(204, "application/json", Vec::new(), request_id);
    }
    HttpResponse::json(route.status, "application/json", &output, request_id)
}

/// An error: the code in `x-amzn-ErrorType`, `{"Type", "message", ...}` in the body.
pub fn error(err: &AwsError, request_id: &str) -> HttpResponse {
    let mut body = Map::new();
    body.insert("Type".into(), json!(if err.status >= 500 { "Service" } else { "User" }));
    body.insert("message".into(), json!(err.message));
    if let Some(extra) = &err.extra {
        body.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let mut resp = HttpResponse::json(err.status, "application/json", &Value::Object(body), request_id);
    resp.headers.push(("x-amzn-ErrorType".into(), err.kind.clone()));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, path: &str, body: &str) -> HttpRequest {
        HttpRequest { method: method.into(), path: path.into(), headers: vec![("X-Amz-Log-Type".into(), "Tail".into())], body: body.as_bytes().to_vec() }
    }

    #[test]
    fn routes_pick_operation_and_members() {
        let (r, input) = parse(LAMBDA, &req("POST", "/2015-03-31/functions/my-fn/invocations?Qualifier=prod", "{\"a\":1}")).expect("route").expect("input");
        assert_eq!(r.operation, "Invoke");
        assert_eq!(input["FunctionName"], "my-fn");
        assert_eq!(input["Qualifier"], "prod");
        assert_eq!(input["LogType"], "Tail");
        assert_eq!(input["Payload"], B64.encode("{\"a\":1}"));
        let (r, input) = parse(LAMBDA, &req("GET", "/2015-03-31/functions/?MaxItems=2&Marker=x", "")).expect("route").expect("input");
        assert_eq!((r.operation, input["MaxItems"].clone(), input["Marker"].clone()), ("ListFunctions", json!(2), json!("x")));
        let (r, input) =
            parse(LAMBDA, &req("DELETE", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af?tagKeys=a&tagKeys=b", "")).expect("route").expect("input");
        assert_eq!(r.operation, "UntagResource");
        assert_eq!(input["Resource"], "arn:aws:lambda:us-east-1:123456789012:function:f");
        assert_eq!(input["TagKeys"], json!(["a", "b"]));
        let (r, _) = parse(LAMBDA, &req("GET", "/2015-03-31/functions/f/aliases/live", "")).expect("route").expect("input");
        assert_eq!(r.operation, "GetAlias");
        let (r, input) = parse(SES, &req("GET", "/v2/email/identities/a%40example.com", "")).expect("route").expect("input");
        assert_eq!((r.service, r.operation, input["EmailIdentity"].clone()), ("email", "GetEmailIdentity", json!("a@example.com")));
        let (r, input) = parse(SES, &req("GET", "/v2/email/templates?PageSize=2", "")).expect("route").expect("input");
        assert_eq!((r.operation, input["PageSize"].clone()), ("ListEmailTemplates", json!(2)));
        assert_eq!(service_for(Some("ses"), "/anything").map(|s| s.title), Some("SES"));
        assert_eq!(service_for(None, "/v2/email/account").map(|s| s.title), Some("SES"));
        assert_eq!(service_for(None, "/2015-03-31/functions").map(|s| s.title), Some("Lambda"));
        assert!(service_for(Some("dynamodb"), "/v2/email/account").is_none());
        let (r, input) =
            parse(APIGATEWAY, &req("PUT", "/restapis/a1/resources/r1/methods/GET/integration", "{\"type\":\"AWS_PROXY\",\"httpMethod\":\"POST\"}")).expect("route").expect("input");
        assert_eq!(r.operation, "PutIntegration");
        assert_eq!((input["httpMethod"].clone(), input["integrationHttpMethod"].clone(), input["restApiId"].clone()), (json!("GET"), json!("POST"), json!("a1")));
        let (r, input) = parse(APIGATEWAY, &req("GET", "/restapis/a1/resources?embed=methods&limit=5", "")).expect("route").expect("input");
        assert_eq!((r.operation, input["embed"].clone(), input["limit"].clone()), ("GetResources", json!(["methods"]), json!(5)));
        assert_eq!(service_for(None, "/restapis/a1").map(|s| s.title), Some("API Gateway"));
    }

    #[test]
    fn unknown_paths_and_bad_bodies() {
        assert!(parse(LAMBDA, &req("GET", "/nope", "")).is_none());
        let e = parse(LAMBDA, &req("PATCH", "/2015-03-31/functions/f", "")).expect("path matched").expect_err("no such method");
        assert_eq!(e.status, 405);
        let e = parse(LAMBDA, &req("POST", "/2015-03-31/functions", "[1]")).expect("route").expect_err("not an object");
        assert_eq!(e.kind, "SerializationException");
        let e = parse(LAMBDA, &req("GET", "/2015-03-31/functions?MaxItems=lots", "")).expect("route").expect_err("not a number");
        assert_eq!(e.kind, "ValidationException");
        for junk in ["%", "%4", "%zz", "a%2", "%%%%"] {
            let _ = parse(LAMBDA, &req("GET", &format!("/2015-03-31/functions/{junk}"), ""));
        }
    }
}
