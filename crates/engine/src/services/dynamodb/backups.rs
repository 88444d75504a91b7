//! On-demand backups: CreateBackup, DescribeBackup, ListBackups, DeleteBackup,
//! RestoreTableFromBackup; the SYSTEM backup DynamoDB takes when a table with PITR on is deleted;
//! and the control operations AWS Backup uses (`dynamodb:CreateAwsBackup`, `CopyAwsBackup`,
//! `DeleteAwsBackup`), since AWS Backup's backups of DynamoDB tables are DynamoDB backups of
//! type AWS_BACKUP.
//!
//! A backup is a full copy of the table's items taken when it is requested, with the table's
//! description then (for SourceTableDetails and the restore). It is CREATING for
//! [`CREATING_MS`] of virtual time, then AVAILABLE, and is kept until deleted, also after its
//! table is gone. SYSTEM backups expire after 35 days, AWS_BACKUP ones when AWS Backup says.
//!
//! Records: `dynamodb/{region}/backup/{table}/{13-digit ms}-{8 hex}` (JSON, [`BackupMeta`]) and
//! its items in chunks `.../data/{n, 6 digits}` (binary: length-prefixed item records, at most
//! about [`CHUNK_BYTES`] each). The ARN is `{table ARN}/backup/{13-digit ms}-{8 hex}`, as AWS's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    codec,
    input::{Constraints, Input},
    key::PrimaryKey,
    pitr::RestoreSummary,
    restore::{self, Overrides},
    table::{epoch_seconds, BillingMode, Table, TableMeta, TableStatus},
    value::Item,
    DynamoDb, ERROR_NAMESPACE,
};
use crate::kernel::{error::AwsError, journal::Record, scheduler::Timer, service::Cx};

/// Virtual time a backup spends CREATING.
pub const CREATING_MS: i64 = 5_000;
/// How long DynamoDB keeps the SYSTEM backup of a deleted table.
pub const SYSTEM_RETENTION_MS: i64 = 35 * 86_400_000;
const CHUNK_BYTES: usize = 1 << 20;
/// Backups being created at once, per region (AWS: "up to 50 simultaneous table operations").
const MAX_CREATING: usize = 50;

pub const AVAILABLE_ACTION: &str = "backup-available";
pub const EXPIRE_ACTION: &str = "backup-expire";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackupType {
    User,
    System,
    AwsBackup,
}

impl BackupType {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupType::User => "USER",
            BackupType::System => "SYSTEM",
            BackupType::AwsBackup => "AWS_BACKUP",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupMeta {
    pub arn: String,
    pub name: String,
    /// `{13-digit ms}-{8 hex}`, the last part of the ARN.
    pub id: String,
    pub kind: BackupType,
    pub available: bool,
    pub created_ms: i64,
    pub expiry_ms: Option<i64>,
    pub size_bytes: usize,
    pub item_count: usize,
    /// The table as it was described when the backup was taken.
    pub table: TableMeta,
    pub table_size_bytes: usize,
    /// TimeToLiveStatus and attribute of the table then, if TTL was set.
    #[serde(default)]
    pub ttl: Option<(String, Option<String>)>,
    /// Chunks of item data.
    pub chunks: usize,
}

#[derive(Debug, Clone)]
pub struct Backup {
    pub meta: BackupMeta,
    /// The items, encoded: each a u32 LE length and an item record.
    pub data: Vec<Vec<u8>>,
}

impl Backup {
    /// The backed-up items, decoded, with their keys.
    pub fn items(&self) -> Result<Vec<(PrimaryKey, Item)>, AwsError> {
        let bad = |m: String| AwsError::internal(format!("corrupt backup data: {m}"));
        let mut out = Vec::with_capacity(self.meta.item_count.min(1 << 16));
        for chunk in &self.data {
            let mut pos = 0;
            while pos < chunk.len() {
                let len = chunk.get(pos..pos + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes).ok_or_else(|| bad("truncated".into()))? as usize;
                let end = (pos + 4).checked_add(len).ok_or_else(|| bad("truncated".into()))?;
                let bytes = chunk.get(pos + 4..end).ok_or_else(|| bad("truncated".into()))?;
                let item = codec::decode_item(bytes).map_err(bad)?;
                let key = self.meta.table.key_schema.key_of_item(&item).map_err(|e| bad(e.message))?;
                out.push((key, item));
                pos = end;
            }
        }
        Ok(out)
    }
}

/// Every backup, per region, by ARN.
#[derive(Debug, Clone, Default)]
pub struct BackupStore {
    regions: BTreeMap<String, BTreeMap<String, Backup>>,
}

fn record_key(region: &str, meta: &BackupMeta) -> String {
    format!("dynamodb/{region}/backup/{}/{}", meta.table.name, meta.id)
}

fn chunk_key(region: &str, meta: &BackupMeta, n: usize) -> String {
    format!("{}/data/{n:06}", record_key(region, meta))
}

impl BackupStore {
    pub fn get(&self, region: &str, arn: &str) -> Option<&Backup> {
        self.regions.get(region)?.get(arn)
    }

