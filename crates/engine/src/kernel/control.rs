//! The control API: what a sandbox needs that AWS does not have. The virtual clock, reset, and
//! export/import of the whole sandbox as one JSON document. Same call shape as AWS operations
//! (operation name + JSON input → JSON output or an error value).

use serde_json::{json, Map, Value};

use super::{clock::MAX_RATE, error::AwsError, journal::Record, time::iso8601, Engine, CLOCK_KEY, RNG_KEY};
use crate::kernel::scheduler::TIMER_PREFIX;

/// The `format` field of an exported sandbox.
pub const SANDBOX_FORMAT: &str = "gureum-sandbox";
pub const SANDBOX_VERSION: u64 = 1;

/// Longest single jump: ten years.
const MAX_ADVANCE_SECONDS: f64 = 10.0 * 366.0 * 86_400.0;

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new("gureum", "ValidationException", message, 400)
}

fn number_field(input: &Value, name: &str) -> Result<f64, AwsError> {
    match input.get(name) {
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| invalid(format!("'{name}' must be a number"))),
        Some(_) => Err(invalid(format!("'{name}' must be a number"))),
        None => Err(invalid(format!("'{name}' is required"))),
    }
}

impl Engine {
    /// Runs a control operation: `GetClock`, `PauseClock`, `ResumeClock`, `SetClockRate`
    /// {rate}, `AdvanceClock` {seconds}, `ListScheduledEvents` {limit}, `Reset`, `ExportSandbox`,
    /// `ImportSandbox` {sandbox}, `ListScenarios`, `LoadScenario` {Id, Region?} (see `scenarios/`).
    pub fn control(&mut self, host_now_ms: i64, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match operation {
            "GetClock" => {}
            "PauseClock" => {
                self.clock.pause(host_now_ms);
                self.persist_clock();
            }
            "ResumeClock" => {
                self.clock.resume(host_now_ms);
                self.persist_clock();
            }
            "SetClockRate" => {
                let rate = number_field(input, "rate")?;
                if !(rate > 0.0 && rate <= MAX_RATE) {
                    return Err(invalid(format!("'rate' must be greater than 0 and at most {MAX_RATE}")));
                }
                self.clock.set_rate(host_now_ms, rate);
                self.persist_clock();
            }
            "AdvanceClock" => {
                let seconds = number_field(input, "seconds")?;
                if !(seconds > 0.0 && seconds <= MAX_ADVANCE_SECONDS) {
                    return Err(invalid("'seconds' must be greater than 0 and at most ten years"));
                }
                // Fire what is due before the jump, then every timer the jump passes, in order.
                self.tick(host_now_ms);
                let target = self.clock.now(host_now_ms) + (seconds * 1000.0).round() as i64;
                while let Some(due) = self.scheduler.next_due().filter(|d| *d <= target) {
                    let now = self.clock.now(host_now_ms);
                    if due > now {
                        self.clock.advance(host_now_ms, due - now);
                    }
                    self.tick(host_now_ms);
                }
                let now = self.clock.now(host_now_ms);
                self.clock.advance(host_now_ms, target - now);
                self.persist_clock();
            }
            "Reset" => {
                self.reset_resources();
                return Ok(json!({}));
            }
            "ListScheduledEvents" => return self.scheduled_events(host_now_ms, input),
            "ExportSandbox" => return Ok(self.export_sandbox(host_now_ms)),
            "ListScenarios" => return Ok(crate::scenarios::list()),
            "LoadScenario" => return crate::scenarios::load(self, host_now_ms, input),
            "ImportSandbox" => {
                let doc = input.get("sandbox").ok_or_else(|| invalid("'sandbox' is required"))?;
                self.import_sandbox(host_now_ms, doc)?;
                return Ok(json!({}));
            }
            other => {
                // `service:Operation` goes to that service's own control operations.
                if let Some((service, op)) = other.split_once(':') {
                    return self.service_control(host_now_ms, service, op, input);
                }
                return Err(AwsError::new("gureum", "UnknownOperationException", format!("Unknown control operation '{other}'."), 400));
            }
        }
        Ok(self.clock_json(host_now_ms))
    }

