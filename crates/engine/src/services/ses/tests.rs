//! SES v2 in the sandbox: identities and their verification, the sandbox's sending rules, the
//! mailbox simulator, Raw and Template content, the daily quota, and the inbox.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::{
    store::{encode_batch, Image},
    Engine, EngineConfig, Request,
};

const T0: i64 = 1_000_000;

struct Sb {
    e: Engine,
    t: i64,
    img: Image,
}

impl Sb {
    fn new() -> Self {
        Sb { e: Engine::new(EngineConfig::default(), T0), t: T0, img: Image::default() }
    }

    fn call(&mut self, op: &str, input: Value) -> Result<Value, crate::AwsError> {
        let r = self.e.call(self.t, &Request::new("email", op, "us-east-1", input));
        self.commit();
        r
    }

    fn ok(&mut self, op: &str, input: Value) -> Value {
        self.call(op, input).unwrap_or_else(|err| panic!("{op} failed: {err}"))
    }

    /// (error code, HTTP status, message); the failed call changed nothing.
    fn err(&mut self, op: &str, input: Value) -> (String, u16, String) {
        self.commit();
        let er = self.call(op, input).expect_err("expected an error");
        (er.kind, er.status, er.message)
    }

    fn control(&mut self, op: &str, input: Value) -> Result<Value, crate::AwsError> {
        let r = self.e.control(self.t, &format!("ses:{op}"), &input);
        self.commit();
        r
    }

    fn inbox(&mut self, mailbox: &str) -> Vec<Value> {
        let out = self.control("ListInboxMessages", json!({ "Mailbox": mailbox })).expect("list");
        out["Messages"].as_array().cloned().unwrap_or_default()
    }

    fn advance(&mut self, seconds: f64) {
        self.e.control(self.t, "AdvanceClock", &json!({ "seconds": seconds })).expect("advance");
        self.commit();
    }

    fn commit(&mut self) {
        let changes = self.e.take_changes();
        if !changes.is_empty() {
            self.img.apply_segment(&encode_batch(&changes)).expect("apply");
        }
    }

    /// Creates an address identity and follows its verification email's link.
    fn verified(&mut self, address: &str) {
        self.ok("CreateEmailIdentity", json!({ "EmailIdentity": address }));
        let mail = self.inbox(address).into_iter().find(|m| m["Verifies"] == address).expect("verification email");
        self.control("VerifyEmailIdentity", json!({ "Id": mail["Id"] })).expect("verify");
    }
}

fn simple(from: &str, to: &[&str], subject: &str) -> Value {
    json!({
        "FromEmailAddress": from,
        "Destination": { "ToAddresses": to },
        "Content": { "Simple": { "Subject": { "Data": subject, "Charset": "UTF-8" }, "Body": { "Text": { "Data": "plain" }, "Html": { "Data": "<b>html</b>" } } } },
    })
}

