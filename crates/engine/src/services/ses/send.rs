//! SendEmail (Simple, Raw and Template content) under the sandbox's rules, and GetAccount.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use super::{
    bad_request, identities, inbox, message_rejected, mime, not_found, opt_obj, opt_str, refuse_members,
    state::{account_key, Region},
    str_list, templates, MAX_24_HOUR_SEND, MAX_SEND_RATE,
};
use crate::kernel::{error::AwsError, service::Cx, time::rfc5322};

/// The mailbox simulator's addresses: accepted in the sandbox without verification.
pub const SIMULATOR: &[&str] = &[
    "success@simulator.amazonses.com",
    "bounce@simulator.amazonses.com",
    "complaint@simulator.amazonses.com",
    "ooto@simulator.amazonses.com",
    "suppressionlist@simulator.amazonses.com",
];

/// Whether `address` is one of the mailbox simulator's (labels after `+` allowed, as AWS allows).
pub fn is_simulator(address: &str) -> bool {
    let a = address.to_ascii_lowercase();
    let Some((local, domain)) = a.rsplit_once('@') else { return false };
    let local = local.split('+').next().unwrap_or(local);
    domain == "simulator.amazonses.com" && SIMULATOR.iter().any(|s| s.split('@').next() == Some(local))
}

/// Most recipients (To + Cc + Bcc) one message may have.
pub const MAX_RECIPIENTS: usize = 50;

/// A message ready to deliver (or to show as text).
#[derive(Debug, Clone)]
pub struct Composed {
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub reply_to: Vec<String>,
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    pub message_id: Option<String>,
    pub date_ms: Option<i64>,
}

/// The message as MIME text (TestRenderEmailTemplate's RenderedTemplate, the headers the inbox
/// shows for Simple and Template content).
pub fn compose(m: &Composed) -> String {
    let mut out = String::new();
    for (k, v) in headers(m) {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    let part = |ty: &str, body: &str| format!("Content-Type: {ty}; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{body}\r\n");
    match (&m.text, &m.html) {
        (Some(t), Some(h)) => {
            let b = "----=_Part_gureum";
            out.push_str(&format!("Content-Type: multipart/alternative; boundary=\"{b}\"\r\n\r\n--{b}\r\n{}--{b}\r\n{}--{b}--\r\n", part("text/plain", t), part("text/html", h)));
        }
        (Some(t), None) => out.push_str(&part("text/plain", t)),
        (None, Some(h)) => out.push_str(&part("text/html", h)),
        (None, None) => out.push_str("\r\n"),
    }
    out
}

fn headers(m: &Composed) -> Vec<(String, String)> {
    let mut h = Vec::new();
    if let Some(ms) = m.date_ms {
        h.push(("Date".to_string(), rfc5322(ms)));
    }
    if !m.from.is_empty() {
        h.push(("From".into(), m.from.clone()));
    }
    if !m.reply_to.is_empty() {
        h.push(("Reply-To".into(), m.reply_to.join(", ")));
    }
    if !m.to.is_empty() {
        h.push(("To".into(), m.to.join(", ")));
    }
    if !m.cc.is_empty() {
        h.push(("Cc".into(), m.cc.join(", ")));
    }
    if let Some(id) = &m.message_id {
        h.push(("Message-ID".into(), format!("<{id}@email.amazonses.com>")));
    }
    h.push(("Subject".into(), m.subject.clone()));
    h.push(("MIME-Version".into(), "1.0".into()));
    h
}

fn check_address(a: &str) -> Result<(), AwsError> {
    let bare = mime::bare_address(a);
    if !bare.contains('@') {
        return Err(bad_request(format!("Missing final '@domain' in address {a}.")));
    }
    if !identities::valid_address(&bare.to_ascii_lowercase()) {
        return Err(bad_request(format!("Illegal address {a}.")));
    }
    Ok(())
}

/// `Content.Simple`: Subject, Body (Text, Html), Headers.
fn simple(v: &Value) -> Result<(String, Option<String>, Option<String>, Vec<(String, String)>), AwsError> {
    refuse_members(v, &["Attachments"])?;
    let data = |o: Option<&Value>, what: &str| -> Result<Option<String>, AwsError> {
        match o {
            None | Some(Value::Null) => Ok(None),
            Some(c) => {
                let charset = opt_str(c, "Charset")?;
                if let Some(cs) = charset {
                    if !["utf-8", "utf8", "us-ascii", "iso-8859-1"].contains(&cs.to_ascii_lowercase().as_str()) {
                        return Err(bad_request(format!("{what}.Charset {cs} is not supported in the Gureum sandbox (use UTF-8).")));
                    }
                }
                Ok(Some(opt_str(c, "Data")?.ok_or_else(|| bad_request(format!("{what}.Data is required.")))?.to_string()))
            }
        }
    };
    let subject = data(v.get("Subject"), "Subject")?.ok_or_else(|| bad_request("Subject is required."))?;
    let body = opt_obj(v, "Body")?.ok_or_else(|| bad_request("Body is required."))?;
    let text = data(body.get("Text"), "Body.Text")?;
    let html = data(body.get("Html"), "Body.Html")?;
    Ok((subject, text, html, message_headers(v)?))
}

/// `Headers`: extra headers of Simple and Template content.
fn message_headers(v: &Value) -> Result<Vec<(String, String)>, AwsError> {
    match v.get("Headers") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|h| match (h.get("Name").and_then(Value::as_str), h.get("Value").and_then(Value::as_str)) {
                (Some(n), Some(v)) if !n.is_empty() && !n.contains([':', ' ']) => Ok((n.to_string(), v.to_string())),
                _ => Err(bad_request("Each header must have a Name and a Value.")),
            })
            .collect(),
        Some(_) => Err(bad_request("Headers must be a list.")),
    }
}

