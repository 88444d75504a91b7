"""Kinesis Data Streams for DynamoDB with boto3 against `gureum serve`: enable a destination,
write items, read the change records from the Kinesis stream with get_records, update the
timestamp precision, disable.
"""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import FAST_WAIT, error_of, make_table

ACCOUNT = "123456789012"


def destination(ddb, table):
    return ddb.describe_kinesis_streaming_destination(TableName=table)["KinesisDataStreamDestinations"]


def records(kinesis, name, shards):
    out = []
    for shard in shards:
        it = kinesis.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        out += [(r["PartitionKey"], json.loads(r["Data"])) for r in kinesis.get_records(ShardIterator=it)["Records"]]
    return sorted(out, key=lambda r: r[1]["dynamodb"]["ApproximateCreationDateTime"])


def test_enable_put_read_update_disable(server, ddb):
    kinesis = server.client(service="kinesis")
    kinesis.create_stream(StreamName="changes", ShardCount=2)
    kinesis.get_waiter("stream_exists").wait(StreamName="changes", WaiterConfig=FAST_WAIT)
    arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/changes"
    shards = [s["ShardId"] for s in kinesis.list_shards(StreamName="changes")["Shards"]]
    make_table(ddb, "Orders", range_key=("sk", "N"))

    with pytest.raises(ClientError) as e:
        ddb.enable_kinesis_streaming_destination(TableName="Orders", StreamArn=f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/missing")
    assert error_of(e)[:2] == ("ValidationException", "User does not have a permission to use kinesis stream")

    out = ddb.enable_kinesis_streaming_destination(TableName="Orders", StreamArn=arn)
    assert out["DestinationStatus"] == "ENABLING" and out["TableName"] == "Orders" and out["StreamArn"] == arn
    server.control("AdvanceClock", {"seconds": 5})
    assert destination(ddb, "Orders") == [{"StreamArn": arn, "DestinationStatus": "ACTIVE", "ApproximateCreationDateTimePrecision": "MILLISECOND"}]
    assert "KinesisDataStreamDestinations" not in json.dumps(ddb.describe_table(TableName="Orders"), default=str)

    ddb.put_item(TableName="Orders", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "total": {"N": "10"}})
    ddb.update_item(TableName="Orders", Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, UpdateExpression="SET #t = :t", ExpressionAttributeNames={"#t": "total"}, ExpressionAttributeValues={":t": {"N": "12"}})
    ddb.delete_item(TableName="Orders", Key={"pk": {"S": "a"}, "sk": {"N": "1"}})
    server.control("AdvanceClock", {"seconds": 1})
    got = records(kinesis, "changes", shards)
    assert [d["eventName"] for _, d in got] == ["INSERT", "MODIFY", "REMOVE"]
    pk, insert = got[0]
    assert len(pk) == 32 and all(p == pk for p, _ in got)
    assert insert["eventSource"] == "aws:dynamodb" and insert["recordFormat"] == "application/json"
    assert insert["tableName"] == "Orders" and insert["awsRegion"] == "us-east-1" and insert["userIdentity"] is None
    assert insert["dynamodb"]["Keys"] == {"pk": {"S": "a"}, "sk": {"N": "1"}}
    assert insert["dynamodb"]["NewImage"]["total"] == {"N": "10"}
    modify = got[1][1]["dynamodb"]
    assert (modify["OldImage"]["total"], modify["NewImage"]["total"]) == ({"N": "10"}, {"N": "12"})
    assert got[2][1]["dynamodb"]["OldImage"]["total"] == {"N": "12"} and "NewImage" not in got[2][1]["dynamodb"]

    up = ddb.update_kinesis_streaming_destination(TableName="Orders", StreamArn=arn, UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"})
    assert up["DestinationStatus"] == "UPDATING"
    server.control("AdvanceClock", {"seconds": 5})
    ddb.put_item(TableName="Orders", Item={"pk": {"S": "b"}, "sk": {"N": "2"}})
    server.control("AdvanceClock", {"seconds": 1})
    last = records(kinesis, "changes", shards)[-1][1]["dynamodb"]
    assert last["ApproximateCreationDateTimePrecision"] == "MICROSECOND" and last["ApproximateCreationDateTime"] > 10**15

    off = ddb.disable_kinesis_streaming_destination(TableName="Orders", StreamArn=arn)
    assert off["DestinationStatus"] == "DISABLING"
    server.control("AdvanceClock", {"seconds": 5})
    assert destination(ddb, "Orders")[0]["DestinationStatus"] == "DISABLED"
    ddb.put_item(TableName="Orders", Item={"pk": {"S": "c"}, "sk": {"N": "3"}})
    server.control("AdvanceClock", {"seconds": 2})
    assert len(records(kinesis, "changes", shards)) == 4
