// Starting pool threads in Node. Browser bundles swap in spawn.browser.ts.
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import type { SpawnWorker } from "./pool.js";

export const defaultThreads = (): number => availableParallelism();

export const spawnWorker: SpawnWorker = (data, onError) => {
  const w = new Worker(new URL("./pool-worker.js", import.meta.url), { workerData: data });
  w.on("error", onError);
  w.unref(); // an idle pool never keeps the process alive
  return w;
};
