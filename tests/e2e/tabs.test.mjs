// Two tabs on one sandbox: one engine (the Web Lock holder), the other forwards to it; when the
// leader's tab closes the other takes over with nothing lost.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, startBrowser, newProfile, openApp } from "./lib.mjs";

const srv = await serveDist("/gureum/");
after(() => srv.close());

const browsers = [];
after(() => Promise.all(browsers.map((b) => b.close())));
async function browser() {
  const b = await startBrowser(await newProfile());
  browsers.push(b);
  return b;
}

test("second tab follows, writes through the leader, and takes over when it closes", async () => {
  const b = await browser();
  const one = await b.context.newPage();
  await openApp(one, srv.url);
  const two = await b.context.newPage();
  await openApp(two, srv.url);
  assert.equal((await one.evaluate(() => window.gureum.status())).role, "leader");
  assert.equal((await two.evaluate(() => window.gureum.status())).role, "follower");

  await two.evaluate(async () => {
    await window.gureum.send("dynamodb", "CreateTable", { TableName: "Shared", AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }], KeySchema: [{ AttributeName: "k", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" });
    await window.gureum.sim("AdvanceClock", { seconds: 5 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => window.gureum.send("dynamodb", "PutItem", { TableName: "Shared", Item: { k: { S: "from-two-" + i } } })));
  });
  const seenByOne = await one.evaluate(() => window.gureum.send("dynamodb", "Scan", { TableName: "Shared", Select: "COUNT" }));
  assert.equal(seenByOne.Count, 50);

  await one.close();
  await two.waitForFunction(() => window.gureum.status().role === "leader", null, { timeout: 15000 });
  const afterTakeover = await two.evaluate(async () => {
    await window.gureum.send("dynamodb", "PutItem", { TableName: "Shared", Item: { k: { S: "after" } } });
    return window.gureum.send("dynamodb", "Scan", { TableName: "Shared", Select: "COUNT" });
  });
  assert.equal(afterTakeover.Count, 51);
});

test("the site works from a sub-path", async () => {
  const b = await browser();
  const page = await b.context.newPage();
  await openApp(page, srv.url);
  assert.match(page.url(), /\/gureum\/$/);
  await page.getByRole("navigation").getByRole("link", { name: "Tables" }).click();
  await page.getByText("No tables in this region yet").waitFor();
});
