//! What the load generator (`dynamodb:StartLoad`) costs the host: runs a PutItem load and a
//! GetItem load through `AdvanceClock`, as a learner's fast-forward does, and prints the
//! requests per second of host time and the journal bytes a request leaves to persist.
//!
//! `cargo run --release -p gureum-engine --example load_generator [-- RATE SECONDS ITEM_BYTES]`
//! (defaults: 1,000 requests a second for 100 s of 1,000-byte items; a load is capped at 600,000
//! requests and 100 MB of items written).

use std::time::Instant;

use gureum_engine::{Engine, EngineConfig, Request};
use serde_json::json;

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let rate = args.first().copied().unwrap_or(1000);
    let seconds = args.get(1).copied().unwrap_or(100);
    let size = args.get(2).copied().unwrap_or(1000);
    let t0 = 1_700_000_000_000;
    let mut e = Engine::new(EngineConfig::default(), t0);
    e.call(
        t0,
        &Request::new(
            "dynamodb",
            "CreateTable",
            "us-east-1",
            json!({
                "TableName": "Load",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            }),
        ),
    )
    .expect("CreateTable");
    e.control(t0, "AdvanceClock", &json!({"seconds": 2})).expect("advance");
    e.take_changes();
    for (op, extra) in [("PutItem", json!({"ItemSizeBytes": size})), ("GetItem", json!({"ConsistentRead": true}))] {
        let mut input = json!({"TableName": "Load", "Operation": op, "RequestsPerSecond": rate, "DurationSeconds": seconds});
        if let (Some(i), Some(x)) = (input.as_object_mut(), extra.as_object()) {
            i.extend(x.clone());
        }
        e.control(t0, "dynamodb:StartLoad", &input).expect("StartLoad");
        let started = Instant::now();
        e.control(t0, "AdvanceClock", &json!({"seconds": seconds})).expect("advance");
        let elapsed = started.elapsed().as_secs_f64();
        let changes = e.take_changes();
        let bytes: usize = changes.iter().map(|c| c.approx_bytes()).sum();
        let load = e.control(t0, "dynamodb:DescribeLoad", &json!({"TableName": "Load"})).expect("DescribeLoad");
        let sent = load["Load"]["RequestsSent"].as_u64().unwrap_or(0);
        println!(
            "{op}: {sent} requests ({} throttled) over {seconds} s of virtual time in {elapsed:.2} s: {:.0} requests/s; journal {:.1} MB, {:.0} bytes a request",
            load["Load"]["Throttled"],
            sent as f64 / elapsed,
            bytes as f64 / 1e6,
            bytes as f64 / sent.max(1) as f64
        );
    }
}
