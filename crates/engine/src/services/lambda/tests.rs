//! Lambda's control plane against the API reference: each operation's answers, errors (type,
//! message, status) and limits, through the engine's own door. Functions never run here (the
//! engine has no code runtime in these tests); `crates/js/tests/lambda.rs` runs them.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use super::code;
use crate::{AwsError, Engine, EngineConfig, Request};

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-role";
const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";
const NAME_PATTERN: &str =
    "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)";

struct Sandbox {
    e: Engine,
    t: i64,
}

/// What a case expects: success, or an error's type, HTTP status and message. A message ending
/// in `…` is a prefix.
enum Expect {
    Ok,
    Err(&'static str, u16, String),
}

fn err(kind: &'static str, status: u16, message: impl Into<String>) -> Expect {
    Expect::Err(kind, status, message.into())
}

fn invalid(message: impl Into<String>) -> Expect {
    err("InvalidParameterValueException", 400, message)
}

fn validation(message: impl Into<String>) -> Expect {
    err("ValidationException", 400, format!("1 validation error detected: {}", message.into()))
}

fn not_found(message: impl Into<String>) -> Expect {
    err("ResourceNotFoundException", 404, message)
}

fn zip_files(files: &[(&str, &str)]) -> Vec<u8> {
    let map: BTreeMap<String, Vec<u8>> = files.iter().map(|(p, t)| (p.to_string(), t.as_bytes().to_vec())).collect();
    code::zip(&map)
}

fn package(text: &str) -> String {
    B64.encode(zip_files(&[("index.mjs", text)]))
}

fn create_input(name: &str) -> Value {
    json!({
        "FunctionName": name,
        "Runtime": "nodejs22.x",
        "Role": ROLE,
        "Handler": "index.handler",
        "Code": { "ZipFile": package("export const handler = async (e) => e;") },
    })
}

/// `create_input(name)` with `extra` members merged in (a null removes one).
fn with(name: &str, extra: Value) -> Value {
    let mut input = create_input(name);
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        if v.is_null() {
            input.as_object_mut().map(|m| m.remove(&k));
        } else {
            input[k] = v;
        }
    }
    input
}

impl Sandbox {
    fn new() -> Self {
        Sandbox { e: Engine::new(EngineConfig::default(), 0), t: 0 }
    }

    fn call(&mut self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.e.call(self.t, &Request::new("lambda", op, "us-east-1", input))
    }

    fn ok(&mut self, op: &str, input: Value) -> Value {
        match self.call(op, input.clone()) {
            Ok(v) => v,
            Err(e) => panic!("{op} {input}: {e}"),
        }
    }

    fn fail(&mut self, op: &str, input: Value) -> AwsError {
        match self.call(op, input.clone()) {
            Ok(v) => panic!("{op} {input} should fail, answered {v}"),
            Err(e) => e,
        }
    }

    fn control(&mut self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.e.control(self.t, op, &input)
    }

    fn advance(&mut self, seconds: f64) {
        self.e.control(self.t, "AdvanceClock", &json!({ "seconds": seconds })).expect("clock");
    }

    /// Creates a function and lets it become Active.
    fn create(&mut self, name: &str) -> Value {
        let out = self.ok("CreateFunction", create_input(name));
        self.advance(2.0);
        out
    }

    fn config(&mut self, name: &str) -> Value {
        self.ok("GetFunctionConfiguration", json!({ "FunctionName": name }))
    }

    /// Runs each case; a failing call must leave no trace in the journal.
    fn cases(&mut self, cases: Vec<(&str, Value, Expect)>) {
        for (i, (op, input, expect)) in cases.into_iter().enumerate() {
            self.e.take_changes();
            let got = self.call(op, input.clone());
            match (expect, got) {
                (Expect::Ok, Ok(_)) => {}
                (Expect::Ok, Err(e)) => panic!("case {i}: {op} {input} failed: {e}"),
                (Expect::Err(kind, status, message), Ok(v)) => panic!("case {i}: {op} {input} answered {v}, expected {kind} {status} {message}"),
                (Expect::Err(kind, status, message), Err(e)) => {
                    assert_eq!((e.kind.as_str(), e.status), (kind, status), "case {i}: {op} {input}: {}", e.message);
                    match message.strip_suffix('…') {
                        Some(prefix) => assert!(e.message.starts_with(prefix), "case {i}: {op} {input}:\n  got      {}\n  expected {message}", e.message),
                        None => assert_eq!(e.message, message, "case {i}: {op} {input}"),
                    }
                    assert!(!self.e.has_changes(), "case {i}: {op} {input}: a refused call journals nothing");
                }
            }
        }
    }
}

