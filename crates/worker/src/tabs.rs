//! Many tabs, one sandbox. Each tab's worker asks for the Web Lock `gureum-{sandbox}`; the one
//! that holds it is the leader and owns the engine and IndexedDB. The others are followers: they
//! forward their page's requests over the BroadcastChannel of the same name and relay the
//! leader's replies and events. When the leader's tab closes, its lock is released and a waiting
//! follower takes over, loading the sandbox from IndexedDB, where every acknowledged change is.
//! So no two engines ever write the same sandbox.

use std::{cell::RefCell, collections::BTreeSet, rc::Rc};

use js_sys::{Function, Object, Promise, Reflect};
use serde_json::{json, Value};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use web_sys::{BroadcastChannel, DedicatedWorkerGlobalScope, MessageEvent};

use crate::{
    host::{Host, Post, ReplyTo},
    protocol,
};

enum Role {
    /// Waiting for the lock decision; page messages queue here.
    Starting(Vec<String>),
    Follower,
    Leader(Rc<RefCell<Host>>),
}

struct Tab {
    id: String,
    sandbox: String,
    scope: DedicatedWorkerGlobalScope,
    channel: Option<BroadcastChannel>,
    role: Role,
    /// Ids of requests forwarded to the leader and not answered yet.
    in_flight: BTreeSet<u64>,
    /// Why tabs are not coordinated, if they are not.
    uncoordinated: Option<String>,
}

fn post_page(scope: &DedicatedWorkerGlobalScope, text: &str) {
    let _ = scope.post_message(&JsValue::from_str(text));
}

fn message_id(text: &str) -> Option<u64> {
    serde_json::from_str::<Value>(text).ok()?.get("id")?.as_u64()
}

/// Starts this worker: wires page and channel messages, then settles its role.
pub fn start(scope: DedicatedWorkerGlobalScope, sandbox: &str) {
    let id = format!("{:016x}", (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64);
    let channel = BroadcastChannel::new(&format!("gureum-{sandbox}")).ok();
    let tab = Rc::new(RefCell::new(Tab {
        id,
        sandbox: sandbox.to_string(),
        scope: scope.clone(),
        channel,
        role: Role::Starting(Vec::new()),
        in_flight: BTreeSet::new(),
        uncoordinated: None,
    }));

    let t = tab.clone();
    let on_page = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        if let Some(text) = e.data().as_string() {
            from_page(&t, text);
        }
    });
    scope.set_onmessage(Some(on_page.as_ref().unchecked_ref()));
    on_page.forget();

    if let Some(channel) = tab.borrow().channel.clone() {
        let t = tab.clone();
        let on_channel = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(text) = e.data().as_string() {
                from_channel(&t, &text);
            }
        });
        channel.set_onmessage(Some(on_channel.as_ref().unchecked_ref()));
        on_channel.forget();
    }

    let locks = Reflect::get(&scope.navigator(), &"locks".into()).ok().filter(|l| !l.is_undefined() && !l.is_null());
    match locks {
        Some(locks) => request_lock(&tab, &locks, true),
        None => {
            tab.borrow_mut().uncoordinated =
                Some("this browser has no Web Locks here (they need a secure context such as https or localhost), so tabs cannot share the sandbox safely: use one tab".into());
            become_leader(&tab);
        }
    }
}

/// `navigator.locks.request(name, {ifAvailable}, callback)`. The callback's promise holds the lock
/// for as long as it is pending: forever, for a leader.
fn request_lock(tab: &Rc<RefCell<Tab>>, locks: &JsValue, if_available: bool) {
    let name = format!("gureum-{}", tab.borrow().sandbox);
    let t = tab.clone();
    let locks2 = locks.clone();
    let cb = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |lock: JsValue| -> JsValue {
        if lock.is_null() {
            // Another tab leads: follow it, and queue for the lock to take over later.
            become_follower(&t);
            request_lock(&t, &locks2, false);
            return Promise::resolve(&JsValue::UNDEFINED).into();
        }
        become_leader(&t);
        Promise::new(&mut |_, _| {}).into()
    });
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::from_bool(if_available));
    let request = Reflect::get(locks, &"request".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
    match request {
        Some(f) => {
            let _ = f.call3(locks, &JsValue::from_str(&name), &options, cb.as_ref().unchecked_ref());
        }
        None => become_leader(tab),
    }
    cb.forget();
}

