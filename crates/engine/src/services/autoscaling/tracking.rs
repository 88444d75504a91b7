//! Target tracking on the virtual clock: the alarms Application Auto Scaling creates for a
//! DynamoDB policy, evaluated once a virtual minute per scalable target.
//!
//! - **AlarmHigh**: consumed units per second above `TargetValue`% of the provisioned capacity
//!   for 2 consecutive one-minute datapoints → scale out.
//! - **AlarmLow**: below `TargetValue − 20`% for 15 consecutive datapoints → scale in (not created
//!   when DisableScaleIn is true).
//! - New capacity: `ceil(consumed per second ÷ (TargetValue / 100))` of the latest minute,
//!   clamped to [MinCapacity, MaxCapacity]. An alarm stays in ALARM while its datapoints do, and
//!   the policy runs again every minute, as AWS invokes Auto Scaling actions.
//! - Cooldowns: no scale-out within ScaleOutCooldown of the last scale-out, no scale-in within
//!   ScaleInCooldown of the last scale-in (a scale-out is never held back by a scale-in).
//!
//! A tick reads the table (DescribeTable: status, mode, current capacity), then the metrics
//! (`dynamodb:GetTableMetrics`), then, if a policy asks, calls UpdateTable; each is a [`Step`].

use serde_json::{json, Value};

use super::{
    target::{Activity, Policy, Resource, Target},
    Cont, RegionState,
};
use crate::kernel::{error::AwsError, runtime::Step, service::Cx, Request};

pub const MINUTE_MS: i64 = 60_000;
/// Datapoints AlarmHigh and AlarmLow need in a row.
pub const HIGH_POINTS: usize = 2;
pub const LOW_POINTS: usize = 15;
/// AlarmLow's threshold is this many percentage points below the target.
pub const LOW_GAP: f64 = 20.0;

/// Seconds into each minute a target's tick comes: a table's read and write targets (and its
/// GSIs') tick apart, so one's UpdateTable has finished (1 s of UPDATING) before the next.
fn offset_ms(target: &Target) -> i64 {
    let r = target.resource();
    match (r.index.is_some(), r.write) {
        (false, false) => 5_000,
        (false, true) => 10_000,
        (true, false) => 15_000,
        (true, true) => 20_000,
    }
}

/// Schedules target `t`'s next tick, in the minute after `now_ms`.
pub fn schedule_tick(cx: &mut Cx, t: &Target) {
    let due = cx.now_ms - cx.now_ms.rem_euclid(MINUTE_MS) + MINUTE_MS + offset_ms(t);
    cx.schedule(due, json!({"target": t.id}));
}

/// What a tick learnt from DescribeTable, carried to the metrics.
pub struct Observed {
    pub id: String,
    pub resource: Resource,
    /// The dimension's current provisioned capacity, and the other unit's (UpdateTable needs both).
    pub provisioned: i64,
    pub other: i64,
    /// The first minute the metrics answer covers.
    pub start_ms: i64,
}

/// A scaling a policy asked for, carried to UpdateTable's answer.
pub struct Scaling {
    pub id: String,
    pub capacity: i64,
    pub out: bool,
    pub cause: String,
}

/// A target's timer: schedules the next tick, then reads the table if a policy may act.
pub fn tick(state: &mut RegionState, cx: &mut Cx, payload: &Value) -> Step {
    let id = payload.get("target").and_then(Value::as_str).unwrap_or_default();
    // A deregistered target's timer finds nothing and stops.
    let Some(t) = state.targets.get(id) else { return Step::Done(Value::Null) };
    schedule_tick(cx, t);
    state.watching_since.entry(id.to_string()).or_insert(cx.now_ms);
    let Some(_) = &t.policy else { return Step::Done(Value::Null) };
    if t.suspended.dynamic_in && t.suspended.dynamic_out {
        return Step::Done(Value::Null);
    }
    let r = t.resource();
    Step::Call(Request::new("dynamodb", "DescribeTable", cx.region, json!({"TableName": r.table})), Box::new(Cont::TickDescribed(id.to_string())))
}

