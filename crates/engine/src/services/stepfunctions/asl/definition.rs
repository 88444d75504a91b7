//! The definition model: a state machine's JSON text parsed into typed states, checked as strictly
//! as CreateStateMachine checks it (see [`super::validate`] for the diagnostics). Key order is the
//! text's (serde_json `preserve_order`), so states keep their written order.
//!
//! JSONPath states are fully typed: paths parsed, payload templates compiled, Choice rules built.
//! JSONata states (`QueryLanguage: "JSONata"`) keep `Arguments`, `Output`, `Assign`, `Condition`
//! and `Items` as written (for the editor) and compiled ([`JsonataFields`], [`super::query`]): every
//! `{% %}` expression is parsed here, once, and a bad one is a definition error.

use serde_json::{Map, Value};

use super::{
    choice::{self, Rule},
    errors::{Catcher, Jitter, Retrier},
    intrinsic::{self, Call},
    names,
    path::Path,
    process::{DataFlow, PathField},
    query::Field,
    template::Template,
    validate::{self, codes, Diagnostic},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryLanguage {
    #[default]
    JsonPath,
    Jsonata,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub comment: Option<String>,
    pub version: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub query_language: QueryLanguage,
    pub machine: Machine,
}

/// A `StartAt` with its `States`: the whole machine, a Parallel branch, or a Map's processor.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    pub start_at: String,
    pub states: Vec<State>,
}

/// Whether `$$` appears anywhere in a state's JSON (keys and strings): a conservative test
/// for "may read the context object" (JSONPath paths, templates and intrinsics name it so).
fn mentions_context(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("$$") || s.contains("$states.context"),
        Value::Array(a) => a.iter().any(mentions_context),
        Value::Object(m) => m.iter().any(|(k, v)| k.contains("$$") || mentions_context(v)),
        _ => false,
    }
}

impl Machine {
    pub fn state(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|s| s.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    Next(String),
    End,
    /// Choice, Succeed and Fail: no Next/End.
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub name: String,
    pub comment: Option<String>,
    pub query_language: QueryLanguage,
    pub kind: Kind,
    pub transition: Transition,
    /// JSONPath processing fields (all absent in JSONata states).
    pub data: DataFlow,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    /// `Assign` (JSONPath: a payload template; JSONata: opaque).
    pub assign: Option<Value>,
    /// JSONata `Arguments` and `Output` (opaque).
    pub arguments: Option<Value>,
    pub output: Option<Value>,
    /// Whether anything in the state (a path, a template, an intrinsic's argument, a nested
    /// state) may read the context object `$$` (or `$states.context`): the interpreter fills
    /// `$$.State` in before such a state runs and skips that work for the rest.
    pub reads_context: bool,
    /// A JSONata state's compiled fields.
    pub jsonata: Option<Box<JsonataFields>>,
}

/// A JSONata state's fields, compiled (see [`super::query`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JsonataFields {
    pub arguments: Option<Field>,
    pub output: Option<Field>,
    pub assign: Option<Field>,
    /// Map: `Items` and `ItemSelector`.
    pub items: Option<Field>,
    pub item_selector: Option<Field>,
    /// Choice: each rule's `Condition`, `Output` and `Assign`.
    pub rules: Vec<(Field, Option<Field>, Option<Field>)>,
    /// Each Catcher's `Output` and `Assign`.
    pub catchers: Vec<(Option<Field>, Option<Field>)>,
    /// Fail: `Error` and `Cause`.
    pub error: Option<Field>,
    pub cause: Option<Field>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Pass(Pass),
    Task(Task),
    Choice(Choice),
    Wait(Wait),
    Parallel(Parallel),
    Map(Box<MapState>),
    Succeed,
    Fail(Fail),
}

impl Kind {
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Pass(_) => "Pass",
            Kind::Task(_) => "Task",
            Kind::Choice(_) => "Choice",
            Kind::Wait(_) => "Wait",
            Kind::Parallel(_) => "Parallel",
            Kind::Map(_) => "Map",
            Kind::Succeed => "Succeed",
            Kind::Fail(_) => "Fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    pub result: Option<Value>,
}

