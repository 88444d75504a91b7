// Export to S3 and import from S3: a CSV uploaded through the page API, imported from the Tables
// page's "Import from S3" form with its progress bar moving step by step on the (paused)
// simulated clock, the new table; a bad object's error count linked to the log group; the
// table's Export / import tab turning PITR on and exporting to S3, and the files it wrote.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, eventually, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 1000 });
const send = (service, op, input) => page.evaluate(([s, o, i]) => window.gureum.send(s, o, i), [service, op, input]);
const sim = (op, input) => page.evaluate(([op, input]) => window.gureum.sim(op, input), [op, input]);

/** A CSV of `rows` lines (~100 bytes each), base64. */
function csv(rows) {
  const lines = ["id,n,name,note"];
  for (let i = 0; i < rows; i++) lines.push(`user-${String(i).padStart(6, "0")},${i},Name ${i},${"x".repeat(70)}`);
  return Buffer.from(lines.join("\n") + "\n").toString("base64");
}

test("a CSV uploaded to S3 is imported into a new table, with progress", async () => {
  await sim("PauseClock", {});
  await send("s3", "CreateBucket", { Bucket: "imports" });
  await send("s3", "PutObject", { Bucket: "imports", Key: "people/part-1.csv", Body: csv(25000) });
  await page.goto(app.url + "#/tables");
  await page.getByRole("button", { name: "Import from S3" }).click();
  const form = page.getByRole("form", { name: "Import from S3" });
  await form.waitFor();
  await form.getByLabel("Import bucket").fill("imports");
  await form.getByLabel("Import prefix").fill("people/");
  await form.getByLabel("New table name").fill("People");
  await form.getByLabel("Import partition key", { exact: true }).fill("id");
  await form.getByLabel("Import sort key", { exact: true }).fill("n");
  await form.getByLabel("Import sort key type").selectOption("N");
  await shot(page, "transfer-import-form");
  await form.getByRole("button", { name: "Start import" }).click();
  const row = page.getByLabel("Import into People");
  await row.getByText("IN_PROGRESS").waitFor();
  // The first step runs 0.2 s after the request and fetches the object; the next, 10 ms later,
  // reads 256 KiB of its 2.4 MB.
  await sim("AdvanceClock", { seconds: 0.21 });
  const bar = page.getByRole("progressbar", { name: "Import progress of People" });
  const first = Number(await eventually(page, () => {
    const v = document.querySelector('[aria-label="Import progress of People"]')?.getAttribute("aria-valuenow");
    return v && Number(v) > 0 ? v : null;
  }));
  assert.ok(first > 0 && first < 100, `partial progress, got ${first}`);
  assert.equal(await row.getByText("IN_PROGRESS").count(), 1);
  await shot(page, "transfer-import-progress");
  await sim("AdvanceClock", { seconds: 1 });
  await row.getByText("COMPLETED").waitFor({ timeout: 15000 });
  assert.equal(await bar.getAttribute("aria-valuenow"), "100");
  await row.getByText("25000 imported").waitFor();
  await row.getByText("0 errors").waitFor();
  const d = await send("dynamodb", "DescribeTable", { TableName: "People" });
  assert.equal(d.Table.TableStatus, "ACTIVE");
  assert.equal(d.Table.ItemCount, 25000);
  await shot(page, "transfer-import-done");
  await row.getByRole("link", { name: "People", exact: true }).click();
  await page.waitForURL(/#\/tables\/People$/);
});

test("bad records are counted and linked to the log group", async () => {
  const body = Buffer.from("id,n,name\ngood-1,1,ok\nbad,not-a-number,oops\nnever,3,read\n").toString("base64");
  await send("s3", "PutObject", { Bucket: "imports", Key: "bad/one.csv", Body: body });
  const started = await send("dynamodb", "ImportTable", {
    ClientToken: "e2e-bad",
    S3BucketSource: { S3Bucket: "imports", S3KeyPrefix: "bad/" },
    InputFormat: "CSV",
    TableCreationParameters: { TableName: "BadRows", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }, { AttributeName: "n", AttributeType: "N" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }, { AttributeName: "n", KeyType: "RANGE" }], BillingMode: "PAY_PER_REQUEST" },
  });
  assert.equal(started.ImportTableDescription.ImportStatus, "IN_PROGRESS");
  await sim("AdvanceClock", { seconds: 2 });
  await page.goto(app.url + "#/tables");
  const row = page.getByLabel("Import into BadRows");
  await row.getByText("FAILED", { exact: true }).waitFor();
  await row.getByText("ItemValidationError: Some of the items failed validation checks").waitFor();
  await row.getByRole("link", { name: /1 error\(s\)/ }).click();
  await page.waitForURL(/#\/logs\/%2Faws-dynamodb%2Fimports$/);
  const id = started.ImportTableDescription.ImportArn.split("/").pop();
  const events = await send("logs", "GetLogEvents", { logGroupName: "/aws-dynamodb/imports", logStreamName: `${id}/error`, startFromHead: true });
  const message = JSON.parse(events.events[0].message);
  assert.deepEqual(message.itemS3Pointer, { bucket: "imports", key: "bad/one.csv", itemIndex: 1 });
  assert.match(message.errorMessages[0], /Type mismatch for key n expected: N actual: S/);
});

test("the Export / import tab exports the table to S3", async () => {
  await sim("AdvanceClock", { seconds: 60 });
  await page.goto(app.url + "#/tables/People");
  await page.getByRole("tab", { name: "Export / import" }).click();
  await page.getByRole("button", { name: "Enable PITR" }).click();
  await page.getByRole("button", { name: "Export", exact: true }).waitFor();
  await eventually(page, () => !document.querySelector('form[aria-label="Export to S3"] button[type=submit]').disabled);
  await page.getByLabel("Export bucket").fill("imports");
  await page.getByLabel("Export prefix").fill("backups");
  await page.getByRole("button", { name: "Export", exact: true }).click();
  const exports = page.getByRole("table", { name: "Exports" });
  await exports.getByText("IN_PROGRESS").waitFor();
  await shot(page, "transfer-export-running");
  await sim("AdvanceClock", { seconds: 6 });
  await exports.getByText("COMPLETED").waitFor({ timeout: 15000 });
  await exports.getByRole("cell", { name: "25000" }).waitFor();
  const link = exports.getByRole("link", { name: /^s3:\/\/imports\/backups\/AWSDynamoDB\// });
  assert.match(await link.getAttribute("href"), /^#\/s3\/imports$/);
  const listed = await send("s3", "ListObjectsV2", { Bucket: "imports", Prefix: "backups/AWSDynamoDB/" });
  const names = listed.Contents.map((o) => o.Key.split("/").slice(3).join("/")).sort();
  assert.deepEqual(names.filter((n) => !n.startsWith("data/")), ["_started", "manifest-files.json", "manifest-files.md5", "manifest-summary.json", "manifest-summary.md5"]);
  assert.ok(names.filter((n) => n.startsWith("data/") && n.endsWith(".json.gz")).length >= 3, names.join(" "));
  await shot(page, "transfer-export-done");
  assert.deepEqual(app.errors, []);
});
