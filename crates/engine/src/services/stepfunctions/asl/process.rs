//! Input and output processing of a JSONPath state, per
//! <https://docs.aws.amazon.com/step-functions/latest/dg/concepts-input-output-filtering.html>:
//!
//! ```text
//! state input ─InputPath─▶ ─Parameters─▶ effective input ─(task)─▶ result ─ResultSelector─▶
//!   ─ResultPath (into the state input)─▶ ─OutputPath─▶ state output
//! ```
//!
//! `InputPath`/`OutputPath` null give `{}`; `ResultPath` null keeps the state input and discards
//! the result; absent fields mean `$`. Every intermediate value is returned, for the UI's
//! step-by-step view.

use serde_json::{Map, Value};

use super::{compact, names, path::Path, template::Template, Failure};

/// An `InputPath`, `OutputPath` or `ResultPath` field: absent (means `$`), `null`, or a path.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum PathField {
    #[default]
    Absent,
    Null,
    Path(Path),
}

/// The data-flow fields of a state (those it has; others stay absent).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataFlow {
    pub input_path: PathField,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: PathField,
    pub output_path: PathField,
}

/// The input side: after InputPath, and after Parameters (the effective input).
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub after_input_path: Value,
    pub effective_input: Value,
}

/// The output side: after ResultSelector, after ResultPath, and the state output.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub after_result_selector: Value,
    pub after_result_path: Value,
    pub output: Value,
}

/// Selects with an InputPath/OutputPath-style field; the failure is States.Runtime with Jayway's
/// reason, as AWS words it.
fn filter(field: &PathField, v: &Value, context: &Value) -> Result<Value, Failure> {
    match field {
        PathField::Absent => Ok(v.clone()),
        PathField::Null => Ok(Value::Object(Map::new())),
        PathField::Path(p) => p.select(v, context).map_err(|why| Failure::runtime(format!("Invalid path '{}' : {why}", p.text()))),
    }
}

impl DataFlow {
    /// The effective input only (InputPath, then Parameters), for the interpreter's hot path:
    /// the same steps as [`Self::prepare`] without copying the input when InputPath selects all
    /// of it and Parameters build a new value from it.
    pub fn effective_input(&self, state_input: &Value, context: &Value, random: &mut dyn FnMut() -> u64) -> Result<Value, Failure> {
        let whole = match &self.input_path {
            PathField::Absent => true,
            PathField::Path(p) => p.segments().is_empty() && p.root() == super::path::Root::Input,
            PathField::Null => false,
        };
        match (&self.parameters, whole) {
            (Some(t), true) => t.apply(state_input, context, random),
            (Some(t), false) => t.apply(&filter(&self.input_path, state_input, context)?, context, random),
            (None, _) => filter(&self.input_path, state_input, context),
        }
    }

    /// InputPath, then Parameters.
    pub fn prepare(&self, state_input: &Value, context: &Value, random: &mut dyn FnMut() -> u64) -> Result<Prepared, Failure> {
        let after_input_path = filter(&self.input_path, state_input, context)?;
        let effective_input = match &self.parameters {
            Some(t) => t.apply(&after_input_path, context, random)?,
            None => after_input_path.clone(),
        };
        Ok(Prepared { after_input_path, effective_input })
    }

    /// ResultSelector, ResultPath and OutputPath, given the state's raw input and its result.
    pub fn finish(&self, state_input: &Value, result: Value, context: &Value, random: &mut dyn FnMut() -> u64) -> Result<Finished, Failure> {
        let after_result_selector = match &self.result_selector {
            Some(t) => t.apply(&result, context, random)?,
            None => result,
        };
        let after_result_path = apply_result_path(&self.result_path, state_input, after_result_selector.clone())?;
        let output = filter(&self.output_path, &after_result_path, context)?;
        Ok(Finished { after_result_selector, after_result_path, output })
    }
}

impl DataFlow {
    /// The state output only, for the interpreter's hot path: the same steps as [`Self::finish`]
    /// without keeping the intermediate values, writing the result into the owned state input
    /// instead of a copy. (The UI's step-by-step view re-runs [`Self::finish`] on demand: the
    /// pipeline is pure.)
    pub fn finish_output(&self, state_input: Value, result: Value, context: &Value, random: &mut dyn FnMut() -> u64) -> Result<Value, Failure> {
        let result = match &self.result_selector {
            Some(t) => t.apply(&result, context, random)?,
            None => result,
        };
        let combined = match &self.result_path {
            PathField::Absent => result,
            PathField::Null => state_input,
            PathField::Path(p) if p.segments().is_empty() => result,
            PathField::Path(p) => {
                let mut out = state_input;
                if p.assign(&mut out, result).is_err() {
                    return Err(Failure::new(names::RESULT_PATH_MATCH_FAILURE, format!("Unable to apply ResultPath field '{}' on input '{}'", p.text(), compact(&out))));
                }
                out
            }
        };
        match &self.output_path {
            PathField::Absent => Ok(combined),
            PathField::Path(p) if p.segments().is_empty() && p.root() == super::path::Root::Input => Ok(combined),
            other => filter(other, &combined, context),
        }
    }
}

/// Combines the state input with a result (also a Catcher's error output): `$` or absent → the
/// result; null → the input; a path → the input with the result written there.
pub fn apply_result_path(field: &PathField, state_input: &Value, result: Value) -> Result<Value, Failure> {
    match field {
        PathField::Absent => Ok(result),
        PathField::Null => Ok(state_input.clone()),
        PathField::Path(p) if p.segments().is_empty() => Ok(result),
        PathField::Path(p) => {
            let mut out = state_input.clone();
            p.assign(&mut out, result)
                .map_err(|_| Failure::new(names::RESULT_PATH_MATCH_FAILURE, format!("Unable to apply ResultPath field '{}' on input '{}'", p.text(), compact(state_input))))?;
            Ok(out)
        }
    }
}
