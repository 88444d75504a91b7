//! AWS Backup's operations, and the timers and DynamoDB calls that run plans and jobs.

use serde_json::{json, Value};

use super::{already_exists, invalid_param, invalid_request, missing, model::*, not_found, schedule::Schedule, Backup, Cont};
use crate::kernel::{error::AwsError, runtime::Step, scheduler::Timer, service::Cx, Request};
use crate::services::dynamodb::backups::CREATING_MS;
use crate::services::dynamodb::pitr::RESTORE_MS;

const DAY_MS: i64 = 86_400_000;

// ---- Input helpers ----

fn opt_str<'a>(input: &'a Value, member: &str) -> Result<Option<&'a str>, AwsError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid_param(format!("{member} must be a string"))),
    }
}

fn req_str<'a>(input: &'a Value, member: &str) -> Result<&'a str, AwsError> {
    opt_str(input, member)?.filter(|s| !s.is_empty()).ok_or_else(|| missing(member))
}

fn opt_int(input: &Value, member: &str) -> Result<Option<i64>, AwsError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| invalid_param(format!("{member} must be a whole number"))),
    }
}

/// Members AWS accepts that the sandbox does not simulate: refused when present and not empty.
fn refuse(input: &Value, members: &[&str], op: &str) -> Result<(), AwsError> {
    for m in members {
        let present = match input.get(*m) {
            None | Some(Value::Null) => false,
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
            Some(_) => true,
        };
        if present {
            return Err(invalid_param(format!("{m} of {op} is not supported in the sandbox")));
        }
    }
    Ok(())
}

fn check_name(name: &str, member: &str, min: usize, max: usize, extra: &str) -> Result<(), AwsError> {
    let ok = (min..=max).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || extra.contains(c));
    if ok {
        Ok(())
    } else {
        Err(invalid_param(format!(
            "Invalid {member}: '{name}' must be {min} to {max} characters of letters, digits, hyphens and underscores{}",
            if extra.is_empty() { "" } else { " and periods" }
        )))
    }
}

/// A page of `list` for MaxResults / NextToken (a position in the list).
fn page(list: Vec<Value>, input: &Value, member: &str) -> Result<Value, AwsError> {
    let max = opt_int(input, "MaxResults")?.unwrap_or(1000);
    if !(1..=1000).contains(&max) {
        return Err(invalid_param("MaxResults must be between 1 and 1000"));
    }
    let start = match opt_str(input, "NextToken")? {
        Some(t) => t.parse::<usize>().ok().filter(|n| *n <= list.len()).ok_or_else(|| invalid_param("Invalid NextToken"))?,
        None => 0,
    };
    let end = (start + max as usize).min(list.len());
    let mut out = json!({ member: list[start..end].to_vec() });
    if end < list.len() {
        out["NextToken"] = json!(end.to_string());
    }
    Ok(out)
}

fn vault_not_found(name: &str) -> AwsError {
    not_found(format!("Backup vault {name} does not exist"))
}

/// A DynamoDB table ARN of this region and account: its table name.
fn table_of(cx: &Cx, arn: &str) -> Result<String, AwsError> {
    if arn.contains('*') {
        return Err(invalid_param(format!("Wildcards in resource ARNs are not supported in the sandbox: {arn}")));
    }
    let prefix = cx.account.arn("dynamodb", cx.region, "table/");
    match arn.strip_prefix(&prefix) {
        Some(name) if !name.is_empty() && !name.contains('/') => Ok(name.to_string()),
        _ if arn.starts_with("arn:aws:dynamodb:") => Err(invalid_param(format!("Resource {arn} is not a DynamoDB table of this account in {}", cx.region))),
        _ => Err(invalid_param(format!("Only DynamoDB tables can be backed up in the sandbox: {arn}"))),
    }
}

fn lifecycle(v: Option<&Value>) -> Result<Option<i64>, AwsError> {
    let Some(l) = v.filter(|v| !v.is_null()) else { return Ok(None) };
    refuse(l, &["MoveToColdStorageAfterDays", "OptInToArchiveForSupportedResources", "DeleteAfterEvent"], "Lifecycle")?;
    let d = opt_int(l, "DeleteAfterDays")?;
    if d.is_some_and(|d| d < 1) {
        return Err(invalid_param("DeleteAfterDays must be at least 1"));
    }
    Ok(d)
}

// ---- Vaults ----

fn vault_json(v: &Vault, rps: usize) -> Value {
    json!({
        "BackupVaultName": v.name, "BackupVaultArn": v.arn, "VaultType": "BACKUP_VAULT", "VaultState": "AVAILABLE",
        "CreationDate": secs(v.created_ms), "NumberOfRecoveryPoints": rps, "Locked": false,
    })
}

pub fn create_vault(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name = req_str(input, "BackupVaultName")?;
    check_name(name, "BackupVaultName", 2, 50, "")?;
    refuse(input, &["BackupVaultTags", "EncryptionKeyArn"], "CreateBackupVault")?;
    let creator = opt_str(input, "CreatorRequestId")?.map(str::to_string);
    let region = cx.region.to_string();
    let arn = cx.account.arn("backup", &region, &format!("backup-vault:{name}"));
    let s = b.region(cx, &region);
    if s.vaults.contains_key(name) {
        return Err(already_exists(format!("Backup vault with the same name already exists: {name}")));
    }
    let v = Vault { name: name.to_string(), arn, created_ms: cx.now_ms, creator_request_id: creator };
    cx.journal.put_json(vault_key(&region, name), &v);
    let out = json!({"BackupVaultName": v.name, "BackupVaultArn": v.arn, "CreationDate": secs(v.created_ms)});
    s.vaults.insert(name.to_string(), v);
    Ok(out)
}

