// Kernels split across threads that share one WebAssembly.Memory. Each worker holds its own
// instance of the threads build over the shared memory and waits on a control word; a parallel
// call writes its tasks' argument lists, wakes the workers, and every thread (this one too)
// claims chains of tasks one at a time from a shared counter until none are left, so a thread
// that runs slower (a busy core) simply takes fewer. A chain's tasks run in order on the thread
// that claimed it, so a later one may read what an earlier one wrote, from that core's cache.
// Work is split so that every chain writes disjoint memory and every sum keeps its order:
// results depend neither on the thread count nor on which thread ran which chain.
import type { Kernels } from "./kernels.js";
import { KERNEL_NAMES } from "./kernels.js";

export const MAX_ARGS = 20;
/** The most tasks one parallel call may have. */
export const MAX_TASKS = 16;
/** How long an idle pool thread keeps polling before it sleeps. */
const IDLE_MS = 20;

/** One kernel call: its name and its arguments. */
export type Task = [keyof Kernels, number[]];
/** Kernel calls that one thread runs in order. */
export type Chain = Task[];
// control words: [0] generation, [1] chains finished, [2] workers ready, [3] the call's claim
// word, chains << 8 | next chain to claim; then per chain: [first task, task count]; then per
// task: [kernel id, argc]. The claim word carries the call's chain count with the counter, so a
// thread that saw an earlier call can only ever claim a chain of the call being served: a
// count read apart from the counter could belong to a newer call, whose tables that thread
// would then run before they are published (and a chain would run twice). Only kernels without
// static scratch may be split (not gemm_*, not the gate).
const GEN = 0, DONE = 1, READY = 2, NEXT = 3, CHAIN = 4, SLOT = CHAIN + 2 * MAX_TASKS;

/** Run a chain's kernel calls in order on this thread. */
export function runChain(kernels: Kernels, chain: Chain): void {
  for (const [kernel, a] of chain) (kernels[kernel] as (...x: number[]) => unknown)(...a);
}

/** Claim the next chain of the call being served; -1 when none is left. */
function claim(ctrl: Int32Array): number {
  for (;;) {
    const next = Atomics.load(ctrl, NEXT);
    const t = next & 255;
    if (t >= next >>> 8) return -1;
    if (Atomics.compareExchange(ctrl, NEXT, next, next + 1) === next) return t;
  }
}

export interface WorkerLike {
  terminate(): unknown;
}

/** How a runtime starts a worker running the pool-worker script with the given data; onError hears its failures. */
export type SpawnWorker = (data: PoolWorkerData, onError: (e: Error) => void) => WorkerLike;

