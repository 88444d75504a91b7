//! One-click scenarios: the seed's examples built in a fresh or used sandbox. A scenario is a list
//! of ordinary AWS requests sent through [`Engine::call`] in order (the same door the UI, the
//! SDKs and Lambda code use), with the virtual clock moved forward where AWS would make the
//! caller wait (a table CREATING, a DAX cluster `creating`, an export running). Nothing here
//! touches a service's state directly.
//!
//! Control operations (see `kernel/control.rs`): `ListScenarios` answers the gallery (the texts
//! of [`texts::TEXTS`]); `LoadScenario {Id, Region?}` builds one and answers what it created,
//! what it found already there (loading twice reuses what exists), the panel route to open and
//! "what to try now".

mod apis;
mod code;
mod dynamodb;
#[cfg(test)]
mod tests;
pub mod texts;
mod workflows;

pub use code::{CRUD_CODE, WELCOME_CODE};

use serde_json::{json, Map, Value};

use crate::{
    kernel::{account::DEFAULT_REGION, error::AwsError},
    Engine, Request,
};

/// The longest a scenario waits for one resource, in virtual seconds.
const MAX_WAIT_SECONDS: u32 = 600;

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new("gureum", "ValidationException", message, 400)
}

/// Builds scenarios: sends their requests and keeps the account of what was made.
pub struct Loader<'a> {
    engine: &'a mut Engine,
    host_now_ms: i64,
    region: String,
    created: Vec<String>,
    reused: Vec<String>,
    /// Values the route and the "try now" text name (`{ApiId}`, `{Bucket}` ...).
    vars: Map<String, Value>,
}

