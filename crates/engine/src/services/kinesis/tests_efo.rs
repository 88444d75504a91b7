//! SubscribeToShard (enhanced fan-out) against the API reference: the subscription's events,
//! its rules, its read budget and its end, all on the virtual clock.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::{AwsError, Engine, EngineConfig, Request};

const T0: i64 = 1_795_541_400_000;
const STREAM_ARN: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/orders";

struct Sandbox {
    e: Engine,
    consumer: String,
}

impl Sandbox {
    /// A one-shard stream `orders` with an ACTIVE consumer `app`.
    fn new() -> Self {
        let mut s = Sandbox { e: Engine::new(EngineConfig::default(), T0), consumer: String::new() };
        s.ok("CreateStream", json!({ "StreamName": "orders", "ShardCount": 1 }));
        s.advance(1.5);
        let c = s.ok("RegisterStreamConsumer", json!({ "StreamARN": STREAM_ARN, "ConsumerName": "app" }));
        s.consumer = c["Consumer"]["ConsumerARN"].as_str().unwrap_or_default().to_string();
        s.advance(1.5);
        s
    }

    fn call(&mut self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.e.call(T0, &Request::new("kinesis", op, "us-east-1", input))
    }

    fn ok(&mut self, op: &str, input: Value) -> Value {
        self.call(op, input.clone()).unwrap_or_else(|e| panic!("{op} {input}: {e}"))
    }

    fn fail(&mut self, op: &str, input: Value) -> AwsError {
        self.e.take_changes();
        let e = match self.call(op, input.clone()) {
            Ok(v) => panic!("{op} {input} should fail, answered {v}"),
            Err(e) => e,
        };
        assert!(!self.e.has_changes(), "{op} {input}: a refused call journals nothing");
        e
    }

    fn advance(&mut self, seconds: f64) {
        self.e.control(T0, "AdvanceClock", &json!({ "seconds": seconds })).expect("clock");
    }

    fn put(&mut self, data: &[u8]) -> String {
        let out = self.ok("PutRecord", json!({ "StreamName": "orders", "PartitionKey": "k", "Data": B64.encode(data) }));
        out["SequenceNumber"].as_str().unwrap_or_default().to_string()
    }

    fn subscribe(&mut self, position: Value) -> Result<Value, AwsError> {
        let consumer = self.consumer.clone();
        self.call("SubscribeToShard", json!({ "ConsumerARN": consumer, "ShardId": "shardId-000000000000", "StartingPosition": position }))
    }

    fn read(&mut self, id: &str) -> (Vec<Value>, bool) {
        let out = self.e.control(T0, "kinesis:ReadSubscription", &json!({ "SubscriptionId": id, "region": "us-east-1" })).expect("read");
        (out["EventStream"].as_array().cloned().unwrap_or_default(), out["Ended"] == json!(true))
    }
}

fn id(out: &Value) -> String {
    out["SubscriptionId"].as_str().unwrap_or_default().to_string()
}

/// The data of an event's records, as text.
fn data(event: &Value) -> Vec<String> {
    event["SubscribeToShardEvent"]["Records"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| String::from_utf8(B64.decode(r["Data"].as_str().unwrap_or("")).unwrap_or_default()).unwrap_or_default())
        .collect()
}

