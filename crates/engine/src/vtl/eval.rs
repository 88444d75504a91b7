//! The renderer: values, references, directives, operators and the Java methods templates call.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use indexmap::IndexMap;

/// A template map: insertion-ordered, with a fixed-seed fast hasher.
pub(crate) type Map = IndexMap<String, Value, foldhash::fast::FixedState>;

use super::parser::{BinOp, Expr, Node, Part, Pre, Ref};
use super::{jsonpath, regex, util, Env, Template, VtlError, MAX_DEPTH, MAX_FOREACH, MAX_OUTPUT, STEP_BUDGET};

/// A template value: Java's types as Velocity sees them. Lists and maps are shared and mutable
/// (`$map.put` changes the map every reference to it sees).
#[derive(Clone, Debug)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    List(Rc<RefCell<Vec<Value>>>),
    Map(Rc<RefCell<Map>>),
    /// A `Map.Entry` from `entrySet()`.
    Entry(Rc<(String, Value)>),
    /// `$foreach` inside a loop.
    Loop {
        index: usize,
        has_next: bool,
    },
    Input,
    Util,
}

impl Value {
    fn str(s: impl Into<Arc<str>>) -> Value {
        Value::Str(s.into())
    }
    fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(v)))
    }
    fn map(m: Map) -> Value {
        Value::Map(Rc::new(RefCell::new(m)))
    }
    fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    fn truthy(&self) -> bool {
        // Velocity 1.7: only null and false are false (an empty string is true).
        !matches!(self, Value::Null | Value::Bool(false))
    }
    fn num(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
}

pub(crate) fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::str(s.as_str()),
        serde_json::Value::Array(a) => Value::list(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}

fn to_json(v: &Value, depth: usize) -> Result<serde_json::Value, VtlError> {
    if depth > MAX_DEPTH {
        return Err(VtlError::new(format!("$context nests deeper than {MAX_DEPTH} levels (or refers to itself)")));
    }
    Ok(match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null),
        Value::Str(s) => serde_json::Value::String(s.to_string()),
        Value::List(l) => serde_json::Value::Array(l.borrow().iter().map(|v| to_json(v, depth + 1)).collect::<Result<_, _>>()?),
        Value::Map(m) => serde_json::Value::Object(m.borrow().iter().map(|(k, v)| Ok((k.clone(), to_json(v, depth + 1)?))).collect::<Result<_, VtlError>>()?),
        Value::Entry(e) => {
            let mut o = serde_json::Map::new();
            o.insert(e.0.clone(), to_json(&e.1, depth + 1)?);
            serde_json::Value::Object(o)
        }
        Value::Loop { .. } | Value::Input | Value::Util => serde_json::Value::Null,
    })
}

/// Java's `Double.toString`.
pub(crate) fn java_double(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let a = f.abs();
    if (1e-3..1e7).contains(&a) {
        let s = format!("{f}");
        if s.contains('.') {
            s
        } else {
            s + ".0"
        }
    } else {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        if m.contains('.') {
            format!("{m}E{e}")
        } else {
            format!("{m}.0E{e}")
        }
    }
}

enum Flow {
    Normal,
    Break,
    Stop,
}

struct R<'t, 'e> {
    t: &'t Template,
    env: &'e Env,
    vars: HashMap<Arc<str>, Value, foldhash::fast::FixedState>,
    body: Option<Result<Rc<serde_json::Value>, String>>,
    body_str: Option<Arc<str>>,
    params: Option<Value>,
    context_loaded: bool,
    /// Set by anything that may have changed `$context` (a `#set` through it, or a mutating
    /// method on any map or list); only then is it written back.
    maybe_mutated: bool,
    steps: u64,
    depth: usize,
}

pub(crate) fn render(t: &Template, env: &mut Env) -> Result<String, VtlError> {
    let mut r = R {
        t,
        env,
        vars: HashMap::with_hasher(foldhash::fast::FixedState::default()),
        body: None,
        body_str: None,
        params: None,
        context_loaded: false,
        maybe_mutated: false,
        steps: 0,
        depth: 0,
    };
    let mut out = String::with_capacity(t.src.len() + env.body.len().min(MAX_OUTPUT));
    r.nodes(&t.nodes, &mut out)?;
    let ctx = if r.context_loaded && r.maybe_mutated {
        match r.vars.get("context") {
            Some(v @ Value::Map(_)) => Some(to_json(v, 0)?),
            _ => None,
        }
    } else {
        None
    };
    drop(r);
    if let Some(ctx) = ctx {
        env.context = ctx;
    }
    Ok(out)
}

fn too_big() -> VtlError {
    VtlError::new(format!("Template output exceeds {MAX_OUTPUT} bytes"))
}

