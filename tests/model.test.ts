// The model end to end on small problems: whole-model gradient checks per stage (finite
// differences of the training loss), the sparse stage-0 step against the dense masked
// computation, determinism, and a tiny data set the model can overfit.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../bindings/rng.js";
import { seedState } from "../bindings/rng.js";
import type { Core } from "../bindings/index.js";
import { AelModel } from "../src/model/ael.js";
import { BatchRows, uploadCsr, ExpertForward, type WasmCsr } from "../src/model/forward.js";
import { Stage0 } from "../src/train/stage0.js";
import { StageDeep } from "../src/train/stage-deep.js";
import { StageGate } from "../src/train/stage-gate.js";
import { encodeAllUsers, expertGramAllUsers } from "../src/train/caches.js";
import { resolveConfig, type TrainConfig } from "../src/train/config.js";
import { Adam } from "../src/train/adam.js";
import { synthetic } from "../src/data/synthetic.js";
import { train } from "../src/api.js";
import { expertErrorsAllUsers, likelihoodWeights } from "../src/eval/likelihood.js";
import type { Param } from "../src/model/params.js";
import { FLAVOURS, core, scoped } from "./helpers.js";

const tiny = () => synthetic({ users: 10, items: 30, interactions: 6, factors: 3, noise: 0.3, seed: 4 });

/** Snapshot of 16 bytes of RNG state so a step's random draws can be replayed exactly. */
function rngSlab(c: Core, seed: number, stream: number): { ptr: number; save: () => Uint32Array; restore: (s: Uint32Array) => void } {
  const ptr = c.arena.alloc(16);
  c.arena.u32View(ptr, 4).set(seedState(seed, stream));
  return { ptr, save: () => Uint32Array.from(c.arena.u32View(ptr, 4)), restore: (s) => c.arena.u32View(ptr, 4).set(s) };
}

/**
 * Max error of the accumulated gradient of `p` against central differences of `loss`, over a
 * sample of entries; errors are relative to max(|fd|, |grad|, 1e-2·max|grad|).
 */
function fdCheck(c: Core, p: Param, grad: Float32Array, loss: () => number, h: number, samples = 24): number {
  const v = c.arena.f32View(p.ptr, p.length);
  const scale = grad.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const rng = Rng.seeded(p.length);
  let worst = 0;
  for (let s = 0; s < Math.min(samples, p.length); s++) {
    const i = p.length <= samples ? s : rng.int(p.length);
    const x0 = v[i];
    v[i] = x0 + h;
    const lp = loss();
    v[i] = x0 - h;
    const lm = loss();
    v[i] = x0;
    const fd = (lp - lm) / (Math.fround(x0 + h) - Math.fround(x0 - h));
    worst = Math.max(worst, Math.abs(fd - grad[i]) / Math.max(Math.abs(fd), Math.abs(grad[i]), 1e-2 * scale, 1e-30));
  }
  return worst;
}

/**
 * The distinct input items and mask columns of a stage-0 step for `users` taken from RNG state
 * `state`: the step's draws replayed on scratch memory.
 */
function replayDraws(c: Core, tr: WasmCsr, cfg: TrainConfig, I: number, users: Int32Array, state: Uint32Array): { items: number[]; columns: number[] } {
  const a = c.arena, k = c.kernels, mark = a.mark(), B = users.length, cap = B * (tr.maxRow + I);
  const [pu, pip, pic, pcp, pcc, ptg, pseen, pst] = [a.alloc(4 * B), a.alloc(4 * (B + 1)), a.alloc(4 * cap), a.alloc(4 * (B + 1)), a.alloc(4 * cap), a.alloc(4 * cap), a.alloc(I), a.alloc(16)];
  a.i32View(pu, B).set(users);
  a.u8View(pseen, I).fill(0);
  a.u32View(pst, 4).set(state);
  const inputs = k.corrupt_mask_out(pip, pic, tr.rowptr, tr.cols, pu, B, cfg.corruption, pst);
  const total = k.negative_sample(pcp, pcc, ptg, tr.rowptr, tr.cols, pu, B, I, cfg.negatives, pst, pseen);
  const distinct = (p: number, n: number) => [...new Set(a.i32View(p, n))].sort((x, y) => x - y);
  const out = { items: distinct(pic, inputs), columns: distinct(pcc, total) };
  a.reset(mark);
  return out;
}

