// A learner's path through Functions: create from a template, test with a saved event, read the
// result and the logs, break the code, deploy, see the error's line marked, change the timeout,
// watch the metrics, reload and find everything still there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, eventually, shot as screenshot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p));
const errors = app.errors;

const shot = (name) => screenshot(page, name);
const result = () => page.getByLabel("Invoke result");
const notDeployed = () => page.locator(".file-bar .badge", { hasText: "Not deployed" });

async function invoke() {
  await page.getByRole("button", { name: "Invoke", exact: true }).click();
  await page.getByRole("button", { name: "Invoke", exact: true }).waitFor({ state: "visible" });
  await page.locator(".invoke-result .result-title, .invoke-result .error-text").first().waitFor({ timeout: 20000 });
  // Wait until the button is free again (the run is over).
  await page.waitForFunction(() => [...document.querySelectorAll("button")].some((b) => b.textContent === "Invoke" && !b.disabled));
}

test("the empty Functions panel explains what a function is", async () => {
  await page.getByRole("navigation").getByRole("link", { name: "Functions" }).click();
  await page.getByText("No functions in this region yet").waitFor();
  await shot("functions-empty");
});

test("create a function from the hello-world template", async () => {
  await page.getByRole("button", { name: "Create your first function" }).click();
  const form = page.getByRole("form", { name: "Create function" });
  await form.getByLabel("Function name").fill("hello");
  await shot("functions-create-form");
  await form.getByRole("button", { name: "Create function" }).click();
  await page.locator(".function-detail .detail-head .badge", { hasText: "Active" }).waitFor({ timeout: 15000 });
  assert.match(await page.locator(".function-list").innerText(), /hello[\s\S]*Active[\s\S]*nodejs22\.x[\s\S]*128 MB[\s\S]*3 s/);
  // The code editor shows the template, highlighted, with line numbers.
  const code = page.getByLabel("Code of index.mjs");
  assert.match(await code.inputValue(), /export const handler = async \(event, context\)/);
  assert.ok((await page.locator(".code-editor .tk-kw").count()) > 3, "keywords are highlighted");
  assert.ok((await page.locator(".code-editor .gutter .ln").count()) >= 11, "a line number per line");
  await shot("functions-code");
});

test("save a test event, invoke with it, and read the result and the log tail", async () => {
  // The template's example event was saved with the function.
  assert.equal(await page.getByLabel("Saved test event").inputValue(), "example");
  await page.getByLabel("Saved test event").selectOption("");
  await page.getByLabel("Test event name").fill("alice");
  await page.getByLabel("Test event JSON").fill('{"name": "Alice"}');
  await page.getByRole("button", { name: "Save event" }).click();
  await page.locator('select[aria-label="Saved test event"] option', { hasText: "alice" }).waitFor({ state: "attached" });
  await invoke();
  const r = result();
  assert.match(await r.locator(".result-title").innerText(), /Succeeded/);
  assert.match(await r.getByLabel("Response payload").innerText(), /"statusCode": 200[\s\S]*Hello, Alice!/);
  const log = await r.getByLabel("Log output").innerText();
  assert.match(log, /START RequestId: [0-9a-f-]+ Version: \$LATEST/);
  assert.match(log, /INFO\tReceived event: \{"name":"Alice"\}/);
  assert.match(log, /REPORT RequestId:.*Billed Duration: \d+ ms.*Init Duration/);
  assert.match(await r.innerText(), /Cold start[\s\S]*Billed duration[\s\S]*Init duration/i);
  await shot("functions-invoke");
  await invoke();
  assert.match(await result().innerText(), /Warm start/);
  assert.doesNotMatch(await result().innerText(), /Init duration/i);
});

