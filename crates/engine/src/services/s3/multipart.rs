//! Multipart upload: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
//! AbortMultipartUpload — what `aws s3 cp` and boto3's transfer manager use above their 8 MB
//! threshold. Parts are 1–10,000, every part but the last at least 5 MiB; the object's ETag is
//! the MD5 of the parts' MD5s, `-{count}`. ListParts and ListMultipartUploads are not here.
//!
//! Records: `s3/{region}/upload/{bucket}/{upload id}` (the upload's [`UploadMeta`], JSON) and
//! `.../{upload id}/part/{number, 5 digits}` (a part: the object record encoding, its bytes raw).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    buckets::check_owner,
    errors,
    input::Input,
    model::{self, Object, ObjectMeta},
    objects::{self, MAX_OBJECT_BYTES},
    S3,
};
use crate::kernel::{error::AwsError, service::Cx};
use crate::services::sqs::digest;

pub const MIN_PART_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_PARTS: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadMeta {
    pub id: String,
    pub bucket: String,
    /// The object to be: key, content type, metadata (ETag and time are set on completion).
    pub object: ObjectMeta,
    pub initiated_ms: i64,
    /// CRC32 or SHA256 when the upload asked for per-part checksums (a COMPOSITE checksum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Upload {
    pub meta: UploadMeta,
    /// Parts by number; each is an [`Object`] whose meta carries the part's ETag.
    pub parts: BTreeMap<u32, Object>,
}

pub fn upload_key(region: &str, bucket: &str, id: &str) -> String {
    format!("s3/{region}/upload/{bucket}/{id}")
}

pub fn part_key(region: &str, bucket: &str, id: &str, part: u32) -> String {
    format!("{}/part/{part:05}", upload_key(region, bucket, id))
}

fn no_such_upload(id: &str) -> AwsError {
    errors::s3("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", 404)
        .with("UploadId", json!(id))
}

fn upload<'a>(s3: &'a mut S3, cx: &Cx, bucket: &str, key: &str, id: &str) -> Result<&'a mut Upload, AwsError> {
    s3.bucket(cx.region, bucket)?;
    s3.uploads.get_mut(id).filter(|u| u.meta.bucket == bucket && u.meta.object.key == key).ok_or_else(|| no_such_upload(id))
}

pub fn create_multipart_upload(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only(
        "CreateMultipartUpload",
        &[
            "Bucket",
            "Key",
            "ContentType",
            "ContentEncoding",
            "ContentDisposition",
            "ContentLanguage",
            "CacheControl",
            "Metadata",
            "StorageClass",
            "ServerSideEncryption",
            "ExpectedBucketOwner",
            "ChecksumAlgorithm",
            "ChecksumType",
        ],
        objects::UNSUPPORTED_WRITE,
    )?;
    let algorithm = match i.string("ChecksumAlgorithm")? {
        None => None,
        Some(a @ ("CRC32" | "SHA256")) => Some(a.to_string()),
        Some(a @ ("CRC32C" | "SHA1" | "CRC64NVME")) => return Err(errors::not_implemented(format!("The {a} checksum algorithm"))),
        Some(a) => return Err(errors::invalid_argument("Value for x-amz-checksum-algorithm header is invalid.", "x-amz-checksum-algorithm", a)),
    };
    match i.string("ChecksumType")? {
        None | Some("COMPOSITE") => {}
        Some(t) => return Err(errors::not_implemented(format!("Checksum type {t} for multipart uploads"))),
    }
    let bucket = i.required("Bucket")?;
    let key = i.required("Key")?;
    check_owner(cx, &i)?;
    objects::check_key(key)?;
    objects::check_storage(&i)?;
    let mut object = ObjectMeta { key: key.to_string(), ..Default::default() };
    objects::metadata_from(&i, &mut object)?;
    s3.bucket(cx.region, bucket)?;
    let id = format!("{:016x}{:016x}", cx.rng.next_u64(), cx.rng.next_u64());
    let meta = UploadMeta { id: id.clone(), bucket: bucket.to_string(), object, initiated_ms: cx.now_ms, checksum_algorithm: algorithm.clone() };
    cx.journal.put_json(upload_key(cx.region, bucket, &id), &meta);
    s3.uploads.insert(id.clone(), Upload { meta, parts: BTreeMap::new() });
    let mut out = json!({ "Bucket": bucket, "Key": key, "UploadId": id, "ServerSideEncryption": "AES256" });
    if let Some(a) = algorithm {
        out["ChecksumAlgorithm"] = json!(a);
        out["ChecksumType"] = json!("COMPOSITE");
    }
    Ok(out)
}

