//! Converting between plain JSON (what a learner types) and DynamoDB JSON (what the API takes),
//! and short readable renderings of attribute values for the item grid.

use serde_json::{json, Map, Value};

const TYPES: &[&str] = &["S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"];

/// True if every top-level value is a single-key object whose key is a DynamoDB type.
pub fn looks_like_dynamodb_json(v: &Map<String, Value>) -> bool {
    !v.is_empty() && v.values().all(|a| a.as_object().is_some_and(|o| o.len() == 1 && o.keys().all(|k| TYPES.contains(&k.as_str()))))
}

/// Plain JSON value → DynamoDB attribute value: strings S, numbers N, booleans BOOL, null NULL,
/// arrays L, objects M.
pub fn to_attribute(v: &Value) -> Value {
    match v {
        Value::String(s) => json!({"S": s}),
        Value::Number(n) => json!({"N": n.to_string()}),
        Value::Bool(b) => json!({"BOOL": b}),
        Value::Null => json!({"NULL": true}),
        Value::Array(a) => json!({"L": a.iter().map(to_attribute).collect::<Vec<_>>()}),
        Value::Object(o) => json!({"M": o.iter().map(|(k, v)| (k.clone(), to_attribute(v))).collect::<Map<_, _>>()}),
    }
}

/// Parses what the item editor holds: DynamoDB JSON is kept, plain JSON is converted.
pub fn parse_item(text: &str) -> Result<Value, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("This is not valid JSON: {e}"))?;
    let Value::Object(obj) = v else { return Err("An item is a JSON object: { \"attribute\": value, ... }".into()) };
    if looks_like_dynamodb_json(&obj) {
        Ok(Value::Object(obj))
    } else {
        Ok(Value::Object(obj.iter().map(|(k, v)| (k.clone(), to_attribute(v))).collect()))
    }
}

/// DynamoDB attribute value → plain JSON, for reading (numbers stay exact as strings when they
/// do not fit a JSON number).
pub fn to_plain(v: &Value) -> Value {
    let Some((tag, inner)) = v.as_object().and_then(|o| o.iter().next()) else { return Value::Null };
    match (tag.as_str(), inner) {
        // A number that JSON cannot carry exactly stays a string.
        ("N", Value::String(s)) => s.parse::<serde_json::Number>().ok().filter(|n| n.to_string() == *s).map(Value::Number).unwrap_or_else(|| Value::String(s.clone())),
        ("NULL", _) => Value::Null,
        ("L", Value::Array(a)) => Value::Array(a.iter().map(to_plain).collect()),
        ("M", Value::Object(o)) => Value::Object(o.iter().map(|(k, v)| (k.clone(), to_plain(v))).collect()),
        ("NS", Value::Array(a)) => Value::Array(a.iter().map(|n| to_plain(&json!({"N": n}))).collect()),
        (_, other) => other.clone(),
    }
}

/// A short rendering of an attribute value for a grid cell, and its type tag.
pub fn cell(v: &Value) -> (String, String) {
    let Some((tag, inner)) = v.as_object().and_then(|o| o.iter().next()) else { return (String::new(), String::new()) };
    let text = match (tag.as_str(), inner) {
        ("S", Value::String(s)) | ("N", Value::String(s)) | ("B", Value::String(s)) => s.clone(),
        ("BOOL", Value::Bool(b)) => b.to_string(),
        ("NULL", _) => "null".into(),
        _ => to_plain(v).to_string(),
    };
    (text, tag.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_json_becomes_dynamodb_json_and_back() {
        let item = parse_item(r#"{"id": "a", "n": 4.5, "ok": true, "none": null, "l": [1, "x"], "m": {"k": false}}"#).unwrap();
        assert_eq!(item["n"], json!({"N": "4.5"}));
        assert_eq!(item["l"], json!({"L": [{"N": "1"}, {"S": "x"}]}));
        assert_eq!(item["m"], json!({"M": {"k": {"BOOL": false}}}));
        assert_eq!(to_plain(&item["l"]), json!([1, "x"]));
        // DynamoDB JSON is kept as it is.
        assert_eq!(parse_item(r#"{"id": {"S": "a"}}"#).unwrap(), json!({"id": {"S": "a"}}));
        assert!(parse_item("[1]").is_err());
        assert!(parse_item("{nope").is_err());
    }

    #[test]
    fn cells_are_short_and_typed() {
        assert_eq!(cell(&json!({"SS": ["a", "b"]})), (r#"["a","b"]"#.to_string(), "SS".to_string()));
        assert_eq!(cell(&json!({"L": [{"S": "puzzle"}]})), (r#"["puzzle"]"#.to_string(), "L".to_string()));
        assert_eq!(cell(&json!({"N": "12345678901234567890123456789"})).0, "12345678901234567890123456789");
    }
}
