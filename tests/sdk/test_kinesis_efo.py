"""boto3's SubscribeToShard against `gureum serve`: the event stream (initial-response, then
SubscribeToShardEvents as records arrive, heartbeats, exception events) over HTTP/1.1 chunked
transfer encoding, records put from another thread while the stream is open, and the errors.
"""
import threading
import time

import pytest
from botocore.exceptions import ClientError, EventStreamError

from conftest import FAST_WAIT, error_of

ACCOUNT = "123456789012"
SHARD = "shardId-000000000000"


@pytest.fixture
def kinesis(server):
    return server.client(service="kinesis")


def stream_with_consumer(kinesis, name="orders", consumer="app"):
    kinesis.create_stream(StreamName=name, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig=FAST_WAIT)
    arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}"
    c = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=consumer)["Consumer"]
    deadline = time.time() + 10
    while kinesis.describe_stream_consumer(ConsumerARN=c["ConsumerARN"])["ConsumerDescription"]["ConsumerStatus"] != "ACTIVE":
        assert time.time() < deadline, "consumer never became ACTIVE"
        time.sleep(0.2)
    return arn, c["ConsumerARN"]


def test_records_arrive_on_the_event_stream_as_they_are_put(server, kinesis):
    _, consumer = stream_with_consumer(kinesis)
    kinesis.put_record(StreamName="orders", PartitionKey="k", Data=b"before")
    resp = kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "TRIM_HORIZON"})
    assert resp["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/vnd.amazon.eventstream"
    stream = resp["EventStream"]

    producer = server.client(service="kinesis")

    def put_later():
        time.sleep(0.5)
        for i in range(3):
            producer.put_record(StreamName="orders", PartitionKey="k", Data=f"live-{i}".encode())
            time.sleep(0.1)

    t = threading.Thread(target=put_later)
    t.start()
    got, events, started = [], [], time.time()
    for event in stream:
        assert set(event) == {"SubscribeToShardEvent"}, event
        ev = event["SubscribeToShardEvent"]
        events.append(ev)
        assert len(ev["ContinuationSequenceNumber"]) == 56 and ev["MillisBehindLatest"] >= 0
        for r in ev["Records"]:
            assert r["PartitionKey"] == "k" and len(r["SequenceNumber"]) == 56
            assert abs(r["ApproximateArrivalTimestamp"].timestamp() - time.time()) < 60
            got.append(r["Data"])
        if len(got) == 4 or time.time() - started > 10:
            break
    stream.close()
    t.join()
    assert got == [b"before", b"live-0", b"live-1", b"live-2"]
    assert time.time() - started < 5, "records are pushed as they arrive, not at the next heartbeat"
    # The continuation of the last event is the last record's sequence number.
    last = [e for e in events if e["Records"]][-1]
    assert last["ContinuationSequenceNumber"] == last["Records"][-1]["SequenceNumber"]

    # Continuing after it, 5 s later (within 5 s of a successful call it is in use).
    with pytest.raises(ClientError) as e:
        kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "LATEST"})
    code, message, status = error_of(e)
    assert (code, status) == ("ResourceInUseException", 400)
    assert message == f"Another active subscription exists for this consumer: {ACCOUNT}:orders:{SHARD}:app"
    time.sleep(5.2)
    kinesis.put_record(StreamName="orders", PartitionKey="k", Data=b"after")
    resp = kinesis.subscribe_to_shard(
        ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last["ContinuationSequenceNumber"]}
    )
    first = next(iter(resp["EventStream"]))
    assert [r["Data"] for r in first["SubscribeToShardEvent"]["Records"]] == [b"after"]
    resp["EventStream"].close()


def test_an_empty_event_comes_every_five_seconds(server, kinesis):
    _, consumer = stream_with_consumer(kinesis)
    resp = kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "LATEST"})
    started = time.time()
    times = []
    for event in resp["EventStream"]:
        assert event["SubscribeToShardEvent"]["Records"] == []
        times.append(time.time() - started)
        if len(times) == 2:
            break
    resp["EventStream"].close()
    assert times[0] < 1, "the first event goes out at once"
    assert 4 < times[1] < 7, times


