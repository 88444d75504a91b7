// @aws-sdk/lib-dynamodb — the DynamoDB document client.
//
// Which members are marshalled (inputKeyNodes) and unmarshalled
// (outputKeyNodes), and how the key-node walk treats functions and undefined,
// follow @aws-sdk/lib-dynamodb 3.1169 from aws-sdk-js-v3 (Apache-2.0);
// test/lib-dynamodb.test.mjs compares the two command by command.
"use strict";

const { marshall, unmarshall, NumberValueImpl } = require("@aws-sdk/util-dynamodb");
const ddb = require("@aws-sdk/client-dynamodb");
const { sendWithCallbacks, sendCommand, createPaginator, Command } = require("@gureum/internal/client");

const SELF = null;
const ALL_VALUES = {};
const ALL_MEMBERS = [];
const NEXT_LEVEL = "*";

const processObj = (obj, processFunc, keyNodes) => {
  if (obj !== undefined) {
    if (keyNodes == null) {
      return processFunc(obj);
    } else {
      const keys = Object.keys(keyNodes);
      const goToNextLevel = keys.length === 1 && keys[0] === NEXT_LEVEL;
      const someChildren = keys.length >= 1 && !goToNextLevel;
      const allChildren = keys.length === 0;
      if (someChildren) {
        return processKeysInObj(obj, processFunc, keyNodes);
      } else if (allChildren) {
        return processAllKeysInObj(obj, processFunc, SELF);
      } else if (goToNextLevel) {
        return Object.entries(obj ?? {}).reduce(
          (acc, [k, v]) => {
            if (typeof v !== "function") {
              acc[k] = processObj(v, processFunc, keyNodes[NEXT_LEVEL]);
            }
            return acc;
          },
          Array.isArray(obj) ? [] : {}
        );
      }
    }
  }
  return undefined;
};

const processKeysInObj = (obj, processFunc, keyNodes) => {
  let accumulator;
  if (Array.isArray(obj)) {
    accumulator = obj.filter((item) => typeof item !== "function");
  } else {
    accumulator = {};
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v !== "function") {
        accumulator[k] = v;
      }
    }
  }
  for (const [nodeKey, nodes] of Object.entries(keyNodes)) {
    if (typeof obj[nodeKey] === "function") {
      continue;
    }
    const processedValue = processObj(obj[nodeKey], processFunc, nodes);
    if (processedValue !== undefined && typeof processedValue !== "function") {
      accumulator[nodeKey] = processedValue;
    }
  }
  return accumulator;
};

const processAllKeysInObj = (obj, processFunc, keyNodes) => {
  if (Array.isArray(obj)) {
    return obj.filter((item) => typeof item !== "function").map((item) => processObj(item, processFunc, keyNodes));
  }
  return Object.entries(obj).reduce((acc, [key, value]) => {
    if (typeof value === "function") {
      return acc;
    }
    const processedValue = processObj(value, processFunc, keyNodes);
    if (processedValue !== undefined && typeof processedValue !== "function") {
      acc[key] = processedValue;
    }
    return acc;
  }, {});
};

const marshallInput = (obj, keyNodes, options) => {
  const marshallFunc = (toMarshall) => marshall(toMarshall, options);
  return processKeysInObj(obj, marshallFunc, keyNodes);
};

const unmarshallOutput = (obj, keyNodes, options) => {
  const unmarshallFunc = (toMarshall) => unmarshall(toMarshall, options);
  return processKeysInObj(obj, unmarshallFunc, keyNodes);
};

// ---------------------------------------------------------------- commands

class DynamoDBDocumentClientCommand extends Command {
  // Called by client.send: marshall the input, send the low-level command,
  // unmarshall the output.
  __gureumSend(client) {
    const config = (client && client.config) || {};
    const translateConfig = config.translateConfig || {};
    const marshallOptions = translateConfig.marshallOptions || {};
    const unmarshallOptions = translateConfig.unmarshallOptions || {};
    marshallOptions.convertTopLevelContainer = marshallOptions.convertTopLevelContainer ?? true;
    unmarshallOptions.convertWithoutMapWrapper = unmarshallOptions.convertWithoutMapWrapper ?? true;
    const input = marshallInput(this.input, this.inputKeyNodes, marshallOptions);
    const ClientCommand = this.constructor.__clientCommand;
    const inner = new ClientCommand(input);
    const output = sendCommand(ClientCommand.__service, inner);
    return unmarshallOutput(output, this.outputKeyNodes, unmarshallOptions);
  }
}

function documentCommand(name, ClientCommand, inputKeyNodes, outputKeyNodes) {
  const Cls = {
    [name]: class extends DynamoDBDocumentClientCommand {
      constructor(input) {
        super(input);
        this.input = input;
        this.inputKeyNodes = inputKeyNodes;
        this.outputKeyNodes = outputKeyNodes;
        this.clientCommand = new ClientCommand(this.input);
        this.middlewareStack = this.clientCommand.middlewareStack;
      }
    },
  }[name];
  Object.defineProperty(Cls, "__clientCommand", { value: ClientCommand });
  return Cls;
}

