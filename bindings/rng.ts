// The TypeScript twin of assembly/rng.ts: xoshiro128** over a 4×u32 state, drawing exactly the
// stream the Wasm kernels draw from the same state. Seeding lives here only: a seed and a stream
// id expand (splitmix32) into the four words the kernels read from memory.

export const RNG_STATE_BYTES = 16;

/** The 4-word xoshiro128** state for (seed, stream); distinct streams are independent. */
export function seedState(seed: number, stream = 0): Uint32Array {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let x = (lo ^ mix32(hi ^ Math.imul(stream + 1, 0x632be5ab))) | 0;
  const s = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) | 0;
    s[i] = mix32(x);
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  return s;
}

function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  /** The live state; shares memory with the array given to the constructor. */
  readonly state: Uint32Array;

  constructor(state: Uint32Array) {
    if (state.length !== 4) throw new RangeError("an RNG state has 4 words");
    this.state = state;
  }

  static seeded(seed: number, stream = 0): Rng {
    return new Rng(seedState(seed, stream));
  }

  nextU32(): number {
    const s = this.state;
    const s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    const n2 = (s2 ^ s0) >>> 0;
    const n3 = (s3 ^ s1) >>> 0;
    s[0] = s0 ^ n3;
    s[1] = s1 ^ n2;
    s[2] = n2 ^ t;
    s[3] = rotl(n3, 11);
    return result;
  }

  /** uniform in [0, 1), 24 random bits, exactly representable in f32 */
  uniform(): number {
    return (this.nextU32() >>> 8) * 5.9604644775390625e-8;
  }

  /** uniform integer in [0, n), n ≤ 2^21 */
  int(n: number): number {
    return Math.floor((this.nextU32() * n) / 4294967296);
  }

  /** standard normal (Marsaglia's polar method) */
  normal(): number {
    let u: number, v: number, s: number;
    do {
      u = this.nextU32() * 4.656612873077393e-10 - 1;
      v = this.nextU32() * 4.656612873077393e-10 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    return u * Math.sqrt((-2 * ln(s)) / s);
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** ln x with IEEE arithmetic only, operation for operation as assembly/rng.ts computes it. */
export function ln(x: number): number {
  f64[0] = x;
  const hi = u32[HI];
  let e = ((hi >>> 20) & 0x7ff) - 1023;
  u32[HI] = (hi & 0x000fffff) | 0x3ff00000;
  let m = f64[0];
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let s = 1.0 / 21.0;
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
  return e * 0.6931471805599453 + 2 * t * s;
}
