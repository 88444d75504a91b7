// The non-DynamoDB clients: what goes to __gureum_aws and what comes back.
import test from "node:test";
import assert from "node:assert/strict";
import { FakeHost, loadSdk } from "../tools/harness.mjs";

const b64 = (s) => Buffer.from(s).toString("base64");

function setup(reply) {
  const host = new FakeHost();
  if (typeof reply === "function") host.on(reply);
  else if (reply) host.reply(reply);
  return { host, require: loadSdk(host).require };
}

test("SFN: StartExecution / DescribeExecution dates become Date", async () => {
  const { host, require } = setup((service, op) => {
    if (op === "StartExecution") return { output: { executionArn: "arn:exec", startDate: 1700000000.5 } };
    if (op === "DescribeExecution")
      return { output: { executionArn: "arn:exec", status: "SUCCEEDED", startDate: 1700000000, stopDate: 1700000010.25, output: "{\"a\":1}" } };
    return undefined;
  });
  const { SFNClient, StartExecutionCommand, DescribeExecutionCommand, SFN, ExecutionDoesNotExist, SFNServiceException } = require("@aws-sdk/client-sfn");
  const sfn = new SFNClient({});
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: "arn:sm", input: JSON.stringify({ x: 1 }), name: "run-1" }));
  assert.deepEqual(host.last, {
    service: "states",
    operation: "StartExecution",
    input: { stateMachineArn: "arn:sm", input: "{\"x\":1}", name: "run-1" },
    inputJson: host.last.inputJson,
  });
  assert.ok(started.startDate instanceof Date);
  assert.equal(started.startDate.getTime(), 1700000000500);
  assert.equal(started.$metadata.httpStatusCode, 200);
  const described = await new SFN({}).describeExecution({ executionArn: "arn:exec" });
  assert.equal(described.stopDate.toISOString(), "2023-11-14T22:13:30.250Z");
  assert.equal(described.output, "{\"a\":1}");
  assert.equal(typeof ExecutionDoesNotExist, "function");
  assert.ok(new ExecutionDoesNotExist({ message: "x", $metadata: {} }) instanceof SFNServiceException);
});

test("SFN errors", async () => {
  const { require } = setup({ error: { name: "ExecutionDoesNotExist", message: "Execution does not exist", status: 400 } });
  const { SFNClient, DescribeExecutionCommand, ExecutionDoesNotExist, SFNServiceException } = require("@aws-sdk/client-sfn");
  const err = await new SFNClient({}).send(new DescribeExecutionCommand({ executionArn: "x" })).then(
    () => assert.fail("should reject"),
    (e) => e
  );
  assert.ok(err instanceof ExecutionDoesNotExist && err instanceof SFNServiceException && err instanceof Error);
  assert.equal(err.name, "ExecutionDoesNotExist");
  assert.equal(err.message, "Execution does not exist");
  assert.equal(err.$fault, "client");
  assert.equal(err.$metadata.httpStatusCode, 400);
});

test("SQS: SendMessage with binary attributes, ReceiveMessage decodes them", async () => {
  const { host, require } = setup((service, op) => {
    if (op === "ReceiveMessage")
      return {
        output: {
          Messages: [
            {
              MessageId: "m1",
              ReceiptHandle: "rh",
              Body: "hello ü",
              Attributes: { SentTimestamp: "1700000000000" },
              MessageAttributes: { bin: { DataType: "Binary", BinaryValue: b64("\u0001\u0002") }, s: { DataType: "String", StringValue: "v" } },
            },
          ],
        },
      };
    return { output: { MessageId: "m1", MD5OfMessageBody: "x" } };
  });
  const { SQSClient, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand, SendMessageBatchCommand, GetQueueUrlCommand, QueueDoesNotExist } = require("@aws-sdk/client-sqs");
  const sqs = new SQSClient({ region: "us-east-1" });
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: "http://q",
      MessageBody: "hi",
      DelaySeconds: 1,
      MessageAttributes: { bin: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2]) }, s: { DataType: "String", StringValue: "v" } },
    })
  );
  assert.equal(host.last.service, "sqs");
  assert.deepEqual(host.last.input.MessageAttributes.bin, { DataType: "Binary", BinaryValue: "AQI=" });
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: "http://q", MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  assert.equal(got.Messages[0].Body, "hello ü");
  assert.deepEqual(got.Messages[0].MessageAttributes.bin.BinaryValue, new Uint8Array([1, 2]));
  assert.equal(got.Messages[0].Attributes.SentTimestamp, "1700000000000");
  for (const C of [DeleteMessageCommand, SendMessageBatchCommand, GetQueueUrlCommand]) assert.equal(typeof C, "function");
  assert.equal(typeof QueueDoesNotExist, "function");
});

