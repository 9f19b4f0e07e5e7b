// The paces a profile sets each kernel's beside, measured on the machine it runs on.
import type { Core } from "../../bindings/index.js";

export interface Ceilings {
  /** GEMM GFLOP/s at 512³. */
  gflops: number;
  /** Streaming GB/s over slabs far larger than the caches. */
  gbps: number;
  /** Adam's millions of parameters per second on a slab held in L2. */
  adamMparams: number;
}

/**
 * This machine's ceilings for the core: GEMM GFLOP/s (the 5×8 register tile at 512³), axpy-style
 * GB/s over slabs far larger than the caches, and Adam's parameters per second on a slab held in
 * L2, where its square root and division per parameter, not memory, set the pace.
 */
export function ceilings(core: Core): Ceilings {
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

