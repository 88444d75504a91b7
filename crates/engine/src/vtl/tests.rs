//! Data-driven tests: template + body + params (+ context, stage variables) → expected output.
//! The AWS cases come from the API Gateway developer guide (each cites its page); the Velocity
//! cases from the Velocity 1.7 user guide and reference (https://velocity.apache.org/engine/1.7/).

use serde_json::json;

use super::*;

struct Case {
    /// Where the case comes from.
    doc: &'static str,
    template: &'static str,
    body: &'static str,
    path: &'static [(&'static str, &'static str)],
    query: &'static [(&'static str, &'static str)],
    header: &'static [(&'static str, &'static str)],
    context: serde_json::Value,
    stage: serde_json::Value,
    /// The exact output, or (when `json` is set) JSON the output must parse to.
    expect: &'static str,
    json: bool,
}

const C: Case =
    Case { doc: "", template: "", body: "", path: &[], query: &[], header: &[], context: serde_json::Value::Null, stage: serde_json::Value::Null, expect: "", json: false };

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn env(c: &Case) -> Env {
    Env {
        body: c.body.to_string(),
        params: Params { path: pairs(c.path), querystring: pairs(c.query), header: pairs(c.header) },
        context: c.context.clone(),
        stage_variables: c.stage.as_object().cloned().unwrap_or_default(),
        util_now_ms: 0,
    }
}

fn run(c: &Case) -> Result<String, VtlError> {
    let t = parse(c.template)?;
    t.render(&mut env(c))
}

fn check(cases: Vec<Case>) {
    for c in &cases {
        let out = run(c).unwrap_or_else(|e| panic!("{}: {e}\n--- template ---\n{}", c.doc, c.template));
        if c.json {
            let got: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{}: output is not JSON ({e}):\n{out}", c.doc));
            let want: serde_json::Value = serde_json::from_str(c.expect).expect("expected JSON");
            assert_eq!(got, want, "{}\n--- output ---\n{out}", c.doc);
        } else {
            assert_eq!(out, c.expect, "{}\n--- template ---\n{}", c.doc, c.template);
        }
    }
}

/// Renders `template` with an empty environment.
fn r(template: &str) -> String {
    parse(template).and_then(|t| t.render(&mut Env::default())).unwrap_or_else(|e| panic!("{template}: {e}"))
}

fn r_body(template: &str, body: &str) -> String {
    let mut e = Env { body: body.into(), ..Env::default() };
    parse(template).and_then(|t| t.render(&mut e)).unwrap_or_else(|e| panic!("{template}: {e}"))
}

const PETS: &str = r#"[
  { "id": 1, "type": "dog", "price": 249.99 },
  { "id": 2, "type": "cat", "price": 124.99 },
  { "id": 3, "type": "fish", "price": 0.99 }
]"#;

const PHOTOS: &str = r#"{
  "photos": {
    "page": 1,
    "pages": "1234",
    "perpage": 100,
    "total": "123398",
    "photo": [
      {
        "id": "12345678901",
        "owner": "23456789@A12",
        "photographer_first_name" : "Saanvi",
        "photographer_last_name" : "Sarkar",
        "secret": "abc123d456",
        "server": "1234",
        "farm": 1,
        "title": "Sample photo 1",
        "ispublic": true,
        "isfriend": false,
        "isfamily": false
      },
      {
        "id": "23456789012",
        "owner": "34567890@B23",
        "photographer_first_name" : "Richard",
        "photographer_last_name" : "Roe",
        "secret": "bcd234e567",
        "server": "2345",
        "farm": 2,
        "title": "Sample photo 2",
        "ispublic": true,
        "isfriend": false,
        "isfamily": false
      }
    ]
  }
}"#;

