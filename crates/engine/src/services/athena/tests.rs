//! Athena over DynamoDB exports: the SQL subset over fixture items, the export reader (JSON and
//! Ion, gzip), and the service's operations over exports written into S3.

use serde_json::{json, Value};

use super::{export, ion, sql};
use crate::services::dynamodb::value::{item_from_json, Item};

/// Items as DynamoDB JSON.
fn items(v: Value) -> Vec<Item> {
    v.as_array().unwrap().iter().map(|i| item_from_json(i).unwrap()).collect()
}

fn books() -> Vec<Item> {
    items(json!([
        {"id": {"S": "b1"}, "title": {"S": "Dune"}, "price": {"N": "9.99"}, "year": {"N": "1965"}, "tags": {"SS": ["scifi", "classic"]},
         "author": {"M": {"name": {"S": "Herbert"}, "born": {"N": "1920"}}}, "ratings": {"L": [{"N": "5"}, {"N": "4"}]}, "inStock": {"BOOL": true}},
        {"id": {"S": "b2"}, "title": {"S": "Emma"}, "price": {"N": "4.50"}, "year": {"N": "1815"},
         "author": {"M": {"name": {"S": "Austen"}, "born": {"N": "1775"}}}, "ratings": {"L": [{"N": "3"}]}, "inStock": {"BOOL": false}},
        {"id": {"S": "b3"}, "title": {"S": "Neuromancer"}, "price": {"N": "12"}, "year": {"N": "1984"}, "tags": {"SS": ["scifi"]},
         "author": {"M": {"name": {"S": "Gibson"}}}, "inStock": {"BOOL": true}},
        {"id": {"S": "b4"}, "title": {"S": "Persuasion"}, "year": {"N": "1817"}, "author": {"M": {"name": {"S": "Austen"}, "born": {"N": "1775"}}}, "note": {"NULL": true}}
    ]))
}

fn run(q: &str, rows: &[Item]) -> Result<sql::ResultSet, String> {
    let parsed = sql::parse(q).map_err(|e| e.to_string())?;
    sql::execute(&parsed, rows).map_err(|e| e.to_string())
}

/// The result as rows of text (`NULL` for nulls), header first.
fn table(q: &str) -> Vec<Vec<String>> {
    let r = run(q, &books()).unwrap_or_else(|e| panic!("{q}: {e}"));
    let mut out = vec![r.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>()];
    out.extend(r.rows.iter().map(|row| row.iter().map(|v| v.clone().unwrap_or_else(|| "NULL".into())).collect()));
    out
}

fn error(q: &str) -> String {
    run(q, &books()).expect_err("expected the query to fail")
}

const FROM: &str = r#""s3://exports/t/AWSDynamoDB/01700000000000-abcd1234/""#;

fn q(body: &str) -> String {
    body.replace("$T", FROM)
}

#[test]
fn projection_star_columns_and_aliases() {
    let t = table(&q("SELECT * FROM $T LIMIT 1"));
    assert_eq!(t[0], ["id", "title", "price", "year", "tags", "author", "ratings", "inStock", "note"]);
    assert_eq!(t[1], ["b1", "Dune", "9.99", "1965", "[scifi, classic]", "{name=Herbert, born=1920}", "[5, 4]", "true", "NULL"]);
    let t = table(&q("SELECT title AS name, price * 2, year FROM $T WHERE id = 'b2'"));
    assert_eq!(t, [vec!["name", "_col1", "year"], vec!["Emma", "9", "1815"]]);
    assert_eq!(table(&q("SELECT price * 1.5, price / 2, year % 100, year / 100 FROM $T WHERE id = 'b1'"))[1], ["14.985", "4.995", "65", "19"]);
    // Unquoted names match case-insensitively when unique (Athena lower-cases identifiers).
    assert_eq!(table(&q("SELECT INSTOCK FROM $T WHERE id = 'b1'"))[1], ["true"]);
    // An item without the attribute reads NULL.
    assert_eq!(table(&q("SELECT price FROM $T WHERE id = 'b4'"))[1], ["NULL"]);
}

#[test]
fn column_types_follow_the_values() {
    let r = run(&q("SELECT id, year, price, inStock, tags, author, avg(year) OVER () FROM $T"), &books());
    assert!(r.unwrap_err().starts_with("NOT_SUPPORTED"), "window functions are refused");
    let r = run(&q("SELECT id, year, price, inStock, tags, author FROM $T"), &books()).unwrap();
    let types: Vec<&str> = r.columns.iter().map(|c| c.type_name.as_str()).collect();
    assert_eq!(types, ["varchar", "bigint", "decimal", "boolean", "array", "row"]);
}

