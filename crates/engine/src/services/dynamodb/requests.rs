//! What several operations share about expressions in a request: reading the placeholder maps,
//! AWS's rules about which may appear without which, parsing each expression once, and
//! the unused-placeholder check at the end.

use super::{
    expr::{parser, update::Action, Cond, Kind, Path, Placeholders},
    input::Input,
};
use crate::kernel::error::AwsError;

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
    /// Reads and parses the expressions the operation takes (`kinds`), in AWS's order of checks.
    pub fn parse(input: &Input, kinds: &[Kind]) -> Result<Expressions, AwsError> {
        let names = input.string_map("ExpressionAttributeNames")?;
        let values = input.raw("ExpressionAttributeValues");
        let mut texts = Vec::new();
        for k in kinds {
            if let Some(t) = input.string(k.member())? {
                texts.push((*k, t));
            }
        }
        if names.is_some() && texts.is_empty() {
            return Err(AwsError::validation("ExpressionAttributeNames can only be specified when using expressions"));
        }
        let takes_values = texts.iter().any(|(k, _)| *k != Kind::Projection);
        if values.is_some() && !takes_values {
            let which = kinds.iter().find(|k| **k != Kind::Projection).map(|k| k.member()).unwrap_or("ConditionExpression");
            return Err(AwsError::validation(format!("ExpressionAttributeValues can only be specified when using expressions: {which} is null")));
        }
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
