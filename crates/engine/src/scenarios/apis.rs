//! The API Gateway scenarios: the CRUD API, a service integration into Kinesis and Firehose, and
//! API keys with a usage plan.

use serde_json::{json, Value};

use super::{code, dynamodb::function, Loader, Lookup};
use crate::kernel::{account::DEFAULT_ACCOUNT_ID, error::AwsError};

pub(super) fn merge(base: &Value, more: Value) -> Value {
    let mut out = base.clone();
    if let (Some(o), Value::Object(m)) = (out.as_object_mut(), more) {
        o.extend(m);
    }
    out
}

/// An API Gateway list operation (items under `item`, by `name`, answering `id`).
fn items(operation: &'static str) -> Lookup {
    Lookup { service: "apigateway", operation, input: json!({ "limit": 500 }), list: "item", name_key: "name", id_key: "id" }
}

/// The REST API named `name` if one is there (answers its id), else a new one built by `build`
/// and deployed to `stage`.
pub(super) fn rest_api(
    l: &mut Loader,
    name: &str,
    description: &str,
    stage: &str,
    build: impl FnOnce(&mut Loader, &str, &str) -> Result<(), AwsError>,
) -> Result<String, AwsError> {
    l.find_or_create(&format!("REST API {name} (stage {stage})"), items("GetRestApis"), name, |l| {
        let api = l.call("apigateway", "CreateRestApi", json!({ "name": name, "description": description, "endpointConfiguration": { "types": ["REGIONAL"] } }))?;
        let id = api["id"].as_str().unwrap_or_default().to_string();
        let root = api["rootResourceId"].as_str().unwrap_or_default().to_string();
        build(l, &id, &root)?;
        l.call("apigateway", "CreateDeployment", json!({ "restApiId": id, "stageName": stage, "description": "Deployed by the scenario gallery" }))?;
        Ok(id)
    })
}

fn resource(l: &mut Loader, api: &str, parent: &str, part: &str) -> Result<String, AwsError> {
    let r = l.call("apigateway", "CreateResource", json!({ "restApiId": api, "parentId": parent, "pathPart": part }))?;
    Ok(r["id"].as_str().unwrap_or_default().to_string())
}

fn lambda_uri(region: &str, function: &str) -> String {
    format!("arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/arn:aws:lambda:{region}:{DEFAULT_ACCOUNT_ID}:function:{function}/invocations")
}

fn proxy_method(l: &mut Loader, api: &str, rid: &str, function: &str) -> Result<(), AwsError> {
    let m = json!({ "restApiId": api, "resourceId": rid, "httpMethod": "ANY" });
    l.call("apigateway", "PutMethod", merge(&m, json!({ "authorizationType": "NONE" })))?;
    let uri = lambda_uri(l.region(), function);
    l.call("apigateway", "PutIntegration", merge(&m, json!({ "type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": uri })))?;
    l.call("apigateway", "PutMethodResponse", merge(&m, json!({ "statusCode": "200" })))?;
    Ok(())
}

pub const CRUD_TABLE: &str = "Items";
pub const CRUD_FUNCTION: &str = "items-crud";

pub fn crud(l: &mut Loader) -> Result<(), AwsError> {
    l.table(json!({
        "TableName": CRUD_TABLE,
        "AttributeDefinitions": [{ "AttributeName": "id", "AttributeType": "S" }],
        "KeySchema": [{ "AttributeName": "id", "KeyType": "HASH" }],
        "BillingMode": "PAY_PER_REQUEST",
    }))?;
    let items = [("1", "Buy kimchi", false), ("2", "Call Ada", true), ("3", "Water the plants", false)]
        .iter()
        .map(|(id, title, done)| json!({ "id": { "S": id }, "title": { "S": title }, "done": { "BOOL": done } }))
        .collect();
    l.put_items(CRUD_TABLE, items)?;
    function(l, CRUD_FUNCTION, code::CRUD_CODE, "CRUD on the Items table behind API Gateway (Lambda proxy)", json!({ "TABLE_NAME": CRUD_TABLE }))?;
    let id = rest_api(l, "items", "CRUD on DynamoDB through Lambda (the CRUD API sample)", "dev", |l, id, root| {
        let items = resource(l, id, root, "items")?;
        let item = resource(l, id, &items, "{id}")?;
        proxy_method(l, id, &items, CRUD_FUNCTION)?;
        proxy_method(l, id, &item, CRUD_FUNCTION)
    })?;
    l.set("ApiId", id);
    l.set("Stage", "dev");
    Ok(())
}

pub const CLICKS_STREAM: &str = "clicks";
pub const CLICKS_DELIVERY: &str = "clicks-to-s3";
/// Firehose writes a batch at the latest this long after its first record.
pub const CLICKS_INTERVAL_SECONDS: u32 = 60;
/// The request template: the body as the record's data, partitioned by its `user`.
pub const CLICKS_TEMPLATE: &str = "{\"StreamName\": \"clicks\", \"Data\": \"$util.base64Encode($input.body)\", \"PartitionKey\": \"$input.path('$.user')\"}";

pub fn clicks_bucket(l: &Loader) -> String {
    format!("gureum-clicks-{}", l.region())
}

