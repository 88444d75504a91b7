//! One module per panel.

pub mod home;
pub mod info;
pub mod sandbox;
pub mod tables;
