//! Intrinsic functions and condition functions, evaluated as CloudFormation evaluates them at
//! the moment a resource is created (every resource it refers to exists by then), and the
//! references a value makes (the dependency graph's edges).

use std::collections::{BTreeMap, BTreeSet};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use super::template::scalar_text;

/// What a value may refer to while it is evaluated.
pub struct Scope<'a> {
    /// Parameter values (a CommaDelimitedList is an array) and the pseudo parameters.
    pub params: &'a Map<String, Value>,
    pub conditions: &'a BTreeMap<String, bool>,
    pub mappings: &'a Value,
    /// Created resources: logical id → (Ref value, attributes).
    pub resources: &'a dyn Fn(&str) -> Option<(Value, Map<String, Value>)>,
    /// The region's exports.
    pub exports: &'a dyn Fn(&str) -> Option<String>,
    pub region: &'a str,
}

/// `AWS::NoValue`'s marker while evaluating (removed from objects and arrays).
const NO_VALUE: &str = "\u{0}AWS::NoValue";

/// Evaluates every intrinsic function in `v`; `AWS::NoValue` removes the member it stands for.
pub fn resolve(v: &Value, s: &Scope) -> Result<Value, String> {
    let out = eval(v, s, 0)?;
    Ok(if is_no_value(&out) { Value::Null } else { out })
}

fn is_no_value(v: &Value) -> bool {
    v.as_str() == Some(NO_VALUE)
}

fn eval(v: &Value, s: &Scope, depth: usize) -> Result<Value, String> {
    if depth > 64 {
        return Err("Template error: intrinsic functions nest too deeply".into());
    }
    match v {
        Value::Object(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next().expect("one member");
            if k == "Ref" || k.starts_with("Fn::") {
                return function(k, arg, s, depth);
            }
            let inner = eval(arg, s, depth + 1)?;
            Ok(if is_no_value(&inner) { json!({}) } else { json!({ k: inner }) })
        }
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let r = eval(v, s, depth + 1)?;
                if !is_no_value(&r) {
                    out.insert(k.clone(), r);
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for v in a {
                let r = eval(v, s, depth + 1)?;
                if !is_no_value(&r) {
                    out.push(r);
                }
            }
            Ok(Value::Array(out))
        }
        other => Ok(other.clone()),
    }
}

fn string_of(v: &Value, what: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(_) | Value::Bool(_) => Ok(scalar_text(v)),
        _ => Err(format!("Template error: {what} must be a string")),
    }
}

fn args<'a>(arg: &'a Value, n: usize, name: &str) -> Result<&'a [Value], String> {
    match arg.as_array() {
        Some(a) if a.len() == n => Ok(a),
        _ => Err(format!("Template error: every {name} object requires {n} parameters")),
    }
}

