//! Execution environments and invocations on one thread. An environment is a boa context with
//! the prelude, the function's environment variables and its loaded handler; it keeps its
//! module scope between warm invocations. `Runner` methods take `&self` so an invocation can
//! nest inside another's AWS call (code invoking a function): each takes its environment out of
//! the map while it runs.

use std::{
    cell::RefCell,
    collections::{HashMap, HashSet},
    rc::Rc,
};

use boa_engine::{builtins::promise::PromiseState, context::ContextBuilder, Context, JsError, JsObject, JsString, JsValue, Script, Source};
use gureum_engine::kernel::runtime::{AwsDoor, InvokeJob, InvokeOutcome, InvokeResult};

use crate::{
    frame::{self, Frame, Stop},
    host::{self, Hooks, Jobs, Loader, VirtualClock},
};

const PRELUDE: &str = include_str!("prelude.js");
/// Loop iterations one call frame may run. boa cannot be interrupted by time, so this bounds
/// a runaway loop (a few seconds of work); tripping it is reported as the function timing out.
pub const LOOP_LIMIT: u64 = 10_000_000;
/// AWS gives a function's init phase 10 seconds.
const INIT_TIMEOUT_MS: f64 = 10_000.0;
const MIB: usize = 1024 * 1024;

struct Environment {
    context: Context,
    handler: JsObject,
    /// Live bytes the environment took to start (its share of "Max Memory Used").
    footprint: usize,
}

/// What the host gives the runtime: a monotonic clock (ms) and this thread's live heap bytes
/// (0 when the host does not count them).
#[derive(Clone, Copy)]
pub struct HostFns {
    pub clock: fn() -> f64,
    pub memory: fn() -> usize,
}

pub struct Runner {
    host: HostFns,
    envs: RefCell<HashMap<String, Environment>>,
    running: RefCell<HashSet<String>>,
    discarded_while_running: RefCell<HashSet<String>>,
}

fn init_error(error_type: &str, message: String) -> InvokeOutcome {
    InvokeOutcome::InitError { error_type: error_type.to_string(), error_message: message, trace: Vec::new() }
}

impl Runner {
    pub fn new(host: HostFns) -> Self {
        Runner { host, envs: RefCell::default(), running: RefCell::default(), discarded_while_running: RefCell::default() }
    }

    pub fn discard(&self, environment: &str) {
        if self.running.borrow().contains(environment) {
            self.discarded_while_running.borrow_mut().insert(environment.to_string());
        }
        self.envs.borrow_mut().remove(environment);
    }

    pub fn discard_all(&self) {
        let running: Vec<String> = self.running.borrow().iter().cloned().collect();
        self.discarded_while_running.borrow_mut().extend(running);
        self.envs.borrow_mut().clear();
    }

    /// How many environments are warm on this runner.
    pub fn environments(&self) -> usize {
        self.envs.borrow().len()
    }

