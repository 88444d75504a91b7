//! Running translated statements against the tables.
//!
//! Reads walk candidate items (one or more partitions of a table or index in key order, or the
//! whole table or index in placement order) through [`page::build`], the page rules Query and
//! Scan share: Limit and the 1 MB rule count items read, the WHERE clause filters after
//! counting. A page that stops early hands back an opaque NextToken that resumes after the
//! last item read.
//!
//! Writes are evaluated first (conditions, the new item, its validity) without changing
//! anything, then committed through the same journal records as PutItem, UpdateItem and
//! DeleteItem, so secondary indexes and persistence follow.

use std::{borrow::Cow, ops::Bound};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use super::{
    parser::Mapping,
    plan::{invalid, ReadPlan, SortRange},
};
use crate::{
    kernel::{error::AwsError, service::Cx},
    services::dynamodb::{
        capacity,
        expr::{eval, update, Cond, Path, PathElem},
        index::{self as idx, IndexMeta, ProjectionType},
        items::check_condition,
        key::{KeyValue, PrimaryKey},
        page::{self, PageSpec},
        reply::{self, Reply},
        streams,
        table::Table,
        value::{item_from_json, item_size, item_to_json, Item, MAX_ITEM_BYTES},
        DynamoDb, ERROR_NAMESPACE,
    },
};

type Items<'a> = Box<dyn Iterator<Item = Cow<'a, Item>> + 'a>;

/// What a SELECT reads and how.
pub struct ReadSpec<'a> {
    pub table: &'a Table,
    pub index: Option<&'a IndexMeta>,
    pub plan: ReadPlan,
    /// Sort-key order within each partition (ORDER BY ... DESC walks backwards).
    pub forward: bool,
    /// Whether candidates are reduced to the index's projected attributes.
    pub index_projection: bool,
}

fn bad_token() -> AwsError {
    invalid("Invalid NextToken")
}

fn table_partition<'a>(table: &'a Table, pk: KeyValue, range: Option<SortRange>, forward: bool, after: Option<PrimaryKey>) -> Items<'a> {
    let hash_pos = pk.placement_hash();
    let first = PrimaryKey { hash_pos, pk: pk.clone(), sk: None };
    let in_part = move |k: &PrimaryKey| k.hash_pos == hash_pos && k.pk == pk;
    let wanted = move |k: &PrimaryKey| range.as_ref().is_none_or(|r| k.sk.as_ref().is_some_and(|s| r.holds(s)));
    if forward {
        let lower = match after {
            Some(a) => Bound::Excluded(a),
            None => Bound::Included(first),
        };
        Box::new(table.items.range((lower, Bound::Unbounded)).take_while(move |(k, _)| in_part(k)).filter(move |(k, _)| wanted(k)).map(|(_, i)| Cow::Borrowed(i)))
    } else {
        // Find the partition's end going forward, then walk it backwards: O(partition size).
        let all: Vec<(&PrimaryKey, &Item)> = table.items.range((Bound::Included(first), Bound::Unbounded)).take_while(|(k, _)| in_part(k)).collect();
        Box::new(all.into_iter().rev().skip_while(move |(k, _)| after.as_ref().is_some_and(|a| *k >= a)).filter(move |(k, _)| wanted(k)).map(|(_, i)| Cow::Borrowed(i)))
    }
}

fn projector<'a>(table: &'a Table, meta: &'a IndexMeta, project: bool) -> impl Fn(&'a Item) -> Cow<'a, Item> + 'a {
    move |i: &'a Item| {
        if project && meta.projection != ProjectionType::All {
            Cow::Owned(meta.project(i, &table.meta.key_schema))
        } else {
            Cow::Borrowed(i)
        }
    }
}

type IndexEntry = (Option<KeyValue>, PrimaryKey);

