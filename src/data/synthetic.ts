// The built-in data set: implicit feedback from latent-factor preferences with planted noise.
// Each user has a true taste (a factor vector); clean interactions are the user's draws from
// softmax(taste·item / temperature) without replacement (Gumbel top-k), split 80/20 into
// train and test (every fifth draw is held out). Users get planted noise rates 0, noise/2 and
// noise in turn: that share of their training row is added again as uniformly random false
// positives, recorded in `noisy`.
import { Rng, ln } from "../../bindings/rng.js";
import { ConfigError } from "../errors.js";
import { csrFromPairs } from "./csr.js";
import type { Dataset } from "./dataset.js";

export interface SyntheticOptions {
  users: number;
  items: number;
  factors: number;
  /** Mean clean interactions per user (each user draws around it). */
  interactions: number;
  /** Largest planted noise rate; users are split evenly over 0, noise/2 and noise. */
  noise: number;
  temperature: number;
  seed: number;
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = { users: 600, items: 500, factors: 8, interactions: 40, noise: 0.4, temperature: 0.35, seed: 1 };

export function synthetic(opts: Partial<SyntheticOptions> = {}): Dataset {
  const o = { ...SYNTHETIC_DEFAULTS, ...opts };
  for (const k of ["users", "items", "factors", "interactions"] as const)
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new ConfigError(`synthetic ${k} must be a positive integer, got ${o[k]}`);
  if (o.interactions * 1.5 + 2 > o.items) throw new ConfigError(`synthetic interactions (${o.interactions}) must leave room among ${o.items} items`);
  if (!(o.noise >= 0 && o.noise <= 1)) throw new ConfigError(`synthetic noise must be in [0, 1], got ${o.noise}`);
  if (!(o.temperature > 0)) throw new ConfigError(`synthetic temperature must be positive, got ${o.temperature}`);
  const rng = Rng.seeded(o.seed, 5);
  const d = o.factors, sqrtD = Math.sqrt(d);
  const P = Float64Array.from({ length: o.users * d }, () => rng.normal());
  const Q = Float64Array.from({ length: o.items * d }, () => rng.normal());
  const pop = Float64Array.from({ length: o.items }, () => 0.5 * rng.normal());
  const levels = [0, o.noise / 2, o.noise];
  const noiseRate = new Float32Array(o.users);
  const tr: [number[], number[]] = [[], []], te: [number[], number[]] = [[], []], nz: [number[], number[]] = [[], []];
  const inRow = new Uint8Array(o.items);
  for (let u = 0; u < o.users; u++) {
    const n = Math.max(2, Math.min(o.items - 2, Math.round(o.interactions * Math.exp(0.4 * rng.normal() - 0.08))));
    const draws = new TopKeys(n);
    for (let i = 0; i < o.items; i++) {
      let s = pop[i];
      for (let f = 0; f < d; f++) s += P[u * d + f] * Q[i * d + f];
      const score = s / sqrtD / o.temperature;
      const uniform = rng.uniform();
      // an item whose score plus the most its noise can be cannot pass the n-th key is not a
      // draw: skipping its two logarithms changes nothing (most items, once the draws are full)
      if (draws.full && uniform > 0 && score + gumbelBound(uniform) < draws.threshold - 1e-9) continue;
      draws.offer(score - ln(-ln(1 - uniform)), i);
    }
    const order = draws.index;
    inRow.fill(0);
    for (let j = 0; j < n; j++) {
      const side = j % 5 === 4 ? te : tr;
      side[0].push(u);
      side[1].push(order[j]);
      inRow[order[j]] = 1;
    }
    const rate = levels[u % 3];
    noiseRate[u] = rate;
    const trainCount = n - Math.floor(n / 5);
    // a user whose draws took nearly every item gets no more noise than the items left
    let want = Math.min(Math.floor(rate * trainCount + 0.5), o.items - n);
    while (want > 0) {
      const i = rng.int(o.items);
      if (inRow[i]) continue;
      inRow[i] = 1;
      tr[0].push(u);
      tr[1].push(i);
      nz[0].push(u);
      nz[1].push(i);
      want--;
    }
  }
  if (te[0].length === 0) throw new ConfigError(`synthetic data of ${o.users} user${o.users === 1 ? "" : "s"} with about ${o.interactions} interactions each holds out no test interactions (every fifth of a user's draws is held out): raise interactions or users`);
  return {
    name: `synthetic(${o.users}x${o.items},noise=${o.noise})`,
    users: o.users,
    items: o.items,
    train: csrFromPairs(o.users, tr[0], tr[1]).csr,
    test: csrFromPairs(o.users, te[0], te[1]).csr,
    noisy: csrFromPairs(o.users, nz[0], nz[1]).csr,
    noiseRate,
  };
}

/**
 * A bound on the Gumbel noise −ln(−ln(1 − u)) of a uniform u = r·2⁻²⁴ > 0: at most −ln u (as
 * −ln(1 − u) ≥ u), which is at most (clz32(r) − 7)·ln 2. Checked for every r against `ln`.
 */
export const gumbelBound = (u: number): number => (Math.clz32(u * 16777216) - 7) * Math.LN2;

/**
 * The n largest keys offered, with their indices, largest first; of equal keys the one offered
 * first (indices are offered ascending, so ties go to the lower index). A user's draws are its n
 * top keys, found in one pass over the items rather than by sorting all of them.
 */
class TopKeys {
  readonly key: Float64Array;
  readonly index: Int32Array;
  private count = 0;

  constructor(readonly n: number) {
    this.key = new Float64Array(n);
    this.index = new Int32Array(n);
  }

  get full(): boolean {
    return this.count === this.n;
  }

  /** The key an offer must exceed once full. */
  get threshold(): number {
    return this.key[this.n - 1];
  }

  offer(k: number, i: number): void {
    const { key, index, n } = this;
    if (this.count === n && !(k > key[n - 1])) return;
    let p = this.count < n ? this.count++ : n - 1;
    for (; p > 0 && key[p - 1] < k; p--) {
      key[p] = key[p - 1];
      index[p] = index[p - 1];
    }
    key[p] = k;
    index[p] = i;
  }
}
