//! The JSONPath `$input.json(x)` and `$input.path(x)` take: `$`, `.name`, `['name']`,
//! `['a','b']`, `[0]`, `[-1]`, `[0,2]`, `[1:3]` (with an optional step), `[*]` / `.*`, `..name` /
//! `..*` / `..[...]` (deep scan), and filters `[?(@.price < 10)]`: comparisons (`== != < <= > >=`)
//! between `@`-relative paths and number, string, boolean or null literals, a bare `@.path` for
//! "exists", combined with `&&` / `||` and parentheses. Regular-expression matching (`=~`) and
//! script expressions (`[(@.length-1)]`) are refused with a clear error.
//!
//! A path is definite (one result or none) unless it has a wildcard, a deep scan, a slice, a
//! filter or a union; indefinite paths answer a list.

use serde_json::Value;

use super::VtlError;

#[derive(Debug, Clone)]
enum Sel {
    Names(Vec<String>),
    Indexes(Vec<i64>),
    Wildcard,
    Slice(Option<i64>, Option<i64>, i64),
    Filter(Filter),
}

#[derive(Debug, Clone)]
enum Operand {
    Path(Vec<Sel>),
    Lit(Value),
}

#[derive(Debug, Clone)]
enum Filter {
    Exists(Vec<Sel>),
    Cmp(Operand, &'static str, Operand),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

#[derive(Debug)]
pub(crate) struct Path {
    steps: Vec<(bool, Sel)>,
    definite: bool,
}

pub(crate) enum Found<'a> {
    One(&'a Value),
    Many(Vec<&'a Value>),
    None,
}

fn err(path: &str, msg: &str) -> VtlError {
    VtlError::new(format!("Invalid JSONPath '{path}': {msg}"))
}

struct Lx<'a> {
    src: &'a str,
    c: Vec<char>,
    i: usize,
}

impl Lx<'_> {
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }
    fn eat(&mut self, ch: char) -> bool {
        if self.peek() == Some(ch) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }
    fn e(&self, msg: &str) -> VtlError {
        err(self.src, msg)
    }
    fn name(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(|c| !matches!(c, '.' | '[' | ']' | ' ' | ')' | '=' | '!' | '<' | '>' | '&' | '|')) {
            self.i += 1;
        }
        self.c[start..self.i].iter().collect()
    }
    fn quoted(&mut self) -> Result<String, VtlError> {
        let q = self.peek().ok_or_else(|| self.e("unexpected end"))?;
        self.i += 1;
        let mut s = String::new();
        loop {
            match self.peek() {
                None => return Err(self.e("unterminated quoted name")),
                Some('\\') => {
                    self.i += 1;
                    if let Some(c) = self.peek() {
                        s.push(c);
                        self.i += 1;
                    }
                }
                Some(c) if c == q => {
                    self.i += 1;
                    return Ok(s);
                }
                Some(c) => {
                    s.push(c);
                    self.i += 1;
                }
            }
        }
    }
    fn int(&mut self) -> Option<i64> {
        let start = self.i;
        if self.peek() == Some('-') {
            self.i += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let s: String = self.c[start..self.i].iter().collect();
        match s.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                self.i = start;
                None
            }
        }
    }

    /// Steps after `$` or `@`. `in_filter`: stop at what ends an operand.
    fn steps(&mut self, in_filter: bool, depth: usize) -> Result<Vec<(bool, Sel)>, VtlError> {
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                None => break,
                Some('.') => {
                    self.i += 1;
                    let deep = self.eat('.');
                    if self.peek() == Some('[') {
                        if !deep {
                            return Err(self.e("`.[` is not valid"));
                        }
                        self.i += 1;
                        steps.push((true, self.bracket(depth)?));
                    } else if self.eat('*') {
                        steps.push((deep, Sel::Wildcard));
                    } else {
                        let n = self.name();
                        if n.is_empty() {
                            return Err(self.e("expected a name after `.`"));
                        }
                        steps.push((deep, Sel::Names(vec![n])));
                    }
                }
                Some('[') => {
                    self.i += 1;
                    steps.push((false, self.bracket(depth)?));
                }
                Some(_) if in_filter => break,
                Some(c) => return Err(self.e(&format!("unexpected `{c}`"))),
            }
        }
        Ok(steps)
    }

    /// After `[`, up to and including `]`.
    fn bracket(&mut self, depth: usize) -> Result<Sel, VtlError> {
        self.ws();
        let sel = match self.peek() {
            Some('*') => {
                self.i += 1;
                Sel::Wildcard
            }
            Some('?') => {
                self.i += 1;
                self.ws();
                if !self.eat('(') {
                    return Err(self.e("expected `(` after `?`"));
                }
                let f = self.filter(depth + 1)?;
                self.ws();
                if !self.eat(')') {
                    return Err(self.e("expected `)` closing the filter"));
                }
                Sel::Filter(f)
            }
            Some('(') => return Err(self.e("script expressions such as [(@.length-1)] are not supported in the sandbox")),
            Some('\'' | '"') => {
                let mut names = vec![self.quoted()?];
                loop {
                    self.ws();
                    if !self.eat(',') {
                        break;
                    }
                    self.ws();
                    names.push(self.quoted()?);
                }
                Sel::Names(names)
            }
            _ => {
                let a = self.int();
                self.ws();
                if self.eat(':') {
                    self.ws();
                    let b = self.int();
                    self.ws();
                    let step = if self.eat(':') {
                        self.ws();
                        self.int().unwrap_or(1)
                    } else {
                        1
                    };
                    if step == 0 {
                        return Err(self.e("slice step cannot be 0"));
                    }
                    Sel::Slice(a, b, step)
                } else {
                    let Some(a) = a else { return Err(self.e("expected an index, a quoted name, `*` or a filter in `[]`")) };
                    let mut idx = vec![a];
                    loop {
                        self.ws();
                        if !self.eat(',') {
                            break;
                        }
                        self.ws();
                        idx.push(self.int().ok_or_else(|| self.e("expected an index after `,`"))?);
                    }
                    Sel::Indexes(idx)
                }
            }
        };
        self.ws();
        if !self.eat(']') {
            return Err(self.e("expected `]`"));
        }
        Ok(sel)
    }

    fn filter(&mut self, depth: usize) -> Result<Filter, VtlError> {
        if depth > super::MAX_DEPTH {
            return Err(self.e("filter nests too deep"));
        }
        let mut l = self.filter_and(depth)?;
        loop {
            self.ws();
            if self.c[self.i..].starts_with(&['|', '|']) {
                self.i += 2;
                let r = self.filter_and(depth)?;
                l = Filter::Or(Box::new(l), Box::new(r));
            } else {
                return Ok(l);
            }
        }
    }
    fn filter_and(&mut self, depth: usize) -> Result<Filter, VtlError> {
        let mut l = self.filter_atom(depth)?;
        loop {
            self.ws();
            if self.c[self.i..].starts_with(&['&', '&']) {
                self.i += 2;
                let r = self.filter_atom(depth)?;
                l = Filter::And(Box::new(l), Box::new(r));
            } else {
                return Ok(l);
            }
        }
    }
    fn filter_atom(&mut self, depth: usize) -> Result<Filter, VtlError> {
        self.ws();
        if self.peek() == Some('!') && self.c.get(self.i + 1) != Some(&'=') {
            self.i += 1;
            return Ok(Filter::Not(Box::new(self.filter_atom(depth + 1)?)));
        }
        if self.eat('(') {
            let f = self.filter(depth + 1)?;
            self.ws();
            if !self.eat(')') {
                return Err(self.e("expected `)`"));
            }
            return Ok(f);
        }
        let l = self.operand(depth)?;
        self.ws();
        let ops = ["==", "!=", "<=", ">=", "=~", "<", ">"];
        let op = ops.iter().find(|o| {
            let oc: Vec<char> = o.chars().collect();
            self.c[self.i..].starts_with(&oc)
        });
        match op {
            Some(&"=~") => Err(self.e("regular-expression filters (=~) are not supported in the sandbox")),
            Some(op) => {
                self.i += op.len();
                let r = self.operand(depth)?;
                Ok(Filter::Cmp(l, op, r))
            }
            None => match l {
                Operand::Path(p) => Ok(Filter::Exists(p)),
                Operand::Lit(_) => Err(self.e("a filter needs a comparison or an @ path")),
            },
        }
    }
    fn operand(&mut self, depth: usize) -> Result<Operand, VtlError> {
        self.ws();
        match self.peek() {
            Some('@') => {
                self.i += 1;
                let steps = self.steps(true, depth)?;
                if steps.iter().any(|(deep, s)| *deep || !matches!(s, Sel::Names(n) if n.len() == 1) && !matches!(s, Sel::Indexes(i) if i.len() == 1)) {
                    return Err(self.e("filter paths may only use .name, ['name'] and [index]"));
                }
                Ok(Operand::Path(steps.into_iter().map(|(_, s)| s).collect()))
            }
            Some('\'' | '"') => Ok(Operand::Lit(Value::String(self.quoted()?))),
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let start = self.i;
                self.i += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) {
                    self.i += 1;
                }
                let s: String = self.c[start..self.i].iter().collect();
                let v: Value = serde_json::from_str(&s).map_err(|_| self.e(&format!("bad number `{s}`")))?;
                Ok(Operand::Lit(v))
            }
            _ => {
                let start = self.i;
                while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                    self.i += 1;
                }
                let w: String = self.c[start..self.i].iter().collect();
                match w.as_str() {
                    "true" => Ok(Operand::Lit(Value::Bool(true))),
                    "false" => Ok(Operand::Lit(Value::Bool(false))),
                    "null" => Ok(Operand::Lit(Value::Null)),
                    _ => Err(self.e("expected @, a number, a quoted string, true, false or null in the filter")),
                }
            }
        }
    }
}

