//! AWS Backup: vaults, plans and selections with AWS's errors; a scheduled rule firing on the
//! virtual clock, its jobs and recovery points (DynamoDB backups of type AWS_BACKUP), expiry after
//! DeleteAfterDays, cross-region copies; StartBackupJob, restore jobs; persistence.

use serde_json::{json, Value};

use crate::{AwsError, Engine, EngineConfig, Request};

const H: i64 = 1_000_000;
const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";
const TABLE_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders";

fn call(e: &mut Engine, service: &str, op: &str, region: &str, input: Value) -> Result<Value, AwsError> {
    e.call(H, &Request::new(service, op, region, input))
}

fn bk(e: &mut Engine, op: &str, input: Value) -> Result<Value, AwsError> {
    call(e, "backup", op, "us-east-1", input)
}

fn ddb(e: &mut Engine, op: &str, input: Value) -> Result<Value, AwsError> {
    call(e, "dynamodb", op, "us-east-1", input)
}

fn ok<T>(r: Result<T, AwsError>) -> T {
    r.unwrap_or_else(|e| panic!("unexpected error: {e}"))
}

fn err(r: Result<Value, AwsError>) -> (String, String) {
    let e = r.expect_err("expected an error");
    (e.kind, e.message)
}

fn advance(e: &mut Engine, seconds: i64) {
    ok(e.control(H, "AdvanceClock", &json!({ "seconds": seconds })));
}

