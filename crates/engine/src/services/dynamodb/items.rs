//! PutItem, GetItem, DeleteItem.

use serde_json::{json, Value};

use super::{
    capacity::{self, ReturnConsumedCapacity},
    codec,
    expr::{eval, update, Cond, Kind},
    input::{reject_unimplemented, Constraints, Input},
    item_key,
    requests::Expressions,
    value::{item_from_json, item_size, item_to_json, Item, MAX_ITEM_BYTES},
    DynamoDb, ERROR_NAMESPACE,
};
use crate::kernel::{error::AwsError, service::Cx};

const PUT_ITEM_MEMBERS: &[&str] = &[
    "TableName", "Item", "Expected", "ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics", "ConditionalOperator",
    "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure",
];
const GET_ITEM_MEMBERS: &[&str] = &[
    "TableName", "Key", "AttributesToGet", "ConsistentRead", "ReturnConsumedCapacity", "ProjectionExpression", "ExpressionAttributeNames",
];
const DELETE_ITEM_MEMBERS: &[&str] = &[
    "TableName", "Key", "Expected", "ConditionalOperator", "ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics",
    "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure",
];

const WRITE_IMPLEMENTED_PUT: &[&str] = &[
    "TableName", "Item", "ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics", "ConditionExpression",
    "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure",
];
const WRITE_IMPLEMENTED_DELETE: &[&str] = &[
    "TableName", "Key", "ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics", "ConditionExpression",
    "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure",
];

const RETURN_VALUES: &[&str] = &["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"];

/// The members every write shares: table name, return options.
struct WriteArgs<'a> {
    table: &'a str,
    return_values: Option<&'a str>,
    consumed: ReturnConsumedCapacity,
    on_condition_failure: Option<&'a str>,
}

/// Checks a write's condition against the item as it is now (empty when absent).
pub(crate) fn check_condition(cond: Option<&Cond>, current: Option<&Item>, on_failure: Option<&str>) -> Result<(), AwsError> {
    let Some(cond) = cond else { return Ok(()) };
    let empty = Item::new();
    if eval::matches(current.unwrap_or(&empty), cond) {
        return Ok(());
    }
    let err = AwsError::new(ERROR_NAMESPACE, "ConditionalCheckFailedException", "The conditional request failed", 400);
    Err(match (on_failure, current) {
        (Some("ALL_OLD"), Some(item)) => err.with("Item", item_to_json(item)),
        _ => err,
    })
}

fn write_args<'a>(input: &Input<'a>, map_member: &str, map_path: &str) -> Result<(WriteArgs<'a>, Option<&'a Value>), AwsError> {
    let table = input.string("TableName")?;
    let map = input.attribute_map(map_member)?;
    let return_values = input.string("ReturnValues")?;
    let rcc = input.string("ReturnConsumedCapacity")?;
    let ricm = input.string("ReturnItemCollectionMetrics")?;
    let on_failure = input.string("ReturnValuesOnConditionCheckFailure")?;
    let mut c = Constraints::default();
    c.name(table, "tableName");
    c.not_null(table, "tableName");
    c.not_null(map, map_path);
    c.one_of(rcc, "returnConsumedCapacity", capacity::ENUM);
    c.one_of(return_values, "returnValues", RETURN_VALUES);
    c.one_of(ricm, "returnItemCollectionMetrics", &["SIZE", "NONE"]);
    c.one_of(on_failure, "returnValuesOnConditionCheckFailure", &["ALL_OLD", "NONE"]);
    c.finish()?;
    Ok((WriteArgs { table: table.unwrap_or_default(), return_values, consumed: ReturnConsumedCapacity::parse(rcc), on_condition_failure: on_failure }, map))
}

pub fn put_item(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let (args, item) = write_args(&input, "Item", "item")?;
    reject_unimplemented(&input, "PutItem", WRITE_IMPLEMENTED_PUT, PUT_ITEM_MEMBERS)?;
    let item = item_from_json(item.unwrap_or(&Value::Null))?;
    let exprs = Expressions::parse(&input, &[Kind::Condition])?;
    if !matches!(args.return_values, None | Some("NONE") | Some("ALL_OLD")) {
        return Err(AwsError::validation("ReturnValues can only be ALL_OLD or NONE"));
    }
    let size = item_size(&item);
    if size > MAX_ITEM_BYTES {
        return Err(AwsError::validation("Item size has exceeded the maximum allowed size"));
    }
    let region = cx.region.to_string();
    let table = db.active_table_mut(&region, args.table)?;
    let key = table.meta.key_schema.key_of_item(&item)?;
    table.check_index_keys(&item)?;
    check_condition(exprs.condition.as_ref(), table.items.get(&key), args.on_condition_failure)?;
    let record = item_key(&region, args.table, &key);
    cx.journal.put(record, codec::encode_item(&item));
    let old = table.put(key, item);
    let old_size = old.as_ref().map(item_size).unwrap_or(0);
    let mut out = json!({});
    if args.return_values == Some("ALL_OLD") {
        if let Some(old) = &old {
            out["Attributes"] = item_to_json(old);
        }
    }
    capacity::attach(&mut out, args.consumed, args.table, capacity::write_units(size.max(old_size)));
    Ok(out)
}

