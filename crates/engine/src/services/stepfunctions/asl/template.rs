//! Payload templates: `Parameters`, `ResultSelector`, `ItemSelector` (and a Task's `Credentials`)
//! in JSONPath states. A key ending in `.$` takes its value from a path (`$.x`, `$$.Execution.Id`)
//! or an intrinsic call, and loses the `.$`; other values are copied, objects and arrays
//! recursively. Compiled once with the definition, applied on every transition.

use serde_json::{Map, Value};

use super::{
    compact,
    intrinsic::{self, Call, Env},
    path::{Path, Root},
    Failure,
};

#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    Literal(Value),
    Path { field: String, path: Path },
    Call { field: String, call: Call },
    Object(Vec<(String, Template)>),
    Array(Vec<Template>),
}

/// A template problem found at definition time: where (`/a/b.$`, relative to the template) and
/// what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub location: String,
    pub message: String,
}

impl Template {
    /// Compiles a payload template, or lists its invalid `.$` fields.
    pub fn compile(v: &Value) -> Result<Template, Vec<TemplateError>> {
        let mut errors = Vec::new();
        let t = compile(v, "", &mut errors);
        if errors.is_empty() {
            Ok(t)
        } else {
            Err(errors)
        }
    }

    /// Builds the payload. `input` is what `$` means (the effective input, or the task result for
    /// a ResultSelector), `context` what `$$` means.
    pub fn apply(&self, input: &Value, context: &Value, random: &mut dyn FnMut() -> u64) -> Result<Value, Failure> {
        Ok(match self {
            Template::Literal(v) => v.clone(),
            Template::Path { field, path } => {
                let doc = if path.root() == Root::Context { context } else { input };
                match path.select(input, context) {
                    Ok(v) => v,
                    Err(_) => {
                        return Err(Failure::runtime(format!(
                            "The JSONPath '{}' specified for the field '{}' could not be found in the input '{}'",
                            path.text(),
                            field,
                            compact(doc)
                        )))
                    }
                }
            }
            Template::Call { field, call } => call.eval(&mut Env { input, context, field, random })?,
            Template::Object(members) => {
                let mut m = Map::with_capacity(members.len());
                for (k, t) in members {
                    m.insert(k.clone(), t.apply(input, context, random)?);
                }
                Value::Object(m)
            }
            Template::Array(items) => Value::Array(items.iter().map(|t| t.apply(input, context, random)).collect::<Result<_, _>>()?),
        })
    }
}

fn compile(v: &Value, at: &str, errors: &mut Vec<TemplateError>) -> Template {
    match v {
        Value::Object(m) => {
            let mut members = Vec::with_capacity(m.len());
            for (k, v) in m {
                let loc = format!("{at}/{k}");
                if let Some(name) = k.strip_suffix(".$") {
                    let Value::String(s) = v else {
                        errors
                            .push(TemplateError { location: loc, message: format!("The value for the field '{k}' must be a STRING that contains a JSONPath but was {}", kind(v)) });
                        continue;
                    };
                    let t = if intrinsic::looks_like_call(s) {
                        intrinsic::parse(s).map(|call| Template::Call { field: k.clone(), call })
                    } else {
                        Path::parse(s).map(|path| Template::Path { field: k.clone(), path })
                    };
                    match t {
                        Ok(t) => members.push((name.to_string(), t)),
                        Err(e) => errors.push(TemplateError {
                            location: loc,
                            message: format!("The value for the field '{k}' must be a valid JSONPath or a valid intrinsic function call ({e})"),
                        }),
                    }
                } else {
                    members.push((k.clone(), compile(v, &loc, errors)));
                }
            }
            Template::Object(members)
        }
        Value::Array(a) => Template::Array(a.iter().enumerate().map(|(i, v)| compile(v, &format!("{at}/{i}"), errors)).collect()),
        other => Template::Literal(other.clone()),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "a NULL",
        Value::Bool(_) => "a BOOLEAN",
        Value::Number(_) => "a NUMBER",
        Value::String(_) => "a STRING",
        Value::Array(_) => "an ARRAY",
        Value::Object(_) => "an OBJECT",
    }
}
