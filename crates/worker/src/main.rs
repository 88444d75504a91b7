//! Entry point of the dedicated Web Worker that runs the engine (see the library docs).

use wasm_bindgen::JsCast;

/// Counts live heap bytes, so Lambda can report "Max Memory Used" and stop a function that
/// outgrows its memory size (see `gureum_js::alloc`).
#[global_allocator]
static ALLOC: gureum_js::alloc::Counting<std::alloc::System> = gureum_js::alloc::Counting(std::alloc::System);

fn main() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    // The page may name a sandbox in the worker URL's query (`?sandbox=demo`); default: "default".
    let sandbox = scope
        .location()
        .search()
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("sandbox="))
        .filter(|s| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map(str::to_string)
        .unwrap_or_else(|| "default".to_string());
    gureum_worker::tabs::start(scope, &sandbox);
}