    pub fn invoke(&self, job: &InvokeJob, door: &mut AwsDoor<'_>) -> InvokeResult {
        // SAFETY: the door is only used through the frame pushed below, which is popped before
        // this function returns; see `frame::call_aws`.
        let door: *mut AwsDoor<'static> = unsafe { std::mem::transmute::<*mut AwsDoor<'_>, *mut AwsDoor<'static>>(door as *mut AwsDoor<'_>) };
        let clock = self.host.clock;
        let memory = self.host.memory;
        let mut init_ms = None;
        let mut init_logs = Vec::new();
        let existing = if job.cold { None } else { self.envs.borrow_mut().remove(&job.environment) };
        let env = match existing {
            Some(env) => env,
            None => {
                let started = clock();
                let frame = Frame {
                    start_real: started,
                    waited: 0.0,
                    start_ms: job.start_ms,
                    timeout_ms: INIT_TIMEOUT_MS.min(job.timeout_ms as f64).max(1.0),
                    request_id: None,
                    logs: Vec::new(),
                    stop: None,
                    door,
                    files: job.code.clone(),
                    memory_limit: job.memory_mb as usize * MIB,
                    memory_base: memory(),
                    memory_peak: 0,
                    clock,
                    memory,
                };
                let (made, frame) = frame::scoped(frame, || start_environment(job));
                let spent = clock() - started;
                init_ms = Some(spent);
                let frame = frame.map(|f| (f.logs, f.stop, f.memory_peak)).unwrap_or_default();
                init_logs = frame.0;
                match (made, frame.1) {
                    (_, Some(Stop::Timeout)) => return self.failed_init(init_error("Runtime.InitTimeout", "Task timed out during init".into()), init_logs, spent),
                    (_, Some(Stop::OutOfMemory)) => {
                        return self.failed_init(init_error("Runtime.OutOfMemory", "Runtime exited with error: signal: killed".into()), init_logs, spent)
                    }
                    (Err(outcome), None) => return self.failed_init(outcome, init_logs, spent),
                    (Ok(mut env), None) => {
                        env.footprint = frame.2;
                        env
                    }
                }
            }
        };
        self.running.borrow_mut().insert(job.environment.clone());
        let frame = Frame {
            start_real: clock(),
            waited: 0.0,
            start_ms: job.start_ms,
            timeout_ms: job.timeout_ms as f64,
            request_id: Some(job.request_id.clone()),
            logs: Vec::new(),
            stop: None,
            door,
            files: job.code.clone(),
            memory_limit: (job.memory_mb as usize * MIB).saturating_sub(env.footprint),
            memory_base: memory(),
            memory_peak: 0,
            clock,
            memory,
        };
        let mut env = env;
        let (outcome, frame) = frame::scoped(frame, || run_invocation(&mut env, job));
        self.running.borrow_mut().remove(&job.environment);
        let (logs, stop, peak, duration) = match frame {
            Some(f) => {
                let d = f.elapsed();
                (f.logs, f.stop, f.memory_peak, d)
            }
            None => (Vec::new(), None, 0, 0.0),
        };
        let outcome = match stop {
            Some(Stop::Timeout) => InvokeOutcome::Timeout,
            Some(Stop::OutOfMemory) => InvokeOutcome::Error {
                error_type: "Runtime.OutOfMemory".into(),
                error_message: format!("RequestId: {} Error: Runtime exited with error: signal: killed", job.request_id),
                trace: Vec::new(),
            },
            None => outcome,
        };
        let duration_ms = match outcome {
            InvokeOutcome::Timeout => duration.min(job.timeout_ms as f64).max(job.timeout_ms as f64),
            _ => duration,
        };
        let max_memory_mb = ((env.footprint + peak).div_ceil(MIB)).max(1) as u32;
        let keep = matches!(outcome, InvokeOutcome::Ok(_) | InvokeOutcome::Error { .. }) && stop.is_none() && !self.discarded_while_running.borrow_mut().remove(&job.environment);
        if keep {
            self.envs.borrow_mut().insert(job.environment.clone(), env);
        }
        InvokeResult { outcome, logs, init_logs, init_ms, duration_ms, max_memory_mb }
    }

    fn failed_init(&self, outcome: InvokeOutcome, init_logs: Vec<gureum_engine::kernel::runtime::LogLine>, spent: f64) -> InvokeResult {
        InvokeResult { outcome, logs: Vec::new(), init_logs, init_ms: Some(spent), duration_ms: 0.0, max_memory_mb: 1 }
    }
}

/// Lambda's error object for a JS error value.
fn describe(context: &mut Context, value: JsValue) -> (String, String, Vec<String>) {
    let described = host::call_hook(context, "describeError", &[value.clone()]).ok().and_then(|v| v.to_json(context).ok().flatten());
    match described {
        Some(d) => (
            d.get("errorType").and_then(|v| v.as_str()).unwrap_or("Error").to_string(),
            d.get("errorMessage").and_then(|v| v.as_str()).unwrap_or("").to_string(),
            d.get("trace").and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|l| l.as_str().map(str::to_string)).collect()).unwrap_or_default(),
        ),
        None => ("Error".into(), value.display().to_string(), Vec::new()),
    }
}

