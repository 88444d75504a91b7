//! PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects, CopyObject.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use super::{
    buckets::{check_owner, seconds},
    errors,
    input::Input,
    model::{self, Object, ObjectMeta},
    S3,
};
use crate::kernel::{error::AwsError, service::Cx};
use crate::services::sqs::digest;

/// AWS allows 5 GB in one PutObject; the sandbox holds objects in memory (and the browser's in
/// a wasm heap), so it stops at 256 MiB and says so.
pub const MAX_OBJECT_BYTES: usize = 256 * 1024 * 1024;
/// User-defined metadata: names and values, UTF-8 bytes.
pub const MAX_METADATA_BYTES: usize = 2 * 1024;
pub const MAX_KEY_BYTES: usize = 1024;
pub const DEFAULT_CONTENT_TYPE: &str = "binary/octet-stream";

/// The system metadata an object keeps besides its content type, by member name.
fn system(meta: &ObjectMeta) -> [(&'static str, &Option<String>); 4] {
    [
        ("ContentEncoding", &meta.content_encoding),
        ("ContentDisposition", &meta.content_disposition),
        ("ContentLanguage", &meta.content_language),
        ("CacheControl", &meta.cache_control),
    ]
}

/// Members of PutObject (and CopyObject) the sandbox does not implement.
pub(crate) const UNSUPPORTED_WRITE: &[&str] = &[
    "ACL",
    "GrantFullControl",
    "GrantRead",
    "GrantReadACP",
    "GrantWriteACP",
    "Expires",
    "WebsiteRedirectLocation",
    "SSECustomerAlgorithm",
    "SSECustomerKey",
    "SSECustomerKeyMD5",
    "SSEKMSKeyId",
    "SSEKMSEncryptionContext",
    "BucketKeyEnabled",
    "RequestPayer",
    "Tagging",
    "TaggingDirective",
    "ObjectLockMode",
    "ObjectLockRetainUntilDate",
    "ObjectLockLegalHoldStatus",
    "ChecksumCRC32C",
    "ChecksumCRC64NVME",
    "ChecksumSHA1",
    "WriteOffsetBytes",
    "CopySourceSSECustomerAlgorithm",
    "CopySourceSSECustomerKey",
    "CopySourceSSECustomerKeyMD5",
];

pub fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", digest::md5_hex(body))
}

pub fn crc32_of(body: &[u8]) -> String {
    B64.encode(crc32fast::hash(body).to_be_bytes())
}

pub fn sha256_of(body: &[u8]) -> String {
    B64.encode(digest::sha256(body))
}

pub(crate) fn check_key(key: &str) -> Result<(), AwsError> {
    if key.is_empty() {
        return Err(errors::validation("Key must not be empty."));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(errors::s3("KeyTooLongError", "Your key is too long", 400).with("Size", json!(key.len())).with("MaxSizeAllowed", json!(MAX_KEY_BYTES)));
    }
    Ok(())
}

/// StorageClass and ServerSideEncryption: only what the sandbox is (STANDARD, SSE-S3).
pub(crate) fn check_storage(i: &Input) -> Result<(), AwsError> {
    if let Some(class) = i.string("StorageClass")?.filter(|c| *c != "STANDARD") {
        return Err(errors::not_implemented(format!("The storage class {class}")));
    }
    if let Some(sse) = i.string("ServerSideEncryption")?.filter(|s| *s != "AES256") {
        return Err(errors::not_implemented(format!("Server-side encryption {sse}")));
    }
    Ok(())
}

