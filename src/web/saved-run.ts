// The demo's unfinished run, kept in IndexedDB so that it survives a reload or a closed tab:
// the data it trains on (written once per run) and its latest checkpoint (written as it comes).
import type { DataSource, RunCheckpoint } from "./protocol.js";

export interface SavedRun {
  data: DataSource;
  checkpoint: RunCheckpoint;
}

function store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("ael-wasm-demo", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("run");
    open.onsuccess = () => resolve(open.result.transaction("run", mode).objectStore("run"));
    open.onerror = () => reject(open.error);
  });
}

function committed(t: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error);
  });
}

/** A new run: its data, and no checkpoint yet. */
export async function startRun(data: DataSource): Promise<void> {
  const s = await store("readwrite");
  s.delete("checkpoint");
  s.put(data, "data");
  await committed(s.transaction);
}

export async function keepCheckpoint(checkpoint: RunCheckpoint): Promise<void> {
  const s = await store("readwrite");
  s.put(checkpoint, "checkpoint");
  await committed(s.transaction);
}

/** The unfinished run, if one has a checkpoint. */
export async function savedRun(): Promise<SavedRun | undefined> {
  const s = await store("readonly");
  const data = s.get("data"), checkpoint = s.get("checkpoint");
  await committed(s.transaction);
  return data.result && checkpoint.result ? { data: data.result, checkpoint: checkpoint.result } : undefined;
}

export async function forgetRun(): Promise<void> {
  const s = await store("readwrite");
  s.clear();
  await committed(s.transaction);
}