test("edit the code to throw, deploy, invoke: the error's line is marked", async () => {
  const code = page.getByLabel("Code of index.mjs");
  // Tab indents with two spaces; Enter keeps the indentation.
  await code.focus();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Tab");
  await page.keyboard.type("if (x) {");
  await page.keyboard.press("Enter");
  await page.keyboard.type("y");
  assert.ok((await code.inputValue()).endsWith("};\n  if (x) {\n    y"), JSON.stringify(await code.inputValue()));
  await code.fill("export const handler = async (event) => {\n  console.log('about to fail');\n  throw new Error('boom: ' + event.name);\n};\n");
  await notDeployed().waitFor();
  await page.getByRole("button", { name: "Deploy" }).click();
  await notDeployed().waitFor({ state: "detached" });
  await invoke();
  const r = result();
  assert.match(await r.locator(".result-title").innerText(), /Failed: Error/);
  assert.match(await r.innerText(), /FunctionError: Unhandled/);
  assert.match(await r.getByLabel("Response payload").innerText(), /"errorMessage": "boom: Alice"[\s\S]*\/var\/task\/index\.mjs:3/);
  await page.locator('.code-editor .ln.err[data-line="3"]').waitFor();
  assert.match(await page.locator(".line-error").first().innerText(), /^Line 3: Error: boom: Alice/);
  assert.match(await r.getByRole("button", { name: "index.mjs line 3" }).innerText(), /line 3/);
  await shot("functions-error");
});

test("a syntax error is reported at init with its line marked", async () => {
  await page.getByLabel("Code of index.mjs").fill("export const handler = async () => {\n  return (1 +;\n};\n");
  await page.getByRole("button", { name: "Deploy" }).click();
  await notDeployed().waitFor({ state: "detached" });
  await invoke();
  assert.match(await result().locator(".result-title").innerText(), /Failed: Runtime\.UserCodeSyntaxError/);
  await page.locator('.code-editor .ln.err[data-line="2"]').waitFor();
  await shot("functions-syntax-error");
  // Back to working code for the rest.
  await page.getByLabel("Code of index.mjs").fill("export const handler = async (event) => ({ ok: true, name: event.name });\n");
  await page.getByRole("button", { name: "Deploy" }).click();
  await notDeployed().waitFor({ state: "detached" });
  await invoke();
  assert.match(await result().locator(".result-title").innerText(), /Succeeded/);
  assert.equal(await page.locator(".code-editor .ln.err").count(), 0, "a deploy clears the marks");
});

test("change the timeout and an environment variable in Configuration", async () => {
  await page.getByRole("tab", { name: "Configuration" }).click();
  const form = page.getByRole("form", { name: "General configuration" });
  await form.getByLabel("Timeout (seconds)").fill("7");
  await form.getByRole("button", { name: "+ Add variable" }).click();
  await form.getByLabel("Variable 1 name").fill("STAGE");
  await form.getByLabel("Variable 1 value").fill("dev");
  await form.getByRole("button", { name: "Save configuration" }).click();
  await page.locator(".detail-head", { hasText: "7 s timeout" }).waitFor();
  const c = await page.evaluate(() => window.gureum.send("lambda", "GetFunctionConfiguration", { FunctionName: "hello" }));
  assert.equal(c.Timeout, 7);
  assert.deepEqual(c.Environment.Variables, { STAGE: "dev" });
  await page.getByLabel("Reserved concurrency").fill("5");
  await page.getByRole("button", { name: "Save concurrency" }).click();
  await page.getByText("Concurrency saved").waitFor();
  await page.getByLabel("On-failure destination ARN").fill("arn:aws:sqs:us-east-1:123456789012:failed");
  await page.getByRole("button", { name: "Save asynchronous settings" }).click();
  await page.getByText("Asynchronous invocation saved").waitFor();
  const eic = await page.evaluate(() => window.gureum.send("lambda", "GetFunctionEventInvokeConfig", { FunctionName: "hello" }));
  assert.equal(eic.DestinationConfig.OnFailure.Destination, "arn:aws:sqs:us-east-1:123456789012:failed");
  await shot("functions-config");
});

test("publish a version and point an alias at it", async () => {
  await page.getByRole("tab", { name: "Versions & aliases" }).click();
  await page.getByRole("button", { name: "Publish new version" }).click();
  await page.locator(".versions-tab tbody td", { hasText: /^1$/ }).waitFor();
  await page.getByLabel("Alias name").fill("prod");
  await page.getByLabel("Alias version").selectOption("1");
  await page.getByRole("form", { name: "Create alias" }).getByRole("button", { name: "Create alias" }).click();
  await page.locator(".versions-tab td", { hasText: "prod" }).first().waitFor();
  await shot("functions-versions");
});

