//! Gureum's browser host. The engine runs here, in a dedicated Web Worker, so a long operation
//! never freezes the page. The UI talks to it only with JSON messages (see [`protocol`]).
//!
//! - [`idb`]: the sandbox's segments in IndexedDB (the engine's log-structured format).
//! - [`host`]: one engine, group commit (a response leaves only after the changes it depends on
//!   are committed), timers, checkpoints.
//! - [`tabs`]: several tabs, one sandbox: a Web Lock elects the tab whose worker owns the engine;
//!   the others forward their requests to it over a BroadcastChannel.

pub mod host;
pub mod idb;
pub mod protocol;
pub mod tabs;
