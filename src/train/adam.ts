// One Adam optimiser over a parameter group, with a fresh state (ALGORITHM.md §3: each stage
// and the gate get their own). With `lazy`, the group's user embedding (its last tensor) is
// updated only at the batch's rows (the lazy-Adam option); everything else is updated densely.
import type { Param, ParamStore } from "../model/params.js";
import { adamRows, adamStep } from "../../bindings/parallel.js";

export class Adam {
  private t = 0;
  private readonly start: number;
  private readonly count: number;
  private readonly denseCount: number;
  /** i32 per embedding row: the step that last updated it (lazy mode). */
  private readonly last: number = 0;

  constructor(private readonly store: ParamStore, group: string, private readonly lr: number, private readonly beta1: number, private readonly beta2: number, private readonly eps: number, private readonly lazy?: Param) {
    const r = store.group(group);
    this.start = r.start * 4;
    this.count = r.end - r.start;
    this.denseCount = this.count;
    store.resetOptimizer(group);
    if (lazy) {
      if (lazy.offset + ((lazy.length + 3) & ~3) !== r.end) throw new Error(`${lazy.name} is not the last tensor of ${group}`);
      this.denseCount = lazy.offset - r.start;
      this.last = store.core.arena.alloc(lazy.shape[0] * 4, "lazy Adam row steps");
      store.core.arena.i32View(this.last, lazy.shape[0]).fill(0);
    }
  }

  get steps(): number {
    return this.t;
  }

  /** Per-row last steps of the lazily updated embedding (a copy), for snapshots. */
  rowSteps(): Int32Array | undefined {
    return this.lazy ? this.store.core.arena.i32View(this.last, this.lazy.shape[0]).slice() : undefined;
  }

  /** Continue from a saved state: t steps taken, with these moments of the group. */
  restore(steps: number, m: Float32Array, v: Float32Array, rowSteps?: Int32Array): void {
    if (m.length !== this.count || v.length !== this.count) throw new RangeError(`Adam state holds ${m.length} moments, the group ${this.count}`);
    if (!!rowSteps !== !!this.lazy) throw new RangeError("the saved Adam state and this run disagree on the lazy-Adam option");
    this.t = steps;
    const a = this.store.core.arena;
    a.f32View(this.store.m + this.start, this.count).set(m);
    a.f32View(this.store.v + this.start, this.count).set(v);
    if (rowSteps && this.lazy) a.i32View(this.last, this.lazy.shape[0]).set(rowSteps);
  }

  /**
   * One update from the accumulated gradients, which it leaves zeroed. In lazy mode `rows`
   * (i32[count]) lists the embedding rows with a gradient this step.
   */
  step(rows = 0, count = 0): void {
    this.t++;
    const s = this.store;
    // PyTorch computes the bias corrections in double precision on the host.
    const stepSize = this.lr / (1 - this.beta1 ** this.t);
    const invBc2Sqrt = 1 / Math.sqrt(1 - this.beta2 ** this.t);
    const o = this.start;
    adamStep(s.core, s.value + o, s.grad + o, s.m + o, s.v + o, this.denseCount, stepSize, this.beta1, this.beta2, invBc2Sqrt, this.eps);
    if (this.lazy) {
      const V = this.lazy;
      adamRows(s.core, V.ptr, V.grad, V.m, V.v, this.last, rows, count, V.shape[1], this.t, stepSize, this.beta1, this.beta2, invBc2Sqrt, this.eps);
    }
  }
}
