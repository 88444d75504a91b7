// The same DynamoDB workload over HTTP against `gureum serve`, dynalite and moto_server, one
// server at a time, with the same load driver for each: PutItem, GetItem, a 50-item Query and
// full Scans of a 10,000-item table. Prints ops/s with p50/p99 latency per server and gureum's
// ratio to each. A benchmark, not a test: it prints figures and fails only when a server answers
// wrongly. PutItem, GetItem and Query are driven by gureum-loadgen (crates/loadgen: Rust threads,
// a fraction of the CPU a node client needs, which matters when client and server share two
// cores); Scan, which costs the client little per request, by this process.
//
// Run through scripts/bench-http (installs dynalite and moto, builds gureum and the driver), or:
//   node benches/http.mjs [--servers gureum,dynalite,moto] [--concurrency 8] [--seconds 5]
//                         [--ops N] [--puts 20000] [--put-seconds 30] [--scan-items 10000]
//                         [--timeout 120] [--gureum-bin PATH] [--moto-server PATH]
//                         [--gureum-store memory|durable] [--client loadgen|node] [--loadgen-bin PATH]
//
// Requests are raw DynamoDB JSON 1.0 (POST /, X-Amz-Target, Content-Type
// application/x-amz-json-1.0) with a well-formed but unsigned SigV4 Authorization header
// (credential scope test/<date>/us-east-1/dynamodb/aws4_request, a dummy signature): none of
// the three servers checks signatures, and all three read the region from the scope.
import http from "node:http";
import net from "node:net";
import { createRequire } from "node:module";
import { spawn, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, mkdir } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// --- options ---------------------------------------------------------------------------------------

const DEFAULTS = {
  servers: "gureum,dynalite,moto",
  concurrency: 8,
  seconds: 5, // each GetItem, Query and Scan phase (and the client-ceiling check)
  ops: Infinity, // or: a fixed number of operations (full scans for Scan) per GetItem/Query/Scan phase
  puts: 20000, // PutItem phase: this many puts...
  "put-seconds": 30, // ...or this long, whichever comes first
  "scan-items": 10000,
  timeout: 120, // seconds without an answer before a request counts as failed (moto's full scans take ~30 s)
  "gureum-bin": process.env.GUREUM_BIN || join(ROOT, "target", "release", "gureum"),
  "moto-server": process.env.MOTO_SERVER || join(ROOT, ".venv-bench", "bin", "moto_server"),
  // "memory": `gureum serve` as it starts by default, in memory like dynalite and moto (the
  // like-for-like comparison); "durable": with --data (every write fsynced before its answer).
  "gureum-store": "memory",
  // "loadgen": PutItem, GetItem and Query driven by gureum-loadgen (Rust, a fraction of a core);
  // "node": by this process's own client (it saturates a core first on a small machine).
  client: "loadgen",
  "loadgen-bin": process.env.GUREUM_LOADGEN || join(ROOT, "target", "release", "gureum-loadgen"),
};

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") {
      console.log(`usage: node benches/http.mjs ${Object.entries(DEFAULTS).map(([k, v]) => `[--${k} ${Number.isFinite(v) || typeof v === "string" ? v : "N"}]`).join(" ")}`);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(m[1] in DEFAULTS)) throw new UsageError(`unknown option ${a} (try --help)`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`${a} needs a value`);
    opts[m[1]] = typeof DEFAULTS[m[1]] === "number" ? Number(value) : value;
    if (typeof DEFAULTS[m[1]] === "number" && !(opts[m[1]] > 0)) throw new UsageError(`${a}: '${value}' is not a positive number`);
  }
  opts.servers = opts.servers.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of opts.servers) if (!["gureum", "dynalite", "moto"].includes(s)) throw new UsageError(`unknown server ${s}`);
  if (!["durable", "memory"].includes(opts["gureum-store"])) throw new UsageError("--gureum-store is durable or memory");
  if (!["loadgen", "node"].includes(opts.client)) throw new UsageError("--client is loadgen or node");
  return opts;
}

// --- the HTTP clients ---------------------------------------------------------------------------------

const AMZ_DATE = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, ""); // 20250101T000000Z
const AUTH = `AWS4-HMAC-SHA256 Credential=test/${AMZ_DATE.slice(0, 8)}/us-east-1/dynamodb/aws4_request, `
  + `SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${"0".repeat(64)}`;
