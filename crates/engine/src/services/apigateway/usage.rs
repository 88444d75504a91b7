//! API keys and usage plans: CreateApiKey/GetApiKey/GetApiKeys/DeleteApiKey,
//! CreateUsagePlan/GetUsagePlan/GetUsagePlans/DeleteUsagePlan, CreateUsagePlanKey/
//! GetUsagePlanKeys/DeleteUsagePlanKey, and their enforcement on methods with `apiKeyRequired`:
//! a missing, unknown or disabled key, or one in no usage plan of the API's stage, is 403
//! `{"message":"Forbidden"}`; the plan's throttle is a token bucket (rateLimit per second,
//! burstLimit tokens) on the virtual clock, 429 `{"message":"Too Many Requests"}`; its quota
//! (limit per DAY, WEEK or MONTH, UTC; weeks start on Monday) is 429 `{"message":"Limit Exceeded"}`.
//!
//! Records: `apigateway/{region}/apikey/{id}`, `apigateway/{region}/usageplan/{id}` (with its
//! keys and each key's quota use in the current period). Token buckets are not journaled: after a
//! restore every bucket starts full, as after an idle second.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{
    control::{new_id, page},
    errors::{bad_request, conflict, not_found, Input},
    ApiGateway,
};
use crate::kernel::{error::AwsError, service::Cx};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub value: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub enabled: bool,
    pub created_date: i64,
    pub last_updated_date: i64,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Throttle {
    pub burst_limit: i64,
    pub rate_limit: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    pub limit: i64,
    pub period: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// (apiId, stage).
    pub api_stages: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<Throttle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Key ids in the plan.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Key id → (start of the current quota period, ms; requests used in it).
    #[serde(default)]
    pub used: BTreeMap<String, (i64, i64)>,
}

/// A token bucket's state (not journaled).
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    pub tokens: f64,
    pub at_ms: i64,
}

#[derive(Debug, Default)]
pub struct UsageState {
    pub keys: BTreeMap<String, ApiKey>,
    pub plans: BTreeMap<String, UsagePlan>,
    /// (plan, key) → bucket.
    pub buckets: BTreeMap<(String, String), Bucket>,
}

pub fn key_record(region: &str, id: &str) -> String {
    format!("apigateway/{region}/apikey/{id}")
}

pub fn plan_record(region: &str, id: &str) -> String {
    format!("apigateway/{region}/usageplan/{id}")
}

fn listed(items: Vec<Value>, next: Option<String>) -> Value {
    let mut out = json!({ "item": items });
    if let Some(p) = next {
        out["position"] = json!(p);
    }
    out
}

fn key_not_found() -> AwsError {
    not_found("Invalid API Key identifier specified")
}

fn plan_not_found() -> AwsError {
    not_found("Invalid Usage Plan ID specified")
}

impl ApiKey {
    pub fn to_json(&self, include_value: bool) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        if include_value {
            o.insert("value".into(), json!(self.value));
        }
        o.insert("name".into(), json!(self.name));
        if let Some(d) = &self.description {
            o.insert("description".into(), json!(d));
        }
        o.insert("enabled".into(), json!(self.enabled));
        o.insert("createdDate".into(), json!(self.created_date));
        o.insert("lastUpdatedDate".into(), json!(self.last_updated_date));
        o.insert("stageKeys".into(), json!([]));
        if !self.tags.is_empty() {
            o.insert("tags".into(), json!(self.tags));
        }
        Value::Object(o)
    }
}

impl UsagePlan {
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        o.insert("name".into(), json!(self.name));
        if let Some(d) = &self.description {
            o.insert("description".into(), json!(d));
        }
        o.insert("apiStages".into(), Value::Array(self.api_stages.iter().map(|(a, s)| json!({ "apiId": a, "stage": s })).collect()));
        if let Some(t) = &self.throttle {
            o.insert("throttle".into(), json!({ "burstLimit": t.burst_limit, "rateLimit": t.rate_limit }));
        }
        if let Some(q) = &self.quota {
            o.insert("quota".into(), json!({ "limit": q.limit, "offset": 0, "period": q.period }));
        }
        if !self.tags.is_empty() {
            o.insert("tags".into(), json!(self.tags));
        }
        Value::Object(o)
    }
}

