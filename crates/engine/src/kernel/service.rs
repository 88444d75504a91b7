//! What every simulated service implements, and the context it gets for one call.

use serde_json::Value;

use super::{
    account::Account,
    error::AwsError,
    journal::{Journal, Record},
    rng::Rng,
    scheduler::{Scheduler, Timer},
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
}

impl Cx<'_> {
    /// Calls this service back with `payload` once virtual time reaches `due_ms`.
    pub fn schedule(&mut self, due_ms: i64, payload: Value) {
        self.scheduler.schedule(self.journal, due_ms, self.service, self.region, payload);
    }

    /// Virtual time in seconds with millisecond precision, as AWS's JSON timestamps are.
    pub fn now_epoch_seconds(&self) -> f64 {
        self.now_ms as f64 / 1000.0
    }
}

pub trait Service: Send {
    /// The AWS endpoint prefix, also the first segment of this service's record keys.
    fn name(&self) -> &'static str;

    /// Runs one AWS operation. Validation happens before any state changes, so an error leaves
    /// no trace in state or journal.
    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError>;

    /// The fast JSON route: runs a request [`crate::services::prepare_json`] read straight from
    /// its text, and writes the answer as JSON text. It must answer exactly as [`Service::call`]
    /// does for the same request; `prepare_json` declines (general route) anything unusual.
    fn call_prepared(&mut self, _cx: &mut Cx, _operation: &str, _prepared: Box<dyn std::any::Any + Send>) -> Result<Vec<u8>, AwsError> {
        Err(AwsError::internal("this service has no fast JSON route"))
    }

    /// How long (ms of host time) a host may hold a call whose answer was empty, retrying it,
    /// before it answers: SQS's long polling (ReceiveMessage's WaitTimeSeconds, or the queue's
    /// ReceiveMessageWaitTimeSeconds). `None` for calls that answer at once. The engine never
    /// blocks; hosts that can wait do.
    fn long_poll_ms(&self, _region: &str, _operation: &str, _input: &Value, _answer: &Value) -> Option<i64> {
        None
    }

    /// A timer this service scheduled is due.
    fn fire(&mut self, _cx: &mut Cx, _timer: &Timer) {}

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
