// The welcome-email flow, clicked through as a learner does: a Users table with a stream, the
// sender (and the first user's address) verified in the Inbox, a function from the welcome
// template with the table's stream as its trigger, a user item put in the table, and the
// welcome email read in the Inbox.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, shot as screenshot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p));
const errors = app.errors;

const shot = (name) => screenshot(page, name);
const nav = (name) => page.getByRole("navigation", { name: "Services" }).getByRole("link", { name });

test("create a Users table with a NEW_IMAGE stream", async () => {
  await nav("Tables").click();
  await page.getByRole("button", { name: "Create your first table" }).click();
  const form = page.getByRole("form", { name: "Create table" });
  await form.getByLabel("Table name").fill("Users");
  await form.getByLabel("Partition key", { exact: true }).fill("id");
  await form.locator("#ct-stream").selectOption("NEW_IMAGE");
  await form.getByRole("button", { name: "Create table" }).click();
  await page.getByRole("button", { name: "Add item" }).waitFor({ timeout: 15000 });
  const d = await page.evaluate(() => window.gureum.send("dynamodb", "DescribeTable", { TableName: "Users" }));
  assert.deepEqual(d.Table.StreamSpecification, { StreamEnabled: true, StreamViewType: "NEW_IMAGE" });
});

async function verifyInInbox(address) {
  await page.getByLabel("New identity").fill(address);
  await page.getByRole("button", { name: "Create identity" }).click();
  const row = page.locator(".identity-list tr", { hasText: address });
  await row.getByText("PENDING").waitFor();
  await row.getByRole("button", { name: "Open the verification email" }).click();
  await page.locator(".message-row", { hasText: "Email Address Verification Request" }).first().click();
  await page.getByRole("button", { name: "Verify this address" }).click();
  await page.locator(".verify-box .badge.ok").waitFor();
  await row.getByText("SUCCESS").waitFor();
}

test("an empty Inbox explains the SES sandbox; verify the sender and the first user", async () => {
  await nav("Inbox").click();
  await page.getByText("No mail yet.").waitFor();
  assert.match(await page.locator(".identities").innerText(), /SES sandbox[\s\S]*0 of 200 messages sent in the last 24 hours/);
  await shot("inbox-empty");
  await verifyInInbox("welcome@example.com");
  await shot("inbox-verification");
  await verifyInInbox("ada@example.com");
  const ids = await page.evaluate(() => window.gureum.send("email", "ListEmailIdentities", {}));
  assert.deepEqual(ids.EmailIdentities.map((i) => [i.IdentityName, i.VerificationStatus]), [["ada@example.com", "SUCCESS"], ["welcome@example.com", "SUCCESS"]]);
});

