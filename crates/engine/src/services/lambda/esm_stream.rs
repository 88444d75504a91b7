//! Event source mappings for DynamoDB streams and Kinesis data streams: the poller reads through
//! the source's own API (DescribeStream, GetShardIterator, GetRecords of `streams.dynamodb` or
//! `kinesis`), as AWS's poller does, keeps its place by shard iterator and last sequence number,
//! and invokes the function with batches in order. A Kinesis stream's shards are read in turn:
//! after each batch (or empty read) the poller checkpoints the shard's last sequence number and
//! moves to the next shard; a failing batch is retried on its own shard.
//! MaximumBatchingWindowInSeconds holds a batch smaller than BatchSize until its oldest record
//! has waited that long.
//! A mapping on an enhanced fan-out consumer (`…/consumer/C:123`) reads through SubscribeToShard
//! instead, with the consumer's own 2 MiB/s per shard: one subscription per shard, read with
//! `kinesis:ReadSubscription` every 250 ms while idle; the records it pushes wait in a
//! per-shard buffer until a batch takes them (a failed batch goes back in front); when a
//! subscription ends (five minutes) the next opens at its ContinuationSequenceNumber, and a
//! deregistered consumer shows in LastProcessingResult.
//! A failed batch is retried (MaximumRetryAttempts; -1 retries until the records expire) and,
//! with BisectBatchOnFunctionError, split in two until the failing record is alone; when
//! retries run out the batch's description goes to the on-failure destination and the poller
//! moves past it. ReportBatchItemFailures checkpoints at the first failed sequence number.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::kernel::{error::AwsError, runtime::Step, service::Cx, time::iso8601, Request};

use super::{
    errors::invalid_parameter,
    esm::{self, Mapping},
    invoke::{self, Origin},
    Cont, RegionState,
};

/// A stream mapping's own settings and its place in the shard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamState {
    pub starting_position: String,
    pub starting_position_timestamp: Option<f64>,
    pub bisect: bool,
    /// -1: retry until the records expire.
    pub maximum_retry_attempts: i64,
    /// -1: records never get too old.
    pub maximum_record_age_s: i64,
    pub parallelization_factor: u32,
    pub on_failure: Option<String>,
    pub shard_id: Option<String>,
    pub iterator: Option<String>,
    pub last_sequence: Option<String>,
    /// Attempts at the current batch.
    pub attempts: u64,
    /// The batch size in force while bisecting a failed batch.
    pub bisected_size: Option<u32>,
    /// Kinesis: each shard's last handled sequence number.
    #[serde(default)]
    pub positions: BTreeMap<String, String>,
    /// Kinesis: the next poll moves on to the next shard.
    #[serde(default)]
    pub rotate: bool,
    /// Kinesis: the iterator to resume a shard with that has no handled record yet (a new
    /// iterator at LATEST would skip what arrived meanwhile).
    #[serde(default)]
    pub parked: BTreeMap<String, String>,
    /// Enhanced fan-out (a consumer source): each shard's open subscription.
    #[serde(default)]
    pub subscriptions: BTreeMap<String, String>,
    /// Enhanced fan-out: records a subscription pushed that no batch has taken yet, by shard.
    #[serde(default)]
    pub buffered: BTreeMap<String, Vec<Value>>,
    /// Enhanced fan-out: each shard's ContinuationSequenceNumber, where a new subscription
    /// continues when the last one ended.
    #[serde(default)]
    pub continuations: BTreeMap<String, String>,
    /// Enhanced fan-out: the records (as Kinesis sent them) of the batch the function has, to
    /// push back in front of the buffer when it fails and is retried.
    #[serde(default)]
    pub in_flight: Vec<Value>,
}

/// The iterator of a consumer mapping's shard is its subscription: `subscription:{id}`.
const SUBSCRIPTION: &str = "subscription:";

/// How often a consumer mapping reads its subscription while nothing arrives (AWS pushes
/// records as they come, about 70 ms after they are written; the sandbox looks every 250 ms).
const CONSUMER_POLL_MS: i64 = 250;

fn is_consumer(arn: &str) -> bool {
    is_kinesis(arn) && arn.contains("/consumer/")
}

fn is_kinesis(arn: &str) -> bool {
    arn.split(':').nth(2) == Some("kinesis")
}

