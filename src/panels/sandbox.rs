//! Sandbox controls: download the whole sandbox as a JSON file, load one, or start over.

use serde_json::json;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::{app::Ctx, notify::Notice};

fn download(name: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&text.into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a").map_err(|e| format!("{e:?}"))?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

#[function_component(SandboxControls)]
pub fn sandbox_controls() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let export = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("ExportSandbox", json!({})).await {
                    Ok(doc) => {
                        let stamp = doc["exportedAt"].as_str().unwrap_or("sandbox").replace([':', '.'], "-");
                        let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
                        if let Err(e) = download(&format!("gureum-{stamp}.json"), &text) {
                            ctx.notify.emit(Notice::error("Export", &e));
                        }
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let import = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let text = match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(t) => t.as_string().unwrap_or_default(),
                    Err(_) => return ctx.notify.emit(Notice::error("Import", "The file could not be read.")),
                };
                let doc: serde_json::Value = match serde_json::from_str(&text) {
                    Ok(d) => d,
                    Err(e) => return ctx.notify.emit(Notice::error("Import", &format!("The file is not JSON: {e}"))),
                };
                match ctx.bridge.sim("ImportSandbox", json!({"sandbox": doc})).await {
                    Ok(_) => ctx.notify.emit(Notice::info("Import", "The sandbox was replaced by the file's contents.")),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let reset = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let ok = web_sys::window()
                .and_then(|w| w.confirm_with_message("Delete every resource in the sandbox, in every region? Export it first if you want to keep it.").ok())
                .unwrap_or(false);
            if !ok {
                return;
            }
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("Reset", json!({})).await {
                    Ok(_) => ctx.notify.emit(Notice::info("Reset", "The sandbox is empty again.")),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <div class="sandbox-controls card">
            <h2>{ "Your sandbox" }</h2>
            <p class="hint">{ "Save everything (tables, items, the clock) to a JSON file, load such a file to continue elsewhere, or start over." }</p>
            <div class="actions">
                <button class="btn" onclick={export}>{ "Export to file" }</button>
                <label class="btn file-btn">{ "Import from file…" }<input type="file" accept="application/json,.json" class="sr-only" onchange={import} /></label>
                <button class="btn danger" onclick={reset}>{ "Reset sandbox" }</button>
            </div>
        </div>
    }
}
