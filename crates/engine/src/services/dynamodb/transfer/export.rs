//! ExportTableToPointInTime, DescribeExport, ListExports: a table's data as of a point in its
//! PITR window (FULL_EXPORT) or its changes over a window (INCREMENTAL_EXPORT), written to S3
//! in AWS's layout:
//!
//! ```text
//! {prefix}/AWSDynamoDB/{ExportId}/_started                (empty, written first)
//! {prefix}/AWSDynamoDB/{ExportId}/data/{random}.json.gz   (full exports; .ion.gz for ION)
//! {prefix}/AWSDynamoDB/data/{random}.json.gz              (incremental exports: a shared folder)
//! {prefix}/AWSDynamoDB/{ExportId}/manifest-files.json     (JSON lines: itemCount, md5Checksum, etag, dataFileS3Key)
//! {prefix}/AWSDynamoDB/{ExportId}/manifest-files.md5      (base64 MD5 of the file above)
//! {prefix}/AWSDynamoDB/{ExportId}/manifest-summary.json
//! {prefix}/AWSDynamoDB/{ExportId}/manifest-summary.md5
//! ```
//!
//! The data comes from the PITR log ([`pitr::items_at`], [`pitr::changes_between`]), read when
//! the export's one timer step runs ([`EXPORT_MS`] after the request), so writes made after the
//! export time never leak in. The step writes every object in a chain of PutObject calls; a
//! missing bucket ends the export FAILED with S3NoSuchBucket, as AWS accepts the request and
//! fails later.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    b64, export_key,
    formats::{gzip, ion_line},
    import::{decode_token, encode_token},
    job_id, s3_failure, seconds, timestamp_ms, under, Then as TransferThen, EXPORT_STEP_ACTION,
};
use crate::kernel::{error::AwsError, runtime::Step, scheduler::Timer, service::Cx, time::iso8601, Request};
use crate::services::dynamodb::{
    input::{Constraints, Input},
    pitr,
    reply::write_item,
    value::{item_size, Item},
    DynamoDb, ERROR_NAMESPACE,
};
use crate::services::sqs::digest::{hex, md5};

/// Virtual time from the request to the step that writes the export.
pub const EXPORT_MS: i64 = 5_000;
/// Items per data file.
pub const ITEMS_PER_FILE: usize = 10_000;
const MIN_WINDOW_MS: i64 = 15 * 60_000;
const MAX_WINDOW_MS: i64 = 24 * 3_600_000;
/// How long a ClientToken identifies its export (AWS: 8 hours).
const TOKEN_MS: i64 = 8 * 3_600_000;
const MEMBERS: &[&str] = &[
    "TableArn",
    "ExportTime",
    "ClientToken",
    "S3Bucket",
    "S3BucketOwner",
    "S3Prefix",
    "S3SseAlgorithm",
    "S3SseKmsKeyId",
    "ExportFormat",
    "ExportType",
    "IncrementalExportSpecification",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incremental {
    pub from_ms: i64,
    pub to_ms: i64,
    pub view: String,
}

/// One export (the record).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Export {
    pub id: String,
    pub arn: String,
    pub status: String,
    pub table_name: String,
    pub table_arn: String,
    pub table_id: String,
    pub export_time_ms: i64,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub client_token: String,
    pub bucket: String,
    pub bucket_owner: Option<String>,
    pub prefix: Option<String>,
    pub sse_algorithm: Option<String>,
    pub sse_kms_key_id: Option<String>,
    pub format: String,
    /// As given (AWS leaves ExportType out of the description when the request did).
    pub export_type: Option<String>,
    pub incremental: Option<Incremental>,
    pub item_count: Option<u64>,
    pub billed_size_bytes: Option<u64>,
    pub failure: Option<(String, String)>,
}

impl Export {
    fn incremental_kind(&self) -> bool {
        self.export_type.as_deref() == Some("INCREMENTAL_EXPORT")
    }

    fn root(&self) -> String {
        under(self.prefix.as_deref(), &format!("AWSDynamoDB/{}", self.id))
    }

