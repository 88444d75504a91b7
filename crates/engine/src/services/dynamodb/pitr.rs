//! Point-in-time recovery: UpdateContinuousBackups, DescribeContinuousBackups,
//! RestoreTableToPointInTime, and the change log that makes a table's past readable.
//!
//! While PITR is ENABLED a table keeps an **undo log**: for every item write (at the same
//! capture point as Streams, [`super::streams::put_item`] / `delete_item_as`), one entry with
//! the virtual time, the key and the item's image *before* the write (absent when the write
//! created it). The table as of time T is then the current items with every change made after
//! T undone, newest last: for each key changed after T, the old image of its first change after
//! T (see [`items_at`]). Entries older than the recovery period are trimmed by a timer (one per
//! table, on whole virtual hours), so the log holds at most `RecoveryPeriodInDays` of changes.
//!
//! Window, as AWS: `LatestRestorableDateTime` = now − 5 minutes, `EarliestRestorableDateTime`
//! = the later of the time PITR was enabled (or the log was last trimmed past) and now − the
//! recovery period. Disabling PITR drops the log; enabling again starts a new window.
//!
//! Records: the setting `dynamodb/{region}/table/{name}/pitr` (JSON, [`PitrState`]) and each
//! log entry `.../pitr/{seq, 16 hex}` (binary, [`encode_entry`]); both go with the table when
//! it is deleted (a table deleted with PITR on leaves a SYSTEM backup, see [`super::backups`]).
//!
//! **For other modules** (ExportTableToPointInTime builds on this): [`items_at`] gives a
//! table's items as of a virtual time, [`changes_between`] what changed between two.
//!
//! A restore creates a new table, CREATING for [`RESTORE_MS`] of virtual time (AWS takes from
//! minutes to hours; the sandbox keeps the state visible without making a learner wait long),
//! with the data as of the requested millisecond, the source's key schema, indexes, billing and
//! encryption unless overridden; no stream, TTL, PITR, tags or auto scaling, as AWS restores.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    codec,
    input::{Constraints, Input},
    key::PrimaryKey,
    table::{epoch_seconds, same_item, Table, TableStatus},
    table_key,
    value::Item,
    DynamoDb, ERROR_NAMESPACE,
};
use crate::kernel::{error::AwsError, service::Cx};

/// `LatestRestorableDateTime` is typically five minutes before the current time.
pub const LATEST_LAG_MS: i64 = 5 * 60_000;
/// Default and bounds of RecoveryPeriodInDays.
pub const DEFAULT_PERIOD_DAYS: i64 = 35;
pub const DAY_MS: i64 = 86_400_000;
/// Trim passes run on whole virtual hours.
pub const TRIM_GRID_MS: i64 = 3_600_000;
/// Virtual time a restored table spends CREATING.
pub const RESTORE_MS: i64 = 30_000;

pub const TRIM_ACTION: &str = "pitr-trim";

/// A table's PITR setting, the record `dynamodb/{region}/table/{name}/pitr`. Also holds the
/// RestoreSummary of a table that was created by a restore.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PitrState {
    pub enabled: bool,
    pub period_days: i64,
    /// The earliest time the log can reconstruct: when PITR was enabled, later the last trim.
    pub floor_ms: i64,
    /// Sequence number of the next log entry: derived from the log (loading sets it past the
    /// last entry), so that writes need not journal the setting record.
    #[serde(skip)]
    pub next_seq: u64,
    /// Due time of the pending trim timer.
    pub trim_at: Option<i64>,
    #[serde(default)]
    pub restore: Option<RestoreSummary>,
}

/// DescribeTable's RestoreSummary of a restored table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreSummary {
    pub source_backup_arn: Option<String>,
    pub source_table_arn: Option<String>,
    pub restore_ms: i64,
    pub in_progress: bool,
}

