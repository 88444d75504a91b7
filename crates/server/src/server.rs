//! The HTTP front: a pool of threads reads requests, runs them against the one engine under a
//! mutex, and — when `--data` is set — waits until the committer thread has made every change
//! up to that point durable before answering (group commit: one fsync covers every request that
//! arrived while the previous one was in flight).

use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Condvar, Mutex,
    },
    thread,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use gureum_engine::{
    wire::{self, HttpRequest},
    Answer, Change, Engine, EngineConfig, Prepared,
};

use crate::{http, store::FileStore};

pub struct Config {
    pub host: String,
    pub port: u16,
    pub data: Option<PathBuf>,
}

/// Largest request body accepted (DynamoDB's own limit is 16 MiB).
const MAX_BODY: u64 = 16 * 1024 * 1024;

fn wall_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

struct State {
    engine: Engine,
    /// Changes handed to the engine's callers but not yet durable.
    pending: Vec<Change>,
    /// Sequence number of the latest change batch taken from the engine.
    assigned: u64,
    /// Highest sequence number known durable.
    durable: u64,
    /// A commit failed: the store can no longer promise durability.
    failed: Option<String>,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when `pending` grows (committer wakes) and when `durable` moves (callers wake).
    changed: Condvar,
    persistent: bool,
    /// Requests received, for request ids.
    requests: AtomicU64,
}

impl Shared {
    /// Moves the engine's new changes into `pending`; returns the sequence a caller must wait for.
    fn collect(&self, st: &mut State) -> u64 {
        if st.engine.has_changes() {
            let changes = st.engine.take_changes();
            if self.persistent {
                st.pending.extend(changes);
                st.assigned += 1;
                self.changed.notify_all();
            }
        }
        st.assigned
    }
}

fn request_id(counter: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut x = counter.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (wall_ms() as u64);
    (0..52)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALPHABET[(x % 36) as usize] as char
        })
        .collect()
}

/// Host time for the JavaScript runtime's durations: monotonic milliseconds.
fn monotonic_ms() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64() * 1000.0
}

pub fn run(config: Config) -> Result<(), String> {
    let now = wall_ms();
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
    let engine_config = EngineConfig { seed, start_virtual_ms: now, keep_item_json: true, ..Default::default() };
    let (store, engine) = match &config.data {
        Some(dir) => {
            let (store, records) = FileStore::open(dir)?;
            let engine = if records.is_empty() { Engine::new(engine_config, now) } else { Engine::restore(engine_config, now, records)? };
            (Some(store), engine)
        }
        None => (None, Engine::new(engine_config, now)),
    };
    let mut engine = engine;
    let runtime = gureum_js::ThreadedRuntime::spawn(gureum_js::HostFns { clock: monotonic_ms, memory: gureum_js::alloc::live_bytes })
        .map_err(|e| format!("cannot start the JavaScript runtime: {e}"))?;
    engine.set_runtime(Arc::new(runtime));
    let shared = Arc::new(Shared {
        state: Mutex::new(State { engine, pending: Vec::new(), assigned: 0, durable: 0, failed: None }),
        changed: Condvar::new(),
        persistent: store.is_some(),
        requests: AtomicU64::new(0),
    });
    {
        // A brand-new sandbox's first records (clock, ids) are committed like any write.
        let mut st = shared.state.lock().map_err(|_| "state poisoned")?;
        shared.collect(&mut st);
    }

    let listener = std::net::TcpListener::bind((config.host.as_str(), config.port)).map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?;
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let where_ = match &config.data {
        Some(d) => format!("data in {}", d.display()),
        None => "in memory; start with --data DIR to keep it".into(),
    };
    println!("Gureum is serving AWS APIs at http://{addr} ({where_})");
    println!("  try: aws dynamodb list-tables --endpoint-url http://{addr} --region us-east-1");

    if let Some(store) = store {
        let s = shared.clone();
        thread::Builder::new().name("committer".into()).spawn(move || committer(s, store)).map_err(|e| e.to_string())?;
    }
    {
        let s = shared.clone();
        thread::Builder::new().name("timers".into()).spawn(move || timers(s)).map_err(|e| e.to_string())?;
    }
    let limits = http::Limits { max_body: MAX_BODY as usize, max_connections: 1024, idle: std::time::Duration::from_secs(120) };
    http::serve(listener, limits, move |req| serve_one(&shared, req));
    Ok(())
}

