//! Sample data sets a learner loads in one click: each is a CreateTable request and items in
//! plain JSON, written with BatchWriteItem once the table is ACTIVE.

use serde_json::{json, Value};

use crate::{app::Ctx, dynamo_json, notify::Notice};

pub struct Sample {
    pub table: &'static str,
    pub title: &'static str,
    pub about: &'static str,
}

pub const SAMPLES: &[Sample] = &[
    Sample { table: "Music", title: "Music", about: "Artist (partition key) and SongTitle (sort key): each artist's songs form one item collection, sorted by title." },
    Sample {
        table: "GameScores",
        title: "Game scores",
        about: "UserId and GameTitle, with a GSI GameTitleIndex (GameTitle, TopScore) for leaderboards: the AWS documentation's example.",
    },
    Sample {
        table: "Orders",
        title: "Orders (single-table design)",
        about: "Customers, orders and order lines in one table under generic PK/SK keys, with GSI1 to find orders by status.",
    },
];

fn key_schema(hash: (&str, &str), range: (&str, &str)) -> (Value, Value) {
    (
        json!([{"AttributeName": hash.0, "AttributeType": hash.1}, {"AttributeName": range.0, "AttributeType": range.1}]),
        json!([{"AttributeName": hash.0, "KeyType": "HASH"}, {"AttributeName": range.0, "KeyType": "RANGE"}]),
    )
}

