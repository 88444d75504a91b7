//! The filter pattern language of FilterLogEvents (and metric and subscription filters):
//!
//! - terms: `ERROR Exception` (every term), `?ERROR ?WARN` (any `?` term), `-DEBUG` (none of
//!   the `-` terms), `"exact phrase"`; case-sensitive substring matches. `""` and `" "` match
//!   every event.
//! - JSON: `{ $.level = "ERROR" && ($.latency > 100 || $.user.id = user-*) }`, with `=`, `!=`
//!   (strings with `*` wildcards, numbers, and the bare words `true`/`false`), `<`, `<=`, `>`,
//!   `>=` (numbers), `IS TRUE`, `IS FALSE`, `IS NULL`, `NOT EXISTS`; selectors `$.a.b[0]`.
//! - space-delimited: `[ip, user, ..., status = 4*, bytes > 1000]` over the message's fields
//!   (split at spaces; `"..."` and `[...]` are one field each); `...` matches any fields.
//!
//! Regular expressions (`%...%`) are refused as not implemented.

use serde_json::Value;

use super::invalid_parameter;
use crate::kernel::error::AwsError;

const INVALID: &str = "Invalid filter pattern";

fn bad() -> AwsError {
    invalid_parameter(INVALID)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    All,
    Terms { all: Vec<String>, any: Vec<String>, none: Vec<String> },
    Json(Expr),
    Fields(Vec<Field>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cond(Vec<Step>, Test),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Number(f64, String),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Compare(Op, Literal),
    IsTrue,
    IsFalse,
    IsNull,
    NotExists,
}

/// One field of a space-delimited pattern: any fields (`...`), or a named field with optional
/// conditions on its value (joined by `&&` / `||`, left to right).
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Ellipsis,
    Named(Vec<(Option<bool>, Op, Literal)>),
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern, AwsError> {
        let t = text.trim();
        if t.is_empty() || (t.len() >= 2 && t.starts_with('"') && t.ends_with('"') && t[1..t.len() - 1].trim().is_empty()) {
            return Ok(Pattern::All);
        }
        if t.starts_with('%') {
            return Err(invalid_parameter("Gureum does not implement regular expression filter patterns (%...%) yet."));
        }
        if let Some(body) = t.strip_prefix('{') {
            let body = body.strip_suffix('}').ok_or_else(bad)?;
            let mut p = Lexer::new(body);
            let expr = p.or()?;
            p.skip_ws();
            if !p.done() {
                return Err(bad());
            }
            return Ok(Pattern::Json(expr));
        }
        if let Some(body) = t.strip_prefix('[') {
            let body = body.strip_suffix(']').ok_or_else(bad)?;
            return parse_fields(body).map(Pattern::Fields);
        }
        parse_terms(t)
    }

    pub fn matches(&self, message: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Terms { all, any, none } => {
                all.iter().all(|t| message.contains(t.as_str()))
                    && (any.is_empty() || any.iter().any(|t| message.contains(t.as_str())))
                    && !none.iter().any(|t| message.contains(t.as_str()))
            }
            Pattern::Json(expr) => match serde_json::from_str::<Value>(message.trim()) {
                Ok(v @ (Value::Object(_) | Value::Array(_))) => eval(expr, &v),
                _ => false,
            },
            Pattern::Fields(fields) => match_fields(fields, &split_fields(message)),
        }
    }
}

/// Characters a bare (unquoted) term may not hold.
fn bare_char_ok(c: char) -> bool {
    !matches!(c, '"' | '(' | ')' | '[' | ']' | '{' | '}' | ':' | '=' | '<' | '>' | '!' | '&' | '|' | ',' | '\'' | '%')
}

fn parse_terms(text: &str) -> Result<Pattern, AwsError> {
    let (mut all, mut any, mut none) = (Vec::new(), Vec::new(), Vec::new());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let kind = match chars[i] {
            '?' => 1,
            '-' => 2,
            _ => 0,
        };
        if kind > 0 {
            i += 1;
        }
        let term = if chars.get(i) == Some(&'"') {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(bad()),
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') if chars.get(i + 1).is_some() => {
                        s.push(chars[i + 1]);
                        i += 2;
                    }
                    Some(c) => {
                        s.push(*c);
                        i += 1;
                    }
                }
            }
            s
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            if !s.chars().all(bare_char_ok) {
                return Err(invalid_parameter(format!("Invalid character(s) in term '{s}'")));
            }
            s
        };
        if term.is_empty() {
            return Err(bad());
        }
        match kind {
            1 => any.push(term),
            2 => none.push(term),
            _ => all.push(term),
        }
    }
    Ok(Pattern::Terms { all, any, none })
}

