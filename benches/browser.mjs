// Browser benchmarks of the built site (dist/): prints figures, asserts nothing.
//   node benches/browser.mjs [--puts N] [--reload-items N]
// Figures: gzip size of the shipped wasm+js, cold load to interactive, durable PutItem/s with
// 1 KB items, and reload time with many items stored.
import { readdir, readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { serveDist, startBrowser, newProfile, openApp, DIST } from "../tests/e2e/lib.mjs";

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const PUTS = arg("--puts", 20000);
const RELOAD_ITEMS = arg("--reload-items", 100000);
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 1. Sizes.
let raw = 0, gz = 0;
const rows = [];
for (const f of (await readdir(DIST)).filter((f) => /\.(wasm|js)$/.test(f))) {
  const body = await readFile(join(DIST, f));
  const g = gzipSync(body, { level: 9 }).length;
  raw += body.length; gz += g;
  rows.push(`  ${f.padEnd(44)} ${String(body.length).padStart(9)} B raw ${String(g).padStart(9)} B gzip`);
}
console.log("Shipped wasm + js:");
console.log(rows.join("\n"));
console.log(`  total: ${(raw / 1024).toFixed(0)} KiB raw, ${(gz / 1024).toFixed(0)} KiB gzip`);

const srv = await serveDist("/");
const ONLY_RELOAD = process.argv.includes("--only-reload");

// 2. Cold load to interactive: fresh profile each time; from navigation start until the engine
// is ready and the home panel is on screen.
const loads = [];
for (let i = 0; i < (ONLY_RELOAD ? 0 : 5); i++) {
  const b = await startBrowser(await newProfile());
  const page = await b.context.newPage();
  await openApp(page, srv.url);
  await page.getByText("Welcome to Gureum").waitFor();
  loads.push(await page.evaluate(() => performance.now()));
  await b.close();
}
if (!ONLY_RELOAD) console.log(`Cold load to interactive: median ${median(loads).toFixed(0)} ms (runs: ${loads.map((x) => x.toFixed(0)).join(", ")})`);


// 3. Durable PutItem/s, 1 KB items, many requests in flight (group commit).
const b = await startBrowser(await newProfile());
const page = await b.context.newPage();
await openApp(page, srv.url);
await page.evaluate(async () => {
  await window.gureum.send("dynamodb", "CreateTable", { TableName: "Bench", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" });
  await window.gureum.sim("AdvanceClock", { seconds: 2 });
});
const putRun = (n, window, offset) => page.evaluate(async ({ n, window, offset }) => {
  const pad = "x".repeat(1000);
  let next = 0;
  const t0 = performance.now();
  async function lane() {
    while (next < n) {
      const i = offset + next++;
      await window_.gureum.send("dynamodb", "PutItem", { TableName: "Bench", Item: { id: { S: "item-" + String(i).padStart(8, "0") }, pad: { S: pad } } });
    }
  }
  const window_ = globalThis;
  await Promise.all(Array.from({ length: window }, lane));
  return performance.now() - t0;
}, { n, window, offset });
for (const inflight of ONLY_RELOAD ? [] : [1, 64, 512]) {
  const n = inflight === 1 ? Math.min(2000, PUTS) : PUTS;
  const ms = await putRun(n, inflight, inflight * 10_000_000);
  console.log(`Durable PutItem (1 KB items), ${String(inflight).padStart(3)} in flight: ${(n / ms * 1000).toFixed(0)} puts/s (${n} puts in ${ms.toFixed(0)} ms)`);
}
const commits = await page.evaluate(() => window.gureum.status());
await b.close();

// 4. Reload with many items stored.
{
  const b = await startBrowser(await newProfile());
  const page = await b.context.newPage();
  await openApp(page, srv.url);
  await page.evaluate(async () => {
    await window.gureum.send("dynamodb", "CreateTable", { TableName: "Big", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" });
    await window.gureum.sim("AdvanceClock", { seconds: 2 });
  });
  const t0 = Date.now();
  await page.evaluate(async (n) => {
    const pad = "y".repeat(1000);
    let next = 0;
    async function lane() {
      while (next < n) {
        const i = next++;
        await window.gureum.send("dynamodb", "PutItem", { TableName: "Big", Item: { id: { S: "item-" + String(i).padStart(8, "0") }, pad: { S: pad } } });
      }
    }
    await Promise.all(Array.from({ length: 512 }, lane));
  }, RELOAD_ITEMS);
  console.log(`Stored ${RELOAD_ITEMS} items of 1 KB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const reloads = [];
  let status;
  for (let i = 0; i < 3; i++) {
    // Give the sandbox a moment, as a user would: idle compaction of a long log runs then.
    await page.waitForTimeout(3000);
    await page.reload();
    await page.waitForFunction(() => window.gureum?.status()?.event === "ready", null, { timeout: 60000 });
    reloads.push(await page.evaluate(() => performance.now()));
    status = await page.evaluate(() => window.gureum.status());
  }
  const count = await page.evaluate(async () => {
    let n = 0, start;
    do {
      const out = await window.gureum.send("dynamodb", "Scan", start ? { TableName: "Big", Select: "COUNT", ExclusiveStartKey: start } : { TableName: "Big", Select: "COUNT" });
      n += out.Count; start = out.LastEvaluatedKey;
    } while (start);
    return n;
  });
  console.log(`Reload with ${count} items stored: median ${median(reloads).toFixed(0)} ms from navigation to ready (runs: ${reloads.map((x) => x.toFixed(0)).join(", ")}); engine load ${status.loadMs.toFixed(0)} ms for ${status.loadedRecords} records in ${status.loadSegments} segments of ${(status.loadBytes / 1048576).toFixed(0)} MiB (IndexedDB read ${status.readMs.toFixed(0)} ms, replay ${status.replayMs.toFixed(0)} ms, engine restore ${status.restoreMs.toFixed(0)} ms)`);
  await b.close();
}
await srv.close();
