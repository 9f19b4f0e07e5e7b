// Starting pool threads in a browser: Web Workers, which may share memory only when the page
// is cross-origin isolated. A worker can have its page start them instead (spawnPoolWorkersWith):
// Firefox's Worker constructor, called in a worker, has been seen never to return (4 of 140
// starts, Firefox ESR 153), where called on the page it did every time (240 of 240).
import type { PoolWorkerData, SpawnWorker, WorkerLike } from "./pool.js";

export function defaultThreads(): number {
  if (globalThis.crossOriginIsolated) return navigator.hardwareConcurrency || 1;
  console.warn("ael-wasm: this page is not cross-origin isolated, so training uses 1 thread (serve it with COOP/COEP headers for more)");
  return 1;
}

/** The pool-worker script next to this bundle. */
export const poolWorkerUrl = (): string => new URL("./pool-worker.browser.js", import.meta.url).href;

/** Start a pool thread from the script at url, here. */
export function startPoolWorker(url: string, data: PoolWorkerData, onError: (e: Error) => void): WorkerLike {
  const w = new Worker(url, { type: "module" });
  w.onerror = (e) => onError(new Error(e.message || "the pool worker script failed to load"));
  w.postMessage(data);
  return w;
}

let spawn: SpawnWorker = (data, onError) => startPoolWorker(poolWorkerUrl(), data, onError);

export const spawnWorker: SpawnWorker = (data, onError) => spawn(data, onError);

/** Start pool threads another way from now on (a worker: by asking its page). */
export function spawnPoolWorkersWith(s: SpawnWorker): void {
  spawn = s;
}
