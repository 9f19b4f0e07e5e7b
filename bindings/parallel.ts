// The splittable kernels, run across the core's threads when it has a pool. Each split gives
// every thread disjoint outputs and leaves every sum in its serial order, so the results are
// those of one thread, bit for bit.
import type { Core } from "./core.js";
import type { Task } from "./pool.js";

/** [start, end) bounds splitting [0, n) into `parts` pieces, each a multiple of `align` but the last. */
function bounds(n: number, parts: number, align = 1): number[] {
  const b = [0];
  for (let k = 1; k < parts; k++) b.push(Math.min(n, Math.ceil((n * k) / parts / align) * align));
  b.push(n);
  return b;
}

/** Column bounds that balance the mask's entries (colstart: i32[n+1]). */
function columnBounds(core: Core, colstart: number, n: number, parts: number): number[] {
  const cs = core.arena.i32View(colstart, n + 1);
  const total = cs[n];
  const b = [0];
  for (let k = 1; k < parts; k++) {
    const target = (total * k) / parts;
    let lo = b[k - 1], hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cs[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    b.push(lo);
  }
  b.push(n);
  return b;
}

function run(core: Core, tasks: Task[]): void {
  if (core.pool && tasks.length > 1) core.pool.run(tasks);
  else for (const [k, a] of tasks) (core.kernels[k] as (...x: number[]) => unknown)(...a);
}

export function adamStep(core: Core, p: number, g: number, m: number, v: number, n: number, stepSize: number, beta1: number, beta2: number, invBc2Sqrt: number, eps: number): void {
  const T = n >= 65536 ? core.threads : 1;
  const b = bounds(n, T, 4);
  run(core, Array.from({ length: T }, (_, t): Task => {
    const o = b[t] * 4;
    return ["adam_step", [p + o, g + o, m + o, v + o, b[t + 1] - b[t], stepSize, beta1, beta2, invBc2Sqrt, eps]];
  }));
}

export function adamRows(core: Core, p: number, g: number, m: number, v: number, last: number, rows: number, nrows: number, H: number, t: number, stepSize: number, beta1: number, beta2: number, invBc2Sqrt: number, eps: number): void {
  const T = nrows * H >= 65536 ? core.threads : 1;
  const b = bounds(nrows, T);
  run(core, Array.from({ length: T }, (_, i): Task => ["adam_rows", [p, g, m, v, last, rows + b[i] * 4, b[i + 1] - b[i], H, t, stepSize, beta1, beta2, invBc2Sqrt, eps]]));
}

export function sampledDecoderForward(core: Core, out: number, z: number, W: number, bias: number, colstart: number, entries: number, B: number, n: number, H: number): void {
  const T = core.threads;
  const c = T > 1 ? columnBounds(core, colstart, n, T) : [0, n];
  run(core, Array.from({ length: c.length - 1 }, (_, t): Task => ["sampled_decoder_forward", [out, z, W + c[t] * H * 4, bias + c[t] * 4, colstart + c[t] * 4, entries, B, c[t + 1] - c[t], H]]));
}

/** Both halves of the decoder's backward: the weights by column ranges, the input by row ranges. */
export function sampledDecoderBackward(core: Core, dW: number, dbias: number, dz: number, dout: number, z: number, W: number, colptr: number, cols: number, colstart: number, entries: number, B: number, n: number, H: number): void {
  const T = core.threads;
  const wParts = Math.max(1, T >> 1), zParts = Math.max(1, T - wParts);
  const c = wParts > 1 ? columnBounds(core, colstart, n, wParts) : [0, n];
  const r = bounds(B, zParts);
  const tasks: Task[] = [];
  for (let t = 0; t < wParts; t++) tasks.push(["sampled_decoder_backward_weights", [dW + c[t] * H * 4, dbias + c[t] * 4, dout, z, colstart + c[t] * 4, entries, c[t + 1] - c[t], H]]);
  for (let t = 0; t < zParts; t++) tasks.push(["sampled_decoder_backward_input", [dz + r[t] * H * 4, dout, W, colptr + r[t] * 4, cols, r[t + 1] - r[t], H]]);
  run(core, tasks);
}

/**
 * C = α·op(A)·op(B) + β·C (orientation nn, nt or tn, shapes as the gemm_* kernels), split by
 * blocks of C's rows, each thread with its own packing workspace.
 */
export function gemm(core: Core, orient: "nn" | "nt" | "tn", C: number, A: number, B: number, M: number, N: number, K: number, alpha: number, beta: number): void {
  const T = core.pool && 2 * M * N * K >= 8e6 ? Math.min(core.threads, Math.floor(M / 20)) : 1;
  if (T <= 1) {
    core.kernels[`gemm_${orient}`](C, A, B, M, N, K, alpha, beta, core.gemmWork);
    return;
  }
  const tA = orient === "tn", tB = orient === "nt";
  const lda = tA ? M : K, ldb = tB ? K : N;
  const b = bounds(M, T, 5);
  run(core, Array.from({ length: T }, (_, t): Task => ["gemm", [C + b[t] * N * 4, N, A + (tA ? b[t] : b[t] * K) * 4, lda, B, ldb, b[t + 1] - b[t], N, K, alpha, beta, tA ? 1 : 0, tB ? 1 : 0, core.gemmWorks[t]]]));
}

const ELEMENTWISE_SPLIT = 1 << 16;

/** y = σ(x) over n values (y may alias x), split by element ranges. */
export function sigmoidForward(core: Core, y: number, x: number, n: number): void {
  const T = n >= ELEMENTWISE_SPLIT ? core.threads : 1;
  const b = bounds(n, T, 4);
  run(core, Array.from({ length: T }, (_, t): Task => ["sigmoid_forward", [y + b[t] * 4, x + b[t] * 4, b[t + 1] - b[t]]]));
}

/** dx = dy·(1 − y)·y over n values, split by element ranges. */
export function sigmoidBackward(core: Core, dx: number, dy: number, y: number, n: number): void {
  const T = n >= ELEMENTWISE_SPLIT ? core.threads : 1;
  const b = bounds(n, T, 4);
  run(core, Array.from({ length: T }, (_, t): Task => ["sigmoid_backward", [dx + b[t] * 4, dy + b[t] * 4, y + b[t] * 4, b[t + 1] - b[t]]]));
}

/** out[b,:] += bias for B rows of N, split by row ranges. */
export function biasAdd(core: Core, out: number, bias: number, B: number, N: number): void {
  const T = B * N >= ELEMENTWISE_SPLIT ? Math.min(core.threads, B) : 1;
  const r = bounds(B, T);
  run(core, Array.from({ length: T }, (_, t): Task => ["bias_add", [out + r[t] * N * 4, bias, r[t + 1] - r[t], N]]));
}