fn index_partition<'a>(table: &'a Table, meta: &'a IndexMeta, pk: KeyValue, range: Option<SortRange>, forward: bool, after: Option<IndexEntry>, project: bool) -> Items<'a> {
    let part = (pk.placement_hash(), pk);
    let Some(set) = table.indexes.get(&meta.name).and_then(|st| st.entries.get(&part)) else {
        return Box::new(std::iter::empty());
    };
    let entries: Box<dyn Iterator<Item = &'a IndexEntry> + 'a> = match (forward, after) {
        (true, Some(a)) => Box::new(set.range((Bound::Excluded(a), Bound::Unbounded))),
        (true, None) => Box::new(set.iter()),
        (false, Some(a)) => Box::new(set.range((Bound::Unbounded, Bound::Excluded(a))).rev()),
        (false, None) => Box::new(set.iter().rev()),
    };
    let show = projector(table, meta, project);
    Box::new(entries.filter(move |(isk, _)| range.as_ref().is_none_or(|r| isk.as_ref().is_some_and(|s| r.holds(s)))).filter_map(move |(_, tk)| table.items.get(tk)).map(show))
}

/// The candidate items of a read, starting after `start` (a key from a NextToken).
pub fn candidates<'a>(spec: &ReadSpec<'a>, start: Option<&Item>) -> Result<Items<'a>, AwsError> {
    let table = spec.table;
    let schema = &table.meta.key_schema;
    let forward = spec.forward;
    match (&spec.plan, spec.index) {
        (ReadPlan::Scan, None) => {
            let lower = match start {
                Some(s) => Bound::Excluded(schema.key_from_map(s).map_err(|_| bad_token())?),
                None => Bound::Unbounded,
            };
            Ok(Box::new(table.items.range((lower, Bound::Unbounded)).map(|(_, i)| Cow::Borrowed(i))))
        }
        (ReadPlan::Scan, Some(meta)) => {
            let from = start.map(|s| idx::start_position(meta, schema, s).map_err(|_| bad_token())).transpose()?;
            let Some(state) = table.indexes.get(&meta.name) else {
                return Ok(Box::new(std::iter::empty()));
            };
            let show = projector(table, meta, spec.index_projection);
            Ok(Box::new(
                state
                    .entries
                    .iter()
                    .flat_map(|(part, set)| set.iter().map(move |e| (part, e)))
                    .skip_while(move |(part, e)| from.as_ref().is_some_and(|f| ((*part).clone(), (*e).clone()) <= *f))
                    .filter_map(move |(_, (_, tk))| table.items.get(tk))
                    .map(show),
            ))
        }
        (ReadPlan::Query(parts), None) => {
            let (first, after) = match start {
                Some(s) => {
                    let k = schema.key_from_map(s).map_err(|_| bad_token())?;
                    let p = parts.iter().position(|(pk, _)| *pk == k.pk).ok_or_else(bad_token)?;
                    (p, Some(k))
                }
                None => (0, None),
            };
            let parts = parts[first..].to_vec();
            Ok(Box::new(parts.into_iter().enumerate().flat_map(move |(j, (pk, range))| table_partition(table, pk, range, forward, if j == 0 { after.clone() } else { None }))))
        }
        (ReadPlan::Query(parts), Some(meta)) => {
            let (first, after) = match start {
                Some(s) => {
                    let ((_, pk), entry) = idx::start_position(meta, schema, s).map_err(|_| bad_token())?;
                    let p = parts.iter().position(|(k, _)| *k == pk).ok_or_else(bad_token)?;
                    (p, Some(entry))
                }
                None => (0, None),
            };
            let parts = parts[first..].to_vec();
            let project = spec.index_projection;
            Ok(Box::new(
                parts
                    .into_iter()
                    .enumerate()
                    .flat_map(move |(j, (pk, range))| index_partition(table, meta, pk, range, forward, if j == 0 { after.clone() } else { None }, project)),
            ))
        }
    }
}

/// One page of a SELECT.
pub struct PageOut {
    pub items: Vec<Value>,
    pub last_key: Option<Value>,
    /// Bytes of the items read (for capacity units).
    pub bytes: usize,
}

