// The UI's language (English / 한국어, remembered across reloads) and sandbox sharing: a share
// link opened in another browser (its own profile, its own IndexedDB) brings the same tables.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { serveDist, startBrowser, newProfile, openApp, eventually, shot, SHOTS } from "./lib.mjs";

const srv = await serveDist("/demo/");
after(() => srv.close());
const browsers = [];
after(() => Promise.all(browsers.map((b) => b.close())));
async function page() {
  const b = await startBrowser(await newProfile());
  browsers.push(b);
  const p = await b.context.newPage();
  await p.setViewportSize({ width: 1280, height: 900 });
  return p;
}

test("the language switch translates the shell, is remembered, and switches back", async () => {
  await mkdir(SHOTS, { recursive: true });
  const p = await page();
  await openApp(p, srv.url);
  const nav = p.getByRole("navigation");
  await nav.getByRole("link", { name: "Tables" }).waitFor();
  await p.getByRole("combobox", { name: "Language" }).selectOption("ko");
  await nav.getByRole("link", { name: "테이블" }).waitFor();
  await p.getByRole("heading", { name: "Gureum에 오신 것을 환영합니다" }).waitFor();
  assert.equal(await p.evaluate(() => document.documentElement.lang), "ko");
  await shot(p, "home-ko");

  await p.reload();
  await nav.getByRole("link", { name: "테이블" }).waitFor();
  await p.getByRole("button", { name: "+1시간" }).waitFor();
  await p.getByRole("combobox", { name: "언어" }).selectOption("en");
  await nav.getByRole("link", { name: "Tables" }).waitFor();
  assert.equal(await p.evaluate(() => document.documentElement.lang), "en");
});

test("a share link carries the sandbox into another browser, after asking", async () => {
  const a = await page();
  await openApp(a, srv.url);
  await a.evaluate(async () => {
    await window.gureum.send("dynamodb", "CreateTable", { TableName: "Scores", AttributeDefinitions: [{ AttributeName: "User", AttributeType: "S" }], KeySchema: [{ AttributeName: "User", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" });
    await window.gureum.sim("AdvanceClock", { seconds: 5 });
    await window.gureum.send("dynamodb", "PutItem", { TableName: "Scores", Item: { User: { S: "mina" }, Score: { N: "42" } } });
  });
  await a.getByRole("button", { name: "Copy share link" }).click();
  const field = a.getByRole("textbox", { name: "Share link" });
  await field.waitFor();
  const link = await field.inputValue();
  assert.match(link, /\/demo\/#share=[A-Za-z0-9_-]+$/);
  await shot(a, "share-link");

  const b = await page();
  let asked = null;
  b.on("dialog", (d) => { asked = d.message(); d.accept(); });
  await openApp(b, link);
  const item = await eventually(b, async () => {
    try { return (await window.gureum.send("dynamodb", "GetItem", { TableName: "Scores", Key: { User: { S: "mina" } } })).Item; } catch { return null; }
  });
  assert.equal(item.Score.N, "42");
  assert.match(asked, /Open the shared sandbox\?/);
  assert.match(b.url(), /\/demo\/#\/$/, "the link's data leaves the address bar");
  await b.getByText("The shared sandbox is loaded.").waitFor();

  // A damaged link says so and changes nothing.
  await b.goto(srv.url + "#share=AAAA");
  await b.getByText(/The share link is damaged/).waitFor();
  const still = await b.evaluate(() => window.gureum.send("dynamodb", "ListTables", {}));
  assert.deepEqual(still.TableNames, ["Scores"]);
});