const grads = (c: Core, m: AelModel, names: string[]) => names.map((n) => Float32Array.from(c.arena.f32View(m.store.get(n).grad, m.store.get(n).length)));
const zeroGrads = (c: Core, m: AelModel) => c.arena.f32View(m.store.grad, m.store.size).fill(0);

for (const flavour of FLAVOURS) {
  const t = suite(`model/${flavour}`);

  t("stage 0: the sparse step's gradients match finite differences of its loss", async () => {
    const c = await core(flavour);
    await scoped(c, () => {
      const d = tiny();
      const cfg = resolveConfig({ hidden: [6, 4, 3], epochs: [1, 1, 1], negatives: 8, batchSize: 4, corruption: 0.2 });
      const m = new AelModel(c, { users: d.users, items: d.items, hidden: cfg.hidden });
      m.init(3);
      const rng = rngSlab(c, 9, 2);
      const st = new Stage0(m, uploadCsr(c, d.train), cfg, rng.ptr);
      const users = Int32Array.from([7, 2, 9, 4]);
      const snap = rng.save();
      zeroGrads(c, m);
      st.step(users, 0, 4);
      const names = ["sub.0.W_enc", "sub.0.b_enc", "sub.0.V", "sub.0.W_dec", "sub.0.b_dec"];
      const g = grads(c, m, names);
      const loss = () => {
        rng.restore(snap);
        return st.step(users, 0, 4);
      };
      names.forEach((n, i) => {
        const err = fdCheck(c, m.store.get(n), g[i], loss, 1e-2);
        assert.ok(err < 2e-2, `${n}: max relative error ${err.toExponential(2)}`);
      });
    });
  });

  t("stage 1 and the gate: gradients match finite differences", async () => {
    const c = await core(flavour);
    await scoped(c, () => {
      const d = tiny();
      const m = new AelModel(c, { users: d.users, items: d.items, hidden: [6, 4, 3] });
      m.init(5);
      const tr = uploadCsr(c, d.train);
      const users = Int32Array.from([1, 8, 3]);
      const codes = encodeAllUsers(m, tr, 0);
      const st = new StageDeep(m, 1, codes, 3);
      zeroGrads(c, m);
      st.step(users, 0, 3);
      const names = ["sub.1.W_enc", "sub.1.b_enc", "sub.1.V", "sub.1.W_dec", "sub.1.b_dec"];
      grads(c, m, names).forEach((g, i) => {
        const err = fdCheck(c, m.store.get(names[i]), g, () => st.step(users, 0, 3), 1e-2);
        assert.ok(err < 2e-2, `${names[i]}: max relative error ${err.toExponential(2)}`);
      });
      // the gate starts at zero in training; move it off zero so every path carries gradient
      const rng = Rng.seeded(6);
      for (const p of [m.W_g, m.W_n]) c.arena.f32View(p.ptr, p.length).forEach((_, i, v) => (v[i] = 0.3 * rng.normal()));
      const stats = expertGramAllUsers(m, tr);
      const noise = rngSlab(c, 7, 3);
      const rows = new BatchRows(c, tr, 3);
      rows.load(users);
      const snap = noise.save();
      // with the load-balancing terms, and without them (the reconstruction alone, whose
      // gradient at W_g is small beside the f32 rounding of the gates: a wider difference step)
      for (const [coef, h] of [[0, 3e-3], [1, 1e-3]]) {
        const sg = new StageGate(m, stats, 3, 2, coef, noise.ptr);
        noise.restore(snap);
        zeroGrads(c, m);
        sg.step(rows);
        const gateGrads = grads(c, m, ["gate.W_g", "gate.W_n"]);
        gateGrads.forEach((g, i) => {
          const p = i === 0 ? m.W_g : m.W_n;
          const err = fdCheck(c, p, g, () => (noise.restore(snap), sg.step(rows)), h);
          assert.ok(err < 3e-2, `${p.name} (load-balancing coefficient ${coef}): max relative error ${err.toExponential(2)}`);
        });
      }
      const sg = new StageGate(m, stats, 3, 2, 1, noise.ptr);
      // the statistics stand for the experts' outputs: their loss is that of the mixed outputs
      noise.restore(snap);
      sg.step(rows);
      const gates = Float64Array.from(sg.gate.gatesView(3));
      const fwd = new ExpertForward(m, 3);
      const X = c.arena.f32View(fwd.experts(rows), m.experts * 3 * d.items);
      let mixed = 0;
      users.forEach((u, b) => {
        const x = new Uint8Array(d.items);
        for (let j = d.train.rowptr[u]; j < d.train.rowptr[u + 1]; j++) x[d.train.cols[j]] = 1;
        for (let i = 0; i < d.items; i++) {
          let y = 0;
          for (let e = 0; e < m.experts; e++) y += gates[b * m.experts + e] * X[(e * 3 + b) * d.items + i];
          mixed += (y - x[i]) ** 2;
        }
      });
      const fromStats = c.kernels.gate_mse_forward(stats, sg.gate.gates, rows.users, 3, m.experts, 1 / (3 * d.items));
      assert.ok(Math.abs(fromStats - mixed / (3 * d.items)) <= 1e-9 * fromStats, `gate loss ${fromStats} from the statistics, ${mixed / (3 * d.items)} from the outputs`);
    });
  });

  t("stage 0: sparse input and sampled decoder equal the dense masked computation", async () => {
    const c = await core(flavour);
    await scoped(c, () => {
      const d = tiny();
      const I = d.items, B = 4, Hd = 6;
      const cfg = resolveConfig({ hidden: [Hd, 4, 3], epochs: [1, 1, 1], negatives: 8, batchSize: B, corruption: 0.25 });
      const m = new AelModel(c, { users: d.users, items: I, hidden: cfg.hidden });
      m.init(8);
      const tr = uploadCsr(c, d.train);
      const rng = rngSlab(c, 11, 2);
      const st = new Stage0(m, tr, cfg, rng.ptr);
      const users = Int32Array.from([0, 5, 9, 3]);
      const snap = rng.save();
      zeroGrads(c, m);
      const sparseLoss = st.step(users, 0, B);
      const names = ["sub.0.W_enc", "sub.0.b_enc", "sub.0.V", "sub.0.W_dec", "sub.0.b_dec"];
      const sparse = grads(c, m, names);
      // dense: replay the same draws to get x̃ and the mask, then the full B×I computation
      zeroGrads(c, m);
      rng.restore(snap);
      const a = c.arena, k = c.kernels, s = m.subs[0];
      const cap = 4096;
      const [pu, pip, pic, pcp, pcc, ptg, pseen] = [a.alloc(16), a.alloc(20), a.alloc(cap), a.alloc(20), a.alloc(cap), a.alloc(cap), a.alloc(I)];
      a.i32View(pu, B).set(users);
      a.u8View(pseen, I).fill(0);
      k.corrupt_mask_out(pip, pic, tr.rowptr, tr.cols, pu, B, cfg.corruption, rng.ptr);
      const total = k.negative_sample(pcp, pcc, ptg, tr.rowptr, tr.cols, pu, B, I, cfg.negatives, rng.ptr, pseen);
      const dense = (f: (b: number, i: number, v: Float32Array) => void) => {
        const p = a.f32(B * I);
        const v = a.f32View(p, B * I).fill(0);
        f(0, 0, v);
        return p;
      };
      const ip = a.i32View(pip, B + 1), ic = a.i32View(pic, cap), cp = a.i32View(pcp, B + 1), cc = a.i32View(pcc, cap), tg = a.f32View(ptg, cap);
      const X = dense((_, __, v) => { for (let b = 0; b < B; b++) for (let j = ip[b]; j < ip[b + 1]; j++) v[b * I + ic[j]] = 1; });
      const M = dense((_, __, v) => { for (let b = 0; b < B; b++) for (let j = cp[b]; j < cp[b + 1]; j++) v[b * I + cc[j]] = 1; });
      const T = dense((_, __, v) => { for (let b = 0; b < B; b++) for (let j = cp[b]; j < cp[b + 1]; j++) v[b * I + cc[j]] = tg[j]; });
      const z = a.f32(B * Hd), r = a.f32(B * I), dr = a.f32(B * I), dz = a.f32(B * Hd);
      a.f32View(z, B * Hd).fill(0);
      k.bias_add(z, s.b_enc.ptr, B, Hd);
      k.embedding_gather_add(z, s.V.ptr, pu, B, Hd);
      k.gemm_nn(z, X, s.W_enc.ptr, B, Hd, I, 1, 1, c.gemmWork);
      k.sigmoid_forward(z, z, B * Hd);
      k.gemm_nt(r, z, s.W_dec.ptr, B, I, Hd, 1, 0, c.gemmWork);
      k.bias_add(r, s.b_dec.ptr, B, I);
      k.sigmoid_forward(r, r, B * I);
      const scale = Math.fround(Math.fround(1 / total) / (B * I));
      const denseLoss = k.masked_mse_forward(r, T, M, B * I, scale);
      k.masked_mse_backward(dr, r, T, M, B * I, scale);
      k.sigmoid_backward(dr, dr, r, B * I);
      k.gemm_tn(s.W_dec.grad, dr, z, I, Hd, B, 1, 1, c.gemmWork);
      k.column_sums(s.b_dec.grad, dr, B, I);
      k.gemm_nn(dz, dr, s.W_dec.ptr, B, Hd, I, 1, 0, c.gemmWork);
      k.sigmoid_backward(dz, dz, z, B * Hd);
      k.gemm_tn(s.W_enc.grad, X, dz, I, Hd, B, 1, 1, c.gemmWork);
      k.column_sums(s.b_enc.grad, dz, B, Hd);
      k.embedding_scatter_add(s.V.grad, dz, pu, B, Hd);
      assert.ok(Math.abs(denseLoss - sparseLoss) <= 1e-6 * Math.abs(denseLoss), `loss: dense ${denseLoss} vs sparse ${sparseLoss}`);
      grads(c, m, names).forEach((g, i) => {
        const sc = g.reduce((mx, x) => Math.max(mx, Math.abs(x)), 0);
        let worst = 0;
        g.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - sparse[i][j]) / sc)));
        assert.ok(worst < 1e-5, `${names[i]}: dense and sparse gradients differ by ${worst.toExponential(2)} of the largest`);
      });
    });
  });

  t("lazy Adam moves only the rows the step's gradient touched, and every other tensor densely", async () => {
    const c = await core(flavour);
    await scoped(c, () => {
      const d = synthetic({ users: 30, items: 80, interactions: 4, factors: 3, noise: 0.2, seed: 5 });
      const cfg = resolveConfig({ hidden: [6, 4, 3], epochs: [1, 1, 1], negatives: 6, batchSize: 4, corruption: 0.3 });
      const m = new AelModel(c, { users: d.users, items: d.items, hidden: cfg.hidden });
      m.init(2);
      const rng = rngSlab(c, 4, 2);
      const tr = uploadCsr(c, d.train);
      const st = new Stage0(m, tr, cfg, rng.ptr);
      const adam = new Adam(m.store, "sub.0", 1e-2, cfg.beta1, cfg.beta2, cfg.eps, st.lazyTensors(), st.fusedTensors());
      const batches = [[3, 17, 8, 25], [1, 8, 20, 29]];
      const before = (n: string) => Float32Array.from(m.store.view(n));
      const names = ["sub.0.W_enc", "sub.0.W_dec", "sub.0.V", "sub.0.b_enc", "sub.0.b_dec"];
      for (let step = 0; step < 2; step++) {
        const old = names.map(before);
        const users = Int32Array.from(batches[step]);
        const draws = replayDraws(c, tr, cfg, d.items, users, rng.save());
        st.step(users, 0, 4, adam);
        adam.step();
        // what the gradients touch: the corrupted input's items, the mask's columns, the users
        const items = new Set(draws.items), inBatch = new Set(batches[step]);
        assert.ok(items.size > 0 && items.size < d.items && draws.columns.length > items.size && draws.columns.length < d.items, "some rows of each item tensor are touched, not all");
        const touched = [items, new Set(draws.columns), inBatch];
        names.slice(0, 3).forEach((n, i) => {
          const now = m.store.view(n), H = m.store.get(n).shape[1];
          for (let r = 0; r < now.length / H; r++) {
            const moved = now.subarray(r * H, (r + 1) * H).some((x, h) => x !== old[i][r * H + h]);
            assert.is(moved, touched[i].has(r), `${n} row ${r} ${touched[i].has(r) ? "has a gradient and must move" : "has no gradient and must stay"}`);
          }
        });
        // the biases follow dense Adam: every entry with a first moment moves, gradient or not
        names.slice(3).forEach((n, i) => {
          const p = m.store.get(n), mom = c.arena.f32View(p.m, p.length);
          m.store.view(n).forEach((x, j) => assert.is(x !== old[3 + i][j], mom[j] !== 0, `${n}[${j}] is updated densely`));
        });
        assert.ok(c.arena.f32View(m.store.grad, m.store.size).every((x) => x === 0), "every gradient is consumed");
      }
    });
  });

  // 80 items: a batch's input reads a quarter of W_enc's rows, which then take dense steps; 160: fewer, so W_enc defers them too
  for (const [lazyAdam, items] of [[false, 80], [false, 160], [true, 80]] as const)
    t(`stage 0 with Adam updates W_dec, b_dec, W_enc and V in its passes exactly as a separate Adam step would${lazyAdam ? " (lazy Adam)" : `, also with ${items === 80 ? "V's rows" : "V's and W_enc's rows"} outside the batch caught up later`}`, async () => {
      const c = await core(flavour);
      await scoped(c, () => {
        const d = synthetic({ users: 30, items, interactions: 5, factors: 3, noise: 0.2, seed: 6 });
        const cfg = resolveConfig({ hidden: [7, 4, 3], epochs: [1, 1, 1], negatives: 9, batchSize: 5, corruption: 0.2 });
        const tr = uploadCsr(c, d.train);
        // the last batch holds one user three times: V's row takes the sum of their gradients
        const batches = [[3, 17, 8, 25, 0], [1, 8, 20, 29, 4], [2, 3, 11, 12, 13], [17, 21, 22, 5, 6], [9, 4, 9, 1, 9]];
        // deferred: V's rows outside a batch take their steps when next read or at a flush
        const run = (inPass: boolean, deferred = false) => {
          const m = new AelModel(c, { users: d.users, items: d.items, hidden: cfg.hidden });
          m.init(4);
          const rng = rngSlab(c, 5, 2);
          const st = new Stage0(m, tr, cfg, rng.ptr);
          const lazy = lazyAdam ? st.lazyTensors() : [];
          const adam = new Adam(m.store, "sub.0", 1e-2, cfg.beta1, cfg.beta2, cfg.eps, lazy, inPass ? st.fusedTensors() : [], deferred ? st.deferredTensors() : []);
          for (const [i, b] of batches.entries()) {
            const users = Int32Array.from(b);
            if (inPass) {
              st.step(users, 0, 5, adam);
              adam.step();
              if (i === 2 || i === batches.length - 1) adam.flush();
            } else {
              // the rows each lazy tensor's gradient touches: W_enc the input's items, W_dec the mask's columns, V the users
              const draws = replayDraws(c, tr, cfg, d.items, users, Uint32Array.from(c.arena.u32View(rng.ptr, 4)));
              st.step(users, 0, 5);
              const rows = [draws.items, draws.columns, [...new Set(b)].sort((x, y) => x - y)].map((r): [number, number] => {
                const p = c.arena.alloc(4 * r.length);
                c.arena.i32View(p, r.length).set(r);
                return [p, r.length];
              });
              adam.step(lazyAdam ? rows : []);
            }
          }
          return [...m.store.params.values()].filter((p) => p.name.startsWith("sub.0.")).map((p) => [p.name, Array.from(m.store.view(p.name))] as const);
        };
        const separate = run(false), inPass = run(true);
        separate.forEach(([name, v], i) => assert.equal(v, inPass[i][1], `${name} differs`));
        if (!lazyAdam) {
          const st = new Stage0(new AelModel(c, { users: d.users, items: d.items, hidden: cfg.hidden }), tr, cfg, rngSlab(c, 5, 2).ptr);
          assert.equal(st.deferredTensors().map((p) => p.name), items === 80 ? ["sub.0.V"] : ["sub.0.V", "sub.0.W_enc"], "deferred tensors");
          const deferred = run(true, true);
          separate.forEach(([name, v], i) => assert.equal(v, deferred[i][1], `${name} differs with V's steps deferred`));
        }
      });
    });

  // short skips, and rows that skip hundreds of steps (their catch-up runs through every phase:
  // full steps, p put while m decays, then v alone)
  const shortSkips = [[3, 17, 8, 25, 0], [1, 8, 20, 29, 4], [2, 3, 11, 12, 13], [17, 21, 22, 5, 6], [9, 4, 27, 1, 16]];
  const longSkips = [[0, 1, 2, 3, 4], ...Array.from({ length: 600 }, (_, i) => [5, 6, 7, 8, 9].map((u) => u + 5 * (i % 5))), [0, 1, 2, 3, 4], [5, 0, 9, 2, 7]];
  for (const [skips, batches, hidden, flushAt] of [["short", shortSkips, [7, 4, 3], [1]], ["long", longSkips, [7, 13, 3], [300]]] as const)
    t(`stage 1 with V's rows outside the batch caught up later equals dense Adam step by step, bit for bit (${skips} skips)`, async () => {
      const c = await core(flavour);
      await scoped(c, () => {
        const d = synthetic({ users: 30, items: 80, interactions: 5, factors: 3, noise: 0.2, seed: 6 });
        const tr = uploadCsr(c, d.train);
        const run = (deferred: boolean) => {
          const m = new AelModel(c, { users: d.users, items: d.items, hidden: [...hidden] });
          m.init(4);
          const st = new StageDeep(m, 1, encodeAllUsers(m, tr, 0), 5);
          const adam = new Adam(m.store, "sub.1", 1e-2, 0.9, 0.999, 1e-8, [], [], deferred ? st.deferredTensors() : []);
          for (const [i, b] of batches.entries()) {
            st.step(Int32Array.from(b), 0, 5, adam);
            adam.step(adam.takesRows ? st.touchedRows() : []);
            if (deferred && ((flushAt as readonly number[]).includes(i) || i === batches.length - 1)) adam.flush();
          }
          const bits = (slab: number) => Array.from(new Uint32Array(m.store.groupView(slab, "sub.1").slice().buffer));
          return { params: [...m.store.params.values()].filter((p) => p.name.startsWith("sub.1.")).map((p) => [p.name, Array.from(m.store.view(p.name))] as const), m: bits(m.store.m), v: bits(m.store.v) };
        };
        const dense = run(false), deferred = run(true);
        dense.params.forEach(([name, v], i) => assert.equal(v, deferred.params[i][1], `${name} differs`));
        // the moments too: m's last bits no longer reach p once m is tiny
        assert.equal(dense.m, deferred.m, "Adam's m differs");
        assert.equal(dense.v, deferred.v, "Adam's v differs");
      });
    });

  t("expert outputs: the shared last decoder over the stacked experts equals each expert decoded alone, in any batch; the likelihood weights are their 1/MSE", async () => {
    const c = await core(flavour);
    await scoped(c, () => {
      const d = synthetic({ users: 13, items: 37, interactions: 6, factors: 3, noise: 0.3, seed: 5 });
      for (const hidden of [[16, 8, 4], [16, 8, 6, 4]]) {
        const m = new AelModel(c, { users: d.users, items: d.items, hidden });
        m.init(7);
        const U = d.users, I = d.items;
        const rows = new BatchRows(c, uploadCsr(c, d.train), U);
        rows.load(Int32Array.from({ length: U }, (_, u) => u));
        const fwd = new ExpertForward(m, U);
        const X = c.arena.f32View(fwd.experts(rows), m.experts * U * I).slice();
        // each expert on its own: decode_0(decode_1(… decode_e(z_e)))
        const out = c.arena.f32(U * I);
        for (let e = 0; e < m.experts; e++) {
          let r = fwd.z[e];
          for (let s = e; s >= 1; s--) {
            const next = c.arena.f32(U * m.subs[s].n);
            fwd.decode(s, next, r, U);
            r = next;
          }
          fwd.decode(0, out, r, U);
          assert.equal(Array.from(c.arena.f32View(out, U * I)), Array.from(X.subarray(e * U * I, (e + 1) * U * I)), `${hidden}: expert ${e}`);
          // expertAlone (what early stopping scores) gives the same block
          const single = new ExpertForward(m, U);
          assert.equal(Array.from(c.arena.f32View(single.expertAlone(rows, e), U * I)), Array.from(X.subarray(e * U * I, (e + 1) * U * I)), `${hidden}: expertAlone(${e})`);
        }
        // one user at a time (how recommend runs): that user's rows of the whole batch
        const one = new BatchRows(c, rows.source, 1), alone = new ExpertForward(m, 1);
        for (const u of [0, 6, U - 1]) {
          one.load([u]);
          const Xu = c.arena.f32View(alone.experts(one), m.experts * I);
          for (let e = 0; e < m.experts; e++) assert.equal(Array.from(Xu.subarray(e * I, (e + 1) * I)), Array.from(X.subarray((e * U + u) * I, (e * U + u + 1) * I)), `${hidden}: user ${u}, expert ${e}`);
        }
        // the likelihood variant's weights: normalised 1/MSE of each expert's outputs against x
        const users = Int32Array.from({ length: U }, (_, u) => u).filter((u) => d.train.rowptr[u + 1] > d.train.rowptr[u]);
        const sse = new Array(m.experts).fill(0);
        for (const u of users) {
          const x = new Uint8Array(I);
          for (let j = d.train.rowptr[u]; j < d.train.rowptr[u + 1]; j++) x[d.train.cols[j]] = 1;
          for (let e = 0; e < m.experts; e++) for (let i = 0; i < I; i++) sse[e] += (X[(e * U + u) * I + i] - x[i]) ** 2;
        }
        const inv = sse.map((v) => 1 / v), total = inv.reduce((a, b) => a + b, 0);
        const weights = likelihoodWeights(expertErrorsAllUsers(m, rows.source), users, m.experts, I);
        weights.forEach((w, e) => assert.ok(Math.abs(w - inv[e] / total) < 1e-12, `${hidden}: likelihood weight ${e} ${w} against ${inv[e] / total}`));
      }
    });
  });

  t("same seed, same weights; another seed, other weights", async () => {
    const c = await core(flavour);
    const d = tiny();
    const opts = { core: c, hidden: [6, 4, 3], epochs: [3, 2, 2], gateEpochs: 2, batchSize: 4, negatives: 8 };
    const sums: string[] = [];
    for (const seed of [1, 1, 2]) {
      const mark = c.arena.mark();
      sums.push((await train(d, { ...opts, seed })).recommender.weightsChecksum());
      c.arena.reset(mark);
    }
    assert.is(sums[0], sums[1]);
    assert.is.not(sums[0], sums[2]);
  });

  t("one level or four: the model trains, with as many experts, and with one every variant ranks as it does", async () => {
    const c = await core(flavour);
    const d = tiny();
    for (const hidden of [[6], [6, 5, 4, 3]]) {
      const mark = c.arena.mark();
      const { recommender } = await train(d, { core: c, hidden, epochs: hidden.map(() => 2), gateEpochs: 2, batchSize: 4, negatives: 8 });
      const { variants } = recommender.evaluate(d.test);
      const experts = hidden.map((_, e) => `expert_${e}`);
      assert.equal(Object.keys(variants), [...experts, "average", "likelihood", ...hidden.map((_, k) => `gate_k${k + 1}`)]);
      for (const v of Object.values(variants)) for (const x of Object.values(v)) assert.ok(Number.isFinite(x));
      if (hidden.length === 1) for (const name of Object.keys(variants)) assert.equal(variants[name], variants.expert_0, `${name} is the one expert`);
      c.arena.reset(mark);
    }
  });

  t("a tiny data set is overfit: losses fall and every expert ranks training items first", async () => {
    const c = await core(flavour);
    const d = synthetic({ users: 8, items: 16, interactions: 4, factors: 2, noise: 0, seed: 2 });
    const mark = c.arena.mark();
    const res = await train(d, { core: c, hidden: [12, 8, 4], epochs: [400, 300, 300], gateEpochs: 20, batchSize: 4, negatives: 16, lr: 2e-2, seed: 3 });
    for (const [stage, curve] of Object.entries(res.losses)) {
      if (stage === "gate") continue;
      assert.ok(curve[curve.length - 1] < curve[0] / 5, `${stage}: loss ${curve[0]} → ${curve[curve.length - 1]}`);
    }
    // reconstruction of the training rows: positives must outscore non-interactions
    const rec = res.recommender, m = rec.model;
    const rows = new BatchRows(c, rec.wasmTrain, d.users);
    rows.load(Int32Array.from({ length: d.users }, (_, u) => u));
    const X = new ExpertForward(m, d.users).experts(rows);
    for (let e = 0; e < m.experts; e++) {
      const out = c.arena.f32View(X + e * d.users * d.items * 4, d.users * d.items);
      let good = 0, pairs = 0;
      for (let u = 0; u < d.users; u++) {
        const pos = new Set(Array.from(d.train.cols.subarray(d.train.rowptr[u], d.train.rowptr[u + 1])));
        for (const p of pos) for (let i = 0; i < d.items; i++) if (!pos.has(i)) {
          pairs++;
          if (out[u * d.items + p] > out[u * d.items + i]) good++;
        }
      }
      assert.ok(good / pairs > 0.97, `expert ${e}: training AUC ${(good / pairs).toFixed(3)}`);
    }
    c.arena.reset(mark);
  });

  t.run();
}
