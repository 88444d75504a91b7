//! The interpreter: an execution is a set of threads (the top-level machine, each running
//! Parallel branch and Map iteration), each in one state with that state's input and a
//! [`Phase`]. One step advances one thread by one transition and says when it wants to run again
//! (a wake-up: at once, after a Wait, after a retry's back-off), whether it sends a task's request
//! (at most one per step), and which threads and events changed. The service turns wake-ups into
//! timers on the virtual clock (Standard, and asynchronous Express executions) or into a local
//! queue on the execution's own timeline (StartSyncExecution), and journals what changed.

use serde_json::{json, Value};

use super::{
    asl::{
        compact,
        definition::{Definition, JsonataFields, Kind, Machine, State, Transition, Wait},
        errors::{decide, Decision},
        names,
        process::PathField,
        query::{self, Field, Scope},
        Failure,
    },
    model::{Event, Execution, Phase, Status, Thread},
    tasks::{self, Integration, Pattern},
};
use crate::kernel::{rng::Rng, time::iso8601, Request};

/// AWS's limit on an execution's history.
pub const MAX_EVENTS: usize = 25_000;
/// AWS's limit on a payload (state input/output, task result, execution input).
pub const MAX_PAYLOAD: usize = 256 * 1024;
/// An Express execution is stopped (States.Timeout) after this many steps: its transitions take
/// no virtual time, so a loop of Pass states would otherwise never reach the five minutes.
pub const MAX_EXPRESS_STEPS: u64 = 5_000_000;
/// An inline Map runs at most this many iterations at once.
pub const INLINE_MAP_CONCURRENCY: u32 = 40;

/// What a step asks of the service.
pub struct Env<'a> {
    pub now: i64,
    pub region: &'a str,
    pub rng: &'a mut Rng,
    /// (due, thread, gen) wake-ups.
    pub wakes: Vec<(i64, u32, u32)>,
    /// Timers for a waiting task: (due, thread, what) with what `timeout` or `heartbeat`.
    pub alarms: Vec<(i64, u32, &'static str)>,
    /// The request a task sends; the answer goes to [`task_result`].
    pub call: Option<(Request, u32)>,
    /// A nested StartExecution: (thread, parameters).
    pub start: Option<(u32, Value)>,
    /// Threads whose record changed (or went).
    pub touched: Vec<u32>,
    /// Task tokens issued, with their thread.
    pub tokens: Vec<(String, u32)>,
    /// The execution's status changed.
    pub ended: bool,
    /// Records of a thread's items and results to write or clear, in order.
    pub records: Vec<RecordOp>,
}

#[derive(Debug, Clone, Copy)]
pub enum RecordOp {
    Items(u32),
    Result(u32, u32),
    Clear(u32),
}

impl<'a> Env<'a> {
    pub fn new(now: i64, region: &'a str, rng: &'a mut Rng) -> Env<'a> {
        Env { now, region, rng, wakes: Vec::new(), alarms: Vec::new(), call: None, start: None, touched: Vec::new(), tokens: Vec::new(), ended: false, records: Vec::new() }
    }
}

/// The machine a thread runs in: the top level, a Parallel branch or a Map processor.
pub fn machine<'d>(def: &'d Definition, scope: &[(u32, u32)]) -> Option<&'d Machine> {
    let mut m = &def.machine;
    for (s, b) in scope {
        m = match &m.states.get(*s as usize)?.kind {
            Kind::Parallel(p) => p.branches.get(*b as usize)?,
            Kind::Map(mp) => &mp.processor,
            _ => return None,
        };
    }
    Some(m)
}

fn index_of(m: &Machine, name: &str) -> Option<u32> {
    m.states.iter().position(|s| s.name == name).map(|i| i as u32)
}

/// `inputDetails` / `outputDetails`: payloads are never truncated in the sandbox's history.
fn data(_v: &Value) -> Value {
    json!({ "truncated": false })
}

/// Appends an event to the thread's chain (Standard executions only); past the history limit the
/// execution fails with States.Runtime.
fn event(exec: &mut Execution, tid: Option<u32>, kind: &str, key: Option<&str>, details: Value, env: &mut Env) {
    if !exec.recorded() || exec.status != Status::Running && !kind.starts_with("Execution") {
        return;
    }
    let prev = match tid.and_then(|t| exec.threads.get(&t)) {
        Some(t) => t.last_event,
        None => exec.next_event,
    };
    if exec.history.len() + 1 >= MAX_EVENTS && !kind.starts_with("Execution") {
        end(exec, Status::Failed, None, Some(Failure::runtime(format!("The execution reached the maximum number of history events ({MAX_EVENTS}) and was stopped."))), env);
        return;
    }
    exec.next_event += 1;
    let id = exec.next_event;
    exec.history.push(Event { id, prev, ms: env.now, kind: kind.to_string(), key: key.map(str::to_string), details });
    if let Some(t) = tid.and_then(|t| exec.threads.get_mut(&t)) {
        t.last_event = id;
        env.touched.push(t.id);
    }
}

/// `StateEnteredEventDetails` (`field` "input") or `StateExitedEventDetails` ("output").
fn text_details(name: &str, field: &'static str, v: &Value) -> Value {
    let mut d = serde_json::Map::with_capacity(3);
    d.insert("name".into(), Value::String(name.to_string()));
    d.insert(field.into(), Value::String(compact(v)));
    d.insert(if field == "input" { "inputDetails" } else { "outputDetails" }.into(), data(v));
    Value::Object(d)
}

fn entered_type(kind: &Kind) -> &'static str {
    match kind {
        Kind::Pass(_) => "PassStateEntered",
        Kind::Task(_) => "TaskStateEntered",
        Kind::Choice(_) => "ChoiceStateEntered",
        Kind::Wait(_) => "WaitStateEntered",
        Kind::Parallel(_) => "ParallelStateEntered",
        Kind::Map(_) => "MapStateEntered",
        Kind::Succeed => "SucceedStateEntered",
        Kind::Fail(_) => "FailStateEntered",
    }
}

fn exited_type(kind: &Kind) -> &'static str {
    match kind {
        Kind::Pass(_) => "PassStateExited",
        Kind::Task(_) => "TaskStateExited",
        Kind::Choice(_) => "ChoiceStateExited",
        Kind::Wait(_) => "WaitStateExited",
        Kind::Parallel(_) => "ParallelStateExited",
        Kind::Map(_) => "MapStateExited",
        Kind::Succeed => "SucceedStateExited",
        Kind::Fail(_) => "FailStateExited",
    }
}

fn wake(exec: &mut Execution, tid: u32, due: i64, env: &mut Env) {
    if let Some(t) = exec.threads.get_mut(&tid) {
        t.gen = t.gen.wrapping_add(1);
        env.wakes.push((due, tid, t.gen));
        env.touched.push(tid);
    }
}

