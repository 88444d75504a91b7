// The scenario gallery: open #/scenarios, load every scenario by clicking its card's Load button,
// check the panel it lands on shows the resource it built, and screenshot each
// (target/screenshots/scenario-{id}.png).
import { test } from "node:test";
import assert from "node:assert/strict";
import { appSession, shot } from "./lib.mjs";

let page;
const app = appSession((p) => (page = p), { height: 900 });

// What the panel each scenario opens must show, by scenario id: a text in the panel, and the
// table tab that must be selected (for #/tables/{name}/{tab} routes).
const EXPECT = {
  "scores": { text: "Scores", tab: "Query / Scan" },
  "capacity": { text: "OrdersProvisioned", tab: "Capacity" },
  "dax": { text: "products-cache" },
  "welcome-email": { text: "Users", tab: "Items" },
  "sessions-ttl": { text: "ExpTime", tab: "Time to Live" },
  "global-table": { text: "ap-northeast-2", tab: "Global" },
  "pitr-restore": { text: "Accounts", tab: "Backups" },
  // The export folders are a <select>: the one chosen is in the scenario's bucket.
  "export-athena": { text: "Run query", select: ["Export", "s3://gureum-exports-us-east-1/AWSDynamoDB/"] },
  "import-s3": { text: "/aws-dynamodb/imports" },
  "crud-api": { text: "/items" },
  "kinesis-firehose": { text: "/clicks" },
  "usage-plan": { text: "Basic" },
  "order-approval": { text: "OrderApproval" },
  "cognito-api": { text: "GureumUsers" },
  "identity-pool": { text: "UserNotes", tab: "Items" },
};

test("the gallery loads every scenario and opens its panel", async () => {
  await page.goto(app.url + "#/scenarios");
  const cards = page.locator("article.scenario");
  await cards.first().waitFor();
  const ids = await cards.evaluateAll((els) => els.map((e) => e.dataset.scenario));
  assert.deepEqual(ids, Object.keys(EXPECT));
  await shot(page, "scenario-gallery");

  for (const id of ids) {
    await page.goto(app.url + "#/scenarios");
    const card = page.locator(`article.scenario[data-scenario="${id}"]`);
    await card.getByRole("button", { name: "Load" }).click();
    await page.waitForFunction(() => !location.hash.startsWith("#/scenarios"), null, { timeout: 60000 });
    const { text, tab } = EXPECT[id];
    const main = page.locator("main.content");
    await main.locator(`:text("${text}"):visible`).first().waitFor({ timeout: 20000 });
    if (EXPECT[id].select) {
      const [label, prefix] = EXPECT[id].select;
      await page.waitForFunction(([label, prefix]) => document.querySelector(`select[aria-label="${label}"]`)?.value.startsWith(prefix), [label, prefix], { timeout: 20000 });
    }
    if (tab) await main.locator('[role="tab"][aria-selected="true"]', { hasText: tab }).waitFor({ timeout: 20000 });
    // The "try now" note is on screen until dismissed.
    await page.locator(".notice.tip").first().waitFor();
    await page.waitForTimeout(1500);
    await shot(page, `scenario-${id}`);
    for (const close of await page.locator(".notice.tip .notice-close").all()) await close.click().catch(() => {});
  }

  // Loading one again reuses what is there and says so.
  await page.goto(app.url + "#/scenarios");
  await page.locator('article.scenario[data-scenario="scores"]').getByRole("button", { name: "Load" }).click();
  await page.locator(".notice", { hasText: "Already there, reused" }).first().waitFor({ timeout: 20000 });
  assert.deepEqual(app.errors, []);
});
