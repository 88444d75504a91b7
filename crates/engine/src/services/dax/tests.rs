//! DAX behaviour on the virtual clock, with AWS's documented answers as the oracle.

use serde_json::{json, Value};

use crate::{Engine, EngineConfig, Request};

const T0: i64 = 1_000_000;
const REGION: &str = "us-east-1";
const ROLE: &str = "arn:aws:iam::123456789012:role/DAXServiceRole";

/// A sandbox and its host time, which tests move forward.
struct Sb {
    e: Engine,
    t: i64,
}

impl Sb {
    fn new() -> Self {
        Sb { e: Engine::new(EngineConfig::default(), T0), t: T0 }
    }

    fn call_on(&mut self, service: &str, op: &str, input: Value) -> Result<Value, crate::AwsError> {
        self.e.call(self.t, &Request::new(service, op, REGION, input))
    }

    fn dax(&mut self, op: &str, input: Value) -> Result<Value, crate::AwsError> {
        self.call_on("dax", op, input)
    }

    fn ok(&mut self, op: &str, input: Value) -> Value {
        self.dax(op, input).unwrap_or_else(|err| panic!("{op} failed: {err}"))
    }

    /// An error, which must leave no journal behind.
    fn err(&mut self, op: &str, input: Value) -> (String, String) {
        self.e.take_changes();
        let er = self.dax(op, input).expect_err("expected an error");
        assert!(self.e.take_changes().is_empty(), "{op} failed with {er} but journaled changes");
        (er.kind, er.message)
    }

    fn advance(&mut self, ms: i64) {
        self.t += ms;
        self.e.tick(self.t);
    }

    #[allow(dead_code)]
    fn control(&mut self, op: &str, input: Value) -> Result<Value, crate::AwsError> {
        self.e.control(self.t, op, &input)
    }

    fn cluster(&mut self, name: &str) -> Value {
        self.ok("DescribeClusters", json!({ "ClusterNames": [name] }))["Clusters"][0].clone()
    }

    /// A cluster, available.
    fn create(&mut self, name: &str, extra: Value) -> Value {
        let mut input = json!({ "ClusterName": name, "NodeType": "dax.t3.small", "ReplicationFactor": 1, "IamRoleArn": ROLE });
        if let (Some(o), Value::Object(x)) = (input.as_object_mut(), extra) {
            o.extend(x);
        }
        let out = self.ok("CreateCluster", input);
        self.advance(60_000);
        out["Cluster"].clone()
    }
}

