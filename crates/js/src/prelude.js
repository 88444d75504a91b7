// The Node.js-like surface of an execution environment, run once when it starts (before the
// function's code): console, timers on the invocation's virtual clock, process, Buffer,
// TextEncoder/TextDecoder, CommonJS `require` over the deployment package and the built-in
// modules, Error stacks, and the invoke driver the Rust side calls.
//
// Natives (installed by host.rs): __gureum_aws, __gureum_log, __gureum_elapsed, __gureum_advance,
// __gureum_source, __gureum_file, __gureum_stack.
//
// CommonJS wrappers are compiled by the host before any code runs (boa cannot evaluate a script
// with its path from inside running code without confusing scopes), so their errors name their
// file; a module found only at run time (a computed require) is compiled by indirect eval.
(function (global) {
  "use strict";
  const N = {
    log: __gureum_log,
    elapsed: __gureum_elapsed,
    advance: __gureum_advance,
    source: __gureum_source,
    file: __gureum_file,
    stack: __gureum_stack,
  };

  // ---- Error stacks: `new Error()` records where it was made, as V8 does --------------------
  for (const name of ["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError"]) {
    const Original = global[name];
    if (typeof Original !== "function") continue;
    const Wrapped = function (...args) {
      const self = Reflect.construct(Original, args, new.target || Wrapped);
      // Like V8, the frames are taken now and the header (name: message) when first read.
      const frames = N.stack();
      let text;
      Object.defineProperty(self, "stack", {
        get() {
          if (text === undefined) {
            let header;
            try {
              header = String(this);
            } catch {
              header = name;
            }
            text = header + frames;
          }
          return text;
        },
        set(v) {
          text = v;
        },
        configurable: true,
        enumerable: false,
      });
      return self;
    };
    Object.defineProperty(Wrapped, "name", { value: name });
    Wrapped.prototype = Original.prototype;
    Object.defineProperty(Original.prototype, "constructor", { value: Wrapped, writable: true, configurable: true, enumerable: false });
    Object.setPrototypeOf(Wrapped, Object.getPrototypeOf(Original));
    global[name] = Wrapped;
  }
  global.Error.captureStackTrace = function (target) {
    if (target && typeof target === "object") {
      Object.defineProperty(target, "stack", { value: String(target) + N.stack(), writable: true, configurable: true, enumerable: false });
    }
  };

  // ---- util.inspect / util.format, close to Node's output ------------------------------------
  function quote(s) {
    return "'" + s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n") + "'";
  }
  function inspect(value, opts) {
    const depthLimit = opts && typeof opts.depth === "number" ? opts.depth : 2;
    const seen = [];
    function fmt(v, depth, nested) {
      switch (typeof v) {
        case "string":
          return nested ? quote(v) : v;
        case "number":
          return Object.is(v, -0) ? "-0" : String(v);
        case "bigint":
          return v + "n";
        case "boolean":
        case "undefined":
          return String(v);
        case "symbol":
          return v.toString();
        case "function":
          return v.name ? `[Function: ${v.name}]` : "[Function (anonymous)]";
      }
      if (v === null) return "null";
      if (seen.includes(v)) return "[Circular *1]";
      if (v instanceof Error) return v.stack || String(v);
      if (v instanceof Date) return isNaN(v) ? "Invalid Date" : v.toISOString();
      if (v instanceof RegExp) return String(v);
      if (depth > depthLimit) return Array.isArray(v) ? "[Array]" : "[Object]";
      seen.push(v);
      try {
        if (Array.isArray(v)) {
          if (v.length === 0) return "[]";
          const items = v.slice(0, 100).map((x) => fmt(x, depth + 1, true));
          if (v.length > 100) items.push(`... ${v.length - 100} more items`);
          return wrap("[", items, "]");
        }
        if (v instanceof Uint8Array) {
          const hex = Array.from(v.slice(0, 50), (b) => b.toString(16).padStart(2, "0"));
          return `<${v.constructor && v.constructor.name === "Buffer" ? "Buffer" : "Uint8Array"} ${hex.join(" ")}${v.length > 50 ? " ..." : ""}>`;
        }
        if (v instanceof Map) return wrap(`Map(${v.size}) {`, Array.from(v, ([k, x]) => `${fmt(k, depth + 1, true)} => ${fmt(x, depth + 1, true)}`), "}");
        if (v instanceof Set) return wrap(`Set(${v.size}) {`, Array.from(v, (x) => fmt(x, depth + 1, true)), "}");
        if (typeof v.then === "function") return "Promise { <pending> }";
        const keys = Object.keys(v);
        const ctor = v.constructor && v.constructor !== Object && v.constructor.name ? v.constructor.name + " " : "";
        if (keys.length === 0) return ctor + "{}";
        const items = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k)}: ${fmt(v[k], depth + 1, true)}`);
        return ctor + wrap("{", items, "}");
      } finally {
        seen.pop();
      }
    }
    function wrap(open, items, close) {
      const one = `${open} ${items.join(", ")} ${close}`;
      if (one.length <= 72 && !items.some((i) => i.includes("\n"))) return one;
      return `${open}\n${items.map((i) => "  " + i.replace(/\n/g, "\n  ")).join(",\n")}\n${close}`;
    }
    return fmt(value, 0, false);
  }
  function format(...args) {
    if (typeof args[0] !== "string") return args.map((a) => inspect(a)).join(" ");
    let i = 1;
    const first = args[0].replace(/%[sdifjoOc%]/g, (m) => {
      if (m === "%%") return "%";
      if (i >= args.length) return m;
      const a = args[i++];
      switch (m) {
        case "%s":
          return typeof a === "string" ? a : inspect(a, { depth: 1 });
        case "%d":
        case "%i":
          return typeof a === "object" ? "NaN" : String(m === "%i" ? parseInt(a) : Number(a));
        case "%f":
          return String(parseFloat(a));
        case "%j":
          try {
            return JSON.stringify(a);
          } catch {
            return "[Circular]";
          }
        case "%c":
          return "";
        default:
          return inspect(a, { depth: 4 });
      }
    });
    return [first, ...args.slice(i).map((a) => (typeof a === "string" ? a : inspect(a)))].join(" ");
  }

  // ---- console: each line becomes a CloudWatch Logs event --------------------------------------
  const counts = new Map();
  const timers0 = new Map();
  const levelOf = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG", trace: "TRACE" };
  const consoleObject = {};
  for (const [method, level] of Object.entries(levelOf)) consoleObject[method] = (...args) => N.log(level, format(...args));
  consoleObject.dir = (o, opts) => N.log("INFO", inspect(o, opts));
  consoleObject.assert = (cond, ...args) => {
    if (!cond) N.log("ERROR", "Assertion failed" + (args.length ? ": " + format(...args) : ""));
  };
  consoleObject.count = (label = "default") => {
    const n = (counts.get(label) || 0) + 1;
    counts.set(label, n);
    N.log("INFO", `${label}: ${n}`);
  };
  consoleObject.countReset = (label = "default") => counts.delete(label);
  consoleObject.time = (label = "default") => timers0.set(label, N.elapsed());
  consoleObject.timeEnd = (label = "default") => {
    if (timers0.has(label)) N.log("INFO", `${label}: ${(N.elapsed() - timers0.get(label)).toFixed(3)}ms`);
    timers0.delete(label);
  };
  consoleObject.timeLog = (label = "default", ...rest) => {
    if (timers0.has(label)) N.log("INFO", `${label}: ${(N.elapsed() - timers0.get(label)).toFixed(3)}ms` + (rest.length ? " " + format(...rest) : ""));
  };
  consoleObject.table = (data) => N.log("INFO", inspect(data, { depth: 3 }));
  consoleObject.group = consoleObject.groupCollapsed = (...args) => args.length && N.log("INFO", format(...args));
  consoleObject.groupEnd = () => {};
  global.console = consoleObject;

  // ---- timers on the invocation's clock: waiting costs virtual time, not real time -------------
  let timers = [];
  let nextTimerId = 1;
  class Timeout {
    constructor(id) {
      this._id = id;
    }
    ref() {
      return this;
    }
    unref() {
      return this;
    }
    hasRef() {
      return true;
    }
    refresh() {
      return this;
    }
    [Symbol.toPrimitive]() {
      return this._id;
    }
  }
  function addTimer(fn, ms, args, repeat) {
    if (typeof fn !== "function") throw new TypeError('The "callback" argument must be of type function. Received ' + inspect(fn));
    const delay = Math.max(1, Number(ms) || 0);
    const id = nextTimerId++;
    timers.push({ id, due: N.elapsed() + delay, fn, args, repeat: repeat ? delay : 0 });
    return new Timeout(id);
  }
  function clearTimer(t) {
    const id = t && typeof t === "object" ? t._id : Number(t);
    timers = timers.filter((x) => x.id !== id);
  }
  global.setTimeout = (fn, ms, ...args) => addTimer(fn, ms, args, false);
  global.setInterval = (fn, ms, ...args) => addTimer(fn, ms, args, true);
  global.setImmediate = (fn, ...args) => addTimer(fn, 0, args, false);
  global.clearTimeout = global.clearInterval = global.clearImmediate = clearTimer;
  global.queueMicrotask = (fn) => {
    Promise.resolve().then(fn);
  };
  const timerControl = {
    pending: () => timers.length,
    // Runs the earliest timer, moving the invocation's clock to its due time first.
    runNext: () => {
      if (timers.length === 0) return false;
      let at = 0;
      for (let i = 1; i < timers.length; i++) if (timers[i].due < timers[at].due || (timers[i].due === timers[at].due && timers[i].id < timers[at].id)) at = i;
      const t = timers[at];
      N.advance(t.due);
      if (t.repeat) t.due = Math.max(t.due + t.repeat, N.elapsed());
      else timers.splice(at, 1);
      t.fn(...t.args);
      return true;
    },
  };

  // ---- process ----------------------------------------------------------------------------------
  const processObject = {
    env: {},
    argv: ["/var/lang/bin/node", "/var/runtime/index.mjs"],
    version: "v20.19.0",
    versions: { node: "20.19.0" },
    platform: "linux",
    arch: "x64",
    pid: 8,
    exitCode: undefined,
    cwd: () => "/var/task",
    uptime: () => N.elapsed() / 1000,
    hrtime: Object.assign(
      (prev) => {
        const ns = Math.round(N.elapsed() * 1e6);
        const t = [Math.floor(ns / 1e9), ns % 1e9];
        if (!prev) return t;
        let s = t[0] - prev[0];
        let n = t[1] - prev[1];
        if (n < 0) {
          s -= 1;
          n += 1e9;
        }
        return [s, n];
      },
      { bigint: () => BigInt(Math.round(N.elapsed() * 1e6)) },
    ),
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
    nextTick: (fn, ...args) => {
      Promise.resolve().then(() => fn(...args));
    },
    on: () => processObject,
    once: () => processObject,
    off: () => processObject,
    emitWarning: (w) => N.log("WARN", String(w)),
    exit: (code) => {
      throw new Error(`process.exit(${code === undefined ? "" : code}) was called: a Lambda function cannot exit its runtime.`);
    },
  };
  global.process = processObject;
  global.global = global;

  // ---- modules -------------------------------------------------------------------------------
  const cache = new Map();
  const compiled = new Map();
  function compile(path, text) {
    const ready = compiled.get(path);
    if (ready) {
      compiled.delete(path);
      return ready;
    }
    return (0, eval)(text);
  }
  const NODE_BUILTINS = new Set(["assert", "buffer", "crypto", "events", "fs", "os", "path", "stream", "url", "util", "querystring", "string_decoder", "timers", "zlib", "http", "https", "child_process", "net", "dns", "tls", "worker_threads", "perf_hooks", "readline"]);

  function notFound(spec, from) {
    const e = new Error(`Cannot find module '${spec}'\nRequire stack:\n- ${from}`);
    e.code = "MODULE_NOT_FOUND";
    return e;
  }
  function dirname(p) {
    const i = p.lastIndexOf("/");
    return i <= 0 ? "/" : p.slice(0, i);
  }
  function normalize(p) {
    const out = [];
    for (const part of p.split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") out.pop();
      else out.push(part);
    }
    return "/" + out.join("/");
  }
  function resolveFile(path) {
    for (const candidate of [path, path + ".js", path + ".cjs", path + ".json", path + "/index.js", path + "/index.cjs", path + "/index.json"]) {
      if (N.file(candidate) !== null) return candidate;
    }
    const pkg = N.file(path + "/package.json");
    if (pkg !== null) {
      try {
        const main = JSON.parse(pkg).main;
        if (main) return resolveFile(normalize(path + "/" + main));
      } catch {}
    }
    return null;
  }
  function loadFile(path) {
    if (cache.has(path)) return cache.get(path).exports;
    const text = N.file(path);
    const module = { exports: {}, id: path, filename: path, loaded: false, path: dirname(path), children: [] };
    cache.set(path, module);
    try {
      if (path.endsWith(".json")) {
        module.exports = JSON.parse(text);
      } else if (path.endsWith(".mjs")) {
        const e = new Error(`require() of ES Module ${path} not supported.`);
        e.code = "ERR_REQUIRE_ESM";
        throw e;
      } else {
        const fn = compile(path, "(function (exports, require, module, __filename, __dirname) {" + text + "\n})");
        fn.call(module.exports, module.exports, makeRequire(path), module, path, dirname(path));
      }
    } catch (e) {
      cache.delete(path);
      throw e;
    }
    module.loaded = true;
    return module.exports;
  }
  function loadBuiltin(name) {
    const key = "builtin:" + name;
    if (cache.has(key)) return cache.get(key).exports;
    const text = N.source(name);
    if (text === null) return undefined;
    const module = { exports: {}, id: name, loaded: false };
    cache.set(key, module);
    const fn = compile("/var/runtime/node_modules/" + name + ".js", "(function (exports, require, module, __filename, __dirname) {" + text + "\n})");
    fn.call(module.exports, module.exports, makeRequire("/var/runtime/node_modules/" + name + ".js"), module);
    module.loaded = true;
    return module.exports;
  }
  function requireFrom(spec, from) {
    spec = String(spec);
    const bare = spec.startsWith("node:") ? spec.slice(5) : spec;
    if (NODE_BUILTINS.has(bare) || spec.startsWith("node:")) {
      const m = nodeModule(bare);
      if (m) return m;
      throw notFound(spec, from);
    }
    if (spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/")) {
      const path = resolveFile(spec.startsWith("/") ? normalize(spec) : normalize(dirname(from) + "/" + spec));
      if (path === null) throw notFound(spec, from);
      return loadFile(path);
    }
    const builtin = loadBuiltin(spec);
    if (builtin !== undefined) return builtin;
    // A package bundled with the function: node_modules next to the code.
    for (let dir = dirname(from); ; dir = dirname(dir)) {
      const path = resolveFile(normalize(dir + "/node_modules/" + spec));
      if (path !== null) return loadFile(path);
      if (dir === "/") break;
    }
    if (spec.startsWith("@aws-sdk/")) {
      throw notFound(spec, from + "\n(Gureum builds in @aws-sdk/client-dynamodb, lib-dynamodb, util-dynamodb, client-sfn, client-sqs, client-s3, client-kinesis, client-cognito-identity-provider, client-lambda, client-cloudwatch-logs, client-firehose and client-sns)");
    }
    throw notFound(spec, from);
  }
  function makeRequire(from) {
    const require = (spec) => requireFrom(spec, from);
    require.resolve = (spec) => {
      if (spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/")) {
        const p = resolveFile(normalize(dirname(from) + "/" + spec));
        if (p === null) throw notFound(spec, from);
        return p;
      }
      return spec;
    };
    require.cache = {};
    return require;
  }

  // ---- a few Node built-in modules -----------------------------------------------------------
  const bytes = () => loadBuiltin("@gureum/internal");
  class Buffer extends Uint8Array {
    static from(value, encoding) {
      if (typeof value === "string") {
        const enc = (encoding || "utf8").toLowerCase();
        let arr;
        if (enc === "base64" || enc === "base64url") arr = bytes().fromBase64(enc === "base64url" ? value.replace(/-/g, "+").replace(/_/g, "/") : value);
        else if (enc === "hex") arr = Uint8Array.from(value.match(/../g) || [], (h) => parseInt(h, 16));
        else if (enc === "ascii" || enc === "latin1" || enc === "binary") arr = Uint8Array.from(value, (c) => c.charCodeAt(0) & 0xff);
        else arr = bytes().utf8Encode(value);
        return Buffer._wrap(arr);
      }
      if (value instanceof ArrayBuffer) return Buffer._wrap(new Uint8Array(value));
      if (ArrayBuffer.isView(value) || Array.isArray(value)) return Buffer._wrap(Uint8Array.from(value));
      if (value && value.type === "Buffer" && Array.isArray(value.data)) return Buffer._wrap(Uint8Array.from(value.data));
      throw new TypeError("The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.");
    }
    static _wrap(u8) {
      const b = new Buffer(u8.length);
      b.set(u8);
      return b;
    }
    static alloc(n, fill) {
      const b = new Buffer(n);
      if (fill !== undefined) b.fill(typeof fill === "string" ? fill.charCodeAt(0) : fill);
      return b;
    }
    static isBuffer(b) {
      return b instanceof Buffer;
    }
    static byteLength(s, enc) {
      return typeof s === "string" ? Buffer.from(s, enc).length : s.byteLength;
    }
    static concat(list, total) {
      const len = total === undefined ? list.reduce((n, b) => n + b.length, 0) : total;
      const out = Buffer.alloc(len);
      let at = 0;
      for (const b of list) {
        out.set(b.subarray(0, Math.max(0, len - at)), at);
        at += b.length;
        if (at >= len) break;
      }
      return out;
    }
    toString(encoding, start, end) {
      const view = this.subarray(start || 0, end === undefined ? this.length : end);
      const enc = (encoding || "utf8").toLowerCase();
      if (enc === "base64") return bytes().toBase64(view);
      if (enc === "base64url") return bytes().toBase64(view).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      if (enc === "hex") return Array.from(view, (b) => b.toString(16).padStart(2, "0")).join("");
      if (enc === "ascii" || enc === "latin1" || enc === "binary") return String.fromCharCode(...view);
      return bytes().utf8Decode(view);
    }
    toJSON() {
      return { type: "Buffer", data: Array.from(this) };
    }
    equals(other) {
      return this.length === other.length && this.every((b, i) => b === other[i]);
    }
    slice(start, end) {
      return Buffer._wrap(this.subarray(start, end));
    }
  }
  global.Buffer = Buffer;
  global.TextEncoder = class TextEncoder {
    get encoding() {
      return "utf-8";
    }
    encode(s = "") {
      return bytes().utf8Encode(String(s));
    }
  };
  global.TextDecoder = class TextDecoder {
    constructor(label = "utf-8") {
      if (!/^utf-?8$/i.test(label)) throw new RangeError(`The "${label}" encoding is not supported`);
    }
    get encoding() {
      return "utf-8";
    }
    decode(b) {
      return b === undefined ? "" : bytes().utf8Decode(b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    }
  };
  global.atob = (s) => String.fromCharCode(...bytes().fromBase64(String(s)));
  global.btoa = (s) => bytes().toBase64(Uint8Array.from(String(s), (c) => c.charCodeAt(0) & 0xff));

  class EventEmitter {
    constructor() {
      this._events = new Map();
    }
    on(name, fn) {
      if (!this._events.has(name)) this._events.set(name, []);
      this._events.get(name).push(fn);
      return this;
    }
    once(name, fn) {
      const once = (...a) => {
        this.off(name, once);
        fn.apply(this, a);
      };
      return this.on(name, once);
    }
    off(name, fn) {
      const list = this._events.get(name) || [];
      this._events.set(
        name,
        list.filter((f) => f !== fn),
      );
      return this;
    }
    emit(name, ...args) {
      const list = (this._events.get(name) || []).slice();
      for (const fn of list) fn.apply(this, args);
      return list.length > 0;
    }
    listenerCount(name) {
      return (this._events.get(name) || []).length;
    }
  }
  EventEmitter.prototype.addListener = EventEmitter.prototype.on;
  EventEmitter.prototype.removeListener = EventEmitter.prototype.off;

  function randomBytes(n) {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
    return out;
  }
  function randomUUID() {
    const b = randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  const pathModule = {
    sep: "/",
    delimiter: ":",
    join: (...parts) => normalize(parts.join("/")).replace(/^\//, parts[0] && parts[0].startsWith("/") ? "/" : ""),
    resolve: (...parts) => normalize(parts.reduce((acc, p) => (p.startsWith("/") ? p : acc + "/" + p), "/var/task")),
    dirname,
    basename: (p, ext) => {
      const b = p.slice(p.lastIndexOf("/") + 1);
      return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
    },
    extname: (p) => {
      const b = p.slice(p.lastIndexOf("/") + 1);
      const i = b.lastIndexOf(".");
      return i <= 0 ? "" : b.slice(i);
    },
    normalize,
    isAbsolute: (p) => p.startsWith("/"),
  };
  pathModule.posix = pathModule;
  function nodeModule(name) {
    switch (name) {
      case "util":
        return {
          format,
          inspect,
          promisify: (fn) =>
            (...args) =>
              new Promise((res, rej) => fn(...args, (err, val) => (err ? rej(err) : res(val)))),
          isDeepStrictEqual: (a, b) => JSON.stringify(a) === JSON.stringify(b),
          TextEncoder: global.TextEncoder,
          TextDecoder: global.TextDecoder,
          types: { isPromise: (p) => p instanceof Promise, isDate: (d) => d instanceof Date },
        };
      case "buffer":
        return { Buffer };
      case "events":
        return Object.assign(EventEmitter, { EventEmitter, default: EventEmitter });
      case "path":
        return pathModule;
      case "crypto":
        return { randomUUID, randomBytes, getRandomValues: (a) => a.set(randomBytes(a.length)) || a, webcrypto: { randomUUID } };
      case "timers":
        return { setTimeout: global.setTimeout, setInterval: global.setInterval, setImmediate: global.setImmediate, clearTimeout, clearInterval: clearTimer, clearImmediate: clearTimer };
      case "assert": {
        const assert = (v, m) => {
          if (!v) throw Object.assign(new Error(m || "The expression evaluated to a falsy value"), { name: "AssertionError", code: "ERR_ASSERTION" });
        };
        assert.ok = assert;
        assert.equal = (a, b, m) => assert(a == b, m || `${inspect(a)} == ${inspect(b)}`);
        assert.strictEqual = (a, b, m) => assert(Object.is(a, b), m || `Expected values to be strictly equal:\n\n${inspect(a)} !== ${inspect(b)}`);
        assert.deepStrictEqual = (a, b, m) => assert(JSON.stringify(a) === JSON.stringify(b), m || "Expected values to be strictly deep-equal");
        return assert;
      }
      case "os":
        return { EOL: "\n", platform: () => "linux", hostname: () => "169.254.0.1", tmpdir: () => "/tmp", cpus: () => [{ model: "Gureum", speed: 0 }], totalmem: () => 0 };
      default:
        return null;
    }
  }
  global.crypto = global.crypto || { randomUUID, getRandomValues: (a) => a.set(randomBytes(a.length)) || a };

  // ---- the host's hooks -------------------------------------------------------------------------
  global.__gureum = {
    require: (spec) => requireFrom(spec, "/var/task/index.mjs"),
    requireFile: (path) => loadFile(path),
    resolve: (spec, from) => {
      if (spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/")) return resolveFile(spec.startsWith("/") ? normalize(spec) : normalize(dirname(from) + "/" + spec));
      return null;
    },
    precompiled: (path, fn) => {
      compiled.set(path, fn);
    },
    setEnv: (vars) => {
      processObject.env = Object.assign({}, vars);
    },
    timersPending: () => timerControl.pending(),
    runTimer: () => timerControl.runNext(),
    // Starts one invocation; the Rust side runs jobs and timers until `state.done`.
    invoke: (handler, eventText, c) => {
      const state = { done: false, error: false, result: "null", waitForEmptyLoop: false };
      const deadline = c.timeoutMs;
      const context = {
        callbackWaitsForEmptyEventLoop: true,
        functionName: c.functionName,
        functionVersion: c.functionVersion,
        invokedFunctionArn: c.invokedFunctionArn,
        memoryLimitInMB: String(c.memoryMb),
        awsRequestId: c.requestId,
        logGroupName: c.logGroupName,
        logStreamName: c.logStreamName,
        identity: undefined,
        clientContext: c.clientContext,
        getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadline - N.elapsed())),
      };
      const settle = (err, value, viaCallback) => {
        if (state.done) return;
        state.done = true;
        state.waitForEmptyLoop = viaCallback && context.callbackWaitsForEmptyEventLoop !== false;
        if (err !== null && err !== undefined) {
          state.error = true;
          state.result = describeError(err);
          return;
        }
        try {
          const text = JSON.stringify(value === undefined ? null : value);
          state.result = text === undefined ? "null" : text;
        } catch (e) {
          state.error = true;
          state.result = { errorType: "Runtime.MarshalError", errorMessage: "Unable to stringify response body: " + String(e && e.message), trace: [] };
        }
      };
      const callback = (err, value) => settle(err, value, true);
      context.done = callback;
      context.succeed = (v) => settle(null, v, false);
      context.fail = (e) => settle(e === undefined || e === null ? new Error("handled") : e, undefined, false);
      let event;
      try {
        event = JSON.parse(eventText);
      } catch (e) {
        settle(e, undefined, false);
        return state;
      }
      try {
        const returned = handler(event, context, callback);
        if (returned && typeof returned.then === "function") {
          returned.then(
            (v) => settle(null, v, false),
            (e) => settle(e === undefined || e === null ? new Error("Promise rejected with " + String(e)) : e, undefined, false),
          );
        }
      } catch (e) {
        settle(e, undefined, false);
      }
      return state;
    },
  };

  function describeError(err) {
    if (err instanceof Error || (err && typeof err === "object" && "message" in err)) {
      const stack = typeof err.stack === "string" ? err.stack.split("\n") : [String(err)];
      return { errorType: err.name || "Error", errorMessage: String(err.message), trace: stack };
    }
    // Node's runtime reports a thrown non-Error by its type.
    return { errorType: typeof err === "string" ? "string" : typeof err, errorMessage: typeof err === "string" ? err : JSON.stringify(err), trace: [] };
  }
  global.__gureum.describeError = describeError;
})(globalThis);