    pub fn list(&self, region: &str) -> impl Iterator<Item = &Backup> {
        self.regions.get(region).into_iter().flat_map(|m| m.values())
    }

    pub fn save(&self, out: &mut Vec<Record>) {
        for (region, backups) in &self.regions {
            for b in backups.values() {
                out.push(Record { key: record_key(region, &b.meta), value: serde_json::to_vec(&b.meta).unwrap_or_default() });
                for (n, chunk) in b.data.iter().enumerate() {
                    out.push(Record { key: chunk_key(region, &b.meta, n), value: chunk.clone() });
                }
            }
        }
    }

    /// `dynamodb/{region}/backup/{table}/{id}[/data/{n}]`, in key order (meta before data).
    pub fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            [_, region, "backup", _, _] => {
                let meta: BackupMeta = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                let arn = meta.arn.clone();
                self.regions.entry(region.to_string()).or_default().insert(arn, Backup { meta, data: Vec::new() });
                Ok(())
            }
            [_, region, "backup", table, id, "data", _] => {
                let b =
                    self.regions.get_mut(*region).and_then(|m| m.values_mut().find(|b| b.meta.table.name == *table && b.meta.id == *id)).ok_or("backup data before its backup")?;
                b.data.push(value.to_vec());
                Ok(())
            }
            _ => Err("unknown DynamoDB backup record".into()),
        }
    }

    pub fn clear(&mut self) {
        self.regions.clear();
    }

    fn insert(&mut self, cx: &mut Cx, region: &str, b: Backup) {
        cx.journal.put_json(record_key(region, &b.meta), &b.meta);
        for (n, chunk) in b.data.iter().enumerate() {
            cx.journal.put(chunk_key(region, &b.meta, n), chunk.clone());
        }
        self.regions.entry(region.to_string()).or_default().insert(b.meta.arn.clone(), b);
    }

    fn remove(&mut self, cx: &mut Cx, region: &str, arn: &str) -> Option<Backup> {
        let b = self.regions.get_mut(region)?.remove(arn)?;
        cx.journal.delete(record_key(region, &b.meta));
        cx.journal.delete_prefix(format!("{}/", record_key(region, &b.meta)));
        Some(b)
    }
}

/// The backup data of `items`.
fn encode_items<'a>(items: impl Iterator<Item = &'a Item>) -> (Vec<Vec<u8>>, usize, usize) {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut count = 0;
    let mut size = 0;
    for item in items {
        let bytes = codec::encode_item(item);
        if chunks.last().is_none_or(|c| c.len() + bytes.len() + 4 > CHUNK_BYTES && !c.is_empty()) {
            chunks.push(Vec::new());
        }
        if let Some(c) = chunks.last_mut() {
            c.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            c.extend_from_slice(&bytes);
        }
        count += 1;
        size += super::value::item_size(item);
    }
    (chunks, count, size)
}

