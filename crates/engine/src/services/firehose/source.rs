//! A Kinesis data stream as the source of a Firehose stream (KinesisStreamAsSource).
//!
//! Once the Firehose stream is ACTIVE, a timer polls every shard of the Kinesis stream once a
//! virtual second while records flow, through Kinesis's own operations called by the kernel ([`Step::Call`]):
//! ListShards (once), GetShardIterator (AT_TIMESTAMP the DeliveryStartTimestamp, then
//! AFTER_SEQUENCE_NUMBER the last record read; AWS starts reading at the LATEST position
//! when the Firehose stream is created, which is the same place), and GetRecords with the
//! iterator each answer hands on. Records join the same buffer as direct PUTs, keeping their
//! ApproximateArrivalTimestamp for the object's key. An idle source is polled less and less
//! often (2, 4, 8, then every [`MAX_IDLE_POLL_MS`]), so a jump of the clock over an idle day is
//! cheap (a poll is a timer record, journaled); a record read late counts as buffered from its
//! arrival in the Kinesis stream (no earlier than the previous poll), so the buffering interval
//! still runs from when a once-a-second reader would have read it. The last sequence number read per shard
//! is journaled with the stream, so a reload carries on where it stopped. A Kinesis stream
//! that is gone or refuses a read is tried again at the next poll.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use super::{delivery, persist, Cursor, Firehose, Then};
use crate::kernel::{error::AwsError, runtime::Step, service::Cx, Request};

pub const POLL_MS: i64 = 1_000;
pub const MAX_IDLE_POLL_MS: i64 = 10_000;
/// An iterator older than this is replaced (Kinesis expires them after five minutes).
const ITERATOR_MAX_AGE_MS: i64 = 240_000;

pub(crate) struct Poll {
    name: String,
    created: i64,
    stage: Stage,
    /// The wait before this poll, and whether it read anything yet.
    delay: i64,
    read: bool,
}

enum Stage {
    ListShards,
    Iterator(usize),
    Records(usize),
}

fn kinesis_name(arn: &str) -> String {
    arn.rsplit_once(":stream/").map(|(_, n)| n.to_string()).unwrap_or_default()
}

/// Where a poll is: which stream, its wait, whether it read records.
#[derive(Clone)]
struct At {
    name: String,
    created: i64,
    delay: i64,
    read: bool,
}

fn call(region: &str, operation: &str, input: Value, at: &At, stage: Stage) -> Step {
    let poll = Poll { name: at.name.clone(), created: at.created, stage, delay: at.delay, read: at.read };
    Step::Call(Request::new("kinesis", operation, region, input), Box::new(Then::Poll(poll)))
}

/// The next poll: in a second after records, later and later while idle.
fn schedule_poll(cx: &mut Cx, at: &At) {
    let delay = if at.read { POLL_MS } else { (at.delay * 2).clamp(POLL_MS, MAX_IDLE_POLL_MS) };
    cx.schedule(cx.now_ms + delay, json!({"stream": at.name, "created": at.created, "do": "poll", "delay": delay}));
}

/// The poll timer.
pub(crate) fn poll(fh: &mut Firehose, cx: &mut Cx, name: &str, created: i64, delay: i64) -> Step {
    let region = cx.region.to_string();
    let at = At { name: name.to_string(), created, delay, read: false };
    let Some(stream) = fh.live(&region, name, created).filter(|s| s.meta.status == "ACTIVE") else {
        return Step::Done(Value::Null);
    };
    let Some(source) = &stream.meta.source else {
        return Step::Done(Value::Null);
    };
    if source.shards.is_none() {
        return call(&region, "ListShards", json!({"StreamName": kinesis_name(&source.stream_arn)}), &at, Stage::ListShards);
    }
    next_shard(fh, cx, &at, 0)
}

