//! DynamoDB's legacy (non-expression) parameters: `Expected` and `ConditionalOperator`
//! (PutItem, UpdateItem, DeleteItem), `AttributeUpdates` (UpdateItem), `AttributesToGet`
//! (GetItem, BatchGetItem, Query, Scan), `KeyConditions` and `QueryFilter` (Query) and
//! `ScanFilter` (Scan), with AWS's messages for every malformed form.
//!
//! Conditions are translated into the expression AST ([`Cond`]), so evaluation, paging,
//! capacity and indexes are shared with the expression parameters. The translation keeps the
//! legacy semantics where they differ: a legacy condition on an attribute the item lacks is
//! false for every operator but `NULL` (so `NE` and `NOT_CONTAINS` are false there, where
//! `NOT contains(a, :v)` is true), and an attribute name is a literal top-level name, never a
//! document path.

use serde_json::Value;

use super::{
    expr::{eval, Cmp, Cond, Operand, Path, PathElem},
    input::{Constraints, Input},
    key::{scalar, KeyAttribute, KeySchema, KeyValue},
    query::SortCondition,
    value::{AttributeValue, Item},
};
use crate::kernel::error::AwsError;

/// ComparisonOperator's values, in the order AWS lists them in its enum message.
pub const COMPARISON_OPERATORS: &[&str] = &["IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"];
/// ConditionalOperator's values, in AWS's order.
pub const CONDITIONAL_OPERATORS: &[&str] = &["OR", "AND"];
/// AttributeValueUpdate's Action values, in the order AWS's message lists them.
pub const ACTIONS: &[&str] = &["ADD", "DELETE", "PUT"];

fn invalid(msg: impl std::fmt::Display) -> AwsError {
    AwsError::validation(format!("One or more parameter values were invalid: {msg}"))
}

fn plain(msg: impl Into<String>) -> AwsError {
    AwsError::validation(msg)
}

/// The thirteen comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Le,
    Lt,
    Ge,
    Gt,
    NotNull,
    Null,
    Contains,
    NotContains,
    BeginsWith,
    In,
    Between,
}

impl Op {
    pub fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "EQ" => Op::Eq,
            "NE" => Op::Ne,
            "LE" => Op::Le,
            "LT" => Op::Lt,
            "GE" => Op::Ge,
            "GT" => Op::Gt,
            "NOT_NULL" => Op::NotNull,
            "NULL" => Op::Null,
            "CONTAINS" => Op::Contains,
            "NOT_CONTAINS" => Op::NotContains,
            "BEGINS_WITH" => Op::BeginsWith,
            "IN" => Op::In,
            "BETWEEN" => Op::Between,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Op::Eq => "EQ",
            Op::Ne => "NE",
            Op::Le => "LE",
            Op::Lt => "LT",
            Op::Ge => "GE",
            Op::Gt => "GT",
            Op::NotNull => "NOT_NULL",
            Op::Null => "NULL",
            Op::Contains => "CONTAINS",
            Op::NotContains => "NOT_CONTAINS",
            Op::BeginsWith => "BEGINS_WITH",
            Op::In => "IN",
            Op::Between => "BETWEEN",
        }
    }

    fn arity_ok(self, n: usize) -> bool {
        match self {
            Op::Null | Op::NotNull => n == 0,
            Op::In => n >= 1,
            Op::Between => n == 2,
            _ => n == 1,
        }
    }

    /// Whether the operator takes a value of this type in its AttributeValueList.
    fn accepts(self, v: &AttributeValue) -> bool {
        use AttributeValue as A;
        match self {
            Op::Eq | Op::Ne | Op::Null | Op::NotNull => true,
            Op::Le | Op::Lt | Op::Ge | Op::Gt | Op::In | Op::Between => matches!(v, A::S(_) | A::N(_) | A::B(_)),
            Op::Contains | Op::NotContains => matches!(v, A::S(_) | A::N(_) | A::B(_) | A::Bool(_) | A::Null),
            Op::BeginsWith => matches!(v, A::S(_) | A::B(_)),
        }
    }

    /// Operators a key condition may use.
    fn indexable(self) -> bool {
        !matches!(self, Op::Null | Op::NotNull | Op::Ne | Op::Contains | Op::NotContains | Op::In)
    }
}

