//! `gureum-js`: Lambda's Node.js runtime for Gureum. Handlers run on boa_engine (a JavaScript
//! engine in pure Rust, so the same code runs natively and in the browser's wasm), with a
//! Node-like prelude (console, timers, process, Buffer, require), the AWS SDK for JavaScript v3
//! modules built in (`sdk/`), and every AWS call going back through the engine's own door.
//!
//! Hosts pick how the runtime meets the engine: [`ThreadedRuntime`] (native: boa's contexts are
//! not `Send`, so they live on one dedicated thread and the engine talks to it over channels) or
//! [`LocalRuntime`] (the browser worker: one thread, called directly).

pub mod alloc;
mod frame;
mod host;
mod modules;
mod runner;
#[cfg(not(target_arch = "wasm32"))]
mod threaded;

use gureum_engine::kernel::runtime::{AwsDoor, CodeRuntime, InvokeJob, InvokeResult};
pub use runner::{HostFns, Runner, LOOP_LIMIT};
#[cfg(not(target_arch = "wasm32"))]
pub use threaded::ThreadedRuntime;

/// The runtime on the calling thread. Only for single-threaded hosts (the browser worker):
/// boa's values are tied to the thread that made them.
pub struct LocalRuntime(Runner);

impl LocalRuntime {
    pub fn new(host: HostFns) -> Self {
        LocalRuntime(Runner::new(host))
    }
}

// SAFETY: wasm32 without atomics has one thread, so the runtime is never shared or moved
// across threads. Natively only `ThreadedRuntime` is offered as a `CodeRuntime`.
#[cfg(target_arch = "wasm32")]
unsafe impl Send for LocalRuntime {}
#[cfg(target_arch = "wasm32")]
unsafe impl Sync for LocalRuntime {}

#[cfg(target_arch = "wasm32")]
impl CodeRuntime for LocalRuntime {
    fn invoke(&self, job: &InvokeJob, aws: &mut AwsDoor<'_>) -> InvokeResult {
        self.0.invoke(job, aws)
    }

    fn discard(&self, environment: &str) {
        self.0.discard(environment);
    }

    fn discard_all(&self) {
        self.0.discard_all();
    }
}

impl LocalRuntime {
    /// Runs one invocation directly (tests and single-threaded hosts).
    pub fn invoke(&self, job: &InvokeJob, aws: &mut AwsDoor<'_>) -> InvokeResult {
        self.0.invoke(job, aws)
    }
}

#[allow(dead_code)]
fn assert_traits() {
    fn is_runtime<T: CodeRuntime>() {}
    #[cfg(not(target_arch = "wasm32"))]
    is_runtime::<ThreadedRuntime>();
}
