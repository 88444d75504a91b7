//! The simulated services, one folder each. Each keeps its state model apart from the code that
//! answers operations.

pub mod apigateway;
pub mod athena;
pub mod authz;
pub mod autoscaling;
pub mod backup;
pub mod cloudformation;
pub mod cognito;
pub mod cognito_identity;
pub mod dax;
pub mod dynamodb;
pub mod firehose;
pub mod iam;
pub mod kinesis;
pub mod lambda;
pub mod logs;
pub mod s3;
pub mod ses;
pub mod sqs;
pub mod stepfunctions;
pub mod sts;

use crate::kernel::{service::Service, EngineConfig};

/// A fresh instance of every simulated service, in registry order.
pub fn all(config: &EngineConfig) -> Vec<Box<dyn Service>> {
    vec![
        Box::new(dynamodb::DynamoDb::new(config.keep_item_json)),
        Box::new(dax::Dax::default()),
        Box::new(kinesis::Kinesis::default()),
        Box::new(lambda::Lambda::new()),
        Box::new(logs::Logs::default()),
        Box::new(s3::S3::default()),
        Box::new(sqs::Sqs::default()),
        Box::new(ses::Ses::default()),
        Box::new(autoscaling::AutoScaling::default()),
        Box::new(backup::Backup::default()),
        Box::new(athena::Athena::default()),
        Box::new(iam::Iam::default()),
        Box::new(sts::Sts::default()),
        Box::new(firehose::Firehose::default()),
        Box::new(apigateway::ApiGateway::default()),
        Box::new(cognito::Cognito::default()),
        Box::new(cognito_identity::CognitoIdentity::default()),
        Box::new(stepfunctions::StepFunctions::default()),
        Box::new(cloudformation::CloudFormation::default()),
    ]
}

/// The fast JSON route's first step for `service` (see [`Service::call_prepared`]): a request
/// read straight from its text, or `None` for the general route. Needs no service state, so
/// hosts run it before taking the engine.
pub fn prepare_json(service: &str, operation: &str, body: &[u8]) -> Option<Box<dyn std::any::Any + Send>> {
    match service {
        "dynamodb" => dynamodb::fast::prepare(operation, body),
        _ => None,
    }
}
