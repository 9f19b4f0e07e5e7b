// Every kernel call of a core timed, with the work it did (floating-point operations, bytes
// streamed, parameters updated) read from its arguments, so that each kernel's pace can be set
// beside the machine's ceilings.
import type { Core } from "../../bindings/index.js";
import type { Kernels } from "../../bindings/kernels.js";
import { lowerBound } from "../../bindings/search.js";
import { isLazyStepRecord } from "../train/adam.js";

type Cost = (core: Core, a: number[]) => { flops?: number; bytes?: number; params?: number };
const i32 = (c: Core, p: number) => c.arena.i32View(p, 1)[0];

/** Rows of [r0, r1) an in-pass Adam kernel updates: all of them, or in lazy mode those `touched`. */
function updatedRows(c: Core, record: number, r0: number, r1: number, touched: (r: number) => boolean): number {
  if (!isLazyStepRecord(c.arena, record)) return r1 - r0;
  let n = 0;
  for (let r = r0; r < r1; r++) if (touched(r)) n++;
  return n;
}

/** Entries of B CSR rows (ids ascending) whose ids lie in [i0, i1). */
function entriesInRange(c: Core, rowptr: number, cols: number, B: number, i0: number, i1: number): number {
  const ptr = c.arena.i32View(rowptr, B + 1), ids = c.arena.i32View(cols, ptr[B]);
  let n = 0;
  for (let b = 0; b < B; b++) n += lowerBound(ids, i1, ptr[b], ptr[b + 1]) - lowerBound(ids, i0, ptr[b], ptr[b + 1]);
  return n;
}

/** Work per call, from the call's arguments (and the index arrays they point to). */
const COSTS: Partial<Record<keyof Kernels, Cost>> = {
  gemm_nn: (_, a) => ({ flops: 2 * a[3] * a[4] * a[5] }),
  gemm_nt: (_, a) => ({ flops: 2 * a[3] * a[4] * a[5] }),
  gemm_tn: (_, a) => ({ flops: 2 * a[3] * a[4] * a[5] }),
  spmm_forward: (c, a) => ({ flops: (i32(c, a[2] + 4 * a[4]) - i32(c, a[2])) * a[5] }),
  spmm_backward: (c, a) => ({ flops: entriesInRange(c, a[2], a[3], a[4], a[6], a[7]) * a[5] }),
  // three products of H per mask entry: the logit, its share of dW and of dz
  sampled_decoder_train: (c, a) => ({ flops: 6 * (i32(c, a[9] + 4 * i32(c, a[11] + 4 * a[13])) - i32(c, a[9] + 4 * i32(c, a[11] + 4 * a[12]))) * a[15] }),
  adam_step: (_, a) => ({ bytes: 32 * a[4], params: a[4] }),
  adam_rows: (_, a) => ({ bytes: 32 * a[6] * a[7], params: a[6] * a[7] }),
  // rows [r0, r1) of H; in lazy mode (the step record's row steps set) only those with a gradient
  adam_spmm_rows: (c, a) => {
    // one view of the rows' entry bounds per call: a view per row cost more than the kernel
    const rowstart = c.arena.i32View(a[3] + 4 * a[5], a[6] - a[5] + 1);
    return { params: updatedRows(c, a[0], a[5], a[6], (r) => rowstart[r - a[5] + 1] > rowstart[r - a[5]]) * a[7] };
  },
  adam_embedding_rows: (c, a) => ({ params: (isLazyStepRecord(c.arena, a[0]) ? c.arena.i32View(a[3], 2 * a[4]).filter((u, i) => i % 2 === 0 && u >= a[5] && u < a[6]).length : a[6] - a[5]) * a[7] }),
  sigmoid_forward: (_, a) => ({ bytes: 8 * a[2] }),
  sigmoid_backward: (_, a) => ({ bytes: 12 * a[3] }),
  mse_forward: (_, a) => ({ bytes: 8 * a[2] }),
  mse_backward: (_, a) => ({ bytes: 12 * a[3] }),
  embedding_gather_add: (_, a) => ({ bytes: 12 * a[3] * a[4] }),
  embedding_scatter_add: (_, a) => ({ bytes: 12 * a[3] * a[4] }),
  bias_add: (_, a) => ({ bytes: 8 * a[2] * a[3] }),
  column_sums: (_, a) => ({ bytes: 4 * a[2] * a[3] }),
};

