//! Parameter groups and their two parameters (`query-ttl-millis`, `record-ttl-millis`), and the
//! subnet groups (only the default one: the sandbox has no VPC to make others from).

use serde_json::{json, Value};

use super::{
    clusters::{max_results, page},
    errors, events,
    input::Input,
    model::{self, ParameterGroup},
    RegionState,
};
use crate::kernel::{error::AwsError, service::Cx};

/// Parameter groups per Region (the service quota's default).
pub const MAX_PARAMETER_GROUPS: usize = 20;
pub const QUERY_TTL: &str = "query-ttl-millis";
pub const RECORD_TTL: &str = "record-ttl-millis";

fn parameter(name: &str, value: i64, source: &str) -> Value {
    let description = if name == QUERY_TTL {
        "Duration in milliseconds for queries to remain cached"
    } else {
        "Duration in milliseconds for records to remain valid in cache (Default: 0 = infinite)"
    };
    json!({
        "ParameterName": name,
        "ParameterType": "DEFAULT",
        "ParameterValue": value.to_string(),
        "NodeTypeSpecificValues": [],
        "Description": description,
        "Source": source,
        "DataType": "integer",
        "AllowedValues": "0-",
        "IsModifiable": "TRUE",
        "ChangeType": "IMMEDIATE",
    })
}

fn group_json(g: &ParameterGroup) -> Value {
    json!({ "ParameterGroupName": g.name, "Description": g.description })
}

fn check_name(name: &str) -> Result<String, AwsError> {
    let ok = (1..=255).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !ok {
        return Err(errors::invalid_parameter_value(format!(
            "Parameter group name {name} is invalid: it must contain from 1 to 255 alphanumeric characters or hyphens, start with a letter, and neither end with a hyphen nor contain two consecutive hyphens."
        )));
    }
    Ok(name.to_ascii_lowercase())
}

pub fn create_parameter_group(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("ParameterGroupName")?;
    let description = input.string("Description")?.unwrap_or("").to_string();
    if name == model::DEFAULT_PARAMETER_GROUP {
        return Err(errors::parameter_group_already_exists(name));
    }
    let name = check_name(name)?;
    if state.groups.contains_key(&name) {
        return Err(errors::parameter_group_already_exists(&name));
    }
    if state.groups.len() + 1 >= MAX_PARAMETER_GROUPS {
        return Err(errors::parameter_group_quota(MAX_PARAMETER_GROUPS));
    }
    let group = ParameterGroup { name: name.clone(), description, query_ttl_millis: model::DEFAULT_TTL_MILLIS, record_ttl_millis: model::DEFAULT_TTL_MILLIS };
    cx.journal.put_json(model::parameter_group_key(cx.region, &name), &group);
    let out = json!({ "ParameterGroup": group_json(&group) });
    state.groups.insert(name.clone(), group);
    events::record(cx, state, events::PARAMETER_GROUP, &name, "Parameter group created");
    Ok(out)
}

