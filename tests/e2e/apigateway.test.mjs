// API Gateway through the page API: a REST API with a MOCK integration whose VTL templates read
// the query string, deployed to a stage and called through execute-api Invoke; a method that
// needs an API key answers 403 without one. The APIs panel has its own test (apis.test.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession } from "./lib.mjs";

let page;
appSession((p) => (page = p));

test("a REST API with VTL mapping templates answers through execute-api", async () => {
  const out = await page.evaluate(async () => {
    const g = window.gureum;
    const api = await g.send("apigateway", "CreateRestApi", { name: "pets" });
    const root = api.rootResourceId;
    const pets = await g.send("apigateway", "CreateResource", { restApiId: api.id, parentId: root, pathPart: "pets" });
    const m = { restApiId: api.id, resourceId: pets.id, httpMethod: "GET" };
    await g.send("apigateway", "PutMethod", { ...m, authorizationType: "NONE" });
    await g.send("apigateway", "PutMethodResponse", { ...m, statusCode: "200" });
    await g.send("apigateway", "PutIntegration", { ...m, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } });
    await g.send("apigateway", "PutIntegrationResponse", {
      ...m,
      statusCode: "200",
      responseTemplates: { "application/json": '#set($names = $input.params(\'names\').split(","))\n{"pets": [#foreach($p in $names)"$p"#if($foreach.hasNext), #end#end], "count": $names.size(), "stage": "$context.stage"}' },
    });
    const k = { restApiId: api.id, resourceId: pets.id, httpMethod: "POST" };
    await g.send("apigateway", "PutMethod", { ...k, authorizationType: "NONE", apiKeyRequired: true });
    await g.send("apigateway", "PutMethodResponse", { ...k, statusCode: "200" });
    await g.send("apigateway", "PutIntegration", { ...k, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } });
    await g.send("apigateway", "PutIntegrationResponse", { ...k, statusCode: "200" });
    await g.send("apigateway", "CreateDeployment", { restApiId: api.id, stageName: "prod" });
    const get = await g.send("execute-api", "Invoke", { restApiId: api.id, stage: "prod", httpMethod: "GET", path: "/pets", queryString: "names=rex,tom,kit", headers: {} });
    const keyless = await g.send("execute-api", "Invoke", { restApiId: api.id, stage: "prod", httpMethod: "POST", path: "/pets", headers: {}, body: "{}" });
    const missing = await g.send("execute-api", "Invoke", { restApiId: api.id, stage: "prod", httpMethod: "GET", path: "/nope", headers: {} });
    return { get, keyless, missing };
  });
  assert.equal(out.get.statusCode, 200);
  assert.deepEqual(JSON.parse(out.get.body), { pets: ["rex", "tom", "kit"], count: 3, stage: "prod" });
  assert.ok(out.get.trace.some((t) => t.step === "Response mapping"), JSON.stringify(out.get.trace));
  assert.deepEqual([out.keyless.statusCode, JSON.parse(out.keyless.body)], [403, { message: "Forbidden" }]);
  assert.deepEqual([out.missing.statusCode, JSON.parse(out.missing.body)], [403, { message: "Missing Authentication Token" }]);
});
