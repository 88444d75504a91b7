//! Lambda event filtering: the EventBridge-style patterns of FilterCriteria. A pattern is a
//! JSON object whose leaves are arrays of matchers; an event matches when every field of the
//! pattern matches. Matchers: literal values (string, number, boolean, null), `{"prefix": s}`,
//! `{"suffix": s}`, `{"equals-ignore-case": s}`, `{"exists": bool}`, `{"anything-but": v | [v] |
//! {"prefix": s}}` and `{"numeric": [op, n, (op, n)]}`.

use serde_json::Value;

/// Whether `event` matches the pattern text (an unparsable pattern matches nothing).
pub fn matches(pattern: &str, event: &Value) -> bool {
    match serde_json::from_str::<Value>(pattern) {
        Ok(Value::Object(p)) => object_matches(&p, event),
        _ => false,
    }
}

fn object_matches(pattern: &serde_json::Map<String, Value>, event: &Value) -> bool {
    pattern.iter().all(|(field, rule)| {
        let value = event.get(field);
        match rule {
            Value::Object(nested) => value.is_some_and(|v| object_matches(nested, v)),
            Value::Array(matchers) => field_matches(matchers, value),
            _ => false,
        }
    })
}

fn field_matches(matchers: &[Value], value: Option<&Value>) -> bool {
    // A list value matches when any element matches.
    if let Some(Value::Array(items)) = value {
        return items.iter().any(|item| field_matches(matchers, Some(item)));
    }
    matchers.iter().any(|m| one(m, value))
}

fn one(matcher: &Value, value: Option<&Value>) -> bool {
    match matcher {
        Value::Object(m) => {
            let Some((op, arg)) = m.iter().next() else { return false };
            match op.as_str() {
                "exists" => arg.as_bool() == Some(value.is_some()),
                "prefix" => matches_str(value, |s| arg.as_str().is_some_and(|p| s.starts_with(p))),
                "suffix" => matches_str(value, |s| arg.as_str().is_some_and(|p| s.ends_with(p))),
                "equals-ignore-case" => matches_str(value, |s| arg.as_str().is_some_and(|p| s.eq_ignore_ascii_case(p))),
                "anything-but" => {
                    let Some(v) = value else { return false };
                    match arg {
                        Value::Array(list) => !list.iter().any(|x| same(x, v)),
                        Value::Object(inner) => match inner.get("prefix").and_then(Value::as_str) {
                            Some(p) => v.as_str().is_some_and(|s| !s.starts_with(p)),
                            None => false,
                        },
                        x => !same(x, v),
                    }
                }
                "numeric" => {
                    let (Some(n), Value::Array(ops)) = (value.and_then(Value::as_f64), arg) else { return false };
                    ops.chunks(2).all(|pair| {
                        let (Some(op), Some(bound)) = (pair.first().and_then(Value::as_str), pair.get(1).and_then(Value::as_f64)) else { return false };
                        match op {
                            "=" => n == bound,
                            "<" => n < bound,
                            "<=" => n <= bound,
                            ">" => n > bound,
                            ">=" => n >= bound,
                            _ => false,
                        }
                    })
                }
                _ => false,
            }
        }
        literal => value.is_some_and(|v| same(literal, v)),
    }
}

fn matches_str(value: Option<&Value>, test: impl Fn(&str) -> bool) -> bool {
    value.and_then(Value::as_str).is_some_and(test)
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patterns() {
        let event = json!({ "body": { "type": "signup", "n": 7, "tags": ["a", "b"], "email": "ada@example.com" } });
        let cases = [
            (r#"{"body": {"type": ["signup"]}}"#, true),
            (r#"{"body": {"type": ["order"]}}"#, false),
            (r#"{"body": {"type": [{"prefix": "sign"}]}}"#, true),
            (r#"{"body": {"email": [{"suffix": "@example.com"}]}}"#, true),
            (r#"{"body": {"type": [{"anything-but": ["order"]}]}}"#, true),
            (r#"{"body": {"n": [{"numeric": [">", 5, "<=", 7]}]}}"#, true),
            (r#"{"body": {"n": [{"numeric": [">", 7]}]}}"#, false),
            (r#"{"body": {"missing": [{"exists": false}]}}"#, true),
            (r#"{"body": {"type": [{"exists": true}]}}"#, true),
            (r#"{"body": {"tags": ["b"]}}"#, true),
            (r#"{"body": {"type": [{"equals-ignore-case": "SIGNUP"}]}}"#, true),
            ("not json", false),
        ];
        for (p, want) in cases {
            assert_eq!(matches(p, &event), want, "{p}");
        }
    }
}