pub fn get_item(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let table_name = input.string("TableName")?;
    let key = input.attribute_map("Key")?;
    let consistent = input.boolean("ConsistentRead")?.unwrap_or(false);
    let rcc = input.string("ReturnConsumedCapacity")?;
    let mut c = Constraints::default();
    c.not_null(key, "key");
    c.name(table_name, "tableName");
    c.not_null(table_name, "tableName");
    c.one_of(rcc, "returnConsumedCapacity", capacity::ENUM);
    c.finish()?;
    reject_unimplemented(&input, "GetItem", &["TableName", "Key", "ConsistentRead", "ReturnConsumedCapacity", "ProjectionExpression", "ExpressionAttributeNames"], GET_ITEM_MEMBERS)?;
    let key = item_from_json(key.unwrap_or(&Value::Null))?;
    let exprs = Expressions::parse(&input, &[Kind::Projection])?;
    let table_name = table_name.unwrap_or_default();
    let table = db.active_table(cx.region, table_name)?;
    let key = table.meta.key_schema.key_from_map(&key)?;
    let mut out = json!({});
    let mut size = 0;
    if let Some(item) = table.items.get(&key) {
        size = item_size(item);
        out["Item"] = match &exprs.projection {
            Some(paths) => item_to_json(&eval::project(item, paths)),
            None => item_to_json(item),
        };
    }
    capacity::attach(&mut out, ReturnConsumedCapacity::parse(rcc), table_name, capacity::read_units(size, consistent));
    Ok(out)
}

pub fn delete_item(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let (args, key) = write_args(&input, "Key", "key")?;
    reject_unimplemented(&input, "DeleteItem", WRITE_IMPLEMENTED_DELETE, DELETE_ITEM_MEMBERS)?;
    let key = item_from_json(key.unwrap_or(&Value::Null))?;
    let exprs = Expressions::parse(&input, &[Kind::Condition])?;
    if !matches!(args.return_values, None | Some("NONE") | Some("ALL_OLD")) {
        return Err(AwsError::validation("Return values set to invalid value"));
    }
    let region = cx.region.to_string();
    let table = db.active_table_mut(&region, args.table)?;
    let key = table.meta.key_schema.key_from_map(&key)?;
    check_condition(exprs.condition.as_ref(), table.items.get(&key), args.on_condition_failure)?;
    let old = table.remove(&key);
    if old.is_some() {
        cx.journal.delete(item_key(&region, args.table, &key));
    }
    let mut out = json!({});
    if let (Some("ALL_OLD"), Some(old)) = (args.return_values, &old) {
        out["Attributes"] = item_to_json(old);
    }
    capacity::attach(&mut out, args.consumed, args.table, capacity::write_units(old.as_ref().map(item_size).unwrap_or(0)));
    Ok(out)
}

const UPDATE_ITEM_MEMBERS: &[&str] = &[
    "TableName", "Key", "AttributeUpdates", "Expected", "ConditionalOperator", "ReturnValues", "ReturnConsumedCapacity",
    "ReturnItemCollectionMetrics", "UpdateExpression", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues",
    "ReturnValuesOnConditionCheckFailure",
];

pub fn update_item(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let (args, key) = write_args(&input, "Key", "key")?;
    reject_unimplemented(
        &input,
        "UpdateItem",
        &["TableName", "Key", "ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics", "UpdateExpression", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure"],
        UPDATE_ITEM_MEMBERS,
    )?;
    let key = item_from_json(key.unwrap_or(&Value::Null))?;
    let exprs = Expressions::parse(&input, &[Kind::Update, Kind::Condition])?;
    let region = cx.region.to_string();
    let table = db.active_table_mut(&region, args.table)?;
    let schema = table.meta.key_schema.clone();
    let pk = schema.key_from_map(&key)?;
    let actions = exprs.update.clone().unwrap_or_default();
    for a in &actions {
        let top = a.path().top();
        if schema.is_key_attribute(top) {
            return Err(AwsError::validation(format!("One or more parameter values were invalid: Cannot update attribute {top}. This attribute is part of the key")));
        }
    }
    let current = table.items.get(&pk);
    check_condition(exprs.condition.as_ref(), current, args.on_condition_failure)?;
    let old = current.cloned();
    let empty = Item::new();
    let mut new = old.clone().unwrap_or_else(|| schema.key_map(&pk));
    update::apply(&mut new, old.as_ref().unwrap_or(&empty), &actions)?;
    table.check_index_keys(&new)?;
    let size = item_size(&new);
    if size > MAX_ITEM_BYTES {
        return Err(AwsError::validation("Item size to update has exceeded the maximum allowed size"));
    }
    let old_size = old.as_ref().map(item_size).unwrap_or(0);
    let mut out = json!({});
    let paths: Vec<_> = actions.iter().map(|a| a.path().clone()).collect();
    match args.return_values {
        Some("ALL_OLD") => {
            if let Some(o) = &old {
                out["Attributes"] = item_to_json(o);
            }
        }
        Some("ALL_NEW") => out["Attributes"] = item_to_json(&new),
        Some("UPDATED_OLD") => {
            if let Some(o) = &old {
                let part = eval::project(o, &paths);
                if !part.is_empty() {
                    out["Attributes"] = item_to_json(&part);
                }
            }
        }
        Some("UPDATED_NEW") => {
            let part = eval::project(&new, &paths);
            if !part.is_empty() {
                out["Attributes"] = item_to_json(&part);
            }
        }
        _ => {}
    }
    cx.journal.put(item_key(&region, args.table, &pk), codec::encode_item(&new));
    table.put(pk, new);
    capacity::attach(&mut out, args.consumed, args.table, capacity::write_units(size.max(old_size)));
    Ok(out)
}
