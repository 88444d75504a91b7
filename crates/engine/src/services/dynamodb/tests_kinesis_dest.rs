//! Kinesis Data Streams for DynamoDB: the four operations' shapes, states and errors, the
//! records put to the stream (AWS's format, both images, TTL deletes), asynchronous delivery
//! with retries of throttled records, and persistence.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use super::kinesis_dest::TRANSITION_MS;
use super::test_support::{advance_ms, call, ddb, err, ok, H};
use crate::{AwsError, Engine, EngineConfig};

const ARN: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/changes";

fn engine() -> Engine {
    let mut e = Engine::new(EngineConfig::default(), H);
    ok(ddb(
        &mut e,
        "CreateTable",
        json!({
            "TableName": "Orders",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    ));
    ok(call(&mut e, "kinesis", "CreateStream", json!({"StreamName": "changes", "ShardCount": 2})));
    advance_ms(&mut e, 2_000);
    e
}

fn enable(e: &mut Engine, extra: Value) -> Result<Value, AwsError> {
    let mut input = json!({"TableName": "Orders", "StreamArn": ARN});
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    ddb(e, "EnableKinesisStreamingDestination", input)
}

fn describe(e: &mut Engine) -> Value {
    ok(ddb(e, "DescribeKinesisStreamingDestination", json!({"TableName": "Orders"})))
}

fn status(e: &mut Engine) -> String {
    describe(e)["KinesisDataStreamDestinations"][0]["DestinationStatus"].as_str().unwrap_or_default().to_string()
}

fn put(e: &mut Engine, pk: &str, sk: i64, extra: Value) {
    let mut item = json!({"pk": {"S": pk}, "sk": {"N": sk.to_string()}});
    if let (Some(obj), Some(more)) = (item.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    ok(ddb(e, "PutItem", json!({"TableName": "Orders", "Item": item})));
}

/// Every record on the stream, decoded, shard by shard: (partition key, data).
fn stream_records(e: &mut Engine) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for shard in ["shardId-000000000000", "shardId-000000000001"] {
        let it = ok(call(e, "kinesis", "GetShardIterator", json!({"StreamName": "changes", "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"})));
        let got = ok(call(e, "kinesis", "GetRecords", json!({"ShardIterator": it["ShardIterator"]})));
        for r in got["Records"].as_array().unwrap() {
            let data = B64.decode(r["Data"].as_str().unwrap()).unwrap();
            out.push((r["PartitionKey"].as_str().unwrap().to_string(), serde_json::from_slice(&data).unwrap()));
        }
    }
    out.sort_by_key(|(_, d): &(String, Value)| d["dynamodb"]["ApproximateCreationDateTime"].as_i64());
    out
}

fn active(e: &mut Engine) {
    let r = ok(enable(e, json!({})));
    assert_eq!(r["DestinationStatus"], "ENABLING");
    advance_ms(e, TRANSITION_MS);
    assert_eq!(status(e), "ACTIVE");
}

#[test]
fn enable_goes_through_enabling_to_active_and_describe_lists_it() {
    let mut e = engine();
    assert_eq!(describe(&mut e), json!({"TableName": "Orders", "KinesisDataStreamDestinations": []}));
    let r = ok(enable(&mut e, json!({"EnableKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": "MICROSECOND"}})));
    assert_eq!(
        r,
        json!({"TableName": "Orders", "StreamArn": ARN, "DestinationStatus": "ENABLING", "EnableKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": "MICROSECOND"}})
    );
    assert_eq!(status(&mut e), "ENABLING");
    // Nothing is captured while ENABLING.
    put(&mut e, "early", 1, json!({}));
    advance_ms(&mut e, TRANSITION_MS);
    assert_eq!(
        describe(&mut e),
        json!({"TableName": "Orders", "KinesisDataStreamDestinations": [{"StreamArn": ARN, "DestinationStatus": "ACTIVE", "ApproximateCreationDateTimePrecision": "MICROSECOND"}]})
    );
    advance_ms(&mut e, 2_000);
    assert!(stream_records(&mut e).is_empty());
    // DescribeTable does not show the destination, as on AWS.
    let d = ok(ddb(&mut e, "DescribeTable", json!({"TableName": "Orders"})));
    assert!(!d.to_string().contains("Kinesis"));
    // The table's ARN names it too.
    let by_arn = ok(ddb(&mut e, "DescribeKinesisStreamingDestination", json!({"TableName": "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"})));
    assert_eq!(by_arn["TableName"], "Orders");
}