fn function(name: &str, arg: &Value, s: &Scope, depth: usize) -> Result<Value, String> {
    let d = depth + 1;
    match name {
        "Ref" => {
            let target = arg.as_str().ok_or("Template error: every Ref object must have a single String value.")?;
            reference(target, s)
        }
        "Fn::GetAtt" => {
            let (res, attr) = get_att_args(arg).ok_or("Template error: every Fn::GetAtt object requires two non-empty parameters")?;
            let attr = match attr {
                Value::String(a) => a.clone(),
                other => string_of(&eval(other, s, d)?, "an Fn::GetAtt attribute name")?,
            };
            let (_, attrs) = (s.resources)(&res).ok_or_else(|| format!("Template error: instance of Fn::GetAtt references undefined resource {res}"))?;
            attrs.get(&attr).cloned().ok_or_else(|| format!("Template error: resource {res} does not support attribute type {attr} in Fn::GetAtt"))
        }
        "Fn::Sub" => {
            let (text, vars) = match arg {
                Value::String(t) => (t.clone(), Map::new()),
                Value::Array(a) if a.len() == 2 => {
                    let text = a[0].as_str().ok_or("Template error: the first parameter of Fn::Sub must be a string")?.to_string();
                    let vars = match eval(&a[1], s, d)? {
                        Value::Object(m) => m,
                        _ => return Err("Template error: the second parameter of Fn::Sub must be an object".into()),
                    };
                    (text, vars)
                }
                _ => return Err("Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string".into()),
            };
            let mut out = String::new();
            for piece in sub_pieces(&text)? {
                match piece {
                    SubPiece::Text(t) => out.push_str(&t),
                    SubPiece::Var(v) => {
                        let value = match vars.get(&v) {
                            Some(x) => x.clone(),
                            None => match v.split_once('.') {
                                Some((r, a)) if !v.starts_with("AWS::") => function("Fn::GetAtt", &json!([r, a]), s, d)?,
                                _ => reference(&v, s)?,
                            },
                        };
                        match value {
                            Value::Array(_) | Value::Object(_) => return Err(format!("Template error: variable {v} in Fn::Sub expression does not resolve to a string")),
                            other => out.push_str(&scalar_text(&other)),
                        }
                    }
                }
            }
            Ok(Value::String(out))
        }
        "Fn::Join" => {
            let a = args(arg, 2, "Fn::Join")?;
            let sep = string_of(&a[0], "the Fn::Join delimiter")?;
            let list = eval(&a[1], s, d)?;
            let items = list.as_array().ok_or("Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")?;
            let parts: Vec<String> = items.iter().map(|i| string_of(i, "every Fn::Join list item")).collect::<Result<_, _>>()?;
            Ok(Value::String(parts.join(&sep)))
        }
        "Fn::Select" => {
            let a = args(arg, 2, "Fn::Select")?;
            let idx = eval(&a[0], s, d)?;
            let idx: usize = match &idx {
                Value::Number(n) => n.as_u64().map(|n| n as usize),
                Value::String(t) => t.parse().ok(),
                _ => None,
            }
            .ok_or("Template error: Fn::Select requires a list index as its first parameter")?;
            let list = eval(&a[1], s, d)?;
            let items = list.as_array().ok_or("Template error: Fn::Select requires a list as its second parameter")?;
            items.get(idx).cloned().ok_or_else(|| "Template error: Fn::Select cannot select nonexistent value at index ".to_string() + &idx.to_string())
        }
        "Fn::Split" => {
            let a = args(arg, 2, "Fn::Split")?;
            let sep = string_of(&a[0], "the Fn::Split delimiter")?;
            let text = string_of(&eval(&a[1], s, d)?, "the Fn::Split source")?;
            if sep.is_empty() {
                return Err("Template error: Fn::Split requires a non-empty delimiter".into());
            }
            Ok(Value::Array(text.split(sep.as_str()).map(|p| Value::String(p.into())).collect()))
        }
        "Fn::If" => {
            let a = args(arg, 3, "Fn::If")?;
            let cond = a[0].as_str().ok_or("Template error: Fn::If requires a condition name as its first parameter")?;
            let c = s.conditions.get(cond).copied().ok_or_else(|| format!("Template error: unresolved condition dependency {cond} in Fn::If"))?;
            eval(if c { &a[1] } else { &a[2] }, s, d)
        }
        "Fn::FindInMap" => {
            let a = args(arg, 3, "Fn::FindInMap")?;
            let keys: Vec<String> = a.iter().map(|k| eval(k, s, d).and_then(|k| string_of(&k, "every Fn::FindInMap key"))).collect::<Result<_, _>>()?;
            let map = s.mappings.get(&keys[0]).ok_or_else(|| format!("Template error: Unable to get mapping for {}", keys[0]))?;
            map.get(&keys[1]).and_then(|m| m.get(&keys[2])).cloned().ok_or_else(|| format!("Template error: Unable to get mapping for {}::{}::{}", keys[0], keys[1], keys[2]))
        }
        "Fn::Base64" => Ok(Value::String(B64.encode(string_of(&eval(arg, s, d)?, "Fn::Base64's argument")?))),
        "Fn::GetAZs" => {
            let region = string_of(&eval(arg, s, d)?, "Fn::GetAZs's argument")?;
            let region = if region.is_empty() { s.region.to_string() } else { region };
            Ok(json!(["a", "b", "c"].iter().map(|z| format!("{region}{z}")).collect::<Vec<_>>()))
        }
        "Fn::ImportValue" => {
            let export = string_of(&eval(arg, s, d)?, "Fn::ImportValue's argument")?;
            (s.exports)(&export).map(Value::String).ok_or_else(|| format!("No export named {export} found."))
        }
        "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => Ok(Value::Bool(condition(&json!({ name: arg }), s, d)?)),
        other => Err(format!("Template error: {other} is not supported by Gureum's CloudFormation")),
    }
}

