//! The load generator: a steady stream of PutItem or GetItem requests against one table, issued
//! by the service itself on the virtual clock, so a learner can watch capacity, throttling and
//! the metrics react (and fast-forward through it). Not an AWS feature: control operations
//! `dynamodb:StartLoad`, `dynamodb:DescribeLoad`, `dynamodb:StopLoad`.
//!
//! A load is a timer per virtual second. Each tick sends that second's requests through the
//! ordinary operation code ([`items::put_item`], [`items::get_item`]) at evenly spaced instants
//! within the second, so token buckets refill between them exactly as for a client's requests.
//! Throttled requests are counted and not retried (a client with retries would send them
//! again). Writes go to a fixed set of [`KEY_COUNT`] keys (`load-0` … `load-99`), overwriting,
//! so a long load does not grow the table; reads look up the same keys (a key not written yet
//! costs the minimum, as a GetItem that finds nothing does).
//!
//! Loads are runtime state, not records (like the lanes and metrics they feed): a restored
//! sandbox has none, and a leftover tick timer finds no load and does nothing.

use serde_json::{json, Value};

use super::{
    items,
    key::{KeyAttribute, KeySchema, ScalarType},
    resource_not_found, value, DynamoDb,
};
use crate::kernel::{error::AwsError, scheduler::Timer, service::Cx, time::iso8601};

/// The timer action of a load's tick.
pub const TICK_ACTION: &str = "load-tick";
/// Distinct keys a load writes and reads.
pub const KEY_COUNT: u64 = 100;
/// At most this many requests per second (each is a full PutItem/GetItem in the engine).
pub const MAX_RATE: u64 = 1_000;
/// At most one hour.
pub const MAX_DURATION_SECONDS: u64 = 3_600;
/// At most this many requests in one load: a fast-forward runs them all in one call (natively
/// about 250,000–300,000 a second; the browser's wasm is slower).
pub const MAX_REQUESTS: u64 = 600_000;
/// At most this many bytes of items written by one load: every write is journaled and persisted
/// like any other (about 1 KB of journal for a 1 KB item).
pub const MAX_WRITE_BYTES: u64 = 100_000_000;
/// The non-key attribute that pads written items to the requested size.
const PAD: &str = "payload";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    PutItem,
    GetItem,
}

#[derive(Debug, Clone)]
pub struct Load {
    pub id: String,
    pub table: String,
    pub table_id: String,
    pub operation: Operation,
    pub consistent_read: bool,
    pub item_size: u64,
    pub rate: u64,
    pub duration_s: u64,
    pub start_ms: i64,
    pub end_ms: i64,
    /// RUNNING, COMPLETED, STOPPED or FAILED (the table went away).
    pub status: &'static str,
    pub sent: u64,
    pub succeeded: u64,
    pub throttled: u64,
    pub failed: u64,
    pub consumed_units: f64,
    /// The last error other than throttling: (type, message).
    pub last_error: Option<(String, String)>,
    /// The last throttling error seen: (type, message).
    pub last_throttle: Option<(String, String)>,
}

impl Load {
    fn describe(&self) -> Value {
        let mut d = json!({
            "LoadId": self.id,
            "TableName": self.table,
            "Operation": match self.operation { Operation::PutItem => "PutItem", Operation::GetItem => "GetItem" },
            "RequestsPerSecond": self.rate,
            "DurationSeconds": self.duration_s,
            "StartTime": self.start_ms as f64 / 1000.0,
            "EndTime": self.end_ms as f64 / 1000.0,
            "Start": iso8601(self.start_ms),
            "Status": self.status,
            "RequestsSent": self.sent,
            "Succeeded": self.succeeded,
            "Throttled": self.throttled,
            "Failed": self.failed,
            "ConsumedCapacityUnits": self.consumed_units,
        });
        match self.operation {
            Operation::PutItem => d["ItemSizeBytes"] = json!(self.item_size),
            Operation::GetItem => d["ConsistentRead"] = json!(self.consistent_read),
        }
        if let Some((kind, message)) = &self.last_error {
            d["LastError"] = json!({"Type": kind, "Message": message});
        }
        if let Some((kind, message)) = &self.last_throttle {
            d["LastThrottle"] = json!({"Type": kind, "Message": message});
        }
        d
    }
}

fn uint(input: &Value, name: &str, min: u64, max: u64, default: Option<u64>) -> Result<u64, AwsError> {
    match input.get(name) {
        None | Some(Value::Null) => default.ok_or_else(|| AwsError::validation(format!("{name} is required"))),
        Some(v) => v.as_u64().filter(|n| (min..=max).contains(n)).ok_or_else(|| AwsError::validation(format!("{name} must be a whole number from {min} to {max}"))),
    }
}

fn table_name(input: &Value) -> Result<&str, AwsError> {
    input.get("TableName").and_then(Value::as_str).ok_or_else(|| AwsError::validation("TableName is required"))
}

