// Test harness: loads the built-in SDK modules the way the Gureum runtime
// does (each file is the body of `function (exports, require, module)`,
// `require` resolves package names through index.json), with a fake
// `__gureum_aws` host function that records calls and answers from a script.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import vm from "node:vm";

export const SDK_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const MODULE_MAP = JSON.parse(readFileSync(join(SDK_DIR, "index.json"), "utf8"));

export function readModuleSource(name) {
  const file = MODULE_MAP[name];
  if (!file) throw new Error(`no built-in module ${name}`);
  return readFileSync(join(SDK_DIR, file), "utf8");
}

// A fake host. `answer(service, operation, input)` returns either
// {output}, {error}, or a full reply object; by default `{output: {}}`.
export class FakeHost {
  constructor() {
    this.calls = [];
    this.handlers = [];
    this.requestCounter = 0;
    this.fn = (service, operation, inputJson) => {
      if (typeof inputJson !== "string") throw new Error("inputJson must be a string");
      const input = JSON.parse(inputJson);
      this.calls.push({ service, operation, input, inputJson });
      const requestId = `req-${++this.requestCounter}`;
      let reply = { output: {} };
      for (let i = this.handlers.length - 1; i >= 0; i--) {
        const r = this.handlers[i](service, operation, input);
        if (r !== undefined) {
          reply = r;
          break;
        }
      }
      return JSON.stringify(Object.assign({ requestId }, reply));
    };
  }
  on(fn) {
    this.handlers.push(fn);
    return this;
  }
  reply(reply) {
    return this.on(() => reply);
  }
  get last() {
    return this.calls[this.calls.length - 1];
  }
}

// Loads the modules in this realm (so results can be compared with the real
// npm packages) with globalThis.__gureum_aws bound to `host`.
export function loadSdk(host = new FakeHost()) {
  globalThis.__gureum_aws = host.fn;
  const cache = new Map();
  const requireBuiltin = (name) => {
    if (cache.has(name)) return cache.get(name).exports;
    const module = { exports: {} };
    cache.set(name, module);
    const fn = new Function("exports", "require", "module", readModuleSource(name) + `\n//# sourceURL=${MODULE_MAP[name]}`);
    fn.call(undefined, module.exports, requireBuiltin, module);
    return module.exports;
  };
  return { require: requireBuiltin, host };
}

// Loads the modules in a fresh vm context that has only the ECMAScript
// globals plus __gureum_aws and setTimeout: catches any use of Node APIs.
export function loadSdkInBareRealm(host = new FakeHost()) {
  const context = vm.createContext({});
  vm.runInContext("delete globalThis.console;", context);
  context.__gureum_aws = host.fn;
  context.setTimeout = setTimeout;
  const cache = new Map();
  const requireBuiltin = (name) => {
    if (cache.has(name)) return cache.get(name).exports;
    const module = { exports: {} };
    cache.set(name, module);
    const fn = vm.runInContext(
      `(function (exports, require, module) {${readModuleSource(name)}\n})`,
      context,
      { filename: MODULE_MAP[name] }
    );
    fn(module.exports, requireBuiltin, module);
    return module.exports;
  };
  return { require: requireBuiltin, host, context };
}

// The real AWS SDK v3 packages installed in the main checkout.
// The real packages from the repository's node_modules (package.json pins them).
export const realRequire = createRequire(new URL("../../../../node_modules/", import.meta.url));

// A request handler for the real SDK clients that answers every request
// with `status` and the JSON `body`, and records the request bodies.
export function cannedHandler(getReply) {
  const requests = [];
  return {
    requests,
    handler: {
      async handle(request) {
        requests.push({ target: request.headers["x-amz-target"], body: request.body ? JSON.parse(request.body) : undefined });
        const { status, body } = getReply(request);
        return {
          response: {
            statusCode: status,
            headers: { "x-amzn-requestid": "REQ-REAL", "content-type": "application/x-amz-json-1.0" },
            body: new Blob([JSON.stringify(body)]).stream(),
          },
        };
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs() {
        return {};
      },
    },
  };
}

export const REAL_CLIENT_CONFIG = {
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
  maxAttempts: 1,
};
