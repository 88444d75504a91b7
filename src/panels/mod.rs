//! One module per panel.

pub mod home;
pub mod info;
pub mod query_builder;
pub mod sandbox;
pub mod tables;
