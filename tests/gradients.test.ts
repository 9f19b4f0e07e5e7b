// Finite-difference checks of every backward kernel: the Wasm backward (f32) against central
// differences of the plain-TS forward evaluated in f64. Prints the max error per kernel.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as ref from "../bindings/reference/index.js";
import { expertGramWidth } from "../bindings/parallel.js";
import { Rng } from "../bindings/rng.js";
import { FLAVOURS, core, getF32, put, randn, randomCsr, scoped } from "./helpers.js";

type Vec = Float64Array;
const F = (a: Vec) => a as unknown as Float32Array; // the references take any numeric arrays
const H = 1e-4;
const TOL = 2e-3;
const report: string[] = [];

/** Max relative error between central differences of f and the analytic gradient. */
function fdError(x: Vec, f: () => number, grad: ArrayLike<number>, sample = 40, rng = Rng.seeded(5)): number {
  let worst = 0;
  const idx = x.length <= sample ? Array.from(x, (_, i) => i) : Array.from({ length: sample }, () => rng.int(x.length));
  for (const i of idx) {
    const x0 = x[i];
    x[i] = x0 + H;
    const fp = f();
    x[i] = x0 - H;
    const fm = f();
    x[i] = x0;
    const fd = (fp - fm) / (2 * H);
    worst = Math.max(worst, Math.abs(fd - grad[i]) / (1e-6 + Math.max(Math.abs(fd), Math.abs(grad[i]))));
  }
  return worst;
}

const f64 = (a: Float32Array) => Float64Array.from(a);
const dotv = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function check(name: string, err: number): void {
  report.push(`${name}: ${err.toExponential(2)}`);
  assert.ok(err < TOL, `${name}: max relative error ${err.toExponential(2)} ≥ ${TOL}`);
}

