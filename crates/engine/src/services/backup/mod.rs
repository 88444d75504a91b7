//! AWS Backup (REST-JSON, endpoint prefix and signing name `backup`), for DynamoDB tables:
//! vaults, backup plans whose rules run on the virtual clock, selections, backup jobs, recovery
//! points, cross-region copies, and restore jobs.
//!
//! A recovery point is a DynamoDB backup of type AWS_BACKUP: a backup job asks DynamoDB for one
//! through the control operation `dynamodb:CreateAwsBackup` (a `Step::Control`; services never
//! hold each other), so it shows in DynamoDB's ListBackups (BackupType AWS_BACKUP) and restores
//! with RestoreTableFromBackup. Its ARN is the DynamoDB backup's, as for AWS Backup's DynamoDB
//! backups without advanced features. The job is RUNNING while DynamoDB's backup is CREATING,
//! then COMPLETED; then each of the rule's CopyActions copies it into the destination vault
//! (another region's, `dynamodb:CopyAwsBackup` in that region). `Lifecycle.DeleteAfterDays`
//! expires a recovery point (and DynamoDB its backup) on the virtual clock.
//!
//! Schedules: see [`schedule`]. A rule's job starts at the scheduled time (AWS starts it within
//! the start window, by default 8 hours; the sandbox starts it at once so a learner sees it).
//! A `Default` vault exists in every region. Refused as not supported in the sandbox: resources
//! other than DynamoDB tables, wildcards and tag conditions in selections, cold storage,
//! continuous backup, advanced backup settings, vault encryption keys, tags, and the
//! operations not listed in [`call_step`](Backup::call_step).

pub mod api;
pub mod model;
pub mod schedule;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    scheduler::Timer,
    service::{Cx, Service, TimerNote},
};
use model::*;

pub const SERVICE: &str = "backup";

pub fn invalid_param(message: impl Into<String>) -> AwsError {
    AwsError::new("", "InvalidParameterValueException", message, 400)
}

pub fn missing(member: &str) -> AwsError {
    AwsError::new("", "MissingParameterValueException", format!("{member} is required"), 400)
}

pub fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ResourceNotFoundException", message, 400)
}

pub fn already_exists(message: impl Into<String>) -> AwsError {
    AwsError::new("", "AlreadyExistsException", message, 400)
}

pub fn invalid_request(message: impl Into<String>) -> AwsError {
    AwsError::new("", "InvalidRequestException", message, 400)
}

#[derive(Debug, Default)]
pub struct Backup {
    pub(crate) regions: BTreeMap<String, RegionState>,
}

impl Backup {
    /// A region's state, with its `Default` vault (created, and journaled, on first use).
    pub(crate) fn region(&mut self, cx: &mut Cx, region: &str) -> &mut RegionState {
        let state = self.regions.entry(region.to_string()).or_default();
        if !state.vaults.contains_key(DEFAULT_VAULT) {
            let v = Vault {
                name: DEFAULT_VAULT.into(),
                arn: cx.account.arn("backup", region, &format!("backup-vault:{DEFAULT_VAULT}")),
                created_ms: cx.now_ms,
                creator_request_id: None,
            };
            cx.journal.put_json(vault_key(region, DEFAULT_VAULT), &v);
            state.vaults.insert(DEFAULT_VAULT.into(), v);
        }
        state
    }
}

/// What a suspended operation or timer was doing when it asked DynamoDB.
pub(crate) enum Cont {
    /// StartBackupJob, or a rule's run: the job being started, then the rest of the run's.
    StartJobs { current: Box<Job>, rest: Vec<Job>, reply: bool },
    /// Copies of a completed recovery point still to make (destination region, vault, action).
    Copies { source: Box<RecoveryPoint>, current: (String, String, CopyAction), rest: Vec<(String, String, CopyAction)> },
    /// DeleteRecoveryPoint: DynamoDB deleted its backup.
    Deleted,
    /// StartRestoreJob: DynamoDB's RestoreTableFromBackup answered.
    Restore(Box<Job>),
}

/// Operations of AWS Backup this build does not simulate.
const NOT_SIMULATED: &[&str] = &[
    "UpdateBackupPlan",
    "StartCopyJob",
    "ListCopyJobs",
    "DescribeCopyJob",
    "TagResource",
    "UntagResource",
    "ListTags",
    "PutBackupVaultAccessPolicy",
    "PutBackupVaultLockConfiguration",
];

