//! The IAM policy language: a policy document parsed and checked once, into a form the
//! evaluator ([`super::eval`]) reads without allocating.
//!
//! Grammar and messages from "IAM JSON policy elements reference" and "Grammar of the IAM JSON
//! policy language": `Version` 2012-10-17 or 2008-10-17 (the older one knows no policy
//! variables), `Statement` an object or an array, each with `Sid`, `Effect`, exactly one of
//! `Principal`/`NotPrincipal` (required in trust and resource policies, refused in identity
//! policies), exactly one of `Action`/`NotAction`, exactly one of `Resource`/`NotResource`
//! (refused in trust policies), `Condition`. Errors are `MalformedPolicyDocument` with IAM's
//! wording ("Syntax errors in policy.", "Policy document should not specify a principal.",
//! "Has prohibited field Resource", "Missing required field Principal", ...).

use serde_json::Value;

use crate::kernel::error::AwsError;

/// Which kind of policy a document is, which decides the elements it must and must not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to a user, group or role (managed or inline), a permissions boundary or a
    /// session policy: no Principal.
    Identity,
    /// A role's trust policy: Principal required, no Resource.
    Trust,
    /// A resource-based policy (bucket policy, queue policy): Principal and Resource.
    Resource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// Line and column (both from 1) in the policy text, as SimulatePolicy's `Position`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// The principals of a `Principal` block: `"*"`, or per kind (`AWS`, `Service`, `Federated`,
/// `CanonicalUser`) a list of values.
#[derive(Debug, Clone, PartialEq)]
pub enum Principals {
    Any,
    Listed(Vec<(PrincipalKind, String)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

/// A pattern from the policy text: `*` and `?` wildcards, and (version 2012-10-17) `${...}`
/// variables resolved against the request context.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub text: String,
    /// Whether the text holds a `${...}` policy variable to resolve first.
    pub has_variables: bool,
    /// The text split into literal runs and variables, when it has variables.
    pub parts: Vec<Part>,
}

/// A piece of a pattern with policy variables.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Text as written (wildcards stay wildcards).
    Text(String),
    /// `${*}`, `${?}`, `${$}`: one literal character.
    Literal(char),
    /// `${key}` or `${key, 'default'}`, the key lower-cased.
    Variable { key_lower: String, default: Option<String> },
    /// A `${...}` that cannot be resolved (a malformed default): the pattern matches nothing.
    Invalid,
}

