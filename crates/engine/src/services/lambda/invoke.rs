//! Invoke: choosing the version and execution environment, the job for the host's runtime, and
//! what an invocation leaves behind (its answer, its CloudWatch Logs lines, retries and
//! destinations for asynchronous ones).

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::kernel::{
    error::AwsError,
    runtime::{InvokeJob, InvokeOutcome, InvokeResult, Step},
    service::Cx,
    time::iso8601,
    Request,
};

use super::{
    environment::Environment,
    errors::{conflict, service_error, too_many_requests, Validation},
    event_invoke,
    function::Function,
    manage::{self, ACCOUNT_CONCURRENCY},
    RegionState,
};

/// Synchronous request and response payloads: 6 MB.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// Asynchronous event payloads: 1 MB (raised from 256 KB in October 2025).
pub const MAX_ASYNC_PAYLOAD: usize = 1024 * 1024;
/// How deep invocations may nest (a function invoking a function invoking ...).
const MAX_DEPTH: u32 = 16;
/// `LogResult` carries the last 4 KB of the invocation's log.
const LOG_TAIL_BYTES: usize = 4096;

/// Where an invocation came from, to finish it.
pub enum Origin {
    Sync {
        log_tail: bool,
    },
    Async {
        event: String,
    },
    /// An event source mapping's batch: (message id, receipt handle) of each record.
    Esm {
        mapping: String,
        handles: Vec<(String, String)>,
    },
    /// A stream mapping's batch: the records' sequence numbers, the records, and the iterator
    /// after them.
    Stream {
        mapping: String,
        sequences: Vec<String>,
        records: Vec<Value>,
        next_iterator: Option<String>,
    },
}

/// The continuation of a running invocation.
pub struct Running {
    pub origin: Origin,
    pub function: String,
    pub version: String,
    pub environment: String,
    pub cold: bool,
    pub request_id: String,
    pub log_group: String,
    pub log_stream: String,
    pub start_ms: i64,
    pub memory_mb: u32,
    pub timeout_s: u32,
}

