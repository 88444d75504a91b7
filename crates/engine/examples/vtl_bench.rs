//! How long API Gateway mapping templates take in `gureum_engine::vtl`: parse once, then render
//! many times (API Gateway caches the parsed template per integration; the gateway's whole budget
//! is 50 µs per request). Prints figures; asserts only that the output is the JSON expected.
//!
//! `cargo run --release -p gureum-engine --example vtl_bench [-- iterations [name]]`

use std::hint::black_box;
use std::time::Instant;

use gureum_engine::vtl::{parse, Env, Params};
use serde_json::json;

#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A typical 20-line integration request template: $input.path walk, #foreach with
/// $foreach.hasNext, $util, $context, $stageVariables and $input.params.
const TYPICAL: &str = r#"#set($inputRoot = $input.path('$'))
{
  "TableName": "$stageVariables.table",
  "requestId": "$context.requestId",
  "sourceIp": "$context.identity.sourceIp",
  "user": "$util.escapeJavaScript($input.params('user'))",
  "Items": [
#foreach($elem in $inputRoot.items)
    {
      "id": {"S": "$elem.id"},
      "name": {"S": "$util.escapeJavaScript($elem.name).replaceAll("\\'", "'")"},
      "price": {"N": "$elem.price"}
    }#if($foreach.hasNext),#end

#end
  ],
  "count": $inputRoot.items.size()
#if($input.params('debug') == "true")
  ,"debug": true
#end
}
"#;

/// The SQS form body template: the smallest common case.
const SQS: &str = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)";

/// A passthrough-style template ($input.json of the whole body plus parameters).
const PASSTHROUGH: &str = r#"{
  "body" : $input.json('$'),
  "method": "$context.httpMethod",
  "id": "$input.params('id')",
  "cheap": $input.json('$.items[?(@.price < 10)].id')
}"#;

fn env() -> Env {
    Env {
        body: r#"{"items": [{"id": "a1", "name": "Widget", "price": 9.5}, {"id": "b2", "name": "Gadget's", "price": 12}, {"id": "c3", "name": "Gizmo", "price": 3.25}]}"#.into(),
        params: Params {
            path: vec![("id".into(), "42".into())],
            querystring: vec![("user".into(), "ann".into()), ("debug".into(), "true".into())],
            header: vec![("Host".into(), "example.com".into()), ("Content-Type".into(), "application/json".into())],
        },
        context: json!({"requestId": "c0ffee00-0000-4000-8000-000000000001", "httpMethod": "POST", "identity": {"sourceIp": "192.0.2.1"}}),
        stage_variables: json!({"table": "Orders"}).as_object().cloned().unwrap_or_default(),
        util_now_ms: 0,
    }
}

fn measure(name: &str, src: &str, n: u32) {
    let t = Instant::now();
    for _ in 0..n {
        black_box(parse(black_box(src)).expect("parses"));
    }
    let parse_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let tpl = parse(src).expect("parses");
    let out = tpl.render(&mut env()).expect("renders");
    if name != "sqs" {
        serde_json::from_str::<serde_json::Value>(&out).unwrap_or_else(|e| panic!("{name}: not JSON ({e}):\n{out}"));
    }
    // A fresh Env per render, as the gateway builds one per request (its clone is included).
    let base = env();
    let t = Instant::now();
    for _ in 0..n {
        let mut e = base.clone();
        black_box(tpl.render(&mut e).expect("renders"));
    }
    let render_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!("{name:<12} {:>3} lines  parse {parse_us:>6.2} µs  render {render_us:>6.2} µs  ({} bytes out)", src.lines().count(), out.len());
}

fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    println!("vtl_bench: {n} iterations each (render includes cloning the request's Env)");
    let only = std::env::args().nth(2);
    for (name, src) in [("typical", TYPICAL), ("passthrough", PASSTHROUGH), ("sqs", SQS)] {
        if only.as_deref().is_none_or(|o| o == name) {
            measure(name, src, n);
        }
    }
}
