// The stream viewers: a table's Stream tab shows INSERT / MODIFY / REMOVE records live, with the
// images' diff, as items change in the Items tab; the Kinesis panel creates a stream, puts
// records with two partition keys and shows them on the shards their MD5 picks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appSession, eventually, shot as screenshot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 900 });
const errors = app.errors;
const shot = (name) => screenshot(page, name);
const send = (service, op, input) => page.evaluate(([s, op, input]) => window.gureum.send(s, op, input), [service, op, input]);

async function editItemAsJson(json) {
  await page.getByRole("button", { name: "JSON" }).click();
  await page.getByLabel("Item JSON").fill(JSON.stringify(json));
  await page.getByRole("button", { name: "Save item" }).click();
  await page.getByLabel("Item JSON").waitFor({ state: "detached" });
}

test("a table's Stream tab shows INSERT, MODIFY and REMOVE as the Items tab changes them", async () => {
  await send("dynamodb", "CreateTable", {
    TableName: "Orders", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "OrderId", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "OrderId", KeyType: "HASH" }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
  });
  await eventually(page, async () => (await window.gureum.send("dynamodb", "DescribeTable", { TableName: "Orders" })).Table.TableStatus === "ACTIVE");
  await page.goto(app.url + "#/tables/Orders");
  await page.getByRole("tab", { name: "Stream" }).click();
  const settings = page.getByLabel("Stream settings");
  await settings.locator(".badge", { hasText: "ENABLED" }).waitFor();
  const arn = (await send("dynamodb", "DescribeTable", { TableName: "Orders" })).Table.LatestStreamArn;
  assert.ok((await settings.innerText()).includes(arn), "the stream ARN is shown");
  await page.getByText("No records yet").waitFor();

  // Enabling an enabled stream: DynamoDB's error, as it comes.
  await settings.getByRole("button", { name: "Enable stream" }).click();
  await page.locator(".notice.error", { hasText: "Table already has an enabled stream: TableName: Orders" }).waitFor();
  await page.locator(".notice.error .notice-close").click();

  // Put, update and delete an item in the Items tab.
  await page.getByRole("tab", { name: "Items" }).click();
  await page.getByRole("button", { name: "Add item" }).click();
  await editItemAsJson({ OrderId: "o-1", Status: "new", Total: 12 });
  const row = page.locator(".items-grid tbody tr", { hasText: "o-1" });
  await row.waitFor();
  await row.getByRole("button", { name: "Edit" }).click();
  await editItemAsJson({ OrderId: "o-1", Status: "shipped", Total: 12, Carrier: "UPS" });
  await row.locator("td", { hasText: "UPS" }).waitFor();
  await row.getByRole("button", { name: "Delete item" }).click();
  await row.waitFor({ state: "detached" });

  await page.getByRole("tab", { name: "Stream" }).click();
  const records = page.locator(".record-list > li");
  await eventually(page, () => document.querySelectorAll(".record-list > li").length === 3);
  // Newest at the top.
  assert.deepEqual(await records.locator(".record-head .event").allInnerTexts(), ["REMOVE", "MODIFY", "INSERT"]);
  const modify = page.locator(".record.modify");
  assert.match(await modify.locator(".record-head .keys").innerText(), /OrderId = "o-1"/);
  const diffRow = (name) => modify.locator("table.diff tbody tr", { has: page.locator("td.attr", { hasText: name }) });
  assert.match(await diffRow("Status").getAttribute("class"), /changed/);
  assert.match(await diffRow("Status").innerText(), /new\s+S\s*shipped/);
  assert.match(await diffRow("Carrier").getAttribute("class"), /added/);
  assert.match(await diffRow("Total").getAttribute("class"), /same/);
  assert.match(await modify.locator(".record-meta").innerText(), /NEW_AND_OLD_IMAGES/);
  assert.match(await page.locator(".record.insert table.diff tbody tr").first().getAttribute("class"), /added/);
  assert.match(await page.locator(".record.remove table.diff tbody tr").first().getAttribute("class"), /removed/);
  await shot("stream-records");

  // Filter by event name, and open a record's JSON.
  await page.getByRole("group", { name: "Filter by event name" }).getByRole("button", { name: "MODIFY 1" }).click();
  assert.equal(await records.count(), 1);
  await modify.locator(".record-head").click();
  const raw = JSON.parse(await modify.locator(".record-json").innerText());
  assert.equal(raw.eventName, "MODIFY");
  assert.equal(raw.dynamodb.OldImage.Status.S, "new");
  assert.equal(raw.dynamodb.NewImage.Carrier.S, "UPS");
  await shot("stream-record-json");
  await page.getByRole("group", { name: "Filter by event name" }).getByRole("button", { name: "All 3" }).click();

  // From TRIM_HORIZON: the same three, read again from the oldest.
  await page.getByRole("button", { name: "Load from TRIM_HORIZON" }).click();
  await page.getByText("from TRIM_HORIZON (the oldest record kept)").waitFor();
  await eventually(page, () => document.querySelectorAll(".record-list > li").length === 3);
});

