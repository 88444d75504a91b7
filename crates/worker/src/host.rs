//! One engine and its durability: the leader tab's worker runs this.
//!
//! Every call runs synchronously in the engine; its changes join `pending`, and its reply waits
//! in `outbox` until every change made up to that call is committed to IndexedDB (so a reply
//! never shows data that could still be lost). While a commit is in flight, new calls keep
//! running and their changes gather into the next commit: group commit.

use std::{cell::RefCell, collections::VecDeque, rc::Rc, sync::Arc};

use gureum_engine::{Change, Engine, EngineConfig};
use serde_json::json;
use wasm_bindgen::{closure::Closure, JsCast};

use crate::{
    idb::IdbStore,
    protocol::{self, Call},
};

/// Where a reply goes: this worker's page, or another tab's worker.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyTo {
    Local,
    Tab(String),
}

/// Sends a message to a page: `(ReplyTo::Local, text)` to ours, `Tab(id)` through the channel.
/// Events that every page should see are sent with `None`.
pub type Post = Rc<dyn Fn(Option<&ReplyTo>, String)>;

pub struct Host {
    engine: Engine,
    store: Option<IdbStore>,
    /// Why the sandbox is not persisted, when it is not.
    memory_reason: Option<String>,
    pending: Vec<Change>,
    assigned: u64,
    durable: u64,
    outbox: VecDeque<(u64, ReplyTo, String)>,
    committing: bool,
    /// The armed timeout and the host time it fires at.
    timer: Option<(i32, i64)>,
    post: Post,
    /// Figures for the status bar and benchmarks.
    pub commits: u64,
    pub loaded_records: usize,
    pub load_ms: f64,
    pub load_stats: crate::idb::LoadStats,
    pub restore_ms: f64,
}

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

fn perf_now() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| js_sys::Reflect::get(&p, &"now".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()).and_then(|f| f.call0(&p).ok()))
        .and_then(|v| v.as_f64())
        .unwrap_or_else(js_sys::Date::now)
}

thread_local! {
    static PERFORMANCE: Option<web_sys::Performance> = js_sys::global().dyn_into::<web_sys::WorkerGlobalScope>().ok().and_then(|g| g.performance());
}

/// The code runtime's clock: `performance.now()` of this worker (ms, monotonic).
fn runtime_clock() -> f64 {
    PERFORMANCE.with(|p| p.as_ref().map(web_sys::Performance::now)).unwrap_or_else(js_sys::Date::now)
}

/// Gives an engine the worker's code runtime (Lambda functions run on it, on this thread).
/// Every engine the worker builds goes through here: new, restored, or the fallback after a
/// failed load (a takeover by another tab's worker starts through [`Host::start`] too, and
/// ImportSandbox keeps the engine's runtime).
fn with_runtime(mut engine: Engine) -> Engine {
    engine.set_runtime(Arc::new(gureum_js::LocalRuntime::new(gureum_js::HostFns { clock: runtime_clock, memory: gureum_js::alloc::live_bytes })));
    engine
}

