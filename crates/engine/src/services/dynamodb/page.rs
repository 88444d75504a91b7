//! One page of a Scan or Query: walk candidate items in order, stop after `Limit` evaluated
//! items or once 1 MB has been read, apply the filter after counting (so Limit and the 1 MB
//! rule count items read, not items returned), project, and report LastEvaluatedKey when the
//! page stopped early.

use serde_json::Value;

use super::{
    capacity,
    expr::{eval, Cond, Path},
    input::{Constraints, Input},
    legacy::{self, RawCondition},
    reply::{Items, Reply, Row},
    value::{item_to_json, Item},
};
use crate::kernel::error::AwsError;

/// The request members Query and Scan share, read the same way.
pub struct ReadArgs<'a> {
    pub table_name: Option<&'a str>,
    pub index_name: Option<&'a str>,
    pub limit: Option<i64>,
    pub select: Option<&'a str>,
    pub start: Option<&'a Value>,
    pub consistent: bool,
    pub rcc: Option<&'a str>,
    /// Legacy members: AttributesToGet, the filter map (ScanFilter or QueryFilter) and the
    /// ConditionalOperator that joins it.
    pub attributes_to_get: Option<Vec<&'a str>>,
    pub filter: Option<Vec<RawCondition<'a>>>,
    pub conditional_operator: Option<&'a str>,
}

impl<'a> ReadArgs<'a> {
    /// `filter` is the operation's legacy filter member (ScanFilter or QueryFilter).
    pub fn read(input: &Input<'a>, filter: &str) -> Result<ReadArgs<'a>, AwsError> {
        Ok(ReadArgs {
            table_name: input.string("TableName")?,
            limit: input.integer("Limit")?,
            select: input.string("Select")?,
            start: input.attribute_map("ExclusiveStartKey")?,
            consistent: input.boolean("ConsistentRead")?.unwrap_or(false),
            rcc: input.string("ReturnConsumedCapacity")?,
            index_name: input.string("IndexName")?,
            attributes_to_get: input.string_list("AttributesToGet")?,
            filter: legacy::read_conditions(input, filter)?,
            conditional_operator: input.string("ConditionalOperator")?,
        })
    }

    /// The constraints AWS reports first (names, limit); an operation's own follow.
    pub fn constrain_head(c: &mut Constraints, table: Option<&str>, index: Option<&str>, limit: Option<i64>) {
        c.name(index, "indexName");
        c.name(table, "tableName");
        c.not_null(table, "tableName");
        c.min(limit, "limit", 1);
    }

    /// The constraints AWS reports last (Select, ReturnConsumedCapacity, the legacy members);
    /// `filter_path` is Coral's name for the filter member (`scanFilter`, `queryFilter`).
    pub fn constrain_tail(&self, c: &mut Constraints, filter_path: &str) {
        c.one_of(self.select, "select", &["SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"]);
        c.one_of(self.rcc, "returnConsumedCapacity", capacity::ENUM);
        c.one_of(self.conditional_operator, "conditionalOperator", legacy::CONDITIONAL_OPERATORS);
        legacy::constrain_conditions(c, self.filter.as_deref(), filter_path);
        legacy::constrain_attributes_to_get(c, self.attributes_to_get.as_deref(), "attributesToGet");
    }
}

/// A page stops once this much item data has been read.
pub const PAGE_BYTES: usize = 1024 * 1024;

pub struct PageSpec<'a> {
    pub limit: Option<usize>,
    pub filter: Option<&'a Cond>,
    pub projection: Option<&'a [Path]>,
    pub count_only: bool,
}

pub struct Page<'a> {
    /// `Items` (None for Select COUNT), `Count`, `ScannedCount` and `LastEvaluatedKey`.
    pub reply: Reply<'a>,
    /// Bytes of the items read (for capacity units).
    pub bytes: usize,
}

/// `items` are the candidates in order (already reduced to an index's projection when reading
/// an index); `key_names` are the attributes that make up LastEvaluatedKey (the table's key, plus
/// the index's key when reading an index).
pub fn build<'a, R: Into<Row<'a>>>(key_names: &[String], items: impl Iterator<Item = R>, spec: &PageSpec) -> Page<'a> {
    let limit = spec.limit.unwrap_or(usize::MAX);
    let mut out = Vec::new();
    let (mut scanned, mut count, mut bytes) = (0usize, 0usize, 0usize);
    // The last item read, for LastEvaluatedKey: when it was also returned unprojected it is the
    // last of `out`, and is not kept twice.
    enum Last<'a> {
        Nothing,
        Returned,
        Read(Row<'a>),
    }
    let mut last = Last::Nothing;
    let mut stopped_early = false;
    for item in items {
        let item: Row<'a> = item.into();
        if scanned == limit || bytes >= PAGE_BYTES {
            stopped_early = true;
            break;
        }
        scanned += 1;
        bytes += item.size();
        let wanted = spec.filter.is_none_or(|f| eval::matches(&item, f));
        count += usize::from(wanted);
        match (wanted && !spec.count_only, spec.projection) {
            (true, None) => {
                out.push(item);
                last = Last::Returned;
            }
            (true, Some(p)) => {
                out.push(Row::Owned(eval::project(&item, p)));
                last = Last::Read(item);
            }
            (false, _) => last = Last::Read(item),
        }
    }
    let last: Option<&Item> = match &last {
        Last::Read(item) => Some(item),
        Last::Returned => out.last().map(|i| &**i),
        Last::Nothing => None,
    };
    // A page that ended exactly at Limit reports LastEvaluatedKey even when nothing follows, as AWS does.
    if scanned == limit {
        stopped_early = true;
    }
    let last_key = match (stopped_early, last) {
        (true, Some(item)) => Some(item_to_json(&key_names.iter().filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone()))).collect())),
        _ => None,
    };
    let mut reply = Reply::new();
    if !spec.count_only {
        reply.items = Some(("Items", Items::Many(out)));
    }
    reply.rest.insert("Count".into(), count.into());
    reply.rest.insert("ScannedCount".into(), scanned.into());
    if let Some(key) = last_key {
        reply.rest.insert("LastEvaluatedKey".into(), key);
    }
    Page { reply, bytes }
}
