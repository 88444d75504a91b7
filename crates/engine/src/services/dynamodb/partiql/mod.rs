//! PartiQL for DynamoDB: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction.
//!
//! A statement is lexed and parsed ([`lexer`], [`parser`]), translated against its parameters
//! and the table's key schema ([`plan`]) and run ([`exec`]). Reads reuse the page rules of Query
//! and Scan; conditions reuse the expression module's evaluator; writes go through the same
//! journal records as PutItem, UpdateItem and DeleteItem; transactions keep the request-token
//! records and CancellationReasons of TransactWriteItems.

pub mod exec;
pub mod lexer;
pub mod parser;
pub mod plan;

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};

use exec::{ReadSpec, WriteKind, WritePlan};
use parser::{Expr, Mapping, Parsed, Returning, Select, Statement};
use plan::{invalid, Binder, KeyMode, ReadPlan, INCOMPLETE_KEY, NEST, PARAM_COUNT};

use super::{
    capacity::{self, ReturnConsumedCapacity},
    expr::{parser::check_overlaps, Kind, Path},
    index::{IndexKind, ProjectionType},
    input::{Constraints, Input},
    key::{KeySchema, PrimaryKey},
    number::{Number, NumberError},
    table::Table,
    transact::{canceled, TokenRecord, MAX_ACTIONS, MAX_REQUEST_BYTES},
    value::{item_size, item_to_json, AttributeValue, Item, MAX_ITEM_BYTES},
    DynamoDb, ERROR_NAMESPACE,
};
use crate::kernel::{error::AwsError, service::Cx};

/// Longest statement AWS takes, in bytes.
pub const MAX_STATEMENT_BYTES: usize = 8192;
/// Most statements in one BatchExecuteStatement.
pub const MAX_BATCH_STATEMENTS: usize = 25;
/// Longest NextToken AWS takes.
pub const MAX_NEXT_TOKEN: usize = 32768;

const EXISTS_ONLY_IN_TRANSACTIONS: &str = "EXISTS can only be used in ExecuteTransaction write requests.";
const EXISTS_NEEDS_CONDITION: &str = "EXISTS() must contain a single item read with additional condition";
const BATCH_SELECT_KEY: &str = "Select statements within BatchExecuteStatement must specify the primary key in the where clause.";
const TRANSACTION_SELECT_KEY: &str = "Select statements within ExecuteTransaction must specify the primary key in the where clause.";
const KEY_ABSENT: &str = "Key attribute should be present in the item: Key";
const KEY_MISMATCH: &str = "Key attribute's data type should match its data type in table's schema: Key";

// ---- shared input handling ----

/// Coral's checks on a statement string (`statement` or `statements.N.member.statement`).
fn constrain_statement(c: &mut Constraints, statement: Option<&str>, path: &str) {
    match statement {
        None => c.not_null(statement, path),
        Some("") => c.add(Some(""), path, "Member must have length greater than or equal to 1"),
        Some(s) if s.len() > MAX_STATEMENT_BYTES => c.add(Some(s), path, &format!("Member must have length less than or equal to {MAX_STATEMENT_BYTES}")),
        Some(_) => {}
    }
}

fn constrain_parameters(c: &mut Constraints, params: Option<&Vec<Value>>, path: &str) {
    if params.is_some_and(Vec::is_empty) {
        c.add(Some("[]"), path, "Member must have length greater than or equal to 1");
    }
}

/// Parses a statement, wrapping syntax errors in DynamoDB's envelope.
fn parse_statement(text: &str) -> Result<Parsed, AwsError> {
    parser::parse(text).map_err(|e| match e {
        parser::ParseError::Syntax(m) => invalid(format!("Statement wasn't well formed, can't be processed: {m}")),
        parser::ParseError::Plain(m) => invalid(m),
    })
}

/// A number parameter is read as Java's BigDecimal reads a string: an exponent beyond a 32-bit
/// integer cannot be converted at all.
fn check_number_text(s: &str) -> Result<(), AwsError> {
    if s.is_empty() {
        return Err(invalid("The parameter cannot be converted to a numeric value"));
    }
    let unconvertible = || invalid(format!("The parameter cannot be converted to a numeric value: {s}"));
    if let Some(i) = s.find(['e', 'E']) {
        let exp = &s[i + 1..];
        exp.strip_prefix('+').unwrap_or(exp).parse::<i32>().map_err(|_| unconvertible())?;
    }
    match Number::parse(s) {
        Err(NumberError::Invalid) => Err(unconvertible()),
        Err(other) => Err(invalid(other.message())),
        Ok(_) => Ok(()),
    }
}

