// Seeded false-positive injection (ALGORITHM.md §6): for each user add floor(r·|x_u| + 0.5)
// items drawn uniformly without replacement from the items in neither the user's training nor
// test rows, to the training split only.
import { Rng } from "../../bindings/rng.js";
import { ConfigError } from "../errors.js";
import { csrFromPairs, rowOf } from "./csr.js";
import type { Dataset } from "./dataset.js";

export function injectNoise(d: Dataset, ratio: number, seed: number): Dataset {
  if (!(ratio >= 0 && ratio <= 1)) throw new ConfigError(`noise ratio must be in [0, 1], got ${ratio}`);
  if (ratio === 0) return d;
  const rng = Rng.seeded(seed, 4);
  const us: number[] = [], is: number[] = [], nu: number[] = [], ni: number[] = [];
  const taken = new Uint8Array(d.items);
  for (let u = 0; u < d.users; u++) {
    const tr = rowOf(d.train, u), te = rowOf(d.test, u);
    for (const i of tr) {
      us.push(u);
      is.push(i);
    }
    const want = Math.floor(ratio * tr.length + 0.5);
    if (want === 0) continue;
    taken.fill(0);
    for (const i of tr) taken[i] = 1;
    for (const i of te) taken[i] = 1;
    const free: number[] = [];
    for (let i = 0; i < d.items; i++) if (!taken[i]) free.push(i);
    // partial Fisher–Yates: the first `k` of a shuffled free list
    const k = Math.min(want, free.length);
    for (let j = 0; j < k; j++) {
      const r = j + rng.int(free.length - j);
      [free[j], free[r]] = [free[r], free[j]];
      us.push(u);
      is.push(free[j]);
      nu.push(u);
      ni.push(free[j]);
    }
  }
  return {
    ...d,
    name: `${d.name}+noise${ratio}`,
    train: csrFromPairs(d.users, us, is).csr,
    noisy: csrFromPairs(d.users, nu, ni).csr,
  };
}
