// The APIs panel: a learner builds a REST API by clicking (a resource, a MOCK method whose
// integration response template they edit), deploys it to a stage, and calls it from the request
// console: 200, the body the template wrote, and the execution trace step by step. Then the CRUD
// sample end to end: PUT an item through the console, GET it back, and find it in the DynamoDB
// table panel. Nothing here depends on the clock (the sample waits for its table and function
// the way a learner would, on the running clock).
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, eventually, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 1100 });

/** A screenshot, info notices closed first with a short timeout (one may fade while `shot` clicks it). */
async function snap(name) {
  for (const close of await page.locator(".notice.info .notice-close").all()) await close.click({ timeout: 500 }).catch(() => {});
  await shot(page, name);
}

test("create an API with a MOCK method by clicking, deploy it and call it from the console", async () => {
  await page.goto(app.url + "#/apis");
  await page.getByText("No REST APIs in this region yet").waitFor();
  await snap("apis-empty");
  await page.getByRole("button", { name: "Create API" }).click();
  const form = page.getByRole("form", { name: "Create REST API" });
  await form.getByLabel("API name").fill("pets");
  await form.getByLabel("Description (optional)").fill("My first API");
  await form.getByLabel("API endpoint type").selectOption("EDGE");
  await snap("apis-create");
  await form.getByRole("button", { name: "Create API" }).click();
  await page.waitForURL(/#\/apis\/[a-z0-9]{10}$/);
  const id = page.url().split("/").pop();
  await page.getByRole("table", { name: "REST APIs" }).getByText("EDGE").waitFor();

  // A resource under the root, then a GET with a mock integration on it.
  const child = page.getByRole("form", { name: "Create resource" });
  await child.getByLabel("Path part").fill("pets");
  await child.getByRole("button", { name: "Create resource" }).click();
  const tree = page.getByRole("navigation", { name: "Resources" });
  await tree.getByRole("button", { name: "/pets", exact: true }).click();
  await page.locator(".api-pane .res-path", { hasText: "/pets" }).waitFor();
  const create = page.getByRole("form", { name: "Create method" });
  await create.getByLabel("HTTP method").selectOption("GET");
  await create.getByLabel("Integration type").selectOption("MOCK");
  await create.getByRole("button", { name: "Create method" }).click();
  const flow = page.getByLabel("Method execution");
  await flow.getByText("Mock endpoint").waitFor();
  await tree.getByRole("button", { name: "GET /pets" }).waitFor();

  // Edit the integration response's template: it reads the query string and the stage.
  await flow.getByRole("button", { name: "Integration response" }).click();
  const ir = page.getByLabel("Edit integration responses");
  await ir.getByLabel("Response mapping template (VTL, application/json)").fill('{"pets": ["$input.params(\'name\')"], "stage": "$context.stage"}');
  await ir.getByRole("button", { name: "Save integration response" }).click();
  await ir.locator("pre.tpl", { hasText: "$context.stage" }).waitFor();
  await snap("apis-method");

  // Deploy to a new stage, dev.
  await page.getByRole("button", { name: "Stages & deployments" }).click();
  const deploy = page.getByRole("form", { name: "Deploy API" });
  await deploy.getByLabel("Stage name").fill("dev");
  await deploy.getByLabel("Deployment description").fill("first");
  await deploy.getByRole("button", { name: "Deploy" }).click();
  const stage = page.getByLabel("Stage dev");
  await stage.getByText(`https://${id}.execute-api.us-east-1.amazonaws.com/dev/`).waitFor();
  await stage.getByText(`http://localhost:4566/restapis/${id}/dev/_user_request_/`).waitFor();
  await stage.getByLabel("Variable name").fill("color");
  await stage.getByLabel("Variable value").fill("blue");
  await stage.getByRole("button", { name: "Set variable" }).click();
  await stage.getByRole("table").getByText("blue").waitFor();
  assert.equal(await page.getByRole("table", { name: "Deployments" }).locator("tbody tr").count(), 1);
  await snap("apis-stages");

  // The console: GET /pets?name=rex on dev.
  await page.getByRole("button", { name: "Console", exact: true }).click();
  const req = page.getByRole("form", { name: "Request" });
  assert.equal(await req.getByLabel("Target").inputValue(), "stage:dev");
  await req.getByLabel("HTTP method").selectOption("GET");
  await req.getByLabel("Path", { exact: true }).fill("/pets");
  await req.getByLabel("Query string").fill("name=rex");
  await req.getByRole("button", { name: "Send" }).click();
  const res = page.getByLabel("Response", { exact: true });
  await res.getByLabel("Status").getByText("200").waitFor();
  assert.deepEqual(JSON.parse(await res.getByLabel("Response body").innerText()), { pets: ["rex"], stage: "dev" });
  const trace = page.getByLabel("Execution trace");
  const steps = await trace.locator(".trace-name").allInnerTexts();
  assert.deepEqual(steps, ["Method request", "Request mapping", "Endpoint response", "Response mapping", "Method response"]);
  await trace.getByText("MOCK integration answered status 200").waitFor();
  assert.ok((await trace.locator(".trace-ms").count()) >= 3);
  await snap("apis-console");

  // A path with no method: AWS's 403, and the trace says why.
  await req.getByLabel("Path", { exact: true }).fill("/cats");
  await req.getByRole("button", { name: "Send" }).click();
  await res.getByLabel("Status").getByText("403").waitFor();
  await trace.getByText("no resource and method match GET /cats", { exact: false }).waitFor();

  // Before deploying: TestInvokeMethod on the working definition.
  await req.getByLabel("Target").selectOption("test");
  await req.getByLabel("Method to test").selectOption({ label: "GET /pets" });
  await req.getByRole("button", { name: "Send" }).click();
  await res.getByLabel("Status").getByText("200").waitFor();
  assert.deepEqual(JSON.parse(await res.getByLabel("Response body").innerText()), { pets: ["rex"], stage: "test-invoke-stage" });
  assert.deepEqual(app.errors, []);
});

test("API keys and a usage plan: the console sends the key", async () => {
  // A key-required method, a key and a plan on dev; without the key 403, with it 200.
  await page.getByRole("button", { name: "Resources", exact: true }).click();
  await page.getByRole("navigation", { name: "Resources" }).getByRole("button", { name: "GET /pets" }).click();
  await page.getByLabel("Method execution").getByRole("button", { name: "Method request" }).click();
  const mr = page.getByRole("form", { name: "Edit method request" });
  await mr.getByLabel("API key required").check();
  await mr.getByRole("button", { name: "Save" }).click();
  await page.getByLabel("Method execution").getByText("API key: required").waitFor();
  await page.getByRole("button", { name: "Stages & deployments" }).click();
  await page.getByRole("form", { name: "Deploy API" }).getByRole("button", { name: "Deploy" }).click();
  await eventually(page, () => document.querySelectorAll("table[aria-label=Deployments] tbody tr").length === 2);

  await page.getByRole("button", { name: "API keys & usage plans" }).click();
  const keyForm = page.getByRole("form", { name: "Create API key" });
  await keyForm.getByLabel("API key name").fill("mobile");
  await keyForm.getByRole("button", { name: "Create API key" }).click();
  await page.getByRole("table", { name: "API keys" }).getByText("mobile").waitFor();
  const planForm = page.getByRole("form", { name: "Create usage plan" });
  await planForm.getByLabel("Usage plan name").fill("basic");
  await planForm.getByLabel("Quota", { exact: true }).fill("1000");
  await planForm.getByRole("button", { name: "Create usage plan" }).click();
  const plan = page.getByLabel("Usage plan basic");
  await plan.getByText("1 req/s, burst 2 · 1000 per day").waitFor();
  await plan.getByRole("button", { name: "+ mobile" }).click();
  await plan.getByRole("button", { name: "Remove key mobile" }).waitFor();
  await snap("apis-keys");

  await page.getByRole("button", { name: "Console", exact: true }).click();
  const req = page.getByRole("form", { name: "Request" });
  await req.getByLabel("Path", { exact: true }).fill("/pets");
  await req.getByRole("button", { name: "Send" }).click();
  const res = page.getByLabel("Response", { exact: true });
  await res.getByLabel("Status").getByText("403").waitFor();
  assert.deepEqual(JSON.parse(await res.getByLabel("Response body").innerText()), { message: "Forbidden" });
  await req.getByLabel("API key").selectOption({ label: "mobile" });
  await req.getByRole("button", { name: "Send" }).click();
  await res.getByLabel("Status").getByText("200").waitFor();
  await page.getByLabel("Execution trace").locator(".trace-name", { hasText: "API key" }).waitFor();
  assert.deepEqual(app.errors, []);
});

test("the CRUD sample: PUT an item through the console, GET it back, see it in the table", async () => {
  await page.goto(app.url + "#/apis");
  await page.getByRole("button", { name: "Sample: CRUD API" }).click();
  await page.waitForURL(/#\/apis\/[a-z0-9]{10}\/console$/, { timeout: 30000 });
  const req = page.getByRole("form", { name: "Request" });
  await eventually(page, () => document.querySelector("select[aria-label=Target]")?.value === "stage:dev");
  await req.getByLabel("HTTP method").selectOption("PUT");
  await req.getByLabel("Path", { exact: true }).fill("/items/42");
  await req.getByLabel("Body").fill('{"name": "rex", "kind": "dog"}');
  await req.getByRole("button", { name: "Send" }).click();
  const res = page.getByLabel("Response", { exact: true });
  await res.getByLabel("Status").getByText("200").waitFor({ timeout: 20000 });
  assert.deepEqual(JSON.parse(await res.getByLabel("Response body").innerText()), { name: "rex", kind: "dog", id: "42" });
  const trace = page.getByLabel("Execution trace");
  await trace.getByText("arn:aws:lambda:us-east-1:123456789012:function:items-crud", { exact: false }).first().waitFor();

  await req.getByLabel("HTTP method").selectOption("GET");
  await req.getByLabel("Body").fill("");
  await req.getByRole("button", { name: "Send" }).click();
  await res.getByLabel("Status").getByText("200").waitFor();
  await eventually(page, () => document.querySelector("[aria-label='Response body']")?.innerText.includes('"kind": "dog"'));
  await snap("apis-crud-console");

  await req.getByLabel("Path", { exact: true }).fill("/items/7");
  await req.getByRole("button", { name: "Send" }).click();
  await res.getByLabel("Status").getByText("404").waitFor();

  await page.getByRole("button", { name: "Resources", exact: true }).click();
  const tree = page.getByRole("navigation", { name: "Resources" });
  await tree.getByRole("button", { name: "ANY /items/{id}" }).click();
  await page.getByLabel("Method execution").getByText("Lambda proxy: items-crud").waitFor();
  await snap("apis-crud-method");

  await page.goto(app.url + "#/tables/Items");
  await page.getByText("rex").first().waitFor();
  await page.getByText("dog").first().waitFor();
  assert.deepEqual(app.errors, []);
});
