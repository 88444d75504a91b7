//! Browser tests of the worker's pieces, run in a real dedicated worker in headless Chromium:
//! the IndexedDB segment store, the group-commit host, and Lambda functions running on the
//! worker's JavaScript runtime.
#![cfg(target_arch = "wasm32")]

use std::{cell::RefCell, rc::Rc};

use gureum_engine::{Change, Record};
use gureum_worker::{
    host::{Host, Post, ReplyTo},
    idb::IdbStore,
};
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn put(k: &str, v: &str) -> Change {
    Change::Put { key: k.into(), value: v.as_bytes().to_vec() }
}

fn unique(name: &str) -> String {
    format!("test-{name}-{}", (js_sys::Math::random() * 1e12) as u64)
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let g: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let _ = g.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

#[wasm_bindgen_test]
async fn commits_survive_reopen_and_checkpoint_replaces_the_log() {
    let name = unique("store");
    let (mut store, records, _) = IdbStore::open(&name).await.unwrap();
    assert!(records.is_empty());
    store.commit(&[put("a/1", "one"), put("a/2", "two")]).await.unwrap();
    store.commit(&[Change::Delete { key: "a/1".into() }, put("b/1", "three")]).await.unwrap();
    store.close();

    let (mut store, records, stats) = IdbStore::open(&name).await.unwrap();
    let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["a/2", "b/1"]);
    assert_eq!(stats.segments, 2);

    let snapshot = vec![Record { key: "c/1".into(), value: b"only".to_vec() }];
    store.checkpoint(&snapshot).await.unwrap();
    assert_eq!(store.segment_count().await.unwrap(), 1, "old segments are gone");
    store.commit(&[put("c/2", "after")]).await.unwrap();
    store.close();

    let (store, records, _) = IdbStore::open(&name).await.unwrap();
    let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["c/1", "c/2"]);
    assert!(!store.wants_checkpoint(), "a small log after a checkpoint needs no compaction");
    store.close();
    IdbStore::delete_database(&name).await.unwrap();
}

type Outbox = Rc<RefCell<Vec<(Option<ReplyTo>, Value)>>>;

fn collecting_post() -> (Post, Outbox) {
    let out: Outbox = Rc::new(RefCell::new(Vec::new()));
    let o = out.clone();
    let post: Post = Rc::new(move |to: Option<&ReplyTo>, text: String| {
        o.borrow_mut().push((to.cloned(), serde_json::from_str(&text).unwrap_or(Value::Null)));
    });
    (post, out)
}

async fn reply(out: &Outbox, id: u64) -> Value {
    for _ in 0..200 {
        if let Some((_, v)) = out.borrow().iter().find(|(_, v)| v["id"] == id) {
            return v.clone();
        }
        sleep(10).await;
    }
    panic!("no reply to {id}");
}

