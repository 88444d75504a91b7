// @amazon-dax-sdk/lib-dax — DaxDocument, the document client over DAX:
// `new DaxDocument({ endpoint | endpoints, region })` with get, put, update,
// delete, query, scan, batchGet, batchWrite, transactGet and transactWrite
// taking and returning plain JavaScript values, plus daxPaginateQuery /
// daxPaginateScan over a DaxDocument.
//
// Follows @amazon-dax-sdk/lib-dax 3.1.0 (Apache-2.0): it extends `Dax`, so
// the low-level methods (getItem...) are there too; input is marshalled with
// `convertTopLevelContainer: true` and output unmarshalled with
// `convertWithoutMapWrapper: true` only (DaxDocument takes no translateConfig,
// so an `undefined` value in an item is an error, as in the real package);
// marshalling errors are thrown synchronously; `send`, the middleware stack,
// executeStatement, executeTransaction and batchExecuteStatement throw as in
// the real package (executeStatement and executeTransaction there refer to an
// undefined variable and throw a ReferenceError).
"use strict";

const { marshall, unmarshall } = require("@aws-sdk/util-dynamodb");
const dax = require("@amazon-dax-sdk/client-dax");

const { Dax } = dax;

const ALL_VALUES = {};
const ALL_MEMBERS = [];
const NEXT_LEVEL = "*";
const SELF = null;

function processObj(obj, processFunc, keyNodes) {
  if (obj !== undefined) {
    if (keyNodes == null) return processFunc(obj);
    const keys = Object.keys(keyNodes);
    const goToNextLevel = keys.length === 1 && keys[0] === NEXT_LEVEL;
    const someChildren = keys.length >= 1 && !goToNextLevel;
    const allChildren = keys.length === 0;
    if (someChildren) return processKeysInObj(obj, processFunc, keyNodes);
    if (allChildren) return processAllKeysInObj(obj, processFunc, SELF);
    if (goToNextLevel) {
      return Object.entries(obj ?? {}).reduce(
        (acc, [k, v]) => {
          if (typeof v !== "function") acc[k] = processObj(v, processFunc, keyNodes[NEXT_LEVEL]);
          return acc;
        },
        Array.isArray(obj) ? [] : {}
      );
    }
  }
  return undefined;
}

function processKeysInObj(obj, processFunc, keyNodes) {
  let accumulator;
  if (Array.isArray(obj)) {
    accumulator = obj.filter((item) => typeof item !== "function");
  } else {
    accumulator = {};
    for (const [k, v] of Object.entries(obj)) if (typeof v !== "function") accumulator[k] = v;
  }
  for (const [nodeKey, nodes] of Object.entries(keyNodes)) {
    if (typeof obj[nodeKey] === "function") continue;
    const processedValue = processObj(obj[nodeKey], processFunc, nodes);
    if (processedValue !== undefined && typeof processedValue !== "function") accumulator[nodeKey] = processedValue;
  }
  return accumulator;
}

function processAllKeysInObj(obj, processFunc, keyNodes) {
  if (Array.isArray(obj)) {
    return obj.filter((item) => typeof item !== "function").map((item) => processObj(item, processFunc, keyNodes));
  }
  return Object.entries(obj).reduce((acc, [key, value]) => {
    if (typeof value === "function") return acc;
    const processedValue = processObj(value, processFunc, keyNodes);
    if (processedValue !== undefined && typeof processedValue !== "function") acc[key] = processedValue;
    return acc;
  }, {});
}

const marshallInput = (obj, keyNodes) => processKeysInObj(obj, (v) => marshall(v, { convertTopLevelContainer: true }), keyNodes);
const unmarshallOutput = (obj, keyNodes) => processKeysInObj(obj, (v) => unmarshall(v, { convertWithoutMapWrapper: true }), keyNodes);

const EXPECTED = { "*": { Value: SELF, AttributeValueList: ALL_MEMBERS } };
const ITEM_COLLECTION_METRICS = { ItemCollectionKey: ALL_VALUES };
const WRITE_REQUESTS = { "*": { "*": { PutRequest: { Item: ALL_VALUES }, DeleteRequest: { Key: ALL_VALUES } } } };