impl Service for Backup {
    fn name(&self) -> &'static str {
        SERVICE
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match self.call_step(cx, operation, input)? {
            Step::Done(v) => Ok(v),
            _ => Err(AwsError::internal("AWS Backup needs the kernel for this operation")),
        }
    }

    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        let done = |r: Result<Value, AwsError>| r.map(Step::Done);
        match operation {
            "CreateBackupVault" => done(api::create_vault(self, cx, input)),
            "DescribeBackupVault" => done(api::describe_vault(self, cx, input)),
            "ListBackupVaults" => done(api::list_vaults(self, cx, input)),
            "DeleteBackupVault" => done(api::delete_vault(self, cx, input)),
            "CreateBackupPlan" => done(api::create_plan(self, cx, input)),
            "GetBackupPlan" => done(api::get_plan(self, cx, input)),
            "ListBackupPlans" => done(api::list_plans(self, cx, input)),
            "DeleteBackupPlan" => done(api::delete_plan(self, cx, input)),
            "CreateBackupSelection" => done(api::create_selection(self, cx, input)),
            "GetBackupSelection" => done(api::get_selection(self, cx, input)),
            "ListBackupSelections" => done(api::list_selections(self, cx, input)),
            "DeleteBackupSelection" => done(api::delete_selection(self, cx, input)),
            "StartBackupJob" => api::start_backup_job(self, cx, input),
            "DescribeBackupJob" => done(api::describe_job(self, cx, input)),
            "ListBackupJobs" => done(api::list_jobs(self, cx, input)),
            "ListRecoveryPointsByBackupVault" => done(api::list_recovery_points(self, cx, input)),
            "DescribeRecoveryPoint" => done(api::describe_recovery_point(self, cx, input)),
            "DeleteRecoveryPoint" => api::delete_recovery_point(self, cx, input),
            "StartRestoreJob" => api::start_restore_job(self, cx, input),
            "DescribeRestoreJob" => done(api::describe_restore_job(self, cx, input)),
            op if NOT_SIMULATED.contains(&op) => Err(AwsError::unknown_operation(format!("Gureum does not simulate AWS Backup's {op} yet."))),
            _ => Err(AwsError::unknown_operation("")),
        }
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let Ok(cont) = then.downcast::<Cont>() else {
            return Err(AwsError::internal("AWS Backup resumed with another service's continuation"));
        };
        let Resumed::Called(answer) = result else {
            return Err(AwsError::internal("AWS Backup runs no code"));
        };
        api::resume(self, cx, *cont, answer)
    }

    fn describe_timer(&self, timer: &Timer) -> Option<TimerNote> {
        match timer.payload.get("action").and_then(Value::as_str)? {
            "rule" => TimerNote::new("backup", "An AWS Backup plan's rule starts its backup jobs"),
            "job-complete" => TimerNote::new("backup", "An AWS Backup job completes"),
            "rp-expire" => TimerNote::new("expiry", "An AWS Backup recovery point expires (DeleteAfterDays)"),
            _ => None,
        }
    }

    fn fire_step(&mut self, cx: &mut Cx, timer: &Timer) -> Step {
        api::fire(self, cx, timer)
    }

    fn save(&self, out: &mut Vec<Record>) {
        let put = |out: &mut Vec<Record>, key: String, v: &dyn erased::Json| out.push(Record { key, value: v.to_vec() });
        for (region, s) in &self.regions {
            for (name, v) in &s.vaults {
                put(out, vault_key(region, name), v);
            }
            for (id, p) in &s.plans {
                put(out, plan_key(region, id), p);
            }
            for (id, sel) in &s.selections {
                put(out, selection_key(region, id), sel);
            }
            for (id, j) in &s.jobs {
                put(out, job_key(region, id), j);
            }
            for (arn, rp) in &s.recovery_points {
                put(out, rp_key(region, &rp.vault, arn), rp);
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.splitn(4, '/').collect();
        let [_, region, kind, id] = parts.as_slice() else { return Err("unknown AWS Backup record".into()) };
        let s = self.regions.entry(region.to_string()).or_default();
        let err = |e: serde_json::Error| e.to_string();
        match *kind {
            "vault" => {
                s.vaults.insert(id.to_string(), serde_json::from_slice(value).map_err(err)?);
            }
            "plan" => {
                s.plans.insert(id.to_string(), serde_json::from_slice(value).map_err(err)?);
            }
            "selection" => {
                s.selections.insert(id.to_string(), serde_json::from_slice(value).map_err(err)?);
            }
            "job" => {
                s.jobs.insert(id.to_string(), serde_json::from_slice(value).map_err(err)?);
            }
            "rp" => {
                let rp: RecoveryPoint = serde_json::from_slice(value).map_err(err)?;
                s.recovery_points.insert(rp.arn.clone(), rp);
            }
            _ => return Err("unknown AWS Backup record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.regions.clear();
    }
}

mod erased {
    /// A record value serialised as JSON (lets `save` take any of the model types).
    pub trait Json {
        fn to_vec(&self) -> Vec<u8>;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_vec(&self) -> Vec<u8> {
            serde_json::to_vec(self).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests;
