// Deferred dense Adam: the zero-gradient steps of adam_step (adam.ts), taken late and at once.
import { decayInUnits, decayInUnitsScalar, prepareDecayInUnits, takeInUnits, takeInUnitsScalar } from "./decay-in-units";
import { prepareDecayEnd, settle, settledWithin, settleScalar } from "./decay-end";

// Dense Adam's steps that rows with a zero gradient skipped, taken when the rows are next
// needed: each row r (rows[i] for i in [r0, r1), or i itself when rows is 0) of an R×H slab,
// last updated at step last[r] ≥ base, takes steps last[r]+1 … t as adam_step takes them with
// a zero gradient, bit for bit (the same operations in the same order per parameter, save those
// shown not to change a bit: catchUpRow); last[r] becomes t. A row's values stay in registers
// through all its steps, so a row that skipped k steps is read and written once instead of k
// times.
// steps: f32 pairs (stepSize, invBc2Sqrt) of steps base+1 … t, step s at pair s−base−1, with
// stepSize non-increasing and invBc2Sqrt > 0 (Adam's bias corrections make them so).
export function adam_catch_up(p: usize, m: usize, v: usize, last: usize, rows: usize, r0: i32, r1: i32, H: i32, t: i32, steps: usize, base: i32, beta1: f32, beta2: f32, eps: f32): void {
  const rowBytes = <usize>H << 2;
  prepareDecayEnd(beta1);
  prepareDecayInUnits(beta1);
  for (let i = r0; i < r1; i++) {
    const r = <usize>(rows ? load<i32>(rows + (<usize>i << 2)) : i);
    const lastStep = last + (r << 2);
    const from = load<i32>(lastStep);
    if (from >= t) continue;
    const o = r * rowBytes;
    catchUpRow(p + o, m + o, v + o, H, steps + (<usize>(from - base) << 3), t - from, beta1, beta2, eps);
    store<i32>(lastStep, t);
  }
}

