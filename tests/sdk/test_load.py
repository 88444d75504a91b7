"""The load generator and the cost meter through `gureum serve`'s control endpoint, with boto3
seeing the same throttled table (retries off). The virtual clock is paused: only AdvanceClock
moves it, so the figures are exact."""
import json
import urllib.error

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import error_of, make_table

ONE_ATTEMPT = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def test_a_write_load_throttles_the_table_for_everyone_and_is_priced(server):
    ddb = server.client(config=ONE_ATTEMPT)
    make_table(ddb, "Loaded", provisioned=(1, 2))
    server.control("PauseClock")
    started = server.control("dynamodb:StartLoad", {"TableName": "Loaded", "Operation": "PutItem", "RequestsPerSecond": 10,
                                                    "DurationSeconds": 600, "ItemSizeBytes": 1000})["Load"]
    assert (started["Status"], started["RequestsSent"]) == ("RUNNING", 0)
    # 300 virtual seconds: 301 ticks of 10 writes; the burst (600 units) and 2 a second get through.
    server.control("AdvanceClock", {"seconds": 300})
    load = server.control("dynamodb:DescribeLoad", {"TableName": "Loaded"})["Load"]
    assert load["RequestsSent"] == 3010
    assert abs(load["Succeeded"] - 1200) <= 5
    assert load["Throttled"] == 3010 - load["Succeeded"]
    assert load["LastThrottle"]["Type"] == "ProvisionedThroughputExceededException"
    # The load spent the capacity: a client's own write is throttled too.
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Loaded", Item={"pk": {"S": "mine"}})
    assert error_of(e)[0] == "ProvisionedThroughputExceededException"
    assert ddb.describe_table(TableName="Loaded")["Table"]["ItemCount"] == 100

    cost = server.control("dynamodb:GetTableCost", {"TableName": "Loaded"})
    assert cost["BillingMode"] == "PROVISIONED"
    assert cost["OnDemand"]["WriteRequestUnits"] == load["Succeeded"]
    assert cost["Prices"]["WriteRequestUnitsPerMillion"] == 0.625
    assert cost["Provisioned"]["Cost"] > 0 and cost["OnDemand"]["Cost"] > 0

    stopped = server.control("dynamodb:StopLoad", {"TableName": "Loaded"})["Load"]
    assert stopped["Status"] == "STOPPED"


def test_control_errors_come_back_as_aws_errors(server):
    ddb = server.client()
    make_table(ddb, "Quiet", provisioned=(1, 1))
    assert server.control("dynamodb:DescribeLoad", {"TableName": "Quiet"}) == {}
    with pytest.raises(urllib.error.HTTPError) as e:
        server.control("dynamodb:StartLoad", {"TableName": "Quiet", "Operation": "Scan", "RequestsPerSecond": 1, "DurationSeconds": 1})
    body = json.loads(e.value.read())
    assert e.value.code == 400
    assert body["message"] == "Operation must be PutItem or GetItem"
