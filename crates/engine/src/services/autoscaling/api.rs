//! The operations: scalable targets, scaling policies, activities and tags.

use serde_json::{json, Map, Value};

use super::{
    object_not_found,
    target::{Activity, Policy, Resource, Suspended, Target},
    tracking, validation, Cont, RegionState,
};
use crate::{
    kernel::{error::AwsError, runtime::Step, service::Cx, Request},
    services::dynamodb::input::{Constraints, Input},
};

/// Every namespace the API knows (the sandbox runs `dynamodb` only).
const NAMESPACES: &[&str] = &[
    "ecs",
    "elasticmapreduce",
    "ec2",
    "appstream",
    "dynamodb",
    "rds",
    "sagemaker",
    "custom-resource",
    "comprehend",
    "lambda",
    "cassandra",
    "kafka",
    "elasticache",
    "neptune",
    "workspaces",
];
const POLICY_TYPES: &[&str] = &["StepScaling", "TargetTrackingScaling", "PredictiveScaling"];
/// DynamoDB's default per-table throughput quota, in units per second.
pub const MAX_CAPACITY: i64 = 40_000;
const MAX_TAGS: usize = 50;

/// The service-linked role Application Auto Scaling uses for DynamoDB.
pub fn service_linked_role(cx: &Cx) -> String {
    format!("arn:aws:iam::{}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable", cx.account.id)
}

/// The members every operation on one target has: namespace, resource id, dimension; checked
/// the Coral way, then for DynamoDB.
fn target_members(input: &Input, c: &mut Constraints, required: bool) -> Result<(Option<String>, Option<String>), AwsError> {
    let ns = input.string("ServiceNamespace")?;
    let rid = input.string("ResourceId")?;
    let dim = input.string("ScalableDimension")?;
    c.not_null(ns, "serviceNamespace");
    c.one_of(ns, "serviceNamespace", NAMESPACES);
    if required {
        c.not_null(rid, "resourceId");
        c.not_null(dim, "scalableDimension");
    }
    if let Some(r) = rid.filter(|r| r.is_empty() || r.chars().count() > 1600) {
        let bound = if r.is_empty() { "Member must have length greater than or equal to 1" } else { "Member must have length less than or equal to 1600" };
        c.add(Some(r), "resourceId", bound);
    }
    if let Some(d) = dim.filter(|d| !d.contains(':')) {
        c.add(Some(d), "scalableDimension", "Member must satisfy enum value set: [dynamodb:table:ReadCapacityUnits, dynamodb:table:WriteCapacityUnits, dynamodb:index:ReadCapacityUnits, dynamodb:index:WriteCapacityUnits, ...]");
    }
    Ok((rid.map(str::to_string), dim.map(str::to_string)))
}

fn dynamodb_only(input: &Input) -> Result<(), AwsError> {
    match input.string("ServiceNamespace")? {
        Some("dynamodb") | None => Ok(()),
        Some(other) => Err(validation(format!("Gureum simulates Application Auto Scaling for DynamoDB only: the service namespace '{other}' is not supported in the sandbox."))),
    }
}

fn unsupported() -> AwsError {
    validation("Unsupported service namespace, resource type or scalable dimension")
}

fn not_registered(rid: &str, dim: &str) -> AwsError {
    object_not_found(format!("No scalable target registered for service namespace: dynamodb, resource ID: {rid}, scalable dimension: {dim}"))
}

fn tag_map(input: &Input, name: &str) -> Result<Option<Vec<(String, String)>>, AwsError> {
    let Some(map) = input.string_map(name)? else { return Ok(None) };
    let mut c = Constraints::default();
    let mut out = Vec::new();
    for (k, v) in map {
        let v = v.as_str().unwrap_or_default();
        if k.is_empty() || k.chars().count() > 128 {
            c.add(Some(k), "tags", "Map keys must have length between 1 and 128");
        }
        if v.chars().count() > 256 {
            c.add(Some(v), "tags", "Map values must have length less than or equal to 256");
        }
        out.push((k.clone(), v.to_string()));
    }
    c.finish()?;
    if let Some((k, _)) = out.iter().find(|(k, _)| k.starts_with("aws:")) {
        return Err(validation(format!("Tag keys starting with 'aws:' are reserved for AWS use: {k}")));
    }
    Ok(Some(out))
}

