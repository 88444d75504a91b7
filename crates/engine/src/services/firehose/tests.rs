//! Amazon Data Firehose behaviour, with AWS's documentation as the oracle.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::{
    services::dynamodb::transfer::formats::gunzip,
    store::{encode_batch, Image},
    Engine, EngineConfig, Request,
};

/// Virtual time of a new sandbox: 2026-01-01T00:00:00Z.
const NOW: i64 = 1_767_225_600_000;
const BUCKET_ARN: &str = "arn:aws:s3:::lake";
const ROLE: &str = "arn:aws:iam::123456789012:role/firehose";

fn engine() -> Engine {
    Engine::new(EngineConfig { start_virtual_ms: NOW, ..Default::default() }, 0)
}

fn call_in(e: &mut Engine, service: &str, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.call(0, &Request::new(service, op, "us-east-1", input))
}

fn call(e: &mut Engine, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    call_in(e, "firehose", op, input)
}

fn ok(e: &mut Engine, op: &str, input: Value) -> Value {
    call(e, op, input).unwrap_or_else(|err| panic!("{op} failed: {err}"))
}

fn err(e: &mut Engine, op: &str, input: Value) -> (String, String) {
    let er = call(e, op, input).expect_err("expected an error");
    (er.kind, er.message)
}

fn advance(e: &mut Engine, seconds: f64) {
    e.control(0, "AdvanceClock", &json!({ "seconds": seconds })).unwrap();
}

fn status(e: &mut Engine, name: &str) -> String {
    ok(e, "DescribeDeliveryStream", json!({"DeliveryStreamName": name}))["DeliveryStreamDescription"]["DeliveryStreamStatus"].as_str().unwrap().to_string()
}

fn bucket(e: &mut Engine) {
    call_in(e, "s3", "CreateBucket", json!({"Bucket": "lake"})).unwrap();
}

/// The objects in the bucket, with their bodies.
fn objects(e: &mut Engine) -> Vec<(String, Vec<u8>)> {
    let list = call_in(e, "s3", "ListObjectsV2", json!({"Bucket": "lake"})).unwrap();
    let keys: Vec<String> = list.get("Contents").and_then(Value::as_array).into_iter().flatten().map(|o| o["Key"].as_str().unwrap().to_string()).collect();
    keys.into_iter()
        .map(|k| {
            let o = call_in(e, "s3", "GetObject", json!({"Bucket": "lake", "Key": k})).unwrap();
            (k, B64.decode(o["Body"].as_str().unwrap()).unwrap())
        })
        .collect()
}

fn destination(size_mb: u32, interval: u32) -> Value {
    json!({"RoleARN": ROLE, "BucketARN": BUCKET_ARN, "BufferingHints": {"SizeInMBs": size_mb, "IntervalInSeconds": interval}})
}

/// An ACTIVE direct-PUT stream `s` to bucket `lake`.
fn direct(e: &mut Engine, dest: Value) {
    ok(e, "CreateDeliveryStream", json!({"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": dest}));
    advance(e, 5.0);
}

fn put(e: &mut Engine, data: &[u8]) -> Value {
    ok(e, "PutRecord", json!({"DeliveryStreamName": "s", "Record": {"Data": B64.encode(data)}}))
}

fn buffer(e: &mut Engine) -> Value {
    e.control(0, "firehose:DescribeBuffer", &json!({"DeliveryStreamName": "s"})).unwrap()
}