pub fn send_email(cx: &mut Cx, region: &mut Region, input: &Value) -> Result<Value, AwsError> {
    refuse_members(input, &["ConfigurationSetName", "ListManagementOptions", "EndpointId", "FromEmailAddressIdentityArn", "FeedbackForwardingEmailAddressIdentityArn"])?;
    if let Some(tags) = input.get("EmailTags").filter(|t| !t.is_null()) {
        // Message tags only reach event destinations of a configuration set, which the sandbox
        // does not have; their shape is still checked.
        let ok = tags.as_array().is_some_and(|a| a.iter().all(|t| t.get("Name").and_then(Value::as_str).is_some() && t.get("Value").and_then(Value::as_str).is_some()));
        if !ok {
            return Err(bad_request("Each email tag must have a Name and a Value."));
        }
    }
    let content = opt_obj(input, "Content")?.ok_or_else(|| bad_request("Content is required."))?;
    let kinds: Vec<&str> = ["Simple", "Raw", "Template"].into_iter().filter(|k| content.get(*k).is_some_and(|v| !v.is_null())).collect();
    if kinds.len() != 1 {
        return Err(bad_request("Content must contain exactly one of Simple, Raw or Template."));
    }
    let destination = opt_obj(input, "Destination")?;
    let (mut to, mut cc, mut bcc) = match destination {
        Some(d) => (str_list(d, "ToAddresses")?, str_list(d, "CcAddresses")?, str_list(d, "BccAddresses")?),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let mut from = opt_str(input, "FromEmailAddress")?.map(str::to_string);
    let mut reply_to = str_list(input, "ReplyToAddresses")?;
    let feedback = opt_str(input, "FeedbackForwardingEmailAddress")?.map(str::to_string);
    let mut raw_headers = None;
    let mut render_failed = false;
    let (subject, text, html, extra_headers) = match kinds[0] {
        "Simple" => simple(&content["Simple"])?,
        "Raw" => {
            let raw = &content["Raw"];
            let data = opt_str(raw, "Data")?.ok_or_else(|| bad_request("Raw.Data is required."))?;
            let bytes = B64.decode(data.trim()).map_err(|_| bad_request("Raw.Data must be base64-encoded."))?;
            let parsed = mime::parse(&bytes);
            if from.is_none() {
                from = parsed.header("From").map(str::to_string);
            }
            if destination.is_none() {
                to = parsed.header("To").map(mime::address_list).unwrap_or_default();
                cc = parsed.header("Cc").map(mime::address_list).unwrap_or_default();
                bcc = parsed.header("Bcc").map(mime::address_list).unwrap_or_default();
            }
            if reply_to.is_empty() {
                reply_to = parsed.header("Reply-To").map(mime::address_list).unwrap_or_default();
            }
            let subject = parsed.header("Subject").unwrap_or("").to_string();
            let headers: Vec<(String, String)> = parsed.headers.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("Bcc")).cloned().collect();
            raw_headers = Some(headers);
            (subject, parsed.text, parsed.html, Vec::new())
        }
        _ => {
            let t = &content["Template"];
            refuse_members(t, &["Attachments"])?;
            let headers = message_headers(t)?;
            let data = templates::data(opt_str(t, "TemplateData")?.ok_or_else(|| bad_request("TemplateData is required."))?)?;
            let template = match (opt_str(t, "TemplateName")?, opt_str(t, "TemplateArn")?, opt_obj(t, "TemplateContent")?) {
                (Some(name), None, None) => region.templates.get(name).cloned().ok_or_else(|| not_found(format!("Template {name} does not exist.")))?,
                (None, Some(arn), None) => {
                    let name = arn.rsplit_once(":template/").map(|(_, n)| n).ok_or_else(|| bad_request(format!("Invalid template ARN {arn}.")))?;
                    region.templates.get(name).cloned().ok_or_else(|| not_found(format!("Template {name} does not exist.")))?
                }
                (None, None, Some(c)) => {
                    let (subject, text, html) = templates::content(c)?;
                    super::state::Template { name: String::new(), subject, text, html, created_ms: cx.now_ms }
                }
                _ => return Err(bad_request("Template must name exactly one of TemplateName, TemplateArn or TemplateContent.")),
            };
            match templates::render_all(&template, &data) {
                Ok((s, tx, h)) => (s, tx, h, headers),
                Err(templates::RenderError::Unsupported(tag)) => return Err(templates::RenderError::Unsupported(tag).into_aws()),
                // As on AWS, a missing attribute fails the rendering after the message was
                // accepted (a Rendering Failure event): the message is never delivered.
                Err(templates::RenderError::Missing(_)) => {
                    render_failed = true;
                    (String::new(), None, None, headers)
                }
            }
        }
    };
    let from = from.ok_or_else(|| bad_request("FromEmailAddress is required."))?;
    check_address(&from)?;
    for a in to.iter().chain(&cc).chain(&bcc).chain(&reply_to) {
        check_address(a)?;
    }
    let recipients: Vec<String> = to.iter().chain(&cc).chain(&bcc).map(|a| mime::bare_address(a)).collect();
    if recipients.is_empty() {
        return Err(bad_request("Destination must contain at least one recipient."));
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(message_rejected(format!("Recipient count exceeds {MAX_RECIPIENTS}.")));
    }
    // The sandbox: the sender and every recipient must be verified (simulator addresses aside).
    let from_bare = mime::bare_address(&from);
    let sender_identity = identities::verifying_identity(region, &from_bare);
    let mut failed: Vec<String> = Vec::new();
    if sender_identity.is_none() {
        failed.push(from.clone());
    }
    for (shown, bare) in to.iter().chain(&cc).chain(&bcc).zip(&recipients) {
        if !is_simulator(bare) && identities::verifying_identity(region, bare).is_none() && !failed.contains(shown) {
            failed.push(shown.clone());
        }
    }
    if !failed.is_empty() {
        return Err(message_rejected(format!(
            "Email address is not verified. The following identities failed the check in region {}: {}",
            cx.region.to_ascii_uppercase(),
            failed.join(", ")
        )));
    }
    region.log.trim(cx.now_ms);
    if region.log.sent_last_24h(cx.now_ms) + recipients.len() as u64 > MAX_24_HOUR_SEND {
        return Err(AwsError::new("", "ThrottlingException", "Daily message quota exceeded.", 400));
    }
    let message_id = format!("0100{:012x}-{}-000000", cx.now_ms.max(0), cx.rng.uuid());
    region.log.sends.push((cx.now_ms, recipients.len() as u64));
    cx.journal.put_json(account_key(cx.region), &region.log);
    if render_failed {
        return Ok(json!({ "MessageId": message_id }));
    }
    let composed = Composed { from: from.clone(), to: to.clone(), cc: cc.clone(), reply_to, subject, text, html, message_id: Some(message_id.clone()), date_ms: Some(cx.now_ms) };
    let mut all_headers = raw_headers.unwrap_or_else(|| headers(&composed));
    all_headers.extend(extra_headers);
    let source = match cx.code_function {
        Some(f) => format!("SendEmail from the Lambda function {f}"),
        None => "SendEmail".to_string(),
    };
    let mut seen: Vec<String> = Vec::new();
    for r in &recipients {
        let mailbox = r.to_ascii_lowercase();
        if seen.contains(&mailbox) {
            continue;
        }
        seen.push(mailbox.clone());
        inbox::deliver(cx, region, &composed, &all_headers, &mailbox, &source, sender_identity.clone(), None);
        simulate(cx, region, &composed, &mailbox, feedback.as_deref().unwrap_or(&from_bare));
    }
    Ok(json!({ "MessageId": message_id }))
}

