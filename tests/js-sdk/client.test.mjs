// The AWS SDK for JavaScript v3 (@aws-sdk/client-dynamodb) against `gureum serve`: what is
// asserted is what real DynamoDB answers (shapes, error names, messages, status codes), so a
// failure means the wire format or the engine differs from AWS, or the SDK expects more.
// Run: cargo build -p gureum-server && node --test --test-concurrency=1 tests/js-sdk/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  paginateListTables,
  paginateQuery,
  paginateScan,
} from "@aws-sdk/client-dynamodb";
import { client, rejected, setup, startServer, waitExists, waitNotExists } from "./lib.mjs";

const ARN = /^arn:aws:dynamodb:us-east-1:\d{12}:table\/(.+)$/;

/** Creates a PAY_PER_REQUEST table (pk S, optional sk) and waits until it is ACTIVE. */
async function makeTable(ddb, TableName, { sk, wait = true } = {}) {
  const attrs = [{ AttributeName: "pk", AttributeType: "S" }];
  const schema = [{ AttributeName: "pk", KeyType: "HASH" }];
  if (sk) {
    attrs.push({ AttributeName: "sk", AttributeType: sk });
    schema.push({ AttributeName: "sk", KeyType: "RANGE" });
  }
  const out = await ddb.send(new CreateTableCommand({ TableName, AttributeDefinitions: attrs, KeySchema: schema, BillingMode: "PAY_PER_REQUEST" }));
  if (wait) await waitExists(ddb, TableName);
  return out.TableDescription;
}

/** Writes `items` (DynamoDB JSON) with BatchWriteItem, 25 at a time; every request must be processed. */
async function batchPut(ddb, TableName, items) {
  for (let i = 0; i < items.length; i += 25) {
    const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    assert.deepEqual(out.UnprocessedItems, {});
  }
}

async function collect(paginator) {
  const pages = [];
  for await (const page of paginator) pages.push(page);
  return pages;
}

