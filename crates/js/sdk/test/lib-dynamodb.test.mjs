// Differential tests: our @aws-sdk/lib-dynamodb against the real one, for
// every document command: the same native input must put the same DynamoDB
// JSON on the wire, and the same wire answer must come back as the same
// native output.
import test from "node:test";
import assert from "node:assert/strict";
import { runBoth, ddbClient } from "../tools/differential.mjs";
import { FakeHost, loadSdk } from "../tools/harness.mjs";

class Money {
  constructor() {
    this.amount = 10;
    this.currency = "KRW";
  }
  format() {
    return `${this.amount} ${this.currency}`;
  }
}

// Native values, built per side (NumberValue differs per library).
function item(lib) {
  return {
    pk: "user#1",
    sk: 7,
    name: "홍길동 😀",
    empty: "",
    flag: true,
    nothing: null,
    tags: new Set(["a", "b"]),
    nums: new Set([1, 2, 3]),
    blobs: new Set([new Uint8Array([1]), new Uint8Array([2, 3])]),
    bin: new Uint8Array([0, 1, 2, 250]),
    list: [1, "two", { three: [3] }, [new Uint8Array([4])]],
    map: { nested: { deeper: { x: 1.5 } } },
    big: 12345678901234567890n,
    precise: lib.lib.NumberValue.from("3.14159265358979323846264338327950288"),
  };
}

const B64 = (...bytes) => Buffer.from(bytes).toString("base64");

const WIRE_ITEM = {
  pk: { S: "user#1" },
  n: { N: "12345678901234567890" },
  f: { N: "1.5" },
  bin: { B: B64(1, 2, 3) },
  bs: { BS: [B64(9)] },
  ss: { SS: ["x"] },
  ns: { NS: ["1", "2"] },
  l: { L: [{ S: "a" }, { M: { b: { B: B64(255) } } }] },
  m: { M: { s: { S: "ü" }, z: { NULL: true }, t: { BOOL: true } } },
};

// translateConfig per name, built fresh for each side (the document client
// writes defaults into the options objects it is given).
const CONFIGS = {
  default: () => undefined,
  removeUndefined: () => ({ marshallOptions: { removeUndefinedValues: true } }),
  emptyValues: () => ({ marshallOptions: { convertEmptyValues: true, removeUndefinedValues: true } }),
  classes: () => ({ marshallOptions: { convertClassInstanceToMap: true, removeUndefinedValues: true } }),
  wrapNumbers: () => ({ unmarshallOptions: { wrapNumbers: true } }),
  wrapFn: () => ({ unmarshallOptions: { wrapNumbers: (s) => `#${s}` } }),
};

// Cases where both libraries are expected to throw.
const EXPECTED_ERRORS = new Set(["Put undefined members/default", "Put class instance/default", "Put unsafe number/default", "Put empty values/default"]);

