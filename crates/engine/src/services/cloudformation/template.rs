//! Template reading: JSON or YAML text (YAML's short-form tags `!Ref`, `!GetAtt a.b`, `!Sub`, ...
//! become their long forms) into one JSON value, and the checks CloudFormation makes on its
//! top-level shape. The value is the template model: the SAM transform rewrites it, intrinsics
//! are evaluated over it, and an exporter can write it back as it is.

use serde_json::{json, Map, Value};

use super::errors::validation;
use crate::kernel::error::AwsError;

/// TemplateBody's limit (CloudFormation's quota for a template passed in the request).
pub const MAX_BODY_BYTES: usize = 51_200;
/// Resources per template.
pub const MAX_RESOURCES: usize = 500;
/// How deeply a template may nest (a guard for the recursive readers, not an AWS quota).
const MAX_DEPTH: usize = 64;

/// The short-form tags and the long form each becomes.
const TAGS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("GetAtt", "Fn::GetAtt"),
    ("Sub", "Fn::Sub"),
    ("Join", "Fn::Join"),
    ("If", "Fn::If"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("Equals", "Fn::Equals"),
    ("Not", "Fn::Not"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("FindInMap", "Fn::FindInMap"),
    ("ImportValue", "Fn::ImportValue"),
    ("Base64", "Fn::Base64"),
    ("GetAZs", "Fn::GetAZs"),
    ("Cidr", "Fn::Cidr"),
    ("Transform", "Fn::Transform"),
];

/// Reads a template body, JSON or YAML.
pub fn parse(text: &str) -> Result<Value, AwsError> {
    let trimmed = text.trim_start();
    let doc = if trimmed.starts_with('{') {
        serde_json::from_str::<Value>(text).map_err(|e| validation(format!("Template format error: JSON not well-formed. (line {}, column {})", e.line(), e.column())))?
    } else {
        let y: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| validation(format!("Template format error: YAML not well-formed. {}", yaml_location(&e))))?;
        yaml_to_json(y, 0)?
    };
    if !doc.is_object() {
        return Err(validation("Template format error: unsupported structure."));
    }
    if json_depth(&doc, 0) > MAX_DEPTH {
        return Err(validation("Template format error: the template nests too deeply."));
    }
    Ok(doc)
}

fn yaml_location(e: &serde_yaml::Error) -> String {
    match e.location() {
        Some(l) => format!("(line {}, column {})", l.line(), l.column()),
        None => String::new(),
    }
}

fn json_depth(v: &Value, d: usize) -> usize {
    if d > MAX_DEPTH {
        return d;
    }
    match v {
        Value::Object(m) => m.values().map(|v| json_depth(v, d + 1)).max().unwrap_or(d),
        Value::Array(a) => a.iter().map(|v| json_depth(v, d + 1)).max().unwrap_or(d),
        _ => d,
    }
}

/// YAML to JSON with CloudFormation's short forms expanded.
fn yaml_to_json(v: serde_yaml::Value, depth: usize) -> Result<Value, AwsError> {
    use serde_yaml::Value as Y;
    if depth > MAX_DEPTH {
        return Err(validation("Template format error: the template nests too deeply."));
    }
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => crate::services::apigateway::openapi::yaml_number(&n),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(|i| yaml_to_json(i, depth + 1)).collect::<Result<_, _>>()?),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".into(),
                    _ => return Err(validation("Template format error: a mapping key must be a scalar.")),
                };
                out.insert(key, yaml_to_json(v, depth + 1)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let tag = tag.trim_start_matches('!');
            let Some((_, long)) = TAGS.iter().find(|(short, _)| *short == tag) else {
                return Err(validation(format!("Template format error: unknown tag !{tag}")));
            };
            let inner = yaml_to_json(t.value, depth + 1)?;
            let inner = match (*long, inner) {
                // `!GetAtt Resource.Attribute` (the attribute may itself contain dots).
                ("Fn::GetAtt", Value::String(s)) => match s.split_once('.') {
                    Some((r, a)) => json!([r, a]),
                    None => return Err(validation(format!("Template error: every Fn::GetAtt object requires two non-empty parameters ({s})"))),
                },
                (_, v) => v,
            };
            json!({ *long: inner })
        }
    })
}

/// The top-level sections a template may have.
const SECTIONS: &[&str] = &["AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings", "Conditions", "Transform", "Resources", "Outputs", "Globals"];

