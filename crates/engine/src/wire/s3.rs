//! REST-XML for Amazon S3, path-style (`/{Bucket}/{Key+}`), as boto3 (`addressing_style:
//! "path"`) and the AWS CLI send it to an `--endpoint-url`. Requests are routed here when
//! their SigV4 credential scope names `s3` (header or presigned query). The operation comes from
//! method, path and subresource query parameters; members from path, query, headers
//! (`x-amz-meta-*` → Metadata) and XML bodies, into the engine's JSON shape (`Body` base64).
//! `aws-chunked` bodies (`x-amz-content-sha256: STREAMING-...`, with or without signatures and
//! trailing checksums) are unframed first. Answers: XML documents, or headers for object
//! operations; errors as S3's `<Error>` document (none for HEAD and 304), with
//! `x-amz-bucket-region` on a redirect.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use super::{percent, xml, HttpRequest, HttpResponse, Inbound};
use crate::kernel::{error::AwsError, time, Answer};
use crate::services::s3::errors;

const NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Whether a request is for S3: signed for `s3` in its header or its presigned query.
pub fn is_s3(req: &HttpRequest, signing: Option<&str>) -> bool {
    if signing == Some("s3") {
        return true;
    }
    let query = req.path.split_once('?').map_or("", |(_, q)| q);
    query.split('&').any(|p| p.starts_with("X-Amz-Credential=") && percent::decode(&p[17..], true).contains("/s3/aws4_request"))
}

/// Region from a presigned URL's `X-Amz-Credential`.
pub fn presigned_region(req: &HttpRequest) -> Option<String> {
    let query = req.path.split_once('?').map_or("", |(_, q)| q);
    let cred = query.split('&').find_map(|p| p.strip_prefix("X-Amz-Credential="))?;
    percent::decode(cred, true).split('/').nth(2).map(str::to_string)
}

fn s3_error(e: &AwsError, request_id: &str, head: bool) -> HttpResponse {
    let mut headers = vec![("x-amz-request-id".to_string(), request_id.to_string()), ("x-amz-id-2".to_string(), host_id(request_id))];
    let extra = e.extra.as_deref();
    if let Some(region) = extra.and_then(|x| x.get("BucketRegion")).and_then(Value::as_str) {
        headers.push(("x-amz-bucket-region".into(), region.into()));
    }
    if head || e.status == 304 {
        return HttpResponse { status: e.status, headers, body: Vec::new() };
    }
    let mut body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message>", xml::escape(&e.kind), xml::escape(&e.message));
    for (k, v) in extra.into_iter().flatten() {
        if k == "BucketRegion" {
            continue;
        }
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        body.push_str(&format!("<{k}>{}</{k}>", xml::escape(&text)));
    }
    body.push_str(&format!("<RequestId>{request_id}</RequestId><HostId>{}</HostId></Error>", host_id(request_id)));
    headers.insert(0, ("Content-Type".into(), "application/xml".into()));
    HttpResponse { status: e.status, headers, body: body.into_bytes() }
}

fn host_id(request_id: &str) -> String {
    B64.encode(format!("gureum/{request_id}"))
}

/// An error answer to a request that never reached the engine.
pub fn error(e: &AwsError, request_id: &str, method: &str) -> HttpResponse {
    s3_error(e, request_id, method == "HEAD")
}

// ---- reading requests ----

struct Query(Vec<(String, String)>);

