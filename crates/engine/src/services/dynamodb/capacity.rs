//! Capacity units as AWS counts them: reads round each item up to 4 KB (eventually consistent
//! reads cost half), writes round up to 1 KB; a request costs at least one unit.
//!
//! Secondary indexes consume their own units (AWS, "Provisioned throughput considerations" for
//! GSIs and LSIs): a write costs each index it touches one write of the projected entry's size
//! when the item enters or leaves the index or a projected attribute changes in place, and two
//! (delete, then put) when the index key changes; an index untouched costs nothing. Reads of an
//! index are charged to the index alone.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{
    index::{IndexKind, IndexMeta, IndexStatus},
    table::Table,
    value::{item_size, Item},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnConsumedCapacity {
    None,
    Total,
    Indexes,
}

impl ReturnConsumedCapacity {
    pub fn parse(v: Option<&str>) -> ReturnConsumedCapacity {
        match v {
            Some("TOTAL") => ReturnConsumedCapacity::Total,
            Some("INDEXES") => ReturnConsumedCapacity::Indexes,
            _ => ReturnConsumedCapacity::None,
        }
    }
}

pub const ENUM: &[&str] = &["INDEXES", "TOTAL", "NONE"];

pub fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = bytes.div_ceil(4096).max(1) as f64;
    if consistent {
        units
    } else {
        units / 2.0
    }
}

pub fn write_units(bytes: usize) -> f64 {
    bytes.div_ceil(1024).max(1) as f64
}

/// What one table consumed: its own units and each secondary index's (by name, with its kind).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Consumed {
    pub table: f64,
    pub indexes: BTreeMap<String, (IndexKind, f64)>,
}

impl Consumed {
    /// Units charged to the table alone.
    pub fn table(units: f64) -> Consumed {
        Consumed { table: units, indexes: BTreeMap::new() }
    }

    /// A read of the table, or of an index (charged to the index alone).
    pub fn read(index: Option<&IndexMeta>, units: f64) -> Consumed {
        match index {
            None => Consumed::table(units),
            Some(meta) => Consumed { table: 0.0, indexes: BTreeMap::from([(meta.name.clone(), (meta.kind, units))]) },
        }
    }

    /// A write replacing `old` by `new` (None: absent before / deleted): the table's units (the
    /// larger of the two sizes) and each index's, by AWS's rules for index writes.
    pub fn write(table: &Table, old: Option<&Item>, new: Option<&Item>) -> Consumed {
        let size = old.map(item_size).unwrap_or(0).max(new.map(item_size).unwrap_or(0));
        let mut c = Consumed::table(write_units(size));
        let schema = &table.meta.key_schema;
        for meta in table.meta.indexes.iter().filter(|i| i.status != IndexStatus::Deleting) {
            let entry = |item: Option<&Item>| item.filter(|i| meta.holds(i)).map(|i| meta.project(i, schema));
            let units = match (entry(old), entry(new)) {
                (None, None) => 0.0,
                (Some(e), None) | (None, Some(e)) => write_units(item_size(&e)),
                (Some(o), Some(n)) if !meta.key_schema.attributes().all(|a| o.get(&a.name) == n.get(&a.name)) => write_units(item_size(&o)) + write_units(item_size(&n)),
                (Some(o), Some(n)) if o != n => write_units(item_size(&o).max(item_size(&n))),
                _ => 0.0,
            };
            if units > 0.0 {
                c.indexes.insert(meta.name.clone(), (meta.kind, units));
            }
        }
        c
    }

    pub fn add(&mut self, other: &Consumed) {
        self.table += other.table;
        for (name, (kind, u)) in &other.indexes {
            self.indexes.entry(name.clone()).or_insert((*kind, 0.0)).1 += u;
        }
    }

    /// Every figure multiplied by `factor` (transactions cost twice).
    pub fn times(mut self, factor: f64) -> Consumed {
        self.table *= factor;
        for (_, u) in self.indexes.values_mut() {
            *u *= factor;
        }
        self
    }

    /// The table's units plus every index's.
    pub fn total(&self) -> f64 {
        self.table + self.indexes.values().map(|(_, u)| u).sum::<f64>()
    }

    /// The ConsumedCapacity of one table; `member` (ReadCapacityUnits or WriteCapacityUnits,
    /// which transactions report) repeats each figure.
    pub fn to_json(&self, mode: ReturnConsumedCapacity, table: &str, member: Option<&str>) -> Option<Value> {
        let figure = |u: f64| {
            let mut v = json!({"CapacityUnits": u});
            if let Some(m) = member {
                v[m] = json!(u);
            }
            v
        };
        let mut v = match mode {
            ReturnConsumedCapacity::None => return None,
            _ => figure(self.total()),
        };
        let mut out = Map::new();
        out.insert("TableName".into(), json!(table));
        if let Value::Object(m) = &mut v {
            out.append(m);
        }
        if mode == ReturnConsumedCapacity::Indexes {
            out.insert("Table".into(), figure(self.table));
            for (kind, member_name) in [(IndexKind::Global, "GlobalSecondaryIndexes"), (IndexKind::Local, "LocalSecondaryIndexes")] {
                let of_kind: Map<String, Value> = self.indexes.iter().filter(|(_, (k, _))| *k == kind).map(|(n, (_, u))| (n.clone(), figure(*u))).collect();
                if !of_kind.is_empty() {
                    out.insert(member_name.into(), Value::Object(of_kind));
                }
            }
        }
        Some(Value::Object(out))
    }
}

/// Adds `ConsumedCapacity` to a response when asked for.
pub fn attach(out: &mut Value, mode: ReturnConsumedCapacity, table: &str, consumed: &Consumed) {
    if let Value::Object(map) = out {
        attach_map(map, mode, table, consumed);
    }
}

/// [`attach`] for an answer still being assembled as a [`Reply`](super::reply::Reply).
pub fn attach_map(out: &mut serde_json::Map<String, Value>, mode: ReturnConsumedCapacity, table: &str, consumed: &Consumed) {
    if let Some(v) = consumed.to_json(mode, table, None) {
        out.insert("ConsumedCapacity".into(), v);
    }
}

/// The ConsumedCapacity list of a multi-table operation, one entry per table in the given order.
pub fn list<'a>(mode: ReturnConsumedCapacity, per_table: impl IntoIterator<Item = (&'a String, &'a Consumed)>, member: Option<&str>) -> Option<Value> {
    if mode == ReturnConsumedCapacity::None {
        return None;
    }
    Some(Value::Array(per_table.into_iter().filter_map(|(t, c)| c.to_json(mode, t, member)).collect()))
}
