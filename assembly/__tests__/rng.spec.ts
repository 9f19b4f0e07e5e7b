import { nextU32, ln, rng_uniform, rng_normal, rng_int } from "../rng";
import { i32s, at } from "./arrays";

describe("rng", () => {
  it("xoshiro128** produces its reference first outputs for state (1, 2, 3, 4)", () => {
    const s = i32s([1, 2, 3, 4]);
    // reference values of xoshiro128** from the authors' C code
    expect(nextU32(at(s))).toBe(11520);
    expect(nextU32(at(s))).toBe(0);
    expect(nextU32(at(s))).toBe(5927040);
  });
  it("ln agrees with Math.log to 1e-15", () => {
    const xs: f64[] = [1, 2, 0.5, 1e-10, 0.7071, 1.9999, 123.456];
    for (let i = 0; i < xs.length; i++) expect(Math.abs(ln(xs[i]) - Math.log(xs[i]))).toBeLessThan(1e-15 * Math.max(1, Math.abs(Math.log(xs[i]))));
  });
  it("uniform, int and normal draws have the right ranges and moments", () => {
    const s = i32s([7, 8, 9, 10]);
    const n = 5000;
    const u = new StaticArray<f32>(n), z = new StaticArray<f32>(n), k = new StaticArray<i32>(n);
    rng_uniform(at(u), n, 2, 3, at(s));
    rng_normal(at(z), n, 0, 1, at(s));
    rng_int(at(k), n, 10, at(s));
    let mu: f64 = 0, m2: f64 = 0, outside = 0;
    for (let i = 0; i < n; i++) {
      if (!(u[i] >= 2 && u[i] < 3) || !(k[i] >= 0 && k[i] < 10)) outside++;
      mu += z[i];
      m2 += <f64>z[i] * z[i];
    }
    expect(outside).toBe(0);
    expect(Math.abs(mu / n)).toBeLessThan(0.05);
    expect(Math.abs(m2 / n - 1)).toBeLessThan(0.08);
  });
});
