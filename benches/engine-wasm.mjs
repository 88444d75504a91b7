// The engine benchmark (gureum_engine::bench::run) as wasm in a dedicated Worker in headless
// Chromium, beside the same workload natively. Prints both sets of figures and wasm/native.
//   node benches/engine-wasm.mjs --dir target/bench-wasm --native '<json from cargo bench -- --json>' [--items N]
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { launch } from "../tests/e2e/lib.mjs";

// Cross-origin isolation (COOP + COEP) gives performance.now() 5 µs resolution instead of 100 µs,
// which per-query latencies need.
function serveIsolated(root) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer(async (req, res) => {
    const name = new URL(req.url, "http://x").pathname.replace(/^\/+/, "") || "index.html";
    if (name.includes("..") || name.includes("/")) { res.writeHead(404); res.end(); return; }
    try {
      const body = await readFile(join(root, name));
      res.writeHead(200, { "Content-Type": types[name.slice(name.lastIndexOf("."))] || "application/octet-stream", "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" });
      res.end(body);
    } catch { res.writeHead(404); res.end(); }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) })));
}

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const dir = arg("--dir", "target/bench-wasm");
const items = Number(arg("--items", "1000000"));
const native = arg("--native") ? JSON.parse(arg("--native")) : null;

await writeFile(join(dir, "index.html"), "<!doctype html><title>engine bench</title>");
await writeFile(join(dir, "bench-worker.js"), `
import init, { run } from "./gureum_bench_wasm.js";
self.onmessage = async (e) => {
  try { await init(); self.postMessage({ ok: JSON.parse(run(e.data.items, 500000, 20000)) }); }
  catch (err) { self.postMessage({ error: String(err) }); }
};`);
const srv = await serveIsolated(dir);
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(srv.url);
  if (!(await page.evaluate(() => self.crossOriginIsolated))) console.log("(not cross-origin isolated: timer resolution is coarse)");
  const out = await page.evaluate((items) => new Promise((resolve) => {
    const w = new Worker("./bench-worker.js", { type: "module" });
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => resolve({ error: e.message });
    w.postMessage({ items });
  }), items);
  if (out.error) throw new Error(out.error);
  const wasm = out.ok;
  const row = (label, n, w, unit, higherBetter = true) => {
    const ratio = n && w ? (higherBetter ? w / n : n / w) : null;
    console.log(`${label.padEnd(28)} ${(n ? n.toFixed(0) : "-").padStart(12)} ${w.toFixed(0).padStart(12)} ${unit.padEnd(6)} ${ratio ? (ratio * 100).toFixed(0) + "% of native" : ""}`);
  };
  console.log(`Engine benchmark, ${wasm.items} items (partitions of 100); native vs wasm in Chromium (dedicated Worker)`);
  console.log("GetItem: median of 5 rounds; every figure but the second GetItem row goes through Engine::call_json (JSON text in and out)");
  console.log(`${"".padEnd(28)} ${"native".padStart(12)} ${"wasm".padStart(12)}`);
  row("PutItem (load)", native?.putPerS, wasm.putPerS, "ops/s");
  row("GetItem (call_json)", native?.getPerS, wasm.getPerS, "ops/s");
  row("GetItem (call, JSON values)", native?.getValuePerS, wasm.getValuePerS, "ops/s");
  row("100-item Query p50", native?.queryP50Us, wasm.queryP50Us, "µs", false);
  row("100-item Query p99", native?.queryP99Us, wasm.queryP99Us, "µs", false);
} finally {
  await browser.close();
  await srv.close();
}
