// lib-dynamodb's DynamoDBDocumentClient against `gureum serve`: native JavaScript values
// (numbers, Sets, nested objects and arrays, Uint8Array, null) are marshalled to DynamoDB JSON by
// the SDK, stored by the server, and come back as the same values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CreateTableCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  NumberValue,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  paginateQuery,
} from "@aws-sdk/lib-dynamodb";
import { rejected, setup, waitExists } from "./lib.mjs";

async function makeTable(ddb, TableName) {
  await ddb.send(new CreateTableCommand({
    TableName, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
  }));
  await waitExists(ddb, TableName);
}

function documentClient(ddb, translateConfig) {
  return DynamoDBDocumentClient.from(ddb, translateConfig);
}

const PROFILE = {
  pk: "user#ada",
  sk: 1,
  name: "Ada Lovelace",
  age: 36,
  balance: -12.75,
  ratio: 0.1,
  active: true,
  retired: false,
  nickname: null,
  tags: new Set(["math", "engines"]),
  lucky: new Set([7, 13, 42.5]),
  avatar: new Uint8Array([0, 1, 2, 255]),
  address: { city: "London", geo: { lat: 51.5072, lon: -0.1276 }, lines: ["12 St James's Square", { floor: 2 }] },
  history: [1815, "born", { event: "note G", year: 1843 }, [true, null]],
  empty: "",
};

test("DocumentClient marshals numbers, sets, binary, nested maps and lists both ways", async (t) => {
  const { ddb } = await setup(t);
  await makeTable(ddb, "People");
  const doc = documentClient(ddb);

  await doc.send(new PutCommand({ TableName: "People", Item: PROFILE }));
  const { Item } = await doc.send(new GetCommand({ TableName: "People", Key: { pk: "user#ada", sk: 1 }, ConsistentRead: true }));
  assert.deepEqual(Item, PROFILE);
  assert.ok(Item.tags instanceof Set && Item.lucky instanceof Set);
  assert.ok(Item.avatar instanceof Uint8Array);

  // What the server stored, seen through the low-level client: DynamoDB JSON with canonical numbers.
  const raw = (await ddb.send(new GetItemCommand({ TableName: "People", Key: { pk: { S: "user#ada" }, sk: { N: "1" } } }))).Item;
  assert.deepEqual(raw.sk, { N: "1" });
  assert.deepEqual(raw.balance, { N: "-12.75" });
  assert.deepEqual([...raw.tags.SS].sort(), ["engines", "math"]);
  assert.deepEqual([...raw.lucky.NS].sort(), ["13", "42.5", "7"]);
  assert.deepEqual([...raw.avatar.B], [0, 1, 2, 255]);
  assert.deepEqual(raw.nickname, { NULL: true });
  assert.deepEqual(raw.address.M.geo, { M: { lat: { N: "51.5072" }, lon: { N: "-0.1276" } } });
  assert.deepEqual(raw.history.L[3], { L: [{ BOOL: true }, { NULL: true }] });

  // Update through the document client: arithmetic, set ADD/DELETE, nested map paths, list append.
  const updated = await doc.send(new UpdateCommand({
    TableName: "People", Key: { pk: "user#ada", sk: 1 },
    UpdateExpression: "SET age = age + :one, address.geo.lat = :lat, history = list_append(history, :more) ADD lucky :n DELETE tags :gone REMOVE nickname",
    ExpressionAttributeValues: { ":one": 1, ":lat": 51.5, ":more": ["died", 1852], ":n": new Set([1]), ":gone": new Set(["engines"]) },
    ReturnValues: "ALL_NEW",
  }));
  const a = updated.Attributes;
  assert.equal(a.age, 37);
  assert.equal(a.address.geo.lat, 51.5);
  assert.equal(a.address.geo.lon, -0.1276);
  assert.deepEqual(a.history.slice(-2), ["died", 1852]);
  assert.deepEqual([...a.tags], ["math"]);
  assert.deepEqual([...a.lucky].sort((x, y) => x - y), [1, 7, 13, 42.5]);
  assert.equal("nickname" in a, false);

  // Conditions with native values; the failure is the same typed error as with the low-level client.
  const err = await rejected(() => doc.send(new PutCommand({ TableName: "People", Item: { pk: "user#ada", sk: 1 }, ConditionExpression: "attribute_not_exists(pk)" })));
  assert.equal(err.name, "ConditionalCheckFailedException");
  assert.equal(err.$metadata.httpStatusCode, 400);

  const removed = await doc.send(new DeleteCommand({ TableName: "People", Key: { pk: "user#ada", sk: 1 }, ReturnValues: "ALL_OLD" }));
  assert.equal(removed.Attributes.name, "Ada Lovelace");
  assert.equal((await doc.send(new GetCommand({ TableName: "People", Key: { pk: "user#ada", sk: 1 } }))).Item, undefined);
});

