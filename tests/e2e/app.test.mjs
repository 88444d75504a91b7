// A learner's path through the app: create a table and an item with the UI, reload, still there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, SHOTS } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 860 });
const errors = app.errors;

test("home explains what to do first and where the sandbox lives", async () => {
  await page.getByText("Welcome to Gureum").waitFor();
  await page.getByText("saved in this browser (IndexedDB)").waitFor();
  await page.screenshot({ path: `${SHOTS}/home.png`, fullPage: true });
  assert.equal((await page.evaluate(() => window.gureum.status())).storage, "indexeddb");
});

test("empty Tables panel tells a newcomer what a table is", async () => {
  await page.getByRole("navigation").getByRole("link", { name: "Tables" }).click();
  await page.getByText("No tables in this region yet").waitFor();
  await page.screenshot({ path: `${SHOTS}/tables-empty.png`, fullPage: true });
});

test("a bad table name shows AWS's error as a notification", async () => {
  await page.getByRole("button", { name: "Create your first table" }).click();
  await page.getByLabel("Table name").fill("ab");
  await page.getByLabel("Partition key", { exact: true }).fill("UserId");
  await page.getByRole("form", { name: "Create table" }).getByRole("button", { name: "Create table" }).click();
  const notice = page.locator(".notice.error");
  await notice.waitFor();
  assert.match(await notice.innerText(), /ValidationException[\s\S]*TableName must be at least 3 characters long/);
  await page.screenshot({ path: `${SHOTS}/tables-error.png`, fullPage: true });
  await notice.getByRole("button", { name: "Dismiss" }).click();
});

test("create a table with the form, add an item with the type-aware form, see it in the grid", async () => {
  await page.getByLabel("Table name").fill("Scores");
  await page.getByLabel("Sort key", { exact: false }).first().fill("Game");
  await page.screenshot({ path: `${SHOTS}/tables-create-form.png`, fullPage: true });
  await page.getByRole("form", { name: "Create table" }).getByRole("button", { name: "Create table" }).click();
  // CREATING, then ACTIVE after a second of simulated time.
  await page.locator(".table-detail .badge", { hasText: "ACTIVE" }).waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Add item" }).click();
  const form = page.getByLabel("Item attributes");
  await form.getByLabel("Value of UserId").fill("alice");
  await form.getByLabel("Value of Game").fill("tetris");
  await form.getByLabel("Name of attribute 3").fill("Score");
  await form.getByLabel("Type of Score").selectOption("N");
  await form.getByLabel("Value of Score").fill("lots");
  await page.getByRole("button", { name: "Save item" }).click();
  assert.equal(await page.getByRole("alert").innerText(), "Score must be a number, like 42, -3.5 or 1e6.");
  await form.getByLabel("Value of Score").fill("4200");
  await page.getByRole("button", { name: "+ Add attribute" }).click();
  await form.getByLabel("Name of attribute 4").fill("Tags");
  await form.getByLabel("Type of Tags").selectOption("SS");
  await form.getByLabel("Value of Tags").fill("puzzle\nclassic");
  // The JSON view shows the same item as DynamoDB JSON.
  await page.getByRole("button", { name: "JSON" }).click();
  const json = JSON.parse(await page.getByLabel("Item JSON").inputValue());
  assert.deepEqual(json, { UserId: { S: "alice" }, Game: { S: "tetris" }, Score: { N: "4200" }, Tags: { SS: ["puzzle", "classic"] } });
  await page.getByRole("button", { name: "Form" }).click();
  await page.screenshot({ path: `${SHOTS}/tables-item-form.png`, fullPage: true });
  await page.getByRole("button", { name: "Save item" }).click();
  await page.locator(".items-grid td", { hasText: "alice" }).waitFor();
  const row = await page.locator(".items-grid tbody tr").first().innerText();
  assert.match(row, /alice/);
  assert.match(row, /4200/);
  assert.match(row, /SS/);
  await page.screenshot({ path: `${SHOTS}/tables-item.png`, fullPage: true });
});

test("after a reload the table and the item are still there", async () => {
  await page.reload();
  await page.waitForFunction(() => window.gureum?.status()?.event === "ready");
  await page.locator(".items-grid td", { hasText: "alice" }).waitFor({ timeout: 10000 });
  const list = await page.locator(".table-list").innerText();
  assert.match(list, /Scores[\s\S]*ACTIVE[\s\S]*UserId \(S\)[\s\S]*Game \(S\)[\s\S]*On-demand/);
});

