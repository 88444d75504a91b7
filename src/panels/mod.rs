//! One module per panel.

pub mod autoscaling;
pub mod capacity;
pub mod code_editor;
pub mod dax;
pub mod dax_try;
pub mod fn_code;
pub mod fn_config;
pub mod fn_monitor;
pub mod fn_templates;
pub mod fn_util;
pub mod functions;
pub mod home;
pub mod inbox;
pub mod indexes;
pub mod info;
pub mod item_form;
pub mod kinesis;
pub mod logs;
pub mod partiql;
pub mod partitions;
pub mod query_builder;
pub mod samples;
pub mod sandbox;
pub mod stream;
pub mod tables;
pub mod ttl;
