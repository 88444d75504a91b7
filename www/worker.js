// Loads the engine's Web Worker (built by trunk as gureum-worker.js + gureum-worker_bg.wasm).
// Paths resolve against this file's URL, so the site works from any sub-path.
importScripts("./gureum-worker.js");
wasm_bindgen({ module_or_path: "./gureum-worker_bg.wasm" }).catch(function (e) {
  postMessage(JSON.stringify({ event: "status", storage: "none", reason: "the engine failed to load: " + e }));
});
