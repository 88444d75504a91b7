//! The Step Functions and Cognito scenarios: an order workflow waiting for a human approval, and
//! a user pool whose ID tokens open an API behind a Cognito authorizer.

use serde_json::{json, Value};

use super::{Loader, Lookup};
use crate::kernel::{account::DEFAULT_ACCOUNT_ID, error::AwsError};

pub const ORDERS_TABLE: &str = "OrderRequests";
pub const APPROVAL_QUEUE: &str = "order-approvals";
pub const APPROVAL_MACHINE: &str = "OrderApproval";
pub const APPROVAL_EXECUTION: &str = "order-1001";

/// The workflow: record the order, send an approval request carrying the task token to a queue
/// and wait (up to a day) for SendTaskSuccess/SendTaskFailure, then mark the order.
pub fn approval_definition(region: &str) -> Value {
    let queue = format!("https://sqs.{region}.amazonaws.com/{DEFAULT_ACCOUNT_ID}/{APPROVAL_QUEUE}");
    let mark = |status: &str, next: Value| {
        let mut s = json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:updateItem",
            "Parameters": {
                "TableName": ORDERS_TABLE,
                "Key": { "OrderId": { "S.$": "$.orderId" } },
                "UpdateExpression": "SET #s = :s",
                "ExpressionAttributeNames": { "#s": "Status" },
                "ExpressionAttributeValues": { ":s": { "S": status } }
            },
            "ResultPath": null
        });
        if let (Some(o), Value::Object(n)) = (s.as_object_mut(), next) {
            o.extend(n);
        }
        s
    };
    json!({
        "Comment": "An order that waits for a human approval: the request (with its task token) goes to the order-approvals queue; SendTaskSuccess with {\"approved\": true} approves it.",
        "StartAt": "Record order",
        "States": {
            "Record order": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": ORDERS_TABLE,
                    "Item": { "OrderId": { "S.$": "$.orderId" }, "Customer": { "S.$": "$.customer" }, "Amount": { "N.$": "States.Format('{}', $.amount)" }, "Status": { "S": "PENDING_APPROVAL" } }
                },
                "ResultPath": null,
                "Next": "Request approval"
            },
            "Request approval": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": { "QueueUrl": queue, "MessageBody": { "order.$": "$", "taskToken.$": "$$.Task.Token" } },
                "TimeoutSeconds": 86400,
                "ResultPath": "$.approval",
                "Catch": [
                    { "ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Mark rejected" },
                    { "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Mark rejected" }
                ],
                "Next": "Approved?"
            },
            "Approved?": {
                "Type": "Choice",
                "Choices": [{ "Variable": "$.approval.approved", "BooleanEquals": true, "Next": "Mark approved" }],
                "Default": "Mark rejected"
            },
            "Mark approved": mark("APPROVED", json!({ "Next": "Order approved" })),
            "Order approved": { "Type": "Succeed" },
            "Mark rejected": mark("REJECTED", json!({ "Next": "Order rejected" })),
            "Order rejected": { "Type": "Fail", "Error": "OrderRejected", "Cause": "The approver rejected the order, or nobody answered within a day." }
        }
    })
}

pub fn order_approval(l: &mut Loader) -> Result<(), AwsError> {
    let region = l.region().to_string();
    l.table(json!({
        "TableName": ORDERS_TABLE,
        "AttributeDefinitions": [{ "AttributeName": "OrderId", "AttributeType": "S" }],
        "KeySchema": [{ "AttributeName": "OrderId", "KeyType": "HASH" }],
        "BillingMode": "PAY_PER_REQUEST",
    }))?;
    if l.call("sqs", "GetQueueUrl", json!({ "QueueName": APPROVAL_QUEUE })).is_ok() {
        l.reused(format!("SQS queue {APPROVAL_QUEUE}"));
    } else {
        l.call("sqs", "CreateQueue", json!({ "QueueName": APPROVAL_QUEUE }))?;
        l.created(format!("SQS queue {APPROVAL_QUEUE}"));
    }
    let machine_arn = format!("arn:aws:states:{region}:{DEFAULT_ACCOUNT_ID}:stateMachine:{APPROVAL_MACHINE}");
    l.create(
        &format!("state machine {APPROVAL_MACHINE}"),
        "states",
        "CreateStateMachine",
        json!({
            "name": APPROVAL_MACHINE,
            "definition": approval_definition(&region).to_string(),
            "roleArn": format!("arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/order-approval-workflow"),
        }),
        &["StateMachineAlreadyExists"],
    )?;
    let execution_arn = format!("arn:aws:states:{region}:{DEFAULT_ACCOUNT_ID}:execution:{APPROVAL_MACHINE}:{APPROVAL_EXECUTION}");
    match l.call("states", "DescribeExecution", json!({ "executionArn": execution_arn })) {
        Ok(_) => l.reused(format!("execution {APPROVAL_EXECUTION}")),
        Err(_) => {
            let input = json!({ "orderId": "o-1001", "customer": "ada", "amount": 1200 });
            l.call("states", "StartExecution", json!({ "stateMachineArn": machine_arn, "name": APPROVAL_EXECUTION, "input": input.to_string() }))?;
            l.created(format!("execution {APPROVAL_EXECUTION}, waiting for approval"));
            // Let it record the order and send the request.
            l.advance(1.0)?;
        }
    }
    l.set("StateMachineArn", machine_arn);
    l.set("ExecutionArn", execution_arn);
    Ok(())
}

