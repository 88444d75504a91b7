//! The CloudFormation operations: stacks, their events and resources, templates and exports.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use super::{
    errors::{already_exists, capabilities, no_stack, validation},
    providers, push_stack_event, sam,
    stack::{self, Resource, Stack},
    template::{self, scalar_text},
    CloudFormation, RegionState,
};
use crate::kernel::{error::AwsError, service::Cx, time::iso8601};

/// Events, resources and stacks per page.
const PAGE: usize = 100;

pub fn dispatch(cf: &mut CloudFormation, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
    match operation {
        "CreateStack" => create_stack(cf, cx, input),
        "DeleteStack" => delete_stack(cf, cx, input),
        "DescribeStacks" => describe_stacks(cf, cx, input),
        "DescribeStackEvents" => describe_stack_events(cf, cx, input),
        "DescribeStackResources" => describe_stack_resources(cf, cx, input),
        "DescribeStackResource" => describe_stack_resource(cf, cx, input),
        "ListStackResources" => list_stack_resources(cf, cx, input),
        "ListStacks" => list_stacks(cf, cx, input),
        "GetTemplate" => get_template(cf, cx, input),
        "ValidateTemplate" => validate_template(cx, input),
        "ListExports" => list_exports(cf, cx),
        "ListImports" => list_imports(cf, cx, input),
        "GetTemplateSummary" => get_template_summary(cf, cx, input),
        "CreateChangeSet" => create_change_set(cf, cx, input),
        "DescribeChangeSet" => describe_change_set(cf, cx, input),
        "ExecuteChangeSet" => execute_change_set(cf, cx, input),
        "DeleteChangeSet" => delete_change_set(cf, cx, input),
        "ListChangeSets" => list_change_sets(cf, cx, input),
        other => {
            Err(AwsError::new("", "InvalidAction", format!("The action {other} is not valid for this web service (or is not simulated by Gureum's CloudFormation yet)."), 400))
        }
    }
}

fn string<'a>(input: &'a Value, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

fn list(input: &Value, key: &str) -> Vec<Value> {
    match input.get(key) {
        Some(Value::Array(a)) => a.clone(),
        _ => Vec::new(),
    }
}

fn truthy(input: &Value, key: &str) -> bool {
    matches!(input.get(key), Some(Value::Bool(true))) || string(input, key) == Some("true")
}

fn valid_stack_name(name: &str) -> Result<(), AwsError> {
    let ok = name.len() <= 128 && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
        )))
    }
}

/// The template text of a request (TemplateBody; TemplateURL is not simulated).
fn body(input: &Value) -> Result<String, AwsError> {
    if input.get("TemplateURL").is_some_and(|v| !v.is_null()) {
        return Err(validation("TemplateURL is not simulated by Gureum: pass the template as TemplateBody."));
    }
    let Some(body) = string(input, "TemplateBody") else { return Err(validation("Either Template URL or Template Body must be specified.")) };
    if body.len() > template::MAX_BODY_BYTES {
        return Err(validation(format!(
            "1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to {}",
            template::MAX_BODY_BYTES
        )));
    }
    Ok(body.to_string())
}

/// A template ready to create: parsed, transformed, checked.
pub struct Prepared {
    pub template: Value,
    pub values: Map<String, Value>,
    pub shown: Vec<Value>,
    pub conditions: std::collections::BTreeMap<String, bool>,
    pub order: Vec<(String, Vec<String>)>,
    pub imports: Vec<String>,
}

