//! Attribute values: the ten DynamoDB types, parsed from and written to DynamoDB JSON
//! (`{"S": "x"}`, `{"N": "1"}`, `{"B": "<base64>"}`, ...), with AWS's validation and size rules.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::number::{Number, NumberError};
use crate::kernel::error::AwsError;

/// An item or map: attribute names to values, in the order they were written.
pub type Item = IndexMap<String, AttributeValue, ItemHasher>;
/// Fixed-seed foldhash: deterministic across runs and hosts, and cheap on short names.
pub type ItemHasher = foldhash::fast::FixedState;

/// An item's attribute by name: a scan of a small item (comparing lengths first), else a hashed
/// lookup; the write path reads key and TTL attributes this way.
#[inline]
pub fn attribute<'a>(item: &'a Item, name: &str) -> Option<&'a AttributeValue> {
    if item.len() <= 8 {
        item.iter().find(|(k, _)| k.len() == name.len() && k.as_str() == name).map(|(_, v)| v)
    } else {
        item.get(name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    S(String),
    N(Number),
    B(Vec<u8>),
    Bool(bool),
    Null,
    L(Vec<AttributeValue>),
    M(Item),
    Ss(Vec<String>),
    Ns(Vec<Number>),
    Bs(Vec<Vec<u8>>),
}

/// Max item size, names and values counted.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;
/// Deepest nesting of lists and maps DynamoDB accepts.
pub const MAX_DEPTH: usize = 32;

fn invalid(msg: impl std::fmt::Display) -> AwsError {
    AwsError::validation(format!("One or more parameter values were invalid: {msg}"))
}

fn serialization(msg: impl Into<String>) -> AwsError {
    AwsError::serialization(msg)
}

impl AttributeValue {
    /// The short type name AWS uses in messages and JSON: S, N, B, BOOL, NULL, L, M, SS, NS, BS.
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::L(_) => "L",
            AttributeValue::M(_) => "M",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
        }
    }

    /// Parses one DynamoDB JSON attribute value, with AWS's checks.
    pub fn from_json(v: &Value) -> Result<AttributeValue, AwsError> {
        Self::from_json_depth(v, 0)
    }

    fn from_json_depth(v: &Value, depth: usize) -> Result<AttributeValue, AwsError> {
        let Value::Object(obj) = v else {
            return Err(serialization("Unexpected value type in payload"));
        };
        let mut set = obj.iter().filter(|(_, v)| !v.is_null());
        let (Some((tag, inner)), None) = (set.next(), set.next()) else {
            let n = obj.values().filter(|v| !v.is_null()).count();
            return Err(AwsError::validation(if n == 0 {
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes".to_string()
            } else {
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes".to_string()
            }));
        };
        if depth > MAX_DEPTH {
            return Err(invalid("Nesting Levels have exceeded supported limits"));
        }
        let text = |inner: &Value| -> Result<String, AwsError> {
            match inner {
                Value::String(s) => Ok(s.clone()),
                Value::Number(_) => Err(serialization("NUMBER_VALUE cannot be converted to String")),
                Value::Bool(_) => Err(serialization("TRUE_VALUE cannot be converted to String")),
                _ => Err(serialization("Unexpected value type in payload")),
            }
        };
        let number = |s: &str| {
            Number::parse(s).map_err(|e| match e {
                NumberError::Invalid if s.is_empty() => AwsError::validation("The parameter cannot be converted to a numeric value"),
                NumberError::Invalid => AwsError::validation(format!("The parameter cannot be converted to a numeric value: {s}")),
                other => AwsError::validation(other.message()),
            })
        };
        let binary = |inner: &Value| -> Result<Vec<u8>, AwsError> {
            let s = text(inner)?;
            B64.decode(s.as_bytes()).map_err(|_| serialization("Invalid Base64 value for a binary attribute"))
        };
        Ok(match tag.as_str() {
            "S" => AttributeValue::S(text(inner)?),
            "N" => AttributeValue::N(number(&text(inner)?)?),
            "B" => AttributeValue::B(binary(inner)?),
            "BOOL" => AttributeValue::Bool(inner.as_bool().ok_or_else(|| serialization("Unexpected value type in payload"))?),
            "NULL" => {
                if inner.as_bool() != Some(true) {
                    return Err(invalid("Null attribute value types must have the value of true"));
                }
                AttributeValue::Null
            }
            "L" => AttributeValue::L(list(inner)?.iter().map(|v| Self::from_json_depth(v, depth + 1)).collect::<Result<_, _>>()?),
            "M" => {
                let m = inner.as_object().ok_or_else(|| serialization("Unexpected value type in payload"))?;
                let mut item = Item::with_capacity_and_hasher(m.len(), Default::default());
                for (k, v) in m {
                    item.insert(k.clone(), Self::from_json_depth(v, depth + 1)?);
                }
                AttributeValue::M(item)
            }
            "SS" => {
                let v: Vec<String> = list(inner)?.iter().map(text).collect::<Result<_, _>>()?;
                check_set(&v, "An string set ").map_err(|e| if e.message == "duplicates" { duplicates("SS", list(inner).map(Vec::as_slice).unwrap_or(&[])) } else { e })?;
                AttributeValue::Ss(v)
            }
            "NS" => {
                let v: Vec<Number> = list(inner)?.iter().map(|x| text(x).and_then(|s| number(&s))).collect::<Result<_, _>>()?;
                check_set(&v, "An number set ").map_err(|e| if e.message == "duplicates" { duplicates("NS", &[]) } else { e })?;
                AttributeValue::Ns(v)
            }
            "BS" => {
                let v: Vec<Vec<u8>> = list(inner)?.iter().map(binary).collect::<Result<_, _>>()?;
                check_set(&v, "Binary sets should not be empty").map_err(|e| {
                    if e.message == "duplicates" {
                        duplicates("BS", list(inner).map(Vec::as_slice).unwrap_or(&[]))
                    } else {
                        e
                    }
                })?;
                AttributeValue::Bs(v)
            }
            other => return Err(serialization(format!("Unknown attribute value type {other}"))),
        })
    }

    pub fn to_json(&self) -> Value {
        let (tag, inner) = match self {
            AttributeValue::S(s) => ("S", Value::String(s.clone())),
            AttributeValue::N(n) => ("N", Value::String(n.canonical())),
            AttributeValue::B(b) => ("B", Value::String(B64.encode(b))),
            AttributeValue::Bool(b) => ("BOOL", Value::Bool(*b)),
            AttributeValue::Null => ("NULL", Value::Bool(true)),
            AttributeValue::L(l) => ("L", Value::Array(l.iter().map(Self::to_json).collect())),
            AttributeValue::M(m) => ("M", item_to_json(m)),
            AttributeValue::Ss(v) => ("SS", Value::Array(v.iter().map(|s| Value::String(s.clone())).collect())),
            AttributeValue::Ns(v) => ("NS", Value::Array(v.iter().map(|n| Value::String(n.canonical())).collect())),
            AttributeValue::Bs(v) => ("BS", Value::Array(v.iter().map(|b| Value::String(B64.encode(b))).collect())),
        };
        let mut m = Map::with_capacity(1);
        m.insert(tag.to_string(), inner);
        Value::Object(m)
    }

    /// Bytes DynamoDB counts for this value (not its name).
    pub fn size(&self) -> usize {
        match self {
            AttributeValue::S(s) => s.len(),
            AttributeValue::N(n) => n.size(),
            AttributeValue::B(b) => b.len(),
            AttributeValue::Bool(_) | AttributeValue::Null => 1,
            AttributeValue::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            AttributeValue::M(m) => 3 + m.iter().map(|(k, v)| k.len() + v.size() + 1).sum::<usize>(),
            AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
            AttributeValue::Ns(v) => v.iter().map(Number::size).sum(),
            AttributeValue::Bs(v) => v.iter().map(Vec::len).sum(),
        }
    }
}

