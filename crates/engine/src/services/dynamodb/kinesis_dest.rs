//! Kinesis Data Streams for DynamoDB: EnableKinesisStreamingDestination,
//! DisableKinesisStreamingDestination, DescribeKinesisStreamingDestination,
//! UpdateKinesisStreamingDestination, and the replication of item changes to the stream.
//!
//! A table's destinations are their own record, `dynamodb/{region}/table/{name}/kinesis` (JSON),
//! so DescribeTable does not show them, as on AWS (its TableDescription has no such member).
//! "You can only stream data from a DynamoDB table to one Kinesis data stream": Enable is refused
//! while a destination is anything but DISABLED; earlier, disabled destinations stay listed.
//! The stream must be a Kinesis stream of the table's account and region that exists and is
//! ACTIVE (checked by calling Kinesis's DescribeStreamSummary through the kernel). Changes take
//! [`TRANSITION_MS`] of virtual time: ENABLING → ACTIVE, DISABLING → DISABLED, UPDATING → ACTIVE
//! (the new ApproximateCreationDateTimePrecision applies when the update completes).
//!
//! While a destination is ACTIVE (or UPDATING), every item change, at the same capture point as
//! DynamoDB Streams ([`super::streams::put_item`] / `delete_item_as`, so TTL deletes too, with
//! `userIdentity`), becomes one Kinesis record in AWS's format, both images always (the
//! table's stream view type does not apply). An unchanged item writes none, as for Streams.
//! The partition key is an opaque 32-digit upper-case hex string (AWS's look like an MD5 and
//! are undocumented): here the MD5 of the item's primary key, so one item's changes share a
//! shard.
//!
//! **Delivery is asynchronous**, as on AWS. Captured records wait in an outbox (journaled,
//! `.../kinesis/out/{id}`, so a reload loses none) and a timer per table flushes it once a
//! virtual second with Kinesis's PutRecords (500 records or 5 MiB a call), through the kernel
//! ([`crate::kernel::runtime::Step::Call`]), so the answer is seen: records Kinesis throttles
//! (ProvisionedThroughputExceededException), or all of them if the stream is gone, stay in the
//! outbox and are retried the next second (a minute at most, backing off, while the stream refuses every call),
//! as DynamoDB retries (AWS's ThrottledPutRecordCount).
//! Records not delivered within 24 hours are dropped, as are records over Kinesis's 1 MiB limit
//! (AWS's FailedToReplicateRecordCount; DynamoDB skips them and goes on). AWS warns that records
//! may arrive out of order and duplicated; the sandbox sends each record once, in capture order,
//! except that a throttled record is retried after records captured later may have landed.
//! The destination stays ACTIVE throughout (AWS reports trouble through metrics, not the status).
//! A timer (rather than a `Cx::after` PutRecord per change) is what lets throttled records be
//! retried at all: a fire-and-forget call drops its answer.

use std::collections::VecDeque;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    input::{Constraints, Input},
    key::PrimaryKey,
    resource_in_use, resource_not_found,
    streams::{EventName, Origin},
    table::{Table, TableMeta, TableStatus},
    table_key,
    value::{item_size, item_to_json, Item},
    DynamoDb,
};
use crate::kernel::{
    error::AwsError,
    runtime::{Continuation, Resumed, Step},
    scheduler::Timer,
    service::Cx,
    Request,
};

/// Virtual time a destination spends ENABLING, DISABLING or UPDATING.
pub const TRANSITION_MS: i64 = 5_000;
/// The outbox is flushed once a virtual second.
pub const FLUSH_MS: i64 = 1_000;
/// Records not replicated within this long are dropped.
pub const MAX_UNREPLICATED_MS: i64 = 24 * 3_600_000;
/// Kinesis's record size limit (data and partition key).
pub const MAX_RECORD_BYTES: usize = 1_048_576;
const MAX_BATCH_RECORDS: usize = 500;
/// The longest wait between retries to a stream that refuses every call.
const MAX_RETRY_MS: i64 = 60_000;
const MAX_BATCH_BYTES: usize = 5 * 1_048_576;