    fn manifest(&self) -> String {
        format!("{}/manifest-summary.json", self.root())
    }

    /// What a ClientToken replay must match.
    fn same_request(&self, other: &Export) -> bool {
        (&self.table_arn, &self.bucket, &self.bucket_owner, &self.prefix, &self.sse_algorithm, &self.sse_kms_key_id, &self.format, &self.export_type, &self.incremental)
            == (
                &other.table_arn,
                &other.bucket,
                &other.bucket_owner,
                &other.prefix,
                &other.sse_algorithm,
                &other.sse_kms_key_id,
                &other.format,
                &other.export_type,
                &other.incremental,
            )
    }
}

fn description(e: &Export) -> Value {
    let mut d = json!({
        "ExportArn": e.arn,
        "ExportStatus": e.status,
        "StartTime": seconds(e.start_ms),
        "TableArn": e.table_arn,
        "TableId": e.table_id,
        "ExportTime": seconds(e.export_time_ms),
        "ClientToken": e.client_token,
        "S3Bucket": e.bucket,
        "ExportFormat": e.format,
    });
    for (name, v) in
        [("S3BucketOwner", &e.bucket_owner), ("S3Prefix", &e.prefix), ("S3SseAlgorithm", &e.sse_algorithm), ("S3SseKmsKeyId", &e.sse_kms_key_id), ("ExportType", &e.export_type)]
    {
        if let Some(v) = v {
            d[name] = json!(v);
        }
    }
    if let Some(i) = &e.incremental {
        d["IncrementalExportSpecification"] = json!({ "ExportFromTime": seconds(i.from_ms), "ExportToTime": seconds(i.to_ms), "ExportViewType": i.view });
    }
    if let Some(end) = e.end_ms {
        d["EndTime"] = seconds(end);
    }
    if e.status == "COMPLETED" {
        d["ExportManifest"] = json!(e.manifest());
    }
    if let Some(n) = e.item_count {
        d["ItemCount"] = json!(n);
    }
    if let Some(n) = e.billed_size_bytes {
        d["BilledSizeBytes"] = json!(n);
    }
    if let Some((code, message)) = &e.failure {
        d["FailureCode"] = json!(code);
        d["FailureMessage"] = json!(message);
    }
    d
}

fn invalid_export_time(message: impl Into<String>) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "InvalidExportTimeException", message, 400)
}

fn table_not_found(arn: &str) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "TableNotFoundException", format!("Table not found: {arn}"), 400)
}

/// `(region, table name)` of `arn:aws:dynamodb:{region}:{account}:table/{name}`.
fn parse_table_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:dynamodb:")?;
    let (region, rest) = rest.split_once(':')?;
    let (_, name) = rest.split_once(":table/")?;
    (!name.is_empty() && !name.contains('/')).then_some((region, name))
}

fn bucket_ok(b: &str) -> bool {
    let bytes = b.as_bytes();
    bytes.len() >= 2
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
}