// [label, command, input(lib), wire output, config names]
const CASES = [
  ["Put", "PutCommand", (lib) => ({ TableName: "t", Item: item(lib), ReturnValues: "ALL_OLD" }), { Attributes: WIRE_ITEM }, ["default", "wrapNumbers", "wrapFn"]],
  ["Put undefined members", "PutCommand", (lib) => ({ TableName: "t", Item: Object.assign(item(lib), { u: undefined, nested: { u: undefined, keep: 1 }, l: [1, undefined] }) }), {}, ["default", "removeUndefined"]],
  ["Put empty values", "PutCommand", () => ({ TableName: "t", Item: { pk: "k", e: "", s: new Set(), b: new Uint8Array(0), m: { e: "" } } }), {}, ["default", "emptyValues"]],
  ["Put class instance", "PutCommand", () => ({ TableName: "t", Item: { pk: "k", price: new Money(), when: new Date(0) } }), {}, ["default", "classes"]],
  ["Put top-level class", "PutCommand", () => ({ TableName: "t", Item: new Money() }), {}, ["default", "classes"]],
  ["Put unsafe number", "PutCommand", () => ({ TableName: "t", Item: { pk: "k", n: 2 ** 60 } }), {}, ["default"]],
  [
    "Put expected (legacy)",
    "PutCommand",
    () => ({
      TableName: "t",
      Item: { pk: "k" },
      Expected: { a: { Value: "x" }, b: { ComparisonOperator: "BETWEEN", AttributeValueList: [1, 5] }, c: { Exists: false } },
      ConditionExpression: "#a <> :v",
      ExpressionAttributeNames: { "#a": "a" },
      ExpressionAttributeValues: { ":v": { nested: [1] } },
    }),
    { ItemCollectionMetrics: { ItemCollectionKey: { pk: { S: "k" } }, SizeEstimateRangeGB: [0, 1] } },
    ["default"],
  ],
  ["Get", "GetCommand", () => ({ TableName: "t", Key: { pk: "user#1", sk: 7 }, ProjectionExpression: "pk" }), { Item: WIRE_ITEM }, ["default", "wrapNumbers"]],
  ["Get missing", "GetCommand", () => ({ TableName: "t", Key: { pk: "nope" } }), {}, ["default"]],
  ["Get binary key", "GetCommand", () => ({ TableName: "t", Key: { pk: new Uint8Array([1, 2]) } }), { Item: { pk: { B: B64(1, 2) } } }, ["default"]],
  [
    "Update",
    "UpdateCommand",
    (lib) => ({
      TableName: "t",
      Key: { pk: "k" },
      UpdateExpression: "SET #n = :n, #l = list_append(#l, :l) ADD #s :s",
      ExpressionAttributeNames: { "#n": "n", "#l": "l", "#s": "s" },
      ExpressionAttributeValues: { ":n": lib.lib.NumberValue.from("99999999999999999999"), ":l": [{ a: 1 }], ":s": new Set(["z"]) },
      ReturnValues: "ALL_NEW",
    }),
    { Attributes: WIRE_ITEM },
    ["default", "wrapNumbers"],
  ],
  [
    "Update legacy",
    "UpdateCommand",
    () => ({
      TableName: "t",
      Key: { pk: "k" },
      AttributeUpdates: { a: { Action: "PUT", Value: { x: [1, 2] } }, b: { Action: "DELETE" } },
      Expected: { a: { Value: 1 } },
    }),
    {},
    ["default"],
  ],
  [
    "Delete",
    "DeleteCommand",
    () => ({ TableName: "t", Key: { pk: "k" }, ConditionExpression: "v = :v", ExpressionAttributeValues: { ":v": 1 }, ReturnValues: "ALL_OLD" }),
    { Attributes: WIRE_ITEM, ItemCollectionMetrics: { ItemCollectionKey: { pk: { S: "k" } }, SizeEstimateRangeGB: [0, 1] } },
    ["default"],
  ],
  [
    "Query",
    "QueryCommand",
    () => ({
      TableName: "t",
      KeyConditionExpression: "pk = :pk AND sk > :sk",
      ExpressionAttributeValues: { ":pk": "k", ":sk": 1 },
      ExclusiveStartKey: { pk: "k", sk: 1 },
      FilterExpression: "attribute_exists(x)",
      Limit: 10,
    }),
    { Items: [WIRE_ITEM, { pk: { S: "2" } }], Count: 2, ScannedCount: 3, LastEvaluatedKey: { pk: { S: "k" }, sk: { N: "2" } } },
    ["default", "wrapNumbers"],
  ],
  [
    "Query legacy",
    "QueryCommand",
    () => ({
      TableName: "t",
      KeyConditions: { pk: { ComparisonOperator: "EQ", AttributeValueList: ["k"] } },
      QueryFilter: { n: { ComparisonOperator: "BETWEEN", AttributeValueList: [1, 9] } },
    }),
    { Items: [], Count: 0, ScannedCount: 0 },
    ["default"],
  ],
  [
    "Scan",
    "ScanCommand",
    () => ({ TableName: "t", ScanFilter: { n: { ComparisonOperator: "GT", AttributeValueList: [3] } }, ExclusiveStartKey: { pk: "a" } }),
    { Items: [WIRE_ITEM], Count: 1, ScannedCount: 1, LastEvaluatedKey: { pk: { S: "b" } } },
    ["default"],
  ],
  [
    "BatchGet",
    "BatchGetCommand",
    () => ({ RequestItems: { t: { Keys: [{ pk: "a" }, { pk: new Uint8Array([1]) }], ProjectionExpression: "pk" }, u: { Keys: [{ id: 1 }] } } }),
    { Responses: { t: [WIRE_ITEM], u: [] }, UnprocessedKeys: { t: { Keys: [{ pk: { S: "a" } }], ProjectionExpression: "pk" } } },
    ["default", "wrapNumbers"],
  ],
  [
    "BatchWrite",
    "BatchWriteCommand",
    (lib) => ({ RequestItems: { t: [{ PutRequest: { Item: item(lib) } }, { DeleteRequest: { Key: { pk: "gone" } } }] } }),
    {
      UnprocessedItems: { t: [{ PutRequest: { Item: WIRE_ITEM } }, { DeleteRequest: { Key: { pk: { S: "gone" } } } }] },
      ItemCollectionMetrics: { t: [{ ItemCollectionKey: { pk: { S: "k" } }, SizeEstimateRangeGB: [0, 1] }] },
    },
    ["default"],
  ],
  [
    "TransactGet",
    "TransactGetCommand",
    () => ({ TransactItems: [{ Get: { TableName: "t", Key: { pk: "a" } } }, { Get: { TableName: "t", Key: { pk: "b" } } }] }),
    { Responses: [{ Item: WIRE_ITEM }, {}] },
    ["default"],
  ],
  [
    "TransactWrite",
    "TransactWriteCommand",
    (lib) => ({
      ClientRequestToken: "token-1",
      TransactItems: [
        { Put: { TableName: "t", Item: item(lib), ConditionExpression: "attribute_not_exists(pk)" } },
        { Update: { TableName: "t", Key: { pk: "u" }, UpdateExpression: "SET v = :v", ExpressionAttributeValues: { ":v": [1, { a: "b" }] } } },
        { Delete: { TableName: "t", Key: { pk: "d" }, ConditionExpression: "v = :v", ExpressionAttributeValues: { ":v": 2 } } },
        { ConditionCheck: { TableName: "t", Key: { pk: "c" }, ConditionExpression: "v = :v", ExpressionAttributeValues: { ":v": new Set([1]) } } },
      ],
    }),
    { ItemCollectionMetrics: { t: [{ ItemCollectionKey: { pk: { S: "k" } }, SizeEstimateRangeGB: [0, 1] }] } },
    ["default"],
  ],
  [
    "ExecuteStatement",
    "ExecuteStatementCommand",
    () => ({ Statement: "SELECT * FROM t WHERE pk = ? AND n > ?", Parameters: ["k", 1, { m: [true] }], ConsistentRead: true }),
    { Items: [WIRE_ITEM], NextToken: "nt", LastEvaluatedKey: { pk: { S: "k" } } },
    ["default", "wrapNumbers"],
  ],
  [
    "BatchExecuteStatement",
    "BatchExecuteStatementCommand",
    () => ({ Statements: [{ Statement: "SELECT * FROM t WHERE pk = ?", Parameters: ["a"] }, { Statement: "UPDATE t SET v = ? WHERE pk = ?", Parameters: [1, "b"] }] }),
    { Responses: [{ TableName: "t", Item: WIRE_ITEM }, { TableName: "t", Error: { Code: "ConditionalCheckFailed", Message: "m", Item: WIRE_ITEM } }] },
    ["default"],
  ],
  [
    "ExecuteTransaction",
    "ExecuteTransactionCommand",
    () => ({ TransactStatements: [{ Statement: "SELECT * FROM t WHERE pk = ?", Parameters: ["a"] }], ClientRequestToken: "tok" }),
    { Responses: [{ Item: WIRE_ITEM }, {}] },
    ["default"],
  ],
];

