//! AWS Step Functions (JSON 1.0, `AWSStepFunctions`): state machines, executions and their
//! history, task tokens.
//!
//! - [`asl`]: the Amazon States Language core (paths, intrinsics, templates, data flow, Choice
//!   rules, the definition model and its validation, Retry/Catch decisions).
//! - [`interp`]: the interpreter — an execution's threads advance one transition per step.
//! - [`tasks`]: Task integrations (Lambda, DynamoDB, SQS, nested executions) through
//!   `Step::Call`.
//! - [`api`]: the operations; [`model`]: state and records.
//!
//! Standard executions advance on timers of the virtual clock: each step is a timer due at the
//! instant the step may run (now, the end of a Wait, a retry's back-off), so a host's firing run
//! takes one transition per thread at a time and a paused clock still answers calls between
//! them; a 1-day Wait ends when the clock is advanced past it. StartSyncExecution (Express) runs
//! the execution inside the call, on the execution's own timeline: its Waits and back-offs move
//! that timeline, not the sandbox's clock.

pub mod api;
pub mod asl;
pub mod interp;
pub mod model;
pub mod tasks;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Value};

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    scheduler::Timer,
    service::{Cx, Service, TimerNote},
    Request,
};
use asl::{definition::Definition, Failure};
use interp::Env;
use model::{Execution, Phase, StateMachine, Status};

pub const ERRORS: &str = "com.amazonaws.swf.service.v2.model";

/// Thread ids are reserved in blocks of this many (see `Execution::thread_reserve`).
const THREAD_BLOCK: u32 = 1024;

#[derive(Debug, Default)]
pub struct RegionState {
    pub machines: BTreeMap<String, StateMachine>,
    /// By execution ARN.
    pub executions: BTreeMap<String, Execution>,
    /// Task tokens handed out, with the execution and thread that waits on each.
    pub tokens: HashMap<String, (String, u32)>,
}

#[derive(Debug, Default)]
pub struct StepFunctions {
    regions: BTreeMap<String, RegionState>,
    /// While loading: the execution whose records come next (records arrive in key order, an
    /// execution's before its events and threads).
    loading: Option<String>,
}

/// The effects of one or more interpreter steps, once the step's borrow of the rng is over.
#[derive(Default)]
pub(crate) struct Effects {
    wakes: Vec<(i64, u32, u32)>,
    alarms: Vec<(i64, u32, &'static str)>,
    call: Option<(Request, u32)>,
    start: Option<(u32, Value)>,
    touched: Vec<u32>,
    tokens: Vec<(String, u32)>,
    ended: bool,
    records: Vec<interp::RecordOp>,
}

/// Runs interpreter work with the call's rng and returns what it asked for.
pub(crate) fn with_env(cx: &mut Cx, now: i64, f: impl FnOnce(&mut Env)) -> Effects {
    let region = cx.region.to_string();
    let mut env = Env::new(now, &region, cx.rng);
    f(&mut env);
    Effects { wakes: env.wakes, alarms: env.alarms, call: env.call, start: env.start, touched: env.touched, tokens: env.tokens, ended: env.ended, records: env.records }
}

/// A task's call that is out, for [`Service::resume`].
struct Pending {
    execution: String,
    thread: u32,
    request_id: String,
    resource: tasks::Resource,
}

/// A synchronous execution suspended on a task's call.
pub(crate) struct SyncRun {
    pub exec: Box<Execution>,
    /// (due, seq, thread, gen).
    pub queue: BTreeSet<(i64, u64, u32, u32)>,
    pub seq: u64,
    pub now: i64,
    pub pending: Option<(u32, String, tasks::Resource)>,
}

pub fn err(kind: &str, message: impl Into<String>) -> AwsError {
    AwsError::new(ERRORS, kind, message, 400)
}

impl StepFunctions {
    pub fn region_mut(&mut self, region: &str) -> &mut RegionState {
        self.regions.entry(region.to_string()).or_default()
    }

    pub fn region(&self, region: &str) -> Option<&RegionState> {
        self.regions.get(region)
    }

