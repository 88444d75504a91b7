//! Engine benchmarks through the one door (`Engine::call` with JSON requests, as every host
//! uses it). Prints figures; asserts nothing.
//!   cargo bench -p gureum-engine --bench engine [-- --items N]
//! Figures: PutItem/s while loading, GetItem/s, and the latency distribution of a 100-item Query
//! on a table of N items (default 1,000,000: 10,000 partitions of 100 items).

use std::time::Instant;

use gureum_engine::{Engine, EngineConfig, Request};
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let items: u64 = args.iter().position(|a| a == "--items").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let per_partition = 100u64;
    let partitions = (items / per_partition).max(1);
    let mut e = Engine::new(EngineConfig::default(), 0);
    let call = |e: &mut Engine, op: &str, input: serde_json::Value| e.call(10_000, &Request::new("dynamodb", op, "us-east-1", input));
    call(&mut e, "CreateTable", json!({"TableName": "Bench", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"})).unwrap();
    e.tick(20_000);

    let t = Instant::now();
    for p in 0..partitions {
        for s in 0..per_partition {
            call(&mut e, "PutItem", json!({"TableName": "Bench", "Item": {"pk": {"S": format!("user#{p:06}")}, "sk": {"N": s.to_string()}, "score": {"N": (p * 7 + s).to_string()}, "name": {"S": "player name here"}}})).unwrap();
        }
        // Hosts drain the journal after each call; keep memory flat the same way.
        e.take_changes();
    }
    let load = t.elapsed();
    println!("Loaded {} items in {:.2} s: {:.0} PutItem/s", partitions * per_partition, load.as_secs_f64(), (partitions * per_partition) as f64 / load.as_secs_f64());

    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let gets = 500_000u64;
    let reqs: Vec<Request> = (0..gets).map(|_| {
        let (p, s) = (next() % partitions, next() % per_partition);
        Request::new("dynamodb", "GetItem", "us-east-1", json!({"TableName": "Bench", "Key": {"pk": {"S": format!("user#{p:06}")}, "sk": {"N": s.to_string()}}}))
    }).collect();
    let t = Instant::now();
    let mut found = 0u64;
    for r in &reqs {
        if e.call(10_000, r).map(|v| v.get("Item").is_some()).unwrap_or(false) {
            found += 1;
        }
    }
    let el = t.elapsed();
    println!("GetItem: {:.0} ops/s ({} calls, {} found, {:.2} µs each)", gets as f64 / el.as_secs_f64(), gets, found, el.as_secs_f64() * 1e6 / gets as f64);

    let queries = 20_000u64;
    let qreqs: Vec<Request> = (0..queries).map(|_| {
        let p = next() % partitions;
        Request::new("dynamodb", "Query", "us-east-1", json!({"TableName": "Bench", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": format!("user#{p:06}")}}}))
    }).collect();
    let mut lat = Vec::with_capacity(queries as usize);
    let mut returned = 0u64;
    for r in &qreqs {
        let t = Instant::now();
        let out = e.call(10_000, r).unwrap();
        lat.push(t.elapsed().as_secs_f64() * 1e6);
        returned += out["Count"].as_u64().unwrap_or(0);
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize];
    println!(
        "Query of {} items on a {}-item table: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs ({} queries, {} items returned)",
        per_partition, partitions * per_partition, pct(0.5), pct(0.99), pct(1.0), queries, returned
    );
}
