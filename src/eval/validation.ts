// Recall@20 on held-out interactions, the measure early stopping watches: every item scored for
// each user from their training rows, those excluded, as in the final evaluation.
import type { Csr } from "../data/csr.js";
import type { AelModel } from "../model/ael.js";
import { BatchRows, ExpertForward, type WasmCsr } from "../model/forward.js";
import { EVAL_BATCH, evaluatedUsers } from "./evaluate.js";
import { MetricSums } from "./metrics.js";
import { VariantScorer } from "./variants.js";

const K = 20;

/** What a stage is judged by: one expert alone, or the gate's ensemble of k experts. */
export type ValidationTarget = { expert: number } | { gateK: number };

export function heldOutRecall(model: AelModel, train: WasmCsr, heldOut: Csr, target: ValidationTarget): number {
  const core = model.core;
  const { arena, kernels: k } = core;
  const users = evaluatedUsers(heldOut);
  if (users.length === 0) return 0;
  const mark = arena.mark();
  try {
    const I = model.dims.items;
    const rows = new BatchRows(core, train, EVAL_BATCH);
    const fwd = new ExpertForward(model, EVAL_BATCH);
    const scorer = "gateK" in target ? new VariantScorer(model, EVAL_BATCH) : undefined;
    const topIdx = arena.alloc(EVAL_BATCH * K * 4, "top-k");
    const topVal = arena.f32(EVAL_BATCH * K, "top-k");
    const sums = new MetricSums();
    const held = new Uint8Array(I);
    for (let s = 0; s < users.length; s += EVAL_BATCH) {
      const B = Math.min(EVAL_BATCH, users.length - s);
      rows.load(users, s, B);
      const scores = "gateK" in target ? scorer!.score(`gate_k${target.gateK}`, rows, fwd.experts(rows), () => []) : fwd.expertAlone(rows, target.expert);
      k.topk_rows(topIdx, topVal, scores, rows.rowptr, rows.cols, B, I, K);
      const idx = arena.i32View(topIdx, B * K);
      for (let b = 0; b < B; b++) {
        const u = users[s + b], h0 = heldOut.rowptr[u], h1 = heldOut.rowptr[u + 1];
        for (let j = h0; j < h1; j++) held[heldOut.cols[j]] = 1;
        sums.add(idx.subarray(b * K, (b + 1) * K), (i) => held[i] === 1, h1 - h0, [K]);
        for (let j = h0; j < h1; j++) held[heldOut.cols[j]] = 0;
      }
    }
    return sums.table()[`recall@${K}`];
  } finally {
    arena.reset(mark);
  }
}
