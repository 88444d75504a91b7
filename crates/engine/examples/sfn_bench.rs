//! How fast the Step Functions interpreter runs, through the engine's door:
//!
//! - a chain of 100 Pass states (each with InputPath, Parameters and ResultPath) in Standard
//!   executions: every transition is a timer on the virtual clock, two history events and a
//!   journaled thread record, as a host runs it (`tick`, then draining the journal);
//! - the same chain as Express StartSyncExecution (no history, no journal);
//! - an inline Map over 10,000 items (Express StartSyncExecution; a Standard execution's history
//!   would pass AWS's 25,000-event limit), and over 5,000 items in a Standard execution.
//!
//! Prints figures; asserts nothing about time. `--cpu-time` times with the benchmark thread's
//! CPU time (Linux: `/proc/thread-self/schedstat`) instead of wall time, so that a machine
//! shared with other work gives comparable figures; `--only standard|express|map` runs one part
//! (for a profiler).
//!
//! cargo run --release -p gureum-engine --example sfn_bench [-- --cpu-time] [--only standard]

use std::time::Instant;

// The allocator `gureum serve` uses (a host's choice, as in the other benchmarks).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use gureum_engine::{Engine, EngineConfig, Request};
use serde_json::{json, Value};

const REGION: &str = "us-east-1";
const ROLE: &str = "arn:aws:iam::123456789012:role/bench";

fn call(e: &mut Engine, op: &str, input: Value) -> Value {
    e.call(0, &Request::new("states", op, REGION, input)).unwrap_or_else(|err| panic!("{op}: {err}"))
}

fn chain(n: usize) -> Value {
    let mut states = serde_json::Map::new();
    for i in 0..n {
        let mut s = json!({ "Type": "Pass", "InputPath": "$", "Parameters": { "i": i, "v.$": "$.v" }, "ResultPath": "$.last" });
        if i + 1 < n {
            s["Next"] = json!(format!("S{}", i + 1));
        } else {
            s["End"] = json!(true);
        }
        states.insert(format!("S{i}"), s);
    }
    json!({ "StartAt": "S0", "States": states })
}

fn machine(e: &mut Engine, name: &str, def: &Value, kind: &str) -> String {
    call(e, "CreateStateMachine", json!({ "name": name, "definition": def.to_string(), "roleArn": ROLE, "type": kind }))["stateMachineArn"].as_str().unwrap().to_string()
}

/// The calling thread's CPU time in seconds: the first field of `/proc/thread-self/schedstat`
/// is the nanoseconds it has run on a CPU.
fn thread_cpu_secs() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

/// Wall time, or the thread's CPU time with `--cpu-time`.
struct Clock {
    cpu: bool,
}

impl Clock {
    fn now(&self) -> f64 {
        thread_local!(static START: Instant = Instant::now());
        if self.cpu {
            thread_cpu_secs().expect("--cpu-time needs /proc/thread-self/schedstat (Linux)")
        } else {
            START.with(|s| s.elapsed().as_secs_f64())
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let clock = Clock { cpu: args.iter().any(|a| a == "--cpu-time") };
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let run = |part: &str| only.as_deref().is_none_or(|o| o == part);
    println!("timing: {}", if clock.cpu { "thread CPU time" } else { "wall time" });
    let mut e = Engine::new(EngineConfig::default(), 0);
    e.control(0, "PauseClock", &json!({})).unwrap();
    let states = 100;
    let def = chain(states);
    let standard = machine(&mut e, "chain", &def, "STANDARD");
    let express = machine(&mut e, "chain-x", &def, "EXPRESS");
    e.take_changes();

    // Standard: 200 executions of 100 transitions each.
    if run("standard") {
        let runs = 200;
        let started = clock.now();
        let mut journal_changes = 0usize;
        let mut journal_bytes = 0usize;
        for i in 0..runs {
            call(&mut e, "StartExecution", json!({ "stateMachineArn": standard, "name": format!("x{i}"), "input": "{\"v\":1}" }));
            e.tick(0);
            let changes = e.take_changes();
            journal_changes += changes.len();
            journal_bytes += changes.iter().map(|c| c.approx_bytes()).sum::<usize>();
        }
        let secs = clock.now() - started;
        let transitions = (runs * states) as f64;
        let last = call(&mut e, "DescribeExecution", json!({ "executionArn": format!("arn:aws:states:us-east-1:123456789012:execution:chain:x{}", runs - 1) }));
        assert_eq!(last["status"], "SUCCEEDED");
        println!(
            "Standard Pass chain: {} transitions in {:.3} s = {:.0} transitions/s ({} journal changes, {:.1} and {:.0} bytes per transition)",
            transitions,
            secs,
            transitions / secs,
            journal_changes,
            journal_changes as f64 / transitions,
            journal_bytes as f64 / transitions
        );
    }

    // Express, synchronous.
    if run("express") {
        let runs = 2_000;
        let started = clock.now();
        for _ in 0..runs {
            let r = call(&mut e, "StartSyncExecution", json!({ "stateMachineArn": express, "input": "{\"v\":1}" }));
            debug_assert_eq!(r["status"], "SUCCEEDED");
        }
        let secs = clock.now() - started;
        let transitions = (runs * states) as f64;
        println!("Express sync Pass chain: {} transitions in {:.3} s = {:.0} transitions/s", transitions, secs, transitions / secs);
    }
    if !run("map") {
        return;
    }

    // Map over 10,000 items (Express sync) and 5,000 (Standard).
    let map = json!({ "StartAt": "M", "States": { "M": { "Type": "Map", "ItemsPath": "$.items", "ItemSelector": { "n.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index" },
        "ItemProcessor": { "StartAt": "Double", "States": { "Double": { "Type": "Pass", "Parameters": { "n.$": "States.MathAdd($.n, $.n)" }, "End": true } } }, "End": true } } });
    let mx = machine(&mut e, "map-x", &map, "EXPRESS");
    let items: Vec<u32> = (0..10_000).collect();
    let input = json!({ "items": items }).to_string();
    let started = clock.now();
    let r = call(&mut e, "StartSyncExecution", json!({ "stateMachineArn": mx, "input": input }));
    let secs = clock.now() - started;
    assert_eq!(r["status"], "SUCCEEDED", "{}", r["cause"]);
    let out: Value = serde_json::from_str(r["output"].as_str().unwrap()).unwrap();
    assert_eq!(out.as_array().unwrap().len(), 10_000);
    assert_eq!(out[9_999]["n"], 19_998);
    println!("Inline Map over 10,000 items (Express sync): {:.3} s", secs);

    let ms = machine(&mut e, "map-s", &map, "STANDARD");
    let items: Vec<u32> = (0..5_000).collect();
    let input = json!({ "items": items }).to_string();
    e.take_changes();
    let started = clock.now();
    let x = call(&mut e, "StartExecution", json!({ "stateMachineArn": ms, "input": input }))["executionArn"].as_str().unwrap().to_string();
    e.tick(0);
    let changes = e.take_changes().len();
    let secs = clock.now() - started;
    let d = call(&mut e, "DescribeExecution", json!({ "executionArn": x }));
    assert_eq!(d["status"], "SUCCEEDED", "{}", d["cause"]);
    println!("Inline Map over 5,000 items (Standard, 20,006 history events, {changes} journal changes): {:.3} s", secs);
}
