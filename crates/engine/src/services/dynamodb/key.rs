//! Keys: the key schema of a table, key values and their order. Strings order by UTF-8 bytes,
//! numbers numerically, binary as unsigned bytes. Partitions are placed by a hash of the
//! partition key, so a Scan walks them in hash order, not insertion order.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    number::Number,
    value::{AttributeValue, Item},
};
use crate::kernel::error::AwsError;

pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
pub const MAX_SORT_KEY_BYTES: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    pub fn parse(s: &str) -> Option<ScalarType> {
        match s {
            "S" => Some(ScalarType::S),
            "N" => Some(ScalarType::N),
            "B" => Some(ScalarType::B),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }
}

/// A key attribute's value. Variant order does not matter: one table's key has one type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyValue {
    N(Number),
    S(String),
    B(Vec<u8>),
}

impl KeyValue {
    pub fn to_attribute(&self) -> AttributeValue {
        match self {
            KeyValue::S(s) => AttributeValue::S(s.clone()),
            KeyValue::N(n) => AttributeValue::N(n.clone()),
            KeyValue::B(b) => AttributeValue::B(b.clone()),
        }
    }

    pub fn size(&self) -> usize {
        match self {
            KeyValue::S(s) => s.len(),
            KeyValue::N(n) => n.size(),
            KeyValue::B(b) => b.len(),
        }
    }

    /// Stable 64-bit placement hash (FNV-1a, then a SplitMix finaliser to spread it).
    pub fn placement_hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for b in bytes {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        match self {
            KeyValue::S(s) => feed(s.as_bytes()),
            KeyValue::N(n) => feed(n.to_string().as_bytes()),
            KeyValue::B(b) => feed(b),
        }
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAttribute {
    pub name: String,
    pub kind: ScalarType,
}

/// A table's (or index's) primary key: a partition key and an optional sort key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySchema {
    pub hash: KeyAttribute,
    pub range: Option<KeyAttribute>,
}

/// A primary key value, ordered as items are stored: by placement hash, then partition key,
/// then sort key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PrimaryKey {
    pub hash_pos: u64,
    pub pk: KeyValue,
    pub sk: Option<KeyValue>,
}

fn schema_mismatch() -> AwsError {
    AwsError::validation("The provided key element does not match the schema")
}

impl KeySchema {
    pub fn attributes(&self) -> impl Iterator<Item = &KeyAttribute> {
        std::iter::once(&self.hash).chain(self.range.as_ref())
    }

    pub fn is_key_attribute(&self, name: &str) -> bool {
        self.attributes().any(|a| a.name == name)
    }

    /// The key of an item being written (PutItem's `Item`), with PutItem's messages.
    pub fn key_of_item(&self, item: &Item) -> Result<PrimaryKey, AwsError> {
        let part = |attr: &KeyAttribute, max: usize, what: &str| -> Result<KeyValue, AwsError> {
            let v = item.get(&attr.name).ok_or_else(|| AwsError::validation(format!("One or more parameter values were invalid: Missing the key {} in the item", attr.name)))?;
            let kv = scalar(v, attr.kind).ok_or_else(|| {
                AwsError::validation(format!(
                    "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
                    attr.name,
                    attr.kind.as_str(),
                    v.type_name()
                ))
            })?;
            check_key_value(&kv, &attr.name, max, what)?;
            Ok(kv)
        };
        let pk = part(&self.hash, MAX_PARTITION_KEY_BYTES, "Hash")?;
        let sk = match &self.range {
            Some(r) => Some(part(r, MAX_SORT_KEY_BYTES, "Range")?),
            None => None,
        };
        Ok(PrimaryKey { hash_pos: pk.placement_hash(), pk, sk })
    }

    /// The key named by a `Key` parameter (GetItem, DeleteItem, ExclusiveStartKey): exactly the
    /// key attributes, of the right types.
    pub fn key_from_map(&self, key: &Item) -> Result<PrimaryKey, AwsError> {
        self.key_from_parts(key.len(), |attr| key.get(&attr.name).and_then(|v| scalar(v, attr.kind)))
    }