impl RestoreSummary {
    pub fn to_json(&self) -> Value {
        let mut d = json!({"RestoreDateTime": epoch_seconds(self.restore_ms), "RestoreInProgress": self.in_progress});
        if let Some(a) = &self.source_backup_arn {
            d["SourceBackupArn"] = json!(a);
        }
        if let Some(a) = &self.source_table_arn {
            d["SourceTableArn"] = json!(a);
        }
        d
    }
}

/// One undo-log entry: at `at_ms` the item under `key` was written; `old` is its encoded image
/// before ([`codec::encode_item`]), None when the write created it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub seq: u64,
    pub at_ms: i64,
    pub key: PrimaryKey,
    pub old: Option<Box<[u8]>>,
}

/// A table's PITR: the setting and the undo log (entries in time order).
#[derive(Debug, Clone, Default)]
pub struct TablePitr {
    pub state: PitrState,
    /// Whether writes are logged (PITR ENABLED): the capture point's one flag.
    pub on: bool,
    pub log: VecDeque<LogEntry>,
}

pub(crate) fn pitr_key(region: &str, table: &str) -> String {
    format!("{}/pitr", table_key(region, table))
}

fn entry_key(region: &str, table: &str, seq: u64) -> String {
    format!("{}/pitr/{seq:016x}", table_key(region, table))
}

const ENTRY_VERSION: u8 = 1;

/// A log entry's record value: version, time (i64 LE), whether an old image follows, the key
/// as a length-prefixed key map, then the old image (as an item record).
pub(crate) fn encode_entry(table: &Table, at_ms: i64, key: &PrimaryKey, old: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + old.map_or(0, <[u8]>::len));
    out.push(ENTRY_VERSION);
    out.extend_from_slice(&at_ms.to_le_bytes());
    out.push(u8::from(old.is_some()));
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    codec::encode_key_map(&mut out, &table.meta.key_schema, key);
    let len = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    if let Some(o) = old {
        out.extend_from_slice(o);
    }
    out
}

/// Reads a log entry's value: (time, key map, old image bytes).
pub(crate) fn decode_entry(value: &[u8]) -> Result<(i64, Item, Option<&[u8]>), String> {
    let bad = || "bad PITR log record".to_string();
    if value.first() != Some(&ENTRY_VERSION) || value.len() < 14 {
        return Err(bad());
    }
    let at_ms = i64::from_le_bytes(value[1..9].try_into().map_err(|_| bad())?);
    let has_old = value[9] == 1;
    let len = u32::from_le_bytes(value[10..14].try_into().map_err(|_| bad())?) as usize;
    let end = 14usize.checked_add(len).ok_or_else(bad)?;
    let key_bytes = value.get(14..end).ok_or_else(bad)?;
    let key = codec::decode_item(key_bytes)?;
    let rest = value.get(end..).ok_or_else(bad)?;
    Ok((at_ms, key, has_old.then_some(rest)))
}

/// Called for every item write of a table whose PITR is on, after the table changed: logs the
/// image the item had before (journaled), unless the write changed nothing.
#[inline(never)]
/// (The caller skips writes that left the item unchanged.)
pub(crate) fn capture(table: &mut Table, cx: &mut Cx, region: &str, key: &PrimaryKey, old: Option<&Item>) {
    let old_bytes = old.map(codec::encode_item);
    let seq = table.pitr.state.next_seq;
    table.pitr.state.next_seq += 1;
    let value = encode_entry(table, cx.now_ms, key, old_bytes.as_deref());
    cx.journal.put(entry_key(region, &table.meta.name, seq), value);
    table.pitr.log.push_back(LogEntry { seq, at_ms: cx.now_ms, key: key.clone(), old: old_bytes.map(Vec::into_boxed_slice) });
    // The next sequence number is not journaled per write: loading derives it from the last
    // entry. The setting record changes only when a trim is scheduled.
    if table.pitr.state.trim_at.is_none() {
        schedule_trim(table, cx, cx.now_ms);
        cx.journal.put_json(pitr_key(region, &table.meta.name), &table.pitr.state);
    }
}