/// What the mailbox simulator sends back to the sender: a bounce, a complaint, an automatic
/// reply.
fn simulate(cx: &mut Cx, region: &mut Region, sent: &Composed, mailbox: &str, sender: &str) {
    if !is_simulator(mailbox) {
        return;
    }
    let local = mailbox.split(['@', '+']).next().unwrap_or("");
    let (from, subject, text) = match local {
        "bounce" | "suppressionlist" => (
            "MAILER-DAEMON@amazonses.com",
            "Delivery Status Notification (Failure)".to_string(),
            format!(
                "An error occurred while trying to deliver the mail to the following recipients:\n{mailbox}\n\n(Simulated by the SES mailbox simulator: {}.)",
                if local == "bounce" { "550 5.1.1 user unknown" } else { "the address is on the suppression list" }
            ),
        ),
        "complaint" => (
            "complaints@email-abuse.amazonses.com",
            format!("Complaint: {}", sent.subject),
            format!("The recipient {mailbox} marked your message \"{}\" as spam (simulated by the SES mailbox simulator).", sent.subject),
        ),
        "ooto" => (
            "ooto@simulator.amazonses.com",
            format!("Out of the office: {}", sent.subject),
            "I am out of the office and will reply when I am back (simulated by the SES mailbox simulator).".to_string(),
        ),
        _ => return,
    };
    let reply = Composed {
        from: from.into(),
        to: vec![sender.to_string()],
        cc: vec![],
        reply_to: vec![],
        subject,
        text: Some(text),
        html: None,
        message_id: None,
        date_ms: Some(cx.now_ms),
    };
    let h = headers(&reply);
    inbox::deliver(cx, region, &reply, &h, &sender.to_ascii_lowercase(), "SES mailbox simulator", None, None);
}

pub fn get_account(cx: &mut Cx, region: &mut Region) -> Value {
    json!({
        "DedicatedIpAutoWarmupEnabled": false,
        "EnforcementStatus": "HEALTHY",
        "ProductionAccessEnabled": false,
        "SendQuota": { "Max24HourSend": MAX_24_HOUR_SEND as f64, "MaxSendRate": MAX_SEND_RATE as f64, "SentLast24Hours": region.log.sent_last_24h(cx.now_ms) as f64 },
        "SendingEnabled": true,
        "SuppressionAttributes": { "SuppressedReasons": [] },
    })
}
