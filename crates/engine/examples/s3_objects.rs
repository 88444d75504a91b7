//! How long a big PutObject and GetObject take through `Engine::call` (the door other services'
//! `Step::Call`s and the browser use), bodies as base64 JSON strings, and the journal record's
//! size. Prints figures; asserts only that the bytes come back.
//!
//! `cargo run --release -p gureum-engine --example s3_objects [-- MiB]`

use std::time::Instant;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use gureum_engine::{Engine, EngineConfig, Request};
use serde_json::json;

fn main() {
    let mib: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let mut e = Engine::new(EngineConfig::default(), 0);
    e.call(0, &Request::new("s3", "CreateBucket", "us-east-1", json!({"Bucket": "bench"}))).unwrap();
    let bytes: Vec<u8> = (0..mib * 1024 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    for round in 0..3 {
        let t = Instant::now();
        let body = B64.encode(&bytes);
        let encode = t.elapsed();
        let t = Instant::now();
        e.call(0, &Request::new("s3", "PutObject", "us-east-1", json!({"Bucket": "bench", "Key": "big.bin", "Body": body}))).unwrap();
        let put = t.elapsed();
        let journal: usize = e.take_changes().iter().map(|c| c.approx_bytes()).sum();
        let t = Instant::now();
        let out = e.call(0, &Request::new("s3", "GetObject", "us-east-1", json!({"Bucket": "bench", "Key": "big.bin"}))).unwrap();
        let get = t.elapsed();
        let back = B64.decode(out["Body"].as_str().unwrap()).unwrap();
        assert_eq!(back, bytes);
        println!(
            "round {round}: {mib} MiB PutObject {:.1} ms, GetObject {:.1} ms (client-side base64 encode {:.1} ms), journal {:.1} MiB",
            put.as_secs_f64() * 1e3,
            get.as_secs_f64() * 1e3,
            encode.as_secs_f64() * 1e3,
            journal as f64 / 1048576.0
        );
    }
}
