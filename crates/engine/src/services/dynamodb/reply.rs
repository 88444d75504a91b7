//! Answers that carry items, kept as items until the host asks for a form: a JSON value for
//! [`Engine::call`](crate::Engine::call), or JSON text written straight from the items for
//! [`Engine::call_json`](crate::Engine::call_json) (no intermediate `Value` tree per attribute,
//! which is most of the cost of a GetItem, Query or Scan answer).

use std::borrow::Cow;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{Map, Value};

use super::{
    table::Stored,
    value::{item_size, item_to_json, AttributeValue, Item},
};

pub enum Items<'a> {
    /// GetItem's `Item`.
    One(Row<'a>),
    /// Query's and Scan's `Items`.
    Many(Vec<Row<'a>>),
}

/// An item in an answer: a stored one (whose JSON text can be reused), a borrowed one, or one
/// made for the answer (a projection).
pub enum Row<'a> {
    Stored(&'a Stored),
    Borrowed(&'a Item),
    Owned(Item),
}

impl Row<'_> {
    /// [`item_size`] of the item.
    pub fn size(&self) -> usize {
        match self {
            Row::Stored(s) => s.size(),
            other => item_size(other),
        }
    }

    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Row::Stored(s) => s.write_json(out),
            other => write_item(out, other),
        }
    }
}

impl std::ops::Deref for Row<'_> {
    type Target = Item;

    fn deref(&self) -> &Item {
        match self {
            Row::Stored(s) => s.item(),
            Row::Borrowed(i) => i,
            Row::Owned(i) => i,
        }
    }
}

impl<'a> From<Cow<'a, Item>> for Row<'a> {
    fn from(c: Cow<'a, Item>) -> Self {
        match c {
            Cow::Borrowed(i) => Row::Borrowed(i),
            Cow::Owned(i) => Row::Owned(i),
        }
    }
}

pub struct Reply<'a> {
    /// The member holding items, first in the answer when present.
    pub items: Option<(&'static str, Items<'a>)>,
    /// Every other member, in order.
    pub rest: Map<String, Value>,
}

impl<'a> Reply<'a> {
    pub fn new() -> Self {
        Reply { items: None, rest: Map::new() }
    }

    pub fn into_value(self) -> Value {
        let mut out = Map::with_capacity(self.rest.len() + 1);
        match self.items {
            Some((name, Items::One(item))) => {
                out.insert(name.to_string(), item_to_json(&item));
            }
            Some((name, Items::Many(items))) => {
                out.insert(name.to_string(), Value::Array(items.iter().map(|i| item_to_json(i)).collect()));
            }
            None => {}
        }
        out.extend(self.rest);
        Value::Object(out)
    }

    /// The answer as JSON text: the same document [`Reply::into_value`] serialises to.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        match &self.items {
            Some((name, Items::One(item))) => {
                write_str(out, name);
                out.push(b':');
                item.write_json(out);
                first = false;
            }
            Some((name, Items::Many(items))) => {
                write_str(out, name);
                out.extend_from_slice(b":[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write_json(out);
                }
                out.push(b']');
                first = false;
            }
            None => {}
        }
        for (k, v) in &self.rest {
            if !first {
                out.push(b',');
            }
            first = false;
            write_str(out, k);
            out.push(b':');
            // Writing JSON into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, v);
        }
        out.push(b'}');
    }
}

impl Default for Reply<'_> {
    fn default() -> Self {
        Self::new()
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    // Most strings need no escaping: check 16 bytes at a time (without an early exit, so the
    // check vectorises) and copy them whole.
    let bytes = s.as_bytes();
    let plain = |b: u8| b >= 0x20 && b != b'"' && b != b'\\';
    let mut chunks = bytes.chunks_exact(16);
    let mut clean = chunks.by_ref().all(|c| c.iter().fold(true, |ok, &b| ok & plain(b)));
    clean = clean && chunks.remainder().iter().all(|&b| plain(b));
    if clean {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// An attribute map as DynamoDB JSON.
pub fn write_item(out: &mut Vec<u8>, item: &Item) {
    out.push(b'{');
    for (i, (k, v)) in item.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, k);
        out.push(b':');
        write_attribute(out, v);
    }
    out.push(b'}');
}

