// Scores of every ensemble variant from a batch's expert outputs X (E×B×I): the single
// experts, their plain and likelihood-weighted averages, and the gate with k = 1…E.
import type { AelModel } from "../model/ael.js";
import type { BatchRows } from "../model/forward.js";
import { Gate } from "../model/gate.js";
import { ConfigError } from "../errors.js";
import { gateCombineForward } from "../../bindings/parallel.js";

export function expertNames(E: number): string[] {
  return E === 3 ? ["mild", "moderate", "strong"] : Array.from({ length: E }, (_, e) => `expert_${e}`);
}

export function variantNames(E: number): string[] {
  return [...expertNames(E), "average", "likelihood", ...Array.from({ length: E }, (_, k) => `gate_k${k + 1}`)];
}

export class VariantScorer {
  readonly names: string[];
  private readonly gate: Gate;
  private readonly scores: number;
  private readonly weights: number;

  constructor(readonly model: AelModel, readonly maxBatch: number) {
    const a = model.core.arena;
    const E = model.experts;
    this.names = variantNames(E);
    this.gate = new Gate(model, maxBatch);
    this.scores = a.f32(maxBatch * model.dims.items, "variant scores");
    this.weights = a.f32(maxBatch * E, "ensemble weights");
  }

  /**
   * Pointer to the B×I scores of `variant` for the batch in rows, whose expert outputs are X.
   * likelihood gives the normalised 1/MSE weights; it is called for the likelihood variant
   * only, since a loaded model finds them by running every expert over every user.
   */
  score(variant: string, rows: BatchRows, X: number, likelihood: () => ArrayLike<number>): number {
    const { arena } = this.model.core;
    const B = rows.size, E = this.model.experts, I = this.model.dims.items;
    const v = this.names.indexOf(variant);
    if (v < 0) throw new ConfigError(`unknown variant "${variant}"; variants: ${this.names.join(", ")}`);
    if (v < E) return X + v * B * I * 4;
    let gates = this.weights;
    if (v < E + 2) {
      const w = v === E ? new Array(E).fill(1 / E) : likelihood();
      const g = arena.f32View(this.weights, B * E);
      for (let b = 0; b < B; b++) for (let e = 0; e < E; e++) g[b * E + e] = w[e];
    } else {
      this.gate.route(rows, v - E - 1);
      gates = this.gate.gates;
    }
    gateCombineForward(this.model.core, this.scores, gates, X, B, E, I);
    return this.scores;
  }
}
