"""DynamoDB Streams through boto3's `dynamodbstreams` client (JSON 1.0,
`DynamoDBStreams_20120810`, signed as `dynamodb`): capture from table writes, ListStreams,
DescribeStream, GetShardIterator, GetRecords, iterator expiry and retention on the virtual clock,
disabled and re-enabled streams, and records surviving a restart."""
import pytest
from botocore.exceptions import ClientError

from conftest import error_of, wait_exists


def stream_table(ddb, name, view="NEW_AND_OLD_IMAGES"):
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )
    wait_exists(ddb, name)
    return ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


@pytest.fixture
def streams(server):
    return server.client(service="dynamodbstreams")


def shard_iterator(streams, arn, kind="TRIM_HORIZON", **extra):
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    return streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **extra)["ShardIterator"]


def read_all(streams, arn):
    it = shard_iterator(streams, arn)
    out = []
    while it:
        page = streams.get_records(ShardIterator=it)
        if not page["Records"]:
            break
        out += page["Records"]
        it = page.get("NextShardIterator")
    return out


def test_writes_become_stream_records(server, ddb, streams):
    arn = stream_table(ddb, "Orders")
    ddb.put_item(TableName="Orders", Item={"pk": {"S": "o1"}, "amount": {"N": "10"}})
    ddb.put_item(TableName="Orders", Item={"pk": {"S": "o1"}, "amount": {"N": "10"}})  # unchanged: no record
    ddb.update_item(TableName="Orders", Key={"pk": {"S": "o1"}}, UpdateExpression="SET amount = :t",
                    ExpressionAttributeValues={":t": {"N": "12"}})
    with pytest.raises(ClientError):
        ddb.put_item(TableName="Orders", Item={"pk": {"S": "o1"}}, ConditionExpression="attribute_not_exists(pk)")
    ddb.batch_write_item(RequestItems={"Orders": [{"PutRequest": {"Item": {"pk": {"S": "o2"}}}}]})
    ddb.transact_write_items(TransactItems=[{"Delete": {"TableName": "Orders", "Key": {"pk": {"S": "o2"}}}}])
    ddb.execute_statement(Statement="INSERT INTO Orders VALUE {'pk': 'o3'}")
    ddb.delete_item(TableName="Orders", Key={"pk": {"S": "o1"}})

    records = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "INSERT", "REMOVE", "INSERT", "REMOVE"]
    first = records[0]
    assert first["eventSource"] == "aws:dynamodb"
    assert first["eventVersion"] == "1.1"
    assert first["awsRegion"] == "us-east-1"
    assert len(first["eventID"]) == 32
    body = first["dynamodb"]
    assert body["Keys"] == {"pk": {"S": "o1"}}
    assert body["NewImage"] == {"pk": {"S": "o1"}, "amount": {"N": "10"}}
    assert "OldImage" not in body
    assert body["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert body["SizeBytes"] > 0
    assert len(body["SequenceNumber"]) >= 21
    # boto3 parses the creation time as a datetime.
    assert body["ApproximateCreationDateTime"].year >= 2026
    modify = records[1]["dynamodb"]
    assert modify["OldImage"]["amount"] == {"N": "10"} and modify["NewImage"]["amount"] == {"N": "12"}
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_list_and_describe_streams(server, ddb, streams):
    arn = stream_table(ddb, "Events", view="KEYS_ONLY")
    listed = streams.list_streams()["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": "Events", "StreamLabel": arn.rsplit("/", 1)[1]}]
    assert streams.list_streams(TableName="Events")["Streams"] == listed
    d = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert d["StreamStatus"] == "ENABLED"
    assert d["StreamViewType"] == "KEYS_ONLY"
    assert d["TableName"] == "Events"
    assert d["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert d["Shards"][0]["ShardId"].startswith("shardId-")
    assert "EndingSequenceNumber" not in d["Shards"][0]["SequenceNumberRange"]
    with pytest.raises(ClientError) as e:
        streams.describe_stream(StreamArn=arn.replace("Events", "Missing"))
    assert error_of(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        streams.list_streams(TableName="Missing")
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_iterator_types_limit_and_errors(server, ddb, streams):
    arn = stream_table(ddb, "Items", view="NEW_IMAGE")
    for i in range(5):
        ddb.put_item(TableName="Items", Item={"pk": {"S": f"k{i}"}})
    seqs = [r["dynamodb"]["SequenceNumber"] for r in read_all(streams, arn)]
    page = streams.get_records(ShardIterator=shard_iterator(streams, arn), Limit=2)
    assert len(page["Records"]) == 2
    page = streams.get_records(ShardIterator=page["NextShardIterator"], Limit=2)
    assert [r["dynamodb"]["SequenceNumber"] for r in page["Records"]] == seqs[2:4]
    at = shard_iterator(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=seqs[1])
    assert streams.get_records(ShardIterator=at)["Records"][0]["dynamodb"]["SequenceNumber"] == seqs[1]
    after = shard_iterator(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=seqs[1])
    assert streams.get_records(ShardIterator=after)["Records"][0]["dynamodb"]["SequenceNumber"] == seqs[2]
    latest = shard_iterator(streams, arn, "LATEST")
    empty = streams.get_records(ShardIterator=latest)
    assert empty["Records"] == [] and empty["NextShardIterator"]
    ddb.delete_item(TableName="Items", Key={"pk": {"S": "k0"}})
    got = streams.get_records(ShardIterator=empty["NextShardIterator"])["Records"]
    assert [r["eventName"] for r in got] == ["REMOVE"]
    assert "NewImage" not in got[0]["dynamodb"]

    with pytest.raises(ClientError) as e:
        streams.get_records(ShardIterator=latest[:-4] + ("AAAA" if not latest.endswith("AAAA") else "BBBB"))
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        streams.get_records(ShardIterator=latest, Limit=1001)
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        shard_iterator(streams, arn, "AT_SEQUENCE_NUMBER")
    assert error_of(e)[0] == "ValidationException"

    # Iterators last 15 minutes.
    server.control("AdvanceClock", {"seconds": 16 * 60})
    with pytest.raises(ClientError) as e:
        streams.get_records(ShardIterator=latest)
    assert error_of(e)[:2][0] == "ExpiredIteratorException"


def test_retention_trims_after_24_hours(server, ddb, streams):
    arn = stream_table(ddb, "Aging")
    ddb.put_item(TableName="Aging", Item={"pk": {"S": "old"}})
    seq = read_all(streams, arn)[0]["dynamodb"]["SequenceNumber"]
    server.control("AdvanceClock", {"seconds": 25 * 3600})
    assert read_all(streams, arn) == []
    with pytest.raises(ClientError) as e:
        shard_iterator(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=seq)
    assert error_of(e)[0] == "TrimmedDataAccessException"
    ddb.put_item(TableName="Aging", Item={"pk": {"S": "new"}})
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, arn)] == ["new"]