pub fn export_table_to_point_in_time(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let inp = Input::new(input)?;
    if let Some(unknown) = inp.present().find(|m| !MEMBERS.contains(m)) {
        return Err(AwsError::validation(format!("ExportTableToPointInTime has no member {unknown}")));
    }
    let table_arn = inp.string("TableArn")?;
    let bucket = inp.string("S3Bucket")?;
    let owner = inp.string("S3BucketOwner")?;
    let prefix = inp.string("S3Prefix")?;
    let sse = inp.string("S3SseAlgorithm")?;
    let kms = inp.string("S3SseKmsKeyId")?;
    let format = inp.string("ExportFormat")?;
    let export_type = inp.string("ExportType")?;
    let token = inp.string("ClientToken")?;
    let export_time = timestamp_ms(input.get("ExportTime"), "ExportTime")?;
    let spec = inp.structure("IncrementalExportSpecification", "IncrementalExportSpecification")?;
    let (from, to, view) = match &spec {
        Some(s) => (timestamp_ms(s.raw("ExportFromTime"), "ExportFromTime")?, timestamp_ms(s.raw("ExportToTime"), "ExportToTime")?, s.string("ExportViewType")?),
        None => (None, None, None),
    };

    let mut c = Constraints::default();
    c.not_null(table_arn, "tableArn");
    if let Some(a) = table_arn.filter(|a| a.is_empty() || a.len() > 1024) {
        c.add(Some(a), "tableArn", "Member must have length between 1 and 1024");
    }
    c.not_null(bucket, "s3Bucket");
    if let Some(b) = bucket {
        if b.len() > 255 {
            c.add(Some(b), "s3Bucket", "Member must have length less than or equal to 255");
        }
        if !bucket_ok(b) {
            c.add(Some(b), "s3Bucket", "Member must satisfy regular expression pattern: ^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$");
        }
    }
    if let Some(o) = owner.filter(|o| o.len() != 12 || !o.bytes().all(|b| b.is_ascii_digit())) {
        c.add(Some(o), "s3BucketOwner", "Member must satisfy regular expression pattern: [0-9]{12}");
    }
    if let Some(p) = prefix.filter(|p| p.is_empty() || p.len() > 1024) {
        c.add(Some(p), "s3Prefix", "Member must have length between 1 and 1024");
    }
    c.one_of(sse, "s3SseAlgorithm", &["AES256", "KMS"]);
    if let Some(k) = kms.filter(|k| k.is_empty() || k.len() > 2048) {
        c.add(Some(k), "s3SseKmsKeyId", "Member must have length between 1 and 2048");
    }
    c.one_of(format, "exportFormat", &["DYNAMODB_JSON", "ION"]);
    c.one_of(export_type, "exportType", &["FULL_EXPORT", "INCREMENTAL_EXPORT"]);
    c.one_of(view, "incrementalExportSpecification.exportViewType", &["NEW_IMAGE", "NEW_AND_OLD_IMAGES"]);
    if let Some(t) = token {
        if t.is_empty() {
            c.add(Some(t), "clientToken", "Member must have length greater than or equal to 1");
        } else if t.contains('$') {
            c.add(Some(t), "clientToken", "Member must satisfy regular expression pattern: ^[^\\$]+$");
        }
    }
    c.finish()?;
    let (table_arn, bucket) = (table_arn.unwrap_or_default(), bucket.unwrap_or_default());
    if sse == Some("KMS") {
        return Err(AwsError::validation("S3SseAlgorithm KMS is not supported in the sandbox (it has no KMS); use AES256, S3's default encryption."));
    }
    if kms.is_some() {
        return Err(AwsError::validation("S3SseKmsKeyId can only be given with S3SseAlgorithm KMS, which the sandbox does not support."));
    }
    let incremental = export_type == Some("INCREMENTAL_EXPORT");
    if incremental && spec.is_none() {
        return Err(AwsError::validation("IncrementalExportSpecification is required when ExportType is INCREMENTAL_EXPORT"));
    }
    if !incremental && spec.is_some() {
        return Err(AwsError::validation("IncrementalExportSpecification can only be given when ExportType is INCREMENTAL_EXPORT"));
    }
    if incremental && export_time.is_some() {
        return Err(AwsError::validation("ExportTime cannot be given for an INCREMENTAL_EXPORT; use IncrementalExportSpecification"));
    }
    let (arn_region, name) = parse_table_arn(table_arn).ok_or_else(|| AwsError::validation(format!("Invalid TableArn: {table_arn} is not a DynamoDB table ARN")))?;
    let region = cx.region.to_string();
    let table = db.tables(&region).filter(|_| arn_region == region).and_then(|t| t.get(name)).filter(|t| t.meta.arn == table_arn).ok_or_else(|| table_not_found(table_arn))?;
    let now = cx.now_ms;
    // The time checks, before PITR's own: an export time can never be in the future.
    if let Some(t) = export_time {
        if t > now {
            return Err(invalid_export_time(format!("ExportTime {} is in the future", iso8601(t))));
        }
        if t < 0 {
            return Err(invalid_export_time("ExportTime must be a time in the point in time recovery window"));
        }
    }
    let (earliest, latest) = table.pitr.window(now).ok_or_else(|| pitr::pitr_unavailable(name))?;
    let (export_time_ms, window) = if incremental {
        let from = from.ok_or_else(|| AwsError::validation("IncrementalExportSpecification.ExportFromTime is required"))?;
        let to = to.unwrap_or(latest);
        if to - from < MIN_WINDOW_MS {
            return Err(invalid_export_time("Difference between export period start time and end time must be at least 15 minutes"));
        }
        if to - from > MAX_WINDOW_MS {
            return Err(invalid_export_time("Difference between export period start time and end time must not be more than 24 hours"));
        }
        if from < earliest || to > latest {
            return Err(invalid_export_time(format!("The export period must be within the point in time recovery window: from {} to {}", iso8601(earliest), iso8601(latest))));
        }
        (to, Some(Incremental { from_ms: from, to_ms: to, view: view.unwrap_or("NEW_AND_OLD_IMAGES").to_string() }))
    } else {
        // Without ExportTime the export is of now; a given one must be inside the PITR window,
        // which ends five minutes ago (AWS refuses an ExportTime closer to now).
        if let Some(t) = export_time.filter(|t| *t < earliest || *t > latest) {
            return Err(invalid_export_time(format!(
                "ExportTime {} must be within the point in time recovery window: from {} to {}",
                iso8601(t),
                iso8601(earliest),
                iso8601(latest)
            )));
        }
        (export_time.unwrap_or(now), None)
    };
    let (table_id, table_arn) = (table.meta.id.clone(), table.meta.arn.clone());
    let mut export = Export {
        id: String::new(),
        arn: String::new(),
        status: "IN_PROGRESS".into(),
        table_name: name.to_string(),
        table_arn,
        table_id,
        export_time_ms,
        start_ms: now,
        end_ms: None,
        client_token: String::new(),
        bucket: bucket.to_string(),
        bucket_owner: owner.map(str::to_string),
        prefix: prefix.map(str::to_string),
        sse_algorithm: sse.map(str::to_string),
        sse_kms_key_id: None,
        format: format.unwrap_or("DYNAMODB_JSON").to_string(),
        export_type: export_type.map(str::to_string),
        incremental: window,
        item_count: None,
        billed_size_bytes: None,
        failure: None,
    };
    if let Some(t) = token {
        let existing = db.transfer.exports.get(&region).and_then(|m| m.values().find(|e| e.client_token == t && now - e.start_ms < TOKEN_MS));
        if let Some(e) = existing {
            if !e.same_request(&export) {
                return Err(AwsError::new(ERROR_NAMESPACE, "ExportConflictException", "Duplicate request detected with the same ClientToken and different parameters", 400));
            }
            return Ok(json!({ "ExportDescription": description(e) }));
        }
    }
    let id = job_id(cx);
    export.arn = format!("{}/export/{id}", export.table_arn);
    export.client_token = token.map(str::to_string).unwrap_or_else(|| cx.rng.uuid());
    export.id = id.clone();
    cx.journal.put_json(export_key(&region, &id), &export);
    cx.schedule(now + EXPORT_MS, json!({"action": EXPORT_STEP_ACTION, "export": id}));
    let d = description(&export);
    db.transfer.exports.entry(region).or_default().insert(id, export);
    Ok(json!({ "ExportDescription": d }))
}