#[test]
fn streams_are_created_described_listed_and_deleted() {
    let mut e = engine();
    let out = ok(
        &mut e,
        "CreateDeliveryStream",
        json!({"DeliveryStreamName": "s", "DeliveryStreamType": "DirectPut", "ExtendedS3DestinationConfiguration": {"RoleARN": ROLE, "BucketARN": BUCKET_ARN, "Prefix": "raw/"}, "Tags": [{"Key": "team", "Value": "data"}]}),
    );
    assert_eq!(out, json!({"DeliveryStreamARN": "arn:aws:firehose:us-east-1:123456789012:deliverystream/s"}));
    let d = ok(&mut e, "DescribeDeliveryStream", json!({"DeliveryStreamName": "s"}))["DeliveryStreamDescription"].clone();
    assert_eq!(d["DeliveryStreamStatus"], "CREATING");
    assert_eq!(d["VersionId"], "1");
    assert_eq!(d["DeliveryStreamType"], "DirectPut");
    assert_eq!(d["CreateTimestamp"], json!(NOW as f64 / 1000.0));
    assert_eq!(d["HasMoreDestinations"], false);
    let dest = &d["Destinations"][0];
    assert_eq!(dest["DestinationId"], "destinationId-000000000001");
    let x = &dest["ExtendedS3DestinationDescription"];
    assert_eq!(x["BucketARN"], BUCKET_ARN);
    assert_eq!(x["Prefix"], "raw/");
    assert_eq!(x["BufferingHints"], json!({"SizeInMBs": 5, "IntervalInSeconds": 300}));
    assert_eq!(x["CompressionFormat"], "UNCOMPRESSED");
    assert_eq!(x["S3BackupMode"], "Disabled");
    assert_eq!(dest["S3DestinationDescription"]["RoleARN"], ROLE);
    // Records are refused until the stream is ACTIVE.
    let (kind, msg) = err(&mut e, "PutRecord", json!({"DeliveryStreamName": "s", "Record": {"Data": "eA=="}}));
    assert_eq!((kind.as_str(), msg.as_str()), ("ResourceNotFoundException", "Firehose s is not active in 123456789012 account."));
    advance(&mut e, 5.0);
    assert_eq!(status(&mut e, "s"), "ACTIVE");
    assert_eq!(
        err(&mut e, "CreateDeliveryStream", json!({"DeliveryStreamName": "s", "S3DestinationConfiguration": {"RoleARN": ROLE, "BucketARN": BUCKET_ARN}})).0,
        "ResourceInUseException"
    );
    ok(&mut e, "CreateDeliveryStream", json!({"DeliveryStreamName": "a", "S3DestinationConfiguration": {"RoleARN": ROLE, "BucketARN": BUCKET_ARN}}));
    assert_eq!(ok(&mut e, "ListDeliveryStreams", json!({})), json!({"DeliveryStreamNames": ["a", "s"], "HasMoreDeliveryStreams": false}));
    assert_eq!(ok(&mut e, "ListDeliveryStreams", json!({"Limit": 1})), json!({"DeliveryStreamNames": ["a"], "HasMoreDeliveryStreams": true}));
    assert_eq!(ok(&mut e, "ListDeliveryStreams", json!({"ExclusiveStartDeliveryStreamName": "a"})), json!({"DeliveryStreamNames": ["s"], "HasMoreDeliveryStreams": false}));
    assert_eq!(ok(&mut e, "ListDeliveryStreams", json!({"DeliveryStreamType": "KinesisStreamAsSource"}))["DeliveryStreamNames"], json!([]));
    // A CREATING stream cannot be deleted yet.
    assert_eq!(err(&mut e, "DeleteDeliveryStream", json!({"DeliveryStreamName": "a"})).0, "ResourceInUseException");
    assert_eq!(ok(&mut e, "DeleteDeliveryStream", json!({"DeliveryStreamName": "s"})), json!({}));
    assert_eq!(status(&mut e, "s"), "DELETING");
    advance(&mut e, 5.0);
    assert_eq!(
        err(&mut e, "DescribeDeliveryStream", json!({"DeliveryStreamName": "s"})),
        ("ResourceNotFoundException".into(), "Firehose s under account 123456789012 not found.".into())
    );
    assert_eq!(ok(&mut e, "ListDeliveryStreams", json!({}))["DeliveryStreamNames"], json!(["a"]));
}