impl ApiGateway {
    fn usage(&mut self, region: &str) -> &mut UsageState {
        self.usage.entry(region.to_string()).or_default()
    }
}

const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub fn create_api_key(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    input.refuse(&["stageKeys", "customerId"])?;
    let value = match input.string("value")? {
        Some(v) if v.len() < 20 => return Err(bad_request("API Key value should be at least 20 characters")),
        Some(v) => v.to_string(),
        None => cx.rng.token(KEY_ALPHABET, 40),
    };
    let region = cx.region.to_string();
    if gw.usage(&region).keys.values().any(|k| k.value == value) {
        return Err(conflict("API Key already exists"));
    }
    let now = cx.now_ms.div_euclid(1000);
    let id = new_id(cx);
    let key = ApiKey {
        id: id.clone(),
        value,
        name: input.string("name")?.map(str::to_string).unwrap_or_else(|| id.clone()),
        description: input.string("description")?.map(str::to_string),
        enabled: input.bool("enabled")?.unwrap_or(false),
        created_date: now,
        last_updated_date: now,
        tags: input.string_map("tags")?,
    };
    cx.journal.put_json(key_record(&region, &id), &key);
    let out = key.to_json(true);
    gw.usage(&region).keys.insert(id, key);
    Ok(out)
}

pub fn get_api_key(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.required("apiKey", key_not_found)?;
    let include = input.bool("includeValue")?.unwrap_or(false);
    Ok(gw.usage(cx.region).keys.get(id).ok_or_else(key_not_found)?.to_json(include))
}

pub fn get_api_keys(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    input.refuse(&["customerId"])?;
    let include = input.bool("includeValues")?.unwrap_or(false);
    let name = input.string("nameQuery")?;
    let all: Vec<&ApiKey> = gw.usage(cx.region).keys.values().filter(|k| name.is_none_or(|n| k.name.starts_with(n))).collect();
    let (items, next) = page(all, &input, |k| &k.id)?;
    Ok(listed(items.iter().map(|k| k.to_json(include)).collect(), next))
}

pub fn delete_api_key(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.required("apiKey", key_not_found)?.to_string();
    let region = cx.region.to_string();
    let usage = gw.usage(&region);
    usage.keys.remove(&id).ok_or_else(key_not_found)?;
    cx.journal.delete(key_record(&region, &id));
    for plan in usage.plans.values_mut().filter(|p| p.keys.contains(&id)) {
        plan.keys.retain(|k| *k != id);
        plan.used.remove(&id);
        cx.journal.put_json(plan_record(&region, &plan.id), &*plan);
    }
    Ok(json!({}))
}

pub fn create_usage_plan(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let name = input.string("name")?.unwrap_or("");
    if name.is_empty() {
        return Err(bad_request("Invalid usage plan name specified"));
    }
    let mut api_stages = Vec::new();
    for s in input.get("apiStages").and_then(Value::as_array).into_iter().flatten() {
        let s = Input(s);
        s.refuse(&["throttle"])?;
        let api = s.string("apiId")?.unwrap_or("");
        let stage = s.string("stage")?.unwrap_or("");
        let known = gw.regions.get(cx.region).and_then(|r| r.get(api)).is_some_and(|a| a.stages.contains_key(stage));
        if !known {
            return Err(bad_request(format!("Invalid API Stage {{api: {api}, stage: {stage}}} specified for usageplan")));
        }
        api_stages.push((api.to_string(), stage.to_string()));
    }
    let throttle = match input.get("throttle") {
        None => None,
        Some(t) => {
            let t = Input(t);
            let burst = t.int("burstLimit")?.unwrap_or(0);
            let rate = match t.get("rateLimit") {
                None => 0.0,
                Some(v) => v.as_f64().ok_or_else(|| bad_request("Invalid value for 'rateLimit': expected a number."))?,
            };
            if burst < 0 || rate < 0.0 || !rate.is_finite() {
                return Err(bad_request("Throttle limits must be non-negative"));
            }
            Some(Throttle { burst_limit: burst, rate_limit: rate })
        }
    };
    let quota = match input.get("quota") {
        None => None,
        Some(q) => {
            let q = Input(q);
            if q.int("offset")?.unwrap_or(0) != 0 {
                return Err(super::errors::unsupported("quota.offset"));
            }
            let limit = q.int("limit")?.unwrap_or(0);
            let period = q.string("period")?.unwrap_or("");
            if !["DAY", "WEEK", "MONTH"].contains(&period) {
                return Err(bad_request(format!("Invalid quota period specified: {period}")));
            }
            if limit < 0 {
                return Err(bad_request("Quota limit must be non-negative"));
            }
            Some(Quota { limit, period: period.to_string() })
        }
    };
    let plan = UsagePlan {
        id: new_id(cx),
        name: name.to_string(),
        description: input.string("description")?.map(str::to_string),
        api_stages,
        throttle,
        quota,
        tags: input.string_map("tags")?,
        keys: Vec::new(),
        used: BTreeMap::new(),
    };
    let region = cx.region.to_string();
    cx.journal.put_json(plan_record(&region, &plan.id), &plan);
    let out = plan.to_json();
    gw.usage(&region).plans.insert(plan.id.clone(), plan);
    Ok(out)
}

