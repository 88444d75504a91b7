"""DynamoDB export to S3 and import from S3 through boto3: the operations' shapes as botocore
parses them (timestamps, counters, absent members), the PITR requirement, validation errors,
ClientToken behaviour, paging, the S3 failures both jobs report over virtual time, and a real
round trip: a CSV put with the S3 client, imported into a new table, exported back to S3 in
AWS's folder layout and read with the S3 client.
"""
import datetime
import gzip
import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import NO_RETRIES, error_of, make_table


def advance(server, seconds):
    server.control("AdvanceClock", {"seconds": seconds})


def table_arn(ddb, name):
    return ddb.describe_table(TableName=name)["Table"]["TableArn"]


def import_request(name, bucket="no-such-bucket", **extra):
    req = dict(
        S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": "in/"},
        InputFormat="CSV",
        TableCreationParameters={
            "TableName": name,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    req.update(extra)
    return req


def test_export_needs_pitr_then_fails_on_a_missing_bucket(server, ddb):
    make_table(ddb, "Orders")
    arn = table_arn(ddb, "Orders")
    with pytest.raises(ClientError) as e:
        ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="no-such-bucket")
    assert error_of(e)[:2] == ("PointInTimeRecoveryUnavailableException", "Point in time recovery is not enabled for table 'Orders'")

    ddb.update_continuous_backups(TableName="Orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    ddb.put_item(TableName="Orders", Item={"pk": {"S": "a"}})
    desc = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="no-such-bucket", S3Prefix="exports")["ExportDescription"]
    assert desc["ExportStatus"] == "IN_PROGRESS"
    assert desc["ExportFormat"] == "DYNAMODB_JSON"
    assert "ExportType" not in desc
    assert isinstance(desc["StartTime"], datetime.datetime)
    assert isinstance(desc["ExportTime"], datetime.datetime)
    assert desc["ClientToken"]  # botocore sends one
    assert desc["ExportArn"].startswith(arn + "/export/")

    advance(server, 6)
    final = ddb.describe_export(ExportArn=desc["ExportArn"])["ExportDescription"]
    assert final["ExportStatus"] == "FAILED"
    assert final["FailureCode"] == "S3NoSuchBucket"
    assert "bucket does not exist" in final["FailureMessage"]
    assert final["EndTime"] >= final["StartTime"]

    summaries = ddb.list_exports(TableArn=arn)["ExportSummaries"]
    assert summaries == [{"ExportArn": desc["ExportArn"], "ExportStatus": "FAILED", "ExportType": "FULL_EXPORT"}]


def test_export_errors_and_client_token(server, ddb):
    make_table(ddb, "Orders")
    ddb.update_continuous_backups(TableName="Orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    arn = table_arn(ddb, "Orders")
    cases = [
        (dict(ExportFormat="CSV"), "ValidationException", "exportFormat"),
        (dict(S3Prefix=""), "ValidationException", "s3Prefix"),
        (dict(ExportTime=datetime.datetime(2000, 1, 1)), "InvalidExportTimeException", "ExportTime"),
        (dict(ExportType="INCREMENTAL_EXPORT"), "ValidationException", "IncrementalExportSpecification"),
    ]
    for extra, code, needle in cases:
        with pytest.raises(ClientError) as e:
            ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="bucket-x", **extra)
        got = error_of(e)
        assert got[0] == code and needle in got[1], (extra, got)
    with pytest.raises(ClientError) as e:
        ddb.export_table_to_point_in_time(TableArn=arn.replace("Orders", "Nope"), S3Bucket="bucket-x")
    assert error_of(e)[0] == "TableNotFoundException"

    # An incremental window shorter than 15 minutes.
    advance(server, 3600)
    now = datetime.datetime.fromtimestamp(server.control("GetClock")["now"] / 1000, tz=datetime.timezone.utc)
    with pytest.raises(ClientError) as e:
        ddb.export_table_to_point_in_time(
            TableArn=arn, S3Bucket="bucket-x", ExportType="INCREMENTAL_EXPORT",
            IncrementalExportSpecification={"ExportFromTime": now - datetime.timedelta(minutes=20), "ExportToTime": now - datetime.timedelta(minutes=10), "ExportViewType": "NEW_IMAGE"},
        )
    assert error_of(e)[0] == "InvalidExportTimeException"
    inc = ddb.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="bucket-x", ExportType="INCREMENTAL_EXPORT",
        IncrementalExportSpecification={"ExportFromTime": now - datetime.timedelta(minutes=40), "ExportToTime": now - datetime.timedelta(minutes=10), "ExportViewType": "NEW_IMAGE"},
    )["ExportDescription"]
    assert inc["ExportType"] == "INCREMENTAL_EXPORT"
    assert inc["IncrementalExportSpecification"]["ExportViewType"] == "NEW_IMAGE"
    advance(server, 1)

    first = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="bucket-x", ClientToken="tok-1")["ExportDescription"]
    again = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="bucket-x", ClientToken="tok-1")["ExportDescription"]
    assert again["ExportArn"] == first["ExportArn"]
    with pytest.raises(ClientError) as e:
        ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="bucket-x", ClientToken="tok-1", ExportFormat="ION")
    assert error_of(e)[0] == "ExportConflictException"

    with pytest.raises(ClientError) as e:
        ddb.describe_export(ExportArn="qwerty:aws:dynamodb:us-east-1:000000000000:table/nonexistent_table_xyz")
    assert error_of(e)[:2] == ("ValidationException", "Invalid Export ARN")
    page = ddb.list_exports(TableArn=arn, MaxResults=1)
    rest = ddb.list_exports(TableArn=arn, MaxResults=1, NextToken=page["NextToken"])
    assert "NextToken" not in rest
    assert [s["ExportArn"] for p in (page, rest) for s in p["ExportSummaries"]] == [first["ExportArn"], inc["ExportArn"]]


