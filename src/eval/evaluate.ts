// All-ranking evaluation (ALGORITHM.md §5): every item scored, the user's training items
// excluded, the top 20 taken, for every variant.
import type { AelModel } from "../model/ael.js";
import { BatchRows, ExpertForward, type WasmCsr } from "../model/forward.js";
import type { Csr } from "../data/csr.js";
import { CUTOFFS, MetricSums, type MetricTable } from "./metrics.js";
import { VariantScorer } from "./variants.js";
import { topkRows } from "../../bindings/parallel.js";
import { likelihoodWeights } from "./likelihood.js";

export const EVAL_BATCH = 256;

export interface EvalResult {
  users: number;
  variants: Record<string, MetricTable>;
  /** Normalised 1/MSE weights of the likelihood variant. */
  likelihoodWeights: number[];
}

/** Users with at least one item in `test`. */
export function evaluatedUsers(test: Csr): Int32Array {
  const out: number[] = [];
  for (let u = 0; u < test.rows; u++) if (test.rowptr[u + 1] > test.rowptr[u]) out.push(u);
  return Int32Array.from(out);
}

/**
 * Top-K of a batch's scores with each user's training items excluded (their rows in the batch),
 * and each user's metrics against their held-out items: the test split, or a validation split.
 */
export class HeldOutRanking {
  private readonly idx: number;
  private readonly val: number;
  private readonly held: Uint8Array;

  constructor(private readonly model: AelModel, maxBatch: number, private readonly K: number) {
    const a = model.core.arena;
    this.idx = a.alloc(maxBatch * K * 4, "top-k");
    this.val = a.f32(maxBatch * K, "top-k");
    this.held = new Uint8Array(model.dims.items);
  }

  /** Add to `sums` the metrics of the batch in rows, users[first…first+B), ranked by scores (B×I). */
  add(sums: MetricSums, scores: number, rows: BatchRows, users: Int32Array, first: number, heldOut: Csr, cutoffs: readonly number[] = CUTOFFS): void {
    const { arena } = this.model.core;
    const B = rows.size, K = this.K, held = this.held;
    topkRows(this.model.core, this.idx, this.val, scores, rows.rowptr, rows.cols, B, this.model.dims.items, K);
    const idx = arena.i32View(this.idx, B * K);
    for (let b = 0; b < B; b++) {
      const u = users[first + b], h0 = heldOut.rowptr[u], h1 = heldOut.rowptr[u + 1];
      for (let j = h0; j < h1; j++) held[heldOut.cols[j]] = 1;
      sums.add(idx.subarray(b * K, (b + 1) * K), (i) => held[i] === 1, h1 - h0, cutoffs);
      for (let j = h0; j < h1; j++) held[heldOut.cols[j]] = 0;
    }
  }
}

/** Every variant's metrics on `test`; expertErrors: every user's (likelihood.ts), U×E. */
export function evaluate(model: AelModel, train: WasmCsr, test: Csr, expertErrors: Float64Array): EvalResult {
  const core = model.core;
  const { arena } = core;
  const users = evaluatedUsers(test);
  const weights = likelihoodWeights(expertErrors, users, model.experts, model.dims.items);
  const mark = arena.mark();
  try {
    const rows = new BatchRows(core, train, EVAL_BATCH);
    const fwd = new ExpertForward(model, EVAL_BATCH);
    const scorer = new VariantScorer(model, EVAL_BATCH);
    const ranking = new HeldOutRanking(model, EVAL_BATCH, Math.max(...CUTOFFS));
    const sums = scorer.names.map(() => new MetricSums());
    for (let s = 0; s < users.length; s += EVAL_BATCH) {
      rows.load(users, s, Math.min(EVAL_BATCH, users.length - s));
      const X = fwd.experts(rows);
      scorer.names.forEach((name, v) => ranking.add(sums[v], scorer.score(name, rows, X, () => weights), rows, users, s, test));
    }
    const variants: Record<string, MetricTable> = {};
    scorer.names.forEach((n, v) => (variants[n] = sums[v].table()));
    return { users: users.length, variants, likelihoodWeights: weights };
  } finally {
    arena.reset(mark);
  }
}
