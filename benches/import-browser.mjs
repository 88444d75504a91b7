// ImportTable of a 100,000-line CSV (~10 MB) in the browser, end to end: the object put to S3
// through the page API (window.gureum.send), ImportTable, then the simulated clock left running
// at real-time rate while the worker's timers read it step by step (and IndexedDB commits
// them); the wall time until DescribeImport says COMPLETED. Plain and gzip (the gzip object
// made with node's zlib). Also the longest gap between animation frames on the page's main
// thread while the import runs: the UI must not freeze. Needs `trunk build --release` first
// (or GUREUM_DIST=path/to/dist).
//   node benches/import-browser.mjs [--rows 100000]
import { gzipSync } from "node:zlib";
import { serveDist, launch, openApp } from "../tests/e2e/lib.mjs";

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const rows = Number(arg("--rows", "100000"));

function csv(n) {
  const lines = ["pk,sk,name,email,city,score,note"];
  for (let i = 0; i < n; i++) lines.push(`user#${String(i).padStart(8, "0")},${i % 1000},Name ${i},user${i}@example.com,City ${i % 97},${(i * 7919) % 10000},imported row of the benchmark data`);
  return Buffer.from(lines.join("\n") + "\n");
}

const srv = await serveDist("/");
const browser = await launch();
try {
  const page = await browser.newPage();
  await openApp(page, srv.url);
  const text = csv(rows);
  for (const gzip of [false, true]) {
    const body = gzip ? gzipSync(text) : text;
    const table = gzip ? "ImportedGzip" : "Imported";
    const out = await page.evaluate(async ([b64, table, gzip]) => {
      const g = window.gureum;
      await g.send("s3", "CreateBucket", { Bucket: "bench-" + table.toLowerCase() });
      let t = performance.now();
      await g.send("s3", "PutObject", { Bucket: "bench-" + table.toLowerCase(), Key: "in/rows.csv", Body: b64 });
      const putMs = performance.now() - t;
      t = performance.now();
      const started = await g.send("dynamodb", "ImportTable", {
        ClientToken: "bench-" + table,
        S3BucketSource: { S3Bucket: "bench-" + table.toLowerCase(), S3KeyPrefix: "in/" },
        InputFormat: "CSV",
        InputCompressionType: gzip ? "GZIP" : "NONE",
        TableCreationParameters: { TableName: table, AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }], BillingMode: "PAY_PER_REQUEST" },
      });
      const arn = started.ImportTableDescription.ImportArn;
      // The page's own responsiveness meanwhile: the longest gap between animation frames on
      // the main thread (the engine works in the worker; a frozen UI would show here).
      let frames = 0, longestFrameGap = 0, running = true, last = performance.now();
      const frame = (now) => { longestFrameGap = Math.max(longestFrameGap, now - last); last = now; frames++; if (running) requestAnimationFrame(frame); };
      requestAnimationFrame(frame);
      let d, polls = 0, slowestPoll = 0;
      for (;;) {
        const p = performance.now();
        d = (await g.send("dynamodb", "DescribeImport", { ImportArn: arn })).ImportTableDescription;
        slowestPoll = Math.max(slowestPoll, performance.now() - p);
        polls++;
        if (d.ImportStatus !== "IN_PROGRESS") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const importMs = performance.now() - t;
      running = false;
      const count = (await g.send("dynamodb", "DescribeTable", { TableName: table })).Table.ItemCount;
      return { putMs, importMs, status: d.ImportStatus, imported: d.ImportedItemCount, count, virtualMs: (d.EndTime - d.StartTime) * 1000, polls, slowestPoll, frames, longestFrameGap };
    }, [body.toString("base64"), table, gzip]);
    console.log(`${rows} CSV lines (${(text.length / 1e6).toFixed(1)} MB${gzip ? ", gzip " + (body.length / 1e6).toFixed(1) + " MB" : ""}) in the browser: PutObject ${out.putMs.toFixed(0)} ms; ImportTable to ${out.status} ${out.importMs.toFixed(0)} ms wall (${out.virtualMs.toFixed(0)} ms simulated, 0.2 s of it the start delay); ${out.imported} imported, table ItemCount ${out.count}; ${out.polls} DescribeImport polls, slowest ${out.slowestPoll.toFixed(0)} ms (the page waits at most that long behind a step); main thread: ${out.frames} frames, longest gap between frames ${out.longestFrameGap.toFixed(0)} ms`);
  }
} finally {
  await browser.close();
  await srv.close();
}