pub const USER_POOL: &str = "GureumUsers";
pub const APP_CLIENT: &str = "web";
pub const DEMO_USER: &str = "ada";
pub const DEMO_PASSWORD: &str = "Gureum-demo-1";
pub const HELLO_API: &str = "hello-auth";

/// A user with a verified email `{user}@example.com` and the permanent password
/// [`DEMO_PASSWORD`] (or the user already there).
fn confirmed_user(l: &mut Loader, pool: &str, user: &str) -> Result<(), AwsError> {
    let attributes = json!([{ "Name": "email", "Value": format!("{user}@example.com") }, { "Name": "email_verified", "Value": "true" }]);
    match l.call("cognito-idp", "AdminCreateUser", json!({ "UserPoolId": pool, "Username": user, "UserAttributes": attributes, "MessageAction": "SUPPRESS" })) {
        Ok(_) => {
            l.call("cognito-idp", "AdminSetUserPassword", json!({ "UserPoolId": pool, "Username": user, "Password": DEMO_PASSWORD, "Permanent": true }))?;
            l.created(format!("user {user} (password {DEMO_PASSWORD})"));
            Ok(())
        }
        Err(e) if e.kind == "UsernameExistsException" => {
            l.reused(format!("user {user}"));
            Ok(())
        }
        Err(e) => Err(e),
    }
}

