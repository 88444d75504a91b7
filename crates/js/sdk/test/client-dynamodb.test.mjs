// Differential tests: our @aws-sdk/client-dynamodb against the real one. Both
// get the same canned wire answer; we compare what they put on the wire and
// what they hand back (outputs, Dates, Uint8Arrays, $metadata, errors).
import test from "node:test";
import assert from "node:assert/strict";
import { runBoth, ddbClient } from "../tools/differential.mjs";
import { FakeHost, loadSdk } from "../tools/harness.mjs";

const B64_012 = "AAEC"; // bytes 0 1 2
const B64_FF = "/w=="; // byte 255

const ATTRS_WIRE = {
  pk: { S: "user#1" },
  n: { N: "42.5" },
  b: { B: B64_012 },
  bs: { BS: [B64_012, B64_FF] },
  ss: { SS: ["a", "ü😀"] },
  ns: { NS: ["1", "99999999999999999999"] },
  m: { M: { inner: { B: B64_FF }, list: { L: [{ B: B64_012 }, { M: { deep: { BS: [B64_FF] } } }, { NULL: true }] } } },
  t: { BOOL: false },
};

function attrsNative() {
  return {
    pk: { S: "user#1" },
    n: { N: "42.5" },
    b: { B: new Uint8Array([0, 1, 2]) },
    bs: { BS: [new Uint8Array([0, 1, 2]), new Uint8Array([255])] },
    ss: { SS: ["a", "ü😀"] },
    ns: { NS: ["1", "99999999999999999999"] },
    m: {
      M: {
        inner: { B: new Uint8Array([255]) },
        list: { L: [{ B: new Uint8Array([0, 1, 2]) }, { M: { deep: { BS: [new Uint8Array([255])] } } }, { NULL: true }] },
      },
    },
    t: { BOOL: false },
  };
}

