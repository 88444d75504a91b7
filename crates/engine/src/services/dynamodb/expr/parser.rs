//! Recursive-descent parsers for condition/filter, projection and key-condition expressions.
//! Precedence, highest first: comparators, IN, BETWEEN, functions, NOT, AND, OR.

use super::{
    lexer::{lex, Tok, Token},
    reserved::is_reserved,
    Cmp, Cond, Kind, Operand, Path, PathElem, Placeholders, MAX_DEPTH, MAX_EXPRESSION_BYTES, MAX_IN_OPERANDS, MAX_OPERATORS, MAX_PATH_DEPTH,
};
use crate::{kernel::error::AwsError, services::dynamodb::value::AttributeValue};

struct Parser<'a> {
    text: &'a str,
    toks: Vec<Token>,
    pos: usize,
    kind: Kind,
    ph: &'a mut Placeholders,
    depth: usize,
    operators: usize,
}

fn invalid(kind: Kind, msg: impl std::fmt::Display) -> AwsError {
    AwsError::validation(format!("Invalid {}: {msg}", kind.member()))
}

/// Checks shared by every expression: empty, too long; then tokenizes.
fn start<'a>(text: &'a str, kind: Kind, ph: &'a mut Placeholders) -> Result<Parser<'a>, AwsError> {
    if text.len() > MAX_EXPRESSION_BYTES {
        return Err(invalid(kind, format!("Expression size has exceeded the maximum allowed size; expression size: {}", text.len())));
    }
    if text.trim().is_empty() {
        return Err(invalid(kind, "The expression can not be empty;"));
    }
    let toks = lex(text).map_err(|at| {
        let ch: String = text[at..].chars().next().map(String::from).unwrap_or_default();
        invalid(kind, format!("Syntax error; token: \"{ch}\", near: \"{}\"", near_offset(text, at)))
    })?;
    Ok(Parser { text, toks, pos: 0, kind, ph, depth: 0, operators: 0 })
}

