// Where Adam's zero-gradient decay of m ends, and when it surely has: the steps m ← m − (1−β1)·m
// (adam-catch-up.ts) that a long skip would take one by one, settled at once, bit for bit.
//
// In units of 2⁻¹⁴⁹ (the least subnormal; decay-in-units.ts) a step maps |m| = n to
// G(n − G(w·n)), w = 1−β1 and G f32's rounding, which errs by at most max(½, 2⁻²⁴·x). So
// n' ≤ r·n + 1.01 with r = (1 − w + 2⁻²⁴·w)(1 + 2⁻²⁴), and after k steps n ≤ rᵏ·n₀ + 1.01/(1 − r):
// once rᵏ·n₀ ≤ 1, n ≤ b = 1 + 1.01/(1 − r). Below 2²⁴ units a step is n − round(w·n), exactly,
// which leaves n where w·n ≤ ½ (ties round to the even 0) and otherwise takes at least one
// unit, never past top = the largest such n (that would need w ≥ 1). So from any finite n₀ the
// decay ends at min(n₀, top), with m's sign (+0 at zero), within ⌈ln n₀ / −ln r⌉ + ⌈b − top⌉
// steps.
import { withSign, withSignScalar } from "./decay-in-units";

// The decay's constants for the β1 of the adam_catch_up call in progress (each thread's
// instance has its own), from w = 1−β1 as f32 computes it: top, the steps of the whole-unit
// phase (⌈b − top⌉ and one for b's rounding), and the steps a binade of n₀ takes at most
// (1/log₂(1/r), with a margin for the rounding of ln r). stepsPerBinade 0: no decay is known to
// settle (r rounds to 1, which only a w within a few ulps of 2⁻²⁴ makes it, or b is not below
// 2²³ units).
let decayTop: u32 = 0;
let wholeUnitSteps: i32 = 0;
let stepsPerBinade: f64 = 0;

export function prepareDecayEnd(beta1: f32): void {
  const w: f32 = 1 - beta1, wd = <f64>w;
  decayTop = topOfDecay(wd);
  const r = (1 - wd + wd * TWO_M24) * (1 + TWO_M24);
  const b = 1 + 1.01 / (1 - r);
  const settles = r < 1 && b < 8388608;
  wholeUnitSteps = settles ? <i32>Math.ceil(b - <f64>decayTop) + 1 : 0;
  stepsPerBinade = settles ? (Math.LN2 / -Math.log(r)) * (1 + TWO_M20) : 0;
}

// The largest |m|, as f32 bits, from which `steps` ≥ 1 steps surely end the decay: those below
// 2^(e−126), e the exponent field, are n₀ < 2^(e+23) units, so e ≤ (steps − whole − 1)/spb − 23
// suffices. At least top's bits, whose lanes never move.
export function settledWithin(steps: i32): u32 {
  if (stepsPerBinade == 0 || steps <= wholeUnitSteps + 1) return decayTop;
  const e = Math.floor(<f64>(steps - wholeUnitSteps - 1) / stepsPerBinade) - 23;
  if (e < 0) return decayTop;
  if (e >= 254) return 0x7f7fffff;
  return max(decayTop, ((<u32>e + 1) << 23) - 1);
}

// Every lane of the eight floats at m (four unless `two`) settled, if each |m| ≤ limit's bits
// (settledWithin): |m| becomes min(|m|, top) with its sign, +0 at zero. Whether it did.
@inline
export function settle(m: usize, limit: u32, two: bool): bool {
  const m0 = v128.load(m);
  const m1 = two ? v128.load(m, 16) : m0;
  const abs = i32x4.splat(0x7fffffff), lim = i32x4.splat(limit);
  const a0 = v128.and(m0, abs), a1 = v128.and(m1, abs);
  if (!i32x4.all_true(v128.and(i32x4.le_u(a0, lim), i32x4.le_u(a1, lim)))) return false;
  const t = i32x4.splat(decayTop);
  v128.store(m, withSign(m0, i32x4.min_u(a0, t)));
  if (two) v128.store(m, withSign(m1, i32x4.min_u(a1, t)), 16);
  return true;
}

@inline
export function settleScalar(m: usize, limit: u32): bool {
  const bits = load<u32>(m), a = bits & 0x7fffffff;
  if (a > limit) return false;
  store<u32>(m, withSignScalar(bits, min(a, decayTop)));
  return true;
}

// The largest whole number of units n with round(w·n) = 0: w·n ≤ ½, exact in f64. Below 2²⁴ a
// float's bits are its units, so this is also the bits of the decay's last value.
export function topOfDecay(w: f64): u32 {
  let n = Math.floor(0.5 / w);
  while (n * w > 0.5) n--;
  while ((n + 1) * w <= 0.5) n++;
  return <u32>n;
}

const TWO_M24: f64 = 5.9604644775390625e-8;
const TWO_M20: f64 = 9.5367431640625e-7;
