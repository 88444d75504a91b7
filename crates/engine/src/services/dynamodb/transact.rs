//! TransactWriteItems and TransactGetItems: all actions succeed together or none is applied.
//! Conditions are checked against the state before the transaction; a failed one cancels the
//! whole transaction with CancellationReasons in action order. A ClientRequestToken makes a
//! write transaction idempotent for ten minutes of virtual time.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};

use super::{
    capacity::{self, ReturnConsumedCapacity},
    collection,
    expr::eval,
    input::{Constraints, Input},
    items::Changes,
    key::{KeyValue, PrimaryKey},
    requests::{self, Expressions},
    streams,
    throttle::Access,
    value::{item_from_json, item_size, item_to_json, Item, MAX_ITEM_BYTES},
    DynamoDb, ERROR_NAMESPACE,
};
use crate::kernel::{error::AwsError, service::Cx};

pub const MAX_ACTIONS: usize = 100;
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;
pub const TOKEN_TTL_MS: i64 = 10 * 60 * 1000;

/// A remembered ClientRequestToken: the request it came with and when.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TokenRecord {
    pub request: Value,
    pub at_ms: i64,
}

struct Planned {
    table: String,
    key: PrimaryKey,
    /// The item after the action (None: deleted; unchanged for ConditionCheck).
    new: Option<Option<Item>>,
    failed: Option<Value>,
}

/// TransactionCanceledException with one reason per action (TransactWriteItems,
/// TransactGetItems and PartiQL's ExecuteTransaction).
pub(crate) fn canceled(reasons: Vec<Value>) -> AwsError {
    let codes: Vec<&str> = reasons.iter().map(|r| r["Code"].as_str().unwrap_or("None")).collect();
    AwsError::new(
        ERROR_NAMESPACE,
        "TransactionCanceledException",
        format!("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", codes.join(", ")),
        400,
    )
    .with("CancellationReasons", Value::Array(reasons))
}