/// Writes `$$.State` (and `$$.Task`, `$$.Map`) for a thread about to evaluate its state.
fn set_context(exec: &mut Execution, tid: u32, state: &State, token: Option<&str>) {
    if !state.reads_context {
        return;
    }
    let Some(t) = exec.threads.get(&tid) else { return };
    let entered = iso8601(t.entered_ms);
    let retry = t.retry_count;
    let item = t.map_item.clone();
    if let Value::Object(c) = &mut exec.context {
        c.insert("State".into(), json!({ "EnteredTime": entered, "Name": state.name, "RetryCount": retry }));
        match token {
            Some(tok) => {
                c.insert("Task".into(), json!({ "Token": tok }));
            }
            None => {
                c.remove("Task");
            }
        }
        match item {
            Some((i, v)) => {
                c.insert("Map".into(), json!({ "Item": { "Index": i, "Value": v } }));
            }
            None => {
                c.remove("Map");
            }
        }
    }
}

/// Starts the execution: ExecutionStarted and the first state's thread.
pub fn start(exec: &mut Execution, env: &mut Env) {
    let input: Value = serde_json::from_str(&exec.input).unwrap_or(Value::Null);
    let mut details = json!({ "input": exec.input, "inputDetails": { "truncated": false }, "roleArn": exec.role_arn });
    if exec.kind == super::model::MachineType::Express {
        details = Value::Null;
    }
    if !details.is_null() {
        event(exec, None, "ExecutionStarted", Some("executionStartedEventDetails"), details, env);
    }
    let Some(def) = exec.def.clone() else { return };
    let Some(first) = index_of(&def.machine, &def.machine.start_at) else { return };
    let tid = spawn(exec, None, Vec::new(), first, input, None, env);
    if let Some(t) = exec.threads.get_mut(&tid) {
        t.last_event = exec.next_event;
    }
    if let Some(secs) = def.timeout_seconds {
        exec.timeout_at = Some(env.now + secs as i64 * 1000);
    }
}

fn spawn(exec: &mut Execution, parent: Option<(u32, u32)>, scope: Vec<(u32, u32)>, state: u32, input: Value, item: Option<(u64, Value)>, env: &mut Env) -> u32 {
    exec.next_thread += 1;
    let id = exec.next_thread;
    let last_event = parent.and_then(|(p, _)| exec.threads.get(&p)).map(|t| t.last_event).unwrap_or(0);
    let vars = parent.and_then(|(p, _)| exec.threads.get(&p)).map(|t| t.vars.clone()).unwrap_or_default();
    exec.threads.insert(
        id,
        Thread {
            id,
            parent,
            scope,
            state,
            input,
            phase: Phase::Enter,
            retry: Default::default(),
            retry_count: 0,
            entered_ms: env.now,
            last_event,
            gen: 0,
            map_item: item,
            vars,
            items: Vec::new(),
            results: Vec::new(),
        },
    );
    wake(exec, id, env.now, env);
    id
}

/// One step of thread `tid`, woken with `gen` (a stale wake-up does nothing).
pub fn step(exec: &mut Execution, tid: u32, gen: u32, env: &mut Env) {
    if exec.status != Status::Running {
        return;
    }
    let Some(def) = exec.def.clone() else { return };
    let Some(t) = exec.threads.get(&tid) else { return };
    if t.gen != gen {
        return;
    }
    exec.steps += 1;
    if !exec.recorded() && exec.steps > MAX_EXPRESS_STEPS {
        let f = Failure::new(names::TIMEOUT, format!("The Express execution took more than the sandbox's {MAX_EXPRESS_STEPS} steps (its five minutes)"));
        return end(exec, Status::TimedOut, None, Some(f), env);
    }
    let Some(state) = machine(&def, &t.scope).and_then(|m| m.states.get(t.state as usize)) else {
        return fail_thread(exec, tid, Failure::runtime("The thread's state is not in the definition"), env);
    };
    match &t.phase {
        Phase::Enter => enter(exec, tid, state, &def, env),
        Phase::Attempt => attempt(exec, tid, state, &def, env),
        Phase::Waiting { until } if env.now >= *until => {
            let input = t.input.clone();
            set_context(exec, tid, state, None);
            if let Some(ja) = state.jsonata.as_deref() {
                return match jsonata_out(exec, tid, state, &input, None, input.clone(), ja.output.as_ref(), &[ja.assign.as_ref()], env) {
                    Ok(o) => exit(exec, tid, state, &def, o, env),
                    Err(f) => handle_error(exec, tid, state, &def, f, env),
                };
            }
            let out =
                state.data.prepare(&input, &exec.context, &mut || env.rng.next_u64()).and_then(|p| state.data.finish_output(input, p.after_input_path, &exec.context, &mut || 0));
            match out {
                Ok(o) => exit(exec, tid, state, &def, o, env),
                Err(f) => handle_error(exec, tid, state, &def, f, env),
            }
        }
        _ => {}
    }
}

