//! What every simulated service implements, and the context it gets for one call.

use serde_json::Value;

use super::{
    account::Account,
    error::AwsError,
    journal::{Journal, Record},
    rng::Rng,
    runtime::{Continuation, Resumed, Step},
    scheduler::{Scheduler, Timer},
    Request,
};

/// The engine's view of the world for one call: the time, the account, and the only ways a
/// service may cause effects (journal, scheduler, randomness).
pub struct Cx<'a> {
    /// Virtual time, ms since the epoch.
    pub now_ms: i64,
    pub account: &'a Account,
    pub region: &'a str,
    pub rng: &'a mut Rng,
    pub journal: &'a mut Journal,
    pub(crate) scheduler: &'a mut Scheduler,
    pub(crate) service: &'static str,
    /// The endpoint the call was addressed to: the service's own name, or another name it
    /// [answers](Service::answers) (`streams.dynamodb` for DynamoDB). Timers get the own name.
    pub endpoint: &'a str,
    /// How many invocations of code this call is nested in (a function calling Lambda's Invoke
    /// is one deep).
    pub code_depth: u32,
    /// The function whose code made this call, if code did (the innermost one when nested).
    pub code_function: Option<&'a str>,
    /// The checked principal making this call (see [`super::authz`]); `None` for the account's
    /// root user, timers and calls services make to each other.
    pub caller: Option<&'a super::authz::Principal>,
    /// What the kernel does after this service call returns (see [`Cx::after`]).
    pub(crate) effects: &'a mut Effects,
}

/// Work a service call leaves for the kernel.
#[derive(Default)]
pub struct Effects {
    /// Calls to other services, in order.
    pub(crate) calls: Vec<Request>,
    /// Execution environments the host's runtime may forget.
    pub(crate) discarded: Vec<String>,
}

impl Cx<'_> {
    /// Calls this service back with `payload` once virtual time reaches `due_ms`.
    pub fn schedule(&mut self, due_ms: i64, payload: Value) {
        self.scheduler.schedule(self.journal, due_ms, self.service, self.region, payload);
    }

    /// Asks the kernel to call another service once this call has returned, as AWS's services
    /// call each other (Lambda writing to CloudWatch Logs, delivering to a destination queue).
    /// Its answer is not waited for; a failure is dropped as AWS drops undeliverable logs.
    pub fn after(&mut self, request: Request) {
        self.effects.calls.push(request);
    }

    /// Tells the host's code runtime it may forget an execution environment.
    pub fn discard_environment(&mut self, environment: String) {
        self.effects.discarded.push(environment);
    }

    /// Virtual time in seconds with millisecond precision, as AWS's JSON timestamps are.
    pub fn now_epoch_seconds(&self) -> f64 {
        self.now_ms as f64 / 1000.0
    }
}

pub trait Service: Send {
    /// The AWS endpoint prefix, also the first segment of this service's record keys.
    fn name(&self) -> &'static str;

    /// Whether this service answers calls addressed to endpoint `name`: its own name, and any
    /// other endpoint whose state it owns (DynamoDB answers `streams.dynamodb`, whose records
    /// it writes). The operation sees which in [`Cx::endpoint`].
    fn answers(&self, name: &str) -> bool {
        name == self.name()
    }

    /// Runs one AWS operation. Validation happens before any state changes, so an error leaves
    /// no trace in state or journal.
    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError>;

    /// The fast JSON route: runs a request [`crate::services::prepare_json`] read straight from
    /// its text, and writes the answer as JSON text. It must answer exactly as [`Service::call`]
    /// does for the same request; `prepare_json` declines (general route) anything unusual.
    fn call_prepared(&mut self, _cx: &mut Cx, _operation: &str, _prepared: Box<dyn std::any::Any + Send>) -> Result<Vec<u8>, AwsError> {
        Err(AwsError::internal("this service has no fast JSON route"))
    }