/// The stream of a mapping's source: itself, or the stream of an enhanced fan-out consumer
/// (`…:stream/S/consumer/C:123`), which the mapping reads and names in its records.
pub fn stream_arn(arn: &str) -> &str {
    arn.split("/consumer/").next().unwrap_or(arn)
}

/// The endpoint a mapping's source answers on.
fn endpoint(arn: &str) -> &'static str {
    if is_kinesis(arn) {
        "kinesis"
    } else {
        "streams.dynamodb"
    }
}

/// A record's sequence number, in a DynamoDB stream record or a Kinesis event record.
fn seq_of(r: &Value) -> Option<&str> {
    r.pointer("/dynamodb/SequenceNumber").or_else(|| r.pointer("/kinesis/sequenceNumber")).and_then(Value::as_str)
}

/// When a record entered its stream, epoch seconds.
fn time_of(r: &Value) -> Option<f64> {
    r.pointer("/dynamodb/ApproximateCreationDateTime").or_else(|| r.pointer("/kinesis/approximateArrivalTimestamp")).and_then(Value::as_f64)
}

/// A Kinesis GetRecords record as Lambda's event record.
fn kinesis_event_record(m: &Mapping, role: &str, shard: &str, r: &Value) -> Value {
    let seq = r.get("SequenceNumber").cloned().unwrap_or(Value::Null);
    json!({
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": r.get("PartitionKey"),
            "sequenceNumber": seq,
            "data": r.get("Data"),
            "approximateArrivalTimestamp": r.get("ApproximateArrivalTimestamp"),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("{shard}:{}", seq.as_str().unwrap_or_default()),
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role,
        "awsRegion": region_of(&m.event_source_arn),
        "eventSourceARN": stream_arn(&m.event_source_arn),
    })
}

/// What a filter pattern sees of a Kinesis event record: the record, with `data` decoded and
/// parsed when it is JSON (AWS filters Kinesis records on `data` and the metadata).
fn kinesis_filter_view(r: &Value) -> Value {
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    let mut view = r.clone();
    let decoded = r.pointer("/kinesis/data").and_then(Value::as_str).and_then(|d| STANDARD.decode(d).ok());
    let data =
        decoded.and_then(|b| serde_json::from_slice::<Value>(&b).ok()).filter(|v| v.is_object()).unwrap_or_else(|| r.pointer("/kinesis/data").cloned().unwrap_or(Value::Null));
    view["data"] = data;
    view
}

/// Kinesis: the batch is done; checkpoint the shard and move on to the next one.
fn checkpoint(arn: &str, s: &mut StreamState) {
    if !is_kinesis(arn) {
        return;
    }
    if let Some(shard) = &s.shard_id {
        match (&s.last_sequence, &s.iterator) {
            (Some(seq), _) => {
                s.positions.insert(shard.clone(), seq.clone());
                s.parked.remove(shard);
            }
            (None, Some(it)) => {
                s.parked.insert(shard.clone(), it.clone());
            }
            (None, None) => {}
        }
    }
    s.iterator = None;
    s.rotate = true;
}

