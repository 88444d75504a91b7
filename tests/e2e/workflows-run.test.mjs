// The Workflows panel's running views, clicked through as a learner would: build a small workflow
// with the palette and the inspector (a Pass, then an SQS task that waits for a callback with
// `.waitForTaskToken`), save it, start an execution with an input, see the graph coloured (the
// Pass succeeded, the task waiting), open a state's input and output after each processing step,
// approve the waiting task on its Approve/Reject card, and see the execution SUCCEEDED with its
// event history. The queue the task sends to is made through the page API (window.gureum), as
// the workflow's prerequisite; everything else goes through the panel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 1400 });

const graph = (label) => page.getByRole("group", { name: label });
const state = (label, name, status = "") => graph(label).locator(`g.node${status}[data-state="${name}"]`);
const edge = (from, to) => graph("Workflow graph").getByRole("button", { name: `Transition from ${from} to ${to}`, exact: true });
const palette = (label) => page.getByRole("complementary", { name: "States palette" }).getByRole("button", { name: label, exact: true });

test("build, run and approve a workflow that waits for a task token", async () => {
  await page.evaluate(() => window.gureum.send("sqs", "CreateQueue", { QueueName: "MyQueue" }));
  await page.goto(app.url + "#/workflows");
  await page.getByRole("heading", { name: "Workflows" }).waitFor();

  // Create a state machine from the blank template: one Pass state, "Hello".
  await page.getByRole("button", { name: "Create state machine" }).click();
  const form = page.getByRole("form", { name: "Create state machine" });
  await form.getByLabel("Name").fill("Approvals");
  await form.getByLabel("Start from").selectOption({ label: "Blank" });
  await form.getByRole("button", { name: "Create" }).click();
  await page.locator(".wf-editor h2", { hasText: "Approvals" }).waitFor();
  await state("Workflow graph", "Hello").waitFor();

  // Hello's Result goes beside the input ($.greeting), not over it.
  const inspector = page.getByRole("complementary", { name: "Inspector" });
  await state("Workflow graph", "Hello").locator("rect.box").click();
  await inspector.getByLabel("ResultPath", { exact: true }).fill("$.greeting");
  await inspector.getByLabel("ResultPath", { exact: true }).press("Tab");
  // After Hello: an SQS SendMessage that waits for a callback; its result goes to $.approval.
  await edge("Hello", "End").click();
  await palette("SQS SendMessage (wait for callback)").click();
  await state("Workflow graph", "SQS wait for callback").waitFor();
  await inspector.getByLabel("ResultPath", { exact: true }).fill("$.approval");
  await inspector.getByLabel("ResultPath", { exact: true }).press("Tab");
  await page.getByText("No problems: the definition is valid.").waitFor();
  await page.locator(".wf-head .badge", { hasText: "Unsaved changes" }).waitFor();
  await page.locator(".wf-head").getByRole("button", { name: "Save" }).click();
  await page.getByText("Approvals updated.").waitFor();
  await page.locator(".wf-head .badge", { hasText: "Unsaved changes" }).waitFor({ state: "detached" });
  await shot(page, "workflows-run-built");

  // Start an execution with an input.
  await page.getByRole("tab", { name: "Executions" }).click();
  await page.getByText("No executions yet: start one with an input.").waitFor();
  await page.getByRole("textbox", { name: "Input (JSON)" }).fill('{"order": "A-17", "amount": 42}');
  await page.getByRole("button", { name: "Start execution" }).click();

  // The task waits for its token: the graph shows Hello succeeded and the task waiting, and
  // the Approve/Reject card carries the token.
  const run = "Execution graph";
  await state(run, "Hello", ".st-succeeded").waitFor();
  await state(run, "SQS wait for callback", ".st-waiting").waitFor();
  await page.locator(".wf-exec-status .badge", { hasText: "RUNNING" }).waitFor();
  const card = page.getByRole("region", { name: "Approval for SQS wait for callback" });
  await card.waitFor();
  assert.match(await card.locator(".token code").innerText(), /^AQB4/);

  // A state's input and output after each processing step.
  await state(run, "Hello").locator("rect.box").click();
  const io = page.getByRole("complementary", { name: "State input and output" });
  await io.getByRole("heading", { name: "Hello" }).waitFor();
  const text = await io.innerText();
  assert.match(text, /State input[\s\S]*"order": "A-17"/);
  assert.match(text, /After InputPath/);
  assert.match(text, /Result[\s\S]*"hello": "world"/);
  assert.match(text, /State output \(after OutputPath\)[\s\S]*"amount": 42[\s\S]*"greeting"/);
  await state(run, "SQS wait for callback").locator("rect.box").click();
  await io.getByRole("heading", { name: "SQS wait for callback" }).waitFor();
  const taskIo = await io.innerText();
  assert.match(taskIo, /After InputPath\s*\{\s*"order": "A-17"/);
  assert.match(taskIo, /After Parameters \(effective input\)[\s\S]*"QueueUrl"[\s\S]*"taskToken": "AQB4/);
  await shot(page, "workflows-run-waiting");

  // The message the task sent carries the same token.
  const body = await page.evaluate(async () => {
    const g = window.gureum;
    const q = await g.send("sqs", "GetQueueUrl", { QueueName: "MyQueue" });
    const r = await g.send("sqs", "ReceiveMessage", { QueueUrl: q.QueueUrl, MaxNumberOfMessages: 1 });
    return JSON.parse(r.Messages[0].Body);
  });
  assert.deepEqual(body.input, { order: "A-17", amount: 42, greeting: { hello: "world" } });
  assert.equal(body.taskToken, await card.locator(".token code").innerText());

  // Approve: SendTaskSuccess with the card's output; the execution goes on and succeeds.
  await card.getByLabel("Output (SendTaskSuccess)").fill('{"approved": true, "by": "kim"}');
  await card.getByRole("button", { name: "Approve" }).click();
  await page.locator(".wf-exec-status .badge", { hasText: "SUCCEEDED" }).waitFor();
  await card.waitFor({ state: "detached" });
  await state(run, "SQS wait for callback", ".st-succeeded").waitFor();
  const output = JSON.parse(await page.locator(".wf-exec-status .exec-output").innerText());
  assert.deepEqual(output, { order: "A-17", amount: 42, greeting: { hello: "world" }, approval: { approved: true, by: "kim" } });

  // The event history, in order.
  const history = page.getByRole("table", { name: "Event history" });
  const types = await history.locator("tbody tr td:nth-child(2)").allInnerTexts();
  assert.deepEqual(types, [
    "ExecutionStarted",
    "PassStateEntered",
    "PassStateExited",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskSubmitted",
    "TaskSucceeded",
    "TaskStateExited",
    "ExecutionSucceeded",
  ]);
  assert.match(await history.innerText(), /approved/);
  // The task's visit: the result from SendTaskSuccess, then placed at $.approval.
  await state(run, "SQS wait for callback").locator("rect.box").click();
  assert.match(await io.innerText(), /Result[\s\S]*"by": "kim"[\s\S]*After ResultPath[\s\S]*"approval"/);
  await shot(page, "workflows-run-succeeded");
  assert.deepEqual(app.errors, []);
});
