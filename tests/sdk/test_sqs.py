"""boto3's SQS client against `gureum serve`: the JSON protocol with its legacy error codes
(x-amzn-query-error), message MD5s checked against an independent implementation of AWS's
algorithm, the virtual clock for visibility timeouts, long polling, and persistence.
"""
import hashlib
import struct
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import error_of

ACCOUNT = "123456789012"


@pytest.fixture
def sqs(server):
    return server.client(service="sqs")


def md5_of_attributes(attrs):
    """AWS's documented digest of message attributes (as the SDKs that check it compute it)."""
    def field(b):
        return struct.pack(">I", len(b)) + b

    out = b""
    for name in sorted(attrs):
        a = attrs[name]
        out += field(name.encode()) + field(a["DataType"].encode())
        if "StringValue" in a:
            out += b"\x01" + field(a["StringValue"].encode())
        else:
            out += b"\x02" + field(a["BinaryValue"])
    return hashlib.md5(out).hexdigest()


def test_queue_lifecycle_urls_and_errors(server, sqs):
    url = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "45"}, tags={"team": "a"})["QueueUrl"]
    assert url == f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/orders"
    # Same attributes again: same queue; different: QueueNameExists (legacy code QueueAlreadyExists).
    assert sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
    with pytest.raises(sqs.exceptions.QueueNameExists) as e:
        sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "46"})
    assert error_of(e)[0] == "QueueAlreadyExists"
    sqs.create_queue(QueueName="orders-dlq")
    sqs.create_queue(QueueName="events.fifo", Attributes={"FifoQueue": "true"})
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url
    assert len(sqs.list_queues()["QueueUrls"]) == 3
    assert len(sqs.list_queues(QueueNamePrefix="orders")["QueueUrls"]) == 2
    pages = list(sqs.get_paginator("list_queues").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["QueueUrls"]) for p in pages] == [2, 1]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders"
    assert attrs["VisibilityTimeout"] == "45" and attrs["ApproximateNumberOfMessages"] == "0"
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as e:
        sqs.get_queue_url(QueueName="orders")
    code, message, status = error_of(e)
    assert (code, message, status) == ("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400)
    assert e.value.response["Error"]["QueryErrorCode"] == "QueueDoesNotExist"
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    with pytest.raises(sqs.exceptions.QueueDeletedRecently):
        sqs.create_queue(QueueName="orders")
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="bad name")
    assert error_of(e)[0] == "InvalidParameterValue"


def test_send_receive_delete_with_exact_md5s(sqs):
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    attrs = {
        "color": {"DataType": "String", "StringValue": "blue"},
        "count": {"DataType": "Number", "StringValue": "42"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        "custom": {"DataType": "String.label", "StringValue": "héllo"},
    }
    body = "hello, wörld"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attrs)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attrs)
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])["Messages"]
    assert len(got) == 1
    m = got[0]
    assert m["Body"] == body and m["MessageId"] == sent["MessageId"]
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert m["MessageAttributes"] == attrs
    assert m["MD5OfMessageAttributes"] == md5_of_attributes(attrs)
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    # Only the attributes asked for, with the digest of those.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    m2 = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["color"])["Messages"][0]
    assert m2["MessageAttributes"] == {"color": attrs["color"]}
    assert m2["MD5OfMessageAttributes"] == md5_of_attributes({"color": attrs["color"]})
    assert "Attributes" not in m2
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"])
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"] == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="nonsense")
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert error_of(e)[:2] == ("InvalidParameterValue", "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.")