/// Content type, the other system headers and user metadata from a request.
pub(crate) fn metadata_from(i: &Input, meta: &mut ObjectMeta) -> Result<(), AwsError> {
    meta.content_type = i.string("ContentType")?.unwrap_or(DEFAULT_CONTENT_TYPE).to_string();
    meta.content_encoding = i.string("ContentEncoding")?.map(str::to_string);
    meta.content_disposition = i.string("ContentDisposition")?.map(str::to_string);
    meta.content_language = i.string("ContentLanguage")?.map(str::to_string);
    meta.cache_control = i.string("CacheControl")?.map(str::to_string);
    let mut metadata = BTreeMap::new();
    let mut size = 0;
    for (k, v) in i.string_map("Metadata")? {
        size += k.len() + v.len();
        metadata.insert(k.to_ascii_lowercase(), v.to_string());
    }
    if size > MAX_METADATA_BYTES {
        return Err(errors::s3("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.", 400)
            .with("Size", json!(size))
            .with("MaxSizeAllowed", json!(MAX_METADATA_BYTES)));
    }
    meta.metadata = metadata;
    Ok(())
}

/// ChecksumAlgorithm and the checksum values of a write: verified against the bytes, and kept.
pub(crate) fn checksums(i: &Input, body: &[u8], meta: &mut ObjectMeta) -> Result<(), AwsError> {
    let algorithm = i.string("ChecksumAlgorithm")?;
    match algorithm {
        None | Some("CRC32") | Some("SHA256") => {}
        Some(a @ ("CRC32C" | "SHA1" | "CRC64NVME")) => return Err(errors::not_implemented(format!("The {a} checksum algorithm"))),
        Some(a) => return Err(errors::invalid_argument("Value for x-amz-sdk-checksum-algorithm header is invalid.", "x-amz-sdk-checksum-algorithm", a)),
    }
    let crc = i.string("ChecksumCRC32")?;
    let sha = i.string("ChecksumSHA256")?;
    if let Some(given) = crc {
        let actual = crc32_of(body);
        if given != actual {
            return Err(errors::s3("BadDigest", "The CRC32 you specified did not match the calculated checksum.", 400));
        }
        meta.checksum_crc32 = Some(actual);
    } else if algorithm == Some("CRC32") {
        meta.checksum_crc32 = Some(crc32_of(body));
    }
    if let Some(given) = sha {
        let actual = sha256_of(body);
        if given != actual {
            return Err(errors::s3("BadDigest", "The SHA256 you specified did not match the calculated checksum.", 400));
        }
        meta.checksum_sha256 = Some(actual);
    } else if algorithm == Some("SHA256") {
        meta.checksum_sha256 = Some(sha256_of(body));
    }
    if let Some(md5) = i.string("ContentMD5")? {
        let given = B64.decode(md5).ok().filter(|d| d.len() == 16).ok_or_else(|| errors::s3("InvalidDigest", "The Content-MD5 you specified was not valid.", 400))?;
        if given != digest::md5(body) {
            return Err(errors::s3("BadDigest", "The Content-MD5 you specified did not match what we received.", 400));
        }
    }
    Ok(())
}

fn checksum_members(meta: &ObjectMeta, out: &mut Map<String, Value>) {
    if let Some(c) = &meta.checksum_crc32 {
        out.insert("ChecksumCRC32".into(), json!(c));
    }
    if let Some(c) = &meta.checksum_sha256 {
        out.insert("ChecksumSHA256".into(), json!(c));
    }
    if meta.checksum_crc32.is_some() || meta.checksum_sha256.is_some() {
        out.insert("ChecksumType".into(), json!("FULL_OBJECT"));
    }
}

pub(crate) fn store(s3: &mut S3, cx: &mut Cx, bucket: &str, object: Object) -> Result<(), AwsError> {
    let region = cx.region.to_string();
    let b = s3.bucket_mut(&region, bucket)?;
    cx.journal.put(model::object_key(&region, bucket, &object.meta.key), model::encode_object(&object));
    b.insert(object);
    Ok(())
}

