// Kernels split across threads that share one WebAssembly.Memory. Each worker holds its own
// instance of the threads build over the shared memory and waits on a control word; a parallel
// call writes one argument list per thread, wakes the workers, runs part 0 itself and waits for
// the rest. Work is split so that every thread writes disjoint memory and every sum keeps its
// order: results do not depend on the thread count.
import type { Kernels } from "./kernels.js";
import { KERNEL_NAMES } from "./kernels.js";

export const MAX_ARGS = 20;
/** How long an idle pool thread keeps polling before it sleeps. */
const IDLE_MS = 20;

/** One kernel call: its name and its arguments. */
export type Task = [keyof Kernels, number[]];
// control words: [0] generation, [1] parts finished, [2] workers ready, then per thread:
// [kernel id, argc]. Only kernels without static scratch may be split (not gemm_*, not the gate).
const GEN = 0, DONE = 1, READY = 2, SLOT = 3;

export interface WorkerLike {
  postMessage(m: unknown): void;
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
    const control = new SharedArrayBuffer(4 * (SLOT + 2 * threads));
    const args = new SharedArrayBuffer(8 * MAX_ARGS * threads);
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

  /** Run the tasks (at most one per thread; task 0 on this thread) in parallel; returns when all are done. */
  run(tasks: Task[]): void {
    if (tasks.length > this.threads) throw new RangeError(`${tasks.length} tasks for ${this.threads} threads`);
    for (let t = 1; t < this.threads; t++) {
      const task = tasks[t];
      this.ctrl[SLOT + 2 * t] = task ? KERNEL_NAMES.indexOf(task[0]) : -1;
      this.ctrl[SLOT + 2 * t + 1] = task ? task[1].length : 0;
      if (task) this.args.set(task[1], t * MAX_ARGS);
    }
    Atomics.store(this.ctrl, DONE, 0);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    if (tasks[0]) (this.kernels[tasks[0][0]] as (...a: number[]) => unknown)(...tasks[0][1]);
    const others = this.threads - 1;
    // spin first: a worker usually finishes within microseconds of us, and a wake-up from
    // Atomics.wait can cost far more than the work
    for (let spin = 0; Atomics.load(this.ctrl, DONE) < others && spin < 400000; spin++);
    while (true) {
      const done = Atomics.load(this.ctrl, DONE);
      if (done >= others) break;
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
    const id = ctrl[SLOT + 2 * d.index], argc = ctrl[SLOT + 2 * d.index + 1];
    if (id >= 0) {
      a.length = argc;
      for (let i = 0; i < argc; i++) a[i] = args[d.index * MAX_ARGS + i];
      k[KERNEL_NAMES[id]](...a);
    }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
}