/// Reads the stream-only members of CreateEventSourceMapping.
pub fn read(input: &Value, kinesis: bool) -> Result<StreamState, AwsError> {
    let position = input.get("StartingPosition").and_then(Value::as_str).map(str::to_string);
    let Some(position) = position else {
        return Err(invalid_parameter("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null"));
    };
    if !["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"].contains(&position.as_str()) {
        return Err(AwsError::new("", "ValidationException", format!("1 validation error detected: Value '{position}' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [AT_TIMESTAMP, LATEST, TRIM_HORIZON]"), 400));
    }
    if position == "AT_TIMESTAMP" && !kinesis {
        return Err(invalid_parameter("Unsupported starting position for DynamoDB streams: AT_TIMESTAMP applies to Kinesis streams."));
    }
    let starting_position_timestamp = match input.get("StartingPositionTimestamp") {
        None | Some(Value::Null) => None,
        Some(t) => Some(t.as_f64().ok_or_else(|| AwsError::new("", "SerializationException", "StartingPositionTimestamp must be a timestamp", 400))?),
    };
    if position == "AT_TIMESTAMP" && starting_position_timestamp.is_none() {
        return Err(invalid_parameter("StartingPositionTimestamp must be provided when StartingPosition is AT_TIMESTAMP."));
    }
    if position != "AT_TIMESTAMP" && starting_position_timestamp.is_some() {
        return Err(invalid_parameter("StartingPositionTimestamp is only valid when StartingPosition is AT_TIMESTAMP."));
    }
    let int = |name: &str, min: i64, max: i64, default: i64| -> Result<i64, AwsError> {
        match input.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => match v.as_i64() {
                Some(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(AwsError::new(
                    "",
                    "ValidationException",
                    format!("1 validation error detected: Value '{v}' at '{name}' failed to satisfy constraint: Member must have value between {min} and {max}"),
                    400,
                )),
            },
        }
    };
    let maximum_retry_attempts = int("MaximumRetryAttempts", -1, 10_000, -1)?;
    let maximum_record_age_s = int("MaximumRecordAgeInSeconds", -1, 604_800, -1)?;
    if (0..60).contains(&maximum_record_age_s) {
        return Err(invalid_parameter("MaximumRecordAgeInSeconds must be -1 or between 60 and 604800."));
    }
    let parallelization_factor = int("ParallelizationFactor", 1, 10, 1)? as u32;
    if kinesis && parallelization_factor != 1 {
        return Err(invalid_parameter("Gureum reads each Kinesis shard with one batch at a time: ParallelizationFactor must be 1."));
    }
    if input.get("ScalingConfig").is_some_and(|v| !v.is_null()) {
        return Err(invalid_parameter("Unsupported ScalingConfig parameter for stream event sources: MaximumConcurrency applies to SQS only."));
    }
    if input.get("TumblingWindowInSeconds").is_some_and(|v| v.as_i64().is_some_and(|n| n > 0)) {
        return Err(invalid_parameter("Gureum does not simulate tumbling windows yet."));
    }
    let on_failure = input.pointer("/DestinationConfig/OnFailure/Destination").and_then(Value::as_str).map(str::to_string);
    if let Some(d) = &on_failure {
        if d.split(':').nth(2) != Some("sqs") {
            return Err(invalid_parameter("Gureum delivers on-failure records of stream mappings to SQS queues only."));
        }
    }
    Ok(StreamState {
        starting_position: position,
        starting_position_timestamp,
        bisect: input.get("BisectBatchOnFunctionError").and_then(Value::as_bool).unwrap_or(false),
        maximum_retry_attempts,
        maximum_record_age_s,
        parallelization_factor,
        on_failure,
        ..Default::default()
    })
}

pub fn describe_into(out: &mut Value, s: &StreamState) {
    out["StartingPosition"] = json!(s.starting_position);
    if let Some(t) = s.starting_position_timestamp {
        out["StartingPositionTimestamp"] = json!(t);
    }
    out["BisectBatchOnFunctionError"] = json!(s.bisect);
    out["MaximumRetryAttempts"] = json!(s.maximum_retry_attempts);
    out["MaximumRecordAgeInSeconds"] = json!(s.maximum_record_age_s);
    out["ParallelizationFactor"] = json!(s.parallelization_factor);
    out["DestinationConfig"] = json!({ "OnFailure": s.on_failure.as_ref().map(|d| json!({ "Destination": d })).unwrap_or(json!({})) });
}

fn region_of(arn: &str) -> String {
    arn.split(':').nth(3).unwrap_or("us-east-1").to_string()
}

fn save(cx: &mut Cx, m: &Mapping) {
    cx.journal.put_json(esm::key(cx.region, &m.uuid), m);
}

/// One poll: a fresh iterator when there is none, else GetRecords.
pub fn poll(_cx: &mut Cx, m: &Mapping) -> Step {
    let Some(s) = &m.stream else { return Step::Done(Value::Null) };
    let region = region_of(&m.event_source_arn);
    match &s.iterator {
        Some(it) if it.starts_with(SUBSCRIPTION) => Step::Control(
            Request::new("kinesis", "ReadSubscription", &region, json!({ "SubscriptionId": &it[SUBSCRIPTION.len()..] })),
            Box::new(Cont::StreamRecords(m.uuid.clone())),
        ),
        Some(it) => {
            let max = if is_kinesis(&m.event_source_arn) { 10_000 } else { 1000 };
            let limit = s.bisected_size.unwrap_or(m.batch_size).clamp(1, max);
            Step::Call(
                Request::new(endpoint(&m.event_source_arn), "GetRecords", &region, json!({ "ShardIterator": it, "Limit": limit })),
                Box::new(Cont::StreamRecords(m.uuid.clone())),
            )
        }
        None => {
            let input = if is_kinesis(&m.event_source_arn) { json!({ "StreamARN": stream_arn(&m.event_source_arn) }) } else { json!({ "StreamArn": m.event_source_arn }) };
            Step::Call(Request::new(endpoint(&m.event_source_arn), "DescribeStream", &region, input), Box::new(Cont::StreamDescribed(m.uuid.clone())))
        }
    }
}