pub fn read_page(spec: &ReadSpec, filter: Option<&Cond>, projection: Option<&[Path]>, limit: Option<usize>, start: Option<&Item>) -> Result<PageOut, AwsError> {
    let iter = candidates(spec, start)?;
    let key_names = idx::key_names(spec.index, &spec.table.meta.key_schema);
    let page = page::build(&key_names, iter, &PageSpec { limit, filter, projection: None, count_only: false });
    let Reply { items, mut rest } = page.reply;
    let rows = match items {
        Some((_, reply::Items::Many(rows))) => rows,
        _ => Vec::new(),
    };
    let items = rows
        .iter()
        .map(|row| match projection {
            None => item_to_json(row),
            Some(paths) => item_to_json(&unnest(row, paths)),
        })
        .collect();
    Ok(PageOut { items, last_key: rest.remove("LastEvaluatedKey"), bytes: page.bytes })
}

/// The name a projected path gets in a result: its last attribute name, with any list indexes
/// that follow it (`a.b[1]` comes back as `b[1]`), as DynamoDB unnests projections.
fn unnest_name(p: &Path) -> String {
    let last = p.0.iter().rposition(|e| matches!(e, PathElem::Attr(_))).unwrap_or(0);
    let mut name = String::new();
    for e in &p.0[last..] {
        match e {
            PathElem::Attr(a) => name.push_str(a),
            PathElem::Index(i) => name.push_str(&format!("[{i}]")),
        }
    }
    name
}

/// A SELECT's projection of an item: each path's value under its unnested name.
pub fn unnest(item: &Item, paths: &[Path]) -> Item {
    let mut out = Item::default();
    for p in paths {
        if let Some(v) = eval::resolve(item, p) {
            out.insert(unnest_name(p), v.clone());
        }
    }
    out
}

// ---- NextToken ----

/// How long a NextToken stays valid, as DynamoDB allows (virtual time).
pub const TOKEN_TTL_MS: i64 = 60 * 60 * 1000;
const TOKEN_SALT: &[u8] = b"gureum/partiql/next-token/v1";

fn token_check(payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(TOKEN_SALT);
    h.update(payload);
    h.finalize()
}

/// An opaque NextToken: the key to resume after, the request it belongs to and when it was made,
/// with a check value so that a token altered by hand is refused.
pub fn encode_token(request_hash: u32, now_ms: i64, last_key: &Value) -> String {
    let payload = json!({"v": 1, "h": request_hash, "t": now_ms, "k": last_key}).to_string().into_bytes();
    let mut bytes = payload.clone();
    bytes.extend_from_slice(&token_check(&payload).to_be_bytes());
    B64.encode(bytes)
}

pub fn decode_token(token: &str, request_hash: u32, now_ms: i64) -> Result<Item, AwsError> {
    let bytes = B64.decode(token.as_bytes()).map_err(|_| bad_token())?;
    if bytes.len() < 4 {
        return Err(bad_token());
    }
    let (payload, check) = bytes.split_at(bytes.len() - 4);
    if token_check(payload).to_be_bytes() != check {
        return Err(bad_token());
    }
    let v: Value = serde_json::from_slice(payload).map_err(|_| bad_token())?;
    if v["v"] != 1 {
        return Err(bad_token());
    }
    if v["h"].as_u64() != Some(u64::from(request_hash)) {
        return Err(invalid("NextToken does not match request"));
    }
    let made = v["t"].as_i64().ok_or_else(bad_token)?;
    if now_ms - made >= TOKEN_TTL_MS {
        return Err(invalid("Given NextToken has already expired"));
    }
    item_from_json(&v["k"]).map_err(|_| bad_token())
}

// ---- writes ----

#[derive(Debug, Clone, PartialEq)]
pub enum WriteKind {
    Insert(Item),
    Update(Vec<update::Action>),
    Delete,
    /// EXISTS(...) in a transaction: a condition on an item, no change.
    Check,
}