#[test]
fn aws_documentation_examples() {
    check(vec![
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings.html
        // ("Mapping template example"): the exact text, Velocity's line rules included.
        Case {
            doc: "models-mappings.html: pets",
            template: "#set($inputRoot = $input.path('$'))\n[\n#foreach($elem in $inputRoot)\n  {\n    \"description\" : \"Item $elem.id is a $elem.type.\",\n    \"askingPrice\" : $elem.price\n  }#if($foreach.hasNext),#end\n\n#end\n]",
            body: PETS,
            expect: "[\n  {\n    \"description\" : \"Item 1 is a dog.\",\n    \"askingPrice\" : 249.99\n  },\n  {\n    \"description\" : \"Item 2 is a cat.\",\n    \"askingPrice\" : 124.99\n  },\n  {\n    \"description\" : \"Item 3 is a fish.\",\n    \"askingPrice\" : 0.99\n  }\n]",
            ..C
        },
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/example-photos.html
        // (the "Photos" example: integration response template to the PhotosOutputModel shape).
        Case {
            doc: "example-photos.html: response template",
            template: r#"#set($inputRoot = $input.path('$'))
{
  "photos": {
    "page": $inputRoot.photos.page,
    "pages": "$inputRoot.photos.pages",
    "perpage": $inputRoot.photos.perpage,
    "total": "$inputRoot.photos.total",
    "photo": [
#foreach($elem in $inputRoot.photos.photo)
      {
        "id": "$elem.id",
        "photographedBy": "$elem.photographer_first_name $elem.photographer_last_name",
        "title": "$elem.title",
        "ispublic": $elem.ispublic,
        "isfriend": $elem.isfriend,
        "isfamily": $elem.isfamily
      }#if($foreach.hasNext),#end
		
#end
    ]
  }
}"#,
            body: PHOTOS,
            expect: r#"{"photos": {"page": 1, "pages": "1234", "perpage": 100, "total": "123398", "photo": [
                {"id": "12345678901", "photographedBy": "Saanvi Sarkar", "title": "Sample photo 1", "ispublic": true, "isfriend": false, "isfamily": false},
                {"id": "23456789012", "photographedBy": "Richard Roe", "title": "Sample photo 2", "ispublic": true, "isfriend": false, "isfamily": false}]}}"#,
            json: true,
            ..C
        },
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-variable-examples.html
        // (Example 1: $context variables).
        Case {
            doc: "api-gateway-mapping-variable-examples.html: example 1",
            template: r#"{
    "stage" : "$context.stage",
    "request_id" : "$context.requestId",
    "api_id" : "$context.apiId",
    "resource_path" : "$context.resourcePath",
    "http_method" : "$context.httpMethod",
    "source_ip" : "$context.identity.sourceIp",
    "user-agent" : "$context.identity.userAgent",
    "account_id" : "$context.identity.accountId"
}"#,
            context: json!({"stage": "prod", "requestId": "abcdefg-000-000-0000-abcdefg", "apiId": "abcd1234", "resourcePath": "/", "httpMethod": "GET",
                "identity": {"sourceIp": "192.0.2.1", "userAgent": "curl/7.84.0", "accountId": "111122223333"}}),
            expect: r#"{"stage": "prod", "request_id": "abcdefg-000-000-0000-abcdefg", "api_id": "abcd1234", "resource_path": "/", "http_method": "GET",
                "source_ip": "192.0.2.1", "user-agent": "curl/7.84.0", "account_id": "111122223333"}"#,
            json: true,
            ..C
        },
        // Same page, Example 2: pass all request parameters through a JSON payload.
        Case {
            doc: "api-gateway-mapping-variable-examples.html: example 2",
            template: r#"#set($allParams = $input.params())
{
  "params" : {
    #foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
    "$type" : {
      #foreach($paramName in $params.keySet())
      "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
      #if($foreach.hasNext),#end
      #end
    }
    #if($foreach.hasNext),#end
    #end
  }
}"#,
            path: &[("id", "7")],
            query: &[("sort", "asc"), ("q", "a\"b")],
            header: &[("Accept", "application/json")],
            expect: r#"{"params": {"path": {"id": "7"}, "querystring": {"sort": "asc", "q": "a\"b"}, "header": {"Accept": "application/json"}}}"#,
            json: true,
            ..C
        },
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
        // ($input variables: "$input.json(x)" and "$input.params(x)" in a template).
        Case {
            doc: "api-gateway-mapping-template-reference.html: $input.json / $input.params",
            template: "{\n    \"name\" : \"$input.params('name')\",\n    \"body\" : $input.json('$')\n}",
            body: r#"{ "a": 1, "b": [1, 2] }"#,
            query: &[("name", "me")],
            expect: "{\n    \"name\" : \"me\",\n    \"body\" : {\"a\":1,\"b\":[1,2]}\n}",
            ..C
        },
        // Same page: "$input.path(x)" walks the object; sizes and nested reads.
        Case {
            doc: "api-gateway-mapping-template-reference.html: $input.path",
            template: "#set($things = $input.path('$.things'))\nsize=$things.size() keys=$things.keySet() one=$input.path('$.things.1.name')",
            body: r#"{"things": {"1": {"name": "a"}, "2": {}, "3": {}}}"#,
            expect: "size=3 keys=[1, 2, 3] one=a",
            ..C
        },
        // Same page, $util.parseJson example (an error message holding JSON text).
        Case {
            doc: "api-gateway-mapping-template-reference.html: $util.parseJson",
            template: "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n{\n   \"errorMessageObjKey2ArrVal\" : $errorMessageObj.key2.arr[0]\n}",
            body: r#"{"errorMessage": "{\"key1\":\"var1\",\"key2\":{\"arr\":[1,2,3]}}"}"#,
            expect: "{\n   \"errorMessageObjKey2ArrVal\" : 1\n}",
            ..C
        },
        // Same page, $util.escapeJavaScript note: turn the escaped single quotes back for JSON.
        Case {
            doc: "api-gateway-mapping-template-reference.html: escapeJavaScript + replaceAll",
            template: r#"{"msg": "$util.escapeJavaScript($input.path('$.m')).replaceAll("\\'","'")"}"#,
            body: r#"{"m": "it's \"quoted\"\nnew line"}"#,
            expect: r#"{"msg": "it's \"quoted\"\nnew line"}"#,
            ..C
        },
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-kinesis.html
        // (PutRecord integration request template).
        Case {
            doc: "integrating-api-with-aws-services-kinesis.html: PutRecord",
            template: "{\n    \"StreamName\": \"$input.params('stream-name')\",\n    \"Data\": \"$util.base64Encode($input.json('$.Data'))\",\n    \"PartitionKey\": \"$input.path('$.PartitionKey')\"\n}",
            body: r#"{"Data": "some data", "PartitionKey": "some key"}"#,
            path: &[("stream-name", "myStream")],
            expect: "{\n    \"StreamName\": \"myStream\",\n    \"Data\": \"InNvbWUgZGF0YSI=\",\n    \"PartitionKey\": \"some key\"\n}",
            ..C
        },
        // Same page: PutRecords (note `$elem.partition-key`: Velocity 1.7 identifiers may hold `-`).
        Case {
            doc: "integrating-api-with-aws-services-kinesis.html: PutRecords",
            template: r#"{
    "StreamName": "$input.params('stream-name')",
    "Records": [
       #foreach($elem in $input.path('$.records'))
          {
            "Data": "$util.base64Encode($elem.data)",
            "PartitionKey": "$elem.partition-key"
          }#if($foreach.hasNext),#end
        #end
    ]
}"#,
            body: r#"{"records": [{"data": "some data", "partition-key": "some key"}, {"data": "some other data", "partition-key": "some key"}]}"#,
            path: &[("stream-name", "myStream")],
            expect: r#"{"StreamName": "myStream", "Records": [{"Data": "c29tZSBkYXRh", "PartitionKey": "some key"}, {"Data": "c29tZSBvdGhlciBkYXRh", "PartitionKey": "some key"}]}"#,
            json: true,
            ..C
        },
        // Same page: GetRecords integration response template.
        Case {
            doc: "integrating-api-with-aws-services-kinesis.html: GetRecords response",
            template: r#"#set($inputRoot = $input.path('$'))
{
    "records": [
        #foreach($elem in $inputRoot.Records)
        {
            "data": "$util.base64Decode($elem.Data)",
            "partition-key": "$elem.PartitionKey"
        }#if($foreach.hasNext),#end
        #end
    ]
}"#,
            body: r#"{"MillisBehindLatest": 0, "NextShardIterator": "x", "Records": [{"Data": "c29tZSBkYXRh", "PartitionKey": "k1", "SequenceNumber": "1"}]}"#,
            expect: r#"{"records": [{"data": "some data", "partition-key": "k1"}]}"#,
            json: true,
            ..C
        },
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-dynamodb.html
        // (PutItem request template; $context.requestId as the key).
        Case {
            doc: "DynamoDB tutorial: PutItem",
            template: r#"{
    "TableName": "Comments",
    "Item": {
	"commentId": {
            "S": "$context.requestId"
            },
        "pageId": {
            "S": "$input.path('$.pageId')"
        },
        "userName": {
            "S": "$input.path('$.userName')"
        },
        "message": {
            "S": "$input.path('$.message')"
        }
    }
}"#,
            body: r#"{"pageId": "breaking-news-story-01-18-2016", "userName": "Just Saying Thank You", "message": "I really enjoyed this story!!"}"#,
            context: json!({"requestId": "c0ffee00-0000-4000-8000-000000000001"}),
            expect: r#"{"TableName": "Comments", "Item": {"commentId": {"S": "c0ffee00-0000-4000-8000-000000000001"}, "pageId": {"S": "breaking-news-story-01-18-2016"},
                "userName": {"S": "Just Saying Thank You"}, "message": {"S": "I really enjoyed this story!!"}}}"#,
            json: true,
            ..C
        },
        // Same tutorial: Query request and response templates.
        Case {
            doc: "DynamoDB tutorial: Query request",
            template: r#"{
    "TableName": "Comments",
    "IndexName": "pageId-index",
    "KeyConditionExpression": "pageId = :v1",
    "ExpressionAttributeValues": {
        ":v1": {
            "S": "$input.params('pageId')"
        }
    }
}"#,
            query: &[("pageId", "breaking-news-story-01-18-2016")],
            expect: r#"{"TableName": "Comments", "IndexName": "pageId-index", "KeyConditionExpression": "pageId = :v1", "ExpressionAttributeValues": {":v1": {"S": "breaking-news-story-01-18-2016"}}}"#,
            json: true,
            ..C
        },
        Case {
            doc: "DynamoDB tutorial: Query response",
            template: r#"#set($inputRoot = $input.path('$'))
{
    "comments": [
        #foreach($elem in $inputRoot.Items) {
            "commentId": "$elem.commentId.S",
            "userName": "$elem.userName.S",
            "message": "$elem.message.S"
        }#if($foreach.hasNext),#end
	#end
    ]
}"#,
            body: r#"{"Count": 2, "Items": [{"commentId": {"S": "c1"}, "userName": {"S": "u1"}, "message": {"S": "m1"}}, {"commentId": {"S": "c2"}, "userName": {"S": "u2"}, "message": {"S": "m2"}}]}"#,
            expect: r#"{"comments": [{"commentId": "c1", "userName": "u1", "message": "m1"}, {"commentId": "c2", "userName": "u2", "message": "m2"}]}"#,
            json: true,
            ..C
        },
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-sqs.html
        // (SendMessage as a form body).
        Case {
            doc: "SQS tutorial: SendMessage",
            template: "Action=SendMessage&MessageBody=$util.urlEncode($input.body)",
            body: r#"{"hello": "world & all"}"#,
            expect: "Action=SendMessage&MessageBody=%7B%22hello%22%3A+%22world+%26+all%22%7D",
            ..C
        },
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/stage-variables.html
        Case {
            doc: "stage-variables.html",
            template: "{\"url\": \"$stageVariables.url\", \"fn\": \"$stageVariables.function\", \"missing\": \"$!stageVariables.nope\"}",
            stage: json!({"url": "example.com", "function": "HelloWorld"}),
            expect: "{\"url\": \"example.com\", \"fn\": \"HelloWorld\", \"missing\": \"\"}",
            ..C
        },
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
        // ($input.params(x): path, then query string, then header; header names case-insensitive).
        Case {
            doc: "$input.params(x) lookup order",
            template: "$input.params('x') $input.params('y') $input.params('z') [$input.params('none')] $input.params().header.get('Z')",
            path: &[("x", "from-path")],
            query: &[("x", "from-query"), ("y", "from-query")],
            header: &[("x", "from-header"), ("y", "h"), ("Z", "from-header")],
            expect: "from-path from-query from-header [] from-header",
            ..C
        },
    ]);
}

