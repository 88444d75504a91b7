//! The kernel: registry and dispatch of services, the virtual clock, the scheduler, seeded
//! randomness, the change journal and the control API.

pub mod account;
pub mod authz;
pub mod catalog;
pub mod clock;
mod control;
pub mod error;
pub mod journal;
pub mod rng;
pub mod runtime;
pub mod scheduler;
pub mod service;
pub mod time;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use account::Account;
use clock::{ClockState, VirtualClock};
use error::AwsError;
use journal::{Change, Journal, Record};
use rng::Rng;
use runtime::{CodeRuntime, InvokeJob, InvokeResult, Resumed, Step};
use scheduler::{Scheduler, TIMER_PREFIX};
use service::{Cx, Effects, Service};

/// One AWS call: service endpoint prefix, operation name, region and the request in AWS's JSON
/// shape (as the JSON protocols carry it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub service: String,
    pub operation: String,
    pub region: String,
    pub input: Value,
    /// Who signs the call (see [`authz`]); `None` is the account's root user: unsigned calls,
    /// the UI's, and the calls services make to each other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<authz::Credentials>,
}

impl Request {
    pub fn new(service: &str, operation: &str, region: &str, input: Value) -> Self {
        Request { service: service.into(), operation: operation.into(), region: region.into(), input, credentials: None }
    }

    /// The same request signed with `credentials`.
    pub fn signed(mut self, credentials: Option<authz::Credentials>) -> Self {
        self.credentials = credentials;
        self
    }
}

/// A request read by [`Engine::prepare_json`].
pub enum Prepared {
    /// Read by the operation's fast route.
    Fast(Box<dyn std::any::Any + Send>),
    /// A JSON value for the general route.
    Json(Value),
}

/// An answer from [`Engine::call_prepared`]: JSON text already, or a JSON value the host
/// serialises (outside its lock, if it has one).
#[derive(Debug)]
pub enum Answer {
    Json(Vec<u8>),
    Value(Value),
}

impl Answer {
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Answer::Json(b) => b,
            // A JSON value always serialises.
            Answer::Value(v) => serde_json::to_vec(&v).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub account_id: String,
    /// Seeds ids and randomness for a new sandbox. A restored sandbox continues its own sequence.
    pub seed: u64,
    /// Virtual time a new sandbox starts at (ms since the epoch); hosts pass the wall time.
    pub start_virtual_ms: i64,
    /// Keep each stored DynamoDB item's JSON text beside it, so answers written as JSON text
    /// ([`Engine::call_json`]) copy it instead of walking the item: reads get much cheaper,
    /// writes a little dearer, and items take about twice the memory. `gureum serve` turns it
    /// on; the browser (which reads items as JSON values) leaves it off. Never changes answers.
    pub keep_item_json: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig { account_id: account::DEFAULT_ACCOUNT_ID.into(), seed: 0x6775_7265_756d, start_virtual_ms: 1_767_225_600_000, keep_item_json: false }
    }
}

const CLOCK_KEY: &str = "sim/clock";
const RNG_KEY: &str = "sim/rng";

pub struct Engine {
    account: Account,
    clock: VirtualClock,
    rng: Rng,
    scheduler: Scheduler,
    journal: Journal,
    services: Vec<Box<dyn Service>>,
    /// [`EngineConfig::keep_item_json`], kept for sandboxes rebuilt by import.
    keep_item_json: bool,
    /// The host's code runtime, if it has one (see [`runtime`]).
    runtime: Option<std::sync::Arc<dyn CodeRuntime>>,
    /// Invocations of code the current call is nested in.
    code_depth: u32,
    /// The functions whose code is running, innermost last (a nested Invoke pushes one).
    code_functions: Vec<String>,
    /// Set while due timers fire, so a timer's own calls do not start firing the next ones.
    firing: bool,
    /// The checked principal of the call being served (`None`: root), for [`Cx::caller`].
    caller: Option<std::sync::Arc<authz::Principal>>,
}