/// `*` matches any run of characters; everything else itself.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn compare(op: Op, lit: &Literal, v: &Value) -> bool {
    let eq = match (lit, v) {
        (Literal::Number(n, _), Value::Number(x)) => x.as_f64().map(|x| x.partial_cmp(n)),
        (Literal::Number(_, text), Value::String(s)) => Some(if s == text { Some(std::cmp::Ordering::Equal) } else { None }),
        (Literal::Text(t), Value::String(s)) => Some(if wildcard(t, s) { Some(std::cmp::Ordering::Equal) } else { None }),
        (Literal::Text(t), Value::Bool(b)) => Some(if t == if *b { "true" } else { "false" } { Some(std::cmp::Ordering::Equal) } else { None }),
        (Literal::Text(t), Value::Number(x)) => Some(if wildcard(t, &x.to_string()) { Some(std::cmp::Ordering::Equal) } else { None }),
        _ => None,
    };
    let Some(ord) = eq else { return false };
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => ord == Some(Equal),
        Op::Ne => ord != Some(Equal),
        Op::Lt => ord == Some(Less),
        Op::Le => matches!(ord, Some(Less | Equal)),
        Op::Gt => ord == Some(Greater),
        Op::Ge => matches!(ord, Some(Greater | Equal)),
    }
}

fn select<'a>(root: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut v = root;
    for step in path {
        v = match step {
            Step::Key(k) => v.as_object()?.get(k)?,
            Step::Index(i) => v.as_array()?.get(*i)?,
        };
    }
    Some(v)
}

fn eval(expr: &Expr, root: &Value) -> bool {
    match expr {
        Expr::And(a, b) => eval(a, root) && eval(b, root),
        Expr::Or(a, b) => eval(a, root) || eval(b, root),
        Expr::Cond(path, test) => {
            let v = select(root, path);
            match test {
                Test::NotExists => v.is_none(),
                Test::IsNull => v.is_some_and(Value::is_null),
                Test::IsTrue => v == Some(&Value::Bool(true)),
                Test::IsFalse => v == Some(&Value::Bool(false)),
                Test::Compare(op, lit) => v.is_some_and(|v| compare(*op, lit, v)),
            }
        }
    }
}

struct Lexer<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Lexer<'a> {
    fn new(s: &'a str) -> Self {
        Lexer { s, i: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn skip_ws(&mut self) {
        let r = self.rest();
        self.i += r.len() - r.trim_start().len();
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(tok) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }

    /// A case-insensitive keyword followed by a non-word character.
    fn keyword(&mut self, word: &str) -> bool {
        self.skip_ws();
        let r = self.rest();
        let ok = r.len() >= word.len()
            && r.is_char_boundary(word.len())
            && r[..word.len()].eq_ignore_ascii_case(word)
            && !r[word.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
        if ok {
            self.i += word.len();
        }
        ok
    }

    fn or(&mut self) -> Result<Expr, AwsError> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, AwsError> {
        let mut left = self.unary()?;
        while self.eat("&&") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, AwsError> {
        if self.eat("(") {
            let e = self.or()?;
            if !self.eat(")") {
                return Err(bad());
            }
            return Ok(e);
        }
        let path = self.selector()?;
        if self.keyword("IS") {
            let test = if self.keyword("TRUE") {
                Test::IsTrue
            } else if self.keyword("FALSE") {
                Test::IsFalse
            } else if self.keyword("NULL") {
                Test::IsNull
            } else {
                return Err(bad());
            };
            return Ok(Expr::Cond(path, test));
        }
        if self.keyword("NOT") {
            if !self.keyword("EXISTS") {
                return Err(bad());
            }
            return Ok(Expr::Cond(path, Test::NotExists));
        }
        let op = self.op().ok_or_else(bad)?;
        let lit = self.literal()?;
        if matches!(lit, Literal::Text(_)) && !matches!(op, Op::Eq | Op::Ne) {
            return Err(bad());
        }
        Ok(Expr::Cond(path, Test::Compare(op, lit)))
    }

    fn op(&mut self) -> Option<Op> {
        for (tok, op) in [("!=", Op::Ne), ("<=", Op::Le), (">=", Op::Ge), ("=", Op::Eq), ("<", Op::Lt), (">", Op::Gt)] {
            if self.eat(tok) {
                return Some(op);
            }
        }
        None
    }

    fn selector(&mut self) -> Result<Vec<Step>, AwsError> {
        if !self.eat("$") {
            return Err(bad());
        }
        let mut path = Vec::new();
        loop {
            let r = self.rest();
            if let Some(after) = r.strip_prefix('.') {
                let n = after.find(|c: char| c.is_whitespace() || ".[]=!<>()&|".contains(c)).unwrap_or(after.len());
                if n == 0 {
                    return Err(bad());
                }
                path.push(Step::Key(after[..n].to_string()));
                self.i += 1 + n;
            } else if let Some(after) = r.strip_prefix('[') {
                let n = after.find(']').ok_or_else(bad)?;
                let index = after[..n].trim().parse::<usize>().map_err(|_| bad())?;
                path.push(Step::Index(index));
                self.i += n + 2;
            } else {
                break;
            }
        }
        if path.is_empty() {
            return Err(bad());
        }
        Ok(path)
    }

    fn literal(&mut self) -> Result<Literal, AwsError> {
        self.skip_ws();
        let r = self.rest();
        if let Some(after) = r.strip_prefix('"') {
            let mut s = String::new();
            let mut chars = after.char_indices();
            while let Some((j, c)) = chars.next() {
                match c {
                    '"' => {
                        self.i += 1 + j + 1;
                        return Ok(Literal::Text(s));
                    }
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            s.push(n);
                        }
                    }
                    c => s.push(c),
                }
            }
            return Err(bad());
        }
        let n = r.find(|c: char| c.is_whitespace() || "()&|".contains(c)).unwrap_or(r.len());
        if n == 0 {
            return Err(bad());
        }
        let word = &r[..n];
        self.i += n;
        Ok(literal_of(word))
    }
}

fn literal_of(word: &str) -> Literal {
    match word.parse::<f64>() {
        Ok(x) if x.is_finite() && !word.contains('*') => Literal::Number(x, word.to_string()),
        _ => Literal::Text(word.to_string()),
    }
}

fn parse_fields(body: &str) -> Result<Vec<Field>, AwsError> {
    let mut out = Vec::new();
    for raw in split_top(body) {
        let f = raw.trim();
        if f.is_empty() {
            return Err(bad());
        }
        if f == "..." {
            out.push(Field::Ellipsis);
            continue;
        }
        let mut conds = Vec::new();
        let mut joiner: Option<bool> = None;
        let mut rest = f;
        loop {
            // `name`, or `name OP value`.
            let name_end = rest.find(|c: char| c.is_whitespace() || "=!<>&|".contains(c)).unwrap_or(rest.len());
            if name_end == 0 || !rest[..name_end].chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-') {
                return Err(bad());
            }
            let mut lx = Lexer::new(&rest[name_end..]);
            lx.skip_ws();
            if lx.done() {
                if joiner.is_some() {
                    return Err(bad());
                }
                break;
            }
            let op = lx.op().ok_or_else(bad)?;
            let lit = lx.literal()?;
            if matches!(lit, Literal::Text(_)) && !matches!(op, Op::Eq | Op::Ne) {
                return Err(bad());
            }
            conds.push((joiner, op, lit));
            lx.skip_ws();
            if lx.done() {
                break;
            }
            joiner = Some(if lx.eat("&&") {
                true
            } else if lx.eat("||") {
                false
            } else {
                return Err(bad());
            });
            lx.skip_ws();
            rest = lx.rest();
        }
        out.push(Field::Named(conds));
    }
    Ok(out)
}