/// DescribeStream answered: ask for an iterator at the mapping's place.
pub fn described(cx: &mut Cx, state: &mut RegionState, uuid: &str, answer: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let Some(m) = state.mappings.get_mut(uuid) else { return Ok(Step::Done(Value::Null)) };
    let Some(s) = m.stream.as_mut() else { return Ok(Step::Done(Value::Null)) };
    let kinesis = is_kinesis(&m.event_source_arn);
    let shards: Vec<String> = match &answer {
        Ok(v) => v
            .pointer("/StreamDescription/Shards")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|sh| sh.get("ShardId").and_then(Value::as_str).map(str::to_string)).collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let shard = if !kinesis {
        shards.last().cloned()
    } else {
        // Kinesis: stay on the current shard (a retry), or move on to the next in turn.
        let current = s.shard_id.as_ref().and_then(|c| shards.iter().position(|x| x == c));
        let pick = match current {
            Some(i) if !s.rotate => Some(i),
            Some(i) => Some((i + 1) % shards.len()),
            None => (!shards.is_empty()).then_some(0),
        };
        if pick != current {
            s.last_sequence = pick.and_then(|i| s.positions.get(&shards[i]).cloned());
        }
        s.rotate = false;
        pick.map(|i| shards[i].clone())
    };
    let Some(shard) = shard else {
        m.last_processing_result = match answer {
            Err(e) => format!("PROBLEM: {}: {}", e.kind, e.message),
            Ok(_) => "PROBLEM: the stream has no shards".into(),
        };
        let snapshot = m.clone();
        save(cx, &snapshot);
        cx.schedule(cx.now_ms + esm::MAX_IDLE_POLL_MS, json!({ "esm": uuid }));
        return Ok(Step::Done(Value::Null));
    };
    s.shard_id = Some(shard.clone());
    if is_consumer(&m.event_source_arn) {
        // Enhanced fan-out: read the shard's subscription, or open one where the last ended.
        if let Some(id) = s.subscriptions.get(&shard) {
            s.iterator = Some(format!("{SUBSCRIPTION}{id}"));
            let snapshot = m.clone();
            save(cx, &snapshot);
            return Ok(poll(cx, &snapshot));
        }
        let position = match s.continuations.get(&shard).or(s.last_sequence.as_ref()) {
            Some(seq) => json!({ "Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": seq }),
            None => match s.starting_position_timestamp.filter(|_| s.starting_position == "AT_TIMESTAMP") {
                Some(t) => json!({ "Type": "AT_TIMESTAMP", "Timestamp": t }),
                None => json!({ "Type": s.starting_position }),
            },
        };
        let request = json!({ "ConsumerARN": m.event_source_arn, "ShardId": shard, "StartingPosition": position });
        let region = region_of(&m.event_source_arn);
        return Ok(Step::Call(Request::new("kinesis", "SubscribeToShard", &region, request), Box::new(Cont::StreamIterator(uuid.to_string()))));
    }
    if s.last_sequence.is_none() {
        if let Some(it) = s.parked.remove(&shard) {
            s.iterator = Some(it);
            let snapshot = m.clone();
            save(cx, &snapshot);
            return Ok(poll(cx, &snapshot));
        }
    }
    let mut request =
        if kinesis { json!({ "StreamARN": stream_arn(&m.event_source_arn), "ShardId": shard }) } else { json!({ "StreamArn": m.event_source_arn, "ShardId": shard }) };
    match &s.last_sequence {
        Some(seq) => {
            request["ShardIteratorType"] = json!("AFTER_SEQUENCE_NUMBER");
            request[if kinesis { "StartingSequenceNumber" } else { "SequenceNumber" }] = json!(seq);
        }
        None => {
            request["ShardIteratorType"] = json!(s.starting_position);
            if let Some(t) = s.starting_position_timestamp.filter(|_| s.starting_position == "AT_TIMESTAMP") {
                request["Timestamp"] = json!(t);
            }
        }
    }
    let region = region_of(&m.event_source_arn);
    Ok(Step::Call(Request::new(endpoint(&m.event_source_arn), "GetShardIterator", &region, request), Box::new(Cont::StreamIterator(uuid.to_string()))))
}