/// A count of seconds (or items, or a percentage) given as a value, a path, or JSONata.
#[derive(Debug, Clone, PartialEq)]
pub enum Amount {
    Value(f64),
    Path(Path),
    Jsonata(Field),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub resource: String,
    pub timeout: Option<Amount>,
    pub heartbeat: Option<Amount>,
    pub credentials: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Rule(Rule),
    /// JSONata `Condition` (opaque).
    Jsonata(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceRule {
    pub condition: Condition,
    pub next: String,
    pub assign: Option<Value>,
    pub output: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub choices: Vec<ChoiceRule>,
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Wait {
    Seconds(Amount),
    Timestamp(String),
    TimestampPath(Path),
    TimestampJsonata(Field),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parallel {
    pub branches: Vec<Machine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapMode {
    Inline,
    Distributed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapState {
    pub processor: Machine,
    /// `ItemProcessor`, or the legacy `Iterator`.
    pub processor_field: &'static str,
    pub mode: MapMode,
    /// Distributed mode: `STANDARD` or `EXPRESS`.
    pub execution_type: Option<String>,
    pub items_path: Option<Path>,
    /// JSONata `Items` (opaque).
    pub items: Option<Value>,
    /// `ItemSelector` (or the legacy `Parameters`), compiled for JSONPath.
    pub item_selector: Option<Template>,
    pub item_reader: Option<Value>,
    pub item_batcher: Option<Value>,
    pub result_writer: Option<Value>,
    pub max_concurrency: Option<Amount>,
    pub tolerated_failure_percentage: Option<Amount>,
    pub tolerated_failure_count: Option<Amount>,
    pub label: Option<String>,
}

/// A Fail state's `Error` or `Cause`: a literal, a path, or an intrinsic call.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    Value(String),
    Path(Path),
    Call(Call),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fail {
    pub error: Option<Text>,
    pub cause: Option<Text>,
}

/// Limits AWS puts on the numbers in a definition.
pub const MAX_SECONDS: u64 = 99_999_999;
pub const MAX_STATE_NAME: usize = 80;
pub const MAX_LABEL: usize = 40;

/// A numeric field's range, and whether it must be an integer.
type Bounds = (f64, f64, bool);
const POSITIVE: Bounds = (1.0, MAX_SECONDS as f64, true);
const NON_NEGATIVE: Bounds = (0.0, MAX_SECONDS as f64, true);
const PERCENTAGE: Bounds = (0.0, 100.0, false);

/// Fields each state type allows, by query language (`Type`, `Comment`, `QueryLanguage` always).
fn allowed(kind: &str, lang: QueryLanguage) -> &'static [&'static str] {
    use QueryLanguage::*;
    match (kind, lang) {
        ("Pass", JsonPath) => &["Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign"],
        ("Pass", Jsonata) => &["Next", "End", "Output", "Assign"],
        ("Task", JsonPath) => &[
            "Next",
            "End",
            "Resource",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Assign",
        ],
        ("Task", Jsonata) => &["Next", "End", "Resource", "Arguments", "Output", "Assign", "Retry", "Catch", "TimeoutSeconds", "HeartbeatSeconds", "Credentials"],
        ("Choice", JsonPath) => &["Choices", "Default", "InputPath", "OutputPath", "Assign"],
        ("Choice", Jsonata) => &["Choices", "Default", "Output", "Assign"],
        ("Wait", JsonPath) => &["Next", "End", "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "InputPath", "OutputPath", "Assign"],
        ("Wait", Jsonata) => &["Next", "End", "Seconds", "Timestamp", "Output", "Assign"],
        ("Succeed", JsonPath) => &["InputPath", "OutputPath"],
        ("Succeed", Jsonata) => &["Output"],
        ("Fail", JsonPath) => &["Error", "ErrorPath", "Cause", "CausePath"],
        ("Fail", Jsonata) => &["Error", "Cause"],
        ("Parallel", JsonPath) => &["Next", "End", "Branches", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "Assign"],
        ("Parallel", Jsonata) => &["Next", "End", "Branches", "Arguments", "Output", "Assign", "Retry", "Catch"],
        ("Map", JsonPath) => &[
            "Next",
            "End",
            "ItemProcessor",
            "Iterator",
            "ItemsPath",
            "ItemSelector",
            "Parameters",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "Label",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "ResultSelector",
            "Retry",
            "Catch",
            "Assign",
        ],
        ("Map", Jsonata) => &[
            "Next",
            "End",
            "ItemProcessor",
            "Items",
            "ItemSelector",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "ToleratedFailurePercentage",
            "ToleratedFailureCount",
            "Label",
            "Output",
            "Assign",
            "Retry",
            "Catch",
        ],
        _ => &[],
    }
}

const TYPES: [&str; 8] = ["Pass", "Task", "Choice", "Wait", "Parallel", "Map", "Succeed", "Fail"];

struct Checker {
    diags: Vec<Diagnostic>,
}

fn is_jsonata(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| s.starts_with("{%") && s.ends_with("%}") && s.len() >= 4)
}

impl Checker {
    fn err(&mut self, loc: &str, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(codes::SCHEMA_VALIDATION_FAILED, msg, loc));
    }

    fn string(&mut self, m: &Map<String, Value>, key: &str, at: &str) -> Option<String> {
        match m.get(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.err(&format!("{at}/{key}"), format!("The value of the field '{key}' must be a string"));
                None
            }
        }
    }

    fn required(&mut self, m: &Map<String, Value>, keys: &[&str], at: &str) -> bool {
        let missing: Vec<&str> = keys.iter().copied().filter(|k| !m.contains_key(*k)).collect();
        if !missing.is_empty() {
            self.err(at, format!("These fields are required: [{}]", missing.join(", ")));
            return false;
        }
        true
    }

    fn exclusive(&mut self, m: &Map<String, Value>, keys: &[&str], at: &str) -> bool {
        let present: Vec<&str> = keys.iter().copied().filter(|k| m.contains_key(*k)).collect();
        if present.len() > 1 {
            self.err(at, format!("These fields cannot be used together: [{}]", present.join(", ")));
            return false;
        }
        true
    }

    fn unknown(&mut self, m: &Map<String, Value>, allowed: &[&str], at: &str) {
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) {
                self.err(&format!("{at}/{k}"), format!("The field '{k}' is not supported by Step Functions"));
            }
        }
    }

    /// A non-negative integer field within `[min, max]`.
    fn integer(&mut self, m: &Map<String, Value>, key: &str, at: &str, min: u64, max: u64) -> Option<u64> {
        let v = m.get(key)?;
        match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.err(&format!("{at}/{key}"), format!("The value of the field '{key}' must be an integer between {min} and {max}"));
                None
            }
        }
    }

    /// `Key` / `KeyPath` (JSONPath) or `Key` as a number or `{% %}` (JSONata).
    fn amount(&mut self, m: &Map<String, Value>, key: &str, at: &str, lang: QueryLanguage, (min, max, integral): Bounds) -> Option<Amount> {
        let path_key = format!("{key}Path");
        if !self.exclusive(m, &[key, &path_key], at) {
            return None;
        }
        if let Some(v) = m.get(key) {
            if lang == QueryLanguage::Jsonata {
                if is_jsonata(v).is_some() {
                    return self.field(v, &format!("{at}/{key}")).map(Amount::Jsonata);
                }
            }
            return match v.as_f64() {
                Some(x) if x >= min && x <= max && (!integral || (v.is_u64() || v.is_i64())) => Some(Amount::Value(x)),
                _ => {
                    let kind = if integral { "an integer" } else { "a number" };
                    self.err(&format!("{at}/{key}"), format!("The value of the field '{key}' must be {kind} between {min} and {max}"));
                    None
                }
            };
        }
        m.get(&path_key)?;
        self.reference_path(m, &path_key, at).map(Amount::Path)
    }

    fn reference_path(&mut self, m: &Map<String, Value>, key: &str, at: &str) -> Option<Path> {
        let v = m.get(key)?;
        let loc = format!("{at}/{key}");
        let Some(s) = v.as_str() else {
            self.err(&loc, format!("The value of the field '{key}' must be a reference path"));
            return None;
        };
        match Path::parse(s) {
            Ok(p) if p.is_reference() => Some(p),
            Ok(_) => {
                self.err(&loc, format!("The value for the field '{key}' must be a valid reference path: '{s}' is not a reference path"));
                None
            }
            Err(e) => {
                self.err(&loc, format!("The value for the field '{key}' must be a valid JSONPath: {e}"));
                None
            }
        }
    }

    /// InputPath / OutputPath (any path, or null) and ResultPath (a field path on `$`, or null).
    fn path_field(&mut self, m: &Map<String, Value>, key: &str, at: &str) -> PathField {
        let Some(v) = m.get(key) else { return PathField::Absent };
        let loc = format!("{at}/{key}");
        match v {
            Value::Null => PathField::Null,
            Value::String(s) => match Path::parse(s) {
                Ok(p) if key == "ResultPath" && !p.is_result_path() => {
                    self.err(&loc, format!("The value for the field '{key}' must be a valid ReferencePath: '{s}' may only name object fields of '$'"));
                    PathField::Absent
                }
                Ok(p) => PathField::Path(p),
                Err(e) => {
                    self.err(&loc, format!("The value for the field '{key}' must be a valid JSONPath: {e}"));
                    PathField::Absent
                }
            },
            _ => {
                self.err(&loc, format!("The value of the field '{key}' must be a string or null"));
                PathField::Absent
            }
        }
    }

    /// A JSONata field, compiled; a bad expression is a definition error at `loc`.
    fn field(&mut self, v: &Value, loc: &str) -> Option<Field> {
        match Field::compile(v) {
            Ok(f) => Some(f),
            Err(e) => {
                self.err(loc, e);
                None
            }
        }
    }

    /// A JSONata state's fields.
    fn jsonata_fields(&mut self, m: &Map<String, Value>, at: &str) -> JsonataFields {
        let mut f = JsonataFields::default();
        let one = |c: &mut Checker, key: &str| m.get(key).and_then(|v| c.field(v, &format!("{at}/{key}")));
        f.arguments = one(self, "Arguments");
        f.output = one(self, "Output");
        f.assign = one(self, "Assign");
        f.items = one(self, "Items");
        f.item_selector = one(self, "ItemSelector");
        f.error = one(self, "Error");
        f.cause = one(self, "Cause");
        if let Some(Value::Array(rules)) = m.get("Choices") {
            for (i, r) in rules.iter().enumerate() {
                let loc = format!("{at}/Choices/{i}");
                let cond = r.get("Condition").and_then(|c| self.field(c, &format!("{loc}/Condition"))).unwrap_or(Field::Lit(Value::Bool(false)));
                let output = r.get("Output").and_then(|c| self.field(c, &format!("{loc}/Output")));
                let assign = r.get("Assign").and_then(|c| self.field(c, &format!("{loc}/Assign")));
                f.rules.push((cond, output, assign));
            }
        }
        if let Some(Value::Array(cs)) = m.get("Catch") {
            for (i, c) in cs.iter().enumerate() {
                let loc = format!("{at}/Catch/{i}");
                let output = c.get("Output").and_then(|x| self.field(x, &format!("{loc}/Output")));
                let assign = c.get("Assign").and_then(|x| self.field(x, &format!("{loc}/Assign")));
                f.catchers.push((output, assign));
            }
        }
        f
    }

    fn template(&mut self, m: &Map<String, Value>, key: &str, at: &str) -> Option<Template> {
        let v = m.get(key)?;
        if !v.is_object() {
            self.err(&format!("{at}/{key}"), format!("The value of the field '{key}' must be an object"));
            return None;
        }
        match Template::compile(v) {
            Ok(t) => Some(t),
            Err(errs) => {
                for e in errs {
                    self.err(&format!("{at}/{key}{}", e.location), e.message);
                }
                None
            }
        }
    }

    fn query_language(&mut self, m: &Map<String, Value>, at: &str, parent: QueryLanguage) -> QueryLanguage {
        match m.get("QueryLanguage") {
            None => parent,
            Some(Value::String(s)) if s == "JSONPath" => {
                if parent == QueryLanguage::Jsonata {
                    self.err(&format!("{at}/QueryLanguage"), "A state cannot use JSONPath when the state machine's QueryLanguage is JSONata");
                }
                QueryLanguage::JsonPath
            }
            Some(Value::String(s)) if s == "JSONata" => QueryLanguage::Jsonata,
            Some(_) => {
                self.err(&format!("{at}/QueryLanguage"), "The value of the field 'QueryLanguage' must be JSONPath or JSONata");
                parent
            }
        }
    }

    fn machine(&mut self, v: &Value, at: &str, lang: QueryLanguage, extra: &[&str]) -> Option<Machine> {
        let Some(m) = v.as_object() else {
            self.err(at, "The value must be an object with StartAt and States");
            return None;
        };
        let mut fields: Vec<&str> = vec!["StartAt", "States", "Comment"];
        fields.extend_from_slice(extra);
        self.unknown(m, &fields, at);
        self.required(m, &["StartAt", "States"], at);
        let start_at = self.string(m, "StartAt", at).unwrap_or_default();
        let mut states = Vec::new();
        match m.get("States") {
            Some(Value::Object(sm)) if !sm.is_empty() => {
                for (name, sv) in sm {
                    if let Some(s) = self.state(name, sv, &format!("{at}/States/{name}"), lang) {
                        states.push(s);
                    }
                }
            }
            Some(_) => self.err(&format!("{at}/States"), "The field 'States' must be a non-empty object"),
            None => {}
        }
        Some(Machine { start_at, states })
    }

    fn state(&mut self, name: &str, v: &Value, at: &str, parent: QueryLanguage) -> Option<State> {
        if name.is_empty() || name.chars().count() > MAX_STATE_NAME {
            self.diags.push(Diagnostic::error(codes::INVALID_STATE_NAME, format!("State names must be 1 to {MAX_STATE_NAME} characters: {name}"), at));
        }
        let Some(m) = v.as_object() else {
            self.err(at, "A state must be an object");
            return None;
        };
        let Some(ty) = m.get("Type") else {
            self.err(at, "These fields are required: [Type]");
            return None;
        };
        let Some(ty) = ty.as_str().filter(|t| TYPES.contains(t)) else {
            self.err(&format!("{at}/Type"), format!("The value of the field 'Type' must be one of {}", TYPES.join(", ")));
            return None;
        };
        let lang = self.query_language(m, at, parent);
        let mut fields = vec!["Type", "Comment", "QueryLanguage"];
        fields.extend_from_slice(allowed(ty, lang));
        self.unknown(m, &fields, at);
        let comment = self.string(m, "Comment", at);

        // Next / End.
        let transition = if matches!(ty, "Choice" | "Succeed" | "Fail") {
            Transition::None
        } else {
            match (m.get("Next"), m.get("End")) {
                (Some(_), Some(_)) => {
                    self.err(at, "These fields cannot be used together: [Next, End]");
                    Transition::End
                }
                (Some(Value::String(n)), None) => Transition::Next(n.clone()),
                (Some(_), None) => {
                    self.err(&format!("{at}/Next"), "The value of the field 'Next' must be a string");
                    Transition::End
                }
                (None, Some(Value::Bool(true))) => Transition::End,
                (None, Some(_)) => {
                    self.err(&format!("{at}/End"), "The value of the field 'End' must be true");
                    Transition::End
                }
                (None, None) => {
                    self.err(at, "These fields are required: [Next | End]");
                    Transition::End
                }
            }
        };

        let json_path = lang == QueryLanguage::JsonPath;
        let mut data = DataFlow::default();
        if json_path {
            data.input_path = self.path_field(m, "InputPath", at);
            data.output_path = self.path_field(m, "OutputPath", at);
            data.result_path = self.path_field(m, "ResultPath", at);
            if ty != "Map" {
                data.parameters = self.template(m, "Parameters", at);
            }
            data.result_selector = self.template(m, "ResultSelector", at);
        }
        let assign = m.get("Assign").cloned();
        if let Some(a) = &assign {
            if !a.is_object() {
                self.err(&format!("{at}/Assign"), "The value of the field 'Assign' must be an object");
            } else if json_path {
                self.template(m, "Assign", at);
            }
        }
        let (retry, catch) = if matches!(ty, "Task" | "Parallel" | "Map") { (self.retry(m, at), self.catch(m, at, lang)) } else { (Vec::new(), Vec::new()) };
        let jsonata = if json_path { None } else { Some(Box::new(self.jsonata_fields(m, at))) };

        let kind = match ty {
            "Pass" => Kind::Pass(Pass { result: m.get("Result").cloned() }),
            "Succeed" => Kind::Succeed,
            "Fail" => Kind::Fail(self.fail(m, at, lang)),
            "Task" => Kind::Task(self.task(m, at, lang)?),
            "Choice" => Kind::Choice(self.choice(m, at, lang)?),
            "Wait" => Kind::Wait(self.wait(m, at, lang)?),
            "Parallel" => {
                let mut branches = Vec::new();
                match m.get("Branches") {
                    Some(Value::Array(bs)) if !bs.is_empty() => {
                        for (i, b) in bs.iter().enumerate() {
                            branches.extend(self.machine(b, &format!("{at}/Branches/{i}"), lang, &[]));
                        }
                    }
                    Some(_) => self.err(&format!("{at}/Branches"), "The field 'Branches' must be a non-empty array"),
                    None => self.err(at, "These fields are required: [Branches]"),
                }
                Kind::Parallel(Parallel { branches })
            }
            _ => Kind::Map(Box::new(self.map(m, at, lang)?)),
        };
        Some(State {
            name: name.to_string(),
            comment,
            query_language: lang,
            kind,
            transition,
            data,
            retry,
            catch,
            assign,
            arguments: m.get("Arguments").cloned(),
            output: m.get("Output").cloned(),
            reads_context: mentions_context(v),
            jsonata,
        })
    }

    fn error_equals(&mut self, m: &Map<String, Value>, at: &str, last: bool) -> Vec<String> {
        let loc = format!("{at}/ErrorEquals");
        let Some(list) = m.get("ErrorEquals") else {
            self.err(at, "These fields are required: [ErrorEquals]");
            return Vec::new();
        };
        let names: Option<Vec<String>> = list.as_array().filter(|a| !a.is_empty()).and_then(|a| a.iter().map(|e| e.as_str().map(str::to_string)).collect());
        let Some(names) = names else {
            self.err(&loc, "The field 'ErrorEquals' must be a non-empty array of strings");
            return Vec::new();
        };
        if names.iter().any(|n| n == names::ALL) && (names.len() > 1 || !last) {
            self.err(&loc, "States.ALL must appear alone in ErrorEquals, in the last Retrier or Catcher");
        }
        names
    }

    fn retry(&mut self, m: &Map<String, Value>, at: &str) -> Vec<Retrier> {
        let Some(v) = m.get("Retry") else { return Vec::new() };
        let Some(list) = v.as_array() else {
            self.err(&format!("{at}/Retry"), "The field 'Retry' must be an array");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let loc = format!("{at}/Retry/{i}");
            let Some(rm) = r.as_object() else {
                self.err(&loc, "A Retrier must be an object");
                continue;
            };
            self.unknown(rm, &["ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"], &loc);
            let mut retrier = Retrier { error_equals: self.error_equals(rm, &loc, i + 1 == list.len()), ..Retrier::default() };
            if let Some(n) = self.integer(rm, "IntervalSeconds", &loc, 1, MAX_SECONDS) {
                retrier.interval_seconds = n;
            }
            if let Some(n) = self.integer(rm, "MaxAttempts", &loc, 0, MAX_SECONDS) {
                retrier.max_attempts = n;
            }
            if let Some(b) = rm.get("BackoffRate") {
                match b.as_f64() {
                    Some(x) if x >= 1.0 => retrier.backoff_rate = x,
                    _ => self.err(&format!("{loc}/BackoffRate"), "The value of the field 'BackoffRate' must be a number greater than or equal to 1.0"),
                }
            }
            retrier.max_delay_seconds = self.integer(rm, "MaxDelaySeconds", &loc, 1, 31_622_399);
            match rm.get("JitterStrategy").map(|j| j.as_str()) {
                None | Some(Some("NONE")) => {}
                Some(Some("FULL")) => retrier.jitter = Jitter::Full,
                Some(_) => self.err(&format!("{loc}/JitterStrategy"), "The value of the field 'JitterStrategy' must be FULL or NONE"),
            }
            out.push(retrier);
        }
        out
    }

    fn catch(&mut self, m: &Map<String, Value>, at: &str, lang: QueryLanguage) -> Vec<Catcher> {
        let Some(v) = m.get("Catch") else { return Vec::new() };
        let Some(list) = v.as_array() else {
            self.err(&format!("{at}/Catch"), "The field 'Catch' must be an array");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, c) in list.iter().enumerate() {
            let loc = format!("{at}/Catch/{i}");
            let Some(cm) = c.as_object() else {
                self.err(&loc, "A Catcher must be an object");
                continue;
            };
            let fields: &[&str] =
                if lang == QueryLanguage::JsonPath { &["ErrorEquals", "Next", "ResultPath", "Comment", "Assign"] } else { &["ErrorEquals", "Next", "Output", "Assign", "Comment"] };
            self.unknown(cm, fields, &loc);
            let error_equals = self.error_equals(cm, &loc, i + 1 == list.len());
            self.required(cm, &["Next"], &loc);
            let next = self.string(cm, "Next", &loc).unwrap_or_default();
            let result_path = self.path_field(cm, "ResultPath", &loc);
            out.push(Catcher { error_equals, next, result_path, output: cm.get("Output").cloned(), assign: cm.get("Assign").cloned() });
        }
        out
    }

    fn task(&mut self, m: &Map<String, Value>, at: &str, lang: QueryLanguage) -> Option<Task> {
        self.required(m, &["Resource"], at);
        let resource = self.string(m, "Resource", at).unwrap_or_default();
        if m.contains_key("Resource") && !resource.starts_with("arn:") {
            self.diags.push(Diagnostic::error(
                codes::INVALID_RESOURCE,
                format!("The resource provided {resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."),
                format!("{at}/Resource"),
            ));
        }
        let timeout = self.amount(m, "TimeoutSeconds", at, lang, POSITIVE);
        let heartbeat = self.amount(m, "HeartbeatSeconds", at, lang, POSITIVE);
        if let (Some(Amount::Value(t)), Some(Amount::Value(h))) = (&timeout, &heartbeat) {
            if h >= t {
                self.err(&format!("{at}/HeartbeatSeconds"), "HeartbeatSeconds must be smaller than TimeoutSeconds");
            }
        }
        if lang == QueryLanguage::JsonPath && m.contains_key("Credentials") {
            self.template(m, "Credentials", at);
        }
        Some(Task { resource, timeout, heartbeat, credentials: m.get("Credentials").cloned() })
    }

    fn choice(&mut self, m: &Map<String, Value>, at: &str, lang: QueryLanguage) -> Option<Choice> {
        let default = self.string(m, "Default", at);
        let Some(list) = m.get("Choices") else {
            self.err(at, "These fields are required: [Choices]");
            return None;
        };
        let Some(list) = list.as_array().filter(|a| !a.is_empty()) else {
            self.err(&format!("{at}/Choices"), "The field 'Choices' must be a non-empty array");
            return None;
        };
        let mut choices = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let loc = format!("{at}/Choices/{i}");
            let Some(rm) = r.as_object() else {
                self.err(&loc, "A choice rule must be an object");
                continue;
            };
            if !rm.contains_key("Next") {
                self.err(&loc, "These fields are required: [Next]");
            }
            let next = self.string(rm, "Next", &loc).unwrap_or_default();
            let condition = if lang == QueryLanguage::Jsonata {
                self.unknown(rm, &["Condition", "Next", "Comment", "Output", "Assign"], &loc);
                match rm.get("Condition") {
                    Some(c) if is_jsonata(c).is_some() || c.is_boolean() => Condition::Jsonata(c.clone()),
                    Some(_) => {
                        self.err(&format!("{loc}/Condition"), "The value of the field 'Condition' must be a JSONata expression ({% ... %}) or a boolean");
                        continue;
                    }
                    None => {
                        self.err(&loc, "These fields are required: [Condition]");
                        continue;
                    }
                }
            } else {
                match Rule::parse(rm, &["Next", "Comment", "Assign"]) {
                    Ok(rule) => Condition::Rule(rule),
                    Err((l, e)) => {
                        self.err(&format!("{loc}{l}"), e);
                        continue;
                    }
                }
            };
            choices.push(ChoiceRule { condition, next, assign: rm.get("Assign").cloned(), output: rm.get("Output").cloned() });
        }
        Some(Choice { choices, default })
    }

    fn wait(&mut self, m: &Map<String, Value>, at: &str, lang: QueryLanguage) -> Option<Wait> {
        let keys = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"];
        let n = keys.iter().filter(|k| m.contains_key(**k)).count();
        if n == 0 {
            self.err(at, "One of these fields is required: [Seconds, SecondsPath, Timestamp, TimestampPath]");
            return None;
        }
        if !self.exclusive(m, &keys, at) {
            return None;
        }
        if m.contains_key("Seconds") || m.contains_key("SecondsPath") {
            return self.amount(m, "Seconds", at, lang, NON_NEGATIVE).map(Wait::Seconds);
        }
        if let Some(v) = m.get("Timestamp") {
            if lang == QueryLanguage::Jsonata {
                if is_jsonata(v).is_some() {
                    return self.field(v, &format!("{at}/Timestamp")).map(Wait::TimestampJsonata);
                }
            }
            return match v.as_str() {
                Some(s) if choice::timestamp(s).is_some() => Some(Wait::Timestamp(s.to_string())),
                _ => {
                    self.err(&format!("{at}/Timestamp"), "The value of the field 'Timestamp' must be an RFC 3339 timestamp, like 2016-03-14T01:59:00Z");
                    None
                }
            };
        }
        self.reference_path(m, "TimestampPath", at).map(Wait::TimestampPath)
    }

    fn text(&mut self, m: &Map<String, Value>, key: &str, at: &str, lang: QueryLanguage) -> Option<Text> {
        let path_key = format!("{key}Path");
        if !self.exclusive(m, &[key, &path_key], at) {
            return None;
        }
        if m.contains_key(key) {
            return self.string(m, key, at).map(Text::Value);
        }
        if lang == QueryLanguage::Jsonata {
            return None;
        }
        let v = m.get(&path_key)?;
        let loc = format!("{at}/{path_key}");
        let Some(s) = v.as_str() else {
            self.err(&loc, format!("The value of the field '{path_key}' must be a string"));
            return None;
        };
        if intrinsic::looks_like_call(s) {
            match intrinsic::parse(s) {
                Ok(c) => Some(Text::Call(c)),
                Err(e) => {
                    self.err(&loc, format!("The value for the field '{path_key}' must be a valid JSONPath or a valid intrinsic function call ({e})"));
                    None
                }
            }
        } else {
            self.reference_path(m, &path_key, at).map(Text::Path)
        }
    }

    fn fail(&mut self, m: &Map<String, Value>, at: &str, lang: QueryLanguage) -> Fail {
        Fail { error: self.text(m, "Error", at, lang), cause: self.text(m, "Cause", at, lang) }
    }

    fn map(&mut self, m: &Map<String, Value>, at: &str, lang: QueryLanguage) -> Option<MapState> {
        if !self.exclusive(m, &["ItemProcessor", "Iterator"], at) || !self.exclusive(m, &["ItemSelector", "Parameters"], at) {
            return None;
        }
        let (field, pv) = match (m.get("ItemProcessor"), m.get("Iterator")) {
            (Some(p), _) => ("ItemProcessor", p),
            (None, Some(p)) => ("Iterator", p),
            (None, None) => {
                self.err(at, "These fields are required: [ItemProcessor]");
                return None;
            }
        };
        let ploc = format!("{at}/{field}");
        let mut mode = MapMode::Inline;
        let mut execution_type = None;
        if let Some(cfg) = pv.get("ProcessorConfig") {
            let cloc = format!("{ploc}/ProcessorConfig");
            match cfg.as_object() {
                Some(cm) => {
                    self.unknown(cm, &["Mode", "ExecutionType"], &cloc);
                    match cm.get("Mode").map(|v| v.as_str()) {
                        None | Some(Some("INLINE")) => {}
                        Some(Some("DISTRIBUTED")) => mode = MapMode::Distributed,
                        Some(_) => self.err(&format!("{cloc}/Mode"), "The value of the field 'Mode' must be INLINE or DISTRIBUTED"),
                    }
                    match cm.get("ExecutionType").map(|v| v.as_str()) {
                        None => {}
                        Some(Some(t @ ("STANDARD" | "EXPRESS"))) => execution_type = Some(t.to_string()),
                        Some(_) => self.err(&format!("{cloc}/ExecutionType"), "The value of the field 'ExecutionType' must be STANDARD or EXPRESS"),
                    }
                    if mode == MapMode::Distributed && execution_type.is_none() {
                        self.err(&cloc, "These fields are required: [ExecutionType]");
                    }
                    if mode == MapMode::Inline && execution_type.is_some() {
                        self.err(&format!("{cloc}/ExecutionType"), "The field 'ExecutionType' is only supported in DISTRIBUTED mode");
                    }
                }
                None => self.err(&cloc, "The field 'ProcessorConfig' must be an object"),
            }
        }
        let processor = self.machine(pv, &ploc, lang, if field == "ItemProcessor" { &["ProcessorConfig"] } else { &[] })?;
        if mode == MapMode::Inline {
            for k in [
                "ItemReader",
                "ItemBatcher",
                "ResultWriter",
                "ToleratedFailurePercentage",
                "ToleratedFailurePercentagePath",
                "ToleratedFailureCount",
                "ToleratedFailureCountPath",
                "Label",
            ] {
                if m.contains_key(k) {
                    self.err(&format!("{at}/{k}"), format!("The field '{k}' is only supported for a Map state in DISTRIBUTED mode"));
                }
            }
        }
        let items_path = if lang == QueryLanguage::JsonPath { self.reference_path(m, "ItemsPath", at) } else { None };
        let selector_key = if m.contains_key("Parameters") { "Parameters" } else { "ItemSelector" };
        let item_selector = if lang == QueryLanguage::JsonPath { self.template(m, selector_key, at) } else { None };
        for (k, fields) in [
            ("ItemReader", &["Resource", "Parameters", "Arguments", "ReaderConfig"][..]),
            ("ItemBatcher", &["MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput"][..]),
            ("ResultWriter", &["Resource", "Parameters", "Arguments", "WriterConfig"][..]),
        ] {
            if let Some(v) = m.get(k) {
                match v.as_object() {
                    Some(o) => self.unknown(o, fields, &format!("{at}/{k}")),
                    None => self.err(&format!("{at}/{k}"), format!("The field '{k}' must be an object")),
                }
            }
        }
        let label = self.string(m, "Label", at);
        if let Some(l) = &label {
            if l.chars().count() > MAX_LABEL || l.chars().any(|c| c.is_whitespace() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c) || c.is_control()) {
                self.err(&format!("{at}/Label"), format!("The value of the field 'Label' must be at most {MAX_LABEL} characters, without whitespace or special characters"));
            }
        }
        Some(MapState {
            processor,
            processor_field: field,
            mode,
            execution_type,
            items_path,
            items: m.get("Items").cloned(),
            item_selector,
            item_reader: m.get("ItemReader").cloned(),
            item_batcher: m.get("ItemBatcher").cloned(),
            result_writer: m.get("ResultWriter").cloned(),
            max_concurrency: self.amount(m, "MaxConcurrency", at, lang, NON_NEGATIVE),
            tolerated_failure_percentage: self.amount(m, "ToleratedFailurePercentage", at, lang, PERCENTAGE),
            tolerated_failure_count: self.amount(m, "ToleratedFailureCount", at, lang, NON_NEGATIVE),
            label,
        })
    }
}

