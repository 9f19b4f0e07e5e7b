// xoshiro128** with its 4×u32 state in caller memory, so a run's random stream can be saved,
// restored and replayed by bindings/rng.ts (the TypeScript twin draws the identical stream).
// Normal draws use Marsaglia's polar method with a logarithm built from IEEE arithmetic only,
// so the same bits come out of every engine.

@inline
function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

export function nextU32(state: usize): u32 {
  const s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  store<u32>(state, s0 ^ n3);
  store<u32>(state, s1 ^ n2, 4);
  store<u32>(state, n2 ^ t, 8);
  store<u32>(state, rotl(n3, 11), 12);
  return result;
}

// uniform in [0, 1) with 24 random bits
@inline
export function uniformF32(state: usize): f32 {
  return <f32>(nextU32(state) >>> 8) * 5.9604644775390625e-8;
}

// uniform integer in [0, n), n ≤ 2^21
@inline
export function uniformInt(state: usize, n: i32): i32 {
  return <i32>((<u64>nextU32(state) * <u64>n) >>> 32);
}

const SQRT2: f64 = 1.4142135623730951;
const LN2: f64 = 0.6931471805599453;

// ln x for finite x > 0: x = m·2^e with m ∈ [√½, √2), ln m = 2·atanh((m−1)/(m+1)) by its series.
export function ln(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  let e = <i32>((bits >>> 52) & 0x7ff) - 1023;
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let s: f64 = 1.0 / 21.0;
  s = s * t2 + 1.0 / 19.0;
  s = s * t2 + 1.0 / 17.0;
  s = s * t2 + 1.0 / 15.0;
  s = s * t2 + 1.0 / 13.0;
  s = s * t2 + 1.0 / 11.0;
  s = s * t2 + 1.0 / 9.0;
  s = s * t2 + 1.0 / 7.0;
  s = s * t2 + 1.0 / 5.0;
  s = s * t2 + 1.0 / 3.0;
  s = s * t2 + 1.0;
  return <f64>e * LN2 + 2 * t * s;
}

// standard normal
export function normal(state: usize): f64 {
  let u: f64, v: f64, s: f64;
  do {
    u = <f64>nextU32(state) * 4.656612873077393e-10 - 1;
    v = <f64>nextU32(state) * 4.656612873077393e-10 - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  return u * Math.sqrt((-2 * ln(s)) / s);
}

// out[i] = lo + (hi − lo)·U[0,1)
export function rng_uniform(out: usize, n: i32, lo: f32, hi: f32, state: usize): void {
  const w = hi - lo;
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), lo + w * uniformF32(state));
}

// out[i] = mean + std·N(0,1)
export function rng_normal(out: usize, n: i32, mean: f32, std: f32, state: usize): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), mean + std * <f32>normal(state));
}

// out[i] = U{0 … bound−1}
export function rng_int(out: usize, n: i32, bound: i32, state: usize): void {
  for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), uniformInt(state, bound));
}