#[test]
fn create_function_validates_like_lambda() {
    let mut s = Sandbox::new();
    s.create("taken");
    let big = "x".repeat(4100);
    let tags: serde_json::Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!("v"))).collect();
    s.cases(vec![
        ("CreateFunction", with("f", json!({ "FunctionName": null })), validation("Value null at 'functionName' failed to satisfy constraint: Member must not be null")),
        ("CreateFunction", with("f", json!({ "Role": null })), validation("Value null at 'role' failed to satisfy constraint: Member must not be null")),
        ("CreateFunction", with("bad name", json!({})), validation(format!("Value 'bad name' at 'functionName' failed to satisfy constraint: {NAME_PATTERN}"))),
        ("CreateFunction", with("f:1", json!({})), validation(format!("Value 'f:1' at 'functionName' failed to satisfy constraint: {NAME_PATTERN}"))),
        (
            "CreateFunction",
            with("arn:aws:lambda:eu-west-1:123456789012:function:f", json!({})),
            validation("Value 'arn:aws:lambda:eu-west-1:123456789012:function:f' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: …"),
        ),
        ("CreateFunction", with(&"a".repeat(141), json!({})), validation(format!("Value '{}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140", "a".repeat(141)))),
        ("CreateFunction", with("f", json!({ "Runtime": "cobol" })), validation("Value 'cobol' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs, …")),
        (
            "CreateFunction",
            with("f", json!({ "Runtime": "python3.12" })),
            invalid("The runtime parameter of python3.12 is not supported in Gureum: functions run on its JavaScript engine, so use one of nodejs18.x, nodejs20.x, nodejs22.x."),
        ),
        (
            "CreateFunction",
            with("f", json!({ "Role": "lambda-role" })),
            validation("Value 'lambda-role' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"),
        ),
        ("CreateFunction", with("f", json!({ "Role": "arn:aws:iam::1234:role/x" })), validation("Value 'arn:aws:iam::1234:role/x' at 'role' failed to satisfy constraint: …")),
        ("CreateFunction", with("f", json!({ "Timeout": 0 })), validation("Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1")),
        ("CreateFunction", with("f", json!({ "Timeout": 901 })), validation("Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900")),
        ("CreateFunction", with("f", json!({ "MemorySize": 127 })), validation("Value '127' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128")),
        ("CreateFunction", with("f", json!({ "MemorySize": 10241 })), validation("Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240")),
        (
            "CreateFunction",
            with("f", json!({ "Timeout": 0, "MemorySize": 64 })),
            err(
                "ValidationException",
                400,
                "2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
            ),
        ),
        ("CreateFunction", with("f", json!({ "Timeout": "3" })), err("SerializationException", 400, "Unexpected value type for Timeout: expected an integer")),
        ("CreateFunction", with("f", json!({ "Publish": "yes" })), err("SerializationException", 400, "Unexpected value type for Publish: expected a boolean")),
        ("CreateFunction", with("f", json!({ "Handler": null })), invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages.")),
        ("CreateFunction", with("f", json!({ "Runtime": null })), invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages.")),
        ("CreateFunction", with("f", json!({ "Handler": "index handler" })), validation("Value 'index handler' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+")),
        ("CreateFunction", with("f", json!({ "Handler": "h".repeat(129) })), validation(format!("Value '{}' at 'handler' failed to satisfy constraint: Member must have length less than or equal to 128", "h".repeat(129)))),
        ("CreateFunction", with("f", json!({ "Description": "d".repeat(257) })), validation(format!("Value '{}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256", "d".repeat(257)))),
        ("CreateFunction", with("f", json!({ "EphemeralStorage": { "Size": 100 } })), validation("Value '100' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512")),
        ("CreateFunction", with("f", json!({ "TracingConfig": { "Mode": "On" } })), validation("Value 'On' at 'tracingConfig.mode' failed to satisfy constraint: Member must satisfy enum value set: [Active, PassThrough]")),
        ("CreateFunction", with("f", json!({ "LoggingConfig": { "LogFormat": "XML" } })), validation("Value 'XML' at 'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, Text]")),
        // Environment variables: names by pattern (Coral), reserved names and size (Lambda).
        (
            "CreateFunction",
            with("f", json!({ "Environment": { "Variables": { "A": "1" } } })),
            validation("Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"),
        ),
        ("CreateFunction", with("f", json!({ "Environment": { "Variables": { "my-var": "1" } } })), validation("Value at 'environment.variables' failed to satisfy constraint: Map keys must …")),
        ("CreateFunction", with("f", json!({ "Environment": { "Variables": { "1AB": "1" } } })), validation("Value at 'environment.variables' failed to satisfy constraint: Map keys must …")),
        (
            "CreateFunction",
            with("f", json!({ "Environment": { "Variables": { "AWS_REGION": "x", "OK": "1" } } })),
            invalid("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION"),
        ),
        (
            "CreateFunction",
            with("f", json!({ "Environment": { "Variables": { "BIG": big } } })),
            invalid("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {\"BIG\":\"xxxx…"),
        ),
        ("CreateFunction", with("f", json!({ "Environment": { "Variables": { "N": 1 } } })), err("SerializationException", 400, "…")),
        // Architectures: exactly one, x86_64 or arm64.
        ("CreateFunction", with("f", json!({ "Architectures": [] })), validation("Value '[]' at 'architectures' failed to satisfy constraint: Member must have length greater than or equal to 1")),
        (
            "CreateFunction",
            with("f", json!({ "Architectures": ["x86_64", "arm64"] })),
            validation("Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1"),
        ),
        (
            "CreateFunction",
            with("f", json!({ "Architectures": ["sparc"] })),
            validation("Value '[sparc]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]"),
        ),
        // Code.
        ("CreateFunction", with("f", json!({ "Code": null })), validation("Value null at 'code' failed to satisfy constraint: Member must not be null")),
        ("CreateFunction", with("f", json!({ "Code": {} })), invalid("Please provide a source for function code.")),
        ("CreateFunction", with("f", json!({ "Code": { "ZipFile": "!!" } })), err("SerializationException", 400, "Code.ZipFile is not valid base64.")),
        ("CreateFunction", with("f", json!({ "Code": { "ZipFile": B64.encode("not a zip") } })), invalid("Could not unzip uploaded file. Please check your file, then try to upload again.")),
        ("CreateFunction", with("f", json!({ "Code": { "S3Bucket": "b", "S3Key": "k" } })), invalid("Gureum does not deploy code from S3 yet: upload the package as Code.ZipFile.")),
        ("CreateFunction", with("f", json!({ "PackageType": "Image" })), invalid("Gureum runs .zip packages only: container images (PackageType Image) are not simulated.")),
        ("CreateFunction", with("f", json!({ "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:l:1"] })), invalid("Gureum does not simulate Lambda layers yet: put the code in the function's package.")),
        ("CreateFunction", with("f", json!({ "Tags": tags })), invalid("Number of tags exceeds resource tag limit.")),
        ("CreateFunction", with("taken", json!({})), err("ResourceConflictException", 409, "Function already exist: taken")),
        // Accepted forms.
        ("CreateFunction", with("ok-1_x", json!({ "Architectures": ["arm64"], "Timeout": 900, "MemorySize": 10240 })), Expect::Ok),
        ("CreateFunction", with("arn:aws:lambda:us-east-1:123456789012:function:by-arn", json!({})), Expect::Ok),
        ("CreateFunction", with("123456789012:function:by-partial-arn", json!({})), Expect::Ok),
        ("CreateFunction", with("envs", json!({ "Environment": { "Variables": { "AB": "1", "a_1": "" } } })), Expect::Ok),
    ]);
    assert_eq!(s.config("by-arn")["FunctionName"], "by-arn");
    assert_eq!(s.config("by-partial-arn")["FunctionArn"], format!("{ARN}by-partial-arn"));
    assert_eq!(s.config("ok-1_x")["Architectures"], json!(["arm64"]));
}

#[test]
fn a_new_function_is_pending_then_active_on_the_virtual_clock() {
    let mut s = Sandbox::new();
    let zip = zip_files(&[("index.mjs", "export const handler = async (e) => e;")]);
    let out = s.ok("CreateFunction", with("hello", json!({ "Code": { "ZipFile": B64.encode(&zip) }, "Description": "greets", "Tags": { "team": "a" } })));
    assert_eq!(out["FunctionName"], "hello");
    assert_eq!(out["FunctionArn"], format!("{ARN}hello"));
    assert_eq!(out["Version"], "$LATEST");
    assert_eq!(out["Runtime"], "nodejs22.x");
    assert_eq!(out["Role"], ROLE);
    assert_eq!(out["Handler"], "index.handler");
    assert_eq!(out["Description"], "greets");
    assert_eq!(out["Timeout"], 3);
    assert_eq!(out["MemorySize"], 128);
    assert_eq!(out["Architectures"], json!(["x86_64"]));
    assert_eq!(out["EphemeralStorage"], json!({ "Size": 512 }));
    assert_eq!(out["PackageType"], "Zip");
    assert_eq!(out["TracingConfig"], json!({ "Mode": "PassThrough" }));
    assert_eq!(out["LoggingConfig"], json!({ "LogFormat": "Text", "LogGroup": "/aws/lambda/hello" }));
    assert_eq!(out["CodeSha256"], code::sha256_base64(&zip));
    assert_eq!(out["CodeSize"], zip.len());
    assert_eq!(out["LastModified"], "2026-01-01T00:00:00.000+0000");
    assert!(out.get("Environment").is_none());
    assert_eq!((&out["State"], &out["StateReasonCode"], &out["LastUpdateStatus"]), (&json!("Pending"), &json!("Creating"), &json!("InProgress")));

    // Pending: no updates, no invocations.
    let pending = "The operation cannot be performed at this time. The function is currently in the following state: Pending";
    s.cases(vec![
        ("UpdateFunctionConfiguration", json!({ "FunctionName": "hello", "Timeout": 10 }), err("ResourceConflictException", 409, pending)),
        ("UpdateFunctionCode", json!({ "FunctionName": "hello", "ZipFile": package("x") }), err("ResourceConflictException", 409, pending)),
        ("PublishVersion", json!({ "FunctionName": "hello" }), err("ResourceConflictException", 409, pending)),
        ("Invoke", json!({ "FunctionName": "hello", "InvocationType": "DryRun" }), err("ResourceConflictException", 409, pending)),
    ]);

    // Half a second later it is still Pending; a second after creation it is Active.
    s.advance(0.5);
    assert_eq!(s.config("hello")["State"], "Pending");
    s.advance(0.5);
    let active = s.config("hello");
    assert_eq!((&active["State"], &active["LastUpdateStatus"]), (&json!("Active"), &json!("Successful")));
    assert!(active.get("StateReason").is_none() && active.get("LastUpdateStatusReason").is_none());
    assert_eq!(active["RevisionId"], out["RevisionId"], "becoming Active is not a revision");

    let got = s.ok("GetFunction", json!({ "FunctionName": "hello" }));
    assert_eq!(got["Configuration"], active);
    assert_eq!(got["Code"]["RepositoryType"], "S3");
    assert_eq!(got["Tags"], json!({ "team": "a" }));
    assert!(got.get("Concurrency").is_none());
    // Every name form finds it.
    for name in [
        "hello",
        "hello:$LATEST",
        "123456789012:function:hello",
        "arn:aws:lambda:us-east-1:123456789012:function:hello",
        "arn:aws:lambda:us-east-1:123456789012:function:hello:$LATEST",
    ] {
        assert_eq!(s.config(name)["FunctionName"], "hello", "{name}");
    }
}