pub fn describe_parameter_groups(_cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let names = input.strings("ParameterGroupNames")?;
    let max = max_results(input, 100)?;
    let token = input.string("NextToken")?;
    if let Some(names) = &names {
        for n in names {
            if !state.has_group(n) {
                return Err(errors::parameter_group_not_found(n));
            }
        }
    }
    let default = ParameterGroup::default_group();
    let default_name = default.name.clone();
    let all = std::iter::once((&default_name, &default)).chain(state.groups.iter());
    let wanted = |name: &String| names.as_ref().is_none_or(|ns| ns.iter().any(|n| n.eq_ignore_ascii_case(name)));
    let (groups, next) = page(all.filter(|(n, _)| wanted(n)).map(|(n, g)| (n, group_json(g))), token, max);
    let mut out = json!({ "ParameterGroups": groups });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

pub fn update_parameter_group(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("ParameterGroupName")?;
    let values = input.objects("ParameterNameValues")?.ok_or_else(|| errors::missing("ParameterNameValues"))?;
    if values.is_empty() || values.len() > 20 {
        return Err(errors::invalid_parameter_value("ParameterNameValues must hold from 1 to 20 parameters."));
    }
    let mut changes = Vec::new();
    for v in &values {
        let pname = v.string("ParameterName")?.ok_or_else(|| errors::invalid_parameter_value("Each parameter needs a ParameterName."))?;
        let pvalue = v.string("ParameterValue")?.ok_or_else(|| errors::invalid_parameter_value(format!("Parameter {pname} needs a ParameterValue.")))?;
        if pname != QUERY_TTL && pname != RECORD_TTL {
            return Err(errors::invalid_parameter_value(format!("Unknown parameter {pname}: {RECORD_TTL} and {QUERY_TTL} are the only parameters a DAX parameter group has.")));
        }
        let n: i64 = match pvalue.parse() {
            Ok(n) if n >= 0 && pvalue.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(errors::invalid_parameter_value(format!("Invalid value {pvalue} for parameter {pname}: it must be an integer from 0."))),
        };
        changes.push((pname, n));
    }
    if name == model::DEFAULT_PARAMETER_GROUP {
        return Err(errors::invalid_parameter_group_state(format!("The default parameter group {name} cannot be modified: create a parameter group of your own.")));
    }
    let group = state.groups.get_mut(&name.to_ascii_lowercase()).ok_or_else(|| errors::parameter_group_not_found(name))?;
    let changed: Vec<String> = changes.iter().map(|(p, n)| format!("{p}={n}")).collect();
    for (pname, n) in changes {
        if pname == QUERY_TTL {
            group.query_ttl_millis = n;
        } else {
            group.record_ttl_millis = n;
        }
    }
    let g = group.clone();
    cx.journal.put_json(model::parameter_group_key(cx.region, &g.name), &g);
    events::record(cx, state, events::PARAMETER_GROUP, &g.name, format!("Parameters updated: {}", changed.join(", ")));
    Ok(json!({ "ParameterGroup": group_json(&g) }))
}

pub fn delete_parameter_group(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("ParameterGroupName")?;
    if name == model::DEFAULT_PARAMETER_GROUP {
        return Err(errors::invalid_parameter_group_state(format!("The default parameter group {name} cannot be deleted.")));
    }
    let key = name.to_ascii_lowercase();
    if !state.groups.contains_key(&key) {
        return Err(errors::parameter_group_not_found(name));
    }
    if let Some(c) = state.clusters.values().find(|c| c.parameter_group == key) {
        return Err(errors::invalid_parameter_group_state(format!("Parameter group {name} is in use by cluster {}.", c.name)));
    }
    state.groups.remove(&key);
    cx.journal.delete(model::parameter_group_key(cx.region, &key));
    events::record(cx, state, events::PARAMETER_GROUP, &key, "Parameter group deleted");
    Ok(json!({ "DeletionMessage": format!("Parameter group {key} has been deleted.") }))
}

fn parameters_page(list: Vec<Value>, input: &Input) -> Result<Value, AwsError> {
    let max = max_results(input, 100)?;
    let token = input.string("NextToken")?;
    let names: Vec<String> = list.iter().map(|p| p["ParameterName"].as_str().unwrap_or("").to_string()).collect();
    let (params, next) = page(names.iter().zip(list), token, max);
    let mut out = json!({ "Parameters": params });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

pub fn describe_parameters(_cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("ParameterGroupName")?;
    let source = input.string("Source")?;
    let group = state.group(name).ok_or_else(|| errors::parameter_group_not_found(name))?;
    let list: Vec<Value> = [(QUERY_TTL, group.query_ttl_millis), (RECORD_TTL, group.record_ttl_millis)]
        .iter()
        .map(|(n, v)| parameter(n, *v, "user"))
        .filter(|p| source.is_none_or(|s| p["Source"] == s))
        .collect();
    parameters_page(list, input)
}

pub fn describe_default_parameters(_cx: &mut Cx, _state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let list = vec![parameter(QUERY_TTL, model::DEFAULT_TTL_MILLIS, "system"), parameter(RECORD_TTL, model::DEFAULT_TTL_MILLIS, "system")];
    parameters_page(list, input)
}

pub fn describe_subnet_groups(cx: &mut Cx, _state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let names = input.strings("SubnetGroupNames")?;
    let _ = max_results(input, 100)?;
    if let Some(token) = input.string("NextToken")? {
        return Err(errors::invalid_parameter_value(format!("Invalid NextToken {token}.")));
    }
    for n in names.iter().flatten() {
        if *n != model::DEFAULT_SUBNET_GROUP {
            return Err(errors::subnet_group_not_found(n));
        }
    }
    let subnets: Vec<Value> = model::zones(cx.region)
        .iter()
        .enumerate()
        .map(|(i, az)| json!({ "SubnetIdentifier": format!("subnet-0{:016x}", 0x6775_7265_756d_0000u64 + i as u64), "SubnetAvailabilityZone": az, "SupportedNetworkTypes": ["ipv4"] }))
        .collect();
    Ok(json!({ "SubnetGroups": [{
        "SubnetGroupName": model::DEFAULT_SUBNET_GROUP,
        "Description": "Default CacheSubnetGroup",
        "VpcId": "vpc-0a1b2c3d4e5f60718",
        "Subnets": subnets,
        "SupportedNetworkTypes": ["ipv4"],
    }] }))
}
