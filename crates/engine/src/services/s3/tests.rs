//! S3 behaviour, with AWS's documented answers as the oracle.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::{
    store::{encode_batch, Image},
    Engine, EngineConfig, Request,
};

const NOW: i64 = 1_767_225_600_000;

fn engine() -> Engine {
    Engine::new(EngineConfig { start_virtual_ms: NOW, ..Default::default() }, 0)
}

fn call_in(e: &mut Engine, region: &str, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.call(0, &Request::new("s3", op, region, input))
}

fn ok(e: &mut Engine, op: &str, input: Value) -> Value {
    call_in(e, "us-east-1", op, input).unwrap_or_else(|err| panic!("{op} failed: {err}"))
}

fn err(e: &mut Engine, op: &str, input: Value) -> crate::AwsError {
    call_in(e, "us-east-1", op, input).expect_err("expected an error")
}

fn b64(s: &[u8]) -> String {
    B64.encode(s)
}

fn put(e: &mut Engine, bucket: &str, key: &str, body: &str) -> Value {
    ok(e, "PutObject", json!({"Bucket": bucket, "Key": key, "Body": b64(body.as_bytes())}))
}

fn body_of(out: &Value) -> Vec<u8> {
    B64.decode(out["Body"].as_str().unwrap()).unwrap()
}

fn with_bucket() -> Engine {
    let mut e = engine();
    ok(&mut e, "CreateBucket", json!({"Bucket": "bkt"}));
    e
}

