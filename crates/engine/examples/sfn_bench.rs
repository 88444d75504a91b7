//! How fast the Step Functions interpreter runs, through the engine's door:
//!
//! - a chain of 100 Pass states (each with InputPath, Parameters and ResultPath) in Standard
//!   executions: every transition is a timer on the virtual clock, two history events and a
//!   journaled thread record, as a host runs it (`tick`, then draining the journal);
//! - the same chain as Express StartSyncExecution (no history, no journal);
//! - an inline Map over 10,000 items (Express StartSyncExecution; a Standard execution's history
//!   would pass AWS's 25,000-event limit), and over 5,000 items in a Standard execution.
//!
//! Prints figures; asserts nothing about time.
//!
//! cargo run --release -p gureum-engine --example sfn_bench

use std::time::Instant;

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

fn main() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    e.control(0, "PauseClock", &json!({})).unwrap();
    let states = 100;
    let def = chain(states);
    let standard = machine(&mut e, "chain", &def, "STANDARD");
    let express = machine(&mut e, "chain-x", &def, "EXPRESS");
    e.take_changes();

    // Standard: 200 executions of 100 transitions each.
    let runs = 200;
    let started = Instant::now();
    let mut journal_changes = 0usize;
    for i in 0..runs {
        call(&mut e, "StartExecution", json!({ "stateMachineArn": standard, "name": format!("x{i}"), "input": "{\"v\":1}" }));
        e.tick(0);
        journal_changes += e.take_changes().len();
    }
    let secs = started.elapsed().as_secs_f64();
    let transitions = (runs * states) as f64;
    let last = call(&mut e, "DescribeExecution", json!({ "executionArn": format!("arn:aws:states:us-east-1:123456789012:execution:chain:x{}", runs - 1) }));
    assert_eq!(last["status"], "SUCCEEDED");
    println!(
        "Standard Pass chain: {} transitions in {:.3} s = {:.0} transitions/s ({} journal changes, {:.1} per transition)",
        transitions,
        secs,
        transitions / secs,
        journal_changes,
        journal_changes as f64 / transitions
    );

    // Express, synchronous.
    let runs = 2_000;
    let started = Instant::now();
    for _ in 0..runs {
        let r = call(&mut e, "StartSyncExecution", json!({ "stateMachineArn": express, "input": "{\"v\":1}" }));
        debug_assert_eq!(r["status"], "SUCCEEDED");
    }
    let secs = started.elapsed().as_secs_f64();
    let transitions = (runs * states) as f64;
    println!("Express sync Pass chain: {} transitions in {:.3} s = {:.0} transitions/s", transitions, secs, transitions / secs);

    // Map over 10,000 items (Express sync) and 5,000 (Standard).
    let map = json!({ "StartAt": "M", "States": { "M": { "Type": "Map", "ItemsPath": "$.items", "ItemSelector": { "n.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index" },
        "ItemProcessor": { "StartAt": "Double", "States": { "Double": { "Type": "Pass", "Parameters": { "n.$": "States.MathAdd($.n, $.n)" }, "End": true } } }, "End": true } } });
    let mx = machine(&mut e, "map-x", &map, "EXPRESS");
    let items: Vec<u32> = (0..10_000).collect();
    let input = json!({ "items": items }).to_string();
    let started = Instant::now();
    let r = call(&mut e, "StartSyncExecution", json!({ "stateMachineArn": mx, "input": input }));
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(r["status"], "SUCCEEDED", "{}", r["cause"]);
    let out: Value = serde_json::from_str(r["output"].as_str().unwrap()).unwrap();
    assert_eq!(out.as_array().unwrap().len(), 10_000);
    assert_eq!(out[9_999]["n"], 19_998);
    println!("Inline Map over 10,000 items (Express sync): {:.3} s", secs);

    let ms = machine(&mut e, "map-s", &map, "STANDARD");
    let items: Vec<u32> = (0..5_000).collect();
    let input = json!({ "items": items }).to_string();
    e.take_changes();
    let started = Instant::now();
    let x = call(&mut e, "StartExecution", json!({ "stateMachineArn": ms, "input": input }))["executionArn"].as_str().unwrap().to_string();
    e.tick(0);
    let changes = e.take_changes().len();
    let secs = started.elapsed().as_secs_f64();
    let d = call(&mut e, "DescribeExecution", json!({ "executionArn": x }));
    assert_eq!(d["status"], "SUCCEEDED", "{}", d["cause"]);
    println!("Inline Map over 5,000 items (Standard, 20,006 history events, {changes} journal changes): {:.3} s", secs);
}
