//! S3's state: buckets (one namespace for the account, each living in one region) and their
//! objects in key order; and the records they persist as.
//!
//! Records:
//! - `s3/{region}/bucket/{name}`: the bucket's [`BucketMeta`] (JSON);
//! - `s3/{region}/object/{bucket}/{key, escaped}`: one object, binary: `S3O1`, the length of
//!   its [`ObjectMeta`] JSON (u32, big-endian), that JSON, then the object's bytes as they are
//!   (no base64: a 10 MB object is a 10 MB record). Keys are escaped (`%` → `%25`, `/` → `%2F`)
//!   so record keys stay `/`-separated. `bucket` sorts before `object`, so a bucket loads
//!   before its objects.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketMeta {
    pub name: String,
    pub region: String,
    pub creation_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    pub key: String,
    /// The quoted MD5 hex of the bytes (`"d41d8cd98f00b204e9800998ecf8427e"`).
    pub etag: String,
    pub last_modified_ms: i64,
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// User metadata (`x-amz-meta-*`), names lower-cased as S3 keeps them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// The CRC32 checksum (base64 of the big-endian u32) when the upload asked for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_crc32: Option<String>,
    /// The SHA-256 checksum (base64) when the upload asked for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_sha256: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Object {
    pub meta: ObjectMeta,
    /// Shared, so CopyObject and snapshots do not copy the bytes.
    pub body: Arc<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct Bucket {
    pub meta: BucketMeta,
    pub objects: BTreeMap<String, Object>,
    /// Sum of the objects' sizes (derived).
    pub bytes: u64,
}

impl Bucket {
    pub fn new(meta: BucketMeta) -> Self {
        Bucket { meta, objects: BTreeMap::new(), bytes: 0 }
    }

    pub fn insert(&mut self, object: Object) {
        self.bytes += object.body.len() as u64;
        if let Some(old) = self.objects.insert(object.meta.key.clone(), object) {
            self.bytes -= old.body.len() as u64;
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Object> {
        let old = self.objects.remove(key)?;
        self.bytes -= old.body.len() as u64;
        Some(old)
    }
}

pub fn bucket_key(region: &str, name: &str) -> String {
    format!("s3/{region}/bucket/{name}")
}

pub fn object_key(region: &str, bucket: &str, key: &str) -> String {
    format!("s3/{region}/object/{bucket}/{}", escape(key))
}

pub fn escape(key: &str) -> String {
    key.replace('%', "%25").replace('/', "%2F")
}

pub fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        match rest.get(i + 1..i + 3) {
            Some("25") => out.push('%'),
            Some("2F") => out.push('/'),
            _ => return Err("bad escape in an object record's key".into()),
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

const MAGIC: &[u8; 4] = b"S3O1";

pub fn encode_object(object: &Object) -> Vec<u8> {
    let meta = serde_json::to_vec(&object.meta).unwrap_or_default();
    let mut out = Vec::with_capacity(8 + meta.len() + object.body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(meta.len() as u32).to_be_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(&object.body);
    out
}

pub fn decode_object(value: &[u8]) -> Result<Object, String> {
    if value.len() < 8 || &value[..4] != MAGIC {
        return Err("not an S3 object record".into());
    }
    let len = u32::from_be_bytes([value[4], value[5], value[6], value[7]]) as usize;
    let meta_bytes = value.get(8..8usize.saturating_add(len)).ok_or("truncated S3 object record")?;
    let meta: ObjectMeta = serde_json::from_slice(meta_bytes).map_err(|e| e.to_string())?;
    Ok(Object { meta, body: Arc::new(value[8 + len..].to_vec()) })
}

/// S3's general purpose bucket naming rules.
pub fn valid_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if !(3..=63).contains(&bytes.len()) {
        return false;
    }
    if !bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-') {
        return false;
    }
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !edge(bytes[0]) || !edge(bytes[bytes.len() - 1]) || name.contains("..") {
        return false;
    }
    // Not formatted as an IP address.
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() == 4 && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    const PREFIXES: &[&str] = &["xn--", "sthree-", "amzn-s3-demo-"];
    const SUFFIXES: &[&str] = &["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    !PREFIXES.iter().any(|p| name.starts_with(p)) && !SUFFIXES.iter().any(|s| name.ends_with(s))
}
