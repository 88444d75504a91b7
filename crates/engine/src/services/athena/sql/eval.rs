//! Expression checking and evaluation over items, with SQL's three-valued logic.

use std::{
    cmp::Ordering,
    collections::{HashMap, HashSet},
};

use sqlparser::ast::{
    AccessExpr, BinaryOperator, CastKind, DataType, DuplicateTreatment, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, InTarget, ObjectNamePart, Spanned,
    Subscript, UnaryOperator, Value,
};

use super::{
    datum::{compare, equal, sort_order, to_i128, Datum},
    QueryError,
};
use crate::services::dynamodb::{number::Number, value::Item};

/// The export's columns: every top-level attribute name seen, in order of first appearance.
#[derive(Debug, Default)]
pub struct Columns {
    pub names: Vec<String>,
    exact: HashSet<String>,
    /// Lower-cased name → the one attribute with that spelling (`None` when several differ only in case).
    lower: HashMap<String, Option<String>>,
}

impl Columns {
    pub fn of(rows: &[Item]) -> Columns {
        let mut c = Columns::default();
        for item in rows {
            for name in item.keys() {
                if c.exact.insert(name.clone()) {
                    c.names.push(name.clone());
                    c.lower.entry(name.to_lowercase()).and_modify(|v| *v = None).or_insert_with(|| Some(name.clone()));
                }
            }
        }
        c
    }

    /// The attribute an identifier names: quoted names exactly, unquoted ones exactly or else
    /// case-insensitively. An export without items has no known columns: every name reads NULL.
    fn resolve(&self, ident: &Ident) -> Result<String, QueryError> {
        if self.exact.contains(&ident.value) || self.names.is_empty() {
            return Ok(ident.value.clone());
        }
        if ident.quote_style.is_none() {
            if let Some(Some(name)) = self.lower.get(&ident.value.to_lowercase()) {
                return Ok(name.clone());
            }
        }
        Err(QueryError::at("COLUMN_NOT_FOUND", ident.span, format!("Column '{}' cannot be resolved or requester is not authorized to access requested resources", ident.value)))
    }
}

/// What an expression is evaluated against: one item, or a group of items (aggregate queries:
/// aggregates run over the group, other expressions over its first item).
#[derive(Clone, Copy)]
pub enum Scope<'a> {
    Row(&'a Item),
    Group(&'a [&'a Item]),
}

pub struct Env<'a> {
    pub columns: &'a Columns,
    /// Names that may qualify a column (`t.price` with `FROM ... AS t`).
    pub qualifiers: Vec<String>,
}

pub const AGGREGATES: &[&str] = &["count", "sum", "avg", "min", "max"];
const SCALARS: &[&str] = &["lower", "upper", "length", "cardinality", "coalesce", "abs"];

pub fn function_name(f: &Function) -> String {
    match f.name.0.as_slice() {
        [ObjectNamePart::Identifier(i)] => i.value.to_lowercase(),
        _ => f.name.to_string().to_lowercase(),
    }
}

pub fn is_aggregate(f: &Function) -> bool {
    AGGREGATES.contains(&function_name(f).as_str())
}

/// The argument expressions of a plain call (`f(a, b)`), `None` for `count(*)`.
fn call_args(f: &Function) -> Result<(Vec<&Expr>, bool, bool), QueryError> {
    let span = f.span();
    if f.over.is_some() {
        return Err(QueryError::not_supported(span, "A window function"));
    }
    if f.filter.is_some() || !f.within_group.is_empty() || f.null_treatment.is_some() || !matches!(f.parameters, FunctionArguments::None) {
        return Err(QueryError::not_supported(span, format!("This form of {}()", function_name(f))));
    }
    match &f.args {
        FunctionArguments::None => Ok((Vec::new(), false, false)),
        FunctionArguments::Subquery(_) => Err(QueryError::not_supported(span, "A subquery")),
        FunctionArguments::List(list) => {
            if !list.clauses.is_empty() {
                return Err(QueryError::not_supported(span, format!("This form of {}()", function_name(f))));
            }
            let distinct = matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct));
            let mut star = false;
            let mut out = Vec::new();
            for a in &list.args {
                match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => out.push(e),
                    FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => star = true,
                    _ => return Err(QueryError::not_supported(span, "A named or qualified-wildcard argument")),
                }
            }
            Ok((out, distinct, star))
        }
    }
}