test("triggers say what is coming; monitoring charts the invocations", async () => {
  await page.getByRole("tab", { name: "Triggers" }).click();
  await page.locator(".triggers-tab").getByText(/Triggers come with event source mappings|No triggers/).waitFor();
  await shot("functions-triggers");
  await page.getByRole("tab", { name: "Monitoring" }).click();
  const inv = page.getByLabel("Invocations chart");
  await inv.locator("rect.bar").first().waitFor();
  assert.match(await inv.locator("figcaption").innerText(), /Invocations · 5 in total/);
  assert.match(await page.getByLabel("Errors chart").locator("figcaption").innerText(), /Errors · 2 in total/);
  assert.ok((await page.getByLabel("Duration chart").locator("rect.bar").count()) >= 1);
  // The configuration change retired the warm environment; one more call starts a new one.
  assert.match(await page.locator(".monitor-tab").innerText(), /No environments: the next invocation will be a cold start/);
  await page.evaluate(() => window.gureum.send("lambda", "Invoke", { FunctionName: "hello", Payload: btoa('{"name":"Bo"}') }));
  await page.locator(".environments tbody tr").first().waitFor();
  await inv.getByText("6 in total").waitFor();
  assert.match(await page.locator(".environments").innerText(), /Warm, idle/);
  await shot("functions-monitor");
  // Ten idle minutes later the environment is reclaimed: the next call is a cold start.
  await page.getByRole("button", { name: "Jump 11 minutes ahead" }).click();
  await page.locator(".environments", { hasText: "Expired (next call is cold)" }).waitFor();
  const out = await page.evaluate(() => window.gureum.send("lambda", "Invoke", { FunctionName: "hello", Payload: btoa("{}"), LogType: "Tail" }));
  assert.match(atob(out.LogResult), /Init Duration/);
});

test("logs: the function's streams and their events", async () => {
  await page.getByRole("tab", { name: "Logs" }).click();
  await page.locator(".stream-list .stream").first().waitFor();
  await page.locator(".log-line", { hasText: "REPORT RequestId" }).first().waitFor();
  await shot("functions-logs");
  await page.getByLabel("Filter pattern").fill("boom");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await page.getByText(/\d+ matching event\(s\) in all streams/).waitFor();
  assert.match(await page.locator(".log-events").innerText(), /boom: Alice/);
  await shot("functions-logs-filter");
});

test("after a reload the function and its test events are still there", async () => {
  await page.reload();
  await page.waitForFunction(() => window.gureum?.status()?.event === "ready");
  await page.locator(".function-list").getByRole("link", { name: "hello", exact: true }).waitFor({ timeout: 10000 });
  await page.locator(".function-detail .detail-head", { hasText: "7 s timeout" }).waitFor();
  const options = await page.locator('select[aria-label="Saved test event"] option').allInnerTexts();
  assert.ok(options.includes("alice") && options.includes("example"), options.join(","));
  assert.match(await page.getByLabel("Code of index.mjs").inputValue(), /ok: true/);
  // A reloaded sandbox starts cold: environments do not survive, as on AWS.
  await page.getByLabel("Saved test event").selectOption("alice");
  await invoke();
  assert.match(await result().innerText(), /Succeeded[\s\S]*Cold start/);
  assert.match(await result().getByLabel("Response payload").innerText(), /"name": "Alice"/);
  assert.deepEqual(errors, []);
});

test("the DynamoDB and callback templates run as they are", async () => {
  for (const [name, template, expect] of [
    ["notes", "DynamoDB with the document client", /"text": "remember the milk"/],
    ["cb", "Callback style (CommonJS)", /"ok": true[\s\S]*"key1": "value1"/],
  ]) {
    await page.getByRole("button", { name: "Create function" }).first().click();
    const form = page.getByRole("form", { name: "Create function" });
    await form.getByLabel("Function name").fill(name);
    await form.getByLabel(template).check();
    if (name === "notes") {
      assert.ok(await form.getByRole("checkbox").isChecked(), "the table is created by default");
      await shot("functions-create-dynamodb");
    }
    await form.getByRole("button", { name: "Create function" }).click();
    await page.locator(".function-detail h2", { hasText: name }).waitFor();
    await page.locator(".function-detail .detail-head .badge", { hasText: "Active" }).waitFor({ timeout: 15000 });
    assert.equal(await page.getByLabel("Saved test event").inputValue(), "example");
    await invoke();
    assert.match(await result().locator(".result-title").innerText(), /Succeeded/, await result().innerText());
    assert.match(await result().getByLabel("Response payload").innerText(), expect);
    if (name === "notes") {
      await shot("functions-dynamodb-invoke");
      const scan = await page.evaluate(() => window.gureum.send("dynamodb", "Scan", { TableName: "Notes" }));
      assert.equal(scan.Items[0].text.S, "remember the milk");
    }
  }
  assert.deepEqual(errors, []);
});

