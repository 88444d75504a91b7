"""Amazon Data Firehose with boto3 against `gureum serve`: a direct-PUT stream buffering into S3
(the clock jumped through the control API), errors, a Kinesis data stream as the source, and
buffered records kept across a server restart.
"""
import gzip

import pytest
from botocore.exceptions import ClientError

from conftest import FAST_WAIT, error_of

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/firehose"


def wait_active(server, firehose, name):
    server.control("AdvanceClock", {"seconds": 5})
    status = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["DeliveryStreamStatus"]
    assert status == "ACTIVE"


def bodies(s3, bucket):
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


@pytest.fixture
def clients(server):
    # A paused clock: only the test's AdvanceClock calls move virtual time.
    server.control("PauseClock")
    return server.client(service="firehose"), server.client(service="s3")


def test_direct_put_to_s3(server, clients):
    firehose, s3 = clients
    s3.create_bucket(Bucket="lake")
    arn = firehose.create_delivery_stream(
        DeliveryStreamName="events",
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE, "BucketARN": "arn:aws:s3:::lake", "Prefix": "raw/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}, "CompressionFormat": "GZIP",
        },
    )["DeliveryStreamARN"]
    assert arn == f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/events"
    assert firehose.describe_delivery_stream(DeliveryStreamName="events")["DeliveryStreamDescription"]["DeliveryStreamStatus"] == "CREATING"
    wait_active(server, firehose, "events")
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == ["events"]

    rid = firehose.put_record(DeliveryStreamName="events", Record={"Data": b'{"n":0}\n'})["RecordId"]
    assert rid
    out = firehose.put_record_batch(DeliveryStreamName="events", Records=[{"Data": f'{{"n":{i}}}\n'.encode()} for i in range(1, 4)])
    assert out["FailedPutCount"] == 0 and len(out["RequestResponses"]) == 3
    buf = server.control("firehose:DescribeBuffer", {"DeliveryStreamName": "events"})
    assert buf["BufferedRecords"] == 4
    assert bodies(s3, "lake") == {}

    server.control("AdvanceClock", {"seconds": 61})
    objects = bodies(s3, "lake")
    assert len(objects) == 1
    [(key, body)] = objects.items()
    assert key.startswith("raw/") and key.endswith(".gz") and "/events-1-" in key
    assert gzip.decompress(body) == b'{"n":0}\n{"n":1}\n{"n":2}\n{"n":3}\n'

    with pytest.raises(ClientError) as e:
        firehose.put_record(DeliveryStreamName="missing", Record={"Data": b"x"})
    assert error_of(e) == ("ResourceNotFoundException", f"Firehose missing under account {ACCOUNT} not found.", 400)
    with pytest.raises(ClientError) as e:
        firehose.create_delivery_stream(DeliveryStreamName="bad", S3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::lake", "BufferingHints": {"SizeInMBs": 500}})
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        firehose.update_destination(DeliveryStreamName="events", CurrentDeliveryStreamVersionId="9", DestinationId="destinationId-000000000001", ExtendedS3DestinationUpdate={"Prefix": "x/"})
    assert error_of(e)[0] == "ConcurrentModificationException"

    firehose.tag_delivery_stream(DeliveryStreamName="events", Tags=[{"Key": "team", "Value": "data"}])
    assert firehose.list_tags_for_delivery_stream(DeliveryStreamName="events")["Tags"] == [{"Key": "team", "Value": "data"}]
    firehose.delete_delivery_stream(DeliveryStreamName="events")
    server.control("AdvanceClock", {"seconds": 5})
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == []


def test_kinesis_source(server, clients):
    firehose, s3 = clients
    kinesis = server.client(service="kinesis")
    s3.create_bucket(Bucket="lake")
    kinesis.create_stream(StreamName="clicks", ShardCount=2)
    server.control("AdvanceClock", {"seconds": 5})
    kinesis.get_waiter("stream_exists").wait(StreamName="clicks", WaiterConfig=FAST_WAIT)
    firehose.create_delivery_stream(
        DeliveryStreamName="clicks-to-s3",
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/clicks", "RoleARN": ROLE},
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::lake", "BufferingHints": {"IntervalInSeconds": 60}},
    )
    wait_active(server, firehose, "clicks-to-s3")
    with pytest.raises(ClientError) as e:
        firehose.put_record(DeliveryStreamName="clicks-to-s3", Record={"Data": b"x"})
    assert error_of(e) == ("InvalidArgumentException", "This operation is not permitted on KinesisStreamAsSource delivery stream type.", 400)

    sent = [f"click-{i};".encode() for i in range(10)]
    kinesis.put_records(StreamName="clicks", Records=[{"Data": d, "PartitionKey": f"user-{i}"} for i, d in enumerate(sent)])
    server.control("AdvanceClock", {"seconds": 62})
    objects = bodies(s3, "lake")
    assert len(objects) == 1
    [body] = objects.values()
    assert sorted(p + b";" for p in body.split(b";") if p) == sorted(sent)


def test_buffered_records_survive_a_restart(server, clients):
    firehose, s3 = clients
    s3.create_bucket(Bucket="lake")
    firehose.create_delivery_stream(DeliveryStreamName="s", S3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::lake", "BufferingHints": {"IntervalInSeconds": 300}})
    wait_active(server, firehose, "s")
    firehose.put_record(DeliveryStreamName="s", Record={"Data": b"kept"})
    server.restart(hard=True)
    s3 = server.client(service="s3")
    server.control("PauseClock")
    server.control("AdvanceClock", {"seconds": 301})
    assert list(bodies(s3, "lake").values()) == [b"kept"]
