//! The JSONata lexer and Pratt parser: expression text to a [`Node`] tree, parsed once when the
//! state machine is created. Binding powers follow the JSONata reference implementation
//! (`.` 75, `[` and `(` 80, `{` 70, `*` `/` `%` 60, `+` `-` `&` 50, comparisons, `in`, `~>` 40,
//! `and` 30, `or` 25, `? :` and `..` 20, `:=` 10).

use super::Error;

/// An expression's syntax tree.
#[derive(Debug, Clone)]
pub enum Node {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    Regex(Box<Regex>),
    /// A field name (`Account`, `` `Product Name` ``).
    Name(String),
    /// `*`: every field value.
    Wild,
    /// `**`: every descendant.
    Descend,
    /// `$` (empty name: the context item) or `$name`.
    Var(String),
    /// `$$`: the expression's input.
    Root,
    /// `a.b`: `b` evaluated for each item of `a`, results flattened; `keep` when `[]` appears.
    Map(Box<Node>, Box<Node>, bool),
    /// `a[p]`: a predicate or index.
    Filter(Box<Node>, Box<Node>),
    /// `a[]`: keep a singleton result an array.
    KeepArray(Box<Node>),
    Neg(Box<Node>),
    Bin(Op, Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    /// `a ?? b` (a if defined) and `a ?: b` (a if truthy).
    Coalesce(Box<Node>, Box<Node>),
    Elvis(Box<Node>, Box<Node>),
    Cond(Box<Node>, Box<Node>, Option<Box<Node>>),
    /// `a..b`, inside an array constructor.
    Range(Box<Node>, Box<Node>),
    Array(Vec<Node>),
    /// `{k: v, ...}` over the context.
    Object(Vec<(Node, Node)>),
    /// `a{k: v, ...}`: group the items of `a`.
    Group(Box<Node>, Vec<(Node, Node)>),
    Block(Vec<Node>),
    Bind(String, Box<Node>),
    Lambda(Vec<String>, Box<Node>),
    Call(Box<Node>, Vec<Node>),
    /// `?` in a call's arguments: partial application.
    Placeholder,
    /// `a ~> f`.
    Chain(Box<Node>, Box<Node>),
    /// `a^(<x, >y)`: sort, `true` for descending.
    Sort(Box<Node>, Vec<(Node, bool)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Concat,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Mod => "%",
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::In => "in",
            Op::Concat => "&",
        }
    }
}