const TABLE_DESCRIPTION_WIRE = {
  TableName: "users",
  TableStatus: "ACTIVE",
  CreationDateTime: 1700000000.123,
  TableSizeBytes: 10,
  ItemCount: 1,
  TableArn: "arn:aws:dynamodb:us-east-1:000000000000:table/users",
  KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
  AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
  ProvisionedThroughput: { LastIncreaseDateTime: 1600000000, ReadCapacityUnits: 5, WriteCapacityUnits: 5, NumberOfDecreasesToday: 0 },
  BillingModeSummary: { BillingMode: "PROVISIONED", LastUpdateToPayPerRequestDateTime: 1650000000.5 },
  GlobalSecondaryIndexes: [
    {
      IndexName: "gsi1",
      IndexStatus: "ACTIVE",
      KeySchema: [{ AttributeName: "g", KeyType: "HASH" }],
      Projection: { ProjectionType: "ALL" },
      ProvisionedThroughput: { LastDecreaseDateTime: 1600000001, ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
    },
  ],
  StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
  LatestStreamArn: "arn:aws:dynamodb:us-east-1:000000000000:table/users/stream/2023",
};

// [command, input, canned output]
const CASES = [
  ["PutItem", () => ({ TableName: "t", Item: attrsNative(), ReturnValues: "ALL_OLD" }), { Attributes: ATTRS_WIRE }],
  ["PutItem", () => ({ TableName: "t", Item: { pk: { S: "" } }, ConditionExpression: "attribute_not_exists(pk)" }), {}],
  ["GetItem", () => ({ TableName: "t", Key: { pk: { S: "user#1" } }, ConsistentRead: true }), { Item: ATTRS_WIRE }],
  ["GetItem", () => ({ TableName: "t", Key: { pk: { B: new Uint8Array([1, 2, 3, 4]) } } }), {}],
  ["GetItem", () => ({ TableName: "t", Key: { pk: { B: "AQIDBA==" }, sk: { BS: ["AQ==", new Uint8Array([2])] } } }), {}],
  [
    "UpdateItem",
    () => ({
      TableName: "t",
      Key: { pk: { S: "k" } },
      UpdateExpression: "SET #a = :v ADD #c :one",
      ExpressionAttributeNames: { "#a": "a", "#c": "c" },
      ExpressionAttributeValues: { ":v": { B: new Uint8Array([9]) }, ":one": { N: "1" } },
      ReturnValues: "ALL_NEW",
    }),
    { Attributes: ATTRS_WIRE, ConsumedCapacity: { TableName: "t", CapacityUnits: 1 } },
  ],
  [
    "DeleteItem",
    () => ({ TableName: "t", Key: { pk: { S: "k" } }, ReturnValues: "ALL_OLD" }),
    { Attributes: ATTRS_WIRE, ItemCollectionMetrics: { ItemCollectionKey: { pk: { B: B64_FF } }, SizeEstimateRangeGB: [0, 1] } },
  ],
  [
    "Query",
    () => ({
      TableName: "t",
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: "x" } },
      ExclusiveStartKey: { pk: { S: "x" }, sk: { B: new Uint8Array([5]) } },
      Limit: 2,
    }),
    { Items: [ATTRS_WIRE, { pk: { S: "2" } }], Count: 2, ScannedCount: 2, LastEvaluatedKey: { pk: { S: "x" }, sk: { B: B64_FF } } },
  ],
  ["Scan", () => ({ TableName: "t", Segment: 0, TotalSegments: 2 }), { Items: [], Count: 0, ScannedCount: 0 }],
  [
    "BatchGetItem",
    () => ({ RequestItems: { t: { Keys: [{ pk: { S: "a" } }, { pk: { B: new Uint8Array([1]) } }] } } }),
    { Responses: { t: [ATTRS_WIRE] }, UnprocessedKeys: { t: { Keys: [{ pk: { B: B64_012 } }] } } },
  ],
  [
    "BatchWriteItem",
    () => ({
      RequestItems: {
        t: [{ PutRequest: { Item: attrsNative() } }, { DeleteRequest: { Key: { pk: { B: new Uint8Array([7]) } } } }],
      },
    }),
    { UnprocessedItems: { t: [{ PutRequest: { Item: ATTRS_WIRE } }] }, ItemCollectionMetrics: {} },
  ],
  [
    "TransactGetItems",
    () => ({ TransactItems: [{ Get: { TableName: "t", Key: { pk: { S: "a" } } } }] }),
    { Responses: [{ Item: ATTRS_WIRE }, {}] },
  ],
  [
    "TransactWriteItems",
    () => ({
      ClientRequestToken: "tok-1",
      TransactItems: [
        { Put: { TableName: "t", Item: attrsNative() } },
        { Update: { TableName: "t", Key: { pk: { S: "k" } }, UpdateExpression: "SET a = :a", ExpressionAttributeValues: { ":a": { BS: [new Uint8Array([1])] } } } },
        { Delete: { TableName: "t", Key: { pk: { S: "d" } } } },
        { ConditionCheck: { TableName: "t", Key: { pk: { S: "c" } }, ConditionExpression: "attribute_exists(pk)" } },
      ],
    }),
    {},
  ],
  [
    "ExecuteStatement",
    () => ({ Statement: "SELECT * FROM t WHERE pk = ?", Parameters: [{ S: "a" }, { B: new Uint8Array([3]) }] }),
    { Items: [ATTRS_WIRE], NextToken: "next" },
  ],
  [
    "BatchExecuteStatement",
    () => ({ Statements: [{ Statement: "SELECT * FROM t WHERE pk = ?", Parameters: [{ S: "a" }] }] }),
    { Responses: [{ TableName: "t", Item: ATTRS_WIRE }, { Error: { Code: "ConditionalCheckFailed", Message: "no", Item: ATTRS_WIRE } }] },
  ],
  [
    "ExecuteTransaction",
    () => ({ TransactStatements: [{ Statement: "SELECT * FROM t WHERE pk = ?", Parameters: [{ S: "a" }] }] }),
    { Responses: [{ Item: ATTRS_WIRE }] },
  ],
  [
    "CreateTable",
    () => ({
      TableName: "users",
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
      Tags: [{ Key: "k", Value: "v" }],
    }),
    { TableDescription: TABLE_DESCRIPTION_WIRE },
  ],
  ["DescribeTable", () => ({ TableName: "users" }), { Table: TABLE_DESCRIPTION_WIRE }],
  ["DeleteTable", () => ({ TableName: "users" }), { TableDescription: TABLE_DESCRIPTION_WIRE }],
  ["UpdateTable", () => ({ TableName: "users", BillingMode: "PAY_PER_REQUEST" }), { TableDescription: TABLE_DESCRIPTION_WIRE }],
  ["ListTables", () => ({ Limit: 10, ExclusiveStartTableName: "a" }), { TableNames: ["b", "c"], LastEvaluatedTableName: "c" }],
  ["DescribeTimeToLive", () => ({ TableName: "t" }), { TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: "ttl" } }],
  [
    "UpdateTimeToLive",
    () => ({ TableName: "t", TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" } }),
    { TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" } },
  ],
  ["TagResource", () => ({ ResourceArn: "arn:x", Tags: [{ Key: "a", Value: "b" }] }), {}],
  ["UntagResource", () => ({ ResourceArn: "arn:x", TagKeys: ["a"] }), {}],
  ["ListTagsOfResource", () => ({ ResourceArn: "arn:x" }), { Tags: [{ Key: "a", Value: "b" }], NextToken: "n" }],
  [
    "DescribeContinuousBackups",
    () => ({ TableName: "t" }),
    {
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: "ENABLED",
        PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "ENABLED", EarliestRestorableDateTime: 1700000000, LatestRestorableDateTime: 1700000100 },
      },
    },
  ],
  ["ListBackups", () => ({ TimeRangeLowerBound: new Date(1600000000000) }), { BackupSummaries: [{ BackupCreationDateTime: 1600000000, TableName: "t" }] }],
];