test("CreateTable with a GSI, waitUntilTableExists, DescribeTable and a Query on the index", async (t) => {
  const { ddb } = await setup(t);
  const before = Date.now();
  const created = await ddb.send(new CreateTableCommand({
    TableName: "Orders",
    AttributeDefinitions: [
      { AttributeName: "id", AttributeType: "S" },
      { AttributeName: "customer", AttributeType: "S" },
      { AttributeName: "total", AttributeType: "N" },
    ],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    GlobalSecondaryIndexes: [{
      IndexName: "ByCustomer",
      KeySchema: [{ AttributeName: "customer", KeyType: "HASH" }, { AttributeName: "total", KeyType: "RANGE" }],
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["status"] },
    }],
    BillingMode: "PAY_PER_REQUEST",
  }));
  assert.equal(created.$metadata.httpStatusCode, 200);
  assert.equal(created.TableDescription.TableStatus, "CREATING");
  assert.equal(created.TableDescription.TableName, "Orders");

  const waited = await waitExists(ddb, "Orders");
  assert.equal(waited.state, "SUCCESS");

  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: "Orders" }));
  assert.equal(Table.TableStatus, "ACTIVE");
  assert.deepEqual(Table.KeySchema, [{ AttributeName: "id", KeyType: "HASH" }]);
  assert.deepEqual(
    [...Table.AttributeDefinitions].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName)),
    [{ AttributeName: "customer", AttributeType: "S" }, { AttributeName: "id", AttributeType: "S" }, { AttributeName: "total", AttributeType: "N" }],
  );
  assert.equal(Table.BillingModeSummary.BillingMode, "PAY_PER_REQUEST");
  assert.equal(Table.ItemCount, 0);
  assert.equal(ARN.exec(Table.TableArn)?.[1], "Orders");
  assert.equal(Table.TableId, created.TableDescription.TableId);
  // The SDK parses the epoch-seconds timestamp into a Date; virtual time starts at wall time.
  assert.ok(Table.CreationDateTime instanceof Date);
  assert.ok(Math.abs(Table.CreationDateTime.getTime() - before) < 10000, `${Table.CreationDateTime.toISOString()} is not now`);
  assert.equal(Table.GlobalSecondaryIndexes.length, 1);
  const gsi = Table.GlobalSecondaryIndexes[0];
  assert.equal(gsi.IndexName, "ByCustomer");
  assert.equal(gsi.IndexStatus, "ACTIVE");
  assert.deepEqual(gsi.KeySchema, [{ AttributeName: "customer", KeyType: "HASH" }, { AttributeName: "total", KeyType: "RANGE" }]);
  assert.deepEqual(gsi.Projection, { ProjectionType: "INCLUDE", NonKeyAttributes: ["status"] });
  assert.equal(ARN.exec(gsi.IndexArn.replace(/\/index\/ByCustomer$/, ""))?.[1], "Orders");

  const orders = [["o0", "kim", "30"], ["o1", "lee", "5"], ["o2", "kim", "12"], ["o3", "kim", "99"], ["o4", "kim", "3"]];
  for (const [id, customer, total] of orders) {
    await ddb.send(new PutItemCommand({ TableName: "Orders", Item: { id: { S: id }, customer: { S: customer }, total: { N: total }, status: { S: "open" }, note: { S: "x" } } }));
  }
  const q = await ddb.send(new QueryCommand({
    TableName: "Orders", IndexName: "ByCustomer",
    KeyConditionExpression: "customer = :c AND #t >= :min",
    ExpressionAttributeNames: { "#t": "total" },
    ExpressionAttributeValues: { ":c": { S: "kim" }, ":min": { N: "12" } },
    ScanIndexForward: false,
  }));
  assert.equal(q.Count, 3);
  assert.deepEqual(q.Items.map((i) => [i.id.S, i.total.N]), [["o3", "99"], ["o0", "30"], ["o2", "12"]]);
  // INCLUDE projection: keys plus `status`, never `note`.
  for (const item of q.Items) assert.deepEqual(Object.keys(item).sort(), ["customer", "id", "status", "total"]);

  const described = (await ddb.send(new DescribeTableCommand({ TableName: "Orders" }))).Table;
  assert.equal(described.ItemCount, 5);
  assert.equal(described.GlobalSecondaryIndexes[0].ItemCount, 5);
});

