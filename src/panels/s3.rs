//! Amazon S3: the account's buckets (ListBuckets across regions, CreateBucket in the selected
//! region, DeleteBucket) and a bucket browser (`#/s3/{bucket}/{prefix}`): ListObjectsV2 with the
//! `/` delimiter as folders and breadcrumbs, pages by continuation token, upload a file, create
//! a text object or a folder, delete, download, and a preview (text, JSON, CSV; gzip'd files
//! such as DynamoDB export data decompressed; images). Each bucket is called in its own region.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::{
    app::{Ctx, Route},
    notify::Notice,
    panels::{
        fn_util::short_time,
        functions::{input_value, select_value},
        logs::bytes,
    },
};

/// Keys and folders per listing page.
const PAGE: u64 = 100;
/// How much of an object the preview reads.
const PREVIEW_BYTES: u64 = 256 * 1024;

fn when(seconds: &Value) -> String {
    seconds.as_f64().map(|s| short_time(&gureum_engine::kernel::time::iso8601((s * 1000.0) as i64))).unwrap_or_default()
}

fn confirm(message: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(message).ok()).unwrap_or(false)
}

/// Saves bytes as a file through a blob URL.
fn download(name: &str, content_type: &str, data: &[u8]) -> Result<(), String> {
    let array = js_sys::Uint8Array::from(data);
    let parts = js_sys::Array::of1(&array);
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(content_type);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a").map_err(|e| format!("{e:?}"))?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// `bucket` or `bucket/prefix/` from the route.
pub fn split_route(selected: &str) -> (String, String) {
    match selected.split_once('/') {
        Some((b, p)) => (b.to_string(), p.to_string()),
        None => (selected.to_string(), String::new()),
    }
}

#[derive(Properties, PartialEq)]
pub struct S3Props {
    #[prop_or_default]
    pub selected: Option<String>,
}

#[function_component(S3)]
pub fn s3(p: &S3Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    html! {
        <section class="panel s3">
            <header class="panel-head">
                <h1>{ "S3" }</h1><span class="aws-name">{ "Amazon S3 · buckets of this account, all regions" }</span>
            </header>
            { match &p.selected {
                None => html! { <BucketList /> },
                Some(sel) => {
                    let (bucket, prefix) = split_route(sel);
                    // Keyed by the location: a folder opens with its first page and no preview.
                    html! { <BucketBrowser key={sel.clone()} bucket={bucket} prefix={prefix} version={ctx.version} /> }
                }
            } }
        </section>
    }
}

#[function_component(BucketList)]
fn bucket_list() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let buckets = use_state(|| None::<Result<Vec<Value>, String>>);
    let name = use_state(String::new);
    let reload = use_state(|| 0u32);
    {
        let (ctx2, buckets) = (ctx.clone(), buckets.clone());
        use_effect_with((ctx.version, *reload), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("s3", "ListBuckets", json!({})).await {
                    Ok(v) => buckets.set(Some(Ok(v["Buckets"].as_array().cloned().unwrap_or_default()))),
                    Err(e) => buckets.set(Some(Err(format!("{}: {}", e.kind, e.message)))),
                }
            });
            || ()
        });
    }
    let create = {
        let (ctx, name) = (ctx.clone(), name.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let bucket = name.trim().to_string();
            let mut input = json!({"Bucket": bucket});
            if ctx.region != "us-east-1" {
                input["CreateBucketConfiguration"] = json!({"LocationConstraint": ctx.region});
            }
            let (ctx, name) = (ctx.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("s3", "CreateBucket", input).await {
                    Ok(_) => {
                        name.set(String::new());
                        ctx.navigate.emit(Route::S3(Some(bucket)));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let delete = |bucket: String, region: String| {
        let (ctx, reload) = (ctx.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            if !confirm(&format!("Delete the bucket {bucket}? It must be empty.")) {
                return;
            }
            let (ctx, reload, bucket, region) = (ctx.clone(), reload.clone(), bucket.clone(), region.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send_in("s3", "DeleteBucket", json!({"Bucket": bucket}), &region).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info("Bucket deleted", &bucket));
                        reload.set(*reload + 1);
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <>
            <p class="hint s3-intro">
                { "A " }<strong>{ "bucket" }</strong>{ " holds " }<strong>{ "objects" }</strong>{ ": bytes under a key such as " }<code>{ "exports/2026/data.json.gz" }</code>
                { ". Keys are flat; the console shows the " }<code>{ "/" }</code>{ " in them as folders (ListObjectsV2 with a delimiter). Bucket names are global to the account; each bucket lives in one region." }
            </p>
            <form class="s3-toolbar" onsubmit={create} aria-label="Create bucket">
                <input class="input" aria-label="New bucket name" placeholder="new-bucket-name" value={(*name).clone()}
                    oninput={let n = name.clone(); Callback::from(move |e: InputEvent| n.set(input_value(&e)))} required=true />
                <button type="submit" class="btn primary">{ format!("Create bucket in {}", ctx.region) }</button>
            </form>
            { match &*buckets {
                None => html! { <p class="muted">{ "Loading buckets…" }</p> },
                Some(Err(msg)) => html! { <p class="error-text" role="alert">{ msg }</p> },
                Some(Ok(list)) if list.is_empty() => html! { <div class="empty-state"><p>{ "No buckets yet. Name one above: 3 to 63 lowercase letters, digits, dots and hyphens." }</p></div> },
                Some(Ok(list)) => html! {
                    <table class="grid s3-buckets" aria-label="Buckets">
                        <thead><tr><th>{ "Bucket" }</th><th>{ "Region" }</th><th>{ "Created (UTC)" }</th><th></th></tr></thead>
                        <tbody>{ for list.iter().map(|b| {
                            let name = b["Name"].as_str().unwrap_or_default().to_string();
                            let region = b["BucketRegion"].as_str().unwrap_or_default().to_string();
                            html! {
                                <tr>
                                    <td><a href={Route::S3(Some(name.clone())).hash()}>{ &name }</a></td>
                                    <td>{ &region }</td>
                                    <td>{ when(&b["CreationDate"]) }</td>
                                    <td class="row-actions"><button class="btn small danger" aria-label={format!("Delete bucket {name}")} onclick={delete(name.clone(), region.clone())}>{ "Delete" }</button></td>
                                </tr>
                            }
                        }) }</tbody>
                    </table>
                },
            } }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct BrowserProps {
    bucket: String,
    prefix: String,
    version: u64,
}

/// One listing: folders, objects, and the token of the next page.
#[derive(Clone, PartialEq, Default)]
struct Listing {
    folders: Vec<String>,
    objects: Vec<Value>,
    next: Option<String>,
}

#[function_component(BucketBrowser)]
fn bucket_browser(p: &BrowserProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    // The bucket's region (None while looking it up; Some(None): no such bucket).
    let region = use_state(|| None::<Option<String>>);
    let listing = use_state(|| None::<Result<Listing, String>>);
    // How many pages of the listing to show ("Load more" adds one).
    let pages = use_state(|| 1u32);
    let chosen = use_state(|| None::<String>);
    let reload = use_state(|| 0u32);
    let form = use_state(|| "");
    let new_key = use_state(String::new);
    let new_text = use_state(String::new);
    let new_type = use_state(|| "text/plain".to_string());
    {
        let (ctx2, bucket, region) = (ctx.clone(), p.bucket.clone(), region.clone());
        use_effect_with(p.bucket.clone(), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let found = ctx2.bridge.send("s3", "ListBuckets", json!({"Prefix": bucket})).await.ok().and_then(|v| {
                    v["Buckets"]
                        .as_array()
                        .and_then(|l| l.iter().find(|b| b["Name"].as_str() == Some(bucket.as_str())).and_then(|b| b["BucketRegion"].as_str().map(str::to_string)))
                });
                region.set(Some(found));
            });
            || ()
        });
    }
    {
        let (ctx2, bucket, prefix, listing, region_v) = (ctx.clone(), p.bucket.clone(), p.prefix.clone(), listing.clone(), (*region).clone());
        // The listing is read afresh (page after page, up to the pages shown) whenever the
        // sandbox changes, so it never holds a page twice.
        use_effect_with((p.version, p.prefix.clone(), *pages, *reload, region_v.clone()), move |(_, _, pages, _, _)| {
            let pages = *pages;
            if let Some(Some(region)) = region_v {
                wasm_bindgen_futures::spawn_local(async move {
                    let mut l = Listing::default();
                    let mut token: Option<String> = None;
                    for _ in 0..pages {
                        let mut req = json!({"Bucket": bucket, "Delimiter": "/", "MaxKeys": PAGE});
                        if !prefix.is_empty() {
                            req["Prefix"] = json!(prefix);
                        }
                        if let Some(t) = &token {
                            req["ContinuationToken"] = json!(t);
                        }
                        match ctx2.bridge.send_in("s3", "ListObjectsV2", req, &region).await {
                            Ok(v) => {
                                l.folders.extend(v["CommonPrefixes"].as_array().into_iter().flatten().filter_map(|c| c["Prefix"].as_str().map(str::to_string)));
                                // The folder's own marker object (`reports/`, from "Create folder") is the folder, not a row in it.
                                l.objects.extend(v["Contents"].as_array().into_iter().flatten().filter(|o| o["Key"].as_str() != Some(prefix.as_str())).cloned());
                                token = v["NextContinuationToken"].as_str().map(str::to_string);
                            }
                            Err(e) => return listing.set(Some(Err(format!("{}: {}", e.kind, e.message)))),
                        }
                        if token.is_none() {
                            break;
                        }
                    }
                    l.next = token;
                    listing.set(Some(Ok(l)));
                });
            }
            || ()
        });
    }
    let Some(found) = &*region else { return html! { <p class="muted">{ "Opening the bucket…" }</p> } };
    let Some(region_name) = found.clone() else {
        return html! { <div class="empty-state"><p>{ format!("There is no bucket named {}.", p.bucket) }</p><a href={Route::S3(None).hash()}>{ "All buckets" }</a></div> };
    };

    // Breadcrumbs: Buckets › bucket › a › b
    let mut crumbs = vec![html! { <a href={Route::S3(None).hash()}>{ "Buckets" }</a> }];
    crumbs.push(html! { <a href={Route::S3(Some(p.bucket.clone())).hash()}>{ &p.bucket }</a> });
    let mut acc = String::new();
    for seg in p.prefix.split_terminator('/') {
        acc.push_str(seg);
        acc.push('/');
        crumbs.push(html! { <a href={Route::S3(Some(format!("{}/{}", p.bucket, acc))).hash()}>{ seg }</a> });
    }

    let put = {
        let (ctx, bucket, region_name, reload) = (ctx.clone(), p.bucket.clone(), region_name.clone(), reload.clone());
        move |key: String, body: Vec<u8>, content_type: String, then: Option<Callback<()>>| {
            let (ctx, bucket, region_name, reload) = (ctx.clone(), bucket.clone(), region_name.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let input = json!({"Bucket": bucket, "Key": key, "Body": B64.encode(&body), "ContentType": content_type});
                match ctx.bridge.send_in("s3", "PutObject", input, &region_name).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info("Object saved", &key));
                        reload.set(*reload + 1);
                        if let Some(t) = then {
                            t.emit(());
                        }
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        }
    };
    let upload = {
        let (put, prefix) = (put.clone(), p.prefix.clone());
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let (put, prefix) = (put.clone(), prefix.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let Ok(buf) = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await else { return };
                let data = js_sys::Uint8Array::new(&buf).to_vec();
                let content_type = if file.type_().is_empty() { "binary/octet-stream".to_string() } else { file.type_() };
                put(format!("{prefix}{}", file.name()), data, content_type, None);
            });
        })
    };
    let create_text = {
        let (put, prefix, new_key, new_text, new_type, form) = (put.clone(), p.prefix.clone(), new_key.clone(), new_text.clone(), new_type.clone(), form.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (k, f) = (new_key.clone(), form.clone());
            let done = Callback::from(move |_| {
                k.set(String::new());
                f.set("");
            });
            if *form == "folder" {
                put(format!("{prefix}{}/", new_key.trim().trim_end_matches('/')), Vec::new(), "application/x-directory".into(), Some(done));
            } else {
                put(format!("{prefix}{}", new_key.trim()), new_text.as_bytes().to_vec(), (*new_type).clone(), Some(done));
                new_text.set(String::new());
            }
        })
    };
    let delete = |key: String| {
        let (ctx, bucket, region_name, reload, chosen) = (ctx.clone(), p.bucket.clone(), region_name.clone(), reload.clone(), chosen.clone());
        Callback::from(move |_: MouseEvent| {
            if !confirm(&format!("Delete {key}?")) {
                return;
            }
            let (ctx, bucket, region_name, reload, key, chosen) = (ctx.clone(), bucket.clone(), region_name.clone(), reload.clone(), key.clone(), chosen.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send_in("s3", "DeleteObject", json!({"Bucket": bucket, "Key": key}), &region_name).await {
                    Ok(_) => {
                        if chosen.as_deref() == Some(key.as_str()) {
                            chosen.set(None);
                        }
                        reload.set(*reload + 1);
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let show_form = |which: &'static str| {
        let form = form.clone();
        Callback::from(move |_: MouseEvent| form.set(if *form == which { "" } else { which }))
    };
    let name_of = |key: &str, prefix: &str| key.strip_prefix(prefix).unwrap_or(key).to_string();

    html! {
        <div class="s3-browser">
            <nav class="crumbs" aria-label="Location">{ for crumbs.into_iter().enumerate().map(|(i, c)| html! { <>{ if i > 0 { html! { <span class="sep">{ "›" }</span> } } else { html! {} } }{ c }</> }) }
                <span class="muted region-tag">{ region_name.clone() }</span></nav>
            <div class="s3-toolbar">
                <label class="btn primary file-button">{ "Upload file" }<input type="file" aria-label="Upload file" onchange={upload} /></label>
                <button class="btn" onclick={show_form("text")} aria-expanded={(*form == "text").to_string()}>{ "Create text object" }</button>
                <button class="btn" onclick={show_form("folder")} aria-expanded={(*form == "folder").to_string()}>{ "Create folder" }</button>
            </div>
            if !form.is_empty() {
                <form class="s3-new card" onsubmit={create_text} aria-label={if *form == "folder" { "Create folder" } else { "Create text object" }}>
                    <label>{ if *form == "folder" { "Folder name" } else { "Key" } }
                        <span class="key-input"><code>{ &p.prefix }</code><input class="input" aria-label={if *form == "folder" { "Folder name" } else { "Object key" }} required=true
                            value={(*new_key).clone()} placeholder={if *form == "folder" { "reports" } else { "notes.txt" }}
                            oninput={let k = new_key.clone(); Callback::from(move |e: InputEvent| k.set(input_value(&e)))} /></span>
                    </label>
                    if *form == "text" {
                        <label>{ "Content type" }
                            <select aria-label="Content type" onchange={let t = new_type.clone(); Callback::from(move |e: Event| t.set(select_value(&e)))}>
                                { for ["text/plain", "application/json", "text/csv", "text/html"].iter().map(|t| html! { <option value={*t} selected={*new_type == *t}>{ *t }</option> }) }
                            </select>
                        </label>
                        <label class="wide">{ "Content" }
                            <textarea aria-label="Object content" rows="6" value={(*new_text).clone()} oninput={let t = new_text.clone(); Callback::from(move |e: InputEvent| t.set(input_value(&e)))} />
                        </label>
                    }
                    <div><button type="submit" class="btn primary">{ if *form == "folder" { "Create folder" } else { "Save object" } }</button></div>
                </form>
            }
            <div class="s3-view">
                <div class="s3-list">
                { match &*listing {
                    None => html! { <p class="muted">{ "Listing…" }</p> },
                    Some(Err(msg)) => html! { <p class="error-text" role="alert">{ msg }</p> },
                    Some(Ok(l)) if l.folders.is_empty() && l.objects.is_empty() => html! { <div class="empty-state"><p>{
                        if p.prefix.is_empty() { "This bucket is empty. Upload a file or create an object." } else { "No objects under this prefix." }
                    }</p></div> },
                    Some(Ok(l)) => html! {
                        <>
                        <table class="grid s3-objects" aria-label="Objects">
                            <thead><tr><th>{ "Name" }</th><th class="num">{ "Size" }</th><th>{ "Last modified (UTC)" }</th><th></th></tr></thead>
                            <tbody>
                                { for l.folders.iter().map(|f| html! {
                                    <tr class="folder">
                                        <td><a href={Route::S3(Some(format!("{}/{}", p.bucket, f))).hash()}><span class="icon">{ "📁" }</span>{ name_of(f, &p.prefix) }</a></td>
                                        <td class="num muted">{ "—" }</td><td class="muted">{ "folder" }</td><td></td>
                                    </tr>
                                }) }
                                { for l.objects.iter().map(|o| {
                                    let key = o["Key"].as_str().unwrap_or_default().to_string();
                                    let sel = chosen.as_deref() == Some(key.as_str());
                                    let pick = { let (c, k) = (chosen.clone(), key.clone()); Callback::from(move |_: MouseEvent| c.set(Some(k.clone()))) };
                                    html! {
                                        <tr class={classes!(sel.then_some("selected"))}>
                                            <td><button class="linklike" onclick={pick}>{ name_of(&key, &p.prefix) }</button></td>
                                            <td class="num">{ bytes(o["Size"].as_u64().unwrap_or(0)) }</td>
                                            <td>{ when(&o["LastModified"]) }</td>
                                            <td class="row-actions"><button class="btn small danger" aria-label={format!("Delete {key}")} onclick={delete(key.clone())}>{ "Delete" }</button></td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                        if l.next.is_some() {
                            <button class="btn small" onclick={let n = pages.clone(); Callback::from(move |_| n.set(*n + 1))}>{ "Load more" }</button>
                        }
                        </>
                    },
                } }
                </div>
                if let Some(key) = &*chosen {
                    <Preview key={key.clone()} bucket={p.bucket.clone()} object_key={key.clone()} region={region_name.clone()} version={*reload} />
                }
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct PreviewProps {
    bucket: String,
    object_key: String,
    region: String,
    version: u32,
}

/// What the preview shows of an object's bytes.
enum Shown {
    Text(String, bool),
    Image(String),
    Binary,
}

fn is_gzip(data: &[u8]) -> bool {
    data.len() > 2 && data[0] == 0x1f && data[1] == 0x8b
}

/// The members of a gzip file (RFC 1952), inflated; `None` if it is not one we can read.
pub fn gunzip(data: &[u8]) -> Option<Vec<u8>> {
    if !is_gzip(data) || data.len() < 18 || data[2] != 8 {
        return None;
    }
    let flags = data[3];
    let mut at = 10;
    if flags & 4 != 0 {
        let xlen = u16::from_le_bytes([*data.get(at)?, *data.get(at + 1)?]) as usize;
        at += 2 + xlen;
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            at += data.get(at..)?.iter().position(|b| *b == 0)? + 1;
        }
    }
    if flags & 2 != 0 {
        at += 2;
    }
    miniz_oxide::inflate::decompress_to_vec(data.get(at..data.len().checked_sub(8)?)?).ok()
}

fn shown(content_type: &str, key: &str, data: &[u8], truncated: bool) -> Shown {
    if content_type.starts_with("image/") && !truncated {
        return Shown::Image(format!("data:{content_type};base64,{}", B64.encode(data)));
    }
    let data = if is_gzip(data) && !truncated { gunzip(data).unwrap_or_else(|| data.to_vec()) } else { data.to_vec() };
    let texty = content_type.starts_with("text/")
        || content_type.contains("json")
        || content_type.contains("xml")
        || content_type.contains("csv")
        || key.ends_with(".json")
        || key.ends_with(".gz");
    match String::from_utf8(data) {
        Ok(t) => {
            let t = if content_type.contains("json") && !t.contains('\n') { crate::panels::fn_util::pretty(&t) } else { t };
            Shown::Text(t, truncated)
        }
        Err(e) if texty || truncated => Shown::Text(String::from_utf8_lossy(e.as_bytes()).into_owned(), truncated),
        Err(_) => Shown::Binary,
    }
}

#[function_component(Preview)]
fn preview(p: &PreviewProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let state = use_state(|| None::<Result<(Value, Vec<u8>), String>>);
    {
        let (ctx2, bucket, key, region, state) = (ctx.clone(), p.bucket.clone(), p.object_key.clone(), p.region.clone(), state.clone());
        use_effect_with(p.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let req = json!({"Bucket": bucket, "Key": key, "Range": format!("bytes=0-{}", PREVIEW_BYTES - 1)});
                match ctx2.bridge.send_in("s3", "GetObject", req, &region).await {
                    Ok(v) => {
                        let data = v["Body"].as_str().and_then(|b| B64.decode(b).ok()).unwrap_or_default();
                        state.set(Some(Ok((v, data))));
                    }
                    // An empty object has no first byte to range over: read it whole.
                    Err(e) if e.kind == "InvalidRange" => match ctx2.bridge.send_in("s3", "GetObject", json!({"Bucket": bucket, "Key": key}), &region).await {
                        Ok(v) => state.set(Some(Ok((v, Vec::new())))),
                        Err(e) => state.set(Some(Err(format!("{}: {}", e.kind, e.message)))),
                    },
                    Err(e) => state.set(Some(Err(format!("{}: {}", e.kind, e.message)))),
                }
            });
            || ()
        });
    }
    let Some(loaded) = &*state else { return html! { <aside class="s3-preview card"><p class="muted">{ "Reading the object…" }</p></aside> } };
    let (meta, data) = match loaded {
        Ok(x) => x,
        Err(msg) => return html! { <aside class="s3-preview card"><p class="error-text">{ msg }</p></aside> },
    };
    let size = meta["ContentRange"].as_str().and_then(|r| r.rsplit('/').next()).and_then(|s| s.parse::<u64>().ok()).unwrap_or(data.len() as u64);
    let truncated = (data.len() as u64) < size;
    let content_type = meta["ContentType"].as_str().unwrap_or("binary/octet-stream").to_string();
    let save = {
        let (ctx, bucket, key, region, content_type) = (ctx.clone(), p.bucket.clone(), p.object_key.clone(), p.region.clone(), content_type.clone());
        Callback::from(move |_: MouseEvent| {
            let (ctx, bucket, key, region, content_type) = (ctx.clone(), bucket.clone(), key.clone(), region.clone(), content_type.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send_in("s3", "GetObject", json!({"Bucket": bucket, "Key": key}), &region).await {
                    Ok(v) => {
                        let data = v["Body"].as_str().and_then(|b| B64.decode(b).ok()).unwrap_or_default();
                        let name = key.rsplit('/').next().unwrap_or(&key).to_string();
                        if let Err(e) = download(&name, &content_type, &data) {
                            ctx.notify.emit(Notice::error("Download", &e));
                        }
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let gz = is_gzip(data);
    html! {
        <aside class="s3-preview card" aria-label="Object preview">
            <div class="preview-head"><h2><code>{ &p.object_key }</code></h2><button class="btn small" onclick={save}>{ "Download" }</button></div>
            <dl class="props">
                <dt>{ "Size" }</dt><dd>{ format!("{} ({size} bytes)", bytes(size)) }</dd>
                <dt>{ "Type" }</dt><dd>{ &content_type }</dd>
                <dt>{ "ETag" }</dt><dd><code>{ meta["ETag"].as_str().unwrap_or_default() }</code></dd>
                <dt>{ "Last modified" }</dt><dd>{ when(&meta["LastModified"]) }</dd>
                { for meta["Metadata"].as_object().into_iter().flatten().map(|(k, v)| html! { <><dt>{ format!("x-amz-meta-{k}") }</dt><dd>{ v.as_str().unwrap_or_default() }</dd></> }) }
            </dl>
            { match shown(&content_type, &p.object_key, data, truncated) {
                Shown::Image(src) => html! { <img class="s3-image" alt={p.object_key.clone()} src={src} /> },
                Shown::Text(t, cut) => html! { <>
                    if gz && !cut { <p class="muted small">{ "gzip: shown decompressed" }</p> }
                    if cut { <p class="muted small">{ format!("The first {} of {}:", bytes(data.len() as u64), bytes(size)) }</p> }
                    <pre class="s3-text" aria-label="Object content">{ t }</pre>
                </> },
                Shown::Binary => html! { <p class="muted">{ "Binary content: download it to open it." }</p> },
            } }
        </aside>
    }
}
