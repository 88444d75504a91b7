//! ImportTable, DescribeImport, ListImports: objects put to S3 become a new table over virtual
//! time; bad records are counted and logged to CloudWatch Logs; AWS's failure codes; progress
//! step by step; a reload in the middle of an import carries on.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use super::test_support::{advance_ms, call, ddb, err, ok, H};
use super::transfer::{
    formats::gzip,
    import::{FETCH_STEP_BYTES, INFLATE_STEP_BYTES, START_MS, STEP_BYTES, STEP_MS},
};
use crate::{Engine, EngineConfig, Request};

pub(super) fn put_object(e: &mut Engine, bucket: &str, key: &str, body: &[u8]) {
    ok(call(e, "s3", "PutObject", json!({"Bucket": bucket, "Key": key, "Body": B64.encode(body)})));
}

fn engine() -> Engine {
    let mut e = Engine::new(EngineConfig::default(), H);
    ok(call(&mut e, "s3", "CreateBucket", json!({"Bucket": "source-bucket"})));
    e
}

fn request(prefix: &str, table: &str, format: &str, extra: Value) -> Value {
    let mut input = json!({
        "ClientToken": format!("token-{table}"),
        "S3BucketSource": {"S3Bucket": "source-bucket", "S3KeyPrefix": prefix},
        "InputFormat": format,
        "TableCreationParameters": {
            "TableName": table,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
            "BillingMode": "PAY_PER_REQUEST"
        }
    });
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    input
}

fn describe(e: &mut Engine, arn: &str) -> Value {
    ok(ddb(e, "DescribeImport", json!({"ImportArn": arn})))["ImportTableDescription"].clone()
}

/// Advances the clock until the import ends; returns its last description.
pub(super) fn wait(e: &mut Engine, arn: &str) -> Value {
    for _ in 0..10_000 {
        let d = describe(e, arn);
        if d["ImportStatus"] != "IN_PROGRESS" {
            return d;
        }
        advance_ms(e, 100);
    }
    panic!("the import never ended");
}

fn scan(e: &mut Engine, table: &str) -> Vec<Value> {
    let mut items = ok(ddb(e, "Scan", json!({"TableName": table})))["Items"].as_array().cloned().unwrap_or_default();
    items.sort_by_key(|i| i.to_string());
    items
}

fn log_messages(e: &mut Engine, import_id: &str) -> Vec<Value> {
    let out = ok(call(e, "logs", "GetLogEvents", json!({"logGroupName": "/aws-dynamodb/imports", "logStreamName": format!("{import_id}/error"), "startFromHead": true})));
    out["events"].as_array().unwrap().iter().map(|ev| serde_json::from_str(ev["message"].as_str().unwrap()).unwrap()).collect()
}

