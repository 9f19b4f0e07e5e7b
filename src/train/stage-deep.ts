// Stage s ≥ 1 (ALGORITHM.md §3): sub-AE s reconstructs the frozen code t = z_{s−1} of the raw
// input, cached for every user. Loss mean((σ(σ(t·W_enc + b_enc + V[u])·W_decᵀ + b_dec) − t)²).
import type { AelModel } from "../model/ael.js";
import { gemm } from "../../bindings/parallel.js";
import type { Param } from "../model/params.js";
import type { Adam, RowList } from "./adam.js";

export class StageDeep {
  /** The batch's user ids (i32[B]). */
  readonly users: number;
  private readonly t: number;
  private readonly h: number;
  private readonly r: number;
  private readonly dr: number;
  private readonly dh: number;
  private lastBatch = 0;

  constructor(private readonly model: AelModel, private readonly level: number, private readonly codes: number, batchSize: number) {
    const a = model.core.arena;
    const { n, h } = model.subs[level];
    const B = batchSize;
    this.users = a.alloc(B * 4, "batch users");
    this.t = a.f32(B * n, "stage targets");
    this.h = a.f32(B * h, "stage codes");
    this.r = a.f32(B * n, "stage outputs");
    this.dr = a.f32(B * n, "stage output gradients");
    this.dh = a.f32(B * h, "stage code gradients");
  }

  /** Forward and backward for users[start…start+B); returns the loss. Given an Adam, the batch's rows of V are first brought up to its steps. */
  step(users: Int32Array, start: number, B: number, adam?: Adam): number {
    const c = this.model.core;
    const { kernels: k, arena } = c;
    const sub = this.model.subs[this.level];
    const { n, h } = sub;
    arena.i32View(this.users, B).set(users.subarray(start, start + B));
    adam?.catchUp(sub.V, this.users, B);
    arena.f32View(this.t, B * n).fill(0);
    k.embedding_gather_add(this.t, this.codes, this.users, B, n);
    // h = σ(t·W_enc + b_enc + V[u])
    arena.f32View(this.h, B * h).fill(0);
    k.bias_add(this.h, sub.b_enc.ptr, B, h);
    k.embedding_gather_add(this.h, sub.V.ptr, this.users, B, h);
    gemm(c, "nn", this.h, this.t, sub.W_enc.ptr, B, h, n, 1, 1);
    k.sigmoid_forward(this.h, this.h, B * h);
    // r = σ(h·W_decᵀ + b_dec)
    gemm(c, "nt", this.r, this.h, sub.W_dec.ptr, B, n, h, 1, 0);
    k.bias_add(this.r, sub.b_dec.ptr, B, n);
    k.sigmoid_forward(this.r, this.r, B * n);
    const scale = 1 / (B * n);
    const loss = k.mse_forward(this.r, this.t, B * n, scale);
    k.mse_backward(this.dr, this.r, this.t, B * n, scale);
    k.sigmoid_backward(this.dr, this.dr, this.r, B * n);
    gemm(c, "tn", sub.W_dec.grad, this.dr, this.h, n, h, B, 1, 1); // dW_dec += drᵀ·h
    k.column_sums(sub.b_dec.grad, this.dr, B, n);
    gemm(c, "nn", this.dh, this.dr, sub.W_dec.ptr, B, h, n, 1, 0); // dh = dr·W_dec
    k.sigmoid_backward(this.dh, this.dh, this.h, B * h);
    gemm(c, "tn", sub.W_enc.grad, this.t, this.dh, n, h, B, 1, 1); // dW_enc += tᵀ·dh
    k.column_sums(sub.b_enc.grad, this.dh, B, h);
    k.embedding_scatter_add(sub.V.grad, this.dh, this.users, B, h);
    this.lastBatch = B;
    return loss;
  }

  /** The tensor whose gradient the step touches only at some rows: V (the codes are dense). */
  lazyTensors(): Param[] {
    return [this.model.subs[this.level].V];
  }

  /** V's rows outside the batch take their dense steps when next read. */
  deferredTensors(): Param[] {
    return [this.model.subs[this.level].V];
  }

  /** The rows of V the last step gave a gradient: its users. */
  touchedRows(): RowList[] {
    return [[this.users, this.lastBatch]];
  }
}