#[test]
fn address_identities_are_verified_through_the_inbox() {
    let mut s = Sb::new();
    let out = s.ok("CreateEmailIdentity", json!({ "EmailIdentity": "Sender@Example.com", "Tags": [{ "Key": "team", "Value": "web" }] }));
    assert_eq!(out, json!({ "IdentityType": "EMAIL_ADDRESS", "VerifiedForSendingStatus": false }));
    let (kind, status, msg) = s.err("CreateEmailIdentity", json!({ "EmailIdentity": "sender@example.com" }));
    assert_eq!((kind.as_str(), status, msg.as_str()), ("AlreadyExistsException", 400, "Email identity sender@example.com already exist."));
    let got = s.ok("GetEmailIdentity", json!({ "EmailIdentity": "sender@example.com" }));
    assert_eq!(got["VerificationStatus"], "PENDING");
    assert_eq!(got["VerifiedForSendingStatus"], false);
    assert_eq!(got["Tags"], json!([{ "Key": "team", "Value": "web" }]));
    assert_eq!(got["DkimAttributes"]["Status"], "NOT_STARTED");

    let mails = s.inbox("sender@example.com");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["Subject"], "Amazon Web Services – Email Address Verification Request in region US East (N. Virginia)");
    assert_eq!(mails[0]["Read"], false);
    let full = s.control("GetInboxMessage", json!({ "Id": mails[0]["Id"] })).expect("get");
    assert!(full["Text"].as_str().unwrap_or("").contains("expires 24 hours"), "{full}");
    assert_eq!(full["VerificationStatus"], "PENDING");
    assert_eq!(s.inbox("sender@example.com")[0]["Read"], true);
    let v = s.control("VerifyEmailIdentity", json!({ "Id": mails[0]["Id"] })).expect("verify");
    assert_eq!(v["VerificationStatus"], "SUCCESS");
    let listed = s.ok("ListEmailIdentities", json!({}));
    assert_eq!(
        listed["EmailIdentities"],
        json!([{ "IdentityType": "EMAIL_ADDRESS", "IdentityName": "sender@example.com", "SendingEnabled": true, "VerificationStatus": "SUCCESS" }])
    );

    // A link older than 24 hours has expired, and the identity has failed.
    s.ok("CreateEmailIdentity", json!({ "EmailIdentity": "late@example.com" }));
    s.advance(86_401.0);
    assert_eq!(s.ok("GetEmailIdentity", json!({ "EmailIdentity": "late@example.com" }))["VerificationStatus"], "FAILED");
    let id = s.inbox("late@example.com")[0]["Id"].clone();
    let e = s.control("VerifyEmailIdentity", json!({ "Id": id })).expect_err("expired");
    assert!(e.message.contains("expired"), "{e}");

    s.ok("DeleteEmailIdentity", json!({ "EmailIdentity": "sender@example.com" }));
    let (kind, status, msg) = s.err("GetEmailIdentity", json!({ "EmailIdentity": "sender@example.com" }));
    assert_eq!((kind.as_str(), status, msg.as_str()), ("NotFoundException", 404, "Email identity sender@example.com does not exist."));
    assert_eq!(s.err("DeleteEmailIdentity", json!({ "EmailIdentity": "sender@example.com" })).0, "NotFoundException");
    for bad in ["no-at-sign", "a@b", "two@@example.com", "-x.example.com", ""] {
        assert_eq!(s.err("CreateEmailIdentity", json!({ "EmailIdentity": bad })).0, "BadRequestException", "{bad}");
    }
    assert_eq!(s.err("CreateEmailIdentity", json!({ "EmailIdentity": "x@example.com", "ConfigurationSetName": "c" })).0, "BadRequestException");
}

#[test]
fn domains_verify_after_a_short_virtual_delay_and_verify_their_addresses() {
    let mut s = Sb::new();
    let out = s.ok("CreateEmailIdentity", json!({ "EmailIdentity": "example.com" }));
    assert_eq!(out["IdentityType"], "DOMAIN");
    assert_eq!(out["DkimAttributes"]["Tokens"].as_array().map(Vec::len), Some(3));
    s.verified("ada@gmail.com");
    let (kind, _, msg) = s.err("SendEmail", simple("hello@example.com", &["ada@gmail.com"], "Hi"));
    assert_eq!(kind, "MessageRejected");
    assert_eq!(msg, "Email address is not verified. The following identities failed the check in region US-EAST-1: hello@example.com");
    s.advance(11.0);
    let got = s.ok("GetEmailIdentity", json!({ "EmailIdentity": "example.com" }));
    assert_eq!((got["VerificationStatus"].clone(), got["DkimAttributes"]["Status"].clone()), (json!("SUCCESS"), json!("SUCCESS")));
    let sent = s.ok("SendEmail", simple("Hello <hello@example.com>", &["ada@gmail.com"], "Hi"));
    let id = sent["MessageId"].as_str().unwrap_or_default();
    // 0100 + 12 hex digits of the time, a UUID, -000000.
    assert_eq!(id.len(), 16 + 1 + 36 + 7, "{id}");
    assert!(id.starts_with("0100") && id.ends_with("-000000"), "{id}");
    let mail = s.inbox("ada@gmail.com").into_iter().find(|m| m["Subject"] == "Hi").expect("delivered");
    assert_eq!(mail["From"], "Hello <hello@example.com>");
    assert_eq!(mail["MessageId"], id);
    let full = s.control("GetInboxMessage", json!({ "Id": mail["Id"] })).expect("get");
    assert_eq!((full["Text"].clone(), full["Html"].clone(), full["Identity"].clone()), (json!("plain"), json!("<b>html</b>"), json!("example.com")));
    assert!(full["Headers"].as_array().is_some_and(|h| h.iter().any(|x| x["Name"] == "Message-ID")), "{full}");
}

