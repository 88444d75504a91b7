//! Time to Live: UpdateTimeToLive, DescribeTimeToLive, and the background process that deletes
//! expired items on the virtual clock.
//!
//! A table's TTL setting is its own record, `dynamodb/{region}/table/{name}/ttl` (JSON), so
//! DescribeTable does not show it, as on AWS. A change passes through ENABLING or DISABLING for
//! [`TRANSITION_MS`] of virtual time; another change within [`CHANGE_INTERVAL_MS`] of the last is
//! refused.
//!
//! Deletion is lazy, as on AWS: an expired item stays readable (GetItem, Query, Scan return it)
//! until the TTL process deletes it. AWS deletes "typically within a few days"; the sandbox
//! deletes an item at the first pass at least [`DELETE_DELAY_MS`] (five minutes) after it expires,
//! and passes run on whole virtual minutes, so an item is gone between five and six virtual
//! minutes after its expiry time. Only an item whose TTL attribute is a Number (epoch seconds)
//! expires; a value more than five years in the past ([`MAX_AGE_MS`]) is never deleted. The
//! deletes go through [`streams::delete_item_as`] as DynamoDB's own (`Origin::Service`): indexes
//! follow, the stream gets a REMOVE record with `userIdentity`, and no capacity is consumed.
//!
//! The process costs nothing on tables without TTL: a table with TTL ENABLED keeps a queue of
//! keys bucketed by the pass that will delete them, built when TTL turns ENABLED (and rebuilt
//! after a reload when first needed); each write appends its key (flattened, most without an
//! allocation) to its pass's bucket, and one timer per table is due at the next pass that has
//! something to delete. Queue entries are checked against the item when their pass comes (an
//! item renewed or deleted since leaves a stale entry behind, dropped then).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    input::{required_table_name, Constraints, Input},
    resource_in_use, resource_not_found,
    streams::{self, Origin},
    table::{KeyBytes, Table, TableStatus},
    table_key,
    value::{AttributeValue, Item},
    DynamoDb,
};
use crate::kernel::{error::AwsError, scheduler::Timer, service::Cx};

/// Virtual time a table's TTL spends ENABLING or DISABLING.
pub const TRANSITION_MS: i64 = 5_000;
/// "Any additional UpdateTimeToLive calls for the same table during this one hour duration
/// result in a ValidationException."
pub const CHANGE_INTERVAL_MS: i64 = 3_600_000;
/// How long after its expiry an item becomes due for deletion.
pub const DELETE_DELAY_MS: i64 = 5 * 60_000;
/// Passes run on whole virtual minutes.
pub const PASS_GRID_MS: i64 = 60_000;
/// Items whose expiry is more than five years in the past are not deleted.
pub const MAX_AGE_MS: i64 = 5 * 365 * 86_400_000;

pub const SETTLE_ACTION: &str = "ttl-settle";
pub const PASS_ACTION: &str = "ttl-pass";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TtlStatus {
    Enabling,
    Enabled,
    Disabling,
    #[default]
    Disabled,
}

impl TtlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TtlStatus::Enabling => "ENABLING",
            TtlStatus::Enabled => "ENABLED",
            TtlStatus::Disabling => "DISABLING",
            TtlStatus::Disabled => "DISABLED",
        }
    }
}

/// A table's TTL setting, the record `dynamodb/{region}/table/{name}/ttl`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TtlState {
    pub status: TtlStatus,
    /// The attribute while ENABLING, ENABLED or DISABLING (AWS forgets it once DISABLED).
    pub attribute_name: Option<String>,
    /// When UpdateTimeToLive last changed the setting.
    pub changed_ms: Option<i64>,
    /// The due time of the pending pass, if one is scheduled.
    pub pass_at: Option<i64>,
}

