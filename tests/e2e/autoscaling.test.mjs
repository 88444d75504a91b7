// Auto scaling in the Capacity tab: a small provisioned table, write auto scaling turned on
// through the form (RegisterScalableTarget + PutScalingPolicy), a write load above the target,
// fast-forward: the provisioned capacity rises, the activity is listed, the chart's line follows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, eventually, shot as screenshot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p));
const errors = app.errors;

const shot = (name) => screenshot(page, name);
const advance = (seconds) => page.evaluate((s) => window.gureum.sim("AdvanceClock", { seconds: s }), seconds);
const wcu = () => page.evaluate(() => window.gureum.send("dynamodb", "DescribeTable", { TableName: "Auto" }).then((d) => d.Table.ProvisionedThroughput.WriteCapacityUnits));

test("auto scaling is set up through the Application Auto Scaling API from the Capacity tab", async () => {
  await page.evaluate(async () => {
    await window.gureum.send("dynamodb", "CreateTable", {
      TableName: "Auto",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 10 },
    });
    await window.gureum.sim("AdvanceClock", { seconds: 2 });
  });
  await page.goto(app.url + "#/tables/Auto");
  await page.getByRole("tab", { name: "Capacity" }).click();
  const section = page.getByRole("region", { name: "Auto scaling" });
  await section.waitFor();
  assert.match(await section.innerText(), /stays above the target for 2 consecutive minutes/);
  assert.match(await section.innerText(), /15 consecutive minutes/);

  const row = page.getByRole("form", { name: "Auto scaling: Table writes" });
  await row.getByLabel("Auto scaling for Table writes").check();
  await row.getByLabel("Minimum Table writes").fill("5");
  await row.getByLabel("Maximum Table writes").fill("100");
  await row.getByLabel("Target utilization Table writes").fill("50");
  await row.getByRole("button", { name: "Apply" }).click();
  await row.locator(".badge", { hasText: "on" }).waitFor();
  const policies = await page.evaluate(() => window.gureum.send("application-autoscaling", "DescribeScalingPolicies", { ServiceNamespace: "dynamodb", ResourceId: "table/Auto" }));
  assert.equal(policies.ScalingPolicies.length, 1);
  assert.equal(policies.ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue, 50);
  assert.equal(policies.ScalingPolicies[0].PolicyName, "DynamoDBWriteCapacityUtilization:table/Auto");
  const targets = await page.evaluate(() => window.gureum.send("application-autoscaling", "DescribeScalableTargets", { ServiceNamespace: "dynamodb" }));
  assert.match(targets.ScalableTargets[0].RoleARN, /AWSServiceRoleForApplicationAutoScaling_DynamoDBTable$/);
  await shot("autoscaling-enabled");
});

test("a write load above the target scales the table out, and the activity is listed", async () => {
  const form = page.getByRole("form", { name: "Start load" });
  await form.getByLabel("Item size").fill("500");
  await form.getByLabel("Requests per second").fill("8");
  await form.getByLabel("Duration").fill("1800");
  await form.getByRole("button", { name: "Start load" }).click();
  await page.locator(".load-progress .badge", { hasText: "RUNNING" }).waitFor();
  await advance(240);
  await eventually(page, () => window.gureum.send("dynamodb", "DescribeTable", { TableName: "Auto" }).then((d) => d.Table.ProvisionedThroughput.WriteCapacityUnits === 16));
  assert.equal(await wcu(), 16, "ceil(8 writes/s ÷ 50%)");
  const list = page.getByRole("table", { name: "Scaling activities" });
  await list.waitFor();
  const text = await list.innerText();
  assert.match(text, /Setting write capacity units to 16\./);
  assert.match(text, /Successful/);
  assert.match(text, /AlarmHigh \(above target\)/);
  await page.locator(".cap-now", { hasText: "5 RCU / 16 WCU" }).waitFor();
  // The chart's provisioned line follows the new capacity (16 × 60 units a minute).
  await advance(120);
  await eventually(page, () => {
    const fig = [...document.querySelectorAll(".cap-charts > .charts figure.chart")].find((f) => f.textContent.includes("Write units consumed"));
    return fig && /960/.test(fig.textContent);
  });
  await section().scrollIntoViewIfNeeded();
  await shot("autoscaling-scaled-out");
  assert.deepEqual(errors, []);
});

const section = () => page.getByRole("region", { name: "Auto scaling" });