impl R<'_, '_> {
    fn step(&mut self) -> Result<(), VtlError> {
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            return Err(VtlError::new(format!("Template evaluation exceeds {STEP_BUDGET} steps")));
        }
        Ok(())
    }

    fn nodes(&mut self, ns: &[Node], out: &mut String) -> Result<Flow, VtlError> {
        for n in ns {
            self.step()?;
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Ref(r) => match self.reference(r)? {
                    Some(v) => self.write(&v, out, 0)?,
                    None if r.quiet => {}
                    None => out.push_str(&r.src),
                },
                Node::Escaped(n, r) => match self.reference(r)? {
                    Some(v) => {
                        out.extend(std::iter::repeat_n('\\', n / 2));
                        if n % 2 == 1 {
                            out.push_str(&r.src);
                        } else {
                            self.write(&v, out, 0)?;
                        }
                    }
                    None => {
                        out.extend(std::iter::repeat_n('\\', *n));
                        out.push_str(&r.src);
                    }
                },
                Node::Set(r, e) => {
                    let v = self.expr(e)?;
                    if !v.is_null() {
                        self.assign(r, v)?;
                    }
                }
                Node::If(arms, otherwise) => {
                    let mut body = otherwise.as_deref();
                    for (c, b) in arms {
                        if self.expr(c)?.truthy() {
                            body = Some(b);
                            break;
                        }
                    }
                    if let Some(b) = body {
                        match self.nested(b, out)? {
                            Flow::Normal => {}
                            f => return Ok(f),
                        }
                    }
                }
                Node::Foreach(var, e, body) => {
                    let items: Vec<Value> = match self.expr(e)? {
                        Value::List(l) => l.borrow().iter().take(MAX_FOREACH).cloned().collect(),
                        Value::Map(m) => m.borrow().values().take(MAX_FOREACH).cloned().collect(),
                        _ => Vec::new(),
                    };
                    let saved: Vec<(&str, Option<Value>)> = [&**var, "foreach", "velocityCount", "velocityHasNext"].into_iter().map(|k| (k, self.vars.get(k).cloned())).collect();
                    let n = items.len();
                    let mut flow = Flow::Normal;
                    for (index, item) in items.into_iter().enumerate() {
                        self.step()?;
                        let has_next = index + 1 < n;
                        self.set_var(var, item);
                        self.set_var("foreach", Value::Loop { index, has_next });
                        self.set_var("velocityCount", Value::Int(index as i64 + 1));
                        self.set_var("velocityHasNext", Value::Bool(has_next));
                        match self.nested(body, out)? {
                            Flow::Normal => {}
                            Flow::Break => break,
                            Flow::Stop => {
                                flow = Flow::Stop;
                                break;
                            }
                        }
                    }
                    for (k, v) in saved {
                        match v {
                            Some(v) => self.vars.insert(k.into(), v),
                            None => self.vars.remove(k),
                        };
                    }
                    if let Flow::Stop = flow {
                        return Ok(Flow::Stop);
                    }
                }
                Node::Break => return Ok(Flow::Break),
                Node::Stop => return Ok(Flow::Stop),
                Node::Call(name, args, src, pos) => {
                    let Some(m) = self.t.macros.get(name).cloned() else {
                        out.push_str(src);
                        continue;
                    };
                    if self.depth >= MAX_DEPTH {
                        return Err(VtlError::at(format!("Macro #{name} recurses deeper than {MAX_DEPTH} levels"), *pos));
                    }
                    let mut vals = Vec::with_capacity(args.len());
                    for a in args {
                        vals.push(self.expr(a)?);
                    }
                    let saved: Vec<(Arc<str>, Option<Value>)> = m.params.iter().map(|p| (Arc::from(&**p), self.vars.get(&**p).cloned())).collect();
                    for (i, (p, _)) in saved.iter().enumerate() {
                        match vals.get(i) {
                            Some(v) if !v.is_null() => self.vars.insert(p.clone(), v.clone()),
                            _ => self.vars.remove(p),
                        };
                    }
                    let flow = self.nested(&m.body, out);
                    for (p, v) in saved {
                        match v {
                            Some(v) => self.vars.insert(p, v),
                            None => self.vars.remove(&p),
                        };
                    }
                    if let Flow::Stop = flow? {
                        return Ok(Flow::Stop);
                    }
                }
            }
            if out.len() > MAX_OUTPUT {
                return Err(too_big());
            }
        }
        Ok(Flow::Normal)
    }

    /// Sets a variable, reusing its key when it exists (loops set the same names each turn).
    fn set_var(&mut self, k: &str, v: Value) {
        match self.vars.get_mut(k) {
            Some(slot) => *slot = v,
            None => {
                self.vars.insert(Arc::from(k), v);
            }
        }
    }

    fn nested(&mut self, ns: &[Node], out: &mut String) -> Result<Flow, VtlError> {
        self.depth += 1;
        let f = self.nodes(ns, out);
        self.depth -= 1;
        f
    }

    /// Java's `toString()` of a value, appended to `out`.
    fn write(&mut self, v: &Value, out: &mut String, depth: usize) -> Result<(), VtlError> {
        if depth > MAX_DEPTH {
            return Err(VtlError::new("A list or map nests too deep to print (does it contain itself?)"));
        }
        self.step()?;
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                use std::fmt::Write as _;
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&java_double(*f)),
            Value::Str(s) => out.push_str(s),
            Value::List(l) => {
                out.push('[');
                let l = l.borrow().clone();
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.write(x, out, depth + 1)?;
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push('{');
                let m = m.borrow().clone();
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push('=');
                    self.write(x, out, depth + 1)?;
                }
                out.push('}');
            }
            Value::Entry(e) => {
                out.push_str(&e.0);
                out.push('=');
                self.write(&e.1, out, depth + 1)?;
            }
            Value::Loop { .. } => out.push_str("org.apache.velocity.runtime.directive.ForeachScope"),
            Value::Input => out.push_str("$input"),
            Value::Util => out.push_str("$util"),
        }
        if out.len() > MAX_OUTPUT {
            return Err(too_big());
        }
        Ok(())
    }

    fn string(&mut self, v: &Value) -> Result<Arc<str>, VtlError> {
        if let Value::Str(s) = v {
            return Ok(s.clone());
        }
        let mut s = String::new();
        self.write(v, &mut s, 0)?;
        Ok(s.into())
    }

    fn var(&mut self, name: &str) -> Option<Value> {
        if let Some(v) = self.vars.get(name) {
            return Some(v.clone());
        }
        let v = match name {
            "input" => Value::Input,
            "util" => Value::Util,
            "context" => {
                self.context_loaded = true;
                let v = match &self.env.context {
                    serde_json::Value::Null => Value::map(Map::default()),
                    c => from_json(c),
                };
                self.vars.insert("context".into(), v.clone());
                v
            }
            "stageVariables" => {
                let v = Value::map(self.env.stage_variables.iter().map(|(k, v)| (k.clone(), from_json(v))).collect());
                self.vars.insert("stageVariables".into(), v.clone());
                v
            }
            _ => return None,
        };
        Some(v)
    }

    /// A reference's value, or None when it (or any step of it) is undefined or null.
    fn reference(&mut self, r: &Ref) -> Result<Option<Value>, VtlError> {
        let Some(mut v) = self.var(&r.name) else { return Ok(None) };
        for p in &r.parts {
            self.step()?;
            let next = match p {
                Part::Prop(name) => self.prop(&v, name)?,
                Part::Call(name, args, pre) => {
                    let mut vals = Vec::with_capacity(args.len());
                    for a in args {
                        vals.push(self.expr(a)?);
                    }
                    self.call(&v, name, vals, pre.as_deref()).map_err(|e| e.or_at(r.pos))?
                }
                Part::Index(e) => {
                    let i = self.expr(e)?;
                    self.index(&v, &i).map_err(|e| e.or_at(r.pos))?
                }
            };
            match next {
                Some(n) if !n.is_null() => v = n,
                _ => return Ok(None),
            }
        }
        Ok(if v.is_null() { None } else { Some(v) })
    }

    fn assign(&mut self, r: &Ref, v: Value) -> Result<(), VtlError> {
        if !r.parts.is_empty() {
            self.maybe_mutated = true;
        }
        if r.parts.is_empty() {
            self.vars.insert(Arc::from(&*r.name), v);
            return Ok(());
        }
        let Some(mut target) = self.var(&r.name) else { return Ok(()) };
        let (last, path) = r.parts.split_last().expect("parts is not empty");
        for p in path {
            let next = match p {
                Part::Prop(name) => self.prop(&target, name)?,
                Part::Call(name, args, pre) => {
                    let mut vals = Vec::with_capacity(args.len());
                    for a in args {
                        vals.push(self.expr(a)?);
                    }
                    self.call(&target, name, vals, pre.as_deref())?
                }
                Part::Index(e) => {
                    let i = self.expr(e)?;
                    self.index(&target, &i)?
                }
            };
            target = match next {
                Some(n) if !n.is_null() => n,
                // `#set($context.requestOverride.header.X = ...)` creates the maps on the way
                // when the caller did not pass them.
                _ => match (&target, p) {
                    (Value::Map(m), Part::Prop(name)) => {
                        let n = Value::map(Map::default());
                        m.borrow_mut().insert(name.to_string(), n.clone());
                        n
                    }
                    _ => return Ok(()),
                },
            };
        }
        match (last, &target) {
            (Part::Prop(name), Value::Map(m)) => {
                m.borrow_mut().insert(name.to_string(), v);
            }
            (Part::Index(e), Value::Map(m)) => {
                let k = self.expr(e)?;
                let k = self.string(&k)?;
                m.borrow_mut().insert(k.to_string(), v);
            }
            (Part::Index(e), Value::List(l)) => {
                let i = self.expr(e)?;
                let Value::Int(i) = i else { return Ok(()) };
                let len = l.borrow().len();
                let i = if i < 0 { i + len as i64 } else { i };
                if i < 0 || i as usize >= len {
                    return Err(VtlError::at(format!("Index {i} out of bounds for length {len}"), r.pos));
                }
                l.borrow_mut()[i as usize] = v;
            }
            _ => {}
        }
        Ok(())
    }

    fn index(&mut self, v: &Value, i: &Value) -> Result<Option<Value>, VtlError> {
        match (v, i) {
            (Value::List(l), Value::Int(i)) => {
                let l = l.borrow();
                let len = l.len() as i64;
                // Velocity 1.7 counts negative indexes from the end.
                let k = if *i < 0 { i + len } else { *i };
                if k < 0 || k >= len {
                    return Err(VtlError::new(format!("Index {i} out of bounds for length {len}")));
                }
                Ok(Some(l[k as usize].clone()))
            }
            (Value::Map(m), k) => {
                let k = self.string(k)?;
                Ok(m.borrow().get(&*k).cloned())
            }
            _ => Ok(None),
        }
    }

    fn prop(&mut self, v: &Value, name: &str) -> Result<Option<Value>, VtlError> {
        Ok(match (v, name) {
            (Value::Map(m), _) => m.borrow().get(name).cloned(),
            (Value::Str(s), "empty") => Some(Value::Bool(s.is_empty())),
            (Value::List(l), "empty") => Some(Value::Bool(l.borrow().is_empty())),
            (Value::Entry(e), "key") => Some(Value::str(e.0.as_str())),
            (Value::Entry(e), "value") => Some(e.1.clone()),
            (Value::Loop { index, .. }, "index") => Some(Value::Int(*index as i64)),
            (Value::Loop { index, .. }, "count") => Some(Value::Int(*index as i64 + 1)),
            (Value::Loop { has_next, .. }, "hasNext") => Some(Value::Bool(*has_next)),
            (Value::Loop { index, .. }, "first") => Some(Value::Bool(*index == 0)),
            (Value::Loop { has_next, .. }, "last") => Some(Value::Bool(!*has_next)),
            (Value::Input, "body") => Some(Value::Str(self.body_str.get_or_insert_with(|| Arc::from(self.env.body.as_str())).clone())),
            _ => None,
        })
    }

    fn body_json(&mut self) -> Result<Rc<serde_json::Value>, VtlError> {
        if self.body.is_none() {
            let b = self.env.body.trim();
            let parsed = if b.is_empty() {
                Ok(Rc::new(serde_json::Value::Object(Default::default())))
            } else {
                serde_json::from_str(b).map(Rc::new).map_err(|e| format!("The body is not valid JSON: {e}"))
            };
            self.body = Some(parsed);
        }
        match self.body.as_ref().expect("just set") {
            Ok(v) => Ok(v.clone()),
            Err(e) => Err(VtlError::new(e.clone())),
        }
    }

    fn params(&mut self) -> Value {
        if let Some(p) = &self.params {
            return p.clone();
        }
        let m = |kv: &[(String, String)]| Value::map(kv.iter().map(|(k, v)| (k.clone(), Value::str(v.as_str()))).collect());
        let p = &self.env.params;
        let v = Value::map(Map::from_iter([("path".to_string(), m(&p.path)), ("querystring".to_string(), m(&p.querystring)), ("header".to_string(), m(&p.header))]));
        self.params = Some(v.clone());
        v
    }

    fn call(&mut self, v: &Value, name: &str, args: Vec<Value>, pre: Option<&Pre>) -> Result<Option<Value>, VtlError> {
        use Value as V;
        // Getters by their Java names (`$foreach.getIndex()`, `$entry.getKey()`).
        if args.is_empty() && name.len() > 3 && (name.starts_with("get") || name.starts_with("is")) {
            let p = if let Some(p) = name.strip_prefix("get") { p } else { &name[2..] };
            let mut cs = p.chars();
            if let Some(c) = cs.next() {
                let prop: String = c.to_lowercase().chain(cs).collect();
                if !matches!(v, V::Map(_)) {
                    if let Some(x) = self.prop(v, &prop)? {
                        return Ok(Some(x));
                    }
                }
            }
        }
        if matches!(name, "put" | "putAll" | "add" | "addAll" | "set" | "remove") {
            self.maybe_mutated = true;
        }
        let a0 = args.first();
        let a1 = args.get(1);
        let s0 = || match a0 {
            Some(V::Str(s)) => Some(s.clone()),
            _ => None,
        };
        let i_arg = |a: Option<&Value>| match a {
            Some(V::Int(i)) => Some(*i),
            _ => None,
        };
        match (v, name, args.len()) {
            (_, "toString", 0) => return Ok(Some(V::Str(self.string(v)?))),
            (_, "equals", 1) => return Ok(Some(V::Bool(self.eq(v, a0.expect("one argument"), 0)?))),
            _ => {}
        }
        Ok(match v {
            V::Input => match (name, args.len()) {
                ("json", 1) => {
                    let Some(p) = s0() else { return Ok(None) };
                    let body = self.body_json()?;
                    let owned;
                    let path = match pre {
                        Some(Pre::Path(path)) => path,
                        _ => {
                            owned = jsonpath::parse(&p)?;
                            &owned
                        }
                    };
                    Some(V::str(match path.eval(&body) {
                        jsonpath::Found::One(x) => serde_json::to_string(x).unwrap_or_default(),
                        jsonpath::Found::Many(xs) => serde_json::to_string(&xs).unwrap_or_default(),
                        // A definite path that matches nothing: an empty JSON string.
                        jsonpath::Found::None => "\"\"".to_string(),
                    }))
                }
                ("path", 1) => {
                    let Some(p) = s0() else { return Ok(None) };
                    let body = self.body_json()?;
                    let owned;
                    let path = match pre {
                        Some(Pre::Path(path)) => path,
                        _ => {
                            owned = jsonpath::parse(&p)?;
                            &owned
                        }
                    };
                    match path.eval(&body) {
                        jsonpath::Found::One(x) => Some(from_json(x)),
                        jsonpath::Found::Many(xs) => Some(V::list(xs.into_iter().map(from_json).collect())),
                        jsonpath::Found::None => None,
                    }
                }
                ("params", 0) => Some(self.params()),
                ("params", 1) => {
                    let Some(k) = s0() else { return Ok(None) };
                    let p = &self.env.params;
                    let hit = p.path.iter().chain(&p.querystring).find(|(n, _)| *n == *k).or_else(|| p.header.iter().find(|(n, _)| n.eq_ignore_ascii_case(&k)));
                    Some(V::str(hit.map(|(_, v)| v.as_str()).unwrap_or("")))
                }
                _ => None,
            },
            V::Util => {
                if args.len() != 1 {
                    return Ok(None);
                }
                let a = a0.expect("one argument");
                if a.is_null() {
                    return Ok(None);
                }
                let s = self.string(a)?;
                match name {
                    "escapeJavaScript" => Some(V::str(util::escape_javascript(&s))),
                    "parseJson" => {
                        let j: serde_json::Value = serde_json::from_str(&s).map_err(|e| VtlError::new(format!("$util.parseJson: invalid JSON: {e}")))?;
                        Some(from_json(&j))
                    }
                    "urlEncode" => Some(V::str(util::url_encode(&s))),
                    "urlDecode" => Some(V::str(util::url_decode(&s)?)),
                    "base64Encode" => Some(V::str(util::base64_encode(&s))),
                    "base64Decode" => Some(V::str(util::base64_decode(&s)?)),
                    _ => None,
                }
            }
            V::Str(s) => self.string_method(s, name, &args, s0(), i_arg(a0), i_arg(a1), pre)?,
            V::List(l) => match (name, args.len()) {
                ("size", 0) => Some(V::Int(l.borrow().len() as i64)),
                ("isEmpty", 0) => Some(V::Bool(l.borrow().is_empty())),
                ("get", 1) => match a0 {
                    Some(i @ V::Int(_)) => {
                        let len = l.borrow().len();
                        let V::Int(k) = i else { unreachable!() };
                        if *k < 0 || *k as usize >= len {
                            return Err(VtlError::new(format!("Index {k} out of bounds for length {len}")));
                        }
                        Some(l.borrow()[*k as usize].clone())
                    }
                    _ => None,
                },
                ("contains", 1) => {
                    let items = l.borrow().clone();
                    let a = a0.expect("one argument");
                    let mut found = false;
                    for x in &items {
                        if self.eq(x, a, 0)? {
                            found = true;
                            break;
                        }
                    }
                    Some(V::Bool(found))
                }
                ("indexOf", 1) => {
                    let items = l.borrow().clone();
                    let a = a0.expect("one argument");
                    let mut at = -1;
                    for (i, x) in items.iter().enumerate() {
                        if self.eq(x, a, 0)? {
                            at = i as i64;
                            break;
                        }
                    }
                    Some(V::Int(at))
                }
                ("add", 1) => {
                    l.borrow_mut().push(a0.expect("one argument").clone());
                    Some(V::Bool(true))
                }
                ("add", 2) => {
                    let Some(i) = i_arg(a0) else { return Ok(None) };
                    let len = l.borrow().len();
                    if i < 0 || i as usize > len {
                        return Err(VtlError::new(format!("Index {i} out of bounds for length {len}")));
                    }
                    l.borrow_mut().insert(i as usize, a1.expect("two arguments").clone());
                    None
                }
                ("addAll", 1) => match a0 {
                    Some(V::List(o)) => {
                        let o = o.borrow().clone();
                        l.borrow_mut().extend(o);
                        Some(V::Bool(true))
                    }
                    _ => None,
                },
                ("set", 2) => {
                    let Some(i) = i_arg(a0) else { return Ok(None) };
                    let len = l.borrow().len();
                    if i < 0 || i as usize >= len {
                        return Err(VtlError::new(format!("Index {i} out of bounds for length {len}")));
                    }
                    Some(std::mem::replace(&mut l.borrow_mut()[i as usize], a1.expect("two arguments").clone()))
                }
                ("remove", 1) => match a0 {
                    Some(V::Int(i)) => {
                        let len = l.borrow().len();
                        if *i < 0 || *i as usize >= len {
                            return Err(VtlError::new(format!("Index {i} out of bounds for length {len}")));
                        }
                        Some(l.borrow_mut().remove(*i as usize))
                    }
                    _ => None,
                },
                _ => None,
            },
            V::Map(m) => match (name, args.len()) {
                ("size", 0) => Some(V::Int(m.borrow().len() as i64)),
                ("isEmpty", 0) => Some(V::Bool(m.borrow().is_empty())),
                ("keySet", 0) => Some(V::list(m.borrow().keys().map(|k| V::str(k.as_str())).collect())),
                ("values", 0) => Some(V::list(m.borrow().values().cloned().collect())),
                ("entrySet", 0) => Some(V::list(m.borrow().iter().map(|(k, v)| V::Entry(Rc::new((k.clone(), v.clone())))).collect())),
                ("get", 1) => {
                    let k = self.string(a0.expect("one argument"))?;
                    m.borrow().get(&*k).cloned()
                }
                ("containsKey", 1) => {
                    let k = self.string(a0.expect("one argument"))?;
                    Some(V::Bool(m.borrow().contains_key(&*k)))
                }
                ("put", 2) => {
                    let k = self.string(a0.expect("two arguments"))?;
                    m.borrow_mut().insert(k.to_string(), a1.expect("two arguments").clone())
                }
                ("putAll", 1) => match a0 {
                    Some(V::Map(o)) => {
                        let o = o.borrow().clone();
                        m.borrow_mut().extend(o);
                        None
                    }
                    _ => None,
                },
                ("remove", 1) => {
                    let k = self.string(a0.expect("one argument"))?;
                    m.borrow_mut().shift_remove(&*k)
                }
                _ => None,
            },
            V::Int(i) => match (name, args.len()) {
                ("intValue" | "longValue", 0) => Some(V::Int(*i)),
                ("doubleValue" | "floatValue", 0) => Some(V::Float(*i as f64)),
                _ => None,
            },
            V::Float(f) => match (name, args.len()) {
                ("intValue" | "longValue", 0) => Some(V::Int(*f as i64)),
                ("doubleValue" | "floatValue", 0) => Some(V::Float(*f)),
                _ => None,
            },
            V::Bool(b) => match (name, args.len()) {
                ("booleanValue", 0) => Some(V::Bool(*b)),
                _ => None,
            },
            _ => None,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn string_method(
        &mut self,
        s: &Arc<str>,
        name: &str,
        args: &[Value],
        s0: Option<Arc<str>>,
        i0: Option<i64>,
        i1: Option<i64>,
        pre: Option<&Pre>,
    ) -> Result<Option<Value>, VtlError> {
        let mut slot = None;
        use Value as V;
        let u16len = |x: &str| x.encode_utf16().count() as i64;
        let s1 = match args.get(1) {
            Some(V::Str(x)) => Some(x.clone()),
            _ => None,
        };
        let out = |x: String| -> Result<Option<Value>, VtlError> {
            if x.len() > MAX_OUTPUT {
                return Err(too_big());
            }
            Ok(Some(V::str(x)))
        };
        Ok(match (name, args.len()) {
            ("length", 0) => Some(V::Int(u16len(s))),
            ("isEmpty", 0) => Some(V::Bool(s.is_empty())),
            ("trim", 0) => Some(V::str(s.trim_matches(|c: char| c <= ' '))),
            ("toLowerCase", 0) => Some(V::str(s.to_lowercase())),
            ("toUpperCase", 0) => Some(V::str(s.to_uppercase())),
            ("contains", 1) => s0.map(|x| V::Bool(s.contains(&*x))),
            ("startsWith", 1) => s0.map(|x| V::Bool(s.starts_with(&*x))),
            ("endsWith", 1) => s0.map(|x| V::Bool(s.ends_with(&*x))),
            ("equalsIgnoreCase", 1) => s0.map(|x| V::Bool(x.to_lowercase() == s.to_lowercase())),
            ("concat", 1) => match s0 {
                Some(x) => return out(format!("{s}{x}")),
                None => None,
            },
            ("indexOf", 1) => s0.map(|x| V::Int(s.find(&*x).map(|b| u16len(&s[..b])).unwrap_or(-1))),
            ("lastIndexOf", 1) => s0.map(|x| V::Int(s.rfind(&*x).map(|b| u16len(&s[..b])).unwrap_or(-1))),
            ("indexOf", 2) => match (s0, i1) {
                (Some(x), Some(from)) => {
                    let units: Vec<u16> = s.encode_utf16().collect();
                    let from = from.clamp(0, units.len() as i64) as usize;
                    let tail = String::from_utf16_lossy(&units[from..]);
                    Some(V::Int(tail.find(&*x).map(|b| from as i64 + u16len(&tail[..b])).unwrap_or(-1)))
                }
                _ => None,
            },
            ("charAt", 1) => match i0 {
                Some(i) => {
                    let units: Vec<u16> = s.encode_utf16().collect();
                    if i < 0 || i as usize >= units.len() {
                        return Err(VtlError::new(format!("String index out of range: {i}")));
                    }
                    Some(V::str(String::from_utf16_lossy(&units[i as usize..i as usize + 1])))
                }
                None => None,
            },
            ("substring", 1 | 2) => {
                let units: Vec<u16> = s.encode_utf16().collect();
                let len = units.len() as i64;
                let (Some(b), e) = (i0, if args.len() == 2 { i1 } else { Some(len) }) else { return Ok(None) };
                let Some(e) = e else { return Ok(None) };
                if b < 0 || e > len || b > e {
                    return Err(VtlError::new(format!("begin {b}, end {e}, length {len}")));
                }
                Some(V::str(String::from_utf16_lossy(&units[b as usize..e as usize])))
            }
            ("replace", 2) => match (s0, s1) {
                (Some(a), Some(b)) => {
                    if a.is_empty() {
                        // Java inserts the replacement between every character.
                        let mut r = String::from(&*b);
                        for c in s.chars() {
                            r.push(c);
                            r.push_str(&b);
                            if r.len() > MAX_OUTPUT {
                                return Err(too_big());
                            }
                        }
                        return out(r);
                    }
                    if (s.len() / a.len()).saturating_mul(b.len()) > MAX_OUTPUT {
                        return Err(too_big());
                    }
                    return out(s.replace(&*a, &b));
                }
                _ => None,
            },
            ("replaceAll" | "replaceFirst", 2) => match (s0, s1) {
                (Some(a), Some(b)) => {
                    let re = compiled(pre, &a, &mut slot)?;
                    return out(re.replace(s, &b, name == "replaceAll")?);
                }
                _ => None,
            },
            ("matches", 1) => match s0 {
                Some(a) => Some(V::Bool(compiled(pre, &a, &mut slot)?.full_match(s)?)),
                None => None,
            },
            ("split", 1 | 2) => match s0 {
                Some(a) => {
                    let limit = if args.len() == 2 {
                        match i1 {
                            Some(l) => l,
                            None => return Ok(None),
                        }
                    } else {
                        0
                    };
                    let parts = compiled(pre, &a, &mut slot)?.split(s, limit)?;
                    Some(V::list(parts.into_iter().map(V::str).collect()))
                }
                None => None,
            },
            _ => None,
        })
    }

    fn eq(&mut self, a: &Value, b: &Value, depth: usize) -> Result<bool, VtlError> {
        use Value as V;
        if depth > MAX_DEPTH {
            return Err(VtlError::new("Values nest too deep to compare (does a list contain itself?)"));
        }
        self.step()?;
        Ok(match (a, b) {
            (V::Null, V::Null) => true,
            (V::Null, _) | (_, V::Null) => false,
            (V::Int(x), V::Int(y)) => x == y,
            (x, y) if x.num().is_some() && y.num().is_some() => x.num() == y.num(),
            (V::Str(x), V::Str(y)) => x == y,
            (V::Bool(x), V::Bool(y)) => x == y,
            (V::List(x), V::List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let (x, y) = (x.borrow().clone(), y.borrow().clone());
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(&y) {
                    if !self.eq(p, q, depth + 1)? {
                        return Ok(false);
                    }
                }
                true
            }
            (V::Map(x), V::Map(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let (x, y) = (x.borrow().clone(), y.borrow().clone());
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (k, p) in &x {
                    let Some(q) = y.get(k) else { return Ok(false) };
                    if !self.eq(p, q, depth + 1)? {
                        return Ok(false);
                    }
                }
                true
            }
            // Velocity 1.7 compares values of different classes by their toString().
            (x, y) => self.string(x)? == self.string(y)?,
        })
    }

    fn expr(&mut self, e: &Expr) -> Result<Value, VtlError> {
        self.step()?;
        Ok(match e {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Str(s) => Value::Str(s.clone()),
            Expr::Interp(nodes) => {
                let mut s = String::new();
                self.nested(nodes, &mut s)?;
                Value::str(s)
            }
            Expr::Ref(r) => self.reference(r)?.unwrap_or(Value::Null),
            Expr::List(items) => {
                let mut v = Vec::with_capacity(items.len());
                for i in items {
                    v.push(self.expr(i)?);
                }
                Value::list(v)
            }
            Expr::Map(entries) => {
                let mut m = Map::with_capacity_and_hasher(entries.len(), Default::default());
                for (k, v) in entries {
                    let k = self.expr(k)?;
                    let k = self.string(&k)?;
                    let v = self.expr(v)?;
                    m.insert(k.to_string(), v);
                }
                Value::map(m)
            }
            Expr::Range(a, b) => {
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                let int = |v: &Value| match v {
                    Value::Int(i) => Some(*i),
                    Value::Str(s) => s.trim().parse().ok(),
                    _ => None,
                };
                let (Some(a), Some(b)) = (int(&a), int(&b)) else { return Ok(Value::Null) };
                if a.abs_diff(b) >= 100_000 {
                    return Err(VtlError::new(format!("Range [{a}..{b}] is too large (the sandbox allows 100000 elements)")));
                }
                let v: Vec<Value> = if a <= b { (a..=b).map(Value::Int).collect() } else { (b..=a).rev().map(Value::Int).collect() };
                Value::list(v)
            }
            Expr::Not(e) => Value::Bool(!self.expr(e)?.truthy()),
            Expr::Neg(e) => match self.expr(e)? {
                Value::Int(i) => i.checked_neg().map(Value::Int).unwrap_or(Value::Float(-(i as f64))),
                Value::Float(f) => Value::Float(-f),
                _ => Value::Null,
            },
            Expr::Bin(op, l, r, pos) => self.binary(*op, l, r).map_err(|e| e.or_at(*pos))?,
        })
    }

    fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr) -> Result<Value, VtlError> {
        use Value as V;
        match op {
            BinOp::And => return Ok(V::Bool(self.expr(l)?.truthy() && self.expr(r)?.truthy())),
            BinOp::Or => return Ok(V::Bool(self.expr(l)?.truthy() || self.expr(r)?.truthy())),
            _ => {}
        }
        let (a, b) = (self.expr(l)?, self.expr(r)?);
        Ok(match op {
            BinOp::Eq => V::Bool(self.eq(&a, &b, 0)?),
            BinOp::Ne => V::Bool(!self.eq(&a, &b, 0)?),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                // Velocity 1.7 orders numbers only; anything else compares false.
                let (Some(x), Some(y)) = (a.num(), b.num()) else { return Ok(V::Bool(false)) };
                let ord = match (&a, &b) {
                    (V::Int(p), V::Int(q)) => p.cmp(q),
                    _ => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
                };
                V::Bool(match op {
                    BinOp::Lt => ord.is_lt(),
                    BinOp::Le => ord.is_le(),
                    BinOp::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                })
            }
            BinOp::Add if matches!(a, V::Str(_)) || matches!(b, V::Str(_)) => {
                if a.is_null() || b.is_null() {
                    return Ok(V::Null);
                }
                let (x, y) = (self.string(&a)?, self.string(&b)?);
                if x.len() + y.len() > MAX_OUTPUT {
                    return Err(too_big());
                }
                V::str(format!("{x}{y}"))
            }
            _ => match (&a, &b) {
                (V::Int(x), V::Int(y)) => {
                    let (x, y) = (*x, *y);
                    let r = match op {
                        BinOp::Add => x.checked_add(y),
                        BinOp::Sub => x.checked_sub(y),
                        BinOp::Mul => x.checked_mul(y),
                        // Velocity: division or modulo by zero is null.
                        BinOp::Div if y == 0 => return Ok(V::Null),
                        BinOp::Mod if y == 0 => return Ok(V::Null),
                        BinOp::Div => x.checked_div(y),
                        _ => x.checked_rem(y),
                    };
                    match r {
                        Some(r) => V::Int(r),
                        None => float_op(op, x as f64, y as f64),
                    }
                }
                _ => match (a.num(), b.num()) {
                    (Some(x), Some(y)) => {
                        if matches!(op, BinOp::Div | BinOp::Mod) && y == 0.0 {
                            return Ok(V::Null);
                        }
                        float_op(op, x, y)
                    }
                    _ => V::Null,
                },
            },
        })
    }
}

/// The parse-time regex when the pattern was a literal, else one compiled now into `slot`.
fn compiled<'a>(pre: Option<&'a Pre>, p: &str, slot: &'a mut Option<regex::Regex>) -> Result<&'a regex::Regex, VtlError> {
    if let Some(Pre::Regex(r)) = pre {
        return Ok(r);
    }
    Ok(slot.insert(regex::Regex::new(p)?))
}

fn float_op(op: BinOp, x: f64, y: f64) -> Value {
    Value::Float(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => x / y,
        _ => x % y,
    })
}
