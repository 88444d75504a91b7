//! ImportTable, DescribeImport, ListImports: a new table filled from S3 objects.
//!
//! ImportTable validates, creates the table (CREATING until the import ends; its usual
//! one-second activation is held back while an import fills it) and records the import. Then
//! timer steps: ListObjectsV2 over the prefix (all pages), and for each object ranged GetObjects
//! ([`FETCH_STEP_BYTES`] per step), inflation ([`INFLATE_STEP_BYTES`] of text per step for gzip), and up to [`STEP_BYTES`] of records per step, each step [`STEP_MS`] of virtual
//! time after the last, so a large import neither blocks the worker nor the page for long and
//! DescribeImport shows it progress. What AWS does, from its documentation and measurements:
//! a bad record (unparseable, no `Item`, a missing or mistyped key) is counted in ErrorCount,
//! logged to CloudWatch Logs (`/aws-dynamodb/imports`, stream `{import id}/error`, AWS's
//! `itemS3Pointer` message) and abandons the rest of its object; an import with errors ends
//! FAILED with ItemValidationError and keeps its table; duplicates overwrite and count as
//! imported; a missing bucket fails with S3NoSuchBucket and leaves no table; an empty prefix
//! completes with an empty table; ProcessedSizeBytes counts uncompressed bytes and is absent
//! until something was read. One deliberate departure: AWS's counters only appear when the
//! import ends; the sandbox's grow step by step (the progress bar the UI shows).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{
    formats::{self, IonReader},
    import_key, job_id, s3_failure, seconds, unb64, IMPORT_STEP_ACTION,
};
use crate::kernel::{error::AwsError, runtime::Step, scheduler::Timer, service::Cx, Request};
use crate::services::dynamodb::{
    input::{Constraints, Input},
    key::ScalarType,
    number::Number,
    streams,
    table::{TableMeta, TableStatus},
    table_key, tables,
    value::{item_size, AttributeValue, Item, MAX_ITEM_BYTES},
    DynamoDb, ERROR_NAMESPACE,
};

/// Uncompressed bytes of records one step reads: small enough that a host answering calls
/// between steps (the browser's worker, which also commits each step to IndexedDB) is never
/// busy with one for long.
pub const STEP_BYTES: usize = 256 << 10;
/// Virtual time between two steps of an import.
pub const STEP_MS: i64 = 10;
/// Virtual time from ImportTable to the first step.
pub const START_MS: i64 = 200;
/// The most objects one import may read (AWS's quota).
pub const MAX_OBJECTS: usize = 50_000;
pub const LOG_GROUP: &str = "/aws-dynamodb/imports";
const ITEM_VALIDATION_MESSAGE: &str = "Some of the items failed validation checks and were not imported. Please check CloudWatch error logs for more details.";
const IMPORT_MEMBERS: &[&str] = &["ClientToken", "S3BucketSource", "InputFormat", "InputFormatOptions", "InputCompressionType", "TableCreationParameters"];
const CREATION_MEMBERS: &[&str] =
    &["TableName", "AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput", "OnDemandThroughput", "SSESpecification", "GlobalSecondaryIndexes"];

/// One import: its request, its progress and its outcome (the record).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Import {
    pub id: String,
    pub arn: String,
    pub status: String,
    pub table_name: String,
    pub table_arn: String,
    pub table_id: String,
    pub client_token: String,
    pub bucket: String,
    pub prefix: Option<String>,
    pub bucket_owner: Option<String>,
    pub format: String,
    pub compression: String,
    pub delimiter: Option<String>,
    pub header_list: Option<Vec<String>>,
    /// TableCreationParameters as given (DescribeImport echoes them).
    pub creation: Value,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub processed_items: u64,
    pub imported_items: u64,
    pub errors: u64,
    pub processed_bytes: Option<u64>,
    pub failure: Option<(String, String)>,
    /// The objects to read (key, size), once listed.
    pub objects: Option<Vec<(String, u64)>>,
    /// Listing in progress: objects so far and the continuation token.
    #[serde(default)]
    pub listing: Vec<(String, u64)>,
    /// The object being read, the byte offset reached in it (uncompressed) and its next
    /// record's index.
    pub object: usize,
    pub offset: usize,
    pub record: u64,
    /// The CSV header of the object being read (its first line, unless a HeaderList was given).
    pub header: Option<Vec<String>>,
    /// Whether the error log stream exists.
    pub log_stream: bool,
}

/// The object an import is reading (runtime state; refetched after a reload).
#[derive(Debug)]
pub struct Reading {
    object: usize,
    stage: Stage,
}

