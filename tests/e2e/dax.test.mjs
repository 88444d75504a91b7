// The DAX panel: a parameter group with short TTLs, a cluster created with it and fast-forwarded
// to available, the read workload (hits, misses, hit ratio, latency comparison), the query
// cache's staleness after a write and its refresh once the simulated clock passes the TTL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 900 });

const send = (service, op, input) => page.evaluate(([s, op, input]) => window.gureum.send(s, op, input), [service, op, input]);
const sim = (op, input) => page.evaluate(([op, input]) => window.gureum.sim(op, input), [op, input]);

test("create a cluster, read through it, see hits and misses, a stale query and its refresh", async () => {
  await sim("PauseClock", {});
  await send("dynamodb", "CreateTable", {
    TableName: "Products", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
  });
  await sim("AdvanceClock", { seconds: 2 });
  for (let i = 0; i < 12; i++) await send("dynamodb", "PutItem", { TableName: "Products", Item: { id: { S: `p${i}` }, price: { N: String(10 + i) } } });

  await page.goto(page.url().replace(/#.*$/, "") + "#/dax");
  await page.getByRole("heading", { level: 1, name: "DAX", exact: true }).waitFor();

  // A parameter group of our own with short TTLs (the default one cannot be changed).
  await page.getByLabel("New parameter group name").fill("short-ttl");
  await page.getByRole("button", { name: "Create group" }).click();
  const queryTtl = page.getByLabel("query-ttl-millis");
  await page.waitForFunction(() => !document.querySelector('[aria-label="query-ttl-millis"]')?.disabled);
  await queryTtl.fill("30000");
  await page.getByLabel("record-ttl-millis").fill("120000");
  await page.getByRole("button", { name: "Save TTLs" }).click();
  const params = await (async () => {
    for (let i = 0; i < 40; i++) {
      const p = await send("dax", "DescribeParameters", { ParameterGroupName: "short-ttl" });
      const q = p.Parameters.find((x) => x.ParameterName === "query-ttl-millis");
      if (q && q.ParameterValue === "30000") return p;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  })();
  assert.ok(params, "UpdateParameterGroup applied");

  // The cluster, with that group.
  await page.getByLabel("Cluster name").fill("shop-cache");
  await page.getByLabel("Parameter group", { exact: true }).selectOption("short-ttl");
  await page.getByRole("button", { name: "Create cluster" }).click();
  const detail = page.locator(".dax-detail");
  await detail.locator(".dax-detail-head .badge", { hasText: "creating" }).waitFor();
  await shot(page, "dax-creating");
  await page.getByRole("button", { name: "Fast-forward 1 min" }).click();
  await detail.locator(".dax-detail-head .badge", { hasText: "available" }).waitFor();
  assert.match(await page.getByLabel("Cluster endpoint").innerText(), /^dax:\/\/shop-cache\.[a-z0-9]+\.dax-clusters\.us-east-1\.amazonaws\.com$/);
  assert.match(await detail.innerText(), /query and scan results for 30 s/);
  // Becoming available is an event (DescribeEvents).
  await detail.getByRole("region", { name: "Events" }).locator("td", { hasText: /^Cluster created with \d+ node\(s\)$/ }).waitFor();

  // The read workload: 60 GetItem over 6 keys, through DAX then straight to DynamoDB.
  await page.getByLabel("Workload table").selectOption("Products");
  await page.getByLabel("GetItem requests").fill("60");
  await page.getByLabel("Distinct keys").fill("6");
  await page.getByRole("button", { name: "Run workload" }).click();
  const results = page.getByLabel("Workload results");
  await results.waitFor({ timeout: 30000 });
  assert.equal(await page.getByLabel("Hits", { exact: true }).innerText(), "54");
  assert.equal(await page.getByLabel("Misses", { exact: true }).innerText(), "6");
  assert.equal(await page.getByLabel("Hit ratio", { exact: true }).innerText(), "90%");
  const text = await results.innerText();
  assert.match(text, /The Query through DAX: MISS then HIT/);
  assert.match(text, /Cache hit \(DAX\)\s+\d+ µs/);
  assert.match(text, /DynamoDB alone\s+\d+\.\d\d ms/);
  await page.getByLabel("Latency histogram").waitFor();
  await page.getByLabel("Request log").locator("tbody tr").first().waitFor();
  await shot(page, "dax-workload");

  // Staleness: read, write through DAX, the cached Query still shows the old value.
  const stale = page.getByLabel("Query cache staleness");
  await stale.getByRole("button", { name: "1. Read" }).click();
  await page.getByLabel("Query through DAX value").waitFor();
  assert.equal(await page.getByLabel("Query through DAX value").innerText(), "(none)");
  await stale.getByRole("button", { name: "2. Write through DAX" }).click();
  await stale.getByText(/Wrote daxDemo = 1 through DAX/).waitFor();
  assert.equal(await page.getByLabel("Query through DAX value").innerText(), "(none)");
  assert.equal(await page.getByLabel("GetItem through DAX value").innerText(), "1");
  assert.match(await page.getByRole("row", { name: "GetItem through DAX", exact: true }).innerText(), /HIT/, "the write put the item in the item cache");
  assert.equal(await page.getByLabel("Query on DynamoDB value").innerText(), "1");
  await stale.locator(".badge", { hasText: "stale" }).waitFor();
  await shot(page, "dax-stale");

  // Past the query TTL, the Query through DAX misses and sees the write.
  await stale.getByRole("button", { name: "3. Advance clock 31 s" }).click();
  await stale.getByText(/Moved the simulated clock 31 s ahead/).waitFor();
  assert.equal(await page.getByLabel("Query through DAX value").innerText(), "1");
  assert.equal(await stale.locator(".badge", { hasText: "stale" }).count(), 0);
  await shot(page, "dax-fresh");

  // Rebooting the node empties its cache: the node is rebooting for a while.
  await page.getByRole("button", { name: /^Reboot / }).first().click();
  await detail.locator("tbody .badge", { hasText: "rebooting" }).waitFor();
  await page.getByLabel("DAX or ElastiCache?").waitFor();
  assert.deepEqual(app.errors, []);
});