fn engine() -> Engine {
    let mut e = Engine::new(EngineConfig::default(), H);
    ok(ddb(
        &mut e,
        "CreateTable",
        json!({"TableName": "Orders", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    ));
    advance(&mut e, 2);
    for i in 0..4 {
        ok(ddb(&mut e, "PutItem", json!({"TableName": "Orders", "Item": {"pk": {"S": format!("o{i}")}}})));
    }
    e
}

fn plan(e: &mut Engine, schedule: &str, extra: Value) -> String {
    let mut rule = json!({"RuleName": "hourly", "TargetBackupVaultName": "Default", "ScheduleExpression": schedule, "Lifecycle": {"DeleteAfterDays": 2}});
    if let (Some(r), Some(x)) = (rule.as_object_mut(), extra.as_object()) {
        r.extend(x.clone());
    }
    let r = ok(bk(e, "CreateBackupPlan", json!({"BackupPlan": {"BackupPlanName": "tables", "Rules": [rule]}})));
    let id = r["BackupPlanId"].as_str().unwrap().to_string();
    ok(bk(e, "CreateBackupSelection", json!({"BackupPlanId": id, "BackupSelection": {"SelectionName": "orders", "IamRoleArn": ROLE, "Resources": [TABLE_ARN]}})));
    id
}

fn recovery_points(e: &mut Engine, region: &str, vault: &str) -> Vec<Value> {
    ok(call(e, "backup", "ListRecoveryPointsByBackupVault", region, json!({"BackupVaultName": vault})))["RecoveryPoints"].as_array().cloned().unwrap_or_default()
}

#[test]
fn vaults() {
    let mut e = engine();
    let list = ok(bk(&mut e, "ListBackupVaults", json!({})))["BackupVaultList"].clone();
    assert_eq!(list[0]["BackupVaultName"], "Default", "every region has a Default vault");
    let r = ok(bk(&mut e, "CreateBackupVault", json!({"BackupVaultName": "prod-vault"})));
    assert_eq!(r["BackupVaultArn"], "arn:aws:backup:us-east-1:123456789012:backup-vault:prod-vault");
    assert_eq!(err(bk(&mut e, "CreateBackupVault", json!({"BackupVaultName": "prod-vault"}))).0, "AlreadyExistsException");
    assert_eq!(err(bk(&mut e, "CreateBackupVault", json!({"BackupVaultName": "bad name!"}))).0, "InvalidParameterValueException");
    assert_eq!(
        err(bk(&mut e, "CreateBackupVault", json!({"BackupVaultName": "enc", "EncryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/x"}))).0,
        "InvalidParameterValueException"
    );
    let d = ok(bk(&mut e, "DescribeBackupVault", json!({"BackupVaultName": "prod-vault"})));
    assert_eq!(d["NumberOfRecoveryPoints"], 0);
    assert_eq!(err(bk(&mut e, "DescribeBackupVault", json!({"BackupVaultName": "nope"}))).0, "ResourceNotFoundException");
    ok(bk(&mut e, "DeleteBackupVault", json!({"BackupVaultName": "prod-vault"})));
    assert_eq!(ok(bk(&mut e, "ListBackupVaults", json!({})))["BackupVaultList"].as_array().unwrap().len(), 1);
}

#[test]
fn plan_validation() {
    let mut e = engine();
    let create = |e: &mut Engine, rule: Value| bk(e, "CreateBackupPlan", json!({"BackupPlan": {"BackupPlanName": "p", "Rules": [rule]}}));
    assert_eq!(err(bk(&mut e, "CreateBackupPlan", json!({}))).0, "MissingParameterValueException");
    for (rule, what) in [
        (json!({"RuleName": "r", "TargetBackupVaultName": "nope"}), "ResourceNotFoundException"),
        (json!({"RuleName": "r", "TargetBackupVaultName": "Default", "ScheduleExpression": "cron(*/5 * ? * * *)"}), "InvalidParameterValueException"),
        // AWS Backup schedules are cron expressions only.
        (json!({"RuleName": "r", "TargetBackupVaultName": "Default", "ScheduleExpression": "rate(12 hours)"}), "InvalidParameterValueException"),
        (
            json!({"RuleName": "r", "TargetBackupVaultName": "Default", "ScheduleExpression": "cron(0 5 ? * * *)", "Lifecycle": {"MoveToColdStorageAfterDays": 30}}),
            "InvalidParameterValueException",
        ),
        (json!({"RuleName": "r", "TargetBackupVaultName": "Default", "StartWindowMinutes": 10}), "InvalidParameterValueException"),
        (
            json!({"RuleName": "r", "TargetBackupVaultName": "Default", "CopyActions": [{"DestinationBackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:Default"}]}),
            "InvalidParameterValueException",
        ),
        (json!({"RuleName": "r", "TargetBackupVaultName": "Default", "EnableContinuousBackup": true}), "InvalidParameterValueException"),
    ] {
        assert_eq!(err(create(&mut e, rule.clone())).0, what, "{rule}");
    }
    let id = plan(&mut e, "cron(0 * ? * * *)", json!({}));
    let got = ok(bk(&mut e, "GetBackupPlan", json!({"BackupPlanId": id})));
    assert_eq!(got["BackupPlan"]["Rules"][0]["ScheduleExpression"], "cron(0 * ? * * *)");
    assert_eq!(got["BackupPlan"]["Rules"][0]["StartWindowMinutes"], 480);
    assert_eq!(got["BackupPlan"]["Rules"][0]["Lifecycle"], json!({"DeleteAfterDays": 2}));
    // Without a schedule a rule runs on AWS's default, daily at 05:00 UTC.
    let daily = ok(create(&mut e, json!({"RuleName": "d", "TargetBackupVaultName": "Default"})))["BackupPlanId"].clone();
    let got = ok(bk(&mut e, "GetBackupPlan", json!({"BackupPlanId": daily})));
    assert_eq!(got["BackupPlan"]["Rules"][0]["ScheduleExpression"], "cron(0 5 ? * * *)");
    ok(bk(&mut e, "DeleteBackupPlan", json!({"BackupPlanId": daily})));
    assert_eq!(ok(bk(&mut e, "ListBackupPlans", json!({})))["BackupPlansList"].as_array().unwrap().len(), 1);
    // Selections must go first.
    assert_eq!(err(bk(&mut e, "DeleteBackupPlan", json!({"BackupPlanId": id}))).0, "InvalidRequestException");
    let sels = ok(bk(&mut e, "ListBackupSelections", json!({"BackupPlanId": id})))["BackupSelectionsList"].clone();
    let sel = sels[0]["SelectionId"].as_str().unwrap().to_string();
    let got = ok(bk(&mut e, "GetBackupSelection", json!({"BackupPlanId": id, "SelectionId": sel})));
    assert_eq!(got["BackupSelection"]["Resources"], json!([TABLE_ARN]));
    ok(bk(&mut e, "DeleteBackupSelection", json!({"BackupPlanId": id, "SelectionId": sel})));
    ok(bk(&mut e, "DeleteBackupPlan", json!({"BackupPlanId": id})));
    assert_eq!(err(bk(&mut e, "GetBackupPlan", json!({"BackupPlanId": id}))).0, "ResourceNotFoundException");
    // Selections name DynamoDB tables only.
    let id = ok(bk(&mut e, "CreateBackupPlan", json!({"BackupPlan": {"BackupPlanName": "p2", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "Default"}]}})))["BackupPlanId"]
        .as_str()
        .unwrap()
        .to_string();
    for bad in ["arn:aws:s3:::bucket", "arn:aws:dynamodb:us-east-1:123456789012:table/*"] {
        let r = bk(&mut e, "CreateBackupSelection", json!({"BackupPlanId": id, "BackupSelection": {"SelectionName": "s", "IamRoleArn": ROLE, "Resources": [bad]}}));
        assert_eq!(err(r).0, "InvalidParameterValueException", "{bad}");
    }
}