#[test]
fn reads_by_name_qualifier_and_arn() {
    let mut s = Sandbox::new();
    s.create("f");
    s.ok("PublishVersion", json!({ "FunctionName": "f" }));
    s.cases(vec![
        ("GetFunction", json!({}), validation("Value null at 'functionName' failed to satisfy constraint: Member must not be null")),
        ("GetFunction", json!({ "FunctionName": "" }), validation("Value '' at 'functionName' failed to satisfy constraint: Member must have length greater than or equal to 1")),
        (
            "GetFunction",
            json!({ "FunctionName": "no such" }),
            validation("Value 'no such' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: …"),
        ),
        ("GetFunction", json!({ "FunctionName": "nope" }), not_found(format!("Function not found: {ARN}nope"))),
        ("GetFunction", json!({ "FunctionName": "f", "Qualifier": "9" }), not_found(format!("Function not found: {ARN}f:9"))),
        ("GetFunction", json!({ "FunctionName": "f", "Qualifier": "live" }), not_found(format!("Function not found: {ARN}f:live"))),
        ("GetFunction", json!({ "FunctionName": "f:1", "Qualifier": "2" }), invalid("The derived qualifier from the function name does not match the specified qualifier.")),
        (
            "GetFunction",
            json!({ "FunctionName": "arn:aws:lambda:us-east-1:999999999999:function:f" }),
            validation("Value 'arn:aws:lambda:us-east-1:999999999999:function:f' at 'functionName' …"),
        ),
        ("GetFunction", json!({ "FunctionName": "f:1", "Qualifier": "1" }), Expect::Ok),
        ("GetFunctionConfiguration", json!({ "FunctionName": "f", "Qualifier": "$LATEST" }), Expect::Ok),
        ("GetFunction", json!({ "FunctionName": 7 }), err("SerializationException", 400, "…")),
        ("Bogus", json!({}), err("UnknownOperationException", 400, "Unknown operation Bogus")),
        ("AddPermission", json!({}), err("UnknownOperationException", 400, "Gureum does not simulate Lambda's AddPermission yet.")),
        ("ListFunctions", json!([]), err("SerializationException", 400, "The request body must be a JSON object.")),
    ]);
    let v1 = s.ok("GetFunctionConfiguration", json!({ "FunctionName": "f", "Qualifier": "1" }));
    assert_eq!((&v1["Version"], &v1["FunctionArn"]), (&json!("1"), &json!(format!("{ARN}f:1"))));
}

#[test]
fn updates_are_in_progress_for_a_moment_and_revision_ids_guard_them() {
    let mut s = Sandbox::new();
    let created = s.create("f");
    let first = created["RevisionId"].as_str().unwrap_or_default().to_string();
    let stale = json!({ "FunctionName": "f", "Timeout": 5, "RevisionId": "00000000-0000-4000-8000-000000000000" });
    let precondition = "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id";
    s.cases(vec![
        ("UpdateFunctionConfiguration", stale, err("PreconditionFailedException", 412, precondition)),
        ("UpdateFunctionConfiguration", json!({ "FunctionName": "f", "Runtime": "java21" }), invalid("The runtime parameter of java21 is not supported in Gureum: …")),
        (
            "UpdateFunctionConfiguration",
            json!({ "FunctionName": "f", "Timeout": 1000 }),
            validation("Value '1000' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"),
        ),
        (
            "UpdateFunctionConfiguration",
            json!({ "FunctionName": "f", "Environment": { "Variables": { "LAMBDA_TASK_ROOT": "/x" } } }),
            invalid("Lambda was unable to configure your environment variables because …"),
        ),
        ("UpdateFunctionConfiguration", json!({ "FunctionName": "nope", "Timeout": 5 }), not_found(format!("Function not found: {ARN}nope"))),
    ]);
    let out = s.ok(
        "UpdateFunctionConfiguration",
        json!({ "FunctionName": "f", "Timeout": 30, "MemorySize": 256, "Description": "v2", "Environment": { "Variables": { "STAGE": "dev" } }, "RevisionId": first }),
    );
    assert_eq!((&out["Timeout"], &out["MemorySize"], &out["Description"]), (&json!(30), &json!(256), &json!("v2")));
    assert_eq!(out["Environment"], json!({ "Variables": { "STAGE": "dev" } }));
    assert_eq!((&out["State"], &out["LastUpdateStatus"]), (&json!("Active"), &json!("InProgress")));
    assert_ne!(out["RevisionId"], json!(first), "an update is a new revision");

    let busy = format!("The operation cannot be performed at this time. An update is in progress for resource: {ARN}f");
    s.cases(vec![
        ("UpdateFunctionConfiguration", json!({ "FunctionName": "f", "Timeout": 5 }), err("ResourceConflictException", 409, busy.clone())),
        ("UpdateFunctionCode", json!({ "FunctionName": "f", "ZipFile": package("y") }), err("ResourceConflictException", 409, busy.clone())),
        ("PublishVersion", json!({ "FunctionName": "f" }), err("ResourceConflictException", 409, busy)),
    ]);
    // Reads and invocations go on while an update is in progress.
    assert_eq!(s.ok("Invoke", json!({ "FunctionName": "f", "InvocationType": "DryRun" }))["StatusCode"], 204);
    s.advance(1.0);
    assert_eq!(s.config("f")["LastUpdateStatus"], "Successful");

    // An empty variable map clears the environment; members not given are kept.
    let cleared = s.ok("UpdateFunctionConfiguration", json!({ "FunctionName": "f", "Environment": { "Variables": {} } }));
    assert!(cleared.get("Environment").is_none());
    assert_eq!(cleared["Timeout"], 30);
    s.advance(1.0);
    let current = s.config("f")["RevisionId"].clone();
    s.ok("UpdateFunctionConfiguration", json!({ "FunctionName": "f", "Handler": "index.other", "RevisionId": current }));
}

