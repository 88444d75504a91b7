//! The state model: scalable targets, their target-tracking policy and their scaling activities,
//! with the JSON shapes the API answers with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::kernel::service::Cx;

/// What a scalable target scales: a table's or a GSI's read or write capacity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub table: String,
    pub index: Option<String>,
    pub write: bool,
}

impl Resource {
    /// Parses a ResourceId with its ScalableDimension: `table/{name}` with the `dynamodb:table:…`
    /// dimensions, `table/{name}/index/{index}` with the `dynamodb:index:…` ones.
    pub fn parse(resource_id: &str, dimension: &str) -> Option<Resource> {
        let (scope, unit) = dimension.strip_prefix("dynamodb:")?.split_once(':')?;
        let write = match unit {
            "ReadCapacityUnits" => false,
            "WriteCapacityUnits" => true,
            _ => return None,
        };
        let rest = resource_id.strip_prefix("table/")?;
        let (table, index) = match rest.split_once("/index/") {
            Some((t, i)) => (t, Some(i)),
            None => (rest, None),
        };
        let name_ok = |n: &str| n.len() >= 3 && n.len() <= 255 && n.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !name_ok(table) || index.is_some_and(|i| !name_ok(i)) {
            return None;
        }
        match (scope, index) {
            ("table", None) | ("index", Some(_)) => Some(Resource { table: table.to_string(), index: index.map(str::to_string), write }),
            _ => None,
        }
    }

    /// `read` or `write`, as activity descriptions spell the unit.
    pub fn unit_words(&self) -> &'static str {
        if self.write {
            "write capacity units"
        } else {
            "read capacity units"
        }
    }

    /// The predefined metric a target-tracking policy on this dimension tracks.
    pub fn metric(&self) -> &'static str {
        if self.write {
            "DynamoDBWriteCapacityUtilization"
        } else {
            "DynamoDBReadCapacityUtilization"
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Suspended {
    pub dynamic_in: bool,
    pub dynamic_out: bool,
    pub scheduled: bool,
}

impl Suspended {
    pub fn to_json(&self) -> Value {
        json!({
            "DynamicScalingInSuspended": self.dynamic_in,
            "DynamicScalingOutSuspended": self.dynamic_out,
            "ScheduledScalingSuspended": self.scheduled,
        })
    }
}

/// A target-tracking scaling policy (the only kind the sandbox runs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub created_ms: i64,
    /// Percent of provisioned capacity, 20..=90.
    pub target_value: f64,
    pub scale_out_cooldown: Option<i64>,
    pub scale_in_cooldown: Option<i64>,
    pub disable_scale_in: Option<bool>,
    /// The uuids in the names of the alarms the policy created.
    pub high_alarm: String,
    pub low_alarm: String,
}

impl Policy {
    pub fn scale_in_disabled(&self) -> bool {
        self.disable_scale_in == Some(true)
    }
}

/// One scaling activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub seq: u64,
    pub description: String,
    pub cause: String,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub status: String,
    pub status_message: Option<String>,
}

/// A scalable target and its policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The id at the end of the ScalableTargetARN (36 hex digits).
    pub id: String,
    /// The uuid in the ARNs of this target's policies.
    pub policy_uuid: String,
    pub resource_id: String,
    pub dimension: String,
    pub min: i64,
    pub max: i64,
    pub role_arn: String,
    pub created_ms: i64,
    pub suspended: Suspended,
    pub tags: BTreeMap<String, String>,
    pub policy: Option<Policy>,
    /// When the last scale-out and scale-in (by a policy) happened, for the cooldowns.
    pub last_scale_out_ms: Option<i64>,
    pub last_scale_in_ms: Option<i64>,
    /// The next activity's sequence number.
    pub next_seq: u64,
}

impl Target {
    pub fn resource(&self) -> Resource {
        // Checked when the target was registered.
        Resource::parse(&self.resource_id, &self.dimension).unwrap_or(Resource { table: String::new(), index: None, write: false })
    }

    pub fn arn(&self, cx: &Cx) -> String {
        cx.account.arn("application-autoscaling", cx.region, &format!("scalable-target/{}", self.id))
    }

