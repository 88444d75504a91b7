//! A table: its metadata (what DescribeTable shows) and its items, kept in key order
//! (placement hash, partition key, sort key), so an item collection is one contiguous range.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    key::{KeySchema, PrimaryKey, ScalarType},
    value::{item_size, Item},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TableStatus {
    Creating,
    Active,
    Deleting,
}

impl TableStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TableStatus::Creating => "CREATING",
            TableStatus::Active => "ACTIVE",
            TableStatus::Deleting => "DELETING",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BillingMode {
    Provisioned,
    PayPerRequest,
}

impl BillingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingMode::Provisioned => "PROVISIONED",
            BillingMode::PayPerRequest => "PAY_PER_REQUEST",
        }
    }
}

/// What DescribeTable reports, persisted as JSON under `dynamodb/{region}/table/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableMeta {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub status: TableStatus,
    pub created_ms: i64,
    /// In request order, as AWS echoes them.
    pub attribute_definitions: Vec<(String, ScalarType)>,
    pub key_schema: KeySchema,
    pub billing_mode: BillingMode,
    pub read_capacity: i64,
    pub write_capacity: i64,
    /// When the table last switched to (or was created in) PAY_PER_REQUEST.
    pub last_update_to_pay_per_request_ms: Option<i64>,
    pub deletion_protection: bool,
    /// Tags in the order they were added (TagResource replaces a key's value in place).
    #[serde(default)]
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub meta: TableMeta,
    pub items: BTreeMap<PrimaryKey, Item>,
    /// Sum of item sizes, as TableSizeBytes reports.
    pub size_bytes: usize,
}

fn epoch_seconds(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

impl Table {
    pub fn new(meta: TableMeta) -> Self {
        Table { meta, items: BTreeMap::new(), size_bytes: 0 }
    }

    /// Inserts or replaces an item; returns the old one.
    pub fn put(&mut self, key: PrimaryKey, item: Item) -> Option<Item> {
        self.size_bytes += item_size(&item);
        let old = self.items.insert(key, item);
        if let Some(o) = &old {
            self.size_bytes -= item_size(o);
        }
        old
    }

    pub fn remove(&mut self, key: &PrimaryKey) -> Option<Item> {
        let old = self.items.remove(key);
        if let Some(o) = &old {
            self.size_bytes -= item_size(o);
        }
        old
    }

    /// The TableDescription shape of CreateTable, DescribeTable and DeleteTable.
    pub fn description(&self) -> Value {
        let m = &self.meta;
        let (read, write) = match m.billing_mode {
            BillingMode::Provisioned => (m.read_capacity, m.write_capacity),
            BillingMode::PayPerRequest => (0, 0),
        };
        let mut d = json!({
            "AttributeDefinitions": m.attribute_definitions.iter().map(|(n, t)| json!({"AttributeName": n, "AttributeType": t.as_str()})).collect::<Vec<_>>(),
            "TableName": m.name,
            "KeySchema": m.key_schema.to_json(),
            "TableStatus": m.status.as_str(),
            "CreationDateTime": epoch_seconds(m.created_ms),
            "ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": read, "WriteCapacityUnits": write},
            "TableSizeBytes": self.size_bytes,
            "ItemCount": self.items.len(),
            "TableArn": m.arn,
            "TableId": m.id,
        });
        if let Some(at) = m.last_update_to_pay_per_request_ms {
            let mut summary = json!({"BillingMode": m.billing_mode.as_str()});
            if m.billing_mode == BillingMode::PayPerRequest {
                summary["LastUpdateToPayPerRequestDateTime"] = epoch_seconds(at);
            }
            d["BillingModeSummary"] = summary;
        }
        d["DeletionProtectionEnabled"] = json!(m.deletion_protection);
        d
    }
}