/// Takes a backup of `table` now (items copied), CREATING until a timer makes it AVAILABLE.
fn take(db: &mut DynamoDb, cx: &mut Cx, region: &str, table_name: &str, name: &str, kind: BackupType, expiry_ms: Option<i64>) -> Result<BackupMeta, AwsError> {
    let table = db.tables(region).and_then(|t| t.get(table_name)).ok_or_else(|| table_not_found(table_name))?;
    let suffix = format!("{:08x}", cx.rng.next_u64() as u32);
    let id = format!("{:013}-{suffix}", cx.now_ms.max(0));
    let (data, item_count, size_bytes) = encode_items(table.items.iter().map(|(_, i)| i));
    let ttl = (table.ttl.state != Default::default()).then(|| (table.ttl.state.status.as_str().to_string(), table.ttl.state.attribute_name.clone()));
    let meta = BackupMeta {
        arn: format!("{}/backup/{id}", table.meta.arn),
        name: name.to_string(),
        id,
        kind,
        available: false,
        created_ms: cx.now_ms,
        expiry_ms,
        size_bytes,
        item_count,
        table: table.meta.clone(),
        table_size_bytes: table.size_bytes,
        ttl,
        chunks: data.len(),
    };
    cx.schedule(cx.now_ms + CREATING_MS, json!({"action": AVAILABLE_ACTION, "arn": meta.arn}));
    if let Some(at) = expiry_ms {
        cx.schedule(at, json!({"action": EXPIRE_ACTION, "arn": meta.arn}));
    }
    db.backups.insert(cx, region, Backup { meta: meta.clone(), data });
    Ok(meta)
}

/// The backup timers: CREATING → AVAILABLE, and expiry.
pub(crate) fn fire(db: &mut DynamoDb, cx: &mut Cx, timer: &Timer) {
    let region = cx.region.to_string();
    let arn = timer.payload.get("arn").and_then(Value::as_str).unwrap_or_default();
    match timer.payload.get("action").and_then(Value::as_str) {
        Some(AVAILABLE_ACTION) => {
            if let Some(b) = db.backups.regions.get_mut(&region).and_then(|m| m.get_mut(arn)) {
                b.meta.available = true;
                cx.journal.put_json(record_key(&region, &b.meta), &b.meta);
            }
        }
        Some(EXPIRE_ACTION) if db.backups.get(&region, arn).is_some_and(|b| b.meta.expiry_ms.is_some_and(|at| at <= cx.now_ms)) => {
            db.backups.remove(cx, &region, arn);
        }
        _ => {}
    }
}

/// DeleteTable of a table with PITR on: DynamoDB keeps a SYSTEM backup of it for 35 days.
pub(crate) fn system_backup(db: &mut DynamoDb, cx: &mut Cx, region: &str, table: &str) {
    let name = format!("{table}$DeletedTableBackup");
    let _ = take(db, cx, region, table, &name, BackupType::System, Some(cx.now_ms + SYSTEM_RETENTION_MS));
}

// ---- Errors ----

fn table_not_found(name: &str) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "TableNotFoundException", format!("Table not found: {name}"), 400)
}

fn backup_not_found(arn: &str) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "BackupNotFoundException", format!("Backup not found: {arn}"), 400)
}

fn backup_in_use(message: &str) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "BackupInUseException", message, 400)
}

// ---- Shapes ----

pub fn details(m: &BackupMeta) -> Value {
    let mut d = json!({
        "BackupArn": m.arn,
        "BackupName": m.name,
        "BackupSizeBytes": m.size_bytes,
        "BackupStatus": if m.available { "AVAILABLE" } else { "CREATING" },
        "BackupType": m.kind.as_str(),
        "BackupCreationDateTime": epoch_seconds(m.created_ms),
    });
    if let Some(at) = m.expiry_ms {
        d["BackupExpiryDateTime"] = epoch_seconds(at);
    }
    d
}

