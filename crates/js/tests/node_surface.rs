//! The Node.js surface a handler may lean on: Buffer, TextEncoder, timers and the virtual clock,
//! process, require of JSON and bundled packages, handler styles, and the memory limit.

mod common;

use common::Sandbox;
use serde_json::json;

#[global_allocator]
static ALLOC: gureum_js::alloc::Counting<std::alloc::System> = gureum_js::alloc::Counting(std::alloc::System);

fn run(files: &[(&str, &str)], event: serde_json::Value, extra: serde_json::Value) -> (serde_json::Value, serde_json::Value, String) {
    let mut s = Sandbox::new();
    s.deploy("f", "index.handler", files, extra);
    s.invoke("f", event)
}

#[test]
fn buffers_and_text_encoding() {
    let (_, payload, _) = run(
        &[(
            "index.js",
            "exports.handler = async (e) => ({ b64: Buffer.from('구름 cloud').toString('base64'), back: Buffer.from(e.data, 'base64').toString('utf8'), hex: Buffer.from('hi').toString('hex'), enc: Array.from(new TextEncoder().encode('é')), dec: new TextDecoder().decode(new Uint8Array([0xea, 0xb5, 0xac])), btoa: btoa('ab'), isBuf: Buffer.isBuffer(Buffer.alloc(2)), json: JSON.stringify(Buffer.from('A')) });",
        )],
        json!({ "data": "7ZWc6riA" }),
        json!({}),
    );
    assert_eq!(payload["b64"], "6rWs66aEIGNsb3Vk");
    assert_eq!(payload["back"], "한글");
    assert_eq!(payload["hex"], "6869");
    assert_eq!(payload["enc"], json!([195, 169]));
    assert_eq!(payload["dec"], "구");
    assert_eq!(payload["btoa"], "YWI=");
    assert_eq!(payload["isBuf"], true);
    assert_eq!(payload["json"], "{\"type\":\"Buffer\",\"data\":[65]}");
}

#[test]
fn waits_cost_virtual_time_and_dates_follow_the_sandbox_clock() {
    let (_, payload, logs) = run(
        &[(
            "index.mjs",
            "export const handler = async (e, ctx) => { const t0 = Date.now(); const left0 = ctx.getRemainingTimeInMillis(); await new Promise((r) => setTimeout(r, 2000)); return { waited: Date.now() - t0, year: new Date().getUTCFullYear(), spent: left0 - ctx.getRemainingTimeInMillis() }; };",
        )],
        json!({}),
        json!({ "Timeout": 5 }),
    );
    let waited = payload["waited"].as_f64().unwrap_or(0.0);
    assert!((2000.0..2100.0).contains(&waited), "{payload}");
    assert_eq!(payload["year"], 2026, "the sandbox starts in 2026: {payload}");
    assert!(payload["spent"].as_f64().unwrap_or(0.0) >= 2000.0);
    let duration: f64 = logs.split("\tDuration: ").nth(1).and_then(|s| s.split(' ').next()).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    assert!(duration >= 2000.0, "the REPORT counts the wait: {logs}");
}

#[test]
fn require_json_packages_and_node_modules() {
    let (_, payload, _) = run(
        &[
            ("index.js", "const config = require('./config.json');\nconst slug = require('tiny-slug');\nconst path = require('path');\nconst { EventEmitter } = require('events');\nexports.handler = async () => { const em = new EventEmitter(); let heard = 0; em.on('x', (n) => heard += n); em.emit('x', 2); return { name: config.name, slug: slug('Hello World'), joined: path.join('/a', 'b', '../c'), heard, env: process.env.STAGE, fn: process.env.AWS_LAMBDA_FUNCTION_NAME }; };"),
            ("config.json", "{\"name\": \"gureum\"}"),
            ("node_modules/tiny-slug/package.json", "{\"main\": \"lib/slug.js\"}"),
            ("node_modules/tiny-slug/lib/slug.js", "module.exports = (s) => s.toLowerCase().replace(/ /g, '-');"),
        ],
        json!({}),
        json!({ "Environment": { "Variables": { "STAGE": "dev" } } }),
    );
    assert_eq!(payload, json!({ "name": "gureum", "slug": "hello-world", "joined": "/a/c", "heard": 2, "env": "dev", "fn": "f" }));
}