#[test]
fn a_subscription_pushes_records_then_heartbeats_then_ends_after_five_minutes() {
    let mut s = Sandbox::new();
    let first = s.put(b"one");
    let second = s.put(b"two");
    let out = s.subscribe(json!({ "Type": "TRIM_HORIZON" })).expect("subscribe");
    let sub = id(&out);
    assert_eq!(sub.len(), 32);
    let events = out["EventStream"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 1, "the first event goes out at once: {out}");
    let ev = &events[0]["SubscribeToShardEvent"];
    assert_eq!(data(&events[0]), ["one", "two"]);
    let r = &ev["Records"][0];
    assert_eq!((r["SequenceNumber"].as_str(), r["PartitionKey"].as_str()), (Some(first.as_str()), Some("k")));
    assert!(r["ApproximateArrivalTimestamp"].as_f64().is_some_and(|t| t > 1.7e9));
    assert_eq!(ev["ContinuationSequenceNumber"], json!(second));
    assert_eq!(ev["MillisBehindLatest"], 0);
    assert!(ev.get("ChildShards").is_none(), "no resharding, no child shards");

    // Nothing new: no event until five seconds have passed since the last one.
    assert_eq!(s.read(&sub), (vec![], false));
    let third = s.put(b"three");
    let (events, ended) = s.read(&sub);
    assert!(!ended);
    assert_eq!(events.len(), 1);
    assert_eq!(data(&events[0]), ["three"]);
    assert_eq!(events[0]["SubscribeToShardEvent"]["ContinuationSequenceNumber"], json!(third));
    s.advance(4.0);
    assert_eq!(s.read(&sub), (vec![], false));
    s.advance(1.0);
    let (events, _) = s.read(&sub);
    assert_eq!(events.len(), 1, "a heartbeat every five seconds");
    assert_eq!(events[0]["SubscribeToShardEvent"]["Records"], json!([]));
    assert_eq!(events[0]["SubscribeToShardEvent"]["ContinuationSequenceNumber"], json!(third), "the continuation holds the place");

    // Continuing AFTER the continuation sequence number reads on from there.
    s.put(b"four");
    s.advance(300.0);
    let (events, ended) = s.read(&sub);
    assert!(ended, "five minutes after it started, the subscription is over");
    assert_eq!(events.iter().flat_map(data).collect::<Vec<_>>(), ["four"]);
    let e = s.e.control(T0, "kinesis:ReadSubscription", &json!({ "SubscriptionId": sub, "region": "us-east-1" })).expect_err("gone");
    assert_eq!(e.kind, "ResourceNotFoundException");

    let out = s.subscribe(json!({ "Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": third })).expect("again");
    assert_eq!(data(&out["EventStream"][0]), ["four"]);
}

#[test]
fn starting_positions_are_the_shard_iterator_types() {
    let mut s = Sandbox::new();
    let a = s.put(b"a");
    let between = s.e.now_ms(T0) as f64 / 1000.0 + 0.5;
    s.advance(2.0);
    let b = s.put(b"b");
    s.put(b"c");
    let cases = [
        (json!({ "Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": a }), vec!["a", "b", "c"]),
        (json!({ "Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": b }), vec!["c"]),
        (json!({ "Type": "LATEST" }), vec![]),
        (json!({ "Type": "AT_TIMESTAMP", "Timestamp": between }), vec!["b", "c"]),
        (json!({ "Type": "TRIM_HORIZON" }), vec!["a", "b", "c"]),
    ];
    for (position, want) in cases {
        // Each subscription takes over the previous one, five seconds on.
        s.advance(5.0);
        let out = s.subscribe(position.clone()).unwrap_or_else(|e| panic!("{position}: {e}"));
        assert_eq!(data(&out["EventStream"][0]), want, "{position}");
    }
}

