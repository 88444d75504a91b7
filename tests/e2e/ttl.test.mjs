// Time to Live in the UI: enable TTL in the table's tab, put sessions expiring soon, watch the
// countdown, jump the simulated clock: expired-but-not-deleted first, then gone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, SHOTS } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 860 });
const errors = app.errors;

const send = (op, input) => page.evaluate(([op, input]) => window.gureum.send("dynamodb", op, input), [op, input]);
const sim = (op, input) => page.evaluate(([op, input]) => window.gureum.sim(op, input), [op, input]);

test("enable TTL, watch a session expire, jump the clock, it is gone", async () => {
  await send("CreateTable", {
    TableName: "Sessions", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "SessionId", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "SessionId", KeyType: "HASH" }],
  });
  // Stop the clock so the countdowns below are exact.
  await sim("PauseClock", {});
  await sim("AdvanceClock", { seconds: 2 });
  // ...on a whole second, so "now + 2 h" counts down from exactly 2 h.
  const ms = (await sim("GetClock", {})).now % 1000;
  if (ms) await sim("AdvanceClock", { seconds: (1000 - ms) / 1000 });
  await page.goto(page.url().replace(/#.*$/, "") + "#/tables/Sessions");

  await page.getByRole("tab", { name: "Time to Live" }).click();
  const panel = page.locator(".ttl-panel");
  await panel.locator(".badge", { hasText: "DISABLED" }).waitFor();
  await page.getByLabel("TTL attribute name").fill("ExpTime");
  await page.getByRole("button", { name: "Enable TTL" }).click();
  await panel.locator(".badge", { hasText: "ENABLING" }).waitFor();
  await page.screenshot({ path: `${SHOTS}/tables-ttl-enabling.png`, fullPage: true });
  await sim("AdvanceClock", { seconds: 5 });
  await panel.locator(".badge", { hasText: "ENABLED" }).waitFor();
  assert.match(await panel.innerText(), /on attribute\s+ExpTime/);
  await page.screenshot({ path: `${SHOTS}/tables-ttl-enabled.png`, fullPage: true });
  // A second change within the hour is refused with AWS's message.
  await page.getByRole("button", { name: "Disable TTL" }).click();
  await page.getByText("Time to live has been modified multiple times within a fixed interval").waitFor();

  const now = Math.floor((await sim("GetClock", {})).now / 1000);
  await send("PutItem", { TableName: "Sessions", Item: { SessionId: { S: "s-short" }, UserName: { S: "ana" }, ExpTime: { N: String(now + 2 * 3600) } } });
  await send("PutItem", { TableName: "Sessions", Item: { SessionId: { S: "s-long" }, UserName: { S: "bo" }, ExpTime: { N: String(now + 86400 * 3) } } });
  await send("PutItem", { TableName: "Sessions", Item: { SessionId: { S: "s-none" }, UserName: { S: "cy" } } });

  await page.getByRole("tab", { name: "Items" }).click();
  const grid = page.locator(".items-grid");
  const row = (id) => grid.locator("tbody tr", { hasText: id });
  await row("s-short").locator(".ttl-countdown", { hasText: "expires in 2 h 0 min" }).waitFor();
  assert.match(await row("s-long").innerText(), /expires in 3 d 0 h/);
  assert.equal(await row("s-none").locator(".ttl-countdown").count(), 0);
  await page.screenshot({ path: `${SHOTS}/tables-ttl-countdown.png`, fullPage: true });

  // Two hours and a minute on: expired, not yet deleted, still in the Scan.
  await sim("AdvanceClock", { seconds: 2 * 3600 + 60 });
  await row("s-short").locator(".ttl-countdown", { hasText: "expired 1 min 0 s ago — awaiting deletion" }).waitFor();
  assert.match(await row("s-short").getAttribute("class"), /expired/);
  await page.screenshot({ path: `${SHOTS}/tables-ttl-expired.png`, fullPage: true });

  // The clock bar's +1 h: the TTL process has run, the session is gone.
  await page.getByRole("button", { name: "+1 h" }).click();
  await row("s-short").waitFor({ state: "detached" });
  assert.equal(await grid.locator("tbody tr").count(), 2);
  await page.screenshot({ path: `${SHOTS}/tables-ttl-deleted.png`, fullPage: true });
  assert.deepEqual(errors, []);
});

test("the clock bar's timeline lists the next TTL deletion and jumps to it", async () => {
  // s-long (three days) is the one session left to expire.
  await page.getByRole("button", { name: /^Timeline \(\d+\+?\)$/ }).click();
  const pop = page.getByRole("dialog", { name: "Scheduled events" });
  const entry = pop.locator("li", { hasText: "TTL deletes items of Sessions that expired at least 5 minutes ago" });
  await entry.waitFor();
  assert.match(await entry.innerText(), /in 2 d 2[01] h/);
  await page.screenshot({ path: `${SHOTS}/clock-timeline.png` });
  await entry.getByRole("button", { name: "Jump" }).click();
  await pop.waitFor({ state: "detached" });
  const grid = page.locator(".items-grid");
  await grid.locator("tbody tr", { hasText: "s-long" }).waitFor({ state: "detached" });
  assert.equal(await grid.locator("tbody tr").count(), 1);
  assert.deepEqual(errors, []);
});
