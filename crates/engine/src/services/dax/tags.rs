//! TagResource, UntagResource, ListTags: tags on clusters, named by ARN
//! (`arn:aws:dax:{region}:{account}:cache/{name}`), at most 50 per cluster.

use serde_json::{json, Value};

use super::{errors, input::Input, model, RegionState};
use crate::kernel::{error::AwsError, service::Cx};

const MAX_TAGS: usize = 50;

fn tags_json(tags: &[(String, String)]) -> Value {
    json!(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect::<Vec<_>>())
}

/// The Tags member of a request: `[{Key, Value}]`.
pub fn read_tags(input: &Input) -> Result<Vec<(String, String)>, AwsError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for t in input.objects("Tags")?.unwrap_or_default() {
        let key = t.string("Key")?.ok_or_else(|| errors::invalid_parameter_value("A tag must have a Key."))?;
        if key.is_empty() || key.chars().count() > 128 || key.starts_with("aws:") {
            return Err(errors::invalid_parameter_value(format!("Invalid tag key {key}: 1 to 128 characters, not starting with aws:.")));
        }
        let value = t.string("Value")?.unwrap_or("");
        if value.chars().count() > 256 {
            return Err(errors::invalid_parameter_value(format!("The value of tag {key} is longer than 256 characters.")));
        }
        match out.iter_mut().find(|(k, _)| k == key) {
            Some(existing) => existing.1 = value.to_string(),
            None => out.push((key.to_string(), value.to_string())),
        }
    }
    if out.len() > MAX_TAGS {
        return Err(errors::tag_quota());
    }
    Ok(out)
}

/// The cluster a ResourceName ARN names.
fn cluster_name<'a>(cx: &Cx, arn: &'a str) -> Result<&'a str, AwsError> {
    let prefix = cx.account.arn("dax", cx.region, "cache/");
    if let Some(name) = arn.strip_prefix(&prefix) {
        if !name.is_empty() && !name.contains(['/', ':']) {
            return Ok(name);
        }
    }
    if arn.starts_with("arn:aws:dax:") && arn.contains(":cache/") {
        // Another account's or Region's cluster: not found here.
        return Err(errors::cluster_not_found(arn.rsplit('/').next().unwrap_or(arn)));
    }
    Err(errors::invalid_arn(arn))
}

fn cluster<'a>(cx: &Cx, state: &'a mut RegionState, arn: &str) -> Result<&'a mut model::Cluster, AwsError> {
    let name = cluster_name(cx, arn)?;
    let c = super::clusters::cluster_mut(state, name)?;
    if c.status == "deleting" {
        return Err(errors::invalid_cluster_state(&c.name, &c.status));
    }
    Ok(c)
}

pub fn tag_resource(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let arn = input.required_string("ResourceName")?;
    if input.objects("Tags")?.is_none() {
        return Err(errors::missing("Tags"));
    }
    let new = read_tags(input)?;
    let c = cluster(cx, state, arn)?;
    let mut tags = c.tags.clone();
    for (k, v) in new {
        match tags.iter_mut().find(|(key, _)| *key == k) {
            Some(t) => t.1 = v,
            None => tags.push((k, v)),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(errors::tag_quota());
    }
    c.tags = tags;
    let c = c.clone();
    cx.journal.put_json(model::cluster_key(cx.region, &c.name), &c);
    Ok(json!({ "Tags": tags_json(&c.tags) }))
}

pub fn untag_resource(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let arn = input.required_string("ResourceName")?;
    let keys = input.strings("TagKeys")?.ok_or_else(|| errors::missing("TagKeys"))?;
    let c = cluster(cx, state, arn)?;
    for k in &keys {
        if !c.tags.iter().any(|(key, _)| key == k) {
            return Err(errors::tag_not_found(k));
        }
    }
    c.tags.retain(|(k, _)| !keys.contains(&k.as_str()));
    let c = c.clone();
    cx.journal.put_json(model::cluster_key(cx.region, &c.name), &c);
    Ok(json!({ "Tags": tags_json(&c.tags) }))
}

pub fn list_tags(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let arn = input.required_string("ResourceName")?;
    if input.string("NextToken")?.is_some() {
        // Every cluster's tags fit one page (50 at most), so no token was ever handed out.
        return Err(errors::invalid_parameter_value("Invalid NextToken."));
    }
    let c = cluster(cx, state, arn)?;
    Ok(json!({ "Tags": tags_json(&c.tags) }))
}