/// Schedules the trim pass that will drop entries made at `oldest_ms`.
fn schedule_trim(table: &mut Table, cx: &mut Cx, oldest_ms: i64) {
    let period = table.pitr.state.period_days * DAY_MS;
    let due = (oldest_ms + period + 1).div_euclid(TRIM_GRID_MS) * TRIM_GRID_MS + TRIM_GRID_MS;
    table.pitr.state.trim_at = Some(due);
    cx.schedule(due, json!({"action": TRIM_ACTION, "table": table.meta.name, "tableId": table.meta.id}));
}

/// The trim timer: drops log entries older than the recovery period, then schedules the next.
pub(crate) fn trim(table: &mut Table, cx: &mut Cx, region: &str, due_ms: i64) {
    if table.pitr.state.trim_at != Some(due_ms) {
        return;
    }
    table.pitr.state.trim_at = None;
    if table.pitr.on {
        let cut = cx.now_ms - table.pitr.state.period_days * DAY_MS;
        trim_before(table, cx, region, cut);
        if let Some(front) = table.pitr.log.front().map(|e| e.at_ms) {
            schedule_trim(table, cx, front);
        }
    }
    cx.journal.put_json(pitr_key(region, &table.meta.name), &table.pitr.state);
}

/// Drops entries made at or before `cut`: the table can no longer be seen as it was before.
fn trim_before(table: &mut Table, cx: &mut Cx, region: &str, cut: i64) {
    while let Some(e) = table.pitr.log.front().filter(|e| e.at_ms <= cut) {
        cx.journal.delete(entry_key(region, &table.meta.name, e.seq));
        table.pitr.log.pop_front();
    }
    table.pitr.state.floor_ms = table.pitr.state.floor_ms.max(cut);
}

impl TablePitr {
    /// (EarliestRestorableDateTime, LatestRestorableDateTime) in ms, while ENABLED.
    pub fn window(&self, now_ms: i64) -> Option<(i64, i64)> {
        if !self.on {
            return None;
        }
        let earliest = self.state.floor_ms.max(now_ms - self.state.period_days * DAY_MS);
        let latest = (now_ms - LATEST_LAG_MS).max(earliest);
        Some((earliest, latest))
    }
}

pub(crate) fn pitr_unavailable(name: &str) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "PointInTimeRecoveryUnavailableException", format!("Point in time recovery is not enabled for table '{name}'"), 400)
}

pub(crate) fn invalid_restore_time(earliest: i64, latest: i64) -> AwsError {
    AwsError::new(
        ERROR_NAMESPACE,
        "InvalidRestoreTimeException",
        format!(
            "RestoreDateTime must be between EarliestRestorableDateTime ({}) and LatestRestorableDateTime ({})",
            crate::kernel::time::iso8601(earliest),
            crate::kernel::time::iso8601(latest)
        ),
        400,
    )
}

/// Checks that the log of `table` can reconstruct virtual time `t_ms`: PITR is on and `t_ms` is
/// between the earliest restorable time and now.
fn check_time(table: &Table, now_ms: i64, t_ms: i64) -> Result<(), AwsError> {
    let (earliest, _) = table.pitr.window(now_ms).ok_or_else(|| pitr_unavailable(&table.meta.name))?;
    if t_ms < earliest || t_ms > now_ms {
        return Err(invalid_restore_time(earliest, now_ms));
    }
    Ok(())
}

/// For each key changed after `t_ms`, the image it had at `t_ms` (None: no item), as of the
/// first logged change after `t_ms`.
fn images_at(table: &Table, t_ms: i64) -> Result<HashMap<PrimaryKey, Option<Item>>, AwsError> {
    let start = table.pitr.log.partition_point(|e| e.at_ms <= t_ms);
    let mut images: HashMap<PrimaryKey, Option<Item>> = HashMap::new();
    for e in table.pitr.log.range(start..) {
        if images.contains_key(&e.key) {
            continue;
        }
        let old = match &e.old {
            Some(bytes) => Some(codec::decode_item(bytes).map_err(|m| AwsError::internal(format!("corrupt PITR log entry: {m}")))?),
            None => None,
        };
        images.insert(e.key.clone(), old);
    }
    Ok(images)
}