fn enter(exec: &mut Execution, tid: u32, state: &State, def: &Definition, env: &mut Env) {
    let Some(t) = exec.threads.get_mut(&tid) else { return };
    t.entered_ms = env.now;
    t.retry = Default::default();
    t.retry_count = 0;
    let input = t.input.clone();
    env.touched.push(tid);
    if exec.recorded() {
        event(exec, Some(tid), entered_type(&state.kind), Some("stateEnteredEventDetails"), text_details(&state.name, "input", &input), env);
        if exec.status != Status::Running {
            return;
        }
    }
    set_context(exec, tid, state, None);
    if let Some(ja) = state.jsonata.as_deref() {
        if !matches!(state.kind, Kind::Task(_) | Kind::Parallel(_) | Kind::Map(_)) {
            return enter_jsonata(exec, tid, state, ja, def, input, env);
        }
    }
    let ctx = &exec.context;
    let result: Result<Option<Value>, Failure> = match &state.kind {
        // (The state input is not needed after its output is made: ResultPath writes into it.)
        Kind::Pass(p) => match state.data.effective_input(&input, ctx, &mut || env.rng.next_u64()) {
            Ok(effective) => {
                let result = p.result.clone().unwrap_or(effective);
                state.data.finish_output(input, result, ctx, &mut || env.rng.next_u64()).map(Some)
            }
            Err(f) => Err(f),
        },
        Kind::Succeed => state.data.prepare(&input, ctx, &mut || 0).and_then(|prep| state.data.finish_output(input.clone(), prep.after_input_path, ctx, &mut || 0).map(Some)),
        Kind::Choice(c) => {
            let chosen = state.data.prepare(&input, ctx, &mut || 0).and_then(|prep| {
                let pick = c.choose(&prep.after_input_path, ctx)?;
                let out = state.data.finish_output(input.clone(), prep.after_input_path, ctx, &mut || 0)?;
                Ok((pick, out))
            });
            match chosen {
                Ok((pick, out)) => {
                    let target = c.target(pick).unwrap_or_default().to_string();
                    if exec.recorded() {
                        event(exec, Some(tid), "ChoiceStateExited", Some("stateExitedEventDetails"), text_details(&state.name, "output", &out), env);
                    }
                    go_to(exec, tid, def, &target, out, env);
                    return;
                }
                Err(f) => Err(f),
            }
        }
        Kind::Wait(w) => match wait_until(w, state, &input, ctx, env.now) {
            Ok(until) => {
                if let Some(t) = exec.threads.get_mut(&tid) {
                    t.phase = Phase::Waiting { until };
                }
                wake(exec, tid, until, env);
                return;
            }
            Err(f) => Err(f),
        },
        Kind::Fail(f) => {
            let mut rnd = || env.rng.next_u64();
            let error = f.error.as_ref().map(|e| e.resolve("Error", &input, ctx, &mut rnd));
            let cause = f.cause.as_ref().map(|c| c.resolve("Cause", &input, ctx, &mut rnd));
            let failure = match (error.transpose(), cause.transpose()) {
                (Ok(e), Ok(c)) => Failure { error: e.unwrap_or_default(), cause: c.unwrap_or_default() },
                (Err(x), _) | (_, Err(x)) => x,
            };
            return fail_thread(exec, tid, failure, env);
        }
        Kind::Task(_) | Kind::Parallel(_) | Kind::Map(_) => {
            if let Some(t) = exec.threads.get_mut(&tid) {
                t.phase = Phase::Attempt;
            }
            return attempt(exec, tid, state, def, env);
        }
    };
    match result {
        Ok(Some(out)) => exit(exec, tid, state, def, out, env),
        Ok(None) => {}
        Err(f) => handle_error(exec, tid, state, def, f, env),
    }
}

/// The `$states` scope of thread `tid` (its variables copied out, so the thread can change).
fn vars_of(exec: &Execution, tid: u32) -> serde_json::Map<String, Value> {
    exec.threads.get(&tid).map(|t| t.vars.clone()).unwrap_or_default()
}

/// Runs `f` in the `$states` scope (`input`, `context`, and `extra`) of thread `tid`'s state.
fn in_scope<T>(
    exec: &Execution,
    tid: u32,
    state: &State,
    input: &Value,
    extra: Option<(&str, Value)>,
    env: &mut Env,
    f: impl FnOnce(&mut Scope) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let vars = vars_of(exec, tid);
    let now = env.now;
    let mut rnd = || env.rng.next_u64();
    let mut sc = Scope::new(&state.name, input, &exec.context, &vars, now, &mut rnd);
    if let Some((k, v)) = extra {
        sc = sc.with(k, v);
    }
    f(&mut sc)
}

/// One JSONata field of a state.
#[allow(clippy::too_many_arguments)]
fn jsonata_field(exec: &Execution, tid: u32, state: &State, input: &Value, extra: Option<(&str, Value)>, f: &Field, field: &str, env: &mut Env) -> Result<Value, Failure> {
    in_scope(exec, tid, state, input, extra, env, |sc| f.eval(field, sc))
}

/// A JSONata state's end: its `Output` (default `fallback`) and its `Assign` fields, all evaluated
/// against the same `$states` and the variables as they were; then the variables change.
#[allow(clippy::too_many_arguments)]
fn jsonata_out(
    exec: &mut Execution,
    tid: u32,
    state: &State,
    input: &Value,
    extra: Option<(&str, Value)>,
    fallback: Value,
    output: Option<&Field>,
    assigns: &[Option<&Field>],
    env: &mut Env,
) -> Result<Value, Failure> {
    let (out, assigned) = in_scope(exec, tid, state, input, extra, env, |sc| {
        let out = match output {
            Some(f) => f.eval("Output", sc)?,
            None => fallback,
        };
        let mut assigned = Vec::new();
        for a in assigns.iter().flatten() {
            assigned.extend(query::assign(a, sc)?);
        }
        Ok((out, assigned))
    })?;
    if !assigned.is_empty() {
        if let Some(t) = exec.threads.get_mut(&tid) {
            for (k, v) in assigned {
                t.vars.insert(k, v);
            }
        }
    }
    Ok(out)
}

/// Pass, Succeed, Choice, Wait and Fail in JSONata.
fn enter_jsonata(exec: &mut Execution, tid: u32, state: &State, ja: &JsonataFields, def: &Definition, input: Value, env: &mut Env) {
    let result: Result<Value, Failure> = match &state.kind {
        Kind::Pass(_) | Kind::Succeed => jsonata_out(exec, tid, state, &input, None, input.clone(), ja.output.as_ref(), &[ja.assign.as_ref()], env),
        Kind::Choice(c) => {
            let mut pick = None;
            for (i, (cond, _, _)) in ja.rules.iter().enumerate() {
                match jsonata_field(exec, tid, state, &input, None, cond, "Condition", env) {
                    Ok(Value::Bool(true)) => {
                        pick = Some(i);
                        break;
                    }
                    Ok(Value::Bool(false)) => {}
                    Ok(other) => {
                        let f = Failure::new(
                            names::QUERY_EVALUATION_ERROR,
                            format!(
                                "An error occurred while executing the state '{}'. The Condition of choice rule {i} must evaluate to a boolean, but was '{}'",
                                state.name,
                                compact(&other)
                            ),
                        );
                        return handle_error(exec, tid, state, def, f, env);
                    }
                    Err(f) => return handle_error(exec, tid, state, def, f, env),
                }
            }
            if pick.is_none() && c.default.is_none() {
                return handle_error(exec, tid, state, def, Failure::new(names::NO_CHOICE_MATCHED, "No choice rule matched the input and the Choice state has no Default"), env);
            }
            let (rule_output, rule_assign) = pick.and_then(|i| ja.rules.get(i)).map(|(_, o, a)| (o.as_ref(), a.as_ref())).unwrap_or((None, None));
            match jsonata_out(exec, tid, state, &input, None, input.clone(), rule_output.or(ja.output.as_ref()), &[ja.assign.as_ref(), rule_assign], env) {
                Ok(out) => {
                    let target = c.target(pick).unwrap_or_default().to_string();
                    if exec.recorded() {
                        event(exec, Some(tid), "ChoiceStateExited", Some("stateExitedEventDetails"), text_details(&state.name, "output", &out), env);
                    }
                    return go_to(exec, tid, def, &target, out, env);
                }
                Err(f) => Err(f),
            }
        }
        Kind::Wait(w) => {
            let until = match w {
                Wait::Seconds(a) => {
                    let now = env.now;
                    in_scope(exec, tid, state, &input, None, env, |sc| a.resolve_jsonata("Seconds", sc)).map(|s| now + s as i64 * 1000)
                }
                Wait::TimestampJsonata(f) => jsonata_field(exec, tid, state, &input, None, f, "Timestamp", env).and_then(|v| {
                    v.as_str().and_then(timestamp_ms).ok_or_else(|| {
                        Failure::new(
                            names::QUERY_EVALUATION_ERROR,
                            format!("An error occurred while executing the state '{}'. The value of the field 'Timestamp' must be an ISO-8601 extended offset date-time format string, but was '{}'", state.name, compact(&v)),
                        )
                    })
                }),
                Wait::Timestamp(s) => timestamp_ms(s).ok_or_else(|| Failure::runtime(format!("Invalid timestamp '{s}'"))),
                Wait::TimestampPath(p) => Err(Failure::runtime(format!("TimestampPath ({}) is not allowed in a JSONata state", p.text()))),
            };
            match until {
                Ok(until) => {
                    let until = until.max(env.now);
                    if let Some(t) = exec.threads.get_mut(&tid) {
                        t.phase = Phase::Waiting { until };
                    }
                    return wake(exec, tid, until, env);
                }
                Err(f) => Err(f),
            }
        }
        Kind::Fail(_) => {
            let mut text = |f: Option<&Field>, field: &str| -> Result<String, Failure> {
                let Some(f) = f else { return Ok(String::new()) };
                match jsonata_field(exec, tid, state, &input, None, f, field, env)? {
                    Value::String(s) => Ok(s),
                    other => Err(Failure::new(
                        names::QUERY_EVALUATION_ERROR,
                        format!("An error occurred while executing the state '{}'. The value of the field '{field}' must be a string, but was '{}'", state.name, compact(&other)),
                    )),
                }
            };
            let failure = match (text(ja.error.as_ref(), "Error"), text(ja.cause.as_ref(), "Cause")) {
                (Ok(error), Ok(cause)) => Failure { error, cause },
                (Err(x), _) | (_, Err(x)) => x,
            };
            return fail_thread(exec, tid, failure, env);
        }
        Kind::Task(_) | Kind::Parallel(_) | Kind::Map(_) => return,
    };
    match result {
        Ok(out) => exit(exec, tid, state, def, out, env),
        Err(f) => handle_error(exec, tid, state, def, f, env),
    }
}