fn js_error_outcome(context: &mut Context, e: JsError, init: bool) -> InvokeOutcome {
    let (error_type, error_message, trace) = match e.as_opaque() {
        Some(v) => describe(context, v.clone()),
        None => match e.try_native(context) {
            Ok(native) => {
                let name = match native.kind {
                    boa_engine::JsNativeErrorKind::Syntax => "SyntaxError",
                    boa_engine::JsNativeErrorKind::Type => "TypeError",
                    boa_engine::JsNativeErrorKind::Range => "RangeError",
                    boa_engine::JsNativeErrorKind::Reference => "ReferenceError",
                    _ => "Error",
                };
                (name.to_string(), native.message().to_string(), vec![e.to_string()])
            }
            Err(_) => ("Error".into(), e.to_string(), Vec::new()),
        },
    };
    if init {
        // Node's runtime reports syntax errors in the code as Runtime.UserCodeSyntaxError.
        if error_type == "SyntaxError" {
            return InvokeOutcome::InitError { error_type: "Runtime.UserCodeSyntaxError".into(), error_message: format!("SyntaxError: {error_message}"), trace };
        }
        return InvokeOutcome::InitError { error_type, error_message, trace };
    }
    InvokeOutcome::Error { error_type, error_message, trace }
}

/// Whether a JS error is the runtime's own stop (deadline, memory, loop limit).
fn is_stop(e: &JsError) -> bool {
    e.as_native().is_some_and(|n| matches!(n.kind, boa_engine::JsNativeErrorKind::RuntimeLimit))
}

fn start_environment(job: &InvokeJob) -> Result<Environment, InvokeOutcome> {
    let loader = Rc::new(Loader::default());
    let mut context = ContextBuilder::new()
        .job_executor(Rc::new(Jobs::default()))
        .module_loader(loader.clone())
        .clock(Rc::new(VirtualClock))
        .host_hooks(Rc::new(Hooks))
        .build()
        .map_err(|e| init_error("Runtime.Unknown", e.to_string()))?;
    context.runtime_limits_mut().set_loop_iteration_limit(LOOP_LIMIT);
    host::install_natives(&mut context).map_err(|e| init_error("Runtime.Unknown", e.to_string()))?;
    context.eval(Source::from_bytes(PRELUDE).with_path(std::path::Path::new("/var/runtime/prelude.js"))).map_err(|e| init_error("Runtime.Unknown", format!("prelude: {e}")))?;
    let vars = serde_json::to_value(&job.variables).unwrap_or_default();
    let vars = JsValue::from_json(&vars, &mut context).map_err(|e| init_error("Runtime.Unknown", e.to_string()))?;
    host::call_hook(&mut context, "setEnv", &[vars]).map_err(|e| init_error("Runtime.Unknown", e.to_string()))?;
    precompile(&mut context, &job.code);
    let handler = load_handler(&mut context, &loader, &job.handler).map_err(|outcome| match outcome {
        Loaded::Outcome(o) => o,
        Loaded::Js(e) => {
            if is_stop(&e) {
                // The frame's stop (if any) decides; a loop-limit trip is a timeout.
                frame::with(|f| {
                    f.stop.get_or_insert(Stop::Timeout);
                });
            }
            js_error_outcome(&mut context, e, true)
        }
    })?;
    Ok(Environment { context, handler, footprint: 0 })
}

/// Names of built-in modules a source mentions (`'@aws-sdk/client-dynamodb'`, ...).
fn mentioned_modules(text: &str, out: &mut Vec<String>) {
    for prefix in ["@aws-sdk/", "@gureum/"] {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            let tail = &rest[at..];
            let len =
                tail.char_indices().find(|&(i, c)| i >= prefix.len() && !(c.is_ascii_alphanumeric() || c == '-' || c == '/' || c == '@')).map(|(i, _)| i).unwrap_or(tail.len());
            out.push(tail[..len].to_string());
            rest = &tail[prefix.len()..];
        }
    }
}

