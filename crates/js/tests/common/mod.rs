//! A sandbox with the JavaScript runtime attached, and helpers to deploy and invoke functions.
#![allow(dead_code)]

use std::{collections::BTreeMap, sync::Arc, time::Instant};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use gureum_engine::{
    kernel::{error::AwsError, Engine, EngineConfig, Request},
    services::lambda::code,
};
use gureum_js::{HostFns, ThreadedRuntime};
use serde_json::{json, Value};

fn clock() -> f64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

pub const HOST_NOW: i64 = 1_000_000;

pub struct Sandbox {
    pub engine: Engine,
}

impl Sandbox {
    pub fn new() -> Self {
        let mut engine = Engine::new(EngineConfig::default(), HOST_NOW);
        let runtime = ThreadedRuntime::spawn(HostFns { clock, memory: gureum_js::alloc::live_bytes }).expect("runtime thread");
        engine.set_runtime(Arc::new(runtime));
        engine.control(HOST_NOW, "PauseClock", &json!({})).expect("pause");
        Sandbox { engine }
    }

    pub fn call(&mut self, service: &str, op: &str, input: Value) -> Result<Value, AwsError> {
        self.engine.call(HOST_NOW, &Request::new(service, op, "us-east-1", input))
    }

    pub fn ok(&mut self, service: &str, op: &str, input: Value) -> Value {
        match self.call(service, op, input) {
            Ok(v) => v,
            Err(e) => panic!("{service}.{op} failed: {e}"),
        }
    }

    pub fn advance(&mut self, seconds: f64) {
        self.engine.control(HOST_NOW, "AdvanceClock", &json!({ "seconds": seconds })).expect("advance");
    }

    /// Creates a function from `files` and waits (in virtual time) until it is Active.
    pub fn deploy(&mut self, name: &str, handler: &str, files: &[(&str, &str)], extra: Value) -> Value {
        let mut input = json!({
            "FunctionName": name,
            "Runtime": "nodejs20.x",
            "Role": "arn:aws:iam::123456789012:role/lambda-role",
            "Handler": handler,
            "Code": { "ZipFile": zip_b64(files) },
        });
        if let (Some(o), Value::Object(e)) = (input.as_object_mut(), extra) {
            o.extend(e);
        }
        let out = self.ok("lambda", "CreateFunction", input);
        self.advance(2.0);
        out
    }

    /// Invokes synchronously with the log tail; returns (response, payload as JSON, log text).
    pub fn invoke(&mut self, name: &str, event: Value) -> (Value, Value, String) {
        let out = self.ok("lambda", "Invoke", json!({ "FunctionName": name, "Payload": B64.encode(event.to_string()), "LogType": "Tail" }));
        let payload = B64.decode(out["Payload"].as_str().unwrap_or("")).unwrap_or_default();
        let payload: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
        let logs = String::from_utf8(B64.decode(out["LogResult"].as_str().unwrap_or("")).unwrap_or_default()).unwrap_or_default();
        (out, payload, logs)
    }
}

pub fn zip_b64(files: &[(&str, &str)]) -> String {
    let map: BTreeMap<String, Vec<u8>> = files.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect();
    B64.encode(code::zip(&map))
}