#[test]
fn update_function_code_replaces_the_package() {
    let mut s = Sandbox::new();
    let before = s.create("f")["CodeSha256"].clone();
    let zip = zip_files(&[("index.mjs", "export const handler = async () => 2;")]);
    let sha = code::sha256_base64(&zip);
    s.cases(vec![
        ("UpdateFunctionCode", json!({ "FunctionName": "f" }), invalid("Please provide a source for function code.")),
        (
            "UpdateFunctionCode",
            json!({ "FunctionName": "f", "ZipFile": B64.encode("junk") }),
            invalid("Could not unzip uploaded file. Please check your file, then try to upload again."),
        ),
        ("UpdateFunctionCode", json!({ "FunctionName": "f", "ImageUri": "x" }), invalid("Gureum runs .zip packages only: container images (ImageUri) are not simulated.")),
        (
            "UpdateFunctionCode",
            json!({ "FunctionName": "f", "ZipFile": B64.encode(&zip), "RevisionId": "old" }),
            err("PreconditionFailedException", 412, "The Revision Id provided does not match …"),
        ),
        ("UpdateFunctionCode", json!({ "FunctionName": "f", "ZipFile": B64.encode(&zip), "Architectures": ["mips"] }), validation("Value '[mips]' at 'architectures' …")),
    ]);
    // DryRun answers with what would change and changes nothing.
    s.e.take_changes();
    let dry = s.ok("UpdateFunctionCode", json!({ "FunctionName": "f", "ZipFile": B64.encode(&zip), "DryRun": true }));
    assert_eq!(dry["CodeSha256"], sha);
    assert!(!s.e.has_changes(), "a dry run journals nothing");
    assert_eq!(s.config("f")["CodeSha256"], before);

    let out = s.ok("UpdateFunctionCode", json!({ "FunctionName": "f", "ZipFile": B64.encode(&zip), "Architectures": ["arm64"] }));
    assert_eq!((&out["CodeSha256"], &out["CodeSize"], &out["Architectures"]), (&json!(sha), &json!(zip.len()), &json!(["arm64"])));
    assert_eq!(out["LastUpdateStatus"], "InProgress");
    // The old package is no longer referenced and is dropped.
    let settings = s.ok("GetAccountSettings", json!({}));
    assert_eq!(settings["AccountUsage"]["TotalCodeSize"], zip.len());
    s.advance(1.0);

    // Publish: the answer is the new version.
    let v = s.ok("UpdateFunctionCode", json!({ "FunctionName": "f", "ZipFile": package("export const handler = async () => 3;"), "Publish": true }));
    assert_eq!(v["Version"], "1");
    assert_eq!(v["FunctionArn"], format!("{ARN}f:1"));
}

#[test]
fn publish_version_freezes_a_configuration_once() {
    let mut s = Sandbox::new();
    let sha = s.create("f")["CodeSha256"].as_str().unwrap_or_default().to_string();
    s.cases(vec![
        (
            "PublishVersion",
            json!({ "FunctionName": "f", "CodeSha256": "abc" }),
            invalid(format!("CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST ({sha}). Please try again")),
        ),
        ("PublishVersion", json!({ "FunctionName": "f", "RevisionId": "nope" }), err("PreconditionFailedException", 412, "The Revision Id provided does not match …")),
        ("PublishVersion", json!({ "FunctionName": "f", "Description": "d".repeat(257) }), validation("Value '…")),
        ("PublishVersion", json!({ "FunctionName": "ghost" }), not_found(format!("Function not found: {ARN}ghost"))),
    ]);
    let latest_rev = s.config("f")["RevisionId"].clone();
    let v1 = s.ok("PublishVersion", json!({ "FunctionName": "f", "CodeSha256": sha, "Description": "first", "RevisionId": latest_rev }));
    assert_eq!((&v1["Version"], &v1["Description"], &v1["FunctionArn"]), (&json!("1"), &json!("first"), &json!(format!("{ARN}f:1"))));
    // Nothing changed since: no new version, the newest is answered again.
    let again = s.ok("PublishVersion", json!({ "FunctionName": "f" }));
    assert_eq!(again["Version"], "1");
    assert_eq!(again["RevisionId"], v1["RevisionId"]);

    s.ok("UpdateFunctionConfiguration", json!({ "FunctionName": "f", "Timeout": 42, "Description": "second" }));
    s.advance(1.0);
    let v2 = s.ok("PublishVersion", json!({ "FunctionName": "f" }));
    assert_eq!((&v2["Version"], &v2["Timeout"], &v2["Description"]), (&json!("2"), &json!(42), &json!("second")));
    // Published versions are frozen.
    s.ok("UpdateFunctionConfiguration", json!({ "FunctionName": "f", "Timeout": 7 }));
    s.advance(1.0);
    assert_eq!(s.ok("GetFunctionConfiguration", json!({ "FunctionName": "f", "Qualifier": "1" }))["Timeout"], 3);
    assert_eq!(s.ok("GetFunctionConfiguration", json!({ "FunctionName": "f:2" }))["Timeout"], 42);
    assert_eq!(s.config("f")["Timeout"], 7);

    let versions = s.ok("ListVersionsByFunction", json!({ "FunctionName": "f" }));
    let names: Vec<&Value> = versions["Versions"].as_array().map(|a| a.iter().map(|v| &v["Version"]).collect()).unwrap_or_default();
    assert_eq!(names, vec!["$LATEST", "1", "2"]);
    assert!(versions.get("NextMarker").is_none());
    let page = s.ok("ListVersionsByFunction", json!({ "FunctionName": "f", "MaxItems": 2 }));
    assert_eq!(page["Versions"].as_array().map(Vec::len), Some(2));
    let rest = s.ok("ListVersionsByFunction", json!({ "FunctionName": "f", "Marker": page["NextMarker"] }));
    assert_eq!(rest["Versions"][0]["Version"], "2");
    assert!(rest.get("NextMarker").is_none());
    // Versions persist the $LATEST they were published from, not later changes.
    assert_eq!(s.ok("GetFunctionConfiguration", json!({ "FunctionName": "f", "Qualifier": "2" }))["State"], "Active");
}