#[test]
fn create_cluster_goes_from_creating_to_available_after_sixty_virtual_seconds() {
    let mut sb = Sb::new();
    let out = sb.ok("CreateCluster", json!({ "ClusterName": "MyCache", "NodeType": "dax.r5.large", "ReplicationFactor": 3, "IamRoleArn": ROLE, "Description": "d" }));
    let c = &out["Cluster"];
    assert_eq!(c["ClusterName"], "mycache", "names are stored in lower case");
    assert_eq!(c["Status"], "creating");
    assert_eq!(c["ClusterArn"], "arn:aws:dax:us-east-1:123456789012:cache/mycache");
    assert_eq!(c["TotalNodes"], 3);
    assert_eq!(c["ActiveNodes"], 0);
    let address = c["ClusterDiscoveryEndpoint"]["Address"].as_str().unwrap();
    let parts: Vec<&str> = address.split('.').collect();
    assert_eq!(parts[0], "mycache");
    assert_eq!(parts[1].len(), 6);
    assert_eq!(&parts[2..], ["dax-clusters", "us-east-1", "amazonaws", "com"]);
    assert_eq!(c["ClusterDiscoveryEndpoint"]["Port"], 8111);
    assert_eq!(c["ClusterDiscoveryEndpoint"]["URL"], format!("dax://{address}"));
    let ids: Vec<&str> = c["Nodes"].as_array().unwrap().iter().map(|n| n["NodeId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["mycache-a", "mycache-b", "mycache-c"]);
    let azs: Vec<&str> = c["Nodes"].as_array().unwrap().iter().map(|n| n["AvailabilityZone"].as_str().unwrap()).collect();
    assert_eq!(azs, ["us-east-1a", "us-east-1b", "us-east-1c"], "nodes spread over the zones");
    assert_eq!(c["ParameterGroup"]["ParameterGroupName"], "default.dax1.0");
    assert_eq!(c["SSEDescription"]["Status"], "DISABLED");
    assert_eq!(c["ClusterEndpointEncryptionType"], "NONE");
    sb.advance(59_999);
    assert_eq!(sb.cluster("mycache")["Status"], "creating");
    sb.advance(1);
    let c = sb.cluster("MYCACHE");
    assert_eq!(c["Status"], "available");
    assert_eq!(c["ActiveNodes"], 3);
    assert!(c["Nodes"].as_array().unwrap().iter().all(|n| n["NodeStatus"] == "available"));
}

#[test]
fn create_cluster_validates_like_aws() {
    let mut sb = Sb::new();
    let base = json!({ "ClusterName": "c1", "NodeType": "dax.t3.small", "ReplicationFactor": 1, "IamRoleArn": ROLE });
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        i
    };
    let without = |k: &str| {
        let mut i = base.clone();
        i.as_object_mut().unwrap().remove(k);
        i
    };
    assert_eq!(sb.err("CreateCluster", without("IamRoleArn")).0, "ValidationException");
    assert_eq!(sb.err("CreateCluster", without("ReplicationFactor")).0, "ValidationException");
    for bad in ["1abc", "a--b", "abc-", "", "a23456789012345678901", "a_b"] {
        assert_eq!(sb.err("CreateCluster", with("ClusterName", json!(bad))).0, "InvalidParameterValueException", "{bad}");
    }
    assert_eq!(sb.err("CreateCluster", with("NodeType", json!("cache.t3.small"))).0, "InvalidParameterValueException");
    assert_eq!(sb.err("CreateCluster", with("ReplicationFactor", json!(0))).0, "InvalidParameterValueException");
    assert_eq!(sb.err("CreateCluster", with("ReplicationFactor", json!(12))).0, "NodeQuotaForClusterExceededFault");
    assert_eq!(sb.err("CreateCluster", with("IamRoleArn", json!("role"))).0, "InvalidParameterValueException");
    assert_eq!(sb.err("CreateCluster", with("AvailabilityZones", json!(["us-east-1a", "us-east-1b"]))).0, "InvalidParameterCombinationException");
    assert_eq!(sb.err("CreateCluster", with("AvailabilityZones", json!(["eu-west-1a"]))).0, "InvalidParameterValueException");
    assert_eq!(sb.err("CreateCluster", with("ParameterGroupName", json!("nope"))).0, "ParameterGroupNotFoundFault");
    assert_eq!(sb.err("CreateCluster", with("SubnetGroupName", json!("nope"))).0, "SubnetGroupNotFoundFault");
    assert_eq!(sb.err("CreateCluster", with("ClusterEndpointEncryptionType", json!("SSL"))).0, "InvalidParameterValueException");
    assert_eq!(sb.err("CreateCluster", with("NotificationTopicArn", json!("arn:aws:sns:us-east-1:123456789012:t"))).0, "InvalidParameterValueException");
    assert_eq!(sb.err("CreateCluster", with("ReplicationFactor", json!("1"))).0, "SerializationException");
    sb.ok("CreateCluster", base.clone());
    assert_eq!(sb.err("CreateCluster", with("ClusterName", json!("C1"))).0, "ClusterAlreadyExistsFault");
    let tls = sb.create("secure", json!({ "ClusterEndpointEncryptionType": "TLS", "SSESpecification": { "Enabled": true } }));
    assert_eq!(tls["ClusterDiscoveryEndpoint"]["Port"], 9111);
    assert!(tls["ClusterDiscoveryEndpoint"]["URL"].as_str().unwrap().starts_with("daxs://"));
    assert_eq!(tls["SSEDescription"]["Status"], "ENABLED");
}

#[test]
fn describe_clusters_pages_and_names_missing_clusters() {
    let mut sb = Sb::new();
    for i in 0..25 {
        sb.ok("CreateCluster", json!({ "ClusterName": format!("c{i:02}"), "NodeType": "dax.t3.small", "ReplicationFactor": 1, "IamRoleArn": ROLE }));
    }
    let first = sb.ok("DescribeClusters", json!({ "MaxResults": 20 }));
    assert_eq!(first["Clusters"].as_array().unwrap().len(), 20);
    let next = first["NextToken"].as_str().unwrap().to_string();
    let second = sb.ok("DescribeClusters", json!({ "MaxResults": 20, "NextToken": next }));
    assert_eq!(second["Clusters"].as_array().unwrap().len(), 5);
    assert!(second.get("NextToken").is_none());
    assert_eq!(sb.err("DescribeClusters", json!({ "MaxResults": 5 })).0, "InvalidParameterValueException");
    assert_eq!(sb.err("DescribeClusters", json!({ "ClusterNames": ["nope"] })).0, "ClusterNotFoundFault");
}

#[test]
fn cluster_lifecycle_update_replication_reboot_delete() {
    let mut sb = Sb::new();
    sb.create("app", json!({}));
    sb.ok("CreateParameterGroup", json!({ "ParameterGroupName": "short-ttl", "Description": "one second" }));
    let out = sb.ok("UpdateCluster", json!({ "ClusterName": "app", "ParameterGroupName": "short-ttl", "Description": "new" }));
    assert_eq!(out["Cluster"]["Status"], "modifying");
    assert_eq!(out["Cluster"]["ParameterGroup"]["ParameterApplyStatus"], "applying");
    assert_eq!(out["Cluster"]["Description"], "new");
    assert_eq!(sb.err("IncreaseReplicationFactor", json!({ "ClusterName": "app", "NewReplicationFactor": 3 })).0, "InvalidClusterStateFault");
    sb.advance(10_000);
    let c = sb.cluster("app");
    assert_eq!(c["Status"], "available");
    assert_eq!(c["ParameterGroup"]["ParameterApplyStatus"], "in-sync");
    assert_eq!(sb.err("DeleteParameterGroup", json!({ "ParameterGroupName": "short-ttl" })).0, "InvalidParameterGroupStateFault");

    let out = sb.ok("IncreaseReplicationFactor", json!({ "ClusterName": "app", "NewReplicationFactor": 3 }));
    assert_eq!(out["Cluster"]["Status"], "modifying");
    assert_eq!(out["Cluster"]["TotalNodes"], 3);
    assert_eq!(out["Cluster"]["ActiveNodes"], 1);
    sb.advance(60_000);
    assert_eq!(sb.cluster("app")["ActiveNodes"], 3);
    assert_eq!(sb.err("DecreaseReplicationFactor", json!({ "ClusterName": "app", "NewReplicationFactor": 0 })).0, "InvalidParameterValueException");
    assert_eq!(sb.err("DecreaseReplicationFactor", json!({ "ClusterName": "app", "NewReplicationFactor": 2, "NodeIdsToRemove": ["app-z"] })).0, "NodeNotFoundFault");
    let out = sb.ok("DecreaseReplicationFactor", json!({ "ClusterName": "app", "NewReplicationFactor": 2, "NodeIdsToRemove": ["app-b"] }));
    assert_eq!(out["Cluster"]["NodeIdsToRemove"], json!(["app-b"]));
    sb.advance(10_000);
    let c = sb.cluster("app");
    let ids: Vec<&str> = c["Nodes"].as_array().unwrap().iter().map(|n| n["NodeId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["app-a", "app-c"]);
    // A node added later gets a new letter.
    sb.ok("IncreaseReplicationFactor", json!({ "ClusterName": "app", "NewReplicationFactor": 3, "AvailabilityZones": ["us-east-1b"] }));
    sb.advance(60_000);
    let c = sb.cluster("app");
    assert_eq!(c["Nodes"][2]["NodeId"], "app-d");
    assert_eq!(c["Nodes"][2]["AvailabilityZone"], "us-east-1b");

    let out = sb.ok("RebootNode", json!({ "ClusterName": "app", "NodeId": "app-a" }));
    assert_eq!(out["Cluster"]["Nodes"][0]["NodeStatus"], "rebooting");
    assert_eq!(sb.err("RebootNode", json!({ "ClusterName": "app", "NodeId": "app-q" })).0, "NodeNotFoundFault");
    sb.advance(10_000);
    assert_eq!(sb.cluster("app")["Nodes"][0]["NodeStatus"], "available");

    let out = sb.ok("DeleteCluster", json!({ "ClusterName": "app" }));
    assert_eq!(out["Cluster"]["Status"], "deleting");
    assert_eq!(sb.err("DeleteCluster", json!({ "ClusterName": "app" })).0, "InvalidClusterStateFault");
    sb.advance(30_000);
    assert_eq!(sb.err("DescribeClusters", json!({ "ClusterNames": ["app"] })).0, "ClusterNotFoundFault");
    assert_eq!(sb.err("DeleteCluster", json!({ "ClusterName": "app" })).0, "ClusterNotFoundFault");
    sb.ok("DeleteParameterGroup", json!({ "ParameterGroupName": "short-ttl" }));
}

#[test]
fn parameter_groups_hold_the_two_ttls() {
    let mut sb = Sb::new();
    let defaults = sb.ok("DescribeDefaultParameters", json!({}));
    let names: Vec<&str> = defaults["Parameters"].as_array().unwrap().iter().map(|p| p["ParameterName"].as_str().unwrap()).collect();
    assert_eq!(names, ["query-ttl-millis", "record-ttl-millis"]);
    assert!(defaults["Parameters"].as_array().unwrap().iter().all(|p| p["ParameterValue"] == "300000"));
    let groups = sb.ok("DescribeParameterGroups", json!({}));
    assert_eq!(groups["ParameterGroups"][0]["ParameterGroupName"], "default.dax1.0");
    let (kind, _) =
        sb.err("UpdateParameterGroup", json!({ "ParameterGroupName": "default.dax1.0", "ParameterNameValues": [{ "ParameterName": "query-ttl-millis", "ParameterValue": "1" }] }));
    assert_eq!(kind, "InvalidParameterGroupStateFault");
    assert_eq!(sb.err("DeleteParameterGroup", json!({ "ParameterGroupName": "default.dax1.0" })).0, "InvalidParameterGroupStateFault");
    sb.ok("CreateParameterGroup", json!({ "ParameterGroupName": "fast" }));
    assert_eq!(sb.err("CreateParameterGroup", json!({ "ParameterGroupName": "fast" })).0, "ParameterGroupAlreadyExistsFault");
    assert_eq!(sb.err("CreateParameterGroup", json!({ "ParameterGroupName": "9fast" })).0, "InvalidParameterValueException");
    for (name, value) in [("query-ttl-millis", "-1"), ("query-ttl-millis", "abc"), ("item-ttl", "5")] {
        let (kind, _) = sb.err("UpdateParameterGroup", json!({ "ParameterGroupName": "fast", "ParameterNameValues": [{ "ParameterName": name, "ParameterValue": value }] }));
        assert_eq!(kind, "InvalidParameterValueException", "{name}={value}");
    }
    assert_eq!(
        sb.err("UpdateParameterGroup", json!({ "ParameterGroupName": "nope", "ParameterNameValues": [{ "ParameterName": "query-ttl-millis", "ParameterValue": "0" }] })).0,
        "ParameterGroupNotFoundFault"
    );
    sb.ok("UpdateParameterGroup", json!({ "ParameterGroupName": "fast", "ParameterNameValues": [{ "ParameterName": "query-ttl-millis", "ParameterValue": "0" }, { "ParameterName": "record-ttl-millis", "ParameterValue": "1000" }] }));
    let params = sb.ok("DescribeParameters", json!({ "ParameterGroupName": "fast" }));
    assert_eq!(params["Parameters"][0]["ParameterValue"], "0");
    assert_eq!(params["Parameters"][1]["ParameterValue"], "1000");
    assert_eq!(sb.err("DescribeParameters", json!({ "ParameterGroupName": "nope" })).0, "ParameterGroupNotFoundFault");
    let subnets = sb.ok("DescribeSubnetGroups", json!({}));
    assert_eq!(subnets["SubnetGroups"][0]["SubnetGroupName"], "default");
    assert_eq!(subnets["SubnetGroups"][0]["Subnets"].as_array().unwrap().len(), 3);
    assert_eq!(sb.err("DescribeSubnetGroups", json!({ "SubnetGroupNames": ["x"] })).0, "SubnetGroupNotFoundFault");
}

#[test]
fn tags_by_arn() {
    let mut sb = Sb::new();
    let c = sb.create("tagged", json!({ "Tags": [{ "Key": "team", "Value": "a" }] }));
    let arn = c["ClusterArn"].as_str().unwrap().to_string();
    let out = sb.ok("TagResource", json!({ "ResourceName": arn, "Tags": [{ "Key": "env", "Value": "dev" }, { "Key": "team", "Value": "b" }] }));
    assert_eq!(out["Tags"], json!([{ "Key": "team", "Value": "b" }, { "Key": "env", "Value": "dev" }]));
    assert_eq!(sb.err("UntagResource", json!({ "ResourceName": arn, "TagKeys": ["nope"] })).0, "TagNotFoundFault");
    sb.ok("UntagResource", json!({ "ResourceName": arn, "TagKeys": ["team"] }));
    assert_eq!(sb.ok("ListTags", json!({ "ResourceName": arn }))["Tags"], json!([{ "Key": "env", "Value": "dev" }]));
    assert_eq!(sb.err("ListTags", json!({ "ResourceName": "tagged" })).0, "InvalidARNFault");
    assert_eq!(sb.err("ListTags", json!({ "ResourceName": "arn:aws:dax:us-east-1:123456789012:cache/other" })).0, "ClusterNotFoundFault");
}

#[test]
fn clusters_and_parameter_groups_survive_a_reload() {
    let mut sb = Sb::new();
    sb.create("kept", json!({}));
    sb.ok("CreateParameterGroup", json!({ "ParameterGroupName": "pg" }));
    sb.ok("CreateCluster", json!({ "ClusterName": "pending", "NodeType": "dax.t3.small", "ReplicationFactor": 1, "IamRoleArn": ROLE }));
    let before = sb.ok("DescribeClusters", json!({}));
    let mut restored = Sb { e: Engine::restore(EngineConfig::default(), sb.t, sb.e.snapshot()).unwrap(), t: sb.t };
    assert_eq!(restored.ok("DescribeClusters", json!({})), before);
    assert_eq!(restored.ok("DescribeParameterGroups", json!({}))["ParameterGroups"].as_array().unwrap().len(), 2);
    restored.advance(60_000);
    assert_eq!(restored.cluster("pending")["Status"], "available", "the creation timer survived the reload");
}

// The data plane.

const DAX: &str = "dax:app";

impl Sb {
    fn ddb(&mut self, op: &str, input: Value) -> Value {
        self.call_on("dynamodb", op, input).unwrap_or_else(|err| panic!("dynamodb {op} failed: {err}"))
    }

    fn via(&mut self, op: &str, input: Value) -> Value {
        self.call_on(DAX, op, input).unwrap_or_else(|err| panic!("dax {op} failed: {err}"))
    }

    /// A cluster `app` and a table `Tbl` (pk S, sk N) holding one item.
    fn with_table(extra: Value) -> Self {
        let mut sb = Sb::new();
        sb.create("app", extra);
        sb.ddb(
            "CreateTable",
            json!({ "TableName": "Tbl", "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{ "AttributeName": "pk", "AttributeType": "S" }, { "AttributeName": "sk", "AttributeType": "N" }],
                "KeySchema": [{ "AttributeName": "pk", "KeyType": "HASH" }, { "AttributeName": "sk", "KeyType": "RANGE" }] }),
        );
        sb.advance(1_000);
        sb.ddb("PutItem", json!({ "TableName": "Tbl", "Item": { "pk": { "S": "a" }, "sk": { "N": "1" }, "v": { "S": "one" } } }));
        sb
    }

    fn requests(&mut self) -> Vec<Value> {
        self.control("dax:ListRequests", json!({ "ClusterName": "app" })).unwrap()["Requests"].as_array().unwrap().clone()
    }

    fn last(&mut self) -> (String, String) {
        let r = self.requests()[0].clone();
        (r["Operation"].as_str().unwrap().to_string(), r["Outcome"].as_str().unwrap().to_string())
    }

    fn stats(&mut self) -> Value {
        self.control("dax:GetCacheStats", json!({ "ClusterName": "app" })).unwrap()
    }
}

fn key_a() -> Value {
    json!({ "TableName": "Tbl", "Key": { "pk": { "S": "a" }, "sk": { "N": "1" } } })
}

#[test]
fn get_item_misses_then_hits_and_caches_absence() {
    let mut sb = Sb::with_table(json!({}));
    let first = sb.via("GetItem", key_a());
    assert_eq!(first["Item"]["v"], json!({ "S": "one" }));
    assert_eq!(sb.last(), ("GetItem".into(), "MISS".into()));
    let second = sb.via("GetItem", json!({ "TableName": "Tbl", "Key": { "sk": { "N": "1.0" }, "pk": { "S": "a" } } }));
    assert_eq!(second, first, "the same key, however spelled, is one entry");
    assert_eq!(sb.last(), ("GetItem".into(), "HIT".into()));
    let r = &sb.requests()[0];
    assert_eq!(r["Cache"], "item");
    assert_eq!(r["TableName"], "Tbl");
    assert_eq!(r["Detail"], r#"{"sk":1.0,"pk":"a"}"#, "the key as the request spelled it");
    assert_eq!(r["DynamoDbMicros"], 0);
    // Negative caching: an absent item stays absent in DAX after it is written to DynamoDB directly.
    let missing = json!({ "TableName": "Tbl", "Key": { "pk": { "S": "b" }, "sk": { "N": "1" } } });
    assert_eq!(sb.via("GetItem", missing.clone()), json!({}));
    sb.ddb("PutItem", json!({ "TableName": "Tbl", "Item": { "pk": { "S": "b" }, "sk": { "N": "1" } } }));
    assert_eq!(sb.via("GetItem", missing.clone()), json!({}));
    assert_eq!(sb.last().1, "HIT");
    // A projection is another entry.
    let mut projected = key_a();
    projected["ProjectionExpression"] = json!("v");
    assert_eq!(sb.via("GetItem", projected.clone()), json!({ "Item": { "v": { "S": "one" } } }));
    assert_eq!(sb.last().1, "MISS");
    // A hit answers ConsumedCapacity with no units: DynamoDB was not read.
    let mut with_capacity = key_a();
    with_capacity["ReturnConsumedCapacity"] = json!("TOTAL");
    assert_eq!(sb.via("GetItem", with_capacity)["ConsumedCapacity"], json!({ "TableName": "Tbl", "CapacityUnits": 0.0 }));
    let s = sb.stats();
    assert_eq!((s["ItemCacheHits"].as_u64(), s["ItemCacheMisses"].as_u64(), s["ItemCacheEntries"].as_u64()), (Some(3), Some(3), Some(3)));
    assert_eq!(s["Minutes"][0]["ItemCacheHits"], 3);
    assert_eq!(s["Minutes"][0]["Minute"], sb.e.now_ms(sb.t) / 60_000);
}

#[test]
fn strongly_consistent_reads_pass_through_and_are_not_cached() {
    let mut sb = Sb::with_table(json!({}));
    sb.via("GetItem", key_a());
    sb.ddb("PutItem", json!({ "TableName": "Tbl", "Item": { "pk": { "S": "a" }, "sk": { "N": "1" }, "v": { "S": "two" } } }));
    let mut strong = key_a();
    strong["ConsistentRead"] = json!(true);
    assert_eq!(sb.via("GetItem", strong.clone())["Item"]["v"], json!({ "S": "two" }));
    assert_eq!(sb.last(), ("GetItem".into(), "PASS_THROUGH".into()));
    assert_eq!(sb.requests()[0]["Cache"], "none");
    assert_eq!(sb.via("GetItem", key_a())["Item"]["v"], json!({ "S": "one" }), "the eventually consistent entry is stale");
    let q = json!({ "TableName": "Tbl", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": { ":p": { "S": "a" } }, "ConsistentRead": true });
    sb.via("Query", q);
    assert_eq!(sb.last(), ("Query".into(), "PASS_THROUGH".into()));
    sb.via("TransactGetItems", json!({ "TransactItems": [{ "Get": key_a() }] }));
    assert_eq!(sb.last(), ("TransactGetItems".into(), "PASS_THROUGH".into()));
    assert_eq!(sb.stats()["PassThroughRequests"], 3);
}

#[test]
fn writes_go_through_and_update_the_item_cache() {
    let mut sb = Sb::with_table(json!({}));
    sb.via("GetItem", key_a());
    sb.via("PutItem", json!({ "TableName": "Tbl", "Item": { "pk": { "S": "a" }, "sk": { "N": "1.0" }, "v": { "S": "put" }, "n": { "N": "01" } } }));
    assert_eq!(sb.last(), ("PutItem".into(), "WRITE_THROUGH".into()));
    assert_eq!(sb.ddb("GetItem", key_a())["Item"]["v"], json!({ "S": "put" }), "written to DynamoDB");
    let got = sb.via("GetItem", key_a());
    assert_eq!(sb.last().1, "HIT");
    assert_eq!(got["Item"]["v"], json!({ "S": "put" }));
    assert_eq!(got["Item"]["n"], json!({ "N": "1" }), "numbers as DynamoDB stores them");
    let mut update = key_a();
    update["UpdateExpression"] = json!("SET v = :v");
    update["ExpressionAttributeValues"] = json!({ ":v": { "S": "updated" } });
    let out = sb.via("UpdateItem", update.clone());
    assert!(out.get("Attributes").is_none(), "the caller asked for no values: {out}");
    assert_eq!(sb.via("GetItem", key_a())["Item"]["v"], json!({ "S": "updated" }));
    assert_eq!(sb.last().1, "HIT");
    update["ReturnValues"] = json!("UPDATED_OLD");
    update["ExpressionAttributeValues"] = json!({ ":v": { "S": "again" } });
    assert_eq!(sb.via("UpdateItem", update)["Attributes"], json!({ "v": { "S": "updated" } }));
    assert_eq!(sb.via("GetItem", key_a())["Item"]["v"], json!({ "S": "again" }));
    assert_eq!(sb.last().1, "MISS", "an update answering old values drops the cached item");
    sb.via("DeleteItem", key_a());
    assert_eq!(sb.via("GetItem", key_a()), json!({}));
    // BatchWriteItem and TransactWriteItems too.
    sb.via("BatchWriteItem", json!({ "RequestItems": { "Tbl": [{ "PutRequest": { "Item": { "pk": { "S": "a" }, "sk": { "N": "1" }, "v": { "S": "batch" } } } }] } }));
    assert_eq!(sb.via("GetItem", key_a())["Item"]["v"], json!({ "S": "batch" }));
    assert_eq!(sb.last().1, "HIT");
    sb.via("TransactWriteItems", json!({ "TransactItems": [{ "Update": { "TableName": "Tbl", "Key": key_a()["Key"], "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": { ":v": { "S": "tx" } } } }] }));
    assert_eq!(sb.last(), ("TransactWriteItems".into(), "WRITE_THROUGH".into()));
    assert_eq!(sb.via("GetItem", key_a())["Item"]["v"], json!({ "S": "tx" }));
    assert_eq!(sb.last().1, "HIT", "DAX read the transaction's items back into the item cache");
    // DynamoDB's errors reach the caller unchanged.
    let mut failing = key_a();
    failing["ConditionExpression"] = json!("attribute_not_exists(pk)");
    failing["Item"] = failing["Key"].clone();
    let e = sb.call_on(DAX, "PutItem", failing).unwrap_err();
    assert_eq!(e.kind, "ConditionalCheckFailedException");
    assert_eq!(sb.last().1, "ERROR");
    assert_eq!(sb.requests()[0]["Detail"], "ConditionalCheckFailedException");
    let e = sb.call_on(DAX, "GetItem", json!({ "TableName": "Nope", "Key": { "pk": { "S": "a" } } })).unwrap_err();
    assert_eq!(e.kind, "ResourceNotFoundException");
    assert_eq!(sb.stats()["ErrorRequestCount"], 2);
}

#[test]
fn the_query_cache_stays_stale_after_a_write_until_its_ttl() {
    let mut sb = Sb::with_table(json!({}));
    let q = json!({ "TableName": "Tbl", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": { ":p": { "S": "a" } } });
    assert_eq!(sb.via("Query", q.clone())["Count"], 1);
    assert_eq!(sb.last(), ("Query".into(), "MISS".into()));
    sb.via("PutItem", json!({ "TableName": "Tbl", "Item": { "pk": { "S": "a" }, "sk": { "N": "2" } } }));
    assert_eq!(sb.via("Query", q.clone())["Count"], 1, "a write through DAX does not touch the query cache");
    assert_eq!(sb.last(), ("Query".into(), "HIT".into()));
    sb.via("Scan", json!({ "TableName": "Tbl" }));
    assert_eq!(sb.via("Scan", json!({ "TableName": "Tbl" }))["Count"], 2);
    assert_eq!(sb.last(), ("Scan".into(), "HIT".into()));
    sb.advance(299_000);
    assert_eq!(sb.via("Query", q.clone())["Count"], 1);
    sb.advance(1_000);
    assert_eq!(sb.via("Query", q.clone())["Count"], 2, "five minutes (query-ttl-millis) later the query is asked again");
    assert_eq!(sb.last().1, "MISS");
    let s = sb.stats();
    assert_eq!((s["QueryCacheHits"].as_u64(), s["QueryCacheMisses"].as_u64(), s["ScanCacheHits"].as_u64(), s["ScanCacheMisses"].as_u64()), (Some(2), Some(2), Some(1), Some(1)));
}

#[test]
fn item_ttl_comes_from_the_parameter_group_on_the_virtual_clock() {
    let mut sb = Sb::with_table(json!({}));
    sb.via("GetItem", key_a());
    sb.ddb("PutItem", json!({ "TableName": "Tbl", "Item": { "pk": { "S": "a" }, "sk": { "N": "1" }, "v": { "S": "new" } } }));
    sb.advance(299_999);
    assert_eq!(sb.via("GetItem", key_a())["Item"]["v"], json!({ "S": "one" }));
    sb.advance(1);
    assert_eq!(sb.via("GetItem", key_a())["Item"]["v"], json!({ "S": "new" }), "record-ttl-millis is 5 minutes by default");
    // A group of one's own: a 1 s record TTL and no query caching, applied at once.
    sb.ok("CreateParameterGroup", json!({ "ParameterGroupName": "fast" }));
    sb.ok("UpdateParameterGroup", json!({ "ParameterGroupName": "fast", "ParameterNameValues": [{ "ParameterName": "record-ttl-millis", "ParameterValue": "1000" }, { "ParameterName": "query-ttl-millis", "ParameterValue": "0" }] }));
    sb.ok("UpdateCluster", json!({ "ClusterName": "app", "ParameterGroupName": "fast" }));
    sb.ddb("PutItem", json!({ "TableName": "Tbl", "Item": { "pk": { "S": "a" }, "sk": { "N": "1" }, "v": { "S": "newer" } } }));
    assert_eq!(sb.via("GetItem", key_a())["Item"]["v"], json!({ "S": "new" }), "a modifying cluster still serves");
    sb.advance(1_000);
    assert_eq!(sb.via("GetItem", key_a())["Item"]["v"], json!({ "S": "newer" }));
    let q = json!({ "TableName": "Tbl", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": { ":p": { "S": "a" } } });
    sb.via("Query", q.clone());
    sb.via("Query", q);
    assert_eq!(sb.last().1, "MISS", "query-ttl-millis 0: queries are not cached");
    assert_eq!(sb.stats()["QueryCacheEntries"], 0);
    // record-ttl-millis 0: items never expire.
    sb.ok("UpdateParameterGroup", json!({ "ParameterGroupName": "fast", "ParameterNameValues": [{ "ParameterName": "record-ttl-millis", "ParameterValue": "0" }] }));
    sb.advance(86_400_000);
    sb.via("GetItem", key_a());
    assert_eq!(sb.last().1, "HIT");
}

#[test]
fn batch_get_item_mixes_hits_and_misses() {
    let mut sb = Sb::with_table(json!({}));
    sb.via("GetItem", key_a());
    sb.ddb("PutItem", json!({ "TableName": "Tbl", "Item": { "pk": { "S": "c" }, "sk": { "N": "3" } } }));
    let keys = json!({ "RequestItems": { "Tbl": { "Keys": [{ "pk": { "S": "a" }, "sk": { "N": "1" } }, { "pk": { "S": "c" }, "sk": { "N": "3" } }, { "pk": { "S": "z" }, "sk": { "N": "9" } }] } } });
    let out = sb.via("BatchGetItem", keys.clone());
    let mut got: Vec<String> = out["Responses"]["Tbl"].as_array().unwrap().iter().map(|i| i["pk"]["S"].as_str().unwrap().to_string()).collect();
    got.sort();
    assert_eq!(got, ["a", "c"]);
    assert_eq!(sb.requests()[0]["Detail"], "1 hits, 2 misses");
    let again = sb.via("BatchGetItem", keys);
    assert_eq!(again["Responses"]["Tbl"].as_array().unwrap().len(), 2);
    assert_eq!(sb.last(), ("BatchGetItem".into(), "HIT".into()));
    assert_eq!(sb.stats()["ItemCacheHits"], 4);
}

#[test]
fn the_data_plane_needs_an_available_cluster_and_serves_only_item_and_query_operations() {
    let mut sb = Sb::with_table(json!({}));
    let e = sb.call_on("dax:nope", "GetItem", key_a()).unwrap_err();
    assert_eq!(e.kind, "ClusterNotFoundFault");
    assert!(e.message.contains("nope"));
    let e = sb.call_on(DAX, "CreateTable", json!({})).unwrap_err();
    assert_eq!(e.kind, "ValidationException");
    assert!(e.message.contains("CreateTable"));
    assert_eq!(sb.call_on(DAX, "DescribeTable", json!({ "TableName": "Tbl" })).unwrap_err().kind, "ValidationException");
    sb.ok("CreateCluster", json!({ "ClusterName": "late", "NodeType": "dax.t3.small", "ReplicationFactor": 1, "IamRoleArn": ROLE }));
    let e = sb.call_on("dax:late", "GetItem", key_a()).unwrap_err();
    assert_eq!(e.kind, "InvalidClusterStateFault");
    assert!(e.message.contains("late") && e.message.contains("creating"), "{}", e.message);
    // RebootNode restarts the node's engine and keeps the cache (AWS: "does not remove the
    // contents of the cache"); a single-node cluster cannot serve while its node reboots.
    sb.via("GetItem", key_a());
    sb.ok("RebootNode", json!({ "ClusterName": "app", "NodeId": "app-a" }));
    assert_eq!(sb.call_on(DAX, "GetItem", key_a()).unwrap_err().kind, "InvalidClusterStateFault");
    sb.advance(10_000);
    sb.via("GetItem", key_a());
    assert_eq!(sb.last().1, "HIT");
    sb.ok("DeleteCluster", json!({ "ClusterName": "app" }));
    assert_eq!(sb.call_on(DAX, "GetItem", key_a()).unwrap_err().kind, "InvalidClusterStateFault");
    sb.advance(30_000);
    assert_eq!(sb.call_on(DAX, "GetItem", key_a()).unwrap_err().kind, "ClusterNotFoundFault");
    assert_eq!(sb.control("dax:GetCacheStats", json!({ "ClusterName": "app" })).unwrap_err().kind, "ClusterNotFoundFault");
    // A cluster created again under the name starts cold.
    sb.create("app", json!({}));
    sb.via("GetItem", key_a());
    assert_eq!(sb.last().1, "MISS");
    assert_eq!(sb.stats()["ItemCacheHits"], 0);
}

#[test]
fn latencies_are_deterministic_and_in_their_ranges() {
    let run = || {
        let mut sb = Sb::with_table(json!({}));
        for _ in 0..5 {
            sb.via("GetItem", key_a());
        }
        sb.via("PutItem", json!({ "TableName": "Tbl", "Item": { "pk": { "S": "x" }, "sk": { "N": "1" } } }));
        sb.requests()
    };
    let a = run();
    assert_eq!(a, run());
    for r in &a {
        let (total, ddb) = (r["LatencyMicros"].as_u64().unwrap(), r["DynamoDbMicros"].as_u64().unwrap());
        let dax = total - ddb;
        assert!((200..=600).contains(&dax), "{r}");
        match r["Outcome"].as_str().unwrap() {
            "HIT" => assert_eq!(ddb, 0),
            "MISS" => assert!((3_000..=9_000).contains(&ddb), "{r}"),
            // DescribeTable (the key schema), then PutItem.
            "WRITE_THROUGH" => assert!((6_000..=18_000).contains(&ddb), "{r}"),
            o => panic!("{o}"),
        }
    }
    assert_eq!(a.iter().filter(|r| r["Outcome"] == "HIT").count(), 4);
}

#[test]
fn a_reloaded_sandbox_keeps_its_clusters_but_starts_with_cold_caches() {
    let mut sb = Sb::with_table(json!({}));
    sb.via("GetItem", key_a());
    let hits_journal = {
        sb.e.take_changes();
        sb.via("GetItem", key_a());
        sb.e.take_changes()
    };
    assert!(hits_journal.is_empty(), "a cache hit journals nothing: {hits_journal:?}");
    let mut restored = Sb { e: Engine::restore(EngineConfig::default(), sb.t, sb.e.snapshot()).unwrap(), t: sb.t };
    assert_eq!(restored.cluster("app")["Status"], "available");
    assert_eq!(restored.stats()["ItemCacheEntries"], 0);
    restored.via("GetItem", key_a());
    assert_eq!(restored.last().1, "MISS");
}

#[test]
fn garbage_gets_errors_not_panics() {
    let mut sb = Sb::with_table(json!({}));
    let ops = [
        "CreateCluster",
        "DescribeClusters",
        "UpdateCluster",
        "DeleteCluster",
        "IncreaseReplicationFactor",
        "DecreaseReplicationFactor",
        "RebootNode",
        "CreateParameterGroup",
        "DescribeParameterGroups",
        "UpdateParameterGroup",
        "DeleteParameterGroup",
        "DescribeParameters",
        "DescribeDefaultParameters",
        "DescribeSubnetGroups",
        "TagResource",
        "UntagResource",
        "ListTags",
        "DescribeEvents",
        "CreateSubnetGroup",
        "Nope",
    ];
    let inputs = [
        json!(null),
        json!([]),
        json!(7),
        json!({ "ClusterName": 5 }),
        json!({ "ClusterName": "app", "NewReplicationFactor": 1e30 }),
        json!({ "ClusterName": "app", "Tags": [1], "TagKeys": "x", "ResourceName": {} }),
        json!({ "ParameterNameValues": [{ "ParameterName": 1 }], "ParameterGroupName": "x" }),
        json!({ "MaxResults": -1, "NextToken": "\u{0}" }),
        json!({ "SSESpecification": {}, "ClusterName": "x", "NodeType": "dax.t3.small", "ReplicationFactor": 1, "IamRoleArn": ROLE }),
    ];
    for op in ops {
        for input in &inputs {
            let _ = sb.dax(op, input.clone());
        }
    }
    let data_ops = ["GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "ListTables"];
    let data_inputs = [
        json!(null),
        json!({}),
        json!({ "TableName": "Tbl", "Key": [] }),
        json!({ "TableName": "Tbl", "Key": { "pk": { "Q": 1 } } }),
        json!({ "RequestItems": { "Tbl": { "Keys": [{}] } } }),
        json!({ "RequestItems": { "Tbl": [{ "PutRequest": { "Item": 3 } }] } }),
        json!({ "TransactItems": [{ "Put": { "TableName": "Tbl", "Item": { "pk": { "S": "a" } } } }, 5] }),
        json!({ "TableName": "Tbl", "ConsistentRead": "yes" }),
    ];
    for op in data_ops {
        for input in &data_inputs {
            let _ = sb.call_on(DAX, op, input.clone());
        }
    }
    for op in ["dax:GetCacheStats", "dax:ListRequests", "dax:Nope"] {
        for input in [json!({}), json!({ "ClusterName": "app", "Limit": 0 }), json!({ "ClusterName": "app", "Limit": "x" }), json!({ "ClusterName": 3 })] {
            let _ = sb.control(op, input);
        }
    }
    assert!(sb.control("dax:ListRequests", json!({ "ClusterName": "app", "Limit": 501 })).is_err());
    assert!(sb.dax("DescribeClusters", json!({})).is_ok());
}

#[test]
fn describe_events_tells_what_happened_newest_first_and_survives_a_reload() {
    let mut sb = Sb::new();
    sb.create("app", json!({ "ReplicationFactor": 2 }));
    sb.advance(1_000);
    sb.ok("CreateParameterGroup", json!({ "ParameterGroupName": "short" }));
    sb.ok("UpdateParameterGroup", json!({ "ParameterGroupName": "short", "ParameterNameValues": [{ "ParameterName": "query-ttl-millis", "ParameterValue": "1000" }] }));
    sb.ok("UpdateCluster", json!({ "ClusterName": "app", "ParameterGroupName": "short" }));
    sb.advance(10_000);
    sb.ok("RebootNode", json!({ "ClusterName": "app", "NodeId": "app-b" }));
    sb.advance(10_000);
    sb.ok("IncreaseReplicationFactor", json!({ "ClusterName": "app", "NewReplicationFactor": 3 }));
    sb.advance(60_000);
    sb.ok("DecreaseReplicationFactor", json!({ "ClusterName": "app", "NewReplicationFactor": 2, "NodeIdsToRemove": ["app-c"] }));
    sb.advance(10_000);
    let all = sb.ok("DescribeEvents", json!({}));
    let list: Vec<(String, String, String)> = all["Events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["SourceType"].as_str().unwrap().into(), e["SourceName"].as_str().unwrap().into(), e["Message"].as_str().unwrap().into()))
        .collect();
    let expect = [
        ("CLUSTER", "app-c", "Node app-c removed from cluster app"),
        ("CLUSTER", "app-c", "Node app-c added to cluster app"),
        ("CLUSTER", "app-b", "Node app-b rebooted"),
        ("CLUSTER", "app", "Parameter group short applied"),
        ("PARAMETER_GROUP", "short", "Parameters updated: query-ttl-millis=1000"),
        ("PARAMETER_GROUP", "short", "Parameter group created"),
        ("CLUSTER", "app", "Cluster created with 2 node(s)"),
    ];
    let expect: Vec<(String, String, String)> = expect.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(list, expect);
    assert!(all.get("NextToken").is_none());
    let dates: Vec<f64> = all["Events"].as_array().unwrap().iter().map(|e| e["Date"].as_f64().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first: {dates:?}");

    // Filters: by source, by type, by window.
    let by_name = sb.ok("DescribeEvents", json!({ "SourceName": "app" }));
    assert_eq!(by_name["Events"].as_array().unwrap().len(), 2);
    let groups = sb.ok("DescribeEvents", json!({ "SourceType": "PARAMETER_GROUP" }));
    assert_eq!(groups["Events"].as_array().unwrap().len(), 2);
    let last_minute = sb.ok("DescribeEvents", json!({ "Duration": 1 }));
    assert_eq!(last_minute["Events"].as_array().unwrap().len(), 2, "the node added and removed in the last minute: {last_minute}");
    let created = all["Events"][6]["Date"].as_f64().unwrap();
    let window = sb.ok("DescribeEvents", json!({ "StartTime": created, "EndTime": created }));
    assert_eq!(window["Events"][0]["Message"], "Cluster created with 2 node(s)");

    // Paging: 20 a page at least; 25 parameter changes make two pages.
    for i in 0..25 {
        sb.ok(
            "UpdateParameterGroup",
            json!({ "ParameterGroupName": "short", "ParameterNameValues": [{ "ParameterName": "record-ttl-millis", "ParameterValue": format!("{}", 1000 + i) }] }),
        );
    }
    let p1 = sb.ok("DescribeEvents", json!({ "MaxResults": 20 }));
    assert_eq!(p1["Events"].as_array().unwrap().len(), 20);
    assert_eq!(p1["Events"][0]["Message"], "Parameters updated: record-ttl-millis=1024");
    let p2 = sb.ok("DescribeEvents", json!({ "MaxResults": 20, "NextToken": p1["NextToken"] }));
    assert_eq!(p2["Events"].as_array().unwrap().len(), 12);
    assert_eq!(p2["Events"][0]["Message"], "Parameters updated: record-ttl-millis=1004");
    assert!(p2.get("NextToken").is_none());

    // Bad input.
    assert_eq!(sb.err("DescribeEvents", json!({ "SourceType": "NODE" })).0, "ValidationException");
    assert_eq!(sb.err("DescribeEvents", json!({ "MaxResults": 5 })).0, "InvalidParameterValueException");
    assert_eq!(sb.err("DescribeEvents", json!({ "StartTime": created + 10.0, "EndTime": created })).0, "InvalidParameterCombinationException");
    assert_eq!(sb.err("DescribeEvents", json!({ "NextToken": "zz" })).0, "InvalidParameterValueException");
    assert_eq!(sb.err("DescribeEvents", json!({ "StartTime": "yesterday" })).0, "SerializationException");

    // Deleting the cluster is an event too; events are records and survive a reload.
    sb.ok("DeleteCluster", json!({ "ClusterName": "app" }));
    sb.advance(30_000);
    let mut restored = Sb { e: Engine::restore(EngineConfig::default(), sb.t, sb.e.snapshot()).unwrap(), t: sb.t };
    let again = restored.ok("DescribeEvents", json!({ "SourceName": "app" }));
    assert_eq!(again["Events"][0]["Message"], "Cluster deleted");
    assert_eq!(again["Events"].as_array().unwrap().len(), 3);

    // Kept 14 days; the default window is the last 24 hours.
    restored.advance(25 * 3_600_000);
    assert_eq!(restored.ok("DescribeEvents", json!({}))["Events"].as_array().unwrap().len(), 0);
    let two_days = restored.ok("DescribeEvents", json!({ "Duration": 48 * 60 }));
    assert_eq!(two_days["Events"].as_array().unwrap().len(), 33, "every event of the last two days");
    restored.advance(14 * 24 * 3_600_000);
    restored.ok("CreateParameterGroup", json!({ "ParameterGroupName": "later" }));
    let all = restored.ok("DescribeEvents", json!({ "StartTime": 0 }));
    assert_eq!(all["Events"].as_array().unwrap().len(), 1, "older events are gone: {all}");
}
