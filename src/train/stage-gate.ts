// Gate training over frozen experts (ALGORITHM.md §4): expert outputs come from a U×E×I cache
// when it fits the memory budget, else they are computed for each batch (the same values);
// loss mean_{B×I}((y − x)²) + c·(cv²(importance) + cv²(load)), fresh noise every step.
import type { AelModel } from "../model/ael.js";
import type { BatchRows, WasmCsr } from "../model/forward.js";
import { Gate } from "../model/gate.js";
import { ExpertForward } from "../model/forward.js";
import { gateCombineForward } from "../../bindings/parallel.js";

/** Largest U×E×I expert-output cache kept in memory; bigger sets compute experts per batch. */
export const EXPERT_CACHE_LIMIT = 1 << 30;

export function cachesExperts(users: number, experts: number, items: number): boolean {
  return users * experts * items * 4 <= EXPERT_CACHE_LIMIT;
}

export class StageGate {
  readonly gate: Gate;
  private readonly x: number;
  private readonly y: number;
  private readonly dy: number;
  private readonly dgates: number;
  private readonly dprob: number;
  private readonly dclean: number;
  private readonly draw: number;
  private readonly importance: number;
  private readonly load: number;
  private readonly dImportance: number;
  private readonly dLoad: number;

  private readonly fwd: ExpertForward | null;
  private readonly iota: number;

  /** cache: the U×E×I expert outputs, or 0 to compute them per batch. */
  constructor(private readonly model: AelModel, private readonly train: WasmCsr, private readonly cache: number, batchSize: number, private readonly k: number, private readonly coef: number, private readonly noiseState: number) {
    const a = model.core.arena;
    const B = batchSize, E = model.experts, I = model.dims.items;
    this.fwd = cache ? null : new ExpertForward(model, B);
    this.iota = a.alloc(B * 4, "batch positions");
    a.i32View(this.iota, B).set(Int32Array.from({ length: B }, (_, b) => b));
    this.gate = new Gate(model, B);
    this.x = a.f32(B * I, "gate targets");
    this.y = a.f32(B * I, "gate outputs");
    this.dy = a.f32(B * I, "gate output gradients");
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
    arena.f32View(this.x, B * I).fill(0);
    k.csr_rows_dense(this.x, this.train.rowptr, this.train.cols, rows.users, B, I);
    // expert rows: the cache by user id (strides E·I, I), or this batch's E×B×I block by position
    const [X, ids, us, es] = this.fwd ? [this.fwd.experts(rows), this.iota, I, B * I] : [this.cache, rows.users, E * I, I];
    gateCombineForward(this.model.core, this.y, g.gates, X, ids, B, E, I, us, es);
    const scale = 1 / (B * I);
    let loss = k.mse_forward(this.y, this.x, B * I, scale);
    for (const p of [this.importance, this.load, this.dImportance, this.dLoad]) arena.f32View(p, E).fill(0);
    k.column_sums(this.importance, g.gates, B, E);
    k.column_sums(this.load, g.prob, B, E);
    loss += this.coef * (k.cv_squared(this.importance, E) + k.cv_squared(this.load, E));
    // backward
    k.mse_backward(this.dy, this.y, this.x, B * I, scale);
    k.gate_combine_backward(this.dgates, this.dy, X, ids, B, E, I, us, es);
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
