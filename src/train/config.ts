// Training options with the reference's defaults (ALGORITHM.md §3–§4), validated once.
import { ConfigError } from "../errors.js";

export interface TrainConfig {
  /** Hidden widths of the sub-autoencoders; one expert per level. */
  hidden: number[];
  /** Epochs of each stage (one per level). */
  epochs: number[];
  /** Passes of gate training. */
  gateEpochs: number;
  batchSize: number;
  lr: number;
  gateLr: number;
  /** Negatives sampled per user in stage 0. */
  negatives: number;
  /** Mask-out probability q of the corrupt module (stage-0 encoder input only). */
  corruption: number;
  /** Experts selected per sample while training the gate. */
  gateK: number;
  /** Weight c of cv²(importance) + cv²(load). */
  gateLossCoef: number;
  beta1: number;
  beta2: number;
  eps: number;
  seed: number;
  /**
   * Update the rows of sparse-gradient tensors (user embeddings; stage 0's encoder and decoder
   * item rows) only when the step touches them (lazy Adam, with the skipped steps' moment decay
   * applied when a row returns). Off by default: the release moves every row at every step,
   * which dominates the cost with many users.
   */
  lazyAdam: boolean;
  /**
   * Early stopping: every validEvery epochs each stage measures Recall@20 of what it trains (its
   * expert; the gate's ensemble) on a validation split, stops after `patience` checks in a row
   * without a better one, and keeps the weights of its best check. 0 (the default) runs every
   * stage for all its epochs, as the release does.
   */
  patience: number;
  validEvery: number;
  /**
   * The share of each user's training interactions held out for validation when the data set
   * has no validation split of its own (early stopping only; never the test split).
   */
  validRatio: number;
}

export const DEFAULTS: TrainConfig = {
  hidden: [128, 48, 12],
  epochs: [2500, 500, 300],
  gateEpochs: 200,
  batchSize: 32,
  lr: 5e-4,
  gateLr: 1e-4,
  negatives: 256,
  corruption: 0,
  gateK: 2,
  gateLossCoef: 1,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  seed: 1,
  lazyAdam: false,
  patience: 0,
  validEvery: 25,
  validRatio: 0.1,
};

const int = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
const real = (v: unknown, lo: number, hi: number, openLo = false) => typeof v === "number" && Number.isFinite(v) && (openLo ? v > lo : v >= lo) && v <= hi;

export function resolveConfig(partial: Partial<TrainConfig> = {}): TrainConfig {
  const known = new Set(Object.keys(DEFAULTS));
  for (const k of Object.keys(partial)) if (!known.has(k)) throw new ConfigError(`unknown option "${k}"; known options: ${[...known].join(", ")}`);
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<TrainConfig>;
  const c: TrainConfig = { ...DEFAULTS, ...given };
  // two experts per user unless there are fewer
  if (given.gateK === undefined && Array.isArray(c.hidden)) c.gateK = Math.max(1, Math.min(DEFAULTS.gateK, c.hidden.length));
  const fail = (what: string, v: unknown) => {
    throw new ConfigError(`${what}, got ${JSON.stringify(v)}`);
  };
  if (!Array.isArray(c.hidden) || c.hidden.length < 1 || c.hidden.length > 8 || !c.hidden.every((h) => int(h, 1, 4096)))
    fail("hidden must list 1 to 8 widths, each an integer in [1, 4096]", c.hidden);
  if (!Array.isArray(c.epochs) || c.epochs.length !== c.hidden.length || !c.epochs.every((e) => int(e, 0, 1e7)))
    fail(`epochs must list ${c.hidden.length} integers in [0, 1e7] (one per hidden width)`, c.epochs);
  if (!int(c.gateEpochs, 0, 1e7)) fail("gateEpochs must be an integer in [0, 1e7]", c.gateEpochs);
  if (!int(c.batchSize, 1, 65536)) fail("batchSize must be an integer in [1, 65536]", c.batchSize);
  if (!real(c.lr, 0, 10, true)) fail("lr must be in (0, 10]", c.lr);
  if (!real(c.gateLr, 0, 10, true)) fail("gateLr must be in (0, 10]", c.gateLr);
  if (!int(c.negatives, 0, 1 << 20)) fail("negatives must be an integer in [0, 2^20]", c.negatives);
  if (!real(c.corruption, 0, 1) || c.corruption >= 1) fail("corruption must be in [0, 1)", c.corruption);
  if (!int(c.gateK, 1, c.hidden.length)) fail(`gateK must be an integer in [1, ${c.hidden.length}] (the number of experts)`, c.gateK);
  if (!real(c.gateLossCoef, 0, 1e6)) fail("gateLossCoef must be in [0, 1e6]", c.gateLossCoef);
  if (!real(c.beta1, 0, 1) || c.beta1 >= 1) fail("beta1 must be in [0, 1)", c.beta1);
  if (!real(c.beta2, 0, 1) || c.beta2 >= 1) fail("beta2 must be in [0, 1)", c.beta2);
  if (!real(c.eps, 0, 1, true)) fail("eps must be in (0, 1]", c.eps);
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) fail("seed must be a non-negative integer", c.seed);
  if (typeof c.lazyAdam !== "boolean") fail("lazyAdam must be true or false", c.lazyAdam);
  if (!int(c.patience, 0, 1e7)) fail("patience must be an integer in [0, 1e7] (0: no early stopping)", c.patience);
  if (!int(c.validEvery, 1, 1e7)) fail("validEvery must be an integer in [1, 1e7] (epochs between validation checks)", c.validEvery);
  if (!real(c.validRatio, 0, 1, true) || c.validRatio >= 1) fail("validRatio must be in (0, 1)", c.validRatio);
  return { ...c, hidden: [...c.hidden], epochs: [...c.epochs] };
}
