// Global tables in the UI: add a replica from the Global tab, write in one region's lane, let a
// second of simulated time pass, see the item in the other lane and the replication event; the
// conflict demo (same key, two regions, within the lag): the later write wins in both lanes and
// the earlier one is reported discarded; a region outage: writes queue (pending count), the
// region answers 503, then catches up. The clock is paused: only AdvanceClock moves it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, shot, eventually } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 1000 });
const errors = app.errors;

const send = (op, input, region) => page.evaluate(([op, input, region]) => window.gureum.send("dynamodb", op, input, region ? { region } : undefined), [op, input, region]);
const sim = (op, input) => page.evaluate(([op, input]) => window.gureum.sim(op, input), [op, input]);
const item = async (pk, region) => (await send("GetItem", { TableName: "Music", Key: { pk: { S: pk } }, ConsistentRead: true }, region)).Item;

test("replica lanes: replicate, resolve a conflict, survive an outage", async () => {
  await sim("PauseClock", {});
  await send("CreateTable", {
    TableName: "Music", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
  });
  await sim("AdvanceClock", { seconds: 2 });
  await send("PutItem", { TableName: "Music", Item: { pk: { S: "before" }, v: { S: "copied" } } });
  await page.goto(page.url().replace(/#.*$/, "") + "#/tables/Music");
  await page.getByRole("tab", { name: "Global" }).click();
  const panel = page.locator(".global-panel");
  await panel.locator(".badge", { hasText: "regional" }).waitFor();
  await shot(page, "global-regional");

  // Add a replica in us-west-2 with the region picker.
  await page.getByLabel("Replica region").selectOption("us-west-2");
  await page.getByRole("button", { name: "Add replica" }).click();
  const west = panel.locator("section.lane", { has: page.locator(".lane-title", { hasText: "us-west-2" }) });
  const east = panel.locator("section.lane", { has: page.locator(".lane-title", { hasText: "us-east-1" }) });
  await west.locator(".badge", { hasText: "CREATING" }).waitFor();
  await sim("AdvanceClock", { seconds: 6 });
  await west.locator(".badge", { hasText: "ACTIVE" }).waitFor();
  await west.locator(".lane-item", { hasText: "copied" }).waitFor();
  const d = await send("DescribeTable", { TableName: "Music" }, "us-west-2");
  assert.equal(d.Table.GlobalTableVersion, "2019.11.21");
  assert.deepEqual(d.Table.Replicas, [{ RegionName: "us-east-1", ReplicaStatus: "ACTIVE" }]);

  // Write in the east lane: not in the west lane until a second of simulated time passes.
  await page.getByLabel("Item key").fill("song-1");
  await page.getByLabel("Item value").fill("hello");
  await east.getByRole("button", { name: "Put here" }).click();
  await east.locator(".lane-item", { hasText: "song-1" }).waitFor();
  assert.equal(await item("song-1", "us-west-2"), undefined);
  await shot(page, "global-before-lag");
  await sim("AdvanceClock", { seconds: 1 });
  await west.locator(".lane-item", { hasText: "song-1" }).waitFor();
  await panel.locator(".repl-event.applied", { hasText: "us-east-1 → us-west-2" }).first().waitFor();
  assert.match(await panel.locator(".repl-event").first().innerText(), /lag 1\.0 s/);
  await shot(page, "global-replicated");

  // The conflict demo: both lanes hold their own write, then the later one wins in both.
  await page.getByRole("button", { name: "Conflict demo" }).click();
  await east.locator(".lane-item", { hasText: "written in us-east-1" }).waitFor();
  await west.locator(".lane-item", { hasText: "written in us-west-2" }).waitFor();
  await shot(page, "global-conflict-pending");
  await sim("AdvanceClock", { seconds: 2 });
  await east.locator(".lane-item", { hasText: "written in us-west-2" }).waitFor();
  assert.equal((await item("conflict-demo", "us-west-2")).v.S, "written in us-west-2");
  await panel.locator(".repl-event.discarded.conflict", { hasText: "us-east-1 → us-west-2" }).waitFor();
  await shot(page, "global-conflict-resolved");

  // Take us-west-2 down: 503 there, writes in us-east-1 queue for it, then it catches up.
  await west.getByRole("button", { name: "Take down" }).click();
  await west.locator(".badge", { hasText: "region down" }).waitFor();
  const err = await page.evaluate(() => window.gureum.send("dynamodb", "ListTables", {}, { region: "us-west-2" }).then(() => null, (e) => e.__type));
  assert.equal(err, "ServiceUnavailable");
  await page.getByLabel("Item key").fill("song-2");
  await east.getByRole("button", { name: "Put here" }).click();
  await page.getByLabel("Item key").fill("song-3");
  await east.getByRole("button", { name: "Put here" }).click();
  await eventually(page, async () => (await window.gureum.send("dynamodb", "Scan", { TableName: "Music", Select: "COUNT" })).Count === 5);
  await sim("AdvanceClock", { seconds: 30 });
  await west.locator(".badge", { hasText: "2 pending" }).waitFor();
  await west.locator(".lane-error", { hasText: "ServiceUnavailable" }).waitFor();
  await shot(page, "global-outage");
  await west.getByRole("button", { name: "Bring back" }).click();
  await sim("AdvanceClock", { seconds: 0.01 });
  await west.locator(".lane-item", { hasText: "song-3" }).waitFor();
  assert.equal(await west.locator(".badge", { hasText: "pending" }).count(), 0);
  await shot(page, "global-caught-up");
  assert.deepEqual(errors, []);
});
