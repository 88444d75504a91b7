//! Amazon Data Firehose (JSON 1.1, `Firehose_20150804`): Firehose streams (AWS's API still says
//! "delivery streams") from a direct PUT or a Kinesis data stream, delivering to Amazon S3.
//!
//! State: per region, streams by name, each with its configuration ([`StreamMeta`], one JSON
//! record `firehose/{region}/stream/{name}`) and its buffer of accepted records, each its own
//! binary record `.../stream/{name}/r/{seq hex}` (arrival ms, approximate arrival timestamp ms,
//! data), so a reload loses no record a caller was told was accepted.
//!
//! Time is the virtual clock. CREATING → ACTIVE and DELETING → gone take [`TRANSITION_MS`].
//! Buffering (see [`delivery`]): an object is written when the buffer holds SizeInMBs or when
//! IntervalInSeconds have passed since its oldest record arrived, whichever comes first; the
//! write is S3's PutObject through the kernel ([`Step::Call`]), retried every 5 s for 24 h
//! when it fails, as AWS does. A Kinesis source (see [`source`]) is read once a virtual second
//! per shard with GetRecords (less often while idle), from the stream's DeliveryStartTimestamp on (AWS reads from the
//! LATEST position when the Firehose stream is created).
//!
//! Sandbox control operation: `firehose:DescribeBuffer` {DeliveryStreamName, region} — what is
//! buffered, when it will be flushed, and the objects delivered lately.

pub mod api;
pub mod delivery;
pub mod errors;
pub mod model;
pub mod naming;
pub mod source;

use std::collections::{BTreeMap, VecDeque};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    scheduler::Timer,
    service::{Cx, Service, TimerNote},
};
use model::S3Destination;

/// Virtual time a stream spends CREATING or DELETING.
pub const TRANSITION_MS: i64 = 5_000;

/// The Kinesis source of a KinesisStreamAsSource stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub stream_arn: String,
    pub role_arn: String,
    /// DeliveryStartTimestamp: records that arrived in the Kinesis stream from then on are read.
    pub start_ms: Option<i64>,
    /// The shards being read, with the last sequence number read from each (once listed).
    pub shards: Option<Vec<Cursor>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    pub shard_id: String,
    pub after: Option<String>,
}

/// The object being written (or retried): the first `records` records of the buffer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inflight {
    pub records: usize,
    pub bytes: usize,
    pub key: String,
    pub since_ms: i64,
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
    /// The bucket's region when it is not the stream's (S3's PermanentRedirect names it).
    #[serde(default)]
    pub bucket_region: Option<String>,
}

/// An object delivered lately (for the sandbox's UI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivered {
    pub bucket: String,
    pub key: String,
    pub records: usize,
    pub bytes: usize,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub delivered_objects: u64,
    pub delivered_records: u64,
    pub delivered_bytes: u64,
    pub dropped_records: u64,
}

/// How many delivered objects a stream remembers.
pub const DELIVERED_KEPT: usize = 20;

/// A stream's configuration and delivery bookkeeping: the record `firehose/{region}/stream/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamMeta {
    pub name: String,
    pub arn: String,
    /// CREATING, ACTIVE or DELETING.
    pub status: String,
    /// DirectPut or KinesisStreamAsSource.
    pub stream_type: String,
    pub version: u64,
    pub created_ms: i64,
    pub updated_ms: Option<i64>,
    pub source: Option<Source>,
    /// Created with ExtendedS3DestinationConfiguration (else S3DestinationConfiguration).
    pub extended: bool,
    pub destination: S3Destination,
    pub tags: Vec<(String, String)>,
    pub inflight: Option<Inflight>,
    pub delivered: Vec<Delivered>,
    pub stats: Stats,
}

/// One accepted record waiting in the buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct Rec {
    pub seq: u64,
    /// When Firehose accepted it (the buffering interval counts from the oldest).
    pub at_ms: i64,
    /// Its approximate arrival timestamp (the Kinesis record's, for a Kinesis source): what
    /// the key's time is made of.
    pub ts_ms: i64,
    pub data: Vec<u8>,
}

impl Rec {
    fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(16 + self.data.len());
        v.extend_from_slice(&self.at_ms.to_le_bytes());
        v.extend_from_slice(&self.ts_ms.to_le_bytes());
        v.extend_from_slice(&self.data);
        v
    }

    fn decode(seq: u64, v: &[u8]) -> Option<Rec> {
        let at_ms = i64::from_le_bytes(v.get(0..8)?.try_into().ok()?);
        let ts_ms = i64::from_le_bytes(v.get(8..16)?.try_into().ok()?);
        Some(Rec { seq, at_ms, ts_ms, data: v[16..].to_vec() })
    }
}