#[test]
fn enable_errors() {
    let mut e = engine();
    // Validation of the request members.
    let (kind, msg) = err(ddb(&mut e, "EnableKinesisStreamingDestination", json!({"TableName": "Orders"})));
    assert_eq!(
        (kind.as_str(), msg.as_str()),
        ("ValidationException", "1 validation error detected: Value null at 'streamArn' failed to satisfy constraint: Member must not be null")
    );
    let (_, msg) = err(enable(&mut e, json!({"EnableKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": "SECOND"}})));
    assert_eq!(
        msg,
        "1 validation error detected: Value 'SECOND' at 'enableKinesisStreamingConfiguration.approximateCreationDateTimePrecision' failed to satisfy constraint: Member must satisfy enum value set: [MILLISECOND, MICROSECOND]"
    );
    // No such table.
    let (kind, msg) = err(ddb(&mut e, "EnableKinesisStreamingDestination", json!({"TableName": "Nope", "StreamArn": ARN})));
    assert_eq!((kind.as_str(), msg.as_str()), ("ResourceNotFoundException", "Requested resource not found: Table: Nope not found"));
    // No such stream, or a stream of another region: DynamoDB cannot tell them from a missing permission.
    for arn in ["arn:aws:kinesis:us-east-1:123456789012:stream/missing", "arn:aws:kinesis:eu-west-1:123456789012:stream/changes"] {
        let (kind, msg) = err(ddb(&mut e, "EnableKinesisStreamingDestination", json!({"TableName": "Orders", "StreamArn": arn})));
        assert_eq!((kind.as_str(), msg.as_str()), ("ValidationException", "User does not have a permission to use kinesis stream"));
    }
    // A stream still CREATING.
    ok(call(&mut e, "kinesis", "CreateStream", json!({"StreamName": "young", "ShardCount": 1})));
    let (kind, _) = err(ddb(&mut e, "EnableKinesisStreamingDestination", json!({"TableName": "Orders", "StreamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/young"})));
    assert_eq!(kind, "ResourceInUseException");
    advance_ms(&mut e, 2_000);
    // One stream per table: a second Enable, to the same or another stream, is refused.
    ok(enable(&mut e, json!({})));
    let refused =
        "Table is not in a valid state to enable Kinesis Streaming Destination:EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED to perform ENABLE operation.";
    assert_eq!(err(enable(&mut e, json!({}))).1, refused);
    advance_ms(&mut e, TRANSITION_MS);
    assert_eq!(
        err(ddb(&mut e, "EnableKinesisStreamingDestination", json!({"TableName": "Orders", "StreamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/young"}))).1,
        refused
    );
    // No error left a trace.
    assert_eq!(describe(&mut e)["KinesisDataStreamDestinations"].as_array().unwrap().len(), 1);
}

#[test]
fn records_have_aws_format_with_both_images() {
    let mut e = engine();
    active(&mut e);
    let t0 = e.now_ms(H);
    put(&mut e, "a", 1, json!({"n": {"N": "1"}}));
    advance_ms(&mut e, 10);
    put(&mut e, "a", 1, json!({"n": {"N": "2"}}));
    advance_ms(&mut e, 10);
    // An unchanged item writes no record.
    put(&mut e, "a", 1, json!({"n": {"N": "2"}}));
    ok(ddb(&mut e, "DeleteItem", json!({"TableName": "Orders", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}})));
    // Delivery is asynchronous: nothing yet.
    assert!(stream_records(&mut e).is_empty());
    advance_ms(&mut e, 1_000);
    let records = stream_records(&mut e);
    assert_eq!(records.len(), 3);
    let (pk, insert) = &records[0];
    assert_eq!(pk.len(), 32);
    assert!(pk.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
    assert!(records.iter().all(|(p, _)| p == pk), "one item's changes share a partition key");
    let id = insert["eventID"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(
        insert,
        &json!({
            "awsRegion": "us-east-1",
            "eventID": id,
            "eventName": "INSERT",
            "userIdentity": null,
            "recordFormat": "application/json",
            "tableName": "Orders",
            "dynamodb": {
                "ApproximateCreationDateTime": t0,
                "Keys": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                "NewImage": {"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": "1"}},
                "SizeBytes": insert["dynamodb"]["SizeBytes"],
            },
            "eventSource": "aws:dynamodb",
        })
    );
    // Key order as AWS writes it.
    let keys: Vec<&String> = insert.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["awsRegion", "eventID", "eventName", "userIdentity", "recordFormat", "tableName", "dynamodb", "eventSource"]);
    let modify = &records[1].1;
    assert_eq!(modify["eventName"], "MODIFY");
    assert_eq!(modify["dynamodb"]["OldImage"]["n"], json!({"N": "1"}));
    assert_eq!(modify["dynamodb"]["NewImage"]["n"], json!({"N": "2"}));
    let remove = &records[2].1;
    assert_eq!(remove["eventName"], "REMOVE");
    assert!(remove["dynamodb"].get("NewImage").is_none());
    assert_eq!(remove["dynamodb"]["OldImage"]["n"], json!({"N": "2"}));
    assert!(insert["dynamodb"]["SizeBytes"].as_i64().unwrap() > 0);
    assert!(modify["dynamodb"]["SizeBytes"].as_i64() > insert["dynamodb"]["SizeBytes"].as_i64());
}