/// CloudFormation's checks of the template's shape (before parameters are known).
pub fn check_shape(t: &Value) -> Result<(), AwsError> {
    let Some(map) = t.as_object() else { return Err(validation("Template format error: unsupported structure.")) };
    for k in map.keys() {
        if !SECTIONS.contains(&k.as_str()) {
            return Err(validation(format!("Invalid template property or properties [{k}]")));
        }
    }
    if let Some(v) = map.get("AWSTemplateFormatVersion") {
        if v.as_str() != Some("2010-09-09") {
            return Err(validation(format!("Template format error: '{}' is not a valid template version", scalar_text(v))));
        }
    }
    if let Some(d) = map.get("Description") {
        if !d.is_string() {
            return Err(validation("Template format error: Every Description member must be a string."));
        }
    }
    let Some(resources) = map.get("Resources").and_then(Value::as_object) else {
        return Err(validation("Template format error: At least one Resources member must be defined."));
    };
    if resources.is_empty() {
        return Err(validation("Template format error: At least one Resources member must be defined."));
    }
    if resources.len() > MAX_RESOURCES {
        return Err(validation(format!("Template format error: Number of resources, {}, is greater than maximum allowed, {MAX_RESOURCES}", resources.len())));
    }
    for (id, r) in resources {
        if !valid_logical_id(id) {
            return Err(validation(format!("Template format error: Resource name {id} is non alphanumeric.")));
        }
        let Some(r) = r.as_object() else { return Err(validation(format!("Template format error: [/Resources/{id}] resource definition is malformed"))) };
        match r.get("Type") {
            Some(Value::String(_)) => {}
            _ => return Err(validation(format!("Template format error: [/Resources/{id}] Every Resources object must contain a Type member."))),
        }
        if let Some(p) = r.get("Properties") {
            if !p.is_object() {
                return Err(validation(format!("Template format error: [/Resources/{id}/Properties] Every Properties member must be an object.")));
            }
        }
    }
    for section in ["Parameters", "Mappings", "Conditions", "Outputs"] {
        if let Some(v) = map.get(section) {
            if !v.is_object() {
                return Err(validation(format!("Template format error: Every {section} member must be an object.")));
            }
        }
    }
    if let Some(params) = map.get("Parameters").and_then(Value::as_object) {
        for (name, p) in params {
            if !valid_logical_id(name) {
                return Err(validation(format!("Template format error: Parameter name {name} is non alphanumeric.")));
            }
            if p.get("Type").and_then(Value::as_str).is_none() {
                return Err(validation(format!("Template format error: Every Parameters object must contain a Type member. ({name})")));
            }
        }
    }
    if let Some(outputs) = map.get("Outputs").and_then(Value::as_object) {
        for (name, o) in outputs {
            if o.get("Value").is_none() {
                return Err(validation(format!("Template format error: Every Outputs member must contain a Value object, the Outputs member {name} does not")));
            }
        }
    }
    Ok(())
}

/// Logical ids and parameter names: ASCII letters and digits.
pub fn valid_logical_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 255 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A scalar as CloudFormation writes it into strings (`5` → "5", `true` → "true").
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The template's `Transform` names (a string or a list).
pub fn transforms(t: &Value) -> Vec<String> {
    match t.get("Transform") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(String::from).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_short_forms_become_long_forms() {
        let t = parse("Resources:\n  T:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub '${AWS::StackName}-q'\n      A: !GetAtt Fn.Arn\n      B: !Join [':', [!Ref X, 'y']]\n      C: !If [IsProd, 1, !Ref AWS::NoValue]\n      D: !Select [0, !GetAZs '']\n")
            .unwrap();
        let p = &t["Resources"]["T"]["Properties"];
        assert_eq!(p["QueueName"], json!({"Fn::Sub": "${AWS::StackName}-q"}));
        assert_eq!(p["A"], json!({"Fn::GetAtt": ["Fn", "Arn"]}));
        assert_eq!(p["B"], json!({"Fn::Join": [":", [{"Ref": "X"}, "y"]]}));
        assert_eq!(p["C"], json!({"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}));
        assert_eq!(p["D"], json!({"Fn::Select": [0, {"Fn::GetAZs": ""}]}));
        assert!(parse("a: !Bogus x").unwrap_err().message.contains("unknown tag !Bogus"));
        assert!(parse("[1, 2]").is_err());
        assert!(parse("{\"Resources\": ").unwrap_err().message.starts_with("Template format error: JSON not well-formed."));
    }

    #[test]
    fn shape_checks() {
        assert!(check_shape(&json!({"Resources": {}})).unwrap_err().message.contains("At least one Resources member"));
        assert!(check_shape(&json!({"Resources": {"a-b": {"Type": "X"}}})).unwrap_err().message.contains("non alphanumeric"));
        assert!(check_shape(&json!({"Resourcez": {}})).unwrap_err().message.contains("Invalid template property or properties [Resourcez]"));
        assert!(check_shape(&json!({"AWSTemplateFormatVersion": "2011-01-01", "Resources": {"A": {"Type": "X"}}})).is_err());
        check_shape(&json!({"Resources": {"A": {"Type": "X"}}})).unwrap();
    }
}
