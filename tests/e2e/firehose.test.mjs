// The Firehose panel: create a direct-PUT Firehose stream to an S3 bucket through the form, put
// records and watch the buffer fill, jump the clock to the flush, and follow the delivered
// object to the S3 panel. The clock is paused first: only the test moves virtual time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, eventually, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 1100 });

test("create a Firehose stream, fill its buffer and deliver it to S3", async () => {
  await page.evaluate(async () => {
    await window.gureum.sim("PauseClock");
    await window.gureum.send("s3", "CreateBucket", { Bucket: "lake" });
  });
  await page.goto(app.url + "#/firehose");
  await page.getByText("No Firehose streams in this region yet").waitFor();
  await page.getByRole("button", { name: "Create Firehose stream" }).click();
  const form = page.getByRole("form", { name: "Create Firehose stream" });
  await form.getByLabel("Firehose stream name").fill("events");
  await form.getByLabel("Prefix (optional)").fill("raw/");
  await form.getByLabel("Buffer interval (s, 0–900)").fill("60");
  await shot(page, "firehose-create");
  await form.getByRole("button", { name: "Create Firehose stream" }).click();
  await page.waitForURL(/#\/firehose\/events$/);
  await page.locator(".firehose-detail .badge.creating").waitFor();
  await page.evaluate(() => window.gureum.sim("AdvanceClock", { seconds: 5 }));
  await page.locator(".firehose-detail .badge.active").waitFor();

  const put = page.getByRole("form", { name: "Put record" });
  await put.locator("textarea").fill('{"n":1}\n');
  await put.getByRole("button", { name: "PutRecord" }).click();
  await put.locator("textarea").fill('{"n":2}\n');
  await put.getByRole("button", { name: "PutRecord" }).click();
  const buffer = page.getByLabel("Buffer", { exact: true });
  await buffer.getByText("2 records, 16 B of 5.0 MiB").waitFor();
  await buffer.getByText("Written to S3 in 1 min 0 s").waitFor();
  await shot(page, "firehose-buffer");

  await buffer.getByRole("button", { name: "Jump the clock to the flush" }).click();
  await buffer.getByText("0 records, 0 B of 5.0 MiB").waitFor();
  const objects = page.getByRole("table", { name: "Delivered objects" });
  const link = objects.getByRole("link");
  await link.waitFor();
  const key = await link.textContent();
  assert.match(key, /^raw\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/events-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}$/);
  const body = await eventually(page, async (k) => {
    const o = await window.gureum.send("s3", "GetObject", { Bucket: "lake", Key: k });
    return atob(o.Body);
  }, key);
  assert.equal(body, '{"n":1}\n{"n":2}\n');
  await shot(page, "firehose-delivered");

  await link.click();
  await page.waitForURL(/#\/s3\/lake\/raw\//);
  await page.getByText(key.split("/").pop()).waitFor();
  assert.deepEqual(app.errors, []);
});
