//! Throughput: provisioned throttling with burst credit, on-demand scaling, and per-minute
//! CloudWatch-style capacity metrics, all on the virtual clock.
//!
//! The model (see ARCHITECTURE.md, "DynamoDB capacity"):
//!
//! - Every table and every GSI has two lanes, read and write. A lane is a token bucket in
//!   capacity units. LSIs have no lanes: their units are the table's.
//! - **Admission, then the bill.** A request is admitted when every lane it touches has a
//!   positive balance; then the units it actually consumed (known exactly once the item sizes
//!   are) are taken, which may drive a balance negative: a 1 MB Scan page on a 1 RCU table
//!   succeeds and the table is throttled until refill repays the debt, as in DynamoDB. A
//!   throttled request consumes nothing.
//! - **Provisioned:** a lane refills at the provisioned rate and holds at most
//!   [`BURST_SECONDS`] of it (DynamoDB retains up to 300 seconds of unused capacity). A new
//!   lane starts full, as if idle for five minutes.
//! - **On-demand:** a lane allows twice its previous peak per second, at least
//!   [`ON_DEMAND_NEW_READ`] / [`ON_DEMAND_NEW_WRITE`] (a new on-demand table's documented
//!   4,000 WRU / 12,000 RRU), capped by the per-table quota [`ON_DEMAND_TABLE_QUOTA`]. A
//!   second's consumption becomes the previous peak [`PEAK_SETTLE_MS`] (30 minutes) later, so
//!   traffic that more than doubles within 30 minutes is throttled. A table switched from
//!   provisioned starts with half its provisioned rate as previous peak.
//!
//! State is derived and not persisted: a restored sandbox starts with full buckets, settled
//! on-demand peaks and no metrics (persisting them would cost a journal write per request).

use std::collections::{BTreeMap, VecDeque};

use serde_json::{json, Value};

use super::{
    capacity::Consumed,
    index::{IndexKind, IndexMeta},
    table::{BillingMode, TableMeta},
    ERROR_NAMESPACE,
};
use crate::kernel::{error::AwsError, time::iso8601};

/// Unused provisioned capacity a lane keeps, in seconds of its rate.
pub const BURST_SECONDS: f64 = 300.0;
/// What a new on-demand table (or GSI) sustains per second.
pub const ON_DEMAND_NEW_READ: f64 = 12_000.0;
pub const ON_DEMAND_NEW_WRITE: f64 = 4_000.0;
/// The default per-table (and per-GSI) on-demand throughput quota.
pub const ON_DEMAND_TABLE_QUOTA: f64 = 40_000.0;
/// How long a new traffic peak takes to become the "previous peak".
pub const PEAK_SETTLE_MS: i64 = 30 * 60_000;
/// Minutes of metrics kept per table (24 hours).
pub const KEEP_MINUTES: usize = 24 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read = 0,
    Write = 1,
}

impl Access {
    fn word(self) -> &'static str {
        match self {
            Access::Read => "Read",
            Access::Write => "Write",
        }
    }
}

/// Why a lane refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    Provisioned,
    /// On-demand scaling (traffic beyond twice the previous peak).
    Scaling,
    /// The per-table on-demand quota.
    Quota,
}

#[derive(Debug, Clone, Default)]
struct Lane {
    /// None until first used (or after a billing mode switch).
    mode: Option<BillingMode>,
    tokens: f64,
    at_ms: i64,
    /// The provisioned rate last seen (for the switch to on-demand).
    provisioned: f64,
    second_ms: i64,
    second_used: f64,
    /// On-demand previous peak, per second.
    settled: f64,
    /// Peaks seen and not yet settled, strictly increasing.
    rising: VecDeque<(i64, f64)>,
}

