// All-ranking evaluation (ALGORITHM.md §5): every item scored, the user's training items
// excluded, top 20 taken, for each variant: the single experts, their plain and
// likelihood-weighted averages, and the gate with k = 1…E.
import type { AelModel } from "../model/ael.js";
import { BatchRows, ExpertForward, type WasmCsr } from "../model/forward.js";
import { Gate } from "../model/gate.js";
import type { Csr } from "../data/csr.js";
import { CUTOFFS, MetricSums, type MetricTable } from "./metrics.js";

export const EVAL_BATCH = 256;

export function expertNames(E: number): string[] {
  return E === 3 ? ["mild", "moderate", "strong"] : Array.from({ length: E }, (_, e) => `expert_${e}`);
}

export function variantNames(E: number): string[] {
  return [...expertNames(E), "average", "likelihood", ...Array.from({ length: E }, (_, k) => `gate_k${k + 1}`)];
}

export interface EvalResult {
  users: number;
  variants: Record<string, MetricTable>;
  /** Normalised 1/MSE weights of the likelihood variant. */
  likelihoodWeights: number[];
}

/** Users with at least one test item. */
export function evaluatedUsers(test: Csr): Int32Array {
  const out: number[] = [];
  for (let u = 0; u < test.rows; u++) if (test.rowptr[u + 1] > test.rowptr[u]) out.push(u);
  return Int32Array.from(out);
}

export function evaluate(model: AelModel, train: WasmCsr, test: Csr): EvalResult {
  const core = model.core;
  const { arena, kernels: k } = core;
  const mark = arena.mark();
  try {
    const E = model.experts, I = model.dims.items, Kmax = Math.max(...CUTOFFS);
    const users = evaluatedUsers(test);
    const rows = new BatchRows(core, train, EVAL_BATCH);
    const fwd = new ExpertForward(model, EVAL_BATCH);
    const gate = new Gate(model, EVAL_BATCH);
    const x = arena.f32(EVAL_BATCH * I, "evaluation targets");
    const scores = arena.f32(EVAL_BATCH * I, "evaluation scores");
    const consts = arena.f32(EVAL_BATCH * E, "ensemble weights");
    const topIdx = arena.alloc(EVAL_BATCH * Kmax * 4, "top-k");
    const topVal = arena.f32(EVAL_BATCH * Kmax, "top-k");
    // X is laid out E×B×I: sample b's rows are found with users = 0…B−1 and strides (I, B·I)
    const iota = arena.alloc(EVAL_BATCH * 4, "batch positions");
    arena.i32View(iota, EVAL_BATCH).set(Int32Array.from({ length: EVAL_BATCH }, (_, b) => b));

    // pass 1: each expert's MSE over the evaluated users' training rows (likelihood weights)
    const sse = new Float64Array(E);
    for (let s = 0; s < users.length; s += EVAL_BATCH) {
      const B = Math.min(EVAL_BATCH, users.length - s);
      rows.load(users, s, B);
      fwd.experts(rows);
      arena.f32View(x, B * I).fill(0);
      k.csr_rows_dense(x, train.rowptr, train.cols, rows.users, B, I);
      for (let e = 0; e < E; e++) sse[e] += k.mse_forward(fwd.expert(e, B), x, B * I, 1);
    }
    const inv = Array.from(sse, (v) => 1 / (v / (users.length * I)));
    const total = inv.reduce((a, b) => a + b, 0);
    const likelihoodWeights = inv.map((w) => w / total);

    // pass 2: rank every variant
    const names = variantNames(E);
    const sums = names.map(() => new MetricSums());
    const isTest = new Uint8Array(I);
    for (let s = 0; s < users.length; s += EVAL_BATCH) {
      const B = Math.min(EVAL_BATCH, users.length - s);
      rows.load(users, s, B);
      const X = fwd.experts(rows);
      const rank = (scorePtr: number, v: number) => {
        k.topk_rows(topIdx, topVal, scorePtr, rows.rowptr, rows.cols, B, I, Kmax);
        const idx = arena.i32View(topIdx, B * Kmax);
        for (let b = 0; b < B; b++) {
          const u = users[s + b];
          const t0 = test.rowptr[u], t1 = test.rowptr[u + 1];
          for (let j = t0; j < t1; j++) isTest[test.cols[j]] = 1;
          sums[v].add(idx.subarray(b * Kmax, (b + 1) * Kmax), (i) => isTest[i] === 1, t1 - t0);
          for (let j = t0; j < t1; j++) isTest[test.cols[j]] = 0;
        }
      };
      const combine = (weights: ArrayLike<number> | null, v: number) => {
        if (weights) {
          const g = arena.f32View(consts, B * E);
          for (let b = 0; b < B; b++) for (let e = 0; e < E; e++) g[b * E + e] = weights[e];
          k.gate_combine_forward(scores, consts, X, iota, B, E, I, I, B * I);
        } else k.gate_combine_forward(scores, gate.gates, X, iota, B, E, I, I, B * I);
        rank(scores, v);
      };
      for (let e = 0; e < E; e++) rank(fwd.expert(e, B), e);
      combine(new Array(E).fill(1 / E), E);
      combine(likelihoodWeights, E + 1);
      for (let kk = 1; kk <= E; kk++) {
        gate.route(rows, kk);
        combine(null, E + 1 + kk);
      }
    }
    const variants: Record<string, MetricTable> = {};
    names.forEach((n, v) => (variants[n] = sums[v].table()));
    return { users: users.length, variants, likelihoodWeights };
  } finally {
    arena.reset(mark);
  }
}