// k zero-gradient steps of H parameters, the steps' (stepSize, invBc2Sqrt) pairs at `steps`.
// A step moves p by u = −stepSize·m / (√v·bc + ε), and with g = 0 the moments only decay, so a
// parameter's steps end in two cheaper phases, each the same bits as the full steps:
// - p stays put once u is too small to change it; from then on the steps only decay m and v,
//   without the divider (see pStaysPut);
// - m reaches a fixed point: +0, or a few subnormal units that (1−β1)·m rounds to nothing, so
//   that m − (1−β1)·m is m again; from then on the steps only scale v. A fixed m decays to
//   itself, so the test runs every eighth step: stopping up to seven steps late gives the same
//   bits, and the steps between go without it. Near the subnormals m's steps are taken in
//   integer units instead (decay-in-units.ts), the same bits without subnormal arithmetic.
// A full step with m = +0 moves p by −0, which leaves any p (±0 included) as it is: parameters
// whose m is +0 leave the full steps even where p is too small to be judged.
// Those phases take the shortest chains that give the same bits: v is never −0 after the first
// step (adam_step's v-update adds +0), so the later steps' +0 term changes nothing and v only
// multiplies; and m + w1·(0 − m) = m − w1·m exactly, for ±0 too (both give +0), one operation
// fewer on m's chain.
function catchUpRow(p: usize, m: usize, v: usize, H: i32, steps: usize, k: i32, beta1: f32, beta2: f32, eps: f32): void {
  const w1: f32 = 1 - beta1;
  const w2: f32 = 1 - beta2;
  const invEpsUp = <f32>((1 / <f64>eps) * (1 + 1e-6));
  const stepsEnd = steps + (<usize>k << 3);
  const end = p + (<usize>H << 2);
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), w1v = f32x4.splat(w1), b2v = f32x4.splat(beta2), epsv = f32x4.splat(eps);
    // adam_step's v-update term (1−β2)·g·g at g = 0
    const gg = f32x4.mul(f32x4.mul(f32x4.splat(w2), zero), zero);
    // eight parameters per pass over the full steps: two independent chains keep the divider
    // busy; thirty-two (or sixteen) per pass over the decays, whose chains are short and
    // latency-bound
    const end32 = p + ((<usize>H >> 5) << 7);
    while (p < end32) {
      const sA = fullSteps(p, m, v, steps, stepsEnd, zero, w1v, b2v, gg, epsv, invEpsUp);
      const sB = fullSteps(p + 32, m + 32, v + 32, steps, stepsEnd, zero, w1v, b2v, gg, epsv, invEpsUp);
      const sC = fullSteps(p + 64, m + 64, v + 64, steps, stepsEnd, zero, w1v, b2v, gg, epsv, invEpsUp);
      const sD = fullSteps(p + 96, m + 96, v + 96, steps, stepsEnd, zero, w1v, b2v, gg, epsv, invEpsUp);
      decayFour(m, v, sA, sB, sC, sD, stepsEnd, w1v, b2v, beta1);
      p += 128;
      m += 128;
      v += 128;
    }
    if (H & 16) {
      const sA = fullSteps(p, m, v, steps, stepsEnd, zero, w1v, b2v, gg, epsv, invEpsUp);
      const sB = fullSteps(p + 32, m + 32, v + 32, steps, stepsEnd, zero, w1v, b2v, gg, epsv, invEpsUp);
      decayTwo(m, v, sA, sB, stepsEnd, w1v, b2v, beta1);
      p += 64;
      m += 64;
      v += 64;
    }
    if (H & 8) {
      decay(m, v, fullSteps(p, m, v, steps, stepsEnd, zero, w1v, b2v, gg, epsv, invEpsUp), stepsEnd, w1v, b2v, beta1, true);
      p += 32;
      m += 32;
      v += 32;
    }
    if (H & 4) {
      let p0 = v128.load(p), m0 = v128.load(m), v0 = v128.load(v);
      let s = steps;
      while (s < stepsEnd) {
        const nsv = f32x4.neg(v128.load32_splat(s)), bcv = v128.load32_splat(s, 4);
        m0 = f32x4.add(m0, f32x4.mul(w1v, f32x4.sub(zero, m0)));
        v0 = f32x4.add(f32x4.mul(v0, b2v), gg);
        const n0 = f32x4.mul(nsv, m0);
        p0 = f32x4.add(p0, f32x4.div(n0, f32x4.add(f32x4.mul(f32x4.sqrt(v0), bcv), epsv)));
        s += 8;
        if (((s - steps) & 63) == 8 && (i32x4.all_true(pStaysPut(p0, n0, invEpsUp)) || !v128.any_true(m0))) break;
      }
      v128.store(p, p0);
      v128.store(m, m0);
      v128.store(v, v0);
      decay(m, v, s, stepsEnd, w1v, b2v, beta1, false);
      p += 16;
      m += 16;
      v += 16;
    }
  }
  while (p < end) {
    let pi = load<f32>(p), mi = load<f32>(m), vi = load<f32>(v);
    const g: f32 = 0;
    let s = steps;
    while (s < stepsEnd) {
      mi = mi + w1 * (g - mi);
      vi = vi * beta2 + (w2 * g) * g;
      const ni = -load<f32>(s) * mi;
      pi = pi + ni / (Mathf.sqrt(vi) * load<f32>(s, 4) + eps);
      s += 8;
      if (pStaysPutScalar(pi, ni, invEpsUp) || reinterpret<u32>(mi) == 0) break;
    }
    // m to its fixed point: at once when the steps left surely reach it, else step by step
    // (every eighth step, the first included, tests it); then v
    const from = s;
    store<f32>(m, mi);
    if (s < stepsEnd && settleScalar(m, settledWithin(<i32>((stepsEnd - s) >> 3)))) mi = load<f32>(m);
    else for (let sm = s; sm < stepsEnd; sm += 8) {
      if (((sm - from) & 63) == 0) {
        if (takeInUnitsScalar(mi)) {
          store<f32>(m, mi);
          decayInUnitsScalar(m, sm, stepsEnd, beta1);
          mi = load<f32>(m);
          break;
        }
        if (reinterpret<u32>(mi - w1 * mi) == reinterpret<u32>(mi)) break;
      }
      mi = mi - w1 * mi;
    }
    for (; s < stepsEnd; s += 8) vi = vi * beta2;
    store<f32>(p, pi);
    store<f32>(m, mi);
    store<f32>(v, vi);
    p += 4;
    m += 4;
    v += 4;
  }
}