/// Sets may not be empty or hold duplicates. `empty` is AWS's wording for the set type.
fn list(inner: &Value) -> Result<&Vec<Value>, AwsError> {
    inner.as_array().ok_or_else(|| serialization("Unexpected value type in payload"))
}

/// The duplicate message differs per set type, as AWS words it: SS and BS list the values.
fn duplicates(kind: &str, raw: &[Value]) -> AwsError {
    let shown: Vec<&str> = raw.iter().filter_map(Value::as_str).collect();
    match kind {
        "SS" => invalid(format!("Input collection [{}] contains duplicates.", shown.join(", "))),
        "BS" => invalid(format!("Input collection [{}]of type BS contains duplicates.", shown.join(", "))),
        _ => AwsError::validation("Input collection contains duplicates"),
    }
}

fn check_set<T: std::hash::Hash + Eq>(v: &[T], empty: &str) -> Result<(), AwsError> {
    if v.is_empty() {
        return Err(invalid(if empty.ends_with(' ') { format!("{empty} may not be empty") } else { empty.to_string() }));
    }
    let mut seen = std::collections::HashSet::with_capacity(v.len());
    if !v.iter().all(|x| seen.insert(x)) {
        return Err(AwsError::validation("duplicates"));
    }
    Ok(())
}

pub fn item_to_json(item: &Item) -> Value {
    let mut m = Map::with_capacity(item.len());
    for (k, v) in item {
        m.insert(k.clone(), v.to_json());
    }
    Value::Object(m)
}