#[test]
fn requests_are_validated_as_aws_does() {
    let mut e = engine();
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({}), "ValidationException", "Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null"),
        (
            json!({"DeliveryStreamName": "bad name!", "S3DestinationConfiguration": destination(5, 300)}),
            "ValidationException",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        ),
        (
            json!({"DeliveryStreamName": "x".repeat(65), "S3DestinationConfiguration": destination(5, 300)}),
            "ValidationException",
            "Member must have length less than or equal to 64",
        ),
        (
            json!({"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": destination(0, 300)}),
            "ValidationException",
            "at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value greater than or equal to 1",
        ),
        (
            json!({"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": destination(129, 300)}),
            "ValidationException",
            "Member must have value less than or equal to 128",
        ),
        (
            json!({"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": destination(5, 901)}),
            "ValidationException",
            "bufferingHints.intervalInSeconds' failed to satisfy constraint: Member must have value less than or equal to 900",
        ),
        (
            json!({"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": {"RoleARN": ROLE}}),
            "ValidationException",
            "Value null at 'extendedS3DestinationConfiguration.bucketARN'",
        ),
        (
            json!({"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": {"RoleARN": ROLE, "BucketARN": "lake"}}),
            "ValidationException",
            "Member must satisfy regular expression pattern: arn:.*:s3:::",
        ),
        (
            json!({"DeliveryStreamName": "s", "DeliveryStreamType": "Nope", "ExtendedS3DestinationConfiguration": destination(5, 300)}),
            "ValidationException",
            "Member must satisfy enum value set",
        ),
        (
            json!({"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": {"RoleARN": ROLE, "BucketARN": BUCKET_ARN, "CompressionFormat": "ZIP"}}),
            "InvalidArgumentException",
            "CompressionFormat ZIP",
        ),
        (
            json!({"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": {"RoleARN": ROLE, "BucketARN": BUCKET_ARN, "ProcessingConfiguration": {"Enabled": true}}}),
            "InvalidArgumentException",
            "Data transformation",
        ),
        (json!({"DeliveryStreamName": "s", "HttpEndpointDestinationConfiguration": {}}), "InvalidArgumentException", "HttpEndpointDestinationConfiguration is not supported"),
        (json!({"DeliveryStreamName": "s"}), "InvalidArgumentException", "A destination configuration is required"),
        (
            json!({"DeliveryStreamName": "s", "DeliveryStreamType": "KinesisStreamAsSource", "S3DestinationConfiguration": destination(5, 300)}),
            "InvalidArgumentException",
            "KinesisStreamSourceConfiguration is required",
        ),
        (
            json!({"DeliveryStreamName": "s", "KinesisStreamSourceConfiguration": {"KinesisStreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/k", "RoleARN": ROLE}, "S3DestinationConfiguration": destination(5, 300)}),
            "InvalidArgumentException",
            "only valid for the KinesisStreamAsSource",
        ),
        (
            json!({"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": {"RoleARN": ROLE, "BucketARN": BUCKET_ARN, "Prefix": "!{timestamp:yyyy}/"}}),
            "InvalidArgumentException",
            "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions",
        ),
        (json!({"DeliveryStreamName": 5}), "SerializationException", ""),
        (json!({"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": "x"}), "SerializationException", ""),
    ];
    for (input, kind, fragment) in cases {
        let (k, m) = err(&mut e, "CreateDeliveryStream", input.clone());
        assert_eq!(k, kind, "{input}: {m}");
        assert!(m.contains(fragment), "{input}: {m}");
    }
    assert_eq!(ok(&mut e, "ListDeliveryStreams", json!({}))["DeliveryStreamNames"], json!([]), "failed creates leave nothing");
    // Data limits.
    bucket(&mut e);
    direct(&mut e, destination(5, 300));
    let big = B64.encode(vec![0u8; 1_024_001]);
    let (k, m) = err(&mut e, "PutRecord", json!({"DeliveryStreamName": "s", "Record": {"Data": big}}));
    assert_eq!(k, "ValidationException");
    assert!(m.contains("at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000"), "{m}");
    assert_eq!(err(&mut e, "PutRecord", json!({"DeliveryStreamName": "s", "Record": {"Data": "%%%"}})).0, "SerializationException");
    assert_eq!(
        err(&mut e, "PutRecord", json!({"DeliveryStreamName": "s"})).1,
        "1 validation error detected: Value null at 'record' failed to satisfy constraint: Member must not be null"
    );
    let many: Vec<Value> = (0..501).map(|_| json!({"Data": "eA=="})).collect();
    assert!(err(&mut e, "PutRecordBatch", json!({"DeliveryStreamName": "s", "Records": many})).1.contains("Member must have length less than or equal to 500"));
    let heavy: Vec<Value> = (0..5).map(|_| json!({"Data": B64.encode(vec![1u8; 1_000_000])})).collect();
    assert_eq!(err(&mut e, "PutRecordBatch", json!({"DeliveryStreamName": "s", "Records": heavy})).0, "InvalidArgumentException");
    assert_eq!(err(&mut e, "PutRecord", json!({"DeliveryStreamName": "nope", "Record": {"Data": "eA=="}})).0, "ResourceNotFoundException");
    assert_eq!(buffer(&mut e)["BufferedRecords"], 0, "refused records are not buffered");
}

