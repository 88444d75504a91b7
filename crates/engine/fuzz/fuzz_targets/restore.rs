//! Loading a sandbox from arbitrary records: the input is a segment (or a framed file of
//! segments) replayed into an image whose records go to `Engine::restore`. Restore must either
//! refuse or give a sandbox that works: every table can be described, scanned page by page (on
//! its indexes too), queried, written to; its export imports again; and its journal still
//! replays to its state.
#![no_main]

use gureum_engine::{store::{unframe, Image}, Engine, EngineConfig, Request};
use gureum_engine_fuzz::{check_answer, persist, NOW, REGION};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fn call(e: &mut Engine, op: &str, input: Value) -> Option<Value> {
    let r = e.call(NOW, &Request::new("dynamodb", op, REGION, input));
    check_answer(op, &r);
    r.ok()
}

fuzz_target!(|data: &[u8]| {
    let mut img = Image::default();
    if img.apply_segment(data).is_err() {
        for seg in unframe(data).0 {
            if img.apply_segment(seg).is_err() {
                break;
            }
        }
    }
    let records = img.into_records();
    let Ok(mut e) = Engine::restore(EngineConfig::default(), NOW, records) else { return };
    // Replay from here on must reproduce the state.
    let _ = e.take_changes();
    let mut img = Image::default();
    for r in e.snapshot() {
        img.apply(gureum_engine::Change::Put { key: r.key, value: r.value });
    }
    let tables = call(&mut e, "ListTables", json!({})).expect("ListTables");
    for name in tables["TableNames"].as_array().cloned().unwrap_or_default() {
        let Some(desc) = call(&mut e, "DescribeTable", json!({"TableName": name})) else { continue };
        let mut targets = vec![json!({"TableName": name})];
        for list in ["LocalSecondaryIndexes", "GlobalSecondaryIndexes"] {
            for ix in desc["Table"][list].as_array().into_iter().flatten() {
                targets.push(json!({"TableName": name, "IndexName": ix["IndexName"], "_schema": ix["KeySchema"]}));
            }
        }
        let table_schema = desc["Table"]["KeySchema"].clone();
        let mut first_item: Option<Value> = None;
        for mut t in targets {
            let schema = t.as_object_mut().and_then(|o| o.remove("_schema")).unwrap_or_else(|| table_schema.clone());
            let hash = schema[0]["AttributeName"].as_str().unwrap_or("").to_string();
            // Scan in pages of 2, following LastEvaluatedKey.
            let mut req = t.clone();
            req["Limit"] = json!(2);
            for _ in 0..50 {
                let Some(page) = call(&mut e, "Scan", req.clone()) else { break };
                if first_item.is_none() {
                    first_item = page["Items"].get(0).cloned();
                }
                // Query the partition of the first item on this page.
                if let Some(v) = page["Items"].get(0).and_then(|i| i.get(&hash)) {
                    let mut q = t.clone();
                    q["KeyConditionExpression"] = json!("#h = :h");
                    q["ExpressionAttributeNames"] = json!({"#h": hash});
                    q["ExpressionAttributeValues"] = json!({":h": v});
                    q["ScanIndexForward"] = json!(false);
                    call(&mut e, "Query", q);
                }
                match page.get("LastEvaluatedKey") {
                    Some(k) => req["ExclusiveStartKey"] = k.clone(),
                    None => break,
                }
            }
        }
        if let Some(item) = first_item {
            let key: serde_json::Map<String, Value> = table_schema.as_array().into_iter().flatten()
                .filter_map(|k| k["AttributeName"].as_str())
                .filter_map(|n| item.get(n).map(|v| (n.to_string(), v.clone())))
                .collect();
            call(&mut e, "GetItem", json!({"TableName": name, "Key": key}));
            call(&mut e, "PutItem", json!({"TableName": name, "Item": item}));
            call(&mut e, "UpdateItem", json!({"TableName": name, "Key": key, "UpdateExpression": "SET fuzzed = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}, "ReturnValues": "ALL_NEW"}));
            call(&mut e, "DeleteItem", json!({"TableName": name, "Key": key, "ReturnValues": "ALL_OLD"}));
        }
    }
    persist(&mut e, &mut img);
    assert!(img.into_records() == e.snapshot(), "journal replay differs from the snapshot");
    // What was loaded can be exported, and the export imports.
    let export = e.control(NOW, "ExportSandbox", &json!({})).expect("ExportSandbox");
    let mut other = Engine::new(EngineConfig::default(), NOW);
    if let Err(err) = other.control(NOW, "ImportSandbox", &json!({"sandbox": export})) {
        panic!("a loaded sandbox's export does not import: {}", err.message);
    }
});
