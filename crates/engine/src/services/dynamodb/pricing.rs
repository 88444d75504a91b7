//! The cost meter: AWS's list prices for DynamoDB as data, and `dynamodb:GetTableCost`, what the
//! workload a table saw (its per-minute metrics, see [`throttle`]) cost in its capacity mode and
//! what the same workload would have cost in the other one, plus storage.
//!
//! Prices are the Standard table class's, in USD, without the free tier, Savings Plans or
//! reserved capacity. Sources, read on 2026-11-25:
//! - https://aws.amazon.com/dynamodb/pricing/on-demand/ and
//!   https://aws.amazon.com/dynamodb/pricing/provisioned/ (per-region tables; the on-demand
//!   prices are those after the 1 November 2024 reduction);
//! - us-east-1 cross-checked: $0.625 per million WRU and $0.125 per million RRU (on-demand),
//!   $0.00065 per WCU-hour and $0.00013 per RCU-hour ("$0.0065 per 10 WCU, per 50 RCU"),
//!   $0.25 per GB-month (https://aws.amazon.com/ko/dynamodb/pricing/: "GB당 0.25 USD부터").
//! - ap-northeast-2 (Seoul): the regional table is rendered by script on the pricing pages, so
//!   the figures come from the AWS Price List API (`get_products`, ServiceCode AmazonDynamoDB,
//!   regionCode ap-northeast-2, as read on 2026-06-12 and recorded in a public repository):
//!   APN2-WriteRequestUnits $0.00000068 per unit ($0.68 per million), APN2-ReadRequestUnits
//!   $0.0000001355 ($0.1355 per million), APN2-WriteCapacityUnit-Hrs $0.0007049 and
//!   APN2-ReadCapacityUnit-Hrs $0.00014098 (the paid tier, past the free tier); an AWS bill for
//!   Asia Pacific (Korea) from June 2025 shows the same $0.1355 and $0.68 per million. The
//!   storage price (APN2-TimedStorage-ByteHrs) was in neither, so it is the figure last known
//!   and listed in [`Prices::unchecked`].
//!
//! The arithmetic:
//! - **On-demand**: request units consumed / 1,000,000 × the price per million. Consumed units
//!   count only admitted requests: a throttled request costs nothing (and would have been
//!   served on demand, so a throttled provisioned workload's on-demand figure is a floor).
//! - **Provisioned**: capacity units × hours provisioned × the price per unit-hour, minute by
//!   minute at the level the table (and each GSI) had. For an on-demand table the provisioned
//!   alternative is sized at the busiest minute's average rate, rounded up (at least 1 unit).
//! - **Storage**: TableSizeBytes / 2^30 × the GB-month price × the window's share of a month
//!   (730 hours). Index storage is not counted.
//!
//! Every figure also comes per month (× 730 hours / the window's hours), since an hour of a
//! small table costs fractions of a cent.

use serde_json::{json, Value};

use super::{
    index::IndexKind,
    table::{BillingMode, TableMeta},
    throttle::Throughput,
};
use crate::kernel::{error::AwsError, time::iso8601};

/// When the prices below were recorded.
pub const PRICES_AS_OF: &str = "2026-11-25";
/// Hours in a billing month, as AWS's pricing examples count them.
pub const HOURS_PER_MONTH: f64 = 730.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prices {
    pub region: &'static str,
    /// USD per million write request units (on-demand).
    pub write_request_million: f64,
    /// USD per million read request units (on-demand).
    pub read_request_million: f64,
    /// USD per provisioned WCU per hour.
    pub wcu_hour: f64,
    /// USD per provisioned RCU per hour.
    pub rcu_hour: f64,
    /// USD per GB-month of table storage.
    pub storage_gb_month: f64,
    /// The figures that could not be checked against an AWS source (see the module notes):
    /// "storage", "requests", "capacity".
    pub unchecked: &'static [&'static str],
}

pub const PRICES: &[Prices] = &[
    Prices { region: "us-east-1", write_request_million: 0.625, read_request_million: 0.125, wcu_hour: 0.00065, rcu_hour: 0.00013, storage_gb_month: 0.25, unchecked: &[] },
    Prices {
        region: "ap-northeast-2",
        write_request_million: 0.68,
        read_request_million: 0.1355,
        wcu_hour: 0.0007049,
        rcu_hour: 0.00014098,
        storage_gb_month: 0.2705,
        unchecked: &["storage"],
    },
];