impl Lane {
    /// Brings the lane to `now_ms` and returns the limit that binds it.
    fn refresh(&mut self, now_ms: i64, mode: BillingMode, provisioned: f64, access: Access) -> Limit {
        if self.mode != Some(mode) {
            if mode == BillingMode::PayPerRequest {
                let floor = match access {
                    Access::Read => ON_DEMAND_NEW_READ,
                    Access::Write => ON_DEMAND_NEW_WRITE,
                } / 2.0;
                let from_provisioned = if self.mode == Some(BillingMode::Provisioned) { self.provisioned / 2.0 } else { 0.0 };
                self.settled = self.settled.max(floor).max(from_provisioned);
                self.rising.clear();
                self.second_ms = now_ms - now_ms.rem_euclid(1000);
                self.second_used = 0.0;
            }
            self.mode = Some(mode);
            self.tokens = f64::INFINITY;
            self.at_ms = now_ms;
        }
        let (rate, cap, limit) = match mode {
            BillingMode::Provisioned => {
                self.provisioned = provisioned;
                (provisioned, provisioned * BURST_SECONDS, Limit::Provisioned)
            }
            BillingMode::PayPerRequest => {
                let second = now_ms - now_ms.rem_euclid(1000);
                if second > self.second_ms {
                    let used = self.second_used;
                    if used > self.settled && self.rising.back().is_none_or(|(_, l)| used > *l) {
                        self.rising.push_back((self.second_ms, used));
                    }
                    self.second_ms = second;
                    self.second_used = 0.0;
                }
                while let Some(&(at, level)) = self.rising.front() {
                    if at + PEAK_SETTLE_MS > now_ms {
                        break;
                    }
                    self.settled = self.settled.max(level);
                    self.rising.pop_front();
                }
                let scaled = 2.0 * self.settled;
                if scaled > ON_DEMAND_TABLE_QUOTA {
                    (ON_DEMAND_TABLE_QUOTA, ON_DEMAND_TABLE_QUOTA, Limit::Quota)
                } else {
                    (scaled, scaled, Limit::Scaling)
                }
            }
        };
        if now_ms > self.at_ms {
            self.tokens += rate * (now_ms - self.at_ms) as f64 / 1000.0;
            self.at_ms = now_ms;
        }
        self.tokens = self.tokens.min(cap);
        limit
    }

    fn take(&mut self, units: f64) {
        self.tokens -= units;
        self.second_used += units;
    }
}

/// One minute of one resource's metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub consumed: [f64; 2],
    pub throttle_events: [u64; 2],
}

#[derive(Debug, Clone, Default)]
pub struct Minute {
    pub start_ms: i64,
    pub table: Figures,
    /// Provisioned read and write units during the minute (the last value seen).
    pub provisioned: Option<[f64; 2]>,
    pub indexes: BTreeMap<String, (Figures, Option<[f64; 2]>)>,
    /// ThrottledRequests by operation.
    pub throttled_requests: Vec<(&'static str, u64)>,
}

/// A table's lanes and metrics.
#[derive(Debug, Clone, Default)]
pub struct Throughput {
    table: [Lane; 2],
    indexes: BTreeMap<String, [Lane; 2]>,
    pub minutes: VecDeque<Minute>,
}

/// A refusal: which resource, and why.
#[derive(Debug, Clone)]
pub struct Throttle {
    index: Option<String>,
    access: Access,
    limit: Limit,
}

const PROVISIONED_TABLE: &str = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.";
const PROVISIONED_INDEX: &str = "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API";
const ON_DEMAND_TABLE: &str = "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html";
const ON_DEMAND_INDEX: &str =
    "Throughput exceeds the current capacity for one or more global secondary indexes. DynamoDB is automatically scaling your index so please try again shortly.";
const QUOTA: &str = "Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase";

impl Throttle {
    /// The message DynamoDB gives (also a transaction's ThrottlingError reason message).
    pub fn message(&self) -> &'static str {
        match (self.limit, self.index.is_some()) {
            (Limit::Provisioned, false) => PROVISIONED_TABLE,
            (Limit::Provisioned, true) => PROVISIONED_INDEX,
            (Limit::Scaling, false) => ON_DEMAND_TABLE,
            (Limit::Scaling, true) => ON_DEMAND_INDEX,
            (Limit::Quota, _) => QUOTA,
        }
    }

    /// The ThrottlingReason: `{Table|Index}{Read|Write}{LimitType}` and the resource's ARN.
    pub fn reason(&self, table_arn: &str) -> Value {
        let limit = match self.limit {
            Limit::Provisioned => "ProvisionedThroughputExceeded",
            // On-demand scaling throttles at the partitions: DynamoDB reports a key range.
            Limit::Scaling => "KeyRangeThroughputExceeded",
            Limit::Quota => "AccountLimitExceeded",
        };
        let (kind, resource) = match &self.index {
            None => ("Table", table_arn.to_string()),
            Some(i) => ("Index", format!("{table_arn}/index/{i}")),
        };
        json!({"reason": format!("{kind}{}{limit}", self.access.word()), "resource": resource})
    }

