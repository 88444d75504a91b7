//! Code execution is the host's. The engine decides *what* runs (which function, version and
//! execution environment, with which event, deadline and memory size) and records what came of
//! it (logs, metrics, results, retries); a host-provided [`CodeRuntime`] runs the code. The code
//! reaches AWS again only through the engine's own door, passed to the runtime as a callback, so
//! a function's `PutItem` is the same call as a learner's.
//!
//! Services never hold each other and never run code themselves: they answer with a [`Step`]
//! ("run this", "call that service, then resume me") and the kernel does it between service calls,
//! so no service is borrowed while code or another service runs.

use std::{collections::BTreeMap, sync::Arc};

use serde_json::Value;

use super::{error::AwsError, Request};

/// The files of a deployment package, by path inside the package (`index.mjs`, `lib/db.js`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeBundle {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// One invocation for the runtime to run.
#[derive(Debug, Clone)]
pub struct InvokeJob {
    /// The execution environment (a warm one keeps its module state between invocations).
    pub environment: String,
    /// True when the engine starts a new environment: the runtime loads the code first and
    /// reports the time it took as the Init Duration.
    pub cold: bool,
    /// `nodejs20.x`, `nodejs22.x`, ...
    pub runtime: String,
    /// `file.export` as in the function configuration (`index.handler`).
    pub handler: String,
    pub code: Arc<CodeBundle>,
    /// The environment variables the function sees, including the reserved ones Lambda sets
    /// (`AWS_REGION`, `AWS_LAMBDA_FUNCTION_NAME`, ...).
    pub variables: BTreeMap<String, String>,
    pub timeout_ms: u64,
    pub memory_mb: u32,
    pub request_id: String,
    pub function_name: String,
    pub function_version: String,
    pub invoked_function_arn: String,
    pub log_group_name: String,
    pub log_stream_name: String,
    pub region: String,
    /// Virtual time the invocation starts at (ms since the epoch); `Date.now()` in the code
    /// starts here.
    pub start_ms: i64,
    /// The event, as JSON text.
    pub payload: Vec<u8>,
    /// Base64 ClientContext of the Invoke call, if any.
    pub client_context: Option<String>,
    /// The function's execution role ARN: the code's AWS calls run as this role (see
    /// [`super::authz`]).
    pub role: String,
}

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeOutcome {
    /// The handler returned (or called back with) this value, as JSON text.
    Ok(Vec<u8>),
    /// The handler threw, rejected or called back with an error: Lambda's error payload
    /// (`errorType`, `errorMessage`, `trace`).
    Error { error_type: String, error_message: String, trace: Vec<String> },
    /// Loading the code or running its module scope failed (`Runtime.ImportModuleError`,
    /// `Runtime.HandlerNotFound`, `SyntaxError`, ...).
    InitError { error_type: String, error_message: String, trace: Vec<String> },
    /// The deadline passed before the handler finished.
    Timeout,
    /// The code could not be run at all (no runtime for it on this host).
    Unavailable(String),
}

/// A line the code wrote (console.log and friends), already in the runtime's log format.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Milliseconds after the invocation's start, in the invocation's own time.
    pub at_ms: f64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InvokeResult {
    pub outcome: InvokeOutcome,
    pub logs: Vec<LogLine>,
    /// Lines the module scope wrote while the code loaded (cold starts), logged before START.
    pub init_logs: Vec<LogLine>,
    /// Time spent loading the code and running its module scope (cold starts only).
    pub init_ms: Option<f64>,
    /// Time the handler ran: measured compute time plus virtual time spent waiting on timers.
    pub duration_ms: f64,
    /// Peak memory the environment used, as far as the runtime can tell.
    pub max_memory_mb: u32,
}

impl InvokeResult {
    pub fn unavailable(message: impl Into<String>) -> Self {
        InvokeResult { outcome: InvokeOutcome::Unavailable(message.into()), logs: Vec::new(), init_logs: Vec::new(), init_ms: None, duration_ms: 0.0, max_memory_mb: 0 }
    }
}

/// The engine's door as code sees it: `(service, operation, input)` in the function's region.
pub type AwsDoor<'a> = dyn FnMut(&str, &str, Value) -> Result<Value, AwsError> + 'a;

/// A host's code runtime (the JavaScript runtime of `gureum-js`, natively or in the browser).
/// Calls may nest: code calling Lambda's Invoke leads to another `invoke` before the first
/// returns, in another environment.
pub trait CodeRuntime: Send + Sync {
    fn invoke(&self, job: &InvokeJob, aws: &mut AwsDoor<'_>) -> InvokeResult;

    /// Forgets an execution environment (its function changed or was deleted, or the engine
    /// reclaimed it after idling).
    fn discard(&self, environment: &str);

    /// Forgets every execution environment (the sandbox was reset or replaced by an import).
    fn discard_all(&self);
}

/// What a service answers when it needs the kernel: done, or an effect to carry out and a
/// continuation to resume with its result.
pub enum Step {
    Done(Value),
    /// Run code, then resume with [`Resumed::Ran`].
    Run(Box<InvokeJob>, Continuation),
    /// Call a service (AWS-internally, as the service itself), then resume with
    /// [`Resumed::Called`].
    Call(Request, Continuation),
    /// Call a service's control operation (`dynamodb:GetTableMetrics`: what AWS's services read
    /// from CloudWatch), then resume with [`Resumed::Called`].
    Control(Request, Continuation),
}

/// A service's own note of where it was; the kernel hands it back untouched.
pub type Continuation = Box<dyn std::any::Any + Send>;

pub enum Resumed {
    Ran(InvokeResult),
    Called(Result<Value, AwsError>),
}
