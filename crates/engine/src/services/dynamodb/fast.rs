//! The fast JSON route for the hot operations (`Engine::call_json`): the request text is parsed
//! straight into its attribute map (`Key` or `Item`) and the other members, and answers that
//! carry items are written as text from the items (see [`super::reply`]).
//!
//! The route only takes requests it can read without judgement: well-formed attribute values
//! of the common types (S, N, B, BOOL, NULL, L, M), each with exactly one member. Anything else —
//! sets, nulls, a second type member, an invalid number, deep nesting, a body that is not a JSON
//! object — makes [`prepare`] return `None`, and the request takes the general route, which
//! produces AWS's error. So both routes give the same answer to every request; the fast one
//! only skips building a JSON value tree for the bulk of the data.

use std::{any::Any, borrow::Cow};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::Value;

use super::{
    input::{Input, Parsed},
    items,
    number::Number,
    query, scan,
    value::{AttributeValue, Item, MAX_DEPTH},
    DynamoDb,
};
use crate::kernel::{error::AwsError, service::Cx};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    GetItem,
    PutItem,
    DeleteItem,
    UpdateItem,
    Query,
    Scan,
}

/// A request's members other than its attribute map, in order.
type Members = Vec<(Cow<'static, str>, Value)>;

/// A request read by the fast route.
#[derive(Debug)]
pub struct Prepared {
    op: Op,
    rest: Members,
    parsed: Parsed,
}

/// Reads `body` for `operation`, or `None` when the general route must take it.
pub fn prepare(operation: &str, body: &[u8]) -> Option<Box<dyn Any + Send>> {
    let (op, member) = match operation {
        "GetItem" => (Op::GetItem, "Key"),
        "PutItem" => (Op::PutItem, "Item"),
        "DeleteItem" => (Op::DeleteItem, "Key"),
        "UpdateItem" => (Op::UpdateItem, "Key"),
        "Query" => (Op::Query, ""),
        "Scan" => (Op::Scan, ""),
        _ => return None,
    };
    let (rest, map) = read_request(body, member)?;
    let parsed = Parsed::new(map.map(|m| (member, m)));
    Some(Box::new(Prepared { op, rest, parsed }))
}

/// Runs a request [`prepare`] read, answering in JSON text.
pub fn call(db: &mut DynamoDb, cx: &mut Cx, prepared: Box<dyn Any + Send>) -> Result<Vec<u8>, AwsError> {
    let Ok(p) = prepared.downcast::<Prepared>() else {
        return Err(AwsError::internal("a fast-route request of another service reached DynamoDB"));
    };
    let input = Input::with_parsed(&p.rest, &p.parsed);
    let mut out = Vec::with_capacity(256);
    match p.op {
        Op::GetItem => items::get_item_reply(db, cx, &input)?.write_json(&mut out),
        Op::Query => query::query_reply(db, cx, &input)?.write_json(&mut out),
        Op::Scan => scan::scan_reply(db, cx, &input)?.write_json(&mut out),
        Op::PutItem => write_value(&mut out, &items::put_item_input(db, cx, &input)?),
        Op::DeleteItem => write_value(&mut out, &items::delete_item_input(db, cx, &input)?),
        Op::UpdateItem => write_value(&mut out, &items::update_item_input(db, cx, &input)?),
    }
    Ok(out)
}

fn write_value(out: &mut Vec<u8>, v: &Value) {
    // Writing JSON into a Vec cannot fail.
    let _ = serde_json::to_writer(out, v);
}

/// Nesting allowed in members read as plain JSON (serde_json allows 128; deeper requests take
/// the general route).
const MAX_JSON_DEPTH: usize = 64;

/// Reads the request object: `member` as an attribute map, every other member as a JSON value.
/// `None` for anything the general route must judge: invalid JSON, escapes in strings, a
/// repeated `member`, attribute values outside the common forms.
fn read_request(body: &[u8], member: &str) -> Option<(Members, Option<Item>)> {
    let text = std::str::from_utf8(body).ok()?;
    let mut p = Reader { s: text.as_bytes(), text, i: 0 };
    let mut rest: Members = Vec::with_capacity(4);
    let mut item = None;
    p.ws();
    p.eat(b'{')?;
    p.ws();
    if !p.try_eat(b'}') {
        loop {
            p.ws();
            let key = p.string()?;
            p.ws();
            p.eat(b':')?;
            p.ws();
            if !member.is_empty() && key == member {
                if item.is_some() {
                    return None;
                }
                item = Some(p.attr_map(0)?);
            } else {
                let v = p.value(0)?;
                // A repeated member keeps its first place and its last value, as in a parsed
                // JSON object.
                match rest.iter_mut().find(|(k, _)| k == key) {
                    Some(slot) => slot.1 = v,
                    None => rest.push((member_name(key), v)),
                }
            }
            p.ws();
            if p.try_eat(b',') {
                continue;
            }
            p.eat(b'}')?;
            break;
        }
    }
    p.ws();
    (p.i == p.s.len()).then_some((rest, item))
}

/// The request members of the fast-route operations, so naming one costs no allocation.
const MEMBERS: &[&str] = &[
    "TableName",
    "ConsistentRead",
    "ReturnConsumedCapacity",
    "ProjectionExpression",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
    "KeyConditionExpression",
    "FilterExpression",
    "IndexName",
    "Limit",
    "Select",
    "ScanIndexForward",
    "ExclusiveStartKey",
    "Segment",
    "TotalSegments",
    "ConditionExpression",
    "UpdateExpression",
    "ReturnValues",
    "ReturnItemCollectionMetrics",
    "ReturnValuesOnConditionCheckFailure",
];

fn member_name(name: &str) -> Cow<'static, str> {
    match MEMBERS.iter().find(|m| **m == name) {
        Some(m) => Cow::Borrowed(m),
        None => Cow::Owned(name.to_string()),
    }
}

