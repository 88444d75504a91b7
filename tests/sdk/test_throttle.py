"""Provisioned throttling through boto3 (retries off, so the throttle is seen, not retried):
the exception with its ThrottlingReasons, BatchWriteItem's UnprocessedItems, and the
per-minute metrics control operation. The virtual clock is paused so no capacity refills."""
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import error_of, make_table

TABLE_MSG = ("The level of configured provisioned throughput for the table was exceeded. "
             "Consider increasing your provisioning level with the UpdateTable API.")


# botocore reads `max_attempts` as retries after the first; throttles must not be retried here.
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def test_provisioned_table_throttles_after_its_burst(server):
    ddb = server.client(config=ONE_ATTEMPT)
    make_table(ddb, "Thin", provisioned=(1, 1))
    server.control("PauseClock")
    # 300 seconds of 1 WCU: the burst a new table starts with.
    for i in range(300):
        ddb.put_item(TableName="Thin", Item={"pk": {"S": f"k{i}"}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Thin", Item={"pk": {"S": "over"}})
    assert error_of(e) == ("ProvisionedThroughputExceededException", TABLE_MSG, 400)
    reasons = e.value.response["ThrottlingReasons"]
    assert reasons[0]["reason"] == "TableWriteProvisionedThroughputExceeded"
    assert reasons[0]["resource"].endswith(":table/Thin")
    # Every item throttled: the batch fails; reads have their own capacity.
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={"Thin": [{"PutRequest": {"Item": {"pk": {"S": "b"}}}}]})
    assert error_of(e)[0] == "ProvisionedThroughputExceededException"
    assert "Item" in ddb.get_item(TableName="Thin", Key={"pk": {"S": "k1"}})
    # Two virtual seconds refill two units: a batch of three gets two through.
    server.control("AdvanceClock", {"seconds": 2})
    out = ddb.batch_write_item(RequestItems={"Thin": [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}}}} for i in range(3)]})
    assert out["UnprocessedItems"] == {"Thin": [{"PutRequest": {"Item": {"pk": {"S": "b2"}}}}]}

    metrics = server.control("dynamodb:GetTableMetrics", {"TableName": "Thin"})
    total_writes = sum(p["ConsumedWriteCapacityUnits"] for p in metrics["Datapoints"])
    throttle_events = sum(p["WriteThrottleEvents"] for p in metrics["Datapoints"])
    assert total_writes == 302.0
    assert throttle_events == 3
    requests = {}
    for p in metrics["Datapoints"]:
        for op, n in p["ThrottledRequests"].items():
            requests[op] = requests.get(op, 0) + n
    assert requests == {"PutItem": 1, "BatchWriteItem": 2}
    assert metrics["Datapoints"][-1]["ProvisionedWriteCapacityUnits"] == 1.0
