//! The cost of the Amazon States Language core per state: one Pass state's full processing
//! pipeline (InputPath → Parameters with paths, a `$$` path and an intrinsic → Result →
//! ResultPath → OutputPath) on a small input, with the definition parsed once, as the
//! interpreter will run it; then a Choice rule, a path selection and the definition's parse and
//! validation. The interpreter's goal is ≥100,000 state transitions per second, so one pipeline
//! must cost a few µs.
//!
//! `cargo run --release -p gureum-engine --example asl_bench [-- ITERATIONS]`

use std::{hint::black_box, time::Instant};

use gureum_engine::services::stepfunctions::asl::{
    choice::Rule,
    definition::{Definition, Kind},
    path::Path,
};
use serde_json::json;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFINITION: &str = r#"{
  "StartAt": "Enrich",
  "States": {
    "Enrich": {
      "Type": "Pass",
      "InputPath": "$.order",
      "Parameters": { "id.$": "$.id", "total.$": "$.total", "execution.$": "$$.Execution.Name", "label.$": "States.Format('order {}', $.id)", "source": "bench" },
      "ResultPath": "$.enriched",
      "OutputPath": "$",
      "End": true
    }
  }
}"#;

fn per_op(label: &str, n: u32, mut f: impl FnMut()) {
    for _ in 0..n / 10 {
        f();
    }
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    let ns = t.elapsed().as_nanos() as f64 / n as f64;
    println!("{label:<58} {:>9.2} µs/op {:>12.0} ops/s", ns / 1000.0, 1e9 / ns);
}

fn main() {
    let n: u32 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(200_000);
    let def = Definition::parse(DEFINITION).expect("valid definition");
    let state = def.machine.state("Enrich").expect("state");
    let Kind::Pass(pass) = &state.kind else { unreachable!() };
    let input = json!({ "order": { "id": "o-1234", "total": 42.5, "items": [ {"sku": "a", "qty": 1}, {"sku": "b", "qty": 2} ] }, "customer": "c-9" });
    let context = json!({ "Execution": { "Name": "exec-1", "Id": "arn:aws:states:us-east-1:123456789012:execution:m:exec-1" }, "State": { "Name": "Enrich" } });
    let mut random = || 4u64;

    println!("ASL core, {n} iterations each (release build, one core)");
    per_op("Pass pipeline: InputPath+Parameters(4 paths)+ResultPath", n, || {
        let prep = state.data.prepare(black_box(&input), &context, &mut random).expect("prepare");
        let result = pass.result.clone().unwrap_or(prep.effective_input);
        black_box(state.data.finish(&input, result, &context, &mut random).expect("finish"));
    });
    per_op("same, output only (finish_output: no intermediate copies)", n, || {
        let prep = state.data.prepare(black_box(&input), &context, &mut random).expect("prepare");
        let result = pass.result.clone().unwrap_or(prep.effective_input);
        black_box(state.data.finish_output(input.clone(), result, &context, &mut random).expect("finish"));
    });
    let rule = Rule::parse(
        json!({"And": [{"Variable": "$.order.total", "NumericGreaterThan": 10}, {"Variable": "$.customer", "StringMatches": "c-*"}]}).as_object().expect("object"),
        &[],
    )
    .expect("rule");
    per_op("Choice rule: And(NumericGreaterThan, StringMatches)", n, || {
        black_box(rule.eval(black_box(&input), &context).expect("eval"));
    });
    let path = Path::parse("$.order.items[1].sku").expect("path");
    per_op("definite path $.order.items[1].sku (select, clone)", n, || {
        black_box(path.select(black_box(&input), &context).expect("select"));
    });
    per_op("parse + validate the one-state definition", n / 10, || {
        black_box(Definition::parse(black_box(DEFINITION)).expect("valid"));
    });
}