impl Engine {
    /// A new, empty sandbox.
    pub fn new(config: EngineConfig, host_now_ms: i64) -> Self {
        let mut engine = Engine {
            account: Account::new(config.account_id.clone()),
            clock: VirtualClock::new(config.start_virtual_ms, host_now_ms),
            rng: Rng::seeded(config.seed),
            scheduler: Scheduler::default(),
            journal: Journal::default(),
            services: crate::services::all(&config),
            keep_item_json: config.keep_item_json,
            runtime: None,
            code_depth: 0,
            code_functions: Vec::new(),
            firing: false,
            caller: None,
        };
        engine.persist_clock();
        engine.persist_rng();
        engine
    }

    /// A sandbox rebuilt from its records (as a host's store hands them back). Records without
    /// `sim/clock` start a new clock at `config.start_virtual_ms`.
    pub fn restore(config: EngineConfig, host_now_ms: i64, records: impl IntoIterator<Item = Record>) -> Result<Self, String> {
        let mut engine = Engine {
            account: Account::new(config.account_id.clone()),
            clock: VirtualClock::new(config.start_virtual_ms, host_now_ms),
            rng: Rng::seeded(config.seed),
            scheduler: Scheduler::default(),
            journal: Journal::default(),
            services: crate::services::all(&config),
            keep_item_json: config.keep_item_json,
            runtime: None,
            code_depth: 0,
            code_functions: Vec::new(),
            firing: false,
            caller: None,
        };
        let mut records: Vec<Record> = records.into_iter().collect();
        if !records.windows(2).all(|w| w[0].key <= w[1].key) {
            records.sort_by(|a, b| a.key.cmp(&b.key));
        }
        let mut saw_clock = false;
        for r in &records {
            engine.load_record(&r.key, &r.value, &mut saw_clock)?;
        }
        if !saw_clock {
            engine.persist_clock();
            engine.persist_rng();
        }
        Ok(engine)
    }

    fn load_record(&mut self, key: &str, value: &[u8], saw_clock: &mut bool) -> Result<(), String> {
        if key == CLOCK_KEY {
            let state: ClockState = serde_json::from_slice(value).map_err(|e| format!("{key}: {e}"))?;
            self.clock = VirtualClock::from_state(state);
            *saw_clock = true;
            return Ok(());
        }
        if key == RNG_KEY {
            self.rng = serde_json::from_slice(value).map_err(|e| format!("{key}: {e}"))?;
            return Ok(());
        }
        if key.starts_with(TIMER_PREFIX) {
            return self.scheduler.load(value);
        }
        let owner = key.split('/').next().unwrap_or("");
        match self.services.iter_mut().find(|s| s.name() == owner) {
            Some(service) => service.load(key, value).map_err(|e| format!("{key}: {e}")),
            None => Err(format!("{key}: no service owns records under '{owner}'")),
        }
    }