pub fn iterator(cx: &mut Cx, state: &mut RegionState, uuid: &str, answer: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let Some(m) = state.mappings.get_mut(uuid) else { return Ok(Step::Done(Value::Null)) };
    let Some(s) = m.stream.as_mut() else { return Ok(Step::Done(Value::Null)) };
    if is_consumer(&m.event_source_arn) {
        // SubscribeToShard answered: its first events are records too.
        if let (Some(id), Some(shard)) = (answer.as_ref().ok().and_then(|v| v.get("SubscriptionId")).and_then(Value::as_str), s.shard_id.clone()) {
            s.subscriptions.insert(shard, id.to_string());
            s.iterator = Some(format!("{SUBSCRIPTION}{id}"));
            let snapshot = m.clone();
            save(cx, &snapshot);
            return records(cx, state, uuid, answer);
        }
    }
    match answer.as_ref().ok().and_then(|v| v.get("ShardIterator")).and_then(Value::as_str) {
        Some(it) => {
            s.iterator = Some(it.to_string());
            let snapshot = m.clone();
            save(cx, &snapshot);
            Ok(poll(cx, &snapshot))
        }
        None => {
            if let Err(e) = answer {
                m.last_processing_result = format!("PROBLEM: {}: {}", e.kind, e.message);
            }
            // Start over from DescribeStream next time (the shard may have changed).
            s.iterator = None;
            let snapshot = m.clone();
            save(cx, &snapshot);
            cx.schedule(cx.now_ms + esm::MAX_IDLE_POLL_MS, json!({ "esm": uuid }));
            Ok(Step::Done(Value::Null))
        }
    }
}