pub fn prices(region: &str) -> Option<&'static Prices> {
    PRICES.iter().find(|p| p.region == region)
}

/// What a window of a table's life used, the input of the arithmetic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    pub hours: f64,
    pub read_units: f64,
    pub write_units: f64,
    /// Provisioned read / write capacity-unit-hours in the window (table and GSIs).
    pub rcu_hours: f64,
    pub wcu_hours: f64,
    pub storage_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bill {
    pub on_demand_read: f64,
    pub on_demand_write: f64,
    pub provisioned_read: f64,
    pub provisioned_write: f64,
    pub storage: f64,
}

/// The arithmetic, on its own.
pub fn bill(p: &Prices, u: &Usage) -> Bill {
    Bill {
        on_demand_read: u.read_units / 1e6 * p.read_request_million,
        on_demand_write: u.write_units / 1e6 * p.write_request_million,
        provisioned_read: u.rcu_hours * p.rcu_hour,
        provisioned_write: u.wcu_hours * p.wcu_hour,
        storage: u.storage_bytes as f64 / (1u64 << 30) as f64 * p.storage_gb_month * u.hours / HOURS_PER_MONTH,
    }
}

/// Capacity-unit-hours one resource had provisioned, minute by minute over `[from, to)`, or
/// (when none was provisioned: on-demand) the level its busiest minute needed.
struct Resource {
    read_units: f64,
    write_units: f64,
    /// Provisioned unit-milliseconds.
    unit_hours: [f64; 2],
    busiest_minute: [f64; 2],
}

