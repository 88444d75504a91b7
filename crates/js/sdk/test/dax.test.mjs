// @amazon-dax-sdk/client-dax and lib-dax: what goes to __gureum_aws (service
// `dax:{cluster}`), what comes back, and the errors as the real 3.1.0 clients
// surface them (messages and fields read from the real package's source).
import test from "node:test";
import assert from "node:assert/strict";
import { FakeHost, loadSdk, loadSdkInBareRealm } from "../tools/harness.mjs";

const ENDPOINT = "dax://my-cluster.abc123.dax-clusters.us-east-1.amazonaws.com";

function setup(handler) {
  const host = new FakeHost();
  if (handler) host.on(handler);
  return { host, require: loadSdk(host).require };
}

test("Dax: getItem goes to dax:{cluster} in DynamoDB JSON; output has no $metadata", async () => {
  const { host, require } = setup((service, op, input) => {
    if (op === "GetItem") return { output: { Item: { pk: input.Key.pk, bin: { B: "AAEC" } } } };
    return undefined;
  });
  const { Dax } = require("@amazon-dax-sdk/client-dax");
  const dax = new Dax({ endpoint: ENDPOINT, region: "us-east-1" });
  const out = await dax.getItem({ TableName: "t", Key: { pk: { S: "a" } } });
  assert.equal(host.last.service, "dax:my-cluster");
  assert.equal(host.last.operation, "GetItem");
  assert.deepEqual(host.last.input, { TableName: "t", Key: { pk: { S: "a" } } });
  assert.equal(out.Item.pk.S, "a");
  assert.deepEqual(Array.from(out.Item.bin.B), [0, 1, 2]);
  assert.equal(out.$metadata, undefined);
});

test("Dax: endpoints list, node endpoints and host:port name the cluster", async () => {
  const { host, require } = setup();
  const { Dax } = require("@amazon-dax-sdk/client-dax");
  await new Dax({ endpoints: [ENDPOINT] }).putItem({ TableName: "t", Item: { pk: { S: "a" } } });
  assert.equal(host.last.service, "dax:my-cluster");
  await new Dax({ endpoints: ["dax://my-cluster-b.abc123.nodes.dax-clusters.us-east-1.amazonaws.com:8111"] }).scan({ TableName: "t" });
  assert.equal(host.last.service, "dax:my-cluster");
  await new Dax({ endpoint: "other.abc123.dax-clusters.eu-west-1.amazonaws.com:8111" }).query({ TableName: "t" });
  assert.equal(host.last.service, "dax:other");
});

test("Dax: bad endpoints are DaxClientErrors as in the real client", () => {
  const { require } = setup();
  const { Dax } = require("@amazon-dax-sdk/client-dax");
  assert.throws(() => new Dax({ endpoint: "https://x.y.dax-clusters.us-east-1.amazonaws.com" }), {
    message: "IllegalArgumentException: URL scheme must be one of: dax,daxs",
    code: "IllegalArgumentException",
    retryable: false,
  });
  assert.throws(() => new Dax({ endpoint: "nohostport" }), { message: "IllegalArgumentException: Invalid hostport: nohostport" });
  assert.throws(() => new Dax({ endpoints: ["dax://a.b.c", "daxs://a.b.c"] }), { message: "IllegalArgumentException: Inconsistency between the schemes of provided endpoints." });
  assert.throws(() => new Dax({ endpoints: ["daxs://a.b.c", "daxs://d.b.c"] }), { message: "Only one encrypted endpoint URL is allowed." });
});

test("Dax: no endpoint rejects with NoRouteException after the retry", async () => {
  const { host, require } = setup();
  const { Dax } = require("@amazon-dax-sdk/client-dax");
  const err = await new Dax({ region: "us-east-1" }).getItem({ TableName: "t", Key: {} }).catch((e) => e);
  assert.equal(err.code, "NoRouteException");
  assert.equal(err.message, "NoRouteException: No endpoints available");
  assert.equal(host.calls.length, 0);
});

