//! Application Auto Scaling for DynamoDB: the API's validation and shapes, and target tracking
//! on the virtual clock driving DynamoDB's UpdateTable.

use serde_json::{json, Value};

use crate::{
    store::{encode_batch, Image},
    AwsError, Engine, EngineConfig, Request,
};

/// Host time the sandbox starts at; its virtual clock starts at 2026-01-01T00:00:00Z.
const T0: i64 = 1_700_000_000_000;
const START: i64 = 1_767_225_600_000;
const W: &str = "dynamodb:table:WriteCapacityUnits";
const R: &str = "dynamodb:table:ReadCapacityUnits";

struct Sim {
    e: Engine,
    t: i64,
    img: Image,
}

impl Sim {
    /// `Tbl` (pk S) with the given provisioned capacity and a GSI `ByG` (5/5), ACTIVE; the clock
    /// 30 s into the first minute.
    fn new(rcu: i64, wcu: i64) -> Sim {
        let mut s = Sim { e: Engine::new(EngineConfig::default(), T0), t: T0, img: Image::default() };
        s.ddb(
            "CreateTable",
            json!({
                "TableName": "Tbl",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "ProvisionedThroughput": {"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu},
                "GlobalSecondaryIndexes": [{"IndexName": "ByG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}],
            }),
        )
        .expect("CreateTable");
        s.advance(30);
        s
    }

    fn commit(&mut self) {
        let changes = self.e.take_changes();
        if !changes.is_empty() {
            self.img.apply_segment(&encode_batch(&changes)).expect("segment");
        }
    }

    fn ddb(&mut self, op: &str, input: Value) -> Result<Value, AwsError> {
        let r = self.e.call(self.t, &Request::new("dynamodb", op, "us-east-1", input));
        self.commit();
        r
    }

    fn aas(&mut self, op: &str, input: Value) -> Result<Value, AwsError> {
        let r = self.e.call(self.t, &Request::new("application-autoscaling", op, "us-east-1", input));
        self.commit();
        r
    }

    fn control(&mut self, op: &str, input: Value) -> Value {
        let r = self.e.control(self.t, op, &input).expect(op);
        self.commit();
        r
    }

    /// Moves the clock `seconds` ahead (AdvanceClock: every timer on the way fires at its time).
    fn advance(&mut self, seconds: i64) {
        self.control("AdvanceClock", json!({"seconds": seconds}));
    }

    /// Virtual seconds since the sandbox started.
    fn elapsed(&mut self) -> i64 {
        (self.control("GetClock", json!({}))["now"].as_i64().unwrap_or_default() - START) / 1000
    }

    fn register(&mut self, dim: &str, min: i64, max: i64) -> Result<Value, AwsError> {
        let rid = if dim.contains(":index:") { "table/Tbl/index/ByG" } else { "table/Tbl" };
        self.aas("RegisterScalableTarget", json!({"ServiceNamespace": "dynamodb", "ResourceId": rid, "ScalableDimension": dim, "MinCapacity": min, "MaxCapacity": max}))
    }

    fn policy(&mut self, dim: &str, config: Value) -> Result<Value, AwsError> {
        let rid = if dim.contains(":index:") { "table/Tbl/index/ByG" } else { "table/Tbl" };
        self.aas("PutScalingPolicy", json!({"PolicyName": "tt", "ServiceNamespace": "dynamodb", "ResourceId": rid, "ScalableDimension": dim, "PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": config}))
    }

    /// Stops the running load, if it has not ended.
    fn stop_load(&mut self) {
        let _ = self.e.control(self.t, "dynamodb:StopLoad", &json!({"TableName": "Tbl"}));
        self.commit();
    }

    fn write_load(&mut self, rate: i64, seconds: i64) {
        self.control("dynamodb:StartLoad", json!({"TableName": "Tbl", "Operation": "PutItem", "RequestsPerSecond": rate, "DurationSeconds": seconds, "ItemSizeBytes": 500}));
    }

    fn read_load(&mut self, rate: i64, seconds: i64) {
        self.control("dynamodb:StartLoad", json!({"TableName": "Tbl", "Operation": "GetItem", "RequestsPerSecond": rate, "DurationSeconds": seconds, "ConsistentRead": true}));
    }

    fn throughput(&mut self) -> (i64, i64) {
        let d = self.ddb("DescribeTable", json!({"TableName": "Tbl"})).expect("DescribeTable");
        let p = &d["Table"]["ProvisionedThroughput"];
        (p["ReadCapacityUnits"].as_i64().unwrap_or(-1), p["WriteCapacityUnits"].as_i64().unwrap_or(-1))
    }

    fn wcu(&mut self) -> i64 {
        self.throughput().1
    }

    fn activities(&mut self) -> Vec<Value> {
        self.aas("DescribeScalingActivities", json!({"ServiceNamespace": "dynamodb"})).expect("activities")["ScalingActivities"].as_array().cloned().unwrap_or_default()
    }

    /// Advances a minute at a time until `f` holds (at most `minutes`); the minutes it took.
    fn until(&mut self, minutes: i64, mut f: impl FnMut(&mut Sim) -> bool) -> Option<i64> {
        for m in 1..=minutes {
            self.advance(60);
            if f(self) {
                return Some(m);
            }
        }
        None
    }
}

fn kind(r: Result<Value, AwsError>) -> (String, String) {
    let e = r.expect_err("an error");
    (e.kind, e.message)
}

fn target_value(v: f64) -> Value {
    json!({"TargetValue": v, "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBWriteCapacityUtilization"}})
}

#[test]
fn register_validates_namespace_resource_dimension_and_capacity() {
    let mut s = Sim::new(10, 10);
    let (k, m) = kind(s.aas(
        "RegisterScalableTarget",
        json!({"ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 2}),
    ));
    assert_eq!(k, "ValidationException");
    assert!(m.contains("'ecs' is not supported in the sandbox"), "{m}");
    let (k, m) = kind(s.aas("RegisterScalableTarget", json!({"ServiceNamespace": "s3", "ResourceId": "table/Tbl", "ScalableDimension": W})));
    assert_eq!(k, "ValidationException");
    assert!(m.contains("Member must satisfy enum value set"), "{m}");
    let (_, m) = kind(s.aas("RegisterScalableTarget", json!({"ServiceNamespace": "dynamodb", "ScalableDimension": W})));
    assert_eq!(m, "1 validation error detected: Value null at 'resourceId' failed to satisfy constraint: Member must not be null");
    let (k, m) = kind(
        s.aas("RegisterScalableTarget", json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl/index/ByG", "ScalableDimension": W, "MinCapacity": 1, "MaxCapacity": 2})),
    );
    assert_eq!((k.as_str(), m.as_str()), ("ValidationException", "Unsupported service namespace, resource type or scalable dimension"));
    let (_, m) = kind(s.aas("RegisterScalableTarget", json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl", "ScalableDimension": W, "MinCapacity": 1})));
    assert!(m.contains("MinCapacity and MaxCapacity are required"), "{m}");
    let (_, m) = kind(s.register(W, 10, 5));
    assert_eq!(m, "Minimum capacity cannot be greater than maximum capacity");
    let (_, m) = kind(s.register(W, 0, 5));
    assert!(m.contains("at least 1"), "{m}");
    let (_, m) = kind(s.register(W, 1, 40_001));
    assert!(m.contains("40000"), "{m}");
    let (k, m) =
        kind(s.aas("RegisterScalableTarget", json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Nope", "ScalableDimension": W, "MinCapacity": 1, "MaxCapacity": 5})));
    assert_eq!((k.as_str(), m.as_str()), ("ValidationException", "DynamoDB table Nope does not exist."));
    let (_, m) = kind(s.aas(
        "RegisterScalableTarget",
        json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl/index/Nope", "ScalableDimension": "dynamodb:index:ReadCapacityUnits", "MinCapacity": 1, "MaxCapacity": 5}),
    ));
    assert!(m.contains("Nope does not exist"), "{m}");
    // Nothing was registered by any of that.
    let d = s.aas("DescribeScalableTargets", json!({"ServiceNamespace": "dynamodb"})).expect("describe");
    assert_eq!(d["ScalableTargets"], json!([]));
    let (k, m) = kind(s.aas("DeregisterScalableTarget", json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl", "ScalableDimension": W})));
    assert_eq!(k, "ObjectNotFoundException");
    assert_eq!(m, "No scalable target registered for service namespace: dynamodb, resource ID: table/Tbl, scalable dimension: dynamodb:table:WriteCapacityUnits");
}

#[test]
fn an_on_demand_table_cannot_be_registered() {
    let mut s = Sim::new(10, 10);
    s.ddb("UpdateTable", json!({"TableName": "Tbl", "BillingMode": "PAY_PER_REQUEST"})).expect("switch");
    s.advance(5);
    let (k, m) = kind(s.register(W, 1, 5));
    assert_eq!(k, "ValidationException");
    assert!(m.contains("on-demand"), "{m}");
}

#[test]
fn register_describe_reregister_and_the_policy_shapes() {
    let mut s = Sim::new(10, 10);
    let arn = s.register(W, 5, 100).expect("register")["ScalableTargetARN"].as_str().unwrap_or_default().to_string();
    assert!(arn.starts_with("arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/"), "{arn}");
    let d = s.aas("DescribeScalableTargets", json!({"ServiceNamespace": "dynamodb", "ResourceIds": ["table/Tbl"]})).expect("describe");
    let t = &d["ScalableTargets"][0];
    assert_eq!((t["MinCapacity"].as_i64(), t["MaxCapacity"].as_i64()), (Some(5), Some(100)));
    assert_eq!(
        t["RoleARN"],
        "arn:aws:iam::123456789012:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"
    );
    assert_eq!(t["SuspendedState"], json!({"DynamicScalingInSuspended": false, "DynamicScalingOutSuspended": false, "ScheduledScalingSuspended": false}));
    assert_eq!(t["ScalableTargetARN"], arn.as_str());
    // Re-registering changes only what it names, and keeps the ARN.
    let again = s.aas("RegisterScalableTarget", json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl", "ScalableDimension": W, "MaxCapacity": 50})).expect("update");
    assert_eq!(again["ScalableTargetARN"], arn.as_str());
    let d = s.aas("DescribeScalableTargets", json!({"ServiceNamespace": "dynamodb", "ScalableDimension": W})).expect("describe");
    assert_eq!((d["ScalableTargets"][0]["MinCapacity"].as_i64(), d["ScalableTargets"][0]["MaxCapacity"].as_i64()), (Some(5), Some(50)));

    let p = s.policy(W, target_value(70.0)).expect("policy");
    let policy_arn = p["PolicyARN"].as_str().unwrap_or_default();
    assert!(
        policy_arn.starts_with("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:") && policy_arn.ends_with(":resource/dynamodb/table/Tbl:policyName/tt"),
        "{policy_arn}"
    );
    let alarms: Vec<&str> = p["Alarms"].as_array().map(|a| a.iter().filter_map(|x| x["AlarmName"].as_str()).collect()).unwrap_or_default();
    assert_eq!(alarms.len(), 2);
    assert!(alarms[0].starts_with("TargetTracking-table/Tbl-AlarmHigh-") && alarms[1].starts_with("TargetTracking-table/Tbl-AlarmLow-"), "{alarms:?}");
    assert_eq!(p["Alarms"][0]["AlarmARN"], format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{}", alarms[0]));
    let d = s.aas("DescribeScalingPolicies", json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl"})).expect("policies");
    let sp = &d["ScalingPolicies"][0];
    assert_eq!(sp["PolicyType"], "TargetTrackingScaling");
    assert_eq!(
        sp["TargetTrackingScalingPolicyConfiguration"],
        json!({"TargetValue": 70.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBWriteCapacityUtilization"}})
    );
    assert_eq!(sp["Alarms"], p["Alarms"]);
    // Updating the policy keeps its alarms; DisableScaleIn drops AlarmLow.
    let p2 = s.policy(W, json!({"TargetValue": 50, "DisableScaleIn": true, "ScaleOutCooldown": 60, "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBWriteCapacityUtilization"}})).expect("update");
    assert_eq!(p2["PolicyARN"], p["PolicyARN"]);
    assert_eq!(p2["Alarms"], json!([p["Alarms"][0]]));
    // One target-tracking policy per metric.
    let (_, m) = kind(s.aas("PutScalingPolicy", json!({"PolicyName": "other", "ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl", "ScalableDimension": W, "PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": target_value(60.0)})));
    assert_eq!(m, "Only one TargetTrackingScaling policy for a given metric specification is allowed.");
    let (k, m) = kind(s.aas("DeleteScalingPolicy", json!({"PolicyName": "nope", "ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl", "ScalableDimension": W})));
    assert_eq!(k, "ObjectNotFoundException");
    assert!(m.starts_with("No scaling policy found for service namespace: dynamodb, resource ID: table/Tbl"), "{m}");
    s.aas("DeleteScalingPolicy", json!({"PolicyName": "tt", "ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl", "ScalableDimension": W})).expect("delete");
    let d = s.aas("DescribeScalingPolicies", json!({"ServiceNamespace": "dynamodb"})).expect("policies");
    assert_eq!(d["ScalingPolicies"], json!([]));

    // Tags by the target's ARN.
    s.aas("TagResource", json!({"ResourceARN": arn, "Tags": {"team": "data", "env": "dev"}})).expect("tag");
    s.aas("UntagResource", json!({"ResourceARN": arn, "TagKeys": ["env"]})).expect("untag");
    assert_eq!(s.aas("ListTagsForResource", json!({"ResourceARN": arn})).expect("tags"), json!({"Tags": {"team": "data"}}));
    let missing = format!("{}0", &arn[..arn.len() - 1]);
    let (k, _) = kind(s.aas("ListTagsForResource", json!({"ResourceARN": missing})));
    assert_eq!(k, "ResourceNotFoundException");
    let (_, m) = kind(s.aas("ListTagsForResource", json!({"ResourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/Tbl"})));
    assert!(m.contains("failed to satisfy constraint: Member must satisfy regular expression pattern"), "{m}");
}

#[test]
fn put_scaling_policy_refuses_what_the_sandbox_does_not_run() {
    let mut s = Sim::new(10, 10);
    let (k, _) = kind(s.policy(W, target_value(50.0)));
    assert_eq!(k, "ObjectNotFoundException");
    s.register(W, 1, 20).expect("register");
    // PolicyType defaults to StepScaling.
    let (_, m) = kind(s.aas("PutScalingPolicy", json!({"PolicyName": "p", "ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl", "ScalableDimension": W})));
    assert!(m.contains("StepScaling is not supported in the sandbox"), "{m}");
    let (_, m) = kind(s.policy(W, json!({"TargetValue": 50, "CustomizedMetricSpecification": {"MetricName": "x"}})));
    assert!(m.contains("CustomizedMetricSpecification is not supported"), "{m}");
    let (_, m) = kind(s.policy(W, json!({"TargetValue": 50, "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBReadCapacityUtilization"}})));
    assert!(m.contains("not valid for the scalable dimension dynamodb:table:WriteCapacityUnits"), "{m}");
    for bad in [10.0, 19.9, 90.5] {
        let (_, m) = kind(s.policy(W, target_value(bad)));
        assert!(m.contains("between 20 and 90"), "{m}");
    }
    let (_, m) = kind(s.policy(W, json!({"PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBWriteCapacityUtilization"}})));
    assert!(m.contains("'targetTrackingScalingPolicyConfiguration.targetValue' failed to satisfy constraint: Member must not be null"), "{m}");
    let (_, m) = kind(s.aas("DescribeScalingActivities", json!({"ServiceNamespace": "dynamodb", "IncludeNotScaledActivities": true})));
    assert!(m.contains("not supported in the sandbox"), "{m}");
    assert!(s.policy(W, target_value(20.0)).is_ok() && s.policy(W, target_value(90.0)).is_ok());
}

#[test]
fn registering_moves_capacity_into_the_range() {
    let mut s = Sim::new(10, 10);
    s.register(W, 15, 40).expect("register");
    s.advance(2);
    assert_eq!(s.wcu(), 15);
    let a = s.activities();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0]["Description"], "Setting write capacity units to 15.");
    assert_eq!(a[0]["Cause"], "minimum capacity was set to 15");
    assert_eq!(a[0]["StatusCode"], "Successful");
    s.advance(5);
    s.register(R, 1, 4).expect("register reads");
    s.advance(2);
    assert_eq!(s.throughput(), (4, 15));
}

#[test]
fn a_load_above_the_target_scales_out_after_two_minutes_to_consumed_over_target() {
    let mut s = Sim::new(10, 10);
    s.register(W, 5, 100).expect("register");
    s.policy(W, target_value(50.0)).expect("policy");
    // 8 writes/s of 500 B: 8 WCU consumed of 10 = 80%, above the 50% target.
    s.write_load(8, 3600);
    // The load starts 30 s into minute 0 (40% for that minute); minutes 1 and 2 are above the
    // target, so the tick after minute 2 (3:10, the write target's tick) scales out.
    s.advance(100);
    assert_eq!(s.wcu(), 10, "one minute above the target is not enough");
    s.until(3, |s| s.wcu() != 10).expect("scaled out");
    assert_eq!(s.wcu(), 16, "ceil(8 / 0.5)");
    let a = s.activities();
    assert_eq!(a[0]["StartTime"].as_f64(), Some((START / 1000 + 190) as f64));
    assert_eq!(a[0]["Description"], "Setting write capacity units to 16.");
    assert_eq!(a[0]["StatusCode"], "Successful");
    assert_eq!(a[0]["StatusMessage"], "Successfully set write capacity units to 16. Change successfully fulfilled by dynamodb.");
    let cause = a[0]["Cause"].as_str().unwrap_or_default();
    assert!(cause.starts_with("monitor alarm TargetTracking-table/Tbl-AlarmHigh-") && cause.ends_with(" in state ALARM triggered policy tt"), "{cause}");
    assert!(a[0]["EndTime"].as_f64() >= a[0]["StartTime"].as_f64());
    // At the target now: it stays.
    s.advance(600);
    assert_eq!(s.wcu(), 16);
    assert_eq!(s.activities().len(), 1);
}

#[test]
fn when_the_load_stops_it_scales_in_after_fifteen_minutes_to_the_minimum() {
    let mut s = Sim::new(10, 10);
    s.register(W, 5, 100).expect("register");
    s.policy(W, target_value(50.0)).expect("policy");
    s.write_load(8, 240);
    s.until(5, |s| s.wcu() == 16).expect("scaled out");
    s.stop_load();
    let idle_from = s.elapsed();
    let took = s.until(20, |s| s.wcu() != 16).expect("scaled in");
    let idle = s.elapsed() - idle_from;
    assert!((15 * 60..=17 * 60).contains(&idle), "scaled in after {idle} s idle ({took} ticks)");
    assert_eq!(s.wcu(), 5, "nothing consumed: the minimum");
    let a = s.activities();
    assert_eq!(a[0]["Description"], "Setting write capacity units to 5.");
    assert!(a[0]["Cause"].as_str().unwrap_or_default().contains("-AlarmLow-"));
}

#[test]
fn a_scale_in_refused_by_the_decrease_limit_is_a_failed_activity() {
    let mut s = Sim::new(10, 50);
    // Four decreases today (the table's WCU 50 → 46), each completing before the next.
    for w in [49, 48, 47, 46] {
        s.ddb("UpdateTable", json!({"TableName": "Tbl", "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": w}})).expect("decrease");
        s.advance(2);
    }
    s.register(W, 5, 100).expect("register");
    s.policy(W, target_value(50.0)).expect("policy");
    s.until(17, |s| !s.activities().is_empty()).expect("an activity");
    let a = s.activities();
    assert_eq!(a[0]["StatusCode"], "Failed");
    let msg = a[0]["StatusMessage"].as_str().unwrap_or_default();
    assert!(
        msg.starts_with("Failed to set write capacity units to 5. Reason: Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day."),
        "{msg}"
    );
    assert_eq!(s.wcu(), 46);
    // Retried every minute while the alarm stays in ALARM, but the same failure is listed once; an
    // hour after the last decrease, it goes through.
    s.advance(600);
    assert_eq!(s.activities().len(), 1);
    s.until(60, |s| s.wcu() == 5).expect("the next decrease an hour later");
    let a = s.activities();
    assert_eq!((a.len(), a[0]["StatusCode"].as_str()), (2, Some("Successful")));
}

#[test]
fn scale_out_cooldown_holds_the_next_scale_out() {
    let mut s = Sim::new(10, 10);
    s.register(W, 5, 200).expect("register");
    s.policy(W, json!({"TargetValue": 50, "ScaleOutCooldown": 600, "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBWriteCapacityUtilization"}}))
        .expect("policy");
    s.write_load(8, 3600);
    s.until(4, |s| s.wcu() == 16).expect("first scale-out");
    let first = s.elapsed();
    s.stop_load();
    s.write_load(14, 3600);
    let took = s.until(15, |s| s.wcu() != 16).expect("second scale-out");
    let waited = s.elapsed() - first;
    assert!(waited >= 600, "second scale-out {waited} s after the first ({took} ticks)");
    assert_eq!(s.wcu(), 28, "ceil(14 / 0.5)");
}

#[test]
fn disable_scale_in_keeps_the_capacity_and_max_clamps_the_scale_out() {
    let mut s = Sim::new(10, 10);
    s.register(W, 5, 12).expect("register");
    s.policy(W, json!({"TargetValue": 50, "DisableScaleIn": true, "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBWriteCapacityUtilization"}})).expect("policy");
    s.write_load(8, 240);
    s.until(5, |s| s.wcu() != 10).expect("scaled out");
    assert_eq!(s.wcu(), 12, "MaxCapacity");
    s.stop_load();
    s.advance(30 * 60);
    assert_eq!(s.wcu(), 12);
    assert_eq!(s.activities().len(), 1);
}

#[test]
fn suspended_scale_out_and_deregistering_stop_the_policy() {
    let mut s = Sim::new(10, 10);
    s.register(W, 5, 100).expect("register");
    s.policy(W, target_value(50.0)).expect("policy");
    s.aas(
        "RegisterScalableTarget",
        json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl", "ScalableDimension": W, "SuspendedState": {"DynamicScalingOutSuspended": true}}),
    )
    .expect("suspend");
    s.write_load(8, 3600);
    s.advance(5 * 60);
    assert_eq!(s.wcu(), 10);
    s.aas(
        "RegisterScalableTarget",
        json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl", "ScalableDimension": W, "SuspendedState": {"DynamicScalingOutSuspended": false}}),
    )
    .expect("resume");
    s.until(3, |s| s.wcu() == 16).expect("scales out once resumed");

    s.aas("DeregisterScalableTarget", json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Tbl", "ScalableDimension": W})).expect("deregister");
    assert_eq!(s.aas("DescribeScalingPolicies", json!({"ServiceNamespace": "dynamodb"})).expect("policies")["ScalingPolicies"], json!([]));
    s.stop_load();
    s.advance(30 * 60);
    assert_eq!(s.wcu(), 16, "no scale-in after deregistering");
}

#[test]
fn reads_and_a_gsi_scale_on_their_own_metrics() {
    let mut s = Sim::new(10, 10);
    s.register(R, 2, 100).expect("register reads");
    s.policy(R, json!({"TargetValue": 70, "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBReadCapacityUtilization"}})).expect("read policy");
    s.register("dynamodb:index:WriteCapacityUnits", 1, 50).expect("register gsi");
    s.policy("dynamodb:index:WriteCapacityUnits", target_value(50.0)).expect("gsi policy");
    // Items for the reads to find (loads write `load-0` …, without the GSI key: the GSI stays idle).
    s.write_load(5, 10);
    s.advance(10);
    s.stop_load();
    // 9 strongly consistent reads/s of 500 B items: 9 RCU of 10 = 90% > 70%.
    s.read_load(9, 3600);
    s.until(4, |s| s.throughput().0 != 10).expect("reads scaled out");
    assert_eq!(s.throughput().0, 13, "ceil(9 / 0.7)");
    // The idle GSI scales in to its minimum after 15 minutes.
    let gsi_wcu = |s: &mut Sim| {
        s.ddb("DescribeTable", json!({"TableName": "Tbl"})).expect("describe")["Table"]["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["WriteCapacityUnits"].as_i64()
    };
    s.until(20, |s| gsi_wcu(s) == Some(1)).expect("GSI scaled in");
    let a = s.activities();
    assert!(
        a.iter().any(|x| x["ResourceId"] == "table/Tbl/index/ByG"
            && x["ScalableDimension"] == "dynamodb:index:WriteCapacityUnits"
            && x["Description"] == "Setting write capacity units to 1."),
        "{a:?}"
    );
}

#[test]
fn a_table_switched_to_on_demand_or_deleted_is_left_alone() {
    let mut s = Sim::new(10, 10);
    s.register(W, 5, 100).expect("register");
    s.policy(W, target_value(50.0)).expect("policy");
    s.ddb("UpdateTable", json!({"TableName": "Tbl", "BillingMode": "PAY_PER_REQUEST"})).expect("switch");
    s.write_load(8, 600);
    s.advance(20 * 60);
    assert!(s.activities().is_empty());
    s.ddb("DeleteTable", json!({"TableName": "Tbl"})).expect("delete");
    s.advance(30 * 60);
    assert!(s.activities().is_empty());
    // The target stays registered, as AWS keeps it until deregistered.
    assert_eq!(s.aas("DescribeScalableTargets", json!({"ServiceNamespace": "dynamodb"})).expect("targets")["ScalableTargets"].as_array().map(Vec::len), Some(1));
}

#[test]
fn targets_policies_and_activities_survive_a_reload_and_keep_scaling() {
    let mut s = Sim::new(10, 10);
    s.register(W, 5, 100).expect("register");
    s.policy(W, target_value(50.0)).expect("policy");
    let arn = s.register(W, 5, 100).expect("again")["ScalableTargetARN"].clone();
    s.aas("TagResource", json!({"ResourceARN": arn, "Tags": {"k": "v"}})).expect("tag");
    s.write_load(8, 240);
    s.until(5, |s| s.wcu() == 16).expect("scaled out");
    assert_eq!(s.img.clone().into_records(), s.e.snapshot(), "journal replay == snapshot");
    let before = (
        s.aas("DescribeScalableTargets", json!({"ServiceNamespace": "dynamodb"})).expect("t"),
        s.aas("DescribeScalingPolicies", json!({"ServiceNamespace": "dynamodb"})).expect("p"),
        s.activities(),
    );
    let records = s.img.clone().into_records();
    s.e = Engine::restore(EngineConfig::default(), s.t, records).expect("restore");
    let after = (
        s.aas("DescribeScalableTargets", json!({"ServiceNamespace": "dynamodb"})).expect("t"),
        s.aas("DescribeScalingPolicies", json!({"ServiceNamespace": "dynamodb"})).expect("p"),
        s.activities(),
    );
    assert_eq!(before, after);
    // The restored sandbox has no metrics and no load: after 15 idle minutes it scales in.
    s.until(20, |s| s.wcu() == 5).expect("scaled in after the reload");
    assert_eq!(s.img.clone().into_records(), s.e.snapshot());
}