#[test]
fn microsecond_precision_and_update() {
    let mut e = engine();
    active(&mut e);
    let (kind, _) = err(ddb(&mut e, "UpdateKinesisStreamingDestination", json!({"TableName": "Orders", "StreamArn": ARN})));
    assert_eq!(kind, "ValidationException");
    let r = ok(ddb(
        &mut e,
        "UpdateKinesisStreamingDestination",
        json!({"TableName": "Orders", "StreamArn": ARN, "UpdateKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": "MICROSECOND"}}),
    ));
    assert_eq!(
        r,
        json!({"TableName": "Orders", "StreamArn": ARN, "DestinationStatus": "UPDATING", "UpdateKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": "MICROSECOND"}})
    );
    assert_eq!(status(&mut e), "UPDATING");
    // Still captured while UPDATING, at the old precision.
    let t0 = e.now_ms(H);
    put(&mut e, "m", 1, json!({}));
    advance_ms(&mut e, TRANSITION_MS);
    assert_eq!(describe(&mut e)["KinesisDataStreamDestinations"][0]["ApproximateCreationDateTimePrecision"], "MICROSECOND");
    let t1 = e.now_ms(H);
    put(&mut e, "u", 1, json!({}));
    advance_ms(&mut e, 1_000);
    let records = stream_records(&mut e);
    let by_pk = |pk: &str| records.iter().find(|(_, d)| d["dynamodb"]["Keys"]["pk"]["S"] == pk).unwrap().1.clone();
    let milli = by_pk("m");
    assert_eq!(milli["dynamodb"]["ApproximateCreationDateTime"], t0);
    assert!(milli["dynamodb"].get("ApproximateCreationDateTimePrecision").is_none());
    let micro = by_pk("u");
    assert_eq!(micro["dynamodb"]["ApproximateCreationDateTime"], t1 * 1000);
    assert_eq!(micro["dynamodb"]["ApproximateCreationDateTimePrecision"], "MICROSECOND");
    // The same precision again is refused.
    let same = json!({"TableName": "Orders", "StreamArn": ARN, "UpdateKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": "MICROSECOND"}});
    assert_eq!(err(ddb(&mut e, "UpdateKinesisStreamingDestination", same)).0, "ValidationException");
}

#[test]
fn disable_stops_capture_and_allows_enable_again() {
    let mut e = engine();
    let not_active = "Table is not in a valid state to disable Kinesis Streaming Destination:DisableKinesisStreamingDestination must be ACTIVE to perform DISABLE operation.";
    assert_eq!(err(ddb(&mut e, "DisableKinesisStreamingDestination", json!({"TableName": "Orders", "StreamArn": ARN}))).1, not_active);
    active(&mut e);
    put(&mut e, "before", 1, json!({}));
    let r = ok(ddb(&mut e, "DisableKinesisStreamingDestination", json!({"TableName": "Orders", "StreamArn": ARN})));
    assert_eq!(r, json!({"TableName": "Orders", "StreamArn": ARN, "DestinationStatus": "DISABLING"}));
    put(&mut e, "after", 1, json!({}));
    assert_eq!(err(ddb(&mut e, "DisableKinesisStreamingDestination", json!({"TableName": "Orders", "StreamArn": ARN}))).1, not_active);
    advance_ms(&mut e, TRANSITION_MS);
    assert_eq!(status(&mut e), "DISABLED");
    // What was captured before the disable is still delivered; nothing after.
    let records = stream_records(&mut e);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].1["dynamodb"]["Keys"]["pk"]["S"], "before");
    // Enabled again: the same entry goes back through ENABLING.
    ok(enable(&mut e, json!({})));
    assert_eq!(describe(&mut e)["KinesisDataStreamDestinations"].as_array().unwrap().len(), 1);
    assert_eq!(status(&mut e), "ENABLING");
}

#[test]
fn ttl_deletes_carry_user_identity() {
    let mut e = engine();
    active(&mut e);
    ok(ddb(&mut e, "UpdateTimeToLive", json!({"TableName": "Orders", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "exp"}})));
    advance_ms(&mut e, 6_000);
    let t = e.now_ms(H) / 1000;
    put(&mut e, "x", 1, json!({"exp": {"N": (t + 1).to_string()}}));
    advance_ms(&mut e, 10 * 60_000);
    let records = stream_records(&mut e);
    let remove = records.iter().find(|(_, d)| d["eventName"] == "REMOVE").expect("the TTL delete is replicated").1.clone();
    assert_eq!(remove["userIdentity"], json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"}));
}