for (const [op, input, output] of CASES) {
  test(`${op}Command: wire input and output match the real client`, async () => {
    const res = await runBoth(
      (lib, cfg) => ({ client: ddbClient(lib, cfg), command: new lib.ddb[`${op}Command`](input()) }),
      { output }
    );
    assert.equal(res.real.error, undefined, String(res.real.error));
    assert.equal(res.ours.error, undefined, String(res.ours.error && res.ours.error.stack));
    assert.deepStrictEqual(res.oursWire, res.realWire);
    assert.deepStrictEqual(res.ours.output, res.real.output);
  });
}

function errorView(e) {
  const members = {};
  for (const k of Object.keys(e)) {
    if (!["__type", "name", "message", "$fault", "$metadata", "$retryable", "$response"].includes(k)) members[k] = e[k];
  }
  return {
    ctor: e.constructor.name,
    isError: e instanceof Error,
    name: e.name,
    message: e.message,
    fault: e.$fault,
    metadata: e.$metadata,
    members,
  };
}

const ERROR_CASES = [
  ["PutItem", { name: "ConditionalCheckFailedException", message: "The conditional request failed", status: 400, extra: { Item: ATTRS_WIRE } }],
  ["PutItem", { name: "ConditionalCheckFailedException", message: "The conditional request failed", status: 400 }],
  [
    "TransactWriteItems",
    {
      name: "TransactionCanceledException",
      message: "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]",
      status: 400,
      extra: { CancellationReasons: [{ Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: ATTRS_WIRE }, { Code: "None" }] },
    },
  ],
  ["GetItem", { name: "ResourceNotFoundException", message: "Requested resource not found", status: 400 }],
  ["Query", { name: "ProvisionedThroughputExceededException", message: "slow down", status: 400 }],
  ["Scan", { name: "InternalServerError", message: "boom", status: 500 }],
  ["Scan", { name: "ValidationException", message: "One or more parameter values were invalid", status: 400 }],
  ["Scan", { name: "SomethingNew", message: "", status: 503 }],
];