fn parse_export_arn(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let (_, resource) = rest.split_once(":table/")?;
    let (_, id) = resource.split_once("/export/")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

pub fn describe_export(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let inp = Input::new(input)?;
    let arn = inp.string("ExportArn")?;
    let mut c = Constraints::default();
    c.not_null(arn, "exportArn");
    if let Some(a) = arn.filter(|a| a.len() < 37 || a.len() > 1024) {
        c.add(Some(a), "exportArn", "Member must have length between 37 and 1024");
    }
    c.finish()?;
    let arn = arn.unwrap_or_default();
    let id = parse_export_arn(arn).ok_or_else(|| AwsError::validation("Invalid Export ARN"))?;
    let export = db
        .transfer
        .exports
        .get(cx.region)
        .and_then(|m| m.get(id))
        .filter(|e| e.arn == arn)
        .ok_or_else(|| AwsError::new(ERROR_NAMESPACE, "ExportNotFoundException", format!("Export not found: {arn}"), 400))?;
    Ok(json!({ "ExportDescription": description(export) }))
}

pub fn list_exports(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let inp = Input::new(input)?;
    let table_arn = inp.string("TableArn")?;
    let max = inp.integer("MaxResults")?;
    let token = inp.string("NextToken")?;
    let mut c = Constraints::default();
    c.min(max, "maxResults", 1);
    c.max(max, "maxResults", 25);
    c.finish()?;
    let max = max.unwrap_or(25) as usize;
    let region = cx.region.to_string();
    // Exports of tables that are gone are not listed (AWS's observed behaviour).
    let live = |e: &Export| db.tables(&region).and_then(|t| t.get(&e.table_name)).is_some_and(|t| t.meta.id == e.table_id);
    let mut all: Vec<&Export> =
        db.transfer.exports.get(&region).map(|m| m.values().filter(|e| table_arn.is_none_or(|t| e.table_arn == t) && live(e)).collect()).unwrap_or_default();
    all.sort_by(|a, b| b.start_ms.cmp(&a.start_ms).then(b.id.cmp(&a.id)));
    let start = match token {
        Some(t) => {
            let invalid = || AwsError::validation("Invalid NextToken for ListExports");
            let after = decode_token(t).ok_or_else(invalid)?;
            all.iter().position(|e| e.arn == after).map(|p| p + 1).ok_or_else(invalid)?
        }
        None => 0,
    };
    let chosen: Vec<&Export> = all.iter().skip(start).take(max).copied().collect();
    let summaries: Vec<Value> =
        chosen.iter().map(|e| json!({ "ExportArn": e.arn, "ExportStatus": e.status, "ExportType": e.export_type.as_deref().unwrap_or("FULL_EXPORT") })).collect();
    let mut out = json!({ "ExportSummaries": summaries });
    if start + chosen.len() < all.len() {
        if let Some(last) = chosen.last() {
            out["NextToken"] = json!(encode_token(&last.arn));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- the job

/// The uploads of an export step still to make.
pub(crate) struct Then {
    id: String,
    uploads: std::collections::VecDeque<(String, Vec<u8>)>,
    item_count: u64,
    billed: u64,
}

fn random_name(cx: &mut Cx) -> String {
    cx.rng.token(b"abcdefghijklmnopqrstuvwxyz234567", 26)
}

/// One data file: its lines gzipped, its item count.
struct DataFile {
    key: String,
    body: Vec<u8>,
    items: u64,
}

fn data_files(cx: &mut Cx, e: &Export, lines: Vec<Vec<u8>>) -> Vec<DataFile> {
    let ext = if e.format == "ION" { "ion.gz" } else { "json.gz" };
    let folder = if e.incremental_kind() { under(e.prefix.as_deref(), "AWSDynamoDB/data") } else { format!("{}/data", e.root()) };
    let mut files = Vec::new();
    let mut chunks: Vec<&[Vec<u8>]> = lines.chunks(ITEMS_PER_FILE).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    for chunk in chunks {
        let text: Vec<u8> = chunk.concat();
        files.push(DataFile { key: format!("{folder}/{}.{ext}", random_name(cx)), body: gzip(&text), items: chunk.len() as u64 });
    }
    files
}

fn json_line(members: &[(&str, &Item)], metadata: Option<i64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.push(b'{');
    if let Some(micros) = metadata {
        out.extend_from_slice(format!("\"Metadata\":{{\"WriteTimestampMicros\":{{\"N\":\"{micros}\"}}}},").as_bytes());
    }
    for (i, (name, item)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(format!("\"{name}\":").as_bytes());
        write_item(&mut out, item);
    }
    out.extend_from_slice(b"}\n");
    out
}

fn ion_record(members: &[(&str, &Item)], metadata: Option<i64>) -> Vec<u8> {
    let mut out = String::new();
    match metadata {
        None => ion_line(&mut out, members),
        Some(micros) => {
            // `$ion_1_0 {Metadata:{WriteTimestampMicros:…},Keys:{…},…}`
            let mut inner = String::new();
            ion_line(&mut inner, members);
            let rest = inner.strip_prefix("$ion_1_0 {").unwrap_or(&inner);
            out.push_str(&format!("$ion_1_0 {{Metadata:{{WriteTimestampMicros:{micros}.}},"));
            out.push_str(rest);
        }
    }
    out.into_bytes()
}

/// The export timer: reads the data from the PITR log, then writes every object.
pub(crate) fn step(db: &mut DynamoDb, cx: &mut Cx, timer: &Timer) -> Step {
    let id = timer.payload.get("export").and_then(Value::as_str).unwrap_or_default().to_string();
    let region = cx.region.to_string();
    let Some(e) = db.transfer.exports.get(&region).and_then(|m| m.get(&id)).filter(|e| e.status == "IN_PROGRESS").cloned() else {
        return Step::Done(Value::Null);
    };
    let Some(table) = db.tables(&region).and_then(|t| t.get(&e.table_name)).filter(|t| t.meta.id == e.table_id) else {
        fail(db, cx, &region, &id, "TableNotFound".into(), format!("Table not found: {}", e.table_arn));
        return Step::Done(Value::Null);
    };
    let (mut lines, mut billed) = (Vec::new(), 0u64);
    let ion = e.format == "ION";
    match &e.incremental {
        None => match pitr::items_at(table, cx.now_ms, e.export_time_ms) {
            Ok(items) => {
                for (_, item) in &items {
                    billed += item_size(item) as u64;
                    lines.push(if ion { ion_record(&[("Item", item)], None) } else { json_line(&[("Item", item)], None) });
                }
            }
            Err(err) => {
                fail(db, cx, &region, &id, err.kind.clone(), err.message);
                return Step::Done(Value::Null);
            }
        },
        Some(w) => match pitr::changes_between(table, cx.now_ms, w.from_ms, w.to_ms) {
            Ok(changes) => {
                for ch in &changes {
                    let keys = table.meta.key_schema.key_map(&ch.key);
                    // The last write to the key inside the window.
                    let written = table.pitr.log.iter().filter(|l| l.key == ch.key && l.at_ms >= w.from_ms && l.at_ms < w.to_ms).map(|l| l.at_ms).max().unwrap_or(w.to_ms);
                    let micros = written.saturating_mul(1000);
                    let mut members: Vec<(&str, &Item)> = vec![("Keys", &keys)];
                    if let Some(n) = &ch.new {
                        members.push(("NewImage", n));
                        billed += item_size(n) as u64;
                    }
                    if w.view == "NEW_AND_OLD_IMAGES" {
                        if let Some(o) = &ch.old {
                            members.push(("OldImage", o));
                        }
                    }
                    lines.push(if ion { ion_record(&members, Some(micros)) } else { json_line(&members, Some(micros)) });
                }
            }
            Err(err) => {
                fail(db, cx, &region, &id, err.kind.clone(), err.message);
                return Step::Done(Value::Null);
            }
        },
    }
    let item_count = lines.len() as u64;
    let files = data_files(cx, &e, lines);
    let root = e.root();
    let mut manifest_files = Vec::new();
    for f in &files {
        let digest = md5(&f.body);
        manifest_files.extend_from_slice(json!({ "itemCount": f.items, "md5Checksum": b64(&digest), "etag": hex(&digest), "dataFileS3Key": f.key }).to_string().as_bytes());
        manifest_files.push(b'\n');
    }
    let mut summary = json!({
        "version": if e.incremental.is_some() { "2023-08-01" } else { "2020-06-30" },
        "exportArn": e.arn,
        "startTime": iso8601(e.start_ms),
        "endTime": iso8601(cx.now_ms),
        "tableArn": e.table_arn,
        "tableId": e.table_id,
    });
    match &e.incremental {
        Some(w) => {
            summary["exportFromTime"] = json!(iso8601(w.from_ms));
            summary["exportToTime"] = json!(iso8601(w.to_ms));
        }
        None => summary["exportTime"] = json!(iso8601(e.export_time_ms)),
    }
    for (k, v) in [
        ("s3Bucket", json!(e.bucket)),
        ("s3Prefix", json!(e.prefix)),
        ("s3SseAlgorithm", json!(e.sse_algorithm.as_deref().unwrap_or("AES256"))),
        ("s3SseKmsKeyId", Value::Null),
        ("manifestFilesS3Key", json!(format!("{root}/manifest-files.json"))),
        ("billedSizeBytes", json!(billed)),
        ("itemCount", json!(item_count)),
        ("outputFormat", json!(e.format)),
    ] {
        summary[k] = v;
    }
    if let Some(w) = &e.incremental {
        summary["exportType"] = json!("INCREMENTAL_EXPORT");
        summary["outputView"] = json!(w.view);
    }
    let summary = serde_json::to_vec(&summary).unwrap_or_default();
    let mut uploads = std::collections::VecDeque::new();
    uploads.push_back((format!("{root}/_started"), Vec::new()));
    for f in files {
        uploads.push_back((f.key, f.body));
    }
    uploads.push_back((format!("{root}/manifest-files.md5"), b64(&md5(&manifest_files)).into_bytes()));
    uploads.push_back((format!("{root}/manifest-files.json"), manifest_files));
    uploads.push_back((format!("{root}/manifest-summary.md5"), b64(&md5(&summary)).into_bytes()));
    uploads.push_back((format!("{root}/manifest-summary.json"), summary));
    next_upload(&e, Then { id, uploads, item_count, billed }, &region)
}

fn next_upload(e: &Export, mut then: Then, region: &str) -> Step {
    let Some((key, body)) = then.uploads.pop_front() else {
        return Step::Done(Value::Null);
    };
    let mut input = json!({ "Bucket": e.bucket, "Key": key, "Body": b64(&body) });
    if let Some(o) = &e.bucket_owner {
        input["ExpectedBucketOwner"] = json!(o);
    }
    // The uploads of one step are sent back to back; `then` carries the rest.
    Step::Call(Request::new("s3", "PutObject", region, input), Box::new(TransferThen::Export(then)))
}

pub(crate) fn resume(db: &mut DynamoDb, cx: &mut Cx, then: Then, answer: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let region = cx.region.to_string();
    let Some(e) = db.transfer.exports.get(&region).and_then(|m| m.get(&then.id)).filter(|e| e.status == "IN_PROGRESS").cloned() else {
        return Ok(Step::Done(Value::Null));
    };
    if let Err(err) = answer {
        let (code, message) = s3_failure(&err, cx);
        fail(db, cx, &region, &then.id, code, message);
        return Ok(Step::Done(Value::Null));
    }
    if then.uploads.is_empty() {
        if let Some(e) = db.transfer.exports.get_mut(&region).and_then(|m| m.get_mut(&then.id)) {
            e.status = "COMPLETED".into();
            e.end_ms = Some(cx.now_ms);
            e.item_count = Some(then.item_count);
            e.billed_size_bytes = Some(then.billed);
            cx.journal.put_json(export_key(&region, &then.id), &*e);
        }
        return Ok(Step::Done(Value::Null));
    }
    Ok(next_upload(&e, then, &region))
}

fn fail(db: &mut DynamoDb, cx: &mut Cx, region: &str, id: &str, code: String, message: String) {
    if let Some(e) = db.transfer.exports.get_mut(region).and_then(|m| m.get_mut(id)) {
        e.status = "FAILED".into();
        e.end_ms = Some(cx.now_ms);
        e.failure = Some((code, message));
        cx.journal.put_json(export_key(region, id), &*e);
    }
}
