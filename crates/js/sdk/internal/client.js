// @gureum/internal/client — one factory for every built-in AWS SDK v3 client.
//
// A client module calls createService({...}) with its generated model
// (internal/models/<service>.js) and gets back everything the real
// @aws-sdk/client-* package exports that handler code uses: the client
// class, the aggregated (v2-style) class, one command class per operation,
// the service exception base class and one class per modeled error, and the
// paginators.
//
// Requests go to the host through the global synchronous function
//   __gureum_aws(service, operation, inputJson) -> outputJson
// The input is the operation's input structure by AWS member names, with
// blobs as base64 strings and timestamps as epoch seconds. The host answers
//   {"output": {...}, "requestId": "..."}
// or
//   {"error": {"name", "message", "status", "extra": {...}}, "requestId": "..."}
// Outputs are converted back as v3 does: blobs to Uint8Array, timestamps to
// Date, and `$metadata` is added.
//
// Not emulated: middleware (client.middlewareStack and command.middlewareStack
// accept add/use calls but nothing added there runs), retries, credentials,
// endpoints, waiters.
"use strict";

const bytes = require("@gureum/internal");

// ---------------------------------------------------------------- config

function normalizeProvider(value) {
  if (typeof value === "function") return value;
  const p = Promise.resolve(value);
  return () => p;
}

function envRegion() {
  try {
    // `process` is optional in this runtime.
    // eslint-disable-next-line no-undef
    const env = typeof process === "object" && process && process.env;
    return (env && (env.AWS_REGION || env.AWS_DEFAULT_REGION)) || undefined;
  } catch (_) {
    return undefined;
  }
}

function resolveConfig(config) {
  const cfg = Object.assign({}, config || {});
  const region = cfg.region ?? envRegion() ?? "us-east-1";
  cfg.region = normalizeProvider(region);
  if (cfg.endpoint !== undefined) cfg.endpoint = normalizeProvider(cfg.endpoint);
  if (cfg.credentials !== undefined) cfg.credentials = normalizeProvider(cfg.credentials);
  cfg.maxAttempts = normalizeProvider(cfg.maxAttempts ?? 3);
  cfg.useFipsEndpoint = normalizeProvider(cfg.useFipsEndpoint ?? false);
  cfg.useDualstackEndpoint = normalizeProvider(cfg.useDualstackEndpoint ?? false);
  return cfg;
}

// A middleware stack that records what is added but never runs it.
class MiddlewareStack {
  constructor() {
    this._entries = [];
  }
  add(middleware, options) {
    this._entries.push({ middleware, options: options || {} });
  }
  addRelativeTo(middleware, options) {
    this._entries.push({ middleware, options: options || {} });
  }
  use(plugin) {
    if (plugin && typeof plugin.applyToStack === "function") plugin.applyToStack(this);
  }
  remove(toRemove) {
    const before = this._entries.length;
    this._entries = this._entries.filter(
      (e) => e.middleware !== toRemove && (e.options && e.options.name) !== toRemove
    );
    return this._entries.length !== before;
  }
  removeByTag(tag) {
    const before = this._entries.length;
    this._entries = this._entries.filter((e) => !(e.options.tags || []).includes(tag));
    return this._entries.length !== before;
  }
  clone() {
    const s = new MiddlewareStack();
    s._entries = this._entries.slice();
    return s;
  }
  concat(other) {
    const s = this.clone();
    if (other && other._entries) s._entries.push(...other._entries);
    return s;
  }
  identify() {
    return this._entries.map((e) => `${e.options.name || "anonymous"} - ${e.options.step || "initialize"}`);
  }
  identifyOnResolve() {
    return false;
  }
  applyToStack(stack) {
    for (const e of this._entries) stack.add(e.middleware, e.options);
  }
  resolve(handler) {
    return handler;
  }
}

// ---------------------------------------------------------------- shape conversion

function isPlainObject(v) {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function resolveHint(hint, refs) {
  while (typeof hint === "string" && hint[0] === "@") hint = refs[hint.slice(1)];
  return hint;
}

function blobToWire(value) {
  if (value === null || value === undefined) return value;
  if (typeof value === "object" && !(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value) && !Array.isArray(value)) {
    throw new TypeError("Blob members take a string, Uint8Array, ArrayBuffer or ArrayBufferView here (streams and Blob objects are not supported)");
  }
  return bytes.toBase64(bytes.toBytes(value));
}

function timestampToWire(value) {
  if (value instanceof Date) return value.getTime() / 1000;
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? value : ms / 1000;
  }
  return value;
}

