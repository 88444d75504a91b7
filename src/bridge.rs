//! The page's side of the worker: starts it, queues messages until it is ready (messages posted
//! before the worker listens are lost), matches replies to requests, and fans out events. It
//! also installs `window.gureum`, the page JavaScript API:
//!
//! - `gureum.send(service, operation, input, {region, credentials: {accessKeyId}}?)` → Promise of
//!   the AWS response object, rejected with `{__type, message}`. Without credentials the call is
//!   the account's root user's; with an STS session's or IAM user's access key id it is that
//!   principal's, checked against IAM (see the engine's `kernel/authz.rs`).
//! - `gureum.sim(operation, input?)` → Promise, the control API (`GetClock`, `AdvanceClock`, ...).
//! - `gureum.ready` → Promise of the worker's ready event (role, storage).
//! - `gureum.status()` → the latest ready/status event.

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    rc::Rc,
};

use js_sys::{Function, Object, Promise, Reflect, JSON};
use serde_json::Value;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

/// An error as the engine reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub kind: String,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// Events the worker sends without being asked.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerEvent {
    Ready(Value),
    Status(Value),
    Changed,
}

/// A subscriber to worker events.
pub type Listener = Rc<dyn Fn(&WorkerEvent)>;

pub struct Bridge {
    worker: Worker,
    next_id: Cell<u64>,
    pending: RefCell<HashMap<u64, (Function, Function)>>,
    queue: RefCell<Option<Vec<String>>>,
    listeners: RefCell<Vec<Listener>>,
    status: RefCell<Value>,
    ready: RefCell<Option<Function>>,
    ready_promise: Promise,
    /// The region the UI has selected; the default for `gureum.send`.
    pub region: RefCell<String>,
}

fn js_error(kind: &str, message: &str) -> JsValue {
    let o = Object::new();
    let _ = Reflect::set(&o, &"__type".into(), &kind.into());
    let _ = Reflect::set(&o, &"message".into(), &message.into());
    o.into()
}

