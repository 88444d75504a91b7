// The S3 panel: create a bucket, folders and breadcrumbs, a text object, uploads (CSV, gzip'd
// JSON lines shown decompressed, an image), preview, delete; paging with "Load more"; a bucket
// in another region; BucketNotEmpty; and the page API (window.gureum.send with base64 bodies).
import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { appSession, eventually, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 1000 });
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

const objects = () => page.getByRole("table", { name: "Objects" });
const preview = () => page.getByRole("complementary", { name: "Object preview" });
const keys = (prefix = "") =>
  page.evaluate(async (prefix) => {
    const out = await window.gureum.send("s3", "ListObjectsV2", { Bucket: "photos-2026", Prefix: prefix });
    return (out.Contents || []).map((c) => c.Key);
  }, prefix);

test("create a bucket, a folder and a text object; browse with breadcrumbs", async () => {
  page.on("dialog", (d) => d.accept());
  await page.goto(app.url + "#/s3");
  await page.getByText("No buckets yet").waitFor();
  await page.getByLabel("New bucket name").fill("Bad_Name");
  await page.getByRole("button", { name: "Create bucket in us-east-1" }).click();
  await page.locator(".notice", { hasText: "InvalidBucketName" }).waitFor();
  await page.getByLabel("New bucket name").fill("photos-2026");
  await page.getByRole("button", { name: "Create bucket in us-east-1" }).click();
  await page.waitForURL(/#\/s3\/photos-2026$/);
  await page.getByText("This bucket is empty").waitFor();

  await page.getByRole("button", { name: "Create folder" }).click();
  const folderForm = page.getByRole("form", { name: "Create folder" });
  await folderForm.getByLabel("Folder name").fill("reports");
  await folderForm.getByRole("button", { name: "Create folder" }).click();
  await objects().getByRole("link", { name: /reports\// }).click();
  await page.waitForURL(/#\/s3\/photos-2026\/reports\/$/);
  await page.getByText("No objects under this prefix").waitFor();
  await page.getByRole("navigation", { name: "Location" }).getByRole("link", { name: "reports" }).waitFor();

  await page.getByRole("button", { name: "Create text object" }).click();
  const form = page.getByRole("form", { name: "Create text object" });
  await form.getByLabel("Object key").fill("summary.json");
  await form.getByLabel("Content type").selectOption("application/json");
  await form.getByLabel("Object content").fill('{"total": 3, "items": ["a", "b"]}');
  await form.getByRole("button", { name: "Save object" }).click();
  await objects().getByRole("button", { name: "summary.json" }).click();
  const content = preview().getByLabel("Object content");
  await content.getByText('"total": 3').waitFor();
  assert.match(await preview().textContent(), /application\/json/);
  assert.deepEqual(await keys(), ["reports/", "reports/summary.json"]);
  await shot(page, "s3-text-object");
});

test("uploads: CSV, gzip'd JSON lines (shown decompressed), an image", async () => {
  const upload = page.getByLabel("Upload file");
  await upload.setInputFiles({ name: "data.csv", mimeType: "text/csv", buffer: Buffer.from("id,name\n1,ada\n2,grace\n") });
  await objects().getByRole("button", { name: "data.csv" }).click();
  await preview().getByText("2,grace").waitFor();

  const lines = ['{"Item":{"pk":{"S":"user#1"}}}', '{"Item":{"pk":{"S":"user#2"}}}'].join("\n") + "\n";
  await upload.setInputFiles({ name: "part-0000.json.gz", mimeType: "application/gzip", buffer: gzipSync(lines) });
  await objects().getByRole("button", { name: "part-0000.json.gz" }).click();
  await preview().getByText("gzip: shown decompressed").waitFor();
  await preview().getByText('{"Item":{"pk":{"S":"user#2"}}}').waitFor();

  await upload.setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: Buffer.from(PNG, "base64") });
  await objects().getByRole("button", { name: "dot.png" }).click();
  await preview().locator("img.s3-image").waitFor();
  assert.equal(await preview().locator("img.s3-image").evaluate((img) => img.complete && img.naturalWidth), 1);
  assert.deepEqual(await keys("reports/"), ["reports/", "reports/data.csv", "reports/dot.png", "reports/part-0000.json.gz", "reports/summary.json"]);
  await objects().getByRole("button", { name: "data.csv" }).click();
  await shot(page, "s3-browser");
});

test("delete an object; the breadcrumb leads back to the bucket root", async () => {
  await objects().getByRole("button", { name: "Delete reports/data.csv" }).click();
  await objects().getByRole("button", { name: "data.csv" }).waitFor({ state: "detached" });
  assert.equal((await keys("reports/")).includes("reports/data.csv"), false);
  await page.getByRole("navigation", { name: "Location" }).getByRole("link", { name: "photos-2026" }).click();
  await page.waitForURL(/#\/s3\/photos-2026$/);
  await objects().getByRole("link", { name: /reports\// }).waitFor();
});

test("many objects page by continuation token", async () => {
  await page.evaluate(async () => {
    for (let i = 0; i < 130; i++) {
      await window.gureum.send("s3", "PutObject", { Bucket: "photos-2026", Key: `logs/${String(i).padStart(3, "0")}.txt`, Body: btoa("line " + i) });
    }
  });
  await page.goto(app.url + "#/s3/photos-2026/logs/");
  await objects().getByRole("button", { name: "099.txt" }).waitFor();
  assert.equal(await objects().locator("tbody tr").count(), 100);
  await page.getByRole("button", { name: "Load more" }).click();
  await objects().getByRole("button", { name: "129.txt" }).waitFor();
  assert.equal(await objects().locator("tbody tr").count(), 130);
  assert.equal(await page.getByRole("button", { name: "Load more" }).count(), 0);
});

test("the bucket list: regions, and a bucket that is not empty cannot be deleted", async () => {
  await page.getByLabel("Region").selectOption("eu-west-1");
  await page.goto(app.url + "#/s3");
  await page.getByLabel("New bucket name").fill("euro-archive");
  await page.getByRole("button", { name: "Create bucket in eu-west-1" }).click();
  await page.waitForURL(/#\/s3\/euro-archive$/);
  await page.getByLabel("Region").selectOption("us-east-1");
  // The bucket opens in its own region whatever the selector says.
  await page.getByLabel("Upload file").setInputFiles({ name: "a.txt", mimeType: "text/plain", buffer: Buffer.from("eu") });
  await objects().getByRole("button", { name: "a.txt" }).waitFor();
  await page.goto(app.url + "#/s3");
  const table = page.getByRole("table", { name: "Buckets" });
  await table.getByRole("row", { name: /euro-archive eu-west-1/ }).waitFor();
  await table.getByRole("button", { name: "Delete bucket photos-2026" }).click();
  await page.locator(".notice", { hasText: "BucketNotEmpty" }).waitFor();
  await shot(page, "s3-buckets");
});

test("window.gureum.send speaks S3 with base64 bodies", async () => {
  const out = await page.evaluate(async () => {
    await window.gureum.send("s3", "CreateBucket", { Bucket: "api-bucket" });
    const put = await window.gureum.send("s3", "PutObject", { Bucket: "api-bucket", Key: "k.txt", Body: btoa("hello"), ContentType: "text/plain" });
    const got = await window.gureum.send("s3", "GetObject", { Bucket: "api-bucket", Key: "k.txt" });
    const missing = await window.gureum.send("s3", "GetObject", { Bucket: "api-bucket", Key: "nope" }).then(() => null, (e) => e);
    return { etag: put.ETag, body: atob(got.Body), type: got.ContentType, length: got.ContentLength, missing };
  });
  assert.deepEqual({ ...out, missing: out.missing.__type }, { etag: '"5d41402abc4b2a76b9719d911017c592"', body: "hello", type: "text/plain", length: 5, missing: "NoSuchKey" });
  assert.equal(out.missing.message, "The specified key does not exist.");
});

test("no uncaught page errors", () => {
  assert.deepEqual(app.errors, []);
});
