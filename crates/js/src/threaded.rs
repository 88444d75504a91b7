//! The native host's runtime: one thread owns every boa context; engine threads send it jobs
//! and answer the AWS calls its code makes, over channels. Nested invocations (code calling
//! Invoke) arrive on the same channels while the outer call waits, and run on the same thread.

use std::sync::{
    mpsc::{channel, Receiver, Sender},
    Mutex,
};

use gureum_engine::kernel::{
    error::AwsError,
    runtime::{AwsDoor, CodeRuntime, InvokeJob, InvokeResult},
};
use serde_json::Value;

use crate::runner::{HostFns, Runner};

enum ToRuntime {
    Invoke(Box<InvokeJob>),
    Reply(Result<Value, AwsError>),
    Discard(String),
    DiscardAll,
}

enum FromRuntime {
    Call(String, String, Value),
    Done(Box<InvokeResult>),
}

pub struct ThreadedRuntime {
    to: Mutex<Sender<ToRuntime>>,
    from: Mutex<Receiver<FromRuntime>>,
}

/// Waits for a message, spinning briefly first: the other side usually answers within
/// microseconds (an engine call, a short handler), and a futex sleep and wake costs more than
/// that on both threads.
fn recv_spinning<T>(rx: &Receiver<T>) -> Option<T> {
    for i in 0..SPINS {
        match rx.try_recv() {
            Ok(m) => return Some(m),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => return None,
            Err(std::sync::mpsc::TryRecvError::Empty) => {
                if i % 64 == 63 {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
            }
        }
    }
    rx.recv().ok()
}

const SPINS: u32 = 2_000;

/// The runtime thread's stack: boa recurses on the native stack for calls through natives.
const STACK_BYTES: usize = 256 * 1024 * 1024;

impl ThreadedRuntime {
    pub fn spawn(host: HostFns) -> std::io::Result<Self> {
        let (to_tx, to_rx) = channel::<ToRuntime>();
        let (from_tx, from_rx) = channel::<FromRuntime>();
        std::thread::Builder::new().name("gureum-js".into()).stack_size(STACK_BYTES).spawn(move || serve(host, to_rx, from_tx))?;
        Ok(ThreadedRuntime { to: Mutex::new(to_tx), from: Mutex::new(from_rx) })
    }

    fn send(&self, m: ToRuntime) -> bool {
        self.to.lock().map(|t| t.send(m).is_ok()).unwrap_or(false)
    }

    fn recv(&self) -> Option<FromRuntime> {
        self.from.lock().ok().and_then(|r| recv_spinning(&r))
    }
}

impl CodeRuntime for ThreadedRuntime {
    fn invoke(&self, job: &InvokeJob, aws: &mut AwsDoor<'_>) -> InvokeResult {
        if !self.send(ToRuntime::Invoke(Box::new(job.clone()))) {
            return InvokeResult::unavailable("The JavaScript runtime thread has stopped.");
        }
        loop {
            match self.recv() {
                Some(FromRuntime::Call(service, operation, input)) => {
                    let reply = aws(&service, &operation, input);
                    if !self.send(ToRuntime::Reply(reply)) {
                        return InvokeResult::unavailable("The JavaScript runtime thread has stopped.");
                    }
                }
                Some(FromRuntime::Done(result)) => return *result,
                None => return InvokeResult::unavailable("The JavaScript runtime thread has stopped."),
            }
        }
    }

    fn discard(&self, environment: &str) {
        self.send(ToRuntime::Discard(environment.to_string()));
    }

    fn discard_all(&self) {
        self.send(ToRuntime::DiscardAll);
    }
}

fn serve(host: HostFns, rx: Receiver<ToRuntime>, tx: Sender<FromRuntime>) {
    let runner = Runner::new(host);
    let mut deferred = Vec::new();
    while let Some(message) = recv_spinning(&rx) {
        match message {
            ToRuntime::Invoke(job) => {
                let result = run(&runner, &job, &rx, &tx, &mut deferred);
                for env in deferred.drain(..) {
                    runner.discard(&env);
                }
                if tx.send(FromRuntime::Done(Box::new(result))).is_err() {
                    return;
                }
            }
            ToRuntime::Discard(env) => runner.discard(&env),
            ToRuntime::DiscardAll => runner.discard_all(),
            ToRuntime::Reply(_) => {}
        }
    }
}

/// Runs a job whose AWS calls go over the channels; while waiting for a reply, serves nested
/// invocations and defers discards until the outermost job ends.
fn run(runner: &Runner, job: &InvokeJob, rx: &Receiver<ToRuntime>, tx: &Sender<FromRuntime>, deferred: &mut Vec<String>) -> InvokeResult {
    let deferred = std::cell::RefCell::new(std::mem::take(deferred));
    let mut door = |service: &str, operation: &str, input: Value| -> Result<Value, AwsError> {
        if tx.send(FromRuntime::Call(service.to_string(), operation.to_string(), input)).is_err() {
            return Err(AwsError::internal("the engine side of the runtime has gone"));
        }
        loop {
            match recv_spinning(rx) {
                Some(ToRuntime::Reply(reply)) => return reply,
                Some(ToRuntime::Invoke(nested)) => {
                    let mut inner = deferred.borrow_mut().split_off(0);
                    let result = run(runner, &nested, rx, tx, &mut inner);
                    deferred.borrow_mut().extend(inner);
                    if tx.send(FromRuntime::Done(Box::new(result))).is_err() {
                        return Err(AwsError::internal("the engine side of the runtime has gone"));
                    }
                }
                Some(ToRuntime::Discard(env)) => deferred.borrow_mut().push(env),
                // Reset or import from inside an invocation: forget the idle ones now.
                Some(ToRuntime::DiscardAll) => runner.discard_all(),
                None => return Err(AwsError::internal("the engine side of the runtime has gone")),
            }
        }
    };
    // A panic inside the JavaScript engine must not take the runtime thread (and every later
    // invocation) with it: the invocation fails as a crashed runtime does on AWS, and its
    // environment is gone.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.invoke(job, &mut door))) {
        Ok(result) => result,
        Err(panic) => {
            let why = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned()).unwrap_or_default();
            runner.discard(&job.environment);
            InvokeResult {
                outcome: gureum_engine::kernel::runtime::InvokeOutcome::Error {
                    error_type: "Runtime.ExitError".into(),
                    error_message: format!("RequestId: {} Error: Runtime exited with error: the JavaScript engine failed ({why})", job.request_id),
                    trace: Vec::new(),
                },
                logs: Vec::new(),
                init_logs: Vec::new(),
                init_ms: None,
                duration_ms: 0.0,
                max_memory_mb: 0,
            }
        }
    }
}
