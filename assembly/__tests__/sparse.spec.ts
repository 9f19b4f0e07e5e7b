import { spmm_forward, spmm_backward, mask_by_column, sampled_decoder_forward, sampled_decoder_backward_weights, sampled_decoder_backward_input } from "../sparse";
import { f32s, i32s, at } from "./arrays";

// spmm: W is 3 items × 2; rows {0, 2}, {}, {1}
const W = f32s([1, 2, 3, 4, 5, 6]);
const rowptr = i32s([0, 2, 2, 3]);
const cols = i32s([0, 2, 1]);
// decoder: z is 2 rows × 3, Wd 4 columns × 3; row 0 asks columns {3, 0}, row 1 asks {0}
const z = f32s([1, 2, 3, 0, 1, 0]);
const Wd = f32s([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]);
const bias = f32s([10, 20, 30, 40]);
const colptr = i32s([0, 2, 3]);
const mcols = i32s([3, 0, 0]);
const colstart = new StaticArray<i32>(5);
const entries = new StaticArray<i32>(6);
mask_by_column(at(colstart), at(entries), at(colptr), at(mcols), 2, 4);

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
    spmm_backward(at(dW), at(f32s([1, 1, 9, 9, 2, 3])), at(rowptr), at(cols), 3, 2);
    expect(dW[0]).toBe(1);
    expect(dW[2]).toBe(2);
    expect(dW[3]).toBe(3);
    expect(dW[4]).toBe(1);
  });
});

describe("sampled decoder", () => {
  it("indexes the mask by column, rows ascending", () => {
    expect(colstart[0]).toBe(0);
    expect(colstart[1]).toBe(2);
    expect(colstart[4]).toBe(3);
    expect(entries[0]).toBe(1); // j = 1 (row 0 asked column 0 second)
    expect(entries[2]).toBe(2); // then j = 2 from row 1
    expect(entries[3]).toBe(1);
  });
  it("computes outputs only at the asked columns", () => {
    const out = new StaticArray<f32>(3);
    sampled_decoder_forward(at(out), at(z), at(Wd), at(bias), at(colstart), at(entries), 2, 4, 3);
    expect(out[0]).toBe(46);
    expect(out[1]).toBe(11);
    expect(out[2]).toBe(10);
  });
  it("backpropagates to z, the asked W rows and biases", () => {
    const dz = new StaticArray<f32>(6), dW = new StaticArray<f32>(12), db = new StaticArray<f32>(4);
    sampled_decoder_backward_weights(at(dW), at(db), at(f32s([1, 2, 3])), at(z), at(colstart), at(entries), 4, 3);
    sampled_decoder_backward_input(at(dz), at(f32s([1, 2, 3])), at(Wd), at(colptr), at(mcols), 2, 3);
    expect(dz[0]).toBe(3); // 1·W[3,0] + 2·W[0,0]
    expect(dz[3]).toBe(3); // 3·W[0,0]
    expect(dW[0]).toBe(2); // 2·z[0,0] + 3·z[1,0]
    expect(dW[1]).toBe(7); // 2·2 + 3·1
    expect(db[0]).toBe(5);
    expect(db[3]).toBe(1);
    expect(db[1]).toBe(0);
  });
});