fn become_follower(tab: &Rc<RefCell<Tab>>) {
    let queued = {
        let mut t = tab.borrow_mut();
        let queued = match std::mem::replace(&mut t.role, Role::Follower) {
            Role::Starting(q) => q,
            other => {
                t.role = other;
                return;
            }
        };
        post_page(&t.scope, &protocol::event("ready", json!({"role": "follower", "storage": "indexeddb", "note": "another tab holds this sandbox; this tab works through it"})));
        queued
    };
    for text in queued {
        from_page(tab, text);
    }
}

fn become_leader(tab: &Rc<RefCell<Tab>>) {
    let tab = tab.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let (sandbox, scope, channel) = {
            let t = tab.borrow();
            (t.sandbox.clone(), t.scope.clone(), t.channel.clone())
        };
        let post: Post = {
            let scope = scope.clone();
            Rc::new(move |to: Option<&ReplyTo>, text: String| match to {
                Some(ReplyTo::Local) => post_page(&scope, &text),
                Some(ReplyTo::Tab(id)) => {
                    if let Some(ch) = &channel {
                        let _ = ch.post_message(&JsValue::from_str(&json!({"type": "reply", "to": id, "msg": text}).to_string()));
                    }
                }
                None => {
                    post_page(&scope, &text);
                    if let Some(ch) = &channel {
                        let _ = ch.post_message(&JsValue::from_str(&json!({"type": "event", "msg": text}).to_string()));
                    }
                }
            })
        };
        let host = Host::start(&sandbox, post).await;
        let (queued, orphans) = {
            let mut t = tab.borrow_mut();
            let mut status = host.borrow().status();
            status["role"] = json!("leader");
            status["note"] = json!(t.uncoordinated);
            post_page(&t.scope, &protocol::event("ready", status));
            let queued = match std::mem::replace(&mut t.role, Role::Leader(host)) {
                Role::Starting(q) => q,
                _ => Vec::new(),
            };
            (queued, std::mem::take(&mut t.in_flight))
        };
        // Requests this tab forwarded to a leader that went away got no answer; say so.
        for id in orphans {
            let err = gureum_engine::AwsError::new(
                "gureum",
                "ServiceUnavailableException",
                "The tab that held the sandbox closed while this request was in flight; it may or may not have been applied. This tab holds the sandbox now: try again.",
                503,
            );
            post_page(&scope, &protocol::reply(id, Err(err)));
        }
        for text in queued {
            from_page(&tab, text);
        }
    });
}

fn from_page(tab: &Rc<RefCell<Tab>>, text: String) {
    let mut t = tab.borrow_mut();
    match &mut t.role {
        Role::Starting(q) => q.push(text),
        Role::Leader(host) => {
            let host = host.clone();
            drop(t);
            Host::handle(&host, &text, ReplyTo::Local);
        }
        Role::Follower => {
            if let Some(id) = message_id(&text) {
                t.in_flight.insert(id);
            }
            let msg = json!({"type": "req", "from": t.id, "msg": text}).to_string();
            if let Some(ch) = &t.channel {
                let _ = ch.post_message(&JsValue::from_str(&msg));
            }
        }
    }
}

fn from_channel(tab: &Rc<RefCell<Tab>>, text: &str) {
    let Ok(v) = serde_json::from_str::<Value>(text) else { return };
    let msg = v.get("msg").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut t = tab.borrow_mut();
    match (v.get("type").and_then(Value::as_str), &t.role) {
        (Some("req"), Role::Leader(host)) => {
            let host = host.clone();
            let from = v.get("from").and_then(Value::as_str).unwrap_or_default().to_string();
            drop(t);
            Host::handle(&host, &msg, ReplyTo::Tab(from));
        }
        (Some("reply"), Role::Follower) if v.get("to").and_then(Value::as_str) == Some(t.id.as_str()) => {
            if let Some(id) = message_id(&msg) {
                t.in_flight.remove(&id);
            }
            post_page(&t.scope, &msg);
        }
        (Some("event"), Role::Follower) => post_page(&t.scope, &msg),
        _ => {}
    }
}
