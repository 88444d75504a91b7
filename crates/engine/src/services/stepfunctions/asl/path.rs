//! ASL's JSONPath, as Step Functions evaluates it: Jayway JsonPath's dialect, not RFC 9535.
//!
//! - `$` is the state's input, `$$` the context object.
//! - Dot notation reads a name up to the next `.` or `[`, so `$.a-b` and `$.list.length()` are
//!   plain names (AWS does not run JsonPath functions: `$.list.length()` looks for a field called
//!   `length()`); a space in a dot name is an error ("Use bracket notation").
//! - Brackets: `['a b']` / `["a"]` (with `\'` escapes), several names `['a','b']`, indexes
//!   `[0]`, `[-1]` (from the end), `[0,2]`, slices `[1:3]`, `[:2]`, `[-2:]`, the wildcard `[*]`
//!   / `.*`, deep scan `..name` / `..[0]` / `..*`, and filters `[?(@.price < 10 && @.x)]` with
//!   `== != < <= > >= && || !` and parentheses.
//! - A *definite* path (names and single indexes only) selects one value and fails when it is
//!   absent; any other path is *indefinite* and selects the array of its matches, `[]` when none.
//! - A *reference path* (Choice `Variable`, `ItemsPath`, `...Path` fields) must be definite; a
//!   `ResultPath` may only name object fields (it writes into the input).
//!
//! Failure messages follow Jayway's (`No results for path: $['a']`, `Missing property in path
//! $['a']`), which AWS quotes in its causes.

use serde_json::{Map, Value};

/// Which document a path starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// `$`: the state's (effective) input.
    Input,
    /// `$$`: the context object.
    Context,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Prop(String),
    Props(Vec<String>),
    Index(i64),
    Indexes(Vec<i64>),
    Slice(Option<i64>, Option<i64>),
    Wildcard,
    /// `..` followed by a selector: the selector applied to the node and all its descendants.
    Scan(Box<Seg>),
    Filter(Box<Filter>),
}

/// A filter expression `?( ... )`.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `@.x` alone: true when the path selects something.
    Exists(Operand),
    Compare(Operand, CmpOp, Operand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// `@...` (relative to the item) or `$...` (the document root).
    Path {
        current: bool,
        segs: Vec<Seg>,
    },
    Literal(Value),
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    text: String,
    root: Root,
    segs: Vec<Seg>,
    definite: bool,
}

/// Parses a path; the error is the reason it is invalid.
pub fn parse(text: &str) -> Result<Path, String> {
    Path::parse(text)
}

impl Path {
    pub fn parse(text: &str) -> Result<Path, String> {
        let mut p = Parser { s: text.as_bytes(), text, i: 0, in_filter: false, depth: 0 };
        if !text.starts_with('$') {
            return Err(format!("Path must start with '$': {text}"));
        }
        p.i = 1;
        let root = if p.peek() == Some(b'$') {
            p.i += 1;
            Root::Context
        } else {
            Root::Input
        };
        let segs = p.segments()?;
        if p.i < p.s.len() {
            return Err(format!("Could not parse token starting at position {}. Expected ?, ', 0-9, * ", p.i));
        }
        let definite = segs.iter().all(|s| matches!(s, Seg::Prop(_) | Seg::Index(_)));
        Ok(Path { text: text.to_string(), root, segs, definite })
    }

    pub fn text(&self) -> &str {
        &self.text
    }
    pub fn root(&self) -> Root {
        self.root
    }
    pub fn segments(&self) -> &[Seg] {
        &self.segs
    }
    /// Names and single indexes only: selects at most one value.
    pub fn is_definite(&self) -> bool {
        self.definite
    }
    /// A reference path: definite (names with dot or bracket notation, single indexes).
    pub fn is_reference(&self) -> bool {
        self.definite
    }
    /// May be a `ResultPath`: on the input, object field names only.
    pub fn is_result_path(&self) -> bool {
        self.root == Root::Input && self.segs.iter().all(|s| matches!(s, Seg::Prop(_)))
    }

    /// What the path selects: the one value of a definite path (an error when absent), or the
    /// array of an indefinite path's matches.
    pub fn select(&self, input: &Value, context: &Value) -> Result<Value, String> {
        let root = match self.root {
            Root::Input => input,
            Root::Context => context,
        };
        if self.definite {
            self.select_one(root).cloned()
        } else {
            let mut out = Vec::new();
            select_all(&self.segs, root, root, &mut out);
            Ok(Value::Array(out.into_iter().cloned().collect()))
        }
    }

