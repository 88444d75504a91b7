//! Global tables, version 2019.11.21 (Current): UpdateTable `ReplicaUpdates` (Create, Update,
//! Delete), `Replicas` and `GlobalTableVersion` in DescribeTable, and the replication itself.
//!
//! **A replica is a table** in another region with the same name, key schema, attributes and
//! secondary indexes (its own ARN, TableId, stream and deletion protection; tags are not
//! copied). Adding one copies the table's items into it at once; the new replica is CREATING
//! (and the table UPDATING) for [`REPLICA_CREATE_MS`] plus a millisecond per item, then both are
//! ACTIVE. Each member keeps the list of the *other* members (what DescribeTable's `Replicas`
//! shows, as AWS shows it) in its own record `dynamodb/{region}/table/{name}/global`. Adding a
//! replica enables the table's stream with NEW_AND_OLD_IMAGES when it is off (as the console and
//! UpdateTable do); a stream with another view type is refused. AWS requires a global table to be
//! on-demand or provisioned *with write auto scaling*: for a provisioned table, UpdateTable asks
//! Application Auto Scaling (DescribeScalableTargets, through a `Step::Call`) whether the table's
//! write capacity is a scalable target, and answers AWS's message when it is not. A provisioned
//! replica gets the table's capacity, or its own read capacity (ProvisionedThroughputOverride,
//! per GSI in `GlobalSecondaryIndexes`, also later through an Update action; kept in the member's
//! settings and shown in DescribeTable's `Replicas`); the auto scaling settings are not copied to
//! it. **Synchronized settings**: an UpdateTable of any member that changes the billing mode,
//! the throughput or the GSIs (create, update, delete) is applied to every member (see
//! [`synchronized`]): write capacity the same everywhere, read capacity too except where a member
//! has its own; every member must be ACTIVE and reachable first. The stream cannot be changed
//! while the table has replicas (it carries the replication). Deletion protection, encryption
//! and the table class stay per member. Departure: AWS asks a provisioned global table for write
//! auto scaling when a replica is added; switching an existing global table to provisioned is
//! not checked that way. The 2017.11.29 (Legacy) operations are refused with a message naming
//! the version.
//!
//! **Replication is asynchronous, two-way, on the virtual clock.** Every item write (PutItem,
//! UpdateItem, DeleteItem, batches, transactions, PartiQL, Time to Live deletes: the capture point
//! of [`super::streams::put_item`] / `delete_item_as`) in a member goes to an outbox (journaled,
//! `.../global/out/{id}`, so a reload in the middle of the lag loses nothing) naming every other
//! member. A timer per table delivers each change [`DEFAULT_LAG_MS`] after it was made (the
//! table's lag, `dynamodb:SetReplicationLag`), in order. A delivered change is written through
//! the ordinary write path of the other region, so it shows in that replica's stream (a TTL
//! delete arrives as an ordinary REMOVE, without `userIdentity`), and is not captured again (no
//! ping-pong). Replicated writes consume write units in the receiving table (AWS's replicated
//! write units), counted in its metrics, never throttled.
//!
//! **Conflicts: last writer wins.** Each member keeps, per item, the stamp of the last write it
//! holds: (time of the write in ms, region it was made in), journaled as
//! `.../global/ts/{key hex}` and kept after a delete (a tombstone), so an older change arriving
//! late is discarded. Ties in the millisecond go to the greater region name (`us-west-2` beats
//! `us-east-1`). A change whose writer had not seen the receiver's current version of the item
//! (their stamps differ) is a *conflict*: recorded in the replication events, won or lost.
//!
//! **Region outages** (`dynamodb:SetRegionAvailability`): every DynamoDB and DynamoDB Streams
//! request to a region that is down is answered HTTP 503 `ServiceUnavailable` (DynamoDB's
//! documented 5xx for "DynamoDB is currently unavailable"), changes made elsewhere queue for it
//! and its own outboxes hold; when it returns, queued changes are applied in order (last writer
//! still wins) and it sends what it held. The outage is a record, `dynamodb/{region}/outage`.
//! `dynamodb:DescribeReplication` reports per member region its availability, status, items,
//! changes pending for it and its recent replication events (the last 50 per member, each a
//! record `.../global/ev/{seq}`, so a reload keeps the story of a conflict).
//!
//! TTL is one setting for the group, and one member deletes expired items (see [`runs_ttl`]).
//!
//! Departures: tombstones (the stamps of deleted items) are kept for the life of the table; a DeleteItem of an
//! item a region does not hold writes nothing there and so replicates nothing; a replicated write
//! is billed at the receiving region's write-unit price (AWS: replicated write units).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    capacity::Consumed,
    codec,
    index::IndexStatus,
    input::{Constraints, Input},
    key::PrimaryKey,
    resource_in_use, resource_not_found, streams,
    table::{epoch_seconds, BillingMode, KeyBytes, StreamState, Table, TableMeta, TableStatus},
    table_key,
    throttle::Access,
    value::{item_from_json, item_to_json},
    DynamoDb, ERROR_NAMESPACE, TABLE_TRANSITION_MS,
};
use crate::kernel::{
    account::Account,
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Step},
    scheduler::Timer,
    service::Cx,
    Request,
};

pub const GLOBAL_TABLE_VERSION: &str = "2019.11.21";
/// AWS: replication "typically within a second".
pub const DEFAULT_LAG_MS: i64 = 1_000;
/// Time a new replica spends CREATING, before a millisecond per item copied.
pub const REPLICA_CREATE_MS: i64 = 5_000;
/// The longest lag `dynamodb:SetReplicationLag` accepts: an hour.
pub const MAX_LAG_MS: i64 = 3_600_000;
/// Replication events kept per replica table.
const EVENTS_KEPT: usize = 50;

pub const DELIVER_ACTION: &str = "global-deliver";
pub const SETTLE_ACTION: &str = "global-settle";

/// Another member of a table's replication group, as DescribeTable lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Replica {
    pub region: String,
    /// CREATING, ACTIVE, UPDATING or DELETING.
    pub status: String,
}

/// The record `dynamodb/{region}/table/{name}/global`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// The other members, in the order they joined.
    pub replicas: Vec<Replica>,
    pub lag_ms: i64,
    /// This member's own read capacity (ProvisionedThroughputOverride), kept when the group's
    /// throughput changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_override: Option<i64>,
    /// This member's own read capacity per GSI (GlobalSecondaryIndexes overrides).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub index_read_overrides: BTreeMap<String, i64>,
}

/// The stamp of a write: when, and in which region. Ordered by time, then region name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Stamp {
    pub at_ms: i64,
    pub region: String,
}

/// A change waiting to be applied in other regions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Outgoing {
    #[serde(skip)]
    id: u64,
    at_ms: i64,
    /// The region the write was made in.
    origin: String,
    /// The key attributes (DynamoDB JSON).
    keys: Value,
    /// The item after the write (DynamoDB JSON); None: deleted.
    new: Option<Value>,
    /// The item's stamp in the origin before this write: what the writer had seen.
    prev: Option<Stamp>,
    /// Regions still to apply it.
    targets: Vec<String>,
}

/// One change applied (or discarded) in a replica: what the UI draws between the lanes. The
/// record `.../global/ev/{seq}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(skip)]
    pub seq: u64,
    pub applied_ms: i64,
    pub written_ms: i64,
    pub from: String,
    pub to: String,
    pub keys: Value,
    pub new: Option<Value>,
    pub applied: bool,
    pub conflict: bool,
    /// The stamp that won when the change was discarded.
    pub winner: Option<Stamp>,
}