pub fn describe_vault(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name = req_str(input, "BackupVaultName")?;
    let region = cx.region.to_string();
    let s = b.region(cx, &region);
    let v = s.vaults.get(name).ok_or_else(|| vault_not_found(name))?;
    Ok(vault_json(v, s.recovery_points.values().filter(|r| r.vault == name).count()))
}

pub fn list_vaults(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    if opt_str(input, "ByVaultType")?.is_some_and(|t| t != "BACKUP_VAULT") {
        return Ok(json!({"BackupVaultList": []}));
    }
    let region = cx.region.to_string();
    let s = b.region(cx, &region);
    let list: Vec<Value> = s.vaults.values().map(|v| vault_json(v, s.recovery_points.values().filter(|r| r.vault == v.name).count())).collect();
    page(list, input, "BackupVaultList")
}

pub fn delete_vault(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name = req_str(input, "BackupVaultName")?;
    let region = cx.region.to_string();
    let s = b.region(cx, &region);
    if !s.vaults.contains_key(name) {
        return Err(vault_not_found(name));
    }
    let n = s.recovery_points.values().filter(|r| r.vault == name).count();
    if n > 0 {
        return Err(invalid_request(format!("Backup vault cannot be deleted because it contains {n} recovery points")));
    }
    if name == DEFAULT_VAULT {
        return Err(invalid_request("The Default backup vault cannot be deleted in the sandbox"));
    }
    s.vaults.remove(name);
    cx.journal.delete(vault_key(&region, name));
    Ok(json!({}))
}

// ---- Plans ----

fn parse_rules(b: &mut Backup, cx: &mut Cx, plan: &Value) -> Result<(String, Vec<Rule>), AwsError> {
    let name = req_str(plan, "BackupPlanName")?;
    check_name(name, "BackupPlanName", 1, 50, ".")?;
    refuse(plan, &["AdvancedBackupSettings", "ScanSettings"], "BackupPlan")?;
    let rules = plan.get("Rules").and_then(Value::as_array).ok_or_else(|| missing("Rules"))?;
    if rules.is_empty() {
        return Err(invalid_param("A backup plan needs at least one rule"));
    }
    let region = cx.region.to_string();
    let mut out: Vec<Rule> = Vec::new();
    for r in rules {
        let rule_name = req_str(r, "RuleName")?;
        check_name(rule_name, "RuleName", 1, 50, ".")?;
        if out.iter().any(|o| o.name == rule_name) {
            return Err(invalid_param(format!("Duplicate rule name: {rule_name}")));
        }
        refuse(r, &["TargetLogicallyAirGappedBackupVaultArn", "RecoveryPointTags", "IndexActions", "ScanActions"], "BackupRule")?;
        if r.get("EnableContinuousBackup").and_then(Value::as_bool) == Some(true) {
            return Err(invalid_param("EnableContinuousBackup is not supported for DynamoDB (use DynamoDB's point-in-time recovery)"));
        }
        if let Some(tz) = opt_str(r, "ScheduleExpressionTimezone")? {
            if !matches!(tz, "Etc/UTC" | "UTC") {
                return Err(invalid_param(format!("ScheduleExpressionTimezone {tz} is not supported in the sandbox; schedules run in UTC")));
            }
        }
        let vault = req_str(r, "TargetBackupVaultName")?;
        if !b.region(cx, &region).vaults.contains_key(vault) {
            return Err(vault_not_found(vault));
        }
        let schedule = Some(opt_str(r, "ScheduleExpression")?.unwrap_or(super::schedule::DEFAULT_SCHEDULE));
        if let Some(e) = schedule {
            Schedule::parse(e).map_err(|m| invalid_param(format!("Invalid ScheduleExpression {e}: {m}")))?;
        }
        let start = opt_int(r, "StartWindowMinutes")?.unwrap_or(480);
        let complete = opt_int(r, "CompletionWindowMinutes")?.unwrap_or(10_080);
        if start < 60 {
            return Err(invalid_param("StartWindowMinutes must be at least 60"));
        }
        if complete < start {
            return Err(invalid_param("CompletionWindowMinutes must not be shorter than StartWindowMinutes"));
        }
        let delete_after = lifecycle(r.get("Lifecycle"))?;
        let mut copies = Vec::new();
        for c in r.get("CopyActions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            let dest = req_str(c, "DestinationBackupVaultArn")?;
            let (dest_region, _) = parse_vault_arn(cx, dest)?;
            if dest_region == region {
                return Err(invalid_param("Copies within the same region are not supported in the sandbox; copy to another region's vault"));
            }
            copies.push(CopyAction { destination_vault_arn: dest.to_string(), delete_after_days: lifecycle(c.get("Lifecycle"))? });
        }
        out.push(Rule {
            id: cx.rng.uuid(),
            name: rule_name.to_string(),
            vault: vault.to_string(),
            schedule: schedule.map(str::to_string),
            start_window_minutes: start,
            completion_window_minutes: complete,
            delete_after_days: delete_after,
            copy_actions: copies,
            next_ms: None,
        });
    }
    Ok((name.to_string(), out))
}

