//! Scan: walks the table in placement-hash order, one page at a time. A page ends after `Limit`
//! items or once 1 MB has been read, and then carries LastEvaluatedKey. Parallel scans split the
//! hash space into `TotalSegments` equal ranges.

use std::ops::Bound;

use serde_json::Value;

use super::{
    capacity::{self, ReturnConsumedCapacity},
    index::{self as idx, IndexKind},
    input::{Constraints, Input},
    legacy,
    page::{self, PageSpec, ReadArgs},
    reply::{Reply, Row},
    requests::{self, Expressions},
    value::item_from_json,
    DynamoDb,
};
use crate::kernel::{error::AwsError, service::Cx};

pub const MAX_TOTAL_SEGMENTS: i64 = 1_000_000;

/// The half-open range of placement hashes segment `s` of `n` covers.
fn segment_range(s: u64, n: u64) -> (u64, Option<u64>) {
    let width = (u128::from(u64::MAX) + 1) / u128::from(n);
    let start = (u128::from(s) * width) as u64;
    let end = if s + 1 == n { None } else { Some((u128::from(s + 1) * width) as u64) };
    (start, end)
}

fn starting_key_invalid(e: AwsError) -> AwsError {
    AwsError::validation(format!("The provided starting key is invalid: {}", e.message))
}

pub fn scan(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    scan_reply(db, cx, &Input::new(input)?).map(Reply::into_value)
}

