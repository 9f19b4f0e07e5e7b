import { topk_rows } from "../topk";
import { f32s, i32s, at } from "./arrays";

describe("top-k", () => {
  it("ranks descending, ties to the lower index, skipping excluded items", () => {
    const scores = f32s([0.5, 0.9, 0.5, 0.9, 0.1, 0.7]);
    const idx = new StaticArray<i32>(4), val = new StaticArray<f32>(4);
    topk_rows(at(idx), at(val), at(scores), at(i32s([0, 1])), at(i32s([3])), 1, 6, 4);
    expect(idx[0]).toBe(1);
    expect(idx[1]).toBe(5);
    expect(idx[2]).toBe(0);
    expect(idx[3]).toBe(2);
  });
  it("pads with −1 when fewer candidates than K remain", () => {
    const idx = new StaticArray<i32>(3), val = new StaticArray<f32>(3);
    topk_rows(at(idx), at(val), at(f32s([1, 2])), at(i32s([0, 1])), at(i32s([0])), 1, 2, 3);
    expect(idx[0]).toBe(1);
    expect(idx[1]).toBe(-1);
    expect(val[2]).toBe(-Infinity);
  });
});