pub const SETTLE_ACTION: &str = "kds-settle";
pub const FLUSH_ACTION: &str = "kds-flush";

const PRECISIONS: [&str; 2] = ["MILLISECOND", "MICROSECOND"];

/// One destination, as DescribeKinesisStreamingDestination lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    pub stream_arn: String,
    /// ENABLING, ACTIVE, UPDATING, DISABLING or DISABLED.
    pub status: String,
    pub precision: String,
    /// While UPDATING: the precision that applies when the update completes.
    #[serde(default)]
    pub next_precision: Option<String>,
    pub changed_ms: i64,
}

/// The record `dynamodb/{region}/table/{name}/kinesis`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub destinations: Vec<Destination>,
}

/// A captured change waiting to be put to the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Outgoing {
    #[serde(skip)]
    id: u64,
    at_ms: i64,
    partition_key: String,
    /// The record's data (JSON text), base64 in the journal.
    #[serde(with = "b64")]
    data: Vec<u8>,
}

mod b64 {
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

/// A table's Kinesis destinations and outbox.
#[derive(Debug, Clone, Default)]
pub struct TableKinesis {
    pub settings: Settings,
    /// True while a destination is ACTIVE or UPDATING: item changes are captured. The only
    /// thing a write looks at when a table has no destination.
    pub on: bool,
    outbox: VecDeque<Outgoing>,
    next_id: u64,
    /// When the pending flush timer is due.
    flush_at: Option<i64>,
    /// Delay before the next flush after a PutRecords that failed whole (the stream is gone):
    /// doubles from a second to a minute, back to a second on success.
    retry_ms: i64,
    /// Runtime counters (AWS's CloudWatch metrics of the same names).
    pub throttled_put_record_count: u64,
    pub failed_to_replicate_record_count: u64,
}

impl TableKinesis {
    /// The destination that receives records: ACTIVE, UPDATING, or DISABLING (its backlog).
    fn target(&self) -> Option<&Destination> {
        self.settings.destinations.iter().find(|d| matches!(d.status.as_str(), "ACTIVE" | "UPDATING" | "DISABLING"))
    }

    fn capturing(&self) -> Option<&Destination> {
        self.settings.destinations.iter().find(|d| matches!(d.status.as_str(), "ACTIVE" | "UPDATING"))
    }

    fn refresh(&mut self) {
        self.on = self.capturing().is_some();
    }

    /// Records waiting to be delivered.
    pub fn outbox_len(&self) -> usize {
        self.outbox.len()
    }
}

pub(crate) fn settings_key(region: &str, table: &str) -> String {
    format!("{}/kinesis", table_key(region, table))
}

fn out_key(region: &str, table: &str, id: u64) -> String {
    format!("{}/kinesis/out/{id:016x}", table_key(region, table))
}

fn partition_key(key: &PrimaryKey) -> String {
    let digest = crate::services::sqs::digest::md5(super::codec::key_hex(key).as_bytes());
    crate::services::sqs::digest::hex(&digest).to_ascii_uppercase()
}

/// Called for every item change of a table whose destination is on (see
/// [`super::streams::put_item`]): builds the record and queues it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn capture(k: &mut TableKinesis, cx: &mut Cx, region: &str, meta: &TableMeta, key: &PrimaryKey, old: Option<&Item>, new: Option<&Item>, origin: Origin) {
    let event = match (old, new) {
        (None, Some(_)) => EventName::Insert,
        (Some(o), Some(n)) if o == n => return,
        (Some(_), Some(_)) => EventName::Modify,
        (Some(_), None) => EventName::Remove,
        (None, None) => return,
    };
    let Some(precision) = k.capturing().map(|d| d.precision.clone()) else { return };
    let keys = meta.key_schema.key_map(key);
    let size = item_size(&keys) + new.map_or(0, item_size) + old.map_or(0, item_size);
    let micro = precision == "MICROSECOND";
    let mut dynamodb = serde_json::Map::new();
    dynamodb.insert("ApproximateCreationDateTime".into(), json!(if micro { cx.now_ms.saturating_mul(1000) } else { cx.now_ms }));
    dynamodb.insert("Keys".into(), item_to_json(&keys));
    if let Some(n) = new {
        dynamodb.insert("NewImage".into(), item_to_json(n));
    }
    if let Some(o) = old {
        dynamodb.insert("OldImage".into(), item_to_json(o));
    }
    dynamodb.insert("SizeBytes".into(), json!(size));
    // Records AWS sends at MILLISECOND precision do not name it; MICROSECOND ones do.
    if micro {
        dynamodb.insert("ApproximateCreationDateTimePrecision".into(), json!("MICROSECOND"));
    }
    let identity = match origin {
        Origin::User => Value::Null,
        Origin::Service => json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"}),
    };
    let record = json!({
        "awsRegion": region,
        "eventID": cx.rng.uuid(),
        "eventName": event.as_str(),
        "userIdentity": identity,
        "recordFormat": "application/json",
        "tableName": meta.name,
        "dynamodb": Value::Object(dynamodb),
        "eventSource": "aws:dynamodb",
    });
    let data = serde_json::to_vec(&record).unwrap_or_default();
    let partition_key = partition_key(key);
    if data.len() + partition_key.len() > MAX_RECORD_BYTES {
        k.failed_to_replicate_record_count += 1;
        return;
    }
    let out = Outgoing { id: k.next_id, at_ms: cx.now_ms, partition_key, data };
    k.next_id += 1;
    cx.journal.put_json(out_key(region, &meta.name, out.id), &out);
    k.outbox.push_back(out);
    if k.flush_at.is_none() {
        schedule_flush(k, cx, &meta.name, &meta.id, cx.now_ms + FLUSH_MS);
    }
}