#[test]
fn the_buffer_flushes_when_the_interval_passes() {
    let mut e = engine();
    bucket(&mut e);
    direct(&mut e, destination(5, 60));
    let out = put(&mut e, b"{\"a\":1}\n");
    assert_eq!(out["Encrypted"], false);
    assert_eq!(out["RecordId"].as_str().unwrap().len(), 56);
    advance(&mut e, 10.0);
    let batch = ok(&mut e, "PutRecordBatch", json!({"DeliveryStreamName": "s", "Records": [{"Data": B64.encode(b"{\"b\":2}\n")}, {"Data": B64.encode(b"{\"c\":3}")}]}));
    assert_eq!(batch["FailedPutCount"], 0);
    assert_eq!(batch["RequestResponses"].as_array().unwrap().len(), 2);
    let b = buffer(&mut e);
    assert_eq!(b["BufferedRecords"], 3);
    assert_eq!(b["BufferedBytes"], 23);
    assert_eq!(b["NextFlush"], "2026-01-01T00:01:05.000Z", "60 s after the oldest record");
    advance(&mut e, 49.0);
    assert!(objects(&mut e).is_empty(), "not before the interval");
    advance(&mut e, 1.0);
    let objs = objects(&mut e);
    assert_eq!(objs.len(), 1);
    let (key, body) = &objs[0];
    // {YYYY/MM/dd/HH}/{stream}-{version}-{yyyy-MM-dd-HH-mm-ss}-{uuid}; the time is the oldest record's.
    assert!(key.starts_with("2026/01/01/00/s-1-2026-01-01-00-00-05-"), "{key}");
    assert_eq!(key.len(), "2026/01/01/00/s-1-2026-01-01-00-00-05-".len() + 36);
    assert_eq!(body, b"{\"a\":1}\n{\"b\":2}\n{\"c\":3}", "records concatenated as sent, no delimiter added");
    let b = buffer(&mut e);
    assert_eq!(b["BufferedRecords"], 0);
    assert_eq!(b["NextFlush"], Value::Null);
    assert_eq!(b["DeliveredObjects"][0]["Key"], json!(key));
    assert_eq!(b["Stats"]["DeliveredRecords"], 3);
}

#[test]
fn the_buffer_flushes_when_it_reaches_the_size_hint() {
    let mut e = engine();
    bucket(&mut e);
    direct(&mut e, destination(1, 900));
    let chunk = vec![b'x'; 600_000];
    put(&mut e, &chunk);
    assert!(objects(&mut e).is_empty());
    put(&mut e, &chunk);
    // 1.2 MB buffered ≥ 1 MiB: flushed at once (delivered before the next call answers).
    let objs = objects(&mut e);
    assert_eq!(objs.len(), 1);
    assert_eq!(objs[0].1.len(), 600_000, "an object holds at most SizeInMBs: the second record waits");
    let b = buffer(&mut e);
    assert_eq!(b["BufferedRecords"], 1);
    assert_eq!(b["NextFlush"], "2026-01-01T00:15:05.000Z");
    advance(&mut e, 900.0);
    assert_eq!(objects(&mut e).len(), 2);
}

#[test]
fn a_zero_interval_delivers_at_once_and_a_clock_jump_passes_every_flush() {
    let mut e = engine();
    bucket(&mut e);
    direct(&mut e, destination(5, 0));
    put(&mut e, b"now");
    assert_eq!(objects(&mut e).len(), 1);
    // With a 300 s interval and a record every 100 s for an hour, a jump of a day writes 12 objects.
    let mut e = engine();
    bucket(&mut e);
    direct(&mut e, destination(5, 300));
    for i in 0..36 {
        put(&mut e, format!("{i},").as_bytes());
        advance(&mut e, 100.0);
    }
    advance(&mut e, 86_400.0);
    let objs = objects(&mut e);
    assert_eq!(objs.len(), 12);
    let all: Vec<u8> = objs.iter().flat_map(|(_, b)| b.clone()).collect();
    assert_eq!(all.len(), (0..36).map(|i: i32| format!("{i},").len()).sum::<usize>());
}