#[wasm_bindgen_test]
async fn host_replies_after_commit_and_reloads_from_indexeddb() {
    let sandbox = unique("host");
    let (post, out) = collecting_post();
    let host = Host::start(&sandbox, post).await;
    assert_eq!(host.borrow().status()["storage"], "indexeddb");
    let send = |id: u64, op: &str, input: Value| json!({"id": id, "kind": "aws", "service": "dynamodb", "operation": op, "region": "us-east-1", "input": input}).to_string();
    Host::handle(
        &host,
        &send(
            1,
            "CreateTable",
            json!({"TableName": "Web", "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
        ),
        ReplyTo::Local,
    );
    assert_eq!(reply(&out, 1).await["ok"]["TableDescription"]["TableStatus"], "CREATING");
    Host::handle(&host, &json!({"id": 2, "kind": "sim", "operation": "AdvanceClock", "input": {"seconds": 2}}).to_string(), ReplyTo::Local);
    reply(&out, 2).await;
    // Many writes at once: each reply comes only once its write is committed.
    for i in 0..50u64 {
        Host::handle(&host, &send(100 + i, "PutItem", json!({"TableName": "Web", "Item": {"k": {"S": format!("k{i}")}}})), ReplyTo::Tab(format!("tab{i}")));
    }
    for i in 0..50u64 {
        let v = reply(&out, 100 + i).await;
        assert_eq!(v["ok"], json!({}));
    }
    let to_tab = out.borrow().iter().find(|(_, v)| v["id"] == 100).map(|(t, _)| t.clone()).unwrap();
    assert_eq!(to_tab, Some(ReplyTo::Tab("tab0".into())));
    assert!(host.borrow().commits < 52, "group commit: {} commits for 52 writes", host.borrow().commits);
    // A bad message gets an error reply, and the host keeps going.
    Host::handle(&host, r#"{"id": 9, "kind": "aws", "service": "dynamodb"}"#, ReplyTo::Local);
    assert_eq!(reply(&out, 9).await["error"]["__type"], "ValidationException");
    drop(host);

    let (post, out) = collecting_post();
    let host = Host::start(&sandbox, post).await;
    Host::handle(&host, &send(3, "Scan", json!({"TableName": "Web", "Select": "COUNT"})), ReplyTo::Local);
    assert_eq!(reply(&out, 3).await["ok"]["Count"], 50);
}

#[wasm_bindgen_test]
async fn unusable_storage_falls_back_to_memory_and_says_why() {
    use indexed_db_futures::database::Database;
    // A database at a newer version than this build knows cannot be opened: storage unusable.
    let sandbox = unique("blocked");
    let db = Database::open(format!("gureum-{sandbox}").as_str()).with_version(99u8).await.unwrap();
    db.close();
    let (post, out) = collecting_post();
    let host = Host::start(&sandbox, post).await;
    let status = host.borrow().status();
    assert_eq!(status["storage"], "memory");
    assert!(status["reason"].as_str().unwrap_or_default().contains("IndexedDB is not available"), "{status}");
    // The sandbox still works, in memory, functions included.
    Host::handle(&host, &json!({"id": 1, "kind": "aws", "service": "dynamodb", "operation": "ListTables", "region": "us-east-1", "input": {}}).to_string(), ReplyTo::Local);
    assert_eq!(reply(&out, 1).await["ok"], json!({"TableNames": []}));
    deploy(&host, &out, 10, "mem", "export const handler = async (e) => e.n + 1;").await;
    let (v, payload, _) = invoke(&host, &out, 20, "mem", json!({"n": 41})).await;
    assert_eq!(v["ok"]["StatusCode"], 200, "{v}");
    assert_eq!(payload, "42");
}

fn lambda_msg(id: u64, op: &str, input: Value) -> String {
    json!({"id": id, "kind": "aws", "service": "lambda", "operation": op, "region": "us-east-1", "input": input}).to_string()
}

/// Creates function `name` with `index.mjs` and lets it become Active.
async fn deploy(host: &Rc<RefCell<Host>>, out: &Outbox, id: u64, name: &str, code: &str) {
    use base64::Engine as _;
    let files: std::collections::BTreeMap<String, Vec<u8>> = [("index.mjs".to_string(), code.as_bytes().to_vec())].into();
    let zip = base64::engine::general_purpose::STANDARD.encode(gureum_engine::services::lambda::code::zip(&files));
    let input = json!({"FunctionName": name, "Runtime": "nodejs22.x", "Role": "arn:aws:iam::123456789012:role/r", "Handler": "index.handler", "Code": {"ZipFile": zip}});
    Host::handle(host, &lambda_msg(id, "CreateFunction", input), ReplyTo::Local);
    assert_eq!(reply(out, id).await["ok"]["State"], "Pending");
    Host::handle(host, &json!({"id": id + 1, "kind": "sim", "operation": "AdvanceClock", "input": {"seconds": 2}}).to_string(), ReplyTo::Local);
    reply(out, id + 1).await;
}

/// Invokes with the log tail: (answer, payload text, log text).
async fn invoke(host: &Rc<RefCell<Host>>, out: &Outbox, id: u64, name: &str, event: Value) -> (Value, String, String) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    Host::handle(host, &lambda_msg(id, "Invoke", json!({"FunctionName": name, "Payload": b64.encode(event.to_string()), "LogType": "Tail"})), ReplyTo::Local);
    let v = reply(out, id).await;
    let text = |k: &str| String::from_utf8(b64.decode(v["ok"][k].as_str().unwrap_or_default()).unwrap_or_default()).unwrap_or_default();
    let (payload, log) = (text("Payload"), text("LogResult"));
    (v, payload, log)
}

#[wasm_bindgen_test]
async fn functions_run_in_the_worker_and_after_a_reload() {
    let sandbox = unique("lambda");
    let (post, out) = collecting_post();
    let host = Host::start(&sandbox, post).await;
    let code = "let calls = 0;\nexport const handler = async (event, context) => {\n  calls += 1;\n  console.log('calls', calls);\n  await new Promise((r) => setTimeout(r, 20));\n  if (event.fail) throw new Error('asked to');\n  return { calls, left: context.getRemainingTimeInMillis() > 0, now: Date.now() > 0 };\n};";
    deploy(&host, &out, 1, "web", code).await;
    let (v, payload, log) = invoke(&host, &out, 3, "web", json!({})).await;
    assert_eq!(v["ok"]["StatusCode"], 200, "{v}");
    assert_eq!(serde_json::from_str::<Value>(&payload).unwrap(), json!({"calls": 1, "left": true, "now": true}));
    assert!(log.contains("INFO\tcalls 1") && log.contains("Init Duration"), "{log}");
    // Warm: the module scope is kept; the timer's 20 ms count in the duration.
    let (_, payload, log) = invoke(&host, &out, 4, "web", json!({})).await;
    assert_eq!(serde_json::from_str::<Value>(&payload).unwrap()["calls"], 2);
    assert!(!log.contains("Init Duration"), "{log}");
    let report = log.lines().find(|l| l.starts_with("REPORT")).unwrap_or_default();
    let duration: f64 = report.split("Duration: ").nth(1).and_then(|d| d.split(' ').next()).and_then(|d| d.parse().ok()).unwrap_or(0.0);
    assert!(duration >= 20.0, "{report}");
    let (v, payload, _) = invoke(&host, &out, 5, "web", json!({"fail": true})).await;
    assert_eq!(v["ok"]["FunctionError"], "Unhandled");
    assert!(payload.contains("/var/task/index.mjs:6"), "{payload}");
    drop(host);

    // Another start (a reload, or another tab taking over) restores the engine with the runtime.
    let (post, out) = collecting_post();
    let host = Host::start(&sandbox, post).await;
    let (v, payload, log) = invoke(&host, &out, 6, "web", json!({})).await;
    assert_eq!(v["ok"]["StatusCode"], 200, "{v}");
    assert_eq!(serde_json::from_str::<Value>(&payload).unwrap()["calls"], 1, "a restored sandbox starts cold");
    assert!(log.contains("Init Duration"), "{log}");
}
