//! One module per panel.

pub mod home;
pub mod indexes;
pub mod info;
pub mod item_form;
pub mod partiql;
pub mod partitions;
pub mod query_builder;
pub mod samples;
pub mod sandbox;
pub mod tables;
