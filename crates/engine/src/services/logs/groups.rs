//! Log groups: CreateLogGroup, DeleteLogGroup, DescribeLogGroups, retention policies and tags.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use super::{
    already_exists,
    input::{self, group_arn, Checks, Input},
    invalid_parameter, put_group, resource_not_found,
    state::{self, Group, GroupMeta},
    sweep, Logs, NO_GROUP,
};
use crate::kernel::{error::AwsError, service::Cx};

pub const CLASSES: &[&str] = &["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"];

/// The values PutRetentionPolicy accepts.
pub const RETENTION_DAYS: &[i64] = &[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

pub const MAX_TAGS: usize = 50;

pub const INVALID_TOKEN: &str = "The specified nextToken is invalid.";

fn tag_key_ok(k: &str) -> bool {
    !k.is_empty() && k.chars().count() <= 128 && k.chars().all(tag_char)
}

fn tag_value_ok(v: &str) -> bool {
    v.chars().count() <= 256 && v.chars().all(tag_char)
}

/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]`.
fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
}

/// Java's `Map.toString()`, as Coral shows a map in its messages.
fn show_map(tags: &Map<String, Value>) -> String {
    let inner: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect();
    format!("{{{}}}", inner.join(", "))
}

/// A `tags` map: 1..=50 entries, keys and values of AWS's tag patterns.
fn parse_tags(c: &mut Checks, tags: Option<&Map<String, Value>>, path: &str) -> BTreeMap<String, String> {
    let Some(tags) = tags else { return BTreeMap::new() };
    let shown = show_map(tags);
    if tags.is_empty() {
        c.add(Some(&shown), path, "Member must have length greater than or equal to 1");
    }
    if tags.len() > MAX_TAGS {
        c.add(Some(&shown), path, &format!("Member must have length less than or equal to {MAX_TAGS}"));
    }
    if !tags.keys().all(|k| tag_key_ok(k)) {
        c.add(
            Some(&shown),
            path,
            r"Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$]",
        );
    }
    if !tags.values().all(|v| v.as_str().is_some_and(tag_value_ok)) {
        c.add(
            Some(&shown),
            path,
            r"Map values must satisfy constraint: [Member must have length less than or equal to 256, Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$]",
        );
    }
    tags.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect()
}

pub fn create_log_group(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    input::refuse(&input, "CreateLogGroup", &["kmsKeyId"])?;
    let name = input.string("logGroupName")?;
    let class = input.string("logGroupClass")?;
    let protection = input.boolean("deletionProtectionEnabled")?;
    let tags = input.string_map("tags")?;
    let mut c = Checks::default();
    c.required(name, "logGroupName");
    c.group_name(name, "logGroupName");
    c.one_of(class, "logGroupClass", CLASSES);
    let tags = parse_tags(&mut c, tags, "tags");
    c.finish()?;
    if protection == Some(true) {
        return Err(invalid_parameter("Gureum does not implement deletion protection for log groups yet; remove deletionProtectionEnabled from the request."));
    }
    let name = name.unwrap_or_default();
    let groups = logs.groups_mut(cx.region);
    if groups.contains_key(name) {
        return Err(already_exists("The specified log group already exists"));
    }
    let meta =
        GroupMeta { name: name.to_string(), creation_time: cx.now_ms, retention_in_days: None, log_group_class: class.unwrap_or("STANDARD").to_string(), tags, sweep_due: None };
    put_group(cx.journal, cx.region, &meta);
    groups.insert(name.to_string(), Group { meta, streams: BTreeMap::new() });
    Ok(json!({}))
}

/// The log group named by a request's `logGroupName`, checked.
fn named_group(input: &Input) -> Result<String, AwsError> {
    let name = input.string("logGroupName")?;
    let mut c = Checks::default();
    c.required(name, "logGroupName");
    c.group_name(name, "logGroupName");
    c.finish()?;
    Ok(name.unwrap_or_default().to_string())
}

pub fn delete_log_group(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = named_group(&input)?;
    logs.group(cx.region, &name)?;
    logs.groups_mut(cx.region).remove(&name);
    let key = state::group_key(cx.region, &name);
    cx.journal.delete(key.clone());
    cx.journal.delete_prefix(format!("{key}/"));
    Ok(json!({}))
}

pub fn describe_group(cx: &Cx, group: &Group) -> Value {
    let m = &group.meta;
    let mut out = Map::new();
    out.insert("logGroupName".into(), json!(m.name));
    out.insert("creationTime".into(), json!(m.creation_time));
    if let Some(days) = m.retention_in_days {
        out.insert("retentionInDays".into(), json!(days));
    }
    out.insert("metricFilterCount".into(), json!(0));
    out.insert("arn".into(), json!(format!("{}:*", group_arn(cx, &m.name))));
    out.insert("storedBytes".into(), json!(group.stored_bytes()));
    out.insert("logGroupClass".into(), json!(m.log_group_class));
    out.insert("logGroupArn".into(), json!(group_arn(cx, &m.name)));
    Value::Object(out)
}

pub fn encode_token(s: &str) -> String {
    B64.encode(s.as_bytes())
}

pub fn decode_token(token: &str) -> Result<String, AwsError> {
    B64.decode(token).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| invalid_parameter(INVALID_TOKEN))
}

pub fn describe_log_groups(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    input::refuse(&input, "DescribeLogGroups", &["accountIdentifiers"])?;
    let prefix = input.string("logGroupNamePrefix")?;
    let pattern = input.string("logGroupNamePattern")?;
    let token = input.string("nextToken")?;
    let limit = input.integer("limit")?;
    let _linked = input.boolean("includeLinkedAccounts")?;
    let class = input.string("logGroupClass")?;
    let identifiers = input.list("logGroupIdentifiers")?.map(|l| input::string_elements(l)).transpose()?;
    let mut c = Checks::default();
    c.group_name(prefix, "logGroupNamePrefix");
    if let Some(p) = pattern {
        if !p.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/' | b'#')) {
            c.add(Some(p), "logGroupNamePattern", r"Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]*");
        }
        if p.len() > 512 {
            c.add(Some(p), "logGroupNamePattern", "Member must have length less than or equal to 512");
        }
    }
    c.next_token(token, "nextToken");
    c.range(limit, "limit", 1, 50);
    c.one_of(class, "logGroupClass", super::groups::CLASSES);
    if let Some(ids) = &identifiers {
        if ids.is_empty() || ids.len() > 50 {
            let shown = format!("[{}]", ids.join(", "));
            let constraint = if ids.is_empty() { "Member must have length greater than or equal to 1" } else { "Member must have length less than or equal to 50" };
            c.add(Some(&shown), "logGroupIdentifiers", constraint);
        }
    }
    c.finish()?;
    if prefix.is_some() && pattern.is_some() {
        return Err(invalid_parameter("LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters."));
    }
    if identifiers.is_some() && (prefix.is_some() || pattern.is_some()) {
        return Err(invalid_parameter("LogGroupIdentifiers cannot be combined with LogGroupNamePrefix or LogGroupNamePattern."));
    }
    let wanted: Option<Vec<String>> = identifiers.map(|ids| ids.iter().filter_map(|id| input::group_of(cx, None, Some(id)).ok()).collect());
    let after = token.map(decode_token).transpose()?;
    let limit = limit.unwrap_or(50) as usize;
    let needle = pattern.map(str::to_ascii_lowercase);
    let mut page = Vec::new();
    let mut more = false;
    let empty = BTreeMap::new();
    let groups = logs.groups(cx.region).unwrap_or(&empty);
    let range = match &after {
        Some(a) => groups.range::<String, _>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded)),
        None => groups.range::<String, _>(..),
    };
    for (name, group) in range {
        if prefix.is_some_and(|p| !name.starts_with(p))
            || needle.as_ref().is_some_and(|n| !name.to_ascii_lowercase().contains(n.as_str()))
            || class.is_some_and(|c| group.meta.log_group_class != c)
            || wanted.as_ref().is_some_and(|w| !w.contains(name))
        {
            continue;
        }
        if page.len() == limit {
            more = true;
            break;
        }
        page.push(group);
    }
    let mut out = json!({"logGroups": page.iter().map(|g| describe_group(cx, g)).collect::<Vec<_>>()});
    if more {
        if let Some(last) = page.last() {
            out["nextToken"] = json!(encode_token(&last.meta.name));
        }
    }
    Ok(out)
}

pub fn put_retention_policy(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = input.string("logGroupName")?;
    let days = input.integer("retentionInDays")?;
    let mut c = Checks::default();
    c.required(name, "logGroupName");
    c.group_name(name, "logGroupName");
    c.required(days, "retentionInDays");
    if let Some(d) = days.filter(|d| !RETENTION_DAYS.contains(d)) {
        let allowed: Vec<String> = RETENTION_DAYS.iter().map(i64::to_string).collect();
        c.add(Some(&d.to_string()), "retentionInDays", &format!("Member must satisfy enum value set: [{}]", allowed.join(", ")));
    }
    c.finish()?;
    let group = logs.group_mut(cx.region, name.unwrap_or_default())?;
    group.meta.retention_in_days = days;
    put_group(cx.journal, cx.region, &group.meta);
    sweep(group, cx);
    Ok(json!({}))
}

pub fn delete_retention_policy(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = named_group(&input)?;
    let group = logs.group_mut(cx.region, &name)?;
    group.meta.retention_in_days = None;
    group.meta.sweep_due = None;
    put_group(cx.journal, cx.region, &group.meta);
    Ok(json!({}))
}

fn merge_tags(group: &mut Group, tags: BTreeMap<String, String>) -> Result<(), usize> {
    let mut merged = group.meta.tags.clone();
    merged.extend(tags);
    if merged.len() > MAX_TAGS {
        return Err(merged.len());
    }
    group.meta.tags = merged;
    Ok(())
}

pub fn tag_log_group(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = input.string("logGroupName")?;
    let tags = input.string_map("tags")?;
    let mut c = Checks::default();
    c.required(name, "logGroupName");
    c.group_name(name, "logGroupName");
    c.required(tags, "tags");
    let tags = parse_tags(&mut c, tags, "tags");
    c.finish()?;
    let group = logs.group_mut(cx.region, name.unwrap_or_default())?;
    merge_tags(group, tags).map_err(|_| invalid_parameter(format!("A resource can have no more than {MAX_TAGS} tags.")))?;
    put_group(cx.journal, cx.region, &group.meta);
    Ok(json!({}))
}

pub fn untag_log_group(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = input.string("logGroupName")?;
    let keys = input.list("tags")?.map(|l| input::string_elements(l)).transpose()?;
    let mut c = Checks::default();
    c.required(name, "logGroupName");
    c.group_name(name, "logGroupName");
    c.required(keys.as_ref(), "tags");
    if keys.as_ref().is_some_and(|k| k.is_empty()) {
        c.add(Some("[]"), "tags", "Member must have length greater than or equal to 1");
    }
    c.finish()?;
    let group = logs.group_mut(cx.region, name.unwrap_or_default())?;
    for k in keys.unwrap_or_default() {
        group.meta.tags.remove(k);
    }
    put_group(cx.journal, cx.region, &group.meta);
    Ok(json!({}))
}

pub fn list_tags_log_group(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = named_group(&input)?;
    let group = logs.group(cx.region, &name)?;
    Ok(json!({"tags": group.meta.tags}))
}

/// The log group a `resourceArn` names (`arn:aws:logs:{region}:{account}:log-group:{name}`).
fn group_by_arn(logs: &mut Logs, cx: &Cx, arn: Option<&str>) -> Result<String, AwsError> {
    let mut c = Checks::default();
    c.required(arn, "resourceArn");
    if let Some(a) = arn {
        if !a.chars().all(|ch| ch.is_alphanumeric() || matches!(ch, '_' | '+' | '=' | '/' | ':' | ',' | '.' | '@' | '-')) {
            c.add(Some(a), "resourceArn", r"Member must satisfy regular expression pattern: [\w+=/:,.@-]*");
        }
        if a.is_empty() {
            c.add(Some(a), "resourceArn", "Member must have length greater than or equal to 1");
        }
        if a.chars().count() > 1011 {
            c.add(Some(a), "resourceArn", "Member must have length less than or equal to 1011");
        }
    }
    c.finish()?;
    let arn = arn.unwrap_or_default();
    let prefix = cx.account.arn("logs", cx.region, "log-group:");
    let name = arn.strip_prefix(&prefix).map(|n| n.strip_suffix(":*").unwrap_or(n)).filter(|n| !n.is_empty() && !n.contains(':'));
    let Some(name) = name else {
        return Err(if arn.starts_with("arn:") && arn.split(':').count() >= 6 {
            resource_not_found(format!("The specified resource does not exist: {arn}"))
        } else {
            invalid_parameter(format!("Invalid resource ARN: {arn}"))
        });
    };
    if logs.groups(cx.region).is_none_or(|g| !g.contains_key(name)) {
        return Err(resource_not_found(NO_GROUP));
    }
    Ok(name.to_string())
}

pub fn tag_resource(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let arn = input.string("resourceArn")?;
    let tags = input.string_map("tags")?;
    let mut c = Checks::default();
    c.required(tags, "tags");
    let tags = parse_tags(&mut c, tags, "tags");
    c.finish()?;
    let name = group_by_arn(logs, cx, arn)?;
    let group = logs.group_mut(cx.region, &name)?;
    if merge_tags(group, tags).is_err() {
        return Err(
            AwsError::new("", "TooManyTagsException", format!("A resource can have no more than {MAX_TAGS} tags."), 400).with("resourceName", json!(arn.unwrap_or_default()))
        );
    }
    put_group(cx.journal, cx.region, &group.meta);
    Ok(json!({}))
}

pub fn untag_resource(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let arn = input.string("resourceArn")?;
    let keys = input.list("tagKeys")?.map(|l| input::string_elements(l)).transpose()?;
    let mut c = Checks::default();
    c.required(keys.as_ref(), "tagKeys");
    if keys.as_ref().is_some_and(|k| k.len() > MAX_TAGS) {
        c.add(Some(&format!("[{}]", keys.as_ref().map(|k| k.join(", ")).unwrap_or_default())), "tagKeys", "Member must have length less than or equal to 50");
    }
    c.finish()?;
    let name = group_by_arn(logs, cx, arn)?;
    let group = logs.group_mut(cx.region, &name)?;
    for k in keys.unwrap_or_default() {
        group.meta.tags.remove(k);
    }
    put_group(cx.journal, cx.region, &group.meta);
    Ok(json!({}))
}

pub fn list_tags_for_resource(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let arn = input.string("resourceArn")?;
    let name = group_by_arn(logs, cx, arn)?;
    let group = logs.group(cx.region, &name)?;
    Ok(json!({"tags": group.meta.tags}))
}
