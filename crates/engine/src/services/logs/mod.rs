//! Amazon CloudWatch Logs (JSON 1.1, `Logs_20140328`).
//!
//! State: per region, log groups by name; each group holds its streams, each stream its events
//! in timestamp order. Records are described in [`state`]. Retention runs on the virtual clock:
//! a group with a retention policy keeps one timer, due when its oldest event expires; firing it
//! drops the expired events and schedules the next.

pub mod events;
pub mod filter;
pub mod groups;
pub mod input;
pub mod state;
pub mod streams;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::kernel::{
    error::AwsError,
    journal::{Journal, Record},
    scheduler::Timer,
    service::{Cx, Service, TimerNote},
};
use state::{Group, GroupMeta, Stream, StreamMeta, DAY_MS};

pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new("", "InvalidParameterException", message, 400)
}

pub fn resource_not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ResourceNotFoundException", message, 400)
}

pub fn already_exists(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ResourceAlreadyExistsException", message, 400)
}

pub const NO_GROUP: &str = "The specified log group does not exist.";
pub const NO_STREAM: &str = "The specified log stream does not exist.";

/// Operations of the CloudWatch Logs API this build does not implement yet.
const NOT_YET: &[&str] = &[
    "AssociateKmsKey",
    "CancelExportTask",
    "CreateDelivery",
    "CreateExportTask",
    "CreateLogAnomalyDetector",
    "DeleteAccountPolicy",
    "DeleteDataProtectionPolicy",
    "DeleteDelivery",
    "DeleteDeliveryDestination",
    "DeleteDeliveryDestinationPolicy",
    "DeleteDeliverySource",
    "DeleteDestination",
    "DeleteIndexPolicy",
    "DeleteIntegration",
    "DeleteLogAnomalyDetector",
    "DeleteMetricFilter",
    "DeleteQueryDefinition",
    "DeleteResourcePolicy",
    "DeleteSubscriptionFilter",
    "DeleteTransformer",
    "DescribeAccountPolicies",
    "DescribeConfigurationTemplates",
    "DescribeDeliveries",
    "DescribeDeliveryDestinations",
    "DescribeDeliverySources",
    "DescribeDestinations",
    "DescribeExportTasks",
    "DescribeFieldIndexes",
    "DescribeIndexPolicies",
    "DescribeMetricFilters",
    "DescribeQueries",
    "DescribeQueryDefinitions",
    "DescribeResourcePolicies",
    "DescribeSubscriptionFilters",
    "DisassociateKmsKey",
    "GetDataProtectionPolicy",
    "GetDelivery",
    "GetDeliveryDestination",
    "GetDeliveryDestinationPolicy",
    "GetDeliverySource",
    "GetIntegration",
    "GetLogAnomalyDetector",
    "GetLogGroupFields",
    "GetLogRecord",
    "GetQueryResults",
    "GetTransformer",
    "ListAnomalies",
    "ListIntegrations",
    "ListLogAnomalyDetectors",
    "ListLogGroupsForQuery",
    "PutAccountPolicy",
    "PutDataProtectionPolicy",
    "PutDeliveryDestination",
    "PutDeliveryDestinationPolicy",
    "PutDeliverySource",
    "PutDestination",
    "PutDestinationPolicy",
    "PutIndexPolicy",
    "PutIntegration",
    "PutLogGroupDeletionProtection",
    "PutMetricFilter",
    "PutQueryDefinition",
    "PutResourcePolicy",
    "PutSubscriptionFilter",
    "PutTransformer",
    "StartLiveTail",
    "StartQuery",
    "StopQuery",
    "TestMetricFilter",
    "TestTransformer",
    "UpdateAnomaly",
    "UpdateDeliveryConfiguration",
    "UpdateLogAnomalyDetector",
];

#[derive(Debug, Default)]
pub struct Logs {
    regions: BTreeMap<String, BTreeMap<String, Group>>,
}

impl Logs {
    pub fn groups(&self, region: &str) -> Option<&BTreeMap<String, Group>> {
        self.regions.get(region)
    }

