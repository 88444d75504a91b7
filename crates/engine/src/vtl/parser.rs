//! Template text → AST, following Velocity 1.7's grammar and its whitespace rules:
//! - `#set` swallows the spaces and tabs before it on its line;
//! - a directive's closing `)` (`#set`, `#if`, `#elseif`, `#foreach`, `#macro`, macro calls),
//!   `#else` and `#end` swallow the spaces and tabs after them up to and including one newline
//!   (when nothing but spaces and tabs stands between; what precedes them does not matter);
//! - `##` comments swallow their newline; `#* *#` and `#[[ ]]#` do not.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Pos, Template, VtlError, MAX_DEPTH};

#[derive(Debug)]
pub(crate) enum Node {
    Text(Box<str>),
    Ref(Ref),
    /// `\$foo`: `backslashes` backslashes before the reference.
    Escaped(usize, Ref),
    Set(Ref, Expr),
    If(Vec<(Expr, Vec<Node>)>, Option<Vec<Node>>),
    Foreach(Box<str>, Expr, Vec<Node>),
    Break,
    Stop,
    /// A macro call: name, arguments, source text (rendered as is when no such macro exists).
    Call(Box<str>, Vec<Expr>, Box<str>, Pos),
}

#[derive(Debug)]
pub(crate) struct Macro {
    pub params: Vec<Box<str>>,
    pub body: Vec<Node>,
}

#[derive(Debug)]
pub(crate) struct Ref {
    pub quiet: bool,
    pub name: Box<str>,
    pub parts: Vec<Part>,
    /// The reference's source text, rendered when it is undefined.
    pub src: Box<str>,
    pub pos: Pos,
}

#[derive(Debug)]
pub(crate) enum Part {
    Prop(Box<str>),
    /// A method call; `Pre` is its literal regex or JSONPath argument, compiled at parse time.
    Call(Box<str>, Vec<Expr>, Option<Box<Pre>>),
    Index(Expr),
}

#[derive(Debug)]
pub(crate) enum Pre {
    Regex(super::regex::Regex),
    Path(super::jsonpath::Path),
}

/// Compiles a literal regex (`replaceAll`, `replaceFirst`, `matches`, `split`) or JSONPath
/// (`json`, `path`) argument once. One that does not compile is left to fail at render time, as
/// Java would.
fn precompile(name: &str, args: &[Expr]) -> Option<Box<Pre>> {
    let Some(Expr::Str(s)) = args.first() else { return None };
    match name {
        "replaceAll" | "replaceFirst" | "matches" | "split" => super::regex::Regex::new(s).ok().map(|r| Box::new(Pre::Regex(r))),
        "json" | "path" if args.len() == 1 => super::jsonpath::parse(s).ok().map(|p| Box::new(Pre::Path(p))),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug)]
pub(crate) enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    /// A double-quoted string with references or directives in it.
    Interp(Vec<Node>),
    Ref(Ref),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Range(Box<Expr>, Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>, Pos),
    Not(Box<Expr>),
    Neg(Box<Expr>),
}

enum Term {
    Eof,
    End,
    Else,
    ElseIf(Expr),
}

struct P<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    end: usize,
    depth: usize,
    macros: HashMap<Box<str>, Arc<Macro>>,
    /// Where the last `#end` / `#else` / `#elseif` started (for errors about a stray one).
    term_at: usize,
}