/// RegisterScalableTarget, first half: validates the request, then reads the table.
pub fn register_start(state: &mut RegionState, cx: &mut Cx, raw: &Value) -> Result<Step, AwsError> {
    let input = Input::new(raw)?;
    let mut c = Constraints::default();
    let (rid, dim) = target_members(&input, &mut c, true)?;
    let role = input.string("RoleARN")?;
    if role.is_some_and(|r| r.is_empty() || r.chars().count() > 1600) {
        c.add(role, "roleARN", "Member must have length between 1 and 1600");
    }
    let min = input.integer("MinCapacity")?;
    let max = input.integer("MaxCapacity")?;
    c.finish()?;
    dynamodb_only(&input)?;
    let (rid, dim) = (rid.unwrap_or_default(), dim.unwrap_or_default());
    let Some(_) = Resource::parse(&rid, &dim) else { return Err(unsupported()) };
    if let Some(s) = input.structure("SuspendedState", "SuspendedState")? {
        for member in ["DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended"] {
            s.boolean(member)?;
        }
    }
    let tags = tag_map(&input, "Tags")?;
    if tags.as_ref().is_some_and(|t| t.len() > MAX_TAGS) {
        return Err(AwsError::new("", "TooManyTagsException", format!("A scalable target can have at most {MAX_TAGS} tags."), 400));
    }
    let existing = state.find(&rid, &dim);
    let (min, max) = match existing {
        Some(t) => (min.unwrap_or(t.min), max.unwrap_or(t.max)),
        None => match (min, max) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(validation("MinCapacity and MaxCapacity are required to register a new scalable target.")),
        },
    };
    if min < 1 {
        return Err(validation("MinCapacity must be at least 1 for DynamoDB tables and global secondary indexes."));
    }
    if min > max {
        return Err(validation("Minimum capacity cannot be greater than maximum capacity"));
    }
    if max > MAX_CAPACITY {
        return Err(validation(format!("MaxCapacity cannot be greater than {MAX_CAPACITY}, DynamoDB's per-table throughput quota.")));
    }
    let table = Resource::parse(&rid, &dim).map(|r| r.table).unwrap_or_default();
    Ok(Step::Call(Request::new("dynamodb", "DescribeTable", cx.region, json!({"TableName": table})), Box::new(Cont::Register(Box::new(raw.clone())))))
}

