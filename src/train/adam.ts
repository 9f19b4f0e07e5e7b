// One Adam optimiser over a parameter group, with a fresh state (ALGORITHM.md §3: each stage
// and the gate get their own). Tensors named `lazy` (row-major, one row per item or user) are
// updated only at the rows given to each step, the rows their sparse gradient touched (the
// lazy-Adam option); everything else in the group is updated densely. Tensors named `fused`
// are updated by the stage's own kernel pass, from the step record fusedStep() hands it.
// Tensors named `deferred` (row-major, not lazy) are updated densely, as the release does, but
// a row with a zero gradient takes its steps when it is next read (catchUp) or at the end of the
// epoch (flush), all at once and bit for bit as it would have taken them one by one; the rows
// with a gradient are those given to each step, or, for a fused tensor, its pass's.
import { paddedLength, type Param, type ParamStore } from "../model/params.js";
import { adamCatchUpTasks, adamRows, adamStep, runTasks } from "../../bindings/parallel.js";
import { MAX_TASKS, type Task } from "../../bindings/pool.js";
import type { Arena } from "../../bindings/arena.js";

/** Rows of one lazily updated tensor that carry a gradient this step: an i32 slab and its length. */
export type RowList = [rows: number, count: number];

// The layout of AdamStepRecord (assembly/adam.ts): f32 stepSize, beta1, beta2, invBc2Sqrt, eps
// at 0; i32 t at 20; then the pointers mW, vW, mb, vb, last (0 for dense Adam).
const RECORD_BYTES = 44;
const RECORD_T = 20;
const RECORD_LAST = 40;

/** Whether a step record is for lazy Adam: it points at row steps. */
export const isLazyStepRecord = (arena: Arena, record: number) => arena.u32View(record + RECORD_LAST, 1)[0] !== 0;

export class Adam {
  private t = 0;
  private readonly start: number;
  private readonly count: number;
  /** Float ranges [start, end) of the group updated densely. */
  private readonly dense: [number, number][] = [];
  /** Per lazy tensor, an i32 per row: the step that last updated it. */
  private readonly last: number[];
  /** The lazy and deferred tensors step() updates (those not fused) from row lists, with their row-step slabs. */
  private readonly rowed: { p: Param; last: number }[];
  /** Per fused weight, the step record fusedStep() fills. */
  private readonly records = new Map<Param, number>();
  /** Per deferred tensor, an i32 per row: the step it is up to date with. */
  private readonly upTo: number[];
  /** (stepSize, invBc2Sqrt) f32 pairs of the steps since `base`, the last flush; room for `room`. */
  private stepTable = 0;
  private room = 0;
  private base = 0;

  constructor(private readonly store: ParamStore, group: string, private readonly lr: number, private readonly beta1: number, private readonly beta2: number, private readonly eps: number, private readonly lazy: Param[] = [], private readonly fused: Param[] = [], private readonly deferred: Param[] = []) {
    const r = store.group(group);
    this.start = r.start;
    this.count = r.end - r.start;
    store.resetOptimizer(group);
    const holes = [...new Set([...lazy, ...fused, ...deferred])].map((p): [number, number] => [p.offset, p.offset + paddedLength(p.length)]).sort((a, b) => a[0] - b[0]);
    let at = r.start;
    for (const [s, e] of holes) {
      if (s < r.start || e > r.end) throw new Error(`lazily updated tensor at ${s} is outside the group ${group}`);
      if (s > at) this.dense.push([at, s]);
      at = e;
    }
    if (at < r.end) this.dense.push([at, r.end]);
    const a = store.core.arena;
    // an i32 per row, each row at step 0
    const rowSteps = (p: Param) => {
      const ptr = a.alloc(p.shape[0] * 4, "Adam row steps");
      a.i32View(ptr, p.shape[0]).fill(0);
      return ptr;
    };
    this.last = lazy.map(rowSteps);
    for (const p of deferred) if (lazy.includes(p)) throw new Error(`${p.name} is deferred, so it cannot be lazy`);
    this.upTo = deferred.map(rowSteps);
    for (const p of fused) this.records.set(p, a.alloc(RECORD_BYTES, "Adam step record"));
    this.rowed = [...lazy.map((p, i) => ({ p, last: this.last[i] })), ...deferred.map((p, i) => ({ p, last: this.upTo[i] }))].filter(({ p }) => !fused.includes(p));
  }

  /** Each lazy tensor's row steps, as views into Wasm memory (made afresh: memory may have grown). */
  private rowStepViews(): Int32Array[] {
    return this.lazy.map((p, i) => this.store.core.arena.i32View(this.last[i], p.shape[0]));
  }

  get steps(): number {
    return this.t;
  }

  /** Each lazy tensor's per-row last steps, concatenated in the order given (a copy), for snapshots. */
  rowSteps(): Int32Array | undefined {
    if (!this.lazy.length) return undefined;
    const views = this.rowStepViews();
    const out = new Int32Array(views.reduce((n, v) => n + v.length, 0));
    let at = 0;
    for (const v of views) {
      out.set(v, at);
      at += v.length;
    }
    return out;
  }

