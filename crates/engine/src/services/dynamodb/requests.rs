//! What several operations share about expressions in a request: which expression and legacy
//! (non-expression) members an operation takes, AWS's rules about which may appear together and
//! which may appear without which, parsing each expression once, and the unused-placeholder
//! check at the end.

use super::{
    expr::{parser, update::Action, Cond, Kind, Path, Placeholders},
    input::Input,
};
use crate::kernel::error::AwsError;

/// The expression and legacy members of one operation, each list in the order AWS names them
/// in its messages.
pub struct Spec {
    pub expressions: &'static [Kind],
    pub legacy: &'static [&'static str],
    /// The legacy map that ConditionalOperator combines (Expected, ScanFilter, QueryFilter).
    pub combined: Option<&'static str>,
}

pub const PUT_ITEM: Spec = Spec { expressions: &[Kind::Condition], legacy: &["Expected", "ConditionalOperator"], combined: Some("Expected") };
pub const DELETE_ITEM: Spec = PUT_ITEM;
pub const UPDATE_ITEM: Spec = Spec { expressions: &[Kind::Update, Kind::Condition], legacy: &["AttributeUpdates", "Expected", "ConditionalOperator"], combined: Some("Expected") };
pub const GET_ITEM: Spec = Spec { expressions: &[Kind::Projection], legacy: &["AttributesToGet"], combined: None };
pub const QUERY: Spec = Spec {
    expressions: &[Kind::Projection, Kind::Filter, Kind::KeyCondition],
    legacy: &["AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"],
    combined: Some("QueryFilter"),
};
pub const SCAN: Spec = Spec { expressions: &[Kind::Projection, Kind::Filter], legacy: &["AttributesToGet", "ScanFilter", "ConditionalOperator"], combined: Some("ScanFilter") };
/// The actions of TransactWriteItems and TransactGetItems, which take no legacy members.
pub const TRANSACT_UPDATE: Spec = Spec { expressions: &[Kind::Update, Kind::Condition], legacy: &[], combined: None };
pub const TRANSACT_CONDITION: Spec = Spec { expressions: &[Kind::Condition], legacy: &[], combined: None };
pub const TRANSACT_GET: Spec = Spec { expressions: &[Kind::Projection], legacy: &[], combined: None };

/// Expressions are parsed in this order whatever the operation, so the first invalid one in
/// this order is the one reported.
const PARSE_ORDER: [Kind; 5] = [Kind::Update, Kind::Condition, Kind::KeyCondition, Kind::Filter, Kind::Projection];

fn invalid(msg: impl Into<String>) -> AwsError {
    AwsError::validation(msg)
}

/// The checks AWS makes on the combination of members before looking at any of them closely:
/// expression and legacy members may not be mixed (except that Query accepts KeyConditions
/// with FilterExpression or ProjectionExpression when KeyConditionExpression is absent); the
/// placeholder maps need expressions; ConditionalOperator needs a legacy map of two or more
/// conditions.
pub fn preflight(input: &Input, spec: &Spec) -> Result<(), AwsError> {
    let present = |m: &str| input.raw(m).is_some();
    let expressions: Vec<&str> = spec.expressions.iter().map(|k| k.member()).filter(|m| present(m)).collect();
    if !expressions.is_empty() {
        let key_expression = present("KeyConditionExpression");
        let legacy: Vec<&str> = spec.legacy.iter().copied().filter(|m| present(m) && (*m != "KeyConditions" || key_expression)).collect();
        if !legacy.is_empty() {
            return Err(invalid(format!(
                "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
                legacy.join(", "),
                expressions.join(", ")
            )));
        }
    }
    if present("ExpressionAttributeNames") && expressions.is_empty() {
        return Err(invalid("ExpressionAttributeNames can only be specified when using expressions"));
    }
    let takes_values: Vec<&str> = spec.expressions.iter().filter(|k| **k != Kind::Projection).map(|k| k.member()).collect();
    if present("ExpressionAttributeValues") && !takes_values.is_empty() && !takes_values.iter().any(|m| present(m)) {
        return Err(invalid(format!(
            "ExpressionAttributeValues can only be specified when using expressions: {} {} null",
            takes_values.join(" and "),
            if takes_values.len() > 1 { "are" } else { "is" }
        )));
    }
    if let (true, Some(map)) = (present("ConditionalOperator"), spec.combined) {
        let conditions = match input.raw(map) {
            Some(serde_json::Value::Object(m)) => m.len(),
            _ => 0,
        };
        if conditions == 0 {
            return Err(invalid("ConditionalOperator cannot be used without Filter or Expected"));
        }
        if conditions == 1 {
            return Err(invalid("ConditionalOperator can only be used when Filter or Expected has two or more elements"));
        }
    }
    Ok(())
}

/// The parsed expressions of one request.
#[derive(Default)]
pub struct Expressions {
    pub condition: Option<Cond>,
    pub filter: Option<Cond>,
    pub key_condition: Option<Cond>,
    pub projection: Option<Vec<Path>>,
    pub update: Option<Vec<Action>>,
    pub placeholders: Placeholders,
}

impl Expressions {
    /// Runs the [`preflight`] checks, then reads and parses the expressions the operation
    /// takes, in AWS's order of checks.
    pub fn parse(input: &Input, spec: &Spec) -> Result<Expressions, AwsError> {
        let names = input.string_map("ExpressionAttributeNames")?;
        // Operations whose expressions take no values have no ExpressionAttributeValues member
        // (GetItem, BatchGetItem's KeysAndAttributes): it is ignored there, like any unknown one.
        let takes_values = spec.expressions.iter().any(|k| *k != Kind::Projection);
        let values = input.raw("ExpressionAttributeValues").filter(|_| takes_values);
        let mut texts = Vec::new();
        for k in PARSE_ORDER {
            if !spec.expressions.contains(&k) {
                continue;
            }
            if let Some(t) = input.string(k.member())? {
                texts.push((k, t));
            }
        }
        preflight(input, spec)?;
        let mut out = Expressions { placeholders: Placeholders::new(names, values)?, ..Default::default() };
        for (kind, text) in texts {
            match kind {
                Kind::Projection => out.projection = Some(parser::projection(text, &mut out.placeholders)?),
                Kind::Condition => out.condition = Some(parser::condition(text, kind, &mut out.placeholders)?),
                Kind::Filter => out.filter = Some(parser::condition(text, kind, &mut out.placeholders)?),
                Kind::KeyCondition => out.key_condition = Some(parser::condition(text, kind, &mut out.placeholders)?),
                Kind::Update => out.update = Some(parser::update(text, &mut out.placeholders)?),
            }
        }
        out.placeholders.check_all_used()?;
        Ok(out)
    }
}
