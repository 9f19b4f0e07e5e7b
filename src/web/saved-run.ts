// The demo's unfinished run, kept in IndexedDB so that it survives a reload or a closed tab:
// the data it trains on and its latest checkpoint.
import type { DataSource, RunCheckpoint } from "./protocol.js";

export interface SavedRun {
  data: DataSource;
  checkpoint: RunCheckpoint;
}

const KEY = "last";

function store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("ael-wasm-demo", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("runs");
    open.onsuccess = () => resolve(open.result.transaction("runs", mode).objectStore("runs"));
    open.onerror = () => reject(open.error);
  });
}

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    // a write counts once its transaction has committed, not when the request succeeds
    req.transaction!.oncomplete = () => resolve(req.result);
    req.transaction!.onerror = () => reject(req.transaction!.error);
  });
}

export async function saveRun(run: SavedRun): Promise<void> {
  await done((await store("readwrite")).put(run, KEY));
}

export async function savedRun(): Promise<SavedRun | undefined> {
  return done((await store("readonly")).get(KEY));
}

export async function forgetRun(): Promise<void> {
  await done((await store("readwrite")).delete(KEY));
}
