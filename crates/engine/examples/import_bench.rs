//! The import benchmark natively: a 100,000-line CSV (about 10 MB) imported through S3, plain
//! and gzipped, end to end (PutObject, ImportTable, the clock advanced step by step until
//! COMPLETED). The same workload runs as wasm in Chromium with `scripts/bench-import`.
//!
//! `cargo run --release -p gureum-engine --example import_bench [-- ROWS] [--json]`

use std::time::Instant;

// The allocator `gureum serve` uses (as the engine bench does).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let rows = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let json = std::env::args().any(|a| a == "--json");
    let start = Instant::now();
    let mut now = move || start.elapsed().as_secs_f64() * 1000.0;
    let mut all = Vec::new();
    for gzip in [false, true] {
        let f = gureum_engine::bench_import::run(rows, gzip, &mut now).expect("import bench");
        if !json {
            for l in f.lines() {
                println!("{l}");
            }
        }
        all.push(f);
    }
    if json {
        println!("{}", serde_json::to_string(&all).unwrap_or_default());
    }
}