/// GetRecords answered: filter, then invoke with the batch, or wait.
pub fn records(cx: &mut Cx, state: &mut RegionState, uuid: &str, answer: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let answer = if state.mappings.get(uuid).is_some_and(|m| is_consumer(&m.event_source_arn)) { subscription_batch(state, uuid, answer) } else { answer };
    let Some(m) = state.mappings.get(uuid).cloned() else { return Ok(Step::Done(Value::Null)) };
    let Some(s) = m.stream.clone() else { return Ok(Step::Done(Value::Null)) };
    let out = match answer {
        Ok(v) => v,
        Err(e) => {
            // An expired or trimmed iterator: find the place again.
            if let Some(mm) = state.mappings.get_mut(uuid) {
                if let Some(ss) = mm.stream.as_mut() {
                    ss.iterator = None;
                    if e.kind == "TrimmedDataAccessException" {
                        ss.last_sequence = None;
                        ss.starting_position = "TRIM_HORIZON".into();
                    }
                }
                mm.last_processing_result = format!("PROBLEM: {}: {}", e.kind, e.message);
                let snapshot = mm.clone();
                save(cx, &snapshot);
            }
            cx.schedule(cx.now_ms + 1_000, json!({ "esm": uuid }));
            return Ok(Step::Done(Value::Null));
        }
    };
    let next = out.get("NextShardIterator").and_then(Value::as_str).map(str::to_string);
    let mut got = out.get("Records").and_then(Value::as_array).cloned().unwrap_or_default();
    // The Lambda event spells the Streams API's Identity as `{"type", "principalId"}` (TTL
    // deletes), and filters see it so.
    for r in &mut got {
        if let Some(id) = r.get("userIdentity").cloned() {
            r["userIdentity"] = json!({"type": id.get("Type"), "principalId": id.get("PrincipalId")});
        }
    }
    if is_kinesis(&m.event_source_arn) {
        let role = state.functions.get(&m.function).and_then(|f| f.config("$LATEST")).map(|c| c.role.clone()).unwrap_or_default();
        let shard = s.shard_id.clone().unwrap_or_default();
        got = got.iter().map(|r| kinesis_event_record(&m, &role, &shard, r)).collect();
    }
    // A batch smaller than BatchSize waits for MaximumBatchingWindowInSeconds after its oldest
    // record arrived (the iterator stays where it is, so the next poll reads it again).
    let oldest = got.first().and_then(time_of);
    if m.batching_window_s > 0 && (got.len() as u32) < s.bisected_size.unwrap_or(m.batch_size) {
        if let Some(t) = oldest {
            let due = (t * 1000.0) as i64 + m.batching_window_s as i64 * 1000;
            if due > cx.now_ms {
                // A subscription does not send records twice: they wait in the buffer.
                if let Some(ss) = state.mappings.get_mut(uuid).and_then(|mm| mm.stream.as_mut()).filter(|_| is_consumer(&m.event_source_arn)) {
                    requeue(ss, None);
                }
                cx.schedule(due.min(cx.now_ms + esm::MAX_IDLE_POLL_MS), json!({ "esm": uuid }));
                return Ok(Step::Done(Value::Null));
            }
        }
    }
    // Records older than MaximumRecordAgeInSeconds are skipped (and reported as failures).
    let (fresh, old): (Vec<Value>, Vec<Value>) =
        got.into_iter().partition(|r| s.maximum_record_age_s < 0 || time_of(r).is_none_or(|t| cx.now_ms as f64 / 1000.0 - t <= s.maximum_record_age_s as f64));
    if !old.is_empty() {
        deliver_failure(cx, &m, &s, &old, "RecordAgeExceeded", None);
    }
    let view = |r: &Value| if is_kinesis(&m.event_source_arn) { kinesis_filter_view(r) } else { r.clone() };
    let (keep, skipped): (Vec<Value>, Vec<Value>) = fresh.into_iter().partition(|r| m.filters.is_empty() || m.filters.iter().any(|p| super::filter::matches(p, &view(r))));
    if keep.is_empty() {
        // Nothing for the function: move past what was read.
        let last = skipped.last().or(old.last()).and_then(seq_of).map(str::to_string);
        let quiet = skipped.is_empty() && old.is_empty();
        if let Some(mm) = state.mappings.get_mut(uuid) {
            mm.idle_ms = if is_consumer(&mm.event_source_arn) {
                CONSUMER_POLL_MS
            } else if quiet {
                (mm.idle_ms * 2).min(esm::MAX_IDLE_POLL_MS)
            } else {
                1_000
            };
            if let Some(ss) = mm.stream.as_mut() {
                ss.iterator = next;
                if last.is_some() {
                    ss.last_sequence = last;
                }
                checkpoint(&mm.event_source_arn, ss);
            }
            let snapshot = mm.clone();
            save(cx, &snapshot);
            cx.schedule(cx.now_ms + snapshot.idle_ms, json!({ "esm": uuid }));
        }
        return Ok(Step::Done(Value::Null));
    }
    // The function gets the records it should see; the iterator moves only once they are done.
    let records: Vec<Value> = keep
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r["eventSourceARN"] = json!(stream_arn(&m.event_source_arn));
            r
        })
        .collect();
    let event = json!({ "Records": records }).to_string().into_bytes();
    let Some(f) = state.functions.get(&m.function) else { return Ok(Step::Done(Value::Null)) };
    let Ok(version) = invoke::pick_version(cx, f, &m.qualifier) else { return Ok(Step::Done(Value::Null)) };
    let request_id = cx.rng.uuid();
    let sequences: Vec<String> = keep.iter().filter_map(seq_of).map(str::to_string).collect();
    match invoke::start(cx, state, &m.function, &version, event, None, request_id, Origin::Stream { mapping: uuid.to_string(), sequences, records: keep, next_iterator: next }) {
        Ok(step) => Ok(step),
        Err(e) => {
            if let Some(mm) = state.mappings.get_mut(uuid) {
                mm.last_processing_result = format!("PROBLEM: Function call failed: {}", e.kind);
                let snapshot = mm.clone();
                save(cx, &snapshot);
            }
            cx.schedule(cx.now_ms + 1_000, json!({ "esm": uuid }));
            Ok(Step::Done(Value::Null))
        }
    }
}

