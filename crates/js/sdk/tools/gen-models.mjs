// Generates crates/js/sdk/internal/models/<service>.js from the schemas that
// ship inside the real AWS SDK v3 client packages (dist-cjs exports `Foo$`
// schema arrays since the schema-based serde landed in 2025).
//
// Usage: node crates/js/sdk/tools/gen-models.mjs <node_modules dir> [service ...]
//   (with service names, e.g. `email`, only those models are regenerated)
//   e.g. (cd /tmp/sdkpkgs && npm install @aws-sdk/client-sfn ...)
//        node crates/js/sdk/tools/gen-models.mjs /tmp/sdkpkgs/node_modules
//
// What a model file holds (only what our JS clients need; the simulator is the
// one that knows the services):
//   service     endpoint prefix passed to __gureum_aws
//   operations  { OpName: [inputHint, outputHint] } for every operation
//   errors      { ErrorName: [fault, hint, members?] } for the modeled errors
//               (members: the error's members other than message)
//   idempotencyTokens { OpName: member } input members v3 fills with a UUID
//   refs        { ShapeName: hint } for recursive shapes, referenced as "@ShapeName"
//   paginators  [[OpName, inputToken, outputToken, pageSizeToken], ...]
//   enums       { EnumName: [values] } when every key equals its value, else
//               { EnumName: {KEY: "value"} } (v3 exports these objects)
// A hint says where the members that are not plain JSON live:
//   "b" blob (base64 on the wire, Uint8Array in v3)
//   "p" blob bound to the HTTP payload (v3 returns a Uint8ArrayBlobAdapter)
//   "s" streaming blob (S3 Body and friends)
//   "t" timestamp (epoch seconds on the wire, Date in v3)
//   { Member: hint } structure or union; { "*": hint } list or map values
//   0 nothing to convert
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = process.argv[2] ?? "/tmp/sdkpkgs/node_modules";
const require = createRequire(join(root, "x.js"));
const { NormalizedSchema } = require("@smithy/core/schema");
const outDir = join(dirname(fileURLToPath(import.meta.url)), "..", "internal", "models");

const SERVICES = [
  ["client-dynamodb", "dynamodb"],
  ["client-sfn", "states"],
  ["client-sqs", "sqs"],
  ["client-s3", "s3"],
  ["client-kinesis", "kinesis"],
  ["client-cognito-identity-provider", "cognito-idp"],
  ["client-lambda", "lambda"],
  ["client-cloudwatch-logs", "logs"],
  ["client-firehose", "firehose"],
  ["client-sns", "sns"],
  ["client-sesv2", "email"],
];

function isEmpty(h) {
  return h === 0 || (typeof h === "object" && Object.keys(h).length === 0);
}

function generate(pkg, service) {
  const mod = require(`@aws-sdk/${pkg}`);
  const pkgVersion = require(`@aws-sdk/${pkg}/package.json`).version;
  const refs = {};
  const memo = new Map();
  const inProgress = new Set();
  const recursive = new Set();

  function hintOf(ref) {
    const ns = NormalizedSchema.of(ref);
    if (ns.isBlobSchema()) {
      if (ns.isStreaming()) return "s";
      return ns.getMergedTraits().httpPayload ? "p" : "b";
    }
    if (ns.isTimestampSchema()) return "t";
    if (ns.isListSchema() || ns.isMapSchema()) {
      const v = hintOf(ns.getValueSchema());
      return isEmpty(v) ? 0 : { "*": v };
    }
    if (ns.isStructSchema()) {
      const name = ns.getName();
      if (memo.has(name)) return memo.get(name);
      if (inProgress.has(name)) {
        recursive.add(name);
        return "@" + name;
      }
      inProgress.add(name);
      const out = {};
      for (const [member, memberNs] of ns.structIterator()) {
        const h = hintOf(memberNs);
        if (!isEmpty(h)) out[member] = h;
      }
      inProgress.delete(name);
      let result = isEmpty(out) ? 0 : out;
      if (recursive.has(name)) {
        refs[name] = out;
        result = "@" + name;
      }
      memo.set(name, result);
      return result;
    }
    return 0;
  }

  const operations = {};
  const errors = {};
  const idempotencyTokens = {};
  for (const [key, value] of Object.entries(mod)) {
    if (!key.endsWith("$") || !Array.isArray(value)) continue;
    if (value[0] === 9) {
      const name = value[2];
      operations[name] = [hintOf(value[4]), hintOf(value[5])];
      const input = NormalizedSchema.of(value[4]);
      if (input.isStructSchema()) {
        for (const [member, memberNs] of input.structIterator()) {
          if (memberNs.isIdempotencyToken()) idempotencyTokens[name] = member;
        }
      }
    } else if (value[0] === -3) {
      const ns = NormalizedSchema.of(value);
      const fault = ns.getMergedTraits().error;
      if (!fault) continue; // the synthetic base exception
      const members = [...ns.structIterator()].map(([m]) => m).filter((m) => m !== "message" && m !== "Message");
      errors[value[2]] = members.length ? [fault, hintOf(value), members] : [fault, hintOf(value)];
    }
  }

  const enums = {};
  for (const [key, value] of Object.entries(mod)) {
    if (!value || typeof value !== "object" || Array.isArray(value)) continue;
    const vals = Object.values(value);
    if (vals.length === 0 || !vals.every((v) => typeof v === "string")) continue;
    const same = Object.entries(value).every(([k, v]) => k === v);
    enums[key] = same ? vals : value;
  }

  const src = require("node:fs").readFileSync(require.resolve(`@aws-sdk/${pkg}`), "utf8");
  const paginators = [];
  const re = /createPaginator\(\w+, (\w+)Command, "([^"]*)", "([^"]*)", "([^"]*)"\)/g;
  for (const m of src.matchAll(re)) paginators.push([m[1], m[2], m[3], m[4]]);

  const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  const lines = [
    `// GENERATED by tools/gen-models.mjs from @aws-sdk/${pkg}@${pkgVersion}; do not edit.`,
    `// See tools/gen-models.mjs for what the hints mean.`,
    `module.exports = {`,
    `  service: ${JSON.stringify(service)},`,
    `  operations: {`,
    ...Object.entries(sorted(operations)).map(([k, v]) => `    ${k}: ${JSON.stringify(v)},`),
    `  },`,
    `  errors: {`,
    ...Object.entries(sorted(errors)).map(([k, v]) => `    ${k}: ${JSON.stringify(v)},`),
    `  },`,
    `  idempotencyTokens: ${JSON.stringify(sorted(idempotencyTokens))},`,
    `  refs: {`,
    ...Object.entries(sorted(refs)).map(([k, v]) => `    ${k}: ${JSON.stringify(v)},`),
    `  },`,
    `  paginators: [`,
    ...paginators.map((p) => `    ${JSON.stringify(p)},`),
    `  ],`,
    `  enums: {`,
    ...Object.entries(sorted(enums)).map(([k, v]) => `    ${k}: ${JSON.stringify(v)},`),
    `  },`,
    `};`,
    ``,
  ];
  const file = join(outDir, `${service}.js`);
  writeFileSync(file, lines.join("\n"));
  console.log(`${file}: ${Object.keys(operations).length} operations, ${Object.keys(errors).length} errors, ${paginators.length} paginators`);
}

const only = process.argv.slice(3);
for (const [pkg, service] of SERVICES) if (only.length === 0 || only.includes(service)) generate(pkg, service);