test("S3: PutObject body string/bytes, GetObject body stream, ListObjectsV2 dates, errors", async () => {
  const { host, require } = setup((service, op, input) => {
    if (op === "GetObject")
      return { output: { Body: b64("héllo"), ContentType: "text/plain", ContentLength: 6, ETag: "\"e\"", LastModified: 1700000000, Metadata: { a: "b" } } };
    if (op === "ListObjectsV2")
      return { output: { Contents: [{ Key: "a.txt", Size: 1, LastModified: 1700000000, ETag: "\"e\"" }], IsTruncated: false, KeyCount: 1 } };
    if (op === "HeadObject") return { error: { name: "NotFound", message: "Not Found", status: 404 } };
    if (op === "DeleteObject" && input.Key === "missing") return { error: { name: "NoSuchKey", message: "The specified key does not exist.", status: 404, extra: { Key: "missing" } } };
    return { output: { ETag: "\"e\"" } };
  });
  const s3sdk = require("@aws-sdk/client-s3");
  const { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, HeadObjectCommand, DeleteObjectCommand, NoSuchKey, S3ServiceException, paginateListObjectsV2 } = s3sdk;
  const s3 = new S3Client({ region: "us-east-1", forcePathStyle: true });
  await s3.send(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "héllo", ContentType: "text/plain", Metadata: { a: "b" } }));
  assert.deepEqual(host.last.input, { Bucket: "b", Key: "k", Body: b64("héllo"), ContentType: "text/plain", Metadata: { a: "b" } });
  assert.equal(host.last.service, "s3");
  await s3.send(new PutObjectCommand({ Bucket: "b", Key: "bin", Body: new Uint8Array([0, 255]) }));
  assert.equal(host.last.input.Body, "AP8=");
  await s3.send(new PutObjectCommand({ Bucket: "b", Key: "j", Body: JSON.stringify({ a: 1 }), Expires: new Date(1700000000000) }));
  assert.equal(host.last.input.Expires, 1700000000);

  const got = await s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" }));
  assert.equal(await got.Body.transformToString(), "héllo");
  assert.ok(got.LastModified instanceof Date);
  assert.equal(got.ContentType, "text/plain");
  const got2 = await s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" }));
  assert.deepStrictEqual(await got2.Body.transformToByteArray(), new Uint8Array(Buffer.from("héllo")));

  const listed = await s3.send(new ListObjectsV2Command({ Bucket: "b", Prefix: "" }));
  assert.ok(listed.Contents[0].LastModified instanceof Date);
  const pages = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: "b" })) pages.push(page.KeyCount);
  assert.deepEqual(pages, [1]);

  const notFound = await s3.send(new HeadObjectCommand({ Bucket: "b", Key: "x" })).catch((e) => e);
  assert.equal(notFound.name, "NotFound");
  assert.equal(notFound.$metadata.httpStatusCode, 404);
  assert.ok(notFound instanceof S3ServiceException);
  const noKey = await s3.send(new DeleteObjectCommand({ Bucket: "b", Key: "missing" })).catch((e) => e);
  assert.ok(noKey instanceof NoSuchKey);
  assert.equal(noKey.Key, "missing");
  await assert.rejects(() => s3.send(new PutObjectCommand({ Bucket: "b", Key: "k", Body: { not: "bytes" } })), /Blob members take/);
});