/// Reads and checks a template for a stack, and applies its transform.
pub fn prepare(cx: &Cx, text: &str, given: &[(String, String)], caps: &[String], stack_name: &str, stack_id: &str, exports: &RegionState) -> Result<Prepared, AwsError> {
    let mut t = template::parse(text)?;
    template::check_shape(&t)?;
    let transforms = template::transforms(&t);
    for tr in &transforms {
        if tr != sam::TRANSFORM {
            return Err(validation(format!("Template format error: transform {tr} is not simulated by Gureum (only {} is).", sam::TRANSFORM)));
        }
    }
    if !transforms.is_empty() {
        if !caps.iter().any(|c| c == "CAPABILITY_AUTO_EXPAND") {
            return Err(capabilities("CAPABILITY_AUTO_EXPAND"));
        }
        t = sam::transform(&t, cx.region, &cx.account.id)?;
        template::check_shape(&t)?;
    }
    check_iam(&t, caps)?;
    let (mut values, shown) = stack::parameters(&t, given)?;
    stack::pseudo(&mut values, cx.region, &cx.account.id, stack_name, stack_id);
    let conditions = stack::conditions(&t, &values, cx.region)?;
    let order = stack::order(&t, &values, &conditions)?;
    let mut imports = BTreeSet::new();
    literal_imports(&t["Resources"], &mut imports);
    literal_imports(t.get("Outputs").unwrap_or(&Value::Null), &mut imports);
    let known = exports.exports();
    if let Some(missing) = imports.iter().find(|i| !known.contains_key(*i)) {
        return Err(validation(format!("No export named {missing} found. Rollback requested by user.")));
    }
    Ok(Prepared { template: t, values, shown, conditions, order, imports: imports.into_iter().collect() })
}

fn literal_imports(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "Fn::ImportValue" {
                    if let Value::String(s) = x {
                        out.insert(s.clone());
                    }
                }
                literal_imports(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| literal_imports(x, out)),
        _ => {}
    }
}

/// IAM resources need CAPABILITY_IAM, or CAPABILITY_NAMED_IAM when they are named.
fn check_iam(t: &Value, caps: &[String]) -> Result<(), AwsError> {
    let named_ok = caps.iter().any(|c| c == "CAPABILITY_NAMED_IAM");
    let iam_ok = named_ok || caps.iter().any(|c| c == "CAPABILITY_IAM");
    for r in t["Resources"].as_object().into_iter().flat_map(|m| m.values()) {
        let kind = r["Type"].as_str().unwrap_or("");
        if let Some(name_prop) = providers::iam_name_property(kind) {
            let named = !name_prop.is_empty() && r.get("Properties").and_then(|p| p.get(name_prop)).is_some();
            if named && !named_ok {
                return Err(capabilities("CAPABILITY_NAMED_IAM"));
            }
            if !iam_ok {
                return Err(capabilities("CAPABILITY_IAM"));
            }
        }
    }
    Ok(())
}

fn create_stack(cf: &mut CloudFormation, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut s = build_stack(cf, cx, input, true)?;
    let id = s.id.clone();
    push_stack_event(cx, &mut s);
    CloudFormation::save_stack(cx, &s);
    cx.schedule(cx.now_ms, json!({ "stack": id }));
    cf.region_mut(cx.region).stacks.insert(id.clone(), s);
    Ok(json!({ "StackId": id }))
}

