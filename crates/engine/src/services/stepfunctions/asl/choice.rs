//! Choice rules (JSONPath), per
//! <https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html>: a `Variable`, one
//! comparison operator (or its `...Path` form, comparing with another value of the input), and
//! the `And` / `Or` / `Not` combinators.
//!
//! A comparison whose value has the wrong type is false (`StringEquals` on a number); a
//! `Variable` (or `...Path` operand) that selects nothing fails the state with States.Runtime,
//! except under `IsPresent`. Strings compare as Java does (UTF-16 code units); timestamps are
//! RFC 3339 with an upper-case `T` and `Z` (or an offset) and compare as instants.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::{path::Path, Failure};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    StringEquals,
    StringLessThan,
    StringGreaterThan,
    StringLessThanEquals,
    StringGreaterThanEquals,
    StringMatches,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    NumericLessThanEquals,
    NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals,
    TimestampLessThan,
    TimestampGreaterThan,
    TimestampLessThanEquals,
    TimestampGreaterThanEquals,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

const OPS: [(&str, Op); 23] = [
    ("StringEquals", Op::StringEquals),
    ("StringLessThan", Op::StringLessThan),
    ("StringGreaterThan", Op::StringGreaterThan),
    ("StringLessThanEquals", Op::StringLessThanEquals),
    ("StringGreaterThanEquals", Op::StringGreaterThanEquals),
    ("StringMatches", Op::StringMatches),
    ("NumericEquals", Op::NumericEquals),
    ("NumericLessThan", Op::NumericLessThan),
    ("NumericGreaterThan", Op::NumericGreaterThan),
    ("NumericLessThanEquals", Op::NumericLessThanEquals),
    ("NumericGreaterThanEquals", Op::NumericGreaterThanEquals),
    ("BooleanEquals", Op::BooleanEquals),
    ("TimestampEquals", Op::TimestampEquals),
    ("TimestampLessThan", Op::TimestampLessThan),
    ("TimestampGreaterThan", Op::TimestampGreaterThan),
    ("TimestampLessThanEquals", Op::TimestampLessThanEquals),
    ("TimestampGreaterThanEquals", Op::TimestampGreaterThanEquals),
    ("IsNull", Op::IsNull),
    ("IsPresent", Op::IsPresent),
    ("IsNumeric", Op::IsNumeric),
    ("IsString", Op::IsString),
    ("IsBoolean", Op::IsBoolean),
    ("IsTimestamp", Op::IsTimestamp),
];

impl Op {
    /// The operator named `key`, and whether it is the `...Path` form.
    pub fn from_key(key: &str) -> Option<(Op, bool)> {
        let (base, is_path) = match key.strip_suffix("Path") {
            Some(b) => (b, true),
            None => (key, false),
        };
        let op = OPS.iter().find(|(n, _)| *n == base)?.1;
        // StringMatches and the type tests have no Path form.
        if is_path && matches!(op, Op::StringMatches | Op::IsNull | Op::IsPresent | Op::IsNumeric | Op::IsString | Op::IsBoolean | Op::IsTimestamp) {
            return None;
        }
        Some((op, is_path))
    }
    pub fn name(self) -> &'static str {
        OPS.iter().find(|(_, o)| *o == self).map(|(n, _)| *n).unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Value(Value),
    Path(Path),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Not(Box<Rule>),
    Compare { variable: Path, op: Op, operand: Operand },
}

/// Rules nest at most this deep (the evaluator recurses).
const MAX_DEPTH: usize = 64;

impl Rule {
    /// Parses a rule object; `extra` are keys the caller owns (`Next`, `Comment`, ...). The error
    /// names the offending field, relative to the rule (`/Variable`, `/And/0/...`).
    pub fn parse(m: &Map<String, Value>, extra: &[&str]) -> Result<Rule, (String, String)> {
        parse(m, extra, 0)
    }

    /// Evaluates the rule against the state's input (`$`) and the context object (`$$`).
    pub fn eval(&self, input: &Value, context: &Value) -> Result<bool, Failure> {
        Ok(match self {
            Rule::And(rs) => {
                for r in rs {
                    if !r.eval(input, context)? {
                        return Ok(false);
                    }
                }
                true
            }
            Rule::Or(rs) => {
                for r in rs {
                    if r.eval(input, context)? {
                        return Ok(true);
                    }
                }
                false
            }
            Rule::Not(r) => !r.eval(input, context)?,
            Rule::Compare { variable, op, operand } => {
                let v = match variable.select(input, context) {
                    Ok(v) => v,
                    Err(_) if *op == Op::IsPresent => return Ok(operand == &Operand::Value(Value::Bool(false))),
                    Err(_) => return Err(invalid_path(variable)),
                };
                let rhs = match operand {
                    Operand::Value(x) => x.clone(),
                    Operand::Path(p) => p.select(input, context).map_err(|_| invalid_path(p))?,
                };
                compare(*op, &v, &rhs)
            }
        })
    }
}

