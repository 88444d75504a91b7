//! The SQL the sandbox's Athena runs: a documented subset of Athena's (Trino's) SELECT, parsed
//! by the `sqlparser` crate and evaluated here over the items of a DynamoDB export.
//!
//! Supported: `SELECT [DISTINCT] *, columns, expressions [AS alias]`; `FROM` one export
//! (see [`From`]); `WHERE`; `GROUP BY` expressions or ordinals; `HAVING`; `ORDER BY` expressions,
//! aliases or ordinals with ASC/DESC and NULLS FIRST/LAST (Trino's default: NULLS LAST);
//! `LIMIT` and `OFFSET`. Expressions: literals, columns, nested paths (`a.b.c`, `list[1]`
//! one-based as in Trino, `map['key']`), comparisons, `AND`/`OR`/`NOT`, `IN`, `BETWEEN`,
//! `LIKE` (with `ESCAPE`), `IS [NOT] NULL`, `+ - * / %`, `||`, simple and searched `CASE`;
//! aggregates `count(*)`, `count([DISTINCT] x)`, `sum`, `avg`, `min`, `max`; scalar functions
//! `lower`, `upper`, `length`, `cardinality`, `coalesce`, `abs`; `CAST` / `TRY_CAST` to varchar,
//! bigint (integer, ...), double, decimal and boolean. Anything else (joins, subqueries,
//! window functions, other functions) fails the query with
//! `NOT_SUPPORTED` or `FUNCTION_NOT_FOUND`, as Athena fails a query it cannot run.
//!
//! Columns are the items' top-level attributes (the union over the export; an item without one
//! reads NULL). Unquoted names match exactly, or else case-insensitively when that is unique
//! (Athena lower-cases identifiers; DynamoDB names are case-sensitive); quoted names match
//! exactly. Errors read as Athena's: `COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be
//! resolved or requester is not authorized to access requested resources`.

pub mod datum;
mod eval;
mod exec;

use sqlparser::{
    ast::{ObjectName, ObjectNamePart, SetExpr, Spanned, Statement, TableFactor},
    dialect::GenericDialect,
    parser::Parser,
};

pub use eval::like;
pub use exec::{execute, Column, ResultSet};

/// A failed query: Athena's error code, the position (1-based line and column) when known,
/// and the message. Displayed as Athena's StateChangeReason.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    pub code: &'static str,
    pub at: Option<(u64, u64)>,
    pub message: String,
}

impl QueryError {
    pub fn new(code: &'static str, at: Option<(u64, u64)>, message: impl Into<String>) -> Self {
        QueryError { code, at, message: message.into() }
    }

    pub fn at(code: &'static str, span: sqlparser::tokenizer::Span, message: impl Into<String>) -> Self {
        let at = (span.start.line > 0).then_some((span.start.line, span.start.column));
        QueryError::new(code, at, message)
    }