/// (region, vault name) of `arn:aws:backup:{region}:{account}:backup-vault:{name}`.
fn parse_vault_arn(cx: &Cx, arn: &str) -> Result<(String, String), AwsError> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", "aws", "backup", region, account, "backup-vault", name] if *account == cx.account.id && crate::kernel::account::Account::is_region(region) => {
            Ok((region.to_string(), name.to_string()))
        }
        _ => Err(invalid_param(format!("Invalid backup vault ARN: {arn}"))),
    }
}

fn rule_json(r: &Rule) -> Value {
    let mut v = json!({
        "RuleName": r.name, "TargetBackupVaultName": r.vault, "RuleId": r.id,
        "StartWindowMinutes": r.start_window_minutes, "CompletionWindowMinutes": r.completion_window_minutes,
        "ScheduleExpressionTimezone": "Etc/UTC",
    });
    if let Some(s) = &r.schedule {
        v["ScheduleExpression"] = json!(s);
    }
    if let Some(d) = r.delete_after_days {
        v["Lifecycle"] = json!({"DeleteAfterDays": d});
    }
    if !r.copy_actions.is_empty() {
        v["CopyActions"] = Value::Array(
            r.copy_actions
                .iter()
                .map(|c| {
                    let mut a = json!({"DestinationBackupVaultArn": c.destination_vault_arn});
                    if let Some(d) = c.delete_after_days {
                        a["Lifecycle"] = json!({"DeleteAfterDays": d});
                    }
                    a
                })
                .collect(),
        );
    }
    v
}

fn schedule_rule(cx: &mut Cx, plan: &Plan, rule: &mut Rule) {
    let Some(expr) = &rule.schedule else { return };
    let Ok(s) = Schedule::parse(expr) else { return };
    if let Some(due) = s.next(cx.now_ms) {
        rule.next_ms = Some(due);
        cx.schedule(due, json!({"action": "rule", "plan": plan.id, "rule": rule.id, "version": plan.version_id}));
    }
}

pub fn create_plan(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let plan = input.get("BackupPlan").filter(|p| p.is_object()).ok_or_else(|| missing("BackupPlan"))?;
    refuse(input, &["BackupPlanTags"], "CreateBackupPlan")?;
    let creator = opt_str(input, "CreatorRequestId")?.map(str::to_string);
    let (name, rules) = parse_rules(b, cx, plan)?;
    let region = cx.region.to_string();
    if let Some(c) = &creator {
        if let Some(p) = b.region(cx, &region).plans.values().find(|p| p.creator_request_id.as_ref() == Some(c)) {
            return Err(already_exists(format!("A backup plan with CreatorRequestId {c} already exists: {}", p.id)));
        }
    }
    let id = cx.rng.uuid();
    let mut plan = Plan {
        arn: cx.account.arn("backup", &region, &format!("backup-plan:{id}")),
        id: id.clone(),
        name,
        version_id: cx.rng.token(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32),
        created_ms: cx.now_ms,
        creator_request_id: creator,
        last_execution_ms: None,
        rules,
    };
    let mut rules = std::mem::take(&mut plan.rules);
    for r in &mut rules {
        schedule_rule(cx, &plan, r);
    }
    plan.rules = rules;
    cx.journal.put_json(plan_key(&region, &id), &plan);
    let out = json!({"BackupPlanId": plan.id, "BackupPlanArn": plan.arn, "CreationDate": secs(plan.created_ms), "VersionId": plan.version_id});
    b.region(cx, &region).plans.insert(id, plan);
    Ok(out)
}

fn plan_not_found(id: &str) -> AwsError {
    not_found(format!("Failed reading Backup plan with provided version (id: {id})"))
}

pub fn get_plan(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let id = req_str(input, "BackupPlanId")?;
    let version = opt_str(input, "VersionId")?;
    let region = cx.region.to_string();
    let p = b.region(cx, &region).plans.get(id).filter(|p| version.is_none_or(|v| v == p.version_id)).ok_or_else(|| plan_not_found(id))?;
    let mut out = json!({
        "BackupPlan": {"BackupPlanName": p.name, "Rules": p.rules.iter().map(rule_json).collect::<Vec<_>>()},
        "BackupPlanId": p.id, "BackupPlanArn": p.arn, "VersionId": p.version_id, "CreationDate": secs(p.created_ms),
    });
    if let Some(t) = p.last_execution_ms {
        out["LastExecutionDate"] = secs(t);
    }
    if let Some(c) = &p.creator_request_id {
        out["CreatorRequestId"] = json!(c);
    }
    Ok(out)
}

pub fn list_plans(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let region = cx.region.to_string();
    let mut plans: Vec<&Plan> = b.region(cx, &region).plans.values().collect();
    plans.sort_by_key(|p| (p.created_ms, p.id.clone()));
    let list = plans
        .iter()
        .map(|p| {
            let mut v = json!({"BackupPlanArn": p.arn, "BackupPlanId": p.id, "CreationDate": secs(p.created_ms), "VersionId": p.version_id, "BackupPlanName": p.name});
            if let Some(t) = p.last_execution_ms {
                v["LastExecutionDate"] = secs(t);
            }
            v
        })
        .collect();
    page(list, input, "BackupPlansList")
}