pub fn put_object(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only(
        "PutObject",
        &[
            "Bucket",
            "Key",
            "Body",
            "ContentLength",
            "ContentType",
            "ContentEncoding",
            "ContentDisposition",
            "ContentLanguage",
            "CacheControl",
            "Metadata",
            "ContentMD5",
            "ChecksumAlgorithm",
            "ChecksumCRC32",
            "ChecksumSHA256",
            "StorageClass",
            "ServerSideEncryption",
            "ExpectedBucketOwner",
            "IfMatch",
            "IfNoneMatch",
        ],
        UNSUPPORTED_WRITE,
    )?;
    let bucket = i.required("Bucket")?;
    let key = i.required("Key")?;
    check_owner(cx, &i)?;
    check_key(key)?;
    check_storage(&i)?;
    let body = i.blob("Body")?;
    if let Some(len) = i.int("ContentLength")? {
        if len != body.len() as i64 {
            return Err(errors::s3("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header", 400));
        }
    }
    if body.len() > MAX_OBJECT_BYTES {
        return Err(errors::s3(
            "EntityTooLarge",
            format!("Your proposed upload exceeds the maximum allowed object size (the sandbox's limit is {} MiB; S3's is 5 GB).", MAX_OBJECT_BYTES >> 20),
            400,
        )
        .with("ProposedSize", json!(body.len()))
        .with("MaxSizeAllowed", json!(MAX_OBJECT_BYTES)));
    }
    let mut meta = ObjectMeta { key: key.to_string(), ..Default::default() };
    metadata_from(&i, &mut meta)?;
    checksums(&i, &body, &mut meta)?;
    let existing = s3.bucket(cx.region, bucket)?.objects.get(key);
    // Conditional writes: If-None-Match `*` (create only), If-Match an ETag (replace only that).
    match i.string("IfNoneMatch")? {
        Some("*") if existing.is_some() => return Err(precondition_failed("If-None-Match")),
        Some("*") | None => {}
        Some(other) => return Err(errors::not_implemented(format!("If-None-Match {other} on PutObject (only * is)"))),
    }
    if let Some(tag) = i.string("IfMatch")? {
        match existing {
            None => return Err(no_such_key_for_condition(key)),
            Some(o) if !etag_matches(tag, &o.meta.etag) => return Err(precondition_failed("If-Match")),
            _ => {}
        }
    }
    meta.etag = etag_of(&body);
    meta.last_modified_ms = cx.now_ms;
    let mut out = Map::new();
    out.insert("ETag".into(), json!(meta.etag));
    out.insert("ServerSideEncryption".into(), json!("AES256"));
    checksum_members(&meta, &mut out);
    store(s3, cx, bucket, Object { meta, body: Arc::new(body) })?;
    Ok(Value::Object(out))
}

fn no_such_key_for_condition(key: &str) -> AwsError {
    errors::no_such_key(key)
}