    /// A definite path's value in `root` (the document the path's root names).
    pub fn select_one<'a>(&self, root: &'a Value) -> Result<&'a Value, String> {
        let mut cur = root;
        let last = self.segs.len().saturating_sub(1);
        for (k, seg) in self.segs.iter().enumerate() {
            cur = match seg {
                Seg::Prop(name) => match cur {
                    Value::Object(m) => match m.get(name) {
                        Some(v) => v,
                        None if k == last => return Err(format!("No results for path: {}", normalized(&self.segs[..=k]))),
                        None => return Err(format!("Missing property in path {}", normalized(&self.segs[..=k]))),
                    },
                    other => {
                        return Err(format!(
                            "Expected to find an object with property {} in path {} but found '{}'. This is not a json object.",
                            bracket_name(name),
                            normalized(&self.segs[..k]),
                            type_name(other)
                        ))
                    }
                },
                Seg::Index(i) => match cur {
                    Value::Array(a) => match index(*i, a.len()) {
                        Some(j) => &a[j],
                        None => return Err(format!("No results for path: {}", normalized(&self.segs[..=k]))),
                    },
                    other => return Err(format!("Filter: [{i}] can only be applied to arrays. Current context is: {}", crate::services::stepfunctions::asl::compact(other))),
                },
                _ => return Err(format!("No results for path: {}", normalized(&self.segs[..=k]))),
            };
        }
        Ok(cur)
    }

    /// Writes `value` at this path in `target` (a `ResultPath`): `$` replaces the target; missing
    /// fields are created as objects. Fails, leaving `target` unchanged, when the path crosses a
    /// value that is not an object.
    pub fn assign(&self, target: &mut Value, value: Value) -> Result<(), String> {
        // Check first, so a failure leaves the target as it was.
        let mut probe = &*target;
        for seg in &self.segs {
            let (Seg::Prop(name), Value::Object(m)) = (seg, probe) else {
                return Err(format!("Unable to apply ResultPath '{}'", self.text));
            };
            match m.get(name) {
                Some(v) => probe = v,
                None => break,
            }
        }
        let mut cur = target;
        for seg in &self.segs {
            let Seg::Prop(name) = seg else {
                return Err(format!("ResultPath '{}' is not a reference path to an object field", self.text));
            };
            let Value::Object(m) = cur else {
                return Err(format!("Unable to apply ResultPath '{}'", self.text));
            };
            cur = m.entry(name.clone()).or_insert_with(|| Value::Object(Map::new()));
        }
        *cur = value;
        Ok(())
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn index(i: i64, len: usize) -> Option<usize> {
    let j = if i < 0 { (len as i64).checked_add(i)? } else { i };
    if j >= 0 && (j as u64) < len as u64 {
        Some(j as usize)
    } else {
        None
    }
}

fn bracket_name(name: &str) -> String {
    format!("['{name}']")
}

/// Jayway's normalized form of a path prefix: `$['a'][0]`.
fn normalized(segs: &[Seg]) -> String {
    let mut s = String::from("$");
    for seg in segs {
        match seg {
            Seg::Prop(n) => s.push_str(&bracket_name(n)),
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
            Seg::Props(ns) => s.push_str(&format!("[{}]", ns.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(","))),
            Seg::Indexes(is) => s.push_str(&format!("[{}]", is.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","))),
            Seg::Slice(a, b) => s.push_str(&format!("[{}:{}]", a.map(|x| x.to_string()).unwrap_or_default(), b.map(|x| x.to_string()).unwrap_or_default())),
            Seg::Wildcard => s.push_str("[*]"),
            Seg::Scan(inner) => {
                s.push_str("..");
                s.push_str(normalized(std::slice::from_ref(inner)).trim_start_matches('$'));
            }
            Seg::Filter(_) => s.push_str("[?]"),
        }
    }
    s
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Appends every match of `segs` from `cur` to `out` (indefinite evaluation: misses drop out).
fn select_all<'a>(segs: &[Seg], cur: &'a Value, doc: &'a Value, out: &mut Vec<&'a Value>) {
    let Some((seg, rest)) = segs.split_first() else {
        out.push(cur);
        return;
    };
    match seg {
        Seg::Scan(inner) => {
            let mut nodes = Vec::new();
            descendants(cur, &mut nodes);
            for n in nodes {
                let mut step = Vec::new();
                apply(inner, n, doc, &mut step);
                for v in step {
                    select_all(rest, v, doc, out);
                }
            }
        }
        _ => {
            let mut step = Vec::new();
            apply(seg, cur, doc, &mut step);
            for v in step {
                select_all(rest, v, doc, out);
            }
        }
    }
}

