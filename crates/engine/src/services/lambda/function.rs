//! A function: its `$LATEST` configuration, published versions, aliases, concurrency and tags,
//! and how each is described in AWS's `FunctionConfiguration` shape.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::kernel::{error::AwsError, time::iso8601};

use super::errors::{invalid_parameter, Validation};

/// Runtimes this sandbox runs (JavaScript, on `gureum-js`). Others are refused at create time
/// with an honest message instead of being accepted and failing at invoke.
pub const RUNTIMES: &[&str] = &["nodejs18.x", "nodejs20.x", "nodejs22.x"];

/// Every runtime identifier Lambda's API model knows, for the enum constraint.
const ALL_RUNTIMES: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "java8",
    "java8.al2",
    "java11",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
    "provided.al2",
    "nodejs18.x",
    "python3.10",
    "java17",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "python3.11",
    "nodejs20.x",
    "provided.al2023",
    "python3.12",
    "java21",
    "python3.13",
    "nodejs22.x",
    "python3.14",
    "java25",
    "nodejs24.x",
    "dotnet10",
];

/// One configuration: `$LATEST` (mutable) or a published version (frozen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub version: String,
    pub description: String,
    pub runtime: String,
    pub handler: String,
    pub role: String,
    pub timeout: u32,
    pub memory_size: u32,
    pub ephemeral_storage: u32,
    pub architectures: Vec<String>,
    pub environment: BTreeMap<String, String>,
    /// Base64 SHA-256 of the package; the package itself is kept once per hash.
    pub code_sha256: String,
    pub code_size: u64,
    pub last_modified_ms: i64,
    pub revision_id: String,
    pub state: String,
    pub last_update_status: String,
    pub log_group: Option<String>,
    pub log_format: String,
    pub tracing_mode: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alias {
    pub name: String,
    pub function_version: String,
    pub description: String,
    /// Weighted routing: another version and the share of invocations it gets.
    pub additional_weights: BTreeMap<String, f64>,
    pub revision_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    pub latest: Config,
    pub versions: BTreeMap<u64, Config>,
    pub last_version: u64,
    pub aliases: BTreeMap<String, Alias>,
    pub reserved_concurrency: Option<u32>,
    pub tags: BTreeMap<String, String>,
    /// Asynchronous invocation settings by qualifier (`$LATEST`, a version or an alias).
    pub event_invoke: BTreeMap<String, Value>,
}

impl Function {
    pub fn config(&self, version: &str) -> Option<&Config> {
        if version == "$LATEST" {
            return Some(&self.latest);
        }
        version.parse::<u64>().ok().and_then(|n| self.versions.get(&n))
    }
}

pub fn function_arn(account: &str, region: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{account}:function:{name}")
}

/// Lambda's `LastModified`: `2026-11-24T17:30:00.000+0000`.
pub fn last_modified(ms: i64) -> String {
    let iso = iso8601(ms);
    format!("{}+0000", iso.trim_end_matches('Z'))
}

/// The `FunctionConfiguration` shape of one configuration.
pub fn describe(account: &str, region: &str, f: &Function, c: &Config) -> Value {
    let arn = function_arn(account, region, &f.name);
    let qualified = if c.version == "$LATEST" { format!("{arn}:$LATEST") } else { format!("{arn}:{}", c.version) };
    let mut out = Map::new();
    out.insert("FunctionName".into(), json!(f.name));
    out.insert("FunctionArn".into(), json!(if c.version == "$LATEST" { arn.clone() } else { qualified }));
    out.insert("Runtime".into(), json!(c.runtime));
    out.insert("Role".into(), json!(c.role));
    out.insert("Handler".into(), json!(c.handler));
    out.insert("CodeSize".into(), json!(c.code_size));
    out.insert("Description".into(), json!(c.description));
    out.insert("Timeout".into(), json!(c.timeout));
    out.insert("MemorySize".into(), json!(c.memory_size));
    out.insert("LastModified".into(), json!(last_modified(c.last_modified_ms)));
    out.insert("CodeSha256".into(), json!(c.code_sha256));
    out.insert("Version".into(), json!(c.version));
    if !c.environment.is_empty() {
        out.insert("Environment".into(), json!({ "Variables": c.environment }));
    }
    out.insert("TracingConfig".into(), json!({ "Mode": c.tracing_mode }));
    out.insert("RevisionId".into(), json!(c.revision_id));
    out.insert("State".into(), json!(c.state));
    if c.state == "Pending" {
        out.insert("StateReason".into(), json!("The function is being created."));
        out.insert("StateReasonCode".into(), json!("Creating"));
    }
    out.insert("LastUpdateStatus".into(), json!(c.last_update_status));
    if c.last_update_status == "InProgress" {
        out.insert("LastUpdateStatusReason".into(), json!("The function is being created."));
        out.insert("LastUpdateStatusReasonCode".into(), json!("Creating"));
    }
    out.insert("PackageType".into(), json!("Zip"));
    out.insert("Architectures".into(), json!(c.architectures));
    out.insert("EphemeralStorage".into(), json!({ "Size": c.ephemeral_storage }));
    out.insert("SnapStart".into(), json!({ "ApplyOn": "None", "OptimizationStatus": "Off" }));
    out.insert("RuntimeVersionConfig".into(), json!({ "RuntimeVersionArn": format!("arn:aws:lambda:{region}::runtime:gureum-js-{}", c.runtime) }));
    let group = c.log_group.clone().unwrap_or_else(|| format!("/aws/lambda/{}", f.name));
    out.insert("LoggingConfig".into(), json!({ "LogFormat": c.log_format, "LogGroup": group }));
    Value::Object(out)
}

