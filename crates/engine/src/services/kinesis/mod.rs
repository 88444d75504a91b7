//! Amazon Kinesis Data Streams (JSON 1.1, `Kinesis_20131202`).
//!
//! State: per region, streams by name (see [`stream`]): metadata, shards over the 128-bit hash
//! key space, each shard's records in sequence order. Records:
//! `kinesis/{region}/stream/{name}` (metadata with tags and consumers, JSON) and below it
//! `/rec/{shard, 3 digits}/{position, 16 hex}` (one data record, JSON).
//!
//! Time is the virtual clock: a stream is CREATING (and DELETING) for one second, as DynamoDB's
//! tables are; consumers are CREATING/DELETING for one second; records leave after the retention
//! period (a sweep timer per stream, and a trim whenever the stream is used); shard iterators
//! expire after five minutes; PROVISIONED shards take 1 MiB and 1,000 records per virtual second.
//! Not simulated: resharding (UpdateShardCount, SplitShard, MergeShards), encryption,
//! enhanced monitoring, resource policies, and GetRecords' read limits. SubscribeToShard is
//! [`efo`]: a subscription the host drives, its events on the virtual clock.

pub mod consumers;
pub mod data;
pub mod efo;
pub mod errors;
pub mod input;
pub mod stream;
pub mod streams;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::kernel::{
    error::AwsError,
    journal::Record,
    scheduler::Timer,
    service::{Cx, Service},
};
use stream::{Rec, Stream, StreamMeta};

/// A stream spends this long CREATING or DELETING, a consumer CREATING or DELETING.
pub const TRANSITION_MS: i64 = 1_000;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct RegionState {
    pub streams: BTreeMap<String, Stream>,
}

#[derive(Debug, Default)]
pub struct Kinesis {
    regions: BTreeMap<String, RegionState>,
    /// SubscribeToShard's subscriptions: runtime state, never records (see [`efo`]).
    subscriptions: efo::Subscriptions,
}

/// Operations of the Kinesis API this build does not implement.
const NOT_YET: &[&str] = &[
    "UpdateShardCount",
    "SplitShard",
    "MergeShards",
    "StartStreamEncryption",
    "StopStreamEncryption",
    "EnableEnhancedMonitoring",
    "DisableEnhancedMonitoring",
    "UpdateStreamMode",
    "DescribeLimits",
    "PutResourcePolicy",
    "GetResourcePolicy",
    "DeleteResourcePolicy",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "DescribeAccountSettings",
    "UpdateAccountSettings",
    "UpdateMaxRecordSize",
    "UpdateStreamWarmThroughput",
];

pub fn stream_arn(cx: &Cx, name: &str) -> String {
    cx.account.arn("kinesis", cx.region, &format!("stream/{name}"))
}

impl Kinesis {
    pub fn region(&self, region: &str) -> Option<&RegionState> {
        self.regions.get(region)
    }

    pub(crate) fn region_mut(&mut self, region: &str) -> &mut RegionState {
        self.regions.entry(region.to_string()).or_default()
    }

    /// The stream a request names by StreamName or StreamARN (either, or both if they agree),
    /// trimmed up to now.
    pub(crate) fn stream_mut(&mut self, cx: &mut Cx, name: &str) -> Result<&mut Stream, AwsError> {
        let region = cx.region.to_string();
        let account = cx.account.id.clone();
        let stream = self.region_mut(&region).streams.get_mut(name).ok_or_else(|| errors::stream_not_found(name, &account))?;
        stream.trim(cx.journal, &region, cx.now_ms);
        Ok(stream)
    }

    fn fire_timer(&mut self, cx: &mut Cx, timer: &Timer) {
        let p = &timer.payload;
        let (Some(name), Some(created)) = (p.get("stream").and_then(Value::as_str), p.get("created").and_then(Value::as_i64)) else { return };
        let region = cx.region.to_string();
        let Some(stream) = self.region_mut(&region).streams.get_mut(name) else { return };
        if stream.meta.created_ms != created {
            return; // a timer of a stream deleted since
        }
        match p.get("do").and_then(Value::as_str) {
            Some("activate") if stream.meta.status == "CREATING" => {
                stream.meta.status = "ACTIVE".into();
                cx.journal.put_json(stream::stream_key(&region, name), &stream.meta);
            }
            Some("delete") if stream.meta.status == "DELETING" => {
                cx.journal.delete_prefix(format!("{}/", stream::stream_key(&region, name)));
                cx.journal.delete(stream::stream_key(&region, name));
                self.region_mut(&region).streams.remove(name);
            }
            Some("consumer") => {
                let consumer = p.get("consumer").and_then(Value::as_str).unwrap_or_default();
                let before = stream.meta.consumers.len();
                stream.meta.consumers.retain(|c| !(c.arn == consumer && c.status == "DELETING"));
                let mut changed = before != stream.meta.consumers.len();
                for c in stream.meta.consumers.iter_mut().filter(|c| c.arn == consumer && c.status == "CREATING") {
                    c.status = "ACTIVE".into();
                    changed = true;
                }
                if changed {
                    cx.journal.put_json(stream::stream_key(&region, name), &stream.meta);
                }
            }
            Some("sweep") => {
                stream.trim(cx.journal, &region, cx.now_ms);
                if let Some(due) = stream.next_expiry() {
                    // Trimming leaves only records younger than the retention period.
                    cx.schedule(due.max(cx.now_ms + 1), json!({ "stream": name, "created": created, "do": "sweep" }));
                }
            }
            _ => {}
        }
    }
}

