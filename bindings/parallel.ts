// The splittable kernels, run across the core's threads when it has a pool. Each split gives
// every thread disjoint outputs and leaves every sum in its serial order, so the results are
// those of one thread, bit for bit.
import type { Core } from "./core.js";
import { MAX_TASKS, runChain, type Chain, type Task } from "./pool.js";
import { lowerBound } from "./search.js";
import { alignLine } from "./arena.js";

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
  for (let k = 1; k < parts; k++) b.push(lowerBound(cs, (total * k) / parts, b[k - 1], n));
  b.push(n);
  return b;
}

/** Independent kernel calls (disjoint outputs) spread over the threads when there are several, else one after the other. */
export function runTasks(core: Core, tasks: Task[]): void {
  together(core, ...tasks.map((t): Chain => [t]));
}

/**
 * Independent chains of kernel calls (disjoint outputs) spread over the threads when there are
 * several, else one after the other; each chain's calls run in order on one thread.
 */
export function together(core: Core, ...chains: Chain[]): void {
  if (core.pool && chains.length > 1) core.pool.run(chains);
  else for (const chain of chains) runChain(core.kernels, chain);
}

/** Below this many floats, a streaming kernel runs on one thread: the fork and join would cost more. */
const ELEMENTWISE_SPLIT = 1 << 16;

/** Tasks a long kernel is cut into on a pool: enough that a thread on a busy core takes fewer. */
const tasksFor = (core: Core) => (core.pool ? Math.min(MAX_TASKS, 4 * core.threads) : 1);

/**
 * A kernel over [0, n) (rows, ids, elements) cut into T ranges, each a multiple of `align` but
 * the last, run by runTasks; task(first, count, t) is the call for the t-th, [first, first + count).
 */
function byRanges(core: Core, n: number, T: number, task: (first: number, count: number, t: number) => Task, align = 1): void {
  const b = bounds(n, T, align);
  runTasks(core, Array.from({ length: T }, (_, t) => task(b[t], b[t + 1] - b[t], t)));
}

/**
 * A streaming kernel over n elements, cut into `pieces` element ranges (each a multiple of
 * `align` but the last) when n reaches ELEMENTWISE_SPLIT, else run whole; task(o, count) is the
 * call for the range starting at byte offset o.
 */
function byElements(core: Core, n: number, pieces: number, align: number, task: (o: number, count: number) => Task): void {
  byRanges(core, n, n >= ELEMENTWISE_SPLIT ? pieces : 1, (first, count) => task(first * 4, count), align);
}

export function adamStep(core: Core, p: number, g: number, m: number, v: number, n: number, stepSize: number, beta1: number, beta2: number, invBc2Sqrt: number, eps: number): void {
  byElements(core, n, tasksFor(core), 16, (o, count) => ["adam_step", [p + o, g + o, m + o, v + o, count, stepSize, beta1, beta2, invBc2Sqrt, eps]]);
}

export function adamRows(core: Core, p: number, g: number, m: number, v: number, last: number, rows: number, nrows: number, H: number, t: number, stepSize: number, beta1: number, beta2: number, invBc2Sqrt: number, eps: number): void {
  const T = nrows * H >= ELEMENTWISE_SPLIT ? tasksFor(core) : 1;
  byRanges(core, nrows, T, (first, count) => ["adam_rows", [p, g, m, v, last, rows + first * 4, count, H, t, stepSize, beta1, beta2, invBc2Sqrt, eps]]);
}

/**
 * Dense Adam's skipped zero-gradient steps, up to step t, for rows [0, count) of the list at
 * `rows` (or rows [0, count) themselves when rows is 0): adam_catch_up's calls, the rows spread
 * over the threads when they hold enough steps to pay for it (steps · H · rows, at most, in
 * total), at most maxTasks of them, for runTasks or for a caller that runs them beside other
 * work in one parallel call (each writes rows of its own).
 */
export function adamCatchUpTasks(core: Core, p: number, m: number, v: number, last: number, rows: number, count: number, H: number, t: number, steps: number, base: number, beta1: number, beta2: number, eps: number, maxTasks = MAX_TASKS): Task[] {
  const T = (t - base) * H * count >= ELEMENTWISE_SPLIT ? Math.max(1, Math.min(tasksFor(core), count, maxTasks)) : 1;
  const b = bounds(count, T);
  return Array.from({ length: T }, (_, i): Task => ["adam_catch_up", [p, m, v, last, rows, b[i], b[i + 1], H, t, steps, base, beta1, beta2, eps]]);
}

