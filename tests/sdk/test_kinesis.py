"""boto3's Kinesis client against `gureum serve`: streams through their CREATING state (the
SDK's waiter), records through iterators of each type, retention errors, enhanced fan-out
consumers, and a Kinesis event source mapping invoking a function.
"""
import base64
import io
import json
import time
import zipfile

import pytest
from botocore.exceptions import ClientError

from conftest import FAST_WAIT, error_of

ACCOUNT = "123456789012"


@pytest.fixture
def kinesis(server):
    return server.client(service="kinesis")


def make_stream(kinesis, name, shards=1):
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig=FAST_WAIT)
    return f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}"


def read(kinesis, name, shard="shardId-000000000000", **kw):
    it = kinesis.get_shard_iterator(StreamName=name, ShardId=shard, **kw)["ShardIterator"]
    return [r["Data"] for r in kinesis.get_records(ShardIterator=it)["Records"]]


def test_create_put_and_read_through_every_iterator_type(server, kinesis):
    arn = make_stream(kinesis, "orders", shards=2)
    d = kinesis.describe_stream(StreamName="orders")["StreamDescription"]
    assert d["StreamStatus"] == "ACTIVE" and d["StreamARN"] == arn and len(d["Shards"]) == 2
    assert kinesis.list_streams()["StreamNames"] == ["orders"]
    assert [s["ShardId"] for s in kinesis.list_shards(StreamARN=arn)["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]

    first = kinesis.put_record(StreamName="orders", PartitionKey="a", Data=b"one")
    assert first["ShardId"] == "shardId-000000000000" and len(first["SequenceNumber"]) == 56
    out = kinesis.put_records(StreamARN=arn, Records=[{"PartitionKey": "a", "Data": b"two"}, {"PartitionKey": "b", "Data": b"elsewhere"}])
    assert out["FailedRecordCount"] == 0
    assert [r["ShardId"] for r in out["Records"]] == ["shardId-000000000000", "shardId-000000000001"]

    it = kinesis.get_shard_iterator(StreamName="orders", ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = kinesis.get_records(ShardIterator=it, Limit=1)
    rec = got["Records"][0]
    assert (rec["Data"], rec["PartitionKey"], rec["SequenceNumber"]) == (b"one", "a", first["SequenceNumber"])
    assert rec["ApproximateArrivalTimestamp"].year >= 2024
    assert got["MillisBehindLatest"] >= 0
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=got["NextShardIterator"])["Records"]] == [b"two"]
    assert read(kinesis, "orders", ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=first["SequenceNumber"]) == [b"one", b"two"]
    assert read(kinesis, "orders", ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=first["SequenceNumber"]) == [b"two"]
    latest = kinesis.get_shard_iterator(StreamName="orders", ShardId="shardId-000000000000", ShardIteratorType="LATEST")["ShardIterator"]
    server.control("AdvanceClock", {"seconds": 60})
    kinesis.put_record(StreamName="orders", PartitionKey="a", Data=b"three")
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=latest)["Records"]] == [b"three"]
    stamp = rec["ApproximateArrivalTimestamp"].timestamp() + 30
    assert read(kinesis, "orders", ShardIteratorType="AT_TIMESTAMP", Timestamp=stamp) == [b"three"]

    with pytest.raises(ClientError) as e:
        kinesis.describe_stream(StreamName="missing")
    assert error_of(e) == ("ResourceNotFoundException", f"Stream missing under account {ACCOUNT} not found.", 400)
    with pytest.raises(ClientError) as e:
        kinesis.create_stream(StreamName="orders", ShardCount=1)
    assert error_of(e)[0] == "ResourceInUseException"
    server.control("AdvanceClock", {"seconds": 301})
    with pytest.raises(ClientError) as e:
        kinesis.get_records(ShardIterator=latest)
    assert error_of(e)[0] == "ExpiredIteratorException"


