//! The one-click "CRUD API" sample: the seed's core example (client → API Gateway, REST, Lambda
//! proxy → Lambda → DynamoDB). It creates the table `Items` (partition key `id`), the Node.js
//! function `items-crud` (get, put, delete, scan by `httpMethod`), and the REST API `items` with
//! `ANY /items` and `ANY /items/{id}` as Lambda proxy integrations, deployed to `dev`. A table or
//! function left from an earlier run is reused.

use serde_json::{json, Value};

use crate::{
    app::Ctx,
    bridge::ApiError,
    panels::{apis::create_method, fn_util},
};

pub const TABLE: &str = "Items";
pub const FUNCTION: &str = "items-crud";

pub const CODE: &str = gureum_engine::scenarios::CRUD_CODE;

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn stuck(what: &str) -> ApiError {
    ApiError {
        kind: "Still creating".into(),
        message: format!("{what} becomes ready after a moment of simulated time. The clock looks paused: press Play, then load the sample again."),
    }
}

/// Polls `check` until it says ready (about 10 s of wall time).
async fn wait(ctx: &Ctx, service: &str, op: &str, input: Value, ready: impl Fn(&Value) -> bool, what: &str) -> Result<(), ApiError> {
    for _ in 0..60 {
        let v = ctx.bridge.send(service, op, input.clone()).await?;
        if ready(&v) {
            return Ok(());
        }
        sleep_ms(150).await;
    }
    Err(stuck(what))
}

/// Creates the sample and answers the new API's id; `progress` says what it is doing.
pub async fn create(ctx: &Ctx, progress: &dyn Fn(&str)) -> Result<String, ApiError> {
    progress("Creating table Items…");
    let table = json!({
        "TableName": TABLE,
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    });
    match ctx.bridge.send("dynamodb", "CreateTable", table).await {
        Ok(_) => {}
        Err(e) if e.kind.ends_with("ResourceInUseException") => {}
        Err(e) => return Err(e),
    }
    wait(ctx, "dynamodb", "DescribeTable", json!({"TableName": TABLE}), |v| v["Table"]["TableStatus"] == "ACTIVE", "The table Items").await?;
    progress("Creating function items-crud…");
    let function = json!({
        "FunctionName": FUNCTION,
        "Runtime": "nodejs22.x",
        "Role": format!("arn:aws:iam::{}:role/lambda-role", gureum_engine::kernel::account::DEFAULT_ACCOUNT_ID),
        "Handler": "index.handler",
        "Code": { "ZipFile": fn_util::zip_b64(&[("index.mjs".to_string(), CODE.to_string())]) },
        "Description": "CRUD on the Items table behind API Gateway (Lambda proxy)",
        "Environment": { "Variables": { "TABLE_NAME": TABLE } },
    });
    match ctx.bridge.send("lambda", "CreateFunction", function).await {
        Ok(_) => {}
        Err(e) if e.kind.ends_with("ResourceConflictException") => {}
        Err(e) => return Err(e),
    }
    wait(ctx, "lambda", "GetFunction", json!({"FunctionName": FUNCTION}), |v| v["Configuration"]["State"] == "Active", "The function items-crud").await?;
    progress("Creating the items API…");
    let api = ctx
        .bridge
        .send(
            "apigateway",
            "CreateRestApi",
            json!({"name": "items", "description": "CRUD on DynamoDB through Lambda (the CRUD API sample)", "endpointConfiguration": {"types": ["REGIONAL"]}}),
        )
        .await?;
    let id = api["id"].as_str().unwrap_or_default().to_string();
    let root = api["rootResourceId"].as_str().unwrap_or_default().to_string();
    let items = ctx.bridge.send("apigateway", "CreateResource", json!({"restApiId": id, "parentId": root, "pathPart": "items"})).await?;
    let items_id = items["id"].as_str().unwrap_or_default().to_string();
    let item = ctx.bridge.send("apigateway", "CreateResource", json!({"restApiId": id, "parentId": items_id, "pathPart": "{id}"})).await?;
    let item_id = item["id"].as_str().unwrap_or_default().to_string();
    create_method(ctx, &id, &items_id, "ANY", "AWS_PROXY", FUNCTION).await?;
    create_method(ctx, &id, &item_id, "ANY", "AWS_PROXY", FUNCTION).await?;
    progress("Deploying to dev…");
    ctx.bridge.send("apigateway", "CreateDeployment", json!({"restApiId": id, "stageName": "dev", "description": "The CRUD API sample"})).await?;
    Ok(id)
}