/// Splits at commas outside quotes.
fn split_top(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in body.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&body[start..]);
    out
}

/// A message's space-delimited fields: `"..."` and `[...]` are one field each (without their
/// delimiters).
pub fn split_fields(message: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = message.trim_start();
    while !rest.is_empty() {
        let (field, next) = if let Some(after) = rest.strip_prefix('"') {
            match after.find('"') {
                Some(j) => (&after[..j], &after[j + 1..]),
                None => (after, ""),
            }
        } else if let Some(after) = rest.strip_prefix('[') {
            match after.find(']') {
                Some(j) => (&after[..j], &after[j + 1..]),
                None => (after, ""),
            }
        } else {
            let j = rest.find(' ').unwrap_or(rest.len());
            (&rest[..j], &rest[j..])
        };
        out.push(field);
        rest = next.trim_start_matches(' ');
    }
    out
}

fn field_ok(conds: &[(Option<bool>, Op, Literal)], value: &str) -> bool {
    let v = match value.parse::<f64>() {
        Ok(x) if x.is_finite() => serde_json::Number::from_f64(x).map(Value::Number).unwrap_or_else(|| Value::String(value.to_string())),
        _ => Value::String(value.to_string()),
    };
    let text = Value::String(value.to_string());
    let mut acc = true;
    for (i, (joiner, op, lit)) in conds.iter().enumerate() {
        let r = match lit {
            Literal::Number(..) => compare(*op, lit, &v),
            Literal::Text(_) => compare(*op, lit, &text),
        };
        acc = match (i, joiner) {
            (0, _) => r,
            (_, Some(true)) => acc && r,
            _ => acc || r,
        };
    }
    acc
}

/// Whether `fields` match `values` exactly, `...` standing for any run of values (dynamic
/// programming, so several ellipses stay linear in each other).
fn match_fields(fields: &[Field], values: &[&str]) -> bool {
    // ok[j]: the fields so far can match exactly the first j values.
    let mut ok = vec![false; values.len() + 1];
    ok[0] = true;
    for field in fields {
        let mut next = vec![false; values.len() + 1];
        match field {
            Field::Ellipsis => {
                let mut any = false;
                for j in 0..=values.len() {
                    any |= ok[j];
                    next[j] = any;
                }
            }
            Field::Named(conds) => {
                for j in 0..values.len() {
                    if ok[j] && field_ok(conds, values[j]) {
                        next[j + 1] = true;
                    }
                }
            }
        }
        ok = next;
    }
    ok[values.len()]
}