/// A new stack from a CreateStack or CreateChangeSet request, checked, not yet stored.
fn build_stack(cf: &mut CloudFormation, cx: &mut Cx, input: &Value, on_failure_allowed: bool) -> Result<Stack, AwsError> {
    let name =
        string(input, "StackName").ok_or_else(|| validation("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null"))?;
    valid_stack_name(name)?;
    for k in ["RoleARN", "StackPolicyBody", "StackPolicyURL", "ClientRequestToken", "TimeoutInMinutes", "ResourceTypes", "RollbackConfiguration"] {
        if input.get(k).is_some_and(|v| !v.is_null() && v != "") {
            return Err(validation(format!("{k} is not simulated by Gureum's CloudFormation.")));
        }
    }
    if !list(input, "NotificationARNs").is_empty() {
        return Err(validation("NotificationARNs is not simulated by Gureum's CloudFormation (there is no SNS)."));
    }
    if truthy(input, "EnableTerminationProtection") {
        return Err(validation("EnableTerminationProtection is not simulated by Gureum's CloudFormation."));
    }
    let text = body(input)?;
    if !on_failure_allowed && (input.get("OnFailure").is_some() || input.get("DisableRollback").is_some()) {
        return Err(validation("OnFailure and DisableRollback are ExecuteChangeSet's (DisableRollback) to give, not CreateChangeSet's."));
    }
    let on_failure = match (string(input, "OnFailure"), input.get("DisableRollback").is_some()) {
        (Some(_), true) => return Err(validation("You can specify either DisableRollback or OnFailure, but not both.")),
        (Some(o @ ("ROLLBACK" | "DELETE" | "DO_NOTHING")), _) => o.to_string(),
        (Some(o), _) => {
            return Err(validation(format!(
                "1 validation error detected: Value '{o}' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]"
            )))
        }
        (None, _) if truthy(input, "DisableRollback") => "DO_NOTHING".into(),
        (None, _) => "ROLLBACK".into(),
    };
    let region = cf.region_mut(cx.region);
    if region.find(name).is_some() {
        return Err(already_exists(name));
    }
    let given: Vec<(String, String)> = list(input, "Parameters")
        .iter()
        .filter_map(|p| {
            let k = p.get("ParameterKey").and_then(Value::as_str)?;
            Some((k.to_string(), p.get("ParameterValue").map(scalar_text).unwrap_or_default()))
        })
        .collect();
    if list(input, "Parameters").iter().any(|p| truthy(p, "UsePreviousValue")) {
        return Err(validation("UsePreviousValue is for stack updates; there is no previous value in CreateStack."));
    }
    let caps: Vec<String> = list(input, "Capabilities").iter().map(scalar_text).collect();
    let uuid = cx.rng.uuid();
    let id = format!("arn:aws:cloudformation:{}:{}:stack/{name}/{uuid}", cx.region, cx.account.id);
    let p = prepare(cx, &text, &given, &caps, name, &id, region)?;
    let mut resources = IndexMap::new();
    for (logical, depends) in &p.order {
        let kind = p.template["Resources"][logical]["Type"].as_str().unwrap_or("").to_string();
        resources.insert(
            logical.clone(),
            Resource {
                kind,
                status: String::new(),
                reason: None,
                physical_id: String::new(),
                attrs: Map::new(),
                props: Map::new(),
                work: Default::default(),
                updated_ms: 0,
                depends: depends.clone(),
            },
        );
    }
    let s = Stack {
        id: id.clone(),
        name: name.to_string(),
        status: "CREATE_IN_PROGRESS".into(),
        reason: Some("User Initiated".into()),
        created_ms: cx.now_ms,
        updated_ms: None,
        deleted_ms: None,
        description: p.template.get("Description").and_then(Value::as_str).map(String::from),
        body: text,
        order: p.order.into_iter().map(|(l, _)| l).collect(),
        template: p.template,
        parameters: p.shown,
        values: p.values,
        conditions: p.conditions,
        capabilities: caps,
        tags: list(input, "Tags"),
        on_failure,
        resources,
        events: Vec::new(),
        outputs: Vec::new(),
        imports: p.imports,
        delete_call: 0,
        change_set: None,
    };
    Ok(s)
}

fn delete_stack(cf: &mut CloudFormation, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name =
        string(input, "StackName").ok_or_else(|| validation("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null"))?;
    for k in ["RetainResources", "RoleARN", "ClientRequestToken", "DeletionMode"] {
        if input.get(k).is_some_and(|v| !v.is_null() && v != "" && v != &json!([])) {
            return Err(validation(format!("{k} is not simulated by Gureum's CloudFormation.")));
        }
    }
    let region = cf.region_mut(cx.region);
    let Some(s) = region.find(name) else { return Ok(json!({})) };
    let id = s.id.clone();
    match s.status.as_str() {
        "DELETE_COMPLETE" | "DELETE_IN_PROGRESS" => return Ok(json!({})),
        "REVIEW_IN_PROGRESS" => {
            let s = region.stacks.get_mut(&id).expect("stack");
            s.status = "DELETE_COMPLETE".into();
            s.reason = None;
            s.deleted_ms = Some(cx.now_ms);
            s.change_set = None;
            push_stack_event(cx, s);
            CloudFormation::save_stack(cx, s);
            return Ok(json!({}));
        }
        st if st.ends_with("_IN_PROGRESS") => return Err(validation(format!("Stack [{}] cannot be deleted while in status {st}", s.name))),
        _ => {}
    }
    let exported: Vec<String> = s.outputs.iter().filter_map(|o| o.get("ExportName").and_then(Value::as_str)).map(String::from).collect();
    let in_use =
        region.stacks.values().filter(|o| o.id != id && !o.is_deleted()).find_map(|o| o.imports.iter().find(|i| exported.contains(i)).map(|i| (i.clone(), o.name.clone())));
    let s = region.stacks.get_mut(&id).expect("stack");
    s.status = "DELETE_IN_PROGRESS".into();
    s.reason = Some("User Initiated".into());
    s.delete_call = 0;
    push_stack_event(cx, s);
    if let Some((export, user)) = in_use {
        s.status = "DELETE_FAILED".into();
        s.reason = Some(format!("Export {export} cannot be deleted as it is in use by {user}"));
        push_stack_event(cx, s);
        CloudFormation::save_stack(cx, s);
        return Ok(json!({}));
    }
    CloudFormation::save_stack(cx, s);
    cx.schedule(cx.now_ms, json!({ "stack": id }));
    Ok(json!({}))
}