def test_import_fails_on_a_missing_bucket_and_leaves_no_table(server, ddb):
    desc = ddb.import_table(**import_request("Imported"))["ImportTableDescription"]
    assert desc["ImportStatus"] == "IN_PROGRESS"
    assert desc["InputCompressionType"] == "NONE"
    assert desc["ProcessedItemCount"] == desc["ImportedItemCount"] == desc["ErrorCount"] == 0
    assert "ProcessedSizeBytes" not in desc and "EndTime" not in desc
    assert desc["CloudWatchLogGroupArn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/aws-dynamodb/imports:*"
    assert isinstance(desc["StartTime"], datetime.datetime)
    # The new table is CREATING while the import runs.
    assert ddb.describe_table(TableName="Imported")["Table"]["TableStatus"] == "CREATING"
    listed = ddb.list_imports(TableArn=desc["TableArn"])["ImportSummaryList"]
    assert [s["ImportStatus"] for s in listed] == ["IN_PROGRESS"]

    advance(server, 2)
    final = ddb.describe_import(ImportArn=desc["ImportArn"])["ImportTableDescription"]
    assert final["ImportStatus"] == "FAILED"
    assert final["FailureCode"] == "S3NoSuchBucket"
    assert final["FailureMessage"].startswith("The specified bucket does not exist")
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName="Imported")
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_import_errors_and_client_token(server, ddb):
    make_table(ddb, "Taken")
    with pytest.raises(ClientError) as e:
        ddb.import_table(**import_request("Taken"))
    assert error_of(e)[:2] == ("ResourceInUseException", "Table already exists: Taken")
    for extra, needle in [
        (dict(InputCompressionType="ZSTD"), "ZSTD is not supported in the sandbox"),
        (dict(InputFormat="DYNAMODB_JSON", InputFormatOptions={"Csv": {"Delimiter": ","}}), "InputFormatOptions"),
        (dict(InputFormatOptions={"Csv": {"Delimiter": "x"}}), "delimiter"),
    ]:
        with pytest.raises(ClientError) as e:
            ddb.import_table(**import_request("Fresh", **extra))
        got = error_of(e)
        assert got[0] == "ValidationException" and needle in got[1], (extra, got)

    first = ddb.import_table(ClientToken="imp-1", **import_request("Fresh"))["ImportTableDescription"]
    again = ddb.import_table(ClientToken="imp-1", **import_request("Fresh", InputFormat="ION"))["ImportTableDescription"]
    assert again["ImportArn"] == first["ImportArn"] and again["InputFormat"] == "CSV"
    with pytest.raises(ClientError) as e:
        ddb.import_table(ClientToken="imp-1", **import_request("Other"))
    assert error_of(e)[:2] == ("ImportConflictException", "Duplicate request detected with conflicting parameters")

    with pytest.raises(ClientError) as e:
        ddb.describe_import(ImportArn=first["TableArn"] + "/import/01658528578619-0badf00d")
    assert error_of(e)[0] == "ImportNotFoundException"
    with pytest.raises(ClientError) as e:
        ddb.list_imports(PageSize=26)
    assert error_of(e)[0] == "ValidationException"


