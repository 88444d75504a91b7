//! PutItem, GetItem, DeleteItem, UpdateItem, with either expression parameters or their legacy
//! counterparts (Expected, AttributeUpdates, AttributesToGet).

use serde_json::{json, Value};

use super::{
    capacity::{self, ReturnConsumedCapacity},
    collection,
    expr::{eval, update, Cond, Path},
    input::{AttrMap, Constraints, Input},
    legacy::{self, RawCondition, RawUpdate},
    reply::{Items, Reply, Row},
    requests::{self, Expressions, Spec},
    streams,
    throttle::Access,
    value::{item_from_json, item_size, item_to_json, Item, MAX_ITEM_BYTES},
    DynamoDb, ERROR_NAMESPACE,
};
use crate::kernel::{error::AwsError, service::Cx};

const RETURN_VALUES: &[&str] = &["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"];

/// The members every write shares: table name, return options, the legacy condition.
struct WriteArgs<'a> {
    table: &'a str,
    return_values: Option<&'a str>,
    consumed: ReturnConsumedCapacity,
    on_condition_failure: Option<&'a str>,
    /// ReturnItemCollectionMetrics=SIZE.
    collection_metrics: bool,
    expected: Option<Vec<RawCondition<'a>>>,
    conditional_operator: Option<&'a str>,
}

impl WriteArgs<'_> {
    /// The write's condition: ConditionExpression or Expected (validated here, after the
    /// request's other members and before the expressions, as AWS orders its checks), and the
    /// request's expressions.
    fn condition(&self, input: &Input, spec: &Spec) -> Result<(Option<Cond>, Expressions), AwsError> {
        let expected = legacy::expected_conditions(self.expected.as_deref())?;
        let mut exprs = Expressions::parse(input, spec)?;
        let cond = exprs.condition.take().or_else(|| legacy::combine(&expected, self.conditional_operator));
        Ok((cond, exprs))
    }
}

/// Checks a write's condition against the item as it is now (empty when absent).
pub(crate) fn check_condition(cond: Option<&Cond>, current: Option<&Item>, on_failure: Option<&str>) -> Result<(), AwsError> {
    let Some(cond) = cond else { return Ok(()) };
    let empty = Item::default();
    if eval::matches(current.unwrap_or(&empty), cond) {
        return Ok(());
    }
    let err = AwsError::new(ERROR_NAMESPACE, "ConditionalCheckFailedException", "The conditional request failed", 400);
    Err(match (on_failure, current) {
        (Some("ALL_OLD"), Some(item)) => err.with("Item", item_to_json(item)),
        _ => err,
    })
}

/// [`check_condition`] for a single-item write: a failed condition still consumes write
/// capacity, the existing item's size (at least one unit), as DynamoDB bills it; when the table
/// has no capacity left the request is throttled instead.
fn condition_or_bill(table: &super::table::Table, now_ms: i64, op: &'static str, cond: Option<&Cond>, current: Option<&Item>, on_failure: Option<&str>) -> Result<(), AwsError> {
    let failed = check_condition(cond, current, on_failure);
    if failed.is_err() {
        let units = capacity::Consumed::table(capacity::write_units(current.map(item_size).unwrap_or(0)));
        table.charge(now_ms, op, Access::Write, &units)?;
    }
    failed
}

