//! Inbox: the mail "sent" in the sandbox (Amazon SES), and the sender identities SES's sandbox
//! requires. Identities are SES v2 operations (CreateEmailIdentity, ListEmailIdentities,
//! DeleteEmailIdentity, GetAccount); the mailboxes are the `ses:*Inbox*` control operations.
//! A message's HTML part is shown in an iframe with an empty `sandbox` (no scripts, no forms,
//! no same-origin) and a Content-Security-Policy that blocks every remote load.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    notify::Notice,
    panels::{fn_util::short_time, functions::input_value},
};

fn sent_at(ms: &Value) -> String {
    short_time(&gureum_engine::kernel::time::iso8601(ms.as_i64().unwrap_or(0)))
}

/// What the iframe shows: the HTML part behind a policy that allows no scripts and no remote
/// resources (images only from `data:`), so a message can neither run code nor phone home.
fn safe_srcdoc(html: &str) -> String {
    format!(
        "<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\"><base target=\"_blank\"><style>body{{font-family:system-ui,sans-serif;margin:12px;color:#1d2433;word-wrap:break-word}}</style>{html}"
    )
}

/// The display name of a mailbox (`Amazon Web Services <no-reply-aws@amazon.com>` → `Amazon
/// Web Services`), else the address.
fn display_name(mailbox: &str) -> String {
    match mailbox.split_once('<') {
        Some((name, _)) if !name.trim().trim_matches('"').is_empty() => name.trim().trim_matches('"').to_string(),
        _ => mailbox.trim().trim_matches(['<', '>']).to_string(),
    }
}

fn status_class(status: &str) -> &'static str {
    match status {
        "SUCCESS" => "ok",
        "PENDING" => "creating",
        "FAILED" => "deleting",
        _ => "",
    }
}