/** What a kernel's figures include beyond the name, printed under the table. */
const NOTES: Partial<Record<keyof Kernels, string>> = {
  sampled_decoder_train: "in training its time includes stage 0's Adam step on W_dec and b_dec, taken in the same pass; its GFLOP/s counts only the three products per mask entry",
  adam_spmm_rows: "stage 0's Adam step on W_enc; its time includes summing each row's gradient from the batch",
  adam_embedding_rows: "stage 0's Adam step on V; its time includes reading the batch rows' gradients",
};

export interface KernelProfile {
  kernel: string;
  calls: number;
  ms: number;
  share: number;
  gflops?: number;
  gbps?: number;
  /** Millions of parameters updated per second (Adam). */
  mparams?: number;
  note?: string;
}

/** Milliseconds per kernel (parallel calls under their chains joined by "‖", a chain's kernels by "→") since a mark. */
export type KernelTimes = Map<string, number>;

/**
 * Wrap every kernel of `core` with a timer. read() returns the table so far; since() the times
 * since the last mark() (or the start).
 */
export function instrument(core: Core): { read: (totalMs: number) => KernelProfile[]; mark: () => void; since: () => KernelTimes } {
  const k = core.kernels as unknown as Record<string, (...a: number[]) => unknown>;
  const stats = new Map<string, { calls: number; ms: number; flops: number; bytes: number; params: number }>();
  let window: KernelTimes = new Map();
  const addTime = (name: string, ms: number) => window.set(name, (window.get(name) ?? 0) + ms);
  // a split call is timed as a whole, under its chains joined by "‖", a chain's kernels by "→"
  let inParallel = false;
  if (core.pool) {
    const pool = core.pool, run = pool.run.bind(pool);
    pool.run = (chains) => {
      const t0 = performance.now();
      inParallel = true;
      run(chains);
      inParallel = false;
      const name = [...new Set(chains.map((c) => c.map((t) => t[0]).join("→")))].join("‖");
      const tasks = chains.flat();
      const s = stats.get(name) ?? { calls: 0, ms: 0, flops: 0, bytes: 0, params: 0 };
      const dt = performance.now() - t0;
      s.calls++;
      s.ms += dt;
      addTime(name, dt);
      for (const [kn, a] of tasks) {
        const c = COSTS[kn]?.(core, a);
        s.flops += c?.flops ?? 0;
        s.bytes += c?.bytes ?? 0;
        s.params += c?.params ?? 0;
      }
      stats.set(name, s);
    };
  }
  for (const name of Object.keys(k)) {
    const f = k[name];
    const cost = COSTS[name as keyof Kernels];
    k[name] = (...a: number[]) => {
      if (inParallel) return f(...a);
      const t0 = performance.now();
      const r = f(...a);
      const dt = performance.now() - t0;
      const s = stats.get(name) ?? { calls: 0, ms: 0, flops: 0, bytes: 0, params: 0 };
      s.calls++;
      s.ms += dt;
      addTime(name, dt);
      if (cost) {
        const c = cost(core, a);
        s.flops += c.flops ?? 0;
        s.bytes += c.bytes ?? 0;
        s.params += c.params ?? 0;
      }
      stats.set(name, s);
      return r;
    };
  }
  return {
    read: (totalMs) =>
      [...stats]
        .map(([kernel, s]) => ({ kernel, calls: s.calls, ms: s.ms, share: s.ms / totalMs, gflops: s.flops ? s.flops / (s.ms * 1e6) : undefined, gbps: s.bytes ? s.bytes / (s.ms * 1e6) : undefined, mparams: s.params ? s.params / (s.ms * 1e3) : undefined, note: kernel.split(/[‖→]/).map((n) => NOTES[n as keyof Kernels]).find(Boolean) }))
        .sort((x, y) => y.ms - x.ms),
    mark: () => {
      window = new Map();
    },
    since: () => window,
  };
}