/// The CreateTable request and the items (plain JSON) of a sample.
pub fn sample_data(table: &str) -> Option<(Value, Vec<Value>)> {
    match table {
        "Music" => {
            let (defs, keys) = key_schema(("Artist", "S"), ("SongTitle", "S"));
            let songs = [
                ("Acme Band", "Happy Day", "Songs About Life", 2019, "Rock"),
                ("Acme Band", "PartiQL Rocks", "Another Album Title", 2021, "Rock"),
                ("Acme Band", "Still in Love", "Songs About Life", 2019, "Rock"),
                ("No One You Know", "Call Me Today", "Somewhat Famous", 2015, "Country"),
                ("No One You Know", "My Dog Spot", "Hey Now", 2013, "Country"),
                ("No One You Know", "Somewhere Down The Road", "Somewhat Famous", 2015, "Country"),
                ("The Acme Band", "Look Out, World", "The Buck Starts Here", 2012, "Rock"),
                ("Seoul Strings", "Han River Nights", "City Lights", 2022, "K-Indie"),
                ("Seoul Strings", "Namsan Morning", "City Lights", 2022, "K-Indie"),
                ("Seoul Strings", "Rainy Insadong", "Alleys", 2024, "K-Indie"),
                ("Blue Mesa", "Desert Highway", "Open Roads", 2018, "Blues"),
                ("Blue Mesa", "Morning Coffee", "Open Roads", 2018, "Blues"),
            ];
            let items = songs.iter().map(|(a, s, al, y, g)| json!({"Artist": a, "SongTitle": s, "AlbumTitle": al, "Year": y, "Genre": g})).collect();
            Some((json!({"TableName": "Music", "AttributeDefinitions": defs, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST"}), items))
        }
        "GameScores" => {
            let (mut defs, keys) = key_schema(("UserId", "S"), ("GameTitle", "S"));
            if let Some(d) = defs.as_array_mut() {
                d.push(json!({"AttributeName": "TopScore", "AttributeType": "N"}));
            }
            let games = ["Meteor Blasters", "Starship X", "Galaxy Invaders", "Alien Adventure", "Attack Ships"];
            let mut items = Vec::new();
            for u in 0..8u64 {
                for (g, game) in games.iter().enumerate() {
                    if (u + g as u64) % 3 == 2 {
                        continue; // not everyone plays every game
                    }
                    let score = (u * 7_919 + g as u64 * 104_729) % 9_000 + 500;
                    items.push(json!({
                        "UserId": format!("user-{:03}", 101 + u), "GameTitle": game, "TopScore": score,
                        "Wins": (score / 700) as i64, "Losses": ((u + g as u64) % 5) as i64,
                        "TopScoreDateTime": format!("2026-0{}-{:02}T1{}:00:00", 1 + (u % 9), 1 + (score % 28), g),
                    }));
                }
            }
            Some((
                json!({
                    "TableName": "GameScores", "AttributeDefinitions": defs, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST",
                    "GlobalSecondaryIndexes": [{
                        "IndexName": "GameTitleIndex",
                        "KeySchema": [{"AttributeName": "GameTitle", "KeyType": "HASH"}, {"AttributeName": "TopScore", "KeyType": "RANGE"}],
                        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["Wins", "Losses"]}
                    }]
                }),
                items,
            ))
        }
        "Orders" => {
            let (mut defs, keys) = key_schema(("PK", "S"), ("SK", "S"));
            if let Some(d) = defs.as_array_mut() {
                d.push(json!({"AttributeName": "GSI1PK", "AttributeType": "S"}));
                d.push(json!({"AttributeName": "GSI1SK", "AttributeType": "S"}));
            }
            let customers = [("c-1", "Ji-woo Kim", "jiwoo@example.com"), ("c-2", "Sam Lee", "sam@example.com"), ("c-3", "Ana Diaz", "ana@example.com")];
            let statuses = ["PLACED", "SHIPPED", "DELIVERED"];
            let products = [("p-10", "Keyboard", 79), ("p-11", "Mouse", 25), ("p-12", "Monitor", 219), ("p-13", "USB cable", 9)];
            let mut items = Vec::new();
            for (ci, (id, name, email)) in customers.iter().enumerate() {
                items.push(json!({"PK": format!("CUSTOMER#{id}"), "SK": "PROFILE", "Type": "Customer", "Name": name, "Email": email}));
                for o in 0..(2 + ci) {
                    let order = format!("o-{}{}", ci + 1, o + 1);
                    let status = statuses[(ci + o) % 3];
                    let date = format!("2026-1{}-{:02}", o % 2, 3 + ci * 5 + o);
                    let lines: Vec<usize> = (0..(1 + (ci + o) % 3)).map(|k| (ci + o + k) % products.len()).collect();
                    let total: i64 = lines.iter().map(|l| products[*l].2).sum();
                    items.push(json!({"PK": format!("CUSTOMER#{id}"), "SK": format!("ORDER#{date}#{order}"), "Type": "Order", "OrderId": order, "Status": status, "Total": total, "GSI1PK": format!("STATUS#{status}"), "GSI1SK": format!("{date}#{order}")}));
                    for l in lines {
                        let (pid, pname, price) = products[l];
                        items.push(json!({"PK": format!("ORDER#{order}"), "SK": format!("LINE#{pid}"), "Type": "OrderLine", "Product": pname, "Price": price, "Quantity": 1}));
                    }
                }
            }
            Some((
                json!({
                    "TableName": "Orders", "AttributeDefinitions": defs, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST",
                    "GlobalSecondaryIndexes": [{
                        "IndexName": "GSI1",
                        "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}, {"AttributeName": "GSI1SK", "KeyType": "RANGE"}],
                        "Projection": {"ProjectionType": "ALL"}
                    }]
                }),
                items,
            ))
        }
        _ => None,
    }
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Creates the sample's table, waits for it to be ACTIVE, writes its items in batches of 25
/// (retrying UnprocessedItems), and reports.
pub async fn load(ctx: &Ctx, table: &str) {
    let Some((create, items)) = sample_data(table) else { return };
    if let Err(e) = ctx.bridge.send("dynamodb", "CreateTable", create).await {
        ctx.error(&e);
        return;
    }
    let mut active = false;
    for _ in 0..40 {
        match ctx.bridge.send("dynamodb", "DescribeTable", json!({"TableName": table})).await {
            Ok(d) if d["Table"]["TableStatus"] == "ACTIVE" => {
                active = true;
                break;
            }
            Ok(_) => sleep_ms(150).await,
            Err(e) => {
                ctx.error(&e);
                return;
            }
        }
    }
    if !active {
        ctx.notify.emit(Notice::error(
            "Table still CREATING",
            &format!("{table} becomes ACTIVE after a second of simulated time. The clock looks paused: press Play, then load the sample again to add its items."),
        ));
        return;
    }
    // Sample items are plain JSON objects: a map's members are the item's attributes.
    let requests: Vec<Value> = items.iter().map(|i| json!({"PutRequest": {"Item": dynamo_json::to_attribute(i)["M"].clone()}})).collect();
    for chunk in requests.chunks(25) {
        let mut pending = json!({ table: chunk });
        for _ in 0..10 {
            match ctx.bridge.send("dynamodb", "BatchWriteItem", json!({"RequestItems": pending})).await {
                Ok(v) if v["UnprocessedItems"].as_object().is_some_and(|o| !o.is_empty()) => pending = v["UnprocessedItems"].clone(),
                Ok(_) => break,
                Err(e) => {
                    ctx.error(&e);
                    return;
                }
            }
        }
    }
    ctx.notify.emit(Notice::info("Sample loaded", &format!("{table}: {} items.", items.len())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_has_a_table_and_items_with_its_keys() {
        for s in SAMPLES {
            let (create, items) = sample_data(s.table).expect("sample");
            assert_eq!(create["TableName"], s.table);
            let keys: Vec<&str> = create["KeySchema"].as_array().unwrap().iter().map(|k| k["AttributeName"].as_str().unwrap()).collect();
            assert!(items.len() >= 12, "{}", s.table);
            for it in &items {
                for k in &keys {
                    assert!(it.get(*k).is_some(), "{} item without {k}", s.table);
                }
            }
            let mut seen: Vec<String> = items.iter().map(|i| keys.iter().map(|k| i[*k].to_string()).collect::<Vec<_>>().join("|")).collect();
            seen.sort();
            let n = seen.len();
            seen.dedup();
            assert_eq!(seen.len(), n, "{}: duplicate keys", s.table);
        }
    }
}