/// A regular expression literal `/pattern/flags`.
#[derive(Debug, Clone)]
pub struct Regex {
    pub pattern: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Num(f64),
    /// A name; `true` when it was back-quoted (never a keyword).
    Name(String, bool),
    Var(String),
    Root,
    Op(&'static str),
    Regex(String, String),
    End,
}

const OPS: [&str; 36] = [
    "..", ":=", "!=", "<=", ">=", "~>", "**", "??", "?:", ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "^", "&",
    "!", "~", "λ",
];

/// Nesting deeper than this is refused (a runaway expression must not exhaust the stack).
const MAX_NESTING: usize = 150;

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, Error> {
    let chars: Vec<char> = src.chars().collect();
    let mut out: Vec<(Tok, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // Comments.
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let mut j = i + 2;
            loop {
                if j + 1 >= chars.len() {
                    return Err(Error::new("S0106", "Comment has no closing tag", start));
                }
                if chars[j] == '*' && chars[j + 1] == '/' {
                    break;
                }
                j += 1;
            }
            i = j + 2;
            continue;
        }
        // A regex where an operand is expected.
        let prefix = match out.last() {
            None => true,
            Some((Tok::Op(o), _)) => !matches!(*o, ")" | "]" | "}"),
            _ => false,
        };
        if c == '/' && prefix {
            let mut j = i + 1;
            let mut pat = String::new();
            let mut depth = 0;
            loop {
                let Some(&d) = chars.get(j) else { return Err(Error::new("S0302", "No terminating / in regular expression", start)) };
                if d == '\\' {
                    pat.push(d);
                    if let Some(&e) = chars.get(j + 1) {
                        pat.push(e);
                    }
                    j += 2;
                    continue;
                }
                if d == '[' {
                    depth += 1;
                } else if d == ']' && depth > 0 {
                    depth -= 1;
                } else if d == '/' && depth == 0 {
                    break;
                }
                pat.push(d);
                j += 1;
            }
            if pat.is_empty() {
                return Err(Error::new("S0301", "Empty regular expressions are not allowed", start));
            }
            j += 1;
            let mut flags = String::new();
            while let Some(&f) = chars.get(j) {
                if f.is_ascii_alphabetic() {
                    flags.push(f);
                    j += 1;
                } else {
                    break;
                }
            }
            out.push((Tok::Regex(pat, flags), start));
            i = j;
            continue;
        }
        if c == '"' || c == '\'' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                let Some(&d) = chars.get(j) else { return Err(Error::new("S0101", "String literal must be terminated by a matching quote", start)) };
                if d == c {
                    break;
                }
                if d == '\\' {
                    let Some(&e) = chars.get(j + 1) else { return Err(Error::new("S0101", "String literal must be terminated by a matching quote", start)) };
                    j += 2;
                    match e {
                        '"' | '\\' | '/' | '\'' => s.push(e),
                        'b' => s.push('\u{8}'),
                        'f' => s.push('\u{c}'),
                        'n' => s.push('\n'),
                        'r' => s.push('\r'),
                        't' => s.push('\t'),
                        'u' => {
                            let hex: String = chars.get(j..j + 4).map(|h| h.iter().collect()).unwrap_or_default();
                            let Ok(code) = u32::from_str_radix(&hex, 16) else { return Err(Error::new("S0104", "The escape sequence \\u must be followed by 4 hex digits", j)) };
                            j += 4;
                            // A surrogate pair.
                            if (0xD800..0xDC00).contains(&code) && chars.get(j) == Some(&'\\') && chars.get(j + 1) == Some(&'u') {
                                let lo: String = chars.get(j + 2..j + 6).map(|h| h.iter().collect()).unwrap_or_default();
                                if let Ok(lo) = u32::from_str_radix(&lo, 16) {
                                    if (0xDC00..0xE000).contains(&lo) {
                                        j += 6;
                                        s.extend(char::from_u32(0x10000 + ((code - 0xD800) << 10) + (lo - 0xDC00)));
                                        continue;
                                    }
                                }
                            }
                            s.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                        other => return Err(Error::new("S0103", format!("Unsupported escape sequence: \\{other}"), j)),
                    }
                    continue;
                }
                s.push(d);
                j += 1;
            }
            out.push((Tok::Str(s), start));
            i = j + 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) && prefix) {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            // A fraction, but not the range operator `..`.
            if chars.get(j) == Some(&'.') && chars.get(j + 1).is_some_and(|d| d.is_ascii_digit()) {
                j += 1;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
            }
            if matches!(chars.get(j), Some('e' | 'E')) {
                let mut k = j + 1;
                if matches!(chars.get(k), Some('+' | '-')) {
                    k += 1;
                }
                if chars.get(k).is_some_and(|d| d.is_ascii_digit()) {
                    j = k;
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                }
            }
            let text: String = chars[i..j].iter().collect();
            let n: f64 = text.parse().map_err(|_| Error::new("S0102", format!("Number out of range: {text}"), start))?;
            if !n.is_finite() {
                return Err(Error::new("S0102", format!("Number out of range: {text}"), start));
            }
            out.push((Tok::Num(n), start));
            i = j;
            continue;
        }
        if c == '`' {
            let mut j = i + 1;
            let mut s = String::new();
            loop {
                let Some(&d) = chars.get(j) else { return Err(Error::new("S0105", "Quoted property name must be terminated with a backquote (`)", start)) };
                if d == '`' {
                    break;
                }
                s.push(d);
                j += 1;
            }
            out.push((Tok::Name(s, true), start));
            i = j + 1;
            continue;
        }
        if c == '$' {
            if chars.get(i + 1) == Some(&'$') {
                out.push((Tok::Root, start));
                i += 2;
                continue;
            }
            let mut j = i + 1;
            while j < chars.len() && is_name_char(chars[j]) {
                j += 1;
            }
            out.push((Tok::Var(chars[i + 1..j].iter().collect()), start));
            i = j;
            continue;
        }
        if let Some(op) = OPS.iter().find(|op| {
            let oc: Vec<char> = op.chars().collect();
            chars.get(i..i + oc.len()) == Some(&oc[..])
        }) {
            // `?:` only as the Elvis operator, not `a ? :`.
            out.push((Tok::Op(op), start));
            i += op.chars().count();
            continue;
        }
        if is_name_char(c) {
            let mut j = i;
            while j < chars.len() && is_name_char(chars[j]) {
                j += 1;
            }
            let name: String = chars[i..j].iter().collect();
            let tok = match name.as_str() {
                "and" => Tok::Op("and"),
                "or" => Tok::Op("or"),
                "in" => Tok::Op("in"),
                _ => Tok::Name(name, false),
            };
            out.push((tok, start));
            i = j;
            continue;
        }
        return Err(Error::new("S0204", format!("Unknown operator: \"{c}\""), start));
    }
    out.push((Tok::End, chars.len()));
    Ok(out)
}