/// How far an object has been read into memory: each stage takes steps of bounded work, so a
/// large object never holds up the host's answers in one go.
#[derive(Debug)]
enum Stage {
    /// Ranged GetObjects of [`FETCH_STEP_BYTES`]; the object's size and ETag come with the first
    /// (the later ranges are read `IfMatch` it, so a changed object is an error, not a mix).
    Fetching { raw: Vec<u8>, size: u64, etag: String },
    /// A gzip object being inflated, [`INFLATE_STEP_BYTES`] of output per step.
    Inflating(formats::Gunzip),
    /// The object's text, whole: records are read [`STEP_BYTES`] per step.
    Text(String),
}

/// How much of an object one step fetches from S3.
pub const FETCH_STEP_BYTES: u64 = 4 << 20;

/// How much of a gzip object one step inflates.
pub const INFLATE_STEP_BYTES: usize = 2 << 20;

/// What an S3 call of an import was for.
pub(crate) struct Then {
    id: String,
    what: Waiting,
}

pub(crate) enum Waiting {
    List,
    Get(usize),
}

fn conflict() -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "ImportConflictException", "Duplicate request detected with conflicting parameters", 400)
}

fn not_found(arn: &str) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "ImportNotFoundException", format!("Import not found: {arn}"), 400)
}

pub(crate) fn log_group_arn(cx: &Cx) -> String {
    cx.account.arn("logs", cx.region, &format!("log-group:{LOG_GROUP}:*"))
}

fn description(i: &Import, cx: &Cx) -> Value {
    let mut d = json!({
        "ImportArn": i.arn,
        "ImportStatus": i.status,
        "TableArn": i.table_arn,
        "TableId": i.table_id,
        "ClientToken": i.client_token,
        "S3BucketSource": source(i),
        "ErrorCount": i.errors,
        "CloudWatchLogGroupArn": log_group_arn(cx),
        "InputFormat": i.format,
        "InputCompressionType": i.compression,
        "TableCreationParameters": i.creation,
        "StartTime": seconds(i.start_ms),
        "ProcessedItemCount": i.processed_items,
        "ImportedItemCount": i.imported_items,
    });
    if i.delimiter.is_some() || i.header_list.is_some() {
        let mut csv = Map::new();
        if let Some(d) = &i.delimiter {
            csv.insert("Delimiter".into(), json!(d));
        }
        if let Some(h) = &i.header_list {
            csv.insert("HeaderList".into(), json!(h));
        }
        d["InputFormatOptions"] = json!({ "Csv": csv });
    }
    if let Some(b) = i.processed_bytes {
        d["ProcessedSizeBytes"] = json!(b);
    }
    if let Some(e) = i.end_ms {
        d["EndTime"] = seconds(e);
    }
    if let Some((code, message)) = &i.failure {
        d["FailureCode"] = json!(code);
        d["FailureMessage"] = json!(message);
    }
    d
}

fn source(i: &Import) -> Value {
    let mut s = json!({ "S3Bucket": i.bucket });
    if let Some(p) = &i.prefix {
        s["S3KeyPrefix"] = json!(p);
    }
    if let Some(o) = &i.bucket_owner {
        s["S3BucketOwner"] = json!(o);
    }
    s
}

fn bucket_name_ok(b: &str) -> bool {
    let bytes = b.as_bytes();
    bytes.len() >= 2
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
}