/// Checks a parameter in document order: the first problem found (too deep, or a number that
/// cannot be read) is the one reported, as AWS does.
fn precheck(v: &Value, depth: usize) -> Result<(), AwsError> {
    if depth > plan::MAX_VALUE_DEPTH {
        return Err(invalid(NEST));
    }
    let Some(obj) = v.as_object() else { return Ok(()) };
    for (tag, inner) in obj {
        match (tag.as_str(), inner) {
            ("N", Value::String(s)) => check_number_text(s)?,
            ("NS", Value::Array(items)) => {
                for x in items {
                    if let Value::String(s) = x {
                        check_number_text(s)?;
                    }
                }
            }
            ("L", Value::Array(items)) => {
                for x in items {
                    precheck(x, depth + 1)?;
                }
            }
            ("M", Value::Object(m)) => {
                for x in m.values() {
                    precheck(x, depth + 1)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The `Parameters` of a statement as attribute values.
fn parameters(list: Option<&Vec<Value>>) -> Result<Vec<AttributeValue>, AwsError> {
    let Some(list) = list else { return Ok(Vec::new()) };
    list.iter()
        .map(|v| {
            precheck(v, 0)?;
            AttributeValue::from_json(v).map_err(|e| if e.message.contains("Nesting Levels") { invalid(NEST) } else { e })
        })
        .collect()
}

/// A parsed statement with its parameters bound and counted.
fn prepare(statement: &str, params: Option<&Vec<Value>>) -> Result<(Statement, Vec<AttributeValue>), AwsError> {
    let parsed = parse_statement(statement)?;
    let params = parameters(params)?;
    if parsed.params != params.len() {
        return Err(invalid(PARAM_COUNT));
    }
    Ok((parsed.statement, params))
}

fn valid_name(n: &str) -> bool {
    (3..=255).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// The table (and index) a statement names, with DynamoDB's naming rules.
fn names(from: &[String]) -> Result<(&str, Option<&str>), AwsError> {
    let bad = || invalid("Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.");
    let (table, index) = match from {
        [t] => (t.as_str(), None),
        [t, i] => (t.as_str(), Some(i.as_str())),
        _ => return Err(invalid("A path may contain at most 2 components in the FROM clause")),
    };
    if !valid_name(table) || index.is_some_and(|i| !valid_name(i)) {
        return Err(bad());
    }
    Ok((table, index))
}

/// A request's fingerprint, binding a NextToken to the statement and parameters it came from.
fn request_hash(statement: &str, params: Option<&Vec<Value>>, consistent: bool) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(statement.as_bytes());
    h.update(&[0, u8::from(consistent)]);
    if let Some(p) = params {
        h.update(Value::Array(p.clone()).to_string().as_bytes());
    }
    h.finalize()
}

fn response_items(returned: Option<Item>) -> Value {
    Value::Array(returned.iter().map(item_to_json).collect())
}

// ---- SELECT ----

/// A SELECT's projection as paths (None for `*`).
fn projection(b: &Binder, sel: &Select) -> Result<Option<Vec<Path>>, AwsError> {
    let Some(items) = &sel.projection else { return Ok(None) };
    let mut paths = Vec::with_capacity(items.len());
    for e in items {
        match e {
            Expr::Path(p) => paths.push(b.path(p)?),
            other => {
                let at = other.pos().map(|p| format!(" at {}", p.render())).unwrap_or_default();
                return Err(invalid(format!("Unexpected path component{at}")));
            }
        }
    }
    Ok(Some(paths))
}

fn unsupported_select_clauses(sel: &Select) -> Result<(), AwsError> {
    if sel.group_by {
        return Err(invalid("Unsupported clause: GROUP BY"));
    }
    if sel.having {
        return Err(invalid("Unsupported clause: HAVING"));
    }
    if sel.limit {
        return Err(invalid("Unsupported clause: LIMIT"));
    }
    if sel.distinct {
        return Err(invalid("Unsupported token in expression: DISTINCT"));
    }
    Ok(())
}

/// ORDER BY: the read order of partitions and of sort keys within each.
fn order(sel: &Select, plan: ReadPlan, keys: &KeySchema, table_keys: &KeySchema) -> Result<(ReadPlan, bool), AwsError> {
    if sel.order_by.is_empty() {
        return Ok((plan, true));
    }
    if sel.where_.is_none() {
        return Err(invalid("Must have WHERE clause in the statement when using ORDER BY clause."));
    }
    let mut seen = HashSet::new();
    let (mut hash_desc, mut sort_desc) = (None, None);
    for item in &sel.order_by {
        let name = match &item.expr {
            Expr::Path(p) if p.segs.is_empty() => p.root.as_str(),
            other => {
                let kind = match other {
                    Expr::Path(_) => "Path",
                    Expr::Str(_) | Expr::Num(..) | Expr::Bool(_) | Expr::Null => "Literal",
                    Expr::Call(..) => "NAry",
                    _ => "Expression",
                };
                return Err(invalid(format!("Argument to ORDER BY must be of type VariableReference. Type: {kind}")));
            }
        };
        if !seen.insert(name) {
            continue;
        }
        if !keys.is_key_attribute(name) && !table_keys.is_key_attribute(name) {
            return Err(invalid(format!("Variable reference {name} in ORDER BY clause must be part of the primary key")));
        }
        if name == keys.hash.name {
            hash_desc = Some(item.desc);
        } else if keys.range.as_ref().is_some_and(|r| r.name == name) {
            sort_desc = Some(item.desc);
        }
    }
    let ReadPlan::Query(mut parts) = plan else {
        return Err(invalid("Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause."));
    };
    if parts.len() > 1 && hash_desc.is_none() {
        return Err(invalid("Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause."));
    }
    if let Some(desc) = hash_desc {
        parts.sort_by(|a, b| a.0.cmp(&b.0));
        if desc {
            parts.reverse();
        }
    }
    Ok((ReadPlan::Query(parts), !sort_desc.unwrap_or(false)))
}

struct SelectArgs<'a> {
    consistent: bool,
    limit: Option<usize>,
    next_token: Option<&'a str>,
    hash: u32,
}

fn run_select(db: &DynamoDb, cx: &Cx, sel: &Select, params: &[AttributeValue], args: SelectArgs) -> Result<(Value, String, capacity::Consumed), AwsError> {
    unsupported_select_clauses(sel)?;
    let b = Binder { params };
    let paths = projection(&b, sel)?;
    let cond = sel.where_.as_ref().map(|w| b.cond(w)).transpose()?;
    let (table_name, index_name) = names(&sel.from)?;
    let table = db.active_table(cx.region, table_name)?;
    let index = match index_name {
        Some(n) => Some(table.readable_index(n)?),
        None => None,
    };
    if let Some(meta) = index {
        if args.consistent && meta.kind == IndexKind::Global {
            return Err(invalid("Consistent reads are not supported on global secondary indexes"));
        }
        if let (IndexKind::Global, Some(paths)) = (meta.kind, &paths) {
            if meta.projection != ProjectionType::All {
                let schema = &table.meta.key_schema;
                let mut missing: Vec<&str> = Vec::new();
                for p in paths {
                    let top = p.top();
                    let projected = schema.is_key_attribute(top)
                        || meta.key_schema.is_key_attribute(top)
                        || (meta.projection == ProjectionType::Include && meta.non_key_attributes.iter().any(|a| a == top));
                    if !projected && !missing.contains(&top) {
                        missing.push(top);
                    }
                }
                if !missing.is_empty() {
                    return Err(invalid(format!("One or more parameter values were invalid: Global secondary index {} does not project [{}]", meta.name, missing.join(", "))));
                }
            }
        }
    }
    let keys = index.map(|m| &m.key_schema).unwrap_or(&table.meta.key_schema);
    let read = plan::plan_read(cond.as_ref(), &keys.hash, keys.range.as_ref())?;
    let (read, forward) = order(sel, read, keys, &table.meta.key_schema)?;
    let start = args.next_token.map(|t| exec::decode_token(t, args.hash, cx.now_ms)).transpose()?;
    // An LSI read reaches the table's item for attributes the index does not hold; SELECT *
    // and every GSI read see only what the index projects.
    let index_projection = index.is_some_and(|m| m.kind == IndexKind::Global || paths.is_none());
    let spec = ReadSpec { table, index, plan: read, forward, index_projection };
    let page = exec::read_page(&spec, cond.as_ref(), paths.as_deref(), args.limit, start.as_ref())?;
    let mut out = json!({"Items": page.items});
    if let Some(k) = page.last_key {
        out["NextToken"] = json!(exec::encode_token(args.hash, cx.now_ms, &k));
        out["LastEvaluatedKey"] = k;
    }
    Ok((out, table_name.to_string(), capacity::Consumed::read(index, capacity::read_units(page.bytes, args.consistent))))
}

/// A SELECT that names one item by its full key (batches and transactions): the key and
/// projection, or the statement's error.
fn plan_get(db: &DynamoDb, region: &str, sel: &Select, params: &[AttributeValue], must: &str, index_msg: &str) -> Result<(String, PrimaryKey, Option<Vec<Path>>), AwsError> {
    unsupported_select_clauses(sel)?;
    let b = Binder { params };
    let paths = projection(&b, sel)?;
    let cond = sel.where_.as_ref().map(|w| b.cond(w)).transpose()?;
    let (table_name, index_name) = names(&sel.from)?;
    if index_name.is_some() {
        return Err(invalid(index_msg));
    }
    let table = db.active_table(region, table_name)?;
    let schema = &table.meta.key_schema;
    let (key, _) = plan::split_key(cond, schema, KeyMode::Read, must)?;
    let pk = schema.key_from_map(&key)?;
    Ok((table_name.to_string(), pk, paths))
}

fn get_item(table: &Table, key: &PrimaryKey, paths: Option<&[Path]>) -> (Option<Item>, usize) {
    match table.items.get(key) {
        Some(item) => (
            Some(match paths {
                Some(p) => exec::unnest(item, p),
                None => item.clone(),
            }),
            item_size(item),
        ),
        None => (None, 0),
    }
}

// ---- writes ----

fn check_returning(r: &Option<Returning>) -> Result<Option<Mapping>, AwsError> {
    let Some(r) = r else { return Ok(None) };
    if r.elements > 1 {
        return Err(invalid("Invalid syntax with multiple returning elements in RETURNING clause"));
    }
    if !r.star {
        return Err(invalid("Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"));
    }
    Ok(Some(r.mapping))
}

fn dml_table<'a>(db: &'a DynamoDb, region: &str, from: &[String]) -> Result<(String, &'a Table), AwsError> {
    let (table_name, index) = names(from)?;
    if index.is_some() {
        return Err(invalid("This operation is not supported on an index"));
    }
    Ok((table_name.to_string(), db.active_table(region, table_name)?))
}

/// Translates and validates a write statement (INSERT, UPDATE, DELETE, or EXISTS in a
/// transaction) without touching any item.
fn plan_write(db: &DynamoDb, region: &str, statement: &Statement, params: &[AttributeValue]) -> Result<WritePlan, AwsError> {
    let b = Binder { params };
    match statement {
        Statement::Insert { table, value, at, returning } => {
            if *at {
                return Err(invalid("AT is not supported in insert statements."));
            }
            if !matches!(value, Expr::Struct(..)) {
                return Err(invalid("Unsupported format in item expression. Please use struct format {...} to express item values for insert statement."));
            }
            let AttributeValue::M(item) = b.value(value)? else { return Err(AwsError::internal("struct literal did not give a map")) };
            let (name, t) = dml_table(db, region, table)?;
            let schema = &t.meta.key_schema;
            for attr in schema.attributes() {
                let Some(v) = item.get(&attr.name) else { return Err(invalid(format!("{KEY_ABSENT} {}", attr.name))) };
                if v.type_name() != attr.kind.as_str() {
                    return Err(invalid(format!("{KEY_MISMATCH} {}", attr.name)));
                }
            }
            if returning.is_some() {
                return Err(invalid("RETURNING is not supported in INSERT"));
            }
            if item_size(&item) > MAX_ITEM_BYTES {
                return Err(invalid("Item size has exceeded the maximum allowed size"));
            }
            let key = schema.key_of_item(&item)?;
            t.check_index_keys(&item)?;
            Ok(WritePlan { table: name, key, kind: WriteKind::Insert(item), cond: None, returning: None })
        }
        Statement::Update { table, ops, where_, returning } => {
            let cond = where_.as_ref().map(|w| b.cond(w)).transpose()?;
            let actions = b.actions(ops)?;
            let paths: Vec<Path> = actions.iter().map(|a| a.path().clone()).collect();
            check_overlaps(Kind::Update, &paths)?;
            let (name, t) = dml_table(db, region, table)?;
            let schema = &t.meta.key_schema;
            let (key, rest) = plan::split_key(cond, schema, KeyMode::Write, INCOMPLETE_KEY)?;
            for a in &actions {
                let top = a.path().top();
                if schema.is_key_attribute(top) {
                    return Err(invalid(format!("One or more parameter values were invalid: Cannot update attribute {top}. This attribute is part of the key")));
                }
            }
            let returning = check_returning(returning)?;
            let key = schema.key_from_map(&key)?;
            Ok(WritePlan { table: name, key, kind: WriteKind::Update(actions), cond: rest, returning })
        }
        Statement::Delete { table, where_, returning } => {
            let cond = where_.as_ref().map(|w| b.cond(w)).transpose()?;
            let (name, t) = dml_table(db, region, table)?;
            let schema = &t.meta.key_schema;
            let (key, rest) = plan::split_key(cond, schema, KeyMode::Write, INCOMPLETE_KEY)?;
            let returning = check_returning(returning)?;
            if let Some(m) = returning.filter(|m| *m != Mapping::AllOld) {
                return Err(invalid(format!("Invalid returning clause: RETURNING {}. Only RETURNING ALL OLD * is allowed in DELETE statements.", m.text())));
            }
            let key = schema.key_from_map(&key)?;
            Ok(WritePlan { table: name, key, kind: WriteKind::Delete, cond: rest, returning })
        }
        Statement::Exists(sel) => {
            unsupported_select_clauses(sel)?;
            if sel.from.len() == 2 {
                return Err(invalid("Operations on indices are not supported in transactions"));
            }
            let cond = match &sel.where_ {
                Some(w) => b.cond(w)?,
                None => return Err(invalid(EXISTS_NEEDS_CONDITION)),
            };
            let (name, t) = dml_table(db, region, &sel.from)?;
            let schema = &t.meta.key_schema;
            let (key, rest) = plan::split_key(Some(cond), schema, KeyMode::Check, EXISTS_NEEDS_CONDITION)?;
            if rest.is_none() {
                return Err(invalid(EXISTS_NEEDS_CONDITION));
            }
            let key = schema.key_from_map(&key)?;
            Ok(WritePlan { table: name, key, kind: WriteKind::Check, cond: rest, returning: None })
        }
        _ => Err(AwsError::internal("not a write statement")),
    }
}

/// A statement that is neither a read nor a write DynamoDB runs.
fn refuse_other(statement: &Statement, in_transaction: bool) -> Result<(), AwsError> {
    match statement {
        Statement::Expr { n_ary: true, .. } if in_transaction => Err(invalid("Unsupported operation in transaction.")),
        Statement::Expr { n_ary: true, .. } => Err(invalid(EXISTS_ONLY_IN_TRANSACTIONS)),
        Statement::Expr { name, .. } => Err(invalid(format!("Unsupported operation: {name}"))),
        Statement::InsertMany => {
            Err(invalid("Unsupported operation: Inserting multiple items in a single statement is not supported, use \"INSERT INTO tableName VALUE item\" instead"))
        }
        _ => Ok(()),
    }
}

// ---- ExecuteStatement ----

pub fn execute_statement(db: &mut DynamoDb, cx: &mut Cx, input_value: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input_value)?;
    let statement = input.string("Statement")?;
    let params = input.list("Parameters")?;
    let consistent = input.boolean("ConsistentRead")?.unwrap_or(false);
    let next_token = input.string("NextToken")?;
    let rcc = input.string("ReturnConsumedCapacity")?;
    let limit = input.integer("Limit")?;
    let on_failure = input.string("ReturnValuesOnConditionCheckFailure")?;
    let mut c = Constraints::default();
    constrain_statement(&mut c, statement, "statement");
    constrain_parameters(&mut c, params, "parameters");
    match next_token {
        Some("") => c.add(Some(""), "nextToken", "Member must have length greater than or equal to 1"),
        Some(t) if t.len() > MAX_NEXT_TOKEN => c.add(Some(t), "nextToken", &format!("Member must have length less than or equal to {MAX_NEXT_TOKEN}")),
        _ => {}
    }
    c.one_of(rcc, "returnConsumedCapacity", capacity::ENUM);
    c.min(limit, "limit", 1);
    c.one_of(on_failure, "returnValuesOnConditionCheckFailure", &["ALL_OLD", "NONE"]);
    c.finish()?;
    let text = statement.unwrap_or_default();
    let (stmt, bound) = prepare(text, params)?;
    refuse_other(&stmt, false)?;
    let mode = ReturnConsumedCapacity::parse(rcc);
    let region = cx.region.to_string();
    match &stmt {
        Statement::Exists(_) => Err(invalid(EXISTS_ONLY_IN_TRANSACTIONS)),
        Statement::Select(sel) => {
            let args = SelectArgs { consistent, limit: limit.map(|l| l as usize), next_token, hash: request_hash(text, params, consistent) };
            let (mut out, table, units) = run_select(db, cx, sel, &bound, args)?;
            db.active_table(&region, &table)?.charge(cx.now_ms, "ExecuteStatement", super::throttle::Access::Read, &units)?;
            capacity::attach(&mut out, mode, &table, &units);
            Ok(out)
        }
        _ => {
            let plan = plan_write(db, &region, &stmt, &bound)?;
            let table = db.active_table(&region, &plan.table)?;
            let outcome = exec::evaluate(table, &plan, on_failure)?;
            table.charge(cx.now_ms, "ExecuteStatement", super::throttle::Access::Write, &outcome.units)?;
            let mut out = json!({"Items": response_items(outcome.returned)});
            exec::commit(db, cx, &region, &plan, outcome.new);
            capacity::attach(&mut out, mode, &plan.table, &outcome.units);
            Ok(out)
        }
    }
}

// ---- BatchExecuteStatement ----

/// The code of a BatchStatementError for an error.
fn batch_code(e: &AwsError) -> &'static str {
    match e.kind.as_str() {
        "ConditionalCheckFailedException" => "ConditionalCheckFailed",
        "DuplicateItemException" => "DuplicateItem",
        "ResourceNotFoundException" => "ResourceNotFound",
        "ValidationException" | "SerializationException" => "ValidationError",
        "ProvisionedThroughputExceededException" => "ProvisionedThroughputExceeded",
        "TransactionConflictException" => "TransactionConflict",
        "ItemCollectionSizeLimitExceededException" => "ItemCollectionSizeLimitExceeded",
        "RequestLimitExceeded" => "RequestLimitExceeded",
        _ => "InternalServerError",
    }
}

fn batch_error(e: &AwsError) -> Value {
    let mut err = json!({"Code": batch_code(e), "Message": e.message});
    if let Some(item) = e.extra.as_ref().and_then(|x| x.get("Item")) {
        err["Item"] = item.clone();
    }
    json!({"Error": err})
}

/// One member of a batch, read and parsed.
struct Member<'a> {
    consistent: bool,
    on_failure: Option<&'a str>,
    prepared: Result<(Statement, Vec<AttributeValue>), AwsError>,
}