#[test]
fn a_scheduled_rule_backs_up_expires_and_copies_across_regions() {
    let mut e = engine();
    ok(call(&mut e, "backup", "CreateBackupVault", "us-west-2", json!({"BackupVaultName": "dr"})));
    let dest = "arn:aws:backup:us-west-2:123456789012:backup-vault:dr";
    let id = plan(&mut e, "cron(0 * ? * * *)", json!({"CopyActions": [{"DestinationBackupVaultArn": dest, "Lifecycle": {"DeleteAfterDays": 7}}]}));
    assert!(recovery_points(&mut e, "us-east-1", "Default").is_empty());
    // The next whole hour passes: a job, a recovery point, a DynamoDB backup of type AWS_BACKUP.
    advance(&mut e, 3600 + 10);
    let jobs = ok(bk(&mut e, "ListBackupJobs", json!({})))["BackupJobs"].clone();
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    assert_eq!(jobs[0]["State"], "COMPLETED");
    assert_eq!(jobs[0]["ResourceArn"], TABLE_ARN);
    assert_eq!(jobs[0]["CreatedBy"]["BackupPlanId"], json!(id));
    let rps = recovery_points(&mut e, "us-east-1", "Default");
    assert_eq!(rps.len(), 1);
    assert_eq!(rps[0]["Status"], "COMPLETED");
    assert_eq!(rps[0]["Lifecycle"]["DeleteAfterDays"], 2);
    let arn = rps[0]["RecoveryPointArn"].as_str().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:dynamodb:us-east-1:123456789012:table/Orders/backup/"), "{arn}");
    let ddb_list = ok(ddb(&mut e, "ListBackups", json!({"BackupType": "AWS_BACKUP"})))["BackupSummaries"].clone();
    assert_eq!(ddb_list.as_array().unwrap().len(), 1);
    assert_eq!(ddb_list[0]["BackupArn"], json!(arn));
    assert!(ddb_list[0].get("BackupExpiryDateTime").is_some());
    // The copy is in the other region's vault, and in DynamoDB there.
    let copies = recovery_points(&mut e, "us-west-2", "dr");
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0]["SourceBackupVaultArn"], "arn:aws:backup:us-east-1:123456789012:backup-vault:Default");
    assert!(copies[0]["RecoveryPointArn"].as_str().unwrap().starts_with("arn:aws:dynamodb:us-west-2:123456789012:table/Orders/backup/"));
    let west = ok(call(&mut e, "dynamodb", "ListBackups", "us-west-2", json!({"BackupType": "AWS_BACKUP"})))["BackupSummaries"].clone();
    assert_eq!(west.as_array().unwrap().len(), 1);
    assert!(ok(bk(&mut e, "GetBackupPlan", json!({"BackupPlanId": id}))).get("LastExecutionDate").is_some());
    // Hourly: two more hours, two more.
    advance(&mut e, 2 * 3600);
    assert_eq!(recovery_points(&mut e, "us-east-1", "Default").len(), 3);
    // DeleteAfterDays 2: after two days only the last two days' are left, in both services.
    advance(&mut e, 2 * 86_400);
    let left = recovery_points(&mut e, "us-east-1", "Default").len();
    assert!((47..=49).contains(&left), "{left}");
    let in_ddb = ok(ddb(&mut e, "ListBackups", json!({"BackupType": "AWS_BACKUP"})))["BackupSummaries"].as_array().unwrap().len();
    assert_eq!(in_ddb, left);
    // Copies last 7 days.
    assert!(recovery_points(&mut e, "us-west-2", "dr").len() > 50);
}

