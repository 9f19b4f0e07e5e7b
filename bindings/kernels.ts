// The typed mirror of every export of assembly/index.ts. Pointers (`Ptr`) are byte offsets into
// the core's memory; sizes are element counts. See each kernel's source for shapes.
type Ptr = number;

export interface Kernels {
  abi_version(): number;
  core_flavour(): number;
  heap_base(): number;

  gemm_workspace_bytes(): number;
  gemm(C: Ptr, ldc: number, A: Ptr, lda: number, B: Ptr, ldb: number, M: number, N: number, K: number, alpha: number, beta: number, transA: boolean | number, transB: boolean | number, work: Ptr): void;
  gemm_nn(C: Ptr, A: Ptr, B: Ptr, M: number, N: number, K: number, alpha: number, beta: number, work: Ptr): void;
  gemm_nt(C: Ptr, A: Ptr, B: Ptr, M: number, N: number, K: number, alpha: number, beta: number, work: Ptr): void;
  gemm_tn(C: Ptr, A: Ptr, B: Ptr, M: number, N: number, K: number, alpha: number, beta: number, work: Ptr): void;
  gemm_tile(c: Ptr, ldc: number, ap: Ptr, bp: Ptr, kc: number, tile: Ptr): void;

  spmm_forward(out: Ptr, W: Ptr, rowptr: Ptr, cols: Ptr, B: number, H: number): void;
  spmm_backward(dW: Ptr, dout: Ptr, rowptr: Ptr, cols: Ptr, B: number, H: number, i0: number, i1: number): void;
  mask_by_column(colstart: Ptr, entries: Ptr, colptr: Ptr, cols: Ptr, B: number, n: number, H: number): void;
  sampled_decoder_train(dzParts: Ptr, lossParts: Ptr, dW: Ptr, dbias: Ptr, d: Ptr, z: Ptr, W: Ptr, bias: Ptr, t: Ptr, colstart: Ptr, entries: Ptr, bounds: Ptr, p0: number, p1: number, B: number, H: number, scale: number, adam: Ptr, gradRows: Ptr, gradRowBytes: number): void;
  sum_parts(out: Ptr, parts: Ptr, P: number, n: number): void;

  embedding_gather_add(out: Ptr, V: Ptr, users: Ptr, B: number, H: number): void;
  embedding_scatter_add(dV: Ptr, dout: Ptr, users: Ptr, B: number, H: number): void;
  bias_add(out: Ptr, bias: Ptr, B: number, N: number): void;
  column_sums(dbias: Ptr, dout: Ptr, B: number, N: number): void;

  sigmoid_forward(y: Ptr, x: Ptr, n: number): void;
  sigmoid_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  softplus_forward(y: Ptr, x: Ptr, n: number): void;
  softplus_backward(dx: Ptr, dy: Ptr, x: Ptr, n: number): void;
  normal_cdf(y: Ptr, x: Ptr, n: number): void;

  mse_forward(y: Ptr, t: Ptr, n: number, scale: number): number;
  mse_backward(dy: Ptr, y: Ptr, t: Ptr, n: number, scale: number): void;
  masked_mse_forward(y: Ptr, t: Ptr, m: Ptr, n: number, scale: number): number;
  masked_mse_backward(dy: Ptr, y: Ptr, t: Ptr, m: Ptr, n: number, scale: number): void;

  corrupt_mask_out(outptr: Ptr, outcols: Ptr, rowptr: Ptr, items: Ptr, users: Ptr, B: number, q: number, state: Ptr): number;
  negative_sample(colptr: Ptr, cols: Ptr, targets: Ptr, rowptr: Ptr, items: Ptr, users: Ptr, B: number, I: number, n: number, state: Ptr, seen: Ptr): number;

  gate_forward(gates: Ptr, logits: Ptr, stddev: Ptr, top: Ptr, prob: Ptr, clean: Ptr, raw: Ptr, eps: Ptr, B: number, E: number, k: number, noisy: boolean | number): void;
  gate_backward(dclean: Ptr, draw: Ptr, dgates: Ptr, dprob: Ptr, gates: Ptr, logits: Ptr, stddev: Ptr, top: Ptr, clean: Ptr, raw: Ptr, eps: Ptr, B: number, E: number, k: number, noisy: boolean | number): void;
  cv_squared(v: Ptr, E: number): number;
  cv_squared_backward(dv: Ptr, v: Ptr, E: number, scale: number): void;
  gate_combine_forward(y: Ptr, gates: Ptr, X: Ptr, B: number, E: number, I: number, expertStride: number): void;
  expert_gram(stats: Ptr, X: Ptr, rowptr: Ptr, cols: Ptr, B: number, E: number, I: number, expertStride: number): void;
  gate_mse_forward(stats: Ptr, gates: Ptr, users: Ptr, B: number, E: number, scale: number): number;
  gate_mse_backward(dgates: Ptr, stats: Ptr, gates: Ptr, users: Ptr, B: number, E: number, scale: number): void;

  topk_rows(idx: Ptr, val: Ptr, scores: Ptr, exclptr: Ptr, excl: Ptr, B: number, N: number, K: number): void;

  adam_step(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, stepSize: number, beta1: number, beta2: number, invBc2Sqrt: number, eps: number): void;
  adam_rows(p: Ptr, g: Ptr, m: Ptr, v: Ptr, last: Ptr, rows: Ptr, nrows: number, H: number, t: number, stepSize: number, beta1: number, beta2: number, invBc2Sqrt: number, eps: number): void;
  adam_catch_up(p: Ptr, m: Ptr, v: Ptr, last: Ptr, rows: Ptr, r0: number, r1: number, H: number, t: number, steps: Ptr, base: number, beta1: number, beta2: number, eps: number): void;
  adam_spmm_rows(adam: Ptr, W: Ptr, d: Ptr, rowstart: Ptr, entries: Ptr, r0: number, r1: number, H: number): void;
  adam_embedding_rows(adam: Ptr, V: Ptr, d: Ptr, byUser: Ptr, B: number, r0: number, r1: number, H: number): void;

  rng_uniform(out: Ptr, n: number, lo: number, hi: number, state: Ptr): void;
  rng_normal(out: Ptr, n: number, mean: number, std: number, state: Ptr): void;
  rng_int(out: Ptr, n: number, bound: number, state: Ptr): void;
}

/** The names createCore checks for, so a stale or foreign binary is refused by name. */
export const KERNEL_NAMES: readonly (keyof Kernels)[] = [
  "abi_version", "core_flavour", "heap_base", "gemm_workspace_bytes", "gemm", "gemm_nn", "gemm_nt", "gemm_tn", "gemm_tile",
  "spmm_forward", "spmm_backward", "mask_by_column", "sampled_decoder_train", "sum_parts",
  "embedding_gather_add", "embedding_scatter_add", "bias_add", "column_sums",
  "sigmoid_forward", "sigmoid_backward", "softplus_forward", "softplus_backward", "normal_cdf",
  "mse_forward", "mse_backward", "masked_mse_forward", "masked_mse_backward",
  "corrupt_mask_out", "negative_sample",
  "gate_forward", "gate_backward", "cv_squared", "cv_squared_backward", "gate_combine_forward",
  "expert_gram", "gate_mse_forward", "gate_mse_backward",
  "topk_rows", "adam_step", "adam_rows", "adam_catch_up", "adam_spmm_rows", "adam_embedding_rows", "rng_uniform", "rng_normal", "rng_int",
];
