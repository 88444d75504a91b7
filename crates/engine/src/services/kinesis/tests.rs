//! Kinesis Data Streams against the API reference: shapes, errors, limits and the virtual
//! clock, through the engine's own door.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::{AwsError, Engine, EngineConfig, Request};

const ACCOUNT: &str = "123456789012";
const T0: i64 = 1_795_541_400_000;

struct Sandbox {
    e: Engine,
}

impl Sandbox {
    fn new() -> Self {
        Sandbox { e: Engine::new(EngineConfig::default(), T0) }
    }

    fn call(&mut self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.e.call(T0, &Request::new("kinesis", op, "us-east-1", input))
    }

    fn ok(&mut self, op: &str, input: Value) -> Value {
        self.call(op, input.clone()).unwrap_or_else(|e| panic!("{op} {input}: {e}"))
    }

    /// The error `op` answers; a refused call journals nothing.
    fn fail(&mut self, op: &str, input: Value) -> AwsError {
        self.e.take_changes();
        let e = match self.call(op, input.clone()) {
            Ok(v) => panic!("{op} {input} should fail, answered {v}"),
            Err(e) => e,
        };
        assert!(!self.e.has_changes(), "{op} {input}: a refused call journals nothing");
        e
    }

    /// Virtual time now, ms.
    fn now(&self) -> i64 {
        self.e.now_ms(T0)
    }

    fn advance(&mut self, seconds: f64) {
        self.e.control(T0, "AdvanceClock", &json!({ "seconds": seconds })).expect("clock");
    }

    fn stream(&mut self, name: &str, shards: u32) {
        self.ok("CreateStream", json!({ "StreamName": name, "ShardCount": shards }));
        self.advance(1.5);
    }

    fn put(&mut self, stream: &str, key: &str, data: &str) -> Value {
        self.ok("PutRecord", json!({ "StreamName": stream, "PartitionKey": key, "Data": B64.encode(data) }))
    }

    fn iterator(&mut self, stream: &str, shard: &str, extra: Value) -> String {
        let mut input = json!({ "StreamName": stream, "ShardId": shard });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            input[k] = v;
        }
        self.ok("GetShardIterator", input)["ShardIterator"].as_str().unwrap_or_default().to_string()
    }

    fn read(&mut self, iterator: &str) -> (Vec<String>, String) {
        let out = self.ok("GetRecords", json!({ "ShardIterator": iterator }));
        let data = out["Records"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| String::from_utf8(B64.decode(r["Data"].as_str().unwrap_or("")).unwrap_or_default()).unwrap_or_default())
            .collect();
        (data, out["NextShardIterator"].as_str().unwrap_or_default().to_string())
    }
}

fn kind(e: &AwsError) -> (&str, &str) {
    (e.kind.as_str(), e.message.as_str())
}

