//! Reading a request's JSON the way AWS's Coral framework does: `null` is absent, unknown
//! members are ignored, and a member of the wrong JSON type is a SerializationException whose
//! message names the JSON token and the Java type (`NUMBER_VALUE cannot be converted to String`).
//! Constraint failures are collected and reported together, as Coral does
//! (`2 validation errors detected: ...; ...`).

use std::{borrow::Cow, cell::RefCell};

use serde_json::{Map, Value};

use super::value::{item_from_json, Item};
use crate::kernel::error::AwsError;

fn token(v: &Value) -> &'static str {
    match v {
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Number(n) if n.is_f64() => "DECIMAL_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        _ => "VALUE",
    }
}

fn ser(msg: impl Into<String>) -> AwsError {
    AwsError::serialization(msg)
}

const STRUCT_START: &str = "Start of structure or map found where not expected";

pub struct Input<'a> {
    obj: Members<'a>,
    /// Attribute maps parsed straight from the request bytes (the fast JSON route), which are
    /// then not in `obj`.
    parsed: Option<&'a Parsed>,
}

/// A request object's members: a parsed JSON object, or the pairs the fast route read.
#[derive(Clone, Copy)]
enum Members<'a> {
    Map(&'a Map<String, Value>),
    Pairs(&'a [(Cow<'static, str>, Value)]),
}

/// Top-level attribute maps (`Key`, `Item`) the fast JSON route parsed into items directly.
#[derive(Debug, Default)]
pub struct Parsed {
    slot: RefCell<Option<(&'static str, Item)>>,
}

impl Parsed {
    /// `member` was parsed into `item` (or nothing was).
    pub fn new(parsed: Option<(&'static str, Item)>) -> Self {
        Parsed { slot: RefCell::new(parsed) }
    }

    fn take(&self, name: &str) -> Option<Item> {
        let mut slot = self.slot.borrow_mut();
        match &*slot {
            Some((member, _)) if *member == name => slot.take().map(|(_, item)| item),
            _ => None,
        }
    }
}

/// An attribute map member, either still JSON or already parsed.
pub enum AttrMap<'a> {
    Json(&'a Value),
    Parsed(Item),
}

impl AttrMap<'_> {
    pub fn into_item(self) -> Result<Item, AwsError> {
        match self {
            AttrMap::Json(v) => item_from_json(v),
            AttrMap::Parsed(item) => Ok(item),
        }
    }
}

impl<'a> Input<'a> {
    pub fn new(v: &'a Value) -> Result<Self, AwsError> {
        match v {
            Value::Object(obj) => Ok(Input { obj: Members::Map(obj), parsed: None }),
            _ => Err(ser("")),
        }
    }

    pub fn from_map(obj: &'a Map<String, Value>) -> Self {
        Input { obj: Members::Map(obj), parsed: None }
    }