/// A cursor over the request text.
struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl<'a> Reader<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn try_eat(&mut self, b: u8) -> bool {
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        self.try_eat(b).then_some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        (self.s.get(self.i..self.i + word.len()) == Some(word)).then(|| self.i += word.len())
    }

    /// A string without escapes (those take the general route).
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match *self.s.get(self.i)? {
                b'"' => break,
                b'\\' => return None,
                c if c < 0x20 => return None,
                _ => self.i += 1,
            }
        }
        let out = self.text.get(start..self.i)?;
        self.i += 1;
        Some(out)
    }

    /// Any JSON value, as serde_json would parse it.
    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_JSON_DEPTH {
            return None;
        }
        match *self.s.get(self.i)? {
            b'"' => self.string().map(|s| Value::String(s.to_string())),
            b'{' => {
                self.i += 1;
                let mut m = serde_json::Map::new();
                self.ws();
                if self.try_eat(b'}') {
                    return Some(Value::Object(m));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    m.insert(k.to_string(), v);
                    self.ws();
                    if self.try_eat(b',') {
                        continue;
                    }
                    self.eat(b'}')?;
                    return Some(Value::Object(m));
                }
            }
            b'[' => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.try_eat(b']') {
                    return Some(Value::Array(a));
                }
                loop {
                    self.ws();
                    a.push(self.value(depth + 1)?);
                    self.ws();
                    if self.try_eat(b',') {
                        continue;
                    }
                    self.eat(b']')?;
                    return Some(Value::Array(a));
                }
            }
            b't' => self.literal(b"true").map(|_| Value::Bool(true)),
            b'f' => self.literal(b"false").map(|_| Value::Bool(false)),
            b'n' => self.literal(b"null").map(|_| Value::Null),
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.s.get(self.i) {
                    self.i += 1;
                }
                // serde_json decides what the number is, exactly as on the general route.
                serde_json::from_str::<Value>(self.text.get(start..self.i)?).ok()
            }
            _ => None,
        }
    }

    /// An attribute map whose values sit at nesting `depth`.
    fn attr_map(&mut self, depth: usize) -> Option<Item> {
        self.eat(b'{')?;
        let mut item = Item::with_capacity_and_hasher(4, Default::default());
        self.ws();
        if self.try_eat(b'}') {
            return Some(item);
        }
        loop {
            self.ws();
            let name = self.string()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            let v = self.attr(depth)?;
            // A repeated name keeps its first place and its last value, as a JSON object
            // parsed by the general route does.
            item.insert(name.to_string(), v);
            self.ws();
            if self.try_eat(b',') {
                continue;
            }
            self.eat(b'}')?;
            return Some(item);
        }
    }

    /// One attribute value (`{"S": "x"}`) at nesting `depth`: exactly one member, of the
    /// common types.
    fn attr(&mut self, depth: usize) -> Option<AttributeValue> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'{')?;
        self.ws();
        let tag = self.string()?;
        self.ws();
        self.eat(b':')?;
        self.ws();
        let v = match tag {
            "S" => AttributeValue::S(self.string()?.to_string()),
            "N" => AttributeValue::N(Number::parse(self.string()?).ok()?),
            "B" => AttributeValue::B(B64.decode(self.string()?.as_bytes()).ok()?),
            "BOOL" => match self.value(MAX_JSON_DEPTH)? {
                Value::Bool(b) => AttributeValue::Bool(b),
                _ => return None,
            },
            "NULL" => {
                self.literal(b"true")?;
                AttributeValue::Null
            }
            "L" => {
                self.eat(b'[')?;
                let mut list = Vec::new();
                self.ws();
                if !self.try_eat(b']') {
                    loop {
                        self.ws();
                        list.push(self.attr(depth + 1)?);
                        self.ws();
                        if self.try_eat(b',') {
                            continue;
                        }
                        self.eat(b']')?;
                        break;
                    }
                }
                AttributeValue::L(list)
            }
            "M" => AttributeValue::M(self.attr_map(depth + 1)?),
            _ => return None,
        };
        self.ws();
        self.eat(b'}')?;
        Some(v)
    }
}