fn write_args<'a>(input: &Input<'a>, map_member: &str, map_path: &str, updates: Option<&[RawUpdate]>) -> Result<(WriteArgs<'a>, Option<AttrMap<'a>>), AwsError> {
    let table = input.string("TableName")?;
    let map = input.item_map(map_member)?;
    let return_values = input.string("ReturnValues")?;
    let rcc = input.string("ReturnConsumedCapacity")?;
    let ricm = input.string("ReturnItemCollectionMetrics")?;
    let on_failure = input.string("ReturnValuesOnConditionCheckFailure")?;
    let expected = legacy::read_conditions(input, "Expected")?;
    let conditional_operator = input.string("ConditionalOperator")?;
    let mut c = Constraints::default();
    c.name(table, "tableName");
    c.not_null(table, "tableName");
    c.not_null(map.as_ref(), map_path);
    c.one_of(rcc, "returnConsumedCapacity", capacity::ENUM);
    c.one_of(return_values, "returnValues", RETURN_VALUES);
    c.one_of(ricm, "returnItemCollectionMetrics", &["SIZE", "NONE"]);
    c.one_of(on_failure, "returnValuesOnConditionCheckFailure", &["ALL_OLD", "NONE"]);
    c.one_of(conditional_operator, "conditionalOperator", legacy::CONDITIONAL_OPERATORS);
    legacy::constrain_conditions(&mut c, expected.as_deref(), "expected");
    legacy::constrain_updates(&mut c, updates);
    c.finish()?;
    let args = WriteArgs {
        table: table.unwrap_or_default(),
        return_values,
        consumed: ReturnConsumedCapacity::parse(rcc),
        on_condition_failure: on_failure,
        collection_metrics: ricm == Some("SIZE"),
        expected,
        conditional_operator,
    };
    Ok((args, map))
}

pub fn put_item(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    put_item_input(db, cx, &Input::new(input)?)
}

pub fn put_item_input(db: &mut DynamoDb, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let (args, item) = write_args(input, "Item", "item", None)?;
    requests::preflight(input, &requests::PUT_ITEM)?;
    let item = required_item(item)?;
    if !matches!(args.return_values, None | Some("NONE") | Some("ALL_OLD")) {
        return Err(AwsError::validation("ReturnValues can only be ALL_OLD or NONE"));
    }
    let size = item_size(&item);
    if size > MAX_ITEM_BYTES {
        return Err(AwsError::validation("Item size has exceeded the maximum allowed size"));
    }
    let (cond, _) = args.condition(input, &requests::PUT_ITEM)?;
    let region = cx.region.to_string();
    let (table, streams) = db.table_for_write(&region, args.table)?;
    let key = table.meta.key_schema.key_of_item(&item)?;
    table.check_index_keys(&item)?;
    condition_or_bill(table, cx.now_ms, "PutItem", cond.as_ref(), table.items.get(&key), args.on_condition_failure)?;
    collection::check_growth(table, &key.pk, collection::growth(table, &key, table.items.get(&key), Some(&item)), collection::LIMIT_BYTES)?;
    let pk = key.pk.clone();
    let consumed = capacity::Consumed::write(table, table.items.get(&key), Some(&item));
    table.charge(cx.now_ms, "PutItem", Access::Write, &consumed)?;
    let old = streams::put_item(table, streams, cx, &region, key, item);
    let mut out = json!({});
    if args.return_values == Some("ALL_OLD") {
        if let Some(old) = &old {
            out["Attributes"] = item_to_json(old);
        }
    }
    capacity::attach(&mut out, args.consumed, args.table, &consumed);
    if let Some(m) = collection::metrics_if(args.collection_metrics, table, &pk) {
        out["ItemCollectionMetrics"] = m;
    }
    Ok(out)
}

pub fn get_item(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    get_item_reply(db, cx, &Input::new(input)?).map(Reply::into_value)
}

