//! A JSONata evaluator (the JSONata 2.0 language, as Step Functions runs it), written here over
//! `serde_json::Value`: [`parse`] turns the text into a syntax tree once, at CreateStateMachine;
//! [`Expr::eval`] evaluates it against an input and variable bindings.
//!
//! Covered: path navigation with sequence flattening and singleton rules, `*`, `**`, predicates
//! and (negative) indexes, `[]`, `$` and `$$`, variables and `:=` in `( ...; ... )` blocks,
//! arithmetic, comparison, `and`/`or`, `in`, `&`, `? :`, `??`, `?:`, ranges, array and object
//! constructors, group-by `a{k: v}`, order-by `^(<a, >b)`, `~>`, lambdas with closures, partial
//! application (`?`), regex literals, and the standard library Step Functions users rely on plus
//! Step Functions' own `$partition`, `$range`, `$hash`, `$random(seed)`, `$uuid` and `$parse`
//! (see [`functions`]). Refused with a clear error: the parent operator `%`, the `@`/`#`
//! bindings, the transform operator `|...|...|`, `$eval`.
//!
//! Bounded: an evaluation fails (code U1001) past [`MAX_DEPTH`] nested evaluations or
//! [`MAX_STEPS`] steps, so a runaway expression ends instead of hanging the sandbox.

mod eval;
pub mod functions;
mod parse;

#[cfg(test)]
mod tests;

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use serde_json::Value;

pub use parse::Node;

/// Nested evaluations allowed (recursion through lambdas counts).
pub const MAX_DEPTH: usize = 2_000;
/// Stack an evaluation (or a parse) may use, measured from where it started: frames are larger
/// in debug builds than in release and wasm, so the bound is on bytes, not on depth alone.
pub const MAX_STACK: usize = if cfg!(debug_assertions) { 1024 * 1024 } else { 256 * 1024 };

/// The address of a local: how deep the stack is here.
#[inline(never)]
pub(crate) fn stack_mark() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}
/// Evaluation steps allowed for one expression.
pub const MAX_STEPS: u64 = 2_000_000;

/// A JSONata error: its code (`T2001`, `D3030`, ...), message, and character position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: &'static str,
    pub message: String,
    pub position: usize,
}

impl Error {
    pub fn new(code: &'static str, message: impl Into<String>, position: usize) -> Error {
        Error { code, message: message.into(), position }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// A parsed expression and its text.
#[derive(Debug, Clone)]
pub struct Expr {
    pub text: String,
    root: Node,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.text == other.text
    }
}

/// What an evaluation may read of the world: the virtual clock and the engine's random numbers.
pub struct Host<'a> {
    pub now_ms: i64,
    pub random: &'a mut dyn FnMut() -> u64,
}

impl Expr {
    pub fn parse(text: &str) -> Result<Expr, Error> {
        Ok(Expr { text: text.to_string(), root: parse::parse(text)? })
    }

    /// Evaluates against `input` (the context `$` and `$$`; `None`: undefined) with `bindings`
    /// as variables; `Ok(None)` is JSONata's undefined.
    pub fn eval(&self, input: Option<&Value>, bindings: &[(&str, &Value)], host: &mut Host) -> Result<Option<Value>, Error> {
        let root = input.map(V::from_json);
        let env = Frame::new(None);
        for (k, v) in bindings {
            env.set(k, V::from_json(v));
        }
        let mut ev = eval::Ev::new(host, root.clone());
        let out = ev.eval(&self.root, &root, &env);
        ev.release();
        env.vars.borrow_mut().clear();
        out?.map(|v| v.to_json()).transpose()
    }
}

/// Array flags: a sequence (flattened, singleton-unwrapped), built by an array constructor
/// (kept whole in a path), or marked by `[]` (kept an array when it has one item).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub seq: bool,
    pub cons: bool,
    pub keep: bool,
}

/// A JSONata value: JSON, plus functions; arrays carry [`Flags`].
#[derive(Clone, Debug)]
pub enum V<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    Arr(Rc<Vec<V<'a>>>, Flags),
    Obj(Rc<indexmap::IndexMap<String, V<'a>>>),
    Lambda(Rc<Lambda<'a>>),
    Builtin(&'static str),
    /// A partially applied function: the function and its arguments (`None` for each `?`).
    Partial(Rc<(V<'a>, Vec<Option<V<'a>>>)>),
    Regex(Rc<crate::vtl::regex::Regex>, Rc<str>),
}

#[derive(Debug)]
pub struct Lambda<'a> {
    pub params: &'a [String],
    pub body: &'a Node,
    pub env: Env<'a>,
    pub input: Option<V<'a>>,
}

pub type Env<'a> = Rc<Frame<'a>>;

#[derive(Debug)]
pub struct Frame<'a> {
    pub vars: RefCell<HashMap<String, V<'a>>>,
    pub parent: Option<Env<'a>>,
}

impl<'a> Frame<'a> {
    pub fn new(parent: Option<Env<'a>>) -> Env<'a> {
        Rc::new(Frame { vars: RefCell::new(HashMap::new()), parent })
    }
    pub fn set(&self, k: &str, v: V<'a>) {
        self.vars.borrow_mut().insert(k.to_string(), v);
    }
    pub fn get(&self, k: &str) -> Option<V<'a>> {
        if let Some(v) = self.vars.borrow().get(k) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.get(k))
    }
}

impl<'a> V<'a> {
    pub fn from_json(v: &Value) -> V<'a> {
        match v {
            Value::Null => V::Null,
            Value::Bool(b) => V::Bool(*b),
            Value::Number(n) => V::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => V::Str(Rc::from(s.as_str())),
            Value::Array(a) => V::Arr(Rc::new(a.iter().map(V::from_json).collect()), Flags::default()),
            Value::Object(m) => V::Obj(Rc::new(m.iter().map(|(k, v)| (k.clone(), V::from_json(v))).collect())),
        }
    }

    /// JSON: functions become null in arrays and are left out of objects (as `JSON.stringify`);
    /// a number that is not finite is D1001.
    pub fn to_json(&self) -> Result<Value, Error> {
        Ok(match self {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(*b),
            V::Num(n) => num_json(*n)?,
            V::Str(s) => Value::String(s.to_string()),
            V::Arr(a, _) => Value::Array(a.iter().map(|x| x.to_json()).collect::<Result<_, _>>()?),
            V::Obj(m) => {
                let mut out = serde_json::Map::with_capacity(m.len());
                for (k, v) in m.iter() {
                    if !v.is_function() {
                        out.insert(k.clone(), v.to_json()?);
                    }
                }
                Value::Object(out)
            }
            _ => Value::Null,
        })
    }

    pub fn is_function(&self) -> bool {
        matches!(self, V::Lambda(_) | V::Builtin(_) | V::Partial(_) | V::Regex(..))
    }

    pub fn seq(items: Vec<V<'a>>) -> V<'a> {
        V::Arr(Rc::new(items), Flags { seq: true, ..Flags::default() })
    }

    pub fn str(s: &str) -> V<'a> {
        V::Str(Rc::from(s))
    }
}

/// A number as JSON: integers without a fraction, as JSONata prints them.
pub fn num_json(n: f64) -> Result<Value, Error> {
    if !n.is_finite() {
        return Err(Error::new("D1001", format!("Number out of range: {n}"), 0));
    }
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        return Ok(Value::from(n as i64));
    }
    Ok(serde_json::Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null))
}

/// Whether a string is a JSONata field in a Step Functions state: `{% expression %}`.
pub fn field_expression(s: &str) -> Option<&str> {
    s.strip_prefix("{%").and_then(|r| r.strip_suffix("%}"))
}