#[test]
fn gzip_objects_round_trip() {
    let mut e = engine();
    bucket(&mut e);
    let mut dest = destination(5, 60);
    dest["CompressionFormat"] = json!("GZIP");
    direct(&mut e, dest);
    let text = "line one\nline two\n".repeat(100);
    put(&mut e, text.as_bytes());
    advance(&mut e, 60.0);
    let objs = objects(&mut e);
    assert!(objs[0].0.ends_with(".gz"), "{}", objs[0].0);
    assert!(objs[0].1.len() < text.len());
    assert_eq!(gunzip(&objs[0].1).unwrap(), text.as_bytes());
}

#[test]
fn a_bucket_in_another_region_is_delivered_to() {
    let mut e = engine();
    e.call(0, &Request::new("s3", "CreateBucket", "eu-west-1", json!({"Bucket": "lake", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}))).unwrap();
    direct(&mut e, destination(5, 0));
    put(&mut e, b"far");
    let list = e.call(0, &Request::new("s3", "ListObjectsV2", "eu-west-1", json!({"Bucket": "lake"}))).unwrap();
    assert_eq!(list["KeyCount"], 1, "{list}");
}

#[test]
fn custom_prefixes_and_file_extensions() {
    let mut e = engine();
    bucket(&mut e);
    let mut dest = destination(5, 60);
    dest["Prefix"] = json!("events/dt=!{timestamp:yyyy-MM-dd}/!{firehose:random-string}/");
    dest["ErrorOutputPrefix"] = json!("errors/!{firehose:error-output-type}/");
    dest["FileExtension"] = json!(".json");
    direct(&mut e, dest);
    put(&mut e, b"{}");
    advance(&mut e, 60.0);
    let key = objects(&mut e)[0].0.clone();
    let parts: Vec<&str> = key.split('/').collect();
    assert_eq!(parts[..2], ["events", "dt=2026-01-01"]);
    assert_eq!(parts[2].len(), 11);
    assert!(parts[3].starts_with("s-1-2026-01-01-00-00-05-") && parts[3].ends_with(".json"), "{key}");
}

#[test]
fn update_destination_checks_the_version_and_bumps_it() {
    let mut e = engine();
    bucket(&mut e);
    direct(&mut e, destination(5, 300));
    let (k, m) = err(
        &mut e,
        "UpdateDestination",
        json!({"DeliveryStreamName": "s", "CurrentDeliveryStreamVersionId": "7", "DestinationId": "destinationId-000000000001", "ExtendedS3DestinationUpdate": {"Prefix": "v2/"}}),
    );
    assert_eq!(k, "ConcurrentModificationException", "{m}");
    assert_eq!(
        err(
            &mut e,
            "UpdateDestination",
            json!({"DeliveryStreamName": "s", "CurrentDeliveryStreamVersionId": "1", "DestinationId": "destinationId-9", "ExtendedS3DestinationUpdate": {}})
        )
        .0,
        "InvalidArgumentException"
    );
    put(&mut e, b"a");
    ok(
        &mut e,
        "UpdateDestination",
        json!({"DeliveryStreamName": "s", "CurrentDeliveryStreamVersionId": "1", "DestinationId": "destinationId-000000000001", "ExtendedS3DestinationUpdate": {"Prefix": "v2/", "BufferingHints": {"IntervalInSeconds": 60}}}),
    );
    let d = ok(&mut e, "DescribeDeliveryStream", json!({"DeliveryStreamName": "s"}))["DeliveryStreamDescription"].clone();
    assert_eq!(d["VersionId"], "2");
    assert_eq!(d["LastUpdateTimestamp"], json!((NOW + 5000) as f64 / 1000.0));
    let x = &d["Destinations"][0]["ExtendedS3DestinationDescription"];
    assert_eq!(x["BufferingHints"], json!({"SizeInMBs": 5, "IntervalInSeconds": 60}), "unset members keep their values");
    assert_eq!(x["BucketARN"], BUCKET_ARN);
    advance(&mut e, 60.0);
    let key = objects(&mut e)[0].0.clone();
    assert!(key.starts_with("v2/2026/01/01/00/s-2-"), "{key}");
}