#[test]
fn invalid_requests_get_aws_errors() {
    let mut s = Sandbox::new();
    let consumer = s.consumer.clone();
    let e = s.fail("SubscribeToShard", json!({}));
    assert_eq!(e.kind, "ValidationException");
    assert!(e.message.starts_with("3 validation errors detected: "), "{}", e.message);
    assert!(e.message.contains("Value null at 'consumerARN' failed to satisfy constraint: Member must not be null"), "{}", e.message);
    let e = s.fail(
        "SubscribeToShard",
        json!({ "ConsumerARN": "arn:aws:kinesis:us-east-1:123456789012:stream/orders", "ShardId": "shardId-000000000000", "StartingPosition": { "Type": "LATEST" } }),
    );
    assert_eq!(e.kind, "ValidationException");
    assert!(e.message.contains("at 'consumerARN' failed to satisfy constraint: Member must satisfy regular expression pattern"), "{}", e.message);
    let e = s.fail("SubscribeToShard", json!({ "ConsumerARN": consumer, "ShardId": "shardId-000000000000", "StartingPosition": { "Type": "NEWEST" } }));
    assert_eq!(e.message, "1 validation error detected: Value 'NEWEST' at 'startingPosition.type' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, AT_TIMESTAMP, TRIM_HORIZON, LATEST]");
    let e = s.fail("SubscribeToShard", json!({ "ConsumerARN": consumer, "ShardId": "shardId-000000000000", "StartingPosition": { "Type": "AT_SEQUENCE_NUMBER" } }));
    assert_eq!(
        (e.kind.as_str(), e.message.as_str()),
        ("InvalidArgumentException", "StartingPosition.SequenceNumber must be specified for StartingPosition.Type AT_SEQUENCE_NUMBER.")
    );
    let e = s.fail("SubscribeToShard", json!({ "ConsumerARN": consumer, "ShardId": "shardId-000000000000", "StartingPosition": { "Type": "LATEST", "SequenceNumber": "1" } }));
    assert_eq!(e.kind, "InvalidArgumentException");
    let e = s.fail("SubscribeToShard", json!({ "ConsumerARN": consumer, "ShardId": "shardId-000000000000", "StartingPosition": { "Type": "AT_TIMESTAMP" } }));
    assert_eq!(e.kind, "InvalidArgumentException");
    let e = s.fail(
        "SubscribeToShard",
        json!({ "ConsumerARN": consumer, "ShardId": "shardId-000000000000", "StartingPosition": { "Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": "12345" } }),
    );
    assert_eq!(e.kind, "InvalidArgumentException");
    let e = s.fail("SubscribeToShard", json!({ "ConsumerARN": consumer, "ShardId": "shardId-000000000007", "StartingPosition": { "Type": "LATEST" } }));
    assert_eq!((e.kind.as_str(), e.message.as_str()), ("ResourceNotFoundException", "Shard shardId-000000000007 in stream orders under account 123456789012 does not exist"));
    let other = consumer.replace("/consumer/app:", "/consumer/nope:");
    let e = s.fail("SubscribeToShard", json!({ "ConsumerARN": other, "ShardId": "shardId-000000000000", "StartingPosition": { "Type": "LATEST" } }));
    assert_eq!((e.kind.as_str(), e.message), ("ResourceNotFoundException", format!("Consumer {other} not found.")));
    let e = s.fail("SubscribeToShard", json!({ "ConsumerARN": consumer, "ShardId": "shardId-000000000000", "StartingPosition": { "Type": "LATEST" }, "StreamId": "x" }));
    assert_eq!(e.kind, "ValidationException");

    // A consumer still CREATING is in use.
    let c = s.ok("RegisterStreamConsumer", json!({ "StreamARN": STREAM_ARN, "ConsumerName": "late" }))["Consumer"].clone();
    let late = c["ConsumerARN"].as_str().unwrap_or_default().to_string();
    let e = s.fail("SubscribeToShard", json!({ "ConsumerARN": late, "ShardId": "shardId-000000000000", "StartingPosition": { "Type": "LATEST" } }));
    assert_eq!(e.kind, "ResourceInUseException");
    assert!(
        e.message.starts_with("Consumer late with creation timestamp ") && e.message.ends_with(" under stream: orders , account 123456789012 is not in ACTIVE status."),
        "{}",
        e.message
    );
}

