//! Retry and Catch, per
//! <https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html>.
//!
//! When a state fails, the first Retrier whose `ErrorEquals` matches decides: while its attempts
//! last, the state runs again after `IntervalSeconds × BackoffRate^attempt` seconds, capped by
//! `MaxDelaySeconds`, and with `JitterStrategy: FULL` a random delay in `[0, that]`. Once that
//! retrier is spent (or when none matches) the first matching Catcher sends the error output
//! (`{"Error", "Cause"}`, placed in the state input by the catcher's `ResultPath`, default `$`) to
//! its `Next`; otherwise the state fails. `States.ALL` matches every error but
//! `States.DataLimitExceeded` and `States.Runtime`; `States.TaskFailed` every error but those and
//! `States.Timeout`. `States.Runtime` is never retried.

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
    /// Run the state again after `delay_ms`; `retrier` is the index whose counter went up.
    Retry { retrier: usize, attempt: u64, delay_ms: u64 },
    /// Go to `next` with `output` (the error output placed by the catcher's ResultPath).
    Catch { catcher: usize, next: String, output: Value },
    /// The state fails with the error.
    Fail,
}

/// What happens after `failure` in a state with these retriers and catchers. `attempts[i]` is
/// how many times retrier `i` has retried in this state so far (the caller keeps the counters,
/// increments the one a Retry names, and resets them on a transition). `state_input` is the
/// state's raw input. A catcher whose ResultPath cannot be applied gives that failure.
pub fn decide(retriers: &[Retrier], attempts: &[u64], catchers: &[Catcher], failure: &Failure, state_input: &Value, random: &mut dyn FnMut() -> u64) -> Result<Decision, Failure> {
    if failure.error != names::RUNTIME {
        if let Some(i) = retriers.iter().position(|r| any_matches(&r.error_equals, &failure.error)) {
            let r = &retriers[i];
            let done = attempts.get(i).copied().unwrap_or(0);
            if done < r.max_attempts {
                return Ok(Decision::Retry { retrier: i, attempt: done + 1, delay_ms: delay_ms(r, done, random) });
            }
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
