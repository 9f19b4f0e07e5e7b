import { gate_forward, gate_backward, cv_squared, cv_squared_backward, gate_combine_forward } from "../gate";
import { f32s, i32s, at } from "./arrays";

describe("noisy top-k gate", () => {
  it("without noise: softmax over the top k, zeros elsewhere, ties to the lower index", () => {
    const gates = new StaticArray<f32>(3), logits = new StaticArray<f32>(3), sd = new StaticArray<f32>(3), prob = new StaticArray<f32>(3);
    const top = new StaticArray<i32>(3);
    gate_forward(at(gates), at(logits), at(sd), at(top), at(prob), at(f32s([1, 1, 0])), at(f32s([0, 0, 0])), at(f32s([0, 0, 0])), 1, 3, 2, false);
    expect(top[0]).toBe(0);
    expect(top[1]).toBe(1);
    expect(gates[0]).toBe(0.5);
    expect(gates[1]).toBe(0.5);
    expect(gates[2]).toBe(0);
    expect(prob[2]).toBe(0);
  });
  it("with noise: stddev = softplus(raw) + 0.01 and the load probabilities lie in (0, 1)", () => {
    const gates = new StaticArray<f32>(3), logits = new StaticArray<f32>(3), sd = new StaticArray<f32>(3), prob = new StaticArray<f32>(3);
    const top = new StaticArray<i32>(3);
    gate_forward(at(gates), at(logits), at(sd), at(top), at(prob), at(f32s([0, 0, 0])), at(f32s([0, 0, 0])), at(f32s([1, -1, 0.5])), 1, 3, 2, true);
    expect(Math.abs(<f64>sd[0] - (Math.log(2) + 0.01))).toBeLessThan(1e-6);
    expect(top[0]).toBe(0);
    expect(top[1]).toBe(2);
    for (let e = 0; e < 3; e++) expect(prob[e] > 0 && prob[e] < 1).toBe(true);
    const dc = new StaticArray<f32>(3), dr = new StaticArray<f32>(3);
    gate_backward(at(dc), at(dr), at(f32s([1, 0, 0])), at(f32s([0, 0, 0])), at(gates), at(logits), at(sd), at(top), at(f32s([0, 0, 0])), at(f32s([0, 0, 0])), at(f32s([1, -1, 0.5])), 1, 3, 2, true);
    expect(dc[1]).toBe(0); // not selected, no load gradient asked
    expect(dc[0]).toBeGreaterThan(0);
    expect(dc[2]).toBeLessThan(0);
  });
  it("cv² is 0 for equal loads and var/mean² otherwise; its gradient sums to 0 at equal loads", () => {
    expect(cv_squared(at(f32s([2, 2, 2])), 3)).toBe(0);
    expect(Math.abs(cv_squared(at(f32s([1, 2, 3])), 3) - 0.25)).toBeLessThan(1e-9);
    const d = new StaticArray<f32>(3);
    cv_squared_backward(at(d), at(f32s([1, 2, 3])), 3, 1);
    expect(d[0]).toBeLessThan(0);
    expect(d[2]).toBeGreaterThan(0);
  });
  it("mixes experts with the gates", () => {
    // X: 2 experts × 1 row × 3 items
    const X = f32s([1, 2, 3, 10, 20, 30]);
    const y = new StaticArray<f32>(3);
    gate_combine_forward(at(y), at(f32s([0.5, 0.25])), at(X), 1, 2, 3, 3);
    expect(y[0]).toBe(3);
    expect(y[2]).toBe(9);
  });
});