#[test]
fn filters() {
    let ids = |w: &str| table(&q(&format!("SELECT id FROM $T WHERE {w}"))).into_iter().skip(1).map(|r| r[0].clone()).collect::<Vec<_>>();
    assert_eq!(ids("price > 5"), ["b1", "b3"]);
    assert_eq!(ids("price >= 4.5 AND year < 1900"), ["b2"]);
    assert_eq!(ids("year < 1820 OR title = 'Dune'"), ["b1", "b2", "b4"]);
    assert_eq!(ids("NOT inStock"), ["b2"]);
    assert_eq!(ids("id IN ('b1', 'b4', 'zz')"), ["b1", "b4"]);
    assert_eq!(ids("id NOT IN ('b1', 'b4')"), ["b2", "b3"]);
    assert_eq!(ids("year BETWEEN 1815 AND 1900"), ["b2", "b4"]);
    assert_eq!(ids("year NOT BETWEEN 1815 AND 1900"), ["b1", "b3"]);
    assert_eq!(ids("title LIKE '%an%'"), ["b3"]);
    assert_eq!(ids("title LIKE '_mma'"), ["b2"]);
    assert_eq!(ids("lower(title) LIKE 'p%'"), ["b4"]);
    assert_eq!(ids("price IS NULL"), ["b4"]);
    assert_eq!(ids("tags IS NOT NULL"), ["b1", "b3"]);
    assert_eq!(ids("note IS NULL"), ["b1", "b2", "b3", "b4"], "a NULL attribute is SQL NULL");
    // NULL comparisons are unknown: neither the condition nor its negation keeps the row.
    assert_eq!(ids("price > 100 OR NOT (price > 100)"), ["b1", "b2", "b3"]);
    assert_eq!(ids("price <> 9.99"), ["b2", "b3"]);
    assert_eq!(ids("price = 12.0"), ["b3"], "numbers compare numerically");
}

#[test]
fn nested_paths() {
    let t = table(&q("SELECT id, author.name, author.born, ratings[1], tags[2] FROM $T WHERE author.name = 'Austen' OR ratings[1] = 5"));
    assert_eq!(t[0], ["id", "name", "born", "_col3", "_col4"]);
    assert_eq!(t[1], ["b1", "Herbert", "1920", "5", "classic"]);
    assert_eq!(t[2], ["b2", "Austen", "1775", "3", "NULL"]);
    assert_eq!(t[3], ["b4", "Austen", "1775", "NULL", "NULL"]);
    assert_eq!(t.len(), 4);
    assert_eq!(table(&q("SELECT author['name'] FROM $T WHERE id = 'b3'"))[1], ["Gibson"]);
    assert_eq!(table(&q("SELECT t.author.name FROM $T AS t WHERE t.id = 'b3'"))[1], ["Gibson"]);
    assert_eq!(table(&q("SELECT author.born FROM $T WHERE id = 'b3'"))[1], ["NULL"], "a missing field reads NULL");
    // Trino's arrays are 1-based and check their bounds.
    assert_eq!(error(&q("SELECT ratings[0] FROM $T")), "INVALID_FUNCTION_ARGUMENT: line 1:16: SQL array indices start at 1");
    assert_eq!(error(&q("SELECT ratings[2] FROM $T WHERE id = 'b2'")), "INVALID_FUNCTION_ARGUMENT: line 1:16: Array subscript must be less than or equal to array length: 2 > 1");
    assert!(error(&q("SELECT title.x FROM $T")).starts_with("TYPE_MISMATCH: line 1:8: Expression title.x is not of type ROW"));
}

