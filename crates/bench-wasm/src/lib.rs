//! `run(items, gets, queries)`: the engine benchmark workload compiled to wasm, timed with the
//! browser's `performance.now()`; returns the figures as JSON. Used by `scripts/bench-engine`.

use wasm_bindgen::prelude::*;

fn performance_now() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).unwrap_or(JsValue::UNDEFINED);
    let now = js_sys::Reflect::get(&perf, &JsValue::from_str("now")).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    now.and_then(|f| f.call0(&perf).ok()).and_then(|v| v.as_f64()).unwrap_or(0.0)
}

#[wasm_bindgen]
pub fn run(items: f64, gets: f64, queries: f64) -> Result<String, JsValue> {
    let figures = gureum_engine::bench::run(items as u64, gets as u64, queries as u64, &mut performance_now).map_err(|e| JsValue::from_str(&e.to_string()))?;
    serde_json::to_string(&figures).map_err(|e| JsValue::from_str(&e.to_string()))
}
