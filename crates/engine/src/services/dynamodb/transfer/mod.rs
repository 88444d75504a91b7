//! Export to S3 (ExportTableToPointInTime, DescribeExport, ListExports) and import from S3
//! (ImportTable, DescribeImport, ListImports).
//!
//! Both are jobs driven by timers on the virtual clock (`Service::fire_step`): a step reads or
//! writes S3 objects through `Step::Call` to the `s3` service (services never hold each other)
//! and writes CloudWatch Logs through `Cx::after`. A job's progress is its record
//! (`dynamodb/{region}/export/{id}`, `dynamodb/{region}/import/{id}`, JSON), journaled at every
//! step, so a reloaded sandbox carries on where it stopped; what a step holds in memory (an
//! import's decompressed object) is runtime state, fetched again from S3 after a reload.

pub mod export;
pub mod formats;
pub mod import;

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::Value;

use super::DynamoDb;
use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    scheduler::Timer,
    service::Cx,
};

pub const IMPORT_STEP_ACTION: &str = "import-step";
pub const EXPORT_STEP_ACTION: &str = "export-step";

/// Exports and imports of every region, and what running jobs hold in memory.
#[derive(Debug, Default)]
pub struct Transfers {
    pub(crate) exports: BTreeMap<String, BTreeMap<String, export::Export>>,
    pub(crate) imports: BTreeMap<String, BTreeMap<String, import::Import>>,
    /// The object each running import is reading, decompressed (runtime state).
    pub(crate) reading: BTreeMap<String, import::Reading>,
}

impl Transfers {
    /// Whether an import is filling table `name` (its table stays CREATING until the import ends).
    pub fn importing(&self, region: &str, name: &str) -> bool {
        self.imports.get(region).is_some_and(|m| m.values().any(|i| i.status == "IN_PROGRESS" && i.table_name == name))
    }

    pub fn clear(&mut self) {
        *self = Transfers::default();
    }

    pub fn save(&self, out: &mut Vec<Record>) {
        for (region, m) in &self.exports {
            for (id, e) in m {
                out.push(Record { key: export_key(region, id), value: serde_json::to_vec(e).unwrap_or_default() });
            }
        }
        for (region, m) in &self.imports {
            for (id, i) in m {
                out.push(Record { key: import_key(region, id), value: serde_json::to_vec(i).unwrap_or_default() });
            }
        }
    }

    /// Loads `dynamodb/{region}/export/{id}` or `dynamodb/{region}/import/{id}`.
    pub fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        match key.split('/').collect::<Vec<_>>().as_slice() {
            [_, region, "export", id] => {
                let e: export::Export = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                self.exports.entry(region.to_string()).or_default().insert(id.to_string(), e);
                Ok(())
            }
            [_, region, "import", id] => {
                let i: import::Import = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                self.imports.entry(region.to_string()).or_default().insert(id.to_string(), i);
                Ok(())
            }
            _ => Err("unknown DynamoDB transfer record".into()),
        }
    }
}

pub(crate) fn export_key(region: &str, id: &str) -> String {
    format!("dynamodb/{region}/export/{id}")
}

pub(crate) fn import_key(region: &str, id: &str) -> String {
    format!("dynamodb/{region}/import/{id}")
}

/// An export or import id as AWS writes them: 14 digits of epoch milliseconds, a dash, eight
/// hex digits (`01658528578619-c4d4e311`).
pub(crate) fn job_id(cx: &mut Cx) -> String {
    format!("{:014}-{:08x}", cx.now_ms.max(0), cx.rng.next_u64() as u32)
}

/// Where a continuation of a transfer job came from.
pub(crate) enum Then {
    Import(import::Then),
    Export(export::Then),
}

/// Resumes a transfer job with an S3 answer; anything else is not ours.
pub(crate) fn resume(db: &mut DynamoDb, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Result<Step, AwsError>, (Continuation, Resumed)> {
    match then.downcast::<Then>() {
        Ok(t) => {
            let Resumed::Called(answer) = result else {
                return Ok(Err(AwsError::internal("DynamoDB runs no code")));
            };
            Ok(match *t {
                Then::Import(t) => import::resume(db, cx, t, answer),
                Then::Export(t) => export::resume(db, cx, t, answer),
            })
        }
        Err(other) => Err((other, result)),
    }
}

/// The transfer timers; None for any other timer.
pub(crate) fn fire_step(db: &mut DynamoDb, cx: &mut Cx, timer: &Timer) -> Option<Step> {
    match timer.payload.get("action").and_then(Value::as_str) {
        Some(IMPORT_STEP_ACTION) => Some(import::step(db, cx, timer)),
        Some(EXPORT_STEP_ACTION) => Some(export::step(db, cx, timer)),
        _ => None,
    }
}

/// The failure message AWS reports for an S3 error, in the Java SDK's words.
pub(crate) fn s3_failure(e: &AwsError, cx: &mut Cx) -> (String, String) {
    let request_id: String = cx.rng.token(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 16);
    let code = format!("S3{}", e.kind);
    let message = format!("{} (Service: Amazon S3; Status Code: {}; Error Code: {}; Request ID: {request_id}; Proxy: null)", e.message, e.status, e.kind);
    (code, message)
}

/// An S3 object key under a prefix (`prefix/rest`, or `rest` without a prefix).
pub(crate) fn under(prefix: Option<&str>, rest: &str) -> String {
    match prefix.filter(|p| !p.is_empty()) {
        Some(p) if p.ends_with('/') => format!("{p}{rest}"),
        Some(p) => format!("{p}/{rest}"),
        None => rest.to_string(),
    }
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

pub(crate) fn unb64(text: &str) -> Result<Vec<u8>, String> {
    B64.decode(text.as_bytes()).map_err(|_| "S3 returned a body that is not base64".to_string())
}

/// Epoch seconds with milliseconds, as DynamoDB's JSON timestamps.
pub(crate) fn seconds(ms: i64) -> Value {
    serde_json::json!(ms as f64 / 1000.0)
}

/// A timestamp member given in epoch seconds (a JSON number, fractions allowed).
pub(crate) fn timestamp_ms(v: Option<&Value>, member: &str) -> Result<Option<i64>, AwsError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(|s| Some((s * 1000.0).round() as i64)).ok_or_else(|| AwsError::serialization(format!("{member} is not a valid timestamp"))),
        Some(_) => Err(AwsError::serialization("class java.lang.String can not be converted to an Long")),
    }
}
