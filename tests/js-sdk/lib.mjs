// Runs `gureum serve` as a child process for the AWS SDK for JavaScript v3 tests, as
// tests/sdk/conftest.py does for boto3. The binary is $GUREUM_BIN (default:
// ROOT/target/debug/gureum). Every server listens on a free port (--port 0; the URL is read from
// the line it prints on start) and keeps its sandbox in a fresh temporary --data directory.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, waitUntilTableExists, waitUntilTableNotExists } from "@aws-sdk/client-dynamodb";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const GUREUM_BIN = process.env.GUREUM_BIN || join(ROOT, "target", "debug", "gureum");
const URL_LINE = /Gureum is serving AWS APIs at (http:\/\/\S+) \(/;
const START_TIMEOUT_MS = 20000;

/**
 * Starts `gureum serve --port 0 --data <tmpdir>`; resolves to { url, proc, dataDir, stop() }.
 * When `t` (a node:test context) is given, the server is stopped and its directory removed
 * after the test.
 */
export async function startServer(t) {
  if (!existsSync(GUREUM_BIN)) {
    throw new Error(`${GUREUM_BIN} does not exist: run \`cargo build -p gureum-server\` or set GUREUM_BIN`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), "gureum-js-sdk-"));
  const proc = spawn(GUREUM_BIN, ["serve", "--port", "0", "--data", dataDir], { stdio: ["ignore", "pipe", "pipe"] });
  // Never leave a server behind, even when the test process ends abruptly.
  const killOnExit = () => proc.kill("SIGKILL");
  process.once("exit", killOnExit);
  proc.once("exit", () => process.off("exit", killOnExit));
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr += d; });
  const url = await new Promise((res, rej) => {
    let out = "";
    const timer = setTimeout(() => fail(`no start line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    function fail(why) {
      clearTimeout(timer);
      proc.kill("SIGKILL");
      rej(new Error(`gureum serve did not start: ${why}\nstdout: ${out}\nstderr: ${stderr}`));
    }
    proc.on("exit", (code) => fail(`exited with ${code} before printing its URL`));
    proc.on("error", (e) => fail(String(e)));
    proc.stdout.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      proc.removeAllListeners("exit");
      const m = URL_LINE.exec(out.slice(0, nl));
      if (m) res(m[1]);
      else fail(`unexpected start line ${JSON.stringify(out.slice(0, nl))}`);
    });
  });
  // Keep draining stdout so the server never blocks on a full pipe.
  proc.stdout.resume();
  const server = {
    url, proc, dataDir,
    get stderr() { return stderr; },
    /** SIGTERM, then waits for the exit; removes the data directory. */
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 10000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  if (t) t.after(() => server.stop());
  return server;
}

/** A DynamoDB client for `url`: us-east-1, credentials test/test, one attempt (no retries). */
export function client(url, extra = {}) {
  return new DynamoDBClient({
    region: "us-east-1",
    endpoint: url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    ...extra,
  });
}

/** Starts a server for the test `t` and returns { server, ddb } with the client destroyed after it. */
export async function setup(t) {
  const server = await startServer(t);
  const ddb = client(server.url);
  t.after(() => ddb.destroy());
  return { server, ddb };
}

// Tables spend one second of virtual time CREATING/DELETING: poll every 0.2-0.5 s, not every 20 s.
export const FAST_WAIT = { minDelay: 0.2, maxDelay: 0.5, maxWaitTime: 20 };

export function waitExists(ddb, TableName) {
  return waitUntilTableExists({ client: ddb, ...FAST_WAIT }, { TableName });
}

export function waitNotExists(ddb, TableName) {
  return waitUntilTableNotExists({ client: ddb, ...FAST_WAIT }, { TableName });
}

/** Runs `fn`, which must throw; returns the error. */
export async function rejected(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
