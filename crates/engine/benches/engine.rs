//! Engine benchmarks through the engine's doors (`Engine::call_json`, JSON text in and out as
//! `gureum serve` uses it, and `Engine::call` with JSON values). Prints figures; asserts nothing.
//!   cargo bench -p gureum-engine --bench engine [-- --items N] [--gets N] [--queries N] [--json]
//!   cargo bench -p gureum-engine --bench engine -- --streams [--items N] [--cpu-time] [--thp]
//!   cargo bench -p gureum-engine --bench engine -- --pitr [--items N] [--cpu-time]
//! `--cpu-time` times with the benchmark thread's CPU time (Linux: `/proc/thread-self/schedstat`,
//! user and kernel time, page faults included) instead of wall time, so a machine shared with
//! other work gives comparable figures: time the thread spends descheduled is not counted.
//! Figures: PutItem/s while loading, GetItem/s through each door, and the latency distribution
//! of a 100-item Query on a table of N items (default 1,000,000: 10,000 partitions of 100 items). The workload is
//! `gureum_engine::bench::run`, the same code `scripts/bench-engine` runs as wasm in Chromium.

use std::time::Instant;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// As `gureum serve` does (crates/server/src/main.rs): transparent huge pages off for this
/// process, so the figures are the server's (`--thp` keeps them on, to compare).
#[cfg(target_os = "linux")]
fn disable_transparent_huge_pages() {
    extern "C" {
        fn prctl(option: i32, arg2: u64, arg3: u64, arg4: u64, arg5: u64) -> i32;
    }
    // SAFETY: PR_SET_THP_DISABLE (41) sets a flag on this process; no pointers are passed.
    unsafe {
        prctl(41, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn disable_transparent_huge_pages() {}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--thp") {
        disable_transparent_huge_pages();
    }
    let arg = |name: &str, default: u64| -> u64 { args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default) };
    let items = arg("--items", 1_000_000);
    let start = Instant::now();
    let cpu_time = args.iter().any(|a| a == "--cpu-time");
    let mut now = || if cpu_time { thread_cpu_ms().expect("--cpu-time needs /proc/thread-self/schedstat (Linux)") } else { start.elapsed().as_secs_f64() * 1000.0 };
    if args.iter().any(|a| a == "--pitr") {
        // PutItem on a table with point-in-time recovery and without (default 200,000 writes each).
        let figures = gureum_engine::bench::pitr_overhead(arg("--items", 200_000), &mut now).expect("PITR benchmark failed");
        for line in figures.lines() {
            println!("{line}");
        }
        return;
    }
    if args.iter().any(|a| a == "--streams") {
        // PutItem with a DynamoDB stream on the table and without (default 200,000 writes each).
        let figures = gureum_engine::bench::stream_overhead(arg("--items", 200_000), &mut now).expect("stream benchmark failed");
        for line in figures.lines() {
            println!("{line}");
        }
        return;
    }
    let figures = gureum_engine::bench::run(items, arg("--gets", 500_000), arg("--queries", 20_000), &mut now).expect("benchmark workload failed");
    if args.iter().any(|a| a == "--json") {
        println!("{}", serde_json::to_string(&figures).unwrap_or_default());
    } else {
        for line in figures.lines() {
            println!("{line}");
        }
    }
}

/// The calling thread's CPU time in milliseconds: the first field of
/// `/proc/thread-self/schedstat` is the nanoseconds it has run on a CPU.
fn thread_cpu_ms() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e6)
}