fn wait_until(w: &Wait, state: &State, input: &Value, ctx: &Value, now: i64) -> Result<i64, Failure> {
    let after = match &state.data.input_path {
        PathField::Absent => input.clone(),
        PathField::Null => json!({}),
        PathField::Path(p) => p.select(input, ctx).map_err(|why| Failure::runtime(format!("Invalid path '{}' : {why}", p.text())))?,
    };
    match w {
        Wait::Seconds(a) => Ok(now + a.resolve("SecondsPath", &after, ctx)? as i64 * 1000),
        Wait::Timestamp(s) => timestamp_ms(s).ok_or_else(|| Failure::runtime(format!("Invalid timestamp '{s}'"))),
        Wait::TimestampPath(p) => {
            let v = p.select(&after, ctx).map_err(|why| Failure::runtime(format!("Invalid path '{}' : {why}", p.text())))?;
            v.as_str()
                .and_then(timestamp_ms)
                .ok_or_else(|| Failure::runtime(format!("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {}", p.text())))
        }
        Wait::TimestampJsonata(_) => Err(Failure::new(names::QUERY_EVALUATION_ERROR, "A JSONata Timestamp in a JSONPath state")),
    }
    .map(|until| until.max(now))
}

fn timestamp_ms(s: &str) -> Option<i64> {
    super::asl::choice::timestamp(s).map(|ns| (ns / 1_000_000) as i64)
}

fn amount(a: &Option<super::asl::definition::Amount>, field: &str, input: &Value, ctx: &Value) -> Result<Option<u64>, Failure> {
    a.as_ref().map(|a| a.resolve(field, input, ctx)).transpose()
}

