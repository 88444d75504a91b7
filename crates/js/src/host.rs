//! What boa needs from its host, answered from the current [`frame`]: the virtual clock, the job
//! queue (which checks the deadline between jobs), the natives the prelude uses, and the ES
//! module loader over the deployment package and the built-in modules.

use std::{
    cell::RefCell,
    collections::{HashMap, VecDeque},
    path::Path,
    rc::Rc,
};

use boa_engine::{
    context::time::JsInstant,
    job::{GenericJob, Job, JobExecutor, NativeAsyncJob, PromiseJob},
    js_string,
    module::{ModuleLoader, Referrer, SyntheticModuleInitializer},
    native_function::NativeFunction,
    object::builtins::JsFunction,
    Context, JsError, JsNativeError, JsObject, JsResult, JsString, JsValue, Module, Source,
};

use crate::frame::{self, Stop};

/// `Date.now()` inside a function: the invocation's virtual start plus its elapsed time.
pub struct VirtualClock;

impl boa_engine::context::time::Clock for VirtualClock {
    fn now(&self) -> JsInstant {
        let ms = frame::with(|f| f.start_ms as f64 + f.elapsed()).unwrap_or(0.0).max(0.0);
        let d = std::time::Duration::from_micros((ms * 1000.0) as u64);
        JsInstant::new(d.as_secs(), d.subsec_nanos())
    }
}

/// Lambda's clock is UTC.
pub struct Hooks;

impl boa_engine::context::HostHooks for Hooks {
    fn local_timezone_offset_seconds(&self, _unix_time_seconds: i64) -> i32 {
        0
    }
}

/// The job queue: promise reactions first, in order. Between jobs it checks the invocation's
/// deadline and memory, and stops the code with an uncatchable error when either is exceeded.
#[derive(Default)]
pub struct Jobs {
    promise: RefCell<VecDeque<PromiseJob>>,
    generic: RefCell<VecDeque<GenericJob>>,
    asyncs: RefCell<Vec<NativeAsyncJob>>,
}

pub fn stop_error() -> JsError {
    JsNativeError::runtime_limit().with_message("Gureum stopped the code").into()
}

impl JobExecutor for Jobs {
    fn enqueue_job(self: Rc<Self>, job: Job, _context: &mut Context) {
        match job {
            Job::PromiseJob(p) => self.promise.borrow_mut().push_back(p),
            Job::GenericJob(g) => self.generic.borrow_mut().push_back(g),
            Job::AsyncJob(a) => self.asyncs.borrow_mut().push(a),
            // Only Atomics.waitAsync makes timeout jobs; functions have no shared memory.
            _ => {}
        }
    }

    fn run_jobs(self: Rc<Self>, context: &mut Context) -> JsResult<()> {
        loop {
            let asyncs = std::mem::take(&mut *self.asyncs.borrow_mut());
            for job in asyncs {
                let cell = RefCell::new(&mut *context);
                futures_lite::future::block_on(job.call(&cell))?;
            }
            let next = self.promise.borrow_mut().pop_front();
            if let Some(job) = next {
                if frame::with(|f| f.check()).flatten().is_some() {
                    self.clear();
                    return Err(stop_error());
                }
                if let Err(e) = job.call(context) {
                    if !e.is_catchable_by_us() {
                        self.clear();
                        return Err(e);
                    }
                }
                continue;
            }
            let next = self.generic.borrow_mut().pop_front();
            if let Some(job) = next {
                job.call(context)?;
                continue;
            }
            if self.asyncs.borrow().is_empty() {
                return Ok(());
            }
        }
    }
}

impl Jobs {
    fn clear(&self) {
        self.promise.borrow_mut().clear();
        self.generic.borrow_mut().clear();
        self.asyncs.borrow_mut().clear();
    }
}

trait Catchable {
    /// Whether an error a job returned is an ordinary JS error (the promise machinery already
    /// routed it) rather than a stop.
    fn is_catchable_by_us(&self) -> bool;
}

impl Catchable for JsError {
    fn is_catchable_by_us(&self) -> bool {
        !self.as_native().is_some_and(|n| matches!(n.kind, boa_engine::JsNativeErrorKind::RuntimeLimit))
    }
}

fn arg_string(args: &[JsValue], i: usize, context: &mut Context) -> JsResult<String> {
    Ok(args.get(i).cloned().unwrap_or_default().to_string(context)?.to_std_string_escaped())
}

/// Checks the frame and throws the uncatchable stop when the code must end.
fn checkpoint() -> JsResult<()> {
    match frame::with(|f| f.check()).flatten() {
        Some(_) => Err(stop_error()),
        None => Ok(()),
    }
}

/// `__gureum_log(level, text)`: one console line, in the Node.js runtime's format.
fn log(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let level = arg_string(args, 0, context)?;
    let text = arg_string(args, 1, context)?;
    frame::with(|f| {
        let at = f.elapsed();
        let ts = gureum_engine::kernel::time::iso8601(f.start_ms + at as i64);
        let id = f.request_id.clone().unwrap_or_else(|| "undefined".into());
        f.logs.push(gureum_engine::kernel::runtime::LogLine { at_ms: at, text: format!("{ts}\t{id}\t{level}\t{text}") });
    });
    checkpoint()?;
    Ok(JsValue::undefined())
}