/// The items of `table` as of virtual time `t_ms` (every change made at or before `t_ms`
/// applied, none after), in storage order.
///
/// Errors: PointInTimeRecoveryUnavailableException when PITR is not ENABLED;
/// InvalidRestoreTimeException when `t_ms` is before the earliest restorable time or after now
/// (the API operations apply their own upper bound, LatestRestorableDateTime, before calling).
pub fn items_at(table: &Table, now_ms: i64, t_ms: i64) -> Result<Vec<(PrimaryKey, Item)>, AwsError> {
    check_time(table, now_ms, t_ms)?;
    let mut images = images_at(table, t_ms)?;
    let mut out: Vec<(PrimaryKey, Item)> = Vec::with_capacity(table.items.len());
    for (k, item) in table.items.iter() {
        match images.remove(k) {
            Some(Some(old)) => out.push((k.clone(), old)),
            Some(None) => {}
            None => out.push((k.clone(), item.clone())),
        }
    }
    // Items that existed at t_ms and are gone now.
    let start = out.len();
    out.extend(images.into_iter().filter_map(|(k, old)| old.map(|o| (k, o))));
    if out.len() > start {
        out.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(out)
}

/// One key's change between two times, as an incremental export writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyChange {
    pub key: PrimaryKey,
    /// The item at `from` (None: there was none).
    pub old: Option<Item>,
    /// The item at `to` (None: deleted, or never there).
    pub new: Option<Item>,
}