impl Env<'_> {
    /// Checks an expression before any row is read: columns exist, functions are known, every
    /// construct is in the subset, aggregates appear only where `aggregates_allowed`.
    pub fn check(&self, e: &Expr, aggregates_allowed: bool) -> Result<(), QueryError> {
        match e {
            Expr::Identifier(i) => self.columns.resolve(i).map(|_| ()),
            Expr::CompoundIdentifier(parts) => self.columns.resolve(&parts[self.qualified(parts)]).map(|_| ()),
            Expr::CompoundFieldAccess { root, access_chain } => {
                self.check(root, aggregates_allowed)?;
                for a in access_chain {
                    match a {
                        AccessExpr::Dot(Expr::Identifier(_)) => {}
                        AccessExpr::Subscript(Subscript::Index { index }) => self.check(index, aggregates_allowed)?,
                        other => return Err(QueryError::not_supported(other.span(), "This field access")),
                    }
                }
                Ok(())
            }
            Expr::Value(v) => literal(&v.value, v.span).map(|_| ()),
            Expr::Nested(x) | Expr::IsNull(x) | Expr::IsNotNull(x) => self.check(x, aggregates_allowed),
            Expr::UnaryOp { op, expr } => match op {
                UnaryOperator::Not | UnaryOperator::Minus | UnaryOperator::Plus => self.check(expr, aggregates_allowed),
                _ => Err(QueryError::not_supported(e.span(), format!("The operator {op}"))),
            },
            Expr::BinaryOp { left, op, right } => {
                use BinaryOperator::*;
                if !matches!(op, And | Or | Eq | NotEq | Lt | LtEq | Gt | GtEq | Plus | Minus | Multiply | Divide | Modulo | StringConcat) {
                    return Err(QueryError::not_supported(e.span(), format!("The operator {op}")));
                }
                self.check(left, aggregates_allowed)?;
                self.check(right, aggregates_allowed)
            }
            Expr::Between { expr, low, high, .. } => {
                self.check(expr, aggregates_allowed)?;
                self.check(low, aggregates_allowed)?;
                self.check(high, aggregates_allowed)
            }
            Expr::In { expr, target, .. } => {
                self.check(expr, aggregates_allowed)?;
                match target {
                    InTarget::List(list) => list.iter().try_for_each(|x| self.check(x, aggregates_allowed)),
                    _ => Err(QueryError::not_supported(e.span(), "IN with a subquery")),
                }
            }
            Expr::Like { any, expr, pattern, escape_char, .. } => {
                if *any {
                    return Err(QueryError::not_supported(e.span(), "LIKE ANY"));
                }
                self.check(expr, aggregates_allowed)?;
                self.check(pattern, aggregates_allowed)?;
                if let Some(esc) = escape_char {
                    self.check(esc, aggregates_allowed)?;
                }
                Ok(())
            }
            Expr::Case { operand, conditions, else_result, .. } => {
                if let Some(o) = operand {
                    self.check(o, aggregates_allowed)?;
                }
                for w in conditions {
                    self.check(&w.condition, aggregates_allowed)?;
                    self.check(&w.result, aggregates_allowed)?;
                }
                if let Some(x) = else_result {
                    self.check(x, aggregates_allowed)?;
                }
                Ok(())
            }
            Expr::Cast { kind, expr, data_type, format } => {
                if format.is_some() || matches!(kind, CastKind::DoubleColon) || cast_target(data_type).is_none() {
                    return Err(QueryError::not_supported(e.span(), format!("CAST to {data_type}")));
                }
                self.check(expr, aggregates_allowed)
            }
            Expr::Function(f) => {
                let name = function_name(f);
                let (args, distinct, star) = call_args(f)?;
                let span = f.span();
                if AGGREGATES.contains(&name.as_str()) {
                    if !aggregates_allowed {
                        return Err(QueryError::at(
                            "EXPRESSION_NOT_SCALAR",
                            span,
                            format!("WHERE clause cannot contain aggregations, window functions or grouping operations: [{e}]"),
                        ));
                    }
                    let arity_ok = if star { name == "count" && args.is_empty() && !distinct } else { args.len() == 1 };
                    if !arity_ok {
                        return Err(QueryError::at("FUNCTION_NOT_FOUND", span, format!("Unexpected parameters for function {name}")));
                    }
                    // Aggregates do not nest.
                    return args.iter().try_for_each(|a| self.check(a, false));
                }
                if !SCALARS.contains(&name.as_str()) {
                    return Err(QueryError::at("FUNCTION_NOT_FOUND", span, format!("Function '{name}' not registered")));
                }
                let arity_ok = match name.as_str() {
                    "coalesce" => !args.is_empty(),
                    _ => args.len() == 1,
                };
                if star || distinct || !arity_ok {
                    return Err(QueryError::at("FUNCTION_NOT_FOUND", span, format!("Unexpected parameters for function {name}")));
                }
                args.iter().try_for_each(|a| self.check(a, aggregates_allowed))
            }
            other => Err(QueryError::not_supported(other.span(), describe(other))),
        }
    }

    /// How many leading parts of a compound identifier name the table (0 or 1).
    fn qualified(&self, parts: &[Ident]) -> usize {
        let first = &parts[0];
        let is_column = self.columns.resolve(first).is_ok() && !self.columns.names.is_empty();
        usize::from(parts.len() > 1 && !is_column && self.qualifiers.iter().any(|q| q.eq_ignore_ascii_case(&first.value)))
    }

    pub fn eval(&self, e: &Expr, scope: Scope) -> Result<Datum, QueryError> {
        match e {
            Expr::Identifier(i) => Ok(self.column(i, scope)?),
            Expr::CompoundIdentifier(parts) => {
                let skip = self.qualified(parts);
                let mut v = self.column(&parts[skip], scope)?;
                for p in &parts[skip + 1..] {
                    v = field(v, p, e)?;
                }
                Ok(v)
            }
            Expr::CompoundFieldAccess { root, access_chain } => {
                let mut v = self.eval(root, scope)?;
                for a in access_chain {
                    v = match a {
                        AccessExpr::Dot(Expr::Identifier(i)) => field(v, i, e)?,
                        AccessExpr::Subscript(Subscript::Index { index }) => {
                            let i = self.eval(index, scope)?;
                            subscript(v, i, index)?
                        }
                        other => return Err(QueryError::not_supported(other.span(), "This field access")),
                    };
                }
                Ok(v)
            }
            Expr::Value(v) => literal(&v.value, v.span),
            Expr::Nested(x) => self.eval(x, scope),
            Expr::IsNull(x) => Ok(Datum::Bool(self.eval(x, scope)?.is_null())),
            Expr::IsNotNull(x) => Ok(Datum::Bool(!self.eval(x, scope)?.is_null())),
            Expr::UnaryOp { op, expr } => {
                let v = self.eval(expr, scope)?;
                match (op, v) {
                    (_, Datum::Null) => Ok(Datum::Null),
                    (UnaryOperator::Not, Datum::Bool(b)) => Ok(Datum::Bool(!b)),
                    (UnaryOperator::Minus, Datum::Num(n)) => Ok(Datum::Num(n.negated())),
                    (UnaryOperator::Minus, Datum::Double(d)) => Ok(Datum::Double(-d)),
                    (UnaryOperator::Plus, v @ (Datum::Num(_) | Datum::Double(_))) => Ok(v),
                    (op, v) => Err(QueryError::at("TYPE_MISMATCH", e.span(), format!("Cannot apply operator: {op} {}", v.type_name()))),
                }
            }
            Expr::BinaryOp { left, op, right } => self.binary(e, left, op, right, scope),
            Expr::Between { expr, negated, low, high } => {
                let v = self.eval(expr, scope)?;
                let lo = self.eval(low, scope)?;
                let hi = self.eval(high, scope)?;
                let ge = cmp_op(&v, &lo, e, |o| o != Ordering::Less)?;
                let le = cmp_op(&v, &hi, e, |o| o != Ordering::Greater)?;
                let r = and(ge, le);
                Ok(if *negated { not(r) } else { r })
            }
            Expr::In { expr, target: InTarget::List(list), negated, .. } => {
                let v = self.eval(expr, scope)?;
                if v.is_null() {
                    return Ok(Datum::Null);
                }
                let mut found = Datum::Bool(false);
                for x in list {
                    let w = self.eval(x, scope)?;
                    if w.is_null() {
                        found = or(found, Datum::Null);
                        continue;
                    }
                    match equal(&v, &w).map_err(|t| mismatch(e, "=", t))? {
                        Some(true) => {
                            found = Datum::Bool(true);
                            break;
                        }
                        Some(false) => {}
                        None => found = or(found, Datum::Null),
                    }
                }
                Ok(if *negated { not(found) } else { found })
            }
            Expr::Like { negated, expr, pattern, escape_char, .. } => {
                let v = self.eval(expr, scope)?;
                let p = self.eval(pattern, scope)?;
                let esc = match escape_char {
                    Some(x) => match self.eval(x, scope)? {
                        Datum::Str(s) if s.chars().count() == 1 => s.chars().next(),
                        Datum::Null => return Ok(Datum::Null),
                        _ => return Err(QueryError::at("INVALID_FUNCTION_ARGUMENT", x.span(), "Escape string must be a single character")),
                    },
                    None => None,
                };
                match (v, p) {
                    (Datum::Null, _) | (_, Datum::Null) => Ok(Datum::Null),
                    (Datum::Str(s), Datum::Str(p)) => {
                        let m = like(&s, &p, esc).map_err(|m| QueryError::at("INVALID_FUNCTION_ARGUMENT", e.span(), m))?;
                        Ok(Datum::Bool(m != *negated))
                    }
                    (v, p) => Err(QueryError::at("TYPE_MISMATCH", e.span(), format!("Cannot apply operator: {} LIKE {}", v.type_name(), p.type_name()))),
                }
            }
            Expr::Case { operand, conditions, else_result, .. } => {
                let subject = operand.as_ref().map(|o| self.eval(o, scope)).transpose()?;
                for w in conditions {
                    let c = self.eval(&w.condition, scope)?;
                    let hit = match &subject {
                        Some(s) if s.is_null() || c.is_null() => false,
                        Some(s) => equal(s, &c).map_err(|t| mismatch(e, "=", t))? == Some(true),
                        None => truth(&c, &w.condition)? == Some(true),
                    };
                    if hit {
                        return self.eval(&w.result, scope);
                    }
                }
                match else_result {
                    Some(x) => self.eval(x, scope),
                    None => Ok(Datum::Null),
                }
            }
            Expr::Function(f) => self.function(f, scope),
            Expr::Cast { kind, expr, data_type, .. } => {
                let v = self.eval(expr, scope)?;
                let target = cast_target(data_type).ok_or_else(|| QueryError::not_supported(e.span(), format!("CAST to {data_type}")))?;
                match cast(v, target) {
                    Ok(v) => Ok(v),
                    Err(_) if matches!(kind, CastKind::TryCast | CastKind::SafeCast) => Ok(Datum::Null),
                    Err(why) => Err(QueryError::at("INVALID_CAST_ARGUMENT", e.span(), why)),
                }
            }
            other => Err(QueryError::not_supported(other.span(), describe(other))),
        }
    }

    fn column(&self, ident: &Ident, scope: Scope) -> Result<Datum, QueryError> {
        let name = self.columns.resolve(ident)?;
        let item = match scope {
            Scope::Row(item) => item,
            Scope::Group(rows) => match rows.first() {
                Some(item) => item,
                None => return Ok(Datum::Null),
            },
        };
        Ok(item.get(&name).map(Datum::from_attribute).unwrap_or(Datum::Null))
    }

    fn binary(&self, e: &Expr, left: &Expr, op: &BinaryOperator, right: &Expr, scope: Scope) -> Result<Datum, QueryError> {
        use BinaryOperator::*;
        let l = self.eval(left, scope)?;
        // AND/OR: a false (true) left side decides, as SQL's short circuit allows.
        match op {
            And => {
                let l = bool_of(l, left)?;
                if l == Datum::Bool(false) {
                    return Ok(l);
                }
                return Ok(and(l, bool_of(self.eval(right, scope)?, right)?));
            }
            Or => {
                let l = bool_of(l, left)?;
                if l == Datum::Bool(true) {
                    return Ok(l);
                }
                return Ok(or(l, bool_of(self.eval(right, scope)?, right)?));
            }
            _ => {}
        }
        let r = self.eval(right, scope)?;
        match op {
            Eq | NotEq => {
                if l.is_null() || r.is_null() {
                    return Ok(Datum::Null);
                }
                let eq = equal(&l, &r).map_err(|t| mismatch(e, &op.to_string(), t))?;
                Ok(eq.map_or(Datum::Null, |b| Datum::Bool(b == (*op == Eq))))
            }
            Lt => cmp_op(&l, &r, e, |o| o == Ordering::Less),
            LtEq => cmp_op(&l, &r, e, |o| o != Ordering::Greater),
            Gt => cmp_op(&l, &r, e, |o| o == Ordering::Greater),
            GtEq => cmp_op(&l, &r, e, |o| o != Ordering::Less),
            StringConcat => match (l, r) {
                (Datum::Null, _) | (_, Datum::Null) => Ok(Datum::Null),
                (Datum::Str(a), Datum::Str(b)) => Ok(Datum::Str(a + &b)),
                (a, b) => Err(QueryError::at("TYPE_MISMATCH", e.span(), format!("Cannot apply operator: {} || {}", a.type_name(), b.type_name()))),
            },
            _ => arithmetic(&l, op, &r, e),
        }
    }

    fn function(&self, f: &Function, scope: Scope) -> Result<Datum, QueryError> {
        let name = function_name(f);
        let (args, distinct, star) = call_args(f)?;
        let span = f.span();
        if AGGREGATES.contains(&name.as_str()) {
            let Scope::Group(rows) = scope else {
                return Err(QueryError::at("EXPRESSION_NOT_SCALAR", span, format!("Aggregation is not allowed here: {f}")));
            };
            if star {
                return Ok(Datum::Num(count(rows.len())));
            }
            let mut values = Vec::with_capacity(rows.len());
            let mut seen = HashSet::new();
            for row in rows {
                let v = self.eval(args[0], Scope::Row(row))?;
                if v.is_null() {
                    continue;
                }
                if distinct {
                    let mut k = String::new();
                    v.group_key(&mut k);
                    if !seen.insert(k) {
                        continue;
                    }
                }
                values.push(v);
            }
            return aggregate(&name, values, f);
        }
        let vals: Vec<Datum> = args.iter().map(|a| self.eval(a, scope)).collect::<Result<_, _>>()?;
        let bad = |v: &Datum| QueryError::at("FUNCTION_NOT_FOUND", span, format!("Unexpected parameters ({}) for function {name}", v.type_name()));
        match name.as_str() {
            "coalesce" => Ok(vals.into_iter().find(|v| !v.is_null()).unwrap_or(Datum::Null)),
            _ => match (name.as_str(), &vals[0]) {
                (_, Datum::Null) => Ok(Datum::Null),
                ("lower", Datum::Str(s)) => Ok(Datum::Str(s.to_lowercase())),
                ("upper", Datum::Str(s)) => Ok(Datum::Str(s.to_uppercase())),
                ("length", Datum::Str(s)) => Ok(Datum::Num(count(s.chars().count()))),
                ("cardinality", Datum::Array(a)) => Ok(Datum::Num(count(a.len()))),
                ("cardinality", Datum::Map(m)) => Ok(Datum::Num(count(m.len()))),
                ("abs", Datum::Num(n)) => Ok(Datum::Num(if n < &Number::parse("0").unwrap_or_else(|_| n.clone()) { n.negated() } else { n.clone() })),
                ("abs", Datum::Double(d)) => Ok(Datum::Double(d.abs())),
                (_, v) => Err(bad(v)),
            },
        }
    }
}