#[test]
fn aliases_and_routing_weights() {
    let mut s = Sandbox::new();
    s.create("f");
    s.ok("PublishVersion", json!({ "FunctionName": "f" }));
    s.ok("UpdateFunctionConfiguration", json!({ "FunctionName": "f", "Timeout": 9 }));
    s.advance(1.0);
    s.ok("PublishVersion", json!({ "FunctionName": "f" }));
    let alias = |name: &str, version: &str, extra: Value| {
        let mut input = json!({ "FunctionName": "f", "Name": name, "FunctionVersion": version });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            input[k] = v;
        }
        input
    };
    let weights = |w: Value| json!({ "RoutingConfig": { "AdditionalVersionWeights": w } });
    s.cases(vec![
        ("CreateAlias", json!({ "FunctionName": "f", "FunctionVersion": "1" }), validation("Value null at 'name' failed to satisfy constraint: Member must not be null")),
        ("CreateAlias", alias("123", "1", json!({})), validation("Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")),
        ("CreateAlias", alias("a.b", "1", json!({})), validation("Value 'a.b' at 'name' failed to satisfy constraint: …")),
        ("CreateAlias", alias("live", "9", json!({})), not_found(format!("Function not found: {ARN}f:9"))),
        ("CreateAlias", alias("live", "1", weights(json!({ "2": 0.1, "3": 0.2 }))), invalid("Number of items in AdditionalVersionWeights cannot be greater than 1")),
        (
            "CreateAlias",
            alias("live", "1", weights(json!({ "2": 1.5 }))),
            validation("Value '{2=1.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"),
        ),
        ("CreateAlias", alias("live", "1", weights(json!({ "1": 0.5 }))), invalid("Invalid function version 1. Function version 1 is already included in routing configuration.")),
        ("CreateAlias", alias("live", "$LATEST", weights(json!({ "1": 0.5 }))), invalid("$LATEST is not supported for an alias pointing to more than 1 version")),
        (
            "CreateAlias",
            alias("live", "1", weights(json!({ "x": 0.5 }))),
            validation("Value '{x=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]"),
        ),
        ("CreateAlias", alias("live", "1", weights(json!({ "7": 0.5 }))), not_found(format!("Function not found: {ARN}f:7"))),
        ("CreateAlias", alias("live", "1", json!({ "Description": "d".repeat(257) })), validation("Value '…")),
        ("CreateAlias", json!({ "FunctionName": "ghost", "Name": "live", "FunctionVersion": "1" }), not_found(format!("Function not found: {ARN}ghost"))),
        ("CreateAlias", alias("live", "1", json!({ "Description": "prod", "RoutingConfig": { "AdditionalVersionWeights": { "2": 0.25 } } })), Expect::Ok),
        ("CreateAlias", alias("live", "2", json!({})), err("ResourceConflictException", 409, format!("Alias already exists: {ARN}f:live"))),
        ("CreateAlias", alias("dev", "$LATEST", json!({})), Expect::Ok),
        ("GetAlias", json!({ "FunctionName": "f", "Name": "nope" }), not_found(format!("Alias not found: {ARN}f:nope"))),
        ("UpdateAlias", json!({ "FunctionName": "f", "Name": "nope", "RoutingConfig": { "AdditionalVersionWeights": { "2": 0.5 } } }), not_found(format!("Alias not found: {ARN}f:nope"))),
        ("UpdateAlias", json!({ "FunctionName": "f", "Name": "live", "RevisionId": "stale" }), err("PreconditionFailedException", 412, "The Revision Id provided does not match …")),
        ("UpdateAlias", json!({ "FunctionName": "f", "Name": "live", "FunctionVersion": "2" }), invalid("Invalid function version 2. Function version 2 is already included in routing configuration.")),
        ("UpdateAlias", json!({ "FunctionName": "f", "Name": "live", "FunctionVersion": "8" }), not_found(format!("Function not found: {ARN}f:8"))),
    ]);
    // Moving the primary onto the version the kept weights route to is refused (above); moving
    // it while replacing the routing config works.
    let live = s.ok("GetAlias", json!({ "FunctionName": "f", "Name": "live" }));
    assert_eq!(live["AliasArn"], format!("{ARN}f:live"));
    assert_eq!((&live["FunctionVersion"], &live["Description"]), (&json!("1"), &json!("prod")));
    assert_eq!(live["RoutingConfig"], json!({ "AdditionalVersionWeights": { "2": 0.25 } }));
    let moved = s.ok("UpdateAlias", json!({ "FunctionName": "f", "Name": "live", "FunctionVersion": "2", "RoutingConfig": {}, "RevisionId": live["RevisionId"] }));
    assert_eq!(moved["FunctionVersion"], "2");
    assert!(moved.get("RoutingConfig").is_none());
    assert_ne!(moved["RevisionId"], live["RevisionId"]);
    // Reads through the alias see its version.
    assert_eq!(s.ok("GetFunctionConfiguration", json!({ "FunctionName": "f:live" }))["Version"], "2");
    assert_eq!(s.ok("GetFunction", json!({ "FunctionName": "f", "Qualifier": "dev" }))["Configuration"]["Version"], "$LATEST");
    assert_eq!(s.ok("Invoke", json!({ "FunctionName": "f", "Qualifier": "live", "InvocationType": "DryRun" }))["StatusCode"], 204);

    let all = s.ok("ListAliases", json!({ "FunctionName": "f" }));
    assert_eq!(all["Aliases"].as_array().map(Vec::len), Some(2));
    let on2 = s.ok("ListAliases", json!({ "FunctionName": "f", "FunctionVersion": "2" }));
    assert_eq!(on2["Aliases"][0]["Name"], "live");
    assert_eq!(on2["Aliases"].as_array().map(Vec::len), Some(1));
    let page = s.ok("ListAliases", json!({ "FunctionName": "f", "MaxItems": 1 }));
    assert_eq!((&page["Aliases"][0]["Name"], &page["NextMarker"]), (&json!("dev"), &json!("live")));

    s.ok("DeleteAlias", json!({ "FunctionName": "f", "Name": "dev" }));
    s.ok("DeleteAlias", json!({ "FunctionName": "f", "Name": "dev" }));
    assert_eq!(s.fail("GetAlias", json!({ "FunctionName": "f", "Name": "dev" })).kind, "ResourceNotFoundException");
}

#[test]
fn delete_function_whole_or_one_version() {
    let mut s = Sandbox::new();
    s.create("f");
    for timeout in [4, 5, 6] {
        s.ok("UpdateFunctionConfiguration", json!({ "FunctionName": "f", "Timeout": timeout }));
        s.advance(1.0);
        s.ok("PublishVersion", json!({ "FunctionName": "f" }));
    }
    s.ok("CreateAlias", json!({ "FunctionName": "f", "Name": "live", "FunctionVersion": "1", "RoutingConfig": { "AdditionalVersionWeights": { "2": 0.5 } } }));
    s.ok("PutFunctionEventInvokeConfig", json!({ "FunctionName": "f", "Qualifier": "3", "MaximumRetryAttempts": 0 }));
    s.cases(vec![
        ("DeleteFunction", json!({ "FunctionName": "f", "Qualifier": "$LATEST" }), invalid("$LATEST version cannot be deleted without deleting the function.")),
        ("DeleteFunction", json!({ "FunctionName": "f", "Qualifier": "live" }), invalid("Deletion of aliases is not supported.")),
        ("DeleteFunction", json!({ "FunctionName": "f:1" }), err("ResourceConflictException", 409, "Unable to delete version because the following aliases reference it: [live]")),
        (
            "DeleteFunction",
            json!({ "FunctionName": "f", "Qualifier": "2" }),
            err("ResourceConflictException", 409, "Unable to delete version because the following aliases reference it: [live]"),
        ),
        ("DeleteFunction", json!({ "FunctionName": "f", "Qualifier": "3" }), Expect::Ok),
        // A version that does not exist is already gone: 204, nothing changes.
        ("DeleteFunction", json!({ "FunctionName": "f", "Qualifier": "99" }), Expect::Ok),
        ("DeleteFunction", json!({ "FunctionName": "ghost" }), not_found(format!("Function not found: {ARN}ghost"))),
    ]);
    let versions = s.ok("ListVersionsByFunction", json!({ "FunctionName": "f" }));
    assert_eq!(versions["Versions"].as_array().map(|a| a.iter().map(|v| v["Version"].clone()).collect::<Vec<_>>()), Some(vec![json!("$LATEST"), json!("1"), json!("2")]));
    // The deleted version's asynchronous settings went with it.
    assert_eq!(s.ok("ListFunctionEventInvokeConfigs", json!({ "FunctionName": "f" }))["FunctionEventInvokeConfigs"], json!([]));
    // Numbers are never reused.
    s.ok("UpdateFunctionConfiguration", json!({ "FunctionName": "f", "Timeout": 8 }));
    s.advance(1.0);
    assert_eq!(s.ok("PublishVersion", json!({ "FunctionName": "f" }))["Version"], "4");

    s.ok("DeleteFunction", json!({ "FunctionName": format!("{ARN}f") }));
    assert_eq!(s.fail("GetFunction", json!({ "FunctionName": "f" })).message, format!("Function not found: {ARN}f"));
    assert_eq!(s.fail("DeleteFunction", json!({ "FunctionName": "f" })).status, 404);
    assert_eq!(s.ok("GetAccountSettings", json!({}))["AccountUsage"], json!({ "TotalCodeSize": 0, "FunctionCount": 0 }));
    assert!(s.e.snapshot().iter().all(|r| !r.key.starts_with("lambda/")), "no record of the function is left");
    // The name can be used again.
    s.ok("CreateFunction", create_input("f"));
}