/// The dimension's (and the other unit's) provisioned capacity in a DescribeTable answer, if the
/// table (and index) is ACTIVE and provisioned: a table switched to on-demand, deleted, or busy
/// is left alone.
pub fn current_capacity(described: &Value, r: &Resource) -> Result<(i64, i64), String> {
    let t = &described["Table"];
    if t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST" {
        return Err(format!("Table {} is in on-demand capacity mode (PAY_PER_REQUEST); auto scaling adjusts provisioned capacity only.", r.table));
    }
    let throughput = match &r.index {
        None => &t["ProvisionedThroughput"],
        Some(i) => {
            let Some(g) = t["GlobalSecondaryIndexes"].as_array().and_then(|l| l.iter().find(|g| g["IndexName"] == i.as_str())) else {
                return Err(format!("Global secondary index {i} does not exist on table {}.", r.table));
            };
            &g["ProvisionedThroughput"]
        }
    };
    let read = throughput["ReadCapacityUnits"].as_i64().unwrap_or(0);
    let write = throughput["WriteCapacityUnits"].as_i64().unwrap_or(0);
    Ok(if r.write { (write, read) } else { (read, write) })
}

fn active(described: &Value, r: &Resource) -> bool {
    let t = &described["Table"];
    if t["TableStatus"] != "ACTIVE" {
        return false;
    }
    match &r.index {
        None => true,
        Some(i) => t["GlobalSecondaryIndexes"].as_array().and_then(|l| l.iter().find(|g| g["IndexName"] == i.as_str())).is_some_and(|g| g["IndexStatus"] == "ACTIVE"),
    }
}

/// A tick, after DescribeTable: asks for the last 15 minutes of metrics.
pub fn described(state: &mut RegionState, cx: &mut Cx, id: &str, answer: Result<Value, AwsError>) -> Step {
    let (Some(t), Ok(described)) = (state.targets.get(id), answer) else { return Step::Done(Value::Null) };
    let r = t.resource();
    let Ok((provisioned, other)) = current_capacity(&described, &r) else { return Step::Done(Value::Null) };
    if !active(&described, &r) || provisioned == 0 {
        return Step::Done(Value::Null);
    }
    let end = cx.now_ms - cx.now_ms.rem_euclid(MINUTE_MS);
    let start = end - LOW_POINTS as i64 * MINUTE_MS;
    let input = json!({"TableName": r.table, "StartTime": start / 1000, "EndTime": end / 1000, "Period": 60});
    let observed = Observed { id: id.to_string(), resource: r, provisioned, other, start_ms: start };
    Step::Control(Request::new("dynamodb", "GetTableMetrics", cx.region, input), Box::new(Cont::TickMetrics(Box::new(observed))))
}

/// What the policy decides.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Hold,
    /// Scale to this capacity because of the alarm (`AlarmHigh` or `AlarmLow`).
    Scale {
        capacity: i64,
        out: bool,
    },
}

/// The policy's decision for `t` at `now_ms`, given per-minute consumed units (sum over the
/// minute) of the complete minutes up to now, oldest first, of which only those from minute
/// `since_ms` on are known to the alarms.
pub fn decide(t: &Target, p: &Policy, provisioned: i64, points: &[(i64, f64)], since_ms: i64, now_ms: i64) -> Decision {
    let since = since_ms - since_ms.rem_euclid(MINUTE_MS);
    let known: Vec<f64> = points.iter().filter(|(m, _)| *m >= since).map(|(_, units)| units / 60.0).collect();
    let Some(&latest) = known.last() else { return Decision::Hold };
    let capacity = provisioned as f64;
    let desired = ((latest / (p.target_value / 100.0)) - 1e-9).ceil().max(0.0) as i64;
    let desired = desired.clamp(t.min, t.max);
    let tail = |n: usize| (known.len() >= n).then(|| &known[known.len() - n..]);
    let high = tail(HIGH_POINTS).is_some_and(|w| w.iter().all(|u| *u > capacity * p.target_value / 100.0));
    if high && desired > provisioned && !t.suspended.dynamic_out {
        let cooled = t.last_scale_out_ms.is_none_or(|at| now_ms - at >= p.scale_out_cooldown.unwrap_or(0) * 1000);
        if cooled {
            return Decision::Scale { capacity: desired, out: true };
        }
    }
    if p.scale_in_disabled() || t.suspended.dynamic_in {
        return Decision::Hold;
    }
    let low = tail(LOW_POINTS).is_some_and(|w| w.iter().all(|u| *u < capacity * (p.target_value - LOW_GAP) / 100.0));
    if low && desired < provisioned {
        let cooled = t.last_scale_in_ms.is_none_or(|at| now_ms - at >= p.scale_in_cooldown.unwrap_or(0) * 1000);
        if cooled {
            return Decision::Scale { capacity: desired, out: false };
        }
    }
    Decision::Hold
}

