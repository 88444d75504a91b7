//! API Gateway's overhead per request in the engine: execute-api Invoke of a deployed stage
//! whose method has a MOCK integration (a static request template choosing the integration
//! response, a static response template), so the figure is the gateway's own work: routing
//! through a resource tree, the mapping steps, the trace and the answer. Also the same request
//! through `wire::handle` (the path form `gureum serve` answers), and a TestInvokeMethod.
//!
//! `cargo run --release -p gureum-engine --example apigw_bench [-- REQUESTS]`

use std::time::Instant;

use gureum_engine::{wire, Engine, EngineConfig, Request};
use serde_json::{json, Value};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn call(e: &mut Engine, op: &str, input: Value) -> Value {
    e.call(0, &Request::new("apigateway", op, "us-east-1", input)).unwrap_or_else(|err| panic!("{op}: {err}"))
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(50_000);
    let mut e = Engine::new(EngineConfig::default(), 0);
    let api = call(&mut e, "CreateRestApi", json!({ "name": "bench" }));
    let id = api["id"].as_str().unwrap().to_string();
    let root = api["rootResourceId"].as_str().unwrap().to_string();
    // A tree of 31 resources: /r{i}, /r{i}/{id}, /r{i}/{id}/sub for 10 i, plus the root.
    let mut target = String::new();
    for i in 0..10 {
        let r = call(&mut e, "CreateResource", json!({ "restApiId": id, "parentId": root, "pathPart": format!("r{i}") }))["id"].as_str().unwrap().to_string();
        let v = call(&mut e, "CreateResource", json!({ "restApiId": id, "parentId": r, "pathPart": "{id}" }))["id"].as_str().unwrap().to_string();
        let s = call(&mut e, "CreateResource", json!({ "restApiId": id, "parentId": v, "pathPart": "sub" }))["id"].as_str().unwrap().to_string();
        for rid in [&r, &v, &s] {
            let m = json!({ "restApiId": id, "resourceId": rid, "httpMethod": "GET" });
            let with = |extra: Value| {
                let mut x = m.clone();
                for (k, v) in extra.as_object().unwrap() {
                    x[k] = v.clone();
                }
                x
            };
            call(&mut e, "PutMethod", with(json!({ "authorizationType": "NONE" })));
            call(&mut e, "PutMethodResponse", with(json!({ "statusCode": "200" })));
            call(&mut e, "PutIntegration", with(json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } })));
            call(&mut e, "PutIntegrationResponse", with(json!({ "statusCode": "200", "responseTemplates": { "application/json": "{\"ok\": true}" } })));
        }
        if i == 9 {
            target = s;
        }
    }
    // A method with real mapping templates (the non-proxy case): the request template reads the
    // body, path, query and headers; the response template reshapes a list with #foreach.
    let tpl = call(&mut e, "CreateResource", json!({ "restApiId": id, "parentId": root, "pathPart": "tpl" }))["id"].as_str().unwrap().to_string();
    let tpl = call(&mut e, "CreateResource", json!({ "restApiId": id, "parentId": tpl, "pathPart": "{id}" }))["id"].as_str().unwrap().to_string();
    let m = json!({ "restApiId": id, "resourceId": tpl, "httpMethod": "POST" });
    let with = |extra: Value| {
        let mut x = m.clone();
        for (k, v) in extra.as_object().unwrap() {
            x[k] = v.clone();
        }
        x
    };
    call(&mut e, "PutMethod", with(json!({ "authorizationType": "NONE" })));
    call(&mut e, "PutMethodResponse", with(json!({ "statusCode": "200" })));
    let request_template = r##"#set($body = $input.path('$'))
{
  "statusCode": 200,
  "id": "$util.escapeJavaScript($input.params('id'))",
  "page": "$input.params('page')",
  "agent": "$input.params().header.get('User-Agent')",
  "count": $body.items.size(),
  "names": [#foreach($i in $body.items)"$i.name.toUpperCase()"#if($foreach.hasNext),#end#end],
  "raw": $input.json('$.items[0]')
}"##;
    let response_template = r##"#set($root = $input.path('$'))
{
  "requestId": "$context.requestId",
  "stage": "$context.stage",
  "items": [
#foreach($k in ["a", "b", "c", "d"])
    {"key": "$k", "at": $foreach.index}#if($foreach.hasNext),#end
#end
  ]
}"##;
    call(&mut e, "PutIntegration", with(json!({ "type": "MOCK", "requestTemplates": { "application/json": request_template } })));
    call(&mut e, "PutIntegrationResponse", with(json!({ "statusCode": "200", "responseTemplates": { "application/json": response_template } })));
    call(&mut e, "CreateDeployment", json!({ "restApiId": id, "stageName": "prod" }));
    let invoke = Request::new(
        "execute-api",
        "Invoke",
        "us-east-1",
        json!({ "restApiId": id, "stage": "prod", "httpMethod": "GET", "path": "/r9/42/sub", "headers": { "Accept": "application/json", "User-Agent": "bench" }, "queryString": "a=1&b=2" }),
    );
    let out = e.call(0, &invoke).expect("invoke");
    assert_eq!(out["statusCode"], 200, "{out}");
    let _ = e.take_changes();

    let t = Instant::now();
    for _ in 0..n {
        let out = e.call(0, &invoke).expect("invoke");
        std::hint::black_box(out);
    }
    let engine_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;

    let http = wire::HttpRequest {
        method: "GET".into(),
        path: format!("/restapis/{id}/prod/_user_request_/r9/42/sub?a=1&b=2"),
        headers: vec![("Accept".into(), "application/json".into()), ("User-Agent".into(), "bench".into())],
        body: Vec::new(),
    };
    let t = Instant::now();
    for _ in 0..n {
        let resp = wire::handle(&mut e, 0, &http, "bench");
        assert_eq!(resp.status, 200);
    }
    let wire_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;

    let test =
        Request::new("apigateway", "TestInvokeMethod", "us-east-1", json!({ "restApiId": id, "resourceId": target, "httpMethod": "GET", "pathWithQueryString": "/r9/42/sub" }));
    let t = Instant::now();
    for _ in 0..n / 10 {
        std::hint::black_box(e.call(0, &test).expect("test invoke"));
    }
    let test_us = t.elapsed().as_secs_f64() * 1e6 / (n / 10) as f64;

    let templated = Request::new(
        "execute-api",
        "Invoke",
        "us-east-1",
        json!({ "restApiId": id, "stage": "prod", "httpMethod": "POST", "path": "/tpl/abc", "queryString": "page=3",
                "headers": { "Content-Type": "application/json", "User-Agent": "bench" },
                "body": "{\"items\": [{\"name\": \"ant\"}, {\"name\": \"bee\"}, {\"name\": \"cat\"}]}" }),
    );
    let out = e.call(0, &templated).expect("templated invoke");
    assert_eq!(out["statusCode"], 200, "{out}");
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(e.call(0, &templated).expect("invoke"));
    }
    let templated_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;

    // What each such request paid before templates were cached: parsing both templates.
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(gureum_engine::vtl::parse(request_template).expect("parses"));
        std::hint::black_box(gureum_engine::vtl::parse(response_template).expect("parses"));
    }
    let parse_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;

    // The kernel's own cost of a call, for scale: GetRestApi does almost nothing.
    let get = Request::new("apigateway", "GetRestApi", "us-east-1", json!({ "restApiId": id }));
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(e.call(0, &get).expect("get"));
    }
    let base_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;

    println!("API Gateway MOCK request, 31-resource API, {n} requests:");
    println!("  GetRestApi (the kernel's call cost): {base_us:8.2} µs/request");
    println!("  execute-api Invoke in the engine:   {engine_us:8.2} µs/request");
    println!("  through wire::handle (path form):   {wire_us:8.2} µs/request");
    println!("  TestInvokeMethod:                   {test_us:8.2} µs/request");
    println!("  Invoke, non-proxy with VTL templates:{templated_us:8.2} µs/request");
    println!("  parsing its two templates (saved by the cache): {parse_us:8.2} µs/request");
}