pub fn scan_reply<'db>(db: &'db mut DynamoDb, cx: &mut Cx, input: &Input) -> Result<Reply<'db>, AwsError> {
    let args = ReadArgs::read(input, "ScanFilter")?;
    let segment = input.integer("Segment")?;
    let total = input.integer("TotalSegments")?;
    let mut c = Constraints::default();
    ReadArgs::constrain_head(&mut c, args.table_name, args.index_name, args.limit);
    c.min(segment, "segment", 0);
    c.max(segment, "segment", MAX_TOTAL_SEGMENTS - 1);
    c.min(total, "totalSegments", 1);
    c.max(total, "totalSegments", MAX_TOTAL_SEGMENTS);
    args.constrain_tail(&mut c, "scanFilter");
    c.finish()?;
    requests::preflight(input, &requests::SCAN)?;
    let attributes = args.attributes_to_get.as_deref().map(legacy::attributes_to_get).transpose()?;
    let scan_filter = legacy::filter_conditions(args.filter.as_deref())?;
    let ReadArgs { table_name, index_name, limit, select, start, consistent, rcc, conditional_operator, .. } = args;
    let start = start.map(|s| item_from_json(s).map_err(starting_key_invalid)).transpose()?;
    match (segment, total) {
        (Some(_), None) => return Err(AwsError::validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")),
        (None, Some(_)) => return Err(AwsError::validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")),
        (Some(s), Some(t)) if s >= t => {
            return Err(AwsError::validation(format!(
                "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {s} is not less than TotalSegments: {t}"
            )));
        }
        _ => {}
    }
    let exprs = Expressions::parse(input, &requests::SCAN)?;
    check_select(select, projection_member(exprs.projection.is_some(), attributes.is_some()), index_name.is_some(), false)?;
    let filter = exprs.filter.or_else(|| legacy::combine(&scan_filter, conditional_operator));
    let projection = exprs.projection.or(attributes);
    let table_name = table_name.unwrap_or_default();
    let table = db.active_table(cx.region, table_name)?;
    let (seg, total) = (segment.unwrap_or(0) as u64, total.unwrap_or(1) as u64);
    let (lo, hi) = segment_range(seg, total);
    let in_segment = move |h: u64| h >= lo && hi.is_none_or(|x| h < x);
    let spec = PageSpec { limit: limit.map(|l| l as usize), filter: filter.as_ref(), projection: projection.as_deref(), count_only: select == Some("COUNT") };
    let wrong_segment = || {
        AwsError::validation(format!(
            "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: {total} Segment: {seg}"
        ))
    };
    let page = match index_name {
        None => {
            let lower = match &start {
                Some(s) => {
                    let k = table.meta.key_schema.key_from_map(s).map_err(starting_key_invalid)?;
                    if !in_segment(k.hash_pos) {
                        return Err(wrong_segment());
                    }
                    Bound::Excluded(k)
                }
                None => Bound::Unbounded,
            };
            let candidates = table
                .items
                .range_stored((lower, Bound::Unbounded))
                .skip_while(|(k, _)| k.hash_pos < lo)
                .take_while(|(k, _)| hi.is_none_or(|h| k.hash_pos < h))
                .map(|(_, i)| Row::Stored(i));
            page::build(&idx::key_names(None, &table.meta.key_schema), candidates, &spec)
        }
        Some(name) => {
            let meta = table.readable_index(name)?;
            if consistent && meta.kind == IndexKind::Global {
                return Err(AwsError::validation("Consistent reads are not supported on global secondary indexes"));
            }
            let whole = index_reads_whole_items(meta, select)?;
            let state = table.indexes.get(name).ok_or_else(|| AwsError::internal("index state missing"))?;
            let from = match &start {
                Some(s) => {
                    let pos = idx::start_position(meta, &table.meta.key_schema, s)?;
                    if !in_segment(pos.0 .0) {
                        return Err(wrong_segment());
                    }
                    Some(pos)
                }
                None => None,
            };
            let schema = &table.meta.key_schema;
            let candidates = state
                .entries
                .iter()
                .flat_map(|(part, set)| set.iter().map(move |e| (part, e)))
                .filter(|(part, _)| in_segment(part.0))
                .skip_while(|(part, e)| from.as_ref().is_some_and(|f| ((*part).clone(), (*e).clone()) <= *f))
                .filter_map(|(_, (_, tk))| table.items.get_stored(tk))
                .map(|item| if whole { Row::Stored(item) } else { Row::Owned(meta.project(item.item(), schema)) });
            page::build(&idx::key_names(Some(meta), schema), candidates, &spec)
        }
    };
    let (mut out, bytes) = (page.reply, page.bytes);
    let consumed = capacity::Consumed::read(index_name.and_then(|n| table.index(n)), capacity::read_units(bytes, consistent));
    table.charge(cx.now_ms, "Scan", super::throttle::Access::Read, &consumed)?;
    capacity::attach_map(&mut out.rest, ReturnConsumedCapacity::parse(rcc), table_name, &consumed);
    Ok(out)
}

/// Whether an index read returns whole items: the index projects every attribute, or Select is
/// ALL_ATTRIBUTES on a local secondary index (DynamoDB then fetches each item from the table). A
/// global secondary index cannot fetch, so it refuses ALL_ATTRIBUTES unless it projects ALL.
pub fn index_reads_whole_items(meta: &idx::IndexMeta, select: Option<&str>) -> Result<bool, AwsError> {
    if meta.projection == idx::ProjectionType::All {
        return Ok(true);
    }
    match (select, meta.kind) {
        (Some("ALL_ATTRIBUTES"), IndexKind::Global) => Err(AwsError::validation(format!(
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
            meta.name
        ))),
        (Some("ALL_ATTRIBUTES"), IndexKind::Local) => Ok(true),
        _ => Ok(false),
    }
}

/// Which member asked for specific attributes, for Select's messages.
pub fn projection_member(expression: bool, attributes_to_get: bool) -> Option<&'static str> {
    if expression {
        Some("ProjectionExpression")
    } else if attributes_to_get {
        Some("AttributesToGet")
    } else {
        None
    }
}

/// Select and projections must agree, as AWS checks. `projection` names the member that asked
/// for specific attributes (ProjectionExpression or AttributesToGet); Query's messages carry
/// Coral's "1 validation error detected: " prefix, Scan's do not.
pub fn check_select(select: Option<&str>, projection: Option<&str>, on_index: bool, query: bool) -> Result<(), AwsError> {
    let prefix = if query { "1 validation error detected: " } else { "" };
    let fail = |m: String| Err(AwsError::validation(format!("{prefix}{m}")));
    match (select, projection) {
        (Some("SPECIFIC_ATTRIBUTES"), None) => fail("Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES".into()),
        (Some("ALL_ATTRIBUTES"), Some(p)) => fail(format!("Cannot specify the {p} when choosing to get ALL_ATTRIBUTES")),
        (Some("ALL_PROJECTED_ATTRIBUTES"), Some(p)) => fail(format!("Cannot specify the {p} when choosing to get ALL_PROJECTED_ATTRIBUTES")),
        (Some("COUNT"), Some(p)) => fail(format!("Cannot specify the {p} when choosing to get only the Count")),
        (Some("ALL_PROJECTED_ATTRIBUTES"), None) if !on_index => fail("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName".into()),
        _ => Ok(()),
    }
}