pub fn invoke(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Step, AwsError> {
    let mut v = Validation::default();
    let kind = v.string(input, "InvocationType", "invocationType", 0, usize::MAX).unwrap_or_else(|| "RequestResponse".into());
    let log_type = v.string(input, "LogType", "logType", 0, usize::MAX).unwrap_or_else(|| "None".into());
    let client_context = v.string(input, "ClientContext", "clientContext", 0, 3583);
    let payload = v.string(input, "Payload", "payload", 0, usize::MAX);
    if !["Event", "RequestResponse", "DryRun"].contains(&kind.as_str()) {
        v.constraint(Some(&kind), "invocationType", "Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
    }
    if !["None", "Tail"].contains(&log_type.as_str()) {
        v.constraint(Some(&log_type), "logType", "Member must satisfy enum value set: [None, Tail]");
    }
    v.finish()?;
    let n = manage::named(cx, input, true)?;
    let payload = match payload {
        Some(p) => B64.decode(p).map_err(|_| AwsError::new("", "SerializationException", "Payload is not valid base64.", 400))?,
        None => Vec::new(),
    };
    let limit = if kind == "Event" { MAX_ASYNC_PAYLOAD } else { MAX_SYNC_PAYLOAD };
    if payload.len() > limit {
        let op = if kind == "Event" { "InvokeAsync" } else { "InvokeFunction" };
        return Err(AwsError::new("", "RequestTooLargeException", format!("Request must be smaller than {limit} bytes for the {op} operation"), 413));
    }
    let payload = if payload.iter().all(u8::is_ascii_whitespace) { b"{}".to_vec() } else { payload };
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&payload) {
        return Err(AwsError::new("", "InvalidRequestContentException", format!("Could not parse request body into json: Could not parse payload into json: {e}"), 400));
    }
    let f = manage::find(cx, state, &n)?;
    let version = pick_version(cx, f, &n.qualifier)?;
    let config = f.config(&version).ok_or_else(|| AwsError::internal("resolved version missing"))?;
    if config.state == "Pending" {
        return Err(conflict("The operation cannot be performed at this time. The function is currently in the following state: Pending"));
    }
    match kind.as_str() {
        "DryRun" => Ok(Step::Done(json!({ "StatusCode": 204 }))),
        "Event" => {
            let name = f.name.clone();
            event_invoke::enqueue(cx, state, &name, n.qualifier.clone(), payload);
            Ok(Step::Done(json!({ "StatusCode": 202 })))
        }
        _ => {
            if cx.code_depth >= MAX_DEPTH {
                return Err(AwsError::new(
                    "",
                    "RecursiveInvocationException",
                    format!("Lambda has detected your function being invoked in a recursive loop ({MAX_DEPTH} nested invocations) and stopped your function's invocation."),
                    400,
                ));
            }
            let name = f.name.clone();
            let request_id = cx.rng.uuid();
            start(cx, state, &name, &version, payload, client_context, request_id, Origin::Sync { log_tail: log_type == "Tail" })
        }
    }
}

/// The version an invocation runs: an alias with weighted routing picks by chance.
pub fn pick_version(cx: &mut Cx, f: &Function, qualifier: &Option<String>) -> Result<String, AwsError> {
    if let Some(alias) = qualifier.as_ref().and_then(|q| f.aliases.get(q)) {
        if let Some((other, weight)) = alias.additional_weights.iter().next() {
            let roll = (cx.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if roll < *weight {
                return Ok(other.clone());
            }
        }
        return Ok(alias.function_version.clone());
    }
    manage::resolve_version(cx, f, qualifier)
}

/// Admits an invocation (concurrency), picks or starts an environment and hands the job to
/// the kernel.
#[allow(clippy::too_many_arguments)]
pub fn start(
    cx: &mut Cx,
    state: &mut RegionState,
    function: &str,
    version: &str,
    payload: Vec<u8>,
    client_context: Option<String>,
    request_id: String,
    origin: Origin,
) -> Result<Step, AwsError> {
    for env in state.environments.reclaim_idle(cx.now_ms) {
        cx.discard_environment(env);
    }
    let f = state.functions.get(function).ok_or_else(|| AwsError::internal("function vanished"))?;
    let busy = state.environments.busy(function);
    if let Some(reserved) = f.reserved_concurrency {
        if busy >= reserved {
            super::metrics::record(cx, &mut state.metrics, function, super::metrics::Sample::Throttle);
            return Err(too_many_requests("ReservedFunctionConcurrentInvocationLimitExceeded"));
        }
    } else {
        let reserved_elsewhere: u32 = state.functions.values().filter_map(|g| g.reserved_concurrency).sum();
        if state.environments.busy_total() >= ACCOUNT_CONCURRENCY - reserved_elsewhere {
            super::metrics::record(cx, &mut state.metrics, function, super::metrics::Sample::Throttle);
            return Err(too_many_requests("ConcurrentInvocationLimitExceeded"));
        }
    }
    let c = f.config(version).ok_or_else(|| AwsError::internal("version vanished"))?.clone();
    let package = state.packages.get(&c.code_sha256).ok_or_else(|| service_error("The function's deployment package is missing."))?;
    let code = package.bundle.clone();
    let arn = manage::arn(cx, function);
    let log_group = c.log_group.clone().unwrap_or_else(|| format!("/aws/lambda/{function}"));
    let (environment, log_stream, cold) = match state.environments.take_warm(function, version) {
        Some(env) => (env.id.clone(), env.log_stream.clone(), false),
        None => {
            let id = cx.rng.uuid();
            let day = &iso8601(cx.now_ms)[..10];
            let hex = cx.rng.token(b"0123456789abcdef", 32);
            let log_stream = format!("{}/[{version}]{hex}", day.replace('-', "/"));
            state.environments.start(Environment {
                id: id.clone(),
                function: function.to_string(),
                version: version.to_string(),
                log_stream: log_stream.clone(),
                busy: true,
                last_used_ms: cx.now_ms,
                invocations: 0,
            });
            (id, log_stream, true)
        }
    };
    let mut variables: BTreeMap<String, String> = c.environment.clone();
    for (k, val) in [
        ("AWS_REGION", cx.region.to_string()),
        ("AWS_DEFAULT_REGION", cx.region.to_string()),
        ("AWS_EXECUTION_ENV", format!("AWS_Lambda_{}", c.runtime)),
        ("AWS_LAMBDA_FUNCTION_NAME", function.to_string()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", c.memory_size.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", version.to_string()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", log_group.clone()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream.clone()),
        ("_HANDLER", c.handler.clone()),
        ("LAMBDA_TASK_ROOT", "/var/task".to_string()),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".to_string()),
        ("TZ", ":UTC".to_string()),
    ] {
        variables.insert(k.to_string(), val);
    }
    let invoked_arn = if version == "$LATEST" { arn.clone() } else { format!("{arn}:{version}") };
    let job = InvokeJob {
        environment: environment.clone(),
        cold,
        runtime: c.runtime.clone(),
        handler: c.handler.clone(),
        code,
        variables,
        timeout_ms: u64::from(c.timeout) * 1000,
        memory_mb: c.memory_size,
        request_id: request_id.clone(),
        function_name: function.to_string(),
        function_version: version.to_string(),
        invoked_function_arn: invoked_arn,
        log_group_name: log_group.clone(),
        log_stream_name: log_stream.clone(),
        region: cx.region.to_string(),
        start_ms: cx.now_ms,
        payload,
        client_context,
        role: c.role.clone(),
    };
    let running = Running {
        origin,
        function: function.to_string(),
        version: version.to_string(),
        environment,
        cold,
        request_id,
        log_group,
        log_stream,
        start_ms: cx.now_ms,
        memory_mb: c.memory_size,
        timeout_s: c.timeout,
    };
    Ok(Step::Run(Box::new(job), Box::new(super::Cont::Run(running))))
}

/// What an invocation returned, as Lambda reports it.
pub struct Finished {
    /// The response payload (the result, or Lambda's error object).
    pub payload: Vec<u8>,
    /// `Unhandled` when the function failed.
    pub function_error: Option<&'static str>,
    pub log_text: String,
}

pub fn resume(cx: &mut Cx, state: &mut RegionState, running: Running, result: InvokeResult) -> Result<Step, AwsError> {
    if let InvokeOutcome::Unavailable(message) = &result.outcome {
        state.environments.remove(&running.environment);
        cx.discard_environment(running.environment.clone());
        return match &running.origin {
            Origin::Sync { .. } => Err(service_error(message.clone())),
            // An asynchronous attempt that could not run is a failed attempt: retried, then
            // given up on (OnFailure), rather than left queued with no timer to wake it.
            Origin::Async { event } => {
                let payload = serde_json::to_vec(&json!({ "errorType": "ServiceException", "errorMessage": message })).unwrap_or_default();
                let failed = Finished { payload, function_error: Some("Unhandled"), log_text: String::new() };
                event_invoke::finished(cx, state, event, &running, &failed);
                Ok(Step::Done(Value::Null))
            }
            // The batch goes back to the queue after its visibility timeout.
            Origin::Esm { mapping, handles } => {
                super::esm::finished(cx, state, mapping, handles, true, &[]);
                Ok(Step::Done(Value::Null))
            }
            Origin::Stream { mapping, sequences, records, next_iterator } => {
                super::esm_stream::finished(cx, state, mapping, sequences, records, next_iterator.clone(), true, &[]);
                Ok(Step::Done(Value::Null))
            }
        };
    }
    let finished = finish(cx, state, &running, &result);
    match running.origin {
        Origin::Sync { log_tail } => {
            let mut out = json!({ "StatusCode": 200, "ExecutedVersion": running.version, "Payload": B64.encode(&finished.payload) });
            if let Some(e) = finished.function_error {
                out["FunctionError"] = json!(e);
            }
            if log_tail {
                let text = finished.log_text.as_bytes();
                let mut from = text.len().saturating_sub(LOG_TAIL_BYTES);
                while from < text.len() && (text[from] & 0xC0) == 0x80 {
                    from += 1;
                }
                out["LogResult"] = json!(B64.encode(&text[from..]));
            }
            Ok(Step::Done(out))
        }
        Origin::Async { ref event } => {
            event_invoke::finished(cx, state, event, &running, &finished);
            Ok(Step::Done(Value::Null))
        }
        Origin::Esm { ref mapping, ref handles } => {
            super::esm::finished(cx, state, mapping, handles, finished.function_error.is_some(), &finished.payload);
            Ok(Step::Done(Value::Null))
        }
        Origin::Stream { ref mapping, ref sequences, ref records, ref next_iterator } => {
            super::esm_stream::finished(cx, state, mapping, sequences, records, next_iterator.clone(), finished.function_error.is_some(), &finished.payload);
            Ok(Step::Done(Value::Null))
        }
    }
}

/// Releases the environment, writes the invocation's log lines to CloudWatch Logs, and turns
/// the runtime's outcome into Lambda's payload.
fn finish(cx: &mut Cx, state: &mut RegionState, r: &Running, result: &InvokeResult) -> Finished {
    let id = &r.request_id;
    let ts = |at: f64| iso8601(r.start_ms + at as i64);
    let mut lines: Vec<(f64, String)> = Vec::new();
    let init_ms = result.init_ms.unwrap_or(0.0);
    lines.extend(result.init_logs.iter().map(|l| (0.0, l.text.clone())));
    lines.push((0.0, format!("START RequestId: {id} Version: {}", r.version)));
    lines.extend(result.logs.iter().map(|l| (l.at_ms, l.text.clone())));
    let (payload, function_error, keep_environment) = match &result.outcome {
        InvokeOutcome::Ok(bytes) if bytes.len() > MAX_SYNC_PAYLOAD => {
            let msg = format!("Response payload size exceeded maximum allowed payload size ({MAX_SYNC_PAYLOAD} bytes).");
            (serde_json::to_vec(&json!({ "errorMessage": msg, "errorType": "Function.ResponseSizeTooLarge" })).unwrap_or_default(), Some("Unhandled"), true)
        }
        InvokeOutcome::Ok(bytes) => (bytes.clone(), None, true),
        InvokeOutcome::Error { error_type, error_message, trace } => {
            let body = json!({ "errorType": error_type, "errorMessage": error_message, "trace": trace });
            let logged = json!({ "errorType": error_type, "errorMessage": error_message, "stack": trace });
            lines.push((result.duration_ms, format!("{}\t{id}\tERROR\tInvoke Error \t{logged}", ts(result.duration_ms))));
            (serde_json::to_vec(&body).unwrap_or_default(), Some("Unhandled"), true)
        }
        InvokeOutcome::InitError { error_type, error_message, trace } => {
            let body = json!({ "errorType": error_type, "errorMessage": error_message, "trace": trace });
            let logged = json!({ "errorType": error_type, "errorMessage": error_message, "stack": trace });
            lines.insert(0, (0.0, format!("{}\tundefined\tERROR\tUncaught Exception \t{logged}", ts(0.0))));
            lines.insert(1, (0.0, format!("INIT_REPORT Init Duration: {init_ms:.2} ms\tPhase: init\tStatus: error\tError Type: {error_type}")));
            (serde_json::to_vec(&body).unwrap_or_default(), Some("Unhandled"), false)
        }
        InvokeOutcome::Timeout => {
            let seconds = format!("{}.00", r.timeout_s);
            lines.push((result.duration_ms, format!("{} {id} Task timed out after {seconds} seconds", ts(result.duration_ms))));
            let body = json!({ "errorType": "Sandbox.Timedout", "errorMessage": format!("RequestId: {id} Error: Task timed out after {seconds} seconds") });
            (serde_json::to_vec(&body).unwrap_or_default(), Some("Unhandled"), false)
        }
        InvokeOutcome::Unavailable(_) => (Vec::new(), Some("Unhandled"), false),
    };
    let end_at = result.duration_ms + init_ms;
    lines.push((end_at, format!("END RequestId: {id}")));
    // Since August 2025 Lambda bills the init phase of on-demand functions too.
    let billed = (result.duration_ms + init_ms).ceil().max(1.0) as u64;
    let mut report = format!(
        "REPORT RequestId: {id}\tDuration: {:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
        result.duration_ms, r.memory_mb, result.max_memory_mb
    );
    if r.cold {
        report.push_str(&format!("Init Duration: {init_ms:.2} ms\t"));
    }
    lines.push((end_at, report));
    if keep_environment {
        state.environments.release(&r.environment, cx.now_ms);
    } else {
        state.environments.remove(&r.environment);
        cx.discard_environment(r.environment.clone());
    }
    write_logs(cx, r, &lines);
    super::metrics::record(cx, &mut state.metrics, &r.function, super::metrics::Sample::Invocation { error: function_error.is_some(), duration_ms: result.duration_ms });
    let log_text: String = lines.iter().map(|(_, l)| format!("{l}\n")).collect();
    Finished { payload, function_error, log_text }
}

/// The log lines as CloudWatch Logs events, through the Logs API as Lambda itself writes them.
fn write_logs(cx: &mut Cx, r: &Running, lines: &[(f64, String)]) {
    if r.cold {
        cx.after(Request::new("logs", "CreateLogGroup", cx.region, json!({ "logGroupName": r.log_group })));
        cx.after(Request::new("logs", "CreateLogStream", cx.region, json!({ "logGroupName": r.log_group, "logStreamName": r.log_stream })));
    }
    let mut last = r.start_ms;
    let events: Vec<Value> = lines
        .iter()
        .map(|(at, text)| {
            last = last.max(r.start_ms + *at as i64);
            json!({ "timestamp": last, "message": format!("{text}\n") })
        })
        .collect();
    cx.after(Request::new("logs", "PutLogEvents", cx.region, json!({ "logGroupName": r.log_group, "logStreamName": r.log_stream, "logEvents": events })));
}