#[derive(Debug, Clone)]
pub struct Stream {
    pub meta: StreamMeta,
    pub buffer: VecDeque<Rec>,
    pub buffered_bytes: usize,
    next_seq: u64,
    /// The flush timer last scheduled (so arrivals do not schedule one each).
    timer_due: Option<i64>,
    /// Kinesis shard iterators in use, by shard: (iterator, when issued).
    iterators: BTreeMap<String, (String, i64)>,
}

impl Stream {
    fn new(meta: StreamMeta) -> Self {
        Stream { meta, buffer: VecDeque::new(), buffered_bytes: 0, next_seq: 0, timer_due: None, iterators: BTreeMap::new() }
    }
}

pub fn stream_key(region: &str, name: &str) -> String {
    format!("firehose/{region}/stream/{name}")
}

fn record_key(region: &str, name: &str, seq: u64) -> String {
    format!("firehose/{region}/stream/{name}/r/{seq:016x}")
}

fn persist(cx: &mut Cx, region: &str, stream: &Stream) {
    cx.journal.put_json(stream_key(region, &stream.meta.name), &stream.meta);
}

#[derive(Debug, Default)]
pub struct Firehose {
    regions: BTreeMap<String, BTreeMap<String, Stream>>,
}

impl Firehose {
    pub fn streams(&self, region: &str) -> Option<&BTreeMap<String, Stream>> {
        self.regions.get(region)
    }

    pub(crate) fn streams_mut(&mut self, region: &str) -> &mut BTreeMap<String, Stream> {
        self.regions.entry(region.to_string()).or_default()
    }

    /// The stream a timer or continuation names, if it is still the same stream.
    pub(crate) fn live(&mut self, region: &str, name: &str, created: i64) -> Option<&mut Stream> {
        self.regions.get_mut(region)?.get_mut(name).filter(|s| s.meta.created_ms == created)
    }
}

/// What a [`Step::Call`] of this service resumes with.
pub(crate) enum Then {
    Put { name: String, created: i64 },
    Poll(source::Poll),
}