fn elapsed(_: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsValue::from(frame::with(|f| f.elapsed()).unwrap_or(0.0)))
}

/// `__gureum_advance(due)`: a timer fires at `due` ms into the invocation.
fn advance(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let due = args.first().cloned().unwrap_or_default().to_number(context)?;
    frame::with(|f| {
        let now = f.elapsed();
        if due > now {
            f.waited += due - now;
        }
    });
    checkpoint()?;
    Ok(JsValue::undefined())
}

/// `__gureum_source(name)`: a built-in module's source, or null.
fn source(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let name = arg_string(args, 0, context)?;
    Ok(match crate::modules::source(&name) {
        Some(text) => JsValue::from(JsString::from(text)),
        None => JsValue::null(),
    })
}

/// `__gureum_file(path)`: a file of the deployment package (`/var/task/...`) as text, or null.
fn file(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let path = arg_string(args, 0, context)?;
    let text = path.strip_prefix("/var/task/").and_then(|p| frame::with(|f| f.files.files.get(p).map(|b| String::from_utf8_lossy(b).into_owned())).flatten());
    Ok(match text {
        Some(t) => JsValue::from(JsString::from(t.as_str())),
        None => JsValue::null(),
    })
}

/// `__gureum_stack()`: the current call stack, in V8's `    at name (path:line:col)` lines.
fn stack(_: &JsValue, _: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let mut out = String::new();
    for frame in context.stack_trace().take(10) {
        let loc = frame.position();
        let path = loc.path.to_string();
        if path.contains("/var/runtime/prelude.js") {
            continue;
        }
        let name = loc.function_name.to_std_string_escaped();
        let name = if name.is_empty() { "<anonymous>".to_string() } else { name };
        let (line, col) = loc.position.map(|p| (p.line_number(), p.column_number())).unwrap_or((0, 0));
        out.push_str(&format!("\n    at {name} ({path}:{line}:{col})"));
    }
    Ok(JsValue::from(JsString::from(out.as_str())))
}

/// `__gureum_aws(service, operation, inputJson)`: the engine's door, answering
/// `{"output": ..., "requestId": ...}` or `{"error": {...}, "requestId": ...}` as JSON text.
fn aws(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    checkpoint()?;
    let service = arg_string(args, 0, context)?;
    let operation = arg_string(args, 1, context)?;
    let input_text = arg_string(args, 2, context)?;
    let request_id = frame::with(|f| f.request_id.clone()).flatten().unwrap_or_default();
    let answer = match serde_json::from_str::<serde_json::Value>(&input_text) {
        Err(e) => serde_json::json!({ "error": { "name": "SerializationException", "message": e.to_string(), "status": 400 } }),
        Ok(input) => match frame::call_aws(&service, &operation, input) {
            Ok(output) => serde_json::json!({ "output": output, "requestId": request_id }),
            Err(e) => {
                let extra = e.extra.as_ref().map(|m| serde_json::Value::Object((**m).clone())).unwrap_or(serde_json::Value::Null);
                serde_json::json!({ "error": { "name": e.kind, "message": e.message, "status": e.status, "extra": extra }, "requestId": request_id })
            }
        },
    };
    checkpoint()?;
    Ok(JsValue::from(JsString::from(answer.to_string().as_str())))
}

pub fn install_natives(context: &mut Context) -> JsResult<()> {
    let natives: [(&str, usize, boa_engine::native_function::NativeFunctionPointer); 7] = [
        ("__gureum_aws", 3, aws),
        ("__gureum_log", 2, log),
        ("__gureum_elapsed", 0, elapsed),
        ("__gureum_advance", 1, advance),
        ("__gureum_source", 1, source),
        ("__gureum_file", 1, file),
        ("__gureum_stack", 0, stack),
    ];
    for (name, len, f) in natives {
        context.register_global_builtin_callable(JsString::from(name), len, NativeFunction::from_fn_ptr(f))?;
    }
    Ok(())
}

/// ES modules: `import` of package files (parsed as modules) and of built-in or CommonJS
/// modules (wrapped as synthetic modules over their exports).
#[derive(Default)]
pub struct Loader {
    cache: RefCell<HashMap<String, Module>>,
}

impl Loader {
    /// The module at a package path, parsed once.
    pub fn source_module(&self, path: &str, context: &mut Context) -> JsResult<Module> {
        if let Some(m) = self.cache.borrow().get(path) {
            return Ok(m.clone());
        }
        let text = path
            .strip_prefix("/var/task/")
            .and_then(|p| frame::with(|f| f.files.files.get(p).cloned()).flatten())
            .ok_or_else(|| JsNativeError::error().with_message(format!("Cannot find module '{path}'")))?;
        let module = Module::parse(Source::from_bytes(&text).with_path(Path::new(path)), None, context)?;
        self.cache.borrow_mut().insert(path.to_string(), module.clone());
        Ok(module)
    }