fn precondition_failed(condition: &str) -> AwsError {
    errors::s3("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412).with("Condition", json!(condition))
}

fn not_modified() -> AwsError {
    errors::s3("NotModified", "Not Modified", 304)
}

/// Whether an If-Match / If-None-Match value (`*`, or ETags, quoted or not, comma-separated)
/// names `etag`.
fn etag_matches(given: &str, etag: &str) -> bool {
    let bare = etag.trim_matches('"');
    given.split(',').map(|t| t.trim().trim_start_matches("W/").trim_matches('"')).any(|t| t == "*" || t == bare)
}

/// S3's conditional-request rules (RFC 7232 with S3's precedence). `copy` makes every failure
/// PreconditionFailed, as CopyObject's x-amz-copy-source-if-* conditions are.
fn check_conditions(
    meta: &ObjectMeta,
    if_match: Option<&str>,
    if_none_match: Option<&str>,
    modified_since: Option<i64>,
    unmodified_since: Option<i64>,
    copy: bool,
) -> Result<(), AwsError> {
    // HTTP dates have whole seconds.
    let modified = meta.last_modified_ms.div_euclid(1000) * 1000;
    let names = if copy {
        ["x-amz-copy-source-If-Match", "x-amz-copy-source-If-Unmodified-Since", "x-amz-copy-source-If-None-Match", "x-amz-copy-source-If-Modified-Since"]
    } else {
        ["If-Match", "If-Unmodified-Since", "If-None-Match", "If-Modified-Since"]
    };
    let refuse = |i: usize| if copy || i < 2 { precondition_failed(names[i]) } else { not_modified() };
    match if_match {
        Some(tag) if !etag_matches(tag, &meta.etag) => return Err(refuse(0)),
        Some(_) => {}
        None => {
            if unmodified_since.is_some_and(|t| modified > t) {
                return Err(refuse(1));
            }
        }
    }
    match if_none_match {
        Some(tag) if etag_matches(tag, &meta.etag) => return Err(refuse(2)),
        Some(_) => {}
        None => {
            if modified_since.is_some_and(|t| modified <= t) {
                return Err(refuse(3));
            }
        }
    }
    Ok(())
}

/// A `Range` value: `bytes=a-b`, `bytes=a-` or `bytes=-n`. `Ok(None)`: not a range S3 reads
/// (it then sends the whole object, as HTTP says to ignore a Range it cannot parse);
/// `Err`: a range the object cannot satisfy.
fn parse_range(range: &str, size: u64) -> Result<Option<(u64, u64)>, AwsError> {
    let unsatisfiable =
        || errors::s3("InvalidRange", "The requested range is not satisfiable", 416).with("RangeRequested", json!(range)).with("ActualObjectSize", json!(size.to_string()));
    let Some(spec) = range.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.split_once('-') else { return Ok(None) };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) { s.parse::<u64>().ok() } else { None };
    match (a.is_empty(), b.is_empty()) {
        (true, false) => {
            let Some(n) = num(b) else { return Ok(None) };
            if n == 0 || size == 0 {
                return Err(unsatisfiable());
            }
            Ok(Some((size.saturating_sub(n), size - 1)))
        }
        (false, _) => {
            let Some(start) = num(a) else { return Ok(None) };
            let end = if b.is_empty() {
                u64::MAX
            } else {
                match num(b) {
                    Some(e) if e >= start => e,
                    _ => return Ok(None),
                }
            };
            if start >= size {
                return Err(unsatisfiable());
            }
            Ok(Some((start, end.min(size - 1))))
        }
        (true, true) => Ok(None),
    }
}

/// GetObject (`with_body`) and HeadObject.
pub fn get_object(s3: &mut S3, cx: &mut Cx, input: &Value, with_body: bool) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    let op = if with_body { "GetObject" } else { "HeadObject" };
    i.only(
        op,
        &[
            "Bucket",
            "Key",
            "Range",
            "IfMatch",
            "IfNoneMatch",
            "IfModifiedSince",
            "IfUnmodifiedSince",
            "ChecksumMode",
            "ExpectedBucketOwner",
            "ResponseContentType",
            "ResponseContentDisposition",
            "ResponseContentEncoding",
            "ResponseContentLanguage",
            "ResponseCacheControl",
        ],
        &["VersionId", "PartNumber", "SSECustomerAlgorithm", "SSECustomerKey", "SSECustomerKeyMD5", "RequestPayer", "ResponseExpires"],
    )?;
    let bucket = i.required("Bucket")?;
    let key = i.required("Key")?;
    check_owner(cx, &i)?;
    let checksum_mode = match i.string("ChecksumMode")? {
        None => false,
        Some("ENABLED") => true,
        Some(other) => return Err(errors::invalid_argument("Value for x-amz-checksum-mode header is invalid.", "x-amz-checksum-mode", other)),
    };
    let b = s3.bucket(cx.region, bucket)?;
    let object = b.objects.get(key).ok_or_else(|| errors::no_such_key(key))?;
    let meta = &object.meta;
    check_conditions(meta, i.string("IfMatch")?, i.string("IfNoneMatch")?, i.epoch_ms("IfModifiedSince")?, i.epoch_ms("IfUnmodifiedSince")?, false)?;
    let size = object.body.len() as u64;
    let range = match i.string("Range")? {
        Some(r) => parse_range(r, size)?,
        None => None,
    };
    let mut out = Map::new();
    out.insert("AcceptRanges".into(), json!("bytes"));
    out.insert("LastModified".into(), seconds(meta.last_modified_ms));
    let (start, end) = range.unwrap_or((0, size.saturating_sub(1)));
    let length = if size == 0 { 0 } else { end - start + 1 };
    out.insert("ContentLength".into(), json!(length));
    out.insert("ETag".into(), json!(meta.etag));
    if let Some((start, end)) = range {
        out.insert("ContentRange".into(), json!(format!("bytes {start}-{end}/{size}")));
    } else if checksum_mode {
        checksum_members(meta, &mut out);
    }
    out.insert("ContentType".into(), json!(i.string("ResponseContentType")?.unwrap_or(&meta.content_type)));
    let overrides = ["ResponseContentEncoding", "ResponseContentDisposition", "ResponseContentLanguage", "ResponseCacheControl"];
    for ((name, stored), over) in system(meta).into_iter().zip(overrides) {
        if let Some(v) = i.string(over)?.or(stored.as_deref()) {
            out.insert(name.into(), json!(v));
        }
    }
    out.insert("ServerSideEncryption".into(), json!("AES256"));
    out.insert("Metadata".into(), json!(meta.metadata));
    if with_body {
        let bytes = if size == 0 { &[][..] } else { &object.body[start as usize..=end as usize] };
        out.insert("Body".into(), json!(B64.encode(bytes)));
    }
    Ok(Value::Object(out))
}

