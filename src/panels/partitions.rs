//! The Partitions tab: the table's items drawn as DynamoDB stores them. Items with the same
//! partition key form one item collection, kept together and ordered by the sort key; the
//! collections follow one another in the order of a hash of the partition key, which is the
//! order a Scan meets them.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{app::Ctx, dynamo_json};

/// At most this many items are drawn.
const MAX_ITEMS: usize = 500;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub table: String,
    pub hash: (String, String),
    pub range: Option<(String, String)>,
}

/// Consecutive items with the same partition key value, in Scan order.
pub fn collections(items: &[Value], hash: &str) -> Vec<(Value, Vec<Value>)> {
    let mut out: Vec<(Value, Vec<Value>)> = Vec::new();
    for it in items {
        let pk = it[hash].clone();
        match out.last_mut() {
            Some((k, list)) if *k == pk => list.push(it.clone()),
            _ => out.push((pk, vec![it.clone()])),
        }
    }
    out
}

#[function_component(Partitions)]
pub fn partitions(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let items = use_state(|| None::<(Vec<Value>, bool)>);
    {
        let (items, ctx2, table) = (items.clone(), ctx.clone(), p.table.clone());
        use_effect_with((ctx.version, p.table.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut all = Vec::new();
                let mut start: Option<Value> = None;
                let mut more = false;
                loop {
                    let mut req = json!({"TableName": table, "Limit": 200});
                    if let Some(s) = start.take() {
                        req["ExclusiveStartKey"] = s;
                    }
                    match ctx2.bridge.send("dynamodb", "Scan", req).await {
                        Ok(v) => {
                            all.extend(v["Items"].as_array().cloned().unwrap_or_default());
                            start = v.get("LastEvaluatedKey").cloned();
                            if all.len() >= MAX_ITEMS {
                                all.truncate(MAX_ITEMS);
                                more = start.is_some();
                                break;
                            }
                            if start.is_none() {
                                break;
                            }
                        }
                        Err(e) => {
                            ctx2.error(&e);
                            break;
                        }
                    }
                }
                items.set(Some((all, more)));
            });
            || ()
        });
    }
    let Some((list, more)) = &*items else { return html! { <p class="muted">{ "Reading the table…" }</p> } };
    let groups = collections(list, &p.hash.0);
    let other = |it: &Value| -> String {
        let mut parts = Vec::new();
        if let Some(o) = it.as_object() {
            for (k, v) in o.iter().filter(|(k, _)| **k != p.hash.0 && p.range.as_ref().is_none_or(|r| **k != r.0)).take(3) {
                parts.push(format!("{k}: {}", dynamo_json::cell(v).0));
            }
        }
        parts.join(" · ")
    };
    html! {
        <div class="partitions" aria-label="Partitions">
            <p class="hint">
                { "DynamoDB hashes each item's partition key (" }<code>{ &p.hash.0 }</code>{ ") to decide where it lives. Items with the same partition key value form an " }
                <strong>{ "item collection" }</strong>
                { match &p.range {
                    Some((r, _)) => html! { <>{ ", stored together and sorted by the sort key (" }<code>{ r }</code>{ "). A Query reads one collection, in order, which is why it is cheap." }</> },
                    None => html! { <>{ ". Without a sort key each collection holds exactly one item." }</> },
                } }
                { " Collections appear in the order of their hash, the order a Scan walks them: not the order you wrote them." }
            </p>
            if list.is_empty() {
                <p class="muted">{ "No items yet: add some, or load a sample data set from the Tables page." }</p>
            }
            <div class="partition-grid">
                { for groups.iter().enumerate().map(|(i, (pk, members))| html! {
                    <div class="partition-card">
                        <div class="partition-head">
                            <span class="muted">{ format!("#{} · ", i + 1) }</span>
                            <code>{ format!("{} = {}", p.hash.0, dynamo_json::cell(pk).0) }</code>
                            <span class="muted">{ format!(" · {} item{}", members.len(), if members.len() == 1 { "" } else { "s" }) }</span>
                        </div>
                        <ol class="collection">
                            { for members.iter().map(|it| html! {
                                <li>
                                    if let Some((r, _)) = &p.range { <code class="sk">{ dynamo_json::cell(&it[r]).0 }</code> }
                                    <span class="muted">{ other(it) }</span>
                                </li>
                            }) }
                        </ol>
                    </div>
                }) }
            </div>
            if *more { <p class="muted">{ format!("Showing the first {MAX_ITEMS} items.") }</p> }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_items_with_one_partition_key_form_a_collection() {
        let items = vec![json!({"pk": {"S": "b"}, "sk": {"N": "1"}}), json!({"pk": {"S": "b"}, "sk": {"N": "2"}}), json!({"pk": {"S": "a"}, "sk": {"N": "1"}})];
        let groups = collections(&items, "pk");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, json!({"S": "b"}));
        assert_eq!(groups[0].1.len(), 2);
        assert_eq!(groups[1].1.len(), 1);
    }
}