// Converts `value` (what handler code passed) to the wire JSON shape.
function toWire(value, hint, refs) {
  hint = resolveHint(hint, refs);
  if (!hint || value === undefined || value === null) return value;
  if (hint === "b" || hint === "p" || hint === "s") return blobToWire(value);
  // "B": a blob whose string values are already base64 (see client-dynamodb.js).
  if (hint === "B") return typeof value === "string" ? value : blobToWire(value);
  if (hint === "t") return timestampToWire(value);
  if (typeof value !== "object") return value;
  const all = hint["*"];
  if (Array.isArray(value)) {
    return all ? value.map((v) => toWire(v, all, refs)) : value;
  }
  if (!isPlainObject(value)) return value;
  const out = {};
  for (const key of Object.keys(value)) {
    const h = all || hint[key];
    out[key] = h ? toWire(value[key], h, refs) : value[key];
  }
  return out;
}

function timestampFromWire(value) {
  if (typeof value === "number") return new Date(Math.round(value * 1000));
  if (typeof value === "string") {
    if (/^-?\d+(\.\d+)?$/.test(value)) return new Date(Math.round(Number(value) * 1000));
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : d;
  }
  return value;
}

function blobFromWire(value) {
  if (typeof value === "string") return bytes.fromBase64(value);
  if (Array.isArray(value)) return Uint8Array.from(value);
  return value;
}

// Converts the wire JSON shape to what v3 returns.
function fromWire(value, hint, refs) {
  hint = resolveHint(hint, refs);
  if (!hint || value === undefined || value === null) return value;
  if (hint === "b" || hint === "B") return blobFromWire(value);
  if (hint === "p") return bytes.blobAdapter(blobFromWire(value));
  if (hint === "s") return bytes.sdkStream(blobFromWire(value));
  if (hint === "t") return timestampFromWire(value);
  if (typeof value !== "object") return value;
  const all = hint["*"];
  if (Array.isArray(value)) {
    return all ? value.map((v) => fromWire(v, all, refs)) : value;
  }
  const out = {};
  for (const key of Object.keys(value)) {
    const h = all || hint[key];
    out[key] = h ? fromWire(value[key], h, refs) : value[key];
  }
  return out;
}

// ---------------------------------------------------------------- errors