    pub(crate) fn groups_mut(&mut self, region: &str) -> &mut BTreeMap<String, Group> {
        self.regions.entry(region.to_string()).or_default()
    }

    pub(crate) fn group(&self, region: &str, name: &str) -> Result<&Group, AwsError> {
        self.regions.get(region).and_then(|g| g.get(name)).ok_or_else(|| resource_not_found(NO_GROUP))
    }

    pub(crate) fn group_mut(&mut self, region: &str, name: &str) -> Result<&mut Group, AwsError> {
        self.regions.get_mut(region).and_then(|g| g.get_mut(name)).ok_or_else(|| resource_not_found(NO_GROUP))
    }
}

/// Drops the events of `group` that its retention policy expired by `now_ms`, and keeps exactly
/// one sweep timer pending, due when the oldest remaining event expires.
pub(crate) fn sweep(group: &mut Group, cx: &mut Cx) {
    let region = cx.region.to_string();
    let due = match group.meta.retention_in_days {
        None => None,
        Some(days) => {
            let retention_ms = days.saturating_mul(DAY_MS);
            let cutoff = cx.now_ms.saturating_sub(retention_ms);
            for stream in group.streams.values_mut() {
                let key = state::stream_key(&region, &group.meta.name, &stream.meta.name);
                stream.drop_before(cutoff, cx.journal, &key);
            }
            group.oldest_event().map(|t| t.saturating_add(retention_ms).saturating_add(1))
        }
    };
    if due != group.meta.sweep_due {
        group.meta.sweep_due = due;
        if let Some(due) = due {
            cx.schedule(due, json!({"action": "sweep", "group": group.meta.name, "due": due}));
        }
        put_group(cx.journal, &region, &group.meta);
    }
}

/// Brings the sweep timer forward if an event at `oldest` expires before it is due.
pub(crate) fn schedule_sweep_for(group: &mut Group, cx: &mut Cx, oldest: i64) {
    let Some(days) = group.meta.retention_in_days else { return };
    let due = oldest.saturating_add(days.saturating_mul(DAY_MS)).saturating_add(1);
    if group.meta.sweep_due.is_some_and(|d| d <= due) {
        return;
    }
    group.meta.sweep_due = Some(due);
    cx.schedule(due, json!({"action": "sweep", "group": group.meta.name, "due": due}));
    put_group(cx.journal, cx.region, &group.meta);
}

pub(crate) fn put_group(journal: &mut Journal, region: &str, meta: &GroupMeta) {
    journal.put_json(state::group_key(region, &meta.name), meta);
}

pub(crate) fn put_stream(journal: &mut Journal, region: &str, group: &str, meta: &StreamMeta) {
    journal.put_json(state::stream_key(region, group, &meta.name), meta);
}