enum BatchOp {
    Get { table: String, key: PrimaryKey, paths: Option<Vec<Path>>, consistent: bool },
    Write(Box<WritePlan>),
}

fn add_units(units: &mut BTreeMap<String, capacity::Consumed>, table: &str, u: &capacity::Consumed) {
    units.entry(table.to_string()).or_default().add(u);
}

fn consumed_list(mode: ReturnConsumedCapacity, units: &BTreeMap<String, capacity::Consumed>, member: Option<&str>) -> Option<Value> {
    if units.is_empty() {
        return None;
    }
    capacity::list(mode, units, member)
}

pub fn batch_execute_statement(db: &mut DynamoDb, cx: &mut Cx, input_value: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input_value)?;
    let statements = input.list("Statements")?;
    let rcc = input.string("ReturnConsumedCapacity")?;
    let mut c = Constraints::default();
    c.not_null(statements, "statements");
    let list = statements.map(Vec::as_slice).unwrap_or_default();
    if statements.is_some() && list.is_empty() {
        c.add(Some("[]"), "statements", "Member must have length greater than or equal to 1");
    }
    let members_in = Input::elements(list, "BatchStatementRequest")?;
    let mut raw = Vec::with_capacity(members_in.len());
    for (i, m) in members_in.iter().enumerate() {
        let statement = m.string("Statement")?;
        let params = m.list("Parameters")?;
        let consistent = m.boolean("ConsistentRead")?.unwrap_or(false);
        let on_failure = m.string("ReturnValuesOnConditionCheckFailure")?;
        constrain_statement(&mut c, statement, &format!("statements.{}.member.statement", i + 1));
        constrain_parameters(&mut c, params, &format!("statements.{}.member.parameters", i + 1));
        c.one_of(on_failure, &format!("statements.{}.member.returnValuesOnConditionCheckFailure", i + 1), &["ALL_OLD", "NONE"]);
        raw.push((statement.unwrap_or_default(), params, consistent, on_failure));
    }
    c.one_of(rcc, "returnConsumedCapacity", capacity::ENUM);
    c.finish()?;
    if list.len() > MAX_BATCH_STATEMENTS {
        return Err(invalid(format!(
            "1 validation error detected: Value at 'statements' failed to satisfy constraint: Member must have length less than or equal to {MAX_BATCH_STATEMENTS}"
        )));
    }
    let members: Vec<Member> = raw
        .into_iter()
        .map(|(text, params, consistent, on_failure)| Member {
            consistent,
            on_failure,
            prepared: prepare(text, params).and_then(|(s, p)| {
                match &s {
                    Statement::Exists(_) | Statement::Expr { n_ary: true, .. } => return Err(invalid(EXISTS_ONLY_IN_TRANSACTIONS)),
                    Statement::Expr { .. } | Statement::InsertMany => return Err(invalid("Invalid operation. Only select, insert, update and delete operations are valid")),
                    _ => {}
                }
                Ok((s, p))
            }),
        })
        .collect();
    // A batch is all reads or all writes; statements that did not parse take no part.
    let reads = members.iter().filter(|m| matches!(&m.prepared, Ok((Statement::Select(_), _)))).count();
    let writes = members.iter().filter(|m| m.prepared.is_ok()).count() - reads;
    if reads > 0 && writes > 0 {
        return Err(invalid("Read and write requests together in the same batch is not supported."));
    }
    let region = cx.region.to_string();
    // Plan every statement, then refuse two statements on one item, before anything runs.
    let ops: Vec<Result<BatchOp, AwsError>> = members
        .iter()
        .map(|m| {
            let (stmt, params) = m.prepared.as_ref().map_err(Clone::clone)?;
            match stmt {
                Statement::Select(sel) => {
                    let (table, key, paths) = plan_get(db, &region, sel, params, BATCH_SELECT_KEY, BATCH_SELECT_KEY)?;
                    Ok(BatchOp::Get { table, key, paths, consistent: m.consistent })
                }
                other => Ok(BatchOp::Write(Box::new(plan_write(db, &region, other, params)?))),
            }
        })
        .collect();
    let mut seen = HashSet::new();
    for op in ops.iter().flatten() {
        let target = match op {
            BatchOp::Get { table, key, .. } => (table, key),
            BatchOp::Write(p) => (&p.table, &p.key),
        };
        if !seen.insert(target) {
            return Err(invalid("Provided list of item keys contains duplicates"));
        }
    }
    let mut responses = Vec::with_capacity(ops.len());
    let mut units: BTreeMap<String, capacity::Consumed> = BTreeMap::new();
    for (op, m) in ops.into_iter().zip(&members) {
        let response = match op {
            Err(e) => batch_error(&e),
            Ok(BatchOp::Get { table, key, paths, consistent }) => match db.active_table(&region, &table) {
                Err(e) => batch_error(&e),
                Ok(t) => {
                    let (item, size) = get_item(t, &key, paths.as_deref());
                    let cost = capacity::Consumed::table(capacity::read_units(size, consistent));
                    if let Err(e) = t.charge(cx.now_ms, "BatchExecuteStatement", super::throttle::Access::Read, &cost) {
                        responses.push(batch_error(&e));
                        continue;
                    }
                    add_units(&mut units, &table, &cost);
                    let mut r = json!({"TableName": table});
                    if let Some(i) = item {
                        r["Item"] = item_to_json(&i);
                    }
                    r
                }
            },
            Ok(BatchOp::Write(plan)) => {
                let outcome = db.active_table(&region, &plan.table).and_then(|t| {
                    exec::evaluate(t, &plan, m.on_failure).and_then(|o| t.charge(cx.now_ms, "BatchExecuteStatement", super::throttle::Access::Write, &o.units).map(|_| o))
                });
                match outcome {
                    Err(e) => batch_error(&e),
                    Ok(o) => {
                        add_units(&mut units, &plan.table, &o.units);
                        let mut r = json!({"TableName": plan.table});
                        if let Some(i) = &o.returned {
                            r["Item"] = item_to_json(i);
                        }
                        exec::commit(db, cx, &region, &plan, o.new);
                        r
                    }
                }
            }
        };
        responses.push(response);
    }
    let mut out = json!({"Responses": responses});
    if let Some(cc) = consumed_list(ReturnConsumedCapacity::parse(rcc), &units, None) {
        out["ConsumedCapacity"] = cc;
    }
    Ok(out)
}

