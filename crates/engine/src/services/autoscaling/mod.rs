//! Application Auto Scaling (JSON 1.1, `AnyScaleFrontendService`), for DynamoDB: scalable
//! targets over a table's or a GSI's read or write capacity, target-tracking policies, and the
//! scaling activities they cause.
//!
//! The model (see ARCHITECTURE.md, "DynamoDB auto scaling"): each scalable target has a timer every
//! virtual minute that reads the table through DynamoDB's own API (DescribeTable), its consumed
//! capacity per minute through the `dynamodb:GetTableMetrics` control operation (what AWS reads
//! from CloudWatch), evaluates the policy's two alarms ([`tracking`]) and, when one is in ALARM,
//! calls DynamoDB's UpdateTable, so UPDATING, the decrease limits and their errors are DynamoDB's.
//! Services never hold each other: every call is a [`Step`] the kernel carries out.
//!
//! Records: `application-autoscaling/{region}/target/{id}` (the target and its policy, JSON) and,
//! below it, `/activity/{seq, 16 hex}` (one scaling activity, JSON).

pub mod api;
pub mod target;
pub mod tracking;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    scheduler::Timer,
    service::{Cx, Service},
};
use target::{Activity, Target};

pub const SERVICE: &str = "application-autoscaling";
/// Activities kept per scalable target (AWS keeps six weeks of them); older ones are dropped.
pub const KEEP_ACTIVITIES: usize = 100;

#[derive(Debug, Default)]
pub struct RegionState {
    /// Scalable targets by id.
    pub targets: BTreeMap<String, Target>,
    /// Each target's activities by sequence number.
    pub activities: BTreeMap<String, BTreeMap<u64, Activity>>,
    /// Runtime only: since when each target's alarms have watched the metrics (its registration,
    /// or its first tick after a reload, since DynamoDB's metrics are not persisted).
    pub watching_since: HashMap<String, i64>,
}

impl RegionState {
    pub fn find(&self, resource_id: &str, dimension: &str) -> Option<&Target> {
        self.targets.values().find(|t| t.resource_id == resource_id && t.dimension == dimension)
    }

    pub fn find_id(&self, resource_id: &str, dimension: &str) -> Option<String> {
        self.find(resource_id, dimension).map(|t| t.id.clone())
    }

    /// Journals a target's record.
    pub fn save_target(&self, cx: &mut Cx, id: &str) {
        if let Some(t) = self.targets.get(id) {
            cx.journal.put_json(target_key(cx.region, id), t);
        }
    }

    /// Records an activity for target `id` (journaled), dropping the oldest beyond
    /// [`KEEP_ACTIVITIES`].
    pub fn add_activity(&mut self, cx: &mut Cx, id: &str, mut activity: Activity) {
        let Some(t) = self.targets.get_mut(id) else { return };
        activity.seq = t.next_seq;
        t.next_seq += 1;
        cx.journal.put_json(target_key(cx.region, id), &*t);
        cx.journal.put_json(activity_key(cx.region, id, activity.seq), &activity);
        let list = self.activities.entry(id.to_string()).or_default();
        list.insert(activity.seq, activity);
        while list.len() > KEEP_ACTIVITIES {
            if let Some((seq, _)) = list.pop_first() {
                cx.journal.delete(activity_key(cx.region, id, seq));
            }
        }
    }

    pub fn remove_target(&mut self, cx: &mut Cx, id: &str) {
        self.targets.remove(id);
        self.activities.remove(id);
        self.watching_since.remove(id);
        cx.journal.delete_prefix(format!("{}/", target_key(cx.region, id)));
        cx.journal.delete(target_key(cx.region, id));
    }
}

pub fn target_key(region: &str, id: &str) -> String {
    format!("{SERVICE}/{region}/target/{id}")
}

pub fn activity_key(region: &str, id: &str, seq: u64) -> String {
    format!("{}/activity/{seq:016x}", target_key(region, id))
}

/// Where an operation or a tick was when it asked the kernel to call DynamoDB.
pub enum Cont {
    /// RegisterScalableTarget, after DescribeTable.
    Register(Box<Value>),
    /// RegisterScalableTarget, after the UpdateTable that brought capacity into [min, max].
    RegisterClamped { id: String, answer: Box<Value>, activity: Box<Activity>, capacity: i64 },
    /// A tick, after DescribeTable.
    TickDescribed(String),
    /// A tick, after GetTableMetrics.
    TickMetrics(Box<tracking::Observed>),
    /// A tick, after the UpdateTable a policy asked for.
    TickScaled(Box<tracking::Scaling>),
}