impl<'a> Loader<'a> {
    fn new(engine: &'a mut Engine, host_now_ms: i64, region: &str) -> Self {
        Loader { engine, host_now_ms, region: region.to_string(), created: Vec::new(), reused: Vec::new(), vars: Map::new() }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// One AWS request in the scenario's region.
    pub fn call(&mut self, service: &str, operation: &str, input: Value) -> Result<Value, AwsError> {
        let region = self.region.clone();
        self.call_in(&region, service, operation, input)
    }

    pub fn call_in(&mut self, region: &str, service: &str, operation: &str, input: Value) -> Result<Value, AwsError> {
        self.engine.call(self.host_now_ms, &Request::new(service, operation, region, input))
    }

    /// A control operation (`ses:ListInboxMessages`, `dynamodb:StartLoad` ...).
    pub fn control(&mut self, operation: &str, mut input: Value) -> Result<Value, AwsError> {
        if let Some(o) = input.as_object_mut() {
            o.entry("region").or_insert_with(|| Value::String(self.region.clone()));
        }
        self.engine.control(self.host_now_ms, operation, &input)
    }

    /// A create request; an answer of one of `exists` (the resource is already there, from an
    /// earlier load) counts as reused. Answers `None` when reused.
    pub fn create(&mut self, what: &str, service: &str, operation: &str, input: Value, exists: &[&str]) -> Result<Option<Value>, AwsError> {
        match self.call(service, operation, input) {
            Ok(v) => {
                self.created.push(what.to_string());
                Ok(Some(v))
            }
            Err(e) if exists.contains(&e.kind.as_str()) => {
                self.reused.push(what.to_string());
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    pub fn created(&mut self, what: impl Into<String>) {
        self.created.push(what.into());
    }

    pub fn reused(&mut self, what: impl Into<String>) {
        self.reused.push(what.into());
    }

    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        self.vars.insert(name.to_string(), value.into());
    }

    /// Moves the virtual clock forward, firing every timer it passes.
    pub fn advance(&mut self, seconds: f64) -> Result<(), AwsError> {
        self.engine.control(self.host_now_ms, "AdvanceClock", &json!({ "seconds": seconds })).map(|_| ())
    }

    /// The virtual time now, in ms since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.engine.now_ms(self.host_now_ms)
    }

    /// Sends `operation` until `ready` holds, moving the clock a second at a time in between, as
    /// an SDK waiter polls. `what` names the resource in the error if it never gets there.
    pub fn wait(&mut self, what: &str, service: &str, operation: &str, input: Value, ready: impl Fn(&Value) -> bool) -> Result<Value, AwsError> {
        for _ in 0..MAX_WAIT_SECONDS {
            let v = self.call(service, operation, input.clone())?;
            if ready(&v) {
                return Ok(v);
            }
            self.advance(1.0)?;
        }
        Err(AwsError::new("gureum", "ScenarioTimeoutException", format!("{what} was not ready after {MAX_WAIT_SECONDS} seconds of simulated time."), 500))
    }

    /// Waits until the table is ACTIVE (in `region`).
    pub fn wait_table(&mut self, region: &str, table: &str) -> Result<(), AwsError> {
        for _ in 0..MAX_WAIT_SECONDS {
            let v = self.call_in(region, "dynamodb", "DescribeTable", json!({ "TableName": table }))?;
            let replicas_ready = v["Table"]["Replicas"].as_array().is_none_or(|r| r.iter().all(|r| r["ReplicaStatus"] == "ACTIVE"));
            if v["Table"]["TableStatus"] == "ACTIVE" && replicas_ready {
                return Ok(());
            }
            self.advance(1.0)?;
        }
        Err(AwsError::new("gureum", "ScenarioTimeoutException", format!("The table {table} was not ACTIVE after {MAX_WAIT_SECONDS} seconds of simulated time."), 500))
    }

    /// CreateTable (or the table already there), then ACTIVE.
    pub fn table(&mut self, input: Value) -> Result<(), AwsError> {
        let name = input["TableName"].as_str().unwrap_or_default().to_string();
        self.create(&format!("DynamoDB table {name}"), "dynamodb", "CreateTable", input, &["ResourceInUseException"])?;
        let region = self.region.clone();
        self.wait_table(&region, &name)
    }

    /// Writes items (DynamoDB JSON) with BatchWriteItem, 25 at a time, resending unprocessed ones.
    pub fn put_items(&mut self, table: &str, items: Vec<Value>) -> Result<(), AwsError> {
        for chunk in items.chunks(25) {
            let mut request = json!({ table: chunk.iter().map(|i| json!({ "PutRequest": { "Item": i } })).collect::<Vec<_>>() });
            for _ in 0..20 {
                let out = self.call("dynamodb", "BatchWriteItem", json!({ "RequestItems": request }))?;
                match out.get("UnprocessedItems").and_then(Value::as_object) {
                    Some(u) if !u.is_empty() => {
                        request = Value::Object(u.clone());
                        self.advance(1.0)?;
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }

    /// A bucket (an S3 bucket name is the account's; one already there is reused).
    pub fn bucket(&mut self, name: &str) -> Result<(), AwsError> {
        let mut input = json!({ "Bucket": name });
        if self.region != DEFAULT_REGION {
            input["CreateBucketConfiguration"] = json!({ "LocationConstraint": self.region });
        }
        self.create(&format!("S3 bucket {name}"), "s3", "CreateBucket", input, &["BucketAlreadyOwnedByYou", "BucketAlreadyExists"]).map(|_| ())
    }

    /// The id of the resource called `name` in `lookup`'s list answer, if there is one.
    pub fn find(&mut self, lookup: &Lookup, name: &str) -> Result<Option<String>, AwsError> {
        let out = self.call(lookup.service, lookup.operation, lookup.input.clone())?;
        Ok(out[lookup.list].as_array().and_then(|a| a.iter().find(|x| x[lookup.name_key] == name)).and_then(|x| x[lookup.id_key].as_str()).map(str::to_string))
    }

    /// The id of the resource called `name` if `lookup` finds it (reused), else of the one
    /// `create` makes (created). For resources whose names AWS does not keep unique.
    pub fn find_or_create(&mut self, what: &str, lookup: Lookup, name: &str, create: impl FnOnce(&mut Self) -> Result<String, AwsError>) -> Result<String, AwsError> {
        if let Some(id) = self.find(&lookup, name)? {
            self.reused(what);
            return Ok(id);
        }
        let id = create(self)?;
        self.created(what);
        Ok(id)
    }
}

/// A list operation and where its answer keeps each resource's name and id.
pub struct Lookup {
    pub service: &'static str,
    pub operation: &'static str,
    pub input: Value,
    /// The answer's array member.
    pub list: &'static str,
    pub name_key: &'static str,
    pub id_key: &'static str,
}

/// `ListScenarios`: the gallery, in the seed's order.
pub fn list() -> Value {
    let scenarios: Vec<Value> =
        texts::TEXTS.iter().map(|t| json!({ "Id": t.id, "Title": t.title, "Services": t.services, "Teaches": t.teaches, "Section": t.section, "Route": t.route })).collect();
    json!({ "Scenarios": scenarios })
}

/// `LoadScenario {Id, Region?}`.
pub fn load(engine: &mut Engine, host_now_ms: i64, input: &Value) -> Result<Value, AwsError> {
    let id = input.get("Id").and_then(Value::as_str).ok_or_else(|| invalid("'Id' is required: one of the ids ListScenarios answers."))?;
    let region = input.get("Region").and_then(Value::as_str).unwrap_or(DEFAULT_REGION);
    if !crate::REGIONS.iter().any(|(r, _)| *r == region) {
        return Err(invalid(format!("'{region}' is not a region this sandbox simulates.")));
    }
    let text = texts::TEXTS.iter().find(|t| t.id == id).ok_or_else(|| invalid(format!("No scenario '{id}'. ListScenarios names them.")))?;
    let mut l = Loader::new(engine, host_now_ms, region);
    match id {
        "scores" => dynamodb::scores(&mut l)?,
        "capacity" => dynamodb::capacity(&mut l)?,
        "dax" => dynamodb::dax(&mut l)?,
        "welcome-email" => dynamodb::welcome_email(&mut l)?,
        "sessions-ttl" => dynamodb::sessions(&mut l)?,
        "global-table" => dynamodb::global_table(&mut l)?,
        "pitr-restore" => dynamodb::pitr(&mut l)?,
        "export-athena" => dynamodb::export(&mut l)?,
        "import-s3" => dynamodb::import(&mut l)?,
        "crud-api" => apis::crud(&mut l)?,
        "kinesis-firehose" => apis::kinesis_firehose(&mut l)?,
        "usage-plan" => apis::usage_plan(&mut l)?,
        "order-approval" => workflows::order_approval(&mut l)?,
        "cognito-api" => workflows::cognito_api(&mut l)?,
        "identity-pool" => workflows::identity_pool(&mut l)?,
        _ => return Err(invalid(format!("The scenario '{id}' is listed but not built yet in this version."))),
    }
    let fill = |s: &str| {
        let mut out = s.to_string();
        for (k, v) in &l.vars {
            let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            out = out.replace(&format!("{{{k}}}"), &v);
        }
        out
    };
    Ok(json!({
        "Id": text.id,
        "Title": text.title,
        "Region": l.region,
        "Route": fill(text.route),
        "TryNow": fill(text.try_now),
        "Created": l.created,
        "Reused": l.reused,
        "Details": Value::Object(l.vars.clone()),
    }))
}
