//! PartiQL behaviour, driven through the engine as a client would. Messages are AWS's where
//! they are known (DynamoDB's PartiQL message table, and answers recorded against real AWS).

use serde_json::{json, Value};

use crate::{
    store::{encode_batch, Image},
    Engine, EngineConfig, Request,
};

const T0: i64 = 1_000_000;
const NOW: i64 = T0 + 10_000;

fn engine() -> Engine {
    Engine::new(EngineConfig::default(), T0)
}

fn call_at(e: &mut Engine, t: i64, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.call(t, &Request::new("dynamodb", op, "us-east-1", input))
}

fn call(e: &mut Engine, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    call_at(e, NOW, op, input)
}

fn ok(e: &mut Engine, op: &str, input: Value) -> Value {
    call(e, op, input).unwrap_or_else(|err| panic!("{op} failed: {err}"))
}

fn err(e: &mut Engine, op: &str, input: Value) -> (String, String) {
    let er = call(e, op, input.clone()).expect_err(&format!("expected an error for {input}"));
    (er.kind, er.message)
}

/// Runs a statement; panics on error.
fn run(e: &mut Engine, sql: &str) -> Value {
    ok(e, "ExecuteStatement", json!({"Statement": sql}))
}

fn run_p(e: &mut Engine, sql: &str, params: Value) -> Value {
    ok(e, "ExecuteStatement", json!({"Statement": sql, "Parameters": params}))
}

/// The error a statement gets: (type, message).
fn fails(e: &mut Engine, sql: &str) -> (String, String) {
    err(e, "ExecuteStatement", json!({"Statement": sql}))
}

fn message(e: &mut Engine, sql: &str) -> String {
    let (kind, msg) = fails(e, sql);
    assert_eq!(kind, "ValidationException", "{sql}: {msg}");
    msg
}

/// Creates tables and waits until they are ACTIVE.
fn create(e: &mut Engine, tables: &[Value]) {
    for t in tables {
        ok(e, "CreateTable", t.clone());
    }
    e.tick(NOW + 2_000);
}

/// `Music` (Artist HASH S, SongTitle RANGE S) and `Counters` (id HASH N).
fn music() -> Engine {
    let mut e = engine();
    create(
        &mut e,
        &[
            json!({
                "TableName": "Music",
                "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"}, {"AttributeName": "SongTitle", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
                "BillingMode": "PAY_PER_REQUEST"
            }),
            json!({
                "TableName": "Counters",
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "N"}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST"
            }),
        ],
    );
    e
}

fn song(artist: &str, title: &str, year: i64) -> Value {
    json!({"Artist": {"S": artist}, "SongTitle": {"S": title}, "Year": {"N": year.to_string()}})
}

/// Music with three artists' songs.
fn catalog() -> Engine {
    let mut e = music();
    for (a, t, y) in [("Acme", "Alpha", 2001), ("Acme", "Beta", 2003), ("Acme", "Gamma", 2002), ("Zed", "Alpha", 1999), ("Zed", "Omega", 2010), ("Moe", "Solo", 2005)] {
        ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": song(a, t, y)}));
    }
    e
}

fn titles(out: &Value) -> Vec<String> {
    out["Items"].as_array().unwrap().iter().map(|i| i["SongTitle"]["S"].as_str().unwrap().to_string()).collect()
}

fn get(e: &mut Engine, artist: &str, title: &str) -> Value {
    ok(e, "GetItem", json!({"TableName": "Music", "Key": {"Artist": {"S": artist}, "SongTitle": {"S": title}}})).get("Item").cloned().unwrap_or(Value::Null)
}

// ---- statements ----

