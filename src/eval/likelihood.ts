// The likelihood variant's weights (ALGORITHM.md §5): normalised 1/MSE(expert_e(x), x) over a
// set of users' training rows and all items. Each user's squared errors come from the Gram
// statistics the gate trains on (assembly/gate-gram.ts): Σ_i (y_e,i − x_i)² = G_ee − 2·c_e + |x|.
// Training keeps them, so evaluation needs no pass of its own over the experts.
import type { AelModel } from "../model/ael.js";
import type { WasmCsr } from "../model/forward.js";
import { expertGramAllUsers } from "../train/caches.js";
import { expertGramWidth } from "../../bindings/parallel.js";

/** Every user's squared error per expert, U×E, from the users' Gram statistics at `stats` (U×expertGramWidth(E) f64). */
export function expertErrors(model: AelModel, stats: number): Float64Array {
  const U = model.dims.users, E = model.experts, S = expertGramWidth(E);
  const st = model.core.arena.f64View(stats, U * S);
  const out = new Float64Array(U * E);
  for (let u = 0; u < U; u++) for (let e = 0; e < E; e++) out[u * E + e] = st[u * S + e * E + e] - 2 * st[u * S + E * E + e] + st[u * S + E * E + E];
  return out;
}

/** expertErrors of every user, the experts run over their rows of `train`. */
export function expertErrorsAllUsers(model: AelModel, train: WasmCsr): Float64Array {
  const { arena } = model.core;
  const mark = arena.mark();
  try {
    return expertErrors(model, expertGramAllUsers(model, train));
  } finally {
    arena.reset(mark);
  }
}

/** Normalised 1/MSE of each expert over the given users (errors: U×E from expertErrors). */
export function likelihoodWeights(errors: Float64Array, users: ArrayLike<number>, E: number, items: number): number[] {
  const sse = new Float64Array(E);
  for (let j = 0; j < users.length; j++) for (let e = 0; e < E; e++) sse[e] += errors[users[j] * E + e];
  const inv = Array.from(sse, (v) => (users.length * items) / v);
  const total = inv.reduce((a, b) => a + b, 0);
  return inv.map((w) => w / total);
}
