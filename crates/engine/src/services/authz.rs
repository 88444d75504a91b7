//! The IAM permissions each operation needs (see [`crate::kernel::authz`]): AWS's action names
//! (which differ from operation names for S3 and SQS batches) and resource ARNs read from the
//! input, as the Service Authorization Reference lists them. Services whose permissions need
//! their own state (DynamoDB's partition key for `dynamodb:LeadingKeys`) override
//! [`Service::permissions`](crate::kernel::service::Service::permissions) and call in here.
//!
//! Not modelled: `dynamodb:Attributes`, `dynamodb:Select` and `dynamodb:ReturnValues` (the
//! context lacks them, so `...IfExists` conditions on them hold and plain ones fail), S3
//! condition keys (`s3:prefix`, `s3:x-amz-acl`, ...), and resource tags (`aws:ResourceTag/...`).

use serde_json::Value;

use crate::kernel::authz::Permission;

fn s<'a>(input: &'a Value, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

/// `None` for services without a mapping here (the kernel's default applies).
pub fn permissions(service: &str, op: &str, input: &Value, region: &str, account: &str) -> Option<Vec<Permission>> {
    match service {
        "dynamodb" | "streams.dynamodb" => Some(dynamodb(op, input, region, account, &|_| None)),
        "s3" => Some(s3(op, input)),
        "sqs" => Some(sqs(op, input, region, account)),
        "lambda" => Some(lambda(op, input, region, account)),
        "kinesis" => Some(kinesis(op, input, region, account)),
        "logs" => Some(logs(op, input, region, account)),
        "firehose" => Some(firehose(op, input, region, account)),
        "iam" => Some(iam(op, input, account)),
        "sts" => Some(sts(op, input)),
        _ => None,
    }
}

/// A key attribute value as `dynamodb:LeadingKeys` compares it.
fn key_text(v: &Value) -> Option<String> {
    let m = v.as_object()?;
    let (_, inner) = m.iter().next()?;
    inner.as_str().map(str::to_string)
}

/// `KeyConditionExpression`'s equality on the partition key (`#pk = :v`, `pk = :v`), or the
/// legacy `KeyConditions` EQ.
fn query_leading_key(input: &Value, hash: &str) -> Option<String> {
    if let Some(kc) = s(input, "KeyConditionExpression") {
        let names = input.get("ExpressionAttributeNames");
        let values = input.get("ExpressionAttributeValues")?;
        for term in kc.split(" AND ").flat_map(|t| t.split(" and ")) {
            let term = term.trim().trim_start_matches('(').trim_end_matches(')');
            let Some((l, r)) = term.split_once('=') else { continue };
            let (l, r) = (l.trim(), r.trim());
            let (name, value) = if r.starts_with(':') { (l, r) } else { (r, l) };
            let name = if name.starts_with('#') { names.and_then(|n| n.get(name)).and_then(Value::as_str).unwrap_or("") } else { name };
            if name == hash && value.starts_with(':') {
                return values.get(value).and_then(key_text);
            }
        }
        return None;
    }
    let c = input.get("KeyConditions")?.get(hash)?;
    if c.get("ComparisonOperator").and_then(Value::as_str) != Some("EQ") {
        return None;
    }
    c.get("AttributeValueList")?.get(0).and_then(key_text)
}

