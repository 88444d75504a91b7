//! The DynamoDB scenarios: keys, capacity modes, DAX, streams, TTL, global tables, PITR, export
//! and import.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use super::{code, Loader};
use crate::kernel::{account::DEFAULT_ACCOUNT_ID, error::AwsError, time::iso8601};

fn s(v: &str) -> Value {
    json!({ "S": v })
}

fn n(v: impl ToString) -> Value {
    json!({ "N": v.to_string() })
}

/// A table of string keys, on demand, with `extra` members.
fn table(name: &str, hash: &str, range: Option<&str>, extra: Value) -> Value {
    let mut defs = vec![json!({ "AttributeName": hash, "AttributeType": "S" })];
    let mut keys = vec![json!({ "AttributeName": hash, "KeyType": "HASH" })];
    if let Some(r) = range {
        defs.push(json!({ "AttributeName": r, "AttributeType": "S" }));
        keys.push(json!({ "AttributeName": r, "KeyType": "RANGE" }));
    }
    let mut input = json!({ "TableName": name, "AttributeDefinitions": defs, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST" });
    if let (Some(o), Value::Object(e)) = (input.as_object_mut(), extra) {
        o.extend(e);
    }
    input
}

pub const SCORES: &[(&str, &str, u32, &str)] = &[
    ("ada", "Asteroids", 4200, "Win"),
    ("ada", "Galaga", 9100, "Win"),
    ("ada", "Pac-Man", 3300, "Lose"),
    ("ada", "Tetris", 12000, "Win"),
    ("grace", "Asteroids", 5100, "Win"),
    ("grace", "Pac-Man", 7600, "Win"),
    ("grace", "Tetris", 800, "Lose"),
    ("linus", "Galaga", 2500, "Lose"),
    ("linus", "Tetris", 15300, "Win"),
    ("minji", "Asteroids", 6100, "Win"),
    ("minji", "Galaga", 11800, "Win"),
    ("minji", "Pac-Man", 900, "Lose"),
];

pub fn scores(l: &mut Loader) -> Result<(), AwsError> {
    l.table(table("Scores", "Player", Some("Game"), json!({})))?;
    let mut items: Vec<Value> = SCORES.iter().map(|(p, g, sc, r)| json!({ "Player": s(p), "Game": s(g), "Score": n(sc), "Result": s(r) })).collect();
    // Attributes are free per item: one score carries a note, another a list of power-ups.
    items[1]["Note"] = s("personal best");
    items[8]["PowerUps"] = json!({ "SS": ["double-score", "slow-fall"] });
    l.put_items("Scores", items)
}

pub const CAPACITY_RPS: u32 = 25;
pub const CAPACITY_WCU: u32 = 5;

pub fn capacity(l: &mut Loader) -> Result<(), AwsError> {
    let provisioned = json!({ "BillingMode": "PROVISIONED", "ProvisionedThroughput": { "ReadCapacityUnits": 5, "WriteCapacityUnits": CAPACITY_WCU } });
    let mut input = table("OrdersProvisioned", "pk", None, json!({}));
    if let (Some(o), Value::Object(p)) = (input.as_object_mut(), provisioned) {
        o.extend(p);
    }
    l.table(input)?;
    l.table(table("OrdersOnDemand", "pk", None, json!({})))?;
    for name in ["OrdersProvisioned", "OrdersOnDemand"] {
        let running = l.control("dynamodb:DescribeLoad", json!({ "TableName": name }))?;
        if running.get("Load").is_some_and(|d| d["Status"] == "RUNNING") {
            l.reused(format!("the load on {name}"));
            continue;
        }
        l.control("dynamodb:StartLoad", json!({ "TableName": name, "Operation": "PutItem", "RequestsPerSecond": CAPACITY_RPS, "DurationSeconds": 900, "ItemSizeBytes": 1000 }))?;
        l.created(format!("a load of {CAPACITY_RPS} writes/s on {name} for 15 minutes"));
    }
    Ok(())
}

pub const DAX_CLUSTER: &str = "products-cache";

pub fn dax(l: &mut Loader) -> Result<(), AwsError> {
    l.table(table("Products", "id", None, json!({})))?;
    let items = (1..=20)
        .map(|i| json!({ "id": s(&format!("p{i:02}")), "name": s(&format!("Product {i}")), "price": n(format!("{}.99", 5 + i * 3)), "category": s(["books", "games", "music", "tools"][i % 4]) }))
        .collect();
    l.put_items("Products", items)?;
    let role = format!("arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/DAXServiceRole");
    l.create(
        &format!("DAX cluster {DAX_CLUSTER}"),
        "dax",
        "CreateCluster",
        json!({ "ClusterName": DAX_CLUSTER, "NodeType": "dax.t3.small", "ReplicationFactor": 1, "IamRoleArn": role, "Description": "Caches the Products table" }),
        &["ClusterAlreadyExistsFault"],
    )?;
    l.wait(&format!("The DAX cluster {DAX_CLUSTER}"), "dax", "DescribeClusters", json!({ "ClusterNames": [DAX_CLUSTER] }), |v| v["Clusters"][0]["Status"] == "available")?;
    Ok(())
}

/// Verifies a domain identity (its simulated DNS check passes 10 s after creation).
fn verified_domain(l: &mut Loader, domain: &str) -> Result<(), AwsError> {
    l.create(&format!("SES identity {domain}"), "email", "CreateEmailIdentity", json!({ "EmailIdentity": domain }), &["AlreadyExistsException"])?;
    l.wait(&format!("The SES identity {domain}"), "email", "GetEmailIdentity", json!({ "EmailIdentity": domain }), |v| v["VerifiedForSendingStatus"] == true)?;
    Ok(())
}

fn lambda_role() -> String {
    format!("arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/lambda-role")
}

/// CreateFunction from one `index.mjs` (or the function already there), then Active.
pub(super) fn function(l: &mut Loader, name: &str, code: &str, description: &str, env: Value) -> Result<(), AwsError> {
    let files = std::collections::BTreeMap::from([("index.mjs".to_string(), code.as_bytes().to_vec())]);
    let zip = B64.encode(crate::services::lambda::code::zip(&files));
    let input = json!({
        "FunctionName": name,
        "Runtime": "nodejs22.x",
        "Role": lambda_role(),
        "Handler": "index.handler",
        "Code": { "ZipFile": zip },
        "Description": description,
        "Environment": { "Variables": env },
    });
    l.create(&format!("Lambda function {name}"), "lambda", "CreateFunction", input, &["ResourceConflictException"])?;
    l.wait(&format!("The function {name}"), "lambda", "GetFunction", json!({ "FunctionName": name }), |v| v["Configuration"]["State"] == "Active")?;
    Ok(())
}

pub const WELCOME_FUNCTION: &str = "welcome-email";
pub const WELCOME_DOMAIN: &str = "example.com";

pub fn welcome_email(l: &mut Loader) -> Result<(), AwsError> {
    l.table(table("Users", "id", None, json!({ "StreamSpecification": { "StreamEnabled": true, "StreamViewType": "NEW_IMAGE" } })))?;
    let described = l.call("dynamodb", "DescribeTable", json!({ "TableName": "Users" }))?;
    let stream = match described["Table"]["LatestStreamArn"].as_str() {
        Some(a) if described["Table"]["StreamSpecification"]["StreamEnabled"] == true => a.to_string(),
        _ => {
            return Err(AwsError::new(
                "gureum",
                "ScenarioConflictException",
                "A table Users without a stream is already in this region; delete it (or turn its stream on) and load the scenario again.",
                409,
            ))
        }
    };
    verified_domain(l, WELCOME_DOMAIN)?;
    function(l, WELCOME_FUNCTION, code::WELCOME_CODE, "Sends a welcome email for each new user (Users stream trigger)", json!({ "SENDER": format!("welcome@{WELCOME_DOMAIN}") }))?;
    let mappings = l.call("lambda", "ListEventSourceMappings", json!({ "FunctionName": WELCOME_FUNCTION, "EventSourceArn": stream }))?;
    if mappings["EventSourceMappings"].as_array().is_some_and(|m| !m.is_empty()) {
        l.reused("the Users stream trigger");
    } else {
        l.call("lambda", "CreateEventSourceMapping", json!({ "FunctionName": WELCOME_FUNCTION, "EventSourceArn": stream, "StartingPosition": "LATEST", "BatchSize": 10 }))?;
        l.created(format!("trigger: Users stream → {WELCOME_FUNCTION}"));
    }
    l.wait("The stream trigger", "lambda", "ListEventSourceMappings", json!({ "FunctionName": WELCOME_FUNCTION }), |v| v["EventSourceMappings"][0]["State"] == "Enabled")?;
    l.set("Stream", stream);
    Ok(())
}

pub const SESSION_HOURS: i64 = 2;

pub fn sessions(l: &mut Loader) -> Result<(), AwsError> {
    l.table(table("Sessions", "SessionId", None, json!({})))?;
    let ttl = l.call("dynamodb", "DescribeTimeToLive", json!({ "TableName": "Sessions" }))?;
    match ttl["TimeToLiveDescription"]["TimeToLiveStatus"].as_str() {
        Some("ENABLED") | Some("ENABLING") => l.reused("TTL on Sessions.ExpTime"),
        _ => {
            l.call("dynamodb", "UpdateTimeToLive", json!({ "TableName": "Sessions", "TimeToLiveSpecification": { "Enabled": true, "AttributeName": "ExpTime" } }))?;
            l.created("TTL on Sessions.ExpTime");
        }
    }
    l.wait("TTL on Sessions", "dynamodb", "DescribeTimeToLive", json!({ "TableName": "Sessions" }), |v| v["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED")?;
    let now = l.now_ms() / 1000;
    let users = [("s-ada", "ada", 0), ("s-grace", "grace", 0), ("s-linus", "linus", 0), ("s-old-1", "minji", -1), ("s-old-2", "sam", -1)];
    let items = users
        .iter()
        .enumerate()
        .map(|(i, (id, user, old))| {
            // Live sessions expire two hours from now; the old ones expired a minute ago.
            let exp = if *old < 0 { now - 60 } else { now + SESSION_HOURS * 3600 - i as i64 * 60 };
            json!({ "SessionId": s(id), "UserId": s(user), "CreatedAt": s(&iso8601((exp - SESSION_HOURS * 3600) * 1000)), "ExpTime": n(exp) })
        })
        .collect();
    l.put_items("Sessions", items)
}

/// The region a global table's replica goes to.
pub fn replica_region(region: &str) -> &'static str {
    if region == "ap-northeast-2" {
        "us-east-1"
    } else {
        "ap-northeast-2"
    }
}

pub fn global_table(l: &mut Loader) -> Result<(), AwsError> {
    let region = l.region().to_string();
    let other = replica_region(&region);
    l.table(table("Profiles", "UserId", None, json!({ "StreamSpecification": { "StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES" } })))?;
    let described = l.call("dynamodb", "DescribeTable", json!({ "TableName": "Profiles" }))?;
    let has_replica = described["Table"]["Replicas"].as_array().is_some_and(|r| r.iter().any(|r| r["RegionName"] == other));
    if has_replica {
        l.reused(format!("the replica in {other}"));
    } else {
        l.call("dynamodb", "UpdateTable", json!({ "TableName": "Profiles", "ReplicaUpdates": [{ "Create": { "RegionName": other } }] }))?;
        l.created(format!("replica of Profiles in {other}"));
    }
    l.wait_table(&region, "Profiles")?;
    l.wait_table(other, "Profiles")?;
    let items = [("ada", "London", "en"), ("minji", "Seoul", "ko"), ("grace", "New York", "en")]
        .iter()
        .map(|(u, city, lang)| json!({ "UserId": s(u), "City": s(city), "Language": s(lang), "UpdatedIn": s(&region) }))
        .collect();
    l.put_items("Profiles", items)?;
    // Let the writes replicate (the default lag is a second).
    l.advance(2.0)?;
    l.set("Region", region);
    l.set("ReplicaRegion", other);
    Ok(())
}

pub const ACCOUNTS: usize = 12;

pub fn pitr(l: &mut Loader) -> Result<(), AwsError> {
    l.table(table("Accounts", "AccountId", None, json!({})))?;
    l.call("dynamodb", "UpdateContinuousBackups", json!({ "TableName": "Accounts", "PointInTimeRecoverySpecification": { "PointInTimeRecoveryEnabled": true } }))?;
    let items = (1..=ACCOUNTS)
        .map(|i| json!({ "AccountId": s(&format!("acct-{i:03}")), "Owner": s(["ada", "grace", "linus", "minji"][i % 4]), "Balance": n(i * 250), "Status": s("open") }))
        .collect();
    l.put_items("Accounts", items)?;
    // Ten good minutes, then the bad delete: every account but the first two.
    l.advance(600.0)?;
    let deleted_at = l.now_ms();
    for i in 3..=ACCOUNTS {
        l.call("dynamodb", "DeleteItem", json!({ "TableName": "Accounts", "Key": { "AccountId": s(&format!("acct-{i:03}")) } }))?;
    }
    l.created(format!("the bad delete: {} of {ACCOUNTS} accounts deleted", ACCOUNTS - 2));
    // PITR's latest restorable time trails by five minutes: let it pass the delete.
    l.advance(360.0)?;
    l.set("DeletedAt", iso8601(deleted_at));
    l.set("RestoreTo", iso8601(deleted_at - 1000));
    l.set("RestoreToEpoch", (deleted_at - 1000) as f64 / 1000.0);
    Ok(())
}

pub fn exports_bucket(l: &Loader) -> String {
    format!("gureum-exports-{}", l.region())
}

pub fn export(l: &mut Loader) -> Result<(), AwsError> {
    let bucket = exports_bucket(l);
    l.bucket(&bucket)?;
    l.table(table("Sales", "OrderId", None, json!({})))?;
    l.call("dynamodb", "UpdateContinuousBackups", json!({ "TableName": "Sales", "PointInTimeRecoverySpecification": { "PointInTimeRecoveryEnabled": true } }))?;
    let regions = ["north", "south", "east", "west"];
    let products = ["kimchi", "tea", "coffee", "rice"];
    let items = (1..=40)
        .map(|i| {
            json!({ "OrderId": s(&format!("o-{i:03}")), "region": s(regions[i % 4]), "product": s(products[(i / 4) % 4]), "amount": n(format!("{}.{:02}", 3 + (i * 7) % 40, (i * 13) % 100)), "quantity": n(1 + i % 5) })
        })
        .collect();
    l.put_items("Sales", items)?;
    let arn = l.call("dynamodb", "DescribeTable", json!({ "TableName": "Sales" }))?["Table"]["TableArn"].as_str().unwrap_or_default().to_string();
    let exports = l.call("dynamodb", "ListExports", json!({ "TableArn": arn }))?;
    let done = exports["ExportSummaries"].as_array().and_then(|a| a.iter().find(|e| e["ExportStatus"] == "COMPLETED")).and_then(|e| e["ExportArn"].as_str()).map(str::to_string);
    let export_arn = match done {
        Some(a) => {
            l.reused("the Sales export");
            a
        }
        None => {
            let out = l.call("dynamodb", "ExportTableToPointInTime", json!({ "TableArn": arn, "S3Bucket": bucket, "ExportFormat": "DYNAMODB_JSON" }))?;
            l.created(format!("export of Sales to s3://{bucket}"));
            out["ExportDescription"]["ExportArn"].as_str().unwrap_or_default().to_string()
        }
    };
    let done = l.wait("The export", "dynamodb", "DescribeExport", json!({ "ExportArn": export_arn }), |v| v["ExportDescription"]["ExportStatus"] != "IN_PROGRESS")?;
    if done["ExportDescription"]["ExportStatus"] != "COMPLETED" {
        return Err(AwsError::new(
            "gureum",
            "ScenarioFailedException",
            format!("The export ended {}: {}", done["ExportDescription"]["ExportStatus"], done["ExportDescription"]["FailureMessage"]),
            500,
        ));
    }
    let manifest = done["ExportDescription"]["ExportManifest"].as_str().unwrap_or_default();
    let folder = manifest.trim_end_matches("manifest-summary.json");
    l.set("Bucket", bucket.clone());
    l.set("ExportLocation", format!("s3://{bucket}/{folder}"));
    l.set("ExportArn", export_arn);
    Ok(())
}

pub fn imports_bucket(l: &Loader) -> String {
    format!("gureum-imports-{}", l.region())
}

/// The CSV the import reads: line 5 has no CustomerId, the partition key.
pub const CUSTOMERS_CSV: &str = "CustomerId,Name,City,Plan
c-001,Ada Lovelace,London,pro
c-002,Grace Hopper,New York,free
c-003,Kim Minji,Seoul,pro
,Nobody,Nowhere,free
c-005,Linus Torvalds,Portland,free
c-006,Sam Park,Busan,pro
";

pub fn import(l: &mut Loader) -> Result<(), AwsError> {
    let bucket = imports_bucket(l);
    l.bucket(&bucket)?;
    l.call("s3", "PutObject", json!({ "Bucket": bucket, "Key": "customers/customers.csv", "Body": B64.encode(CUSTOMERS_CSV), "ContentType": "text/csv" }))?;
    let exists = l.call("dynamodb", "DescribeTable", json!({ "TableName": "Customers" }));
    if exists.is_ok() {
        l.reused("the table Customers (imported earlier)");
    } else {
        let out = l.call(
            "dynamodb",
            "ImportTable",
            json!({
                "ClientToken": "scenario-import-customers",
                "S3BucketSource": { "S3Bucket": bucket, "S3KeyPrefix": "customers/" },
                "InputFormat": "CSV",
                "TableCreationParameters": {
                    "TableName": "Customers",
                    "AttributeDefinitions": [{ "AttributeName": "CustomerId", "AttributeType": "S" }],
                    "KeySchema": [{ "AttributeName": "CustomerId", "KeyType": "HASH" }],
                    "BillingMode": "PAY_PER_REQUEST"
                }
            }),
        )?;
        l.created("import of s3://…/customers/ into the table Customers");
        let arn = out["ImportTableDescription"]["ImportArn"].as_str().unwrap_or_default().to_string();
        let done = l.wait("The import", "dynamodb", "DescribeImport", json!({ "ImportArn": arn }), |v| v["ImportTableDescription"]["ImportStatus"] != "IN_PROGRESS")?;
        l.set("ImportStatus", done["ImportTableDescription"]["ImportStatus"].clone());
        l.set("ErrorCount", done["ImportTableDescription"]["ErrorCount"].clone());
        l.set("ImportArn", arn);
    }
    l.set("Bucket", bucket);
    Ok(())
}
