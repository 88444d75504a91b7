//! The service's state: state machines and executions, with the records they persist as.
//!
//! Records (JSON): `states/{region}/machine/{name}`; `states/{region}/exec/{machine}/{name}` (an
//! execution's metadata, its definition text and its counters), below it `/ev/{id hex}` (one
//! history event) and `/t/{id hex}` (one running thread of the interpreter: the state it is in,
//! that state's input, its phase). Express executions are never recorded: AWS keeps no history
//! for them and they cannot be described.

use std::{collections::BTreeMap, sync::Arc};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::asl::{definition::Definition, errors::RetryCounters};
use crate::kernel::journal::push_hex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MachineType {
    #[serde(rename = "STANDARD")]
    Standard,
    #[serde(rename = "EXPRESS")]
    Express,
}

impl MachineType {
    pub fn as_str(self) -> &'static str {
        match self {
            MachineType::Standard => "STANDARD",
            MachineType::Express => "EXPRESS",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateMachine {
    pub name: String,
    pub arn: String,
    pub definition: String,
    #[serde(rename = "roleArn")]
    pub role_arn: String,
    #[serde(rename = "type")]
    pub kind: MachineType,
    pub created_ms: i64,
    #[serde(default)]
    pub updated_ms: Option<i64>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub logging: Option<Value>,
    #[serde(default)]
    pub tracing: Option<Value>,
    #[serde(default)]
    pub revision_id: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(skip)]
    pub parsed: Option<Arc<Definition>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "RUNNING")]
    Running,
    #[serde(rename = "SUCCEEDED")]
    Succeeded,
    #[serde(rename = "FAILED")]
    Failed,
    #[serde(rename = "TIMED_OUT")]
    TimedOut,
    #[serde(rename = "ABORTED")]
    Aborted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted => "ABORTED",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "RUNNING" => Status::Running,
            "SUCCEEDED" => Status::Succeeded,
            "FAILED" => Status::Failed,
            "TIMED_OUT" => Status::TimedOut,
            "ABORTED" => Status::Aborted,
            _ => return None,
        })
    }
}

/// One history event. `details` is the event's `*EventDetails` member, under `details_key`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub id: u64,
    #[serde(default)]
    pub prev: u64,
    pub ms: i64,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub details: Value,
}

impl Event {
    /// The HistoryEvent shape of GetExecutionHistory; without data, the input/output members are
    /// left out (includeExecutionData false).
    pub fn to_json(&self, include_data: bool) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("timestamp".into(), json!(self.ms as f64 / 1000.0));
        m.insert("type".into(), json!(self.kind));
        m.insert("id".into(), json!(self.id));
        m.insert("previousEventId".into(), json!(self.prev));
        if let Some(k) = &self.key {
            let mut d = self.details.clone();
            if !include_data {
                if let Value::Object(o) = &mut d {
                    for f in ["input", "output", "parameters"] {
                        o.remove(f);
                    }
                }
            }
            m.insert(k.clone(), d);
        }
        Value::Object(m)
    }
}

/// Where a running thread waits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum Phase {
    /// The next step enters the state.
    Enter,
    /// Entered; the next step runs it (a Task's attempt, a Parallel's or Map's branches).
    Attempt,
    /// A Wait state, until this instant.
    Waiting { until: i64 },
    /// A task's call is out (the kernel runs it within the same step).
    Calling,
    /// A `.waitForTaskToken` task, waiting for SendTaskSuccess/Failure.
    Token { token: String, resource_type: String, resource: String, deadline: Option<i64>, heartbeat_ms: Option<i64>, heartbeat_due: Option<i64> },
    /// A `.sync` nested execution.
    Child { arn: String, resource: String, deadline: Option<i64>, json_output: bool },
    /// Branches or iterations are running: `started` of `total`, `pending` of them unfinished.
    /// Their inputs (Map) and outputs are the thread's `items` and `results`, kept in records
    /// of their own (`/t/{id}/items`, `/t/{id}/r/{index}`) so that a finished iteration writes
    /// one small record, not the whole list.
    Children { pending: u32, started: u32, total: u32, max_concurrency: u32, is_map: bool },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Thread {
    pub id: u32,
    /// The Parallel/Map thread this one is a branch or iteration of, and its index there.
    pub parent: Option<(u32, u32)>,
    /// How to reach this thread's machine from the top: (state index, branch index) pairs.
    pub scope: Vec<(u32, u32)>,
    pub state: u32,
    /// The current state's raw input.
    pub input: Value,
    pub phase: Phase,
    #[serde(default)]
    pub retry: RetryCounters,
    #[serde(default)]
    pub retry_count: u32,
    pub entered_ms: i64,
    /// The thread's last event (previousEventId of its next one).
    pub last_event: u64,
    /// The wake-up this thread answers (older timers are stale).
    pub gen: u32,
    /// `$$.Map.Item` for a Map iteration.
    #[serde(default)]
    pub map_item: Option<(u64, Value)>,
    /// The workflow variables this thread sees (`Assign`): a Parallel branch or Map iteration
    /// starts with a copy of its parent's.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub vars: serde_json::Map<String, Value>,
    /// A Map's iteration inputs (in order).
    #[serde(skip)]
    pub items: Vec<Value>,
    /// Each branch's or iteration's output, once it has one.
    #[serde(skip)]
    pub results: Vec<Option<Value>>,
}

