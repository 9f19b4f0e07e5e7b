// Adam over a flat parameter slab with PyTorch's arithmetic (torch.optim.Adam, single-tensor):
//   m ← m + (1−β1)(g − m)          v ← β2·v + (1−β2)·g·g
//   p ← p − stepSize·m / (√v · invBc2Sqrt + ε)      stepSize = lr / (1−β1^t), invBc2Sqrt = 1/√(1−β2^t)
// ε sits outside the square root. Multiplying by the host's 1/√(1−β2^t) where PyTorch divides
// by √(1−β2^t) differs by at most an ulp and leaves one division per element: the divider,
// not memory, bounds this kernel. The gradient is zeroed as it is consumed, so the next step
// accumulates into a clean slab. p, g, m, v: n floats each.
export function adam_step(p: usize, g: usize, m: usize, v: usize, n: i32, stepSize: f32, beta1: f32, beta2: f32, invBc2Sqrt: f32, eps: f32): void {
  const w1: f32 = 1 - beta1;
  const w2: f32 = 1 - beta2;
  const negStep: f32 = -stepSize;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const w1v = f32x4.splat(w1), b2v = f32x4.splat(beta2), w2v = f32x4.splat(w2);
    const nsv = f32x4.splat(negStep), bcv = f32x4.splat(invBc2Sqrt), epsv = f32x4.splat(eps);
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const gv = v128.load(g + o);
      let mv = v128.load(m + o);
      mv = f32x4.add(mv, f32x4.mul(w1v, f32x4.sub(gv, mv)));
      const vv = f32x4.add(f32x4.mul(v128.load(v + o), b2v), f32x4.mul(f32x4.mul(w2v, gv), gv));
      const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), bcv), epsv);
      v128.store(p + o, f32x4.add(v128.load(p + o), f32x4.div(f32x4.mul(nsv, mv), denom)));
      v128.store(m + o, mv);
      v128.store(v + o, vv);
      v128.store(g + o, zero);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    let mi = load<f32>(m + o);
    mi = mi + w1 * (gi - mi);
    const vi = load<f32>(v + o) * beta2 + (w2 * gi) * gi;
    const denom = Mathf.sqrt(vi) * invBc2Sqrt + eps;
    store<f32>(p + o, load<f32>(p + o) + (negStep * mi) / denom);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(g + o, 0);
  }
}

// Lazy (sparse-row) Adam over the listed rows of an R×H slab, as TF's LazyAdam and PyTorch's
// SparseAdam: only rows with a gradient move. A row last updated at step s first has its
// moments decayed for the skipped steps (m·β1^k, v·β2^k with k = t − 1 − s), then takes the
// step-t update; last[row] becomes t. rows: i32[nrows], distinct; last: i32[R].
export function adam_rows(p: usize, g: usize, m: usize, v: usize, last: usize, rows: usize, nrows: i32, H: i32, t: i32, stepSize: f32, beta1: f32, beta2: f32, invBc2Sqrt: f32, eps: f32): void {
  const rowBytes = <usize>H << 2;
  for (let i = 0; i < nrows; i++) {
    const r = <usize>load<i32>(rows + (<usize>i << 2));
    const lp = last + (r << 2);
    const k = t - 1 - load<i32>(lp);
    const o = r * rowBytes;
    if (k > 0) {
      const d1 = <f32>Math.pow(beta1, k), d2 = <f32>Math.pow(beta2, k);
      for (let j = 0; j < H; j++) {
        const q = o + (<usize>j << 2);
        store<f32>(m + q, load<f32>(m + q) * d1);
        store<f32>(v + q, load<f32>(v + q) * d2);
      }
    }
    adam_step(p + o, g + o, m + o, v + o, H, stepSize, beta1, beta2, invBc2Sqrt, eps);
    store<i32>(lp, t);
  }
}
