// The Auth panel: a learner creates a user pool and an app client by clicking, signs up on the
// panel's sign-in page, reads the code in the Inbox, confirms, signs in with SRP computed in the
// page, and sees the decoded tokens (signature checked) and the sequence diagrams of every call.
// Then an API protected by a Cognito authorizer of the pool (the one-click sample): 200 with the
// ID token, 401 without. Screenshots of every view.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 1000 });
const PASSWORD = "Passw0rd!x";

async function snap(name) {
  for (const close of await page.locator(".notice.info .notice-close").all()) await close.click({ timeout: 500 }).catch(() => {});
  await shot(page, name);
}

let poolId;

test("create a user pool and an app client by clicking", async () => {
  await page.goto(app.url + "#/auth");
  await page.getByText("No user pools in this region yet").waitFor();
  await snap("auth-empty");
  await page.getByRole("button", { name: "Create user pool" }).click();
  const form = page.getByRole("form", { name: "Create user pool" });
  await form.getByLabel("Pool name").fill("shop-users");
  await snap("auth-create-pool");
  await form.getByRole("button", { name: "Create user pool" }).click();
  await page.waitForURL(/#\/auth\/us-east-1_[A-Za-z0-9]+\/clients$/);
  poolId = page.url().split("/").slice(-2)[0];
  const pool = await page.evaluate((id) => window.gureum.send("cognito-idp", "DescribeUserPool", { UserPoolId: id }), poolId);
  assert.deepEqual(pool.UserPool.AutoVerifiedAttributes, ["email"]);
  assert.equal(pool.UserPool.Policies.PasswordPolicy.MinimumLength, 8);

  const client = page.getByRole("form", { name: "Create app client" });
  await client.getByLabel("App client name").fill("web");
  await client.getByRole("button", { name: "Create app client" }).click();
  await page.getByRole("table", { name: "App clients" }).getByText("USER_SRP_AUTH").waitFor();
  await snap("auth-clients");
});

let code;

test("sign up on the sign-in page; the code arrives in the Inbox", async () => {
  await page.getByRole("tab", { name: "Sign-in page" }).click();
  await page.getByRole("form", { name: "Sign in" }).waitFor();
  await snap("auth-signin");
  await page.getByRole("link", { name: "Sign up" }).click();
  const form = page.getByRole("form", { name: "Sign up" });
  await form.getByLabel("Username").fill("alice");
  await form.getByLabel("Email").fill("alice@example.com");
  await form.getByLabel("Password").fill(PASSWORD);
  await form.getByRole("button", { name: "Sign up" }).click();
  const confirm = page.getByRole("form", { name: "Confirm account" });
  await confirm.getByText("Check your inbox").waitFor();
  await snap("auth-check-inbox");

  await confirm.getByRole("link", { name: "Open the Inbox ✉" }).click();
  await page.locator(".mailbox", { hasText: "alice@example.com" }).click();
  await page.locator(".message-row").first().click();
  const text = await page.getByRole("article", { name: "Message" }).locator(".text-part").innerText();
  code = text.match(/\b(\d{6})\b/)[1];
  await snap("auth-inbox-code");
});

test("confirm with the code, sign in with SRP, see the tokens decoded", async () => {
  await page.evaluate(() => history.back());
  const confirm = page.getByRole("form", { name: "Confirm account" });
  await confirm.waitFor();
  await confirm.getByLabel("Verification code").fill(code);
  await confirm.getByRole("button", { name: "Confirm account" }).click();
  await page.getByText("Your account is confirmed").waitFor();
  const users = await page.evaluate((id) => window.gureum.send("cognito-idp", "ListUsers", { UserPoolId: id }), poolId);
  assert.equal(users.Users[0].UserStatus, "CONFIRMED");

  const signIn = page.getByRole("form", { name: "Sign in" });
  await signIn.getByLabel("Username").fill("alice");
  await signIn.getByLabel("Password").fill(PASSWORD);
  await signIn.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Signed in as alice").waitFor();
  const timing = await page.locator(".srp-timing").getAttribute("data-total-ms");
  assert.ok(Number(timing) > 0, timing);
  const id = page.getByLabel("ID token", { exact: true });
  await id.locator(".sig-ok").waitFor();
  assert.match(await id.innerText(), /cognito:username\s+alice/);
  assert.match(await id.innerText(), /token_use\s+id/);
  await page.getByLabel("Access token", { exact: true }).locator(".sig-ok").waitFor();
  await snap("auth-signed-in");

  await page.getByRole("button", { name: "Refresh tokens" }).click();
  await page.getByText("New ID and access tokens, from the refresh token.").waitFor();
});

test("the login flows: each call as a sequence diagram, a click shows its JSON", async () => {
  await page.getByRole("tab", { name: "Login flows" }).click();
  const signUp = page.getByRole("figure", { name: "Flow: Sign-up → code → confirm: alice" });
  await signUp.waitFor();
  await signUp.getByRole("button", { name: /code by email to/ }).waitFor();
  const srp = page.getByRole("figure", { name: "Flow: Sign-in with SRP: alice" });
  await srp.getByRole("button", { name: /PASSWORD_VERIFIER$/ }).click();
  const detail = srp.locator(".msg-detail");
  assert.match(await detail.innerText(), /SRP_B/);
  assert.match(await detail.innerText(), /SECRET_BLOCK/);
  // The password never travels in the SRP flow: not in InitiateAuth, not in RespondToAuthChallenge.
  assert.ok(!(await detail.innerText()).includes(PASSWORD));
  await srp.getByRole("button", { name: /ID, access and refresh tokens/ }).click();
  await srp.locator(".msg-detail .sig-ok").first().waitFor();
  assert.match(await detail.innerText(), /PASSWORD_CLAIM_SIGNATURE/);
  assert.ok(!(await detail.innerText()).includes(PASSWORD));
  await page.getByRole("figure", { name: "Flow: Refresh: alice" }).waitFor();
  await snap("auth-flows");
});

test("an API behind a Cognito authorizer: 200 with the ID token, 401 without", async () => {
  await page.getByRole("button", { name: "Create the sample API" }).click();
  const targets = page.getByRole("table", { name: "Protected methods" });
  await targets.getByText("GET /hello").waitFor();
  await targets.getByRole("button", { name: "Call with the ID token" }).click();
  const ok = page.getByRole("figure", { name: "Flow: API Gateway with a Cognito authorizer: GET /hello (alice's ID token)" });
  await ok.getByRole("button", { name: /HTTP 200/ }).waitFor();
  await ok.getByRole("button", { name: /verify the ID token/ }).waitFor();
  await ok.getByRole("button", { name: /valid: the claims/ }).waitFor();
  assert.match(await ok.getByRole("button", { name: /HTTP 200/ }).textContent(), /Hello, alice/);
  await targets.getByRole("button", { name: "Call without a token" }).click();
  const no = page.getByRole("figure", { name: "Flow: API Gateway with a Cognito authorizer: GET /hello (no token)" });
  await no.getByRole("button", { name: /HTTP 401/ }).waitFor();
  await no.getByRole("button", { name: /HTTP 401/ }).click();
  assert.match(await no.locator(".msg-detail").innerText(), /Unauthorized/);
  await snap("auth-api");
});

test("users and groups", async () => {
  await page.getByRole("tab", { name: "Users" }).click();
  const users = page.getByRole("table", { name: "Users" });
  await users.getByText("CONFIRMED").waitFor();
  await page.getByRole("tab", { name: "Groups" }).click();
  const g = page.getByRole("form", { name: "Create group" });
  await g.getByLabel("Group name").fill("admins");
  await g.getByRole("button", { name: "Create group" }).click();
  await page.getByRole("table", { name: "Groups" }).getByText("admins").waitFor();
  await page.getByRole("tab", { name: "Users" }).click();
  await users.getByRole("button", { name: "alice", exact: true }).click();
  await page.getByRole("button", { name: "Add to group" }).click();
  await page.getByRole("button", { name: "Remove alice from admins" }).waitFor();
  await snap("auth-users");
  const groups = await page.evaluate((id) => window.gureum.send("cognito-idp", "AdminListGroupsForUser", { UserPoolId: id, Username: "alice" }), poolId);
  assert.deepEqual(groups.Groups.map((x) => x.GroupName), ["admins"]);
});

test("no uncaught page errors", () => {
  assert.deepEqual(app.errors, []);
});
