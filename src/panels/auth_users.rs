//! The Auth panel's Users and Groups tabs: ListUsers with status and attributes, AdminCreateUser
//! (an invitation with a temporary password to the Inbox, or none), AdminConfirmSignUp,
//! AdminEnableUser / AdminDisableUser, AdminDeleteUser, a user's groups (AdminListGroupsForUser,
//! AdminAddUserToGroup, AdminRemoveUserFromGroup); ListGroups, CreateGroup, DeleteGroup and a
//! group's members (ListUsersInGroup).

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    notify::Notice,
    panels::{auth::date, form::bind_text, functions::select_value},
};

fn attr<'a>(u: &'a Value, name: &str) -> &'a str {
    u["Attributes"].as_array().into_iter().flatten().find(|a| a["Name"] == name).and_then(|a| a["Value"].as_str()).unwrap_or("")
}

fn status_class(s: &str) -> &'static str {
    match s {
        "CONFIRMED" => "ok",
        "UNCONFIRMED" | "FORCE_CHANGE_PASSWORD" | "RESET_REQUIRED" => "creating",
        _ => "",
    }
}

/// Sends one admin call and reports its error; `then` runs after success.
fn admin(ctx: &Ctx, op: &'static str, input: Value, done: Option<&'static str>) {
    let ctx = ctx.clone();
    wasm_bindgen_futures::spawn_local(async move {
        match ctx.bridge.send("cognito-idp", op, input).await {
            Ok(_) => {
                if let Some(d) = done {
                    ctx.notify.emit(Notice::info(d, ""));
                }
            }
            Err(e) => ctx.error(&e),
        }
    });
}

#[derive(Properties, PartialEq)]
pub struct PoolProps {
    pub pool: String,
}