/// The node and all its descendants, in document order (pre-order).
fn descendants<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(v);
    match v {
        Value::Object(m) => m.values().for_each(|c| descendants(c, out)),
        Value::Array(a) => a.iter().for_each(|c| descendants(c, out)),
        _ => {}
    }
}

/// One selector applied to one node.
fn apply<'a>(seg: &Seg, cur: &'a Value, doc: &'a Value, out: &mut Vec<&'a Value>) {
    match (seg, cur) {
        (Seg::Prop(n), Value::Object(m)) => out.extend(m.get(n)),
        (Seg::Props(ns), Value::Object(m)) => out.extend(ns.iter().filter_map(|n| m.get(n))),
        (Seg::Index(i), Value::Array(a)) => out.extend(index(*i, a.len()).map(|j| &a[j])),
        (Seg::Indexes(is), Value::Array(a)) => out.extend(is.iter().filter_map(|i| index(*i, a.len()).map(|j| &a[j]))),
        (Seg::Slice(from, to), Value::Array(a)) => {
            let len = a.len() as i64;
            let clamp = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
            let start = from.map(clamp).unwrap_or(0);
            let end = to.map(clamp).unwrap_or(len);
            if start < end {
                out.extend(&a[start as usize..end as usize]);
            }
        }
        (Seg::Wildcard, Value::Object(m)) => out.extend(m.values()),
        (Seg::Wildcard, Value::Array(a)) => out.extend(a.iter()),
        (Seg::Filter(f), Value::Array(a)) => out.extend(a.iter().filter(|item| test(f, item, doc))),
        (Seg::Filter(f), v @ Value::Object(_)) if test(f, v, doc) => out.push(v),
        (Seg::Scan(inner), v) => {
            let mut nodes = Vec::new();
            descendants(v, &mut nodes);
            for n in nodes {
                apply(inner, n, doc, out);
            }
        }
        _ => {}
    }
}

fn operand<'a>(o: &'a Operand, item: &'a Value, doc: &'a Value) -> Option<&'a Value> {
    match o {
        Operand::Literal(v) => Some(v),
        Operand::Path { current, segs } => {
            let mut out = Vec::new();
            select_all(segs, if *current { item } else { doc }, doc, &mut out);
            out.into_iter().next()
        }
    }
}

fn test(f: &Filter, item: &Value, doc: &Value) -> bool {
    match f {
        Filter::Or(a, b) => test(a, item, doc) || test(b, item, doc),
        Filter::And(a, b) => test(a, item, doc) && test(b, item, doc),
        Filter::Not(a) => !test(a, item, doc),
        Filter::Exists(o) => operand(o, item, doc).is_some(),
        Filter::Compare(l, op, r) => {
            let (Some(l), Some(r)) = (operand(l, item, doc), operand(r, item, doc)) else {
                return false;
            };
            let ord = match (l, r) {
                (Value::Number(a), Value::Number(b)) => a.as_f64().zip(b.as_f64()).and_then(|(a, b)| a.partial_cmp(&b)),
                (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
                (a, b) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                    return (a == b) == (*op == CmpOp::Eq);
                }
                _ => None,
            };
            let Some(ord) = ord else { return *op == CmpOp::Ne };
            use std::cmp::Ordering::*;
            match op {
                CmpOp::Eq => ord == Equal,
                CmpOp::Ne => ord != Equal,
                CmpOp::Lt => ord == Less,
                CmpOp::Le => ord != Greater,
                CmpOp::Gt => ord == Greater,
                CmpOp::Ge => ord != Less,
            }
        }
    }
}