#[test]
fn a_second_subscription_within_five_seconds_is_in_use_later_it_takes_over() {
    let mut s = Sandbox::new();
    let first = id(&s.subscribe(json!({ "Type": "LATEST" })).expect("first"));
    // Long after, a new subscription still takes the first one over.
    s.advance(60.0);
    assert_eq!(s.read(&first).1, false);
    let second = id(&s.subscribe(json!({ "Type": "LATEST" })).expect("takes over"));
    assert_eq!(s.read(&first).0[0].as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()), Some(vec!["ResourceInUseException".to_string()]));
    let first = second;
    s.advance(4.5);
    let e = s.subscribe(json!({ "Type": "LATEST" })).expect_err("in use");
    assert_eq!(
        (e.kind.as_str(), e.message.as_str()),
        ("ResourceInUseException", "Another active subscription exists for this consumer: 123456789012:orders:shardId-000000000000:app")
    );
    // Five seconds after the successful call, but half a second after the last one.
    s.advance(0.5);
    let e = s.subscribe(json!({ "Type": "LATEST" })).expect_err("rate");
    assert_eq!(e.kind, "LimitExceededException");
    s.advance(0.5);
    let second = id(&s.subscribe(json!({ "Type": "LATEST" })).expect("takes over"));
    assert_ne!(first, second);
    let (events, ended) = s.read(&first);
    assert!(ended);
    assert_eq!(
        events,
        vec![json!({ "ResourceInUseException": { "message": "Another active subscription exists for this consumer: 123456789012:orders:shardId-000000000000:app" } })]
    );
    s.put(b"x");
    assert_eq!(data(&s.read(&second).0[0]), ["x"]);

    // Another consumer, or another shard, is another subscription.
    s.ok("RegisterStreamConsumer", json!({ "StreamARN": STREAM_ARN, "ConsumerName": "other" }));
    s.advance(1.5);
    let other = s.ok("DescribeStreamConsumer", json!({ "StreamARN": STREAM_ARN, "ConsumerName": "other" }))["ConsumerDescription"]["ConsumerARN"].clone();
    let out = s.ok("SubscribeToShard", json!({ "ConsumerARN": other, "ShardId": "shardId-000000000000", "StartingPosition": { "Type": "TRIM_HORIZON" } }));
    assert_eq!(data(&out["EventStream"][0]), ["x"]);

    // Deregistering the consumer ends its subscription with a ResourceNotFoundException.
    s.ok("DeregisterStreamConsumer", json!({ "ConsumerARN": other }));
    let (events, ended) = s.read(&id(&out));
    assert!(ended);
    assert_eq!(events.len(), 1);
    assert!(events[0].get("ResourceNotFoundException").is_some(), "{events:?}");
}

#[test]
fn an_event_carries_at_most_two_mib_per_second() {
    let mut s = Sandbox::new();
    // 900 KB a second for four seconds (the shard takes 1 MiB per second).
    let chunk = vec![b'z'; 900_000];
    for _ in 0..4 {
        s.put(&chunk);
        s.advance(1.0);
    }
    let out = s.subscribe(json!({ "Type": "TRIM_HORIZON" })).expect("subscribe");
    let sub = id(&out);
    let ev = &out["EventStream"][0]["SubscribeToShardEvent"];
    assert_eq!(ev["Records"].as_array().map(Vec::len), Some(2), "2 MiB holds two records of 900 KB");
    assert!(ev["MillisBehindLatest"].as_i64().is_some_and(|m| m >= 2_000), "{ev}");
    // The budget is spent: nothing more until it refills.
    assert_eq!(s.read(&sub), (vec![], false));
    s.advance(0.5);
    let (events, _) = s.read(&sub);
    assert_eq!(events[0]["SubscribeToShardEvent"]["Records"].as_array().map(Vec::len), Some(1), "half a second refills 1 MiB");
    s.advance(0.5);
    let (events, _) = s.read(&sub);
    assert_eq!(events[0]["SubscribeToShardEvent"]["Records"].as_array().map(Vec::len), Some(1));
    assert_eq!(events[0]["SubscribeToShardEvent"]["MillisBehindLatest"], 0);
}

#[test]
fn subscriptions_are_runtime_state_not_records() {
    let mut s = Sandbox::new();
    s.put(b"a");
    s.e.take_changes();
    let sub = id(&s.subscribe(json!({ "Type": "TRIM_HORIZON" })).expect("subscribe"));
    let keys: Vec<String> = s.e.snapshot().into_iter().map(|r| r.key).filter(|k| k.starts_with("kinesis/")).collect();
    assert!(keys.iter().all(|k| !k.contains(&sub)), "{keys:?}");
    // A reloaded sandbox has no subscriptions.
    let restored = Engine::restore(EngineConfig::default(), T0, s.e.snapshot());
    let mut e = restored.expect("restore");
    let err = e.control(T0, "kinesis:ReadSubscription", &json!({ "SubscriptionId": sub, "region": "us-east-1" })).expect_err("gone");
    assert_eq!(err.kind, "ResourceNotFoundException");
    // The host closing it forgets it.
    s.e.control(T0, "kinesis:CloseSubscription", &json!({ "SubscriptionId": sub, "region": "us-east-1" })).expect("close");
    assert!(s.e.control(T0, "kinesis:ReadSubscription", &json!({ "SubscriptionId": sub, "region": "us-east-1" })).is_err());
}