def test_a_csv_put_with_the_s3_client_is_imported_then_exported_back_to_s3(server, ddb):
    s3 = server.client(service="s3", config=NO_RETRIES.merge(Config(s3={"addressing_style": "path"})))
    s3.create_bucket(Bucket="transfer-data")
    rows = "".join(f"u{i:03},user {i},{i}\n" for i in range(250))
    s3.put_object(Bucket="transfer-data", Key="in/users.csv", Body=("pk,name,score\n" + rows).encode())
    started = ddb.import_table(**import_request("Users", bucket="transfer-data"))["ImportTableDescription"]
    assert started["ImportStatus"] == "IN_PROGRESS"
    advance(server, 30)
    done = ddb.describe_import(ImportArn=started["ImportArn"])["ImportTableDescription"]
    assert done["ImportStatus"] == "COMPLETED", done
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done.get("ErrorCount", 0)) == (250, 250, 0)
    item = ddb.get_item(TableName="Users", Key={"pk": {"S": "u007"}})["Item"]
    # Non-key CSV columns are imported as strings, as DynamoDB does.
    assert item == {"pk": {"S": "u007"}, "name": {"S": "user 7"}, "score": {"S": "7"}}

    # Export needs PITR; the files land in AWS's layout under the prefix.
    ddb.update_continuous_backups(TableName="Users", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    arn = table_arn(ddb, "Users")
    export = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="transfer-data", S3Prefix="exports")["ExportDescription"]
    advance(server, 10)
    final = ddb.describe_export(ExportArn=export["ExportArn"])["ExportDescription"]
    assert final["ExportStatus"] == "COMPLETED", final
    assert final["ItemCount"] == 250
    export_id = export["ExportArn"].rsplit("/", 1)[1]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="transfer-data", Prefix=f"exports/AWSDynamoDB/{export_id}/")["Contents"]]
    base = f"exports/AWSDynamoDB/{export_id}/"
    for name in ["_started", "manifest-summary.json", "manifest-summary.md5", "manifest-files.json", "manifest-files.md5"]:
        assert base + name in keys, keys
    summary = json.loads(s3.get_object(Bucket="transfer-data", Key=base + "manifest-summary.json")["Body"].read())
    assert summary["itemCount"] == 250 and summary["outputFormat"] == "DYNAMODB_JSON"
    items = []
    for line in s3.get_object(Bucket="transfer-data", Key=base + "manifest-files.json")["Body"].read().decode().splitlines():
        data_key = json.loads(line)["dataFileS3Key"]
        body = gzip.decompress(s3.get_object(Bucket="transfer-data", Key=data_key)["Body"].read()).decode()
        items += [json.loads(l)["Item"] for l in body.splitlines()]
    assert len(items) == 250
    assert {"pk": {"S": "u007"}, "name": {"S": "user 7"}, "score": {"S": "7"}} in items