impl Definition {
    /// Parses and validates a definition's JSON text; on failure, every diagnostic found.
    pub fn parse(text: &str) -> Result<Definition, Vec<Diagnostic>> {
        if text.trim().is_empty() {
            return Err(vec![Diagnostic::error(codes::MISSING_DESCRIPTION, "Received a null or empty workflow input", "")]);
        }
        let v: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return Err(vec![Diagnostic::error(codes::INVALID_JSON_DESCRIPTION, format!("Invalid JSON: {e}"), "")]),
        };
        Definition::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<Definition, Vec<Diagnostic>> {
        let mut c = Checker { diags: Vec::new() };
        let Some(m) = v.as_object() else {
            return Err(vec![Diagnostic::error(codes::SCHEMA_VALIDATION_FAILED, "The definition must be a JSON object", "/")]);
        };
        let query_language = c.query_language(m, "", QueryLanguage::JsonPath);
        let comment = c.string(m, "Comment", "");
        let version = c.string(m, "Version", "");
        if let Some(ver) = &version {
            if ver != "1.0" {
                c.err("/Version", "The value of the field 'Version' must be 1.0");
            }
        }
        let timeout_seconds = c.integer(m, "TimeoutSeconds", "", 1, MAX_SECONDS);
        let machine = c.machine(v, "", query_language, &["Version", "TimeoutSeconds", "QueryLanguage"]);
        let mut diags = c.diags;
        let Some(machine) = machine else { return Err(diags) };
        let def = Definition { comment, version, timeout_seconds, query_language, machine };
        if diags.is_empty() {
            validate::graph(&def, &mut diags);
        }
        if diags.is_empty() {
            Ok(def)
        } else {
            Err(diags)
        }
    }
}

