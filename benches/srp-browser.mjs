// A full SRP sign-in in Chromium, through the Auth panel's sign-in page: SRP_A and the session
// key computed in the page (the UI's wasm), InitiateAuth and RespondToAuthChallenge answered by
// the engine in its worker (with the two RS256 signatures), the answer shown. The page times
// each part (performance.now); the benchmark also times the click to "Signed in". One warm-up
// sign-in (it builds the SRP group), then `--runs` (20) timed ones; p50 and p95; for the private
// value a as amazon-cognito-identity-js draws it (128 bytes) and as a 256-bit exponent (32 bytes).
// Needs `trunk build --release` first.
//   node benches/srp-browser.mjs [--runs 20]
import { serveDist, launch, openApp } from "../tests/e2e/lib.mjs";

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const runs = Number(arg("--runs", "20"));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };

const srv = await serveDist("/");
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await openApp(page, srv.url);
  const pool = await page.evaluate(async () => {
    const g = window.gureum;
    const p = (await g.send("cognito-idp", "CreateUserPool", { PoolName: "bench" })).UserPool.Id;
    await g.send("cognito-idp", "CreateUserPoolClient", { UserPoolId: p, ClientName: "web", ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] });
    await g.send("cognito-idp", "AdminCreateUser", { UserPoolId: p, Username: "bench", MessageAction: "SUPPRESS" });
    await g.send("cognito-idp", "AdminSetUserPassword", { UserPoolId: p, Username: "bench", Password: "Bench-Passw0rd", Permanent: true });
    return p;
  });
  await page.goto(srv.url + `#/auth/${pool}/signin`);
  for (const size of ["128", "32"]) {
    await page.getByLabel("SRP secret size").selectOption(size);
    const rows = [];
    for (let i = 0; i <= runs; i++) {
      const form = page.getByRole("form", { name: "Sign in" });
      await form.getByLabel("Username").fill("bench");
      await form.getByLabel("Password").fill("Bench-Passw0rd");
      const t = Date.now();
      await form.getByRole("button", { name: "Sign in" }).click();
      const timing = page.locator(".srp-timing");
      await timing.waitFor();
      const wall = Date.now() - t;
      const a = async (k) => Number(await timing.getAttribute(`data-${k}-ms`));
      rows.push({ total: await a("total"), a: await a("a"), key: await a("key"), initiate: await a("initiate"), respond: await a("respond"), wall });
      await page.getByRole("button", { name: "Sign out" }).click();
    }
    const [first, ...timed] = rows;
    const line = (k) => `  ${k.padEnd(9)} p50 ${pct(timed.map((r) => r[k]), 50).toFixed(1).padStart(6)} ms   p95 ${pct(timed.map((r) => r[k]), 95).toFixed(1).padStart(6)} ms`;
    console.log(`SRP sign-in in Chromium through the sign-in page, a = ${size} random bytes, ${timed.length} runs after one warm-up (first: ${first.total.toFixed(1)} ms):`);
    console.log(line("total") + "   (SRP_A + InitiateAuth + session key + RespondToAuthChallenge, timed in the page)");
    console.log(line("a") + "   (SRP_A = g^a mod N, in the page)");
    console.log(line("initiate") + "   (InitiateAuth round trip to the worker: B = k·v + g^b)");
    console.log(line("key") + "   (session key and signature, in the page)");
    console.log(line("respond") + "   (RespondToAuthChallenge round trip: S, the check, two RS256 signatures, the commit)");
    console.log(line("wall") + "   (click to the signed-in view, measured by the benchmark)");
  }
} finally {
  await browser.close();
  await srv.close();
}