fn is_name_char(c: char) -> bool {
    !c.is_whitespace() && !"[]{}()|.,;:?!=<>+-*/%&^~@#$\"'`λ".contains(c)
}

fn bp(t: &Tok) -> u8 {
    match t {
        Tok::Op(o) => match *o {
            "." => 75,
            "[" | "(" | "@" | "#" => 80,
            "{" => 70,
            "*" | "/" | "%" => 60,
            "+" | "-" | "&" => 50,
            "=" | "!=" | "<" | "<=" | ">" | ">=" | "^" | "~>" | "in" | "??" | "?:" => 40,
            "and" => 30,
            "or" => 25,
            "?" | ".." => 20,
            ":=" => 10,
            _ => 0,
        },
        _ => 0,
    }
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    at: usize,
    depth: usize,
    stack_base: usize,
}

pub fn parse(src: &str) -> Result<Node, Error> {
    let mut p = Parser { toks: lex(src)?, at: 0, depth: 0, stack_base: super::stack_mark() };
    if p.peek() == &Tok::End {
        return Err(Error::new("S0207", "Unexpected end of expression", 0));
    }
    let n = p.expression(0)?;
    if p.peek() != &Tok::End {
        return Err(Error::new("S0201", format!("Syntax error: {}", p.describe()), p.pos()));
    }
    Ok(n)
}

fn b(n: Node) -> Box<Node> {
    Box::new(n)
}

