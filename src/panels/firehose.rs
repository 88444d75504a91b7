//! Amazon Data Firehose: the region's Firehose streams (ListDeliveryStreams,
//! DescribeDeliveryStream), a create form (direct PUT or a Kinesis data stream as the source, an
//! S3 bucket, buffering hints, compression), and for a stream its buffer filling up
//! (`firehose:DescribeBuffer`: bytes against SizeInMBs, time against IntervalInSeconds), a
//! put-record box for direct PUT streams, and the objects delivered lately with links to the S3
//! panel.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::{Ctx, Route},
    notify::Notice,
    panels::{
        form::{bind_text, create_then_open, Created},
        functions::{input_value, select_value},
        ttl::{span, use_sim_now},
    },
};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub selected: Option<String>,
}

fn bytes_label(n: f64) -> String {
    match n {
        n if n >= 1_048_576.0 => format!("{:.1} MiB", n / 1_048_576.0),
        n if n >= 1024.0 => format!("{:.1} KiB", n / 1024.0),
        n => format!("{n} B"),
    }
}

/// The bucket name of `arn:aws:s3:::bucket`.
fn bucket_of(arn: &str) -> String {
    arn.rsplit(':').next().unwrap_or_default().to_string()
}

#[function_component(Firehose)]
pub fn firehose(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let list = use_state(|| None::<Vec<Value>>);
    let creating = use_state(|| false);
    {
        let (list, ctx2) = (list.clone(), ctx.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("firehose", "ListDeliveryStreams", json!({"Limit": 10000})).await {
                    Ok(v) => {
                        let mut out = Vec::new();
                        for n in v["DeliveryStreamNames"].as_array().cloned().unwrap_or_default() {
                            if let Ok(d) = ctx2.bridge.send("firehose", "DescribeDeliveryStream", json!({"DeliveryStreamName": n})).await {
                                out.push(d["DeliveryStreamDescription"].clone());
                            }
                        }
                        list.set(Some(out));
                    }
                    Err(e) => {
                        ctx2.error(&e);
                        list.set(Some(Vec::new()));
                    }
                }
            });
            || ()
        });
    }
    let selected = p.selected.as_ref().and_then(|n| list.as_ref().and_then(|l| l.iter().find(|s| s["DeliveryStreamName"] == json!(n)).cloned()));
    html! {
        <section class="panel firehose">
            <header class="panel-head">
                <h1>{ "Firehose" }</h1><span class="aws-name">{ format!("Amazon Data Firehose · {}", ctx.region) }</span>
                <div class="spacer" />
                <button class="btn primary" onclick={let c = creating.clone(); Callback::from(move |_| c.set(true))}>{ "Create Firehose stream" }</button>
            </header>
            <p class="hint firehose-intro">
                { "A Firehose stream takes records from producers (a direct PUT) or reads them from a Kinesis data stream, " }
                <strong>{ "buffers" }</strong>
                { " them, and writes each buffer to S3 as one object. A buffer is written when it holds " }<strong>{ "SizeInMBs" }</strong>
                { " or when " }<strong>{ "IntervalInSeconds" }</strong>
                { " have passed since its oldest record arrived, whichever comes first. Records are concatenated as sent: Firehose adds no newline. Time here is simulated: jump the clock to see a buffer flush." }
            </p>
            if *creating {
                <CreateStream on_close={let c = creating.clone(); Callback::from(move |_| c.set(false))} />
            }
            { match &*list {
                None => html! { <p class="muted">{ "Loading Firehose streams…" }</p> },
                Some(l) if l.is_empty() => html! { <div class="empty-state"><p>{ "No Firehose streams in this region yet. Create one that delivers to an S3 bucket." }</p></div> },
                Some(l) => html! {
                    <table class="grid firehose-list" aria-label="Firehose streams">
                        <thead><tr><th>{ "Name" }</th><th>{ "Status" }</th><th>{ "Source" }</th><th>{ "Destination" }</th><th>{ "Buffering" }</th></tr></thead>
                        <tbody>
                            { for l.iter().map(|s| {
                                let name = s["DeliveryStreamName"].as_str().unwrap_or_default().to_string();
                                let status = s["DeliveryStreamStatus"].as_str().unwrap_or_default().to_string();
                                let dest = &s["Destinations"][0]["ExtendedS3DestinationDescription"];
                                let bucket = bucket_of(dest["BucketARN"].as_str().unwrap_or_default());
                                let source = match s["Source"]["KinesisStreamSourceDescription"]["KinesisStreamARN"].as_str() {
                                    Some(arn) => format!("Kinesis: {}", arn.rsplit('/').next().unwrap_or_default()),
                                    None => "Direct PUT".into(),
                                };
                                let sel = p.selected.as_deref() == Some(name.as_str());
                                html! {
                                    <tr class={classes!(sel.then_some("selected"))}>
                                        <td><a href={Route::Firehose(Some(name.clone())).hash()}>{ &name }</a></td>
                                        <td><span class={classes!("badge", status.to_lowercase())}>{ &status }</span></td>
                                        <td>{ source }</td>
                                        <td><a href={Route::S3(Some(bucket.clone())).hash()}>{ format!("s3://{bucket}") }</a></td>
                                        <td>{ format!("{} MiB or {} s{}", dest["BufferingHints"]["SizeInMBs"], dest["BufferingHints"]["IntervalInSeconds"], if dest["CompressionFormat"] == "GZIP" { ", GZIP" } else { "" }) }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
            { match (&p.selected, selected) {
                (Some(_), Some(s)) => {
                    let k = format!("{}@{}", s["DeliveryStreamName"].as_str().unwrap_or_default(), s["CreateTimestamp"]);
                    html! { <StreamDetail key={k} description={s} /> }
                }
                (Some(n), None) if list.is_some() => html! { <p class="muted">{ format!("There is no Firehose stream named {n} in {}.", ctx.region) }</p> },
                _ => html! {},
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CreateProps {
    on_close: Callback<()>,
}

#[function_component(CreateStream)]
fn create_stream(p: &CreateProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(String::new);
    let source = use_state(String::new);
    let bucket = use_state(String::new);
    let prefix = use_state(String::new);
    let size = use_state(|| "5".to_string());
    let interval = use_state(|| "300".to_string());
    let gzip = use_state(|| false);
    let busy = use_state(|| false);
    let buckets = use_state(Vec::<String>::new);
    let streams = use_state(Vec::<String>::new);
    {
        let (ctx2, buckets, streams, bucket) = (ctx.clone(), buckets.clone(), streams.clone(), bucket.clone());
        use_effect_with(ctx.region.clone(), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = ctx2.bridge.send("s3", "ListBuckets", json!({})).await {
                    let names: Vec<String> = v["Buckets"].as_array().into_iter().flatten().filter_map(|b| b["Name"].as_str().map(str::to_string)).collect();
                    if let Some(first) = names.first() {
                        bucket.set(first.clone());
                    }
                    buckets.set(names);
                }
                if let Ok(v) = ctx2.bridge.send("kinesis", "ListStreams", json!({})).await {
                    streams.set(v["StreamNames"].as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect());
                }
            });
            || ()
        });
    }
    let submit = {
        let (ctx, name, source, bucket, prefix, size, interval, gzip, busy, close) =
            (ctx.clone(), name.clone(), source.clone(), bucket.clone(), prefix.clone(), size.clone(), interval.clone(), gzip.clone(), busy.clone(), p.on_close.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let stream = name.trim().to_string();
            let (Ok(size), Ok(interval)) = (size.trim().parse::<i64>(), interval.trim().parse::<i64>()) else {
                ctx.notify.emit(Notice::error("ValidationException", "Buffer size and interval must be whole numbers."));
                return;
            };
            let mut dest = json!({
                "RoleARN": format!("arn:aws:iam::123456789012:role/firehose-{stream}"),
                "BucketARN": format!("arn:aws:s3:::{}", *bucket),
                "BufferingHints": {"SizeInMBs": size, "IntervalInSeconds": interval},
                "CompressionFormat": if *gzip { "GZIP" } else { "UNCOMPRESSED" },
            });
            if !prefix.trim().is_empty() {
                dest["Prefix"] = json!(prefix.trim());
            }
            let mut req = json!({"DeliveryStreamName": stream, "ExtendedS3DestinationConfiguration": dest});
            if !source.is_empty() {
                req["DeliveryStreamType"] = json!("KinesisStreamAsSource");
                req["KinesisStreamSourceConfiguration"] = json!({
                    "KinesisStreamARN": format!("arn:aws:kinesis:{}:123456789012:stream/{}", ctx.region, *source),
                    "RoleARN": format!("arn:aws:iam::123456789012:role/firehose-{stream}"),
                });
            }
            let created = Created {
                title: "Firehose stream created",
                message: format!("{stream} is CREATING; it is ACTIVE after 5 seconds of simulated time."),
                open: Route::Firehose(Some(stream)),
            };
            create_then_open(&ctx, &busy, &close, "firehose", "CreateDeliveryStream", req, created);
        })
    };
    let text = bind_text;
    let pick = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: Event| s.set(select_value(&e)))
    };
    html! {
        <form class="card firehose-create" onsubmit={submit} aria-label="Create Firehose stream">
            <h2>{ "Create a Firehose stream" }</h2>
            <div class="field">
                <label for="fh-name">{ "Firehose stream name" }</label>
                <input id="fh-name" placeholder="events-to-s3" value={(*name).clone()} oninput={text(&name)} required=true />
                <p class="hint">{ "1 to 64 characters: letters, digits, underscore, dash and dot." }</p>
            </div>
            <div class="field">
                <label for="fh-source">{ "Source" }</label>
                <select id="fh-source" onchange={pick(&source)}>
                    <option value="" selected={source.is_empty()}>{ "Direct PUT (PutRecord, PutRecordBatch)" }</option>
                    { for streams.iter().map(|s| html! { <option value={s.clone()} selected={*source == *s}>{ format!("Kinesis data stream: {s}") }</option> }) }
                </select>
                <p class="hint">{ "A Kinesis source is read from the moment the Firehose stream becomes ACTIVE (the LATEST position): older records stay behind." }</p>
            </div>
            <div class="field">
                <label for="fh-bucket">{ "S3 bucket" }</label>
                if buckets.is_empty() {
                    <p class="hint">{ "No buckets yet: " }<a href={Route::S3(None).hash()}>{ "create one in S3" }</a>{ " first." }</p>
                } else {
                    <select id="fh-bucket" onchange={pick(&bucket)}>
                        { for buckets.iter().map(|b| html! { <option value={b.clone()} selected={*bucket == *b}>{ b }</option> }) }
                    </select>
                }
            </div>
            <div class="field">
                <label for="fh-prefix">{ "Prefix (optional)" }</label>
                <input id="fh-prefix" placeholder="events/" value={(*prefix).clone()} oninput={text(&prefix)} />
                <p class="hint">{ "Objects are named {prefix}YYYY/MM/dd/HH/{stream}-{version}-{time}-{uuid}." }</p>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="fh-size">{ "Buffer size (MiB, 1–128)" }</label>
                    <input id="fh-size" type="number" min="1" max="128" value={(*size).clone()} oninput={text(&size)} />
                </div>
                <div class="field">
                    <label for="fh-interval">{ "Buffer interval (s, 0–900)" }</label>
                    <input id="fh-interval" type="number" min="0" max="900" value={(*interval).clone()} oninput={text(&interval)} />
                </div>
            </div>
            <label class="check"><input type="checkbox" checked={*gzip} onchange={let g = gzip.clone(); Callback::from(move |_| g.set(!*g))} />{ " Compress objects with GZIP (.gz)" }</label>
            <div class="actions">
                <button type="submit" class="btn primary" disabled={*busy || buckets.is_empty()}>{ if *busy { "Creating…" } else { "Create Firehose stream" } }</button>
                <button type="button" class="btn" onclick={let c = p.on_close.clone(); Callback::from(move |_| c.emit(()))}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct DetailProps {
    /// DescribeDeliveryStream's DeliveryStreamDescription.
    description: Value,
}

#[function_component(StreamDetail)]
fn stream_detail(p: &DetailProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let d = &p.description;
    let name = d["DeliveryStreamName"].as_str().unwrap_or_default().to_string();
    let status = d["DeliveryStreamStatus"].as_str().unwrap_or_default().to_string();
    let direct = d["DeliveryStreamType"] == "DirectPut";
    let dest = d["Destinations"][0]["ExtendedS3DestinationDescription"].clone();
    let buffer = use_state(|| None::<Value>);
    let data = use_state(|| "{\"ticker\":\"AMZN\",\"price\":182.5}\n".to_string());
    let now_ms = use_sim_now(true);
    {
        let (buffer, ctx2, name) = (buffer.clone(), ctx.clone(), name.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.sim("firehose:DescribeBuffer", json!({"region": ctx2.region, "DeliveryStreamName": name})).await {
                    Ok(v) => buffer.set(Some(v)),
                    Err(e) => ctx2.error(&e),
                }
            });
            || ()
        });
    }
    let put = {
        let (ctx, name, data) = (ctx.clone(), name.clone(), data.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
            let req = json!({"DeliveryStreamName": name, "Record": {"Data": B64.encode(data.as_bytes())}});
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.send("firehose", "PutRecord", req).await {
                    ctx.error(&e);
                }
            });
        })
    };
    let delete = {
        let (ctx, name) = (ctx.clone(), name.clone());
        Callback::from(move |_| {
            let (ctx, name) = (ctx.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("firehose", "DeleteDeliveryStream", json!({"DeliveryStreamName": name})).await {
                    Ok(_) => ctx.notify.emit(Notice::info("Deleting", &format!("{name} is DELETING; buffered records go with it."))),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let b = (*buffer).clone().unwrap_or(Value::Null);
    let bytes = b["BufferedBytes"].as_f64().unwrap_or(0.0);
    let limit = b["SizeLimitBytes"].as_f64().unwrap_or(1.0).max(1.0);
    let interval = b["IntervalInSeconds"].as_f64().unwrap_or(0.0);
    let next = b["NextFlushMs"].as_f64();
    let time_left = next.map(|n| ((n - now_ms) / 1000.0).max(0.0));
    let time_fraction = match time_left {
        Some(left) if interval > 0.0 => ((interval - left) / interval).clamp(0.0, 1.0),
        Some(_) => 1.0,
        None => 0.0,
    };
    let jump = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let Some(left) = time_left else { return };
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.sim("AdvanceClock", json!({"seconds": left.ceil().max(1.0)})).await {
                    ctx.error(&e);
                }
            });
        })
    };
    let bucket = bucket_of(dest["BucketARN"].as_str().unwrap_or_default());
    html! {
        <div class="firehose-detail">
            <div class="detail-head">
                <h2>{ &name }</h2>
                <span class={classes!("badge", status.to_lowercase())}>{ &status }</span>
                <code class="arn">{ d["DeliveryStreamARN"].as_str().unwrap_or_default() }</code>
                <div class="spacer" />
                <button class="btn danger" onclick={delete} disabled={status != "ACTIVE"}>{ "Delete" }</button>
            </div>
            <dl class="firehose-config">
                <dt>{ "Source" }</dt>
                <dd>{ match d["Source"]["KinesisStreamSourceDescription"]["KinesisStreamARN"].as_str() {
                    Some(arn) => { let k = arn.rsplit('/').next().unwrap_or_default().to_string(); html! { <a href={Route::Kinesis(Some(k.clone())).hash()}>{ format!("Kinesis data stream {k}") }</a> } }
                    None => html! { "Direct PUT" },
                } }</dd>
                <dt>{ "Destination" }</dt>
                <dd><a href={Route::S3(Some(bucket.clone())).hash()}>{ format!("s3://{bucket}/{}", dest["Prefix"].as_str().unwrap_or_default()) }</a></dd>
                <dt>{ "Buffering hints" }</dt>
                <dd>{ format!("{} MiB or {} s, {}", dest["BufferingHints"]["SizeInMBs"], dest["BufferingHints"]["IntervalInSeconds"], dest["CompressionFormat"].as_str().unwrap_or_default()) }</dd>
                <dt>{ "Version" }</dt>
                <dd>{ d["VersionId"].as_str().unwrap_or_default() }</dd>
            </dl>
            <div class="card firehose-buffer" aria-label="Buffer">
                <h3>{ "Buffer" }</h3>
                <p>{ format!("{} records, {} of {}", b["BufferedRecords"].as_u64().unwrap_or(0), bytes_label(bytes), bytes_label(limit)) }</p>
                <div class="bar-track" title="Size"><div class="bar-fill" style={format!("width: {:.1}%", (bytes / limit * 100.0).min(100.0))} /></div>
                <p>{ match time_left {
                    Some(left) => format!("Written to S3 in {} (interval {} s from the oldest record)", span(left), interval),
                    None => "Empty: the interval starts with the next record.".into(),
                } }</p>
                <div class="bar-track time" title="Interval"><div class="bar-fill" style={format!("width: {:.1}%", time_fraction * 100.0)} /></div>
                if let Some(i) = b["InFlight"].as_object() {
                    <p class="warn">{ format!("Writing {} ({} records), attempt {}: {}", i["Key"].as_str().unwrap_or_default(), i["Records"], i["Attempts"], i["LastError"].as_str().unwrap_or("in progress")) }</p>
                }
                <button class="btn" onclick={jump} disabled={time_left.is_none()}>{ "Jump the clock to the flush" }</button>
            </div>
            if direct && status == "ACTIVE" {
                <form class="card firehose-put" onsubmit={put} aria-label="Put record">
                    <h3>{ "Put a record" }</h3>
                    <textarea rows="3" value={(*data).clone()} oninput={let s = data.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} />
                    <p class="hint">{ "Sent as is: end it with a newline if you want one line per record in the object." }</p>
                    <button type="submit" class="btn primary">{ "PutRecord" }</button>
                </form>
            }
            <h3>{ "Delivered objects" }</h3>
            { match b["DeliveredObjects"].as_array() {
                Some(objs) if !objs.is_empty() => html! {
                    <table class="grid firehose-objects" aria-label="Delivered objects">
                        <thead><tr><th>{ "Key" }</th><th class="num">{ "Records" }</th><th class="num">{ "Bytes" }</th><th>{ "Delivered" }</th></tr></thead>
                        <tbody>
                            { for objs.iter().map(|o| {
                                let key = o["Key"].as_str().unwrap_or_default();
                                let folder = key.rsplit_once('/').map(|(f, _)| format!("{}/{f}/", o["Bucket"].as_str().unwrap_or_default())).unwrap_or_else(|| o["Bucket"].as_str().unwrap_or_default().to_string());
                                html! {
                                    <tr>
                                        <td><a href={Route::S3(Some(folder)).hash()}><code>{ key }</code></a></td>
                                        <td class="num">{ o["Records"].to_string() }</td>
                                        <td class="num">{ o["Bytes"].to_string() }</td>
                                        <td>{ o["DeliveredAt"].as_str().unwrap_or_default() }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
                _ => html! { <p class="muted">{ "Nothing delivered yet." }</p> },
            } }
        </div>
    }
}
