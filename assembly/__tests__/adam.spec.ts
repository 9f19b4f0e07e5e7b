import { adam_step } from "../adam";
import { f32s, at } from "./arrays";

describe("adam", () => {
  it("first step moves each parameter by about lr against its gradient sign, and zeroes g", () => {
    const n = 6;
    const p = new StaticArray<f32>(n), g = f32s([1, -2, 0.5, -0.25, 3, -1]), m = new StaticArray<f32>(n), v = new StaticArray<f32>(n);
    // t = 1: stepSize = lr/(1−β1), invBc2Sqrt = 1/√(1−β2)
    adam_step(at(p), at(g), at(m), at(v), n, <f32>(0.001 / 0.1), 0.9, 0.999, <f32>(1 / Math.sqrt(0.001)), 1e-8);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(Math.abs(<f64>p[i]) - 0.001)).toBeLessThan(1e-8);
      expect(g[i]).toBe(0);
    }
    expect(p[0]).toBeLessThan(0);
    expect(p[1]).toBeGreaterThan(0);
  });
  it("with gradients far below ε it moves by lr·m̂/ε (the stage-0 regime)", () => {
    const p = new StaticArray<f32>(1), g = f32s([1e-12]), m = new StaticArray<f32>(1), v = new StaticArray<f32>(1);
    adam_step(at(p), at(g), at(m), at(v), 1, <f32>(5e-4 / 0.1), 0.9, 0.999, <f32>(1 / Math.sqrt(0.001)), 1e-8);
    expect(Math.abs(<f64>p[0] + 5e-4 * 1e-12 / (1e-12 + 1e-8))).toBeLessThan(1e-10);
  });
});
