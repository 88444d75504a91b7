//! Parser for DynamoDB's PartiQL statements: SELECT, INSERT, UPDATE, DELETE (and the
//! `FROM t WHERE ... SET ...` form of UPDATE), and `EXISTS(SELECT ...)` for transactions.
//!
//! Expressions use PartiQL's precedence (OR < AND < NOT < `=` `<>` IS IN < `<` `>` BETWEEN LIKE
//! < `+` `-` `||` < `*` `/` `%`), parsed by precedence climbing with a bounded depth, so hostile
//! input is refused without deep recursion. Keywords are PartiQL's (SQL-92 plus PartiQL's own):
//! a keyword used as a bare attribute name is refused as AWS's parser refuses it, and must be
//! written as a quoted identifier (`"value"`).
//!
//! Syntax errors carry the reference parser's wording (`Unexpected term`, `Unexpected keyword`,
//! `Unexpected token after expression`, ...); the caller wraps them in DynamoDB's envelope
//! `Statement wasn't well formed, can't be processed: ...`.

use super::lexer::{lex, Pos, Tok, Token};

/// Deepest expression nesting the parser follows before refusing.
pub const MAX_DEPTH: usize = 100;
/// Most infix operators in one statement. A chain `a OR b OR ...` nests one level per operator
/// in the tree, so this bounds every later walk of it too.
pub const MAX_OPERATORS: usize = 1000;

/// Why a statement did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// A syntax error; DynamoDB answers `Statement wasn't well formed, can't be processed: {0}`.
    Syntax(String),
    /// A refusal DynamoDB words on its own (`Aliasing is not supported`).
    Plain(String),
}

fn syntax<T>(msg: &str) -> Result<T, ParseError> {
    Err(ParseError::Syntax(msg.to_string()))
}

/// One step of a document path after its first name.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Attr(String),
    /// `[n]` with a number literal (as written; it may be negative or fractional).
    Index(String, Pos),
    /// `[expr]` with anything else, `.*`, `[*]`: refused when the path is used.
    Other(Pos),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PathAst {
    pub root: String,
    pub segs: Vec<Seg>,
    pub pos: Pos,
}