#[derive(Debug, Default)]
pub struct AutoScaling {
    regions: BTreeMap<String, RegionState>,
}

impl AutoScaling {
    pub fn region(&mut self, region: &str) -> &mut RegionState {
        self.regions.entry(region.to_string()).or_default()
    }
}

pub fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ValidationException", message, 400)
}

pub fn object_not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("", "ObjectNotFoundException", message, 400)
}

/// Operations of the API this build does not run.
const NOT_SIMULATED: &[&str] = &["PutScheduledAction", "DeleteScheduledAction", "DescribeScheduledActions", "GetPredictiveScalingForecast"];

impl Service for AutoScaling {
    fn name(&self) -> &'static str {
        SERVICE
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match self.call_step(cx, operation, input)? {
            Step::Done(v) => Ok(v),
            _ => Err(AwsError::internal("Application Auto Scaling needs the kernel for this operation")),
        }
    }

    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        let state = self.region(cx.region);
        let done = |r: Result<Value, AwsError>| r.map(Step::Done);
        match operation {
            "RegisterScalableTarget" => api::register_start(state, cx, input),
            "DescribeScalableTargets" => done(api::describe_targets(state, cx, input)),
            "DeregisterScalableTarget" => done(api::deregister(state, cx, input)),
            "PutScalingPolicy" => done(api::put_policy(state, cx, input)),
            "DescribeScalingPolicies" => done(api::describe_policies(state, cx, input)),
            "DeleteScalingPolicy" => done(api::delete_policy(state, cx, input)),
            "DescribeScalingActivities" => done(api::describe_activities(state, cx, input)),
            "TagResource" => done(api::tag_resource(state, cx, input)),
            "UntagResource" => done(api::untag_resource(state, cx, input)),
            "ListTagsForResource" => done(api::list_tags(state, cx, input)),
            op if NOT_SIMULATED.contains(&op) => {
                Err(AwsError::unknown_operation(format!("Gureum does not simulate Application Auto Scaling's {op}; only target-tracking policies run in the sandbox.")))
            }
            _ => Err(AwsError::unknown_operation("")),
        }
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let Ok(cont) = then.downcast::<Cont>() else {
            return Err(AwsError::internal("Application Auto Scaling resumed with another service's continuation"));
        };
        let Resumed::Called(answer) = result else {
            return Err(AwsError::internal("Application Auto Scaling runs no code"));
        };
        let state = self.region(cx.region);
        match *cont {
            Cont::Register(input) => api::register_described(state, cx, &input, answer),
            Cont::RegisterClamped { id, answer: reply, activity, capacity } => {
                api::register_clamped(state, cx, &id, *activity, capacity, answer);
                Ok(Step::Done(*reply))
            }
            Cont::TickDescribed(id) => Ok(tracking::described(state, cx, &id, answer)),
            Cont::TickMetrics(observed) => Ok(tracking::measured(state, cx, *observed, answer)),
            Cont::TickScaled(scaling) => {
                tracking::scaled(state, cx, *scaling, answer);
                Ok(Step::Done(Value::Null))
            }
        }
    }

    fn fire_step(&mut self, cx: &mut Cx, timer: &Timer) -> Step {
        let state = self.region(&timer.region);
        tracking::tick(state, cx, &timer.payload)
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (region, state) in &self.regions {
            for (id, t) in &state.targets {
                out.push(Record { key: target_key(region, id), value: serde_json::to_vec(t).unwrap_or_default() });
            }
            for (id, list) in &state.activities {
                for (seq, a) in list {
                    out.push(Record { key: activity_key(region, id, *seq), value: serde_json::to_vec(a).unwrap_or_default() });
                }
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            [_, region, "target", id] => {
                let t: Target = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                self.region(region).targets.insert(id.to_string(), t);
                Ok(())
            }
            [_, region, "target", id, "activity", _] => {
                let a: Activity = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                self.region(region).activities.entry(id.to_string()).or_default().insert(a.seq, a);
                Ok(())
            }
            _ => Err("not an Application Auto Scaling record".into()),
        }
    }

    fn clear(&mut self) {
        self.regions.clear();
    }
}
