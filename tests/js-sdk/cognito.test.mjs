// amazon-cognito-identity-js (npm, unchanged) against `gureum serve`: sign-up, the code read from
// the simulated inbox, confirmation, USER_SRP_AUTH sign-in (real SRP-6a: the library computes
// the password claim itself), GetUser with the access token, and a refresh.
// Run: cargo build -p gureum-server && node --test --test-concurrency=1 tests/js-sdk/cognito.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import cognito from "amazon-cognito-identity-js";
import { startServer } from "./lib.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool } = cognito;
const PW = "Passw0rd!";

/** A cognito-idp operation over the wire (JSON 1.1), as the SDKs send it. */
async function idp(url, operation, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityProviderService.${operation}` },
    body: JSON.stringify(body),
  });
  const out = await res.json();
  if (!res.ok) throw new Error(`${operation}: ${out.__type}: ${out.message}`);
  return out;
}

async function control(url, operation, body = {}) {
  const res = await fetch(`${url}/_gureum/control/${operation}`, { method: "POST", body: JSON.stringify(body) });
  return res.json();
}

async function codeFor(url, mailbox) {
  const list = await control(url, "ses:ListInboxMessages", { Mailbox: mailbox });
  const mail = await control(url, "ses:GetInboxMessage", { Id: list.Messages[0].Id });
  return /\b(\d{6})\b/.exec(mail.Text)[1];
}

const call = (fn) => new Promise((resolve, reject) => fn((err, out) => (err ? reject(err) : resolve(out))));

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
}

test("sign up, confirm from the inbox, SRP sign-in, GetUser, refresh", async (t) => {
  const server = await startServer(t);
  const { url } = server;
  const pool = (await idp(url, "CreateUserPool", { PoolName: "js", AutoVerifiedAttributes: ["email"] })).UserPool.Id;
  const client = (await idp(url, "CreateUserPoolClient", { UserPoolId: pool, ClientName: "web" })).UserPoolClient.ClientId;

  const userPool = new CognitoUserPool({ UserPoolId: pool, ClientId: client, endpoint: url });
  const email = new CognitoUserAttribute({ Name: "email", Value: "jo@example.com" });
  const signUp = await call((cb) => userPool.signUp("jo", PW, [email], null, cb));
  assert.equal(signUp.userConfirmed, false);
  assert.equal(signUp.codeDeliveryDetails.DeliveryMedium, "EMAIL");

  const user = new CognitoUser({ Username: "jo", Pool: userPool });
  const code = await codeFor(url, "jo@example.com");
  assert.equal(await call((cb) => user.confirmRegistration(code, false, cb)), "SUCCESS");

  const started = performance.now();
  const session = await new Promise((resolve, reject) =>
    user.authenticateUser(new AuthenticationDetails({ Username: "jo", Password: PW }), { onSuccess: resolve, onFailure: reject }),
  );
  const ms = performance.now() - started;
  t.diagnostic(`SRP sign-in through amazon-cognito-identity-js and gureum serve: ${ms.toFixed(0)} ms`);
  assert.ok(session.isValid());
  const id = claims(session.getIdToken().getJwtToken());
  assert.equal(id["cognito:username"], "jo");
  assert.equal(id.iss, `https://cognito-idp.us-east-1.amazonaws.com/${pool}`);
  assert.equal(id.aud, client);
  assert.equal(claims(session.getAccessToken().getJwtToken()).token_use, "access");

  const attrs = await call((cb) => user.getUserAttributes(cb));
  assert.equal(attrs.find((a) => a.getName() === "email").getValue(), "jo@example.com");

  const refreshed = await call((cb) => user.refreshSession(session.getRefreshToken(), cb));
  assert.equal(claims(refreshed.getIdToken().getJwtToken()).origin_jti, id.origin_jti);

  // A wrong password fails the PASSWORD_VERIFIER step with AWS's error.
  const wrong = new CognitoUser({ Username: "jo", Pool: userPool });
  const err = await new Promise((resolve, reject) =>
    wrong.authenticateUser(new AuthenticationDetails({ Username: "jo", Password: "Wrong0rd!" }), { onSuccess: () => reject(new Error("signed in")), onFailure: resolve }),
  );
  assert.equal(err.code, "NotAuthorizedException");
  assert.equal(err.message, "Incorrect username or password.");
});