fn attempt(exec: &mut Execution, tid: u32, state: &State, def: &Definition, env: &mut Env) {
    let Some(t) = exec.threads.get(&tid) else { return };
    let input = t.input.clone();
    let scope = t.scope.clone();
    let sidx = t.state;
    match &state.kind {
        Kind::Task(task) => {
            let resource = match tasks::parse(&task.resource) {
                Ok(r) => r,
                Err(e) => return fail_thread(exec, tid, Failure::runtime(e), env),
            };
            let token = (resource.pattern == Pattern::Token).then(|| task_token(env.rng));
            set_context(exec, tid, state, token.as_deref());
            let (params, timeout, heartbeat) = match task_inputs(exec, tid, state, task, &input, env) {
                Ok(x) => x,
                Err(f) => return handle_error(exec, tid, state, def, f, env),
            };
            if let Integration::LambdaArn(arn) = &resource.integration {
                let mut d = json!({ "resource": arn, "input": compact(&params), "inputDetails": { "truncated": false } });
                if let Some(s) = timeout {
                    d["timeoutInSeconds"] = json!(s);
                }
                event(exec, Some(tid), "LambdaFunctionScheduled", Some("lambdaFunctionScheduledEventDetails"), d, env);
                event(exec, Some(tid), "LambdaFunctionStarted", None, Value::Null, env);
            } else {
                let mut d = json!({ "resourceType": resource.resource_type, "resource": resource.resource, "region": env.region, "parameters": compact(&params) });
                if let Some(s) = timeout {
                    d["timeoutInSeconds"] = json!(s);
                }
                if let Some(s) = heartbeat {
                    d["heartbeatInSeconds"] = json!(s);
                }
                event(exec, Some(tid), "TaskScheduled", Some("taskScheduledEventDetails"), d, env);
                event(exec, Some(tid), "TaskStarted", Some("taskStartedEventDetails"), json!({ "resourceType": resource.resource_type, "resource": resource.resource }), env);
            }
            if exec.status != Status::Running {
                return;
            }
            let Some(t) = exec.threads.get_mut(&tid) else { return };
            env.touched.push(tid);
            match (&resource.integration, resource.pattern, token) {
                (_, Pattern::Token, Some(tok)) => {
                    t.phase = Phase::Token {
                        token: tok.clone(),
                        resource_type: resource.resource_type.to_string(),
                        resource: resource.resource.clone(),
                        deadline: timeout.map(|s| env.now + s as i64 * 1000),
                        heartbeat_ms: heartbeat.map(|s| s as i64 * 1000),
                        heartbeat_due: heartbeat.map(|s| env.now + s as i64 * 1000),
                    };
                    env.tokens.push((tok, tid));
                    if let Some(s) = timeout {
                        env.alarms.push((env.now + s as i64 * 1000, tid, "timeout"));
                    }
                    if let Some(s) = heartbeat {
                        env.alarms.push((env.now + s as i64 * 1000, tid, "heartbeat"));
                    }
                    // The request that hands the token out; its answer is TaskSubmitted.
                    if resource.integration == Integration::StartExecution {
                        env.start = Some((tid, params));
                    } else {
                        match tasks::request(&resource, env.region, &params) {
                            Ok(r) => env.call = Some((tasks::as_role(r, &exec.role_arn, &exec.name), tid)),
                            Err(f) => return task_failed(exec, tid, state, def, &resource, f, env),
                        }
                    }
                }
                (Integration::StartExecution, _, _) => {
                    t.phase = Phase::Calling;
                    if matches!(resource.pattern, Pattern::Sync | Pattern::Sync2) {
                        if let Some(s) = timeout {
                            env.alarms.push((env.now + s as i64 * 1000, tid, "timeout"));
                        }
                    }
                    env.start = Some((tid, params));
                }
                _ => {
                    t.phase = Phase::Calling;
                    match tasks::request(&resource, env.region, &params) {
                        Ok(r) => env.call = Some((tasks::as_role(r, &exec.role_arn, &exec.name), tid)),
                        Err(f) => task_failed(exec, tid, state, def, &resource, f, env),
                    }
                }
            }
        }
        Kind::Parallel(p) => {
            set_context(exec, tid, state, None);
            let branch_input = match state.jsonata.as_deref() {
                Some(ja) => match &ja.arguments {
                    Some(f) => jsonata_field(exec, tid, state, &input, None, f, "Arguments", env),
                    None => Ok(input.clone()),
                },
                None => state.data.prepare(&input, &exec.context, &mut || env.rng.next_u64()).map(|p| p.effective_input),
            };
            let branch_input = match branch_input {
                Ok(v) => v,
                Err(f) => return handle_error(exec, tid, state, def, f, env),
            };
            event(exec, Some(tid), "ParallelStateStarted", None, Value::Null, env);
            let n = p.branches.len() as u32;
            if let Some(t) = exec.threads.get_mut(&tid) {
                t.phase = Phase::Children { pending: n, started: n, total: n, max_concurrency: n, is_map: false };
                t.results = vec![None; n as usize];
            }
            env.touched.push(tid);
            for (i, b) in p.branches.iter().enumerate() {
                let mut sc = scope.clone();
                sc.push((sidx, i as u32));
                let first = index_of(b, &b.start_at).unwrap_or(0);
                spawn(exec, Some((tid, i as u32)), sc, first, branch_input.clone(), None, env);
            }
        }
        Kind::Map(mp) => {
            set_context(exec, tid, state, None);
            if mp.mode == super::asl::definition::MapMode::Distributed {
                return fail_thread(exec, tid, Failure::runtime("Map states in DISTRIBUTED mode are not simulated in this sandbox yet"), env);
            }
            let (items, max) = match map_items(exec, tid, state, mp, &input, env) {
                Ok(x) => x,
                Err(f) => return handle_error(exec, tid, state, def, f, env),
            };
            event(exec, Some(tid), "MapStateStarted", Some("mapStateStartedEventDetails"), json!({ "length": items.len() }), env);
            let n = items.len();
            if let Some(t) = exec.threads.get_mut(&tid) {
                t.phase = Phase::Children { pending: 0, started: 0, total: n as u32, max_concurrency: max, is_map: true };
                t.results = vec![None; n];
                t.items = items;
            }
            env.touched.push(tid);
            env.records.push(RecordOp::Items(tid));
            if n == 0 {
                return children_done(exec, tid, state, def, env);
            }
            start_iterations(exec, tid, state, env);
        }
        _ => {}
    }
}

/// A Map's iteration inputs (`ItemsPath` or `Items`, then `ItemSelector` with `$$.Map.Item`) and
/// its concurrency.
fn map_items(exec: &mut Execution, tid: u32, state: &State, mp: &super::asl::definition::MapState, input: &Value, env: &mut Env) -> Result<(Vec<Value>, u32), Failure> {
    let ja = state.jsonata.as_deref();
    let (raw, max, after_input) = match ja {
        Some(ja) => {
            let items = match &ja.items {
                Some(f) => jsonata_field(exec, tid, state, input, None, f, "Items", env)?,
                None => input.clone(),
            };
            let max = in_scope(exec, tid, state, input, None, env, |sc| mp.max_concurrency.as_ref().map(|a| a.resolve_jsonata("MaxConcurrency", sc)).transpose())?;
            (items, max, input.clone())
        }
        None => {
            let ctx = &exec.context;
            let prepared = state.data.prepare(input, ctx, &mut || env.rng.next_u64())?;
            let items = match &mp.items_path {
                None => prepared.after_input_path.clone(),
                Some(p) => p.select(&prepared.after_input_path, ctx).map_err(|why| Failure::runtime(format!("Invalid path '{}' : {why}", p.text())))?,
            };
            let max = amount(&mp.max_concurrency, "MaxConcurrencyPath", &prepared.after_input_path, ctx)?;
            (items, max, prepared.after_input_path)
        }
    };
    let raw = match raw {
        Value::Array(a) => a,
        other if ja.is_some() => {
            return Err(Failure::new(
                names::QUERY_EVALUATION_ERROR,
                format!(
                    "An error occurred while executing the state '{}'. The value of the field 'Items' must be an array, but was: {}",
                    state.name,
                    super::asl::path::type_name(&other)
                ),
            ))
        }
        other => return Err(Failure::runtime(format!("Map state input must be an array but was: {}", super::asl::path::type_name(&other)))),
    };
    let max = max.unwrap_or(0) as u32;
    let max = if max == 0 { INLINE_MAP_CONCURRENCY } else { max.min(INLINE_MAP_CONCURRENCY) };
    let selector = ja.and_then(|j| j.item_selector.as_ref());
    if mp.item_selector.is_none() && selector.is_none() {
        return Ok((raw, max));
    }
    let mut items = Vec::with_capacity(raw.len());
    for (i, v) in raw.into_iter().enumerate() {
        if let Value::Object(c) = &mut exec.context {
            c.insert("Map".into(), json!({ "Item": { "Index": i, "Value": v } }));
        }
        match (selector, &mp.item_selector) {
            (Some(f), _) => items.push(jsonata_field(exec, tid, state, input, None, f, "ItemSelector", env)?),
            (None, Some(sel)) => items.push(sel.apply(&after_input, &exec.context, &mut || env.rng.next_u64())?),
            (None, None) => items.push(v),
        }
    }
    Ok((items, max))
}