test("Dax: send, unsupported methods and the middleware stack throw", () => {
  const { require } = setup();
  const { Dax } = require("@amazon-dax-sdk/client-dax");
  const { GetItemCommand } = require("@aws-sdk/client-dynamodb");
  const dax = new Dax({ endpoint: ENDPOINT });
  assert.throws(() => dax.send(new GetItemCommand({ TableName: "t", Key: {} })), {
    message: "ValidationException: send operation is not supported for DAX. Please refer to documentation.",
    code: "ValidationException",
  });
  assert.throws(() => dax.describeTable({ TableName: "t" }), { message: "ValidationException: describeTable is not supported for DAX. Use DynamoDB instead." });
  assert.throws(() => dax.executeStatement({ Statement: "SELECT * FROM t" }), { message: /^ValidationException: executeStatement is not supported/ });
  assert.throws(() => dax.middlewareStack.add(() => {}), { message: /^ValidationException: custom middleware and middlewareStacks are not supported for DAX/ });
  assert.throws(() => dax.query({ TableName: "t", Limit: 0 }), {
    message: "ValidationException: Value 0 at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
  });
});

test("Dax: service errors are DaxServiceErrors with code, codeSeq and name 'Error'", async () => {
  const { host, require } = setup((service, op) => {
    if (op === "PutItem") return { error: { name: "ConditionalCheckFailedException", message: "The conditional request failed", status: 400 } };
    if (op === "GetItem") return { error: { name: "ResourceNotFoundException", message: "Requested resource not found", status: 400 } };
    return undefined;
  });
  const { Dax } = require("@amazon-dax-sdk/client-dax");
  const dax = new Dax({ endpoint: ENDPOINT });
  const err = await dax.putItem({ TableName: "t", Item: { pk: { S: "a" } }, ConditionExpression: "attribute_not_exists(pk)" }).catch((e) => e);
  assert.ok(err instanceof Error);
  assert.equal(err.name, "Error");
  assert.equal(err.constructor.name, "DaxServiceError");
  assert.equal(err.code, "ConditionalCheckFailedException");
  assert.equal(err.message, "ConditionalCheckFailedException: The conditional request failed");
  assert.deepEqual(err.codeSeq, [4, 37, 38, 39, 43]);
  assert.equal(err.retryable, false);
  assert.equal(err.statusCode, 400);
  assert.equal(err.requestId, "req-1");
  assert.equal(host.calls.length, 1, "not retried");
  const nf = await dax.getItem({ TableName: "t", Key: { pk: { S: "a" } } }).catch((e) => e);
  assert.equal(nf.code, "ResourceNotFoundException");
  assert.equal(host.calls.length, 2, "not retried");
});

test("Dax: retryable errors are retried maxRetries times (throttling with backoff)", async () => {
  let n = 0;
  const { host, require } = setup((service, op) => {
    if (op === "GetItem" && n++ === 0) return { error: { name: "ProvisionedThroughputExceededException", message: "slow down", status: 400 } };
    return undefined;
  });
  const { Dax } = require("@amazon-dax-sdk/client-dax");
  const out = await new Dax({ endpoint: ENDPOINT }).getItem({ TableName: "t", Key: { pk: { S: "a" } } });
  assert.deepEqual(out, {});
  assert.equal(host.calls.length, 2);
  const { host: h2, require: r2 } = setup(() => ({ error: { name: "ThrottlingException", message: "x", status: 400 } }));
  const err = await new (r2("@amazon-dax-sdk/client-dax").Dax)({ endpoint: ENDPOINT, readRetries: 2 }).scan({ TableName: "t" }).catch((e) => e);
  assert.equal(err.code, "ThrottlingException");
  assert.equal(err.retryable, true);
  assert.equal(h2.calls.length, 3);
});

test("Dax: TransactionCanceledException carries cancellationReasons", async () => {
  const { require } = setup(() => ({
    error: {
      name: "TransactionCanceledException",
      message: "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed]",
      status: 400,
      extra: { CancellationReasons: [{ Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: { pk: { S: "a" } } }] },
    },
  }));
  const { Dax } = require("@amazon-dax-sdk/client-dax");
  const err = await new Dax({ endpoint: ENDPOINT, maxRetries: 0 })
    .transactWriteItems({ TransactItems: [{ ConditionCheck: { TableName: "t", Key: { pk: { S: "a" } }, ConditionExpression: "attribute_not_exists(pk)" } }] })
    .catch((e) => e);
  assert.equal(err.code, "TransactionCanceledException");
  assert.deepEqual(err.cancellationReasons, [{ Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: { pk: { S: "a" } } }]);
});

