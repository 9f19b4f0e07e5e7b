// Noisy top-k gating (Shazeer et al. 2017) for E experts, one row per sample.
// Shapes: clean, raw, eps, logits, stddev, gates, prob, dclean, draw, dgates, dprob: B×E;
// top: i32 B×m with m = min(k+1, E). Training noise: stddev = softplus(raw) + 0.01,
// logits = clean + eps ⊙ stddev; otherwise logits = clean. E ≤ 32.
import { softplus, softplusGrad, normalCdf, normalPdf } from "./activations";
import { axpy } from "./vec";

const NOISE_FLOOR: f32 = 0.01;
const dlogit: usize = memory.data(32 * 4, 16);

// gates: softmax over the k largest logits, scattered into E slots (zeros elsewhere).
// prob: with noise and k < E, P(e stays in the top k) = Φ((clean_e − threshold)/stddev_e) where
// threshold is the (k+1)-th largest noisy logit if noisy_e exceeds it, else the k-th;
// otherwise the indicator gates > 0.
export function gate_forward(gates: usize, logits: usize, stddev: usize, top: usize, prob: usize, clean: usize, raw: usize, eps: usize, B: i32, E: i32, k: i32, noisy: bool): void {
  const m = min(k + 1, E);
  const kk = min(k, E);
  for (let b = 0; b < B; b++) {
    const r = <usize>(b * E) << 2;
    for (let e = 0; e < E; e++) {
      const o = r + (<usize>e << 2);
      const c = load<f32>(clean + o);
      if (noisy) {
        const sd = softplus(load<f32>(raw + o)) + NOISE_FLOOR;
        store<f32>(stddev + o, sd);
        store<f32>(logits + o, c + load<f32>(eps + o) * sd);
      } else {
        store<f32>(logits + o, c);
      }
    }
    const tb = top + (<usize>(b * m) << 2);
    selectTop(tb, logits + r, E, m);
    // softmax over the top kk, largest first
    const mx = load<f32>(logits + r + (<usize>load<i32>(tb) << 2));
    let sum: f32 = 0;
    for (let e = 0; e < E; e++) store<f32>(gates + r + (<usize>e << 2), 0);
    for (let j = 0; j < kk; j++) {
      const e = <usize>load<i32>(tb + (<usize>j << 2));
      const x = Mathf.exp(load<f32>(logits + r + (e << 2)) - mx);
      store<f32>(gates + r + (e << 2), x);
      sum += x;
    }
    for (let j = 0; j < kk; j++) {
      const q = gates + r + (<usize>load<i32>(tb + (<usize>j << 2)) << 2);
      store<f32>(q, load<f32>(q) / sum);
    }
    if (noisy && k < E) {
      const thrIn = load<f32>(logits + r + (<usize>load<i32>(tb + (<usize>k << 2)) << 2));
      const thrOut = load<f32>(logits + r + (<usize>load<i32>(tb + (<usize>(k - 1) << 2)) << 2));
      for (let e = 0; e < E; e++) {
        const o = r + (<usize>e << 2);
        const thr = load<f32>(logits + o) > thrIn ? thrIn : thrOut;
        store<f32>(prob + o, <f32>normalCdf((load<f32>(clean + o) - thr) / load<f32>(stddev + o)));
      }
    } else {
      for (let e = 0; e < E; e++) {
        const o = r + (<usize>e << 2);
        store<f32>(prob + o, load<f32>(gates + o) > 0 ? 1 : 0);
      }
    }
  }
}

// Indices of the m largest of x[0..E), largest first, ties to the lower index.
function selectTop(out: usize, x: usize, E: i32, m: i32): void {
  let taken: u32 = 0;
  for (let j = 0; j < m; j++) {
    let best = -1;
    let bestV: f32 = 0;
    for (let e = 0; e < E; e++) {
      if ((taken >>> e) & 1) continue;
      const v = load<f32>(x + (<usize>e << 2));
      if (best < 0 || v > bestV) {
        best = e;
        bestV = v;
      }
    }
    taken |= 1 << best;
    store<i32>(out + (<usize>j << 2), best);
  }
}

