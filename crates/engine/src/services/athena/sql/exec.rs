//! Running a checked SELECT over items: filter, group and aggregate, project, DISTINCT, order,
//! offset and limit.

use std::{cmp::Ordering, collections::HashMap};

use sqlparser::ast::{Distinct, Expr, GroupByExpr, LimitClause, OrderByKind, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Spanned, TableFactor, Value};

use super::{
    datum::{sort_order, to_i128, Datum},
    eval::{is_aggregate, truth, Columns, Env, Scope},
    Parsed, QueryError,
};
use crate::services::dynamodb::{number::Number, value::Item};

/// One result column, as GetQueryResults' ColumnInfo describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// Athena's type name: the one type of the column's non-null values, `varchar` when they
    /// are of several types or all null.
    pub type_name: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    /// Rows of rendered values (`None` = NULL).
    pub rows: Vec<Vec<Option<String>>>,
}

/// Refuses, before anything runs, the parts of a query the subset does not run.
pub fn check_query_shape(q: &Query) -> Result<(), QueryError> {
    let span = q.span();
    if q.with.is_some() {
        return Err(QueryError::not_supported(span, "WITH"));
    }
    if q.fetch.is_some() || !q.locks.is_empty() || q.for_clause.is_some() || q.settings.is_some() || q.format_clause.is_some() || !q.pipe_operators.is_empty() {
        return Err(QueryError::not_supported(span, "This query clause"));
    }
    let SetExpr::Select(s) = q.body.as_ref() else {
        return Err(QueryError::not_supported(q.body.span(), "A set operation or VALUES"));
    };
    let sspan = s.span();
    if s.top.is_some() || s.into.is_some() || s.exclude.is_some() || !s.optimizer_hints.is_empty() || s.select_modifiers.is_some() {
        return Err(QueryError::not_supported(sspan, "This SELECT clause"));
    }
    if !s.lateral_views.is_empty() || s.prewhere.is_some() || !s.connect_by.is_empty() || !s.cluster_by.is_empty() || !s.distribute_by.is_empty() || !s.sort_by.is_empty() {
        return Err(QueryError::not_supported(sspan, "This SELECT clause"));
    }
    if !s.named_window.is_empty() || s.qualify.is_some() || s.value_table_mode.is_some() {
        return Err(QueryError::not_supported(sspan, "WINDOW / QUALIFY"));
    }
    if matches!(s.distinct, Some(Distinct::On(_))) {
        return Err(QueryError::not_supported(sspan, "DISTINCT ON"));
    }
    match s.from.as_slice() {
        [] => return Err(QueryError::not_supported(sspan, "A SELECT without FROM")),
        [one] if one.joins.is_empty() => {}
        _ => return Err(QueryError::not_supported(sspan, "A join")),
    }
    if let TableFactor::Table { args, with_hints, version, with_ordinality, partitions, json_path, sample, index_directives, inheritance, .. } = &s.from[0].relation {
        if args.is_some()
            || !with_hints.is_empty()
            || version.is_some()
            || *with_ordinality
            || !partitions.is_empty()
            || json_path.is_some()
            || sample.is_some()
            || !index_directives.is_empty()
            || inheritance.is_some()
        {
            return Err(QueryError::not_supported(s.from[0].relation.span(), "This table clause"));
        }
    }
    if let GroupByExpr::Expressions(_, modifiers) = &s.group_by {
        if !modifiers.is_empty() {
            return Err(QueryError::not_supported(sspan, "GROUP BY modifiers"));
        }
    } else {
        return Err(QueryError::not_supported(sspan, "GROUP BY ALL"));
    }
    if let Some(ob) = &q.order_by {
        if !matches!(ob.kind, OrderByKind::Expressions(_)) || ob.interpolate.is_some() {
            return Err(QueryError::not_supported(span, "This ORDER BY"));
        }
        if let OrderByKind::Expressions(list) = &ob.kind {
            for o in list {
                if o.with_fill.is_some() || matches!(o.options.sort, Some(sqlparser::ast::OrderBySort::Using(_))) {
                    return Err(QueryError::not_supported(o.expr.span(), "This ORDER BY"));
                }
            }
        }
    }
    if let Some(LimitClause::LimitOffset { limit_by, .. }) = &q.limit_clause {
        if !limit_by.is_empty() {
            return Err(QueryError::not_supported(span, "LIMIT BY"));
        }
    }
    Ok(())
}