// catchUpRow's full steps of eight parameters from step pointer `steps`, until the end or until
// p stays put (or m is +0) in every lane; p, m and v are stored. Returns the step pointer reached.
@inline
function fullSteps(p: usize, m: usize, v: usize, steps: usize, stepsEnd: usize, zero: v128, w1v: v128, b2v: v128, gg: v128, epsv: v128, invEpsUp: f32): usize {
  let p0 = v128.load(p), m0 = v128.load(m), v0 = v128.load(v);
  let p1 = v128.load(p, 16), m1 = v128.load(m, 16), v1 = v128.load(v, 16);
  let s = steps;
  while (s < stepsEnd) {
    const nsv = f32x4.neg(v128.load32_splat(s)), bcv = v128.load32_splat(s, 4);
    m0 = f32x4.add(m0, f32x4.mul(w1v, f32x4.sub(zero, m0)));
    m1 = f32x4.add(m1, f32x4.mul(w1v, f32x4.sub(zero, m1)));
    v0 = f32x4.add(f32x4.mul(v0, b2v), gg);
    v1 = f32x4.add(f32x4.mul(v1, b2v), gg);
    const n0 = f32x4.mul(nsv, m0), n1 = f32x4.mul(nsv, m1);
    p0 = f32x4.add(p0, f32x4.div(n0, f32x4.add(f32x4.mul(f32x4.sqrt(v0), bcv), epsv)));
    p1 = f32x4.add(p1, f32x4.div(n1, f32x4.add(f32x4.mul(f32x4.sqrt(v1), bcv), epsv)));
    s += 8;
    // after the first step (a row never yet moved leaves at once), then every eighth
    if (((s - steps) & 63) == 8 && (i32x4.all_true(v128.and(pStaysPut(p0, n0, invEpsUp), pStaysPut(p1, n1, invEpsUp))) || !v128.any_true(v128.or(m0, m1)))) break;
  }
  v128.store(p, p0);
  v128.store(m, m0);
  v128.store(v, v0);
  v128.store(p, p1, 16);
  v128.store(m, m1, 16);
  v128.store(v, v1, 16);
  return s;
}

// The remaining steps of eight parameters (four unless `two`) whose p stays put, from step
// pointer s: m decays to its fixed point, v scales throughout.
@inline
function decay(m: usize, v: usize, s: usize, stepsEnd: usize, w1v: v128, b2v: v128, beta1: f32, two: bool): void {
  decayM(m, s, stepsEnd, w1v, beta1, two);
  scaleV(v, s, stepsEnd, b2v, two);
}

// decay for two groups of eight (at m, v and 32 bytes on), from step pointers sA and sB, as
// decayFour takes four.
@inline
function decayTwo(m: usize, v: usize, sA: usize, sB: usize, stepsEnd: usize, w1v: v128, b2v: v128, beta1: f32): void {
  const together = min(stepsEnd - sA, stepsEnd - sB);
  // a skip that surely ends both groups' decay leaves them to decayM, which sets each at once
  const settles = together > 0 && i32x4.all_true(withinLimit(m, settledWithin(<i32>(together >> 3))));
  let a0 = v128.load(m), a1 = v128.load(m, 16), c0 = v128.load(m, 32), c1 = v128.load(m, 48);
  let i: usize = 0;
  while (!settles && i < together) {
    if ((i & 63) == 0 && (takeInUnits(a0, a1) || takeInUnits(c0, c1) || i32x4.all_true(v128.and(bothFixed(a0, a1, w1v), bothFixed(c0, c1, w1v))))) break;
    a0 = decayed(a0, w1v);
    a1 = decayed(a1, w1v);
    c0 = decayed(c0, w1v);
    c1 = decayed(c1, w1v);
    i += 8;
  }
  v128.store(m, a0);
  v128.store(m, a1, 16);
  v128.store(m, c0, 32);
  v128.store(m, c1, 48);
  decayM(m, sA + i, stepsEnd, w1v, beta1, true);
  decayM(m + 32, sB + i, stepsEnd, w1v, beta1, true);
  let va0 = v128.load(v), va1 = v128.load(v, 16), vc0 = v128.load(v, 32), vc1 = v128.load(v, 48);
  for (let j: usize = 0; j < together; j += 8) {
    va0 = f32x4.mul(va0, b2v);
    va1 = f32x4.mul(va1, b2v);
    vc0 = f32x4.mul(vc0, b2v);
    vc1 = f32x4.mul(vc1, b2v);
  }
  v128.store(v, va0);
  v128.store(v, va1, 16);
  v128.store(v, vc0, 32);
  v128.store(v, vc1, 48);
  scaleV(v, sA + together, stepsEnd, b2v, true);
  scaleV(v + 32, sB + together, stepsEnd, b2v, true);
}