/// Parses an attribute map (`Item`, `Key`, `ExclusiveStartKey`); `field` names it in errors.
pub fn item_from_json(v: &Value) -> Result<Item, AwsError> {
    let Value::Object(obj) = v else {
        return Err(serialization("Unexpected value type in payload"));
    };
    let mut item = Item::with_capacity_and_hasher(obj.len(), Default::default());
    for (k, v) in obj {
        item.insert(k.clone(), AttributeValue::from_json(v)?);
    }
    Ok(item)
}

/// Item size as DynamoDB counts it: each attribute's name plus its value.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_every_type() {
        let v = json!({"M": {"s": {"S": "x"}, "n": {"N": "1.50"}, "b": {"B": "AQI="}, "t": {"BOOL": true}, "z": {"NULL": true},
            "l": {"L": [{"S": "a"}, {"N": "2"}]}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AQ=="]}}});
        let parsed = AttributeValue::from_json(&v).unwrap();
        let mut expected = v.clone();
        expected["M"]["n"]["N"] = json!("1.5");
        assert_eq!(parsed.to_json(), expected);
    }

    #[test]
    fn rejects_bad_values() {
        let err = |v: Value| AttributeValue::from_json(&v).unwrap_err();
        assert_eq!(err(json!({})).message, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
        assert_eq!(err(json!({"S": "a", "N": "1"})).kind, "ValidationException");
        assert_eq!(err(json!({"SS": []})).message, "One or more parameter values were invalid: An string set  may not be empty");
        assert_eq!(err(json!({"SS": ["a", "a"]})).message, "One or more parameter values were invalid: Input collection [a, a] contains duplicates.");
        assert_eq!(err(json!({"NS": ["1", "1.0"]})).message, "Input collection contains duplicates");
        assert_eq!(err(json!({"BS": ["Yg==", "Yg=="]})).message, "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates.");
        assert_eq!(err(json!({"N": "x"})).message, "The parameter cannot be converted to a numeric value: x");
        assert_eq!(err(json!({"N": ""})).message, "The parameter cannot be converted to a numeric value");
        assert_eq!(err(json!({"S": 5})).kind, "SerializationException");
        assert_eq!(err(json!({"NULL": false})).message, "One or more parameter values were invalid: Null attribute value types must have the value of true");
        assert_eq!(err(json!({"Q": "x"})).kind, "SerializationException");
    }

    #[test]
    fn deep_nesting_is_rejected_without_recursion_blowup() {
        let mut v = json!({"S": "x"});
        for _ in 0..40 {
            v = json!({"L": [v]});
        }
        assert!(AttributeValue::from_json(&v).unwrap_err().message.contains("Nesting Levels"));
    }

    #[test]
    fn sizes_follow_aws_rules() {
        let item = item_from_json(&json!({"id": {"S": "abc"}, "n": {"N": "12345"}, "l": {"L": [{"BOOL": true}]}})).unwrap();
        // id: 2 + 3; n: 1 + (3 + 1); l: 1 + 3 + (1 + 1)
        assert_eq!(item_size(&item), 5 + 5 + 6);
    }
}
