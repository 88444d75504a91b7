//! The Velocity Template Language (VTL) as API Gateway runs it in mapping templates: Apache
//! Velocity 1.7 plus API Gateway's `$input`, `$util`, `$context` and `$stageVariables`.
//!
//! Parse once ([`parse`]), render many ([`Template::render`]). Rendering never panics and is
//! bounded: `#foreach` stops after 1,000 iterations (API Gateway's limit; Velocity's
//! `directive.foreach.maxloops` stops the loop silently), nesting and macro recursion are bounded,
//! and a template that does more than [`STEP_BUDGET`] evaluation steps or builds more than
//! [`MAX_OUTPUT`] bytes fails with a [`VtlError`] (API Gateway answers such failures with 500
//! "Internal server error").
//!
//! Layout: `parser.rs` (text → AST, with Velocity 1.7's whitespace rules), `eval.rs` (the
//! renderer, values and Java-ish methods), `jsonpath.rs` (the JSONPath subset `$input.json` and
//! `$input.path` take), `regex.rs` (the regular-expression subset `replaceAll`, `matches` and
//! `split` take), `util.rs` (`$util.*`).

mod eval;
mod jsonpath;
mod parser;
pub(crate) mod regex;
mod util;

#[cfg(test)]
mod tests;

use std::fmt;

/// `#foreach` iterations per loop (API Gateway's limit).
pub const MAX_FOREACH: usize = 1000;
/// Evaluation steps per render (each node, expression and loop iteration is a step).
pub const STEP_BUDGET: u64 = 2_000_000;
/// Bytes of output (and of any one string a template builds); API Gateway's payload limit.
pub const MAX_OUTPUT: usize = 10 * 1024 * 1024;
/// Nesting of blocks, expressions and macro calls.
pub const MAX_DEPTH: usize = 64;

/// A parsed template (parse once, render many; API Gateway caches it per integration).
#[derive(Debug)]
pub struct Template {
    src: Box<str>,
    nodes: Vec<parser::Node>,
    macros: std::collections::HashMap<Box<str>, std::sync::Arc<parser::Macro>>,
}

/// Parses a template; syntax errors carry the line and column.
pub fn parse(src: &str) -> Result<Template, VtlError> {
    parser::parse_template(src).map_err(|e| e.locate(src))
}

/// The request parameters `$input.params()` exposes, in the order API Gateway received them.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub path: Vec<(String, String)>,
    pub querystring: Vec<(String, String)>,
    pub header: Vec<(String, String)>,
}

/// What a render sees.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `$input.body` (the request body, or the integration response body in a response template).
    pub body: String,
    /// `$input.params()`.
    pub params: Params,
    /// `$context`: an object. `#set($context.responseOverride.status = 400)` and
    /// `#set($context.requestOverride.header.X = ...)` (also `querystring`, `path`) write into it;
    /// the caller reads the overrides back after the render.
    pub context: serde_json::Value,
    /// `$stageVariables`.
    pub stage_variables: serde_json::Map<String, serde_json::Value>,
    /// Virtual time in milliseconds, for anything time-like (the engine has no wall clock).
    /// Nothing in API Gateway's template language reads a clock today: `$util` has no time
    /// functions and request times reach templates as `$context.requestTime` /
    /// `$context.requestTimeEpoch`, which the caller puts in `context`.
    pub util_now_ms: u64,
}

// API Gateway keeps parsed templates in its service state, which the engine may move between
// threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Template>();
};

impl Template {
    /// Renders the template against `env`. Writes to `$context` are stored back into
    /// `env.context`.
    pub fn render(&self, env: &mut Env) -> Result<String, VtlError> {
        eval::render(self, env).map_err(|e| e.locate(&self.src))
    }
}

/// A template that does not parse or fails while rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VtlError {
    pub message: String,
    /// 1-based line and column in the template, when known (0 otherwise).
    pub line: u32,
    pub column: u32,
    /// The byte offset the error points at, turned into `line`/`column` on the way out.
    offset: Option<usize>,
}

impl VtlError {
    pub(crate) fn at(message: impl Into<String>, pos: Pos) -> VtlError {
        VtlError { message: message.into(), line: 0, column: 0, offset: Some(pos.0) }
    }
    pub(crate) fn new(message: impl Into<String>) -> VtlError {
        VtlError { message: message.into(), line: 0, column: 0, offset: None }
    }
    /// Points an error that has no place yet at `pos`.
    pub(crate) fn or_at(mut self, pos: Pos) -> VtlError {
        if self.offset.is_none() {
            self.offset = Some(pos.0);
        }
        self
    }
    /// Fills in line and column from the offset (computed only for errors, so positions cost
    /// nothing while parsing or rendering).
    pub(crate) fn locate(mut self, src: &str) -> VtlError {
        if let (Some(at), 0) = (self.offset, self.line) {
            let at = at.min(src.len());
            let before = src.get(..at).unwrap_or(src);
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            self.line = before.bytes().filter(|&b| b == b'\n').count() as u32 + 1;
            self.column = before[start..].chars().count() as u32 + 1;
        }
        self
    }
}

impl fmt::Display for VtlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{} at line {}, column {}", self.message, self.line, self.column)
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for VtlError {}

/// A byte offset in the template source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos(pub(crate) usize);