fn keys(out: &Value) -> Vec<String> {
    out["Contents"].as_array().map(|a| a.iter().map(|c| c["Key"].as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

fn prefixes(out: &Value) -> Vec<String> {
    out["CommonPrefixes"].as_array().map(|a| a.iter().map(|c| c["Prefix"].as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

#[test]
fn buckets_are_created_listed_headed_and_deleted() {
    let mut e = engine();
    assert_eq!(ok(&mut e, "CreateBucket", json!({"Bucket": "my-bucket"})), json!({"Location": "/my-bucket"}));
    // us-east-1 re-creation of an owned bucket succeeds (legacy behaviour), elsewhere it is 409.
    ok(&mut e, "CreateBucket", json!({"Bucket": "my-bucket"}));
    let out = call_in(&mut e, "eu-west-1", "CreateBucket", json!({"Bucket": "euro.data", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}})).unwrap();
    assert_eq!(out["Location"], "http://euro.data.s3.amazonaws.com/");
    let er = call_in(&mut e, "eu-west-1", "CreateBucket", json!({"Bucket": "euro.data", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}})).unwrap_err();
    assert_eq!((er.kind.as_str(), er.status), ("BucketAlreadyOwnedByYou", 409));
    let er = err(&mut e, "CreateBucket", json!({"Bucket": "euro.data"}));
    assert_eq!(er.kind, "BucketAlreadyOwnedByYou");

    let list = ok(&mut e, "ListBuckets", json!({}));
    assert_eq!(list["Buckets"].as_array().unwrap().len(), 2);
    assert_eq!(list["Buckets"][0], json!({"Name": "euro.data", "CreationDate": NOW as f64 / 1000.0, "BucketRegion": "eu-west-1"}));
    assert_eq!(list["Owner"]["ID"].as_str().unwrap().len(), 64);
    let page = ok(&mut e, "ListBuckets", json!({"MaxBuckets": 1}));
    assert_eq!(page["Buckets"][0]["Name"], "euro.data");
    let next = ok(&mut e, "ListBuckets", json!({"MaxBuckets": 1, "ContinuationToken": page["ContinuationToken"]}));
    assert_eq!(next["Buckets"][0]["Name"], "my-bucket");
    assert!(next.get("ContinuationToken").is_none());
    assert_eq!(ok(&mut e, "ListBuckets", json!({"BucketRegion": "eu-west-1"}))["Buckets"].as_array().unwrap().len(), 1);
    assert_eq!(ok(&mut e, "ListBuckets", json!({"Prefix": "my"}))["Buckets"][0]["Name"], "my-bucket");

    assert_eq!(ok(&mut e, "HeadBucket", json!({"Bucket": "my-bucket"}))["BucketRegion"], "us-east-1");
    assert_eq!(ok(&mut e, "GetBucketLocation", json!({"Bucket": "euro.data"})), json!({"LocationConstraint": "eu-west-1"}));
    assert_eq!(ok(&mut e, "GetBucketLocation", json!({"Bucket": "my-bucket"})), json!({"LocationConstraint": null}));
    // A bucket in another region: S3's redirect, naming the region.
    let er = err(&mut e, "HeadBucket", json!({"Bucket": "euro.data"}));
    assert_eq!((er.kind.as_str(), er.status), ("PermanentRedirect", 301));
    assert_eq!(er.extra.unwrap()["BucketRegion"], "eu-west-1");

    put(&mut e, "my-bucket", "k", "x");
    let er = err(&mut e, "DeleteBucket", json!({"Bucket": "my-bucket"}));
    assert_eq!((er.kind.as_str(), er.message.as_str(), er.status), ("BucketNotEmpty", "The bucket you tried to delete is not empty", 409));
    ok(&mut e, "DeleteObject", json!({"Bucket": "my-bucket", "Key": "k"}));
    assert_eq!(ok(&mut e, "DeleteBucket", json!({"Bucket": "my-bucket"})), json!({}));
    let er = err(&mut e, "HeadBucket", json!({"Bucket": "my-bucket"}));
    assert_eq!((er.kind.as_str(), er.status), ("NoSuchBucket", 404));
    assert_eq!(err(&mut e, "DeleteBucket", json!({"Bucket": "my-bucket"})).kind, "NoSuchBucket");
}

#[test]
fn bucket_names_and_locations_follow_s3s_rules() {
    let mut e = engine();
    for bad in ["ab", "Upper", "a_b", "-ab", "ab-", "a..b", "192.168.5.4", "xn--abc", "sthree-x", "amzn-s3-demo-x", "abc-s3alias", "abc--ol-s3", "a.mrap", &"a".repeat(64)] {
        let er = err(&mut e, "CreateBucket", json!({"Bucket": bad}));
        assert_eq!((er.kind.as_str(), er.message.as_str(), er.status), ("InvalidBucketName", "The specified bucket is not valid.", 400), "{bad}");
    }
    for good in ["abc", "a.b-c.1", "192.168.5.4a", &"a".repeat(63)] {
        ok(&mut e, "CreateBucket", json!({"Bucket": good}));
    }
    let er = err(&mut e, "CreateBucket", json!({"Bucket": "zzz", "CreateBucketConfiguration": {"LocationConstraint": "us-east-1"}}));
    assert_eq!(er.kind, "InvalidLocationConstraint");
    let er = err(&mut e, "CreateBucket", json!({"Bucket": "zzz", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}));
    assert_eq!(er.kind, "IllegalLocationConstraintException");
    assert!(er.message.starts_with("The eu-west-1 location constraint is incompatible"));
    let er = call_in(&mut e, "eu-west-1", "CreateBucket", json!({"Bucket": "zzz"})).unwrap_err();
    assert_eq!(er.message, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.");
    let er = err(&mut e, "CreateBucket", json!({"Bucket": "zzz", "ObjectLockEnabledForBucket": true}));
    assert_eq!((er.kind.as_str(), er.status), ("NotImplemented", 501));
    let er = err(&mut e, "PutBucketVersioning", json!({"Bucket": "abc", "VersioningConfiguration": {"Status": "Enabled"}}));
    assert_eq!(er.kind, "NotImplemented");
    assert!(er.message.contains("unversioned"));
    assert_eq!(ok(&mut e, "GetBucketVersioning", json!({"Bucket": "abc"})), json!({}));
    assert_eq!(err(&mut e, "ListParts", json!({"Bucket": "abc", "Key": "k", "UploadId": "x"})).kind, "NotImplemented");
}

#[test]
fn objects_are_put_read_and_deleted() {
    let mut e = with_bucket();
    let out = ok(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "dir/hello.txt", "Body": b64(b"hello world"), "ContentType": "text/plain", "Metadata": {"Owner": "me"}}));
    assert_eq!(out, json!({"ETag": "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"", "ServerSideEncryption": "AES256"}));
    let got = ok(&mut e, "GetObject", json!({"Bucket": "bkt", "Key": "dir/hello.txt"}));
    assert_eq!(body_of(&got), b"hello world");
    assert_eq!(got["ContentLength"], 11);
    assert_eq!(got["ContentType"], "text/plain");
    assert_eq!(got["ETag"], "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
    assert_eq!(got["LastModified"], NOW as f64 / 1000.0);
    assert_eq!(got["Metadata"], json!({"owner": "me"}), "metadata names are lower-cased");
    let head = ok(&mut e, "HeadObject", json!({"Bucket": "bkt", "Key": "dir/hello.txt"}));
    assert!(head.get("Body").is_none());
    assert_eq!(head["ContentLength"], 11);
    // No ContentType: S3's default.
    put(&mut e, "bkt", "empty", "");
    let got = ok(&mut e, "GetObject", json!({"Bucket": "bkt", "Key": "empty"}));
    assert_eq!(
        (got["ContentType"].as_str(), got["ContentLength"].as_u64(), got["ETag"].as_str()),
        (Some("binary/octet-stream"), Some(0), Some("\"d41d8cd98f00b204e9800998ecf8427e\""))
    );

    let er = err(&mut e, "GetObject", json!({"Bucket": "bkt", "Key": "nope"}));
    assert_eq!((er.kind.as_str(), er.message.as_str(), er.status), ("NoSuchKey", "The specified key does not exist.", 404));
    assert_eq!(er.extra.unwrap()["Key"], "nope");
    let er = err(&mut e, "GetObject", json!({"Bucket": "nope", "Key": "k"}));
    assert_eq!((er.kind.as_str(), er.status), ("NoSuchBucket", 404));
    assert_eq!(err(&mut e, "PutObject", json!({"Bucket": "nope", "Key": "k"})).kind, "NoSuchBucket");

    assert_eq!(ok(&mut e, "DeleteObject", json!({"Bucket": "bkt", "Key": "dir/hello.txt"})), json!({}));
    assert_eq!(ok(&mut e, "DeleteObject", json!({"Bucket": "bkt", "Key": "dir/hello.txt"})), json!({}), "idempotent");
    assert_eq!(err(&mut e, "HeadObject", json!({"Bucket": "bkt", "Key": "dir/hello.txt"})).kind, "NoSuchKey");
    assert_eq!(err(&mut e, "DeleteObject", json!({"Bucket": "nope", "Key": "k"})).kind, "NoSuchBucket");
}

#[test]
fn object_limits_and_unsupported_members() {
    let mut e = with_bucket();
    let er = err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k".repeat(1025)}));
    assert_eq!((er.kind.as_str(), er.message.as_str()), ("KeyTooLongError", "Your key is too long"));
    ok(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "é".repeat(512)}));
    let er = err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "Metadata": {"a": "x".repeat(2048)}}));
    assert_eq!(er.kind, "MetadataTooLarge");
    let er = err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "Tagging": "a=b"}));
    assert_eq!((er.kind.as_str(), er.status), ("NotImplemented", 501));
    assert!(er.message.contains("Tagging"));
    assert_eq!(err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "StorageClass": "GLACIER"})).kind, "NotImplemented");
    ok(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "StorageClass": "STANDARD"}));
    assert_eq!(err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "Nonsense": 1})).kind, "ValidationException");
    assert_eq!(err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "Body": "not base64!"})).kind, "ValidationException");
    assert_eq!(err(&mut e, "PutObject", json!({"Bucket": "bkt"})).kind, "ValidationException");
    assert_eq!(err(&mut e, "GetObject", json!({"Bucket": "bkt", "Key": "k", "VersionId": "v"})).kind, "NotImplemented");
    assert_eq!(err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "Body": b64(b"abc"), "ContentLength": 4})).kind, "IncompleteBody");
}

