// @amazon-dax-sdk/client-dax — the DynamoDB Accelerator (DAX) client for the
// AWS SDK for JavaScript v3: `new Dax({ endpoint | endpoints, region })`
// with DynamoDB's data-plane methods in the aggregated (v2) style
// (`dax.getItem(params)`), plus daxPaginateQuery / daxPaginateScan.
//
// Follows @amazon-dax-sdk/client-dax 3.1.0 (Apache-2.0): the same exports
// (`Dax`, `daxPaginateQuery`, `daxPaginateScan`); the ten supported methods;
// every other DynamoDB method, `send` (DAX does not support bare-bones
// clients) and the middleware stack throw a DaxClientError; errors are
// DaxServiceError values with `code`, `message` = "<code>: <message>",
// `retryable`, `requestId`, `statusCode`, `codeSeq` (and
// `cancellationReasons` for TransactionCanceledException), whose `name` is
// "Error" as in the real client; outputs carry no `$metadata`; a read with
// ReturnConsumedCapacity answered without ConsumedCapacity (a cache hit) gets
// `{TableName, CapacityUnits: 0}`; retryable errors are retried
// (`maxRetries`/`readRetries`/`writeRetries`, default 1) with the client's
// exponential backoff for throttling.
//
// Requests go through `__gureum_aws` to the engine service `dax:{cluster}`
// in the function's region, where {cluster} is the first label of the
// endpoint host (`dax://my-cluster.abc123.dax-clusters.us-east-1.amazonaws.com`;
// node endpoints `my-cluster-a.abc123.nodes.dax-clusters...` name their
// cluster too). Not emulated: connections, cluster discovery and health
// checks (the settings for them are accepted as the real client accepts them).
"use strict";

const ddb = require("@aws-sdk/client-dynamodb");
const { toWire, fromWire } = require("@gureum/internal/client");

const model = ddb.__gureumService.model;

const SCHEMES_TO_PORTS = { dax: 8111, daxs: 9111 };

const DaxErrorCode = {
  Decoder: "DecoderException",
  Unrecognized: "UnrecognizedClientException",
  Authentication: "MissingAuthenticationTokenException",
  MalformedResult: "MalformedResultException",
  EndOfStream: "EndOfStreamException",
  IllegalArgument: "IllegalArgumentException",
  Validation: "ValidationException",
  NoRoute: "NoRouteException",
  ResourceNotFound: "ResourceNotFoundException",
  ResourceInUse: "ResourceInUseException",
  ProvisionedThroughputExceeded: "ProvisionedThroughputExceededException",
  ConditionalCheckFailed: "ConditionalCheckFailedException",
  InternalServerError: "InternalServerErrorException",
  ItemCollectionSizeLimitExceeded: "ItemCollectionSizeLimitExceededException",
  LimitExceeded: "LimitExceededException",
  RequestLimitExceeded: "RequestLimitExceeded",
  Throttling: "ThrottlingException",
  Connection: "ConnectionException",
};

const THROTTLING = [DaxErrorCode.ProvisionedThroughputExceeded, DaxErrorCode.LimitExceeded, DaxErrorCode.RequestLimitExceeded, DaxErrorCode.Throttling];

class DaxClientError extends Error {
  constructor(message, code, retryable, requestId, statusCode) {
    super(message);
    this.time = Date.now();
    this.code = code;
    this.retryable = retryable === undefined ? true : retryable;
    this.requestId = requestId === undefined ? null : requestId;
    this.statusCode = statusCode === undefined ? -1 : statusCode;
    this._tubeInvalid = false;
    this.waitForRecoveryBeforeRetrying = false;
    this.message = !code || message.startsWith(code) ? message : code + ": " + message;
  }
}

// The DAX server's error code sequences for DynamoDB's errors
// ([4, 37, 38, 39, n]), as DaxServiceError reads them.
const DDB_CODE_SEQ = {
  ProvisionedThroughputExceededException: 40,
  ResourceNotFoundException: 41,
  ConditionalCheckFailedException: 43,
  ResourceInUseException: 45,
  ValidationException: 46,
  InternalServerErrorException: 47,
  ItemCollectionSizeLimitExceededException: 48,
  LimitExceededException: 49,
  ThrottlingException: 50,
  TransactionCanceledException: 58,
  RequestLimitExceeded: 61,
};
const RETRYABLE_SEQ = [40, 47, 49, 58, 61];

