//! CreateTable, DescribeTable, ListTables, DeleteTable.

use serde_json::{json, Value};

use super::{
    index::{IndexKind, IndexMeta, ProjectionType},
    input::{reject_unimplemented, required_table_name, Constraints, Input},
    key::{KeyAttribute, KeySchema, ScalarType},
    resource_in_use, resource_not_found,
    table::{BillingMode, Table, TableMeta, TableStatus},
    table_key, DynamoDb, TABLE_TRANSITION_MS,
};
use crate::kernel::{error::AwsError, service::Cx};

const MAX_CAPACITY: i64 = 1_000_000_000_000;

fn invalid(msg: &str) -> AwsError {
    AwsError::validation(format!("One or more parameter values were invalid: {msg}"))
}

const CREATE_TABLE_MEMBERS: &[&str] = &[
    "AttributeDefinitions", "TableName", "KeySchema", "LocalSecondaryIndexes", "GlobalSecondaryIndexes", "BillingMode",
    "ProvisionedThroughput", "StreamSpecification", "SSESpecification", "Tags", "TableClass", "DeletionProtectionEnabled",
    "ResourcePolicy", "OnDemandThroughput", "WarmThroughput",
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
        &["AttributeDefinitions", "TableName", "KeySchema", "BillingMode", "ProvisionedThroughput", "DeletionProtectionEnabled", "Tags", "LocalSecondaryIndexes", "GlobalSecondaryIndexes"],
        CREATE_TABLE_MEMBERS,
    )?;
    let tags = match input.list("Tags")? {
        Some(list) => super::tags::parse_tags(list)?,
        None => Vec::new(),
    };

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
        indexes.extend(parse_indexes(list, IndexKind::Local, &key_schema, billing_mode, &defined)?);
    }
    if let Some(list) = gsis {
        indexes.extend(parse_indexes(list, IndexKind::Global, &key_schema, billing_mode, &defined)?);
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
    };
    cx.journal.put_json(table_key(&region, name), &meta);
    cx.schedule(cx.now_ms + TABLE_TRANSITION_MS, json!({"action": "activate", "table": name, "tableId": id}));
    let table = Table::new(meta);
    let description = table.description();
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
    Ok(json!({ "Table": table.description() }))
}

pub fn delete_table(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name = checked_name(&Input::new(input)?)?;
    let region = cx.region.to_string();
    let table = db.tables_mut(&region).get_mut(&name).ok_or_else(|| not_found(&name))?;
    match table.meta.status {
        TableStatus::Creating => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being created: {name}"))),
        TableStatus::Deleting => return Err(resource_in_use(format!("Attempt to change a resource which is still in use: Table is being deleted: {name}"))),
        TableStatus::Active => {}
    }
    if table.meta.deletion_protection {
        return Err(AwsError::validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."));
    }
    table.meta.status = TableStatus::Deleting;
    cx.journal.put_json(table_key(&region, &name), &table.meta);
    let id = table.meta.id.clone();
    let description = table.description();
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
fn parse_indexes(list: &[Value], kind: IndexKind, table: &KeySchema, billing: BillingMode, defined: &[(String, ScalarType)]) -> Result<Vec<IndexMeta>, AwsError> {
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
            return Err(invalid(&format!("Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]", undefined.join(", "), defs.join(", "))));
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
                (BillingMode::Provisioned, None) => return Err(invalid(&format!("ProvisionedThroughput must be specified for index: {name}"))),
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
        out.push(IndexMeta { name, kind, key_schema, projection: ptype, non_key_attributes: non_key, read_capacity: read, write_capacity: write });
    }
    Ok(out)
}