/// RegisterScalableTarget, second half: the table must exist and be provisioned; creates or
/// updates the target, then brings the current capacity into [min, max] if the table is ACTIVE.
pub fn register_described(state: &mut RegionState, cx: &mut Cx, raw: &Value, described: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let input = Input::new(raw)?;
    let rid = input.string("ResourceId")?.unwrap_or_default().to_string();
    let dim = input.string("ScalableDimension")?.unwrap_or_default().to_string();
    let resource = Resource::parse(&rid, &dim).ok_or_else(unsupported)?;
    let described = match described {
        Ok(d) => d,
        Err(e) if e.kind == "ResourceNotFoundException" => return Err(validation(format!("DynamoDB table {} does not exist.", resource.table))),
        Err(e) => return Err(e),
    };
    let (current, other) = tracking::current_capacity(&described, &resource).map_err(validation)?;
    let existing = state.find_id(&rid, &dim);
    let id = match &existing {
        Some(id) => id.clone(),
        None => {
            let id: String = cx.rng.token(b"0123456789abcdef", 36);
            let target = Target {
                id: id.clone(),
                policy_uuid: cx.rng.uuid(),
                resource_id: rid.clone(),
                dimension: dim.clone(),
                min: 0,
                max: 0,
                role_arn: service_linked_role(cx),
                created_ms: cx.now_ms,
                suspended: Suspended::default(),
                tags: Default::default(),
                policy: None,
                last_scale_out_ms: None,
                last_scale_in_ms: None,
                next_seq: 0,
            };
            tracking::schedule_tick(cx, &target);
            state.watching_since.insert(id.clone(), cx.now_ms);
            state.targets.insert(id.clone(), target);
            id
        }
    };
    let t = state.targets.get_mut(&id).ok_or_else(|| AwsError::internal("target vanished"))?;
    if let Some(v) = input.integer("MinCapacity")? {
        t.min = v;
    }
    if let Some(v) = input.integer("MaxCapacity")? {
        t.max = v;
    }
    if let Some(r) = input.string("RoleARN")? {
        t.role_arn = r.to_string();
    }
    if let Some(s) = input.structure("SuspendedState", "SuspendedState")? {
        t.suspended.dynamic_in = s.boolean("DynamicScalingInSuspended")?.unwrap_or(t.suspended.dynamic_in);
        t.suspended.dynamic_out = s.boolean("DynamicScalingOutSuspended")?.unwrap_or(t.suspended.dynamic_out);
        t.suspended.scheduled = s.boolean("ScheduledScalingSuspended")?.unwrap_or(t.suspended.scheduled);
    }
    if let Some(tags) = tag_map(&input, "Tags")? {
        t.tags.extend(tags);
    }
    let answer = json!({"ScalableTargetARN": t.arn(cx)});
    let (min, max) = (t.min, t.max);
    state.save_target(cx, &id);
    let table_active = described["Table"]["TableStatus"] == "ACTIVE";
    let clamp = if current < min {
        Some((min, format!("minimum capacity was set to {min}")))
    } else if current > max {
        Some((max, format!("maximum capacity was set to {max}")))
    } else {
        None
    };
    match clamp {
        Some((capacity, cause)) if table_active => {
            let activity =
                Activity { id: String::new(), seq: 0, description: String::new(), cause, start_ms: cx.now_ms, end_ms: None, status: String::new(), status_message: None };
            let request = Request::new("dynamodb", "UpdateTable", cx.region, tracking::update_input(&resource, capacity, other));
            Ok(Step::Call(request, Box::new(Cont::RegisterClamped { id, answer: Box::new(answer), activity: Box::new(activity), capacity })))
        }
        _ => Ok(Step::Done(answer)),
    }
}

/// RegisterScalableTarget, after the UpdateTable that moved capacity into range: the activity.
pub fn register_clamped(state: &mut RegionState, cx: &mut Cx, id: &str, pending: Activity, capacity: i64, answer: Result<Value, AwsError>) {
    let Some(t) = state.targets.get(id) else { return };
    let a = tracking::activity(cx, &t.resource(), capacity, pending.cause, &answer);
    state.add_activity(cx, id, a);
}

fn max_results(input: &Input) -> Result<usize, AwsError> {
    match input.integer("MaxResults")? {
        None => Ok(50),
        Some(n) if (1..=50).contains(&n) => Ok(n as usize),
        Some(n) => Err(validation(format!("MaxResults must be between 1 and 50 (was {n})."))),
    }
}

/// One page of `items` from NextToken (an offset), with the next token if more remain.
fn page(input: &Input, items: Vec<Value>) -> Result<(Vec<Value>, Option<String>), AwsError> {
    let limit = max_results(input)?;
    let from = match input.string("NextToken")? {
        None => 0,
        Some(tok) => tok
            .strip_prefix("gureum-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| AwsError::new("", "InvalidNextTokenException", "Invalid NextToken", 400))?,
    };
    let next = (from + limit < items.len()).then(|| format!("gureum-{}", from + limit));
    Ok((items.into_iter().skip(from).take(limit).collect(), next))
}

fn list_filter(input: &Input, name: &str) -> Result<Option<Vec<String>>, AwsError> {
    let Some(list) = input.string_list(name)? else { return Ok(None) };
    if list.len() > 50 {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have length less than or equal to 50",
            lower_first(name)
        )));
    }
    Ok(Some(list.into_iter().map(str::to_string).collect()))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

fn check_filters(input: &Input) -> Result<(), AwsError> {
    let mut c = Constraints::default();
    target_members(input, &mut c, false)?;
    c.finish()?;
    dynamodb_only(input)
}