#[test]
fn checksums_and_content_md5_are_verified() {
    let mut e = with_bucket();
    let crc = B64.encode(crc32fast::hash(b"data").to_be_bytes());
    let out = ok(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "Body": b64(b"data"), "ChecksumAlgorithm": "CRC32", "ChecksumCRC32": crc}));
    assert_eq!(out["ChecksumCRC32"], crc.as_str());
    let er = err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "Body": b64(b"data"), "ChecksumCRC32": "AAAAAA=="}));
    assert_eq!((er.kind.as_str(), er.status), ("BadDigest", 400));
    assert_eq!(ok(&mut e, "GetObject", json!({"Bucket": "bkt", "Key": "k", "ChecksumMode": "ENABLED"}))["ChecksumCRC32"], crc.as_str());
    assert!(ok(&mut e, "GetObject", json!({"Bucket": "bkt", "Key": "k"})).get("ChecksumCRC32").is_none());
    let md5 = B64.encode(crate::services::sqs::digest::md5(b"data"));
    ok(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "Body": b64(b"data"), "ContentMD5": md5}));
    assert_eq!(err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "Body": b64(b"datb"), "ContentMD5": md5})).kind, "BadDigest");
    assert_eq!(err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "Body": b64(b"data"), "ContentMD5": "xx"})).kind, "InvalidDigest");
    let sha = ok(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "s", "Body": b64(b"data"), "ChecksumAlgorithm": "SHA256"}));
    assert_eq!(sha["ChecksumSHA256"], B64.encode(crate::services::sqs::digest::sha256(b"data")));
    assert_eq!(err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "ChecksumAlgorithm": "CRC32C"})).kind, "NotImplemented");
}

