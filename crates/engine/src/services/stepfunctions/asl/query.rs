//! JSONata states' fields (`Arguments`, `Output`, `Assign`, `Condition`, `Items`,
//! `ItemSelector`, a Catcher's `Output`/`Assign`, a Fail's `Error`/`Cause`, numeric fields and
//! Wait's `Timestamp`): JSON in which every string `{% expression %}`, at any depth, is a JSONata
//! expression. Compiled once with the definition ([`Field::compile`]); evaluated with the
//! reserved variable `$states` (`input`, `context`, and `result` or `errorOutput` where the state
//! has one) and the workflow's variables ([`Field::eval`]).
//!
//! An expression that fails, or gives nothing (JSONata's undefined), fails the state with
//! `States.QueryEvaluationError`.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{
    jsonata::{field_expression, Expr, Host},
    names, Failure,
};

#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Lit(Value),
    Expr(Arc<Expr>),
    Arr(Vec<Field>),
    Obj(Vec<(String, Field)>),
}

/// What a JSONata field is evaluated against.
pub struct Scope<'a> {
    /// The state's name (for the error's cause).
    pub state: &'a str,
    /// `$states`: `{"input", "context"}` plus `result` / `errorOutput`.
    pub states: Value,
    pub vars: &'a Map<String, Value>,
    pub now_ms: i64,
    pub random: &'a mut dyn FnMut() -> u64,
}

impl<'a> Scope<'a> {
    pub fn new(state: &'a str, input: &Value, context: &Value, vars: &'a Map<String, Value>, now_ms: i64, random: &'a mut dyn FnMut() -> u64) -> Scope<'a> {
        let mut m = Map::with_capacity(4);
        m.insert("input".into(), input.clone());
        m.insert("context".into(), context.clone());
        Scope { state, states: Value::Object(m), vars, now_ms, random }
    }

    /// Adds `$states.result` or `$states.errorOutput`.
    pub fn with(mut self, key: &str, v: Value) -> Scope<'a> {
        if let Value::Object(m) = &mut self.states {
            m.insert(key.into(), v);
        }
        self
    }
}

impl Field {
    /// Compiles a field's JSON; the error names the bad expression and JSONata's message.
    pub fn compile(v: &Value) -> Result<Field, String> {
        Ok(match v {
            Value::String(s) => match field_expression(s) {
                Some(e) => Field::Expr(Arc::new(Expr::parse(e.trim()).map_err(|err| format!("The JSONata expression '{e}' is not valid: {err}"))?)),
                None => Field::Lit(v.clone()),
            },
            Value::Array(a) => {
                let items = a.iter().map(Field::compile).collect::<Result<Vec<_>, _>>()?;
                if items.iter().all(|f| matches!(f, Field::Lit(_))) {
                    Field::Lit(v.clone())
                } else {
                    Field::Arr(items)
                }
            }
            Value::Object(m) => {
                let items = m.iter().map(|(k, x)| Field::compile(x).map(|f| (k.clone(), f))).collect::<Result<Vec<_>, _>>()?;
                if items.iter().all(|(_, f)| matches!(f, Field::Lit(_))) {
                    Field::Lit(v.clone())
                } else {
                    Field::Obj(items)
                }
            }
            other => Field::Lit(other.clone()),
        })
    }

    /// The field's value; `field` names it in a failure's cause.
    pub fn eval(&self, field: &str, scope: &mut Scope) -> Result<Value, Failure> {
        match self {
            Field::Lit(v) => Ok(v.clone()),
            Field::Arr(items) => items.iter().map(|f| f.eval(field, scope)).collect::<Result<Vec<_>, _>>().map(Value::Array),
            Field::Obj(items) => {
                let mut out = Map::with_capacity(items.len());
                for (k, f) in items {
                    out.insert(k.clone(), f.eval(field, scope)?);
                }
                Ok(Value::Object(out))
            }
            Field::Expr(e) => {
                let mut bindings: Vec<(&str, &Value)> = Vec::with_capacity(scope.vars.len() + 1);
                bindings.extend(scope.vars.iter().map(|(k, v)| (k.as_str(), v)));
                bindings.push(("states", &scope.states));
                let mut host = Host { now_ms: scope.now_ms, random: &mut *scope.random };
                let cause = |what: String| {
                    format!("An error occurred while executing the state '{}'. The JSONata expression '{}' specified for the field '{field}' {what}", scope.state, e.text)
                };
                match e.eval(None, &bindings, &mut host) {
                    Ok(Some(v)) => Ok(v),
                    Ok(None) => Err(Failure::new(names::QUERY_EVALUATION_ERROR, cause("returned nothing (undefined).".into()))),
                    Err(err) => Err(Failure::new(names::QUERY_EVALUATION_ERROR, cause(format!("threw an error: {err}")))),
                }
            }
        }
    }
}

/// Assign: each key's value evaluated (all against the same `$states` and the variables as they
/// were before the state), then written to the variables.
pub fn assign(fields: &Field, scope: &mut Scope) -> Result<Vec<(String, Value)>, Failure> {
    match fields.eval("Assign", scope)? {
        Value::Object(m) => Ok(m.into_iter().collect()),
        _ => Err(Failure::new(names::QUERY_EVALUATION_ERROR, "The field 'Assign' must be an object")),
    }
}