  /** Continue from a saved state: t steps taken, with these moments of the group. */
  restore(steps: number, m: Float32Array, v: Float32Array, rowSteps?: Int32Array): void {
    if (m.length !== this.count || v.length !== this.count) throw new RangeError(`Adam state holds ${m.length} moments, the group ${this.count}`);
    if (!!rowSteps !== this.lazy.length > 0) throw new RangeError("the saved Adam state and this run disagree on the lazy-Adam option");
    const views = this.rowStepViews();
    const rows = views.reduce((n, v) => n + v.length, 0);
    if (rowSteps && rowSteps.length !== rows) throw new RangeError(`the saved lazy-Adam state holds ${rowSteps.length} row steps, this run ${rows}`);
    this.t = steps;
    this.base = steps;
    const a = this.store.core.arena;
    this.deferred.forEach((p, i) => a.i32View(this.upTo[i], p.shape[0]).fill(steps));
    a.f32View(this.store.m + this.start * 4, this.count).set(m);
    a.f32View(this.store.v + this.start * 4, this.count).set(v);
    let at = 0;
    for (const view of views) {
      view.set(rowSteps!.subarray(at, at + view.length));
      at += view.length;
    }
  }

  /** PyTorch's step size and 1/√(bias correction 2) for step t, computed in double precision on the host. */
  private constants(t: number): { stepSize: number; invBc2Sqrt: number } {
    return { stepSize: this.lr / (1 - this.beta1 ** t), invBc2Sqrt: 1 / Math.sqrt(1 - this.beta2 ** t) };
  }

  /**
   * The record of the step the next step() call takes, for a pass that updates the fused
   * weight W (densely, or at its touched rows when W is lazy) and its bias b, if any, itself:
   * the layout of AdamStepRecord (assembly/adam.ts).
   */
  fusedStep(W: Param, b?: Param): number {
    for (const p of [W, b]) if (p && !this.fused.includes(p)) throw new Error(`${p.name} is not among the tensors this Adam leaves to a pass`);
    const a = this.store.core.arena;
    const record = this.records.get(W)!;
    const { stepSize, invBc2Sqrt } = this.constants(this.t + 1);
    a.f32View(record, 5).set([stepSize, this.beta1, this.beta2, invBc2Sqrt, this.eps]);
    // a deferred tensor's batch rows are caught up: its step is lazy Adam's with nothing skipped
    const lazy = this.lazy.indexOf(W), deferred = this.deferred.indexOf(W);
    a.u32View(record + RECORD_T, 6).set([this.t + 1, W.m, W.v, b?.m ?? 0, b?.v ?? 0, lazy >= 0 ? this.last[lazy] : deferred >= 0 ? this.upTo[deferred] : 0]);
    return record;
  }

  /** Whether step() needs row lists (lazy or deferred tensors it updates itself). */
  get takesRows(): boolean {
    return this.rowed.length > 0;
  }

  /**
   * Bring the listed rows of p (i32 row ids, distinct) up to the steps taken, before they are
   * read; nothing to do unless p is deferred.
   */
  catchUp(p: Param, rows: number, count: number): void {
    runTasks(this.store.core, this.catchUpTasks(p, rows, count));
  }

  /** catchUp's kernel calls, at most maxTasks, for a pass that runs them beside its own (none unless p is deferred). */
  catchUpTasks(p: Param, rows: number, count: number, maxTasks = MAX_TASKS): Task[] {
    const i = this.deferred.indexOf(p);
    return i < 0 ? [] : this.rowTasks(i, rows, count, maxTasks);
  }

  /** Bring every row of the deferred tensors up to the steps taken (the end of an epoch). */
  flush(): void {
    this.deferred.forEach((p, i) => runTasks(this.store.core, this.rowTasks(i, 0, p.shape[0])));
    this.base = this.t;
  }

  /** The adam_catch_up calls that bring the listed rows of deferred tensor i up to the steps taken. */
  private rowTasks(i: number, rows: number, count: number, maxTasks = MAX_TASKS): Task[] {
    const p = this.deferred[i];
    return adamCatchUpTasks(this.store.core, p.ptr, p.m, p.v, this.upTo[i], rows, count, p.shape[1], this.t, this.stepTable, this.base, this.beta1, this.beta2, this.eps, maxTasks);
  }

  /** Keep step t's constants for the deferred rows' catching up. */
  private recordStep(stepSize: number, invBc2Sqrt: number): void {
    const a = this.store.core.arena;
    const at = this.t - this.base - 1;
    if (at >= this.room) {
      const room = Math.max(1024, 2 * this.room), table = a.f32(2 * room, "Adam step constants");
      if (this.room) a.f32View(table, 2 * this.room).set(a.f32View(this.stepTable, 2 * this.room));
      [this.stepTable, this.room] = [table, room];
    }
    a.f32View(this.stepTable + 8 * at, 2).set([stepSize, invBc2Sqrt]);
  }

  /**
   * One update from the accumulated gradients, which it leaves zeroed (at the updated rows, the
   * only ones a lazy or deferred tensor's gradient touches). `rows` holds one list per lazy
   * tensor, then per deferred tensor, that is not fused.
   */
  step(rows: RowList[] = []): void {
    if (rows.length !== this.rowed.length) throw new RangeError(`${rows.length} row lists for ${this.rowed.length} tensors updated at some rows`);
    this.t++;
    const s = this.store;
    const { stepSize, invBc2Sqrt } = this.constants(this.t);
    if (this.deferred.length) this.recordStep(stepSize, invBc2Sqrt);
    for (const [start, end] of this.dense) {
      const o = start * 4;
      adamStep(s.core, s.value + o, s.grad + o, s.m + o, s.v + o, end - start, stepSize, this.beta1, this.beta2, invBc2Sqrt, this.eps);
    }
    // a deferred tensor's rows are caught up: adam_rows's step is the dense one
    this.rowed.forEach(({ p, last }, i) => adamRows(s.core, p.ptr, p.grad, p.m, p.v, last, rows[i][0], rows[i][1], p.shape[1], this.t, stepSize, this.beta1, this.beta2, invBc2Sqrt, this.eps));
  }
}