pub fn delete_object(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only(
        "DeleteObject",
        &["Bucket", "Key", "ExpectedBucketOwner"],
        &["VersionId", "MFA", "RequestPayer", "BypassGovernanceRetention", "IfMatch", "IfMatchLastModifiedTime", "IfMatchSize"],
    )?;
    let bucket = i.required("Bucket")?;
    let key = i.required("Key")?;
    check_owner(cx, &i)?;
    check_key(key)?;
    let region = cx.region.to_string();
    let b = s3.bucket_mut(&region, bucket)?;
    // Deleting a key that is not there succeeds: DeleteObject is idempotent.
    if b.remove(key).is_some() {
        cx.journal.delete(model::object_key(&region, bucket, key));
    }
    Ok(json!({}))
}

pub fn delete_objects(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only("DeleteObjects", &["Bucket", "Delete", "ExpectedBucketOwner", "ChecksumAlgorithm"], &["MFA", "RequestPayer", "BypassGovernanceRetention"])?;
    let bucket = i.required("Bucket")?;
    check_owner(cx, &i)?;
    let delete = i.object("Delete")?.ok_or_else(errors::malformed_xml)?;
    delete.only("Delete", &["Objects", "Quiet"], &[])?;
    let quiet = delete.bool("Quiet")?.unwrap_or(false);
    let objects = delete.list("Objects")?.ok_or_else(errors::malformed_xml)?;
    if objects.is_empty() || objects.len() > 1000 {
        return Err(errors::malformed_xml());
    }
    let mut keys = Vec::with_capacity(objects.len());
    for o in objects {
        let o = Input::new(o)?;
        o.only("ObjectIdentifier", &["Key"], &["VersionId", "ETag", "LastModifiedTime", "Size"])?;
        keys.push(o.required("Key")?);
    }
    let region = cx.region.to_string();
    let b = s3.bucket_mut(&region, bucket)?;
    let (mut deleted, mut failed) = (Vec::new(), Vec::new());
    for key in keys {
        if key.is_empty() || key.len() > MAX_KEY_BYTES {
            failed.push(json!({ "Key": key, "Code": if key.is_empty() { "InvalidArgument" } else { "KeyTooLongError" }, "Message": if key.is_empty() { "Invalid key" } else { "Your key is too long" } }));
            continue;
        }
        if b.remove(key).is_some() {
            cx.journal.delete(model::object_key(&region, bucket, key));
        }
        if !quiet {
            deleted.push(json!({ "Key": key }));
        }
    }
    let mut out = Map::new();
    if !deleted.is_empty() {
        out.insert("Deleted".into(), Value::Array(deleted));
    }
    if !failed.is_empty() {
        out.insert("Errors".into(), Value::Array(failed));
    }
    Ok(Value::Object(out))
}