pub fn import_table(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let inp = Input::new(input)?;
    if let Some(unknown) = inp.present().find(|m| !IMPORT_MEMBERS.contains(m)) {
        return Err(AwsError::validation(format!("ImportTable has no member {unknown}")));
    }
    let token = inp.string("ClientToken")?;
    let source = inp.structure("S3BucketSource", "S3BucketSource")?;
    let format = inp.string("InputFormat")?;
    let options = inp.structure("InputFormatOptions", "InputFormatOptions")?;
    let compression = inp.string("InputCompressionType")?;
    let creation = inp.structure("TableCreationParameters", "TableCreationParameters")?;
    let (bucket, prefix, owner) = match &source {
        Some(s) => (s.string("S3Bucket")?, s.string("S3KeyPrefix")?, s.string("S3BucketOwner")?),
        None => (None, None, None),
    };
    let table_name = match &creation {
        Some(c) => c.string("TableName")?,
        None => None,
    };
    let csv = match &options {
        Some(o) => o.structure("Csv", "CsvOptions")?,
        None => None,
    };
    let (delimiter, header_list) = match &csv {
        Some(c) => (c.string("Delimiter")?, c.string_list("HeaderList")?),
        None => (None, None),
    };

    let mut c = Constraints::default();
    c.not_null(token, "clientToken");
    if let Some(t) = token {
        if t.is_empty() {
            c.add(Some(t), "clientToken", "Member must have length greater than or equal to 1");
        }
        if t.contains('$') {
            c.add(Some(t), "clientToken", "Member must satisfy regular expression pattern: ^[^\\$]+$");
        }
    }
    c.not_null(source.as_ref(), "s3BucketSource");
    if source.is_some() {
        c.not_null(bucket, "s3BucketSource.s3Bucket");
    }
    if let Some(b) = bucket {
        if b.len() > 255 {
            c.add(Some(b), "s3BucketSource.s3Bucket", "Member must have length less than or equal to 255");
        }
        if !bucket_name_ok(b) {
            c.add(Some(b), "s3BucketSource.s3Bucket", "Member must satisfy regular expression pattern: ^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$");
        }
    }
    if let Some(p) = prefix.filter(|p| p.len() > 1024) {
        c.add(Some(p), "s3BucketSource.s3KeyPrefix", "Member must have length less than or equal to 1024");
    }
    if let Some(o) = owner.filter(|o| o.len() != 12 || !o.bytes().all(|b| b.is_ascii_digit())) {
        c.add(Some(o), "s3BucketSource.s3BucketOwner", "Member must satisfy regular expression pattern: [0-9]{12}");
    }
    c.not_null(format, "inputFormat");
    c.one_of(format, "inputFormat", &["DYNAMODB_JSON", "ION", "CSV"]);
    c.one_of(compression, "inputCompressionType", &["GZIP", "ZSTD", "NONE"]);
    if let Some(d) = delimiter {
        if d.chars().count() != 1 || !matches!(d, "," | ";" | ":" | "|" | "\t" | " ") {
            c.add(Some(d), "inputFormatOptions.csv.delimiter", "Member must satisfy regular expression pattern: [,;:|\\t ]");
        }
    }
    if let Some(h) = &header_list {
        if h.is_empty() || h.len() > 255 {
            c.add(Some(&format!("{h:?}")), "inputFormatOptions.csv.headerList", "Member must have length between 1 and 255");
        }
        if let Some(bad) = h.iter().find(|n| n.is_empty() || n.len() > 65536) {
            c.add(Some(bad), "inputFormatOptions.csv.headerList.member", "Member must have length between 1 and 65536");
        }
    }
    c.not_null(creation.as_ref(), "tableCreationParameters");
    if creation.is_some() {
        c.not_null(table_name, "tableCreationParameters.tableName");
        c.name(table_name, "tableCreationParameters.tableName");
    }
    c.finish()?;
    let (token, bucket, format, creation_input, table_name) = match (token, bucket, format, creation, table_name) {
        (Some(t), Some(b), Some(f), Some(c), Some(n)) => (t, b, f, c, n),
        _ => return Err(AwsError::validation("ImportTable is missing a required member")),
    };
    if options.is_some() && format != "CSV" {
        return Err(AwsError::validation("InputFormatOptions can only be specified when InputFormat is CSV"));
    }
    let compression = compression.unwrap_or("NONE");
    if compression == "ZSTD" {
        return Err(AwsError::validation(
            "InputCompressionType ZSTD is not supported in the sandbox: it has no zstd decoder small enough for the browser build. Use GZIP or NONE.",
        ));
    }
    if let Some(unknown) = creation_input.present().find(|m| !CREATION_MEMBERS.contains(m)) {
        return Err(AwsError::validation(format!("TableCreationParameters has no member {unknown}")));
    }

    // The ClientToken: the same token while its import runs returns it, unless the table
    // differs (AWS compares nothing else). A finished import's table exists, which the
    // CreateTable checks below report first.
    let region = cx.region.to_string();
    if let Some(existing) = db.transfer.imports.get(&region).and_then(|m| m.values().find(|i| i.client_token == token && i.status == "IN_PROGRESS")) {
        if existing.table_name != table_name {
            return Err(conflict());
        }
        return Ok(json!({ "ImportTableDescription": description(existing, cx) }));
    }

    // The new table, through CreateTable's own validation (it fails if the table exists).
    let creation_json = creation_input_json(input);
    tables::create_table(db, cx, &creation_json)?;
    let (table_arn, table_id) = match db.tables(&region).and_then(|t| t.get(table_name)) {
        Some(t) => (t.meta.arn.clone(), t.meta.id.clone()),
        None => return Err(AwsError::internal("the imported table vanished")),
    };
    let id = job_id(cx);
    let import = Import {
        arn: format!("{table_arn}/import/{id}"),
        id: id.clone(),
        status: "IN_PROGRESS".into(),
        table_name: table_name.to_string(),
        table_arn,
        table_id,
        client_token: token.to_string(),
        bucket: bucket.to_string(),
        prefix: prefix.map(str::to_string),
        bucket_owner: owner.map(str::to_string),
        format: format.to_string(),
        compression: compression.to_string(),
        delimiter: delimiter.map(str::to_string),
        header_list: header_list.map(|h| h.into_iter().map(str::to_string).collect()),
        creation: creation_json,
        start_ms: cx.now_ms,
        end_ms: None,
        processed_items: 0,
        imported_items: 0,
        errors: 0,
        processed_bytes: None,
        failure: None,
        objects: None,
        listing: Vec::new(),
        object: 0,
        offset: 0,
        record: 0,
        header: None,
        log_stream: false,
    };
    cx.journal.put_json(import_key(&region, &id), &import);
    cx.schedule(cx.now_ms + START_MS, json!({"action": IMPORT_STEP_ACTION, "import": id}));
    let d = description(&import, cx);
    db.transfer.imports.entry(region).or_default().insert(id, import);
    Ok(json!({ "ImportTableDescription": d }))
}

