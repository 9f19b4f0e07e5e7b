import { corrupt_mask_out, negative_sample } from "../sampling";
import { i32s, at } from "./arrays";

const rowptr = i32s([0, 2, 6]);
const items = i32s([1, 4, 0, 2, 3, 5]);
const users = i32s([1, 0]);
const state = i32s([1, 2, 3, 4]);

describe("corruption and negative sampling", () => {
  // 2 users over 6 items: user 0 = {1, 4}, user 1 = {0, 2, 3, 5}
  it("q = 0 copies the rows without drawing", () => {
    const ptr = new StaticArray<i32>(3), cols = new StaticArray<i32>(6);
    expect(corrupt_mask_out(at(ptr), at(cols), at(rowptr), at(items), at(users), 2, 0, at(state))).toBe(6);
    expect(cols[0]).toBe(0);
    expect(cols[4]).toBe(1);
    expect(state[0]).toBe(1);
  });
  it("q = 1 drops everything", () => {
    const ptr = new StaticArray<i32>(3), cols = new StaticArray<i32>(6);
    expect(corrupt_mask_out(at(ptr), at(cols), at(rowptr), at(items), at(users), 2, 1, at(state))).toBe(0);
  });
  it("positives first, then distinct unobserved negatives; all of them when too few", () => {
    const colptr = new StaticArray<i32>(3), cols = new StaticArray<i32>(16), targets = new StaticArray<f32>(16);
    const seen = new StaticArray<u8>(6);
    const total = negative_sample(at(colptr), at(cols), at(targets), at(rowptr), at(items), at(users), 2, 6, 2, at(state), at(seen));
    // user 1 has 2 unobserved items (both taken), user 0 gets 2 of its 4
    expect(total).toBe(4 + 2 + 2 + 2);
    expect(colptr[1]).toBe(6);
    expect(cols[4]).toBe(1);
    expect(cols[5]).toBe(4);
    expect(targets[3]).toBe(1);
    expect(targets[4]).toBe(0);
    for (let j = 8; j < 10; j++) {
      expect(cols[j]).not.toBe(1);
      expect(cols[j]).not.toBe(4);
    }
    expect(cols[8]).not.toBe(cols[9]);
    for (let i = 0; i < 6; i++) expect(seen[i]).toBe(0);
  });
});