const HEADERS = (operation) => ({
  "Content-Type": "application/x-amz-json-1.0",
  "X-Amz-Target": `DynamoDB_20120810.${operation}`,
  "X-Amz-Date": AMZ_DATE,
  Authorization: AUTH,
});

/**
 * The client: HTTP/1.1 written and parsed by hand over keep-alive sockets (TCP_NODELAY), one
 * request at a time per socket, one socket per request in flight. It drives about 4x the requests
 * per second node:http does for the same CPU (measured here: ~30,000 vs ~7,000 req/s against a
 * do-nothing server), which matters on a small machine where client and server share the cores.
 * Handles Content-Length, chunked and read-until-close bodies, and servers that close after every
 * response (moto_server sends `Connection: close`).
 */
class RawClient {
  constructor(url, timeoutMs) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.timeoutMs = timeoutMs;
    this.idle = [];
    this.prefix = new Map();
  }

  /**
   * Opens `n` keep-alive connections one after the other, each answered once before the next is
   * opened. gureum serve (tiny_http 0.12) can leave connections that arrive in a burst unserved
   * for as long as its earlier connections stay open: its pool starts 4 threads, a thread serves
   * one keep-alive connection until it closes, and a connection accepted while woken threads
   * have not yet taken their tasks is queued instead of getting a new thread. Opening them one at
   * a time sidesteps that, so the benchmark measures throughput rather than that hang.
   */
  async open(n) {
    const conns = [];
    for (let i = 0; i < n; i++) {
      const conn = new Conn(this.host, this.port, this.timeoutMs);
      const r = await conn.send(Buffer.from(this.head("ListTables", 2) + "{}"));
      if (r.status !== 200) throw new Error(`ListTables: HTTP ${r.status}: ${r.body.toString().slice(0, 300)}`);
      conns.push(conn);
    }
    this.idle.push(...conns.filter((c) => c.alive));
  }

  head(operation, length) {
    let p = this.prefix.get(operation);
    if (!p) {
      p = `POST / HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n`
        + Object.entries(HEADERS(operation)).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "Content-Length: ";
      this.prefix.set(operation, p);
    }
    return `${p}${length}\r\n\r\n`;
  }

  /** POST / with a DynamoDB JSON 1.0 body (a string); resolves to { status, body (string) }. */
  async raw(operation, body) {
    const bytes = Buffer.from(this.head(operation, Buffer.byteLength(body)) + body);
    for (let attempt = 0; ; attempt++) {
      let conn = this.idle.pop();
      while (conn && !conn.alive) conn = this.idle.pop();
      const reused = Boolean(conn);
      conn ??= new Conn(this.host, this.port, this.timeoutMs);
      try {
        const r = await conn.send(bytes);
        if (conn.alive) this.idle.push(conn);
        return { status: r.status, body: r.body.toString() };
      } catch (e) {
        // A kept-alive socket the server closed while it was idle: retry once on a new one.
        if (reused && e.beforeResponse && attempt === 0) continue;
        throw e;
      }
    }
  }

  close() {
    for (const c of this.idle) c.destroy();
    this.idle = [];
  }
}

const CRLF2 = Buffer.from("\r\n\r\n");
const LAST_CHUNK = Buffer.from("0\r\n\r\n");

class Conn {
  constructor(host, port, timeoutMs) {
    this.timeoutMs = timeoutMs;
    this.alive = true;
    this.cur = null;
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on("data", (d) => this.onData(d));
    this.socket.on("error", (e) => this.end(e));
    this.socket.on("close", () => this.end(new Error("the server closed the connection")));
  }