fn creation_input_json(input: &Value) -> Value {
    input.get("TableCreationParameters").cloned().unwrap_or(Value::Null)
}

/// `(region, id)` of an import ARN `arn:aws:dynamodb:{region}:{account}:table/{name}/import/{id}`.
fn parse_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:dynamodb:")?;
    let (region, rest) = rest.split_once(':')?;
    let (_, resource) = rest.split_once(":table/")?;
    let (table, id) = resource.split_once("/import/")?;
    let ok_name = table.len() >= 3 && table.len() <= 255 && table.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    (ok_name && !id.is_empty() && !id.contains('/')).then_some((region, id))
}

pub fn describe_import(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let inp = Input::new(input)?;
    let arn = inp.string("ImportArn")?;
    let mut c = Constraints::default();
    c.not_null(arn, "importArn");
    if let Some(a) = arn.filter(|a| a.len() < 37 || a.len() > 1024) {
        c.add(Some(a), "importArn", "Member must have length between 37 and 1024");
    }
    c.finish()?;
    let arn = arn.unwrap_or_default();
    let (_, id) = parse_arn(arn).ok_or_else(|| AwsError::validation("Invalid Import ARN"))?;
    let import = db.transfer.imports.get(cx.region).and_then(|m| m.get(id)).filter(|i| i.arn == arn).ok_or_else(|| not_found(arn))?;
    Ok(json!({ "ImportTableDescription": description(import, cx) }))
}

pub fn list_imports(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let inp = Input::new(input)?;
    let table_arn = inp.string("TableArn")?;
    let page = inp.integer("PageSize")?;
    let token = inp.string("NextToken")?;
    let mut c = Constraints::default();
    c.min(page, "pageSize", 1);
    c.max(page, "pageSize", 25);
    if let Some(t) = token.filter(|t| t.len() < 112 || t.len() > 1024) {
        c.add(Some(t), "nextToken", "Member must have length between 112 and 1024");
    }
    c.finish()?;
    let page = page.unwrap_or(25) as usize;
    let mut all: Vec<&Import> = db.transfer.imports.get(cx.region).map(|m| m.values().filter(|i| table_arn.is_none_or(|t| i.table_arn == t)).collect()).unwrap_or_default();
    // Newest first.
    all.sort_by(|a, b| b.start_ms.cmp(&a.start_ms).then(b.id.cmp(&a.id)));
    let start = match token {
        Some(t) => {
            let after = decode_token(t).ok_or_else(|| AwsError::validation("Invalid NextToken"))?;
            all.iter().position(|i| i.arn == after).map(|p| p + 1).ok_or_else(|| AwsError::validation("Invalid NextToken"))?
        }
        None => 0,
    };
    let chosen: Vec<&Import> = all.iter().skip(start).take(page).copied().collect();
    let summaries: Vec<Value> = chosen
        .iter()
        .map(|i| {
            let mut s = json!({
                "ImportArn": i.arn,
                "ImportStatus": i.status,
                "TableArn": i.table_arn,
                "S3BucketSource": source(i),
                "CloudWatchLogGroupArn": log_group_arn(cx),
                "InputFormat": i.format,
                "StartTime": seconds(i.start_ms),
            });
            if let Some(e) = i.end_ms {
                s["EndTime"] = seconds(e);
            }
            s
        })
        .collect();
    let mut out = json!({ "ImportSummaryList": summaries });
    if start + chosen.len() < all.len() {
        if let Some(last) = chosen.last() {
            out["NextToken"] = json!(encode_token(&last.arn));
        }
    }
    Ok(out)
}

/// Paging tokens: the last ARN of the page, hex-encoded after a fixed tag (at least 112
/// characters, as AWS's are).
pub(crate) fn encode_token(arn: &str) -> String {
    let hex: String = arn.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{:0>112}", format!("g1{hex}"))
}

pub(crate) fn decode_token(t: &str) -> Option<String> {
    let body = t.trim_start_matches('0').strip_prefix("g1")?;
    let bytes: Option<Vec<u8>> = (0..body.len()).step_by(2).map(|i| body.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    String::from_utf8(bytes?).ok()
}

// ---------------------------------------------------------------- the job

fn job<'a>(db: &'a mut DynamoDb, region: &str, id: &str) -> Option<&'a mut Import> {
    db.transfer.imports.get_mut(region).and_then(|m| m.get_mut(id)).filter(|i| i.status == "IN_PROGRESS")
}

