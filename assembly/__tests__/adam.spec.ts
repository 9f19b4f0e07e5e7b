import { adam_step, adam_spmm_rows, adam_embedding_rows } from "../adam";
import { f32s, i32s, at } from "./arrays";

describe("adam", () => {
  it("first step moves each parameter by about lr against its gradient sign, and zeroes g", () => {
    const n = 6;
    const p = new StaticArray<f32>(n), g = f32s([1, -2, 0.5, -0.25, 3, -1]), m = new StaticArray<f32>(n), v = new StaticArray<f32>(n);
    // t = 1: stepSize = lr/(1−β1), invBc2Sqrt = 1/√(1−β2)
    adam_step(at(p), at(g), at(m), at(v), n, <f32>(0.001 / 0.1), 0.9, 0.999, <f32>(1 / Math.sqrt(0.001)), 1e-8);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(Math.abs(<f64>p[i]) - 0.001)).toBeLessThan(1e-8);
      expect(g[i]).toBe(0);
    }
    expect(p[0]).toBeLessThan(0);
    expect(p[1]).toBeGreaterThan(0);
  });
  it("with gradients far below ε it moves by lr·m̂/ε (the stage-0 regime)", () => {
    const p = new StaticArray<f32>(1), g = f32s([1e-12]), m = new StaticArray<f32>(1), v = new StaticArray<f32>(1);
    adam_step(at(p), at(g), at(m), at(v), 1, <f32>(5e-4 / 0.1), 0.9, 0.999, <f32>(1 / Math.sqrt(0.001)), 1e-8);
    expect(Math.abs(<f64>p[0] + 5e-4 * 1e-12 / (1e-12 + 1e-8))).toBeLessThan(1e-10);
  });
});

// A step record (AdamStepRecord) for step 1 with zero moments m, v; last: row steps (0: dense Adam).
function record(m: StaticArray<f32>, v: StaticArray<f32>, last: usize): StaticArray<u32> {
  const r = new StaticArray<u32>(11);
  store<f32>(at(r), <f32>(0.001 / 0.1));
  store<f32>(at(r), 0.9, 4);
  store<f32>(at(r), 0.999, 8);
  store<f32>(at(r), <f32>(1 / Math.sqrt(0.001)), 12);
  store<f32>(at(r), 1e-8, 16);
  r[5] = 1;
  r[6] = <u32>at(m);
  r[7] = <u32>at(v);
  r[10] = <u32>last;
  return r;
}

// d: two batch rows of 2; W: 3 rows of 2, row 0 summed from batch rows 0 and 1, row 1 from none,
// row 2 from row 1 (entries as (j, 4·H·b) pairs, as mask_by_column gives them; H = 2)
const d = f32s([1, -4, 2, 3]);
const rowstart = i32s([0, 2, 2, 3]);
const entries = i32s([0, 0, 1, 8, 2, 8]);

describe("adam on rows whose gradient is summed from the batch", () => {
  it("moves each row by about lr against the sign of its summed gradient; a row without one stays at step 1", () => {
    const W = new StaticArray<f32>(6), m = new StaticArray<f32>(6), v = new StaticArray<f32>(6);
    adam_spmm_rows(at(record(m, v, 0)), at(W), at(d), at(rowstart), at(entries), 0, 3, 2);
    // row 0: g = (1 + 2, −4 + 3) = (3, −1); row 2: g = (2, 3)
    expect(Math.abs(<f64>W[0] + 0.001)).toBeLessThan(1e-8);
    expect(Math.abs(<f64>W[1] - 0.001)).toBeLessThan(1e-8);
    expect(W[2]).toBe(0);
    expect(W[3]).toBe(0);
    expect(Math.abs(<f64>W[4] + 0.001)).toBeLessThan(1e-8);
    expect(Math.abs(<f64>W[5] + 0.001)).toBeLessThan(1e-8);
    expect(Math.abs(<f64>m[0] - 0.1 * 3)).toBeLessThan(1e-6);
  });
  it("in lazy mode takes only rows with a gradient, and marks their step", () => {
    const W = new StaticArray<f32>(6), m = f32s([0, 0, 1, 1, 0, 0]), v = new StaticArray<f32>(6);
    const last = new StaticArray<i32>(3);
    adam_spmm_rows(at(record(m, v, at(last))), at(W), at(d), at(rowstart), at(entries), 1, 3, 2);
    expect(W[0]).toBe(0); // outside the range
    expect(W[2]).toBe(0); // no gradient: its moment stays, unused
    expect(m[2]).toBe(1);
    expect(last[1]).toBe(0);
    expect(last[2]).toBe(1);
    expect(W[4]).toBeLessThan(0);
  });
  it("takes an embedding row's gradient from its batch row, zero elsewhere", () => {
    // users 2 and 0 in batch rows 0 and 1, as (user, 4·H·row) pairs sorted by user; m = (1 − β1)·g
    const byUser = i32s([0, 8, 2, 0]);
    const V = new StaticArray<f32>(8), m = new StaticArray<f32>(8), v = new StaticArray<f32>(8);
    adam_embedding_rows(at(record(m, v, 0)), at(V), at(d), at(byUser), 2, 0, 4, 2);
    expect(Math.abs(<f64>m[0] - 0.1 * 2)).toBeLessThan(1e-6); // user 0 ← row 1 = (2, 3)
    expect(Math.abs(<f64>m[1] - 0.1 * 3)).toBeLessThan(1e-6);
    expect(m[2]).toBe(0); // user 1: no row
    expect(V[2]).toBe(0);
    expect(Math.abs(<f64>m[4] - 0.1 * 1)).toBeLessThan(1e-6); // user 2 ← row 0 = (1, −4)
    expect(Math.abs(<f64>m[5] - 0.1 * -4)).toBeLessThan(1e-6);
    expect(m[6]).toBe(0);
  });
});