    pub fn to_json(&self, cx: &Cx) -> Value {
        json!({
            "ServiceNamespace": "dynamodb",
            "ResourceId": self.resource_id,
            "ScalableDimension": self.dimension,
            "MinCapacity": self.min,
            "MaxCapacity": self.max,
            "RoleARN": self.role_arn,
            "CreationTime": self.created_ms as f64 / 1000.0,
            "SuspendedState": self.suspended.to_json(),
            "ScalableTargetARN": self.arn(cx),
        })
    }

    pub fn policy_arn(&self, cx: &Cx, policy: &str) -> String {
        cx.account.arn("autoscaling", cx.region, &format!("scalingPolicy:{}:resource/dynamodb/{}:policyName/{policy}", self.policy_uuid, self.resource_id))
    }

    /// The alarm named `TargetTracking-{resource}-{AlarmHigh|AlarmLow}-{uuid}`.
    pub fn alarm_name(&self, kind: &str, uuid: &str) -> String {
        format!("TargetTracking-{}-{kind}-{uuid}", self.resource_id)
    }

    /// The alarms a policy created: AlarmHigh, and AlarmLow unless scale-in is disabled.
    pub fn alarms(&self, cx: &Cx, p: &Policy) -> Value {
        let mut out = vec![(self.alarm_name("AlarmHigh", &p.high_alarm))];
        if !p.scale_in_disabled() {
            out.push(self.alarm_name("AlarmLow", &p.low_alarm));
        }
        Value::Array(out.into_iter().map(|n| json!({"AlarmName": n, "AlarmARN": cx.account.arn("cloudwatch", cx.region, &format!("alarm:{n}"))})).collect())
    }

    pub fn policy_json(&self, cx: &Cx, p: &Policy) -> Value {
        let mut config = json!({
            "TargetValue": p.target_value,
            "PredefinedMetricSpecification": {"PredefinedMetricType": self.resource().metric()},
        });
        if let Some(c) = p.scale_out_cooldown {
            config["ScaleOutCooldown"] = json!(c);
        }
        if let Some(c) = p.scale_in_cooldown {
            config["ScaleInCooldown"] = json!(c);
        }
        if let Some(d) = p.disable_scale_in {
            config["DisableScaleIn"] = json!(d);
        }
        json!({
            "PolicyARN": self.policy_arn(cx, &p.name),
            "PolicyName": p.name,
            "ServiceNamespace": "dynamodb",
            "ResourceId": self.resource_id,
            "ScalableDimension": self.dimension,
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": config,
            "Alarms": self.alarms(cx, p),
            "CreationTime": p.created_ms as f64 / 1000.0,
        })
    }

    pub fn activity_json(&self, a: &Activity) -> Value {
        let mut v = json!({
            "ActivityId": a.id,
            "ServiceNamespace": "dynamodb",
            "ResourceId": self.resource_id,
            "ScalableDimension": self.dimension,
            "Description": a.description,
            "Cause": a.cause,
            "StartTime": a.start_ms as f64 / 1000.0,
            "StatusCode": a.status,
        });
        if let Some(t) = a.end_ms {
            v["EndTime"] = json!(t as f64 / 1000.0);
        }
        if let Some(m) = &a.status_message {
            v["StatusMessage"] = json!(m);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_pair_with_their_dimensions() {
        assert_eq!(Resource::parse("table/Music", "dynamodb:table:WriteCapacityUnits"), Some(Resource { table: "Music".into(), index: None, write: true }));
        assert_eq!(
            Resource::parse("table/Music/index/ByArtist", "dynamodb:index:ReadCapacityUnits"),
            Some(Resource { table: "Music".into(), index: Some("ByArtist".into()), write: false })
        );
        assert_eq!(Resource::parse("table/Music/index/ByArtist", "dynamodb:table:ReadCapacityUnits"), None);
        assert_eq!(Resource::parse("table/Music", "dynamodb:index:ReadCapacityUnits"), None);
        assert_eq!(Resource::parse("Music", "dynamodb:table:ReadCapacityUnits"), None);
        assert_eq!(Resource::parse("table/Mu", "dynamodb:table:ReadCapacityUnits"), None);
        assert_eq!(Resource::parse("table/Music", "ecs:service:DesiredCount"), None);
    }
}