fn reference(target: &str, s: &Scope) -> Result<Value, String> {
    if target == "AWS::NoValue" {
        return Ok(Value::String(NO_VALUE.into()));
    }
    if let Some(v) = s.params.get(target) {
        return Ok(v.clone());
    }
    match (s.resources)(target) {
        Some((r, _)) => Ok(r),
        None => Err(format!("Template format error: Unresolved resource dependencies [{target}] in the Resources block of the template")),
    }
}

/// `[resource, attribute]` of an Fn::GetAtt (the list form, or the `a.b` string form).
fn get_att_args(arg: &Value) -> Option<(String, &Value)> {
    let a = arg.as_array()?;
    if a.len() != 2 {
        return None;
    }
    let r = a[0].as_str().filter(|r| !r.is_empty())?;
    Some((r.to_string(), &a[1]))
}

/// Evaluates a condition (Fn::Equals, Fn::Not, Fn::And, Fn::Or, `{"Condition": name}`).
pub fn condition(v: &Value, s: &Scope, depth: usize) -> Result<bool, String> {
    if depth > 64 {
        return Err("Template error: conditions nest too deeply".into());
    }
    let m = v.as_object().filter(|m| m.len() == 1).ok_or("Template error: every condition must be a condition function")?;
    let (k, arg) = m.iter().next().expect("one member");
    let d = depth + 1;
    let list = |n: Option<usize>| -> Result<Vec<bool>, String> {
        let a = arg.as_array().ok_or_else(|| format!("Template error: {k} requires a list of conditions"))?;
        if n.is_some_and(|n| a.len() != n) || (n.is_none() && !(2..=10).contains(&a.len())) {
            return Err(format!("Template error: {k} takes {} conditions", n.map(|n| n.to_string()).unwrap_or_else(|| "2 to 10".into())));
        }
        a.iter().map(|c| condition(c, s, d)).collect()
    };
    match k.as_str() {
        "Fn::Equals" => {
            let a = args(arg, 2, "Fn::Equals")?;
            let x = eval(&a[0], s, d)?;
            let y = eval(&a[1], s, d)?;
            Ok(match (&x, &y) {
                (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => x == y,
                _ => scalar_text(&x) == scalar_text(&y),
            })
        }
        "Fn::Not" => Ok(!list(Some(1))?[0]),
        "Fn::And" => Ok(list(None)?.into_iter().all(|b| b)),
        "Fn::Or" => Ok(list(None)?.into_iter().any(|b| b)),
        "Condition" => {
            let name = arg.as_str().ok_or("Template error: Condition must name a condition")?;
            s.conditions
                .get(name)
                .copied()
                .ok_or_else(|| format!("Template format error: Unresolved dependencies [{name}]. Cannot reference resources in the Conditions block of the template"))
        }
        other => Err(format!("Template error: {other} is not a condition function")),
    }
}

pub enum SubPiece {
    Text(String),
    Var(String),
}

/// Splits an Fn::Sub string into text and `${Var}` references; `${!Literal}` is the text `${Literal}`.
pub fn sub_pieces(text: &str) -> Result<Vec<SubPiece>, String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        buf.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            buf.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let var = &after[..end];
        if let Some(lit) = var.strip_prefix('!') {
            buf.push_str("${");
            buf.push_str(lit);
            buf.push('}');
        } else {
            let var = var.trim();
            if var.is_empty() {
                return Err("Template error: an Fn::Sub variable may not be empty".into());
            }
            if !buf.is_empty() {
                out.push(SubPiece::Text(std::mem::take(&mut buf)));
            }
            out.push(SubPiece::Var(var.to_string()));
        }
        rest = &after[end + 1..];
    }
    buf.push_str(rest);
    if !buf.is_empty() {
        out.push(SubPiece::Text(buf));
    }
    Ok(out)
}

/// The names a value refers to through Ref, Fn::GetAtt and Fn::Sub (parameters, pseudo
/// parameters and resources alike; the caller keeps the resources). Fn::Sub's own variables
/// are not references.
pub fn references(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next().expect("one member");
            match k.as_str() {
                "Ref" => {
                    if let Some(t) = arg.as_str() {
                        out.insert(t.to_string());
                    }
                }
                "Fn::GetAtt" => {
                    if let Some((r, attr)) = get_att_args(arg) {
                        out.insert(r);
                        references(attr, out);
                    }
                }
                "Fn::Sub" => {
                    let (text, vars) = match arg {
                        Value::String(t) => (t.as_str(), None),
                        Value::Array(a) if a.len() == 2 => (a[0].as_str().unwrap_or(""), a[1].as_object()),
                        _ => ("", None),
                    };
                    if let Some(vars) = vars {
                        for v in vars.values() {
                            references(v, out);
                        }
                    }
                    for piece in sub_pieces(text).unwrap_or_default() {
                        if let SubPiece::Var(name) = piece {
                            if vars.is_some_and(|m| m.contains_key(&name)) {
                                continue;
                            }
                            let target = if name.starts_with("AWS::") { name.as_str() } else { name.split('.').next().unwrap_or("") };
                            out.insert(target.to_string());
                        }
                    }
                }
                _ => references(arg, out),
            }
        }
        Value::Object(m) => m.values().for_each(|v| references(v, out)),
        Value::Array(a) => a.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// The condition names a value uses in Fn::If and `{"Condition": name}`.