    /// Journals an execution's changes and turns its wake-ups into timers; then carries out
    /// nested starts and a finished `.sync` child's report to its parent. Returns the call a task
    /// sends, if any.
    pub(crate) fn settle(&mut self, cx: &mut Cx, arn: &str, before_events: usize, before_threads: u32, mut fx: Effects) -> Option<Step> {
        let region = cx.region.to_string();
        // A nested StartExecution is the service's own: run it now and hand the answer back.
        while let Some((tid, params)) = fx.start.take() {
            let pattern = {
                let Some(e) = self.region_mut(&region).executions.get(arn) else { break };
                current_resource(e, tid).map(|r| r.pattern)
            };
            let sync = matches!(pattern, Some(tasks::Pattern::Sync | tasks::Pattern::Sync2));
            let answer = api::start_nested(self, cx, &params, sync.then(|| model::ParentTask { execution: arn.to_string(), thread: tid }));
            let request_id = cx.rng.uuid();
            let now = cx.now_ms;
            let Some(exec) = self.region_mut(&region).executions.get_mut(arn) else { break };
            let resource = current_resource(exec, tid);
            let more = with_env(cx, now, |env| {
                let answer = match (answer, &resource) {
                    (Ok(v), _) => Ok(v),
                    (Err(e), Some(r)) => Err(tasks::service_error(r, &e, &request_id)),
                    (Err(e), None) => Err(Failure::runtime(e.message)),
                };
                interp::task_result(exec, tid, answer, env)
            });
            merge(&mut fx, more);
        }
        let Some(exec) = self.region_mut(&region).executions.get_mut(arn) else { return None };
        let recorded = exec.recorded();
        if recorded {
            let mut seen = BTreeSet::new();
            for tid in &fx.touched {
                if !seen.insert(*tid) {
                    continue;
                }
                let key = model::thread_key(&region, &exec.machine_name, &exec.name, *tid);
                match exec.threads.get(tid) {
                    Some(t) => cx.journal.put_json(key, t),
                    None => cx.journal.delete(key),
                }
            }
            for op in &fx.records {
                let (m, n) = (&exec.machine_name, &exec.name);
                match *op {
                    interp::RecordOp::Items(tid) => {
                        if let Some(t) = exec.threads.get(&tid) {
                            cx.journal.put_json(model::items_key(&region, m, n, tid), &t.items);
                        }
                    }
                    interp::RecordOp::Result(tid, slot) => {
                        if let Some(Some(v)) = exec.threads.get(&tid).and_then(|t| t.results.get(slot as usize)) {
                            cx.journal.put_json(model::result_key(&region, m, n, tid, slot), v);
                        }
                    }
                    interp::RecordOp::Clear(tid) => cx.journal.delete_prefix(format!("{}/", model::thread_key(&region, m, n, tid))),
                }
            }
            for ev in &exec.history[before_events.min(exec.history.len())..] {
                cx.journal.put_json(model::event_key(&region, &exec.machine_name, &exec.name, ev.id), ev);
            }
            let _ = before_threads;
            let reserve = exec.next_thread > exec.thread_reserve;
            if reserve {
                exec.thread_reserve = exec.next_thread + THREAD_BLOCK;
            }
            if fx.ended || reserve || before_events == 0 {
                cx.journal.put_json(model::exec_key(&region, &exec.machine_name, &exec.name), &*exec);
            }
        }
        for (due, tid, gen) in &fx.wakes {
            cx.schedule(*due, json!({ "x": arn, "t": tid, "g": gen }));
        }
        for (due, tid, what) in &fx.alarms {
            cx.schedule(*due, json!({ "x": arn, "t": tid, "a": what }));
        }
        let tokens = &mut self.region_mut(&region).tokens;
        for (tok, tid) in fx.tokens.drain(..) {
            tokens.insert(tok, (arn.to_string(), tid));
        }
        if fx.ended {
            self.ended(cx, arn);
        }
        let (request, tid) = fx.call?;
        let exec = self.region_mut(&region).executions.get(arn)?;
        let resource = current_resource(exec, tid)?;
        let request_id = cx.rng.uuid();
        Some(Step::Call(request, Box::new(Pending { execution: arn.to_string(), thread: tid, request_id, resource })))
    }