#[test]
fn aggregates_and_group_by() {
    assert_eq!(
        table(&q("SELECT count(*), count(price), sum(price), min(year), max(title), avg(year) FROM $T")),
        [vec!["_col0", "_col1", "_col2", "_col3", "_col4", "_col5"], vec!["4", "3", "26.49", "1815", "Persuasion", "1895.25"],]
    );
    let t = table(&q("SELECT author.name AS who, count(*) AS n, sum(price) FROM $T GROUP BY author.name ORDER BY n DESC, who"));
    assert_eq!(t, [vec!["who", "n", "_col2"], vec!["Austen", "2", "4.5"], vec!["Gibson", "1", "12"], vec!["Herbert", "1", "9.99"]]);
    let t = table(&q("SELECT inStock, count(*) FROM $T GROUP BY 1 HAVING count(*) > 1"));
    assert_eq!(t, [vec!["inStock", "_col1"], vec!["true", "2"]]);
    assert_eq!(table(&q("SELECT count(DISTINCT author.name) FROM $T"))[1], ["3"]);
    // A global aggregate over no rows is one row.
    assert_eq!(table(&q("SELECT count(*), sum(price) FROM $T WHERE year > 3000"))[1], ["0", "NULL"]);
    assert_eq!(
        error(&q("SELECT title, count(*) FROM $T GROUP BY year")),
        "EXPRESSION_NOT_AGGREGATE: line 1:8: 'title' must be an aggregate expression or appear in GROUP BY clause"
    );
    let sql = q("SELECT id FROM $T WHERE count(*) > 1");
    let col = sql.find("count").unwrap() + 1;
    assert!(error(&sql).starts_with(&format!("EXPRESSION_NOT_SCALAR: line 1:{col}:")), "{}", error(&sql));
}

#[test]
fn order_limit_offset_distinct() {
    let col = |sql: &str| table(&q(sql)).into_iter().skip(1).map(|r| r[0].clone()).collect::<Vec<_>>();
    assert_eq!(col("SELECT id FROM $T ORDER BY price DESC"), ["b3", "b1", "b2", "b4"], "NULLs last");
    assert_eq!(col("SELECT id FROM $T ORDER BY price ASC NULLS FIRST"), ["b4", "b2", "b1", "b3"]);
    assert_eq!(col("SELECT id, year FROM $T ORDER BY 2 LIMIT 2"), ["b2", "b4"]);
    assert_eq!(col("SELECT id FROM $T ORDER BY year OFFSET 1 LIMIT 2"), ["b4", "b1"]);
    assert_eq!(col("SELECT DISTINCT author.name FROM $T ORDER BY 1"), ["Austen", "Gibson", "Herbert"]);
    assert_eq!(col("SELECT title || ' (' || id || ')' AS label FROM $T ORDER BY label LIMIT 1"), ["Dune (b1)"]);
    assert_eq!(col("SELECT CAST(year AS varchar) || '!' FROM $T WHERE CAST(price AS bigint) = 10"), ["1965!"]);
    assert_eq!(col("SELECT TRY_CAST(title AS double) FROM $T LIMIT 1"), ["NULL"]);
    assert_eq!(col("SELECT CASE WHEN price > 5 THEN 'dear' WHEN price IS NULL THEN 'n/a' ELSE 'cheap' END FROM $T"), ["dear", "cheap", "dear", "n/a"]);
}

#[test]
fn errors_read_as_athena_errors() {
    assert_eq!(error(&q("SELEC id FROM $T")), "SYNTAX_ERROR: line 1:1: Expected: an SQL statement, found: SELEC");
    assert_eq!(error(&q("SELECT nope FROM $T")), "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved or requester is not authorized to access requested resources");
    assert_eq!(error(&q("SELECT foo(id) FROM $T")), "FUNCTION_NOT_FOUND: line 1:8: Function 'foo' not registered");
    let sql = q("SELECT id FROM $T WHERE title = 5");
    let col = sql.find("title").unwrap() + 1;
    assert_eq!(error(&sql), format!("TYPE_MISMATCH: line 1:{col}: Cannot apply operator: varchar = bigint"));
    assert!(error(&q("SELECT id FROM $T a JOIN $T b ON a.id = b.id")).starts_with("NOT_SUPPORTED: "));
    assert_eq!(error(&q("SELECT CAST(title AS bigint) FROM $T")), "INVALID_CAST_ARGUMENT: line 1:13: Cannot cast 'Dune' to BIGINT");
    assert_eq!(
        error(&q("SELECT CAST(year AS date) FROM $T")),
        "NOT_SUPPORTED: line 1:13: CAST to DATE is not supported by the sandbox's Athena (a SELECT subset over DynamoDB exports)"
    );
    assert!(error("DELETE FROM t").starts_with("NOT_SUPPORTED: "));
    assert_eq!(error("SELECT 1 FROM t; SELECT 2 FROM t"), "INVALID_INPUT: Only one sql statement is allowed.");
    assert_eq!(error(&q("SELECT 1 / 0 FROM $T")), "DIVISION_BY_ZERO: line 1:8: Division by zero");
}

/// Half of a Web Worker's 1 MiB stack: deep nesting must be refused (or run) within it.
const SMALL_STACK: usize = 512 * 1024;

