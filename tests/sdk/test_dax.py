"""Amazon DynamoDB Accelerator (DAX) through boto3 against `gureum serve`.

The control plane is `boto3.client("dax")` (JSON 1.1, AmazonDAXV3). The data plane is an
ordinary DynamoDB client whose endpoint_url ends in `/dax/{ClusterName}`: botocore keeps the
path, and the server sends the request to that cluster, which answers from its caches or asks
DynamoDB. (The real DAX clients speak DAX's binary protocol on port 8111; that is not simulated.)"""
import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, NO_RETRIES, SECRET_KEY, error_of, make_table

ROLE = "arn:aws:iam::123456789012:role/DAXServiceRole"


@pytest.fixture
def dax(server):
    return server.client(service="dax")


def dax_data(server, cluster):
    return boto3.client(
        "dynamodb", endpoint_url=f"{server.url}/dax/{cluster}", region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, config=NO_RETRIES,
    )


def available_cluster(server, dax, name="learn"):
    out = dax.create_cluster(ClusterName=name, NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=ROLE)
    assert out["Cluster"]["Status"] == "creating"
    server.control("AdvanceClock", {"seconds": 60})
    assert dax.describe_clusters(ClusterNames=[name])["Clusters"][0]["Status"] == "available"
    return out["Cluster"]


def test_control_plane(server, dax):
    c = available_cluster(server, dax, "Learn")
    assert c["ClusterName"] == "learn"
    assert c["ClusterArn"] == "arn:aws:dax:us-east-1:123456789012:cache/learn"
    assert c["ClusterDiscoveryEndpoint"]["Port"] == 8111
    assert c["Nodes"][0]["NodeId"] == "learn-a"
    with pytest.raises(ClientError) as e:
        dax.create_cluster(ClusterName="learn", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=ROLE)
    assert error_of(e)[0] == "ClusterAlreadyExistsFault"
    with pytest.raises(dax.exceptions.ClusterNotFoundFault):
        dax.describe_clusters(ClusterNames=["nope"])
    params = dax.describe_default_parameters()["Parameters"]
    assert {p["ParameterName"]: p["ParameterValue"] for p in params} == {"query-ttl-millis": "300000", "record-ttl-millis": "300000"}
    dax.create_parameter_group(ParameterGroupName="fast", Description="1 s")
    dax.update_parameter_group(ParameterGroupName="fast", ParameterNameValues=[{"ParameterName": "query-ttl-millis", "ParameterValue": "1000"}])
    assert dax.update_cluster(ClusterName="learn", ParameterGroupName="fast")["Cluster"]["Status"] == "modifying"
    with pytest.raises(dax.exceptions.InvalidParameterGroupStateFault):
        dax.delete_parameter_group(ParameterGroupName="fast")
    dax.tag_resource(ResourceName=c["ClusterArn"], Tags=[{"Key": "team", "Value": "a"}])
    assert dax.list_tags(ResourceName=c["ClusterArn"])["Tags"] == [{"Key": "team", "Value": "a"}]
    assert [g["SubnetGroupName"] for g in dax.describe_subnet_groups()["SubnetGroups"]] == ["default"]
    assert dax.delete_cluster(ClusterName="learn")["Cluster"]["Status"] == "deleting"
    server.control("AdvanceClock", {"seconds": 30})
    events = dax.describe_events(SourceName="learn")["Events"]
    # Deleted while the parameter group was being applied: that change never completed.
    assert [e["Message"] for e in events] == ["Cluster deleted", "Cluster created with 1 node(s)"]
    assert events[0]["SourceType"] == "CLUSTER" and events[0]["Date"] >= events[-1]["Date"]
    groups = dax.describe_events(SourceType="PARAMETER_GROUP", Duration=60)["Events"]
    assert [e["Message"] for e in groups] == ["Parameters updated: query-ttl-millis=1000", "Parameter group created"]
    with pytest.raises(dax.exceptions.InvalidParameterValueException):
        dax.describe_events(MaxResults=5)


def test_data_plane_through_the_endpoint_path_shows_a_stale_query(server, dax, ddb):
    make_table(ddb, "Orders", hash_key=("customer", "S"), range_key=("order", "N"))
    ddb.put_item(TableName="Orders", Item={"customer": {"S": "ana"}, "order": {"N": "1"}})
    available_cluster(server, dax)
    cached = dax_data(server, "learn")
    query = dict(TableName="Orders", KeyConditionExpression="customer = :c", ExpressionAttributeValues={":c": {"S": "ana"}})

    assert cached.query(**query)["Count"] == 1
    # A write through DAX updates the item cache, not the query cache.
    cached.put_item(TableName="Orders", Item={"customer": {"S": "ana"}, "order": {"N": "2"}})
    assert cached.get_item(TableName="Orders", Key={"customer": {"S": "ana"}, "order": {"N": "2"}})["Item"]["order"] == {"N": "2"}
    assert cached.query(**query)["Count"] == 1, "the cached Query is stale"
    assert ddb.query(**query)["Count"] == 2, "DynamoDB has both items"
    assert cached.query(**query, ConsistentRead=True)["Count"] == 2, "strongly consistent reads pass through"
    server.control("AdvanceClock", {"seconds": 300})
    assert cached.query(**query)["Count"] == 2, "after query-ttl-millis the query is asked again"

    stats = server.control("dax:GetCacheStats", {"ClusterName": "learn"})
    assert (stats["QueryCacheHits"], stats["QueryCacheMisses"], stats["PassThroughRequests"], stats["WriteThroughRequests"]) == (1, 2, 1, 1)
    outcomes = [(r["Operation"], r["Outcome"]) for r in server.control("dax:ListRequests", {"ClusterName": "learn"})["Requests"]]
    assert outcomes == [("Query", "MISS"), ("Query", "PASS_THROUGH"), ("Query", "HIT"), ("GetItem", "HIT"), ("PutItem", "WRITE_THROUGH"), ("Query", "MISS")]

    with pytest.raises(ClientError) as e:
        cached.describe_table(TableName="Orders")
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        dax_data(server, "nope").get_item(TableName="Orders", Key={"customer": {"S": "ana"}, "order": {"N": "1"}})
    assert error_of(e)[:2] == ("ClusterNotFoundFault", "DAX cluster nope not found in us-east-1.")