test("PutItem, GetItem, UpdateItem and DeleteItem with ReturnValues", async (t) => {
  const { ddb } = await setup(t);
  await makeTable(ddb, "Items", { sk: "N" });
  const key = { pk: { S: "user#1" }, sk: { N: "1" } };
  const item = { ...key, name: { S: "Ada" }, visits: { N: "1" }, tags: { SS: ["a", "b"] }, profile: { M: { lang: { S: "ko" }, age: { N: "36" } } } };

  const first = await ddb.send(new PutItemCommand({ TableName: "Items", Item: item, ReturnValues: "ALL_OLD" }));
  assert.equal(first.$metadata.httpStatusCode, 200);
  assert.equal(first.Attributes, undefined); // nothing was there before
  const second = await ddb.send(new PutItemCommand({ TableName: "Items", Item: item, ReturnValues: "ALL_OLD" }));
  assert.deepEqual(second.Attributes, item);

  const got = await ddb.send(new GetItemCommand({ TableName: "Items", Key: key, ConsistentRead: true }));
  assert.deepEqual(got.Item, item);
  const projected = await ddb.send(new GetItemCommand({ TableName: "Items", Key: key, ProjectionExpression: "#n, profile.lang", ExpressionAttributeNames: { "#n": "name" } }));
  assert.deepEqual(projected.Item, { name: { S: "Ada" }, profile: { M: { lang: { S: "ko" } } } });
  const missing = await ddb.send(new GetItemCommand({ TableName: "Items", Key: { pk: { S: "nobody" }, sk: { N: "1" } } }));
  assert.equal(missing.Item, undefined);

  const updatedNew = await ddb.send(new UpdateItemCommand({
    TableName: "Items", Key: key,
    UpdateExpression: "SET visits = visits + :one, profile.city = :city ADD tags :t REMOVE #n",
    ExpressionAttributeNames: { "#n": "name" },
    ExpressionAttributeValues: { ":one": { N: "1" }, ":city": { S: "Seoul" }, ":t": { SS: ["c"] } },
    ReturnValues: "UPDATED_NEW",
  }));
  assert.equal(updatedNew.Attributes.visits.N, "2");
  assert.deepEqual([...updatedNew.Attributes.tags.SS].sort(), ["a", "b", "c"]);
  assert.deepEqual(updatedNew.Attributes.profile, { M: { city: { S: "Seoul" } } });
  assert.equal(updatedNew.Attributes.name, undefined);
  assert.deepEqual(Object.keys(updatedNew.Attributes).sort(), ["profile", "tags", "visits"]);

  const updatedOld = await ddb.send(new UpdateItemCommand({
    TableName: "Items", Key: key, UpdateExpression: "SET visits = :ten",
    ExpressionAttributeValues: { ":ten": { N: "10" } }, ReturnValues: "UPDATED_OLD",
  }));
  assert.deepEqual(updatedOld.Attributes, { visits: { N: "2" } });

  const allNew = await ddb.send(new UpdateItemCommand({
    TableName: "Items", Key: key, UpdateExpression: "SET visits = visits - :n",
    ExpressionAttributeValues: { ":n": { N: "0.5" } }, ReturnValues: "ALL_NEW",
  }));
  assert.equal(allNew.Attributes.visits.N, "9.5");
  assert.equal(allNew.Attributes.pk.S, "user#1");
  assert.deepEqual(allNew.Attributes.profile, { M: { lang: { S: "ko" }, age: { N: "36" }, city: { S: "Seoul" } } });

  // UpdateItem on a missing key creates the item (upsert).
  const created = await ddb.send(new UpdateItemCommand({
    TableName: "Items", Key: { pk: { S: "user#2" }, sk: { N: "1" } }, UpdateExpression: "SET visits = :one",
    ExpressionAttributeValues: { ":one": { N: "1" } }, ReturnValues: "ALL_NEW",
  }));
  assert.deepEqual(created.Attributes, { pk: { S: "user#2" }, sk: { N: "1" }, visits: { N: "1" } });

  const deleted = await ddb.send(new DeleteItemCommand({ TableName: "Items", Key: key, ReturnValues: "ALL_OLD" }));
  assert.equal(deleted.Attributes.visits.N, "9.5");
  assert.equal((await ddb.send(new GetItemCommand({ TableName: "Items", Key: key, ConsistentRead: true }))).Item, undefined);
  const again = await ddb.send(new DeleteItemCommand({ TableName: "Items", Key: key, ReturnValues: "ALL_OLD" }));
  assert.equal(again.Attributes, undefined); // deleting what is not there succeeds, returns nothing
  assert.equal((await ddb.send(new ScanCommand({ TableName: "Items" }))).Count, 1);
});

test("a failed ConditionExpression is a ConditionalCheckFailedException (400) and changes nothing", async (t) => {
  const { ddb } = await setup(t);
  await makeTable(ddb, "Guarded");
  const item = { pk: { S: "a" }, qty: { N: "3" } };
  await ddb.send(new PutItemCommand({ TableName: "Guarded", Item: item, ConditionExpression: "attribute_not_exists(pk)" }));

  const put = await rejected(() => ddb.send(new PutItemCommand({
    TableName: "Guarded", Item: { pk: { S: "a" }, qty: { N: "100" } }, ConditionExpression: "attribute_not_exists(pk)",
  })));
  assert.ok(put instanceof ConditionalCheckFailedException, `got ${put.name}: ${put.message}`);
  assert.equal(put.name, "ConditionalCheckFailedException");
  assert.equal(put.message, "The conditional request failed");
  assert.equal(put.$metadata.httpStatusCode, 400);
  assert.ok(put.$metadata.requestId, "a request id");
  assert.equal(put.$fault, "client");

  const update = await rejected(() => ddb.send(new UpdateItemCommand({
    TableName: "Guarded", Key: { pk: { S: "a" } }, UpdateExpression: "SET qty = qty - :n",
    ConditionExpression: "qty >= :n", ExpressionAttributeValues: { ":n": { N: "5" } },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  })));
  assert.equal(update.name, "ConditionalCheckFailedException");
  assert.equal(update.$metadata.httpStatusCode, 400);
  assert.deepEqual(update.Item, item); // the item as it was, because of ReturnValuesOnConditionCheckFailure

  const del = await rejected(() => ddb.send(new DeleteItemCommand({
    TableName: "Guarded", Key: { pk: { S: "a" } }, ConditionExpression: "qty = :n", ExpressionAttributeValues: { ":n": { N: "4" } },
  })));
  assert.ok(del instanceof ConditionalCheckFailedException);
  assert.equal(del.Item, undefined); // not asked for

  assert.deepEqual((await ddb.send(new GetItemCommand({ TableName: "Guarded", Key: { pk: { S: "a" } }, ConsistentRead: true }))).Item, item);
});

