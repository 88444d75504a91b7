// Shared helpers for the end-to-end tests and browser benchmarks: a static server for dist/
// (optionally under a sub-path), Chromium launched the way this machine needs, and one app per
// test file (appSession) with its screenshots (shot).
import { mkdir, mkdtemp } from "node:fs/promises";
import { before, after } from "node:test";
import { serve } from "../../scripts/static-server.mjs";
import { spawn } from "node:child_process";
import { join, resolve, dirname } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DIST = process.env.GUREUM_DIST || join(ROOT, "dist");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const SHOTS = join(ROOT, "target", "screenshots");

/** Serves DIST at `prefix` (e.g. "/" or "/gureum/"); resolves to { url, close }. */
export function serveDist(prefix = "/") {
  return serve(DIST, { prefix });
}

export const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"];

export async function newProfile() {
  return mkdtemp(join(tmpdir(), "gureum-profile-"));
}

/**
 * Starts Chromium as its own process group on `profile`, connected over CDP, so a test can
 * kill -9 the whole browser the way a crash would.
 */
export async function startBrowser(profile) {
  const proc = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
  const ws = await new Promise((res, rej) => {
    let buf = "";
    const timer = setTimeout(() => rej(new Error("Chromium did not start: " + buf)), 30000);
    proc.stderr.on("data", (d) => {
      buf += d;
      const m = buf.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(timer); res(m[1]); }
    });
    proc.on("exit", (c) => rej(new Error("Chromium exited " + c + ": " + buf)));
  });
  const browser = await chromium.connectOverCDP(ws);
  const context = browser.contexts()[0];
  return {
    browser, context, proc,
    kill9() { try { process.kill(-proc.pid, "SIGKILL"); } catch {} return new Promise((r) => (proc.exitCode !== null ? r() : proc.once("exit", r))); },
    async close() { try { await browser.close(); } catch {} try { process.kill(-proc.pid, "SIGTERM"); } catch {} },
  };
}

/** A throwaway browser (no kill tests): playwright's own launch. */
export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS.filter((f) => f !== "--headless"), headless: true });
}

/** Opens the app and waits until the engine worker is ready. */
export async function openApp(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.gureum && window.gureum.status() && window.gureum.status().event === "ready", null, { timeout: 30000 });
}

/**
 * Evaluates the (possibly asynchronous) `fn` in the page until it returns a truthy value, and
 * returns that value. `page.waitForFunction` does not await a predicate's promise, so predicates
 * that call the engine (`window.gureum.send`, `sim`) poll through this instead.
 */
export async function eventually(page, fn, arg = null, { timeout = 15000, interval = 250 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(fn, arg);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`eventually: still falsy after ${timeout} ms: ${fn}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * One app for a test file: node:test's `before` serves dist/, starts Chromium on a fresh profile
 * and opens the app in a 1280 × `height` page, which it hands to `ready`; `after` closes both. The
 * handle's `url` is set once `before` has run; `errors` collects the page's uncaught errors.
 */
export function appSession(ready, { height = 900 } = {}) {
  const app = { url: null, errors: [] };
  let srv, b;
  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    srv = await serveDist("/");
    b = await startBrowser(await newProfile());
    const page = await b.context.newPage();
    await page.setViewportSize({ width: 1280, height });
    page.on("pageerror", (e) => app.errors.push(e.message));
    app.url = srv.url;
    await openApp(page, srv.url);
    ready(page);
  });
  after(async () => { await b?.close(); await srv?.close(); });
  return app;
}

/** A full-page screenshot `name`.png in SHOTS, info notes (they fade after 5 s) dismissed first so they do not cover the panel. */
export async function shot(page, name) {
  for (const close of await page.locator(".notice.info .notice-close").all()) await close.click().catch(() => {});
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}
