// Adam's zero-gradient decay of m near the bottom of f32, bit for bit without subnormal numbers.
// Each step is m ← m − (1−β1)·m in f32 (adam-catch-up.ts). Once m nears 2⁻¹²⁶ its products
// and differences are subnormal, which x86 cores without flush-to-zero (WebAssembly forbids it)
// may take through microcode, ~40 times a normal multiply's latency: on Intel cores that made a
// 1,400-step catch-up slower than taking every step densely. Here m is held in f64 as a
// multiple of 2⁻¹⁴⁹, the least subnormal: every f32 value is then an f64 whose products by
// 1−β1 are exact, and f32's rounding of a step's product and difference is one f64 addition
// and subtraction of a constant (f32Grid), all on numbers far from f64's subnormal range.

// |m| (f32 bits) below which f32 steps could meet subnormal numbers before the next test, for
// the β1 of the adam_catch_up call in progress (each thread's instance has its own). The tests
// come every eighth step; a step maps m to about β1·m through the product (1−β1)·m, so eight
// steps stay normal while β1⁸·m and (1−β1)·β1⁷·m do: |m| ≥ 2⁻¹²⁶/(β1⁷·min(β1, 1−β1)), doubled
// for the steps' rounding (2⁻¹²⁰·⁶ at β1 = 0.9).
let nearSubnormalBits: u32 = 0;

export function prepareDecayInUnits(beta1: f32): void {
  const w: f32 = 1 - beta1, b = <f64>beta1;
  const b7 = b * b * b * b * b * b * b;
  const limit = (2 * LEAST_NORMAL) / (b7 * min(b, <f64>w));
  nearSubnormalBits = limit < <f64>F32.MAX_VALUE ? reinterpret<u32>(<f32>limit) : 0x7f800000;
}

// The lanes whose |m| is nonzero and below the limit.
@inline
function nearSubnormal(m: v128): v128 {
  return i32x4.lt_u(i32x4.sub(v128.and(m, i32x4.splat(0x7fffffff)), i32x4.splat(1)), i32x4.splat(nearSubnormalBits - 1));
}

// Whether f32 steps on these lanes could meet subnormal numbers and decayInUnits can take
// them instead (every lane finite: it has no NaN or infinity).
@inline
export function takeInUnits(m0: v128, m1: v128): bool {
  const finite = v128.and(i32x4.lt_u(v128.and(m0, i32x4.splat(0x7fffffff)), i32x4.splat(0x7f800000)), i32x4.lt_u(v128.and(m1, i32x4.splat(0x7fffffff)), i32x4.splat(0x7f800000)));
  return v128.any_true(v128.or(nearSubnormal(m0), nearSubnormal(m1))) && i32x4.all_true(finite);
}

// takeInUnits for one float (a NaN's or an infinity's bits are above any limit).
@inline
export function takeInUnitsScalar(m: f32): bool {
  const a = reinterpret<u32>(m) & 0x7fffffff;
  return a - 1 < nearSubnormalBits - 1;
}

const LEAST_NORMAL: f64 = 1.1754943508222875e-38; // 2⁻¹²⁶

// m's steps from step pointer s to stepsEnd (8 bytes a step) for the eight floats at m (four
// unless `two`), until the steps run out or m is at its fixed point: the bits that decayed
// (adam-catch-up.ts) gives step by step. Every lane finite.
@inline
export function decayInUnits(m: usize, s: usize, stepsEnd: usize, beta1: f32, two: bool): void {
  const w: f32 = 1 - beta1; // rounded to f32, as the f32 steps round it
  const w1 = f64x2.splat(<f64>w);
  const a0 = v128.load(m);
  const a1 = two ? v128.load(m, 16) : a0;
  let n0 = toUnits(a0), n1 = toUnits(i32x4.shuffle(a0, a0, 2, 3, 2, 3));
  let n2 = toUnits(a1), n3 = toUnits(i32x4.shuffle(a1, a1, 2, 3, 2, 3));
  // f32's rounding at every binade until every lane is below 2²⁴ units, then a whole unit's
  const below = f64x2.splat(TWO_24);
  const from = s;
  while (s < stepsEnd) {
    if (((s - from) & 63) == 0 && i64x2.all_true(v128.and(v128.and(f64x2.lt(n0, below), f64x2.lt(n1, below)), v128.and(f64x2.lt(n2, below), f64x2.lt(n3, below))))) break;
    n0 = stepInUnits(n0, w1);
    n1 = stepInUnits(n1, w1);
    if (two) {
      n2 = stepInUnits(n2, w1);
      n3 = stepInUnits(n3, w1);
    }
    s += 8;
  }
  const settled = s, whole = f64x2.splat(WHOLE);
  while (s < stepsEnd) {
    const x0 = stepInWholeUnits(n0, w1, whole), x1 = stepInWholeUnits(n1, w1, whole);
    const x2 = two ? stepInWholeUnits(n2, w1, whole) : n2, x3 = two ? stepInWholeUnits(n3, w1, whole) : n3;
    // every eighth step, the first included: a step that leaves every lane as it is ends them
    if (((s - settled) & 63) == 0 && i64x2.all_true(v128.and(v128.and(f64x2.eq(x0, n0), f64x2.eq(x1, n1)), v128.and(f64x2.eq(x2, n2), f64x2.eq(x3, n3))))) break;
    n0 = x0;
    n1 = x1;
    n2 = x2;
    n3 = x3;
    s += 8;
  }
  v128.store(m, fromUnits(a0, n0, n1));
  if (two) v128.store(m, fromUnits(a1, n2, n3), 16);
}