/// The function handled (or failed) a batch.
#[allow(clippy::too_many_arguments)]
pub fn finished(cx: &mut Cx, state: &mut RegionState, uuid: &str, sequences: &[String], records: &[Value], next_iterator: Option<String>, failed: bool, payload: &[u8]) {
    let Some(m) = state.mappings.get(uuid).cloned() else { return };
    let Some(s) = m.stream.clone() else { return };
    // With ReportBatchItemFailures, the batch succeeded up to the first reported failure.
    let first_failure = if !failed && m.function_response_types.iter().any(|t| t == "ReportBatchItemFailures") {
        serde_json::from_slice::<Value>(payload)
            .ok()
            .and_then(|v| v.get("batchItemFailures").and_then(Value::as_array).cloned())
            .and_then(|list| list.iter().filter_map(|f| f.get("itemIdentifier").and_then(Value::as_str)).filter_map(|id| sequences.iter().position(|s| s == id)).min())
    } else {
        None
    };
    let Some(mm) = state.mappings.get_mut(uuid) else { return };
    let Some(ss) = mm.stream.as_mut() else { return };
    let done_through = match (failed, first_failure) {
        (false, None) => Some(sequences.len()),
        (false, Some(i)) => Some(i),
        (true, _) => Some(0),
    };
    let handled = done_through.unwrap_or(0);
    if handled == sequences.len() {
        // All done: keep reading from where GetRecords left off.
        ss.iterator = next_iterator;
        ss.last_sequence = sequences.last().cloned().or(ss.last_sequence.take());
        ss.attempts = 0;
        ss.bisected_size = None;
        ss.in_flight.clear();
        checkpoint(&mm.event_source_arn, ss);
        mm.last_processing_result = "OK".into();
        mm.idle_ms = 1_000;
        let snapshot = mm.clone();
        save(cx, &snapshot);
        cx.schedule(cx.now_ms, json!({ "esm": uuid }));
        return;
    }
    // Part (or all) of the batch failed: checkpoint before the failure and read again from there.
    if handled > 0 {
        ss.last_sequence = Some(sequences[handled - 1].clone());
    }
    ss.iterator = None;
    ss.attempts += 1;
    let failing = &records[handled..];
    let retries_left = s.maximum_retry_attempts < 0 || ss.attempts <= s.maximum_retry_attempts as u64;
    if s.bisect && failing.len() > 1 {
        ss.bisected_size = Some((failing.len() as u32).div_ceil(2));
    }
    if !retries_left && (!s.bisect || failing.len() <= 1) {
        // Give up on the failing records: describe them to the destination and move past them.
        let last = failing.last().and_then(seq_of).map(str::to_string);
        ss.last_sequence = last.or(ss.last_sequence.take());
        let attempts = ss.attempts;
        ss.attempts = 0;
        ss.bisected_size = None;
        mm.last_processing_result = "PROBLEM: Function call failed".into();
        let snapshot = mm.clone();
        save(cx, &snapshot);
        deliver_failure(cx, &snapshot, &s, failing, "RetryAttemptsExhausted", Some(attempts));
        cx.schedule(cx.now_ms, json!({ "esm": uuid }));
        return;
    }
    if is_consumer(&mm.event_source_arn) {
        // The subscription will not send them again: the failed records (and those after them
        // in the batch) go back in front of the buffer.
        requeue(ss, Some(&sequences[handled]));
    }
    mm.last_processing_result = "PROBLEM: Function call failed".into();
    let snapshot = mm.clone();
    save(cx, &snapshot);
    cx.schedule(cx.now_ms + 1_000, json!({ "esm": uuid }));
}

/// Enhanced fan-out: puts the batch in flight (from sequence number `from` on, or all of it)
/// back in front of its shard's buffer.
fn requeue(s: &mut StreamState, from: Option<&String>) {
    let Some(shard) = s.shard_id.clone() else { return };
    let again: Vec<Value> =
        std::mem::take(&mut s.in_flight).into_iter().filter(|r| from.is_none_or(|f| r.get("SequenceNumber").and_then(Value::as_str).is_some_and(|q| seq_ge(q, f)))).collect();
    let buffer = s.buffered.entry(shard).or_default();
    let rest = std::mem::take(buffer);
    *buffer = again.into_iter().chain(rest).collect();
}

