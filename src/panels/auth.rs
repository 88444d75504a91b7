//! Auth: Amazon Cognito user pools. The region's pools (ListUserPools) with a create form (name,
//! sign-in with a username or an email address, password policy, email verification) and
//! delete; a pool's page with tabs: Users and Groups ([`super::auth_users`]), App clients (here),
//! the Sign-in page ([`super::auth_signin`]), the Login flows ([`super::auth_try`]) and Triggers &
//! MFA ([`super::auth_triggers`]).
//!
//! The selected pool and tab live in the hash (`#/auth/{poolId}/{tab}`), read here so the
//! shell's route stays `Route::Auth`.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::{Ctx, Route},
    notify::Notice,
    panels::{
        auth_signin::SignInTab,
        auth_triggers::TriggersTab,
        auth_try::FlowsTab,
        auth_users::{Groups, Users},
        form::bind_text,
    },
};

fn hash_parts() -> (Option<String>, String) {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    let Some(rest) = hash.trim_start_matches('#').trim_start_matches('/').strip_prefix("auth/") else { return (None, String::new()) };
    let mut parts = rest.split('/');
    let id = parts.next().unwrap_or_default();
    let tab = parts.next().unwrap_or_default().to_string();
    ((!id.is_empty()).then(|| id.to_string()), tab)
}

pub fn pool_hash(id: Option<&str>, tab: &str) -> String {
    match (id, tab) {
        (Some(id), "") => format!("#/auth/{id}"),
        (Some(id), t) => format!("#/auth/{id}/{t}"),
        (None, _) => Route::Auth.hash(),
    }
}

fn set_hash(h: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(h);
    }
}

/// Epoch seconds (Cognito's dates) as `YYYY-MM-DD HH:MM` UTC.
pub fn date(v: &Value) -> String {
    let ms = v.as_f64().map(|s| (s * 1000.0) as i64).unwrap_or(0);
    let iso = gureum_engine::kernel::time::iso8601(ms);
    iso.get(..16).unwrap_or(&iso).replace('T', " ")
}