/// `bucket/key` or `/bucket/key`, the key URL-encoded; `?versionId=` is versioning.
fn parse_copy_source(source: &str) -> Result<(String, String), AwsError> {
    let invalid = || errors::invalid_argument("Invalid copy source object key", "x-amz-copy-source", source);
    let (path, query) = source.split_once('?').unwrap_or((source, ""));
    if !query.is_empty() {
        return Err(errors::not_implemented("Copying an object version (versionId in CopySource)"));
    }
    let path = path.strip_prefix('/').unwrap_or(path);
    let (bucket, key) = path.split_once('/').ok_or_else(invalid)?;
    let key = crate::wire::percent::decode_strict(key, false).map_err(|_| invalid())?;
    if bucket.is_empty() || key.is_empty() {
        return Err(invalid());
    }
    Ok((bucket.to_string(), key))
}

pub fn copy_object(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only(
        "CopyObject",
        &[
            "Bucket",
            "Key",
            "CopySource",
            "MetadataDirective",
            "ContentType",
            "ContentEncoding",
            "ContentDisposition",
            "ContentLanguage",
            "CacheControl",
            "Metadata",
            "ChecksumAlgorithm",
            "StorageClass",
            "ServerSideEncryption",
            "ExpectedBucketOwner",
            "ExpectedSourceBucketOwner",
            "CopySourceIfMatch",
            "CopySourceIfNoneMatch",
            "CopySourceIfModifiedSince",
            "CopySourceIfUnmodifiedSince",
        ],
        UNSUPPORTED_WRITE,
    )?;
    let bucket = i.required("Bucket")?;
    let key = i.required("Key")?;
    check_owner(cx, &i)?;
    if i.string("ExpectedSourceBucketOwner")?.is_some_and(|o| o != cx.account.id) {
        return Err(errors::s3("AccessDenied", "Access Denied", 403));
    }
    check_key(key)?;
    check_storage(&i)?;
    let (src_bucket, src_key) = parse_copy_source(i.required("CopySource")?)?;
    let replace = match i.string("MetadataDirective")? {
        None | Some("COPY") => false,
        Some("REPLACE") => true,
        Some(other) => return Err(errors::invalid_argument("Unknown metadata directive.", "x-amz-metadata-directive", other)),
    };
    // The source may be in any region: bucket names are global.
    let src = s3.buckets.get(&src_bucket).ok_or_else(|| errors::no_such_bucket(&src_bucket))?;
    let source = src.objects.get(&src_key).ok_or_else(|| errors::no_such_key(&src_key))?.clone();
    check_conditions(
        &source.meta,
        i.string("CopySourceIfMatch")?,
        i.string("CopySourceIfNoneMatch")?,
        i.epoch_ms("CopySourceIfModifiedSince")?,
        i.epoch_ms("CopySourceIfUnmodifiedSince")?,
        true,
    )?;
    s3.bucket(cx.region, bucket)?;
    let algorithm = i.string("ChecksumAlgorithm")?;
    if src_bucket == bucket && src_key == key && !replace && algorithm.is_none() && i.string("StorageClass")?.is_none() && i.string("ServerSideEncryption")?.is_none() {
        return Err(errors::invalid_request(
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        ));
    }
    let mut meta = if replace {
        let mut m = ObjectMeta { key: key.to_string(), ..Default::default() };
        metadata_from(&i, &mut m)?;
        m
    } else {
        ObjectMeta { key: key.to_string(), ..source.meta.clone() }
    };
    // Checksums are recomputed when asked for, else carried over with the bytes.
    if algorithm.is_some() {
        meta.checksum_crc32 = None;
        meta.checksum_sha256 = None;
        let only_algorithm = json!({ "ChecksumAlgorithm": algorithm });
        checksums(&Input::new(&only_algorithm)?, &source.body, &mut meta)?;
    }
    meta.last_modified_ms = cx.now_ms;
    meta.etag = source.meta.etag.clone();
    let mut result = Map::new();
    result.insert("ETag".into(), json!(meta.etag));
    result.insert("LastModified".into(), seconds(meta.last_modified_ms));
    checksum_members(&meta, &mut result);
    store(s3, cx, bucket, Object { meta, body: source.body.clone() })?;
    Ok(json!({ "CopyObjectResult": result, "ServerSideEncryption": "AES256" }))
}