const EXPECTED = { "*": { Value: SELF, AttributeValueList: ALL_MEMBERS } };
const ITEM_COLLECTION_METRICS = { ItemCollectionKey: ALL_VALUES };

const BatchExecuteStatementCommand = documentCommand(
  "BatchExecuteStatementCommand",
  ddb.BatchExecuteStatementCommand,
  { Statements: { "*": { Parameters: ALL_MEMBERS } } },
  { Responses: { "*": { Error: { Item: ALL_VALUES }, Item: ALL_VALUES } } }
);

const BatchGetCommand = documentCommand(
  "BatchGetCommand",
  ddb.BatchGetItemCommand,
  { RequestItems: { "*": { Keys: { "*": ALL_VALUES } } } },
  {
    Responses: { "*": { "*": ALL_VALUES } },
    UnprocessedKeys: { "*": { Keys: { "*": ALL_VALUES } } },
  }
);

const WRITE_REQUESTS = {
  "*": { "*": { PutRequest: { Item: ALL_VALUES }, DeleteRequest: { Key: ALL_VALUES } } },
};

const BatchWriteCommand = documentCommand(
  "BatchWriteCommand",
  ddb.BatchWriteItemCommand,
  { RequestItems: WRITE_REQUESTS },
  {
    UnprocessedItems: WRITE_REQUESTS,
    ItemCollectionMetrics: { "*": { "*": { ItemCollectionKey: ALL_VALUES } } },
  }
);

const DeleteCommand = documentCommand(
  "DeleteCommand",
  ddb.DeleteItemCommand,
  { Key: ALL_VALUES, Expected: EXPECTED, ExpressionAttributeValues: ALL_VALUES },
  { Attributes: ALL_VALUES, ItemCollectionMetrics: ITEM_COLLECTION_METRICS }
);

const DescribeExportCommand = documentCommand(
  "DescribeExportCommand",
  ddb.DescribeExportCommand,
  {},
  { ExportDescription: { FilterSpecification: { ExpressionAttributeValues: ALL_VALUES } } }
);

const ExecuteStatementCommand = documentCommand(
  "ExecuteStatementCommand",
  ddb.ExecuteStatementCommand,
  { Parameters: ALL_MEMBERS },
  { Items: { "*": ALL_VALUES }, LastEvaluatedKey: ALL_VALUES }
);

const ExecuteTransactionCommand = documentCommand(
  "ExecuteTransactionCommand",
  ddb.ExecuteTransactionCommand,
  { TransactStatements: { "*": { Parameters: ALL_MEMBERS } } },
  { Responses: { "*": { Item: ALL_VALUES } } }
);

const ExportTableToPointInTimeCommand = documentCommand(
  "ExportTableToPointInTimeCommand",
  ddb.ExportTableToPointInTimeCommand,
  { FilterSpecification: { ExpressionAttributeValues: ALL_VALUES } },
  { ExportDescription: { FilterSpecification: { ExpressionAttributeValues: ALL_VALUES } } }
);

const GetCommand = documentCommand("GetCommand", ddb.GetItemCommand, { Key: ALL_VALUES }, { Item: ALL_VALUES });

const PutCommand = documentCommand(
  "PutCommand",
  ddb.PutItemCommand,
  { Item: ALL_VALUES, Expected: EXPECTED, ExpressionAttributeValues: ALL_VALUES },
  { Attributes: ALL_VALUES, ItemCollectionMetrics: ITEM_COLLECTION_METRICS }
);

const QueryCommand = documentCommand(
  "QueryCommand",
  ddb.QueryCommand,
  {
    KeyConditions: { "*": { AttributeValueList: ALL_MEMBERS } },
    QueryFilter: { "*": { AttributeValueList: ALL_MEMBERS } },
    ExclusiveStartKey: ALL_VALUES,
    ExpressionAttributeValues: ALL_VALUES,
  },
  { Items: { "*": ALL_VALUES }, LastEvaluatedKey: ALL_VALUES }
);

const ScanCommand = documentCommand(
  "ScanCommand",
  ddb.ScanCommand,
  {
    ScanFilter: { "*": { AttributeValueList: ALL_MEMBERS } },
    ExclusiveStartKey: ALL_VALUES,
    ExpressionAttributeValues: ALL_VALUES,
  },
  { Items: { "*": ALL_VALUES }, LastEvaluatedKey: ALL_VALUES }
);