pub fn cognito_api(l: &mut Loader) -> Result<(), AwsError> {
    let region = l.region().to_string();
    let pools = Lookup { service: "cognito-idp", operation: "ListUserPools", input: json!({ "MaxResults": 60 }), list: "UserPools", name_key: "Name", id_key: "Id" };
    let pool = l.find_or_create(&format!("user pool {USER_POOL}"), pools, USER_POOL, |l| {
        let out = l.call(
            "cognito-idp",
            "CreateUserPool",
            json!({
                "PoolName": USER_POOL,
                "Policies": { "PasswordPolicy": { "MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true, "RequireNumbers": true, "RequireSymbols": false } },
                "AutoVerifiedAttributes": ["email"],
            }),
        )?;
        Ok(out["UserPool"]["Id"].as_str().unwrap_or_default().to_string())
    })?;
    let clients = Lookup {
        service: "cognito-idp",
        operation: "ListUserPoolClients",
        input: json!({ "UserPoolId": pool, "MaxResults": 60 }),
        list: "UserPoolClients",
        name_key: "ClientName",
        id_key: "ClientId",
    };
    let client = l.find_or_create(&format!("app client {APP_CLIENT} (no secret)"), clients, APP_CLIENT, |l| {
        let out = l.call(
            "cognito-idp",
            "CreateUserPoolClient",
            json!({ "UserPoolId": pool, "ClientName": APP_CLIENT, "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
        )?;
        Ok(out["UserPoolClient"]["ClientId"].as_str().unwrap_or_default().to_string())
    })?;
    // A confirmed user to sign in with at once; the learner can sign up another.
    confirmed_user(l, &pool, DEMO_USER)?;
    let pool_arn = format!("arn:aws:cognito-idp:{region}:{DEFAULT_ACCOUNT_ID}:userpool/{pool}");
    let api = super::apis::rest_api(l, HELLO_API, &format!("GET /hello behind a Cognito authorizer of the user pool {USER_POOL}"), "dev", |l, id, root| {
        let authorizer = l.call(
            "apigateway",
            "CreateAuthorizer",
            json!({ "restApiId": id, "name": USER_POOL, "type": "COGNITO_USER_POOLS", "providerARNs": [pool_arn], "identitySource": "method.request.header.Authorization" }),
        )?;
        let hello = l.call("apigateway", "CreateResource", json!({ "restApiId": id, "parentId": root, "pathPart": "hello" }))?;
        let m = json!({ "restApiId": id, "resourceId": hello["id"], "httpMethod": "GET" });
        let with = |extra: Value| super::apis::merge(&m, extra);
        l.call("apigateway", "PutMethod", with(json!({ "authorizationType": "COGNITO_USER_POOLS", "authorizerId": authorizer["id"] })))?;
        l.call("apigateway", "PutIntegration", with(json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } })))?;
        l.call("apigateway", "PutMethodResponse", with(json!({ "statusCode": "200" })))?;
        let template = "{\"message\": \"Hello, $context.authorizer.claims.get('cognito:username')\", \"sub\": \"$context.authorizer.claims.sub\", \"email\": \"$!context.authorizer.claims.email\"}";
        l.call("apigateway", "PutIntegrationResponse", with(json!({ "statusCode": "200", "responseTemplates": { "application/json": template } })))?;
        Ok(())
    })?;
    l.set("UserPoolId", pool);
    l.set("ClientId", client);
    l.set("ApiId", api);
    l.set("Username", DEMO_USER);
    l.set("Password", DEMO_PASSWORD);
    Ok(())
}

pub const NOTES_TABLE: &str = "UserNotes";
pub const NOTES_ROLE: &str = "GureumNotesUser";
pub const IDENTITY_POOL: &str = "GureumNotes";
pub const SECOND_USER: &str = "grace";

/// Signs `user` in with USER_PASSWORD_AUTH: the ID token.
fn id_token(l: &mut Loader, client: &str, user: &str) -> Result<String, AwsError> {
    let out =
        l.call("cognito-idp", "InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client, "AuthParameters": { "USERNAME": user, "PASSWORD": DEMO_PASSWORD } }))?;
    Ok(out["AuthenticationResult"]["IdToken"].as_str().unwrap_or_default().to_string())
}

pub fn identity_pool(l: &mut Loader) -> Result<(), AwsError> {
    let region = l.region().to_string();
    // The user pool, its client and ada come from the Cognito scenario (reused if loaded).
    cognito_api(l)?;
    let pool = l.vars["UserPoolId"].as_str().unwrap_or_default().to_string();
    let client = l.vars["ClientId"].as_str().unwrap_or_default().to_string();
    confirmed_user(l, &pool, SECOND_USER)?;
    l.table(json!({
        "TableName": NOTES_TABLE,
        "AttributeDefinitions": [{ "AttributeName": "IdentityId", "AttributeType": "S" }, { "AttributeName": "NoteId", "AttributeType": "S" }],
        "KeySchema": [{ "AttributeName": "IdentityId", "KeyType": "HASH" }, { "AttributeName": "NoteId", "KeyType": "RANGE" }],
        "BillingMode": "PAY_PER_REQUEST",
    }))?;
    let provider = format!("cognito-idp.{region}.amazonaws.com/{pool}");
    let pools = Lookup {
        service: "cognito-identity",
        operation: "ListIdentityPools",
        input: json!({ "MaxResults": 60 }),
        list: "IdentityPools",
        name_key: "IdentityPoolName",
        id_key: "IdentityPoolId",
    };
    let ipool = l.find_or_create(&format!("identity pool {IDENTITY_POOL}"), pools, IDENTITY_POOL, |l| {
        let out = l.call(
            "cognito-identity",
            "CreateIdentityPool",
            json!({ "IdentityPoolName": IDENTITY_POOL, "AllowUnauthenticatedIdentities": false, "CognitoIdentityProviders": [{ "ProviderName": provider, "ClientId": client }] }),
        )?;
        Ok(out["IdentityPoolId"].as_str().unwrap_or_default().to_string())
    })?;
    let trust = json!({ "Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": { "Federated": "cognito-identity.amazonaws.com" },
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": { "StringEquals": { "cognito-identity.amazonaws.com:aud": ipool }, "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" } }
    }] });
    // The seed's per-user data: each identity reaches only the partition named by its own id.
    let policy = json!({ "Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
        "Resource": format!("arn:aws:dynamodb:{region}:{DEFAULT_ACCOUNT_ID}:table/{NOTES_TABLE}"),
        "Condition": { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"] } }
    }] });
    match l.call("iam", "CreateRole", json!({ "RoleName": NOTES_ROLE, "AssumeRolePolicyDocument": trust.to_string() })) {
        Ok(_) => l.created(format!("IAM role {NOTES_ROLE} (own partition only)")),
        Err(e) if e.kind == "EntityAlreadyExists" => {
            // The trust policy names this identity pool (a new one if the old was deleted).
            l.call("iam", "UpdateAssumeRolePolicy", json!({ "RoleName": NOTES_ROLE, "PolicyDocument": trust.to_string() }))?;
            l.reused(format!("IAM role {NOTES_ROLE}"));
        }
        Err(e) => return Err(e),
    }
    l.call("iam", "PutRolePolicy", json!({ "RoleName": NOTES_ROLE, "PolicyName": "own-notes", "PolicyDocument": policy.to_string() }))?;
    let role_arn = format!("arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/{NOTES_ROLE}");
    l.call("cognito-identity", "SetIdentityPoolRoles", json!({ "IdentityPoolId": ipool, "Roles": { "authenticated": role_arn } }))?;
    // Each user's identity, and a note or two in their partition.
    for (user, notes) in [(DEMO_USER, &["Buy kimchi", "Read the DynamoDB chapter"][..]), (SECOND_USER, &["Plan the launch"][..])] {
        let token = id_token(l, &client, user)?;
        let id =
            l.call("cognito-identity", "GetId", json!({ "IdentityPoolId": ipool, "Logins": { provider.clone(): token } }))?["IdentityId"].as_str().unwrap_or_default().to_string();
        let items = notes
            .iter()
            .enumerate()
            .map(|(i, n)| json!({ "IdentityId": { "S": id }, "NoteId": { "S": format!("n{}", i + 1) }, "Text": { "S": n }, "Owner": { "S": user } }))
            .collect();
        l.put_items(NOTES_TABLE, items)?;
        l.set(&format!("IdentityId_{user}"), id);
    }
    l.set("IdentityPoolId", ipool);
    l.set("Provider", provider);
    Ok(())
}
