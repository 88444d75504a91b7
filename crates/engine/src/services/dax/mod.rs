//! Amazon DynamoDB Accelerator (DAX). The control plane is JSON 1.1 (`AmazonDAXV3`, endpoint
//! `dax`); the data plane is DynamoDB's own API, addressed to the engine service name
//! `dax:{ClusterName}` (answered here through [`Service::answers`]; `gureum serve` routes
//! `/dax/{ClusterName}` there).
//!
//! State: per region, clusters and parameter groups (records `dax/{region}/cluster/{name}` and
//! `dax/{region}/parameter-group/{name}`, JSON); the default parameter group `default.dax1.0`
//! and the default subnet group are built in. Transitions (creating, modifying, deleting, a
//! node rebooting or being added) end on timers on the virtual clock (see [`model`]).
//! The cache contents, statistics and the request log are runtime state, not records: a
//! reloaded sandbox starts with cold caches.

pub mod cache;
pub mod clusters;
pub mod data;
pub mod errors;
pub mod events;
pub mod input;
pub mod model;
pub mod params;
pub mod tags;

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    scheduler::Timer,
    service::{Cx, Service},
};
use model::{Cluster, ParameterGroup};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct RegionState {
    pub clusters: BTreeMap<String, Cluster>,
    /// Parameter groups of the account's own (the default one is not stored).
    pub groups: BTreeMap<String, ParameterGroup>,
    /// The last 14 days of events, oldest first.
    pub events: Vec<events::Event>,
}

impl RegionState {
    pub fn has_group(&self, name: &str) -> bool {
        self.group(name).is_some()
    }

    /// A parameter group by name, the default one included.
    pub fn group(&self, name: &str) -> Option<ParameterGroup> {
        if name == model::DEFAULT_PARAMETER_GROUP {
            return Some(ParameterGroup::default_group());
        }
        self.groups.get(&name.to_ascii_lowercase()).cloned()
    }
}

/// The data plane's engine service name for a cluster: `dax:{ClusterName}`.
pub const DATA_PREFIX: &str = "dax:";

#[derive(Default)]
pub struct Dax {
    regions: BTreeMap<String, RegionState>,
    /// Each cluster's caches, by region and cluster name (runtime state, see [`cache`]).
    caches: HashMap<(String, String), cache::ClusterCache>,
}

/// Operations of the DAX API that need a VPC the sandbox does not have.
const NO_VPC: &[&str] = &["CreateSubnetGroup", "UpdateSubnetGroup", "DeleteSubnetGroup"];

impl Dax {
    pub fn region(&self, region: &str) -> Option<&RegionState> {
        self.regions.get(region)
    }

    fn region_mut(&mut self, region: &str) -> &mut RegionState {
        self.regions.entry(region.to_string()).or_default()
    }

    /// The cluster's TTLs (record, query) if the data plane may use it now.
    fn serving(&mut self, cx: &Cx, name: &str) -> Result<(i64, i64), AwsError> {
        let state = self.regions.get(cx.region);
        let Some(cluster) = state.and_then(|s| s.clusters.get(name)) else {
            return Err(errors::data_cluster_not_found(name, cx.region));
        };
        cluster.serving().map_err(|why| errors::data_cluster_unavailable(name, &why))?;
        Ok(self.ttls(cx, name))
    }

    /// The TTLs (record, query) of the cluster's parameter group.
    fn ttls(&self, cx: &Cx, name: &str) -> (i64, i64) {
        let state = self.regions.get(cx.region);
        let group = state.and_then(|s| s.clusters.get(name).and_then(|c| s.group(&c.parameter_group))).unwrap_or_else(ParameterGroup::default_group);
        (group.record_ttl_millis, group.query_ttl_millis)
    }

    /// The cluster's caches; a cluster created again under the same name starts cold.
    fn cache(&mut self, region: &str, name: &str) -> &mut cache::ClusterCache {
        let created = self.regions.get(region).and_then(|s| s.clusters.get(name)).map_or(0, |c| c.created_ms);
        let entry = self.caches.entry((region.to_string(), name.to_string())).or_insert_with(|| cache::ClusterCache::new(name, created));
        if entry.created_ms != created {
            *entry = cache::ClusterCache::new(name, created);
        }
        entry
    }

    /// The control operations of the sandbox's DAX panel: `dax:GetCacheStats` and
    /// `dax:ListRequests` {ClusterName, Limit?}.
    fn control_ops(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        let invalid = |m: String| AwsError::new("gureum", "ValidationException", m, 400);
        let name = input.get("ClusterName").and_then(Value::as_str).ok_or_else(|| invalid("'ClusterName' is required".into()))?.to_ascii_lowercase();
        if !self.regions.get(cx.region).is_some_and(|s| s.clusters.contains_key(&name)) {
            return Err(errors::cluster_not_found(&name));
        }
        match operation {
            "GetCacheStats" => {
                let (record_ttl, query_ttl) = self.ttls(cx, &name);
                let now = cx.now_ms;
                Ok(self.cache(cx.region, &name).stats(now, record_ttl, query_ttl))
            }
            "ListRequests" => {
                let limit = match input.get("Limit") {
                    None | Some(Value::Null) => 50,
                    Some(v) => match v.as_u64() {
                        Some(n) if (1..=500).contains(&n) => n as usize,
                        _ => return Err(invalid("'Limit' must be an integer from 1 to 500".into())),
                    },
                };
                Ok(self.cache(cx.region, &name).requests(limit))
            }
            _ => Err(AwsError::new("gureum", "UnknownOperationException", format!("Unknown control operation 'dax:{operation}'."), 400)),
        }
    }