/// Every key whose item differs between virtual times `from_ms` and `to_ms` (`from_ms <=
/// to_ms`), with its image at each, in storage order. A key written and restored to the same
/// item in between is not listed. Same errors as [`items_at`] for either time.
pub fn changes_between(table: &Table, now_ms: i64, from_ms: i64, to_ms: i64) -> Result<Vec<KeyChange>, AwsError> {
    check_time(table, now_ms, from_ms)?;
    check_time(table, now_ms, to_ms)?;
    if from_ms > to_ms {
        return Err(AwsError::validation("The start of the period must not be after its end"));
    }
    let from_images = images_at(table, from_ms)?;
    let mut to_images = images_at(table, to_ms)?;
    let mut out = Vec::new();
    for (key, old) in from_images {
        // Changed after `from`: its image at `to` is its first logged image after `to`, or the
        // current item when it has not changed since.
        let new = match to_images.remove(&key) {
            Some(image) => image,
            None => table.items.get(&key).cloned(),
        };
        let same = match (&old, &new) {
            (None, None) => true,
            (Some(a), Some(b)) => same_item(a, b),
            _ => false,
        };
        if !same {
            out.push(KeyChange { key, old, new });
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// Loads the setting record of a table already loaded.
pub(crate) fn load_state(table: &mut Table, value: &[u8]) -> Result<(), String> {
    table.pitr.state = serde_json::from_slice(value).map_err(|e| e.to_string())?;
    table.pitr.on = table.pitr.state.enabled;
    Ok(())
}

/// Loads one log entry (records arrive in key order, which is sequence order).
pub(crate) fn load_entry(table: &mut Table, seq_hex: &str, value: &[u8]) -> Result<(), String> {
    let seq = u64::from_str_radix(seq_hex, 16).map_err(|_| "bad PITR log record key")?;
    let (at_ms, key_map, old) = decode_entry(value)?;
    let key = table.meta.key_schema.key_from_map(&key_map).map_err(|e| e.message)?;
    let old = old.map(|o| o.to_vec().into_boxed_slice());
    table.pitr.log.push_back(LogEntry { seq, at_ms, key, old });
    table.pitr.state.next_seq = table.pitr.state.next_seq.max(seq + 1);
    Ok(())
}

/// The records of a table's PITR: the setting (unless never set) and the log.
pub(crate) fn save(table: &Table, region: &str, out: &mut Vec<crate::kernel::journal::Record>) {
    if table.pitr.state != PitrState::default() {
        out.push(crate::kernel::journal::Record { key: pitr_key(region, &table.meta.name), value: serde_json::to_vec(&table.pitr.state).unwrap_or_default() });
    }
    for e in &table.pitr.log {
        let value = encode_entry(table, e.at_ms, &e.key, e.old.as_deref());
        out.push(crate::kernel::journal::Record { key: entry_key(region, &table.meta.name, e.seq), value });
    }
}

/// A log entry as readable JSON for sandbox export: `{"At", "Key", "Old"?}`.
pub(crate) fn entry_to_json(value: &[u8]) -> Result<Value, String> {
    let (at, key, old) = decode_entry(value)?;
    let mut v = json!({"At": at, "Key": super::value::item_to_json(&key)});
    if let Some(o) = old {
        v["Old"] = super::value::item_to_json(&codec::decode_item(o)?);
    }
    Ok(v)
}

pub(crate) fn entry_from_json(value: &Value) -> Result<Vec<u8>, String> {
    let at = value.get("At").and_then(Value::as_i64).ok_or("PITR log record without 'At'")?;
    let key = super::value::item_from_json(value.get("Key").ok_or("PITR log record without 'Key'")?).map_err(|e| e.message)?;
    let old = match value.get("Old") {
        Some(o) => Some(codec::encode_item(&super::value::item_from_json(o).map_err(|e| e.message)?)),
        None => None,
    };
    let mut out = vec![ENTRY_VERSION];
    out.extend_from_slice(&at.to_le_bytes());
    out.push(u8::from(old.is_some()));
    let key_bytes = codec::encode_item(&key);
    out.extend_from_slice(&(key_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&key_bytes);
    if let Some(o) = old {
        out.extend_from_slice(&o);
    }
    Ok(out)
}

// ---- The API ----

fn table_not_found(name: &str) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "TableNotFoundException", format!("Table not found: {name}"), 400)
}

pub(crate) fn continuous_backups_unavailable(name: &str) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "ContinuousBackupsUnavailableException", format!("Backups are not available for table {name} while it is being created"), 400)
}

