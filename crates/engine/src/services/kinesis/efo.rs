//! SubscribeToShard: enhanced fan-out reads. AWS pushes `SubscribeToShardEvent`s over an HTTP/2
//! event stream for up to five minutes; the engine does no I/O, so a subscription is engine
//! state the host drives:
//!
//! - `SubscribeToShard` answers AWS's output with the stream's events so far —
//!   `{"EventStream": [{"SubscribeToShardEvent": {...}}], "SubscriptionId": "..."}` (the id is
//!   the sandbox's: the handle a host reads the rest with);
//! - the control operation `kinesis:ReadSubscription` {SubscriptionId, region} answers the events
//!   since the last read (`EventStream`, possibly empty) and `Ended` (true once the five virtual
//!   minutes are over, or after an exception event: the consumer or stream is gone, or a later
//!   SubscribeToShard took the subscription over);
//! - `kinesis:CloseSubscription` {SubscriptionId, region} forgets it (the client went away).
//!
//! An event carries every record past the subscription's position that the read budget allows:
//! 2 MiB per second per shard per consumer, a token bucket refilled on the virtual clock (at most
//! 2 MiB banked). With nothing to send, an event with no records goes out every five virtual
//! seconds, as AWS sends them, carrying the ContinuationSequenceNumber. Rules of the API
//! reference: the consumer must be ACTIVE (else ResourceInUseException); a second call for the
//! same consumer and shard within five seconds of a successful one is a ResourceInUseException;
//! five seconds or more later it takes over, and the earlier subscription ends with a
//! ResourceInUseException event; one call per second per consumer per shard (a LimitExceeded-
//! Exception beyond). Subscriptions are runtime state, like an open connection: never records,
//! so a reloaded sandbox has none (nor the five-second rule's memory).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{consumers, errors, input, stream, Kinesis};
use crate::{
    kernel::{error::AwsError, service::Cx},
    services::lambda::errors::Validation,
};

/// A subscription lasts five minutes.
pub const SUBSCRIPTION_MS: i64 = 300_000;
/// Read throughput of one consumer on one shard, bytes per second (2 MiB).
pub const READ_BYTES_PER_SECOND: u64 = 2 * 1_048_576;
/// An event with no records goes out at least this often.
pub const HEARTBEAT_MS: i64 = 5_000;
/// A new subscription within this long of a successful one is refused.
pub const TAKEOVER_MS: i64 = 5_000;
/// One SubscribeToShard per second per consumer per shard.
pub const CALL_INTERVAL_MS: i64 = 1_000;

const CONSUMER_ARN_PATTERN: &str = "Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+";
const TYPES: [&str; 5] = ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"];

#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub region: String,
    pub stream: String,
    pub stream_created_ms: i64,
    pub consumer_arn: String,
    pub shard: usize,
    /// The position of the next record to send.
    pub position: u64,
    pub started_ms: i64,
    /// Read budget: bytes banked at `budget_ms`.
    pub budget: u64,
    pub budget_ms: i64,
    pub last_event_ms: i64,
    /// Why it ended, if it has: the exception event still to send (None: ended quietly).
    pub ended: Option<Option<AwsError>>,
}

/// Subscriptions by id, and per (consumer ARN, shard): (last call, last successful call, id).
#[derive(Debug, Default)]
pub struct Subscriptions {
    pub by_id: BTreeMap<String, Subscription>,
    calls: BTreeMap<(String, usize), (i64, Option<(i64, String)>)>,
}

impl Subscriptions {
    pub fn clear(&mut self) {
        self.by_id.clear();
        self.calls.clear();
    }

    /// Forgets what can no longer matter: ended subscriptions and call times past the rules.
    fn prune(&mut self, now_ms: i64) {
        self.by_id.retain(|_, s| s.ended.is_none() && now_ms < s.started_ms + SUBSCRIPTION_MS + 60_000);
        let live = &self.by_id;
        self.calls.retain(|_, (last, ok)| now_ms - *last < TAKEOVER_MS || ok.as_ref().is_some_and(|(at, id)| now_ms - at < TAKEOVER_MS || live.contains_key(id)));
    }
}