pub fn kinesis_firehose(l: &mut Loader) -> Result<(), AwsError> {
    let region = l.region().to_string();
    let bucket = clicks_bucket(l);
    l.bucket(&bucket)?;
    l.create(&format!("Kinesis stream {CLICKS_STREAM}"), "kinesis", "CreateStream", json!({ "StreamName": CLICKS_STREAM, "ShardCount": 1 }), &["ResourceInUseException"])?;
    l.wait("The Kinesis stream clicks", "kinesis", "DescribeStreamSummary", json!({ "StreamName": CLICKS_STREAM }), |v| v["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE")?;
    let role = format!("arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/firehose-delivery");
    l.create(
        &format!("Firehose stream {CLICKS_DELIVERY}"),
        "firehose",
        "CreateDeliveryStream",
        json!({
            "DeliveryStreamName": CLICKS_DELIVERY,
            "DeliveryStreamType": "KinesisStreamAsSource",
            "KinesisStreamSourceConfiguration": { "KinesisStreamARN": format!("arn:aws:kinesis:{region}:{DEFAULT_ACCOUNT_ID}:stream/{CLICKS_STREAM}"), "RoleARN": role },
            "ExtendedS3DestinationConfiguration": {
                "RoleARN": role,
                "BucketARN": format!("arn:aws:s3:::{bucket}"),
                "Prefix": "clicks/",
                "BufferingHints": { "SizeInMBs": 1, "IntervalInSeconds": CLICKS_INTERVAL_SECONDS }
            }
        }),
        &["ResourceInUseException"],
    )?;
    l.wait("The Firehose stream", "firehose", "DescribeDeliveryStream", json!({ "DeliveryStreamName": CLICKS_DELIVERY }), |v| {
        v["DeliveryStreamDescription"]["DeliveryStreamStatus"] == "ACTIVE"
    })?;
    let id = rest_api(l, "clicks", "POST /clicks puts the body into the Kinesis stream clicks (AWS service integration)", "prod", |l, id, root| {
        let rid = resource(l, id, root, "clicks")?;
        let m = json!({ "restApiId": id, "resourceId": rid, "httpMethod": "POST" });
        l.call("apigateway", "PutMethod", merge(&m, json!({ "authorizationType": "NONE" })))?;
        for code in ["200", "400"] {
            l.call("apigateway", "PutMethodResponse", merge(&m, json!({ "statusCode": code })))?;
        }
        let uri = format!("arn:aws:apigateway:{}:kinesis:action/PutRecord", l.region());
        l.call(
            "apigateway",
            "PutIntegration",
            merge(&m, json!({ "type": "AWS", "integrationHttpMethod": "POST", "uri": uri, "requestTemplates": { "application/json": CLICKS_TEMPLATE } })),
        )?;
        l.call("apigateway", "PutIntegrationResponse", merge(&m, json!({ "statusCode": "200" })))?;
        l.call("apigateway", "PutIntegrationResponse", merge(&m, json!({ "statusCode": "400", "selectionPattern": "4\\d{2}" })))?;
        Ok(())
    })?;
    l.set("ApiId", id);
    l.set("Stage", "prod");
    l.set("Bucket", bucket);
    Ok(())
}

pub const QUOTES_KEY_VALUE: &str = "gureum-scenario-quotes-key-0001";
pub const QUOTES_RATE: f64 = 10.0;
pub const QUOTES_BURST: u32 = 10;

pub fn usage_plan(l: &mut Loader) -> Result<(), AwsError> {
    let id = rest_api(l, "quotes", "GET /quote needs an API key in a usage plan", "prod", |l, id, root| {
        let rid = resource(l, id, root, "quote")?;
        let m = json!({ "restApiId": id, "resourceId": rid, "httpMethod": "GET" });
        l.call("apigateway", "PutMethod", merge(&m, json!({ "authorizationType": "NONE", "apiKeyRequired": true })))?;
        l.call("apigateway", "PutIntegration", merge(&m, json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } })))?;
        l.call("apigateway", "PutMethodResponse", merge(&m, json!({ "statusCode": "200" })))?;
        let quote = "{\"quote\": \"Simplicity is prerequisite for reliability.\", \"by\": \"Edsger W. Dijkstra\", \"requestId\": \"$context.requestId\"}";
        l.call("apigateway", "PutIntegrationResponse", merge(&m, json!({ "statusCode": "200", "responseTemplates": { "application/json": quote } })))?;
        Ok(())
    })?;
    let key_id = l.find_or_create("API key learner", items("GetApiKeys"), "learner", |l| {
        let k = l.call("apigateway", "CreateApiKey", json!({ "name": "learner", "enabled": true, "value": QUOTES_KEY_VALUE, "description": "The scenario gallery's key" }))?;
        Ok(k["id"].as_str().unwrap_or_default().to_string())
    })?;
    let plan_id = l.find_or_create("usage plan Basic (10 req/s, burst 10, 1,000 a day)", items("GetUsagePlans"), "Basic", |l| {
        let p = l.call(
            "apigateway",
            "CreateUsagePlan",
            json!({
                "name": "Basic",
                "description": "10 requests a second, 1,000 a day",
                "apiStages": [{ "apiId": id, "stage": "prod" }],
                "throttle": { "rateLimit": QUOTES_RATE, "burstLimit": QUOTES_BURST },
                "quota": { "limit": 1000, "period": "DAY" }
            }),
        )?;
        Ok(p["id"].as_str().unwrap_or_default().to_string())
    })?;
    match l.call("apigateway", "CreateUsagePlanKey", json!({ "usagePlanId": plan_id, "keyId": key_id, "keyType": "API_KEY" })) {
        Ok(_) => {}
        Err(e) if e.kind == "ConflictException" => {}
        Err(e) => return Err(e),
    }
    l.set("ApiId", id);
    l.set("Stage", "prod");
    l.set("ApiKey", QUOTES_KEY_VALUE);
    l.set("UsagePlanId", plan_id);
    Ok(())
}
