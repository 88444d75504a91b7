//! ExportTableToPointInTime, DescribeExport, ListExports: PITR required, AWS's S3 layout and
//! manifests, data as of the export time, incremental exports' record shapes, S3 failures, the
//! ClientToken; and the round trip: an export imported again gives the same items.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use super::test_support::{advance_ms, call, ddb, err, ok};
use super::tests_import::{put_object, wait};
use super::transfer::{export::EXPORT_MS, formats::gunzip};
use crate::services::sqs::digest::md5;
use crate::{AwsError, Engine, EngineConfig};

const TABLE_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders";

fn put(e: &mut Engine, pk: &str, extra: Value) {
    let mut item = json!({"pk": {"S": pk}});
    if let (Some(obj), Some(more)) = (item.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    ok(ddb(e, "PutItem", json!({"TableName": "Orders", "Item": item})));
}

fn engine(pitr: bool) -> Engine {
    let mut e = Engine::new(EngineConfig::default(), 1_000_000);
    ok(call(&mut e, "s3", "CreateBucket", json!({"Bucket": "exports"})));
    ok(ddb(
        &mut e,
        "CreateTable",
        json!({
            "TableName": "Orders",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    ));
    advance_ms(&mut e, 2_000);
    if pitr {
        ok(ddb(&mut e, "UpdateContinuousBackups", json!({"TableName": "Orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}})));
    }
    e
}

fn export(e: &mut Engine, extra: Value) -> Result<Value, AwsError> {
    let mut input = json!({"TableArn": TABLE_ARN, "S3Bucket": "exports"});
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    ddb(e, "ExportTableToPointInTime", input).map(|o| o["ExportDescription"].clone())
}

fn describe(e: &mut Engine, arn: &str) -> Value {
    ok(ddb(e, "DescribeExport", json!({"ExportArn": arn})))["ExportDescription"].clone()
}

fn objects(e: &mut Engine, prefix: &str) -> Vec<String> {
    let out = ok(call(e, "s3", "ListObjectsV2", json!({"Bucket": "exports", "Prefix": prefix})));
    out["Contents"].as_array().map(|c| c.iter().map(|o| o["Key"].as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

fn get(e: &mut Engine, key: &str) -> Vec<u8> {
    let out = ok(call(e, "s3", "GetObject", json!({"Bucket": "exports", "Key": key})));
    B64.decode(out["Body"].as_str().unwrap()).unwrap()
}

fn sample(e: &mut Engine) {
    put(
        e,
        "a",
        json!({"n": {"N": "1"}, "s": {"S": "x"}, "b": {"B": "AAH+/w=="}, "ss": {"SS": ["p", "q"]}, "ns": {"NS": ["1.5", "-2"]}, "bs": {"BS": ["AA=="]}, "m": {"M": {"k": {"L": [{"NULL": true}, {"BOOL": false}]}}}}),
    );
    put(e, "b", json!({"n": {"N": "2"}}));
    put(e, "c", json!({"n": {"N": "3"}, "name": {"S": "quote\" and 日本"}}));
}

#[test]
fn pitr_is_required_and_the_request_is_checked() {
    let mut e = engine(false);
    assert_eq!(err(export(&mut e, json!({}))), ("PointInTimeRecoveryUnavailableException".into(), "Point in time recovery is not enabled for table 'Orders'".into()));
    let mut e = engine(true);
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"ExportType": "QWERTY"}), "ValidationException", "exportType"),
        (json!({"ExportFormat": "CSV"}), "ValidationException", "exportFormat"),
        (json!({"S3Prefix": ""}), "ValidationException", "s3Prefix"),
        (json!({"S3Bucket": ""}), "ValidationException", "s3Bucket"),
        (json!({"ClientToken": ""}), "ValidationException", "clientToken"),
        (json!({"S3SseAlgorithm": "QWERTY"}), "ValidationException", "s3SseAlgorithm"),
        (json!({"TableArn": "QWERTY"}), "ValidationException", "TableArn"),
        (json!({"ExportTime": -1}), "InvalidExportTimeException", "ExportTime"),
        (json!({"ExportTime": 4_000_000_000u64}), "InvalidExportTimeException", "ExportTime"),
        (json!({"TableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Nope"}), "TableNotFoundException", "not found"),
        (json!({"ExportType": "INCREMENTAL_EXPORT"}), "ValidationException", "IncrementalExportSpecification"),
    ];
    for (extra, kind, needle) in cases {
        let (k, m) = err(export(&mut e, extra.clone()));
        assert_eq!(k, kind, "{extra}: {m}");
        assert!(m.contains(needle), "{extra}: {m}");
    }
    // Before PITR was enabled is outside the window.
    let (k, _) = err(export(&mut e, json!({"ExportTime": 1_700_000_000})));
    assert_eq!(k, "InvalidExportTimeException");
    assert_eq!(
        err(ddb(&mut e, "DescribeExport", json!({"ExportArn": "qwerty:aws:dynamodb:us-east-1:000000000000:table/nonexistent_table_xyz"}))),
        ("ValidationException".into(), "Invalid Export ARN".into())
    );
}

#[test]
fn a_full_export_writes_aws_layout_and_manifests() {
    let mut e = engine(true);
    sample(&mut e);
    advance_ms(&mut e, 1_000);
    let started = export(&mut e, json!({"S3Prefix": "dira/dirb"})).map_err(|e| e.message).unwrap();
    assert_eq!(started["ExportStatus"], "IN_PROGRESS");
    assert_eq!(started["ExportFormat"], "DYNAMODB_JSON");
    assert!(started.get("ExportType").is_none(), "AWS leaves ExportType out when the request did: {started}");
    assert!(started["ClientToken"].as_str().is_some_and(|t| !t.is_empty()));
    let arn = started["ExportArn"].as_str().unwrap().to_string();
    let id = arn.rsplit('/').next().unwrap().to_string();
    assert!(arn.starts_with(&format!("{TABLE_ARN}/export/")));
    // Writes after the request are not in the export.
    advance_ms(&mut e, 1);
    put(&mut e, "late", json!({}));
    advance_ms(&mut e, EXPORT_MS);
    let done = describe(&mut e, &arn);
    assert_eq!(done["ExportStatus"], "COMPLETED", "{done}");
    assert_eq!(done["ItemCount"], 3);
    assert!(done["BilledSizeBytes"].as_u64().unwrap() > 0);
    assert_eq!(done["ExportManifest"], format!("dira/dirb/AWSDynamoDB/{id}/manifest-summary.json"));
    assert!(done["EndTime"].as_f64().unwrap() > done["StartTime"].as_f64().unwrap());

    let root = format!("dira/dirb/AWSDynamoDB/{id}");
    let keys = objects(&mut e, "dira/dirb/");
    let mut names: Vec<String> = keys.iter().map(|k| k.strip_prefix(&format!("{root}/")).unwrap().to_string()).collect();
    names.sort();
    assert_eq!(names.len(), 6, "{names:?}");
    let data = names.remove(1);
    assert_eq!(names, ["_started", "manifest-files.json", "manifest-files.md5", "manifest-summary.json", "manifest-summary.md5"]);
    assert!(data.starts_with("data/") && data.ends_with(".json.gz") && data.len() == "data/".len() + 26 + ".json.gz".len(), "{data}");
    assert!(get(&mut e, &format!("{root}/_started")).is_empty());
    for base in ["manifest-files", "manifest-summary"] {
        let body = get(&mut e, &format!("{root}/{base}.json"));
        assert_eq!(get(&mut e, &format!("{root}/{base}.md5")), B64.encode(md5(&body)).into_bytes());
    }
    let summary: Value = serde_json::from_slice(&get(&mut e, &format!("{root}/manifest-summary.json"))).unwrap();
    assert_eq!(summary["version"], "2020-06-30");
    assert_eq!(summary["exportArn"], arn);
    assert_eq!((summary["itemCount"].as_u64(), summary["outputFormat"].as_str(), summary["s3Prefix"].as_str()), (Some(3), Some("DYNAMODB_JSON"), Some("dira/dirb")));
    assert_eq!(summary["manifestFilesS3Key"], format!("{root}/manifest-files.json"));
    for k in ["startTime", "endTime", "tableArn", "tableId", "exportTime", "s3Bucket", "s3SseAlgorithm", "s3SseKmsKeyId", "billedSizeBytes"] {
        assert!(summary.get(k).is_some(), "{k} missing");
    }
    let files: Value = serde_json::from_slice(&get(&mut e, &format!("{root}/manifest-files.json"))).unwrap();
    let data = get(&mut e, files["dataFileS3Key"].as_str().unwrap());
    assert_eq!(files["md5Checksum"], B64.encode(md5(&data)));
    assert_eq!(files["itemCount"], 3);
    let text = String::from_utf8(gunzip(&data).unwrap()).unwrap();
    let mut lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines.sort_by_key(|l| l["Item"]["pk"]["S"].as_str().unwrap().to_string());
    assert_eq!(lines[0], json!({"Item": ok(ddb(&mut e, "GetItem", json!({"TableName": "Orders", "Key": {"pk": {"S": "a"}}})))["Item"]}));
    assert_eq!(lines.len(), 3);

    // Listed newest first with its type.
    let listed = ok(ddb(&mut e, "ListExports", json!({"TableArn": TABLE_ARN})));
    assert_eq!(listed["ExportSummaries"], json!([{"ExportArn": arn, "ExportStatus": "COMPLETED", "ExportType": "FULL_EXPORT"}]));
}

/// Exports the table in `format`, imports the export's data folder into a new table, and
/// compares the two tables' items.
fn round_trip(format: &str) {
    let mut e = engine(true);
    sample(&mut e);
    for i in 0..25_000 {
        put(&mut e, &format!("bulk-{i:05}"), json!({"i": {"N": i.to_string()}}));
        if i % 1_000 == 0 {
            advance_ms(&mut e, 1_000);
        }
    }
    advance_ms(&mut e, 1_000);
    let arn = export(&mut e, json!({"ExportFormat": format, "S3Prefix": "rt"})).unwrap()["ExportArn"].as_str().unwrap().to_string();
    advance_ms(&mut e, EXPORT_MS);
    assert_eq!(describe(&mut e, &arn)["ExportStatus"], "COMPLETED");
    let id = arn.rsplit('/').next().unwrap();
    let data: Vec<String> = objects(&mut e, &format!("rt/AWSDynamoDB/{id}/data/"));
    assert_eq!(data.len(), 3, "25,003 items in files of 10,000");
    assert!(data.iter().all(|k| k.ends_with(if format == "ION" { ".ion.gz" } else { ".json.gz" })));
    // The export's data folder is an import source as it stands.
    let import = ok(ddb(
        &mut e,
        "ImportTable",
        json!({
            "ClientToken": "rt",
            "S3BucketSource": {"S3Bucket": "exports", "S3KeyPrefix": format!("rt/AWSDynamoDB/{id}/data/")},
            "InputFormat": format,
            "InputCompressionType": "GZIP",
            "TableCreationParameters": {
                "TableName": "Copy",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST"
            }
        }),
    ));
    let done = wait(&mut e, import["ImportTableDescription"]["ImportArn"].as_str().unwrap());
    assert_eq!((done["ImportStatus"].as_str(), done["ImportedItemCount"].as_u64()), (Some("COMPLETED"), Some(25_003)), "{done}");
    let all = |e: &mut Engine, t: &str| {
        let mut items = Vec::new();
        let mut start: Option<Value> = None;
        loop {
            let mut input = json!({"TableName": t});
            if let Some(s) = &start {
                input["ExclusiveStartKey"] = s.clone();
            }
            let page = ok(ddb(e, "Scan", input));
            items.extend(page["Items"].as_array().unwrap().iter().map(|i| i.to_string()));
            match page.get("LastEvaluatedKey") {
                Some(k) => start = Some(k.clone()),
                None => break,
            }
        }
        items.sort();
        items
    };
    assert_eq!(all(&mut e, "Orders"), all(&mut e, "Copy"));
}

#[test]
fn dynamodb_json_export_imports_back_to_the_same_items() {
    round_trip("DYNAMODB_JSON");
}

#[test]
fn ion_export_imports_back_to_the_same_items() {
    round_trip("ION");
}

#[test]
fn an_export_time_in_the_past_exports_the_table_as_it_was() {
    let mut e = engine(true);
    put(&mut e, "a", json!({"v": {"N": "1"}}));
    advance_ms(&mut e, 60_000);
    let then = e.now_ms(1_000_000);
    advance_ms(&mut e, 1);
    put(&mut e, "a", json!({"v": {"N": "2"}}));
    put(&mut e, "b", json!({}));
    advance_ms(&mut e, 60_000);
    // Inside the last five minutes is outside the PITR window.
    assert_eq!(err(export(&mut e, json!({"ExportTime": then as f64 / 1000.0}))).0, "InvalidExportTimeException");
    advance_ms(&mut e, 5 * 60_000);
    let arn = export(&mut e, json!({"ExportTime": then as f64 / 1000.0})).unwrap()["ExportArn"].as_str().unwrap().to_string();
    advance_ms(&mut e, EXPORT_MS);
    let d = describe(&mut e, &arn);
    assert_eq!((d["ItemCount"].as_u64(), d["ExportTime"].as_f64()), (Some(1), Some(then as f64 / 1000.0)));
    let id = arn.rsplit('/').next().unwrap();
    let key = objects(&mut e, &format!("AWSDynamoDB/{id}/data/")).remove(0);
    let text = String::from_utf8(gunzip(&get(&mut e, &key)).unwrap()).unwrap();
    assert_eq!(text, "{\"Item\":{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}}\n");
}

#[test]
fn incremental_exports_write_changes_to_the_shared_data_folder() {
    let mut e = engine(true);
    put(&mut e, "kept", json!({"v": {"N": "0"}}));
    put(&mut e, "changed", json!({"v": {"N": "1"}}));
    put(&mut e, "deleted", json!({"v": {"N": "1"}}));
    advance_ms(&mut e, 60_000);
    let from = e.now_ms(1_000_000);
    advance_ms(&mut e, 1_000);
    put(&mut e, "changed", json!({"v": {"N": "2"}}));
    let changed_at = e.now_ms(1_000_000);
    ok(ddb(&mut e, "DeleteItem", json!({"TableName": "Orders", "Key": {"pk": {"S": "deleted"}}})));
    put(&mut e, "inserted", json!({"v": {"N": "3"}}));
    put(&mut e, "ephemeral", json!({}));
    ok(ddb(&mut e, "DeleteItem", json!({"TableName": "Orders", "Key": {"pk": {"S": "ephemeral"}}})));
    advance_ms(&mut e, 25 * 60_000);
    let to = from + 16 * 60_000;
    let spec = |from: i64, to: i64, view: &str| json!({"ExportType": "INCREMENTAL_EXPORT", "IncrementalExportSpecification": {"ExportFromTime": from as f64 / 1000.0, "ExportToTime": to as f64 / 1000.0, "ExportViewType": view}});
    let (k, m) = err(export(&mut e, spec(from, from + 60_000, "NEW_IMAGE")));
    assert_eq!(k, "InvalidExportTimeException");
    assert!(m.starts_with("Difference between export period"), "{m}");
    assert_eq!(err(export(&mut e, spec(from - 3_600_000, to, "NEW_IMAGE"))).0, "InvalidExportTimeException");

    let d = export(&mut e, spec(from, to, "NEW_AND_OLD_IMAGES")).unwrap();
    assert_eq!(d["ExportType"], "INCREMENTAL_EXPORT");
    assert_eq!(d["IncrementalExportSpecification"]["ExportViewType"], "NEW_AND_OLD_IMAGES");
    let arn = d["ExportArn"].as_str().unwrap().to_string();
    advance_ms(&mut e, EXPORT_MS);
    let d = describe(&mut e, &arn);
    assert_eq!((d["ExportStatus"].as_str(), d["ItemCount"].as_u64()), (Some("COMPLETED"), Some(3)), "{d}");
    let id = arn.rsplit('/').next().unwrap();
    // Data in the shared folder, manifests under the export id.
    let data = objects(&mut e, "AWSDynamoDB/data/");
    assert_eq!(data.len(), 1);
    let summary: Value = serde_json::from_slice(&get(&mut e, &format!("AWSDynamoDB/{id}/manifest-summary.json"))).unwrap();
    assert_eq!(
        (summary["exportType"].as_str(), summary["outputView"].as_str(), summary["version"].as_str()),
        (Some("INCREMENTAL_EXPORT"), Some("NEW_AND_OLD_IMAGES"), Some("2023-08-01"))
    );
    assert!(summary.get("exportFromTime").is_some() && summary.get("exportToTime").is_some());
    let text = String::from_utf8(gunzip(&get(&mut e, &data[0])).unwrap()).unwrap();
    let mut lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines.sort_by_key(|l| l["Keys"]["pk"]["S"].as_str().unwrap().to_string());
    assert_eq!(
        lines[0],
        json!({"Metadata": {"WriteTimestampMicros": {"N": (changed_at * 1000).to_string()}}, "Keys": {"pk": {"S": "changed"}}, "NewImage": {"pk": {"S": "changed"}, "v": {"N": "2"}}, "OldImage": {"pk": {"S": "changed"}, "v": {"N": "1"}}})
    );
    assert_eq!(lines[1]["Keys"], json!({"pk": {"S": "deleted"}}));
    assert!(lines[1].get("NewImage").is_none() && lines[1]["OldImage"]["v"]["N"] == "1");
    assert_eq!(lines[2]["NewImage"], json!({"pk": {"S": "inserted"}, "v": {"N": "3"}}));
    assert!(lines[2].get("OldImage").is_none());

    // NEW_IMAGE: a delete is its keys only.
    let arn = export(&mut e, spec(from, to, "NEW_IMAGE")).unwrap()["ExportArn"].as_str().unwrap().to_string();
    advance_ms(&mut e, EXPORT_MS);
    assert_eq!(describe(&mut e, &arn)["ExportStatus"], "COMPLETED");
    let id = arn.rsplit('/').next().unwrap();
    let files: Value = serde_json::from_slice(&get(&mut e, &format!("AWSDynamoDB/{id}/manifest-files.json"))).unwrap();
    let text = String::from_utf8(gunzip(&get(&mut e, files["dataFileS3Key"].as_str().unwrap())).unwrap()).unwrap();
    let deleted: Value = text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).find(|l| l["Keys"]["pk"]["S"] == "deleted").unwrap();
    assert_eq!(deleted.as_object().unwrap().keys().collect::<Vec<_>>(), ["Metadata", "Keys"]);
}

#[test]
fn a_missing_bucket_fails_later_and_tokens_are_idempotent() {
    let mut e = engine(true);
    let arn = export(&mut e, json!({"S3Bucket": "no-such-bucket"})).unwrap()["ExportArn"].as_str().unwrap().to_string();
    advance_ms(&mut e, EXPORT_MS);
    let d = describe(&mut e, &arn);
    assert_eq!((d["ExportStatus"].as_str(), d["FailureCode"].as_str()), (Some("FAILED"), Some("S3NoSuchBucket")));
    assert!(d["FailureMessage"].as_str().unwrap().contains("bucket does not exist"));

    advance_ms(&mut e, 1);
    let first = export(&mut e, json!({"ClientToken": "tok"})).unwrap();
    let again = export(&mut e, json!({"ClientToken": "tok"})).unwrap();
    assert_eq!(first["ExportArn"], again["ExportArn"]);
    assert_eq!(again["ClientToken"], "tok");
    let (k, m) = err(export(&mut e, json!({"ClientToken": "tok", "ExportFormat": "ION"})));
    assert_eq!(k, "ExportConflictException");
    assert!(m.starts_with("Duplicate request detected"));
    advance_ms(&mut e, 1);
    let other = export(&mut e, json!({})).unwrap();
    assert_ne!(other["ExportArn"], first["ExportArn"]);

    // Paging, newest first.
    let page = ok(ddb(&mut e, "ListExports", json!({"MaxResults": 2})));
    assert_eq!(page["ExportSummaries"][0]["ExportArn"], other["ExportArn"]);
    let rest = ok(ddb(&mut e, "ListExports", json!({"MaxResults": 2, "NextToken": page["NextToken"]})));
    assert_eq!(rest["ExportSummaries"].as_array().unwrap().len(), 1);
    assert!(rest.get("NextToken").is_none());
    assert_eq!(err(ddb(&mut e, "ListExports", json!({"NextToken": "0123456789abcdef".repeat(16)}))).0, "ValidationException");
    // The export writes go through S3: the bucket now holds them.
    put_object(&mut e, "exports", "marker", b"");
}