/// The import timer: lists the objects, or reads the next chunk.
pub(crate) fn step(db: &mut DynamoDb, cx: &mut Cx, timer: &Timer) -> Step {
    let id = timer.payload.get("import").and_then(Value::as_str).unwrap_or_default().to_string();
    let region = cx.region.to_string();
    let Some(import) = job(db, &region, &id) else {
        return Step::Done(Value::Null);
    };
    if import.objects.is_none() {
        return list(import, &region, None);
    }
    advance(db, cx, &region, &id)
}

fn list(import: &Import, region: &str, token: Option<String>) -> Step {
    let mut input = json!({ "Bucket": import.bucket });
    if let Some(p) = &import.prefix {
        input["Prefix"] = json!(p);
    }
    if let Some(o) = &import.bucket_owner {
        input["ExpectedBucketOwner"] = json!(o);
    }
    if let Some(t) = token {
        input["ContinuationToken"] = json!(t);
    }
    Step::Call(Request::new("s3", "ListObjectsV2", region, input), Box::new(super::Then::Import(Then { id: import.id.clone(), what: Waiting::List })))
}

pub(crate) fn resume(db: &mut DynamoDb, cx: &mut Cx, then: Then, answer: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let region = cx.region.to_string();
    let id = then.id;
    let Some(import) = job(db, &region, &id) else {
        return Ok(Step::Done(Value::Null));
    };
    match (then.what, answer) {
        (_, Err(e)) => {
            let (code, message) = s3_failure(&e, cx);
            fail(db, cx, &region, &id, code, message);
            Ok(Step::Done(Value::Null))
        }
        (Waiting::List, Ok(page)) => {
            for o in page.get("Contents").and_then(Value::as_array).into_iter().flatten() {
                if let Some(k) = o.get("Key").and_then(Value::as_str) {
                    import.listing.push((k.to_string(), o.get("Size").and_then(Value::as_u64).unwrap_or(0)));
                }
            }
            if import.listing.len() > MAX_OBJECTS {
                let message = format!("The import source has more than {MAX_OBJECTS} objects under the prefix");
                fail(db, cx, &region, &id, "LimitExceeded".into(), message);
                return Ok(Step::Done(Value::Null));
            }
            let next = page.get("NextContinuationToken").and_then(Value::as_str).filter(|_| page.get("IsTruncated").and_then(Value::as_bool) == Some(true));
            if let Some(t) = next {
                return Ok(list(import, &region, Some(t.to_string())));
            }
            import.objects = Some(std::mem::take(&mut import.listing));
            cx.journal.put_json(import_key(&region, &id), &*import);
            Ok(advance(db, cx, &region, &id))
        }
        (Waiting::Get(object), Ok(answer)) => {
            let gzip = import.compression == "GZIP";
            let body = answer.get("Body").and_then(Value::as_str).unwrap_or_default();
            let fetched = unb64(body).and_then(|bytes| fetched(db.transfer.reading.remove(&id).filter(|r| r.object == object), &answer, bytes));
            let stage = match fetched {
                Ok(Stage::Fetching { raw, size, .. }) if raw.len() as u64 >= size => whole(raw, gzip),
                Ok(stage) => Ok(stage),
                Err(message) => Err(message),
            };
            match stage {
                Ok(stage) => {
                    db.transfer.reading.insert(id.clone(), Reading { object, stage });
                    // Each range fetched (and decoded) is a step of its own.
                    cx.schedule(cx.now_ms + STEP_MS, json!({"action": IMPORT_STEP_ACTION, "import": id}));
                    Ok(Step::Done(Value::Null))
                }
                Err(message) => {
                    object_failed(db, cx, &region, &id, &message);
                    Ok(advance(db, cx, &region, &id))
                }
            }
        }
    }
}

/// The fetching stage after a GetObject answer: `bytes` appended to what earlier ranges read.
fn fetched(reading: Option<Reading>, answer: &Value, bytes: Vec<u8>) -> Result<Stage, String> {
    match reading {
        Some(Reading { stage: Stage::Fetching { mut raw, size, etag }, .. }) => {
            raw.extend_from_slice(&bytes);
            Ok(Stage::Fetching { raw, size, etag })
        }
        _ => {
            // "bytes 0-4194303/10485760" for a range, else the whole object came.
            let size = answer.get("ContentRange").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()).and_then(|n| n.parse().ok()).unwrap_or(bytes.len() as u64);
            if size > MAX_OBJECT_BYTES {
                return Err(format!("The object is larger than the sandbox's {} MiB per object.", MAX_OBJECT_BYTES >> 20));
            }
            let etag = answer.get("ETag").and_then(Value::as_str).unwrap_or_default().to_string();
            let mut raw = Vec::with_capacity(size as usize);
            raw.extend_from_slice(&bytes);
            Ok(Stage::Fetching { raw, size, etag })
        }
    }
}

