// The Workflows panel's editor: build a small workflow with the palette (a click on a selected
// arrow, and a drag onto an arrow) and the inspector, see the ASL JSON follow, break it (a bad
// ResultPath in the inspector, a Next to nowhere and invalid JSON in the code view) and see the
// problems on the graph; a template's states all drawn, nested ones included.
// Running (StartExecution, the coloured graph, a state's input and output, Approve) is
// workflows-run.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 1100 });

const graph = () => page.getByRole("group", { name: "Workflow graph" });
const state = (name) => graph().locator(`g.node[data-state="${name}"]`);
const edge = (from, to) => graph().getByRole("button", { name: `Transition from ${from} to ${to}`, exact: true });
const palette = (label) => page.getByRole("complementary", { name: "States palette" }).getByRole("button", { name: label, exact: true });

async function definition() {
  await page.getByRole("tab", { name: "Code" }).click();
  const text = await page.getByLabel("ASL definition").inputValue();
  await page.getByRole("tab", { name: "Design" }).click();
  return JSON.parse(text);
}

/** Closes the editor: a draft is discarded, a saved state machine deleted. */
async function close() {
  await page.locator(".wf-head").getByRole("button", { name: /^(Discard draft|Delete)$/ }).click();
  await page.locator(".wf-editor").waitFor({ state: "detached" });
}