    /// The members of `obj` plus the attribute maps the fast route parsed.
    pub fn with_parsed(members: &'a [(Cow<'static, str>, Value)], parsed: &'a Parsed) -> Self {
        Input { obj: Members::Pairs(members), parsed: Some(parsed) }
    }

    pub fn raw(&self, name: &str) -> Option<&'a Value> {
        // Requests carry a handful of members: comparing names is cheaper than hashing one.
        let v = match self.obj {
            Members::Map(m) if m.len() <= 12 => m.iter().find(|(k, _)| k.as_str() == name).map(|(_, v)| v),
            Members::Map(m) => m.get(name),
            Members::Pairs(p) => p.iter().find(|(k, _)| k == name).map(|(_, v)| v),
        };
        v.filter(|v| !v.is_null())
    }

    pub fn string(&self, name: &str) -> Result<Option<&'a str>, AwsError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(Value::Array(_)) => Err(ser("Unrecognized collection type class java.lang.String")),
            Some(Value::Object(_)) => Err(ser(STRUCT_START)),
            Some(v) => Err(ser(format!("{} cannot be converted to String", token(v)))),
        }
    }

    fn whole(&self, name: &str, java: &str) -> Result<Option<i64>, AwsError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Ok(Some(i)),
                None => Err(ser(format!("DECIMAL_VALUE cannot be converted to {java}"))),
            },
            Some(Value::Array(_)) => Err(ser(format!("Unrecognized collection type class java.lang.{java}"))),
            Some(Value::Object(_)) => Err(ser(STRUCT_START)),
            Some(v) => Err(ser(format!("{} cannot be converted to {java}", token(v)))),
        }
    }

    /// A Java Integer member: values outside 32 bits cannot be converted (and would otherwise
    /// wrap when used as a count on wasm32).
    pub fn integer(&self, name: &str) -> Result<Option<i64>, AwsError> {
        match self.whole(name, "Integer")? {
            Some(i) if i32::try_from(i).is_err() => Err(ser("NUMBER_VALUE cannot be converted to Integer")),
            other => Ok(other),
        }
    }

    pub fn long(&self, name: &str) -> Result<Option<i64>, AwsError> {
        self.whole(name, "Long")
    }

    pub fn boolean(&self, name: &str) -> Result<Option<bool>, AwsError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(_)) => Err(ser("Unexpected token received from parser")),
            Some(Value::Array(_)) => Err(ser("Unrecognized collection type class java.lang.Boolean")),
            Some(Value::Object(_)) => Err(ser(STRUCT_START)),
            Some(v) => Err(ser(format!("{} cannot be converted to Boolean", token(v)))),
        }
    }

    pub fn list(&self, name: &str) -> Result<Option<&'a Vec<Value>>, AwsError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(Value::Object(_)) => Err(ser(STRUCT_START)),
            Some(_) => Err(ser("Unexpected field type")),
        }
    }

    /// A structure member (ProvisionedThroughput, ...); `shape` names it in AWS's message.
    pub fn structure(&self, name: &str, shape: &str) -> Result<Option<Input<'a>>, AwsError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(Input { obj: Members::Map(o), parsed: None })),
            Some(Value::Array(_)) => Err(ser(format!("Unrecognized collection type class com.amazonaws.dynamodb.v20120810.{shape}"))),
            Some(_) => Err(ser("Unexpected field type")),
        }
    }

    /// A map of attribute values (Item, Key, ExclusiveStartKey).
    pub fn attribute_map(&self, name: &str) -> Result<Option<&'a Value>, AwsError> {
        match self.raw(name) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(Value::Array(_)) => Err(ser("Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>")),
            Some(_) => Err(ser("Unexpected field type")),
        }
    }

    /// Like [`Input::attribute_map`], but also finds a map the fast route parsed already. Each
    /// parsed map is handed out once: call this once per member.
    pub fn item_map(&self, name: &str) -> Result<Option<AttrMap<'a>>, AwsError> {
        if let Some(item) = self.parsed.and_then(|p| p.take(name)) {
            return Ok(Some(AttrMap::Parsed(item)));
        }
        Ok(self.attribute_map(name)?.map(AttrMap::Json))
    }

    /// A map of strings (ExpressionAttributeNames).
    pub fn string_map(&self, name: &str) -> Result<Option<&'a Map<String, Value>>, AwsError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Object(o)) => {
                for v in o.values() {
                    if !v.is_string() {
                        return Err(ser(format!("{} cannot be converted to String", token(v))));
                    }
                }
                Ok(Some(o))
            }
            Some(Value::Array(_)) => Err(ser("Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>")),
            Some(_) => Err(ser("Unexpected field type")),
        }
    }

    /// A map of structures (ScanFilter, Expected, AttributeUpdates), entries in request order;
    /// `shape` names the structure in AWS's message.
    pub fn structure_map(&self, name: &str, shape: &str) -> Result<Option<Vec<(&'a str, Input<'a>)>>, AwsError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Object(o)) => o
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| match v {
                    Value::Object(e) => Ok((k.as_str(), Input { obj: Members::Map(e), parsed: None })),
                    Value::Array(_) => Err(ser(format!("Unrecognized collection type class com.amazonaws.dynamodb.v20120810.{shape}"))),
                    _ => Err(ser("Unexpected value type in payload")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Value::Array(_)) => Err(ser(format!("Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.{shape}>"))),
            Some(_) => Err(ser("Unexpected field type")),
        }
    }

    /// A list of strings (AttributesToGet).
    pub fn string_list(&self, name: &str) -> Result<Option<Vec<&'a str>>, AwsError> {
        let Some(list) = self.list(name)? else {
            return Ok(None);
        };
        list.iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.as_str()),
                Value::Array(_) => Err(ser("Unrecognized collection type class java.lang.String")),
                Value::Object(_) => Err(ser(STRUCT_START)),
                Value::Null => Err(ser("Unexpected value type in payload")),
                v => Err(ser(format!("{} cannot be converted to String", token(v)))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// Each element of a list of structures, e.g. KeySchema's KeySchemaElement.
    pub fn elements(list: &'a [Value], shape: &str) -> Result<Vec<Input<'a>>, AwsError> {
        list.iter()
            .map(|v| match v {
                Value::Object(o) => Ok(Input { obj: Members::Map(o), parsed: None }),
                Value::Array(_) => Err(ser(format!("Unrecognized collection type class com.amazonaws.dynamodb.v20120810.{shape}"))),
                _ => Err(ser("Unexpected value type in payload")),
            })
            .collect()
    }

    /// Names of members present with a non-null value, for "not supported" checks.
    pub fn present(&self) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        match self.obj {
            Members::Map(m) => Box::new(m.iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k.as_str())),
            Members::Pairs(p) => Box::new(p.iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| &**k)),
        }
    }
}