impl Text {
    /// A Fail state's `Error`/`Cause` at run time: the literal, the path's value, or the
    /// intrinsic's result; a path or call giving a non-string is States.Runtime.
    pub fn resolve(&self, field: &str, input: &Value, context: &Value, random: &mut dyn FnMut() -> u64) -> Result<String, super::Failure> {
        let v = match self {
            Text::Value(s) => return Ok(s.clone()),
            Text::Path(p) => p.select(input, context).map_err(|why| super::Failure::runtime(format!("Invalid path '{}' : {why}", p.text())))?,
            Text::Call(c) => c.eval(&mut intrinsic::Env { input, context, field, random })?,
        };
        match v {
            Value::String(s) => Ok(s),
            other => Err(super::Failure::runtime(format!("The value for the field '{field}' must be a STRING but was '{}'", super::compact(&other)))),
        }
    }
}

impl Amount {
    /// A count at run time (Wait `SecondsPath`, `TimeoutSecondsPath`, `MaxConcurrencyPath`, ...):
    /// the path must select a non-negative integer, else States.Runtime. JSONata amounts are not
    /// evaluated in this build and fail with States.QueryEvaluationError.
    pub fn resolve(&self, field: &str, input: &Value, context: &Value) -> Result<u64, super::Failure> {
        match self {
            Amount::Value(x) => Ok(*x as u64),
            Amount::Path(p) => {
                let v = p.select(input, context).map_err(|why| super::Failure::runtime(format!("Invalid path '{}' : {why}", p.text())))?;
                v.as_u64().filter(|n| *n <= MAX_SECONDS).ok_or_else(|| {
                    super::Failure::runtime(format!("The value of the field '{field}' must be a non-negative integer, but the path '{}' gave '{}'", p.text(), super::compact(&v)))
                })
            }
            Amount::Jsonata(_) => {
                Err(super::Failure::new(names::QUERY_EVALUATION_ERROR, format!("The field '{field}' holds a JSONata expression and its state is a JSONPath state")))
            }
        }
    }

