// The Logs panel: create a group and a stream, put events, read them, search the group with a
// term, a JSON pattern and a space-delimited pattern, see a bad pattern's error, set retention;
// and a Lambda invocation's logs under /aws/lambda/{name}.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deflateRawSync } from "node:zlib";
import { appSession, eventually, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 1000 });

/** CRC-32 (the zip one). */
function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A zip with one deflated file, as base64 (Lambda's Code.ZipFile). */
function zipOne(name, text) {
  const data = Buffer.from(text), packed = deflateRawSync(data), fname = Buffer.from(name), crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14); local.writeUInt32LE(packed.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(fname.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16); central.writeUInt32LE(packed.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(fname.length, 28);
  const cdOffset = local.length + fname.length + packed.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fname.length, 12); end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, fname, packed, central, fname, end]).toString("base64");
}

const matching = () => page.getByRole("log", { name: "Matching events" });
const search = async (pattern) => {
  await page.getByLabel("Filter pattern", { exact: true }).fill(pattern);
  await page.getByRole("button", { name: "Search", exact: true }).click();
};

test("create a group and a stream, put events and read them", async () => {
  await page.goto(app.url + "#/logs");
  await page.getByText("No log groups in this region yet").waitFor();
  await page.getByLabel("New log group name").fill("app-logs");
  await page.getByRole("button", { name: "Create log group" }).click();
  await page.waitForURL(/#\/logs\/app-logs$/);
  await page.getByRole("link", { name: "app-logs" }).waitFor();
  await page.getByLabel("New log stream name").fill("web-1");
  await page.getByRole("button", { name: "Create stream" }).click();
  await page.getByRole("form", { name: "Put log events" }).waitFor();
  await page.getByLabel("Event messages").fill(['user signed in', 'ERROR disk full', '{"level": "error", "msg": "db down"}', '{"level": "info", "msg": "ok"}', '10.0.0.1 bob 503 1200', '10.0.0.2 ann 200 80'].join("\n"));
  await page.getByRole("button", { name: "Put events", exact: true }).click();
  const log = page.getByRole("log", { name: "Stream events" });
  await log.getByText("10.0.0.2 ann 200 80").waitFor();
  const lines = await log.locator(".log-line .msg").allTextContents();
  assert.deepEqual(lines, ['user signed in', 'ERROR disk full', '{"level": "error", "msg": "db down"}', '{"level": "info", "msg": "ok"}', '10.0.0.1 bob 503 1200', '10.0.0.2 ann 200 80'], "oldest first, newest at the bottom");
  // The timestamp is the simulated UTC date and time.
  assert.match(await log.locator(".log-line time").first().textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
  // A JSON message opens pretty on click.
  await log.getByText('{"level": "error", "msg": "db down"}').click();
  await log.getByText(/"level": "error",\n\s+"msg": "db down"/).waitFor();
  // The stream list shows its last event.
  await page.getByRole("list", { name: "Log streams" }).getByText(/last event \d{4}-/).waitFor();
  await shot(page, "logs-stream");
  const groups = await page.evaluate(() => window.gureum.send("logs", "DescribeLogGroups", {}));
  assert.ok(groups.logGroups.find((g) => g.logGroupName === "app-logs").storedBytes > 0);
});

test("search the group: a term, a JSON pattern, a space-delimited pattern, a bad pattern", async () => {
  await page.getByRole("tab", { name: "Search the group" }).click();
  await search("ERROR");
  await matching().waitFor();
  assert.deepEqual(await matching().locator(".msg").allTextContents(), ["ERROR disk full"]);
  assert.equal(await matching().locator(".log-stream").first().textContent(), "web-1");
  await search('{ $.level = "error" }');
  await eventually(page, () => [...document.querySelectorAll('[aria-label="Matching events"] .msg')].map((e) => e.textContent).join("|") === '{"level": "error", "msg": "db down"}');
  await search("[ip, user, status=5*, size]");
  await eventually(page, () => [...document.querySelectorAll('[aria-label="Matching events"] .msg')].map((e) => e.textContent).join("|") === "10.0.0.1 bob 503 1200");
  // An example from the help fills the box.
  await page.getByText("Filter pattern syntax").click();
  await page.getByRole("button", { name: "?ERROR ?WARN" }).click();
  assert.equal(await page.getByLabel("Filter pattern", { exact: true }).inputValue(), "?ERROR ?WARN");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await eventually(page, () => document.querySelectorAll('[aria-label="Matching events"] .msg').length === 1);
  // A stream prefix that matches nothing.
  await page.getByLabel("Stream name prefix").fill("api-");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByText("No matching events.").waitFor();
  await page.getByLabel("Stream name prefix").fill("");
  // A time range after every event.
  await page.getByLabel("Start time").fill("2999-01-01 00:00:00");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByText("No matching events.").waitFor();
  await page.getByLabel("Start time").fill("");
  await search('{ $.level = }');
  const alert = page.getByRole("alert").filter({ hasText: "InvalidParameterException" });
  await alert.waitFor();
  await shot(page, "logs-bad-pattern");
  await search('{ $.level = "error" }');
  await matching().waitFor();
  await shot(page, "logs-search");
});

test("retention", async () => {
  await page.getByLabel("Retention").selectOption("30");
  await eventually(page, async () => (await window.gureum.send("logs", "DescribeLogGroups", { logGroupNamePrefix: "app-logs" })).logGroups[0].retentionInDays === 30);
  await page.getByRole("table", { name: "Log groups" }).getByText("30 days").waitFor();
  await page.getByLabel("Retention").selectOption("");
  await eventually(page, async () => (await window.gureum.send("logs", "DescribeLogGroups", { logGroupNamePrefix: "app-logs" })).logGroups[0].retentionInDays === undefined);
  await page.getByRole("table", { name: "Log groups" }).getByText("Never expire").waitFor();
});

test("a stream's older events load above", async () => {
  await page.evaluate(async () => {
    const [first] = (await window.gureum.send("logs", "GetLogEvents", { logGroupName: "app-logs", logStreamName: "web-1", startFromHead: true, limit: 1 })).events;
    await window.gureum.send("logs", "CreateLogStream", { logGroupName: "app-logs", logStreamName: "bulk" });
    const logEvents = Array.from({ length: 60 }, (_, i) => ({ timestamp: first.timestamp + i, message: `event ${i}` }));
    await window.gureum.send("logs", "PutLogEvents", { logGroupName: "app-logs", logStreamName: "bulk", logEvents });
  });
  await page.getByRole("tab", { name: "Streams and events" }).click();
  await page.getByRole("list", { name: "Log streams" }).getByRole("button", { name: /^bulk/ }).click();
  const log = page.getByRole("log", { name: "Stream events" });
  await log.getByText("event 59", { exact: true }).waitFor();
  assert.equal(await log.locator(".log-line").count(), 50, "the newest 50 first");
  assert.equal(await log.locator(".msg").first().textContent(), "event 10");
  await page.getByRole("button", { name: "Load older" }).click();
  await log.getByText("event 0", { exact: true }).waitFor();
  assert.equal(await log.locator(".log-line").count(), 60);
  assert.equal(await log.locator(".msg").last().textContent(), "event 59", "newest still at the bottom");
});

test("a Lambda invocation's logs appear under /aws/lambda/{name}", async () => {
  const zip = zipOne("index.mjs", 'export const handler = async (event) => { console.log("hello from", event.who); return { ok: true }; };');
  await page.evaluate((zip) => window.gureum.send("lambda", "CreateFunction", {
    FunctionName: "logdemo", Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/lambda-role", Handler: "index.handler", Code: { ZipFile: zip },
  }), zip);
  await eventually(page, async () => (await window.gureum.send("lambda", "GetFunction", { FunctionName: "logdemo" })).Configuration.State === "Active", null, { timeout: 20000 });
  await page.evaluate(() => window.gureum.send("lambda", "Invoke", { FunctionName: "logdemo", Payload: btoa('{"who":"the e2e test"}') }));
  await page.goto(app.url + "#/logs");
  await page.getByLabel("Log group name prefix").fill("/aws/lambda/");
  await page.getByRole("link", { name: "/aws/lambda/logdemo" }).click();
  await page.waitForURL(/#\/logs\/%2Faws%2Flambda%2Flogdemo$/);
  await page.getByRole("list", { name: "Log streams" }).getByRole("button").first().click();
  const log = page.getByRole("log", { name: "Stream events" });
  await log.getByText(/hello from the e2e test/).waitFor();
  await log.getByText(/^START RequestId/).waitFor();
  await log.getByText(/^REPORT RequestId/).waitFor();
  await shot(page, "logs-lambda");
});

test("pages of groups, and delete", async () => {
  await page.evaluate(async () => { for (let i = 0; i < 12; i++) await window.gureum.send("logs", "CreateLogGroup", { logGroupName: `batch/g${String(i).padStart(2, "0")}` }); });
  await page.goto(app.url + "#/logs");
  await page.getByLabel("Log group name prefix").fill("batch/");
  const table = page.getByRole("table", { name: "Log groups" });
  await table.getByRole("link", { name: "batch/g09" }).waitFor();
  assert.equal(await table.getByRole("link").count(), 10);
  await page.getByRole("button", { name: "Next →" }).click();
  await table.getByRole("link", { name: "batch/g11" }).waitFor();
  assert.equal(await table.getByRole("link").count(), 2);
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete batch/g11" }).click();
  await table.getByRole("link", { name: "batch/g11" }).waitFor({ state: "detached" });
  await page.getByRole("button", { name: "← Previous" }).click();
  await table.getByRole("link", { name: "batch/g00" }).waitFor();
  assert.deepEqual(app.errors, []);
});
