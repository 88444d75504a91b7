//! The built-in modules (`@aws-sdk/*` and Gureum's internal helpers), embedded from `sdk/`.

include!(concat!(env!("OUT_DIR"), "/modules.rs"));

pub fn source(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}