const CORS: &[(&str, &str)] = &[
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Headers", "*"),
    ("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, HEAD, OPTIONS"),
    ("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amz-crc32, x-amzn-ErrorType, x-amzn-query-error, X-Amz-Function-Error, X-Amz-Log-Result, X-Amz-Executed-Version"),
];

fn respond(status: u16, mut headers: Vec<(String, String)>, body: Vec<u8>) -> http::Response {
    headers.extend(CORS.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    http::Response { status, headers, body, stream: None }
}

fn serve_one(shared: &Arc<Shared>, req: http::Request) -> http::Response {
    let http = HttpRequest { method: req.method, path: req.target, headers: req.headers, body: req.body };
    // A deployed API answers its own preflights and sets its own CORS headers (an OPTIONS
    // method, gateway responses, a proxy Lambda's headers); the server's are for its AWS APIs.
    let api_call = wire::is_execute_api(&http);
    let respond = |status: u16, headers: Vec<(String, String)>, body: Vec<u8>| {
        if api_call {
            http::Response { status, headers, body, stream: None }
        } else {
            respond(status, headers, body)
        }
    };
    if http.method == "OPTIONS" && !api_call {
        return respond(200, Vec::new(), Vec::new());
    }
    let rid = request_id(shared.requests.fetch_add(1, Ordering::Relaxed) + 1);
    // Reading the request and writing the answer need no engine: only `wire::run` holds the lock.
    let inbound = match wire::parse(&http, &rid) {
        Ok(inbound) => inbound,
        Err(response) => return respond(response.status, response.headers, response.body),
    };
    let poll = LongPoll::of(&inbound);
    let subscribe = match &inbound {
        wire::Inbound::Aws { service, operation, region, .. } if service == "kinesis" && operation == "SubscribeToShard" => Some(region.clone()),
        _ => None,
    };
    let outcome = match run_durably(shared, inbound, poll.as_ref()) {
        Ok((outcome, None)) => outcome,
        Ok((outcome, Some(wait_ms))) => {
            // Long polling (SQS ReceiveMessage with a wait time): the engine answers at once, so
            // the host asks again, without holding the engine between tries, until a message
            // arrives or the wait is over.
            let mut outcome = outcome;
            let deadline = wall_ms() + wait_ms;
            while let (Some(p), true) = (&poll, wall_ms() < deadline) {
                thread::sleep(Duration::from_millis(LONG_POLL_RETRY_MS.min((deadline - wall_ms()).max(1)) as u64));
                match run_durably(shared, p.inbound(), Some(p)) {
                    Ok((next, again)) => {
                        outcome = next;
                        if again.is_none() {
                            break;
                        }
                    }
                    Err(response) => return response,
                }
            }
            outcome
        }
        Err(response) => return response,
    };
    if let (Some(region), wire::Outcome::Aws(_, Ok(Answer::Value(answer)))) = (subscribe, &outcome) {
        return event_stream(shared.clone(), region, answer.clone(), &rid);
    }
    let response = wire::respond(outcome, &rid);
    respond(response.status, response.headers, response.body)
}

/// How often a SubscribeToShard stream asks the engine for new events.
const SUBSCRIPTION_POLL_MS: u64 = 75;
/// A subscription ends after five minutes (the engine ends it after five virtual minutes; the
/// host also stops after five minutes of wall time, in case the virtual clock is paused).
const SUBSCRIPTION_WALL: Duration = Duration::from_secs(300);

/// SubscribeToShard's answer: an event stream (`application/vnd.amazon.eventstream`, chunked,
/// over HTTP/1.1 rather than AWS's HTTP/2): `initial-response`, then the engine's events as they
/// come (`kinesis:ReadSubscription`, polled outside the engine lock), exceptions as exception
/// events. It ends when the engine says the subscription is over, after five minutes, or when
/// the client closes the connection.
fn event_stream(shared: Arc<Shared>, region: String, answer: serde_json::Value, rid: &str) -> http::Response {
    use gureum_engine::wire::eventstream;
    fn send_events(c: &mut http::Chunks, events: &serde_json::Value) -> std::io::Result<()> {
        for event in events.as_array().into_iter().flatten() {
            for (kind, payload) in event.as_object().into_iter().flatten() {
                let body = serde_json::to_vec(payload).unwrap_or_default();
                let frame = if kind == "SubscribeToShardEvent" { eventstream::json_event(kind, &body) } else { eventstream::json_exception(kind, &body) };
                c.send(&frame)?;
            }
        }
        Ok(())
    }
    let id = answer.get("SubscriptionId").and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
    let input = serde_json::json!({ "SubscriptionId": id, "region": region });
    let control = move |shared: &Shared, op: &str| -> Option<serde_json::Value> {
        let mut st = lock_spinning(&shared.state).ok()?;
        let out = st.engine.control(wall_ms(), op, &input).ok();
        shared.collect(&mut st);
        out
    };
    let streamer: http::Streamer = Box::new(move |c: &mut http::Chunks| {
        let started = std::time::Instant::now();
        let mut run = || -> std::io::Result<bool> {
            c.send(&eventstream::json_event("initial-response", b"{}"))?;
            send_events(c, &answer["EventStream"])?;
            while started.elapsed() < SUBSCRIPTION_WALL {
                thread::sleep(Duration::from_millis(SUBSCRIPTION_POLL_MS));
                if c.peer_closed() {
                    return Ok(false);
                }
                let Some(out) = control(&shared, "kinesis:ReadSubscription") else { return Ok(true) };
                send_events(c, &out["EventStream"])?;
                if out["Ended"] == serde_json::Value::Bool(true) {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        let result = run();
        if !matches!(result, Ok(true)) {
            control(&shared, "kinesis:CloseSubscription");
        }
        result.map(|_| ())
    });
    let mut headers = vec![("Content-Type".to_string(), "application/vnd.amazon.eventstream".to_string()), ("x-amzn-RequestId".to_string(), rid.to_string())];
    headers.extend(CORS.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    http::Response { status: 200, headers, body: Vec::new(), stream: Some(streamer) }
}

/// How often a long poll asks the engine again.
const LONG_POLL_RETRY_MS: i64 = 25;

/// A call the host may hold and retry (see `Engine::long_poll_ms`): what it needs to run it again.
struct LongPoll {
    service: String,
    operation: String,
    region: String,
    protocol: gureum_engine::Protocol,
    input: serde_json::Value,
    credentials: Option<gureum_engine::kernel::authz::Credentials>,
}

impl LongPoll {
    fn of(inbound: &wire::Inbound) -> Option<Self> {
        match inbound {
            wire::Inbound::Aws { service, operation, region, protocol, input: Prepared::Json(input), credentials } if service == "sqs" && operation == "ReceiveMessage" => {
                Some(LongPoll {
                    service: service.clone(),
                    operation: operation.clone(),
                    region: region.clone(),
                    protocol: *protocol,
                    input: input.clone(),
                    credentials: credentials.clone(),
                })
            }
            _ => None,
        }
    }

    fn inbound(&self) -> wire::Inbound {
        wire::Inbound::Aws {
            service: self.service.clone(),
            operation: self.operation.clone(),
            region: self.region.clone(),
            protocol: self.protocol,
            input: Prepared::Json(self.input.clone()),
            credentials: self.credentials.clone(),
        }
    }
}

/// Runs one call under the engine lock and waits until everything up to it is durable. With
/// `poll`, also answers how long (ms) the host may hold the call if its answer was empty.
fn run_durably(shared: &Shared, inbound: wire::Inbound, poll: Option<&LongPoll>) -> Result<(wire::Outcome, Option<i64>), http::Response> {
    let Ok(mut st) = lock_spinning(&shared.state) else {
        return Err(respond(500, Vec::new(), b"server state poisoned".to_vec()));
    };
    let outcome = wire::run(&mut st.engine, wall_ms(), inbound);
    let wait = match (poll, &outcome) {
        (Some(p), wire::Outcome::Aws(_, Ok(Answer::Value(answer)))) => st.engine.long_poll_ms(&p.service, &p.operation, &p.region, &p.input, answer),
        _ => None,
    };
    // Wait for everything up to and including this call to be durable: a read must not
    // show data whose write could still be lost either.
    let wait_for = shared.collect(&mut st);
    while shared.persistent && st.durable < wait_for && st.failed.is_none() {
        st = match shared.changed.wait(st) {
            Ok(g) => g,
            Err(_) => return Err(respond(500, Vec::new(), b"server state poisoned".to_vec())),
        };
    }
    if let Some(err) = &st.failed {
        let e = gureum_engine::AwsError::internal(format!("The sandbox could not be saved: {err}"));
        return Ok((wire::Outcome::Plain(500, e.to_json()), None));
    }
    Ok((outcome, wait))
}

/// Takes the engine lock, spinning briefly first: engine calls hold it for microseconds, and a
/// thread that parks on a contended lock costs two context switches. Measured with
/// gureum-loadgen, 8 connections of PutItem: 48,700/s when every waiter parked, 56,000-60,000/s
/// spinning up to 1,000 times first (2 connections: 63,000-66,000/s either way).
fn lock_spinning<T>(m: &Mutex<T>) -> std::sync::LockResult<std::sync::MutexGuard<'_, T>> {
    for _ in 0..1000 {
        match m.try_lock() {
            Ok(g) => return Ok(g),
            Err(std::sync::TryLockError::Poisoned(p)) => return Err(p),
            Err(std::sync::TryLockError::WouldBlock) => std::hint::spin_loop(),
        }
    }
    m.lock()
}

fn committer(shared: Arc<Shared>, mut store: FileStore) {
    loop {
        let (batch, seq, snapshot) = {
            let Ok(mut st) = shared.state.lock() else {
                return;
            };
            while st.pending.is_empty() {
                st = match shared.changed.wait(st) {
                    Ok(g) => g,
                    Err(_) => return,
                };
            }
            let batch = std::mem::take(&mut st.pending);
            let snapshot = if store.wants_checkpoint() { Some(st.engine.snapshot()) } else { None };
            (batch, st.assigned, snapshot)
        };
        // The snapshot was taken with every change in `batch` applied, so it replaces the WAL.
        let result = match snapshot {
            Some(records) => store.checkpoint(&records),
            None => store.commit(&batch),
        };
        let Ok(mut st) = shared.state.lock() else {
            return;
        };
        match result {
            Ok(()) => st.durable = seq,
            Err(e) => st.failed = Some(e.to_string()),
        }
        shared.changed.notify_all();
        if st.failed.is_some() {
            return;
        }
    }
}

/// Fires scheduled work (tables becoming ACTIVE, and later TTL, retries...) when it falls due,
/// even when no request arrives.
fn timers(shared: Arc<Shared>) {
    loop {
        let sleep = {
            let Ok(mut st) = shared.state.lock() else {
                return;
            };
            let now = wall_ms();
            st.engine.tick_once(now);
            shared.collect(&mut st);
            match st.engine.next_timer_host_ms() {
                Some(due) => (due - now).clamp(1, 250),
                None => 250,
            }
        };
        thread::sleep(Duration::from_millis(sleep as u64));
    }
}