#[test]
fn insert_select_update_delete_round_trip() {
    let mut e = music();
    let out = run(
        &mut e,
        r#"INSERT INTO "Music" VALUE {'Artist': 'Acme', 'SongTitle': 'PartiQL Rocks', 'Year': 2021, 'Tags': <<'a', 'b'>>, 'Info': {'len': 3.50, 'live': TRUE, 'notes': NULL, 'list': [1, 'x']}}"#,
    );
    assert_eq!(out, json!({"Items": []}), "writes answer with an empty Items list");
    let item = get(&mut e, "Acme", "PartiQL Rocks");
    assert_eq!(item["Info"], json!({"M": {"len": {"N": "3.5"}, "live": {"BOOL": true}, "notes": {"NULL": true}, "list": {"L": [{"N": "1"}, {"S": "x"}]}}}));
    assert_eq!(item["Tags"], json!({"SS": ["a", "b"]}));
    let out = run(&mut e, "SELECT * FROM Music WHERE Artist = 'Acme' AND SongTitle = 'PartiQL Rocks'");
    assert_eq!(out["Items"][0], item);
    assert!(out.get("NextToken").is_none());
    let out = run(&mut e, r#"UPDATE "Music" SET Year = Year + 1, Info.live = FALSE REMOVE Tags WHERE Artist = 'Acme' AND SongTitle = 'PartiQL Rocks' RETURNING ALL NEW *"#);
    assert_eq!(out["Items"][0]["Year"], json!({"N": "2022"}));
    assert_eq!(out["Items"][0]["Info"]["M"]["live"], json!({"BOOL": false}));
    assert!(out["Items"][0].get("Tags").is_none());
    let out = run(&mut e, "DELETE FROM Music WHERE Artist = 'Acme' AND SongTitle = 'PartiQL Rocks' RETURNING ALL OLD *");
    assert_eq!(out["Items"][0]["Year"], json!({"N": "2022"}));
    assert_eq!(get(&mut e, "Acme", "PartiQL Rocks"), Value::Null);
    // Deleting an item that is not there is not an error.
    assert_eq!(run(&mut e, "DELETE FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Gone'"), json!({"Items": []}));
    assert_eq!(run(&mut e, "SELECT * FROM Music WHERE Artist = 'Acme' AND SongTitle = 'PartiQL Rocks'"), json!({"Items": []}));
}

#[test]
fn insert_refuses_an_existing_key() {
    let mut e = catalog();
    let er = call(&mut e, "ExecuteStatement", json!({"Statement": "INSERT INTO Music VALUE {'Artist': 'Acme', 'SongTitle': 'Alpha'}"})).unwrap_err();
    assert_eq!(er.full_type(), "com.amazonaws.dynamodb.v20120810#DuplicateItemException");
    assert_eq!(er.message, "Duplicate primary key exists in table");
    assert_eq!(get(&mut e, "Acme", "Alpha")["Year"], json!({"N": "2001"}), "the item is unchanged");
    let cases = [
        ("INSERT INTO Music VALUE {'Artist': 'x'}", "Key attribute should be present in the item: Key SongTitle"),
        ("INSERT INTO Music VALUE {'Artist': 'x', 'SongTitle': 5}", "Key attribute's data type should match its data type in table's schema: Key SongTitle"),
        (
            "INSERT INTO Music VALUE {'Artist': '', 'SongTitle': 'x'}",
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: Artist",
        ),
        ("INSERT INTO Music VALUE ['Artist']", "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement."),
        ("INSERT INTO Music VALUE {'Artist': 'x', 'SongTitle': 'y'} RETURNING ALL OLD *", "RETURNING is not supported in INSERT"),
        (
            "INSERT INTO Music <<{'Artist': 'x', 'SongTitle': 'y'}>>",
            "Unsupported operation: Inserting multiple items in a single statement is not supported, use \"INSERT INTO tableName VALUE item\" instead",
        ),
        ("INSERT INTO Music VALUE {'Artist': 'x', 'SongTitle': 'y', 'a': 1, 'a': 2}", "Duplicate keys in tuple. Key: a under root"),
        (
            "INSERT INTO Music VALUE {'Artist': 'x', 'SongTitle': 'y', 'l': [1, 1e126]}",
            "Number overflow. Attempting to store a number with magnitude larger than supported range under root.l[1]",
        ),
        ("INSERT INTO Music VALUE {'Artist': 'x', 'SongTitle': 'y', 's': set_add(<<'a'>>, <<'b'>>)}", "Unsupported data type: set_add under key root.s at 1:64:7"),
    ];
    for (sql, msg) in cases {
        assert_eq!(message(&mut e, sql), msg, "{sql}");
    }
}

#[test]
fn parameters_bind_in_order() {
    let mut e = music();
    run_p(
        &mut e,
        "INSERT INTO Music VALUE {'Artist': ?, 'SongTitle': ?, 'Blob': ?, 'Nums': ?, 'Nested': {'x': [?]}}",
        json!([{"S": "P"}, {"S": "Q"}, {"B": "AQI="}, {"NS": ["1", "2"]}, {"BOOL": true}]),
    );
    let item = get(&mut e, "P", "Q");
    assert_eq!(item["Blob"], json!({"B": "AQI="}));
    assert_eq!(item["Nested"], json!({"M": {"x": {"L": [{"BOOL": true}]}}}));
    let out = run_p(&mut e, "SELECT Nums FROM Music WHERE Artist = ? AND SongTitle = ?", json!([{"S": "P"}, {"S": "Q"}]));
    assert_eq!(out["Items"][0], json!({"Nums": {"NS": ["1", "2"]}}));
    let cases = [
        (
            "SELECT * FROM Music WHERE Artist = ?",
            json!([]),
            "1 validation error detected: Value '[]' at 'parameters' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ),
        ("SELECT * FROM Music WHERE Artist = ?", json!([{"S": "a"}, {"S": "b"}]), "Number of parameters in request and statement don't match."),
        ("SELECT * FROM Music WHERE Artist = ? AND x = ?", json!([{"S": "a"}]), "Number of parameters in request and statement don't match."),
        ("SELECT * FROM Music WHERE Artist = ?", json!([{"N": "1e99999999999"}]), "The parameter cannot be converted to a numeric value: 1e99999999999"),
        ("SELECT * FROM Music WHERE Artist = ?", json!([{"N": ""}]), "The parameter cannot be converted to a numeric value"),
        ("SELECT * FROM Music WHERE Artist = ?", json!([{"N": "abc"}]), "The parameter cannot be converted to a numeric value: abc"),
        ("SELECT * FROM Music WHERE Artist = ?", json!([{"M": {"bad": {"N": "abc"}, "deep": deep(40)}}]), "The parameter cannot be converted to a numeric value: abc"),
        (
            "SELECT * FROM Music WHERE Artist = ?",
            json!([{"M": {"deep": deep(40), "bad": {"N": "abc"}}}]),
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit",
        ),
    ];
    for (sql, params, msg) in cases {
        let (kind, m) = err(&mut e, "ExecuteStatement", json!({"Statement": sql, "Parameters": params}));
        assert_eq!((kind.as_str(), m.as_str()), ("ValidationException", msg), "{sql} {params}");
    }
}

fn deep(depth: usize) -> Value {
    let mut v = json!({"S": "leaf"});
    for _ in 0..depth {
        v = json!({"M": {"n": v}});
    }
    v
}

#[test]
fn projection_paths_are_unnested() {
    let mut e = music();
    run(&mut e, "INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 'T', 'info': {'tracks': ['one', 'two', 'three'], 'label': {'name': 'L'}}, 'odd name': 1}");
    let out = run(&mut e, r#"SELECT info.tracks[1], info.label.name, "odd name", missing_attr, Artist FROM "Music" WHERE Artist = 'A'"#);
    assert_eq!(out["Items"][0], json!({"tracks[1]": {"S": "two"}, "name": {"S": "L"}, "odd name": {"N": "1"}, "Artist": {"S": "A"}}));
    assert_eq!(message(&mut e, "SELECT attribute_exists(info) FROM Music WHERE Artist = 'A'"), "Unexpected path component at 1:8:16");
}

#[test]
fn where_clause_operators_filter_a_scan() {
    let mut e = catalog();
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Music", "Item": {"Artist": {"S": "Nil"}, "SongTitle": {"S": "Void"}, "Year": {"NULL": true}, "Tags": {"SS": ["x", "y"]}, "Notes": {"L": [{"S": "n"}]}}}),
    );
    let scan = |e: &mut Engine, cond: &str| {
        let mut got = titles(&run(e, &format!("SELECT * FROM Music WHERE {cond}")));
        got.sort();
        got
    };
    assert_eq!(scan(&mut e, "Year = 2001"), ["Alpha"]);
    assert_eq!(scan(&mut e, "Year <> 2001 AND Year IS NOT NULL"), ["Alpha", "Beta", "Gamma", "Omega", "Solo"]);
    assert_eq!(scan(&mut e, "Year < 2002"), ["Alpha", "Alpha"]);
    assert_eq!(scan(&mut e, "Year <= 2002 AND Artist = 'Acme'"), ["Alpha", "Gamma"]);
    assert_eq!(scan(&mut e, "Year > 2005"), ["Omega"]);
    assert_eq!(scan(&mut e, "Year >= 2005"), ["Omega", "Solo"]);
    assert_eq!(scan(&mut e, "Year BETWEEN 2002 AND 2005"), ["Beta", "Gamma", "Solo"]);
    assert_eq!(scan(&mut e, "Year NOT BETWEEN 2002 AND 2005 AND Year IS NOT NULL"), ["Alpha", "Alpha", "Omega"]);
    assert_eq!(scan(&mut e, "SongTitle IN ['Beta', 'Solo', 'Nope']"), ["Beta", "Solo"]);
    assert_eq!(scan(&mut e, "SongTitle IN ('Beta')"), ["Beta"]);
    assert_eq!(scan(&mut e, "NOT Artist = 'Acme' AND Artist != 'Nil'"), ["Alpha", "Omega", "Solo"]);
    assert_eq!(scan(&mut e, "Tags IS MISSING AND Year = 2010"), ["Omega"]);
    assert_eq!(scan(&mut e, "Tags IS NOT MISSING"), ["Void"]);
    assert_eq!(scan(&mut e, "Year IS NULL"), ["Void"]);
    assert_eq!(scan(&mut e, "Year IS NUMERIC AND Artist = 'Zed'"), ["Alpha", "Omega"]);
    assert_eq!(scan(&mut e, "begins_with(SongTitle, 'Al')"), ["Alpha", "Alpha"]);
    assert_eq!(scan(&mut e, "contains(Tags, 'y') OR contains(SongTitle, 'meg')"), ["Omega", "Void"]);
    assert_eq!(scan(&mut e, "attribute_type(Tags, 'SS')"), ["Void"]);
    assert_eq!(scan(&mut e, "ATTRIBUTE_EXISTS(Notes) = true"), ["Void"]);
    assert_eq!(scan(&mut e, "attribute_not_exists(Year)"), Vec::<String>::new());
    assert_eq!(scan(&mut e, "size(SongTitle) = 4"), ["Beta", "Solo", "Void"]);
    assert_eq!(scan(&mut e, "size(Notes) > 0"), ["Void"]);
    assert_eq!(scan(&mut e, "(Year = 1999 OR Year = 2010) AND Artist = 'Zed'"), ["Alpha", "Omega"]);
    assert_eq!(scan(&mut e, "\"Year\" = 2003"), ["Beta"]);
    assert_eq!(scan(&mut e, "Year = 2.003e3"), ["Beta"]);
}

#[test]
fn where_clause_errors() {
    let mut e = catalog();
    let cases = [
        ("SELECT * FROM Music WHERE Year < TRUE", "Incorrect operand type for operator or function; operator or function: <, operand type: BOOL"),
        ("SELECT * FROM Music WHERE Year BETWEEN [1] AND 2", "Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: L"),
        ("SELECT * FROM Music WHERE attribute_exists('x')", "Operator or function requires a document path; operator or function: attribute_exists"),
        (
            "SELECT * FROM Music WHERE attribute_exists(a, b)",
            "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2",
        ),
        ("SELECT * FROM Music WHERE nosuch(a)", "Unrecognized function: nosuch at 1:27:6"),
        ("SELECT * FROM Music WHERE Year = MISSING", "MISSING must be compared using IS operator"),
        (
            "SELECT * FROM Music WHERE Year IS INT",
            "Unsupported data type for IS operator: INTEGER. Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]",
        ),
        ("SELECT * FROM Music WHERE Year", "WHERE clause must contain an expression that resolves to a boolean"),
        ("SELECT * FROM Music WHERE Year + 1 = 3", "Unsupported operator in Condition Expression. Operator: +"),
        (
            "SELECT * FROM Music WHERE Year IN []",
            "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member",
        ),
        ("SELECT * FROM Music WHERE Year = 1e-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range under root"),
        ("SELECT * FROM Music WHERE Year = 123456789012345678901234567890123456789", "Attempting to store more than 38 significant digits in a Number under root"),
    ];
    for (sql, msg) in cases {
        assert_eq!(message(&mut e, sql), msg, "{sql}");
    }
    let many = (0..101).map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
    assert!(message(&mut e, &format!("SELECT * FROM Music WHERE Year IN [{many}]")).contains("too many operands"));
}

#[test]
fn a_partition_key_condition_reads_one_partition_in_sort_order() {
    let mut e = catalog();
    let out = ok(&mut e, "ExecuteStatement", json!({"Statement": "SELECT * FROM Music WHERE Artist = 'Acme'", "ReturnConsumedCapacity": "TOTAL"}));
    assert_eq!(titles(&out), ["Alpha", "Beta", "Gamma"]);
    assert_eq!(out["ConsumedCapacity"], json!({"TableName": "Music", "CapacityUnits": 0.5}));
    let out = run(&mut e, "SELECT * FROM Music WHERE Artist = 'Acme' ORDER BY SongTitle DESC");
    assert_eq!(titles(&out), ["Gamma", "Beta", "Alpha"]);
    let out = run(&mut e, "SELECT * FROM Music WHERE Artist = 'Acme' AND SongTitle > 'Alpha' ORDER BY SongTitle ASC");
    assert_eq!(titles(&out), ["Beta", "Gamma"]);
    let out = run(&mut e, "SELECT * FROM Music WHERE Artist = 'Acme' AND begins_with(SongTitle, 'G')");
    assert_eq!(titles(&out), ["Gamma"]);
    let out = run(&mut e, "SELECT SongTitle FROM Music WHERE Artist IN ['Zed', 'Acme'] AND Year > 2000 ORDER BY Artist DESC, SongTitle DESC");
    assert_eq!(titles(&out), ["Omega", "Gamma", "Beta", "Alpha"]);
    let out = run(&mut e, "SELECT * FROM Music WHERE Artist = 'Zed' OR Artist = 'Moe' ORDER BY Artist");
    assert_eq!(titles(&out), ["Solo", "Alpha", "Omega"]);
    let cases = [
        ("SELECT * FROM Music ORDER BY SongTitle", "Must have WHERE clause in the statement when using ORDER BY clause."),
        ("SELECT * FROM Music WHERE Year = 1 ORDER BY SongTitle", "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause."),
        ("SELECT * FROM Music WHERE Artist = 'a' ORDER BY Year", "Variable reference Year in ORDER BY clause must be part of the primary key"),
        (
            "SELECT * FROM Music WHERE Artist IN ['a', 'b'] ORDER BY SongTitle",
            "Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause.",
        ),
        ("SELECT * FROM Music WHERE Artist = 'a' ORDER BY 'x'", "Argument to ORDER BY must be of type VariableReference. Type: Literal"),
        ("SELECT * FROM Music WHERE Artist = 'a' AND x = '1' OR Artist = 'a' AND SongTitle = '2'", "Overlapping conditions with range keys are not supported in where clause"),
        ("SELECT * FROM Music WHERE Artist = 5", "Key attribute's data type should match its data type in table's schema: Key Artist"),
    ];
    for (sql, msg) in cases {
        assert_eq!(message(&mut e, sql), msg, "{sql}");
    }
    // A negated sort-key branch makes the read a scan, which runs.
    let out = run(&mut e, "SELECT * FROM Music WHERE Artist = 'Acme' AND NOT SongTitle = 'Alpha' OR Artist = 'Acme' AND SongTitle = 'Beta'");
    let mut got = titles(&out);
    got.sort();
    assert_eq!(got, ["Beta", "Gamma"]);
}

/// Follows NextToken to the end; returns every page.
fn pages(e: &mut Engine, req: Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut r = req.clone();
        if let Some(t) = &token {
            r["NextToken"] = json!(t);
        }
        let page = ok(e, "ExecuteStatement", r);
        token = page.get("NextToken").and_then(Value::as_str).map(String::from);
        out.push(page);
        if token.is_none() || out.len() > 1000 {
            return out;
        }
    }
}

/// The token with one character in its middle changed.
fn tampered(token: &str) -> String {
    let mid = token.len() / 2;
    let c = if &token[mid..mid + 1] == "A" { "B" } else { "A" };
    format!("{}{c}{}", &token[..mid], &token[mid + 1..])
}

#[test]
fn limit_and_next_token_page_through_reads() {
    let mut e = catalog();
    // A scan, two items a page.
    let all = pages(&mut e, json!({"Statement": "SELECT * FROM Music", "Limit": 2}));
    assert_eq!(all.len(), 4, "6 items, 2 a page, and a last empty page after a full one");
    assert!(all[0]["LastEvaluatedKey"].is_object());
    let mut seen: Vec<String> = all.iter().flat_map(titles).collect();
    seen.sort();
    assert_eq!(seen, ["Alpha", "Alpha", "Beta", "Gamma", "Omega", "Solo"]);
    // Limit counts items read, not items returned.
    let filtered = pages(&mut e, json!({"Statement": "SELECT * FROM Music WHERE Year > 2004", "Limit": 2}));
    assert_eq!(filtered.iter().map(|p| titles(p).len()).sum::<usize>(), 2);
    // Across partitions of an IN query, backwards.
    let req = json!({"Statement": "SELECT * FROM Music WHERE Artist IN ['Acme', 'Zed'] ORDER BY Artist, SongTitle DESC", "Limit": 1});
    let got: Vec<String> = pages(&mut e, req).iter().flat_map(titles).collect();
    assert_eq!(got, ["Gamma", "Beta", "Alpha", "Omega", "Alpha"]);
    // The token belongs to its request.
    let first = ok(&mut e, "ExecuteStatement", json!({"Statement": "SELECT * FROM Music", "Limit": 1}));
    let token = first["NextToken"].as_str().unwrap().to_string();
    let cases = [
        (json!({"Statement": "SELECT * FROM Music WHERE Year > 0", "NextToken": token}), "NextToken does not match request"),
        (json!({"Statement": "SELECT * FROM Music", "NextToken": tampered(&token)}), "Invalid NextToken"),
        (json!({"Statement": "SELECT * FROM Music", "NextToken": "not base64!"}), "Invalid NextToken"),
        (
            json!({"Statement": "SELECT * FROM Music", "NextToken": ""}),
            "1 validation error detected: Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ),
        (
            json!({"Statement": "SELECT * FROM Music", "Limit": 0}),
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
        ),
    ];
    for (req, msg) in cases {
        assert_eq!(err(&mut e, "ExecuteStatement", req.clone()).1, msg, "{req}");
    }
    // Tokens expire after an hour of virtual time.
    let fine = call_at(&mut e, NOW + 60_000, "ExecuteStatement", json!({"Statement": "SELECT * FROM Music", "Limit": 1, "NextToken": token}));
    assert!(fine.is_ok());
    let later = call_at(&mut e, NOW + 3_700_000, "ExecuteStatement", json!({"Statement": "SELECT * FROM Music", "Limit": 1, "NextToken": token}));
    assert_eq!(later.unwrap_err().message, "Given NextToken has already expired");
}

#[test]
fn a_page_stops_after_one_megabyte() {
    let mut e = music();
    let big = "x".repeat(300 * 1024);
    for i in 0..5 {
        ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": {"Artist": {"S": "Big"}, "SongTitle": {"S": format!("t{i}")}, "blob": {"S": big}}}));
    }
    let all = pages(&mut e, json!({"Statement": "SELECT SongTitle FROM Music WHERE Artist = 'Big'"}));
    let sizes: Vec<usize> = all.iter().map(|p| titles(p).len()).collect();
    assert_eq!(sizes, [4, 1], "a page reads until it has read 1 MB");
}

/// GameScores: UserId/GameTitle keys, an LSI ByScore (ALL) and a GSI GameTitleIndex
/// (INCLUDE Wins).
fn game_scores() -> Engine {
    let mut e = engine();
    create(
        &mut e,
        &[json!({
            "TableName": "GameScores",
            "AttributeDefinitions": [
                {"AttributeName": "UserId", "AttributeType": "S"}, {"AttributeName": "GameTitle", "AttributeType": "S"},
                {"AttributeName": "TopScore", "AttributeType": "N"}
            ],
            "KeySchema": [{"AttributeName": "UserId", "KeyType": "HASH"}, {"AttributeName": "GameTitle", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [{"IndexName": "ByScore", "KeySchema": [{"AttributeName": "UserId", "KeyType": "HASH"}, {"AttributeName": "TopScore", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            "GlobalSecondaryIndexes": [{"IndexName": "GameTitleIndex", "KeySchema": [{"AttributeName": "GameTitle", "KeyType": "HASH"}, {"AttributeName": "TopScore", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["Wins"]}}],
            "BillingMode": "PAY_PER_REQUEST"
        })],
    );
    for (user, game, score, wins) in [("u1", "Galaxy", 5842, 10), ("u2", "Galaxy", 9000, 3), ("u3", "Galaxy", 120, 1), ("u1", "Meteor", 300, 2), ("u2", "Meteor", 7, 0)] {
        run(&mut e, &format!("INSERT INTO GameScores VALUE {{'UserId': '{user}', 'GameTitle': '{game}', 'TopScore': {score}, 'Wins': {wins}, 'Losses': 1}}"));
    }
    e
}

fn users(out: &Value) -> Vec<String> {
    out["Items"].as_array().unwrap().iter().map(|i| i["UserId"]["S"].as_str().unwrap().to_string()).collect()
}

#[test]
fn index_reads() {
    let mut e = game_scores();
    // GSI query: projected attributes only, in index order.
    let out = run(&mut e, r#"SELECT * FROM "GameScores"."GameTitleIndex" WHERE GameTitle = 'Galaxy' AND TopScore > 100 ORDER BY TopScore DESC"#);
    assert_eq!(users(&out), ["u2", "u1", "u3"]);
    assert!(out["Items"][0].get("Losses").is_none());
    assert_eq!(out["Items"][0]["Wins"], json!({"N": "3"}));
    // Paging on an index carries the index key.
    let all = pages(&mut e, json!({"Statement": r#"SELECT UserId FROM "GameScores"."GameTitleIndex" WHERE GameTitle = 'Galaxy'"#, "Limit": 2}));
    assert_eq!(all[0]["LastEvaluatedKey"], json!({"UserId": {"S": "u1"}, "GameTitle": {"S": "Galaxy"}, "TopScore": {"N": "5842"}}));
    assert_eq!(all.iter().flat_map(users).collect::<Vec<_>>(), ["u3", "u1", "u2"]);
    // Without the index's partition key: a full index scan.
    let mut got = users(&run(&mut e, r#"SELECT * FROM "GameScores"."GameTitleIndex" WHERE UserId = 'u2'"#));
    got.sort();
    assert_eq!(got, ["u2", "u2"]);
    let scan = pages(&mut e, json!({"Statement": r#"SELECT * FROM "GameScores"."GameTitleIndex""#, "Limit": 2}));
    assert_eq!(scan.iter().map(|p| users(p).len()).sum::<usize>(), 5);
    // An LSI read reaches attributes the index does not hold; SELECT * shows the projection.
    let out = ok(&mut e, "ExecuteStatement", json!({"Statement": r#"SELECT GameTitle, Losses FROM "GameScores"."ByScore" WHERE UserId = 'u1'"#, "ConsistentRead": true}));
    assert_eq!(out["Items"], json!([{"GameTitle": {"S": "Meteor"}, "Losses": {"N": "1"}}, {"GameTitle": {"S": "Galaxy"}, "Losses": {"N": "1"}}]));
    let out = run(&mut e, r#"SELECT * FROM "GameScores"."ByScore" WHERE UserId = 'u1'"#);
    assert!(out["Items"][0].get("Losses").is_none());
    // Writes through PartiQL keep the indexes current.
    run(&mut e, "UPDATE GameScores SET TopScore = 99999 WHERE UserId = 'u3' AND GameTitle = 'Galaxy'");
    run(&mut e, "DELETE FROM GameScores WHERE UserId = 'u2' AND GameTitle = 'Galaxy'");
    let out = run(&mut e, r#"SELECT UserId FROM "GameScores"."GameTitleIndex" WHERE GameTitle = 'Galaxy' ORDER BY TopScore DESC"#);
    assert_eq!(users(&out), ["u3", "u1"]);
    let cases = [
        (
            r#"SELECT Losses, Other, Losses FROM "GameScores"."GameTitleIndex" WHERE GameTitle = 'Galaxy'"#,
            "One or more parameter values were invalid: Global secondary index GameTitleIndex does not project [Losses, Other]",
        ),
        (r#"SELECT * FROM "GameScores"."Nope""#, "The table does not have the specified index: Nope"),
        (r#"SELECT * FROM "GameScores"."a"."b""#, "A path may contain at most 2 components in the FROM clause"),
        (r#"DELETE FROM "GameScores"."GameTitleIndex" WHERE UserId = 'u1' AND GameTitle = 'x'"#, "This operation is not supported on an index"),
    ];
    for (sql, msg) in cases {
        assert_eq!(message(&mut e, sql), msg, "{sql}");
    }
    let (_, msg) = err(&mut e, "ExecuteStatement", json!({"Statement": r#"SELECT * FROM "GameScores"."GameTitleIndex" WHERE GameTitle = 'Galaxy'"#, "ConsistentRead": true}));
    assert_eq!(msg, "Consistent reads are not supported on global secondary indexes");
}

#[test]
fn update_actions_and_conditions() {
    let mut e = music();
    run(&mut e, "INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 'T', 'n': 1, 'l': [1], 'ss': <<'a', 'b', 'c'>>, 'ns': <<1, 2>>, 'm': {'k': 'v'}}");
    let key = "WHERE Artist = 'A' AND SongTitle = 'T'";
    run(&mut e, &format!("UPDATE Music SET n = n + 10, l = list_append(l, [2, 3]), m.k2 = 'v2' SET ss = set_add(ss, <<'z'>>) SET ns = set_delete(ns, <<1>>) {key}"));
    let item = get(&mut e, "A", "T");
    assert_eq!(item["n"], json!({"N": "11"}));
    assert_eq!(item["l"], json!({"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}));
    assert_eq!(item["m"], json!({"M": {"k": {"S": "v"}, "k2": {"S": "v2"}}}));
    assert_eq!(item["ss"], json!({"SS": ["a", "b", "c", "z"]}));
    assert_eq!(item["ns"], json!({"NS": ["2"]}));
    // Removing every member removes the attribute; set_add creates a missing set.
    run(&mut e, &format!("UPDATE Music SET ns = set_delete(ns, <<2>>) SET fresh = set_add(fresh, <<'x'>>) {key}"));
    let item = get(&mut e, "A", "T");
    assert!(item.get("ns").is_none());
    assert_eq!(item["fresh"], json!({"SS": ["x"]}));
    // RETURNING variants.
    let out = run(&mut e, &format!("UPDATE Music SET n = 5 REMOVE l {key} RETURNING MODIFIED OLD *"));
    assert_eq!(out["Items"], json!([{"n": {"N": "11"}, "l": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}}]));
    let out = run(&mut e, &format!("UPDATE Music SET n = 6 {key} RETURNING MODIFIED NEW *"));
    assert_eq!(out["Items"], json!([{"n": {"N": "6"}}]));
    let out = run(&mut e, &format!("UPDATE Music SET n = 7 {key} RETURNING ALL OLD *"));
    assert_eq!(out["Items"][0]["n"], json!({"N": "6"}));
    // The WHERE clause beyond the key is the write's condition.
    run(&mut e, &format!("UPDATE Music SET n = 8 {key} AND n = 7 AND attribute_exists(m)"));
    let (kind, msg) = fails(&mut e, &format!("UPDATE Music SET n = 9 {key} AND n = 7"));
    assert_eq!((kind.as_str(), msg.as_str()), ("ConditionalCheckFailedException", "The conditional request failed"));
    let failed =
        call(&mut e, "ExecuteStatement", json!({"Statement": format!("UPDATE Music SET n = 9 {key} AND n = 7"), "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})).unwrap_err();
    assert_eq!(failed.extra.unwrap()["Item"]["n"], json!({"N": "8"}));
    // UPDATE never creates an item.
    let (kind, _) = fails(&mut e, "UPDATE Music SET n = 1 WHERE Artist = 'A' AND SongTitle = 'Missing'");
    assert_eq!(kind, "ConditionalCheckFailedException");
    assert_eq!(get(&mut e, "A", "Missing"), Value::Null);
    // The from-first form.
    run(&mut e, &format!("FROM Music {key} SET n = 10"));
    assert_eq!(get(&mut e, "A", "T")["n"], json!({"N": "10"}));
    let cases = [
        ("UPDATE Music SET n = 1 WHERE Artist = 'A'", "Where clause does not contain a mandatory equality on all key attributes"),
        ("UPDATE Music SET n = 1", "Where clause does not contain a mandatory equality on all key attributes"),
        ("FROM Music SET n = 1", "Where clause does not contain a mandatory equality on all key attributes"),
        ("UPDATE Music SET n = 1 WHERE Artist = 'A' OR SongTitle = 'T'", "Where clause does not contain a mandatory equality on all key attributes"),
        (
            "UPDATE Music SET n = 1 WHERE Artist = 'A' AND Artist = 'B' AND SongTitle = 'T'",
            "Multiple conditions on same key Artist. Only single item Update/Insert/Delete are supported",
        ),
        ("UPDATE Music SET n = 1 WHERE Artist = TRUE AND SongTitle = 'T'", "Key value must be of type S, N, or B. Key name: Artist, Key type: BOOL"),
        ("UPDATE Music SET n = 1 WHERE Artist = 1 AND SongTitle = 'T'", "Key attribute's data type should match its data type in table's schema: Key Artist"),
        (
            "UPDATE Music SET Artist = 'B' WHERE Artist = 'A' AND SongTitle = 'T'",
            "One or more parameter values were invalid: Cannot update attribute Artist. This attribute is part of the key",
        ),
        ("UPDATE Music SET n = 'x' + 1 WHERE Artist = 'A' AND SongTitle = 'T'", "An operand in the update expression has an incorrect data type"),
        ("UPDATE Music SET ss = set_add(ss, <<1>>) WHERE Artist = 'A' AND SongTitle = 'T'", "An operand in the update expression has an incorrect data type"),
        ("UPDATE Music SET t = set_add(ss, <<'x'>>) WHERE Artist = 'A' AND SongTitle = 'T'", "The first argument to SET_ADD must equal the assignment value at 1:22:7"),
        ("UPDATE Music SET ss = set_add(ss, 'x') WHERE Artist = 'A' AND SongTitle = 'T'", "The second argument to SET_ADD must be a value with type SET at 1:31:2"),
        ("UPDATE Music SET ss = set_delete(ss) WHERE Artist = 'A' AND SongTitle = 'T'", "SET_DELETE must have exactly two arguments at 1:23:10"),
        ("UPDATE Music SET ss = set_add(ss, <<>>) WHERE Artist = 'A' AND SongTitle = 'T'", "Empty bags are not supported"),
        (
            "UPDATE Music SET a = 1, a.b = 2 WHERE Artist = 'A' AND SongTitle = 'T'",
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
        ),
        ("UPDATE Music SET n = 1 WHERE Artist = 'A' AND SongTitle = 'T' RETURNING ALL NEW *, ALL OLD *", "Invalid syntax with multiple returning elements in RETURNING clause"),
        ("UPDATE Music SET n = 1 WHERE Artist = 'A' AND SongTitle = 'T' RETURNING ALL NEW n", "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"),
        ("UPDATE Music SET n = a IS NULL WHERE Artist = 'A' AND SongTitle = 'T'", "IS operator is not supported in update expressions"),
    ];
    for (sql, msg) in cases {
        assert_eq!(fails(&mut e, sql).1, msg, "{sql}");
    }
    assert_eq!(get(&mut e, "A", "T")["n"], json!({"N": "10"}), "no failed statement changed the item");
}

#[test]
fn delete_conditions_and_returning() {
    let mut e = catalog();
    let (kind, _) = fails(&mut e, "DELETE FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Alpha' AND Year = 1900");
    assert_eq!(kind, "ConditionalCheckFailedException");
    assert!(get(&mut e, "Acme", "Alpha").is_object());
    assert_eq!(run(&mut e, "DELETE FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Alpha' AND Year = 2001"), json!({"Items": []}));
    assert_eq!(get(&mut e, "Acme", "Alpha"), Value::Null);
    assert_eq!(
        message(&mut e, "DELETE FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Beta' RETURNING ALL NEW *"),
        "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements."
    );
    assert_eq!(message(&mut e, "DELETE FROM Music WHERE Artist = 'Acme'"), "Where clause does not contain a mandatory equality on all key attributes");
    // A hash-only table with a number key.
    run(&mut e, "INSERT INTO Counters VALUE {'id': 7, 'hits': 0}");
    run(&mut e, "UPDATE Counters SET hits = hits + 1 WHERE id = 7");
    run(&mut e, "UPDATE Counters SET hits = hits + 1 WHERE id = 7.0");
    assert_eq!(run(&mut e, "SELECT hits FROM Counters WHERE id = 7")["Items"], json!([{"hits": {"N": "2"}}]));
    run(&mut e, "DELETE FROM Counters WHERE id = 7");
    assert_eq!(run(&mut e, "SELECT * FROM Counters"), json!({"Items": []}));
}

#[test]
fn statement_level_errors() {
    let mut e = catalog();
    let nwf = |m: &str| format!("Statement wasn't well formed, can't be processed: {m}");
    let cases: Vec<(&str, String)> = vec![
        ("SELECT * FROM Music WHERE", nwf("Unexpected term")),
        ("SELECT * FROM Music WHERE Artist = 'a' foo", nwf("Unexpected token after expression")),
        ("SELECT * FROM Music WHERE Artist = 'a' AND", nwf("Missing right-hand side expression of infix operator")),
        ("SELECT * FROM Music WHERE value = 1", nwf("Unexpected keyword")),
        ("SELECT * FROM Music WHERE Artist = 'a' # x", nwf("")),
        ("SELECT * FROM Music WHERE Artist = 'unterminated", nwf("")),
        ("DELETE FROM WHERE Artist = 'a'", nwf("Expected identifier for simple path")),
        ("UPDATE Music WHERE Artist = 'a'", nwf("Expected data manipulation")),
        ("SELEC * FROM Music", nwf("Unexpected keyword")),
        ("hello", "Unsupported operation: Id".into()),
        ("SELECT * FROM Music m WHERE Artist = 'a'", "Aliasing is not supported".into()),
        ("SELECT * FROM Music, Counters", "Only select from a single table or index is supported.".into()),
        ("SELECT * FROM Music GROUP BY Artist", "Unsupported clause: GROUP BY".into()),
        ("SELECT * FROM Music LIMIT 5", "Unsupported clause: LIMIT".into()),
        ("SELECT DISTINCT * FROM Music", "Unsupported token in expression: DISTINCT".into()),
        ("SELECT VALUE Artist FROM Music", "Select projection doesn't support value or pivot keywords".into()),
        ("EXISTS(SELECT * FROM Music WHERE Artist = 'a' AND SongTitle = 'b' AND Year = 1)", "EXISTS can only be used in ExecuteTransaction write requests.".into()),
        ("1 = 1", "EXISTS can only be used in ExecuteTransaction write requests.".into()),
        ("x IS INT4", "Unsupported operation: IsType".into()),
        ("SELECT * FROM \"ab\"", "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.".into()),
    ];
    for (sql, msg) in cases {
        assert_eq!(message(&mut e, sql), msg, "{sql}");
    }
    let (kind, msg) = fails(&mut e, "SELECT * FROM Nope WHERE a = 1");
    assert_eq!((kind.as_str(), msg.as_str()), ("ResourceNotFoundException", "Requested resource not found"));
    // Request members.
    let long = format!("SELECT * FROM Music WHERE Artist = '{}'", "x".repeat(8200));
    let cases = [
        (json!({}), "1 validation error detected: Value null at 'statement' failed to satisfy constraint: Member must not be null".to_string()),
        (json!({"Statement": ""}), "1 validation error detected: Value '' at 'statement' failed to satisfy constraint: Member must have length greater than or equal to 1".to_string()),
        (json!({"Statement": long.clone()}), format!("1 validation error detected: Value '{long}' at 'statement' failed to satisfy constraint: Member must have length less than or equal to 8192")),
        (json!({"Statement": "SELECT * FROM Music", "ReturnConsumedCapacity": "ALL"}), "1 validation error detected: Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]".to_string()),
        (json!({"Statement": "SELECT * FROM Music", "ReturnValuesOnConditionCheckFailure": "ALL_NEW"}), "1 validation error detected: Value 'ALL_NEW' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]".to_string()),
    ];
    for (req, msg) in cases {
        assert_eq!(err(&mut e, "ExecuteStatement", req.clone()).1, msg, "{req}");
    }
    let (kind, _) = err(&mut e, "ExecuteStatement", json!({"Statement": 5}));
    assert_eq!(kind, "SerializationException");
}

#[test]
fn write_capacity_is_reported() {
    let mut e = music();
    let out = ok(
        &mut e,
        "ExecuteStatement",
        json!({"Statement": format!("INSERT INTO Music VALUE {{'Artist': 'a', 'SongTitle': 'b', 'x': '{}'}}", "y".repeat(1500)), "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(out["ConsumedCapacity"], json!({"TableName": "Music", "CapacityUnits": 2.0}));
    let out = ok(&mut e, "ExecuteStatement", json!({"Statement": "DELETE FROM Music WHERE Artist = 'a' AND SongTitle = 'b'", "ReturnConsumedCapacity": "INDEXES"}));
    assert_eq!(out["ConsumedCapacity"], json!({"TableName": "Music", "CapacityUnits": 2.0, "Table": {"CapacityUnits": 2.0}}));
}

// ---- BatchExecuteStatement ----

#[test]
fn batch_reads_one_item_per_statement() {
    let mut e = catalog();
    let out = ok(
        &mut e,
        "BatchExecuteStatement",
        json!({"ReturnConsumedCapacity": "TOTAL", "Statements": [
            {"Statement": "SELECT * FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Beta'"},
            {"Statement": "SELECT Year FROM Music WHERE Artist = ? AND SongTitle = ?", "Parameters": [{"S": "Zed"}, {"S": "Omega"}], "ConsistentRead": true},
            {"Statement": "SELECT * FROM Music WHERE Artist = 'Nobody' AND SongTitle = 'x'"},
            {"Statement": "SELECT * FROM Music WHERE Artist = 'Acme'"},
            {"Statement": "SELECT * FROM \"Music\".\"idx\" WHERE Artist = 'Acme' AND SongTitle = 'Beta'"},
            {"Statement": "SELECT * FROM Music WHERE"},
            {"Statement": "SELECT * FROM Nope WHERE Artist = 'a' AND SongTitle = 'b'"},
        ]}),
    );
    let r = out["Responses"].as_array().unwrap();
    assert_eq!(r[0], json!({"TableName": "Music", "Item": song("Acme", "Beta", 2003)}));
    assert_eq!(r[1], json!({"TableName": "Music", "Item": {"Year": {"N": "2010"}}}));
    assert_eq!(r[2], json!({"TableName": "Music"}));
    let must = "Select statements within BatchExecuteStatement must specify the primary key in the where clause.";
    assert_eq!(r[3], json!({"Error": {"Code": "ValidationError", "Message": must}}));
    assert_eq!(r[4], json!({"Error": {"Code": "ValidationError", "Message": must}}));
    assert_eq!(r[5], json!({"Error": {"Code": "ValidationError", "Message": "Statement wasn't well formed, can't be processed: Unexpected term"}}));
    assert_eq!(r[6], json!({"Error": {"Code": "ResourceNotFound", "Message": "Requested resource not found"}}));
    assert_eq!(out["ConsumedCapacity"], json!([{"TableName": "Music", "CapacityUnits": 2.0}]));
}

#[test]
fn batch_writes_succeed_or_fail_one_by_one() {
    let mut e = catalog();
    let out = ok(
        &mut e,
        "BatchExecuteStatement",
        json!({"Statements": [
            {"Statement": "INSERT INTO Music VALUE {'Artist': 'New', 'SongTitle': 'One'}"},
            {"Statement": "INSERT INTO Music VALUE {'Artist': 'Acme', 'SongTitle': 'Alpha'}"},
            {"Statement": "UPDATE Music SET Year = 1 WHERE Artist = 'Acme' AND SongTitle = 'Beta' AND Year = 0", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
            {"Statement": "DELETE FROM Music WHERE Artist = 'Zed' AND SongTitle = 'Omega' RETURNING ALL OLD *"},
            {"Statement": "UPDATE Music SET Year = 1 WHERE Artist = 'Acme'"},
            {"Statement": "EXISTS(SELECT * FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Alpha' AND Year = 1)"},
        ]}),
    );
    let r = out["Responses"].as_array().unwrap();
    assert_eq!(r[0], json!({"TableName": "Music"}));
    assert_eq!(r[1], json!({"Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}}));
    assert_eq!(r[2], json!({"Error": {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed", "Item": song("Acme", "Beta", 2003)}}));
    assert_eq!(r[3], json!({"TableName": "Music", "Item": song("Zed", "Omega", 2010)}));
    assert_eq!(r[4]["Error"]["Message"], "Where clause does not contain a mandatory equality on all key attributes");
    assert_eq!(r[5]["Error"]["Message"], "EXISTS can only be used in ExecuteTransaction write requests.");
    assert!(get(&mut e, "New", "One").is_object());
    assert_eq!(get(&mut e, "Zed", "Omega"), Value::Null);
    assert_eq!(get(&mut e, "Acme", "Beta")["Year"], json!({"N": "2003"}));
}

#[test]
fn batch_request_errors() {
    let mut e = catalog();
    let stmt = |s: &str| json!({"Statement": s});
    let too_many: Vec<Value> = (0..26).map(|i| stmt(&format!("SELECT * FROM Music WHERE Artist = 'a' AND SongTitle = '{i}'"))).collect();
    let cases = [
        (
            json!({"Statements": [stmt("SELECT * FROM Music WHERE Artist = 'a' AND SongTitle = 'b'"), stmt("DELETE FROM Music WHERE Artist = 'a' AND SongTitle = 'c'")]}),
            "Read and write requests together in the same batch is not supported.",
        ),
        (
            json!({"Statements": [stmt("DELETE FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Alpha'"), stmt("UPDATE Music SET x = 1 WHERE Artist = 'Acme' AND SongTitle = 'Alpha'")]}),
            "Provided list of item keys contains duplicates",
        ),
        (json!({"Statements": []}), "1 validation error detected: Value '[]' at 'statements' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        (json!({}), "1 validation error detected: Value null at 'statements' failed to satisfy constraint: Member must not be null"),
        (json!({"Statements": too_many}), "1 validation error detected: Value at 'statements' failed to satisfy constraint: Member must have length less than or equal to 25"),
        (
            json!({"Statements": [{"Parameters": [{"S": "x"}]}]}),
            "1 validation error detected: Value null at 'statements.1.member.statement' failed to satisfy constraint: Member must not be null",
        ),
    ];
    for (req, msg) in cases {
        assert_eq!(err(&mut e, "BatchExecuteStatement", req.clone()).1, msg, "{req}");
    }
    assert!(get(&mut e, "Acme", "Alpha").is_object(), "a refused batch changes nothing");
}

// ---- ExecuteTransaction ----

fn tx(statements: Value) -> Value {
    json!({"TransactStatements": statements})
}

#[test]
fn transactions_are_all_or_nothing() {
    let mut e = catalog();
    let out = ok(
        &mut e,
        "ExecuteTransaction",
        json!({"ReturnConsumedCapacity": "TOTAL", "TransactStatements": [
            {"Statement": "INSERT INTO Music VALUE {'Artist': 'Tx', 'SongTitle': 'One'}"},
            {"Statement": "UPDATE Music SET Year = Year + 1 WHERE Artist = 'Acme' AND SongTitle = 'Alpha'"},
            {"Statement": "DELETE FROM Music WHERE Artist = 'Zed' AND SongTitle = 'Omega'"},
            {"Statement": "EXISTS(SELECT * FROM Music WHERE Artist = 'Moe' AND SongTitle = 'Solo' AND Year = 2005)"},
        ]}),
    );
    assert_eq!(out["Responses"], json!([]));
    assert_eq!(out["ConsumedCapacity"], json!([{"TableName": "Music", "CapacityUnits": 8.0, "WriteCapacityUnits": 8.0}]));
    assert!(get(&mut e, "Tx", "One").is_object());
    assert_eq!(get(&mut e, "Acme", "Alpha")["Year"], json!({"N": "2002"}));
    assert_eq!(get(&mut e, "Zed", "Omega"), Value::Null);
    // One failure cancels everything, with reasons in statement order.
    let before = e.snapshot();
    let er = call(
        &mut e,
        "ExecuteTransaction",
        tx(json!([
            {"Statement": "INSERT INTO Music VALUE {'Artist': 'Tx', 'SongTitle': 'Two'}"},
            {"Statement": "UPDATE Music SET Year = 0 WHERE Artist = 'Acme' AND SongTitle = 'Beta' AND Year = 1", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
            {"Statement": "INSERT INTO Music VALUE {'Artist': 'Tx', 'SongTitle': 'One'}"},
            {"Statement": "EXISTS(SELECT * FROM Music WHERE Artist = 'Nobody' AND SongTitle = 'x' AND Year = 1)"},
            {"Statement": "UPDATE Music SET Year = 0 WHERE Artist = 'Nobody' AND SongTitle = 'y'"},
        ])),
    )
    .unwrap_err();
    assert_eq!(er.full_type(), "com.amazonaws.dynamodb.v20120810#TransactionCanceledException");
    assert_eq!(er.message, "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ValidationError, ConditionalCheckFailed, ConditionalCheckFailed]");
    let reasons = &er.extra.unwrap()["CancellationReasons"];
    assert_eq!(reasons[0], json!({"Code": "None"}));
    assert_eq!(reasons[1]["Item"], song("Acme", "Beta", 2003));
    assert_eq!(reasons[2], json!({"Code": "ValidationError", "Message": "Duplicate primary key exists in table"}));
    assert_eq!(e.snapshot(), before, "nothing was applied");
    assert_eq!(get(&mut e, "Tx", "Two"), Value::Null);
}

#[test]
fn transaction_request_tokens_are_idempotent() {
    let mut e = catalog();
    let req = json!({"ClientRequestToken": "tok-1", "TransactStatements": [{"Statement": "UPDATE Music SET Year = Year + 1 WHERE Artist = 'Moe' AND SongTitle = 'Solo'"}]});
    ok(&mut e, "ExecuteTransaction", req.clone());
    let mut again = req.clone();
    again["ReturnConsumedCapacity"] = json!("TOTAL");
    assert_eq!(ok(&mut e, "ExecuteTransaction", again), json!({"Responses": []}));
    assert_eq!(get(&mut e, "Moe", "Solo")["Year"], json!({"N": "2006"}), "the replay did not run again");
    let mut other = req.clone();
    other["TransactStatements"][0]["Statement"] = json!("UPDATE Music SET Year = 0 WHERE Artist = 'Moe' AND SongTitle = 'Solo'");
    let (kind, msg) = err(&mut e, "ExecuteTransaction", other);
    assert_eq!((kind.as_str(), msg.as_str()), ("IdempotentParameterMismatchException", "Request parameters do not match previous request with same client request token"));
    // Ten virtual minutes later the token is forgotten.
    assert!(call_at(&mut e, NOW + 11 * 60_000, "ExecuteTransaction", req).is_ok());
    assert_eq!(get(&mut e, "Moe", "Solo")["Year"], json!({"N": "2007"}));
}

#[test]
fn read_transactions_return_one_response_per_statement() {
    let mut e = catalog();
    let out = ok(
        &mut e,
        "ExecuteTransaction",
        json!({"ReturnConsumedCapacity": "TOTAL", "TransactStatements": [
            {"Statement": "SELECT * FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Alpha'"},
            {"Statement": "SELECT Year FROM Music WHERE Artist = 'Nobody' AND SongTitle = 'x'"},
            {"Statement": "SELECT Year FROM Music WHERE Artist = ? AND SongTitle = ?", "Parameters": [{"S": "Zed"}, {"S": "Omega"}]},
        ]}),
    );
    assert_eq!(out["Responses"], json!([{"Item": song("Acme", "Alpha", 2001)}, {}, {"Item": {"Year": {"N": "2010"}}}]));
    assert_eq!(out["ConsumedCapacity"], json!([{"TableName": "Music", "CapacityUnits": 6.0, "ReadCapacityUnits": 6.0}]));
}

#[test]
fn transaction_errors() {
    let mut e = catalog();
    let s = |sql: &str| json!({"Statement": sql});
    let cases = [
        (tx(json!([s("SELECT * FROM Music WHERE Artist = 'a' AND SongTitle = 'b'"), s("DELETE FROM Music WHERE Artist = 'a' AND SongTitle = 'c'")])), "ExecuteTransaction API does not support both read and write operations in the same request."),
        (tx(json!([s("SELECT * FROM Music WHERE Artist = 'a'")])), "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify the primary key in the where clause."),
        (tx(json!([s("SELECT * FROM Music WHERE Artist = 'a' AND SongTitle = 'b' AND attribute_exists(x)")])), "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify the primary key in the where clause."),
        (tx(json!([s("SELECT * FROM \"Music\".\"idx\" WHERE Artist = 'a' AND SongTitle = 'b'")])), "Validation failed in TransactStatements[0]: Reads on indices are not supported within transactions."),
        (tx(json!([s("SELECT * FROM Music WHERE Artist = 'a' AND SongTitle = 'b'"), s("SELECT * FROM Music WHERE")])), "Validation failed in TransactStatements[1]: Statement wasn't well formed, can't be processed: Unexpected term"),
        (tx(json!([s("DELETE FROM Music WHERE Artist = 'a' AND SongTitle = 'b' RETURNING ALL OLD *")])), "Validation failed in TransactStatements[0]: RETURNING clause is not supported in ExecuteTransaction."),
        (tx(json!([s("EXISTS(SELECT * FROM Music WHERE Artist = 'a' AND SongTitle = 'b')"), s("UPDATE Music SET z = 1 WHERE Artist = 'a' AND SongTitle = 'c'")])), "Validation failed in TransactStatements[0]: EXISTS() must contain a single item read with additional condition"),
        (tx(json!([s("DELETE FROM Music WHERE Artist = 'a' AND SongTitle = 'b'"), s("UPDATE Music SET z = 1 WHERE Artist = 'a' AND SongTitle = 'b'")])), "Transaction request cannot include multiple operations on one item"),
        (tx(json!([s("UPDATE Music SET z = 1 WHERE Artist = 'a'")])), "Validation failed in TransactStatements[0]: Where clause does not contain a mandatory equality on all key attributes"),
        (tx(json!([s("1 + 1")])), "Validation failed in TransactStatements[0]: Unsupported operation in transaction."),
        (tx(json!([])), "1 validation error detected: Value at 'transactStatements' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        (json!({}), "1 validation error detected: Value null at 'transactStatements' failed to satisfy constraint: Member must not be null"),
        (json!({"ClientRequestToken": "x".repeat(37), "TransactStatements": [s("DELETE FROM Music WHERE Artist = 'a' AND SongTitle = 'b'")]}), "1 validation error detected: Value 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36"),
        (tx(json!([{"Statement": "UPDATE Music SET n = ? WHERE Artist = 'a' AND SongTitle = 'b'", "Parameters": [{"N": "1e99999999999"}]}])), "The parameter cannot be converted to a numeric value: 1e99999999999"),
    ];
    for (req, msg) in cases {
        assert_eq!(err(&mut e, "ExecuteTransaction", req.clone()).1, msg, "{req}");
    }
    let too_many: Vec<Value> = (0..101).map(|i| s(&format!("DELETE FROM Music WHERE Artist = 'a' AND SongTitle = '{i}'"))).collect();
    assert_eq!(
        err(&mut e, "ExecuteTransaction", tx(Value::Array(too_many))).1,
        "1 validation error detected: Value at 'transactStatements' failed to satisfy constraint: Member must have length less than or equal to 100"
    );
    // A key missing from an INSERT cancels the transaction with a ValidationError reason.
    let er =
        call(&mut e, "ExecuteTransaction", tx(json!([s("DELETE FROM Music WHERE Artist = 'a' AND SongTitle = 'b'"), s("INSERT INTO Music VALUE {'Artist': 'a'}")]))).unwrap_err();
    assert_eq!(er.kind, "TransactionCanceledException");
    assert_eq!(
        er.extra.unwrap()["CancellationReasons"],
        json!([{"Code": "None"}, {"Code": "ValidationError", "Message": "Key attribute should be present in the item: Key SongTitle"}])
    );
    let (kind, msg) = err(&mut e, "ExecuteTransaction", tx(json!([s("DELETE FROM Nope WHERE a = 'a'")])));
    assert_eq!((kind.as_str(), msg.as_str()), ("ResourceNotFoundException", "Requested resource not found"));
}

// ---- invariants ----

#[test]
fn journal_replay_equals_snapshot_after_partiql_writes() {
    let mut e = game_scores();
    let mut img = Image::default();
    let mut commit = |e: &mut Engine| {
        let changes = e.take_changes();
        if !changes.is_empty() {
            img.apply_segment(&encode_batch(&changes)).unwrap();
        }
    };
    commit(&mut e);
    run(&mut e, "UPDATE GameScores SET Wins = Wins + 1, TopScore = 1 WHERE UserId = 'u1' AND GameTitle = 'Galaxy'");
    run(&mut e, "DELETE FROM GameScores WHERE UserId = 'u2' AND GameTitle = 'Meteor'");
    ok(
        &mut e,
        "BatchExecuteStatement",
        json!({"Statements": [{"Statement": "INSERT INTO GameScores VALUE {'UserId': 'b1', 'GameTitle': 'G'}"}, {"Statement": "INSERT INTO GameScores VALUE {'UserId': 'u1', 'GameTitle': 'Galaxy'}"}]}),
    );
    ok(
        &mut e,
        "ExecuteTransaction",
        json!({"ClientRequestToken": "t", "TransactStatements": [{"Statement": "INSERT INTO GameScores VALUE {'UserId': 't1', 'GameTitle': 'G', 'TopScore': 5}"}]}),
    );
    // Failures journal nothing.
    let before = e.has_changes();
    assert!(call(&mut e, "ExecuteStatement", json!({"Statement": "UPDATE GameScores SET TopScore = 'x' WHERE UserId = 'u1' AND GameTitle = 'Galaxy'"})).is_err());
    assert!(call(&mut e, "ExecuteTransaction", tx(json!([{"Statement": "INSERT INTO GameScores VALUE {'UserId': 'z', 'GameTitle': 'z'}"}, {"Statement": "UPDATE GameScores SET a = 1 WHERE UserId = 'none' AND GameTitle = 'x'"}]))).is_err());
    assert_eq!(e.has_changes(), before);
    commit(&mut e);
    assert_eq!(img.into_records(), e.snapshot());
    // Restored, the indexes are rebuilt to the same answers.
    let mut r = Engine::restore(EngineConfig::default(), T0, e.snapshot()).unwrap();
    let q = json!({"Statement": r#"SELECT UserId FROM "GameScores"."GameTitleIndex" WHERE GameTitle = 'Galaxy'"#});
    assert_eq!(call_at(&mut r, NOW, "ExecuteStatement", q.clone()).unwrap(), ok(&mut e, "ExecuteStatement", q));
}

/// A small deterministic generator (xorshift) for the fuzz test.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
}

#[test]
fn hostile_statements_get_errors_not_panics() {
    let mut e = catalog();
    let pieces = [
        "SELECT",
        "*",
        "FROM",
        "Music",
        "\"Music\"",
        "WHERE",
        "Artist",
        "=",
        "'Acme'",
        "AND",
        "OR",
        "NOT",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "<<",
        ">>",
        ",",
        ".",
        ":",
        "?",
        "1",
        "-",
        "+",
        "1e5",
        "IS",
        "MISSING",
        "NULL",
        "IN",
        "BETWEEN",
        "ORDER",
        "BY",
        "DESC",
        "UPDATE",
        "SET",
        "REMOVE",
        "DELETE",
        "INSERT",
        "INTO",
        "VALUE",
        "RETURNING",
        "ALL",
        "OLD",
        "NEW",
        "EXISTS",
        "size",
        "set_add",
        "list_append",
        "'",
        "\"",
        "/*",
        "--",
        "é",
        "🦀",
        "\u{0}",
        "`",
        "#",
        ";",
        "SongTitle",
        "a.b[2]",
        "<>",
        "!=",
        "<=",
        "TRUE",
    ];
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let n = 1 + g.next() % 14;
        let sql: Vec<&str> = (0..n).map(|_| g.pick(&pieces)).collect();
        let sql = sql.join(if g.next().is_multiple_of(3) { "" } else { " " });
        let params = if g.next().is_multiple_of(2) { json!([{"S": "x"}]) } else { json!([{"N": "1"}, {"S": "y"}]) };
        for op in ["ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"] {
            let req = match op {
                "ExecuteStatement" => json!({"Statement": sql, "Parameters": params}),
                "BatchExecuteStatement" => json!({"Statements": [{"Statement": sql, "Parameters": params}]}),
                _ => json!({"TransactStatements": [{"Statement": sql, "Parameters": params}]}),
            };
            if let Err(er) = call(&mut e, op, req) {
                assert!(
                    [
                        "ValidationException",
                        "ResourceNotFoundException",
                        "ConditionalCheckFailedException",
                        "DuplicateItemException",
                        "TransactionCanceledException",
                        "SerializationException"
                    ]
                    .contains(&er.kind.as_str()),
                    "{op} {sql:?}: {er}"
                );
            }
        }
    }
    // Long operator chains (the tree is as deep as the chain) run without exhausting the stack.
    for (head, link) in [("Year = 1", " OR Year = 1"), ("Artist = 'Acme'", " OR Artist = 'x'"), ("Year > 0", " AND Year > 0"), ("Artist = 'Acme'", " AND NOT Year = 0")] {
        let n = ((8000 - 40) / link.len()).min(490);
        let sql = format!("SELECT * FROM Music WHERE {head}{}", link.repeat(n));
        call(&mut e, "ExecuteStatement", json!({"Statement": sql})).unwrap();
    }
    let sql = format!("SELECT * FROM Music WHERE TRUE{}", " OR TRUE".repeat(1000));
    assert_eq!(titles(&run(&mut e, &sql)).len(), 6);
    let sql = format!("SELECT * FROM Music WHERE TRUE{}", " OR TRUE".repeat(1001));
    assert_eq!(message(&mut e, &sql), "Statement wasn't well formed, can't be processed: Expression contains too many operators");
    // Deep nesting and huge inputs are refused quickly.
    for sql in [
        format!("SELECT * FROM Music WHERE {}Artist = 'a'{}", "(".repeat(4000), ")".repeat(4000)),
        format!("SELECT * FROM Music WHERE Artist = {}", "-".repeat(8000)),
        format!("INSERT INTO Music VALUE {}", "{'a': ".repeat(1500)),
        format!("SELECT * FROM Music WHERE {}", "NOT ".repeat(2000)),
    ] {
        let (kind, _) = fails(&mut e, &sql);
        assert_eq!(kind, "ValidationException");
    }
}