    /// Like [`Service::call`], for operations that need the kernel to run code or call another
    /// service before they can answer (see [`Step`]). Default: `call`.
    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        self.call(cx, operation, input).map(Step::Done)
    }

    /// Continues a [`Step`] this service returned, with what came of it.
    fn resume(&mut self, _cx: &mut Cx, _then: Continuation, _result: Resumed) -> Result<Step, AwsError> {
        Err(AwsError::internal("this service never suspends"))
    }

    /// How long (ms of host time) a host may hold a call whose answer was empty, retrying it,
    /// before it answers: SQS's long polling (ReceiveMessage's WaitTimeSeconds, or the queue's
    /// ReceiveMessageWaitTimeSeconds). `None` for calls that answer at once. The engine never
    /// blocks; hosts that can wait do.
    fn long_poll_ms(&self, _region: &str, _operation: &str, _input: &Value, _answer: &Value) -> Option<i64> {
        None
    }

    /// A control operation of this service: what the sandbox's own tools need and AWS has no
    /// API for (a function's code for the editor, its metrics for the monitoring chart).
    fn control(&mut self, _cx: &mut Cx, operation: &str, _input: &Value) -> Result<Value, AwsError> {
        Err(AwsError::new("gureum", "UnknownOperationException", format!("Unknown control operation '{}:{operation}'.", self.name()), 400))
    }

    /// A timer this service scheduled is due.
    fn fire(&mut self, _cx: &mut Cx, _timer: &Timer) {}

    /// What a pending timer of this service will do, for the clock bar's timeline of scheduled
    /// events (`ListScheduledEvents`); `None` for background work a learner would not jump to
    /// (polling, metrics). Default: none.
    fn describe_timer(&self, _timer: &Timer) -> Option<TimerNote> {
        None
    }

    /// Like [`Service::fire`], for timers whose work needs the kernel (an asynchronous invocation
    /// runs code). Default: `fire`.
    fn fire_step(&mut self, cx: &mut Cx, timer: &Timer) -> Step {
        self.fire(cx, timer);
        Step::Done(Value::Null)
    }

    /// The IAM permissions `operation` needs (see [`super::authz`]): actions on resource ARNs
    /// with the service's condition keys. `None`: `{signing name}:{operation}` on `*`.
    fn permissions(&self, operation: &str, input: &Value, region: &str, account: &str) -> Option<Vec<super::authz::Permission>> {
        crate::services::authz::permissions(self.name(), operation, input, region, account)
    }

    /// The resource-based policy of `resource_arn` (an SQS queue's `Policy`), as text, if the
    /// service has one for it.
    fn resource_policy(&self, _region: &str, _resource_arn: &str) -> Option<String> {
        None
    }

    /// For the kernel's enforcement, which reads IAM's and STS's state: `Some(self)`.
    fn as_any_mut(&mut self) -> Option<&mut dyn std::any::Any> {
        None
    }

    /// Every record of this service's state, for snapshots and compaction.
    fn save(&self, out: &mut Vec<Record>);

    /// Rebuilds state from one record. Records arrive in key order.
    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String>;

    /// Forgets everything (reset and import start from here).
    fn clear(&mut self);

    /// A record value as readable JSON for sandbox export. Default: the bytes are JSON already.
    fn record_to_json(&self, _key: &str, value: &[u8]) -> Result<Value, String> {
        serde_json::from_slice(value).map_err(|e| e.to_string())
    }

    /// The inverse of [`Service::record_to_json`].
    fn record_from_json(&self, _key: &str, value: &Value) -> Result<Vec<u8>, String> {
        serde_json::to_vec(value).map_err(|e| e.to_string())
    }
}

/// A scheduled event as the timeline shows it: a kind (`ttl`, `wait`, `retry`, `timeout`,
/// `backup`, `expiry`, `transition`, `delivery`, `schedule`) and a sentence saying what happens.
#[derive(Debug, Clone, PartialEq)]
pub struct TimerNote {
    pub kind: &'static str,
    pub text: String,
}

impl TimerNote {
    pub fn new(kind: &'static str, text: impl Into<String>) -> Option<TimerNote> {
        Some(TimerNote { kind, text: text.into() })
    }
}