pub fn transact_write_items(db: &mut DynamoDb, cx: &mut Cx, input_value: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input_value)?;
    let rcc = input.string("ReturnConsumedCapacity")?;
    let ricm = input.string("ReturnItemCollectionMetrics")?;
    let token = input.string("ClientRequestToken")?;
    let items = input.list("TransactItems")?;
    let mut c = Constraints::default();
    c.not_null(items, "transactItems");
    c.one_of(rcc, "returnConsumedCapacity", capacity::ENUM);
    c.one_of(ricm, "returnItemCollectionMetrics", &["SIZE", "NONE"]);
    if let Some(t) = token.filter(|t| t.is_empty() || t.len() > 36) {
        c.add(Some(t), "clientRequestToken", if t.is_empty() { "Member must have length greater than or equal to 1" } else { "Member must have length less than or equal to 36" });
    }
    c.finish()?;
    let items = items.unwrap_or(&Vec::new()).clone();
    if items.is_empty() || items.len() > MAX_ACTIONS {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length {} {}",
            if items.is_empty() { "greater than or equal to" } else { "less than or equal to" },
            if items.is_empty() { 1 } else { MAX_ACTIONS }
        )));
    }
    if serde_json::to_vec(input_value).map(|b| b.len()).unwrap_or(0) > MAX_REQUEST_BYTES {
        return Err(AwsError::validation("Transaction request cannot be larger than 4 MB"));
    }
    let region = cx.region.to_string();
    // Idempotency: the same token within ten minutes returns the first answer.
    if let Some(t) = token {
        db.expire_tokens(cx.journal, &region, cx.now_ms);
        if let Some(prev) = db.token(&region, t) {
            let mut same = input_value.clone();
            let mut before = prev.request.clone();
            for v in [&mut same, &mut before] {
                if let Some(o) = v.as_object_mut() {
                    o.remove("ReturnConsumedCapacity");
                }
            }
            if same != before {
                return Err(AwsError::new(
                    ERROR_NAMESPACE,
                    "IdempotentParameterMismatchException",
                    "Request parameters do not match previous request with same client request token",
                    400,
                ));
            }
            return Ok(json!({}));
        }
    }

    // Plan every action against the state before the transaction.
    let mut plans: Vec<Planned> = Vec::new();
    let mut seen = HashSet::new();
    let mut growth: BTreeMap<(String, KeyValue), i64> = BTreeMap::new();
    for raw in &items {
        let a = Input::new(raw).map_err(|_| AwsError::serialization("Unexpected value type in payload"))?;
        let kinds = ["ConditionCheck", "Put", "Delete", "Update"];
        let present: Vec<&str> = kinds.iter().copied().filter(|k| a.raw(k).is_some()).collect();
        let [kind] = present.as_slice() else {
            return Err(AwsError::validation("TransactItems can only contain one of Check, Put, Update or Delete"));
        };
        let body = a.structure(kind, kind)?.ok_or_else(|| AwsError::serialization("Unexpected field type"))?;
        let table_name = body
            .string("TableName")?
            .ok_or_else(|| {
                AwsError::validation("1 validation error detected: Value null at 'transactItems.1.member.tableName' failed to satisfy constraint: Member must not be null")
            })?
            .to_string();
        let on_failure = body.string("ReturnValuesOnConditionCheckFailure")?;
        let mut exprs = match *kind {
            "Update" => Expressions::parse(&body, &requests::TRANSACT_UPDATE)?,
            _ => Expressions::parse(&body, &requests::TRANSACT_CONDITION)?,
        };
        if *kind == "ConditionCheck" && exprs.condition.is_none() {
            return Err(AwsError::validation("The ConditionExpression parameter is required for a ConditionCheck"));
        }
        let table = db.active_table(&region, &table_name)?;
        let schema = &table.meta.key_schema;
        let (key, put_item) = if *kind == "Put" {
            let item = item_from_json(body.attribute_map("Item")?.unwrap_or(&Value::Null))?;
            if item_size(&item) > MAX_ITEM_BYTES {
                return Err(AwsError::validation("Item size has exceeded the maximum allowed size"));
            }
            table.check_index_keys(&item)?;
            (schema.key_of_item(&item)?, Some(item))
        } else {
            let k = item_from_json(body.attribute_map("Key")?.unwrap_or(&Value::Null))?;
            (schema.key_from_map(&k)?, None)
        };
        if !seen.insert((table_name.clone(), key.clone())) {
            return Err(AwsError::validation("Transaction request cannot include multiple operations on one item"));
        }
        let current = table.items.get(&key);
        let failed = match super::items::check_condition(exprs.condition.as_ref(), current, on_failure) {
            Ok(()) => None,
            Err(e) if e.kind == "ConditionalCheckFailedException" => {
                let mut reason = json!({"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"});
                if let Some(item) = e.extra.as_ref().and_then(|x| x.get("Item")) {
                    reason["Item"] = item.clone();
                }
                Some(reason)
            }
            Err(e) => return Err(e),
        };
        let new = match *kind {
            "Put" => Some(put_item),
            "Delete" => Some(None),
            "Update" => {
                let changes = Changes::Expression(exprs.update.take().unwrap_or_default());
                for top in changes.tops() {
                    if schema.is_key_attribute(top) {
                        return Err(AwsError::validation(format!("One or more parameter values were invalid: Cannot update attribute {top}. This attribute is part of the key")));
                    }
                }
                let empty = Item::default();
                let mut item = current.cloned().unwrap_or_else(|| schema.key_map(&key));
                changes.apply(&mut item, current.unwrap_or(&empty))?;
                table.check_index_keys(&item)?;
                if item_size(&item) > MAX_ITEM_BYTES {
                    return Err(AwsError::validation("Item size to update has exceeded the maximum allowed size"));
                }
                // Only taking attributes away from an absent item creates nothing.
                if current.is_none() && changes.removes_only() {
                    None
                } else {
                    Some(Some(item))
                }
            }
            _ => None,
        };
        if let Some(after) = &new {
            // Writes to one collection in one transaction add up.
            let g = collection::growth(table, &key, current, after.as_ref());
            let total = growth.entry((table_name.clone(), key.pk.clone())).or_insert(0);
            *total += g;
            collection::check_growth(table, &key.pk, *total, collection::LIMIT_BYTES)?;
        }
        plans.push(Planned { table: table_name, key, new, failed });
    }
    if plans.iter().any(|p| p.failed.is_some()) {
        let reasons = plans.into_iter().map(|p| p.failed.unwrap_or_else(|| json!({"Code": "None"}))).collect();
        return Err(canceled(reasons));
    }
    // Throughput: every item is admitted, or the transaction is cancelled with ThrottlingError
    // (nothing consumed). Transactions cost twice the units of the same plain writes.
    let mut charges = Vec::with_capacity(plans.len());
    let mut reasons = Vec::with_capacity(plans.len());
    let mut refused: Vec<&str> = Vec::new();
    for p in &plans {
        let table = db.active_table(&region, &p.table)?;
        let consumed = match &p.new {
            Some(new) => capacity::Consumed::write(table, table.items.get(&p.key), new.as_ref()),
            // A condition check: the size of the item as it is.
            None => capacity::Consumed::table(capacity::write_units(table.items.get(&p.key).map(item_size).unwrap_or(0))),
        }
        .times(2.0);
        let admitted = table.throughput.borrow_mut().check(&table.meta, cx.now_ms, Access::Write, &consumed);
        match admitted {
            Ok(()) => reasons.push(json!({"Code": "None"})),
            Err(t) => {
                table.throughput.borrow_mut().throttled(&table.meta, cx.now_ms, &t, "TransactWriteItems", false);
                if !refused.contains(&p.table.as_str()) {
                    refused.push(&p.table);
                }
                reasons.push(json!({"Code": "ThrottlingError", "Message": t.message()}));
            }
        }
        charges.push(consumed);
    }
    if !refused.is_empty() {
        for name in refused {
            let table = db.active_table(&region, name)?;
            table.throughput.borrow_mut().throttled_request(&table.meta, cx.now_ms, "TransactWriteItems");
        }
        return Err(canceled(reasons));
    }
    // Apply: all validated and admitted, nothing can fail now.
    let mut units: BTreeMap<String, capacity::Consumed> = BTreeMap::new();
    let mut touched: Vec<(String, KeyValue)> = Vec::new();
    for (p, consumed) in plans.into_iter().zip(charges) {
        if p.new.is_some() {
            touched.push((p.table.clone(), p.key.pk.clone()));
        }
        let Ok((table, streams)) = db.table_for_write(&region, &p.table) else {
            continue;
        };
        table.throughput.borrow_mut().take(&table.meta, cx.now_ms, Access::Write, &consumed);
        match p.new {
            Some(Some(item)) => {
                streams::put_item(table, streams, cx, &region, p.key, item);
            }
            Some(None) => {
                streams::delete_item(table, streams, cx, &region, &p.key);
            }
            None => {}
        }
        units.entry(p.table).or_default().add(&consumed);
    }
    if let Some(t) = token {
        let record = TokenRecord { request: input_value.clone(), at_ms: cx.now_ms };
        cx.journal.put_json(super::token_key(&region, t), &record);
        db.tokens_mut(&region).insert(t.to_string(), record);
    }
    let mut out = json!({});
    if let Some(c) = capacity::list(ReturnConsumedCapacity::parse(rcc), &units, Some("WriteCapacityUnits")) {
        out["ConsumedCapacity"] = c;
    }
    if let Some(m) = collection_metrics(db, &region, ricm == Some("SIZE"), &touched) {
        out["ItemCollectionMetrics"] = m;
    }
    Ok(out)
}

