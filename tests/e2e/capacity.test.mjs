// A learner's path through a table's Capacity tab: a provisioned table with little capacity (and
// a GSI with plenty), a write load above it, fast-forward, throttles in the charts and the load's counts, AWS's error
// for a bad capacity, more capacity, the throttling stops, and the cost of both modes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, eventually, shot as screenshot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p));
const errors = app.errors;

const shot = (name) => screenshot(page, name);
const stat = async (label) => Number(await page.locator(".load-stats div", { hasText: label }).locator("dd").innerText());
const advance = (seconds) => page.evaluate((s) => window.gureum.sim("AdvanceClock", { seconds: s }), seconds);
const load = () => page.evaluate(() => window.gureum.sim("dynamodb:DescribeLoad", { TableName: "Cap" }).then((v) => v.Load));

test("the Capacity tab shows the mode and explains the units", async () => {
  await page.evaluate(async () => {
    await window.gureum.send("dynamodb", "CreateTable", {
      TableName: "Cap",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }, { AttributeName: "payload", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 2 },
      // The load's items carry `payload`: each write also writes this index, on its own capacity.
      GlobalSecondaryIndexes: [{ IndexName: "ByPayload", KeySchema: [{ AttributeName: "payload", KeyType: "HASH" }], Projection: { ProjectionType: "KEYS_ONLY" },
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 50 } }],
    });
    await window.gureum.sim("AdvanceClock", { seconds: 2 });
  });
  await page.goto(app.url + "#/tables/Cap");
  await page.getByRole("tab", { name: "Capacity" }).click();
  const mode = page.locator(".cap-now");
  await mode.waitFor();
  assert.match(await mode.innerText(), /Provisioned: 1 RCU \/ 2 WCU/);
  assert.match(await page.getByLabel("Capacity", { exact: true }).innerText(), /A write capacity unit \(WCU\) is one write per second of an item up to 1 KB/);
  await shot("capacity-empty");
});

test("a write load above the provisioned rate throttles once the burst is spent", async () => {
  const form = page.getByRole("form", { name: "Start load" });
  await form.getByLabel("Item size").fill("1000");
  await form.getByLabel("Requests per second").fill("10");
  await form.getByLabel("Duration").fill("1800");
  await form.getByRole("button", { name: "Start load" }).click();
  await page.locator(".load-progress .badge", { hasText: "RUNNING" }).waitFor();
  // 300 s of burst at 2 WCU holds 600 units; 10 writes a second drain it in 75 s.
  await advance(60);
  await eventually(page, () => window.gureum.sim("dynamodb:DescribeLoad", { TableName: "Cap" }).then((v) => v.Load.RequestsSent >= 600));
  assert.equal((await load()).Throttled, 0, "the burst absorbs the first minute");
  await advance(240);
  await eventually(page, () => Number(document.querySelector(".load-stats .throttled dd")?.textContent) > 1000);
  assert.ok((await stat("Succeeded")) > 600, "burst, then 2 a second");
  assert.match(await page.locator(".load-progress").innerText(), /The level of configured provisioned throughput for the table was exceeded/);
  const table = page.locator(".cap-charts > .charts");
  const throttles = table.locator("figure.chart", { hasText: "Write throttle events" });
  await eventually(page, () => [...document.querySelectorAll("figure.chart")].some((f) => f.textContent.includes("Write throttle events") && /[1-9]\d* in total/.test(f.querySelector("figcaption").textContent)));
  assert.ok((await throttles.locator("rect.bar").count()) >= 3, "a bar per throttled minute");
  assert.equal(await table.locator("figure.chart", { hasText: "Write units consumed" }).locator("polyline.max-line").count(), 1, "the provisioned line");
  // The index has charts of its own: it consumed what the admitted writes wrote to it, unthrottled.
  const gsi = page.locator(".cap-gsi", { hasText: "Global secondary index ByPayload" });
  await eventually(page, () => /[1-9]\d* in total/.test([...document.querySelectorAll(".cap-gsi figure.chart")].find((f) => f.textContent.includes("Write units consumed"))?.querySelector("figcaption").textContent || ""));
  assert.match(await gsi.locator("figure.chart", { hasText: "Write throttle events" }).locator("figcaption").innerText(), /0 in total/);
  await shot("capacity-throttled");
});

test("a bad capacity gets AWS's error; raising the capacity stops the throttling", async () => {
  const form = page.getByRole("form", { name: "Update capacity" });
  await form.getByLabel("Read capacity units").fill("0");
  await form.getByRole("button", { name: "Update capacity" }).click();
  const problem = page.locator(".cap-mode .error-text");
  await problem.waitFor();
  assert.match(await problem.innerText(), /ValidationException/);
  await shot("capacity-error");

  await form.getByLabel("Read capacity units").fill("1");
  await form.getByLabel("Write capacity units").fill("20");
  await form.getByRole("button", { name: "Update capacity" }).click();
  await eventually(page, () => window.gureum.send("dynamodb", "DescribeTable", { TableName: "Cap" }).then((d) => d.Table.TableStatus === "UPDATING" || d.Table.ProvisionedThroughput.WriteCapacityUnits === 20));
  await advance(5);
  await page.locator(".cap-now", { hasText: "1 RCU / 20 WCU" }).waitFor();
  const before = (await load()).Throttled;
  await advance(180);
  await eventually(page, () => window.gureum.sim("dynamodb:DescribeLoad", { TableName: "Cap" }).then((v) => v.Load.RequestsSent >= 4800));
  const after = (await load()).Throttled;
  assert.equal(after, before, "nothing throttled at 20 WCU");
  await eventually(page, () => document.querySelector(".cap-now")?.textContent.includes("20 WCU"));
  await shot("capacity-raised");
});

test("the cost comparison prices the workload in both modes", async () => {
  const cost = page.getByLabel("Cost comparison");
  await cost.waitFor();
  const text = await cost.innerText();
  assert.match(text, /Provisioned \(current\)/);
  assert.match(text, /On-demand/);
  assert.match(text, /request units/);
  assert.match(text, /RCU-hours \+ \d+(\.\d)? WCU-hours/);
  assert.match(text, /(On-demand would be cheaper|Provisioned is cheaper|Both modes cost the same)/);
  assert.match(text, /\$0\.625 per million write request units/);
  await page.getByLabel("Cost comparison").scrollIntoViewIfNeeded();
  await shot("capacity-cost");
  assert.deepEqual(errors, []);
});
