import { sigmoid_forward, sigmoid_backward, softplus_forward, softplus_backward, normal_cdf } from "../activations";
import { f32s, at } from "./arrays";

describe("activations", () => {
  it("sigmoid is ½ at 0, saturates, and matches 1/(1+e^-x) to 2 ulp", () => {
    const x = f32s([0, 1, -1, 50, -50, 3.5, -7]);
    const y = new StaticArray<f32>(7);
    sigmoid_forward(at(y), at(x), 7);
    expect(y[0]).toBe(0.5);
    expect(y[3]).toBe(1);
    expect(y[4]).toBeLessThan(1e-20);
    for (let i = 0; i < 7; i++) expect(Math.abs(<f64>y[i] - 1 / (1 + Math.exp(-<f64>x[i])))).toBeLessThanOrEqual(2.5e-7);
  });
  it("sigmoid backward is dy·y·(1−y)", () => {
    const dx = new StaticArray<f32>(2);
    sigmoid_backward(at(dx), at(f32s([2, 4])), at(f32s([0.5, 0.25])), 2);
    expect(dx[0]).toBe(0.5);
    expect(dx[1]).toBe(0.75);
  });
  it("softplus follows PyTorch's threshold and its derivative is σ", () => {
    const y = new StaticArray<f32>(3);
    softplus_forward(at(y), at(f32s([0, 25, -30])), 3);
    expect(Math.abs(<f64>y[0] - Math.log(2))).toBeLessThan(1e-7);
    expect(y[1]).toBe(25);
    const dx = new StaticArray<f32>(2);
    softplus_backward(at(dx), at(f32s([1, 1])), at(f32s([0, 30])), 2);
    expect(dx[0]).toBe(0.5);
    expect(dx[1]).toBe(1);
  });
  it("Φ(0) = ½, Φ(1.96) ≈ 0.975, Φ(−x) = 1 − Φ(x)", () => {
    const y = new StaticArray<f32>(3);
    normal_cdf(at(y), at(f32s([0, 1.959964, -1.959964])), 3);
    expect(Math.abs(<f64>y[0] - 0.5)).toBeLessThan(1e-7);
    expect(Math.abs(<f64>y[1] - 0.975)).toBeLessThan(1e-6);
    expect(Math.abs(<f64>y[1] + <f64>y[2] - 1)).toBeLessThan(1e-6);
  });
});
