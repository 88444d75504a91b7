//! DAX events (DescribeEvents): what happened to clusters, their nodes and parameter groups.
//! An event is recorded when a transition ends (a cluster becomes available, a node is added,
//! rebooted or removed, a parameter group is applied, a cluster is deleted) and when a parameter
//! group is created, changed or deleted. Events are records (`dax/{region}/event/{ms}-{seq}`),
//! kept 14 days as AWS keeps them. The messages are the sandbox's own wording: AWS does not
//! document DAX's event texts.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{errors, input::Input, RegionState};
use crate::kernel::{error::AwsError, service::Cx};

/// How long events are kept, and the most DescribeEvents reaches back.
pub const RETENTION_MS: i64 = 14 * 24 * 3_600_000;
/// DescribeEvents' window when the request gives none: the last 24 hours.
pub const DEFAULT_WINDOW_MS: i64 = 24 * 3_600_000;

pub const CLUSTER: &str = "CLUSTER";
pub const PARAMETER_GROUP: &str = "PARAMETER_GROUP";
const SOURCE_TYPES: [&str; 3] = [CLUSTER, PARAMETER_GROUP, "SUBNET_GROUP"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub date_ms: i64,
    /// Orders events of the same millisecond.
    pub seq: u32,
    pub source_type: String,
    /// A cluster's or parameter group's name, or a node's id for what happened to one node.
    pub source_name: String,
    pub message: String,
}

impl Event {
    fn key(&self, region: &str) -> String {
        key(region, self.date_ms, self.seq)
    }
}

pub fn key(region: &str, date_ms: i64, seq: u32) -> String {
    format!("dax/{region}/event/{date_ms:013}-{seq:04}")
}

/// Records an event now, and forgets those past the retention.
pub fn record(cx: &mut Cx, state: &mut RegionState, source_type: &str, source_name: &str, message: impl Into<String>) {
    let now = cx.now_ms;
    let seq = state.events.iter().rev().take_while(|e| e.date_ms == now).count() as u32;
    let event = Event { date_ms: now, seq, source_type: source_type.into(), source_name: source_name.into(), message: message.into() };
    cx.journal.put_json(event.key(cx.region), &event);
    state.events.push(event);
    let keep_from = now - RETENTION_MS;
    let old = state.events.iter().take_while(|e| e.date_ms < keep_from).count();
    for e in state.events.drain(..old) {
        cx.journal.delete(e.key(cx.region));
    }
}

/// DescribeEvents: newest first, within the window (StartTime, EndTime, Duration in minutes;
/// the last 24 hours by default), filtered by SourceName and SourceType, 20–100 a page.
pub fn describe_events(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let source_name = input.string("SourceName")?;
    let source_type = input.string("SourceType")?;
    if let Some(t) = source_type {
        if !SOURCE_TYPES.contains(&t) {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{t}' at 'sourceType' failed to satisfy constraint: Member must satisfy enum value set: [CLUSTER, PARAMETER_GROUP, SUBNET_GROUP]"
            )));
        }
    }
    let start = input.timestamp_ms("StartTime")?;
    let end = input.timestamp_ms("EndTime")?;
    let duration = input.int("Duration")?;
    if let Some(d) = duration {
        if d < 0 {
            return Err(errors::invalid_parameter_value(format!("Duration {d} is invalid: it is a number of minutes from 0.")));
        }
    }
    let duration_ms = duration.map(|d| d * 60_000);
    let (from, to) = match (start, end, duration_ms) {
        (Some(s), Some(e), _) => (s, e),
        (Some(s), None, Some(d)) => (s, s + d),
        (Some(s), None, None) => (s, cx.now_ms),
        (None, Some(e), Some(d)) => (e - d, e),
        (None, Some(e), None) => (e - DEFAULT_WINDOW_MS, e),
        (None, None, Some(d)) => (cx.now_ms - d, cx.now_ms),
        (None, None, None) => (cx.now_ms - DEFAULT_WINDOW_MS, cx.now_ms),
    };
    if from > to {
        return Err(errors::invalid_parameter_combination("StartTime must be before EndTime."));
    }
    let max = super::clusters::max_results(input, 100)?;
    // The token is the key of the last event of the previous page.
    let token = input.string("NextToken")?;
    let after = match token {
        None => None,
        Some(t) => Some(parse_token(t).ok_or_else(|| errors::invalid_parameter_value(format!("Invalid NextToken {t}.")))?),
    };
    let mut page = Vec::new();
    let mut next = None;
    let matching =
        state.events.iter().rev().filter(|e| {
            e.date_ms >= from && e.date_ms <= to && source_name.is_none_or(|n| e.source_name.eq_ignore_ascii_case(n)) && source_type.is_none_or(|t| e.source_type == t)
        });
    for e in matching.skip_while(|e| after.is_some_and(|a| (e.date_ms, e.seq) >= a)) {
        if page.len() == max {
            next = page.last().map(|l: &&Event| format!("{}-{}", l.date_ms, l.seq));
            break;
        }
        page.push(e);
    }
    let events: Vec<Value> =
        page.iter().map(|e| json!({"SourceName": e.source_name, "SourceType": e.source_type, "Message": e.message, "Date": e.date_ms as f64 / 1000.0})).collect();
    let mut out = json!({ "Events": events });
    if let Some(n) = next {
        out["NextToken"] = json!(n);
    }
    Ok(out)
}

fn parse_token(t: &str) -> Option<(i64, u32)> {
    let (ms, seq) = t.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}