/// One condition as written in the request (a `Condition` or an `ExpectedAttributeValue`),
/// type-checked but not yet validated.
pub struct RawCondition<'a> {
    pub attr: &'a str,
    pub op: Option<&'a str>,
    pub list: Option<&'a Vec<Value>>,
    pub value: Option<&'a Value>,
    pub exists: Option<bool>,
}

/// Reads a map of conditions (ScanFilter, QueryFilter, KeyConditions, Expected).
pub fn read_conditions<'a>(input: &Input<'a>, member: &str) -> Result<Option<Vec<RawCondition<'a>>>, AwsError> {
    let shape = if member == "Expected" { "ExpectedAttributeValue" } else { "Condition" };
    let Some(entries) = input.structure_map(member, shape)? else { return Ok(None) };
    let mut out = Vec::with_capacity(entries.len());
    for (attr, e) in entries {
        let op = e.string("ComparisonOperator")?;
        let list = e.list("AttributeValueList")?;
        let (value, exists) = if member == "Expected" { (e.raw("Value"), e.boolean("Exists")?) } else { (None, None) };
        out.push(RawCondition { attr, op, list, value, exists });
    }
    Ok(Some(out))
}

/// Coral's constraints on a map of conditions: ComparisonOperator from the enum (and required,
/// except in Expected). `path` is the member as Coral names it (`scanFilter`).
pub fn constrain_conditions(c: &mut Constraints, raws: Option<&[RawCondition]>, path: &str) {
    let required = path != "expected";
    for r in raws.unwrap_or_default() {
        let at = format!("{path}.{}.member.comparisonOperator", r.attr);
        if required {
            c.not_null(r.op, &at);
        }
        c.one_of(r.op, &at, COMPARISON_OPERATORS);
    }
}

/// A validated legacy condition: `attr OP values`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub attr: String,
    pub op: Op,
    pub values: Vec<AttributeValue>,
}

fn path_of(attr: &str) -> Path {
    Path(vec![PathElem::Attr(attr.to_string())])
}

impl Condition {
    /// The condition as an expression, with the legacy semantics for absent attributes.
    pub fn to_cond(&self) -> Cond {
        let path = || Operand::Path(path_of(&self.attr));
        let value = |i: usize| Operand::Value(self.values.get(i).cloned().unwrap_or(AttributeValue::Null));
        let present = || Cond::Exists(path_of(&self.attr));
        let cmp = |c: Cmp| Cond::Cmp(c, path(), value(0));
        match self.op {
            Op::Eq => cmp(Cmp::Eq),
            Op::Ne => Cond::And(Box::new(present()), Box::new(Cond::Not(Box::new(cmp(Cmp::Eq))))),
            Op::Lt => cmp(Cmp::Lt),
            Op::Le => cmp(Cmp::Le),
            Op::Gt => cmp(Cmp::Gt),
            Op::Ge => cmp(Cmp::Ge),
            Op::NotNull => present(),
            Op::Null => Cond::NotExists(path_of(&self.attr)),
            Op::Contains => Cond::Contains(path(), value(0)),
            Op::NotContains => Cond::And(Box::new(present()), Box::new(Cond::Not(Box::new(Cond::Contains(path(), value(0)))))),
            Op::BeginsWith => Cond::BeginsWith(path(), value(0)),
            Op::In => Cond::In(path(), self.values.iter().cloned().map(Operand::Value).collect()),
            Op::Between => Cond::Between(path(), value(0), value(1)),
        }
    }
}

/// The conditions joined by ConditionalOperator (AND unless OR); None when there are none.
pub fn combine(conditions: &[Condition], conditional_operator: Option<&str>) -> Option<Cond> {
    let or = conditional_operator == Some("OR");
    conditions.iter().map(Condition::to_cond).reduce(|a, b| if or { Cond::Or(Box::new(a), Box::new(b)) } else { Cond::And(Box::new(a), Box::new(b)) })
}

fn parse_values(list: &[Value]) -> Result<Vec<AttributeValue>, AwsError> {
    list.iter().map(AttributeValue::from_json).collect()
}

