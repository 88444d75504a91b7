//! Secondary indexes. An index is derived state: for every item that has the index's key
//! attributes (indexes are sparse), an entry ordered by (placement hash of the index partition
//! key, index partition key, index sort key, table primary key) points at the item. Entries are
//! maintained on every write and rebuilt when a table loads; only the index definitions persist.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    key::{scalar, KeySchema, KeyValue, PrimaryKey},
    value::Item,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProjectionType {
    All,
    KeysOnly,
    Include,
}

impl ProjectionType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectionType::All => "ALL",
            ProjectionType::KeysOnly => "KEYS_ONLY",
            ProjectionType::Include => "INCLUDE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndexKind {
    Local,
    Global,
}

/// IndexStatus of a GSI (LSIs are always usable and report none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndexStatus {
    /// Added by UpdateTable and backfilling: written to, not readable yet.
    Creating,
    /// Its throughput is changing.
    Updating,
    /// Being removed: gone for readers and writers, still described.
    Deleting,
    #[default]
    Active,
}

impl IndexStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IndexStatus::Creating => "CREATING",
            IndexStatus::Updating => "UPDATING",
            IndexStatus::Deleting => "DELETING",
            IndexStatus::Active => "ACTIVE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexMeta {
    pub name: String,
    pub kind: IndexKind,
    pub key_schema: KeySchema,
    pub projection: ProjectionType,
    pub non_key_attributes: Vec<String>,
    /// GSIs only, when the table is PROVISIONED.
    pub read_capacity: i64,
    pub write_capacity: i64,
    #[serde(default)]
    pub status: IndexStatus,
    /// Throughput an UpdateTable in flight will set when the index turns ACTIVE.
    #[serde(default)]
    pub pending_throughput: Option<(i64, i64)>,
    #[serde(default)]
    pub throughput_history: super::table::ThroughputHistory,
}

/// Position of an item in an index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexKey {
    pub hash_pos: u64,
    pub pk: KeyValue,
    pub sk: Option<KeyValue>,
    pub table_key: PrimaryKey,
}

impl IndexMeta {
    /// Where `item` sits in this index, or None when it lacks the index key (sparse index).
    /// Types were validated on write.
    pub fn key_of(&self, item: &Item, table_key: &PrimaryKey) -> Option<IndexKey> {
        let pk = scalar(item.get(&self.key_schema.hash.name)?, self.key_schema.hash.kind)?;
        let sk = match &self.key_schema.range {
            Some(r) => Some(scalar(item.get(&r.name)?, r.kind)?),
            None => None,
        };
        Some(IndexKey { hash_pos: pk.placement_hash(), pk, sk, table_key: table_key.clone() })
    }

    /// Whether `item` has this index's key attributes (indexes are sparse).
    pub fn holds(&self, item: &Item) -> bool {
        self.key_schema.attributes().all(|a| item.get(&a.name).and_then(|v| scalar(v, a.kind)).is_some())
    }

    /// The attributes of `item` this index holds.
    pub fn project(&self, item: &Item, table_schema: &KeySchema) -> Item {
        if self.projection == ProjectionType::All {
            return item.clone();
        }
        item.iter()
            .filter(|(k, _)| {
                table_schema.is_key_attribute(k) || self.key_schema.is_key_attribute(k) || (self.projection == ProjectionType::Include && self.non_key_attributes.contains(k))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub fn description(&self, table_arn: &str, count: usize, size: usize, billing_provisioned: bool, now_ms: i64) -> Value {
        let mut projection = json!({"ProjectionType": self.projection.as_str()});
        if self.projection == ProjectionType::Include {
            projection["NonKeyAttributes"] = json!(self.non_key_attributes);
        }
        let mut d = json!({
            "IndexName": self.name,
            "KeySchema": self.key_schema.to_json(),
            "Projection": projection,
            "IndexSizeBytes": size,
            "ItemCount": count,
            "IndexArn": format!("{table_arn}/index/{}", self.name),
        });
        if self.kind == IndexKind::Global {
            d["IndexStatus"] = json!(self.status.as_str());
            if self.status == IndexStatus::Creating {
                // Counts appear once the backfill is done.
                d["Backfilling"] = json!(true);
                d["IndexSizeBytes"] = json!(0);
                d["ItemCount"] = json!(0);
            }
            let (r, w) = if billing_provisioned { (self.read_capacity, self.write_capacity) } else { (0, 0) };
            d["ProvisionedThroughput"] = self.throughput_history.describe(now_ms, r, w);
        }
        d
    }
}

/// A position in an index: ((placement hash, partition key), (sort key, table key)), ordered as
/// the index stores its entries.
pub type IndexPos = ((u64, KeyValue), (Option<KeyValue>, PrimaryKey));

/// Where an ExclusiveStartKey for an index points: it must carry the table's key and the index's.
pub fn start_position(meta: &IndexMeta, table_schema: &KeySchema, esk: &Item) -> Result<IndexPos, crate::kernel::error::AwsError> {
    let invalid = || crate::kernel::error::AwsError::validation("The provided starting key is invalid");
    let table_part: Item = esk.iter().filter(|(k, _)| table_schema.is_key_attribute(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let tk = table_schema.key_from_map(&table_part).map_err(|_| invalid())?;
    let expected = table_schema.attributes().chain(meta.key_schema.attributes()).map(|a| a.name.as_str()).collect::<std::collections::BTreeSet<_>>().len();
    if esk.len() != expected {
        return Err(invalid());
    }
    let ik = meta.key_of(esk, &tk).ok_or_else(invalid)?;
    Ok(((ik.hash_pos, ik.pk), (ik.sk, tk)))
}

/// Names making up an index's LastEvaluatedKey: the table's key, then the index's.
pub fn key_names(meta: Option<&IndexMeta>, table_schema: &KeySchema) -> Vec<String> {
    let mut names: Vec<String> = table_schema.attributes().map(|a| a.name.clone()).collect();
    if let Some(m) = meta {
        for a in m.key_schema.attributes() {
            if !names.contains(&a.name) {
                names.push(a.name.clone());
            }
        }
    }
    names
}
