// The Backups tab: enable point-in-time recovery, write, move the (paused) simulated clock,
// change the data, pick a second before the change on the timeline and restore it into a new
// table; an on-demand backup created, restored and deleted; an AWS Backup plan that fires on the
// virtual clock and copies to another region.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, eventually, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 1000 });
const errors = app.errors;

const send = (op, input, service = "dynamodb") => page.evaluate(([s, op, input]) => window.gureum.send(s, op, input), [service, op, input]);
const sim = (op, input) => page.evaluate(([op, input]) => window.gureum.sim(op, input), [op, input]);
const keys = async (table) => (await send("Scan", { TableName: table })).Items.map((i) => i.pk.S).sort();
const open = async (table) => {
  await page.goto(page.url().replace(/#.*$/, "") + `#/tables/${table}`);
  await page.getByRole("tab", { name: "Backups" }).click();
};

test("PITR: restore to a second before the change", async () => {
  await send("CreateTable", {
    TableName: "Orders", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
  });
  // A paused clock makes every time below exact.
  await sim("PauseClock", {});
  await sim("AdvanceClock", { seconds: 2 });
  await open("Orders");
  const pitr = page.locator("section[aria-label='Point-in-time recovery']");
  await pitr.locator(".badge", { hasText: "DISABLED" }).waitFor();
  await page.getByRole("button", { name: "Enable PITR" }).click();
  await pitr.locator(".badge", { hasText: "ENABLED" }).waitFor();
  await pitr.getByText("The window opens as the clock moves").waitFor();
  for (const k of ["o1", "o2", "o3"]) await send("PutItem", { TableName: "Orders", Item: { pk: { S: k }, total: { N: "10" } } });
  await sim("AdvanceClock", { seconds: 600 });
  // The accident, 400 s before now: 100 s before the latest restorable time.
  await send("DeleteItem", { TableName: "Orders", Key: { pk: { S: "o1" } } });
  await send("PutItem", { TableName: "Orders", Item: { pk: { S: "junk" } } });
  await sim("AdvanceClock", { seconds: 400 });
  const timeline = pitr.locator(".bk-timeline");
  await timeline.locator(".bk-slider").waitFor();
  await timeline.locator(".bk-preview-count", { hasText: "3 item(s)" }).waitFor();
  await shot(page, "backups-pitr-latest");
  await timeline.getByRole("button", { name: "−1 min" }).click();
  await timeline.getByRole("button", { name: "−1 min" }).click();
  await timeline.locator(".bk-preview-count", { hasText: "3 item(s)" }).waitFor();
  assert.match(await timeline.locator(".bk-preview").innerText(), /o1/);
  const chosen = await timeline.locator(".bk-chosen-time").innerText();
  const latest = await timeline.locator(".bk-latest").innerText();
  assert.notEqual(chosen, latest);
  await shot(page, "backups-pitr-chosen");
  await page.getByLabel("Restore target table").fill("Orders-restored");
  await page.getByRole("button", { name: "Restore to this second" }).click();
  await page.waitForURL(/#\/tables\/Orders-restored/);
  await page.locator(".badge", { hasText: "CREATING" }).first().waitFor();
  await shot(page, "backups-pitr-restoring");
  await sim("AdvanceClock", { seconds: 30 });
  await eventually(page, () => window.gureum.send("dynamodb", "DescribeTable", { TableName: "Orders-restored" }).then((d) => d.Table.TableStatus === "ACTIVE"));
  assert.deepEqual(await keys("Orders-restored"), ["o1", "o2", "o3"]);
  const d = await send("DescribeTable", { TableName: "Orders-restored" });
  assert.equal(d.Table.RestoreSummary.RestoreInProgress, false);
  await open("Orders-restored");
  await page.locator(".bk-restored", { hasText: "This table was restored from table Orders as of" }).waitFor();
  assert.deepEqual(errors, []);
});

test("on-demand backup: create, restore, delete", async () => {
  await open("Orders");
  const section = page.locator("section[aria-label='On-demand backups']");
  await page.getByLabel("Backup name").fill("before-cleanup");
  await page.getByRole("button", { name: "Create backup" }).click();
  const row = section.locator("tbody tr", { hasText: "before-cleanup" });
  await row.locator(".badge", { hasText: "CREATING" }).waitFor();
  await sim("AdvanceClock", { seconds: 5 });
  await row.locator(".badge", { hasText: "AVAILABLE" }).waitFor();
  await shot(page, "backups-on-demand");
  await send("DeleteItem", { TableName: "Orders", Key: { pk: { S: "o2" } } });
  await row.getByRole("button", { name: "Restore" }).click();
  await page.getByLabel("Backup restore target").fill("Orders-from-backup");
  await section.locator(".bk-restore-form").getByRole("button", { name: "Restore" }).click();
  await page.waitForURL(/#\/tables\/Orders-from-backup/);
  await sim("AdvanceClock", { seconds: 30 });
  await eventually(page, () => window.gureum.send("dynamodb", "DescribeTable", { TableName: "Orders-from-backup" }).then((d) => d.Table.TableStatus === "ACTIVE"));
  assert.deepEqual(await keys("Orders-from-backup"), ["junk", "o2", "o3"]);
  await open("Orders");
  await row.getByRole("button", { name: "Delete" }).click();
  await row.waitFor({ state: "detached" });
  assert.equal((await send("ListBackups", { TableName: "Orders" })).BackupSummaries.length, 0);
  assert.deepEqual(errors, []);
});

test("an AWS Backup plan fires on the virtual clock and copies to another region", async () => {
  await open("Orders");
  const section = page.locator("section[aria-label='AWS Backup']");
  await page.getByLabel("Copy to region").selectOption("us-west-2");
  await page.getByLabel("Delete after days").fill("3");
  await page.getByRole("button", { name: "Create plan" }).click();
  await section.locator(".bk-plan", { hasText: "Every hour, on the hour · kept 3 d · copy to us-west-2" }).waitFor();
  await sim("AdvanceClock", { seconds: 3600 + 10 });
  const points = section.locator(".bk-points tbody tr");
  await eventually(page, () => document.querySelectorAll(".bk-points tbody tr").length === 2);
  assert.match(await points.nth(0).innerText(), /COMPLETED/);
  assert.match(await section.locator(".bk-points").innerText(), /us-west-2 \(copy\)/);
  assert.match(await section.locator(".bk-plan").innerText(), /last run/);
  // The recovery point is a DynamoDB backup of type AWS_BACKUP, in the backups list too.
  await page.locator("section[aria-label='On-demand backups'] tbody tr", { hasText: "AWS_BACKUP" }).waitFor();
  await shot(page, "backups-aws-backup");
  assert.deepEqual(errors, []);
});