fn find<'a>(cf: &'a CloudFormation, cx: &Cx, name: &str) -> Result<&'a Stack, AwsError> {
    cf.region(cx.region).and_then(|r| r.find(name)).ok_or_else(|| no_stack(name))
}

fn stack_json(s: &Stack) -> Value {
    let mut v = json!({
        "StackId": s.id,
        "StackName": s.name,
        "Parameters": s.parameters,
        "CreationTime": iso8601(s.created_ms),
        "RollbackConfiguration": {},
        "StackStatus": s.status,
        "DisableRollback": s.on_failure == "DO_NOTHING",
        "NotificationARNs": [],
        "Capabilities": s.capabilities,
        "Outputs": s.outputs,
        "Tags": s.tags,
        "EnableTerminationProtection": false,
        "DriftInformation": { "StackDriftStatus": "NOT_CHECKED" },
    });
    if let Some(d) = &s.description {
        v["Description"] = json!(d);
    }
    if let Some(r) = &s.reason {
        v["StackStatusReason"] = json!(r);
    }
    if let Some(d) = s.deleted_ms {
        v["DeletionTime"] = json!(iso8601(d));
    }
    if let Some(u) = s.updated_ms {
        v["LastUpdatedTime"] = json!(iso8601(u));
    }
    v
}

fn describe_stacks(cf: &CloudFormation, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let stacks: Vec<Value> = match string(input, "StackName") {
        Some(name) => vec![stack_json(find(cf, cx, name)?)],
        None => cf.region(cx.region).map(|r| r.stacks.values().filter(|s| !s.is_deleted()).map(stack_json).collect()).unwrap_or_default(),
    };
    Ok(json!({ "Stacks": stacks }))
}

fn page(input: &Value) -> Result<usize, AwsError> {
    match string(input, "NextToken") {
        None => Ok(0),
        Some(t) => t.parse().map_err(|_| validation("Invalid NextToken")),
    }
}

fn describe_stack_events(cf: &CloudFormation, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let name = string(input, "StackName").ok_or_else(|| validation("StackName is required"))?;
    let s = find(cf, cx, name)?;
    let start = page(input)?;
    let events: Vec<Value> = s
        .events
        .iter()
        .rev()
        .skip(start)
        .take(PAGE)
        .map(|e| {
            let mut v = json!({
                "StackId": s.id,
                "EventId": e.id,
                "StackName": s.name,
                "LogicalResourceId": e.logical_id,
                "PhysicalResourceId": e.physical_id,
                "ResourceType": e.kind,
                "Timestamp": iso8601(e.ms),
                "ResourceStatus": e.status,
            });
            if let Some(r) = &e.reason {
                v["ResourceStatusReason"] = json!(r);
            }
            if let Some(p) = &e.props {
                v["ResourceProperties"] = json!(p);
            }
            v
        })
        .collect();
    let mut out = json!({ "StackEvents": events });
    if start + PAGE < s.events.len() {
        out["NextToken"] = json!((start + PAGE).to_string());
    }
    Ok(out)
}

fn started(s: &Stack) -> impl Iterator<Item = (&String, &Resource)> {
    s.resources.iter().filter(|(_, r)| !r.status.is_empty())
}

fn physical(r: &Resource) -> String {
    if r.physical_id.is_empty() {
        r.work.data.get("physical").map(scalar_text).unwrap_or_default()
    } else {
        r.physical_id.clone()
    }
}