pub fn condition_names(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, a) in m {
                match (k.as_str(), a) {
                    ("Fn::If", Value::Array(items)) => {
                        if let Some(c) = items.first().and_then(Value::as_str) {
                            out.insert(c.to_string());
                        }
                    }
                    ("Condition", Value::String(c)) if m.len() == 1 => {
                        out.insert(c.clone());
                    }
                    _ => {}
                }
                condition_names(a, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| condition_names(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope_eval(v: Value) -> Result<Value, String> {
        let mut params = Map::new();
        params.insert("Env".into(), json!("prod"));
        params.insert("List".into(), json!(["a", "b"]));
        params.insert("AWS::Region".into(), json!("eu-west-1"));
        params.insert("AWS::StackName".into(), json!("s"));
        let mut conds = BTreeMap::new();
        conds.insert("IsProd".to_string(), true);
        let mappings = json!({"M": {"eu-west-1": {"Ami": "ami-1"}}});
        let resources = |id: &str| (id == "T").then(|| (json!("tbl"), json!({"Arn": "arn:t"}).as_object().unwrap().clone()));
        let exports = |n: &str| (n == "Shared").then(|| "v".to_string());
        resolve(&v, &Scope { params: &params, conditions: &conds, mappings: &mappings, resources: &resources, exports: &exports, region: "eu-west-1" })
    }

    #[test]
    fn functions_evaluate() {
        assert_eq!(scope_eval(json!({"Fn::Sub": "${AWS::StackName}-${T}-${T.Arn}-${!Lit}"})).unwrap(), json!("s-tbl-arn:t-${Lit}"));
        assert_eq!(scope_eval(json!({"Fn::Sub": ["${x}/${Env}", {"x": {"Ref": "T"}}]})).unwrap(), json!("tbl/prod"));
        assert_eq!(scope_eval(json!({"Fn::Join": ["-", {"Ref": "List"}]})).unwrap(), json!("a-b"));
        assert_eq!(scope_eval(json!({"Fn::Select": ["1", {"Fn::Split": [",", "x,y,z"]}]})).unwrap(), json!("y"));
        assert_eq!(scope_eval(json!({"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Ami"]})).unwrap(), json!("ami-1"));
        assert_eq!(scope_eval(json!({"a": {"Fn::If": ["IsProd", {"Ref": "AWS::NoValue"}, 1]}, "b": [1, {"Ref": "AWS::NoValue"}]})).unwrap(), json!({"b": [1]}));
        assert_eq!(scope_eval(json!({"Fn::Base64": "hi"})).unwrap(), json!("aGk="));
        assert_eq!(scope_eval(json!({"Fn::GetAZs": ""})).unwrap(), json!(["eu-west-1a", "eu-west-1b", "eu-west-1c"]));
        assert_eq!(scope_eval(json!({"Fn::ImportValue": "Shared"})).unwrap(), json!("v"));
        assert_eq!(scope_eval(json!({"Fn::ImportValue": "Nope"})).unwrap_err(), "No export named Nope found.");
        assert!(scope_eval(json!({"Fn::GetAtt": ["T", "Nope"]})).unwrap_err().contains("does not support attribute type Nope"));
        assert!(scope_eval(json!({"Fn::Select": [5, ["a"]]})).is_err());
        let mut refs = BTreeSet::new();
        references(&json!([{"Fn::Sub": ["${A}-${B.Arn}-${x}-${!C}-${AWS::Region}", {"x": {"Ref": "D"}}]}, {"k": {"Fn::GetAtt": ["E", "Arn"]}}]), &mut refs);
        assert_eq!(refs.into_iter().collect::<Vec<_>>(), ["A", "AWS::Region", "B", "D", "E"]);
    }
}