/// The most of one object the sandbox holds in memory while importing it.
const MAX_OBJECT_BYTES: u64 = 512 << 20;

/// The stage after the last range: inflating a gzip object, or its text.
fn whole(raw: Vec<u8>, gzip: bool) -> Result<Stage, String> {
    if gzip {
        Ok(Stage::Inflating(formats::Gunzip::new(raw)))
    } else {
        utf8(raw).map(Stage::Text)
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|_| "The object is not UTF-8 text".to_string())
}

/// The whole current object is one error (not gzip, not text, ...); the import goes on with
/// the next.
fn object_failed(db: &mut DynamoDb, cx: &mut Cx, region: &str, id: &str, message: &str) {
    db.transfer.reading.remove(id);
    let Some(import) = job(db, region, id) else { return };
    let key = import.objects.as_ref().and_then(|o| o.get(import.object)).map(|o| o.0.clone()).unwrap_or_default();
    import.processed_items += 1;
    import.errors += 1;
    let log = vec![error_event(import, &key, 0, message)];
    next_object(import);
    write_log(cx, import, log);
    cx.journal.put_json(import_key(region, id), &*import);
}

/// Inflates the next slice of the current gzip object; `Some(step)` while it is not whole yet
/// (or when it failed), None when its text is ready for [`chunk`].
fn inflate(db: &mut DynamoDb, cx: &mut Cx, region: &str, id: &str) -> Option<Step> {
    let reading = db.transfer.reading.get_mut(id)?;
    let Stage::Inflating(gz) = &mut reading.stage else { return None };
    let result = match gz.advance(INFLATE_STEP_BYTES) {
        Ok(true) => {
            let bytes = std::mem::replace(gz, formats::Gunzip::new(Vec::new())).into_output();
            utf8(bytes).map(|text| reading.stage = Stage::Text(text))
        }
        Ok(false) => Ok(()),
        Err(message) => Err(message),
    };
    match result {
        // The next slice (or the first records) in the next step.
        Ok(()) => {
            cx.schedule(cx.now_ms + STEP_MS, json!({"action": IMPORT_STEP_ACTION, "import": id}));
            Some(Step::Done(Value::Null))
        }
        Err(message) => {
            object_failed(db, cx, region, id, &message);
            Some(advance(db, cx, region, id))
        }
    }
}

/// A GetObject for the next range of the current object (the first when nothing is read yet;
/// an object listed at no more than [`FETCH_STEP_BYTES`] is fetched whole).
fn get_range(reading: Option<&Reading>, region: &str, id: &str, object: (usize, u64), bucket: String, key: String, owner: Option<String>) -> Option<Step> {
    let (object, listed_size) = object;
    let mut input = json!({ "Bucket": bucket, "Key": key });
    if let Some(o) = &owner {
        input["ExpectedBucketOwner"] = json!(o);
    }
    let from = match reading.filter(|r| r.object == object) {
        None => 0,
        Some(Reading { stage: Stage::Fetching { raw, etag, .. }, .. }) => {
            input["IfMatch"] = json!(etag);
            raw.len() as u64
        }
        Some(_) => return None,
    };
    if from > 0 || listed_size > FETCH_STEP_BYTES {
        input["Range"] = json!(format!("bytes={from}-{}", from + FETCH_STEP_BYTES - 1));
    }
    Some(Step::Call(Request::new("s3", "GetObject", region, input), Box::new(super::Then::Import(Then { id: id.to_string(), what: Waiting::Get(object) }))))
}

fn next_object(import: &mut Import) {
    import.object += 1;
    import.offset = 0;
    import.record = 0;
    import.header = None;
}

/// Reads the next chunk of the current object (fetching it first if it is not in memory), or
/// finishes the import when every object has been read.
fn advance(db: &mut DynamoDb, cx: &mut Cx, region: &str, id: &str) -> Step {
    let Some(import) = job(db, region, id) else {
        return Step::Done(Value::Null);
    };
    let total = import.objects.as_ref().map_or(0, Vec::len);
    if import.object >= total {
        finish(db, cx, region, id);
        return Step::Done(Value::Null);
    }
    let object = import.object;
    let bucket = import.bucket.clone();
    let owner = import.bucket_owner.clone();
    let (key, listed_size) = import.objects.as_ref().and_then(|o| o.get(object)).cloned().unwrap_or_default();
    if let Some(step) = get_range(db.transfer.reading.get(id), region, id, (object, listed_size), bucket, key, owner) {
        return step;
    }
    if let Some(step) = inflate(db, cx, region, id) {
        return step;
    }
    chunk(db, cx, region, id);
    let Some(import) = job(db, region, id) else {
        return Step::Done(Value::Null);
    };
    if import.object >= total {
        finish(db, cx, region, id);
    } else {
        cx.schedule(cx.now_ms + STEP_MS, json!({"action": IMPORT_STEP_ACTION, "import": id}));
    }
    Step::Done(Value::Null)
}