fn resource_json(s: &Stack, logical: &str, r: &Resource, time_key: &str) -> Value {
    let mut v = json!({
        "StackName": s.name,
        "StackId": s.id,
        "LogicalResourceId": logical,
        "PhysicalResourceId": physical(r),
        "ResourceType": r.kind,
        time_key: iso8601(r.updated_ms),
        "ResourceStatus": r.status,
        "DriftInformation": { "StackResourceDriftStatus": "NOT_CHECKED" },
    });
    if let Some(reason) = &r.reason {
        v["ResourceStatusReason"] = json!(reason);
    }
    v
}

fn describe_stack_resources(cf: &CloudFormation, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let logical = string(input, "LogicalResourceId");
    let s = match (string(input, "StackName"), string(input, "PhysicalResourceId")) {
        (Some(n), _) => find(cf, cx, n)?,
        (None, Some(p)) => cf
            .region(cx.region)
            .and_then(|r| r.stacks.values().find(|s| !s.is_deleted() && s.resources.values().any(|r| physical(r) == p)))
            .ok_or_else(|| validation(format!("Stack for {p} does not exist")))?,
        (None, None) => return Err(validation("Either StackName or PhysicalResourceId must be specified.")),
    };
    let items: Vec<Value> = started(s).filter(|(l, _)| logical.is_none_or(|x| x == l.as_str())).map(|(l, r)| resource_json(s, l, r, "Timestamp")).collect();
    Ok(json!({ "StackResources": items }))
}

fn describe_stack_resource(cf: &CloudFormation, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let name = string(input, "StackName").ok_or_else(|| validation("StackName is required"))?;
    let logical = string(input, "LogicalResourceId").ok_or_else(|| validation("LogicalResourceId is required"))?;
    let s = find(cf, cx, name)?;
    let r = started(s).find(|(l, _)| l.as_str() == logical).map(|(_, r)| r).ok_or_else(|| validation(format!("Resource {logical} does not exist for stack {name}")))?;
    let mut v = resource_json(s, logical, r, "LastUpdatedTimestamp");
    v["Metadata"] = json!(s.template["Resources"][logical].get("Metadata").map(|m| m.to_string()).unwrap_or_else(|| "{}".into()));
    Ok(json!({ "StackResourceDetail": v }))
}

fn list_stack_resources(cf: &CloudFormation, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let name = string(input, "StackName").ok_or_else(|| validation("StackName is required"))?;
    let s = find(cf, cx, name)?;
    let start = page(input)?;
    let all: Vec<Value> = started(s)
        .map(|(l, r)| {
            let mut v = resource_json(s, l, r, "LastUpdatedTimestamp");
            if let Some(m) = v.as_object_mut() {
                m.remove("StackName");
                m.remove("StackId");
            }
            v
        })
        .collect();
    let mut out = json!({ "StackResourceSummaries": all.iter().skip(start).take(PAGE).cloned().collect::<Vec<_>>() });
    if start + PAGE < all.len() {
        out["NextToken"] = json!((start + PAGE).to_string());
    }
    Ok(out)
}

fn list_stacks(cf: &CloudFormation, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let filter: Vec<String> = list(input, "StackStatusFilter").iter().map(scalar_text).collect();
    let start = page(input)?;
    let all: Vec<Value> = cf
        .region(cx.region)
        .map(|r| {
            r.stacks
                .values()
                .rev()
                .filter(|s| filter.is_empty() || filter.contains(&s.status))
                .map(|s| {
                    let mut v = json!({
                        "StackId": s.id,
                        "StackName": s.name,
                        "CreationTime": iso8601(s.created_ms),
                        "StackStatus": s.status,
                        "DriftInformation": { "StackDriftStatus": "NOT_CHECKED" },
                    });
                    if let Some(d) = &s.description {
                        v["TemplateDescription"] = json!(d);
                    }
                    if let Some(r) = &s.reason {
                        v["StackStatusReason"] = json!(r);
                    }
                    if let Some(d) = s.deleted_ms {
                        v["DeletionTime"] = json!(iso8601(d));
                    }
                    v
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = json!({ "StackSummaries": all.iter().skip(start).take(PAGE).cloned().collect::<Vec<_>>() });
    if start + PAGE < all.len() {
        out["NextToken"] = json!((start + PAGE).to_string());
    }
    Ok(out)
}

fn get_template(cf: &CloudFormation, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let name = string(input, "StackName").ok_or_else(|| validation("StackName is required"))?;
    let s = find(cf, cx, name)?;
    let body = match string(input, "TemplateStage").unwrap_or("Original") {
        "Original" => s.body.clone(),
        "Processed" => serde_json::to_string_pretty(&s.template).unwrap_or_default(),
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'templateStage' failed to satisfy constraint: Member must satisfy enum value set: [Processed, Original]"
            )))
        }
    };
    let stages = if template::transforms(&template::parse(&s.body).unwrap_or(Value::Null)).is_empty() { json!(["Original"]) } else { json!(["Original", "Processed"]) };
    Ok(json!({ "TemplateBody": body, "StagesAvailable": stages }))
}

