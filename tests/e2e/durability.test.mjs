// Acknowledged writes survive the browser being killed (-9) right after the acknowledgement.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, startBrowser, newProfile, openApp } from "./lib.mjs";

const srv = await serveDist("/");
const browsers = [];
after(async () => { await Promise.all(browsers.map((b) => b.close())); await srv.close(); });

const table = { TableName: "Durable", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" };

test("kill -9 right after acknowledged writes loses none of them", async () => {
  const profile = await newProfile();
  let b = await startBrowser(profile);
  browsers.push(b);
  let page = await b.context.newPage();
  await openApp(page, srv.url);
  await page.evaluate(async (t) => {
    await window.gureum.send("dynamodb", "CreateTable", t);
    for (let i = 0; i < 100; i++) {
      const d = await window.gureum.send("dynamodb", "DescribeTable", { TableName: t.TableName });
      if (d.Table.TableStatus === "ACTIVE") return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("table never became ACTIVE");
  }, table);
  // 300 concurrent writes; the page records each acknowledgement as it arrives, then the
  // browser is killed the moment the last one lands.
  const acked = await page.evaluate(async () => {
    const done = [];
    await Promise.all(Array.from({ length: 300 }, (_, i) => window.gureum.send("dynamodb", "PutItem", { TableName: "Durable", Item: { id: { S: "item" + i }, n: { N: String(i) } } }).then(() => done.push(i))));
    return done;
  });
  assert.equal(acked.length, 300);
  await b.kill9();

  b = await startBrowser(profile);
  browsers.push(b);
  page = await b.context.newPage();
  await openApp(page, srv.url);
  const found = await page.evaluate(async () => {
    let items = [], start;
    do {
      const out = await window.gureum.send("dynamodb", "Scan", start ? { TableName: "Durable", ExclusiveStartKey: start } : { TableName: "Durable" });
      items = items.concat(out.Items);
      start = out.LastEvaluatedKey;
    } while (start);
    return items.map((i) => Number(i.n.N)).sort((a, b) => a - b);
  });
  assert.deepEqual(found, acked.slice().sort((a, b) => a - b));
});