/// The UpdateTable input that sets `r` to `capacity` (keeping the other unit at `other`).
pub fn update_input(r: &Resource, capacity: i64, other: i64) -> Value {
    let (read, write) = if r.write { (other, capacity) } else { (capacity, other) };
    let throughput = json!({"ReadCapacityUnits": read, "WriteCapacityUnits": write});
    match &r.index {
        None => json!({"TableName": r.table, "ProvisionedThroughput": throughput}),
        Some(i) => json!({"TableName": r.table, "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": i, "ProvisionedThroughput": throughput}}]}),
    }
}

/// A tick, after the metrics: evaluates the alarms and calls UpdateTable if the policy says so.
pub fn measured(state: &mut RegionState, cx: &mut Cx, o: Observed, answer: Result<Value, AwsError>) -> Step {
    let (Some(t), Ok(metrics)) = (state.targets.get(&o.id), answer) else { return Step::Done(Value::Null) };
    let Some(p) = &t.policy else { return Step::Done(Value::Null) };
    let list = match &o.resource.index {
        None => &metrics["Datapoints"],
        Some(i) => &metrics["GlobalSecondaryIndexes"][i.as_str()],
    };
    let member = if o.resource.write { "ConsumedWriteCapacityUnits" } else { "ConsumedReadCapacityUnits" };
    let points: Vec<(i64, f64)> =
        list.as_array().map(|l| l.iter().enumerate().map(|(k, d)| (o.start_ms + k as i64 * MINUTE_MS, d[member].as_f64().unwrap_or(0.0))).collect()).unwrap_or_default();
    let since = state.watching_since.get(&o.id).copied().unwrap_or(cx.now_ms).max(p.created_ms);
    let Decision::Scale { capacity, out } = decide(t, p, o.provisioned, &points, since, cx.now_ms) else { return Step::Done(Value::Null) };
    let alarm = if out { t.alarm_name("AlarmHigh", &p.high_alarm) } else { t.alarm_name("AlarmLow", &p.low_alarm) };
    let cause = format!("monitor alarm {alarm} in state ALARM triggered policy {}", p.name);
    let input = update_input(&o.resource, capacity, o.other);
    let scaling = Scaling { id: o.id, capacity, out, cause };
    Step::Call(Request::new("dynamodb", "UpdateTable", cx.region, input), Box::new(Cont::TickScaled(Box::new(scaling))))
}

/// The activity for setting `r` to `capacity`, from UpdateTable's answer.
pub fn activity(cx: &mut Cx, r: &Resource, capacity: i64, cause: String, answer: &Result<Value, AwsError>) -> Activity {
    let words = r.unit_words();
    let (status, message) = match answer {
        Ok(_) => ("Successful", format!("Successfully set {words} to {capacity}. Change successfully fulfilled by dynamodb.")),
        Err(e) => ("Failed", format!("Failed to set {words} to {capacity}. Reason: {}", e.message)),
    };
    Activity {
        id: cx.rng.uuid(),
        seq: 0,
        description: format!("Setting {words} to {capacity}."),
        cause,
        start_ms: cx.now_ms,
        end_ms: Some(cx.now_ms),
        status: status.into(),
        status_message: Some(message),
    }
}

/// A tick, after UpdateTable: records the activity. A table busy with another update is tried
/// again next minute; the same failure again (a decrease limit) is not recorded twice in a row.
pub fn scaled(state: &mut RegionState, cx: &mut Cx, s: Scaling, answer: Result<Value, AwsError>) {
    if matches!(&answer, Err(e) if e.kind == "ResourceInUseException") {
        return;
    }
    let Some(t) = state.targets.get_mut(&s.id) else { return };
    let r = t.resource();
    if answer.is_ok() {
        if s.out {
            t.last_scale_out_ms = Some(cx.now_ms);
        } else {
            t.last_scale_in_ms = Some(cx.now_ms);
        }
    }
    let a = activity(cx, &r, s.capacity, s.cause, &answer);
    let repeated = state
        .activities
        .get(&s.id)
        .and_then(|l| l.values().next_back())
        .is_some_and(|last| last.status == "Failed" && last.description == a.description && last.status_message == a.status_message);
    if repeated {
        return;
    }
    state.add_activity(cx, &s.id, a);
}
