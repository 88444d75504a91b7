//! The shell: navigation, region selector, clock bar, notifications, and the current panel.

use std::rc::Rc;

use serde_json::Value;
use yew::prelude::*;

use crate::{
    bridge::{ApiError, Bridge, Listener, WorkerEvent},
    clock::ClockBar,
    i18n::Lang,
    notify::{Notice, Notices},
    panels::{
        apis::Apis, athena::AthenaPanel, auth::Auth, dax::Dax, firehose::Firehose, functions::Functions, home::Home, inbox::Inbox, kinesis::Kinesis, logs::Logs, s3::S3,
        scenarios::Scenarios, tables::Tables, workflows::Workflows,
    },
};

/// What every panel can reach: the engine, the region, notifications, and a counter that moves
/// whenever the sandbox changed (so lists refresh, also for changes made in other tabs).
#[derive(Clone)]
pub struct Ctx {
    pub bridge: Rc<Bridge>,
    pub region: String,
    pub version: u64,
    pub status: Value,
    pub notify: Callback<Notice>,
    pub navigate: Callback<Route>,
    /// The UI's language; `set_lang` switches it (remembered in this browser).
    pub lang: Lang,
    pub set_lang: Callback<Lang>,
}

impl PartialEq for Ctx {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.bridge, &other.bridge) && self.region == other.region && self.version == other.version && self.status == other.status && self.lang == other.lang
    }
}

impl Ctx {
    pub fn error(&self, e: &ApiError) {
        self.notify.emit(Notice::error(&e.kind, &e.message));
    }