    /// The timeline: pending timers a learner can jump to, in time order, each as its service
    /// describes it (background polling is left out), at most `limit` (default 50, up to 500).
    fn scheduled_events(&self, host_now_ms: i64, input: &Value) -> Result<Value, AwsError> {
        let limit = match input.get("limit") {
            None | Some(Value::Null) => 50,
            Some(v) => match v.as_u64() {
                Some(n @ 1..=500) => n as usize,
                _ => return Err(invalid("'limit' must be an integer from 1 to 500")),
            },
        };
        let now = self.clock.peek(host_now_ms);
        let mut events = Vec::new();
        let mut more = false;
        for timer in self.scheduler.pending() {
            let Some(note) = self.services.iter().find(|s| s.name() == timer.service).and_then(|s| s.describe_timer(timer)) else { continue };
            if events.len() == limit {
                more = true;
                break;
            }
            events.push(json!({
                "dueMs": timer.due_ms,
                "due": iso8601(timer.due_ms),
                "inSeconds": ((timer.due_ms - now).max(0) as f64) / 1000.0,
                "service": timer.service,
                "region": timer.region,
                "kind": note.kind,
                "description": note.text,
            }));
        }
        Ok(json!({ "now": now, "events": events, "truncated": more }))
    }

    fn clock_json(&self, host_now_ms: i64) -> Value {
        let s = self.clock.state();
        let now = self.clock.peek(host_now_ms);
        json!({
            "now": now,
            "iso": iso8601(now),
            "paused": s.paused,
            "rate": s.rate,
            "nextTimer": self.scheduler.next_due(),
        })
    }

    fn reset_resources(&mut self) {
        if let Some(runtime) = &self.runtime {
            runtime.discard_all();
        }
        for service in &mut self.services {
            service.clear();
            self.journal.delete_prefix(format!("{}/", service.name()));
        }
        self.scheduler.clear();
        self.journal.delete_prefix(TIMER_PREFIX);
    }

    fn export_sandbox(&self, host_now_ms: i64) -> Value {
        let mut records = Map::new();
        for r in self.snapshot() {
            let value = if r.key == CLOCK_KEY || r.key == RNG_KEY || r.key.starts_with(TIMER_PREFIX) {
                serde_json::from_slice(&r.value).unwrap_or(Value::Null)
            } else {
                let owner = r.key.split('/').next().unwrap_or("");
                match self.services.iter().find(|s| s.name() == owner) {
                    Some(s) => s.record_to_json(&r.key, &r.value).unwrap_or(Value::Null),
                    None => Value::Null,
                }
            };
            records.insert(r.key, value);
        }
        json!({
            "format": SANDBOX_FORMAT,
            "version": SANDBOX_VERSION,
            "accountId": self.account.id,
            "exportedAt": iso8601(self.clock.peek(host_now_ms)),
            "records": records,
        })
    }

    /// Replaces the whole sandbox with an exported one. All or nothing: a bad document leaves the
    /// current sandbox untouched.
    fn import_sandbox(&mut self, host_now_ms: i64, doc: &Value) -> Result<(), AwsError> {
        if doc.get("format").and_then(Value::as_str) != Some(SANDBOX_FORMAT) {
            return Err(invalid(format!("Not a Gureum sandbox file: 'format' must be \"{SANDBOX_FORMAT}\".")));
        }
        match doc.get("version").and_then(Value::as_u64) {
            Some(SANDBOX_VERSION) => {}
            other => return Err(invalid(format!("Unsupported sandbox version {other:?}; this build reads version {SANDBOX_VERSION}."))),
        }
        let Some(map) = doc.get("records").and_then(Value::as_object) else {
            return Err(invalid("'records' must be an object"));
        };
        let mut records = Vec::with_capacity(map.len());
        for (key, value) in map {
            let bytes = if key == CLOCK_KEY || key == RNG_KEY || key.starts_with(TIMER_PREFIX) {
                serde_json::to_vec(value).map_err(|e| invalid(format!("{key}: {e}")))?
            } else {
                let owner = key.split('/').next().unwrap_or("");
                let service = self.services.iter().find(|s| s.name() == owner).ok_or_else(|| invalid(format!("{key}: no service owns records under '{owner}'")))?;
                service.record_from_json(key, value).map_err(|e| invalid(format!("{key}: {e}")))?
            };
            records.push(Record { key: key.clone(), value: bytes });
        }
        let config = super::EngineConfig { account_id: self.account.id.clone(), keep_item_json: self.keep_item_json, ..Default::default() };
        let fresh = Engine::restore(config, host_now_ms, records).map_err(invalid)?;
        // Swap in the imported state, then journal it as a full replacement.
        if let Some(runtime) = &self.runtime {
            runtime.discard_all();
        }
        let Engine { account, clock, rng, scheduler, services, .. } = fresh;
        self.account = account;
        self.clock = clock;
        self.rng = rng;
        self.scheduler = scheduler;
        self.services = services;
        self.journal.delete_prefix("");
        for r in self.snapshot() {
            self.journal.put(r.key, r.value);
        }
        Ok(())
    }
}