pub fn summary(m: &BackupMeta) -> Value {
    let mut d = details(m);
    d["TableName"] = json!(m.table.name);
    d["TableId"] = json!(m.table.id);
    d["TableArn"] = json!(m.table.arn);
    d
}

fn description(m: &BackupMeta, now_ms: i64) -> Value {
    let t = &m.table;
    let (r, w) = if t.billing_mode == BillingMode::Provisioned { (t.read_capacity, t.write_capacity) } else { (0, 0) };
    let source = json!({
        "TableName": t.name,
        "TableId": t.id,
        "TableArn": t.arn,
        "TableSizeBytes": m.table_size_bytes,
        "KeySchema": t.key_schema.to_json(),
        "TableCreationDateTime": epoch_seconds(t.created_ms),
        "ProvisionedThroughput": {"ReadCapacityUnits": r, "WriteCapacityUnits": w},
        "ItemCount": m.item_count,
        "BillingMode": t.billing_mode.as_str(),
    });
    // The indexes, stream, TTL and encryption as the table described them.
    let described = Table::new(t.clone(), false).description(now_ms);
    let mut features = json!({});
    for member in ["LocalSecondaryIndexes", "GlobalSecondaryIndexes"] {
        if let Some(list) = described.get(member).and_then(Value::as_array) {
            let keep: &[&str] =
                if member == "GlobalSecondaryIndexes" { &["IndexName", "KeySchema", "Projection", "ProvisionedThroughput"] } else { &["IndexName", "KeySchema", "Projection"] };
            let out: Vec<Value> = list
                .iter()
                .map(|i| {
                    let mut o = json!({});
                    for k in keep {
                        if let Some(v) = i.get(*k) {
                            o[*k] = if *k == "ProvisionedThroughput" {
                                json!({"ReadCapacityUnits": v["ReadCapacityUnits"], "WriteCapacityUnits": v["WriteCapacityUnits"]})
                            } else {
                                v.clone()
                            };
                        }
                    }
                    o
                })
                .collect();
            features[member] = Value::Array(out);
        }
    }
    if let Some(s) = described.get("StreamSpecification") {
        features["StreamDescription"] = s.clone();
    }
    if let Some((status, attr)) = &m.ttl {
        let mut d = json!({"TimeToLiveStatus": status});
        if let Some(a) = attr {
            d["AttributeName"] = json!(a);
        }
        features["TimeToLiveDescription"] = d;
    }
    if let Some(s) = described.get("SSEDescription") {
        features["SSEDescription"] = s.clone();
    }
    json!({"BackupDetails": details(m), "SourceTableDetails": source, "SourceTableFeatureDetails": features})
}

// ---- The API ----

/// A TableName member that may also be the table's ARN (CreateBackup, ListBackups).
fn table_name_or_arn(cx: &Cx, region: &str, name: &str) -> String {
    let prefix = cx.account.arn("dynamodb", region, "table/");
    name.strip_prefix(&prefix).unwrap_or(name).to_string()
}

fn backup_name_constraints(c: &mut Constraints, name: Option<&str>) {
    c.not_null(name, "backupName");
    c.name(name, "backupName");
}