/// Filters nest at most this deep: the parser recurses, and a worker's stack is small.
const MAX_DEPTH: usize = 32;

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    in_filter: bool,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn at(&self, k: usize) -> Option<u8> {
        self.s.get(self.i + k).copied()
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at position {} in path {}", self.i, self.text))
    }

    fn segments(&mut self) -> Result<Vec<Seg>, String> {
        let mut segs = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') if self.at(1) == Some(b'.') => {
                    self.i += 2;
                    let inner = match self.peek() {
                        Some(b'[') => self.bracket()?,
                        Some(b'*') => {
                            self.i += 1;
                            Seg::Wildcard
                        }
                        _ => Seg::Prop(self.name()?),
                    };
                    segs.push(Seg::Scan(Box::new(inner)));
                }
                Some(b'.') => {
                    self.i += 1;
                    if self.peek() == Some(b'*') {
                        self.i += 1;
                        segs.push(Seg::Wildcard);
                    } else if self.peek() == Some(b'[') {
                        segs.push(self.bracket()?);
                    } else {
                        segs.push(Seg::Prop(self.name()?));
                    }
                }
                Some(b'[') => segs.push(self.bracket()?),
                _ => return Ok(segs),
            }
        }
    }

    /// A dot-notation name: up to the next `.` or `[` (and, inside a filter, an operator).
    fn name(&mut self) -> Result<String, String> {
        let start = self.i;
        while let Some(c) = self.peek() {
            match c {
                b'.' | b'[' => break,
                b' ' if !self.in_filter => return self.err("Use bracket notation ['my prop'] if your property contains blank characters"),
                b' ' | b'\t' | b'\n' | b'\r' | b')' | b'=' | b'<' | b'>' | b'!' | b'&' | b'|' | b',' if self.in_filter => break,
                _ => self.i += 1,
            }
        }
        if self.i == start {
            return self.err("Path must not end with a '.' or '..'");
        }
        // Only ASCII delimiters end a name, so the slice is on character boundaries.
        Ok(self.text[start..self.i].to_string())
    }

    fn bracket(&mut self) -> Result<Seg, String> {
        self.i += 1; // '['
        self.skip_ws();
        let seg = match self.peek() {
            Some(b'\'' | b'"') => {
                let mut names = vec![self.quoted()?];
                self.skip_ws();
                while self.peek() == Some(b',') {
                    self.i += 1;
                    self.skip_ws();
                    names.push(self.quoted()?);
                    self.skip_ws();
                }
                if names.len() == 1 {
                    Seg::Prop(names.pop().unwrap_or_default())
                } else {
                    Seg::Props(names)
                }
            }
            Some(b'*') => {
                self.i += 1;
                self.skip_ws();
                Seg::Wildcard
            }
            Some(b'?') => {
                self.i += 1;
                self.skip_ws();
                if self.peek() != Some(b'(') {
                    return self.err("Expected '(' after '?'");
                }
                self.i += 1;
                let was = self.in_filter;
                self.in_filter = true;
                let f = self.or()?;
                self.in_filter = was;
                self.skip_ws();
                if self.peek() != Some(b')') {
                    return self.err("Expected ')' closing the filter");
                }
                self.i += 1;
                self.skip_ws();
                Seg::Filter(Box::new(f))
            }
            Some(b'-' | b'0'..=b'9' | b':') => {
                let first = self.opt_int()?;
                self.skip_ws();
                if self.peek() == Some(b':') {
                    self.i += 1;
                    self.skip_ws();
                    let second = self.opt_int()?;
                    self.skip_ws();
                    Seg::Slice(first, second)
                } else {
                    let Some(first) = first else { return self.err("Expected an array index") };
                    let mut idx = vec![first];
                    while self.peek() == Some(b',') {
                        self.i += 1;
                        self.skip_ws();
                        match self.opt_int()? {
                            Some(n) => idx.push(n),
                            None => return self.err("Expected an array index"),
                        }
                        self.skip_ws();
                    }
                    if idx.len() == 1 {
                        Seg::Index(first)
                    } else {
                        Seg::Indexes(idx)
                    }
                }
            }
            _ => return self.err("Could not parse token: expected ?, ', 0-9, * after '['"),
        };
        if self.peek() != Some(b']') {
            return self.err("Expected ']'");
        }
        self.i += 1;
        Ok(seg)
    }

    fn opt_int(&mut self) -> Result<Option<i64>, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        if self.i == start {
            return Ok(None);
        }
        match self.text[start..self.i].parse::<i64>() {
            Ok(n) => Ok(Some(n)),
            Err(_) => self.err("Invalid array index"),
        }
    }

    /// A quoted string with `\` escapes (`\'`, `\"`, `\\`; any other escaped character stands
    /// for itself).
    fn quoted(&mut self) -> Result<String, String> {
        let Some(q) = self.peek() else { return self.err("Expected a quoted name") };
        if q != b'\'' && q != b'"' {
            return self.err("Expected a quoted name");
        }
        self.i += 1;
        let mut out = String::new();
        let mut start = self.i;
        loop {
            match self.peek() {
                None => return self.err("Property has not been closed - missing closing quote"),
                Some(b'\\') => {
                    out.push_str(&self.text[start..self.i]);
                    self.i += 1;
                    let Some(c) = self.text[self.i..].chars().next() else { return self.err("Unfinished escape") };
                    out.push(c);
                    self.i += c.len_utf8();
                    start = self.i;
                }
                Some(c) if c == q => {
                    out.push_str(&self.text[start..self.i]);
                    self.i += 1;
                    return Ok(out);
                }
                Some(_) => self.i += 1,
            }
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("Filter nested too deep");
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Filter, String> {
        self.enter()?;
        let mut l = self.and()?;
        loop {
            self.skip_ws();
            if self.peek() == Some(b'|') && self.at(1) == Some(b'|') {
                self.i += 2;
                let r = self.and()?;
                l = Filter::Or(Box::new(l), Box::new(r));
            } else {
                self.depth -= 1;
                return Ok(l);
            }
        }
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut l = self.unary()?;
        loop {
            self.skip_ws();
            if self.peek() == Some(b'&') && self.at(1) == Some(b'&') {
                self.i += 2;
                let r = self.unary()?;
                l = Filter::And(Box::new(l), Box::new(r));
            } else {
                return Ok(l);
            }
        }
    }

    fn unary(&mut self) -> Result<Filter, String> {
        self.skip_ws();
        match self.peek() {
            Some(b'!') if self.at(1) != Some(b'=') => {
                self.i += 1;
                self.enter()?;
                let f = self.unary()?;
                self.depth -= 1;
                Ok(Filter::Not(Box::new(f)))
            }
            Some(b'(') => {
                self.i += 1;
                let f = self.or()?;
                self.skip_ws();
                if self.peek() != Some(b')') {
                    return self.err("Expected ')'");
                }
                self.i += 1;
                Ok(f)
            }
            _ => {
                let l = self.operand()?;
                self.skip_ws();
                let op = match (self.peek(), self.at(1)) {
                    (Some(b'='), Some(b'=')) => Some((CmpOp::Eq, 2)),
                    (Some(b'!'), Some(b'=')) => Some((CmpOp::Ne, 2)),
                    (Some(b'<'), Some(b'=')) => Some((CmpOp::Le, 2)),
                    (Some(b'>'), Some(b'=')) => Some((CmpOp::Ge, 2)),
                    (Some(b'<'), _) => Some((CmpOp::Lt, 1)),
                    (Some(b'>'), _) => Some((CmpOp::Gt, 1)),
                    (Some(b'='), Some(b'~')) => return self.err("Regular expression filters are not supported"),
                    _ => None,
                };
                match op {
                    Some((op, n)) => {
                        self.i += n;
                        self.skip_ws();
                        let r = self.operand()?;
                        Ok(Filter::Compare(l, op, r))
                    }
                    None => match l {
                        Operand::Path { .. } => Ok(Filter::Exists(l)),
                        Operand::Literal(_) => self.err("Expected a comparison operator"),
                    },
                }
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        self.skip_ws();
        match self.peek() {
            Some(b'@') | Some(b'$') => {
                let current = self.peek() == Some(b'@');
                self.i += 1;
                let segs = self.segments()?;
                Ok(Operand::Path { current, segs })
            }
            Some(b'\'' | b'"') => Ok(Operand::Literal(Value::String(self.quoted()?))),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                self.i += 1;
                while matches!(self.peek(), Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')) {
                    self.i += 1;
                }
                match serde_json::from_str::<Value>(&self.text[start..self.i]) {
                    Ok(v @ Value::Number(_)) => Ok(Operand::Literal(v)),
                    _ => self.err("Invalid number"),
                }
            }
            _ => {
                for (word, v) in [("true", Value::Bool(true)), ("false", Value::Bool(false)), ("null", Value::Null)] {
                    if self.s[self.i..].starts_with(word.as_bytes()) {
                        self.i += word.len();
                        return Ok(Operand::Literal(v));
                    }
                }
                self.err("Expected a filter operand")
            }
        }
    }
}