impl PathAst {
    /// The path as written, for messages (`a.b[1]`).
    pub fn text(&self) -> String {
        let mut s = self.root.clone();
        for seg in &self.segs {
            match seg {
                Seg::Attr(a) => {
                    s.push('.');
                    s.push_str(a);
                }
                Seg::Index(i, _) => s.push_str(&format!("[{i}]")),
                Seg::Other(_) => s.push_str("[?]"),
            }
        }
        s
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    And,
    Or,
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
    Concat,
    Like,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::And => "and",
            Op::Or => "or",
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Mod => "%",
            Op::Concat => "||",
            Op::Like => "like",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Path(PathAst),
    /// `?`, numbered from 0 in the order they appear.
    Param(usize, Pos),
    Str(String),
    Num(String, Pos),
    Bool(bool),
    Null,
    Missing,
    List(Vec<Expr>, Pos),
    Bag(Vec<Expr>, Pos),
    Struct(Vec<(Expr, Expr)>, Pos),
    Not(Box<Expr>),
    Neg(Box<Expr>, Pos),
    Bin(Op, Box<Expr>, Box<Expr>),
    Between {
        e: Box<Expr>,
        lo: Box<Expr>,
        hi: Box<Expr>,
        negated: bool,
    },
    In {
        e: Box<Expr>,
        list: Box<Expr>,
        negated: bool,
    },
    /// `IS [NOT] type`, with the type's canonical upper-case name (`NULL`, `MISSING`, `BOOLEAN`).
    Is {
        e: Box<Expr>,
        ty: String,
        negated: bool,
    },
    /// A function call; the name lower-cased, as PartiQL looks functions up.
    Call(String, Vec<Expr>, Pos),
    /// `*` inside a call (`count(*)`).
    Star(Pos),
    /// A sub-query (only meaningful as the argument of EXISTS).
    Select(Box<Select>, Pos),
    /// A path step applied to something that is not a name (`'a'.b`).
    BadPath(Pos),
}

impl Expr {
    /// Where the expression starts, when known.
    pub fn pos(&self) -> Option<Pos> {
        match self {
            Expr::Path(p) => Some(p.pos),
            Expr::Param(_, p)
            | Expr::Num(_, p)
            | Expr::List(_, p)
            | Expr::Bag(_, p)
            | Expr::Struct(_, p)
            | Expr::Neg(_, p)
            | Expr::Call(_, _, p)
            | Expr::Star(p)
            | Expr::Select(_, p)
            | Expr::BadPath(p) => Some(*p),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapping {
    AllOld,
    ModifiedOld,
    AllNew,
    ModifiedNew,
}

impl Mapping {
    pub fn text(self) -> &'static str {
        match self {
            Mapping::AllOld => "ALL OLD *",
            Mapping::ModifiedOld => "MODIFIED OLD *",
            Mapping::AllNew => "ALL NEW *",
            Mapping::ModifiedNew => "MODIFIED NEW *",
        }
    }
}

/// `RETURNING (ALL|MODIFIED) (OLD|NEW) *`, as written (validated by the translator).
#[derive(Debug, Clone, PartialEq)]
pub struct Returning {
    pub mapping: Mapping,
    pub star: bool,
    pub elements: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    pub expr: Expr,
    pub desc: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// None for `*`.
    pub projection: Option<Vec<Expr>>,
    pub distinct: bool,
    /// The FROM path: the table, and optionally an index.
    pub from: Vec<String>,
    pub where_: Option<Expr>,
    pub group_by: bool,
    pub having: bool,
    pub limit: bool,
    pub order_by: Vec<OrderItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DmlOp {
    Set(Vec<(PathAst, Expr)>),
    Remove(PathAst),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Select(Select),
    Insert {
        table: Vec<String>,
        value: Expr,
        at: bool,
        returning: Option<Returning>,
    },
    /// `INSERT INTO t <<...>>` and other multi-item forms.
    InsertMany,
    Update {
        table: Vec<String>,
        ops: Vec<DmlOp>,
        where_: Option<Expr>,
        returning: Option<Returning>,
    },
    Delete {
        table: Vec<String>,
        where_: Option<Expr>,
        returning: Option<Returning>,
    },
    /// `EXISTS(SELECT ...)`, a condition check in ExecuteTransaction.
    Exists(Box<Select>),
    /// A statement that is only an expression; the name is the kind of expression (for
    /// `Unsupported operation: {name}`), `n_ary` whether it is an operator or call.
    Expr {
        name: &'static str,
        n_ary: bool,
    },
}

/// A parsed statement and how many `?` parameters it uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub statement: Statement,
    pub params: usize,
}

/// SQL-92 keywords and PartiQL's own (the reference parser's list).
const KEYWORDS: &[&str] = &[
    "absolute",
    "action",
    "add",
    "all",
    "allocate",
    "alter",
    "and",
    "any",
    "are",
    "as",
    "asc",
    "assertion",
    "at",
    "authorization",
    "avg",
    "begin",
    "between",
    "bit",
    "bit_length",
    "by",
    "cascade",
    "cascaded",
    "case",
    "cast",
    "catalog",
    "char",
    "character",
    "character_length",
    "char_length",
    "check",
    "close",
    "coalesce",
    "collate",
    "collation",
    "column",
    "commit",
    "connect",
    "connection",
    "constraint",
    "constraints",
    "continue",
    "convert",
    "corresponding",
    "count",
    "create",
    "cross",
    "current",
    "current_date",
    "current_time",
    "current_timestamp",
    "current_user",
    "cursor",
    "date",
    "deallocate",
    "dec",
    "decimal",
    "declare",
    "default",
    "deferrable",
    "deferred",
    "delete",
    "desc",
    "describe",
    "descriptor",
    "diagnostics",
    "disconnect",
    "distinct",
    "domain",
    "double",
    "drop",
    "else",
    "end",
    "end-exec",
    "escape",
    "except",
    "exception",
    "exec",
    "execute",
    "exists",
    "external",
    "extract",
    "date_add",
    "date_diff",
    "false",
    "fetch",
    "first",
    "float",
    "for",
    "foreign",
    "found",
    "from",
    "full",
    "get",
    "global",
    "go",
    "goto",
    "grant",
    "group",
    "having",
    "identity",
    "immediate",
    "in",
    "indicator",
    "initially",
    "inner",
    "input",
    "insensitive",
    "insert",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isolation",
    "join",
    "key",
    "language",
    "last",
    "left",
    "level",
    "like",
    "local",
    "lower",
    "match",
    "max",
    "min",
    "module",
    "names",
    "national",
    "natural",
    "nchar",
    "next",
    "no",
    "not",
    "null",
    "nullif",
    "numeric",
    "octet_length",
    "of",
    "on",
    "only",
    "open",
    "option",
    "or",
    "order",
    "outer",
    "output",
    "overlaps",
    "pad",
    "partial",
    "position",
    "precision",
    "prepare",
    "preserve",
    "primary",
    "prior",
    "privileges",
    "procedure",
    "public",
    "read",
    "real",
    "references",
    "relative",
    "restrict",
    "revoke",
    "right",
    "rollback",
    "rows",
    "schema",
    "scroll",
    "section",
    "select",
    "session",
    "session_user",
    "set",
    "size",
    "smallint",
    "some",
    "space",
    "sql",
    "sqlcode",
    "sqlerror",
    "sqlstate",
    "substring",
    "sum",
    "system_user",
    "table",
    "temporary",
    "then",
    "time",
    "timestamp",
    "to",
    "transaction",
    "translate",
    "translation",
    "trim",
    "true",
    "union",
    "unique",
    "unknown",
    "update",
    "upper",
    "usage",
    "user",
    "using",
    "value",
    "values",
    "varchar",
    "varying",
    "view",
    "when",
    "whenever",
    "where",
    "with",
    "work",
    "write",
    "zone",
    // PartiQL
    "can_cast",
    "can_lossless_cast",
    "missing",
    "pivot",
    "unpivot",
    "limit",
    "offset",
    "tuple",
    "remove",
    "index",
    "let",
    "integer2",
    "int2",
    "integer4",
    "int4",
    "integer8",
    "int8",
    "bigint",
    "conflict",
    "do",
    "nothing",
    "returning",
    "modified",
    "new",
    "old",
    "bool",
    "boolean",
    "string",
    "symbol",
    "clob",
    "blob",
    "struct",
    "list",
    "sexp",
    "bag",
];

/// Keywords that name functions and may be called (`size(a)`).
const FUNCTION_KEYWORDS: &[&str] = &[
    "exists",
    "count",
    "avg",
    "max",
    "min",
    "sum",
    "substring",
    "char_length",
    "character_length",
    "octet_length",
    "bit_length",
    "upper",
    "lower",
    "size",
    "sexp",
    "list",
    "bag",
    "cast",
    "trim",
    "extract",
    "date_add",
    "date_diff",
    "coalesce",
    "nullif",
];

/// Keywords the reference lexer reads as operators.
const OPERATOR_KEYWORDS: &[&str] = &["and", "or", "is", "in", "like", "between", "union", "except", "intersect"];

pub fn is_keyword(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    KEYWORDS.contains(&w.as_str())
}

/// Type names IS accepts, with the canonical name DynamoDB reports.
fn type_name(words: &[String]) -> Option<(&'static str, usize)> {
    let first = words.first()?.as_str();
    let second = words.get(1).map(String::as_str);
    Some(match (first, second) {
        ("double", Some("precision")) => ("DOUBLE_PRECISION", 2),
        ("character", Some("varying")) => ("CHARACTER_VARYING", 2),
        ("null", _) => ("NULL", 1),
        ("missing", _) => ("MISSING", 1),
        ("bool" | "boolean", _) => ("BOOLEAN", 1),
        ("smallint" | "int2" | "integer2", _) => ("SMALLINT", 1),
        ("int4" | "integer4", _) => ("INTEGER4", 1),
        ("int8" | "integer8" | "bigint", _) => ("INTEGER8", 1),
        ("int" | "integer", _) => ("INTEGER", 1),
        ("float", _) => ("FLOAT", 1),
        ("real", _) => ("REAL", 1),
        ("decimal" | "dec", _) => ("DECIMAL", 1),
        ("numeric", _) => ("NUMERIC", 1),
        ("timestamp", _) => ("TIMESTAMP", 1),
        ("date", _) => ("DATE", 1),
        ("time", _) => ("TIME", 1),
        ("char" | "character", _) => ("CHARACTER", 1),
        ("varchar", _) => ("CHARACTER_VARYING", 1),
        ("string", _) => ("STRING", 1),
        ("symbol", _) => ("SYMBOL", 1),
        ("clob", _) => ("CLOB", 1),
        ("blob", _) => ("BLOB", 1),
        ("struct", _) => ("STRUCT", 1),
        ("tuple", _) => ("TUPLE", 1),
        ("list", _) => ("LIST", 1),
        ("sexp", _) => ("SEXP", 1),
        ("bag", _) => ("BAG", 1),
        ("any", _) => ("ANY", 1),
        _ => return None,
    })
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    depth: usize,
    params: usize,
    operators: usize,
}

/// Parses one statement.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let toks = lex(text).map_err(|_| ParseError::Syntax(String::new()))?;
    let mut p = Parser { toks, i: 0, depth: 0, params: 0, operators: 0 };
    let statement = p.statement()?;
    // One trailing semicolon is allowed.
    if p.peek() == &Tok::Semicolon && p.peek_at(1) == &Tok::Eof {
        p.i += 1;
    }
    if p.peek() != &Tok::Eof {
        return syntax("Unexpected token after expression");
    }
    Ok(Parsed { statement, params: p.params })
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.peek_at(0)
    }

