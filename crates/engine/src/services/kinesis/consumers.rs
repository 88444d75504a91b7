//! Enhanced fan-out consumers: RegisterStreamConsumer, DescribeStreamConsumer,
//! ListStreamConsumers, DeregisterStreamConsumer. A consumer is CREATING, then ACTIVE, one
//! second later; deregistered, DELETING for one second. Its ARN is AWS's:
//! `{stream ARN}/consumer/{name}:{creation epoch seconds}`. A consumer reads with SubscribeToShard
//! (see [`super::efo`]).

use serde_json::{json, Value};

use super::{errors, input, stream::Consumer, Kinesis, TRANSITION_MS};
use crate::{
    kernel::{error::AwsError, service::Cx},
    services::lambda::errors::Validation,
};

pub const MAX_CONSUMERS: usize = 20;

fn consumer_json(c: &Consumer, stream_arn: Option<&str>) -> Value {
    let mut out = json!({
        "ConsumerName": c.name,
        "ConsumerARN": c.arn,
        "ConsumerStatus": c.status,
        "ConsumerCreationTimestamp": c.created_ms as f64 / 1000.0,
    });
    if let Some(a) = stream_arn {
        out["StreamARN"] = json!(a);
    }
    out
}

/// A required StreamARN of this account and region: the stream's name.
fn stream_from_arn(cx: &Cx, v: &mut Validation, input: &Value, required: bool) -> Option<String> {
    let arn = if required { v.required_string(input, "StreamARN", "streamARN", 1, 2048) } else { v.string(input, "StreamARN", "streamARN", 1, 2048) };
    let arn = arn?;
    match input::parse_arn(&arn) {
        Some((region, account, name)) if region == cx.region && account == cx.account.id => Some(name),
        Some(_) => Some(String::new()),
        None => {
            v.constraint(Some(&arn), "streamARN", input::STREAM_ARN_PATTERN);
            None
        }
    }
}

/// (stream name, consumer name) of a consumer ARN.
pub(crate) fn parse_consumer_arn(arn: &str) -> Option<(String, String)> {
    let (_, _, rest) = input::parse_arn(arn.split("/consumer/").next()?)?;
    let tail = arn.split_once("/consumer/")?.1;
    let (name, created) = tail.rsplit_once(':')?;
    (input::is_name(name) && created.bytes().all(|b| b.is_ascii_digit())).then(|| (rest, name.to_string()))
}

pub fn register(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let stream = stream_from_arn(cx, &mut v, input, true);
    let name = input::name(&mut v, input, "ConsumerName", "consumerName", true);
    if input.get("Tags").is_some_and(|t| !t.is_null()) {
        v.finish()?;
        return Err(errors::unsupported("Tags on RegisterStreamConsumer"));
    }
    v.finish()?;
    let (stream, name) = (stream.unwrap_or_default(), name.unwrap_or_default());
    let account = cx.account.id.clone();
    let s = k.stream_mut(cx, &stream)?;
    if s.meta.status != "ACTIVE" {
        return Err(super::streams::not_active(cx, s));
    }
    if s.meta.consumers.iter().any(|c| c.name == name) {
        return Err(errors::resource_in_use(format!("Consumer {name} under stream {stream} already exists for account {account}.")));
    }
    if s.meta.consumers.len() >= MAX_CONSUMERS {
        return Err(errors::limit_exceeded(format!("Consumer limit of {MAX_CONSUMERS} reached for stream {stream} under account {account}.")));
    }
    let c = Consumer { arn: format!("{}/consumer/{name}:{}", s.meta.arn, cx.now_ms.div_euclid(1000)), name, status: "CREATING".into(), created_ms: cx.now_ms };
    let out = json!({ "Consumer": consumer_json(&c, None) });
    cx.schedule(cx.now_ms + TRANSITION_MS, json!({ "stream": stream, "created": s.meta.created_ms, "do": "consumer", "consumer": c.arn }));
    s.meta.consumers.push(c);
    let meta = s.meta.clone();
    cx.journal.put_json(super::stream::stream_key(cx.region, &stream), &meta);
    Ok(out)
}

/// The consumer a request names by ConsumerARN, or by StreamARN and ConsumerName.
fn find(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<(String, usize), AwsError> {
    let mut v = Validation::default();
    let stream = stream_from_arn(cx, &mut v, input, false);
    let name = input::name(&mut v, input, "ConsumerName", "consumerName", false);
    let arn = v.string(input, "ConsumerARN", "consumerARN", 1, 2048);
    v.finish()?;
    let account = cx.account.id.clone();
    let (stream, name) = match (arn.as_deref(), stream, name) {
        (Some(a), _, _) => parse_consumer_arn(a).ok_or_else(|| errors::invalid_argument(format!("Invalid ConsumerARN {a}.")))?,
        (None, Some(s), Some(n)) => (s, n),
        _ => return Err(errors::invalid_argument("Either ConsumerARN or both ConsumerName and StreamARN must be provided.")),
    };
    let s = k.stream_mut(cx, &stream)?;
    let i = s
        .meta
        .consumers
        .iter()
        .position(|c| c.name == name && arn.as_ref().is_none_or(|a| *a == c.arn))
        .ok_or_else(|| errors::not_found(format!("Consumer {name} under stream {stream} not found for account {account}.")))?;
    Ok((stream, i))
}

pub fn describe(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let (stream, i) = find(k, cx, input)?;
    let s = k.stream_mut(cx, &stream)?;
    Ok(json!({ "ConsumerDescription": consumer_json(&s.meta.consumers[i], Some(&s.meta.arn)) }))
}

pub fn deregister(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let (stream, i) = find(k, cx, input)?;
    let s = k.stream_mut(cx, &stream)?;
    let c = &mut s.meta.consumers[i];
    if c.status != "DELETING" {
        c.status = "DELETING".into();
        let arn = c.arn.clone();
        cx.schedule(cx.now_ms + TRANSITION_MS, json!({ "stream": stream, "created": s.meta.created_ms, "do": "consumer", "consumer": arn }));
        let meta = s.meta.clone();
        cx.journal.put_json(super::stream::stream_key(cx.region, &stream), &meta);
    }
    Ok(json!({}))
}

pub fn list(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD as TOKEN, Engine as _};
    let mut v = Validation::default();
    let stream = stream_from_arn(cx, &mut v, input, true);
    let max = v.integer(input, "MaxResults", "maxResults", 1, 10_000).unwrap_or(100) as usize;
    let token = v.string(input, "NextToken", "nextToken", 1, 1_048_576);
    let created = input::timestamp(input, "StreamCreationTimestamp")?;
    v.finish()?;
    let stream = stream.unwrap_or_default();
    let from = match &token {
        Some(t) => TOKEN
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("consumers|").and_then(|n| n.parse::<usize>().ok()))
            .ok_or_else(|| errors::invalid_argument("The NextToken is not valid."))?,
        None => 0,
    };
    let account = cx.account.id.clone();
    let s = k.stream_mut(cx, &stream)?;
    if created.is_some_and(|c| c / 1000 != s.meta.created_ms / 1000) {
        return Err(errors::stream_not_found(&stream, &account));
    }
    let all = &s.meta.consumers;
    let page: Vec<Value> = all.iter().skip(from).take(max).map(|c| consumer_json(c, None)).collect();
    let mut out = json!({ "Consumers": page });
    if from + max < all.len() {
        out["NextToken"] = json!(TOKEN.encode(format!("consumers|{}", from + max)));
    }
    Ok(out)
}