/// One write, fully validated against the table's schema; its conditions are checked against
/// the item when it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct WritePlan {
    pub table: String,
    pub key: PrimaryKey,
    pub kind: WriteKind,
    /// The WHERE clause beyond the key.
    pub cond: Option<Cond>,
    pub returning: Option<Mapping>,
}

/// What a write would do, computed without changing anything.
pub struct Outcome {
    /// The item after the write: None for unchanged (a condition check), Some(None) for deleted.
    pub new: Option<Option<Item>>,
    /// What RETURNING returns.
    pub returned: Option<Item>,
    /// What a plain write of this kind consumes.
    pub units: capacity::Consumed,
}

pub fn conditional_failed() -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "ConditionalCheckFailedException", "The conditional request failed", 400)
}

pub fn duplicate_item() -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "DuplicateItemException", "Duplicate primary key exists in table", 400)
}

pub fn evaluate(table: &Table, plan: &WritePlan, on_failure: Option<&str>) -> Result<Outcome, AwsError> {
    let current = table.items.get(&plan.key);
    let old_size = current.map(item_size).unwrap_or(0);
    match &plan.kind {
        WriteKind::Insert(item) => {
            if current.is_some() {
                return Err(duplicate_item());
            }
            Ok(Outcome { new: Some(Some(item.clone())), returned: None, units: capacity::Consumed::write(table, None, Some(item)) })
        }
        WriteKind::Update(actions) => {
            // UPDATE carries an implicit attribute_exists on the key: it never creates an item.
            let Some(old) = current else {
                return Err(conditional_failed());
            };
            check_condition(plan.cond.as_ref(), Some(old), on_failure)?;
            let mut new = old.clone();
            update::apply(&mut new, old, actions)?;
            table.check_index_keys(&new)?;
            let size = item_size(&new);
            if size > MAX_ITEM_BYTES {
                return Err(invalid("Item size to update has exceeded the maximum allowed size"));
            }
            let paths: Vec<Path> = actions.iter().map(|a| a.path().clone()).collect();
            let returned = match plan.returning {
                Some(Mapping::AllOld) => Some(old.clone()),
                Some(Mapping::AllNew) => Some(new.clone()),
                Some(Mapping::ModifiedOld) => Some(eval::project(old, &paths)).filter(|i| !i.is_empty()),
                Some(Mapping::ModifiedNew) => Some(eval::project(&new, &paths)).filter(|i| !i.is_empty()),
                None => None,
            };
            let units = capacity::Consumed::write(table, Some(old), Some(&new));
            Ok(Outcome { new: Some(Some(new)), returned, units })
        }
        WriteKind::Delete => {
            check_condition(plan.cond.as_ref(), current, on_failure)?;
            let returned = if plan.returning == Some(Mapping::AllOld) { current.cloned() } else { None };
            Ok(Outcome { new: current.map(|_| None), returned, units: capacity::Consumed::write(table, current, None) })
        }
        WriteKind::Check => {
            let Some(item) = current else {
                return Err(conditional_failed());
            };
            check_condition(plan.cond.as_ref(), Some(item), on_failure)?;
            Ok(Outcome { new: None, returned: None, units: capacity::Consumed::table(capacity::write_units(old_size)) })
        }
    }
}

/// Applies an evaluated write: the journal records and the table change together.
pub fn commit(db: &mut DynamoDb, cx: &mut Cx, region: &str, plan: &WritePlan, new: Option<Option<Item>>) {
    let Some(new) = new else { return };
    let Ok((table, streams)) = db.table_for_write(region, &plan.table) else {
        return;
    };
    match new {
        Some(item) => {
            streams::put_item(table, streams, cx, region, plan.key.clone(), item);
        }
        None => {
            streams::delete_item(table, streams, cx, region, &plan.key);
        }
    }
}