/// A table's part in a global table.
#[derive(Debug, Clone, Default)]
pub struct TableGlobal {
    /// None: not a global table.
    pub settings: Option<Settings>,
    /// True while the table has replicas: writes are captured. The only thing a write of a
    /// table that is not global looks at.
    pub on: bool,
    outbox: VecDeque<Outgoing>,
    next_id: u64,
    /// When the pending delivery timer is due (runtime).
    deliver_at: Option<i64>,
    /// The last write of each item this table holds (deletes included), with the item's key
    /// attributes (DynamoDB JSON, for the record a deleted item's stamp keeps).
    stamps: HashMap<KeyBytes, (Stamp, Value), foldhash::fast::FixedState>,
    /// Recent changes received, newest first.
    pub events: VecDeque<Event>,
    next_event: u64,
}

impl TableGlobal {
    fn refresh(&mut self) {
        self.on = self.settings.as_ref().is_some_and(|s| !s.replicas.is_empty());
    }

    fn lag_ms(&self) -> i64 {
        self.settings.as_ref().map_or(DEFAULT_LAG_MS, |s| s.lag_ms)
    }

    fn regions(&self) -> Vec<String> {
        self.settings.as_ref().map(|s| s.replicas.iter().map(|r| r.region.clone()).collect()).unwrap_or_default()
    }

    /// Changes in the outbox still to be applied in `region`.
    pub fn pending_for(&self, region: &str) -> usize {
        self.outbox.iter().filter(|e| e.targets.iter().any(|t| t == region)).count()
    }
}

fn settings_key(region: &str, table: &str) -> String {
    format!("{}/global", table_key(region, table))
}

fn out_key(region: &str, table: &str, id: u64) -> String {
    format!("{}/global/out/{id:016x}", table_key(region, table))
}

fn event_key(region: &str, table: &str, seq: u64) -> String {
    format!("{}/global/ev/{seq:016x}", table_key(region, table))
}

fn stamp_key(region: &str, table: &str, key: &PrimaryKey) -> String {
    format!("{}/global/ts/{}", table_key(region, table), flat_hex(&KeyBytes::of(key)))
}

/// A stamp record's key suffix: the flattened key in hex (unique per key).
fn flat_hex(flat: &KeyBytes) -> String {
    flat.as_slice().iter().map(|b| format!("{b:02x}")).collect()
}

fn stamp_value(s: &Stamp, keys: &Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"keys": keys, "at": s.at_ms, "region": s.region})).unwrap_or_default()
}

pub(crate) fn outage_key(region: &str) -> String {
    format!("dynamodb/{region}/outage")
}

fn invalid(msg: &str) -> AwsError {
    AwsError::validation(format!("One or more parameter values were invalid: {msg}"))
}

/// The error every request to a region that is down gets.
pub(crate) fn check_available(db: &DynamoDb, region: &str) -> Result<(), AwsError> {
    if db.outages.contains(region) {
        return Err(AwsError::new(ERROR_NAMESPACE, "ServiceUnavailable", "DynamoDB is currently unavailable. (This should be a temporary state.)", 503));
    }
    Ok(())
}

/// A context like `cx` for work in another region (a replica's writes, its timers).
fn in_region<R>(cx: &mut Cx, region: &str, f: impl FnOnce(&mut Cx) -> R) -> R {
    let mut sub = Cx {
        now_ms: cx.now_ms,
        account: cx.account,
        region,
        rng: &mut *cx.rng,
        journal: &mut *cx.journal,
        scheduler: &mut *cx.scheduler,
        service: cx.service,
        endpoint: cx.endpoint,
        code_depth: cx.code_depth,
        code_function: cx.code_function,
        caller: cx.caller,
        effects: &mut *cx.effects,
    };
    f(&mut sub)
}

/// Adds `GlobalTableVersion` and `Replicas` to a TableDescription.
pub fn describe(g: &TableGlobal, d: &mut Value) {
    let Some(s) = g.settings.as_ref().filter(|s| !s.replicas.is_empty()) else { return };
    d["GlobalTableVersion"] = json!(GLOBAL_TABLE_VERSION);
    d["Replicas"] = s.replicas.iter().map(|r| json!({"RegionName": r.region, "ReplicaStatus": r.status})).collect();
}