pub(crate) fn parse(src: &str) -> Result<Path, VtlError> {
    let mut c: Vec<char> = src.trim().chars().collect();
    // Like Jayway JsonPath, a path without its root means one under `$` (`a.b` is `$.a.b`).
    if c.first() != Some(&'$') {
        if c.first().is_none_or(|&f| matches!(f, '.' | '[' | '@')) {
            return Err(err(src, "must start with `$`"));
        }
        c.splice(0..0, ['$', '.']);
    }
    let mut lx = Lx { src, c, i: 0 };
    lx.i = 1;
    let steps = lx.steps(false, 0)?;
    let definite = steps.iter().all(|(deep, s)| {
        !deep
            && match s {
                Sel::Names(n) => n.len() == 1,
                Sel::Indexes(i) => i.len() == 1,
                _ => false,
            }
    });
    Ok(Path { steps, definite })
}

fn select<'a>(v: &'a Value, sel: &Sel, out: &mut Vec<&'a Value>) {
    match sel {
        Sel::Names(ns) => {
            if let Value::Object(o) = v {
                out.extend(ns.iter().filter_map(|n| o.get(n)));
            }
        }
        Sel::Indexes(is) => {
            if let Value::Array(a) = v {
                let len = a.len() as i64;
                out.extend(is.iter().filter_map(|&i| {
                    let k = if i < 0 { i + len } else { i };
                    (0..len).contains(&k).then(|| &a[k as usize])
                }));
            }
        }
        Sel::Wildcard => match v {
            Value::Array(a) => out.extend(a.iter()),
            Value::Object(o) => out.extend(o.values()),
            _ => {}
        },
        Sel::Slice(a, b, step) => {
            if let Value::Array(arr) = v {
                let len = arr.len() as i64;
                let norm = |x: i64| if x < 0 { (x + len).max(0) } else { x.min(len) };
                if *step > 0 {
                    let (s, e) = (norm(a.unwrap_or(0)), norm(b.unwrap_or(len)));
                    let mut i = s;
                    while i < e {
                        out.push(&arr[i as usize]);
                        i = i.saturating_add(*step);
                    }
                } else {
                    let s = a.map(norm).unwrap_or(len).min(len - 1);
                    let e = b.map(norm).unwrap_or(-1);
                    let mut i = s;
                    while i > e && i >= 0 {
                        out.push(&arr[i as usize]);
                        i = i.saturating_add(*step);
                    }
                }
            }
        }
        Sel::Filter(f) => match v {
            Value::Array(a) => out.extend(a.iter().filter(|x| test(f, x))),
            Value::Object(o) => out.extend(o.values().filter(|x| test(f, x))),
            _ => {}
        },
    }
}

