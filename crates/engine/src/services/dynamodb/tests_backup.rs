//! On-demand backups: CreateBackup / DescribeBackup / ListBackups / DeleteBackup /
//! RestoreTableFromBackup shapes and errors, CREATING → AVAILABLE on the virtual clock, backups
//! outliving their table, the SYSTEM backup of a table deleted with PITR on, persistence.

use serde_json::json;

use super::test_support::{advance, ddb, err, ok, H};
use super::{backups::CREATING_MS, pitr::RESTORE_MS};
use crate::{Engine, EngineConfig};

fn engine() -> Engine {
    let mut e = Engine::new(EngineConfig::default(), H);
    ok(ddb(
        &mut e,
        "CreateTable",
        json!({"TableName": "Music", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    ));
    advance(&mut e, 2);
    for i in 0..3 {
        put(&mut e, &format!("song{i}"), i);
    }
    e
}

fn put(e: &mut Engine, pk: &str, v: i64) {
    ok(ddb(e, "PutItem", json!({"TableName": "Music", "Item": {"pk": {"S": pk}, "v": {"N": v.to_string()}}})));
}

fn contents(e: &mut Engine, table: &str) -> Vec<(String, String)> {
    let items = ok(ddb(e, "Scan", json!({"TableName": table})))["Items"].as_array().cloned().unwrap_or_default();
    let mut out: Vec<(String, String)> =
        items.iter().map(|i| (i["pk"]["S"].as_str().unwrap_or_default().to_string(), i["v"]["N"].as_str().unwrap_or_default().to_string())).collect();
    out.sort();
    out
}

fn create_backup(e: &mut Engine, name: &str) -> String {
    let r = ok(ddb(e, "CreateBackup", json!({"TableName": "Music", "BackupName": name})));
    r["BackupDetails"]["BackupArn"].as_str().unwrap().to_string()
}

#[test]
fn create_describe_list_delete() {
    let mut e = engine();
    let r = ok(ddb(&mut e, "CreateBackup", json!({"TableName": "Music", "BackupName": "nightly"})));
    let d = &r["BackupDetails"];
    let arn = d["BackupArn"].as_str().unwrap().to_string();
    let suffix = arn.strip_prefix("arn:aws:dynamodb:us-east-1:123456789012:table/Music/backup/").expect("AWS's backup ARN");
    let (ms, hex) = suffix.split_once('-').unwrap();
    assert_eq!((ms.len(), hex.len()), (13, 8));
    assert!(ms.bytes().all(|b| b.is_ascii_digit()) && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(d["BackupStatus"], "CREATING");
    assert_eq!(d["BackupType"], "USER");
    assert_eq!(d["BackupName"], "nightly");
    assert!(d["BackupSizeBytes"].as_u64().unwrap() > 0);
    assert_eq!(err(ddb(&mut e, "DeleteBackup", json!({"BackupArn": arn}))).0, "BackupInUseException");
    assert_eq!(err(ddb(&mut e, "CreateBackup", json!({"TableName": "Music", "BackupName": "again"}))).0, "BackupInUseException");
    advance(&mut e, CREATING_MS / 1000);
    let desc = ok(ddb(&mut e, "DescribeBackup", json!({"BackupArn": arn})))["BackupDescription"].clone();
    assert_eq!(desc["BackupDetails"]["BackupStatus"], "AVAILABLE");
    assert_eq!(desc["SourceTableDetails"]["TableName"], "Music");
    assert_eq!(desc["SourceTableDetails"]["ItemCount"], 3);
    assert_eq!(desc["SourceTableDetails"]["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(desc["SourceTableDetails"]["KeySchema"], json!([{"AttributeName": "pk", "KeyType": "HASH"}]));

    advance(&mut e, 60);
    let second = create_backup(&mut e, "second");
    advance(&mut e, 60);
    let list = ok(ddb(&mut e, "ListBackups", json!({})))["BackupSummaries"].clone();
    assert_eq!(list.as_array().unwrap().iter().map(|b| b["BackupName"].clone()).collect::<Vec<_>>(), [json!("nightly"), json!("second")]);
    assert_eq!(list[0]["TableName"], "Music");
    assert_eq!(list[0]["TableArn"], "arn:aws:dynamodb:us-east-1:123456789012:table/Music");
    // Paging.
    let page = ok(ddb(&mut e, "ListBackups", json!({"TableName": "Music", "Limit": 1})));
    assert_eq!(page["BackupSummaries"].as_array().unwrap().len(), 1);
    assert_eq!(page["LastEvaluatedBackupArn"], json!(arn));
    let next = ok(ddb(&mut e, "ListBackups", json!({"TableName": "Music", "Limit": 1, "ExclusiveStartBackupArn": arn})));
    assert_eq!(next["BackupSummaries"][0]["BackupArn"], json!(second));
    assert!(next.get("LastEvaluatedBackupArn").is_none());
    // Time range: lower inclusive, upper exclusive.
    let created = list[1]["BackupCreationDateTime"].as_f64().unwrap();
    let r = ok(ddb(&mut e, "ListBackups", json!({"TimeRangeLowerBound": created})));
    assert_eq!(r["BackupSummaries"].as_array().unwrap().len(), 1);
    let r = ok(ddb(&mut e, "ListBackups", json!({"TimeRangeUpperBound": created})));
    assert_eq!(r["BackupSummaries"].as_array().unwrap().len(), 1);
    // By type.
    assert_eq!(ok(ddb(&mut e, "ListBackups", json!({"BackupType": "SYSTEM"})))["BackupSummaries"], json!([]));
    assert_eq!(ok(ddb(&mut e, "ListBackups", json!({"BackupType": "ALL"})))["BackupSummaries"].as_array().unwrap().len(), 2);
    assert_eq!(err(ddb(&mut e, "ListBackups", json!({"BackupType": "SOME"}))).0, "ValidationException");

    let del = ok(ddb(&mut e, "DeleteBackup", json!({"BackupArn": arn})));
    assert_eq!(del["BackupDescription"]["BackupDetails"]["BackupStatus"], "DELETED");
    assert_eq!(err(ddb(&mut e, "DescribeBackup", json!({"BackupArn": arn}))), ("BackupNotFoundException".into(), format!("Backup not found: {arn}")));
    assert_eq!(err(ddb(&mut e, "DeleteBackup", json!({"BackupArn": arn}))).0, "BackupNotFoundException");
}

#[test]
fn create_errors() {
    let mut e = engine();
    assert_eq!(err(ddb(&mut e, "CreateBackup", json!({"TableName": "Nope", "BackupName": "b1b"}))), ("TableNotFoundException".into(), "Table not found: Nope".into()));
    for bad in ["ab", "has space", "slash/no"] {
        let (kind, msg) = err(ddb(&mut e, "CreateBackup", json!({"TableName": "Music", "BackupName": bad})));
        assert_eq!(kind, "ValidationException", "{bad}");
        assert!(msg.contains("backupName"), "{msg}");
    }
    assert_eq!(err(ddb(&mut e, "CreateBackup", json!({"TableName": "Music"}))).0, "ValidationException");
    // By ARN.
    ok(ddb(&mut e, "CreateBackup", json!({"TableName": "arn:aws:dynamodb:us-east-1:123456789012:table/Music", "BackupName": "by-arn"})));
}

#[test]
fn restore_from_a_backup_after_the_table_is_gone() {
    let mut e = engine();
    let arn = create_backup(&mut e, "before-change");
    put(&mut e, "song0", 100);
    put(&mut e, "song9", 9);
    assert_eq!(err(ddb(&mut e, "RestoreTableFromBackup", json!({"TargetTableName": "Music2", "BackupArn": arn}))).0, "BackupInUseException");
    advance(&mut e, CREATING_MS / 1000);
    ok(ddb(&mut e, "DeleteTable", json!({"TableName": "Music"})));
    advance(&mut e, 2);
    // Kept until deleted, after the table is gone.
    assert_eq!(ok(ddb(&mut e, "ListBackups", json!({"TableName": "Music"})))["BackupSummaries"].as_array().unwrap().len(), 1);
    let r = ok(ddb(&mut e, "RestoreTableFromBackup", json!({"TargetTableName": "Music", "BackupArn": arn})));
    let d = &r["TableDescription"];
    assert_eq!(d["TableStatus"], "CREATING");
    assert_eq!(d["RestoreSummary"]["SourceBackupArn"], json!(arn));
    assert_eq!(d["RestoreSummary"]["RestoreInProgress"], true);
    assert_eq!(err(ddb(&mut e, "RestoreTableFromBackup", json!({"TargetTableName": "Music", "BackupArn": arn}))).0, "TableInUseException");
    advance(&mut e, RESTORE_MS / 1000);
    assert_eq!(contents(&mut e, "Music"), [("song0".into(), "0".into()), ("song1".into(), "1".into()), ("song2".into(), "2".into())]);
    assert_eq!(err(ddb(&mut e, "RestoreTableFromBackup", json!({"TargetTableName": "Music", "BackupArn": arn}))).0, "TableAlreadyExistsException");
    assert_eq!(err(ddb(&mut e, "RestoreTableFromBackup", json!({"TargetTableName": "Other", "BackupArn": format!("{arn}0")}))).0, "BackupNotFoundException");
    // Overrides apply as for point-in-time restores.
    let r = ok(ddb(
        &mut e,
        "RestoreTableFromBackup",
        json!({"TargetTableName": "Prov", "BackupArn": arn, "BillingModeOverride": "PROVISIONED", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}),
    ));
    assert_eq!(r["TableDescription"]["ProvisionedThroughput"]["ReadCapacityUnits"], 5);
}

#[test]
fn deleting_a_table_with_pitr_leaves_a_system_backup_for_35_days() {
    let mut e = engine();
    ok(ddb(&mut e, "UpdateContinuousBackups", json!({"TableName": "Music", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}})));
    ok(ddb(&mut e, "DeleteTable", json!({"TableName": "Music"})));
    advance(&mut e, 10);
    let list = ok(ddb(&mut e, "ListBackups", json!({"BackupType": "SYSTEM"})))["BackupSummaries"].clone();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["BackupType"], "SYSTEM");
    assert!(list[0]["BackupExpiryDateTime"].as_f64().unwrap() > list[0]["BackupCreationDateTime"].as_f64().unwrap() + 34.0 * 86_400.0);
    assert_eq!(ok(ddb(&mut e, "ListBackups", json!({})))["BackupSummaries"], json!([]), "USER is the default type");
    let arn = list[0]["BackupArn"].as_str().unwrap().to_string();
    ok(ddb(&mut e, "RestoreTableFromBackup", json!({"TargetTableName": "Music", "BackupArn": arn})));
    advance(&mut e, RESTORE_MS / 1000);
    assert_eq!(contents(&mut e, "Music").len(), 3);
    advance(&mut e, 35 * 86_400);
    assert_eq!(ok(ddb(&mut e, "ListBackups", json!({"BackupType": "ALL"})))["BackupSummaries"], json!([]));
}

#[test]
fn backups_survive_journal_replay_reload_and_export() {
    use crate::kernel::journal::Change;
    let mut e = engine();
    let mut image = std::collections::BTreeMap::new();
    let arn = create_backup(&mut e, "keep");
    advance(&mut e, CREATING_MS / 1000);
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
    ok(ddb(&mut reloaded, "RestoreTableFromBackup", json!({"TargetTableName": "Back", "BackupArn": arn})));
    advance(&mut reloaded, RESTORE_MS / 1000);
    assert_eq!(contents(&mut reloaded, "Back").len(), 3);

    let doc = ok(e.control(H, "ExportSandbox", &json!({})));
    assert!(doc.to_string().contains("song1"), "backup data exports as DynamoDB JSON");
    let mut imported = Engine::new(EngineConfig::default(), H);
    ok(imported.control(H, "ImportSandbox", &json!({ "sandbox": doc })));
    ok(ddb(&mut imported, "RestoreTableFromBackup", json!({"TargetTableName": "Back", "BackupArn": arn})));
    advance(&mut imported, RESTORE_MS / 1000);
    assert_eq!(contents(&mut imported, "Back").len(), 3);
}
