//! What RestoreTableToPointInTime and RestoreTableFromBackup share: the overrides, the target
//! name checks, and the new table (CREATING for [`RESTORE_MS`], then ACTIVE, with a
//! RestoreSummary whose RestoreInProgress turns false).
//!
//! A restored table has the source's key schema, attribute definitions, indexes, billing mode,
//! throughput, table class and encryption unless overridden. As on AWS it has no stream, TTL,
//! PITR, tags, deletion protection or auto scaling: those are set again after the restore.
//!
//! Overrides: BillingModeOverride, ProvisionedThroughputOverride, GlobalSecondaryIndexOverride
//! and LocalSecondaryIndexOverride (a subset of the source's indexes, each named with its key
//! schema and projection unchanged; a GSI's ProvisionedThroughput may change; an empty list
//! drops them all), SSESpecificationOverride. OnDemandThroughputOverride is refused (the sandbox
//! does not model on-demand maximums, as CreateTable refuses OnDemandThroughput).

use serde_json::{json, Value};

use super::{
    codec,
    index::{IndexKind, IndexMeta, IndexStatus, ProjectionType},
    input::{Constraints, Input},
    item_key,
    key::PrimaryKey,
    pitr::{pitr_key, RestoreSummary, RESTORE_MS},
    table::{BillingMode, StreamState, Table, TableMeta, TableStatus},
    table_key,
    value::Item,
    DynamoDb, ERROR_NAMESPACE,
};
use crate::kernel::{error::AwsError, service::Cx};

pub const ACTIVATE_ACTION: &str = "restore-activate";

/// A timestamp member of a JSON 1.0 request: epoch seconds (boto3 and the SDKs send a number).
pub fn timestamp_ms(v: &Value, member: &str) -> Result<i64, AwsError> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite() && f.abs() < 1e13)
            .map(|f| (f * 1000.0).round() as i64)
            .ok_or_else(|| AwsError::serialization(format!("Invalid timestamp for {member}"))),
        Value::String(s) => s
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && f.abs() < 1e13)
            .map(|f| (f * 1000.0).round() as i64)
            .ok_or_else(|| AwsError::serialization(format!("Invalid timestamp for {member}: {s}"))),
        _ => Err(AwsError::serialization(format!("Invalid timestamp for {member}"))),
    }
}

fn invalid(msg: &str) -> AwsError {
    AwsError::validation(format!("One or more parameter values were invalid: {msg}"))
}

/// One index override: name, key schema and projection as the request spelled them.
struct IndexOverride {
    name: String,
    key_schema: Vec<(String, String)>,
    projection: Option<String>,
    non_key: Option<Vec<String>>,
    throughput: Option<(i64, i64)>,
}

enum Sse {
    Owned,
    Kms(Option<String>),
}

#[derive(Default)]
pub struct Overrides {
    billing: Option<BillingMode>,
    throughput: Option<(i64, i64)>,
    gsis: Option<Vec<IndexOverride>>,
    lsis: Option<Vec<IndexOverride>>,
    sse: Option<Sse>,
}

fn throughput(t: &Input, path: &str, c: &mut Constraints) -> Result<(i64, i64), AwsError> {
    let r = t.long("ReadCapacityUnits")?;
    let w = t.long("WriteCapacityUnits")?;
    c.not_null(r, &format!("{path}.readCapacityUnits"));
    c.min(r, &format!("{path}.readCapacityUnits"), 1);
    c.not_null(w, &format!("{path}.writeCapacityUnits"));
    c.min(w, &format!("{path}.writeCapacityUnits"), 1);
    Ok((r.unwrap_or(1), w.unwrap_or(1)))
}