fn invalid_path(p: &Path) -> Failure {
    Failure::runtime(format!("Invalid path '{}': The choice state's condition path references an invalid value.", p.text()))
}

fn parse(m: &Map<String, Value>, extra: &[&str], depth: usize) -> Result<Rule, (String, String)> {
    if depth > MAX_DEPTH {
        return Err((String::new(), format!("Choice rules nest more than {MAX_DEPTH} deep")));
    }
    let mut found: Option<(&str, &Value)> = None;
    for (k, v) in m {
        if k == "Variable" || extra.contains(&k.as_str()) {
            continue;
        }
        if k == "And" || k == "Or" || k == "Not" || Op::from_key(k).is_some() {
            if let Some((first, _)) = found {
                return Err((format!("/{k}"), format!("A choice rule may have only one comparison operator, found '{first}' and '{k}'")));
            }
            found = Some((k, v));
        } else {
            return Err((format!("/{k}"), format!("Field '{k}' is not supported")));
        }
    }
    let Some((key, v)) = found else {
        return Err((String::new(), "A choice rule must have a comparison operator or And, Or, Not".to_string()));
    };
    let variable = m.get("Variable");
    match key {
        "And" | "Or" => {
            if variable.is_some() {
                return Err(("/Variable".into(), format!("Field 'Variable' is not allowed with '{key}'")));
            }
            let Some(list) = v.as_array().filter(|a| !a.is_empty()) else {
                return Err((format!("/{key}"), format!("'{key}' must be a non-empty array of choice rules")));
            };
            let mut rules = Vec::with_capacity(list.len());
            for (i, r) in list.iter().enumerate() {
                let Some(rm) = r.as_object() else {
                    return Err((format!("/{key}/{i}"), "A choice rule must be an object".into()));
                };
                rules.push(parse(rm, &[], depth + 1).map_err(|(l, e)| (format!("/{key}/{i}{l}"), e))?);
            }
            Ok(if key == "And" { Rule::And(rules) } else { Rule::Or(rules) })
        }
        "Not" => {
            if variable.is_some() {
                return Err(("/Variable".into(), "Field 'Variable' is not allowed with 'Not'".into()));
            }
            let Some(rm) = v.as_object() else {
                return Err(("/Not".into(), "'Not' must be a choice rule object".into()));
            };
            Ok(Rule::Not(Box::new(parse(rm, &[], depth + 1).map_err(|(l, e)| (format!("/Not{l}"), e))?)))
        }
        _ => {
            let Some((op, is_path)) = Op::from_key(key) else {
                return Err((format!("/{key}"), format!("Field '{key}' is not supported")));
            };
            let Some(var) = variable else {
                return Err(("/Variable".into(), format!("A choice rule with '{key}' must have a 'Variable'")));
            };
            let variable = reference_path(var).map_err(|e| ("/Variable".to_string(), e))?;
            let operand = if is_path {
                Operand::Path(reference_path(v).map_err(|e| (format!("/{key}"), e))?)
            } else {
                check_operand(op, v).map_err(|e| (format!("/{key}"), e))?;
                Operand::Value(v.clone())
            };
            Ok(Rule::Compare { variable, op, operand })
        }
    }
}

fn reference_path(v: &Value) -> Result<Path, String> {
    let Some(s) = v.as_str() else { return Err("The value must be a string containing a reference path".into()) };
    let p = Path::parse(s).map_err(|e| format!("The value must be a valid reference path: {e}"))?;
    if !p.is_reference() {
        return Err(format!("The value must be a valid reference path: '{s}' is not a reference path"));
    }
    Ok(p)
}

fn check_operand(op: Op, v: &Value) -> Result<(), String> {
    use Op::*;
    let ok = match op {
        StringEquals | StringLessThan | StringGreaterThan | StringLessThanEquals | StringGreaterThanEquals | StringMatches => v.is_string(),
        NumericEquals | NumericLessThan | NumericGreaterThan | NumericLessThanEquals | NumericGreaterThanEquals => v.is_number(),
        BooleanEquals | IsNull | IsPresent | IsNumeric | IsString | IsBoolean | IsTimestamp => v.is_boolean(),
        TimestampEquals | TimestampLessThan | TimestampGreaterThan | TimestampLessThanEquals | TimestampGreaterThanEquals => {
            return match v.as_str() {
                Some(s) if timestamp(s).is_some() => Ok(()),
                _ => Err(format!("The value for '{}' must be an RFC 3339 timestamp (like 2016-03-14T01:59:00Z)", op.name())),
            };
        }
    };
    if ok {
        Ok(())
    } else {
        let want = match op {
            StringEquals | StringLessThan | StringGreaterThan | StringLessThanEquals | StringGreaterThanEquals | StringMatches => "a string",
            NumericEquals | NumericLessThan | NumericGreaterThan | NumericLessThanEquals | NumericGreaterThanEquals => "a number",
            _ => "a boolean",
        };
        Err(format!("The value for '{}' must be {want}", op.name()))
    }
}

