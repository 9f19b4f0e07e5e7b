// Per-row top-K for all-ranking evaluation, skipping each row's excluded items (its training
// set). Ties go to the lower item index; NaN never enters. scores: B×N; excl: CSR with
// exclptr: i32[B+1] and each row's ids ascending. Writes idx: i32[B×K] and val: f32[B×K]
// in descending score order; slots past the row's candidates get index −1 and −∞.
// Once K are kept, a score enters only if it beats the K-th, which few of a row's N do: the
// test against it comes first, and the SIMD build passes over blocks of 16 scores that hold
// no such score in a handful of vector operations. The exclusion list is walked only for
// scores that pass the test (its cursor only ever moves forward).
const BLOCK: i32 = 16;

export function topk_rows(idx: usize, val: usize, scores: usize, exclptr: usize, excl: usize, B: i32, N: i32, K: i32): void {
  if (K <= 0) return;
  const last = <usize>(K - 1) << 2;
  for (let b = 0; b < B; b++) {
    const row = scores + <usize>b * <usize>N * 4;
    const ib = idx + <usize>b * <usize>K * 4;
    const vb = val + <usize>b * <usize>K * 4;
    let e = load<i32>(exclptr + (<usize>b << 2));
    const eEnd = load<i32>(exclptr + (<usize>(b + 1) << 2));
    let count = 0;
    for (let i = 0; i < N; i++) {
      if (ASC_FEATURE_SIMD && count == K && (i & (BLOCK - 1)) == 0) {
        i = firstBlockAbove(row, i, N, load<f32>(vb + last));
        if (i == N) break;
      }
      const s = load<f32>(row + (<usize>i << 2));
      if (count == K && !(s > load<f32>(vb + last))) continue;
      if (!(s == s)) continue;
      while (e < eEnd && load<i32>(excl + (<usize>e << 2)) < i) e++;
      if (e < eEnd && load<i32>(excl + (<usize>e << 2)) == i) continue;
      // Insert after every kept entry with a score ≥ s (those have lower indices).
      let p = count < K ? count++ : K - 1;
      while (p > 0 && load<f32>(vb + (<usize>(p - 1) << 2)) < s) {
        store<f32>(vb + (<usize>p << 2), load<f32>(vb + (<usize>(p - 1) << 2)));
        store<i32>(ib + (<usize>p << 2), load<i32>(ib + (<usize>(p - 1) << 2)));
        p--;
      }
      store<f32>(vb + (<usize>p << 2), s);
      store<i32>(ib + (<usize>p << 2), i);
    }
    for (let p = count; p < K; p++) {
      store<f32>(vb + (<usize>p << 2), -Infinity);
      store<i32>(ib + (<usize>p << 2), -1);
    }
  }
}

// The start of the first whole block of BLOCK scores from i (a multiple of BLOCK) that holds a
// score above `floor`, or of the row's last partial block, or N.
function firstBlockAbove(row: usize, i: i32, N: i32, floor: f32): i32 {
  const f = f32x4.splat(floor);
  for (; i + BLOCK <= N; i += BLOCK) {
    const p = row + (<usize>i << 2);
    const above = v128.or(
      v128.or(f32x4.gt(v128.load(p), f), f32x4.gt(v128.load(p, 16), f)),
      v128.or(f32x4.gt(v128.load(p, 32), f), f32x4.gt(v128.load(p, 48), f)),
    );
    if (v128.any_true(above)) return i;
  }
  return i;
}