#[test]
fn ranges_follow_http_and_s3() {
    let mut e = with_bucket();
    put(&mut e, "bkt", "k", "0123456789");
    let get = |e: &mut Engine, range: &str| call_in(e, "us-east-1", "GetObject", json!({"Bucket": "bkt", "Key": "k", "Range": range}));
    let out = get(&mut e, "bytes=2-5").unwrap();
    assert_eq!((body_of(&out), out["ContentRange"].as_str(), out["ContentLength"].as_u64()), (b"2345".to_vec(), Some("bytes 2-5/10"), Some(4)));
    assert_eq!(body_of(&get(&mut e, "bytes=7-").unwrap()), b"789");
    assert_eq!(body_of(&get(&mut e, "bytes=-3").unwrap()), b"789");
    assert_eq!(body_of(&get(&mut e, "bytes=8-100").unwrap()), b"89");
    assert_eq!(body_of(&get(&mut e, "bytes=-100").unwrap()), b"0123456789");
    // What S3 cannot parse it ignores: the whole object, no ContentRange.
    for ignored in ["bytes=5-2", "items=1-2", "bytes=a-b", "bytes=1-2,4-5"] {
        let out = get(&mut e, ignored).unwrap();
        assert_eq!(body_of(&out), b"0123456789", "{ignored}");
        assert!(out.get("ContentRange").is_none());
    }
    let er = get(&mut e, "bytes=10-").unwrap_err();
    assert_eq!((er.kind.as_str(), er.message.as_str(), er.status), ("InvalidRange", "The requested range is not satisfiable", 416));
    assert_eq!(er.extra.unwrap()["ActualObjectSize"], "10");
    let head = ok(&mut e, "HeadObject", json!({"Bucket": "bkt", "Key": "k", "Range": "bytes=0-0"}));
    assert_eq!(head["ContentLength"], 1);
}

#[test]
fn conditional_reads_and_writes() {
    let mut e = with_bucket();
    let etag = put(&mut e, "bkt", "k", "v1")["ETag"].as_str().unwrap().to_string();
    let read = |e: &mut Engine, extra: Value| {
        let mut input = json!({"Bucket": "bkt", "Key": "k"});
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        call_in(e, "us-east-1", "GetObject", input)
    };
    assert!(read(&mut e, json!({"IfMatch": etag})).is_ok());
    assert_eq!(read(&mut e, json!({"IfMatch": "\"other\""})).unwrap_err().status, 412);
    assert_eq!(read(&mut e, json!({"IfNoneMatch": etag})).unwrap_err().status, 304);
    assert_eq!(read(&mut e, json!({"IfModifiedSince": NOW / 1000})).unwrap_err().kind, "NotModified");
    assert!(read(&mut e, json!({"IfModifiedSince": NOW / 1000 - 1})).is_ok());
    assert_eq!(read(&mut e, json!({"IfUnmodifiedSince": NOW / 1000 - 1})).unwrap_err().kind, "PreconditionFailed");
    // If-Match that holds wins over If-Unmodified-Since that does not.
    assert!(read(&mut e, json!({"IfMatch": etag, "IfUnmodifiedSince": NOW / 1000 - 1})).is_ok());
    let er = err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "IfNoneMatch": "*"}));
    assert_eq!((er.kind.as_str(), er.status), ("PreconditionFailed", 412));
    ok(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "new", "IfNoneMatch": "*"}));
    assert_eq!(err(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "IfMatch": "\"x\""})).status, 412);
    ok(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "k", "IfMatch": etag}));
}