/// The checks every comparison shares once its values are known: how many, one type, the
/// types the operator takes, BETWEEN's bounds in order.
fn check_values(op: Op, values: &[AttributeValue]) -> Result<(), AwsError> {
    if !op.arity_ok(values.len()) {
        return Err(invalid(format!("Invalid number of argument(s) for the {} ComparisonOperator", op.name())));
    }
    if let Some(first) = values.first() {
        if values.iter().any(|v| v.type_name() != first.type_name()) {
            return Err(invalid("AttributeValues inside AttributeValueList must be of same type"));
        }
    }
    if let Some(v) = values.iter().find(|v| !op.accepts(v)) {
        return Err(invalid(format!("ComparisonOperator {} is not valid for {} AttributeValue type", op.name(), v.type_name())));
    }
    if let (Op::Between, [lo, hi]) = (op, values) {
        if eval::order(lo, hi) == Some(std::cmp::Ordering::Greater) {
            return Err(plain("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"));
        }
    }
    Ok(())
}

fn operator(raw: Option<&str>) -> Result<Op, AwsError> {
    // Coral's enum constraint has already refused anything else.
    raw.and_then(Op::parse).ok_or_else(|| plain("1 validation error detected: ComparisonOperator must not be null"))
}

/// Validates the conditions of ScanFilter, QueryFilter or KeyConditions.
pub fn filter_conditions(raws: Option<&[RawCondition]>) -> Result<Vec<Condition>, AwsError> {
    let mut out = Vec::new();
    for r in raws.unwrap_or_default() {
        let values = parse_values(r.list.map(Vec::as_slice).unwrap_or_default())?;
        let op = operator(r.op)?;
        check_values(op, &values)?;
        out.push(Condition { attr: r.attr.to_string(), op, values });
    }
    Ok(out)
}

/// Validates Expected: the Exists/Value form and the ComparisonOperator form.
pub fn expected_conditions(raws: Option<&[RawCondition]>) -> Result<Vec<Condition>, AwsError> {
    let mut out = Vec::new();
    for r in raws.unwrap_or_default() {
        let attr = r.attr;
        if r.list.is_some() && r.value.is_some() {
            return Err(invalid(format!("Value and AttributeValueList cannot be used together for Attribute: {attr}")));
        }
        if let Some(raw_op) = r.op {
            if r.exists.is_some() {
                return Err(invalid(format!("Exists and ComparisonOperator cannot be used together for Attribute: {attr}")));
            }
            let op = operator(Some(raw_op))?;
            if !matches!(op, Op::Null | Op::NotNull) && r.list.is_none() && r.value.is_none() {
                return Err(invalid(format!("Value or AttributeValueList must be used with ComparisonOperator: {raw_op} for Attribute: {attr}")));
            }
            let values = match (r.list, r.value) {
                (Some(list), _) => parse_values(list)?,
                (None, Some(v)) => vec![AttributeValue::from_json(v)?],
                (None, None) => Vec::new(),
            };
            check_values(op, &values)?;
            out.push(Condition { attr: attr.to_string(), op, values });
        } else if r.list.is_some() {
            return Err(invalid(format!("AttributeValueList can only be used with a ComparisonOperator for Attribute: {attr}")));
        } else {
            let exists = r.exists.unwrap_or(true);
            match (exists, r.value) {
                (true, None) => {
                    let shown = if r.exists.is_some() { "true" } else { "null" };
                    return Err(invalid(format!("Value must be provided when Exists is {shown} for Attribute: {attr}")));
                }
                (false, Some(_)) => return Err(invalid(format!("Value cannot be used when Exists is false for Attribute: {attr}"))),
                (true, Some(v)) => out.push(Condition { attr: attr.to_string(), op: Op::Eq, values: vec![AttributeValue::from_json(v)?] }),
                (false, None) => out.push(Condition { attr: attr.to_string(), op: Op::Null, values: Vec::new() }),
            }
        }
    }
    Ok(out)
}

// ---- AttributesToGet ------------------------------------------------------------------------

/// Coral's constraint on AttributesToGet: at least one name. `path` is Coral's name for it.
pub fn constrain_attributes_to_get(c: &mut Constraints, names: Option<&[&str]>, path: &str) {
    if names.is_some_and(<[&str]>::is_empty) {
        c.add(Some("[]"), path, "Member must have length greater than or equal to 1");
    }
}

