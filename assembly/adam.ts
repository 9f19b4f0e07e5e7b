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
  if (k > 0) adamRange(p, g, m, v, H, stepSize, beta1, beta2, invBc2Sqrt, eps, true, decayOver(k, beta1), decayOver(k, beta2));
  else adamRange(p, g, m, v, H, stepSize, beta1, beta2, invBc2Sqrt, eps, false, 1, 1);
  store<i32>(lastStep, t);
}

// β^k, the decay of a moment over k ≥ 1 skipped steps, by repeated squaring in f64: a dozen
// multiplications where exp(k·ln β) took two library calls, which cost a lazy step more than the
// row's update.
@inline
function decayOver(k: i32, beta: f32): f32 {
  let x: f64 = beta, r: f64 = 1;
  for (let n = k; n > 0; n >>= 1) {
    if (n & 1) r *= x;
    x *= x;
  }
  return <f32>r;
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
    adamUpdateScalar(p, m, v, load<f32>(g), w1, beta2, w2, negStep, invBc2Sqrt, eps, decay, d1, d2);
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
  adamUpdate(p, m, v, v128.load(g), w1v, b2v, w2v, nsv, bcv, epsv, decay, d1v, d2v);
  v128.store(g, f32x4.splat(0));
}

// Four parameters' update from their gradient gv (adamVector's, the gradient not in memory).
@inline
function adamUpdate(p: usize, m: usize, v: usize, gv: v128, w1v: v128, b2v: v128, w2v: v128, nsv: v128, bcv: v128, epsv: v128, decay: bool, d1v: v128, d2v: v128): void {
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
}

// One parameter's update from its gradient gi (adamRange's scalar loop, the gradient not in memory).
@inline
function adamUpdateScalar(p: usize, m: usize, v: usize, gi: f32, w1: f32, beta2: f32, w2: f32, negStep: f32, invBc2Sqrt: f32, eps: f32, decay: bool, d1: f32, d2: f32): void {
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
}

// The step a kernel pass takes on the weights it updates itself (Adam.fusedStep writes it):
// PyTorch's constants for step t, and the moments of the weight W and of its bias b (0 without
// one); last: W's i32 row steps in lazy mode, 0 for dense Adam.
@unmanaged
export class AdamStepRecord {
  stepSize: f32;
  beta1: f32;
  beta2: f32;
  invBc2Sqrt: f32;
  eps: f32;
  t: i32;
  mW: usize;
  vW: usize;
  mb: usize;
  vb: usize;
  last: usize;
}

// Adam on rows [r0, r1) of an n×H weight W whose gradient is a sum of rows of d (B×H):
//   g[r,:] = Σ_{e ∈ [rowstart[r], rowstart[r+1])} d[b_e,:]      entries: (j, 4·H·b_e) pairs
// The gradient is formed in registers and consumed at once, never stored. With rowstart and
// entries from mask_by_column over a batch's input rows it is the gradient spmm_backward
// scatters, summed in the same order (rows ascending), so the step is adam_step's on it bit for
// bit, or adam_rows's in lazy mode (adam.last ≠ 0), where rows without entries keep still.
export function adam_spmm_rows(adam: usize, W: usize, d: usize, rowstart: usize, entries: usize, r0: i32, r1: i32, H: i32): void {
  for (let r = r0; r < r1; r++) {
    adamSummedRow(changetype<AdamStepRecord>(adam), W, d, entries, load<i32>(rowstart + (<usize>r << 2)), load<i32>(rowstart + (<usize>(r + 1) << 2)), r, H);
  }
}

// Adam on rows [r0, r1) of an embedding V (n×H) whose gradient at row u is the sum of d[b,:]
// over the batch rows b of user u, and zero at every other row (embedding_scatter_add's), formed
// as adam_spmm_rows forms its own. byUser: the batch's (users[b], 4·H·b) pairs (b as the byte
// offset of its row of d, as mask_by_column's entries carry it), B of them, sorted by user and
// then by b. Dense Adam moves every row; lazy Adam only the batch's.
export function adam_embedding_rows(adam: usize, V: usize, d: usize, byUser: usize, B: i32, r0: i32, r1: i32, H: i32): void {
  const rec = changetype<AdamStepRecord>(adam);
  let k = 0;
  while (k < B && load<i32>(byUser + (<usize>k << 3)) < r0) k++;
  if (rec.last) {
    while (k < B) {
      const r = load<i32>(byUser + (<usize>k << 3));
      if (r >= r1) break;
      const e0 = k;
      while (k < B && load<i32>(byUser + (<usize>k << 3)) == r) k++;
      adamSummedRow(rec, V, d, byUser, e0, k, r, H);
    }
    return;
  }
  for (let r = r0; r < r1; r++) {
    const e0 = k;
    while (k < B && load<i32>(byUser + (<usize>k << 3)) == r) k++;
    adamSummedRow(rec, V, d, byUser, e0, k, r, H);
  }
}