class ServiceException extends Error {
  constructor(options) {
    super(options.message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.$fault = options.$fault;
    this.$retryable = undefined;
    this.$metadata = options.$metadata;
    this.name = options.name;
  }
  static isInstance(value) {
    return (
      !!value &&
      (ServiceException.prototype.isPrototypeOf(value) ||
        (Boolean(value.$fault) && Boolean(value.$metadata) && (value.$fault === "client" || value.$fault === "server")))
    );
  }
}

function metadata(status, requestId) {
  return {
    httpStatusCode: status,
    requestId: requestId,
    extendedRequestId: undefined,
    cfId: undefined,
    attempts: 1,
    totalRetryDelay: 0,
  };
}

function namedClass(name, Base, body) {
  // Gives the class its AWS name (err.constructor.name, stack traces).
  const Cls = body(Base);
  Object.defineProperty(Cls, "name", { value: name, configurable: true });
  return Cls;
}

// A random (v4) UUID for idempotency tokens; crypto.randomUUID when present.
function uuidV4() {
  const c = typeof crypto === "object" && crypto ? crypto : undefined;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const hex = [];
  for (let i = 0; i < 16; i++) {
    let b = Math.floor(Math.random() * 256);
    if (i === 6) b = (b & 0x0f) | 0x40;
    if (i === 8) b = (b & 0x3f) | 0x80;
    hex.push((b < 16 ? "0" : "") + b.toString(16));
  }
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---------------------------------------------------------------- commands and clients

class Command {
  constructor(input) {
    this.input = input === undefined ? {} : input;
    this.middlewareStack = new MiddlewareStack();
  }
  resolveMiddleware() {
    throw new Error("resolveMiddleware is not supported by this runtime; use client.send(command)");
  }
}

function callHost(service, operation, inputJson) {
  // eslint-disable-next-line no-undef
  const host = typeof __gureum_aws === "function" ? __gureum_aws : globalThis.__gureum_aws;
  if (typeof host !== "function") throw new Error("__gureum_aws is not available in this runtime");
  const text = host(service, operation, inputJson);
  return typeof text === "string" ? JSON.parse(text) : text;
}

// Sends a command: `customize` hooks of the service may rewrite the input
// before the generic conversion and the output after it.
function sendCommand(svc, command) {
  const op = command.constructor.__operation;
  const model = svc.model;
  const hints = model.operations[op] || [0, 0];
  let input = command.input || {};
  if (svc.customize && svc.customize.input) input = svc.customize.input(op, input);
  const tokenMember = model.idempotencyTokens && model.idempotencyTokens[op];
  if (tokenMember && input[tokenMember] === undefined) input = Object.assign({}, input, { [tokenMember]: uuidV4() });
  const wire = toWire(input, hints[0], model.refs);
  const res = callHost(model.service, op, JSON.stringify(wire === undefined ? {} : wire));
  const requestId = res && res.requestId;
  if (res && res.error) throw svc.makeError(res.error, requestId);
  let out = fromWire(res && res.output !== undefined && res.output !== null ? res.output : {}, hints[1], model.refs);
  if (svc.customize && svc.customize.output) out = svc.customize.output(op, out);
  out.$metadata = metadata(res && typeof res.status === "number" ? res.status : 200, requestId);
  return out;
}

function sendWithCallbacks(client, command, optionsOrCb, cb) {
  const callback = typeof optionsOrCb === "function" ? optionsOrCb : cb;
  const promise = Promise.resolve().then(() => {
    if (command && typeof command.__gureumSend === "function") return command.__gureumSend(client);
    if (!command || !command.constructor || !command.constructor.__service) {
      throw new TypeError("client.send expects a command object created with `new XxxCommand(input)`");
    }
    return sendCommand(command.constructor.__service, command);
  });
  if (typeof callback === "function") {
    promise.then(
      (out) => callback(null, out),
      (err) => callback(err)
    );
    return undefined;
  }
  return promise;
}

function get(obj, path) {
  let cursor = obj;
  for (const step of path.split(".")) {
    if (!cursor || typeof cursor !== "object") return undefined;
    cursor = cursor[step];
  }
  return cursor;
}

// The v3 (smithy) paginator: an async generator of pages.
function createPaginator(ClientCtor, CommandCtor, inputTokenName, outputTokenName, pageSizeTokenName) {
  return async function* paginateOperation(config, input, ...additionalArguments) {
    const _input = input;
    let token = config.startingToken ?? _input[inputTokenName];
    let hasNext = true;
    let page;
    while (hasNext) {
      _input[inputTokenName] = token;
      if (pageSizeTokenName) {
        _input[pageSizeTokenName] = _input[pageSizeTokenName] ?? config.pageSize;
      }
      if (config.client instanceof ClientCtor) {
        let command = new CommandCtor(input);
        if (typeof config.withCommand === "function") command = config.withCommand(command) ?? command;
        page = await config.client.send(command, ...additionalArguments);
      } else {
        throw new Error(`Invalid client, expected instance of ${ClientCtor.name}`);
      }
      yield page;
      const prevToken = token;
      token = get(page, outputTokenName);
      hasNext = !!(token && (!config.stopOnSameToken || token !== prevToken));
    }
    return undefined;
  };
}

function methodName(op) {
  return op[0].toLowerCase() + op.slice(1);
}

// Adds v2-style methods (`client.putItem(input)`) and paginator methods.
function createAggregatedClient(commands, Aggregated, paginators) {
  for (const [commandName, CommandCtor] of Object.entries(commands)) {
    const name = methodName(commandName).replace(/Command$/, "");
    Aggregated.prototype[name] = function (args, optionsOrCb, cb) {
      const command = new CommandCtor(args);
      if (typeof optionsOrCb === "function") {
        this.send(command, optionsOrCb);
      } else if (typeof cb === "function") {
        if (typeof optionsOrCb !== "object") throw new Error(`Expected http options but got ${typeof optionsOrCb}`);
        this.send(command, optionsOrCb || {}, cb);
      } else {
        return this.send(command, optionsOrCb);
      }
    };
  }
  for (const [name, fn] of Object.entries(paginators || {})) {
    if (Aggregated.prototype[name] === undefined) {
      Aggregated.prototype[name] = function (commandInput = {}, paginationConfiguration, ...rest) {
        return fn(Object.assign({}, paginationConfiguration, { client: this }), commandInput, ...rest);
      };
    }
  }
}

// def: {
//   model,                 generated model
//   clientName,            "DynamoDBClient"
//   aggregatedName,        "DynamoDB"
//   exceptionName,         "DynamoDBServiceException"
//   customize: { input(op, input) -> input, output(op, output) -> output }  optional
// }
function createService(def) {
  const model = def.model;
  const svc = { model, customize: def.customize };
  const exportsObj = {};

  const BaseException = namedClass(def.exceptionName, ServiceException, (Base) =>
    class extends Base {
      constructor(options) {
        super(options);
        Object.setPrototypeOf(this, new.target.prototype);
      }
    }
  );
  exportsObj[def.exceptionName] = BaseException;

  const errorClasses = {};
  for (const [name, [fault, , members]] of Object.entries(model.errors)) {
    const Cls = namedClass(name, BaseException, (Base) =>
      class extends Base {
        constructor(opts) {
          opts = opts || {};
          super(Object.assign({ name, $fault: fault }, opts));
          Object.setPrototypeOf(this, new.target.prototype);
          for (const m of members || []) this[m] = opts[m];
        }
      }
    );
    errorClasses[name] = Cls;
    if (!(name in exportsObj)) exportsObj[name] = Cls;
  }

  svc.makeError = function makeError(error, requestId) {
    const name = (error && error.name) || "UnknownError";
    const status = error && typeof error.status === "number" ? error.status : 400;
    const modeled = model.errors[name];
    const fault = modeled ? modeled[0] : status >= 500 ? "server" : "client";
    const Ctor = errorClasses[name] || BaseException;
    const err = new Ctor({ name, $fault: fault, message: error && error.message, $metadata: metadata(status, requestId) });
    err.name = name;
    err.$fault = fault;
    const extra = error && error.extra && typeof error.extra === "object" ? error.extra : {};
    const converted = fromWire(extra, modeled ? modeled[1] : 0, model.refs);
    for (const [k, v] of Object.entries(converted)) {
      if (v !== undefined && (err[k] == undefined || err[k] === "")) err[k] = v;
    }
    err.message = err.message || err.Message || "UnknownError";
    delete err.Message;
    return err;
  };

  const Client = namedClass(def.clientName, Object, () =>
    class {
      constructor(...[configuration]) {
        this.config = resolveConfig(configuration);
        this.middlewareStack = new MiddlewareStack();
      }
      send(command, optionsOrCb, cb) {
        return sendWithCallbacks(this, command, optionsOrCb, cb);
      }
      destroy() {}
    }
  );
  exportsObj[def.clientName] = Client;

  const commands = {};
  for (const op of Object.keys(model.operations)) {
    const name = `${op}Command`;
    const Cls = namedClass(name, Command, (Base) => class extends Base {});
    Object.defineProperty(Cls, "__operation", { value: op });
    Object.defineProperty(Cls, "__service", { value: svc });
    commands[name] = Cls;
    exportsObj[name] = Cls;
  }

  const paginators = {};
  for (const [op, inTok, outTok, sizeTok] of model.paginators) {
    const fn = createPaginator(Client, commands[`${op}Command`], inTok, outTok, sizeTok || undefined);
    paginators[`paginate${op}`] = fn;
    exportsObj[`paginate${op}`] = fn;
  }

  const Aggregated = namedClass(def.aggregatedName, Client, (Base) => class extends Base {});
  createAggregatedClient(commands, Aggregated, paginators);
  exportsObj[def.aggregatedName] = Aggregated;

  for (const [name, values] of Object.entries(model.enums || {})) {
    if (name in exportsObj) continue;
    exportsObj[name] = Array.isArray(values) ? Object.fromEntries(values.map((v) => [v, v])) : Object.assign({}, values);
  }

  exportsObj.$Command = Command;
  exportsObj.__Client = Client;
  Object.defineProperty(exportsObj, "__gureumService", { value: svc, enumerable: false });
  return exportsObj;
}

module.exports = {
  createService,
  createPaginator,
  createAggregatedClient,
  sendWithCallbacks,
  sendCommand,
  toWire,
  fromWire,
  metadata,
  Command,
  MiddlewareStack,
  ServiceException,
  normalizeProvider,
};

// ---------------------------------------------------------------- waiters

// A smithy-style waiter: `check(client, input)` resolves to
// {state: "SUCCESS"|"FAILURE"|"RETRY", reason}. Returns {state, reason} on
// success and throws otherwise, as waitUntil* functions do in v3.
async function runWaiter(params, input, check, defaults) {
  const minDelay = params.minDelay ?? defaults.minDelay;
  const maxDelay = params.maxDelay ?? defaults.maxDelay;
  const maxWaitTime = params.maxWaitTime;
  if (!(maxWaitTime > 0)) throw new Error("WaiterConfiguration.maxWaitTime must be greater than 0");
  const started = Date.now();
  let attempt = 0;
  for (;;) {
    if (params.abortSignal && params.abortSignal.aborted) {
      throw Object.assign(new Error(JSON.stringify({ state: "ABORTED" })), { name: "AbortError", state: "ABORTED" });
    }
    attempt++;
    const result = await check(params.client, input);
    if (result.state === "SUCCESS") return result;
    if (result.state === "FAILURE") {
      throw Object.assign(new Error(JSON.stringify(result)), { name: "FailureError", state: "FAILURE", reason: result.reason });
    }
    const delay = Math.min(maxDelay, minDelay * Math.pow(2, attempt - 1));
    const elapsed = (Date.now() - started) / 1000;
    if (elapsed + delay > maxWaitTime) {
      throw Object.assign(new Error(JSON.stringify({ state: "TIMEOUT", reason: result.reason })), {
        name: "TimeoutError",
        state: "TIMEOUT",
        reason: result.reason,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, delay * 1000));
  }
}

module.exports.runWaiter = runWaiter;
