//! CreateBucket, DeleteBucket, HeadBucket, ListBuckets, GetBucketLocation, GetBucketVersioning.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64URL, Engine as _};
use serde_json::{json, Map, Value};

use super::{
    canonical_id, errors,
    input::Input,
    model::{self, Bucket, BucketMeta},
    S3,
};
use crate::kernel::{account::Account, error::AwsError, service::Cx};

/// The default quota of general purpose buckets per account.
pub const MAX_BUCKETS: usize = 10_000;

/// Epoch seconds with millisecond precision, as the JSON protocols carry timestamps.
pub fn seconds(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

/// Checks `ExpectedBucketOwner` when given: another account's id is AccessDenied.
pub(crate) fn check_owner(cx: &Cx, i: &Input) -> Result<(), AwsError> {
    match i.string("ExpectedBucketOwner")? {
        Some(owner) if owner != cx.account.id => Err(errors::s3("AccessDenied", "Access Denied", 403)),
        _ => Ok(()),
    }
}

pub fn create_bucket(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only(
        "CreateBucket",
        &["Bucket", "CreateBucketConfiguration", "ACL", "ObjectOwnership"],
        &["GrantFullControl", "GrantRead", "GrantReadACP", "GrantWrite", "GrantWriteACP", "ObjectLockEnabledForBucket"],
    )?;
    let name = i.required("Bucket")?;
    if !model::valid_bucket_name(name) {
        return Err(errors::invalid_bucket_name(name));
    }
    if let Some(acl) = i.string("ACL")?.filter(|a| *a != "private") {
        return Err(errors::not_implemented(format!("The canned ACL {acl}")));
    }
    if let Some(o) = i.string("ObjectOwnership")?.filter(|o| *o != "BucketOwnerEnforced") {
        return Err(errors::not_implemented(format!("ObjectOwnership {o} (ACLs)")));
    }
    let location = match i.object("CreateBucketConfiguration")? {
        None => None,
        Some(conf) => {
            conf.only("CreateBucketConfiguration", &["LocationConstraint"], &["Location", "Bucket", "Tags"])?;
            conf.string("LocationConstraint")?
        }
    };
    let region = cx.region;
    match location {
        // us-east-1 is the default and may not be named; unknown regions are not valid.
        Some(lc) if lc == "us-east-1" || !Account::is_region(lc) => {
            return Err(errors::s3("InvalidLocationConstraint", "The specified location-constraint is not valid", 400).with("LocationConstraint", json!(lc)));
        }
        Some(lc) if lc != region => {
            return Err(errors::s3(
                "IllegalLocationConstraintException",
                format!("The {lc} location constraint is incompatible for the region specific endpoint this request was sent to."),
                400,
            ));
        }
        None if region != "us-east-1" => {
            return Err(errors::s3(
                "IllegalLocationConstraintException",
                "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
                400,
            ));
        }
        _ => {}
    }
    let location_out = if region == "us-east-1" { format!("/{name}") } else { format!("http://{name}.s3.amazonaws.com/") };
    if let Some(existing) = s3.buckets.get(name) {
        // For legacy compatibility, re-creating a bucket you own in us-east-1 succeeds there.
        if region == "us-east-1" && existing.meta.region == "us-east-1" {
            return Ok(json!({ "Location": location_out }));
        }
        return Err(errors::already_owned_by_you(name));
    }
    if s3.buckets.len() >= MAX_BUCKETS {
        return Err(errors::s3("TooManyBuckets", "You have attempted to create more buckets than allowed", 400));
    }
    let meta = BucketMeta { name: name.to_string(), region: region.to_string(), creation_ms: cx.now_ms };
    cx.journal.put_json(model::bucket_key(region, name), &meta);
    s3.buckets.insert(name.to_string(), Bucket::new(meta));
    Ok(json!({ "Location": location_out }))
}

pub fn delete_bucket(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only("DeleteBucket", &["Bucket", "ExpectedBucketOwner"], &[])?;
    let name = i.required("Bucket")?;
    check_owner(cx, &i)?;
    let bucket = s3.bucket(cx.region, name)?;
    if !bucket.objects.is_empty() {
        return Err(errors::bucket_not_empty(name));
    }
    super::multipart::abort_all(s3, cx, name);
    cx.journal.delete(model::bucket_key(cx.region, name));
    s3.buckets.remove(name);
    Ok(json!({}))
}

pub fn head_bucket(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only("HeadBucket", &["Bucket", "ExpectedBucketOwner"], &[])?;
    let name = i.required("Bucket")?;
    check_owner(cx, &i)?;
    let bucket = s3.bucket(cx.region, name)?;
    Ok(json!({ "BucketRegion": bucket.meta.region, "AccessPointAlias": false }))
}

pub fn get_bucket_location(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only("GetBucketLocation", &["Bucket", "ExpectedBucketOwner"], &[])?;
    let name = i.required("Bucket")?;
    check_owner(cx, &i)?;
    // Answered from any region, as S3 does (it is how clients find a bucket's region).
    let bucket = s3.buckets.get(name).ok_or_else(|| errors::no_such_bucket(name))?;
    // us-east-1 buckets have a null LocationConstraint.
    let lc = if bucket.meta.region == "us-east-1" { Value::Null } else { json!(bucket.meta.region) };
    Ok(json!({ "LocationConstraint": lc }))
}

/// A bucket that was never versioned answers an empty configuration (no Status).
pub fn get_bucket_versioning(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only("GetBucketVersioning", &["Bucket", "ExpectedBucketOwner"], &[])?;
    let name = i.required("Bucket")?;
    check_owner(cx, &i)?;
    s3.bucket(cx.region, name)?;
    Ok(json!({}))
}

pub fn list_buckets(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only("ListBuckets", &["MaxBuckets", "ContinuationToken", "Prefix", "BucketRegion"], &[])?;
    let max = match i.int("MaxBuckets")? {
        None => None,
        Some(n) if (1..=10_000).contains(&n) => Some(n as usize),
        Some(n) => return Err(errors::invalid_argument("Argument max-buckets must be an integer between 1 and 10000", "max-buckets", n)),
    };
    let prefix = i.string("Prefix")?.unwrap_or("");
    let region = i.string("BucketRegion")?;
    let after = match i.string("ContinuationToken")? {
        None => None,
        Some(t) => Some(
            B64URL
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| errors::invalid_argument("The continuation token provided is incorrect", "continuation-token", t))?,
        ),
    };
    let mut buckets = Vec::new();
    let mut next = None;
    for bucket in s3.buckets.values() {
        let name = &bucket.meta.name;
        if after.as_ref().is_some_and(|a| name <= a) || !name.starts_with(prefix) || region.is_some_and(|r| r != bucket.meta.region) {
            continue;
        }
        if max.is_some_and(|m| buckets.len() >= m) {
            next = buckets.last().and_then(|b: &Value| b["Name"].as_str()).map(|n| B64URL.encode(n));
            break;
        }
        buckets.push(json!({ "Name": name, "CreationDate": seconds(bucket.meta.creation_ms), "BucketRegion": bucket.meta.region }));
    }
    let mut out = Map::new();
    out.insert("Buckets".into(), Value::Array(buckets));
    out.insert("Owner".into(), json!({ "ID": canonical_id(&cx.account.id) }));
    if let Some(next) = next {
        out.insert("ContinuationToken".into(), json!(next));
    }
    if !prefix.is_empty() {
        out.insert("Prefix".into(), json!(prefix));
    }
    Ok(Value::Object(out))
}