pub fn delete_plan(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let id = req_str(input, "BackupPlanId")?;
    let region = cx.region.to_string();
    let s = b.region(cx, &region);
    if !s.plans.contains_key(id) {
        return Err(plan_not_found(id));
    }
    if s.selections.values().any(|sel| sel.plan_id == id) {
        return Err(invalid_request("Related backup plan selections must be deleted prior to backup plan deletion"));
    }
    let p = s.plans.remove(id).ok_or_else(|| plan_not_found(id))?;
    cx.journal.delete(plan_key(&region, id));
    Ok(json!({"BackupPlanId": p.id, "BackupPlanArn": p.arn, "DeletionDate": secs(cx.now_ms), "VersionId": p.version_id}))
}

// ---- Selections ----

pub fn create_selection(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let plan_id = req_str(input, "BackupPlanId")?;
    let sel = input.get("BackupSelection").filter(|p| p.is_object()).ok_or_else(|| missing("BackupSelection"))?;
    let name = req_str(sel, "SelectionName")?;
    check_name(name, "SelectionName", 1, 50, ".")?;
    let role = req_str(sel, "IamRoleArn")?;
    refuse(sel, &["ListOfTags", "NotResources"], "BackupSelection")?;
    if let Some(c) = sel.get("Conditions").and_then(Value::as_object) {
        if c.values().any(|v| v.as_array().is_some_and(|a| !a.is_empty())) {
            return Err(invalid_param("Conditions of BackupSelection are not supported in the sandbox"));
        }
    }
    let resources: Vec<String> = sel.get("Resources").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default();
    if resources.is_empty() {
        return Err(invalid_param("A selection needs Resources (DynamoDB table ARNs) in the sandbox"));
    }
    for r in &resources {
        table_of(cx, r)?;
    }
    let creator = opt_str(input, "CreatorRequestId")?.map(str::to_string);
    let region = cx.region.to_string();
    if !b.region(cx, &region).plans.contains_key(plan_id) {
        return Err(plan_not_found(plan_id));
    }
    let id = cx.rng.uuid();
    let s = Selection {
        id: id.clone(),
        plan_id: plan_id.to_string(),
        name: name.to_string(),
        iam_role_arn: role.to_string(),
        resources,
        created_ms: cx.now_ms,
        creator_request_id: creator,
    };
    cx.journal.put_json(selection_key(&region, &id), &s);
    let out = json!({"SelectionId": id, "BackupPlanId": plan_id, "CreationDate": secs(s.created_ms)});
    b.region(cx, &region).selections.insert(id, s);
    Ok(out)
}

fn selection_not_found(id: &str) -> AwsError {
    not_found(format!("Backup selection {id} does not exist"))
}

pub fn get_selection(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let plan_id = req_str(input, "BackupPlanId")?;
    let id = req_str(input, "SelectionId")?;
    let region = cx.region.to_string();
    let s = b.region(cx, &region).selections.get(id).filter(|s| s.plan_id == plan_id).ok_or_else(|| selection_not_found(id))?;
    Ok(json!({
        "BackupSelection": {"SelectionName": s.name, "IamRoleArn": s.iam_role_arn, "Resources": s.resources},
        "SelectionId": s.id, "BackupPlanId": s.plan_id, "CreationDate": secs(s.created_ms),
    }))
}

pub fn list_selections(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let plan_id = req_str(input, "BackupPlanId")?;
    let region = cx.region.to_string();
    let s = b.region(cx, &region);
    if !s.plans.contains_key(plan_id) {
        return Err(plan_not_found(plan_id));
    }
    let list = s
        .selections
        .values()
        .filter(|s| s.plan_id == plan_id)
        .map(|s| json!({"SelectionId": s.id, "SelectionName": s.name, "BackupPlanId": s.plan_id, "CreationDate": secs(s.created_ms), "IamRoleArn": s.iam_role_arn}))
        .collect();
    page(list, input, "BackupSelectionsList")
}

pub fn delete_selection(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let plan_id = req_str(input, "BackupPlanId")?;
    let id = req_str(input, "SelectionId")?;
    let region = cx.region.to_string();
    let s = b.region(cx, &region);
    if s.selections.get(id).is_none_or(|s| s.plan_id != plan_id) {
        return Err(selection_not_found(id));
    }
    s.selections.remove(id);
    cx.journal.delete(selection_key(&region, id));
    Ok(json!({}))
}

// ---- Jobs ----

