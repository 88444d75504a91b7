"""Athena (the sandbox's subset) through boto3: SQL over a DynamoDB export written into S3 in
AWS's export layout, results paged with the header row first, the result CSV in S3, and
failures reported as Athena reports them."""
import gzip
import json
import time

import pytest
from botocore.config import Config

from conftest import NO_RETRIES, error_of

EXPORT = "exports/orders/AWSDynamoDB/01767225600000-0a1b2c3d/"
ITEMS = [
    {"pk": {"S": "o1"}, "total": {"N": "25.5"}, "status": {"S": "SHIPPED"}, "customer": {"M": {"name": {"S": "Ada"}, "tier": {"S": "gold"}}}, "lines": {"L": [{"S": "book"}, {"S": "pen"}]}},
    {"pk": {"S": "o2"}, "total": {"N": "10"}, "status": {"S": "PENDING"}, "customer": {"M": {"name": {"S": "Grace"}}}},
    {"pk": {"S": "o3"}, "total": {"N": "7.25"}, "status": {"S": "SHIPPED"}, "customer": {"M": {"name": {"S": "Ada"}, "tier": {"S": "gold"}}}},
]


@pytest.fixture
def clients(server):
    s3 = server.client(service="s3", config=NO_RETRIES.merge(Config(s3={"addressing_style": "path"})))
    athena = server.client(service="athena")
    s3.create_bucket(Bucket="lake")
    key = EXPORT + "data/part-0.json.gz"
    body = gzip.compress("".join(json.dumps({"Item": i}) + "\n" for i in ITEMS).encode())
    s3.put_object(Bucket="lake", Key=key, Body=body)
    s3.put_object(Bucket="lake", Key=EXPORT + "manifest-files.json", Body=json.dumps({"itemCount": 3, "md5Checksum": "x", "etag": "y", "dataFileS3Key": key}).encode() + b"\n")
    s3.put_object(Bucket="lake", Key=EXPORT + "manifest-summary.json", Body=json.dumps({"exportType": "FULL_EXPORT", "outputFormat": "DYNAMODB_JSON", "itemCount": 3}).encode())
    return s3, athena, len(body)


def run(athena, sql, output="s3://lake/results/"):
    qid = athena.start_query_execution(QueryString=sql, QueryExecutionContext={"Database": "default"}, ResultConfiguration={"OutputLocation": output})["QueryExecutionId"]
    # The usual client loop: poll until the query is no longer QUEUED or RUNNING.
    for _ in range(50):
        ex = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        if ex["Status"]["State"] not in ("QUEUED", "RUNNING"):
            return qid, ex
        time.sleep(0.1)
    pytest.fail("the query did not finish")


def values(rows):
    return [[d.get("VarCharValue") for d in r["Data"]] for r in rows]


def test_query_an_export(clients):
    s3, athena, data_bytes = clients
    sql = f'SELECT customer.name AS who, count(*) AS orders, sum(total) AS spent FROM "s3://lake/{EXPORT}" WHERE status = \'SHIPPED\' OR lines[1] = \'book\' GROUP BY customer.name ORDER BY spent DESC'
    qid, ex = run(athena, sql)
    assert ex["Status"]["State"] == "SUCCEEDED"
    assert ex["Statistics"]["DataScannedInBytes"] == data_bytes
    assert ex["ResultConfiguration"]["OutputLocation"] == f"s3://lake/results/{qid}.csv"
    assert ex["Status"]["SubmissionDateTime"] <= ex["Status"]["CompletionDateTime"]
    res = athena.get_query_results(QueryExecutionId=qid)
    assert values(res["ResultSet"]["Rows"]) == [["who", "orders", "spent"], ["Ada", "2", "32.75"]]
    cols = res["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"]) for c in cols] == [("who", "varchar"), ("orders", "bigint"), ("spent", "decimal")]
    csv = s3.get_object(Bucket="lake", Key=f"results/{qid}.csv")["Body"].read().decode()
    assert csv == '"who","orders","spent"\n"Ada","2","32.75"\n'
    assert athena.list_query_executions()["QueryExecutionIds"] == [qid]


def test_paginator_pages_rows_with_the_header_first(clients):
    _, athena, _ = clients
    qid, _ = run(athena, f'SELECT pk, customer.tier FROM "s3://lake/{EXPORT}" ORDER BY pk')
    pages = list(athena.get_paginator("get_query_results").paginate(QueryExecutionId=qid, PaginationConfig={"PageSize": 2}))
    assert [values(p["ResultSet"]["Rows"]) for p in pages] == [[["pk", "tier"], ["o1", "gold"]], [["o2", None], ["o3", "gold"]]]


def test_failures(clients):
    _, athena, _ = clients
    qid, ex = run(athena, f'SELECT pk FROM "s3://lake/{EXPORT}" WHERE')
    assert ex["Status"]["State"] == "FAILED"
    assert ex["Status"]["StateChangeReason"] == "SYNTAX_ERROR: Expected: an expression, found: EOF"
    with pytest.raises(athena.exceptions.InvalidRequestException) as e:
        athena.get_query_results(QueryExecutionId=qid)
    assert error_of(e)[0] == "InvalidRequestException"

    _, ex = run(athena, 'SELECT * FROM "s3://lake/exports/AWSDynamoDB/missing/"')
    assert ex["Status"]["StateChangeReason"].startswith("TABLE_NOT_FOUND: line 1:15: No DynamoDB export at s3://lake/exports/AWSDynamoDB/missing/")

    with pytest.raises(athena.exceptions.InvalidRequestException) as e:
        athena.start_query_execution(QueryString="SELECT 1 FROM t")
    assert "No output location provided" in error_of(e)[1]
    with pytest.raises(athena.exceptions.InvalidRequestException) as e:
        athena.get_query_execution(QueryExecutionId="00000000-0000-0000-0000-000000000000")
    assert error_of(e)[1] == "QueryExecution 00000000-0000-0000-0000-000000000000 was not found"
