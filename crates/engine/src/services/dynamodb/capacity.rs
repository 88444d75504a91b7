//! Capacity units as AWS counts them: reads round each item up to 4 KB (eventually consistent
//! reads cost half), writes round up to 1 KB; a request costs at least one unit.

use serde_json::{json, Value};



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
    if consistent { units } else { units / 2.0 }
}

pub fn write_units(bytes: usize) -> f64 {
    bytes.div_ceil(1024).max(1) as f64
}

/// Adds `ConsumedCapacity` to a response when asked for.
pub fn attach(out: &mut Value, mode: ReturnConsumedCapacity, table: &str, units: f64) {
    let consumed = match mode {
        ReturnConsumedCapacity::None => return,
        ReturnConsumedCapacity::Total => json!({"TableName": table, "CapacityUnits": units}),
        ReturnConsumedCapacity::Indexes => json!({"TableName": table, "CapacityUnits": units, "Table": {"CapacityUnits": units}}),
    };
    out["ConsumedCapacity"] = consumed;
}