test("Kinesis and Firehose: Data blobs", async () => {
  const { host, require } = setup((service, op) => {
    if (op === "GetRecords")
      return { output: { Records: [{ Data: b64("{\"n\":1}"), PartitionKey: "p", SequenceNumber: "1", ApproximateArrivalTimestamp: 1700000000 }], NextShardIterator: "it" } };
    if (op === "PutRecord") return { output: { ShardId: "shardId-000000000000", SequenceNumber: "1" } };
    return { output: { RecordId: "r", Encrypted: false } };
  });
  const { KinesisClient, PutRecordCommand, PutRecordsCommand, GetRecordsCommand } = require("@aws-sdk/client-kinesis");
  const k = new KinesisClient({});
  await k.send(new PutRecordCommand({ StreamName: "s", PartitionKey: "p", Data: new Uint8Array(Buffer.from("ü")) }));
  assert.deepEqual(host.last.input, { StreamName: "s", PartitionKey: "p", Data: b64("ü") });
  assert.equal(host.last.service, "kinesis");
  await k.send(new PutRecordsCommand({ StreamName: "s", Records: [{ PartitionKey: "p", Data: "text" }] }));
  assert.equal(host.last.input.Records[0].Data, b64("text"));
  const recs = await k.send(new GetRecordsCommand({ ShardIterator: "it" }));
  assert.deepStrictEqual(recs.Records[0].Data, new Uint8Array(Buffer.from("{\"n\":1}")));
  assert.ok(recs.Records[0].ApproximateArrivalTimestamp instanceof Date);

  const { FirehoseClient, PutRecordCommand: FPut, PutRecordBatchCommand } = require("@aws-sdk/client-firehose");
  const f = new FirehoseClient({});
  await f.send(new FPut({ DeliveryStreamName: "d", Record: { Data: new Uint8Array([1, 2, 3]) } }));
  assert.deepEqual(host.last, { service: "firehose", operation: "PutRecord", input: { DeliveryStreamName: "d", Record: { Data: "AQID" } }, inputJson: host.last.inputJson });
  await f.send(new PutRecordBatchCommand({ DeliveryStreamName: "d", Records: [{ Data: "a\n" }, { Data: new Uint8Array([0]) }] }));
  assert.deepEqual(host.last.input.Records, [{ Data: b64("a\n") }, { Data: "AA==" }]);
});

test("Lambda: Invoke payload in and out, FunctionError and LogResult pass through", async () => {
  const { host, require } = setup((service, op, input) => {
    if (op === "Invoke")
      return {
        output: {
          StatusCode: 200,
          FunctionError: input.FunctionName === "bad" ? "Unhandled" : undefined,
          LogResult: b64("START\nEND\n"),
          ExecutedVersion: "$LATEST",
          Payload: b64(JSON.stringify({ statusCode: 200, body: "ü" })),
        },
      };
    if (op === "GetFunction") return { output: { Configuration: { FunctionName: "f", LastModified: "2024-01-01T00:00:00.000+0000" } } };
    return undefined;
  });
  const { LambdaClient, InvokeCommand, GetFunctionCommand, Lambda, ResourceNotFoundException, LambdaServiceException, InvocationType } = require("@aws-sdk/client-lambda");
  const lambda = new LambdaClient({});
  const res = await lambda.send(new InvokeCommand({ FunctionName: "f", Payload: JSON.stringify({ a: "ü" }), InvocationType: "RequestResponse", LogType: "Tail" }));
  assert.deepEqual(host.last.input, { FunctionName: "f", Payload: b64(JSON.stringify({ a: "ü" })), InvocationType: "RequestResponse", LogType: "Tail" });
  assert.equal(host.last.service, "lambda");
  assert.ok(res.Payload instanceof Uint8Array);
  assert.deepEqual(JSON.parse(res.Payload.transformToString()), { statusCode: 200, body: "ü" });
  assert.deepEqual(JSON.parse(new TextDecoder().decode(res.Payload)), { statusCode: 200, body: "ü" });
  assert.equal(res.StatusCode, 200);
  assert.equal(res.LogResult, b64("START\nEND\n"));
  assert.equal(res.FunctionError, undefined);
  const bad = await new Lambda({}).invoke({ FunctionName: "bad", Payload: new Uint8Array([123, 125]) });
  assert.equal(host.last.input.Payload, "e30=");
  assert.equal(bad.FunctionError, "Unhandled");
  const fn = await lambda.send(new GetFunctionCommand({ FunctionName: "f" }));
  assert.equal(fn.Configuration.LastModified, "2024-01-01T00:00:00.000+0000");
  assert.ok(new ResourceNotFoundException({ message: "m", $metadata: {} }) instanceof LambdaServiceException);
  assert.equal(InvocationType.Event, "Event");
});

