// A small static server for dist/ (trunk's output), optionally under a sub-path, with the MIME
// types a wasm site needs. Used by scripts/serve, the end-to-end tests and the benchmarks.
//   node scripts/static-server.mjs [--dir dist] [--port 8080] [--prefix /gureum/]
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { join, extname, resolve } from "node:path";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".css": "text/css", ".json": "application/json", ".png": "image/png", ".svg": "image/svg+xml", ".ico": "image/x-icon" };

/** Serves `dir` at `prefix` on `port` (0: any free port); resolves to { url, close }. */
export async function serve(dir, { prefix = "/", port = 0, host = "127.0.0.1" } = {}) {
  const root = resolve(dir);
  if (!prefix.endsWith("/")) prefix += "/";
  const server = createServer(async (req, res) => {
    let path;
    try { path = decodeURIComponent(new URL(req.url, "http://x").pathname); } catch { res.writeHead(400); res.end(); return; }
    if (path === prefix.slice(0, -1)) { res.writeHead(301, { Location: prefix }); res.end(); return; }
    if (!path.startsWith(prefix)) { res.writeHead(404); res.end("not found"); return; }
    let file = join(root, path.slice(prefix.length));
    if (!file.startsWith(root)) { res.writeHead(403); res.end(); return; }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] || "application/octet-stream", "Cache-Control": "no-cache" });
      res.end(body);
    } catch { res.writeHead(404); res.end("not found"); }
  });
  await new Promise((ok, fail) => { server.once("error", fail); server.listen(port, host, ok); });
  const addr = server.address();
  return { url: `http://${host}:${addr.port}${prefix}`, close: () => new Promise((r) => server.close(r)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (n, d) => { const i = process.argv.indexOf(n); return i > 0 ? process.argv[i + 1] : d; };
  const s = await serve(arg("--dir", "dist"), { prefix: arg("--prefix", "/"), port: Number(arg("--port", 8080)), host: arg("--host", "127.0.0.1") });
  console.log(`Gureum is served at ${s.url}  (Ctrl-C to stop)`);
}