#[test]
fn list_objects_v2_prefixes_delimiters_and_pages() {
    let mut e = with_bucket();
    for k in ["a/1", "a/2", "a/b/3", "b/4", "c", "d/5", "d/6", "e"] {
        put(&mut e, "bkt", k, k);
    }
    let list = |e: &mut Engine, input: Value| {
        let mut i = json!({"Bucket": "bkt"});
        i.as_object_mut().unwrap().extend(input.as_object().unwrap().clone());
        ok(e, "ListObjectsV2", i)
    };
    let all = list(&mut e, json!({}));
    assert_eq!(keys(&all), ["a/1", "a/2", "a/b/3", "b/4", "c", "d/5", "d/6", "e"]);
    assert_eq!((all["KeyCount"].as_u64(), all["IsTruncated"].as_bool(), all["MaxKeys"].as_u64()), (Some(8), Some(false), Some(1000)));
    assert_eq!(all["Contents"][0]["Size"], 3);
    assert_eq!(all["Contents"][0]["StorageClass"], "STANDARD");
    assert!(all["Contents"][0].get("Owner").is_none());
    assert!(list(&mut e, json!({"FetchOwner": true}))["Contents"][0]["Owner"]["ID"].is_string());

    let root = list(&mut e, json!({"Delimiter": "/"}));
    assert_eq!(keys(&root), ["c", "e"]);
    assert_eq!(prefixes(&root), ["a/", "b/", "d/"]);
    assert_eq!(root["KeyCount"], 5);
    let a = list(&mut e, json!({"Delimiter": "/", "Prefix": "a/"}));
    assert_eq!((keys(&a), prefixes(&a)), (vec!["a/1".to_string(), "a/2".into()], vec!["a/b/".to_string()]));
    assert_eq!(a["Prefix"], "a/");

    // Pages of two entries, keys and common prefixes counted alike.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut input = json!({"Delimiter": "/", "MaxKeys": 2});
        if let Some(t) = &token {
            input["ContinuationToken"] = json!(t);
        }
        let page = list(&mut e, input);
        pages += 1;
        assert!(page["KeyCount"].as_u64().unwrap() <= 2);
        seen.extend(keys(&page));
        seen.extend(prefixes(&page));
        if let Some(t) = &token {
            assert_eq!(page["ContinuationToken"], t.as_str());
        }
        if page["IsTruncated"] == true {
            token = Some(page["NextContinuationToken"].as_str().unwrap().to_string());
        } else {
            assert!(page.get("NextContinuationToken").is_none());
            break;
        }
    }
    assert_eq!(pages, 3);
    seen.sort();
    assert_eq!(seen, ["a/", "b/", "c", "d/", "e"]);

    let after = list(&mut e, json!({"StartAfter": "b/4"}));
    assert_eq!(keys(&after), ["c", "d/5", "d/6", "e"]);
    assert_eq!(after["StartAfter"], "b/4");
    assert_eq!(keys(&list(&mut e, json!({"Prefix": "d/", "MaxKeys": 1}))), ["d/5"]);
    let none = list(&mut e, json!({"Prefix": "zzz"}));
    assert!(none.get("Contents").is_none());
    assert_eq!(none["KeyCount"], 0);
    let er = err(&mut e, "ListObjectsV2", json!({"Bucket": "bkt", "ContinuationToken": "garbage"}));
    assert_eq!((er.kind.as_str(), er.message.as_str()), ("InvalidArgument", "The continuation token provided is incorrect"));
    assert_eq!(err(&mut e, "ListObjectsV2", json!({"Bucket": "bkt", "MaxKeys": -1})).kind, "InvalidArgument");
    assert_eq!(err(&mut e, "ListObjectsV2", json!({"Bucket": "nope"})).kind, "NoSuchBucket");
    // More than 1,000 keys: pages of 1,000 at most, whatever MaxKeys says.
    for n in 0..1005 {
        ok(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": format!("many/{n:04}")}));
    }
    let page = list(&mut e, json!({"Prefix": "many/", "MaxKeys": 5000}));
    assert_eq!((page["KeyCount"].as_u64(), page["IsTruncated"].as_bool()), (Some(1000), Some(true)));
    let rest = list(&mut e, json!({"Prefix": "many/", "ContinuationToken": page["NextContinuationToken"]}));
    assert_eq!(keys(&rest), ["many/1000", "many/1001", "many/1002", "many/1003", "many/1004"]);
}

#[test]
fn url_encoding_type_encodes_keys() {
    let mut e = with_bucket();
    put(&mut e, "bkt", "a b/ü+&", "x");
    let out = ok(&mut e, "ListObjectsV2", json!({"Bucket": "bkt", "EncodingType": "url"}));
    assert_eq!(out["Contents"][0]["Key"], "a%20b/%C3%BC%2B%26");
    assert_eq!(out["EncodingType"], "url");
    let out = ok(&mut e, "ListObjectsV2", json!({"Bucket": "bkt", "EncodingType": "url", "Delimiter": "/"}));
    assert_eq!(out["CommonPrefixes"][0]["Prefix"], "a%20b/");
}