#[test]
fn the_sandbox_requires_verified_recipients_except_the_simulator() {
    let mut s = Sb::new();
    s.verified("me@example.com");
    let (kind, status, msg) = s.err("SendEmail", simple("me@example.com", &["ada@example.org", "Bob <bob@example.org>"], "x"));
    assert_eq!((kind.as_str(), status), ("MessageRejected", 400));
    assert_eq!(msg, "Email address is not verified. The following identities failed the check in region US-EAST-1: ada@example.org, Bob <bob@example.org>");
    let (_, _, msg) = s.err("SendEmail", simple("other@example.com", &["me@example.com"], "x"));
    assert!(msg.ends_with(": other@example.com"), "{msg}");

    // The mailbox simulator: accepted unverified; bounce and complaint report back to the sender.
    s.ok("SendEmail", simple("me@example.com", &["success@simulator.amazonses.com", "bounce@simulator.amazonses.com", "complaint+x@simulator.amazonses.com"], "Sim"));
    assert_eq!(s.inbox("success@simulator.amazonses.com").len(), 1);
    let back: Vec<String> = s.inbox("me@example.com").iter().map(|m| m["Subject"].as_str().unwrap_or("").to_string()).collect();
    assert!(back.contains(&"Delivery Status Notification (Failure)".to_string()), "{back:?}");
    assert!(back.contains(&"Complaint: Sim".to_string()), "{back:?}");

    // Cc and Bcc recipients get their copies; Bcc is not shown.
    s.verified("cc@example.com");
    s.verified("bcc@example.com");
    s.ok(
        "SendEmail",
        json!({ "FromEmailAddress": "me@example.com", "Destination": { "ToAddresses": ["me@example.com"], "CcAddresses": ["cc@example.com"], "BccAddresses": ["bcc@example.com"] }, "Content": { "Simple": { "Subject": { "Data": "All" }, "Body": { "Text": { "Data": "t" } } } } }),
    );
    let copy = s.inbox("bcc@example.com").into_iter().find(|m| m["Subject"] == "All").expect("bcc copy");
    let full = s.control("GetInboxMessage", json!({ "Id": copy["Id"] })).expect("get");
    assert_eq!(full["Cc"], json!(["cc@example.com"]));
    assert!(!full.to_string().contains("bcc@example.com\"]"), "Bcc is not in the headers");

    for (input, want) in [
        (json!({ "FromEmailAddress": "me@example.com", "Destination": { "ToAddresses": ["me@example.com"] } }), "BadRequestException"),
        (json!({ "FromEmailAddress": "me@example.com", "Content": { "Simple": { "Subject": { "Data": "s" }, "Body": {} } } }), "BadRequestException"),
        (
            json!({ "FromEmailAddress": "nope", "Destination": { "ToAddresses": ["me@example.com"] }, "Content": { "Simple": { "Subject": { "Data": "s" }, "Body": {} } } }),
            "BadRequestException",
        ),
        (
            json!({ "FromEmailAddress": "me@example.com", "Destination": { "ToAddresses": ["me@example.com"] }, "Content": { "Simple": { "Subject": { "Data": "s" }, "Body": {} }, "Raw": { "Data": "" } } }),
            "BadRequestException",
        ),
        (
            json!({ "FromEmailAddress": "me@example.com", "Destination": { "ToAddresses": ["me@example.com"] }, "ConfigurationSetName": "x", "Content": { "Simple": { "Subject": { "Data": "s" }, "Body": {} } } }),
            "BadRequestException",
        ),
        (json!({ "FromEmailAddress": 5 }), "BadRequestException"),
    ] {
        assert_eq!(s.err("SendEmail", input.clone()).0, want, "{input}");
    }
    let many: Vec<String> = (0..51).map(|i| format!("u{i}@simulator.amazonses.com")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(s.err("SendEmail", simple("me@example.com", &refs, "x")).2, "Recipient count exceeds 50.");
}

#[test]
fn raw_messages_are_parsed_for_the_inbox() {
    let mut s = Sb::new();
    s.ok("CreateEmailIdentity", json!({ "EmailIdentity": "example.com" }));
    s.advance(11.0);
    let raw = "From: Shop <shop@example.com>\r\nTo: ada@example.com\r\nBcc: hidden@example.com\r\nSubject: =?UTF-8?B?7KO866y4IO2ZleyduA==?=\r\nContent-Type: multipart/alternative; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour order\r\n--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Your order</p>\r\n--XX--\r\n";
    s.ok("SendEmail", json!({ "Content": { "Raw": { "Data": B64.encode(raw) } } }));
    let mail = s.inbox("ada@example.com");
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0]["Subject"], "주문 확인");
    assert_eq!(s.inbox("hidden@example.com").len(), 1, "Bcc header recipients get a copy");
    let full = s.control("GetInboxMessage", json!({ "Id": mail[0]["Id"] })).expect("get");
    assert_eq!((full["Text"].clone(), full["Html"].clone()), (json!("Your order"), json!("<p>Your order</p>")));
    assert!(!full["Headers"].to_string().contains("hidden@"), "Bcc header is not shown");
    assert_eq!(s.err("SendEmail", json!({ "Content": { "Raw": { "Data": "!!" } } })).0, "BadRequestException");
}