test("create the welcome function and add the table's stream as its trigger", async () => {
  await nav("Functions").click();
  await page.getByRole("button", { name: "Create your first function" }).click();
  const form = page.getByRole("form", { name: "Create function" });
  await form.getByLabel("Function name").fill("welcome");
  await form.getByText("Welcome email (DynamoDB stream → SES)").click();
  await form.getByRole("button", { name: "Create function" }).click();
  await page.locator(".function-detail .detail-head .badge", { hasText: "Active" }).waitFor({ timeout: 15000 });
  assert.match(await page.getByLabel("Code of index.mjs").inputValue(), /@aws-sdk\/client-sesv2/);
  const cfg = await page.evaluate(() => window.gureum.send("lambda", "GetFunctionConfiguration", { FunctionName: "welcome" }));
  assert.deepEqual(cfg.Environment.Variables, { SENDER: "welcome@example.com" });
  await page.getByRole("tab", { name: "Triggers" }).click();
  const source = page.getByLabel("Trigger source");
  await source.locator("option", { hasText: "DynamoDB stream of Users" }).waitFor({ state: "attached", timeout: 10000 });
  const label = await source.locator("option", { hasText: "DynamoDB stream of Users" }).innerText();
  await source.selectOption({ label });
  await page.getByRole("button", { name: "Add trigger" }).click();
  const row = page.locator(".triggers-tab tbody tr", { hasText: "stream/" });
  await row.waitFor();
  // LATEST starts where the stream is when the poller starts: wait until it runs (a second of
  // simulated time) before adding users.
  const deadline = Date.now() + 15000;
  let state;
  while (Date.now() < deadline) {
    state = await page.evaluate(async () => (await window.gureum.send("lambda", "ListEventSourceMappings", { FunctionName: "welcome" })).EventSourceMappings[0]?.State);
    if (state === "Enabled") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(state, "Enabled");
});

test("put a user item: the welcome email arrives in the Inbox", async () => {
  await nav("Tables").click();
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByRole("button", { name: "Add item" }).click();
  await page.getByRole("button", { name: "JSON" }).click();
  await page.getByLabel("Item JSON").fill(JSON.stringify({ id: "u1", name: "Ada", email: "ada@example.com" }));
  await page.getByRole("button", { name: "Save item" }).click();
  await page.getByRole("button", { name: "Add item" }).waitFor();
  await nav("Inbox").click();
  await page.locator(".mailbox", { hasText: "ada@example.com" }).click();
  const mail = page.locator(".message-row", { hasText: "Welcome, Ada!" });
  await mail.waitFor({ timeout: 30000 }).catch(async (e) => {
    const diag = await page.evaluate(async () => ({
      mappings: await window.gureum.send("lambda", "ListEventSourceMappings", { FunctionName: "welcome" }),
      logs: await window.gureum.send("logs", "FilterLogEvents", { logGroupName: "/aws/lambda/welcome" }).catch((x) => x),
      clock: await window.gureum.sim("GetClock", {}),
    }));
    throw new Error(e.message + "\n" + JSON.stringify(diag, null, 1));
  });
  assert.match(await mail.getAttribute("class"), /unread/);
  await mail.click();
  const view = page.getByRole("article", { name: "Message" });
  await view.getByRole("heading", { name: "Welcome, Ada!" }).waitFor();
  const meta = await view.locator(".message-meta").innerText();
  assert.match(meta, /From\s+welcome@example\.com/);
  assert.match(meta, /To\s+ada@example\.com/);
  assert.match(meta, /SendEmail from the Lambda function welcome · authorised by the verified identity welcome@example\.com/);
  assert.match(await view.locator(".text-part").innerText(), /Hi Ada,\s+thanks for signing up/);
  // The HTML part is rendered in a sandboxed frame: no scripts.
  const frame = view.locator("iframe.html-part");
  assert.equal(await frame.getAttribute("sandbox"), "");
  const h1 = await page.frameLocator("iframe.html-part").locator("h1").innerText();
  assert.equal(h1, "Welcome, Ada!");
  await page.locator(".message-row.on:not(.unread)", { hasText: "Welcome, Ada!" }).waitFor();
  await shot("inbox-welcome");
  const account = await page.evaluate(() => window.gureum.send("email", "GetAccount", {}));
  assert.equal(account.SendQuota.SentLast24Hours, 1);
  assert.deepEqual(errors, []);
});

test("an unverified address: the function fails with MessageRejected, and the Inbox stays empty for it", async () => {
  await page.evaluate(() => window.gureum.send("dynamodb", "PutItem", { TableName: "Users", Item: { id: { S: "u2" }, name: { S: "Grace" }, email: { S: "grace@example.org" } } }));
  const deadline = Date.now() + 20000;
  let rejected = [];
  while (Date.now() < deadline) {
    const logs = await page.evaluate(() => window.gureum.send("logs", "FilterLogEvents", { logGroupName: "/aws/lambda/welcome" }));
    rejected = logs.events.filter((e) => e.message.includes("MessageRejected"));
    if (rejected.length) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(rejected.length > 0, "the function's log shows MessageRejected");
  assert.match(rejected[0].message, /failed the check in region US-EAST-1: grace@example\.org/);
  const box = await page.evaluate(() => window.gureum.sim("ses:ListInboxMessages", { Mailbox: "grace@example.org" }));
  assert.deepEqual(box.Messages, []);
  // Delete the welcome email from the Inbox.
  await page.getByRole("article", { name: "Message" }).getByRole("button", { name: "Delete" }).click();
  await page.getByText("Choose a message to read it.").waitFor();
  assert.deepEqual(errors, []);
});
