"""Amazon S3 through boto3 (path-style addressing) and the AWS CLI against `gureum serve`."""
import hashlib
import os

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import NO_RETRIES, error_of

PATH_STYLE = NO_RETRIES.merge(Config(s3={"addressing_style": "path"}))


@pytest.fixture
def s3(server):
    return server.client(service="s3", config=PATH_STYLE)


def test_buckets_and_objects_round_trip(s3):
    assert s3.create_bucket(Bucket="data-bucket")["Location"] == "/data-bucket"
    s3.head_bucket(Bucket="data-bucket")
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert names == ["data-bucket"]

    put = s3.put_object(Bucket="data-bucket", Key="dir/hello world.txt", Body=b"hello world", ContentType="text/plain", Metadata={"Owner": "me"})
    assert put["ETag"] == '"5eb63bbbe01eeed093cb22bb8f5acdc3"'
    got = s3.get_object(Bucket="data-bucket", Key="dir/hello world.txt")
    assert got["Body"].read() == b"hello world"
    assert got["ContentType"] == "text/plain"
    assert got["ContentLength"] == 11
    assert got["Metadata"] == {"owner": "me"}
    assert got["ETag"] == put["ETag"]
    head = s3.head_object(Bucket="data-bucket", Key="dir/hello world.txt")
    assert head["ContentLength"] == 11
    assert head["LastModified"] == got["LastModified"]

    part = s3.get_object(Bucket="data-bucket", Key="dir/hello world.txt", Range="bytes=0-4")
    assert part["Body"].read() == b"hello"
    assert part["ContentRange"] == "bytes 0-4/11"
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206

    copy = s3.copy_object(Bucket="data-bucket", Key="copy.txt", CopySource={"Bucket": "data-bucket", "Key": "dir/hello world.txt"})
    assert copy["CopyObjectResult"]["ETag"] == put["ETag"]
    assert s3.get_object(Bucket="data-bucket", Key="copy.txt")["Body"].read() == b"hello world"

    listing = s3.list_objects_v2(Bucket="data-bucket")
    assert [o["Key"] for o in listing["Contents"]] == ["copy.txt", "dir/hello world.txt"]
    assert listing["KeyCount"] == 2
    assert listing["Contents"][0]["Size"] == 11
    root = s3.list_objects_v2(Bucket="data-bucket", Delimiter="/")
    assert [o["Key"] for o in root["Contents"]] == ["copy.txt"]
    assert root["CommonPrefixes"] == [{"Prefix": "dir/"}]

    s3.delete_object(Bucket="data-bucket", Key="copy.txt")
    s3.delete_object(Bucket="data-bucket", Key="copy.txt")
    out = s3.delete_objects(Bucket="data-bucket", Delete={"Objects": [{"Key": "dir/hello world.txt"}, {"Key": "never"}]})
    assert sorted(d["Key"] for d in out["Deleted"]) == ["dir/hello world.txt", "never"]
    assert "Contents" not in s3.list_objects_v2(Bucket="data-bucket")
    s3.delete_bucket(Bucket="data-bucket")
    assert s3.list_buckets()["Buckets"] == []


def test_errors_match_aws(s3):
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket="Bad_Name")
    assert error_of(e) == ("InvalidBucketName", "The specified bucket is not valid.", 400)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="missing-bucket", Key="k")
    assert error_of(e) == ("NoSuchBucket", "The specified bucket does not exist", 404)
    assert e.value.response["Error"]["BucketName"] == "missing-bucket"
    s3.create_bucket(Bucket="errs")
    with pytest.raises(s3.exceptions.NoSuchKey) as e:
        s3.get_object(Bucket="errs", Key="nope")
    assert error_of(e) == ("NoSuchKey", "The specified key does not exist.", 404)
    assert e.value.response["Error"]["Key"] == "nope"
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket="errs", Key="nope")
    assert error_of(e)[0] == "404"
    s3.put_object(Bucket="errs", Key="k", Body=b"0123")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="errs", Key="k", Range="bytes=10-")
    assert error_of(e) == ("InvalidRange", "The requested range is not satisfiable", 416)
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket="errs")
    assert error_of(e) == ("BucketNotEmpty", "The bucket you tried to delete is not empty", 409)
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket="errs", VersioningConfiguration={"Status": "Enabled"})
    assert error_of(e)[0] == "NotImplemented" and error_of(e)[2] == 501
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket="errs", Key="big", UploadId="nope")
    assert error_of(e)[0] == "NotImplemented"
    etag = s3.head_object(Bucket="errs", Key="k")["ETag"]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="errs", Key="k", IfNoneMatch=etag)
    assert error_of(e)[2] == 304
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="errs", Key="k", IfMatch='"other"')
    assert error_of(e)[:1] == ("PreconditionFailed",) and error_of(e)[2] == 412