    /// An execution ended: its tokens go, and a `.sync` parent hears of it.
    fn ended(&mut self, cx: &mut Cx, arn: &str) {
        let region = cx.region.to_string();
        let r = self.region_mut(&region);
        r.tokens.retain(|_, (e, _)| e != arn);
        let Some(exec) = r.executions.get(arn) else { return };
        let parent = exec.parent.clone();
        let outcome = child_outcome(exec);
        // Express executions are not kept once they end (AWS cannot describe them either).
        if !exec.recorded() {
            r.executions.remove(arn);
        }
        let Some(parent) = parent else { return };
        self.resume_thread(cx, &parent.execution, parent.thread, |exec, tid, env| {
            let json_output = matches!(exec.threads.get(&tid).map(|t| &t.phase), Some(Phase::Child { json_output: true, .. }));
            let outcome = outcome.map(|mut v| {
                if json_output {
                    if let Some(o) = v.get("Output").and_then(Value::as_str).and_then(|s| serde_json::from_str::<Value>(s).ok()) {
                        v["Output"] = o;
                    }
                }
                v
            });
            interp::complete_wait(exec, tid, outcome, env)
        });
    }

    /// Runs `f` on one thread of a running execution and settles what it did. Tasks' calls it
    /// leads to are dropped (they only come from a task's first attempt, which runs from a timer).
    pub(crate) fn resume_thread(&mut self, cx: &mut Cx, arn: &str, tid: u32, f: impl FnOnce(&mut Execution, u32, &mut Env)) -> Option<Step> {
        let region = cx.region.to_string();
        let now = cx.now_ms;
        let exec = self.region_mut(&region).executions.get_mut(arn)?;
        let (before_events, before_threads) = (exec.history.len(), exec.next_thread);
        let fx = with_env(cx, now, |env| f(exec, tid, env));
        self.settle(cx, arn, before_events, before_threads, fx)
    }

    fn fire_timer(&mut self, cx: &mut Cx, timer: &Timer) -> Step {
        let p = &timer.payload;
        let Some(arn) = p.get("x").and_then(Value::as_str) else { return Step::Done(Value::Null) };
        let tid = p.get("t").and_then(Value::as_u64).unwrap_or(0) as u32;
        let now = cx.now_ms;
        let step = match p.get("a").and_then(Value::as_str) {
            None => {
                let gen = p.get("g").and_then(Value::as_u64).unwrap_or(0) as u32;
                self.resume_thread(cx, arn, tid, |exec, tid, env| interp::step(exec, tid, gen, env))
            }
            Some("execution-timeout") => self.resume_thread(cx, arn, 0, |exec, _, env| {
                if exec.timeout_at.is_some_and(|t| t <= env.now) {
                    interp::time_out(exec, env)
                }
            }),
            Some(what) => self.resume_thread(cx, arn, tid, |exec, tid, env| {
                let failure = match exec.threads.get_mut(&tid).map(|t| &mut t.phase) {
                    Some(Phase::Token { deadline, heartbeat_due, .. }) => {
                        if what == "timeout" && deadline.is_some_and(|d| d <= now) {
                            Some(Failure::new(asl::names::TIMEOUT, ""))
                        } else if what == "heartbeat" && heartbeat_due.is_some_and(|d| d <= now) {
                            Some(Failure::new(asl::names::HEARTBEAT_TIMEOUT, ""))
                        } else {
                            None
                        }
                    }
                    Some(Phase::Calling) | Some(Phase::Child { .. }) if what == "timeout" => Some(Failure::new(asl::names::TIMEOUT, "")),
                    _ => None,
                };
                if let Some(f) = failure {
                    if let Some(t) = exec.threads.get_mut(&tid) {
                        if let Phase::Calling = t.phase {
                            // A `.sync` child not started yet cannot time out.
                            return;
                        }
                    }
                    interp::complete_wait(exec, tid, Err(f), env)
                }
            }),
        };
        step.unwrap_or(Step::Done(Value::Null))
    }