def test_disable_then_enable_gives_a_new_stream(server, ddb, streams):
    old = stream_table(ddb, "Flip", view="KEYS_ONLY")
    ddb.put_item(TableName="Flip", Item={"pk": {"S": "a"}})
    ddb.update_table(TableName="Flip", StreamSpecification={"StreamEnabled": False})
    server.control("AdvanceClock", {"seconds": 2})
    d = streams.describe_stream(StreamArn=old)["StreamDescription"]
    assert d["StreamStatus"] == "DISABLED"
    assert "EndingSequenceNumber" in d["Shards"][0]["SequenceNumberRange"]
    ddb.put_item(TableName="Flip", Item={"pk": {"S": "b"}})  # not captured
    page = streams.get_records(ShardIterator=shard_iterator(streams, old))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]] == ["a"]
    assert "NextShardIterator" not in page  # the closed shard is read to its end

    ddb.update_table(TableName="Flip", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    server.control("AdvanceClock", {"seconds": 2})
    new = ddb.describe_table(TableName="Flip")["Table"]["LatestStreamArn"]
    assert new != old
    assert [s["StreamArn"] for s in streams.list_streams(TableName="Flip")["Streams"]] == [old, new]
    page1 = streams.list_streams(Limit=1)
    assert page1["LastEvaluatedStreamArn"] == old
    assert streams.list_streams(Limit=1, ExclusiveStartStreamArn=old)["Streams"][0]["StreamArn"] == new
    ddb.put_item(TableName="Flip", Item={"pk": {"S": "c"}})
    assert [r["dynamodb"]["NewImage"]["pk"]["S"] for r in read_all(streams, new)] == ["c"]

    # A day later the disabled stream is gone.
    server.control("AdvanceClock", {"seconds": 24 * 3600})
    with pytest.raises(ClientError) as e:
        streams.describe_stream(StreamArn=old)
    assert error_of(e)[0] == "ResourceNotFoundException"
    assert [s["StreamArn"] for s in streams.list_streams()["Streams"]] == [new]


def test_stream_records_survive_a_restart(server, ddb):
    arn = stream_table(ddb, "Durable")
    for i in range(3):
        ddb.put_item(TableName="Durable", Item={"pk": {"S": f"k{i}"}})
    before = read_all(server.client(service="dynamodbstreams"), arn)
    server.restart(hard=True)
    after = read_all(server.client(service="dynamodbstreams"), arn)
    assert after == before
