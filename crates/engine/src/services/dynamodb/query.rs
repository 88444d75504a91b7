//! Query: the items of one partition (an item collection), optionally narrowed by a sort-key
//! condition, in sort-key order (or reversed with ScanIndexForward=false), then filtered and
//! projected, one page at a time.

use std::{cmp::Ordering, ops::Bound};

use serde_json::Value;

use super::{
    capacity::{self, ReturnConsumedCapacity},
    expr::{Cmp, Cond, Operand, PathElem},
    index::{self as idx, IndexKind},
    input::{Constraints, Input},
    key::{scalar, KeySchema, KeyValue, PrimaryKey, ScalarType},
    legacy,
    page::{self, PageSpec, ReadArgs},
    reply::{Reply, Row},
    requests::{self, Expressions},
    scan::{self, check_select, projection_member},
    value::{item_from_json, AttributeValue},
    DynamoDb,
};
use crate::kernel::{error::AwsError, service::Cx};

/// Builds a sort condition once the key attribute's type is known.
type SortBuilder = Box<dyn Fn(ScalarType) -> Result<SortCondition, AwsError>>;

fn key_invalid(msg: &str) -> AwsError {
    AwsError::validation(format!("Invalid KeyConditionExpression: {msg}"))
}

/// The sort-key part of a key condition.
#[derive(Debug, Clone, PartialEq)]
pub enum SortCondition {
    Cmp(Cmp, KeyValue),
    Between(KeyValue, KeyValue),
    BeginsWith(KeyValue),
}

impl SortCondition {
    fn holds(&self, sk: &KeyValue) -> bool {
        match self {
            SortCondition::Cmp(op, v) => {
                let o = sk.cmp(v);
                match op {
                    Cmp::Eq => o == Ordering::Equal,
                    Cmp::Lt => o == Ordering::Less,
                    Cmp::Le => o != Ordering::Greater,
                    Cmp::Gt => o == Ordering::Greater,
                    Cmp::Ge => o != Ordering::Less,
                    Cmp::Ne => o != Ordering::Equal,
                }
            }
            SortCondition::Between(lo, hi) => sk >= lo && sk <= hi,
            SortCondition::BeginsWith(p) => match (sk, p) {
                (KeyValue::S(s), KeyValue::S(p)) => s.starts_with(p.as_str()),
                (KeyValue::B(s), KeyValue::B(p)) => s.starts_with(p),
                _ => false,
            },
        }
    }
}

fn key_value(v: &AttributeValue, kind: ScalarType) -> Result<KeyValue, AwsError> {
    scalar(v, kind).ok_or_else(|| AwsError::validation("One or more parameter values were invalid: Condition parameter type does not match schema type"))
}

fn flip(op: Cmp) -> Cmp {
    match op {
        Cmp::Lt => Cmp::Gt,
        Cmp::Le => Cmp::Ge,
        Cmp::Gt => Cmp::Lt,
        Cmp::Ge => Cmp::Le,
        other => other,
    }
}

