"""DynamoDB Time to Live through boto3: UpdateTimeToLive and DescribeTimeToLive (shapes, the
ENABLING transition, AWS's errors and the one-hour rule), and items expiring when the virtual
clock jumps: readable while expired but not yet deleted, then deleted as DynamoDB's own stream
REMOVE records. The sandbox deletes an item between five and six virtual minutes after it
expires (AWS: typically within a few days)."""
import pytest
from botocore.exceptions import ClientError

from conftest import error_of, make_table


def virtual_now(server):
    """Virtual time in epoch seconds."""
    return server.control("GetClock")["now"] // 1000


def enable(server, ddb, table, attribute):
    out = ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute})
    assert out["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": attribute}
    server.control("AdvanceClock", {"seconds": 5})


def test_update_and_describe(server, ddb):
    make_table(ddb, "Sessions")
    assert ddb.describe_time_to_live(TableName="Sessions")["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    ddb.update_time_to_live(TableName="Sessions", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ExpTime"})
    assert ddb.describe_time_to_live(TableName="Sessions")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLING", "AttributeName": "ExpTime"}
    server.control("AdvanceClock", {"seconds": 5})
    assert ddb.describe_time_to_live(TableName="Sessions")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "ExpTime"}
    # DescribeTable says nothing of TTL, as on AWS.
    assert "ExpTime" not in str(ddb.describe_table(TableName="Sessions")["Table"])
    # The AWS CLI reads the same answer.
    out = server.aws("dynamodb", "describe-time-to-live", "--table-name", "Sessions")
    assert out.returncode == 0 and "\"TimeToLiveStatus\": \"ENABLED\"" in out.stdout, out


def test_errors(server, ddb):
    make_table(ddb, "Sessions")

    def update(enabled, attribute, table="Sessions"):
        with pytest.raises(ClientError) as e:
            ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": enabled, "AttributeName": attribute})
        return error_of(e)

    assert update(False, "ExpTime") == ("ValidationException", "TimeToLive is already disabled", 400)
    enable(server, ddb, "Sessions", "ExpTime")
    assert update(True, "ExpTime") == ("ValidationException", "TimeToLive is already enabled", 400)
    assert update(True, "Other") == (
        "ValidationException", "TimeToLive is active on a different AttributeName: current AttributeName is ExpTime", 400)
    assert update(False, "ExpTime") == (
        "ValidationException", "Time to live has been modified multiple times within a fixed interval", 400)
    server.control("AdvanceClock", {"seconds": 3600})
    ddb.update_time_to_live(TableName="Sessions", TimeToLiveSpecification={"Enabled": False, "AttributeName": "ExpTime"})
    server.control("AdvanceClock", {"seconds": 5})
    assert ddb.describe_time_to_live(TableName="Sessions")["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}

    assert update(True, "a" * 256)[0:2] == (
        "ValidationException",
        f"1 validation error detected: Value '{'a' * 256}' at 'timeToLiveSpecification.attributeName' failed to satisfy "
        "constraint: Member must have length less than or equal to 255")
    assert update(True, "x", table="Nope") == (
        "ResourceNotFoundException", "Requested resource not found: Table: Nope not found", 400)
    with pytest.raises(ClientError) as e:
        ddb.describe_time_to_live(TableName="Nope")
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_expired_items_stay_readable_until_deleted(server, ddb):
    make_table(ddb, "Sessions")
    ddb.update_table(TableName="Sessions", StreamSpecification={"StreamEnabled": True, "StreamViewType": "OLD_IMAGE"})
    server.control("AdvanceClock", {"seconds": 5})
    enable(server, ddb, "Sessions", "ExpTime")
    now = virtual_now(server)
    ddb.put_item(TableName="Sessions", Item={"pk": {"S": "s1"}, "ExpTime": {"N": str(now + 2 * 3600)}})
    ddb.put_item(TableName="Sessions", Item={"pk": {"S": "keep"}, "ExpTime": {"S": str(now)}})  # not a Number

    # Two hours and a minute later: expired, not yet deleted, still returned by every read.
    server.control("AdvanceClock", {"seconds": 2 * 3600 + 60})
    got = ddb.get_item(TableName="Sessions", Key={"pk": {"S": "s1"}}, ConsistentRead=True)
    assert int(got["Item"]["ExpTime"]["N"]) < virtual_now(server)
    assert ddb.scan(TableName="Sessions")["Count"] == 2
    assert ddb.query(TableName="Sessions", KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": "s1"}})["Count"] == 1

    # Ten more minutes: deleted by the TTL process.
    server.control("AdvanceClock", {"seconds": 600})
    assert "Item" not in ddb.get_item(TableName="Sessions", Key={"pk": {"S": "s1"}}, ConsistentRead=True)
    assert [i["pk"]["S"] for i in ddb.scan(TableName="Sessions")["Items"]] == ["keep"]

    streams = server.client(service="dynamodbstreams")
    arn = ddb.describe_table(TableName="Sessions")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=it)["Records"]
    removes = [r for r in records if r["eventName"] == "REMOVE"]
    assert len(removes) == 1
    assert removes[0]["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
    assert removes[0]["dynamodb"]["OldImage"]["pk"] == {"S": "s1"}
    assert all("userIdentity" not in r for r in records if r["eventName"] == "INSERT")


def test_ttl_survives_a_restart(server, ddb):
    make_table(ddb, "Sessions")
    enable(server, ddb, "Sessions", "ExpTime")
    now = virtual_now(server)
    ddb.put_item(TableName="Sessions", Item={"pk": {"S": "s1"}, "ExpTime": {"N": str(now + 60)}})
    server.restart(hard=True)
    ddb = server.client()
    assert ddb.describe_time_to_live(TableName="Sessions")["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
    server.control("AdvanceClock", {"seconds": 7 * 60})
    assert ddb.scan(TableName="Sessions")["Count"] == 0