def test_regions_and_redirects(server):
    eu = server.client(region="eu-west-1", service="s3", config=PATH_STYLE)
    us = server.client(service="s3", config=PATH_STYLE)
    with pytest.raises(ClientError) as e:
        eu.create_bucket(Bucket="euro-data")
    assert error_of(e)[0] == "IllegalLocationConstraintException"
    eu.create_bucket(Bucket="euro-data", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert us.get_bucket_location(Bucket="euro-data")["LocationConstraint"] == "eu-west-1"
    assert eu.head_bucket(Bucket="euro-data")["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"
    # boto3 follows S3's 301 (x-amz-bucket-region) to the bucket's region.
    us.put_object(Bucket="euro-data", Key="k", Body=b"v")
    assert eu.get_object(Bucket="euro-data", Key="k")["Body"].read() == b"v"
    # (a fresh client: the first has cached the bucket's region and would send it to eu-west-1)
    with pytest.raises(ClientError) as e:
        server.client(service="s3", config=PATH_STYLE).create_bucket(Bucket="euro-data")
    assert error_of(e)[0] == "BucketAlreadyOwnedByYou"


def test_paging_with_the_paginator(s3):
    s3.create_bucket(Bucket="pages")
    for n in range(25):
        s3.put_object(Bucket="pages", Key=f"logs/{n // 10}/{n:02}.txt", Body=b"x")
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="pages", PaginationConfig={"PageSize": 7}):
        assert page["KeyCount"] <= 7
        keys += [o["Key"] for o in page.get("Contents", [])]
    assert keys == sorted(f"logs/{n // 10}/{n:02}.txt" for n in range(25))
    folders = s3.list_objects_v2(Bucket="pages", Prefix="logs/", Delimiter="/")
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == ["logs/0/", "logs/1/", "logs/2/"]


def test_large_object_and_checksums(s3):
    s3.create_bucket(Bucket="big")
    data = os.urandom(6 * 1024 * 1024)
    put = s3.put_object(Bucket="big", Key="blob.bin", Body=data, ChecksumAlgorithm="CRC32")
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert "ChecksumCRC32" in put
    got = s3.get_object(Bucket="big", Key="blob.bin", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got["ChecksumCRC32"] == put["ChecksumCRC32"]
    # upload_fileobj/download_fileobj (s3transfer) below the multipart threshold.
    import io
    s3.upload_fileobj(io.BytesIO(b"transfer"), "big", "t.txt")
    buf = io.BytesIO()
    s3.download_fileobj("big", "t.txt", buf)
    assert buf.getvalue() == b"transfer"


def test_multipart_uploads(s3, server, tmp_path):
    from boto3.s3.transfer import TransferConfig
    s3.create_bucket(Bucket="multi")
    data = os.urandom(11 * 1024 * 1024 + 123)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    # boto3's transfer manager: 5 MiB parts.
    s3.upload_file(str(src), "multi", "boto.bin", Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
    head = s3.head_object(Bucket="multi", Key="boto.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')
    assert s3.get_object(Bucket="multi", Key="boto.bin")["Body"].read() == data
    # The CLI: above its 8 MB threshold it uploads in parts.
    out = server.aws("s3", "cp", str(src), "s3://multi/cli.bin")
    assert out.returncode == 0, out.stderr
    assert s3.get_object(Bucket="multi", Key="cli.bin")["Body"].read() == data
    up = s3.create_multipart_upload(Bucket="multi", Key="abandoned")
    s3.abort_multipart_upload(Bucket="multi", Key="abandoned", UploadId=up["UploadId"])
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket="multi", Key="abandoned", UploadId=up["UploadId"], PartNumber=1, Body=b"x")
    assert error_of(e)[0] == "NoSuchUpload"


def test_objects_survive_a_restart(server):
    s3 = server.client(service="s3", config=PATH_STYLE)
    s3.create_bucket(Bucket="durable")
    s3.put_object(Bucket="durable", Key="a/b.json", Body=b'{"a": 1}', ContentType="application/json")
    server.restart(hard=True)
    s3 = server.client(service="s3", config=PATH_STYLE)
    got = s3.get_object(Bucket="durable", Key="a/b.json")
    assert got["Body"].read() == b'{"a": 1}'
    assert got["ContentType"] == "application/json"


def test_aws_cli_s3_commands(server, tmp_path):
    def aws(*args):
        out = server.aws(*args)
        assert out.returncode == 0, out.stderr
        return out.stdout

    aws("s3", "mb", "s3://cli-bucket")
    assert "cli-bucket" in aws("s3", "ls")
    src = tmp_path / "report.csv"
    src.write_text("id,name\n1,ada\n")
    aws("s3", "cp", str(src), "s3://cli-bucket/reports/2026/report.csv")
    listing = aws("s3", "ls", "s3://cli-bucket/reports/2026/")
    assert "report.csv" in listing and " 14 " in listing
    assert "PRE reports/" in aws("s3", "ls", "s3://cli-bucket/")
    assert "reports/2026/report.csv" in aws("s3", "ls", "s3://cli-bucket", "--recursive")
    dst = tmp_path / "back.csv"
    aws("s3", "cp", "s3://cli-bucket/reports/2026/report.csv", str(dst))
    assert dst.read_text() == "id,name\n1,ada\n"
    (tmp_path / "tree").mkdir()
    for n in range(3):
        (tmp_path / "tree" / f"f{n}.txt").write_text(str(n))
    aws("s3", "sync", str(tmp_path / "tree"), "s3://cli-bucket/tree")
    assert aws("s3", "ls", "s3://cli-bucket/tree/").count(".txt") == 3
    aws("s3api", "put-object", "--bucket", "cli-bucket", "--key", "api.txt", "--body", str(src))
    assert '"ContentLength": 14' in aws("s3api", "head-object", "--bucket", "cli-bucket", "--key", "api.txt")
    aws("s3", "rm", "s3://cli-bucket/reports/2026/report.csv")
    aws("s3", "rm", "s3://cli-bucket", "--recursive")
    aws("s3", "rb", "s3://cli-bucket")
    assert "cli-bucket" not in aws("s3", "ls")