// Row r of W takes its step from g = Σ_{e ∈ [e0, e1)} d[b_e,:] (entry e's second i32 is 4·H·b_e,
// the byte offset of that row), summed from zero in entry order.
@inline
function adamSummedRow(rec: AdamStepRecord, W: usize, d: usize, entries: usize, e0: i32, e1: i32, r: i32, H: i32): void {
  let decay = false;
  let d1: f32 = 1, d2: f32 = 1;
  if (rec.last) {
    if (e0 == e1) return;
    const lastStep = rec.last + (<usize>r << 2);
    const k = rec.t - 1 - load<i32>(lastStep);
    if (k > 0) {
      decay = true;
      d1 = decayOver(k, rec.beta1);
      d2 = decayOver(k, rec.beta2);
    }
    store<i32>(lastStep, rec.t);
  }
  if (decay) summedRowStep(rec, W, d, entries, e0, e1, r, H, true, d1, d2);
  else summedRowStep(rec, W, d, entries, e0, e1, r, H, false, 1, 1);
}

// adamSummedRow's update of row r, its moments first scaled by d1, d2 when `decay` (a constant
// at each call, as in adamRange).
@inline
function summedRowStep(rec: AdamStepRecord, W: usize, d: usize, entries: usize, e0: i32, e1: i32, r: i32, H: i32, decay: bool, d1: f32, d2: f32): void {
  const beta2 = rec.beta2, invBc2Sqrt = rec.invBc2Sqrt, eps = rec.eps;
  const w1: f32 = 1 - rec.beta1, w2: f32 = 1 - beta2, negStep: f32 = -rec.stepSize;
  const rowBytes = <usize>H << 2;
  const o = <usize>r * rowBytes;
  let p = W + o, m = rec.mW + o, v = rec.vW + o;
  const end = p + rowBytes;
  let at: usize = 0;
  if (ASC_FEATURE_SIMD) {
    const w1v = f32x4.splat(w1), b2v = f32x4.splat(beta2), w2v = f32x4.splat(w2);
    const nsv = f32x4.splat(negStep), bcv = f32x4.splat(invBc2Sqrt), epsv = f32x4.splat(eps);
    const d1v = f32x4.splat(d1), d2v = f32x4.splat(d2);
    // sixteen floats per pass over the entries: each entry's row address serves four vectors
    const end16 = p + ((<usize>H >> 4) << 6);
    while (p < end16) {
      let g0 = f32x4.splat(0), g1 = f32x4.splat(0), g2 = f32x4.splat(0), g3 = f32x4.splat(0);
      for (let e = e0; e < e1; e++) {
        const src = d + <usize>load<u32>(entries + (<usize>e << 3), 4) + at;
        g0 = f32x4.add(g0, v128.load(src));
        g1 = f32x4.add(g1, v128.load(src, 16));
        g2 = f32x4.add(g2, v128.load(src, 32));
        g3 = f32x4.add(g3, v128.load(src, 48));
      }
      adamUpdate(p, m, v, g0, w1v, b2v, w2v, nsv, bcv, epsv, decay, d1v, d2v);
      adamUpdate(p + 16, m + 16, v + 16, g1, w1v, b2v, w2v, nsv, bcv, epsv, decay, d1v, d2v);
      adamUpdate(p + 32, m + 32, v + 32, g2, w1v, b2v, w2v, nsv, bcv, epsv, decay, d1v, d2v);
      adamUpdate(p + 48, m + 48, v + 48, g3, w1v, b2v, w2v, nsv, bcv, epsv, decay, d1v, d2v);
      p += 64;
      m += 64;
      v += 64;
      at += 64;
    }
    const end4 = p + ((<usize>(H & 15) >> 2) << 4);
    while (p < end4) {
      let g = f32x4.splat(0);
      for (let e = e0; e < e1; e++) g = f32x4.add(g, v128.load(d + <usize>load<u32>(entries + (<usize>e << 3), 4) + at));
      adamUpdate(p, m, v, g, w1v, b2v, w2v, nsv, bcv, epsv, decay, d1v, d2v);
      p += 16;
      m += 16;
      v += 16;
      at += 16;
    }
  }
  while (p < end) {
    let g: f32 = 0;
    for (let e = e0; e < e1; e++) g += load<f32>(d + <usize>load<u32>(entries + (<usize>e << 3), 4) + at);
    adamUpdateScalar(p, m, v, g, w1, beta2, w2, negStep, invBc2Sqrt, eps, decay, d1, d2);
    p += 4;
    m += 4;
    v += 4;
    at += 4;
  }
}
