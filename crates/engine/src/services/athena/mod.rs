//! Amazon Athena (JSON 1.1, `AmazonAthena`), the part a learner needs to query a DynamoDB table
//! export in S3: StartQueryExecution, GetQueryExecution, GetQueryResults,
//! ListQueryExecutions, BatchGetQueryExecution, StopQueryExecution.
//!
//! There is no Glue Data Catalog in the sandbox. As a documented shortcut, a query's FROM names
//! the export folder itself: `FROM "s3://bucket/prefix/AWSDynamoDB/{ExportId}/"` (its
//! `manifest-files.json` lists the data files) or that folder's `data/`. The SQL is a subset of
//! Athena's (see [`sql`]), over the export's items (see [`export`], [`ion`]).
//!
//! A query runs inside StartQueryExecution: the service reads S3 through `Step::Call`s
//! (GetObject of the manifest, ListObjectsV2 of a `data/` folder, GetObject of each data file),
//! runs the SQL, writes `{OutputLocation}{QueryExecutionId}.csv` with PutObject (as Athena
//! writes it: every value quoted, NULL empty) and records the execution SUCCEEDED or FAILED. So
//! the first GetQueryExecution already sees the final state (Athena passes through QUEUED and
//! RUNNING; clients that poll for a final state work unchanged), and the engine time is 0 ms of
//! virtual time. A SQL error fails the query (StateChangeReason `SYNTAX_ERROR: line 1:8: ...`),
//! as in Athena; request errors are InvalidRequestException with an `AthenaErrorCode`.
//!
//! Records: `athena/{region}/query/{QueryExecutionId}` (JSON: the execution and its result rows).

pub mod export;
pub mod ion;
mod queries;
pub mod sql;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    service::{Cx, Service},
};

/// One query execution as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    pub id: String,
    /// Order of submission in the region (ListQueryExecutions lists newest first).
    pub seq: u64,
    pub query: String,
    pub database: Option<String>,
    pub catalog: Option<String>,
    pub work_group: String,
    /// `s3://bucket/path/{id}.csv`.
    pub output_location: String,
    pub state: String,
    pub reason: Option<String>,
    pub submitted_ms: i64,
    pub completed_ms: Option<i64>,
    pub scanned_bytes: u64,
    pub client_token: Option<String>,
    /// Result columns: name and Athena type.
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<Option<String>>>,
}

#[derive(Debug, Default)]
pub struct Athena {
    regions: BTreeMap<String, BTreeMap<String, Execution>>,
}

pub const NAMESPACE: &str = "";

/// Athena's request error, with its `AthenaErrorCode`.
pub fn invalid_request(message: impl Into<String>) -> AwsError {
    AwsError::new(NAMESPACE, "InvalidRequestException", message, 400).with("AthenaErrorCode", Value::String("INVALID_INPUT".into()))
}

fn record_key(region: &str, id: &str) -> String {
    format!("athena/{region}/query/{id}")
}

impl Athena {
    pub(crate) fn executions(&self, region: &str) -> Option<&BTreeMap<String, Execution>> {
        self.regions.get(region)
    }

    pub(crate) fn store(&mut self, cx: &mut Cx, e: Execution) {
        cx.journal.put(record_key(cx.region, &e.id), serde_json::to_vec(&e).unwrap_or_default());
        self.regions.entry(cx.region.to_string()).or_default().insert(e.id.clone(), e);
    }

    pub(crate) fn next_seq(&self, region: &str) -> u64 {
        self.regions.get(region).and_then(|m| m.values().map(|e| e.seq).max()).map_or(1, |s| s + 1)
    }
}

impl Service for Athena {
    fn name(&self) -> &'static str {
        "athena"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match self.call_step(cx, operation, input)? {
            Step::Done(v) => Ok(v),
            _ => Err(AwsError::internal("Athena's query needs the kernel")),
        }
    }

    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        if !input.is_object() {
            return Err(AwsError::serialization("Start of structure or map found where not expected."));
        }
        match operation {
            "StartQueryExecution" => queries::start(self, cx, input),
            "GetQueryExecution" => queries::get_query_execution(self, cx, input).map(Step::Done),
            "BatchGetQueryExecution" => queries::batch_get_query_execution(self, cx, input).map(Step::Done),
            "ListQueryExecutions" => queries::list_query_executions(self, cx, input).map(Step::Done),
            "StopQueryExecution" => queries::stop_query_execution(self, cx, input).map(Step::Done),
            "GetQueryResults" => queries::get_query_results(self, cx, input).map(Step::Done),
            _ => Err(AwsError::unknown_operation(format!("Gureum's Athena implements StartQueryExecution, GetQueryExecution, GetQueryResults, ListQueryExecutions, BatchGetQueryExecution and StopQueryExecution; not {operation}."))),
        }
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let Ok(run) = then.downcast::<queries::Run>() else {
            return Err(AwsError::internal("unknown Athena continuation"));
        };
        let Resumed::Called(answer) = result else {
            return Err(AwsError::internal("Athena runs no code"));
        };
        Ok(queries::resume(self, cx, *run, answer))
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (region, executions) in &self.regions {
            for (id, e) in executions {
                out.push(Record { key: record_key(region, id), value: serde_json::to_vec(e).unwrap_or_default() });
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["athena", region, "query", id] => {
                let e: Execution = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if e.id != *id {
                    return Err("query record under another id".into());
                }
                self.regions.entry(region.to_string()).or_default().insert(e.id.clone(), e);
                Ok(())
            }
            _ => Err("unknown Athena record".into()),
        }
    }

    fn clear(&mut self) {
        self.regions.clear();
    }
}

#[cfg(test)]
mod tests;