#[test]
fn streams_are_creating_then_active_and_described_as_aws_does() {
    let mut s = Sandbox::new();
    assert_eq!(s.ok("CreateStream", json!({ "StreamName": "orders", "ShardCount": 2 })), json!({}));
    let d = s.ok("DescribeStream", json!({ "StreamName": "orders" }))["StreamDescription"].clone();
    assert_eq!(d["StreamStatus"], "CREATING");
    let e = s.fail("PutRecord", json!({ "StreamName": "orders", "PartitionKey": "k", "Data": "AA==" }));
    assert_eq!(kind(&e), ("ResourceNotFoundException", "Stream orders under account 123456789012 not found."));
    s.advance(1.5);
    let d = s.ok("DescribeStream", json!({ "StreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/orders" }))["StreamDescription"].clone();
    assert_eq!(d["StreamStatus"], "ACTIVE");
    assert_eq!(d["StreamARN"], "arn:aws:kinesis:us-east-1:123456789012:stream/orders");
    assert_eq!(d["RetentionPeriodHours"], 24);
    assert_eq!(d["StreamModeDetails"], json!({ "StreamMode": "PROVISIONED" }));
    assert_eq!(d["HasMoreShards"], false);
    assert_eq!(d["EncryptionType"], "NONE");
    let shards = d["Shards"].as_array().cloned().unwrap_or_default();
    assert_eq!(shards.len(), 2);
    assert_eq!(shards[0]["ShardId"], "shardId-000000000000");
    assert_eq!(shards[0]["HashKeyRange"], json!({ "StartingHashKey": "0", "EndingHashKey": "170141183460469231731687303715884105727" }));
    assert_eq!(shards[1]["HashKeyRange"]["EndingHashKey"], "340282366920938463463374607431768211455");
    let start = shards[0]["SequenceNumberRange"]["StartingSequenceNumber"].as_str().unwrap_or_default();
    assert_eq!(start.len(), 56);

    let summary = s.ok("DescribeStreamSummary", json!({ "StreamName": "orders" }))["StreamDescriptionSummary"].clone();
    assert_eq!((summary["OpenShardCount"].clone(), summary["ConsumerCount"].clone()), (json!(2), json!(0)));

    let e = s.fail("CreateStream", json!({ "StreamName": "orders", "ShardCount": 1 }));
    assert_eq!(kind(&e), ("ResourceInUseException", "Stream orders under account 123456789012 already exists."));
    let e = s.fail("CreateStream", json!({ "StreamName": "bad name", "ShardCount": 1 }));
    assert_eq!(
        kind(&e),
        (
            "ValidationException",
            "1 validation error detected: Value 'bad name' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        )
    );
    let e = s.fail("CreateStream", json!({ "StreamName": "zero", "ShardCount": 0 }));
    assert_eq!(
        kind(&e),
        ("ValidationException", "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1")
    );
    let e = s.fail("CreateStream", json!({ "StreamName": "huge", "ShardCount": 600 }));
    assert_eq!(e.kind, "LimitExceededException");
    let e = s.fail("DescribeStream", json!({ "StreamName": "nope" }));
    assert_eq!(kind(&e), ("ResourceNotFoundException", "Stream nope under account 123456789012 not found."));
    let e = s.fail("DescribeStream", json!({}));
    assert_eq!(e.kind, "ValidationException");

    // On-demand streams start with four shards.
    s.ok("CreateStream", json!({ "StreamName": "clicks", "StreamModeDetails": { "StreamMode": "ON_DEMAND" } }));
    s.advance(1.5);
    let summary = s.ok("DescribeStreamSummary", json!({ "StreamName": "clicks" }))["StreamDescriptionSummary"].clone();
    assert_eq!((summary["OpenShardCount"].clone(), summary["StreamModeDetails"]["StreamMode"].clone()), (json!(4), json!("ON_DEMAND")));

    // Deleting: DELETING for a second, then gone.
    s.ok("DeleteStream", json!({ "StreamName": "clicks" }));
    assert_eq!(s.ok("DescribeStreamSummary", json!({ "StreamName": "clicks" }))["StreamDescriptionSummary"]["StreamStatus"], "DELETING");
    s.advance(1.5);
    assert_eq!(s.fail("DescribeStreamSummary", json!({ "StreamName": "clicks" })).kind, "ResourceNotFoundException");
}

#[test]
fn list_streams_and_shards_page() {
    let mut s = Sandbox::new();
    for name in ["a", "b", "c"] {
        s.ok("CreateStream", json!({ "StreamName": name, "ShardCount": 3 }));
    }
    s.advance(1.5);
    let page = s.ok("ListStreams", json!({ "Limit": 2 }));
    assert_eq!(page["StreamNames"], json!(["a", "b"]));
    assert_eq!(page["HasMoreStreams"], true);
    assert_eq!(page["StreamSummaries"][0]["StreamARN"], "arn:aws:kinesis:us-east-1:123456789012:stream/a");
    let rest = s.ok("ListStreams", json!({ "NextToken": page["NextToken"] }));
    assert_eq!((rest["StreamNames"].clone(), rest["HasMoreStreams"].clone()), (json!(["c"]), json!(false)));
    assert_eq!(s.ok("ListStreams", json!({ "ExclusiveStartStreamName": "a" }))["StreamNames"], json!(["b", "c"]));

    let page = s.ok("ListShards", json!({ "StreamName": "b", "MaxResults": 2 }));
    assert_eq!(page["Shards"].as_array().map(Vec::len), Some(2));
    let token = page["NextToken"].clone();
    let e = s.fail("ListShards", json!({ "StreamName": "b", "NextToken": token }));
    assert_eq!(kind(&e), ("InvalidArgumentException", "NextToken and StreamName cannot be provided together."));
    let rest = s.ok("ListShards", json!({ "NextToken": token }));
    assert_eq!(rest["Shards"][0]["ShardId"], "shardId-000000000002");
    assert!(rest.get("NextToken").is_none());
    let after = s.ok("ListShards", json!({ "StreamName": "b", "ShardFilter": { "Type": "AFTER_SHARD_ID", "ShardId": "shardId-000000000000" } }));
    assert_eq!(after["Shards"].as_array().map(Vec::len), Some(2));
}

#[test]
fn records_go_to_the_shard_of_their_hash_key_and_read_back_through_every_iterator_type() {
    let mut s = Sandbox::new();
    s.stream("orders", 2);
    // MD5("a") = 0cc175b9… is below 2^127: shard 0. MD5("b") = 92eb5ffe… is above: shard 1.
    let a = s.put("orders", "a", "first");
    assert_eq!(a["ShardId"], "shardId-000000000000");
    let b = s.put("orders", "b", "other");
    assert_eq!(b["ShardId"], "shardId-000000000001");
    let explicit = s.ok("PutRecord", json!({ "StreamName": "orders", "PartitionKey": "b", "ExplicitHashKey": "5", "Data": B64.encode("second") }));
    assert_eq!(explicit["ShardId"], "shardId-000000000000");
    let put_at = s.now();
    let seq1 = a["SequenceNumber"].as_str().unwrap_or_default().to_string();
    let seq2 = explicit["SequenceNumber"].as_str().unwrap_or_default().to_string();
    assert_eq!(seq1.len(), 56);
    assert!(seq2 > seq1, "sequence numbers increase in a shard");
    let e = s.fail("PutRecord", json!({ "StreamName": "orders", "PartitionKey": "b", "ExplicitHashKey": "340282366920938463463374607431768211456", "Data": "AA==" }));
    assert_eq!(e.kind, "InvalidArgumentException");

    let shard0 = "shardId-000000000000";
    let it = s.iterator("orders", shard0, json!({ "ShardIteratorType": "TRIM_HORIZON" }));
    let out = s.ok("GetRecords", json!({ "ShardIterator": it, "Limit": 1 }));
    let r = &out["Records"][0];
    assert_eq!(r["PartitionKey"], "a");
    assert_eq!(r["Data"], B64.encode("first"));
    assert_eq!(r["SequenceNumber"], seq1.as_str());
    assert_eq!(r["ApproximateArrivalTimestamp"], json!(put_at as f64 / 1000.0));
    assert!(r.get("EncryptionType").is_none());
    assert_eq!(out["MillisBehindLatest"], 0);
    let (rest, next) = s.read(out["NextShardIterator"].as_str().unwrap_or_default());
    assert_eq!(rest, vec!["second"]);
    assert_eq!(s.read(&next).0, Vec::<String>::new());

    let at = s.iterator("orders", shard0, json!({ "ShardIteratorType": "AT_SEQUENCE_NUMBER", "StartingSequenceNumber": seq2 }));
    assert_eq!(s.read(&at).0, vec!["second"]);
    let after = s.iterator("orders", shard0, json!({ "ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": seq1 }));
    assert_eq!(s.read(&after).0, vec!["second"]);
    let latest = s.iterator("orders", shard0, json!({ "ShardIteratorType": "LATEST" }));
    s.advance(10.0);
    let later = s.now();
    s.put("orders", "a", "third");
    let (got, _) = s.read(&latest);
    assert_eq!(got, vec!["third"]);
    let ts = s.iterator("orders", shard0, json!({ "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": (later - 5_000) as f64 / 1000.0 }));
    assert_eq!(s.read(&ts).0, vec!["third"]);

    // Iterator errors.
    let e = s.fail("GetShardIterator", json!({ "StreamName": "orders", "ShardId": shard0, "ShardIteratorType": "AT_SEQUENCE_NUMBER" }));
    assert_eq!(e.kind, "InvalidArgumentException");
    let e =
        s.fail("GetShardIterator", json!({ "StreamName": "orders", "ShardId": "shardId-000000000001", "ShardIteratorType": "AT_SEQUENCE_NUMBER", "StartingSequenceNumber": seq1 }));
    assert_eq!(
        kind(&e),
        ("InvalidArgumentException", "Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001")
    );
    let e = s.fail("GetShardIterator", json!({ "StreamName": "orders", "ShardId": "shardId-000000000009", "ShardIteratorType": "LATEST" }));
    assert_eq!(kind(&e), ("ResourceNotFoundException", "Shard shardId-000000000009 in stream orders under account 123456789012 does not exist"));
    let e = s.fail("GetRecords", json!({ "ShardIterator": format!("{}x", &latest[..latest.len() - 1]) }));
    assert_eq!(e.kind, "InvalidArgumentException");
    let e = s.fail("GetRecords", json!({ "ShardIterator": latest, "Limit": 10_001 }));
    assert_eq!(e.kind, "ValidationException");

    // Iterators expire after five minutes of virtual time.
    s.advance(301.0);
    let e = s.fail("GetRecords", json!({ "ShardIterator": next }));
    assert_eq!(e.kind, "ExpiredIteratorException");
    assert!(
        e.message.starts_with("Iterator expired. The iterator was created at time ")
            && e.message.ends_with("which is further in the future than the tolerated delay of 300000 milliseconds."),
        "{}",
        e.message
    );
}

#[test]
fn put_records_reports_failures_per_record_and_limits_apply() {
    let mut s = Sandbox::new();
    s.stream("logs", 1);
    let records: Vec<Value> = (0..3).map(|i| json!({ "PartitionKey": format!("k{i}"), "Data": B64.encode(format!("r{i}")) })).collect();
    let out = s.ok("PutRecords", json!({ "StreamName": "logs", "Records": records }));
    assert_eq!(out["FailedRecordCount"], 0);
    assert_eq!(out["Records"].as_array().map(Vec::len), Some(3));
    assert_eq!(out["Records"][2]["ShardId"], "shardId-000000000000");

    let e = s.fail("PutRecords", json!({ "StreamName": "logs", "Records": [] }));
    assert_eq!(
        kind(&e),
        ("ValidationException", "1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1")
    );
    let many: Vec<Value> = (0..501).map(|_| json!({ "PartitionKey": "k", "Data": "AA==" })).collect();
    assert_eq!(s.fail("PutRecords", json!({ "StreamName": "logs", "Records": many })).kind, "ValidationException");
    let big = B64.encode(vec![0u8; 1_048_577]);
    let e = s.fail("PutRecord", json!({ "StreamName": "logs", "PartitionKey": "k", "Data": big }));
    assert!(e.message.contains("at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576"), "{}", e.message);
    let e = s.fail("PutRecord", json!({ "StreamName": "logs", "PartitionKey": "", "Data": "AA==" }));
    assert_eq!(
        kind(&e),
        ("ValidationException", "1 validation error detected: Value '' at 'partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1")
    );

    // A PROVISIONED shard takes 1,000 records per second; the rest of the batch fails.
    s.advance(1.0);
    let batch: Vec<Value> = (0..500).map(|i| json!({ "PartitionKey": format!("k{i}"), "Data": "AA==" })).collect();
    s.ok("PutRecords", json!({ "StreamName": "logs", "Records": batch.clone() }));
    let out = s.ok("PutRecords", json!({ "StreamName": "logs", "Records": batch.clone() }));
    assert_eq!(out["FailedRecordCount"], 0);
    let out = s.ok("PutRecords", json!({ "StreamName": "logs", "Records": batch[..2].to_vec() }));
    assert_eq!(out["FailedRecordCount"], 2);
    assert_eq!(out["Records"][0]["ErrorCode"], "ProvisionedThroughputExceededException");
    assert_eq!(out["Records"][0]["ErrorMessage"], "Rate exceeded for shard shardId-000000000000 in stream logs under account 123456789012.");
    let e = s.fail("PutRecord", json!({ "StreamName": "logs", "PartitionKey": "k", "Data": "AA==" }));
    assert_eq!(e.kind, "ProvisionedThroughputExceededException");
    s.advance(1.0);
    s.put("logs", "k", "again");
    // 1 MiB per second, too.
    s.advance(1.0);
    let mb = B64.encode(vec![7u8; 1_048_000]);
    s.ok("PutRecord", json!({ "StreamName": "logs", "PartitionKey": "k", "Data": mb }));
    assert_eq!(s.fail("PutRecord", json!({ "StreamName": "logs", "PartitionKey": "k", "Data": B64.encode(vec![0u8; 1000]) })).kind, "ProvisionedThroughputExceededException");

    // GetRecords' Limit.
    let it = s.iterator("logs", "shardId-000000000000", json!({ "ShardIteratorType": "TRIM_HORIZON" }));
    let out = s.ok("GetRecords", json!({ "ShardIterator": it, "Limit": 2 }));
    assert_eq!(out["Records"].as_array().map(Vec::len), Some(2));
    assert!(out["MillisBehindLatest"].as_i64().unwrap_or(0) > 0, "{}", out["MillisBehindLatest"]);
}

#[test]
fn retention_trims_records_on_the_virtual_clock_and_checks_its_range() {
    let mut s = Sandbox::new();
    s.stream("r", 1);
    let cases = [
        ("IncreaseStreamRetentionPeriod", 10, "Minimum allowed retention period is 24 hours. Requested retention period (10 hours) is too short."),
        ("IncreaseStreamRetentionPeriod", 9000, "Maximum allowed retention period is 8760 hours. Requested retention period (9000 hours) is too long."),
        (
            "DecreaseStreamRetentionPeriod",
            48,
            "Requested retention period (48 hours) for stream r can not be longer than existing retention period (24 hours). Use IncreaseRetentionPeriod API.",
        ),
    ];
    for (op, hours, message) in cases {
        let e = s.fail(op, json!({ "StreamName": "r", "RetentionPeriodHours": hours }));
        assert_eq!(kind(&e), ("InvalidArgumentException", message), "{op} {hours}");
    }
    s.ok("IncreaseStreamRetentionPeriod", json!({ "StreamName": "r", "RetentionPeriodHours": 48 }));
    let e = s.fail("IncreaseStreamRetentionPeriod", json!({ "StreamName": "r", "RetentionPeriodHours": 24 }));
    assert_eq!(
        kind(&e),
        (
            "InvalidArgumentException",
            "Requested retention period (24 hours) for stream r can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API."
        )
    );
    assert_eq!(s.ok("DescribeStreamSummary", json!({ "StreamName": "r" }))["StreamDescriptionSummary"]["RetentionPeriodHours"], 48);
    s.put("r", "k", "old");
    s.advance(30.0 * 3600.0);
    s.put("r", "k", "new");
    let it = s.iterator("r", "shardId-000000000000", json!({ "ShardIteratorType": "TRIM_HORIZON" }));
    assert_eq!(s.read(&it).0, vec!["old", "new"]);
    s.ok("DecreaseStreamRetentionPeriod", json!({ "StreamName": "r", "RetentionPeriodHours": 24 }));
    let it = s.iterator("r", "shardId-000000000000", json!({ "ShardIteratorType": "TRIM_HORIZON" }));
    assert_eq!(s.read(&it).0, vec!["new"]);
    // The sweep timer trims without anyone reading, and the journal forgets the records.
    s.advance(25.0 * 3600.0);
    let records = s.e.snapshot().into_iter().filter(|r| r.key.starts_with("kinesis/us-east-1/stream/r/rec/")).count();
    assert_eq!(records, 0);
}

#[test]
fn consumers_register_activate_and_deregister() {
    let mut s = Sandbox::new();
    s.stream("fan", 1);
    let arn = "arn:aws:kinesis:us-east-1:123456789012:stream/fan";
    let registered_at = s.now();
    let c = s.ok("RegisterStreamConsumer", json!({ "StreamARN": arn, "ConsumerName": "app" }))["Consumer"].clone();
    assert_eq!(c["ConsumerStatus"], "CREATING");
    let consumer_arn = c["ConsumerARN"].as_str().unwrap_or_default().to_string();
    assert_eq!(consumer_arn, format!("{arn}/consumer/app:{}", registered_at / 1000));
    let e = s.fail("RegisterStreamConsumer", json!({ "StreamARN": arn, "ConsumerName": "app" }));
    assert_eq!(e.kind, "ResourceInUseException");
    s.advance(1.5);
    let d = s.ok("DescribeStreamConsumer", json!({ "ConsumerARN": consumer_arn }))["ConsumerDescription"].clone();
    assert_eq!((d["ConsumerStatus"].clone(), d["StreamARN"].clone(), d["ConsumerName"].clone()), (json!("ACTIVE"), json!(arn), json!("app")));
    let d = s.ok("DescribeStreamConsumer", json!({ "StreamARN": arn, "ConsumerName": "app" }))["ConsumerDescription"].clone();
    assert_eq!(d["ConsumerARN"], consumer_arn.as_str());
    let listed = s.ok("ListStreamConsumers", json!({ "StreamARN": arn }));
    assert_eq!(listed["Consumers"].as_array().map(Vec::len), Some(1));
    assert_eq!(s.ok("DescribeStreamSummary", json!({ "StreamName": "fan" }))["StreamDescriptionSummary"]["ConsumerCount"], 1);
    let e = s.fail("DeleteStream", json!({ "StreamName": "fan" }));
    assert_eq!(e.kind, "ResourceInUseException");
    s.ok("DeregisterStreamConsumer", json!({ "ConsumerARN": consumer_arn }));
    assert_eq!(s.ok("DescribeStreamConsumer", json!({ "ConsumerARN": consumer_arn }))["ConsumerDescription"]["ConsumerStatus"], "DELETING");
    s.advance(1.5);
    let e = s.fail("DescribeStreamConsumer", json!({ "ConsumerARN": consumer_arn }));
    assert_eq!(kind(&e), ("ResourceNotFoundException", "Consumer app under stream fan not found for account 123456789012."));
    for i in 0..20 {
        s.ok("RegisterStreamConsumer", json!({ "StreamARN": arn, "ConsumerName": format!("c{i}") }));
    }
    assert_eq!(s.fail("RegisterStreamConsumer", json!({ "StreamARN": arn, "ConsumerName": "one-too-many" })).kind, "LimitExceededException");
    s.ok("DeleteStream", json!({ "StreamName": "fan", "EnforceConsumerDeletion": true }));
    let _ = ACCOUNT;
}

#[test]
fn tags_and_a_reload_keep_everything() {
    let mut s = Sandbox::new();
    s.ok("CreateStream", json!({ "StreamName": "t", "ShardCount": 2, "Tags": { "team": "a" } }));
    s.advance(1.5);
    s.ok("AddTagsToStream", json!({ "StreamName": "t", "Tags": { "env": "dev", "app": "x" } }));
    s.ok("RemoveTagsFromStream", json!({ "StreamName": "t", "TagKeys": ["app"] }));
    let tags = s.ok("ListTagsForStream", json!({ "StreamName": "t" }));
    assert_eq!(tags, json!({ "Tags": [{ "Key": "env", "Value": "dev" }, { "Key": "team", "Value": "a" }], "HasMoreTags": false }));
    let page = s.ok("ListTagsForStream", json!({ "StreamName": "t", "Limit": 1 }));
    assert_eq!(page["HasMoreTags"], true);
    let many: serde_json::Map<String, Value> = (0..11).map(|i| (format!("k{i}"), json!("v"))).collect();
    assert_eq!(s.fail("AddTagsToStream", json!({ "StreamName": "t", "Tags": many })).kind, "ValidationException");

    let first = s.put("t", "a", "one");
    s.put("t", "b", "two");
    s.ok("RegisterStreamConsumer", json!({ "StreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/t", "ConsumerName": "c" }));
    let before = s.e.snapshot();
    let mut restored = Sandbox { e: Engine::restore(EngineConfig::default(), T0, before.clone()).expect("restore") };
    assert_eq!(restored.e.snapshot(), before);
    let it = restored.iterator("t", "shardId-000000000000", json!({ "ShardIteratorType": "TRIM_HORIZON" }));
    assert_eq!(restored.read(&it).0, vec!["one"]);
    let again = restored.put("t", "a", "three");
    assert!(again["SequenceNumber"].as_str() > first["SequenceNumber"].as_str());
    assert_eq!(restored.ok("ListTagsForStream", json!({ "StreamName": "t" }))["Tags"].as_array().map(Vec::len), Some(2));
}