/// A table's TTL: the setting, and the derived queue of expiries (never persisted).
#[derive(Debug, Clone, Default)]
pub struct TableTtl {
    pub state: TtlState,
    /// Keys by the due time of the pass that deletes them; None until built.
    queue: Option<Queue>,
    /// Due times of this table's pass timers still pending (since the last load), so a pass
    /// brought forward and then back does not schedule a second timer for the same time.
    timers: BTreeSet<i64>,
}

pub(crate) fn ttl_key(region: &str, table: &str) -> String {
    format!("{}/ttl", table_key(region, table))
}

/// An item's expiry in milliseconds since the epoch, if its `attribute` is a Number a pass
/// could ever delete (positive and below 10^15 seconds; the five-year rule is applied by time).
pub fn expiry_ms(item: &Item, attribute: &str) -> Option<i64> {
    let Some(AttributeValue::N(n)) = super::value::attribute(item, attribute) else {
        return None;
    };
    // sign × 0.d1d2… × 10^exp seconds; milliseconds are the first exp + 3 digits.
    let (negative, digits, exp) = n.parts();
    if negative || digits.is_empty() || exp > 15 {
        return None;
    }
    let places = exp + 3;
    if places <= 0 {
        return Some(0);
    }
    let mut ms: i64 = 0;
    for i in 0..places as usize {
        ms = ms * 10 + i64::from(digits.get(i).copied().unwrap_or(0));
    }
    Some(ms)
}

/// The pass that deletes an item expiring at `expiry_ms`.
fn pass_due(expiry_ms: i64) -> i64 {
    let t = expiry_ms.saturating_add(DELETE_DELAY_MS);
    t.saturating_add(PASS_GRID_MS - 1).div_euclid(PASS_GRID_MS).saturating_mul(PASS_GRID_MS)
}

/// Keys by pass due time, and how many entries in all.
#[derive(Debug, Clone, Default)]
struct Queue {
    passes: BTreeMap<i64, Vec<KeyBytes>>,
    len: usize,
}

impl Queue {
    fn push(&mut self, due: i64, key: KeyBytes) {
        self.passes.entry(due).or_default().push(key);
        self.len += 1;
    }

    fn next_due(&self) -> Option<i64> {
        self.passes.keys().next().copied()
    }
}

impl TableTtl {
    /// The attribute items expire by, while TTL is ENABLED.
    fn enabled_attribute(&self) -> Option<&str> {
        (self.state.status == TtlStatus::Enabled).then_some(self.state.attribute_name.as_deref()).flatten()
    }

    fn build(table: &Table, attribute: &str, now_ms: i64) -> Queue {
        let mut q = Queue::default();
        for (k, item) in table.items.iter() {
            if let Some(e) = expiry_ms(item, attribute).filter(|e| *e >= now_ms - MAX_AGE_MS) {
                q.push(pass_due(e), KeyBytes::of(k));
            }
        }
        q
    }
}

/// The pass an item written now is queued for: None when TTL is not ENABLED, the item has no
/// expiry, or its expiry is too old to count.
#[inline]
pub(crate) fn due_of(table: &Table, now_ms: i64, item: &Item) -> Option<i64> {
    let attribute = table.ttl.enabled_attribute()?;
    let expiry = expiry_ms(item, attribute)?;
    (expiry >= now_ms - MAX_AGE_MS).then(|| pass_due(expiry))
}

/// Called for every item write (see [`streams::put_item`]) with [`due_of`] the item written
/// and of the item it replaced: queues the item's expiry and brings the table's next pass
/// forward if it is due sooner. A replaced item queued for the same pass, still to come, is
/// already in the queue under this key: an overwrite that keeps the expiry's minute adds
/// nothing.
#[inline]
pub(crate) fn on_put(table: &mut Table, cx: &mut Cx, region: &str, key: &KeyBytes, due: Option<i64>, replaced_due: Option<i64>) {
    let Some(due) = due else { return };
    let queued = replaced_due == Some(due) && due > cx.now_ms;
    if let Some(queue) = table.ttl.queue.as_mut().filter(|_| !queued) {
        queue.push(due, key.clone());
        // Stale entries (renewed or deleted items) are dropped when their pass comes; a queue
        // much larger than the table is rebuilt so overwrites cannot grow it without bound.
        if queue.len > 2 * table.items.len() + 1024 {
            table.ttl.queue = None;
        }
    }
    if table.ttl.state.pass_at.is_none_or(|at| due < at) {
        schedule_pass(table, cx, region, due);
    }
}