    /// [`KeySchema::key_from_map`] for a map the caller no longer needs: the values move into
    /// the key instead of being copied. Same checks, same errors.
    pub fn key_from_owned_map(&self, mut key: Item) -> Result<PrimaryKey, AwsError> {
        self.key_from_parts(key.len(), |attr| key.swap_remove(&attr.name).and_then(|v| scalar_owned(v, attr.kind)))
    }

    /// The checks both take: `len` attributes, and `value` finds each key attribute of the
    /// right type (None: missing or of another type, both a schema mismatch).
    fn key_from_parts(&self, len: usize, mut value: impl FnMut(&KeyAttribute) -> Option<KeyValue>) -> Result<PrimaryKey, AwsError> {
        let expected = 1 + usize::from(self.range.is_some());
        if len != expected {
            return Err(schema_mismatch());
        }
        let mut part = |attr: &KeyAttribute, max: usize, what: &str| -> Result<KeyValue, AwsError> {
            let kv = value(attr).ok_or_else(schema_mismatch)?;
            check_key_value(&kv, &attr.name, max, what)?;
            Ok(kv)
        };
        let pk = part(&self.hash, MAX_PARTITION_KEY_BYTES, "Hash")?;
        let sk = match &self.range {
            Some(r) => Some(part(r, MAX_SORT_KEY_BYTES, "Range")?),
            None => None,
        };
        Ok(PrimaryKey { hash_pos: pk.placement_hash(), pk, sk })
    }

    /// The key attributes of a stored item as an attribute map (LastEvaluatedKey, Key of
    /// DeleteItem's output...).
    pub fn key_map(&self, key: &PrimaryKey) -> Item {
        let mut m = Item::with_capacity_and_hasher(2, Default::default());
        m.insert(self.hash.name.clone(), key.pk.to_attribute());
        if let (Some(r), Some(sk)) = (&self.range, &key.sk) {
            m.insert(r.name.clone(), sk.to_attribute());
        }
        m
    }

    pub fn to_json(&self) -> Value {
        let mut v = vec![serde_json::json!({"AttributeName": self.hash.name, "KeyType": "HASH"})];
        if let Some(r) = &self.range {
            v.push(serde_json::json!({"AttributeName": r.name, "KeyType": "RANGE"}));
        }
        Value::Array(v)
    }
}

/// The key value of an attribute value of the key's type; None for any other type.
pub(crate) fn scalar(v: &AttributeValue, kind: ScalarType) -> Option<KeyValue> {
    match (v, kind) {
        (AttributeValue::S(s), ScalarType::S) => Some(KeyValue::S(s.clone())),
        (AttributeValue::N(n), ScalarType::N) => Some(KeyValue::N(n.clone())),
        (AttributeValue::B(b), ScalarType::B) => Some(KeyValue::B(b.clone())),
        _ => None,
    }
}

fn scalar_owned(v: AttributeValue, kind: ScalarType) -> Option<KeyValue> {
    match (v, kind) {
        (AttributeValue::S(s), ScalarType::S) => Some(KeyValue::S(s)),
        (AttributeValue::N(n), ScalarType::N) => Some(KeyValue::N(n)),
        (AttributeValue::B(b), ScalarType::B) => Some(KeyValue::B(b)),
        _ => None,
    }
}

fn check_key_value(kv: &KeyValue, name: &str, max: usize, what: &str) -> Result<(), AwsError> {
    match kv {
        KeyValue::S(s) if s.is_empty() => {
            return Err(AwsError::validation(format!(
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: {name}"
            )));
        }
        KeyValue::B(b) if b.is_empty() => {
            return Err(AwsError::validation(format!(
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: {name}"
            )));
        }
        _ => {}
    }
    if kv.size() > max {
        return Err(AwsError::validation(format!("One or more parameter values were invalid: Size of {what}Key is too large. {what}Key: {name} maximum {max} bytes")));
    }
    Ok(())
}