class DaxServiceError extends DaxClientError {
  constructor(message, code, requestId, statusCode, codeSeq, cancellationReasons) {
    super(message, code, false, requestId, statusCode);
    this._message = message;
    this.codeSeq = codeSeq;
    this.cancellationReasons = cancellationReasons;
    this.retryable =
      code === DaxErrorCode.Throttling || statusCode === 503 || statusCode === 500 || (codeSeq.length > 4 && codeSeq[1] === 37 && RETRYABLE_SEQ.includes(codeSeq[4]));
  }
}

function serviceError(error, requestId) {
  const name = (error && error.name) || "UnknownError";
  const status = error && typeof error.status === "number" ? error.status : 400;
  const n = DDB_CODE_SEQ[name];
  const codeSeq = n ? [4, 37, 38, 39, n] : [4, 37, 38, 39];
  let reasons;
  const extra = error && error.extra && typeof error.extra === "object" ? error.extra : {};
  if (Array.isArray(extra.CancellationReasons)) {
    reasons = extra.CancellationReasons.map((r) => ({
      Item: r && r.Item ? fromWire(r.Item, { "*": "@AttributeValue" }, model.refs) : null,
      Code: r && r.Code,
      Message: r && r.Message,
    }));
  }
  return new DaxServiceError((error && error.message) || name, name, requestId, status, codeSeq, reasons);
}

// ---------------------------------------------------------------- endpoints

