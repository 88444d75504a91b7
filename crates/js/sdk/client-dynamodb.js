// @aws-sdk/client-dynamodb — DynamoDBClient, the aggregated DynamoDB class,
// one command class per operation, error classes, paginators, enums, and the
// TableExists / TableNotExists waiters. The wire is the DynamoDB JSON
// protocol: AttributeValue B/BS are base64 on the wire and Uint8Array here;
// DescribeTable & co. dates are epoch seconds on the wire and Date here.
"use strict";

const { createService, runWaiter } = require("@gureum/internal/client");
const generated = require("@gureum/internal/models/dynamodb");

// As @aws-sdk/dynamodb-codec does, a string given for B goes on the wire
// unchanged (it is taken to be base64 already), while strings in BS are sent
// as their UTF-8 bytes like any other blob.
const model = Object.assign({}, generated, {
  refs: Object.assign({}, generated.refs, {
    AttributeValue: Object.assign({}, generated.refs.AttributeValue, { B: "B" }),
  }),
});

const sdk = createService({
  model,
  clientName: "DynamoDBClient",
  aggregatedName: "DynamoDB",
  exceptionName: "DynamoDBServiceException",
});

async function checkTable(client, input, wantExists) {
  try {
    const out = await client.send(new sdk.DescribeTableCommand(input));
    if (!wantExists) return { state: "RETRY", reason: out };
    return { state: out.Table && out.Table.TableStatus === "ACTIVE" ? "SUCCESS" : "RETRY", reason: out };
  } catch (err) {
    if (err && err.name === "ResourceNotFoundException") {
      return { state: wantExists ? "RETRY" : "SUCCESS", reason: err };
    }
    throw err;
  }
}

const waitUntilTableExists = (params, input) =>
  runWaiter(params, input, (client, i) => checkTable(client, i, true), { minDelay: 20, maxDelay: 120 });
const waitUntilTableNotExists = (params, input) =>
  runWaiter(params, input, (client, i) => checkTable(client, i, false), { minDelay: 20, maxDelay: 120 });

sdk.waitUntilTableExists = waitUntilTableExists;
sdk.waitForTableExists = waitUntilTableExists;
sdk.waitUntilTableNotExists = waitUntilTableNotExists;
sdk.waitForTableNotExists = waitUntilTableNotExists;
sdk.DynamoDB.prototype.waitUntilTableExists = function (input, waiterConfig) {
  const cfg = typeof waiterConfig === "number" ? { maxWaitTime: waiterConfig } : waiterConfig;
  return waitUntilTableExists(Object.assign({}, cfg, { client: this }), input);
};
sdk.DynamoDB.prototype.waitUntilTableNotExists = function (input, waiterConfig) {
  const cfg = typeof waiterConfig === "number" ? { maxWaitTime: waiterConfig } : waiterConfig;
  return waitUntilTableNotExists(Object.assign({}, cfg, { client: this }), input);
};

module.exports = sdk;