    /// ProvisionedThroughputExceededException (RequestLimitExceeded for the account quota),
    /// with ThrottlingReasons.
    pub fn error(&self, table_arn: &str) -> AwsError {
        let kind = if self.limit == Limit::Quota { "RequestLimitExceeded" } else { "ProvisionedThroughputExceededException" };
        AwsError::new(ERROR_NAMESPACE, kind, self.message(), 400).with("ThrottlingReasons", json!([self.reason(table_arn)]))
    }
}

fn provisioned(meta: &TableMeta, index: Option<&IndexMeta>) -> [f64; 2] {
    match index {
        None => [meta.read_capacity as f64, meta.write_capacity as f64],
        Some(i) => [i.read_capacity as f64, i.write_capacity as f64],
    }
}

impl Throughput {
    /// The lanes a request with `consumed` touches, with their units: the table's (its own
    /// units plus every LSI's) and each GSI's.
    fn touched<'a>(consumed: &'a Consumed) -> (f64, impl Iterator<Item = (&'a String, f64)> + 'a) {
        let lsi: f64 = consumed.indexes.values().filter(|(k, _)| *k == IndexKind::Local).map(|(_, u)| u).sum();
        (consumed.table + lsi, consumed.indexes.iter().filter(|(_, (k, u))| *k == IndexKind::Global && *u > 0.0).map(|(n, (_, u))| (n, *u)))
    }

    /// Whether a request consuming `consumed` is admitted now (nothing is taken).
    pub fn check(&mut self, meta: &TableMeta, now_ms: i64, access: Access, consumed: &Consumed) -> Result<(), Throttle> {
        let a = access as usize;
        let (table_units, gsis) = Self::touched(consumed);
        let p = provisioned(meta, None);
        let limit = self.table[a].refresh(now_ms, meta.billing_mode, p[a], access);
        if self.table[a].tokens <= 0.0 && (table_units > 0.0 || consumed.indexes.is_empty()) {
            return Err(Throttle { index: None, access, limit });
        }
        for (name, _) in gsis {
            let Some(meta_i) = meta.indexes.iter().find(|i| &i.name == name) else { continue };
            let lanes = self.indexes.entry(name.clone()).or_default();
            let limit = lanes[a].refresh(now_ms, meta.billing_mode, provisioned(meta, Some(meta_i))[a], access);
            if lanes[a].tokens <= 0.0 {
                return Err(Throttle { index: Some(name.clone()), access, limit });
            }
        }
        Ok(())
    }

    /// Takes what an admitted request consumed and counts it in the minute's metrics.
    pub fn take(&mut self, meta: &TableMeta, now_ms: i64, access: Access, consumed: &Consumed) {
        let a = access as usize;
        let (table_units, gsis) = Self::touched(consumed);
        self.table[a].take(table_units);
        let minute = self.minute(meta, now_ms);
        minute.table.consumed[a] += table_units;
        let mut gsi_units: Vec<(&String, f64)> = Vec::new();
        for (name, units) in gsis {
            gsi_units.push((name, units));
        }
        for (name, units) in gsi_units {
            if let Some(lanes) = self.indexes.get_mut(name) {
                lanes[a].take(units);
            }
            let p = meta.indexes.iter().find(|i| &i.name == name).filter(|_| meta.billing_mode == BillingMode::Provisioned).map(|i| provisioned(meta, Some(i)));
            let minute = self.minute(meta, now_ms);
            let entry = minute.indexes.entry(name.clone()).or_default();
            entry.0.consumed[a] += units;
            if p.is_some() {
                entry.1 = p;
            }
        }
    }

    /// [`Throughput::check`] then [`Throughput::take`]; a refusal counts a throttle event and,
    /// when `request` says so, a throttled request of `op`.
    pub fn charge(&mut self, meta: &TableMeta, now_ms: i64, op: &'static str, access: Access, consumed: &Consumed, request: bool) -> Result<(), AwsError> {
        match self.check(meta, now_ms, access, consumed) {
            Ok(()) => {
                self.take(meta, now_ms, access, consumed);
                Ok(())
            }
            Err(t) => {
                self.throttled(meta, now_ms, &t, op, request);
                Err(t.error(&meta.arn))
            }
        }
    }

    /// Counts a throttle event (and, when `request`, a throttled request of `op`).
    pub fn throttled(&mut self, meta: &TableMeta, now_ms: i64, t: &Throttle, op: &'static str, request: bool) {
        let a = t.access as usize;
        let minute = self.minute(meta, now_ms);
        match &t.index {
            None => minute.table.throttle_events[a] += 1,
            Some(i) => minute.indexes.entry(i.clone()).or_default().0.throttle_events[a] += 1,
        }
        if request {
            self.throttled_request(meta, now_ms, op);
        }
    }

    pub fn throttled_request(&mut self, meta: &TableMeta, now_ms: i64, op: &'static str) {
        let minute = self.minute(meta, now_ms);
        match minute.throttled_requests.iter_mut().find(|(o, _)| *o == op) {
            Some((_, n)) => *n += 1,
            None => minute.throttled_requests.push((op, 1)),
        }
    }

    /// Notes the table's (and each GSI's) provisioned units in the current minute: called when
    /// the table is created and whenever its capacity or billing mode changes, so idle minutes
    /// after it chart the value then in force, not today's.
    pub fn mark(&mut self, meta: &TableMeta, now_ms: i64) {
        let provisioned_mode = meta.billing_mode == BillingMode::Provisioned;
        let gsis: Vec<(String, Option<[f64; 2]>)> =
            meta.indexes.iter().filter(|i| i.kind == IndexKind::Global).map(|i| (i.name.clone(), provisioned_mode.then(|| provisioned(meta, Some(i))))).collect();
        let minute = self.minute(meta, now_ms);
        for (name, p) in gsis {
            minute.indexes.entry(name).or_default().1 = p;
        }
    }

    /// The provisioned units in force in each of `count` steps of `step_ms` from `first`, for the
    /// table (`index` None) or a GSI: the value last seen in the step, else the one last seen
    /// before it (capacity changes are recorded when they happen, see [`Throughput::mark`]);
    /// steps before the first record take that record's value, and with no record at all (a
    /// table loaded from storage, idle since) every step takes today's. `None` while on-demand.
    pub fn levels(&self, meta: &TableMeta, index: Option<&IndexMeta>, first: i64, step_ms: i64, count: usize) -> Vec<Option<[f64; 2]>> {
        let seen = |m: &Minute| match index {
            None => Some(m.provisioned),
            Some(i) => m.indexes.get(&i.name).map(|e| e.1),
        };
        let current = (meta.billing_mode == BillingMode::Provisioned).then(|| provisioned(meta, index));
        let before = self.minutes.iter().rev().skip_while(|m| m.start_ms >= first).find_map(seen);
        let mut carry = before.or_else(|| self.minutes.iter().filter(|m| m.start_ms >= first).find_map(seen)).unwrap_or(current);
        let mut records = self.minutes.iter().skip_while(|m| m.start_ms < first).peekable();
        (0..count as i64)
            .map(|k| {
                let to = first + (k + 1) * step_ms;
                while let Some(m) = records.next_if(|m| m.start_ms < to) {
                    if let Some(level) = seen(m) {
                        carry = level;
                    }
                }
                carry
            })
            .collect()
    }

    /// The current minute's figures (a new minute drops the oldest beyond [`KEEP_MINUTES`]).
    fn minute(&mut self, meta: &TableMeta, now_ms: i64) -> &mut Minute {
        let start = now_ms - now_ms.rem_euclid(60_000);
        if self.minutes.back().is_none_or(|m| m.start_ms < start) {
            self.minutes.push_back(Minute { start_ms: start, ..Default::default() });
            while self.minutes.len() > KEEP_MINUTES {
                self.minutes.pop_front();
            }
        }
        let m = self.minutes.back_mut().expect("pushed above");
        m.provisioned = (meta.billing_mode == BillingMode::Provisioned).then(|| provisioned(meta, None));
        m
    }
}