pub fn get_item_reply<'db>(db: &'db mut DynamoDb, cx: &mut Cx, input: &Input) -> Result<Reply<'db>, AwsError> {
    let table_name = input.string("TableName")?;
    let key = input.item_map("Key")?;
    let consistent = input.boolean("ConsistentRead")?.unwrap_or(false);
    let rcc = input.string("ReturnConsumedCapacity")?;
    let attributes = input.string_list("AttributesToGet")?;
    let mut c = Constraints::default();
    c.not_null(key.as_ref(), "key");
    c.name(table_name, "tableName");
    c.not_null(table_name, "tableName");
    c.one_of(rcc, "returnConsumedCapacity", capacity::ENUM);
    legacy::constrain_attributes_to_get(&mut c, attributes.as_deref(), "attributesToGet");
    c.finish()?;
    requests::preflight(input, &requests::GET_ITEM)?;
    let key = required_item(key)?;
    let attributes = attributes.as_deref().map(legacy::attributes_to_get).transpose()?;
    let exprs = Expressions::parse(input, &requests::GET_ITEM)?;
    let projection = exprs.projection.or(attributes);
    let table_name = table_name.unwrap_or_default();
    let table = db.active_table(cx.region, table_name)?;
    let key = table.meta.key_schema.key_from_owned_map(key)?;
    let stored = table.items.get_stored(&key);
    let consumed = capacity::Consumed::table(capacity::read_units(stored.map_or(0, |s| s.size()), consistent));
    table.charge(cx.now_ms, "GetItem", Access::Read, &consumed)?;
    let mut out = Reply::new();
    if let Some(item) = stored {
        out.items = Some((
            "Item",
            Items::One(match &projection {
                Some(paths) => Row::Owned(eval::project(item.item(), paths)),
                None => Row::Stored(item),
            }),
        ));
    }
    capacity::attach_map(&mut out.rest, ReturnConsumedCapacity::parse(rcc), table_name, &consumed);
    Ok(out)
}

/// A required attribute map (its absence was reported already by the constraints).
fn required_item(map: Option<AttrMap>) -> Result<Item, AwsError> {
    match map {
        Some(m) => m.into_item(),
        None => item_from_json(&Value::Null),
    }
}

pub fn delete_item(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    delete_item_input(db, cx, &Input::new(input)?)
}

pub fn delete_item_input(db: &mut DynamoDb, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let (args, key) = write_args(input, "Key", "key", None)?;
    requests::preflight(input, &requests::DELETE_ITEM)?;
    let key = required_item(key)?;
    let (cond, _) = args.condition(input, &requests::DELETE_ITEM)?;
    if !matches!(args.return_values, None | Some("NONE") | Some("ALL_OLD")) {
        return Err(AwsError::validation("Return values set to invalid value"));
    }
    let region = cx.region.to_string();
    let (table, streams) = db.table_for_write(&region, args.table)?;
    let key = table.meta.key_schema.key_from_map(&key)?;
    condition_or_bill(table, cx.now_ms, "DeleteItem", cond.as_ref(), table.items.get(&key), args.on_condition_failure)?;
    let consumed = capacity::Consumed::write(table, table.items.get(&key), None);
    table.charge(cx.now_ms, "DeleteItem", Access::Write, &consumed)?;
    let old = streams::delete_item(table, streams, cx, &region, &key);
    let mut out = json!({});
    if let (Some("ALL_OLD"), Some(old)) = (args.return_values, &old) {
        out["Attributes"] = item_to_json(old);
    }
    capacity::attach(&mut out, args.consumed, args.table, &consumed);
    if let Some(m) = collection::metrics_if(args.collection_metrics, table, &key.pk) {
        out["ItemCollectionMetrics"] = m;
    }
    Ok(out)
}

/// What an UpdateItem changes: an UpdateExpression's actions or legacy AttributeUpdates.
pub(crate) enum Changes {
    Expression(Vec<update::Action>),
    Legacy(Vec<legacy::AttributeUpdate>),
}

impl Changes {
    /// The top-level attributes the changes touch, for the key-attribute check.
    pub(crate) fn tops(&self) -> Vec<&str> {
        match self {
            Changes::Expression(a) => a.iter().map(|a| a.path().top()).collect(),
            Changes::Legacy(u) => u.iter().map(|u| u.attr.as_str()).collect(),
        }
    }

    /// The paths UPDATED_OLD and UPDATED_NEW return.
    fn paths(&self) -> Vec<Path> {
        match self {
            Changes::Expression(a) => a.iter().map(|a| a.path().clone()).collect(),
            Changes::Legacy(u) => u.iter().map(|u| Path(vec![super::expr::PathElem::Attr(u.attr.clone())])).collect(),
        }
    }