#[function_component(Auth)]
pub fn auth() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let list = use_state(|| None::<Vec<Value>>);
    let creating = use_state(|| false);
    let selected = use_state(|| hash_parts().0);
    {
        let selected = selected.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| gloo::events::EventListener::new(&w, "hashchange", move |_| selected.set(hash_parts().0)));
            move || drop(listener)
        });
    }
    {
        let (list, ctx2) = (list.clone(), ctx.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("cognito-idp", "ListUserPools", json!({"MaxResults": 60})).await {
                    Ok(v) => list.set(Some(v["UserPools"].as_array().cloned().unwrap_or_default())),
                    Err(e) => {
                        ctx2.error(&e);
                        list.set(Some(Vec::new()));
                    }
                }
            });
            || ()
        });
    }
    html! {
        <section class="panel auth">
            <header class="panel-head">
                <h1>{ "Auth" }</h1><span class="aws-name">{ format!("Amazon Cognito · user pools · {}", ctx.region) }</span>
                <div class="spacer" />
                <button class="btn primary" onclick={let c = creating.clone(); Callback::from(move |_| c.set(true))}>{ "Create user pool" }</button>
            </header>
            <p class="hint">
                { "A " }<strong>{ "user pool" }</strong>{ " is a directory of your app's users: they sign up, confirm with a code, and sign in to get " }
                <strong>{ "tokens" }</strong>{ " (signed JWTs) your API can check. An " }<strong>{ "app client" }</strong>
                { " is how one app talks to the pool, with the sign-in flows it may use." }
            </p>
            if *creating {
                <CreatePool on_close={let c = creating.clone(); Callback::from(move |_| c.set(false))} />
            }
            { match &*list {
                None => html! { <p class="muted">{ "Loading user pools…" }</p> },
                Some(l) if l.is_empty() => html! { <div class="empty-state"><p>{ "No user pools in this region yet. Create one: then an app client, and try the sign-in page." }</p></div> },
                Some(l) => html! {
                    <table class="grid pool-list" aria-label="User pools">
                        <thead><tr><th>{ "Name" }</th><th>{ "Pool ID" }</th><th>{ "Created" }</th><th></th></tr></thead>
                        <tbody>
                            { for l.iter().map(|p| {
                                let id = p["Id"].as_str().unwrap_or_default().to_string();
                                let name = p["Name"].as_str().unwrap_or_default().to_string();
                                let sel = selected.as_deref() == Some(id.as_str());
                                let delete = {
                                    let (ctx, id, name) = (ctx.clone(), id.clone(), name.clone());
                                    Callback::from(move |_| {
                                        let ok = web_sys::window().and_then(|w| w.confirm_with_message(&format!("Delete the user pool {name} with its users, groups and app clients?")).ok()).unwrap_or(false);
                                        if !ok { return; }
                                        let (ctx, id) = (ctx.clone(), id.clone());
                                        wasm_bindgen_futures::spawn_local(async move {
                                            match ctx.bridge.send("cognito-idp", "DeleteUserPool", json!({"UserPoolId": id})).await {
                                                Ok(_) => if hash_parts().0.as_deref() == Some(id.as_str()) { set_hash(&pool_hash(None, "")) },
                                                Err(e) => ctx.error(&e),
                                            }
                                        });
                                    })
                                };
                                html! {
                                    <tr class={classes!(sel.then_some("selected"))}>
                                        <td><a href={pool_hash(Some(&id), "")}>{ &name }</a></td>
                                        <td><code>{ &id }</code></td>
                                        <td>{ date(&p["CreationDate"]) }</td>
                                        <td><button class="btn small danger" onclick={delete} aria-label={format!("Delete {name}")}>{ "Delete" }</button></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
            { match &*selected {
                Some(id) => html! { <PoolDetail key={id.clone()} id={id.clone()} /> },
                None => html! {},
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CloseProps {
    on_close: Callback<()>,
}

#[function_component(CreatePool)]
fn create_pool(p: &CloseProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(String::new);
    let sign_in = use_state(|| "username".to_string());
    let min_length = use_state(|| "8".to_string());
    let checks = use_state(|| [true, true, true, false]);
    let verify_email = use_state(|| true);
    let busy = use_state(|| false);
    let submit = {
        let (ctx, name, sign_in, min_length, checks, verify_email, close, busy) =
            (ctx.clone(), name.clone(), sign_in.clone(), min_length.clone(), checks.clone(), verify_email.clone(), p.on_close.clone(), busy.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let [upper, lower, numbers, symbols] = *checks;
            let min: i64 = min_length.trim().parse().unwrap_or(8);
            let mut req = json!({
                "PoolName": name.trim(),
                "Policies": { "PasswordPolicy": { "MinimumLength": min, "RequireUppercase": upper, "RequireLowercase": lower, "RequireNumbers": numbers, "RequireSymbols": symbols } },
                "AutoVerifiedAttributes": if *verify_email { json!(["email"]) } else { json!([]) },
            });
            if *sign_in == "email" {
                req["UsernameAttributes"] = json!(["email"]);
            }
            let (ctx, close, busy) = (ctx.clone(), close.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("cognito-idp", "CreateUserPool", req).await {
                    Ok(v) => {
                        ctx.notify.emit(Notice::info("User pool created", "Next: create an app client, then sign up on the Sign-in page."));
                        close.emit(());
                        set_hash(&pool_hash(v["UserPool"]["Id"].as_str(), "clients"));
                    }
                    Err(e) => ctx.error(&e),
                }
                busy.set(false);
            });
        })
    };
    let check = |i: usize, label: &str| {
        let checks = checks.clone();
        let on = checks[i];
        html! {
            <label class="radio"><input type="checkbox" checked={on} onchange={Callback::from(move |_| { let mut c = *checks; c[i] = !c[i]; checks.set(c); })} />{ label.to_string() }</label>
        }
    };
    html! {
        <form class="card pool-form" onsubmit={submit} aria-label="Create user pool">
            <h2>{ "Create user pool" }</h2>
            <div class="field"><label for="pool-name">{ "Pool name" }</label><input id="pool-name" required=true value={(*name).clone()} oninput={bind_text(&name)} placeholder="my-app-users" /></div>
            <fieldset class="field">
                <legend>{ "Users sign in with" }</legend>
                { for [("username", "a username (email as an attribute)"), ("email", "their email address")].iter().map(|(v, l)| {
                    let s = sign_in.clone();
                    html! { <label class="radio"><input type="radio" name="pool-signin" checked={*sign_in == *v} onchange={Callback::from(move |_| s.set(v.to_string()))} />{ *l }</label> }
                }) }
            </fieldset>
            <fieldset class="field">
                <legend>{ "Password policy" }</legend>
                <label class="inline">{ "Minimum length " }<input type="number" min="6" max="99" aria-label="Minimum length" value={(*min_length).clone()} oninput={bind_text(&min_length)} /></label>
                { check(0, "uppercase letters") }{ check(1, "lowercase letters") }{ check(2, "numbers") }{ check(3, "symbols") }
            </fieldset>
            <label class="radio"><input type="checkbox" checked={*verify_email} onchange={let v = verify_email.clone(); Callback::from(move |_| v.set(!*v))} />
                { "Verify email addresses: sign-up sends a code to the Inbox (AutoVerifiedAttributes: email)" }</label>
            <div class="actions">
                <button type="submit" class="btn primary" disabled={*busy}>{ "Create user pool" }</button>
                <button type="button" class="btn" onclick={let c = p.on_close.clone(); Callback::from(move |_| c.emit(()))}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Users,
    Groups,
    Clients,
    SignIn,
    Flows,
    Triggers,
}

impl Tab {
    fn of(s: &str) -> Tab {
        match s {
            "groups" => Tab::Groups,
            "clients" => Tab::Clients,
            "signin" => Tab::SignIn,
            "flows" => Tab::Flows,
            "triggers" => Tab::Triggers,
            _ => Tab::Users,
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Tab::Users => "",
            Tab::Groups => "groups",
            Tab::Clients => "clients",
            Tab::SignIn => "signin",
            Tab::Flows => "flows",
            Tab::Triggers => "triggers",
        }
    }
}

#[derive(Properties, PartialEq)]
struct DetailProps {
    id: String,
}

#[function_component(PoolDetail)]
fn pool_detail(p: &DetailProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let pool = use_state(|| None::<Result<Value, String>>);
    let clients = use_state(Vec::<Value>::new);
    let tab = use_state(|| Tab::of(&hash_parts().1));
    {
        let tab = tab.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| gloo::events::EventListener::new(&w, "hashchange", move |_| tab.set(Tab::of(&hash_parts().1))));
            move || drop(listener)
        });
    }
    {
        let (ctx2, id, pool, clients) = (ctx.clone(), p.id.clone(), pool.clone(), clients.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("cognito-idp", "DescribeUserPool", json!({"UserPoolId": id})).await {
                    Ok(v) => pool.set(Some(Ok(v["UserPool"].clone()))),
                    Err(e) => {
                        pool.set(Some(Err(e.message)));
                        return;
                    }
                }
                if let Ok(v) = ctx2.bridge.send("cognito-idp", "ListUserPoolClients", json!({"UserPoolId": id, "MaxResults": 60})).await {
                    let mut full = Vec::new();
                    for c in v["UserPoolClients"].as_array().into_iter().flatten() {
                        if let Ok(d) = ctx2.bridge.send("cognito-idp", "DescribeUserPoolClient", json!({"UserPoolId": id, "ClientId": c["ClientId"]})).await {
                            full.push(d["UserPoolClient"].clone());
                        }
                    }
                    clients.set(full);
                }
            });
            || ()
        });
    }
    let pool = match &*pool {
        None => return html! { <p class="muted">{ "Loading the pool…" }</p> },
        Some(Err(m)) => return html! { <p class="muted">{ m }</p> },
        Some(Ok(v)) => v.clone(),
    };
    let tab_button = |t: Tab, label: &str| {
        let (tab, id) = (tab.clone(), p.id.clone());
        let on = *tab == t;
        html! {
            <button role="tab" aria-selected={on.to_string()} class={classes!("tab", on.then_some("on"))} onclick={Callback::from(move |_| {
                tab.set(t);
                if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
                    let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&pool_hash(Some(&id), t.slug())));
                }
            })}>{ label.to_string() }</button>
        }
    };
    let sign_in_with = if pool["UsernameAttributes"].as_array().is_some_and(|a| !a.is_empty()) { "email address" } else { "username" };
    let pp = &pool["Policies"]["PasswordPolicy"];
    let mut policy = vec![format!("at least {} characters", pp["MinimumLength"])];
    for (k, l) in [("RequireUppercase", "uppercase"), ("RequireLowercase", "lowercase"), ("RequireNumbers", "a number"), ("RequireSymbols", "a symbol")] {
        if pp[k] == true {
            policy.push(l.to_string());
        }
    }
    html! {
        <div class="pool-detail">
            <div class="detail-head">
                <h2>{ pool["Name"].as_str().unwrap_or_default() }</h2>
                <code class="arn">{ pool["Arn"].as_str().unwrap_or_default() }</code>
            </div>
            <p class="pool-facts muted">
                { format!("Sign-in with a {sign_in_with} · password: {} · ", policy.join(", ")) }
                { if pool["AutoVerifiedAttributes"].as_array().is_some_and(|a| !a.is_empty()) { "email verified by a code" } else { "no automatic verification" } }
                { format!(" · {} users · tokens signed RS256 with the pool's key (", pool["EstimatedNumberOfUsers"]) }
                <code>{ format!("{}/.well-known/jwks.json", p.id) }</code>{ ")" }
            </p>
            <div class="tabs" role="tablist">
                { tab_button(Tab::Users, "Users") }
                { tab_button(Tab::Groups, "Groups") }
                { tab_button(Tab::Clients, "App clients") }
                { tab_button(Tab::SignIn, "Sign-in page") }
                { tab_button(Tab::Flows, "Login flows") }
                { tab_button(Tab::Triggers, "Triggers & MFA") }
            </div>
            { match *tab {
                Tab::Users => html! { <Users pool={p.id.clone()} /> },
                Tab::Groups => html! { <Groups pool={p.id.clone()} /> },
                Tab::Clients => html! { <Clients pool={p.id.clone()} clients={(*clients).clone()} /> },
                Tab::SignIn => html! { <SignInTab pool={pool.clone()} clients={(*clients).clone()} /> },
                Tab::Flows => html! { <FlowsTab pool={pool.clone()} /> },
                Tab::Triggers => html! { <TriggersTab pool={pool.clone()} /> },
            } }
        </div>
    }
}

