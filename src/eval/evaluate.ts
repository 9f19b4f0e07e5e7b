// All-ranking evaluation (ALGORITHM.md §5): every item scored, the user's training items
// excluded, the top 20 taken, for every variant.
import type { AelModel } from "../model/ael.js";
import { BatchRows, ExpertForward, type WasmCsr } from "../model/forward.js";
import type { Csr } from "../data/csr.js";
import { CUTOFFS, MetricSums, type MetricTable } from "./metrics.js";
import { VariantScorer } from "./variants.js";

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

/** Normalised 1/MSE(expert_e(x), x) over the given users' training rows and all items. */
export function likelihoodWeights(model: AelModel, train: WasmCsr, users: Int32Array): number[] {
  const { arena, kernels: k } = model.core;
  const mark = arena.mark();
  try {
    const E = model.experts, I = model.dims.items;
    const rows = new BatchRows(model.core, train, EVAL_BATCH);
    const fwd = new ExpertForward(model, EVAL_BATCH);
    const x = arena.f32(EVAL_BATCH * I, "evaluation targets");
    const sse = new Float64Array(E);
    for (let s = 0; s < users.length; s += EVAL_BATCH) {
      const B = Math.min(EVAL_BATCH, users.length - s);
      rows.load(users, s, B);
      fwd.experts(rows);
      arena.f32View(x, B * I).fill(0);
      k.csr_rows_dense(x, train.rowptr, train.cols, rows.users, B, I);
      for (let e = 0; e < E; e++) sse[e] += k.mse_forward(fwd.expert(e, B), x, B * I, 1);
    }
    const inv = Array.from(sse, (v) => (users.length * I) / v);
    const total = inv.reduce((a, b) => a + b, 0);
    return inv.map((w) => w / total);
  } finally {
    arena.reset(mark);
  }
}

export function evaluate(model: AelModel, train: WasmCsr, test: Csr): EvalResult {
  const core = model.core;
  const { arena, kernels: k } = core;
  const users = evaluatedUsers(test);
  const weights = likelihoodWeights(model, train, users);
  const mark = arena.mark();
  try {
    const I = model.dims.items, Kmax = Math.max(...CUTOFFS);
    const rows = new BatchRows(core, train, EVAL_BATCH);
    const fwd = new ExpertForward(model, EVAL_BATCH);
    const scorer = new VariantScorer(model, EVAL_BATCH);
    const topIdx = arena.alloc(EVAL_BATCH * Kmax * 4, "top-k");
    const topVal = arena.f32(EVAL_BATCH * Kmax, "top-k");
    const sums = scorer.names.map(() => new MetricSums());
    const isTest = new Uint8Array(I);
    for (let s = 0; s < users.length; s += EVAL_BATCH) {
      const B = Math.min(EVAL_BATCH, users.length - s);
      rows.load(users, s, B);
      const X = fwd.experts(rows);
      scorer.names.forEach((name, v) => {
        k.topk_rows(topIdx, topVal, scorer.score(name, rows, X, () => weights), rows.rowptr, rows.cols, B, I, Kmax);
        const idx = arena.i32View(topIdx, B * Kmax);
        for (let b = 0; b < B; b++) {
          const u = users[s + b];
          const t0 = test.rowptr[u], t1 = test.rowptr[u + 1];
          for (let j = t0; j < t1; j++) isTest[test.cols[j]] = 1;
          sums[v].add(idx.subarray(b * Kmax, (b + 1) * Kmax), (i) => isTest[i] === 1, t1 - t0);
          for (let j = t0; j < t1; j++) isTest[test.cols[j]] = 0;
        }
      });
    }
    const variants: Record<string, MetricTable> = {};
    scorer.names.forEach((n, v) => (variants[n] = sums[v].table()));
    return { users: users.length, variants, likelihoodWeights: weights };
  } finally {
    arena.reset(mark);
  }
}
