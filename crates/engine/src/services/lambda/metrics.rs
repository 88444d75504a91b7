//! Per-function metrics by minute, as CloudWatch's AWS/Lambda namespace has them: Invocations,
//! Errors, Throttles and Duration (average and maximum). Kept as one small record per
//! function-minute; the newest [`KEEP_MINUTES`] minutes are kept (CloudWatch keeps one-minute
//! data for 15 days).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::kernel::{service::Cx, time::iso8601};

pub const KEEP_MINUTES: usize = 15 * 24 * 60;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub invocations: u64,
    pub errors: u64,
    pub throttles: u64,
    pub duration_sum: f64,
    pub duration_max: f64,
}

/// Buckets by function, then by minute (ms since the epoch at the minute's start).
pub type Metrics = BTreeMap<String, BTreeMap<i64, Bucket>>;

pub fn key(region: &str, function: &str, minute: i64) -> String {
    format!("lambda/{region}/metrics/{function}/{minute:015}")
}

pub enum Sample {
    Invocation { error: bool, duration_ms: f64 },
    Throttle,
}

pub fn record(cx: &mut Cx, metrics: &mut Metrics, function: &str, sample: Sample) {
    let minute = cx.now_ms - cx.now_ms.rem_euclid(60_000);
    let buckets = metrics.entry(function.to_string()).or_default();
    let b = buckets.entry(minute).or_default();
    match sample {
        Sample::Invocation { error, duration_ms } => {
            b.invocations += 1;
            b.errors += u64::from(error);
            b.duration_sum += duration_ms;
            b.duration_max = b.duration_max.max(duration_ms);
        }
        Sample::Throttle => b.throttles += 1,
    }
    let b = b.clone();
    cx.journal.put_json(key(cx.region, function, minute), &b);
    while buckets.len() > KEEP_MINUTES {
        let Some((&oldest, _)) = buckets.iter().next() else { break };
        buckets.remove(&oldest);
        cx.journal.delete(key(cx.region, function, oldest));
    }
}

pub fn forget(cx: &mut Cx, metrics: &mut Metrics, function: &str) {
    if metrics.remove(function).is_some() {
        cx.journal.delete_prefix(format!("lambda/{}/metrics/{function}/", cx.region));
    }
}

/// The datapoints of the last `minutes` minutes (empty minutes included, as zeros).
pub fn datapoints(cx: &Cx, metrics: &Metrics, function: &str, minutes: i64) -> Value {
    let now_minute = cx.now_ms - cx.now_ms.rem_euclid(60_000);
    let empty = BTreeMap::new();
    let buckets = metrics.get(function).unwrap_or(&empty);
    let points: Vec<Value> = (0..minutes)
        .rev()
        .map(|i| {
            let minute = now_minute - i * 60_000;
            let b = buckets.get(&minute).cloned().unwrap_or_default();
            let avg = if b.invocations > 0 { b.duration_sum / b.invocations as f64 } else { 0.0 };
            json!({
                "Timestamp": iso8601(minute),
                "Invocations": b.invocations,
                "Errors": b.errors,
                "Throttles": b.throttles,
                "DurationAverage": (avg * 100.0).round() / 100.0,
                "DurationMaximum": (b.duration_max * 100.0).round() / 100.0,
            })
        })
        .collect();
    json!({ "FunctionName": function, "Period": 60, "Datapoints": points })
}