test("a PutItem with a wrong key type shows the exact AWS message", async () => {
  await page.getByRole("button", { name: "Add item" }).click();
  await page.getByRole("button", { name: "JSON" }).click();
  await page.getByLabel("Item JSON").fill(JSON.stringify({ UserId: 42, Game: "x" }));
  await page.getByRole("button", { name: "Save item" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.equal(await alert.innerText(), "ValidationException: One or more parameter values were invalid: Type mismatch for key UserId expected: S actual: N");
  await page.screenshot({ path: `${SHOTS}/tables-item-error.png`, fullPage: true });
  await page.getByRole("button", { name: "Cancel" }).click();
});

test("delete an item from the grid", async () => {
  await page.getByRole("button", { name: "Delete item" }).first().click();
  await page.getByText("No items yet").waitFor();
  const out = await page.evaluate(() => window.gureum.send("dynamodb", "Scan", { TableName: "Scores", Select: "COUNT" }));
  assert.equal(out.Count, 0);
});

test("the query builder runs a Query, shows it as boto3 and JS code, and pages", async () => {
  await page.evaluate(async () => {
    for (const [game, score] of [["chess", 10], ["go", 30], ["tetris", 20], ["uno", 5]]) {
      await window.gureum.send("dynamodb", "PutItem", { TableName: "Scores", Item: { UserId: { S: "bob" }, Game: { S: game }, Score: { N: String(score) } } });
    }
    await window.gureum.send("dynamodb", "PutItem", { TableName: "Scores", Item: { UserId: { S: "carol" }, Game: { S: "go" }, Score: { N: "99" } } });
  });
  await page.getByRole("tab", { name: "Query / Scan" }).click();
  const qb = page.getByLabel("Query and scan builder");
  await qb.locator("#qb-pk").fill("bob");
  await qb.getByLabel("Sort key condition").selectOption(">=");
  await qb.getByLabel("Sort key value").fill("go");
  await qb.locator("#qb-filter").fill("Score > :min");
  await qb.locator("#qb-fvalues").fill('{":min": 8}');
  await qb.locator("#qb-limit").fill("2");
  const code = await qb.getByLabel("Request as code").innerText();
  assert.match(code, /client\.query\(/);
  assert.match(code, /KeyConditionExpression="#pk = :pk AND #sk >= :sk1"/);
  await qb.getByRole("button", { name: "Run Query" }).click();
  await qb.getByText("ScannedCount 2").waitFor();
  // go (30) and tetris (20) were read; both pass the filter; uno is on the next page.
  assert.match(await qb.locator(".qb-result").innerText(), /Count 2[\s\S]*go[\s\S]*tetris/);
  await page.screenshot({ path: `${SHOTS}/tables-query-builder.png`, fullPage: true });
  await qb.getByRole("button", { name: "Next page ›" }).click();
  await qb.getByText("ScannedCount 1").waitFor();
  assert.match(await qb.locator(".qb-result").innerText(), /Count 0/, "uno (5) fails the filter");
  await qb.getByRole("button", { name: "JavaScript (SDK v3)" }).click();
  assert.match(await qb.getByLabel("Request as code").innerText(), /new QueryCommand\(/);
  await qb.getByRole("button", { name: "Scan" }).click();
  await qb.getByRole("button", { name: "Run Scan" }).click();
  await qb.getByText("ScannedCount 2").waitFor();
});

test("the query builder reads a global secondary index", async () => {
  await page.evaluate(async () => {
    await window.gureum.send("dynamodb", "CreateTable", {
      TableName: "Orders",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }, { AttributeName: "customer", AttributeType: "S" }, { AttributeName: "total", AttributeType: "N" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [{ IndexName: "ByCustomer", KeySchema: [{ AttributeName: "customer", KeyType: "HASH" }, { AttributeName: "total", KeyType: "RANGE" }], Projection: { ProjectionType: "ALL" } }],
      BillingMode: "PAY_PER_REQUEST",
    });
    await window.gureum.sim("AdvanceClock", { seconds: 2 });
    for (const [id, customer, total] of [["o1", "kim", 30], ["o2", "lee", 5], ["o3", "kim", 99]]) {
      await window.gureum.send("dynamodb", "PutItem", { TableName: "Orders", Item: { id: { S: id }, customer: { S: customer }, total: { N: String(total) } } });
    }
  });
  await page.goto(page.url().replace(/#.*$/, "") + "#/tables/Orders");
  await page.getByRole("tab", { name: "Query / Scan" }).click();
  const qb = page.getByLabel("Query and scan builder");
  await qb.locator("#qb-index").selectOption("ByCustomer");
  await qb.locator("#qb-pk").fill("kim");
  await qb.locator("#qb-order").selectOption("desc");
  assert.match(await qb.getByLabel("Request as code").innerText(), /IndexName="ByCustomer"/);
  await qb.getByRole("button", { name: "Run Query" }).click();
  await qb.getByText("Count 2", { exact: true }).waitFor();
  assert.match(await qb.locator(".qb-result").innerText(), /o3[\s\S]*99[\s\S]*o1[\s\S]*30/);
  await page.screenshot({ path: `${SHOTS}/tables-query-index.png`, fullPage: true });
});

test("the Indexes tab adds a GSI that backfills, then serves a query", async () => {
  await page.goto(page.url().replace(/#.*$/, "") + "#/tables/Scores");
  await page.getByRole("tab", { name: "Indexes" }).click();
  await page.getByText("This table has no secondary indexes.").waitFor();
  await page.getByRole("button", { name: "Create global secondary index" }).click();
  const form = page.getByRole("form", { name: "Create global secondary index" });
  await form.getByLabel("Index name").fill("GameScore");
  await form.getByLabel("Index partition key", { exact: true }).fill("Game");
  await form.getByLabel("Index sort key", { exact: true }).fill("Score");
  await form.getByLabel("Index sort key type").selectOption("N");
  await form.getByLabel("Projection").selectOption("KEYS_ONLY");
  await form.getByRole("button", { name: "Create index" }).click();
  const idx = page.getByLabel("Secondary indexes");
  await idx.locator(".badge", { hasText: "CREATING" }).waitFor();
  await page.screenshot({ path: `${SHOTS}/tables-indexes-creating.png`, fullPage: true });
  await page.evaluate(() => window.gureum.sim("AdvanceClock", { seconds: 30 }));
  await idx.locator(".badge", { hasText: "ACTIVE" }).waitFor();
  assert.match(await idx.locator("tbody tr").innerText(), /GameScore[\s\S]*GSI[\s\S]*Game \(S\)[\s\S]*Score \(N\)[\s\S]*KEYS_ONLY[\s\S]*5/);
  await page.screenshot({ path: `${SHOTS}/tables-indexes.png`, fullPage: true });
  const out = await page.evaluate(() => window.gureum.send("dynamodb", "Query", { TableName: "Scores", IndexName: "GameScore", KeyConditionExpression: "Game = :g", ExpressionAttributeValues: { ":g": { S: "go" } } }));
  assert.deepEqual(out.Items.map((i) => i.Score.N), ["30", "99"]);
});

test("the Partitions tab draws item collections sorted by sort key", async () => {
  await page.getByRole("tab", { name: "Partitions" }).click();
  const parts = page.getByLabel("Partitions");
  await parts.locator(".partition-card").first().waitFor();
  const cards = await parts.locator(".partition-card").allInnerTexts();
  const bob = cards.find((c) => c.includes("UserId = bob"));
  assert.ok(bob, cards.join("\n"));
  assert.match(bob, /4 items[\s\S]*chess[\s\S]*go[\s\S]*tetris[\s\S]*uno/);
  await page.screenshot({ path: `${SHOTS}/tables-partitions.png`, fullPage: true });
});

test("the PartiQL editor runs statements with parameters and shows AWS's errors", async () => {
  await page.getByRole("tab", { name: "PartiQL" }).click();
  const ed = page.getByLabel("PartiQL editor");
  await ed.getByRole("button", { name: "SELECT (query)" }).click();
  assert.equal(await ed.getByLabel("PartiQL statement").inputValue(), 'SELECT * FROM "Scores" WHERE "UserId" = ?');
  await ed.getByLabel("Parameters").fill('["bob"]');
  await ed.getByRole("button", { name: "Run statement" }).click();
  await ed.getByText("4 item(s)").waitFor();
  assert.match(await ed.locator("tbody").innerText(), /chess[\s\S]*go[\s\S]*tetris[\s\S]*uno/);
  await page.screenshot({ path: `${SHOTS}/tables-partiql.png`, fullPage: true });
  await ed.getByLabel("Parameters").fill("");
  await ed.getByLabel("PartiQL statement").fill(`INSERT INTO "Scores" VALUE {'UserId': 'dan', 'Game': 'go', 'Score': 7}`);
  await ed.getByRole("button", { name: "Run statement" }).click();
  await ed.getByText("statement done").waitFor();
  await ed.getByRole("button", { name: "Run statement" }).click();
  assert.equal(await ed.getByRole("alert").innerText(), "DuplicateItemException: Duplicate primary key exists in table");
  await ed.getByLabel("PartiQL statement").fill(`SELEC * FROM "Scores"`);
  await ed.getByRole("button", { name: "Run statement" }).click();
  // The duplicate-key alert is replaced by the new one: wait for it rather than read at once.
  const syntax = ed.getByRole("alert").filter({ hasText: "Statement wasn't well formed" });
  await syntax.waitFor();
  assert.match(await syntax.innerText(), /^ValidationException: Statement wasn't well formed/);
});

test("the create-table wizard adds a global index", async () => {
  await page.getByRole("button", { name: "Create table", exact: true }).click();
  const form = page.getByRole("form", { name: "Create table" });
  await form.getByLabel("Table name").fill("Books");
  await form.getByLabel("Partition key", { exact: true }).fill("Isbn");
  await form.getByRole("button", { name: "+ Global index" }).click();
  await form.getByLabel("Global index 1 name").fill("ByAuthor");
  await form.getByLabel("Global index 1 partition key", { exact: true }).fill("Author");
  await form.getByLabel("Global index 1 sort key", { exact: true }).fill("Year");
  await form.getByLabel("Global index 1 sort key type").selectOption("N");
  await page.screenshot({ path: `${SHOTS}/tables-create-with-index.png`, fullPage: true });
  await form.getByRole("button", { name: "Create table" }).click();
  await page.locator(".table-detail h2", { hasText: "Books" }).waitFor();
  const d = await page.evaluate(() => window.gureum.send("dynamodb", "DescribeTable", { TableName: "Books" }));
  assert.deepEqual(d.Table.GlobalSecondaryIndexes[0].KeySchema, [{ AttributeName: "Author", KeyType: "HASH" }, { AttributeName: "Year", KeyType: "RANGE" }]);
  assert.deepEqual(d.Table.AttributeDefinitions.map((a) => a.AttributeName + ":" + a.AttributeType), ["Isbn:S", "Author:S", "Year:N"]);
});

test("a sample data set loads in one click", async () => {
  await page.getByLabel("Load sample data").selectOption("GameScores");
  await page.getByText("Sample loaded").waitFor({ timeout: 15000 });
  await page.locator(".table-detail h2", { hasText: "GameScores" }).waitFor();
  const out = await page.evaluate(() => window.gureum.send("dynamodb", "Scan", { TableName: "GameScores", Select: "COUNT" }));
  assert.ok(out.Count >= 20, String(out.Count));
  await page.getByRole("tab", { name: "Indexes" }).click();
  await page.getByLabel("Secondary indexes").getByText("GameTitleIndex").waitFor();
});

test("the clock bar jumps a day ahead", async () => {
  const before = (await page.evaluate(() => window.gureum.sim("GetClock"))).now;
  await page.getByRole("button", { name: "+1 d" }).click();
  await page.getByText("Jumped ahead one day").waitFor();
  const after = (await page.evaluate(() => window.gureum.sim("GetClock"))).now;
  assert.ok(after - before >= 86_400_000, `${after} - ${before}`);
  await page.getByRole("button", { name: "‖ Pause" }).click();
  await page.getByText("‖ paused").waitFor();
  assert.equal((await page.evaluate(() => window.gureum.sim("GetClock"))).paused, true);
  await page.getByRole("button", { name: "▶ Play" }).click();
  await page.screenshot({ path: `${SHOTS}/clock.png` });
});

test("regions are separate", async () => {
  await page.getByLabel("Region").selectOption("ap-northeast-2");
  await page.getByText("No tables in this region yet").waitFor();
  await page.getByLabel("Region").selectOption("us-east-1");
  await page.locator(".table-list", { hasText: "Scores" }).waitFor();
});

test("the Auth panel (the last to replace its info page) lists user pools", async () => {
  await page.getByRole("navigation").getByRole("link", { name: "Auth" }).click();
  await page.getByText("Amazon Cognito · user pools").waitFor();
  await page.getByText("No user pools in this region yet").waitFor();
  assert.equal(await page.locator(".info-panel").count(), 0);
  await page.screenshot({ path: `${SHOTS}/panel-auth.png`, fullPage: true });
});

test("window.gureum rejects with {__type, message}", async () => {
  const err = await page.evaluate(() => window.gureum.send("dynamodb", "GetItem", { TableName: "Nope", Key: { k: { S: "x" } } }).then(() => null, (e) => e));
  assert.equal(err.__type, "ResourceNotFoundException");
  assert.equal(err.message, "Requested resource not found");
  const bad = await page.evaluate(() => window.gureum.send("dynamodb", "Explode", {}).then(() => null, (e) => e));
  assert.equal(bad.__type, "UnknownOperationException");
});

test("no uncaught page errors", () => {
  assert.deepEqual(errors, []);
});