    /// `en` in the UI's language (see [`crate::i18n`]).
    pub fn t(&self, en: &'static str) -> &'static str {
        self.lang.t(en)
    }

    /// `en` in the UI's language, its `{}` placeholders filled by `args` in order.
    pub fn tf(&self, en: &'static str, args: &[&str]) -> String {
        self.lang.tf(en, args)
    }

    /// `en` in the UI's language as markup, its `{}` placeholders filled by `parts`.
    pub fn th(&self, en: &'static str, parts: Vec<Html>) -> Html {
        self.lang.th(en, parts)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    Home,
    Scenarios,
    Tables(Option<String>),
    Functions(Option<String>),
    Apis,
    Workflows,
    Auth,
    Logs(Option<String>),
    Inbox,
    Kinesis(Option<String>),
    Dax,
    Athena,
    /// A bucket, or `bucket/prefix/` inside it.
    S3(Option<String>),
    Firehose(Option<String>),
}

impl Route {
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let mut parts = path.splitn(2, '/');
        match (parts.next().unwrap_or(""), parts.next()) {
            ("tables", Some(t)) if !t.is_empty() => Route::Tables(Some(js_sys::decode_uri_component(t).ok().and_then(|s| s.as_string()).unwrap_or_else(|| t.to_string()))),
            ("tables", _) => Route::Tables(None),
            ("scenarios", _) => Route::Scenarios,
            ("functions", Some(f)) if !f.is_empty() => Route::Functions(Some(js_sys::decode_uri_component(f).ok().and_then(|s| s.as_string()).unwrap_or_else(|| f.to_string()))),
            ("functions", _) => Route::Functions(None),
            ("apis", _) => Route::Apis,
            ("workflows", _) => Route::Workflows,
            ("auth", _) => Route::Auth,
            ("logs", Some(g)) if !g.is_empty() => Route::Logs(Some(js_sys::decode_uri_component(g).ok().and_then(|s| s.as_string()).unwrap_or_else(|| g.to_string()))),
            ("logs", _) => Route::Logs(None),
            ("inbox", _) => Route::Inbox,
            ("kinesis", Some(k)) if !k.is_empty() => Route::Kinesis(Some(js_sys::decode_uri_component(k).ok().and_then(|s| s.as_string()).unwrap_or_else(|| k.to_string()))),
            ("kinesis", _) => Route::Kinesis(None),
            ("dax", _) => Route::Dax,
            ("athena", _) => Route::Athena,
            ("s3", Some(b)) if !b.is_empty() => Route::S3(Some(js_sys::decode_uri_component(b).ok().and_then(|s| s.as_string()).unwrap_or_else(|| b.to_string()))),
            ("s3", _) => Route::S3(None),
            ("firehose", Some(f)) if !f.is_empty() => Route::Firehose(Some(js_sys::decode_uri_component(f).ok().and_then(|s| s.as_string()).unwrap_or_else(|| f.to_string()))),
            ("firehose", _) => Route::Firehose(None),
            _ => Route::Home,
        }
    }

    pub fn hash(&self) -> String {
        match self {
            Route::Home => "#/".into(),
            Route::Scenarios => "#/scenarios".into(),
            Route::Tables(None) => "#/tables".into(),
            Route::Tables(Some(t)) => format!("#/tables/{}", String::from(js_sys::encode_uri_component(t))),
            Route::Functions(None) => "#/functions".into(),
            Route::Functions(Some(f)) => format!("#/functions/{}", String::from(js_sys::encode_uri_component(f))),
            Route::Apis => "#/apis".into(),
            Route::Workflows => "#/workflows".into(),
            Route::Auth => "#/auth".into(),
            Route::Logs(None) => "#/logs".into(),
            Route::Logs(Some(g)) => format!("#/logs/{}", String::from(js_sys::encode_uri_component(g))),
            Route::Inbox => "#/inbox".into(),
            Route::Kinesis(None) => "#/kinesis".into(),
            Route::Kinesis(Some(k)) => format!("#/kinesis/{}", String::from(js_sys::encode_uri_component(k))),
            Route::Dax => "#/dax".into(),
            Route::Athena => "#/athena".into(),
            Route::S3(None) => "#/s3".into(),
            Route::S3(Some(b)) => format!("#/s3/{}", String::from(js_sys::encode_uri_component(b)).replace("%2F", "/")),
            Route::Firehose(None) => "#/firehose".into(),
            Route::Firehose(Some(f)) => format!("#/firehose/{}", String::from(js_sys::encode_uri_component(f))),
        }
    }
}

const NAV: &[(&str, &str, &str)] = &[
    ("Home", "#/", "⌂"),
    ("Scenarios", "#/scenarios", "★"),
    ("Tables", "#/tables", "▦"),
    ("Functions", "#/functions", "λ"),
    ("APIs", "#/apis", "⇄"),
    ("Workflows", "#/workflows", "⇉"),
    ("Auth", "#/auth", "☺"),
    ("Logs", "#/logs", "☰"),
    ("S3", "#/s3", "▤"),
    ("Inbox", "#/inbox", "✉"),
    ("Kinesis", "#/kinesis", "≋"),
    ("Firehose", "#/firehose", "⇶"),
    ("DAX", "#/dax", "⚡"),
    ("Athena", "#/athena", "⌕"),
];

fn current_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

#[function_component(App)]
pub fn app() -> Html {
    let bridge = use_memo((), |_| {
        let b = Bridge::start("default");
        if let Ok(b) = &b {
            b.install_page_api();
        }
        b
    });
    let route = use_state(|| Route::from_hash(&current_hash()));
    let region = use_state(|| "us-east-1".to_string());
    let version = use_state(|| 0u64);
    let status = use_state(|| Value::Null);
    let notices = use_state(Vec::<Notice>::new);
    let lang = use_state(|| {
        let l = Lang::load();
        l.save();
        l
    });

    let notify = {
        let notices = notices.clone();
        Callback::from(move |n: Notice| {
            let mut v = (*notices).clone();
            v.push(n);
            if v.len() > 5 {
                v.remove(0);
            }
            notices.set(v);
        })
    };

    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| gloo::events::EventListener::new(&w, "hashchange", move |_| route.set(Route::from_hash(&current_hash()))));
            move || drop(listener)
        });
    }

    {
        let (version, status, notify) = (version.clone(), status.clone(), notify.clone());
        let bridge = bridge.clone();
        let l = *lang;
        use_effect_with((), move |_| {
            let mut sub: Option<(Rc<Bridge>, Listener)> = None;
            if let Ok(b) = &*bridge {
                let counter = std::cell::Cell::new(0u64);
                let f: Listener = Rc::new(move |e: &WorkerEvent| match e {
                    WorkerEvent::Changed => {
                        counter.set(counter.get() + 1);
                        version.set(counter.get());
                    }
                    WorkerEvent::Ready(v) | WorkerEvent::Status(v) => {
                        if let Some(reason) = v.get("reason").and_then(Value::as_str) {
                            notify.emit(Notice::warning(l.t("Storage"), &l.tf("Your sandbox is kept in memory only: {}. It will be gone when this tab closes.", &[reason])));
                        }
                        status.set(v.clone());
                        counter.set(counter.get() + 1);
                        version.set(counter.get());
                    }
                });
                b.subscribe(f.clone());
                // The worker may have said "ready" before this subscription existed (it starts
                // before the UI, see index.html): start from what the bridge already knows.
                let known = b.status();
                if !known.is_null() {
                    f(&WorkerEvent::Ready(known));
                }
                sub = Some((b.clone(), f));
            }
            move || {
                if let Some((b, f)) = sub {
                    b.unsubscribe(&f);
                }
            }
        });
    }

    let bridge = match &*bridge {
        Ok(b) => b.clone(),
        Err(e) => {
            return html! { <div class="fatal"><h1>{ lang.t("Gureum could not start") }</h1><p>{ e.clone() }</p></div> };
        }
    };
    *bridge.region.borrow_mut() = (*region).clone();

    let ctx = Ctx {
        bridge,
        region: (*region).clone(),
        version: *version,
        status: (*status).clone(),
        notify: notify.clone(),
        navigate: {
            Callback::from(move |r: Route| {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_hash(&r.hash());
                }
            })
        },
        lang: *lang,
        set_lang: {
            let lang = lang.clone();
            Callback::from(move |l: Lang| {
                l.save();
                lang.set(l);
            })
        },
    };

    // A share link, opened in a new tab or pasted into this one (a same-document navigation).
    {
        let ctx = ctx.clone();
        use_effect_with(ctx.lang, move |_| {
            crate::panels::sandbox::open_share_link(&ctx);
            let listener = web_sys::window().map(|w| gloo::events::EventListener::new(&w, "hashchange", move |_| crate::panels::sandbox::open_share_link(&ctx)));
            move || drop(listener)
        });
    }

    let on_region = {
        let region = region.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                region.set(sel.value());
            }
        })
    };
    let dismiss = {
        let notices = notices.clone();
        Callback::from(move |id: u64| notices.set(notices.iter().filter(|n| n.id != id).cloned().collect()))
    };

    let active = |label: &str| -> bool {
        matches!(
            (label, &*route),
            ("Home", Route::Home)
                | ("Scenarios", Route::Scenarios)
                | ("Tables", Route::Tables(_))
                | ("Functions", Route::Functions(_))
                | ("APIs", Route::Apis)
                | ("Workflows", Route::Workflows)
                | ("Auth", Route::Auth)
                | ("Logs", Route::Logs(_))
                | ("Inbox", Route::Inbox)
                | ("Kinesis", Route::Kinesis(_))
                | ("DAX", Route::Dax)
                | ("Athena", Route::Athena)
                | ("S3", Route::S3(_))
                | ("Firehose", Route::Firehose(_))
        )
    };

    let panel = match &*route {
        Route::Home => html! { <Home /> },
        Route::Scenarios => html! { <Scenarios /> },
        Route::Tables(t) => html! { <Tables selected={t.clone()} /> },
        Route::Functions(f) => html! { <Functions selected={f.clone()} /> },
        Route::Apis => html! { <Apis /> },
        Route::Workflows => html! { <Workflows /> },
        Route::Auth => html! { <Auth /> },
        Route::Logs(g) => html! { <Logs selected={g.clone()} /> },
        Route::Inbox => html! { <Inbox /> },
        Route::Kinesis(k) => html! { <Kinesis selected={k.clone()} /> },
        Route::Dax => html! { <Dax /> },
        Route::Athena => html! { <AthenaPanel /> },
        Route::S3(b) => html! { <S3 selected={b.clone()} /> },
        Route::Firehose(f) => html! { <Firehose selected={f.clone()} /> },
    };

    let storage = ctx.status.get("storage").and_then(Value::as_str).unwrap_or("starting").to_string();
    let role = ctx.status.get("role").and_then(Value::as_str).unwrap_or("").to_string();
    let storage_label = ctx.t(match storage.as_str() {
        "indexeddb" => "Saved in this browser",
        "memory" => "In memory only",
        "none" => "Engine stopped",
        _ => "Starting…",
    });
    let on_lang = {
        let set = ctx.set_lang.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                set.emit(Lang::from_code(&sel.value()).unwrap_or(Lang::En));
            }
        })
    };
    let l = ctx.lang;

    html! {
        <ContextProvider<Ctx> context={ctx}>
            <div class="shell">
                <header class="topbar">
                    <a class="brand" href="#/"><span class="logo">{ "☁" }</span>{ "Gureum" }<span class="brand-ko">{ "구름" }</span></a>
                    <ClockBar />
                    <div class="topbar-right">
                        <span class={classes!("storage", storage.clone())} title={l.t(if role == "follower" { "Another tab holds this sandbox; this tab works through it." } else { "Where your sandbox is kept" })}>{ storage_label }</span>
                        <label class="lang">
                            <span class="sr-only">{ l.t("Language") }</span>
                            <select aria-label={l.t("Language")} onchange={on_lang}>
                                <option value="en" selected={l == Lang::En} lang="en">{ "English" }</option>
                                <option value="ko" selected={l == Lang::Ko} lang="ko">{ "한국어" }</option>
                            </select>
                        </label>
                        <label class="region">
                            <span class="sr-only">{ l.t("Region") }</span>
                            <select aria-label={l.t("Region")} onchange={on_region}>
                                { for gureum_engine::REGIONS.iter().map(|(code, name)| html! {
                                    <option value={*code} selected={*code == region.as_str()}>{ format!("{code} · {name}") }</option>
                                }) }
                            </select>
                        </label>
                    </div>
                </header>
                <nav class="sidenav" aria-label={l.t("Services")}>
                    { for NAV.iter().map(|(label, href, icon)| html! {
                        <a href={*href} class={classes!("navlink", active(label).then_some("active"))}><span class="icon">{ *icon }</span>{ l.t(*label) }</a>
                    }) }
                </nav>
                <main class="content">{ panel }</main>
                <Notices notices={(*notices).clone()} on_dismiss={dismiss} />
            </div>
        </ContextProvider<Ctx>>
    }
}