#[function_component(Inbox)]
pub fn inbox() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let listing = use_state(|| None::<Value>);
    let mailbox = use_state(|| None::<String>);
    let selected = use_state(|| None::<String>);

    {
        let (listing, ctx2) = (listing.clone(), ctx.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.sim("ses:ListInboxMessages", json!({ "region": ctx2.region })).await {
                    Ok(v) => listing.set(Some(v)),
                    Err(e) => ctx2.error(&e),
                }
            });
            || ()
        });
    }
    {
        let selected = selected.clone();
        use_effect_with(ctx.region.clone(), move |_| {
            selected.set(None);
            || ()
        });
    }

    let mailboxes = listing.as_ref().and_then(|l| l["Mailboxes"].as_array().cloned()).unwrap_or_default();
    let messages: Vec<Value> = listing
        .as_ref()
        .and_then(|l| l["Messages"].as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter(|m| mailbox.as_ref().is_none_or(|b| m["Mailbox"].as_str() == Some(b.as_str())))
        .collect();
    let total_unread: u64 = mailboxes.iter().map(|b| b["Unread"].as_u64().unwrap_or(0)).sum();
    let pick_box = |b: Option<String>| {
        let (mailbox, selected) = (mailbox.clone(), selected.clone());
        Callback::from(move |_| {
            mailbox.set(b.clone());
            selected.set(None);
        })
    };
    let on_open_mailbox = {
        let (mailbox, selected) = (mailbox.clone(), selected.clone());
        Callback::from(move |address: String| {
            mailbox.set(Some(address));
            selected.set(None);
        })
    };

    html! {
        <section class="panel inbox">
            <header class="panel-head">
                <h1>{ "Inbox" }</h1><span class="aws-name">{ format!("Amazon SES · {}", ctx.region) }</span>
            </header>
            <Identities on_open_mailbox={on_open_mailbox} />
            <div class="inbox-layout">
                <nav class="mailboxes" aria-label="Mailboxes">
                    <h2>{ "Mailboxes" }</h2>
                    <button class={classes!("mailbox", mailbox.is_none().then_some("on"))} onclick={pick_box(None)}>
                        <span class="addr">{ "All mail" }</span>
                        if total_unread > 0 { <span class="count">{ total_unread }</span> }
                    </button>
                    { for mailboxes.iter().map(|b| {
                        let addr = b["Address"].as_str().unwrap_or_default().to_string();
                        let unread = b["Unread"].as_u64().unwrap_or(0);
                        html! {
                            <button class={classes!("mailbox", (mailbox.as_deref() == Some(addr.as_str())).then_some("on"))} title={addr.clone()} onclick={pick_box(Some(addr.clone()))}>
                                <span class="addr">{ addr.clone() }</span>
                                if unread > 0 { <span class="count" aria-label={format!("{unread} unread")}>{ unread }</span> }
                            </button>
                        }
                    }) }
                    if mailboxes.is_empty() {
                        <p class="hint">{ "Every address that gets mail in the sandbox has a mailbox here." }</p>
                    }
                </nav>
                <div class="message-list" role="list" aria-label="Messages">
                    if listing.is_none() {
                        <p class="muted">{ "Loading the inbox…" }</p>
                    } else if messages.is_empty() {
                        <div class="empty-state small">
                            <p><strong>{ "No mail yet." }</strong></p>
                            <p>{ "Mail that SES accepts in this sandbox lands here instead of going out: what your functions send with " }<code>{ "SendEmailCommand" }</code>{ ", what boto3 sends, and the verification emails of new identities." }</p>
                        </div>
                    }
                    { for messages.iter().map(|m| {
                        let id = m["Id"].as_str().unwrap_or_default().to_string();
                        let unread = m["Read"] == json!(false);
                        let on = selected.as_deref() == Some(id.as_str());
                        let sel = selected.clone();
                        let id2 = id.clone();
                        html! {
                            <button role="listitem" class={classes!("message-row", unread.then_some("unread"), on.then_some("on"))} onclick={Callback::from(move |_| sel.set(Some(id2.clone())))}>
                                <span class="from" title={m["From"].as_str().unwrap_or_default().to_string()}>{ display_name(m["From"].as_str().unwrap_or_default()) }</span>
                                <span class="when">{ sent_at(&m["SentAt"]) }</span>
                                <span class="subject">{ m["Subject"].as_str().filter(|s| !s.is_empty()).unwrap_or("(no subject)") }</span>
                                if mailbox.is_none() { <span class="to">{ format!("to {}", m["Mailbox"].as_str().unwrap_or_default()) }</span> }
                            </button>
                        }
                    }) }
                </div>
                <div class="message-view">
                    { match &*selected {
                        Some(id) => html! { <MessageView key={id.clone()} id={id.clone()} on_deleted={let s = selected.clone(); Callback::from(move |_| s.set(None))} /> },
                        None if messages.is_empty() => html! { <p class="muted pick">{ "Start by creating an identity above: SES sends each new address a verification email, and it arrives here." }</p> },
                        None => html! { <p class="muted pick">{ "Choose a message to read it." }</p> },
                    } }
                </div>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ViewProps {
    id: String,
    on_deleted: Callback<()>,
}

#[function_component(MessageView)]
fn message_view(p: &ViewProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let msg = use_state(|| None::<Value>);
    let reload = use_state(|| 0u32);
    let show_headers = use_state(|| false);
    {
        let (msg, ctx2, id) = (msg.clone(), ctx.clone(), p.id.clone());
        use_effect_with((p.id.clone(), *reload), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.sim("ses:GetInboxMessage", json!({ "region": ctx2.region, "Id": id })).await {
                    Ok(v) => msg.set(Some(v)),
                    Err(e) => ctx2.error(&e),
                }
            });
            || ()
        });
    }
    let Some(m) = &*msg else {
        return html! { <p class="muted">{ "Opening…" }</p> };
    };
    let delete = {
        let (ctx, id, done) = (ctx.clone(), p.id.clone(), p.on_deleted.clone());
        Callback::from(move |_| {
            let (ctx, id, done) = (ctx.clone(), id.clone(), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("ses:DeleteInboxMessage", json!({ "region": ctx.region, "Id": id })).await {
                    Ok(_) => done.emit(()),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let verify = {
        let (ctx, id, reload) = (ctx.clone(), p.id.clone(), reload.clone());
        Callback::from(move |_| {
            let (ctx, id, reload) = (ctx.clone(), id.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("ses:VerifyEmailIdentity", json!({ "region": ctx.region, "Id": id })).await {
                    Ok(v) => {
                        ctx.notify.emit(Notice::info(
                            "Address verified",
                            &format!("{} can now send and receive mail in the SES sandbox.", v["EmailIdentity"].as_str().unwrap_or_default()),
                        ));
                        reload.set(*reload + 1);
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let text = |k: &str| m[k].as_str().unwrap_or_default().to_string();
    let list = |k: &str| m[k].as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default();
    let html_part = m["Html"].as_str().map(str::to_string);
    let text_part = m["Text"].as_str().map(str::to_string);
    let verifies = m["Verifies"].as_str().map(str::to_string);
    let vstatus = text("VerificationStatus");
    html! {
        <article class="message" aria-label="Message">
            <div class="message-head">
                <h2>{ m["Subject"].as_str().filter(|s| !s.is_empty()).unwrap_or("(no subject)") }</h2>
                <button class="btn small danger" onclick={delete}>{ "Delete" }</button>
            </div>
            <dl class="message-meta">
                <dt>{ "From" }</dt><dd>{ text("From") }</dd>
                <dt>{ "To" }</dt><dd>{ list("To") }</dd>
                if !list("Cc").is_empty() { <dt>{ "Cc" }</dt><dd>{ list("Cc") }</dd> }
                if !list("ReplyTo").is_empty() { <dt>{ "Reply-To" }</dt><dd>{ list("ReplyTo") }</dd> }
                <dt>{ "Mailbox" }</dt><dd>{ text("Mailbox") }</dd>
                <dt>{ "Sent" }</dt><dd>{ format!("{} (simulated time, UTC)", sent_at(&m["SentAt"])) }</dd>
                <dt>{ "Sent by" }</dt><dd>{ text("Source") }{ m["Identity"].as_str().map(|i| format!(" · authorised by the verified identity {i}")).unwrap_or_default() }</dd>
                <dt>{ "Message ID" }</dt><dd><code>{ text("MessageId") }</code></dd>
            </dl>
            if let Some(identity) = verifies {
                <div class={classes!("verify-box", (vstatus == "SUCCESS").then_some("done"))}>
                    if vstatus == "SUCCESS" {
                        <p><span class="badge ok">{ "Verified" }</span>{ format!(" {identity} is verified: it can send, and receive in the sandbox.") }</p>
                    } else if vstatus == "DELETED" {
                        <p class="muted">{ format!("The identity {identity} was deleted.") }</p>
                    } else {
                        <p>{ "On AWS this email holds a link; following it proves you own the address." }</p>
                        <button class="btn primary" onclick={verify}>{ "Verify this address" }</button>
                    }
                </div>
            }
            if let Some(t) = text_part {
                <section class="part">
                    <h3>{ "Text part" }</h3>
                    <pre class="text-part">{ t }</pre>
                </section>
            }
            if let Some(h) = html_part {
                <section class="part">
                    <h3>{ "HTML part" }<span class="hint">{ " · shown without scripts or remote images" }</span></h3>
                    <iframe class="html-part" title="HTML part of the message" sandbox="" srcdoc={safe_srcdoc(&h)} />
                </section>
            }
            <button class="btn small" onclick={let s = show_headers.clone(); Callback::from(move |_| s.set(!*s))}>{ if *show_headers { "Hide headers" } else { "Show all headers" } }</button>
            if *show_headers {
                <pre class="headers">{ for m["Headers"].as_array().cloned().unwrap_or_default().iter().map(|h| format!("{}: {}\n", h["Name"].as_str().unwrap_or_default(), h["Value"].as_str().unwrap_or_default())) }</pre>
            }
        </article>
    }
}

#[derive(Properties, PartialEq)]
struct IdentitiesProps {
    on_open_mailbox: Callback<String>,
}

/// Sender identities and the account's sandbox status.
#[function_component(Identities)]
fn identities(p: &IdentitiesProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let list = use_state(|| None::<Vec<Value>>);
    let account = use_state(|| None::<Value>);
    let name = use_state(String::new);
    {
        let (list, account, ctx2) = (list.clone(), account.clone(), ctx.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut out = Vec::new();
                let mut token: Option<String> = None;
                loop {
                    let mut req = json!({});
                    if let Some(t) = &token {
                        req["NextToken"] = json!(t);
                    }
                    match ctx2.bridge.send("email", "ListEmailIdentities", req).await {
                        Ok(v) => {
                            out.extend(v["EmailIdentities"].as_array().cloned().unwrap_or_default());
                            match v.get("NextToken").and_then(Value::as_str) {
                                Some(t) => token = Some(t.to_string()),
                                None => break,
                            }
                        }
                        Err(e) => {
                            ctx2.error(&e);
                            break;
                        }
                    }
                }
                list.set(Some(out));
                if let Ok(a) = ctx2.bridge.send("email", "GetAccount", json!({})).await {
                    account.set(Some(a));
                }
            });
            || ()
        });
    }
    let create = {
        let (ctx, name) = (ctx.clone(), name.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let identity = name.trim().to_string();
            if identity.is_empty() {
                return;
            }
            let (ctx, name) = (ctx.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("email", "CreateEmailIdentity", json!({ "EmailIdentity": identity })).await {
                    Ok(v) => {
                        let how = if v["IdentityType"] == "DOMAIN" {
                            "Its DNS check passes after 10 seconds of simulated time (press Play or jump ahead); then every address of the domain is verified."
                        } else {
                            "SES sent it a verification email: open its mailbox below and press Verify this address."
                        };
                        ctx.notify.emit(Notice::info("Identity created", &format!("{identity} is pending verification. {how}")));
                        name.set(String::new());
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let quota = account.as_ref().map(|a| {
        let q = &a["SendQuota"];
        format!(
            "{} of {} messages sent in the last 24 hours · {} message per second",
            q["SentLast24Hours"].as_f64().unwrap_or(0.0),
            q["Max24HourSend"].as_f64().unwrap_or(0.0),
            q["MaxSendRate"].as_f64().unwrap_or(0.0)
        )
    });
    html! {
        <div class="card identities">
            <div class="identities-head">
                <h2>{ "Verified identities" }</h2>
                <span class="badge creating" title="ProductionAccessEnabled: false">{ "SES sandbox" }</span>
                if let Some(q) = quota { <span class="muted quota">{ q }</span> }
            </div>
            <p class="hint">{ "Like every new AWS account, this one is in the SES sandbox: the sender and every recipient must be verified identities (an address, or a whole domain), or SES answers MessageRejected. The mailbox simulator's addresses (success@simulator.amazonses.com, bounce@…, complaint@…, ooto@…) need no verification." }</p>
            <form class="identity-form" onsubmit={create} aria-label="Create identity">
                <input aria-label="New identity" placeholder="welcome@example.com or example.com" value={(*name).clone()} oninput={let n = name.clone(); Callback::from(move |e: InputEvent| n.set(input_value(&e)))} />
                <button type="submit" class="btn primary">{ "Create identity" }</button>
            </form>
            { match &*list {
                None => html! { <p class="muted">{ "Loading identities…" }</p> },
                Some(l) if l.is_empty() => html! {},
                Some(l) => html! {
                    <table class="grid identity-list">
                        <thead><tr><th>{ "Identity" }</th><th>{ "Type" }</th><th>{ "Status" }</th><th></th></tr></thead>
                        <tbody>
                            { for l.iter().map(|i| {
                                let n = i["IdentityName"].as_str().unwrap_or_default().to_string();
                                let status = i["VerificationStatus"].as_str().unwrap_or_default().to_string();
                                let is_domain = i["IdentityType"] == "DOMAIN";
                                let delete = {
                                    let (ctx, n) = (ctx.clone(), n.clone());
                                    Callback::from(move |_| {
                                        let (ctx, n) = (ctx.clone(), n.clone());
                                        wasm_bindgen_futures::spawn_local(async move {
                                            if let Err(e) = ctx.bridge.send("email", "DeleteEmailIdentity", json!({ "EmailIdentity": n })).await {
                                                ctx.error(&e);
                                            }
                                        });
                                    })
                                };
                                let open = {
                                    let (cb, n) = (p.on_open_mailbox.clone(), n.clone());
                                    Callback::from(move |_| cb.emit(n.clone()))
                                };
                                html! {
                                    <tr>
                                        <td>{ n.clone() }</td>
                                        <td>{ if is_domain { "Domain" } else { "Email address" } }</td>
                                        <td>
                                            <span class={classes!("badge", status_class(&status))}>{ status.clone() }</span>
                                            if status == "PENDING" && is_domain { <span class="hint">{ " DNS check in progress (10 s simulated)" }</span> }
                                            if status == "PENDING" && !is_domain { <button class="btn small link" onclick={open}>{ "Open the verification email" }</button> }
                                        </td>
                                        <td class="num"><button class="btn small danger" aria-label={format!("Delete identity {n}")} onclick={delete}>{ "Delete" }</button></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
        </div>
    }
}