#[test]
fn delete_objects_reports_each_key() {
    let mut e = with_bucket();
    put(&mut e, "bkt", "x", "1");
    put(&mut e, "bkt", "y", "2");
    let out = ok(&mut e, "DeleteObjects", json!({"Bucket": "bkt", "Delete": {"Objects": [{"Key": "x"}, {"Key": "missing"}]}}));
    assert_eq!(out, json!({"Deleted": [{"Key": "x"}, {"Key": "missing"}]}));
    let out = ok(&mut e, "DeleteObjects", json!({"Bucket": "bkt", "Delete": {"Objects": [{"Key": "y"}], "Quiet": true}}));
    assert_eq!(out, json!({}));
    assert!(ok(&mut e, "ListObjectsV2", json!({"Bucket": "bkt"})).get("Contents").is_none());
    let many: Vec<Value> = (0..1001).map(|n| json!({"Key": n.to_string()})).collect();
    assert_eq!(err(&mut e, "DeleteObjects", json!({"Bucket": "bkt", "Delete": {"Objects": many}})).kind, "MalformedXML");
    assert_eq!(err(&mut e, "DeleteObjects", json!({"Bucket": "bkt", "Delete": {"Objects": []}})).kind, "MalformedXML");
}

#[test]
fn copy_object_copies_bytes_and_metadata() {
    let mut e = with_bucket();
    ok(&mut e, "CreateBucket", json!({"Bucket": "other"}));
    ok(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "src key", "Body": b64(b"payload"), "ContentType": "text/plain", "Metadata": {"m": "1"}}));
    let out = ok(&mut e, "CopyObject", json!({"Bucket": "other", "Key": "dst", "CopySource": "bkt/src%20key"}));
    assert_eq!(out["CopyObjectResult"]["ETag"], etag_hex(b"payload"));
    let got = ok(&mut e, "GetObject", json!({"Bucket": "other", "Key": "dst"}));
    assert_eq!((body_of(&got), got["ContentType"].as_str(), got["Metadata"].clone()), (b"payload".to_vec(), Some("text/plain"), json!({"m": "1"})));
    ok(&mut e, "CopyObject", json!({"Bucket": "other", "Key": "dst2", "CopySource": "/bkt/src%20key", "MetadataDirective": "REPLACE", "ContentType": "application/json"}));
    let got = ok(&mut e, "HeadObject", json!({"Bucket": "other", "Key": "dst2"}));
    assert_eq!((got["ContentType"].as_str(), got["Metadata"].clone()), (Some("application/json"), json!({})));
    let er = err(&mut e, "CopyObject", json!({"Bucket": "bkt", "Key": "src key", "CopySource": "bkt/src%20key"}));
    assert_eq!(er.kind, "InvalidRequest");
    ok(&mut e, "CopyObject", json!({"Bucket": "bkt", "Key": "src key", "CopySource": "bkt/src%20key", "MetadataDirective": "REPLACE"}));
    assert_eq!(err(&mut e, "CopyObject", json!({"Bucket": "bkt", "Key": "k", "CopySource": "bkt/none"})).kind, "NoSuchKey");
    assert_eq!(err(&mut e, "CopyObject", json!({"Bucket": "bkt", "Key": "k", "CopySource": "nob/none"})).kind, "NoSuchBucket");
    assert_eq!(err(&mut e, "CopyObject", json!({"Bucket": "bkt", "Key": "k", "CopySource": "justbucket"})).kind, "InvalidArgument");
    assert_eq!(err(&mut e, "CopyObject", json!({"Bucket": "bkt", "Key": "k", "CopySource": "bkt/src%20key?versionId=1"})).kind, "NotImplemented");
    assert_eq!(err(&mut e, "CopyObject", json!({"Bucket": "bkt", "Key": "k", "CopySource": "bkt/src%20key", "CopySourceIfNoneMatch": etag_hex(b"payload")})).status, 412);
}

fn etag_hex(body: &[u8]) -> String {
    format!("\"{}\"", crate::services::sqs::digest::md5_hex(body))
}

/// Applies the engine's pending changes to `img`, as a store would.
fn commit(e: &mut Engine, img: &mut Image) {
    let changes = e.take_changes();
    if !changes.is_empty() {
        img.apply_segment(&encode_batch(&changes)).unwrap();
    }
}