export interface PoolWorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  args: SharedArrayBuffer;
  index: number;
}

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: WorkerLike[];
  private failure: Error | null = null;

  private constructor(readonly threads: number, private readonly kernels: Kernels, module: WebAssembly.Module, memory: WebAssembly.Memory, spawn: SpawnWorker) {
    const control = new SharedArrayBuffer(4 * (SLOT + 2 * MAX_TASKS));
    const args = new SharedArrayBuffer(8 * MAX_ARGS * MAX_TASKS);
    this.ctrl = new Int32Array(control);
    this.args = new Float64Array(args);
    this.workers = Array.from({ length: threads - 1 }, (_, i) => spawn({ module, memory, control, args, index: i + 1 }, (e) => (this.failure ??= e)));
  }

  /** Start the workers and wait until each has instantiated (which rewrites static data). */
  static async create(threads: number, kernels: Kernels, module: WebAssembly.Module, memory: WebAssembly.Memory, spawn: SpawnWorker): Promise<ThreadPool> {
    const pool = new ThreadPool(threads, kernels, module, memory, spawn);
    const t0 = Date.now();
    while (Atomics.load(pool.ctrl, READY) < threads - 1) {
      if (pool.failure || Date.now() - t0 > 20000) {
        pool.terminate();
        throw new Error(pool.failure ? `a pool thread failed to start: ${pool.failure.message}` : `only ${Atomics.load(pool.ctrl, READY)} of ${threads - 1} pool threads started within 20 s`);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    return pool;
  }

  /** Run the chains (at most MAX_TASKS tasks in all) across the threads, this one included; returns when all are done. */
  run(chains: Chain[]): void {
    const n = chains.length;
    let t = 0;
    chains.forEach((chain, c) => {
      if (t + chain.length > MAX_TASKS) throw new RangeError(`more than ${MAX_TASKS} tasks in one parallel call`);
      this.ctrl[CHAIN + 2 * c] = t;
      this.ctrl[CHAIN + 2 * c + 1] = chain.length;
      for (const [kernel, a] of chain) {
        if (a.length > MAX_ARGS) throw new RangeError(`${kernel} is given ${a.length} arguments; a parallel task holds at most ${MAX_ARGS}`);
        this.ctrl[SLOT + 2 * t] = KERNEL_NAMES.indexOf(kernel);
        this.ctrl[SLOT + 2 * t + 1] = a.length;
        this.args.set(a, t * MAX_ARGS);
        t++;
      }
    });
    // the tables and the finished count are set before the claim word publishes the call, so
    // a thread that claims a chain from it sees them; the generation then wakes the sleepers
    Atomics.store(this.ctrl, DONE, 0);
    Atomics.store(this.ctrl, NEXT, n << 8);
    Atomics.store(this.ctrl, GEN, Atomics.load(this.ctrl, GEN) + 1);
    Atomics.notify(this.ctrl, GEN);
    for (let c = claim(this.ctrl); c >= 0; c = claim(this.ctrl)) {
      runChain(this.kernels, chains[c]);
      Atomics.add(this.ctrl, DONE, 1);
    }
    // spin first: a worker usually finishes within microseconds of us, and a wake-up from
    // Atomics.wait can cost far more than the work
    for (let spin = 0; Atomics.load(this.ctrl, DONE) < n && spin < 400000; spin++);
    while (true) {
      const done = Atomics.load(this.ctrl, DONE);
      if (done >= n) break;
      if (this.failure) throw new Error(`a pool thread failed: ${this.failure.message}`);
      Atomics.wait(this.ctrl, DONE, done, 50);
    }
  }

  terminate(): void {
    Atomics.store(this.ctrl, GEN, -1 >>> 1);
    for (const w of this.workers) w.terminate();
  }
}

/** The worker side: instantiate over the shared memory, then serve parallel calls forever. */
export function serveWorker(d: PoolWorkerData): void {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const k = inst.exports as Record<string, (...a: number[]) => unknown>;
  const ctrl = new Int32Array(d.control), args = new Float64Array(d.args);
  let gen = Atomics.load(ctrl, GEN);
  Atomics.add(ctrl, READY, 1);
  const a: number[] = [];
  for (;;) {
    // stay awake while calls keep coming (a futex wake-up costs more than the split saves);
    // after IDLE_MS without one, sleep
    const idleSince = performance.now();
    while (Atomics.load(ctrl, GEN) === gen && performance.now() - idleSince < IDLE_MS) for (let i = 0; i < 1000 && Atomics.load(ctrl, GEN) === gen; i++);
    while (Atomics.load(ctrl, GEN) === gen) Atomics.wait(ctrl, GEN, gen, 100);
    gen = Atomics.load(ctrl, GEN);
    for (let c = claim(ctrl); c >= 0; c = claim(ctrl)) {
      const first = ctrl[CHAIN + 2 * c], end = first + ctrl[CHAIN + 2 * c + 1];
      for (let t = first; t < end; t++) {
        const argc = ctrl[SLOT + 2 * t + 1];
        a.length = argc;
        for (let i = 0; i < argc; i++) a[i] = args[t * MAX_ARGS + i];
        k[KERNEL_NAMES[ctrl[SLOT + 2 * t]]](...a);
      }
      Atomics.add(ctrl, DONE, 1);
    }
    Atomics.notify(ctrl, DONE);
  }
}
