//! The simulated services, one folder each. Each keeps its state model apart from the code that
//! answers operations.

pub mod dynamodb;

use crate::kernel::service::Service;

/// A fresh instance of every simulated service, in registry order.
pub fn all() -> Vec<Box<dyn Service>> {
    vec![Box::new(dynamodb::DynamoDb::default())]
}