/// Reads shard `i` (or ends the poll when every shard was read).
fn next_shard(fh: &mut Firehose, cx: &mut Cx, at: &At, i: usize) -> Step {
    let region = cx.region.to_string();
    let Some(stream) = fh.live(&region, &at.name, at.created) else {
        return Step::Done(Value::Null);
    };
    let Some(source) = &stream.meta.source else {
        return Step::Done(Value::Null);
    };
    let Some(cursor) = source.shards.as_ref().and_then(|s| s.get(i)) else {
        schedule_poll(cx, at);
        return Step::Done(Value::Null);
    };
    if let Some((iterator, _)) = stream.iterators.get(&cursor.shard_id).filter(|(_, issued)| cx.now_ms - issued < ITERATOR_MAX_AGE_MS) {
        return call(&region, "GetRecords", json!({"ShardIterator": iterator, "Limit": 10_000}), at, Stage::Records(i));
    }
    let mut input = json!({"StreamName": kinesis_name(&source.stream_arn), "ShardId": cursor.shard_id});
    match &cursor.after {
        Some(seq) => {
            input["ShardIteratorType"] = json!("AFTER_SEQUENCE_NUMBER");
            input["StartingSequenceNumber"] = json!(seq);
        }
        None => {
            input["ShardIteratorType"] = json!("AT_TIMESTAMP");
            input["Timestamp"] = json!(source.start_ms.unwrap_or(cx.now_ms) as f64 / 1000.0);
        }
    }
    call(&region, "GetShardIterator", input, at, Stage::Iterator(i))
}

pub(crate) fn resume(fh: &mut Firehose, cx: &mut Cx, poll: Poll, answer: Result<Value, AwsError>) -> Step {
    let region = cx.region.to_string();
    let Poll { name, created, stage, delay, read } = poll;
    let mut at = At { name, created, delay, read };
    let Some(stream) = fh.live(&region, &at.name, at.created) else {
        return Step::Done(Value::Null);
    };
    match stage {
        Stage::ListShards => {
            let shards: Option<Vec<Cursor>> = answer.ok().and_then(|a| {
                a.get("Shards")?.as_array().map(|l| l.iter().filter_map(|s| s.get("ShardId")?.as_str()).map(|id| Cursor { shard_id: id.to_string(), after: None }).collect())
            });
            match (shards, stream.meta.source.as_mut()) {
                (Some(shards), Some(source)) => {
                    source.shards = Some(shards);
                    persist(cx, &region, stream);
                    next_shard(fh, cx, &at, 0)
                }
                _ => {
                    schedule_poll(cx, &at);
                    Step::Done(Value::Null)
                }
            }
        }
        Stage::Iterator(i) => {
            let shard = shard_id(stream.meta.source.as_ref(), i);
            match answer.ok().and_then(|a| a.get("ShardIterator")?.as_str().map(str::to_string)) {
                Some(iterator) => {
                    stream.iterators.insert(shard, (iterator.clone(), cx.now_ms));
                    call(&region, "GetRecords", json!({"ShardIterator": iterator, "Limit": 10_000}), &at, Stage::Records(i))
                }
                None => next_shard(fh, cx, &at, i + 1),
            }
        }
        Stage::Records(i) => {
            let shard = shard_id(stream.meta.source.as_ref(), i);
            let Ok(answer) = answer else {
                stream.iterators.remove(&shard);
                return next_shard(fh, cx, &at, i + 1);
            };
            let mut last = None;
            for r in answer.get("Records").and_then(Value::as_array).into_iter().flatten() {
                let Some(data) = r.get("Data").and_then(Value::as_str).and_then(|d| B64.decode(d).ok()) else { continue };
                let ts = r.get("ApproximateArrivalTimestamp").and_then(Value::as_f64).map_or(cx.now_ms, |s| (s * 1000.0).round() as i64);
                // Buffered from when a once-a-second reader would have read it.
                let arrival = ts.clamp(cx.now_ms - at.delay, cx.now_ms);
                delivery::accept(stream, cx, &region, arrival, ts, data);
                at.read = true;
                last = r.get("SequenceNumber").and_then(Value::as_str).map(str::to_string);
            }
            match answer.get("NextShardIterator").and_then(Value::as_str) {
                Some(next) => {
                    // Kinesis issues each next iterator afresh.
                    stream.iterators.insert(shard.clone(), (next.to_string(), cx.now_ms));
                }
                None => {
                    stream.iterators.remove(&shard);
                }
            }
            if let Some(seq) = last {
                if let Some(c) = stream.meta.source.as_mut().and_then(|s| s.shards.as_mut()).and_then(|s| s.get_mut(i)) {
                    c.after = Some(seq);
                }
                persist(cx, &region, stream);
                delivery::schedule_next(stream, cx);
            }
            next_shard(fh, cx, &at, i + 1)
        }
    }
}

fn shard_id(source: Option<&super::Source>, i: usize) -> String {
    source.and_then(|s| s.shards.as_ref()).and_then(|s| s.get(i)).map(|c| c.shard_id.clone()).unwrap_or_default()
}