    fn peek_at(&self, k: usize) -> &Tok {
        // The last token is always Eof.
        let last = self.toks.len() - 1;
        &self.toks[(self.i + k).min(last)].tok
    }

    fn pos(&self) -> Pos {
        let last = self.toks.len() - 1;
        self.toks[self.i.min(last)].pos
    }

    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    /// The current token as a lower-case keyword, if it is one.
    fn kw(&self) -> Option<String> {
        self.kw_at(0)
    }

    fn kw_at(&self, k: usize) -> Option<String> {
        match self.peek_at(k) {
            Tok::Word(w) if is_keyword(w) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn is_kw(&self, word: &str) -> bool {
        self.kw().as_deref() == Some(word)
    }

    fn eat_kw(&mut self, word: &str) -> bool {
        if self.is_kw(word) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: Tok, name: &str) -> Result<(), ParseError> {
        if self.peek() == &tok {
            self.bump();
            Ok(())
        } else {
            Err(ParseError::Syntax(format!("Expected {name}")))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return syntax("Expression nesting exceeds the supported depth");
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---- statements ----

    fn statement(&mut self) -> Result<Statement, ParseError> {
        match self.kw().as_deref() {
            Some("select") => {
                self.bump();
                Ok(Statement::Select(self.select()?))
            }
            Some("insert") if self.kw_at(1).as_deref() == Some("into") => {
                self.bump();
                self.bump();
                self.insert()
            }
            Some("update") => {
                self.bump();
                self.update()
            }
            Some("delete") => {
                self.bump();
                self.delete()
            }
            Some("from") => {
                self.bump();
                self.update_from_first()
            }
            _ => {
                let e = self.expr(0)?;
                if let Expr::Call(name, args, _) = &e {
                    if let (true, [Expr::Select(s, _)]) = (name == "exists", args.as_slice()) {
                        return Ok(Statement::Exists(s.clone()));
                    }
                }
                Ok(expr_statement(&e))
            }
        }
    }

    fn select(&mut self) -> Result<Select, ParseError> {
        let distinct = if self.eat_kw("distinct") {
            true
        } else {
            self.eat_kw("all");
            false
        };
        if self.is_kw("value") {
            return Err(ParseError::Plain("Select projection doesn't support value or pivot keywords".into()));
        }
        let projection = if self.peek() == &Tok::Star {
            self.bump();
            if self.peek() == &Tok::Comma {
                return syntax("Other expressions may not be present in the select list when '*' is used without dot notation.");
            }
            None
        } else {
            let mut items = Vec::new();
            loop {
                if self.peek() == &Tok::Star {
                    return syntax("Other expressions may not be present in the select list when '*' is used without dot notation.");
                }
                let e = self.expr(0)?;
                if self.is_kw("as") || matches!(self.peek(), Tok::Quoted(_)) || matches!(self.peek(), Tok::Word(w) if !is_keyword(w)) {
                    return Err(ParseError::Plain("Aliasing is not supported".into()));
                }
                items.push(e);
                if self.peek() == &Tok::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
            Some(items)
        };
        if !self.eat_kw("from") {
            return syntax("Expected FROM after SELECT list");
        }
        let from = self.select_source()?;
        let mut s = Select { projection, distinct, from, where_: None, group_by: false, having: false, limit: false, order_by: Vec::new() };
        if self.eat_kw("where") {
            s.where_ = Some(self.expr(0)?);
        }
        if self.is_kw("group") {
            self.bump();
            if !self.eat_kw("by") {
                return syntax("Expected BY");
            }
            s.group_by = true;
            self.expr_list()?;
        }
        if self.eat_kw("having") {
            s.having = true;
            self.expr(0)?;
        }
        if self.is_kw("order") {
            self.bump();
            if !self.eat_kw("by") {
                return syntax("Expected BY");
            }
            loop {
                let expr = self.expr(0)?;
                let desc = if self.eat_kw("desc") {
                    true
                } else {
                    self.eat_kw("asc");
                    false
                };
                s.order_by.push(OrderItem { expr, desc });
                if self.peek() == &Tok::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        if self.eat_kw("limit") {
            s.limit = true;
            self.expr(0)?;
        }
        Ok(s)
    }

    fn expr_list(&mut self) -> Result<Vec<Expr>, ParseError> {
        let mut v = vec![self.expr(0)?];
        while self.peek() == &Tok::Comma {
            self.bump();
            v.push(self.expr(0)?);
        }
        Ok(v)
    }

    /// A SELECT's FROM: `t`, `"t"`, `"t"."index"`, refusing aliases and joins.
    fn select_source(&mut self) -> Result<Vec<String>, ParseError> {
        let not_a_name = || ParseError::Plain("Invalid path dot component in this operation, expecting either an IDENTIFIER or STAR.".into());
        let names = match self.path_term()? {
            Expr::Path(p) => {
                let mut names = vec![p.root];
                for seg in p.segs {
                    match seg {
                        Seg::Attr(a) => names.push(a),
                        _ => return Err(not_a_name()),
                    }
                }
                names
            }
            _ => return Err(ParseError::Plain("Unexpected from source".into())),
        };
        self.refuse_alias()?;
        if self.peek() == &Tok::Comma || matches!(self.kw().as_deref(), Some("join" | "inner" | "left" | "right" | "full" | "outer" | "cross")) {
            return Err(ParseError::Plain("Only select from a single table or index is supported.".into()));
        }
        if names.len() > 2 {
            return Err(ParseError::Plain("A path may contain at most 2 components in the FROM clause".into()));
        }
        Ok(names)
    }

    /// `AS x`, or a bare name after a table: DynamoDB refuses aliases.
    fn refuse_alias(&mut self) -> Result<(), ParseError> {
        let alias = self.is_kw("as") || self.is_kw("at") || self.is_kw("by") || matches!(self.peek(), Tok::Quoted(_)) || matches!(self.peek(), Tok::Word(w) if !is_keyword(w));
        if alias {
            return Err(ParseError::Plain("Aliasing is not supported".into()));
        }
        Ok(())
    }

    /// A simple path: a name, then `.name` or `[literal]` steps.
    fn simple_path(&mut self) -> Result<PathAst, ParseError> {
        let pos = self.pos();
        let root = match self.peek().clone() {
            Tok::Word(w) if !is_keyword(&w) => w,
            Tok::Quoted(q) => q,
            _ => return syntax("Expected identifier for simple path"),
        };
        self.bump();
        let mut segs = Vec::new();
        loop {
            match self.peek().clone() {
                Tok::Dot => {
                    self.bump();
                    match self.bump() {
                        Tok::Word(w) if !is_keyword(&w) => segs.push(Seg::Attr(w)),
                        Tok::Quoted(q) => segs.push(Seg::Attr(q)),
                        Tok::Star => return syntax("Invalid path dot component for simple path"),
                        _ => return syntax("Invalid path dot component"),
                    }
                }
                Tok::LBracket => {
                    self.bump();
                    let at = self.pos();
                    match self.bump() {
                        Tok::Num(n) => segs.push(Seg::Index(n, at)),
                        Tok::Str(s) => segs.push(Seg::Attr(s)),
                        _ => return syntax("Invalid path component for simple path"),
                    }
                    self.expect(Tok::RBracket, "RIGHT_BRACKET")?;
                }
                _ => break,
            }
        }
        Ok(PathAst { root, segs, pos })
    }

    fn table_target(&mut self) -> Result<Vec<String>, ParseError> {
        let p = self.simple_path()?;
        let mut names = vec![p.root];
        for s in p.segs {
            match s {
                Seg::Attr(a) => names.push(a),
                _ => return Err(ParseError::Plain("Invalid path dot component in this operation, expecting either an IDENTIFIER or STAR.".into())),
            }
        }
        Ok(names)
    }

    fn insert(&mut self) -> Result<Statement, ParseError> {
        let table = self.table_target()?;
        if !self.eat_kw("value") {
            // `INSERT INTO t <<...>>`, `INSERT INTO t VALUES (...)`: several items.
            self.expr(0)?;
            if self.peek() != &Tok::Eof && self.peek() != &Tok::Semicolon {
                return syntax("Unexpected token after expression");
            }
            return Ok(Statement::InsertMany);
        }
        let value = self.expr(0)?;
        let at = if self.eat_kw("at") {
            self.expr(0)?;
            true
        } else {
            false
        };
        if self.is_kw("on") && self.kw_at(1).as_deref() == Some("conflict") {
            return Err(ParseError::Plain("Unsupported clause: ON CONFLICT".into()));
        }
        let returning = self.returning()?;
        Ok(Statement::Insert { table, value, at, returning })
    }

    fn dml_ops(&mut self) -> Result<Vec<DmlOp>, ParseError> {
        let mut ops = Vec::new();
        loop {
            if self.eat_kw("set") {
                let mut assigns = Vec::new();
                loop {
                    let target = self.simple_path()?;
                    self.expect(Tok::Eq, "EQ")?;
                    let value = self.expr(0)?;
                    assigns.push((target, value));
                    if self.peek() == &Tok::Comma {
                        self.bump();
                    } else {
                        break;
                    }
                }
                ops.push(DmlOp::Set(assigns));
            } else if self.eat_kw("remove") {
                ops.push(DmlOp::Remove(self.simple_path()?));
            } else {
                break;
            }
        }
        if ops.is_empty() {
            return syntax("Expected data manipulation");
        }
        Ok(ops)
    }

    fn update(&mut self) -> Result<Statement, ParseError> {
        let table = self.table_target()?;
        self.refuse_alias()?;
        let ops = self.dml_ops()?;
        let where_ = if self.eat_kw("where") { Some(self.expr(0)?) } else { None };
        let returning = self.returning()?;
        Ok(Statement::Update { table, ops, where_, returning })
    }

    fn update_from_first(&mut self) -> Result<Statement, ParseError> {
        let table = self.table_target()?;
        self.refuse_alias()?;
        let where_ = if self.eat_kw("where") { Some(self.expr(0)?) } else { None };
        let ops = self.dml_ops()?;
        let returning = self.returning()?;
        Ok(Statement::Update { table, ops, where_, returning })
    }

    fn delete(&mut self) -> Result<Statement, ParseError> {
        if !self.eat_kw("from") {
            return syntax("Expected FROM after DELETE");
        }
        let table = self.table_target()?;
        self.refuse_alias()?;
        let where_ = if self.eat_kw("where") { Some(self.expr(0)?) } else { None };
        let returning = self.returning()?;
        Ok(Statement::Delete { table, where_, returning })
    }

    fn returning(&mut self) -> Result<Option<Returning>, ParseError> {
        if !self.eat_kw("returning") {
            return Ok(None);
        }
        let mut first: Option<(Mapping, bool)> = None;
        let mut elements = 0;
        loop {
            let mapping = match (self.kw().as_deref(), self.kw_at(1).as_deref()) {
                (Some("all"), Some("old")) => Mapping::AllOld,
                (Some("all"), Some("new")) => Mapping::AllNew,
                (Some("modified"), Some("old")) => Mapping::ModifiedOld,
                (Some("modified"), Some("new")) => Mapping::ModifiedNew,
                _ => return syntax("Unexpected term"),
            };
            self.bump();
            self.bump();
            let star = if self.peek() == &Tok::Star {
                self.bump();
                true
            } else {
                self.expr(0)?;
                false
            };
            elements += 1;
            first.get_or_insert((mapping, star));
            if self.peek() == &Tok::Comma {
                self.bump();
            } else {
                break;
            }
        }
        let (mapping, star) = first.unwrap_or((Mapping::AllOld, true));
        Ok(Some(Returning { mapping, star, elements }))
    }

    // ---- expressions ----

    /// The infix operator at the current token: (precedence, operator kind, tokens it spans).
    fn infix(&self) -> Option<(u8, Infix, usize)> {
        let bin = |p: u8, op: Op| Some((p, Infix::Bin(op), 1));
        match self.peek() {
            Tok::Eq => bin(40, Op::Eq),
            Tok::Ne => bin(40, Op::Ne),
            Tok::Lt => bin(50, Op::Lt),
            Tok::Le => bin(50, Op::Le),
            Tok::Gt => bin(50, Op::Gt),
            Tok::Ge => bin(50, Op::Ge),
            Tok::Plus => bin(60, Op::Add),
            Tok::Minus => bin(60, Op::Sub),
            Tok::Concat => bin(60, Op::Concat),
            Tok::Star => bin(70, Op::Mul),
            Tok::Slash => bin(70, Op::Div),
            Tok::Percent => bin(70, Op::Mod),
            Tok::Word(_) => match self.kw()?.as_str() {
                "or" => bin(10, Op::Or),
                "and" => bin(20, Op::And),
                "is" => Some((40, Infix::Is, 1)),
                "in" => Some((40, Infix::In(false), 1)),
                "between" => Some((50, Infix::Between(false), 1)),
                "like" => Some((50, Infix::Like(false), 1)),
                "not" => match self.kw_at(1)?.as_str() {
                    "in" => Some((40, Infix::In(true), 2)),
                    "between" => Some((50, Infix::Between(true), 2)),
                    "like" => Some((50, Infix::Like(true), 2)),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    fn expr(&mut self, min: u8) -> Result<Expr, ParseError> {
        self.enter()?;
        let r = self.expr_inner(min);
        self.leave();
        r
    }

    fn expr_inner(&mut self, min: u8) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while let Some((prec, op, span)) = self.infix() {
            if prec <= min {
                break;
            }
            for _ in 0..span {
                self.bump();
            }
            self.operators += 1;
            if self.operators > MAX_OPERATORS {
                return syntax("Expression contains too many operators");
            }
            let rhs_missing = self.peek() == &Tok::Eof;
            if rhs_missing && !matches!(op, Infix::Is) && !(matches!(op, Infix::In(_)) && self.peek() == &Tok::LParen) {
                return syntax("Missing right-hand side expression of infix operator");
            }
            left = match op {
                Infix::Bin(op) => Expr::Bin(op, Box::new(left), Box::new(self.expr(prec)?)),
                Infix::Is => {
                    let negated = self.eat_kw("not");
                    let ty = self.type_name()?;
                    Expr::Is { e: Box::new(left), ty, negated }
                }
                Infix::In(negated) => {
                    let list = if self.peek() == &Tok::LParen && !matches!(self.kw_at(1).as_deref(), Some("select" | "values")) {
                        let pos = self.pos();
                        self.bump();
                        let items = self.args(Tok::RParen, "RIGHT_PAREN")?;
                        Expr::List(items, pos)
                    } else {
                        self.expr(prec)?
                    };
                    Expr::In { e: Box::new(left), list: Box::new(list), negated }
                }
                Infix::Between(negated) => {
                    let lo = self.expr(prec)?;
                    if !self.eat_kw("and") {
                        return syntax("Expected AND");
                    }
                    if self.peek() == &Tok::Eof {
                        return syntax("Expected expression after AND");
                    }
                    let hi = self.expr(prec)?;
                    Expr::Between { e: Box::new(left), lo: Box::new(lo), hi: Box::new(hi), negated }
                }
                Infix::Like(negated) => {
                    let rhs = self.expr(prec)?;
                    if self.eat_kw("escape") {
                        self.expr(prec)?;
                    }
                    let like = Expr::Bin(Op::Like, Box::new(left), Box::new(rhs));
                    if negated {
                        Expr::Not(Box::new(like))
                    } else {
                        like
                    }
                }
            };
        }
        Ok(left)
    }

    fn type_name(&mut self) -> Result<String, ParseError> {
        let mut words = Vec::new();
        for k in 0..2 {
            match self.peek_at(k) {
                Tok::Word(w) => words.push(w.to_ascii_lowercase()),
                _ => break,
            }
        }
        let Some((name, n)) = type_name(&words) else { return syntax("Expected type name") };
        for _ in 0..n {
            self.bump();
        }
        // Type parameters (`VARCHAR(10)`) are accepted and ignored.
        if self.peek() == &Tok::LParen {
            self.bump();
            self.args(Tok::RParen, "RIGHT_PAREN")?;
        }
        Ok(name.to_string())
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.is_kw("not") {
            self.bump();
            let e = self.expr(30)?;
            return Ok(Expr::Not(Box::new(e)));
        }
        match self.peek() {
            Tok::Minus | Tok::Plus => {
                let negative = self.peek() == &Tok::Minus;
                let pos = self.pos();
                self.bump();
                self.enter()?;
                let term = self.unary();
                self.leave();
                Ok(match (term?, negative) {
                    (Expr::Num(n, _), true) => Expr::Num(negate(&n), pos),
                    (other, true) => Expr::Neg(Box::new(other), pos),
                    (other, false) => other,
                })
            }
            _ => self.path_term(),
        }
    }

    fn path_term(&mut self) -> Result<Expr, ParseError> {
        let term = self.term()?;
        if !matches!(self.peek(), Tok::Dot | Tok::LBracket) {
            return Ok(term);
        }
        let mut path = match term {
            Expr::Path(p) => Some(p),
            _ => None,
        };
        let bad = self.pos();
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.bump();
                    let at = self.pos();
                    let seg = match self.bump() {
                        Tok::Word(w) if !is_keyword(&w) => Seg::Attr(w),
                        Tok::Quoted(q) => Seg::Attr(q),
                        Tok::Star => Seg::Other(at),
                        _ => return syntax("Invalid path dot component"),
                    };
                    if let Some(p) = &mut path {
                        p.segs.push(seg);
                    }
                }
                Tok::LBracket => {
                    self.bump();
                    let at = self.pos();
                    let seg = if self.peek() == &Tok::Star {
                        self.bump();
                        Seg::Other(at)
                    } else {
                        match self.expr(0)? {
                            Expr::Num(n, p) => Seg::Index(n, p),
                            Expr::Str(s) => Seg::Attr(s),
                            _ => Seg::Other(at),
                        }
                    };
                    self.expect(Tok::RBracket, "RIGHT_BRACKET")?;
                    if let Some(p) = &mut path {
                        p.segs.push(seg);
                    }
                }
                _ => break,
            }
        }
        Ok(match path {
            Some(p) => Expr::Path(p),
            None => Expr::BadPath(bad),
        })
    }

    /// Comma-separated expressions up to `close` (which is consumed).
    fn args(&mut self, close: Tok, name: &str) -> Result<Vec<Expr>, ParseError> {
        let mut items = Vec::new();
        if self.peek() == &close {
            self.bump();
            return Ok(items);
        }
        loop {
            items.push(self.expr(0)?);
            if self.peek() == &Tok::Comma {
                self.bump();
            } else {
                break;
            }
        }
        self.expect(close, name)?;
        Ok(items)
    }

    fn term(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let r = self.term_inner();
        self.leave();
        r
    }

    fn term_inner(&mut self) -> Result<Expr, ParseError> {
        let pos = self.pos();
        match self.peek().clone() {
            Tok::Word(w) => {
                let lower = w.to_ascii_lowercase();
                match lower.as_str() {
                    "true" | "false" => {
                        self.bump();
                        return Ok(Expr::Bool(lower == "true"));
                    }
                    "null" => {
                        self.bump();
                        return Ok(Expr::Null);
                    }
                    "missing" => {
                        self.bump();
                        return Ok(Expr::Missing);
                    }
                    _ => {}
                }
                if is_keyword(&lower) {
                    if lower == "select" {
                        self.bump();
                        return Ok(Expr::Select(Box::new(self.select()?), pos));
                    }
                    if FUNCTION_KEYWORDS.contains(&lower.as_str()) && self.peek_at(1) == &Tok::LParen {
                        self.bump();
                        self.bump();
                        return self.call(lower, pos);
                    }
                    if OPERATOR_KEYWORDS.contains(&lower.as_str()) {
                        return syntax("Unexpected operator");
                    }
                    return syntax("Unexpected keyword");
                }
                self.bump();
                if self.peek() == &Tok::LParen {
                    self.bump();
                    return self.call(lower, pos);
                }
                Ok(Expr::Path(PathAst { root: w, segs: Vec::new(), pos }))
            }
            Tok::Quoted(q) => {
                self.bump();
                if self.peek() == &Tok::LParen {
                    self.bump();
                    return self.call(q.to_ascii_lowercase(), pos);
                }
                Ok(Expr::Path(PathAst { root: q, segs: Vec::new(), pos }))
            }
            Tok::Str(s) => {
                self.bump();
                Ok(Expr::Str(s))
            }
            Tok::Num(n) => {
                self.bump();
                Ok(Expr::Num(n, pos))
            }
            Tok::Question => {
                self.bump();
                self.params += 1;
                Ok(Expr::Param(self.params - 1, pos))
            }
            Tok::Ion => Err(ParseError::Plain("Ion Literals are not supported".into())),
            Tok::LParen => {
                self.bump();
                if self.peek() == &Tok::RParen {
                    return syntax("Expression group cannot be empty");
                }
                let mut items = self.args(Tok::RParen, "RIGHT_PAREN")?;
                if items.len() == 1 {
                    Ok(items.remove(0))
                } else {
                    Ok(Expr::List(items, pos))
                }
            }
            Tok::LBracket => {
                self.bump();
                Ok(Expr::List(self.args(Tok::RBracket, "RIGHT_BRACKET")?, pos))
            }
            Tok::LBag => {
                self.bump();
                Ok(Expr::Bag(self.args(Tok::RBag, "RIGHT_DOUBLE_ANGLE_BRACKET")?, pos))
            }
            Tok::LBrace => {
                self.bump();
                let mut fields = Vec::new();
                if self.peek() == &Tok::RBrace {
                    self.bump();
                    return Ok(Expr::Struct(fields, pos));
                }
                loop {
                    let k = self.expr(0)?;
                    self.expect(Tok::Colon, "COLON")?;
                    let v = self.expr(0)?;
                    fields.push((k, v));
                    if self.peek() == &Tok::Comma {
                        self.bump();
                    } else {
                        break;
                    }
                }
                self.expect(Tok::RBrace, "RIGHT_CURLY")?;
                Ok(Expr::Struct(fields, pos))
            }
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge | Tok::Star | Tok::Slash | Tok::Percent | Tok::Concat => syntax("Unexpected operator"),
            _ => syntax("Unexpected term"),
        }
    }

    /// Arguments of a call whose `(` was consumed.
    fn call(&mut self, name: String, pos: Pos) -> Result<Expr, ParseError> {
        if self.peek() == &Tok::Star {
            let at = self.pos();
            self.bump();
            self.expect(Tok::RParen, "RIGHT_PAREN")?;
            return Ok(Expr::Call(name, vec![Expr::Star(at)], pos));
        }
        let args = self.args(Tok::RParen, "RIGHT_PAREN")?;
        Ok(Expr::Call(name, args, pos))
    }
}

#[derive(Debug, Clone, Copy)]
enum Infix {
    Bin(Op),
    Is,
    In(bool),
    Between(bool),
    Like(bool),
}

fn negate(n: &str) -> String {
    match n.strip_prefix('-') {
        Some(rest) => rest.to_string(),
        None => format!("-{n}"),
    }
}

/// A statement that is only an expression: the name PartiQL's AST gives it.
fn expr_statement(e: &Expr) -> Statement {
    let (name, n_ary) = match e {
        Expr::Path(p) if p.segs.is_empty() => ("Id", false),
        Expr::Path(_) | Expr::BadPath(_) => ("Path", false),
        Expr::Param(..) => ("Parameter", false),
        Expr::Str(_) | Expr::Num(..) | Expr::Bool(_) | Expr::Null => ("Lit", false),
        Expr::Missing => ("Missing", false),
        Expr::List(..) => ("List", false),
        Expr::Bag(..) => ("Bag", false),
        Expr::Struct(..) => ("Struct", false),
        Expr::Is { .. } => ("IsType", false),
        Expr::Select(..) => ("Select", false),
        Expr::Between { .. } => ("Between", true),
        Expr::In { .. } => ("InCollection", true),
        Expr::Not(_) => ("Not", true),
        Expr::Neg(..) => ("Neg", true),
        Expr::Bin(..) => ("NAry", true),
        Expr::Call(..) | Expr::Star(_) => ("Call", true),
    };
    Statement::Expr { name, n_ary }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> ParseError {
        parse(s).expect_err(s)
    }

    fn syn(s: &str) -> String {
        match err(s) {
            ParseError::Syntax(m) => m,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn parses_each_statement_kind() {
        let p = parse(r#"SELECT a, "b".c[1] FROM "T"."I" WHERE a = ? AND b IN [1, ?] ORDER BY a DESC"#).unwrap();
        assert_eq!(p.params, 2);
        let Statement::Select(s) = p.statement else { panic!() };
        assert_eq!(s.from, vec!["T".to_string(), "I".to_string()]);
        assert_eq!(s.projection.unwrap().len(), 2);
        assert!(s.order_by[0].desc);
        assert!(matches!(parse("insert into t value {'a': 1}").unwrap().statement, Statement::Insert { .. }));
        assert!(matches!(parse("UPDATE t SET a = a + 1, b = list_append(b, [1]) REMOVE c WHERE pk = 'x' RETURNING ALL NEW *").unwrap().statement, Statement::Update { .. }));
        assert!(matches!(parse("DELETE FROM t WHERE pk = 1 RETURNING ALL OLD *;").unwrap().statement, Statement::Delete { .. }));
        assert!(matches!(parse("FROM t WHERE pk = 1 SET a = 2").unwrap().statement, Statement::Update { .. }));
        assert!(matches!(parse("EXISTS(SELECT * FROM t WHERE pk = 1 AND a = 2)").unwrap().statement, Statement::Exists(_)));
        assert!(matches!(parse("INSERT INTO t <<{'a': 1}>>").unwrap().statement, Statement::InsertMany));
    }

    #[test]
    fn syntax_errors_use_the_reference_wording() {
        assert_eq!(syn("SELECT * FROM t WHERE"), "Unexpected term");
        assert_eq!(syn("SELECT * FROM t WHERE;"), "Unexpected term");
        assert_eq!(syn("SELECT * FROM t WHERE NOT"), "Unexpected term");
        assert_eq!(syn("SELECT * FROM t WHERE ("), "Unexpected term");
        assert_eq!(syn("SELECT * FROM"), "Unexpected term");
        assert_eq!(syn("SELECT * FROM t WHERE pk = 1 AND"), "Missing right-hand side expression of infix operator");
        assert_eq!(syn("SELECT * FROM t WHERE pk = 1 OR"), "Missing right-hand side expression of infix operator");
        assert_eq!(syn("SELECT * FROM t WHERE ORDER BY pk"), "Unexpected keyword");
        assert_eq!(syn("SELECT * FROM t WHERE IS NULL"), "Unexpected operator");
        assert_eq!(syn("SELECT * FROM t WHERE pk = LIKE"), "Unexpected operator");
        assert_eq!(syn("SELECT * FROM t WHERE pk = 1 foo"), "Unexpected token after expression");
        assert_eq!(syn("SELECT * FROM t WHERE pk = 1 e5"), "Unexpected token after expression");
        assert_eq!(syn("SELECT * FROM t WHERE pk = 1)"), "Unexpected token after expression");
        assert_eq!(syn("SELECT * FROM t ORDER BY pk WHERE pk = 1"), "Unexpected token after expression");
        assert_eq!(syn("DELETE FROM t WHERE pk = 1 ORDER BY pk"), "Unexpected token after expression");
        assert_eq!(syn("INSERT INTO t x VALUE {'pk': 'x'}"), "Unexpected token after expression");
        assert_eq!(syn("SELECT * FROM t WHERE pk = 'a' AND x IS FOO"), "Expected type name");
        assert_eq!(syn("SELECT * FROM t WHERE m.inner = 1"), "Invalid path dot component");
        for s in ["DELETE FROM", "DELETE FROM   ", "DELETE FROM;", "DELETE FROM WHERE pk = 'a'"] {
            assert_eq!(syn(s), "Expected identifier for simple path", "{s}");
        }
        assert_eq!(syn("UPDATE t WHERE pk = 1"), "Expected data manipulation");
        assert_eq!(syn("SELECT * FROM t WHERE pk = 1 # c"), "");
        assert_eq!(syn("SELECT * FROM t WHERE pk = 1e99999999999"), "");
        assert_eq!(syn("SELECT * FROM t WHERE ()"), "Expression group cannot be empty");
    }

    #[test]
    fn aliases_are_refused_with_their_own_message() {
        for s in ["SELECT * FROM t x WHERE pk = 'x'", "SELECT * FROM t AS x", "UPDATE t x SET a = 3 WHERE pk = 'x'", "DELETE FROM t x WHERE pk = 'x'"] {
            assert_eq!(err(s), ParseError::Plain("Aliasing is not supported".into()), "{s}");
        }
    }

    #[test]
    fn keywords_are_case_insensitive_and_refused_as_names() {
        assert!(parse("select * from t where A = 1 and b between 1 and 2 or not c is not missing").is_ok());
        assert_eq!(syn("SELECT * FROM t WHERE value = 1"), "Unexpected keyword");
        assert!(parse(r#"SELECT * FROM t WHERE "value" = 1"#).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let deep = format!("SELECT * FROM t WHERE {}1{}", "(".repeat(5000), ")".repeat(5000));
        assert!(matches!(err(&deep), ParseError::Syntax(_)));
        let list = format!("INSERT INTO t VALUE {}", "[".repeat(5000));
        assert!(matches!(err(&list), ParseError::Syntax(_)));
        let nots = format!("SELECT * FROM t WHERE {} a = 1", "NOT ".repeat(5000));
        assert!(matches!(err(&nots), ParseError::Syntax(_)));
        let minus = format!("SELECT * FROM t WHERE a = {}1", "- ".repeat(5000));
        assert!(matches!(err(&minus), ParseError::Syntax(_)));
        let chain = format!("SELECT * FROM t WHERE a = 1{}", " OR a = 1".repeat(600));
        assert_eq!(err(&chain), ParseError::Syntax("Expression contains too many operators".into()));
        assert!(parse(&format!("SELECT * FROM t WHERE a = 1{}", " OR a = 1".repeat(400))).is_ok());
    }
}
