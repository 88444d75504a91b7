//! AWS Lambda (REST-JSON, API version 2015-03-31).
//!
//! State: per region, functions by name, each with its `$LATEST` configuration, published
//! versions, aliases, reserved concurrency, tags and asynchronous-invocation settings; packages
//! once per SHA-256; queued asynchronous events; the console's saved test events. Records:
//! `lambda/{region}/function/{name}` (JSON), `lambda/{region}/code/{sha256 hex}` (the zip),
//! `lambda/{region}/event/{id}` (JSON), `lambda/{region}/testevent/{function}/{name}` (the event
//! JSON; the sandbox's own, like the console's shareable test events).
//!
//! Execution environments are not records: like AWS's, they do not survive (a reloaded sandbox
//! starts cold). Code runs on the host's runtime through the kernel ([`crate::kernel::runtime`]):
//! Invoke answers with a [`Step::Run`] and finishes in [`Service::resume`].

pub mod code;
mod environment;
pub mod errors;
pub mod esm;
pub mod esm_stream;
mod event_invoke;
pub mod filter;
pub mod function;
mod invoke;
mod manage;
pub mod metrics;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_test_events;

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::Value;

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{CodeBundle, Continuation, Resumed, Step},
    scheduler::Timer,
    service::{Cx, Service, TimerNote},
};
use environment::Environments;
use function::Function;

/// Virtual time a new function spends Pending, and an update InProgress, before it is Active.
pub const TRANSITION_MS: i64 = 1_000;

#[derive(Default)]
pub struct RegionState {
    pub functions: BTreeMap<String, Function>,
    /// Deployment packages by base64 SHA-256: the zip and its files.
    pub packages: HashMap<String, Package>,
    /// Asynchronous invocations waiting for their (next) attempt, by id.
    pub events: BTreeMap<String, event_invoke::QueuedEvent>,
    pub environments: Environments,
    pub metrics: metrics::Metrics,
    /// Event source mappings by UUID.
    pub mappings: BTreeMap<String, esm::Mapping>,
    /// Saved test events by function, then by name (`lambda:PutTestEvent`).
    pub test_events: BTreeMap<String, BTreeMap<String, Value>>,
}

/// Where Lambda was when it asked the kernel for something.
pub enum Cont {
    /// An invocation is running.
    Run(invoke::Running),
    /// CreateEventSourceMapping asked SQS about the queue.
    EsmCreate(Box<Value>),
    /// A poller asked SQS for messages.
    EsmReceived(String),
    /// A stream poller asked for the stream's shards, an iterator, or records.
    StreamDescribed(String),
    StreamIterator(String),
    StreamRecords(String),
}

pub struct Package {
    pub zip: Vec<u8>,
    pub bundle: Arc<CodeBundle>,
}

#[derive(Default)]
pub struct Lambda {
    regions: BTreeMap<String, RegionState>,
}

fn function_key(region: &str, name: &str) -> String {
    format!("lambda/{region}/function/{name}")
}

fn code_key(region: &str, sha_b64: &str) -> String {
    use base64::Engine as _;
    let raw = B64.decode(sha_b64).unwrap_or_default();
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    format!("lambda/{region}/code/{hex}")
}

fn event_key(region: &str, id: &str) -> String {
    format!("lambda/{region}/event/{id}")
}

fn test_event_key(region: &str, function: &str, name: &str) -> String {
    format!("lambda/{region}/testevent/{function}/{name}")
}

impl Lambda {
    pub fn new() -> Self {
        Lambda::default()
    }

    fn region(&mut self, region: &str) -> &mut RegionState {
        self.regions.entry(region.to_string()).or_default()
    }

    /// Journals a function's record after a change.
    fn save_function(cx: &mut Cx, f: &Function) {
        cx.journal.put_json(function_key(cx.region, &f.name), f);
    }

    /// Drops packages no configuration of the region refers to any more.
    fn collect_packages(cx: &mut Cx, state: &mut RegionState) {
        let used: std::collections::HashSet<&str> =
            state.functions.values().flat_map(|f| std::iter::once(&f.latest).chain(f.versions.values())).map(|c| c.code_sha256.as_str()).collect();
        let unused: Vec<String> = state.packages.keys().filter(|k| !used.contains(k.as_str())).cloned().collect();
        for sha in unused {
            state.packages.remove(&sha);
            cx.journal.delete(code_key(cx.region, &sha));
        }
    }
}

/// Operations of the Lambda API this build does not implement yet: an honest error naming
/// them, never a silent partial answer.
const NOT_YET: &[&str] = &[
    "AddLayerVersionPermission",
    "AddPermission",
    "CreateCodeSigningConfig",
    "CreateFunctionUrlConfig",
    "DeleteFunctionUrlConfig",
    "DeleteLayerVersion",
    "DeleteProvisionedConcurrencyConfig",
    "GetFunctionUrlConfig",
    "GetLayerVersion",
    "GetPolicy",
    "GetProvisionedConcurrencyConfig",
    "ListFunctionUrlConfigs",
    "ListLayers",
    "ListLayerVersions",
    "ListProvisionedConcurrencyConfigs",
    "PublishLayerVersion",
    "PutProvisionedConcurrencyConfig",
    "RemovePermission",
    "UpdateFunctionUrlConfig",
    "InvokeWithResponseStream",
];