fn declared_parameters(t: &Value) -> Vec<Value> {
    t.get("Parameters")
        .and_then(Value::as_object)
        .map(|ps| {
            ps.iter()
                .map(|(k, d)| {
                    let mut v = json!({ "ParameterKey": k, "NoEcho": d.get("NoEcho").is_some_and(|n| scalar_text(n) == "true") });
                    if let Some(def) = d.get("Default") {
                        v["DefaultValue"] = json!(scalar_text(def));
                    }
                    if let Some(desc) = d.get("Description") {
                        v["Description"] = desc.clone();
                    }
                    v
                })
                .collect()
        })
        .unwrap_or_default()
}

fn validate_template(_cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let text = body(input)?;
    let t = template::parse(&text)?;
    template::check_shape(&t)?;
    let mut out = json!({ "Parameters": declared_parameters(&t) });
    if let Some(d) = t.get("Description") {
        out["Description"] = d.clone();
    }
    let transforms = template::transforms(&t);
    if !transforms.is_empty() {
        out["DeclaredTransforms"] = json!(transforms);
        out["Capabilities"] = json!(["CAPABILITY_AUTO_EXPAND"]);
        out["CapabilitiesReason"] = json!(format!("The following resource(s) require capabilities: [{}]", transforms.join(", ")));
        return Ok(out);
    }
    let iam: Vec<(String, bool)> = t["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(l, r)| {
            let name_prop = providers::iam_name_property(r["Type"].as_str()?)?;
            Some((l.clone(), !name_prop.is_empty() && r.get("Properties").and_then(|p| p.get(name_prop)).is_some()))
        })
        .collect();
    if !iam.is_empty() {
        let named = iam.iter().any(|(_, n)| *n);
        out["Capabilities"] = json!([if named { "CAPABILITY_NAMED_IAM" } else { "CAPABILITY_IAM" }]);
        out["CapabilitiesReason"] = json!(format!("The following resource(s) require capabilities: [{}]", iam.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join(", ")));
    }
    Ok(out)
}

fn get_template_summary(cf: &CloudFormation, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let text = match string(input, "StackName") {
        Some(n) => find(cf, cx, n)?.body.clone(),
        None => body(input)?,
    };
    let t = template::parse(&text)?;
    template::check_shape(&t)?;
    let types: BTreeSet<String> = t["Resources"].as_object().into_iter().flatten().filter_map(|(_, r)| r["Type"].as_str().map(String::from)).collect();
    let mut out = json!({ "Parameters": declared_parameters(&t), "ResourceTypes": types.into_iter().collect::<Vec<_>>(), "Version": "2010-09-09" });
    if let Some(d) = t.get("Description") {
        out["Description"] = d.clone();
    }
    let transforms = template::transforms(&t);
    if !transforms.is_empty() {
        out["DeclaredTransforms"] = json!(transforms);
        out["Capabilities"] = json!(["CAPABILITY_AUTO_EXPAND"]);
    }
    Ok(out)
}

fn list_exports(cf: &CloudFormation, cx: &Cx) -> Result<Value, AwsError> {
    let exports: Vec<Value> = cf
        .region(cx.region)
        .map(|r| r.exports().into_iter().map(|(name, (stack, value))| json!({ "ExportingStackId": stack, "Name": name, "Value": value })).collect())
        .unwrap_or_default();
    Ok(json!({ "Exports": exports }))
}