struct Start {
    kind: String,
    sequence: Option<String>,
    timestamp: Option<i64>,
}

fn read_start(v: &mut Validation, input: &Value) -> Result<Option<Start>, AwsError> {
    let p = match input.get("StartingPosition") {
        None | Some(Value::Null) => {
            v.constraint(None, "startingPosition", "Member must not be null");
            return Ok(None);
        }
        Some(p) if p.is_object() => p,
        Some(_) => return Err(AwsError::serialization("Unexpected value type for StartingPosition: expected a structure")),
    };
    let kind = v.required_string(p, "Type", "startingPosition.type", 0, usize::MAX);
    if let Some(t) = &kind {
        if !TYPES.contains(&t.as_str()) {
            v.constraint(Some(t), "startingPosition.type", "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, AT_TIMESTAMP, TRIM_HORIZON, LATEST]");
        }
    }
    let sequence = v.string(p, "SequenceNumber", "startingPosition.sequenceNumber", 0, usize::MAX);
    if let Some(q) = &sequence {
        let ok = q == "0" || (q.len() <= 129 && q.starts_with(|c: char| ('1'..='9').contains(&c)) && q.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            v.constraint(Some(q), "startingPosition.sequenceNumber", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
        }
    }
    let timestamp = input::timestamp(p, "Timestamp")?;
    Ok(Some(Start { kind: kind.unwrap_or_default(), sequence, timestamp }))
}

/// `SubscribeToShard`.
pub fn subscribe(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let arn = v.required_string(input, "ConsumerARN", "consumerARN", 1, 2048);
    let parsed = arn.as_deref().and_then(consumers::parse_consumer_arn);
    if let (Some(a), None) = (&arn, &parsed) {
        v.constraint(Some(a), "consumerARN", CONSUMER_ARN_PATTERN);
    }
    let shard_id = input::name(&mut v, input, "ShardId", "shardId", true);
    let start = read_start(&mut v, input)?;
    if input.get("StreamId").is_some_and(|s| !s.is_null()) {
        v.finish()?;
        return Err(errors::unsupported("StreamId on SubscribeToShard (AWS reserves it for future use)"));
    }
    v.finish()?;
    let (arn, shard_id, start) = (arn.unwrap_or_default(), shard_id.unwrap_or_default(), start.ok_or_else(|| AwsError::internal("no start"))?);
    let (stream_name, consumer_name) = parsed.unwrap_or_default();
    let by_sequence = start.kind.ends_with("_SEQUENCE_NUMBER");
    if by_sequence && start.sequence.is_none() {
        return Err(errors::invalid_argument(format!("StartingPosition.SequenceNumber must be specified for StartingPosition.Type {}.", start.kind)));
    }
    if !by_sequence && start.sequence.is_some() {
        return Err(errors::invalid_argument(format!("StartingPosition.SequenceNumber must not be specified for StartingPosition.Type {}.", start.kind)));
    }
    if start.kind == "AT_TIMESTAMP" && start.timestamp.is_none() {
        return Err(errors::invalid_argument("StartingPosition.Timestamp must be specified for StartingPosition.Type AT_TIMESTAMP."));
    }
    if start.kind != "AT_TIMESTAMP" && start.timestamp.is_some() {
        return Err(errors::invalid_argument(format!("StartingPosition.Timestamp must only be specified for StartingPosition.Type AT_TIMESTAMP, not {}.", start.kind)));
    }
    let account = cx.account.id.clone();
    let consumer_missing = || errors::not_found(format!("Consumer {arn} not found."));
    match input::parse_arn(arn.split("/consumer/").next().unwrap_or_default()) {
        Some((region, acct, _)) if region == cx.region && acct == account => {}
        _ => return Err(consumer_missing()),
    }
    let s = k.region_mut(cx.region).streams.get_mut(&stream_name).ok_or_else(consumer_missing)?;
    s.trim(cx.journal, cx.region, cx.now_ms);
    let c = s.meta.consumers.iter().find(|c| c.arn == arn).ok_or_else(consumer_missing)?;
    if c.status != "ACTIVE" || !s.is_readable() {
        return Err(errors::resource_in_use(format!(
            "Consumer {consumer_name} with creation timestamp {} under stream: {stream_name} , account {account} is not in ACTIVE status.",
            c.created_ms.div_euclid(1000)
        )));
    }
    let shard = stream::shard_index(&shard_id)
        .filter(|&i| i < s.shards.len())
        .ok_or_else(|| errors::not_found(format!("Shard {shard_id} in stream {stream_name} under account {account} does not exist")))?;
    let position = match start.kind.as_str() {
        "TRIM_HORIZON" => 0,
        "LATEST" => s.shards[shard].next,
        "AT_TIMESTAMP" => {
            let at = start.timestamp.unwrap_or_default();
            let sh = &s.shards[shard];
            sh.records.iter().find(|r| r.arrival_ms >= at).map_or(sh.next.max(at.max(0) as u64 * 1000), |r| r.position)
        }
        _ => {
            let q = start.sequence.clone().unwrap_or_default();
            let (in_shard, position) = s.parse_sequence(&q).ok_or_else(|| {
                errors::invalid_argument(format!(
                    "StartingSequenceNumber {q} used in SubscribeToShard on shard {shard_id} in stream {stream_name} under account {account} is invalid."
                ))
            })?;
            if in_shard != shard {
                return Err(errors::invalid_argument(format!(
                    "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to a shard with {shard_id}",
                    stream::shard_id(in_shard)
                )));
            }
            position + u64::from(start.kind == "AFTER_SEQUENCE_NUMBER")
        }
    };
    let stream_created_ms = s.meta.created_ms;
    let subs = &mut k.subscriptions;
    subs.prune(cx.now_ms);
    let key = (arn.clone(), shard);
    let (last_call, last_ok) = subs.calls.get(&key).cloned().unwrap_or((i64::MIN / 2, None));
    if let Some((at, _)) = &last_ok {
        if cx.now_ms - at < TAKEOVER_MS {
            subs.calls.insert(key, (cx.now_ms, last_ok.clone()));
            return Err(errors::resource_in_use(format!("Another active subscription exists for this consumer: {account}:{stream_name}:{shard_id}:{consumer_name}")));
        }
    }
    if cx.now_ms - last_call < CALL_INTERVAL_MS {
        return Err(errors::limit_exceeded(format!("Rate exceeded for consumer {arn} and shard {shard_id}: one SubscribeToShard call per second per consumer per shard.")));
    }
    // A later subscription takes over: the earlier one ends with a ResourceInUseException.
    if let Some((_, old)) = &last_ok {
        if let Some(o) = subs.by_id.get_mut(old) {
            if o.ended.is_none() {
                o.ended = Some(Some(errors::resource_in_use(format!("Another active subscription exists for this consumer: {account}:{stream_name}:{shard_id}:{consumer_name}"))));
            }
        }
    }
    let id = format!("{:016x}{:016x}", cx.rng.next_u64(), cx.rng.next_u64());
    subs.calls.insert(key, (cx.now_ms, Some((cx.now_ms, id.clone()))));
    subs.by_id.insert(
        id.clone(),
        Subscription {
            region: cx.region.to_string(),
            stream: stream_name,
            stream_created_ms,
            consumer_arn: arn,
            shard,
            position,
            started_ms: cx.now_ms,
            budget: READ_BYTES_PER_SECOND,
            budget_ms: cx.now_ms,
            last_event_ms: i64::MIN / 2,
            ended: None,
        },
    );
    let (events, _) = read(k, cx, &id)?;
    Ok(json!({ "EventStream": events, "SubscriptionId": id }))
}

/// `kinesis:ReadSubscription`: the events since the last read, and whether the stream is over.
pub fn read_subscription(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let id = input.get("SubscriptionId").and_then(Value::as_str).ok_or_else(|| AwsError::validation("SubscriptionId is required"))?;
    let (events, ended) = read(k, cx, id)?;
    Ok(json!({ "EventStream": events, "Ended": ended }))
}

/// `kinesis:CloseSubscription`: the client went away.
pub fn close_subscription(k: &mut Kinesis, input: &Value) -> Result<Value, AwsError> {
    let id = input.get("SubscriptionId").and_then(Value::as_str).ok_or_else(|| AwsError::validation("SubscriptionId is required"))?;
    k.subscriptions.by_id.remove(id);
    Ok(json!({}))
}

fn unknown_subscription(id: &str) -> AwsError {
    AwsError::new("gureum", "ResourceNotFoundException", format!("Subscription {id} does not exist (it ended, or the sandbox was reloaded)."), 400)
}

fn exception_event(e: &AwsError) -> Value {
    let mut out = serde_json::Map::new();
    out.insert(e.kind.clone(), json!({ "message": e.message }));
    Value::Object(out)
}

/// The next events of subscription `id` and whether it has ended (then it is forgotten).
fn read(k: &mut Kinesis, cx: &mut Cx, id: &str) -> Result<(Vec<Value>, bool), AwsError> {
    let sub = k.subscriptions.by_id.get(id).cloned().ok_or_else(|| unknown_subscription(id))?;
    if sub.region != cx.region {
        return Err(unknown_subscription(id));
    }
    let finish = |k: &mut Kinesis, events: Vec<Value>| {
        k.subscriptions.by_id.remove(id);
        Ok((events, true))
    };
    if let Some(why) = &sub.ended {
        return finish(k, why.iter().map(exception_event).collect());
    }
    let now = cx.now_ms.min(sub.started_ms + SUBSCRIPTION_MS);
    let gone = || errors::not_found(format!("Consumer {} not found.", sub.consumer_arn));
    let Some(s) = k.region_mut(&sub.region).streams.get_mut(&sub.stream) else {
        return finish(k, vec![exception_event(&gone())]);
    };
    let active = s.meta.created_ms == sub.stream_created_ms && s.is_readable() && s.meta.consumers.iter().any(|c| c.arn == sub.consumer_arn && c.status == "ACTIVE");
    if !active {
        return finish(k, vec![exception_event(&gone())]);
    }
    s.trim(cx.journal, &sub.region, cx.now_ms);
    let refill = ((now - sub.budget_ms).max(0) as u128 * READ_BYTES_PER_SECOND as u128 / 1000) as u64;
    let mut budget = (sub.budget + refill).min(READ_BYTES_PER_SECOND);
    let shard = &s.shards[sub.shard];
    let mut records = Vec::new();
    let mut position = sub.position;
    let mut behind = 0;
    for r in shard.records.iter().filter(|r| r.position >= sub.position && r.arrival_ms <= now) {
        let size = r.data.len() as u64;
        if size > budget {
            behind = (now - r.arrival_ms).max(0);
            break;
        }
        budget -= size;
        records.push(s.record_json(sub.shard, r));
        position = r.position + 1;
    }
    // Continuing AFTER this sequence number reads the next record to send.
    let continuation = s.sequence_number(sub.shard, position.saturating_sub(1));
    let mut events = Vec::new();
    if !records.is_empty() || now - sub.last_event_ms >= HEARTBEAT_MS {
        events.push(json!({ "SubscribeToShardEvent": { "Records": records, "ContinuationSequenceNumber": continuation, "MillisBehindLatest": behind } }));
    }
    let over = cx.now_ms >= sub.started_ms + SUBSCRIPTION_MS;
    let Some(live) = k.subscriptions.by_id.get_mut(id) else { return Err(unknown_subscription(id)) };
    live.position = position;
    live.budget = budget;
    live.budget_ms = now;
    if !events.is_empty() {
        live.last_event_ms = now;
    }
    if over {
        return finish(k, events);
    }
    Ok((events, false))
}
