// Row primitives shared by the kernels: y += a·x and dot products over f32 rows of length n.
// SIMD bodies run over whole f32x4 lanes and finish with a scalar tail, so any n works.

// a·b + c: one fused multiply-add in the relaxed-SIMD build (faster, rounded once), a multiply
// then an add otherwise. Each build is reproducible; the two differ in the last bits.
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// Loops walk pointers and take two f32x4 per trip with immediate offsets: V8 then spends
// few instructions on addressing, which bounds these memory-light loops.

// y[0..n) += a·x[0..n)
@inline
export function axpy(y: usize, x: usize, a: f32, n: i32): void {
  const end = y + (<usize>n << 2);
  if (ASC_FEATURE_SIMD) {
    const av = f32x4.splat(a);
    const end8 = y + ((<usize>n >> 3) << 5);
    while (y < end8) {
      v128.store(y, madd(av, v128.load(x), v128.load(y)));
      v128.store(y, madd(av, v128.load(x, 16), v128.load(y, 16)), 16);
      y += 32;
      x += 32;
    }
    if (n & 4) {
      v128.store(y, madd(av, v128.load(x), v128.load(y)));
      y += 16;
      x += 16;
    }
  }
  while (y < end) {
    store<f32>(y, load<f32>(y) + a * load<f32>(x));
    y += 4;
    x += 4;
  }
}

// y[0..n) += x[0..n)
@inline
export function addRow(y: usize, x: usize, n: i32): void {
  const end = y + (<usize>n << 2);
  if (ASC_FEATURE_SIMD) {
    const end8 = y + ((<usize>n >> 3) << 5);
    while (y < end8) {
      v128.store(y, f32x4.add(v128.load(y), v128.load(x)));
      v128.store(y, f32x4.add(v128.load(y, 16), v128.load(x, 16)), 16);
      y += 32;
      x += 32;
    }
    if (n & 4) {
      v128.store(y, f32x4.add(v128.load(y), v128.load(x)));
      y += 16;
      x += 16;
    }
  }
  while (y < end) {
    store<f32>(y, load<f32>(y) + load<f32>(x));
    y += 4;
    x += 4;
  }
}

// x[0..n)·y[0..n), with two vector accumulators so consecutive adds do not wait on each other
@inline
export function dot(x: usize, y: usize, n: i32): f32 {
  const end = x + (<usize>n << 2);
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    const end8 = x + ((<usize>n >> 3) << 5);
    while (x < end8) {
      a0 = madd(v128.load(x), v128.load(y), a0);
      a1 = madd(v128.load(x, 16), v128.load(y, 16), a1);
      x += 32;
      y += 32;
    }
    if (n & 4) {
      a0 = madd(v128.load(x), v128.load(y), a0);
      x += 16;
      y += 16;
    }
    s = hsum(f32x4.add(a0, a1));
  }
  while (x < end) {
    s += load<f32>(x) * load<f32>(y);
    x += 4;
    y += 4;
  }
  return s;
}

// The high two lanes of an f32x4 as an f64x2 (promote_low_f32x4 takes the low two).
@inline
export function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

// The four lanes of two f64x2 running sums, added pairwise.
@inline
export function hsum64(lo: v128, hi: v128): f64 {
  return (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1)) + (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1));
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

// The vector constants live in a table of ready f32x4 lanes: V8 rebuilds a v128.const with
// several instructions at every use, while a load from this table is one instruction.
// each constant four times; the last is bits(ROUND) − 127 read as a float (12582785 = 0x4b3fff81)
const EXPV: usize = memory.data<f32>([EXP_LO, EXP_LO, EXP_LO, EXP_LO, EXP_HI, EXP_HI, EXP_HI, EXP_HI, LOG2E, LOG2E, LOG2E, LOG2E, ROUND, ROUND, ROUND, ROUND, LN2_HI, LN2_HI, LN2_HI, LN2_HI, LN2_LO, LN2_LO, LN2_LO, LN2_LO, P0, P0, P0, P0, P1, P1, P1, P1, P2, P2, P2, P2, P3, P3, P3, P3, P4, P4, P4, P4, P5, P5, P5, P5, 1, 1, 1, 1, 12582785.0, 12582785.0, 12582785.0, 12582785.0], 16);

@inline
export function expv(x: v128): v128 {
  x = f32x4.pmax(x, v128.load(EXPV));
  x = f32x4.pmin(x, v128.load(EXPV, 16));
  const t = f32x4.add(f32x4.mul(x, v128.load(EXPV, 32)), v128.load(EXPV, 48));
  const n = f32x4.sub(t, v128.load(EXPV, 48));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, v128.load(EXPV, 64))), f32x4.mul(n, v128.load(EXPV, 80)));
  let p = v128.load(EXPV, 96);
  p = f32x4.add(f32x4.mul(p, r), v128.load(EXPV, 112));
  p = f32x4.add(f32x4.mul(p, r), v128.load(EXPV, 128));
  p = f32x4.add(f32x4.mul(p, r), v128.load(EXPV, 144));
  p = f32x4.add(f32x4.mul(p, r), v128.load(EXPV, 160));
  p = f32x4.add(f32x4.mul(p, r), v128.load(EXPV, 176));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), v128.load(EXPV, 192));
  // 2^n: the rounded t holds n + bits(ROUND) in its low bits; subtract bits(ROUND) − 127
  const scale = i32x4.shl(i32x4.sub(t, v128.load(EXPV, 208)), 23);
  return f32x4.mul(p, scale);
}

/** The f32x4 of ones in the constant table. */
@inline
export function onesv(): v128 {
  return v128.load(EXPV, 192);
}