impl Query {
    fn parse(q: &str) -> Self {
        Query(
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (percent::decode(k, true), percent::decode(v, true)),
                    None => (percent::decode(p, true), String::new()),
                })
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The first parameter not in `known` (and not the SDKs' `x-id` or a presigned URL's
    /// `X-Amz-*`): a subresource the sandbox does not serve.
    fn unknown(&self, known: &[&str]) -> Option<&str> {
        self.0.iter().map(|(k, _)| k.as_str()).find(|k| !known.contains(k) && *k != "x-id" && !k.starts_with("X-Amz-"))
    }
}

/// Headers that become members of object writes (PutObject, CopyObject); members the sandbox
/// does not implement are passed on for the engine to refuse by name.
const WRITE_HEADERS: &[(&str, &str)] = &[
    ("content-type", "ContentType"),
    ("content-disposition", "ContentDisposition"),
    ("content-language", "ContentLanguage"),
    ("cache-control", "CacheControl"),
    ("expires", "Expires"),
    ("x-amz-sdk-checksum-algorithm", "ChecksumAlgorithm"),
    ("x-amz-storage-class", "StorageClass"),
    ("x-amz-server-side-encryption", "ServerSideEncryption"),
    ("x-amz-server-side-encryption-aws-kms-key-id", "SSEKMSKeyId"),
    ("x-amz-server-side-encryption-context", "SSEKMSEncryptionContext"),
    ("x-amz-server-side-encryption-bucket-key-enabled", "BucketKeyEnabled"),
    ("x-amz-server-side-encryption-customer-algorithm", "SSECustomerAlgorithm"),
    ("x-amz-acl", "ACL"),
    ("x-amz-grant-full-control", "GrantFullControl"),
    ("x-amz-grant-read", "GrantRead"),
    ("x-amz-grant-read-acp", "GrantReadACP"),
    ("x-amz-grant-write-acp", "GrantWriteACP"),
    ("x-amz-website-redirect-location", "WebsiteRedirectLocation"),
    ("x-amz-tagging", "Tagging"),
    ("x-amz-object-lock-mode", "ObjectLockMode"),
    ("x-amz-object-lock-retain-until-date", "ObjectLockRetainUntilDate"),
    ("x-amz-object-lock-legal-hold", "ObjectLockLegalHoldStatus"),
    ("x-amz-request-payer", "RequestPayer"),
    ("x-amz-expected-bucket-owner", "ExpectedBucketOwner"),
];

const CHECKSUM_HEADERS: &[(&str, &str)] = &[
    ("x-amz-checksum-crc32", "ChecksumCRC32"),
    ("x-amz-checksum-sha256", "ChecksumSHA256"),
    ("x-amz-checksum-crc32c", "ChecksumCRC32C"),
    ("x-amz-checksum-sha1", "ChecksumSHA1"),
    ("x-amz-checksum-crc64nvme", "ChecksumCRC64NVME"),
];

const READ_HEADERS: &[(&str, &str)] = &[
    ("range", "Range"),
    ("if-match", "IfMatch"),
    ("if-none-match", "IfNoneMatch"),
    ("x-amz-checksum-mode", "ChecksumMode"),
    ("x-amz-expected-bucket-owner", "ExpectedBucketOwner"),
    ("x-amz-request-payer", "RequestPayer"),
    ("x-amz-server-side-encryption-customer-algorithm", "SSECustomerAlgorithm"),
];

const READ_QUERY: &[(&str, &str)] = &[
    ("response-content-type", "ResponseContentType"),
    ("response-content-disposition", "ResponseContentDisposition"),
    ("response-content-encoding", "ResponseContentEncoding"),
    ("response-content-language", "ResponseContentLanguage"),
    ("response-cache-control", "ResponseCacheControl"),
    ("response-expires", "ResponseExpires"),
    ("versionId", "VersionId"),
    ("partNumber", "PartNumber"),
];

fn headers_into(req: &HttpRequest, table: &[(&str, &str)], input: &mut Map<String, Value>) {
    for (header, member) in table {
        if let Some(v) = req.header(header) {
            input.insert((*member).into(), json!(v));
        }
    }
}

/// An HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`) as epoch seconds; `None` if it is not one
/// (S3, as HTTP says, ignores a condition whose date it cannot read).
pub fn parse_http_date(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, clock, "GMT"] = parts.as_slice() else { return None };
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = months.iter().position(|x| x == month)? as i64 + 1;
    let (d, y): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = clock.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, mi, se] = hms.as_slice() else { return None };
    if !(1..=31).contains(&d) || !(0..24).contains(h) || !(0..60).contains(mi) || !(0..61).contains(se) || !(1..=9999).contains(&y) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + se)
}

/// `Wed, 25 Nov 2026 08:00:00 GMT`.
pub fn http_date(ms: i64) -> String {
    time::rfc5322(ms).replace(" +0000", " GMT")
}

fn date_headers_into(req: &HttpRequest, table: &[(&str, &str)], input: &mut Map<String, Value>) {
    for (header, member) in table {
        if let Some(secs) = req.header(header).and_then(parse_http_date) {
            input.insert((*member).into(), json!(secs));
        }
    }
}

fn incomplete() -> AwsError {
    errors::s3("IncompleteBody", "The request body terminated unexpectedly", 400)
}

