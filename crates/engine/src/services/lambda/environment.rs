//! Simulated execution environments. An environment runs one invocation at a time; a warm,
//! idle one of the same function version is reused (its module scope kept by the host's runtime);
//! otherwise a new one starts cold. Environments idle for [`IDLE_RECLAIM_MS`] are reclaimed, and
//! all of a version's are retired when its code or configuration changes, as on AWS.

/// How long an idle environment stays warm. AWS does not promise a figure (observed: minutes);
/// the sandbox uses ten minutes of virtual time, so jumping the clock ahead shows a cold start.
pub const IDLE_RECLAIM_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct Environment {
    pub id: String,
    pub function: String,
    pub version: String,
    pub log_stream: String,
    pub busy: bool,
    pub last_used_ms: i64,
    pub invocations: u64,
}

#[derive(Debug, Default)]
pub struct Environments {
    list: Vec<Environment>,
}

impl Environments {
    /// An idle warm environment of this version, marked busy.
    pub fn take_warm(&mut self, function: &str, version: &str) -> Option<&mut Environment> {
        let env = self.list.iter_mut().filter(|e| !e.busy && e.function == function && e.version == version).max_by_key(|e| e.last_used_ms)?;
        env.busy = true;
        Some(env)
    }

    pub fn start(&mut self, env: Environment) {
        self.list.push(env);
    }

    pub fn busy(&self, function: &str) -> u32 {
        self.list.iter().filter(|e| e.busy && e.function == function).count() as u32
    }

    pub fn busy_total(&self) -> u32 {
        self.list.iter().filter(|e| e.busy).count() as u32
    }

    pub fn release(&mut self, id: &str, now_ms: i64) {
        if let Some(e) = self.list.iter_mut().find(|e| e.id == id) {
            e.busy = false;
            e.last_used_ms = now_ms;
            e.invocations += 1;
        }
    }

    /// Removes one environment (after a timeout or a failed init, AWS starts a fresh one).
    pub fn remove(&mut self, id: &str) {
        self.list.retain(|e| e.id != id);
    }

    /// Reclaims environments idle for longer than [`IDLE_RECLAIM_MS`]; returns their ids.
    pub fn reclaim_idle(&mut self, now_ms: i64) -> Vec<String> {
        self.drain(|e| !e.busy && now_ms - e.last_used_ms > IDLE_RECLAIM_MS)
    }

    pub fn remove_function(&mut self, function: &str) -> Vec<String> {
        self.drain(|e| e.function == function)
    }

    pub fn remove_version(&mut self, function: &str, version: &str) -> Vec<String> {
        self.drain(|e| e.function == function && e.version == version && !e.busy)
    }

    fn drain(&mut self, pred: impl Fn(&Environment) -> bool) -> Vec<String> {
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.list).into_iter().partition(|e| pred(e));
        self.list = kept;
        gone.into_iter().map(|e| e.id).collect()
    }

    pub fn of<'a>(&'a self, function: &'a str) -> impl Iterator<Item = &'a Environment> + 'a {
        self.list.iter().filter(move |e| e.function == function)
    }
}