impl Service for Logs {
    fn name(&self) -> &'static str {
        "logs"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match operation {
            "CreateLogGroup" => groups::create_log_group(self, cx, input),
            "DeleteLogGroup" => groups::delete_log_group(self, cx, input),
            "DescribeLogGroups" => groups::describe_log_groups(self, cx, input),
            "PutRetentionPolicy" => groups::put_retention_policy(self, cx, input),
            "DeleteRetentionPolicy" => groups::delete_retention_policy(self, cx, input),
            "TagLogGroup" => groups::tag_log_group(self, cx, input),
            "UntagLogGroup" => groups::untag_log_group(self, cx, input),
            "ListTagsLogGroup" => groups::list_tags_log_group(self, cx, input),
            "TagResource" => groups::tag_resource(self, cx, input),
            "UntagResource" => groups::untag_resource(self, cx, input),
            "ListTagsForResource" => groups::list_tags_for_resource(self, cx, input),
            "CreateLogStream" => streams::create_log_stream(self, cx, input),
            "DeleteLogStream" => streams::delete_log_stream(self, cx, input),
            "DescribeLogStreams" => streams::describe_log_streams(self, cx, input),
            "PutLogEvents" => events::put_log_events(self, cx, input),
            "GetLogEvents" => events::get_log_events(self, cx, input),
            "FilterLogEvents" => events::filter_log_events(self, cx, input),
            op if NOT_YET.contains(&op) => Err(AwsError::unknown_operation(format!("Gureum does not implement the CloudWatch Logs operation {op} yet."))),
            _ => Err(AwsError::unknown_operation("")),
        }
    }

    fn describe_timer(&self, timer: &Timer) -> Option<TimerNote> {
        let group = timer.payload.get("group").and_then(Value::as_str)?;
        TimerNote::new("expiry", format!("Events of log group {group} older than its retention are deleted"))
    }

    fn fire(&mut self, cx: &mut Cx, timer: &Timer) {
        if timer.payload.get("action").and_then(Value::as_str) != Some("sweep") {
            return;
        }
        let name = timer.payload.get("group").and_then(Value::as_str).unwrap_or_default();
        let due = timer.payload.get("due").and_then(Value::as_i64);
        let region = cx.region.to_string();
        let Some(group) = self.regions.get_mut(&region).and_then(|g| g.get_mut(name)) else { return };
        // A timer the group no longer waits for (moved, or the policy was deleted) does nothing.
        if group.meta.sweep_due.is_none() || group.meta.sweep_due != due {
            return;
        }
        group.meta.sweep_due = None;
        put_group(cx.journal, &region, &group.meta);
        sweep(group, cx);
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (region, groups) in &self.regions {
            for group in groups.values() {
                out.push(Record { key: state::group_key(region, &group.meta.name), value: serde_json::to_vec(&group.meta).unwrap_or_default() });
                for stream in group.streams.values() {
                    let key = state::stream_key(region, &group.meta.name, &stream.meta.name);
                    for (batch, events) in stream.batches() {
                        out.push(Record { key: state::batch_key(&key, batch), value: state::encode_batch(&events) });
                    }
                    out.push(Record { key, value: serde_json::to_vec(&stream.meta).unwrap_or_default() });
                }
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["logs", region, "group", g] => {
                let meta: GroupMeta = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if meta.name != state::unescape(g)? {
                    return Err("group record under another name".into());
                }
                let groups = self.groups_mut(region);
                match groups.get_mut(&meta.name) {
                    Some(group) => group.meta = meta,
                    None => {
                        groups.insert(meta.name.clone(), Group { meta, streams: BTreeMap::new() });
                    }
                }
                Ok(())
            }
            ["logs", region, "group", g, "stream", s] => {
                let meta: StreamMeta = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if meta.name != state::unescape(s)? {
                    return Err("stream record under another name".into());
                }
                let group_name = state::unescape(g)?;
                let group = self.regions.get_mut(*region).and_then(|m| m.get_mut(&group_name)).ok_or("stream record before its log group")?;
                match group.streams.get_mut(&meta.name) {
                    Some(stream) => stream.meta = meta,
                    None => {
                        group.streams.insert(meta.name.clone(), Stream::new(meta));
                    }
                }
                Ok(())
            }
            ["logs", region, "group", g, "stream", s, "batch", hex] => {
                let batch = u64::from_str_radix(hex, 16).map_err(|_| "bad batch key")?;
                let events = state::decode_batch(value, batch)?;
                let stream = self
                    .regions
                    .get_mut(*region)
                    .and_then(|m| m.get_mut(&state::unescape(g).ok()?))
                    .and_then(|grp| grp.streams.get_mut(&state::unescape(s).ok()?))
                    .ok_or("event batch before its log stream")?;
                // A batch record replaces the events it held before (a sweep rewrites batches).
                let old: Vec<_> = stream.events.iter().filter(|(_, e)| e.batch == batch).map(|(k, _)| *k).collect();
                for k in old {
                    if let Some(e) = stream.events.remove(&k) {
                        stream.bytes -= e.message.len() as u64;
                    }
                }
                for (seq, event) in events {
                    stream.insert(seq, event);
                }
                Ok(())
            }
            _ => Err("unknown CloudWatch Logs record".into()),
        }
    }

    fn clear(&mut self) {
        self.regions.clear();
    }
}

#[cfg(test)]
mod tests;