fn schedule_flush(k: &mut TableKinesis, cx: &mut Cx, table: &str, table_id: &str, due: i64) {
    // On whole virtual seconds, so records captured within one second travel together.
    let due = due.div_euclid(FLUSH_MS).saturating_mul(FLUSH_MS).max(cx.now_ms + 1);
    k.flush_at = Some(due);
    cx.schedule(due, json!({"action": FLUSH_ACTION, "table": table, "tableId": table_id}));
}

/// What a flush sent, for [`sent`].
pub(crate) struct Sent {
    table: String,
    table_id: String,
    stream_arn: String,
    ids: Vec<u64>,
}

/// The flush timer: sends the oldest records (one PutRecords call) to the destination's stream.
pub(crate) fn flush(db: &mut DynamoDb, cx: &mut Cx, timer: &Timer) -> Step {
    let region = cx.region.to_string();
    let name = timer.payload.get("table").and_then(Value::as_str).unwrap_or_default().to_string();
    let id = timer.payload.get("tableId").and_then(Value::as_str).unwrap_or_default();
    let Some(table) = db.tables_mut(&region).get_mut(&name).filter(|t| t.meta.id == id) else {
        return Step::Done(Value::Null);
    };
    let k = &mut table.kinesis;
    // (After a reload no flush is known to be pending: the restored timer is the one.)
    if k.flush_at.is_some_and(|at| at != timer.due_ms) {
        return Step::Done(Value::Null);
    }
    k.flush_at = None;
    let now = cx.now_ms;
    // Records past the replication window are lost.
    while k.outbox.front().is_some_and(|o| o.at_ms.saturating_add(MAX_UNREPLICATED_MS) <= now) {
        if let Some(o) = k.outbox.pop_front() {
            cx.journal.delete(out_key(&region, &name, o.id));
            k.failed_to_replicate_record_count += 1;
        }
    }
    let Some(stream_arn) = k.target().map(|d| d.stream_arn.clone()) else {
        // No destination takes records any more: the backlog goes with it.
        while let Some(o) = k.outbox.pop_front() {
            cx.journal.delete(out_key(&region, &name, o.id));
        }
        return Step::Done(Value::Null);
    };
    batch(k, &region, &name, id, stream_arn)
}