fn keeps(n: &Node) -> bool {
    match n {
        Node::KeepArray(_) => true,
        Node::Map(_, _, k) => *k,
        Node::Filter(l, _) | Node::Sort(l, _) => keeps(l),
        _ => false,
    }
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.at.min(self.toks.len() - 1)].0
    }
    fn pos(&self) -> usize {
        self.toks[self.at.min(self.toks.len() - 1)].1
    }
    fn describe(&self) -> String {
        match self.peek() {
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Num(n) => n.to_string(),
            Tok::Name(n, _) => n.clone(),
            Tok::Var(v) => format!("${v}"),
            Tok::Root => "$$".into(),
            Tok::Op(o) => o.to_string(),
            Tok::Regex(p, _) => format!("/{p}/"),
            Tok::End => "(end)".into(),
        }
    }
    fn advance(&mut self) -> (Tok, usize) {
        let t = self.toks[self.at.min(self.toks.len() - 1)].clone();
        if self.at < self.toks.len() {
            self.at += 1;
        }
        t
    }
    fn is_op(&self, o: &str) -> bool {
        matches!(self.peek(), Tok::Op(x) if *x == o)
    }
    fn expect(&mut self, o: &str) -> Result<(), Error> {
        if self.is_op(o) {
            self.advance();
            return Ok(());
        }
        if self.peek() == &Tok::End {
            return Err(Error::new("S0203", format!("Expected \"{o}\" before end of expression"), self.pos()));
        }
        Err(Error::new("S0202", format!("Expected \"{o}\", got \"{}\"", self.describe()), self.pos()))
    }

    fn expression(&mut self, rbp: u8) -> Result<Node, Error> {
        self.depth += 1;
        if self.depth > MAX_NESTING || super::stack_mark().abs_diff(self.stack_base) > super::MAX_STACK {
            return Err(Error::new("S0208", "The expression is nested too deeply", self.pos()));
        }
        let (t, pos) = self.advance();
        let mut left = self.nud(t, pos)?;
        while rbp < bp(self.peek()) {
            let (t, pos) = self.advance();
            left = self.led(t, pos, left)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    fn nud(&mut self, t: Tok, pos: usize) -> Result<Node, Error> {
        Ok(match t {
            Tok::Str(s) => Node::Str(s),
            Tok::Num(n) => Node::Num(n),
            Tok::Regex(pattern, flags) => {
                if let Some(f) = flags.chars().next() {
                    return Err(Error::new("S0302", format!("The regular expression flag {f} is not simulated in this sandbox"), pos));
                }
                Node::Regex(Box::new(Regex { pattern }))
            }
            Tok::Name(n, true) => Node::Name(n),
            Tok::Name(n, false) => match n.as_str() {
                "true" => Node::Bool(true),
                "false" => Node::Bool(false),
                "null" => Node::Null,
                "function" if self.is_op("(") => self.lambda()?,
                _ => Node::Name(n),
            },
            Tok::Var(v) => Node::Var(v),
            Tok::Root => Node::Root,
            Tok::Op(o) => match o {
                "and" | "or" | "in" => Node::Name(o.to_string()),
                "λ" if self.is_op("(") => self.lambda()?,
                "-" => Node::Neg(b(self.expression(70)?)),
                "*" => Node::Wild,
                "**" => Node::Descend,
                "?" => Node::Placeholder,
                "%" => return Err(Error::new("S0217", "The parent operator % is not simulated in this sandbox", pos)),
                "|" => return Err(Error::new("S0217", "The transform operator |...|...| is not simulated in this sandbox", pos)),
                "(" => {
                    let mut items = Vec::new();
                    while !self.is_op(")") {
                        items.push(self.expression(0)?);
                        if !self.is_op(";") {
                            break;
                        }
                        self.advance();
                    }
                    self.expect(")")?;
                    Node::Block(items)
                }
                "[" => {
                    let mut items = Vec::new();
                    if !self.is_op("]") {
                        loop {
                            let item = self.expression(0)?;
                            let item = if self.is_op("..") {
                                self.advance();
                                Node::Range(b(item), b(self.expression(0)?))
                            } else {
                                item
                            };
                            items.push(item);
                            if !self.is_op(",") {
                                break;
                            }
                            self.advance();
                        }
                    }
                    self.expect("]")?;
                    Node::Array(items)
                }
                "{" => Node::Object(self.pairs()?),
                _ => return Err(Error::new("S0211", format!("The symbol {o} cannot be used as a unary operator"), pos)),
            },
            Tok::End => return Err(Error::new("S0207", "Unexpected end of expression", pos)),
        })
    }

    fn lambda(&mut self) -> Result<Node, Error> {
        self.expect("(")?;
        let mut params = Vec::new();
        while !self.is_op(")") {
            match self.advance() {
                (Tok::Var(v), _) => params.push(v),
                (_, p) => return Err(Error::new("S0208", "Parameter of a function definition must be a variable name (start with $)", p)),
            }
            if !self.is_op(",") {
                break;
            }
            self.advance();
        }
        self.expect(")")?;
        // A type signature `<n-n:n>` is accepted and not checked.
        if self.is_op("<") {
            let mut depth = 0;
            loop {
                match self.advance() {
                    (Tok::Op("<"), _) => depth += 1,
                    (Tok::Op(">"), _) => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    (Tok::End, p) => return Err(Error::new("S0402", "Unterminated function signature", p)),
                    _ => {}
                }
            }
        }
        self.expect("{")?;
        let body = if self.is_op("}") { Node::Block(Vec::new()) } else { self.expression(0)? };
        self.expect("}")?;
        Ok(Node::Lambda(params, b(body)))
    }

    fn pairs(&mut self) -> Result<Vec<(Node, Node)>, Error> {
        let mut pairs = Vec::new();
        if !self.is_op("}") {
            loop {
                let k = self.expression(0)?;
                self.expect(":")?;
                let v = self.expression(0)?;
                pairs.push((k, v));
                if !self.is_op(",") {
                    break;
                }
                self.advance();
            }
        }
        self.expect("}")?;
        Ok(pairs)
    }

    fn led(&mut self, t: Tok, pos: usize, left: Node) -> Result<Node, Error> {
        let Tok::Op(o) = t else { return Err(Error::new("S0201", "Syntax error", pos)) };
        let binary = |op: Op, p: &mut Parser, left: Node| -> Result<Node, Error> { Ok(Node::Bin(op, b(left), b(p.expression(bp(&Tok::Op(o)))?))) };
        Ok(match o {
            "." => {
                let right = self.expression(75)?;
                let keep = keeps(&left) || keeps(&right);
                Node::Map(b(left), b(right), keep)
            }
            "[" => {
                if self.is_op("]") {
                    self.advance();
                    Node::KeepArray(b(left))
                } else {
                    let p = self.expression(0)?;
                    self.expect("]")?;
                    Node::Filter(b(left), b(p))
                }
            }
            "{" => Node::Group(b(left), self.pairs()?),
            "(" => {
                let mut args = Vec::new();
                while !self.is_op(")") {
                    args.push(self.expression(0)?);
                    if !self.is_op(",") {
                        break;
                    }
                    self.advance();
                }
                self.expect(")")?;
                Node::Call(b(left), args)
            }
            "^" => {
                self.expect("(")?;
                let mut terms = Vec::new();
                loop {
                    let desc = if self.is_op(">") {
                        self.advance();
                        true
                    } else {
                        if self.is_op("<") {
                            self.advance();
                        }
                        false
                    };
                    terms.push((self.expression(0)?, desc));
                    if !self.is_op(",") {
                        break;
                    }
                    self.advance();
                }
                self.expect(")")?;
                Node::Sort(b(left), terms)
            }
            "?" => {
                let then = self.expression(0)?;
                let otherwise = if self.is_op(":") {
                    self.advance();
                    Some(b(self.expression(0)?))
                } else {
                    None
                };
                Node::Cond(b(left), b(then), otherwise)
            }
            ":=" => {
                let Node::Var(name) = left else { return Err(Error::new("S0212", "The left side of := must be a variable name (start with $)", pos)) };
                Node::Bind(name, b(self.expression(9)?))
            }
            "~>" => Node::Chain(b(left), b(self.expression(40)?)),
            ".." => Node::Range(b(left), b(self.expression(20)?)),
            "and" => Node::And(b(left), b(self.expression(30)?)),
            "or" => Node::Or(b(left), b(self.expression(25)?)),
            "??" => Node::Coalesce(b(left), b(self.expression(40)?)),
            "?:" => Node::Elvis(b(left), b(self.expression(40)?)),
            "+" => binary(Op::Add, self, left)?,
            "-" => binary(Op::Sub, self, left)?,
            "*" => binary(Op::Mul, self, left)?,
            "/" => binary(Op::Div, self, left)?,
            "%" => binary(Op::Mod, self, left)?,
            "=" => binary(Op::Eq, self, left)?,
            "!=" => binary(Op::Ne, self, left)?,
            "<" => binary(Op::Lt, self, left)?,
            "<=" => binary(Op::Le, self, left)?,
            ">" => binary(Op::Gt, self, left)?,
            ">=" => binary(Op::Ge, self, left)?,
            "in" => binary(Op::In, self, left)?,
            "&" => binary(Op::Concat, self, left)?,
            "@" | "#" => return Err(Error::new("S0217", format!("The {o} binding operator is not simulated in this sandbox"), pos)),
            _ => return Err(Error::new("S0201", format!("Syntax error: \"{o}\""), pos)),
        })
    }
}