test("Query pages with paginateQuery in numeric sort-key order, both directions", async (t) => {
  const { ddb } = await setup(t);
  await makeTable(ddb, "Events", { sk: "N" });
  const items = [];
  for (let i = 0; i < 120; i++) items.push({ pk: { S: "p1" }, sk: { N: String(i) }, body: { S: `event ${i}` } });
  for (let i = 0; i < 10; i++) items.push({ pk: { S: "p2" }, sk: { N: String(i) } });
  await batchPut(ddb, "Events", items);

  const input = {
    TableName: "Events",
    KeyConditionExpression: "pk = :p AND sk BETWEEN :lo AND :hi",
    ExpressionAttributeValues: { ":p": { S: "p1" }, ":lo": { N: "10" }, ":hi": { N: "99" } },
  };
  // The SDK's paginators write ExclusiveStartKey and Limit into the input they are given: pass copies.
  const pages = await collect(paginateQuery({ client: ddb, pageSize: 25 }, { ...input }));
  assert.deepEqual(pages.map((p) => p.Count), [25, 25, 25, 15]);
  const sks = pages.flatMap((p) => p.Items.map((i) => Number(i.sk.N)));
  assert.deepEqual(sks, Array.from({ length: 90 }, (_, i) => i + 10)); // 10..99, numeric order (not "10" < "100" < "11")
  assert.deepEqual(pages[0].LastEvaluatedKey, { pk: { S: "p1" }, sk: { N: "34" } });
  assert.equal(pages.at(-1).LastEvaluatedKey, undefined);

  const backwards = await collect(paginateQuery({ client: ddb, pageSize: 50 }, { ...input, ScanIndexForward: false }));
  assert.deepEqual(backwards.flatMap((p) => p.Items.map((i) => Number(i.sk.N))), Array.from({ length: 90 }, (_, i) => 99 - i));

  const filtered = await ddb.send(new QueryCommand({
    TableName: "Events", KeyConditionExpression: "pk = :p", FilterExpression: "contains(body, :seven)",
    ExpressionAttributeValues: { ":p": { S: "p1" }, ":seven": { S: "7" } },
  }));
  assert.equal(filtered.ScannedCount, 120);
  assert.equal(filtered.Count, filtered.Items.length);
  assert.equal(filtered.Count, Array.from({ length: 120 }, (_, i) => String(i)).filter((s) => s.includes("7")).length);

  const counted = await ddb.send(new QueryCommand({ TableName: "Events", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "p2" } }, Select: "COUNT" }));
  assert.equal(counted.Count, 10);
  assert.equal(counted.Items, undefined);
});