fn list_imports(cf: &CloudFormation, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let name = string(input, "ExportName").ok_or_else(|| validation("ExportName is required"))?;
    let r = cf.region(cx.region);
    if !r.is_some_and(|r| r.exports().contains_key(name)) {
        return Err(validation(format!("Export '{name}' does not exist.")));
    }
    let users: Vec<String> = r.into_iter().flat_map(|r| r.stacks.values()).filter(|s| !s.is_deleted() && s.imports.iter().any(|i| i == name)).map(|s| s.name.clone()).collect();
    if users.is_empty() {
        return Err(validation(format!("Export '{name}' is not imported by any stack.")));
    }
    Ok(json!({ "Imports": users }))
}

// ---- Change sets (CREATE type: a new stack reviewed, then executed) ----------------------------

fn create_change_set(cf: &mut CloudFormation, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let cs_name = string(input, "ChangeSetName")
        .ok_or_else(|| validation("1 validation error detected: Value null at 'changeSetName' failed to satisfy constraint: Member must not be null"))?;
    let ok = cs_name.len() <= 128 && cs_name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && cs_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !ok {
        return Err(validation(format!(
            "1 validation error detected: Value '{cs_name}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
        )));
    }
    let kind = string(input, "ChangeSetType").unwrap_or("UPDATE");
    let name = string(input, "StackName").unwrap_or("");
    let existing = cf.region(cx.region).and_then(|r| r.find(name)).map(|s| (s.id.clone(), s.status.clone()));
    match (kind, &existing) {
        ("CREATE", Some((_, status))) if status != "REVIEW_IN_PROGRESS" => return Err(already_exists(name)),
        ("CREATE", _) => {}
        ("UPDATE", None) => return Err(validation(format!("Stack [{name}] does not exist"))),
        ("UPDATE", Some(_)) => return Err(validation("Updating a stack (change sets of type UPDATE, UpdateStack) is not simulated by Gureum's CloudFormation yet.")),
        (other, _) => return Err(validation(format!("Change set type {other} is not simulated by Gureum's CloudFormation (CREATE is)."))),
    }
    if let Some((old, _)) = &existing {
        // A stack still in review takes a new change set in place of its old one.
        cf.region_mut(cx.region).stacks.shift_remove(old);
        cx.journal.delete(super::stack_key(cx.region, old));
    }
    let mut input2 = input.clone();
    if let Some(m) = input2.as_object_mut() {
        for k in ["ChangeSetName", "ChangeSetType", "Description", "IncludeNestedStacks", "OnStackFailure"] {
            m.remove(k);
        }
    }
    if input.get("OnStackFailure").is_some() {
        return Err(validation("OnStackFailure is not simulated by Gureum's CloudFormation."));
    }
    // A change set shows the processed template for review: transforms need no
    // CAPABILITY_AUTO_EXPAND here (CloudFormation asks for it only in CreateStack).
    let mut caps = list(&input2, "Capabilities");
    if !caps.iter().any(|c| c == "CAPABILITY_AUTO_EXPAND") {
        caps.push(json!("CAPABILITY_AUTO_EXPAND"));
    }
    input2["Capabilities"] = json!(caps);
    let mut s = build_stack(cf, cx, &input2, false)?;
    let cs_id = format!("arn:aws:cloudformation:{}:{}:changeSet/{cs_name}/{}", cx.region, cx.account.id, cx.rng.uuid());
    s.status = "REVIEW_IN_PROGRESS".into();
    s.change_set = Some(super::stack::ChangeSet {
        id: cs_id.clone(),
        name: cs_name.to_string(),
        description: string(input, "Description").map(String::from),
        created_ms: cx.now_ms,
        execution_status: "AVAILABLE".into(),
    });
    push_stack_event(cx, &mut s);
    let id = s.id.clone();
    CloudFormation::save_stack(cx, &s);
    cf.region_mut(cx.region).stacks.insert(id.clone(), s);
    Ok(json!({ "Id": cs_id, "StackId": id }))
}

