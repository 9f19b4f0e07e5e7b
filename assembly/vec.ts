// Row primitives shared by the kernels: y += a·x and dot products over f32 rows of length n.
// SIMD bodies run over whole f32x4 lanes and finish with a scalar tail, so any n works.

// y[0..n) += a·x[0..n)
@inline
export function axpy(y: usize, x: usize, a: f32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const av = f32x4.splat(a);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
  }
}

// y[0..n) += x[0..n)
@inline
export function addRow(y: usize, x: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), v128.load(x + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + load<f32>(x + o));
  }
}

// x[0..n)·y[0..n)
@inline
export function dot(x: usize, y: usize, n: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load(x + o), v128.load(y + o)));
    }
    s = hsum(acc);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    s += load<f32>(x + o) * load<f32>(y + o);
  }
  return s;
}

@inline
export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// e^x in f32 (Cephes expf: range reduction by ln 2 in two parts, degree-6 polynomial),
// written once for a scalar and once for four lanes with the same operations in the same
// order, so both builds agree bit for bit. Inputs are clamped to keep 2^n a normal float.
// n = round(x·log2 e) comes from adding 1.5·2^23, which rounds to nearest-even and leaves n
// in the low mantissa bits: cheaper than nearest + trunc_sat, whose NaN handling costs
// several instructions per lane on x86 (so do min/max, hence pmin/pmax after the clamp).
const EXP_LO: f32 = -87.3;
const EXP_HI: f32 = 88.3;
const LOG2E: f32 = 1.44269504088896341;
const ROUND: f32 = 12582912.0; // 1.5·2^23
const ROUND_BITS: i32 = 0x4b400000;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;

@inline
export function expf(x: f32): f32 {
  x = x < EXP_LO ? EXP_LO : x; // like pmax/pmin: a NaN input passes through
  x = EXP_HI < x ? EXP_HI : x;
  const t = x * LOG2E + ROUND;
  const n = t - ROUND;
  const r = (x - n * LN2_HI) - n * LN2_LO;
  let p = P0;
  p = p * r + P1;
  p = p * r + P2;
  p = p * r + P3;
  p = p * r + P4;
  p = p * r + P5;
  p = (p * (r * r) + r) + 1;
  return p * reinterpret<f32>((reinterpret<i32>(t) - ROUND_BITS + 127) << 23);
}

@inline
export function expv(x: v128): v128 {
  x = f32x4.pmax(x, f32x4.splat(EXP_LO));
  x = f32x4.pmin(x, f32x4.splat(EXP_HI));
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(ROUND));
  const n = f32x4.sub(t, f32x4.splat(ROUND));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(P0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.sub(t, i32x4.splat(ROUND_BITS)), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}