#[function_component(Users)]
pub fn users(p: &PoolProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let users = use_state(|| None::<Vec<Value>>);
    let open = use_state(|| None::<String>);
    let creating = use_state(|| false);
    {
        let (ctx2, pool, users) = (ctx.clone(), p.pool.clone(), users.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut all = Vec::new();
                let mut token: Option<String> = None;
                // At most 10 pages (600 users) in the list.
                for _ in 0..10 {
                    let mut req = json!({"UserPoolId": pool, "Limit": 60});
                    if let Some(t) = &token {
                        req["PaginationToken"] = json!(t);
                    }
                    match ctx2.bridge.send("cognito-idp", "ListUsers", req).await {
                        Ok(v) => {
                            all.extend(v["Users"].as_array().cloned().unwrap_or_default());
                            token = v["PaginationToken"].as_str().map(str::to_string);
                            if token.is_none() {
                                break;
                            }
                        }
                        Err(e) => {
                            ctx2.error(&e);
                            break;
                        }
                    }
                }
                users.set(Some(all));
            });
            || ()
        });
    }
    html! {
        <div class="users-tab">
            <div class="tab-bar">
                <span class="muted">{ "Users sign up on the Sign-in page, or an administrator creates them here." }</span>
                <div class="spacer" />
                <button class="btn" onclick={let c = creating.clone(); Callback::from(move |_| c.set(!*c))}>{ "Create user" }</button>
            </div>
            if *creating {
                <CreateUser pool={p.pool.clone()} on_close={let c = creating.clone(); Callback::from(move |_| c.set(false))} />
            }
            { match &*users {
                None => html! { <p class="muted">{ "Loading users…" }</p> },
                Some(l) if l.is_empty() => html! { <p class="muted">{ "No users yet." }</p> },
                Some(l) => html! {
                    <table class="grid user-list" aria-label="Users">
                        <thead><tr><th>{ "Username" }</th><th>{ "Email" }</th><th>{ "Email verified" }</th><th>{ "Status" }</th><th>{ "Enabled" }</th><th>{ "Created" }</th><th></th></tr></thead>
                        <tbody>
                            { for l.iter().map(|u| {
                                let name = u["Username"].as_str().unwrap_or_default().to_string();
                                let status = u["UserStatus"].as_str().unwrap_or_default().to_string();
                                let enabled = u["Enabled"] != false;
                                let base = json!({"UserPoolId": p.pool, "Username": name});
                                let confirm = { let (ctx, b) = (ctx.clone(), base.clone()); Callback::from(move |_| admin(&ctx, "AdminConfirmSignUp", b.clone(), None)) };
                                let toggle = { let (ctx, b) = (ctx.clone(), base.clone()); Callback::from(move |_| admin(&ctx, if enabled { "AdminDisableUser" } else { "AdminEnableUser" }, b.clone(), None)) };
                                let delete = {
                                    let (ctx, b, name) = (ctx.clone(), base.clone(), name.clone());
                                    Callback::from(move |_| {
                                        let ok = web_sys::window().and_then(|w| w.confirm_with_message(&format!("Delete the user {name}?")).ok()).unwrap_or(false);
                                        if ok { admin(&ctx, "AdminDeleteUser", b.clone(), None); }
                                    })
                                };
                                let toggle_open = { let (o, n) = (open.clone(), name.clone()); Callback::from(move |_| o.set(if o.as_deref() == Some(n.as_str()) { None } else { Some(n.clone()) })) };
                                let shown = open.as_deref() == Some(name.as_str());
                                html! {
                                    <>
                                        <tr class={classes!(shown.then_some("selected"))}>
                                            <td><button class="linklike" onclick={toggle_open} aria-expanded={shown.to_string()}>{ &name }</button></td>
                                            <td>{ attr(u, "email") }</td>
                                            <td>{ attr(u, "email_verified") }</td>
                                            <td><span class={classes!("badge", status_class(&status))}>{ &status }</span></td>
                                            <td>{ if enabled { "yes" } else { "disabled" } }</td>
                                            <td>{ date(&u["UserCreateDate"]) }</td>
                                            <td class="row-actions">
                                                if status == "UNCONFIRMED" {
                                                    <button class="btn small" onclick={confirm} aria-label={format!("Confirm {name}")}>{ "Confirm" }</button>
                                                }
                                                <button class="btn small" onclick={toggle} aria-label={format!("{} {name}", if enabled { "Disable" } else { "Enable" })}>{ if enabled { "Disable" } else { "Enable" } }</button>
                                                <button class="btn small danger" onclick={delete} aria-label={format!("Delete user {name}")}>{ "Delete" }</button>
                                            </td>
                                        </tr>
                                        if shown {
                                            <tr class="user-more"><td colspan="7"><UserDetail pool={p.pool.clone()} user={u.clone()} /></td></tr>
                                        }
                                    </>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct CreateProps {
    pool: String,
    on_close: Callback<()>,
}

#[function_component(CreateUser)]
fn create_user(p: &CreateProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(String::new);
    let email = use_state(String::new);
    let temp = use_state(String::new);
    let invite = use_state(|| true);
    let submit = {
        let (ctx, pool, name, email, temp, invite, close) = (ctx.clone(), p.pool.clone(), name.clone(), email.clone(), temp.clone(), invite.clone(), p.on_close.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut req = json!({"UserPoolId": pool, "Username": name.trim()});
            if !email.trim().is_empty() {
                req["UserAttributes"] = json!([{"Name": "email", "Value": email.trim()}, {"Name": "email_verified", "Value": "true"}]);
            }
            if !temp.is_empty() {
                req["TemporaryPassword"] = json!(*temp);
            }
            if *invite && !email.trim().is_empty() {
                req["DesiredDeliveryMediums"] = json!(["EMAIL"]);
            } else {
                req["MessageAction"] = json!("SUPPRESS");
            }
            let (ctx, close) = (ctx.clone(), close.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("cognito-idp", "AdminCreateUser", req).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info("User created", "FORCE_CHANGE_PASSWORD: at the first sign-in, Cognito asks for a new password."));
                        close.emit(());
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <form class="card user-form" onsubmit={submit} aria-label="Create user">
            <div class="field-row">
                <div class="field"><label for="user-name">{ "Username" }</label><input id="user-name" required=true value={(*name).clone()} oninput={bind_text(&name)} /></div>
                <div class="field"><label for="user-email">{ "Email (marked verified)" }</label><input id="user-email" type="email" value={(*email).clone()} oninput={bind_text(&email)} /></div>
                <div class="field"><label for="user-temp">{ "Temporary password (empty: Cognito makes one)" }</label><input id="user-temp" value={(*temp).clone()} oninput={bind_text(&temp)} /></div>
            </div>
            <label class="radio"><input type="checkbox" checked={*invite} onchange={let i = invite.clone(); Callback::from(move |_| i.set(!*i))} />{ "Send an invitation with the temporary password to the Inbox" }</label>
            <div class="actions">
                <button type="submit" class="btn primary">{ "Create user" }</button>
                <button type="button" class="btn" onclick={let c = p.on_close.clone(); Callback::from(move |_| c.emit(()))}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct UserProps {
    pool: String,
    user: Value,
}

#[function_component(UserDetail)]
fn user_detail(p: &UserProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let groups = use_state(|| None::<Vec<String>>);
    let all = use_state(Vec::<String>::new);
    let pick = use_state(String::new);
    let name = p.user["Username"].as_str().unwrap_or_default().to_string();
    {
        let (ctx2, pool, name, groups, all) = (ctx.clone(), p.pool.clone(), name.clone(), groups.clone(), all.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let names = |v: &Value| v["Groups"].as_array().into_iter().flatten().filter_map(|g| g["GroupName"].as_str().map(str::to_string)).collect::<Vec<_>>();
                match ctx2.bridge.send("cognito-idp", "AdminListGroupsForUser", json!({"UserPoolId": pool, "Username": name, "Limit": 60})).await {
                    Ok(v) => groups.set(Some(names(&v))),
                    Err(e) => ctx2.error(&e),
                }
                if let Ok(v) = ctx2.bridge.send("cognito-idp", "ListGroups", json!({"UserPoolId": pool, "Limit": 60})).await {
                    all.set(names(&v));
                }
            });
            || ()
        });
    }
    let mine = (*groups).clone().unwrap_or_default();
    let others: Vec<String> = all.iter().filter(|g| !mine.contains(g)).cloned().collect();
    let add = {
        let (ctx, pool, name, pick, first) = (ctx.clone(), p.pool.clone(), name.clone(), pick.clone(), others.first().cloned().unwrap_or_default());
        Callback::from(move |_| {
            let g = if pick.is_empty() { first.clone() } else { (*pick).clone() };
            if !g.is_empty() {
                admin(&ctx, "AdminAddUserToGroup", json!({"UserPoolId": pool, "Username": name, "GroupName": g}), None);
            }
        })
    };
    html! {
        <div class="user-detail">
            <div>
                <h4>{ "Attributes" }</h4>
                <table class="claims">
                    <tbody>{ for p.user["Attributes"].as_array().into_iter().flatten().map(|a| html! { <tr><th>{ a["Name"].as_str().unwrap_or_default() }</th><td>{ a["Value"].as_str().unwrap_or_default() }</td></tr> }) }</tbody>
                </table>
            </div>
            <div>
                <h4>{ "Groups" }</h4>
                if mine.is_empty() { <p class="muted">{ "In no group." }</p> }
                <ul class="group-chips">
                    { for mine.iter().map(|g| {
                        let remove = { let (ctx, pool, name, g) = (ctx.clone(), p.pool.clone(), name.clone(), g.clone()); Callback::from(move |_| admin(&ctx, "AdminRemoveUserFromGroup", json!({"UserPoolId": pool, "Username": name, "GroupName": g}), None)) };
                        html! { <li><span class="badge">{ g }</span><button class="btn small" onclick={remove} aria-label={format!("Remove {name} from {g}")}>{ "×" }</button></li> }
                    }) }
                </ul>
                if !others.is_empty() {
                    <div class="inline">
                        <select aria-label="Group to add" onchange={let s = pick.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                            { for others.iter().map(|g| html! { <option value={g.clone()} selected={*pick == *g}>{ g }</option> }) }
                        </select>
                        <button class="btn small" onclick={add}>{ "Add to group" }</button>
                    </div>
                }
            </div>
        </div>
    }
}

#[function_component(Groups)]
pub fn groups(p: &PoolProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let groups = use_state(|| None::<Vec<Value>>);
    let members = use_state(|| None::<(String, Vec<String>)>);
    let name = use_state(String::new);
    let description = use_state(String::new);
    let precedence = use_state(String::new);
    {
        let (ctx2, pool, groups) = (ctx.clone(), p.pool.clone(), groups.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("cognito-idp", "ListGroups", json!({"UserPoolId": pool, "Limit": 60})).await {
                    Ok(v) => groups.set(Some(v["Groups"].as_array().cloned().unwrap_or_default())),
                    Err(e) => ctx2.error(&e),
                }
            });
            || ()
        });
    }
    let submit = {
        let (ctx, pool, name, description, precedence) = (ctx.clone(), p.pool.clone(), name.clone(), description.clone(), precedence.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut req = json!({"UserPoolId": pool, "GroupName": name.trim()});
            if !description.trim().is_empty() {
                req["Description"] = json!(description.trim());
            }
            if let Ok(n) = precedence.trim().parse::<i64>() {
                req["Precedence"] = json!(n);
            }
            let (ctx, name) = (ctx.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("cognito-idp", "CreateGroup", req).await {
                    Ok(_) => name.set(String::new()),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <div class="groups-tab">
            <p class="hint">{ "A user's groups are in their tokens' " }<code>{ "cognito:groups" }</code>{ " claim, ordered by precedence (lower first): your API can check them." }</p>
            <form class="card group-form inline" onsubmit={submit} aria-label="Create group">
                <input aria-label="Group name" placeholder="admins" required=true value={(*name).clone()} oninput={bind_text(&name)} />
                <input aria-label="Description" placeholder="description (optional)" value={(*description).clone()} oninput={bind_text(&description)} />
                <input aria-label="Precedence" type="number" min="0" placeholder="precedence" value={(*precedence).clone()} oninput={bind_text(&precedence)} />
                <button type="submit" class="btn primary">{ "Create group" }</button>
            </form>
            { match &*groups {
                None => html! { <p class="muted">{ "Loading groups…" }</p> },
                Some(l) if l.is_empty() => html! { <p class="muted">{ "No groups yet." }</p> },
                Some(l) => html! {
                    <table class="grid" aria-label="Groups">
                        <thead><tr><th>{ "Group" }</th><th>{ "Description" }</th><th>{ "Precedence" }</th><th>{ "Created" }</th><th></th></tr></thead>
                        <tbody>
                            { for l.iter().map(|g| {
                                let gname = g["GroupName"].as_str().unwrap_or_default().to_string();
                                let show = {
                                    let (ctx, pool, gname, members) = (ctx.clone(), p.pool.clone(), gname.clone(), members.clone());
                                    Callback::from(move |_| {
                                        let (ctx, pool, gname, members) = (ctx.clone(), pool.clone(), gname.clone(), members.clone());
                                        wasm_bindgen_futures::spawn_local(async move {
                                            match ctx.bridge.send("cognito-idp", "ListUsersInGroup", json!({"UserPoolId": pool, "GroupName": gname, "Limit": 60})).await {
                                                Ok(v) => members.set(Some((gname, v["Users"].as_array().into_iter().flatten().filter_map(|u| u["Username"].as_str().map(str::to_string)).collect()))),
                                                Err(e) => ctx.error(&e),
                                            }
                                        });
                                    })
                                };
                                let delete = { let (ctx, pool, gname) = (ctx.clone(), p.pool.clone(), gname.clone()); Callback::from(move |_| admin(&ctx, "DeleteGroup", json!({"UserPoolId": pool, "GroupName": gname}), None)) };
                                html! {
                                    <tr>
                                        <td><button class="linklike" onclick={show}>{ &gname }</button></td>
                                        <td>{ g["Description"].as_str().unwrap_or_default() }</td>
                                        <td>{ g["Precedence"].as_i64().map(|n| n.to_string()).unwrap_or_default() }</td>
                                        <td>{ date(&g["CreationDate"]) }</td>
                                        <td><button class="btn small danger" onclick={delete} aria-label={format!("Delete group {gname}")}>{ "Delete" }</button></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
            if let Some((g, users)) = &*members {
                <div class="card members">
                    <h4>{ format!("Members of {g}") }</h4>
                    if users.is_empty() { <p class="muted">{ "No members. Add users from the Users tab (click a username)." }</p> }
                    <ul>{ for users.iter().map(|u| html! { <li>{ u }</li> }) }</ul>
                </div>
            }
        </div>
    }
}