/// Compiles the package's CommonJS files and the built-in modules its code mentions (and what
/// they require), before any code runs: boa evaluates a script under its own path only at top
/// level, and a path in every stack line is what makes errors readable. Anything not compiled
/// here (a computed `require`) is compiled when required, by indirect eval.
fn precompile(context: &mut Context, bundle: &gureum_engine::kernel::runtime::CodeBundle) {
    let mut sources: Vec<(String, String)> = Vec::new();
    let mut wanted = Vec::new();
    for (name, bytes) in &bundle.files {
        let is_code = name.ends_with(".js") || name.ends_with(".mjs") || name.ends_with(".cjs");
        if !is_code {
            continue;
        }
        let text = String::from_utf8_lossy(bytes).into_owned();
        mentioned_modules(&text, &mut wanted);
        let path = format!("/var/task/{name}");
        if name.ends_with(".cjs") || (name.ends_with(".js") && !host::is_esm(&path)) {
            sources.push((path, text));
        }
    }
    let mut seen = HashSet::new();
    while let Some(name) = wanted.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(text) = crate::modules::source(&name) {
            mentioned_modules(text, &mut wanted);
            sources.push((format!("/var/runtime/node_modules/{name}.js"), text.to_string()));
        }
    }
    for (path, text) in sources {
        let wrapped = format!("(function (exports, require, module, __filename, __dirname) {{{text}\n}})");
        let Ok(script) = Script::parse(Source::from_bytes(wrapped.as_bytes()).with_path(std::path::Path::new(&path)), None, context) else {
            // A syntax error shows when the file is required.
            continue;
        };
        if let Ok(f) = script.evaluate(context) {
            let _ = host::call_hook(context, "precompiled", &[JsValue::from(JsString::from(path.as_str())), f]);
        }
    }
}

enum Loaded {
    Outcome(InvokeOutcome),
    Js(JsError),
}

impl From<JsError> for Loaded {
    fn from(e: JsError) -> Self {
        Loaded::Js(e)
    }
}

/// Loads the handler as Lambda's Node.js runtime does: `path/file.export` names
/// `/var/task/path/file.{js,mjs,cjs}` and an export (nested with dots) of it.
fn load_handler(context: &mut Context, loader: &Loader, handler: &str) -> Result<JsObject, Loaded> {
    let (dir, base) = match handler.rsplit_once('/') {
        Some((d, b)) => (format!("{d}/"), b),
        None => (String::new(), handler),
    };
    let Some((module, export)) = base.split_once('.') else {
        return Err(Loaded::Outcome(init_error("Runtime.MalformedHandlerName", format!("Bad handler {handler}: missing a function name after the module (use file.function)"))));
    };
    let candidates = [format!("{dir}{module}.js"), format!("{dir}{module}.mjs"), format!("{dir}{module}.cjs")];
    let Some(file) = candidates.iter().find(|c| frame::with(|f| f.files.files.contains_key(c.as_str())).unwrap_or(false)) else {
        return Err(Loaded::Outcome(init_error("Runtime.ImportModuleError", format!("Error: Cannot find module '{dir}{module}'\nRequire stack:\n- /var/runtime/index.mjs"))));
    };
    let path = format!("/var/task/{file}");
    let exports: JsValue = if host::is_esm(&path) {
        let m = loader.source_module(&path, context)?;
        let promise = m.load_link_evaluate(context);
        context.run_jobs()?;
        match promise.state() {
            PromiseState::Fulfilled(_) => m.namespace(context).into(),
            PromiseState::Rejected(e) => return Err(Loaded::Js(JsError::from_opaque(e))),
            PromiseState::Pending => return Err(Loaded::Outcome(init_error("Runtime.ImportModuleError", "Error: the module's top-level await never settled".into()))),
        }
    } else {
        host::call_hook(context, "requireFile", &[JsValue::from(JsString::from(path.as_str()))])?
    };
    let mut value = exports;
    for part in export.split('.') {
        value = match value.as_object() {
            Some(o) => o.get(JsString::from(part), context)?,
            None => JsValue::undefined(),
        };
    }
    match value.as_object().filter(|o| o.is_callable()) {
        Some(f) => Ok(f.clone()),
        None => Err(Loaded::Outcome(init_error("Runtime.HandlerNotFound", format!("{module}.{export} is undefined or not exported")))),
    }
}

fn get(obj: &JsObject, key: &str, context: &mut Context) -> JsValue {
    obj.get(JsString::from(key), context).unwrap_or_default()
}