fn description(table: &Table, now_ms: i64) -> Value {
    let mut pitr = json!({"PointInTimeRecoveryStatus": if table.pitr.on { "ENABLED" } else { "DISABLED" }});
    if let Some((earliest, latest)) = table.pitr.window(now_ms) {
        pitr["RecoveryPeriodInDays"] = json!(table.pitr.state.period_days);
        pitr["EarliestRestorableDateTime"] = epoch_seconds(earliest.div_euclid(1000) * 1000);
        pitr["LatestRestorableDateTime"] = epoch_seconds(latest.div_euclid(1000) * 1000);
    }
    json!({"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr})
}

/// The table named by TableName, or TableNotFoundException; `TableArn` is not a member of these
/// operations (ResourceArn-style names are refused by the name pattern).
fn named_table<'a>(db: &'a DynamoDb, cx: &Cx, input: &Input) -> Result<(String, &'a Table), AwsError> {
    let name = input.string("TableName")?;
    let mut c = Constraints::default();
    c.not_null(name, "tableName");
    c.name(name, "tableName");
    c.finish()?;
    let name = name.unwrap_or_default().to_string();
    let table = db.tables(cx.region).and_then(|t| t.get(&name)).filter(|t| t.meta.status != TableStatus::Deleting).ok_or_else(|| table_not_found(&name))?;
    Ok((name, table))
}

pub fn describe_continuous_backups(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let (_, table) = named_table(db, cx, &input)?;
    Ok(json!({"ContinuousBackupsDescription": description(table, cx.now_ms)}))
}

pub fn update_continuous_backups(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let spec = input.structure("PointInTimeRecoverySpecification", "PointInTimeRecoverySpecification")?;
    let (enabled, period) = match &spec {
        Some(s) => (s.boolean("PointInTimeRecoveryEnabled")?, s.integer("RecoveryPeriodInDays")?),
        None => (None, None),
    };
    let mut c = Constraints::default();
    c.not_null(spec.as_ref(), "pointInTimeRecoverySpecification");
    if spec.is_some() {
        c.not_null(enabled, "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled");
        c.min(period, "pointInTimeRecoverySpecification.recoveryPeriodInDays", 1);
        c.max(period, "pointInTimeRecoverySpecification.recoveryPeriodInDays", 35);
    }
    c.finish()?;
    let (name, table) = named_table(db, cx, &input)?;
    if table.meta.status == TableStatus::Creating {
        return Err(continuous_backups_unavailable(&name));
    }
    let enabled = enabled.unwrap_or(false);
    if !enabled && period.is_some() {
        return Err(AwsError::validation("RecoveryPeriodInDays can only be specified when PointInTimeRecoveryEnabled is true"));
    }
    let region = cx.region.to_string();
    let table = db.tables_mut(&region).get_mut(&name).ok_or_else(|| table_not_found(&name))?;
    let now = cx.now_ms;
    match (table.pitr.on, enabled) {
        (false, true) => {
            table.pitr.on = true;
            table.pitr.state.enabled = true;
            table.pitr.state.period_days = period.unwrap_or(DEFAULT_PERIOD_DAYS);
            table.pitr.state.floor_ms = now;
            table.pitr.state.trim_at = None;
        }
        (true, true) => {
            // A new period applies from now; a shorter one drops what falls out of it.
            let days = period.unwrap_or(table.pitr.state.period_days);
            if days != table.pitr.state.period_days {
                table.pitr.state.period_days = days;
                if days * DAY_MS < now - table.pitr.state.floor_ms {
                    trim_before(table, cx, &region, now - days * DAY_MS);
                }
                table.pitr.state.trim_at = None;
                if let Some(front) = table.pitr.log.front().map(|e| e.at_ms) {
                    schedule_trim(table, cx, front);
                }
            }
        }
        (true, false) => {
            table.pitr.on = false;
            table.pitr.state.enabled = false;
            table.pitr.state.trim_at = None;
            table.pitr.log.clear();
            cx.journal.delete_prefix(format!("{}/", pitr_key(&region, &name)));
        }
        (false, false) => {}
    }
    cx.journal.put_json(pitr_key(&region, &name), &table.pitr.state);
    Ok(json!({"ContinuousBackupsDescription": description(table, now)}))
}

/// RestoreTableToPointInTime: the source's items as of RestoreDateTime (or the latest
/// restorable time) into a new table.
pub fn restore_table_to_point_in_time(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let source_name = input.string("SourceTableName")?;
    let source_arn = input.string("SourceTableArn")?;
    let target = input.string("TargetTableName")?;
    let latest = input.boolean("UseLatestRestorableTime")?;
    let when = match input.raw("RestoreDateTime") {
        None => None,
        Some(v) => Some(super::restore::timestamp_ms(v, "RestoreDateTime")?),
    };
    let mut c = Constraints::default();
    c.name(source_name, "sourceTableName");
    c.not_null(target, "targetTableName");
    c.name(target, "targetTableName");
    c.finish()?;
    let overrides = super::restore::Overrides::parse(&input)?;
    let target = target.unwrap_or_default();
    let region = cx.region.to_string();
    let name = match (source_name, source_arn) {
        (Some(_), Some(_)) | (None, None) => return Err(AwsError::validation("Exactly one of SourceTableName or SourceTableArn must be specified")),
        (Some(n), None) => n.to_string(),
        (None, Some(arn)) => {
            let prefix = cx.account.arn("dynamodb", &region, "table/");
            match arn.strip_prefix(&prefix) {
                Some(n) if !n.contains('/') && !n.is_empty() => n.to_string(),
                _ => return Err(table_not_found(arn)),
            }
        }
    };
    let t_ms = match (when, latest) {
        (Some(_), Some(true)) => return Err(AwsError::validation("Only one of RestoreDateTime or UseLatestRestorableTime can be specified")),
        (None, Some(true)) => None,
        (Some(t), _) => Some(t),
        (None, _) => return Err(AwsError::validation("Either RestoreDateTime or UseLatestRestorableTime must be specified")),
    };
    let source = db.tables(&region).and_then(|t| t.get(&name)).filter(|t| t.meta.status != TableStatus::Deleting).ok_or_else(|| table_not_found(&name))?;
    let (earliest, latest_ms) = source.pitr.window(cx.now_ms).ok_or_else(|| pitr_unavailable(&name))?;
    let t_ms = t_ms.unwrap_or(latest_ms);
    if t_ms < earliest || t_ms > latest_ms {
        return Err(invalid_restore_time(earliest, latest_ms));
    }
    super::restore::check_target(db, &region, target)?;
    let source = db.tables(&region).and_then(|t| t.get(&name)).ok_or_else(|| table_not_found(&name))?;
    let items = items_at(source, cx.now_ms, t_ms)?;
    let meta = source.meta.clone();
    let summary = RestoreSummary { source_backup_arn: None, source_table_arn: Some(meta.arn.clone()), restore_ms: t_ms, in_progress: true };
    let description = super::restore::create_restored(db, cx, &meta, items, target, &overrides, summary)?;
    Ok(json!({"TableDescription": description}))
}

// ---- Control operations (the UI's timeline preview, tests) ----

fn control_table<'a>(db: &'a DynamoDb, cx: &Cx, input: &Value) -> Result<&'a Table, AwsError> {
    let name = input.get("TableName").and_then(Value::as_str).ok_or_else(|| AwsError::validation("TableName is required"))?;
    db.tables(cx.region).and_then(|t| t.get(name)).filter(|t| t.meta.status != TableStatus::Deleting).ok_or_else(|| table_not_found(name))
}

