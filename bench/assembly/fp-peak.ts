// The arithmetic ceiling of one core for f32x4 code, measured with no memory traffic: the pace
// the GEMM tile could at most reach if loads and addressing were free. Benchmark-only.
// Fourteen independent chains keep the pipes busy past their 3–4 cycle latencies while one
// more register holds the operand (V8 leaves fifteen xmm registers to Wasm).

// trips × 14 operations: seven multiply chains and seven add chains, as the tile's products
// and sums pair up. 4 flops per operation.
export function peak_mul_add(trips: i32, s: f32): f32 {
  const k = f32x4.splat(s);
  let m0 = k, m1 = k, m2 = k, m3 = k, m4 = k, m5 = k, m6 = k;
  let a0 = k, a1 = k, a2 = k, a3 = k, a4 = k, a5 = k, a6 = k;
  for (let i = 0; i < trips; i++) {
    m0 = f32x4.mul(m0, k); a0 = f32x4.add(a0, k);
    m1 = f32x4.mul(m1, k); a1 = f32x4.add(a1, k);
    m2 = f32x4.mul(m2, k); a2 = f32x4.add(a2, k);
    m3 = f32x4.mul(m3, k); a3 = f32x4.add(a3, k);
    m4 = f32x4.mul(m4, k); a4 = f32x4.add(a4, k);
    m5 = f32x4.mul(m5, k); a5 = f32x4.add(a5, k);
    m6 = f32x4.mul(m6, k); a6 = f32x4.add(a6, k);
  }
  const m = f32x4.add(f32x4.add(f32x4.add(m0, m1), f32x4.add(m2, m3)), f32x4.add(f32x4.add(m4, m5), m6));
  const a = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), a6));
  return f32x4.extract_lane(f32x4.add(m, a), 0);
}

// trips × 14 fused multiply-adds (relaxed SIMD builds only; 8 flops each).
export function peak_fma(trips: i32, s: f32): f32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return NaN;
  const k = f32x4.splat(s);
  let c0 = k, c1 = k, c2 = k, c3 = k, c4 = k, c5 = k, c6 = k;
  let c7 = k, c8 = k, c9 = k, c10 = k, c11 = k, c12 = k, c13 = k;
  for (let i = 0; i < trips; i++) {
    c0 = f32x4.relaxed_madd(c0, k, k); c1 = f32x4.relaxed_madd(c1, k, k);
    c2 = f32x4.relaxed_madd(c2, k, k); c3 = f32x4.relaxed_madd(c3, k, k);
    c4 = f32x4.relaxed_madd(c4, k, k); c5 = f32x4.relaxed_madd(c5, k, k);
    c6 = f32x4.relaxed_madd(c6, k, k); c7 = f32x4.relaxed_madd(c7, k, k);
    c8 = f32x4.relaxed_madd(c8, k, k); c9 = f32x4.relaxed_madd(c9, k, k);
    c10 = f32x4.relaxed_madd(c10, k, k); c11 = f32x4.relaxed_madd(c11, k, k);
    c12 = f32x4.relaxed_madd(c12, k, k); c13 = f32x4.relaxed_madd(c13, k, k);
  }
  const x = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  const y = f32x4.add(f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)), f32x4.add(c12, c13));
  return f32x4.extract_lane(f32x4.add(x, y), 0);
}

// One chain of f32x4 multiplies by s (1 when timed), trips long, from x in every lane: each
// multiply waits on the last, so a trip takes a multiply's latency. From a normal x that is the
// pipeline's; from a subnormal one (x·1 stays x) it is what a subnormal operand and result cost,
// which some x86 cores take through microcode (WebAssembly has no flush-to-zero).
export function mul_chain(trips: i32, x: f32, s: f32): f32 {
  const k = f32x4.splat(s);
  let a = f32x4.splat(x);
  for (let i = 0; i < trips; i++) a = f32x4.mul(a, k);
  return f32x4.extract_lane(a, 0);
}