impl Service for Firehose {
    fn name(&self) -> &'static str {
        "firehose"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        if !input.is_object() {
            return Err(AwsError::serialization(""));
        }
        match operation {
            "CreateDeliveryStream" => api::create(self, cx, input),
            "DescribeDeliveryStream" => api::describe(self, cx, input),
            "ListDeliveryStreams" => api::list(self, cx, input),
            "DeleteDeliveryStream" => api::delete(self, cx, input),
            "UpdateDestination" => api::update_destination(self, cx, input),
            "PutRecord" => api::put_record(self, cx, input),
            "PutRecordBatch" => api::put_record_batch(self, cx, input),
            "TagDeliveryStream" => api::tag(self, cx, input),
            "UntagDeliveryStream" => api::untag(self, cx, input),
            "ListTagsForDeliveryStream" => api::list_tags(self, cx, input),
            "StartDeliveryStreamEncryption" | "StopDeliveryStreamEncryption" => Err(errors::not_simulated("Server-side encryption of Firehose streams")),
            _ => Err(AwsError::unknown_operation("")),
        }
    }

    fn control(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match operation {
            "DescribeBuffer" => delivery::describe_buffer(self, cx, input),
            _ => Err(AwsError::new("gureum", "UnknownOperationException", format!("Unknown control operation 'firehose:{operation}'."), 400)),
        }
    }

    /// Buffers delivered when their interval ends, retries, and transitions (not source polls).
    fn describe_timer(&self, timer: &Timer) -> Option<TimerNote> {
        let p = &timer.payload;
        let name = p.get("stream").and_then(Value::as_str)?;
        match p.get("do").and_then(Value::as_str)? {
            "flush" => TimerNote::new("delivery", format!("Firehose stream {name}: the buffer interval ends and the buffer is delivered to S3")),
            "retry" => TimerNote::new("retry", format!("Firehose stream {name} retries a failed delivery")),
            "activate" => TimerNote::new("transition", format!("Firehose stream {name} becomes ACTIVE")),
            "delete" => TimerNote::new("transition", format!("Firehose stream {name} is deleted")),
            _ => None,
        }
    }

    fn fire_step(&mut self, cx: &mut Cx, timer: &Timer) -> Step {
        let p = &timer.payload;
        let (Some(name), Some(created)) = (p.get("stream").and_then(Value::as_str), p.get("created").and_then(Value::as_i64)) else {
            return Step::Done(Value::Null);
        };
        let region = cx.region.to_string();
        match p.get("do").and_then(Value::as_str) {
            Some("activate") => {
                if let Some(s) = self.live(&region, name, created).filter(|s| s.meta.status == "CREATING") {
                    s.meta.status = "ACTIVE".into();
                    let polls = s.meta.source.as_mut().map(|src| src.start_ms = Some(cx.now_ms)).is_some();
                    persist(cx, &region, s);
                    if polls {
                        cx.schedule(cx.now_ms, json!({"stream": name, "created": created, "do": "poll", "delay": 0}));
                    }
                }
                Step::Done(Value::Null)
            }
            Some("delete") => {
                if self.live(&region, name, created).is_some_and(|s| s.meta.status == "DELETING") {
                    self.streams_mut(&region).remove(name);
                    cx.journal.delete(stream_key(&region, name));
                    cx.journal.delete_prefix(format!("{}/", stream_key(&region, name)));
                }
                Step::Done(Value::Null)
            }
            Some("flush") => match self.live(&region, name, created) {
                Some(s) => {
                    if s.timer_due == Some(timer.due_ms) {
                        s.timer_due = None;
                    }
                    delivery::try_flush(s, cx, &region)
                }
                None => Step::Done(Value::Null),
            },
            Some("retry") => match self.live(&region, name, created) {
                Some(s) if s.meta.inflight.is_some() && s.meta.status == "ACTIVE" => delivery::put_step(s, &region),
                _ => Step::Done(Value::Null),
            },
            Some("poll") => source::poll(self, cx, name, created, p.get("delay").and_then(Value::as_i64).unwrap_or(source::POLL_MS)),
            _ => Step::Done(Value::Null),
        }
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let Ok(then) = then.downcast::<Then>() else {
            return Err(AwsError::internal("firehose resumed with a foreign continuation"));
        };
        let Resumed::Called(answer) = result else {
            return Err(AwsError::internal("firehose never runs code"));
        };
        match *then {
            Then::Put { name, created } => Ok(delivery::delivered(self, cx, &name, created, answer)),
            Then::Poll(poll) => Ok(source::resume(self, cx, poll, answer)),
        }
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (region, streams) in &self.regions {
            for (name, s) in streams {
                out.push(Record { key: stream_key(region, name), value: serde_json::to_vec(&s.meta).unwrap_or_default() });
                for r in &s.buffer {
                    out.push(Record { key: record_key(region, name, r.seq), value: r.encode() });
                }
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["firehose", region, "stream", name] => {
                let meta: StreamMeta = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if meta.name != *name {
                    return Err("stream record under another name".into());
                }
                self.streams_mut(region).insert(name.to_string(), Stream::new(meta));
            }
            ["firehose", region, "stream", name, "r", seq] => {
                let seq = u64::from_str_radix(seq, 16).map_err(|e| e.to_string())?;
                let stream = self.regions.get_mut(*region).and_then(|r| r.get_mut(*name)).ok_or("record before its stream")?;
                let rec = Rec::decode(seq, value).ok_or("short buffered record")?;
                stream.buffered_bytes += rec.data.len();
                stream.next_seq = stream.next_seq.max(seq + 1);
                stream.buffer.push_back(rec);
            }
            _ => return Err("unknown Firehose record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.regions.clear();
    }

    fn record_to_json(&self, key: &str, value: &[u8]) -> Result<Value, String> {
        if key.contains("/r/") {
            let r = Rec::decode(0, value).ok_or("short buffered record")?;
            return Ok(json!({"arrivalMs": r.at_ms, "timestampMs": r.ts_ms, "data": B64.encode(&r.data)}));
        }
        serde_json::from_slice(value).map_err(|e| e.to_string())
    }

    fn record_from_json(&self, key: &str, value: &Value) -> Result<Vec<u8>, String> {
        if key.contains("/r/") {
            let at_ms = value.get("arrivalMs").and_then(Value::as_i64).ok_or("arrivalMs")?;
            let ts_ms = value.get("timestampMs").and_then(Value::as_i64).ok_or("timestampMs")?;
            let data = B64.decode(value.get("data").and_then(Value::as_str).ok_or("data")?).map_err(|e| e.to_string())?;
            return Ok(Rec { seq: 0, at_ms, ts_ms, data }.encode());
        }
        serde_json::to_vec(value).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests;