/// A Task's request payload and its timeout and heartbeat: JSONPath's InputPath → Parameters,
/// or JSONata's Arguments (default: the state input).
fn task_inputs(exec: &Execution, tid: u32, state: &State, task: &super::asl::definition::Task, input: &Value, env: &mut Env) -> Result<(Value, Option<u64>, Option<u64>), Failure> {
    if let Some(ja) = state.jsonata.as_deref() {
        return in_scope(exec, tid, state, input, None, env, |sc| {
            let params = match &ja.arguments {
                Some(f) => f.eval("Arguments", sc)?,
                None => input.clone(),
            };
            let timeout = task.timeout.as_ref().map(|a| a.resolve_jsonata("TimeoutSeconds", sc)).transpose()?;
            let heartbeat = task.heartbeat.as_ref().map(|a| a.resolve_jsonata("HeartbeatSeconds", sc)).transpose()?;
            Ok((params, timeout, heartbeat))
        });
    }
    let ctx = &exec.context;
    let prepared = state.data.prepare(input, ctx, &mut || env.rng.next_u64())?;
    let timeout = amount(&task.timeout, "TimeoutSecondsPath", &prepared.after_input_path, ctx)?;
    let heartbeat = amount(&task.heartbeat, "HeartbeatSecondsPath", &prepared.after_input_path, ctx)?;
    Ok((prepared.effective_input, timeout, heartbeat))
}

/// A Task's, Parallel's or Map's output from its result: ResultSelector → ResultPath →
/// OutputPath, or JSONata's Output (default: the result) and Assign.
fn finish(exec: &mut Execution, tid: u32, state: &State, input: Value, result: Value, env: &mut Env) -> Result<Value, Failure> {
    match state.jsonata.as_deref() {
        Some(ja) => jsonata_out(exec, tid, state, &input, Some(("result", result.clone())), result, ja.output.as_ref(), &[ja.assign.as_ref()], env),
        None => state.data.finish_output(input, result, &exec.context, &mut || env.rng.next_u64()),
    }
}

fn start_iterations(exec: &mut Execution, tid: u32, state: &State, env: &mut Env) {
    let Some(t) = exec.threads.get(&tid) else { return };
    let mut sc = t.scope.clone();
    sc.push((t.state, 0));
    let Kind::Map(mp) = &state.kind else { return };
    let first = index_of(&mp.processor, &mp.processor.start_at).unwrap_or(0);
    loop {
        let Some(t) = exec.threads.get_mut(&tid) else { return };
        let Phase::Children { pending, started, total, max_concurrency, .. } = &mut t.phase else { return };
        if *pending >= *max_concurrency || *started >= *total {
            return;
        }
        let Some(item) = t.items.get(*started as usize).cloned() else { return };
        let index = *started;
        *started += 1;
        *pending += 1;
        event(exec, Some(tid), "MapIterationStarted", Some("mapIterationStartedEventDetails"), json!({ "name": state.name, "index": index }), env);
        spawn(exec, Some((tid, index)), sc.clone(), first, item, None, env);
    }
}

fn task_token(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    format!("AQB4AAAAKgAAAAMAAAAAAAAAA{}", rng.token(ALPHABET, 320))
}

/// The answer to the task a thread sent (or the failure it became).
pub fn task_result(exec: &mut Execution, tid: u32, answer: Result<Value, Failure>, env: &mut Env) {
    if exec.status != Status::Running {
        return;
    }
    let Some(def) = exec.def.clone() else { return };
    let Some(t) = exec.threads.get(&tid) else { return };
    let Some(state) = machine(&def, &t.scope).and_then(|m| m.states.get(t.state as usize)) else { return };
    let Kind::Task(task) = &state.kind else { return };
    let Ok(resource) = tasks::parse(&task.resource) else { return };
    let token_wait = matches!(t.phase, Phase::Token { .. });
    let calling = matches!(t.phase, Phase::Calling);
    if !token_wait && !calling {
        return;
    }
    match answer {
        Ok(v) if token_wait || (calling && matches!(resource.pattern, Pattern::Sync | Pattern::Sync2)) => {
            event(
                exec,
                Some(tid),
                "TaskSubmitted",
                Some("taskSubmittedEventDetails"),
                json!({ "resourceType": resource.resource_type, "resource": resource.resource, "output": compact(&v), "outputDetails": { "truncated": false } }),
                env,
            );
            if calling {
                let arn = v.get("ExecutionArn").and_then(Value::as_str).unwrap_or_default().to_string();
                if let Some(t) = exec.threads.get_mut(&tid) {
                    t.phase = Phase::Child { arn, resource: resource.resource.clone(), deadline: None, json_output: resource.pattern == Pattern::Sync2 };
                }
                env.touched.push(tid);
            }
        }
        Ok(v) => task_succeeded(exec, tid, state, &def, &resource, v, env),
        Err(f) => task_failed(exec, tid, state, &def, &resource, f, env),
    }
}

/// SendTaskSuccess / SendTaskFailure, a task timeout or a missed heartbeat, or a `.sync` child's
/// end, for a thread waiting on a token or a child execution.
pub fn complete_wait(exec: &mut Execution, tid: u32, outcome: Result<Value, Failure>, env: &mut Env) {
    if exec.status != Status::Running {
        return;
    }
    let Some(def) = exec.def.clone() else { return };
    let Some(t) = exec.threads.get(&tid) else { return };
    if !matches!(t.phase, Phase::Token { .. } | Phase::Child { .. }) {
        return;
    }
    let Some(state) = machine(&def, &t.scope).and_then(|m| m.states.get(t.state as usize)) else { return };
    let Kind::Task(task) = &state.kind else { return };
    let Ok(resource) = tasks::parse(&task.resource) else { return };
    match outcome {
        Ok(v) => task_succeeded(exec, tid, state, &def, &resource, v, env),
        Err(f) if f.error == names::TIMEOUT || f.error == names::HEARTBEAT_TIMEOUT => {
            event(
                exec,
                Some(tid),
                "TaskTimedOut",
                Some("taskTimedOutEventDetails"),
                json!({ "resourceType": resource.resource_type, "resource": resource.resource, "error": f.error, "cause": f.cause }),
                env,
            );
            handle_error(exec, tid, state, &def, f, env)
        }
        Err(f) => task_failed(exec, tid, state, &def, &resource, f, env),
    }
}

