//! The simulated inbox: where mail "sent" in the sandbox arrives. Not an AWS API: the Inbox
//! panel and tests read it through control operations (`ses:ListInboxMessages`,
//! `ses:GetInboxMessage`, `ses:DeleteInboxMessage`, `ses:VerifyEmailIdentity`), and other
//! services that email users (Cognito's verification codes, later) deliver through
//! [`deliver`] or `ses:DeliverInboxMessage`, which skips SES's sandbox checks as AWS's own
//! senders do.

use serde_json::{json, Value};

use super::{
    bad_request, identities, not_found, opt_str, req_str,
    send::Composed,
    state::{identity_key, inbox_key, InboxMessage, Region, DAY_MS},
    str_list,
};
use crate::kernel::{error::AwsError, service::Cx};

/// Puts one copy of `m` in `mailbox`.
#[allow(clippy::too_many_arguments)]
pub fn deliver(cx: &mut Cx, region: &mut Region, m: &Composed, headers: &[(String, String)], mailbox: &str, source: &str, identity: Option<String>, verifies: Option<String>) {
    let seq = region.next_seq;
    region.next_seq += 1;
    let msg = InboxMessage {
        seq,
        mailbox: mailbox.to_ascii_lowercase(),
        message_id: m.message_id.clone().unwrap_or_else(|| format!("0100{:012x}-{}-000000", cx.now_ms.max(0), cx.rng.uuid())),
        from: m.from.clone(),
        to: m.to.clone(),
        cc: m.cc.clone(),
        reply_to: m.reply_to.clone(),
        subject: m.subject.clone(),
        text: m.text.clone(),
        html: m.html.clone(),
        headers: headers.to_vec(),
        sent_ms: cx.now_ms,
        read: false,
        source: source.to_string(),
        identity,
        verifies,
    };
    cx.journal.put_json(inbox_key(cx.region, seq), &msg);
    region.inbox.insert(seq, msg);
}

/// The email SES sends to a new email-address identity. Its button (the link on AWS) verifies
/// the identity; it expires 24 hours after it was sent.
pub fn deliver_verification(cx: &mut Cx, region: &mut Region, address: &str) {
    let region_name = identities::region_display(cx.region);
    let text = format!(
        "Dear Amazon Web Services Customer,\n\nWe have received a request to authorize this email address for use with Amazon SES and Amazon Pinpoint in region {region_name}. If you requested this verification, please go to the following URL to confirm that you are authorized to use this email address:\n\n(In the Gureum sandbox: press \"Verify this address\" in the Inbox.)\n\nYour request will not be processed unless you confirm the address using this URL. This link expires 24 hours after your original verification request.\n\nIf you did NOT request to verify this email address, do not click on the link.\n\nSincerely,\n\nThe Amazon Web Services Team."
    );
    let m = Composed {
        from: "Amazon Web Services <no-reply-aws@amazon.com>".into(),
        to: vec![address.to_string()],
        cc: vec![],
        reply_to: vec![],
        subject: format!("Amazon Web Services – Email Address Verification Request in region {region_name}"),
        text: Some(text),
        html: None,
        message_id: None,
        date_ms: Some(cx.now_ms),
    };
    let headers = vec![("From".to_string(), m.from.clone()), ("To".to_string(), address.to_string()), ("Subject".to_string(), m.subject.clone())];
    deliver(cx, region, &m, &headers, address, "SES verification", None, Some(address.to_string()));
}

fn summary(m: &InboxMessage) -> Value {
    let mut v = json!({
        "Id": m.seq.to_string(),
        "Mailbox": m.mailbox,
        "MessageId": m.message_id,
        "From": m.from,
        "To": m.to,
        "Subject": m.subject,
        "SentAt": m.sent_ms,
        "Read": m.read,
        "Source": m.source,
    });
    if let Some(i) = &m.verifies {
        v["Verifies"] = json!(i);
    }
    v
}

fn full(m: &InboxMessage, region: &Region) -> Value {
    let mut v = summary(m);
    v["Cc"] = json!(m.cc);
    v["ReplyTo"] = json!(m.reply_to);
    v["Headers"] = Value::Array(m.headers.iter().map(|(k, val)| json!({ "Name": k, "Value": val })).collect());
    v["Text"] = json!(m.text);
    v["Html"] = json!(m.html);
    v["Identity"] = json!(m.identity);
    if let Some(i) = &m.verifies {
        v["VerificationStatus"] = json!(region.identities.get(i).map(|x| x.status.as_str()).unwrap_or("DELETED"));
    }
    v
}

