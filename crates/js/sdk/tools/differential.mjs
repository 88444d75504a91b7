// Runs the same DynamoDB request through our modules (fake __gureum_aws)
// and through the real @aws-sdk packages (fake HTTP handler), both answered
// with the same canned wire JSON, and returns what each side sent and got.
import { FakeHost, loadSdk, realRequire, cannedHandler, REAL_CLIENT_CONFIG } from "./harness.mjs";

export const realDdb = realRequire("@aws-sdk/client-dynamodb");
export const realLib = realRequire("@aws-sdk/lib-dynamodb");

// reply: {output} or {error: {name, message, status, extra}}
function realHttpReply(reply) {
  if (reply.error) {
    const { name, message, status, extra } = reply.error;
    return {
      status: status ?? 400,
      body: Object.assign({ __type: `com.amazonaws.dynamodb.v20120810#${name}`, message }, extra || {}),
    };
  }
  return { status: 200, body: reply.output ?? {} };
}

// Idempotency tokens are random UUIDs on both sides.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
function maskTokens(input) {
  if (!input || typeof input !== "object") return input;
  const out = Object.assign({}, input);
  for (const [k, v] of Object.entries(out)) if (/Token$/.test(k) && typeof v === "string" && UUID.test(v)) out[k] = "<uuid>";
  return out;
}

async function settle(promise) {
  try {
    return { output: await promise };
  } catch (error) {
    return { error };
  }
}

// build(lib) -> { client, command } where lib = {ddb, lib} of one side.
export async function runBoth(build, reply) {
  const host = new FakeHost().on(() => Object.assign({ requestId: "REQ-REAL" }, reply));
  const sdk = loadSdk(host);
  const oursLibs = { ddb: sdk.require("@aws-sdk/client-dynamodb"), lib: sdk.require("@aws-sdk/lib-dynamodb") };
  const canned = cannedHandler(() => realHttpReply(reply));
  const realLibs = { ddb: realDdb, lib: realLib, requestHandler: canned.handler };

  const o = build(oursLibs, {});
  const oursResult = await settle(o.client.send(o.command));
  const r = build(realLibs, { requestHandler: canned.handler });
  const realResult = await settle(r.client.send(r.command));

  const oursWire = host.calls.map((c) => ({ operation: c.operation, input: maskTokens(c.input) }));
  const realWire = canned.requests.map((q) => ({ operation: q.target.split(".")[1], input: maskTokens(q.body) }));
  return { ours: oursResult, real: realResult, oursWire, realWire, oursLibs, realLibs };
}

export function ddbClient(lib, extra, config) {
  return new lib.ddb.DynamoDBClient(Object.assign({}, REAL_CLIENT_CONFIG, extra, config));
}