    /// Runs a synchronous execution until it ends or sends a task's call.
    pub(crate) fn run_sync(&mut self, cx: &mut Cx, mut run: SyncRun) -> Result<Step, AwsError> {
        loop {
            let Some(first) = run.queue.iter().next().copied() else { break };
            run.queue.remove(&first);
            let (due, _, tid, gen) = first;
            run.now = run.now.max(due);
            if run.now - run.exec.start_ms > api::EXPRESS_MAX_MS {
                let now = run.now;
                let exec = &mut run.exec;
                with_env(cx, now, |env| interp::end(exec, Status::TimedOut, None, Some(Failure::new(asl::names::TIMEOUT, "")), env));
                break;
            }
            let now = run.now;
            let exec = &mut run.exec;
            let mut fx = with_env(cx, now, |env| interp::step(exec, tid, gen, env));
            // Nested StartExecution (fire and forget: Express takes no `.sync`).
            while let Some((t, params)) = fx.start.take() {
                let answer = api::start_nested(self, cx, &params, None);
                let request_id = cx.rng.uuid();
                let exec = &mut run.exec;
                let resource = current_resource(exec, t);
                let more = with_env(cx, now, |env| {
                    let answer = match (answer, &resource) {
                        (Ok(v), _) => Ok(v),
                        (Err(e), Some(r)) => Err(tasks::service_error(r, &e, &request_id)),
                        (Err(e), None) => Err(Failure::runtime(e.message)),
                    };
                    interp::task_result(exec, t, answer, env)
                });
                merge(&mut fx, more);
            }
            for (due, t, g) in fx.wakes.drain(..) {
                run.seq += 1;
                run.queue.insert((due, run.seq, t, g));
            }
            if let Some((request, t)) = fx.call.take() {
                let request_id = cx.rng.uuid();
                if let Some(resource) = current_resource(&run.exec, t) {
                    run.pending = Some((t, request_id, resource));
                    return Ok(Step::Call(request, Box::new(run)));
                }
            }
            if run.exec.status != Status::Running {
                break;
            }
        }
        if run.exec.status == Status::Running {
            let now = run.now;
            let exec = &mut run.exec;
            with_env(cx, now, |env| interp::end(exec, Status::Failed, None, Some(Failure::runtime("The execution has no more work to do but did not end")), env));
        }
        Ok(Step::Done(api::sync_answer(&run.exec)))
    }
}

fn merge(into: &mut Effects, more: Effects) {
    into.wakes.extend(more.wakes);
    into.alarms.extend(more.alarms);
    if more.call.is_some() {
        into.call = more.call;
    }
    if more.start.is_some() {
        into.start = more.start;
    }
    into.touched.extend(more.touched);
    into.tokens.extend(more.tokens);
    into.ended |= more.ended;
    into.records.extend(more.records);
}

/// The Task resource of the state a thread is in.
fn current_resource(exec: &Execution, tid: u32) -> Option<tasks::Resource> {
    let def = exec.def.as_ref()?;
    let t = exec.threads.get(&tid)?;
    let s = interp::machine(def, &t.scope)?.states.get(t.state as usize)?;
    match &s.kind {
        asl::definition::Kind::Task(task) => tasks::parse(&task.resource).ok(),
        _ => None,
    }
}

/// An API answer as the SDK-shaped output of a service integration (`ExecutionArn`, `Output`).
fn pascal(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| !k.starts_with("redrive"))
                .map(|(k, v)| {
                    let mut c = k.chars();
                    let key = c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default();
                    (key, pascal(v))
                })
                .collect(),
        ),
        other => other,
    }
}