test("Scan with a filter, pages and parallel segments", async (t) => {
  const { ddb } = await setup(t);
  await makeTable(ddb, "Catalog");
  const items = Array.from({ length: 200 }, (_, i) => ({ pk: { S: `item-${i}` }, price: { N: String(i) }, kind: { S: i % 3 === 0 ? "book" : "toy" } }));
  await batchPut(ddb, "Catalog", items);

  const all = await ddb.send(new ScanCommand({ TableName: "Catalog" }));
  assert.equal(all.Count, 200);
  assert.equal(all.ScannedCount, 200);
  assert.equal(new Set(all.Items.map((i) => i.pk.S)).size, 200);

  const pages = await collect(paginateScan({ client: ddb, pageSize: 30 }, {
    TableName: "Catalog", FilterExpression: "kind = :k AND price >= :min",
    ExpressionAttributeValues: { ":k": { S: "book" }, ":min": { N: "100" } },
  }));
  assert.equal(pages.length, 7); // 200 items read 30 at a time; Limit counts items read, not returned
  assert.deepEqual(pages.map((p) => p.ScannedCount), [30, 30, 30, 30, 30, 30, 20]);
  const books = pages.flatMap((p) => p.Items.map((i) => Number(i.price.N))).sort((a, b) => a - b);
  assert.deepEqual(books, Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 3 === 0 && i >= 100));

  const segments = await Promise.all([0, 1, 2, 3].map((Segment) => collect(paginateScan({ client: ddb, pageSize: 40 }, { TableName: "Catalog", Segment, TotalSegments: 4 }))));
  const keys = segments.flatMap((pages) => pages.flatMap((p) => p.Items.map((i) => i.pk.S)));
  assert.equal(keys.length, 200);
  assert.equal(new Set(keys).size, 200); // every item in exactly one segment
});

test("BatchWriteItem and BatchGetItem across two tables", async (t) => {
  const { ddb } = await setup(t);
  await makeTable(ddb, "Left");
  await makeTable(ddb, "Right", { sk: "N" });
  const write = await ddb.send(new BatchWriteItemCommand({
    RequestItems: {
      Left: Array.from({ length: 15 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `l${i}` }, n: { N: String(i) }, extra: { S: "e" } } } })),
      Right: Array.from({ length: 10 }, (_, i) => ({ PutRequest: { Item: { pk: { S: "r" }, sk: { N: String(i) } } } })),
    },
  }));
  assert.deepEqual(write.UnprocessedItems, {});

  const deletes = await ddb.send(new BatchWriteItemCommand({
    RequestItems: {
      Left: [{ DeleteRequest: { Key: { pk: { S: "l0" } } } }, { DeleteRequest: { Key: { pk: { S: "l1" } } } }],
      Right: [{ DeleteRequest: { Key: { pk: { S: "r" }, sk: { N: "9" } } } }, { PutRequest: { Item: { pk: { S: "r" }, sk: { N: "10" } } } }],
    },
  }));
  assert.deepEqual(deletes.UnprocessedItems, {});

  const got = await ddb.send(new BatchGetItemCommand({
    RequestItems: {
      Left: { Keys: Array.from({ length: 15 }, (_, i) => ({ pk: { S: `l${i}` } })), ProjectionExpression: "pk, n" },
      Right: { Keys: [8, 9, 10].map((i) => ({ pk: { S: "r" }, sk: { N: String(i) } })), ConsistentRead: true },
    },
  }));
  assert.deepEqual(got.UnprocessedKeys, {});
  const left = got.Responses.Left.map((i) => i.pk.S).sort();
  assert.deepEqual(left, Array.from({ length: 13 }, (_, i) => `l${i + 2}`).sort()); // l0 and l1 deleted
  for (const item of got.Responses.Left) assert.deepEqual(Object.keys(item).sort(), ["n", "pk"]);
  assert.deepEqual(got.Responses.Right.map((i) => i.sk.N).sort(), ["10", "8"]);

  // More than 25 requests in one call is refused as a whole.
  const tooMany = await rejected(() => ddb.send(new BatchWriteItemCommand({
    RequestItems: { Left: Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `x${i}` } } } })) },
  })));
  assert.equal(tooMany.name, "ValidationException");
  assert.equal(tooMany.$metadata.httpStatusCode, 400);
  assert.equal((await ddb.send(new ScanCommand({ TableName: "Left", Select: "COUNT" }))).Count, 13);
});

