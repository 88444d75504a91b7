// @gureum/internal byte helpers against Node's Buffer / TextEncoder / TextDecoder.
import test from "node:test";
import assert from "node:assert/strict";
import { loadSdk } from "../tools/harness.mjs";

const bytes = loadSdk().require("@gureum/internal");

function randomBytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

test("base64 matches Buffer for all lengths 0..300 and random data", () => {
  for (let n = 0; n <= 300; n++) {
    const data = randomBytes(n, n + 1);
    const b64 = Buffer.from(data).toString("base64");
    assert.equal(bytes.toBase64(data), b64, `length ${n}`);
    assert.deepStrictEqual(bytes.fromBase64(b64), new Uint8Array(data));
  }
  const big = randomBytes(100000, 7);
  assert.equal(bytes.toBase64(big), Buffer.from(big).toString("base64"));
});

test("base64 decoding accepts missing padding, whitespace and base64url; rejects junk", () => {
  assert.deepStrictEqual(bytes.fromBase64("AAEC"), new Uint8Array([0, 1, 2]));
  assert.deepStrictEqual(bytes.fromBase64("/w"), new Uint8Array([255]));
  assert.deepStrictEqual(bytes.fromBase64("_w=="), new Uint8Array([255]));
  assert.deepStrictEqual(bytes.fromBase64("AA\nEC"), new Uint8Array([0, 1, 2]));
  assert.deepStrictEqual(bytes.fromBase64(""), new Uint8Array([]));
  assert.throws(() => bytes.fromBase64("A*BC"), /Invalid base64/);
  assert.throws(() => bytes.fromBase64("A"), /Invalid base64/);
});

const STRINGS = [
  "",
  "hello",
  "ünïcødé",
  "한국어 텍스트",
  "emoji 😀👍🏽 and 𝄞",
  "\u0000\u007f\u0080\u07ff\u0800\uffff",
  "lone high \ud800 surrogate",
  "lone low \udc00 surrogate",
  "reversed \udc00\ud800",
  "end high \ud83d",
  "x".repeat(20000) + "é",
];

test("UTF-8 encode matches TextEncoder", () => {
  const enc = new TextEncoder();
  for (const s of STRINGS) {
    assert.deepStrictEqual(bytes.utf8Encode(s), enc.encode(s), JSON.stringify(s.slice(0, 40)));
  }
});

test("UTF-8 decode matches TextDecoder (replacement characters included)", () => {
  const dec = new TextDecoder("utf-8", { ignoreBOM: true });
  const samples = STRINGS.map((s) => new TextEncoder().encode(s));
  samples.push(
    new Uint8Array([0xff]),
    new Uint8Array([0xc0, 0x80]),
    new Uint8Array([0xe2, 0x82]),
    new Uint8Array([0xe2, 0x82, 0x41]),
    new Uint8Array([0xf0, 0x9f, 0x98]),
    new Uint8Array([0xed, 0xa0, 0x80]),
    new Uint8Array([0xf4, 0x90, 0x80, 0x80]),
    new Uint8Array([0xf0, 0x80, 0x80, 0x80]),
    new Uint8Array([0x80, 0x80, 0x41]),
    new Uint8Array([0xef, 0xbb, 0xbf, 0x41]),
    randomBytes(5000, 3)
  );
  for (const b of samples) {
    assert.equal(bytes.utf8Decode(b), dec.decode(b), `bytes ${Array.from(b.slice(0, 8))}`);
  }
});

test("toBytes takes strings, ArrayBuffers and views of a region", () => {
  assert.deepStrictEqual(bytes.toBytes("é"), new Uint8Array([0xc3, 0xa9]));
  const buf = new Uint8Array([1, 2, 3, 4]).buffer;
  assert.deepStrictEqual(bytes.toBytes(buf), new Uint8Array([1, 2, 3, 4]));
  assert.deepStrictEqual(bytes.toBytes(new DataView(buf, 1, 2)), new Uint8Array([2, 3]));
  assert.deepStrictEqual(bytes.toBytes(new Uint16Array([0x0102])), new Uint8Array([2, 1]));
  assert.throws(() => bytes.toBytes({}), TypeError);
});

test("blobAdapter and sdkStream", async () => {
  const u = bytes.blobAdapter(bytes.utf8Encode("{\"ok\":\"ü\"}"));
  assert.ok(u instanceof Uint8Array);
  assert.equal(u.transformToString(), "{\"ok\":\"ü\"}");
  assert.equal(u.transformToString("base64"), Buffer.from("{\"ok\":\"ü\"}").toString("base64"));
  assert.deepEqual(Object.keys(u).length, u.length, "no extra enumerable keys");
  const s = bytes.sdkStream(bytes.utf8Encode("body ü"));
  assert.equal(await s.transformToString(), "body ü");
  await assert.rejects(() => s.transformToString(), /already been transformed/);
  const s2 = bytes.sdkStream(new Uint8Array([1, 2]));
  assert.deepStrictEqual(await s2.transformToByteArray(), new Uint8Array([1, 2]));
  const chunks = [];
  for await (const c of bytes.sdkStream(new Uint8Array([5]))) chunks.push(...c);
  assert.deepEqual(chunks, [5]);
  const web = bytes.sdkStream(new Uint8Array([6])).transformToWebStream();
  const reader = web.getReader();
  assert.deepEqual(Array.from((await reader.read()).value), [6]);
});
