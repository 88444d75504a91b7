// Auto scaling in the Capacity tab, as a learner uses it: a small provisioned table; AWS's errors
// for a bad minimum/maximum and a target out of range; write auto scaling turned on through the
// form (RegisterScalableTarget + PutScalingPolicy); a write load above the provisioned capacity;
// fast-forward: throttling starts, the provisioned capacity rises, the activity is listed, the
// chart's provisioned line steps up and the throttling stops.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, eventually, shot as screenshot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p));
const errors = app.errors;

const shot = (name) => screenshot(page, name);
const advance = (seconds) => page.evaluate((s) => window.gureum.sim("AdvanceClock", { seconds: s }), seconds);
const throttled = () => page.evaluate(() => window.gureum.sim("dynamodb:DescribeLoad", { TableName: "Auto" }).then((v) => v.Load.Throttled));
const wcu = () => page.evaluate(() => window.gureum.send("dynamodb", "DescribeTable", { TableName: "Auto" }).then((d) => d.Table.ProvisionedThroughput.WriteCapacityUnits));

test("auto scaling is set up through the Application Auto Scaling API from the Capacity tab", async () => {
  await page.evaluate(async () => {
    await window.gureum.send("dynamodb", "CreateTable", {
      TableName: "Auto",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    });
    await window.gureum.sim("AdvanceClock", { seconds: 2 });
  });
  await page.goto(app.url + "#/tables/Auto");
  await page.getByRole("tab", { name: "Capacity" }).click();
  await section().waitFor();
  const intro = await section().innerText();
  assert.match(intro, /stays above the target for 2 consecutive minutes/);
  assert.match(intro, /15 consecutive minutes/);
  assert.match(intro, /Scaling in waits longer/);
  assert.equal(await page.getByRole("form", { name: /^Auto scaling: / }).count(), 2, "table reads and writes");
  await shot("autoscaling-off");

  const row = page.getByRole("form", { name: "Auto scaling: Table writes" });
  const alert = row.getByRole("alert");
  await row.getByLabel("Auto scaling for Table writes").check();
  // AWS's errors, shown in the row: minimum above maximum (RegisterScalableTarget) ...
  await row.getByLabel("Minimum Table writes").fill("50");
  await row.getByLabel("Maximum Table writes").fill("10");
  await row.getByRole("button", { name: "Apply" }).click();
  await alert.waitFor();
  assert.equal(await alert.innerText(), "ValidationException: Minimum capacity cannot be greater than maximum capacity");
  // ... and a target outside 20–90 (PutScalingPolicy), after which no half-registered target stays behind.
  await row.getByLabel("Minimum Table writes").fill("5");
  await row.getByLabel("Maximum Table writes").fill("100");
  await row.getByLabel("Target utilization Table writes").fill("95");
  await row.getByRole("button", { name: "Apply" }).click();
  await alert.filter({ hasText: "TargetValue" }).waitFor();
  assert.match(await alert.innerText(), /^ValidationException: TargetValue for DynamoDB must be between 20 and 90/);
  assert.ok(await row.getByLabel("Auto scaling for Table writes").isChecked(), "the row keeps what the learner set");
  await shot("autoscaling-error");
  const none = await page.evaluate(() => window.gureum.send("application-autoscaling", "DescribeScalableTargets", { ServiceNamespace: "dynamodb" }));
  assert.deepEqual(none.ScalableTargets, []);

  await row.getByLabel("Target utilization Table writes").fill("50");
  await row.getByRole("button", { name: "Apply" }).click();
  await row.locator(".badge", { hasText: /^on$/ }).waitFor();
  assert.equal(await alert.count(), 0, "the error is gone");
  const policies = await page.evaluate(() => window.gureum.send("application-autoscaling", "DescribeScalingPolicies", { ServiceNamespace: "dynamodb", ResourceId: "table/Auto" }));
  assert.equal(policies.ScalingPolicies.length, 1);
  assert.equal(policies.ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue, 50);
  assert.equal(policies.ScalingPolicies[0].PolicyName, "DynamoDBWriteCapacityUtilization:table/Auto");
  const targets = await page.evaluate(() => window.gureum.send("application-autoscaling", "DescribeScalableTargets", { ServiceNamespace: "dynamodb" }));
  assert.equal(targets.ScalableTargets.length, 1);
  assert.equal(targets.ScalableTargets[0].MinCapacity, 5);
  assert.equal(targets.ScalableTargets[0].MaxCapacity, 100);
  assert.match(targets.ScalableTargets[0].RoleARN, /AWSServiceRoleForApplicationAutoScaling_DynamoDBTable$/);
  await shot("autoscaling-enabled");
});