// ---- ExecuteTransaction ----

/// A cancellation reason for a statement that failed against the items.
fn reason(e: &AwsError) -> Option<Value> {
    match e.kind.as_str() {
        "ConditionalCheckFailedException" => {
            let mut r = json!({"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"});
            if let Some(item) = e.extra.as_ref().and_then(|x| x.get("Item")) {
                r["Item"] = item.clone();
            }
            Some(r)
        }
        "DuplicateItemException" | "ValidationException" => Some(json!({"Code": "ValidationError", "Message": e.message})),
        _ => None,
    }
}

pub fn execute_transaction(db: &mut DynamoDb, cx: &mut Cx, input_value: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input_value)?;
    let statements = input.list("TransactStatements")?;
    let token = input.string("ClientRequestToken")?;
    let rcc = input.string("ReturnConsumedCapacity")?;
    let mut c = Constraints::default();
    c.not_null(statements, "transactStatements");
    let list = statements.map(Vec::as_slice).unwrap_or_default();
    let members_in = Input::elements(list, "ParameterizedStatement")?;
    let mut raw = Vec::with_capacity(members_in.len());
    for (i, m) in members_in.iter().enumerate() {
        let statement = m.string("Statement")?;
        let params = m.list("Parameters")?;
        let on_failure = m.string("ReturnValuesOnConditionCheckFailure")?;
        constrain_statement(&mut c, statement, &format!("transactStatements.{}.member.statement", i + 1));
        constrain_parameters(&mut c, params, &format!("transactStatements.{}.member.parameters", i + 1));
        c.one_of(on_failure, &format!("transactStatements.{}.member.returnValuesOnConditionCheckFailure", i + 1), &["ALL_OLD", "NONE"]);
        raw.push((statement.unwrap_or_default(), params, on_failure));
    }
    if let Some(t) = token.filter(|t| t.is_empty() || t.len() > 36) {
        c.add(Some(t), "clientRequestToken", if t.is_empty() { "Member must have length greater than or equal to 1" } else { "Member must have length less than or equal to 36" });
    }
    c.one_of(rcc, "returnConsumedCapacity", capacity::ENUM);
    c.finish()?;
    if statements.is_some() && (list.is_empty() || list.len() > MAX_ACTIONS) {
        return Err(invalid(format!(
            "1 validation error detected: Value at 'transactStatements' failed to satisfy constraint: Member must have length {} {}",
            if list.is_empty() { "greater than or equal to" } else { "less than or equal to" },
            if list.is_empty() { 1 } else { MAX_ACTIONS }
        )));
    }
    if serde_json::to_vec(input_value).map(|b| b.len()).unwrap_or(0) > MAX_REQUEST_BYTES {
        return Err(invalid("Transaction request cannot be larger than 4 MB"));
    }
    let prefixed = |i: usize, e: AwsError| if e.kind == "ValidationException" { invalid(format!("Validation failed in TransactStatements[{i}]: {}", e.message)) } else { e };
    // Parse every statement first: a transaction is all reads or all writes.
    let mut prepared = Vec::with_capacity(raw.len());
    for (i, (text, params, on_failure)) in raw.iter().enumerate() {
        let stmt = parse_statement(text).map_err(|e| prefixed(i, e))?;
        let bound = parameters(*params)?;
        if stmt.params != bound.len() {
            return Err(prefixed(i, invalid(PARAM_COUNT)));
        }
        refuse_other(&stmt.statement, true).map_err(|e| prefixed(i, e))?;
        prepared.push((stmt.statement, bound, *on_failure));
    }
    let reads = prepared.iter().filter(|(s, _, _)| matches!(s, Statement::Select(_))).count();
    if reads > 0 && reads < prepared.len() {
        return Err(invalid("ExecuteTransaction API does not support both read and write operations in the same request."));
    }
    let mode = ReturnConsumedCapacity::parse(rcc);
    let region = cx.region.to_string();
    if reads > 0 {
        return transact_reads(db, &region, cx.now_ms, &prepared, mode);
    }
    for (i, (s, _, _)) in prepared.iter().enumerate() {
        if let Statement::Update { returning: Some(_), .. } | Statement::Delete { returning: Some(_), .. } = s {
            return Err(prefixed(i, invalid("RETURNING clause is not supported in ExecuteTransaction.")));
        }
    }
    // Idempotency: the same token within ten minutes answers as the first time.
    if let Some(t) = token {
        db.expire_tokens(cx.journal, &region, cx.now_ms);
        if let Some(prev) = db.token(&region, t) {
            let strip = |v: &Value| {
                let mut v = v.clone();
                if let Some(o) = v.as_object_mut() {
                    o.remove("ReturnConsumedCapacity");
                }
                v
            };
            if strip(input_value) != strip(&prev.request) {
                return Err(AwsError::new(
                    ERROR_NAMESPACE,
                    "IdempotentParameterMismatchException",
                    "Request parameters do not match previous request with same client request token",
                    400,
                ));
            }
            return Ok(json!({"Responses": []}));
        }
    }
    // Plan every statement against the schema.
    let mut plans = Vec::with_capacity(prepared.len());
    for (i, (s, params, _)) in prepared.iter().enumerate() {
        match plan_write(db, &region, s, params) {
            Ok(p) => plans.push(p),
            Err(e) if e.message.starts_with(KEY_ABSENT) || e.message.starts_with(KEY_MISMATCH) => {
                let mut reasons = vec![json!({"Code": "None"}); prepared.len()];
                reasons[i] = json!({"Code": "ValidationError", "Message": e.message});
                return Err(canceled(reasons));
            }
            Err(e) => return Err(prefixed(i, e)),
        }
    }
    let mut seen = HashSet::new();
    for p in &plans {
        if !seen.insert((&p.table, &p.key)) {
            return Err(invalid("Transaction request cannot include multiple operations on one item"));
        }
    }
    // Evaluate every statement against the items as they are before the transaction.
    let mut outcomes = Vec::with_capacity(plans.len());
    let mut reasons = Vec::with_capacity(plans.len());
    let mut failed = false;
    for (p, (_, _, on_failure)) in plans.iter().zip(&prepared) {
        let outcome = db.active_table(&region, &p.table).and_then(|t| exec::evaluate(t, p, *on_failure).map(|o| (t, o)));
        match outcome {
            Ok((t, o)) => {
                // Throughput: transactions cost twice the units of the same plain writes.
                let admitted = t.throughput.borrow_mut().check(&t.meta, cx.now_ms, super::throttle::Access::Write, &o.units.clone().times(2.0));
                match admitted {
                    Ok(()) => reasons.push(json!({"Code": "None"})),
                    Err(th) => {
                        // One throttled request, however many of its statements were.
                        let first = !reasons.iter().any(|r| r["Code"] == "ThrottlingError");
                        t.throughput.borrow_mut().throttled(&t.meta, cx.now_ms, &th, "ExecuteTransaction", first);
                        failed = true;
                        reasons.push(json!({"Code": "ThrottlingError", "Message": th.message()}));
                    }
                }
                outcomes.push(Some(o));
            }
            Err(e) => match reason(&e) {
                Some(r) => {
                    failed = true;
                    reasons.push(r);
                    outcomes.push(None);
                }
                None => return Err(e),
            },
        }
    }
    if failed {
        return Err(canceled(reasons));
    }
    // Apply: everything is validated, nothing can fail now.
    let mut units: BTreeMap<String, capacity::Consumed> = BTreeMap::new();
    for (p, o) in plans.iter().zip(outcomes.into_iter().flatten()) {
        // Transactions cost twice the units of the same plain writes.
        let cost = o.units.times(2.0);
        if let Ok(t) = db.active_table(&region, &p.table) {
            t.throughput.borrow_mut().take(&t.meta, cx.now_ms, super::throttle::Access::Write, &cost);
        }
        add_units(&mut units, &p.table, &cost);
        exec::commit(db, cx, &region, p, o.new);
    }
    if let Some(t) = token {
        let record = TokenRecord { request: input_value.clone(), at_ms: cx.now_ms };
        cx.journal.put_json(super::token_key(&region, t), &record);
        db.tokens_mut(&region).insert(t.to_string(), record);
    }
    let mut out = json!({"Responses": []});
    if let Some(cc) = consumed_list(mode, &units, Some("WriteCapacityUnits")) {
        out["ConsumedCapacity"] = cc;
    }
    Ok(out)
}

