//! Amazon S3 (REST-XML on the wire, see `wire/s3.rs`; the engine takes AWS's member names as
//! JSON, with `Body` as base64 and timestamps as epoch seconds).
//!
//! What is here: general purpose buckets (one name space for the account, each bucket in one
//! region; a request for a bucket in another region gets S3's 301 PermanentRedirect, which the
//! SDKs follow), objects up to [`objects::MAX_OBJECT_BYTES`] (in one PutObject or a multipart
//! upload, see [`multipart`]), ListObjectsV2
//! with prefixes, delimiters and continuation tokens, ranges, copies, batch deletes. Not here:
//! versioning (refused), ListParts and UploadPartCopy, ACLs and policies, lifecycle, notifications —
//! refused by name as NotImplemented, never accepted and ignored.
//!
//! Records are described in [`model`].

pub mod buckets;
pub mod errors;
pub mod input;
pub mod list;
pub mod model;
pub mod multipart;
pub mod objects;

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::kernel::{
    error::AwsError,
    journal::Record,
    service::{Cx, Service},
};
use model::{Bucket, BucketMeta};

#[derive(Debug, Default)]
pub struct S3 {
    /// Every bucket of the account by name (names are global; each knows its region).
    buckets: BTreeMap<String, Bucket>,
    /// Multipart uploads in progress, by upload id.
    uploads: BTreeMap<String, multipart::Upload>,
}

impl S3 {
    /// The bucket `name` as a request in `region` may use it: NoSuchBucket, or S3's redirect
    /// when it lives in another region.
    pub(crate) fn bucket(&self, region: &str, name: &str) -> Result<&Bucket, AwsError> {
        let bucket = self.buckets.get(name).ok_or_else(|| errors::no_such_bucket(name))?;
        if bucket.meta.region != region {
            return Err(errors::permanent_redirect(name, &bucket.meta.region));
        }
        Ok(bucket)
    }

    pub(crate) fn bucket_mut(&mut self, region: &str, name: &str) -> Result<&mut Bucket, AwsError> {
        self.bucket(region, name)?;
        self.buckets.get_mut(name).ok_or_else(|| errors::no_such_bucket(name))
    }
}

/// The canonical user id of the sandbox's account (S3's `Owner.ID`, 64 hex digits).
pub fn canonical_id(account: &str) -> String {
    crate::services::sqs::digest::sha256_hex(format!("gureum-s3-owner:{account}").as_bytes())
}

/// Objects and upload parts are binary records (meta and raw bytes); the rest is JSON.
fn binary_record(key: &str) -> bool {
    match key.split('/').nth(2) {
        Some("object") => true,
        Some("upload") => key.contains("/part/"),
        _ => false,
    }
}

