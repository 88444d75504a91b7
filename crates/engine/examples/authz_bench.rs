//! What IAM enforcement costs per call: DynamoDB GetItem through `Engine::call` unsigned (the
//! root user: nothing checked) and signed with an STS session's key whose role allows it through
//! a LeadingKeys-conditioned policy (session lookup, cached parsed policies, context, evaluation).
//! Also `call_json`'s fast route, which unsigned and test-key calls on `gureum serve` take (a
//! checked caller's request takes the general route, whose input the permissions are read from).
//!
//! cargo run --release -p gureum-engine --example authz_bench

use std::hint::black_box;
use std::time::Instant;

use gureum_engine::kernel::authz::Credentials;
use gureum_engine::{Engine, EngineConfig, Request};
use serde_json::json;

const T0: i64 = 1_795_608_000_000;

fn main() {
    let mut e = Engine::new(EngineConfig::default(), T0);
    let call = |e: &mut Engine, service: &str, op: &str, input: serde_json::Value| e.call(T0 + 4_000, &Request::new(service, op, "us-east-1", input)).expect("call");
    e.call(
        T0,
        &Request::new(
            "dynamodb",
            "CreateTable",
            "us-east-1",
        json!({"TableName": "Bench", "BillingMode": "PAY_PER_REQUEST", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}),
        ),
    )
    .expect("CreateTable");
    e.tick(T0 + 4_000);
    for i in 0..1000 {
        call(&mut e, "dynamodb", "PutItem", json!({"TableName": "Bench", "Item": {"pk": {"S": format!("k{i}")}, "v": {"S": "x".repeat(100)}}}));
    }
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    call(&mut e, "iam", "CreateRole", json!({"RoleName": "reader", "AssumeRolePolicyDocument": trust}));
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":"arn:aws:dynamodb:*:123456789012:table/Bench","Condition":{"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["k*"]}}},
        {"Effect":"Allow","Action":"logs:*","Resource":"*"},
        {"Effect":"Deny","Action":"dynamodb:Delete*","Resource":"*"}]}"#;
    call(&mut e, "iam", "PutRolePolicy", json!({"RoleName": "reader", "PolicyName": "p", "PolicyDocument": policy}));
    let out = call(&mut e, "sts", "AssumeRole", json!({"RoleArn": "arn:aws:iam::123456789012:role/reader", "RoleSessionName": "bench"}));
    let key = out["Credentials"]["AccessKeyId"].as_str().expect("key").to_string();

    let n = 200_000usize;
    let requests: Vec<Request> =
        (0..1000).map(|i| Request::new("dynamodb", "GetItem", "us-east-1", json!({"TableName": "Bench", "Key": {"pk": {"S": format!("k{i}")}}}))).collect();
    let signed: Vec<Request> = requests.iter().cloned().map(|r| r.signed(Some(Credentials::AccessKey(key.clone())))).collect();
    let bodies: Vec<Vec<u8>> = (0..1000).map(|i| format!(r#"{{"TableName":"Bench","Key":{{"pk":{{"S":"k{i}"}}}}}}"#).into_bytes()).collect();
    // The clock moves 1 ms per request, as in the engine bench (a frozen clock throttles the table).
    let mut now = T0 + 5_000;
    let mut results = Vec::new();
    for round in 0..3 {
        for (name, reqs) in [("GetItem, unsigned (root)", &requests), ("GetItem, session key", &signed)] {
            for r in reqs.iter().take(1000) {
                now += 1;
                black_box(e.call(now, r).expect("allowed"));
            }
            let start = Instant::now();
            for i in 0..n {
                now += 1;
                black_box(e.call(now, &reqs[i % 1000]).expect("allowed"));
            }
            let us = start.elapsed().as_secs_f64() * 1e6 / n as f64;
            println!("round {round}: {name:28} {us:6.2} µs/call");
            results.push((name, us));
        }
        let start = Instant::now();
        for i in 0..n {
            now += 1;
            black_box(e.call_json(now, "dynamodb", "GetItem", "us-east-1", &bodies[i % 1000]).expect("fast"));
        }
        println!("round {round}: {:28} {:6.2} µs/call", "GetItem, call_json fast route", start.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    let best = |name: &str| results.iter().filter(|(n, _)| *n == name).map(|(_, us)| *us).fold(f64::MAX, f64::min);
    let (plain, checked) = (best("GetItem, unsigned (root)"), best("GetItem, session key"));
    println!("enforcement overhead (best of 3): {:.2} µs per call ({:.0}% of an unsigned GetItem)", checked - plain, (checked - plain) / plain * 100.0);
}
