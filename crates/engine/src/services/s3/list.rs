//! ListObjectsV2: keys in UTF-8 byte order under a prefix, rolled up into CommonPrefixes at a
//! delimiter, at most MaxKeys (≤ 1,000) entries a page, keys and common prefixes counting
//! alike; continuation tokens name the last entry returned.

use std::ops::Bound;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use super::{buckets::check_owner, buckets::seconds, canonical_id, errors, input::Input, S3};
use crate::kernel::{error::AwsError, service::Cx};

pub const MAX_KEYS: i64 = 1000;
const TOKEN_PREFIX: &str = "gureum-s3:";

/// S3's `encoding-type=url`: every byte but unreserved characters and `/` percent-encoded.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn encode_token(last: &str) -> String {
    B64.encode(format!("{TOKEN_PREFIX}{last}"))
}

fn decode_token(token: &str) -> Result<String, AwsError> {
    B64.decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(TOKEN_PREFIX).map(str::to_string))
        .ok_or_else(|| errors::invalid_argument("The continuation token provided is incorrect", "continuation-token", token))
}

/// One entry of a listing: a key, or a common prefix standing for every key under it.
enum Entry<'a> {
    Key(&'a str),
    Prefix(String),
}

pub fn list_objects_v2(s3: &mut S3, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let i = Input::new(input)?;
    i.only(
        "ListObjectsV2",
        &["Bucket", "Prefix", "Delimiter", "MaxKeys", "ContinuationToken", "StartAfter", "EncodingType", "FetchOwner", "ExpectedBucketOwner"],
        &["RequestPayer", "OptionalObjectAttributes"],
    )?;
    let bucket_name = i.required("Bucket")?;
    check_owner(cx, &i)?;
    let prefix = i.string("Prefix")?.unwrap_or("");
    let delimiter = i.string("Delimiter")?.filter(|d| !d.is_empty());
    let max_keys = match i.int("MaxKeys")? {
        None => MAX_KEYS,
        Some(n) if n < 0 || n > i64::from(i32::MAX) => return Err(errors::invalid_argument("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", n)),
        Some(n) => n,
    };
    let url = match i.string("EncodingType")? {
        None => false,
        Some("url") => true,
        Some(other) => return Err(errors::invalid_argument("Invalid Encoding Method specified in Request", "encoding-type", other)),
    };
    let fetch_owner = i.bool("FetchOwner")?.unwrap_or(false);
    let token = i.string("ContinuationToken")?;
    let start_after = i.string("StartAfter")?;
    // The continuation token wins over StartAfter.
    let after = match token {
        Some(t) => Some(decode_token(t)?),
        None => start_after.map(str::to_string),
    };
    let bucket = s3.bucket(cx.region, bucket_name)?;
    let page = (max_keys.min(MAX_KEYS)) as usize;

    let lower = match &after {
        Some(a) if a.as_str() >= prefix => Bound::Excluded(a.as_str()),
        _ => Bound::Included(prefix),
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut truncated = false;
    // A token that ends at the delimiter named a common prefix: its keys were all listed.
    let mut last_prefix: Option<String> = after.clone().filter(|a| token.is_some() && delimiter.is_some_and(|d| a.ends_with(d)));
    for (key, _) in bucket.objects.range::<str, _>((lower, Bound::Unbounded)) {
        if !key.starts_with(prefix) {
            break;
        }
        let entry = match delimiter.and_then(|d| key[prefix.len()..].find(d).map(|at| (d, at))) {
            Some((d, at)) => {
                let common = &key[..prefix.len() + at + d.len()];
                if last_prefix.as_deref() == Some(common) {
                    continue;
                }
                last_prefix = Some(common.to_string());
                Entry::Prefix(common.to_string())
            }
            None => Entry::Key(key),
        };
        if entries.len() >= page {
            truncated = true;
            break;
        }
        entries.push(entry);
    }

    let enc = |s: &str| if url { url_encode(s) } else { s.to_string() };
    let mut contents = Vec::new();
    let mut prefixes = Vec::new();
    for entry in &entries {
        match entry {
            Entry::Key(k) => {
                let o = &bucket.objects[*k];
                let mut c = Map::new();
                c.insert("Key".into(), json!(enc(k)));
                c.insert("LastModified".into(), seconds(o.meta.last_modified_ms));
                c.insert("ETag".into(), json!(o.meta.etag));
                if let Some(crc) = o.meta.checksum_crc32.as_ref().map(|_| "CRC32").or(o.meta.checksum_sha256.as_ref().map(|_| "SHA256")) {
                    c.insert("ChecksumAlgorithm".into(), json!([crc]));
                    c.insert("ChecksumType".into(), json!("FULL_OBJECT"));
                }
                c.insert("Size".into(), json!(o.body.len()));
                c.insert("StorageClass".into(), json!("STANDARD"));
                if fetch_owner {
                    c.insert("Owner".into(), json!({ "ID": canonical_id(&cx.account.id) }));
                }
                contents.push(Value::Object(c));
            }
            Entry::Prefix(p) => prefixes.push(json!({ "Prefix": enc(p) })),
        }
    }
    let mut out = Map::new();
    out.insert("IsTruncated".into(), json!(truncated));
    if !contents.is_empty() {
        out.insert("Contents".into(), Value::Array(contents));
    }
    out.insert("Name".into(), json!(bucket_name));
    out.insert("Prefix".into(), json!(enc(prefix)));
    if let Some(d) = delimiter {
        out.insert("Delimiter".into(), json!(enc(d)));
    }
    out.insert("MaxKeys".into(), json!(max_keys));
    if !prefixes.is_empty() {
        out.insert("CommonPrefixes".into(), Value::Array(prefixes));
    }
    if url {
        out.insert("EncodingType".into(), json!("url"));
    }
    out.insert("KeyCount".into(), json!(entries.len()));
    if let Some(t) = token {
        out.insert("ContinuationToken".into(), json!(t));
    }
    if truncated {
        let last = match entries.last() {
            Some(Entry::Key(k)) => k.to_string(),
            Some(Entry::Prefix(p)) => p.clone(),
            None => after.unwrap_or_default(),
        };
        out.insert("NextContinuationToken".into(), json!(encode_token(&last)));
    }
    if let Some(s) = start_after {
        out.insert("StartAfter".into(), json!(enc(s)));
    }
    Ok(Value::Object(out))
}
