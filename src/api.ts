// The typed API: train a model on a data set, evaluate it, recommend, save and load.
import { createCore, type Core, type CoreOptions } from "../bindings/index.js";
import { ConfigError, DataError } from "./errors.js";
import type { Dataset } from "./data/dataset.js";
import { nnz } from "./data/csr.js";
import { uploadCsr } from "./model/forward.js";
import { Recommender } from "./recommender.js";
import { resolveConfig, type TrainConfig } from "./train/config.js";
import { assertTrainingFits } from "./train/memory.js";
import { STREAM, trainModel, type TrainHooks, type TrainSnapshot } from "./train/trainer.js";
import type { StageValidation } from "./train/early-stopping.js";
import { holdOut } from "./data/holdout.js";
import { Rng } from "../bindings/rng.js";

export interface TrainOptions extends Partial<TrainConfig>, TrainHooks {
  /** A core to train on; by default a new one from `coreOptions`. */
  core?: Core;
  coreOptions?: CoreOptions;
  /** Continue an unfinished run from its snapshot (same data and configuration). */
  resume?: TrainSnapshot;
  /** How the data was specified, recorded in checkpoints so a run can be resumed from them. */
  source?: { spec?: string; noise?: number };
}

export interface TrainResult {
  recommender: Recommender;
  /** Seconds per stage (stage0 … gate). */
  timings: Record<string, number>;
  /** Mean loss of every epoch, per stage. */
  losses: Record<string, number[]>;
  /** With early stopping (patience > 0): per stage, its validation checks, best epoch and where it stopped. */
  validation?: Record<string, StageValidation>;
}

export function checkDataset(d: Dataset): void {
  for (const [name, c] of [["train", d.train], ["test", d.test], ...(d.valid ? [["validation", d.valid] as const] : [])] as const) {
    if (c.rows !== d.users) throw new DataError(`${d.name}: the ${name} split has ${c.rows} rows for ${d.users} users`);
    for (let j = 0; j < c.cols.length; j++) if (c.cols[j] < 0 || c.cols[j] >= d.items) throw new DataError(`${d.name}: ${name} item ${c.cols[j]} is outside 0…${d.items - 1}`);
  }
  if (nnz(d.train) === 0) throw new DataError(`${d.name}: no training interactions`);
}

export async function train(data: Dataset, options: TrainOptions = {}): Promise<TrainResult> {
  const { core: given, coreOptions, onProgress, signal, checkpointEvery, onCheckpoint, resume, source, ...rest } = options;
  const cfg = resolveConfig(rest);
  checkDataset(data);
  if (checkpointEvery !== undefined && !(Number.isInteger(checkpointEvery) && checkpointEvery >= 1)) throw new ConfigError(`checkpointEvery must be a positive integer, got ${checkpointEvery}`);
  let maxRow = 0;
  for (let u = 0; u < data.users; u++) maxRow = Math.max(maxRow, data.train.rowptr[u + 1] - data.train.rowptr[u]);
  const core = given ?? (await createCore(coreOptions));
  assertTrainingFits(data.name, core.arena.mark(), data.users, data.items, nnz(data.train), maxRow, cfg);
  const wasmTrain = uploadCsr(core, data.train);
  // early stopping watches the data set's validation split, or one held out of its training rows
  const split = cfg.patience === 0 ? undefined : data.valid ? { train: data.train, valid: data.valid } : holdOut(data.train, cfg.validRatio, Rng.seeded(cfg.seed, STREAM.validation));
  if (split && nnz(split.valid) === 0) throw new DataError(`${data.name}: early stopping needs validation interactions, and ${data.valid ? "the validation split has none" : `holding out ${cfg.validRatio} of each user's training items leaves none (raise validRatio)`}`);
  const trainedOn = split && split.train !== data.train ? uploadCsr(core, split.train, "interaction rows without the validation split") : wasmTrain;
  const run = await trainModel(core, data, trainedOn, cfg, { onProgress, signal, checkpointEvery, onCheckpoint }, resume, split?.valid);
  // the gate's statistics give the likelihood weights' errors when it trained on every training row
  const errors = trainedOn === wasmTrain ? run.expertErrors : undefined;
  return { recommender: new Recommender(core, run.model, cfg, data.name, data.train, wasmTrain, source, data.ids, errors), timings: run.timings, losses: run.losses, validation: run.validation };
}

export { Recommender };