#[test]
fn tags() {
    let mut e = engine();
    direct(&mut e, destination(5, 300));
    ok(&mut e, "TagDeliveryStream", json!({"DeliveryStreamName": "s", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}));
    ok(&mut e, "TagDeliveryStream", json!({"DeliveryStreamName": "s", "Tags": [{"Key": "a", "Value": "3"}]}));
    assert_eq!(
        ok(&mut e, "ListTagsForDeliveryStream", json!({"DeliveryStreamName": "s"})),
        json!({"Tags": [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}], "HasMoreTags": false})
    );
    assert_eq!(ok(&mut e, "ListTagsForDeliveryStream", json!({"DeliveryStreamName": "s", "Limit": 1})), json!({"Tags": [{"Key": "a", "Value": "3"}], "HasMoreTags": true}));
    assert_eq!(ok(&mut e, "ListTagsForDeliveryStream", json!({"DeliveryStreamName": "s", "ExclusiveStartTagKey": "a"}))["Tags"], json!([{"Key": "b", "Value": "2"}]));
    ok(&mut e, "UntagDeliveryStream", json!({"DeliveryStreamName": "s", "TagKeys": ["a"]}));
    assert_eq!(ok(&mut e, "ListTagsForDeliveryStream", json!({"DeliveryStreamName": "s"}))["Tags"], json!([{"Key": "b", "Value": "2"}]));
    let many: Vec<Value> = (0..50).map(|i| json!({"Key": format!("k{i}"), "Value": ""})).collect();
    assert_eq!(err(&mut e, "TagDeliveryStream", json!({"DeliveryStreamName": "s", "Tags": many})).0, "LimitExceededException");
    assert_eq!(err(&mut e, "TagDeliveryStream", json!({"DeliveryStreamName": "s", "Tags": [{"Key": "aws:x", "Value": ""}]})).0, "InvalidArgumentException");
    assert_eq!(err(&mut e, "ListTagsForDeliveryStream", json!({"DeliveryStreamName": "zz"})).0, "ResourceNotFoundException");
}

#[test]
fn a_missing_bucket_is_retried_every_five_seconds_then_dropped_after_a_day() {
    let mut e = engine();
    call_in(&mut e, "logs", "CreateLogGroup", json!({"logGroupName": "/aws/kinesisfirehose/s"})).unwrap();
    call_in(&mut e, "logs", "CreateLogStream", json!({"logGroupName": "/aws/kinesisfirehose/s", "logStreamName": "DestinationDelivery"})).unwrap();
    let mut dest = destination(5, 60);
    dest["CloudWatchLoggingOptions"] = json!({"Enabled": true, "LogGroupName": "/aws/kinesisfirehose/s", "LogStreamName": "DestinationDelivery"});
    direct(&mut e, dest);
    put(&mut e, b"first");
    advance(&mut e, 60.0);
    let b = buffer(&mut e);
    assert_eq!(b["InFlight"]["Attempts"], 1);
    assert!(b["InFlight"]["LastError"].as_str().unwrap().starts_with("S3.NoSuchBucket"), "{b}");
    put(&mut e, b"second");
    advance(&mut e, 12.0);
    assert!(buffer(&mut e)["InFlight"]["Attempts"].as_u64().unwrap() >= 3);
    // The bucket appears: the retry delivers, then the record that waited behind it.
    bucket(&mut e);
    advance(&mut e, 5.0);
    assert_eq!(objects(&mut e).len(), 1, "the retry delivers the first object");
    advance(&mut e, 60.0);
    let objs = objects(&mut e);
    assert_eq!(objs.len(), 2, "{objs:?}");
    assert_eq!(objs.iter().map(|o| o.1.clone()).collect::<Vec<_>>(), vec![b"first".to_vec(), b"second".to_vec()]);
    // With no bucket for a whole day, the records are dropped and the drop is logged.
    call_in(&mut e, "s3", "DeleteObject", json!({"Bucket": "lake", "Key": objs[0].0})).unwrap();
    call_in(&mut e, "s3", "DeleteObject", json!({"Bucket": "lake", "Key": objs[1].0})).unwrap();
    call_in(&mut e, "s3", "DeleteBucket", json!({"Bucket": "lake"})).unwrap();
    put(&mut e, b"lost");
    advance(&mut e, 86_400.0 + 120.0);
    let b = buffer(&mut e);
    assert_eq!(b["BufferedRecords"], 0);
    assert_eq!(b["InFlight"], Value::Null);
    assert_eq!(b["Stats"]["DroppedRecords"], 1);
    let logs = call_in(&mut e, "logs", "GetLogEvents", json!({"logGroupName": "/aws/kinesisfirehose/s", "logStreamName": "DestinationDelivery", "startFromHead": true})).unwrap();
    let lines: Vec<Value> = logs["events"].as_array().unwrap().iter().map(|ev| serde_json::from_str(ev["message"].as_str().unwrap()).unwrap()).collect();
    assert!(lines.len() >= 3, "{lines:?}");
    assert_eq!(lines[0]["errorCode"], "S3.NoSuchBucket");
    assert_eq!(lines[0]["deliveryStreamARN"], "arn:aws:firehose:us-east-1:123456789012:deliverystream/s");
    assert!(lines.last().unwrap()["message"].as_str().unwrap().starts_with("Dropped 1 records"));
}

