//! Tags on tables (TagResource, UntagResource, ListTagsOfResource), and the account-level
//! DescribeLimits and DescribeEndpoints.

use serde_json::{json, Value};

use super::{
    input::{Constraints, Input},
    resource_not_found, table_key, DynamoDb,
};
use crate::kernel::{error::AwsError, service::Cx};

/// Most tags a table may carry.
pub const MAX_TAGS: usize = 50;

/// Validates a `Tags` list: keys 1..=128 characters, values 0..=256.
pub fn parse_tags(list: &[Value]) -> Result<Vec<(String, String)>, AwsError> {
    let mut out = Vec::with_capacity(list.len());
    for (i, t) in Input::elements(list, "Tag")?.iter().enumerate() {
        let (k, v) = (t.string("Key")?, t.string("Value")?);
        let mut c = Constraints::default();
        c.not_null(k, &format!("tags.{}.member.key", i + 1));
        c.not_null(v, &format!("tags.{}.member.value", i + 1));
        if let Some(k) = k.filter(|k| k.is_empty() || k.chars().count() > 128) {
            c.add(
                Some(k),
                &format!("tags.{}.member.key", i + 1),
                if k.is_empty() { "Member must have length greater than or equal to 1" } else { "Member must have length less than or equal to 128" },
            );
        }
        if let Some(v) = v.filter(|v| v.chars().count() > 256) {
            c.add(Some(v), &format!("tags.{}.member.value", i + 1), "Member must have length less than or equal to 256");
        }
        c.finish()?;
        out.push((k.unwrap_or_default().to_string(), v.unwrap_or_default().to_string()));
    }
    Ok(out)
}

/// The table an ARN names in this account and region.
fn table_of<'a>(db: &'a mut DynamoDb, cx: &Cx, arn: Option<&str>) -> Result<&'a mut super::table::Table, AwsError> {
    let mut c = Constraints::default();
    c.not_null(arn, "resourceArn");
    c.finish()?;
    let arn = arn.unwrap_or_default();
    let prefix = cx.account.arn("dynamodb", cx.region, "table/");
    let name = arn.strip_prefix(&prefix).filter(|n| !n.is_empty() && !n.contains('/'));
    let Some(name) = name else {
        return Err(AwsError::validation(format!("Invalid TableArn: Invalid ResourceArn provided as input {arn}")));
    };
    db.tables_mut(cx.region).get_mut(name).ok_or_else(|| resource_not_found(format!("Requested resource not found: ResourcArn: {arn} not found")))
}

pub fn tag_resource(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let arn = input.string("ResourceArn")?;
    let tags = parse_tags(
        input.list("Tags")?.ok_or_else(|| AwsError::validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"))?,
    )?;
    let region = cx.region.to_string();
    let table = table_of(db, cx, arn)?;
    let mut merged = table.meta.tags.clone();
    for (k, v) in tags {
        match merged.iter_mut().find(|(mk, _)| *mk == k) {
            Some(slot) => slot.1 = v,
            None => merged.push((k, v)),
        }
    }
    if merged.len() > MAX_TAGS {
        return Err(AwsError::new(super::ERROR_NAMESPACE, "LimitExceededException", format!("The number of tags exceeds the limit of {MAX_TAGS} for the resource."), 400));
    }
    table.meta.tags = merged;
    cx.journal.put_json(table_key(&region, &table.meta.name), &table.meta);
    Ok(json!({}))
}

pub fn untag_resource(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let arn = input.string("ResourceArn")?;
    let keys =
        input.list("TagKeys")?.ok_or_else(|| AwsError::validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"))?;
    let keys: Vec<String> =
        keys.iter().map(|k| k.as_str().map(str::to_string).ok_or_else(|| AwsError::serialization("Unexpected value type in payload"))).collect::<Result<_, _>>()?;
    let region = cx.region.to_string();
    let table = table_of(db, cx, arn)?;
    table.meta.tags.retain(|(k, _)| !keys.contains(k));
    cx.journal.put_json(table_key(&region, &table.meta.name), &table.meta);
    Ok(json!({}))
}

pub fn list_tags_of_resource(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let arn = input.string("ResourceArn")?;
    let table = table_of(db, cx, arn)?;
    Ok(json!({"Tags": table.meta.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>()}))
}

/// The default quotas of a new account (AWS's documented defaults).
pub fn describe_limits() -> Value {
    json!({
        "AccountMaxReadCapacityUnits": 80000,
        "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000,
        "TableMaxWriteCapacityUnits": 40000
    })
}

pub fn describe_endpoints(cx: &Cx) -> Value {
    json!({"Endpoints": [{"Address": format!("dynamodb.{}.amazonaws.com", cx.region), "CachePeriodInMinutes": 1440}]})
}
