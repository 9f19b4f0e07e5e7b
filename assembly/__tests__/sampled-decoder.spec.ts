import { mask_by_column, sampled_decoder_train, sum_parts } from "../sampled-decoder";
import { f32s, i32s, at } from "./arrays";

// decoder: z is 2 rows × 3, Wd 4 columns × 3; row 0 asks columns {3, 0}, row 1 asks {0};
// the biases make every asked logit 0, so y = σ(0) = 1/2 exactly
const z = f32s([1, 2, 3, 1, 0, 0]);
const Wd = f32s([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]);
const bias = f32s([-1, 20, 30, -6]);
const targets = f32s([1, 0, 1]);
const colptr = i32s([0, 2, 3]);
const mcols = i32s([3, 0, 0]);
const colstart = new StaticArray<i32>(5);
const entries = new StaticArray<i32>(6);
mask_by_column(at(colstart), at(entries), at(colptr), at(mcols), 2, 4, 3);

describe("sampled decoder", () => {
  it("indexes the mask by column, rows ascending, each row as its byte offset", () => {
    expect(colstart[0]).toBe(0);
    expect(colstart[1]).toBe(2);
    expect(colstart[4]).toBe(3);
    expect(entries[0]).toBe(1); // j = 1 (row 0 asked column 0 second)
    expect(entries[1]).toBe(0); // row 0: byte offset 0
    expect(entries[2]).toBe(2); // then j = 2 from row 1
    expect(entries[3]).toBe(12); // row 1 of a 2 × 3 slab: byte offset 4·3·1
  });
  it("runs the forward, the loss and the backward at the asked columns only", () => {
    // ε = y − t = (−½, ½, −½) by j; d = 2·ε·(1 − y)·y = ε/2
    const parts = new StaticArray<f32>(12), loss = new StaticArray<f64>(2), d = new StaticArray<f32>(3);
    const dz = new StaticArray<f32>(6), dW = new StaticArray<f32>(12), db = new StaticArray<f32>(4);
    sampled_decoder_train(at(parts), at(loss), at(dW), at(db), at(d), at(z), at(Wd), at(bias), at(targets), at(colstart), at(entries), at(i32s([0, 2, 4])), 0, 2, 2, 3, 1, 0, 0, 0);
    sum_parts(at(dz), at(parts), 2, 6);
    expect(loss[0]).toBe(0.5); // column 0: j = 1, 2
    expect(loss[1]).toBe(0.25); // column 3: j = 0
    expect(dz[0]).toBe(0); // −¼·W[3,0] + ¼·W[0,0]
    expect(dz[1]).toBe(-0.25);
    expect(dz[3]).toBe(-0.25); // −¼·W[0,0]
    expect(dW[1]).toBe(0.5); // ¼·z[0,1] − ¼·z[1,1]
    expect(dW[2]).toBe(0.75);
    expect(dW[9]).toBe(-0.25); // −¼·z[0,0]
    expect(dW[11]).toBe(-0.75);
    expect(db[0]).toBe(0);
    expect(db[3]).toBe(-0.25);
    expect(db[1]).toBe(0);
  });
});
