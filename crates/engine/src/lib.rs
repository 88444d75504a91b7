//! Gureum's engine: the simulated AWS cloud.
//!
//! Pure Rust with no I/O. The host gives it time (`host_now_ms` on every call), persistence (it
//! drains [`Change`]s from the engine and hands [`Record`]s back on start) and, later, code
//! execution. The same crate runs inside the browser's Web Worker and inside the native
//! `gureum serve` binary.
//!
//! The one door in is [`Engine::call`], with AWS's service names, operation names and JSON shapes.
//! Things that are not AWS (the virtual clock, reset, export/import) go through
//! [`Engine::control`].

pub mod bench;
pub mod bench_import;
pub mod kernel;
pub mod scenarios;
pub mod services;
pub mod store;
pub mod vtl;
pub mod wire;

pub use kernel::{
    account::{Account, REGIONS},
    catalog::{Protocol, ServiceSpec, CATALOG},
    clock::{ClockState, VirtualClock},
    error::AwsError,
    journal::{Change, Record},
    Answer, Engine, EngineConfig, Prepared, Request,
};