/// The next PutRecords of a flush: the oldest records, up to 500 or 5 MiB.
fn batch(k: &TableKinesis, region: &str, table: &str, table_id: &str, stream_arn: String) -> Step {
    if k.outbox.is_empty() {
        return Step::Done(Value::Null);
    }
    let (mut records, mut ids, mut bytes) = (Vec::new(), Vec::new(), 0);
    for o in k.outbox.iter() {
        let size = o.data.len() + o.partition_key.len();
        if records.len() == MAX_BATCH_RECORDS || (!records.is_empty() && bytes + size > MAX_BATCH_BYTES) {
            break;
        }
        bytes += size;
        ids.push(o.id);
        records.push(json!({"Data": B64.encode(&o.data), "PartitionKey": o.partition_key}));
    }
    let request = Request::new("kinesis", "PutRecords", region, json!({"StreamARN": stream_arn, "Records": records}));
    Step::Call(request, Box::new(Sent { table: table.to_string(), table_id: table_id.to_string(), stream_arn, ids }))
}

/// The answer to a flush's PutRecords: delivered records leave the outbox, refused ones stay
/// for the next flush. A batch delivered whole is followed by the next one at once, so the
/// outbox drains as fast as the stream takes records.
pub(crate) fn sent(db: &mut DynamoDb, cx: &mut Cx, sent: Sent, answer: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let region = cx.region.to_string();
    let Some(table) = db.tables_mut(&region).get_mut(&sent.table).filter(|t| t.meta.id == sent.table_id) else {
        return Ok(Step::Done(Value::Null));
    };
    let k = &mut table.kinesis;
    let results = answer.ok().and_then(|a| a.get("Records").and_then(Value::as_array).cloned());
    let results_ok = results.is_some();
    let mut all_delivered = false;
    match results {
        Some(results) => {
            let delivered: std::collections::BTreeSet<u64> = sent.ids.iter().zip(&results).filter(|(_, r)| r.get("SequenceNumber").is_some()).map(|(id, _)| *id).collect();
            k.throttled_put_record_count += (sent.ids.len() - delivered.len()) as u64;
            all_delivered = delivered.len() == sent.ids.len();
            k.outbox.retain(|o| {
                let keep = !delivered.contains(&o.id);
                if !keep {
                    cx.journal.delete(out_key(&region, &sent.table, o.id));
                }
                keep
            });
        }
        // The stream is gone or refused the call: everything is retried, less and less often.
        None => {
            k.throttled_put_record_count += sent.ids.len() as u64;
            k.retry_ms = (k.retry_ms * 2).clamp(FLUSH_MS, MAX_RETRY_MS);
        }
    }
    if results_ok {
        k.retry_ms = 0;
    }
    if all_delivered {
        return Ok(batch(k, &region, &sent.table, &sent.table_id, sent.stream_arn));
    }
    if !k.outbox.is_empty() && k.flush_at.is_none() {
        let delay = k.retry_ms.max(FLUSH_MS);
        schedule_flush(k, cx, &sent.table, &sent.table_id, cx.now_ms + delay);
    }
    Ok(Step::Done(Value::Null))
}

/// The settle timer: ENABLING/UPDATING → ACTIVE, DISABLING → DISABLED.
pub(crate) fn settle(table: &mut Table, cx: &mut Cx, region: &str, timer: &Timer) {
    let arn = timer.payload.get("stream").and_then(Value::as_str).unwrap_or_default();
    let Some(d) = table.kinesis.settings.destinations.iter_mut().find(|d| d.stream_arn == arn) else { return };
    if timer.payload.get("changed").and_then(Value::as_i64) != Some(d.changed_ms) {
        return;
    }
    match d.status.as_str() {
        "ENABLING" => d.status = "ACTIVE".into(),
        "UPDATING" => {
            d.status = "ACTIVE".into();
            if let Some(p) = d.next_precision.take() {
                d.precision = p;
            }
        }
        "DISABLING" => d.status = "DISABLED".into(),
        _ => return,
    }
    table.kinesis.refresh();
    cx.journal.put_json(settings_key(region, &table.meta.name), &table.kinesis.settings);
}

/// The request members the three changing operations share.
pub(crate) struct Change {
    table: String,
    stream_arn: String,
    precision: Option<String>,
    /// Whether the configuration member was present (echoed in the answer).
    configured: bool,
}