fn new_config() -> EngineConfig {
    EngineConfig { seed: (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64, start_virtual_ms: now_ms(), ..Default::default() }
}

impl Host {
    /// Loads sandbox `name` from IndexedDB, or starts in memory (saying why) when storage is
    /// unavailable.
    pub async fn start(name: &str, post: Post) -> Rc<RefCell<Host>> {
        let t0 = perf_now();
        let mut stats = crate::idb::LoadStats::default();
        let mut restore_ms = 0.0;
        let (engine, store, reason, loaded) = match IdbStore::open(&format!("gureum-{name}")).await {
            Ok((store, records, s)) => {
                stats = s;
                let n = records.len();
                let t = perf_now();
                let engine = if records.is_empty() { Ok(Engine::new(new_config(), now_ms())) } else { Engine::restore(new_config(), now_ms(), records) };
                restore_ms = perf_now() - t;
                match engine {
                    Ok(e) => (e, Some(store), None, n),
                    Err(e) => (Engine::new(new_config(), now_ms()), None, Some(format!("the saved sandbox could not be read ({e}); it was left untouched")), 0),
                }
            }
            Err(e) => (Engine::new(new_config(), now_ms()), None, Some(format!("IndexedDB is not available ({e})")), 0),
        };
        let engine = with_runtime(engine);
        let host = Rc::new(RefCell::new(Host {
            engine,
            store,
            memory_reason: reason,
            pending: Vec::new(),
            assigned: 0,
            durable: 0,
            outbox: VecDeque::new(),
            committing: false,
            timer: None,
            post,
            commits: 0,
            loaded_records: loaded,
            load_ms: perf_now() - t0,
            load_stats: stats,
            restore_ms,
        }));
        let compact_later = {
            // A brand-new sandbox's first records (clock, ids) are committed like any write.
            let mut h = host.borrow_mut();
            h.collect();
            h.pending.is_empty() && h.store.as_ref().is_some_and(IdbStore::wants_checkpoint)
        };
        if compact_later {
            // The log found at load is long: compact it once the page is up, not before.
            let h2 = host.clone();
            let cb = Closure::once_into_js(move || Host::kick(&h2));
            let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
            let _ = global.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 500);
        } else {
            Host::kick(&host);
        }
        host
    }

    pub fn status(&self) -> serde_json::Value {
        json!({
            // The store is checked out while a commit is in flight, so ask why-not instead.
            "storage": if self.memory_reason.is_none() { "indexeddb" } else { "memory" },
            "reason": self.memory_reason,
            "loadedRecords": self.loaded_records,
            "loadMs": self.load_ms,
            "loadBytes": self.load_stats.bytes,
            "loadSegments": self.load_stats.segments,
            "readMs": self.load_stats.read_ms,
            "replayMs": self.load_stats.replay_ms,
            "restoreMs": self.restore_ms,
        })
    }

    fn collect(&mut self) -> u64 {
        if self.engine.has_changes() {
            self.pending.extend(self.engine.take_changes());
            self.assigned += 1;
        }
        self.assigned
    }

    /// Runs one page message and queues its reply.
    pub fn handle(this: &Rc<RefCell<Host>>, text: &str, reply_to: ReplyTo) {
        {
            let mut h = this.borrow_mut();
            let now = now_ms();
            let (id, result) = match protocol::parse(text) {
                Ok((id, Call::Aws(req))) => (id, h.engine.call(now, &req)),
                Ok((id, Call::Sim { operation, .. })) if operation == "GetStatus" => (id, Ok(h.status())),
                Ok((id, Call::Sim { operation, input })) => (id, h.engine.control(now, &operation, &input)),
                Err((Some(id), e)) => (id, Err(e)),
                Err((None, _)) => return,
            };
            let dep = h.collect();
            h.outbox.push_back((dep, reply_to, protocol::reply(id, result)));
        }
        Host::kick(this);
    }

    /// Fires due timers (called by the timer callback).
    fn tick(this: &Rc<RefCell<Host>>) {
        {
            let mut h = this.borrow_mut();
            h.timer = None;
            h.engine.tick_once(now_ms());
            h.collect();
        }
        Host::kick(this);
    }

    fn release(&mut self) {
        while self.outbox.front().is_some_and(|(dep, _, _)| *dep <= self.durable) {
            if let Some((_, to, text)) = self.outbox.pop_front() {
                (self.post)(Some(&to), text);
            }
        }
    }

    /// Starts a commit of everything pending, unless one is in flight; releases replies that
    /// need nothing more; re-arms the timer.
    pub fn kick(this: &Rc<RefCell<Host>>) {
        let mut h = this.borrow_mut();
        h.arm_timer(this);
        if h.committing {
            return;
        }
        let compact = h.store.as_ref().is_some_and(IdbStore::wants_checkpoint);
        if h.pending.is_empty() && !compact {
            h.release();
            return;
        }
        let seq = h.assigned;
        let batch = std::mem::take(&mut h.pending);
        let Some(mut store) = h.store.take() else {
            debug_assert!(h.memory_reason.is_some());
            // In memory: nothing to wait for.
            h.durable = seq;
            h.release();
            drop(h);
            Host::changed(this);
            return;
        };
        // A long log (also one found at load) is compacted into a checkpoint, which carries the
        // pending changes too.
        let snapshot = if compact { Some(h.engine.snapshot()) } else { None };
        h.committing = true;
        drop(h);
        let this = this.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = match &snapshot {
                Some(records) => store.checkpoint(records).await,
                None => store.commit(&batch).await,
            };
            {
                let mut h = this.borrow_mut();
                h.committing = false;
                h.durable = seq;
                h.commits += 1;
                match result {
                    Ok(()) => h.store = Some(store),
                    Err(e) => {
                        store.close();
                        h.memory_reason = Some(format!("saving to IndexedDB failed ({e}); the sandbox now lives in memory only"));
                        let status = protocol::event("status", h.status());
                        (h.post)(None, status);
                    }
                }
                h.release();
            }
            Host::changed(&this);
            Host::kick(&this);
        });
    }

    fn changed(this: &Rc<RefCell<Host>>) {
        let h = this.borrow();
        (h.post)(None, protocol::event("changed", json!({})));
    }

    fn arm_timer(&mut self, this: &Rc<RefCell<Host>>) {
        let Some(due) = self.engine.next_timer_host_ms() else { return };
        let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        match self.timer {
            Some((_, armed)) if armed <= due => return,
            Some((handle, _)) => global.clear_timeout_with_handle(handle),
            None => {}
        }
        let delay = (due - now_ms()).clamp(0, 60_000) as i32;
        let this2 = this.clone();
        let cb = Closure::once_into_js(move || Host::tick(&this2));
        if let Ok(handle) = global.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), delay) {
            self.timer = Some((handle, now_ms() + i64::from(delay)));
        }
    }
}
