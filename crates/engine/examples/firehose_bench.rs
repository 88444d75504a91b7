//! Prints Firehose's PutRecordBatch throughput through `Engine::call` (records/s and MB/s), with
//! the journal drained after each call as a host does, and what the flushes to S3 cost when the
//! virtual clock moves past the buffering interval.
//!
//! `cargo run --release -p gureum-engine --example firehose_bench [-- --batches N]`

use std::time::Instant;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use gureum_engine::{Engine, EngineConfig, Request};
use serde_json::{json, Value};

const H: i64 = 1_000_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let batches: usize = args.iter().position(|a| a == "--batches").and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok()).unwrap_or(200);
    for (size, gzip) in [(100usize, false), (1_000, false), (1_000, true)] {
        let mut e = Engine::new(EngineConfig::default(), H);
        e.control(H, "PauseClock", &json!({})).expect("pause");
        e.call(H, &Request::new("s3", "CreateBucket", "us-east-1", json!({"Bucket": "lake"}))).expect("bucket");
        let dest = json!({"RoleARN": "arn:aws:iam::123456789012:role/r", "BucketARN": "arn:aws:s3:::lake",
                          "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 900}, "CompressionFormat": if gzip { "GZIP" } else { "UNCOMPRESSED" }});
        e.call(H, &Request::new("firehose", "CreateDeliveryStream", "us-east-1", json!({"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": dest}))).expect("create");
        e.control(H, "AdvanceClock", &json!({"seconds": 5})).expect("advance");
        e.take_changes();
        let record = B64.encode(format!("{{\"event\":\"click\",\"pad\":\"{}\"}}\n", "x".repeat(size.saturating_sub(30))));
        let records: Vec<Value> = (0..500).map(|_| json!({"Data": record})).collect();
        let request = Request::new("firehose", "PutRecordBatch", "us-east-1", json!({"DeliveryStreamName": "s", "Records": records}));
        let mut journal_bytes = 0usize;
        let start = Instant::now();
        for _ in 0..batches {
            let out = e.call(H, &request).expect("put");
            assert_eq!(out["FailedPutCount"], 0);
            journal_bytes += e.take_changes().iter().map(|c| c.approx_bytes()).sum::<usize>();
        }
        let secs = start.elapsed().as_secs_f64();
        let n = batches * 500;
        let data_mb = (n * size) as f64 / 1e6;
        let start = Instant::now();
        e.control(H, "AdvanceClock", &json!({"seconds": 900})).expect("advance");
        let flush = start.elapsed().as_secs_f64();
        let listed = e.call(H, &Request::new("s3", "ListObjectsV2", "us-east-1", json!({"Bucket": "lake"}))).expect("list");
        let objects = listed["KeyCount"].as_u64().unwrap_or(0);
        println!(
            "{n} records of {size} B{}: {:.0} records/s, {:.1} MB/s of data, {:.1} MB journal; flush of {:.1} MB into {objects} object(s): {:.0} ms",
            if gzip { " (GZIP)" } else { "" },
            n as f64 / secs,
            data_mb / secs,
            journal_bytes as f64 / 1e6,
            data_mb,
            flush * 1000.0
        );
    }
    // A Kinesis source is polled once a virtual second per shard while records flow, every 10 s
    // while idle: what a day's jump over an idle source costs.
    let mut e = Engine::new(EngineConfig::default(), H);
    e.control(H, "PauseClock", &json!({})).expect("pause");
    e.call(H, &Request::new("s3", "CreateBucket", "us-east-1", json!({"Bucket": "lake"}))).expect("bucket");
    e.call(H, &Request::new("kinesis", "CreateStream", "us-east-1", json!({"StreamName": "k", "ShardCount": 2}))).expect("stream");
    e.control(H, "AdvanceClock", &json!({"seconds": 5})).expect("advance");
    let source = json!({"KinesisStreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/k", "RoleARN": "arn:aws:iam::123456789012:role/r"});
    let dest = json!({"RoleARN": "arn:aws:iam::123456789012:role/r", "BucketARN": "arn:aws:s3:::lake"});
    e.call(H, &Request::new("firehose", "CreateDeliveryStream", "us-east-1", json!({"DeliveryStreamName": "fromk", "DeliveryStreamType": "KinesisStreamAsSource", "KinesisStreamSourceConfiguration": source, "ExtendedS3DestinationConfiguration": dest}))).expect("create");
    e.control(H, "AdvanceClock", &json!({"seconds": 5})).expect("advance");
    e.take_changes();
    let start = Instant::now();
    e.control(H, "AdvanceClock", &json!({"seconds": 86_400})).expect("advance");
    let secs = start.elapsed().as_secs_f64();
    let changes = e.take_changes().len();
    println!("an idle 2-shard Kinesis source over a jump of one virtual day (8,640 polls of both shards): {:.2} s, {changes} journal changes", secs);
}
