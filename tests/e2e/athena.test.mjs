// The Query exports panel (Athena over a DynamoDB export in S3): the export is found in S3 and
// prefilled in the SQL, a query runs (status, data scanned, results grid, the result CSV's
// location), paging, and a SQL error shown as Athena's StateChangeReason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { appSession, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 1000 });
const EXPORT = "exports/books/AWSDynamoDB/01767225600000-a1b2c3d4/";

/** Writes a DYNAMODB_JSON export of `n` books into bucket `lake` through the page API. */
async function writeExport(n) {
  const lines = [];
  for (let i = 1; i <= n; i++) {
    const item = { id: { S: `b${String(i).padStart(2, "0")}` }, title: { S: `Book ${i}` }, price: { N: String(i * 1.5) }, author: { M: { name: { S: i % 2 ? "Austen" : "Gibson" } } } };
    if (i % 3 === 0) item.tags = { SS: ["classic", "scifi"] };
    lines.push(JSON.stringify({ Item: item }));
  }
  const data = gzipSync(Buffer.from(lines.join("\n") + "\n")).toString("base64");
  const key = EXPORT + "data/part-0.json.gz";
  const manifest = Buffer.from(JSON.stringify({ itemCount: n, md5Checksum: "x", etag: "y", dataFileS3Key: key }) + "\n").toString("base64");
  const summary = Buffer.from(JSON.stringify({ exportType: "FULL_EXPORT", outputFormat: "DYNAMODB_JSON", itemCount: n })).toString("base64");
  await page.evaluate(
    async ({ key, data, manifest, summary, folder }) => {
      await window.gureum.send("s3", "CreateBucket", { Bucket: "lake" });
      await window.gureum.send("s3", "PutObject", { Bucket: "lake", Key: key, Body: data });
      await window.gureum.send("s3", "PutObject", { Bucket: "lake", Key: folder + "manifest-files.json", Body: manifest });
      await window.gureum.send("s3", "PutObject", { Bucket: "lake", Key: folder + "manifest-summary.json", Body: summary });
    },
    { key, data, manifest, summary, folder: EXPORT },
  );
  return Buffer.from(data, "base64").length;
}

const grid = () => page.getByRole("table", { name: "Query results" });
const cells = (row) => grid().locator("tbody tr").nth(row).locator("td").allTextContents();

test("no exports yet, then an export is found and queried", async () => {
  await page.goto(app.url + "#/athena");
  await page.getByText("No DynamoDB exports found in S3 yet").waitFor();
  const scanned = await writeExport(60);
  await page.reload();
  await page.goto(app.url + "#/athena");
  const folder = `s3://lake/${EXPORT}`;
  await page.getByLabel("Export").waitFor();
  assert.equal(await page.getByLabel("Export").inputValue(), folder);
  assert.equal(await page.getByLabel("SQL").inputValue(), `SELECT *\nFROM "${folder}"\nLIMIT 10`);
  assert.equal(await page.getByLabel("Query results location").inputValue(), "s3://lake/athena-results/");

  await page.getByLabel("SQL").fill(`SELECT author.name AS who, count(*) AS n, sum(price) AS total\nFROM "${folder}"\nGROUP BY author.name\nORDER BY who`);
  await page.getByRole("button", { name: "Run query" }).click();
  const status = page.getByLabel("Query status");
  await status.getByText("SUCCEEDED").waitFor();
  const shown = scanned >= 1024 ? `${(scanned / 1024).toFixed(1)} KB` : `${scanned} B`;
  assert.match(await status.textContent(), new RegExp(`Data scanned: ${shown}`));
  assert.match(await status.textContent(), /Results CSV: s3:\/\/lake\/athena-results\/[0-9a-f-]{36}\.csv/);
  assert.deepEqual(await grid().locator("thead th").allTextContents(), ["whovarchar", "nbigint", "totalbigint"]);
  assert.deepEqual(await cells(0), ["Austen", "30", "1350"]);
  assert.deepEqual(await cells(1), ["Gibson", "30", "1395"]);
  await shot(page, "athena-aggregate");

  // The CSV Athena writes is in S3.
  const csvKey = (await status.locator("code").textContent()).replace("s3://lake/", "");
  const csv = await page.evaluate(async (k) => atob((await window.gureum.send("s3", "GetObject", { Bucket: "lake", Key: k })).Body), csvKey);
  assert.equal(csv, '"who","n","total"\n"Austen","30","1350"\n"Gibson","30","1395"\n');
});

test("results page by 50 rows; NULLs and nested values", async () => {
  const folder = `s3://lake/${EXPORT}`;
  await page.getByLabel("SQL").fill(`SELECT id, tags, tags[1] AS first_tag FROM "${folder}" ORDER BY id`);
  await page.getByRole("button", { name: "Run query" }).click();
  await page.getByText("49 row(s) on this page").waitFor();
  assert.deepEqual(await cells(0), ["b01", "NULL", "NULL"]);
  assert.deepEqual(await cells(2), ["b03", "[classic, scifi]", "classic"]);
  await page.getByRole("button", { name: "Next page ›" }).click();
  await page.getByText("11 row(s) on this page").waitFor();
  assert.deepEqual(await cells(0), ["b50", "NULL", "NULL"]);
  assert.equal(await page.getByRole("button", { name: "Next page ›" }).isDisabled(), true);
  await page.getByRole("button", { name: "‹ Previous" }).click();
  await page.getByText("49 row(s) on this page").waitFor();
  await shot(page, "athena-rows");
});

test("a SQL error fails the query with Athena's reason", async () => {
  const folder = `s3://lake/${EXPORT}`;
  await page.getByLabel("SQL").fill(`SELECT nope FROM "${folder}"`);
  await page.getByRole("button", { name: "Run query" }).click();
  const status = page.getByLabel("Query status");
  await status.getByText("FAILED").waitFor();
  await status.getByText("COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved or requester is not authorized to access requested resources").waitFor();
  assert.equal(await grid().count(), 0);
  await shot(page, "athena-failed");
});