pub fn describe_targets(state: &mut RegionState, cx: &mut Cx, raw: &Value) -> Result<Value, AwsError> {
    let input = Input::new(raw)?;
    check_filters(&input)?;
    let ids = list_filter(&input, "ResourceIds")?;
    let dim = input.string("ScalableDimension")?;
    let items: Vec<Value> =
        state.targets.values().filter(|t| ids.as_ref().is_none_or(|l| l.contains(&t.resource_id)) && dim.is_none_or(|d| d == t.dimension)).map(|t| t.to_json(cx)).collect();
    let (items, next) = page(&input, items)?;
    let mut out = json!({"ScalableTargets": items});
    if let Some(n) = next {
        out["NextToken"] = json!(n);
    }
    Ok(out)
}

/// The target an operation names (after the Coral and DynamoDB checks).
fn named_target(state: &RegionState, input: &Input) -> Result<String, AwsError> {
    let mut c = Constraints::default();
    let (rid, dim) = target_members(input, &mut c, true)?;
    c.finish()?;
    dynamodb_only(input)?;
    let (rid, dim) = (rid.unwrap_or_default(), dim.unwrap_or_default());
    if Resource::parse(&rid, &dim).is_none() {
        return Err(unsupported());
    }
    state.find_id(&rid, &dim).ok_or_else(|| not_registered(&rid, &dim))
}

/// DeregisterScalableTarget: the target, its policy and its activities go.
pub fn deregister(state: &mut RegionState, cx: &mut Cx, raw: &Value) -> Result<Value, AwsError> {
    let input = Input::new(raw)?;
    let id = named_target(state, &input)?;
    state.remove_target(cx, &id);
    Ok(json!({}))
}

pub fn put_policy(state: &mut RegionState, cx: &mut Cx, raw: &Value) -> Result<Value, AwsError> {
    let input = Input::new(raw)?;
    let mut c = Constraints::default();
    let name = input.string("PolicyName")?;
    c.not_null(name, "policyName");
    if let Some(n) = name.filter(|n| n.is_empty() || n.chars().count() > 256 || n.chars().any(char::is_control)) {
        c.add(Some(n), "policyName", "Member must satisfy regular expression pattern: \\p{Print}+ and have length between 1 and 256");
    }
    let policy_type = input.string("PolicyType")?;
    c.one_of(policy_type, "policyType", POLICY_TYPES);
    let (rid, dim) = target_members(&input, &mut c, true)?;
    let config = input.structure("TargetTrackingScalingPolicyConfiguration", "TargetTrackingScalingPolicyConfiguration")?;
    let target_value = match config.as_ref().and_then(|c| c.raw("TargetValue")) {
        None => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(_) => return Err(AwsError::serialization("STRING_VALUE can not be converted to a Double")),
    };
    if config.is_some() {
        c.not_null(target_value, "targetTrackingScalingPolicyConfiguration.targetValue");
    }
    c.finish()?;
    dynamodb_only(&input)?;
    let (rid, dim) = (rid.unwrap_or_default(), dim.unwrap_or_default());
    let resource = Resource::parse(&rid, &dim).ok_or_else(unsupported)?;
    match policy_type.unwrap_or("StepScaling") {
        "TargetTrackingScaling" => {}
        other => return Err(validation(format!("Gureum runs TargetTrackingScaling policies only: the policy type {other} is not supported in the sandbox."))),
    }
    for member in ["StepScalingPolicyConfiguration", "PredictiveScalingPolicyConfiguration"] {
        if input.raw(member).is_some() {
            return Err(validation(format!("{member} cannot be used with a TargetTrackingScaling policy.")));
        }
    }
    let Some(config) = config else {
        return Err(validation("TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling policy."));
    };
    if config.raw("CustomizedMetricSpecification").is_some() {
        return Err(validation("CustomizedMetricSpecification is not supported in the sandbox: use PredefinedMetricSpecification (DynamoDBReadCapacityUtilization or DynamoDBWriteCapacityUtilization)."));
    }
    let Some(spec) = config.structure("PredefinedMetricSpecification", "PredefinedMetricSpecification")? else {
        return Err(validation("A PredefinedMetricSpecification or a CustomizedMetricSpecification is required."));
    };
    let metric = spec.string("PredefinedMetricType")?;
    let Some(metric) = metric else {
        return Err(AwsError::validation("1 validation error detected: Value null at 'targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType' failed to satisfy constraint: Member must not be null"));
    };
    if metric != resource.metric() {
        return Err(validation(format!("The predefined metric type {metric} is not valid for the scalable dimension {dim}: use {}.", resource.metric())));
    }
    if spec.raw("ResourceLabel").is_some() {
        return Err(validation("ResourceLabel applies only to the ALBRequestCountPerTarget metric."));
    }
    let target_value = target_value.unwrap_or_default();
    if !(20.0..=90.0).contains(&target_value) {
        return Err(validation(format!("TargetValue for DynamoDB must be between 20 and 90 (percent of provisioned capacity); {target_value} was given.")));
    }
    let out_cd = config.integer("ScaleOutCooldown")?;
    let in_cd = config.integer("ScaleInCooldown")?;
    for (v, what) in [(out_cd, "ScaleOutCooldown"), (in_cd, "ScaleInCooldown")] {
        if v.is_some_and(|v| v < 0) {
            return Err(validation(format!("{what} must be greater than or equal to 0.")));
        }
    }
    let disable_in = config.boolean("DisableScaleIn")?;
    let id = state.find_id(&rid, &dim).ok_or_else(|| not_registered(&rid, &dim))?;
    let name = name.unwrap_or_default().to_string();
    let t = state.targets.get_mut(&id).ok_or_else(|| AwsError::internal("target vanished"))?;
    let (created_ms, high_alarm, low_alarm) = match &t.policy {
        Some(p) if p.name == name => (p.created_ms, p.high_alarm.clone(), p.low_alarm.clone()),
        Some(_) => return Err(validation("Only one TargetTrackingScaling policy for a given metric specification is allowed.")),
        None => (cx.now_ms, cx.rng.uuid(), cx.rng.uuid()),
    };
    let policy = Policy { name: name.clone(), created_ms, target_value, scale_out_cooldown: out_cd, scale_in_cooldown: in_cd, disable_scale_in: disable_in, high_alarm, low_alarm };
    let answer = json!({"PolicyARN": t.policy_arn(cx, &name), "Alarms": t.alarms(cx, &policy)});
    t.policy = Some(policy);
    state.save_target(cx, &id);
    Ok(answer)
}