test("Dax: ReturnConsumedCapacity on a cache hit gets zero units; callbacks work", async () => {
  const { require } = setup(() => ({ output: { Item: { pk: { S: "a" } } } }));
  const { Dax } = require("@amazon-dax-sdk/client-dax");
  const dax = new Dax({ endpoint: ENDPOINT });
  const out = await new Promise((resolve, reject) =>
    dax.getItem({ TableName: "t", Key: { pk: { S: "a" } }, ReturnConsumedCapacity: "TOTAL" }, (err, data) => (err ? reject(err) : resolve(data)))
  );
  assert.deepEqual(out.ConsumedCapacity, { TableName: "t", CapacityUnits: 0 });
});

test("DaxDocument: plain values in and out, over dax:{cluster}", async () => {
  const { host, require } = setup((service, op, input) => {
    if (op === "GetItem") return { output: { Item: { pk: input.Key.pk, n: { N: "42" }, tags: { SS: ["x"] } } } };
    if (op === "Query") return { output: { Items: [{ pk: { S: "a" }, sk: { N: "1" } }], Count: 1, ScannedCount: 1 } };
    return undefined;
  });
  const { DaxDocument } = require("@amazon-dax-sdk/lib-dax");
  const { Dax } = require("@amazon-dax-sdk/client-dax");
  const doc = new DaxDocument({ endpoint: ENDPOINT, region: "us-east-1" });
  assert.ok(doc instanceof Dax);
  const got = await doc.get({ TableName: "t", Key: { pk: "a" } });
  assert.deepEqual(host.last.input, { TableName: "t", Key: { pk: { S: "a" } } });
  assert.equal(host.last.service, "dax:my-cluster");
  assert.equal(got.Item.n, 42);
  assert.deepEqual(got.Item.tags, new Set(["x"]));
  const q = await doc.query({ TableName: "t", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": "a" } });
  assert.deepEqual(host.last.input.ExpressionAttributeValues, { ":p": { S: "a" } });
  assert.deepEqual(q.Items, [{ pk: "a", sk: 1 }]);
  await doc.put({ TableName: "t", Item: { pk: "b", m: { x: [1, "y"] } } });
  assert.deepEqual(host.last.input.Item, { pk: { S: "b" }, m: { M: { x: { L: [{ N: "1" }, { S: "y" }] } } } });
  assert.throws(() => doc.put({ TableName: "t", Item: { pk: "b", m: { gone: undefined } } }), /removeUndefinedValues/);
  assert.throws(() => doc.executeStatement({ Statement: "x" }), ReferenceError);
  assert.throws(() => doc.send({}), { code: "ValidationException" });
});

test("daxPaginateQuery pages through LastEvaluatedKey and checks the client", async () => {
  const { host, require } = setup((service, op, input) => {
    if (op !== "Query") return undefined;
    if (!input.ExclusiveStartKey) return { output: { Items: [{ pk: { S: "a" }, sk: { N: "1" } }], LastEvaluatedKey: { pk: { S: "a" }, sk: { N: "1" } } } };
    return { output: { Items: [{ pk: { S: "a" }, sk: { N: "2" } }] } };
  });
  const { DaxDocument, daxPaginateQuery } = require("@amazon-dax-sdk/lib-dax");
  const client = new DaxDocument({ endpoint: ENDPOINT });
  const pages = [];
  for await (const page of daxPaginateQuery({ client, pageSize: 1 }, { TableName: "t", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": "a" } })) {
    pages.push(page.Items);
  }
  assert.deepEqual(pages, [[{ pk: "a", sk: 1 }], [{ pk: "a", sk: 2 }]]);
  assert.equal(host.calls[0].input.Limit, 1);
  const bad = daxPaginateQuery({ client: {} }, { TableName: "t" });
  await assert.rejects(bad.next(), { message: "Invalid client, expected instance of DaxDocument" });
});

test("DAX modules work in a bare ECMAScript realm", async () => {
  const host = new FakeHost().on((service, op) => (op === "GetItem" ? { output: { Item: { pk: { S: "a" } } } } : undefined));
  const { require } = loadSdkInBareRealm(host);
  const { DaxDocument } = require("@amazon-dax-sdk/lib-dax");
  const got = await new DaxDocument({ endpoint: ENDPOINT, region: "us-east-1" }).get({ TableName: "t", Key: { pk: "a" } });
  assert.equal(got.Item.pk, "a");
  assert.equal(host.last.service, "dax:my-cluster");
});
