//! Point-in-time recovery: the setting and its window on the virtual clock, the undo log
//! (items as of a time, changes between two), RestoreTableToPointInTime with its errors and
//! overrides, trimming, and persistence (journal replay, reload, export/import).

use serde_json::{json, Value};

use super::pitr::{DAY_MS, RESTORE_MS};
use super::test_support::{advance, ddb, err, ok, H};
use crate::{AwsError, Engine, EngineConfig};

fn now_ms(e: &Engine) -> i64 {
    e.now_ms(H)
}

fn create(e: &mut Engine, name: &str, extra: Value) {
    let mut input = json!({
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST"
    });
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    ok(ddb(e, "CreateTable", input));
    advance(e, 2);
}

fn engine() -> Engine {
    let mut e = Engine::new(EngineConfig::default(), H);
    create(&mut e, "Orders", json!({}));
    e
}

fn enable(e: &mut Engine, table: &str, days: Option<i64>) -> Value {
    let mut spec = json!({"PointInTimeRecoveryEnabled": true});
    if let Some(d) = days {
        spec["RecoveryPeriodInDays"] = json!(d);
    }
    ok(ddb(e, "UpdateContinuousBackups", json!({"TableName": table, "PointInTimeRecoverySpecification": spec})))
}

fn put(e: &mut Engine, table: &str, pk: &str, v: i64) {
    ok(ddb(e, "PutItem", json!({"TableName": table, "Item": {"pk": {"S": pk}, "v": {"N": v.to_string()}}})));
}

fn delete(e: &mut Engine, table: &str, pk: &str) {
    ok(ddb(e, "DeleteItem", json!({"TableName": table, "Key": {"pk": {"S": pk}}})));
}

/// The table's items as (pk, v), sorted by pk.
fn contents(e: &mut Engine, table: &str) -> Vec<(String, i64)> {
    let items = ok(ddb(e, "Scan", json!({"TableName": table})))["Items"].as_array().cloned().unwrap_or_default();
    pairs(&items)
}

fn pairs(items: &[Value]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> =
        items.iter().map(|i| (i["pk"]["S"].as_str().unwrap_or_default().to_string(), i["v"]["N"].as_str().and_then(|n| n.parse().ok()).unwrap_or(-1))).collect();
    out.sort();
    out
}

fn items_at(e: &mut Engine, table: &str, t_ms: i64) -> Result<Vec<(String, i64)>, AwsError> {
    let r = e.control(H, "dynamodb:GetItemsAt", &json!({"TableName": table, "Time": t_ms as f64 / 1000.0}))?;
    Ok(pairs(r["Items"].as_array().map(Vec::as_slice).unwrap_or_default()))
}

fn describe_pitr(e: &mut Engine, table: &str) -> Value {
    ok(ddb(e, "DescribeContinuousBackups", json!({"TableName": table})))["ContinuousBackupsDescription"].clone()
}