#[test]
fn context_overrides_are_written_back() {
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
    let t = parse(
        "#set($inputRoot = $input.path('$'))\n#if($inputRoot.toString().contains(\"error\"))\n#set($context.responseOverride.status = 400)\n#set($context.responseOverride.header.X-Reason = \"bad $inputRoot.kind\")\n#end\n#set($context.requestOverride.querystring.page = 2)\n{\"ok\": false}",
    )
    .unwrap();
    let mut e = Env { body: r#"{"kind": "error", "n": 1}"#.into(), context: json!({"requestId": "r1"}), ..Env::default() };
    assert_eq!(t.render(&mut e).unwrap(), "{\"ok\": false}");
    assert_eq!(e.context["responseOverride"]["status"], json!(400));
    assert_eq!(e.context["responseOverride"]["header"]["X-Reason"], json!("bad error"));
    assert_eq!(e.context["requestOverride"]["querystring"]["page"], json!(2));
    assert_eq!(e.context["requestId"], json!("r1"));
    // A template that never mentions $context leaves it alone.
    let mut e2 = Env { context: json!({"requestId": "r2"}), ..Env::default() };
    parse("hi").unwrap().render(&mut e2).unwrap();
    assert_eq!(e2.context, json!({"requestId": "r2"}));
    // Each render starts from the caller's context (the template is reusable).
    let mut e3 = Env { body: r#"{"kind": "fine"}"#.into(), context: json!({}), ..Env::default() };
    t.render(&mut e3).unwrap();
    assert_eq!(e3.context.get("responseOverride"), None);
}

#[test]
fn velocity_directives() {
    let cases: &[(&str, &str)] = &[
        // #set and references (Velocity 1.7 user guide, "References", "Set").
        ("#set($a = 'x')$a", "x"),
        ("#set($a = \"v$b\")$a", "v$b"),
        ("#set($b = 1)#set($a = \"v$b\")$a", "v1"),
        // `#set` swallows the spaces before it.
        ("${a}b #set($a = 2)${a}b", "${a}b2b"),
        ("$foo $!foo ${foo} $!{foo}|", "$foo  ${foo} |"),
        ("#set($m = {\"k\": \"v\", \"n\": 1})$m.k $m['k'] $m.get('n') $m.missing $!m.missing", "v v 1 $m.missing "),
        ("#set($l = [1, 'two', 3.5])$l $l[1] $l.get(0) $l.size() $l[-1]", "[1, two, 3.5] two 1 3 3.5"),
        ("#set($r = [1..4])$r;#set($d = [3..1])$d", "[1, 2, 3, 4];[3, 2, 1]"),
        ("#set($a = 'single $x')$a", "single $x"),
        ("#set($a = 'it''s')$a", "it's"),
        ("#set($a = \"say \"\"hi\"\"\")$a", "say \"hi\""),
        // #set with a null right-hand side leaves the variable as it was (Velocity 1.7).
        ("#set($a = 1)#set($a = $nothing)$a", "1"),
        // #if / #elseif / #else, operators and truthiness.
        ("#if($x)yes#else no#end", " no"),
        ("#set($x = '')#if($x)empty string is true#end", "empty string is true"),
        ("#set($x = false)#if(!$x)not#end #if(not $x)not2#end", "not not2"),
        ("#set($n = 5)#if($n > 3 && $n <= 5)in#elseif($n > 5)high#else low#end", "in"),
        ("#set($n = 7)#if($n lt 3)low#elseif($n gt 5 and $n ne 8)high#end", "high"),
        ("#if('a' == 'a' || $nope)t#end#if(1 == 1.0)n#end#if('1' == 1)s#end", "tns"),
        ("#if($a == $b)both null#end", "both null"),
        // Arithmetic: integer division, modulo, floats, string concatenation with +.
        ("#set($a = 7 / 2)$a;#set($b = 7 % 3)$b;#set($c = 7.0 / 2)$c;#set($d = -7 / 2)$d", "3;1;3.5;-3"),
        ("#set($a = 2 + 3 * 4)$a;#set($b = (2 + 3) * 4)$b;#set($c = 10 - 2 - 3)$c", "14;20;5"),
        ("#set($a = 1 / 0)$a", "$a"),
        ("#set($s = 'a' + 1)$s;#set($t = 1 + 'b')$t", "a1;1b"),
        ("#set($f = 0.1 + 0.2)$f;#set($g = 1.5 * 2)$g;#set($h = 100000000.0)$h", "0.30000000000000004;3.0;1.0E8"),
        // #foreach with $foreach, $velocityCount, #break.
        ("#foreach($i in [1..3])$i:$foreach.index:$foreach.count:$velocityCount:$foreach.hasNext #end", "1:0:1:1:true 2:1:2:2:true 3:2:3:3:false "),
        ("#foreach($i in [1..10])#if($i > 3)#break#end$i#end", "123"),
        ("#foreach($v in {'a': 1, 'b': 2})$v#end", "12"),
        ("#set($m = {'a': 1, 'b': 2})#foreach($e in $m.entrySet())$e.key=$e.value;#end", "a=1;b=2;"),
        ("#foreach($x in $nothing)never#end done", " done"),
        ("#set($i = 'outer')#foreach($i in [1])#end$i", "outer"),
        ("#foreach($a in [1, 2])#foreach($b in ['x', 'y'])$a$b$foreach.hasNext #end#end", "1xtrue 1yfalse 2xtrue 2yfalse "),
        // #stop keeps what was rendered.
        ("one#stop two", "one"),
        ("#foreach($i in [1..5])$i#if($i == 2)#stop#end#end after", "12"),
        // Comments and literal blocks.
        ("a## comment\nb", "ab"),
        ("a#* block\n comment *#b", "ab"),
        ("#[[ $not #if(a) ]]#", " $not #if(a) "),
        // Escaping: \$ escapes a defined reference; an undefined one keeps its backslash.
        ("#set($a = 1)\\$a \\\\$a \\$b", "$a \\1 \\$b"),
        ("\\#if(x) \\#end", "#if(x) #end"),
        // Text that only looks like VTL.
        ("cost: $5, #1 item, email@x.com, 50% #notadirective", "cost: $5, #1 item, email@x.com, 50% #notadirective"),
        ("$a.b. $a. end.", "$a.b. $a. end."),
        ("#set($x = 1)$x.", "1."),
        // Method calls on strings (Java semantics).
        (
            "#set($s = '  Hello World  ')$s.trim().toUpperCase() $s.trim().length() $s.contains('World') $s.indexOf('o') $s.trim().substring(6) $s.trim().substring(0, 5)",
            "HELLO WORLD 11 true 6 World Hello",
        ),
        (
            "#set($s = 'a,b,,c,,')$s.split(',')[3] $s.split(',').size() $s.replace(',', ';') $s.startsWith('a,') $s.endsWith(',') $s.isEmpty() $s.equals('x')",
            "c 4 a;b;;c;; true true false false",
        ),
        (
            "#set($s = 'a1b22c333')$s.replaceAll('[0-9]+', '#') $s.replaceFirst('\\d', '_') $s.matches('[a-c0-9]*') $s.matches('a') $s.replaceAll('([a-z])(\\d)', '$2$1')",
            "a#b#c# a_b22c333 true false 1a2b23c33",
        ),
        ("#set($s = 'x')$s.toString() $s.charAt(0) $s.concat('y') $s.equalsIgnoreCase('X')", "x x xy true"),
        // Lists and maps are shared and mutable.
        (
            "#set($l = [])#set($d = $l.add('a'))#set($m = {})#set($d = $m.put('k', $l))$m;#set($d = $l.add('b'))$m $l.contains('b') $m.containsKey('k') $m.keySet() $m.values()",
            "{k=[a]};{k=[a, b]} true true [k] [[a, b]]",
        ),
        ("#set($m = {'a': 1})$m.put('a', 2) $m.put('z', 3) $m", "1 $m.put('z', 3) {a=2, z=3}"),
        ("#set($m = {})#set($m.x = 5)#set($m['y'] = 6)$m", "{x=5, y=6}"),
        // Unknown methods leave the reference as written.
        ("#set($s = 'x')$s.nope() $util.hmac('a')", "$s.nope() $util.hmac('a')"),
        // Macros.
        ("#macro(greet $who)Hello $who!#end#greet('you') #greet(\"$x\")", "Hello you! Hello $x!"),
        ("#undefinedmacro('a')", "#undefinedmacro('a')"),
        // Formal directives.
        ("#{if}(true)yes#{else}no#{end}", "yes"),
    ];
    for (t, want) in cases {
        assert_eq!(&r(t), want, "template: {t}");
    }
}

#[test]
fn velocity_line_rules() {
    // A directive alone on its line leaves no blank line; #set also eats its indentation.
    let cases: &[(&str, &str)] = &[
        ("a\n#set($x = 1)\nb", "a\nb"),
        ("a\n    #set($x = 1)\nb$x", "a\nb1"),
        ("a\n#if(true)\nb\n#end\nc", "a\nb\nc"),
        ("a\n#if(false)\nb\n#else\nc\n#end\nd", "a\nc\nd"),
        ("[\n#foreach($i in [1..2])\n  $i\n#end\n]", "[\n  1\n  2\n]"),
        // Indentation before #if / #end is output (Velocity 1.7).
        ("[\n  #foreach($i in [1..2])\n  $i\n  #end\n]", "[\n    1\n    2\n  ]"),
        // Something after the directive on the line keeps the newline.
        ("#set($x = 1) tail\nb", " tail\nb"),
        // `#end` swallows a newline after it even when text precedes it (Velocity 1.7).
        ("#if(true)x#end\ny", "xy"),
        ("a\r\n#set($x = 1)\r\nb", "a\r\nb"),
        ("a## comment\n## whole line\nb", "ab"),
    ];
    for (t, want) in cases {
        assert_eq!(&r(t), want, "template: {t:?}");
    }
}

#[test]
fn input_json_and_path() {
    let body = r#"{"store": {"book": [
        {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
        {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
        {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99}],
        "bicycle": {"color": "red", "price": 19.95}}, "n": 10, "f": 1.5, "t": true, "s": "str", "nil": null}"#;
    let cases: &[(&str, &str)] = &[
        ("$input.json('$.store.bicycle')", r#"{"color":"red","price":19.95}"#),
        ("$input.json('$.s') $input.json('$.n') $input.json('$.t') $input.json('$.nil')", r#""str" 10 true null"#),
        ("$input.json('$.store.book[0].author')", r#""Nigel Rees""#),
        ("$input.json(\"$['store']['bicycle']['color']\")", r#""red""#),
        ("$input.json('$.store.book[*].author')", r#"["Nigel Rees","Evelyn Waugh","Herman Melville"]"#),
        ("$input.json('$..price')", "[8.95,12.99,8.99,19.95]"),
        ("$input.json('$.store.book[?(@.price < 10)].title')", r#"["Sayings of the Century","Moby Dick"]"#),
        ("$input.json('$.store.book[?(@.isbn)].title')", r#"["Moby Dick"]"#),
        ("$input.json(\"$.store.book[?(@.category == 'fiction' && @.price > 10)].title\")", r#"["Sword of Honour"]"#),
        ("$input.json('$.store.book[-1].title') $input.json('$.store.book[0:2].price') $input.json('$.store.book[0,2].price')", r#""Moby Dick" [8.95,12.99] [8.95,8.99]"#),
        ("$input.json('$.missing')", r#""""#),
        ("$input.path('$.n') $input.path('$.f') $input.path('$.s') $input.path('$.t')", "10 1.5 str true"),
        ("#set($n = $input.path('$.n') + 1)$n", "11"),
        ("$input.path('$.store.book').size() $input.path('$').store.book[1].author $input.path('$.store.book[*].price')", "3 Evelyn Waugh [8.95, 12.99, 8.99]"),
        ("$input.path('$.missing') $!input.path('$.missing')|", "$input.path('$.missing') |"),
        ("$input.path('$.store.bicycle')", "{color=red, price=19.95}"),
        ("#if($input.path('$.t'))T#end#if($input.path('$.nil'))N#end", "T"),
    ];
    for (t, want) in cases {
        assert_eq!(&r_body(t, body), want, "template: {t}");
    }
    // An empty body reads as {}.
    assert_eq!(r_body("$input.json('$')", ""), "{}");
    assert_eq!(r_body("$input.body", "raw <xml/>"), "raw <xml/>");
    // A body that is not JSON fails the render when a template asks for JSON.
    let e = parse("$input.json('$')").unwrap().render(&mut Env { body: "not json".into(), ..Env::default() }).unwrap_err();
    assert!(e.message.contains("not valid JSON"), "{e}");
    // Refused JSONPath features say so.
    let e = parse("$input.json('$.a[?(@.b =~ /x/)]')").unwrap().render(&mut Env { body: "{}".into(), ..Env::default() }).unwrap_err();
    assert!(e.message.contains("not supported in the sandbox"), "{e}");
    let e = parse("$input.json('$.a[')").unwrap().render(&mut Env::default()).unwrap_err();
    assert!(e.message.contains("Invalid JSONPath"), "{e}");
    // A path without its root is one under `$` (Jayway JsonPath's rule).
    assert_eq!(r_body("$input.json('store.bicycle.color') $input.path('n')", body), "\"red\" 10");
}

#[test]
fn util_functions() {
    let cases: &[(&str, &str)] = &[
        // Commons Lang 2 escapeJavaScript: ' and / escaped too; non-ASCII as \uXXXX.
        (r#"$util.escapeJavaScript('a''b"c/d\e')"#, r#"a\'b\"c\/d\\e"#),
        ("$util.escapeJavaScript($input.body)", "tab\\there\\nnew \\u00E9 \\uD83D\\uDE00 \\u0001"),
        ("$util.urlEncode('a b&c=d/é~*._-')", "a+b%26c%3Dd%2F%C3%A9%7E*._-"),
        ("$util.urlDecode('a+b%26c%3Dd%2F%C3%A9')", "a b&c=d/é"),
        ("$util.base64Encode('hello world') $util.base64Decode('aGVsbG8gd29ybGQ=') $util.base64Decode('aGk')", "aGVsbG8gd29ybGQ= hello world hi"),
        ("#set($o = $util.parseJson('{\"a\": [1, {\"b\": \"c\"}]}'))$o.a[1].b $o.a.size()", "c 2"),
        ("$util.escapeJavaScript($nothing)", "$util.escapeJavaScript($nothing)"),
    ];
    for (t, want) in cases {
        assert_eq!(&r_body(t, "tab\there\nnew é 😀 \u{1}"), want, "template: {t}");
    }
    for bad in ["$util.base64Decode('***')", "$util.urlDecode('%zz')", "$util.parseJson('{nope')"] {
        assert!(parse(bad).unwrap().render(&mut Env::default()).is_err(), "{bad}");
    }
}

#[test]
fn syntax_errors_have_positions() {
    let cases: &[(&str, u32, u32, &str)] = &[
        ("line1\n#if($a\nrest", 3, 1, "expects `)`"),
        ("#foreach($x in [1])never closed", 1, 1, "without a matching #end"),
        ("ok\n  #end", 2, 3, "#end"),
        ("#set($a = )", 1, 11, "Unexpected `)`"),
        ("$a.b('x'", 1, 5, "without a closing"),
        ("#include('x')", 1, 1, "not supported"),
        ("#* unterminated", 1, 1, "Unterminated"),
        ("#set($a = 'x)", 1, 11, "Unterminated string"),
    ];
    for (t, line, col, msg) in cases {
        let e = parse(t).unwrap_err();
        assert!(e.message.contains(msg), "{t:?}: {e}");
        assert_eq!((e.line, e.column), (*line, *col), "{t:?}: {e}");
        assert!(e.to_string().contains(&format!("line {line}, column {col}")));
    }
}

#[test]
fn runtime_errors_and_limits() {
    // Java exceptions fail the render.
    for t in ["#set($l = [1])$l.get(5)", "#set($s = 'ab')$s.substring(3)", "$input.path('$')[9]"] {
        let e = parse(t).unwrap().render(&mut Env { body: "[1]".into(), ..Env::default() }).unwrap_err();
        assert!(e.message.contains("out of") || e.message.contains("length"), "{t}: {e}");
    }
    // #foreach stops after 1,000 iterations.
    assert_eq!(r("#set($n = 0)#foreach($i in [1..5000])#set($n = $n + 1)#end$n"), "1000");
    // Nested loops are bounded by the step budget.
    let e = parse("#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])x#end#end#end").unwrap().render(&mut Env::default()).unwrap_err();
    assert!(e.message.contains("steps"), "{e}");
    // Doubling a string runs into the size bound instead of memory.
    let e = parse("#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..100])#set($s = \"$s$s\")#end").unwrap().render(&mut Env::default()).unwrap_err();
    assert!(e.message.contains("exceeds"), "{e}");
    // A list holding itself cannot be printed forever.
    let e = parse("#set($l = [])#set($d = $l.add($l))$l").unwrap().render(&mut Env::default()).unwrap_err();
    assert!(e.message.contains("nests too deep"), "{e}");
    // Recursive macros are bounded.
    let e = parse("#macro(f $n)#f($n)#end#f(1)").unwrap().render(&mut Env::default()).unwrap_err();
    assert!(e.message.contains("recurses"), "{e}");
    // Deep nesting is a parse error, not a stack overflow.
    let deep = "#if(true)".repeat(500);
    assert!(parse(&deep).unwrap_err().message.contains("nests deeper"));
    let deep = format!("#set($a = {}1{})", "(".repeat(5000), ")".repeat(5000));
    assert!(parse(&deep).unwrap_err().message.contains("nests deeper"));
    // Catastrophic backtracking is bounded.
    let e = parse("#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab')$s.matches('(a|aa)*c')").unwrap().render(&mut Env::default()).unwrap_err();
    assert!(e.message.contains("too many steps"), "{e}");
    // Unsupported regex features are refused clearly.
    let e = parse("#set($s = 'a')$s.replaceAll('(?<=a)b', '')").unwrap().render(&mut Env::default()).unwrap_err();
    assert!(e.message.contains("not supported in the sandbox"), "{e}");
}

#[test]
fn large_bodies() {
    // A 1 MiB body through replaceAll and urlEncode: long inputs are not runaway patterns.
    let body = "say \"hi\" ".repeat(100_000);
    let out = r_body("$input.body.replaceAll('\"', '\\\\\"').length() $util.urlEncode($input.body).length()", &body);
    assert_eq!(out, format!("{} {}", 1_100_000, 1_300_000));
    // Huge JSONPath slice steps do not overflow.
    assert_eq!(r_body("$input.json('$[1:3:9223372036854775807]') $input.json('$[::-9223372036854775807]')", "[1, 2, 3]"), "[2] [3]");
}

#[test]
fn regex_subset() {
    use super::regex::Regex;
    let re = |p: &str| Regex::new(p).unwrap();
    assert!(re("^[A-Z][a-z]+\\s\\d{2,3}$").full_match("Hello 123").unwrap());
    assert!(!re("[A-Z][a-z]+\\s\\d{2,3}").full_match("Hello 1234").unwrap());
    assert!(re("(foo|bar)+baz").full_match("foobarfoobaz").unwrap());
    assert!(re("a.*?b").full_match("axxbyyb").unwrap());
    assert_eq!(re("a.*?b").replace("axxbyyb", "-", true).unwrap(), "-yyb");
    assert_eq!(re("a.*b").replace("axxbyyb", "-", true).unwrap(), "-");
    assert_eq!(re("x*").replace("abc", "-", true).unwrap(), "-a-b-c-");
    assert_eq!(re("\\b").replace("hi there", "|", true).unwrap(), "|hi| |there|");
    assert_eq!(re("(\\w+)@(\\w+)\\.com").replace("me@example.com, you@test.com", "$2:$1", true).unwrap(), "example:me, test:you");
    assert_eq!(re("[^a-z]").replace("a1-b_2c", "", true).unwrap(), "abc");
    assert_eq!(re("\\.").replace("a.b.c", "\\$", false).unwrap(), "a$b.c");
    assert_eq!(re(",").split("a,b,,c,,", 0).unwrap(), ["a", "b", "", "c"]);
    assert_eq!(re(",").split("a,b,,c,,", -1).unwrap(), ["a", "b", "", "c", "", ""]);
    assert_eq!(re(",").split("a,b,c", 2).unwrap(), ["a", "b,c"]);
    assert_eq!(re("").split("abc", 0).unwrap(), ["a", "b", "c"]);
    assert_eq!(re("\\s+").split("no-match", 0).unwrap(), ["no-match"]);
    assert_eq!(re(",").split("", 0).unwrap(), [""]);
    for bad in ["(", "a)", "[a", "*a", "a{2", "\\", "[z-a]"] {
        assert!(Regex::new(bad).is_err(), "{bad}");
    }
    for unsupported in ["(?i)a", "(?=a)", "\\1", "a*+", "\\p{L}", "(?<n>a)"] {
        assert!(Regex::new(unsupported).unwrap_err().message.contains("not supported"), "{unsupported}");
    }
}

#[test]
fn java_number_formatting() {
    use super::eval::java_double;
    for (f, s) in
        [(1.0, "1.0"), (0.5, "0.5"), (249.99, "249.99"), (1e7, "1.0E7"), (1.5e-5, "1.5E-5"), (0.001, "0.001"), (-2.5, "-2.5"), (123456.789, "123456.789"), (1.0e21, "1.0E21")]
    {
        assert_eq!(java_double(f), s);
    }
}

/// A typical template: both robustness tests start from it.
pub(crate) const TYPICAL: &str = r#"#set($inputRoot = $input.path('$'))
## A typical integration request template.
{
  "TableName": "$stageVariables.table",
  "requestId": "$context.requestId",
  "sourceIp": "$context.identity.sourceIp",
  "user": "$util.escapeJavaScript($input.params('user'))",
  "Items": [
#foreach($elem in $inputRoot.items)
    {
      "id": {"S": "$elem.id"},
      "name": {"S": "$util.escapeJavaScript($elem.name).replaceAll("\\'", "'")"},
      "price": {"N": "$elem.price"}#if($elem.tags),
      "tags": {"SS": $input.json("$.items[$foreach.index].tags")}#end

    }#if($foreach.hasNext),#end

#end
  ],
  "count": $inputRoot.items.size(),
  "cheap": $input.json('$.items[?(@.price < 10)].id')
#if($input.params('debug') == "true")
  ,"debug": "$util.base64Encode($input.body)"
#end
}
"#;

pub(crate) fn typical_env() -> Env {
    Env {
        body: r#"{"items": [{"id": "a1", "name": "Widget's", "price": 9.5, "tags": ["x", "y"]}, {"id": "b2", "name": "Gadget", "price": 12}, {"id": "c3", "name": "Gizmo \"3\"", "price": 3.25, "tags": ["z"]}]}"#
            .into(),
        params: Params { path: vec![], querystring: vec![("user".into(), "ann".into()), ("debug".into(), "true".into())], header: vec![("Host".into(), "example.com".into())] },
        context: json!({"requestId": "req-1", "identity": {"sourceIp": "192.0.2.1"}}),
        stage_variables: json!({"table": "Orders"}).as_object().cloned().unwrap_or_default(),
        util_now_ms: 0,
    }
}

#[test]
fn typical_template_renders_valid_json() {
    let out = parse(TYPICAL).unwrap().render(&mut typical_env()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}:\n{out}"));
    assert_eq!(v["TableName"], "Orders");
    assert_eq!(v["Items"][0]["name"]["S"], "Widget's");
    assert_eq!(v["Items"][0]["tags"]["SS"], json!(["x", "y"]));
    assert_eq!(v["Items"][2]["name"]["S"], "Gizmo \"3\"");
    assert_eq!(v["count"], 3);
    assert_eq!(v["cheap"], json!(["a1", "c3"]));
    assert!(v["debug"].is_string());
}

mod robustness {
    use proptest::prelude::*;

    use super::*;

    fn try_all(src: &str) {
        if let Ok(t) = parse(src) {
            let mut e = typical_env();
            let _ = t.render(&mut e);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Random text over VTL's alphabet never panics or hangs.
        #[test]
        fn random_strings(s in "[#$!{}()\\[\\]'\".,:=<>&|+*/%\\\\ a-z0-9\n-]{0,80}") {
            try_all(&s);
        }

        /// Random byte edits of a valid template never panic or hang.
        #[test]
        fn mutated_templates(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8)) {
            let mut b = TYPICAL.as_bytes().to_vec();
            for (at, byte, kind) in edits {
                if b.is_empty() { break; }
                let i = at % b.len();
                match kind {
                    0 => b[i] = byte,
                    1 => { b.remove(i); }
                    _ => b.insert(i, byte),
                }
            }
            try_all(&String::from_utf8_lossy(&b));
        }

        /// Random JSONPath and regex text never panics.
        #[test]
        fn random_paths_and_patterns(p in "[$@.*?()\\[\\]'a-c0-9:,<=>!&|\\\\^+{}-]{0,24}") {
            let body: serde_json::Value = serde_json::from_str(&typical_env().body).unwrap();
            if let Ok(path) = super::super::jsonpath::parse(&p) {
                let _ = path.eval(&body);
            }
            if let Ok(re) = super::super::regex::Regex::new(&p) {
                let _ = re.replace("abc-123, a.b.c [x]", "$0", true);
                let _ = re.split("a,b,,c", 0);
                let _ = re.full_match("aaaa");
            }
        }
    }
}