    /// Changes that only take attributes away; on an absent item they create nothing.
    pub(crate) fn removes_only(&self) -> bool {
        match self {
            Changes::Expression(a) => !a.is_empty() && a.iter().all(|a| matches!(a, update::Action::Remove(_) | update::Action::Delete(..))),
            Changes::Legacy(u) => !u.is_empty() && u.iter().all(legacy::AttributeUpdate::removes_only),
        }
    }

    pub(crate) fn apply(&self, item: &mut Item, old: &Item) -> Result<(), AwsError> {
        match self {
            Changes::Expression(a) => update::apply(item, old, a),
            Changes::Legacy(u) => legacy::apply_updates(item, u),
        }
    }
}

pub fn update_item(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    update_item_input(db, cx, &Input::new(input)?)
}

pub fn update_item_input(db: &mut DynamoDb, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let raw_updates = legacy::read_updates(input)?;
    let (args, key) = write_args(input, "Key", "key", raw_updates.as_deref())?;
    requests::preflight(input, &requests::UPDATE_ITEM)?;
    let key = required_item(key)?;
    let legacy_updates = legacy::updates(raw_updates.as_deref())?;
    let (cond, mut exprs) = args.condition(input, &requests::UPDATE_ITEM)?;
    let changes = match exprs.update.take() {
        Some(actions) => Changes::Expression(actions),
        None => Changes::Legacy(legacy_updates),
    };
    let region = cx.region.to_string();
    let (table, streams) = db.table_for_write(&region, args.table)?;
    let schema = table.meta.key_schema.clone();
    let pk = schema.key_from_map(&key)?;
    for top in changes.tops() {
        if schema.is_key_attribute(top) {
            return Err(AwsError::validation(format!("One or more parameter values were invalid: Cannot update attribute {top}. This attribute is part of the key")));
        }
    }
    let current = table.items.get(&pk);
    condition_or_bill(table, cx.now_ms, "UpdateItem", cond.as_ref(), current, args.on_condition_failure)?;
    let old = current.cloned();
    let empty = Item::default();
    let mut new = old.clone().unwrap_or_else(|| schema.key_map(&pk));
    changes.apply(&mut new, old.as_ref().unwrap_or(&empty))?;
    // Only taking attributes away from an item that does not exist creates nothing.
    let writes = old.is_some() || !changes.removes_only();
    table.check_index_keys(&new)?;
    let size = item_size(&new);
    if size > MAX_ITEM_BYTES {
        return Err(AwsError::validation("Item size to update has exceeded the maximum allowed size"));
    }
    if writes {
        collection::check_growth(table, &pk.pk, collection::growth(table, &pk, old.as_ref(), Some(&new)), collection::LIMIT_BYTES)?;
    }
    let old_size = old.as_ref().map(item_size).unwrap_or(0);
    let mut out = json!({});
    let paths = changes.paths();
    match args.return_values {
        Some("ALL_OLD") => {
            if let Some(o) = &old {
                out["Attributes"] = item_to_json(o);
            }
        }
        Some("ALL_NEW") if writes => out["Attributes"] = item_to_json(&new),
        Some("UPDATED_OLD") => {
            if let Some(o) = &old {
                let part = eval::project(o, &paths);
                if !part.is_empty() {
                    out["Attributes"] = item_to_json(&part);
                }
            }
        }
        Some("UPDATED_NEW") if writes => {
            let part = eval::project(&new, &paths);
            if !part.is_empty() {
                out["Attributes"] = item_to_json(&part);
            }
        }
        _ => {}
    }
    let mut consumed = capacity::Consumed::write(table, old.as_ref(), writes.then_some(&new));
    consumed.table = capacity::write_units(size.max(old_size));
    table.charge(cx.now_ms, "UpdateItem", Access::Write, &consumed)?;
    if writes {
        streams::put_item(table, streams, cx, &region, pk.clone(), new);
    }
    capacity::attach(&mut out, args.consumed, args.table, &consumed);
    if let Some(m) = collection::metrics_if(args.collection_metrics, table, &pk.pk) {
        out["ItemCollectionMetrics"] = m;
    }
    Ok(out)
}