/// Adds each listed replica's own read capacity (ProvisionedThroughputOverride, per GSI too) to
/// DescribeTable's `Replicas`, as AWS's ReplicaDescription shows them.
pub fn describe_overrides(db: &DynamoDb, name: &str, d: &mut Value) {
    let Some(list) = d.get_mut("Replicas").and_then(Value::as_array_mut) else { return };
    for r in list {
        let region = r.get("RegionName").and_then(Value::as_str).unwrap_or_default().to_string();
        let Some(s) = db.tables(&region).and_then(|t| t.get(name)).and_then(|t| t.global.settings.as_ref()) else { continue };
        if let Some(read) = s.read_override {
            r["ProvisionedThroughputOverride"] = json!({"ReadCapacityUnits": read});
        }
        if !s.index_read_overrides.is_empty() {
            r["GlobalSecondaryIndexes"] =
                s.index_read_overrides.iter().map(|(i, read)| json!({"IndexName": i, "ProvisionedThroughputOverride": {"ReadCapacityUnits": read}})).collect();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Capture and delivery

/// Called for every item write of a table with replicas (see [`super::streams::put_item`]),
/// after the write: stamps the item and queues the change for every other member.
pub(crate) fn capture(table: &mut Table, cx: &mut Cx, region: &str, key: &PrimaryKey, flat: &KeyBytes) {
    let new = table.items.get_by_bytes(flat).map(item_to_json);
    let g = &mut table.global;
    // A write supersedes the version it replaced, even from a timer that fires late (its virtual
    // now is its due time): never stamped older than what it overwrote.
    let at_ms = match g.stamps.get(flat) {
        Some((p, _)) if p.at_ms >= cx.now_ms && p.region.as_str() > region => p.at_ms + 1,
        Some((p, _)) if p.at_ms >= cx.now_ms => p.at_ms,
        _ => cx.now_ms,
    };
    let stamp = Stamp { at_ms, region: region.to_string() };
    let keys = item_to_json(&table.meta.key_schema.key_map(key));
    let prev = g.stamps.insert(flat.clone(), (stamp.clone(), keys.clone())).map(|(s, _)| s);
    cx.journal.put(stamp_key(region, &table.meta.name, key), stamp_value(&stamp, &keys));
    let targets: Vec<String> = g.settings.iter().flat_map(|s| s.replicas.iter()).filter(|r| r.status != "DELETING").map(|r| r.region.clone()).collect();
    if targets.is_empty() {
        return;
    }
    let id = g.next_id;
    g.next_id += 1;
    let entry = Outgoing { id, at_ms, origin: region.to_string(), keys, new, prev, targets };
    cx.journal.put_json(out_key(region, &table.meta.name, id), &entry);
    g.outbox.push_back(entry);
    let due = at_ms.max(cx.now_ms) + g.lag_ms();
    if g.deliver_at.is_none_or(|d| d > due) {
        g.deliver_at = Some(due);
        cx.schedule(due, json!({"action": DELIVER_ACTION, "table": table.meta.name}));
    }
}

/// The delivery timer of a table (in its region): applies every change whose lag has passed to
/// each target region that is up, in order, and schedules the next delivery.
pub fn deliver(db: &mut DynamoDb, cx: &mut Cx, timer: &Timer) {
    let source = cx.region.to_string();
    let name = timer.payload.get("table").and_then(Value::as_str).unwrap_or_default().to_string();
    let source_down = db.outages.contains(&source);
    let Some(table) = db.regions.get_mut(&source).and_then(|t| t.get_mut(&name)) else { return };
    let g = &mut table.global;
    if g.deliver_at.is_some_and(|d| d > timer.due_ms) {
        return; // an earlier timer than the one pending (stale)
    }
    g.deliver_at = None;
    if source_down {
        return; // resumed by SetRegionAvailability
    }
    let lag = g.lag_ms();
    let now = cx.now_ms;
    let due: Vec<Outgoing> = g.outbox.iter().take_while(|e| e.at_ms + lag <= now).cloned().collect();
    let mut done: Vec<(u64, String)> = Vec::new();
    for e in &due {
        for target in &e.targets {
            if db.outages.contains(target) {
                continue;
            }
            apply(db, cx, &name, target, e);
            done.push((e.id, target.clone()));
        }
    }
    let Some(table) = db.regions.get_mut(&source).and_then(|t| t.get_mut(&name)) else { return };
    let g = &mut table.global;
    // The changes delivered are a prefix of the outbox: only it is touched.
    let rest = g.outbox.split_off(due.len().min(g.outbox.len()));
    for e in g.outbox.iter_mut() {
        let before = e.targets.len();
        e.targets.retain(|t| !done.iter().any(|(id, r)| *id == e.id && r == t));
        if e.targets.len() != before && !e.targets.is_empty() {
            cx.journal.put_json(out_key(&source, &name, e.id), &*e);
        }
    }
    g.outbox.retain(|e| {
        if e.targets.is_empty() {
            cx.journal.delete(out_key(&source, &name, e.id));
        }
        !e.targets.is_empty()
    });
    g.outbox.extend(rest);
    schedule_next(&mut table.global, cx, &db.outages, &name);
}

/// Schedules the delivery of the first change that has a target up, if none is pending sooner.
fn schedule_next(g: &mut TableGlobal, cx: &mut Cx, outages: &BTreeSet<String>, name: &str) {
    let lag = g.lag_ms();
    let Some(next) = g.outbox.iter().find(|e| e.targets.iter().any(|t| !outages.contains(t))).map(|e| (e.at_ms + lag).max(cx.now_ms)) else { return };
    if g.deliver_at.is_none_or(|d| d > next) {
        g.deliver_at = Some(next);
        cx.schedule(next, json!({"action": DELIVER_ACTION, "table": name}));
    }
}

/// Applies one change in `to`, last writer wins.
fn apply(db: &mut DynamoDb, cx: &mut Cx, name: &str, to: &str, e: &Outgoing) {
    let Some(target) = db.regions.get_mut(to).and_then(|t| t.get_mut(name)) else { return };
    let member = target.global.settings.as_ref().is_some_and(|s| s.replicas.iter().any(|r| r.region == e.origin));
    if target.meta.status == TableStatus::Deleting || !member {
        return; // the replica is gone: the change is dropped
    }
    let Ok(keys) = item_from_json(&e.keys) else { return };
    let Ok(key) = target.meta.key_schema.key_of_item(&keys) else { return };
    let new = match &e.new {
        Some(v) => match item_from_json(v) {
            Ok(item) => Some(item),
            Err(_) => return,
        },
        None => None,
    };
    let flat = KeyBytes::of(&key);
    let incoming = Stamp { at_ms: e.at_ms, region: e.origin.clone() };
    let existing = target.global.stamps.get(&flat).map(|(s, _)| s.clone());
    let conflict = existing != e.prev;
    let applied = existing.as_ref().is_none_or(|x| *x <= incoming);
    if applied {
        target.global.stamps.insert(flat, (incoming.clone(), e.keys.clone()));
        cx.journal.put(stamp_key(to, name, &key), stamp_value(&incoming, &e.keys));
        let old = target.items.get(&key).cloned();
        let consumed = Consumed::write(target, old.as_ref(), new.as_ref());
        // The write is the replication's own: it is not captured again.
        let on = target.global.on;
        target.global.on = false;
        let streams = &mut db.streams;
        in_region(cx, to, |cx| match new {
            Some(item) => {
                streams::put_item(target, streams, cx, to, key, item);
            }
            None => {
                streams::delete_item(target, streams, cx, to, &key);
            }
        });
        target.global.on = on;
        target.throughput.borrow_mut().take(&target.meta, cx.now_ms, Access::Write, &consumed);
    }
    let seq = target.global.next_event;
    target.global.next_event += 1;
    let event = Event {
        seq,
        applied_ms: cx.now_ms,
        written_ms: e.at_ms,
        from: e.origin.clone(),
        to: to.to_string(),
        keys: e.keys.clone(),
        new: e.new.clone(),
        applied,
        conflict,
        winner: if applied { None } else { existing },
    };
    cx.journal.put_json(event_key(to, name, seq), &event);
    target.global.events.push_front(event);
    while target.global.events.len() > EVENTS_KEPT {
        if let Some(old) = target.global.events.pop_back() {
            cx.journal.delete(event_key(to, name, old.seq));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// UpdateTable ReplicaUpdates

enum Action {
    Create { region: String, kms: Option<String>, class: Option<String>, read: Option<i64>, indexes: BTreeMap<String, i64> },
    Update { region: String, kms: Option<String>, class: Option<String>, read: Option<i64>, indexes: BTreeMap<String, i64> },
    Delete { region: String },
}

const UPDATE_TABLE_OTHERS: &[&str] = &[
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexUpdates",
    "StreamSpecification",
    "SSESpecification",
    "TableClass",
    "DeletionProtectionEnabled",
    "MultiRegionConsistency",
    "GlobalTableWitnessUpdates",
    "OnDemandThroughput",
    "WarmThroughput",
];

fn parse_action(e: &Input, path: &str) -> Result<Option<Action>, AwsError> {
    let create = e.structure("Create", "CreateReplicationGroupMemberAction")?;
    let update = e.structure("Update", "UpdateReplicationGroupMemberAction")?;
    let delete = e.structure("Delete", "DeleteReplicationGroupMemberAction")?;
    if [create.is_some(), update.is_some(), delete.is_some()].iter().filter(|b| **b).count() > 1 {
        return Err(invalid("Only one of Create, Update or Delete is allowed per ReplicationGroupUpdate"));
    }
    let (kind, s) = match (create, update, delete) {
        (Some(s), _, _) => ("create", s),
        (_, Some(s), _) => ("update", s),
        (_, _, Some(s)) => ("delete", s),
        _ => return Ok(None),
    };
    let region = s.string("RegionName")?;
    let mut c = Constraints::default();
    c.not_null(region, &format!("{path}.{kind}.regionName"));
    c.finish()?;
    let region = region.unwrap_or_default().to_string();
    if s.present().any(|m| m == "OnDemandThroughputOverride") {
        // The sandbox does not model on-demand maximum throughput (UpdateTable's OnDemandThroughput) at all.
        return Err(AwsError::validation(
            "Gureum does not implement the OnDemandThroughputOverride parameter of a replica update (nor OnDemandThroughput); remove it from the request.",
        ));
    }
    let read_override = |o: Option<Input>, at: &str| -> Result<Option<i64>, AwsError> {
        let Some(o) = o else { return Ok(None) };
        let r = o.long("ReadCapacityUnits")?;
        let mut c = Constraints::default();
        c.min(r, &format!("{at}.provisionedThroughputOverride.readCapacityUnits"), 1);
        c.finish()?;
        Ok(r)
    };
    let read = read_override(s.structure("ProvisionedThroughputOverride", "ProvisionedThroughputOverride")?, &format!("{path}.{kind}"))?;
    let mut indexes = BTreeMap::new();
    if kind != "delete" {
        let list = s.list("GlobalSecondaryIndexes")?;
        for (i, g) in list.map(|l| Input::elements(l, "ReplicaGlobalSecondaryIndex")).transpose()?.unwrap_or_default().iter().enumerate() {
            let at = format!("{path}.{kind}.globalSecondaryIndexes.{}.member", i + 1);
            if g.present().any(|m| m == "OnDemandThroughputOverride") {
                return Err(AwsError::validation(
                    "Gureum does not implement the OnDemandThroughputOverride parameter of a replica update (nor OnDemandThroughput); remove it from the request.",
                ));
            }
            let index = g.string("IndexName")?;
            let mut c = Constraints::default();
            c.not_null(index, &format!("{at}.indexName"));
            c.name(index, &format!("{at}.indexName"));
            c.finish()?;
            if let Some(r) = read_override(g.structure("ProvisionedThroughputOverride", "ProvisionedThroughputOverride")?, &at)? {
                indexes.insert(index.unwrap_or_default().to_string(), r);
            }
        }
    }
    let kms = s.string("KMSMasterKeyId")?.map(str::to_string);
    let class = match s.string("TableClassOverride")? {
        None => None,
        Some(c @ ("STANDARD" | "STANDARD_INFREQUENT_ACCESS")) => Some(c.to_string()),
        Some(_) => {
            return Err(AwsError::validation("Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."))
        }
    };
    Ok(Some(match kind {
        "create" => Action::Create { region, kms, class, read, indexes },
        "update" => Action::Update { region, kms, class, read, indexes },
        _ => {
            if kms.is_some() || class.is_some() || read.is_some() {
                return Err(invalid("DeleteReplicationGroupMemberAction takes only RegionName"));
            }
            Action::Delete { region }
        }
    }))
}

/// UpdateTable with `ReplicaUpdates` from `call_step`: a replica of a provisioned table needs
/// write auto scaling, which Application Auto Scaling knows: asked first (see [`resume`]).
pub fn update_replicas_step(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Step, AwsError> {
    let name = input.get("TableName").and_then(Value::as_str).unwrap_or_default();
    let creates = input.get("ReplicaUpdates").and_then(Value::as_array).is_some_and(|l| l.iter().any(|u| u.get("Create").is_some()));
    let provisioned = db.tables(cx.region).and_then(|t| t.get(name)).is_some_and(|t| t.meta.billing_mode == BillingMode::Provisioned && t.meta.status == TableStatus::Active);
    if !(creates && provisioned) {
        return update_replicas(db, cx, input).map(Step::Done);
    }
    let ask = json!({"ServiceNamespace": "dynamodb", "ResourceIds": [format!("table/{name}")], "ScalableDimension": "dynamodb:table:WriteCapacityUnits"});
    let request = Request::new(crate::services::autoscaling::SERVICE, "DescribeScalableTargets", cx.region, ask);
    Ok(Step::Call(request, Box::new(AutoScalingCheck { input: input.clone() })))
}

/// The UpdateTable waiting for Application Auto Scaling's answer.
pub(crate) struct AutoScalingCheck {
    input: Value,
}

/// Resumes an UpdateTable that asked whether the table's writes are auto scaled; `Err(then)`
/// when the continuation is not this module's.
pub(crate) fn resume(db: &mut DynamoDb, cx: &mut Cx, then: Continuation, answer: &Result<Value, AwsError>) -> Result<Result<Step, AwsError>, Continuation> {
    let check = then.downcast::<AutoScalingCheck>()?;
    let scaled = answer.as_ref().ok().and_then(|a| a.get("ScalableTargets")).and_then(Value::as_array).is_some_and(|t| !t.is_empty());
    Ok(replica_updates(db, cx, &check.input, scaled).map(Step::Done))
}

/// UpdateTable with `ReplicaUpdates`: one replica created, updated or deleted per request.
pub fn update_replicas(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    replica_updates(db, cx, input, false)
}

/// `autoscaled`: the table's write capacity has an Application Auto Scaling target.
fn replica_updates(db: &mut DynamoDb, cx: &mut Cx, input: &Value, autoscaled: bool) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = super::input::required_table_name(input.string("TableName")?)?.to_string();
    let list = input.list("ReplicaUpdates")?.map(Vec::as_slice).unwrap_or_default();
    let mut c = Constraints::default();
    c.name(Some(&name), "tableName");
    if list.is_empty() {
        c.add(Some("[]"), "replicaUpdates", "Member must have length greater than or equal to 1");
    }
    c.finish()?;
    if let Some(other) = input.present().find(|m| UPDATE_TABLE_OTHERS.contains(m)) {
        return Err(invalid(&format!(
            "ReplicaUpdates must be the only update in the request; remove {other} (the sandbox's rule: AWS applies one kind of change per UpdateTable)"
        )));
    }
    let elems = Input::elements(list, "ReplicationGroupUpdate")?;
    if elems.len() > 1 {
        return Err(invalid("Only one replica update is allowed per request"));
    }
    let action = parse_action(&elems[0], "replicaUpdates.1.member")?
        .ok_or_else(|| invalid("One of ReplicationGroupUpdate.Create, ReplicationGroupUpdate.Update, ReplicationGroupUpdate.Delete must not be null"))?;
    let region = cx.region.to_string();
    let target = match &action {
        Action::Create { region, .. } | Action::Update { region, .. } | Action::Delete { region } => region.clone(),
    };
    if !Account::is_region(&target) {
        return Err(AwsError::validation(format!("Provided region_name '{target}' is not a valid AWS region (sandbox wording).")));
    }
    let table = db.tables(&region).and_then(|t| t.get(&name)).ok_or_else(|| resource_not_found(format!("Requested resource not found: Table: {name} not found")))?;
    match table.meta.status {
        TableStatus::Creating => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being created: {name}"))),
        TableStatus::Updating => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being updated: {name}"))),
        TableStatus::Deleting => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being deleted: {name}"))),
        TableStatus::Active => {}
    }
    if target == region {
        return Err(invalid(&format!(
            "The replica in {region} is this table: change it with UpdateTable, or delete it with DeleteTable (ReplicaUpdates names the other regions; sandbox wording)"
        )));
    }
    let member = table.global.settings.as_ref().and_then(|s| s.replicas.iter().find(|r| r.region == target)).cloned();
    match action {
        Action::Create { kms, class, read, indexes, .. } => {
            let read_override = read;
            check_override_indexes(table, &indexes)?;
            if member.is_some() || db.tables(&target).is_some_and(|t| t.contains_key(&name)) {
                return Err(AwsError::validation(format!(
                    "Failed to create a the new replica of table with name: '{name}' because one or more replicas already existed as tables."
                )));
            }
            if table.meta.billing_mode == BillingMode::Provisioned && !autoscaled {
                return Err(AwsError::validation("Table write capacity should either be Pay-Per-Request or AutoScaled."));
            }
            if table.meta.billing_mode == BillingMode::PayPerRequest && (read_override.is_some() || !indexes.is_empty()) {
                return Err(invalid("ProvisionedThroughputOverride cannot be specified for a replica of a PAY_PER_REQUEST table"));
            }
            if table.meta.stream.enabled && table.meta.stream.view_type.as_deref() != Some("NEW_AND_OLD_IMAGES") {
                return Err(invalid("A global table's stream must have the StreamViewType NEW_AND_OLD_IMAGES: disable the stream or change its view type first (sandbox wording)"));
            }
            if table.meta.indexes.iter().any(|i| matches!(i.status, IndexStatus::Creating | IndexStatus::Deleting)) {
                return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being updated: {name}")));
            }
            create_replica(db, cx, &name, &target, kms, class, read_override, &indexes)
        }
        Action::Update { kms, class, read, indexes, .. } => {
            let Some(member) = member.filter(|m| m.status != "DELETING") else {
                return Err(AwsError::validation("Replica specified in the Replica Update or Replica Delete action of the request was not found."));
            };
            if member.status != "ACTIVE" {
                return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Replica is being updated: {target}")));
            }
            if kms.is_none() && class.is_none() && read.is_none() && indexes.is_empty() {
                return Err(invalid("UpdateReplicationGroupMemberAction must change KMSMasterKeyId, TableClassOverride, ProvisionedThroughputOverride or GlobalSecondaryIndexes"));
            }
            check_override_indexes(table, &indexes)?;
            if table.meta.billing_mode == BillingMode::PayPerRequest && (read.is_some() || !indexes.is_empty()) {
                return Err(invalid("ProvisionedThroughputOverride cannot be specified for a replica of a PAY_PER_REQUEST table"));
            }
            if read.is_some() || !indexes.is_empty() {
                override_reads(db, cx, &name, &target, read, &indexes)?;
            }
            update_replica(db, cx, &name, &target, kms, class)
        }
        Action::Delete { .. } => {
            let Some(member) = member.filter(|m| m.status != "DELETING") else {
                return Err(AwsError::validation("Replica specified in the Replica Update or Replica Delete action of the request was not found."));
            };
            if member.status != "ACTIVE" {
                return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Replica is being created: {target}")));
            }
            delete_replica(db, cx, &name, &target)
        }
    }
}

/// Per-index overrides name global secondary indexes of the table.
fn check_override_indexes(table: &Table, indexes: &BTreeMap<String, i64>) -> Result<(), AwsError> {
    for index in indexes.keys() {
        if !table.meta.indexes.iter().any(|i| &i.name == index && i.kind == super::index::IndexKind::Global && i.status != IndexStatus::Deleting) {
            return Err(resource_not_found(format!("Requested resource not found: Index: {index} not found for table: {}", table.meta.name)));
        }
    }
    Ok(())
}

/// A replica's own read capacity (table and GSIs): applied to the replica as an UpdateTable of
/// its throughput, and remembered so the group's later throughput changes leave it.
fn override_reads(db: &mut DynamoDb, cx: &mut Cx, name: &str, target: &str, read: Option<i64>, indexes: &BTreeMap<String, i64>) -> Result<(), AwsError> {
    let replica = db
        .tables(target)
        .and_then(|t| t.get(name))
        .ok_or_else(|| AwsError::validation("Replica specified in the Replica Update or Replica Delete action of the request was not found."))?;
    if replica.meta.status != TableStatus::Active {
        return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Replica is being updated: {target}")));
    }
    let mut update = json!({"TableName": name});
    if let Some(r) = read.filter(|r| *r != replica.meta.read_capacity) {
        update["ProvisionedThroughput"] = json!({"ReadCapacityUnits": r, "WriteCapacityUnits": replica.meta.write_capacity});
    }
    let index_updates: Vec<Value> = indexes
        .iter()
        .filter_map(|(index, r)| {
            let i = replica.meta.indexes.iter().find(|i| &i.name == index)?;
            (i.read_capacity != *r).then(|| json!({"Update": {"IndexName": index, "ProvisionedThroughput": {"ReadCapacityUnits": r, "WriteCapacityUnits": i.write_capacity}}}))
        })
        .collect();
    if !index_updates.is_empty() {
        update["GlobalSecondaryIndexUpdates"] = Value::Array(index_updates);
    }
    if update.as_object().is_some_and(|o| o.len() > 1) {
        in_region(cx, target, |cx| super::tables::update_one(db, cx, &update))?;
    }
    let Some(t) = db.regions.get_mut(target).and_then(|t| t.get_mut(name)) else { return Ok(()) };
    if let Some(s) = t.global.settings.as_mut() {
        if read.is_some() {
            s.read_override = read;
        }
        s.index_read_overrides.extend(indexes.iter().map(|(k, v)| (k.clone(), *v)));
    }
    save_settings(t, cx, target);
    Ok(())
}

/// The ARN of a KMS key given by id, ARN or alias, in `region` (see `tables::kms_key_arn`).
fn kms_arn(account: &Account, region: &str, key: &str) -> String {
    if key.starts_with("arn:") {
        key.to_string()
    } else if key.starts_with("alias/") {
        account.arn("kms", region, key)
    } else {
        account.arn("kms", region, &format!("key/{key}"))
    }
}

fn stream_label(now_ms: i64) -> String {
    crate::kernel::time::iso8601(now_ms).trim_end_matches('Z').to_string()
}

/// Members of the group of the table `name` in `region`: that region first, then the others.
fn members(db: &DynamoDb, region: &str, name: &str) -> Vec<String> {
    let mut out = vec![region.to_string()];
    if let Some(t) = db.tables(region).and_then(|t| t.get(name)) {
        out.extend(t.global.regions());
    }
    out
}

/// Copies the TTL setting of the table `name` in `region` to every other member of its group.
pub(crate) fn sync_ttl(db: &mut DynamoDb, cx: &mut Cx, region: &str, name: &str) {
    let group = members(db, region, name);
    let Some(state) = db.tables(region).and_then(|t| t.get(name)).map(|t| t.ttl.state.clone()) else { return };
    for m in group.iter().skip(1) {
        let Some(t) = db.regions.get_mut(m).and_then(|t| t.get_mut(name)) else { continue };
        in_region(cx, m, |cx| super::ttl::adopt(t, cx, &state));
    }
}

/// Whether the TTL process of `region` deletes the expired items of the table `name`: for a
/// global table, only the member of the smallest region name does ("that work can be done in
/// any Region"), and its deletes replicate; the others wait for them.
pub(crate) fn runs_ttl(db: &DynamoDb, region: &str, name: &str) -> bool {
    members(db, region, name).iter().skip(1).all(|m| m.as_str() > region)
}

fn save_settings(table: &Table, cx: &mut Cx, region: &str) {
    match &table.global.settings {
        Some(s) => cx.journal.put_json(settings_key(region, &table.meta.name), s),
        None => cx.journal.delete(settings_key(region, &table.meta.name)),
    }
}

#[allow(clippy::too_many_arguments)]
fn create_replica(
    db: &mut DynamoDb,
    cx: &mut Cx,
    name: &str,
    target: &str,
    kms: Option<String>,
    class: Option<String>,
    read: Option<i64>,
    index_reads: &BTreeMap<String, i64>,
) -> Result<Value, AwsError> {
    let region = cx.region.to_string();
    let now = cx.now_ms;
    let group = members(db, &region, name);
    let keep_json = db.keep_item_json;
    let listed: Vec<Replica> = group
        .iter()
        .map(|m| {
            let status = db.tables(m).and_then(|t| t.get(name)).map_or("ACTIVE", |t| if t.meta.status == TableStatus::Creating { "CREATING" } else { "ACTIVE" });
            Replica { region: m.clone(), status: status.into() }
        })
        .collect();
    let (table, streams) = db.table_for_write(&region, name)?;
    // The table's stream carries the changes: on, with both images.
    if !table.meta.stream.enabled {
        table.meta.stream = StreamState { enabled: true, view_type: Some("NEW_AND_OLD_IMAGES".into()), latest_label: Some(stream_label(now)) };
        streams.open(cx, &region, &table.meta);
    }
    let lag_ms = table.global.lag_ms();
    let ttl = table.ttl.state.clone();
    let mut meta: TableMeta = table.meta.clone();
    meta.arn = cx.account.arn("dynamodb", target, &format!("table/{name}"));
    meta.id = cx.rng.uuid();
    meta.status = TableStatus::Creating;
    meta.created_ms = now;
    meta.throughput_history = Default::default();
    meta.pending = None;
    meta.deletion_protection = false;
    meta.tags = Vec::new();
    meta.on_demand_switches = Vec::new();
    meta.stream = StreamState { enabled: true, view_type: Some("NEW_AND_OLD_IMAGES".into()), latest_label: Some(stream_label(now)) };
    meta.sse_kms_key_arn = match (&kms, &table.meta.sse_kms_key_arn) {
        (Some(k), _) => Some(kms_arn(cx.account, target, k)),
        // A key is regional: the replica gets the AWS managed key of its region.
        (None, Some(_)) => Some(cx.account.arn("kms", target, "alias/aws/dynamodb")),
        (None, None) => None,
    };
    if let Some(c) = class {
        meta.table_class = Some((c, Some(now)));
    }
    if let Some(r) = read {
        meta.read_capacity = r;
    }
    for i in meta.indexes.iter_mut() {
        if let Some(r) = index_reads.get(&i.name) {
            i.read_capacity = *r;
        }
        i.status = IndexStatus::Active;
        i.pending_throughput = None;
        i.throughput_history = Default::default();
    }
    let mut replica = Table::new(meta, keep_json);
    for (k, item) in table.items.iter() {
        cx.journal.put(super::item_key(target, name, k), codec::encode_item(item));
        replica.put(k.clone(), item.clone());
    }
    for (flat, (s, keys)) in &table.global.stamps {
        cx.journal.put(format!("{}/global/ts/{}", table_key(target, name), flat_hex(flat)), stamp_value(s, keys));
        replica.global.stamps.insert(flat.clone(), (s.clone(), keys.clone()));
    }
    let items = table.items.len() as i64;
    table.meta.status = TableStatus::Updating;
    cx.journal.put_json(table_key(&region, name), &table.meta);
    let table_id = table.meta.id.clone();
    // The new member lists every current member; each current member lists it, CREATING.
    replica.global.settings = Some(Settings { replicas: listed, lag_ms, read_override: read, index_read_overrides: index_reads.clone() });
    replica.global.refresh();
    cx.journal.put_json(table_key(target, name), &replica.meta);
    save_settings(&replica, cx, target);
    streams.open(cx, target, &replica.meta);
    replica.throughput.borrow_mut().mark(&replica.meta, now);
    for m in &group {
        let Some(t) = db.regions.get_mut(m).and_then(|t| t.get_mut(name)) else { continue };
        let s = t.global.settings.get_or_insert_with(|| Settings { replicas: Vec::new(), lag_ms, read_override: None, index_read_overrides: BTreeMap::new() });
        s.replicas.push(Replica { region: target.to_string(), status: "CREATING".into() });
        // Changes on their way to the group reach the new member too.
        for e in t.global.outbox.iter_mut() {
            e.targets.push(target.to_string());
            cx.journal.put_json(out_key(m, name, e.id), &*e);
        }
        t.global.refresh();
        save_settings(t, cx, m);
    }
    // The replica has the group's TTL setting.
    if ttl != Default::default() {
        in_region(cx, target, |cx| super::ttl::adopt(&mut replica, cx, &ttl));
    }
    db.tables_mut(target).insert(name.to_string(), replica);
    cx.schedule(now + REPLICA_CREATE_MS + items, json!({"action": SETTLE_ACTION, "table": name, "tableId": table_id, "replica": target}));
    let table = db.active_table(&region, name)?;
    Ok(json!({"TableDescription": table.description(now)}))
}

fn update_replica(db: &mut DynamoDb, cx: &mut Cx, name: &str, target: &str, kms: Option<String>, class: Option<String>) -> Result<Value, AwsError> {
    let region = cx.region.to_string();
    let now = cx.now_ms;
    let group = members(db, &region, name);
    let replica = db
        .regions
        .get_mut(target)
        .and_then(|t| t.get_mut(name))
        .ok_or_else(|| AwsError::validation("Replica specified in the Replica Update or Replica Delete action of the request was not found."))?;
    if let Some(k) = kms {
        replica.meta.sse_kms_key_arn = Some(kms_arn(cx.account, target, &k));
    }
    if let Some(c) = class {
        replica.meta.table_class = Some((c, Some(now)));
    }
    replica.meta.status = TableStatus::Updating;
    cx.journal.put_json(table_key(target, name), &replica.meta);
    set_status(db, cx, &group, name, target, "UPDATING");
    let table = db.regions.get_mut(&region).and_then(|t| t.get_mut(name)).ok_or_else(|| resource_not_found("Requested resource not found"))?;
    table.meta.status = TableStatus::Updating;
    cx.journal.put_json(table_key(&region, name), &table.meta);
    let id = table.meta.id.clone();
    cx.schedule(now + TABLE_TRANSITION_MS, json!({"action": SETTLE_ACTION, "table": name, "tableId": id, "replica": target}));
    Ok(json!({"TableDescription": table.description(now)}))
}

fn delete_replica(db: &mut DynamoDb, cx: &mut Cx, name: &str, target: &str) -> Result<Value, AwsError> {
    let region = cx.region.to_string();
    let now = cx.now_ms;
    let group = members(db, &region, name);
    let replica = db
        .regions
        .get_mut(target)
        .and_then(|t| t.get_mut(name))
        .ok_or_else(|| AwsError::validation("Replica specified in the Replica Update or Replica Delete action of the request was not found."))?;
    // The replica table goes as DeleteTable takes a table.
    replica.meta.status = TableStatus::Deleting;
    replica.global = TableGlobal::default();
    cx.journal.put_json(table_key(target, name), &replica.meta);
    cx.journal.delete(settings_key(target, name));
    let replica_id = replica.meta.id.clone();
    db.streams.close(cx, target, name);
    in_region(cx, target, |cx| cx.schedule(now + TABLE_TRANSITION_MS, json!({"action": "remove", "table": name, "tableId": replica_id})));
    set_status(db, cx, &group, name, target, "DELETING");
    let table = db.regions.get_mut(&region).and_then(|t| t.get_mut(name)).ok_or_else(|| resource_not_found("Requested resource not found"))?;
    table.meta.status = TableStatus::Updating;
    cx.journal.put_json(table_key(&region, name), &table.meta);
    let id = table.meta.id.clone();
    cx.schedule(now + TABLE_TRANSITION_MS, json!({"action": SETTLE_ACTION, "table": name, "tableId": id, "replica": target}));
    Ok(json!({"TableDescription": table.description(now)}))
}

/// Sets `replica`'s status in the lists of the members of `group` (other than itself).
fn set_status(db: &mut DynamoDb, cx: &mut Cx, group: &[String], name: &str, replica: &str, status: &str) {
    for m in group.iter().filter(|m| m.as_str() != replica) {
        let Some(t) = db.regions.get_mut(m).and_then(|t| t.get_mut(name)) else { continue };
        let Some(s) = t.global.settings.as_mut() else { continue };
        for r in s.replicas.iter_mut().filter(|r| r.region == replica) {
            r.status = status.to_string();
        }
        t.global.refresh();
        save_settings(t, cx, m);
    }
}

/// The timer that completes a replica change: a new or updated replica turns ACTIVE, a deleted
/// one leaves every list; the table that asked turns ACTIVE again.
pub fn settle(db: &mut DynamoDb, cx: &mut Cx, timer: &Timer) {
    let region = cx.region.to_string();
    let name = timer.payload.get("table").and_then(Value::as_str).unwrap_or_default().to_string();
    let id = timer.payload.get("tableId").and_then(Value::as_str).unwrap_or_default();
    let replica = timer.payload.get("replica").and_then(Value::as_str).unwrap_or_default().to_string();
    let now = cx.now_ms;
    let Some(table) = db.regions.get(&region).and_then(|t| t.get(&name)).filter(|t| t.meta.id == id) else { return };
    let mut group = members(db, &region, &name);
    if !group.contains(&replica) {
        group.push(replica.clone());
    }
    let _ = table;
    for m in &group {
        let Some(t) = db.regions.get_mut(m).and_then(|t| t.get_mut(&name)) else { continue };
        if m == &replica {
            let settled = match t.meta.status {
                _ if t.global.settings.is_none() => false,
                TableStatus::Creating => {
                    t.meta.status = TableStatus::Active;
                    t.throughput.borrow_mut().mark(&t.meta, now);
                    true
                }
                // A read override's throughput change takes effect with it.
                TableStatus::Updating => super::tables::finish_update(t, now, "finish-update", None),
                _ => false,
            };
            if settled {
                cx.journal.put_json(table_key(m, &name), &t.meta);
            }
            continue;
        }
        let Some(s) = t.global.settings.as_mut() else { continue };
        s.replicas.retain(|r| !(r.region == replica && r.status == "DELETING"));
        for r in s.replicas.iter_mut().filter(|r| r.region == replica) {
            r.status = "ACTIVE".into();
        }
        if s.replicas.is_empty() {
            // The last replica is gone: a regional table again.
            t.global.settings = None;
        }
        t.global.refresh();
        save_settings(t, cx, m);
    }
    let Some(table) = db.regions.get_mut(&region).and_then(|t| t.get_mut(&name)) else { return };
    if super::tables::finish_update(table, now, "finish-update", None) {
        cx.journal.put_json(table_key(&region, &name), &table.meta);
    }
}

/// DeleteTable of a member: it leaves the group at once.
pub(crate) fn on_delete_table(db: &mut DynamoDb, cx: &mut Cx, region: &str, name: &str) {
    let group = members(db, region, name);
    if group.len() < 2 {
        return;
    }
    if let Some(t) = db.regions.get_mut(region).and_then(|t| t.get_mut(name)) {
        t.global.settings = None;
        t.global.refresh();
        save_settings(t, cx, region);
    }
    for m in group.iter().skip(1) {
        let Some(t) = db.regions.get_mut(m).and_then(|t| t.get_mut(name)) else { continue };
        let Some(s) = t.global.settings.as_mut() else { continue };
        s.replicas.retain(|r| r.region != region);
        if s.replicas.is_empty() {
            t.global.settings = None;
        }
        for e in t.global.outbox.iter_mut() {
            e.targets.retain(|r| r != region);
            cx.journal.put_json(out_key(m, name, e.id), &*e);
        }
        t.global.outbox.retain(|e| {
            if e.targets.is_empty() {
                cx.journal.delete(out_key(m, name, e.id));
            }
            !e.targets.is_empty()
        });
        t.global.refresh();
        save_settings(t, cx, m);
    }
}

/// UpdateTable on a member of a global table: the settings AWS keeps the same in every replica
/// (billing mode, write capacity of the table and its GSIs, the GSIs themselves) are applied to
/// every other member too; read capacity follows unless the member has its own
/// (ProvisionedThroughputOverride). Returns the UpdateTable input for each other member (after
/// checking they can take it), or nothing when the table is not global or the change is the
/// member's own (deletion protection, encryption, table class).
pub(crate) fn synchronized(db: &DynamoDb, cx: &Cx, input: &Value) -> Result<Vec<(String, Value)>, AwsError> {
    let Some(name) = input.get("TableName").and_then(Value::as_str) else { return Ok(Vec::new()) };
    let Some(table) = db.tables(cx.region).and_then(|t| t.get(name)).filter(|t| t.global.on) else { return Ok(Vec::new()) };
    let has = |k: &str| input.get(k).is_some_and(|v| !v.is_null());
    if has("StreamSpecification") {
        return Err(invalid(&format!(
            "Table {name} is a global table: it replicates through its stream (NEW_AND_OLD_IMAGES), which cannot be disabled or changed while it has replicas; remove the replicas first (sandbox wording)"
        )));
    }
    if !(has("BillingMode") || has("ProvisionedThroughput") || has("GlobalSecondaryIndexUpdates")) {
        return Ok(Vec::new());
    }
    let billing = input.get("BillingMode").and_then(Value::as_str);
    let switching = billing.is_some_and(|b| (b == "PAY_PER_REQUEST") != (table.meta.billing_mode == BillingMode::PayPerRequest));
    let mut out = Vec::new();
    for region in table.global.regions() {
        if db.outages.contains(&region) {
            return Err(AwsError::new(
                ERROR_NAMESPACE,
                "ServiceUnavailable",
                format!("The replica of {name} in {region} is unavailable (region outage), so a change every replica must take cannot be applied now; retry when the region is back (sandbox wording)"),
                503,
            ));
        }
        let Some(replica) = db.tables(&region).and_then(|t| t.get(name)) else { continue };
        let busy = replica.meta.status != TableStatus::Active || replica.meta.indexes.iter().any(|i| matches!(i.status, IndexStatus::Creating | IndexStatus::Deleting));
        if busy {
            return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Replica is being updated: {region}")));
        }
        let own = replica.global.settings.as_ref();
        let mut update = serde_json::Map::new();
        update.insert("TableName".into(), json!(name));
        if let Some(b) = billing {
            update.insert("BillingMode".into(), json!(b));
        }
        if let Some(pt) = input.get("ProvisionedThroughput").filter(|v| !v.is_null()) {
            let w = pt.get("WriteCapacityUnits").cloned().unwrap_or(Value::Null);
            let r = match own.and_then(|s| s.read_override) {
                Some(r) if !switching => json!(r),
                _ => pt.get("ReadCapacityUnits").cloned().unwrap_or(Value::Null),
            };
            let same = !switching && r.as_i64() == Some(replica.meta.read_capacity) && w.as_i64() == Some(replica.meta.write_capacity);
            if !same {
                update.insert("ProvisionedThroughput".into(), json!({"ReadCapacityUnits": r, "WriteCapacityUnits": w}));
            }
        }
        if let Some(list) = input.get("GlobalSecondaryIndexUpdates").and_then(Value::as_array) {
            let mut updates = Vec::new();
            for u in list {
                let Some(up) = u.get("Update") else {
                    updates.push(u.clone());
                    continue;
                };
                let index = up.get("IndexName").and_then(Value::as_str).unwrap_or_default();
                let pt = up.get("ProvisionedThroughput").cloned().unwrap_or(Value::Null);
                let w = pt.get("WriteCapacityUnits").cloned().unwrap_or(Value::Null);
                let r = match own.and_then(|s| s.index_read_overrides.get(index)) {
                    Some(r) if !switching => json!(r),
                    _ => pt.get("ReadCapacityUnits").cloned().unwrap_or(Value::Null),
                };
                let current = replica.meta.indexes.iter().find(|i| i.name == index);
                if !switching && current.is_some_and(|i| r.as_i64() == Some(i.read_capacity) && w.as_i64() == Some(i.write_capacity)) {
                    continue;
                }
                updates.push(json!({"Update": {"IndexName": index, "ProvisionedThroughput": {"ReadCapacityUnits": r, "WriteCapacityUnits": w}}}));
            }
            if !updates.is_empty() {
                update.insert("GlobalSecondaryIndexUpdates".into(), Value::Array(updates));
                if let Some(defs) = input.get("AttributeDefinitions") {
                    update.insert("AttributeDefinitions".into(), defs.clone());
                }
            }
        }
        if update.len() > 1 {
            out.push((region, Value::Object(update)));
        }
    }
    Ok(out)
}

/// Applies what [`synchronized`] planned, once the member that was asked has taken the change.
pub(crate) fn apply_synchronized(db: &mut DynamoDb, cx: &mut Cx, updates: Vec<(String, Value)>) -> Result<(), AwsError> {
    let origin = cx.region.to_string();
    for (region, update) in updates {
        in_region(cx, &region, |cx| super::tables::update_one(db, cx, &update)).map_err(|mut e| {
            // Unreachable while replicas mirror the table; said plainly if it ever happens.
            e.message = format!("The change was applied to the table in {origin} but its replica in {region} refused it: {} (sandbox wording)", e.message);
            e
        })?;
    }
    Ok(())
}

/// The 2017.11.29 (Legacy) operations.
pub(crate) fn legacy(op: &str) -> AwsError {
    AwsError::unknown_operation(format!(
        "{op} belongs to global tables version 2017.11.29 (Legacy), which Gureum does not simulate. Use version 2019.11.21: UpdateTable with ReplicaUpdates, and DescribeTable's Replicas."
    ))
}

// ---------------------------------------------------------------------------------------------
// Control operations

fn table_name(input: &Value) -> Result<&str, AwsError> {
    input.get("TableName").and_then(Value::as_str).ok_or_else(|| AwsError::validation("TableName is required"))
}

/// `dynamodb:SetReplicationLag {TableName, Seconds}`: the lag of every member of the group.
pub fn set_lag(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name = table_name(input)?.to_string();
    let seconds = input.get("Seconds").and_then(Value::as_f64).ok_or_else(|| AwsError::validation("Seconds must be a number"))?;
    let lag_ms = (seconds * 1000.0).round() as i64;
    if !(0..=MAX_LAG_MS).contains(&lag_ms) {
        return Err(AwsError::validation("Seconds must be between 0 and 3600"));
    }
    let region = cx.region.to_string();
    let table = db.tables(&region).and_then(|t| t.get(&name)).ok_or_else(|| resource_not_found(format!("Requested resource not found: Table: {name} not found")))?;
    if !table.global.on {
        return Err(AwsError::validation(format!("Table {name} in {region} has no replicas: it is not a global table")));
    }
    let group = members(db, &region, &name);
    for m in &group {
        let Some(t) = db.regions.get_mut(m).and_then(|t| t.get_mut(&name)) else { continue };
        if let Some(s) = t.global.settings.as_mut() {
            s.lag_ms = lag_ms;
        }
        save_settings(t, cx, m);
        let outages = &db.outages;
        in_region(cx, m, |cx| {
            t.global.deliver_at = None;
            schedule_next(&mut t.global, cx, outages, &name);
        });
    }
    Ok(json!({"TableName": name, "LagSeconds": lag_ms as f64 / 1000.0}))
}

/// `dynamodb:SetRegionAvailability {RegionName, Available}`.
pub fn set_availability(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let region = input.get("RegionName").and_then(Value::as_str).ok_or_else(|| AwsError::validation("RegionName is required"))?.to_string();
    let available = input.get("Available").and_then(Value::as_bool).ok_or_else(|| AwsError::validation("Available must be true or false"))?;
    if !Account::is_region(&region) {
        return Err(AwsError::validation(format!("Unknown region: {region}")));
    }
    if !available {
        if db.outages.insert(region.clone()) {
            cx.journal.put(outage_key(&region), b"{}".to_vec());
        }
        return Ok(json!({"RegionName": region, "Available": false}));
    }
    if db.outages.remove(&region) {
        cx.journal.delete(outage_key(&region));
    }
    // Deliveries resume: the region's own outboxes, and every change queued for it.
    let outages = db.outages.clone();
    for (r, tables) in db.regions.iter_mut() {
        for (name, t) in tables.iter_mut() {
            if t.global.outbox.is_empty() {
                continue;
            }
            in_region(cx, r, |cx| {
                t.global.deliver_at = None;
                schedule_next(&mut t.global, cx, &outages, name);
            });
        }
    }
    Ok(json!({"RegionName": region, "Available": true}))
}

/// `dynamodb:DescribeReplication {TableName}`: each member region's availability, status,
/// items, changes pending for it, and recent replication events (newest first).
pub fn describe_replication(db: &DynamoDb, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let name = table_name(input)?;
    let region = cx.region;
    let table = db.tables(region).and_then(|t| t.get(name)).ok_or_else(|| resource_not_found(format!("Requested resource not found: Table: {name} not found")))?;
    let group = members(db, region, name);
    let mut regions = Vec::new();
    let mut events: Vec<&Event> = Vec::new();
    for m in &group {
        let t = db.tables(m).and_then(|t| t.get(name));
        let pending: usize = group.iter().filter_map(|o| db.tables(o).and_then(|t| t.get(name))).map(|o| o.global.pending_for(m)).sum();
        let status = if m == region { None } else { table.global.settings.as_ref().and_then(|s| s.replicas.iter().find(|r| &r.region == m)).map(|r| r.status.clone()) };
        let mut out = json!({
            "RegionName": m,
            "Available": !db.outages.contains(m),
            "PendingChanges": pending,
            "Outbox": t.map_or(0, |t| t.global.outbox.len()),
        });
        if let Some(t) = t {
            out["TableStatus"] = json!(t.meta.status.as_str());
            out["ItemCount"] = json!(t.items.len());
            if let Some(e) = t.global.events.iter().find(|e| e.applied) {
                out["LastAppliedTime"] = epoch_seconds(e.applied_ms);
            }
            events.extend(t.global.events.iter());
        }
        if let Some(s) = status {
            out["ReplicaStatus"] = json!(s);
        }
        regions.push(out);
    }
    events.sort_by(|a, b| b.applied_ms.cmp(&a.applied_ms).then(b.written_ms.cmp(&a.written_ms)));
    let events: Vec<Value> = events
        .into_iter()
        .take(EVENTS_KEPT)
        .map(|e| {
            let mut v = json!({
                "Time": epoch_seconds(e.applied_ms),
                "WriteTime": epoch_seconds(e.written_ms),
                "LagMs": e.applied_ms - e.written_ms,
                "SourceRegion": e.from,
                "TargetRegion": e.to,
                "Keys": e.keys,
                "EventName": if e.new.is_some() { "PUT" } else { "DELETE" },
                "Outcome": if e.applied { "APPLIED" } else { "DISCARDED" },
                "Conflict": e.conflict,
            });
            if let Some(n) = &e.new {
                v["NewImage"] = n.clone();
            }
            if let Some(w) = &e.winner {
                v["Winner"] = json!({"Region": w.region, "WriteTime": epoch_seconds(w.at_ms)});
            }
            v
        })
        .collect();
    let mut out = json!({"TableName": name, "Regions": regions, "Events": events, "LagSeconds": table.global.lag_ms() as f64 / 1000.0});
    if table.global.on {
        out["GlobalTableVersion"] = json!(GLOBAL_TABLE_VERSION);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Persistence

pub fn save(table: &Table, region: &str, out: &mut Vec<Record>) {
    let g = &table.global;
    if let Some(s) = &g.settings {
        out.push(Record { key: settings_key(region, &table.meta.name), value: serde_json::to_vec(s).unwrap_or_default() });
    }
    for e in &g.outbox {
        out.push(Record { key: out_key(region, &table.meta.name, e.id), value: serde_json::to_vec(e).unwrap_or_default() });
    }
    for (flat, (s, keys)) in &g.stamps {
        out.push(Record { key: format!("{}/global/ts/{}", table_key(region, &table.meta.name), flat_hex(flat)), value: stamp_value(s, keys) });
    }
    for e in &g.events {
        out.push(Record { key: event_key(region, &table.meta.name, e.seq), value: serde_json::to_vec(e).unwrap_or_default() });
    }
}

/// Loads `.../global`, `.../global/out/{id}` and `.../global/ts/{hex}` (`rest` is what follows
/// `global/`).
pub fn load(table: &mut Table, rest: Option<&str>, value: &[u8]) -> Result<(), String> {
    match rest.map(|r| r.split_once('/').unwrap_or((r, ""))) {
        None => {
            let s: Settings = serde_json::from_slice(value).map_err(|e| e.to_string())?;
            table.global.settings = Some(s);
            table.global.refresh();
            Ok(())
        }
        Some(("out", id)) => {
            let id = u64::from_str_radix(id, 16).map_err(|_| "bad replication outbox id")?;
            let mut e: Outgoing = serde_json::from_slice(value).map_err(|e| e.to_string())?;
            e.id = id;
            let g = &mut table.global;
            g.next_id = g.next_id.max(id + 1);
            let at = g.outbox.partition_point(|o| o.id < id);
            g.outbox.insert(at, e);
            Ok(())
        }
        Some(("ts", _)) => {
            let v: Value = serde_json::from_slice(value).map_err(|e| e.to_string())?;
            let keys = v.get("keys").ok_or("stamp without keys")?;
            let item = item_from_json(keys).map_err(|e| e.message)?;
            let key = table.meta.key_schema.key_of_item(&item).map_err(|e| e.message)?;
            let at_ms = v.get("at").and_then(Value::as_i64).ok_or("stamp without time")?;
            let region = v.get("region").and_then(Value::as_str).ok_or("stamp without region")?.to_string();
            table.global.stamps.insert(KeyBytes::of(&key), (Stamp { at_ms, region }, keys.clone()));
            Ok(())
        }
        Some(("ev", seq)) => {
            let seq = u64::from_str_radix(seq, 16).map_err(|_| "bad replication event id")?;
            let mut e: Event = serde_json::from_slice(value).map_err(|e| e.to_string())?;
            e.seq = seq;
            let g = &mut table.global;
            g.next_event = g.next_event.max(seq + 1);
            // Newest first.
            let at = g.events.partition_point(|o| o.seq > seq);
            g.events.insert(at, e);
            Ok(())
        }
        _ => Err("unknown global table record".into()),
    }
}