pub fn get_usage_plan(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.required("usagePlanId", plan_not_found)?;
    Ok(gw.usage(cx.region).plans.get(id).ok_or_else(plan_not_found)?.to_json())
}

pub fn get_usage_plans(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let key = input.string("keyId")?;
    let all: Vec<&UsagePlan> = gw.usage(cx.region).plans.values().filter(|p| key.is_none_or(|k| p.keys.iter().any(|x| x == k))).collect();
    let (items, next) = page(all, &input, |p| &p.id)?;
    Ok(listed(items.iter().map(|p| p.to_json()).collect(), next))
}

pub fn delete_usage_plan(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let id = input.required("usagePlanId", plan_not_found)?.to_string();
    let region = cx.region.to_string();
    let usage = gw.usage(&region);
    usage.plans.remove(&id).ok_or_else(plan_not_found)?;
    usage.buckets.retain(|(p, _), _| *p != id);
    cx.journal.delete(plan_record(&region, &id));
    Ok(json!({}))
}

fn plan_key_json(key: &ApiKey) -> Value {
    json!({ "id": key.id, "type": "API_KEY", "value": key.value, "name": key.name })
}

pub fn create_usage_plan_key(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let plan_id = input.required("usagePlanId", plan_not_found)?.to_string();
    let key_id = input.required("keyId", key_not_found)?.to_string();
    if input.string("keyType")?.unwrap_or("API_KEY") != "API_KEY" {
        return Err(bad_request("Invalid key type specified: only API_KEY is supported"));
    }
    let region = cx.region.to_string();
    let usage = gw.usage(&region);
    let key = usage.keys.get(&key_id).ok_or_else(key_not_found)?.clone();
    let plan = usage.plans.get_mut(&plan_id).ok_or_else(plan_not_found)?;
    if plan.keys.contains(&key_id) {
        return Err(conflict("Usage Plan already contains specified key"));
    }
    plan.keys.push(key_id);
    cx.journal.put_json(plan_record(&region, &plan_id), &*plan);
    Ok(plan_key_json(&key))
}

pub fn get_usage_plan_keys(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let plan_id = input.required("usagePlanId", plan_not_found)?;
    let usage = gw.usage(cx.region);
    let plan = usage.plans.get(plan_id).ok_or_else(plan_not_found)?;
    let name = input.string("nameQuery")?;
    let all: Vec<&ApiKey> = plan.keys.iter().filter_map(|k| usage.keys.get(k)).filter(|k| name.is_none_or(|n| k.name.starts_with(n))).collect();
    let (items, next) = page(all, &input, |k| &k.id)?;
    Ok(listed(items.iter().map(|k| plan_key_json(k)).collect(), next))
}

pub fn delete_usage_plan_key(gw: &mut ApiGateway, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input(input);
    let plan_id = input.required("usagePlanId", plan_not_found)?.to_string();
    let key_id = input.required("keyId", key_not_found)?.to_string();
    let region = cx.region.to_string();
    let usage = gw.usage(&region);
    let plan = usage.plans.get_mut(&plan_id).ok_or_else(plan_not_found)?;
    if !plan.keys.contains(&key_id) {
        return Err(not_found("Invalid Usage Plan Key identifier specified"));
    }
    plan.keys.retain(|k| *k != key_id);
    plan.used.remove(&key_id);
    cx.journal.put_json(plan_record(&region, &plan_id), &*plan);
    usage.buckets.remove(&(plan_id, key_id));
    Ok(json!({}))
}