enum Output<'a> {
    Expr {
        expr: &'a Expr,
        name: String,
    },
    /// `*`: every column.
    Star,
}

/// Runs `parsed` over `rows` (the export's items, in file order).
pub fn execute(parsed: &Parsed, rows: &[Item]) -> Result<ResultSet, QueryError> {
    let q = &parsed.query;
    let SetExpr::Select(select) = q.body.as_ref() else {
        return Err(QueryError::not_supported(q.body.span(), "A set operation or VALUES"));
    };
    let columns = Columns::of(rows);
    let mut qualifiers = Vec::new();
    if let TableFactor::Table { alias: Some(a), .. } = &select.from[0].relation {
        qualifiers.push(a.name.value.clone());
    }
    let env = Env { columns: &columns, qualifiers };
    let outputs = outputs(select)?;

    // Check every expression before reading a row, so errors do not depend on the data.
    let grouped = is_grouped(select, q);
    if let Some(w) = &select.selection {
        env.check(w, false)?;
    }
    let group_by = group_exprs(select, &outputs)?;
    for g in &group_by {
        env.check(g, false)?;
    }
    for o in &outputs {
        if let Output::Expr { expr, .. } = o {
            env.check(expr, grouped)?;
        }
    }
    for o in &outputs {
        if let Output::Expr { expr, .. } = o {
            if grouped {
                check_grouped(expr, &group_by)?;
            }
        }
    }
    if grouped && outputs.iter().any(|o| matches!(o, Output::Star)) {
        return Err(QueryError::at("EXPRESSION_NOT_AGGREGATE", select.span(), "'*' must be an aggregate expression or appear in GROUP BY clause"));
    }
    if let Some(h) = &select.having {
        env.check(h, true)?;
        check_grouped(h, &group_by)?;
    }
    let order = order_keys(q, &outputs, columns.names.len())?;
    for (key, _, _) in &order {
        if let OrderKey::Expr(e) = key {
            env.check(e, grouped)?;
            if grouped {
                check_grouped(e, &group_by)?;
            }
        }
    }
    let (limit, offset) = limit_offset(q)?;

    // WHERE
    let mut kept: Vec<&Item> = Vec::with_capacity(rows.len());
    for item in rows {
        if let Some(w) = &select.selection {
            if truth(&env.eval(w, Scope::Row(item))?, w)? != Some(true) {
                continue;
            }
        }
        kept.push(item);
    }

    // The scopes output rows come from: one per kept item, or one per group.
    let groups: Vec<Vec<&Item>> = if grouped {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut groups: Vec<Vec<&Item>> = Vec::new();
        for item in kept {
            let mut key = String::new();
            for g in &group_by {
                env.eval(g, Scope::Row(item))?.group_key(&mut key);
                key.push('\u{1}');
            }
            match index.get(&key) {
                Some(&i) => groups[i].push(item),
                None => {
                    index.insert(key, groups.len());
                    groups.push(vec![item]);
                }
            }
        }
        // A global aggregate over no rows still yields one row (count 0).
        if groups.is_empty() && group_by.is_empty() {
            groups.push(Vec::new());
        }
        groups
    } else {
        kept.into_iter().map(|i| vec![i]).collect()
    };

    let names: Vec<String> = outputs
        .iter()
        .flat_map(|o| match o {
            Output::Expr { name, .. } => vec![name.clone()],
            Output::Star => columns.names.clone(),
        })
        .collect();

    struct Row<'a> {
        values: Vec<Datum>,
        group: &'a [&'a Item],
        sort: Vec<Datum>,
    }
    let mut out: Vec<Row> = Vec::with_capacity(groups.len());
    for group in &groups {
        let scope = if grouped { Scope::Group(group) } else { Scope::Row(group[0]) };
        if let Some(h) = &select.having {
            if truth(&env.eval(h, scope)?, h)? != Some(true) {
                continue;
            }
        }
        let mut values = Vec::with_capacity(names.len());
        for o in &outputs {
            match o {
                Output::Expr { expr, .. } => values.push(env.eval(expr, scope)?),
                Output::Star => {
                    let item = group[0];
                    values.extend(columns.names.iter().map(|c| item.get(c).map(Datum::from_attribute).unwrap_or(Datum::Null)));
                }
            }
        }
        out.push(Row { values, group, sort: Vec::new() });
    }

    if matches!(select.distinct, Some(Distinct::Distinct)) {
        let mut seen = std::collections::HashSet::new();
        out.retain(|r| {
            let mut key = String::new();
            for v in &r.values {
                v.group_key(&mut key);
                key.push('\u{1}');
            }
            seen.insert(key)
        });
    }

    if !order.is_empty() {
        for r in &mut out {
            let scope = if grouped { Scope::Group(r.group) } else { Scope::Row(r.group[0]) };
            for (key, _, _) in &order {
                let v = match key {
                    OrderKey::Output(i) => r.values.get(*i).cloned().unwrap_or(Datum::Null),
                    OrderKey::Expr(e) => env.eval(e, scope)?,
                };
                r.sort.push(v);
            }
        }
        out.sort_by(|a, b| {
            for (i, (_, desc, nulls_first)) in order.iter().enumerate() {
                let (x, y) = (&a.sort[i], &b.sort[i]);
                let o = match (x.is_null(), y.is_null()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => {
                        if *nulls_first {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    (false, true) => {
                        if *nulls_first {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                    (false, false) => {
                        let o = sort_order(x, y);
                        if *desc {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }

    let rows: Vec<Vec<Datum>> = out.into_iter().skip(offset).take(limit.unwrap_or(usize::MAX)).map(|r| r.values).collect();
    let columns = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let mut kinds = rows.iter().map(|r| &r[i]).filter(|v| !v.is_null()).map(Datum::type_name);
            let first = kinds.next();
            let type_name = match first {
                Some(t) if kinds.all(|k| k == t) => t,
                // Whole numbers and fractions in one column: decimal.
                Some("bigint" | "decimal") if rows.iter().all(|r| matches!(r[i], Datum::Num(_) | Datum::Null)) => "decimal",
                _ => "varchar",
            };
            Column { name, type_name: type_name.to_string() }
        })
        .collect();
    Ok(ResultSet { columns, rows: rows.into_iter().map(|r| r.iter().map(Datum::render).collect()).collect() })
}

fn outputs(select: &Select) -> Result<Vec<Output<'_>>, QueryError> {
    let mut out = Vec::new();
    for (i, item) in select.projection.iter().enumerate() {
        match item {
            SelectItem::UnnamedExpr(e) => out.push(Output::Expr { expr: e, name: default_name(e, i) }),
            SelectItem::ExprWithAlias { expr, alias } => out.push(Output::Expr { expr, name: alias.value.clone() }),
            SelectItem::Wildcard(opts) | SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(_), opts) => {
                if opts.opt_ilike.is_some()
                    || opts.opt_exclude.is_some()
                    || opts.opt_except.is_some()
                    || opts.opt_replace.is_some()
                    || opts.opt_rename.is_some()
                    || opts.opt_alias.is_some()
                {
                    return Err(QueryError::not_supported(item.span(), "A wildcard with options"));
                }
                out.push(Output::Star);
            }
            other => return Err(QueryError::not_supported(other.span(), "This select item")),
        }
    }
    Ok(out)
}

/// Athena's names for unnamed result columns: a column's (or nested field's) name, else `_colN`.
fn default_name(e: &Expr, i: usize) -> String {
    match e {
        Expr::Identifier(id) => id.value.clone(),
        Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()).unwrap_or_default(),
        Expr::CompoundFieldAccess { access_chain, .. } => match access_chain.last() {
            Some(sqlparser::ast::AccessExpr::Dot(Expr::Identifier(id))) => id.value.clone(),
            _ => format!("_col{i}"),
        },
        _ => format!("_col{i}"),
    }
}

fn contains_aggregate(e: &Expr) -> bool {
    let mut found = false;
    visit(e, &mut |x| {
        if let Expr::Function(f) = x {
            if is_aggregate(f) {
                found = true;
                return false;
            }
        }
        true
    });
    found
}

fn is_grouped(select: &Select, q: &Query) -> bool {
    let group_by = matches!(&select.group_by, GroupByExpr::Expressions(list, _) if !list.is_empty());
    let in_outputs = select.projection.iter().any(|p| match p {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => contains_aggregate(e),
        _ => false,
    });
    let in_order = q.order_by.as_ref().is_some_and(|o| match &o.kind {
        OrderByKind::Expressions(list) => list.iter().any(|x| contains_aggregate(&x.expr)),
        _ => false,
    });
    group_by || in_outputs || in_order || select.having.is_some()
}

/// GROUP BY's expressions, ordinals (`GROUP BY 1`) replaced by the select item they name.
fn group_exprs<'a>(select: &'a Select, outputs: &[Output<'a>]) -> Result<Vec<&'a Expr>, QueryError> {
    let GroupByExpr::Expressions(list, _) = &select.group_by else { return Ok(Vec::new()) };
    list.iter()
        .map(|g| match ordinal(g)? {
            Some(i) => match outputs.get(i) {
                Some(Output::Expr { expr, .. }) => Ok(*expr),
                _ => Err(QueryError::at("INVALID_COLUMN_REFERENCE", g.span(), format!("GROUP BY position {} is not in select list", i + 1))),
            },
            None => Ok(g),
        })
        .collect()
}

/// A positive integer literal as a 0-based select-list position.
fn ordinal(e: &Expr) -> Result<Option<usize>, QueryError> {
    if let Expr::Value(v) = e {
        if let Value::Number(text, _) = &v.value {
            let n = Number::parse(text).ok().and_then(|n| to_i128(&n));
            return match n {
                Some(n) if n >= 1 => Ok(Some((n - 1) as usize)),
                _ => Err(QueryError::at("INVALID_COLUMN_REFERENCE", v.span, format!("position {text} is not in select list"))),
            };
        }
    }
    Ok(None)
}

/// In an aggregate query, a column may be read only inside an aggregate or as part of a
/// GROUP BY expression.
fn check_grouped(e: &Expr, group_by: &[&Expr]) -> Result<(), QueryError> {
    let texts: Vec<String> = group_by.iter().map(|g| g.to_string()).collect();
    let mut err = None;
    visit(e, &mut |x| {
        if err.is_some() {
            return false;
        }
        if texts.contains(&x.to_string()) {
            return false;
        }
        match x {
            Expr::Function(f) if is_aggregate(f) => false,
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::CompoundFieldAccess { .. } => {
                err = Some(QueryError::at("EXPRESSION_NOT_AGGREGATE", x.span(), format!("'{x}' must be an aggregate expression or appear in GROUP BY clause")));
                false
            }
            _ => true,
        }
    });
    err.map_or(Ok(()), Err)
}

/// Calls `f` on `e` and, while `f` answers true, on its sub-expressions (the subset's kinds).
fn visit(e: &Expr, f: &mut dyn FnMut(&Expr) -> bool) {
    if !f(e) {
        return;
    }
    match e {
        Expr::Nested(x) | Expr::IsNull(x) | Expr::IsNotNull(x) | Expr::UnaryOp { expr: x, .. } => visit(x, f),
        Expr::BinaryOp { left, right, .. } => {
            visit(left, f);
            visit(right, f);
        }
        Expr::Between { expr, low, high, .. } => {
            visit(expr, f);
            visit(low, f);
            visit(high, f);
        }
        Expr::In { expr, target: sqlparser::ast::InTarget::List(list), .. } => {
            visit(expr, f);
            list.iter().for_each(|x| visit(x, f));
        }
        Expr::Like { expr, pattern, .. } => {
            visit(expr, f);
            visit(pattern, f);
        }
        Expr::Case { operand, conditions, else_result, .. } => {
            if let Some(o) = operand {
                visit(o, f);
            }
            for w in conditions {
                visit(&w.condition, f);
                visit(&w.result, f);
            }
            if let Some(x) = else_result {
                visit(x, f);
            }
        }
        Expr::CompoundFieldAccess { access_chain, .. } => {
            for a in access_chain {
                if let sqlparser::ast::AccessExpr::Subscript(sqlparser::ast::Subscript::Index { index }) = a {
                    visit(index, f);
                }
            }
        }
        Expr::Function(func) => {
            if let sqlparser::ast::FunctionArguments::List(list) = &func.args {
                for a in &list.args {
                    if let sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(x)) = a {
                        visit(x, f);
                    }
                }
            }
        }
        _ => {}
    }
}

enum OrderKey<'a> {
    /// An output column (by alias, name or ordinal).
    Output(usize),
    Expr(&'a Expr),
}

/// ORDER BY keys with (descending, nulls first). Trino puts NULLs last unless told otherwise.
fn order_keys<'a>(q: &'a Query, outputs: &[Output<'a>], star_width: usize) -> Result<Vec<(OrderKey<'a>, bool, bool)>, QueryError> {
    let width: usize = outputs.iter().map(|o| if matches!(o, Output::Star) { star_width } else { 1 }).sum();
    let Some(ob) = &q.order_by else { return Ok(Vec::new()) };
    let OrderByKind::Expressions(list) = &ob.kind else { return Ok(Vec::new()) };
    let mut keys = Vec::new();
    for o in list {
        let desc = matches!(o.options.sort, Some(sqlparser::ast::OrderBySort::Desc));
        let nulls_first = o.options.nulls_first.unwrap_or(false);
        let key = if let Some(i) = ordinal(&o.expr)? {
            if i >= width {
                return Err(QueryError::at("INVALID_COLUMN_REFERENCE", o.expr.span(), format!("ORDER BY position {} is not in select list", i + 1)));
            }
            OrderKey::Output(i)
        } else if let Expr::Identifier(id) = &o.expr {
            match outputs.iter().position(|x| matches!(x, Output::Expr { name, expr } if name == &id.value && !matches!(expr, Expr::Identifier(e) if e.value == id.value))) {
                Some(i) => OrderKey::Output(output_index(outputs, i, star_width)),
                None => OrderKey::Expr(&o.expr),
            }
        } else {
            OrderKey::Expr(&o.expr)
        };
        keys.push((key, desc, nulls_first));
    }
    Ok(keys)
}

/// The index in the output row of select item `i` (a `*` before it stands for every column).
fn output_index(outputs: &[Output], i: usize, star_width: usize) -> usize {
    outputs[..i].iter().map(|o| if matches!(o, Output::Star) { star_width } else { 1 }).sum()
}

fn limit_offset(q: &Query) -> Result<(Option<usize>, usize), QueryError> {
    let number = |e: &Expr, what: &str| -> Result<usize, QueryError> {
        if let Expr::Value(v) = e {
            if let Value::Number(text, _) = &v.value {
                if let Ok(n) = text.parse::<u64>() {
                    return Ok(n.min(usize::MAX as u64) as usize);
                }
            }
        }
        Err(QueryError::at("SYNTAX_ERROR", e.span(), format!("{what} must be a non-negative integer literal")))
    };
    match &q.limit_clause {
        None => Ok((None, 0)),
        Some(LimitClause::LimitOffset { limit, offset, .. }) => {
            let limit = match limit {
                Some(e) => Some(number(e, "LIMIT")?),
                None => None,
            };
            let offset = match offset {
                Some(o) => number(&o.value, "OFFSET")?,
                None => 0,
            };
            Ok((limit, offset))
        }
        Some(LimitClause::OffsetCommaLimit { .. }) => Err(QueryError::not_supported(q.span(), "LIMIT offset, count")),
    }
}
