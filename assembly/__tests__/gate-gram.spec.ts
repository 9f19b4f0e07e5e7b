import { expert_gram, gate_mse_forward, gate_mse_backward } from "../gate-gram";
import { f32s, i32s, at } from "./arrays";

// experts' outputs for one user over 3 items: (1, 0, ½) and (0, 1, ½); the user's row is {0}
const X = f32s([1, 0, 0.5, 0, 1, 0.5]);

describe("gate loss from expert Gram statistics", () => {
  it("holds G, the outputs at the row's items and the row's length", () => {
    const stats = new StaticArray<f64>(7);
    expert_gram(at(stats), at(X), at(i32s([0, 1])), at(i32s([0])), 1, 2, 3, 3);
    expect(stats[0]).toBe(1.25);
    expect(stats[1]).toBe(0.25);
    expect(stats[2]).toBe(0.25);
    expect(stats[3]).toBe(1.25);
    expect(stats[4]).toBe(1);
    expect(stats[5]).toBe(0);
    expect(stats[6]).toBe(1);
  });
  it("gives the squared error of the mixed outputs and its gradient at the gates", () => {
    const stats = new StaticArray<f64>(7);
    expert_gram(at(stats), at(X), at(i32s([0, 1])), at(i32s([0])), 1, 2, 3, 3);
    const gates = f32s([0.5, 0.5]);
    // y = (½, ½, ½): (½ − 1)² + ¼ + ¼
    expect(gate_mse_forward(at(stats), at(gates), at(i32s([0])), 1, 2, 1)).toBe(0.75);
    const dg = new StaticArray<f32>(2);
    gate_mse_backward(at(dg), at(stats), at(gates), at(i32s([0])), 1, 2, 1);
    expect(dg[0]).toBe(-0.5);
    expect(dg[1]).toBe(1.5);
  });
});