for (const flavour of FLAVOURS) {
  const t = suite(`gradients/${flavour}`);
  const tag = (s: string) => `${s} [${flavour}]`;

  t("gemm as a linear layer: dA = R·Bᵀ (NT), dB = Aᵀ·R (TN)", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(31);
    for (const [M, N, K] of [[3, 5, 7], [9, 17, 33]]) {
      await scoped(c, () => {
        const A = randn(rng, M * K), B = randn(rng, K * N), R = randn(rng, M * N);
        const [pA, pB, pR, pdA, pdB] = put(c, A, B, R, new Float32Array(M * K), new Float32Array(K * N));
        c.kernels.gemm_nt(pdA, pR, pB, M, K, N, 1, 0, c.gemmWork);
        c.kernels.gemm_tn(pdB, pA, pR, K, N, M, 1, 0, c.gemmWork);
        const a = f64(A), b = f64(B), out = new Float64Array(M * N);
        const L = () => (ref.gemm(F(out), F(a), F(b), M, N, K, 1, 0, false, false), dotv(out, R));
        check(tag(`gemm dA ${M}x${N}x${K}`), fdError(a, L, getF32(c, pdA, M * K)));
        check(tag(`gemm dB ${M}x${N}x${K}`), fdError(b, L, getF32(c, pdB, K * N)));
      });
    }
  });

  t("spmm backward, embedding scatter and column sums", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(32);
    await scoped(c, () => {
      const B = 5, n = 11, Hd = 7;
      const { rowptr, cols } = randomCsr(rng, B, n, 6);
      const W = randn(rng, n * Hd), R = randn(rng, B * Hd);
      const users = Int32Array.from([3, 0, 3, 1, 2]);
      const [pR, prp, pc, pdW, pu, pdV, pdb] = put(c, R, rowptr, cols, new Float32Array(n * Hd), users, new Float32Array(4 * Hd), new Float32Array(Hd));
      c.kernels.spmm_backward(pdW, pR, prp, pc, B, Hd, 0, n);
      c.kernels.embedding_scatter_add(pdV, pR, pu, B, Hd);
      c.kernels.column_sums(pdb, pR, B, Hd);
      const w = f64(W), out = new Float64Array(B * Hd);
      check(tag("spmm dW"), fdError(w, () => (out.fill(0), ref.spmmForward(F(out), F(w), rowptr, cols, B, Hd), dotv(out, R)), getF32(c, pdW, n * Hd)));
      const V = f64(randn(rng, 4 * Hd));
      check(tag("embedding dV"), fdError(V, () => (out.fill(0), ref.embeddingGatherAdd(F(out), F(V), users, B, Hd), dotv(out, R)), getF32(c, pdV, 4 * Hd)));
      const bias = f64(randn(rng, Hd));
      check(tag("bias dbias"), fdError(bias, () => (out.fill(0), ref.biasAdd(F(out), F(bias), B, Hd), dotv(out, R)), getF32(c, pdb, Hd)));
    });
  });

  t("sampled decoder (forward, loss, backward in one pass): dz, dW, dbias", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(33);
    for (const [B, n, Hd] of [[3, 13, 5], [4, 40, 36]]) {
      await scoped(c, () => {
        const { rowptr, cols } = randomCsr(rng, B, n, 12);
        const nnz = rowptr[B];
        const z = randn(rng, B * Hd, 0.5), W = randn(rng, n * Hd, 0.5), bias = randn(rng, n);
        const t = Float32Array.from({ length: nnz }, () => (rng.uniform() < 0.4 ? 1 : 0));
        const bounds = Int32Array.from([0, n >> 1, n]);
        const [pz, pW, pb, pt, prp, pc, pcs, pen, pd, pparts, ploss, pbounds, pdz, pdW, pdb] = put(c, z, W, bias, t, rowptr, cols, new Int32Array(n + 1), new Int32Array(2 * nnz), new Float32Array(nnz), new Float32Array(2 * B * Hd), new Float64Array(2), bounds, new Float32Array(B * Hd), new Float32Array(n * Hd), new Float32Array(n));
        c.kernels.mask_by_column(pcs, pen, prp, pc, B, n, Hd);
        c.kernels.sampled_decoder_train(pparts, ploss, pdW, pdb, pd, pz, pW, pb, pt, pcs, pen, pbounds, 0, 2, B, Hd, 0.5, 0, 0, 0);
        c.kernels.sum_parts(pdz, pparts, 2, B * Hd);
        const zz = f64(z), ww = f64(W), bb = f64(bias);
        const L = () => ref.sampledDecoderTrain(F(new Float64Array(B * Hd)), F(new Float64Array(n * Hd)), F(new Float64Array(n)), F(zz), F(ww), F(bb), t, rowptr, cols, B, Hd, 0.5);
        check(tag(`decoder dz ${B}x${n}x${Hd}`), fdError(zz, L, getF32(c, pdz, B * Hd)));
        check(tag(`decoder dW ${B}x${n}x${Hd}`), fdError(ww, L, getF32(c, pdW, n * Hd)));
        check(tag(`decoder dbias ${B}x${n}x${Hd}`), fdError(bb, L, getF32(c, pdb, n)));
      });
    }
  });

  t("sigmoid, softplus, MSE and masked MSE backward", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(34);
    await scoped(c, () => {
      const n = 37;
      const x = randn(rng, n, 2), R = randn(rng, n), tg = randn(rng, n), m = Float32Array.from({ length: n }, () => (rng.uniform() < 0.6 ? 1 : 0));
      const [px, pR, py, pdx, pt, pm] = put(c, x, R, new Float32Array(n), new Float32Array(n), tg, m);
      const k = c.kernels;
      const xx = f64(x), tmp = new Float64Array(n);
      k.sigmoid_forward(py, px, n);
      k.sigmoid_backward(pdx, pR, py, n);
      check(tag("sigmoid"), fdError(xx, () => (ref.sigmoidForward(F(tmp), F(xx), n), dotv(tmp, R)), getF32(c, pdx, n)));
      k.softplus_backward(pdx, pR, px, n);
      check(tag("softplus"), fdError(xx, () => (ref.softplusForward(F(tmp), F(xx), n), dotv(tmp, R)), getF32(c, pdx, n)));
      const scale = 1 / (3 * n);
      k.mse_backward(pdx, px, pt, n, scale);
      check(tag("mse"), fdError(xx, () => ref.mseForward(F(xx), tg, n, scale), getF32(c, pdx, n)));
      k.masked_mse_backward(pdx, px, pt, pm, n, scale);
      check(tag("masked mse"), fdError(xx, () => ref.maskedMseForward(F(xx), tg, m, n, scale), getF32(c, pdx, n)));
    });
  });

  t("gate backward through softmax, noise, thresholds and the Φ load; cv² and combine", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(35);
    for (const [B, E, k, noisy] of [[6, 3, 2, true], [5, 4, 2, true], [4, 3, 1, true], [5, 3, 2, false], [3, 3, 3, false]] as const) {
      await scoped(c, () => {
        const m = Math.min(k + 1, E), n = B * E;
        const clean = randn(rng, n), raw = randn(rng, n), eps = randn(rng, n), R1 = randn(rng, n), R2 = randn(rng, n);
        const z = () => new Float32Array(n);
        const [pg, pl, ps, pt, pp, pc, pr, pe, pR1, pR2, pdc, pdr] = put(c, z(), z(), z(), new Int32Array(B * m), z(), clean, raw, eps, R1, R2, z(), z());
        c.kernels.gate_forward(pg, pl, ps, pt, pp, pc, pr, pe, B, E, k, noisy);
        c.kernels.gate_backward(pdc, pdr, pR1, pR2, pg, pl, ps, pt, pc, pr, pe, B, E, k, noisy);
        const cc = f64(clean), rr = f64(raw);
        const g = new Float64Array(n), l = new Float64Array(n), s = new Float64Array(n), p = new Float64Array(n), top = new Int32Array(B * m);
        const L = () => (ref.gateForward(F(g), F(l), F(s), top, F(p), F(cc), F(rr), eps, B, E, k, noisy), dotv(g, R1) + (noisy && k < E ? dotv(p, R2) : 0));
        check(tag(`gate dclean B${B} E${E} k${k}${noisy ? " noisy" : ""}`), fdError(cc, L, getF32(c, pdc, n)));
        if (noisy) check(tag(`gate draw B${B} E${E} k${k}`), fdError(rr, L, getF32(c, pdr, n)));
      });
    }
    await scoped(c, () => {
      const E = 4, v = Float32Array.from(randn(rng, E), (x) => 1 + Math.abs(x));
      const [pv, pd] = put(c, v, new Float32Array(E));
      c.kernels.cv_squared_backward(pd, pv, E, 1);
      const vv = f64(v);
      check(tag("cv²"), fdError(vv, () => ref.cvSquared(F(vv), E), getF32(c, pd, E)));
      // the gate loss from Gram statistics, against the loss of the mixed outputs
      const B = 3, I = 9, S = expertGramWidth(E), scale = 1 / (B * I);
      const X = Float32Array.from(randn(rng, E * B * I), (v) => 1 / (1 + Math.exp(-v)));
      const { rowptr, cols } = randomCsr(rng, B, I, 5);
      const users = Int32Array.from([2, 0, 1]);
      const [pS, pX, prp, pcols, pg, pu, pdg] = put(c, new Float64Array(B * S), X, rowptr, cols, randn(rng, B * E), users, new Float32Array(B * E));
      c.kernels.expert_gram(pS, pX, prp, pcols, B, E, I, B * I);
      c.kernels.gate_mse_backward(pdg, pS, pg, pu, B, E, scale);
      const gg = f64(getF32(c, pg, B * E));
      const mixedLoss = () => {
        let s = 0;
        for (let b = 0; b < B; b++) {
          const u = users[b];
          for (let i = 0; i < I; i++) {
            let y = 0;
            for (let e = 0; e < E; e++) y += gg[b * E + e] * X[e * B * I + u * I + i];
            let x = 0;
            for (let j = rowptr[u]; j < rowptr[u + 1]; j++) if (cols[j] === i) x = 1;
            s += (y - x) ** 2;
          }
        }
        return scale * s;
      };
      check(tag("gate loss dgates"), fdError(gg, mixedLoss, getF32(c, pdg, B * E)));
    });
  });

  t.after(() => console.log(`  max relative errors (${flavour}): ${report.filter((r) => r.includes(flavour)).map((r) => r.replace(` [${flavour}]`, "")).join("; ")}`));
  t.run();
}
