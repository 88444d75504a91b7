//! Cluster operations: CreateCluster, DescribeClusters, UpdateCluster, DeleteCluster,
//! Increase/DecreaseReplicationFactor, RebootNode, and the timer that ends each transition.

use serde_json::{json, Value};

use super::{
    errors, events,
    input::Input,
    model::{self, node_letter, zones, Cluster, Node},
    tags, RegionState,
};
use crate::kernel::{error::AwsError, service::Cx};

/// Nodes per cluster (one primary and up to ten read replicas).
pub const MAX_NODES_PER_CLUSTER: i64 = 11;
/// Nodes per Region per account (the service quota's default).
pub const MAX_NODES_PER_REGION: usize = 50;

/// The node types DAX offers.
pub const NODE_TYPES: &[&str] = &[
    "dax.t2.small",
    "dax.t2.medium",
    "dax.t3.small",
    "dax.t3.medium",
    "dax.r4.large",
    "dax.r4.xlarge",
    "dax.r4.2xlarge",
    "dax.r4.4xlarge",
    "dax.r4.8xlarge",
    "dax.r4.16xlarge",
    "dax.r5.large",
    "dax.r5.xlarge",
    "dax.r5.2xlarge",
    "dax.r5.4xlarge",
    "dax.r5.8xlarge",
    "dax.r5.12xlarge",
    "dax.r5.16xlarge",
    "dax.r5.24xlarge",
];

/// A cluster name: 1 to 20 letters, digits or hyphens, starting with a letter, not ending with
/// a hyphen nor holding two in a row. Stored in lower case.
pub fn check_cluster_name(name: &str) -> Result<String, AwsError> {
    let ok = (1..=20).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !ok {
        return Err(errors::invalid_parameter_value(format!(
            "Cluster name {name} is invalid: it must contain from 1 to 20 alphanumeric characters or hyphens, start with a letter, and neither end with a hyphen nor contain two consecutive hyphens."
        )));
    }
    Ok(name.to_ascii_lowercase())
}

fn check_role(arn: &str) -> Result<(), AwsError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5].strip_prefix("role/").is_some_and(|r| !r.is_empty());
    if !ok {
        return Err(errors::invalid_parameter_value(format!("Invalid IAM role ARN: {arn}")));
    }
    Ok(())
}

/// `ddd:hh24:mi-ddd:hh24:mi`, at least 60 minutes long.
fn check_window(w: &str) -> Result<(), AwsError> {
    fn minute(s: &str) -> Option<i64> {
        let (day, rest) = s.split_once(':')?;
        let (h, m) = rest.split_once(':')?;
        let d = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"].iter().position(|x| x.eq_ignore_ascii_case(day))? as i64;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
        ((0..24).contains(&h) && (0..60).contains(&m)).then_some(d * 1440 + h * 60 + m)
    }
    let bad = || errors::invalid_parameter_value(format!("Invalid maintenance window {w}: use ddd:hh24:mi-ddd:hh24:mi (UTC), at least 60 minutes long."));
    let (a, b) = w.split_once('-').ok_or_else(bad)?;
    let (a, b) = (minute(a).ok_or_else(bad)?, minute(b).ok_or_else(bad)?);
    let length = (b - a).rem_euclid(7 * 1440);
    if length < 60 {
        return Err(bad());
    }
    Ok(())
}

fn check_zones(cx: &Cx, list: &[&str]) -> Result<(), AwsError> {
    let valid = zones(cx.region);
    for z in list {
        if !valid.iter().any(|v| v == z) {
            return Err(errors::invalid_parameter_value(format!("Availability Zone {z} is not in the subnet group's zones ({}).", valid.join(", "))));
        }
    }
    Ok(())
}

fn region_nodes(state: &RegionState) -> usize {
    state.clusters.values().map(|c| c.nodes.len()).sum()
}

fn persist(cx: &mut Cx, cluster: &Cluster) {
    cx.journal.put_json(model::cluster_key(cx.region, &cluster.name), cluster);
}

/// Schedules the end of a transition at `until`.
fn schedule(cx: &mut Cx, cluster: &Cluster, until: i64) {
    cx.schedule(until, json!({ "settle": cluster.name, "created": cluster.created_ms }));
}

