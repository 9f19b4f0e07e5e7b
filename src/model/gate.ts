// The sparse gating network over E frozen experts (ALGORITHM.md §4):
//   clean = x·W_g,  stddev = softplus(x·W_n) + 0.01,  logits = clean + ε ⊙ stddev (training)
//   gates = softmax over the top k logits, scattered;  y = Σ_e gates_e · expert_e
// Buffers are B×E; top is B×min(k+1, E).
import type { AelModel } from "./ael.js";
import type { BatchRows } from "./forward.js";

export class Gate {
  readonly clean: number;
  readonly raw: number;
  readonly eps: number;
  readonly logits: number;
  readonly stddev: number;
  readonly gates: number;
  readonly prob: number;
  readonly top: number;

  constructor(readonly model: AelModel, readonly maxBatch: number) {
    const a = model.core.arena;
    const n = maxBatch * model.experts;
    const f = () => a.f32(n, "gate buffers");
    this.clean = f();
    this.raw = f();
    this.eps = f();
    this.logits = f();
    this.stddev = f();
    this.gates = f();
    this.prob = f();
    this.top = a.alloc(maxBatch * (model.experts + 1) * 4, "gate buffers");
  }

  /**
   * Route the batch with k experts per sample. With `noiseState` (training) the logits get
   * N(0,1)·stddev noise drawn from that RNG state; without it they are the clean logits.
   */
  route(rows: BatchRows, k: number, noiseState?: number): void {
    const { kernels: K, arena } = this.model.core;
    const B = rows.size, E = this.model.experts;
    arena.f32View(this.clean, B * E).fill(0);
    K.spmm_forward(this.clean, this.model.W_g.ptr, rows.rowptr, rows.cols, B, E);
    const noisy = noiseState !== undefined;
    if (noisy) {
      arena.f32View(this.raw, B * E).fill(0);
      K.spmm_forward(this.raw, this.model.W_n.ptr, rows.rowptr, rows.cols, B, E);
      K.rng_normal(this.eps, B * E, 0, 1, noiseState);
    }
    K.gate_forward(this.gates, this.logits, this.stddev, this.top, this.prob, this.clean, this.raw, this.eps, B, E, k, noisy);
  }

  /** Gates of the last route(), B×E. */
  gatesView(B: number): Float32Array {
    return this.model.core.arena.f32View(this.gates, B * this.model.experts);
  }
}