function parseHostPort(hostport) {
  if (typeof hostport !== "string") throw new DaxClientError("Invalid hostport: " + hostport, DaxErrorCode.IllegalArgument, false);
  let text = hostport;
  if (text.indexOf("://") === -1) {
    if (text.indexOf(":") === -1) throw new DaxClientError("Invalid hostport: " + hostport, DaxErrorCode.IllegalArgument, false);
    text = "dax://" + text;
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/:?#\s]+)(?::(\d*))?\/?$/.exec(text);
  if (!m) throw new DaxClientError("Invalid hostport: " + hostport, DaxErrorCode.IllegalArgument, false);
  const scheme = m[1].toLowerCase();
  if (!Object.keys(SCHEMES_TO_PORTS).includes(scheme)) {
    throw new DaxClientError("URL scheme must be one of: " + Object.keys(SCHEMES_TO_PORTS), DaxErrorCode.IllegalArgument, false);
  }
  const port = m[3] ? parseInt(m[3], 10) : SCHEMES_TO_PORTS[scheme];
  return { host: m[2].toLowerCase(), port, scheme };
}

function parseHostPorts(hostports) {
  if (hostports == null || hostports == "") throw new DaxClientError("Provide a Cluster Discovery Endpoint to connect.");
  if (typeof hostports === "string") return [parseHostPort(hostports)];
  const addrs = [];
  for (const hp of hostports) addrs.push(parseHostPort(hp));
  if (!addrs.every((a) => a.scheme === addrs[0].scheme)) {
    throw new DaxClientError("Inconsistency between the schemes of provided endpoints.", DaxErrorCode.IllegalArgument, false);
  }
  if (addrs.length >= 2 && addrs[0].scheme === "daxs") throw new DaxClientError("Only one encrypted endpoint URL is allowed.");
  return addrs;
}

// The cluster a host names: `{cluster}.{id}.dax-clusters...` or a node
// `{cluster}-{node}.{id}.nodes.dax-clusters...`.
function clusterOf(host) {
  const labels = host.split(".");
  if (labels[2] === "nodes") {
    const dash = labels[0].lastIndexOf("-");
    return dash > 0 ? labels[0].slice(0, dash) : labels[0];
  }
  return labels[0];
}

function envRegion() {
  try {
    // eslint-disable-next-line no-undef
    const env = typeof process === "object" && process && process.env;
    return (env && (env.AWS_REGION || env.AWS_DEFAULT_REGION || env.AMAZON_REGION)) || undefined;
  } catch (_) {
    return undefined;
  }
}

// ---------------------------------------------------------------- the client

function callHost(service, operation, inputJson) {
  // eslint-disable-next-line no-undef
  const host = typeof __gureum_aws === "function" ? __gureum_aws : globalThis.__gureum_aws;
  if (typeof host !== "function") throw new Error("__gureum_aws is not available in this runtime");
  const text = host(service, operation, inputJson);
  return typeof text === "string" ? JSON.parse(text) : text;
}

const READS = ["BatchGetItem", "GetItem", "Query", "Scan", "TransactGetItems"];

const SUPPORTED = {
  batchGetItem: "BatchGetItem",
  batchWriteItem: "BatchWriteItem",
  deleteItem: "DeleteItem",
  getItem: "GetItem",
  putItem: "PutItem",
  query: "Query",
  scan: "Scan",
  transactGetItems: "TransactGetItems",
  transactWriteItems: "TransactWriteItems",
  updateItem: "UpdateItem",
};

const UNSUPPORTED = [
  "batchExecuteStatement", "createBackup", "createGlobalTable", "createTable", "deleteBackup", "deleteResourcePolicy", "deleteTable",
  "describeBackup", "describeContinuousBackups", "describeContributorInsights", "describeEndpoints", "describeExport", "describeGlobalTable",
  "describeGlobalTableSettings", "describeImport", "describeKinesisStreamingDestination", "describeLimits", "describeTable",
  "describeTableReplicaAutoScaling", "describeTimeToLive", "disableKinesisStreamingDestination", "enableKinesisStreamingDestination",
  "executeStatement", "executeTransaction", "exportTableToPointInTime", "getResourcePolicy", "importTable", "listBackups",
  "listContributorInsights", "listExports", "listGlobalTables", "listImports", "listTables", "listTagsOfResource", "putResourcePolicy",
  "restoreTableFromBackup", "restoreTableToPointInTime", "tagResource", "untagResource", "updateContinuousBackups",
  "updateContributorInsights", "updateGlobalTable", "updateGlobalTableSettings", "updateKinesisStreamingDestination", "updateTable",
  "updateTableReplicaAutoScaling", "updateTimeToLive",
];

const MIDDLEWARE_METHODS = ["add", "addRelativeTo", "clone", "concat", "identify", "identifyOnResolve", "remove", "removeByTag", "resolve", "use"];

class Dax {
  constructor(config, cluster) {
    if (config === undefined || config === null) throw new TypeError("Cannot read properties of undefined (reading 'maxRedirects')");
    this.config = config;
    this.config.maxRedirects = 0;
    this.skipHostnameVerification = config.skipHostnameVerification != null ? config.skipHostnameVerification : false;
    const ip = config.ipDiscovery;
    if (![undefined, null, "IPV4", "IPV6"].includes(typeof ip === "string" ? ip.toUpperCase() : ip)) {
      throw new DaxClientError("Invalid value provided for ipDiscovery. Please use null, IPV4, IPV6", DaxErrorCode.Validation);
    }
    const region = config.region || envRegion() || "us-east-1";
    const seeds = config.endpoints ? parseHostPorts(config.endpoints) : config.endpoint ? parseHostPorts(config.endpoint) : null;
    this._gureum = { region, seeds, cluster: seeds && seeds.length ? clusterOf(seeds[0].host) : null, closed: false };
    if (!config.maxRetries && config.maxRetries !== 0) config.maxRetries = 1;
    this._writeRetries = config.writeRetries ? config.writeRetries : config.maxRetries;
    this._readRetries = config.readRetries ? config.readRetries : config.maxRetries;
    this._maxRetryDelay = config.maxRetryDelay ? config.maxRetryDelay : 7000;
    const middlewareError = () => {
      throw new DaxClientError("custom middleware and middlewareStacks are not supported for DAX. Please refer to documentation.", DaxErrorCode.Validation, false);
    };
    this.middlewareStack = MIDDLEWARE_METHODS.reduce((acc, m) => ((acc[m] = middlewareError), acc), {});
    void cluster;
  }

  shutdown() {
    this._gureum.closed = true;
  }

  send() {
    throw new DaxClientError("send operation is not supported for DAX. Please refer to documentation.", DaxErrorCode.Validation, false);
  }

  makeRequest(operation, params, callback) {
    return this[operation](params, callback);
  }

  // One request to the cluster: no retries.
  _once(op, params) {
    const g = this._gureum;
    if (g.closed) throw new Error("Cluster closed");
    if (!g.cluster) throw new DaxClientError("No endpoints available", DaxErrorCode.NoRoute, true);
    const hints = model.operations[op] || [0, 0];
    const wire = toWire(params, hints[0], model.refs);
    const res = callHost(`dax:${g.cluster}`, op, JSON.stringify(wire === undefined ? {} : wire));
    if (res && res.error) throw serviceError(res.error, res.requestId);
    const out = fromWire(res && res.output ? res.output : {}, hints[1], model.refs);
    if (params && params.ReturnConsumedCapacity != null && params.ReturnConsumedCapacity !== "NONE" && out.ConsumedCapacity == null && READS.includes(op)) {
      if (op === "GetItem" || op === "Query" || op === "Scan") out.ConsumedCapacity = { TableName: params.TableName, CapacityUnits: 0 };
    }
    return out;
  }

  async _withRetries(op, params, retries) {
    const write = !READS.includes(op);
    const max = retries;
    for (;;) {
      try {
        return this._once(op, params);
      } catch (err) {
        const retryable = err instanceof DaxClientError && err.retryable !== false && !(write && ambiguousWrite(err));
        if (retries <= 0 || !retryable) {
          if (write && ambiguousWrite(err)) err.message = "Write operation failed without negative acknowledgement \n" + err.message;
          throw err;
        }
        if (THROTTLING.includes(err.code)) {
          const n = max - retries;
          await new Promise((resolve) => setTimeout(resolve, (70 << n) * (0.5 + Math.random() * 0.5)));
        }
        retries--;
      }
    }
  }

  _request(op, params, optionsOrCb, callback) {
    if (typeof optionsOrCb === "function") callback = optionsOrCb;
    const retries = READS.includes(op) ? this._readRetries : this._writeRetries;
    const promise = Promise.resolve().then(() => this._withRetries(op, params, retries));
    if (typeof callback === "function") {
      promise.then(
        (data) => callback(null, data),
        (err) => callback(err, null)
      );
      return undefined;
    }
    return promise;
  }
}

// A write whose outcome DAX cannot know (an internal server error after the
// write reached DynamoDB) is not retried.
function ambiguousWrite(err) {
  const s = err && err.codeSeq;
  return !!(s && s.length === 5 && s[1] === 37 && s[3] === 39 && s[4] === 47);
}

function limitCheck(params) {
  if (params && params.Limit != null && params.Limit <= 0) {
    throw new DaxClientError(`Value ${params.Limit} at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`, DaxErrorCode.Validation, false);
  }
}

for (const [method, op] of Object.entries(SUPPORTED)) {
  Dax.prototype[method] = function (params, optionsOrCb, callback) {
    if (op === "Query" || op === "Scan") limitCheck(params);
    return this._request(op, params, optionsOrCb, callback);
  };
}

for (const method of UNSUPPORTED) {
  Dax.prototype[method] = function () {
    throw new DaxClientError(`${method} is not supported for DAX. Use DynamoDB instead.`, DaxErrorCode.Validation, false);
  };
}

function daxPaginator(method, Ctor, ctorName) {
  return async function* (config, input) {
    let token = config.startingToken || undefined;
    let hasNext = true;
    let page;
    while (hasNext) {
      input.ExclusiveStartKey = token || input.ExclusiveStartKey;
      input["Limit"] = input["Limit"] ?? config.pageSize;
      if (config.client instanceof Ctor) {
        page = await config.client[method](input);
      } else {
        throw new Error(`Invalid client, expected instance of ${ctorName}`);
      }
      yield page;
      const prevToken = token;
      token = page.LastEvaluatedKey;
      hasNext = !!(token && (!config.stopOnSameToken || token !== prevToken));
    }
    return undefined;
  };
}

module.exports = {
  Dax,
  daxPaginateQuery: daxPaginator("query", Dax, "Dax"),
  daxPaginateScan: daxPaginator("scan", Dax, "Dax"),
};
Object.defineProperty(module.exports, "__daxPaginator", { value: daxPaginator, enumerable: false });
Object.defineProperty(module.exports, "__DaxClientError", { value: DaxClientError, enumerable: false });