function norm(x, libs) {
  if (x && typeof x === "object" && x.constructor && x.constructor.name === "NumberValue" && typeof x.toBigInt === "function") {
    return { NumberValue: x.toString() };
  }
  if (x instanceof Set) return new Set([...x].map((v) => norm(v)));
  if (Array.isArray(x)) return x.map((v) => norm(v));
  if (x && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, norm(v)]));
  }
  return x;
}

function errorText(e) {
  return e && `${e.constructor.name}: ${e.message}`;
}

for (const [label, commandName, input, output, configs] of CASES) {
  for (const configName of configs) {
    test(`${label} (${commandName}, ${configName}) matches the real document client`, async () => {
      const res = await runBoth((lib, cfg) => {
        const translateConfig = CONFIGS[configName]();
        const client = lib.lib.DynamoDBDocumentClient.from(ddbClient(lib, cfg), translateConfig);
        return { client, command: new lib.lib[commandName](input(lib)) };
      }, { output });
      assert.equal(!!res.real.error, EXPECTED_ERRORS.has(`${label}/${configName}`), `real: ${errorText(res.real.error)}`);
      if (res.real.error || res.ours.error) {
        assert.equal(errorText(res.ours.error), errorText(res.real.error));
        return;
      }
      assert.deepStrictEqual(res.oursWire, res.realWire);
      assert.deepStrictEqual(norm(res.ours.output), norm(res.real.output));
    });
  }
}