fn ordered(op: Op, ord: Ordering) -> bool {
    use Op::*;
    match op {
        StringEquals | NumericEquals | TimestampEquals => ord == Ordering::Equal,
        StringLessThan | NumericLessThan | TimestampLessThan => ord == Ordering::Less,
        StringGreaterThan | NumericGreaterThan | TimestampGreaterThan => ord == Ordering::Greater,
        StringLessThanEquals | NumericLessThanEquals | TimestampLessThanEquals => ord != Ordering::Greater,
        StringGreaterThanEquals | NumericGreaterThanEquals | TimestampGreaterThanEquals => ord != Ordering::Less,
        _ => false,
    }
}

/// `v` (the Variable's value) against `rhs` under `op`.
pub fn compare(op: Op, v: &Value, rhs: &Value) -> bool {
    use Op::*;
    let flag = rhs.as_bool();
    match op {
        StringEquals | StringLessThan | StringGreaterThan | StringLessThanEquals | StringGreaterThanEquals => match (v, rhs) {
            (Value::String(a), Value::String(b)) => ordered(op, a.encode_utf16().cmp(b.encode_utf16())),
            _ => false,
        },
        StringMatches => match (v, rhs) {
            (Value::String(a), Value::String(p)) => matches_pattern(a, p),
            _ => false,
        },
        NumericEquals | NumericLessThan | NumericGreaterThan | NumericLessThanEquals | NumericGreaterThanEquals => match (v, rhs) {
            (Value::Number(a), Value::Number(b)) => num_cmp(a, b).is_some_and(|o| ordered(op, o)),
            _ => false,
        },
        BooleanEquals => matches!((v, rhs), (Value::Bool(a), Value::Bool(b)) if a == b),
        TimestampEquals | TimestampLessThan | TimestampGreaterThan | TimestampLessThanEquals | TimestampGreaterThanEquals => {
            match (v.as_str().and_then(timestamp), rhs.as_str().and_then(timestamp)) {
                (Some(a), Some(b)) => ordered(op, a.cmp(&b)),
                _ => false,
            }
        }
        IsNull => flag == Some(v.is_null()),
        IsPresent => flag == Some(true),
        IsNumeric => flag == Some(v.is_number()),
        IsString => flag == Some(v.is_string()),
        IsBoolean => flag == Some(v.is_boolean()),
        IsTimestamp => flag == Some(v.as_str().and_then(timestamp).is_some()),
    }
}

fn num_cmp(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// `StringMatches`: `*` matches any run of characters; `\*` is a literal star and `\\` a literal
/// backslash. Linear-space greedy matching with one backtrack point.
pub fn matches_pattern(s: &str, pattern: &str) -> bool {
    #[derive(PartialEq)]
    enum Tok {
        Star,
        Char(char),
    }
    let mut toks = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        match c {
            '*' => toks.push(Tok::Star),
            '\\' => match it.next() {
                Some(e) => toks.push(Tok::Char(e)),
                None => toks.push(Tok::Char('\\')),
            },
            c => toks.push(Tok::Char(c)),
        }
    }
    let s: Vec<char> = s.chars().collect();
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match toks.get(j) {
            Some(Tok::Char(c)) if *c == s[i] => {
                i += 1;
                j += 1;
            }
            Some(Tok::Star) => {
                star = Some((j, i));
                j += 1;
            }
            _ => match star {
                Some((sj, si)) => {
                    j = sj + 1;
                    i = si + 1;
                    star = Some((sj, si + 1));
                }
                None => return false,
            },
        }
    }
    toks[j.min(toks.len())..].iter().all(|t| *t == Tok::Star)
}

/// An RFC 3339 timestamp as Step Functions accepts it (`2016-03-14T01:59:00Z`, fractional
/// seconds and offsets allowed, `T` and `Z` upper-case), as nanoseconds since the epoch.
pub fn timestamp(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day, hour, min, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let mut k = 19;
    let mut nanos: i128 = 0;
    if b[k] == b'.' {
        let start = k + 1;
        k = start;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        let digits = &s[start..k];
        if digits.is_empty() || digits.len() > 9 {
            return None;
        }
        nanos = format!("{digits:0<9}").parse().ok()?;
    }
    let offset_min: i64 = match b.get(k)? {
        b'Z' if k + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if b.len() == k + 6 && b[k + 3] == b':' => {
            let (h, m) = (num(k + 1..k + 3)?, num(k + 4..k + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            if *sign == b'+' {
                h * 60 + m
            } else {
                -(h * 60 + m)
            }
        }
        _ => return None,
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&month) || day < 1 || day > month_days[(month - 1) as usize] || hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let secs = days * 86400 + hour * 3600 + min * 60 + sec - offset_min * 60;
    Some(secs as i128 * 1_000_000_000 + nanos)
}
