// Adam over a flat parameter slab with PyTorch's arithmetic (torch.optim.Adam, single-tensor):
//   m ← m + (1−β1)(g − m)          v ← β2·v + (1−β2)·g·g
//   p ← p − stepSize·m / (√v · invBc2Sqrt + ε)      stepSize = lr / (1−β1^t), invBc2Sqrt = 1/√(1−β2^t)
// ε sits outside the square root. Multiplying by the host's 1/√(1−β2^t) where PyTorch divides
// by √(1−β2^t) differs by at most an ulp and leaves one division per element. The gradient is
// zeroed as it is consumed, so the next step accumulates into a clean slab. p, g, m, v: n floats.
export function adam_step(p: usize, g: usize, m: usize, v: usize, n: i32, stepSize: f32, beta1: f32, beta2: f32, invBc2Sqrt: f32, eps: f32): void {
  adamRange(p, g, m, v, n, stepSize, beta1, beta2, invBc2Sqrt, eps, false, 1, 1);
}

// Lazy (sparse-row) Adam over the listed rows of an R×H slab, as TF's LazyAdam and PyTorch's
// SparseAdam: only rows with a gradient move. A row last updated at step s first has its
// moments decayed for the skipped steps (m·β1^k, v·β2^k with k = t − 1 − s), then takes the
// step-t update; last[row] becomes t. rows: i32[nrows], distinct; last: i32[R].
export function adam_rows(p: usize, g: usize, m: usize, v: usize, last: usize, rows: usize, nrows: i32, H: i32, t: i32, stepSize: f32, beta1: f32, beta2: f32, invBc2Sqrt: f32, eps: f32): void {
  const rowBytes = <usize>H << 2;
  for (let i = 0; i < nrows; i++) {
    const r = <usize>load<i32>(rows + (<usize>i << 2));
    const o = r * rowBytes;
    adamLazyRow(p + o, g + o, m + o, v + o, last + (r << 2), H, t, stepSize, beta1, beta2, invBc2Sqrt, eps);
  }
}

// One row of lazy Adam (see adam_rows); lastStep: the row's i32 last step.
@inline
export function adamLazyRow(p: usize, g: usize, m: usize, v: usize, lastStep: usize, H: i32, t: i32, stepSize: f32, beta1: f32, beta2: f32, invBc2Sqrt: f32, eps: f32): void {
  const k = t - 1 - load<i32>(lastStep);
  if (k > 0) adamRange(p, g, m, v, H, stepSize, beta1, beta2, invBc2Sqrt, eps, true, <f32>Math.exp(k * Math.log(beta1)), <f32>Math.exp(k * Math.log(beta2)));
  else adamRange(p, g, m, v, H, stepSize, beta1, beta2, invBc2Sqrt, eps, false, 1, 1);
  store<i32>(lastStep, t);
}

// The update of n parameters, each moment first scaled by d1, d2 when `decay` (a constant at
// every call, so each inlined copy keeps only its own path).
@inline
export function adamRange(p: usize, g: usize, m: usize, v: usize, n: i32, stepSize: f32, beta1: f32, beta2: f32, invBc2Sqrt: f32, eps: f32, decay: bool, d1: f32, d2: f32): void {
  const w1: f32 = 1 - beta1;
  const w2: f32 = 1 - beta2;
  const negStep: f32 = -stepSize;
  const end = p + (<usize>n << 2);
  if (ASC_FEATURE_SIMD) {
    // Pointers step and each constant serves two vectors per trip: the optimiser then keeps the
    // constants in registers instead of rebuilding them in the loop.
    const w1v = f32x4.splat(w1), b2v = f32x4.splat(beta2), w2v = f32x4.splat(w2);
    const nsv = f32x4.splat(negStep), bcv = f32x4.splat(invBc2Sqrt), epsv = f32x4.splat(eps);
    const d1v = f32x4.splat(d1), d2v = f32x4.splat(d2);
    const end8 = p + ((<usize>n >> 3) << 5);
    while (p < end8) {
      adamVector(p, g, m, v, w1v, b2v, w2v, nsv, bcv, epsv, decay, d1v, d2v);
      adamVector(p + 16, g + 16, m + 16, v + 16, w1v, b2v, w2v, nsv, bcv, epsv, decay, d1v, d2v);
      p += 32;
      g += 32;
      m += 32;
      v += 32;
    }
    if (n & 4) {
      adamVector(p, g, m, v, w1v, b2v, w2v, nsv, bcv, epsv, decay, d1v, d2v);
      p += 16;
      g += 16;
      m += 16;
      v += 16;
    }
  }
  while (p < end) {
    const gi = load<f32>(g);
    let mi = load<f32>(m), vi = load<f32>(v);
    if (decay) {
      mi *= d1;
      vi *= d2;
    }
    mi = mi + w1 * (gi - mi);
    vi = vi * beta2 + (w2 * gi) * gi;
    const denom = Mathf.sqrt(vi) * invBc2Sqrt + eps;
    store<f32>(p, load<f32>(p) + (negStep * mi) / denom);
    store<f32>(m, mi);
    store<f32>(v, vi);
    store<f32>(g, 0);
    p += 4;
    g += 4;
    m += 4;
    v += 4;
  }
}

// Four parameters of adamRange, with the same operations in the same order as its scalar loop.
@inline
function adamVector(p: usize, g: usize, m: usize, v: usize, w1v: v128, b2v: v128, w2v: v128, nsv: v128, bcv: v128, epsv: v128, decay: bool, d1v: v128, d2v: v128): void {
  const gv = v128.load(g);
  let mv = v128.load(m), vv = v128.load(v);
  if (decay) {
    mv = f32x4.mul(mv, d1v);
    vv = f32x4.mul(vv, d2v);
  }
  mv = f32x4.add(mv, f32x4.mul(w1v, f32x4.sub(gv, mv)));
  vv = f32x4.add(f32x4.mul(vv, b2v), f32x4.mul(f32x4.mul(w2v, gv), gv));
  const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), bcv), epsv);
  v128.store(p, f32x4.add(v128.load(p), f32x4.div(f32x4.mul(nsv, mv), denom)));
  v128.store(m, mv);
  v128.store(v, vv);
  v128.store(g, f32x4.splat(0));
}