/// DynamoDB's permissions; `hash_key(table)` names a table's partition key, for
/// `dynamodb:LeadingKeys`.
pub fn dynamodb(op: &str, input: &Value, region: &str, account: &str, hash_key: &dyn Fn(&str) -> Option<String>) -> Vec<Permission> {
    let table = |name: &str| {
        if name.starts_with("arn:") {
            name.to_string()
        } else {
            format!("arn:aws:dynamodb:{region}:{account}:table/{name}")
        }
    };
    let leading = |name: &str, keys: &mut dyn Iterator<Item = &Value>| -> Option<Vec<String>> {
        let hash = hash_key(name)?;
        let mut out: Vec<String> = keys.filter_map(|k| k.get(&hash).and_then(key_text)).collect();
        out.sort();
        out.dedup();
        Some(out)
    };
    let action = format!("dynamodb:{op}");
    match op {
        "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" => {
            let name = s(input, "TableName").unwrap_or("");
            let item = input.get(if op == "PutItem" { "Item" } else { "Key" });
            let mut p = Permission::new(action, table(name));
            if let Some(keys) = item.and_then(|i| leading(name, &mut std::iter::once(i))) {
                p = p.with("dynamodb:LeadingKeys", keys);
            }
            vec![p]
        }
        "Query" | "Scan" => {
            let name = s(input, "TableName").unwrap_or("");
            let mut arn = table(name);
            if let Some(index) = s(input, "IndexName") {
                arn = format!("{arn}/index/{index}");
            }
            let mut p = Permission::new(action, arn);
            if op == "Query" {
                if let Some(k) = hash_key(name).and_then(|h| query_leading_key(input, &h)) {
                    p = p.with("dynamodb:LeadingKeys", vec![k]);
                }
            }
            vec![p]
        }
        "BatchGetItem" => {
            let mut out = Vec::new();
            for (name, req) in input.get("RequestItems").and_then(Value::as_object).into_iter().flatten() {
                let keys: Vec<&Value> = req.get("Keys").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
                let mut p = Permission::new(&action, table(name));
                if let Some(k) = leading(name, &mut keys.into_iter()) {
                    p = p.with("dynamodb:LeadingKeys", k);
                }
                out.push(p);
            }
            out
        }
        "BatchWriteItem" => {
            let mut out = Vec::new();
            for (name, reqs) in input.get("RequestItems").and_then(Value::as_object).into_iter().flatten() {
                let keys: Vec<&Value> = reqs
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.get("PutRequest").and_then(|p| p.get("Item")).or_else(|| r.get("DeleteRequest").and_then(|d| d.get("Key"))))
                    .collect();
                let mut p = Permission::new(&action, table(name));
                if let Some(k) = leading(name, &mut keys.into_iter()) {
                    p = p.with("dynamodb:LeadingKeys", k);
                }
                out.push(p);
            }
            out
        }
        "TransactWriteItems" | "TransactGetItems" => {
            let mut out = Vec::new();
            for item in input.get("TransactItems").and_then(Value::as_array).into_iter().flatten() {
                for (kind, action, key) in [
                    ("Put", "PutItem", "Item"),
                    ("Update", "UpdateItem", "Key"),
                    ("Delete", "DeleteItem", "Key"),
                    ("ConditionCheck", "ConditionCheckItem", "Key"),
                    ("Get", "GetItem", "Key"),
                ] {
                    let Some(a) = item.get(kind) else { continue };
                    let name = s(a, "TableName").unwrap_or("");
                    let mut p = Permission::new(format!("dynamodb:{action}"), table(name));
                    if let Some(k) = a.get(key).and_then(|k| leading(name, &mut std::iter::once(k))) {
                        p = p.with("dynamodb:LeadingKeys", k);
                    }
                    out.push(p);
                }
            }
            out
        }
        _ => {
            let resource = s(input, "TableName")
                .map(table)
                .or_else(|| s(input, "StreamArn").or_else(|| s(input, "ResourceArn")).or_else(|| s(input, "TableArn")).map(str::to_string))
                .or_else(|| s(input, "ShardIterator").and_then(|i| i.split('|').find(|p| p.starts_with("arn:")).map(str::to_string)))
                .unwrap_or_else(|| "*".into());
            vec![Permission::new(action, resource)]
        }
    }
}