#[test]
fn templates_render_into_the_inbox() {
    let mut s = Sb::new();
    s.verified("me@example.com");
    let content = json!({ "Subject": "Welcome, {{name}}!", "Text": "Hi {{name}} from {{team.city}}", "Html": "<h1>Hi {{name}}</h1>" });
    s.ok("CreateEmailTemplate", json!({ "TemplateName": "welcome", "TemplateContent": content }));
    assert_eq!(s.err("CreateEmailTemplate", json!({ "TemplateName": "welcome", "TemplateContent": content })).0, "AlreadyExistsException");
    assert_eq!(s.ok("GetEmailTemplate", json!({ "TemplateName": "welcome" })), json!({ "TemplateName": "welcome", "TemplateContent": content }));
    let send = |data: &str| json!({ "FromEmailAddress": "me@example.com", "Destination": { "ToAddresses": ["me@example.com"] }, "Content": { "Template": { "TemplateName": "welcome", "TemplateData": data } } });
    s.ok("SendEmail", send(r#"{"name": "Ada & co", "team": {"city": "Seoul"}}"#));
    let mail = s.inbox("me@example.com").into_iter().find(|m| m["Subject"] == "Welcome, Ada & co!").expect("rendered");
    let full = s.control("GetInboxMessage", json!({ "Id": mail["Id"] })).expect("get");
    assert_eq!((full["Text"].clone(), full["Html"].clone()), (json!("Hi Ada & co from Seoul"), json!("<h1>Hi Ada &amp; co</h1>")));
    // A missing attribute: accepted, then the rendering fails and nothing is delivered.
    let before = s.inbox("me@example.com").len();
    assert!(s.ok("SendEmail", send(r#"{"name": "x"}"#))["MessageId"].is_string());
    assert_eq!(s.inbox("me@example.com").len(), before);
    let (kind, _, msg) = s.err("TestRenderEmailTemplate", json!({ "TemplateName": "welcome", "TemplateData": "{\"name\":\"x\"}" }));
    assert_eq!((kind.as_str(), msg.as_str()), ("BadRequestException", "Attribute 'team.city' is not present in the rendering data."));
    let r = s.ok("TestRenderEmailTemplate", json!({ "TemplateName": "welcome", "TemplateData": "{\"name\":\"x\",\"team\":{\"city\":\"c\"}}" }));
    assert!(r["RenderedTemplate"].as_str().unwrap_or("").contains("Subject: Welcome, x!"), "{r}");
    assert_eq!(s.err("SendEmail", send("not json")).0, "BadRequestException");
    assert_eq!(s.err("SendEmail", json!({ "FromEmailAddress": "me@example.com", "Destination": { "ToAddresses": ["me@example.com"] }, "Content": { "Template": { "TemplateName": "nope", "TemplateData": "{}" } } })).0, "NotFoundException");

    s.ok("UpdateEmailTemplate", json!({ "TemplateName": "welcome", "TemplateContent": { "Subject": "v2", "Text": "t" } }));
    assert_eq!(s.ok("GetEmailTemplate", json!({ "TemplateName": "welcome" }))["TemplateContent"], json!({ "Subject": "v2", "Text": "t" }));
    s.ok("CreateEmailTemplate", json!({ "TemplateName": "b", "TemplateContent": { "Subject": "s", "Html": "h" } }));
    let page = s.ok("ListEmailTemplates", json!({ "PageSize": 1 }));
    assert_eq!(page["TemplatesMetadata"][0]["TemplateName"], "b");
    let next = s.ok("ListEmailTemplates", json!({ "PageSize": 1, "NextToken": page["NextToken"] }));
    assert_eq!(next["TemplatesMetadata"][0]["TemplateName"], "welcome");
    assert!(next.get("NextToken").is_none());
    s.ok("DeleteEmailTemplate", json!({ "TemplateName": "welcome" }));
    assert_eq!(s.err("GetEmailTemplate", json!({ "TemplateName": "welcome" })).0, "NotFoundException");
    assert_eq!(s.err("CreateEmailTemplate", json!({ "TemplateName": "bad name", "TemplateContent": content })).0, "BadRequestException");
}

#[test]
fn the_daily_quota_counts_recipients_on_the_virtual_clock() {
    let mut s = Sb::new();
    s.verified("me@example.com");
    let account = s.ok("GetAccount", json!({}));
    assert_eq!(account["ProductionAccessEnabled"], false);
    assert_eq!(account["SendQuota"], json!({ "Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0 }));
    let fifty: Vec<String> = (0..50).map(|i| format!("success+{i}@simulator.amazonses.com")).collect();
    let refs: Vec<&str> = fifty.iter().map(String::as_str).collect();
    for _ in 0..4 {
        s.ok("SendEmail", simple("me@example.com", &refs, "bulk"));
    }
    assert_eq!(s.ok("GetAccount", json!({}))["SendQuota"]["SentLast24Hours"], 200.0);
    let (kind, _, msg) = s.err("SendEmail", simple("me@example.com", &["success@simulator.amazonses.com"], "one more"));
    assert_eq!((kind.as_str(), msg.as_str()), ("ThrottlingException", "Daily message quota exceeded."));
    s.advance(86_400.0);
    assert_eq!(s.ok("GetAccount", json!({}))["SendQuota"]["SentLast24Hours"], 0.0);
    s.ok("SendEmail", simple("me@example.com", &["success@simulator.amazonses.com"], "one more"));
}

#[test]
fn inbox_control_operations_and_persistence() {
    let mut s = Sb::new();
    s.verified("me@example.com");
    s.ok("SendEmail", simple("me@example.com", &["me@example.com"], "Keep"));
    let d = s
        .control(
            "DeliverInboxMessage",
            json!({ "From": "no-reply@verificationemail.com", "To": ["new@example.com"], "Subject": "Your verification code", "Text": "123456", "Source": "Cognito" }),
        )
        .expect("deliver");
    assert_eq!(d["Ids"].as_array().map(Vec::len), Some(1));
    let all = s.control("ListInboxMessages", json!({})).expect("list");
    assert_eq!(all["Mailboxes"], json!([{ "Address": "me@example.com", "Messages": 2, "Unread": 2 }, { "Address": "new@example.com", "Messages": 1, "Unread": 1 }]));
    assert_eq!(all["Messages"][0]["Subject"], "Your verification code", "newest first");

    // Journal replay equals the snapshot, and a restored sandbox has the same inbox.
    assert_eq!(s.img.clone().into_records(), s.e.snapshot());
    let restored = Engine::restore(EngineConfig::default(), s.t, s.img.clone().into_records()).expect("restore");
    assert_eq!(restored.snapshot(), s.e.snapshot());
    let mut r = Sb { e: restored, t: s.t, img: s.img.clone() };
    assert_eq!(r.control("ListInboxMessages", json!({})).expect("list"), all);
    r.ok("SendEmail", simple("me@example.com", &["me@example.com"], "After restore"));
    let ids: Vec<u64> = r.inbox("me@example.com").iter().filter_map(|m| m["Id"].as_str()?.parse().ok()).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "message numbers go on after a restore");

    let id = s.inbox("me@example.com")[0]["Id"].clone();
    s.control("DeleteInboxMessage", json!({ "Id": id })).expect("delete");
    assert_eq!(s.control("GetInboxMessage", json!({ "Id": id })).expect_err("gone").kind, "NotFoundException");
    assert_eq!(s.control("GetInboxMessage", json!({ "Id": "x" })).expect_err("bad id").kind, "BadRequestException");
    assert_eq!(s.control("Nope", json!({})).expect_err("unknown").kind, "UnknownOperationException");
    assert_eq!(s.err("CreateConfigurationSet", json!({})).0, "UnknownOperationException");
    s.e.control(s.t, "Reset", &json!({})).expect("reset");
    assert_eq!(s.control("ListInboxMessages", json!({})).expect("list")["Messages"], json!([]));
}
