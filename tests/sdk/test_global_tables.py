"""DynamoDB global tables (version 2019.11.21) through boto3: two clients with different
region_name against one endpoint. UpdateTable ReplicaUpdates adds a replica (CREATING, then
ACTIVE, with the items copied), DescribeTable shows Replicas and GlobalTableVersion in both
regions, writes replicate both ways after the virtual lag, the last writer wins, a region outage
answers 503 ServiceUnavailable and the region catches up when it returns, the replica's stream
shows the replicated changes, and AWS's errors. The clock is paused: virtual time moves only
with AdvanceClock."""
import pytest
from botocore.exceptions import ClientError

from conftest import error_of, make_table

EAST, WEST = "us-east-1", "us-west-2"


@pytest.fixture
def east(server):
    server.control("PauseClock")
    client = server.client(EAST)
    make_table(client, "Music", wait=False)
    server.control("AdvanceClock", {"seconds": 2})
    return client


@pytest.fixture
def west(server):
    return server.client(WEST)


def advance(server, seconds):
    server.control("AdvanceClock", {"seconds": seconds})


def item(client, pk):
    out = client.get_item(TableName="Music", Key={"pk": {"S": pk}}, ConsistentRead=True)
    return out.get("Item", {}).get("v", {}).get("S")


def put(client, pk, v):
    client.put_item(TableName="Music", Item={"pk": {"S": pk}, "v": {"S": v}})


def add_west(server, east):
    out = east.update_table(TableName="Music", ReplicaUpdates=[{"Create": {"RegionName": WEST}}])["TableDescription"]
    advance(server, 6)
    return out


def test_add_replica_and_describe_in_both_regions(server, east, west):
    put(east, "before", "copied")
    out = add_west(server, east)
    assert out["TableStatus"] == "UPDATING"
    assert out["Replicas"] == [{"RegionName": WEST, "ReplicaStatus": "CREATING"}]
    e = east.describe_table(TableName="Music")["Table"]
    w = west.describe_table(TableName="Music")["Table"]
    assert (e["TableStatus"], w["TableStatus"]) == ("ACTIVE", "ACTIVE")
    assert e["GlobalTableVersion"] == w["GlobalTableVersion"] == "2019.11.21"
    assert e["Replicas"] == [{"RegionName": WEST, "ReplicaStatus": "ACTIVE"}]
    assert w["Replicas"] == [{"RegionName": EAST, "ReplicaStatus": "ACTIVE"}]
    assert w["TableArn"].startswith("arn:aws:dynamodb:us-west-2:")
    assert w["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert item(west, "before") == "copied"
    assert west.list_tables()["TableNames"] == ["Music"]


def test_replication_both_ways_and_last_writer_wins(server, east, west):
    add_west(server, east)
    put(east, "a", "east")
    assert item(west, "a") is None, "asynchronous: not there within the lag"
    advance(server, 1)
    assert item(west, "a") == "east"
    west.delete_item(TableName="Music", Key={"pk": {"S": "a"}})
    advance(server, 1)
    assert item(east, "a") is None

    # Two writes to one key within the lag: the later one wins in both regions.
    put(east, "song", "from-east")
    advance(server, 0.3)
    put(west, "song", "from-west")
    advance(server, 2)
    assert item(east, "song") == item(west, "song") == "from-west"
    events = server.control("dynamodb:DescribeReplication", {"region": EAST, "TableName": "Music"})["Events"]
    lost = [ev for ev in events if ev["Outcome"] == "DISCARDED"]
    assert len(lost) == 1 and lost[0]["SourceRegion"] == EAST and lost[0]["Winner"]["Region"] == WEST and lost[0]["Conflict"]

    # The replica's stream shows the replicated changes.
    arn = west.describe_table(TableName="Music")["Table"]["LatestStreamArn"]
    streams = server.client(WEST, service="dynamodbstreams")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=it)["Records"]
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        ("INSERT", "a"), ("REMOVE", "a"), ("INSERT", "song")]


def test_outage_and_catch_up(server, east, west):
    add_west(server, east)
    server.control("dynamodb:SetRegionAvailability", {"RegionName": WEST, "Available": False})
    with pytest.raises(ClientError) as e:
        west.get_item(TableName="Music", Key={"pk": {"S": "x"}})
    assert error_of(e) == ("ServiceUnavailable", "DynamoDB is currently unavailable. (This should be a temporary state.)", 503)
    put(east, "x", "1")
    put(east, "x", "2")
    advance(server, 30)
    regions = server.control("dynamodb:DescribeReplication", {"region": EAST, "TableName": "Music"})["Regions"]
    assert [(r["RegionName"], r["Available"], r["PendingChanges"]) for r in regions] == [(EAST, True, 0), (WEST, False, 2)]
    server.control("dynamodb:SetRegionAvailability", {"RegionName": WEST, "Available": True})
    advance(server, 0.01)
    assert item(west, "x") == "2"


def test_survives_restart_with_changes_in_flight(server, east, west):
    add_west(server, east)
    server.control("dynamodb:SetReplicationLag", {"region": EAST, "TableName": "Music", "Seconds": 10})
    put(east, "fly", "1")
    server.restart()
    west = server.client(WEST)
    server.control("PauseClock")
    assert item(west, "fly") is None
    advance(server, 10)
    assert item(west, "fly") == "1"


def test_errors(server, east, west):
    def update(updates, **extra):
        with pytest.raises(ClientError) as e:
            east.update_table(TableName="Music", ReplicaUpdates=updates, **extra)
        return error_of(e)

    assert update([{"Delete": {"RegionName": WEST}}]) == (
        "ValidationException", "Replica specified in the Replica Update or Replica Delete action of the request was not found.", 400)
    make_table(west, "Music", wait=False)
    advance(server, 2)
    assert update([{"Create": {"RegionName": WEST}}]) == (
        "ValidationException",
        "Failed to create a the new replica of table with name: 'Music' because one or more replicas already existed as tables.", 400)
    make_table(east, "Prov", provisioned=(5, 5), wait=False)
    advance(server, 2)
    with pytest.raises(ClientError) as e:
        east.update_table(TableName="Prov", ReplicaUpdates=[{"Create": {"RegionName": WEST}}])
    assert error_of(e) == ("ValidationException", "Table write capacity should either be Pay-Per-Request or AutoScaled.", 400)
    with pytest.raises(ClientError) as e:
        east.create_global_table(GlobalTableName="Music", ReplicationGroup=[{"RegionName": EAST}])
    assert "2017.11.29" in error_of(e)[1]


def test_a_gsi_added_through_one_replica_is_created_in_every_region(server, east, west):
    put(east, "a", "x")
    add_west(server, east)
    west.update_table(
        TableName="Music",
        AttributeDefinitions=[{"AttributeName": "v", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {"IndexName": "byV", "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}],
    )
    advance(server, 60)
    for client in (east, west):
        table = client.describe_table(TableName="Music")["Table"]
        assert [(i["IndexName"], i["IndexStatus"]) for i in table["GlobalSecondaryIndexes"]] == [("byV", "ACTIVE")]
        out = client.query(TableName="Music", IndexName="byV", KeyConditionExpression="v = :v", ExpressionAttributeValues={":v": {"S": "x"}})
        assert out["Count"] == 1
    # The stream carries the replication: it stays while the table has replicas.
    with pytest.raises(ClientError) as e:
        east.update_table(TableName="Music", StreamSpecification={"StreamEnabled": False})
    assert error_of(e)[0] == "ValidationException"
