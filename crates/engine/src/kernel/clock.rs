//! The virtual clock. Simulated time is what every service sees: TTL, token expiry, Wait states,
//! retries and throttling all read it. It advances with the host's wall clock times `rate`, can be
//! paused, and can jump ahead. It never goes backwards.
//!
//! The host passes its wall-clock time (ms since the epoch) into every engine call; the clock
//! never reads time itself. While the sandbox is closed the clock keeps running (if not paused),
//! just as real AWS time would.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ClockState {
    /// Virtual time (ms since the epoch) at the anchor.
    pub anchor_virtual_ms: i64,
    /// Host wall time (ms since the epoch) at the anchor.
    pub anchor_host_ms: i64,
    /// Virtual ms per host ms while running.
    pub rate: f64,
    pub paused: bool,
    /// The latest virtual time handed out; the clock never returns less. Not persisted: it
    /// changes on every call, and a restored clock starts from its anchor.
    #[serde(skip)]
    pub high_water_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VirtualClock {
    state: ClockState,
}

/// The fastest a learner may run the clock: a day per second.
pub const MAX_RATE: f64 = 86_400.0;

impl VirtualClock {
    pub fn new(start_virtual_ms: i64, host_now_ms: i64) -> Self {
        VirtualClock { state: ClockState { anchor_virtual_ms: start_virtual_ms, anchor_host_ms: host_now_ms, rate: 1.0, paused: false, high_water_ms: start_virtual_ms } }
    }

    pub fn from_state(mut state: ClockState) -> Self {
        state.high_water_ms = state.high_water_ms.max(state.anchor_virtual_ms);
        VirtualClock { state }
    }

    pub fn state(&self) -> ClockState {
        self.state
    }

    /// Virtual time at host time `host_now_ms`, without moving the high-water mark.
    pub fn peek(&self, host_now_ms: i64) -> i64 {
        let s = &self.state;
        let t = if s.paused {
            s.anchor_virtual_ms
        } else {
            let elapsed = host_now_ms.saturating_sub(s.anchor_host_ms).max(0) as f64;
            s.anchor_virtual_ms.saturating_add((elapsed * s.rate) as i64)
        };
        t.max(s.high_water_ms)
    }

    /// Virtual time now; records it so later calls never see an earlier time.
    pub fn now(&mut self, host_now_ms: i64) -> i64 {
        let t = self.peek(host_now_ms);
        self.state.high_water_ms = t;
        t
    }

    fn reanchor(&mut self, host_now_ms: i64) {
        let t = self.now(host_now_ms);
        self.state.anchor_virtual_ms = t;
        self.state.anchor_host_ms = host_now_ms;
    }

    pub fn pause(&mut self, host_now_ms: i64) {
        self.reanchor(host_now_ms);
        self.state.paused = true;
    }

    pub fn resume(&mut self, host_now_ms: i64) {
        self.reanchor(host_now_ms);
        self.state.paused = false;
    }

    pub fn set_rate(&mut self, host_now_ms: i64, rate: f64) {
        self.reanchor(host_now_ms);
        self.state.rate = rate;
    }

    /// Moves virtual time forward by `delta_ms` (negative deltas are refused by the caller).
    pub fn advance(&mut self, host_now_ms: i64, delta_ms: i64) {
        self.reanchor(host_now_ms);
        self.state.anchor_virtual_ms = self.state.anchor_virtual_ms.saturating_add(delta_ms.max(0));
        self.state.high_water_ms = self.state.anchor_virtual_ms;
    }

    /// The host time at which virtual time reaches `virtual_ms`, if the clock is running.
    pub fn host_time_of(&self, virtual_ms: i64) -> Option<i64> {
        let s = &self.state;
        if s.paused || s.rate <= 0.0 {
            return None;
        }
        let ahead = (virtual_ms - s.anchor_virtual_ms).max(0) as f64;
        Some(s.anchor_host_ms.saturating_add((ahead / s.rate).ceil() as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_with_host_time_at_rate() {
        let mut c = VirtualClock::new(1_000_000, 500);
        assert_eq!(c.now(1500), 1_001_000);
        c.set_rate(1500, 60.0);
        assert_eq!(c.now(2500), 1_001_000 + 60_000);
    }

    #[test]
    fn pause_freezes_and_resume_continues_without_jump() {
        let mut c = VirtualClock::new(0, 0);
        c.pause(1000);
        assert_eq!(c.now(50_000), 1000);
        c.resume(50_000);
        assert_eq!(c.now(51_000), 2000);
    }

    #[test]
    fn advance_jumps_ahead_and_never_back() {
        let mut c = VirtualClock::new(0, 0);
        c.advance(10, 86_400_000);
        assert_eq!(c.now(10), 86_400_010);
        // The host clock stepping backwards does not move virtual time back.
        assert_eq!(c.now(5), 86_400_010);
    }

    #[test]
    fn host_time_of_inverts_the_rate() {
        let mut c = VirtualClock::new(0, 100);
        c.set_rate(100, 10.0);
        assert_eq!(c.host_time_of(10_000), Some(1100));
        c.pause(100);
        assert_eq!(c.host_time_of(10_000), None);
    }
}
