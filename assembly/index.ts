// The ael-wasm compute core: every export is a kernel over pointers into the imported memory.
// ABI_VERSION changes whenever an export's name, signature or meaning changes.
export const ABI_VERSION: i32 = 12;

export function abi_version(): i32 {
  return ABI_VERSION;
}

// Which build this is (0 scalar, 1 simd, 2 relaxed), so that bindings handed a module or its
// bytes know what they run, whatever they were told.
export function core_flavour(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 2 : ASC_FEATURE_SIMD ? 1 : 0;
}

// First byte past the module's static data: the arena starts here.
export function heap_base(): usize {
  return __heap_base;
}

export { gemm, gemm_nn, gemm_nt, gemm_tn, gemm_tile, gemm_workspace_bytes } from "./gemm";
export { spmm_forward, spmm_backward } from "./sparse";
export { mask_by_column, sampled_decoder_train, sum_parts } from "./sampled-decoder";
export { embedding_gather_add, embedding_scatter_add, bias_add, column_sums } from "./embedding";
export { sigmoid_forward, sigmoid_backward, softplus_forward, softplus_backward, normal_cdf } from "./activations";
export { mse_forward, mse_backward, masked_mse_forward, masked_mse_backward } from "./loss";
export { corrupt_mask_out, negative_sample } from "./sampling";
export { gate_forward, gate_backward, cv_squared, cv_squared_backward, gate_combine_forward } from "./gate";
export { expert_gram, gate_mse_forward, gate_mse_backward } from "./gate-gram";
export { topk_rows } from "./topk";
export { adam_step, adam_rows, adam_spmm_rows, adam_embedding_rows } from "./adam";
export { adam_catch_up } from "./adam-catch-up";
export { rng_uniform, rng_normal, rng_int } from "./rng";
