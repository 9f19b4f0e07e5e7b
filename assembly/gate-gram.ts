// The gate's reconstruction loss over frozen experts (ALGORITHM.md §4), from a few numbers per
// user. For a user whose experts output the I-wide rows y_1…y_E, with training row x (binary),
// gates g mix them into y = Σ_e g_e·y_e, and
//   Σ_i (y_i − x_i)² = gᵀ·G·g − 2·gᵀ·c + |x|     G_ef = Σ_i y_e,i·y_f,i     c_e = Σ_{i∈x} y_e,i
// The experts are frozen while the gate trains, so G, c and |x| are constants of the user: they
// are computed once, and a gate step costs O(E²) per user instead of O(E·I).
// A user's stats are S = E·E + E + 1 f64: G row by row, then c, then |x|.
import { hsum64, promoteHigh } from "./vec";

// stats (B×S f64) of each batch row b: expert e's outputs at X + (e·expertStride + b·I) floats,
// the row's items cols[rowptr[b] … rowptr[b+1]). The f32 outputs' products are exact in f64 and
// summed there.
export function expert_gram(stats: usize, X: usize, rowptr: usize, cols: usize, B: i32, E: i32, I: i32, expertStride: i32): void {
  const S = statsWidth(E);
  for (let b = 0; b < B; b++) {
    const s = stats + (<usize>(b * S) << 3);
    const j0 = load<i32>(rowptr + (<usize>b << 2)), j1 = load<i32>(rowptr + (<usize>(b + 1) << 2));
    for (let e = 0; e < E; e++) {
      const ye = outputs(X, e, b, I, expertStride);
      for (let f = e; f < E; f++) {
        const g = dot64(ye, outputs(X, f, b, I, expertStride), I);
        store<f64>(s + (<usize>(e * E + f) << 3), g);
        store<f64>(s + (<usize>(f * E + e) << 3), g);
      }
      let c: f64 = 0;
      for (let j = j0; j < j1; j++) c += <f64>load<f32>(ye + (<usize>load<i32>(cols + (<usize>j << 2)) << 2));
      store<f64>(s + (<usize>(E * E + e) << 3), c);
    }
    store<f64>(s + (<usize>(E * E + E) << 3), <f64>(j1 - j0));
  }
}

// scale·Σ_b (g_bᵀ·G_b·g_b − 2·g_bᵀ·c_b + |x_b|) with G_b, c_b, |x_b| the stats of user users[b]
// (stats: U×S f64) and g_b the row b of gates (B×E).
export function gate_mse_forward(stats: usize, gates: usize, users: usize, B: i32, E: i32, scale: f64): f64 {
  let loss: f64 = 0;
  for (let b = 0; b < B; b++) {
    const s = userStats(stats, users, b, E), g = gates + (<usize>(b * E) << 2);
    let quad: f64 = 0, lin: f64 = 0;
    for (let e = 0; e < E; e++) {
      const ge = <f64>load<f32>(g + (<usize>e << 2));
      quad += ge * gramTimes(s, g, e, E);
      lin += ge * load<f64>(s + (<usize>(E * E + e) << 3));
    }
    loss += quad - 2 * lin + load<f64>(s + (<usize>(E * E + E) << 3));
  }
  return scale * loss;
}

// dgates[b,e] = 2·scale·((G_b·g_b)_e − c_b,e), the gradient of gate_mse_forward at the gates.
export function gate_mse_backward(dgates: usize, stats: usize, gates: usize, users: usize, B: i32, E: i32, scale: f64): void {
  for (let b = 0; b < B; b++) {
    const s = userStats(stats, users, b, E), g = gates + (<usize>(b * E) << 2);
    for (let e = 0; e < E; e++) {
      const d = 2 * scale * (gramTimes(s, g, e, E) - load<f64>(s + (<usize>(E * E + e) << 3)));
      store<f32>(dgates + (<usize>(b * E + e) << 2), <f32>d);
    }
  }
}

@inline
function outputs(X: usize, e: i32, b: i32, I: i32, expertStride: i32): usize {
  return X + ((<usize>e * <usize>expertStride + <usize>b * <usize>I) << 2);
}

@inline
function userStats(stats: usize, users: usize, b: i32, E: i32): usize {
  return stats + (<usize>load<i32>(users + (<usize>b << 2)) * <usize>statsWidth(E) << 3);
}

// S, the f64 numbers of a user's stats
@inline
function statsWidth(E: i32): i32 {
  return E * E + E + 1;
}

// (G·g)_e for a user's stats s and gates g (f32 E)
@inline
function gramTimes(s: usize, g: usize, e: i32, E: i32): f64 {
  let r: f64 = 0;
  for (let f = 0; f < E; f++) r += load<f64>(s + (<usize>(e * E + f) << 3)) * <f64>load<f32>(g + (<usize>f << 2));
  return r;
}

// Σ_i x_i·y_i over n f32, each product exact in f64
function dot64(x: usize, y: usize, n: i32): f64 {
  let s: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const a = v128.load(x + o), b = v128.load(y + o);
      lo = f64x2.add(lo, f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)));
      hi = f64x2.add(hi, f64x2.mul(promoteHigh(a), promoteHigh(b)));
    }
    s = hsum64(lo, hi);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    s += <f64>load<f32>(x + o) * <f64>load<f32>(y + o);
  }
  return s;
}