/// `dynamodb:GetTableCost {TableName, StartTime?, EndTime?}` (epoch seconds; default the last
/// hour, never before the table was created, at most the 24 hours of metrics kept). Units
/// consumed count every minute the window touches; capacity-hours and storage the exact span.
pub fn table_cost(meta: &TableMeta, t: &Throughput, storage_bytes: usize, region: &str, now_ms: i64, input: &Value) -> Result<Value, AwsError> {
    let p = prices(region).ok_or_else(|| {
        let known: Vec<&str> = PRICES.iter().map(|p| p.region).collect();
        AwsError::validation(format!("The sandbox has no DynamoDB prices for region {region}; it has them for {}", known.join(", ")))
    })?;
    if meta.table_class.as_ref().is_some_and(|(c, _)| c != "STANDARD") {
        return Err(AwsError::validation("The sandbox's price table covers the STANDARD table class only"));
    }
    let secs = |name: &str| -> Result<Option<i64>, AwsError> {
        match input.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_f64().map(|f| Some((f * 1000.0) as i64)).ok_or_else(|| AwsError::validation(format!("{name} must be a number of seconds since the epoch"))),
        }
    };
    let end = secs("EndTime")?.unwrap_or(now_ms).min(now_ms);
    let start = secs("StartTime")?.unwrap_or(end - 3_600_000).max(meta.created_ms).max(now_ms - 24 * 3_600_000);
    if start >= end {
        return Err(AwsError::validation("The parameter StartTime must be less than the parameter EndTime (and the table must have existed then)."));
    }
    let hours = (end - start) as f64 / 3_600_000.0;
    let provisioned_now = meta.billing_mode == BillingMode::Provisioned;
    // The table, then each GSI: (current provisioned level, per-minute figures).
    let mut resources = Vec::new();
    let gsis: Vec<_> = meta.indexes.iter().filter(|i| i.kind == IndexKind::Global).collect();
    let first_minute = start - start.rem_euclid(60_000);
    let minutes = ((end - first_minute + 59_999) / 60_000) as usize;
    for which in std::iter::once(None).chain(gsis.iter().map(|i| Some(*i))) {
        let levels = t.levels(meta, which, first_minute, 60_000, minutes);
        let mut r = Resource { read_units: 0.0, write_units: 0.0, unit_hours: [0.0; 2], busiest_minute: [0.0; 2] };
        for (k, level) in levels.into_iter().enumerate() {
            let minute = first_minute + k as i64 * 60_000;
            let covered_ms = ((minute + 60_000).min(end) - minute.max(start)) as f64;
            let record = t.minutes.iter().find(|m| m.start_ms == minute);
            let figures = match (record, which) {
                (Some(m), None) => Some(m.table.clone()),
                (Some(m), Some(i)) => m.indexes.get(&i.name).map(|(f, _)| f.clone()),
                (None, _) => None,
            };
            if let Some(f) = figures {
                // Metrics are per minute: a minute the window touches counts whole (its units
                // were served when they were, not spread over the minute).
                r.read_units += f.consumed[0];
                r.write_units += f.consumed[1];
                for a in 0..2 {
                    r.busiest_minute[a] = r.busiest_minute[a].max(f.consumed[a]);
                }
            }
            if let Some(level) = level {
                // Unit-milliseconds: whole numbers, summed exactly.
                r.unit_hours[0] += level[0] * covered_ms;
                r.unit_hours[1] += level[1] * covered_ms;
            }
        }
        resources.push(r);
    }
    let mut actual = Usage { hours, storage_bytes: storage_bytes as u64, ..Default::default() };
    let mut sized = [0.0f64; 2];
    for r in &resources {
        actual.read_units += r.read_units;
        actual.write_units += r.write_units;
        actual.rcu_hours += r.unit_hours[0] / 3_600_000.0;
        actual.wcu_hours += r.unit_hours[1] / 3_600_000.0;
        for a in 0..2 {
            sized[a] += (r.busiest_minute[a] / 60.0).ceil().max(1.0);
        }
    }
    // On-demand now: the provisioned alternative is sized at each resource's busiest minute.
    let basis = if provisioned_now {
        "the provisioned capacity the table and its global secondary indexes had, minute by minute"
    } else {
        actual.rcu_hours = sized[0] * hours;
        actual.wcu_hours = sized[1] * hours;
        "capacity sized at the busiest minute's average rate per second (rounded up, at least 1), for the whole window"
    };
    let b = bill(p, &actual);
    let month = HOURS_PER_MONTH / hours;
    let on_demand = b.on_demand_read + b.on_demand_write;
    let provisioned = b.provisioned_read + b.provisioned_write;
    let mode = |cost: f64| json!({"Cost": cost, "CostPerMonth": cost * month});
    let mut out = json!({
        "TableName": meta.name,
        "Region": region,
        "BillingMode": if provisioned_now { "PROVISIONED" } else { "PAY_PER_REQUEST" },
        "Window": {"StartTime": start as f64 / 1000.0, "EndTime": end as f64 / 1000.0, "Start": iso8601(start), "End": iso8601(end), "Hours": hours},
        "Prices": {
            "Currency": "USD",
            "AsOf": PRICES_AS_OF,
            "Checked": p.unchecked.is_empty(),
            "Unchecked": p.unchecked,
            "WriteRequestUnitsPerMillion": p.write_request_million,
            "ReadRequestUnitsPerMillion": p.read_request_million,
            "WriteCapacityUnitHour": p.wcu_hour,
            "ReadCapacityUnitHour": p.rcu_hour,
            "StorageGBMonth": p.storage_gb_month,
            "Source": "https://aws.amazon.com/dynamodb/pricing/",
        },
        "OnDemand": mode(on_demand),
        "Provisioned": mode(provisioned),
        "Storage": {"TableSizeBytes": storage_bytes, "Cost": b.storage, "CostPerMonth": b.storage * month},
    });
    out["OnDemand"]["ReadRequestUnits"] = json!(actual.read_units);
    out["OnDemand"]["WriteRequestUnits"] = json!(actual.write_units);
    out["OnDemand"]["ReadCost"] = json!(b.on_demand_read);
    out["OnDemand"]["WriteCost"] = json!(b.on_demand_write);
    out["Provisioned"]["ReadCapacityUnitHours"] = json!(actual.rcu_hours);
    out["Provisioned"]["WriteCapacityUnitHours"] = json!(actual.wcu_hours);
    out["Provisioned"]["ReadCost"] = json!(b.provisioned_read);
    out["Provisioned"]["WriteCost"] = json!(b.provisioned_write);
    out["Provisioned"]["Basis"] = json!(basis);
    if !provisioned_now {
        out["Provisioned"]["ReadCapacityUnits"] = json!(sized[0]);
        out["Provisioned"]["WriteCapacityUnits"] = json!(sized[1]);
    }
    Ok(out)
}