#[test]
fn reserved_concurrency_keeps_100_unreserved() {
    let mut s = Sandbox::new();
    s.create("a");
    s.create("b");
    let below = "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].";
    s.cases(vec![
        (
            "PutFunctionConcurrency",
            json!({ "FunctionName": "a" }),
            validation("Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null"),
        ),
        (
            "PutFunctionConcurrency",
            json!({ "FunctionName": "a", "ReservedConcurrentExecutions": -1 }),
            validation("Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0"),
        ),
        ("PutFunctionConcurrency", json!({ "FunctionName": "a", "ReservedConcurrentExecutions": 901 }), invalid(below)),
        ("PutFunctionConcurrency", json!({ "FunctionName": "a", "ReservedConcurrentExecutions": 800 }), Expect::Ok),
        ("PutFunctionConcurrency", json!({ "FunctionName": "b", "ReservedConcurrentExecutions": 101 }), invalid(below)),
        ("PutFunctionConcurrency", json!({ "FunctionName": "b", "ReservedConcurrentExecutions": 100 }), Expect::Ok),
        // Raising a's reservation counts b's; lowering it is always allowed.
        ("PutFunctionConcurrency", json!({ "FunctionName": "a", "ReservedConcurrentExecutions": 801 }), invalid(below)),
        ("PutFunctionConcurrency", json!({ "FunctionName": "a", "ReservedConcurrentExecutions": 0 }), Expect::Ok),
        ("PutFunctionConcurrency", json!({ "FunctionName": "ghost", "ReservedConcurrentExecutions": 1 }), not_found(format!("Function not found: {ARN}ghost"))),
        ("GetFunctionConcurrency", json!({ "FunctionName": "ghost" }), not_found(format!("Function not found: {ARN}ghost"))),
    ]);
    assert_eq!(s.ok("GetFunctionConcurrency", json!({ "FunctionName": "b" })), json!({ "ReservedConcurrentExecutions": 100 }));
    assert_eq!(s.ok("GetFunction", json!({ "FunctionName": "b" }))["Concurrency"], json!({ "ReservedConcurrentExecutions": 100 }));
    let settings = s.ok("GetAccountSettings", json!({}));
    assert_eq!(settings["AccountLimit"]["ConcurrentExecutions"], 1000);
    assert_eq!(settings["AccountLimit"]["UnreservedConcurrentExecutions"], 900);
    assert_eq!(settings["AccountUsage"]["FunctionCount"], 2);
    assert_eq!(settings["AccountLimit"]["CodeSizeZipped"], 52_428_800);
    assert_eq!(settings["AccountLimit"]["CodeSizeUnzipped"], 262_144_000);

    // A reservation of 0 throttles every invocation.
    let throttled = s.fail("Invoke", json!({ "FunctionName": "a", "Payload": B64.encode("{}") }));
    assert_eq!((throttled.kind.as_str(), throttled.status, throttled.message.as_str()), ("TooManyRequestsException", 429, "Rate Exceeded."));
    assert_eq!(throttled.to_json()["Reason"], "ReservedFunctionConcurrentInvocationLimitExceeded");
    let metrics = s.control("lambda:GetFunctionMetrics", json!({ "FunctionName": "a", "Minutes": 1 })).expect("metrics");
    assert_eq!(metrics["Datapoints"][0]["Throttles"], 1);

    s.ok("DeleteFunctionConcurrency", json!({ "FunctionName": "a" }));
    assert_eq!(s.ok("GetFunctionConcurrency", json!({ "FunctionName": "a" })), json!({}));
    assert_eq!(s.ok("GetAccountSettings", json!({}))["AccountLimit"]["UnreservedConcurrentExecutions"], 900);
    s.ok("PutFunctionConcurrency", json!({ "FunctionName": "a", "ReservedConcurrentExecutions": 800 }));
}

#[test]
fn tags_by_function_arn() {
    let mut s = Sandbox::new();
    s.ok("CreateFunction", with("f", json!({ "Tags": { "team": "a", "env": "dev" } })));
    let arn = format!("{ARN}f");
    let many: serde_json::Map<String, Value> = (0..49).map(|i| (format!("k{i}"), json!("v"))).collect();
    s.cases(vec![
        ("ListTags", json!({}), validation("Value null at 'resource' failed to satisfy constraint: Member must not be null")),
        ("ListTags", json!({ "Resource": "f" }), invalid("Invalid resource ARN: f")),
        ("ListTags", json!({ "Resource": format!("{ARN}ghost") }), not_found(format!("Function not found: {ARN}ghost"))),
        ("TagResource", json!({ "Resource": arn }), validation("Value null at 'tags' failed to satisfy constraint: Member must not be null")),
        ("TagResource", json!({ "Resource": arn, "Tags": { "n": 1 } }), err("SerializationException", 400, "Tag n must be a string")),
        // 2 existing + 49 new = 51: refused, and nothing is added.
        ("TagResource", json!({ "Resource": arn, "Tags": many }), invalid("Number of tags exceeds resource tag limit.")),
        ("UntagResource", json!({ "Resource": arn }), validation("Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")),
        ("TagResource", json!({ "Resource": arn, "Tags": { "env": "prod", "owner": "me" } }), Expect::Ok),
        ("UntagResource", json!({ "Resource": arn, "TagKeys": ["team", "absent"] }), Expect::Ok),
    ]);
    assert_eq!(s.ok("ListTags", json!({ "Resource": arn })), json!({ "Tags": { "env": "prod", "owner": "me" } }));
    assert_eq!(s.ok("GetFunction", json!({ "FunctionName": "f" }))["Tags"], json!({ "env": "prod", "owner": "me" }));
}