test("TransactWriteItems: a failed condition cancels all, with CancellationReasons", async (t) => {
  const { ddb } = await setup(t);
  await makeTable(ddb, "Bank");
  await ddb.send(new PutItemCommand({ TableName: "Bank", Item: { pk: { S: "alice" }, bal: { N: "10" } } }));
  await ddb.send(new PutItemCommand({ TableName: "Bank", Item: { pk: { S: "bob" }, bal: { N: "0" } } }));
  const transfer = (amount, ClientRequestToken) => ddb.send(new TransactWriteItemsCommand({
    ClientRequestToken,
    TransactItems: [
      { Update: { TableName: "Bank", Key: { pk: { S: "alice" } }, UpdateExpression: "SET bal = bal - :a", ConditionExpression: "bal >= :a", ExpressionAttributeValues: { ":a": { N: String(amount) } }, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
      { Update: { TableName: "Bank", Key: { pk: { S: "bob" } }, UpdateExpression: "SET bal = bal + :a", ExpressionAttributeValues: { ":a": { N: String(amount) } } } },
      { Put: { TableName: "Bank", Item: { pk: { S: `log#${ClientRequestToken}` }, amount: { N: String(amount) } }, ConditionExpression: "attribute_not_exists(pk)" } },
    ],
  }));
  const balances = async () => {
    const out = await ddb.send(new TransactGetItemsCommand({ TransactItems: ["alice", "bob"].map((n) => ({ Get: { TableName: "Bank", Key: { pk: { S: n } } } })) }));
    return out.Responses.map((r) => r.Item.bal.N);
  };

  const ok = await transfer(7, "t1");
  assert.equal(ok.$metadata.httpStatusCode, 200);
  assert.deepEqual(await balances(), ["3", "7"]);

  const err = await rejected(() => transfer(7, "t2"));
  assert.ok(err instanceof TransactionCanceledException, `got ${err.name}: ${err.message}`);
  assert.equal(err.name, "TransactionCanceledException");
  assert.equal(err.$metadata.httpStatusCode, 400);
  assert.equal(err.message, "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None]");
  assert.deepEqual(err.CancellationReasons.map((r) => r.Code), ["ConditionalCheckFailed", "None", "None"]);
  assert.equal(err.CancellationReasons[0].Message, "The conditional request failed");
  assert.deepEqual(err.CancellationReasons[0].Item, { pk: { S: "alice" }, bal: { N: "3" } });
  assert.deepEqual(await balances(), ["3", "7"]); // nothing applied
  assert.equal((await ddb.send(new GetItemCommand({ TableName: "Bank", Key: { pk: { S: "log#t2" } } }))).Item, undefined);
});

test("ListTables pages with Limit, ExclusiveStartTableName and paginateListTables", async (t) => {
  const { ddb } = await setup(t);
  const names = ["gamma", "alpha", "delta", "beta", "epsilon"];
  for (const n of names) await makeTable(ddb, n, { wait: false }); // CREATING tables are listed too
  assert.deepEqual((await ddb.send(new ListTablesCommand({}))).TableNames, [...names].sort());

  const first = await ddb.send(new ListTablesCommand({ Limit: 2 }));
  assert.deepEqual(first.TableNames, ["alpha", "beta"]);
  assert.equal(first.LastEvaluatedTableName, "beta");
  const rest = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: "beta" }));
  assert.deepEqual(rest.TableNames, ["delta", "epsilon", "gamma"]);
  assert.equal(rest.LastEvaluatedTableName, undefined);

  const pages = await collect(paginateListTables({ client: ddb, pageSize: 2 }, {}));
  assert.deepEqual(pages.map((p) => p.TableNames), [["alpha", "beta"], ["delta", "epsilon"], ["gamma"]]);
});