#[test]
fn throttled_records_are_retried_and_old_ones_dropped() {
    let mut e = engine();
    // A one-shard stream fills with 1,000 records in a second.
    ok(call(&mut e, "kinesis", "CreateStream", json!({"StreamName": "small", "ShardCount": 1})));
    advance_ms(&mut e, 2_000);
    ok(ddb(&mut e, "EnableKinesisStreamingDestination", json!({"TableName": "Orders", "StreamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/small"})));
    advance_ms(&mut e, TRANSITION_MS);
    for i in 0..1_200 {
        put(&mut e, "hot", i, json!({}));
    }
    let count = |e: &mut Engine| {
        let it = ok(call(e, "kinesis", "GetShardIterator", json!({"StreamName": "small", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"})));
        ok(call(e, "kinesis", "GetRecords", json!({"ShardIterator": it["ShardIterator"]})))["Records"].as_array().unwrap().len()
    };
    advance_ms(&mut e, 1_000);
    // Three PutRecords of 500: the third is throttled past 1,000 records.
    let first = count(&mut e);
    assert_eq!(first, 1_000);
    advance_ms(&mut e, 1_000);
    assert_eq!(count(&mut e), 1_200, "the throttled records arrive a second later");
    advance_ms(&mut e, 5_000);
    assert_eq!(count(&mut e), 1_200, "each record once");

    // A deleted stream: records wait and are retried every second...
    let recreate = |e: &mut Engine| {
        ok(call(e, "kinesis", "CreateStream", json!({"StreamName": "small", "ShardCount": 1})));
        advance_ms(e, 2_000);
    };
    ok(call(&mut e, "kinesis", "DeleteStream", json!({"StreamName": "small"})));
    advance_ms(&mut e, 2_000);
    put(&mut e, "waits", 1, json!({}));
    advance_ms(&mut e, 3_600_000);
    assert_eq!(status(&mut e), "ACTIVE");
    recreate(&mut e);
    // (Retries back off to once a minute while the stream is missing.)
    advance_ms(&mut e, 60_000);
    assert_eq!(count(&mut e), 1, "delivered once the stream is back");
    // ...and are dropped after 24 hours.
    ok(call(&mut e, "kinesis", "DeleteStream", json!({"StreamName": "small"})));
    advance_ms(&mut e, 2_000);
    put(&mut e, "lost", 1, json!({}));
    advance_ms(&mut e, 24 * 3_600_000 + 1_000);
    recreate(&mut e);
    advance_ms(&mut e, 60_000);
    assert_eq!(count(&mut e), 0, "a record older than 24 hours is never replicated");
    let changes = e.snapshot();
    assert!(!changes.iter().any(|r| r.key.contains("/kinesis/out/")), "the outbox is empty");
}

#[test]
fn outbox_and_destinations_survive_reload_and_journal_replay() {
    use crate::kernel::journal::Change;
    let mut e = engine();
    let mut image = std::collections::BTreeMap::new();
    let apply = |e: &mut Engine, image: &mut std::collections::BTreeMap<String, Vec<u8>>| {
        for c in e.take_changes() {
            match c {
                Change::Put { key, value } => {
                    image.insert(key, value);
                }
                Change::Delete { key } => {
                    image.remove(&key);
                }
                Change::DeletePrefix { prefix } => image.retain(|k, _| !k.starts_with(&prefix)),
            }
        }
    };
    active(&mut e);
    put(&mut e, "kept", 1, json!({}));
    apply(&mut e, &mut image);
    let snapshot: std::collections::BTreeMap<String, Vec<u8>> = e.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
    assert_eq!(image, snapshot, "journal replay equals snapshot");
    assert!(snapshot.keys().any(|k| k.contains("/kinesis/out/")), "the undelivered record is persisted");

    let mut reloaded = Engine::restore(EngineConfig::default(), H, e.snapshot()).unwrap();
    assert_eq!(status(&mut reloaded), "ACTIVE");
    advance_ms(&mut reloaded, 1_000);
    let records = stream_records(&mut reloaded);
    assert_eq!(records.len(), 1, "delivered after the reload");
    put(&mut reloaded, "new", 1, json!({}));
    advance_ms(&mut reloaded, 1_000);
    assert_eq!(stream_records(&mut reloaded).len(), 2);
    let doc = ok(reloaded.control(H, "ExportSandbox", &json!({})));
    assert!(doc.to_string().contains("\"streamArn\""), "the destination exports as JSON");
}