// method: [low-level method, input key nodes, output key nodes]
const METHODS = {
  batchGet: [
    "batchGetItem",
    { RequestItems: { "*": { Keys: { "*": ALL_VALUES } } } },
    { Responses: { "*": { "*": ALL_VALUES } }, UnprocessedKeys: { "*": { Keys: { "*": ALL_VALUES } } } },
  ],
  batchWrite: ["batchWriteItem", { RequestItems: WRITE_REQUESTS }, { UnprocessedItems: WRITE_REQUESTS, ItemCollectionMetrics: { "*": { "*": ITEM_COLLECTION_METRICS } } }],
  delete: ["deleteItem", { Key: ALL_VALUES, Expected: EXPECTED, ExpressionAttributeValues: ALL_VALUES }, { Attributes: ALL_VALUES, ItemCollectionMetrics: ITEM_COLLECTION_METRICS }],
  get: ["getItem", { Key: ALL_VALUES }, { Item: ALL_VALUES }],
  put: ["putItem", { Item: ALL_VALUES, Expected: EXPECTED, ExpressionAttributeValues: ALL_VALUES }, { Attributes: ALL_VALUES, ItemCollectionMetrics: ITEM_COLLECTION_METRICS }],
  query: [
    "query",
    {
      KeyConditions: { "*": { AttributeValueList: ALL_MEMBERS } },
      QueryFilter: { "*": { AttributeValueList: ALL_MEMBERS } },
      ExclusiveStartKey: ALL_VALUES,
      ExpressionAttributeValues: ALL_VALUES,
    },
    { Items: { "*": ALL_VALUES }, LastEvaluatedKey: ALL_VALUES },
  ],
  scan: [
    "scan",
    { ScanFilter: { "*": { AttributeValueList: ALL_MEMBERS } }, ExclusiveStartKey: ALL_VALUES, ExpressionAttributeValues: ALL_VALUES },
    { Items: { "*": ALL_VALUES }, LastEvaluatedKey: ALL_VALUES },
  ],
  transactGet: ["transactGetItems", { TransactItems: { "*": { Get: { Key: ALL_VALUES } } } }, { Responses: { "*": { Item: ALL_VALUES } } }],
  transactWrite: [
    "transactWriteItems",
    {
      TransactItems: {
        "*": {
          ConditionCheck: { Key: ALL_VALUES, ExpressionAttributeValues: ALL_VALUES },
          Put: { Item: ALL_VALUES, ExpressionAttributeValues: ALL_VALUES },
          Delete: { Key: ALL_VALUES, ExpressionAttributeValues: ALL_VALUES },
          Update: { Key: ALL_VALUES, ExpressionAttributeValues: ALL_VALUES },
        },
      },
    },
    { ItemCollectionMetrics: { "*": { "*": ITEM_COLLECTION_METRICS } } },
  ],
  update: [
    "updateItem",
    { Key: ALL_VALUES, AttributeUpdates: { "*": { Value: SELF } }, Expected: EXPECTED, ExpressionAttributeValues: ALL_VALUES },
    { Attributes: ALL_VALUES, ItemCollectionMetrics: ITEM_COLLECTION_METRICS },
  ],
};

class DaxDocument extends Dax {
  constructor(config, cluster) {
    super(config, cluster);
  }

  batchExecuteStatement(params, optionsOrCb, callback) {
    return super.batchExecuteStatement(params, optionsOrCb, callback);
  }

  executeStatement() {
    throw new ReferenceError("optionsOrCb is not defined");
  }

  executeTransaction() {
    throw new ReferenceError("optionsOrCb is not defined");
  }
}

for (const [name, [low, inputNodes, outputNodes]] of Object.entries(METHODS)) {
  DaxDocument.prototype[name] = function (params, optionsOrCb, callback) {
    params = marshallInput(params, inputNodes);
    if (typeof optionsOrCb === "function") callback = optionsOrCb;
    // query and scan share their names with Dax's: call Dax's (super).
    const send = (...args) => (name === low ? Dax.prototype[low] : this[low]).apply(this, args);
    if (typeof callback === "function") {
      send(params, (err, data) => {
        if (err) callback(err, null);
        else callback(null, unmarshallOutput(data, outputNodes));
      });
      return undefined;
    }
    return send(params).then((data) => unmarshallOutput(data, outputNodes));
  };
}

module.exports = {
  DaxDocument,
  daxPaginateQuery: dax.__daxPaginator("query", DaxDocument, "DaxDocument"),
  daxPaginateScan: dax.__daxPaginator("scan", DaxDocument, "DaxDocument"),
};
