//! Prints what global tables cost: PutItem throughput (through `Engine::call_json`, as `gureum
//! serve` runs it) on a regional table, on a global table with one replica, and with two, and
//! how long delivering the queued changes takes when the virtual clock moves on.
//!
//! `cargo run --release -p gureum-engine --example global_replication [-- --items N]`

use std::time::Instant;

use gureum_engine::{Engine, EngineConfig, Request};
use serde_json::json;

const H: i64 = 1_000_000;

fn table(e: &mut Engine, replicas: &[&str], stream: bool) {
    let mut create = json!({"TableName": "Tbl", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"});
    if stream {
        create["StreamSpecification"] = json!({"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"});
    }
    e.call(H, &Request::new("dynamodb", "CreateTable", "us-east-1", create)).expect("create");
    e.control(H, "AdvanceClock", &json!({"seconds": 2})).expect("advance");
    for r in replicas {
        e.call(H, &Request::new("dynamodb", "UpdateTable", "us-east-1", json!({"TableName": "Tbl", "ReplicaUpdates": [{"Create": {"RegionName": r}}]}))).expect("replica");
        e.control(H, "AdvanceClock", &json!({"seconds": 10})).expect("advance");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let items: usize = args.iter().position(|a| a == "--items").and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok()).unwrap_or(50_000);
    println!(
        "{items} PutItems of ~100 B items (us-east-1), one virtual ms apart (replication runs among them, 1 s behind), then the clock moves 2 s (the last second's deliveries)"
    );
    for (replicas, stream) in [(&[][..], false), (&[][..], true), (&["us-west-2"][..], true), (&["us-west-2", "eu-west-1"][..], true)] {
        let mut e = Engine::new(EngineConfig { keep_item_json: true, ..Default::default() }, H);
        table(&mut e, replicas, stream);
        let start = Instant::now();
        for i in 0..items {
            let body = format!(r#"{{"TableName":"Tbl","Item":{{"pk":{{"S":"item-{i:08}"}},"payload":{{"S":"{}"}}}}}}"#, "x".repeat(64));
            // One virtual millisecond per request (on-demand's 4,000 WRU/s is not the subject).
            e.call_json(H + i as i64, "dynamodb", "PutItem", "us-east-1", body.as_bytes()).expect("put");
            e.take_changes();
        }
        let put = start.elapsed().as_secs_f64();
        let start = Instant::now();
        e.control(H + items as i64, "AdvanceClock", &json!({"seconds": 2})).expect("advance");
        let changes = e.take_changes().len();
        let deliver = start.elapsed().as_secs_f64();
        println!(
            "  {} replica(s){}: {:>9.0} PutItem/s with replication; the last second's deliveries: {:.3} s, {} journal changes",
            replicas.len(),
            if stream { ", stream" } else { ", no stream" },
            items as f64 / put,
            deliver,
            changes
        );
    }
}