for (const [op, error] of ERROR_CASES) {
  test(`${op}Command rejects with ${error.name} like the real client`, async () => {
    const res = await runBoth(
      (lib, cfg) => ({ client: ddbClient(lib, cfg), command: new lib.ddb[`${op}Command`]({ TableName: "t", TransactItems: [] }) }),
      { error }
    );
    assert.ok(res.real.error && res.ours.error, "both sides reject");
    assert.deepStrictEqual(errorView(res.ours.error), errorView(res.real.error));
    for (const [side, libs] of [["ours", res.oursLibs], ["real", res.realLibs]]) {
      const err = res[side].error;
      assert.ok(err instanceof libs.ddb.DynamoDBServiceException, `${side}: instanceof DynamoDBServiceException`);
      if (libs.ddb[error.name]) assert.ok(err instanceof libs.ddb[error.name], `${side}: instanceof ${error.name}`);
      if (error.name !== "ResourceNotFoundException") assert.ok(!(err instanceof libs.ddb.ResourceNotFoundException));
    }
  });
}

test("exports the error classes, commands, paginators and enums", () => {
  const ddb = loadSdk().require("@aws-sdk/client-dynamodb");
  assert.ok(new ddb.DynamoDBServiceException({ name: "X", $fault: "client", $metadata: {} }) instanceof Error);
  for (const name of [
    "ConditionalCheckFailedException",
    "ResourceNotFoundException",
    "TransactionCanceledException",
    "ProvisionedThroughputExceededException",
    "ItemCollectionSizeLimitExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "TransactionConflictException",
    "ResourceInUseException",
    "LimitExceededException",
  ]) {
    assert.equal(typeof ddb[name], "function", name);
    const e = new ddb[name]({ message: "m", $metadata: {} });
    assert.equal(e.name, name);
    assert.equal(e.message, "m");
    assert.ok(e instanceof Error && e instanceof ddb.DynamoDBServiceException);
  }
  for (const op of ["PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction", "CreateTable", "DeleteTable", "DescribeTable", "ListTables", "UpdateTable", "DescribeTimeToLive", "UpdateTimeToLive", "TagResource", "UntagResource", "ListTagsOfResource"]) {
    assert.equal(typeof ddb[`${op}Command`], "function", op);
    assert.equal(ddb[`${op}Command`].name, `${op}Command`);
    assert.equal(typeof ddb.DynamoDB.prototype[op[0].toLowerCase() + op.slice(1)], "function");
  }
  for (const p of ["paginateQuery", "paginateScan", "paginateListTables"]) assert.equal(typeof ddb[p], "function");
  assert.equal(ddb.ReturnValue.ALL_NEW, "ALL_NEW");
  assert.equal(ddb.Select.COUNT, "COUNT");
});