pub fn upload_part(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only(
        "UploadPart",
        &["Bucket", "Key", "UploadId", "PartNumber", "Body", "ContentLength", "ContentMD5", "ChecksumAlgorithm", "ChecksumCRC32", "ChecksumSHA256", "ExpectedBucketOwner"],
        &["ChecksumCRC32C", "ChecksumSHA1", "ChecksumCRC64NVME", "SSECustomerAlgorithm", "SSECustomerKey", "SSECustomerKeyMD5", "RequestPayer"],
    )?;
    let bucket = i.required("Bucket")?;
    let key = i.required("Key")?;
    let id = i.required("UploadId")?;
    check_owner(cx, &i)?;
    let number = match i.int("PartNumber")? {
        Some(n) if (1..=MAX_PARTS).contains(&n) => n as u32,
        Some(n) => return Err(errors::invalid_argument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", n)),
        None => return Err(errors::validation("Missing required member PartNumber.")),
    };
    let body = i.blob("Body")?;
    if i.int("ContentLength")?.is_some_and(|l| l != body.len() as i64) {
        return Err(errors::s3("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header", 400));
    }
    if body.len() > MAX_OBJECT_BYTES {
        return Err(errors::s3("EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.", 400));
    }
    let mut meta = ObjectMeta { key: key.to_string(), ..Default::default() };
    objects::checksums(&i, &body, &mut meta)?;
    let region = cx.region.to_string();
    let up = upload(s3, cx, bucket, key, id)?;
    // A part of an upload with a checksum algorithm carries that checksum.
    match up.meta.checksum_algorithm.as_deref() {
        Some("CRC32") if meta.checksum_crc32.is_none() => meta.checksum_crc32 = Some(objects::crc32_of(&body)),
        Some("SHA256") if meta.checksum_sha256.is_none() => meta.checksum_sha256 = Some(objects::sha256_of(&body)),
        _ => {}
    }
    meta.etag = objects::etag_of(&body);
    meta.last_modified_ms = cx.now_ms;
    let part = Object { meta, body: Arc::new(body) };
    cx.journal.put(part_key(&region, bucket, id, number), model::encode_object(&part));
    let mut out = serde_json::Map::new();
    out.insert("ETag".into(), json!(part.meta.etag));
    out.insert("ServerSideEncryption".into(), json!("AES256"));
    for (member, value) in [("ChecksumCRC32", &part.meta.checksum_crc32), ("ChecksumSHA256", &part.meta.checksum_sha256)] {
        if let Some(v) = value {
            out.insert(member.into(), json!(v));
        }
    }
    up.parts.insert(number, part);
    Ok(Value::Object(out))
}

pub fn complete_multipart_upload(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only(
        "CompleteMultipartUpload",
        &["Bucket", "Key", "UploadId", "MultipartUpload", "ExpectedBucketOwner"],
        &[
            "ChecksumCRC32",
            "ChecksumCRC32C",
            "ChecksumSHA1",
            "ChecksumSHA256",
            "ChecksumCRC64NVME",
            "ChecksumType",
            "MpuObjectSize",
            "IfMatch",
            "IfNoneMatch",
            "RequestPayer",
            "SSECustomerAlgorithm",
            "SSECustomerKey",
            "SSECustomerKeyMD5",
        ],
    )?;
    let bucket = i.required("Bucket")?;
    let key = i.required("Key")?;
    let id = i.required("UploadId")?;
    check_owner(cx, &i)?;
    let listed = i.object("MultipartUpload")?.map(|m| m.list("Parts")).transpose()?.flatten().ok_or_else(errors::malformed_xml)?;
    if listed.is_empty() {
        return Err(errors::malformed_xml());
    }
    let mut wanted = Vec::with_capacity(listed.len());
    for p in listed {
        let p = Input::new(p)?;
        let n = p.int("PartNumber")?.ok_or_else(errors::malformed_xml)?;
        wanted.push((n, p.string("ETag")?.unwrap_or("").to_string(), p.string("ChecksumCRC32")?.map(str::to_string), p.string("ChecksumSHA256")?.map(str::to_string)));
    }
    let region = cx.region.to_string();
    let up = upload(s3, cx, bucket, key, id)?;
    let invalid_part = || {
        errors::s3(
            "InvalidPart",
            "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
            400,
        )
    };
    if wanted.windows(2).any(|w| w[1].0 <= w[0].0) {
        return Err(errors::s3("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.", 400));
    }
    let mut size = 0usize;
    for (index, (n, etag, crc, sha)) in wanted.iter().enumerate() {
        let part = u32::try_from(*n).ok().and_then(|n| up.parts.get(&n)).ok_or_else(invalid_part)?;
        if etag.trim_matches('"') != part.meta.etag.trim_matches('"') || (crc.is_some() && *crc != part.meta.checksum_crc32) || (sha.is_some() && *sha != part.meta.checksum_sha256)
        {
            return Err(invalid_part());
        }
        if index + 1 < wanted.len() && part.body.len() < MIN_PART_BYTES {
            return Err(errors::s3("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", 400)
                .with("ProposedSize", json!(part.body.len()))
                .with("MinSizeAllowed", json!(MIN_PART_BYTES))
                .with("PartNumber", json!(n)));
        }
        size += part.body.len();
    }
    if size > MAX_OBJECT_BYTES {
        return Err(errors::s3(
            "EntityTooLarge",
            format!("Your proposed upload exceeds the maximum allowed object size (the sandbox's limit is {} MiB).", MAX_OBJECT_BYTES >> 20),
            400,
        ));
    }
    let mut body = Vec::with_capacity(size);
    let mut digests = Vec::with_capacity(16 * wanted.len());
    // The COMPOSITE checksum: the checksum of the parts' checksums, `-{count}`.
    let mut checksums = Vec::new();
    for (n, ..) in &wanted {
        let part = &up.parts[&(*n as u32)];
        let part_sum = match up.meta.checksum_algorithm.as_deref() {
            Some("CRC32") => part.meta.checksum_crc32.clone(),
            Some("SHA256") => part.meta.checksum_sha256.clone(),
            _ => None,
        };
        if let Some(raw) = part_sum.and_then(|b| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b).ok()) {
            checksums.extend(raw);
        }
        body.extend_from_slice(&part.body);
        let hex = part.meta.etag.trim_matches('"');
        digests.extend((0..hex.len() / 2).filter_map(|k| u8::from_str_radix(hex.get(2 * k..2 * k + 2)?, 16).ok()));
    }
    let mut meta = up.meta.object.clone();
    meta.etag = format!("\"{}-{}\"", digest::md5_hex(&digests), wanted.len());
    meta.last_modified_ms = cx.now_ms;
    let etag = meta.etag.clone();
    let composite = up.meta.checksum_algorithm.clone().map(|a| {
        let sum = if a == "CRC32" { objects::crc32_of(&checksums) } else { objects::sha256_of(&checksums) };
        (format!("Checksum{a}"), format!("{sum}-{}", wanted.len()))
    });
    let Some(upload) = s3.uploads.remove(id) else { return Err(no_such_upload(id)) };
    forget(cx, &region, &upload);
    objects::store(s3, cx, bucket, Object { meta, body: Arc::new(body) })?;
    let mut out = json!({ "Location": format!("/{bucket}/{key}"), "Bucket": bucket, "Key": key, "ETag": etag, "ServerSideEncryption": "AES256" });
    if let Some((member, sum)) = composite {
        out[member] = json!(sum);
        out["ChecksumType"] = json!("COMPOSITE");
    }
    Ok(out)
}