fn task_succeeded(exec: &mut Execution, tid: u32, state: &State, def: &Definition, resource: &tasks::Resource, v: Value, env: &mut Env) {
    if compact(&v).len() > MAX_PAYLOAD {
        let f =
            Failure::new(names::DATA_LIMIT_EXCEEDED, format!("The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.", state.name));
        return task_failed(exec, tid, state, def, resource, f, env);
    }
    if let Integration::LambdaArn(_) = resource.integration {
        event(
            exec,
            Some(tid),
            "LambdaFunctionSucceeded",
            Some("lambdaFunctionSucceededEventDetails"),
            json!({ "output": compact(&v), "outputDetails": { "truncated": false } }),
            env,
        );
    } else {
        event(
            exec,
            Some(tid),
            "TaskSucceeded",
            Some("taskSucceededEventDetails"),
            json!({ "resourceType": resource.resource_type, "resource": resource.resource, "output": compact(&v), "outputDetails": { "truncated": false } }),
            env,
        );
    }
    let Some(t) = exec.threads.get(&tid) else { return };
    let input = t.input.clone();
    set_context(exec, tid, state, None);
    match finish(exec, tid, state, input, v, env) {
        Ok(out) => exit(exec, tid, state, def, out, env),
        Err(f) => handle_error(exec, tid, state, def, f, env),
    }
}

fn task_failed(exec: &mut Execution, tid: u32, state: &State, def: &Definition, resource: &tasks::Resource, f: Failure, env: &mut Env) {
    if let Integration::LambdaArn(_) = resource.integration {
        event(exec, Some(tid), "LambdaFunctionFailed", Some("lambdaFunctionFailedEventDetails"), json!({ "error": f.error, "cause": f.cause }), env);
    } else {
        event(
            exec,
            Some(tid),
            "TaskFailed",
            Some("taskFailedEventDetails"),
            json!({ "resourceType": resource.resource_type, "resource": resource.resource, "error": f.error, "cause": f.cause }),
            env,
        );
    }
    handle_error(exec, tid, state, def, f, env)
}

/// A state's error: Retry, then Catch, then the thread fails.
fn handle_error(exec: &mut Execution, tid: u32, state: &State, def: &Definition, failure: Failure, env: &mut Env) {
    let Some(t) = exec.threads.get_mut(&tid) else { return };
    let mut counters = std::mem::take(&mut t.retry);
    let input = t.input.clone();
    let decision = decide(&state.retry, &mut counters, &state.catch, &failure, &input, &mut || env.rng.next_u64());
    if let Some(t) = exec.threads.get_mut(&tid) {
        t.retry = counters;
    }
    match decision {
        Ok(Decision::Retry { delay_ms, .. }) => {
            if let Some(t) = exec.threads.get_mut(&tid) {
                t.retry_count += 1;
                t.phase = Phase::Attempt;
            }
            wake(exec, tid, env.now + delay_ms as i64, env);
        }
        Ok(Decision::Catch { catcher, next, output }) => {
            let output = match state.jsonata.as_deref().and_then(|ja| ja.catchers.get(catcher)) {
                Some((o, a)) => match jsonata_out(exec, tid, state, &input, Some(("errorOutput", output.clone())), output, o.as_ref(), &[a.as_ref()], env) {
                    Ok(x) => x,
                    Err(f) => return fail_thread(exec, tid, f, env),
                },
                None => output,
            };
            event(exec, Some(tid), exited_type(&state.kind), Some("stateExitedEventDetails"), text_details(&state.name, "output", &output), env);
            go_to(exec, tid, def, &next, output, env);
        }
        Ok(Decision::Fail) => fail_thread(exec, tid, failure, env),
        Err(f) => fail_thread(exec, tid, f, env),
    }
}

/// The state is done with `output`: StateExited, then Next or End.
fn exit(exec: &mut Execution, tid: u32, state: &State, def: &Definition, output: Value, env: &mut Env) {
    if exec.recorded() {
        // The event carries the output's text anyway: that is where its size is known.
        let details = text_details(&state.name, "output", &output);
        if details["output"].as_str().map_or(0, str::len) > MAX_PAYLOAD {
            let f = Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                format!("The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.", state.name),
            );
            return handle_error(exec, tid, state, def, f, env);
        }
        event(exec, Some(tid), exited_type(&state.kind), Some("stateExitedEventDetails"), details, env);
    }
    match &state.transition {
        Transition::Next(n) => go_to(exec, tid, def, n, output, env),
        Transition::End | Transition::None => thread_done(exec, tid, def, output, env),
    }
}

fn go_to(exec: &mut Execution, tid: u32, def: &Definition, next: &str, output: Value, env: &mut Env) {
    if exec.status != Status::Running {
        return;
    }
    let Some(t) = exec.threads.get(&tid) else { return };
    let Some(idx) = machine(def, &t.scope).and_then(|m| index_of(m, next)) else {
        return fail_thread(exec, tid, Failure::runtime(format!("Missing 'Next' target: {next}")), env);
    };
    if let Some(t) = exec.threads.get_mut(&tid) {
        t.state = idx;
        t.input = output;
        t.phase = Phase::Enter;
    }
    wake(exec, tid, env.now, env);
}

/// A thread reached its end: a branch or iteration hands its output to the Parallel or Map; the
/// top-level thread ends the execution.
fn thread_done(exec: &mut Execution, tid: u32, def: &Definition, output: Value, env: &mut Env) {
    let Some(t) = exec.threads.remove(&tid) else { return };
    env.touched.push(tid);
    let Some((ptid, slot)) = t.parent else {
        return end(exec, Status::Succeeded, Some(output), None, env);
    };
    let Some(p) = exec.threads.get(&ptid) else { return };
    let Some(pstate) = machine(def, &p.scope).and_then(|m| m.states.get(p.state as usize)) else { return };
    let is_map = matches!(p.phase, Phase::Children { is_map: true, .. });
    if is_map {
        // The iteration's events chain from its own last event.
        let prev = t.last_event;
        if let Some(p) = exec.threads.get_mut(&ptid) {
            p.last_event = p.last_event.max(prev);
        }
        event(exec, Some(ptid), "MapIterationSucceeded", Some("mapIterationSucceededEventDetails"), json!({ "name": pstate.name, "index": slot }), env);
    }
    let Some(p) = exec.threads.get_mut(&ptid) else { return };
    let Phase::Children { pending, .. } = &mut p.phase else { return };
    *pending = pending.saturating_sub(1);
    if let Some(r) = p.results.get_mut(slot as usize) {
        *r = Some(output);
    }
    env.touched.push(ptid);
    env.records.push(RecordOp::Result(ptid, slot));
    if is_map {
        start_iterations(exec, ptid, pstate, env);
    }
    let Some(p) = exec.threads.get(&ptid) else { return };
    if let Phase::Children { pending: 0, started, total, .. } = &p.phase {
        if started >= total {
            children_done(exec, ptid, pstate, def, env);
        }
    }
}

