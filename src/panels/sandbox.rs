//! Sandbox controls: download the whole sandbox as a JSON file, load one, share a small one as a
//! link, or start over.
//!
//! A share link carries the sandbox in the URL's fragment: `#share=` + base64url of the
//! deflated `ExportSandbox` JSON. The fragment never reaches a server (static hosts see only
//! the page's path), and opening the link asks before replacing the opener's sandbox. Sandboxes
//! over [`SHARE_LIMIT`] compressed bytes go through a file instead.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::{app::Ctx, notify::Notice};

/// The fragment a share link starts with.
pub const SHARE_PREFIX: &str = "#share=";
/// The most compressed bytes a link carries (about 43,700 characters of base64url): links that
/// long still open in every current browser and paste into chat and email.
pub const SHARE_LIMIT: usize = 32 * 1024;
/// A shared sandbox may not inflate past this (a hostile link cannot exhaust the tab's memory).
const SHARE_INFLATE_LIMIT: usize = 64 * 1024 * 1024;

/// The fragment for `doc` (an `ExportSandbox` answer), or the compressed size when it is too large.
pub fn encode_share(doc: &Value) -> Result<String, usize> {
    let text = serde_json::to_vec(doc).unwrap_or_default();
    let packed = miniz_oxide::deflate::compress_to_vec(&text, 9);
    if packed.len() > SHARE_LIMIT {
        return Err(packed.len());
    }
    Ok(format!("{SHARE_PREFIX}{}", URL_SAFE_NO_PAD.encode(packed)))
}

/// The sandbox a share fragment carries (the part after [`SHARE_PREFIX`]).
pub fn decode_share(data: &str) -> Result<Value, String> {
    let packed = URL_SAFE_NO_PAD.decode(data.trim().trim_end_matches('=')).map_err(|e| format!("not base64url ({e})"))?;
    let text = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, SHARE_INFLATE_LIMIT).map_err(|e| format!("not deflate data ({:?})", e.status))?;
    serde_json::from_slice(&text).map_err(|e| format!("not a sandbox ({e})"))
}