fn add_nodes(cx: &Cx, cluster: &mut Cluster, count: i64, zones_given: Option<&[&str]>, status: &str, until: i64) {
    let all = zones(cx.region);
    for i in 0..count {
        let az = match zones_given {
            Some(z) if !z.is_empty() => z[i as usize % z.len()].to_string(),
            // Spread over the zones: the next one after those already used the most.
            _ => {
                let mut best = all[0].clone();
                let mut fewest = usize::MAX;
                for z in &all {
                    let n = cluster.nodes.iter().filter(|n| &n.az == z).count();
                    if n < fewest {
                        fewest = n;
                        best = z.clone();
                    }
                }
                best
            }
        };
        let id = format!("{}-{}", cluster.name, node_letter(cluster.next_node));
        cluster.next_node += 1;
        cluster.nodes.push(Node { id, az, status: status.into(), created_ms: cx.now_ms, until_ms: Some(until) });
    }
}

pub fn cluster_mut<'a>(state: &'a mut RegionState, name: &str) -> Result<&'a mut Cluster, AwsError> {
    let key = name.to_ascii_lowercase();
    state.clusters.get_mut(&key).ok_or_else(|| errors::cluster_not_found(name))
}

fn available<'a>(state: &'a mut RegionState, name: &str) -> Result<&'a mut Cluster, AwsError> {
    let c = cluster_mut(state, name)?;
    if c.status != "available" {
        return Err(errors::invalid_cluster_state(&c.name, &c.status));
    }
    Ok(c)
}

pub fn create_cluster(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("ClusterName")?;
    let node_type = input.required_string("NodeType")?;
    let replication = input.required_int("ReplicationFactor")?;
    let role = input.required_string("IamRoleArn")?;
    let name = check_cluster_name(name)?;
    if !NODE_TYPES.contains(&node_type) {
        return Err(errors::invalid_parameter_value(format!("Invalid node type {node_type}. Valid node types: {}.", NODE_TYPES.join(", "))));
    }
    if replication < 1 {
        return Err(errors::invalid_parameter_value("ReplicationFactor must be at least 1."));
    }
    if replication > MAX_NODES_PER_CLUSTER {
        return Err(errors::node_quota_for_cluster(MAX_NODES_PER_CLUSTER));
    }
    check_role(role)?;
    let azs = input.strings("AvailabilityZones")?;
    if let Some(z) = &azs {
        if z.len() as i64 != replication {
            return Err(errors::invalid_parameter_combination("The number of Availability Zones must equal the ReplicationFactor."));
        }
        check_zones(cx, z)?;
    }
    let description = input.string("Description")?.unwrap_or("").to_string();
    let group = input.string("ParameterGroupName")?.unwrap_or(model::DEFAULT_PARAMETER_GROUP).to_string();
    let subnet = input.string("SubnetGroupName")?.unwrap_or(model::DEFAULT_SUBNET_GROUP).to_string();
    let security_groups = input.strings("SecurityGroupIds")?.unwrap_or_default();
    for g in &security_groups {
        if !g.starts_with("sg-") || g.len() < 4 {
            return Err(errors::invalid_parameter_value(format!("Invalid security group id {g}.")));
        }
    }
    let window = input.string("PreferredMaintenanceWindow")?;
    if let Some(w) = window {
        check_window(w)?;
    }
    if input.string("NotificationTopicArn")?.is_some() {
        return Err(errors::invalid_parameter_value("Gureum does not simulate Amazon SNS, so DAX cannot send notifications: leave NotificationTopicArn out."));
    }
    match input.string("NetworkType")? {
        None | Some("ipv4") => {}
        Some(t @ ("ipv6" | "dual_stack")) => return Err(errors::invalid_parameter_value(format!("The subnet group {subnet} supports only ipv4, not {t}."))),
        Some(t) => return Err(errors::invalid_parameter_value(format!("Invalid NetworkType {t}: use ipv4, ipv6 or dual_stack."))),
    }
    let sse = match input.object("SSESpecification")? {
        Some(s) => s.bool("Enabled")?.ok_or_else(|| errors::missing("Enabled"))?,
        None => false,
    };
    let encryption = match input.string("ClusterEndpointEncryptionType")? {
        None => "NONE",
        Some(e @ ("NONE" | "TLS")) => e,
        Some(e) => return Err(errors::invalid_parameter_value(format!("Invalid ClusterEndpointEncryptionType {e}: use NONE or TLS."))),
    }
    .to_string();
    let tags = tags::read_tags(input)?;
    if !state.has_group(&group) {
        return Err(errors::parameter_group_not_found(&group));
    }
    if subnet != model::DEFAULT_SUBNET_GROUP {
        return Err(errors::subnet_group_not_found(&subnet));
    }
    if state.clusters.contains_key(&name) {
        return Err(errors::cluster_already_exists(&name));
    }
    if region_nodes(state) + replication as usize > MAX_NODES_PER_REGION {
        return Err(errors::node_quota_for_customer(MAX_NODES_PER_REGION));
    }
    let until = cx.now_ms + model::CREATING_MS;
    let mut cluster = Cluster {
        name: name.clone(),
        description,
        node_type: node_type.into(),
        iam_role_arn: role.into(),
        parameter_group: group,
        parameter_apply_status: "in-sync".into(),
        subnet_group: subnet,
        security_groups: if security_groups.is_empty() {
            vec![format!("sg-{}", cx.rng.token(b"0123456789abcdef", 17))]
        } else {
            security_groups.iter().map(|s| s.to_string()).collect()
        },
        maintenance_window: window.unwrap_or("sun:05:00-sun:06:00").to_ascii_lowercase(),
        sse,
        encryption,
        tags,
        status: "creating".into(),
        until_ms: Some(until),
        endpoint_id: cx.rng.token(b"abcdefghijklmnopqrstuvwxyz0123456789", 6),
        nodes: Vec::new(),
        next_node: 0,
        created_ms: cx.now_ms,
    };
    add_nodes(cx, &mut cluster, replication, azs.as_deref(), "creating", until);
    persist(cx, &cluster);
    schedule(cx, &cluster, until);
    let out = json!({ "Cluster": cluster.to_json(cx) });
    state.clusters.insert(name, cluster);
    Ok(out)
}

