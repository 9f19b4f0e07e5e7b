// Starting pool threads in a browser: Web Workers, which may share memory only when the page
// is cross-origin isolated.
import type { SpawnWorker } from "./pool.js";

export function defaultThreads(): number {
  if (globalThis.crossOriginIsolated) return navigator.hardwareConcurrency || 1;
  console.warn("ael-wasm: this page is not cross-origin isolated, so training uses 1 thread (serve it with COOP/COEP headers for more)");
  return 1;
}

export const spawnWorker: SpawnWorker = (data, onError) => {
  const w = new Worker(new URL("./pool-worker.browser.js", import.meta.url), { type: "module" });
  w.onerror = (e) => onError(new Error(e.message || "the pool worker script failed to load"));
  w.postMessage(data);
  return w;
};