/// Members CreateFunction and UpdateFunctionConfiguration share, read and checked.
#[derive(Default)]
pub struct Settings {
    pub description: Option<String>,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub role: Option<String>,
    pub timeout: Option<u32>,
    pub memory_size: Option<u32>,
    pub ephemeral_storage: Option<u32>,
    pub environment: Option<BTreeMap<String, String>>,
    pub log_group: Option<Option<String>>,
    pub log_format: Option<String>,
    pub tracing_mode: Option<String>,
}

impl Settings {
    pub fn read(input: &Value, v: &mut Validation) -> Settings {
        let mut s = Settings {
            description: v.string(input, "Description", "description", 0, 256),
            runtime: v.string(input, "Runtime", "runtime", 0, usize::MAX),
            handler: v.string(input, "Handler", "handler", 0, 128),
            role: v.string(input, "Role", "role", 0, usize::MAX),
            timeout: v.integer(input, "Timeout", "timeout", 1, 900),
            memory_size: v.integer(input, "MemorySize", "memorySize", 128, 10240),
            ..Default::default()
        };
        if let Some(rt) = &s.runtime {
            if !ALL_RUNTIMES.contains(&rt.as_str()) {
                v.constraint(Some(rt), "runtime", &format!("Member must satisfy enum value set: [{}]", ALL_RUNTIMES.join(", ")));
            }
        }
        if let Some(h) = &s.handler {
            if !h.chars().all(|c| !c.is_whitespace()) {
                v.constraint(Some(h), "handler", "Member must satisfy regular expression pattern: [^\\s]+");
            }
        }
        if let Some(r) = &s.role {
            if !is_role_arn(r) {
                v.constraint(Some(r), "role", "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
            }
        }
        if let Some(es) = input.get("EphemeralStorage") {
            s.ephemeral_storage = v.integer(es, "Size", "ephemeralStorage.size", 512, 10240);
        }
        match input.get("Environment") {
            Some(Value::Object(env)) => match env.get("Variables") {
                Some(Value::Object(vars)) => {
                    let mut out = BTreeMap::new();
                    if vars.keys().any(|k| !is_env_name(k)) {
                        v.raw("Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]".into());
                    }
                    for (k, val) in vars {
                        match val {
                            Value::String(text) => {
                                out.insert(k.clone(), text.clone());
                            }
                            _ => v.serialization(format!("Unexpected value type for environment variable {k}")),
                        }
                    }
                    s.environment = Some(out);
                }
                None | Some(Value::Null) => s.environment = Some(BTreeMap::new()),
                _ => v.serialization("Environment.Variables must be a map of strings".into()),
            },
            None | Some(Value::Null) => {}
            _ => v.serialization("Environment must be an object".into()),
        }
        if let Some(tc) = input.get("TracingConfig") {
            if let Some(mode) = v.string(tc, "Mode", "tracingConfig.mode", 0, usize::MAX) {
                if mode != "Active" && mode != "PassThrough" {
                    v.constraint(Some(&mode), "tracingConfig.mode", "Member must satisfy enum value set: [Active, PassThrough]");
                }
                s.tracing_mode = Some(mode);
            }
        }
        if let Some(lc) = input.get("LoggingConfig") {
            if let Some(fmt) = v.string(lc, "LogFormat", "loggingConfig.logFormat", 0, usize::MAX) {
                if fmt != "Text" && fmt != "JSON" {
                    v.constraint(Some(&fmt), "loggingConfig.logFormat", "Member must satisfy enum value set: [JSON, Text]");
                }
                s.log_format = Some(fmt);
            }
            if let Some(group) = v.string(lc, "LogGroup", "loggingConfig.logGroup", 1, 512) {
                s.log_group = Some(Some(group));
            }
        }
        s
    }

    /// Checks made after the constraint pass (InvalidParameterValueException, as Lambda does).
    pub fn check(&self) -> Result<(), AwsError> {
        if let Some(rt) = &self.runtime {
            if !RUNTIMES.contains(&rt.as_str()) {
                return Err(invalid_parameter(format!(
                    "The runtime parameter of {rt} is not supported in Gureum: functions run on its JavaScript engine, so use one of {}.",
                    RUNTIMES.join(", ")
                )));
            }
        }
        if let Some(env) = &self.environment {
            let size: usize = env.iter().map(|(k, v)| k.len() + v.len()).sum();
            if size > 4096 {
                return Err(invalid_parameter(format!(
                    "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {}",
                    serde_json::to_string(env).unwrap_or_default()
                )));
            }
            let reserved: Vec<&str> = env.keys().map(String::as_str).filter(|k| is_reserved_env_key(k)).collect();
            if !reserved.is_empty() {
                return Err(invalid_parameter(format!(
                    "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
                    reserved.join(", ")
                )));
            }
        }
        Ok(())
    }

    pub fn apply(self, c: &mut Config) {
        if let Some(x) = self.description {
            c.description = x;
        }
        if let Some(x) = self.runtime {
            c.runtime = x;
        }
        if let Some(x) = self.handler {
            c.handler = x;
        }
        if let Some(x) = self.role {
            c.role = x;
        }
        if let Some(x) = self.timeout {
            c.timeout = x;
        }
        if let Some(x) = self.memory_size {
            c.memory_size = x;
        }
        if let Some(x) = self.ephemeral_storage {
            c.ephemeral_storage = x;
        }
        if let Some(x) = self.environment {
            c.environment = x;
        }
        if let Some(x) = self.log_group {
            c.log_group = x;
        }
        if let Some(x) = self.log_format {
            c.log_format = x;
        }
        if let Some(x) = self.tracing_mode {
            c.tracing_mode = x;
        }
    }
}

fn is_role_arn(r: &str) -> bool {
    let Some(rest) = r.strip_prefix("arn:") else { return false };
    let mut parts = rest.splitn(5, ':');
    let partition = parts.next().unwrap_or("");
    let service = parts.next().unwrap_or("");
    let region = parts.next().unwrap_or("");
    let account = parts.next().unwrap_or("");
    let resource = parts.next().unwrap_or("");
    partition.starts_with("aws")
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_/".contains(&b)))
}

/// The pattern of environment variable names in Lambda's API model, `[a-zA-Z]([a-zA-Z0-9_])+`:
/// a letter, then at least one letter, digit or `_` (single-letter names are refused).
fn is_env_name(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && k.len() >= 2 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Names the runtime sets itself, which a function may not override.
fn is_reserved_env_key(k: &str) -> bool {
    const RESERVED: &[&str] = &[
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    ];
    RESERVED.contains(&k)
}

/// A function name or ARN as Lambda's API takes it: `my-function`, `my-function:v1`,
/// `123456789012:function:my-function`, or the full ARN, optionally qualified. Returns the name
/// and the qualifier written in it.
pub fn parse_function_name(input: &str, account: &str, region: &str) -> Option<(String, Option<String>)> {
    let valid_name = |n: &str| !n.is_empty() && n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let valid_qualifier = |q: &str| q == "$LATEST" || (!q.is_empty() && q.len() <= 128 && q.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    let rest = if let Some(arn) = input.strip_prefix("arn:") {
        let mut parts = arn.splitn(5, ':');
        let (partition, service, arn_region, arn_account) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if !partition.starts_with("aws") || service != "lambda" || arn_region != region || arn_account != account {
            return None;
        }
        parts.next()?.strip_prefix("function:")?
    } else if let Some((acct, rest)) = input.split_once(":function:") {
        if acct != account {
            return None;
        }
        rest
    } else {
        input
    };
    let (name, qualifier) = match rest.split_once(':') {
        Some((n, q)) => (n, Some(q)),
        None => (rest, None),
    };
    if !valid_name(name) || qualifier.is_some_and(|q| !valid_qualifier(q)) {
        return None;
    }
    Some((name.to_string(), qualifier.map(str::to_string)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_in_every_form() {
        let p = |s: &str| parse_function_name(s, "123456789012", "us-east-1");
        assert_eq!(p("hello"), Some(("hello".into(), None)));
        assert_eq!(p("hello:prod"), Some(("hello".into(), Some("prod".into()))));
        assert_eq!(p("hello:$LATEST"), Some(("hello".into(), Some("$LATEST".into()))));
        assert_eq!(p("123456789012:function:hello"), Some(("hello".into(), None)));
        assert_eq!(p("arn:aws:lambda:us-east-1:123456789012:function:hello:3"), Some(("hello".into(), Some("3".into()))));
        assert_eq!(p("arn:aws:lambda:eu-west-1:123456789012:function:hello"), None, "another region's function");
        assert_eq!(p("bad name"), None);
        assert_eq!(p(""), None);
        assert_eq!(p(&"x".repeat(65)), None);
    }

    #[test]
    fn role_arns() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/lambda-role"));
        assert!(is_role_arn("arn:aws:iam::123456789012:role/service-role/x"));
        assert!(!is_role_arn("arn:aws:iam::1234:role/x"));
        assert!(!is_role_arn("lambda-role"));
    }

    #[test]
    fn last_modified_is_lambdas_format() {
        assert_eq!(last_modified(1_795_541_400_123), "2026-11-24T17:30:00.123+0000");
    }
}