/// A key attribute's value for load key number `n`.
fn key_value(attr: &KeyAttribute, n: u64) -> Value {
    match attr.kind {
        ScalarType::S => json!({"S": format!("load-{n}")}),
        ScalarType::N => json!({"N": n.to_string()}),
        // The bytes of the text `load-{n}`, base64 in DynamoDB JSON.
        ScalarType::B => {
            use base64::Engine as _;
            json!({"B": base64::engine::general_purpose::STANDARD.encode(format!("load-{n}"))})
        }
    }
}

/// Load key number `n` as an item's key attributes.
fn key_item(schema: &KeySchema, n: u64) -> serde_json::Map<String, Value> {
    let mut k = serde_json::Map::new();
    k.insert(schema.hash.name.clone(), key_value(&schema.hash, n));
    if let Some(r) = &schema.range {
        k.insert(r.name.clone(), key_value(r, 0));
    }
    k
}

/// The bytes key `n` and the (empty) padding attribute count in an item's size, as DynamoDB
/// counts them (the engine's own rule).
fn base_bytes(schema: &KeySchema, n: u64) -> u64 {
    let mut item = key_item(schema, n);
    item.insert(PAD.into(), json!({"S": ""}));
    value::item_from_json(&Value::Object(item)).map(|i| value::item_size(&i) as u64).unwrap_or(0)
}

/// `dynamodb:StartLoad {TableName, Operation: PutItem|GetItem, RequestsPerSecond,
/// DurationSeconds, ItemSizeBytes? (PutItem, default 1000), ConsistentRead? (GetItem)}`.
/// One load per table at a time.
pub fn start(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name = table_name(input)?;
    let operation = match input.get("Operation").and_then(Value::as_str) {
        Some("PutItem") => Operation::PutItem,
        Some("GetItem") => Operation::GetItem,
        _ => return Err(AwsError::validation("Operation must be PutItem or GetItem")),
    };
    let rate = uint(input, "RequestsPerSecond", 1, MAX_RATE, None)?;
    let duration_s = uint(input, "DurationSeconds", 1, MAX_DURATION_SECONDS, None)?;
    let item_size = match operation {
        Operation::PutItem => uint(input, "ItemSizeBytes", 1, 400 * 1024, Some(1000))?,
        Operation::GetItem if input.get("ItemSizeBytes").is_some_and(|v| !v.is_null()) => {
            return Err(AwsError::validation("ItemSizeBytes applies to PutItem loads; a GetItem load reads the items a PutItem load wrote"))
        }
        Operation::GetItem => 0,
    };
    let consistent_read = match (operation, input.get("ConsistentRead")) {
        (_, None | Some(Value::Null)) => false,
        (Operation::GetItem, Some(Value::Bool(b))) => *b,
        (Operation::GetItem, Some(_)) => return Err(AwsError::validation("ConsistentRead must be a boolean")),
        (Operation::PutItem, Some(_)) => return Err(AwsError::validation("ConsistentRead applies to GetItem loads")),
    };
    if rate * duration_s > MAX_REQUESTS {
        return Err(AwsError::validation(format!("A load may send at most {MAX_REQUESTS} requests in the sandbox (RequestsPerSecond × DurationSeconds is {})", rate * duration_s)));
    }
    if operation == Operation::PutItem && rate * duration_s * item_size > MAX_WRITE_BYTES {
        return Err(AwsError::validation(format!(
            "A PutItem load may write at most 100 MB of items in the sandbox, as every write is persisted (RequestsPerSecond × DurationSeconds × ItemSizeBytes is {})",
            rate * duration_s * item_size
        )));
    }
    let table = db.active_table(cx.region, name)?;
    if operation == Operation::PutItem {
        let least = (0..KEY_COUNT).map(|n| base_bytes(&table.meta.key_schema, n)).max().unwrap_or(0);
        if item_size < least {
            return Err(AwsError::validation(format!("ItemSizeBytes must be at least {least} for this table's key (its key attributes and the '{PAD}' attribute)")));
        }
    }
    let table_id = table.meta.id.clone();
    let region = cx.region.to_string();
    let key = (region, name.to_string());
    if db.loads.get(&key).is_some_and(|l| l.status == "RUNNING") {
        return Err(AwsError::new(super::ERROR_NAMESPACE, "ResourceInUseException", format!("A load is already running on table {name}; stop it first"), 400));
    }
    let id = format!("load-{}", cx.rng.token(b"0123456789abcdef", 12));
    let load = Load {
        id: id.clone(),
        table: name.to_string(),
        table_id,
        operation,
        consistent_read,
        item_size,
        rate,
        duration_s,
        start_ms: cx.now_ms,
        end_ms: cx.now_ms + duration_s as i64 * 1000,
        status: "RUNNING",
        sent: 0,
        succeeded: 0,
        throttled: 0,
        failed: 0,
        consumed_units: 0.0,
        last_error: None,
        last_throttle: None,
    };
    let out = load.describe();
    db.loads.insert(key, load);
    cx.schedule(cx.now_ms, json!({"action": TICK_ACTION, "table": name, "loadId": id}));
    Ok(json!({"Load": out}))
}