/// `dynamodb:GetTableMetrics`: per-period sums of a table's (and its GSIs') capacity metrics.
/// Input: TableName, StartTime and EndTime (epoch seconds; default the last hour), Period
/// (seconds, a multiple of 60; default 60). Periods with no activity report zeros; the
/// Provisioned* figures are the last value seen in the period (an idle period holds the value in
/// force then), absent while the table was on-demand.
pub fn metrics(meta: &TableMeta, t: &Throughput, now_ms: i64, input: &Value) -> Result<Value, AwsError> {
    let secs = |name: &str| -> Result<Option<i64>, AwsError> {
        match input.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_f64().map(|f| Some((f * 1000.0) as i64)).ok_or_else(|| AwsError::validation(format!("{name} must be a number of seconds since the epoch"))),
        }
    };
    let period = match input.get("Period") {
        None | Some(Value::Null) => 60,
        Some(v) => v.as_i64().filter(|p| *p >= 60 && p % 60 == 0).ok_or_else(|| AwsError::validation("Period must be a multiple of 60 seconds"))?,
    };
    let end = secs("EndTime")?.unwrap_or(now_ms);
    let start = secs("StartTime")?.unwrap_or(end - 3_600_000);
    if start >= end {
        return Err(AwsError::validation("The parameter StartTime must be less than the parameter EndTime."));
    }
    let period_ms = period * 60_000 / 60;
    let first = start - start.rem_euclid(period_ms);
    let count = (end - first + period_ms - 1) / period_ms;
    if count > 1440 {
        return Err(AwsError::validation("You have requested up to 1,440 datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range."));
    }
    let gsis: Vec<&IndexMeta> = meta.indexes.iter().filter(|i| i.kind == IndexKind::Global).collect();
    let mut table_points = Vec::new();
    let mut index_points: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let table_levels = t.levels(meta, None, first, period_ms, count as usize);
    for (k, level) in table_levels.into_iter().enumerate() {
        let from = first + k as i64 * period_ms;
        let mut f = Figures::default();
        let mut requests: BTreeMap<&str, u64> = BTreeMap::new();
        for m in t.minutes.iter().filter(|m| m.start_ms >= from && m.start_ms < from + period_ms) {
            add(&mut f, &m.table);
            for (op, n) in &m.throttled_requests {
                *requests.entry(op).or_default() += n;
            }
        }
        let mut datapoint = point(from, &f, level);
        datapoint["ThrottledRequests"] = json!(requests);
        table_points.push(datapoint);
    }
    for i in &gsis {
        let levels = t.levels(meta, Some(i), first, period_ms, count as usize);
        let points = levels
            .into_iter()
            .enumerate()
            .map(|(k, level)| {
                let from = first + k as i64 * period_ms;
                let mut f = Figures::default();
                for m in t.minutes.iter().filter(|m| m.start_ms >= from && m.start_ms < from + period_ms) {
                    if let Some((fi, _)) = m.indexes.get(&i.name) {
                        add(&mut f, fi);
                    }
                }
                point(from, &f, level)
            })
            .collect();
        index_points.insert(i.name.as_str(), points);
    }
    let mut out = json!({"TableName": meta.name, "Period": period, "Datapoints": table_points});
    if !index_points.is_empty() {
        out["GlobalSecondaryIndexes"] = json!(index_points);
    }
    Ok(out)
}

fn add(into: &mut Figures, f: &Figures) {
    for a in 0..2 {
        into.consumed[a] += f.consumed[a];
        into.throttle_events[a] += f.throttle_events[a];
    }
}

fn point(from: i64, f: &Figures, provisioned: Option<[f64; 2]>) -> Value {
    let mut p = json!({
        "Timestamp": iso8601(from),
        "ConsumedReadCapacityUnits": f.consumed[0],
        "ConsumedWriteCapacityUnits": f.consumed[1],
        "ReadThrottleEvents": f.throttle_events[0],
        "WriteThrottleEvents": f.throttle_events[1],
    });
    if let Some([r, w]) = provisioned {
        p["ProvisionedReadCapacityUnits"] = json!(r);
        p["ProvisionedWriteCapacityUnits"] = json!(w);
    }
    p
}