    fn control_plane(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        let input = input::Input::new(input)?;
        let state = self.region_mut(cx.region);
        match operation {
            "CreateCluster" => clusters::create_cluster(cx, state, &input),
            "DescribeClusters" => clusters::describe_clusters(cx, state, &input),
            "UpdateCluster" => clusters::update_cluster(cx, state, &input),
            "DeleteCluster" => clusters::delete_cluster(cx, state, &input),
            "IncreaseReplicationFactor" => clusters::increase_replication_factor(cx, state, &input),
            "DecreaseReplicationFactor" => clusters::decrease_replication_factor(cx, state, &input),
            "RebootNode" => clusters::reboot_node(cx, state, &input),
            "CreateParameterGroup" => params::create_parameter_group(cx, state, &input),
            "DescribeParameterGroups" => params::describe_parameter_groups(cx, state, &input),
            "UpdateParameterGroup" => params::update_parameter_group(cx, state, &input),
            "DeleteParameterGroup" => params::delete_parameter_group(cx, state, &input),
            "DescribeParameters" => params::describe_parameters(cx, state, &input),
            "DescribeDefaultParameters" => params::describe_default_parameters(cx, state, &input),
            "DescribeSubnetGroups" => params::describe_subnet_groups(cx, state, &input),
            "TagResource" => tags::tag_resource(cx, state, &input),
            "UntagResource" => tags::untag_resource(cx, state, &input),
            "ListTags" => tags::list_tags(cx, state, &input),
            op if NO_VPC.contains(&op) => {
                Err(errors::invalid_parameter_value(format!("Gureum does not simulate VPCs, so DAX's {op} is not available: clusters use the built-in subnet group 'default'.")))
            }
            "DescribeEvents" => events::describe_events(cx, state, &input),
            _ => Err(AwsError::unknown_operation("")),
        }
    }
}

impl Service for Dax {
    fn name(&self) -> &'static str {
        "dax"
    }

    fn answers(&self, name: &str) -> bool {
        name == "dax" || name.strip_prefix(DATA_PREFIX).is_some_and(|c| !c.is_empty())
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        self.control_plane(cx, operation, input)
    }

    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        match cx.endpoint.strip_prefix(DATA_PREFIX) {
            Some(cluster) => {
                let cluster = cluster.to_ascii_lowercase();
                data::call_step(self, cx, &cluster, operation, input)
            }
            None => self.control_plane(cx, operation, input).map(Step::Done),
        }
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let Ok(cont) = then.downcast::<data::Cont>() else {
            return Err(AwsError::internal("DAX resumed with another service's continuation"));
        };
        let cluster = cx.endpoint.strip_prefix(DATA_PREFIX).unwrap_or("").to_ascii_lowercase();
        data::resume(self, cx, &cluster, *cont, result)
    }

    fn control(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        self.control_ops(cx, operation, input)
    }

    fn fire(&mut self, cx: &mut Cx, timer: &Timer) {
        let region = timer.region.clone();
        let state = self.region_mut(&region);
        if let Some(gone) = clusters::settle(cx, state, &timer.payload) {
            self.caches.remove(&(region, gone));
        }
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (region, state) in &self.regions {
            for (name, c) in &state.clusters {
                out.push(Record { key: model::cluster_key(region, name), value: serde_json::to_vec(c).unwrap_or_default() });
            }
            for (name, g) in &state.groups {
                out.push(Record { key: model::parameter_group_key(region, name), value: serde_json::to_vec(g).unwrap_or_default() });
            }
            for e in &state.events {
                out.push(Record { key: events::key(region, e.date_ms, e.seq), value: serde_json::to_vec(e).unwrap_or_default() });
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["dax", region, "cluster", name] => {
                let c: Cluster = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if c.name != *name {
                    return Err("cluster record under another name".into());
                }
                self.region_mut(region).clusters.insert(name.to_string(), c);
            }
            ["dax", region, "parameter-group", name] => {
                let g: ParameterGroup = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if g.name != *name {
                    return Err("parameter group record under another name".into());
                }
                self.region_mut(region).groups.insert(name.to_string(), g);
            }
            ["dax", region, "event", _] => {
                let e: events::Event = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if events::key(region, e.date_ms, e.seq) != key {
                    return Err("event record under another key".into());
                }
                let list = &mut self.region_mut(region).events;
                let at = list.partition_point(|x| (x.date_ms, x.seq) < (e.date_ms, e.seq));
                list.insert(at, e);
            }
            _ => return Err("unknown DAX record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.regions.clear();
        self.caches.clear();
    }
}

#[cfg(test)]
mod tests;