/// AttributesToGet as a projection: each name a top-level attribute, no duplicates.
pub fn attributes_to_get(names: &[&str]) -> Result<Vec<Path>, AwsError> {
    let mut out: Vec<Path> = Vec::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(invalid(format!("Duplicate value in attribute name: {n}")));
        }
        out.push(path_of(n));
    }
    Ok(out)
}

// ---- KeyConditions and QueryFilter ----------------------------------------------------------

/// The number of KeyConditions AWS accepts, checked before the table is looked at.
pub fn check_key_condition_count(n: usize) -> Result<(), AwsError> {
    if n == 1 || n == 2 {
        Ok(())
    } else {
        Err(plain("Conditions can be of length 1 or 2 only"))
    }
}

fn key_values(c: &Condition, attr: &KeyAttribute) -> Result<Vec<KeyValue>, AwsError> {
    c.values.iter().map(|v| scalar(v, attr.kind).ok_or_else(|| invalid("Condition parameter type does not match schema type"))).collect()
}

/// Splits KeyConditions into the partition key value and the optional sort-key condition for
/// the key schema being queried (the table's or an index's), with AWS's messages.
pub fn key_parts(conditions: &[Condition], schema: &KeySchema) -> Result<(KeyValue, Option<SortCondition>), AwsError> {
    let n = conditions.len();
    let find = |name: &str| conditions.iter().find(|c| c.attr == name);
    let not_supported = || plain("Query key condition not supported");
    let missed = |name: &str| plain(format!("Query condition missed key schema element: {name}"));
    let not_indexable = || plain("Attempted conditional constraint is not an indexable operation");
    if schema.range.is_none() && n > 1 {
        return Err(not_supported());
    }
    let hash = find(&schema.hash.name).ok_or_else(|| missed(&schema.hash.name))?;
    if !hash.op.indexable() {
        return Err(not_indexable());
    }
    let pk = key_values(hash, &schema.hash)?;
    let (Op::Eq, [pk]) = (hash.op, pk.as_slice()) else { return Err(not_supported()) };
    let sk = match &schema.range {
        None => None,
        Some(r) => match find(&r.name) {
            None if n > 1 => return Err(missed(&r.name)),
            None => None,
            Some(c) => {
                if !c.op.indexable() {
                    return Err(not_indexable());
                }
                let vals = key_values(c, r)?;
                Some(match (c.op, vals.as_slice()) {
                    (Op::Eq, [v]) => SortCondition::Cmp(Cmp::Eq, v.clone()),
                    (Op::Lt, [v]) => SortCondition::Cmp(Cmp::Lt, v.clone()),
                    (Op::Le, [v]) => SortCondition::Cmp(Cmp::Le, v.clone()),
                    (Op::Gt, [v]) => SortCondition::Cmp(Cmp::Gt, v.clone()),
                    (Op::Ge, [v]) => SortCondition::Cmp(Cmp::Ge, v.clone()),
                    (Op::BeginsWith, [v]) => SortCondition::BeginsWith(v.clone()),
                    (Op::Between, [lo, hi]) => SortCondition::Between(lo.clone(), hi.clone()),
                    _ => return Err(not_supported()),
                })
            }
        },
    };
    Ok((pk.clone(), sk))
}

/// QueryFilter may not name a key attribute of the table or index being queried.
pub fn check_query_filter(conditions: &[Condition], schema: &KeySchema) -> Result<(), AwsError> {
    for a in schema.attributes() {
        if conditions.iter().any(|c| c.attr == a.name) {
            return Err(plain(format!("QueryFilter can only contain non-primary key attributes: Primary key attribute: {}", a.name)));
        }
    }
    Ok(())
}

// ---- AttributeUpdates -----------------------------------------------------------------------

/// One AttributeUpdates entry as written, type-checked.
pub struct RawUpdate<'a> {
    pub attr: &'a str,
    pub action: Option<&'a str>,
    pub value: Option<&'a Value>,
}

pub fn read_updates<'a>(input: &Input<'a>) -> Result<Option<Vec<RawUpdate<'a>>>, AwsError> {
    let Some(entries) = input.structure_map("AttributeUpdates", "AttributeValueUpdate")? else { return Ok(None) };
    entries.into_iter().map(|(attr, e)| Ok(RawUpdate { attr, action: e.string("Action")?, value: e.raw("Value") })).collect::<Result<Vec<_>, _>>().map(Some)
}