test("CloudWatch Logs, Cognito, SNS: operations and errors go through", async () => {
  const { host, require } = setup((service, op) => {
    if (op === "AdminGetUser")
      return { output: { Username: "u", UserCreateDate: 1700000000, UserLastModifiedDate: 1700000001, UserAttributes: [{ Name: "email", Value: "a@b.c" }], Enabled: true } };
    if (op === "SignUp") return { error: { name: "UsernameExistsException", message: "User already exists", status: 400 } };
    if (op === "Publish") return { output: { MessageId: "mid" } };
    return { output: {} };
  });
  const logs = require("@aws-sdk/client-cloudwatch-logs");
  const cw = new logs.CloudWatchLogsClient({});
  await cw.send(new logs.PutLogEventsCommand({ logGroupName: "g", logStreamName: "s", logEvents: [{ timestamp: 1700000000000, message: "m" }] }));
  assert.deepEqual(host.last, {
    service: "logs",
    operation: "PutLogEvents",
    input: { logGroupName: "g", logStreamName: "s", logEvents: [{ timestamp: 1700000000000, message: "m" }] },
    inputJson: host.last.inputJson,
  });
  for (const c of ["CreateLogGroupCommand", "CreateLogStreamCommand", "FilterLogEventsCommand", "GetLogEventsCommand", "DescribeLogGroupsCommand"]) assert.equal(typeof logs[c], "function", c);

  const cognito = require("@aws-sdk/client-cognito-identity-provider");
  const idp = new cognito.CognitoIdentityProviderClient({});
  const user = await idp.send(new cognito.AdminGetUserCommand({ UserPoolId: "p", Username: "u" }));
  assert.equal(host.last.service, "cognito-idp");
  assert.ok(user.UserCreateDate instanceof Date);
  const err = await idp.send(new cognito.SignUpCommand({ ClientId: "c", Username: "u", Password: "p" })).catch((e) => e);
  assert.ok(err instanceof cognito.UsernameExistsException);
  assert.ok(err instanceof cognito.CognitoIdentityProviderServiceException);
  for (const c of ["InitiateAuthCommand", "AdminCreateUserCommand", "ConfirmSignUpCommand", "ListUsersCommand", "AdminInitiateAuthCommand", "GetUserCommand"]) assert.equal(typeof cognito[c], "function", c);

  const sns = require("@aws-sdk/client-sns");
  const out = await new sns.SNSClient({}).send(new sns.PublishCommand({ TopicArn: "arn:t", Message: "m" }));
  assert.equal(host.last.service, "sns");
  assert.equal(out.MessageId, "mid");
});