/// Key attributes of the table and its GSIs, with their types: the CSV columns that are not
/// strings.
fn typed_columns(meta: &TableMeta) -> Vec<(String, ScalarType)> {
    let mut out: Vec<(String, ScalarType)> = meta.key_schema.attributes().map(|a| (a.name.clone(), a.kind)).collect();
    for i in &meta.indexes {
        for a in i.key_schema.attributes() {
            if !out.iter().any(|(n, _)| *n == a.name) {
                out.push((a.name.clone(), a.kind));
            }
        }
    }
    out
}

/// A CSV record as an item: key columns typed by their attribute definitions (a value that is
/// not of that type stays a string, which the key check then reports), every other column a
/// string; empty cells are left out.
fn csv_item(header: &[String], fields: Vec<String>, typed: &[(String, ScalarType)]) -> Result<Item, String> {
    if fields.len() > header.len() {
        return Err(format!("The CSV record has {} fields but the header has {} columns", fields.len(), header.len()));
    }
    let mut item = Item::with_capacity_and_hasher(fields.len(), Default::default());
    for (name, value) in header.iter().zip(fields) {
        if value.is_empty() {
            continue;
        }
        let v = match typed.iter().find(|(n, _)| n == name).map(|(_, t)| *t) {
            Some(ScalarType::N) => match Number::parse(&value) {
                Ok(n) => AttributeValue::N(n),
                Err(_) => AttributeValue::S(value),
            },
            Some(ScalarType::B) => match super::unb64(&value) {
                Ok(b) => AttributeValue::B(b),
                Err(_) => AttributeValue::S(value),
            },
            _ => AttributeValue::S(value),
        };
        item.insert(name.clone(), v);
    }
    Ok(item)
}

/// Checks an item as PutItem would (key present and typed, index keys, size, names).
fn validate(meta: &TableMeta, table: &super::super::table::Table, item: &Item) -> Result<super::super::key::PrimaryKey, String> {
    if item.keys().any(String::is_empty) {
        return Err("One or more parameter values were invalid: An attribute name in the item is empty".into());
    }
    let key = meta.key_schema.key_of_item(item).map_err(|e| e.message)?;
    table.check_index_keys(item).map_err(|e| e.message)?;
    if item_size(item) > MAX_ITEM_BYTES {
        return Err("Item size has exceeded the maximum allowed size".into());
    }
    Ok(key)
}

fn error_event(import: &Import, key: &str, index: u64, message: &str) -> (i64, String) {
    let m = json!({
        "itemS3Pointer": { "bucket": import.bucket, "key": key, "itemIndex": index },
        "importArn": import.arn,
        "errorMessages": [message],
    });
    (0, m.to_string())
}

/// The step's error events into `/aws-dynamodb/imports`, stream `{id}/error`.
fn write_log(cx: &mut Cx, import: &mut Import, events: Vec<(i64, String)>) {
    if events.is_empty() {
        return;
    }
    let stream = format!("{}/error", import.id);
    if !import.log_stream {
        cx.after(Request::new("logs", "CreateLogGroup", cx.region, json!({ "logGroupName": LOG_GROUP })));
        cx.after(Request::new("logs", "CreateLogStream", cx.region, json!({ "logGroupName": LOG_GROUP, "logStreamName": stream })));
        import.log_stream = true;
    }
    for batch in events.chunks(10_000) {
        let list: Vec<Value> = batch.iter().map(|(_, m)| json!({ "timestamp": cx.now_ms, "message": m })).collect();
        cx.after(Request::new("logs", "PutLogEvents", cx.region, json!({ "logGroupName": LOG_GROUP, "logStreamName": stream, "logEvents": list })));
    }
}

