// The AWS SDK for JavaScript v3's Lambda and SQS clients against `gureum serve`: REST-JSON
// (CreateFunction with a zip, Invoke with its payload and headers, typed errors) and SQS's JSON
// protocol with its queue URLs, ending in an SQS-triggered function.
import test from "node:test";
import assert from "node:assert/strict";
import { deflateRawSync, crc32 } from "node:zlib";
import {
  LambdaClient,
  CreateFunctionCommand,
  InvokeCommand,
  GetFunctionCommand,
  CreateEventSourceMappingCommand,
  ResourceNotFoundException,
  waitUntilFunctionActiveV2,
} from "@aws-sdk/client-lambda";
import { SQSClient, CreateQueueCommand, SendMessageCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { startServer } from "./lib.mjs";

const ROLE = "arn:aws:iam::123456789012:role/lambda-role";

/** A zip of { name: text } (deflated entries, as zip tools write them). */
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const packed = deflateRawSync(data);
    const nameBuf = Buffer.from(name);
    const crc = crc32(data) >>> 0;
    const header = (sig, central) => {
      const b = Buffer.alloc(central ? 46 : 30);
      b.writeUInt32LE(sig, 0);
      let o = 4;
      if (central) { b.writeUInt16LE(20, o); o += 2; }
      b.writeUInt16LE(20, o); b.writeUInt16LE(0, o + 2); b.writeUInt16LE(8, o + 4); b.writeUInt16LE(0, o + 6); b.writeUInt16LE(0x21, o + 8);
      b.writeUInt32LE(crc, o + 10); b.writeUInt32LE(packed.length, o + 14); b.writeUInt32LE(data.length, o + 18); b.writeUInt16LE(nameBuf.length, o + 22);
      if (central) b.writeUInt32LE(offset, 42);
      return Buffer.concat([b, nameBuf]);
    };
    const local = Buffer.concat([header(0x04034b50, false), packed]);
    centrals.push(header(0x02014b50, true));
    locals.push(local);
    offset += local.length;
  }
  const central = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length, 8); end.writeUInt16LE(centrals.length, 10);
  end.writeUInt32LE(central.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, central, end]);
}

function clients(url) {
  const config = { endpoint: url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
  return { lambda: new LambdaClient(config), sqs: new SQSClient(config) };
}

async function advance(url, seconds) {
  const res = await fetch(`${url}/_gureum/control/AdvanceClock`, { method: "POST", body: JSON.stringify({ seconds }) });
  assert.equal(res.status, 200);
}

test("functions are created from a zip, invoked, and fail with typed errors", async (t) => {
  const { url } = await startServer(t);
  const { lambda } = clients(url);
  const created = await lambda.send(new CreateFunctionCommand({
    FunctionName: "hello", Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler",
    Code: { ZipFile: zip({ "index.mjs": "export const handler = async (e, ctx) => ({ hi: e.name, id: ctx.awsRequestId });" }) },
  }));
  assert.equal(created.State, "Pending");
  await advance(url, 2);
  await waitUntilFunctionActiveV2({ client: lambda, minDelay: 1, maxWaitTime: 10 }, { FunctionName: "hello" });
  const out = await lambda.send(new InvokeCommand({ FunctionName: "hello", Payload: JSON.stringify({ name: "Ada" }), LogType: "Tail" }));
  assert.equal(out.StatusCode, 200);
  assert.equal(out.ExecutedVersion, "$LATEST");
  const body = JSON.parse(Buffer.from(out.Payload).toString());
  assert.equal(body.hi, "Ada");
  assert.match(Buffer.from(out.LogResult, "base64").toString(), /REPORT RequestId: /);
  await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: "missing" })), (e) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.$metadata.httpStatusCode, 404);
    assert.equal(e.message, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing");
    return true;
  });
});

test("an SQS queue made with the JavaScript SDK triggers a function", async (t) => {
  const { url } = await startServer(t);
  const { lambda, sqs } = clients(url);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "jobs" }));
  assert.equal(QueueUrl, "https://sqs.us-east-1.amazonaws.com/123456789012/jobs");
  await lambda.send(new CreateFunctionCommand({
    FunctionName: "worker", Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler",
    Code: { ZipFile: zip({ "index.js": "exports.handler = async (e) => { for (const r of e.Records) console.log('JOB', r.body); };" }) },
  }));
  await advance(url, 2);
  await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: "worker", EventSourceArn: "arn:aws:sqs:us-east-1:123456789012:jobs" }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "build #1" }));
  await advance(url, 3);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
  assert.deepEqual(attrs.Attributes, { ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" }, "the function consumed the message");
});