// decayInUnits for one float.
@inline
export function decayInUnitsScalar(m: usize, s: usize, stepsEnd: usize, beta1: f32): void {
  const w: f32 = 1 - beta1;
  const w1 = <f64>w;
  const a = reinterpret<u32>(load<f32>(m));
  let n = toUnitsScalar(a);
  const from = s;
  while (s < stepsEnd) {
    const x = f32GridScalar(n - f32GridScalar(n * w1));
    if (((s - from) & 63) == 0 && x == n) break;
    n = x;
    s += 8;
  }
  store<u32>(m, fromUnitsScalar(a, n));
}

// One step in units: n − (1−β1)·n, each operation rounded as f32 rounds it.
@inline
function stepInUnits(n: v128, w1: v128): v128 {
  return f32Grid(f64x2.sub(n, f32Grid(f64x2.mul(n, w1))));
}

// stepInUnits for n below 2²⁴ units, where f32's spacing is one unit: the product rounds to a
// whole unit, n − round(n·w1), taken as (n + c) − (n·w1 + c) with c = 1.5·2⁵² (spacing 1), whose
// first sum is exact and off the chain from n·w1.
@inline
function stepInWholeUnits(n: v128, w1: v128, c: v128): v128 {
  return f64x2.sub(f64x2.add(n, c), f64x2.add(f64x2.mul(n, w1), c));
}

// x ≥ 0 in units, rounded to the nearest f32 value (ties to even): to a whole unit below 2²⁴
// units (f32's subnormals and its least binade), to 24 significant bits above. Adding
// c = 1.5·2⁵²·g, whose f64 spacing is the f32 spacing g at x, rounds x to a multiple of g; c's
// bits are those of x's binade (at least 2²³), its exponent raised by 29, with the bit below
// its leading one set.
@inline
function f32Grid(x: v128): v128 {
  // the exponents sit in the high word of each f64 lane, and the low words stay zero
  const binade = i32x4.max_u(v128.and(x, i64x2.splat(0x7ff0000000000000)), i64x2.splat(0x4160000000000000));
  const c = i32x4.add(binade, i64x2.splat(0x01d8000000000000));
  return f64x2.sub(f64x2.add(x, c), c);
}

@inline
function f32GridScalar(x: f64): f64 {
  const c = max(reinterpret<f64>(reinterpret<u64>(x) & 0x7ff0000000000000), TWO_23) * GRID_MAGIC;
  return (x + c) - c;
}

const TWO_23: f64 = 8388608;
const TWO_24: f64 = 16777216;
const WHOLE: f64 = 6755399441055744; // 1.5·2⁵²
const GRID_MAGIC: f64 = 805306368; // 1.5·2²⁹: 2²³·1.5·2²⁹ = 1.5·2⁵², spacing 1

// |m| in units for lanes 0 and 1 of f32 bits a: a subnormal's mantissa, or a normal's
// significand times 2^(exponent−1).
@inline
function toUnits(a: v128): v128 {
  const e = i32x4.shr_u(v128.and(a, i32x4.splat(0x7fffffff)), 23);
  const significand = v128.or(v128.and(a, i32x4.splat(0x7fffff)), v128.and(i32x4.ne(e, i32x4.splat(0)), i32x4.splat(0x800000)));
  const scale = i64x2.shl(i64x2.extend_low_i32x4_u(i32x4.add(i32x4.max_u(e, i32x4.splat(1)), i32x4.splat(1022))), 52);
  return f64x2.mul(f64x2.convert_low_i32x4_u(significand), scale);
}

@inline
function toUnitsScalar(a: u32): f64 {
  const e = (a & 0x7fffffff) >> 23;
  const significand = (a & 0x7fffff) | (e ? 0x800000 : 0);
  return <f64>significand * reinterpret<f64>(<u64>(max(e, 1) + 1022) << 52);
}

// f32 bits from units (lo: lanes 0, 1; hi: lanes 2, 3), with the signs of the f32 bits a. Below
// 2²³ units the bits are the units themselves; above, the value is a normal f32 that f64
// demotes exactly.
@inline
function fromUnits(a: v128, lo: v128, hi: v128): v128 {
  const ints = i32x4.shuffle(i32x4.trunc_sat_f64x2_u_zero(lo), i32x4.trunc_sat_f64x2_u_zero(hi), 0, 1, 4, 5);
  const two23 = f64x2.splat(TWO_23), unit = f64x2.splat(UNIT);
  const normals = i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.mul(f64x2.pmax(lo, two23), unit)), f32x4.demote_f64x2_zero(f64x2.mul(f64x2.pmax(hi, two23), unit)), 0, 1, 4, 5);
  return withSign(a, v128.bitselect(ints, normals, i32x4.lt_u(ints, i32x4.splat(0x800000))));
}

@inline
function fromUnitsScalar(a: u32, n: f64): u32 {
  return withSignScalar(a, n < TWO_23 ? <u32>n : reinterpret<u32>(<f32>(n * UNIT)));
}

// A decayed m's bits: the magnitude's bits with the sign of m's bits a, +0 where the magnitude
// is 0, as m − (1−β1)·m gives it.
@inline
export function withSign(a: v128, bits: v128): v128 {
  return v128.or(bits, v128.andnot(v128.and(a, i32x4.splat(0x80000000)), i32x4.eq(bits, i32x4.splat(0))));
}

@inline
export function withSignScalar(a: u32, bits: u32): u32 {
  return bits | (bits ? a & 0x80000000 : 0);
}

const UNIT: f64 = 1.401298464324817e-45; // 2⁻¹⁴⁹