def test_visibility_timeout_runs_on_the_virtual_clock(server, sqs):
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "600"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="job")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    server.control("AdvanceClock", {"seconds": 601})
    again = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert again["MessageId"] == first["MessageId"]
    assert again["ReceiptHandle"] != first["ReceiptHandle"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


def test_fifo_ordering_groups_and_deduplication(sqs):
    url = sqs.create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    seqs = [sqs.send_message(QueueUrl=url, MessageBody=b, MessageGroupId=g)["SequenceNumber"] for b, g in [("a1", "A"), ("b1", "B"), ("a2", "A")]]
    assert seqs == sorted(seqs)
    dup = sqs.send_message(QueueUrl=url, MessageBody="a1", MessageGroupId="A")
    assert dup["SequenceNumber"] == seqs[0]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId"])["Messages"]
    assert [m["Body"] for m in got] == ["a1", "a2", "b1"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert error_of(e)[:2] == ("MissingParameter", "The request must contain the parameter MessageGroupId.")


def test_batches_and_their_errors(sqs):
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[])
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"e{i}", "MessageBody": "x"} for i in range(11)])
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct) as e:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}])
    assert error_of(e)[0] == "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    with pytest.raises(sqs.exceptions.InvalidBatchEntryId):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "no spaces", "MessageBody": "x"}])
    out = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "ok", "MessageBody": "x"}, {"Id": "bad", "MessageBody": "y", "DelaySeconds": 901}])
    assert [s["Id"] for s in out["Successful"]] == ["ok"]
    assert out["Failed"][0]["Id"] == "bad" and out["Failed"][0]["Code"] == "InvalidParameterValue" and out["Failed"][0]["SenderFault"] is True
    msg = sqs.receive_message(QueueUrl=url)["Messages"][0]
    out = sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": "a", "ReceiptHandle": msg["ReceiptHandle"]}, {"Id": "b", "ReceiptHandle": "junk"}])
    assert [s["Id"] for s in out["Successful"]] == ["a"]
    assert out["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"


def test_long_polling_waits_then_answers_empty_or_early(server, sqs):
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    start = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    assert 1.9 <= time.monotonic() - start < 4
    # The queue's ReceiveMessageWaitTimeSeconds applies when the request gives none.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ReceiveMessageWaitTimeSeconds": "1"})
    start = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert 0.9 <= time.monotonic() - start < 3
    # A message sent while a receive waits ends the wait.
    sender = server.client(service="sqs")
    timer = threading.Timer(0.5, lambda: sender.send_message(QueueUrl=url, MessageBody="late"))
    timer.start()
    start = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    elapsed = time.monotonic() - start
    timer.join()
    assert [m["Body"] for m in got["Messages"]] == ["late"]
    assert 0.4 <= elapsed < 3


def test_dead_letter_queue_and_redrive(server, sqs):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName="src", Attributes={"RedrivePolicy": f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"1"}}'})["QueueUrl"]
    sqs.send_message(QueueUrl=src, MessageBody="poison")
    sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    dead = sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0, MessageSystemAttributeNames=["DeadLetterQueueSourceArn"])["Messages"][0]
    assert dead["Attributes"]["DeadLetterQueueSourceArn"].endswith(":src")
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["Status"] == "RUNNING"
    server.control("AdvanceClock", {"seconds": 2})
    task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    assert task["Status"] == "COMPLETED" and task["ApproximateNumberOfMessagesMoved"] == 1
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=src)["Messages"]] == ["poison"]
    with pytest.raises(ClientError):
        sqs.cancel_message_move_task(TaskHandle=handle)


def test_purge_and_purge_in_progress(sqs):
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.purge_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress) as e:
        sqs.purge_queue(QueueUrl=url)
    assert error_of(e)[0] == "AWS.SimpleQueueService.PurgeQueueInProgress"
    assert error_of(e)[2] == 403


@pytest.mark.parametrize("hard", [False, True])
def test_queues_and_messages_survive_a_restart(server, hard):
    sqs = server.client(service="sqs")
    url = sqs.create_queue(QueueName="keep.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g", MessageDeduplicationId="1")
    sqs.send_message(QueueUrl=url, MessageBody="two", MessageGroupId="g", MessageDeduplicationId="2")
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=300)["Messages"][0]
    server.restart(hard=hard)
    sqs = server.client(service="sqs")
    # The in-flight message still blocks its group; its receipt handle still deletes it.
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["two"]
    # The deduplication id is remembered too.
    dup = sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g", MessageDeduplicationId="1")
    assert dup["MessageId"] == first["MessageId"]


def test_resource_api(server):
    import boto3

    res = boto3.resource("sqs", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    q = res.create_queue(QueueName="res")
    q.send_messages(Entries=[{"Id": str(i), "MessageBody": f"m{i}", "MessageAttributes": {"i": {"DataType": "Number", "StringValue": str(i)}}} for i in range(3)])
    got = q.receive_messages(MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    assert sorted(m.body for m in got) == ["m0", "m1", "m2"]
    for m in got:
        assert m.md5_of_message_attributes == md5_of_attributes(m.message_attributes)
        m.delete()
    assert q.attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