#[test]
fn deep_nesting_is_refused_on_a_small_stack() {
    let t = std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(|| {
            let shapes: [(&str, &str, &str); 6] =
                [("(", "1", ")"), ("NOT ", "inStock", ""), ("- ", "1", ""), ("lower(", "title", ")"), ("CASE WHEN true THEN ", "1", " END"), ("", "ratings", "[1]")];
            for (open, inner, close) in shapes {
                for depth in [10, 30, 5000] {
                    let sql = format!("SELECT {}{inner}{} FROM {FROM}", open.repeat(depth), close.repeat(depth));
                    match run(&sql, &books()) {
                        Ok(_) => assert!(depth <= 30, "{open}{inner}{close} × {depth} ran"),
                        // ratings[1][1]... indexes a number: a type error, found by running it.
                        Err(e) => assert!(depth > 10 || e.starts_with("TYPE_MISMATCH"), "{open}{inner}{close} × {depth}: {e}"),
                    }
                }
            }
        })
        .unwrap();
    t.join().expect("no stack overflow");
}

#[test]
fn from_names_an_export_folder_or_a_table() {
    let p = sql::parse(&q("SELECT * FROM $T")).unwrap();
    assert_eq!(p.from, sql::From::S3 { bucket: "exports".into(), key_prefix: "t/AWSDynamoDB/01700000000000-abcd1234/".into() });
    let p = sql::parse(r#"SELECT * FROM "s3://b/x/AWSDynamoDB/1-a/data""#).unwrap();
    assert_eq!(p.from, sql::From::S3 { bucket: "b".into(), key_prefix: "x/AWSDynamoDB/1-a/data/".into() });
    assert_eq!(sql::parse("SELECT * FROM mydb.books").unwrap().from, sql::From::Table("mydb.books".into()));
}

#[test]
fn like_matches_in_linear_time() {
    let like = |t: &str, p: &str, e: Option<char>| sql::like(t, p, e).unwrap();
    assert!(like("abc", "a%c", None));
    assert!(like("a%c", "a!%c", Some('!')));
    assert!(!like("abc", "a!%c", Some('!')));
    assert!(like("", "%", None));
    let long = "a".repeat(20_000);
    assert!(!like(&long, &format!("{}b", "%a".repeat(200)), None));
}

#[test]
fn export_files_json_and_ion_with_gzip() {
    let manifest = b"{\"itemCount\":2,\"md5Checksum\":\"x\",\"etag\":\"y\",\"dataFileS3Key\":\"t/AWSDynamoDB/1-a/data/f1.json.gz\"}\n{\"itemCount\":1,\"dataFileS3Key\":\"t/AWSDynamoDB/1-a/data/f2.ion.gz\"}\n";
    assert_eq!(export::data_keys(manifest).unwrap(), ["t/AWSDynamoDB/1-a/data/f1.json.gz", "t/AWSDynamoDB/1-a/data/f2.ion.gz"]);
    let json_lines = "{\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}}\n{\"Item\":{\"id\":{\"S\":\"b\"}}}\n";
    let mut budget = export::MAX_DECOMPRESSED_BYTES;
    let got = export::items("f1.json.gz", &export::gzip(json_lines.as_bytes()), &mut budget).unwrap();
    assert_eq!(got, items(json!([{"id": {"S": "a"}, "n": {"N": "1"}}, {"id": {"S": "b"}}])));
    assert_eq!(budget, export::MAX_DECOMPRESSED_BYTES - json_lines.len());

    let ion_text = "$ion_1_0 {Item:{id:\"c\",n:15d-1,f:2.5e0,i:42,ok:true,nothing:null,blob:{{aGk=}},tags:$dynamodb_SS::[\"x\",\"y\"],nums:$dynamodb_NS::[1,2.5],l:[1,\"two\"],m:{'a b':\"q\\\"uote\"}}}\n$ion_1_0 {Item:{id:\"d\"}}\n";
    let got = export::items("f2.ion.gz", &export::gzip(ion_text.as_bytes()), &mut budget).unwrap();
    assert_eq!(
        got,
        items(json!([
            {"id": {"S": "c"}, "n": {"N": "1.5"}, "f": {"N": "2.5"}, "i": {"N": "42"}, "ok": {"BOOL": true}, "nothing": {"NULL": true}, "blob": {"B": "aGk="},
             "tags": {"SS": ["x", "y"]}, "nums": {"NS": ["1", "2.5"]}, "l": {"L": [{"N": "1"}, {"S": "two"}]}, "m": {"M": {"a b": {"S": "q\"uote"}}}},
            {"id": {"S": "d"}}
        ]))
    );
    // The example in AWS's export documentation.
    let doc = r#"$ion_1_0 {Item:{Authors:$dynamodb_SS::["Author1","Author2"],Dimensions:"8.5 x 11.0 x 1.5",ISBN:"333-3333333333",Id:103.,InPublication:false,PageCount:6d2,Price:2d3,ProductCategory:"Book",Title:"Book 103 Title"}}"#;
    let got = ion::items(doc).unwrap();
    assert_eq!(got[0]["Id"], crate::services::dynamodb::value::AttributeValue::from_json(&json!({"N": "103"})).unwrap());
    assert_eq!(got[0]["PageCount"], crate::services::dynamodb::value::AttributeValue::from_json(&json!({"N": "600"})).unwrap());
    assert_eq!(got[0]["Authors"], crate::services::dynamodb::value::AttributeValue::from_json(&json!({"SS": ["Author1", "Author2"]})).unwrap());
    assert!(ion::items("{Item:{t:2024-01-01T}}").unwrap_err().contains("timestamps are not supported"));
    assert!(ion::items(&format!("{{Item:{}1{}}}", "[".repeat(200), "]".repeat(200))).unwrap_err().contains("nested too deeply"));

    // Corrupt or hostile files are errors, not panics.
    let mut bad = export::gzip(json_lines.as_bytes());
    let n = bad.len();
    bad[n - 6] ^= 0xff;
    assert_eq!(export::items("f.json.gz", &bad, &mut budget).unwrap_err(), "f.json.gz: gzip CRC mismatch");
    assert!(export::items("f.json.gz", b"not gzip at all, not at all", &mut budget).unwrap_err().contains("not a gzip file"));
    let bomb = export::gzip(&vec![b' '; 1024 * 1024]);
    let mut small = 1000;
    assert!(export::items("f.json.gz", &bomb, &mut small).unwrap_err().contains("sandbox limit"));
    let incremental = "{\"Metadata\":{\"WriteTimestampMicros\":1},\"Keys\":{\"id\":{\"S\":\"a\"}},\"NewImage\":{\"id\":{\"S\":\"a\"}}}\n";
    assert!(export::items("f.json.gz", &export::gzip(incremental.as_bytes()), &mut budget).unwrap_err().contains("incremental export"));
}

// ---- The service, over exports written into S3 ----

use crate::{Engine, EngineConfig, Request};
use base64::{engine::general_purpose::STANDARD as B64, Engine as _};

const NOW: i64 = 1_767_225_600_000;
const EXPORT: &str = "exports/books/AWSDynamoDB/01767225600000-a1b2c3d4/";

fn engine() -> Engine {
    Engine::new(EngineConfig { start_virtual_ms: NOW, ..Default::default() }, 0)
}

fn call(e: &mut Engine, service: &str, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.call(0, &Request::new(service, op, "us-east-1", input))
}

fn ok(e: &mut Engine, service: &str, op: &str, input: Value) -> Value {
    call(e, service, op, input).unwrap_or_else(|err| panic!("{op} failed: {err:?}"))
}

fn put(e: &mut Engine, key: &str, body: &[u8]) {
    ok(e, "s3", "PutObject", json!({"Bucket": "lake", "Key": key, "Body": B64.encode(body)}));
}

/// Bucket `lake` with the books as a two-file DYNAMODB_JSON export under [`EXPORT`].
fn with_export() -> Engine {
    let mut e = engine();
    ok(&mut e, "s3", "CreateBucket", json!({"Bucket": "lake"}));
    let lines: Vec<String> = books().iter().map(|i| json!({"Item": crate::services::dynamodb::value::item_to_json(i)}).to_string()).collect();
    let (a, b) = lines.split_at(2);
    let mut manifest = String::new();
    for (name, part) in [("f1", a), ("f2", b)] {
        let key = format!("{EXPORT}data/{name}.json.gz");
        put(&mut e, &key, &export::gzip((part.join("\n") + "\n").as_bytes()));
        manifest.push_str(&json!({"itemCount": part.len(), "md5Checksum": "x", "etag": "y", "dataFileS3Key": key}).to_string());
        manifest.push('\n');
    }
    put(&mut e, &format!("{EXPORT}manifest-files.json"), manifest.as_bytes());
    put(
        &mut e,
        &format!("{EXPORT}manifest-summary.json"),
        json!({"version": "2020-06-30", "exportType": "FULL_EXPORT", "outputFormat": "DYNAMODB_JSON", "itemCount": 4}).to_string().as_bytes(),
    );
    e
}

fn start(e: &mut Engine, sql: &str) -> String {
    let out = ok(
        e,
        "athena",
        "StartQueryExecution",
        json!({"QueryString": sql, "QueryExecutionContext": {"Database": "default"}, "ResultConfiguration": {"OutputLocation": "s3://lake/results/"}}),
    );
    out["QueryExecutionId"].as_str().unwrap().to_string()
}

fn execution(e: &mut Engine, id: &str) -> Value {
    ok(e, "athena", "GetQueryExecution", json!({"QueryExecutionId": id}))["QueryExecution"].clone()
}

fn rows(result: &Value) -> Vec<Vec<String>> {
    result["ResultSet"]["Rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Data"].as_array().unwrap().iter().map(|d| d["VarCharValue"].as_str().unwrap_or("NULL").to_string()).collect())
        .collect()
}

