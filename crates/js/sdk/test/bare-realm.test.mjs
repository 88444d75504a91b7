// The modules must not need Node: run them in a vm context that has only the
// ECMAScript built-ins plus __gureum_aws and setTimeout, and scan the sources.
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import vm from "node:vm";
import { FakeHost, loadSdkInBareRealm, MODULE_MAP, SDK_DIR } from "../tools/harness.mjs";

test("index.json lists every module file and nothing else", () => {
  const files = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!["test", "tools"].includes(e.name)) walk(p);
      } else if (e.name.endsWith(".js")) files.push(relative(SDK_DIR, p));
    }
  };
  walk(SDK_DIR);
  assert.deepEqual(Object.values(MODULE_MAP).sort(), files.sort());
});

test("module sources use no Node-only APIs", () => {
  const forbidden = [/\bBuffer\b/, /require\(["']node:/, /require\(["'](fs|path|crypto|util|stream|events|buffer|os)["']\)/, /\bTextEncoder\b/, /\bTextDecoder\b/, /\batob\(/, /\bbtoa\(/, /\bimport\s*\(/, /^\s*import\s/m, /^\s*export\s/m];
  for (const file of Object.values(MODULE_MAP)) {
    // Code only: drop comments and string literals.
    const src = readFileSync(join(SDK_DIR, file), "utf8")
      .replace(/^\s*\/\/.*$/gm, "")
      .replace(/\s\/\/ .*$/gm, "")
      .replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
    for (const re of forbidden) assert.ok(!re.test(src), `${file} matches ${re}`);
    // `process` only behind a typeof guard.
    for (const m of src.matchAll(/\bprocess\b/g)) {
      const line = src.slice(src.lastIndexOf("\n", m.index) + 1, src.indexOf("\n", m.index));
      assert.ok(/typeof process|\/\/|process\.env/.test(line), `${file}: unguarded process in: ${line.trim()}`);
    }
  }
});

test("DynamoDB document client works in a bare ECMAScript realm", async () => {
  const host = new FakeHost().on((service, op, input) => {
    if (op === "GetItem") return { output: { Item: { pk: input.Key.pk, bin: { B: "AAEC" }, s: { SS: ["a"] }, big: { N: "12345678901234567890" } } } };
    if (op === "PutItem") return { error: { name: "ConditionalCheckFailedException", message: "The conditional request failed", status: 400 } };
    if (op === "DescribeTable") return { output: { Table: { TableName: "t", CreationDateTime: 1700000000 } } };
    return undefined;
  });
  const { require, context } = loadSdkInBareRealm(host);
  const { DynamoDBClient, DescribeTableCommand, ConditionalCheckFailedException } = require("@aws-sdk/client-dynamodb");
  const { DynamoDBDocumentClient, GetCommand, PutCommand } = require("@aws-sdk/lib-dynamodb");
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const got = await doc.send(new GetCommand({ TableName: "t", Key: { pk: "ü" } }));
  assert.equal(got.Item.pk, "ü");
  assert.deepEqual(Array.from(got.Item.bin), [0, 1, 2]);
  assert.equal(got.Item.big, 12345678901234567890n);
  assert.equal(got.$metadata.httpStatusCode, 200);
  const err = await doc.send(new PutCommand({ TableName: "t", Item: { pk: "x", b: vm.runInContext("new Uint8Array([1])", context) } })).catch((e) => e);
  assert.ok(err instanceof ConditionalCheckFailedException);
  assert.equal(host.last.input.Item.b.B, "AQ==");
  const t = await doc.send(new DescribeTableCommand({ TableName: "t" }));
  assert.equal(t.Table.CreationDateTime.getTime(), 1700000000000);
});

test("every client loads and sends in a bare ECMAScript realm", async () => {
  const host = new FakeHost().on((service, op) => {
    if (op === "Invoke") return { output: { StatusCode: 200, Payload: "eyJvayI6dHJ1ZX0=" } };
    if (op === "GetObject") return { output: { Body: "aMOpbGxv" } };
    return { output: {} };
  });
  const { require } = loadSdkInBareRealm(host);
  const lambda = require("@aws-sdk/client-lambda");
  const res = await new lambda.LambdaClient({}).send(new lambda.InvokeCommand({ FunctionName: "f", Payload: "{}" }));
  assert.equal(res.Payload.transformToString(), "{\"ok\":true}");
  const s3 = require("@aws-sdk/client-s3");
  const obj = await new s3.S3Client({}).send(new s3.GetObjectCommand({ Bucket: "b", Key: "k" }));
  assert.equal(await obj.Body.transformToString(), "héllo");
  for (const name of Object.keys(MODULE_MAP)) assert.ok(require(name), name);
});
