// Messages between a page and the training worker, and the data sources a page can send.
import type { ProgressEvent } from "../train/trainer.js";
import type { MetricTable } from "../eval/metrics.js";
import type { Flavour } from "../../bindings/index.js";
import type { PoolWorkerData } from "../../bindings/pool.js";
import type { SyntheticOptions } from "../data/synthetic.js";
import type { TrainConfig } from "../train/config.js";
import type { DataIds } from "../data/dataset.js";
import type { RecommendAllOptions, RecommendationTable, RecommendQuery } from "../recommender.js";
import type { ProfileOptions, ProfileReport } from "../profile/profile.js";

export type DataSource =
  | { kind: "synthetic"; options?: Partial<SyntheticOptions> }
  | { kind: "ml100k"; files: { name: string; text: string }[] }
  | { kind: "deca"; train: { name: string; text: string }; test?: { name: string; text: string } }
  | { kind: "csv"; train: { name: string; text: string }; test?: { name: string; text: string } };

export type WorkerTrainOptions = Partial<TrainConfig> & {
  flavour?: Flavour;
  /** Hand over a checkpoint of the run every this many epochs (of every stage). */
  checkpointEvery?: number;
  /** Continue the unfinished run this checkpoint holds (its configuration, the same data). */
  resume?: Uint8Array;
};

/** A checkpoint of an unfinished run: model.safetensors bytes, and where the run stands. */
export interface RunCheckpoint {
  bytes: Uint8Array<ArrayBuffer>;
  stage: string;
  epoch: number;
}

export interface TrainSummary {
  dataset: { name: string; users: number; items: number; train: number; testUsers: number };
  flavour: Flavour;
  threads: number;
  seed: number;
  timings: Record<string, number>;
  losses: Record<string, number[]>;
  variants: Record<string, MetricTable>;
  weightsChecksum: string;
  /** Share of users per selected expert pair (gate, k = 2), overall and per planted noise rate. */
  routing: { pairs: Record<string, number>; byNoise?: Record<string, Record<string, number>> };
  /** A few users' training items, for the recommend panel. */
  sampleHistories: { user: number; items: number[] }[];
  /** The users' and items' ids in the data, by index, when it has ids of its own (CSV). */
  ids?: DataIds;
}

export type ToWorker =
  | { type: "train"; id: number; data: DataSource; options: WorkerTrainOptions }
  | { type: "cancel" }
  | { type: "recommend"; id: number; who: RecommendQuery; k: number; variant?: string }
  | { type: "recommendAll"; id: number; k: number; variant?: string; options: RecommendAllOptions }
  | { type: "model"; id: number }
  | { type: "profile"; id: number; data: DataSource; options: ProfileOptions }
  // the page offers to start the worker's pool threads, and reports their failures
  | { type: "host-pool" }
  | { type: "pool-error"; worker: number; message: string };

export type FromWorker =
  | { type: "progress"; id: number; event: ProgressEvent }
  | { type: "checkpoint"; id: number; checkpoint: RunCheckpoint }
  | { type: "done"; id: number; summary: TrainSummary }
  | { type: "recommendation"; id: number; items: number[]; scores: number[] }
  | { type: "table"; id: number; table: RecommendationTable }
  | { type: "model"; id: number; bytes: Uint8Array<ArrayBuffer> }
  | { type: "profile"; id: number; report: ProfileReport }
  | { type: "error"; id: number; name: string; message: string }
  // the worker's pool threads, which the page starts and stops for it (see bindings/spawn.browser.ts)
  | { type: "spawn-pool"; worker: number; url: string; data: PoolWorkerData }
  | { type: "terminate-pool"; worker: number };