fn message_id(input: &Value) -> Result<u64, AwsError> {
    let id = match input.get("Id") {
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    id.ok_or_else(|| bad_request("'Id' must be an inbox message id."))
}

pub fn control(cx: &mut Cx, region: &mut Region, operation: &str, input: &Value) -> Result<Value, AwsError> {
    match operation {
        // Every mailbox with its counts, and the messages of one mailbox (or all), newest first.
        "ListInboxMessages" => {
            let mailbox = opt_str(input, "Mailbox")?.map(str::to_ascii_lowercase);
            let mut boxes: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
            for m in region.inbox.values() {
                let e = boxes.entry(m.mailbox.as_str()).or_default();
                e.0 += 1;
                e.1 += u64::from(!m.read);
            }
            let mailboxes: Vec<Value> = boxes.iter().map(|(a, (n, u))| json!({ "Address": a, "Messages": n, "Unread": u })).collect();
            let messages: Vec<Value> = region.inbox.values().rev().filter(|m| mailbox.as_ref().is_none_or(|b| &m.mailbox == b)).map(summary).collect();
            Ok(json!({ "Mailboxes": mailboxes, "Messages": messages }))
        }
        // One message in full; marks it read unless `MarkRead` is false.
        "GetInboxMessage" => {
            let id = message_id(input)?;
            let mark = input.get("MarkRead").and_then(Value::as_bool).unwrap_or(true);
            let m = region.inbox.get_mut(&id).ok_or_else(|| not_found(format!("Inbox message {id} does not exist.")))?;
            if mark && !m.read {
                m.read = true;
                cx.journal.put_json(inbox_key(cx.region, id), m);
            }
            let m = region.inbox.get(&id).ok_or_else(|| not_found(format!("Inbox message {id} does not exist.")))?;
            Ok(full(m, region))
        }
        "DeleteInboxMessage" => {
            let id = message_id(input)?;
            region.inbox.remove(&id).ok_or_else(|| not_found(format!("Inbox message {id} does not exist.")))?;
            cx.journal.delete(inbox_key(cx.region, id));
            Ok(json!({}))
        }
        // What following a verification email's link does: `Id` is the verification email.
        "VerifyEmailIdentity" => {
            let id = message_id(input)?;
            let m = region.inbox.get(&id).ok_or_else(|| not_found(format!("Inbox message {id} does not exist.")))?;
            let identity = m.verifies.clone().ok_or_else(|| bad_request("This message is not a verification email."))?;
            let sent = m.sent_ms;
            let current = region.identities.get(&identity).ok_or_else(|| not_found(format!("Email identity {identity} does not exist.")))?;
            if current.created_ms > sent {
                return Err(bad_request("This verification link belongs to an earlier request for this identity; use the newest verification email."));
            }
            if cx.now_ms > sent + DAY_MS && !current.verified() {
                let mut failed = current.clone();
                failed.status = "FAILED".into();
                cx.journal.put_json(identity_key(cx.region, &identity), &failed);
                region.identities.insert(identity.clone(), failed);
                return Err(bad_request("This verification link has expired: it was valid for 24 hours. Delete the identity and create it again to get a new one."));
            }
            identities::verify_address(cx, region, &identity)?;
            Ok(json!({ "EmailIdentity": identity, "VerificationStatus": "SUCCESS" }))
        }
        // Delivery by AWS itself (Cognito codes, notifications): no sandbox checks, no quota.
        "DeliverInboxMessage" => {
            let from = req_str(input, "From")?.to_string();
            let to = str_list(input, "To")?;
            if to.is_empty() {
                return Err(bad_request("'To' must list at least one address."));
            }
            let m = Composed {
                from,
                to: to.clone(),
                cc: vec![],
                reply_to: vec![],
                subject: opt_str(input, "Subject")?.unwrap_or("").to_string(),
                text: opt_str(input, "Text")?.map(str::to_string),
                html: opt_str(input, "Html")?.map(str::to_string),
                message_id: None,
                date_ms: Some(cx.now_ms),
            };
            let source = opt_str(input, "Source")?.unwrap_or("AWS").to_string();
            let headers = vec![("From".to_string(), m.from.clone()), ("To".to_string(), to.join(", ")), ("Subject".to_string(), m.subject.clone())];
            let mut ids = Vec::new();
            for a in &to {
                ids.push(region.next_seq.to_string());
                deliver(cx, region, &m, &headers, &super::mime::bare_address(a), &source, None, None);
            }
            Ok(json!({ "Ids": ids }))
        }
        _ => Err(AwsError::new("gureum", "UnknownOperationException", format!("Unknown control operation 'ses:{operation}'."), 400)),
    }
}