pub fn constrain_updates(c: &mut Constraints, raws: Option<&[RawUpdate]>) {
    for r in raws.unwrap_or_default() {
        c.one_of(r.action, &format!("attributeUpdates.{}.member.action", r.attr), ACTIONS);
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    Put(AttributeValue),
    Add(AttributeValue),
    Delete(Option<AttributeValue>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttributeUpdate {
    pub attr: String,
    pub action: UpdateAction,
}

impl AttributeUpdate {
    /// Whether the update only takes something away (it never creates an item).
    pub fn removes_only(&self) -> bool {
        matches!(self.action, UpdateAction::Delete(_))
    }
}

/// Validates AttributeUpdates: a value for every action but DELETE, and the types each action
/// takes.
pub fn updates(raws: Option<&[RawUpdate]>) -> Result<Vec<AttributeUpdate>, AwsError> {
    let mut out = Vec::new();
    for r in raws.unwrap_or_default() {
        let value = r.value.map(AttributeValue::from_json).transpose()?;
        let action = match (r.action.unwrap_or("PUT"), value) {
            ("DELETE", v) => {
                if let Some(v) = v.as_ref().filter(|v| !matches!(v, AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_))) {
                    return Err(invalid(format!("DELETE action with value is not supported for the type {}", v.type_name())));
                }
                UpdateAction::Delete(v)
            }
            (_, None) => return Err(invalid("Only DELETE action is allowed when no attribute value is specified")),
            ("ADD", Some(v)) => {
                if !matches!(v, AttributeValue::N(_) | AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_) | AttributeValue::L(_)) {
                    return Err(invalid(format!("ADD action is not supported for the type {}", v.type_name())));
                }
                UpdateAction::Add(v)
            }
            (_, Some(v)) => UpdateAction::Put(v),
        };
        out.push(AttributeUpdate { attr: r.attr.to_string(), action });
    }
    Ok(out)
}

fn mismatch() -> AwsError {
    plain("Type mismatch for attribute to update")
}

fn union<T: PartialEq + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = a.to_vec();
    for x in b {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

fn minus<T: PartialEq + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

/// Applies AttributeUpdates to `item` (a copy of the old item, or the new item's key): PUT
/// replaces; ADD adds numbers, unions sets and appends to lists (creating the attribute when
/// absent); DELETE removes the attribute, or takes set members away (removing an emptied set).
pub fn apply_updates(item: &mut Item, updates: &[AttributeUpdate]) -> Result<(), AwsError> {
    use AttributeValue as A;
    for u in updates {
        let current = item.get(&u.attr);
        match &u.action {
            UpdateAction::Put(v) => {
                item.insert(u.attr.clone(), v.clone());
            }
            UpdateAction::Delete(None) => {
                item.shift_remove(&u.attr);
            }
            UpdateAction::Delete(Some(v)) => {
                let remaining = match (current, v) {
                    (None, _) => continue,
                    (Some(A::Ss(x)), A::Ss(y)) => A::Ss(minus(x, y)),
                    (Some(A::Ns(x)), A::Ns(y)) => A::Ns(minus(x, y)),
                    (Some(A::Bs(x)), A::Bs(y)) => A::Bs(minus(x, y)),
                    _ => return Err(mismatch()),
                };
                let emptied = matches!(&remaining, A::Ss(s) if s.is_empty()) || matches!(&remaining, A::Ns(s) if s.is_empty()) || matches!(&remaining, A::Bs(s) if s.is_empty());
                if emptied {
                    item.shift_remove(&u.attr);
                } else {
                    item.insert(u.attr.clone(), remaining);
                }
            }
            UpdateAction::Add(v) => {
                let new = match (current, v) {
                    (None, v) => v.clone(),
                    (Some(A::N(x)), A::N(y)) => A::N(x.add(y).map_err(|e| plain(e.message()))?),
                    (Some(A::Ss(x)), A::Ss(y)) => A::Ss(union(x, y)),
                    (Some(A::Ns(x)), A::Ns(y)) => A::Ns(union(x, y)),
                    (Some(A::Bs(x)), A::Bs(y)) => A::Bs(union(x, y)),
                    (Some(A::L(x)), A::L(y)) => A::L(x.iter().chain(y).cloned().collect()),
                    _ => return Err(mismatch()),
                };
                item.insert(u.attr.clone(), new);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