test("DocumentClient keeps 38-digit numbers exact with NumberValue (wrapNumbers)", async (t) => {
  const { ddb } = await setup(t);
  await makeTable(ddb, "Big");
  const doc = documentClient(ddb, { unmarshallOptions: { wrapNumbers: true } });
  const big = "12345678901234567890123456789012345678";
  await doc.send(new PutCommand({ TableName: "Big", Item: { pk: "n", sk: 1, big: NumberValue.from(big), tiny: NumberValue.from("0.000000000000000000000000000000000000001"), plain: 3 } }));
  const { Item } = await doc.send(new GetCommand({ TableName: "Big", Key: { pk: "n", sk: 1 } }));
  assert.ok(Item.big instanceof NumberValue);
  assert.equal(Item.big.toString(), big);
  assert.equal(Item.tiny.toString(), "0.000000000000000000000000000000000000001");
  assert.equal(Item.plain.toString(), "3");

  const added = await doc.send(new UpdateCommand({
    TableName: "Big", Key: { pk: "n", sk: 1 }, UpdateExpression: "ADD big :one",
    ExpressionAttributeValues: { ":one": 1 }, ReturnValues: "UPDATED_NEW",
  }));
  assert.equal(added.Attributes.big.toString(), "12345678901234567890123456789012345679"); // exact decimal arithmetic

  // Without wrapNumbers, integers beyond Number.MAX_SAFE_INTEGER come back as exact BigInts.
  const plain = documentClient(ddb);
  const { Item: unwrapped } = await plain.send(new GetCommand({ TableName: "Big", Key: { pk: "n", sk: 1 } }));
  assert.equal(unwrapped.big, 12345678901234567890123456789012345679n);
  assert.equal(unwrapped.plain, 3);
});

test("DocumentClient Query, Scan, batch and transaction commands with native values", async (t) => {
  const { ddb } = await setup(t);
  await makeTable(ddb, "Scores");
  const doc = documentClient(ddb, { marshallOptions: { removeUndefinedValues: true } });

  const items = Array.from({ length: 60 }, (_, i) => ({ pk: i < 50 ? "game#1" : "game#2", sk: i, score: (i * 37) % 101, player: `p${i}`, note: undefined }));
  for (let i = 0; i < items.length; i += 25) {
    const out = await doc.send(new BatchWriteCommand({ RequestItems: { Scores: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    assert.deepEqual(out.UnprocessedItems, {});
  }

  const pages = [];
  for await (const page of paginateQuery({ client: doc, pageSize: 20 }, {
    TableName: "Scores", KeyConditionExpression: "pk = :g AND sk >= :from",
    FilterExpression: "score > :min", ExpressionAttributeValues: { ":g": "game#1", ":from": 10, ":min": 50 },
  })) pages.push(page);
  const got = pages.flatMap((p) => p.Items);
  const want = items.filter((i) => i.pk === "game#1" && i.sk >= 10 && i.score > 50).map(({ note, ...rest }) => rest);
  assert.deepEqual(got, want);
  // A page that reaches Limit carries a LastEvaluatedKey even when nothing follows, as on AWS.
  assert.deepEqual(pages.map((p) => p.ScannedCount), [20, 20, 0]);

  const scanned = await doc.send(new ScanCommand({ TableName: "Scores", FilterExpression: "pk = :g", ExpressionAttributeValues: { ":g": "game#2" }, ProjectionExpression: "sk, player" }));
  assert.deepEqual(scanned.Items.sort((x, y) => x.sk - y.sk), items.slice(50).map(({ sk, player }) => ({ sk, player })));

  const batch = await doc.send(new BatchGetCommand({ RequestItems: { Scores: { Keys: [{ pk: "game#1", sk: 3 }, { pk: "game#2", sk: 55 }, { pk: "game#9", sk: 0 }] } } }));
  assert.deepEqual(batch.Responses.Scores.map((i) => i.player).sort(), ["p3", "p55"]);

  const err = await rejected(() => doc.send(new TransactWriteCommand({
    TransactItems: [
      { Put: { TableName: "Scores", Item: { pk: "game#3", sk: 0, player: "new" } } },
      { ConditionCheck: { TableName: "Scores", Key: { pk: "game#1", sk: 0 }, ConditionExpression: "score > :s", ExpressionAttributeValues: { ":s": 1000 } } },
    ],
  })));
  assert.equal(err.name, "TransactionCanceledException");
  assert.deepEqual(err.CancellationReasons.map((r) => r.Code), ["None", "ConditionalCheckFailed"]);
  assert.equal((await doc.send(new GetCommand({ TableName: "Scores", Key: { pk: "game#3", sk: 0 } }))).Item, undefined);

  const queried = await doc.send(new QueryCommand({ TableName: "Scores", KeyConditionExpression: "pk = :g", ExpressionAttributeValues: { ":g": "game#2" }, ScanIndexForward: false, Limit: 3 }));
  assert.deepEqual(queried.Items.map((i) => i.sk), [59, 58, 57]);
  assert.deepEqual(queried.LastEvaluatedKey, { pk: "game#2", sk: 57 });
});
