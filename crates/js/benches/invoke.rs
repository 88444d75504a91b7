//! Lambda invocation overhead in the engine, natively (as `gureum serve` runs it: the engine on
//! the caller's thread, the JavaScript runtime on its own): warm invocations per second of a
//! trivial handler, of a handler that writes one DynamoDB item through lib-dynamodb, and the
//! cost of a cold start (a new execution environment: context, prelude, code load).
//!
//! Run: `cargo bench -p gureum-js --bench invoke` (release build; prints figures).

use std::{collections::BTreeMap, sync::Arc, time::Instant};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use gureum_engine::{
    kernel::{Engine, EngineConfig, Request},
    services::lambda::code,
};
use gureum_js::{HostFns, ThreadedRuntime};
use serde_json::{json, Value};

#[global_allocator]
static ALLOC: gureum_js::alloc::Counting<mimalloc::MiMalloc> = gureum_js::alloc::Counting(mimalloc::MiMalloc);

fn clock() -> f64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

const T: i64 = 1_000;

fn call(e: &mut Engine, service: &str, op: &str, input: Value) -> Value {
    e.call(T, &Request::new(service, op, "us-east-1", input)).unwrap_or_else(|err| panic!("{op}: {err}"))
}

fn deploy(e: &mut Engine, name: &str, files: &[(&str, &str)]) {
    let map: BTreeMap<String, Vec<u8>> = files.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect();
    call(
        e,
        "lambda",
        "CreateFunction",
        json!({ "FunctionName": name, "Runtime": "nodejs20.x", "Role": "arn:aws:iam::123456789012:role/r", "Handler": "index.handler", "Code": { "ZipFile": B64.encode(code::zip(&map)) } }),
    );
    e.control(T, "AdvanceClock", &json!({ "seconds": 2 })).expect("advance");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn warm_rate(e: &mut Engine, name: &str, payload: &dyn Fn(usize) -> String, n: usize) -> f64 {
    let mut rounds = Vec::new();
    let mut k = 0;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..n {
            k += 1;
            let out = call(e, "lambda", "Invoke", json!({ "FunctionName": name, "Payload": B64.encode(payload(k)) }));
            assert!(out.get("FunctionError").is_none(), "{out}");
        }
        rounds.push(n as f64 / start.elapsed().as_secs_f64());
    }
    median(rounds)
}

fn main() {
    let mut e = Engine::new(EngineConfig::default(), T);
    e.set_runtime(Arc::new(ThreadedRuntime::spawn(HostFns { clock, memory: gureum_js::alloc::live_bytes }).expect("runtime")));
    e.control(T, "PauseClock", &json!({})).expect("pause");

    deploy(&mut e, "trivial", &[("index.mjs", "export const handler = async () => 1;")]);
    call(&mut e, "lambda", "Invoke", json!({ "FunctionName": "trivial" }));
    let trivial = warm_rate(&mut e, "trivial", &|_| "{}".to_string(), 2000);
    println!("warm Invoke, trivial handler:             {trivial:>9.0} invocations/s ({:.1} µs each)", 1e6 / trivial);

    call(
        &mut e,
        "dynamodb",
        "CreateTable",
        json!({ "TableName": "Bench", "AttributeDefinitions": [{ "AttributeName": "id", "AttributeType": "S" }], "KeySchema": [{ "AttributeName": "id", "KeyType": "HASH" }], "BillingMode": "PAY_PER_REQUEST" }),
    );
    e.control(T, "AdvanceClock", &json!({ "seconds": 2 })).expect("advance");
    deploy(
        &mut e,
        "writer",
        &[(
            "index.mjs",
            "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';\nconst doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));\nexport const handler = async (e) => { await doc.send(new PutCommand({ TableName: 'Bench', Item: { id: e.id, n: 1 } })); return e.id; };",
        )],
    );
    let writer = warm_rate(&mut e, "writer", &|k| format!("{{\"id\":\"k{k}\"}}"), 500);
    println!("warm Invoke, lib-dynamodb PutCommand:     {writer:>9.0} invocations/s ({:.1} µs each)", 1e6 / writer);

    // Cold starts: each configuration change retires the environment.
    for (name, files) in [("trivial", vec![("index.mjs", "export const handler = async () => 1;")]), ("writer", vec![])] {
        let _ = files;
        let mut totals = Vec::new();
        let mut inits = Vec::new();
        for i in 0..15 {
            call(&mut e, "lambda", "UpdateFunctionConfiguration", json!({ "FunctionName": name, "Description": format!("round {i}") }));
            e.control(T, "AdvanceClock", &json!({ "seconds": 2 })).expect("advance");
            let start = Instant::now();
            let out = call(&mut e, "lambda", "Invoke", json!({ "FunctionName": name, "Payload": B64.encode("{\"id\":\"cold\"}"), "LogType": "Tail" }));
            totals.push(start.elapsed().as_secs_f64() * 1000.0);
            let tail = String::from_utf8(B64.decode(out["LogResult"].as_str().unwrap_or("")).unwrap_or_default()).unwrap_or_default();
            let init: f64 = tail.split("Init Duration: ").nth(1).and_then(|s| s.split(' ').next()).and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
            inits.push(init);
        }
        println!("cold start, {name:<8} Invoke total (median): {:>8.2} ms; Init Duration (median): {:.2} ms", median(totals), median(inits));
    }
}
