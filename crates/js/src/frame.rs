//! The invocation being run on this thread: its clock, deadline, logs and door into the engine.
//! Natives and the virtual clock read the innermost frame; a nested invocation (code calling
//! Lambda's Invoke) pushes its own and pops it when done.

use std::{cell::RefCell, sync::Arc};

use gureum_engine::kernel::runtime::{AwsDoor, CodeBundle, LogLine};

/// Why the runtime stopped the code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    Timeout,
    OutOfMemory,
}

pub struct Frame {
    /// Host clock (ms) when the phase started.
    pub start_real: f64,
    /// Virtual time spent waiting on timers, ms.
    pub waited: f64,
    /// Virtual epoch time (ms) the invocation started at.
    pub start_ms: i64,
    pub timeout_ms: f64,
    /// `None` while the module scope runs (its lines say `undefined`, as AWS's do).
    pub request_id: Option<String>,
    pub logs: Vec<LogLine>,
    pub stop: Option<Stop>,
    pub door: *mut AwsDoor<'static>,
    pub files: Arc<CodeBundle>,
    pub memory_limit: usize,
    /// Live bytes on this thread when the environment started.
    pub memory_base: usize,
    pub memory_peak: usize,
    pub clock: fn() -> f64,
    pub memory: fn() -> usize,
}

impl Frame {
    pub fn elapsed(&self) -> f64 {
        (self.clock)() - self.start_real + self.waited
    }

    /// Checks deadline and memory; records why it must stop.
    pub fn check(&mut self) -> Option<Stop> {
        let used = (self.memory)().saturating_sub(self.memory_base);
        self.memory_peak = self.memory_peak.max(used);
        if self.stop.is_none() {
            if self.elapsed() > self.timeout_ms {
                self.stop = Some(Stop::Timeout);
            } else if self.memory_limit > 0 && used > self.memory_limit {
                self.stop = Some(Stop::OutOfMemory);
            }
        }
        self.stop
    }
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on the innermost frame, if there is one.
pub fn with<R>(f: impl FnOnce(&mut Frame) -> R) -> Option<R> {
    FRAMES.with(|frames| frames.borrow_mut().last_mut().map(f))
}

/// Pushes a frame for the duration of `run`, and hands it back afterwards.
pub fn scoped<R>(frame: Frame, run: impl FnOnce() -> R) -> (R, Option<Frame>) {
    struct Pop(bool);
    impl Drop for Pop {
        fn drop(&mut self) {
            if self.0 {
                FRAMES.with(|frames| {
                    frames.borrow_mut().pop();
                });
            }
        }
    }
    FRAMES.with(|frames| frames.borrow_mut().push(frame));
    let mut guard = Pop(true);
    let r = run();
    guard.0 = false;
    (r, FRAMES.with(|frames| frames.borrow_mut().pop()))
}

/// Calls the engine through the innermost frame's door. The frame stack is not borrowed while
/// the engine runs, so code the call leads to (a nested invocation) can push its own frame.
pub fn call_aws(service: &str, operation: &str, input: serde_json::Value) -> Result<serde_json::Value, gureum_engine::kernel::error::AwsError> {
    let door = with(|f| f.door);
    match door {
        // SAFETY: the pointer was made from a `&mut AwsDoor` that outlives the frame (see
        // `Runner::invoke`); frames are strictly nested, so no other reference to this door is
        // in use while its invocation's code runs.
        Some(door) if !door.is_null() => unsafe { (*door)(service, operation, input) },
        _ => Err(gureum_engine::kernel::error::AwsError::internal("no invocation is running")),
    }
}