    /// Gives the engine its host's code runtime; without one, invocations fail with
    /// Lambda's service error saying so.
    pub fn set_runtime(&mut self, runtime: std::sync::Arc<dyn CodeRuntime>) {
        self.runtime = Some(runtime);
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    /// Virtual time (ms since the epoch) at host time `host_now_ms`.
    pub fn now_ms(&self, host_now_ms: i64) -> i64 {
        self.clock.peek(host_now_ms)
    }

    pub fn clock_state(&self) -> ClockState {
        self.clock.state()
    }

    /// The one door: runs an AWS operation. Timers due by now fire first.
    /// A request with [`Request::credentials`] is checked against IAM first (see [`authz`]).
    pub fn call(&mut self, host_now_ms: i64, request: &Request) -> Result<Value, AwsError> {
        let caller = match &request.credentials {
            Some(c) => self.authorize(host_now_ms, &request.service, &request.operation, &request.region, &request.input, c)?,
            None => None,
        };
        let saved = std::mem::replace(&mut self.caller, caller);
        let result = self.call_unchecked(host_now_ms, request);
        self.caller = saved;
        result
    }

    fn call_unchecked(&mut self, host_now_ms: i64, request: &Request) -> Result<Value, AwsError> {
        let step = self.dispatch(host_now_ms, &request.service, &request.region, |service, cx| service.call_step(cx, &request.operation, &request.input))?;
        self.drive(host_now_ms, &request.service, &request.region, step)
    }

    /// A service's control operation (`lambda:GetFunctionCode`, ...), in `input.region`.
    pub(crate) fn service_control(&mut self, host_now_ms: i64, service: &str, operation: &str, input: &Value) -> Result<Value, AwsError> {
        let region = input.get("region").and_then(Value::as_str).unwrap_or(account::DEFAULT_REGION).to_string();
        self.dispatch(host_now_ms, service, &region, |s, cx| s.control(cx, operation, input))
    }

    /// Carries out a service's [`Step`]s until it is done.
    fn drive(&mut self, host_now_ms: i64, service: &str, region: &str, mut step: Step) -> Result<Value, AwsError> {
        loop {
            let (resumed, then) = match step {
                Step::Done(value) => return Ok(value),
                Step::Run(job, then) => (Resumed::Ran(self.run_code(host_now_ms, &job)), then),
                Step::Call(request, then) => (Resumed::Called(self.call(host_now_ms, &request)), then),
                Step::Control(request, then) => {
                    let answer = self.dispatch(host_now_ms, &request.service, &request.region, |s, cx| s.control(cx, &request.operation, &request.input));
                    (Resumed::Called(answer), then)
                }
            };
            step = self.dispatch(host_now_ms, service, region, |s, cx| s.resume(cx, then, resumed))?;
        }
    }

    /// Runs one invocation on the host's runtime; the code's AWS calls come back through
    /// [`Engine::call`] in the job's region.
    fn run_code(&mut self, host_now_ms: i64, job: &InvokeJob) -> InvokeResult {
        let Some(runtime) = self.runtime.clone() else {
            return InvokeResult::unavailable("This host has no code runtime, so functions cannot run here.");
        };
        let region = job.region.clone();
        // The code's calls run as the function's execution role (see `authz`).
        let credentials = (!job.role.is_empty()).then(|| authz::Credentials::Role { role_arn: job.role.clone(), session_name: job.function_name.clone() });
        self.code_depth += 1;
        self.code_functions.push(job.function_name.clone());
        let result = runtime.invoke(job, &mut |service: &str, operation: &str, input: Value| {
            let request = Request { service: service.to_string(), operation: operation.to_string(), region: region.clone(), input, credentials: credentials.clone() };
            self.call(host_now_ms, &request)
        });
        self.code_depth -= 1;
        self.code_functions.pop();
        result
    }

    /// Tells the host's runtime to forget an execution environment.
    fn discard_environments(&mut self, environments: Vec<String>) {
        if let Some(runtime) = &self.runtime {
            for env in environments {
                runtime.discard(&env);
            }
        }
    }

    /// The same door for hosts that hold the request as JSON text (`gureum serve`): `body` is the
    /// request's JSON object and the answer is JSON text. [`Engine::prepare_json`] then
    /// [`Engine::call_prepared`]; hosts that share an engine between threads run the first
    /// outside their lock.
    pub fn call_json(&mut self, host_now_ms: i64, service: &str, operation: &str, region: &str, body: &[u8]) -> Result<Vec<u8>, AwsError> {
        let prepared = Self::prepare_json(service, operation, body)?;
        self.call_prepared(host_now_ms, service, operation, region, prepared).map(Answer::into_bytes)
    }

    /// Reads a request's JSON text. Hot operations parse it straight into their inputs (the
    /// fast route, see [`Service::call_prepared`]); everything else becomes a JSON value for
    /// [`Engine::call`]'s route. A body that is not a JSON object is AWS's bare
    /// SerializationException. Touches no engine state.
    pub fn prepare_json(service: &str, operation: &str, body: &[u8]) -> Result<Prepared, AwsError> {
        match crate::services::prepare_json(service, operation, body) {
            Some(fast) => Ok(Prepared::Fast(fast)),
            None => Ok(Prepared::Json(crate::wire::json::decode_body(body)?)),
        }
    }

    /// Runs a request [`Engine::prepare_json`] read.
    pub fn call_prepared(&mut self, host_now_ms: i64, service: &str, operation: &str, region: &str, prepared: Prepared) -> Result<Answer, AwsError> {
        self.call_prepared_as(host_now_ms, service, operation, region, prepared, None)
    }

    /// [`Engine::call_prepared`] signed with `credentials`, checked against IAM first (see
    /// [`authz`]). A checked caller's request must be [`Prepared::Json`] (the permissions are
    /// read from the input): [`Engine::prepare_json_as`] reads it so.
    pub fn call_prepared_as(
        &mut self,
        host_now_ms: i64,
        service: &str,
        operation: &str,
        region: &str,
        prepared: Prepared,
        credentials: Option<&authz::Credentials>,
    ) -> Result<Answer, AwsError> {
        let caller = match (credentials, &prepared) {
            (Some(c), Prepared::Json(input)) => self.authorize(host_now_ms, service, operation, region, input, c)?,
            (Some(c), Prepared::Fast(_)) => {
                if self.resolve(self.clock.peek(host_now_ms), service, c)?.is_some() {
                    return Err(AwsError::internal("a checked caller's request was read by the fast route"));
                }
                None
            }
            (None, _) => None,
        };
        let saved = std::mem::replace(&mut self.caller, caller);
        let result = self.call_prepared_unchecked(host_now_ms, service, operation, region, prepared);
        self.caller = saved;
        result
    }

    /// [`Engine::prepare_json`] for a request signed with `access_key`: a key the sandbox checks
    /// always gets the general route, whose input the permissions are read from.
    pub fn prepare_json_as(service: &str, operation: &str, body: &[u8], access_key: Option<&str>) -> Result<Prepared, AwsError> {
        if access_key.is_some_and(authz::is_checked_key) {
            return Ok(Prepared::Json(crate::wire::json::decode_body(body)?));
        }
        Self::prepare_json(service, operation, body)
    }

    fn call_prepared_unchecked(&mut self, host_now_ms: i64, service: &str, operation: &str, region: &str, prepared: Prepared) -> Result<Answer, AwsError> {
        match prepared {
            Prepared::Fast(fast) => self.dispatch(host_now_ms, service, region, |s, cx| s.call_prepared(cx, operation, fast)).map(Answer::Json),
            Prepared::Json(input) => {
                let step = self.dispatch(host_now_ms, service, region, |s, cx| s.call_step(cx, operation, &input))?;
                self.drive(host_now_ms, service, region, step).map(Answer::Value)
            }
        }
    }

    fn dispatch<R>(&mut self, host_now_ms: i64, service: &str, region: &str, run: impl FnOnce(&mut dyn Service, &mut Cx) -> Result<R, AwsError>) -> Result<R, AwsError> {
        let now = self.clock.now(host_now_ms);
        self.fire_due_at(now, Some(host_now_ms));
        if !Account::is_region(region) {
            return Err(AwsError::new("", "UnrecognizedClientException", format!("Gureum does not simulate the region '{region}'."), 400));
        }
        let rng_before = self.rng.clone();
        let Some(index) = self.services.iter().position(|s| s.answers(service)) else {
            return Err(match catalog::spec(service) {
                Some(_) => AwsError::unknown_operation(format!("The service '{service}' is not simulated in this build of Gureum yet.")),
                None => AwsError::unknown_operation(format!("Unknown service '{service}'.")),
            });
        };
        let endpoint = service;
        let service = &mut self.services[index];
        let name = service.name();
        let mut effects = Effects::default();
        let mut cx = Cx {
            now_ms: now,
            account: &self.account,
            region,
            rng: &mut self.rng,
            journal: &mut self.journal,
            scheduler: &mut self.scheduler,
            service: name,
            endpoint,
            code_depth: self.code_depth,
            code_function: self.code_functions.last().map(String::as_str),
            caller: self.caller.as_deref(),
            effects: &mut effects,
        };
        let result = run(service.as_mut(), &mut cx);
        if self.rng != rng_before {
            self.persist_rng();
        }
        self.run_effects(host_now_ms, effects);
        result
    }

    fn run_effects(&mut self, host_now_ms: i64, effects: Effects) {
        self.discard_environments(effects.discarded);
        for request in effects.calls {
            // Fire and forget, as AWS's services deliver to each other; the effect's own
            // changes are journaled like any call's.
            let _ = self.call(host_now_ms, &request);
        }
    }

    /// How long a host may hold a call that gave `answer` and retry it before answering (see
    /// [`Service::long_poll_ms`]); `None` when the answer is final.
    pub fn long_poll_ms(&self, service: &str, operation: &str, region: &str, input: &Value, answer: &Value) -> Option<i64> {
        self.services.iter().find(|s| s.answers(service))?.long_poll_ms(region, operation, input, answer)
    }

    /// Fires every timer that is due by host time `host_now_ms`, also those that the timers it
    /// fires schedule in the meantime.
    pub fn tick(&mut self, host_now_ms: i64) {
        let now = self.clock.now(host_now_ms);
        while self.scheduler.next_due().is_some_and(|due| due <= now) {
            let before = self.scheduler.last_id();
            self.fire_due_at(now, Some(host_now_ms));
            if self.scheduler.last_id() == before && self.scheduler.next_due().is_some_and(|due| due <= now) {
                break; // a tick inside a firing run fires nothing: that run goes on
            }
        }
    }

    /// Fires the timers that were due by host time `host_now_ms` when it was called, but not
    /// those they schedule (see `fire_due_at`): what hosts call when
    /// [`Engine::next_timer_host_ms`] says so, so that work going on in steps leaves them room
    /// to answer calls between its steps. [`Engine::next_timer_host_ms`] then says when to call
    /// again (at once, if more is due).
    pub fn tick_once(&mut self, host_now_ms: i64) {
        let now = self.clock.now(host_now_ms);
        self.fire_due_at(now, Some(host_now_ms));
    }

    /// When (host time) the next timer is due, if the clock is running and one is pending.
    pub fn next_timer_host_ms(&self) -> Option<i64> {
        self.scheduler.next_due().and_then(|due| self.clock.host_time_of(due))
    }

    /// Fires due timers; their [`Step`]s and effects run at host time `host_now_ms`.
    fn fire_due_at(&mut self, now_ms: i64, host_now_ms: Option<i64>) {
        if self.firing {
            return;
        }
        self.firing = true;
        let host_now_ms = host_now_ms.unwrap_or_else(|| self.clock.host_time_of(now_ms).unwrap_or(0));
        // One run fires the timers that were due when it began, in time order, and stops at the
        // first one a timer of this run scheduled (work that goes on in steps, such as an import,
        // schedules its next step at its own due time plus a little, which a host that fell
        // behind finds due already): the host gets control back between steps, to answer calls
        // and commit, and fires the rest on its next tick. A clock jump fires them all, in order.
        let horizon = self.scheduler.last_id();
        while let Some(timer) = self.scheduler.pop_due(&mut self.journal, now_ms, horizon) {
            let rng_before = self.rng.clone();
            let Some(index) = self.services.iter().position(|s| s.name() == timer.service) else {
                continue;
            };
            let service = &mut self.services[index];
            let name = service.name();
            let mut effects = Effects::default();
            let mut cx = Cx {
                now_ms: timer.due_ms,
                account: &self.account,
                region: &timer.region,
                rng: &mut self.rng,
                journal: &mut self.journal,
                scheduler: &mut self.scheduler,
                service: name,
                endpoint: name,
                code_depth: self.code_depth,
                code_function: self.code_functions.last().map(String::as_str),
                caller: None,
                effects: &mut effects,
            };
            let step = service.fire_step(&mut cx, &timer);
            if self.rng != rng_before {
                self.persist_rng();
            }
            self.run_effects(host_now_ms, effects);
            // A timer's work has no caller: its outcome is what it recorded.
            let _ = self.drive(host_now_ms, name, &timer.region, step);
        }
        self.firing = false;
    }

    /// Drains the changes made since the last call. The host must make them durable before it
    /// shows the caller any response produced since then.
    pub fn take_changes(&mut self) -> Vec<Change> {
        self.journal.take()
    }

    pub fn has_changes(&self) -> bool {
        !self.journal.is_empty()
    }

    /// Every record of the sandbox, sorted by key: what a store compacts to.
    pub fn snapshot(&self) -> Vec<Record> {
        let mut out = Vec::new();
        out.push(Record { key: CLOCK_KEY.into(), value: serde_json::to_vec(&self.clock.state()).unwrap_or_default() });
        out.push(Record { key: RNG_KEY.into(), value: serde_json::to_vec(&self.rng).unwrap_or_default() });
        for timer in self.scheduler.pending() {
            out.push(Record { key: format!("{TIMER_PREFIX}{:016x}", timer.id), value: serde_json::to_vec(timer).unwrap_or_default() });
        }
        for service in &self.services {
            service.save(&mut out);
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }

    fn persist_clock(&mut self) {
        let state = self.clock.state();
        self.journal.put_json(CLOCK_KEY, &state);
    }

    fn persist_rng(&mut self) {
        let rng = self.rng.clone();
        self.journal.put_json(RNG_KEY, &rng);
    }
}