impl Overrides {
    pub fn parse(input: &Input) -> Result<Overrides, AwsError> {
        if input.raw("OnDemandThroughputOverride").is_some() {
            return Err(AwsError::validation("Gureum does not implement the OnDemandThroughputOverride parameter yet; remove it from the request."));
        }
        let mut c = Constraints::default();
        let billing = input.string("BillingModeOverride")?;
        c.one_of(billing, "billingModeOverride", &["PROVISIONED", "PAY_PER_REQUEST"]);
        let mut o = Overrides { billing: billing.map(|b| if b == "PAY_PER_REQUEST" { BillingMode::PayPerRequest } else { BillingMode::Provisioned }), ..Default::default() };
        if let Some(t) = input.structure("ProvisionedThroughputOverride", "ProvisionedThroughput")? {
            o.throughput = Some(throughput(&t, "provisionedThroughputOverride", &mut c)?);
        }
        for (member, kind) in [("GlobalSecondaryIndexOverride", IndexKind::Global), ("LocalSecondaryIndexOverride", IndexKind::Local)] {
            let Some(list) = input.list(member)? else { continue };
            let mut out = Vec::new();
            for (i, e) in Input::elements(list, if kind == IndexKind::Global { "GlobalSecondaryIndex" } else { "LocalSecondaryIndex" })?.iter().enumerate() {
                let path = format!("{}{}.{}.member", member[..1].to_lowercase(), &member[1..], i + 1);
                if e.raw("OnDemandThroughput").is_some() || e.raw("WarmThroughput").is_some() {
                    return Err(AwsError::validation(format!("Gureum does not implement OnDemandThroughput or WarmThroughput in {member} yet; remove them from the request.")));
                }
                let name = e.string("IndexName")?;
                c.not_null(name, &format!("{path}.indexName"));
                let mut key_schema = Vec::new();
                let keys = e.list("KeySchema")?;
                c.not_null(keys, &format!("{path}.keySchema"));
                for k in Input::elements(keys.map(Vec::as_slice).unwrap_or_default(), "KeySchemaElement")? {
                    key_schema.push((k.string("AttributeName")?.unwrap_or_default().to_string(), k.string("KeyType")?.unwrap_or_default().to_string()));
                }
                let projection = e.structure("Projection", "Projection")?;
                c.not_null(projection.as_ref(), &format!("{path}.projection"));
                let (ptype, non_key) = match &projection {
                    Some(p) => (p.string("ProjectionType")?.map(str::to_string), p.string_list("NonKeyAttributes")?.map(|l| l.into_iter().map(str::to_string).collect())),
                    None => (None, None),
                };
                let tp = match e.structure("ProvisionedThroughput", "ProvisionedThroughput")? {
                    Some(t) if kind == IndexKind::Global => Some(throughput(&t, &format!("{path}.provisionedThroughput"), &mut c)?),
                    _ => None,
                };
                out.push(IndexOverride { name: name.unwrap_or_default().to_string(), key_schema, projection: ptype, non_key, throughput: tp });
            }
            match kind {
                IndexKind::Global => o.gsis = Some(out),
                IndexKind::Local => o.lsis = Some(out),
            }
        }
        if let Some(spec) = input.structure("SSESpecificationOverride", "SSESpecification")? {
            let enabled = spec.boolean("Enabled")?.unwrap_or(false);
            let kind = spec.string("SSEType")?;
            let key = spec.string("KMSMasterKeyId")?;
            c.one_of(kind, "sSESpecificationOverride.sSEType", &["AES256", "KMS"]);
            o.sse = Some(if !enabled {
                if kind.is_some() || key.is_some() {
                    return Err(invalid("SSEType and KMSMasterKeyId can not be specified if Enabled is false"));
                }
                Sse::Owned
            } else if kind == Some("AES256") {
                return Err(invalid("SSEType AES256 is not supported"));
            } else {
                Sse::Kms(key.map(str::to_string))
            });
        }
        c.finish()?;
        Ok(o)
    }

    /// The restored table's metadata from the source's, with the overrides applied.
    fn apply(&self, cx: &Cx, region: &str, source: &TableMeta, target: &str) -> Result<TableMeta, AwsError> {
        let mut m = source.clone();
        let billing = self.billing.unwrap_or(source.billing_mode);
        let (read, write) = match (billing, self.throughput) {
            (BillingMode::PayPerRequest, Some(_)) => {
                return Err(invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"));
            }
            (BillingMode::PayPerRequest, None) => (0, 0),
            (BillingMode::Provisioned, Some(t)) => t,
            (BillingMode::Provisioned, None) if source.billing_mode == BillingMode::Provisioned => (source.read_capacity, source.write_capacity),
            (BillingMode::Provisioned, None) => {
                return Err(invalid("ProvisionedThroughputOverride must be specified when BillingModeOverride is PROVISIONED and the source table is PAY_PER_REQUEST"))
            }
        };
        let mut indexes: Vec<IndexMeta> = Vec::new();
        for kind in [IndexKind::Local, IndexKind::Global] {
            let live: Vec<&IndexMeta> = source.indexes.iter().filter(|i| i.kind == kind && i.status != IndexStatus::Deleting).collect();
            let list = if kind == IndexKind::Global { &self.gsis } else { &self.lsis };
            let chosen: Vec<(IndexMeta, Option<(i64, i64)>)> = match list {
                None => live.iter().map(|i| ((*i).clone(), None)).collect(),
                Some(list) => {
                    let mut out = Vec::new();
                    for o in list {
                        let what = if kind == IndexKind::Global { "Global" } else { "Local" };
                        let Some(i) = live.iter().find(|i| i.name == o.name) else {
                            return Err(invalid(&format!("{what} secondary index {} does not exist in the source table", o.name)));
                        };
                        let keys: Vec<(String, String)> =
                            i.key_schema.attributes().enumerate().map(|(n, a)| (a.name.clone(), if n == 0 { "HASH" } else { "RANGE" }.to_string())).collect();
                        let non_key = if i.projection == ProjectionType::Include { Some(i.non_key_attributes.clone()) } else { None };
                        if keys != o.key_schema || o.projection.as_deref() != Some(i.projection.as_str()) || (o.non_key.is_some() && o.non_key != non_key) {
                            return Err(invalid(&format!("{what} secondary index {} must have the key schema and projection it has in the source table", o.name)));
                        }
                        if out.iter().any(|(m, _): &(IndexMeta, _)| m.name == o.name) {
                            return Err(invalid(&format!("Duplicate index name: {}", o.name)));
                        }
                        out.push(((*i).clone(), o.throughput));
                    }
                    out
                }
            };
            for (mut i, tp) in chosen {
                i.status = IndexStatus::Active;
                i.pending_throughput = None;
                i.throughput_history = Default::default();
                if kind == IndexKind::Global {
                    let (r, w) = match (billing, tp) {
                        (BillingMode::PayPerRequest, Some(_)) => {
                            return Err(invalid("ProvisionedThroughput should not be specified for index when BillingMode is PAY_PER_REQUEST"))
                        }
                        (BillingMode::PayPerRequest, None) => (0, 0),
                        (BillingMode::Provisioned, Some(t)) => t,
                        (BillingMode::Provisioned, None) if source.billing_mode == BillingMode::Provisioned => (i.read_capacity, i.write_capacity),
                        (BillingMode::Provisioned, None) => (read, write),
                    };
                    i.read_capacity = r;
                    i.write_capacity = w;
                }
                indexes.push(i);
            }
        }
        // Attribute definitions: those the kept keys use.
        let mut used: Vec<&str> = source.key_schema.attributes().map(|a| a.name.as_str()).collect();
        for i in &indexes {
            used.extend(i.key_schema.attributes().map(|a| a.name.as_str()));
        }
        m.attribute_definitions.retain(|(n, _)| used.contains(&n.as_str()));
        m.indexes = indexes;
        m.name = target.to_string();
        m.arn = cx.account.arn("dynamodb", region, &format!("table/{target}"));
        m.status = TableStatus::Creating;
        m.created_ms = cx.now_ms;
        m.billing_mode = billing;
        m.read_capacity = read;
        m.write_capacity = write;
        m.last_update_to_pay_per_request_ms = (billing == BillingMode::PayPerRequest).then_some(cx.now_ms);
        m.deletion_protection = false;
        m.tags = Vec::new();
        m.throughput_history = Default::default();
        m.pending = None;
        m.stream = StreamState::default();
        m.on_demand_switches = Vec::new();
        match &self.sse {
            None => {}
            Some(Sse::Owned) => m.sse_kms_key_arn = None,
            Some(Sse::Kms(key)) => m.sse_kms_key_arn = Some(super::tables::kms_key_arn(cx, region, key.as_deref())),
        }
        Ok(m)
    }
}

fn table_in_use(name: &str) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "TableInUseException", format!("Table is being created or deleted: {name}"), 400)
}