#[test]
fn a_csv_import_creates_the_table_over_virtual_time() {
    let mut e = engine();
    put_object(&mut e, "source-bucket", "in/people.csv", b"pk,n,name,age\r\nalice,1,Alice,30\nbob,2,\"Bob, Jr.\",\n\ncarol,3.50,Carol,41\n");
    let first = ok(ddb(&mut e, "ImportTable", request("in/", "People", "CSV", json!({}))))["ImportTableDescription"].clone();
    for member in [
        "ImportArn",
        "ImportStatus",
        "TableArn",
        "TableId",
        "ClientToken",
        "S3BucketSource",
        "InputFormat",
        "InputCompressionType",
        "TableCreationParameters",
        "StartTime",
        "ProcessedItemCount",
        "ImportedItemCount",
        "ErrorCount",
        "CloudWatchLogGroupArn",
    ] {
        assert!(first.get(member).is_some(), "{member} missing from {first}");
    }
    for member in ["EndTime", "FailureCode", "FailureMessage", "ProcessedSizeBytes"] {
        assert!(first.get(member).is_none(), "{member} present in {first}");
    }
    assert_eq!(first["ImportStatus"], "IN_PROGRESS");
    assert_eq!(first["InputCompressionType"], "NONE");
    assert_eq!(first["CloudWatchLogGroupArn"], "arn:aws:logs:us-east-1:123456789012:log-group:/aws-dynamodb/imports:*");
    let arn = first["ImportArn"].as_str().unwrap().to_string();
    let (table_arn, id) = arn.split_once("/import/").unwrap();
    assert_eq!(table_arn, first["TableArn"]);
    assert!(id.len() == 23 && id.as_bytes()[14] == b'-', "{id}");
    // The table is CREATING while the import runs, and takes no data.
    advance_ms(&mut e, START_MS / 2);
    let t = ok(ddb(&mut e, "DescribeTable", json!({"TableName": "People"})))["Table"].clone();
    assert_eq!(t["TableStatus"], "CREATING");
    assert_eq!(err(ddb(&mut e, "PutItem", json!({"TableName": "People", "Item": {"pk": {"S": "x"}, "n": {"N": "1"}}}))).0, "ResourceNotFoundException");
    let listed = ok(ddb(&mut e, "ListImports", json!({"TableArn": table_arn})));
    assert_eq!(listed["ImportSummaryList"][0]["ImportStatus"], "IN_PROGRESS");

    let done = wait(&mut e, &arn);
    assert_eq!(done["ImportStatus"], "COMPLETED", "{done}");
    assert_eq!((done["ProcessedItemCount"].as_u64(), done["ImportedItemCount"].as_u64(), done["ErrorCount"].as_u64()), (Some(3), Some(3), Some(0)));
    assert!(done["EndTime"].as_f64().unwrap() > done["StartTime"].as_f64().unwrap());
    // Every byte of the object, counted once (the header line too).
    assert_eq!(done["ProcessedSizeBytes"], 71);
    let t = ok(ddb(&mut e, "DescribeTable", json!({"TableName": "People"})))["Table"].clone();
    assert_eq!((t["TableStatus"].as_str(), t["TableId"].as_str()), (Some("ACTIVE"), first["TableId"].as_str()));
    // Key columns take their defined types; every other column is a string; empty cells are left out.
    assert_eq!(
        scan(&mut e, "People"),
        vec![
            json!({"pk": {"S": "alice"}, "n": {"N": "1"}, "name": {"S": "Alice"}, "age": {"S": "30"}}),
            json!({"pk": {"S": "bob"}, "n": {"N": "2"}, "name": {"S": "Bob, Jr."}}),
            json!({"pk": {"S": "carol"}, "n": {"N": "3.5"}, "name": {"S": "Carol"}, "age": {"S": "41"}}),
        ]
    );
    let summary = &ok(ddb(&mut e, "ListImports", json!({})))["ImportSummaryList"][0];
    let mut members: Vec<&str> = summary.as_object().unwrap().keys().map(String::as_str).collect();
    members.sort();
    assert_eq!(members, ["CloudWatchLogGroupArn", "EndTime", "ImportArn", "ImportStatus", "InputFormat", "S3BucketSource", "StartTime", "TableArn"]);
}

