//! Retry and Catch, per
//! <https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html>.
//!
//! When a state fails, the first Retrier whose `ErrorEquals` matches decides: while its attempts
//! last (see [`RetryCounters`]), the state runs again after `IntervalSeconds × BackoffRate^n`
//! seconds (`n` the retrier's retries so far), capped by
//! `MaxDelaySeconds`, and with `JitterStrategy: FULL` a random delay in `[0, that]`. Once that
//! retrier is spent (or when none matches) the first matching Catcher sends the error output
//! (`{"Error", "Cause"}`, placed in the state input by the catcher's `ResultPath`, default `$`) to
//! its `Next`; otherwise the state fails. `States.ALL` matches every error but
//! `States.DataLimitExceeded` and `States.Runtime`; `States.TaskFailed` every error but those and
//! `States.Timeout`. `States.Runtime` is never retried nor caught: it fails the execution.

use serde_json::{json, Value};

use super::{
    names,
    process::{apply_result_path, PathField},
    Failure,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    #[default]
    None,
    Full,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    /// Default 1.
    pub interval_seconds: u64,
    /// Default 3; 0 never retries.
    pub max_attempts: u64,
    /// Default 2.0.
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub jitter: Jitter,
}

impl Default for Retrier {
    fn default() -> Retrier {
        Retrier { error_equals: Vec::new(), interval_seconds: 1, max_attempts: 3, backoff_rate: 2.0, max_delay_seconds: None, jitter: Jitter::None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: String,
    /// Default `$` (the error output replaces the input).
    pub result_path: PathField,
    /// JSONata states: the catcher's `Output` and `Assign`, kept as written (not evaluated here).
    pub output: Option<Value>,
    pub assign: Option<Value>,
}

/// Whether an `ErrorEquals` entry matches an error name.
pub fn matches(pattern: &str, error: &str) -> bool {
    match pattern {
        names::ALL => error != names::DATA_LIMIT_EXCEEDED && error != names::RUNTIME,
        names::TASK_FAILED => error != names::DATA_LIMIT_EXCEEDED && error != names::RUNTIME && error != names::TIMEOUT,
        p => p == error,
    }
}

fn any_matches(list: &[String], error: &str) -> bool {
    list.iter().any(|p| matches(p, error))
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Run the state again after `delay_ms`; `retrier` is the retrier used and `attempt` how many
    /// retries it has now made in this state.
    Retry { retrier: usize, attempt: u64, delay_ms: u64 },
    /// Go to `next` with `output` (the error output placed by the catcher's ResultPath).
    Catch { catcher: usize, next: String, output: Value },
    /// The state fails with the error.
    Fail,
}

/// The retry counters of one visit to a state (reset on a transition). As the developer guide's
/// "complex retry scenarios" describe, a retrier's back-off grows with every retry it makes,
/// whatever the error, while `MaxAttempts` limits the retries of each error name: a retrier for
/// `["ErrorA", "ErrorB"]` with `MaxAttempts: 2` that has retried ErrorA once and ErrorB once
/// still retries ErrorB (waiting 4 s) and gives up on the next ErrorB.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RetryCounters {
    /// Retries made by each retrier (by index).
    pub per_retrier: Vec<u64>,
    /// Retries made by each retrier for each error name.
    pub per_error: Vec<(usize, String, u64)>,
}

impl RetryCounters {
    fn retrier(&self, i: usize) -> u64 {
        self.per_retrier.get(i).copied().unwrap_or(0)
    }
    fn error(&self, i: usize, error: &str) -> u64 {
        self.per_error.iter().find(|(r, e, _)| *r == i && e == error).map(|(_, _, n)| *n).unwrap_or(0)
    }
    fn record(&mut self, i: usize, error: &str) {
        if self.per_retrier.len() <= i {
            self.per_retrier.resize(i + 1, 0);
        }
        self.per_retrier[i] += 1;
        match self.per_error.iter_mut().find(|(r, e, _)| *r == i && e == error) {
            Some((_, _, n)) => *n += 1,
            None => self.per_error.push((i, error.to_string(), 1)),
        }
    }
}

/// What happens after `failure` in a state with these retriers and catchers, given the state's
/// retry `counters` (updated when the answer is a retry). `state_input` is the state's raw input.
/// A catcher whose ResultPath cannot be applied gives that failure.
pub fn decide(
    retriers: &[Retrier],
    counters: &mut RetryCounters,
    catchers: &[Catcher],
    failure: &Failure,
    state_input: &Value,
    random: &mut dyn FnMut() -> u64,
) -> Result<Decision, Failure> {
    // "A States.Runtime error isn't retriable, and will always cause the execution to fail."
    if failure.error == names::RUNTIME {
        return Ok(Decision::Fail);
    }
    if let Some(i) = retriers.iter().position(|r| any_matches(&r.error_equals, &failure.error)) {
        let r = &retriers[i];
        if counters.error(i, &failure.error) < r.max_attempts {
            let done = counters.retrier(i);
            counters.record(i, &failure.error);
            return Ok(Decision::Retry { retrier: i, attempt: done + 1, delay_ms: delay_ms(r, done, random) });
        }
    }
    if let Some(i) = catchers.iter().position(|c| any_matches(&c.error_equals, &failure.error)) {
        let c = &catchers[i];
        let error_output = json!({ "Error": failure.error, "Cause": failure.cause });
        let output = apply_result_path(&c.result_path, state_input, error_output)?;
        return Ok(Decision::Catch { catcher: i, next: c.next.clone(), output });
    }
    Ok(Decision::Fail)
}

/// The wait before retry number `done + 1`, in milliseconds.
pub fn delay_ms(r: &Retrier, done: u64, random: &mut dyn FnMut() -> u64) -> u64 {
    let mut secs = r.interval_seconds as f64 * r.backoff_rate.powf(done.min(10_000) as f64);
    if let Some(max) = r.max_delay_seconds {
        secs = secs.min(max as f64);
    }
    // No retry waits longer than a year; this also keeps the conversion finite.
    let ms = (secs * 1000.0).clamp(0.0, 31_622_400_000.0) as u64;
    match r.jitter {
        Jitter::None => ms,
        Jitter::Full => random() % (ms + 1),
    }
}