/**
 * Adam on an encoder's input weight W (n×H) and its user embedding V (users×H), their gradients
 * formed from the batch's pre-activation gradients d (B×H) as each row is updated
 * (adam_spmm_rows, adam_embedding_rows; recW, recV: their step records), the rows of both
 * spread over the threads in one call.
 */
export function adamEncoder(core: Core, recW: number, W: number, recV: number, V: number, d: number, rowstart: number, entries: number, n: number, byUser: number, B: number, users: number, H: number): void {
  const T = tasksFor(core);
  // at least one task each, and T in all when T ≥ 2 (a call holds at most MAX_TASKS)
  const tW = Math.max(1, Math.min(T - 1, Math.round((T * n) / (n + users)))), tV = Math.max(1, T - tW);
  const w = bounds(n, tW), v = bounds(users, tV);
  runTasks(core, [
    ...Array.from({ length: tW }, (_, i): Task => ["adam_spmm_rows", [recW, W, d, rowstart, entries, w[i], w[i + 1], H]]),
    ...Array.from({ length: tV }, (_, i): Task => ["adam_embedding_rows", [recV, V, d, byUser, B, v[i], v[i + 1], H]]),
  ]);
}

const SCATTER_SPLIT = 1 << 20;

/** out[b,:] += Σ_{i ∈ row b} W[i,:] (spmm_forward; out: B×H), split by blocks of rows when the sum reaches SCATTER_SPLIT floats. */
export function spmmForward(core: Core, out: number, W: number, rowptr: number, cols: number, B: number, H: number): void {
  const ptr = core.arena.i32View(rowptr, B + 1), nnz = ptr[B] - ptr[0];
  const T = nnz * H >= SCATTER_SPLIT ? Math.min(core.threads, B) : 1;
  byRanges(core, B, T, (first, count) => ["spmm_forward", [out + first * H * 4, W, rowptr + first * 4, cols, count, H]]);
}

/**
 * dW[i,:] += dout[b,:] for i ∈ row b (spmm_backward; dW: n×H, dout: B×H, each row's ids
 * ascending), split by ranges of ids, so that each thread writes whole rows of dW of its own.
 */
export function spmmBackward(core: Core, dW: number, dout: number, rowptr: number, cols: number, B: number, n: number, H: number): void {
  const ptr = core.arena.i32View(rowptr, B + 1), nnz = ptr[B] - ptr[0];
  // Split only large scatters: every thread reads every dout row, and below ~1M floats of
  // scatter (a stage-0 batch is ~350k) the extra passes over them cost more than they save.
  const T = nnz * H >= SCATTER_SPLIT ? Math.min(tasksFor(core), n) : 1;
  byRanges(core, n, T, (first, count) => ["spmm_backward", [dW, dout, rowptr, cols, B, H, first, first + count]]);
}

/** Parts the decoder's columns are cut into: a constant, so sums do not depend on the thread count. */
export const DECODER_PARTS = 8;

/** Scratch of sampledDecoderTrain for batches of up to B rows of H. */
export interface DecoderScratch {
  /** DECODER_PARTS slabs of B×H: each part's dz. */
  dzParts: number;
  /** f64[DECODER_PARTS]: each part's Σε². */
  lossParts: number;
  /** i32[DECODER_PARTS + 1]: the parts' column bounds. */
  bounds: number;
  /** DECODER_PARTS zeroed rows of H + 4 floats, gradRowBytes apart: each part's gradient row when Adam runs in the pass. */
  gradRows: number;
  /** The rows' stride: whole cache lines, so that parts on different threads never share a line. */
  gradRowBytes: number;
}

export function decoderScratch(core: Core, B: number, H: number): DecoderScratch {
  const a = core.arena;
  const gradRowBytes = alignLine(4 * (H + 4));
  const gradRows = a.alloc(DECODER_PARTS * gradRowBytes, "decoder parts");
  a.u8View(gradRows, DECODER_PARTS * gradRowBytes).fill(0);
  return { dzParts: a.f32(DECODER_PARTS * B * H, "decoder parts"), lossParts: a.alloc(8 * DECODER_PARTS, "decoder parts"), bounds: a.alloc(4 * (DECODER_PARTS + 1), "decoder parts"), gradRows, gradRowBytes };
}

/**
 * The stage-0 decoder's forward and backward at the mask (sampled_decoder_train), its column
 * parts spread over the threads. Sets dz (B×H); accumulates dW and dbias, or with an Adam step
 * record (`adam`, see the kernel) updates W and bias in the pass; returns scale·Σε².
 */