/// A few characters around a byte offset, for lexer errors.
fn near_offset(text: &str, at: usize) -> String {
    let from = text[..at].char_indices().rev().nth(1).map(|(i, _)| i).unwrap_or(0);
    let to = text[at..].char_indices().nth(2).map(|(i, _)| at + i).unwrap_or(text.len());
    text[from..to].to_string()
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.tok.clone());
        self.pos += 1;
        t
    }

    /// AWS's syntax error: the offending token and the text from the token before it to the
    /// token after it.
    fn syntax_error(&self) -> AwsError {
        let (token, near) = match self.toks.get(self.pos) {
            Some(t) => {
                let from = self.pos.checked_sub(1).and_then(|p| self.toks.get(p)).map(|p| p.start).unwrap_or(t.start);
                let to = self.toks.get(self.pos + 1).map(|n| n.end).unwrap_or(t.end);
                (self.text[t.start..t.end].to_string(), self.text[from..to].to_string())
            }
            None => {
                let from = self.pos.checked_sub(1).and_then(|p| self.toks.get(p)).map(|p| p.start).unwrap_or(0);
                ("<EOF>".to_string(), self.text[from..].trim_end().to_string())
            }
        };
        invalid(self.kind, format!("Syntax error; token: \"{token}\", near: \"{near}\""))
    }

    fn expect(&mut self, tok: Tok) -> Result<(), AwsError> {
        if self.peek() == Some(&tok) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    fn enter(&mut self) -> Result<(), AwsError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid(self.kind, format!("The expression is nested too deeply; maximum depth: {MAX_DEPTH}")));
        }
        Ok(())
    }

    fn operator(&mut self) -> Result<(), AwsError> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            return Err(invalid(self.kind, format!("The expression contains too many operators; operator count: {}", self.operators)));
        }
        Ok(())
    }

    fn done(&self) -> Result<(), AwsError> {
        if self.pos < self.toks.len() {
            return Err(self.syntax_error());
        }
        Ok(())
    }

    // ---- paths and operands ----

    fn attribute_name(&mut self) -> Result<String, AwsError> {
        match self.bump() {
            Some(Tok::Ident(w)) => {
                if is_reserved(&w) {
                    return Err(invalid(self.kind, format!("Attribute name is a reserved keyword; reserved keyword: {w}")));
                }
                Ok(w)
            }
            Some(Tok::Name(n)) => {
                self.ph.name(&n).ok_or_else(|| invalid(self.kind, format!("An expression attribute name used in the document path is not defined; attribute name: {n}")))
            }
            _ => {
                self.pos -= 1;
                Err(self.syntax_error())
            }
        }
    }

    fn path(&mut self) -> Result<Path, AwsError> {
        let mut elems = vec![PathElem::Attr(self.attribute_name()?)];
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    elems.push(PathElem::Attr(self.attribute_name()?));
                }
                Some(Tok::LBracket) => {
                    self.pos += 1;
                    let Some(Tok::Int(n)) = self.peek().cloned() else { return Err(self.syntax_error()) };
                    self.pos += 1;
                    let index = n.parse::<usize>().map_err(|_| invalid(self.kind, format!("List index is too large; index: {n}")))?;
                    elems.push(PathElem::Index(index));
                    self.expect(Tok::RBracket)?;
                }
                _ => break,
            }
        }
        if elems.len() > MAX_PATH_DEPTH {
            return Err(invalid(self.kind, format!("The document path has too many nesting levels; nesting levels: {}", elems.len())));
        }
        Ok(Path(elems))
    }

    fn value(&mut self, key: &str) -> Result<AttributeValue, AwsError> {
        self.ph.value(key).ok_or_else(|| invalid(self.kind, format!("An expression attribute value used in expression is not defined; attribute value: {key}")))
    }

    fn operand(&mut self) -> Result<Operand, AwsError> {
        match self.peek().cloned() {
            Some(Tok::Value(v)) => {
                self.pos += 1;
                Ok(Operand::Value(self.value(&v)?))
            }
            Some(Tok::Ident(w)) if self.toks.get(self.pos + 1).map(|t| &t.tok) == Some(&Tok::LParen) => {
                if w != "size" {
                    if is_condition_function(&w) {
                        return Err(invalid(self.kind, format!("The function is not allowed to be used this way in an expression; function: {w}")));
                    }
                    return Err(invalid(self.kind, format!("Invalid function name; function: {w}")));
                }
                self.pos += 2;
                self.operator()?;
                let p = self.path()?;
                self.expect(Tok::RParen)?;
                Ok(Operand::Size(p))
            }
            Some(Tok::Ident(_)) | Some(Tok::Name(_)) => Ok(Operand::Path(self.path()?)),
            _ => Err(self.syntax_error()),
        }
    }

    fn comparator(&self) -> Option<Cmp> {
        Some(match self.peek()? {
            Tok::Eq => Cmp::Eq,
            Tok::Ne => Cmp::Ne,
            Tok::Lt => Cmp::Lt,
            Tok::Le => Cmp::Le,
            Tok::Gt => Cmp::Gt,
            Tok::Ge => Cmp::Ge,
            _ => return None,
        })
    }

    // ---- conditions ----

    // The recursive functions pass conditions boxed: a `Cond` is over 200 bytes, and every
    // temporary of that size would be paid again at each nesting level.
    fn or(&mut self) -> Result<Box<Cond>, AwsError> {
        self.enter()?;
        let mut left = self.and()?;
        while self.peek_keyword("OR") {
            self.pos += 1;
            self.operator()?;
            let right = self.and()?;
            left = Box::new(Cond::Or(left, right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Box<Cond>, AwsError> {
        let mut left = self.not()?;
        while self.peek_keyword("AND") {
            self.pos += 1;
            self.operator()?;
            let right = self.not()?;
            left = Box::new(Cond::And(left, right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Box<Cond>, AwsError> {
        if self.peek_keyword("NOT") {
            self.pos += 1;
            self.operator()?;
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Box::new(Cond::Not(inner)));
        }
        self.primary()
    }

    /// A parenthesized condition or a leaf. Nesting recurses through `or`, `and`, `not` and
    /// this function only, so they keep small stack frames: everything else lives in `leaf`
    /// and `redundant`, which are never inlined into the recursion. (A debug build spent ~23 KB
    /// of stack per nesting level before, enough to overflow a Web Worker's 1 MiB stack below
    /// the depth limit.)
    fn primary(&mut self) -> Result<Box<Cond>, AwsError> {
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            if self.peek() == Some(&Tok::LParen) && self.redundant_parens() {
                return Err(self.redundant());
            }
            let c = self.or()?;
            self.expect(Tok::RParen)?;
            return Ok(c);
        }
        self.leaf().map(Box::new)
    }

    #[inline(never)]
    #[cold]
    fn redundant(&self) -> AwsError {
        invalid(self.kind, "The expression has redundant parentheses;")
    }

    /// A comparison, BETWEEN, IN or function call: no nested conditions inside.
    #[inline(never)]
    fn leaf(&mut self) -> Result<Cond, AwsError> {
        if let Some(Tok::Ident(w)) = self.peek().cloned() {
            if is_condition_function(&w) && self.toks.get(self.pos + 1).map(|t| &t.tok) == Some(&Tok::LParen) {
                return self.function(&w);
            }
        }
        let left = self.operand()?;
        if let Some(cmp) = self.comparator() {
            self.pos += 1;
            self.operator()?;
            let right = self.operand()?;
            check_comparable(self.kind, cmp.symbol(), &left)?;
            check_comparable(self.kind, cmp.symbol(), &right)?;
            return Ok(Cond::Cmp(cmp, left, right));
        }
        if self.peek_keyword("BETWEEN") {
            self.pos += 1;
            self.operator()?;
            let lo = self.operand()?;
            if !self.peek_keyword("AND") {
                return Err(self.syntax_error());
            }
            self.pos += 1;
            let hi = self.operand()?;
            for o in [&left, &lo, &hi] {
                check_comparable(self.kind, "BETWEEN", o)?;
            }
            if let (Operand::Value(a), Operand::Value(b)) = (&lo, &hi) {
                if super::eval::order(a, b) == Some(std::cmp::Ordering::Greater) {
                    return Err(invalid(self.kind, format!(
                        "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                        describe(a), describe(b)
                    )));
                }
            }
            return Ok(Cond::Between(left, lo, hi));
        }
        if self.peek_keyword("IN") {
            self.pos += 1;
            self.operator()?;
            self.expect(Tok::LParen)?;
            let mut list = vec![self.operand()?];
            while self.peek() == Some(&Tok::Comma) {
                self.pos += 1;
                list.push(self.operand()?);
                if list.len() > MAX_IN_OPERANDS {
                    return Err(invalid(self.kind, format!("The IN operator is provided with too many operands; number of operands: {}", list.len())));
                }
            }
            self.expect(Tok::RParen)?;
            return Ok(Cond::In(left, list));
        }
        Err(self.syntax_error())
    }

    /// `((`: true when the inner group closes right before the outer one does.
    fn redundant_parens(&self) -> bool {
        let mut depth = 0i32;
        for (i, t) in self.toks.iter().enumerate().skip(self.pos) {
            match t.tok {
                Tok::LParen => depth += 1,
                Tok::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return self.toks.get(i + 1).map(|t| &t.tok) == Some(&Tok::RParen);
                    }
                }
                _ => {}
            }
        }
        false
    }

    fn function(&mut self, name: &str) -> Result<Cond, AwsError> {
        self.pos += 2;
        self.operator()?;
        let lower = name.to_string();
        let mut args = Vec::new();
        if self.peek() != Some(&Tok::RParen) {
            args.push(self.operand()?);
            while self.peek() == Some(&Tok::Comma) {
                self.pos += 1;
                args.push(self.operand()?);
            }
        }
        self.expect(Tok::RParen)?;
        let want = match lower.as_str() {
            "attribute_exists" | "attribute_not_exists" => 1,
            _ => 2,
        };
        if args.len() != want {
            return Err(invalid(self.kind, format!("Incorrect number of operands for operator or function; operator or function: {lower}, number of operands: {}", args.len())));
        }
        let mut args = args.into_iter();
        let first = args.next();
        let second = args.next();
        let path_arg = |o: Option<Operand>, kind: Kind| match o {
            Some(Operand::Path(p)) => Ok(p),
            Some(other) => Err(invalid(kind, format!("Operator or function requires a document path; operator or function: {lower}, operand type: {}", operand_type(&other)))),
            None => Err(invalid(kind, "missing operand")),
        };
        Ok(match lower.as_str() {
            "attribute_exists" => Cond::Exists(path_arg(first, self.kind)?),
            "attribute_not_exists" => Cond::NotExists(path_arg(first, self.kind)?),
            "attribute_type" => {
                let p = path_arg(first, self.kind)?;
                let t = second.ok_or_else(|| invalid(self.kind, "missing operand"))?;
                if let Operand::Value(v) = &t {
                    let ok = matches!(v, AttributeValue::S(s) if ["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"].contains(&s.as_str()));
                    if !ok {
                        return Err(invalid(self.kind, format!("Invalid attribute type name found; type: {}, valid types: {{ B,N,S,BOOL,NULL,SS,NS,BS,L,M }}", describe_plain(v))));
                    }
                }
                Cond::Type(p, t)
            }
            "begins_with" => {
                let (a, b) = (first.unwrap_or(Operand::Path(Path(vec![]))), second.unwrap_or(Operand::Path(Path(vec![]))));
                for o in [&a, &b] {
                    if let Operand::Value(v) = o {
                        if !matches!(v, AttributeValue::S(_) | AttributeValue::B(_)) {
                            return Err(invalid(
                                self.kind,
                                format!("Incorrect operand type for operator or function; operator or function: begins_with, operand type: {}", v.type_name()),
                            ));
                        }
                    }
                }
                Cond::BeginsWith(a, b)
            }
            _ => Cond::Contains(first.unwrap_or(Operand::Path(Path(vec![]))), second.unwrap_or(Operand::Path(Path(vec![])))),
        })
    }
}

fn is_condition_function(w: &str) -> bool {
    // Function names are case-sensitive in DynamoDB.
    ["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains"].contains(&w)
}

fn operand_type(o: &Operand) -> String {
    match o {
        Operand::Value(v) => v.type_name().to_string(),
        Operand::Size(_) => "N".into(),
        Operand::Path(_) => "PATH".into(),
    }
}

/// Ordering comparisons and BETWEEN take scalars (S, N, B); a literal of another type is refused.
fn check_comparable(kind: Kind, op: &str, o: &Operand) -> Result<(), AwsError> {
    if let Operand::Value(v) = o {
        if op != "=" && op != "<>" && !matches!(v, AttributeValue::S(_) | AttributeValue::N(_) | AttributeValue::B(_)) {
            return Err(invalid(kind, format!("Incorrect operand type for operator or function; operator or function: {op}, operand type: {}", v.type_name())));
        }
    }
    Ok(())
}

fn describe(v: &AttributeValue) -> String {
    format!("{{{}:{}}}", v.type_name(), describe_plain(v))
}

fn describe_plain(v: &AttributeValue) -> String {
    match v {
        AttributeValue::S(s) => s.clone(),
        AttributeValue::N(n) => n.to_string(),
        other => other.to_json().to_string(),
    }
}

/// Parses a condition or filter expression.
pub fn condition(text: &str, kind: Kind, ph: &mut Placeholders) -> Result<Cond, AwsError> {
    let mut p = start(text, kind, ph)?;
    let c = *p.or()?;
    p.done()?;
    Ok(c)
}

/// Parses a projection expression: comma-separated document paths, none overlapping.
pub fn projection(text: &str, ph: &mut Placeholders) -> Result<Vec<Path>, AwsError> {
    let kind = Kind::Projection;
    let mut p = start(text, kind, ph)?;
    let mut paths = vec![p.path()?];
    while p.peek() == Some(&Tok::Comma) {
        p.pos += 1;
        paths.push(p.path()?);
    }
    p.done()?;
    check_overlaps(kind, &paths)?;
    Ok(paths)
}

/// Two paths may not overlap (one a prefix of the other) or conflict (the same position used as
/// both a map key and a list index).
pub fn check_overlaps(kind: Kind, paths: &[Path]) -> Result<(), AwsError> {
    let mut sorted: Vec<&Path> = paths.iter().collect();
    sorted.sort();
    for w in sorted.windows(2) {
        let (a, b) = (&w[0].0, &w[1].0);
        if b.starts_with(a) {
            return Err(invalid(
                kind,
                format!("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}", w[0].describe(), w[1].describe()),
            ));
        }
    }
    for (i, a) in paths.iter().enumerate() {
        for b in &paths[i + 1..] {
            let common = a.0.iter().zip(&b.0).take_while(|(x, y)| x == y).count();
            if let (Some(x), Some(y)) = (a.0.get(common), b.0.get(common)) {
                if std::mem::discriminant(x) != std::mem::discriminant(y) {
                    return Err(invalid(
                        kind,
                        format!("Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {}, path two: {}", a.describe(), b.describe()),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Parses an update expression: `SET`, `REMOVE`, `ADD` and `DELETE` clauses, each at most once,
/// with no two document paths overlapping.
pub fn update(text: &str, ph: &mut Placeholders) -> Result<Vec<super::update::Action>, AwsError> {
    use super::update::{Action, SetValue, UOperand};
    let kind = Kind::Update;
    let mut p = start(text, kind, ph)?;
    let mut actions = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    fn clause_keyword(t: Option<&Tok>) -> Option<String> {
        match t {
            Some(Tok::Ident(w)) if ["SET", "REMOVE", "ADD", "DELETE"].iter().any(|k| k.eq_ignore_ascii_case(w)) => Some(w.to_ascii_uppercase()),
            _ => None,
        }
    }
    fn uoperand(p: &mut Parser) -> Result<UOperand, AwsError> {
        match p.peek().cloned() {
            Some(Tok::Value(v)) => {
                p.pos += 1;
                Ok(UOperand::Value(p.value(&v)?))
            }
            Some(Tok::Ident(w)) if p.toks.get(p.pos + 1).map(|t| &t.tok) == Some(&Tok::LParen) => {
                p.pos += 2;
                p.operator()?;
                p.enter()?;
                let out = match w.as_str() {
                    "if_not_exists" => {
                        let path = p.path()?;
                        p.expect(Tok::Comma)?;
                        let dflt = uoperand(p)?;
                        UOperand::IfNotExists(path, Box::new(dflt))
                    }
                    "list_append" => {
                        let a = uoperand(p)?;
                        p.expect(Tok::Comma)?;
                        let b = uoperand(p)?;
                        UOperand::ListAppend(Box::new(a), Box::new(b))
                    }
                    other if is_condition_function(other) || other == "size" => {
                        return Err(invalid(p.kind, format!("The function is not allowed in an update expression; function: {other}")));
                    }
                    other => return Err(invalid(p.kind, format!("Invalid function name; function: {other}"))),
                };
                p.expect(Tok::RParen)?;
                p.depth -= 1;
                Ok(out)
            }
            Some(Tok::Ident(_)) | Some(Tok::Name(_)) => Ok(UOperand::Path(p.path()?)),
            _ => Err(p.syntax_error()),
        }
    }
    let java_type = |v: &AttributeValue| match v {
        AttributeValue::S(_) => "STRING",
        AttributeValue::N(_) => "NUMBER",
        AttributeValue::B(_) => "BINARY",
        AttributeValue::Bool(_) => "BOOLEAN",
        AttributeValue::Null => "NULL",
        AttributeValue::L(_) => "LIST",
        AttributeValue::M(_) => "MAP",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Bs(_) => "BS",
    };
    while p.pos < p.toks.len() {
        let Some(clause) = clause_keyword(p.peek()) else { return Err(p.syntax_error()) };
        if seen.contains(&clause) {
            return Err(invalid(kind, format!("The \"{clause}\" section can only be used once in an update expression;")));
        }
        seen.push(clause.clone());
        p.pos += 1;
        loop {
            let path = p.path()?;
            match clause.as_str() {
                "SET" => {
                    p.expect(Tok::Eq)?;
                    let a = uoperand(&mut p)?;
                    let v = match p.peek() {
                        Some(Tok::Plus) | Some(Tok::Minus) => {
                            let plus = p.peek() == Some(&Tok::Plus);
                            p.pos += 1;
                            p.operator()?;
                            let b = uoperand(&mut p)?;
                            if plus {
                                SetValue::Plus(a, b)
                            } else {
                                SetValue::Minus(a, b)
                            }
                        }
                        _ => SetValue::Operand(a),
                    };
                    actions.push(Action::Set(path, v));
                }
                "REMOVE" => actions.push(Action::Remove(path)),
                _ => {
                    let Some(Tok::Value(key)) = p.peek().cloned() else { return Err(p.syntax_error()) };
                    p.pos += 1;
                    let v = p.value(&key)?;
                    let ok = match clause.as_str() {
                        "ADD" => matches!(v, AttributeValue::N(_) | AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)),
                        _ => matches!(v, AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)),
                    };
                    if !ok {
                        return Err(invalid(kind, format!("Incorrect operand type for operator or function; operator: {clause}, operand type: {}", java_type(&v))));
                    }
                    actions.push(if clause == "ADD" { Action::Add(path, v) } else { Action::Delete(path, v) });
                }
            }
            if p.peek() == Some(&Tok::Comma) {
                p.pos += 1;
                continue;
            }
            break;
        }
    }
    let paths: Vec<Path> = actions.iter().map(|a| a.path().clone()).collect();
    check_overlaps(kind, &paths)?;
    Ok(actions)
}