/// `dynamodb:DescribeLoad {TableName}`: the table's running or last load (no `Load` member when
/// none has run since the sandbox started).
pub fn describe(db: &DynamoDb, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let name = table_name(input)?;
    match db.loads.get(&(cx.region.to_string(), name.to_string())) {
        Some(l) => Ok(json!({"Load": l.describe()})),
        None => Ok(json!({})),
    }
}

/// `dynamodb:StopLoad {TableName}`: stops a running load (its counts stay readable).
pub fn stop(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name = table_name(input)?;
    let load = db
        .loads
        .get_mut(&(cx.region.to_string(), name.to_string()))
        .filter(|l| l.status == "RUNNING")
        .ok_or_else(|| resource_not_found(format!("No load is running on table {name}")))?;
    load.status = "STOPPED";
    load.end_ms = cx.now_ms;
    Ok(json!({"Load": load.describe()}))
}

/// One virtual second of a load: its requests at evenly spaced instants from the timer's due
/// time, then the next tick.
pub fn tick(db: &mut DynamoDb, cx: &mut Cx, timer: &Timer) {
    let name = timer.payload.get("table").and_then(Value::as_str).unwrap_or_default().to_string();
    let id = timer.payload.get("loadId").and_then(Value::as_str).unwrap_or_default();
    let key = (cx.region.to_string(), name.clone());
    let Some(load) = db.loads.get(&key).filter(|l| l.id == id && l.status == "RUNNING") else {
        return;
    };
    let start = timer.due_ms;
    if start >= load.end_ms {
        if let Some(l) = db.loads.get_mut(&key) {
            l.status = "COMPLETED";
        }
        return;
    }
    // The table must still be the one the load started on.
    let schema = match db.active_table(cx.region, &name) {
        Ok(t) if t.meta.id == load.table_id => t.meta.key_schema.clone(),
        _ => {
            if let Some(l) = db.loads.get_mut(&key) {
                l.status = "FAILED";
                l.last_error = Some(("ResourceNotFoundException".into(), "Requested resource not found".into()));
                l.end_ms = start;
            }
            return;
        }
    };
    let (operation, rate, item_size, consistent, first) = (load.operation, load.rate, load.item_size, load.consistent_read, load.sent);
    let now = cx.now_ms;
    let mut tally = (0u64, 0u64, 0u64, 0.0f64);
    let mut last_error = None;
    let mut last_throttle = None;
    for i in 0..rate {
        let n = (first + i) % KEY_COUNT;
        let k = key_item(&schema, n);
        cx.now_ms = start + (i * 1000 / rate) as i64;
        let mark = cx.journal.len();
        let result = match operation {
            Operation::PutItem => {
                let used = base_bytes(&schema, n);
                let mut item = k;
                item.insert(PAD.into(), json!({"S": "x".repeat(item_size.saturating_sub(used) as usize)}));
                items::put_item(db, cx, &json!({"TableName": name, "Item": item, "ReturnConsumedCapacity": "TOTAL"}))
            }
            // Only the key comes back (a read is billed the whole item's size either way), so
            // a load of large items does not copy them into answers nobody reads.
            Operation::GetItem => items::get_item(
                db,
                cx,
                &json!({"TableName": name, "Key": k, "ConsistentRead": consistent, "ReturnConsumedCapacity": "TOTAL",
                        "ProjectionExpression": "#k", "ExpressionAttributeNames": {"#k": schema.hash.name}}),
            ),
        };
        match result {
            Ok(out) => {
                tally.1 += 1;
                tally.3 += out.pointer("/ConsumedCapacity/CapacityUnits").and_then(Value::as_f64).unwrap_or(0.0);
            }
            Err(e) => {
                cx.journal.truncate(mark);
                if matches!(e.kind.as_str(), "ProvisionedThroughputExceededException" | "RequestLimitExceeded") {
                    tally.2 += 1;
                    last_throttle = Some((e.kind.clone(), e.message));
                } else {
                    last_error = Some((e.kind.clone(), e.message));
                }
            }
        }
        tally.0 += 1;
    }
    cx.now_ms = now;
    let Some(l) = db.loads.get_mut(&key) else { return };
    l.sent += tally.0;
    l.succeeded += tally.1;
    l.throttled += tally.2;
    l.failed += tally.0 - tally.1 - tally.2;
    l.consumed_units += tally.3;
    if last_error.is_some() {
        l.last_error = last_error;
    }
    if last_throttle.is_some() {
        l.last_throttle = last_throttle;
    }
    let next = start + 1000;
    if next < l.end_ms {
        cx.schedule(next, json!({"action": TICK_ACTION, "table": name, "loadId": id}));
    } else {
        l.status = "COMPLETED";
    }
}