/// TargetTableName must be free: TableAlreadyExistsException, or TableInUseException while a
/// table of that name is being created or deleted.
pub fn check_target(db: &DynamoDb, region: &str, target: &str) -> Result<(), AwsError> {
    match db.tables(region).and_then(|t| t.get(target)) {
        None => Ok(()),
        Some(t) if matches!(t.meta.status, TableStatus::Creating | TableStatus::Deleting) => Err(table_in_use(target)),
        Some(_) => Err(AwsError::new(ERROR_NAMESPACE, "TableAlreadyExistsException", format!("Table already exists: {target}"), 400)),
    }
}

/// Creates the restored table `target` holding `items` (journaled), CREATING until a timer makes
/// it ACTIVE. Returns its TableDescription.
pub fn create_restored(
    db: &mut DynamoDb,
    cx: &mut Cx,
    source: &TableMeta,
    items: Vec<(PrimaryKey, Item)>,
    target: &str,
    overrides: &Overrides,
    summary: RestoreSummary,
) -> Result<Value, AwsError> {
    let region = cx.region.to_string();
    check_target(db, &region, target)?;
    let mut meta = overrides.apply(cx, &region, source, target)?;
    meta.id = cx.rng.uuid();
    let mut table = Table::new(meta, db.keep_item_json);
    for (k, item) in items {
        cx.journal.put(item_key(&region, target, &k), codec::encode_item(&item));
        table.put(k, item);
    }
    table.pitr.state.restore = Some(summary);
    cx.journal.put_json(table_key(&region, target), &table.meta);
    cx.journal.put_json(pitr_key(&region, target), &table.pitr.state);
    cx.schedule(cx.now_ms + RESTORE_MS, json!({"action": ACTIVATE_ACTION, "table": target, "tableId": table.meta.id}));
    table.throughput.borrow_mut().mark(&table.meta, cx.now_ms);
    let description = table.description(cx.now_ms);
    db.tables_mut(&region).insert(target.to_string(), table);
    Ok(description)
}

/// The restore timer: the table turns ACTIVE and its RestoreSummary says the restore is done.
pub(crate) fn activate(table: &mut Table, cx: &mut Cx, region: &str) {
    if table.meta.status != TableStatus::Creating {
        return;
    }
    table.meta.status = TableStatus::Active;
    if let Some(r) = &mut table.pitr.state.restore {
        r.in_progress = false;
    }
    cx.journal.put_json(table_key(region, &table.meta.name), &table.meta);
    cx.journal.put_json(pitr_key(region, &table.meta.name), &table.pitr.state);
}
