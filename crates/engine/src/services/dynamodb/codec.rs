//! Compact binary encoding of items for durable records: fast to decode when a large sandbox
//! reloads (JSON would cost several times more). Sandbox export converts it to DynamoDB JSON.

use super::{
    key::{KeyValue, PrimaryKey},
    number::Number,
    value::{AttributeValue, Item, MAX_DEPTH},
};

fn put_len(out: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_len(out, b.len());
    out.extend_from_slice(b);
}

/// [`put_bytes`] of the number's canonical text, written in place (no temporary string).
fn put_number(out: &mut Vec<u8>, n: &Number) {
    let at = out.len();
    out.push(0);
    n.write_canonical(out);
    let len = out.len() - at - 1;
    if len < 0x80 {
        out[at] = len as u8;
    } else {
        let mut prefix = Vec::with_capacity(2);
        put_len(&mut prefix, len);
        out.splice(at..at + 1, prefix);
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

type R<T> = Result<T, String>;

impl<'a> Reader<'a> {
    fn byte(&mut self) -> R<u8> {
        let v = *self.b.get(self.pos).ok_or("truncated item")?;
        self.pos += 1;
        Ok(v)
    }

    fn len(&mut self) -> R<usize> {
        let mut v = 0usize;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift > 56 {
                return Err("bad length".into());
            }
            v |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    fn bytes(&mut self) -> R<&'a [u8]> {
        let n = self.len()?;
        let end = self.pos.checked_add(n).filter(|e| *e <= self.b.len()).ok_or("truncated item")?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn string(&mut self) -> R<String> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| "string is not UTF-8".to_string())
    }

    fn number(&mut self) -> R<Number> {
        let s = std::str::from_utf8(self.bytes()?).map_err(|_| "bad number")?;
        Number::parse(s).map_err(|e| e.message().to_string())
    }
}

const T_S: u8 = 1;
const T_N: u8 = 2;
const T_B: u8 = 3;
const T_TRUE: u8 = 4;
const T_FALSE: u8 = 5;
const T_NULL: u8 = 6;
const T_L: u8 = 7;
const T_M: u8 = 8;
const T_SS: u8 = 9;
const T_NS: u8 = 10;
const T_BS: u8 = 11;

fn encode_value(out: &mut Vec<u8>, v: &AttributeValue) {
    match v {
        AttributeValue::S(s) => {
            out.push(T_S);
            put_bytes(out, s.as_bytes());
        }
        AttributeValue::N(n) => {
            out.push(T_N);
            put_number(out, n);
        }
        AttributeValue::B(b) => {
            out.push(T_B);
            put_bytes(out, b);
        }
        AttributeValue::Bool(true) => out.push(T_TRUE),
        AttributeValue::Bool(false) => out.push(T_FALSE),
        AttributeValue::Null => out.push(T_NULL),
        AttributeValue::L(l) => {
            out.push(T_L);
            put_len(out, l.len());
            for x in l {
                encode_value(out, x);
            }
        }
        AttributeValue::M(m) => {
            out.push(T_M);
            encode_map(out, m);
        }
        AttributeValue::Ss(v) => {
            out.push(T_SS);
            put_len(out, v.len());
            for s in v {
                put_bytes(out, s.as_bytes());
            }
        }
        AttributeValue::Ns(v) => {
            out.push(T_NS);
            put_len(out, v.len());
            for n in v {
                put_number(out, n);
            }
        }
        AttributeValue::Bs(v) => {
            out.push(T_BS);
            put_len(out, v.len());
            for b in v {
                put_bytes(out, b);
            }
        }
    }
}

pub(crate) fn encode_map(out: &mut Vec<u8>, m: &Item) {
    put_len(out, m.len());
    for (k, v) in m {
        put_bytes(out, k.as_bytes());
        encode_value(out, v);
    }
}

/// Exactly what [`encode_map`] writes for `schema.key_map(key)`, without building the map.
pub(crate) fn encode_key_map(out: &mut Vec<u8>, schema: &super::key::KeySchema, key: &PrimaryKey) {
    let range = schema.range.as_ref().zip(key.sk.as_ref());
    put_len(out, 1 + usize::from(range.is_some()));
    for (name, v) in std::iter::once((&schema.hash.name, &key.pk)).chain(range.map(|(r, sk)| (&r.name, sk))) {
        put_bytes(out, name.as_bytes());
        match v {
            KeyValue::S(s) => {
                out.push(T_S);
                put_bytes(out, s.as_bytes());
            }
            KeyValue::N(n) => {
                out.push(T_N);
                put_number(out, n);
            }
            KeyValue::B(b) => {
                out.push(T_B);
                put_bytes(out, b);
            }
        }
    }
}

/// [`encode_key_map`] read from an item that holds the key attributes (a stored item does): the
/// same bytes, without the key. False (nothing written) when an attribute is missing.
pub(crate) fn encode_key_map_of_item(out: &mut Vec<u8>, schema: &super::key::KeySchema, item: &Item) -> bool {
    let hash = super::value::attribute(item, &schema.hash.name);
    let range = match &schema.range {
        Some(r) => match super::value::attribute(item, &r.name) {
            Some(v) => Some((&r.name, v)),
            None => return false,
        },
        None => None,
    };
    let Some(hash) = hash.filter(|v| matches!(v, AttributeValue::S(_) | AttributeValue::N(_) | AttributeValue::B(_))) else { return false };
    if range.is_some_and(|(_, v)| !matches!(v, AttributeValue::S(_) | AttributeValue::N(_) | AttributeValue::B(_))) {
        return false;
    }
    put_len(out, 1 + usize::from(range.is_some()));
    for (name, v) in std::iter::once((&schema.hash.name, hash)).chain(range) {
        put_bytes(out, name.as_bytes());
        encode_value(out, v);
    }
    true
}

/// A set as DynamoDB allows it: not empty, no duplicates.
fn valid_set<T: std::hash::Hash + Eq>(v: Vec<T>) -> R<Vec<T>> {
    let mut seen = std::collections::HashSet::with_capacity(v.len());
    if v.is_empty() || !v.iter().all(|x| seen.insert(x)) {
        return Err("set is empty or holds duplicates".into());
    }
    Ok(v)
}

/// Decodes what [`encode_value`] wrote, accepting only values the engine could have stored:
/// the same nesting limit and set rules as DynamoDB JSON input, so whatever loads also exports
/// and imports again.
fn decode_value(r: &mut Reader, depth: usize) -> R<AttributeValue> {
    if depth > MAX_DEPTH {
        return Err("item nested too deeply".into());
    }
    Ok(match r.byte()? {
        T_S => AttributeValue::S(r.string()?),
        T_N => AttributeValue::N(r.number()?),
        T_B => AttributeValue::B(r.bytes()?.to_vec()),
        T_TRUE => AttributeValue::Bool(true),
        T_FALSE => AttributeValue::Bool(false),
        T_NULL => AttributeValue::Null,
        T_L => {
            let n = r.len()?;
            let mut l = Vec::with_capacity(n.min(4096));
            for _ in 0..n {
                l.push(decode_value(r, depth + 1)?);
            }
            AttributeValue::L(l)
        }
        T_M => AttributeValue::M(decode_map(r, depth + 1)?),
        T_SS => {
            let n = r.len()?;
            AttributeValue::Ss(valid_set((0..n).map(|_| r.string()).collect::<R<_>>()?)?)
        }
        T_NS => {
            let n = r.len()?;
            AttributeValue::Ns(valid_set((0..n).map(|_| r.number()).collect::<R<_>>()?)?)
        }
        T_BS => {
            let n = r.len()?;
            AttributeValue::Bs(valid_set((0..n).map(|_| r.bytes().map(<[u8]>::to_vec)).collect::<R<_>>()?)?)
        }
        t => return Err(format!("unknown value tag {t}")),
    })
}

fn decode_map(r: &mut Reader, depth: usize) -> R<Item> {
    let n = r.len()?;
    let mut m = Item::with_capacity_and_hasher(n.min(4096), Default::default());
    for _ in 0..n {
        let k = r.string()?;
        let v = decode_value(r, depth)?;
        m.insert(k, v);
    }
    Ok(m)
}

/// `item` as the changes that turn `base` into it: the attributes whose value differs from
/// `base`'s (or that `base` lacks), then the names of `base`'s attributes it lacks. Stream records
/// keep a MODIFY's old image this way, against its new image: a write that changes one attribute
/// keeps one attribute, not a second copy of the item. [`decode_delta`] reverses it. Returns
/// whether `item` differs from `base` at all (if not, what it wrote says "no change").
pub(crate) fn encode_delta(out: &mut Vec<u8>, item: &Item, base: &Item) -> bool {
    // The positions of the attributes that differ, found in one pass; attributes usually come
    // in the same order, so they are compared by position, by name otherwise.
    const STACK: usize = 32;
    let mut stack = [0u32; STACK];
    let mut heap: Vec<u32> = Vec::new();
    let mut changed = 0usize;
    let mut added = false;
    for (i, (k, v)) in item.iter().enumerate() {
        let differs = match base.get_index(i) {
            Some((bk, bv)) if bk == k => bv != v,
            _ => match base.get(k) {
                Some(bv) => bv != v,
                None => {
                    added = true;
                    true
                }
            },
        };
        if differs {
            if changed < STACK {
                stack[changed] = i as u32;
            } else {
                if heap.is_empty() {
                    heap.extend_from_slice(&stack);
                }
                heap.push(i as u32);
            }
            changed += 1;
        }
    }
    let positions = if changed <= STACK { &stack[..changed] } else { &heap[..] };
    put_len(out, changed);
    for &i in positions {
        if let Some((k, v)) = item.get_index(i as usize) {
            put_bytes(out, k.as_bytes());
            encode_value(out, v);
        }
    }
    // Every attribute of `item` is in `base` and they have as many: none was removed.
    if !added && item.len() == base.len() {
        put_len(out, 0);
        return changed > 0;
    }
    let removed = base.keys().filter(|k| !item.contains_key(*k)).count();
    put_len(out, removed);
    for k in base.keys().filter(|k| !item.contains_key(*k)) {
        put_bytes(out, k.as_bytes());
    }
    changed > 0 || removed > 0
}

/// The item [`encode_delta`] wrote against `base`.
pub(crate) fn decode_delta(bytes: &[u8], base: &Item) -> R<Item> {
    let mut r = Reader { b: bytes, pos: 0 };
    let n = r.len()?;
    let mut changed = Vec::with_capacity(n.min(4096));
    for _ in 0..n {
        let k = r.string()?;
        let v = decode_value(&mut r, 0)?;
        changed.push((k, v));
    }
    let mut item = base.clone();
    for _ in 0..r.len()? {
        let k = r.string()?;
        if item.shift_remove(&k).is_none() {
            return Err("item change removes an attribute its base lacks".into());
        }
    }
    for (k, v) in changed {
        item.insert(k, v);
    }
    if r.pos != bytes.len() {
        return Err("trailing bytes after item change".into());
    }
    Ok(item)
}

pub fn encode_item(item: &Item) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    encode_map(&mut out, item);
    out
}

