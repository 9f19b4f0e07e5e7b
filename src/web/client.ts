// A page's handle on the training worker: promises for training and recommendations, progress
// callbacks, cancellation. The worker script is build/worker.js (next to this bundle) unless
// another URL is given.
import type { ProgressEvent } from "../train/trainer.js";
import type { RecommendAllOptions, RecommendationTable, RecommendQuery } from "../recommender.js";
import type { DataSource, FromWorker, RunCheckpoint, ToWorker, TrainSummary, WorkerTrainOptions } from "./protocol.js";
import type { ProfileOptions, ProfileReport } from "../profile/profile.js";
import type { PoolWorkerData, WorkerLike } from "../../bindings/pool.js";
import { startPoolWorker } from "../../bindings/spawn.browser.js";

export type { DataSource, RunCheckpoint, TrainSummary, WorkerTrainOptions };

/** A request without its id (distributed over the message union). */
type Request = ToWorker extends infer T ? (T extends { id: number } ? Omit<T, "id"> : never) : never;

export class TrainingWorker {
  private readonly worker: Worker;
  private next = 1;
  private readonly poolWorkers = new Map<number, WorkerLike>();
  private readonly pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void; onProgress?: (e: ProgressEvent) => void; onCheckpoint?: (c: RunCheckpoint) => void }>();

  constructor(url: string | URL = new URL("./worker.js", import.meta.url)) {
    this.worker = new Worker(url, { type: "module" });
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      if (m.type === "spawn-pool") return this.startPoolWorker(m.worker, m.url, m.data);
      if (m.type === "terminate-pool") return this.stopPoolWorker(m.worker);
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === "progress") return p.onProgress?.(m.event);
      if (m.type === "checkpoint") return p.onCheckpoint?.(m.checkpoint);
      this.pending.delete(m.id);
      if (m.type === "error") {
        const e = new Error(m.message);
        e.name = m.name;
        p.reject(e);
      } else p.resolve((m.type === "done" ? m.summary : m.type === "model" ? m.bytes : m.type === "table" ? m.table : m.type === "profile" ? m.report : { items: m.items, scores: m.scores }) as never);
    };
    this.worker.onerror = (ev) => {
      for (const p of this.pending.values()) p.reject(new Error(`training worker failed: ${ev.message}`));
      this.pending.clear();
    };
    this.worker.postMessage({ type: "host-pool" } as ToWorker);
  }

  private call<T>(msg: Request, onProgress?: (e: ProgressEvent) => void, onCheckpoint?: (c: RunCheckpoint) => void): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject, onProgress, onCheckpoint });
      this.worker.postMessage({ ...msg, id } as ToWorker);
    });
  }

  /**
   * Train on the data. With options.checkpointEvery, onCheckpoint receives the unfinished run
   * every so many epochs (keep the bytes, e.g. in IndexedDB); options.resume set to such bytes
   * continues that run, with the same data, to the weights an uninterrupted run gives.
   */
  train(data: DataSource, options: WorkerTrainOptions = {}, onProgress?: (e: ProgressEvent) => void, onCheckpoint?: (c: RunCheckpoint) => void): Promise<TrainSummary> {
    return this.call<TrainSummary>({ type: "train", data, options }, onProgress, onCheckpoint);
  }

  /** Stop the running training between epochs; its promise rejects with an AbortError. */
  cancel(): void {
    this.worker.postMessage({ type: "cancel" } as ToWorker);
  }

  recommend(who: RecommendQuery, k = 20, variant?: string): Promise<{ items: number[]; scores: number[] }> {
    return this.call({ type: "recommend", who, k, variant });
  }

  /** Every user's (or the given users') top k, as Recommender.recommendAll gives it. */
  recommendAll(k = 20, variant?: string, options: RecommendAllOptions = {}): Promise<RecommendationTable> {
    return this.call({ type: "recommendAll", k, variant, options });
  }

  /**
   * The model trained last as the bytes of a model.safetensors checkpoint (weights, training rows
   * and manifest): Recommender.fromSafetensors serves it anywhere, and in Node a directory
   * holding it is a --model DIR for the CLI.
   */
  model(): Promise<Uint8Array<ArrayBuffer>> {
    return this.call({ type: "model" });
  }

  /**
   * Profile the kernels on a short training (profileTraining) in the worker, on a core of its own:
   * every kernel's calls, time, share and pace beside this device's ceilings. The worker runs
   * one training or profile at a time (the two would share its thread, and the profile would
   * time both): asked for another meanwhile, it refuses it, saying which one runs.
   */
  profile(data: DataSource, options: ProfileOptions = {}): Promise<ProfileReport> {
    return this.call({ type: "profile", data, options });
  }

  terminate(): void {
    this.worker.terminate();
    for (const w of this.poolWorkers.keys()) this.stopPoolWorker(w);
  }

  // The worker's pool threads start here, on the page: a worker started by another worker can
  // hang its parent in Firefox (bindings/spawn.browser.ts).
  private startPoolWorker(worker: number, url: string, data: PoolWorkerData): void {
    const onError = (e: Error) => this.worker.postMessage({ type: "pool-error", worker, message: e.message } as ToWorker);
    this.poolWorkers.set(worker, startPoolWorker(url, data, onError));
  }

  private stopPoolWorker(worker: number): void {
    this.poolWorkers.get(worker)?.terminate();
    this.poolWorkers.delete(worker);
  }
}