fn job_json(j: &Job) -> Value {
    let mut v = json!({
        "AccountId": j.vault_arn.split(':').nth(4).unwrap_or_default(),
        "BackupJobId": j.id, "BackupVaultName": j.vault, "BackupVaultArn": j.vault_arn, "VaultType": "BACKUP_VAULT",
        "ResourceArn": j.resource_arn, "ResourceType": "DynamoDB", "ResourceName": j.resource_name,
        "CreationDate": secs(j.created_ms), "State": j.state, "IamRoleArn": j.iam_role_arn,
        "PercentDone": if j.state == "COMPLETED" { "100.0" } else { "0.0" }, "IsParent": false, "BackupType": "",
        "InitiationDate": secs(j.created_ms),
    });
    if let Some(a) = &j.recovery_point_arn {
        v["RecoveryPointArn"] = json!(a);
    }
    if let Some(c) = j.completed_ms {
        v["CompletionDate"] = secs(c);
    }
    if let Some(m) = &j.status_message {
        v["StatusMessage"] = json!(m);
    }
    if let Some(n) = j.size_bytes {
        v["BackupSizeInBytes"] = json!(n);
    }
    if let Some(d) = j.delete_after_days {
        v["RecoveryPointLifecycle"] = json!({"DeleteAfterDays": d});
    }
    if let Some((plan_id, plan_arn, rule_id)) = &j.plan {
        v["CreatedBy"] = json!({"BackupPlanId": plan_id, "BackupPlanArn": plan_arn, "BackupRuleId": rule_id});
    }
    v
}

/// The request to DynamoDB that takes a job's backup.
fn backup_request(cx: &Cx, job: &Job) -> Request {
    let mut input = json!({"TableArn": job.resource_arn, "BackupName": format!("AwsBackup-{}", &job.id[..8])});
    if let Some(d) = job.delete_after_days {
        input["ExpiryTime"] = json!((cx.now_ms + d * DAY_MS) as f64 / 1000.0);
    }
    Request::new("dynamodb", "CreateAwsBackup", cx.region, input)
}