/// Unframes an `aws-chunked` body: `{hex size}[;chunk-signature=…]\r\n{bytes}\r\n` … `0…\r\n`,
/// then trailer lines (`x-amz-checksum-crc32:…`) and an empty line.
pub fn decode_aws_chunked(body: &[u8]) -> Result<(Vec<u8>, Vec<(String, String)>), AwsError> {
    let mut out = Vec::with_capacity(body.len());
    let mut at = 0;
    let line = |at: &mut usize| -> Result<&[u8], AwsError> {
        let rest = body.get(*at..).ok_or_else(incomplete)?;
        let end = rest.windows(2).position(|w| w == b"\r\n").ok_or_else(incomplete)?;
        *at += end + 2;
        Ok(&rest[..end])
    };
    loop {
        let header = line(&mut at)?;
        let size_text = std::str::from_utf8(header).ok().and_then(|h| h.split(';').next()).map(str::trim).ok_or_else(incomplete)?;
        let size =
            usize::from_str_radix(size_text, 16).map_err(|_| errors::s3("InvalidChunkSizeError", "Only the last chunk is allowed to have a size less than 8192 bytes", 400))?;
        if size == 0 {
            break;
        }
        let chunk = body.get(at..at.saturating_add(size)).ok_or_else(incomplete)?;
        out.extend_from_slice(chunk);
        at += size;
        if body.get(at..at + 2) != Some(b"\r\n") {
            return Err(incomplete());
        }
        at += 2;
    }
    let mut trailers = Vec::new();
    while at < body.len() {
        let l = line(&mut at).unwrap_or(&body[body.len()..]);
        if l.is_empty() {
            break;
        }
        let text = String::from_utf8_lossy(l);
        if let Some((k, v)) = text.split_once(':') {
            trailers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Ok((out, trailers))
}

/// The body as sent, unframed if aws-chunked, with any trailing headers.
fn body_of(req: &HttpRequest) -> Result<(Vec<u8>, Vec<(String, String)>), AwsError> {
    let streaming = req.header("x-amz-content-sha256").is_some_and(|s| s.starts_with("STREAMING-"));
    let chunked = req.header("content-encoding").is_some_and(|e| e.split(',').any(|t| t.trim().eq_ignore_ascii_case("aws-chunked")));
    if !streaming && !chunked {
        return Ok((req.body.clone(), Vec::new()));
    }
    let (body, trailers) = decode_aws_chunked(&req.body)?;
    if let Some(expected) = req.header("x-amz-decoded-content-length") {
        if expected.trim().parse::<usize>().ok() != Some(body.len()) {
            return Err(incomplete());
        }
    }
    Ok((body, trailers))
}

/// Content-Encoding without the `aws-chunked` transfer coding.
fn content_encoding(req: &HttpRequest) -> Option<String> {
    let v = req.header("content-encoding")?;
    let kept: Vec<&str> = v.split(',').map(str::trim).filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("aws-chunked")).collect();
    (!kept.is_empty()).then(|| kept.join(","))
}

/// Checks Content-MD5 and `x-amz-checksum-*` of an XML request body (DeleteObjects sends one).
fn verify_body(req: &HttpRequest, body: &[u8], trailers: &[(String, String)]) -> Result<(), AwsError> {
    let mut input = Map::new();
    if let Some(md5) = req.header("content-md5") {
        input.insert("ContentMD5".into(), json!(md5));
    }
    for (header, member) in CHECKSUM_HEADERS {
        if let Some(v) = req.header(header).or_else(|| trailers.iter().find(|(k, _)| k == header).map(|(_, v)| v.as_str())) {
            input.insert((*member).into(), json!(v));
        }
    }
    if input.is_empty() {
        return Ok(());
    }
    let check = |member: &str, actual: String| match input.get(member).and_then(Value::as_str) {
        Some(given) if given != actual => Err(errors::s3(
            "BadDigest",
            format!("The {} you specified did not match the calculated checksum.", member.trim_start_matches("Checksum").trim_start_matches("Content")),
            400,
        )),
        _ => Ok(()),
    };
    check("ContentMD5", B64.encode(crate::services::sqs::digest::md5(body)))?;
    check("ChecksumCRC32", B64.encode(crc32fast::hash(body).to_be_bytes()))?;
    check("ChecksumSHA256", B64.encode(crate::services::sqs::digest::sha256(body)))?;
    if let Some(other) = ["ChecksumCRC32C", "ChecksumSHA1", "ChecksumCRC64NVME"].iter().find(|m| input.contains_key(**m)) {
        return Err(errors::not_implemented(format!("The {} checksum", other.trim_start_matches("Checksum"))));
    }
    Ok(())
}

/// `x-amz-meta-*` headers as the Metadata map.
fn metadata_into(req: &HttpRequest, input: &mut Map<String, Value>) {
    let mut metadata = Map::new();
    for (k, v) in &req.headers {
        if let Some(name) = k.to_ascii_lowercase().strip_prefix("x-amz-meta-") {
            metadata.insert(name.to_string(), json!(v));
        }
    }
    if !metadata.is_empty() {
        input.insert("Metadata".into(), Value::Object(metadata));
    }
}

/// `x-amz-checksum-*` from headers or the aws-chunked trailer.
fn checksums_into(req: &HttpRequest, trailers: &[(String, String)], input: &mut Map<String, Value>) {
    for (header, member) in CHECKSUM_HEADERS {
        if let Some(v) = req.header(header).or_else(|| trailers.iter().find(|(k, _)| k == header).map(|(_, v)| v.as_str())) {
            input.insert((*member).into(), json!(v));
        }
    }
}

fn xml_body(body: &[u8], root: &str) -> Result<xml::Element, AwsError> {
    let el = xml::parse(body).map_err(|_| errors::malformed_xml())?;
    if el.name != root {
        return Err(errors::malformed_xml());
    }
    Ok(el)
}

/// Routes a request signed for S3 and reads its members.
pub fn parse(req: &HttpRequest, region: String) -> Result<Inbound, AwsError> {
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let q = Query::parse(query);
    let path = path.strip_prefix('/').unwrap_or(path);
    let (bucket, key) = match path.split_once('/') {
        Some((b, k)) => (percent::decode(b, false), (!k.is_empty()).then(|| percent::decode(k, false))),
        None => (percent::decode(path, false), None),
    };
    let method = req.method.as_str();
    let mut input = Map::new();
    let not_served = |what: &str| Err(errors::not_implemented(what));
    let unknown_sub = |name: &str| errors::not_implemented(format!("The S3 subresource ?{name} ({method})"));
    let operation: &'static str = if bucket.is_empty() {
        match method {
            "GET" => {
                if let Some(u) = q.unknown(&["max-buckets", "continuation-token", "prefix", "bucket-region"]) {
                    return Err(unknown_sub(u));
                }
                if let Some(m) = q.get("max-buckets") {
                    input.insert(
                        "MaxBuckets".into(),
                        json!(m.parse::<i64>().map_err(|_| errors::invalid_argument("Provided max-buckets not an integer or within integer range", "max-buckets", m))?),
                    );
                }
                for (param, member) in [("continuation-token", "ContinuationToken"), ("prefix", "Prefix"), ("bucket-region", "BucketRegion")] {
                    if let Some(v) = q.get(param) {
                        input.insert(member.into(), json!(v));
                    }
                }
                "ListBuckets"
            }
            _ => {
                return Err(errors::s3("MethodNotAllowed", "The specified method is not allowed against this resource.", 405)
                    .with("Method", json!(method))
                    .with("ResourceType", json!("SERVICE")))
            }
        }
    } else if let Some(key) = key {
        input.insert("Bucket".into(), json!(bucket));
        input.insert("Key".into(), json!(key));
        match method {
            "POST" if q.has("uploads") => {
                if let Some(u) = q.unknown(&["uploads"]) {
                    return Err(unknown_sub(u));
                }
                headers_into(req, WRITE_HEADERS, &mut input);
                headers_into(req, &[("x-amz-checksum-algorithm", "ChecksumAlgorithm"), ("x-amz-checksum-type", "ChecksumType")], &mut input);
                if let Some(enc) = content_encoding(req) {
                    input.insert("ContentEncoding".into(), json!(enc));
                }
                metadata_into(req, &mut input);
                "CreateMultipartUpload"
            }
            "PUT" if q.has("uploadId") => {
                if let Some(u) = q.unknown(&["uploadId", "partNumber"]) {
                    return Err(unknown_sub(u));
                }
                if req.header("x-amz-copy-source").is_some() {
                    return not_served("UploadPartCopy");
                }
                let (body, trailers) = body_of(req)?;
                input.insert("UploadId".into(), json!(q.get("uploadId").unwrap_or_default()));
                let n = q.get("partNumber").unwrap_or_default();
                input.insert(
                    "PartNumber".into(),
                    json!(n.parse::<i64>().map_err(|_| errors::invalid_argument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", n))?),
                );
                headers_into(
                    req,
                    &[("content-md5", "ContentMD5"), ("x-amz-sdk-checksum-algorithm", "ChecksumAlgorithm"), ("x-amz-expected-bucket-owner", "ExpectedBucketOwner")],
                    &mut input,
                );
                checksums_into(req, &trailers, &mut input);
                input.insert("Body".into(), json!(B64.encode(&body)));
                "UploadPart"
            }
            "POST" if q.has("uploadId") => {
                if let Some(u) = q.unknown(&["uploadId"]) {
                    return Err(unknown_sub(u));
                }
                let (body, trailers) = body_of(req)?;
                verify_body(req, &body, &trailers)?;
                input.insert("UploadId".into(), json!(q.get("uploadId").unwrap_or_default()));
                headers_into(req, &[("x-amz-expected-bucket-owner", "ExpectedBucketOwner")], &mut input);
                let doc = xml_body(&body, "CompleteMultipartUpload")?;
                let parts: Vec<Value> = doc
                    .children_named("Part")
                    .map(|p| {
                        let mut m = Map::new();
                        for child in &p.children {
                            let v = if child.name == "PartNumber" { child.text.trim().parse::<i64>().map(|n| json!(n)).unwrap_or(json!(child.text)) } else { json!(child.text) };
                            m.insert(child.name.clone(), v);
                        }
                        Value::Object(m)
                    })
                    .collect();
                input.insert("MultipartUpload".into(), json!({ "Parts": parts }));
                "CompleteMultipartUpload"
            }
            "DELETE" if q.has("uploadId") => {
                if let Some(u) = q.unknown(&["uploadId"]) {
                    return Err(unknown_sub(u));
                }
                input.insert("UploadId".into(), json!(q.get("uploadId").unwrap_or_default()));
                headers_into(req, &[("x-amz-expected-bucket-owner", "ExpectedBucketOwner")], &mut input);
                "AbortMultipartUpload"
            }
            "GET" if q.has("uploadId") => return not_served("ListParts"),
            "PUT" => {
                if let Some(u) = q.unknown(&[]) {
                    return Err(unknown_sub(u));
                }
                let (body, trailers) = body_of(req)?;
                headers_into(req, WRITE_HEADERS, &mut input);
                if let Some(enc) = content_encoding(req) {
                    input.insert("ContentEncoding".into(), json!(enc));
                }
                metadata_into(req, &mut input);
                if let Some(source) = req.header("x-amz-copy-source") {
                    input.insert("CopySource".into(), json!(source));
                    headers_into(
                        req,
                        &[
                            ("x-amz-metadata-directive", "MetadataDirective"),
                            ("x-amz-tagging-directive", "TaggingDirective"),
                            ("x-amz-copy-source-if-match", "CopySourceIfMatch"),
                            ("x-amz-copy-source-if-none-match", "CopySourceIfNoneMatch"),
                            ("x-amz-source-expected-bucket-owner", "ExpectedSourceBucketOwner"),
                            ("x-amz-copy-source-server-side-encryption-customer-algorithm", "CopySourceSSECustomerAlgorithm"),
                        ],
                        &mut input,
                    );
                    date_headers_into(
                        req,
                        &[("x-amz-copy-source-if-modified-since", "CopySourceIfModifiedSince"), ("x-amz-copy-source-if-unmodified-since", "CopySourceIfUnmodifiedSince")],
                        &mut input,
                    );
                    if !body.is_empty() {
                        return Err(errors::invalid_request("The request body must be empty for a copy."));
                    }
                    if input.get("ContentType").is_some() && input.get("MetadataDirective").and_then(Value::as_str) != Some("REPLACE") {
                        // botocore sends no Content-Type on copies unless asked; S3 ignores it
                        // under COPY, so the sandbox does not pass it on.
                        input.remove("ContentType");
                    }
                    "CopyObject"
                } else {
                    headers_into(req, &[("content-md5", "ContentMD5"), ("if-match", "IfMatch"), ("if-none-match", "IfNoneMatch")], &mut input);
                    checksums_into(req, &trailers, &mut input);
                    input.insert("Body".into(), json!(B64.encode(&body)));
                    "PutObject"
                }
            }
            "GET" | "HEAD" => {
                let known: Vec<&str> = READ_QUERY.iter().map(|(p, _)| *p).collect();
                if let Some(u) = q.unknown(&known) {
                    return Err(unknown_sub(u));
                }
                headers_into(req, READ_HEADERS, &mut input);
                date_headers_into(req, &[("if-modified-since", "IfModifiedSince"), ("if-unmodified-since", "IfUnmodifiedSince")], &mut input);
                for (param, member) in READ_QUERY {
                    if let Some(v) = q.get(param) {
                        input.insert((*member).into(), json!(v));
                    }
                }
                if method == "GET" {
                    "GetObject"
                } else {
                    "HeadObject"
                }
            }
            "DELETE" => {
                if let Some(u) = q.unknown(&["versionId"]) {
                    return Err(unknown_sub(u));
                }
                if let Some(v) = q.get("versionId") {
                    input.insert("VersionId".into(), json!(v));
                }
                headers_into(req, &[("x-amz-expected-bucket-owner", "ExpectedBucketOwner"), ("x-amz-mfa", "MFA"), ("x-amz-request-payer", "RequestPayer")], &mut input);
                "DeleteObject"
            }
            _ => return not_served(&format!("{method} on an object")),
        }
    } else {
        input.insert("Bucket".into(), json!(bucket));
        headers_into(req, &[("x-amz-expected-bucket-owner", "ExpectedBucketOwner")], &mut input);
        match method {
            "PUT" if q.has("versioning") => "PutBucketVersioning",
            "PUT" => {
                if let Some(u) = q.unknown(&[]) {
                    return Err(unknown_sub(u));
                }
                input.remove("ExpectedBucketOwner");
                headers_into(
                    req,
                    &[
                        ("x-amz-acl", "ACL"),
                        ("x-amz-object-ownership", "ObjectOwnership"),
                        ("x-amz-grant-full-control", "GrantFullControl"),
                        ("x-amz-grant-read", "GrantRead"),
                        ("x-amz-grant-read-acp", "GrantReadACP"),
                        ("x-amz-grant-write", "GrantWrite"),
                        ("x-amz-grant-write-acp", "GrantWriteACP"),
                    ],
                    &mut input,
                );
                if let Some(v) = req.header("x-amz-bucket-object-lock-enabled") {
                    input.insert("ObjectLockEnabledForBucket".into(), json!(v.eq_ignore_ascii_case("true")));
                }
                let (body, _) = body_of(req)?;
                if !body.iter().all(u8::is_ascii_whitespace) {
                    let conf = xml_body(&body, "CreateBucketConfiguration")?;
                    let mut c = Map::new();
                    for child in &conf.children {
                        let value = if child.children.is_empty() { json!(child.text) } else { json!({}) };
                        c.insert(child.name.clone(), value);
                    }
                    input.insert("CreateBucketConfiguration".into(), Value::Object(c));
                }
                "CreateBucket"
            }
            "HEAD" => "HeadBucket",
            "DELETE" => {
                if let Some(u) = q.unknown(&[]) {
                    return Err(unknown_sub(u));
                }
                "DeleteBucket"
            }
            "POST" if q.has("delete") => {
                let (body, trailers) = body_of(req)?;
                verify_body(req, &body, &trailers)?;
                let delete = xml_body(&body, "Delete")?;
                let mut objects = Vec::new();
                for o in delete.children_named("Object") {
                    let mut m = Map::new();
                    for child in &o.children {
                        m.insert(child.name.clone(), json!(child.text));
                    }
                    objects.push(Value::Object(m));
                }
                let mut d = Map::new();
                d.insert("Objects".into(), Value::Array(objects));
                if let Some(quiet) = delete.child("Quiet") {
                    d.insert("Quiet".into(), json!(quiet.text.trim() == "true"));
                }
                input.insert("Delete".into(), Value::Object(d));
                "DeleteObjects"
            }
            "GET" if q.has("versioning") => "GetBucketVersioning",
            "GET" if q.has("location") => "GetBucketLocation",
            "GET" if q.has("uploads") => return not_served("Multipart upload (ListMultipartUploads)"),
            "GET" => {
                let params = [
                    ("prefix", "Prefix"),
                    ("delimiter", "Delimiter"),
                    ("continuation-token", "ContinuationToken"),
                    ("start-after", "StartAfter"),
                    ("encoding-type", "EncodingType"),
                ];
                let mut known: Vec<&str> = params.iter().map(|(p, _)| *p).collect();
                known.extend(["list-type", "max-keys", "fetch-owner", "marker"]);
                if let Some(u) = q.unknown(&known) {
                    return Err(unknown_sub(u));
                }
                if q.get("list-type") != Some("2") {
                    return not_served("ListObjects (version 1; use ListObjectsV2)");
                }
                for (param, member) in params {
                    if let Some(v) = q.get(param) {
                        input.insert(member.into(), json!(v));
                    }
                }
                if let Some(m) = q.get("max-keys") {
                    let n = m.parse::<i64>().map_err(|_| errors::invalid_argument("Provided max-keys not an integer or within integer range", "max-keys", m))?;
                    input.insert("MaxKeys".into(), json!(n));
                }
                if let Some(f) = q.get("fetch-owner") {
                    input.insert("FetchOwner".into(), json!(f == "true"));
                }
                headers_into(req, &[("x-amz-request-payer", "RequestPayer"), ("x-amz-optional-object-attributes", "OptionalObjectAttributes")], &mut input);
                "ListObjectsV2"
            }
            _ => {
                let sub = q.0.first().map(|(k, _)| k.clone()).unwrap_or_default();
                return Err(if sub.is_empty() { errors::not_implemented(format!("{method} on a bucket")) } else { unknown_sub(&sub) });
            }
        }
    };
    Ok(Inbound::S3 { operation, region, input: Value::Object(input), head: method == "HEAD", credentials: None })
}

// ---- writing answers ----

fn ms_of(v: &Value) -> i64 {
    v.as_f64().map_or(0, |s| (s * 1000.0).round() as i64)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn el(out: &mut String, name: &str, value: &str) {
    out.push_str(&format!("<{name}>{}</{name}>", xml::escape(value)));
}

fn document(root: &str, inner: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{NS}\">{inner}</{root}>").into_bytes()
}

/// The object headers GetObject and HeadObject answer with.
fn object_headers(out: &Value, headers: &mut Vec<(String, String)>) {
    let pairs = [
        ("ContentType", "Content-Type"),
        ("ETag", "ETag"),
        ("AcceptRanges", "Accept-Ranges"),
        ("ContentRange", "Content-Range"),
        ("ContentEncoding", "Content-Encoding"),
        ("ContentDisposition", "Content-Disposition"),
        ("ContentLanguage", "Content-Language"),
        ("CacheControl", "Cache-Control"),
        ("ServerSideEncryption", "x-amz-server-side-encryption"),
        ("ChecksumCRC32", "x-amz-checksum-crc32"),
        ("ChecksumSHA256", "x-amz-checksum-sha256"),
        ("ChecksumType", "x-amz-checksum-type"),
    ];
    for (member, header) in pairs {
        if let Some(v) = out.get(member).filter(|v| !v.is_null()) {
            headers.push((header.into(), text(v)));
        }
    }
    if let Some(lm) = out.get("LastModified") {
        headers.push(("Last-Modified".into(), http_date(ms_of(lm))));
    }
    if let Some(Value::Object(meta)) = out.get("Metadata") {
        for (k, v) in meta {
            headers.push((format!("x-amz-meta-{k}"), text(v)));
        }
    }
}

fn list_objects_v2(out: &Value) -> Vec<u8> {
    let mut s = String::new();
    el(&mut s, "Name", &text(&out["Name"]));
    el(&mut s, "Prefix", &text(&out["Prefix"]));
    if let Some(d) = out.get("Delimiter") {
        el(&mut s, "Delimiter", &text(d));
    }
    el(&mut s, "MaxKeys", &text(&out["MaxKeys"]));
    if let Some(e) = out.get("EncodingType") {
        el(&mut s, "EncodingType", &text(e));
    }
    el(&mut s, "KeyCount", &text(&out["KeyCount"]));
    el(&mut s, "IsTruncated", &text(&out["IsTruncated"]));
    for member in ["ContinuationToken", "NextContinuationToken", "StartAfter"] {
        if let Some(v) = out.get(member) {
            el(&mut s, member, &text(v));
        }
    }
    for c in out.get("Contents").and_then(Value::as_array).into_iter().flatten() {
        s.push_str("<Contents>");
        el(&mut s, "Key", &text(&c["Key"]));
        el(&mut s, "LastModified", &time::iso8601(ms_of(&c["LastModified"])));
        el(&mut s, "ETag", &text(&c["ETag"]));
        for a in c.get("ChecksumAlgorithm").and_then(Value::as_array).into_iter().flatten() {
            el(&mut s, "ChecksumAlgorithm", &text(a));
        }
        if let Some(t) = c.get("ChecksumType") {
            el(&mut s, "ChecksumType", &text(t));
        }
        el(&mut s, "Size", &text(&c["Size"]));
        if let Some(owner) = c.get("Owner") {
            s.push_str("<Owner>");
            el(&mut s, "ID", &text(&owner["ID"]));
            s.push_str("</Owner>");
        }
        el(&mut s, "StorageClass", &text(&c["StorageClass"]));
        s.push_str("</Contents>");
    }
    for p in out.get("CommonPrefixes").and_then(Value::as_array).into_iter().flatten() {
        s.push_str("<CommonPrefixes>");
        el(&mut s, "Prefix", &text(&p["Prefix"]));
        s.push_str("</CommonPrefixes>");
    }
    document("ListBucketResult", &s)
}

fn list_buckets(out: &Value) -> Vec<u8> {
    let mut s = String::from("<Owner>");
    el(&mut s, "ID", &text(&out["Owner"]["ID"]));
    s.push_str("</Owner><Buckets>");
    for b in out["Buckets"].as_array().into_iter().flatten() {
        s.push_str("<Bucket>");
        el(&mut s, "Name", &text(&b["Name"]));
        el(&mut s, "CreationDate", &time::iso8601(ms_of(&b["CreationDate"])));
        el(&mut s, "BucketRegion", &text(&b["BucketRegion"]));
        s.push_str("</Bucket>");
    }
    s.push_str("</Buckets>");
    for member in ["ContinuationToken", "Prefix"] {
        if let Some(v) = out.get(member) {
            el(&mut s, member, &text(v));
        }
    }
    document("ListAllMyBucketsResult", &s)
}

fn delete_result(out: &Value) -> Vec<u8> {
    let mut s = String::new();
    for d in out.get("Deleted").and_then(Value::as_array).into_iter().flatten() {
        s.push_str("<Deleted>");
        el(&mut s, "Key", &text(&d["Key"]));
        s.push_str("</Deleted>");
    }
    for e in out.get("Errors").and_then(Value::as_array).into_iter().flatten() {
        s.push_str("<Error>");
        for m in ["Key", "Code", "Message"] {
            el(&mut s, m, &text(&e[m]));
        }
        s.push_str("</Error>");
    }
    document("DeleteResult", &s)
}

/// Writes an S3 operation's answer.
pub fn respond(operation: &str, head: bool, result: Result<Answer, AwsError>, request_id: &str) -> HttpResponse {
    let out = match result {
        Ok(Answer::Value(v)) => v,
        Ok(Answer::Json(bytes)) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(e) => return s3_error(&e, request_id, head),
    };
    let mut headers = vec![("x-amz-request-id".to_string(), request_id.to_string()), ("x-amz-id-2".to_string(), host_id(request_id))];
    let xml_type = ("Content-Type".to_string(), "application/xml".to_string());
    let (status, body) = match operation {
        "ListBuckets" => {
            headers.push(xml_type);
            (200, list_buckets(&out))
        }
        "ListObjectsV2" => {
            headers.push(xml_type);
            (200, list_objects_v2(&out))
        }
        "DeleteObjects" => {
            headers.push(xml_type);
            (200, delete_result(&out))
        }
        "GetBucketLocation" => {
            headers.push(xml_type);
            let lc = text(&out["LocationConstraint"]);
            (200, format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"{NS}\">{}</LocationConstraint>", xml::escape(&lc)).into_bytes())
        }
        "GetBucketVersioning" => {
            headers.push(xml_type);
            let mut s = String::new();
            if let Some(st) = out.get("Status") {
                el(&mut s, "Status", &text(st));
            }
            (200, document("VersioningConfiguration", &s))
        }
        "CreateBucket" => {
            if let Some(loc) = out.get("Location") {
                headers.push(("Location".into(), text(loc)));
            }
            (200, Vec::new())
        }
        "HeadBucket" => {
            headers.push(("x-amz-bucket-region".into(), text(&out["BucketRegion"])));
            headers.push(("x-amz-access-point-alias".into(), text(&out["AccessPointAlias"])));
            (200, Vec::new())
        }
        "DeleteBucket" | "DeleteObject" => (204, Vec::new()),
        "PutObject" => {
            for (member, header) in [
                ("ETag", "ETag"),
                ("ServerSideEncryption", "x-amz-server-side-encryption"),
                ("ChecksumCRC32", "x-amz-checksum-crc32"),
                ("ChecksumSHA256", "x-amz-checksum-sha256"),
                ("ChecksumType", "x-amz-checksum-type"),
            ] {
                if let Some(v) = out.get(member) {
                    headers.push((header.into(), text(v)));
                }
            }
            (200, Vec::new())
        }
        "CopyObject" => {
            headers.push(xml_type);
            headers.push(("x-amz-server-side-encryption".into(), text(&out["ServerSideEncryption"])));
            let r = &out["CopyObjectResult"];
            let mut s = String::new();
            el(&mut s, "ETag", &text(&r["ETag"]));
            el(&mut s, "LastModified", &time::iso8601(ms_of(&r["LastModified"])));
            for m in ["ChecksumType", "ChecksumCRC32", "ChecksumSHA256"] {
                if let Some(v) = r.get(m) {
                    el(&mut s, m, &text(v));
                }
            }
            (200, document("CopyObjectResult", &s))
        }
        "CreateMultipartUpload" => {
            headers.push(xml_type);
            headers.push(("x-amz-server-side-encryption".into(), text(&out["ServerSideEncryption"])));
            for (member, header) in [("ChecksumAlgorithm", "x-amz-checksum-algorithm"), ("ChecksumType", "x-amz-checksum-type")] {
                if let Some(v) = out.get(member) {
                    headers.push((header.into(), text(v)));
                }
            }
            let mut s = String::new();
            for m in ["Bucket", "Key", "UploadId"] {
                el(&mut s, m, &text(&out[m]));
            }
            (200, document("InitiateMultipartUploadResult", &s))
        }
        "UploadPart" => {
            for (member, header) in
                [("ETag", "ETag"), ("ServerSideEncryption", "x-amz-server-side-encryption"), ("ChecksumCRC32", "x-amz-checksum-crc32"), ("ChecksumSHA256", "x-amz-checksum-sha256")]
            {
                if let Some(v) = out.get(member) {
                    headers.push((header.into(), text(v)));
                }
            }
            (200, Vec::new())
        }
        "CompleteMultipartUpload" => {
            headers.push(xml_type);
            headers.push(("x-amz-server-side-encryption".into(), text(&out["ServerSideEncryption"])));
            let mut s = String::new();
            for m in ["Location", "Bucket", "Key", "ETag", "ChecksumCRC32", "ChecksumSHA256", "ChecksumType"] {
                if let Some(v) = out.get(m) {
                    el(&mut s, m, &text(v));
                }
            }
            (200, document("CompleteMultipartUploadResult", &s))
        }
        "AbortMultipartUpload" => (204, Vec::new()),
        "GetObject" | "HeadObject" => {
            object_headers(&out, &mut headers);
            let status = if out.get("ContentRange").is_some() { 206 } else { 200 };
            let body = if head { Vec::new() } else { out.get("Body").and_then(Value::as_str).and_then(|b| B64.decode(b).ok()).unwrap_or_default() };
            // HEAD: the length of the body a GET would send (the server keeps this header when
            // the body is empty).
            headers.push(("Content-Length".into(), text(&out["ContentLength"])));
            (status, body)
        }
        _ => (200, Vec::new()),
    };
    HttpResponse { status, headers, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_round_trip() {
        assert_eq!(parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT"), Some(1_445_412_480));
        assert_eq!(http_date(1_445_412_480_000), "Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date("Wed, 99 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn aws_chunked_bodies_are_unframed() {
        let body = b"5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
        let (bytes, trailers) = decode_aws_chunked(body).unwrap();
        assert_eq!(bytes, b"hello world");
        assert_eq!(trailers, vec![("x-amz-checksum-crc32".to_string(), "DUoRhQ==".to_string())]);
        for bad in [&b"5\r\nhel"[..], b"zz\r\n", b"5\r\nhelloXX0\r\n", b""] {
            assert!(decode_aws_chunked(bad).is_err());
        }
    }
}