#[test]
fn objects_persist_across_restore_and_export() {
    let mut e = engine();
    let mut img = Image::default();
    commit(&mut e, &mut img);
    ok(&mut e, "CreateBucket", json!({"Bucket": "bkt"}));
    call_in(&mut e, "eu-west-1", "CreateBucket", json!({"Bucket": "eu-b", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}})).unwrap();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    ok(&mut e, "PutObject", json!({"Bucket": "bkt", "Key": "bin/a%2Fb/../x", "Body": b64(&bytes), "Metadata": {"k": "v"}, "ChecksumAlgorithm": "CRC32"}));
    put(&mut e, "bkt", "gone", "x");
    call_in(&mut e, "eu-west-1", "PutObject", json!({"Bucket": "eu-b", "Key": "k", "Body": b64(b"eu")})).unwrap();
    commit(&mut e, &mut img);
    ok(&mut e, "DeleteObject", json!({"Bucket": "bkt", "Key": "gone"}));
    commit(&mut e, &mut img);
    assert_eq!(img.clone().into_records(), e.snapshot());
    let mut restored = Engine::restore(EngineConfig::default(), 0, img.into_records()).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    let got = ok(&mut restored, "GetObject", json!({"Bucket": "bkt", "Key": "bin/a%2Fb/../x", "ChecksumMode": "ENABLED"}));
    assert_eq!(body_of(&got), bytes);
    assert_eq!(got["Metadata"], json!({"k": "v"}));
    assert!(got["ChecksumCRC32"].is_string());
    assert_eq!(keys(&ok(&mut restored, "ListObjectsV2", json!({"Bucket": "bkt"}))), ["bin/a%2Fb/../x"]);
    assert_eq!(call_in(&mut restored, "eu-west-1", "GetObject", json!({"Bucket": "eu-b", "Key": "k"})).map(|o| body_of(&o)).unwrap(), b"eu");
    // The object record holds the bytes raw, not base64.
    let rec = e.snapshot().into_iter().find(|r| r.key.starts_with("s3/us-east-1/object/bkt/")).unwrap();
    assert_eq!(rec.key, "s3/us-east-1/object/bkt/bin%2Fa%252Fb%2F..%2Fx");
    assert!(rec.value.len() < 5000 + 400);

    // Export and import keep everything (objects as readable JSON with base64 bodies).
    let exported = e.control(0, "ExportSandbox", &json!({})).unwrap();
    let mut fresh = engine();
    fresh.control(0, "ImportSandbox", &json!({"sandbox": exported})).unwrap();
    assert_eq!(fresh.snapshot(), e.snapshot());
}

#[test]
fn odd_inputs_get_errors_not_panics() {
    let mut e = with_bucket();
    put(&mut e, "bkt", "k", "0123");
    let inputs = [
        json!(null),
        json!([]),
        json!({"Bucket": 1}),
        json!({"Bucket": "bkt", "Key": ["k"]}),
        json!({"Bucket": "bkt", "Key": "k", "Range": "bytes=18446744073709551615-"}),
        json!({"Bucket": "bkt", "Key": "k", "Range": "bytes=-18446744073709551616"}),
        json!({"Bucket": "bkt", "Key": "k", "Metadata": {"a": 1}}),
        json!({"Bucket": "bkt", "Key": "k", "IfModifiedSince": 1e308}),
        json!({"Bucket": "bkt", "Key": "k", "IfModifiedSince": "yesterday"}),
        json!({"Bucket": "bkt", "Delete": {"Objects": [1]}}),
        json!({"Bucket": "bkt", "Delete": {"Objects": [{"Key": ""}]}}),
        json!({"Bucket": "bkt", "Key": "k", "CopySource": "bkt/%ZZ"}),
        json!({"Bucket": "bkt", "Key": "k", "CopySource": "bkt/%FF"}),
        json!({"Bucket": "bkt", "MaxKeys": 1e10}),
        json!({"Bucket": "bkt", "ContinuationToken": ""}),
        json!({"Bucket": "bkt", "Prefix": "k", "StartAfter": "\u{10ffff}"}),
        json!({"Bucket": "bkt", "Delimiter": "", "Prefix": ""}),
        json!({"Bucket": "bkt", "CreateBucketConfiguration": "x"}),
        json!({"MaxBuckets": 0}),
        json!({"ContinuationToken": "%%%"}),
    ];
    for op in [
        "CreateBucket",
        "DeleteBucket",
        "HeadBucket",
        "ListBuckets",
        "PutObject",
        "GetObject",
        "HeadObject",
        "DeleteObject",
        "DeleteObjects",
        "CopyObject",
        "ListObjectsV2",
        "GetBucketLocation",
        "Whatever",
    ] {
        for input in &inputs {
            let _ = call_in(&mut e, "us-east-1", op, input.clone());
        }
    }
}