pub fn start_backup_job(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Step, AwsError> {
    let vault = req_str(input, "BackupVaultName")?;
    let resource = req_str(input, "ResourceArn")?;
    let role = req_str(input, "IamRoleArn")?;
    refuse(input, &["RecoveryPointTags", "BackupOptions", "Index", "LogicallyAirGappedBackupVaultArn"], "StartBackupJob")?;
    let delete_after = lifecycle(input.get("Lifecycle"))?;
    let table = table_of(cx, resource)?;
    let region = cx.region.to_string();
    let s = b.region(cx, &region);
    let v = s.vaults.get(vault).ok_or_else(|| vault_not_found(vault))?;
    let job = Job {
        id: cx.rng.uuid().to_uppercase(),
        vault: vault.to_string(),
        vault_arn: v.arn.clone(),
        resource_arn: resource.to_string(),
        resource_name: table,
        recovery_point_arn: None,
        iam_role_arn: role.to_string(),
        created_ms: cx.now_ms,
        completed_ms: None,
        state: "CREATED".into(),
        status_message: None,
        size_bytes: None,
        delete_after_days: delete_after,
        plan: None,
        copy_actions: Vec::new(),
    };
    Ok(Step::Control(backup_request(cx, &job), Box::new(Cont::StartJobs { current: Box::new(job), rest: Vec::new(), reply: true })))
}

pub fn describe_job(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let id = req_str(input, "BackupJobId")?;
    let region = cx.region.to_string();
    let j = b.region(cx, &region).jobs.get(id).filter(|j| !j.id.starts_with("restore-")).ok_or_else(|| not_found(format!("Backup job {id} does not exist")))?;
    Ok(job_json(j))
}

pub fn list_jobs(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    refuse(input, &["ByCreatedBefore", "ByCreatedAfter", "ByCompleteAfter", "ByCompleteBefore", "ByParentJobId", "ByMessageCategory"], "ListBackupJobs")?;
    let by_resource = opt_str(input, "ByResourceArn")?;
    let by_state = opt_str(input, "ByState")?;
    let by_vault = opt_str(input, "ByBackupVaultName")?;
    if opt_str(input, "ByResourceType")?.is_some_and(|t| t != "DynamoDB") {
        return Ok(json!({"BackupJobs": []}));
    }
    let region = cx.region.to_string();
    let mut jobs: Vec<&Job> = b
        .region(cx, &region)
        .jobs
        .values()
        .filter(|j| !j.id.starts_with("restore-"))
        .filter(|j| by_resource.is_none_or(|r| j.resource_arn == r) && by_state.is_none_or(|s| j.state == s) && by_vault.is_none_or(|v| j.vault == v))
        .collect();
    jobs.sort_by_key(|j| (j.created_ms, j.id.clone()));
    page(jobs.into_iter().map(job_json).collect(), input, "BackupJobs")
}

// ---- Recovery points ----

pub fn list_recovery_points(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let vault = req_str(input, "BackupVaultName")?;
    refuse(input, &["ByCreatedBefore", "ByCreatedAfter", "ByParentRecoveryPointArn", "BackupVaultAccountId"], "ListRecoveryPointsByBackupVault")?;
    let by_resource = opt_str(input, "ByResourceArn")?;
    let by_plan = opt_str(input, "ByBackupPlanId")?;
    let region = cx.region.to_string();
    let s = b.region(cx, &region);
    if !s.vaults.contains_key(vault) {
        return Err(vault_not_found(vault));
    }
    let mut rps: Vec<&RecoveryPoint> = s
        .recovery_points
        .values()
        .filter(|r| r.vault == vault)
        .filter(|r| by_resource.is_none_or(|x| r.resource_arn == x) && by_plan.is_none_or(|p| r.plan.as_ref().is_some_and(|(id, _, _)| id == p)))
        .collect();
    rps.sort_by_key(|r| (std::cmp::Reverse(r.created_ms), r.arn.clone()));
    page(rps.into_iter().map(RecoveryPoint::to_json).collect(), input, "RecoveryPoints")
}

fn rp_not_found(arn: &str) -> AwsError {
    not_found(format!("Recovery point {arn} does not exist"))
}

pub fn describe_recovery_point(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let vault = req_str(input, "BackupVaultName")?;
    let arn = req_str(input, "RecoveryPointArn")?;
    let region = cx.region.to_string();
    let rp = b.region(cx, &region).recovery_points.get(arn).filter(|r| r.vault == vault).ok_or_else(|| rp_not_found(arn))?;
    Ok(rp.to_json())
}

pub fn delete_recovery_point(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Step, AwsError> {
    let vault = req_str(input, "BackupVaultName")?;
    let arn = req_str(input, "RecoveryPointArn")?;
    let region = cx.region.to_string();
    let s = b.region(cx, &region);
    let rp = s.recovery_points.get(arn).filter(|r| r.vault == vault).ok_or_else(|| rp_not_found(arn))?;
    if rp.status != "COMPLETED" {
        return Err(invalid_request(format!("Recovery point {arn} is being created and cannot be deleted yet")));
    }
    cx.journal.delete(rp_key(&region, vault, arn));
    s.recovery_points.remove(arn);
    Ok(Step::Control(Request::new("dynamodb", "DeleteAwsBackup", &region, json!({"BackupArn": arn})), Box::new(Cont::Deleted)))
}

// ---- Restore jobs ----

pub fn start_restore_job(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Step, AwsError> {
    let arn = req_str(input, "RecoveryPointArn")?;
    let role = opt_str(input, "IamRoleArn")?.unwrap_or_default();
    let meta = input.get("Metadata").and_then(Value::as_object).ok_or_else(|| missing("Metadata"))?;
    if opt_str(input, "ResourceType")?.is_some_and(|t| t != "DynamoDB") {
        return Err(invalid_param("Only DynamoDB recovery points can be restored in the sandbox"));
    }
    let target = meta.get("targetTableName").and_then(Value::as_str).ok_or_else(|| invalid_param("Metadata must name the new table as targetTableName"))?;
    if let Some(k) = meta.keys().find(|k| *k != "targetTableName") {
        return Err(invalid_param(format!("Restore metadata {k} is not supported in the sandbox")));
    }
    let region = cx.region.to_string();
    let rp = b.region(cx, &region).recovery_points.get(arn).cloned().ok_or_else(|| rp_not_found(arn))?;
    if rp.status != "COMPLETED" {
        return Err(invalid_request(format!("Recovery point {arn} is not yet available for restore")));
    }
    let job = Job {
        id: format!("restore-{}", cx.rng.uuid().to_uppercase()),
        vault: rp.vault.clone(),
        vault_arn: rp.vault_arn.clone(),
        resource_arn: cx.account.arn("dynamodb", &region, &format!("table/{target}")),
        resource_name: target.to_string(),
        recovery_point_arn: Some(arn.to_string()),
        iam_role_arn: role.to_string(),
        created_ms: cx.now_ms,
        completed_ms: None,
        state: "PENDING".into(),
        status_message: None,
        size_bytes: Some(rp.size_bytes),
        delete_after_days: None,
        plan: None,
        copy_actions: Vec::new(),
    };
    let request = Request::new("dynamodb", "RestoreTableFromBackup", &region, json!({"TargetTableName": target, "BackupArn": arn}));
    Ok(Step::Call(request, Box::new(Cont::Restore(Box::new(job)))))
}

pub fn describe_restore_job(b: &mut Backup, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let id = req_str(input, "RestoreJobId")?;
    let region = cx.region.to_string();
    let j = b.region(cx, &region).jobs.get(id).filter(|j| j.id.starts_with("restore-")).ok_or_else(|| not_found(format!("Restore job {id} does not exist")))?;
    let mut v = json!({
        "AccountId": cx.account.id, "RestoreJobId": j.id, "RecoveryPointArn": j.recovery_point_arn, "BackupVaultArn": j.vault_arn,
        "CreationDate": secs(j.created_ms), "Status": j.state, "IamRoleArn": j.iam_role_arn, "ResourceType": "DynamoDB",
        "CreatedResourceArn": j.resource_arn, "PercentDone": if j.state == "COMPLETED" { "100.00%" } else { "0.00%" },
    });
    if let Some(c) = j.completed_ms {
        v["CompletionDate"] = secs(c);
    }
    if let Some(m) = &j.status_message {
        v["StatusMessage"] = json!(m);
    }
    if let Some(n) = j.size_bytes {
        v["BackupSizeInBytes"] = json!(n);
    }
    Ok(v)
}

// ---- Running: DynamoDB's answers and the timers ----

fn save_job(b: &mut Backup, cx: &mut Cx, region: &str, job: Job) {
    cx.journal.put_json(job_key(region, &job.id), &job);
    b.region(cx, region).jobs.insert(job.id.clone(), job);
}

pub(crate) fn resume(b: &mut Backup, cx: &mut Cx, cont: Cont, answer: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let region = cx.region.to_string();
    match cont {
        Cont::StartJobs { current, rest, reply } => {
            let mut job = *current;
            match answer {
                Ok(a) => {
                    let arn = a["BackupDetails"]["BackupArn"].as_str().unwrap_or_default().to_string();
                    job.state = "RUNNING".into();
                    job.recovery_point_arn = Some(arn.clone());
                    job.size_bytes = a["BackupDetails"]["BackupSizeBytes"].as_u64();
                    let rp = RecoveryPoint {
                        arn: arn.clone(),
                        vault: job.vault.clone(),
                        vault_arn: job.vault_arn.clone(),
                        source_vault_arn: None,
                        resource_arn: job.resource_arn.clone(),
                        resource_name: job.resource_name.clone(),
                        iam_role_arn: job.iam_role_arn.clone(),
                        status: "PARTIAL".into(),
                        created_ms: cx.now_ms,
                        completed_ms: None,
                        size_bytes: job.size_bytes.unwrap_or(0),
                        delete_after_days: job.delete_after_days,
                        plan: job.plan.clone(),
                        job_id: Some(job.id.clone()),
                    };
                    cx.journal.put_json(rp_key(&region, &rp.vault, &arn), &rp);
                    if let Some(at) = rp.delete_at() {
                        cx.schedule(at, json!({"action": "rp-expire", "region": region, "arn": arn}));
                    }
                    b.region(cx, &region).recovery_points.insert(arn, rp);
                    cx.schedule(cx.now_ms + CREATING_MS, json!({"action": "job-complete", "job": job.id}));
                }
                Err(e) => {
                    job.state = "FAILED".into();
                    job.completed_ms = Some(cx.now_ms);
                    job.status_message = Some(e.message.clone());
                }
            }
            if reply && job.state == "FAILED" {
                // StartBackupJob on a table that cannot be backed up is refused at once.
                return Err(not_found(format!("{}: {}", job.resource_arn, job.status_message.unwrap_or_default())));
            }
            let out = json!({"BackupJobId": job.id, "RecoveryPointArn": job.recovery_point_arn, "CreationDate": secs(job.created_ms), "IsParent": false});
            save_job(b, cx, &region, job);
            if reply {
                return Ok(Step::Done(out));
            }
            Ok(next_job(cx, rest))
        }
        Cont::Copies { source, current, rest } => {
            let (dest_region, dest_vault, action) = current;
            if let Ok(a) = answer {
                let arn = a["BackupDetails"]["BackupArn"].as_str().unwrap_or_default().to_string();
                let rp = RecoveryPoint {
                    arn: arn.clone(),
                    vault: dest_vault.clone(),
                    vault_arn: action.destination_vault_arn.clone(),
                    source_vault_arn: Some(source.vault_arn.clone()),
                    resource_arn: source.resource_arn.clone(),
                    resource_name: source.resource_name.clone(),
                    iam_role_arn: source.iam_role_arn.clone(),
                    status: "COMPLETED".into(),
                    created_ms: source.created_ms,
                    completed_ms: Some(cx.now_ms),
                    size_bytes: source.size_bytes,
                    delete_after_days: action.delete_after_days,
                    plan: source.plan.clone(),
                    job_id: None,
                };
                cx.journal.put_json(rp_key(&dest_region, &dest_vault, &arn), &rp);
                if let Some(d) = action.delete_after_days {
                    cx.schedule(cx.now_ms + d * DAY_MS, json!({"action": "rp-expire", "region": dest_region, "arn": arn}));
                }
                b.region(cx, &dest_region).recovery_points.insert(arn, rp);
            }
            Ok(next_copy(b, cx, *source, rest))
        }
        Cont::Deleted => Ok(Step::Done(json!({}))),
        Cont::Restore(job) => {
            let mut job = *job;
            match answer {
                Ok(_) => {
                    job.state = "RUNNING".into();
                    cx.schedule(cx.now_ms + RESTORE_MS, json!({"action": "restore-complete", "job": job.id}));
                    let id = job.id.clone();
                    save_job(b, cx, &region, job);
                    Ok(Step::Done(json!({"RestoreJobId": id})))
                }
                Err(e) => Err(e),
            }
        }
    }
}

/// Starts the next job of a rule's run, if any.
fn next_job(cx: &Cx, mut rest: Vec<Job>) -> Step {
    if rest.is_empty() {
        return Step::Done(Value::Null);
    }
    let job = rest.remove(0);
    Step::Control(backup_request(cx, &job), Box::new(Cont::StartJobs { current: Box::new(job), rest, reply: false }))
}

/// Makes the next copy of a completed recovery point, if any; a destination vault that does
/// not exist is skipped (recorded on the job as a status message).
fn next_copy(b: &mut Backup, cx: &mut Cx, source: RecoveryPoint, mut rest: Vec<(String, String, CopyAction)>) -> Step {
    while !rest.is_empty() {
        let (dest_region, dest_vault, action) = rest.remove(0);
        if !b.region(cx, &dest_region).vaults.contains_key(&dest_vault) {
            let region = cx.region.to_string();
            if let Some(job) = source.job_id.as_ref().and_then(|id| b.region(cx, &region).jobs.get_mut(id)) {
                job.status_message = Some(format!("Copy to {} failed: the backup vault does not exist", action.destination_vault_arn));
                let job = job.clone();
                cx.journal.put_json(job_key(&region, &job.id), &job);
            }
            continue;
        }
        let mut input = json!({"BackupArn": source.arn});
        if let Some(d) = action.delete_after_days {
            input["ExpiryTime"] = json!((cx.now_ms + d * DAY_MS) as f64 / 1000.0);
        }
        let request = Request::new("dynamodb", "CopyAwsBackup", &dest_region, input);
        return Step::Control(request, Box::new(Cont::Copies { source: Box::new(source), current: (dest_region, dest_vault, action), rest }));
    }
    Step::Done(Value::Null)
}

pub(crate) fn fire(b: &mut Backup, cx: &mut Cx, timer: &Timer) -> Step {
    let region = timer.region.clone();
    let p = &timer.payload;
    let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    match p.get("action").and_then(Value::as_str) {
        Some("rule") => run_rule(b, cx, &region, &s("plan"), &s("rule"), &s("version"), timer.due_ms),
        Some("job-complete") => {
            let id = s("job");
            let Some(job) = b.region(cx, &region).jobs.get_mut(&id) else { return Step::Done(Value::Null) };
            job.state = "COMPLETED".into();
            job.completed_ms = Some(cx.now_ms);
            let job = job.clone();
            cx.journal.put_json(job_key(&region, &id), &job);
            let Some(arn) = job.recovery_point_arn.clone() else { return Step::Done(Value::Null) };
            let Some(rp) = b.region(cx, &region).recovery_points.get_mut(&arn) else { return Step::Done(Value::Null) };
            rp.status = "COMPLETED".into();
            rp.completed_ms = Some(cx.now_ms);
            let rp = rp.clone();
            cx.journal.put_json(rp_key(&region, &rp.vault, &arn), &rp);
            let copies: Vec<(String, String, CopyAction)> = job
                .copy_actions
                .iter()
                .filter_map(|a| {
                    let parts: Vec<&str> = a.destination_vault_arn.splitn(7, ':').collect();
                    Some((parts.get(3)?.to_string(), parts.get(6)?.to_string(), a.clone()))
                })
                .collect();
            next_copy(b, cx, rp, copies)
        }
        Some("rp-expire") => {
            let arn = s("arn");
            let r = s("region");
            let state = b.region(cx, &r);
            if let Some(rp) = state.recovery_points.get(&arn) {
                if rp.delete_after_days.is_some() {
                    let key = rp_key(&r, &rp.vault, &arn);
                    state.recovery_points.remove(&arn);
                    cx.journal.delete(key);
                }
            }
            Step::Done(Value::Null)
        }
        Some("restore-complete") => {
            let id = s("job");
            if let Some(job) = b.region(cx, &region).jobs.get_mut(&id) {
                job.state = "COMPLETED".into();
                job.completed_ms = Some(cx.now_ms);
                let job = job.clone();
                cx.journal.put_json(job_key(&region, &id), &job);
            }
            Step::Done(Value::Null)
        }
        _ => Step::Done(Value::Null),
    }
}

/// A rule's scheduled time: one backup job per selected table, then the next run scheduled.
fn run_rule(b: &mut Backup, cx: &mut Cx, region: &str, plan_id: &str, rule_id: &str, version: &str, due_ms: i64) -> Step {
    let s = b.region(cx, region);
    let Some(plan) = s.plans.get_mut(plan_id).filter(|p| p.version_id == version) else { return Step::Done(Value::Null) };
    let Some(rule) = plan.rules.iter().find(|r| r.id == rule_id && r.next_ms == Some(due_ms)).cloned() else { return Step::Done(Value::Null) };
    plan.last_execution_ms = Some(cx.now_ms);
    let snapshot = plan.clone();
    let mut rules = std::mem::take(&mut plan.rules);
    if let Some(r) = rules.iter_mut().find(|r| r.id == rule_id) {
        schedule_rule(cx, &snapshot, r);
    }
    plan.rules = rules;
    let plan = plan.clone();
    cx.journal.put_json(plan_key(region, plan_id), &plan);
    let vault_arn = s.vaults.get(&rule.vault).map(|v| v.arn.clone());
    let Some(vault_arn) = vault_arn else { return Step::Done(Value::Null) };
    let mut resources: Vec<(String, String)> = Vec::new();
    for sel in s.selections.values().filter(|sel| sel.plan_id == plan_id) {
        for r in &sel.resources {
            if !resources.iter().any(|(x, _)| x == r) {
                resources.push((r.clone(), sel.iam_role_arn.clone()));
            }
        }
    }
    let mut jobs = Vec::new();
    for (arn, role) in resources {
        let name = arn.rsplit('/').next().unwrap_or_default().to_string();
        jobs.push(Job {
            id: cx.rng.uuid().to_uppercase(),
            vault: rule.vault.clone(),
            vault_arn: vault_arn.clone(),
            resource_arn: arn,
            resource_name: name,
            recovery_point_arn: None,
            iam_role_arn: role,
            created_ms: cx.now_ms,
            completed_ms: None,
            state: "CREATED".into(),
            status_message: None,
            size_bytes: None,
            delete_after_days: rule.delete_after_days,
            plan: Some((plan.id.clone(), plan.arn.clone(), rule.id.clone())),
            copy_actions: rule.copy_actions.clone(),
        });
    }
    next_job(cx, jobs)
}