/// Days since the epoch of (year, month, 1) (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The start (ms) of the quota period holding `now_ms`, UTC.
pub fn period_start(period: &str, now_ms: i64) -> i64 {
    const DAY: i64 = 86_400_000;
    let day = now_ms.div_euclid(DAY);
    match period {
        // 1970-01-01 was a Thursday: Monday is 3 days earlier in the week.
        "WEEK" => (day - (day + 3).rem_euclid(7)) * DAY,
        "MONTH" => {
            let iso = crate::kernel::time::iso8601(now_ms);
            let y: i64 = iso[0..4].parse().unwrap_or(1970);
            let m: i64 = iso[5..7].parse().unwrap_or(1);
            days_from_civil(y, m, 1) * DAY
        }
        _ => day * DAY,
    }
}

/// Why a request with `apiKeyRequired` is turned away: (status, message, trace text).
pub fn admit(gw: &mut ApiGateway, cx: &mut Cx, api_id: &str, stage: &str, key_value: Option<&str>) -> Result<String, (u16, &'static str, String)> {
    let region = cx.region.to_string();
    let usage = gw.usage(&region);
    let Some(value) = key_value.filter(|v| !v.is_empty()) else {
        return Err((403, "Forbidden", "API Key not found in the x-api-key header".into()));
    };
    let Some(key) = usage.keys.values().find(|k| k.value == value) else {
        return Err((403, "Forbidden", "API Key is invalid".into()));
    };
    if !key.enabled {
        return Err((403, "Forbidden", format!("API Key {} is disabled", key.id)));
    }
    let key_id = key.id.clone();
    let Some(plan) = usage.plans.values_mut().find(|p| p.keys.contains(&key_id) && p.api_stages.iter().any(|(a, s)| a == api_id && s == stage)) else {
        return Err((403, "Forbidden", format!("API Key {key_id} is in no usage plan of stage {stage}")));
    };
    let plan_id = plan.id.clone();
    if let Some(t) = plan.throttle.clone() {
        let bucket = usage.buckets.entry((plan_id.clone(), key_id.clone())).or_insert(Bucket { tokens: t.burst_limit as f64, at_ms: cx.now_ms });
        let elapsed = (cx.now_ms - bucket.at_ms).max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * t.rate_limit).min(t.burst_limit as f64);
        bucket.at_ms = cx.now_ms;
        if bucket.tokens < 1.0 {
            return Err((429, "Too Many Requests", format!("API Key {key_id} throttled by usage plan {plan_id} (rate {} /s, burst {})", t.rate_limit, t.burst_limit)));
        }
        bucket.tokens -= 1.0;
    }
    let plan = usage.plans.get_mut(&plan_id).expect("plan found above");
    if let Some(q) = plan.quota.clone() {
        let start = period_start(&q.period, cx.now_ms);
        let used = plan.used.entry(key_id.clone()).or_insert((start, 0));
        if used.0 != start {
            *used = (start, 0);
        }
        if used.1 >= q.limit {
            return Err((429, "Limit Exceeded", format!("API Key {key_id} exceeded the quota of usage plan {plan_id} ({} per {})", q.limit, q.period)));
        }
        used.1 += 1;
        cx.journal.put_json(plan_record(&region, &plan_id), &*plan);
    }
    Ok(format!("API Key {key_id} authorized by usage plan {plan_id}"))
}

#[cfg(test)]
mod tests {
    use super::period_start;

    #[test]
    fn quota_periods_start_on_utc_boundaries() {
        // 2026-11-25T12:00:00Z is a Wednesday.
        let now = 1_795_608_000_000;
        assert_eq!(crate::kernel::time::iso8601(period_start("DAY", now)), "2026-11-25T00:00:00.000Z");
        assert_eq!(crate::kernel::time::iso8601(period_start("WEEK", now)), "2026-11-23T00:00:00.000Z");
        assert_eq!(crate::kernel::time::iso8601(period_start("MONTH", now)), "2026-11-01T00:00:00.000Z");
        assert_eq!(crate::kernel::time::iso8601(period_start("MONTH", 951_782_400_000)), "2000-02-01T00:00:00.000Z");
    }
}