    /// A count in a JSONata state: the number, or the expression's value, which must be a
    /// non-negative integer (else States.QueryEvaluationError).
    pub fn resolve_jsonata(&self, field: &str, scope: &mut super::query::Scope) -> Result<u64, super::Failure> {
        match self {
            Amount::Value(x) => Ok(*x as u64),
            Amount::Path(p) => Err(super::Failure::runtime(format!("The field '{field}Path' ({}) is not allowed in a JSONata state", p.text()))),
            Amount::Jsonata(f) => {
                let v = f.eval(field, scope)?;
                v.as_f64().filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x <= MAX_SECONDS as f64).map(|x| x as u64).ok_or_else(|| {
                    super::Failure::new(
                        names::QUERY_EVALUATION_ERROR,
                        format!(
                            "An error occurred while executing the state '{}'. The value of the field '{field}' must be a non-negative integer, but was '{}'",
                            scope.state,
                            super::compact(&v)
                        ),
                    )
                })
            }
        }
    }
}

impl Choice {
    /// The index of the first rule that matches (`None`: the Default), or the failure: a missing
    /// Variable path (States.Runtime), no match and no Default (States.NoChoiceMatched), or a
    /// JSONata condition (not evaluated in this build: States.QueryEvaluationError).
    pub fn choose(&self, input: &Value, context: &Value) -> Result<Option<usize>, super::Failure> {
        for (i, r) in self.choices.iter().enumerate() {
            let hit = match &r.condition {
                Condition::Rule(rule) => rule.eval(input, context)?,
                Condition::Jsonata(Value::Bool(b)) => *b,
                Condition::Jsonata(e) => {
                    return Err(super::Failure::new(names::QUERY_EVALUATION_ERROR, format!("JSONata expressions are not evaluated in this sandbox yet: {}", super::compact(e))))
                }
            };
            if hit {
                return Ok(Some(i));
            }
        }
        match self.default {
            Some(_) => Ok(None),
            None => Err(super::Failure::new(names::NO_CHOICE_MATCHED, "No choice rule matched the input and the Choice state has no Default")),
        }
    }

    /// The state a [`Choice::choose`] answer leads to.
    pub fn target(&self, chosen: Option<usize>) -> Option<&str> {
        match chosen {
            Some(i) => self.choices.get(i).map(|r| r.next.as_str()),
            None => self.default.as_deref(),
        }
    }
}