test("SESv2: SendEmail's Raw data goes as base64, MessageRejected is its own class", async () => {
  const { host, require } = setup((service, op, input) => {
    if (op === "SendEmail" && input.FromEmailAddress === "nobody@example.com")
      return { error: { name: "MessageRejected", message: "Email address is not verified. The following identities failed the check in region US-EAST-1: nobody@example.com", status: 400 } };
    if (op === "SendEmail") return { output: { MessageId: "0100018c-abc-000000" } };
    if (op === "GetAccount") return { output: { ProductionAccessEnabled: false, SendQuota: { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 3 } } };
    if (op === "ListEmailTemplates") return { output: { TemplatesMetadata: [{ TemplateName: "t", CreatedTimestamp: 1700000000 }] } };
    return { output: {} };
  });
  const ses = require("@aws-sdk/client-sesv2");
  const client = new ses.SESv2Client({});
  const sent = await client.send(
    new ses.SendEmailCommand({
      FromEmailAddress: "me@example.com",
      Destination: { ToAddresses: ["ada@example.com"] },
      Content: { Simple: { Subject: { Data: "Hi" }, Body: { Text: { Data: "Hello" } } } },
    })
  );
  assert.equal(host.last.service, "email");
  assert.equal(host.last.operation, "SendEmail");
  assert.equal(sent.MessageId, "0100018c-abc-000000");
  await client.send(new ses.SendEmailCommand({ FromEmailAddress: "me@example.com", Content: { Raw: { Data: "Subject: x\r\n\r\nbody" } } }));
  assert.equal(host.last.input.Content.Raw.Data, b64("Subject: x\r\n\r\nbody"));
  await client.send(new ses.SendEmailCommand({ FromEmailAddress: "me@example.com", Content: { Raw: { Data: new TextEncoder().encode("ü") } } }));
  assert.equal(host.last.input.Content.Raw.Data, b64("ü"));
  const err = await client
    .send(new ses.SendEmailCommand({ FromEmailAddress: "nobody@example.com", Destination: { ToAddresses: ["a@b.co"] }, Content: { Simple: { Subject: { Data: "s" }, Body: {} } } }))
    .catch((e) => e);
  assert.ok(err instanceof ses.MessageRejected);
  assert.ok(err instanceof ses.SESv2ServiceException);
  assert.equal(err.name, "MessageRejected");
  assert.match(err.message, /failed the check in region US-EAST-1: nobody@example.com$/);
  const account = await new ses.SESv2({}).getAccount({});
  assert.equal(account.SendQuota.Max24HourSend, 200);
  const templates = await client.send(new ses.ListEmailTemplatesCommand({}));
  assert.ok(templates.TemplatesMetadata[0].CreatedTimestamp instanceof Date);
  for (const c of ["CreateEmailIdentityCommand", "GetEmailIdentityCommand", "DeleteEmailIdentityCommand", "CreateEmailTemplateCommand", "TestRenderEmailTemplateCommand"]) assert.equal(typeof ses[c], "function", c);
  assert.equal(typeof ses.paginateListEmailIdentities, "function");
});

test("every module in index.json loads and exports by name", () => {
  const { require } = setup();
  const expected = {
    "@aws-sdk/client-dynamodb": ["DynamoDBClient", "DynamoDB", "PutItemCommand", "paginateQuery", "DynamoDBServiceException"],
    "@aws-sdk/lib-dynamodb": ["DynamoDBDocumentClient", "DynamoDBDocument", "PutCommand", "paginateQuery", "NumberValue"],
    "@aws-sdk/util-dynamodb": ["marshall", "unmarshall", "convertToAttr", "convertToNative", "NumberValueImpl"],
    "@aws-sdk/client-sfn": ["SFNClient", "SFN", "StartExecutionCommand", "StartSyncExecutionCommand", "SendTaskSuccessCommand"],
    "@aws-sdk/client-sqs": ["SQSClient", "SQS", "SendMessageCommand", "ReceiveMessageCommand"],
    "@aws-sdk/client-s3": ["S3Client", "S3", "PutObjectCommand", "GetObjectCommand", "ListObjectsV2Command"],
    "@aws-sdk/client-kinesis": ["KinesisClient", "Kinesis", "PutRecordCommand", "PutRecordsCommand"],
    "@aws-sdk/client-cognito-identity-provider": ["CognitoIdentityProviderClient", "CognitoIdentityProvider", "InitiateAuthCommand"],
    "@aws-sdk/client-lambda": ["LambdaClient", "Lambda", "InvokeCommand"],
    "@aws-sdk/client-cloudwatch-logs": ["CloudWatchLogsClient", "CloudWatchLogs", "PutLogEventsCommand"],
    "@aws-sdk/client-firehose": ["FirehoseClient", "Firehose", "PutRecordBatchCommand"],
    "@aws-sdk/client-sns": ["SNSClient", "SNS", "PublishCommand"],
    "@aws-sdk/client-sesv2": ["SESv2Client", "SESv2", "SendEmailCommand", "MessageRejected"],
  };
  for (const [name, names] of Object.entries(expected)) {
    const mod = require(name);
    for (const n of names) assert.equal(typeof mod[n], "function", `${name} ${n}`);
  }
});