#[test]
fn a_kinesis_stream_source_is_read_from_the_latest_position() {
    let mut e = engine();
    bucket(&mut e);
    call_in(&mut e, "kinesis", "CreateStream", json!({"StreamName": "clicks", "ShardCount": 2})).unwrap();
    advance(&mut e, 5.0);
    let kput = |e: &mut Engine, data: &str, key: &str| call_in(e, "kinesis", "PutRecord", json!({"StreamName": "clicks", "Data": B64.encode(data), "PartitionKey": key})).unwrap();
    kput(&mut e, "before,", "k1");
    let arn = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks";
    ok(
        &mut e,
        "CreateDeliveryStream",
        json!({"DeliveryStreamName": "s", "DeliveryStreamType": "KinesisStreamAsSource", "KinesisStreamSourceConfiguration": {"KinesisStreamARN": arn, "RoleARN": ROLE},
               "ExtendedS3DestinationConfiguration": destination(1, 60)}),
    );
    advance(&mut e, 5.0);
    let d = ok(&mut e, "DescribeDeliveryStream", json!({"DeliveryStreamName": "s"}))["DeliveryStreamDescription"].clone();
    assert_eq!(d["DeliveryStreamType"], "KinesisStreamAsSource");
    assert_eq!(d["Source"]["KinesisStreamSourceDescription"], json!({"KinesisStreamARN": arn, "RoleARN": ROLE, "DeliveryStartTimestamp": (NOW + 10_000) as f64 / 1000.0}));
    assert_eq!(
        err(&mut e, "PutRecord", json!({"DeliveryStreamName": "s", "Record": {"Data": "eA=="}})),
        ("InvalidArgumentException".into(), "This operation is not permitted on KinesisStreamAsSource delivery stream type.".into())
    );
    let mut sent = Vec::new();
    for i in 0..20 {
        let data = format!("r{i},");
        kput(&mut e, &data, &format!("pk{i}"));
        sent.push(data);
    }
    advance(&mut e, 2.0);
    assert_eq!(buffer(&mut e)["BufferedRecords"], 20, "read within a second of arriving");
    advance(&mut e, 60.0);
    let objs = objects(&mut e);
    assert_eq!(objs.len(), 1);
    let body = String::from_utf8(objs[0].1.clone()).unwrap();
    assert!(!body.contains("before"), "records older than the Firehose stream are not read");
    let mut got: Vec<String> = body.split_inclusive(',').map(str::to_string).collect();
    got.sort();
    sent.sort();
    assert_eq!(got, sent);
    // The key's time is the records' ApproximateArrivalTimestamp (10 s after the start).
    assert!(objs[0].0.starts_with("2026/01/01/00/s-1-2026-01-01-00-00-10-"), "{}", objs[0].0);
    // Reading goes on: more records, another object.
    kput(&mut e, "later,", "x");
    advance(&mut e, 70.0);
    assert_eq!(objects(&mut e).len(), 2);
}

/// Applies the engine's pending changes to `img`, as a store would.
fn commit(e: &mut Engine, img: &mut Image) {
    let changes = e.take_changes();
    if !changes.is_empty() {
        img.apply_segment(&encode_batch(&changes)).unwrap();
    }
}