// decay for four groups of eight (at m, v and 32, 64, 96 bytes on), from step pointers sA…sD.
// Once p stays put, m's and v's chains no longer meet, so m decays first, the four groups side
// by side, then v: eight independent chains each time instead of four.
@inline
function decayFour(m: usize, v: usize, sA: usize, sB: usize, sC: usize, sD: usize, stepsEnd: usize, w1v: v128, b2v: v128, beta1: f32): void {
  const together = min(min(stepsEnd - sA, stepsEnd - sB), min(stepsEnd - sC, stepsEnd - sD));
  // a skip that surely ends every group's decay leaves them to decayM, which sets each at once
  const limit = settledWithin(<i32>(together >> 3));
  const settles = together > 0 && i32x4.all_true(v128.and(withinLimit(m, limit), withinLimit(m + 64, limit)));
  let a0 = v128.load(m), a1 = v128.load(m, 16), b0 = v128.load(m, 32), b1 = v128.load(m, 48);
  let c0 = v128.load(m, 64), c1 = v128.load(m, 80), d0 = v128.load(m, 96), d1 = v128.load(m, 112);
  let i: usize = 0;
  while (!settles && i < together) {
    // every eighth step, the first included: near the subnormals (tested first, so that the
    // fixed-point test meets no subnormal) each group goes on alone; all fixed, they stop
    if ((i & 63) == 0) {
      if (takeInUnits(a0, a1) || takeInUnits(b0, b1) || takeInUnits(c0, c1) || takeInUnits(d0, d1)) break;
      if (i32x4.all_true(v128.and(v128.and(bothFixed(a0, a1, w1v), bothFixed(b0, b1, w1v)), v128.and(bothFixed(c0, c1, w1v), bothFixed(d0, d1, w1v))))) break;
    }
    a0 = decayed(a0, w1v);
    a1 = decayed(a1, w1v);
    b0 = decayed(b0, w1v);
    b1 = decayed(b1, w1v);
    c0 = decayed(c0, w1v);
    c1 = decayed(c1, w1v);
    d0 = decayed(d0, w1v);
    d1 = decayed(d1, w1v);
    i += 8;
  }
  v128.store(m, a0);
  v128.store(m, a1, 16);
  v128.store(m, b0, 32);
  v128.store(m, b1, 48);
  v128.store(m, c0, 64);
  v128.store(m, c1, 80);
  v128.store(m, d0, 96);
  v128.store(m, d1, 112);
  decayM(m, sA + i, stepsEnd, w1v, beta1, true);
  decayM(m + 32, sB + i, stepsEnd, w1v, beta1, true);
  decayM(m + 64, sC + i, stepsEnd, w1v, beta1, true);
  decayM(m + 96, sD + i, stepsEnd, w1v, beta1, true);
  let va0 = v128.load(v), va1 = v128.load(v, 16), vb0 = v128.load(v, 32), vb1 = v128.load(v, 48);
  let vc0 = v128.load(v, 64), vc1 = v128.load(v, 80), vd0 = v128.load(v, 96), vd1 = v128.load(v, 112);
  for (let j: usize = 0; j < together; j += 8) {
    va0 = f32x4.mul(va0, b2v);
    va1 = f32x4.mul(va1, b2v);
    vb0 = f32x4.mul(vb0, b2v);
    vb1 = f32x4.mul(vb1, b2v);
    vc0 = f32x4.mul(vc0, b2v);
    vc1 = f32x4.mul(vc1, b2v);
    vd0 = f32x4.mul(vd0, b2v);
    vd1 = f32x4.mul(vd1, b2v);
  }
  v128.store(v, va0);
  v128.store(v, va1, 16);
  v128.store(v, vb0, 32);
  v128.store(v, vb1, 48);
  v128.store(v, vc0, 64);
  v128.store(v, vc1, 80);
  v128.store(v, vd0, 96);
  v128.store(v, vd1, 112);
  scaleV(v, sA + together, stepsEnd, b2v, true);
  scaleV(v + 32, sB + together, stepsEnd, b2v, true);
  scaleV(v + 64, sC + together, stepsEnd, b2v, true);
  scaleV(v + 96, sD + together, stepsEnd, b2v, true);
}

