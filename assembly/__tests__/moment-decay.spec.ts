import { prepareDecayEnd, settle, settledWithin, settleScalar, topOfDecay } from "../decay-end";
import { decayInUnits, decayInUnitsScalar } from "../decay-in-units";
import { at } from "./arrays";

// Adam's zero-gradient step of m in plain f32 arithmetic: the reference both files reproduce.
function step(m: f32, w: f32): f32 {
  return m - w * m;
}

function same(a: f32, b: f32): bool {
  return reinterpret<u32>(a) == reinterpret<u32>(b);
}

// xorshift32: random f32 bits over every finite magnitude (a uniform exponent field), either sign
let state: u32 = 0x9e3779b9;
function next(): u32 {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}
function anyFinite(): f32 {
  const bits = next();
  return reinterpret<f32>((bits & 0x807fffff) | ((next() % 255) << 23));
}
// |m| from 2^-150 to 2^-100: the subnormals, f32's least binades and the band between
function nearBottom(): f32 {
  return reinterpret<f32>((next() & 0x807fffff) | ((next() % 27) << 23));
}

const BETAS: f32[] = [0, 0.1, 0.5, 0.75, 0.9, 0.99, 0.999];

describe("decay-end", () => {
  it("the decay's last value, top, is the largest n units with round((1−β1)·n) = 0, and a step leaves it", () => {
    for (let i = 0; i < BETAS.length; i++) {
      const w: f32 = 1 - BETAS[i];
      const top = topOfDecay(<f64>w);
      expect(<f64>top * <f64>w).toBeLessThanOrEqual(0.5);
      expect(<f64>(top + 1) * <f64>w).toBeGreaterThan(0.5);
      expect(same(step(reinterpret<f32>(top), w), reinterpret<f32>(top))).toBe(true);
      expect(same(step(reinterpret<f32>(top + 1), w), reinterpret<f32>(top + 1))).toBe(false);
    }
  });

  it("a decay that settledWithin(K) says has ended after K steps has, at min(|m|, top) with m's sign, and it says so a few binades' steps after", () => {
    const CAP = 30000;
    for (let i = 0; i < BETAS.length; i++) {
      const w: f32 = 1 - BETAS[i];
      prepareDecayEnd(BETAS[i]);
      // the bound's slack: its whole-unit steps (about 1/(1−β1)) and up to 24 binades above n₀ (a
      // subnormal is taken as 2²³ units), each ln 2 / −ln β1 steps
      const slack = <i32>Math.ceil(25 * Math.LN2 / -Math.log(1 - <f64>w)) + <i32>Math.ceil(3 / <f64>w) + 20;
      for (let sample = 0; sample < 300; sample++) {
        const m0 = sample & 1 ? anyFinite() : nearBottom();
        // T: the steps after which a step leaves m as it is
        let m = m0, T = 0;
        while (T < CAP && !same(step(m, w), m)) {
          m = step(m, w);
          T++;
        }
        const a = reinterpret<u32>(m0) & 0x7fffffff;
        // never claimed ended a step early (settledWithin grows with K, so K = T − 1 is the edge)
        if (T > 1) expect(a).toBeGreaterThan(settledWithin(T - 1));
        if (T == CAP) {
          expect(a).toBeGreaterThan(settledWithin(CAP));
          continue;
        }
        const K = max(T, 1) + slack;
        expect(a).toBeLessThanOrEqual(settledWithin(K));
        // settled, the lanes hold the decay's last value (−0 ends at +0)
        const last = reinterpret<u32>(step(m, w));
        const cell = new StaticArray<f32>(1);
        cell[0] = m0;
        expect(settleScalar(at(cell), settledWithin(K))).toBe(true);
        expect(reinterpret<u32>(cell[0])).toBe(last);
        if (ASC_FEATURE_SIMD) {
          const lanes = new StaticArray<f32>(8);
          for (let l = 0; l < 8; l++) lanes[l] = m0;
          expect(settle(at(lanes), settledWithin(K), true)).toBe(true);
          for (let l = 0; l < 8; l++) expect(reinterpret<u32>(lanes[l])).toBe(last);
        }
      }
    }
  });
});

describe("decay-in-units", () => {
  it("gives plain f32 steps' bits near the bottom of f32, four or eight lanes at a time and alone", () => {
    const STEP = 8; // bytes a step of the caller's step table
    for (let i = 0; i < BETAS.length; i++) {
      const w: f32 = 1 - BETAS[i];
      for (let sample = 0; sample < 60; sample++) {
        const steps = <i32>(next() % 300);
        const lanes = new StaticArray<f32>(8), four = new StaticArray<f32>(4), expected = new StaticArray<f32>(8);
        for (let l = 0; l < 8; l++) {
          // mixed lanes: most near the bottom, some far above it, some ±0
          const pick = next() % 8;
          lanes[l] = pick == 0 ? anyFinite() : pick == 1 ? (next() & 1 ? -0.0 : 0.0) : nearBottom();
          let m = lanes[l];
          for (let k = 0; k < steps; k++) m = step(m, w);
          expected[l] = m;
          if (l < 4) four[l] = lanes[l];
        }
        const one = new StaticArray<f32>(1);
        one[0] = lanes[0];
        decayInUnitsScalar(at(one), 0, <usize>steps * STEP, BETAS[i]);
        if (ASC_FEATURE_SIMD) {
          decayInUnits(at(lanes), 0, <usize>steps * STEP, BETAS[i], true);
          decayInUnits(at(four), 0, <usize>steps * STEP, BETAS[i], false);
          for (let l = 0; l < 8; l++) expect(reinterpret<u32>(lanes[l])).toBe(reinterpret<u32>(expected[l]));
          for (let l = 0; l < 4; l++) expect(reinterpret<u32>(four[l])).toBe(reinterpret<u32>(expected[l]));
        }
        expect(reinterpret<u32>(one[0])).toBe(reinterpret<u32>(expected[0]));
      }
    }
  });
});