impl Bridge {
    pub fn start(sandbox: &str) -> Result<Rc<Bridge>, String> {
        // index.html starts the default sandbox's worker before this wasm has loaded and keeps
        // what it says in `__gureumEarly`; adopt both.
        let window = web_sys::window().ok_or("no window")?;
        let early_worker = Reflect::get(&window, &"__gureumWorker".into()).ok().and_then(|w| w.dyn_into::<Worker>().ok()).filter(|_| sandbox == "default");
        let early: Vec<String> = Reflect::get(&window, &"__gureumEarly".into())
            .ok()
            .and_then(|a| a.dyn_into::<js_sys::Array>().ok())
            .map(|a| a.iter().filter_map(|v| v.as_string()).collect())
            .unwrap_or_default();
        let worker = match early_worker {
            Some(w) => w,
            None => {
                let opts = WorkerOptions::new();
                opts.set_type(WorkerType::Classic);
                Worker::new_with_options(&format!("./worker.js?sandbox={sandbox}"), &opts).map_err(|e| format!("cannot start the engine worker: {e:?}"))?
            }
        };
        let mut ready_resolve = None;
        let ready_promise = Promise::new(&mut |resolve, _| ready_resolve = Some(resolve));
        let bridge = Rc::new(Bridge {
            worker,
            next_id: Cell::new(1),
            pending: RefCell::new(HashMap::new()),
            queue: RefCell::new(Some(Vec::new())),
            listeners: RefCell::new(Vec::new()),
            status: RefCell::new(Value::Null),
            ready: RefCell::new(ready_resolve),
            ready_promise,
            region: RefCell::new("us-east-1".into()),
        });
        let b = bridge.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(text) = e.data().as_string() {
                b.receive(&text);
            }
        });
        bridge.worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        for text in early {
            bridge.receive(&text);
        }
        let b = bridge.clone();
        let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
            let v = serde_json::json!({"storage": "none", "reason": format!("the engine worker failed: {}", e.message())});
            b.emit(&WorkerEvent::Status(v));
        });
        bridge.worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        Ok(bridge)
    }

    fn emit(&self, event: &WorkerEvent) {
        if let WorkerEvent::Ready(v) | WorkerEvent::Status(v) = event {
            *self.status.borrow_mut() = v.clone();
        }
        let listeners: Vec<_> = self.listeners.borrow().clone();
        for l in listeners {
            l(event);
        }
    }

    fn receive(&self, text: &str) {
        let Ok(parsed) = JSON::parse(text) else { return };
        if let Some(event) = Reflect::get(&parsed, &"event".into()).ok().and_then(|v| v.as_string()) {
            let fields: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            match event.as_str() {
                "ready" => {
                    if let Some(queued) = self.queue.borrow_mut().take() {
                        for m in queued {
                            let _ = self.worker.post_message(&JsValue::from_str(&m));
                        }
                    }
                    if let Some(resolve) = self.ready.borrow_mut().take() {
                        let _ = resolve.call1(&JsValue::NULL, &parsed);
                    }
                    self.emit(&WorkerEvent::Ready(fields));
                }
                "status" => self.emit(&WorkerEvent::Status(fields)),
                "changed" => self.emit(&WorkerEvent::Changed),
                _ => {}
            }
            return;
        }
        let Some(id) = Reflect::get(&parsed, &"id".into()).ok().and_then(|v| v.as_f64()) else { return };
        let Some((resolve, reject)) = self.pending.borrow_mut().remove(&(id as u64)) else { return };
        let ok = Reflect::get(&parsed, &"ok".into()).unwrap_or(JsValue::UNDEFINED);
        if !ok.is_undefined() {
            let _ = resolve.call1(&JsValue::NULL, &ok);
        } else {
            let err = Reflect::get(&parsed, &"error".into()).unwrap_or_else(|_| js_error("InternalFailure", "malformed reply"));
            let _ = reject.call1(&JsValue::NULL, &err);
        }
    }

    pub fn subscribe(&self, f: Listener) {
        self.listeners.borrow_mut().push(f);
    }

    pub fn unsubscribe(&self, f: &Listener) {
        self.listeners.borrow_mut().retain(|l| !Rc::ptr_eq(l, f));
    }

    pub fn status(&self) -> Value {
        self.status.borrow().clone()
    }

    /// Sends a message built around `fields` and returns the Promise of its reply.
    fn request(&self, mut fields: Value) -> Promise {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        fields["id"] = Value::from(id);
        let text = fields.to_string();
        let mut slot = None;
        let promise = Promise::new(&mut |resolve, reject| slot = Some((resolve, reject)));
        if let Some(s) = slot {
            self.pending.borrow_mut().insert(id, s);
        }
        match self.queue.borrow_mut().as_mut() {
            Some(q) => q.push(text),
            None => {
                let _ = self.worker.post_message(&JsValue::from_str(&text));
            }
        }
        promise
    }

    pub fn send_promise(&self, service: &str, operation: &str, input: Value, region: Option<String>) -> Promise {
        self.send_promise_as(service, operation, input, region, None)
    }

    /// An AWS call signed with `access_key_id` (see `gureum.send`'s `credentials`).
    pub fn send_promise_as(&self, service: &str, operation: &str, input: Value, region: Option<String>, access_key_id: Option<String>) -> Promise {
        let region = region.unwrap_or_else(|| self.region.borrow().clone());
        let mut message = serde_json::json!({"kind": "aws", "service": service, "operation": operation, "region": region, "input": input});
        if let Some(key) = access_key_id {
            message["accessKeyId"] = Value::String(key);
        }
        self.request(message)
    }

    pub fn sim_promise(&self, operation: &str, input: Value) -> Promise {
        self.request(serde_json::json!({"kind": "sim", "operation": operation, "input": input}))
    }

    /// An AWS call from Rust.
    pub async fn send(&self, service: &str, operation: &str, input: Value) -> Result<Value, ApiError> {
        settle(self.send_promise(service, operation, input, None)).await
    }

    /// An AWS call from Rust in `region` rather than the selected one (an S3 bucket answers in
    /// its own region).
    pub async fn send_in(&self, service: &str, operation: &str, input: Value, region: &str) -> Result<Value, ApiError> {
        settle(self.send_promise(service, operation, input, Some(region.to_string()))).await
    }

    /// A control-API call from Rust.
    pub async fn sim(&self, operation: &str, input: Value) -> Result<Value, ApiError> {
        settle(self.sim_promise(operation, input)).await
    }

    /// Installs `window.gureum`.
    pub fn install_page_api(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else { return };
        let api = Object::new();
        let b = self.clone();
        let send = Closure::<dyn Fn(JsValue, JsValue, JsValue, JsValue) -> Promise>::new(move |service: JsValue, op: JsValue, input: JsValue, opts: JsValue| {
            let (Some(service), Some(op)) = (service.as_string(), op.as_string()) else {
                return Promise::reject(&js_error("ValidationException", "gureum.send(service, operation, input): service and operation must be strings"));
            };
            let input = if input.is_undefined() || input.is_null() { Ok(Value::Object(Default::default())) } else { to_value(&input) };
            let region = Reflect::get(&opts, &"region".into()).ok().and_then(|r| r.as_string());
            let key =
                Reflect::get(&opts, &"credentials".into()).ok().filter(|c| c.is_object()).and_then(|c| Reflect::get(&c, &"accessKeyId".into()).ok()).and_then(|k| k.as_string());
            match input {
                Ok(input) => b.send_promise_as(&service, &op, input, region, key),
                Err(m) => Promise::reject(&js_error("SerializationException", &m)),
            }
        });
        let b = self.clone();
        let sim = Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(move |op: JsValue, input: JsValue| {
            let Some(op) = op.as_string() else {
                return Promise::reject(&js_error("ValidationException", "gureum.sim(operation, input): operation must be a string"));
            };
            let input = if input.is_undefined() || input.is_null() { Ok(Value::Object(Default::default())) } else { to_value(&input) };
            match input {
                Ok(input) => b.sim_promise(&op, input),
                Err(m) => Promise::reject(&js_error("SerializationException", &m)),
            }
        });
        let b = self.clone();
        let status = Closure::<dyn Fn() -> JsValue>::new(move || JSON::parse(&b.status().to_string()).unwrap_or(JsValue::NULL));
        let _ = Reflect::set(&api, &"send".into(), send.as_ref());
        let _ = Reflect::set(&api, &"sim".into(), sim.as_ref());
        let _ = Reflect::set(&api, &"status".into(), status.as_ref());
        let _ = Reflect::set(&api, &"ready".into(), &self.ready_promise);
        let _ = Reflect::set(&window, &"gureum".into(), &api);
        send.forget();
        sim.forget();
        status.forget();
    }
}

fn to_value(v: &JsValue) -> Result<Value, String> {
    let text = JSON::stringify(v).map_err(|_| "input cannot be turned into JSON".to_string())?;
    let text: String = text.into();
    serde_json::from_str(&text).map_err(|e| format!("input is not JSON: {e}"))
}

async fn settle(p: Promise) -> Result<Value, ApiError> {
    match JsFuture::from(p).await {
        Ok(v) => to_value(&v).map_err(|m| ApiError { kind: "SerializationException".into(), message: m }),
        Err(e) => {
            let get = |k: &str| Reflect::get(&e, &k.into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
            Err(ApiError { kind: get("__type"), message: get("message") })
        }
    }
}