fn run_invocation(env: &mut Environment, job: &InvokeJob) -> InvokeOutcome {
    let context = &mut env.context;
    let c = serde_json::json!({
        "functionName": job.function_name,
        "functionVersion": job.function_version,
        "invokedFunctionArn": job.invoked_function_arn,
        "memoryMb": job.memory_mb,
        "requestId": job.request_id,
        "logGroupName": job.log_group_name,
        "logStreamName": job.log_stream_name,
        "timeoutMs": job.timeout_ms,
        "clientContext": job.client_context.as_ref().and_then(|b64| {
            use base64_decode::decode;
            decode(b64).and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        }),
    });
    let c = match JsValue::from_json(&c, context) {
        Ok(v) => v,
        Err(e) => return js_error_outcome(context, e, false),
    };
    let payload = String::from_utf8_lossy(&job.payload).into_owned();
    let state = match host::call_hook(context, "invoke", &[env.handler.clone().into(), JsValue::from(JsString::from(payload.as_str())), c]) {
        Ok(s) => s,
        Err(e) if is_stop(&e) => return stop_outcome(&e),
        Err(e) => return js_error_outcome(context, e, false),
    };
    let Some(state) = state.as_object() else {
        return InvokeOutcome::Error { error_type: "Runtime.Unknown".into(), error_message: "the invoke driver returned no state".into(), trace: Vec::new() };
    };
    loop {
        if let Err(e) = context.run_jobs() {
            if is_stop(&e) {
                return stop_outcome(&e);
            }
        }
        if host::stopped().is_some() {
            return InvokeOutcome::Timeout;
        }
        let done = get(&state, "done", context).to_boolean();
        let wait = get(&state, "waitForEmptyLoop", context).to_boolean();
        if done && !wait {
            break;
        }
        let pending = host::call_hook(context, "timersPending", &[]).ok().and_then(|v| v.as_number()).unwrap_or(0.0);
        if pending < 1.0 {
            break;
        }
        match host::call_hook(context, "runTimer", &[]) {
            Ok(_) => {}
            Err(e) if is_stop(&e) => return stop_outcome(&e),
            // An exception a timer callback throws is uncaught: the invocation fails with it.
            Err(e) => return js_error_outcome(context, e, false),
        }
    }
    let done = get(&state, "done", context).to_boolean();
    if !done {
        // The handler neither returned nor called back, and nothing is left to run: Node's
        // runtime ends the invocation with a null result.
        return InvokeOutcome::Ok(b"null".to_vec());
    }
    let result = get(&state, "result", context);
    if get(&state, "error", context).to_boolean() {
        let d = result.to_json(context).ok().flatten().unwrap_or_default();
        return InvokeOutcome::Error {
            error_type: d.get("errorType").and_then(|v| v.as_str()).unwrap_or("Error").to_string(),
            error_message: d.get("errorMessage").and_then(|v| v.as_str()).unwrap_or("").to_string(),
            trace: d.get("trace").and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|l| l.as_str().map(str::to_string)).collect()).unwrap_or_default(),
        };
    }
    let text = result.as_string().map(|s| s.to_std_string_escaped()).unwrap_or_else(|| "null".into());
    InvokeOutcome::Ok(text.into_bytes())
}

/// The code was stopped: the frame says why (deadline, memory). Otherwise boa's own limits
/// tripped: too deep a recursion is Node's RangeError (uncatchable here, unlike V8's), and the
/// loop-iteration limit counts as running past the deadline.
fn stop_outcome(e: &JsError) -> InvokeOutcome {
    if host::stopped().is_none() {
        let message = e.as_native().map(|n| n.message().to_string()).unwrap_or_default();
        if message.contains("recursive calls") || message.contains("call stack length") {
            return InvokeOutcome::Error {
                error_type: "RangeError".into(),
                error_message: "Maximum call stack size exceeded".into(),
                trace: vec!["RangeError: Maximum call stack size exceeded".into()],
            };
        }
    }
    frame::with(|f| {
        f.stop.get_or_insert(Stop::Timeout);
    });
    InvokeOutcome::Timeout
}

/// Small base64 decoding for ClientContext without another dependency.
mod base64_decode {
    pub fn decode(s: &str) -> Option<Vec<u8>> {
        let val = |c: u8| -> Option<u32> {
            Some(match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' | b'-' => 62,
                b'/' | b'_' => 63,
                _ => return None,
            } as u32)
        };
        let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=' && !b.is_ascii_whitespace()).collect();
        let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
        for chunk in bytes.chunks(4) {
            let mut acc = 0u32;
            for (i, &c) in chunk.iter().enumerate() {
                acc |= val(c)? << (18 - 6 * i);
            }
            let n = chunk.len();
            out.push((acc >> 16) as u8);
            if n > 2 {
                out.push((acc >> 8) as u8);
            }
            if n > 3 {
                out.push(acc as u8);
            }
        }
        Some(out)
    }
}