fn s(v: &[(&str, i64)]) -> Vec<(String, i64)> {
    v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn the_window_follows_the_virtual_clock() {
    let mut e = engine();
    assert_eq!(describe_pitr(&mut e, "Orders"), json!({"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}));
    let t0 = now_ms(&e);
    let r = enable(&mut e, "Orders", None);
    let d = &r["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"];
    assert_eq!(d["PointInTimeRecoveryStatus"], "ENABLED");
    assert_eq!(d["RecoveryPeriodInDays"], 35);
    assert_eq!(d["EarliestRestorableDateTime"], json!((t0 / 1000) as f64));
    assert_eq!(d["LatestRestorableDateTime"], json!((t0 / 1000) as f64));
    advance(&mut e, 3600);
    let d = describe_pitr(&mut e, "Orders")["PointInTimeRecoveryDescription"].clone();
    assert_eq!(d["EarliestRestorableDateTime"], json!((t0 / 1000) as f64));
    assert_eq!(d["LatestRestorableDateTime"], json!(((now_ms(&e) - 300_000) / 1000) as f64), "latest is five minutes ago");
    // A 1-day period: after two days, the earliest is a day ago.
    enable(&mut e, "Orders", Some(1));
    advance(&mut e, 2 * 86_400);
    let d = describe_pitr(&mut e, "Orders")["PointInTimeRecoveryDescription"].clone();
    assert_eq!(d["RecoveryPeriodInDays"], 1);
    assert_eq!(d["EarliestRestorableDateTime"], json!(((now_ms(&e) - DAY_MS) / 1000) as f64));
    // Disabling forgets the window.
    ok(ddb(&mut e, "UpdateContinuousBackups", json!({"TableName": "Orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false}})));
    assert_eq!(describe_pitr(&mut e, "Orders")["PointInTimeRecoveryDescription"], json!({"PointInTimeRecoveryStatus": "DISABLED"}));
}

#[test]
fn update_and_describe_errors() {
    let mut e = engine();
    let update = |e: &mut Engine, input: Value| ddb(e, "UpdateContinuousBackups", input);
    assert_eq!(err(update(&mut e, json!({"TableName": "Nope", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}))).0, "TableNotFoundException");
    assert_eq!(err(ddb(&mut e, "DescribeContinuousBackups", json!({"TableName": "Nope"}))), ("TableNotFoundException".into(), "Table not found: Nope".into()));
    let (kind, msg) = err(update(&mut e, json!({"TableName": "Orders"})));
    assert_eq!(kind, "ValidationException");
    assert!(msg.contains("pointInTimeRecoverySpecification' failed to satisfy constraint: Member must not be null"), "{msg}");
    for days in [0, 36] {
        let (kind, msg) =
            err(update(&mut e, json!({"TableName": "Orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": days}})));
        assert_eq!(kind, "ValidationException");
        assert!(msg.contains("recoveryPeriodInDays"), "{msg}");
    }
    let (kind, _) = err(update(&mut e, json!({"TableName": "Orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false, "RecoveryPeriodInDays": 3}})));
    assert_eq!(kind, "ValidationException");
    // A table still being created has no backups yet.
    ok(ddb(
        &mut e,
        "CreateTable",
        json!({"TableName": "Fresh", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    ));
    assert_eq!(
        err(update(&mut e, json!({"TableName": "Fresh", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}))).0,
        "ContinuousBackupsUnavailableException"
    );
}

#[test]
fn items_at_and_changes_between_read_the_past() {
    let mut e = engine();
    put(&mut e, "Orders", "before", 0);
    enable(&mut e, "Orders", None);
    let t0 = now_ms(&e);
    put(&mut e, "Orders", "a", 1);
    put(&mut e, "Orders", "b", 1);
    advance(&mut e, 60);
    let t1 = now_ms(&e);
    put(&mut e, "Orders", "a", 2);
    delete(&mut e, "Orders", "b");
    put(&mut e, "Orders", "c", 1);
    put(&mut e, "Orders", "c", 1); // unchanged: not logged
    advance(&mut e, 60);
    let t2 = now_ms(&e);
    delete(&mut e, "Orders", "before");
    put(&mut e, "Orders", "b", 3);
    assert_eq!(ok(items_at(&mut e, "Orders", t1 - 1)), s(&[("a", 1), ("b", 1), ("before", 0)]));
    assert_eq!(ok(items_at(&mut e, "Orders", t2 - 1)), s(&[("a", 2), ("before", 0), ("c", 1)]));
    assert_eq!(ok(items_at(&mut e, "Orders", t2)), s(&[("a", 2), ("b", 3), ("c", 1)]), "changes at t are included");
    let now = now_ms(&e);
    assert_eq!(ok(items_at(&mut e, "Orders", now)), contents(&mut e, "Orders"));

    let r = ok(e.control(H, "dynamodb:GetChangesBetween", &json!({"TableName": "Orders", "From": (t1 - 1) as f64 / 1000.0, "To": (t2 - 1) as f64 / 1000.0})));
    let mut got: Vec<_> =
        r["Changes"].as_array().unwrap().iter().map(|c| (c["Keys"]["pk"]["S"].clone(), c["OldImage"]["v"]["N"].clone(), c["NewImage"]["v"]["N"].clone())).collect();
    got.sort_by_key(|x| x.0.to_string());
    assert_eq!(got, vec![(json!("a"), json!("1"), json!("2")), (json!("b"), json!("1"), Value::Null), (json!("c"), Value::Null, json!("1"))]);
    // b deleted then written again between t1 and now: old 1, new 3.
    let r = ok(e.control(H, "dynamodb:GetChangesBetween", &json!({"TableName": "Orders", "From": (t1 - 1) as f64 / 1000.0, "To": now_ms(&e) as f64 / 1000.0})));
    let b = r["Changes"].as_array().unwrap().iter().find(|c| c["Keys"]["pk"]["S"] == "b").cloned().unwrap();
    assert_eq!((b["OldImage"]["v"]["N"].clone(), b["NewImage"]["v"]["N"].clone()), (json!("1"), json!("3")));

    let (kind, _) = err(items_at(&mut e, "Orders", t0 - 10_000).map(|_| Value::Null));
    assert_eq!(kind, "InvalidRestoreTimeException");
    create(&mut e, "Plain", json!({}));
    let now = now_ms(&e);
    assert_eq!(err(items_at(&mut e, "Plain", now).map(|_| Value::Null)).0, "PointInTimeRecoveryUnavailableException");
}

#[test]
fn restore_to_a_point_before_the_change() {
    let mut e = engine();
    enable(&mut e, "Orders", None);
    for i in 0..5 {
        put(&mut e, "Orders", &format!("o{i}"), i);
    }
    advance(&mut e, 600);
    let good = now_ms(&e) - 1000;
    // The accident.
    for i in 0..5 {
        delete(&mut e, "Orders", &format!("o{i}"));
    }
    put(&mut e, "Orders", "junk", 99);
    advance(&mut e, 400);
    let r = ok(ddb(&mut e, "RestoreTableToPointInTime", json!({"SourceTableName": "Orders", "TargetTableName": "Orders-restored", "RestoreDateTime": good as f64 / 1000.0})));
    let d = &r["TableDescription"];
    assert_eq!(d["TableStatus"], "CREATING");
    assert_eq!(d["TableName"], "Orders-restored");
    assert_eq!(d["RestoreSummary"]["RestoreInProgress"], true);
    assert_eq!(d["RestoreSummary"]["SourceTableArn"], "arn:aws:dynamodb:us-east-1:123456789012:table/Orders");
    assert_eq!(d["RestoreSummary"]["RestoreDateTime"], json!(good as f64 / 1000.0));
    assert_eq!(d["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
    // Not readable while CREATING.
    assert_eq!(err(ddb(&mut e, "Scan", json!({"TableName": "Orders-restored"}))).0, "ResourceNotFoundException");
    // The name is taken while it is being created.
    let again = json!({"SourceTableName": "Orders", "TargetTableName": "Orders-restored", "UseLatestRestorableTime": true});
    assert_eq!(err(ddb(&mut e, "RestoreTableToPointInTime", again.clone())).0, "TableInUseException");
    advance(&mut e, RESTORE_MS / 1000);
    let d = ok(ddb(&mut e, "DescribeTable", json!({"TableName": "Orders-restored"})))["Table"].clone();
    assert_eq!(d["TableStatus"], "ACTIVE");
    assert_eq!(d["RestoreSummary"]["RestoreInProgress"], false);
    assert_eq!(d["ItemCount"], 5);
    assert_eq!(contents(&mut e, "Orders-restored"), s(&[("o0", 0), ("o1", 1), ("o2", 2), ("o3", 3), ("o4", 4)]));
    // The restored table has PITR off, as AWS restores it.
    assert_eq!(describe_pitr(&mut e, "Orders-restored")["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "DISABLED");
    assert_eq!(err(ddb(&mut e, "RestoreTableToPointInTime", again)), ("TableAlreadyExistsException".into(), "Table already exists: Orders-restored".into()));
    // UseLatestRestorableTime, by ARN.
    ok(ddb(
        &mut e,
        "RestoreTableToPointInTime",
        json!({"SourceTableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Orders", "TargetTableName": "Latest", "UseLatestRestorableTime": true}),
    ));
    advance(&mut e, RESTORE_MS / 1000);
    assert_eq!(contents(&mut e, "Latest"), s(&[("junk", 99)]));
}

#[test]
fn restore_errors() {
    let mut e = engine();
    let restore = |e: &mut Engine, input: Value| ddb(e, "RestoreTableToPointInTime", input);
    assert_eq!(
        err(restore(&mut e, json!({"SourceTableName": "Orders", "TargetTableName": "Target2", "UseLatestRestorableTime": true}))),
        ("PointInTimeRecoveryUnavailableException".into(), "Point in time recovery is not enabled for table 'Orders'".into())
    );
    assert_eq!(err(restore(&mut e, json!({"SourceTableName": "Nope", "TargetTableName": "Target2", "UseLatestRestorableTime": true}))).0, "TableNotFoundException");
    assert_eq!(err(restore(&mut e, json!({"SourceTableName": "Orders", "SourceTableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Orders", "TargetTableName": "Target2", "UseLatestRestorableTime": true}))).0, "ValidationException");
    assert_eq!(err(restore(&mut e, json!({"SourceTableName": "Orders", "UseLatestRestorableTime": true}))).0, "ValidationException");
    enable(&mut e, "Orders", None);
    advance(&mut e, 3600);
    let now = now_ms(&e);
    for t in [now - 2 * 3_600_000, now - 60_000, now + 60_000] {
        let (kind, msg) = err(restore(&mut e, json!({"SourceTableName": "Orders", "TargetTableName": "Target2", "RestoreDateTime": t as f64 / 1000.0})));
        assert_eq!(kind, "InvalidRestoreTimeException", "{t}");
        assert!(msg.contains("EarliestRestorableDateTime"), "{msg}");
    }
    assert_eq!(
        err(restore(&mut e, json!({"SourceTableName": "Orders", "TargetTableName": "Target2", "RestoreDateTime": now as f64 / 1000.0 - 600.0, "UseLatestRestorableTime": true}))).0,
        "ValidationException"
    );
    assert_eq!(
        err(restore(
            &mut e,
            json!({"SourceTableName": "Orders", "TargetTableName": "Target2", "UseLatestRestorableTime": true, "OnDemandThroughputOverride": {"MaxReadRequestUnits": 5}})
        ))
        .0,
        "ValidationException"
    );
    let (kind, msg) =
        err(restore(&mut e, json!({"SourceTableName": "Orders", "TargetTableName": "Target2", "UseLatestRestorableTime": true, "BillingModeOverride": "PROVISIONED"})));
    assert_eq!(kind, "ValidationException");
    assert!(msg.contains("ProvisionedThroughputOverride"), "{msg}");
    // Nothing was created by the failures.
    assert!(err(ddb(&mut e, "DescribeTable", json!({"TableName": "Target2"}))).0.contains("ResourceNotFound"));
}

#[test]
fn overrides_are_honoured() {
    let mut e = Engine::new(EngineConfig::default(), H);
    ok(ddb(
        &mut e,
        "CreateTable",
        json!({
            "TableName": "Games",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g1", "AttributeType": "S"}, {"AttributeName": "g2", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes": [
                {"IndexName": "ByG1", "KeySchema": [{"AttributeName": "g1", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}},
                {"IndexName": "ByG2", "KeySchema": [{"AttributeName": "g2", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}
            ]
        }),
    ));
    advance(&mut e, 2);
    enable(&mut e, "Games", None);
    ok(ddb(&mut e, "PutItem", json!({"TableName": "Games", "Item": {"pk": {"S": "x"}, "g1": {"S": "red"}, "g2": {"N": "7"}}})));
    advance(&mut e, 600);
    let r = ok(ddb(
        &mut e,
        "RestoreTableToPointInTime",
        json!({
            "SourceTableName": "Games", "TargetTableName": "Games2", "UseLatestRestorableTime": true,
            "BillingModeOverride": "PROVISIONED", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
            "GlobalSecondaryIndexOverride": [{"IndexName": "ByG1", "KeySchema": [{"AttributeName": "g1", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}],
            "SSESpecificationOverride": {"Enabled": true, "SSEType": "KMS", "KMSMasterKeyId": "alias/mine"}
        }),
    ));
    let d = &r["TableDescription"];
    assert_eq!(d["ProvisionedThroughput"]["ReadCapacityUnits"], 3);
    assert_eq!(d["ProvisionedThroughput"]["WriteCapacityUnits"], 4);
    let gsis = d["GlobalSecondaryIndexes"].as_array().unwrap();
    assert_eq!(gsis.len(), 1);
    assert_eq!(gsis[0]["IndexName"], "ByG1");
    assert_eq!(gsis[0]["ProvisionedThroughput"]["ReadCapacityUnits"], 2);
    assert_eq!(d["AttributeDefinitions"].as_array().unwrap().len(), 2, "g2's definition went with its index");
    assert_eq!(d["SSEDescription"]["KMSMasterKeyArn"], "arn:aws:kms:us-east-1:123456789012:alias/mine");
    advance(&mut e, RESTORE_MS / 1000);
    let q = ok(ddb(&mut e, "Query", json!({"TableName": "Games2", "IndexName": "ByG1", "KeyConditionExpression": "g1 = :r", "ExpressionAttributeValues": {":r": {"S": "red"}}})));
    assert_eq!(q["Count"], 1);
    // An index the source does not have, or with another shape.
    for o in [
        json!([{"IndexName": "Nope", "KeySchema": [{"AttributeName": "g1", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]),
        json!([{"IndexName": "ByG2", "KeySchema": [{"AttributeName": "g2", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]),
    ] {
        let (kind, _) = err(ddb(
            &mut e,
            "RestoreTableToPointInTime",
            json!({"SourceTableName": "Games", "TargetTableName": "Games3", "UseLatestRestorableTime": true, "GlobalSecondaryIndexOverride": o}),
        ));
        assert_eq!(kind, "ValidationException");
    }
    // An empty list drops every GSI.
    let r = ok(ddb(
        &mut e,
        "RestoreTableToPointInTime",
        json!({"SourceTableName": "Games", "TargetTableName": "Games3", "UseLatestRestorableTime": true, "GlobalSecondaryIndexOverride": []}),
    ));
    assert!(r["TableDescription"].get("GlobalSecondaryIndexes").is_none());
}

#[test]
fn the_log_is_trimmed_to_the_period() {
    let mut e = engine();
    enable(&mut e, "Orders", Some(1));
    put(&mut e, "Orders", "a", 1);
    put(&mut e, "Orders", "a", 2);
    let logged = |e: &Engine| e.snapshot().iter().filter(|r| r.key.starts_with("dynamodb/us-east-1/table/Orders/pitr/")).count();
    assert_eq!(logged(&e), 2);
    advance(&mut e, 3 * 86_400);
    assert_eq!(logged(&e), 0, "entries older than a day are gone");
    put(&mut e, "Orders", "a", 3);
    assert_eq!(logged(&e), 1);
    let earliest = now_ms(&e) - DAY_MS;
    assert_eq!(ok(items_at(&mut e, "Orders", earliest + 1)), s(&[("a", 2)]));
}

#[test]
fn pitr_survives_journal_replay_reload_and_export() {
    use crate::kernel::journal::Change;
    let mut e = engine();
    let mut image = std::collections::BTreeMap::new();
    enable(&mut e, "Orders", None);
    put(&mut e, "Orders", "a", 1);
    put(&mut e, "Orders", "b", 1);
    advance(&mut e, 600);
    let good = now_ms(&e) - 1000;
    put(&mut e, "Orders", "a", 2);
    delete(&mut e, "Orders", "b");
    advance(&mut e, 600);
    for c in e.take_changes() {
        match c {
            Change::Put { key, value } => {
                image.insert(key, value);
            }
            Change::Delete { key } => {
                image.remove(&key);
            }
            Change::DeletePrefix { prefix } => image.retain(|k, _| !k.starts_with(&prefix)),
        }
    }
    let snapshot: std::collections::BTreeMap<String, Vec<u8>> = e.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
    assert_eq!(image, snapshot, "journal replay equals snapshot");

    let mut reloaded = Engine::restore(EngineConfig::default(), H, e.snapshot()).unwrap();
    assert_eq!(ok(items_at(&mut reloaded, "Orders", good)), s(&[("a", 1), ("b", 1)]));
    // Writes after the reload continue the log.
    put(&mut reloaded, "Orders", "c", 1);
    ok(ddb(&mut reloaded, "RestoreTableToPointInTime", json!({"SourceTableName": "Orders", "TargetTableName": "Back", "RestoreDateTime": good as f64 / 1000.0})));
    advance(&mut reloaded, RESTORE_MS / 1000);
    assert_eq!(contents(&mut reloaded, "Back"), s(&[("a", 1), ("b", 1)]));

    let doc = ok(e.control(H, "ExportSandbox", &json!({})));
    let mut imported = Engine::new(EngineConfig::default(), H);
    ok(imported.control(H, "ImportSandbox", &json!({ "sandbox": doc })));
    assert_eq!(ok(items_at(&mut imported, "Orders", good)), s(&[("a", 1), ("b", 1)]));
}
