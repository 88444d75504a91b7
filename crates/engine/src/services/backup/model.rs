//! AWS Backup's state: vaults, plans with their rules, selections, backup jobs and recovery
//! points, per region. Records (JSON): `backup/{region}/vault/{name}`, `.../plan/{id}`,
//! `.../selection/{id}`, `.../job/{id}`, `.../rp/{vault}/{table}/{backup id}` (a recovery point
//! is a DynamoDB backup; the last two parts are its ARN's).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub const DEFAULT_VAULT: &str = "Default";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vault {
    pub name: String,
    pub arn: String,
    pub created_ms: i64,
    pub creator_request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyAction {
    pub destination_vault_arn: String,
    pub delete_after_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub vault: String,
    pub schedule: Option<String>,
    pub start_window_minutes: i64,
    pub completion_window_minutes: i64,
    pub delete_after_days: Option<i64>,
    pub copy_actions: Vec<CopyAction>,
    /// When the rule's pending run is due.
    pub next_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub version_id: String,
    pub created_ms: i64,
    pub creator_request_id: Option<String>,
    pub last_execution_ms: Option<i64>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    pub id: String,
    pub plan_id: String,
    pub name: String,
    pub iam_role_arn: String,
    pub resources: Vec<String>,
    pub created_ms: i64,
    pub creator_request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: String,
    pub vault: String,
    pub vault_arn: String,
    pub resource_arn: String,
    pub resource_name: String,
    pub recovery_point_arn: Option<String>,
    pub iam_role_arn: String,
    pub created_ms: i64,
    pub completed_ms: Option<i64>,
    /// CREATED, RUNNING, COMPLETED, FAILED.
    pub state: String,
    pub status_message: Option<String>,
    pub size_bytes: Option<u64>,
    pub delete_after_days: Option<i64>,
    /// The plan and rule that started it (None: StartBackupJob).
    pub plan: Option<(String, String, String)>,
    pub copy_actions: Vec<CopyAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryPoint {
    pub arn: String,
    pub vault: String,
    pub vault_arn: String,
    pub source_vault_arn: Option<String>,
    pub resource_arn: String,
    pub resource_name: String,
    pub iam_role_arn: String,
    /// COMPLETED once the DynamoDB backup is AVAILABLE; PARTIAL before.
    pub status: String,
    pub created_ms: i64,
    pub completed_ms: Option<i64>,
    pub size_bytes: u64,
    pub delete_after_days: Option<i64>,
    pub plan: Option<(String, String, String)>,
    pub job_id: Option<String>,
}

impl RecoveryPoint {
    pub fn delete_at(&self) -> Option<i64> {
        self.delete_after_days.map(|d| self.created_ms + d * 86_400_000)
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "RecoveryPointArn": self.arn,
            "BackupVaultName": self.vault,
            "BackupVaultArn": self.vault_arn,
            "ResourceArn": self.resource_arn,
            "ResourceType": "DynamoDB",
            "ResourceName": self.resource_name,
            "IamRoleArn": self.iam_role_arn,
            "Status": self.status,
            "CreationDate": secs(self.created_ms),
            "BackupSizeInBytes": self.size_bytes,
            "IsEncrypted": false,
            "IsParent": false,
            "VaultType": "BACKUP_VAULT",
        });
        if let Some(c) = self.completed_ms {
            v["CompletionDate"] = secs(c);
        }
        if let Some(s) = &self.source_vault_arn {
            v["SourceBackupVaultArn"] = json!(s);
        }
        if let Some(d) = self.delete_after_days {
            v["Lifecycle"] = json!({"DeleteAfterDays": d});
            if let Some(at) = self.delete_at() {
                v["CalculatedLifecycle"] = json!({"DeleteAt": secs(at)});
            }
        }
        if let Some((plan_id, plan_arn, rule_id)) = &self.plan {
            v["CreatedBy"] = json!({"BackupPlanId": plan_id, "BackupPlanArn": plan_arn, "BackupRuleId": rule_id});
        }
        v
    }
}

pub fn secs(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

#[derive(Debug, Clone, Default)]
pub struct RegionState {
    pub vaults: BTreeMap<String, Vault>,
    pub plans: BTreeMap<String, Plan>,
    pub selections: BTreeMap<String, Selection>,
    pub jobs: BTreeMap<String, Job>,
    /// By ARN.
    pub recovery_points: BTreeMap<String, RecoveryPoint>,
}

pub fn vault_key(region: &str, name: &str) -> String {
    format!("backup/{region}/vault/{name}")
}

pub fn plan_key(region: &str, id: &str) -> String {
    format!("backup/{region}/plan/{id}")
}

pub fn selection_key(region: &str, id: &str) -> String {
    format!("backup/{region}/selection/{id}")
}

pub fn job_key(region: &str, id: &str) -> String {
    format!("backup/{region}/job/{id}")
}

/// `backup/{region}/rp/{vault}/{table}/{backup id}` from a DynamoDB backup ARN
/// (`arn:aws:dynamodb:{region}:{account}:table/{table}/backup/{id}`).
pub fn rp_key(region: &str, vault: &str, arn: &str) -> String {
    let tail = arn.split_once(":table/").map(|(_, t)| t).unwrap_or(arn);
    let tail = tail.replace("/backup/", "/");
    format!("backup/{region}/rp/{vault}/{tail}")
}