fn write_b64(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'"');
    let start = out.len();
    out.resize(start + b.len().div_ceil(3) * 4, 0);
    let n = B64.encode_slice(b, &mut out[start..]).unwrap_or(0);
    out.truncate(start + n);
    out.push(b'"');
}

fn write_list<T>(out: &mut Vec<u8>, tag: &[u8], items: &[T], mut each: impl FnMut(&mut Vec<u8>, &T)) {
    out.extend_from_slice(tag);
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, x);
    }
    out.extend_from_slice(b"]}");
}

/// One attribute value as DynamoDB JSON (`{"S":"x"}`, ...), as [`AttributeValue::to_json`] gives.
pub fn write_attribute(out: &mut Vec<u8>, v: &AttributeValue) {
    match v {
        AttributeValue::S(s) => {
            out.extend_from_slice(b"{\"S\":");
            write_str(out, s);
            out.push(b'}');
        }
        AttributeValue::N(n) => {
            // Canonical numbers are digits, '-' and '.': nothing to escape.
            out.extend_from_slice(b"{\"N\":\"");
            n.write_canonical(out);
            out.extend_from_slice(b"\"}");
        }
        AttributeValue::B(b) => {
            out.extend_from_slice(b"{\"B\":");
            write_b64(out, b);
            out.push(b'}');
        }
        AttributeValue::Bool(b) => out.extend_from_slice(if *b { b"{\"BOOL\":true}" } else { b"{\"BOOL\":false}" }),
        AttributeValue::Null => out.extend_from_slice(b"{\"NULL\":true}"),
        AttributeValue::L(l) => write_list(out, b"{\"L\":[", l, write_attribute),
        AttributeValue::M(m) => {
            out.extend_from_slice(b"{\"M\":");
            write_item(out, m);
            out.push(b'}');
        }
        AttributeValue::Ss(v) => write_list(out, b"{\"SS\":[", v, |o, s| write_str(o, s)),
        AttributeValue::Ns(v) => write_list(out, b"{\"NS\":[", v, |o, n| {
            o.push(b'"');
            n.write_canonical(o);
            o.push(b'"');
        }),
        AttributeValue::Bs(v) => write_list(out, b"{\"BS\":[", v, |o, b| write_b64(o, b)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::services::dynamodb::value::item_from_json;

    #[test]
    fn written_json_is_the_value_form() {
        let item = item_from_json(&json!({
            "s": {"S": "quote \" backslash \\ newline \n tab \t unicode 구름 \u{1}"}, "n": {"N": "-001.500e3"}, "z": {"N": "0"},
            "b": {"B": "AQID"}, "e": {"B": ""}, "clean": {"S": "a clean string longer than sixteen bytes, 구름 included"}, "tail": {"S": "sixteen clean by\"x"}, "t": {"BOOL": true}, "f": {"BOOL": false}, "nul": {"NULL": true},
            "l": {"L": [{"S": "a"}, {"N": "2"}, {"L": []}, {"M": {}}]},
            "m": {"M": {"inner \"name\"": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.50"]}, "bs": {"BS": ["AQ==", "Ag=="]}}}
        }))
        .unwrap();
        let mut rest = Map::new();
        rest.insert("Count".into(), json!(1));
        rest.insert("LastEvaluatedKey".into(), json!({"k": {"S": "v"}}));
        for reply in [
            Reply { items: Some(("Item", Items::One(Row::Borrowed(&item)))), rest: Map::new() },
            Reply { items: Some(("Items", Items::Many(vec![Row::Borrowed(&item), Row::Owned(Item::default())]))), rest: rest.clone() },
            Reply { items: Some(("Items", Items::Many(Vec::new()))), rest: rest.clone() },
            Reply { items: None, rest: rest.clone() },
            Reply::new(),
        ] {
            let mut text = Vec::new();
            reply.write_json(&mut text);
            let parsed: Value = serde_json::from_slice(&text).expect("valid JSON");
            let value = reply.into_value();
            assert_eq!(parsed, value);
            // Same member order too.
            assert_eq!(serde_json::to_string(&parsed).unwrap(), serde_json::to_string(&value).unwrap());
        }
    }
}