pub fn create_backup(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let table = input.string("TableName")?;
    let name = input.string("BackupName")?;
    let mut c = Constraints::default();
    c.not_null(table, "tableName");
    backup_name_constraints(&mut c, name);
    if let Some(t) = table {
        if t.is_empty() || t.len() > 1024 {
            c.add(Some(t), "tableName", "Member must have length less than or equal to 1024");
        }
    }
    c.finish()?;
    let region = cx.region.to_string();
    let table = table_name_or_arn(cx, &region, table.unwrap_or_default());
    let t = db.tables(&region).and_then(|t| t.get(&table)).ok_or_else(|| table_not_found(&table))?;
    match t.meta.status {
        TableStatus::Creating => return Err(super::pitr::continuous_backups_unavailable(&table)),
        TableStatus::Deleting => return Err(AwsError::new(ERROR_NAMESPACE, "TableInUseException", format!("Table is being deleted: {table}"), 400)),
        TableStatus::Active | TableStatus::Updating => {}
    }
    if db.backups.list(&region).any(|b| !b.meta.available && b.meta.table.name == table && b.meta.table.id == t.meta.id) {
        return Err(backup_in_use(
            "There is another ongoing conflicting backup control plane operation on the table. The backup is either being created, deleted or restored to a table.",
        ));
    }
    if db.backups.list(&region).filter(|b| !b.meta.available).count() >= MAX_CREATING {
        return Err(AwsError::new(ERROR_NAMESPACE, "LimitExceededException", "Subscriber limit exceeded: There is a limit of 50 concurrent backup operations.", 400));
    }
    let meta = take(db, cx, &region, &table, name.unwrap_or_default(), BackupType::User, None)?;
    Ok(json!({"BackupDetails": details(&meta)}))
}

fn backup_arn(input: &Input) -> Result<String, AwsError> {
    let arn = input.string("BackupArn")?;
    let mut c = Constraints::default();
    c.not_null(arn, "backupArn");
    if let Some(a) = arn {
        if a.len() < 37 {
            c.add(Some(a), "backupArn", "Member must have length greater than or equal to 37");
        }
        if a.len() > 1024 {
            c.add(Some(a), "backupArn", "Member must have length less than or equal to 1024");
        }
    }
    c.finish()?;
    Ok(arn.unwrap_or_default().to_string())
}

pub fn describe_backup(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = backup_arn(&Input::new(input)?)?;
    let b = db.backups.get(cx.region, &arn).ok_or_else(|| backup_not_found(&arn))?;
    Ok(json!({"BackupDescription": description(&b.meta, cx.now_ms)}))
}

pub fn delete_backup(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = backup_arn(&Input::new(input)?)?;
    let region = cx.region.to_string();
    let b = db.backups.get(&region, &arn).ok_or_else(|| backup_not_found(&arn))?;
    if !b.meta.available {
        return Err(backup_in_use("Backup is being created: it cannot be deleted until it is AVAILABLE"));
    }
    let b = db.backups.remove(cx, &region, &arn).ok_or_else(|| backup_not_found(&arn))?;
    let mut d = description(&b.meta, cx.now_ms);
    d["BackupDetails"]["BackupStatus"] = json!("DELETED");
    Ok(json!({"BackupDescription": d}))
}

pub fn list_backups(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let table = input.string("TableName")?;
    let limit = input.integer("Limit")?;
    let start = input.string("ExclusiveStartBackupArn")?;
    let kind = input.string("BackupType")?;
    let lower = input.raw("TimeRangeLowerBound").map(|v| restore::timestamp_ms(v, "TimeRangeLowerBound")).transpose()?;
    let upper = input.raw("TimeRangeUpperBound").map(|v| restore::timestamp_ms(v, "TimeRangeUpperBound")).transpose()?;
    let mut c = Constraints::default();
    c.min(limit, "limit", 1);
    c.max(limit, "limit", 100);
    c.one_of(kind, "backupType", &["USER", "SYSTEM", "AWS_BACKUP", "ALL"]);
    c.finish()?;
    if let (Some(l), Some(u)) = (lower, upper) {
        if l > u {
            return Err(AwsError::validation("TimeRangeLowerBound must not be after TimeRangeUpperBound"));
        }
    }
    let region = cx.region.to_string();
    let table = table.map(|t| table_name_or_arn(cx, &region, t));
    let types: &[BackupType] = match kind.unwrap_or("USER") {
        "USER" => &[BackupType::User],
        "SYSTEM" => &[BackupType::System],
        "AWS_BACKUP" => &[BackupType::AwsBackup],
        _ => &[BackupType::User, BackupType::System],
    };
    let mut list: Vec<&BackupMeta> = db
        .backups
        .list(&region)
        .map(|b| &b.meta)
        .filter(|m| types.contains(&m.kind))
        .filter(|m| table.as_deref().is_none_or(|t| m.table.name == t))
        .filter(|m| lower.is_none_or(|l| m.created_ms >= l) && upper.is_none_or(|u| m.created_ms < u))
        .collect();
    list.sort_by(|a, b| (a.created_ms, &a.arn).cmp(&(b.created_ms, &b.arn)));
    if let Some(s) = start {
        let pos = list.iter().position(|m| m.arn == s).ok_or_else(|| AwsError::validation(format!("Invalid ExclusiveStartBackupArn: {s}")))?;
        list.drain(..=pos);
    }
    let limit = limit.unwrap_or(100) as usize;
    let page: Vec<Value> = list.iter().take(limit).map(|m| summary(m)).collect();
    let mut out = json!({"BackupSummaries": page});
    if list.len() > limit {
        out["LastEvaluatedBackupArn"] = json!(list[limit - 1].arn);
    }
    Ok(out)
}