pub fn decode_item(bytes: &[u8]) -> R<Item> {
    let mut r = Reader { b: bytes, pos: 0 };
    let item = decode_map(&mut r, 0)?;
    if r.pos != bytes.len() {
        return Err("trailing bytes after item".into());
    }
    Ok(item)
}

/// A primary key as lower-case hex, for record keys: unique per item, free of `/`.
pub fn key_hex(key: &PrimaryKey) -> String {
    let mut raw = Vec::with_capacity(32);
    for part in std::iter::once(&key.pk).chain(key.sk.as_ref()) {
        match part {
            KeyValue::S(s) => {
                raw.push(T_S);
                put_bytes(&mut raw, s.as_bytes());
            }
            KeyValue::N(n) => {
                raw.push(T_N);
                put_bytes(&mut raw, n.to_string().as_bytes());
            }
            KeyValue::B(b) => {
                raw.push(T_B);
                put_bytes(&mut raw, b);
            }
        }
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(raw.len() * 2);
    for b in raw {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::dynamodb::value::item_from_json;
    use serde_json::json;

    #[test]
    fn items_round_trip() {
        let item = item_from_json(&json!({"pk": {"S": "a"}, "n": {"N": "-1.25"}, "b": {"B": "AAE="}, "t": {"BOOL": false}, "z": {"NULL": true},
            "l": {"L": [{"M": {"x": {"SS": ["p", "q"]}}}, {"NS": ["1", "2"]}, {"BS": ["AQ=="]}]}}))
        .unwrap();
        assert_eq!(decode_item(&encode_item(&item)).unwrap(), item);
    }

    #[test]
    fn numbers_encode_as_their_canonical_text() {
        for text in ["0", "-1.5", "12345678901234567890123456789012345678", "1E+125", "-1E-130", "9.9E-120"] {
            let n = Number::parse(text).unwrap();
            let mut direct = Vec::new();
            put_number(&mut direct, &n);
            let mut via_text = Vec::new();
            put_bytes(&mut via_text, n.to_string().as_bytes());
            assert_eq!(direct, via_text, "{text}");
        }
    }

    #[test]
    fn key_maps_encode_as_maps_do() {
        use crate::services::dynamodb::key::{KeyAttribute, KeySchema, ScalarType};
        let schema = KeySchema { hash: KeyAttribute { name: "pk".into(), kind: ScalarType::S }, range: Some(KeyAttribute { name: "sk".into(), kind: ScalarType::N }) };
        let item = item_from_json(&json!({"pk": {"S": "a"}, "sk": {"N": "-1.50"}, "x": {"S": "y"}})).unwrap();
        let key = schema.key_of_item(&item).unwrap();
        let mut direct = Vec::new();
        encode_key_map(&mut direct, &schema, &key);
        assert_eq!(direct, encode_item(&schema.key_map(&key)));
    }

    #[test]
    fn truncated_or_garbage_bytes_are_errors() {
        let item = item_from_json(&json!({"pk": {"S": "abc"}, "l": {"L": [{"N": "1"}]}})).unwrap();
        let bytes = encode_item(&item);
        for cut in 0..bytes.len() {
            assert!(decode_item(&bytes[..cut]).is_err());
        }
        assert!(decode_item(&[1, 1, b'a', 99]).is_err());
    }

    /// Found by the `restore` fuzz target: a damaged record decoded to an item DynamoDB JSON
    /// refuses (a set with duplicates), so the sandbox loaded but its export did not import.
    #[test]
    fn decodes_only_items_the_json_form_accepts() {
        let item = |v: serde_json::Value| encode_item(&item_from_json(&json!({"k": v})).unwrap());
        let mut dup = item(json!({"SS": ["a", "b"]}));
        let at = dup.len() - 1;
        dup[at] = b'a';
        assert_eq!(decode_item(&dup).unwrap_err(), "set is empty or holds duplicates");
        assert!(decode_item(&[1, 1, b'k', T_NS, 0]).is_err(), "empty set");
        // Nesting: as deep as JSON input allows, and not one level more.
        let mut v = json!({"S": "x"});
        for _ in 0..MAX_DEPTH {
            v = json!({"L": [v]});
        }
        let ok = item(v.clone());
        assert!(decode_item(&ok).is_ok());
        let mut deeper = vec![1, 1, b'k', T_L, 1];
        deeper.extend_from_slice(&ok[3..]);
        assert_eq!(decode_item(&deeper).unwrap_err(), "item nested too deeply");
        assert!(item_from_json(&json!({"k": {"L": [v]}})).is_err());
    }
}
