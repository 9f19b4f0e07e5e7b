// Recall@20 on held-out interactions, the measure early stopping watches: every item scored for
// each user from their training rows, those excluded, as in the final evaluation.
import type { Csr } from "../data/csr.js";
import type { AelModel } from "../model/ael.js";
import { BatchRows, ExpertForward, type WasmCsr } from "../model/forward.js";
import { EVAL_BATCH, HeldOutRanking, evaluatedUsers } from "./evaluate.js";
import { MetricSums } from "./metrics.js";
import { VariantScorer } from "./variants.js";

const K = 20;

/** What a stage is judged by: one expert alone, or the gate's ensemble of k experts. */
export type ValidationTarget = { expert: number } | { gateK: number };

export function heldOutRecall(model: AelModel, train: WasmCsr, heldOut: Csr, target: ValidationTarget): number {
  const { arena } = model.core;
  const users = evaluatedUsers(heldOut);
  if (users.length === 0) return 0;
  const mark = arena.mark();
  try {
    const rows = new BatchRows(model.core, train, EVAL_BATCH);
    const fwd = new ExpertForward(model, EVAL_BATCH);
    const score = scoring(model, fwd, target);
    const ranking = new HeldOutRanking(model, EVAL_BATCH, K);
    const sums = new MetricSums();
    for (let s = 0; s < users.length; s += EVAL_BATCH) {
      rows.load(users, s, Math.min(EVAL_BATCH, users.length - s));
      ranking.add(sums, score(rows), rows, users, s, heldOut, [K]);
    }
    return sums.table()[`recall@${K}`];
  } finally {
    arena.reset(mark);
  }
}

/** The batch's scores (B×I) by which `target` is judged. */
function scoring(model: AelModel, fwd: ExpertForward, target: ValidationTarget): (rows: BatchRows) => number {
  if ("expert" in target) return (rows) => fwd.expertAlone(rows, target.expert);
  const scorer = new VariantScorer(model, EVAL_BATCH), name = `gate_k${target.gateK}`;
  return (rows) => scorer.score(name, rows, fwd.experts(rows), () => []);
}