  send(bytes) {
    return new Promise((res, rej) => {
      const timer = setTimeout(() => this.fail(new Error(`no answer in ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      this.cur = {
        res: (v) => { clearTimeout(timer); res(v); },
        rej: (e) => { clearTimeout(timer); rej(e); },
        head: false, chunks: [], got: 0, status: 0, len: -1, chunked: false, close: false, received: 0,
      };
      this.socket.write(bytes);
    });
  }

  onData(d) {
    const c = this.cur;
    if (!c) return this.destroy(); // bytes nobody asked for
    c.received += d.length;
    if (!c.head) {
      c.chunks.push(d);
      const buf = c.chunks.length === 1 ? d : Buffer.concat(c.chunks);
      const end = buf.indexOf(CRLF2);
      if (end < 0) { c.chunks = [buf]; return; }
      const lines = buf.toString("latin1", 0, end).split("\r\n");
      const m = /^HTTP\/1\.(\d) (\d{3})/.exec(lines[0]);
      if (!m) return this.fail(new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`));
      c.status = Number(m[2]);
      let connection = "";
      for (let i = 1; i < lines.length; i++) {
        const colon = lines[i].indexOf(":");
        const name = lines[i].slice(0, colon).trim().toLowerCase();
        const value = lines[i].slice(colon + 1).trim();
        if (name === "content-length") c.len = Number(value);
        else if (name === "transfer-encoding") c.chunked = value.toLowerCase().includes("chunked");
        else if (name === "connection") connection = value.toLowerCase();
      }
      c.close = connection === "close" || (m[1] === "0" && connection !== "keep-alive");
      c.head = true;
      const rest = buf.subarray(end + 4);
      c.chunks = rest.length ? [rest] : [];
      c.got = rest.length;
    } else {
      c.chunks.push(d);
      c.got += d.length;
    }
    if (c.chunked) {
      const last = c.chunks[c.chunks.length - 1];
      const tail = last && last.length >= 5 ? last.subarray(last.length - 5) : Buffer.concat(c.chunks).subarray(-5);
      if (!tail.equals(LAST_CHUNK)) return;
      const body = dechunk(Buffer.concat(c.chunks));
      if (body) this.finish(body);
    } else if (c.len >= 0 && c.got >= c.len) {
      this.finish(c.chunks.length === 1 ? c.chunks[0].subarray(0, c.len) : Buffer.concat(c.chunks).subarray(0, c.len));
    }
  }

  finish(body) {
    const c = this.cur;
    this.cur = null;
    if (c.close) this.destroy();
    c.res({ status: c.status, body });
  }

  fail(err) {
    const c = this.cur;
    this.cur = null;
    this.destroy();
    if (c) c.rej(err);
  }

  end(err) {
    this.alive = false;
    const c = this.cur;
    if (!c) return;
    if (c.head && c.len < 0 && !c.chunked) return this.finish(Buffer.concat(c.chunks)); // body until close
    err.beforeResponse = c.received === 0;
    this.fail(err);
  }

  destroy() {
    this.alive = false;
    this.socket.destroy();
  }
}

/** Decodes a complete chunked body; null when it is not complete yet. */
function dechunk(buf) {
  const parts = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf("\r\n", at);
    if (eol < 0) return null;
    const size = parseInt(buf.toString("latin1", at, eol).split(";")[0], 16);
    if (!Number.isFinite(size)) throw new Error("bad chunk size");
    if (size === 0) return Buffer.concat(parts);
    if (eol + 2 + size + 2 > buf.length) return null;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

function makeClient(url, opts) {
  const c = new RawClient(url, opts.timeout * 1000);
  /** Like raw, but a non-200 answer is an error; resolves to the parsed JSON. */
  c.call = async (operation, payload) => {
    const { status, body } = await c.raw(operation, typeof payload === "string" ? payload : JSON.stringify(payload));
    if (status !== 200) throw new Error(`${operation}: HTTP ${status}: ${body.slice(0, 300)}`);
    return JSON.parse(body);
  };
  return c;
}

/** GET `path` with node:http; resolves to the status. */
function httpGet(url, path) {
  return new Promise((res, rej) => {
    const req = http.get(new URL(path, url), (resp) => { resp.resume(); resp.on("end", () => res(resp.statusCode)); });
    req.on("error", rej);
  });
}

// --- a phase: `concurrency` loops running `op` until time or count runs out ----------------------

/**
 * Runs `op(i)` (i = 0, 1, 2, ... shared by all loops) from `concurrency` loops until `seconds`
 * have passed or `ops` operations have started. `op` throws when the answer is wrong. Returns
 * { done, errors, firstError, seconds, latencies (ms, sorted), cpu (client CPU % of one core) }.
 */
async function phase({ concurrency, seconds, ops }, op) {
  const latencies = [];
  let next = 0, errors = 0, firstError = null;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(Math.round(seconds * 1e9));
  async function loop() {
    while (next < ops && process.hrtime.bigint() < deadline) {
      const i = next++;
      const start = process.hrtime.bigint();
      try {
        await op(i);
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      } catch (e) {
        errors++;
        firstError ??= e;
        if (errors >= 100) { next = Infinity; return; } // a broken server: stop hammering it
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return { done: latencies.length, errors, firstError, seconds: elapsed, latencies, cpu: ((c.user + c.system) / 1e6 / elapsed) * 100 };
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

/**
 * A PutItem, GetItem or Query phase run by gureum-loadgen (see crates/loadgen): the same
 * requests and checks as the node client's phases, from threads with one keep-alive connection
 * each. Returns what `phase` returns (latencies as the 0th..100th percentiles).
 */
function loadgenPhase(opts, url, op, { seconds, ops, stored }) {
  const args = ["--url", url, "--op", op, "--amz-date", AMZ_DATE, "--concurrency", String(opts.concurrency), "--seconds", String(seconds), "--timeout", String(opts.timeout)];
  if (Number.isFinite(ops)) args.push("--ops", String(ops));
  if (stored) args.push("--stored", String(stored));
  return loadgenRun(opts, args);
}

function loadgenRun(opts, args) {
  return new Promise((res, rej) => {
    const child = spawn(opts["loadgen-bin"], args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", (e) => rej(new Error(`cannot run ${opts["loadgen-bin"]} (scripts/bench-http builds it): ${e.message}`)));
    child.on("close", (code) => {
      if (code !== 0) return rej(new Error(`gureum-loadgen exited with ${code}: ${err.trim()}`));
      try {
        const r = JSON.parse(out);
        res({ ...r, firstError: r.firstError ? new Error(r.firstError) : null });
      } catch (e) {
        rej(new Error(`gureum-loadgen printed ${out.slice(0, 200)}`));
      }
    });
  });
}

// --- the workload ------------------------------------------------------------------------------------

const PART = 50; // items per partition of the bench table: a Query on a full partition returns 50
const pad = (n, w) => String(n).padStart(w, "0");
const benchKey = (i) => `{"pk":{"S":"p${pad(Math.floor(i / PART), 6)}"},"sk":{"N":"${i % PART}"}}`;
// Item sizes as DynamoDB counts them (attribute names + values): bench items 2+7 + 2+2 + 4+84 =
// 101 bytes; scan items 2+7 + 2+2 + 4+94 = 111 bytes, so 10,000 of them are more than the 1 MB a
// Scan page may read and a full scan takes two pages (on servers that apply the limit).
const FILLER = "x".repeat(80);
const SCAN_FILLER = "y".repeat(90);
const benchItem = (i) => `{"pk":{"S":"p${pad(Math.floor(i / PART), 6)}"},"sk":{"N":"${i % PART}"},"data":{"S":"${FILLER}${pad(i % 10000, 4)}"}}`;
const scanItem = (i) => ({ pk: { S: `s${pad(i, 6)}` }, sk: { N: "0" }, data: { S: `${SCAN_FILLER}${pad(i % 10000, 4)}` } });

async function createTable(client, TableName) {
  await client.call("CreateTable", {
    TableName, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
  });
  const until = Date.now() + 30000;
  for (;;) {
    const { Table } = await client.call("DescribeTable", { TableName });
    if (Table.TableStatus === "ACTIVE") return;
    if (Date.now() > until) throw new Error(`${TableName} is still ${Table.TableStatus} after 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Loads the scan table with BatchWriteItem (25 items a call), outside any measurement. */
async function loadScanTable(client, opts) {
  const batches = Math.ceil(opts["scan-items"] / 25);
  const r = await phase({ concurrency: opts.concurrency, seconds: 600, ops: batches }, async (b) => {
    const items = [];
    for (let i = b * 25; i < Math.min((b + 1) * 25, opts["scan-items"]); i++) items.push({ PutRequest: { Item: scanItem(i) } });
    let request = { RequestItems: { scan: items } };
    for (let tries = 0; tries < 20; tries++) {
      const out = await client.call("BatchWriteItem", request);
      if (!out.UnprocessedItems || !Object.keys(out.UnprocessedItems).length) return;
      request = { RequestItems: out.UnprocessedItems };
    }
    throw new Error("BatchWriteItem kept returning UnprocessedItems");
  });
  if (r.errors) throw new Error(`loading the scan table: ${r.firstError.message}`);
  return r.seconds;
}

/** One full Scan, fully parsed: every item present once with its data. Returns the page count. */
async function fullScanChecked(client, opts) {
  const seen = new Set();
  let start = null, pages = 0;
  do {
    const out = await client.call("Scan", start ? { TableName: "scan", ExclusiveStartKey: start } : { TableName: "scan" });
    if (out.Count !== out.Items?.length) throw new Error(`Scan: Count ${out.Count} but ${out.Items?.length} items`);
    for (const it of out.Items) {
      const i = Number(it.pk.S.slice(1));
      if (JSON.stringify(it.data) !== JSON.stringify(scanItem(i).data) || seen.has(i)) throw new Error(`Scan: wrong or repeated item ${JSON.stringify(it)}`);
      seen.add(i);
    }
    start = out.LastEvaluatedKey;
    pages++;
  } while (start);
  if (seen.size !== opts["scan-items"]) throw new Error(`Scan: ${seen.size} distinct items, want ${opts["scan-items"]}`);
  return pages;
}

const LEK = /"LastEvaluatedKey"\s*:\s*(\{\s*"\w+"\s*:\s*\{[^{}]*\}\s*,\s*"\w+"\s*:\s*\{[^{}]*\}\s*\})/y;
const COUNT = /"Count"\s*:\s*(\d+)/;

/**
 * One Scan page checked without JSON.parse (1 MB of JSON costs the client more than some
 * servers spend producing it): status 200, `Count` equals the number of items in the page (each
 * item has exactly one "data" attribute), and the LastEvaluatedKey to continue from.
 */
async function scanPage(client, start) {
  const { status, body } = await client.raw("Scan", start ? `{"TableName":"scan","ExclusiveStartKey":${start}}` : `{"TableName":"scan"}`);
  if (status !== 200) throw new Error(`Scan: HTTP ${status}: ${body.slice(0, 300)}`);
  const count = Number(COUNT.exec(body)?.[1]);
  let items = 0;
  for (let at = body.indexOf('"data"'); at >= 0; at = body.indexOf('"data"', at + 6)) items++;
  if (!(count === items)) throw new Error(`Scan: Count ${count} but ${items} items`);
  const k = body.lastIndexOf('"LastEvaluatedKey"');
  let next = null;
  if (k >= 0) {
    LEK.lastIndex = k;
    next = LEK.exec(body)?.[1];
    if (!next) throw new Error(`Scan: unreadable LastEvaluatedKey ${body.slice(k, k + 200)}`);
  }
  return { count, next };
}

/** Runs every phase against the server at `url`; returns { PutItem, GetItem, Query, Scan } results. */
async function workload(name, url, opts) {
  const client = makeClient(url, opts);
  await client.open(opts.concurrency);
  const results = {};
  const report = (label, r, extra = "") => {
    results[label] = r;
    const rate = r.done / r.seconds;
    console.log(`  ${name.padEnd(8)} ${label.padEnd(7)} ${String(r.done).padStart(6)} in ${r.seconds.toFixed(2).padStart(5)} s = ${fmtRate(rate).padStart(7)}/s`
      + `  p50 ${fmtMs(pct(r.latencies, 50))}  p99 ${fmtMs(pct(r.latencies, 99))}  client CPU ${r.cpu.toFixed(0)}%${extra}`
      + (r.errors ? `  ERRORS ${r.errors}: ${r.firstError.message}` : ""));
  };
  try {
    await createTable(client, "bench");
    await createTable(client, "scan");

    // PutItem: item i goes to partition floor(i / 50), sort key i % 50.
    const put = opts.client === "loadgen"
      ? await loadgenPhase(opts, url, "PutItem", { seconds: opts["put-seconds"], ops: opts.puts })
      : await phase({ concurrency: opts.concurrency, seconds: opts["put-seconds"], ops: opts.puts }, async (i) => {
        const { status, body } = await client.raw("PutItem", `{"TableName":"bench","Item":${benchItem(i)}}`);
        if (status !== 200 || body !== "{}") throw new Error(`PutItem: HTTP ${status}: ${body.slice(0, 300)}`);
      });
    report("PutItem", put, put.done < opts.puts ? `  (stopped at --put-seconds ${opts["put-seconds"]})` : "");
    // Puts are handed out in order, so after an error-free phase items 0 .. done-1 are stored.
    const stored = put.done;
    if (put.errors || stored < PART) throw new Error(`PutItem failed (${put.errors} errors, ${stored} stored): ${put.firstError?.message}`);

    const get = opts.client === "loadgen" ? await loadgenPhase(opts, url, "GetItem", { seconds: opts.seconds, ops: opts.ops, stored }) : await phase(opts, async () => {
      const i = Math.floor(Math.random() * stored);
      const out = await client.call("GetItem", `{"TableName":"bench","Key":${benchKey(i)}}`);
      const got = out.Item && JSON.stringify({ pk: out.Item.pk, sk: out.Item.sk, data: out.Item.data });
      if (got !== benchItem(i) || Object.keys(out.Item).length !== 3) throw new Error(`GetItem ${i}: got ${JSON.stringify(out).slice(0, 300)}`);
    });
    report("GetItem", get);

    const partitions = Math.floor(stored / PART); // complete partitions only
    const query = opts.client === "loadgen" ? await loadgenPhase(opts, url, "Query", { seconds: opts.seconds, ops: opts.ops, stored: partitions * PART }) : await phase(opts, async () => {
      const p = Math.floor(Math.random() * partitions);
      const out = await client.call("Query", `{"TableName":"bench","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p${pad(p, 6)}"}}}`);
      if (out.Count !== PART || out.Items?.length !== PART || out.LastEvaluatedKey) throw new Error(`Query p${p}: Count ${out.Count}, ${out.Items?.length} items, LastEvaluatedKey ${JSON.stringify(out.LastEvaluatedKey)}`);
      for (let k = 0; k < PART; k++) if (out.Items[k].sk.N !== String(k) || out.Items[k].pk.S !== `p${pad(p, 6)}`) throw new Error(`Query p${p}: item ${k} is ${JSON.stringify(out.Items[k])}`);
    });
    report("Query", query);

    const loadSeconds = await loadScanTable(client, opts);
    const pagesPerScan = await fullScanChecked(client, opts);
    console.log(`  ${name.padEnd(8)} (scan table: ${opts["scan-items"]} items loaded with BatchWriteItem in ${loadSeconds.toFixed(2)} s; `
      + `a full scan is ${pagesPerScan} page(s), checked item by item once; neither is measured)`);
    const scan = await phase(opts, async () => {
      let total = 0, start = null;
      do {
        const page = await scanPage(client, start);
        total += page.count;
        start = page.next;
      } while (start);
      if (total !== opts["scan-items"]) throw new Error(`Scan: ${total} items in a full scan, want ${opts["scan-items"]}`);
    });
    report("Scan", scan, `  (${fmtRate((scan.done * opts["scan-items"]) / scan.seconds)} items/s)`);
  } finally {
    client.close();
  }
  return results;
}

// --- the servers ---------------------------------------------------------------------------------------

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on("error", rej);
  });
}

/** Spawns `cmd` in its own process group; `url` resolves when `ready(stdout, stderr)` returns one. */
function launch(cmd, args, { ready, cwd } = {}) {
  const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], cwd, detached: true });
  const killOnExit = () => { try { process.kill(-proc.pid, "SIGKILL"); } catch {} };
  process.once("exit", killOnExit);
  let out = "", err = "";
  const url = new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${cmd} did not start in 60 s: ${out} ${err}`)), 60000);
    const check = () => { const u = ready(out, err); if (u) { clearTimeout(timer); res(u); } };
    // Keep reading both pipes for the whole run (moto logs every request), keeping only the start.
    proc.stdout.on("data", (d) => { if (out.length < 65536) { out += d; check(); } });
    proc.stderr.on("data", (d) => { if (err.length < 65536) { err += d; check(); } });
    proc.on("exit", (code, sig) => { clearTimeout(timer); rej(new Error(`${cmd} exited (${code ?? sig}): ${out} ${err}`)); });
  });
  url.catch(() => {});
  return {
    proc, url,
    async stop() {
      process.off("exit", killOnExit);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      try { process.kill(-proc.pid, "SIGTERM"); } catch {}
      const t = setTimeout(() => { try { process.kill(-proc.pid, "SIGKILL"); } catch {} }, 10000);
      await exited;
      clearTimeout(t);
    },
  };
}

const SELF = fileURLToPath(import.meta.url);

const SERVERS = {
  async gureum(opts) {
    const bin = opts["gureum-bin"];
    if (!existsSync(bin)) throw new Error(`${bin} does not exist: cargo build --release -p gureum-server`);
    await mkdir(join(ROOT, "target"), { recursive: true });
    const data = await mkdtemp(join(ROOT, "target", "bench-http-data-"));
    const durable = opts["gureum-store"] === "durable";
    const s = launch(bin, ["serve", "--port", "0", ...(durable ? ["--data", data] : [])], { ready: (out) => /serving AWS APIs at (http:\/\/\S+) \(/.exec(out)?.[1] });
    let version = "?", fs = "?";
    try { version = execFileSync(bin, ["--version"]).toString().trim(); } catch {}
    try { fs = execFileSync("stat", ["-f", "-c", "%T", data]).toString().trim(); } catch {}
    return {
      ...s,
      label: `${version}, ${bin.includes("/release/") ? "release build" : bin}, ${durable ? `--data on ${fs}: every write fsynced before its response (group commit)` : "in memory (no --data)"}`,
      stop: async () => { await s.stop(); await rm(data, { recursive: true, force: true }); },
    };
  },
  async dynalite() {
    // dynalite's CLI reads --port 0 as "the default, 4567": start it through this file instead.
    const s = launch(process.execPath, [SELF, "--internal-dynalite"], { cwd: ROOT, ready: (out) => /listening at (http:\/\/\S+)/.exec(out)?.[1] });
    const version = createRequire(SELF)("dynalite/package.json").version;
    return { ...s, label: `dynalite ${version}, in memory (its default), node ${process.version}` };
  },
  async moto(opts) {
    const bin = opts["moto-server"];
    if (!existsSync(bin)) throw new Error(`${bin} does not exist: run scripts/bench-http (it creates .venv-bench)`);
    const port = await freePort();
    const s = launch(bin, ["-H", "127.0.0.1", "-p", String(port)], { ready: (out, err) => /Running on/.test(out + err) && `http://127.0.0.1:${port}` });
    await s.url;
    for (let i = 0; ; i++) {
      try { await httpGet(await s.url, "/moto-api/"); break; } catch (e) { if (i > 300) throw e; await new Promise((r) => setTimeout(r, 100)); }
    }
    let version = "?";
    try { version = execFileSync(join(dirname(bin), "python"), ["-c", "import moto; print(moto.__version__)"]).toString().trim(); } catch {}
    return { ...s, label: `moto_server ${version}, in memory, threaded werkzeug (answers Connection: close)` };
  },
};

/** dynalite on a free port of 127.0.0.1 (runs in its own process: node benches/http.mjs --internal-dynalite). */
function internalDynalite() {
  const server = createRequire(SELF)("dynalite")({});
  server.listen(0, "127.0.0.1", () => console.log(`dynalite listening at http://127.0.0.1:${server.address().port}`));
}

/**
 * A server that answers every request with `{}` at once, parsing just enough HTTP to frame the
 * requests (node benches/http.mjs --internal-null-server). Measured with the same client and
 * requests, it shows how many requests per second the client can drive on this machine.
 */
function internalNullServer() {
  const reply = Buffer.from("HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}");
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    sock.on("data", (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      for (;;) {
        const end = buf.indexOf(CRLF2);
        if (end < 0) return;
        const len = Number(/content-length:\s*(\d+)/i.exec(buf.toString("latin1", 0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.subarray(end + 4 + len);
        sock.write(reply);
      }
    });
    sock.on("error", () => {});
  });
  server.listen(0, "127.0.0.1", () => console.log(`null server at http://127.0.0.1:${server.address().port}`));
}

// --- report -----------------------------------------------------------------------------------------

function fmtRate(x) {
  if (!Number.isFinite(x)) return "-";
  return x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1);
}
function fmtMs(x) {
  if (!Number.isFinite(x)) return "-";
  return x >= 100 ? `${Math.round(x)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r, i) => {
    const line = r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join("  ");
    return i === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
  }).join("\n");
}

async function clientCeiling(opts) {
  if (opts.client === "loadgen") {
    const r = await loadgenRun(opts, ["--ceiling", "--concurrency", String(opts.concurrency), "--seconds", String(Math.min(opts.seconds, 3))]);
    if (r.errors) throw r.firstError;
    return r;
  }
  const nul = launch(process.execPath, [SELF, "--internal-null-server"], { ready: (out) => /null server at (http:\/\/\S+)/.exec(out)?.[1] });
  try {
    const c = makeClient(await nul.url, opts);
    await c.open(opts.concurrency);
    const r = await phase({ concurrency: opts.concurrency, seconds: Math.min(opts.seconds, 3), ops: Infinity }, async (i) => {
      const { status, body } = await c.raw("GetItem", `{"TableName":"bench","Key":${benchKey(i)}}`);
      if (status !== 200 || body !== "{}") throw new Error(`null server: HTTP ${status}`);
    });
    c.close();
    if (r.errors) throw r.firstError;
    return r;
  } finally {
    await nul.stop();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  console.log(`HTTP benchmark: ${opts.servers.join(", ")}; one client, ${opts.concurrency} requests in flight; `
    + `PutItem x ${opts.puts} (at most ${opts["put-seconds"]} s), then GetItem, Query and Scan ${Number.isFinite(opts.ops) ? `x ${opts.ops}` : `for ${opts.seconds} s`} each`);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}, node ${process.version}`);

  // The client's ceiling: the same requests against a server that does nothing.
  const ceiling = await clientCeiling(opts);
  const ceilingRate = ceiling.done / ceiling.seconds;
  console.log(`client ceiling: ${fmtRate(ceilingRate)} req/s against a do-nothing server (p50 ${fmtMs(pct(ceiling.latencies, 50))}, `
    + `${opts.client === "loadgen" ? "gureum-loadgen and its in-process null server" : "client"} CPU ${ceiling.cpu.toFixed(0)}% of a core)\n`);

  const results = {};
  const labels = {};
  let failed = false;
  for (const name of opts.servers) {
    const server = await SERVERS[name](opts);
    try {
      const url = await server.url;
      labels[name] = server.label;
      console.log(`${name} at ${url}: ${server.label}`);
      results[name] = await workload(name, url, opts);
    } catch (e) {
      failed = true;
      console.log(`  ${name}: FAILED: ${e.message}`);
    } finally {
      await server.stop();
    }
  }

  const names = opts.servers.filter((n) => results[n]?.Scan);
  const others = names.filter((n) => n !== "gureum");
  const rate = (n, op) => {
    const r = results[n]?.[op];
    return r && !r.errors ? r.done / r.seconds : NaN;
  };
  const OPS = [["PutItem", "PutItem"], ["GetItem", "GetItem"], ["Query", "Query, 50 items"], ["Scan", `Scan, ${opts["scan-items"]} items (full scans)`]];
  const withGureum = names.includes("gureum");
  const rows = [["op", ...names.flatMap((n) => [`${n} ops/s`, "p50", "p99"]), ...(withGureum ? others.map((n) => `gureum/${n}`) : [])]];
  for (const [op, label] of OPS) {
    const row = [label];
    for (const n of names) {
      const r = results[n][op];
      row.push(r.errors ? `ERR ${r.errors}` : fmtRate(r.done / r.seconds), fmtMs(pct(r.latencies, 50)), fmtMs(pct(r.latencies, 99)));
    }
    if (withGureum) for (const n of others) row.push(`${(rate("gureum", op) / rate(n, op)).toFixed(1)}x`);
    rows.push(row);
  }
  rows.push(["Scan items/s", ...names.flatMap((n) => [fmtRate(rate(n, "Scan") * opts["scan-items"]), "", ""]), ...(withGureum ? others.map((n) => `${(rate("gureum", "Scan") / rate(n, "Scan")).toFixed(1)}x`) : [])]);
  console.log(`\n${table(rows)}\n`);
  console.log(`p50/p99: latency per request (per full scan for Scan). Client ceiling ${fmtRate(ceilingRate)} req/s; ${opts.concurrency} requests in flight.`);
  for (const n of names) console.log(`${n}: ${labels[n]}`);
  if (withGureum) {
    const goals = { dynalite: 5, moto: 20 };
    for (const n of others) {
      const ratios = OPS.map(([op]) => [op, rate("gureum", op) / rate(n, op)]);
      const short = ratios.filter(([, x]) => !(x >= goals[n]));
      console.log(`goal: gureum >= ${goals[n]}x ${n} on every op: ${short.length ? `NOT met (${short.map(([op, x]) => `${op} ${x.toFixed(1)}x`).join(", ")})` : "met"}`);
    }
  }
  console.log(`load average now ${loadavg().map((x) => x.toFixed(2)).join(" ")}; whole run ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const anyErrors = names.some((n) => Object.values(results[n]).some((r) => r.errors));
  if (failed || anyErrors) {
    console.log("FAILED: a server answered wrongly or did not finish (see above); its figures are not comparable");
    process.exitCode = 1;
  }
}

if (process.argv[2] === "--internal-dynalite") internalDynalite();
else if (process.argv[2] === "--internal-null-server") internalNullServer();
else {
  main().catch((e) => {
    console.error(e instanceof UsageError ? `benches/http.mjs: ${e.message}` : e.stack || String(e));
    process.exit(1);
  });
}
