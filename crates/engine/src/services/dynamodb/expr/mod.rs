//! DynamoDB's expression language: condition and filter expressions, projection expressions,
//! key condition expressions (and, later, update expressions). Parsing is recursive descent
//! over a linear-time lexer, with limits on length, nesting and operator count, so hostile
//! input is rejected fast. `#name` and `:value` placeholders are resolved while parsing, and
//! placeholders the expressions never use are reported, as AWS does.

pub mod eval;
pub mod lexer;
pub mod parser;
pub mod reserved;
pub mod update;

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::value::{AttributeValue, Item};
use crate::kernel::error::AwsError;

/// Longest expression AWS accepts, in bytes.
pub const MAX_EXPRESSION_BYTES: usize = 4096;
/// Most operators (comparisons, AND/OR/NOT, BETWEEN, IN, functions) in one expression.
pub const MAX_OPERATORS: usize = 300;
/// Deepest nesting the parser follows before refusing.
pub const MAX_DEPTH: usize = 64;
/// Most elements of one document path (`a.b[0]` has three), as AWS counts nesting levels.
pub const MAX_PATH_DEPTH: usize = 32;
/// Most operands of IN.
pub const MAX_IN_OPERANDS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathElem {
    Attr(String),
    Index(usize),
}

/// A document path: `a.b[2].c`, names already resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Path(pub Vec<PathElem>);

impl Path {
    /// AWS's rendering in overlap messages: `[a, b, [2]]`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| match e {
                PathElem::Attr(a) => a.clone(),
                PathElem::Index(i) => format!("[{i}]"),
            })
            .collect();
        format!("[{}]", parts.join(", "))
    }

    pub fn top(&self) -> &str {
        match self.0.first() {
            Some(PathElem::Attr(a)) => a,
            _ => "",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    Value(AttributeValue),
    Size(Path),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "<>",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Cmp(Cmp, Operand, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    Exists(Path),
    NotExists(Path),
    Type(Path, Operand),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

impl Cond {
    /// Every document path the condition reads, in the order they are written.
    pub fn paths(&self) -> Vec<&Path> {
        fn operand<'a>(o: &'a Operand, out: &mut Vec<&'a Path>) {
            if let Operand::Path(p) | Operand::Size(p) = o {
                out.push(p);
            }
        }
        fn walk<'a>(c: &'a Cond, out: &mut Vec<&'a Path>) {
            match c {
                Cond::Cmp(_, a, b) | Cond::BeginsWith(a, b) | Cond::Contains(a, b) => {
                    operand(a, out);
                    operand(b, out);
                }
                Cond::Between(a, b, c) => {
                    operand(a, out);
                    operand(b, out);
                    operand(c, out);
                }
                Cond::In(a, list) => {
                    operand(a, out);
                    for o in list {
                        operand(o, out);
                    }
                }
                Cond::Exists(p) | Cond::NotExists(p) => out.push(p),
                Cond::Type(p, o) => {
                    out.push(p);
                    operand(o, out);
                }
                Cond::And(a, b) | Cond::Or(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Cond::Not(a) => walk(a, out),
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }
}

/// Which request member an expression came from; it names the expression in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Condition,
    Filter,
    Projection,
    KeyCondition,
    Update,
}

impl Kind {
    pub fn member(self) -> &'static str {
        match self {
            Kind::Condition => "ConditionExpression",
            Kind::Filter => "FilterExpression",
            Kind::Projection => "ProjectionExpression",
            Kind::KeyCondition => "KeyConditionExpression",
            Kind::Update => "UpdateExpression",
        }
    }
}

/// ExpressionAttributeNames and ExpressionAttributeValues of one request, and which of them
/// the request's expressions used.
#[derive(Debug, Default)]
pub struct Placeholders {
    names: Option<Map<String, Value>>,
    values: Option<Item>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
}

impl Placeholders {
    /// Validates the maps themselves (non-empty, well-formed keys, valid values).
    pub fn new(names: Option<&Map<String, Value>>, values: Option<&Value>) -> Result<Placeholders, AwsError> {
        if let Some(n) = names {
            if n.is_empty() {
                return Err(AwsError::validation("ExpressionAttributeNames must not be empty"));
            }
            for k in n.keys() {
                if !valid_placeholder(k, '#') {
                    return Err(AwsError::validation(format!("ExpressionAttributeNames contains invalid key: Syntax error; key: \"{k}\"")));
                }
            }
        }
        let values = match values {
            Some(Value::Object(m)) => {
                if m.is_empty() {
                    return Err(AwsError::validation("ExpressionAttributeValues must not be empty"));
                }
                let mut item = Item::with_capacity_and_hasher(m.len(), Default::default());
                for (k, v) in m {
                    if !valid_placeholder(k, ':') {
                        return Err(AwsError::validation(format!("ExpressionAttributeValues contains invalid key: Syntax error; key: \"{k}\"")));
                    }
                    let av =
                        AttributeValue::from_json(v).map_err(|e| AwsError::validation(format!("ExpressionAttributeValues contains invalid value: {} for key {k}", e.message)))?;
                    item.insert(k.clone(), av);
                }
                Some(item)
            }
            Some(_) => return Err(AwsError::serialization("Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>")),
            None => None,
        };
        Ok(Placeholders { names: names.cloned(), values, used_names: BTreeSet::new(), used_values: BTreeSet::new() })
    }

    pub fn name(&mut self, key: &str) -> Option<String> {
        let v = self.names.as_ref()?.get(key)?.as_str()?.to_string();
        self.used_names.insert(key.to_string());
        Some(v)
    }

    pub fn value(&mut self, key: &str) -> Option<AttributeValue> {
        let v = self.values.as_ref()?.get(key)?.clone();
        self.used_values.insert(key.to_string());
        Some(v)
    }

    pub fn has_names(&self) -> bool {
        self.names.is_some()
    }

    pub fn has_values(&self) -> bool {
        self.values.is_some()
    }

    /// After every expression of the request is parsed: placeholders nobody used are an error.
    pub fn check_all_used(&self) -> Result<(), AwsError> {
        if let Some(n) = &self.names {
            let unused: Vec<&str> = n.keys().map(String::as_str).filter(|k| !self.used_names.contains(*k)).collect();
            if !unused.is_empty() {
                return Err(AwsError::validation(format!("Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}", unused.join(", "))));
            }
        }
        if let Some(v) = &self.values {
            let unused: Vec<&str> = v.keys().map(String::as_str).filter(|k| !self.used_values.contains(*k)).collect();
            if !unused.is_empty() {
                return Err(AwsError::validation(format!("Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}", unused.join(", "))));
            }
        }
        Ok(())
    }
}

fn valid_placeholder(k: &str, sigil: char) -> bool {
    let mut chars = k.chars();
    chars.next() == Some(sigil) && k.len() > 1 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests;
