//! The JavaScript of the scenarios' functions, shared with the UI's templates and samples.

/// The CRUD API sample's handler (Lambda proxy events from API Gateway, the Items table).
pub const CRUD_CODE: &str = r#"import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';

// API Gateway (Lambda proxy) sends the whole HTTP request as the event:
// event.httpMethod, event.path, event.pathParameters, event.queryStringParameters,
// event.headers, event.body (a string). The function answers with
// { statusCode, headers, body } and API Gateway sends that to the client.
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = process.env.TABLE_NAME ?? 'Items';

const reply = (statusCode, body) => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

export const handler = async (event) => {
  const id = event.pathParameters?.id;
  switch (event.httpMethod) {
    case 'GET': {
      if (!id) {
        const { Items } = await db.send(new ScanCommand({ TableName: TABLE }));
        return reply(200, Items);
      }
      const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: { id } }));
      return Item ? reply(200, Item) : reply(404, { message: `No item ${id}` });
    }
    case 'PUT':
    case 'POST': {
      let item;
      try {
        item = JSON.parse(event.body ?? '{}');
      } catch {
        return reply(400, { message: 'The body is not JSON' });
      }
      if (id) item.id = id;
      if (!item.id) return reply(400, { message: 'An item needs an id' });
      await db.send(new PutCommand({ TableName: TABLE, Item: item }));
      return reply(200, item);
    }
    case 'DELETE': {
      if (!id) return reply(400, { message: 'DELETE /items/{id}' });
      await db.send(new DeleteCommand({ TableName: TABLE, Key: { id } }));
      return reply(200, { deleted: id });
    }
    default:
      return reply(405, { message: `${event.httpMethod} is not supported` });
  }
};
"#;

/// Sends a welcome email with SES v2 for each INSERT of a DynamoDB stream.
pub const WELCOME_CODE: &str = r#"import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { unmarshall } from '@aws-sdk/util-dynamodb';

// Sends a welcome email for every new user. Add the Users table's stream
// (view type NEW_IMAGE) as this function's trigger under Triggers: each new
// item arrives here as an INSERT record.
//
// The account is in the SES sandbox: the sender (SENDER) and every
// recipient must be verified identities, or SES rejects the message with
// MessageRejected. Verify them in the Inbox panel (or a whole domain).
const ses = new SESv2Client({});
const SENDER = process.env.SENDER ?? 'welcome@example.com';

export const handler = async (event) => {
  for (const record of event.Records) {
    if (record.eventName !== 'INSERT') continue; // new users only
    const user = unmarshall(record.dynamodb.NewImage);
    if (!user.email) continue;
    const name = user.name ?? 'there';
    const { MessageId } = await ses.send(new SendEmailCommand({
      FromEmailAddress: SENDER,
      Destination: { ToAddresses: [user.email] },
      Content: {
        Simple: {
          Subject: { Data: `Welcome, ${name}!` },
          Body: {
            Text: { Data: `Hi ${name},

thanks for signing up. We are glad you are here.` },
            Html: { Data: `<h1>Welcome, ${name}!</h1><p>Thanks for signing up. We are glad you are here.</p>` },
          },
        },
      },
    }));
    console.log('Sent welcome email', MessageId, 'to', user.email);
  }
};
"#;
