//! Timed work on the virtual clock. A service schedules a timer with a JSON payload; when virtual
//! time reaches it, the engine hands the payload back to that service. Timers are records, so a
//! reload keeps them; jumping the clock ahead fires every timer it passes, in time order, each at
//! its own due time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::journal::Journal;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timer {
    pub id: u64,
    pub due_ms: i64,
    pub service: String,
    pub region: String,
    pub payload: Value,
}

#[derive(Debug, Default)]
pub struct Scheduler {
    timers: BTreeMap<(i64, u64), Timer>,
    next_id: u64,
}

pub(crate) const TIMER_PREFIX: &str = "sim/timer/";

fn key(id: u64) -> String {
    let mut k = String::with_capacity(TIMER_PREFIX.len() + 16);
    k.push_str(TIMER_PREFIX);
    super::journal::push_hex(&mut k, id, 16);
    k
}

impl Scheduler {
    pub fn schedule(&mut self, journal: &mut Journal, due_ms: i64, service: &str, region: &str, payload: Value) -> u64 {
        self.next_id += 1;
        let timer = Timer { id: self.next_id, due_ms, service: service.to_string(), region: region.to_string(), payload };
        journal.put_json(key(timer.id), &timer);
        self.timers.insert((due_ms, timer.id), timer);
        self.next_id
    }

    /// The id of the newest timer: timers scheduled later have greater ids.
    pub fn last_id(&self) -> u64 {
        self.next_id
    }

    /// Removes and returns the earliest timer due at or before `now_ms`, unless that timer is
    /// newer than `horizon` (a [`last_id`](Self::last_id)): then it and everything after it wait.
    pub fn pop_due(&mut self, journal: &mut Journal, now_ms: i64, horizon: u64) -> Option<Timer> {
        let (&k, _) = self.timers.iter().next()?;
        if k.0 > now_ms || k.1 > horizon {
            return None;
        }
        let timer = self.timers.remove(&k)?;
        journal.delete(key(timer.id));
        Some(timer)
    }

    pub fn next_due(&self) -> Option<i64> {
        self.timers.keys().next().map(|k| k.0)
    }

    pub fn pending(&self) -> impl Iterator<Item = &Timer> {
        self.timers.values()
    }

    pub fn load(&mut self, value: &[u8]) -> Result<(), String> {
        let timer: Timer = serde_json::from_slice(value).map_err(|e| format!("timer record: {e}"))?;
        self.next_id = self.next_id.max(timer.id);
        self.timers.insert((timer.due_ms, timer.id), timer);
        Ok(())
    }

    pub fn clear(&mut self) {
        self.timers.clear();
    }
}
