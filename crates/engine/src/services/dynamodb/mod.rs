//! Amazon DynamoDB (JSON 1.0, `DynamoDB_20120810`).
//!
//! State: per region, tables by name; each table holds its items in key order. Records:
//! `dynamodb/{region}/table/{name}` (metadata, JSON) and
//! `dynamodb/{region}/table/{name}/item/{key hex}` (one item, binary, see [`codec`]); streams
//! and their records under `dynamodb/{region}/stream/` (see [`streams`]). The service also
//! answers the DynamoDB Streams endpoint, `streams.dynamodb`.

pub mod backups;
pub mod batch;
pub mod capacity;
pub mod codec;
pub mod collection;
pub mod expr;
pub mod fast;
pub mod global;
pub mod index;
pub mod input;
pub mod items;
pub mod key;
pub mod kinesis_dest;
pub mod legacy;
pub mod load;
pub mod number;
pub mod page;
pub mod partiql;
pub mod pitr;
pub mod pricing;
pub mod query;
pub mod reply;
pub mod requests;
pub mod restore;
pub mod scan;
pub mod streams;
pub mod table;
pub mod tables;
pub mod tags;
pub mod throttle;
pub mod timeline;
pub mod transact;
pub mod transfer;
pub mod ttl;
pub mod value;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    scheduler::Timer,
    service::{Cx, Service, TimerNote},
};
use table::{Table, TableMeta, TableStatus};

/// The DynamoDB Streams endpoint, which this service answers.
pub const STREAMS_ENDPOINT: &str = "streams.dynamodb";

pub const ERROR_NAMESPACE: &str = "com.amazonaws.dynamodb.v20120810";

/// Virtual time a table spends CREATING or DELETING before the change completes.
pub const TABLE_TRANSITION_MS: i64 = 1_000;

pub fn resource_not_found(message: impl Into<String>) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "ResourceNotFoundException", message, 400)
}

pub fn resource_in_use(message: impl Into<String>) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "ResourceInUseException", message, 400)
}

/// Operations of the DynamoDB API that this build does not implement yet. Calling one gets an
/// honest error naming it, never a silent partial answer.
const NOT_YET: &[&str] = &[
    "CreateGlobalTable",
    "DeleteResourcePolicy",
    "DescribeContributorInsights",
    "DescribeGlobalTable",
    "DescribeGlobalTableSettings",
    "DescribeTableReplicaAutoScaling",
    "GetResourcePolicy",
    "ListContributorInsights",
    "ListGlobalTables",
    "PutResourcePolicy",
    "UpdateContributorInsights",
    "UpdateGlobalTable",
    "UpdateGlobalTableSettings",
    "UpdateTableReplicaAutoScaling",
];

#[derive(Debug, Default)]
pub struct DynamoDb {
    regions: BTreeMap<String, BTreeMap<String, Table>>,
    /// ClientRequestTokens of recent write transactions, per region.
    tokens: BTreeMap<String, BTreeMap<String, transact::TokenRecord>>,
    /// [`crate::EngineConfig::keep_item_json`]: tables keep their items' JSON text.
    keep_item_json: bool,
    /// Every table stream and its records (a stream outlives its table by 24 hours).
    pub(crate) streams: streams::StreamStore,
    /// Load generators by (region, table): running, or the last one run (runtime state).
    pub(crate) loads: BTreeMap<(String, String), load::Load>,
    /// Exports to and imports from S3 (see [`transfer`]).
    pub(crate) transfer: transfer::Transfers,
    /// On-demand, SYSTEM and AWS Backup backups (they outlive their tables).
    pub(crate) backups: backups::BackupStore,
    /// Regions taken down by `dynamodb:SetRegionAvailability` (see [`global`]).
    pub(crate) outages: std::collections::BTreeSet<String>,
}

impl DynamoDb {
    pub fn new(keep_item_json: bool) -> Self {
        DynamoDb { keep_item_json, ..Default::default() }
    }
}