test("DeleteTable and waitUntilTableNotExists; the table is gone", async (t) => {
  const { ddb } = await setup(t);
  await makeTable(ddb, "Doomed");
  await ddb.send(new PutItemCommand({ TableName: "Doomed", Item: { pk: { S: "x" } } }));
  const out = await ddb.send(new DeleteTableCommand({ TableName: "Doomed" }));
  assert.equal(out.TableDescription.TableName, "Doomed");
  assert.equal(out.TableDescription.TableStatus, "DELETING");

  const waited = await waitNotExists(ddb, "Doomed");
  assert.equal(waited.state, "SUCCESS");
  assert.deepEqual((await ddb.send(new ListTablesCommand({}))).TableNames, []);

  const described = await rejected(() => ddb.send(new DescribeTableCommand({ TableName: "Doomed" })));
  assert.ok(described instanceof ResourceNotFoundException);
  assert.equal(described.message, "Requested resource not found: Table: Doomed not found");
  assert.equal(described.$metadata.httpStatusCode, 400);
  const read = await rejected(() => ddb.send(new GetItemCommand({ TableName: "Doomed", Key: { pk: { S: "x" } } })));
  assert.equal(read.name, "ResourceNotFoundException");
  assert.equal(read.message, "Requested resource not found");

  // The name can be used again, and the new table is empty.
  await makeTable(ddb, "Doomed");
  assert.equal((await ddb.send(new ScanCommand({ TableName: "Doomed" }))).Count, 0);
});

test("ValidationException carries AWS's message and nothing is written", async (t) => {
  const { ddb } = await setup(t);
  await makeTable(ddb, "Keys", { sk: "N" });
  const cases = [
    [{ pk: { N: "1" }, sk: { N: "1" } }, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"],
    [{ pk: { S: "a" } }, "One or more parameter values were invalid: Missing the key sk in the item"],
    [{ pk: { S: "" }, sk: { N: "1" } }, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"],
    [{ pk: { S: "a" }, sk: { N: "1" }, n: { N: "1".repeat(39) } }, "Attempting to store more than 38 significant digits in a Number"],
  ];
  for (const [Item, message] of cases) {
    const err = await rejected(() => ddb.send(new PutItemCommand({ TableName: "Keys", Item })));
    assert.equal(err.name, "ValidationException");
    assert.equal(err.message, message);
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.$fault, "client");
  }
  const badKey = await rejected(() => ddb.send(new GetItemCommand({ TableName: "Keys", Key: { pk: { S: "a" } } })));
  assert.equal(badKey.message, "The provided key element does not match the schema");

  const badName = await rejected(() => ddb.send(new CreateTableCommand({
    TableName: "bad name!", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
  })));
  assert.equal(badName.name, "ValidationException");
  assert.equal(badName.message, "1 validation error detected: Value 'bad name!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");

  const syntax = await rejected(() => ddb.send(new UpdateItemCommand({
    TableName: "Keys", Key: { pk: { S: "a" }, sk: { N: "1" } }, UpdateExpression: "SET #x = :v", ExpressionAttributeValues: { ":v": { S: "v" } },
  })));
  assert.equal(syntax.name, "ValidationException");
  assert.equal(syntax.message, "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #x");

  assert.deepEqual((await ddb.send(new DescribeTableCommand({ TableName: "Keys" }))).Table.ItemCount, 0);
  assert.deepEqual((await ddb.send(new ListTablesCommand({}))).TableNames, ["Keys"]);
});

// Regression test: with tiny_http 0.12's thread pool, connections that arrived in a burst could
// go unanswered for as long as its first four keep-alive connections stayed open; the SDK opens
// one connection per request in flight, so eight concurrent requests hung about half the time.
test("eight concurrent requests from a fresh client are all answered", async (t) => {
  for (let trial = 0; trial < 3; trial++) {
    const server = await startServer(t);
    const ddb = client(server.url, { requestHandler: { requestTimeout: 3000, throwOnRequestTimeout: true } });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => ddb.send(new ListTablesCommand({}))));
    ddb.destroy();
    await server.stop();
    const failed = results.filter((r) => r.status === "rejected").map((r) => `${r.reason.name}: ${r.reason.message}`);
    assert.deepEqual(failed, [], `trial ${trial}: ${failed.length} of 8 requests got no answer`);
  }
});