fn s3(op: &str, input: &Value) -> Vec<Permission> {
    let bucket = s(input, "Bucket").unwrap_or("");
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let object = |key: &str| format!("arn:aws:s3:::{bucket}/{key}");
    let key = s(input, "Key").unwrap_or("");
    let p = |action: &str, resource: String| Permission::new(format!("s3:{action}"), resource);
    match op {
        "ListBuckets" => vec![p("ListAllMyBuckets", "*".into())],
        "HeadBucket" | "ListObjectsV2" | "ListObjects" => vec![p("ListBucket", bucket_arn)],
        "ListObjectVersions" => vec![p("ListBucketVersions", bucket_arn)],
        "ListMultipartUploads" => vec![p("ListBucketMultipartUploads", bucket_arn)],
        "GetBucketVersioning" | "PutBucketVersioning" | "GetBucketLocation" | "CreateBucket" | "DeleteBucket" => vec![p(op, bucket_arn)],
        "GetObject" | "HeadObject" => vec![p("GetObject", object(key))],
        "PutObject" | "CreateMultipartUpload" | "UploadPart" | "CompleteMultipartUpload" => {
            let mut out = vec![p("PutObject", object(key))];
            if let Some(src) = s(input, "CopySource") {
                out.insert(0, p("GetObject", copy_source(src)));
            }
            out
        }
        "CopyObject" | "UploadPartCopy" => {
            let src = s(input, "CopySource").map(copy_source).unwrap_or_default();
            vec![p("GetObject", src), p("PutObject", object(key))]
        }
        "DeleteObject" => vec![p("DeleteObject", object(key))],
        "DeleteObjects" => {
            let keys: Vec<Permission> = input
                .get("Delete")
                .and_then(|d| d.get("Objects"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|o| o.get("Key").and_then(Value::as_str))
                .map(|k| p("DeleteObject", object(k)))
                .collect();
            if keys.is_empty() {
                vec![p("DeleteObject", object(""))]
            } else {
                keys
            }
        }
        "AbortMultipartUpload" => vec![p("AbortMultipartUpload", object(key))],
        "ListParts" => vec![p("ListMultipartUploadParts", object(key))],
        _ if !key.is_empty() => vec![p(op, object(key))],
        _ => vec![p(op, bucket_arn)],
    }
}

/// `bucket/key` (optionally with a leading `/` and `?versionId=`) as an object ARN.
fn copy_source(src: &str) -> String {
    let src = src.split('?').next().unwrap_or(src).trim_start_matches('/');
    format!("arn:aws:s3:::{}", crate::wire::percent::decode(src, false))
}

fn sqs(op: &str, input: &Value, region: &str, account: &str) -> Vec<Permission> {
    let action = match op {
        "SendMessageBatch" => "SendMessage",
        "DeleteMessageBatch" => "DeleteMessage",
        "ChangeMessageVisibilityBatch" => "ChangeMessageVisibility",
        _ => op,
    };
    let name = s(input, "QueueUrl").and_then(|u| u.trim_end_matches('/').rsplit('/').next()).or_else(|| s(input, "QueueName"));
    let resource = match op {
        "ListQueues" => "*".to_string(),
        _ => name.map(|n| format!("arn:aws:sqs:{region}:{account}:{n}")).unwrap_or_else(|| "*".into()),
    };
    vec![Permission::new(format!("sqs:{action}"), resource)]
}

fn lambda(op: &str, input: &Value, region: &str, account: &str) -> Vec<Permission> {
    let action = match op {
        "Invoke" => "InvokeFunction",
        _ => op,
    };
    let resource = match s(input, "FunctionName") {
        Some(f) => {
            let (name, qualifier) = if f.starts_with("arn:") {
                let parts: Vec<&str> = f.split(':').collect();
                (parts.get(6).copied().unwrap_or(""), parts.get(7).copied())
            } else if let Some((account_part, rest)) = f.split_once(":function:") {
                let _ = account_part;
                let (n, q) = rest.split_once(':').map_or((rest, None), |(n, q)| (n, Some(q)));
                (n, q)
            } else {
                f.split_once(':').map_or((f, None), |(n, q)| (n, Some(q)))
            };
            let qualifier = qualifier.or_else(|| s(input, "Qualifier"));
            match qualifier {
                Some(q) => format!("arn:aws:lambda:{region}:{account}:function:{name}:{q}"),
                None => format!("arn:aws:lambda:{region}:{account}:function:{name}"),
            }
        }
        None => s(input, "Resource").or_else(|| s(input, "UUID").map(|_| "*")).unwrap_or("*").to_string(),
    };
    vec![Permission::new(format!("lambda:{action}"), resource)]
}

fn kinesis(op: &str, input: &Value, region: &str, account: &str) -> Vec<Permission> {
    let resource = s(input, "StreamARN")
        .map(str::to_string)
        .or_else(|| s(input, "StreamName").map(|n| format!("arn:aws:kinesis:{region}:{account}:stream/{n}")))
        .or_else(|| s(input, "ConsumerARN").map(str::to_string))
        .unwrap_or_else(|| "*".into());
    vec![Permission::new(format!("kinesis:{op}"), resource)]
}

fn logs(op: &str, input: &Value, region: &str, account: &str) -> Vec<Permission> {
    let resource = match (s(input, "logGroupName"), s(input, "logStreamName")) {
        (Some(g), Some(st)) => format!("arn:aws:logs:{region}:{account}:log-group:{g}:log-stream:{st}"),
        (Some(g), None) => format!("arn:aws:logs:{region}:{account}:log-group:{g}"),
        _ => "*".into(),
    };
    vec![Permission::new(format!("logs:{op}"), resource)]
}

fn firehose(op: &str, input: &Value, region: &str, account: &str) -> Vec<Permission> {
    let resource = s(input, "DeliveryStreamName").map(|n| format!("arn:aws:firehose:{region}:{account}:deliverystream/{n}")).unwrap_or_else(|| "*".into());
    vec![Permission::new(format!("firehose:{op}"), resource)]
}

fn iam(op: &str, input: &Value, account: &str) -> Vec<Permission> {
    let path = s(input, "Path").unwrap_or("/");
    let resource = if let Some(arn) = s(input, "PolicyArn") {
        arn.to_string()
    } else if let Some(r) = s(input, "RoleName") {
        format!("arn:aws:iam::{account}:role{path}{r}")
    } else if let Some(g) = s(input, "GroupName") {
        format!("arn:aws:iam::{account}:group{path}{g}")
    } else if let Some(u) = s(input, "UserName") {
        format!("arn:aws:iam::{account}:user{path}{u}")
    } else if let Some(p) = s(input, "PolicyName") {
        format!("arn:aws:iam::{account}:policy{path}{p}")
    } else if let Some(src) = s(input, "PolicySourceArn") {
        src.to_string()
    } else {
        "*".into()
    };
    vec![Permission::new(format!("iam:{op}"), resource)]
}

fn sts(op: &str, input: &Value) -> Vec<Permission> {
    let resource = s(input, "RoleArn").unwrap_or("*");
    vec![Permission::new(format!("sts:{op}"), resource)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn s3_actions_differ_from_operations() {
        let p = s3("CopyObject", &json!({"Bucket": "b", "Key": "k", "CopySource": "/src/a%20b?versionId=1"}));
        assert_eq!(p, vec![Permission::new("s3:GetObject", "arn:aws:s3:::src/a b"), Permission::new("s3:PutObject", "arn:aws:s3:::b/k")]);
        assert_eq!(s3("HeadBucket", &json!({"Bucket": "b"}))[0].action, "s3:ListBucket");
        let d = s3("DeleteObjects", &json!({"Bucket": "b", "Delete": {"Objects": [{"Key": "x"}, {"Key": "y"}]}}));
        assert_eq!(d.iter().map(|p| p.resource.as_str()).collect::<Vec<_>>(), ["arn:aws:s3:::b/x", "arn:aws:s3:::b/y"]);
    }

    #[test]
    fn lambda_function_arns() {
        let arn = |f: &str, q: Option<&str>| {
            let mut i = json!({"FunctionName": f});
            if let Some(q) = q {
                i["Qualifier"] = json!(q);
            }
            lambda("Invoke", &i, "us-east-1", "123456789012").remove(0)
        };
        assert_eq!(arn("f", None), Permission::new("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:f"));
        assert_eq!(arn("f", Some("prod")).resource, "arn:aws:lambda:us-east-1:123456789012:function:f:prod");
        assert_eq!(arn("f:3", None).resource, "arn:aws:lambda:us-east-1:123456789012:function:f:3");
        assert_eq!(arn("arn:aws:lambda:us-east-1:123456789012:function:f:live", None).resource, "arn:aws:lambda:us-east-1:123456789012:function:f:live");
        assert_eq!(arn("123456789012:function:f", None).resource, "arn:aws:lambda:us-east-1:123456789012:function:f");
    }

    #[test]
    fn dynamodb_leading_keys() {
        let hash = |_: &str| Some("pk".to_string());
        let q = json!({"TableName": "T", "KeyConditionExpression": "#p = :v AND sk > :s", "ExpressionAttributeNames": {"#p": "pk"}, "ExpressionAttributeValues": {":v": {"S": "u1"}, ":s": {"N": "1"}}});
        let p = dynamodb("Query", &q, "us-east-1", "1", &hash);
        assert_eq!(p[0].context, vec![("dynamodb:LeadingKeys".to_string(), vec!["u1".to_string()])]);
        let b = json!({"RequestItems": {"T": [{"PutRequest": {"Item": {"pk": {"S": "b"}}}}, {"DeleteRequest": {"Key": {"pk": {"S": "a"}}}}]}});
        let p = dynamodb("BatchWriteItem", &b, "us-east-1", "1", &hash);
        assert_eq!(p[0].context[0].1, vec!["a".to_string(), "b".to_string()]);
        let t = json!({"TransactItems": [{"Put": {"TableName": "A", "Item": {"pk": {"S": "x"}}}}, {"ConditionCheck": {"TableName": "B", "Key": {"pk": {"S": "y"}}}}]});
        let p = dynamodb("TransactWriteItems", &t, "us-east-1", "1", &hash);
        assert_eq!(p.iter().map(|p| p.action.as_str()).collect::<Vec<_>>(), ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"]);
    }
}
