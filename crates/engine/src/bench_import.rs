//! The import benchmark workload: a CSV of `rows` lines (about 100 bytes each) put to S3,
//! plain or gzipped, then ImportTable, then the virtual clock advanced step by step until the
//! import ends. Shared by the native example (`cargo run --release -p gureum-engine --example
//! import_bench`) and the wasm build in headless Chromium (`scripts/bench-import`), so the two
//! figures compare like with like. The host passes its clock in.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::services::dynamodb::transfer::{formats::gzip, import::STEP_MS};
use crate::{Change, Engine, EngineConfig, Request};

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportFigures {
    pub rows: u64,
    pub gzip: bool,
    pub object_bytes: u64,
    pub uncompressed_bytes: u64,
    /// PutObject of the object (base64 body through `Engine::call`).
    pub put_object_ms: f64,
    /// Host time the import's steps took, all together (ImportTable to COMPLETED).
    pub import_ms: f64,
    /// The longest single step (what the worker is busy for at once).
    pub max_step_ms: f64,
    pub steps: u64,
    /// Virtual time from ImportTable to EndTime (the schedule: start delay plus a step every
    /// STEP_MS), which is what a browser at real-time rate waits at least.
    pub virtual_ms: f64,
    pub imported: u64,
    /// Bytes of journal the import left for the host to persist.
    pub journal_bytes: u64,
}

impl ImportFigures {
    pub fn lines(&self) -> Vec<String> {
        vec![format!(
            "Import of {} CSV lines ({:.1} MB{}, object {:.1} MB): PutObject {:.0} ms; import {:.0} ms of host time in {} steps (longest {:.0} ms), {:.0} ms of virtual time; {} items; {:.1} MB of journal",
            self.rows,
            self.uncompressed_bytes as f64 / 1e6,
            if self.gzip { ", gzip" } else { "" },
            self.object_bytes as f64 / 1e6,
            self.put_object_ms,
            self.import_ms,
            self.steps,
            self.max_step_ms,
            self.virtual_ms,
            self.imported,
            self.journal_bytes as f64 / 1e6
        )]
    }
}

/// The CSV: a header and `rows` lines of about 100 bytes.
pub fn csv(rows: u64) -> Vec<u8> {
    let mut out = String::with_capacity(rows as usize * 104 + 64);
    out.push_str("pk,sk,name,email,city,score,note\n");
    for i in 0..rows {
        out.push_str(&format!("user#{i:08},{},Name {i},user{i}@example.com,City {},{},imported row of the benchmark data\n", i % 1000, i % 97, (i * 7919) % 10_000));
    }
    out.into_bytes()
}

fn journal_bytes(e: &mut Engine) -> u64 {
    e.take_changes()
        .iter()
        .map(|c| match c {
            Change::Put { key, value } => (key.len() + value.len()) as u64,
            Change::Delete { key } => key.len() as u64,
            _ => 0,
        })
        .sum()
}

pub fn run(rows: u64, compress: bool, now_ms: &mut dyn FnMut() -> f64) -> Result<ImportFigures, crate::AwsError> {
    let host = 1_700_000_000_000;
    let mut e = Engine::new(EngineConfig::default(), host);
    e.call(host, &Request::new("s3", "CreateBucket", "us-east-1", json!({"Bucket": "bench"})))?;
    let text = csv(rows);
    let body = if compress { gzip(&text) } else { text.clone() };
    let t = now_ms();
    e.call(host, &Request::new("s3", "PutObject", "us-east-1", json!({"Bucket": "bench", "Key": "in/rows.csv", "Body": B64.encode(&body)})))?;
    let put_object_ms = now_ms() - t;
    journal_bytes(&mut e);
    let t = now_ms();
    let started = e.call(
        host,
        &Request::new(
            "dynamodb",
            "ImportTable",
            "us-east-1",
            json!({
                "ClientToken": "bench",
                "S3BucketSource": {"S3Bucket": "bench", "S3KeyPrefix": "in/"},
                "InputFormat": "CSV",
                "InputCompressionType": if compress { "GZIP" } else { "NONE" },
                "TableCreationParameters": {
                    "TableName": "Imported",
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                    "BillingMode": "PAY_PER_REQUEST"
                }
            }),
        ),
    )?;
    let mut import_ms = now_ms() - t;
    let arn = started["ImportTableDescription"]["ImportArn"].as_str().unwrap_or_default().to_string();
    let mut journal = journal_bytes(&mut e);
    let (mut steps, mut max_step_ms) = (0u64, 0f64);
    let mut last: Value;
    loop {
        let t = now_ms();
        e.control(host, "AdvanceClock", &json!({ "seconds": STEP_MS as f64 / 1000.0 }))?;
        let took = now_ms() - t;
        last = e.call(host, &Request::new("dynamodb", "DescribeImport", "us-east-1", json!({"ImportArn": arn})))?["ImportTableDescription"].clone();
        let processed = last["ProcessedSizeBytes"].as_u64().is_some();
        if processed || last["ImportStatus"] != "IN_PROGRESS" {
            steps += 1;
            import_ms += took;
            max_step_ms = max_step_ms.max(took);
        }
        journal += journal_bytes(&mut e);
        if last["ImportStatus"] != "IN_PROGRESS" {
            break;
        }
    }
    let virtual_ms = (last["EndTime"].as_f64().unwrap_or(0.0) - last["StartTime"].as_f64().unwrap_or(0.0)) * 1000.0;
    Ok(ImportFigures {
        rows,
        gzip: compress,
        object_bytes: body.len() as u64,
        uncompressed_bytes: text.len() as u64,
        put_object_ms,
        import_ms,
        max_step_ms,
        steps,
        virtual_ms,
        imported: last["ImportedItemCount"].as_u64().unwrap_or(0),
        journal_bytes: journal,
    })
}
