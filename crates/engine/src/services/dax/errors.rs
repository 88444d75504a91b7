//! DAX's errors. The control plane (JSON 1.1, `AmazonDAXV3`) answers with bare fault codes in
//! `__type` (`ClusterNotFoundFault`), as the API reference lists them per operation; all are
//! HTTP 400. The data plane answers DynamoDB's own errors unchanged, plus the few of its own
//! below (unknown cluster, cluster not available, operation DAX does not serve).

use crate::kernel::error::AwsError;

fn fault(kind: &str, message: impl Into<String>) -> AwsError {
    AwsError::new("", kind, message, 400)
}

pub fn invalid_parameter_value(message: impl Into<String>) -> AwsError {
    fault("InvalidParameterValueException", message)
}

pub fn invalid_parameter_combination(message: impl Into<String>) -> AwsError {
    fault("InvalidParameterCombinationException", message)
}

/// Coral's message for a required member that is absent.
pub fn missing(member: &str) -> AwsError {
    let lower = format!("{}{}", member[..1].to_ascii_lowercase(), &member[1..]);
    AwsError::validation(format!("1 validation error detected: Value null at '{lower}' failed to satisfy constraint: Member must not be null"))
}

pub fn cluster_not_found(name: &str) -> AwsError {
    fault("ClusterNotFoundFault", format!("Cluster {name} not found."))
}

pub fn cluster_already_exists(name: &str) -> AwsError {
    fault("ClusterAlreadyExistsFault", format!("Cluster {name} already exists."))
}

pub fn invalid_cluster_state(name: &str, status: &str) -> AwsError {
    fault("InvalidClusterStateFault", format!("Cluster {name} is {status}, not available."))
}

pub fn node_not_found(id: &str) -> AwsError {
    fault("NodeNotFoundFault", format!("Node {id} not found."))
}

pub fn node_quota_for_cluster(max: i64) -> AwsError {
    fault("NodeQuotaForClusterExceededFault", format!("A DAX cluster can have at most {max} nodes."))
}

pub fn node_quota_for_customer(max: usize) -> AwsError {
    fault("NodeQuotaForCustomerExceededFault", format!("You have reached the quota of {max} DAX nodes in this Region."))
}

pub fn parameter_group_not_found(name: &str) -> AwsError {
    fault("ParameterGroupNotFoundFault", format!("Parameter group {name} not found."))
}

pub fn parameter_group_already_exists(name: &str) -> AwsError {
    fault("ParameterGroupAlreadyExistsFault", format!("Parameter group {name} already exists."))
}

pub fn parameter_group_quota(max: usize) -> AwsError {
    fault("ParameterGroupQuotaExceededFault", format!("You have reached the quota of {max} DAX parameter groups in this Region."))
}

pub fn invalid_parameter_group_state(message: impl Into<String>) -> AwsError {
    fault("InvalidParameterGroupStateFault", message)
}

pub fn subnet_group_not_found(name: &str) -> AwsError {
    fault("SubnetGroupNotFoundFault", format!("Subnet group {name} not found."))
}

pub fn invalid_arn(arn: &str) -> AwsError {
    fault("InvalidARNFault", format!("Invalid ARN: {arn}"))
}

pub fn tag_not_found(key: &str) -> AwsError {
    fault("TagNotFoundFault", format!("Tag with key {key} not found."))
}

pub fn tag_quota() -> AwsError {
    fault("TagQuotaPerResourceExceeded", "A DAX resource can have at most 50 tags.")
}

// The data plane's own errors, sent to a DynamoDB client.

pub fn data_cluster_not_found(name: &str, region: &str) -> AwsError {
    AwsError::new("com.amazonaws.dax", "ClusterNotFoundFault", format!("DAX cluster {name} not found in {region}."), 400)
}

pub fn data_cluster_unavailable(name: &str, why: &str) -> AwsError {
    AwsError::new("com.amazonaws.dax", "InvalidClusterStateFault", format!("DAX cluster {name} is {why}: it serves requests only when available."), 400)
}

pub fn data_unsupported(operation: &str) -> AwsError {
    AwsError::validation(format!(
        "DAX does not support the operation {operation}: it serves GetItem, BatchGetItem, Query, Scan, PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactGetItems and TransactWriteItems. Send {operation} to DynamoDB."
    ))
}