pub(crate) fn parse_template(src: &str) -> Result<Template, VtlError> {
    let mut p = P { src, b: src.as_bytes(), i: 0, end: src.len(), depth: 0, macros: HashMap::new(), term_at: 0 };
    let (nodes, term) = p.block()?;
    match term {
        Term::Eof => Ok(Template { src: src.into(), nodes, macros: p.macros }),
        Term::End => Err(p.err_at("Encountered \"#end\" without a matching #if, #foreach or #macro", p.term_at)),
        Term::Else | Term::ElseIf(_) => Err(p.err_at("Encountered \"#else\" or \"#elseif\" without a matching #if", p.term_at)),
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}
fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl<'a> P<'a> {
    fn pos(&self, at: usize) -> Pos {
        Pos(at)
    }
    fn err_at(&self, msg: impl Into<String>, at: usize) -> VtlError {
        VtlError::at(msg, self.pos(at))
    }
    fn peek(&self) -> Option<u8> {
        (self.i < self.end).then(|| self.b[self.i])
    }
    fn at(&self, k: usize) -> Option<u8> {
        (k < self.end).then(|| self.b[k])
    }
    fn starts(&self, s: &str) -> bool {
        self.b[self.i..self.end].starts_with(s.as_bytes())
    }
    fn enter(&mut self) -> Result<(), VtlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_at(format!("Template nests deeper than {MAX_DEPTH} levels"), self.i));
        }
        Ok(())
    }

    /// Spaces and tabs, then one newline: swallowed after a directive on a line of its own.
    fn gobble_line(&mut self) {
        let mut k = self.i;
        while matches!(self.at(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        match self.at(k) {
            Some(b'\n') => self.i = k + 1,
            Some(b'\r') => self.i = if self.at(k + 1) == Some(b'\n') { k + 2 } else { k + 1 },
            _ => {}
        }
    }

    fn block(&mut self) -> Result<(Vec<Node>, Term), VtlError> {
        self.enter()?;
        let mut nodes = Vec::new();
        let mut text = String::new();
        let term = loop {
            let Some(c) = self.peek() else { break Term::Eof };
            match c {
                b'\\' => {
                    let start = self.i;
                    let mut k = self.i;
                    while self.at(k) == Some(b'\\') {
                        k += 1;
                    }
                    let n = k - start;
                    match self.at(k) {
                        Some(b'$') => {
                            self.i = k;
                            if let Some(r) = self.reference()? {
                                flush(&mut text, &mut nodes);
                                nodes.push(Node::Escaped(n, r));
                            } else {
                                text.push_str(&self.src[start..k]);
                            }
                        }
                        Some(b'#') if self.directive_follows(k + 1) => {
                            text.extend(std::iter::repeat_n('\\', n / 2));
                            if n % 2 == 1 {
                                text.push('#');
                                self.i = k + 1;
                            } else {
                                self.i = k;
                            }
                        }
                        _ => {
                            text.push_str(&self.src[start..k]);
                            self.i = k;
                        }
                    }
                }
                b'$' => {
                    if let Some(r) = self.reference()? {
                        flush(&mut text, &mut nodes);
                        nodes.push(Node::Ref(r));
                    } else {
                        text.push('$');
                        self.i += 1;
                    }
                }
                b'#' => {
                    if let Some(t) = self.hash(&mut text, &mut nodes)? {
                        break t;
                    }
                }
                _ => {
                    let start = self.i;
                    while let Some(c) = self.peek() {
                        if matches!(c, b'\\' | b'$' | b'#') {
                            break;
                        }
                        self.i += 1;
                    }
                    text.push_str(&self.src[start..self.i]);
                }
            }
        };
        flush(&mut text, &mut nodes);
        self.depth -= 1;
        Ok((nodes, term))
    }

    fn directive_follows(&self, k: usize) -> bool {
        let rest = &self.b[k.min(self.end)..self.end];
        let rest = rest.strip_prefix(b"{").unwrap_or(rest);
        ["set", "if", "elseif", "else", "end", "foreach", "break", "stop", "macro"]
            .iter()
            .any(|w| rest.starts_with(w.as_bytes()) && !rest.get(w.len()).copied().is_some_and(is_word))
            || rest.starts_with(b"#")
            || rest.starts_with(b"*")
    }

    /// At a `#`: a comment, a literal block, a directive, or text. Returns a terminator for the
    /// enclosing block (`#end`, `#else`, `#elseif`).
    fn hash(&mut self, text: &mut String, nodes: &mut Vec<Node>) -> Result<Option<Term>, VtlError> {
        let start = self.i;
        match self.at(start + 1) {
            Some(b'#') => {
                while let Some(c) = self.peek() {
                    self.i += 1;
                    if c == b'\n' {
                        break;
                    }
                }
                return Ok(None);
            }
            Some(b'*') => {
                match self.src[start + 2..self.end].find("*#") {
                    Some(k) => self.i = start + 2 + k + 2,
                    None => return Err(self.err_at("Unterminated #* comment", start)),
                }
                return Ok(None);
            }
            Some(b'[') if self.at(start + 2) == Some(b'[') => {
                match self.src[start + 3..self.end].find("]]#") {
                    Some(k) => {
                        text.push_str(&self.src[start + 3..start + 3 + k]);
                        self.i = start + 3 + k + 3;
                    }
                    None => return Err(self.err_at("Unterminated #[[ literal block", start)),
                }
                return Ok(None);
            }
            _ => {}
        }
        let formal = self.at(start + 1) == Some(b'{');
        let ws = if formal { start + 2 } else { start + 1 };
        let mut k = ws;
        if !self.at(k).is_some_and(is_ident_start) {
            text.push('#');
            self.i = start + 1;
            return Ok(None);
        }
        while self.at(k).is_some_and(is_word) {
            k += 1;
        }
        let word = &self.src[ws..k];
        if formal {
            if self.at(k) != Some(b'}') {
                text.push('#');
                self.i = start + 1;
                return Ok(None);
            }
            k += 1;
        }
        // `(` after optional spaces and tabs, for the directives that take arguments.
        let paren = {
            let mut j = k;
            while matches!(self.at(j), Some(b' ' | b'\t')) {
                j += 1;
            }
            (self.at(j) == Some(b'(')).then_some(j + 1)
        };
        let pos = self.pos(start);
        if matches!(word, "else" | "end" | "elseif") {
            self.term_at = start;
        }
        match word {
            "set" => {
                let Some(open) = paren else { return self.as_text(text, start, k) };
                while text.ends_with([' ', '\t']) {
                    text.pop();
                }
                flush(text, nodes);
                self.i = open;
                self.ws();
                if self.peek() != Some(b'$') {
                    return Err(self.err_at("#set expects a reference on the left of `=`", self.i));
                }
                let Some(r) = self.reference()? else { return Err(self.err_at("#set expects a reference on the left of `=`", self.i)) };
                self.ws();
                if self.peek() != Some(b'=') {
                    return Err(self.err_at("#set expects `=` after the reference", self.i));
                }
                self.i += 1;
                let e = self.expr()?;
                self.close_paren("#set")?;
                nodes.push(Node::Set(r, e));
                Ok(None)
            }
            "if" => {
                let Some(open) = paren else { return self.as_text(text, start, k) };
                flush(text, nodes);
                self.i = open;
                let mut cond = self.expr()?;
                self.close_paren("#if")?;
                let mut arms = Vec::new();
                let mut otherwise = None;
                loop {
                    let (body, t) = self.block()?;
                    match t {
                        Term::End => {
                            arms.push((cond, body));
                            break;
                        }
                        Term::ElseIf(c) => {
                            arms.push((cond, body));
                            cond = c;
                        }
                        Term::Else => {
                            arms.push((cond, body));
                            let (body, t) = self.block()?;
                            match t {
                                Term::End => {
                                    otherwise = Some(body);
                                    break;
                                }
                                _ => return Err(VtlError::at("#else must be followed by #end", pos)),
                            }
                        }
                        Term::Eof => return Err(VtlError::at("#if without a matching #end", pos)),
                    }
                }
                nodes.push(Node::If(arms, otherwise));
                Ok(None)
            }
            "elseif" => {
                let Some(open) = paren else { return self.as_text(text, start, k) };
                flush(text, nodes);
                self.i = open;
                let cond = self.expr()?;
                self.close_paren("#elseif")?;
                Ok(Some(Term::ElseIf(cond)))
            }
            "else" | "end" => {
                flush(text, nodes);
                self.i = k;
                if !formal {
                    self.gobble_line();
                }
                Ok(Some(if word == "else" { Term::Else } else { Term::End }))
            }
            "foreach" => {
                let Some(open) = paren else { return self.as_text(text, start, k) };
                flush(text, nodes);
                self.i = open;
                self.ws();
                if self.peek() != Some(b'$') {
                    return Err(self.err_at("#foreach expects a loop variable such as $item", self.i));
                }
                self.i += 1;
                let var = self.ident().ok_or_else(|| self.err_at("#foreach expects a loop variable such as $item", self.i))?;
                self.ws();
                if !self.starts("in") || self.at(self.i + 2).is_some_and(is_word) {
                    return Err(self.err_at("#foreach expects `in` after the loop variable", self.i));
                }
                self.i += 2;
                let e = self.expr()?;
                self.close_paren("#foreach")?;
                let (body, t) = self.block()?;
                match t {
                    Term::End => {}
                    Term::Eof => return Err(VtlError::at("#foreach without a matching #end", pos)),
                    _ => return Err(VtlError::at("#else inside #foreach without an #if", pos)),
                }
                nodes.push(Node::Foreach(var.into(), e, body));
                Ok(None)
            }
            "break" | "stop" => {
                flush(text, nodes);
                self.i = k;
                nodes.push(if word == "break" { Node::Break } else { Node::Stop });
                Ok(None)
            }
            "macro" => {
                let Some(open) = paren else { return self.as_text(text, start, k) };
                flush(text, nodes);
                self.i = open;
                self.ws();
                let name = self.ident().ok_or_else(|| self.err_at("#macro expects a name", self.i))?;
                let mut params = Vec::new();
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'$') => {
                            self.i += 1;
                            let p = self.ident().ok_or_else(|| self.err_at("#macro expects parameters such as $arg", self.i))?;
                            params.push(p.into());
                        }
                        Some(b')') => break,
                        _ => return Err(self.err_at("#macro expects parameters such as $arg and a closing `)`", self.i)),
                    }
                }
                self.i += 1;
                self.gobble_line();
                let (body, t) = self.block()?;
                if !matches!(t, Term::End) {
                    return Err(VtlError::at("#macro without a matching #end", pos));
                }
                self.macros.insert(name.into(), Arc::new(Macro { params, body }));
                Ok(None)
            }
            "include" | "parse" | "evaluate" | "define" => Err(VtlError::at(format!("#{word} is not supported in API Gateway mapping templates"), pos)),
            _ => {
                let Some(open) = paren else { return self.as_text(text, start, k) };
                flush(text, nodes);
                self.i = open;
                let mut args = Vec::new();
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b')') => break,
                        Some(b',') => self.i += 1,
                        None => return Err(self.err_at(format!("#{word}( without a closing `)`"), start)),
                        _ => args.push(self.expr()?),
                    }
                }
                self.i += 1;
                let src = &self.src[start..self.i];
                self.gobble_line();
                nodes.push(Node::Call(word.into(), args, src.into(), pos));
                Ok(None)
            }
        }
    }

    fn as_text(&mut self, text: &mut String, start: usize, k: usize) -> Result<Option<Term>, VtlError> {
        text.push_str(&self.src[start..k]);
        self.i = k;
        Ok(None)
    }

    fn close_paren(&mut self, what: &str) -> Result<(), VtlError> {
        self.ws();
        if self.peek() != Some(b')') {
            return Err(self.err_at(format!("{what} expects `)`"), self.i));
        }
        self.i += 1;
        self.gobble_line();
        Ok(())
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn ident(&mut self) -> Option<&'a str> {
        let start = self.i;
        if !self.peek().is_some_and(is_ident_start) {
            return None;
        }
        while self.peek().is_some_and(is_ident) {
            self.i += 1;
        }
        Some(&self.src[start..self.i])
    }

    /// At a `$`: a reference, or None (with the position unchanged) if none starts here.
    fn reference(&mut self) -> Result<Option<Ref>, VtlError> {
        let start = self.i;
        let mut k = start + 1;
        let quiet = self.at(k) == Some(b'!');
        if quiet {
            k += 1;
        }
        let formal = self.at(k) == Some(b'{');
        if formal {
            k += 1;
        }
        self.i = k;
        let Some(name) = self.ident() else {
            self.i = start;
            return Ok(None);
        };
        self.enter()?;
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') if self.at(self.i + 1).is_some_and(is_ident_start) => {
                    self.i += 1;
                    let id = self.ident().unwrap_or_default();
                    if self.peek() == Some(b'(') {
                        self.i += 1;
                        let args = self.args()?;
                        let pre = precompile(id, &args);
                        parts.push(Part::Call(id.into(), args, pre));
                    } else {
                        parts.push(Part::Prop(id.into()));
                    }
                }
                Some(b'[') => {
                    let save = self.i;
                    self.i += 1;
                    let idx = self.expr().and_then(|e| {
                        self.ws();
                        if self.peek() == Some(b']') {
                            self.i += 1;
                            Ok(e)
                        } else {
                            Err(self.err_at("expected `]`", self.i))
                        }
                    });
                    match idx {
                        Ok(e) => parts.push(Part::Index(e)),
                        Err(_) => {
                            self.i = save;
                            break;
                        }
                    }
                }
                _ => break,
            }
        }
        self.depth -= 1;
        if formal {
            if self.peek() != Some(b'}') {
                self.i = start;
                return Ok(None);
            }
            self.i += 1;
        }
        Ok(Some(Ref { quiet, name: name.into(), parts, src: self.src[start..self.i].into(), pos: self.pos(start) }))
    }

    fn args(&mut self) -> Result<Vec<Expr>, VtlError> {
        let open = self.i - 1;
        let mut args = Vec::new();
        self.ws();
        if self.peek() == Some(b')') {
            self.i += 1;
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b')') => {
                    self.i += 1;
                    return Ok(args);
                }
                _ => return Err(self.err_at("Method call without a closing `)`", open)),
            }
        }
    }

    fn expr(&mut self) -> Result<Expr, VtlError> {
        self.enter()?;
        let e = self.or();
        self.depth -= 1;
        e
    }

    fn op(&mut self, ops: &[(&str, BinOp)]) -> Option<(BinOp, usize)> {
        self.ws();
        for (s, op) in ops {
            if self.starts(s) {
                let word = s.as_bytes()[0].is_ascii_alphabetic();
                if word && self.at(self.i + s.len()).is_some_and(is_word) {
                    continue;
                }
                // `<` must not take `<=`'s place, nor `=` be `==`'s first half.
                let at = self.i;
                self.i += s.len();
                return Some((*op, at));
            }
        }
        None
    }

    fn binary(&mut self, ops: &[(&str, BinOp)], next: fn(&mut Self) -> Result<Expr, VtlError>) -> Result<Expr, VtlError> {
        let mut l = next(self)?;
        while let Some((op, at)) = self.op(ops) {
            let r = next(self)?;
            l = Expr::Bin(op, Box::new(l), Box::new(r), self.pos(at));
        }
        Ok(l)
    }

    fn or(&mut self) -> Result<Expr, VtlError> {
        self.binary(&[("||", BinOp::Or), ("or", BinOp::Or)], Self::and)
    }
    fn and(&mut self) -> Result<Expr, VtlError> {
        self.binary(&[("&&", BinOp::And), ("and", BinOp::And)], Self::eq)
    }
    fn eq(&mut self) -> Result<Expr, VtlError> {
        self.binary(&[("==", BinOp::Eq), ("!=", BinOp::Ne), ("eq", BinOp::Eq), ("ne", BinOp::Ne)], Self::rel)
    }
    fn rel(&mut self) -> Result<Expr, VtlError> {
        self.binary(
            &[("<=", BinOp::Le), (">=", BinOp::Ge), ("<", BinOp::Lt), (">", BinOp::Gt), ("le", BinOp::Le), ("ge", BinOp::Ge), ("lt", BinOp::Lt), ("gt", BinOp::Gt)],
            Self::add,
        )
    }
    fn add(&mut self) -> Result<Expr, VtlError> {
        self.binary(&[("+", BinOp::Add), ("-", BinOp::Sub)], Self::mul)
    }
    fn mul(&mut self) -> Result<Expr, VtlError> {
        self.binary(&[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Mod)], Self::unary)
    }
    fn unary(&mut self) -> Result<Expr, VtlError> {
        self.ws();
        if self.peek() == Some(b'!') && self.at(self.i + 1) != Some(b'=') {
            self.i += 1;
            self.enter()?;
            let e = self.unary();
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e?)));
        }
        if self.starts("not") && !self.at(self.i + 3).is_some_and(is_word) {
            self.i += 3;
            self.enter()?;
            let e = self.unary();
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e?)));
        }
        if self.peek() == Some(b'-') && !self.at(self.i + 1).is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
            self.enter()?;
            let e = self.unary();
            self.depth -= 1;
            return Ok(Expr::Neg(Box::new(e?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, VtlError> {
        self.ws();
        let start = self.i;
        let Some(c) = self.peek() else { return Err(self.err_at("Expected an expression, found the end of the template", self.i)) };
        match c {
            b'$' => match self.reference()? {
                Some(r) => Ok(Expr::Ref(r)),
                None => Err(self.err_at("Expected a reference after `$`", start)),
            },
            b'\'' => {
                let mut k = start + 1;
                let mut s = String::new();
                loop {
                    match self.at(k) {
                        None => return Err(self.err_at("Unterminated string", start)),
                        Some(b'\'') if self.at(k + 1) == Some(b'\'') => {
                            s.push('\'');
                            k += 2;
                        }
                        Some(b'\'') => break,
                        Some(_) => {
                            let ch = self.src[k..].chars().next().unwrap_or('\0');
                            s.push(ch);
                            k += ch.len_utf8();
                        }
                    }
                }
                self.i = k + 1;
                Ok(Expr::Str(s.into()))
            }
            b'"' => {
                let mut k = start + 1;
                loop {
                    match self.at(k) {
                        None => return Err(self.err_at("Unterminated string", start)),
                        Some(b'\\') => k += 2,
                        Some(b'"') if self.at(k + 1) == Some(b'"') => k += 2,
                        Some(b'"') => break,
                        Some(_) => k += 1,
                    }
                }
                let k = k.min(self.end);
                let body = &self.src[start + 1..k];
                self.i = k + 1;
                if !body.contains(['$', '#']) {
                    return Ok(Expr::Str(body.replace("\"\"", "\"").into()));
                }
                let (save_i, save_end) = (self.i, self.end);
                self.i = start + 1;
                self.end = k;
                let r = self.block();
                self.i = save_i;
                self.end = save_end;
                let (mut nodes, t) = r?;
                if !matches!(t, Term::Eof) {
                    return Err(self.err_at("#end, #else or #elseif without its directive inside a string", start));
                }
                for n in &mut nodes {
                    if let Node::Text(t) = n {
                        if t.contains("\"\"") {
                            *t = t.replace("\"\"", "\"").into();
                        }
                    }
                }
                Ok(Expr::Interp(nodes))
            }
            b'[' => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Expr::List(Vec::new()));
                }
                let first = self.expr()?;
                self.ws();
                if self.starts("..") {
                    self.i += 2;
                    let last = self.expr()?;
                    self.ws();
                    if self.peek() != Some(b']') {
                        return Err(self.err_at("Range without a closing `]`", start));
                    }
                    self.i += 1;
                    return Ok(Expr::Range(Box::new(first), Box::new(last)));
                }
                let mut items = vec![first];
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b',') => {
                            self.i += 1;
                            items.push(self.expr()?);
                        }
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Expr::List(items));
                        }
                        _ => return Err(self.err_at("List without a closing `]`", start)),
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut entries = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Expr::Map(entries));
                }
                loop {
                    let k = self.expr()?;
                    self.ws();
                    if self.peek() != Some(b':') {
                        return Err(self.err_at("Map entry without `:`", self.i));
                    }
                    self.i += 1;
                    let v = self.expr()?;
                    entries.push((k, v));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Expr::Map(entries));
                        }
                        _ => return Err(self.err_at("Map without a closing `}`", start)),
                    }
                }
            }
            b'(' => {
                self.i += 1;
                let e = self.expr()?;
                self.ws();
                if self.peek() != Some(b')') {
                    return Err(self.err_at("Expected `)`", self.i));
                }
                self.i += 1;
                Ok(e)
            }
            b'-' | b'0'..=b'9' => {
                let mut k = start + 1;
                while self.at(k).is_some_and(|c| c.is_ascii_digit()) {
                    k += 1;
                }
                let mut float = false;
                if self.at(k) == Some(b'.') && self.at(k + 1).is_some_and(|c| c.is_ascii_digit()) {
                    float = true;
                    k += 1;
                    while self.at(k).is_some_and(|c| c.is_ascii_digit()) {
                        k += 1;
                    }
                }
                let s = &self.src[start..k];
                self.i = k;
                if float {
                    s.parse().map(Expr::Float).map_err(|_| self.err_at("Bad number", start))
                } else {
                    match s.parse::<i64>() {
                        Ok(n) => Ok(Expr::Int(n)),
                        Err(_) => s.parse().map(Expr::Float).map_err(|_| self.err_at("Bad number", start)),
                    }
                }
            }
            _ if is_ident_start(c) => {
                let mut k = start;
                while self.at(k).is_some_and(is_word) {
                    k += 1;
                }
                let w = &self.src[start..k];
                let e = match w {
                    "true" => Expr::Bool(true),
                    "false" => Expr::Bool(false),
                    "null" => Expr::Null,
                    _ => return Err(self.err_at(format!("Unexpected `{w}` in an expression"), start)),
                };
                self.i = k;
                Ok(e)
            }
            _ => {
                let ch = self.src[start..].chars().next().unwrap_or('?');
                Err(self.err_at(format!("Unexpected `{ch}` in an expression"), start))
            }
        }
    }
}

fn flush(text: &mut String, nodes: &mut Vec<Node>) {
    if !text.is_empty() {
        nodes.push(Node::Text(std::mem::take(text).into()));
    }
}