fn control_time(input: &Value, member: &str) -> Result<i64, AwsError> {
    super::restore::timestamp_ms(input.get(member).ok_or_else(|| AwsError::validation(format!("{member} is required")))?, member)
}

/// `dynamodb:GetItemsAt {TableName, Time (epoch s), Limit?}`: the table's items as of `Time`
/// ([`items_at`]), at most `Limit` (default 100), and `Count`, how many there were.
pub fn control_items_at(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let table = control_table(db, cx, input)?;
    let t = control_time(input, "Time")?;
    let limit = input.get("Limit").and_then(Value::as_u64).unwrap_or(100) as usize;
    let items = items_at(table, cx.now_ms, t)?;
    let count = items.len();
    let list: Vec<Value> = items.iter().take(limit).map(|(_, i)| super::value::item_to_json(i)).collect();
    Ok(json!({"Items": list, "Count": count}))
}

/// `dynamodb:GetChangesBetween {TableName, From, To (epoch s)}`: [`changes_between`] as
/// `{"Changes": [{"Keys", "OldImage"?, "NewImage"?}]}`.
pub fn control_changes_between(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let table = control_table(db, cx, input)?;
    let (from, to) = (control_time(input, "From")?, control_time(input, "To")?);
    let changes = changes_between(table, cx.now_ms, from, to)?;
    let list: Vec<Value> = changes
        .iter()
        .map(|c| {
            let mut v = json!({"Keys": super::value::item_to_json(&table.meta.key_schema.key_map(&c.key))});
            if let Some(o) = &c.old {
                v["OldImage"] = super::value::item_to_json(o);
            }
            if let Some(n) = &c.new {
                v["NewImage"] = super::value::item_to_json(n);
            }
            v
        })
        .collect();
    Ok(json!({"Changes": list}))
}
