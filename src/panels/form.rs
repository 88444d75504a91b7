//! What the panels' forms share: binding inputs to state, and the create-then-open round trip
//! of a "Create …" dialog.

use serde_json::Value;
use yew::prelude::*;

use super::functions::input_value;
use crate::{
    app::{Ctx, Route},
    notify::Notice,
};

/// A callback that keeps `s` equal to a text input's (or textarea's) value.
pub fn bind_text(s: &UseStateHandle<String>) -> Callback<InputEvent> {
    let s = s.clone();
    Callback::from(move |e: InputEvent| s.set(input_value(&e)))
}

/// What a create dialog says and where it goes once the engine accepted the request.
pub struct Created {
    pub title: &'static str,
    pub message: String,
    pub open: Route,
}

/// Sends a create request with the dialog marked busy; on success tells the learner what
/// happens next, closes the dialog and opens the new resource; on failure shows AWS's error.
pub fn create_then_open(ctx: &Ctx, busy: &UseStateHandle<bool>, close: &Callback<()>, service: &'static str, operation: &'static str, request: Value, created: Created) {
    let (ctx, busy, close) = (ctx.clone(), busy.clone(), close.clone());
    busy.set(true);
    wasm_bindgen_futures::spawn_local(async move {
        match ctx.bridge.send(service, operation, request).await {
            Ok(_) => {
                ctx.notify.emit(Notice::info(created.title, &created.message));
                close.emit(());
                ctx.navigate.emit(created.open);
            }
            Err(e) => ctx.error(&e),
        }
        busy.set(false);
    });
}
