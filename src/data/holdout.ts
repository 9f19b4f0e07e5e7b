// A validation split carved from the training interactions (for early stopping), so that the
// test split is never looked at while training.
import { Rng } from "../../bindings/rng.js";
import { csrFromPairs, type Csr } from "./csr.js";

/**
 * Each user's training items split in two: round(ratio · n) of them, drawn with the seeded
 * generator, go to `valid`; the rest stay in `train`, which always keeps at least one.
 */
export function holdOut(train: Csr, ratio: number, rng: Rng): { train: Csr; valid: Csr } {
  const keep = { u: [] as number[], i: [] as number[] }, held = { u: [] as number[], i: [] as number[] };
  for (let u = 0; u < train.rows; u++) {
    const items = Array.from(train.cols.subarray(train.rowptr[u], train.rowptr[u + 1]));
    const k = Math.min(Math.round(ratio * items.length), items.length - 1);
    rng.shuffle(items);
    items.forEach((i, j) => {
      const to = j < k ? held : keep;
      to.u.push(u);
      to.i.push(i);
    });
  }
  return { train: csrFromPairs(train.rows, keep.u, keep.i).csr, valid: csrFromPairs(train.rows, held.u, held.i).csr };
}