/// A transaction of SELECTs, read together as TransactGetItems reads.
fn transact_reads(db: &DynamoDb, region: &str, now_ms: i64, prepared: &[(Statement, Vec<AttributeValue>, Option<&str>)], mode: ReturnConsumedCapacity) -> Result<Value, AwsError> {
    let mut gets = Vec::with_capacity(prepared.len());
    for (i, (s, params, _)) in prepared.iter().enumerate() {
        let Statement::Select(sel) = s else { return Err(AwsError::internal("not a read")) };
        let get = plan_get(db, region, sel, params, TRANSACTION_SELECT_KEY, "Reads on indices are not supported within transactions.").map_err(|e| {
            if e.kind == "ValidationException" {
                invalid(format!("Validation failed in TransactStatements[{i}]: {}", e.message))
            } else {
                e
            }
        })?;
        gets.push(get);
    }
    let mut seen = HashSet::new();
    for (table, key, _) in &gets {
        if !seen.insert((table, key)) {
            return Err(invalid("Transaction request cannot include multiple operations on one item"));
        }
    }
    // Throughput: every read admitted, or the transaction is cancelled with ThrottlingError.
    let mut reasons = Vec::with_capacity(gets.len());
    let mut costs = Vec::with_capacity(gets.len());
    let mut refused = false;
    for (table, key, paths) in &gets {
        let t = db.active_table(region, table)?;
        let (_, size) = get_item(t, key, paths.as_deref());
        let cost = capacity::Consumed::table(2.0 * capacity::read_units(size, true));
        let admitted = t.throughput.borrow_mut().check(&t.meta, now_ms, super::throttle::Access::Read, &cost);
        match admitted {
            Ok(()) => reasons.push(json!({"Code": "None"})),
            Err(th) => {
                t.throughput.borrow_mut().throttled(&t.meta, now_ms, &th, "ExecuteTransaction", !refused);
                refused = true;
                reasons.push(json!({"Code": "ThrottlingError", "Message": th.message()}));
            }
        }
        costs.push(cost);
    }
    if refused {
        return Err(canceled(reasons));
    }
    let mut responses = Vec::with_capacity(gets.len());
    let mut units: BTreeMap<String, capacity::Consumed> = BTreeMap::new();
    for ((table, key, paths), cost) in gets.iter().zip(costs) {
        let t = db.active_table(region, table)?;
        let (item, _) = get_item(t, key, paths.as_deref());
        t.throughput.borrow_mut().take(&t.meta, now_ms, super::throttle::Access::Read, &cost);
        add_units(&mut units, table, &cost);
        responses.push(match item {
            Some(i) => json!({"Item": item_to_json(&i)}),
            None => json!({}),
        });
    }
    let mut out = json!({"Responses": responses});
    if let Some(cc) = consumed_list(mode, &units, Some("ReadCapacityUnits")) {
        out["ConsumedCapacity"] = cc;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