test("a write load above capacity throttles, auto scaling raises the capacity, and the throttling stops", async () => {
  // 40 writes a second of 1 KB items: 40 WCU against 5 provisioned.
  const form = page.getByRole("form", { name: "Start load" });
  await form.getByLabel("Item size").fill("1000");
  await form.getByLabel("Requests per second").fill("40");
  await form.getByLabel("Duration").fill("1800");
  await form.getByRole("button", { name: "Start load" }).click();
  await page.locator(".load-progress .badge", { hasText: "RUNNING" }).waitFor();
  // The burst (300 s × 5 WCU) runs out after about 43 s, before AlarmHigh can fire (utilization
  // above 50% for 2 consecutive minutes); then the policy sets ceil(consumed/s ÷ 50%).
  for (let i = 0; i < 4; i++) await advance(60);
  const raised = await eventually(page, () => window.gureum.send("dynamodb", "DescribeTable", { TableName: "Auto" })
    .then((d) => d.Table.TableStatus === "ACTIVE" && d.Table.ProvisionedThroughput.WriteCapacityUnits > 5 && d.Table.ProvisionedThroughput.WriteCapacityUnits));
  const list = page.getByRole("table", { name: "Scaling activities" });
  await list.waitFor();
  await eventually(page, (n) => document.querySelector(".as-activities")?.textContent.includes(`Setting write capacity units to ${n}.`), raised);
  const text = await list.innerText();
  assert.match(text, /Successful/);
  assert.match(text, /Utilization above the target for 2 minutes \(AlarmHigh\)/);
  assert.match(text, /table\/Auto/);
  await page.locator(".cap-now", { hasText: `5 RCU / ${raised} WCU` }).waitFor();

  // Capacity catches up: while utilization stays above 50% the policy runs again each minute,
  // until the table holds ceil(40 writes/s ÷ 50%) = 80 WCU; from 40 WCU on nothing is throttled.
  for (let i = 0; i < 8 && (await wcu()) !== 80; i++) await advance(60);
  const final = await wcu();
  assert.equal(final, 80, "ceil(40 WCU consumed ÷ 50% target)");
  const snap = await page.evaluate(() => window.gureum.sim("dynamodb:DescribeLoad", { TableName: "Auto" }).then((v) => v.Load));
  assert.ok(snap.Throttled > 0, "the load was throttled before capacity caught up");
  await advance(180);
  await eventually(page, (n) => window.gureum.sim("dynamodb:DescribeLoad", { TableName: "Auto" }).then((v) => v.Load.RequestsSent >= n), snap.RequestsSent + 40 * 180);
  assert.equal(await throttled(), snap.Throttled, "no throttles once capacity caught up");
  assert.equal(await wcu(), final, "utilization is at the target: no more scaling");
  await eventually(page, (n) => document.querySelector(".as-activities")?.textContent.includes(`Setting write capacity units to ${n}.`), final);

  // The chart's provisioned line steps up from 5 × 60 = 300 units a minute to final × 60.
  await eventually(page, (top) => {
    const fig = [...document.querySelectorAll(".cap-charts > .charts figure.chart")].find((f) => f.textContent.includes("Write units consumed"));
    return fig && fig.textContent.includes(`max ${top} WCU`);
  }, final * 60);
  const steps = await page.evaluate(() => {
    const fig = [...document.querySelectorAll(".cap-charts > .charts figure.chart")].find((f) => f.textContent.includes("Write units consumed"));
    const pts = fig.querySelector("polyline.max-line").getAttribute("points").trim().split(/\s+/).map((p) => Number(p.split(",")[1]));
    return { first: pts[0], last: pts[pts.length - 1] };
  });
  assert.ok(steps.last < steps.first, `the provisioned line rises (SVG y ${steps.first} → ${steps.last})`);
  // Nothing overflows the panel at the default viewport.
  const overflow = await page.evaluate(() => {
    const s = document.querySelector(".cap-autoscaling");
    return [...s.querySelectorAll("*")].filter((e) => e.getBoundingClientRect().right > s.getBoundingClientRect().right + 1).map((e) => e.outerHTML.slice(0, 80));
  });
  assert.deepEqual(overflow, []);
  await section().scrollIntoViewIfNeeded();
  await shot("autoscaling-scaled-out");
  await page.locator(".cap-charts").scrollIntoViewIfNeeded();
  await shot("autoscaling-chart");
  // The capacity form follows the table: Update capacity would not send the old 5 WCU back.
  assert.equal(await page.getByRole("form", { name: "Update capacity" }).getByLabel("Write capacity units").inputValue(), String(final));
  assert.deepEqual(errors, []);
});

test("turning auto scaling off deregisters the scalable target and leaves the capacity as it is", async () => {
  const row = page.getByRole("form", { name: "Auto scaling: Table writes" });
  await row.getByLabel("Auto scaling for Table writes").uncheck();
  assert.ok(await row.getByLabel("Minimum Table writes").isDisabled());
  await row.getByRole("button", { name: "Apply" }).click();
  await row.locator(".badge", { hasText: /^off$/ }).waitFor();
  const targets = await page.evaluate(() => window.gureum.send("application-autoscaling", "DescribeScalableTargets", { ServiceNamespace: "dynamodb" }));
  assert.deepEqual(targets.ScalableTargets, []);
  const policies = await page.evaluate(() => window.gureum.send("application-autoscaling", "DescribeScalingPolicies", { ServiceNamespace: "dynamodb" }));
  assert.deepEqual(policies.ScalingPolicies, [], "the policy goes with its target");
  const kept = await wcu();
  await page.getByRole("form", { name: "Start load" }).getByRole("button", { name: "Stop" }).click();
  await page.locator(".load-progress .badge", { hasText: "STOPPED" }).waitFor();
  await advance(1800);
  assert.equal(await wcu(), kept, "an idle table is no longer scaled in");
  assert.deepEqual(errors, []);
});

const section = () => page.getByRole("region", { name: "Auto scaling" });