const SearchVectorsCommand = ddb.SearchVectorsCommand
  ? documentCommand(
      "SearchVectorsCommand",
      ddb.SearchVectorsCommand,
      { ExpressionAttributeValues: ALL_VALUES, SearchVector: ALL_MEMBERS },
      { SearchResults: { "*": { Item: ALL_VALUES } } }
    )
  : undefined;

const TransactGetCommand = documentCommand(
  "TransactGetCommand",
  ddb.TransactGetItemsCommand,
  { TransactItems: { "*": { Get: { Key: ALL_VALUES } } } },
  { Responses: { "*": { Item: ALL_VALUES } } }
);

const TransactWriteCommand = documentCommand(
  "TransactWriteCommand",
  ddb.TransactWriteItemsCommand,
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
  { ItemCollectionMetrics: { "*": { "*": { ItemCollectionKey: ALL_VALUES } } } }
);

const UpdateCommand = documentCommand(
  "UpdateCommand",
  ddb.UpdateItemCommand,
  {
    Key: ALL_VALUES,
    AttributeUpdates: { "*": { Value: SELF } },
    Expected: EXPECTED,
    ExpressionAttributeValues: ALL_VALUES,
  },
  { Attributes: ALL_VALUES, ItemCollectionMetrics: ITEM_COLLECTION_METRICS }
);

// ---------------------------------------------------------------- clients

class DynamoDBDocumentClient {
  constructor(client, translateConfig) {
    this.config = client.config;
    this.config.translateConfig = translateConfig;
    this.middlewareStack = client.middlewareStack;
    if (this.config && this.config.cacheMiddleware) {
      throw new Error(
        "@aws-sdk/lib-dynamodb - cacheMiddleware=true is not compatible with the" +
          " DynamoDBDocumentClient. This option must be set to false."
      );
    }
  }
  static from(client, translateConfig) {
    return new DynamoDBDocumentClient(client, translateConfig);
  }
  send(command, optionsOrCb, cb) {
    return sendWithCallbacks(this, command, optionsOrCb, cb);
  }
  destroy() {
    // The document client does not own the DynamoDBClient it wraps.
  }
}

const paginateQuery = createPaginator(DynamoDBDocumentClient, QueryCommand, "ExclusiveStartKey", "LastEvaluatedKey", "Limit");
const paginateScan = createPaginator(DynamoDBDocumentClient, ScanCommand, "ExclusiveStartKey", "LastEvaluatedKey", "Limit");

async function* paginatedBatchGet(config, input) {
  let requestItems = input.RequestItems;
  while (requestItems && Object.keys(requestItems).length > 0) {
    const response = await config.client.send(new BatchGetCommand(Object.assign({}, input, { RequestItems: requestItems })));
    requestItems = response.UnprocessedKeys;
    yield response;
  }
}

class DynamoDBDocument extends DynamoDBDocumentClient {
  static from(client, translateConfig) {
    return new DynamoDBDocument(client, translateConfig);
  }
  paginatedBatchGet(args) {
    return paginatedBatchGet({ client: this }, args);
  }
}

const DOCUMENT_METHODS = {
  batchExecuteStatement: BatchExecuteStatementCommand,
  batchGet: BatchGetCommand,
  batchWrite: BatchWriteCommand,
  delete: DeleteCommand,
  describeExport: DescribeExportCommand,
  executeStatement: ExecuteStatementCommand,
  executeTransaction: ExecuteTransactionCommand,
  exportTableToPointInTime: ExportTableToPointInTimeCommand,
  get: GetCommand,
  put: PutCommand,
  query: QueryCommand,
  scan: ScanCommand,
  searchVectors: SearchVectorsCommand,
  transactGet: TransactGetCommand,
  transactWrite: TransactWriteCommand,
  update: UpdateCommand,
};

for (const [name, CommandCtor] of Object.entries(DOCUMENT_METHODS)) {
  if (!CommandCtor) continue;
  DynamoDBDocument.prototype[name] = function (args, optionsOrCb, cb) {
    const command = new CommandCtor(args);
    if (typeof optionsOrCb === "function") {
      this.send(command, optionsOrCb);
    } else if (typeof cb === "function") {
      if (typeof optionsOrCb !== "object") {
        throw new Error(`Expect http options but get ${typeof optionsOrCb}`);
      }
      this.send(command, optionsOrCb || {}, cb);
    } else {
      return this.send(command, optionsOrCb);
    }
  };
}

module.exports = {
  $Command: Command,
  __Client: DynamoDBDocumentClient,
  NumberValue: NumberValueImpl,
  BatchExecuteStatementCommand,
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DescribeExportCommand,
  DynamoDBDocument,
  DynamoDBDocumentClient,
  DynamoDBDocumentClientCommand,
  ExecuteStatementCommand,
  ExecuteTransactionCommand,
  ExportTableToPointInTimeCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  SearchVectorsCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
  paginateQuery,
  paginateScan,
  paginatedBatchGet,
};