/// Reads up to [`STEP_BYTES`] of records of the object in memory into the table.
fn chunk(db: &mut DynamoDb, cx: &mut Cx, region: &str, id: &str) {
    let Some(reading) = db.transfer.reading.remove(id) else { return };
    let DynamoDb { regions, streams: stream_store, transfer, .. } = db;
    let Some(import) = transfer.imports.get_mut(region).and_then(|m| m.get_mut(id)) else { return };
    let Some(table) = regions.get_mut(region).and_then(|t| t.get_mut(&import.table_name)).filter(|t| t.meta.id == import.table_id) else {
        return;
    };
    let key = import.objects.as_ref().and_then(|o| o.get(import.object)).map(|o| o.0.clone()).unwrap_or_default();
    let typed = typed_columns(&table.meta);
    let meta = table.meta.clone();
    let Stage::Text(text) = &reading.stage else {
        // Still fetching or inflating (`advance` sees to that first).
        transfer.reading.insert(id.to_string(), reading);
        return;
    };
    let text = text.as_str();
    let start = import.offset;
    let mut at = start;
    let mut log = Vec::new();
    let mut done = false;
    let delimiter = import.delimiter.as_deref().and_then(|d| d.chars().next()).unwrap_or(',');
    if import.format == "CSV" && import.header.is_none() {
        match &import.header_list {
            Some(h) => import.header = Some(h.clone()),
            None => match formats::next_csv(text, at, delimiter) {
                Ok(Some((h, next))) => {
                    import.header = Some(h);
                    at = next;
                }
                Ok(None) => done = true,
                Err(message) => {
                    import.processed_items += 1;
                    import.errors += 1;
                    log.push(error_event(import, &key, import.record, &message));
                    done = true;
                }
            },
        }
    }
    let mut ion = IonReader::new(text, at);
    while !done && at - start < STEP_BYTES {
        // The next record as an item, or the error that abandons the object.
        let record: Option<Result<Item, String>> = match import.format.as_str() {
            "CSV" => match formats::next_csv(text, at, delimiter) {
                Ok(Some((fields, next))) => {
                    at = next;
                    Some(csv_item(import.header.as_deref().unwrap_or_default(), fields, &typed))
                }
                Ok(None) => None,
                Err(e) => {
                    at = text.len();
                    Some(Err(e))
                }
            },
            "ION" => {
                ion.at = at;
                match ion.next_value() {
                    Ok(Some(v)) => {
                        at = ion.at;
                        Some(formats::ion_item(&v))
                    }
                    Ok(None) => None,
                    Err(e) => {
                        at = text.len();
                        Some(Err(e))
                    }
                }
            }
            _ => formats::next_line(text, at).map(|(line, next)| {
                at = next;
                formats::dynamodb_json_item(line)
            }),
        };
        let Some(record) = record else {
            at = text.len();
            done = true;
            break;
        };
        import.processed_items += 1;
        let index = import.record;
        import.record += 1;
        match record.and_then(|item| validate(&meta, table, &item).map(|k| (k, item))) {
            Ok((k, item)) => {
                streams::put_item(table, stream_store, cx, region, k, item);
                import.imported_items += 1;
            }
            Err(message) => {
                // AWS abandons the rest of an object at its first bad record.
                import.errors += 1;
                log.push(error_event(import, &key, index, &message));
                at = text.len();
                done = true;
            }
        }
    }
    let read = at.saturating_sub(start) as u64;
    if read > 0 || import.processed_bytes.is_some() {
        *import.processed_bytes.get_or_insert(0) += read;
    }
    if done || at >= text.len() {
        next_object(import);
    } else {
        import.offset = at;
        transfer.reading.insert(id.to_string(), reading);
    }
    write_log(cx, import, log);
    cx.journal.put_json(import_key(region, id), &*import);
}

/// Ends the import: the table turns ACTIVE; COMPLETED, or FAILED if any record failed.
fn finish(db: &mut DynamoDb, cx: &mut Cx, region: &str, id: &str) {
    db.transfer.reading.remove(id);
    let Some(import) = job(db, region, id) else { return };
    import.end_ms = Some(cx.now_ms);
    if import.errors > 0 {
        import.status = "FAILED".into();
        import.failure = Some(("ItemValidationError".into(), ITEM_VALIDATION_MESSAGE.into()));
    } else {
        import.status = "COMPLETED".into();
    }
    cx.journal.put_json(import_key(region, id), &*import);
    let (name, table_id) = (import.table_name.clone(), import.table_id.clone());
    activate(db, cx, region, &name, &table_id);
}

fn activate(db: &mut DynamoDb, cx: &mut Cx, region: &str, name: &str, table_id: &str) {
    if let Some(table) = db.tables_mut(region).get_mut(name).filter(|t| t.meta.id == table_id && t.meta.status == TableStatus::Creating) {
        table.meta.status = TableStatus::Active;
        cx.journal.put_json(table_key(region, name), &table.meta);
    }
}

/// Ends the import FAILED with an S3 (or quota) failure. Before any object was read the table
/// goes with it (AWS creates none); after, it stays with what was imported.
fn fail(db: &mut DynamoDb, cx: &mut Cx, region: &str, id: &str, code: String, message: String) {
    db.transfer.reading.remove(id);
    let Some(import) = job(db, region, id) else { return };
    import.status = "FAILED".into();
    import.end_ms = Some(cx.now_ms);
    import.failure = Some((code, message));
    cx.journal.put_json(import_key(region, id), &*import);
    let (name, table_id, nothing_read) = (import.table_name.clone(), import.table_id.clone(), import.objects.is_none());
    if nothing_read {
        let tables = db.tables_mut(region);
        if tables.get(&name).is_some_and(|t| t.meta.id == table_id) {
            tables.remove(&name);
            cx.journal.delete(table_key(region, &name));
            cx.journal.delete_prefix(format!("{}/", table_key(region, &name)));
        }
    } else {
        activate(db, cx, region, &name, &table_id);
    }
}