pub fn count(n: usize) -> Number {
    Number::parse(&n.to_string()).unwrap_or_else(|_| Number::parse("0").expect("zero parses"))
}

fn aggregate(name: &str, values: Vec<Datum>, f: &Function) -> Result<Datum, QueryError> {
    let span = f.span();
    match name {
        "count" => Ok(Datum::Num(count(values.len()))),
        "min" | "max" => {
            let mut best: Option<Datum> = None;
            for v in values {
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        compare(&b, &v).map_err(|(l, r)| QueryError::at("TYPE_MISMATCH", span, format!("Cannot compare {l} and {r} in {name}()")))?;
                        let o = sort_order(&v, &b);
                        if (name == "min" && o == Ordering::Less) || (name == "max" && o == Ordering::Greater) {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            Ok(best.unwrap_or(Datum::Null))
        }
        "sum" | "avg" => {
            if values.is_empty() {
                return Ok(Datum::Null);
            }
            let n = values.len();
            let mut exact: Option<Number> = Some(count(0));
            let mut float = 0.0f64;
            for v in &values {
                match v {
                    Datum::Num(x) => {
                        float += x.to_f64();
                        if let Some(s) = &exact {
                            exact = s.add(x).ok();
                            if exact.is_none() && name == "sum" {
                                return Err(QueryError::at("NUMERIC_VALUE_OUT_OF_RANGE", span, "Value is out of range for sum()"));
                            }
                        }
                    }
                    Datum::Double(d) => {
                        float += d;
                        exact = None;
                    }
                    other => return Err(QueryError::at("FUNCTION_NOT_FOUND", span, format!("Unexpected parameters ({}) for function {name}", other.type_name()))),
                }
            }
            if name == "avg" {
                return Ok(Datum::Double(float / n as f64));
            }
            Ok(exact.map_or(Datum::Double(float), Datum::Num))
        }
        _ => Err(QueryError::at("FUNCTION_NOT_FOUND", span, format!("Function '{name}' not registered"))),
    }
}

fn literal(v: &Value, span: sqlparser::tokenizer::Span) -> Result<Datum, QueryError> {
    match v {
        Value::Number(text, _) => Ok(match Number::parse(text) {
            Ok(n) => Datum::Num(n),
            Err(_) => Datum::Double(text.parse().map_err(|_| QueryError::at("INVALID_LITERAL", span, format!("Invalid numeric literal: {text}")))?),
        }),
        Value::SingleQuotedString(s) => Ok(Datum::Str(s.clone())),
        Value::Boolean(b) => Ok(Datum::Bool(*b)),
        Value::Null => Ok(Datum::Null),
        other => Err(QueryError::not_supported(span, format!("The literal {other}"))),
    }
}

fn field(v: Datum, name: &Ident, e: &Expr) -> Result<Datum, QueryError> {
    match v {
        Datum::Null => Ok(Datum::Null),
        Datum::Map(fields) => {
            let exact = fields.iter().position(|(k, _)| *k == name.value);
            let found = exact.or_else(|| {
                if name.quote_style.is_some() {
                    return None;
                }
                let mut hits = fields.iter().enumerate().filter(|(_, (k, _))| k.eq_ignore_ascii_case(&name.value)).map(|(i, _)| i);
                match (hits.next(), hits.next()) {
                    (Some(i), None) => Some(i),
                    _ => None,
                }
            });
            Ok(found.map_or(Datum::Null, |i| fields.into_iter().nth(i).map(|(_, v)| v).unwrap_or(Datum::Null)))
        }
        other => Err(QueryError::at("TYPE_MISMATCH", e.span(), format!("Expression {e} is not of type ROW (the value is {})", other.type_name()))),
    }
}

fn subscript(v: Datum, i: Datum, index: &Expr) -> Result<Datum, QueryError> {
    match (v, i) {
        (Datum::Null, _) | (_, Datum::Null) => Ok(Datum::Null),
        (Datum::Array(items), Datum::Num(n)) => {
            let Some(k) = to_i128(&n) else {
                return Err(QueryError::at("TYPE_MISMATCH", index.span(), "Array subscript must be an integer"));
            };
            if k == 0 {
                return Err(QueryError::at("INVALID_FUNCTION_ARGUMENT", index.span(), "SQL array indices start at 1"));
            }
            if k < 0 {
                return Err(QueryError::at("INVALID_FUNCTION_ARGUMENT", index.span(), format!("Array subscript is negative: {k}")));
            }
            if k as usize > items.len() {
                return Err(QueryError::at(
                    "INVALID_FUNCTION_ARGUMENT",
                    index.span(),
                    format!("Array subscript must be less than or equal to array length: {k} > {}", items.len()),
                ));
            }
            Ok(items.into_iter().nth(k as usize - 1).unwrap_or(Datum::Null))
        }
        (Datum::Map(fields), Datum::Str(k)) => Ok(fields.into_iter().find(|(f, _)| *f == k).map_or(Datum::Null, |(_, v)| v)),
        (v, i) => Err(QueryError::at("TYPE_MISMATCH", index.span(), format!("Cannot use {} subscript on {}", i.type_name(), v.type_name()))),
    }
}

fn mismatch(e: &Expr, op: &str, (l, r): (&str, &str)) -> QueryError {
    QueryError::at("TYPE_MISMATCH", e.span(), format!("Cannot apply operator: {l} {op} {r}"))
}

fn cmp_op(l: &Datum, r: &Datum, e: &Expr, test: impl Fn(Ordering) -> bool) -> Result<Datum, QueryError> {
    if l.is_null() || r.is_null() {
        return Ok(Datum::Null);
    }
    let op = match e {
        Expr::BinaryOp { op, .. } => op.to_string(),
        _ => "BETWEEN".into(),
    };
    match compare(l, r).map_err(|t| mismatch(e, &op, t))? {
        Some(o) => Ok(Datum::Bool(test(o))),
        None => Err(mismatch(e, &op, (l.type_name(), r.type_name()))),
    }
}

fn arithmetic(l: &Datum, op: &BinaryOperator, r: &Datum, e: &Expr) -> Result<Datum, QueryError> {
    use BinaryOperator::*;
    if l.is_null() || r.is_null() {
        return Ok(Datum::Null);
    }
    let (Some(x), Some(y)) = (l.as_f64(), r.as_f64()) else {
        return Err(mismatch(e, &op.to_string(), (l.type_name(), r.type_name())));
    };
    let out_of_range = || QueryError::at("NUMERIC_VALUE_OUT_OF_RANGE", e.span(), "Value is out of range");
    // Exact decimals add and subtract exactly; integers multiply, divide (truncating, as Trino's
    // bigint division does) and take remainders exactly; anything else is a double.
    if let (Datum::Num(a), Datum::Num(b)) = (l, r) {
        match op {
            Plus => return a.add(b).map(Datum::Num).map_err(|_| out_of_range()),
            Minus => return a.add(&b.negated()).map(Datum::Num).map_err(|_| out_of_range()),
            Multiply => {
                if let Some(n) = multiply(a, b) {
                    return Ok(Datum::Num(n));
                }
            }
            _ => {}
        }
        if let (Some(a), Some(b)) = (to_i128(a), to_i128(b)) {
            if matches!(op, Divide | Modulo) && b == 0 {
                return Err(QueryError::at("DIVISION_BY_ZERO", e.span(), "Division by zero"));
            }
            let v = match op {
                Multiply => a.checked_mul(b),
                Divide => a.checked_div(b),
                Modulo => a.checked_rem(b),
                _ => None,
            };
            if let Some(v) = v {
                return Number::parse(&v.to_string()).map(Datum::Num).map_err(|_| out_of_range());
            }
        }
    }
    let v = match op {
        Plus => x + y,
        Minus => x - y,
        Multiply => x * y,
        Divide => x / y,
        Modulo => x % y,
        _ => return Err(mismatch(e, &op.to_string(), (l.type_name(), r.type_name()))),
    };
    Ok(Datum::Double(v))
}

/// The types CAST converts to.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Varchar,
    Bigint,
    Double,
    Decimal,
    Boolean,
}

fn cast_target(t: &DataType) -> Option<Target> {
    let name = t.to_string().to_lowercase();
    let base = name.split('(').next().unwrap_or("").trim();
    Some(match base {
        "varchar" | "char" | "string" | "character varying" => Target::Varchar,
        "bigint" | "integer" | "int" | "smallint" | "tinyint" => Target::Bigint,
        "double" | "real" | "float" | "double precision" => Target::Double,
        "decimal" | "numeric" => Target::Decimal,
        "boolean" | "bool" => Target::Boolean,
        _ => return None,
    })
}

fn cast(v: Datum, to: Target) -> Result<Datum, String> {
    let name = match to {
        Target::Varchar => "varchar",
        Target::Bigint => "bigint",
        Target::Double => "double",
        Target::Decimal => "decimal",
        Target::Boolean => "boolean",
    };
    let fail = |v: &Datum| match v.render() {
        Some(text) if matches!(v, Datum::Str(_)) => format!("Cannot cast '{text}' to {}", name.to_uppercase()),
        _ => format!("Cannot cast {} to {name}", v.type_name()),
    };
    let whole = |n: &Number| -> Result<Datum, String> {
        // Trino rounds half away from zero when a decimal becomes an integer.
        let rounded: f64 = n.to_f64().round();
        if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&rounded) {
            return Err(format!("Out of range for bigint: {n}"));
        }
        if super::datum::is_integral(n) {
            return Ok(Datum::Num(n.clone()));
        }
        Number::parse(&format!("{rounded:.0}")).map(Datum::Num).map_err(|_| format!("Out of range for bigint: {n}"))
    };
    match (v, to) {
        (Datum::Null, _) => Ok(Datum::Null),
        (v @ (Datum::Array(_) | Datum::Map(_) | Datum::Bin(_)), Target::Varchar) => Err(fail(&v)),
        (v, Target::Varchar) => Ok(Datum::Str(v.render().unwrap_or_default())),
        (Datum::Num(n), Target::Bigint) => whole(&n),
        (Datum::Num(n), Target::Decimal) => Ok(Datum::Num(n)),
        (Datum::Num(n), Target::Double) => Ok(Datum::Double(n.to_f64())),
        (Datum::Double(d), Target::Double) => Ok(Datum::Double(d)),
        (Datum::Double(d), Target::Bigint | Target::Decimal) => match Number::parse(&format!("{d}")) {
            Ok(n) if to == Target::Bigint => whole(&n),
            Ok(n) => Ok(Datum::Num(n)),
            Err(_) => Err(fail(&Datum::Double(d))),
        },
        (Datum::Str(s), Target::Bigint) => match Number::parse(s.trim()) {
            Ok(n) if super::datum::is_integral(&n) => Ok(Datum::Num(n)),
            _ => Err(fail(&Datum::Str(s))),
        },
        (Datum::Str(s), Target::Decimal) => Number::parse(s.trim()).map(Datum::Num).map_err(|_| fail(&Datum::Str(s.clone()))),
        (Datum::Str(s), Target::Double) => s.trim().parse::<f64>().map(Datum::Double).map_err(|_| fail(&Datum::Str(s.clone()))),
        (Datum::Str(s), Target::Boolean) => match s.trim().to_lowercase().as_str() {
            "true" => Ok(Datum::Bool(true)),
            "false" => Ok(Datum::Bool(false)),
            _ => Err(fail(&Datum::Str(s))),
        },
        (Datum::Bool(b), Target::Boolean) => Ok(Datum::Bool(b)),
        (Datum::Bool(b), Target::Bigint | Target::Decimal) => Ok(Datum::Num(count(usize::from(b)))),
        (Datum::Bool(b), Target::Double) => Ok(Datum::Double(if b { 1.0 } else { 0.0 })),
        (Datum::Num(n), Target::Boolean) => Ok(Datum::Bool(!n.is_zero())),
        (Datum::Double(d), Target::Boolean) => Ok(Datum::Bool(d != 0.0)),
        (v, _) => Err(fail(&v)),
    }
}