async function create(name, template) {
  await page.getByRole("button", { name: "Create state machine" }).click();
  const form = page.getByRole("form", { name: "Create state machine" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Start from").selectOption({ label: template });
  await form.getByRole("button", { name: "Create" }).click();
  await page.locator(".wf-editor h2", { hasText: name }).waitFor();
}

test("build a workflow with the palette and the inspector; the JSON follows", async () => {
  await page.goto(app.url + "#/workflows");
  await page.getByRole("heading", { name: "Workflows" }).waitFor();
  await create("Greeter", "Blank");
  await state("Hello").waitFor();
  await shot(page, "workflows-blank");

  // Keyboard-friendly insert: select the arrow into End, click a palette item.
  await edge("Hello", "End").click();
  await palette("Wait").click();
  await state("Wait").waitFor();
  let def = await definition();
  assert.equal(def.States.Hello.Next, "Wait");
  assert.deepEqual(def.States.Wait, { Type: "Wait", Seconds: 5, End: true });

  // Drag a Lambda Invoke onto the arrow from Start.
  await palette("Lambda Invoke").dragTo(edge("Start", "Hello"));
  await state("Lambda Invoke").waitFor();
  def = await definition();
  assert.equal(def.StartAt, "Lambda Invoke");
  assert.equal(def.States["Lambda Invoke"].Next, "Hello");
  assert.equal(def.States["Lambda Invoke"].Resource, "arn:aws:states:::lambda:invoke");

  // The inspector: the selected (new) state's fields; rename the Wait and set its seconds.
  const inspector = page.getByRole("complementary", { name: "Inspector" });
  await inspector.getByLabel("Parameters", { exact: true }).fill('{"FunctionName": "greet", "Payload.$": "$"}');
  await inspector.getByLabel("Parameters", { exact: true }).press("Tab");
  await state("Wait").locator("rect.box").click();
  await inspector.getByLabel("State name").fill("Pause");
  await inspector.getByLabel("State name").press("Tab");
  await state("Pause").waitFor();
  await inspector.getByLabel("Seconds", { exact: true }).fill("30");
  await inspector.getByLabel("Seconds", { exact: true }).press("Tab");
  // A Choice after Hello, with a rule to Pause and a Default to a new Succeed.
  await state("Hello").locator("rect.box").click();
  await palette("Choice").click();
  await state("Choice").waitFor();
  await inspector.getByLabel("Rule 1 variable").fill("$.hour");
  await inspector.getByLabel("Rule 1 variable").press("Tab");
  await inspector.getByLabel("Rule 1 operator").selectOption("NumericLessThan");
  await inspector.getByLabel("Rule 1 value").fill("12");
  await inspector.getByLabel("Rule 1 value").press("Tab");
  await inspector.getByRole("button", { name: "+ Add catcher" }).count().then((n) => assert.equal(n, 0));
  def = await definition();
  assert.equal(def.States.Hello.Next, "Choice");
  assert.deepEqual(def.States.Choice, { Type: "Choice", Choices: [{ Variable: "$.hour", Next: "Pause", NumericLessThan: 12 }], Default: "Pause" });
  assert.deepEqual(def.States.Pause, { Type: "Wait", Seconds: 30, End: true });
  assert.equal(def.States["Lambda Invoke"].Parameters.FunctionName, "greet");
  await graph().getByText("$.hour < 12").waitFor();
  await page.getByText("No problems: the definition is valid.").waitFor();
  await shot(page, "workflows-built");

  // A Catch on the Lambda task, to a Fail state added on the canvas.
  await state("Lambda Invoke").locator("rect.box").click();
  await inspector.getByRole("button", { name: "+ Add retrier" }).click();
  await inspector.getByLabel("Retrier 1 MaxAttempts").fill("5");
  await inspector.getByLabel("Retrier 1 MaxAttempts").press("Tab");
  await edge("Pause", "End").click();
  await palette("Fail").click();
  await state("Fail").waitFor();
  await state("Lambda Invoke").locator("rect.box").click();
  await inspector.getByRole("button", { name: "+ Add catcher" }).click();
  await inspector.getByLabel("Catcher 1 next state").selectOption("Hello");
  def = await definition();
  assert.deepEqual(def.States["Lambda Invoke"].Retry, [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 1, MaxAttempts: 5, BackoffRate: 2 }]);
  assert.deepEqual(def.States["Lambda Invoke"].Catch, [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Hello" }]);
  assert.equal(def.States.Pause.Next, "Fail");
  assert.equal(await graph().locator("g.edge.dashed").count(), 1);
});

test("errors show on the graph and in the problems list", async () => {
  const inspector = page.getByRole("complementary", { name: "Inspector" });
  await state("Lambda Invoke").locator("rect.box").click();
  await inspector.getByLabel("ResultPath", { exact: true }).fill("not a path");
  await inspector.getByLabel("ResultPath", { exact: true }).press("Tab");
  await page.locator("g.node.has-error[data-state='Lambda Invoke']").waitFor();
  const problems = page.getByLabel("Problems");
  assert.match(await problems.innerText(), /ERROR.*SCHEMA_VALIDATION_FAILED[\s\S]*\/States\/Lambda Invoke\/ResultPath/);
  await page.locator(".wf-head .badge", { hasText: "1 error" }).waitFor();
  await shot(page, "workflows-error");
  await inspector.getByLabel("ResultPath", { exact: true }).fill("$.result");
  await inspector.getByLabel("ResultPath", { exact: true }).press("Tab");
  await page.getByText("No problems: the definition is valid.").waitFor();

  // The code view: a Next to nowhere re-renders the graph with the error on that state.
  await page.getByRole("tab", { name: "Code" }).click();
  const code = page.getByLabel("ASL definition");
  const def = JSON.parse(await code.inputValue());
  def.States.Hello.Next = "Nowhere";
  await code.fill(JSON.stringify(def, null, 2));
  await page.locator("g.node.has-error[data-state='Hello']").waitFor();
  assert.match(await page.getByLabel("Problems").innerText(), /MISSING_TRANSITION_TARGET.*Nowhere/);
  // The Choice is unreachable now.
  assert.match(await page.getByLabel("Problems").innerText(), /UNREACHABLE_STATE/);
  assert.ok(await page.locator(".code-editor .ln.err").count() >= 1);
  await shot(page, "workflows-code-error");
  // Invalid JSON: said with its line; the graph keeps the last definition that parsed.
  await code.fill('{"StartAt": "Hello",\n  "States": ');
  await page.getByText(/JSON, line 2: .*The graph shows the last definition that parsed/).waitFor();
  await state("Hello").waitFor();
  def.States.Hello.Next = "Choice";
  await code.fill(JSON.stringify(def, null, 2));
  await page.getByText("No problems: the definition is valid.").waitFor();
  await page.getByRole("tab", { name: "Design" }).click();
  // Delete a state: what pointed at it now points where it went.
  await state("Pause").locator("rect.box").click();
  await page.getByRole("button", { name: "Delete state" }).click();
  assert.equal(await state("Pause").count(), 0);
  const after = await definition();
  assert.equal(after.States.Choice.Default, "Fail");
});

test("templates draw every state, nested ones in their containers", async () => {
  await close();
  await create("OrderSaga", "Order processing (saga)");
  for (const s of ["Reserve inventory", "Charge payment", "Ship order", "Order complete", "Refund payment", "Release inventory", "Order failed"]) await state(s).waitFor();
  assert.equal(await graph().locator("g.edge.dashed").count(), 3);
  await page.getByText("No problems: the definition is valid.").waitFor();
  await shot(page, "workflows-saga");
  await close();

  await create("FanOut", "Parallel fan-out");
  for (const s of ["Fan out", "Resize image", "Extract metadata", "Queue for review", "Combine"]) await state(s).waitFor();
  assert.equal(await state("Fan out").locator(".lane").count(), 3);
  await shot(page, "workflows-parallel");
  // Drop a state into a branch: on its arrow to End.
  await edge("Resize image", "End").click();
  await palette("DynamoDB PutItem").click();
  const def = await definition();
  assert.equal(def.States["Fan out"].Branches[0].States["Resize image"].Next, "DynamoDB PutItem");
  assert.equal(def.States["Fan out"].Branches[0].States["DynamoDB PutItem"].End, true);
  await close();

  await create("Items", "Map over items");
  for (const s of ["Process items", "In stock?", "Price item", "Skip item", "Done"]) await state(s).waitFor();
  await shot(page, "workflows-map");
  await close();

  await create("Approval", "Human approval");
  for (const s of ["Request approval", "Approved?", "Approved", "Rejected", "No answer"]) await state(s).waitFor();
  await graph().getByText("$.approval.approved == true").waitFor();
  await page.getByRole("tab", { name: "Code" }).click();
  await shot(page, "workflows-approval-code");
  await page.getByRole("tab", { name: "Executions" }).click();
  await page.getByText(/A draft does not run|No executions yet/).waitFor();
  assert.deepEqual(app.errors, []);
});