    fn commonjs_module(&self, key: &str, exports: JsValue, context: &mut Context) -> JsResult<Module> {
        if let Some(m) = self.cache.borrow().get(key) {
            return Ok(m.clone());
        }
        let mut names: Vec<JsString> = vec![js_string!("default")];
        if let Some(obj) = exports.as_object() {
            for key in obj.own_property_keys(context)? {
                if let boa_engine::property::PropertyKey::String(s) = key {
                    if s != js_string!("default") {
                        names.push(s);
                    }
                }
            }
        }
        let names_for_init = names.clone();
        let module = Module::synthetic(
            &names,
            SyntheticModuleInitializer::from_copy_closure_with_captures(
                |m, (exports, names), ctx| {
                    for name in names.iter() {
                        let value = if name == &js_string!("default") {
                            exports.clone()
                        } else {
                            match exports.as_object() {
                                Some(o) => o.get(name.clone(), ctx)?,
                                None => JsValue::undefined(),
                            }
                        };
                        m.set_export(name, value)?;
                    }
                    Ok(())
                },
                (exports, names_for_init),
            ),
            None,
            None,
            context,
        );
        self.cache.borrow_mut().insert(key.to_string(), module.clone());
        Ok(module)
    }
}

fn gureum_hook(context: &mut Context, name: &str) -> JsResult<(JsObject, JsFunction)> {
    let hooks = context.global_object().get(js_string!("__gureum"), context)?;
    let hooks = hooks.as_object().ok_or_else(|| JsNativeError::error().with_message("the prelude did not run"))?.clone();
    let f = hooks.get(JsString::from(name), context)?;
    let f = f.as_object().and_then(|o| JsFunction::from_object(o.clone())).ok_or_else(|| JsNativeError::error().with_message(format!("no hook {name}")))?;
    Ok((hooks, f))
}

/// Calls one of the prelude's `__gureum.*` hooks.
pub fn call_hook(context: &mut Context, name: &str, args: &[JsValue]) -> JsResult<JsValue> {
    let (this, f) = gureum_hook(context, name)?;
    f.call(&this.into(), args, context)
}

impl ModuleLoader for Loader {
    async fn load_imported_module(self: Rc<Self>, referrer: Referrer, specifier: JsString, context: &RefCell<&mut Context>) -> JsResult<Module> {
        let spec = specifier.to_std_string_escaped();
        let from = match &referrer {
            Referrer::Module(m) => m.path().map(|p| p.to_string_lossy().into_owned()),
            _ => None,
        }
        .unwrap_or_else(|| "/var/task/index.mjs".to_string());
        let context = &mut **context.borrow_mut();
        let relative = spec.starts_with("./") || spec.starts_with("../") || spec.starts_with('/');
        if relative {
            let resolved = call_hook(context, "resolve", &[JsValue::from(JsString::from(spec.as_str())), JsValue::from(JsString::from(from.as_str()))])?;
            let direct = {
                let dir = from.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                normalize(&format!("{dir}/{spec}"))
            };
            let path = if direct.ends_with(".mjs") || frame::with(|f| f.files.files.contains_key(direct.trim_start_matches("/var/task/"))).unwrap_or(false) && is_esm(&direct) {
                direct
            } else {
                match resolved.as_string() {
                    Some(p) => p.to_std_string_escaped(),
                    None => return Err(JsNativeError::error().with_message(format!("Cannot find module '{direct}' imported from {from}")).into()),
                }
            };
            if is_esm(&path) {
                return self.source_module(&path, context);
            }
            let exports = call_hook(context, "requireFile", &[JsValue::from(JsString::from(path.as_str()))])?;
            return self.commonjs_module(&format!("cjs:{path}"), exports, context);
        }
        let exports = call_hook(context, "require", &[JsValue::from(JsString::from(spec.as_str()))])?;
        self.commonjs_module(&format!("builtin:{spec}"), exports, context)
    }
}

/// Whether a package file is an ES module: `.mjs`, or `.js` under a package.json saying
/// `"type": "module"` (the nearest one, as Node looks).
pub fn is_esm(path: &str) -> bool {
    if path.ends_with(".mjs") {
        return true;
    }
    if !path.ends_with(".js") {
        return false;
    }
    let rel = path.trim_start_matches("/var/task/");
    let mut dir = rel.rsplit_once('/').map(|(d, _)| d.to_string());
    loop {
        let pkg = match &dir {
            Some(d) => format!("{d}/package.json"),
            None => "package.json".to_string(),
        };
        if let Some(text) = frame::with(|f| f.files.files.get(&pkg).cloned()).flatten() {
            return serde_json::from_slice::<serde_json::Value>(&text).ok().and_then(|v| v.get("type").and_then(|t| t.as_str().map(|s| s == "module"))).unwrap_or(false);
        }
        match dir {
            Some(d) => dir = d.rsplit_once('/').map(|(p, _)| p.to_string()),
            None => return false,
        }
    }
}

pub fn normalize(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            x => out.push(x),
        }
    }
    format!("/{}", out.join("/"))
}

pub fn stopped() -> Option<Stop> {
    frame::with(|f| f.stop).flatten()
}
