//! The fast JSON-text route against the general route: the first byte picks a DynamoDB
//! operation, the rest is the request body. One copy of the base sandbox answers through
//! `Engine::call_json` (keeping item JSON text, as `gureum serve` does), another through
//! `Engine::call` with the body parsed as a JSON value; the answers, the errors and the records
//! left behind must be the same.
#![no_main]

use gureum_engine::{Engine, EngineConfig, Request};
use gureum_engine_fuzz::{base_records, NOW, OPS, REGION};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The operations with a fast route, and two without.
const FAST_OPS: &[&str] = &["GetItem", "PutItem", "DeleteItem", "UpdateItem", "Query", "Scan", "BatchGetItem", "DescribeTable"];

fuzz_target!(|data: &[u8]| {
    let Some((sel, body)) = data.split_first() else { return };
    let op = if sel & 0x80 == 0 { FAST_OPS[(*sel as usize) % FAST_OPS.len()] } else { OPS[(*sel as usize & 0x7f) % OPS.len()] };
    let mut fast = Engine::restore(EngineConfig { keep_item_json: true, ..EngineConfig::default() }, NOW, base_records().to_vec()).expect("restore");
    let mut general = Engine::restore(EngineConfig::default(), NOW, base_records().to_vec()).expect("restore");
    let a = fast.call_json(NOW, "dynamodb", op, REGION, body).map(|b| serde_json::from_slice::<Value>(&b).expect("the JSON door writes JSON"));
    let b = match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => general.call(NOW, &Request::new("dynamodb", op, REGION, v)),
        _ => Err(gureum_engine::AwsError::serialization("")),
    };
    match (&a, &b) {
        (Ok(x), Ok(y)) => assert_eq!(x, y, "{op}: different answers"),
        (Err(x), Err(y)) => assert_eq!((&x.kind, &x.message, x.status), (&y.kind, &y.message, y.status), "{op}: different errors"),
        _ => panic!("{op}: one door failed, the other did not: {a:?} vs {b:?}"),
    }
    let ra: Vec<_> = fast.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
    let rb: Vec<_> = general.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
    assert!(ra == rb, "{op}: different records afterwards");
});
