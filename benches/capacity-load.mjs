// How long fast-forwarding a DynamoDB load (dynamodb:StartLoad) takes in the browser's worker
// (wasm, with the commit to IndexedDB). Needs `trunk build --release`; run
// `node benches/capacity-load.mjs`.
import { serveDist, launch, openApp } from "../tests/e2e/lib.mjs";
const srv = await serveDist("/");
const browser = await launch();
const page = await browser.newPage();
await openApp(page, srv.url);
const out = await page.evaluate(async () => { try {
  const g = window.gureum;
  await g.send("dynamodb", "CreateTable", { TableName: "Measure", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" });
  await g.sim("AdvanceClock", { seconds: 2 });
  const res = [];
  for (const [op, extra, rate, secs] of [["PutItem", { ItemSizeBytes: 1000 }, 100, 600], ["GetItem", { ConsistentRead: true }, 100, 600], ["GetItem", {}, 1000, 600]]) {
    await g.sim("dynamodb:StartLoad", { TableName: "Measure", Operation: op, RequestsPerSecond: rate, DurationSeconds: secs, ...extra });
    const t = performance.now();
    await g.sim("AdvanceClock", { seconds: secs });
    const ms = performance.now() - t;
    const l = (await g.sim("dynamodb:DescribeLoad", { TableName: "Measure" })).Load;
    res.push(`${op} ${rate}/s x ${secs} s: ${l.RequestsSent} requests fast-forwarded in ${ms.toFixed(0)} ms (${(l.RequestsSent / ms * 1000).toFixed(0)} requests/s, including the commit to IndexedDB)`);
  }
  return res; } catch (e) { return [JSON.stringify(e)]; }
});
console.log(out.join("\n"));
await browser.close();
await srv.close();