impl Service for S3 {
    fn name(&self) -> &'static str {
        "s3"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match operation {
            "CreateBucket" => buckets::create_bucket(self, cx, input),
            "DeleteBucket" => buckets::delete_bucket(self, cx, input),
            "HeadBucket" => buckets::head_bucket(self, cx, input),
            "ListBuckets" => buckets::list_buckets(self, cx, input),
            "GetBucketLocation" => buckets::get_bucket_location(self, cx, input),
            "GetBucketVersioning" => buckets::get_bucket_versioning(self, cx, input),
            "PutBucketVersioning" => Err(errors::not_implemented("Versioning (PutBucketVersioning): buckets in the sandbox stay unversioned, and")),
            "PutObject" => objects::put_object(self, cx, input),
            "GetObject" => objects::get_object(self, cx, input, true),
            "HeadObject" => objects::get_object(self, cx, input, false),
            "DeleteObject" => objects::delete_object(self, cx, input),
            "DeleteObjects" => objects::delete_objects(self, cx, input),
            "CopyObject" => objects::copy_object(self, cx, input),
            "ListObjectsV2" => list::list_objects_v2(self, cx, input),
            "CreateMultipartUpload" => multipart::create_multipart_upload(self, cx, input),
            "UploadPart" => multipart::upload_part(self, cx, input),
            "CompleteMultipartUpload" => multipart::complete_multipart_upload(self, cx, input),
            "AbortMultipartUpload" => multipart::abort_multipart_upload(self, cx, input),
            "UploadPartCopy" | "ListMultipartUploads" | "ListParts" => Err(errors::not_implemented(format!("Multipart upload ({operation})"))),
            _ => Err(errors::not_implemented(format!("The S3 operation {operation}"))),
        }
    }

    fn save(&self, out: &mut Vec<Record>) {
        for bucket in self.buckets.values() {
            let region = &bucket.meta.region;
            out.push(Record { key: model::bucket_key(region, &bucket.meta.name), value: serde_json::to_vec(&bucket.meta).unwrap_or_default() });
            for object in bucket.objects.values() {
                out.push(Record { key: model::object_key(region, &bucket.meta.name, &object.meta.key), value: model::encode_object(object) });
            }
        }
        for upload in self.uploads.values() {
            let Some(region) = self.buckets.get(&upload.meta.bucket).map(|b| &b.meta.region) else { continue };
            out.push(Record { key: multipart::upload_key(region, &upload.meta.bucket, &upload.meta.id), value: serde_json::to_vec(&upload.meta).unwrap_or_default() });
            for (n, part) in &upload.parts {
                out.push(Record { key: multipart::part_key(region, &upload.meta.bucket, &upload.meta.id, *n), value: model::encode_object(part) });
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.splitn(5, '/').collect();
        match parts.as_slice() {
            ["s3", region, "bucket", name] => {
                let meta: BucketMeta = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if meta.name != *name || meta.region != *region {
                    return Err("bucket record under another name or region".into());
                }
                match self.buckets.get_mut(*name) {
                    Some(bucket) => bucket.meta = meta,
                    None => {
                        self.buckets.insert(meta.name.clone(), Bucket::new(meta));
                    }
                }
                Ok(())
            }
            ["s3", region, "object", bucket, escaped] => {
                let object = model::decode_object(value)?;
                if object.meta.key != model::unescape(escaped)? {
                    return Err("object record under another key".into());
                }
                let bucket = self.buckets.get_mut(*bucket).filter(|b| b.meta.region == *region).ok_or("object record before its bucket")?;
                bucket.insert(object);
                Ok(())
            }
            ["s3", region, "upload", bucket, rest] => {
                if !self.buckets.get(*bucket).is_some_and(|b| b.meta.region == *region) {
                    return Err("upload record before its bucket".into());
                }
                match rest.split('/').collect::<Vec<_>>().as_slice() {
                    [id] => {
                        let meta: multipart::UploadMeta = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                        if meta.id != *id || meta.bucket != *bucket {
                            return Err("upload record under another id".into());
                        }
                        let parts = self.uploads.remove(*id).map(|u| u.parts).unwrap_or_default();
                        self.uploads.insert(meta.id.clone(), multipart::Upload { meta, parts });
                        Ok(())
                    }
                    [id, "part", n] => {
                        let n: u32 = n.parse().map_err(|_| "bad part number")?;
                        let part = model::decode_object(value)?;
                        let upload = self.uploads.get_mut(*id).ok_or("part record before its upload")?;
                        upload.parts.insert(n, part);
                        Ok(())
                    }
                    _ => Err("unknown S3 upload record".into()),
                }
            }
            _ => Err("unknown S3 record".into()),
        }
    }

    fn clear(&mut self) {
        self.buckets.clear();
        self.uploads.clear();
    }

    /// Object records export as their metadata with the bytes as base64 `Body`.
    fn record_to_json(&self, key: &str, value: &[u8]) -> Result<Value, String> {
        if !binary_record(key) {
            return serde_json::from_slice(value).map_err(|e| e.to_string());
        }
        let object = model::decode_object(value)?;
        let mut v = serde_json::to_value(&object.meta).map_err(|e| e.to_string())?;
        if let Value::Object(m) = &mut v {
            m.insert("Body".into(), json!(B64.encode(object.body.as_slice())));
        }
        Ok(v)
    }

    fn record_from_json(&self, key: &str, value: &Value) -> Result<Vec<u8>, String> {
        if !binary_record(key) {
            return serde_json::to_vec(value).map_err(|e| e.to_string());
        }
        let mut meta = value.clone();
        let body = match meta.as_object_mut().and_then(|m| m.remove("Body")) {
            Some(Value::String(s)) => B64.decode(s).map_err(|e| e.to_string())?,
            _ => return Err("an S3 object record needs Body (base64)".into()),
        };
        let meta: model::ObjectMeta = serde_json::from_value(meta).map_err(|e| e.to_string())?;
        Ok(model::encode_object(&model::Object { meta, body: std::sync::Arc::new(body) }))
    }
}

#[cfg(test)]
mod tests;
