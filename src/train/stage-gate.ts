// Gate training over frozen experts (ALGORITHM.md §4): loss mean_{B×I}((y − x)²)
// + c·(cv²(importance) + cv²(load)), fresh noise every step. The reconstruction term comes from
// each user's expert Gram statistics (assembly/gate-gram.ts), computed once before the stage: the
// same loss as mixing the experts' outputs over all items, in O(E²) per user instead of O(E·I).
import type { AelModel } from "../model/ael.js";
import type { BatchRows } from "../model/forward.js";
import { Gate } from "../model/gate.js";

export class StageGate {
  readonly gate: Gate;
  private readonly dgates: number;
  private readonly dprob: number;
  private readonly dclean: number;
  private readonly draw: number;
  private readonly importance: number;
  private readonly load: number;
  private readonly dImportance: number;
  private readonly dLoad: number;

  /** stats: every user's expert Gram statistics, U×expertGramWidth(E) f64 (expertGramAllUsers). */
  constructor(private readonly model: AelModel, private readonly stats: number, batchSize: number, private readonly k: number, private readonly coef: number, private readonly noiseState: number) {
    const a = model.core.arena;
    const B = batchSize, E = model.experts;
    this.gate = new Gate(model, B);
    const be = () => a.f32(B * E, "gate gradients");
    this.dgates = be();
    this.dprob = be();
    this.dclean = be();
    this.draw = be();
    const e = () => a.f32(E, "gate statistics");
    this.importance = e();
    this.load = e();
    this.dImportance = e();
    this.dLoad = e();
  }

  /** One step on the batch loaded in rows; gradients accumulate; returns the loss. */
  step(rows: BatchRows): number {
    const { kernels: k, arena } = this.model.core;
    const B = rows.size, E = this.model.experts, I = this.model.dims.items;
    const g = this.gate;
    g.route(rows, this.k, this.noiseState);
    const scale = 1 / (B * I);
    let loss = k.gate_mse_forward(this.stats, g.gates, rows.users, B, E, scale);
    for (const p of [this.importance, this.load, this.dImportance, this.dLoad]) arena.f32View(p, E).fill(0);
    k.column_sums(this.importance, g.gates, B, E);
    k.column_sums(this.load, g.prob, B, E);
    loss += this.coef * (k.cv_squared(this.importance, E) + k.cv_squared(this.load, E));
    // backward
    k.gate_mse_backward(this.dgates, this.stats, g.gates, rows.users, B, E, scale);
    k.cv_squared_backward(this.dImportance, this.importance, E, this.coef);
    k.bias_add(this.dgates, this.dImportance, B, E);
    k.cv_squared_backward(this.dLoad, this.load, E, this.coef);
    arena.f32View(this.dprob, B * E).fill(0);
    k.bias_add(this.dprob, this.dLoad, B, E);
    k.gate_backward(this.dclean, this.draw, this.dgates, this.dprob, g.gates, g.logits, g.stddev, g.top, g.clean, g.raw, g.eps, B, E, this.k, true);
    k.spmm_backward(this.model.W_g.grad, this.dclean, rows.rowptr, rows.cols, B, E, 0, I);
    k.spmm_backward(this.model.W_n.grad, this.draw, rows.rowptr, rows.cols, B, E, 0, I);
    return loss;
  }
}