pub fn describe_policies(state: &mut RegionState, cx: &mut Cx, raw: &Value) -> Result<Value, AwsError> {
    let input = Input::new(raw)?;
    check_filters(&input)?;
    let names = list_filter(&input, "PolicyNames")?;
    let rid = input.string("ResourceId")?;
    let dim = input.string("ScalableDimension")?;
    let items: Vec<Value> = state
        .targets
        .values()
        .filter(|t| rid.is_none_or(|r| r == t.resource_id) && dim.is_none_or(|d| d == t.dimension))
        .filter_map(|t| t.policy.as_ref().filter(|p| names.as_ref().is_none_or(|l| l.contains(&p.name))).map(|p| t.policy_json(cx, p)))
        .collect();
    let (items, next) = page(&input, items)?;
    let mut out = json!({"ScalingPolicies": items});
    if let Some(n) = next {
        out["NextToken"] = json!(n);
    }
    Ok(out)
}

pub fn delete_policy(state: &mut RegionState, cx: &mut Cx, raw: &Value) -> Result<Value, AwsError> {
    let input = Input::new(raw)?;
    let name = input.string("PolicyName")?;
    let mut c = Constraints::default();
    c.not_null(name, "policyName");
    c.finish()?;
    let id = named_target(state, &input)?;
    let name = name.unwrap_or_default();
    let t = state.targets.get_mut(&id).ok_or_else(|| AwsError::internal("target vanished"))?;
    if t.policy.as_ref().is_none_or(|p| p.name != name) {
        return Err(object_not_found(format!(
            "No scaling policy found for service namespace: dynamodb, resource ID: {}, scalable dimension: {}, policy name: {name}",
            t.resource_id, t.dimension
        )));
    }
    t.policy = None;
    state.save_target(cx, &id);
    Ok(json!({}))
}

