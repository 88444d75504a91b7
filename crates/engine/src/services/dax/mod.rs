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

pub mod clusters;
pub mod errors;
pub mod input;
pub mod model;
pub mod params;
pub mod tags;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::kernel::{
    error::AwsError,
    journal::Record,
    scheduler::Timer,
    service::{Cx, Service},
};
use model::{Cluster, ParameterGroup};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct RegionState {
    pub clusters: BTreeMap<String, Cluster>,
    /// Parameter groups of the account's own (the default one is not stored).
    pub groups: BTreeMap<String, ParameterGroup>,
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

#[derive(Default)]
pub struct Dax {
    regions: BTreeMap<String, RegionState>,
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
            "DescribeEvents" => Err(AwsError::unknown_operation("Gureum does not implement DAX's DescribeEvents yet.")),
            _ => Err(AwsError::unknown_operation("")),
        }
    }
}

impl Service for Dax {
    fn name(&self) -> &'static str {
        "dax"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        self.control_plane(cx, operation, input)
    }

    fn fire(&mut self, cx: &mut Cx, timer: &Timer) {
        let state = self.region_mut(&timer.region);
        clusters::settle(cx, state, &timer.payload);
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (region, state) in &self.regions {
            for (name, c) in &state.clusters {
                out.push(Record { key: model::cluster_key(region, name), value: serde_json::to_vec(c).unwrap_or_default() });
            }
            for (name, g) in &state.groups {
                out.push(Record { key: model::parameter_group_key(region, name), value: serde_json::to_vec(g).unwrap_or_default() });
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
            _ => return Err("unknown DAX record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.regions.clear();
    }
}

#[cfg(test)]
mod tests;