#[test]
fn multipart_uploads_assemble_objects() {
    let mut e = with_bucket();
    let mut img = Image::default();
    commit(&mut e, &mut img);
    let up = ok(
        &mut e,
        "CreateMultipartUpload",
        json!({"Bucket": "bkt", "Key": "big.bin", "ContentType": "application/octet-stream", "Metadata": {"a": "1"}, "ChecksumAlgorithm": "CRC32"}),
    );
    let id = up["UploadId"].as_str().unwrap().to_string();
    assert_eq!(up["ChecksumType"], "COMPOSITE");
    let p1: Vec<u8> = vec![1u8; 5 * 1024 * 1024];
    let p2: Vec<u8> = b"tail".to_vec();
    let e1 = ok(&mut e, "UploadPart", json!({"Bucket": "bkt", "Key": "big.bin", "UploadId": id, "PartNumber": 1, "Body": b64(&p1)}))["ETag"].as_str().unwrap().to_string();
    let small = ok(&mut e, "UploadPart", json!({"Bucket": "bkt", "Key": "big.bin", "UploadId": id, "PartNumber": 2, "Body": b64(b"x")}));
    assert!(small["ChecksumCRC32"].is_string());
    // Too small a part before the last.
    let parts = json!([{"PartNumber": 2, "ETag": small["ETag"]}, {"PartNumber": 3, "ETag": "\"x\""}]);
    assert_eq!(err(&mut e, "CompleteMultipartUpload", json!({"Bucket": "bkt", "Key": "big.bin", "UploadId": id, "MultipartUpload": {"Parts": parts}})).kind, "EntityTooSmall");
    let parts = json!([{"PartNumber": 1, "ETag": e1}, {"PartNumber": 3, "ETag": "\"x\""}]);
    assert_eq!(err(&mut e, "CompleteMultipartUpload", json!({"Bucket": "bkt", "Key": "big.bin", "UploadId": id, "MultipartUpload": {"Parts": parts}})).kind, "InvalidPart");
    let e2 = ok(&mut e, "UploadPart", json!({"Bucket": "bkt", "Key": "big.bin", "UploadId": id, "PartNumber": 2, "Body": b64(&p2)}))["ETag"].as_str().unwrap().to_string();
    let bad_order = json!([{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]);
    assert_eq!(
        err(&mut e, "CompleteMultipartUpload", json!({"Bucket": "bkt", "Key": "big.bin", "UploadId": id, "MultipartUpload": {"Parts": bad_order}})).kind,
        "InvalidPartOrder"
    );
    commit(&mut e, &mut img);
    // The upload survives a restore.
    let mut e = Engine::restore(EngineConfig::default(), 0, img.clone().into_records()).unwrap();
    let parts = json!([{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]);
    let done = ok(&mut e, "CompleteMultipartUpload", json!({"Bucket": "bkt", "Key": "big.bin", "UploadId": id, "MultipartUpload": {"Parts": parts}}));
    let mut digests = crate::services::sqs::digest::md5(&p1).to_vec();
    digests.extend(crate::services::sqs::digest::md5(&p2));
    assert_eq!(done["ETag"], format!("\"{}-2\"", crate::services::sqs::digest::md5_hex(&digests)));
    assert!(done["ChecksumCRC32"].as_str().unwrap().ends_with("-2"));
    let got = ok(&mut e, "GetObject", json!({"Bucket": "bkt", "Key": "big.bin", "Range": "bytes=5242878-"}));
    assert_eq!(body_of(&got), [1, 1, b't', b'a', b'i', b'l']);
    assert_eq!(got["Metadata"], json!({"a": "1"}));
    assert_eq!(err(&mut e, "UploadPart", json!({"Bucket": "bkt", "Key": "big.bin", "UploadId": id, "PartNumber": 1})).kind, "NoSuchUpload");
    commit(&mut e, &mut img);
    assert_eq!(img.clone().into_records(), e.snapshot());
    assert!(!e.snapshot().iter().any(|r| r.key.contains("/upload/")), "a completed upload leaves no records");
    // Abort; a bucket's delete aborts what is left.
    let id = ok(&mut e, "CreateMultipartUpload", json!({"Bucket": "bkt", "Key": "k"}))["UploadId"].as_str().unwrap().to_string();
    assert_eq!(err(&mut e, "UploadPart", json!({"Bucket": "bkt", "Key": "k", "UploadId": id, "PartNumber": 10001})).kind, "InvalidArgument");
    ok(&mut e, "AbortMultipartUpload", json!({"Bucket": "bkt", "Key": "k", "UploadId": id}));
    assert_eq!(err(&mut e, "AbortMultipartUpload", json!({"Bucket": "bkt", "Key": "k", "UploadId": id})).kind, "NoSuchUpload");
    ok(&mut e, "CreateMultipartUpload", json!({"Bucket": "bkt", "Key": "k"}));
    ok(&mut e, "DeleteObject", json!({"Bucket": "bkt", "Key": "big.bin"}));
    ok(&mut e, "DeleteBucket", json!({"Bucket": "bkt"}));
    assert_eq!(e.snapshot().iter().filter(|r| r.key.starts_with("s3/")).count(), 0);
}