// Backward of gate_forward given dgates and dprob (B×E each); writes dclean and draw.
export function gate_backward(dclean: usize, draw: usize, dgates: usize, dprob: usize, gates: usize, logits: usize, stddev: usize, top: usize, clean: usize, raw: usize, eps: usize, B: i32, E: i32, k: i32, noisy: bool): void {
  const m = min(k + 1, E);
  const kk = min(k, E);
  const loadNoise = noisy && k < E;
  for (let b = 0; b < B; b++) {
    const r = <usize>(b * E) << 2;
    const tb = top + (<usize>(b * m) << 2);
    for (let e = 0; e < E; e++) store<f32>(dlogit + (<usize>e << 2), 0);
    // softmax: dl_j = g_j (dg_j − Σ_i g_i dg_i) over the top kk
    let s: f32 = 0;
    for (let j = 0; j < kk; j++) {
      const o = r + (<usize>load<i32>(tb + (<usize>j << 2)) << 2);
      s += load<f32>(gates + o) * load<f32>(dgates + o);
    }
    for (let j = 0; j < kk; j++) {
      const e = <usize>load<i32>(tb + (<usize>j << 2));
      const o = r + (e << 2);
      store<f32>(dlogit + (e << 2), load<f32>(gates + o) * (load<f32>(dgates + o) - s));
    }
    if (!noisy) {
      for (let e = 0; e < E; e++) {
        store<f32>(dclean + r + (<usize>e << 2), load<f32>(dlogit + (<usize>e << 2)));
        store<f32>(draw + r + (<usize>e << 2), 0);
      }
      continue;
    }
    // dsd accumulates in draw until the final softplus chain step.
    for (let e = 0; e < E; e++) {
      store<f32>(dclean + r + (<usize>e << 2), 0);
      store<f32>(draw + r + (<usize>e << 2), 0);
    }
    if (loadNoise) {
      const iIn = <usize>load<i32>(tb + (<usize>k << 2));
      const iOut = <usize>load<i32>(tb + (<usize>(k - 1) << 2));
      const thrIn = load<f32>(logits + r + (iIn << 2));
      const thrOut = load<f32>(logits + r + (iOut << 2));
      for (let e = 0; e < E; e++) {
        const o = r + (<usize>e << 2);
        const isIn = load<f32>(logits + o) > thrIn;
        const thr = isIn ? thrIn : thrOut;
        const ti = isIn ? iIn : iOut;
        const sd = load<f32>(stddev + o);
        const z = (load<f32>(clean + o) - thr) / sd;
        const d = <f32>(<f64>load<f32>(dprob + o) * normalPdf(z)) / sd;
        store<f32>(dclean + o, load<f32>(dclean + o) + d);
        const dt = dlogit + (ti << 2);
        store<f32>(dt, load<f32>(dt) - d);
        store<f32>(draw + o, load<f32>(draw + o) - d * z);
      }
    }
    for (let e = 0; e < E; e++) {
      const o = r + (<usize>e << 2);
      const dn = load<f32>(dlogit + (<usize>e << 2));
      store<f32>(dclean + o, load<f32>(dclean + o) + dn);
      const dsd = load<f32>(draw + o) + dn * load<f32>(eps + o);
      store<f32>(draw + o, dsd * softplusGrad(load<f32>(raw + o)));
    }
  }
}

// cv²(v) = var(v) / (mean(v)² + 1e-10), unbiased variance; 0 when E = 1.
export function cv_squared(v: usize, E: i32): f64 {
  if (E <= 1) return 0;
  let mean: f64 = 0;
  for (let e = 0; e < E; e++) mean += load<f32>(v + (<usize>e << 2));
  mean /= E;
  let ss: f64 = 0;
  for (let e = 0; e < E; e++) {
    const d = load<f32>(v + (<usize>e << 2)) - mean;
    ss += d * d;
  }
  return ss / (E - 1) / (mean * mean + 1e-10);
}

// dv += scale · ∂cv²/∂v
export function cv_squared_backward(dv: usize, v: usize, E: i32, scale: f32): void {
  if (E <= 1) return;
  let mean: f64 = 0;
  for (let e = 0; e < E; e++) mean += load<f32>(v + (<usize>e << 2));
  mean /= E;
  let ss: f64 = 0;
  for (let e = 0; e < E; e++) {
    const d = load<f32>(v + (<usize>e << 2)) - mean;
    ss += d * d;
  }
  const varv = ss / (E - 1);
  const D = mean * mean + 1e-10;
  const dMean = -varv * 2 * mean / (D * D) / E;
  for (let e = 0; e < E; e++) {
    const o = dv + (<usize>e << 2);
    const d = load<f32>(v + (<usize>e << 2)) - mean;
    store<f32>(o, load<f32>(o) + scale * <f32>(2 * d / (E - 1) / D + dMean));
  }
}

// y[b,:] = Σ_e gates[b,e] · X(e, b)     y: B×I; expert e's row b at X + (e·expertStride + b·I) floats
export function gate_combine_forward(y: usize, gates: usize, X: usize, B: i32, E: i32, I: i32, expertStride: i32): void {
  const rowBytes = <usize>I << 2;
  for (let b = 0; b < B; b++) {
    const yb = y + <usize>b * rowBytes;
    memory.fill(yb, 0, rowBytes);
    for (let e = 0; e < E; e++) {
      const g = load<f32>(gates + (<usize>(b * E + e) << 2));
      if (g != 0) axpy(yb, X + <usize>e * (<usize>expertStride << 2) + <usize>b * rowBytes, g, I);
    }
  }
}
