//! The Amazon States Language core: pure functions over `serde_json::Value`, no service state.
//!
//! - [`path`]: ASL's JSONPath (Jayway-style, as Step Functions evaluates it), reference paths and
//!   `$$` context paths.
//! - [`intrinsic`]: the `States.X(...)` expression language and its 18 functions.
//! - [`template`]: payload templates (`Parameters`, `ResultSelector`, `ItemSelector`): `.$` keys.
//! - [`process`]: InputPath → Parameters → result → ResultSelector → ResultPath → OutputPath.
//! - [`choice`]: Choice rules and their comparison operators.
//! - [`definition`]: the typed definition model; [`validate`]: AWS's definition diagnostics.
//! - [`errors`]: Retry and Catch decisions.
//!
//! Runtime failures are [`Failure`] values (an ASL error name and a cause), never panics: a
//! definition, a path or an intrinsic string is untrusted input.

pub mod choice;
pub mod definition;
pub mod errors;
pub mod hash;
pub mod intrinsic;
pub mod jsonata;
pub mod path;
pub mod process;
pub mod query;
pub mod template;
pub mod validate;

#[cfg(test)]
mod tests;

use serde_json::Value;

/// The error a state fails with: an ASL error name (`States.Runtime`, ...) and its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: String,
    pub cause: String,
}

impl Failure {
    pub fn new(error: &str, cause: impl Into<String>) -> Failure {
        Failure { error: error.to_string(), cause: cause.into() }
    }
    pub fn runtime(cause: impl Into<String>) -> Failure {
        Failure::new(names::RUNTIME, cause)
    }
    pub fn intrinsic(cause: impl Into<String>) -> Failure {
        Failure::new(names::INTRINSIC_FAILURE, cause)
    }
}

/// The predefined error names of the States Language.
pub mod names {
    pub const ALL: &str = "States.ALL";
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    pub const PERMISSIONS: &str = "States.Permissions";
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";
    pub const RUNTIME: &str = "States.Runtime";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
}

/// JSON text as AWS quotes a value in a cause (compact, keys in input order).
pub fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
