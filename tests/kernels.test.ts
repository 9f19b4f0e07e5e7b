// Conformance of every kernel, in both builds, against the plain-TS reference on random shapes,
// including 1, odd sizes and sizes that are not multiples of the SIMD width or the GEMM tile.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as ref from "../bindings/reference/index.js";
import type { Core } from "../bindings/index.js";
import { expertGramWidth } from "../bindings/parallel.js";
import { Rng } from "../bindings/rng.js";
import { FLAVOURS, assertClose, core, getF32, getI32, put, randn, randomCsr, scoped } from "./helpers.js";

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 3], [3, 1, 5], [4, 8, 1], [5, 9, 13], [17, 33, 7], [64, 64, 64], [65, 513, 257], [33, 1682 % 97, 300],
];

/**
 * adam_catch_up of the rows of p, m, v (each H wide, row r last updated at step last[r]) over
 * steps 1…K against adam_step taking each of those steps with a zero gradient: p, m and v bit
 * for bit. constants(s): step s's stepSize and 1/√(1−β2^s).
 */
function assertCatchUpIsSteps(c: Core, a: { p: Float32Array; m: Float32Array; v: Float32Array; last: Int32Array; H: number; K: number; b1: number; b2: number; eps: number; constants: (s: number) => number[] }, label: string): void {
  const { p, m, v, last, H, K, b1, b2, eps, constants } = a;
  const n = p.length, R = n / H;
  const steps = Float32Array.from({ length: 2 * K }, (_, i) => constants(1 + (i >> 1))[i & 1]);
  const [pp, pm, pv, pl, ps, pz] = put(c, p, m, v, last, steps, new Float32Array(n));
  c.kernels.adam_catch_up(pp, pm, pv, pl, 0, 0, R, H, K, ps, 0, b1, b2, eps);
  const [qp, qm, qv] = put(c, p, m, v);
  for (let step = 1; step <= K; step++) {
    const [stepSize, inv] = constants(step);
    for (let r = 0; r < R; r++) if (step > last[r]) c.kernels.adam_step(qp + 4 * r * H, pz, qm + 4 * r * H, qv + 4 * r * H, H, stepSize, b1, b2, inv, eps);
  }
  const bits = (ptr: number) => Array.from(new Uint32Array(getF32(c, ptr, n).slice().buffer));
  assert.equal(bits(pm), bits(qm), `m bits, ${label}`);
  assert.equal(bits(pp), bits(qp), `p bits, ${label}`);
  assert.equal(bits(pv), bits(qv), `v bits, ${label}`);
}

