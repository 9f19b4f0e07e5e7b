import { mse_forward, mse_backward, masked_mse_forward, masked_mse_backward } from "../loss";
import { f32s, at } from "./arrays";

const y = f32s([1, 2, 3, 4, 5]);
const t = f32s([1, 0, 3, 0, 0]);

describe("losses", () => {
  it("scaled sum of squares and its gradient", () => {
    expect(mse_forward(at(y), at(t), 5, 0.5)).toBe(0.5 * (4 + 16 + 25));
    const dy = new StaticArray<f32>(5);
    mse_backward(at(dy), at(y), at(t), 5, 0.5);
    expect(dy[1]).toBe(2);
    expect(dy[4]).toBe(5);
  });
  it("masked: outside the mask only the target counts, and no gradient flows", () => {
    const m = f32s([1, 1, 0, 0, 1]);
    expect(masked_mse_forward(at(y), at(t), at(m), 5, 1)).toBe(4 + 9 + 25);
    const dy = new StaticArray<f32>(5);
    masked_mse_backward(at(dy), at(y), at(t), at(m), 5, 1);
    expect(dy[1]).toBe(4);
    expect(dy[2]).toBe(0);
    expect(dy[3]).toBe(0);
  });
});
