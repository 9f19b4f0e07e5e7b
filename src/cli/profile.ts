// `ael profile`: a short training with every kernel call timed, reported per kernel with its
// calls, total time, share of the run, and achieved GFLOP/s (compute kernels), parameters per
// second (Adam) or GB/s (memory-bound ones) beside this machine's measured ceilings; then stage
// 0's fastest epoch (after the first) split per step, which bursts of load from elsewhere on the
// machine disturb least, with the time spent outside the kernels.
import { createCore, type Core, type Flavour } from "../../bindings/index.js";
import { lowerBound } from "../../bindings/search.js";
import { train } from "../api.js";
import { list, loadData, num, type Args } from "./args.js";
import type { Kernels } from "../../bindings/kernels.js";
import { DEFAULTS } from "../train/config.js";
import { isLazyStepRecord } from "../train/adam.js";
import type { ProgressEvent } from "../train/trainer.js";

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

/** Stage 0's fastest epoch: its time per step, and each kernel's and the rest's share of it. */
export interface FastestEpoch {
  epoch: number;
  steps: number;
  step_us: number;
  kernels: { kernel: string; us_per_step: number }[];
  outside_us_per_step: number;
}

/**
 * Follows training's progress events and keeps stage 0's fastest epoch after the first (whose
 * window also holds the run's set-up and the engine's warm-up), split by kernel.
 */
function fastestStage0Epoch(probe: ReturnType<typeof instrument>, stepsPerEpoch: number) {
  let best: FastestEpoch | undefined;
  let t0 = performance.now();
  return {
    onProgress(e: ProgressEvent): void {
      const now = performance.now();
      if (e.stage === "stage0" && e.epoch > 1 && (!best || (now - t0) / stepsPerEpoch < best.step_us / 1000)) {
        const perStep = (ms: number) => (1000 * ms) / stepsPerEpoch;
        const kernels = [...probe.since()].map(([kernel, ms]) => ({ kernel, us_per_step: perStep(ms) })).sort((x, y) => y.us_per_step - x.us_per_step);
        const step_us = perStep(now - t0);
        best = { epoch: e.epoch, steps: stepsPerEpoch, step_us, kernels, outside_us_per_step: step_us - kernels.reduce((s, r) => s + r.us_per_step, 0) };
      }
      probe.mark();
      t0 = performance.now();
    },
    result: () => best,
  };
}

/**
 * This machine's ceilings for the core: GEMM GFLOP/s (the 5×8 register tile at 512³), axpy-style
 * GB/s over slabs far larger than the caches, and Adam's parameters per second on a slab held in
 * L2, where its square root and division per parameter, not memory, set the pace.
 */
export function ceilings(core: Core): { gflops: number; gbps: number; adamMparams: number } {
  const { arena, kernels: k, gemmWork } = core;
  const mark = arena.mark();
  try {
    const best = (fn: () => void, reps: number) => {
      fn();
      let t = Infinity;
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        fn();
        t = Math.min(t, performance.now() - t0);
      }
      return t;
    };
    const n = 512;
    const A = arena.f32(n * n), B = arena.f32(n * n), C = arena.f32(n * n);
    arena.f32View(A, n * n).fill(0.5);
    arena.f32View(B, n * n).fill(0.25);
    const gflops = (2 * n ** 3) / (best(() => k.gemm_nn(C, A, B, n, n, n, 1, 0, gemmWork), 40) * 1e6);
    const len = 16 << 20;
    const X = arena.f32(len), Y = arena.f32(len);
    arena.f32View(X, len).fill(1);
    // bias_add over one long row: read two streams, write one
    const gbps = (12 * len) / (best(() => k.bias_add(Y, X, 1, len), 20) * 1e6);
    // 16384 parameters (256 KiB of p, g, m, v) stepped 20 times per timing
    const P = 16384, calls = 20;
    const [p, g, m, v] = [0, 1, 2, 3].map(() => arena.f32(P));
    arena.f32View(v, P).fill(1e-6);
    const adamMparams = (P * calls) / (best(() => {
      for (let i = 0; i < calls; i++) k.adam_step(p, g, m, v, P, 1e-3, 0.9, 0.999, 1, 1e-8);
    }, 20) * 1e3);
    return { gflops, gbps, adamMparams };
  } finally {
    arena.reset(mark);
  }
}

export async function profileCommand(a: Args): Promise<void> {
  // one thread unless asked: per-kernel times are only separable on one thread
  const core = await createCore({ flavour: a.flavour as Flavour | undefined, threads: num(a.threads, "threads") ?? 1 });
  const ceiling = ceilings(core);
  const probe = instrument(core);
  const data = await loadData(a, 1);
  const batchSize = DEFAULTS.batchSize;
  const fastest = fastestStage0Epoch(probe, Math.ceil(data.users / batchSize));
  const t0 = performance.now();
  probe.mark();
  await train(data, { core, epochs: list(a.epochs, "epochs") ?? [20, 5, 5], gateEpochs: num(a["gate-epochs"], "gate-epochs") ?? 5, lazyAdam: a["lazy-adam"], batchSize, onProgress: fastest.onProgress });
  const total = performance.now() - t0;
  const rows = probe.read(total);
  const epoch = fastest.result();
  if (a.json) console.log(JSON.stringify({ dataset: data.name, flavour: core.flavour, threads: core.threads, total_ms: total, ceilings: ceiling, kernels: rows, stage0_fastest_epoch: epoch }));
  else {
    console.log(`${data.name}, ${core.flavour} core, ${core.threads} thread${core.threads > 1 ? "s" : ""}: ${(total / 1000).toFixed(2)} s; ceilings ${ceiling.gflops.toFixed(1)} GFLOP/s (GEMM 512³), ${ceiling.gbps.toFixed(1)} GB/s (streaming), ${ceiling.adamMparams.toFixed(0)} M params/s (Adam in L2)`);
    console.log(`${"kernel".padEnd(26)}${"calls".padStart(9)}${"total ms".padStart(11)}${"share".padStart(8)}   achieved`);
    for (const r of rows) {
      const ach =
        r.gflops !== undefined ? `${r.gflops.toFixed(2)} GFLOP/s (${((100 * r.gflops) / ceiling.gflops).toFixed(0)}% of ceiling)`
        : r.mparams !== undefined ? `${r.mparams.toFixed(0)} M params/s (${((100 * r.mparams) / ceiling.adamMparams).toFixed(0)}% of ceiling)`
        : r.gbps !== undefined ? `${r.gbps.toFixed(2)} GB/s (${((100 * r.gbps) / ceiling.gbps).toFixed(0)}% of ceiling)`
        : "";
      console.log(`${r.kernel.padEnd(26)}${String(r.calls).padStart(9)}${r.ms.toFixed(1).padStart(11)}${(100 * r.share).toFixed(1).padStart(7)}%   ${ach}`);
    }
    for (const r of rows) if (r.note) console.log(`note: ${r.kernel}: ${r.note}`);
    if (epoch) {
      console.log(`\nstage 0, fastest epoch (${epoch.epoch}): ${epoch.step_us.toFixed(0)} µs per step over ${epoch.steps} steps`);
      for (const r of epoch.kernels) console.log(`${r.kernel.padEnd(40)}${r.us_per_step.toFixed(1).padStart(9)} µs${(100 * r.us_per_step / epoch.step_us).toFixed(1).padStart(7)}%`);
      console.log(`${"outside the kernels".padEnd(40)}${epoch.outside_us_per_step.toFixed(1).padStart(9)} µs${(100 * epoch.outside_us_per_step / epoch.step_us).toFixed(1).padStart(7)}%`);
    }
  }
}