/// On start: a `#share=` link asks to replace the sandbox with the one it carries, then leaves
/// the address at Home (without a history entry, so Back does not ask again).
pub fn open_share_link(ctx: &Ctx) {
    let Some(w) = web_sys::window() else { return };
    let hash = w.location().hash().unwrap_or_default();
    let Some(data) = hash.strip_prefix(SHARE_PREFIX) else { return };
    let data = data.to_string();
    let _ = w.history().and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("#/")));
    let doc = match decode_share(&data) {
        Ok(d) => d,
        Err(e) => return ctx.notify.emit(Notice::error(ctx.t("Share"), &ctx.tf("The share link is damaged: {}", &[&e]))),
    };
    if !w.confirm_with_message(ctx.t("Open the shared sandbox? It replaces everything in your sandbox (export yours first to keep it).")).unwrap_or(false) {
        return;
    }
    let ctx = ctx.clone();
    wasm_bindgen_futures::spawn_local(async move {
        match ctx.bridge.sim("ImportSandbox", json!({"sandbox": doc})).await {
            Ok(_) => ctx.notify.emit(Notice::info(ctx.t("Share"), ctx.t("The shared sandbox is loaded."))),
            Err(e) => ctx.error(&e),
        }
    });
}

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
    // The last share link made, shown for copying by hand too.
    let link = use_state(|| None::<String>);
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
                            ctx.notify.emit(Notice::error(ctx.t("Export"), &e));
                        }
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let share = {
        let (ctx, link) = (ctx.clone(), link.clone());
        Callback::from(move |_| {
            let (ctx, link) = (ctx.clone(), link.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let doc = match ctx.bridge.sim("ExportSandbox", json!({})).await {
                    Ok(d) => d,
                    Err(e) => return ctx.error(&e),
                };
                let fragment = match encode_share(&doc) {
                    Ok(f) => f,
                    Err(size) => {
                        link.set(None);
                        let (kb, limit) = (size.div_ceil(1024).to_string(), (SHARE_LIMIT / 1024).to_string());
                        return ctx.notify.emit(Notice::warning(
                            ctx.t("Share"),
                            &ctx.tf("This sandbox is too large for a link ({} KB compressed; links carry up to {} KB). Share it as a file: Export to file.", &[&kb, &limit]),
                        ));
                    }
                };
                let Some(w) = web_sys::window() else { return };
                let loc = w.location();
                let url = format!("{}{}{}", loc.origin().unwrap_or_default(), loc.pathname().unwrap_or_default(), fragment);
                let chars = url.chars().count().to_string();
                link.set(Some(url.clone()));
                let copied = wasm_bindgen_futures::JsFuture::from(w.navigator().clipboard().write_text(&url)).await.is_ok();
                let body = if copied {
                    ctx.tf("The link to this sandbox is on your clipboard ({} characters). Whoever opens it gets a copy of it in their own browser.", &[&chars])
                } else {
                    // No clipboard (an insecure origin, or permission refused): the field shows it.
                    ctx.tf("The link is in the field below ({} characters): copy it from there.", &[&chars])
                };
                ctx.notify.emit(Notice::info(ctx.t("Share"), &body));
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
                    Err(_) => return ctx.notify.emit(Notice::error(ctx.t("Import"), ctx.t("The file could not be read."))),
                };
                let doc: Value = match serde_json::from_str(&text) {
                    Ok(d) => d,
                    Err(e) => return ctx.notify.emit(Notice::error(ctx.t("Import"), &ctx.tf("The file is not JSON: {}", &[&e.to_string()]))),
                };
                match ctx.bridge.sim("ImportSandbox", json!({"sandbox": doc})).await {
                    Ok(_) => ctx.notify.emit(Notice::info(ctx.t("Import"), ctx.t("The sandbox was replaced by the file's contents."))),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let reset = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let ok = web_sys::window()
                .and_then(|w| w.confirm_with_message(ctx.t("Delete every resource in the sandbox, in every region? Export it first if you want to keep it.")).ok())
                .unwrap_or(false);
            if !ok {
                return;
            }
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("Reset", json!({})).await {
                    Ok(_) => ctx.notify.emit(Notice::info(ctx.t("Reset"), ctx.t("The sandbox is empty again."))),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <div class="sandbox-controls card">
            <h2>{ ctx.t("Your sandbox") }</h2>
            <p class="hint">{ ctx.t("Save everything (tables, items, the clock) to a JSON file, load such a file to continue elsewhere, or start over.") }</p>
            <div class="actions">
                <button class="btn" onclick={export}>{ ctx.t("Export to file") }</button>
                <label class="btn file-btn">{ ctx.t("Import from file…") }<input type="file" accept="application/json,.json" class="sr-only" onchange={import} /></label>
                <button class="btn" onclick={share}>{ ctx.t("Copy share link") }</button>
                <button class="btn danger" onclick={reset}>{ ctx.t("Reset sandbox") }</button>
            </div>
            if let Some(url) = &*link {
                <label class="share-link">
                    <span>{ ctx.t("Share link") }</span>
                    <input type="text" readonly=true value={url.clone()} aria-label={ctx.t("Share link")}
                        onfocus={Callback::from(|e: FocusEvent| if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() { i.select() })} />
                </label>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_link_carries_the_sandbox_and_refuses_damage() {
        let doc = json!({"format": "gureum-sandbox", "records": [{"key": "dynamodb/us-east-1/table/Scores", "value": "x".repeat(2000)}]});
        let link = encode_share(&doc).expect("small enough");
        let data = link.strip_prefix(SHARE_PREFIX).unwrap();
        assert!(data.len() < 200, "2 KB of repetition compresses: {} characters", data.len());
        assert!(data.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "URL-safe: {data}");
        assert_eq!(decode_share(data).unwrap(), doc);
        assert!(decode_share("!!!").unwrap_err().starts_with("not base64url"));
        assert!(decode_share(&data[..data.len() / 2]).is_err());
        assert!(decode_share(&URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(b"not json", 9))).unwrap_err().starts_with("not a sandbox"));
    }

    #[test]
    fn a_sandbox_too_large_for_a_link_says_its_size() {
        // Incompressible text: a seeded sequence of hex digits.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let noise: String = (0..100_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from_digit((x % 16) as u32, 16).unwrap()
            })
            .collect();
        let size = encode_share(&json!({ "records": noise })).unwrap_err();
        assert!(size > SHARE_LIMIT, "{size}");
    }
}