// m of eight parameters (four unless `two`) decays from step pointer s until it is fixed or the
// steps run out; near the subnormals, in integer units.
@inline
function decayM(m: usize, s: usize, stepsEnd: usize, w1v: v128, beta1: f32, two: bool): void {
  if (s >= stepsEnd) return;
  if (settle(m, settledWithin(<i32>((stepsEnd - s) >> 3)), two)) return;
  const from = s;
  let m0 = v128.load(m);
  let m1 = two ? v128.load(m, 16) : m0;
  while (s < stepsEnd) {
    if (((s - from) & 63) == 0) {
      if (takeInUnits(m0, m1) || i32x4.all_true(bothFixed(m0, m1, w1v))) break;
    }
    m0 = decayed(m0, w1v);
    if (two) m1 = decayed(m1, w1v);
    s += 8;
  }
  v128.store(m, m0);
  if (two) v128.store(m, m1, 16);
  if (s < stepsEnd && takeInUnits(m0, m1) && !settle(m, settledWithin(<i32>((stepsEnd - s) >> 3)), two)) decayInUnits(m, s, stepsEnd, beta1, two);
}

// v of eight parameters (four unless `two`) scales by β2 once per step from step pointer s to
// the end.
@inline
function scaleV(v: usize, s: usize, stepsEnd: usize, b2v: v128, two: bool): void {
  let v0 = v128.load(v);
  let v1 = two ? v128.load(v, 16) : v0;
  for (; s < stepsEnd; s += 8) {
    v0 = f32x4.mul(v0, b2v);
    if (two) v1 = f32x4.mul(v1, b2v);
  }
  v128.store(v, v0);
  if (two) v128.store(v, v1, 16);
}

// One zero-gradient step of m: m − (1−β1)·m, the same bits as adam_step's m + (1−β1)·(0 − m).
@inline
function decayed(m: v128, w1v: v128): v128 {
  return f32x4.sub(m, f32x4.mul(w1v, m));
}

// The lanes of the four vectors at m whose |m| is at most limit's bits.
@inline
function withinLimit(m: usize, limit: u32): v128 {
  const abs = i32x4.splat(0x7fffffff), lim = i32x4.splat(limit);
  const a = v128.and(i32x4.le_u(v128.and(v128.load(m), abs), lim), i32x4.le_u(v128.and(v128.load(m, 16), abs), lim));
  return v128.and(a, v128.and(i32x4.le_u(v128.and(v128.load(m, 32), abs), lim), i32x4.le_u(v128.and(v128.load(m, 48), abs), lim)));
}

// The lanes of two vectors of m that are at their fixed point: a step leaves them as they are.
@inline
function bothFixed(m0: v128, m1: v128, w1v: v128): v128 {
  return v128.and(i32x4.eq(decayed(m0, w1v), m0), i32x4.eq(decayed(m1, w1v), m1));
}

// Whether every later zero-gradient step leaves p as it is, judged after a step with
// numerator n = −stepSize·m (stepSize the table's, non-increasing as Adam's bias correction
// makes it). The next step's numerator is no larger (|m| never grows without a gradient), its
// denominator √v·bc + ε is at least ε, so |u| ≤ |n|/ε; and |n|·invEpsUp < |p|·2⁻²⁶·(1 − 2⁻²⁰),
// with invEpsUp ≥ 1/ε, puts |n|/ε below |p|·2⁻²⁶ after every rounding. That is under a quarter
// of p's ulp, under half the spacing on either side of p, so p + u rounds back to p, step after
// step. A NaN p fails the test, and a NaN or negative v has made p NaN by the first step; a p
// below 2⁻¹⁰⁰ is not judged (|p|·2⁻²⁶ would lose bits).
@inline
function pStaysPut(p: v128, n: v128, invEpsUp: f32): v128 {
  const ap = f32x4.abs(p);
  const small = f32x4.lt(f32x4.mul(f32x4.abs(n), f32x4.splat(invEpsUp)), f32x4.mul(ap, f32x4.splat(QUARTER_ULP_BOUND)));
  return v128.and(small, f32x4.ge(ap, f32x4.splat(LOWEST_JUDGED)));
}

@inline
function pStaysPutScalar(p: f32, n: f32, invEpsUp: f32): bool {
  const ap = Mathf.abs(p);
  return Mathf.abs(n) * invEpsUp < ap * QUARTER_ULP_BOUND && ap >= LOWEST_JUDGED;
}

const QUARTER_ULP_BOUND: f32 = reinterpret<f32>(0x327ffff0); // 2⁻²⁶·(1 − 2⁻²⁰)
const LOWEST_JUDGED: f32 = reinterpret<f32>(0x0d800000); // 2⁻¹⁰⁰