#[test]
fn buffered_records_survive_a_reload() {
    let mut e = engine();
    let mut img = Image::default();
    bucket(&mut e);
    direct(&mut e, destination(5, 60));
    call_in(&mut e, "kinesis", "CreateStream", json!({"StreamName": "k", "ShardCount": 1})).unwrap();
    ok(
        &mut e,
        "CreateDeliveryStream",
        json!({"DeliveryStreamName": "fromk", "DeliveryStreamType": "KinesisStreamAsSource",
               "KinesisStreamSourceConfiguration": {"KinesisStreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/k", "RoleARN": ROLE},
               "S3DestinationConfiguration": destination(5, 60)}),
    );
    advance(&mut e, 5.0);
    put(&mut e, b"one,");
    put(&mut e, b"two,");
    call_in(&mut e, "kinesis", "PutRecord", json!({"StreamName": "k", "Data": B64.encode("kin,"), "PartitionKey": "p"})).unwrap();
    advance(&mut e, 2.0);
    commit(&mut e, &mut img);
    assert_eq!(img.clone().into_records(), e.snapshot(), "the journal replays to the snapshot");
    assert_eq!(buffer(&mut e)["BufferedRecords"], 2);
    // Reload: the records are still there and the flush timer still fires.
    let mut r = Engine::restore(EngineConfig::default(), 0, img.into_records()).unwrap();
    assert_eq!(r.snapshot(), e.snapshot());
    put(&mut r, b"three");
    call_in(&mut r, "kinesis", "PutRecord", json!({"StreamName": "k", "Data": B64.encode("more"), "PartitionKey": "p"})).unwrap();
    advance(&mut r, 60.0);
    let mut bodies: Vec<String> = objects(&mut r).into_iter().map(|(_, b)| String::from_utf8(b).unwrap()).collect();
    bodies.sort();
    assert_eq!(bodies, vec!["kin,more".to_string(), "one,two,three".to_string()], "the Kinesis reader carries on after the last record it read");
}

#[test]
fn odd_inputs_get_errors_not_panics() {
    let mut e = engine();
    bucket(&mut e);
    direct(&mut e, destination(5, 60));
    let junk = [json!(null), json!(1), json!("x"), json!([]), json!({}), json!([1, "a", null]), json!({"a": {"b": []}}), json!(-1), json!(1e300), json!(true)];
    let ops = [
        "CreateDeliveryStream",
        "DescribeDeliveryStream",
        "ListDeliveryStreams",
        "DeleteDeliveryStream",
        "UpdateDestination",
        "PutRecord",
        "PutRecordBatch",
        "TagDeliveryStream",
        "UntagDeliveryStream",
        "ListTagsForDeliveryStream",
        "NoSuchOperation",
    ];
    let members = [
        "DeliveryStreamName",
        "Record",
        "Records",
        "Tags",
        "TagKeys",
        "Limit",
        "ExtendedS3DestinationConfiguration",
        "S3DestinationConfiguration",
        "ExtendedS3DestinationUpdate",
        "KinesisStreamSourceConfiguration",
        "DeliveryStreamType",
        "CurrentDeliveryStreamVersionId",
        "DestinationId",
    ];
    for op in ops {
        let _ = call(&mut e, op, json!("not an object"));
        for m in members {
            for j in &junk {
                let _ = call(&mut e, op, json!({ m: j }));
                let _ = call(&mut e, op, json!({ "DeliveryStreamName": "s", m: j }));
                let _ = call(
                    &mut e,
                    op,
                    json!({ "DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": {"RoleARN": ROLE, "BucketARN": BUCKET_ARN, m: j, "BufferingHints": j, "CloudWatchLoggingOptions": j} }),
                );
            }
        }
    }
    for j in &junk {
        let _ = e.control(0, "firehose:DescribeBuffer", &json!({ "DeliveryStreamName": j }));
        let _ = call(&mut e, "PutRecordBatch", json!({"DeliveryStreamName": "s", "Records": [j]}));
        let _ = call(&mut e, "PutRecord", json!({"DeliveryStreamName": "s", "Record": j}));
    }
    advance(&mut e, 600.0);
}