/// Splits a key condition into the partition key value and the optional sort-key condition,
/// with AWS's messages for the forms a key condition may not take.
pub fn analyze(cond: &Cond, schema: &KeySchema) -> Result<(KeyValue, Option<SortCondition>), AwsError> {
    let mut leaves = Vec::new();
    let mut stack = vec![cond];
    while let Some(c) = stack.pop() {
        match c {
            Cond::And(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            Cond::Or(..) => return Err(key_invalid("Invalid operator used in KeyConditionExpression: OR")),
            Cond::Not(..) => return Err(key_invalid("Invalid operator used in KeyConditionExpression: NOT")),
            Cond::In(..) => return Err(key_invalid("Invalid operator used in KeyConditionExpression: IN")),
            Cond::Cmp(Cmp::Ne, ..) => return Err(key_invalid("Invalid operator used in KeyConditionExpression: <>")),
            Cond::Exists(_) => return Err(key_invalid("Invalid operator used in KeyConditionExpression: attribute_exists")),
            Cond::NotExists(_) => return Err(key_invalid("Invalid operator used in KeyConditionExpression: attribute_not_exists")),
            Cond::Type(..) => return Err(key_invalid("Invalid operator used in KeyConditionExpression: attribute_type")),
            Cond::Contains(..) => return Err(key_invalid("Invalid operator used in KeyConditionExpression: contains")),
            leaf => leaves.push(leaf),
        }
    }
    let attr = |o: &Operand| -> Result<Option<String>, AwsError> {
        match o {
            Operand::Path(p) if p.0.len() == 1 => Ok(match &p.0[0] {
                PathElem::Attr(a) => Some(a.clone()),
                PathElem::Index(_) => None,
            }),
            Operand::Path(_) => Err(key_invalid("KeyConditionExpressions cannot have conditions on nested attributes")),
            Operand::Size(_) => Err(key_invalid("Invalid operator used in KeyConditionExpression: size")),
            Operand::Value(_) => Ok(None),
        }
    };
    let value = |o: &Operand| match o {
        Operand::Value(v) => Ok(v.clone()),
        _ => Err(AwsError::validation("Query key condition not supported")),
    };
    let mut pk: Option<KeyValue> = None;
    let mut sk: Option<SortCondition> = None;
    // A condition on a non-key attribute is reported after a missing partition key condition.
    let mut non_key = false;
    for leaf in leaves {
        // (attribute, sort-key condition or partition equality)
        let (name, parsed): (String, SortBuilder) = match leaf {
            Cond::Cmp(op, a, b) => {
                let (name, v, op) = match (attr(a)?, attr(b)?) {
                    (Some(n), None) => (n, value(b)?, *op),
                    (None, Some(n)) => (n, value(a)?, flip(*op)),
                    _ => return Err(AwsError::validation("Query key condition not supported")),
                };
                (name, Box::new(move |t| Ok(SortCondition::Cmp(op, key_value(&v, t)?))))
            }
            Cond::Between(x, lo, hi) => {
                let name = attr(x)?.ok_or_else(|| AwsError::validation("Query key condition not supported"))?;
                let (lo, hi) = (value(lo)?, value(hi)?);
                (name, Box::new(move |t| Ok(SortCondition::Between(key_value(&lo, t)?, key_value(&hi, t)?))))
            }
            Cond::BeginsWith(x, p) => {
                let name = attr(x)?.ok_or_else(|| AwsError::validation("Query key condition not supported"))?;
                let p = value(p)?;
                (name, Box::new(move |t| Ok(SortCondition::BeginsWith(key_value(&p, t)?))))
            }
            _ => return Err(AwsError::validation("Query key condition not supported")),
        };
        if name == schema.hash.name {
            if pk.is_some() {
                return Err(key_invalid("KeyConditionExpressions must only contain one condition per key"));
            }
            match parsed(schema.hash.kind)? {
                SortCondition::Cmp(Cmp::Eq, v) => pk = Some(v),
                _ => return Err(AwsError::validation("Query key condition not supported")),
            }
        } else if let Some(r) = schema.range.as_ref().filter(|r| r.name == name) {
            if sk.is_some() {
                return Err(key_invalid("KeyConditionExpressions must only contain one condition per key"));
            }
            let c = parsed(r.kind)?;
            if matches!(c, SortCondition::BeginsWith(KeyValue::N(_))) {
                return Err(AwsError::validation("Query key condition not supported"));
            }
            sk = Some(c);
        } else {
            non_key = true;
        }
    }
    let pk = pk.ok_or_else(|| AwsError::validation(format!("Query condition missed key schema element: {}", schema.hash.name)))?;
    if non_key {
        return Err(AwsError::validation("Query key condition not supported"));
    }
    Ok((pk, sk))
}

/// How a Query names its item collection: a KeyConditionExpression or legacy KeyConditions.
enum KeySpec<'a> {
    Expression(&'a Cond),
    Legacy(&'a [legacy::Condition]),
}

impl KeySpec<'_> {
    fn parts(&self, schema: &KeySchema) -> Result<(KeyValue, Option<SortCondition>), AwsError> {
        match self {
            KeySpec::Expression(c) => analyze(c, schema),
            KeySpec::Legacy(c) => legacy::key_parts(c, schema),
        }
    }
}

pub fn query(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    query_reply(db, cx, &Input::new(input)?).map(Reply::into_value)
}

pub fn query_reply<'db>(db: &'db mut DynamoDb, cx: &mut Cx, input: &Input) -> Result<Reply<'db>, AwsError> {
    let args = ReadArgs::read(input, "QueryFilter")?;
    let forward = input.boolean("ScanIndexForward")?.unwrap_or(true);
    let key_conditions = legacy::read_conditions(input, "KeyConditions")?;
    let mut c = Constraints::default();
    ReadArgs::constrain_head(&mut c, args.table_name, args.index_name, args.limit);
    args.constrain_tail(&mut c, "queryFilter");
    legacy::constrain_conditions(&mut c, key_conditions.as_deref(), "keyConditions");
    c.finish()?;
    requests::preflight(input, &requests::QUERY)?;
    let query_filter = legacy::filter_conditions(args.filter.as_deref())?;
    let attributes = args.attributes_to_get.as_deref().map(legacy::attributes_to_get).transpose()?;
    let ReadArgs { table_name, index_name, limit, select, start, consistent, rcc, conditional_operator, .. } = args;
    let start = start.map(|s| item_from_json(s).map_err(|e| AwsError::validation(format!("The provided starting key is invalid: {}", e.message)))).transpose()?;
    if key_conditions.is_none() && input.string("KeyConditionExpression")?.is_none() {
        return Err(AwsError::validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."));
    }
    let exprs = Expressions::parse(input, &requests::QUERY)?;
    let legacy_keys = match &exprs.key_condition {
        Some(_) => Vec::new(),
        None => {
            let conds = legacy::filter_conditions(key_conditions.as_deref())?;
            legacy::check_key_condition_count(conds.len())?;
            conds
        }
    };
    check_select(select, projection_member(exprs.projection.is_some(), attributes.is_some()), index_name.is_some(), true)?;
    let table_name = table_name.unwrap_or_default();
    let table = db.active_table(cx.region, table_name)?;
    let key_spec = match &exprs.key_condition {
        Some(c) => KeySpec::Expression(c),
        None => KeySpec::Legacy(&legacy_keys),
    };
    let filter_expression = exprs.filter.is_some();
    let filter = exprs.filter.or_else(|| legacy::combine(&query_filter, conditional_operator));
    // A FilterExpression may not read the key of the table or index being queried (those belong
    // in the key condition), as AWS checks.
    let check_filter = |schema: &KeySchema| -> Result<(), AwsError> {
        let (Some(f), true) = (&filter, filter_expression) else { return Ok(()) };
        for p in f.paths() {
            if let Some(PathElem::Attr(root)) = p.0.first() {
                if schema.is_key_attribute(root) {
                    return Err(AwsError::validation(format!("Filter Expression can only contain non-primary key attributes: Primary key attribute: {root}")));
                }
            }
        }
        Ok(())
    };
    let projection = exprs.projection.or(attributes);
    let spec = PageSpec { limit: limit.map(|l| l as usize), filter: filter.as_ref(), projection: projection.as_deref(), count_only: select == Some("COUNT") };
    let sort_ok = |sk: &Option<KeyValue>, cond: &Option<SortCondition>| match (cond, sk) {
        (None, _) => true,
        (Some(c), Some(v)) => c.holds(v),
        (Some(_), None) => false,
    };
    let invalid_start = |e: AwsError| AwsError::validation(format!("The provided starting key is invalid: {}", e.message));
    let outside = || AwsError::validation("The provided starting key is outside query boundaries based on provided conditions");
    let page = match index_name {
        None => {
            let schema = &table.meta.key_schema;
            let (pk, sk) = key_spec.parts(schema)?;
            legacy::check_query_filter(&query_filter, schema)?;
            check_filter(schema)?;
            let hash_pos = pk.placement_hash();
            let start = match &start {
                Some(s) => {
                    let k = schema.key_from_map(s).map_err(invalid_start)?;
                    if k.pk != pk {
                        return Err(outside());
                    }
                    Some(k)
                }
                None => None,
            };
            // The item collection is contiguous: from (hash, pk, no sort key) on, while the pk matches.
            let first = PrimaryKey { hash_pos, pk: pk.clone(), sk: None };
            let in_partition = |k: &PrimaryKey| k.hash_pos == hash_pos && k.pk == pk;
            let names = idx::key_names(None, schema);
            if forward {
                let lower = match &start {
                    Some(s) => Bound::Excluded(s.clone()),
                    None => Bound::Included(first),
                };
                let items =
                    table.items.range_stored((lower, Bound::Unbounded)).take_while(|(k, _)| in_partition(k)).filter(|(k, _)| sort_ok(&k.sk, &sk)).map(|(_, i)| Row::Stored(i));
                page::build(&names, items, &spec)
            } else {
                // Find the collection's end going forward, then walk it backwards: O(collection size).
                let collection: Vec<_> = table.items.range_stored((Bound::Included(first), Bound::Unbounded)).take_while(|(k, _)| in_partition(k)).collect();
                let items =
                    collection.into_iter().rev().skip_while(|(k, _)| start.as_ref().is_some_and(|s| *k >= s)).filter(|(k, _)| sort_ok(&k.sk, &sk)).map(|(_, i)| Row::Stored(i));
                page::build(&names, items, &spec)
            }
        }
        Some(name) => {
            let meta = table.readable_index(name)?;
            if consistent && meta.kind == IndexKind::Global {
                return Err(AwsError::validation("Consistent reads are not supported on global secondary indexes"));
            }
            let whole = scan::index_reads_whole_items(meta, select)?;
            let (pk, sk) = key_spec.parts(&meta.key_schema)?;
            legacy::check_query_filter(&query_filter, &meta.key_schema)?;
            check_filter(&meta.key_schema)?;
            let part = (pk.placement_hash(), pk.clone());
            let start = match &start {
                Some(s) => {
                    let pos = idx::start_position(meta, &table.meta.key_schema, s)?;
                    if pos.0 != part {
                        return Err(outside());
                    }
                    Some(pos.1)
                }
                None => None,
            };
            let empty = std::collections::BTreeSet::new();
            let set = table.indexes.get(name).and_then(|st| st.entries.get(&part)).unwrap_or(&empty);
            let schema = &table.meta.key_schema;
            let names = idx::key_names(Some(meta), schema);
            let entries: Box<dyn Iterator<Item = &(Option<KeyValue>, PrimaryKey)>> = match (forward, &start) {
                (true, Some(s)) => Box::new(set.range((Bound::Excluded(s.clone()), Bound::Unbounded))),
                (true, None) => Box::new(set.iter()),
                (false, Some(s)) => Box::new(set.range((Bound::Unbounded, Bound::Excluded(s.clone()))).rev()),
                (false, None) => Box::new(set.iter().rev()),
            };
            let all = whole;
            let items = entries.filter(|(isk, _)| sort_ok(isk, &sk)).filter_map(|(_, tk)| table.items.get_stored(tk)).map(|i| {
                if all {
                    Row::Stored(i)
                } else {
                    Row::Owned(meta.project(i.item(), schema))
                }
            });
            page::build(&names, items, &spec)
        }
    };
    let mut out = page.reply;
    let consumed = capacity::Consumed::read(index_name.and_then(|n| table.index(n)), capacity::read_units(page.bytes, consistent));
    table.charge(cx.now_ms, "Query", super::throttle::Access::Read, &consumed)?;
    capacity::attach_map(&mut out.rest, ReturnConsumedCapacity::parse(rcc), table_name, &consumed);
    Ok(out)
}
