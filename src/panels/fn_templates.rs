//! Starter code for new functions.

pub struct Template {
    pub id: &'static str,
    pub title: &'static str,
    pub about: &'static str,
    pub handler: &'static str,
    pub files: &'static [(&'static str, &'static str)],
    /// A test event that suits the code.
    pub event: &'static str,
    /// Environment variables the code reads.
    pub environment: &'static [(&'static str, &'static str)],
}

pub const HELLO: &str = r#"// A Lambda handler: Lambda calls it with the event (the input of this
// invocation) and a context (request id, time left, ...). What it returns
// is the invocation's result.
export const handler = async (event, context) => {
  console.log('Received event:', JSON.stringify(event));
  const name = event.name ?? 'world';
  return {
    statusCode: 200,
    body: JSON.stringify({ message: `Hello, ${name}!` }),
  };
};
"#;

pub const DYNAMO: &str = r#"import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, GetCommand } from '@aws-sdk/lib-dynamodb';

// Created once per execution environment (outside the handler), so warm
// invocations reuse the client.
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = process.env.TABLE_NAME ?? 'Notes';

export const handler = async (event) => {
  const id = event.id ?? 'note-1';
  await client.send(new PutCommand({
    TableName: TABLE,
    Item: { id, text: event.text ?? 'hello', savedAt: Date.now() },
  }));
  const { Item } = await client.send(new GetCommand({ TableName: TABLE, Key: { id } }));
  console.log('Saved and read back', Item);
  return Item;
};
"#;

pub const CALLBACK: &str = r#"// CommonJS with a callback: the older Node.js style. Call
// callback(error, result) exactly once.
exports.handler = (event, context, callback) => {
  console.log('Time left (ms):', context.getRemainingTimeInMillis());
  setTimeout(() => {
    callback(null, { ok: true, received: event });
  }, 100);
};
"#;

pub const WELCOME: &str = gureum_engine::scenarios::WELCOME_CODE;

pub const DAX: &str = r#"import { DaxDocument } from '@amazon-dax-sdk/lib-dax';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';

// Two ways to cache reads of one table, both created once per execution
// environment so warm invocations reuse them.
const TABLE = process.env.TABLE_NAME ?? 'Notes';

// 1. DAX: the same calls as the document client, sent to the cluster's
//    endpoint (DAX > your cluster > Cluster endpoint). DAX keeps items and
//    query results in memory and writes through to the table.
const dax = new DaxDocument({ endpoint: process.env.DAX_ENDPOINT, region: process.env.AWS_REGION });

// 2. Cache-aside written by hand (what you would do with ElastiCache): look
//    in the cache, on a miss read DynamoDB and fill the cache. Here the cache
//    is a Map in this execution environment, so each environment has its own.
const ddb = DynamoDBDocument.from(new DynamoDBClient({}));
const local = new Map();
const TTL_MS = 60_000;

async function cacheAside(key) {
  const k = JSON.stringify(key);
  const cached = local.get(k);
  if (cached && cached.expires > Date.now()) return { item: cached.item, from: 'cache' };
  const { Item } = await ddb.get({ TableName: TABLE, Key: key });
  local.set(k, { item: Item, expires: Date.now() + TTL_MS });
  return { item: Item, from: 'DynamoDB' };
}

export const handler = async (event) => {
  const key = { id: event.id ?? 'note-1' };
  const viaDax = await dax.get({ TableName: TABLE, Key: key });
  const aside = await cacheAside(key);
  // DAX errors carry the DynamoDB error name in err.code.
  return { dax: viaDax.Item ?? null, cacheAside: aside };
};
"#;

pub const TEMPLATES: &[Template] = &[
    Template {
        id: "hello",
        title: "Hello world (ES module)",
        about: "An async handler in index.mjs that logs the event and returns a greeting.",
        handler: "index.handler",
        files: &[("index.mjs", HELLO)],
        event: "{\n  \"name\": \"Gureum\"\n}",
        environment: &[],
    },
    Template {
        id: "dynamodb",
        title: "DynamoDB with the document client",
        about: "Writes and reads an item with @aws-sdk/lib-dynamodb. Needs a table Notes with partition key id (String).",
        handler: "index.handler",
        files: &[("index.mjs", DYNAMO)],
        event: "{\n  \"id\": \"note-1\",\n  \"text\": \"remember the milk\"\n}",
        environment: &[("TABLE_NAME", "Notes")],
    },
    Template {
        id: "callback",
        title: "Callback style (CommonJS)",
        about: "exports.handler in index.js, answering through callback(null, result) after a timer.",
        handler: "index.handler",
        files: &[("index.js", CALLBACK)],
        event: "{\n  \"key1\": \"value1\"\n}",
        environment: &[],
    },
    Template {
        id: "welcome-email",
        title: "Welcome email (DynamoDB stream → SES)",
        about: "For each new item of a Users table's stream, sends a welcome email with @aws-sdk/client-sesv2; it arrives in the Inbox. Verify the sender welcome@example.com and the recipients in the Inbox first.",
        handler: "index.handler",
        files: &[("index.mjs", WELCOME)],
        event: "{\n  \"Records\": [\n    {\n      \"eventName\": \"INSERT\",\n      \"eventSource\": \"aws:dynamodb\",\n      \"dynamodb\": {\n        \"Keys\": { \"id\": { \"S\": \"u1\" } },\n        \"NewImage\": { \"id\": { \"S\": \"u1\" }, \"name\": { \"S\": \"Ada\" }, \"email\": { \"S\": \"ada@example.com\" } },\n        \"StreamViewType\": \"NEW_IMAGE\"\n      }\n    }\n  ]\n}",
        environment: &[("SENDER", "welcome@example.com")],
    },
    Template {
        id: "dax",
        title: "Read through DAX (cache-aside vs DAX)",
        about: "Reads an item of the Notes table through a DAX cluster with DaxDocument (@amazon-dax-sdk/lib-dax) and through a hand-written cache-aside Map. Create a cluster in the DAX panel and put its endpoint in DAX_ENDPOINT.",
        handler: "index.handler",
        files: &[("index.mjs", DAX)],
        event: "{\n  \"id\": \"note-1\"\n}",
        environment: &[("TABLE_NAME", "Notes"), ("DAX_ENDPOINT", "dax://my-cluster.abc123.dax-clusters.us-east-1.amazonaws.com")],
    },
];

pub fn by_id(id: &str) -> &'static Template {
    TEMPLATES.iter().find(|t| t.id == id).unwrap_or(&TEMPLATES[0])
}