/// Kinesis sequence numbers are decimal strings: the longer is the larger.
fn seq_ge(a: &str, b: &str) -> bool {
    (a.len(), a) >= (b.len(), b)
}

/// Enhanced fan-out: the events SubscribeToShard or `kinesis:ReadSubscription` answered, as the
/// GetRecords answer the rest of the poller reads — the shard's buffered records first, at most
/// a batch of them, the rest kept in the buffer. A subscription that ended is forgotten (the
/// next poll opens a new one where it stopped); an exception event (the consumer deregistered,
/// another subscription took over) is the poll's error.
fn subscription_batch(state: &mut RegionState, uuid: &str, answer: Result<Value, AwsError>) -> Result<Value, AwsError> {
    let Some(m) = state.mappings.get_mut(uuid) else { return answer };
    let batch_size = m.batch_size;
    let Some(s) = m.stream.as_mut() else { return answer };
    let Some(shard) = s.shard_id.clone() else { return answer };
    let v = match answer {
        Ok(v) => v,
        Err(e) => {
            // The subscription is gone (the sandbox was reloaded): open a new one next time.
            s.subscriptions.remove(&shard);
            s.iterator = None;
            return Err(e);
        }
    };
    let mut got = Vec::new();
    let mut problem = None;
    for event in v.get("EventStream").and_then(Value::as_array).into_iter().flatten() {
        match event.get("SubscribeToShardEvent") {
            Some(e) => {
                got.extend(e.get("Records").and_then(Value::as_array).cloned().unwrap_or_default());
                if let Some(c) = e.get("ContinuationSequenceNumber").and_then(Value::as_str) {
                    s.continuations.insert(shard.clone(), c.to_string());
                }
            }
            None => {
                if let Some((kind, body)) = event.as_object().and_then(|o| o.iter().next()) {
                    problem = Some(AwsError::new("", kind, body.get("message").and_then(Value::as_str).unwrap_or_default(), 400));
                }
            }
        }
    }
    let ended = v.get("Ended").and_then(Value::as_bool).unwrap_or(false) || problem.is_some();
    let mut all = s.buffered.remove(&shard).unwrap_or_default();
    all.extend(got);
    let limit = s.bisected_size.unwrap_or(batch_size).clamp(1, 10_000) as usize;
    if all.len() > limit {
        s.buffered.insert(shard.clone(), all.split_off(limit));
    }
    s.in_flight = all.clone();
    if ended {
        s.subscriptions.remove(&shard);
        s.iterator = None;
    }
    match problem {
        Some(e) if all.is_empty() => Err(e),
        _ => Ok(json!({ "Records": all, "NextShardIterator": s.iterator })),
    }
}

/// The on-failure record for stream batches (`DDBStreamBatchInfo` or `KinesisBatchInfo`), sent
/// to the SQS destination.
fn deliver_failure(cx: &mut Cx, m: &Mapping, s: &StreamState, records: &[Value], condition: &str, attempts: Option<u64>) {
    let Some(dest) = &s.on_failure else { return };
    let seq = |r: Option<&Value>| r.and_then(seq_of).map(|s| json!(s)).unwrap_or(Value::Null);
    let at = |r: Option<&Value>| r.and_then(time_of).map(|t| iso8601((t * 1000.0) as i64)).unwrap_or_default();
    let info = if is_kinesis(&m.event_source_arn) { "KinesisBatchInfo" } else { "DDBStreamBatchInfo" };
    let mut body = json!({
        "requestContext": { "requestId": cx.rng.uuid(), "functionArn": m.function_arn, "condition": condition, "approximateInvokeCount": attempts.unwrap_or(0) },
        "responseContext": { "statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled" },
        "version": "1.0",
        "timestamp": iso8601(cx.now_ms),
        "BatchInfo": {
            "shardId": s.shard_id,
            "startSequenceNumber": seq(records.first()),
            "endSequenceNumber": seq(records.last()),
            "approximateArrivalOfFirstRecord": at(records.first()),
            "approximateArrivalOfLastRecord": at(records.last()),
            "batchSize": records.len(),
            "streamArn": stream_arn(&m.event_source_arn),
        },
    });
    if let Some(batch) = body.as_object_mut().and_then(|b| b.remove("BatchInfo")) {
        body[info] = batch;
    }
    esm::send_to_queue(cx, dest, body.to_string());
}