test("the Stream tab lists the Lambda functions the stream triggers", async () => {
  await page.getByRole("navigation").getByRole("link", { name: "Functions" }).click();
  await page.getByRole("button", { name: "Create your first function" }).click();
  const form = page.getByRole("form", { name: "Create function" });
  await form.getByLabel("Function name").fill("on-order");
  await form.getByRole("button", { name: "Create function" }).click();
  await page.locator(".function-detail .detail-head .badge", { hasText: "Active" }).waitFor({ timeout: 15000 });
  const arn = (await send("dynamodb", "DescribeTable", { TableName: "Orders" })).Table.LatestStreamArn;
  await send("lambda", "CreateEventSourceMapping", { FunctionName: "on-order", EventSourceArn: arn, StartingPosition: "LATEST" });
  await page.goto(app.url + "#/tables/Orders");
  await page.getByRole("tab", { name: "Stream" }).click();
  const link = page.locator(".trigger-list a", { hasText: "on-order" });
  await link.waitFor();
  assert.equal(await link.getAttribute("href"), "#/functions/on-order");
  await shot("stream-triggers");
});

/** The shard (0 or 1 of two) MD5 puts a partition key on. */
const shardOf = (key) => (BigInt("0x" + createHash("md5").update(key).digest("hex")) < 2n ** 127n ? 0 : 1);

test("Kinesis: create a stream, put records with two partition keys, see them on their shards", async () => {
  await page.getByRole("navigation").getByRole("link", { name: "Kinesis" }).click();
  await page.getByText("No data streams in this region yet").waitFor();
  await page.getByRole("button", { name: "Create stream" }).first().click();
  const form = page.getByRole("form", { name: "Create stream" });
  await form.getByLabel("Stream name").fill("clicks");
  await form.getByLabel("Provisioned").check();
  await form.getByLabel("Shards", { exact: true }).fill("2");
  await form.getByRole("button", { name: "Create stream" }).click();
  const detail = page.locator(".stream-detail");
  await detail.locator(".detail-head .badge", { hasText: "ACTIVE" }).waitFor();
  assert.match(await page.locator(".kinesis-stream-list").innerText(), /clicks[\s\S]*ACTIVE[\s\S]*Provisioned[\s\S]*2[\s\S]*24 h/);
  assert.equal(await detail.locator(".shard-table tbody tr").count(), 2);
  await page.getByText("No records yet. Put one above").waitFor();

  const keys = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
  const a = keys.find((k) => shardOf(k) === 0);
  const b = keys.find((k) => shardOf(k) === 1);
  const put = page.getByRole("form", { name: "Put record" });
  for (const [key, n] of [[a, 1], [b, 2], [a, 3]]) {
    await put.getByLabel("Partition key").fill(key);
    await put.getByLabel(/^Data/).fill(JSON.stringify({ n, user: key }));
    await put.getByRole("button", { name: "Put record" }).click();
    const expected = `shardId-00000000000${shardOf(key)}`;
    await page.getByLabel("Last put").locator("strong", { hasText: expected }).waitFor();
    const md5 = createHash("md5").update(key).digest("hex");
    assert.ok((await page.getByLabel("Last put").innerText()).includes(`MD5("${key}") = ${md5}`));
  }
  await eventually(page, () => document.querySelectorAll(".kinesis-record-grid tbody tr").length === 3);
  const rows = page.locator(".kinesis-record-grid tbody tr");
  for (let i = 0; i < 3; i++) {
    const text = await rows.nth(i).innerText();
    const key = text.includes(a) ? a : b;
    assert.ok(text.includes(`shardId-00000000000${shardOf(key)}`), `row ${i} on its key's shard: ${text}`);
    assert.match(text, /JSON/);
  }
  // Newest first: the third put is on top.
  assert.match(await rows.first().innerText(), /"n":3/);
  await shot("kinesis-records");

  // One shard only.
  await page.getByLabel("Shard", { exact: true }).selectOption(`shardId-00000000000${shardOf(b)}`);
  assert.equal(await rows.count(), 1);
  await page.getByLabel("Shard", { exact: true }).selectOption("");

  // Retention, and an enhanced fan-out consumer.
  await page.getByLabel("Retention hours").fill("48");
  await page.getByRole("button", { name: "Save retention" }).click();
  await page.locator(".kinesis-stream-list", { hasText: "48 h" }).waitFor();
  await page.getByLabel("Retention hours").fill("12");
  await page.getByRole("button", { name: "Save retention" }).click();
  await page.locator(".notice.error", { hasText: "Minimum allowed retention period is 24 hours" }).waitFor();
  await page.locator(".notice.error .notice-close").click();
  await page.getByLabel("Consumer name").fill("analytics");
  await page.getByRole("button", { name: "Register consumer" }).click();
  await page.locator(".consumer-list .badge", { hasText: "ACTIVE" }).waitFor();
  await shot("kinesis-stream");
  await page.locator(".consumer-list").getByRole("button", { name: "Deregister" }).click();
  await page.getByText("No consumers registered.").waitFor();
  assert.deepEqual(errors, []);
});