/// ItemCollectionMetrics of BatchWriteItem and TransactWriteItems: per table with local
/// secondary indexes, one entry for each write, in request order, sized after the writes.
pub(crate) fn collection_metrics(db: &DynamoDb, region: &str, wanted: bool, writes: &[(String, KeyValue)]) -> Option<Value> {
    if !wanted {
        return None;
    }
    let mut out = serde_json::Map::new();
    for (name, pk) in writes {
        let Ok(table) = db.active_table(region, name) else {
            continue;
        };
        if let Some(m) = collection::metrics_if(true, table, pk) {
            if let Value::Array(list) = out.entry(name.clone()).or_insert_with(|| Value::Array(Vec::new())) {
                list.push(m);
            }
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

pub fn transact_get_items(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let rcc = input.string("ReturnConsumedCapacity")?;
    let items = input.list("TransactItems")?;
    let mut c = Constraints::default();
    c.not_null(items, "transactItems");
    c.one_of(rcc, "returnConsumedCapacity", capacity::ENUM);
    c.finish()?;
    let items = items.unwrap_or(&Vec::new()).clone();
    if items.is_empty() || items.len() > MAX_ACTIONS {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to {MAX_ACTIONS}"
        )));
    }
    let mut responses = Vec::new();
    let mut units: BTreeMap<String, f64> = BTreeMap::new();
    let mut gets: Vec<(String, f64)> = Vec::new();
    let mut seen = HashSet::new();
    for raw in &items {
        let a = Input::new(raw).map_err(|_| AwsError::serialization("Unexpected value type in payload"))?;
        let get = a
            .structure("Get", "Get")?
            .ok_or_else(|| AwsError::validation("1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: Member must not be null"))?;
        let table_name = get.string("TableName")?.unwrap_or_default().to_string();
        let exprs = Expressions::parse(&get, &requests::TRANSACT_GET)?;
        let table = db.active_table(cx.region, &table_name)?;
        let key = table.meta.key_schema.key_from_map(&item_from_json(get.attribute_map("Key")?.unwrap_or(&Value::Null))?)?;
        if !seen.insert((table_name.clone(), key.clone())) {
            return Err(AwsError::validation("Transaction request cannot include multiple operations on one item"));
        }
        let item = table.items.get(&key);
        let cost = 2.0 * capacity::read_units(item.map(item_size).unwrap_or(0), true);
        gets.push((table_name.clone(), cost));
        *units.entry(table_name).or_default() += cost;
        responses.push(match item {
            Some(i) => json!({"Item": item_to_json(&match &exprs.projection { Some(p) => eval::project(i, p), None => i.clone() })}),
            None => json!({}),
        });
    }
    // Throughput: every item admitted, or the transaction is cancelled with ThrottlingError.
    let mut reasons = Vec::with_capacity(gets.len());
    let mut refused: Vec<&str> = Vec::new();
    for (name, cost) in &gets {
        let table = db.active_table(cx.region, name)?;
        let admitted = table.throughput.borrow_mut().check(&table.meta, cx.now_ms, Access::Read, &capacity::Consumed::table(*cost));
        match admitted {
            Ok(()) => reasons.push(json!({"Code": "None"})),
            Err(t) => {
                table.throughput.borrow_mut().throttled(&table.meta, cx.now_ms, &t, "TransactGetItems", false);
                if !refused.contains(&name.as_str()) {
                    refused.push(name);
                }
                reasons.push(json!({"Code": "ThrottlingError", "Message": t.message()}));
            }
        }
    }
    if !refused.is_empty() {
        for name in refused {
            let table = db.active_table(cx.region, name)?;
            table.throughput.borrow_mut().throttled_request(&table.meta, cx.now_ms, "TransactGetItems");
        }
        return Err(canceled(reasons));
    }
    for (name, cost) in &gets {
        let table = db.active_table(cx.region, name)?;
        table.throughput.borrow_mut().take(&table.meta, cx.now_ms, Access::Read, &capacity::Consumed::table(*cost));
    }
    let mut out = json!({"Responses": responses});
    let per_table: BTreeMap<String, capacity::Consumed> = units.into_iter().map(|(t, u)| (t, capacity::Consumed::table(u))).collect();
    if let Some(c) = capacity::list(ReturnConsumedCapacity::parse(rcc), &per_table, Some("ReadCapacityUnits")) {
        out["ConsumedCapacity"] = c;
    }
    Ok(out)
}