#[test]
fn a_query_over_an_export_succeeds_with_results_and_a_csv() {
    let mut e = with_export();
    let id = start(&mut e, &format!("SELECT id, author.name AS author, price FROM \"s3://lake/{EXPORT}\" WHERE price > 5 ORDER BY price DESC"));
    let x = execution(&mut e, &id);
    assert_eq!(x["Status"]["State"], "SUCCEEDED", "{x}");
    assert_eq!(x["Query"].as_str().unwrap().starts_with("SELECT id"), true);
    assert_eq!(x["ResultConfiguration"]["OutputLocation"], format!("s3://lake/results/{id}.csv"));
    assert_eq!(x["QueryExecutionContext"]["Database"], "default");
    assert_eq!(x["WorkGroup"], "primary");
    assert_eq!(x["StatementType"], "DML");
    // Data scanned: the compressed data files read.
    let listed = ok(&mut e, "s3", "ListObjectsV2", json!({"Bucket": "lake", "Prefix": format!("{EXPORT}data/")}));
    let sizes: u64 = listed["Contents"].as_array().unwrap().iter().map(|o| o["Size"].as_u64().unwrap()).sum();
    assert_eq!(x["Statistics"]["DataScannedInBytes"], sizes);
    assert!(x["Statistics"]["EngineExecutionTimeInMillis"].is_u64());

    let r = ok(&mut e, "athena", "GetQueryResults", json!({"QueryExecutionId": id}));
    assert_eq!(rows(&r), [vec!["id", "author", "price"], vec!["b3", "Gibson", "12"], vec!["b1", "Herbert", "9.99"]]);
    let info = &r["ResultSet"]["ResultSetMetadata"]["ColumnInfo"];
    assert_eq!(info[0]["Name"], "id");
    assert_eq!(info[0]["Type"], "varchar");
    assert_eq!(info[2]["Type"], "decimal");
    assert!(r.get("NextToken").is_none());

    // The result CSV, as Athena writes it.
    let csv = ok(&mut e, "s3", "GetObject", json!({"Bucket": "lake", "Key": format!("results/{id}.csv")}));
    let text = String::from_utf8(B64.decode(csv["Body"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(text, "\"id\",\"author\",\"price\"\n\"b3\",\"Gibson\",\"12\"\n\"b1\",\"Herbert\",\"9.99\"\n");
}

#[test]
fn nulls_aggregates_and_the_data_folder() {
    let mut e = with_export();
    let id = start(&mut e, &format!("SELECT author.name, count(*) AS n, max(price) FROM \"s3://lake/{EXPORT}data/\" GROUP BY 1 ORDER BY n DESC, 1"));
    let r = ok(&mut e, "athena", "GetQueryResults", json!({"QueryExecutionId": id}));
    assert_eq!(rows(&r), [vec!["name", "n", "_col2"], vec!["Austen", "2", "4.5"], vec!["Gibson", "1", "12"], vec!["Herbert", "1", "9.99"]]);
    let id = start(&mut e, &format!("SELECT id, price FROM \"s3://lake/{EXPORT}\" WHERE id = 'b4'"));
    let r = ok(&mut e, "athena", "GetQueryResults", json!({"QueryExecutionId": id}));
    assert_eq!(r["ResultSet"]["Rows"][1]["Data"], json!([{"VarCharValue": "b4"}, {}]), "NULL has no VarCharValue");
    let csv = ok(&mut e, "s3", "GetObject", json!({"Bucket": "lake", "Key": format!("results/{id}.csv")}));
    assert_eq!(B64.decode(csv["Body"].as_str().unwrap()).unwrap(), b"\"id\",\"price\"\n\"b4\",\n");
}

#[test]
fn results_are_paged_with_the_header_row_first() {
    let mut e = with_export();
    let id = start(&mut e, &format!("SELECT id FROM \"s3://lake/{EXPORT}\" ORDER BY id"));
    let p1 = ok(&mut e, "athena", "GetQueryResults", json!({"QueryExecutionId": id, "MaxResults": 2}));
    assert_eq!(rows(&p1), [vec!["id"], vec!["b1"]]);
    let p2 = ok(&mut e, "athena", "GetQueryResults", json!({"QueryExecutionId": id, "MaxResults": 2, "NextToken": p1["NextToken"]}));
    assert_eq!(rows(&p2), [vec!["b2"], vec!["b3"]]);
    let p3 = ok(&mut e, "athena", "GetQueryResults", json!({"QueryExecutionId": id, "MaxResults": 2, "NextToken": p2["NextToken"]}));
    assert_eq!(rows(&p3), [vec!["b4"]]);
    assert!(p3.get("NextToken").is_none());
    let bad = call(&mut e, "athena", "GetQueryResults", json!({"QueryExecutionId": id, "MaxResults": 1001})).unwrap_err();
    assert_eq!(bad.kind, "InvalidRequestException");
    let bad = call(&mut e, "athena", "GetQueryResults", json!({"QueryExecutionId": id, "NextToken": "garbage"})).unwrap_err();
    assert_eq!((bad.kind.as_str(), bad.message.as_str()), ("InvalidRequestException", "Invalid NextToken"));
}

#[test]
fn sql_errors_and_missing_exports_fail_the_query() {
    let mut e = with_export();
    let id = start(&mut e, &format!("SELEC id FROM \"s3://lake/{EXPORT}\""));
    let x = execution(&mut e, &id);
    assert_eq!(x["Status"]["State"], "FAILED");
    assert_eq!(x["Status"]["StateChangeReason"], "SYNTAX_ERROR: line 1:1: Expected: an SQL statement, found: SELEC");
    let r = call(&mut e, "athena", "GetQueryResults", json!({"QueryExecutionId": id})).unwrap_err();
    assert_eq!((r.kind.as_str(), r.message.as_str()), ("InvalidRequestException", "SYNTAX_ERROR: line 1:1: Expected: an SQL statement, found: SELEC"));

    let id = start(&mut e, "SELECT * FROM \"s3://lake/exports/AWSDynamoDB/nope/\"");
    let x = execution(&mut e, &id);
    assert_eq!(x["Status"]["State"], "FAILED");
    let reason = x["Status"]["StateChangeReason"].as_str().unwrap();
    assert!(reason.starts_with("TABLE_NOT_FOUND: line 1:15: No DynamoDB export at s3://lake/exports/AWSDynamoDB/nope/: reading manifest-files.json failed: NoSuchKey"), "{reason}");

    let id = start(&mut e, "SELECT * FROM books");
    let reason = execution(&mut e, &id)["Status"]["StateChangeReason"].as_str().unwrap().to_string();
    assert!(reason.starts_with("TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.default.books' does not exist"), "{reason}");

    let id = start(&mut e, &format!("SELECT nope FROM \"s3://lake/{EXPORT}\""));
    assert!(execution(&mut e, &id)["Status"]["StateChangeReason"].as_str().unwrap().starts_with("COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved"));

    // An output bucket that does not exist: the query fails when it writes its results.
    let out = ok(
        &mut e,
        "athena",
        "StartQueryExecution",
        json!({"QueryString": format!("SELECT 1 FROM \"s3://lake/{EXPORT}data/\" LIMIT 1"), "ResultConfiguration": {"OutputLocation": "s3://missing-bucket/r/"}}),
    );
    let x = execution(&mut e, out["QueryExecutionId"].as_str().unwrap());
    assert_eq!(x["Status"]["State"], "FAILED");
    assert!(x["Status"]["StateChangeReason"].as_str().unwrap().starts_with("Access denied when writing output to url: s3://missing-bucket/r/"), "{x}");

    // A corrupt data file fails the query with HIVE_BAD_DATA.
    put(&mut e, &format!("{EXPORT}data/f2.json.gz"), b"not gzip, not at all......");
    let id = start(&mut e, &format!("SELECT * FROM \"s3://lake/{EXPORT}\""));
    assert!(execution(&mut e, &id)["Status"]["StateChangeReason"].as_str().unwrap().starts_with("HIVE_BAD_DATA: "));
}

#[test]
fn request_errors_are_invalid_request_exceptions() {
    let mut e = with_export();
    let err = |e: &mut Engine, op: &str, input: Value| {
        let x = call(e, "athena", op, input).unwrap_err();
        assert_eq!(x.kind, "InvalidRequestException", "{x:?}");
        x.message
    };
    assert_eq!(
        err(&mut e, "StartQueryExecution", json!({"QueryString": "SELECT 1 FROM t"})),
        "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input."
    );
    assert_eq!(
        err(&mut e, "StartQueryExecution", json!({"QueryString": "SELECT 1 FROM t", "WorkGroup": "etl", "ResultConfiguration": {"OutputLocation": "s3://lake/r/"}})),
        "WorkGroup etl is not found."
    );
    assert!(err(&mut e, "StartQueryExecution", json!({"QueryString": "SELECT 1 FROM t", "ResultConfiguration": {"OutputLocation": "lake/r/"}}))
        .starts_with("The S3 location provided to save your query results is invalid."));
    assert!(err(&mut e, "StartQueryExecution", json!({"QueryString": "", "ResultConfiguration": {"OutputLocation": "s3://lake/r/"}}))
        .contains("Member must have length greater than or equal to 1"));
    assert!(err(&mut e, "StartQueryExecution", json!({"QueryString": "SELECT 1 FROM t", "ExecutionParameters": ["1"], "ResultConfiguration": {"OutputLocation": "s3://lake/r/"}}))
        .contains("ExecutionParameters is not supported"));
    assert_eq!(err(&mut e, "GetQueryExecution", json!({"QueryExecutionId": "nope"})), "QueryExecution nope was not found");
    assert_eq!(err(&mut e, "GetQueryResults", json!({"QueryExecutionId": "nope"})), "QueryExecution nope was not found");
    assert_eq!(call(&mut e, "athena", "CreateWorkGroup", json!({"Name": "x"})).unwrap_err().kind, "UnknownOperationException");
}

#[test]
fn executions_are_listed_batched_idempotent_and_survive_a_restore() {
    let mut e = with_export();
    let q = format!("SELECT count(*) FROM \"s3://lake/{EXPORT}\"");
    let a = start(&mut e, &q);
    let b = start(&mut e, "SELEC");
    let listed = ok(&mut e, "athena", "ListQueryExecutions", json!({}));
    assert_eq!(listed["QueryExecutionIds"], json!([b, a]), "newest first");
    let p1 = ok(&mut e, "athena", "ListQueryExecutions", json!({"MaxResults": 1}));
    assert_eq!(p1["QueryExecutionIds"], json!([b]));
    let p2 = ok(&mut e, "athena", "ListQueryExecutions", json!({"MaxResults": 1, "NextToken": p1["NextToken"]}));
    assert_eq!(p2["QueryExecutionIds"], json!([a]));
    assert!(p2.get("NextToken").is_none());

    let batch = ok(&mut e, "athena", "BatchGetQueryExecution", json!({"QueryExecutionIds": [a, "nope"]}));
    assert_eq!(batch["QueryExecutions"][0]["QueryExecutionId"], a.as_str());
    assert_eq!(batch["UnprocessedQueryExecutionIds"][0]["QueryExecutionId"], "nope");
    assert_eq!(ok(&mut e, "athena", "StopQueryExecution", json!({"QueryExecutionId": a})), json!({}));

    let token = "0123456789abcdef0123456789abcdef";
    let input = json!({"QueryString": q, "ClientRequestToken": token, "ResultConfiguration": {"OutputLocation": "s3://lake/r/"}});
    let first = ok(&mut e, "athena", "StartQueryExecution", input.clone());
    assert_eq!(ok(&mut e, "athena", "StartQueryExecution", input), first, "the same token, the same execution");

    // Executions and their results are records: a restored sandbox has them.
    let restored = Engine::restore(EngineConfig { start_virtual_ms: NOW, ..Default::default() }, 0, e.snapshot()).unwrap();
    let mut r = restored;
    let out = ok(&mut r, "athena", "GetQueryResults", json!({"QueryExecutionId": a}));
    assert_eq!(rows(&out), [vec!["_col0"], vec!["4"]]);
}
