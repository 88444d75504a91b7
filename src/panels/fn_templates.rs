//! Starter code for new functions.

pub struct Template {
    pub id: &'static str,
    pub title: &'static str,
    pub about: &'static str,
    pub handler: &'static str,
    pub files: &'static [(&'static str, &'static str)],
    /// A test event that suits the code.
    pub event: &'static str,
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

pub const TEMPLATES: &[Template] = &[
    Template {
        id: "hello",
        title: "Hello world (ES module)",
        about: "An async handler in index.mjs that logs the event and returns a greeting.",
        handler: "index.handler",
        files: &[("index.mjs", HELLO)],
        event: "{\n  \"name\": \"Gureum\"\n}",
    },
    Template {
        id: "dynamodb",
        title: "DynamoDB with the document client",
        about: "Writes and reads an item with @aws-sdk/lib-dynamodb. Needs a table Notes with partition key id (String).",
        handler: "index.handler",
        files: &[("index.mjs", DYNAMO)],
        event: "{\n  \"id\": \"note-1\",\n  \"text\": \"remember the milk\"\n}",
    },
    Template {
        id: "callback",
        title: "Callback style (CommonJS)",
        about: "exports.handler in index.js, answering through callback(null, result) after a timer.",
        handler: "index.handler",
        files: &[("index.js", CALLBACK)],
        event: "{\n  \"key1\": \"value1\"\n}",
    },
];

pub fn by_id(id: &str) -> &'static Template {
    TEMPLATES.iter().find(|t| t.id == id).unwrap_or(&TEMPLATES[0])
}