fn schedule_pass(table: &mut Table, cx: &mut Cx, region: &str, due: i64) {
    table.ttl.state.pass_at = Some(due);
    if table.ttl.timers.insert(due) {
        cx.schedule(due, json!({"action": PASS_ACTION, "table": table.meta.name, "tableId": table.meta.id}));
    }
    cx.journal.put_json(ttl_key(region, &table.meta.name), &table.ttl.state);
}

/// The settle timer: ENABLING → ENABLED (and the first pass, if an item is already due) or
/// DISABLING → DISABLED.
pub(crate) fn settle(table: &mut Table, cx: &mut Cx, region: &str) {
    match table.ttl.state.status {
        TtlStatus::Enabling => {
            table.ttl.state.status = TtlStatus::Enabled;
            table.ttl.state.pass_at = None;
            let attribute = table.ttl.state.attribute_name.clone().unwrap_or_default();
            let queue = TableTtl::build(table, &attribute, cx.now_ms);
            let next = queue.next_due();
            table.ttl.queue = Some(queue);
            match next {
                Some(due) => schedule_pass(table, cx, region, due.max(cx.now_ms)),
                None => cx.journal.put_json(ttl_key(region, &table.meta.name), &table.ttl.state),
            }
        }
        TtlStatus::Disabling => {
            table.ttl.state = TtlState { status: TtlStatus::Disabled, attribute_name: None, changed_ms: table.ttl.state.changed_ms, pass_at: None };
            table.ttl.queue = None;
            cx.journal.put_json(ttl_key(region, &table.meta.name), &table.ttl.state);
        }
        TtlStatus::Enabled | TtlStatus::Disabled => {}
    }
}

/// A pass of the TTL process over one table: deletes every item whose expiry is at least
/// [`DELETE_DELAY_MS`] old (and not more than five years), as DynamoDB's own deletes, then
/// schedules the next pass.
pub(crate) fn pass(db: &mut DynamoDb, cx: &mut Cx, timer: &Timer) {
    let region = cx.region.to_string();
    let name = timer.payload.get("table").and_then(Value::as_str).unwrap_or_default();
    let id = timer.payload.get("tableId").and_then(Value::as_str).unwrap_or_default();
    // A replica still being created (it has the group's setting) takes its pass a minute later.
    if let Some(t) = db.tables_mut(&region).get_mut(name).filter(|t| t.meta.id == id && t.meta.status == TableStatus::Creating) {
        t.ttl.timers.remove(&timer.due_ms);
        if t.ttl.state.pass_at == Some(timer.due_ms) {
            schedule_pass(t, cx, &region, timer.due_ms + PASS_GRID_MS);
        }
        return;
    }
    // A global table's expired items are deleted by one member, and the deletes replicate.
    let deletes_here = super::global::runs_ttl(db, &region, name);
    let Ok((table, streams)) = db.table_for_write(&region, name) else { return };
    if table.meta.id != id {
        return;
    }
    table.ttl.timers.remove(&timer.due_ms);
    if table.ttl.state.pass_at != Some(timer.due_ms) {
        return;
    }
    table.ttl.state.pass_at = None;
    let Some(attribute) = table.ttl.enabled_attribute().map(str::to_string) else {
        cx.journal.put_json(ttl_key(&region, name), &table.ttl.state);
        return;
    };
    let now = cx.now_ms;
    let mut queue = match table.ttl.queue.take() {
        Some(q) => q,
        None => TableTtl::build(table, &attribute, now),
    };
    let mut due_keys = Vec::new();
    while let Some(entry) = queue.passes.first_entry().filter(|e| *e.key() <= now) {
        let keys = entry.remove();
        queue.len -= keys.len();
        for k in keys {
            let Some(item) = table.items.get_by_bytes(&k) else { continue };
            let due = expiry_ms(item, &attribute).filter(|e| *e >= now - MAX_AGE_MS).map(pass_due);
            if due.is_some_and(|d| d <= now) {
                if let Ok(key) = table.meta.key_schema.key_of_item(item) {
                    due_keys.push(key);
                }
            }
        }
    }
    if !deletes_here && !due_keys.is_empty() {
        // Another member deletes them; look again next minute in case that delete never comes
        // (its region is down, or it left the group).
        let again = now - now.rem_euclid(PASS_GRID_MS) + PASS_GRID_MS;
        for key in due_keys.drain(..) {
            queue.push(again, KeyBytes::of(&key));
        }
    }
    let next = queue.next_due();
    table.ttl.queue = Some(queue);
    for key in &due_keys {
        // (A key queued twice was deleted the first time.)
        streams::delete_item_as(table, streams, cx, &region, key, Origin::Service);
    }
    match next {
        Some(due) => schedule_pass(table, cx, &region, due.max(now + 1)),
        None => cx.journal.put_json(ttl_key(&region, name), &table.ttl.state),
    }
}