#[test]
fn header_list_delimiter_and_gsi_keys() {
    let mut e = engine();
    put_object(&mut e, "source-bucket", "tsv/a", b"k1\t7\tred\nk2\t8\tblue\n");
    let mut input = request("tsv/", "Tsv", "CSV", json!({"InputFormatOptions": {"Csv": {"Delimiter": "\t", "HeaderList": ["pk", "n", "color"]}}}));
    input["TableCreationParameters"]["AttributeDefinitions"] =
        json!([{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"}, {"AttributeName": "color", "AttributeType": "S"}]);
    input["TableCreationParameters"]["GlobalSecondaryIndexes"] =
        json!([{"IndexName": "by-color", "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]);
    let arn = ok(ddb(&mut e, "ImportTable", input))["ImportTableDescription"]["ImportArn"].as_str().unwrap().to_string();
    let done = wait(&mut e, &arn);
    assert_eq!(done["ImportStatus"], "COMPLETED", "{done}");
    assert_eq!(done["InputFormatOptions"], json!({"Csv": {"Delimiter": "\t", "HeaderList": ["pk", "n", "color"]}}));
    let q =
        ok(ddb(&mut e, "Query", json!({"TableName": "Tsv", "IndexName": "by-color", "KeyConditionExpression": "color = :c", "ExpressionAttributeValues": {":c": {"S": "blue"}}})));
    assert_eq!(q["Items"], json!([{"pk": {"S": "k2"}, "n": {"N": "8"}, "color": {"S": "blue"}}]));
}

#[test]
fn bad_records_are_counted_logged_and_abandon_their_object() {
    let mut e = engine();
    let good = "{\"Item\":{\"pk\":{\"S\":\"good\"},\"n\":{\"N\":\"1\"},\"v\":{\"S\":\"kept\"}}}\n\n   \n{\"Item\":{\"pk\":{\"S\":\"good\"},\"n\":{\"N\":\"2\"}}}\n";
    put_object(&mut e, "source-bucket", "mixed/00000-good.json.gz", &gzip(good.as_bytes()));
    let bad = [
        "{\"NotAnItem\": {\"pk\": {\"S\": \"x\"}, \"n\": {\"N\": \"1\"}}}",
        "{\"Item\": {\"n\": {\"N\": \"1\"}}}",
        "{\"Item\": {\"pk\": {\"S\": \"x\"}}}",
        "{\"Item\": {\"pk\": {\"S\": \"x\"}, \"n\": {\"S\": \"1\"}}}",
        "{\"Item\": ",
    ];
    for (i, line) in bad.iter().enumerate() {
        put_object(&mut e, "source-bucket", &format!("mixed/{:05}-bad.json.gz", i + 1), &gzip(format!("{line}\n").as_bytes()));
    }
    // A bad record abandons the rest of its object: the line after it is never read.
    let abandoned = "{\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}}\n{\"Item\":{\"pk\":{\"S\":\"a\"}}}\n{\"Item\":{\"pk\":{\"S\":\"never\"},\"n\":{\"N\":\"9\"}}}\n";
    put_object(&mut e, "source-bucket", "mixed/00009-abandoned.json.gz", &gzip(abandoned.as_bytes()));
    let arn = ok(ddb(&mut e, "ImportTable", request("mixed/", "Mixed", "DYNAMODB_JSON", json!({"InputCompressionType": "GZIP"}))))["ImportTableDescription"]["ImportArn"]
        .as_str()
        .unwrap()
        .to_string();
    let done = wait(&mut e, &arn);
    assert_eq!(done["ImportStatus"], "FAILED");
    assert_eq!(done["FailureCode"], "ItemValidationError");
    assert_eq!(done["FailureMessage"], "Some of the items failed validation checks and were not imported. Please check CloudWatch error logs for more details.");
    assert_eq!((done["ProcessedItemCount"].as_u64(), done["ImportedItemCount"].as_u64(), done["ErrorCount"].as_u64()), (Some(9), Some(3), Some(6)));
    // ProcessedSizeBytes counts uncompressed bytes.
    assert!(done["ProcessedSizeBytes"].as_u64().unwrap() >= good.len() as u64);
    // The table stays, ACTIVE, with what passed.
    let items = scan(&mut e, "Mixed");
    assert_eq!(items.len(), 3);
    assert!(!items.iter().any(|i| i["pk"]["S"] == "never"));
    let id = arn.rsplit('/').next().unwrap();
    let logged = log_messages(&mut e, id);
    assert_eq!(logged.len(), 6);
    assert_eq!(
        logged[1],
        json!({"itemS3Pointer": {"bucket": "source-bucket", "key": "mixed/00002-bad.json.gz", "itemIndex": 0}, "importArn": arn, "errorMessages": ["One or more parameter values were invalid: Missing the key pk in the item"]})
    );
    assert_eq!(logged[3]["errorMessages"][0], "One or more parameter values were invalid: Type mismatch for key n expected: N actual: S");
    assert_eq!(logged[5]["itemS3Pointer"]["itemIndex"], 1);
}

#[test]
fn ion_objects_import() {
    let mut e = engine();
    let text = "$ion_1_0 {Item:{pk:\"a\",n:1.,tags:$dynamodb_SS::[\"x\",\"y\"],price:2d3,blob:{{aGk=}},ok:true}}\n$ion_1_0 {Item:{pk:\"b\",n:2.,nested:{l:[1.,\"s\",null]}}}\n";
    put_object(&mut e, "source-bucket", "ion/data.ion", text.as_bytes());
    let arn = ok(ddb(&mut e, "ImportTable", request("ion/", "IonTable", "ION", json!({}))))["ImportTableDescription"]["ImportArn"].as_str().unwrap().to_string();
    assert_eq!(wait(&mut e, &arn)["ImportStatus"], "COMPLETED");
    assert_eq!(
        scan(&mut e, "IonTable"),
        vec![
            json!({"pk": {"S": "a"}, "n": {"N": "1"}, "tags": {"SS": ["x", "y"]}, "price": {"N": "2000"}, "blob": {"B": "aGk="}, "ok": {"BOOL": true}}),
            json!({"pk": {"S": "b"}, "n": {"N": "2"}, "nested": {"M": {"l": {"L": [{"N": "1"}, {"S": "s"}, {"NULL": true}]}}}}),
        ]
    );
}

#[test]
fn a_missing_bucket_fails_and_leaves_no_table_an_empty_prefix_completes() {
    let mut e = engine();
    let mut input = request("x/", "Nowhere", "CSV", json!({}));
    input["S3BucketSource"]["S3Bucket"] = json!("no-such-bucket");
    let arn = ok(ddb(&mut e, "ImportTable", input))["ImportTableDescription"]["ImportArn"].as_str().unwrap().to_string();
    let done = wait(&mut e, &arn);
    assert_eq!((done["ImportStatus"].as_str(), done["FailureCode"].as_str()), (Some("FAILED"), Some("S3NoSuchBucket")));
    assert!(done["FailureMessage"].as_str().unwrap().starts_with("The specified bucket does not exist (Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket;"));
    assert_eq!(done["ErrorCount"], 0);
    assert!(done.get("ProcessedSizeBytes").is_none());
    assert_eq!(err(ddb(&mut e, "DescribeTable", json!({"TableName": "Nowhere"}))).0, "ResourceNotFoundException");

    let arn = ok(ddb(&mut e, "ImportTable", request("empty/", "Empty", "DYNAMODB_JSON", json!({}))))["ImportTableDescription"]["ImportArn"].as_str().unwrap().to_string();
    let done = wait(&mut e, &arn);
    assert_eq!(done["ImportStatus"], "COMPLETED");
    assert_eq!(ok(ddb(&mut e, "DescribeTable", json!({"TableName": "Empty"})))["Table"]["TableStatus"], "ACTIVE");
}

#[test]
fn request_errors() {
    let mut e = engine();
    put_object(&mut e, "source-bucket", "in/a.json", b"{\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}}\n");
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"InputFormat": "NOT_A_FORMAT"}), "ValidationException", "inputFormat"),
        (json!({"InputCompressionType": "BZIP2"}), "ValidationException", "inputCompressionType"),
        (json!({"InputCompressionType": "ZSTD"}), "ValidationException", "ZSTD is not supported in the sandbox"),
        (json!({"InputFormatOptions": {"Csv": {"Delimiter": ","}}}), "ValidationException", "InputFormatOptions"),
        (json!({"ClientToken": "has$dollar"}), "ValidationException", "clientToken"),
        (json!({"S3BucketSource": {"S3Bucket": "-nope!"}}), "ValidationException", "s3Bucket"),
        (json!({"S3BucketSource": {"S3Bucket": "source-bucket", "S3KeyPrefix": "p".repeat(1025)}}), "ValidationException", "s3KeyPrefix"),
        (json!({"TableCreationParameters": {"TableName": "not a table name!", "AttributeDefinitions": [], "KeySchema": []}}), "ValidationException", "tableName"),
    ];
    for (extra, kind, needle) in cases {
        let (k, m) = err(ddb(&mut e, "ImportTable", request("in/", "Target", "DYNAMODB_JSON", extra.clone())));
        assert_eq!(k, kind, "{extra}: {m}");
        assert!(m.contains(needle), "{extra}: {m}");
    }
    let mut no_token = request("in/", "Target", "DYNAMODB_JSON", json!({}));
    no_token.as_object_mut().unwrap().remove("ClientToken");
    assert!(err(ddb(&mut e, "ImportTable", no_token)).1.contains("clientToken"));
    // Nothing was created by the refused requests.
    assert!(ok(ddb(&mut e, "ListTables", json!({})))["TableNames"].as_array().unwrap().is_empty());

    // The ClientToken: a replay while running returns the import; another table conflicts;
    // once it ends, the table exists.
    let input = request("in/", "Target", "DYNAMODB_JSON", json!({}));
    let first = ok(ddb(&mut e, "ImportTable", input.clone()))["ImportTableDescription"].clone();
    let mut other_source = input.clone();
    other_source["S3BucketSource"]["S3KeyPrefix"] = json!("elsewhere/");
    assert_eq!(ok(ddb(&mut e, "ImportTable", other_source))["ImportTableDescription"]["ImportArn"], first["ImportArn"]);
    let mut other_table = input.clone();
    other_table["TableCreationParameters"]["TableName"] = json!("Other");
    assert_eq!(err(ddb(&mut e, "ImportTable", other_table)), ("ImportConflictException".into(), "Duplicate request detected with conflicting parameters".into()));
    wait(&mut e, first["ImportArn"].as_str().unwrap());
    assert_eq!(err(ddb(&mut e, "ImportTable", input)), ("ResourceInUseException".into(), "Table already exists: Target".into()));

    let table_arn = first["TableArn"].as_str().unwrap();
    assert_eq!(err(ddb(&mut e, "DescribeImport", json!({"ImportArn": format!("{table_arn}/import/01658528578619-0badf00d")}))).0, "ImportNotFoundException");
    assert_eq!(
        err(ddb(&mut e, "DescribeImport", json!({"ImportArn": "arn:aws:dynamodb:us-east-1:123456789012:table/x/import/01658528578619-c4d4e311"}))),
        ("ValidationException".into(), "Invalid Import ARN".into())
    );
    assert_eq!(err(ddb(&mut e, "ListImports", json!({"PageSize": 26}))).0, "ValidationException");
    assert_eq!(err(ddb(&mut e, "ListImports", json!({"NextToken": "0".repeat(112)}))).0, "ValidationException");
}

#[test]
fn list_imports_pages_newest_first() {
    let mut e = engine();
    put_object(&mut e, "source-bucket", "in/a.json", b"{\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}}\n");
    let mut arns = Vec::new();
    for t in ["T1x", "T2x", "T3x"] {
        arns.push(ok(ddb(&mut e, "ImportTable", request("in/", t, "DYNAMODB_JSON", json!({}))))["ImportTableDescription"]["ImportArn"].as_str().unwrap().to_string());
        advance_ms(&mut e, 10);
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"PageSize": 2});
        if let Some(t) = &token {
            input["NextToken"] = json!(t);
        }
        let page = ok(ddb(&mut e, "ListImports", input));
        seen.extend(page["ImportSummaryList"].as_array().unwrap().iter().map(|s| s["ImportArn"].as_str().unwrap().to_string()));
        match page.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    arns.reverse();
    assert_eq!(seen, arns);
}

fn big_csv(rows: usize) -> Vec<u8> {
    let mut out = String::from("pk,n,payload\n");
    for i in 0..rows {
        out.push_str(&format!("user-{i:07},{i},{}\n", "x".repeat(80)));
    }
    out.into_bytes()
}

#[test]
fn progress_grows_step_by_step_and_survives_a_reload() {
    let mut e = engine();
    let body = big_csv(30_000); // ~3 MB: a dozen steps
    put_object(&mut e, "source-bucket", "big/rows.csv.gz", &gzip(&body));
    let arn =
        ok(ddb(&mut e, "ImportTable", request("big/", "Big", "CSV", json!({"InputCompressionType": "GZIP"}))))["ImportTableDescription"]["ImportArn"].as_str().unwrap().to_string();
    // The first step (after the start delay) lists and fetches the object; the next ones
    // inflate it, INFLATE_STEP_BYTES of text each; the one after reads one chunk of records.
    let inflate_steps = body.len().div_ceil(INFLATE_STEP_BYTES) as i64;
    assert!(inflate_steps >= 2);
    advance_ms(&mut e, START_MS + STEP_MS);
    assert_eq!(describe(&mut e, &arn)["ProcessedItemCount"], 0, "still inflating");
    advance_ms(&mut e, inflate_steps * STEP_MS);
    let d = describe(&mut e, &arn);
    assert_eq!(d["ImportStatus"], "IN_PROGRESS");
    let first = d["ProcessedItemCount"].as_u64().unwrap();
    assert!(first > 0 && first < 30_000, "{d}");
    assert!(d["ProcessedSizeBytes"].as_u64().unwrap() >= STEP_BYTES as u64);

    // Reload: the job record carries the offset; the object is fetched and inflated again,
    // then read on.
    let records = e.snapshot();
    let mut e = Engine::restore(EngineConfig::default(), H, records).unwrap();
    advance_ms(&mut e, (2 + inflate_steps) * STEP_MS);
    let d = describe(&mut e, &arn);
    assert!(d["ProcessedItemCount"].as_u64().unwrap() > first, "{d}");
    let done = wait(&mut e, &arn);
    assert_eq!(done["ImportStatus"], "COMPLETED", "{done}");
    assert_eq!((done["ImportedItemCount"].as_u64(), done["ProcessedSizeBytes"].as_u64()), (Some(30_000), Some(body.len() as u64)));
    assert_eq!(ok(ddb(&mut e, "DescribeTable", json!({"TableName": "Big"})))["Table"]["ItemCount"], 30_000);
    let got = ok(ddb(&mut e, "GetItem", json!({"TableName": "Big", "Key": {"pk": {"S": "user-0012345"}, "n": {"N": "12345"}}})));
    assert_eq!(got["Item"]["payload"]["S"].as_str().unwrap().len(), 80);
}

#[test]
fn a_large_object_is_fetched_in_ranges_and_a_change_between_them_fails_the_import() {
    let mut e = engine();
    let body = big_csv(60_000); // ~6 MB: two ranges
    let ranges = (body.len() as u64).div_ceil(FETCH_STEP_BYTES) as i64;
    assert_eq!(ranges, 2);
    put_object(&mut e, "source-bucket", "ranged/rows.csv", &body);
    let arn = ok(ddb(&mut e, "ImportTable", request("ranged/", "Ranged", "CSV", json!({}))))["ImportTableDescription"]["ImportArn"].as_str().unwrap().to_string();
    // One range per step: nothing is read until the object is whole.
    advance_ms(&mut e, START_MS);
    assert_eq!(describe(&mut e, &arn)["ProcessedItemCount"], 0, "first range only");
    advance_ms(&mut e, STEP_MS);
    assert_eq!(describe(&mut e, &arn)["ProcessedItemCount"], 0, "the object is whole now");
    advance_ms(&mut e, STEP_MS);
    assert!(describe(&mut e, &arn)["ProcessedItemCount"].as_u64().unwrap() > 0);
    let done = wait(&mut e, &arn);
    assert_eq!((done["ImportStatus"].as_str(), done["ImportedItemCount"].as_u64()), (Some("COMPLETED"), Some(60_000)));

    // The object is replaced after its first range was read: the next range is read IfMatch the
    // first one's ETag, and S3's PreconditionFailed ends the import, as a failed S3 read does.
    put_object(&mut e, "source-bucket", "changing/rows.csv", &body);
    let arn = ok(ddb(&mut e, "ImportTable", request("changing/", "Changing", "CSV", json!({}))))["ImportTableDescription"]["ImportArn"].as_str().unwrap().to_string();
    advance_ms(&mut e, START_MS);
    put_object(&mut e, "source-bucket", "changing/rows.csv", &big_csv(50_000));
    let done = wait(&mut e, &arn);
    assert_eq!((done["ImportStatus"].as_str(), done["FailureCode"].as_str()), (Some("FAILED"), Some("S3PreconditionFailed")), "{done}");
}

#[test]
fn a_host_that_fell_behind_gets_control_back_between_steps() {
    // A host ticks a minute late (a busy browser worker): the import's steps are overdue. A
    // host's tick (and a call) runs the timers that were due when it began, not the steps they
    // schedule, so the host answers calls between steps; a clock jump or a full tick still runs
    // them all.
    let mut e = engine();
    let body = big_csv(30_000); // ~3 MB: a dozen chunks
    put_object(&mut e, "source-bucket", "late/rows.csv", &body);
    let arn = ok(ddb(&mut e, "ImportTable", request("late/", "Late", "CSV", json!({}))))["ImportTableDescription"]["ImportArn"].as_str().unwrap().to_string();
    let describe_at =
        |e: &mut Engine, t: i64| ok(e.call(t, &Request::new("dynamodb", "DescribeImport", "us-east-1", json!({"ImportArn": arn.clone()}))))["ImportTableDescription"].clone();
    let mut t = H + 60_000;
    let mut seen = Vec::new();
    loop {
        e.tick_once(t);
        let d = describe_at(&mut e, t);
        seen.push(d["ProcessedItemCount"].as_u64().unwrap());
        if d["ImportStatus"] != "IN_PROGRESS" {
            assert_eq!(d["ImportStatus"], "COMPLETED");
            break;
        }
        assert!(seen.len() < 100, "{seen:?}");
        // The next step is due by the time the host ticks again, a second later (a slow host:
        // without the bound, one tick would run every step due by then).
        assert!(e.next_timer_host_ms().is_some_and(|due| due <= t + 1_000));
        t += 1_000;
    }
    let steps = seen.windows(2).filter(|w| w[0] < w[1]).count();
    // (Each round is two runs: the tick's and the call's.)
    assert!(seen.windows(2).all(|w| w[0] <= w[1]) && steps >= 5, "progress shows step by step: {seen:?}");
    assert_eq!(seen.last(), Some(&30_000));
}