fn read(input: &Value, config_member: &str, config_shape: &str) -> Result<Change, AwsError> {
    let input = Input::new(input)?;
    let table = input.string("TableName")?;
    let stream_arn = input.string("StreamArn")?;
    let config = input.structure(config_member, config_shape)?;
    let precision = match &config {
        Some(c) => c.string("ApproximateCreationDateTimePrecision")?,
        None => None,
    };
    let mut c = Constraints::default();
    let path = format!("{}{}", config_member[..1].to_ascii_lowercase(), &config_member[1..]);
    c.one_of(precision, &format!("{path}.approximateCreationDateTimePrecision"), &PRECISIONS);
    if let Some(s) = stream_arn.filter(|s| s.len() < 37 || s.len() > 1024) {
        c.add(Some(s), "streamArn", if s.len() < 37 { "Member must have length greater than or equal to 37" } else { "Member must have length less than or equal to 1024" });
    }
    c.not_null(stream_arn, "streamArn");
    if let Some(t) = table.filter(|t| t.is_empty() || t.len() > 1024) {
        c.add(Some(t), "tableName", if t.is_empty() { "Member must have length greater than or equal to 1" } else { "Member must have length less than or equal to 1024" });
    }
    c.not_null(table, "tableName");
    c.finish()?;
    Ok(Change {
        table: table.unwrap_or_default().to_string(),
        stream_arn: stream_arn.unwrap_or_default().to_string(),
        precision: precision.map(str::to_string),
        configured: config.is_some(),
    })
}

/// A table named by name or ARN (of this account and region).
fn table_name(cx: &Cx, name: &str) -> Result<String, AwsError> {
    if let Some(rest) = name.strip_prefix("arn:") {
        let prefix = format!("aws:dynamodb:{}:{}:table/", cx.region, cx.account.id);
        return rest.strip_prefix(&prefix).filter(|t| !t.is_empty() && !t.contains('/')).map(str::to_string).ok_or_else(|| not_found(name));
    }
    Ok(name.to_string())
}

fn not_found(name: &str) -> AwsError {
    resource_not_found(format!("Requested resource not found: Table: {name} not found"))
}

/// The table a destination change applies to: it must exist and be ACTIVE or UPDATING.
fn changeable<'a>(db: &'a mut DynamoDb, cx: &Cx, name: &str) -> Result<&'a mut Table, AwsError> {
    let region = cx.region.to_string();
    let table = db.tables_mut(&region).get_mut(name).ok_or_else(|| not_found(name))?;
    match table.meta.status {
        TableStatus::Creating => Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being created: {name}"))),
        TableStatus::Deleting => Err(not_found(name)),
        TableStatus::Active | TableStatus::Updating => Ok(table),
    }
}

/// `(region, account)` of a Kinesis stream ARN `arn:aws:kinesis:{region}:{account}:stream/{name}`.
fn stream_arn_parts(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:kinesis:")?;
    let (region, rest) = rest.split_once(':')?;
    let (account, name) = rest.split_once(":stream/")?;
    (!name.is_empty() && !name.contains('/')).then_some((region, account))
}

fn no_permission() -> AwsError {
    AwsError::validation("User does not have a permission to use kinesis stream")
}

fn answer(table: &str, stream_arn: &str, status: &str, config: Option<(&str, Option<&str>)>) -> Value {
    let mut out = json!({"TableName": table, "StreamArn": stream_arn, "DestinationStatus": status});
    if let Some((member, precision)) = config {
        out[member] = match precision {
            Some(p) => json!({"ApproximateCreationDateTimePrecision": p}),
            None => json!({}),
        };
    }
    out
}