fn children_done(exec: &mut Execution, tid: u32, state: &State, def: &Definition, env: &mut Env) {
    let Some(t) = exec.threads.get_mut(&tid) else { return };
    let Phase::Children { is_map, .. } = std::mem::replace(&mut t.phase, Phase::Attempt) else { return };
    let results: Vec<Value> = std::mem::take(&mut t.results).into_iter().map(Option::unwrap_or_default).collect();
    t.items = Vec::new();
    env.records.push(RecordOp::Clear(tid));
    let input = t.input.clone();
    event(exec, Some(tid), if is_map { "MapStateSucceeded" } else { "ParallelStateSucceeded" }, None, Value::Null, env);
    set_context(exec, tid, state, None);
    match finish(exec, tid, state, input, Value::Array(results), env) {
        Ok(out) => exit(exec, tid, state, def, out, env),
        Err(f) => handle_error(exec, tid, state, def, f, env),
    }
}

/// Removes a thread and everything it started.
fn remove_tree(exec: &mut Execution, tid: u32, env: &mut Env) {
    let children: Vec<u32> = exec.threads.values().filter(|t| t.parent.map(|p| p.0) == Some(tid)).map(|t| t.id).collect();
    for c in children {
        remove_tree(exec, c, env);
    }
    if exec.threads.remove(&tid).is_some() {
        env.touched.push(tid);
        env.records.push(RecordOp::Clear(tid));
    }
}

/// A thread failed without a catcher: its Parallel or Map fails with the same error (the other
/// branches stop), or the execution fails.
fn fail_thread(exec: &mut Execution, tid: u32, failure: Failure, env: &mut Env) {
    let Some(t) = exec.threads.get(&tid) else { return };
    let Some((ptid, slot)) = t.parent else {
        return end(exec, Status::Failed, None, Some(failure), env);
    };
    let last = t.last_event;
    let Some(def) = exec.def.clone() else { return };
    let Some(p) = exec.threads.get_mut(&ptid) else { return };
    p.last_event = p.last_event.max(last);
    let is_map = matches!(p.phase, Phase::Children { is_map: true, .. });
    let Some(pstate) = machine(&def, &p.scope).and_then(|m| m.states.get(p.state as usize)) else { return };
    // Stop every branch/iteration of the parent.
    let siblings: Vec<u32> = exec.threads.values().filter(|t| t.parent.map(|p| p.0) == Some(ptid)).map(|t| t.id).collect();
    for s in siblings {
        remove_tree(exec, s, env);
    }
    if is_map {
        event(exec, Some(ptid), "MapIterationFailed", Some("mapIterationFailedEventDetails"), json!({ "name": pstate.name, "index": slot }), env);
        event(exec, Some(ptid), "MapStateFailed", None, Value::Null, env);
    } else {
        event(exec, Some(ptid), "ParallelStateFailed", None, Value::Null, env);
    }
    if let Some(p) = exec.threads.get_mut(&ptid) {
        p.phase = Phase::Attempt;
        p.items = Vec::new();
        p.results = Vec::new();
    }
    env.touched.push(ptid);
    env.records.push(RecordOp::Clear(ptid));
    handle_error(exec, ptid, pstate, &def, failure, env)
}

/// Ends the execution (every thread stops).
pub fn end(exec: &mut Execution, status: Status, output: Option<Value>, failure: Option<Failure>, env: &mut Env) {
    if exec.status != Status::Running {
        return;
    }
    let last = exec.threads.values().map(|t| t.last_event).max().unwrap_or(exec.next_event);
    let ids: Vec<u32> = exec.threads.keys().copied().collect();
    for (id, t) in &exec.threads {
        if matches!(t.phase, Phase::Children { .. }) {
            env.records.push(RecordOp::Clear(*id));
        }
    }
    env.touched.extend(ids);
    exec.threads.clear();
    let mut output = output;
    let mut status = status;
    let mut failure = failure;
    if let Some(o) = &output {
        let text = compact(o);
        if text.len() > MAX_PAYLOAD {
            status = Status::Failed;
            failure = Some(Failure::new(names::DATA_LIMIT_EXCEEDED, "The state/task returned a result with a size exceeding the maximum number of bytes service limit."));
            output = None;
        }
    }
    let (kind, key, details) = match (status, &failure) {
        (Status::Succeeded, _) => {
            let text = output.as_ref().map(compact).unwrap_or_else(|| "null".into());
            ("ExecutionSucceeded", "executionSucceededEventDetails", json!({ "output": text, "outputDetails": { "truncated": false } }))
        }
        (Status::Failed, Some(f)) => ("ExecutionFailed", "executionFailedEventDetails", json!({ "error": f.error, "cause": f.cause })),
        (Status::TimedOut, Some(f)) => ("ExecutionTimedOut", "executionTimedOutEventDetails", json!({ "error": f.error, "cause": f.cause })),
        (Status::Aborted, Some(f)) => ("ExecutionAborted", "executionAbortedEventDetails", json!({ "error": f.error, "cause": f.cause })),
        _ => ("ExecutionAborted", "executionAbortedEventDetails", json!({})),
    };
    if exec.recorded() {
        exec.next_event += 1;
        let id = exec.next_event;
        let mut details = details;
        if let Value::Object(m) = &mut details {
            m.retain(|_, v| !(v.is_string() && v.as_str() == Some("")));
        }
        exec.history.push(Event { id, prev: last, ms: env.now, kind: kind.into(), key: Some(key.into()), details });
    }
    exec.status = status;
    exec.stop_ms = Some(env.now);
    exec.output = output.map(|o| compact(&o));
    if let Some(f) = failure {
        exec.error = Some(f.error);
        exec.cause = Some(f.cause);
    }
    env.ended = true;
}

/// StopExecution: the states in progress are aborted, then the execution.
pub fn abort(exec: &mut Execution, error: Option<String>, cause: Option<String>, env: &mut Env) {
    if exec.status != Status::Running {
        return;
    }
    let Some(def) = exec.def.clone() else { return };
    let leaves: Vec<(u32, &'static str)> = exec
        .threads
        .values()
        .filter_map(|t| {
            let s = machine(&def, &t.scope)?.states.get(t.state as usize)?;
            let kind = match (&s.kind, &t.phase) {
                (_, Phase::Enter) => return None,
                (Kind::Task(_), _) => "TaskStateAborted",
                (Kind::Wait(_), _) => "WaitStateAborted",
                (Kind::Map(_), _) => "MapStateAborted",
                (Kind::Parallel(_), _) => "ParallelStateAborted",
                _ => return None,
            };
            Some((t.id, kind))
        })
        .collect();
    for (tid, kind) in leaves {
        event(exec, Some(tid), kind, None, Value::Null, env);
    }
    let f = Failure { error: error.unwrap_or_default(), cause: cause.unwrap_or_default() };
    end(exec, Status::Aborted, None, Some(f), env);
}

/// The execution's TimeoutSeconds passed.
pub fn time_out(exec: &mut Execution, env: &mut Env) {
    end(exec, Status::TimedOut, None, Some(Failure::new(names::TIMEOUT, "")), env);
}
