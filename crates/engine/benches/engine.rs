//! Engine benchmarks through the one door (`Engine::call` with JSON requests, as every host
//! uses it). Prints figures; asserts nothing.
//!   cargo bench -p gureum-engine --bench engine [-- --items N] [--json]
//! Figures: PutItem/s while loading, GetItem/s, and the latency distribution of a 100-item Query
//! on a table of N items (default 1,000,000: 10,000 partitions of 100 items). The workload is
//! `gureum_engine::bench::run`, the same code `scripts/bench-engine` runs as wasm in Chromium.

use std::time::Instant;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let items: u64 = args.iter().position(|a| a == "--items").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let start = Instant::now();
    let mut now = || start.elapsed().as_secs_f64() * 1000.0;
    let figures = gureum_engine::bench::run(items, 500_000, 20_000, &mut now).expect("benchmark workload failed");
    if args.iter().any(|a| a == "--json") {
        println!("{}", serde_json::to_string(&figures).unwrap_or_default());
    } else {
        for line in figures.lines() {
            println!("{line}");
        }
    }
}