pub fn restore_table_from_backup(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let target = input.string("TargetTableName")?;
    let arn = input.string("BackupArn")?;
    let mut c = Constraints::default();
    c.not_null(target, "targetTableName");
    c.name(target, "targetTableName");
    c.not_null(arn, "backupArn");
    c.finish()?;
    let overrides = Overrides::parse(&input)?;
    let (target, arn) = (target.unwrap_or_default(), arn.unwrap_or_default());
    let region = cx.region.to_string();
    let b = db.backups.get(&region, arn).ok_or_else(|| backup_not_found(arn))?;
    if !b.meta.available {
        return Err(backup_in_use("Backup is being created: it cannot be restored until it is AVAILABLE"));
    }
    restore::check_target(db, &region, target)?;
    let b = db.backups.get(&region, arn).ok_or_else(|| backup_not_found(arn))?;
    let items = b.items()?;
    let source = b.meta.table.clone();
    let summary = RestoreSummary { source_backup_arn: Some(b.meta.arn.clone()), source_table_arn: Some(source.arn.clone()), restore_ms: b.meta.created_ms, in_progress: true };
    let description = restore::create_restored(db, cx, &source, items, target, &overrides, summary)?;
    Ok(json!({"TableDescription": description}))
}

// ---- AWS Backup's control operations ----

/// `dynamodb:CreateAwsBackup {TableArn, BackupName, ExpiryTime? (epoch s)}`: a backup of type
/// AWS_BACKUP, as AWS Backup's backup jobs take. Answers `{"BackupDetails", "TableName"}`.
pub fn control_create(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = input.get("TableArn").and_then(Value::as_str).ok_or_else(|| AwsError::validation("TableArn is required"))?;
    let name = input.get("BackupName").and_then(Value::as_str).unwrap_or("AwsBackup");
    let expiry = input.get("ExpiryTime").map(|v| restore::timestamp_ms(v, "ExpiryTime")).transpose()?;
    let region = cx.region.to_string();
    let table = table_name_or_arn(cx, &region, arn);
    let t = db.tables(&region).and_then(|t| t.get(&table)).ok_or_else(|| table_not_found(arn))?;
    if !matches!(t.meta.status, TableStatus::Active | TableStatus::Updating) {
        return Err(AwsError::new(ERROR_NAMESPACE, "TableInUseException", format!("Table is being created or deleted: {table}"), 400));
    }
    let meta = take(db, cx, &region, &table, name, BackupType::AwsBackup, expiry)?;
    Ok(json!({"BackupDetails": details(&meta), "TableName": table, "ItemCount": meta.item_count}))
}