/// A page of `items` after `token` (the last name of the previous page), at most `max`.
pub fn page<'a, T>(items: impl Iterator<Item = (&'a String, T)>, token: Option<&str>, max: usize) -> (Vec<T>, Option<String>) {
    let mut out = Vec::new();
    let mut last = None;
    for (name, item) in items {
        if token.is_some_and(|t| name.as_str() <= t) {
            continue;
        }
        if out.len() == max {
            return (out, last);
        }
        last = Some(name.clone());
        out.push(item);
    }
    (out, None)
}

pub fn max_results(input: &Input, default: usize) -> Result<usize, AwsError> {
    match input.int("MaxResults")? {
        None => Ok(default),
        Some(n) if (20..=100).contains(&n) => Ok(n as usize),
        Some(n) => Err(errors::invalid_parameter_value(format!("MaxResults {n} is invalid: it must be between 20 and 100."))),
    }
}

pub fn describe_clusters(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let names = input.strings("ClusterNames")?;
    let max = max_results(input, 100)?;
    let token = input.string("NextToken")?;
    if let Some(names) = &names {
        for n in names {
            if !state.clusters.contains_key(&n.to_ascii_lowercase()) {
                return Err(errors::cluster_not_found(n));
            }
        }
    }
    let wanted = |name: &String| names.as_ref().is_none_or(|ns| ns.iter().any(|n| n.eq_ignore_ascii_case(name)));
    let (clusters, next) = page(state.clusters.iter().filter(|(n, _)| wanted(n)).map(|(n, c)| (n, c.to_json(cx))), token, max);
    let mut out = json!({ "Clusters": clusters });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

pub fn update_cluster(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("ClusterName")?;
    let description = input.string("Description")?;
    let group = input.string("ParameterGroupName")?;
    let window = input.string("PreferredMaintenanceWindow")?;
    let security_groups = input.strings("SecurityGroupIds")?;
    if input.string("NotificationTopicArn")?.is_some() || input.string("NotificationTopicStatus")?.is_some() {
        return Err(errors::invalid_parameter_value(
            "Gureum does not simulate Amazon SNS, so DAX cannot send notifications: leave NotificationTopicArn and NotificationTopicStatus out.",
        ));
    }
    if let Some(w) = window {
        check_window(w)?;
    }
    if let Some(gs) = &security_groups {
        for g in gs {
            if !g.starts_with("sg-") || g.len() < 4 {
                return Err(errors::invalid_parameter_value(format!("Invalid security group id {g}.")));
            }
        }
    }
    if let Some(g) = group {
        if !state.has_group(g) {
            return Err(errors::parameter_group_not_found(g));
        }
    }
    let cluster = available(state, name)?;
    if let Some(d) = description {
        cluster.description = d.to_string();
    }
    if let Some(w) = window {
        cluster.maintenance_window = w.to_ascii_lowercase();
    }
    if let Some(gs) = security_groups {
        if !gs.is_empty() {
            cluster.security_groups = gs.iter().map(|s| s.to_string()).collect();
        }
    }
    if let Some(g) = group {
        if g != cluster.parameter_group {
            // The new TTLs apply at once; the cluster shows the change being applied for a while.
            let until = cx.now_ms + model::MODIFYING_MS;
            cluster.parameter_group = g.to_string();
            cluster.parameter_apply_status = "applying".into();
            cluster.status = "modifying".into();
            cluster.until_ms = Some(until);
            let c = cluster.clone();
            schedule(cx, &c, until);
        }
    }
    let c = cluster.clone();
    persist(cx, &c);
    Ok(json!({ "Cluster": c.to_json(cx) }))
}

pub fn delete_cluster(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("ClusterName")?;
    let cluster = cluster_mut(state, name)?;
    if cluster.status == "deleting" {
        return Err(errors::invalid_cluster_state(&cluster.name, &cluster.status));
    }
    let until = cx.now_ms + model::DELETING_MS;
    cluster.status = "deleting".into();
    cluster.until_ms = Some(until);
    for n in &mut cluster.nodes {
        n.status = "deleting".into();
        n.until_ms = Some(until);
    }
    let c = cluster.clone();
    persist(cx, &c);
    schedule(cx, &c, until);
    let mut out = c.to_json(cx);
    // Nodes on their way out are not "to remove" from a cluster that goes as a whole.
    if let Some(o) = out.as_object_mut() {
        o.remove("NodeIdsToRemove");
    }
    Ok(json!({ "Cluster": out }))
}

pub fn increase_replication_factor(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("ClusterName")?;
    let target = input.required_int("NewReplicationFactor")?;
    let azs = input.strings("AvailabilityZones")?;
    if let Some(z) = &azs {
        check_zones(cx, z)?;
    }
    let total = region_nodes(state);
    let cluster = available(state, name)?;
    let current = cluster.nodes.len() as i64;
    if target <= current {
        return Err(errors::invalid_parameter_value(format!("NewReplicationFactor {target} must be greater than the cluster's current {current} nodes.")));
    }
    if target > MAX_NODES_PER_CLUSTER {
        return Err(errors::node_quota_for_cluster(MAX_NODES_PER_CLUSTER));
    }
    if let Some(z) = &azs {
        if z.len() as i64 != target - current {
            return Err(errors::invalid_parameter_combination("The number of Availability Zones must equal the number of nodes being added."));
        }
    }
    if total + (target - current) as usize > MAX_NODES_PER_REGION {
        return Err(errors::node_quota_for_customer(MAX_NODES_PER_REGION));
    }
    let until = cx.now_ms + model::ADDING_NODE_MS;
    add_nodes(cx, cluster, target - current, azs.as_deref(), "creating", until);
    cluster.status = "modifying".into();
    cluster.until_ms = Some(until);
    let c = cluster.clone();
    persist(cx, &c);
    schedule(cx, &c, until);
    Ok(json!({ "Cluster": c.to_json(cx) }))
}

pub fn decrease_replication_factor(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("ClusterName")?;
    let target = input.required_int("NewReplicationFactor")?;
    let azs = input.strings("AvailabilityZones")?;
    let ids = input.strings("NodeIdsToRemove")?;
    let cluster = available(state, name)?;
    let current = cluster.nodes.len() as i64;
    if target < 1 {
        return Err(errors::invalid_parameter_value("You cannot remove the last node of a DAX cluster: use DeleteCluster instead."));
    }
    if target >= current {
        return Err(errors::invalid_parameter_value(format!("NewReplicationFactor {target} must be less than the cluster's current {current} nodes.")));
    }
    let remove = (current - target) as usize;
    let mut chosen: Vec<String> = Vec::new();
    if let Some(ids) = &ids {
        for id in ids {
            if !cluster.nodes.iter().any(|n| n.id == *id) {
                return Err(errors::node_not_found(id));
            }
        }
        if ids.len() != remove {
            return Err(errors::invalid_parameter_combination(format!("NodeIdsToRemove must name {remove} nodes to go from {current} to {target}.")));
        }
        chosen = ids.iter().map(|s| s.to_string()).collect();
    } else if let Some(zs) = &azs {
        check_zones(cx, zs)?;
        for z in zs {
            let Some(n) = cluster.nodes.iter().rev().find(|n| n.az == *z && !chosen.contains(&n.id)) else {
                return Err(errors::invalid_parameter_value(format!("The cluster has no node left to remove in {z}.")));
            };
            chosen.push(n.id.clone());
        }
        if chosen.len() != remove {
            return Err(errors::invalid_parameter_combination(format!("AvailabilityZones must name {remove} zones to go from {current} to {target}.")));
        }
    } else {
        // The newest nodes go first; the primary (the first node) stays.
        chosen = cluster.nodes.iter().rev().take(remove).map(|n| n.id.clone()).collect();
    }
    let until = cx.now_ms + model::MODIFYING_MS;
    for n in &mut cluster.nodes {
        if chosen.contains(&n.id) {
            n.status = "deleting".into();
            n.until_ms = Some(until);
        }
    }
    cluster.status = "modifying".into();
    cluster.until_ms = Some(until);
    let c = cluster.clone();
    persist(cx, &c);
    schedule(cx, &c, until);
    Ok(json!({ "Cluster": c.to_json(cx) }))
}

/// RebootNode: the node is `rebooting` for a while. As AWS documents, a reboot restarts the DAX
/// engine process and does not remove the contents of the cache.
pub fn reboot_node(cx: &mut Cx, state: &mut RegionState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("ClusterName")?;
    let id = input.required_string("NodeId")?;
    let cluster = available(state, name)?;
    let until = cx.now_ms + model::REBOOTING_MS;
    let Some(node) = cluster.nodes.iter_mut().find(|n| n.id == id) else {
        return Err(errors::node_not_found(id));
    };
    if node.status != "available" {
        return Err(errors::invalid_parameter_value(format!("Node {id} is {}, not available.", node.status)));
    }
    node.status = "rebooting".into();
    node.until_ms = Some(until);
    let c = cluster.clone();
    persist(cx, &c);
    schedule(cx, &c, until);
    Ok(json!({ "Cluster": c.to_json(cx) }))
}

/// A transition timer: ends whatever transitions of the cluster are due. Returns true when the
/// cluster is gone (deleted).
pub fn settle(cx: &mut Cx, state: &mut RegionState, payload: &Value) -> Option<String> {
    let name = payload.get("settle")?.as_str()?;
    let created = payload.get("created")?.as_i64()?;
    let cluster = state.clusters.get_mut(name)?;
    if cluster.created_ms != created {
        return None;
    }
    let now = cx.now_ms;
    let due = |until: Option<i64>| until.is_some_and(|u| u <= now);
    if cluster.status == "deleting" && due(cluster.until_ms) {
        state.clusters.remove(name);
        cx.journal.delete(model::cluster_key(cx.region, name));
        events::record(cx, state, events::CLUSTER, name, "Cluster deleted");
        return Some(name.to_string());
    }
    let mut happened: Vec<(String, String)> = Vec::new();
    let creating = cluster.status == "creating";
    for n in cluster.nodes.iter().filter(|n| due(n.until_ms)) {
        match n.status.as_str() {
            "deleting" => happened.push((n.id.clone(), format!("Node {} removed from cluster {name}", n.id))),
            "rebooting" => happened.push((n.id.clone(), format!("Node {} rebooted", n.id))),
            "creating" if !creating => happened.push((n.id.clone(), format!("Node {} added to cluster {name}", n.id))),
            _ => {}
        }
    }
    cluster.nodes.retain(|n| !(n.status == "deleting" && due(n.until_ms)));
    for n in &mut cluster.nodes {
        if due(n.until_ms) {
            n.status = "available".into();
            n.until_ms = None;
        }
    }
    if due(cluster.until_ms) {
        if creating {
            happened.push((name.to_string(), format!("Cluster created with {} node(s)", cluster.nodes.len())));
        } else if cluster.parameter_apply_status == "applying" {
            happened.push((name.to_string(), format!("Parameter group {} applied", cluster.parameter_group)));
        }
        cluster.status = "available".into();
        cluster.parameter_apply_status = "in-sync".into();
        cluster.until_ms = None;
    }
    let c = cluster.clone();
    persist(cx, &c);
    for (source, message) in happened {
        events::record(cx, state, events::CLUSTER, &source, message);
    }
    None
}