fn table_name(input: &Input) -> Result<String, AwsError> {
    let name = required_table_name(input.string("TableName")?)?;
    Ok(name.to_string())
}

fn not_found(name: &str) -> AwsError {
    resource_not_found(format!("Requested resource not found: Table: {name} not found"))
}

fn description(state: &TtlState) -> Value {
    let mut d = json!({"TimeToLiveStatus": state.status.as_str()});
    if let Some(a) = state.attribute_name.as_ref().filter(|_| state.status != TtlStatus::Disabled) {
        d["AttributeName"] = json!(a);
    }
    d
}

pub fn describe_time_to_live(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = table_name(&input)?;
    let mut c = Constraints::default();
    c.name(Some(&name), "tableName");
    c.finish()?;
    let table = db.tables(cx.region).and_then(|t| t.get(&name)).ok_or_else(|| not_found(&name))?;
    if matches!(table.meta.status, TableStatus::Creating | TableStatus::Deleting) {
        return Err(AwsError::validation(format!("Cannot describe time to live while table is in {} state", table.meta.status.as_str())));
    }
    Ok(json!({"TimeToLiveDescription": description(&table.ttl.state)}))
}

pub fn update_time_to_live(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = table_name(&input)?;
    let spec = input.structure("TimeToLiveSpecification", "TimeToLiveSpecification")?;
    let (enabled, attribute) = match &spec {
        Some(s) => (s.boolean("Enabled")?, s.string("AttributeName")?),
        None => (None, None),
    };
    let mut c = Constraints::default();
    c.name(Some(&name), "tableName");
    c.not_null(spec.as_ref(), "timeToLiveSpecification");
    if spec.is_some() {
        c.not_null(attribute, "timeToLiveSpecification.attributeName");
        if let Some(a) = attribute {
            if a.is_empty() {
                c.add(Some(a), "timeToLiveSpecification.attributeName", "Member must have length greater than or equal to 1");
            }
            if a.len() > 255 {
                c.add(Some(a), "timeToLiveSpecification.attributeName", "Member must have length less than or equal to 255");
            }
        }
        c.not_null(enabled, "timeToLiveSpecification.enabled");
    }
    c.finish()?;
    let (Some(enabled), Some(attribute)) = (enabled, attribute) else {
        return Err(AwsError::validation("The parameter 'TimeToLiveSpecification' is required but was not present in the request"));
    };
    let region = cx.region.to_string();
    let table = db.tables_mut(&region).get_mut(&name).ok_or_else(|| not_found(&name))?;
    match table.meta.status {
        TableStatus::Creating => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being created: {name}"))),
        TableStatus::Deleting => return Err(not_found(&name)),
        TableStatus::Active | TableStatus::Updating => {}
    }
    let state = &table.ttl.state;
    // What the request asks, checked before the rate of changes, as AWS does.
    let active = matches!(state.status, TtlStatus::Enabled | TtlStatus::Enabling);
    let current = state.attribute_name.as_deref().unwrap_or_default();
    if active && current != attribute {
        return Err(AwsError::validation(format!("TimeToLive is active on a different AttributeName: current AttributeName is {current}")));
    }
    if enabled && active {
        return Err(AwsError::validation("TimeToLive is already enabled"));
    }
    if !enabled && !active {
        return Err(AwsError::validation("TimeToLive is already disabled"));
    }
    if state.changed_ms.is_some_and(|at| cx.now_ms < at.saturating_add(CHANGE_INTERVAL_MS)) {
        return Err(AwsError::validation("Time to live has been modified multiple times within a fixed interval"));
    }
    table.ttl.state = TtlState {
        status: if enabled { TtlStatus::Enabling } else { TtlStatus::Disabling },
        attribute_name: Some(attribute.to_string()),
        changed_ms: Some(cx.now_ms),
        pass_at: None,
    };
    table.ttl.queue = None;
    cx.journal.put_json(ttl_key(&region, &name), &table.ttl.state);
    cx.schedule(cx.now_ms + TRANSITION_MS, json!({"action": SETTLE_ACTION, "table": name, "tableId": table.meta.id}));
    // "With global tables, you can configure TTL in any Region, and the setting is
    // automatically replicated to other Regions that are associated with the global table."
    super::global::sync_ttl(db, cx, &region, &name);
    Ok(json!({"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}))
}

/// Gives `table` (in `cx`'s region) another member's TTL setting, as global tables keep one
/// setting for every replica: a transition settles when the other's does, an ENABLED setting
/// queues the items already there and schedules their pass.
pub(crate) fn adopt(table: &mut Table, cx: &mut Cx, state: &TtlState) {
    let region = cx.region.to_string();
    table.ttl.state = TtlState { pass_at: None, ..state.clone() };
    table.ttl.queue = None;
    match state.status {
        TtlStatus::Enabling | TtlStatus::Disabling => {
            let at = state.changed_ms.map_or(cx.now_ms, |c| c + TRANSITION_MS).max(cx.now_ms);
            cx.journal.put_json(ttl_key(&region, &table.meta.name), &table.ttl.state);
            cx.schedule(at, json!({"action": SETTLE_ACTION, "table": table.meta.name, "tableId": table.meta.id}));
        }
        TtlStatus::Enabled => {
            let attribute = state.attribute_name.clone().unwrap_or_default();
            let queue = TableTtl::build(table, &attribute, cx.now_ms);
            let next = queue.next_due();
            table.ttl.queue = Some(queue);
            match next {
                Some(due) => schedule_pass(table, cx, &region, due.max(cx.now_ms)),
                None => cx.journal.put_json(ttl_key(&region, &table.meta.name), &table.ttl.state),
            }
        }
        TtlStatus::Disabled if save(table).is_some() => cx.journal.put_json(ttl_key(&region, &table.meta.name), &table.ttl.state),
        TtlStatus::Disabled => cx.journal.delete(ttl_key(&region, &table.meta.name)),
    }
}

/// Loads the TTL record of a table already loaded.
pub(crate) fn load(table: &mut Table, value: &[u8]) -> Result<(), String> {
    table.ttl.state = serde_json::from_slice(value).map_err(|e| e.to_string())?;
    table.ttl.queue = None;
    Ok(())
}

/// The TTL record of a table, unless it never had TTL set.
pub(crate) fn save(table: &Table) -> Option<Vec<u8>> {
    (table.ttl.state != TtlState::default()).then(|| serde_json::to_vec(&table.ttl.state).unwrap_or_default())
}