/// `dynamodb:CopyAwsBackup {BackupArn, ExpiryTime?}` called in the destination region: copies
/// a backup of another region (named by its ARN) into this one, as AWS Backup's cross-region
/// copy does. The copy keeps the creation time and is AVAILABLE after [`CREATING_MS`].
pub fn control_copy(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = input.get("BackupArn").and_then(Value::as_str).ok_or_else(|| AwsError::validation("BackupArn is required"))?;
    let expiry = input.get("ExpiryTime").map(|v| restore::timestamp_ms(v, "ExpiryTime")).transpose()?;
    let source_region = arn.split(':').nth(3).unwrap_or_default().to_string();
    let region = cx.region.to_string();
    let b = db.backups.get(&source_region, arn).ok_or_else(|| backup_not_found(arn))?;
    if !b.meta.available {
        return Err(backup_in_use("Backup is being created"));
    }
    let mut meta = b.meta.clone();
    let data = b.data.clone();
    let table_arn = cx.account.arn("dynamodb", &region, &format!("table/{}", meta.table.name));
    meta.arn = format!("{table_arn}/backup/{}", meta.id);
    meta.table.arn = table_arn;
    meta.kind = BackupType::AwsBackup;
    meta.available = false;
    meta.expiry_ms = expiry;
    if db.backups.get(&region, &meta.arn).is_some() {
        return Err(AwsError::validation(format!("Backup {} has already been copied to {region}", meta.arn)));
    }
    cx.schedule(cx.now_ms + CREATING_MS, json!({"action": AVAILABLE_ACTION, "arn": meta.arn}));
    if let Some(at) = expiry {
        cx.schedule(at, json!({"action": EXPIRE_ACTION, "arn": meta.arn}));
    }
    let out = json!({"BackupDetails": details(&meta), "TableName": meta.table.name, "ItemCount": meta.item_count});
    db.backups.insert(cx, &region, Backup { meta, data });
    Ok(out)
}

/// `dynamodb:DeleteAwsBackup {BackupArn}`: AWS Backup's lifecycle deleting a recovery point.
/// A backup already gone is no error.
pub fn control_delete(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = input.get("BackupArn").and_then(Value::as_str).ok_or_else(|| AwsError::validation("BackupArn is required"))?;
    let region = cx.region.to_string();
    let deleted = db.backups.remove(cx, &region, arn).is_some();
    Ok(json!({"Deleted": deleted}))
}

/// `dynamodb:DescribeAwsBackup {BackupArn}`: BackupDetails of a backup, whatever its type.
pub fn control_describe(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = input.get("BackupArn").and_then(Value::as_str).ok_or_else(|| AwsError::validation("BackupArn is required"))?;
    let b = db.backups.get(cx.region, arn).ok_or_else(|| backup_not_found(arn))?;
    Ok(json!({"BackupDetails": details(&b.meta), "TableName": b.meta.table.name, "ItemCount": b.meta.item_count}))
}

/// A backup data record as readable JSON: `{"Items": [DynamoDB JSON]}`.
pub fn data_to_json(value: &[u8]) -> Result<Value, String> {
    let mut items = Vec::new();
    let mut pos = 0;
    while pos < value.len() {
        let len = value.get(pos..pos + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes).ok_or("truncated backup data")? as usize;
        let end = (pos + 4).checked_add(len).ok_or("truncated backup data")?;
        let bytes = value.get(pos + 4..end).ok_or("truncated backup data")?;
        items.push(super::value::item_to_json(&codec::decode_item(bytes)?));
        pos = end;
    }
    Ok(json!({"Items": items}))
}

pub fn data_from_json(value: &Value) -> Result<Vec<u8>, String> {
    let list = value.get("Items").and_then(Value::as_array).ok_or("backup data record without 'Items'")?;
    let mut out = Vec::new();
    for v in list {
        let bytes = codec::encode_item(&super::value::item_from_json(v).map_err(|e| e.message)?);
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    Ok(out)
}