impl Service for Kinesis {
    fn name(&self) -> &'static str {
        "kinesis"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        if !input.is_object() {
            return Err(AwsError::serialization(""));
        }
        match operation {
            "CreateStream" => streams::create_stream(self, cx, input),
            "DeleteStream" => streams::delete_stream(self, cx, input),
            "DescribeStream" => streams::describe_stream(self, cx, input),
            "DescribeStreamSummary" => streams::describe_stream_summary(self, cx, input),
            "ListStreams" => streams::list_streams(self, cx, input),
            "ListShards" => streams::list_shards(self, cx, input),
            "IncreaseStreamRetentionPeriod" => streams::change_retention(self, cx, input, true),
            "DecreaseStreamRetentionPeriod" => streams::change_retention(self, cx, input, false),
            "AddTagsToStream" => streams::add_tags(self, cx, input),
            "ListTagsForStream" => streams::list_tags(self, cx, input),
            "RemoveTagsFromStream" => streams::remove_tags(self, cx, input),
            "PutRecord" => data::put_record(self, cx, input),
            "PutRecords" => data::put_records(self, cx, input),
            "GetShardIterator" => data::get_shard_iterator(self, cx, input),
            "GetRecords" => data::get_records(self, cx, input),
            "RegisterStreamConsumer" => consumers::register(self, cx, input),
            "DescribeStreamConsumer" => consumers::describe(self, cx, input),
            "ListStreamConsumers" => consumers::list(self, cx, input),
            "DeregisterStreamConsumer" => consumers::deregister(self, cx, input),
            "SubscribeToShard" => efo::subscribe(self, cx, input),
            op if NOT_YET.contains(&op) => Err(AwsError::unknown_operation(format!("Gureum does not implement the Kinesis operation {op} yet."))),
            _ => Err(AwsError::unknown_operation("")),
        }
    }

    fn fire(&mut self, cx: &mut Cx, timer: &Timer) {
        self.fire_timer(cx, timer);
    }

    /// `kinesis:ReadSubscription` and `kinesis:CloseSubscription`: the host's side of
    /// SubscribeToShard's event stream (see [`efo`]).
    fn control(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match operation {
            "ReadSubscription" => efo::read_subscription(self, cx, input),
            "CloseSubscription" => efo::close_subscription(self, input),
            _ => Err(AwsError::new("gureum", "UnknownOperationException", format!("Unknown control operation 'kinesis:{operation}'."), 400)),
        }
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (region, state) in &self.regions {
            for (name, s) in &state.streams {
                out.push(Record { key: stream::stream_key(region, name), value: serde_json::to_vec(&s.meta).unwrap_or_default() });
                for (i, shard) in s.shards.iter().enumerate() {
                    for r in &shard.records {
                        out.push(Record { key: stream::record_key(region, name, i, r.position), value: serde_json::to_vec(r).unwrap_or_default() });
                    }
                }
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["kinesis", region, "stream", name] => {
                let meta: StreamMeta = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if meta.name != *name || meta.shard_count == 0 || meta.shard_count > 10_000 {
                    return Err("bad Kinesis stream record".into());
                }
                let streams = &mut self.region_mut(region).streams;
                match streams.get_mut(*name) {
                    Some(s) if s.meta.shard_count == meta.shard_count => s.meta = meta,
                    _ => {
                        streams.insert(name.to_string(), Stream::new(meta));
                    }
                }
            }
            ["kinesis", region, "stream", name, "rec", shard, position] => {
                let r: Rec = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                let shard: usize = shard.parse().map_err(|_| "bad Kinesis record key")?;
                if u64::from_str_radix(position, 16).ok() != Some(r.position) {
                    return Err("Kinesis record under another position".into());
                }
                let s = self.regions.get_mut(*region).and_then(|st| st.streams.get_mut(*name)).ok_or("record before its stream")?;
                let shard = s.shards.get_mut(shard).ok_or("record of an unknown shard")?;
                if shard.records.back().is_some_and(|last| last.position >= r.position) {
                    return Err("Kinesis records out of order".into());
                }
                shard.next = r.position + 1;
                shard.records.push_back(r);
            }
            _ => return Err("unknown Kinesis record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.regions.clear();
        self.subscriptions.clear();
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_efo;