test("document client errors keep DynamoDB JSON in Item, like the real one", async () => {
  const res = await runBoth(
    (lib, cfg) => ({
      client: lib.lib.DynamoDBDocumentClient.from(ddbClient(lib, cfg)),
      command: new lib.lib.PutCommand({ TableName: "t", Item: { pk: "k" }, ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" }),
    }),
    { error: { name: "ConditionalCheckFailedException", message: "The conditional request failed", status: 400, extra: { Item: WIRE_ITEM } } }
  );
  for (const [side, libs] of [["ours", res.oursLibs], ["real", res.realLibs]]) {
    const err = res[side].error;
    assert.ok(err instanceof libs.ddb.ConditionalCheckFailedException, side);
    assert.equal(err.name, "ConditionalCheckFailedException");
    assert.equal(err.$fault, "client");
    assert.equal(err.$metadata.httpStatusCode, 400);
  }
  assert.deepStrictEqual(res.ours.error.Item, res.real.error.Item);
  assert.deepStrictEqual(res.oursWire, res.realWire);
});

test("DynamoDBDocument methods, callbacks, shared config, plain commands through the document client", async () => {
  const host = new FakeHost().on((service, op, input) => {
    if (op === "GetItem") return { output: { Item: { pk: { S: input.Key.pk.S }, n: { N: "5" } } } };
    if (op === "DescribeTable") return { output: { Table: { TableName: input.TableName, CreationDateTime: 1700000000 } } };
    return { output: {} };
  });
  const sdk = loadSdk(host);
  const { DynamoDBClient, DescribeTableCommand } = sdk.require("@aws-sdk/client-dynamodb");
  const { DynamoDBDocument, DynamoDBDocumentClient, GetCommand, PutCommand } = sdk.require("@aws-sdk/lib-dynamodb");
  const client = new DynamoDBClient({});
  const translateConfig = { marshallOptions: { removeUndefinedValues: true } };
  const doc = DynamoDBDocument.from(client, translateConfig);
  assert.ok(doc instanceof DynamoDBDocumentClient);
  assert.equal(doc.config, client.config);
  assert.equal(client.config.translateConfig, translateConfig);
  assert.deepEqual((await doc.get({ TableName: "t", Key: { pk: "a" } })).Item, { pk: "a", n: 5 });
  await doc.put({ TableName: "t", Item: { pk: "b", u: undefined } });
  assert.deepEqual(host.last.input, { TableName: "t", Item: { pk: { S: "b" } } });
  const viaCb = await new Promise((resolve, reject) => doc.get({ TableName: "t", Key: { pk: "c" } }, (e, d) => (e ? reject(e) : resolve(d))));
  assert.equal(viaCb.Item.pk, "c");
  const docClient = DynamoDBDocumentClient.from(client);
  const described = await docClient.send(new DescribeTableCommand({ TableName: "x" }));
  assert.ok(described.Table.CreationDateTime instanceof Date);
  // A document command sent through the plain client uses client.config.translateConfig.
  const direct = await client.send(new GetCommand({ TableName: "t", Key: { pk: "d" } }));
  assert.deepEqual(direct.Item, { pk: "d", n: 5 });
  const put = new PutCommand({ TableName: "t", Item: { a: 1 } });
  assert.deepEqual(put.input, { TableName: "t", Item: { a: 1 } });
  assert.ok(put.clientCommand);
  docClient.destroy();
});

test("paginateQuery, paginateScan and paginatedBatchGet of the document client", async () => {
  const host = new FakeHost().on((service, op, input) => {
    if (op === "Query" || op === "Scan") {
      const start = input.ExclusiveStartKey ? Number(input.ExclusiveStartKey.pk.N) : 0;
      const items = [{ pk: { N: String(start + 1) } }];
      return { output: start + 1 < 3 ? { Items: items, LastEvaluatedKey: items[0] } : { Items: items } };
    }
    if (op === "BatchGetItem") {
      const keys = input.RequestItems.t.Keys;
      return {
        output: {
          Responses: { t: [{ pk: keys[0].pk }] },
          UnprocessedKeys: keys.length > 1 ? { t: { Keys: keys.slice(1) } } : {},
        },
      };
    }
    return undefined;
  });
  const sdk = loadSdk(host);
  const { DynamoDBClient } = sdk.require("@aws-sdk/client-dynamodb");
  const lib = sdk.require("@aws-sdk/lib-dynamodb");
  const doc = lib.DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const seen = [];
  for await (const page of lib.paginateQuery({ client: doc, pageSize: 5 }, { TableName: "t", KeyConditionExpression: "k" })) seen.push(page.Items[0].pk);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.deepEqual(host.calls[1].input.ExclusiveStartKey, { pk: { N: "1" } });
  assert.equal(host.calls[0].input.Limit, 5);
  const scanned = [];
  for await (const page of lib.paginateScan({ client: doc }, { TableName: "t" })) scanned.push(page.Items[0].pk);
  assert.deepEqual(scanned, [1, 2, 3]);
  const batches = [];
  const docu = lib.DynamoDBDocument.from(new DynamoDBClient({}));
  for await (const page of docu.paginatedBatchGet({ RequestItems: { t: { Keys: [{ pk: "a" }, { pk: "b" }] } } })) batches.push(page.Responses.t[0].pk);
  assert.deepEqual(batches, ["a", "b"]);
});
