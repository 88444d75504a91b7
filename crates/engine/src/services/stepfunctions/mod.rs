//! AWS Step Functions. This build has the Amazon States Language core only ([`asl`]): paths,
//! intrinsic functions, payload templates, input/output processing, Choice rules, the definition
//! model with its validation, and Retry/Catch decisions. The interpreter and the service come next.

pub mod asl;
