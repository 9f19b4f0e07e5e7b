// The training Web Worker: trains off the page's thread, streams progress and checkpoints, can
// be cancelled or resumed, and answers recommendations (one user's, or every user's) from the
// model it trained last, or hands that model over; it also profiles the kernels on a short run.
import type { Recommender } from "../recommender.js";
import type { FromWorker, ToWorker } from "./protocol.js";
import { loadSource, trainSummary } from "./run.js";
import { profileTraining } from "../profile/profile.js";
import { poolWorkerUrl, spawnPoolWorkersWith } from "../../bindings/spawn.browser.js";
import type { SpawnWorker } from "../../bindings/pool.js";

let abort: AbortController | null = null;
let model: Recommender | null = null;
/** The training or profile running: one at a time, since both would share this thread (and a profile would time both). */
let job: "training" | "profiling" | null = null;
const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

// pool threads that the page starts for this worker, once it offers to (TrainingWorker does)
const poolErrors = new Map<number, (e: Error) => void>();
let nextPoolWorker = 1;
const spawnOnPage: SpawnWorker = (data, onError) => {
  const worker = nextPoolWorker++;
  poolErrors.set(worker, onError);
  post({ type: "spawn-pool", worker, url: poolWorkerUrl(), data });
  return {
    terminate: () => {
      poolErrors.delete(worker);
      post({ type: "terminate-pool", worker });
    },
  };
};

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === "cancel") {
    abort?.abort();
    return;
  }
  if (msg.type === "host-pool") {
    spawnPoolWorkersWith(spawnOnPage);
    return;
  }
  if (msg.type === "pool-error") {
    poolErrors.get(msg.worker)?.(new Error(msg.message));
    return;
  }
  const starts = msg.type === "train" || msg.type === "profile";
  if (starts && job) {
    post({ type: "error", id: msg.id, name: "Error", message: `the worker is ${job}: ${job === "training" ? "cancel it or " : ""}wait for it to finish first` });
    return;
  }
  try {
    if (msg.type === "train") {
      job = "training";
      abort = new AbortController();
      const { summary, recommender } = await trainSummary(msg.data, msg.options, {
        signal: abort.signal,
        onProgress: (event) => post({ type: "progress", id: msg.id, event }),
        onCheckpoint: (checkpoint) => post({ type: "checkpoint", id: msg.id, checkpoint }, [checkpoint.bytes.buffer]),
      });
      model?.core.pool?.terminate(); // the model it replaces no longer needs its threads, nor they its memory
      model = recommender;
      post({ type: "done", id: msg.id, summary });
    } else if (msg.type === "profile") {
      job = "profiling";
      post({ type: "profile", id: msg.id, report: await profileTraining(loadSource(msg.data, 1), msg.options) });
    } else if (!model) {
      throw new Error("no model yet: train first");
    } else if (msg.type === "recommend") {
      const r = model.recommend(msg.who, msg.k, msg.variant);
      post({ type: "recommendation", id: msg.id, items: r.items, scores: r.scores });
    } else if (msg.type === "recommendAll") {
      const table = model.recommendAll(msg.k, msg.variant, msg.options);
      post({ type: "table", id: msg.id, table }, [table.users.buffer, table.items.buffer, table.scores.buffer]);
    } else {
      const bytes = model.toSafetensors();
      post({ type: "model", id: msg.id, bytes }, [bytes.buffer]);
    }
  } catch (e) {
    post({ type: "error", id: "id" in msg ? msg.id : 0, name: (e as Error).name, message: (e as Error).message });
  } finally {
    if (starts) job = null;
  }
};