/// The exact product of two decimals, when it has at most 38 significant digits.
fn multiply(a: &Number, b: &Number) -> Option<Number> {
    let (na, da, ea) = a.parts();
    let (nb, db, eb) = b.parts();
    if da.is_empty() || db.is_empty() {
        return Number::parse("0").ok();
    }
    let mut prod = vec![0u32; da.len() + db.len()];
    for (i, x) in da.iter().enumerate().rev() {
        for (j, y) in db.iter().enumerate().rev() {
            prod[i + j + 1] += u32::from(*x) * u32::from(*y);
        }
    }
    for k in (1..prod.len()).rev() {
        let carry = prod[k] / 10;
        prod[k] %= 10;
        prod[k - 1] += carry;
    }
    let digits: String = prod.iter().map(|d| char::from(b'0' + *d as u8)).collect();
    // a = 0.da × 10^ea: the coefficient da × 10^(ea - len(da)).
    let exp = (ea - da.len() as i32) + (eb - db.len() as i32);
    Number::parse(&format!("{}{digits}E{exp}", if na != nb { "-" } else { "" })).ok()
}

fn bool_of(v: Datum, e: &Expr) -> Result<Datum, QueryError> {
    match v {
        Datum::Null | Datum::Bool(_) => Ok(v),
        other => Err(QueryError::at("TYPE_MISMATCH", e.span(), format!("Value of logical operator must evaluate to a boolean (actual: {})", other.type_name()))),
    }
}