/// Splits a pattern's text at its `${...}` variables.
fn parts(text: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        if at > 0 {
            out.push(Part::Text(rest[..at].to_string()));
        }
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else {
            out.push(Part::Text(rest[at..].to_string()));
            return out;
        };
        let inner = after[..end].trim();
        out.push(match inner {
            "*" => Part::Literal('*'),
            "?" => Part::Literal('?'),
            "$" => Part::Literal('$'),
            _ => match inner.split_once(',') {
                Some((k, d)) => match d.trim().strip_prefix('\'').and_then(|d| d.strip_suffix('\'')) {
                    Some(d) => Part::Variable { key_lower: k.trim().to_ascii_lowercase(), default: Some(d.to_string()) },
                    None => Part::Invalid,
                },
                None => Part::Variable { key_lower: inner.to_ascii_lowercase(), default: None },
            },
        });
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Part::Text(rest.to_string()));
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const OPERATORS: &[(&str, Operator)] = &[
    ("StringEquals", Operator::StringEquals),
    ("StringNotEquals", Operator::StringNotEquals),
    ("StringEqualsIgnoreCase", Operator::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", Operator::StringNotEqualsIgnoreCase),
    ("StringLike", Operator::StringLike),
    ("StringNotLike", Operator::StringNotLike),
    ("NumericEquals", Operator::NumericEquals),
    ("NumericNotEquals", Operator::NumericNotEquals),
    ("NumericLessThan", Operator::NumericLessThan),
    ("NumericLessThanEquals", Operator::NumericLessThanEquals),
    ("NumericGreaterThan", Operator::NumericGreaterThan),
    ("NumericGreaterThanEquals", Operator::NumericGreaterThanEquals),
    ("DateEquals", Operator::DateEquals),
    ("DateNotEquals", Operator::DateNotEquals),
    ("DateLessThan", Operator::DateLessThan),
    ("DateLessThanEquals", Operator::DateLessThanEquals),
    ("DateGreaterThan", Operator::DateGreaterThan),
    ("DateGreaterThanEquals", Operator::DateGreaterThanEquals),
    ("Bool", Operator::Bool),
    ("BinaryEquals", Operator::BinaryEquals),
    ("IpAddress", Operator::IpAddress),
    ("NotIpAddress", Operator::NotIpAddress),
    ("ArnEquals", Operator::ArnEquals),
    ("ArnLike", Operator::ArnLike),
    ("ArnNotEquals", Operator::ArnNotEquals),
    ("ArnNotLike", Operator::ArnNotLike),
    ("Null", Operator::Null),
];

impl Operator {
    /// Negated operators are true when the key is absent, and true for a value that matches none
    /// of the policy's values.
    pub fn negated(self) -> bool {
        use Operator::*;
        matches!(self, StringNotEquals | StringNotEqualsIgnoreCase | StringNotLike | NumericNotEquals | DateNotEquals | NotIpAddress | ArnNotEquals | ArnNotLike)
    }

    /// Whether policy variables are resolved in this operator's values.
    pub fn takes_variables(self) -> bool {
        use Operator::*;
        matches!(
            self,
            StringEquals
                | StringNotEquals
                | StringEqualsIgnoreCase
                | StringNotEqualsIgnoreCase
                | StringLike
                | StringNotLike
                | ArnEquals
                | ArnLike
                | ArnNotEquals
                | ArnNotLike
                | Bool
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOperator {
    ForAllValues,
    ForAnyValue,
}

/// One key of a condition operator's block: `"StringEquals": {"aws:username": ["a", "b"]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operator: Operator,
    pub set: Option<SetOperator>,
    pub if_exists: bool,
    /// The condition key as written; compared without regard to case.
    pub key: String,
    pub key_lower: String,
    pub values: Vec<Pattern>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principals>,
    pub not_principal: bool,
    /// Lower-case action patterns (`dynamodb:get*`).
    pub actions: Vec<String>,
    pub not_action: bool,
    /// `None` in trust policies, which have no Resource.
    pub resources: Option<Vec<Pattern>>,
    pub not_resource: bool,
    pub conditions: Vec<Condition>,
    pub start: Position,
    pub end: Position,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub version: String,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

/// IAM's `MalformedPolicyDocument` error (HTTP 400).
pub fn malformed(message: impl Into<String>) -> AwsError {
    AwsError::new("", "MalformedPolicyDocument", message, 400)
}

/// Policy documents may be at most this many characters (managed policies; the service checks
/// the smaller limits of inline and trust policies).
pub const MAX_DOCUMENT_CHARS: usize = 131_072;

impl Policy {
    /// Parses and checks a policy document of `kind`.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, AwsError> {
        let doc: Value = serde_json::from_str(text).map_err(|_| malformed("Syntax errors in policy."))?;
        let obj = doc.as_object().ok_or_else(|| malformed("Syntax errors in policy."))?;
        let mut version = "2008-10-17".to_string();
        let mut id = None;
        let mut statements_value = None;
        for (k, v) in obj {
            match k.as_str() {
                "Version" => match v.as_str() {
                    Some(s @ ("2012-10-17" | "2008-10-17")) => version = s.to_string(),
                    _ => return Err(malformed("The policy failed legacy parsing")),
                },
                "Id" => id = Some(v.as_str().ok_or_else(|| malformed("Syntax errors in policy."))?.to_string()),
                "Statement" => statements_value = Some(v),
                _ => return Err(malformed("Syntax errors in policy.")),
            }
        }
        let statements_value = statements_value.ok_or_else(|| malformed("Syntax errors in policy."))?;
        let items: Vec<&Value> = match statements_value {
            Value::Array(a) => a.iter().collect(),
            Value::Object(_) => vec![statements_value],
            _ => return Err(malformed("Syntax errors in policy.")),
        };
        let spans = statement_spans(text);
        let variables = version == "2012-10-17";
        let mut statements = Vec::with_capacity(items.len());
        let mut sids = std::collections::HashSet::new();
        for (i, item) in items.into_iter().enumerate() {
            let (start, end) = spans.get(i).copied().unwrap_or_default();
            let st = parse_statement(item, kind, variables, start, end)?;
            if let Some(sid) = &st.sid {
                if !sids.insert(sid.clone()) {
                    return Err(malformed("Statement IDs (SID) in a single policy must be unique."));
                }
            }
            statements.push(st);
        }
        Ok(Policy { version, id, statements })
    }
}

fn strings(v: &Value, field: &str) -> Result<Vec<String>, AwsError> {
    let one = |v: &Value| -> Result<String, AwsError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            _ => Err(malformed(format!("Syntax errors in policy. {field} must be a string or an array of strings."))),
        }
    };
    match v {
        Value::Array(a) => a.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

fn pattern(text: String, variables: bool) -> Pattern {
    let has_variables = variables && text.contains("${");
    let parts = if has_variables { parts(&text) } else { Vec::new() };
    Pattern { text, has_variables, parts }
}

fn parse_statement(v: &Value, kind: PolicyKind, variables: bool, start: Position, end: Position) -> Result<Statement, AwsError> {
    let obj = v.as_object().ok_or_else(|| malformed("Syntax errors in policy."))?;
    let mut st = Statement {
        sid: None,
        effect: Effect::Allow,
        principal: None,
        not_principal: false,
        actions: Vec::new(),
        not_action: false,
        resources: None,
        not_resource: false,
        conditions: Vec::new(),
        start,
        end,
    };
    let (mut effect, mut action, mut principal) = (None, false, false);
    for (k, v) in obj {
        match k.as_str() {
            "Sid" => {
                let sid = v.as_str().ok_or_else(|| malformed("Syntax errors in policy."))?;
                if !sid.chars().all(|c| c.is_ascii_alphanumeric()) && kind != PolicyKind::Resource {
                    return Err(malformed("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"));
                }
                st.sid = Some(sid.to_string());
            }
            "Effect" => {
                effect = Some(match v.as_str() {
                    Some("Allow") => Effect::Allow,
                    Some("Deny") => Effect::Deny,
                    Some(other) => return Err(malformed(format!("Invalid effect: {other}"))),
                    None => return Err(malformed("Syntax errors in policy.")),
                })
            }
            "Principal" | "NotPrincipal" => {
                if kind == PolicyKind::Identity {
                    return Err(malformed("Policy document should not specify a principal."));
                }
                if principal {
                    return Err(malformed("Syntax errors in policy."));
                }
                principal = true;
                st.not_principal = k == "NotPrincipal";
                st.principal = Some(parse_principal(v)?);
            }
            "Action" | "NotAction" => {
                if action {
                    return Err(malformed("Syntax errors in policy."));
                }
                action = true;
                st.not_action = k == "NotAction";
                for a in strings(v, k)? {
                    if a != "*" {
                        let Some((vendor, name)) = a.split_once(':') else {
                            return Err(malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."));
                        };
                        if vendor.is_empty() || name.is_empty() || !vendor.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                            return Err(malformed(format!("Action vendor must be a valid service prefix: {a}")));
                        }
                    }
                    st.actions.push(a.to_ascii_lowercase());
                }
                if st.actions.is_empty() {
                    return Err(malformed("Policy statement must contain actions."));
                }
            }
            "Resource" | "NotResource" => {
                if kind == PolicyKind::Trust {
                    return Err(malformed(format!("Has prohibited field {k}")));
                }
                if st.resources.is_some() {
                    return Err(malformed("Syntax errors in policy."));
                }
                st.not_resource = k == "NotResource";
                let list = strings(v, k)?;
                for r in &list {
                    if r != "*" && !r.starts_with("arn:") {
                        return Err(malformed(format!("Resource {r} must be in ARN format or \"*\".")));
                    }
                }
                if list.is_empty() {
                    return Err(malformed("Policy statement must contain resources."));
                }
                st.resources = Some(list.into_iter().map(|r| pattern(r, variables)).collect());
            }
            "Condition" => st.conditions = parse_conditions(v, variables)?,
            _ => return Err(malformed("Syntax errors in policy.")),
        }
    }
    st.effect = effect.ok_or_else(|| malformed("Missing required field Effect"))?;
    if !action {
        return Err(malformed("Policy statement must contain actions."));
    }
    if kind != PolicyKind::Identity && !principal {
        return Err(malformed("Missing required field Principal"));
    }
    if kind != PolicyKind::Trust && st.resources.is_none() {
        return Err(malformed("Policy statement must contain resources."));
    }
    Ok(st)
}

fn parse_principal(v: &Value) -> Result<Principals, AwsError> {
    match v {
        Value::String(s) if s == "*" => Ok(Principals::Any),
        Value::Object(map) => {
            let mut out = Vec::new();
            for (k, v) in map {
                let kind = match k.as_str() {
                    "AWS" => PrincipalKind::Aws,
                    "Service" => PrincipalKind::Service,
                    "Federated" => PrincipalKind::Federated,
                    "CanonicalUser" => PrincipalKind::CanonicalUser,
                    _ => return Err(malformed(format!("Invalid principal in policy: \"{k}\""))),
                };
                for value in strings(v, k)? {
                    if kind == PrincipalKind::Aws && value == "*" {
                        return Ok(Principals::Any);
                    }
                    if kind == PrincipalKind::Aws && !(value.starts_with("arn:") || (value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()))) {
                        return Err(malformed(format!("Invalid principal in policy: \"AWS\":\"{value}\"")));
                    }
                    out.push((kind, value));
                }
            }
            if out.is_empty() {
                return Err(malformed("Syntax errors in policy."));
            }
            Ok(Principals::Listed(out))
        }
        _ => Err(malformed("Invalid principal in policy")),
    }
}

fn parse_conditions(v: &Value, variables: bool) -> Result<Vec<Condition>, AwsError> {
    let obj = v.as_object().ok_or_else(|| malformed("Syntax errors in policy."))?;
    let mut out = Vec::new();
    for (op_text, block) in obj {
        let (set, rest) = if let Some(r) = op_text.strip_prefix("ForAllValues:") {
            (Some(SetOperator::ForAllValues), r)
        } else if let Some(r) = op_text.strip_prefix("ForAnyValue:") {
            (Some(SetOperator::ForAnyValue), r)
        } else {
            (None, op_text.as_str())
        };
        let (if_exists, name) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let operator = OPERATORS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, o)| *o)
            .filter(|o| !(if_exists && *o == Operator::Null))
            .ok_or_else(|| malformed(format!("Invalid Condition type : {op_text}")))?;
        let block = block.as_object().ok_or_else(|| malformed("Syntax errors in policy."))?;
        for (key, values) in block {
            if !key.contains(':') {
                return Err(malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."));
            }
            let list: Vec<Value> = match values {
                Value::Array(a) => a.clone(),
                other => vec![other.clone()],
            };
            let mut pats = Vec::with_capacity(list.len());
            for item in list {
                let text = match item {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return Err(malformed("Syntax errors in policy.")),
                };
                check_value(operator, &text)?;
                pats.push(pattern(text, variables && operator.takes_variables()));
            }
            out.push(Condition { operator, set, if_exists, key: key.clone(), key_lower: key.to_ascii_lowercase(), values: pats });
        }
    }
    Ok(out)
}

/// Values an operator can never use are refused when the policy is saved, as IAM does for
/// IP ranges and booleans; numbers and dates are compared when evaluated (an unparsable one
/// never matches).
fn check_value(op: Operator, text: &str) -> Result<(), AwsError> {
    match op {
        Operator::IpAddress | Operator::NotIpAddress if super::eval::parse_cidr(text).is_none() => Err(malformed(format!("Invalid IP address or CIDR block: {text}"))),
        Operator::Null if !text.eq_ignore_ascii_case("true") && !text.eq_ignore_ascii_case("false") => Err(malformed(format!("Invalid value for Null condition: {text}"))),
        _ => Ok(()),
    }
}

/// Where each statement of the top-level `Statement` member starts and ends in the text (the
/// object's `{` and `}`), for SimulatePolicy's `StartPosition`/`EndPosition`. A scan over the
/// JSON text that knows only strings and nesting; the text has parsed as JSON already.
fn statement_spans(text: &str) -> Vec<(Position, Position)> {
    let mut spans = Vec::new();
    let (mut line, mut col) = (1u32, 0u32);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start_depth1 = false;
    let mut last_key = String::new();
    let mut current = String::new();
    let mut in_statement = false; // inside the value of the top-level "Statement"
    let mut statement_depth = 0usize; // depth of the Statement value's container
    let mut open: Option<Position> = None;
    for ch in text.chars() {
        if ch == '\n' {
            line += 1;
            col = 0;
        } else {
            col += 1;
        }
        let here = Position { line, column: col };
        if in_string {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_string = false;
                if string_start_depth1 {
                    last_key = std::mem::take(&mut current);
                }
            } else if string_start_depth1 {
                current.push(ch);
            }
            continue;
        }
        match ch {
            '"' => {
                in_string = true;
                string_start_depth1 = depth == 1;
                current.clear();
            }
            '{' | '[' => {
                depth += 1;
                if depth == 2 && last_key == "Statement" && !in_statement {
                    in_statement = true;
                    statement_depth = if ch == '[' { 2 } else { 1 };
                    if ch == '{' {
                        open = Some(here);
                    }
                } else if in_statement && ch == '{' && depth == statement_depth + 1 {
                    open = Some(here);
                }
            }
            '}' | ']' => {
                if in_statement && ch == '}' && depth == statement_depth + 1 {
                    if let Some(start) = open.take() {
                        spans.push((start, here));
                    }
                }
                depth = depth.saturating_sub(1);
                if in_statement && depth < 2 {
                    in_statement = false;
                    last_key.clear();
                }
            }
            _ => {}
        }
    }
    spans
}

#[cfg(test)]
mod spans_tests {
    use super::*;

    #[test]
    fn statement_positions_follow_the_text() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"},\n    {\"Effect\": \"Deny\", \"Action\": \"s3:Delete*\", \"Resource\": \"*\"}\n  ]\n}";
        let p = Policy::parse(text, PolicyKind::Identity).unwrap();
        assert_eq!(p.statements[0].start, Position { line: 4, column: 5 });
        assert_eq!(p.statements[0].end.line, 4);
        assert_eq!(p.statements[1].start, Position { line: 5, column: 5 });
        let single = Policy::parse(r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#, PolicyKind::Identity).unwrap();
        assert_eq!(single.statements[0].start, Position { line: 1, column: 15 });
        assert_eq!(single.version, "2008-10-17");
    }
}