def test_retention_errors_and_trimming(server, kinesis):
    make_stream(kinesis, "r")
    with pytest.raises(ClientError) as e:
        kinesis.increase_stream_retention_period(StreamName="r", RetentionPeriodHours=10)
    assert error_of(e) == ("InvalidArgumentException", "Minimum allowed retention period is 24 hours. Requested retention period (10 hours) is too short.", 400)
    with pytest.raises(ClientError) as e:
        kinesis.decrease_stream_retention_period(StreamName="r", RetentionPeriodHours=48)
    assert error_of(e)[0] == "InvalidArgumentException"
    kinesis.increase_stream_retention_period(StreamName="r", RetentionPeriodHours=48)
    assert kinesis.describe_stream_summary(StreamName="r")["StreamDescriptionSummary"]["RetentionPeriodHours"] == 48
    kinesis.put_record(StreamName="r", PartitionKey="k", Data=b"old")
    server.control("AdvanceClock", {"seconds": 49 * 3600})
    assert read(kinesis, "r", ShardIteratorType="TRIM_HORIZON") == []


def test_consumers_and_tags(server, kinesis):
    arn = make_stream(kinesis, "fan")
    c = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    assert c["ConsumerStatus"] == "CREATING" and c["ConsumerARN"].startswith(f"{arn}/consumer/app:")
    server.control("AdvanceClock", {"seconds": 2})
    d = kinesis.describe_stream_consumer(ConsumerARN=c["ConsumerARN"])["ConsumerDescription"]
    assert (d["ConsumerStatus"], d["StreamARN"]) == ("ACTIVE", arn)
    assert [x["ConsumerName"] for x in kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]] == ["app"]
    kinesis.deregister_stream_consumer(StreamARN=arn, ConsumerName="app")
    server.control("AdvanceClock", {"seconds": 2})
    with pytest.raises(ClientError) as e:
        kinesis.describe_stream_consumer(ConsumerARN=c["ConsumerARN"])
    assert error_of(e)[0] == "ResourceNotFoundException"

    kinesis.add_tags_to_stream(StreamName="fan", Tags={"team": "data"})
    assert kinesis.list_tags_for_stream(StreamName="fan")["Tags"] == [{"Key": "team", "Value": "data"}]
    kinesis.delete_stream(StreamName="fan")
    kinesis.get_waiter("stream_not_exists").wait(StreamName="fan", WaiterConfig=FAST_WAIT)


def test_records_survive_a_restart(server, kinesis):
    make_stream(kinesis, "keep")
    kinesis.put_record(StreamName="keep", PartitionKey="k", Data=b"durable")
    server.restart(hard=True)
    kinesis = server.client(service="kinesis")
    assert read(kinesis, "keep", ShardIteratorType="TRIM_HORIZON") == [b"durable"]


def zip_of(name, text):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, text)
    return buf.getvalue()


def test_a_kinesis_stream_invokes_a_function(server, kinesis):
    lam = server.client(service="lambda")
    sqs = server.client(service="sqs")
    arn = make_stream(kinesis, "events")
    url = sqs.create_queue(QueueName="seen")["QueueUrl"]
    code = (
        "import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\n"
        "const sqs = new SQSClient({});\n"
        "export const handler = async (event) => {\n"
        "  for (const r of event.Records) {\n"
        "    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.SEEN, MessageBody: Buffer.from(r.kinesis.data, 'base64').toString() }));\n"
        "  }\n"
        "};\n"
    )
    lam.create_function(
        FunctionName="reader", Runtime="nodejs22.x", Role=f"arn:aws:iam::{ACCOUNT}:role/r", Handler="index.handler",
        Code={"ZipFile": zip_of("index.mjs", code)}, Environment={"Variables": {"SEEN": url}},
    )
    server.control("AdvanceClock", {"seconds": 2})
    m = lam.create_event_source_mapping(FunctionName="reader", EventSourceArn=arn, StartingPosition="LATEST", BatchSize=5)
    assert m["EventSourceArn"] == arn and m["StartingPosition"] == "LATEST"
    server.control("AdvanceClock", {"seconds": 2})
    kinesis.put_record(StreamName="events", PartitionKey="p", Data=json.dumps({"n": 1}).encode())
    server.control("AdvanceClock", {"seconds": 10})
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(x["Body"]) for x in got] == [{"n": 1}]