impl Service for Lambda {
    fn name(&self) -> &'static str {
        "lambda"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match self.call_step(cx, operation, input)? {
            Step::Done(v) => Ok(v),
            // Only Invoke suspends, and the kernel always calls `call_step`.
            _ => Err(AwsError::internal("Invoke must go through the kernel's call_step")),
        }
    }

    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        if !input.is_object() {
            return Err(AwsError::new("", "SerializationException", "The request body must be a JSON object.", 400));
        }
        let state = self.regions.entry(cx.region.to_string()).or_default();
        let done = |r: Result<Value, AwsError>| r.map(Step::Done);
        match operation {
            "Invoke" => invoke::invoke(cx, state, input),
            "CreateFunction" => done(manage::create_function(cx, state, input)),
            "GetFunction" => done(manage::get_function(cx, state, input)),
            "GetFunctionConfiguration" => done(manage::get_function_configuration(cx, state, input)),
            "ListFunctions" => done(manage::list_functions(cx, state, input)),
            "DeleteFunction" => done(manage::delete_function(cx, state, input)),
            "UpdateFunctionCode" => done(manage::update_function_code(cx, state, input)),
            "UpdateFunctionConfiguration" => done(manage::update_function_configuration(cx, state, input)),
            "PublishVersion" => done(manage::publish_version(cx, state, input)),
            "ListVersionsByFunction" => done(manage::list_versions(cx, state, input)),
            "CreateAlias" => done(manage::create_alias(cx, state, input)),
            "GetAlias" => done(manage::get_alias(cx, state, input)),
            "UpdateAlias" => done(manage::update_alias(cx, state, input)),
            "DeleteAlias" => done(manage::delete_alias(cx, state, input)),
            "ListAliases" => done(manage::list_aliases(cx, state, input)),
            "PutFunctionConcurrency" => done(manage::put_concurrency(cx, state, input)),
            "GetFunctionConcurrency" => done(manage::get_concurrency(cx, state, input)),
            "DeleteFunctionConcurrency" => done(manage::delete_concurrency(cx, state, input)),
            "GetAccountSettings" => done(manage::account_settings(cx, state)),
            "TagResource" => done(manage::tag_resource(cx, state, input)),
            "UntagResource" => done(manage::untag_resource(cx, state, input)),
            "ListTags" => done(manage::list_tags(cx, state, input)),
            "PutFunctionEventInvokeConfig" => done(event_invoke::put_config(cx, state, input, false)),
            "UpdateFunctionEventInvokeConfig" => done(event_invoke::put_config(cx, state, input, true)),
            "CreateEventSourceMapping" => esm::create(cx, state, input),
            "GetEventSourceMapping" => done(esm::get(cx, state, input)),
            "ListEventSourceMappings" => done(esm::list(cx, state, input)),
            "UpdateEventSourceMapping" => done(esm::update(cx, state, input)),
            "DeleteEventSourceMapping" => done(esm::delete(cx, state, input)),
            "GetFunctionEventInvokeConfig" => done(event_invoke::get_config(cx, state, input)),
            "DeleteFunctionEventInvokeConfig" => done(event_invoke::delete_config(cx, state, input)),
            "ListFunctionEventInvokeConfigs" => done(event_invoke::list_configs(cx, state, input)),
            op if NOT_YET.contains(&op) => Err(AwsError::unknown_operation(format!("Gureum does not simulate Lambda's {op} yet."))),
            _ => Err(AwsError::unknown_operation(format!("Unknown operation {operation}"))),
        }
    }

    fn control(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        let state = self.regions.entry(cx.region.to_string()).or_default();
        manage::control(cx, state, operation, input)
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let state = self.regions.entry(cx.region.to_string()).or_default();
        let Ok(cont) = then.downcast::<Cont>() else {
            return Err(AwsError::internal("Lambda resumed with another service's continuation"));
        };
        match (*cont, result) {
            (Cont::Run(running), Resumed::Ran(r)) => invoke::resume(cx, state, running, r),
            (Cont::EsmCreate(input), Resumed::Called(answer)) => esm::create_checked(cx, state, &input, answer),
            (Cont::EsmReceived(uuid), Resumed::Called(answer)) => esm::received(cx, state, &uuid, answer),
            (Cont::StreamDescribed(uuid), Resumed::Called(answer)) => esm_stream::described(cx, state, &uuid, answer),
            (Cont::StreamIterator(uuid), Resumed::Called(answer)) => esm_stream::iterator(cx, state, &uuid, answer),
            (Cont::StreamRecords(uuid), Resumed::Called(answer)) => esm_stream::records(cx, state, &uuid, answer),
            _ => Err(AwsError::internal("Lambda resumed with the wrong kind of result")),
        }
    }

    fn fire(&mut self, cx: &mut Cx, timer: &Timer) {
        let state = self.region(&timer.region);
        manage::fire_transition(cx, state, &timer.payload);
    }

    /// Retries of asynchronous invocations and functions' state transitions (not event source
    /// mappings' polls).
    fn describe_timer(&self, timer: &Timer) -> Option<TimerNote> {
        let p = &timer.payload;
        let state = self.regions.get(&timer.region)?;
        if let Some(id) = p.get("event").and_then(Value::as_str) {
            let e = state.events.get(id)?;
            return (e.attempts > 0).then(|| TimerNote { kind: "retry", text: format!("Asynchronous invocation of {} is retried (attempt {})", e.function, e.attempts + 1) });
        }
        if let Some(f) = p.get("function").and_then(Value::as_str) {
            return match p.get("transition").and_then(Value::as_str) {
                Some("ready") => TimerNote::new("transition", format!("Function {f} becomes Active")),
                Some("updated") => TimerNote::new("transition", format!("The update of function {f} completes")),
                _ => None,
            };
        }
        if p.get("transition").is_some() {
            return TimerNote::new("transition", format!("Event source mapping {} settles", p.get("esm").and_then(Value::as_str).unwrap_or("?")));
        }
        None
    }

    fn fire_step(&mut self, cx: &mut Cx, timer: &Timer) -> Step {
        if timer.payload.get("esm").is_some() {
            let state = self.region(&timer.region);
            return esm::fire(cx, state, &timer.payload);
        }
        if timer.payload.get("event").is_some() {
            let state = self.region(&timer.region);
            return event_invoke::attempt(cx, state, &timer.payload);
        }
        self.fire(cx, timer);
        Step::Done(Value::Null)
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (region, state) in &self.regions {
            for f in state.functions.values() {
                out.push(Record { key: function_key(region, &f.name), value: serde_json::to_vec(f).unwrap_or_default() });
            }
            for (sha, p) in &state.packages {
                out.push(Record { key: code_key(region, sha), value: p.zip.clone() });
            }
            for (id, e) in &state.events {
                out.push(Record { key: event_key(region, id), value: serde_json::to_vec(e).unwrap_or_default() });
            }
            for (uuid, m) in &state.mappings {
                out.push(Record { key: esm::key(region, uuid), value: serde_json::to_vec(m).unwrap_or_default() });
            }
            for (function, events) in &state.test_events {
                for (name, event) in events {
                    out.push(Record { key: test_event_key(region, function, name), value: serde_json::to_vec(event).unwrap_or_default() });
                }
            }
            for (function, buckets) in &state.metrics {
                for (minute, b) in buckets {
                    out.push(Record { key: metrics::key(region, function, *minute), value: serde_json::to_vec(b).unwrap_or_default() });
                }
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let mut parts = key.splitn(4, '/');
        let (_, region, kind, id) = (parts.next(), parts.next().ok_or("no region")?, parts.next().ok_or("no kind")?, parts.next().ok_or("no id")?);
        let state = self.region(region);
        match kind {
            "function" => {
                let f: Function = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                state.functions.insert(id.to_string(), f);
            }
            "code" => {
                let bundle = code::unzip(value).map_err(|e| e.0)?;
                state.packages.insert(code::sha256_base64(value), Package { zip: value.to_vec(), bundle: Arc::new(bundle) });
            }
            "event" => {
                let e = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                state.events.insert(id.to_string(), e);
            }
            "esm" => {
                let m: esm::Mapping = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                state.mappings.insert(id.to_string(), m);
            }
            "testevent" => {
                let (function, name) = id.split_once('/').ok_or("bad test event key")?;
                let event: Value = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                state.test_events.entry(function.to_string()).or_default().insert(name.to_string(), event);
            }
            "metrics" => {
                let (function, minute) = id.rsplit_once('/').ok_or("bad metrics key")?;
                let minute: i64 = minute.parse().map_err(|_| "bad metrics minute")?;
                let b: metrics::Bucket = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                state.metrics.entry(function.to_string()).or_default().insert(minute, b);
            }
            _ => return Err(format!("unknown Lambda record kind '{kind}'")),
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.regions.clear();
    }

    fn record_to_json(&self, key: &str, value: &[u8]) -> Result<Value, String> {
        if key.contains("/code/") {
            return Ok(serde_json::json!({ "ZipFile": B64.encode(value) }));
        }
        serde_json::from_slice(value).map_err(|e| e.to_string())
    }

    fn record_from_json(&self, key: &str, value: &Value) -> Result<Vec<u8>, String> {
        if key.contains("/code/") {
            let text = value.get("ZipFile").and_then(Value::as_str).ok_or("a code record needs ZipFile")?;
            return B64.decode(text).map_err(|e| e.to_string());
        }
        serde_json::to_vec(value).map_err(|e| e.to_string())
    }
}
