// Squared-error losses. `scale` carries the reference's normalisation (1/numel for a mean;
// for stage 0 also the 1/Σm mask count). Forward returns the scaled sum, accumulated in f64
// (in the SIMD build four running sums, one per lane, added at the end); backward writes dy
// (it may alias y).
import { hsum64, promoteHigh } from "./vec";

// scale · Σ (y − t)²
export function mse_forward(y: usize, t: usize, n: i32, scale: f32): f64 {
  let s: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.sub(v128.load(y + o), v128.load(t + o));
      const sq = f32x4.mul(d, d);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(sq));
      hi = f64x2.add(hi, promoteHigh(sq));
    }
    s = hsum64(lo, hi);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(y + o) - load<f32>(t + o);
    s += <f64>(d * d);
  }
  return s * scale;
}

// dy = 2 · scale · (y − t)
export function mse_backward(dy: usize, y: usize, t: usize, n: i32, scale: f32): void {
  const c: f32 = 2 * scale;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const cv = f32x4.splat(c);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dy + o, f32x4.mul(cv, f32x4.sub(v128.load(y + o), v128.load(t + o))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dy + o, c * (load<f32>(y + o) - load<f32>(t + o)));
  }
}

// scale · Σ (m ⊙ y − t)²
export function masked_mse_forward(y: usize, t: usize, m: usize, n: i32, scale: f32): f64 {
  let s: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.sub(f32x4.mul(v128.load(m + o), v128.load(y + o)), v128.load(t + o));
      const sq = f32x4.mul(d, d);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(sq));
      hi = f64x2.add(hi, promoteHigh(sq));
    }
    s = hsum64(lo, hi);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(m + o) * load<f32>(y + o) - load<f32>(t + o);
    s += <f64>(d * d);
  }
  return s * scale;
}

// dy = 2 · scale · (m ⊙ y − t) ⊙ m
export function masked_mse_backward(dy: usize, y: usize, t: usize, m: usize, n: i32, scale: f32): void {
  const c: f32 = 2 * scale;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const cv = f32x4.splat(c);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const mv = v128.load(m + o);
      v128.store(dy + o, f32x4.mul(f32x4.mul(cv, f32x4.sub(f32x4.mul(mv, v128.load(y + o)), v128.load(t + o))), mv));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const mv = load<f32>(m + o);
    store<f32>(dy + o, c * (mv * load<f32>(y + o) - load<f32>(t + o)) * mv);
  }
}
