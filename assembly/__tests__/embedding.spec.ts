import { embedding_gather_add, embedding_scatter_add, bias_add, column_sums } from "../embedding";
import { f32s, i32s, at } from "./arrays";

const V = f32s([1, 2, 3, 4, 5, 6]); // 3 users × 2
const users = i32s([2, 0, 2]);

describe("embedding and bias", () => {
  it("gathers and scatters user rows (repeats accumulate)", () => {
    const out = new StaticArray<f32>(6);
    embedding_gather_add(at(out), at(V), at(users), 3, 2);
    expect(out[0]).toBe(5);
    expect(out[3]).toBe(2);
    const dV = new StaticArray<f32>(6);
    embedding_scatter_add(at(dV), at(f32s([1, 1, 2, 2, 3, 3])), at(users), 3, 2);
    expect(dV[4]).toBe(4);
    expect(dV[0]).toBe(2);
    expect(dV[2]).toBe(0);
  });
  it("adds a bias to every row and sums columns", () => {
    const out = f32s([0, 0, 1, 1, 2, 2, 3, 3, 4]);
    bias_add(at(out), at(f32s([1, 2, 3])), 3, 3);
    expect(out[2]).toBe(4);
    expect(out[8]).toBe(7);
    const sums = new StaticArray<f32>(3);
    column_sums(at(sums), at(out), 3, 3);
    expect(sums[0]).toBe(1 + 2 + 4);
  });
});