/// The stack and change set a request names (by ARN, or by name with StackName).
fn change_set_stack<'a>(cf: &'a CloudFormation, cx: &Cx, input: &Value) -> Result<&'a Stack, AwsError> {
    let cs = string(input, "ChangeSetName")
        .ok_or_else(|| validation("1 validation error detected: Value null at 'changeSetName' failed to satisfy constraint: Member must not be null"))?;
    let missing = || AwsError::new("", "ChangeSetNotFound", format!("ChangeSet [{cs}] does not exist"), 404);
    let region = cf.region(cx.region).ok_or_else(missing)?;
    let found = if cs.starts_with("arn:") {
        region.stacks.values().find(|s| s.change_set.as_ref().is_some_and(|c| c.id == cs))
    } else {
        let stack = string(input, "StackName").ok_or_else(|| validation("StackName must be specified if ChangeSetName is not specified as an ARN."))?;
        region.find(stack).filter(|s| s.change_set.as_ref().is_some_and(|c| c.name == cs))
    };
    found.ok_or_else(missing)
}

fn describe_change_set(cf: &CloudFormation, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let s = change_set_stack(cf, cx, input)?;
    let cs = s.change_set.as_ref().expect("change set");
    let changes: Vec<Value> = s
        .order
        .iter()
        .map(|l| json!({ "Type": "Resource", "ResourceChange": { "Action": "Add", "LogicalResourceId": l, "ResourceType": s.resources[l].kind, "Scope": [], "Details": [] } }))
        .collect();
    let mut out = json!({
        "ChangeSetName": cs.name,
        "ChangeSetId": cs.id,
        "StackId": s.id,
        "StackName": s.name,
        "Parameters": s.parameters,
        "CreationTime": iso8601(cs.created_ms),
        "ExecutionStatus": cs.execution_status,
        "Status": "CREATE_COMPLETE",
        "NotificationARNs": [],
        "Capabilities": s.capabilities,
        "Tags": s.tags,
        "Changes": changes,
        "IncludeNestedStacks": false,
    });
    if let Some(d) = &cs.description {
        out["Description"] = json!(d);
    }
    Ok(out)
}

fn execute_change_set(cf: &mut CloudFormation, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    for k in ["ClientRequestToken", "RetainExceptOnCreate"] {
        if input.get(k).is_some_and(|v| !v.is_null() && v != "" && v != "false" && v != &json!(false)) {
            return Err(validation(format!("{k} is not simulated by Gureum's CloudFormation.")));
        }
    }
    let id = change_set_stack(cf, cx, input)?.id.clone();
    let s = cf.region_mut(cx.region).stacks.get_mut(&id).expect("stack");
    let cs = s.change_set.as_mut().expect("change set");
    if cs.execution_status != "AVAILABLE" {
        return Err(AwsError::new(
            "",
            "InvalidChangeSetStatus",
            format!("ChangeSet [{}] cannot be executed in its current execution status of [{}]", cs.id, cs.execution_status),
            400,
        ));
    }
    cs.execution_status = "EXECUTE_IN_PROGRESS".into();
    if truthy(input, "DisableRollback") {
        s.on_failure = "DO_NOTHING".into();
    }
    s.status = "CREATE_IN_PROGRESS".into();
    s.reason = Some("User Initiated".into());
    push_stack_event(cx, s);
    CloudFormation::save_stack(cx, s);
    cx.schedule(cx.now_ms, json!({ "stack": id }));
    Ok(json!({}))
}

fn delete_change_set(cf: &mut CloudFormation, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let id = change_set_stack(cf, cx, input)?.id.clone();
    let s = cf.region_mut(cx.region).stacks.get_mut(&id).expect("stack");
    if s.change_set.as_ref().is_some_and(|c| c.execution_status != "AVAILABLE") {
        return Err(AwsError::new("", "InvalidChangeSetStatus", "Cannot delete a change set that has been executed", 400));
    }
    s.change_set = None;
    CloudFormation::save_stack(cx, s);
    Ok(json!({}))
}

fn list_change_sets(cf: &CloudFormation, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let name = string(input, "StackName").ok_or_else(|| validation("StackName is required"))?;
    let s = find(cf, cx, name)?;
    let items: Vec<Value> = s
        .change_set
        .iter()
        .map(|cs| {
            json!({ "StackId": s.id, "StackName": s.name, "ChangeSetId": cs.id, "ChangeSetName": cs.name, "ExecutionStatus": cs.execution_status, "Status": "CREATE_COMPLETE", "CreationTime": iso8601(cs.created_ms), "IncludeNestedStacks": false })
        })
        .collect();
    Ok(json!({ "Summaries": items }))
}