/// A condition's truth: `Some(true)`, `Some(false)`, or `None` for NULL (unknown).
pub fn truth(v: &Datum, e: &Expr) -> Result<Option<bool>, QueryError> {
    match v {
        Datum::Bool(b) => Ok(Some(*b)),
        Datum::Null => Ok(None),
        other => Err(QueryError::at("TYPE_MISMATCH", e.span(), format!("The condition must evaluate to a boolean (actual: {})", other.type_name()))),
    }
}

fn and(a: Datum, b: Datum) -> Datum {
    match (a, b) {
        (Datum::Bool(false), _) | (_, Datum::Bool(false)) => Datum::Bool(false),
        (Datum::Bool(true), Datum::Bool(true)) => Datum::Bool(true),
        _ => Datum::Null,
    }
}

fn or(a: Datum, b: Datum) -> Datum {
    match (a, b) {
        (Datum::Bool(true), _) | (_, Datum::Bool(true)) => Datum::Bool(true),
        (Datum::Bool(false), Datum::Bool(false)) => Datum::Bool(false),
        _ => Datum::Null,
    }
}

fn not(a: Datum) -> Datum {
    match a {
        Datum::Bool(b) => Datum::Bool(!b),
        _ => Datum::Null,
    }
}

/// SQL LIKE: `%` any run, `_` one character, `escape` makes the next character literal.
/// Linear-time wildcard matching (the classic two-pointer walk with one backtrack point).
pub fn like(text: &str, pattern: &str, escape: Option<char>) -> Result<bool, String> {
    #[derive(PartialEq)]
    enum P {
        Any,
        One,
        Lit(char),
    }
    let mut pat = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if Some(c) == escape {
            match chars.next() {
                Some(n) if n == '%' || n == '_' || Some(n) == escape => pat.push(P::Lit(n)),
                _ => return Err("Escape character must be followed by '%', '_' or the escape character itself".into()),
            }
        } else if c == '%' {
            pat.push(P::Any);
        } else if c == '_' {
            pat.push(P::One);
        } else {
            pat.push(P::Lit(c));
        }
    }
    let t: Vec<char> = text.chars().collect();
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < t.len() {
        if j < pat.len() && (pat[j] == P::One || pat[j] == P::Lit(t[i])) {
            i += 1;
            j += 1;
        } else if j < pat.len() && pat[j] == P::Any {
            star = Some((j, i));
            j += 1;
        } else if let Some((sj, si)) = star {
            j = sj + 1;
            i = si + 1;
            star = Some((sj, si + 1));
        } else {
            return Ok(false);
        }
    }
    while j < pat.len() && pat[j] == P::Any {
        j += 1;
    }
    Ok(j == pat.len())
}

/// A short name for an expression kind the subset does not run.
fn describe(e: &Expr) -> String {
    match e {
        Expr::Subquery(_) | Expr::Exists { .. } => "A subquery".into(),
        Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => "A wildcard here".into(),
        _ => {
            let text = e.to_string();
            let short: String = text.chars().take(40).collect();
            format!("The expression '{short}'")
        }
    }
}