/// What a `.sync` parent sees of a child that ended: DescribeExecution's answer, or the failure.
fn child_outcome(exec: &Execution) -> Result<Value, Failure> {
    let describe = pascal(api::describe(exec));
    match exec.status {
        Status::Succeeded => Ok(describe),
        Status::Failed | Status::TimedOut | Status::Aborted => Err(Failure::new(asl::names::TASK_FAILED, asl::compact(&describe))),
        Status::Running => Err(Failure::runtime("still running")),
    }
}

impl Service for StepFunctions {
    fn name(&self) -> &'static str {
        "states"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match self.call_step(cx, operation, input)? {
            Step::Done(v) => Ok(v),
            _ => Err(AwsError::internal("StartSyncExecution needs the kernel")),
        }
    }

    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        if !input.is_object() {
            return Err(AwsError::serialization("Start of structure or map found where not expected."));
        }
        api::dispatch(self, cx, operation, input)
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let answer = match result {
            Resumed::Called(a) => a,
            Resumed::Ran(_) => return Err(AwsError::internal("Step Functions runs no code")),
        };
        match then.downcast::<Pending>() {
            Ok(p) => {
                let outcome = match answer {
                    Ok(v) => tasks::result(&p.resource, v, &p.request_id),
                    Err(e) => Err(tasks::service_error(&p.resource, &e, &p.request_id)),
                };
                let step = self.resume_thread(cx, &p.execution, p.thread, |exec, tid, env| interp::task_result(exec, tid, outcome, env));
                Ok(step.unwrap_or(Step::Done(Value::Null)))
            }
            Err(then) => match then.downcast::<SyncRun>() {
                Ok(run) => {
                    let mut run = *run;
                    let Some((tid, request_id, resource)) = run.pending.take() else { return Err(AwsError::internal("no pending task")) };
                    let outcome = match answer {
                        Ok(v) => tasks::result(&resource, v, &request_id),
                        Err(e) => Err(tasks::service_error(&resource, &e, &request_id)),
                    };
                    let now = run.now;
                    let exec = &mut run.exec;
                    let fx = with_env(cx, now, |env| interp::task_result(exec, tid, outcome, env));
                    for (due, t, g) in fx.wakes {
                        run.seq += 1;
                        run.queue.insert((due, run.seq, t, g));
                    }
                    self.run_sync(cx, run)
                }
                Err(_) => Err(AwsError::internal("unknown continuation")),
            },
        }
    }

    /// Wait states ending, retries after their backoff, and timeouts (not the immediate wakes
    /// that carry an execution from state to state).
    fn describe_timer(&self, timer: &Timer) -> Option<TimerNote> {
        let p = &timer.payload;
        let arn = p.get("x").and_then(Value::as_str)?;
        let name = arn.rsplit(':').next().unwrap_or(arn);
        let exec = self.region(&timer.region)?.executions.get(arn)?;
        if exec.status != Status::Running {
            return None;
        }
        let thread = exec.threads.get(&(p.get("t").and_then(Value::as_u64).unwrap_or(0) as u32));
        match p.get("a").and_then(Value::as_str) {
            None => match thread.map(|t| (&t.phase, t.retry_count)) {
                Some((Phase::Waiting { .. }, _)) => TimerNote::new("wait", format!("Execution {name}: a Wait state ends")),
                Some((Phase::Enter | Phase::Attempt, n)) if n > 0 && timer.due_ms > thread.map_or(0, |t| t.entered_ms) => {
                    TimerNote::new("retry", format!("Execution {name}: retry {n} of a failed state"))
                }
                _ => None,
            },
            Some("execution-timeout") => TimerNote::new("timeout", format!("Execution {name} times out (TimeoutSeconds)")),
            Some("timeout") => TimerNote::new("timeout", format!("Execution {name}: a task times out")),
            Some("heartbeat") => TimerNote::new("timeout", format!("Execution {name}: a task's heartbeat is due")),
            Some(_) => None,
        }
    }

    fn fire_step(&mut self, cx: &mut Cx, timer: &Timer) -> Step {
        self.fire_timer(cx, timer)
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (region, r) in &self.regions {
            for m in r.machines.values() {
                out.push(Record { key: model::machine_key(region, &m.name), value: serde_json::to_vec(m).unwrap_or_default() });
            }
            for e in r.executions.values().filter(|e| e.recorded()) {
                out.push(Record { key: model::exec_key(region, &e.machine_name, &e.name), value: serde_json::to_vec(e).unwrap_or_default() });
                for ev in &e.history {
                    out.push(Record { key: model::event_key(region, &e.machine_name, &e.name, ev.id), value: serde_json::to_vec(ev).unwrap_or_default() });
                }
                for t in e.threads.values() {
                    out.push(Record { key: model::thread_key(region, &e.machine_name, &e.name, t.id), value: serde_json::to_vec(t).unwrap_or_default() });
                    if let Phase::Children { is_map, .. } = t.phase {
                        if is_map {
                            out.push(Record { key: model::items_key(region, &e.machine_name, &e.name, t.id), value: serde_json::to_vec(&t.items).unwrap_or_default() });
                        }
                        for (slot, r) in t.results.iter().enumerate() {
                            if let Some(v) = r {
                                out.push(Record { key: model::result_key(region, &e.machine_name, &e.name, t.id, slot as u32), value: serde_json::to_vec(v).unwrap_or_default() });
                            }
                        }
                    }
                }
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        fn parse<T: serde::de::DeserializeOwned>(value: &[u8]) -> Result<T, String> {
            serde_json::from_slice(value).map_err(|e| e.to_string())
        }
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["states", region, "machine", _name] => {
                let mut m: StateMachine = parse(value)?;
                m.parsed = Definition::parse(&m.definition).ok().map(std::sync::Arc::new);
                self.region_mut(region).machines.insert(m.name.clone(), m);
            }
            ["states", region, "exec", _machine, _name] => {
                let mut e: Execution = parse(value)?;
                e.def = Definition::parse(&e.definition).ok().map(std::sync::Arc::new);
                e.build_context();
                e.next_thread = e.thread_reserve;
                self.loading = Some(e.arn.clone());
                self.region_mut(region).executions.insert(e.arn.clone(), e);
            }
            ["states", region, "exec", machine, name, kind, _id] => {
                let arn = self.loading.clone().ok_or("record before its execution")?;
                let r = self.region_mut(region);
                let exec = r.executions.get_mut(&arn).filter(|e| e.machine_name == *machine && e.name == *name).ok_or("record before its execution")?;
                match *kind {
                    "ev" => {
                        let ev: model::Event = parse(value)?;
                        exec.next_event = exec.next_event.max(ev.id);
                        exec.history.push(ev);
                    }
                    "t" => {
                        let mut t: model::Thread = parse(value)?;
                        if let Phase::Children { total, .. } = t.phase {
                            t.results = vec![None; total as usize];
                        }
                        exec.next_thread = exec.next_thread.max(t.id);
                        if let Phase::Token { token, .. } = &t.phase {
                            r.tokens.insert(token.clone(), (arn.clone(), t.id));
                        }
                        if let Some(exec) = r.executions.get_mut(&arn) {
                            exec.threads.insert(t.id, t);
                        }
                    }
                    _ => return Err("unknown Step Functions record".into()),
                }
            }
            ["states", region, "exec", _machine, _name, "t", tid, rest @ ..] => {
                let arn = self.loading.clone().ok_or("record before its execution")?;
                let tid = u32::from_str_radix(tid, 16).map_err(|e| e.to_string())?;
                let t = self.region_mut(region).executions.get_mut(&arn).and_then(|e| e.threads.get_mut(&tid)).ok_or("record before its thread")?;
                match rest {
                    ["items"] => t.items = parse(value)?,
                    ["r", slot] => {
                        let slot = u32::from_str_radix(slot, 16).map_err(|e| e.to_string())? as usize;
                        let r = t.results.get_mut(slot).ok_or("result record past the branch count")?;
                        *r = Some(parse(value)?);
                    }
                    _ => return Err("unknown Step Functions record".into()),
                }
            }
            _ => return Err("unknown Step Functions record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.regions.clear();
        self.loading = None;
    }
}