test("client config, send with callback, aggregated client, destroy", async () => {
  const host = new FakeHost().reply({ output: { TableNames: ["a"] } });
  const ddb = loadSdk(host).require("@aws-sdk/client-dynamodb");
  const client = new ddb.DynamoDBClient({ region: "eu-west-1", endpoint: "http://localhost:8000", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  assert.equal(await client.config.region(), "eu-west-1");
  assert.deepEqual(await client.config.credentials(), { accessKeyId: "x", secretAccessKey: "y" });
  assert.equal(await new ddb.DynamoDBClient().config.region(), "us-east-1");
  assert.equal(await new ddb.DynamoDBClient({ region: async () => "ap-northeast-2" }).config.region(), "ap-northeast-2");

  const out = await new Promise((resolve, reject) =>
    client.send(new ddb.ListTablesCommand({}), (err, data) => (err ? reject(err) : resolve(data)))
  );
  assert.deepEqual(out.TableNames, ["a"]);
  assert.equal(out.$metadata.httpStatusCode, 200);
  assert.equal(out.$metadata.attempts, 1);
  assert.equal(out.$metadata.totalRetryDelay, 0);
  assert.equal(typeof out.$metadata.requestId, "string");

  const agg = new ddb.DynamoDB({});
  const out2 = await agg.listTables({});
  assert.deepEqual(out2.TableNames, ["a"]);
  assert.equal(host.last.service, "dynamodb");
  assert.equal(host.last.operation, "ListTables");
  const cbOut = await new Promise((resolve) => agg.listTables({}, (err, data) => resolve(data)));
  assert.deepEqual(cbOut.TableNames, ["a"]);
  client.destroy();

  const cmd = new ddb.GetItemCommand({ TableName: "t", Key: {} });
  assert.deepEqual(cmd.input, { TableName: "t", Key: {} });
  assert.equal(typeof cmd.middlewareStack.add, "function");
  client.middlewareStack.add(() => () => {}, { step: "build", name: "custom" });
});

test("paginators walk pages like the real ones", async () => {
  const host = new FakeHost().on((service, op, input) => {
    if (op === "Query") {
      const start = input.ExclusiveStartKey ? Number(input.ExclusiveStartKey.pk.N) : 0;
      const items = [{ pk: { N: String(start + 1) } }];
      return { output: start + 1 < 3 ? { Items: items, LastEvaluatedKey: items[0] } : { Items: items } };
    }
    if (op === "ListTables") {
      return { output: input.ExclusiveStartTableName ? { TableNames: ["c"] } : { TableNames: ["a", "b"], LastEvaluatedTableName: "b" } };
    }
    if (op === "Scan") return { output: { Items: [] } };
    return undefined;
  });
  const ddb = loadSdk(host).require("@aws-sdk/client-dynamodb");
  const client = new ddb.DynamoDBClient({});
  const pages = [];
  for await (const page of ddb.paginateQuery({ client, pageSize: 1 }, { TableName: "t", KeyConditionExpression: "x" })) pages.push(page.Items[0].pk.N);
  assert.deepEqual(pages, ["1", "2", "3"]);
  assert.equal(host.calls[0].input.Limit, 1);
  const names = [];
  for await (const page of ddb.paginateListTables({ client }, {})) names.push(...page.TableNames);
  assert.deepEqual(names, ["a", "b", "c"]);
  const agg = new ddb.DynamoDB({});
  let n = 0;
  for await (const page of agg.paginateScan({ TableName: "t" })) n += page.Items.length + 1;
  assert.equal(n, 1);
  await assert.rejects(async () => {
    for await (const _ of ddb.paginateScan({ client: {} }, { TableName: "t" }));
  }, /Invalid client, expected instance of DynamoDBClient/);
});

test("waitUntilTableExists polls DescribeTable", async () => {
  let calls = 0;
  const host = new FakeHost().on((service, op) => {
    if (op !== "DescribeTable") return undefined;
    calls++;
    if (calls === 1) return { error: { name: "ResourceNotFoundException", message: "nope", status: 400 } };
    return { output: { Table: { TableName: "t", TableStatus: "ACTIVE" } } };
  });
  const ddb = loadSdk(host).require("@aws-sdk/client-dynamodb");
  const client = new ddb.DynamoDBClient({});
  const res = await ddb.waitUntilTableExists({ client, maxWaitTime: 5, minDelay: 0.01, maxDelay: 0.02 }, { TableName: "t" });
  assert.equal(res.state, "SUCCESS");
  assert.equal(calls, 2);
  const gone = new FakeHost().reply({ error: { name: "ResourceNotFoundException", message: "nope", status: 400 } });
  const ddb2 = loadSdk(gone).require("@aws-sdk/client-dynamodb");
  const res2 = await ddb2.waitUntilTableNotExists({ client: new ddb2.DynamoDBClient({}), maxWaitTime: 1 }, { TableName: "t" });
  assert.equal(res2.state, "SUCCESS");
});