#[test]
fn event_invoke_configs() {
    let mut s = Sandbox::new();
    s.create("f");
    s.ok("PublishVersion", json!({ "FunctionName": "f" }));
    s.ok("CreateAlias", json!({ "FunctionName": "f", "Name": "live", "FunctionVersion": "1" }));
    let queue = "arn:aws:sqs:us-east-1:123456789012:failures";
    let missing = |q: &str| not_found(format!("The function {ARN}f:{q} doesn't have an EventInvokeConfig"));
    s.cases(vec![
        ("GetFunctionEventInvokeConfig", json!({ "FunctionName": "f" }), missing("$LATEST")),
        ("UpdateFunctionEventInvokeConfig", json!({ "FunctionName": "f", "Qualifier": "1", "MaximumRetryAttempts": 1 }), missing("1")),
        ("DeleteFunctionEventInvokeConfig", json!({ "FunctionName": "f", "Qualifier": "live" }), missing("live")),
        (
            "PutFunctionEventInvokeConfig",
            json!({ "FunctionName": "f", "MaximumRetryAttempts": 3 }),
            validation("Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"),
        ),
        (
            "PutFunctionEventInvokeConfig",
            json!({ "FunctionName": "f", "MaximumEventAgeInSeconds": 59 }),
            validation("Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"),
        ),
        (
            "PutFunctionEventInvokeConfig",
            json!({ "FunctionName": "f", "MaximumEventAgeInSeconds": 21601 }),
            validation("Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600"),
        ),
        ("PutFunctionEventInvokeConfig", json!({ "FunctionName": "f", "Qualifier": "5" }), not_found(format!("Function not found: {ARN}f:5"))),
        ("PutFunctionEventInvokeConfig", json!({ "FunctionName": "ghost" }), not_found(format!("Function not found: {ARN}ghost"))),
        (
            "PutFunctionEventInvokeConfig",
            json!({ "FunctionName": "f", "DestinationConfig": { "OnFailure": { "Destination": "arn:aws:sns:us-east-1:123456789012:t" } } }),
            invalid("Gureum does not simulate sns destinations yet: use an SQS queue or a Lambda function."),
        ),
        (
            "PutFunctionEventInvokeConfig",
            json!({ "FunctionName": "f", "DestinationConfig": { "OnSuccess": { "Destination": "nope" } } }),
            invalid("The destination ARN nope is invalid."),
        ),
    ]);
    let put = s.ok(
        "PutFunctionEventInvokeConfig",
        json!({ "FunctionName": "f", "MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60, "DestinationConfig": { "OnFailure": { "Destination": queue } } }),
    );
    assert_eq!(put["FunctionArn"], format!("{ARN}f:$LATEST"));
    assert_eq!((&put["MaximumRetryAttempts"], &put["MaximumEventAgeInSeconds"]), (&json!(0), &json!(60)));
    assert_eq!(put["DestinationConfig"], json!({ "OnSuccess": {}, "OnFailure": { "Destination": queue } }));
    assert!(put["LastModified"].is_number());
    assert_eq!(s.ok("GetFunctionEventInvokeConfig", json!({ "FunctionName": "f", "Qualifier": "$LATEST" })), put);

    // Update changes only what it is given.
    let updated = s.ok("UpdateFunctionEventInvokeConfig", json!({ "FunctionName": "f", "MaximumRetryAttempts": 2 }));
    assert_eq!((&updated["MaximumRetryAttempts"], &updated["MaximumEventAgeInSeconds"]), (&json!(2), &json!(60)));
    assert_eq!(updated["DestinationConfig"]["OnFailure"]["Destination"], queue);
    // Put replaces: what is not given is gone.
    let replaced = s.ok("PutFunctionEventInvokeConfig", json!({ "FunctionName": "f", "MaximumRetryAttempts": 1 }));
    assert!(replaced.get("MaximumEventAgeInSeconds").is_none());
    assert_eq!(replaced["DestinationConfig"], json!({ "OnSuccess": {}, "OnFailure": {} }));

    let on_alias = s.ok("PutFunctionEventInvokeConfig", json!({ "FunctionName": "f:live", "MaximumRetryAttempts": 0 }));
    assert_eq!(on_alias["FunctionArn"], format!("{ARN}f:live"));
    let list = s.ok("ListFunctionEventInvokeConfigs", json!({ "FunctionName": "f" }));
    assert_eq!(list["FunctionEventInvokeConfigs"].as_array().map(Vec::len), Some(2));
    s.ok("DeleteFunctionEventInvokeConfig", json!({ "FunctionName": "f", "Qualifier": "live" }));
    assert_eq!(s.fail("GetFunctionEventInvokeConfig", json!({ "FunctionName": "f", "Qualifier": "live" })).status, 404);
    // Deleting the alias deletes its settings: a new alias of that name starts without any.
    s.ok("PutFunctionEventInvokeConfig", json!({ "FunctionName": "f:live", "MaximumRetryAttempts": 0 }));
    s.ok("DeleteAlias", json!({ "FunctionName": "f", "Name": "live" }));
    s.ok("CreateAlias", json!({ "FunctionName": "f", "Name": "live", "FunctionVersion": "1" }));
    assert_eq!(s.fail("GetFunctionEventInvokeConfig", json!({ "FunctionName": "f", "Qualifier": "live" })).status, 404);
}

#[test]
fn invoke_without_a_runtime() {
    let mut s = Sandbox::new();
    s.create("f");
    s.ok("PublishVersion", json!({ "FunctionName": "f" }));
    let payload = |text: &str| B64.encode(text);
    s.cases(vec![
        ("Invoke", json!({ "FunctionName": "ghost" }), not_found(format!("Function not found: {ARN}ghost"))),
        ("Invoke", json!({ "FunctionName": "f", "Qualifier": "9" }), not_found(format!("Function not found: {ARN}f:9"))),
        (
            "Invoke",
            json!({ "FunctionName": "f", "InvocationType": "Sync" }),
            validation("Value 'Sync' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"),
        ),
        (
            "Invoke",
            json!({ "FunctionName": "f", "LogType": "All" }),
            validation("Value 'All' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]"),
        ),
        (
            "Invoke",
            json!({ "FunctionName": "f", "Payload": payload("{not json") }),
            err("InvalidRequestContentException", 400, "Could not parse request body into json: Could not parse payload into json: …"),
        ),
        ("Invoke", json!({ "FunctionName": "f", "Payload": "***" }), err("SerializationException", 400, "Payload is not valid base64.")),
        (
            "Invoke",
            json!({ "FunctionName": "f", "InvocationType": "Event", "Payload": payload(&format!("\"{}\"", "x".repeat(1024 * 1024))) }),
            err("RequestTooLargeException", 413, "Request must be smaller than 1048576 bytes for the InvokeAsync operation"),
        ),
    ]);
    // RequestResponse needs the host's runtime; this engine has none.
    let e = s.fail("Invoke", json!({ "FunctionName": "f", "Payload": payload("{}") }));
    assert_eq!((e.kind.as_str(), e.status, e.message.as_str()), ("ServiceException", 500, "This host has no code runtime, so functions cannot run here."));
    assert_eq!(s.ok("Invoke", json!({ "FunctionName": "f", "InvocationType": "DryRun" })), json!({ "StatusCode": 204 }));
    assert_eq!(s.ok("Invoke", json!({ "FunctionName": "f:1", "InvocationType": "DryRun" })), json!({ "StatusCode": 204 }));
    assert!(s.control("lambda:ListEnvironments", json!({ "FunctionName": "f" })).expect("environments")["Environments"].as_array().is_some_and(Vec::is_empty));

    // An asynchronous invocation is queued (202) and kept as a record until it is done with.
    let queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/failures";
    s.e.call(s.t, &Request::new("sqs", "CreateQueue", "us-east-1", json!({ "QueueName": "failures" }))).expect("queue");
    s.ok("PutFunctionEventInvokeConfig", json!({ "FunctionName": "f", "DestinationConfig": { "OnFailure": { "Destination": "arn:aws:sqs:us-east-1:123456789012:failures" } } }));
    assert_eq!(s.ok("Invoke", json!({ "FunctionName": "f", "InvocationType": "Event", "Payload": payload("{\"n\":1}") })), json!({ "StatusCode": 202 }));
    let queued = |s: &Sandbox| s.e.snapshot().iter().filter(|r| r.key.starts_with("lambda/us-east-1/event/")).count();
    assert_eq!(queued(&s), 1);
    // With no runtime every attempt fails: the first now, retries after one and two minutes,
    // then the event goes to the OnFailure destination and leaves the queue.
    s.advance(1.0);
    assert_eq!(queued(&s), 1);
    s.advance(60.0);
    assert_eq!(queued(&s), 1);
    s.advance(120.0);
    assert_eq!(queued(&s), 0);
    let got = s.e.call(s.t, &Request::new("sqs", "ReceiveMessage", "us-east-1", json!({ "QueueUrl": queue_url }))).expect("receive");
    let record: Value = serde_json::from_str(got["Messages"][0]["Body"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
    assert_eq!(record["requestContext"]["condition"], "RetriesExhausted");
    assert_eq!(record["requestContext"]["approximateInvokeCount"], 3);
    assert_eq!(record["requestContext"]["functionArn"], format!("{ARN}f:$LATEST"));
    assert_eq!(record["requestPayload"], json!({ "n": 1 }));
    assert_eq!(record["responseContext"]["functionError"], "Unhandled");
}

#[test]
fn list_functions_pages_with_marker_and_max_items() {
    let mut s = Sandbox::new();
    for i in 0..55 {
        s.ok("CreateFunction", create_input(&format!("fn-{i:02}")));
    }
    s.advance(2.0);
    s.ok("PublishVersion", json!({ "FunctionName": "fn-00" }));
    s.cases(vec![
        ("ListFunctions", json!({ "MaxItems": 0 }), validation("Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")),
        ("ListFunctions", json!({ "MaxItems": 10001 }), validation("Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000")),
        (
            "ListFunctions",
            json!({ "FunctionVersion": "LATEST" }),
            validation("Value 'LATEST' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]"),
        ),
        ("ListFunctions", json!({ "Marker": "bogus" }), invalid("Invalid marker: the marker does not come from a previous list call.")),
    ]);
    // At most 50 a page, whatever MaxItems says.
    let first = s.ok("ListFunctions", json!({ "MaxItems": 1000 }));
    assert_eq!(first["Functions"].as_array().map(Vec::len), Some(50));
    let default = s.ok("ListFunctions", json!({}));
    assert_eq!(default["Functions"].as_array().map(Vec::len), Some(50));
    // Paging by 7 meets every function once, in name order.
    let mut names = Vec::new();
    let mut marker = Value::Null;
    loop {
        let page = s.ok("ListFunctions", json!({ "MaxItems": 7, "Marker": marker }));
        names.extend(page["Functions"].as_array().cloned().unwrap_or_default().iter().map(|f| f["FunctionName"].as_str().unwrap_or_default().to_string()));
        marker = page.get("NextMarker").cloned().unwrap_or(Value::Null);
        if marker.is_null() {
            break;
        }
    }
    let expected: Vec<String> = (0..55).map(|i| format!("fn-{i:02}")).collect();
    assert_eq!(names, expected);
    // ListFunctions leaves out the state fields (GetFunction has them).
    let f = &first["Functions"][0];
    for k in ["State", "LastUpdateStatus", "RuntimeVersionConfig"] {
        assert!(f.get(k).is_none(), "{k} in {f}");
    }
    assert_eq!((&f["FunctionName"], &f["Version"]), (&json!("fn-00"), &json!("$LATEST")));
    // FunctionVersion=ALL adds the published versions.
    let all = s.ok("ListFunctions", json!({ "FunctionVersion": "ALL", "MaxItems": 3 }));
    let versions: Vec<(Value, Value)> = all["Functions"].as_array().cloned().unwrap_or_default().iter().map(|f| (f["FunctionName"].clone(), f["Version"].clone())).collect();
    assert_eq!(versions, vec![(json!("fn-00"), json!("$LATEST")), (json!("fn-00"), json!("1")), (json!("fn-01"), json!("$LATEST"))]);
    assert_eq!(all["Functions"][1]["FunctionArn"], format!("{ARN}fn-00:1"));
}

#[test]
fn control_operations_for_the_sandbox_tools() {
    let mut s = Sandbox::new();
    let v1 = "export const handler = async () => 1;";
    s.ok("CreateFunction", with("f", json!({ "Code": { "ZipFile": B64.encode(zip_files(&[("index.mjs", v1), ("lib/data.bin", "\u{0}\u{1}")])) } })));
    s.advance(2.0);
    s.ok("PublishVersion", json!({ "FunctionName": "f" }));
    s.ok("UpdateFunctionCode", json!({ "FunctionName": "f", "ZipFile": package("export const handler = async () => 2;") }));

    let code = s.control("lambda:GetFunctionCode", json!({ "region": "us-east-1", "FunctionName": "f" })).expect("code");
    assert_eq!((&code["FunctionName"], &code["Version"], &code["Handler"]), (&json!("f"), &json!("$LATEST"), &json!("index.handler")));
    assert_eq!(code["Files"]["index.mjs"]["Text"], "export const handler = async () => 2;");
    let old = s.control("lambda:GetFunctionCode", json!({ "region": "us-east-1", "FunctionName": "f", "Qualifier": "1" })).expect("code");
    assert_eq!(old["Files"]["index.mjs"]["Text"], v1);
    assert_eq!(old["Files"]["lib/data.bin"]["Text"], "\u{0}\u{1}");
    assert_eq!(old["CodeSha256"], s.ok("GetFunctionConfiguration", json!({ "FunctionName": "f:1" }))["CodeSha256"]);

    let metrics = s.control("lambda:GetFunctionMetrics", json!({ "region": "us-east-1", "FunctionName": "f" })).expect("metrics");
    assert_eq!(metrics["Period"], 60);
    assert_eq!(metrics["Datapoints"].as_array().map(Vec::len), Some(30));
    assert_eq!(metrics["Datapoints"][29]["Invocations"], 0);
    let five = s.control("lambda:GetFunctionMetrics", json!({ "FunctionName": "f", "Minutes": 5 })).expect("metrics");
    assert_eq!(five["Datapoints"].as_array().map(Vec::len), Some(5));
    assert_eq!(s.control("lambda:ListEnvironments", json!({ "region": "us-east-1", "FunctionName": "f" })).expect("envs"), json!({ "Environments": [] }));

    let e = s.control("lambda:GetFunctionCode", json!({ "region": "us-east-1", "FunctionName": "ghost" })).expect_err("no function");
    assert_eq!((e.kind.as_str(), e.message.as_str()), ("ResourceNotFoundException", format!("Function not found: {ARN}ghost").as_str()));
    let e = s.control("lambda:GetFunctionCode", json!({ "region": "us-east-1", "FunctionName": "f", "Qualifier": "7" })).expect_err("no version");
    assert_eq!(e.status, 404);
    // Another region has its own functions.
    let e = s.control("lambda:GetFunctionCode", json!({ "region": "eu-west-1", "FunctionName": "f" })).expect_err("other region");
    assert_eq!(e.message, "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:f");
    let e = s.control("lambda:Bogus", json!({})).expect_err("unknown");
    assert_eq!((e.kind.as_str(), e.message.as_str()), ("UnknownOperationException", "Unknown control operation 'lambda:Bogus'."));
}