#[test]
fn missing_modules_fail_like_node() {
    let (out, payload, _) = run(&[("index.js", "const x = require('left-pad');\nexports.handler = async () => x;")], json!({}), json!({}));
    assert_eq!(out["FunctionError"], "Unhandled");
    assert_eq!(payload["errorType"], "Error");
    assert!(payload["errorMessage"].as_str().unwrap_or("").starts_with("Cannot find module 'left-pad'"), "{payload}");
}

#[test]
fn callback_waits_for_the_event_loop_unless_told_not_to() {
    let files = [(
        "index.js",
        "let later = 0;\nexports.handler = (e, ctx, cb) => { ctx.callbackWaitsForEmptyEventLoop = e.wait; setTimeout(() => { later += 1; console.log('LATER', later); }, 500); cb(null, { later }); };",
    )];
    let (_, payload, logs) = run(&files, json!({ "wait": true }), json!({}));
    assert_eq!(payload, json!({ "later": 0 }));
    assert!(logs.contains("LATER 1"), "the timer ran before the invocation ended: {logs}");
    let (_, _, logs) = run(&files, json!({ "wait": false }), json!({}));
    assert!(!logs.contains("LATER"), "the invocation ended at the callback: {logs}");
}

#[test]
fn returning_nothing_is_null_and_context_succeed_works() {
    let (_, payload, _) = run(&[("index.js", "exports.handler = async () => {};")], json!({}), json!({}));
    assert_eq!(payload, serde_json::Value::Null);
    let (_, payload, _) = run(&[("index.js", "exports.handler = (e, ctx) => { ctx.succeed({ ok: true }); };")], json!({}), json!({}));
    assert_eq!(payload, json!({ "ok": true }));
    let (out, payload, _) = run(&[("index.js", "exports.handler = async () => { throw 'plain string'; };")], json!({}), json!({}));
    assert_eq!(out["FunctionError"], "Unhandled");
    assert_eq!(payload["errorType"], "string");
    assert_eq!(payload["errorMessage"], "plain string");
}

#[test]
fn top_level_await_and_esm_imports_between_files() {
    let (_, payload, _) = run(
        &[
            ("index.mjs", "import { greet } from './lib/greet.mjs';\nimport helper from './lib/helper.js';\nconst ready = await Promise.resolve('ready');\nexport const handler = async (e) => ({ text: greet(e.name), ready, helper: helper.x });"),
            ("lib/greet.mjs", "export const greet = (n) => `안녕, ${n}`;"),
            ("lib/helper.js", "module.exports = { x: 42 };"),
        ],
        json!({ "name": "구름" }),
        json!({}),
    );
    assert_eq!(payload, json!({ "text": "안녕, 구름", "ready": "ready", "helper": 42 }));
}

#[test]
fn memory_is_bounded_by_the_memory_size() {
    let (out, payload, _) = run(
        &[("index.js", "exports.handler = async () => { const keep = []; for (let i = 0; i < 100000; i++) { keep.push('x'.repeat(4096) + i); if (i % 100 === 0) console.log(i); } return keep.length; };")],
        json!({}),
        json!({ "MemorySize": 128 }),
    );
    assert_eq!(out["FunctionError"], "Unhandled", "{payload}");
    assert_eq!(payload["errorType"], "Runtime.OutOfMemory", "{payload}");
}

#[test]
fn deep_recursion_is_a_range_error_not_a_crash() {
    let (out, payload, _) = run(&[("index.js", "const f = (n) => f(n + 1) + 1;\nexports.handler = async () => f(0);")], json!({}), json!({}));
    assert_eq!(out["FunctionError"], "Unhandled", "{payload}");
    assert!(payload["errorType"].as_str().is_some_and(|t| t == "RangeError" || t == "Error" || t == "InternalError"), "{payload}");
}