test("an asynchronous invocation is queued, then runs in the background", async () => {
  await page.getByLabel("Invocation type").selectOption("Event");
  await invoke();
  assert.match(await result().locator(".result-title").innerText(), /Queued \(status 202\)/);
  // The queued event runs on a timer of the simulated clock; its logs reach CloudWatch Logs.
  await eventually(page, async () => {
    const m = await window.gureum.sim("lambda:GetFunctionMetrics", { FunctionName: "cb", Minutes: 5 });
    return m.Datapoints.reduce((n, d) => n + d.Invocations, 0) >= 2;
  });
  const logs = await page.evaluate(() => window.gureum.send("logs", "FilterLogEvents", { logGroupName: "/aws/lambda/cb", filterPattern: "REPORT" }));
  assert.equal(logs.events.length, 2);
  await shot("functions-async");
  assert.deepEqual(errors, []);
});

test("a trigger: an SQS queue invokes the function, and can be disabled and removed", async () => {
  await page.evaluate(() => window.gureum.send("sqs", "CreateQueue", { QueueName: "jobs" }));
  await page.getByRole("tab", { name: "Triggers" }).click();
  const source = page.getByLabel("Trigger source");
  await source.locator("option", { hasText: "SQS queue jobs" }).waitFor({ state: "attached", timeout: 10000 });
  await source.selectOption({ label: "SQS queue jobs" });
  await page.getByLabel("Batch size").fill("5");
  await page.getByRole("button", { name: "Add trigger" }).click();
  const row = page.locator(".triggers-tab tbody tr", { hasText: "arn:aws:sqs:us-east-1:123456789012:jobs" });
  await row.waitFor();
  // The function (the callback template) consumes what is sent to the queue.
  const url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs";
  await page.evaluate((QueueUrl) => window.gureum.send("sqs", "SendMessage", { QueueUrl, MessageBody: "job 1" }), url);
  // Poll from node: the mapping starts within a second of simulated time, then the function
  // runs once more and the message is deleted.
  const deadline = Date.now() + 20000;
  let reports = 0;
  let left = null;
  while (Date.now() < deadline) {
    reports = (await page.evaluate(() => window.gureum.send("logs", "FilterLogEvents", { logGroupName: "/aws/lambda/cb", filterPattern: "REPORT" }))).events.length;
    left = (await page.evaluate((QueueUrl) => window.gureum.send("sqs", "GetQueueAttributes", { QueueUrl, AttributeNames: ["All"] }), url)).Attributes;
    if (reports >= 3 && left.ApproximateNumberOfMessages === "0" && left.ApproximateNumberOfMessagesNotVisible === "0") break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(reports, 3, "the queue's message was one more invocation");
  assert.equal(left.ApproximateNumberOfMessages, "0");
  assert.equal(left.ApproximateNumberOfMessagesNotVisible, "0", "and it was deleted after the function succeeded");
  await page.getByRole("tab", { name: "Monitoring" }).click();
  await page.getByRole("tab", { name: "Triggers" }).click();
  await row.getByText("Enabled").waitFor();
  await row.getByText("OK").waitFor();
  await shot("functions-triggers-sqs");
  await row.getByRole("button", { name: "Disable" }).click();
  await row.getByText(/Updating|Disabled/).waitFor();
  await row.getByRole("button", { name: "Delete" }).click();
  await page.locator(".triggers-tab").getByText("No triggers").waitFor();
  assert.deepEqual(errors, []);
});

test("a trigger: a Kinesis data stream invokes the function with its records", async () => {
  await page.evaluate(() => window.gureum.send("kinesis", "CreateStream", { StreamName: "clicks", ShardCount: 1 }));
  // The stream is ACTIVE after a second of simulated time; the Triggers tab lists it.
  await eventually(page, async () => (await window.gureum.send("kinesis", "DescribeStreamSummary", { StreamName: "clicks" })).StreamDescriptionSummary.StreamStatus === "ACTIVE");
  await page.getByRole("tab", { name: "Monitoring" }).click();
  await page.getByRole("tab", { name: "Triggers" }).click();
  const source = page.getByLabel("Trigger source");
  await source.locator("option", { hasText: "Kinesis stream clicks" }).waitFor({ state: "attached", timeout: 10000 });
  await source.selectOption({ label: "Kinesis stream clicks" });
  await page.getByLabel("Starting position").selectOption("TRIM_HORIZON");
  await page.getByRole("button", { name: "Add trigger" }).click();
  const row = page.locator(".triggers-tab tbody tr", { hasText: "arn:aws:kinesis:us-east-1:123456789012:stream/clicks" });
  await row.waitFor();
  // The form still shows the source the trigger was made from after the list reloads.
  assert.equal(await source.inputValue(), "arn:aws:kinesis:us-east-1:123456789012:stream/clicks");
  assert.equal(await source.locator("option:checked").innerText(), "Kinesis stream clicks");
  const before = (await page.evaluate(() => window.gureum.send("logs", "FilterLogEvents", { logGroupName: "/aws/lambda/cb", filterPattern: "REPORT" }))).events.length;
  await page.evaluate(() => window.gureum.send("kinesis", "PutRecord", { StreamName: "clicks", PartitionKey: "u1", Data: btoa(JSON.stringify({ page: "/home" })) }));
  // One more invocation (the batch with the record), and the mapping reports it went well.
  await eventually(page, async (n) => {
    const r = await window.gureum.send("logs", "FilterLogEvents", { logGroupName: "/aws/lambda/cb", filterPattern: "REPORT" });
    return r.events.length > n;
  }, before, { timeout: 20000 });
  await page.getByRole("tab", { name: "Monitoring" }).click();
  await page.getByRole("tab", { name: "Triggers" }).click();
  await row.getByText("OK").waitFor();
  await shot("functions-triggers-kinesis");
  await row.getByRole("button", { name: "Delete" }).click();
  await page.locator(".triggers-tab").getByText("No triggers").waitFor();
  assert.deepEqual(errors, []);
});

test("a trigger on an enhanced fan-out consumer reads through its subscription", async () => {
  const consumer = await page.evaluate(() => window.gureum.send("kinesis", "RegisterStreamConsumer", { StreamARN: "arn:aws:kinesis:us-east-1:123456789012:stream/clicks", ConsumerName: "fast" }));
  const arn = consumer.Consumer.ConsumerARN;
  await page.evaluate(() => window.gureum.sim("AdvanceClock", { seconds: 10 }));
  await page.getByRole("tab", { name: "Monitoring" }).click();
  await page.getByRole("tab", { name: "Triggers" }).click();
  const source = page.getByLabel("Trigger source");
  const label = "Kinesis stream clicks, enhanced fan-out consumer fast";
  await source.locator("option", { hasText: label }).waitFor({ state: "attached", timeout: 10000 });
  await source.selectOption({ label });
  await page.getByLabel("Starting position").selectOption("TRIM_HORIZON");
  await page.getByRole("button", { name: "Add trigger" }).click();
  const row = page.locator(".triggers-tab tbody tr", { hasText: arn });
  await row.waitFor();
  const before = (await page.evaluate(() => window.gureum.send("logs", "FilterLogEvents", { logGroupName: "/aws/lambda/cb", filterPattern: "REPORT" }))).events.length;
  await page.evaluate(() => window.gureum.sim("AdvanceClock", { seconds: 2 }));
  await page.evaluate(() => window.gureum.send("kinesis", "PutRecord", { StreamName: "clicks", PartitionKey: "u2", Data: btoa(JSON.stringify({ page: "/fast" })) }));
  await eventually(page, async (n) => {
    const r = await window.gureum.send("logs", "FilterLogEvents", { logGroupName: "/aws/lambda/cb", filterPattern: "REPORT" });
    return r.events.length > n;
  }, before, { timeout: 20000 });
  // The mapping holds the consumer's subscription: another reader is refused for now.
  const taken = await page.evaluate((c) => window.gureum.send("kinesis", "SubscribeToShard", { ConsumerARN: c, ShardId: "shardId-000000000000", StartingPosition: { Type: "LATEST" } }).then(() => "subscribed", (e) => e.__type), arn);
  assert.match(taken, /ResourceInUseException/);
  await page.getByRole("tab", { name: "Monitoring" }).click();
  await page.getByRole("tab", { name: "Triggers" }).click();
  await row.getByText("OK").waitFor();
  await shot("functions-triggers-efo");
  await row.getByRole("button", { name: "Delete" }).click();
  await page.locator(".triggers-tab").getByText("No triggers").waitFor();
  assert.deepEqual(errors, []);
});
