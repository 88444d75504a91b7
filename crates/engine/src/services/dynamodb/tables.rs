//! CreateTable, DescribeTable, ListTables, DeleteTable.

use serde_json::{json, Value};

use super::{
    index::{IndexKind, IndexMeta, IndexStatus, ProjectionType},
    input::{reject_unimplemented, required_table_name, Constraints, Input},
    key::{KeyAttribute, KeySchema, ScalarType},
    resource_in_use, resource_not_found,
    table::{BillingMode, PendingUpdate, StreamState, Table, TableMeta, TableStatus},
    table_key, DynamoDb, TABLE_TRANSITION_MS,
};
use crate::kernel::{error::AwsError, service::Cx};

const MAX_CAPACITY: i64 = 1_000_000_000_000;

fn invalid(msg: &str) -> AwsError {
    AwsError::validation(format!("One or more parameter values were invalid: {msg}"))
}

const CREATE_TABLE_MEMBERS: &[&str] = &[
    "AttributeDefinitions",
    "TableName",
    "KeySchema",
    "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
    "SSESpecification",
    "Tags",
    "TableClass",
    "DeletionProtectionEnabled",
    "ResourcePolicy",
    "OnDemandThroughput",
    "WarmThroughput",
];

pub fn create_table(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = input.string("TableName")?;
    let defs = input.list("AttributeDefinitions")?;
    let keys = input.list("KeySchema")?;
    let billing = input.string("BillingMode")?;
    let throughput = input.structure("ProvisionedThroughput", "ProvisionedThroughput")?;
    let deletion_protection = input.boolean("DeletionProtectionEnabled")?.unwrap_or(false);
    let (read, write) = match &throughput {
        Some(t) => (t.long("ReadCapacityUnits")?, t.long("WriteCapacityUnits")?),
        None => (None, None),
    };
    let key_elems = keys.map(|k| Input::elements(k, "KeySchemaElement")).transpose()?;
    let def_elems = defs.map(|d| Input::elements(d, "AttributeDefinition")).transpose()?;

    let name = required_table_name(name)?;
    let mut c = Constraints::default();
    c.not_null(defs, "attributeDefinitions");
    c.name(Some(name), "tableName");
    c.not_null(keys, "keySchema");
    c.one_of(billing, "billingMode", &["PROVISIONED", "PAY_PER_REQUEST"]);
    if throughput.is_some() {
        c.not_null(write, "provisionedThroughput.writeCapacityUnits");
        c.min(write, "provisionedThroughput.writeCapacityUnits", 1);
        c.not_null(read, "provisionedThroughput.readCapacityUnits");
        c.min(read, "provisionedThroughput.readCapacityUnits", 1);
    }
    let mut key_attrs = Vec::new();
    if let (Some(list), Some(elems)) = (keys, &key_elems) {
        if list.is_empty() {
            c.add(Some("[]"), "keySchema", "Member must have length greater than or equal to 1");
        }
        if list.len() > 2 {
            c.add(Some(&format!("{list:?}")), "keySchema", "Member must have length less than or equal to 2");
        }
        for (i, e) in elems.iter().enumerate() {
            let n = e.string("AttributeName")?;
            let t = e.string("KeyType")?;
            c.not_null(n, &format!("keySchema.{}.member.attributeName", i + 1));
            c.not_null(t, &format!("keySchema.{}.member.keyType", i + 1));
            c.one_of(t, &format!("keySchema.{}.member.keyType", i + 1), &["HASH", "RANGE"]);
            key_attrs.push((n, t));
        }
    }
    let mut def_attrs = Vec::new();
    if let Some(elems) = &def_elems {
        for (i, e) in elems.iter().enumerate() {
            let n = e.string("AttributeName")?;
            let t = e.string("AttributeType")?;
            c.not_null(n, &format!("attributeDefinitions.{}.member.attributeName", i + 1));
            c.not_null(t, &format!("attributeDefinitions.{}.member.attributeType", i + 1));
            c.one_of(t, &format!("attributeDefinitions.{}.member.attributeType", i + 1), &["B", "N", "S"]);
            def_attrs.push((n, t));
        }
    }
    c.finish()?;
    reject_unimplemented(
        &input,
        "CreateTable",
        &[
            "AttributeDefinitions",
            "TableName",
            "KeySchema",
            "BillingMode",
            "ProvisionedThroughput",
            "DeletionProtectionEnabled",
            "Tags",
            "LocalSecondaryIndexes",
            "GlobalSecondaryIndexes",
            "StreamSpecification",
            "SSESpecification",
            "TableClass",
        ],
        CREATE_TABLE_MEMBERS,
    )?;
    let tags = match input.list("Tags")? {
        Some(list) => super::tags::parse_tags(list)?,
        None => Vec::new(),
    };
    let stream = parse_stream(&input)?;
    let sse = parse_sse(&input)?;
    let table_class = parse_table_class(&input)?;
    if let Some(s) = &stream {
        match (s.enabled, &s.view_type) {
            (true, None) => return Err(invalid("Table is being created with a stream enabled, UpdateViewType is required")),
            (false, Some(_)) => return Err(invalid("Table is being created with a stream disabled, UpdateViewType should not be specified")),
            _ => {}
        }
    }

    // Semantic checks, in the order AWS runs them.
    let billing_mode = match billing {
        Some("PAY_PER_REQUEST") => BillingMode::PayPerRequest,
        _ => BillingMode::Provisioned,
    };
    match billing_mode {
        BillingMode::PayPerRequest if throughput.is_some() => {
            return Err(invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"));
        }
        BillingMode::Provisioned if throughput.is_none() => {
            return Err(invalid("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"));
        }
        _ => {}
    }
    for (v, what) in [(read, "ReadCapacityUnits"), (write, "WriteCapacityUnits")] {
        if let Some(v) = v.filter(|v| *v > MAX_CAPACITY) {
            return Err(AwsError::validation(format!("Given value {v} for {what} is out of bounds")));
        }
    }
    // Constraints above guarantee names and types are present and valid.
    let key_attrs: Vec<(&str, &str)> = key_attrs.into_iter().map(|(n, t)| (n.unwrap_or_default(), t.unwrap_or_default())).collect();
    let def_attrs: Vec<(&str, &str)> = def_attrs.into_iter().map(|(n, t)| (n.unwrap_or_default(), t.unwrap_or_default())).collect();
    if key_attrs.len() > def_attrs.len() {
        return Err(AwsError::validation("Invalid KeySchema: Some index key attribute have no definition"));
    }
    let undefined: Vec<&str> = key_attrs.iter().map(|(n, _)| *n).filter(|n| !def_attrs.iter().any(|(d, _)| d == n)).collect();
    if !undefined.is_empty() {
        let defs: Vec<&str> = def_attrs.iter().map(|(n, _)| *n).collect();
        return Err(invalid(&format!(
            "Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
            undefined.join(", "),
            defs.join(", ")
        )));
    }
    if key_attrs.len() == 2 && key_attrs[0].0 == key_attrs[1].0 {
        return Err(AwsError::validation("Both the Hash Key and the Range Key element in the KeySchema have the same name"));
    }
    if key_attrs[0].1 != "HASH" {
        return Err(AwsError::validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type"));
    }
    if key_attrs.len() == 2 && key_attrs[1].1 != "RANGE" {
        return Err(AwsError::validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"));
    }
    let lsis = input.list("LocalSecondaryIndexes")?;
    let gsis = input.list("GlobalSecondaryIndexes")?;
    if lsis.is_none() && gsis.is_none() && def_attrs.len() != key_attrs.len() {
        return Err(invalid("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"));
    }
    let type_of = |n: &str| def_attrs.iter().find(|(d, _)| *d == n).and_then(|(_, t)| ScalarType::parse(t)).unwrap_or(ScalarType::S);
    let key_schema = KeySchema {
        hash: KeyAttribute { name: key_attrs[0].0.to_string(), kind: type_of(key_attrs[0].0) },
        range: key_attrs.get(1).map(|(n, _)| KeyAttribute { name: n.to_string(), kind: type_of(n) }),
    };
    let defined: Vec<(String, ScalarType)> = def_attrs.iter().map(|(n, t)| (n.to_string(), ScalarType::parse(t).unwrap_or(ScalarType::S))).collect();
    let mut indexes = Vec::new();
    if let Some(list) = lsis {
        indexes.extend(parse_indexes(list, IndexKind::Local, &key_schema, billing_mode, &defined, false)?);
    }
    if let Some(list) = gsis {
        indexes.extend(parse_indexes(list, IndexKind::Global, &key_schema, billing_mode, &defined, false)?);
    }
    let mut names: Vec<&str> = Vec::new();
    for i in &indexes {
        if names.contains(&i.name.as_str()) {
            return Err(invalid(&format!("Duplicate index name: {}", i.name)));
        }
        names.push(&i.name);
    }
    if !indexes.is_empty() {
        let mut used: Vec<String> = key_schema.attributes().map(|a| a.name.clone()).collect();
        for i in &indexes {
            for a in i.key_schema.attributes() {
                if !used.contains(&a.name) {
                    used.push(a.name.clone());
                }
            }
        }
        if defined.iter().any(|(d, _)| !used.contains(d)) {
            let defs: Vec<&str> = defined.iter().map(|(d, _)| d.as_str()).collect();
            return Err(invalid(&format!("Some AttributeDefinitions are not used. AttributeDefinitions: [{}], keys used: [{}]", defs.join(", "), used.join(", "))));
        }
    }

    let region = cx.region.to_string();
    if db.tables(&region).is_some_and(|t| t.contains_key(name)) {
        return Err(resource_in_use(format!("Table already exists: {name}")));
    }
    let id = cx.rng.uuid();
    let meta = TableMeta {
        name: name.to_string(),
        arn: cx.account.arn("dynamodb", &region, &format!("table/{name}")),
        id: id.clone(),
        status: TableStatus::Creating,
        created_ms: cx.now_ms,
        attribute_definitions: def_attrs.iter().map(|(n, t)| (n.to_string(), ScalarType::parse(t).unwrap_or(ScalarType::S))).collect(),
        key_schema,
        billing_mode,
        read_capacity: read.unwrap_or(0),
        write_capacity: write.unwrap_or(0),
        last_update_to_pay_per_request_ms: billing.map(|_| cx.now_ms),
        deletion_protection,
        tags,
        indexes,
        throughput_history: Default::default(),
        pending: None,
        stream: match stream {
            Some(s) if s.enabled => StreamState { enabled: true, view_type: s.view_type, latest_label: Some(stream_label(cx.now_ms)) },
            _ => StreamState::default(),
        },
        sse_kms_key_arn: match sse {
            Some(SseRequest::Kms(key)) => Some(kms_key_arn(cx, &region, key.as_deref())),
            _ => None,
        },
        table_class: table_class.map(|c| (c.to_string(), None)),
        on_demand_switches: Vec::new(),
    };
    cx.journal.put_json(table_key(&region, name), &meta);
    if meta.stream.enabled {
        db.streams.open(cx, &region, &meta);
    }
    cx.schedule(cx.now_ms + TABLE_TRANSITION_MS, json!({"action": "activate", "table": name, "tableId": id}));
    let table = Table::new(meta, db.keep_item_json);
    table.throughput.borrow_mut().mark(&table.meta, cx.now_ms);
    let description = table.description(cx.now_ms);
    db.tables_mut(&region).insert(name.to_string(), table);
    Ok(json!({ "TableDescription": description }))
}

/// DescribeTable and DeleteTable validate the name the same way.
fn checked_name(input: &Input) -> Result<String, AwsError> {
    let name = required_table_name(input.string("TableName")?)?;
    let mut c = Constraints::default();
    c.name(Some(name), "tableName");
    c.finish()?;
    Ok(name.to_string())
}

fn not_found(name: &str) -> AwsError {
    resource_not_found(format!("Requested resource not found: Table: {name} not found"))
}

pub fn describe_table(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name = checked_name(&Input::new(input)?)?;
    let table = db.tables(cx.region).and_then(|t| t.get(&name)).ok_or_else(|| not_found(&name))?;
    let mut d = table.description(cx.now_ms);
    super::global::describe_overrides(db, &name, &mut d);
    Ok(json!({ "Table": d }))
}

pub fn delete_table(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name = checked_name(&Input::new(input)?)?;
    let region = cx.region.to_string();
    let table = db.tables_mut(&region).get_mut(&name).ok_or_else(|| not_found(&name))?;
    match table.meta.status {
        TableStatus::Creating => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being created: {name}"))),
        TableStatus::Deleting => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being deleted: {name}"))),
        TableStatus::Updating => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being updated: {name}"))),
        TableStatus::Active => {}
    }
    if table.meta.deletion_protection {
        return Err(AwsError::validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."));
    }
    table.meta.status = TableStatus::Deleting;
    cx.journal.put_json(table_key(&region, &name), &table.meta);
    if table.pitr.on {
        // DynamoDB keeps a SYSTEM backup of a table deleted with PITR on, for 35 days.
        super::backups::system_backup(db, cx, &region, &name);
    }
    let table = db.tables_mut(&region).get_mut(&name).ok_or_else(|| not_found(&name))?;
    if table.meta.stream.enabled {
        // The stream outlives its table, DISABLED, for 24 hours.
        db.streams.close(cx, &region, &name);
    }
    super::global::on_delete_table(db, cx, &region, &name);
    let table = db.tables_mut(&region).get_mut(&name).ok_or_else(|| not_found(&name))?;
    let id = table.meta.id.clone();
    let description = table.description(cx.now_ms);
    cx.schedule(cx.now_ms + TABLE_TRANSITION_MS, json!({"action": "remove", "table": name, "tableId": id}));
    Ok(json!({ "TableDescription": description }))
}

pub fn list_tables(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let start = input.string("ExclusiveStartTableName")?;
    let limit = input.integer("Limit")?;
    let mut c = Constraints::default();
    c.name(start, "exclusiveStartTableName");
    c.min(limit, "limit", 1);
    c.max(limit, "limit", 100);
    c.finish()?;
    let limit = limit.unwrap_or(100) as usize;
    let names: Vec<&String> = match db.tables(cx.region) {
        Some(tables) => tables.keys().filter(|n| start.is_none_or(|s| n.as_str() > s)).collect(),
        None => Vec::new(),
    };
    let page: Vec<&String> = names.iter().take(limit).copied().collect();
    let mut out = json!({ "TableNames": page });
    if names.len() > limit {
        out["LastEvaluatedTableName"] = json!(page.last());
    }
    Ok(out)
}

/// Parses LocalSecondaryIndexes or GlobalSecondaryIndexes of CreateTable, with AWS's checks.
/// `online`: the index is added by UpdateTable to an existing table.
fn parse_indexes(list: &[Value], kind: IndexKind, table: &KeySchema, billing: BillingMode, defined: &[(String, ScalarType)], online: bool) -> Result<Vec<IndexMeta>, AwsError> {
    let (member, max) = match kind {
        IndexKind::Local => ("LocalSecondaryIndexes", 5),
        IndexKind::Global => ("GlobalSecondaryIndexes", 20),
    };
    if list.is_empty() {
        return Err(invalid(&format!("List of {member} is empty")));
    }
    if list.len() > max {
        return Err(invalid(&match kind {
            IndexKind::Local => format!("Number of LocalSecondaryIndexes exceeds per-table limit of {max}"),
            IndexKind::Global => format!("GlobalSecondaryIndex count exceeds the per-table limit of {max}"),
        }));
    }
    if kind == IndexKind::Local && table.range.is_none() {
        return Err(invalid("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"));
    }
    let path = if kind == IndexKind::Local { "localSecondaryIndexes" } else { "globalSecondaryIndexes" };
    let mut out = Vec::new();
    for (i, e) in Input::elements(list, if kind == IndexKind::Local { "LocalSecondaryIndex" } else { "GlobalSecondaryIndex" })?.iter().enumerate() {
        let name = e.string("IndexName")?;
        let keys = e.list("KeySchema")?;
        let projection = e.structure("Projection", "Projection")?;
        let mut c = Constraints::default();
        c.not_null(name, &format!("{path}.{}.member.indexName", i + 1));
        c.name(name, &format!("{path}.{}.member.indexName", i + 1));
        c.not_null(keys, &format!("{path}.{}.member.keySchema", i + 1));
        c.not_null(projection.as_ref(), &format!("{path}.{}.member.projection", i + 1));
        c.finish()?;
        let name = name.unwrap_or_default().to_string();
        let elems = Input::elements(keys.map(Vec::as_slice).unwrap_or(&[]), "KeySchemaElement")?;
        let mut attrs = Vec::new();
        for el in &elems {
            attrs.push((el.string("AttributeName")?.unwrap_or_default().to_string(), el.string("KeyType")?.unwrap_or_default().to_string()));
        }
        if attrs.is_empty() || attrs.len() > 2 || attrs[0].1 != "HASH" || attrs.get(1).is_some_and(|a| a.1 != "RANGE") {
            return Err(AwsError::validation(format!("Invalid KeySchema: The first KeySchemaElement is not a HASH key type for index: {name}")));
        }
        let undefined: Vec<&str> = attrs.iter().map(|(n, _)| n.as_str()).filter(|n| !defined.iter().any(|(d, _)| d == n)).collect();
        if !undefined.is_empty() {
            let defs: Vec<&str> = defined.iter().map(|(d, _)| d.as_str()).collect();
            return Err(invalid(&format!(
                "Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
                undefined.join(", "),
                defs.join(", ")
            )));
        }
        let type_of = |n: &str| defined.iter().find(|(d, _)| d == n).map(|(_, t)| *t).unwrap_or(ScalarType::S);
        let key_schema = KeySchema {
            hash: KeyAttribute { name: attrs[0].0.clone(), kind: type_of(&attrs[0].0) },
            range: attrs.get(1).map(|(n, _)| KeyAttribute { name: n.clone(), kind: type_of(n) }),
        };
        if kind == IndexKind::Local {
            if key_schema.range.is_none() {
                return Err(invalid(&format!("Index KeySchema does not have a range key for index: {name}")));
            }
            if key_schema.hash.name != table.hash.name {
                return Err(invalid(&format!(
                    "Index KeySchema does not have the same leading hash key as table KeySchema for index: {name}. index hash key: {}, table hash key: {}",
                    key_schema.hash.name, table.hash.name
                )));
            }
        }
        let projection = projection.ok_or_else(|| invalid("Unknown ProjectionType: null"))?;
        let ptype = match projection.string("ProjectionType")? {
            Some("ALL") => ProjectionType::All,
            Some("KEYS_ONLY") => ProjectionType::KeysOnly,
            Some("INCLUDE") => ProjectionType::Include,
            Some(other) => return Err(AwsError::validation(format!("1 validation error detected: Value '{other}' at '{path}.{}.member.projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]", i + 1))),
            None => return Err(invalid("Unknown ProjectionType: null")),
        };
        let non_key: Vec<String> = projection.list("NonKeyAttributes")?.map(|l| l.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default();
        if !non_key.is_empty() && ptype != ProjectionType::Include {
            return Err(invalid(&format!("ProjectionType is {}, but NonKeyAttributes is specified", ptype.as_str())));
        }
        let throughput = e.structure("ProvisionedThroughput", "ProvisionedThroughput")?;
        let (mut read, mut write) = (0, 0);
        if kind == IndexKind::Global {
            match (billing, &throughput) {
                (BillingMode::PayPerRequest, Some(_)) => {
                    return Err(invalid(&format!("ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST")));
                }
                (BillingMode::Provisioned, None) => {
                    // CreateTable and UpdateTable word this one differently.
                    let verb = if online { "must be" } else { "is not" };
                    return Err(invalid(&format!("ProvisionedThroughput {verb} specified for index: {name}")));
                }
                (_, Some(t)) => {
                    read = t.long("ReadCapacityUnits")?.unwrap_or(0);
                    write = t.long("WriteCapacityUnits")?.unwrap_or(0);
                    if read < 1 || write < 1 {
                        return Err(AwsError::validation(format!("1 validation error detected: Value '{}' at '{path}.{}.member.provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1", read.min(write), i + 1)));
                    }
                }
                _ => {}
            }
        } else if throughput.is_some() {
            return Err(invalid("ProvisionedThroughput is not allowed for a LocalSecondaryIndex"));
        }
        out.push(IndexMeta {
            name,
            kind,
            key_schema,
            projection: ptype,
            non_key_attributes: non_key,
            read_capacity: read,
            write_capacity: write,
            status: IndexStatus::Active,
            pending_throughput: None,
            throughput_history: Default::default(),
        });
    }
    Ok(out)
}

/// The rolling window of the limit on switches to PAY_PER_REQUEST.
pub const ON_DEMAND_SWITCH_WINDOW_MS: i64 = 86_400_000;

/// Virtual time a new GSI spends backfilling: a base, plus a millisecond per item in the table.
pub const GSI_BACKFILL_BASE_MS: i64 = 5_000;

const UPDATE_TABLE_MEMBERS: &[&str] = &[
    "AttributeDefinitions",
    "TableName",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexUpdates",
    "StreamSpecification",
    "SSESpecification",
    "ReplicaUpdates",
    "TableClass",
    "DeletionProtectionEnabled",
    "MultiRegionConsistency",
    "GlobalTableWitnessUpdates",
    "OnDemandThroughput",
    "WarmThroughput",
];

struct StreamRequest {
    enabled: bool,
    view_type: Option<String>,
}

fn parse_stream(input: &Input) -> Result<Option<StreamRequest>, AwsError> {
    let Some(spec) = input.structure("StreamSpecification", "StreamSpecification")? else { return Ok(None) };
    let enabled = spec.boolean("StreamEnabled")?;
    let view = spec.string("StreamViewType")?;
    let mut c = Constraints::default();
    c.not_null(enabled, "streamSpecification.streamEnabled");
    c.one_of(view, "streamSpecification.streamViewType", &["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"]);
    c.finish()?;
    Ok(Some(StreamRequest { enabled: enabled.unwrap_or(false), view_type: view.map(str::to_string) }))
}

/// A stream's label: the time it was created, as AWS formats it (no zone suffix).
fn stream_label(now_ms: i64) -> String {
    crate::kernel::time::iso8601(now_ms).trim_end_matches('Z').to_string()
}

enum SseRequest {
    /// Enabled false (or absent): the AWS owned key, which DescribeTable does not show.
    Owned,
    /// Enabled true: a KMS key, the AWS managed `alias/aws/dynamodb` when none is named.
    Kms(Option<String>),
}

fn parse_sse(input: &Input) -> Result<Option<SseRequest>, AwsError> {
    let Some(spec) = input.structure("SSESpecification", "SSESpecification")? else { return Ok(None) };
    let enabled = spec.boolean("Enabled")?.unwrap_or(false);
    let kind = spec.string("SSEType")?;
    let key = spec.string("KMSMasterKeyId")?;
    let mut c = Constraints::default();
    c.one_of(kind, "sSESpecification.sSEType", &["AES256", "KMS"]);
    c.finish()?;
    if !enabled {
        if kind.is_some() {
            return Err(invalid("SSEType can not be specified if Enabled is false"));
        }
        if key.is_some() {
            return Err(invalid("KMSMasterKeyId can not be specified if Enabled is false"));
        }
        return Ok(Some(SseRequest::Owned));
    }
    if kind == Some("AES256") {
        return Err(invalid("SSEType AES256 is not supported"));
    }
    Ok(Some(SseRequest::Kms(key.map(str::to_string))))
}

/// The ARN DynamoDB describes for a KMS key id, key ARN or alias. There is no KMS in the sandbox
/// yet, so the AWS managed key's id is derived from the region (stable, like the real one).
pub(crate) fn kms_key_arn(cx: &Cx, region: &str, key: Option<&str>) -> String {
    match key {
        Some(k) if k.starts_with("arn:") => k.to_string(),
        Some(k) if k.starts_with("alias/") => cx.account.arn("kms", region, k),
        Some(k) => cx.account.arn("kms", region, &format!("key/{k}")),
        None => {
            let h = crc32fast::hash(format!("alias/aws/dynamodb {region}").as_bytes());
            let g = crc32fast::hash(format!("{region} aws/dynamodb").as_bytes());
            let id = format!("{h:08x}-{:04x}-4{:03x}-8{:03x}-{g:08x}{:04x}", h >> 16, h & 0xfff, g & 0xfff, g >> 16);
            cx.account.arn("kms", region, &format!("key/{id}"))
        }
    }
}

fn parse_table_class(input: &Input) -> Result<Option<&'static str>, AwsError> {
    match input.string("TableClass")? {
        None => Ok(None),
        Some("STANDARD") => Ok(Some("STANDARD")),
        Some("STANDARD_INFREQUENT_ACCESS") => Ok(Some("STANDARD_INFREQUENT_ACCESS")),
        Some(_) => Err(AwsError::validation("Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS].")),
    }
}

enum GsiAction<'a> {
    Create(Input<'a>, &'a Value),
    Update(String, i64, i64),
    Delete(String),
}

fn limit_exceeded(message: &str) -> AwsError {
    AwsError::new(super::ERROR_NAMESPACE, "LimitExceededException", message, 400)
}

/// UpdateTable: throughput and billing mode, GSIs (create with backfill, update, delete),
/// streams, encryption, table class and deletion protection, with AWS's rules on what may be
/// combined. Changes that take time leave the table (or index) UPDATING on the virtual clock.
///
/// On a global table the settings AWS keeps the same in every replica (billing mode, write
/// capacity, GSIs) are applied to each replica too: see [`super::global::synchronized`].
pub fn update_table(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    if input.get("ReplicaUpdates").is_some_and(|v| !v.is_null()) {
        return super::global::update_replicas(db, cx, input);
    }
    let replicas = super::global::synchronized(db, cx, input)?;
    let out = update_one(db, cx, input)?;
    super::global::apply_synchronized(db, cx, replicas)?;
    Ok(out)
}

/// UpdateTable of the table in `cx.region` alone.
pub(crate) fn update_one(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = required_table_name(input.string("TableName")?)?.to_string();
    let billing = input.string("BillingMode")?;
    let throughput = input.structure("ProvisionedThroughput", "ProvisionedThroughput")?;
    let (read, write) = match &throughput {
        Some(t) => (t.long("ReadCapacityUnits")?, t.long("WriteCapacityUnits")?),
        None => (None, None),
    };
    let gsi_updates = input.list("GlobalSecondaryIndexUpdates")?;
    let deletion_protection = input.boolean("DeletionProtectionEnabled")?;
    let defs = input.list("AttributeDefinitions")?;
    let mut c = Constraints::default();
    c.name(Some(&name), "tableName");
    c.one_of(billing, "billingMode", &["PROVISIONED", "PAY_PER_REQUEST"]);
    if throughput.is_some() {
        c.not_null(write, "provisionedThroughput.writeCapacityUnits");
        c.min(write, "provisionedThroughput.writeCapacityUnits", 1);
        c.not_null(read, "provisionedThroughput.readCapacityUnits");
        c.min(read, "provisionedThroughput.readCapacityUnits", 1);
    }
    // Each GlobalSecondaryIndexUpdate: exactly one action.
    let elems = gsi_updates.map(|l| Input::elements(l, "GlobalSecondaryIndexUpdate")).transpose()?.unwrap_or_default();
    let mut actions = Vec::new();
    let mut missing_action = false;
    for (i, e) in elems.iter().enumerate() {
        let path = format!("globalSecondaryIndexUpdates.{}.member", i + 1);
        let update = e.structure("Update", "UpdateGlobalSecondaryIndexAction")?;
        let create = e.structure("Create", "CreateGlobalSecondaryIndexAction")?;
        let delete = e.structure("Delete", "DeleteGlobalSecondaryIndexAction")?;
        let count = [update.is_some(), create.is_some(), delete.is_some()].iter().filter(|b| **b).count();
        if count > 1 {
            return Err(invalid("Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object"));
        }
        if let Some(u) = update {
            let index = u.string("IndexName")?;
            let pt = u.structure("ProvisionedThroughput", "ProvisionedThroughput")?;
            c.not_null(index, &format!("{path}.update.indexName"));
            c.name(index, &format!("{path}.update.indexName"));
            c.not_null(pt.as_ref(), &format!("{path}.update.provisionedThroughput"));
            let (r, w) = match &pt {
                Some(t) => (t.long("ReadCapacityUnits")?, t.long("WriteCapacityUnits")?),
                None => (None, None),
            };
            if pt.is_some() {
                c.not_null(w, &format!("{path}.update.provisionedThroughput.writeCapacityUnits"));
                c.min(w, &format!("{path}.update.provisionedThroughput.writeCapacityUnits"), 1);
                c.not_null(r, &format!("{path}.update.provisionedThroughput.readCapacityUnits"));
                c.min(r, &format!("{path}.update.provisionedThroughput.readCapacityUnits"), 1);
            }
            actions.push(GsiAction::Update(index.unwrap_or_default().to_string(), r.unwrap_or(0), w.unwrap_or(0)));
        } else if let (Some(cr), Some(raw)) = (create, e.raw("Create")) {
            actions.push(GsiAction::Create(cr, raw));
        } else if let Some(d) = delete {
            let index = d.string("IndexName")?;
            c.not_null(index, &format!("{path}.delete.indexName"));
            c.name(index, &format!("{path}.delete.indexName"));
            actions.push(GsiAction::Delete(index.unwrap_or_default().to_string()));
        } else {
            missing_action = true;
        }
    }
    c.finish()?;
    if missing_action {
        return Err(invalid("One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"));
    }
    reject_unimplemented(
        &input,
        "UpdateTable",
        &[
            "AttributeDefinitions",
            "TableName",
            "BillingMode",
            "ProvisionedThroughput",
            "GlobalSecondaryIndexUpdates",
            "StreamSpecification",
            "SSESpecification",
            "TableClass",
            "DeletionProtectionEnabled",
        ],
        UPDATE_TABLE_MEMBERS,
    )?;
    let stream = parse_stream(&input)?;
    let sse = parse_sse(&input)?;
    let table_class = parse_table_class(&input)?;
    if throughput.is_none() && billing.is_none() && stream.is_none() && actions.is_empty() && sse.is_none() && deletion_protection.is_none() && table_class.is_none() {
        return Err(AwsError::validation(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required",
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    for a in &actions {
        let index = match a {
            GsiAction::Update(n, ..) | GsiAction::Delete(n) => n.clone(),
            GsiAction::Create(cr, _) => cr.string("IndexName")?.unwrap_or_default().to_string(),
        };
        if seen.contains(&index) {
            return Err(invalid(&format!("Only one global secondary index update per index is allowed simultaneously. Index: {index}")));
        }
        seen.push(index);
    }
    let online = actions.iter().filter(|a| !matches!(a, GsiAction::Update(..))).count();
    if online > 1 {
        return Err(limit_exceeded("Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"));
    }

    let region = cx.region.to_string();
    let table = db.tables(&region).and_then(|t| t.get(&name)).ok_or_else(|| not_found(&name))?;
    match table.meta.status {
        TableStatus::Creating => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being created: {name}"))),
        TableStatus::Updating => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being updated: {name}"))),
        TableStatus::Deleting => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being deleted: {name}"))),
        TableStatus::Active => {}
    }
    let meta = &table.meta;

    // What may be combined, as AWS rules.
    let index_online = online > 0;
    let others = throughput.is_some() || billing.is_some() || stream.is_some() || !actions.is_empty() || deletion_protection.is_some();
    if sse.is_some() && (others || table_class.is_some()) {
        return Err(invalid("Server-Side Encryption modification must be the only operation in the request"));
    }
    if table_class.is_some() && others {
        return Err(invalid("TableClass modification must be the only operation in the request"));
    }
    if index_online {
        if throughput.is_some() {
            return Err(invalid("You cannot create or delete index while updating table IOPS"));
        }
        if stream.is_some() {
            return Err(invalid("You cannot create or delete index while changing stream status"));
        }
        if deletion_protection.is_some() {
            return Err(invalid("DeletionProtection modification must be the only operation in the request"));
        }
    }
    if throughput.is_some() && stream.is_some() {
        return Err(invalid("You cannot modify stream status while updating table IOPS"));
    }

    // Billing mode and table throughput.
    let target_billing = match billing {
        Some("PAY_PER_REQUEST") => BillingMode::PayPerRequest,
        Some(_) => BillingMode::Provisioned,
        None => meta.billing_mode,
    };
    if target_billing == BillingMode::PayPerRequest && throughput.is_some() {
        return Err(invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"));
    }
    let switching = target_billing != meta.billing_mode;
    if target_billing == BillingMode::Provisioned && switching && throughput.is_none() {
        return Err(invalid("ProvisionedThroughput must be specified when BillingMode is PROVISIONED"));
    }
    for (v, what) in [(read, "ReadCapacityUnits"), (write, "WriteCapacityUnits")] {
        if let Some(v) = v.filter(|v| *v > MAX_CAPACITY) {
            return Err(AwsError::validation(format!("Given value {v} for {what} is out of bounds")));
        }
    }
    let (r, w) = (read.unwrap_or(0), write.unwrap_or(0));
    if throughput.is_some() && !switching && r == meta.read_capacity && w == meta.write_capacity && actions.is_empty() {
        return Err(AwsError::validation(format!(
            "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: {}. Requested ReadCapacityUnits: {r}. Current WriteCapacityUnits provisioned for the table: {}. Requested WriteCapacityUnits: {w}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
            meta.read_capacity, meta.write_capacity
        )));
    }

    if throughput.is_some() && !switching && (r < meta.read_capacity || w < meta.write_capacity) {
        meta.throughput_history.check_decrease(cx.now_ms)?;
    }
    // Provisioned to on-demand: at most four times in a rolling 24 hours (back: any time).
    if switching && target_billing == BillingMode::PayPerRequest && meta.on_demand_switches.iter().filter(|t| cx.now_ms - **t < ON_DEMAND_SWITCH_WINDOW_MS).count() >= 4 {
        return Err(limit_exceeded("Subscriber limit exceeded: Update to PayPerRequest mode are limited to 4 times in 1 day(s)."));
    }

    // GSI actions, checked against the table.
    let mut created: Option<IndexMeta> = None;
    let mut new_defs: Vec<(String, ScalarType)> = Vec::new();
    for a in &actions {
        match a {
            GsiAction::Update(index, ir, iw) => {
                let existing = meta.indexes.iter().find(|i| &i.name == index && i.status != IndexStatus::Deleting);
                let Some(existing) = existing else {
                    return Err(resource_not_found(format!("Requested resource not found: Index: {index} not found for table: {name}")));
                };
                if existing.kind == IndexKind::Local {
                    return Err(AwsError::validation(format!("Cannot update an index that is not a GlobalSecondaryIndex: {index}")));
                }
                if target_billing == BillingMode::PayPerRequest {
                    return Err(invalid(&format!("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: {index} when BillingMode is PAY_PER_REQUEST")));
                }
                for (v, what) in [(*ir, "ReadCapacityUnits"), (*iw, "WriteCapacityUnits")] {
                    if v > MAX_CAPACITY {
                        return Err(AwsError::validation(format!("Given value {v} for {what} is out of bounds")));
                    }
                }
                if !switching && (*ir < existing.read_capacity || *iw < existing.write_capacity) {
                    existing.throughput_history.check_decrease(cx.now_ms)?;
                }
                if !switching && *ir == existing.read_capacity && *iw == existing.write_capacity {
                    return Err(AwsError::validation(format!(
                        "The provisioned throughput for the index {index} will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the index: {}. Requested ReadCapacityUnits: {ir}. Current WriteCapacityUnits provisioned for the index: {}. Requested WriteCapacityUnits: {iw}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
                        existing.read_capacity, existing.write_capacity
                    )));
                }
            }
            GsiAction::Delete(index) => match meta.indexes.iter().find(|i| &i.name == index && i.status != IndexStatus::Deleting) {
                None => return Err(resource_not_found(format!("Requested resource not found: Index: {index} not found for table: {name}"))),
                Some(i) if i.kind == IndexKind::Local => {
                    return Err(AwsError::validation(format!("Cannot delete an index that is not a GlobalSecondaryIndex: {index}")));
                }
                Some(_) => {}
            },
            GsiAction::Create(cr, raw) => {
                let index = cr.string("IndexName")?.unwrap_or_default().to_string();
                if meta.indexes.iter().any(|i| i.name == index) {
                    return Err(AwsError::validation("Attempting to create an index which already exists"));
                }
                if meta.indexes.iter().filter(|i| i.kind == IndexKind::Global).count() >= 20 {
                    return Err(limit_exceeded("GlobalSecondaryIndex count exceeds the per-table limit of 20"));
                }
                let Some(def_list) = defs else {
                    return Err(invalid(&format!("AttributeDefinitions is not specified for index: {index}")));
                };
                let mut defined = meta.attribute_definitions.clone();
                for (i, e) in Input::elements(def_list, "AttributeDefinition")?.iter().enumerate() {
                    let n = e.string("AttributeName")?;
                    let t = e.string("AttributeType")?;
                    let mut c = Constraints::default();
                    c.not_null(n, &format!("attributeDefinitions.{}.member.attributeName", i + 1));
                    c.not_null(t, &format!("attributeDefinitions.{}.member.attributeType", i + 1));
                    c.one_of(t, &format!("attributeDefinitions.{}.member.attributeType", i + 1), &["B", "N", "S"]);
                    c.finish()?;
                    let (n, t) = (n.unwrap_or_default(), ScalarType::parse(t.unwrap_or_default()).unwrap_or(ScalarType::S));
                    match defined.iter().find(|(d, _)| d == n) {
                        Some((_, existing)) if *existing != t => {
                            return Err(invalid(&format!("Cannot change the type of an existing attribute: {n} is {} and cannot become {}", existing.as_str(), t.as_str())));
                        }
                        Some(_) => {}
                        None => defined.push((n.to_string(), t)),
                    }
                }
                // Reuse CreateTable's index rules on the one new index.
                let mut parsed = parse_indexes(std::slice::from_ref(raw), IndexKind::Global, &meta.key_schema, target_billing, &defined, true)?;
                let mut gsi = parsed.remove(0);
                gsi.status = IndexStatus::Creating;
                for a in gsi.key_schema.attributes() {
                    if !meta.attribute_definitions.iter().any(|(d, _)| d == &a.name) && !new_defs.iter().any(|(d, _)| d == &a.name) {
                        new_defs.push((a.name.clone(), a.kind));
                    }
                }
                created = Some(gsi);
            }
        }
    }
    if index_online && meta.indexes.iter().any(|i| matches!(i.status, IndexStatus::Creating | IndexStatus::Deleting)) {
        return Err(limit_exceeded("Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"));
    }
    if switching && target_billing == BillingMode::Provisioned {
        let missing: Vec<&str> = meta
            .indexes
            .iter()
            .filter(|i| i.kind == IndexKind::Global && i.status != IndexStatus::Deleting)
            .filter(|i| !actions.iter().any(|a| matches!(a, GsiAction::Update(n, ..) if n == &i.name)))
            .map(|i| i.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(invalid(&format!("ProvisionedThroughput must be specified for index: {}", missing.join(","))));
        }
    }
    if let Some(s) = &stream {
        match (s.enabled, &s.view_type, meta.stream.enabled) {
            (true, None, _) => return Err(invalid("If stream is being enabled then UpdateViewType is required")),
            (false, Some(_), _) => return Err(invalid("If stream is being disabled, then UpdateViewType must not be specified")),
            (true, _, true) => return Err(AwsError::validation(format!("Table already has an enabled stream: TableName: {name}"))),
            (false, _, false) => return Err(AwsError::validation(format!("Table has no stream to disable: TableName: {name}"))),
            _ => {}
        }
    }
    let sse_arn = match &sse {
        Some(SseRequest::Owned) if meta.sse_kms_key_arn.is_none() => return Err(invalid("Table is already encrypted by default")),
        Some(SseRequest::Owned) => Some(None),
        Some(SseRequest::Kms(key)) => {
            let arn = kms_key_arn(cx, &region, key.as_deref());
            if meta.sse_kms_key_arn.as_deref() == Some(arn.as_str()) {
                return Err(invalid("Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key"));
            }
            Some(Some(arn))
        }
        None => None,
    };

    // Everything checked: apply.
    let now = cx.now_ms;
    let item_count = table.items.len() as i64;
    let (table, streams) = db.table_for_write(&region, &name)?;
    let id = table.meta.id.clone();
    let mut transition = false;
    if let Some(p) = deletion_protection {
        table.meta.deletion_protection = p;
    }
    if let Some(class) = table_class {
        table.meta.table_class = Some((class.to_string(), Some(now)));
        transition = true;
    }
    if let Some(arn) = sse_arn {
        table.meta.sse_kms_key_arn = arn;
        transition = true;
    }
    if let Some(s) = stream {
        table.meta.stream = if s.enabled {
            StreamState { enabled: true, view_type: s.view_type, latest_label: Some(stream_label(now)) }
        } else {
            StreamState { enabled: false, view_type: None, latest_label: table.meta.stream.latest_label.clone() }
        };
        if table.meta.stream.enabled {
            streams.open(cx, &region, &table.meta);
        } else {
            streams.close(cx, &region, &name);
        }
        transition = true;
    }
    if switching {
        // A billing switch shows at once; the table is UPDATING while it takes effect.
        let old = (table.meta.read_capacity, table.meta.write_capacity);
        table.meta.billing_mode = target_billing;
        if target_billing == BillingMode::PayPerRequest {
            table.meta.on_demand_switches.retain(|t| now - *t < ON_DEMAND_SWITCH_WINDOW_MS);
            table.meta.on_demand_switches.push(now);
            table.meta.last_update_to_pay_per_request_ms = Some(now);
            table.meta.read_capacity = 0;
            table.meta.write_capacity = 0;
            for i in table.meta.indexes.iter_mut().filter(|i| i.kind == IndexKind::Global) {
                i.throughput_history.record(now, (i.read_capacity, i.write_capacity), (0, 0));
                i.read_capacity = 0;
                i.write_capacity = 0;
                if i.status == IndexStatus::Active {
                    i.status = IndexStatus::Updating;
                }
            }
        } else {
            table.meta.read_capacity = r;
            table.meta.write_capacity = w;
            if table.meta.last_update_to_pay_per_request_ms.is_none() {
                table.meta.last_update_to_pay_per_request_ms = Some(now);
            }
        }
        table.meta.throughput_history.record(now, old, (table.meta.read_capacity, table.meta.write_capacity));
        transition = true;
    } else if throughput.is_some() {
        // A throughput change takes effect when the table is ACTIVE again.
        table.meta.pending = Some(PendingUpdate { billing_mode: target_billing, read_capacity: r, write_capacity: w });
        transition = true;
    }
    for a in &actions {
        match a {
            GsiAction::Update(index, ir, iw) => {
                if let Some(i) = table.meta.indexes.iter_mut().find(|i| &i.name == index) {
                    if switching {
                        i.throughput_history.record(now, (i.read_capacity, i.write_capacity), (*ir, *iw));
                        i.read_capacity = *ir;
                        i.write_capacity = *iw;
                    } else {
                        i.pending_throughput = Some((*ir, *iw));
                    }
                    if i.status == IndexStatus::Active {
                        i.status = IndexStatus::Updating;
                    }
                }
                transition = true;
            }
            GsiAction::Delete(index) => {
                if let Some(i) = table.meta.indexes.iter_mut().find(|i| &i.name == index) {
                    i.status = IndexStatus::Deleting;
                }
                table.drop_index_entries(index);
                cx.schedule(now + TABLE_TRANSITION_MS, json!({"action": "index-remove", "table": name, "tableId": id, "index": index}));
                transition = true;
            }
            GsiAction::Create(..) => {}
        }
    }
    if let Some(gsi) = created {
        let index = gsi.name.clone();
        table.meta.attribute_definitions.extend(new_defs);
        table.meta.indexes.push(gsi);
        table.build_index(&index);
        cx.schedule(now + GSI_BACKFILL_BASE_MS + item_count, json!({"action": "index-active", "table": name, "tableId": id, "index": index}));
        transition = true;
    }
    if switching {
        table.throughput.borrow_mut().mark(&table.meta, now);
    }
    if transition {
        table.meta.status = TableStatus::Updating;
        cx.schedule(now + TABLE_TRANSITION_MS, json!({"action": "finish-update", "table": name, "tableId": id}));
    }
    cx.journal.put_json(table_key(&region, &name), &table.meta);
    Ok(json!({ "TableDescription": table.description(now) }))
}

/// Completes what UpdateTable started, when its timer fires.
pub(crate) fn finish_update(table: &mut Table, now_ms: i64, action: &str, index: Option<&str>) -> bool {
    let m = &mut table.meta;
    match action {
        "finish-update" if m.status == TableStatus::Updating => {
            if let Some(p) = m.pending.take() {
                m.throughput_history.record(now_ms, (m.read_capacity, m.write_capacity), (p.read_capacity, p.write_capacity));
                m.billing_mode = p.billing_mode;
                m.read_capacity = p.read_capacity;
                m.write_capacity = p.write_capacity;
            }
            for i in m.indexes.iter_mut() {
                if let Some((r, w)) = i.pending_throughput.take() {
                    i.throughput_history.record(now_ms, (i.read_capacity, i.write_capacity), (r, w));
                    i.read_capacity = r;
                    i.write_capacity = w;
                }
                if i.status == IndexStatus::Updating {
                    i.status = IndexStatus::Active;
                }
            }
            m.status = TableStatus::Active;
            table.throughput.borrow_mut().mark(&table.meta, now_ms);
            true
        }
        "index-active" => match m.indexes.iter_mut().find(|i| Some(i.name.as_str()) == index && i.status == IndexStatus::Creating) {
            Some(i) => {
                i.status = IndexStatus::Active;
                true
            }
            None => false,
        },
        "index-remove" => {
            let before = m.indexes.len();
            m.indexes.retain(|i| !(Some(i.name.as_str()) == index && i.status == IndexStatus::Deleting));
            before != m.indexes.len()
        }
        _ => false,
    }
}