def test_a_takeover_ends_the_earlier_stream_with_an_exception_event(server, kinesis):
    _, consumer = stream_with_consumer(kinesis)
    old = kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "LATEST"})["EventStream"]
    events = iter(old)
    next(events)
    time.sleep(5.2)
    new = kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "LATEST"})["EventStream"]
    with pytest.raises(EventStreamError) as e:
        for _ in range(5):
            next(events)
    assert e.value.response["Error"]["Code"] == "ResourceInUseException"
    assert "Another active subscription exists for this consumer" in e.value.response["Error"]["Message"]
    new.close()


def test_errors_before_the_stream_are_plain_aws_errors(server, kinesis):
    arn, consumer = stream_with_consumer(kinesis)
    with pytest.raises(ClientError) as e:
        kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000009", StartingPosition={"Type": "LATEST"})
    assert error_of(e) == ("ResourceNotFoundException", f"Shard shardId-000000000009 in stream orders under account {ACCOUNT} does not exist", 400)
    missing = consumer.replace("/consumer/app:", "/consumer/gone:")
    with pytest.raises(ClientError) as e:
        kinesis.subscribe_to_shard(ConsumerARN=missing, ShardId=SHARD, StartingPosition={"Type": "LATEST"})
    assert error_of(e) == ("ResourceNotFoundException", f"Consumer {missing} not found.", 400)
    with pytest.raises(ClientError) as e:
        kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "AT_SEQUENCE_NUMBER"})
    assert error_of(e)[0] == "InvalidArgumentException"
    with pytest.raises(ClientError) as e:
        kinesis.subscribe_to_shard(ConsumerARN=arn, ShardId=SHARD, StartingPosition={"Type": "LATEST"})
    assert error_of(e)[0] == "ValidationException"
    creating = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="late")["Consumer"]["ConsumerARN"]
    with pytest.raises(ClientError) as e:
        kinesis.subscribe_to_shard(ConsumerARN=creating, ShardId=SHARD, StartingPosition={"Type": "LATEST"})
    code, message, _ = error_of(e)
    assert code == "ResourceInUseException" and message.endswith(f"under stream: orders , account {ACCOUNT} is not in ACTIVE status.")


def test_deregistering_the_consumer_ends_the_stream(server, kinesis):
    _, consumer = stream_with_consumer(kinesis)
    stream = kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "LATEST"})["EventStream"]
    events = iter(stream)
    next(events)
    kinesis.deregister_stream_consumer(ConsumerARN=consumer)
    with pytest.raises(EventStreamError) as e:
        for _ in range(5):
            next(events)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def zip_of(name, text):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, text)
    return buf.getvalue()


def test_an_event_source_mapping_reads_through_a_consumer(server, kinesis):
    import json

    lam = server.client(service="lambda")
    sqs = server.client(service="sqs")
    arn, consumer = stream_with_consumer(kinesis, name="events")
    url = sqs.create_queue(QueueName="seen")["QueueUrl"]
    code = (
        "import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\n"
        "const sqs = new SQSClient({});\n"
        "export const handler = async (event) => {\n"
        "  for (const r of event.Records) {\n"
        "    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.SEEN, MessageBody: JSON.stringify({ data: Buffer.from(r.kinesis.data, 'base64').toString(), source: r.eventSourceARN }) }));\n"
        "  }\n"
        "};\n"
    )
    lam.create_function(
        FunctionName="reader", Runtime="nodejs22.x", Role=f"arn:aws:iam::{ACCOUNT}:role/r", Handler="index.handler",
        Code={"ZipFile": zip_of("index.mjs", code)}, Environment={"Variables": {"SEEN": url}},
    )
    server.control("AdvanceClock", {"seconds": 2})
    missing = consumer.replace("/consumer/app:", "/consumer/gone:")
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName="reader", EventSourceArn=missing, StartingPosition="LATEST")
    assert error_of(e)[0] == "InvalidParameterValueException"
    m = lam.create_event_source_mapping(FunctionName="reader", EventSourceArn=consumer, StartingPosition="LATEST", BatchSize=5)
    assert m["EventSourceArn"] == consumer
    assert lam.get_event_source_mapping(UUID=m["UUID"])["EventSourceArn"] == consumer
    server.control("AdvanceClock", {"seconds": 2})
    kinesis.put_record(StreamName="events", PartitionKey="p", Data=b"fan-out")
    server.control("AdvanceClock", {"seconds": 10})
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(x["Body"]) for x in got] == [{"data": "fan-out", "source": arn}], "records name the stream, not the consumer"
