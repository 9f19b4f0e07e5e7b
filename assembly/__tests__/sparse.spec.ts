import { spmm_forward, spmm_backward } from "../sparse";
import { f32s, i32s, at } from "./arrays";

// spmm: W is 3 items × 2; rows {0, 2}, {}, {1}
const W = f32s([1, 2, 3, 4, 5, 6]);
const rowptr = i32s([0, 2, 2, 3]);
const cols = i32s([0, 2, 1]);

describe("sparse-input matmul", () => {
  it("sums the W rows of each row's items", () => {
    const out = new StaticArray<f32>(6);
    spmm_forward(at(out), at(W), at(rowptr), at(cols), 3, 2);
    expect(out[0]).toBe(6);
    expect(out[1]).toBe(8);
    expect(out[2]).toBe(0);
    expect(out[4]).toBe(3);
  });
  it("scatters each row's gradient to its items", () => {
    const dW = new StaticArray<f32>(6);
    spmm_backward(at(dW), at(f32s([1, 1, 9, 9, 2, 3])), at(rowptr), at(cols), 3, 2, 0, 3);
    expect(dW[0]).toBe(1);
    expect(dW[2]).toBe(2);
    expect(dW[3]).toBe(3);
    expect(dW[4]).toBe(1);
  });
  it("scatters only to the items of the range it is given", () => {
    const dW = new StaticArray<f32>(6);
    spmm_backward(at(dW), at(f32s([1, 1, 9, 9, 2, 3])), at(rowptr), at(cols), 3, 2, 1, 3);
    expect(dW[0]).toBe(0);
    expect(dW[2]).toBe(2);
    expect(dW[3]).toBe(3);
    expect(dW[4]).toBe(1);
  });
});