/// Journals the removal of an upload and its parts.
fn forget(cx: &mut Cx, region: &str, upload: &Upload) {
    for n in upload.parts.keys() {
        cx.journal.delete(part_key(region, &upload.meta.bucket, &upload.meta.id, *n));
    }
    cx.journal.delete(upload_key(region, &upload.meta.bucket, &upload.meta.id));
}

pub fn abort_multipart_upload(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only("AbortMultipartUpload", &["Bucket", "Key", "UploadId", "ExpectedBucketOwner"], &["RequestPayer", "IfMatchInitiatedTime"])?;
    let bucket = i.required("Bucket")?;
    let key = i.required("Key")?;
    let id = i.required("UploadId")?;
    check_owner(cx, &i)?;
    upload(s3, cx, bucket, key, id)?;
    let region = cx.region.to_string();
    if let Some(upload) = s3.uploads.remove(id) {
        forget(cx, &region, &upload);
    }
    Ok(json!({}))
}

/// Aborts every upload into `bucket` (the bucket is being deleted).
pub fn abort_all(s3: &mut S3, cx: &mut Cx, bucket: &str) {
    let ids: Vec<String> = s3.uploads.values().filter(|u| u.meta.bucket == bucket).map(|u| u.meta.id.clone()).collect();
    let region = cx.region.to_string();
    for id in ids {
        if let Some(upload) = s3.uploads.remove(&id) {
            forget(cx, &region, &upload);
        }
    }
}