    pub fn not_supported(span: sqlparser::tokenizer::Span, what: impl std::fmt::Display) -> Self {
        QueryError::at("NOT_SUPPORTED", span, format!("{what} is not supported by the sandbox's Athena (a SELECT subset over DynamoDB exports)"))
    }
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some((l, c)) => write!(f, "{}: line {l}:{c}: {}", self.code, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

/// What a query's FROM names.
#[derive(Debug, Clone, PartialEq)]
pub enum From {
    /// The sandbox's shortcut: a quoted S3 location, `"s3://bucket/prefix/AWSDynamoDB/{ExportId}/"`
    /// (the export folder; its `manifest-files.json` lists the data files) or that folder's
    /// `data/` (every object under it is read).
    S3 { bucket: String, key_prefix: String },
    /// A catalog table name: the sandbox has no Glue Data Catalog, so it never exists.
    Table(String),
}

/// A parsed and checked SELECT.
#[derive(Debug)]
pub struct Parsed {
    pub query: Box<sqlparser::ast::Query>,
    pub from: From,
    /// Line and column of the FROM target, for TABLE_NOT_FOUND.
    pub from_at: (u64, u64),
}

/// Parses one statement. Syntax errors come back as Athena's `SYNTAX_ERROR: line l:c: ...`.
pub fn parse(sql: &str) -> Result<Parsed, QueryError> {
    let dialect = GenericDialect {};
    check_nesting(&dialect, sql)?;
    let statements = Parser::new(&dialect).with_recursion_limit(64).try_with_sql(sql).and_then(|mut p| p.parse_statements()).map_err(syntax_error)?;
    let mut statements = statements.into_iter();
    let (Some(statement), None) = (statements.next(), statements.next()) else {
        return Err(QueryError::new("INVALID_INPUT", None, "Only one sql statement is allowed."));
    };
    let Statement::Query(query) = statement else {
        return Err(QueryError::not_supported(statement.span(), "This statement (only SELECT queries are)"));
    };
    exec::check_query_shape(&query)?;
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Err(QueryError::not_supported(query.body.span(), "A set operation or VALUES"));
    };
    let table = &select.from[0].relation;
    let TableFactor::Table { name, .. } = table else {
        return Err(QueryError::not_supported(table.span(), "A subquery or table function in FROM"));
    };
    let span = name.span();
    let from = from_name(name);
    Ok(Parsed { from, from_at: (span.start.line, span.start.column), query })
}

/// How deeply an expression may nest (parentheses, brackets, CASE, NOT and unary signs,
/// counted together). The parser and the evaluator recurse once per level, and a Web Worker
/// has 1 MiB of stack: the limit keeps the deepest accepted query well inside it (see the
/// small-stack test). Athena's own limit is far higher; queries a learner writes stay far lower.
pub const MAX_NESTING: usize = 24;

/// Refuses over-deep nesting from the tokens alone (the tokenizer does not recurse), before
/// the recursive parser sees the query.
fn check_nesting(dialect: &GenericDialect, sql: &str) -> Result<(), QueryError> {
    use sqlparser::{
        keywords::Keyword,
        tokenizer::{Token, Tokenizer},
    };
    let tokens = Tokenizer::new(dialect, sql).tokenize_with_location().map_err(|e| {
        let at = (e.location.line > 0).then_some((e.location.line, e.location.column));
        QueryError::new("SYNTAX_ERROR", at, e.message)
    })?;
    // Per open level: prefix operators (NOT, unary signs) seen since the last separator.
    let mut levels: Vec<usize> = vec![0];
    let mut previous_ends_value = false;
    for t in &tokens {
        let (level_change, prefix, separator, ends_value) = match &t.token {
            Token::Whitespace(_) => continue,
            Token::LParen | Token::LBracket => (1, false, false, false),
            Token::RParen | Token::RBracket => (-1, false, false, true),
            Token::Word(w) => match w.keyword {
                Keyword::CASE => (1, false, false, false),
                Keyword::END => (-1, false, false, true),
                Keyword::NOT => (0, true, false, false),
                Keyword::AND | Keyword::OR | Keyword::WHEN | Keyword::THEN | Keyword::ELSE | Keyword::SELECT | Keyword::WHERE | Keyword::FROM | Keyword::HAVING | Keyword::BY => {
                    (0, false, true, false)
                }
                _ => (0, false, false, true),
            },
            Token::Minus | Token::Plus => (0, !previous_ends_value, false, false),
            Token::Comma => (0, false, true, false),
            Token::Number(..) | Token::SingleQuotedString(_) | Token::DoubleQuotedString(_) => (0, false, false, true),
            _ => (0, false, false, false),
        };
        previous_ends_value = ends_value;
        match level_change {
            1 => levels.push(0),
            -1 if levels.len() > 1 => {
                levels.pop();
            }
            _ => {}
        }
        if separator {
            if let Some(last) = levels.last_mut() {
                *last = 0;
            }
        }
        if prefix {
            if let Some(last) = levels.last_mut() {
                *last += 1;
            }
        }
        let depth = levels.len() - 1 + levels.iter().sum::<usize>();
        if depth > MAX_NESTING {
            let at = (t.span.start.line > 0).then_some((t.span.start.line, t.span.start.column));
            return Err(QueryError::new("SYNTAX_ERROR", at, format!("The query nests expressions more than {MAX_NESTING} deep (a sandbox limit)")));
        }
    }
    Ok(())
}

fn from_name(name: &ObjectName) -> From {
    let parts: Vec<&str> = name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => i.value.as_str(),
            ObjectNamePart::Function(_) => "",
        })
        .collect();
    if let [one] = parts.as_slice() {
        if let Some(rest) = one.strip_prefix("s3://") {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            let mut key_prefix = key.to_string();
            if !key_prefix.is_empty() && !key_prefix.ends_with('/') {
                key_prefix.push('/');
            }
            return From::S3 { bucket: bucket.to_string(), key_prefix };
        }
    }
    From::Table(parts.join("."))
}

/// sqlparser's "Expected: X, found: Y at Line: 1, Column: 8" as Athena's
/// "SYNTAX_ERROR: line 1:8: Expected: X, found: Y".
fn syntax_error(e: sqlparser::parser::ParserError) -> QueryError {
    use sqlparser::parser::ParserError;
    let text = match e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s,
        ParserError::RecursionLimitExceeded => return QueryError::new("SYNTAX_ERROR", None, "The query is nested too deeply"),
    };
    if let Some((message, pos)) = text.rsplit_once(" at Line: ") {
        if let Some((line, column)) = pos.split_once(", Column: ") {
            if let (Ok(l), Ok(c)) = (line.trim().parse(), column.trim().parse()) {
                return QueryError::new("SYNTAX_ERROR", Some((l, c)), message.trim());
            }
        }
    }
    QueryError::new("SYNTAX_ERROR", None, text)
}