/// Coral's aggregated constraint failures.
#[derive(Default)]
pub struct Constraints {
    errors: Vec<String>,
}

pub const TABLE_NAME_PATTERN: &str = "[a-zA-Z0-9_.-]+";

fn show(v: &str) -> String {
    format!("'{v}'")
}

impl Constraints {
    pub fn add(&mut self, value: Option<&str>, path: &str, constraint: &str) {
        let v = value.map(show).unwrap_or_else(|| "null".into());
        self.errors.push(format!("Value {v} at '{path}' failed to satisfy constraint: {constraint}"));
    }

    pub fn not_null<T>(&mut self, value: Option<T>, path: &str) {
        if value.is_none() {
            self.add(None, path, "Member must not be null");
        }
    }

    /// A table or index name: pattern, then length 3..=255.
    pub fn name(&mut self, value: Option<&str>, path: &str) {
        let Some(v) = value else { return };
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')) {
            self.add(Some(v), path, &format!("Member must satisfy regular expression pattern: {TABLE_NAME_PATTERN}"));
        }
        if v.len() < 3 {
            self.add(Some(v), path, "Member must have length greater than or equal to 3");
        }
        if v.len() > 255 {
            self.add(Some(v), path, "Member must have length less than or equal to 255");
        }
    }

    pub fn min(&mut self, value: Option<i64>, path: &str, min: i64) {
        if let Some(v) = value.filter(|v| *v < min) {
            self.add(Some(&v.to_string()), path, &format!("Member must have value greater than or equal to {min}"));
        }
    }

    pub fn max(&mut self, value: Option<i64>, path: &str, max: i64) {
        if let Some(v) = value.filter(|v| *v > max) {
            self.add(Some(&v.to_string()), path, &format!("Member must have value less than or equal to {max}"));
        }
    }

    pub fn one_of(&mut self, value: Option<&str>, path: &str, allowed: &[&str]) {
        if let Some(v) = value.filter(|v| !allowed.contains(v)) {
            self.add(Some(v), path, &format!("Member must satisfy enum value set: [{}]", allowed.join(", ")));
        }
    }

    /// `Err` with every collected failure (at most ten, as AWS reports), or `Ok`.
    pub fn finish(self) -> Result<(), AwsError> {
        let n = self.errors.len();
        match n {
            0 => Ok(()),
            1 => Err(AwsError::validation(format!("1 validation error detected: {}", self.errors[0]))),
            _ => Err(AwsError::validation(format!("{n} validation errors detected: {}", self.errors.iter().take(10).cloned().collect::<Vec<_>>().join("; ")))),
        }
    }
}

/// The special TableName checks of CreateTable, DescribeTable and DeleteTable, which fire before
/// the aggregated constraints.
pub fn required_table_name(name: Option<&str>) -> Result<&str, AwsError> {
    let Some(name) = name else {
        return Err(AwsError::validation("The parameter 'TableName' is required but was not present in the request"));
    };
    if name.len() < 3 || name.len() > 255 {
        return Err(AwsError::validation("TableName must be at least 3 characters long and at most 255 characters long"));
    }
    Ok(name)
}

/// Rejects members that AWS accepts but this build does not implement yet, instead of ignoring
/// them silently. `known` lists the members the operation implements.
pub fn reject_unimplemented(input: &Input, operation: &str, implemented: &[&str], aws_members: &[&str]) -> Result<(), AwsError> {
    for name in input.present() {
        if !implemented.contains(&name) && aws_members.contains(&name) {
            return Err(AwsError::validation(format!("Gureum does not implement the {name} parameter of {operation} yet; remove it from the request.")));
        }
    }
    Ok(())
}
