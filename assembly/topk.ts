// Per-row top-K for all-ranking evaluation, skipping each row's excluded items (its training
// set). Ties go to the lower item index; NaN never enters. scores: B×N; excl: CSR with
// exclptr: i32[B+1] and each row's ids ascending. Writes idx: i32[B×K] and val: f32[B×K]
// in descending score order; slots past the row's candidates get index −1 and −∞.
export function topk_rows(idx: usize, val: usize, scores: usize, exclptr: usize, excl: usize, B: i32, N: i32, K: i32): void {
  for (let b = 0; b < B; b++) {
    const row = scores + <usize>b * <usize>N * 4;
    const ib = idx + <usize>b * <usize>K * 4;
    const vb = val + <usize>b * <usize>K * 4;
    let e = load<i32>(exclptr + (<usize>b << 2));
    const eEnd = load<i32>(exclptr + (<usize>(b + 1) << 2));
    let count = 0;
    for (let i = 0; i < N; i++) {
      while (e < eEnd && load<i32>(excl + (<usize>e << 2)) < i) e++;
      if (e < eEnd && load<i32>(excl + (<usize>e << 2)) == i) continue;
      const s = load<f32>(row + (<usize>i << 2));
      if (!(s == s)) continue;
      if (count == K && !(s > load<f32>(vb + (<usize>(K - 1) << 2)))) continue;
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