pub fn describe_activities(state: &mut RegionState, _cx: &mut Cx, raw: &Value) -> Result<Value, AwsError> {
    let input = Input::new(raw)?;
    check_filters(&input)?;
    if input.boolean("IncludeNotScaledActivities")? == Some(true) {
        return Err(validation("IncludeNotScaledActivities is not supported in the sandbox: it records only activities that scaled (or failed to)."));
    }
    let rid = input.string("ResourceId")?;
    let dim = input.string("ScalableDimension")?;
    let mut all: Vec<(i64, u64, Value)> = Vec::new();
    for t in state.targets.values().filter(|t| rid.is_none_or(|r| r == t.resource_id) && dim.is_none_or(|d| d == t.dimension)) {
        for a in state.activities.get(&t.id).into_iter().flat_map(|l| l.values()) {
            all.push((a.start_ms, a.seq, t.activity_json(a)));
        }
    }
    // Newest first.
    all.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)));
    let (items, next) = page(&input, all.into_iter().map(|(_, _, v)| v).collect())?;
    let mut out = json!({"ScalingActivities": items});
    if let Some(n) = next {
        out["NextToken"] = json!(n);
    }
    Ok(out)
}

/// The target a ResourceARN names.
fn by_arn(state: &RegionState, cx: &Cx, input: &Input) -> Result<String, AwsError> {
    let arn = input.string("ResourceARN")?;
    let mut c = Constraints::default();
    c.not_null(arn, "resourceARN");
    let pattern_ok = |a: &str| {
        let mut parts = a.splitn(6, ':');
        let (p, _, svc, _, acct, res) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next());
        p == Some("arn")
            && svc == Some("application-autoscaling")
            && acct.is_some_and(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
            && res.and_then(|r| r.strip_prefix("scalable-target/")).is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    if let Some(a) = arn.filter(|a| !pattern_ok(a)) {
        c.add(Some(a), "resourceARN", "Member must satisfy regular expression pattern: ^arn:.+:application-autoscaling:.+:[0-9]+:scalable-target\\/[a-zA-Z0-9-]+$");
    }
    c.finish()?;
    let arn = arn.unwrap_or_default();
    state
        .targets
        .values()
        .find(|t| t.arn(cx) == arn)
        .map(|t| t.id.clone())
        .ok_or_else(|| AwsError::new("", "ResourceNotFoundException", format!("No scalable target found for ARN {arn}"), 400).with("ResourceName", json!(arn)))
}

pub fn tag_resource(state: &mut RegionState, cx: &mut Cx, raw: &Value) -> Result<Value, AwsError> {
    let input = Input::new(raw)?;
    if input.raw("Tags").is_none() {
        return Err(AwsError::validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"));
    }
    let id = by_arn(state, cx, &input)?;
    let tags = tag_map(&input, "Tags")?.unwrap_or_default();
    let t = state.targets.get_mut(&id).ok_or_else(|| AwsError::internal("target vanished"))?;
    let mut merged = t.tags.clone();
    merged.extend(tags);
    if merged.len() > MAX_TAGS {
        return Err(AwsError::new("", "TooManyTagsException", format!("A scalable target can have at most {MAX_TAGS} tags."), 400).with("ResourceName", json!(t.arn(cx))));
    }
    t.tags = merged;
    state.save_target(cx, &id);
    Ok(json!({}))
}

pub fn untag_resource(state: &mut RegionState, cx: &mut Cx, raw: &Value) -> Result<Value, AwsError> {
    let input = Input::new(raw)?;
    let Some(keys) = input.string_list("TagKeys")? else {
        return Err(AwsError::validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"));
    };
    if keys.len() > 200 {
        return Err(AwsError::validation("1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 200"));
    }
    let id = by_arn(state, cx, &input)?;
    let t = state.targets.get_mut(&id).ok_or_else(|| AwsError::internal("target vanished"))?;
    for k in keys {
        t.tags.remove(k);
    }
    state.save_target(cx, &id);
    Ok(json!({}))
}

pub fn list_tags(state: &mut RegionState, cx: &mut Cx, raw: &Value) -> Result<Value, AwsError> {
    let input = Input::new(raw)?;
    let id = by_arn(state, cx, &input)?;
    let tags: Map<String, Value> = state.targets.get(&id).map(|t| t.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect()).unwrap_or_default();
    Ok(json!({"Tags": tags}))
}