#[test]
fn on_demand_jobs_and_restore_jobs() {
    let mut e = engine();
    let r = ok(bk(&mut e, "StartBackupJob", json!({"BackupVaultName": "Default", "ResourceArn": TABLE_ARN, "IamRoleArn": ROLE})));
    let job = r["BackupJobId"].as_str().unwrap().to_string();
    let rp = r["RecoveryPointArn"].as_str().unwrap().to_string();
    assert_eq!(ok(bk(&mut e, "DescribeBackupJob", json!({"BackupJobId": job})))["State"], "RUNNING");
    assert_eq!(err(bk(&mut e, "StartRestoreJob", json!({"RecoveryPointArn": rp, "IamRoleArn": ROLE, "Metadata": {"targetTableName": "Orders2"}}))).0, "InvalidRequestException");
    advance(&mut e, 10);
    assert_eq!(ok(bk(&mut e, "DescribeBackupJob", json!({"BackupJobId": job})))["State"], "COMPLETED");
    let r = ok(bk(&mut e, "StartRestoreJob", json!({"RecoveryPointArn": rp, "IamRoleArn": ROLE, "Metadata": {"targetTableName": "Orders2"}})));
    let restore = r["RestoreJobId"].as_str().unwrap().to_string();
    assert_eq!(ok(bk(&mut e, "DescribeRestoreJob", json!({"RestoreJobId": restore})))["Status"], "RUNNING");
    advance(&mut e, 60);
    let d = ok(bk(&mut e, "DescribeRestoreJob", json!({"RestoreJobId": restore})));
    assert_eq!(d["Status"], "COMPLETED");
    assert_eq!(d["CreatedResourceArn"], "arn:aws:dynamodb:us-east-1:123456789012:table/Orders2");
    assert_eq!(ok(ddb(&mut e, "Scan", json!({"TableName": "Orders2"})))["Count"], 4);
    // Errors.
    assert_eq!(
        err(bk(&mut e, "StartBackupJob", json!({"BackupVaultName": "Default", "ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Nope", "IamRoleArn": ROLE}))).0,
        "ResourceNotFoundException"
    );
    assert_eq!(err(bk(&mut e, "StartBackupJob", json!({"BackupVaultName": "nope", "ResourceArn": TABLE_ARN, "IamRoleArn": ROLE}))).0, "ResourceNotFoundException");
    assert_eq!(err(bk(&mut e, "StartBackupJob", json!({"BackupVaultName": "Default", "ResourceArn": TABLE_ARN}))).0, "MissingParameterValueException");
    // DeleteRecoveryPoint deletes the DynamoDB backup too.
    ok(bk(&mut e, "DeleteRecoveryPoint", json!({"BackupVaultName": "Default", "RecoveryPointArn": rp})));
    assert_eq!(ok(ddb(&mut e, "ListBackups", json!({"BackupType": "AWS_BACKUP"})))["BackupSummaries"], json!([]));
}

#[test]
fn plans_survive_reload_and_keep_firing() {
    use crate::kernel::journal::Change;
    let mut e = engine();
    let mut image = std::collections::BTreeMap::new();
    plan(&mut e, "cron(30 * ? * * *)", json!({}));
    advance(&mut e, 3600);
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
    assert_eq!(recovery_points(&mut reloaded, "us-east-1", "Default").len(), 1);
    advance(&mut reloaded, 3600);
    assert_eq!(recovery_points(&mut reloaded, "us-east-1", "Default").len(), 2);
    let doc = ok(e.control(H, "ExportSandbox", &json!({})));
    let mut imported = Engine::new(EngineConfig::default(), H);
    ok(imported.control(H, "ImportSandbox", &json!({ "sandbox": doc })));
    assert_eq!(recovery_points(&mut imported, "us-east-1", "Default").len(), 1);
}
