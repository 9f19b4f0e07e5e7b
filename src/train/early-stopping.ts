// Early stopping within one stage (ALGORITHM.md §6; off by default, as the release has none):
// every validEvery epochs, and after the last, Recall@20 of what the stage trains is measured
// on the validation split; the stage stops after `patience` checks in a row without a better
// one and keeps the weights of its best check.
import type { TrainConfig } from "./config.js";

/** Early stopping's record of one stage: its checks, the best one's epoch, where it stopped. */
export interface StageValidation {
  checks: { epoch: number; recall: number }[];
  bestEpoch: number;
  /** The epoch after which the stage stopped early; absent when it ran all its epochs. */
  stoppedAt?: number;
}

/** What a checkpoint keeps of a stage in progress: its best check, the checks since, the weights at it. */
export interface EarlyStoppingState {
  best: number;
  since: number;
  bestParams?: Float32Array;
}

export class EarlyStopping {
  private best = -Infinity;
  private since = 0;
  private bestParams: Float32Array | undefined;

  constructor(private readonly record: StageValidation, private readonly cfg: Pick<TrainConfig, "patience" | "validEvery">, saved?: EarlyStoppingState) {
    if (saved) ({ best: this.best, since: this.since, bestParams: this.bestParams } = saved);
  }

  /** Whether a resumed stage had already stopped. */
  get stopped(): boolean {
    return this.since >= this.cfg.patience;
  }

  /** Whether epoch (of epochs) ends with a check. */
  due(epoch: number, epochs: number): boolean {
    return epoch % this.cfg.validEvery === 0 || epoch === epochs;
  }

  /**
   * Record epoch's check; `weights` is read (a copy kept) when it is the best so far. Returns
   * whether the stage stops here.
   */
  check(epoch: number, epochs: number, recall: number, weights: () => Float32Array): boolean {
    this.record.checks.push({ epoch, recall });
    if (recall > this.best) {
      this.best = recall;
      this.since = 0;
      this.record.bestEpoch = epoch;
      this.bestParams = weights().slice();
    } else if (++this.since >= this.cfg.patience && epoch < epochs) this.record.stoppedAt = epoch;
    return this.record.stoppedAt !== undefined;
  }

  /** The weights of the best check, if any was made. */
  get bestWeights(): Float32Array | undefined {
    return this.bestParams;
  }

  /** The state a checkpoint keeps; it may share bestParams, which a better check replaces and nothing writes into. */
  state(): EarlyStoppingState {
    return { best: this.best, since: this.since, bestParams: this.bestParams };
  }
}