/// A `.sync` parent waiting on this execution.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParentTask {
    pub execution: String,
    pub thread: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Execution {
    pub arn: String,
    pub machine_arn: String,
    pub machine_name: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: MachineType,
    pub status: Status,
    pub start_ms: i64,
    #[serde(default)]
    pub stop_ms: Option<i64>,
    pub input: String,
    #[serde(default)]
    pub output: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub cause: Option<String>,
    pub role_arn: String,
    pub definition: String,
    #[serde(default)]
    pub trace_header: Option<String>,
    #[serde(default)]
    pub parent: Option<ParentTask>,
    /// The next thread id is above this one (not recorded: see `thread_reserve`).
    #[serde(skip)]
    pub next_thread: u32,
    /// Thread ids up to here may be in use: recorded when passed, a block at a time, so a
    /// Map starting thousands of iterations does not rewrite this record for each one, and a
    /// restored execution never reuses an id a pending timer still names.
    #[serde(default)]
    pub thread_reserve: u32,
    /// Steps taken (Express executions are cut off, as their five minutes would be).
    #[serde(skip)]
    pub steps: u64,
    /// The last event's id (derived from the event records on load).
    #[serde(skip)]
    pub next_event: u64,
    #[serde(default)]
    pub timeout_at: Option<i64>,
    /// Items/branches of the interpreter, by id (not in this record: one record each).
    #[serde(skip)]
    pub threads: BTreeMap<u32, Thread>,
    #[serde(skip)]
    pub history: Vec<Event>,
    #[serde(skip)]
    pub def: Option<Arc<Definition>>,
    /// The context object with `Execution` and `StateMachine` filled in; `State`, `Task` and `Map`
    /// are written before each use.
    #[serde(skip)]
    pub context: Value,
}

impl Execution {
    pub fn recorded(&self) -> bool {
        self.kind == MachineType::Standard
    }

    pub fn build_context(&mut self) {
        let input: Value = serde_json::from_str(&self.input).unwrap_or(Value::Null);
        self.context = json!({
            "Execution": {
                "Id": self.arn,
                "Input": input,
                "Name": self.name,
                "RoleArn": self.role_arn,
                "StartTime": crate::kernel::time::iso8601(self.start_ms),
                "RedriveCount": 0,
            },
            "State": { "EnteredTime": "", "Name": "", "RetryCount": 0 },
            "StateMachine": { "Id": self.machine_arn, "Name": self.machine_name },
        });
    }
}

pub fn machine_key(region: &str, name: &str) -> String {
    format!("states/{region}/machine/{name}")
}

pub fn exec_key(region: &str, machine: &str, name: &str) -> String {
    exec_key_with(region, machine, name, 0)
}

/// The execution's key with room for `extra` more bytes (its records' keys go on from it).
fn exec_key_with(region: &str, machine: &str, name: &str, extra: usize) -> String {
    let mut k = String::with_capacity(18 + region.len() + machine.len() + name.len() + extra);
    for part in ["states/", region, "/exec/", machine, "/", name] {
        k.push_str(part);
    }
    k
}

/// `{execution}/{kind}/{id:08x}` (written without `format!`: a step writes several).
fn sub_key(region: &str, machine: &str, name: &str, kind: &str, id: u64) -> String {
    let mut k = exec_key_with(region, machine, name, kind.len() + 10);
    k.push('/');
    k.push_str(kind);
    k.push('/');
    push_hex(&mut k, id, 8);
    k
}

pub fn event_key(region: &str, machine: &str, name: &str, id: u64) -> String {
    sub_key(region, machine, name, "ev", id)
}

pub fn thread_key(region: &str, machine: &str, name: &str, id: u32) -> String {
    sub_key(region, machine, name, "t", id as u64)
}

pub fn items_key(region: &str, machine: &str, name: &str, id: u32) -> String {
    thread_key(region, machine, name, id) + "/items"
}

pub fn result_key(region: &str, machine: &str, name: &str, id: u32, slot: u32) -> String {
    let mut k = thread_key(region, machine, name, id);
    k.push_str("/r/");
    push_hex(&mut k, slot as u64, 8);
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys() {
        assert_eq!(exec_key("us-east-1", "m", "x"), "states/us-east-1/exec/m/x");
        assert_eq!(event_key("us-east-1", "m", "x", 0x1f), "states/us-east-1/exec/m/x/ev/0000001f");
        assert_eq!(event_key("us-east-1", "m", "x", 0x1_2345_6789), "states/us-east-1/exec/m/x/ev/123456789");
        assert_eq!(thread_key("us-east-1", "m", "x", 3), "states/us-east-1/exec/m/x/t/00000003");
        assert_eq!(items_key("us-east-1", "m", "x", 3), "states/us-east-1/exec/m/x/t/00000003/items");
        assert_eq!(result_key("us-east-1", "m", "x", 3, 258), "states/us-east-1/exec/m/x/t/00000003/r/00000102");
    }
}
