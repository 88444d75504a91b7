//! SES's state per region: identities, templates, the 24-hour sending log, and the simulated
//! inbox. Records (JSON):
//! - `email/{region}/identity/{name}` — an [`Identity`];
//! - `email/{region}/template/{name}` — a [`Template`];
//! - `email/{region}/account` — the [`SendLog`] (recipients sent per send, last 24 h);
//! - `email/{region}/inbox/{seq, 16 hex}` — one [`InboxMessage`]: one copy of a message in one
//!   mailbox (a message to three recipients is three copies, as three real mailboxes hold).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Identity {
    pub name: String,
    /// `EMAIL_ADDRESS` or `DOMAIN`.
    pub kind: String,
    /// `PENDING`, `SUCCESS`, `FAILED`.
    pub status: String,
    pub created_ms: i64,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// For a domain: when its simulated DNS check completes.
    #[serde(default)]
    pub verify_due_ms: Option<i64>,
}

impl Identity {
    pub fn verified(&self) -> bool {
        self.status == "SUCCESS"
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Template {
    pub name: String,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub created_ms: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SendLog {
    /// (virtual ms, recipients) of each accepted send in the last 24 hours.
    pub sends: Vec<(i64, u64)>,
}

impl SendLog {
    pub fn trim(&mut self, now_ms: i64) {
        self.sends.retain(|(t, _)| *t > now_ms - DAY_MS);
    }

    pub fn sent_last_24h(&self, now_ms: i64) -> u64 {
        self.sends.iter().filter(|(t, _)| *t > now_ms - DAY_MS).map(|(_, n)| *n).sum()
    }
}

/// One copy of a message in one mailbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InboxMessage {
    pub seq: u64,
    /// The mailbox (recipient address, lower case) this copy sits in.
    pub mailbox: String,
    pub message_id: String,
    pub from: String,
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub reply_to: Vec<String>,
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    /// The message's headers as sent (Raw content), else the ones SES would write.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    pub sent_ms: i64,
    pub read: bool,
    /// How it was sent: `SendEmail` (and whether from a Lambda function's code), or the
    /// service that delivered it (`SES verification`, later Cognito).
    pub source: String,
    /// The sending identity that authorised the message, when SES checked one.
    #[serde(default)]
    pub identity: Option<String>,
    /// A verification email's identity: the inbox shows a button that verifies it.
    #[serde(default)]
    pub verifies: Option<String>,
}

#[derive(Debug, Default)]
pub struct Region {
    pub identities: BTreeMap<String, Identity>,
    pub templates: BTreeMap<String, Template>,
    pub log: SendLog,
    pub inbox: BTreeMap<u64, InboxMessage>,
    pub next_seq: u64,
}

pub fn identity_key(region: &str, name: &str) -> String {
    format!("email/{region}/identity/{}", escape(name))
}

pub fn template_key(region: &str, name: &str) -> String {
    format!("email/{region}/template/{}", escape(name))
}

pub fn account_key(region: &str) -> String {
    format!("email/{region}/account")
}

pub fn inbox_key(region: &str, seq: u64) -> String {
    format!("email/{region}/inbox/{seq:016x}")
}

/// Record keys are `/`-separated: names escape `%` and `/`.
pub fn escape(name: &str) -> String {
    name.replace('%', "%25").replace('/', "%2F")
}