/// EnableKinesisStreamingDestination, first half: checks the request and the table, then asks
/// Kinesis about the stream (see [`enable_checked`]).
pub fn enable(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Step, AwsError> {
    let change = read(input, "EnableKinesisStreamingConfiguration", "EnableKinesisStreamingConfiguration")?;
    let name = table_name(cx, &change.table)?;
    changeable(db, cx, &name)?;
    match stream_arn_parts(&change.stream_arn) {
        Some((region, account)) if region == cx.region && account == cx.account.id => {}
        _ => return Err(no_permission()),
    }
    let request = Request::new("kinesis", "DescribeStreamSummary", cx.region, json!({"StreamARN": change.stream_arn}));
    Ok(Step::Call(request, Box::new(change)))
}

/// EnableKinesisStreamingDestination, second half, with Kinesis's DescribeStreamSummary answer.
pub(crate) fn enable_checked(db: &mut DynamoDb, cx: &mut Cx, change: Change, summary: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let summary = summary.map_err(|_| no_permission())?;
    let status = summary.pointer("/StreamDescriptionSummary/StreamStatus").and_then(Value::as_str).unwrap_or_default();
    if !matches!(status, "ACTIVE" | "UPDATING") {
        return Err(resource_in_use(format!("Kinesis stream {} is not in ACTIVE state: {status}", change.stream_arn)));
    }
    let name = table_name(cx, &change.table)?;
    let region = cx.region.to_string();
    let table = changeable(db, cx, &name)?;
    let k = &mut table.kinesis;
    if k.settings.destinations.iter().any(|d| !matches!(d.status.as_str(), "DISABLED")) {
        return Err(AwsError::validation(
            "Table is not in a valid state to enable Kinesis Streaming Destination:EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED to perform ENABLE operation.",
        ));
    }
    let precision = change.precision.clone().unwrap_or_else(|| "MILLISECOND".into());
    // Enabling a stream again reuses its entry, as AWS lists each stream once.
    k.settings.destinations.retain(|d| d.stream_arn != change.stream_arn);
    k.settings.destinations.push(Destination {
        stream_arn: change.stream_arn.clone(),
        status: "ENABLING".into(),
        precision: precision.clone(),
        next_precision: None,
        changed_ms: cx.now_ms,
    });
    cx.journal.put_json(settings_key(&region, &name), &k.settings);
    cx.schedule(cx.now_ms + TRANSITION_MS, json!({"action": SETTLE_ACTION, "table": name, "tableId": table.meta.id, "stream": change.stream_arn, "changed": cx.now_ms}));
    let config = Some(("EnableKinesisStreamingConfiguration", Some(precision.as_str())));
    Ok(Step::Done(answer(&name, &change.stream_arn, "ENABLING", config)))
}

pub fn disable(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let change = read(input, "EnableKinesisStreamingConfiguration", "EnableKinesisStreamingConfiguration")?;
    let name = table_name(cx, &change.table)?;
    let region = cx.region.to_string();
    let now = cx.now_ms;
    let table = changeable(db, cx, &name)?;
    let Some(d) = table.kinesis.settings.destinations.iter_mut().find(|d| d.stream_arn == change.stream_arn && d.status == "ACTIVE") else {
        return Err(AwsError::validation(
            "Table is not in a valid state to disable Kinesis Streaming Destination:DisableKinesisStreamingDestination must be ACTIVE to perform DISABLE operation.",
        ));
    };
    d.status = "DISABLING".into();
    d.changed_ms = now;
    table.kinesis.refresh();
    cx.journal.put_json(settings_key(&region, &name), &table.kinesis.settings);
    cx.schedule(now + TRANSITION_MS, json!({"action": SETTLE_ACTION, "table": name, "tableId": table.meta.id, "stream": change.stream_arn, "changed": now}));
    let config = change.configured.then_some(("EnableKinesisStreamingConfiguration", change.precision.as_deref()));
    Ok(answer(&name, &change.stream_arn, "DISABLING", config))
}

pub fn update(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let change = read(input, "UpdateKinesisStreamingConfiguration", "UpdateKinesisStreamingConfiguration")?;
    let name = table_name(cx, &change.table)?;
    let Some(precision) = change.precision.clone() else {
        return Err(AwsError::validation("Invalid Request: UpdateKinesisStreamingConfiguration with ApproximateCreationDateTimePrecision is required"));
    };
    let region = cx.region.to_string();
    let now = cx.now_ms;
    let table = changeable(db, cx, &name)?;
    let Some(d) = table.kinesis.settings.destinations.iter_mut().find(|d| d.stream_arn == change.stream_arn && d.status != "DISABLED") else {
        return Err(resource_not_found(format!("Requested resource not found: Kinesis streaming destination {} not found for table {name}", change.stream_arn)));
    };
    if d.status != "ACTIVE" {
        return Err(resource_in_use(format!("Kinesis streaming destination {} is {}; it must be ACTIVE to be updated", change.stream_arn, d.status)));
    }
    if d.precision == precision {
        return Err(AwsError::validation(format!("Invalid Request: ApproximateCreationDateTimePrecision is already {precision}")));
    }
    d.status = "UPDATING".into();
    d.next_precision = Some(precision.clone());
    d.changed_ms = now;
    cx.journal.put_json(settings_key(&region, &name), &table.kinesis.settings);
    cx.schedule(now + TRANSITION_MS, json!({"action": SETTLE_ACTION, "table": name, "tableId": table.meta.id, "stream": change.stream_arn, "changed": now}));
    Ok(answer(&name, &change.stream_arn, "UPDATING", Some(("UpdateKinesisStreamingConfiguration", Some(&precision)))))
}

pub fn describe(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let parsed = Input::new(input)?;
    let table = parsed.string("TableName")?;
    let mut c = Constraints::default();
    if let Some(t) = table.filter(|t| t.is_empty() || t.len() > 1024) {
        c.add(Some(t), "tableName", if t.is_empty() { "Member must have length greater than or equal to 1" } else { "Member must have length less than or equal to 1024" });
    }
    c.not_null(table, "tableName");
    c.finish()?;
    let name = table_name(cx, table.unwrap_or_default())?;
    let t = db.tables(cx.region).and_then(|t| t.get(&name)).filter(|t| t.meta.status != TableStatus::Deleting).ok_or_else(|| not_found(&name))?;
    let list: Vec<Value> = t
        .kinesis
        .settings
        .destinations
        .iter()
        .map(|d| json!({"StreamArn": d.stream_arn, "DestinationStatus": d.status, "ApproximateCreationDateTimePrecision": d.precision}))
        .collect();
    Ok(json!({"TableName": name, "KinesisDataStreamDestinations": list}))
}

pub(crate) fn resume(db: &mut DynamoDb, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
    let Resumed::Called(answer) = result else {
        return Err(AwsError::internal("DynamoDB runs no code"));
    };
    let then = match then.downcast::<Change>() {
        Ok(change) => return enable_checked(db, cx, *change, answer),
        Err(other) => other,
    };
    match then.downcast::<Sent>() {
        Ok(s) => sent(db, cx, *s, answer),
        Err(_) => Err(AwsError::internal("DynamoDB resumed with another service's continuation")),
    }
}

/// Loads `.../kinesis` or `.../kinesis/out/{id}` of a table already loaded.
pub(crate) fn load(table: &mut Table, rest: Option<&str>, value: &[u8]) -> Result<(), String> {
    match rest {
        None => {
            table.kinesis.settings = serde_json::from_slice(value).map_err(|e| e.to_string())?;
            table.kinesis.refresh();
        }
        Some(r) => {
            let id = r.strip_prefix("out/").filter(|h| h.len() == 16).and_then(|h| u64::from_str_radix(h, 16).ok()).ok_or("bad Kinesis outbox record key")?;
            let mut out: Outgoing = serde_json::from_slice(value).map_err(|e| e.to_string())?;
            out.id = id;
            let k = &mut table.kinesis;
            if k.outbox.back().is_some_and(|b| b.id >= id) {
                return Err("Kinesis outbox records out of order".into());
            }
            k.next_id = id + 1;
            k.outbox.push_back(out);
        }
    }
    Ok(())
}

/// The table's Kinesis records for a snapshot.
pub(crate) fn save(table: &Table, region: &str, out: &mut Vec<crate::kernel::journal::Record>) {
    let k = &table.kinesis;
    if !k.settings.destinations.is_empty() {
        out.push(crate::kernel::journal::Record { key: settings_key(region, &table.meta.name), value: serde_json::to_vec(&k.settings).unwrap_or_default() });
    }
    for o in &k.outbox {
        out.push(crate::kernel::journal::Record { key: out_key(region, &table.meta.name, o.id), value: serde_json::to_vec(o).unwrap_or_default() });
    }
}