for (const flavour of FLAVOURS) {
  const t = suite(`kernels/${flavour}`);

  for (const orient of ["nn", "nt", "tn"] as const) {
    t(`gemm_${orient} matches the f64 reference (α, β, edge tiles, K blocks)`, async () => {
      const c = await core(flavour);
      const rng = Rng.seeded(11);
      for (const [M, N, K] of SHAPES) {
        for (const [alpha, beta] of [[1, 0], [0.5, 1.5], [-2, 1]]) {
          await scoped(c, () => {
            const A = randn(rng, M * K), B = randn(rng, K * N), C0 = randn(rng, M * N);
            const [pC, pA, pB] = put(c, C0, A, B);
            const f = orient === "nn" ? c.kernels.gemm_nn : orient === "nt" ? c.kernels.gemm_nt : c.kernels.gemm_tn;
            f(pC, pA, pB, M, N, K, alpha, beta, c.gemmWork);
            const want = Float32Array.from(C0);
            ref.gemm(want, A, B, M, N, K, alpha, beta, orient === "tn", orient === "nt");
            assertClose(getF32(c, pC, M * N), want, 2e-5 * Math.sqrt(K), `gemm_${orient} ${M}x${N}x${K} α=${alpha} β=${beta}`);
          });
        }
      }
    });
  }

  t("gemm with leading dimensions: blocks of rows equal the whole product bit for bit", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(29);
    for (const orient of ["nn", "nt", "tn"] as const) {
      for (const [M, N, K] of [[13, 9, 7], [61, 33, 300], [40, 130, 20]]) {
        await scoped(c, () => {
          const tA = orient === "tn", tB = orient === "nt";
          const A = randn(rng, M * K), B = randn(rng, K * N), C0 = randn(rng, M * N);
          const [pA, pB, pWhole, pParts] = put(c, A, B, C0, C0);
          c.kernels[`gemm_${orient}`](pWhole, pA, pB, M, N, K, 0.5, 2, c.gemmWork);
          for (const [m0, m1] of [[0, 5], [5, 6], [6, M]]) {
            c.kernels.gemm(pParts + m0 * N * 4, N, pA + (tA ? m0 : m0 * K) * 4, tA ? M : K, pB, tB ? K : N, m1 - m0, N, K, 0.5, 2, tA, tB, c.gemmWork);
          }
          assert.equal(Array.from(getF32(c, pParts, M * N)), Array.from(getF32(c, pWhole, M * N)), `gemm_${orient} ${M}x${N}x${K} in row blocks`);
        });
      }
    }
  });

  t("gemm with β = 0 ignores NaN in C", async () => {
    const c = await core(flavour);
    await scoped(c, () => {
      const rng = Rng.seeded(3);
      const A = randn(rng, 5 * 3), B = randn(rng, 3 * 6);
      const [pC, pA, pB] = put(c, new Float32Array(30).fill(NaN), A, B);
      c.kernels.gemm_nn(pC, pA, pB, 5, 6, 3, 1, 0, c.gemmWork);
      const want = new Float32Array(30);
      ref.gemm(want, A, B, 5, 6, 3, 1, 0, false, false);
      assertClose(getF32(c, pC, 30), want, 1e-5, "gemm β=0");
    });
  });

  t("gemm_tile: the 5×8 register tile over packed panels matches the reference", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(4);
    for (const kc of [1, 3, 256]) {
      await scoped(c, () => {
        const A = randn(rng, 5 * kc), B = randn(rng, kc * 8), ldc = 11;
        // the A panel holds each value of A's column p in four lanes; the B panel is B's rows
        const ap = new Float32Array(kc * 20);
        for (let p = 0; p < kc; p++) for (let r = 0; r < 5; r++) ap.fill(A[r * kc + p], (p * 5 + r) * 4, (p * 5 + r + 1) * 4);
        const [pC, pAp, pB, pTile] = put(c, new Float32Array(5 * ldc).fill(NaN), ap, B, new Float32Array(40));
        c.kernels.gemm_tile(pC, ldc, pAp, pB, kc, pTile);
        const want = new Float32Array(40);
        ref.gemm(want, A, B, 5, 8, kc, 1, 0, false, false);
        const got = getF32(c, pC, 5 * ldc);
        assertClose(Float32Array.from({ length: 40 }, (_, i) => got[Math.floor(i / 8) * ldc + (i % 8)]), want, 2e-5 * Math.sqrt(kc), `gemm_tile kc=${kc}`);
        for (let r = 0; r < 5; r++) for (let j = 8; j < ldc; j++) assert.ok(Number.isNaN(got[r * ldc + j]), "columns past the tile untouched");
      });
    }
  });

  t("spmm forward/backward match the reference", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(12);
    for (const [B, n, H] of [[1, 1, 1], [3, 10, 5], [7, 50, 13], [32, 300, 128], [9, 40, 4]]) {
      await scoped(c, () => {
        const { rowptr, cols } = randomCsr(rng, B, n, 20);
        const W = randn(rng, n * H), out0 = randn(rng, B * H), dout = randn(rng, B * H), dW0 = randn(rng, n * H);
        const [pOut, pW, pR, pC, pD, pdW] = put(c, out0, W, rowptr, cols, dout, dW0);
        c.kernels.spmm_forward(pOut, pW, pR, pC, B, H);
        const want = Float32Array.from(out0);
        ref.spmmForward(want, W, rowptr, cols, B, H);
        assertClose(getF32(c, pOut, B * H), want, 1e-5, `spmm_forward ${B}x${n}x${H}`);
        // the same sums in two blocks of rows, as threads split them
        const b0 = B >> 1;
        const [pOut2] = put(c, out0);
        c.kernels.spmm_forward(pOut2, pW, pR, pC, b0, H);
        c.kernels.spmm_forward(pOut2 + 4 * b0 * H, pW, pR + 4 * b0, pC, B - b0, H);
        assert.equal(Array.from(getF32(c, pOut2, B * H)), Array.from(getF32(c, pOut, B * H)), `spmm_forward ${B}x${n}x${H} in row blocks ${b0} + ${B - b0}`);
        c.kernels.spmm_backward(pdW, pD, pR, pC, B, H, 0, n);
        const wantdW = Float32Array.from(dW0);
        ref.spmmBackward(wantdW, dout, rowptr, cols, B, H, 0, n);
        assertClose(getF32(c, pdW, n * H), wantdW, 1e-5, `spmm_backward ${B}x${n}x${H}`);
        // the same scatter in three ranges of ids (one may be empty), as threads split it
        const i1 = rng.int(n + 1), i2 = i1 + rng.int(n - i1 + 1);
        const [pdW2] = put(c, dW0);
        for (const [lo, hi] of [[i2, n], [0, i1], [i1, i2]]) c.kernels.spmm_backward(pdW2, pD, pR, pC, B, H, lo, hi);
        const wantRange = Float32Array.from(dW0);
        ref.spmmBackward(wantRange, dout, rowptr, cols, B, H, i1, i2);
        const [pdW3] = put(c, dW0);
        c.kernels.spmm_backward(pdW3, pD, pR, pC, B, H, i1, i2);
        assertClose(getF32(c, pdW3, n * H), wantRange, 1e-5, `spmm_backward ${B}x${n}x${H} on ids [${i1}, ${i2}) alone`);
        assert.equal(Array.from(getF32(c, pdW2, n * H)), Array.from(getF32(c, pdW, n * H)), `spmm_backward ${B}x${n}x${H} in id ranges [0, ${i1}), [${i1}, ${i2}), [${i2}, ${n})`);
      });
    }
  });

  t("sampled decoder (forward, loss, backward in one pass) matches the reference, in any number of parts", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(13);
    for (const [B, n, H, P] of [[1, 1, 1, 1], [2, 9, 3, 2], [5, 40, 7, 3], [32, 400, 128, 4], [4, 33, 12, 4], [3, 17, 48, 2], [6, 25, 33, 5]]) {
      await scoped(c, () => {
        const { rowptr, cols } = randomCsr(rng, B, n, 30);
        const nnz = rowptr[B];
        const z = Float32Array.from({ length: B * H }, () => rng.uniform()), W = randn(rng, n * H, 0.3), bias = randn(rng, n);
        const t = Float32Array.from({ length: nnz }, () => (rng.uniform() < 0.3 ? 1 : 0));
        const dW0 = randn(rng, n * H), db0 = randn(rng, n), scale = 0.375;
        // column bounds of P parts (some possibly empty); parts run in two calls as two threads would
        const bounds = Int32Array.from({ length: P + 1 }, (_, p) => (p === P ? n : Math.floor((p * n) / P)));
        const [pz, pW, pb, pt, pR, pC, pdW, pdb, pcs, pen, pd, pparts, ploss, pbounds, pdz] = put(c, z, W, bias, t, rowptr, cols, dW0, db0, new Int32Array(n + 1), new Int32Array(2 * nnz), new Float32Array(nnz), new Float32Array(P * B * H).fill(NaN), new Float64Array(P), bounds, new Float32Array(B * H));
        const k = c.kernels;
        k.mask_by_column(pcs, pen, pR, pC, B, n, H);
        const wcs = new Int32Array(n + 1), wen = new Int32Array(2 * nnz);
        ref.maskByColumn(wcs, wen, rowptr, cols, B, n, H);
        assert.equal(Array.from(getI32(c, pcs, n + 1)), Array.from(wcs), "column starts");
        assert.equal(Array.from(getI32(c, pen, 2 * nnz)), Array.from(wen), "entries");
        const half = P >> 1;
        k.sampled_decoder_train(pparts, ploss, pdW, pdb, pd, pz, pW, pb, pt, pcs, pen, pbounds, 0, half, B, H, scale, 0, 0, 0);
        k.sampled_decoder_train(pparts, ploss, pdW, pdb, pd, pz, pW, pb, pt, pcs, pen, pbounds, half, P, B, H, scale, 0, 0, 0);
        k.sum_parts(pdz, pparts, P, B * H);
        const loss = Array.from(c.arena.f64View(ploss, P)).reduce((x, y) => x + y, 0) * Math.fround(scale);
        const wdz = new Float32Array(B * H), wdW = Float32Array.from(dW0), wdb = Float32Array.from(db0);
        const want = ref.sampledDecoderTrain(wdz, wdW, wdb, z, W, bias, t, rowptr, cols, B, H, scale);
        const tag = `${B}x${n}x${H} in ${P} parts`;
        assertClose([loss], [want], 1e-5, `loss ${tag}`);
        assertClose(getF32(c, pdz, B * H), wdz, 1e-5 * Math.sqrt(n), `dz ${tag}`);
        assertClose(getF32(c, pdW, n * H), wdW, 1e-5 * Math.sqrt(B), `dW ${tag}`);
        assertClose(getF32(c, pdb, n), wdb, 1e-5 * Math.sqrt(B), `dbias ${tag}`);
      });
    }
  });

  t("embedding gather/scatter, bias add and column sums match the reference", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(14);
    for (const [B, U, H] of [[1, 1, 1], [3, 5, 7], [32, 943, 128], [6, 4, 13]]) {
      await scoped(c, () => {
        const users = Int32Array.from({ length: B }, () => rng.int(U));
        const V = randn(rng, U * H), out0 = randn(rng, B * H), dV0 = randn(rng, U * H), bias = randn(rng, H), db0 = randn(rng, H);
        const [pOut, pV, pU, pdV, pb, pdb] = put(c, out0, V, users, dV0, bias, db0);
        const k = c.kernels;
        k.embedding_gather_add(pOut, pV, pU, B, H);
        k.bias_add(pOut, pb, B, H);
        const want = Float32Array.from(out0);
        ref.embeddingGatherAdd(want, V, users, B, H);
        ref.biasAdd(want, bias, B, H);
        assertClose(getF32(c, pOut, B * H), want, 1e-6, "gather + bias");
        k.embedding_scatter_add(pdV, pOut, pU, B, H);
        const wdV = Float32Array.from(dV0);
        ref.embeddingScatterAdd(wdV, want, users, B, H);
        assertClose(getF32(c, pdV, U * H), wdV, 1e-6, "scatter");
        k.column_sums(pdb, pOut, B, H);
        const wdb = Float32Array.from(db0);
        ref.columnSums(wdb, want, B, H);
        assertClose(getF32(c, pdb, H), wdb, 1e-5, "column sums");
      });
    }
  });

  t("activations match the reference (sigmoid, softplus, Φ) including extremes", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(15);
    for (const n of [1, 3, 4, 5, 23, 131]) {
      await scoped(c, () => {
        const x = randn(rng, n, 6);
        if (n > 5) x.set([-200, 200, -88, 88, 0, 30, -30], 0);
        const dy = randn(rng, n);
        const [px, py, pdy, pdx] = put(c, x, new Float32Array(n), dy, new Float32Array(n));
        const k = c.kernels;
        const w = new Float32Array(n), wd = new Float32Array(n);
        k.sigmoid_forward(py, px, n);
        ref.sigmoidForward(w, x, n);
        assertClose(getF32(c, py, n), w, 2e-7, "sigmoid");
        k.sigmoid_backward(pdx, pdy, py, n);
        ref.sigmoidBackward(wd, dy, w, n);
        assertClose(getF32(c, pdx, n), wd, 1e-6, "sigmoid backward");
        k.softplus_forward(py, px, n);
        ref.softplusForward(w, x, n);
        assertClose(getF32(c, py, n), w, 1e-6, "softplus");
        k.softplus_backward(pdx, pdy, px, n);
        ref.softplusBackward(wd, dy, x, n);
        assertClose(getF32(c, pdx, n), wd, 1e-6, "softplus backward");
        k.normal_cdf(py, px, n);
        ref.normalCdfRows(w, x, n);
        assertClose(getF32(c, py, n), w, 3e-7, "normal cdf");
      });
    }
  });

  t("MSE and masked MSE forward/backward match the reference", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(16);
    for (const n of [1, 2, 7, 64, 1001]) {
      await scoped(c, () => {
        const y = randn(rng, n), tt = randn(rng, n), m = Float32Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 1 : 0));
        const [py, pt, pm, pd] = put(c, y, tt, m, new Float32Array(n));
        const k = c.kernels, scale = 1 / (3 * n);
        const wd = new Float32Array(n);
        assertClose([k.mse_forward(py, pt, n, scale)], [ref.mseForward(y, tt, n, scale)], 1e-6, "mse");
        k.mse_backward(pd, py, pt, n, scale);
        ref.mseBackward(wd, y, tt, n, scale);
        assertClose(getF32(c, pd, n), wd, 1e-6, "mse backward");
        assertClose([k.masked_mse_forward(py, pt, pm, n, scale)], [ref.maskedMseForward(y, tt, m, n, scale)], 1e-6, "masked mse");
        k.masked_mse_backward(pd, py, pt, pm, n, scale);
        ref.maskedMseBackward(wd, y, tt, m, n, scale);
        assertClose(getF32(c, pd, n), wd, 1e-6, "masked mse backward");
      });
    }
  });

  t("adam_step matches torch.optim.Adam's arithmetic and zeroes the gradient", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(17);
    for (const n of [1, 3, 4, 9, 1027]) {
      await scoped(c, () => {
        const p = randn(rng, n), m = randn(rng, n, 1e-9), v = Float32Array.from(randn(rng, n, 1e-9), (x) => x * x);
        let g = randn(rng, n, 1e-10);
        const [pp, pg, pm, pv] = put(c, p, g, m, v);
        const wp = Float32Array.from(p), wm = Float32Array.from(m), wv = Float32Array.from(v);
        for (let step = 1; step <= 3; step++) {
          if (step > 1) {
            g = randn(rng, n, 1e-10);
            c.arena.f32View(pg, n).set(g);
          }
          const lr = 5e-4, b1 = 0.9, b2 = 0.999;
          const stepSize = lr / (1 - b1 ** step), bc2 = 1 / Math.sqrt(1 - b2 ** step);
          c.kernels.adam_step(pp, pg, pm, pv, n, stepSize, b1, b2, bc2, 1e-8);
          ref.adamStep(wp, Float32Array.from(g), wm, wv, n, stepSize, b1, b2, bc2, 1e-8);
        }
        assertClose(getF32(c, pp, n), wp, 1e-6, "adam p");
        assertClose(getF32(c, pm, n).map((x) => x * 1e9), wm.map((x) => x * 1e9), 1e-5, "adam m");
        assert.ok(getF32(c, pg, n).every((x) => x === 0), "gradient zeroed");
      });
    }
  });

  t("adam_rows: only listed rows move, after the skipped steps' moment decay", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(27);
    for (const [R, H] of [[1, 1], [7, 5], [20, 128], [9, 12]]) {
      await scoped(c, () => {
        const p = randn(rng, R * H), m = randn(rng, R * H, 1e-9), v = Float32Array.from(randn(rng, R * H, 1e-9), (x) => x * x);
        const last = Int32Array.from({ length: R }, () => rng.int(4));
        const [pp, pg, pm, pv, pl, pr] = put(c, p, new Float32Array(R * H), m, v, last, new Int32Array(R));
        const wp = Float32Array.from(p), wm = Float32Array.from(m), wv = Float32Array.from(v), wl = Int32Array.from(last);
        for (const t of [5, 6, 7, 400, 3000]) { // rows skipped for up to ~3000 steps: β1^k underflows, β2^k does not
          const rows = Int32Array.from(new Set(Array.from({ length: Math.max(1, R >> 1) }, () => rng.int(R))));
          const g = randn(rng, R * H, 1e-10);
          c.arena.f32View(pg, R * H).set(g);
          c.arena.i32View(pr, rows.length).set(rows);
          const stepSize = 5e-4 / (1 - 0.9 ** t), inv = 1 / Math.sqrt(1 - 0.999 ** t);
          // the kernel's f32 β's for the reference too: over thousands of skipped steps β^k
          // magnifies the difference between 0.999 and its f32 (1.3e-8 relative per step)
          const b1 = Math.fround(0.9), b2 = Math.fround(0.999);
          c.kernels.adam_rows(pp, pg, pm, pv, pl, pr, rows.length, H, t, stepSize, b1, b2, inv, 1e-8);
          ref.adamRows(wp, Float32Array.from(g), wm, wv, wl, rows, rows.length, H, t, stepSize, b1, b2, inv, 1e-8);
        }
        assertClose(getF32(c, pp, R * H), wp, 1e-6, "lazy adam p");
        assertClose(getF32(c, pv, R * H).map((x) => x * 1e18), wv.map((x) => x * 1e18), 1e-5, "lazy adam v");
        assert.equal(Array.from(getI32(c, pl, R)), Array.from(wl), "row steps");
      });
    }
  });

  t("adam_catch_up: a row's skipped steps are adam_step's with a zero gradient, bit for bit", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(29);
    const b1 = 0.9, b2 = 0.999, eps = 1e-8, base = 3;
    const constants = (s: number) => [5e-4 / (1 - b1 ** s), 1 / Math.sqrt(1 - b2 ** s)];
    // moments near the bottom of f32 too: ±0, subnormals, and values that decay into them
    const tinyMoments = [0, -0, 1e-44, -3e-45, 2e-40, -1e-38, 3e-37];
    for (const [R, H, tiny] of [[1, 1, 0], [6, 3, 0], [5, 4, 0], [9, 13, 0], [4, 128, 0], [3, 5, 0], [7, 8, 1], [5, 13, 1], [3, 128, 1], [6, 1, 1]]) {
      await scoped(c, () => {
        const p = randn(rng, R * H), v = Float32Array.from(randn(rng, R * H, 1e-9), (x) => x * x);
        const m = tiny ? Float32Array.from({ length: R * H }, (_, i) => (i % 5 === 4 ? 1e-9 * rng.normal() : tinyMoments[rng.int(tinyMoments.length)])) : randn(rng, R * H, 1e-9);
        const t = base + 1 + rng.int(tiny ? 400 : 40);
        // each row is up to date with some step in [base, t]; the steps after it are skipped
        const last = Int32Array.from({ length: R }, () => base + rng.int(t - base + 1));
        const steps = Float32Array.from({ length: 2 * (t - base) }, (_, i) => constants(base + 1 + (i >> 1))[i & 1]);
        const [pp, pm, pv, pl, ps, pz] = put(c, p, m, v, last, steps, new Float32Array(H));
        const rows = Int32Array.from(new Set(Array.from({ length: Math.max(1, R - 1) }, () => rng.int(R))));
        const [prows] = put(c, rows);
        c.kernels.adam_catch_up(pp, pm, pv, pl, prows, 0, rows.length, H, t, ps, base, b1, b2, eps);
        for (let r = 0; r < R; r++) {
          // the same row, step by step with adam_step and a zero gradient, in a slab of its own
          const [qp, qm, qv] = put(c, p.subarray(r * H, (r + 1) * H), m.subarray(r * H, (r + 1) * H), v.subarray(r * H, (r + 1) * H));
          const listed = rows.includes(r);
          if (listed) for (let step = last[r] + 1; step <= t; step++) {
            const [stepSize, inv] = constants(step);
            c.kernels.adam_step(qp, pz, qm, qv, H, stepSize, b1, b2, inv, eps);
          }
          const o = r * H;
          assert.equal(Array.from(getF32(c, pp, R * H).subarray(o, o + H)), Array.from(getF32(c, qp, H)), `p of row ${r} (${listed ? `${t - last[r]} steps` : "not listed"}), ${R}×${H}`);
          // bit for bit, the sign of a zero included
          const bits = (ptr: number, n: number, at: number) => Array.from(new Uint32Array(getF32(c, ptr, n).slice(at, at + H).buffer));
          assert.equal(bits(pp, R * H, o), bits(qp, H, 0), `p bits of row ${r}`);
          assert.equal(bits(pm, R * H, o), bits(qm, H, 0), `m of row ${r}`);
          assert.equal(bits(pv, R * H, o), bits(qv, H, 0), `v of row ${r}`);
          assert.is(getI32(c, pl, R)[r], listed ? t : last[r], `row ${r}'s step`);
        }
        // without a row list, every row in [r0, r1)
        c.kernels.adam_catch_up(pp, pm, pv, pl, 0, 0, R, H, t, ps, base, b1, b2, eps);
        assert.ok(getI32(c, pl, R).every((s) => s === t), "every row up to date");
      });
    }
  });

  t("adam_catch_up: the long skip's cheaper phases (p put, then m at its fixed point) change no bit, at the edge of their bound", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(37);
    const b1 = 0.9, b2 = 0.999, eps = 1e-8, base = 0, K = 1500;
    const constants = (s: number) => [5e-4 / (1 - b1 ** s), 1 / Math.sqrt(1 - b2 ** s)];
    // p where rounding is tight (powers of two: a smaller spacing below), at and past the lowest
    // judged magnitude, zeros, a subnormal, non-finite values and ordinary ones
    const ps = [1, -1, 2 ** -10, -(2 ** -10), 2 ** -100, 2 ** -101, 0, -0, 1e-40, NaN, Infinity, -Infinity, 0.0371, -0.52];
    // v: zero (the denominator is ε), tiny, moderate, large, −0, NaN
    const vs = [0, 1e-30, 1e-18, 1e-8, -0, NaN];
    // m puts the first skipped step's |stepSize·m|/ε at a factor of |p|·2⁻²⁶ (the bound), either sign
    const factors = [0.5, 0.999, 1, 1.001, 2, 1e3, 1e6, 0];
    // every path: fours of eight, pairs of eight, eight alone, four, and single floats
    for (const H of [29, 32, 61, 13, 1]) {
      await scoped(c, () => {
        const R = 40, n = R * H;
        // odd rows ordinary (every lane's p judged: groups leave the full steps at different
        // steps, and their m at different steps after that), even rows from the lists above
        const ordinary = (i: number) => Math.floor(i / H) % 2 === 1;
        const p = Float32Array.from({ length: n }, (_, i) => (ordinary(i) ? 0.1 * rng.normal() : ps[rng.int(ps.length)]));
        const v = Float32Array.from({ length: n }, (_, i) => (ordinary(i) ? (1e-9 * rng.normal()) ** 2 : vs[rng.int(vs.length)]));
        const m = Float32Array.from(p, (x, i) => {
          if (ordinary(i)) return 1e-9 * rng.normal() * 10 ** (6 * rng.uniform() - 3);
          const scale = Math.abs(x) > 0 && Number.isFinite(x) ? Math.abs(x) : 1e-3;
          return (rng.uniform() < 0.5 ? -1 : 1) * factors[rng.int(factors.length)] * scale * 2 ** -26 * eps / constants(1)[0];
        });
        // most rows skip all K steps, some fewer
        const last = Int32Array.from({ length: R }, (_, r) => (r % 4 === 3 ? rng.int(K) : base));
        assertCatchUpIsSteps(c, { p, m, v, last, H, K, b1, b2, eps, constants }, `H = ${H}`);
      });
    }
  });

  t("adam_catch_up: for β1 from 0 to 0.999 and skips up to 3,000 steps, moments from 1e-2 down through the subnormals end as adam_step's, bit for bit", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(41);
    const b2 = 0.999, eps = 1e-8, base = 0, K = 3000, H = 61, R = 12, n = R * H;
    // m settles at once where the skip surely ends its decay, else steps in f32 and, near the
    // subnormals, in integer units (decay-end.ts, decay-in-units.ts); 61 floats take every path
    for (const b1 of [0, 0.1, 0.5, 0.9, 0.99, 0.999]) {
      await scoped(c, () => {
        const constants = (s: number) => [5e-4 / (1 - b1 ** s || 1), 1 / Math.sqrt(1 - b2 ** s)];
        const p = Float32Array.from({ length: n }, () => 0.1 * rng.normal());
        const v = Float32Array.from({ length: n }, () => (1e-9 * rng.normal()) ** 2);
        const m = Float32Array.from({ length: n }, () => {
          const kind = rng.int(10);
          if (kind === 0) return rng.uniform() < 0.5 ? 0 : -0;
          const sign = rng.uniform() < 0.5 ? -1 : 1;
          if (kind < 4) return sign * rng.int(1 << 24) * 2 ** -149; // subnormal or f32's least binade
          if (kind < 6) return sign * 2 ** (-126 + 6 * rng.uniform()); // where f32 steps would meet subnormals
          return rng.normal() * 10 ** (-2 - 40 * rng.uniform());
        });
        // three rows skip every step, five skip up to 200 (short of the decay's end near the bottom)
        const last = Int32Array.from({ length: R }, (_, r) => (r < 3 ? base : r < 8 ? K - 1 - rng.int(200) : K - 1 - rng.int(K)));
        assertCatchUpIsSteps(c, { p, m, v, last, H, K, b1, b2, eps, constants }, `β1 = ${b1}`);
      });
    }
  });

  t("adam_spmm_rows, adam_embedding_rows: the step of the gradients spmm_backward and embedding_scatter_add scatter, bit for bit, in any row ranges", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(31);
    // the kernels' f32 constants, so that the f64 reference's 1 − β2 is theirs
    const b1 = Math.fround(0.9), b2 = Math.fround(0.999), eps = 1e-8;
    for (const [B, n, H] of [[1, 1, 1], [3, 10, 5], [7, 50, 13], [32, 300, 128], [9, 40, 17], [4, 6, 33]])
      for (const lazy of [false, true])
        await scoped(c, () => {
          const U = B + rng.int(20);
          const weight = (rows: number) => ({ p: randn(rng, rows * H), m: randn(rng, rows * H, 1e-9), v: Float32Array.from(randn(rng, rows * H, 1e-9), (x) => x * x), last: Int32Array.from({ length: rows }, () => rng.int(4)) });
          const w0 = weight(n), v0 = weight(U);
          // the same weights three times: two kernels per tensor (gradient slab, then Adam), the in-place kernels, the TS reference
          const slabs = () => [w0, v0].map(({ p, m, v, last }) => {
            const [pp, pm, pv, pl, pg] = put(c, p, m, v, last, new Float32Array(p.length));
            return { pp, pm, pv, pl, pg };
          });
          const [sW, sV] = slabs(), [fW, fV] = slabs();
          const refW = { p: Float32Array.from(w0.p), m: Float32Array.from(w0.m), v: Float32Array.from(w0.v), last: Int32Array.from(w0.last) };
          const refV = { p: Float32Array.from(v0.p), m: Float32Array.from(v0.m), v: Float32Array.from(v0.v), last: Int32Array.from(v0.last) };
          const [pRecW, pRecV, pCs, pEnt, pByUser, pRows] = put(c, new Uint32Array(11), new Uint32Array(11), new Int32Array(n + 1), new Int32Array(2 * B * n + 2), new Int32Array(2 * B), new Int32Array(Math.max(n, U)));
          for (const t of [5, 6, 7, 400]) {
            const { rowptr, cols } = randomCsr(rng, B, n, 6);
            // users may repeat within a batch: their rows' gradients then add up
            const users = Int32Array.from({ length: B }, () => rng.int(U));
            const dz = randn(rng, B * H, 1e-6);
            const [pR, pC, pU, pD] = put(c, rowptr, cols, users, dz);
            const stepSize = 5e-4 / (1 - b1 ** t), inv = 1 / Math.sqrt(1 - b2 ** t);
            const items = Int32Array.from(new Set(cols)).sort();
            const sortedUsers = Int32Array.from(new Set(users)).sort();
            // two kernels per tensor
            c.kernels.spmm_backward(sW.pg, pD, pR, pC, B, H, 0, n);
            c.kernels.embedding_scatter_add(sV.pg, pD, pU, B, H);
            for (const [s, rows, R] of [[sW, items, n], [sV, sortedUsers, U]] as const) {
              if (!lazy) c.kernels.adam_step(s.pp, s.pg, s.pm, s.pv, R * H, stepSize, b1, b2, inv, eps);
              else {
                c.arena.i32View(pRows, rows.length).set(rows);
                c.kernels.adam_rows(s.pp, s.pg, s.pm, s.pv, s.pl, pRows, rows.length, H, t, stepSize, b1, b2, inv, eps);
              }
            }
            // in place, each tensor's rows in two ranges
            for (const [rec, f] of [[pRecW, fW], [pRecV, fV]] as const) {
              c.arena.f32View(rec, 5).set([stepSize, b1, b2, inv, eps]);
              c.arena.u32View(rec + 20, 6).set([t, f.pm, f.pv, 0, 0, lazy ? f.pl : 0]);
            }
            c.kernels.mask_by_column(pCs, pEnt, pR, pC, B, n, H);
            const byUser = Array.from(users, (u, b) => [u, 4 * H * b]).sort((x, y) => x[0] - y[0]).flat();
            c.arena.i32View(pByUser, 2 * B).set(byUser);
            const cutW = rng.int(n + 1), cutV = rng.int(U + 1);
            c.kernels.adam_spmm_rows(pRecW, fW.pp, pD, pCs, pEnt, 0, cutW, H);
            c.kernels.adam_spmm_rows(pRecW, fW.pp, pD, pCs, pEnt, cutW, n, H);
            c.kernels.adam_embedding_rows(pRecV, fV.pp, pD, pByUser, B, 0, cutV, H);
            c.kernels.adam_embedding_rows(pRecV, fV.pp, pD, pByUser, B, cutV, U, H);
            // the reference
            const gW = new Float32Array(n * H), gV = new Float32Array(U * H);
            ref.spmmBackward(gW, dz, rowptr, cols, B, H, 0, n);
            ref.embeddingScatterAdd(gV, dz, users, B, H);
            for (const [r, g, rows, R] of [[refW, gW, items, n], [refV, gV, sortedUsers, U]] as const) {
              if (!lazy) ref.adamStep(r.p, g, r.m, r.v, R * H, stepSize, b1, b2, inv, eps);
              else ref.adamRows(r.p, g, r.m, r.v, r.last, rows, rows.length, H, t, stepSize, b1, b2, inv, eps);
            }
          }
          for (const [name, s, f, r, R] of [["W", sW, fW, refW, n], ["V", sV, fV, refV, U]] as const) {
            const what = `${name} ${B}x${n}x${H}${lazy ? " lazy" : ""}`;
            for (const [k, ps, pf] of [["p", s.pp, f.pp], ["m", s.pm, f.pm], ["v", s.pv, f.pv]] as const)
              assert.equal(Array.from(getF32(c, pf, R * H)), Array.from(getF32(c, ps, R * H)), `${what}: ${k} differs from the two-kernel step`);
            assert.equal(Array.from(getI32(c, f.pl, R)), Array.from(getI32(c, s.pl, R)), `${what}: row steps`);
            assertClose(getF32(c, f.pp, R * H), r.p, 1e-6, `${what}: p against the reference`);
            assertClose(getF32(c, f.pv, R * H).map((x) => x * 1e18), r.v.map((x) => x * 1e18), 1e-5, `${what}: v against the reference`);
          }
        });
  });

  t("topk_rows: exclusions, ties to the lower index, short rows", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(18);
    // few distinct values, so that ties are common; continuous ones with NaNs, where the
    // excluded items score highest (as a model scores its training items); rising rows, where
    // every score beats the kept ones
    const draws: Record<string, (i: number) => number> = {
      ties: () => rng.int(7) / 7,
      continuous: () => (rng.uniform() < 0.01 ? NaN : rng.normal()),
      rising: (i) => i,
    };
    const cases: [number, number, number][] = [[1, 1, 1], [2, 5, 3], [4, 30, 20], [8, 1682, 20], [3, 10, 12], [5, 47, 4], [2, 16, 16], [3, 33, 1], [6, 4097, 20]];
    for (const [kind, draw] of Object.entries(draws)) for (const [B, N, K] of cases) {
      await scoped(c, () => {
        const scores = Float32Array.from({ length: B * N }, (_, j) => draw(j % N));
        const { rowptr, cols } = randomCsr(rng, B, N, Math.max(1, N >> 2));
        if (kind === "continuous") for (let b = 0; b < B; b++) for (let j = rowptr[b]; j < rowptr[b + 1]; j++) scores[b * N + cols[j]] = 10 + rng.uniform();
        const [pi, pv, ps, pr, pc] = put(c, new Int32Array(B * K), new Float32Array(B * K), scores, rowptr, cols);
        c.kernels.topk_rows(pi, pv, ps, pr, pc, B, N, K);
        const wi = new Int32Array(B * K), wv = new Float32Array(B * K);
        ref.topkRows(wi, wv, scores, rowptr, cols, B, N, K);
        assert.equal(Array.from(getI32(c, pi, B * K)), Array.from(wi), `topk indices ${B}x${N} K=${K}, ${kind} scores`);
        assert.equal(Array.from(getF32(c, pv, B * K)), Array.from(wv), "topk values");
      });
    }
  });

  t("corruption and negative sampling draw exactly the reference's stream", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(19);
    for (const [U, I, n, q] of [[5, 10, 3, 0], [20, 300, 256, 0.2], [12, 40, 25, 0.5], [30, 1682, 256, 0]]) {
      await scoped(c, () => {
        const { rowptr, cols } = randomCsr(rng, U, I, I);
        const users = Int32Array.from({ length: 8 }, () => rng.int(U));
        const B = users.length, cap = rowptr[U] * 2 + B * n + 16;
        const state = Rng.seeded(99).state;
        const [pst, pR, pC, pU, pop, poc, pcp, pcc, ptg, pseen] = put(c, state, rowptr, cols, users,
          new Int32Array(B + 1), new Int32Array(cap), new Int32Array(B + 1), new Int32Array(cap), new Float32Array(cap), new Int32Array((I + 3) >> 2));
        const refRng = Rng.seeded(99);
        const k = c.kernels;
        const nnz = k.corrupt_mask_out(pop, poc, pR, pC, pU, B, q, pst);
        const wop = new Int32Array(B + 1), woc = new Int32Array(cap);
        assert.is(nnz, ref.corruptMaskOut(wop, woc, rowptr, cols, users, B, q, refRng), "corrupted nnz");
        assert.equal(Array.from(getI32(c, poc, nnz)), Array.from(woc.subarray(0, nnz)));
        assert.equal(Array.from(getI32(c, pop, B + 1)), Array.from(wop), "corrupted rows' starts");
        const total = k.negative_sample(pcp, pcc, ptg, pR, pC, pU, B, I, n, pst, pseen);
        const wcp = new Int32Array(B + 1), wcc = new Int32Array(cap), wtg = new Float32Array(cap);
        assert.is(total, ref.negativeSample(wcp, wcc, wtg, rowptr, cols, users, B, I, n, refRng), "mask size");
        assert.equal(Array.from(getI32(c, pcc, total)), Array.from(wcc.subarray(0, total)), "sampled columns");
        assert.equal(Array.from(getF32(c, ptg, total)), Array.from(wtg.subarray(0, total)), "targets");
        assert.equal(Array.from(c.arena.u32View(pst, 4)), Array.from(refRng.state), "streams end in the same state");
        assert.ok(c.arena.u8View(pseen, I).every((x) => x === 0), "scratch left zeroed");
        // every row: positives, then distinct unobserved negatives
        const cp = getI32(c, pcp, B + 1), cc = getI32(c, pcc, total);
        for (let b = 0; b < B; b++) {
          const pos = new Set(Array.from(cols.subarray(rowptr[users[b]], rowptr[users[b] + 1])));
          const row = Array.from(cc.subarray(cp[b], cp[b + 1]));
          const negs = row.slice(pos.size);
          assert.is(new Set(row).size, row.length, "no duplicates");
          assert.ok(negs.every((x) => !pos.has(x)), "negatives unobserved");
          assert.is(negs.length, Math.min(n, I - pos.size), "negative count");
        }
      });
    }
  });

  t("gate forward/backward, cv² and combine match the reference", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(21);
    for (const [B, E, k, noisy] of [[1, 3, 2, true], [7, 3, 2, true], [5, 3, 1, false], [4, 3, 3, false], [6, 5, 2, true], [3, 1, 1, false], [5, 4, 1, true]] as const) {
      await scoped(c, () => {
        const m = Math.min(k + 1, E);
        const clean = randn(rng, B * E), raw = randn(rng, B * E), eps = randn(rng, B * E), dg = randn(rng, B * E), dp = randn(rng, B * E);
        const z = () => new Float32Array(B * E);
        const [pg, pl, ps, pt, pp, pc, pr, pe, pdg, pdp, pdc, pdr] = put(c, z(), z(), z(), new Int32Array(B * m), z(), clean, raw, eps, dg, dp, z(), z());
        c.kernels.gate_forward(pg, pl, ps, pt, pp, pc, pr, pe, B, E, k, noisy);
        const w = { g: z(), l: z(), s: z(), t: new Int32Array(B * m), p: z(), dc: z(), dr: z() };
        ref.gateForward(w.g, w.l, w.s, w.t, w.p, clean, raw, eps, B, E, k, noisy);
        assert.equal(Array.from(getI32(c, pt, B * m)), Array.from(w.t), "top indices");
        assertClose(getF32(c, pg, B * E), w.g, 1e-6, "gates");
        assertClose(getF32(c, pp, B * E), w.p, 3e-7, "load probabilities");
        c.kernels.gate_backward(pdc, pdr, pdg, pdp, pg, pl, ps, pt, pc, pr, pe, B, E, k, noisy);
        ref.gateBackward(w.dc, w.dr, dg, dp, w.g, w.l, w.s, w.t, clean, raw, eps, B, E, k, noisy);
        assertClose(getF32(c, pdc, B * E), w.dc, 1e-5, "dclean");
        assertClose(getF32(c, pdr, B * E), w.dr, 1e-5, "draw");
        const v = Float32Array.from(randn(rng, E), Math.abs);
        const [pv] = put(c, v);
        assertClose([c.kernels.cv_squared(pv, E)], [ref.cvSquared(v, E)], 1e-6, "cv²");
      });
    }
    for (const [B, E, I] of [[1, 1, 1], [3, 3, 17], [8, 3, 1682], [5, 2, 13], [7, 5, 1]] as const) {
      await scoped(c, () => {
        // a batch of B rows out of a larger E×B'×I block, as a row range of a split call sees it
        const Bfull = B + 2, X = randn(rng, E * Bfull * I), gates = randn(rng, B * E);
        const [py, pg, pX] = put(c, new Float32Array(B * I), gates, X);
        c.kernels.gate_combine_forward(py, pg, pX + 2 * I * 4, B, E, I, Bfull * I);
        const wy = new Float32Array(B * I);
        ref.gateCombineForward(wy, gates, X.subarray(2 * I), B, E, I, Bfull * I);
        assertClose(getF32(c, py, B * I), wy, 1e-5, "combine");
      });
    }
  });

  t("expert Gram statistics and the gate loss from them equal the loss of the mixed outputs", async () => {
    const c = await core(flavour);
    const rng = Rng.seeded(22);
    for (const [B, E, I] of [[1, 1, 1], [3, 3, 17], [8, 3, 1682], [5, 2, 13], [7, 5, 3], [2, 4, 6]] as const) {
      await scoped(c, () => {
        const S = expertGramWidth(E);
        const Bfull = B + 1;
        const X = Float32Array.from(randn(rng, E * Bfull * I), (v) => 1 / (1 + Math.exp(-v))); // sigmoid outputs
        const { rowptr, cols } = randomCsr(rng, B, I, Math.min(I, 40));
        const [pS, pX, prp, pcols] = put(c, new Float64Array(B * S), X, rowptr, cols);
        c.kernels.expert_gram(pS, pX + I * 4, prp, pcols, B, E, I, Bfull * I);
        const stats = Float64Array.from(c.arena.f64View(pS, B * S));
        const want = new Float64Array(B * S);
        ref.expertGram(want, X.subarray(I), rowptr, cols, B, E, I, Bfull * I);
        assertClose(stats, want, 1e-12, "Gram statistics");
        // users index the stats (a U×S table): here a permutation of the batch rows
        const users = Int32Array.from({ length: B }, (_, b) => (b * 3 + 1) % B);
        const gates = Float32Array.from(randn(rng, B * E), Math.abs);
        const scale = 1 / (B * I);
        const [pg, pu, pdg] = put(c, gates, users, new Float32Array(B * E));
        const loss = c.kernels.gate_mse_forward(pS, pg, pu, B, E, scale);
        assertClose([loss], [ref.gateMseForward(want, gates, users, B, E, scale)], 1e-12, "gate loss");
        // the loss the statistics stand for: mix the experts' rows with the gates, against x
        let direct = 0;
        for (let b = 0; b < B; b++) {
          const u = users[b], x = new Uint8Array(I);
          for (let j = rowptr[u]; j < rowptr[u + 1]; j++) x[cols[j]] = 1;
          for (let i = 0; i < I; i++) {
            let y = 0;
            for (let e = 0; e < E; e++) y += gates[b * E + e] * X[e * Bfull * I + (u + 1) * I + i];
            direct += (y - x[i]) ** 2;
          }
        }
        assertClose([loss], [direct * scale], 1e-10, "gate loss against the mixed outputs");
        c.kernels.gate_mse_backward(pdg, pS, pg, pu, B, E, scale);
        const wdg = new Float32Array(B * E);
        ref.gateMseBackward(wdg, want, gates, users, B, E, scale);
        assertClose(getF32(c, pdg, B * E), wdg, 1e-6, "gate loss gradient");
      });
    }
  });

  t("RNG: Wasm draws the TS twin's uniform, integer and normal streams bit for bit", async () => {
    const c = await core(flavour);
    for (const seed of [0, 1, 42, 2 ** 40 + 7]) {
      await scoped(c, () => {
        const twin = Rng.seeded(seed, 3);
        const [pst, pu, pn, pi] = put(c, Rng.seeded(seed, 3).state, new Float32Array(1001), new Float32Array(1001), new Int32Array(1001));
        c.kernels.rng_uniform(pu, 1001, -0.5, 2, pst);
        c.kernels.rng_normal(pn, 1001, 0.25, 3, pst);
        c.kernels.rng_int(pi, 1001, 1682, pst);
        const u = Float32Array.from({ length: 1001 }, () => Math.fround(-0.5 + Math.fround(2.5 * twin.uniform())));
        const nrm = Float32Array.from({ length: 1001 }, () => Math.fround(0.25 + Math.fround(3 * Math.fround(twin.normal()))));
        const ints = Int32Array.from({ length: 1001 }, () => twin.int(1682));
        assert.equal(Array.from(getF32(c, pu, 1001)), Array.from(u), "uniform");
        assert.equal(Array.from(getF32(c, pn, 1001)), Array.from(nrm), "normal");
        assert.equal(Array.from(getI32(c, pi, 1001)), Array.from(ints), "int");
      });
    }
  });

  t.run();
}
