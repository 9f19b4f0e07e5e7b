// One Adam optimiser over a parameter group, with a fresh state (ALGORITHM.md §3: each stage
// and the gate get their own).
import type { ParamStore } from "../model/params.js";

export class Adam {
  private t = 0;
  private readonly start: number;
  private readonly count: number;

  constructor(private readonly store: ParamStore, group: string, private readonly lr: number, private readonly beta1: number, private readonly beta2: number, private readonly eps: number) {
    const r = store.group(group);
    this.start = r.start * 4;
    this.count = r.end - r.start;
    store.resetOptimizer(group);
  }

  get steps(): number {
    return this.t;
  }

  /** Continue from a saved state: t steps taken, with these moments of the group. */
  restore(steps: number, m: Float32Array, v: Float32Array): void {
    if (m.length !== this.count || v.length !== this.count) throw new RangeError(`Adam state holds ${m.length} moments, the group ${this.count}`);
    this.t = steps;
    const a = this.store.core.arena;
    a.f32View(this.store.m + this.start, this.count).set(m);
    a.f32View(this.store.v + this.start, this.count).set(v);
  }

  /** One update from the accumulated gradients, which it leaves zeroed. */
  step(): void {
    this.t++;
    const s = this.store;
    // PyTorch computes the bias corrections in double precision on the host.
    const stepSize = this.lr / (1 - this.beta1 ** this.t);
    const invBc2Sqrt = 1 / Math.sqrt(1 - this.beta2 ** this.t);
    s.core.kernels.adam_step(s.value + this.start, s.grad + this.start, s.m + this.start, s.v + this.start, this.count, stepSize, this.beta1, this.beta2, invBc2Sqrt, this.eps);
  }
}