/// The flows an app client may allow, with what they mean.
const FLOWS: &[(&str, &str, bool)] = &[
    ("ALLOW_USER_SRP_AUTH", "SRP: the password never leaves the client (the sign-in page uses this)", true),
    ("ALLOW_REFRESH_TOKEN_AUTH", "refresh tokens: new ID and access tokens without the password", true),
    ("ALLOW_USER_PASSWORD_AUTH", "the password sent to Cognito (over TLS)", false),
    ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "server-side sign-in with AdminInitiateAuth", false),
    ("ALLOW_CUSTOM_AUTH", "custom challenges run by the pool's define / create / verify auth challenge triggers", false),
];

#[derive(Properties, PartialEq)]
struct ClientsProps {
    pool: String,
    clients: Vec<Value>,
}

#[function_component(Clients)]
fn clients(p: &ClientsProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(String::new);
    let secret = use_state(|| false);
    let flows = use_state(|| FLOWS.iter().map(|f| f.2).collect::<Vec<bool>>());
    let busy = use_state(|| false);
    let submit = {
        let (ctx, pool, name, secret, flows, busy) = (ctx.clone(), p.pool.clone(), name.clone(), secret.clone(), flows.clone(), busy.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let chosen: Vec<&str> = FLOWS.iter().zip(flows.iter()).filter(|(_, on)| **on).map(|(f, _)| f.0).collect();
            let req = json!({ "UserPoolId": pool, "ClientName": name.trim(), "GenerateSecret": *secret, "ExplicitAuthFlows": chosen });
            let (ctx, name, busy) = (ctx.clone(), name.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("cognito-idp", "CreateUserPoolClient", req).await {
                    Ok(v) => {
                        ctx.notify.emit(Notice::info(
                            "App client created",
                            &format!("Client id {}. Try it on the Sign-in page.", v["UserPoolClient"]["ClientId"].as_str().unwrap_or_default()),
                        ));
                        name.set(String::new());
                    }
                    Err(e) => ctx.error(&e),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <div class="clients-tab">
            <form class="card client-form" onsubmit={submit} aria-label="Create app client">
                <h3>{ "Create app client" }</h3>
                <div class="field"><label for="client-name">{ "App client name" }</label><input id="client-name" required=true value={(*name).clone()} oninput={bind_text(&name)} placeholder="web" /></div>
                <label class="radio"><input type="checkbox" checked={*secret} onchange={let s = secret.clone(); Callback::from(move |_| s.set(!*s))} />
                    { "Generate a client secret (for server-side apps: every call then needs a SECRET_HASH)" }</label>
                <fieldset class="field">
                    <legend>{ "Authentication flows" }</legend>
                    { for FLOWS.iter().enumerate().map(|(i, (f, what, _))| {
                        let flows = flows.clone();
                        html! { <label class="radio"><input type="checkbox" checked={flows[i]} onchange={Callback::from(move |_| { let mut v = (*flows).clone(); v[i] = !v[i]; flows.set(v); })} /><code>{ *f }</code>{ format!(" {what}") }</label> }
                    }) }
                </fieldset>
                <div class="actions"><button type="submit" class="btn primary" disabled={*busy}>{ "Create app client" }</button></div>
            </form>
            if p.clients.is_empty() {
                <p class="muted">{ "No app clients yet." }</p>
            } else {
                <table class="grid" aria-label="App clients">
                    <thead><tr><th>{ "Name" }</th><th>{ "Client ID" }</th><th>{ "Secret" }</th><th>{ "Flows" }</th><th>{ "Token validity" }</th><th></th></tr></thead>
                    <tbody>
                        { for p.clients.iter().map(|c| {
                            let id = c["ClientId"].as_str().unwrap_or_default().to_string();
                            let name = c["ClientName"].as_str().unwrap_or_default().to_string();
                            let delete = {
                                let (ctx, pool, id, name) = (ctx.clone(), p.pool.clone(), id.clone(), name.clone());
                                Callback::from(move |_| {
                                    let ok = web_sys::window().and_then(|w| w.confirm_with_message(&format!("Delete the app client {name}?")).ok()).unwrap_or(false);
                                    if !ok { return; }
                                    let (ctx, pool, id) = (ctx.clone(), pool.clone(), id.clone());
                                    wasm_bindgen_futures::spawn_local(async move {
                                        if let Err(e) = ctx.bridge.send("cognito-idp", "DeleteUserPoolClient", json!({"UserPoolId": pool, "ClientId": id})).await {
                                            ctx.error(&e);
                                        }
                                    });
                                })
                            };
                            let units = &c["TokenValidityUnits"];
                            html! {
                                <tr>
                                    <td>{ &name }</td>
                                    <td><code>{ &id }</code></td>
                                    <td>{ if c["ClientSecret"].is_string() { "yes" } else { "no" } }</td>
                                    <td class="flows-cell">{ for c["ExplicitAuthFlows"].as_array().into_iter().flatten().map(|f| html! { <span class="badge">{ f.as_str().unwrap_or_default().trim_start_matches("ALLOW_") }</span> }) }</td>
                                    <td>{ format!("ID {} {}, access {} {}, refresh {} {}", c["IdTokenValidity"], units["IdToken"].as_str().unwrap_or(""), c["AccessTokenValidity"], units["AccessToken"].as_str().unwrap_or(""), c["RefreshTokenValidity"], units["RefreshToken"].as_str().unwrap_or("")) }</td>
                                    <td class="row-actions">
                                        <a class="btn small" href={pool_hash(Some(&p.pool), "signin")}>{ "Sign-in page" }</a>
                                        <button class="btn small danger" onclick={delete} aria-label={format!("Delete client {name}")}>{ "Delete" }</button>
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
        </div>
    }
}