fn relative<'a>(v: &'a Value, path: &[Sel]) -> Option<&'a Value> {
    let mut cur = v;
    for s in path {
        let mut out = Vec::new();
        select(cur, s, &mut out);
        cur = out.into_iter().next()?;
    }
    Some(cur)
}

fn test(f: &Filter, v: &Value) -> bool {
    match f {
        Filter::Exists(p) => relative(v, p).is_some(),
        Filter::And(a, b) => test(a, v) && test(b, v),
        Filter::Or(a, b) => test(a, v) || test(b, v),
        Filter::Not(a) => !test(a, v),
        Filter::Cmp(l, op, r) => {
            let get = |o: &Operand| match o {
                Operand::Path(p) => relative(v, p).cloned(),
                Operand::Lit(x) => Some(x.clone()),
            };
            let (Some(a), Some(b)) = (get(l), get(r)) else { return *op == "!=" };
            let ord = match (&a, &b) {
                (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()),
                (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
                _ => {
                    if a == b {
                        Some(std::cmp::Ordering::Equal)
                    } else {
                        None
                    }
                }
            };
            match *op {
                "==" => ord == Some(std::cmp::Ordering::Equal),
                "!=" => ord != Some(std::cmp::Ordering::Equal),
                "<" => ord == Some(std::cmp::Ordering::Less),
                "<=" => matches!(ord, Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)),
                ">" => ord == Some(std::cmp::Ordering::Greater),
                _ => matches!(ord, Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)),
            }
        }
    }
}

fn descendants<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(v);
    match v {
        Value::Array(a) => a.iter().for_each(|x| descendants(x, out)),
        Value::Object(o) => o.values().for_each(|x| descendants(x, out)),
        _ => {}
    }
}

impl Path {
    pub(crate) fn eval<'a>(&self, root: &'a Value) -> Found<'a> {
        let mut cur = vec![root];
        for (deep, sel) in &self.steps {
            let mut next = Vec::new();
            for v in cur {
                if *deep {
                    let mut all = Vec::new();
                    descendants(v, &mut all);
                    for d in all {
                        select(d, sel, &mut next);
                    }
                } else {
                    select(v, sel, &mut next);
                }
            }
            cur = next;
        }
        if self.definite {
            match cur.first() {
                Some(v) => Found::One(v),
                None => Found::None,
            }
        } else {
            Found::Many(cur)
        }
    }
}