export function sampledDecoderTrain(core: Core, s: DecoderScratch, dz: number, dW: number, dbias: number, d: number, z: number, W: number, bias: number, t: number, colstart: number, entries: number, B: number, n: number, H: number, scale: number, adam = 0): number {
  const a = core.arena;
  a.i32View(s.bounds, DECODER_PARTS + 1).set(columnBounds(core, colstart, n, DECODER_PARTS));
  byRanges(core, DECODER_PARTS, core.pool ? DECODER_PARTS : 1, (first, count) => ["sampled_decoder_train", [s.dzParts, s.lossParts, dW, dbias, d, z, W, bias, t, colstart, entries, s.bounds, first, first + count, B, H, scale, adam, s.gradRows, s.gradRowBytes]]);
  core.kernels.sum_parts(dz, s.dzParts, DECODER_PARTS, B * H);
  const parts = a.f64View(s.lossParts, DECODER_PARTS);
  let sum = 0;
  for (const x of parts) sum += x;
  return sum * Math.fround(scale);
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
  byRanges(core, M, T, (first, count, t) => ["gemm", [C + first * N * 4, N, A + (tA ? first : first * K) * 4, lda, B, ldb, count, N, K, alpha, beta, tA ? 1 : 0, tB ? 1 : 0, core.gemmWorks[t]]], 5);
}

/** y = σ(x) over n values (y may alias x), split by element ranges. */
export function sigmoidForward(core: Core, y: number, x: number, n: number): void {
  byElements(core, n, core.threads, 4, (o, count) => ["sigmoid_forward", [y + o, x + o, count]]);
}

/** dx = dy·(1 − y)·y over n values, split by element ranges. */
export function sigmoidBackward(core: Core, dx: number, dy: number, y: number, n: number): void {
  byElements(core, n, core.threads, 4, (o, count) => ["sigmoid_backward", [dx + o, dy + o, y + o, count]]);
}

/** out[b,:] += bias for B rows of N, split by row ranges. */
export function biasAdd(core: Core, out: number, bias: number, B: number, N: number): void {
  const T = B * N >= ELEMENTWISE_SPLIT ? Math.min(core.threads, B) : 1;
  byRanges(core, B, T, (first, count) => ["bias_add", [out + first * N * 4, bias, count, N]]);
}

/** dy = 2·scale·(m ⊙ y − t) ⊙ m over n values (masked_mse_backward), split by element ranges. */
export function maskedMseBackward(core: Core, dy: number, y: number, t: number, m: number, n: number, scale: number): void {
  byElements(core, n, core.threads, 4, (o, count) => ["masked_mse_backward", [dy + o, y + o, t + o, m + o, count, scale]]);
}

/** Each row's top K with its excluded items skipped (topk_rows; scores: B×N), split by row ranges. */
export function topkRows(core: Core, idx: number, val: number, scores: number, exclptr: number, excl: number, B: number, N: number, K: number): void {
  const T = B * N >= ELEMENTWISE_SPLIT ? Math.min(tasksFor(core), B) : 1;
  byRanges(core, B, T, (first, count) => ["topk_rows", [idx + first * K * 4, val + first * K * 4, scores + first * N * 4, exclptr + first * 4, excl, count, N, K]]);
}

/** y[b,:] = Σ_e gates[b,e]·X(e, b) (gate_combine_forward; y: B×I, X: E×B×I), split by row ranges. */
export function gateCombineForward(core: Core, y: number, gates: number, X: number, B: number, E: number, I: number): void {
  const T = B * I >= ELEMENTWISE_SPLIT ? Math.min(tasksFor(core), B) : 1;
  byRanges(core, B, T, (first, count) => ["gate_combine_forward", [y + first * I * 4, gates + first * E * 4, X + first * I * 4, count, E, I, B * I]]);
}

/** The f64 numbers of one user's expert Gram statistics (assembly/gate-gram.ts): G (E×E), c (E), |x|. */
export const expertGramWidth = (E: number) => E * E + E + 1;

/** Each batch row's expert Gram statistics (expert_gram; X: E×B×I, stats: B×expertGramWidth(E) f64), split by row ranges. */
export function expertGram(core: Core, stats: number, X: number, rowptr: number, cols: number, B: number, E: number, I: number): void {
  const T = B * I >= ELEMENTWISE_SPLIT ? Math.min(tasksFor(core), B) : 1;
  const S = expertGramWidth(E);
  byRanges(core, B, T, (first, count) => ["expert_gram", [stats + first * S * 8, X + first * I * 4, rowptr + first * 4, cols, count, E, I, B * I]]);
}
