//! Notifications: errors (with AWS's error type and message) and notes, dismissable, and
//! fading after a while.

use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub level: &'static str,
    pub title: String,
    pub body: String,
}

fn next_id() -> u64 {
    (js_sys::Math::random() * 1e15) as u64
}

impl Notice {
    pub fn error(title: &str, body: &str) -> Notice {
        Notice { id: next_id(), level: "error", title: title.into(), body: body.into() }
    }
    pub fn warning(title: &str, body: &str) -> Notice {
        Notice { id: next_id(), level: "warning", title: title.into(), body: body.into() }
    }
    pub fn info(title: &str, body: &str) -> Notice {
        Notice { id: next_id(), level: "info", title: title.into(), body: body.into() }
    }
    /// A note that stays until dismissed (what to try in a loaded scenario).
    pub fn tip(title: &str, body: &str) -> Notice {
        Notice { id: next_id(), level: "tip", title: title.into(), body: body.into() }
    }
}

#[derive(Properties, PartialEq)]
pub struct NoticesProps {
    pub notices: Vec<Notice>,
    pub on_dismiss: Callback<u64>,
}

#[function_component(Notices)]
pub fn notices(p: &NoticesProps) -> Html {
    {
        // Info notes fade after 5 s; errors stay until dismissed.
        let ids: Vec<u64> = p.notices.iter().filter(|n| n.level == "info").map(|n| n.id).collect();
        let on_dismiss = p.on_dismiss.clone();
        use_effect_with(ids, move |ids| {
            let timers: Vec<_> = ids
                .iter()
                .map(|id| {
                    let (id, d) = (*id, on_dismiss.clone());
                    gloo::timers::callback::Timeout::new(5_000, move || d.emit(id))
                })
                .collect();
            move || drop(timers)
        });
    }
    let lang = use_context::<crate::app::Ctx>().map(|c| c.lang).unwrap_or(crate::i18n::Lang::En);
    html! {
        <div class="notices" role="status" aria-live="polite">
            { for p.notices.iter().map(|n| {
                let id = n.id;
                let d = p.on_dismiss.clone();
                html! {
                    <div class={classes!("notice", n.level)}>
                        <div class="notice-text"><strong>{ &n.title }</strong><span>{ &n.body }</span></div>
                        <button class="notice-close" aria-label={lang.t("Dismiss")} onclick={Callback::from(move |_| d.emit(id))}>{ "×" }</button>
                    </div>
                }
            }) }
        </div>
    }
}