pub(crate) fn token_key(region: &str, token: &str) -> String {
    // Tokens may hold any characters: hex-encode them to keep keys `/`-free.
    let hex: String = token.bytes().map(|b| format!("{b:02x}")).collect();
    format!("dynamodb/{region}/token/{hex}")
}

pub(crate) fn table_key(region: &str, name: &str) -> String {
    format!("dynamodb/{region}/table/{name}")
}

pub(crate) fn item_key(region: &str, name: &str, key: &key::PrimaryKey) -> String {
    format!("dynamodb/{region}/table/{name}/item/{}", codec::key_hex(key))
}

impl DynamoDb {
    pub(crate) fn token(&self, region: &str, token: &str) -> Option<&transact::TokenRecord> {
        self.tokens.get(region)?.get(token)
    }

    pub(crate) fn tokens_mut(&mut self, region: &str) -> &mut BTreeMap<String, transact::TokenRecord> {
        self.tokens.entry(region.to_string()).or_default()
    }

    /// Forgets (and journals the removal of) tokens older than ten minutes.
    pub(crate) fn expire_tokens(&mut self, journal: &mut crate::kernel::journal::Journal, region: &str, now_ms: i64) {
        if let Some(t) = self.tokens.get_mut(region) {
            t.retain(|token, r| {
                let keep = now_ms - r.at_ms < transact::TOKEN_TTL_MS;
                if !keep {
                    journal.delete(token_key(region, token));
                }
                keep
            });
        }
    }

    pub fn tables(&self, region: &str) -> Option<&BTreeMap<String, Table>> {
        self.regions.get(region)
    }

    pub(crate) fn tables_mut(&mut self, region: &str) -> &mut BTreeMap<String, Table> {
        self.regions.entry(region.to_string()).or_default()
    }

    /// A table that accepts data operations: ACTIVE or UPDATING. A missing, CREATING or DELETING table is
    /// "Requested resource not found", as AWS says.
    pub(crate) fn active_table(&self, region: &str, name: &str) -> Result<&Table, AwsError> {
        self.regions
            .get(region)
            .and_then(|t| t.get(name))
            .filter(|t| matches!(t.meta.status, TableStatus::Active | TableStatus::Updating))
            .ok_or_else(|| resource_not_found("Requested resource not found"))
    }

    /// An [active table](DynamoDb::active_table) to change, with the streams its writes append
    /// to: every item write goes through [`streams::put_item`] or [`streams::delete_item`].
    pub(crate) fn table_for_write(&mut self, region: &str, name: &str) -> Result<(&mut Table, &mut streams::StreamStore), AwsError> {
        let table = self
            .regions
            .get_mut(region)
            .and_then(|t| t.get_mut(name))
            .filter(|t| matches!(t.meta.status, TableStatus::Active | TableStatus::Updating))
            .ok_or_else(|| resource_not_found("Requested resource not found"))?;
        Ok((table, &mut self.streams))
    }
}

impl Service for DynamoDb {
    fn name(&self) -> &'static str {
        "dynamodb"
    }

    /// With `dynamodb:LeadingKeys` from the tables' partition keys.
    fn permissions(&self, operation: &str, input: &Value, region: &str, account: &str) -> Option<Vec<crate::kernel::authz::Permission>> {
        let tables = self.regions.get(region);
        let hash_key = |name: &str| tables.and_then(|t| t.get(name)).map(|t| t.meta.key_schema.hash.name.clone());
        Some(crate::services::authz::dynamodb(operation, input, region, account, &hash_key))
    }

    fn answers(&self, name: &str) -> bool {
        name == "dynamodb" || name == STREAMS_ENDPOINT
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        global::check_available(self, cx.region)?;
        if cx.endpoint == STREAMS_ENDPOINT {
            return streams::api::call(self, cx, operation, input);
        }
        match operation {
            "CreateTable" => tables::create_table(self, cx, input),
            "DescribeTable" => tables::describe_table(self, cx, input),
            "UpdateTable" => tables::update_table(self, cx, input),
            "ListTables" => tables::list_tables(self, cx, input),
            "DeleteTable" => tables::delete_table(self, cx, input),
            "PutItem" => items::put_item(self, cx, input),
            "GetItem" => items::get_item(self, cx, input),
            "DeleteItem" => items::delete_item(self, cx, input),
            "UpdateItem" => items::update_item(self, cx, input),
            "BatchGetItem" => batch::batch_get_item(self, cx, input),
            "TransactWriteItems" => transact::transact_write_items(self, cx, input),
            "TransactGetItems" => transact::transact_get_items(self, cx, input),
            "TagResource" => tags::tag_resource(self, cx, input),
            "UntagResource" => tags::untag_resource(self, cx, input),
            "ListTagsOfResource" => tags::list_tags_of_resource(self, cx, input),
            "DescribeLimits" => Ok(tags::describe_limits()),
            "DescribeEndpoints" => Ok(tags::describe_endpoints(cx)),
            "BatchWriteItem" => batch::batch_write_item(self, cx, input),
            "Scan" => scan::scan(self, cx, input),
            "Query" => query::query(self, cx, input),
            "ExecuteStatement" => partiql::execute_statement(self, cx, input),
            "BatchExecuteStatement" => partiql::batch_execute_statement(self, cx, input),
            "ExecuteTransaction" => partiql::execute_transaction(self, cx, input),
            "UpdateContinuousBackups" => pitr::update_continuous_backups(self, cx, input),
            "DescribeContinuousBackups" => pitr::describe_continuous_backups(self, cx, input),
            "RestoreTableToPointInTime" => pitr::restore_table_to_point_in_time(self, cx, input),
            "CreateBackup" => backups::create_backup(self, cx, input),
            "DescribeBackup" => backups::describe_backup(self, cx, input),
            "ListBackups" => backups::list_backups(self, cx, input),
            "DeleteBackup" => backups::delete_backup(self, cx, input),
            "RestoreTableFromBackup" => backups::restore_table_from_backup(self, cx, input),
            "UpdateTimeToLive" => ttl::update_time_to_live(self, cx, input),
            "DescribeTimeToLive" => ttl::describe_time_to_live(self, cx, input),
            "ExportTableToPointInTime" => transfer::export::export_table_to_point_in_time(self, cx, input),
            "DescribeExport" => transfer::export::describe_export(self, cx, input),
            "ListExports" => transfer::export::list_exports(self, cx, input),
            "ImportTable" => transfer::import::import_table(self, cx, input),
            "DescribeImport" => transfer::import::describe_import(self, cx, input),
            "ListImports" => transfer::import::list_imports(self, cx, input),
            "DescribeKinesisStreamingDestination" => kinesis_dest::describe(self, cx, input),
            "DisableKinesisStreamingDestination" => kinesis_dest::disable(self, cx, input),
            "UpdateKinesisStreamingDestination" => kinesis_dest::update(self, cx, input),
            // Asks Kinesis about the stream first: see `call_step`.
            "EnableKinesisStreamingDestination" => Err(AwsError::internal("EnableKinesisStreamingDestination runs through call_step")),
            op @ ("CreateGlobalTable" | "UpdateGlobalTable" | "DescribeGlobalTable" | "ListGlobalTables" | "DescribeGlobalTableSettings" | "UpdateGlobalTableSettings") => {
                Err(global::legacy(op))
            }
            op if NOT_YET.contains(&op) => Err(AwsError::unknown_operation(format!("Gureum does not implement the DynamoDB operation {op} yet."))),
            _ => Err(AwsError::unknown_operation("")),
        }
    }

    /// `dynamodb:GetTableMetrics` (see [`throttle::metrics`]), `dynamodb:GetTableCost` (see
    /// [`pricing`]), `dynamodb:StartLoad` / `DescribeLoad` / `StopLoad` (see [`load`]).
    fn control(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match operation {
            "GetTableMetrics" => {
                let name = input.get("TableName").and_then(Value::as_str).ok_or_else(|| AwsError::validation("TableName is required"))?;
                let table = self.tables(cx.region).and_then(|t| t.get(name)).ok_or_else(|| resource_not_found(format!("Requested resource not found: Table: {name} not found")))?;
                let throughput = table.throughput.borrow();
                throttle::metrics(&table.meta, &throughput, cx.now_ms, input)
            }
            "GetTableCost" => {
                let name = input.get("TableName").and_then(Value::as_str).ok_or_else(|| AwsError::validation("TableName is required"))?;
                let table = self.tables(cx.region).and_then(|t| t.get(name)).ok_or_else(|| resource_not_found(format!("Requested resource not found: Table: {name} not found")))?;
                let throughput = table.throughput.borrow();
                pricing::table_cost(&table.meta, &throughput, table.size_bytes, cx.region, cx.now_ms, input)
            }
            "CreateAwsBackup" => backups::control_create(self, cx, input),
            "CopyAwsBackup" => backups::control_copy(self, cx, input),
            "DeleteAwsBackup" => backups::control_delete(self, cx, input),
            "DescribeAwsBackup" => backups::control_describe(self, cx, input),
            "GetItemsAt" => pitr::control_items_at(self, cx, input),
            "GetChangesBetween" => pitr::control_changes_between(self, cx, input),
            "StartLoad" => load::start(self, cx, input),
            "DescribeLoad" => load::describe(self, cx, input),
            "StopLoad" => load::stop(self, cx, input),
            "SetReplicationLag" => global::set_lag(self, cx, input),
            "SetRegionAvailability" => global::set_availability(self, cx, input),
            "DescribeReplication" => global::describe_replication(self, cx, input),
            _ => Err(AwsError::new("gureum", "UnknownOperationException", format!("Unknown control operation 'dynamodb:{operation}'."), 400)),
        }
    }

    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        global::check_available(self, cx.region)?;
        if cx.endpoint != STREAMS_ENDPOINT && operation == "EnableKinesisStreamingDestination" {
            return kinesis_dest::enable(self, cx, input);
        }
        if cx.endpoint != STREAMS_ENDPOINT && operation == "UpdateTable" && input.get("ReplicaUpdates").is_some_and(|v| !v.is_null()) {
            return global::update_replicas_step(self, cx, input);
        }
        self.call(cx, operation, input).map(Step::Done)
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let (then, result) = match transfer::resume(self, cx, then, result) {
            Ok(step) => return step,
            Err(pair) => pair,
        };
        let then = match &result {
            Resumed::Called(answer) => match global::resume(self, cx, then, answer) {
                Ok(step) => return step,
                Err(other) => other,
            },
            Resumed::Ran(_) => then,
        };
        kinesis_dest::resume(self, cx, then, result)
    }

    fn fire_step(&mut self, cx: &mut Cx, timer: &Timer) -> Step {
        if let Some(step) = transfer::fire_step(self, cx, timer) {
            return step;
        }
        if timer.payload.get("action").and_then(Value::as_str) == Some(kinesis_dest::FLUSH_ACTION) {
            return kinesis_dest::flush(self, cx, timer);
        }
        self.fire(cx, timer);
        Step::Done(Value::Null)
    }

    fn call_prepared(&mut self, cx: &mut Cx, _operation: &str, prepared: Box<dyn std::any::Any + Send>) -> Result<Vec<u8>, AwsError> {
        global::check_available(self, cx.region)?;
        fast::call(self, cx, prepared)
    }

    fn describe_timer(&self, timer: &Timer) -> Option<TimerNote> {
        timeline::describe(timer)
    }

    fn fire(&mut self, cx: &mut Cx, timer: &Timer) {
        match timer.payload.get("action").and_then(Value::as_str) {
            Some(streams::SWEEP_ACTION) => return self.streams.sweep(cx, timer),
            Some(ttl::PASS_ACTION) => return ttl::pass(self, cx, timer),
            Some(backups::AVAILABLE_ACTION | backups::EXPIRE_ACTION) => return backups::fire(self, cx, timer),
            Some(global::DELIVER_ACTION) => return global::deliver(self, cx, timer),
            Some(global::SETTLE_ACTION) => return global::settle(self, cx, timer),
            _ => {}
        }
        if timer.payload.get("action").and_then(Value::as_str) == Some(load::TICK_ACTION) {
            return load::tick(self, cx, timer);
        }
        let name = timer.payload.get("table").and_then(Value::as_str).unwrap_or_default();
        let id = timer.payload.get("tableId").and_then(Value::as_str).unwrap_or_default();
        let region = cx.region.to_string();
        // An import holds its table CREATING until it ends.
        let importing = self.transfer.importing(&region, name);
        let tables = self.tables_mut(&region);
        let Some(table) = tables.get_mut(name).filter(|t| t.meta.id == id) else {
            return;
        };
        match timer.payload.get("action").and_then(Value::as_str) {
            Some("activate") if table.meta.status == TableStatus::Creating && !importing => {
                table.meta.status = TableStatus::Active;
                cx.journal.put_json(table_key(&region, name), &table.meta);
            }
            Some("remove") if table.meta.status == TableStatus::Deleting => {
                tables.remove(name);
                // (The stream closed when DeleteTable was called.)
                cx.journal.delete(table_key(&region, name));
                cx.journal.delete_prefix(format!("{}/", table_key(&region, name)));
            }
            Some(ttl::SETTLE_ACTION) => ttl::settle(table, cx, &region),
            Some(pitr::TRIM_ACTION) => pitr::trim(table, cx, &region, timer.due_ms),
            Some(restore::ACTIVATE_ACTION) => restore::activate(table, cx, &region),
            Some(kinesis_dest::SETTLE_ACTION) => kinesis_dest::settle(table, cx, &region, timer),
            Some(action @ ("finish-update" | "index-active" | "index-remove")) => {
                let index = timer.payload.get("index").and_then(Value::as_str);
                if tables::finish_update(table, cx.now_ms, action, index) {
                    cx.journal.put_json(table_key(&region, name), &table.meta);
                }
            }
            _ => {}
        }
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (region, tokens) in &self.tokens {
            for (token, record) in tokens {
                out.push(Record { key: token_key(region, token), value: serde_json::to_vec(record).unwrap_or_default() });
            }
        }
        for (region, tables) in &self.regions {
            for (name, table) in tables {
                out.push(Record { key: table_key(region, name), value: serde_json::to_vec(&table.meta).unwrap_or_default() });
                for (k, item) in table.items.iter() {
                    out.push(Record { key: item_key(region, name, k), value: codec::encode_item(item) });
                }
                if let Some(value) = ttl::save(table) {
                    out.push(Record { key: ttl::ttl_key(region, name), value });
                }
                kinesis_dest::save(table, region, out);
                pitr::save(table, region, out);
                global::save(table, region, out);
            }
        }
        self.streams.save(out);
        self.transfer.save(out);
        self.backups.save(out);
        for region in &self.outages {
            out.push(Record { key: global::outage_key(region), value: b"{}".to_vec() });
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        // dynamodb/{region}/token/{hex}
        if let [_, region, "token", hex] = key.split('/').collect::<Vec<_>>().as_slice() {
            let bytes: Option<Vec<u8>> = (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
            let token = bytes.and_then(|b| String::from_utf8(b).ok()).ok_or("bad token record key")?;
            let record: transact::TokenRecord = serde_json::from_slice(value).map_err(|e| e.to_string())?;
            self.tokens.entry(region.to_string()).or_default().insert(token, record);
            return Ok(());
        }
        if key.split('/').nth(2) == Some("stream") {
            return self.streams.load(key, value);
        }
        if matches!(key.split('/').nth(2), Some("export" | "import")) {
            return self.transfer.load(key, value);
        }
        if key.split('/').nth(2) == Some("backup") {
            return self.backups.load(key, value);
        }
        if let [_, region, "outage"] = key.split('/').collect::<Vec<_>>().as_slice() {
            self.outages.insert(region.to_string());
            return Ok(());
        }
        // dynamodb/{region}/table/{name}[/item/{hex}]
        let mut parts = key.splitn(6, '/');
        let (_, Some(region), Some("table"), Some(name)) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err("unknown DynamoDB record".into());
        };
        match (parts.next(), parts.next()) {
            (None, _) => {
                let meta: TableMeta = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                let keep_item_json = self.keep_item_json;
                let tables = self.tables_mut(region);
                match tables.get_mut(name) {
                    Some(t) => t.set_meta(meta),
                    None => {
                        tables.insert(name.to_string(), Table::new(meta, keep_item_json));
                    }
                }
                Ok(())
            }
            (Some("ttl"), None) => {
                let table = self.regions.get_mut(region).and_then(|t| t.get_mut(name)).ok_or("TTL record before its table")?;
                ttl::load(table, value)
            }
            (Some("pitr"), rest) => {
                let table = self.regions.get_mut(region).and_then(|t| t.get_mut(name)).ok_or("PITR record before its table")?;
                match rest {
                    None => pitr::load_state(table, value),
                    Some(seq) => pitr::load_entry(table, seq, value),
                }
            }
            (Some("global"), rest) => {
                let table = self.regions.get_mut(region).and_then(|t| t.get_mut(name)).ok_or("global table record before its table")?;
                global::load(table, rest, value)
            }
            (Some("kinesis"), rest) => {
                let table = self.regions.get_mut(region).and_then(|t| t.get_mut(name)).ok_or("Kinesis destination record before its table")?;
                kinesis_dest::load(table, rest, value)
            }
            (Some("item"), Some(_)) => {
                let item = codec::decode_item(value)?;
                let table = self.regions.get_mut(region).and_then(|t| t.get_mut(name)).ok_or("item record before its table")?;
                let k = table.meta.key_schema.key_of_item(&item).map_err(|e| e.message)?;
                table.put(k, item);
                Ok(())
            }
            _ => Err("unknown DynamoDB record".into()),
        }
    }

    fn clear(&mut self) {
        self.regions.clear();
        self.tokens.clear();
        self.streams.clear();
        self.loads.clear();
        self.transfer.clear();
        self.backups.clear();
        self.outages.clear();
    }

    fn record_to_json(&self, key: &str, value: &[u8]) -> Result<Value, String> {
        if key.split('/').nth(2) == Some("backup") && key.split('/').nth(5) == Some("data") {
            backups::data_to_json(value)
        } else if key.split('/').nth(2) == Some("stream") {
            streams::record_to_json(key, value)
        } else if key.split('/').nth(4) == Some("item") {
            Ok(json!({ "Item": value::item_to_json(&codec::decode_item(value)?) }))
        } else if key.split('/').nth(4) == Some("pitr") && key.split('/').nth(5).is_some() {
            pitr::entry_to_json(value)
        } else {
            serde_json::from_slice(value).map_err(|e| e.to_string())
        }
    }

    fn record_from_json(&self, key: &str, value: &Value) -> Result<Vec<u8>, String> {
        if key.split('/').nth(2) == Some("backup") && key.split('/').nth(5) == Some("data") {
            backups::data_from_json(value)
        } else if key.split('/').nth(2) == Some("stream") {
            streams::record_from_json(key, value)
        } else if key.split('/').nth(4) == Some("pitr") && key.split('/').nth(5).is_some() {
            pitr::entry_from_json(value)
        } else if key.split('/').nth(4) == Some("item") {
            let item = value.get("Item").ok_or("item record without 'Item'")?;
            Ok(codec::encode_item(&value::item_from_json(item).map_err(|e| e.message)?))
        } else {
            serde_json::to_vec(value).map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_backup;
#[cfg(test)]
mod tests_capacity;
#[cfg(test)]
mod tests_export;
#[cfg(test)]
mod tests_global;
#[cfg(test)]
mod tests_import;
#[cfg(test)]
mod tests_kinesis_dest;
#[cfg(test)]
mod tests_load;
#[cfg(test)]
mod tests_pitr;
#[cfg(test)]
mod tests_throttle;
#[cfg(test)]
mod tests_ttl;
#[cfg(test)]
mod tests_update_table;
