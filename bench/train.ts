// End-to-end benchmarks in one process: the dense CDAE step in ael-wasm and in TensorFlow.js
// (wasm backend), the stage-0 step as AEL runs it, the whole reference schedule on MovieLens-100K,
// an Adressa-sized stage-0 epoch (with and without lazy Adam), recommendation latency, and dense
// Adam on a large embedding, every row every step against skipped steps caught up.
// Every ael-wasm figure is taken on 1 thread and on all cores. Writes bench/results/train.json.
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import { availableParallelism } from "node:os";
import { createCore, type Core } from "../bindings/index.js";
import { Rng, seedState } from "../bindings/rng.js";
import { lowerBound } from "../bindings/search.js";
import { train } from "../src/api.js";
import { csrFromPairs } from "../src/data/csr.js";
import type { Dataset } from "../src/data/dataset.js";
import { loadDataSpec } from "../src/data/spec.js";
import { AelModel } from "../src/model/ael.js";
import { uploadCsr } from "../src/model/forward.js";
import { Adam } from "../src/train/adam.js";
import { resolveConfig } from "../src/train/config.js";
import { Stage0 } from "../src/train/stage0.js";
import { stageAdam } from "../src/train/trainer.js";
import { adamCatchUpTasks, adamStep, biasAdd, gemm, maskedMseBackward, runTasks, sigmoidBackward, sigmoidForward, spmmBackward, spmmForward } from "../bindings/parallel.js";
import { tfjsWasm } from "./tfjs.js";

const ML = "../shared/data/ml-100k";
const out: Record<string, unknown> = {};
const log = (...a: unknown[]) => console.log(...a);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Milliseconds of each call of each function, their calls taken in turn so that every one sees the same phases of a shared machine. */
function samplesTogether(fns: (() => void)[], warm: number, reps: number): number[][] {
  for (let i = 0; i < warm; i++) for (const fn of fns) fn();
  const ts: number[][] = fns.map(() => []);
  for (let i = 0; i < reps; i++)
    fns.forEach((fn, f) => {
      const t0 = performance.now();
      fn();
      ts[f].push(performance.now() - t0);
    });
  return ts;
}

/** Median milliseconds per call of each function, timed in turn (samplesTogether). */
const timeTogether = (fns: (() => void)[], warm = 5, reps = 30): number[] => samplesTogether(fns, warm, reps).map(median);

const timeIt = (fn: () => void, warm = 5, reps = 30): number => timeTogether([fn], warm, reps)[0];

// ---- the dense CDAE step: batch 256, 1682 items, hidden 128, 943 users, Adam ----------------
// Every step computes the dense masked loss over all 1682 items and its exact gradients. ael-wasm
// is timed twice: as the library runs it, the binary input through the sparse-input encoder
// kernels (spmm_forward, spmm_backward), and with every product a dense GEMM, as TF.js does.
const U = 943, I = 1682, H = 128, B = 256;
const rng = Rng.seeded(1);
const X = new Float32Array(B * I), M = new Float32Array(B * I);
for (let b = 0; b < B; b++) for (let i = 0; i < I; i++) {
  const r = rng.uniform();
  if (r < 0.05) X[b * I + i] = M[b * I + i] = 1;
  else if (r < 0.2) M[b * I + i] = 1;
}
const users = Int32Array.from({ length: B }, () => rng.int(U));
const inputPairs = { users: [] as number[], items: [] as number[] };
for (let b = 0; b < B; b++) for (let i = 0; i < I; i++) if (X[b * I + i]) inputPairs.users.push(b), inputPairs.items.push(i);

type Encoder = "sparse" | "gemm";
interface CdaeStep { forwardBackward(): void; step(): void; encoderGrad(): Float32Array }

function aelDenseStep(c: Core, encoder: Encoder): CdaeStep {
  const a = c.arena, k = c.kernels;
  const m = new AelModel(c, { users: U, items: I, hidden: [H] });
  m.init(1);
  const s = m.subs[0];
  const pX = a.f32(B * I), pM = a.f32(B * I), pu = a.alloc(B * 4), z = a.f32(B * H), r = a.f32(B * I), dr = a.f32(B * I), dz = a.f32(B * H);
  const x = uploadCsr(c, csrFromPairs(B, inputPairs.users, inputPairs.items).csr, "CDAE input rows");
  a.f32View(pX, B * I).set(X);
  a.f32View(pM, B * I).set(M);
  a.i32View(pu, B).set(users);
  const adam = new Adam(m.store, "sub.0", 5e-4, 0.9, 0.999, 1e-8);
  const sumM = M.reduce((x, y) => x + y, 0);
  const forwardBackward = () => {
    a.f32View(z, B * H).fill(0);
    k.bias_add(z, s.b_enc.ptr, B, H);
    k.embedding_gather_add(z, s.V.ptr, pu, B, H);
    if (encoder === "sparse") spmmForward(c, z, s.W_enc.ptr, x.rowptr, x.cols, B, H);
    else gemm(c, "nn", z, pX, s.W_enc.ptr, B, H, I, 1, 1);
    k.sigmoid_forward(z, z, B * H);
    gemm(c, "nt", r, z, s.W_dec.ptr, B, I, H, 1, 0);
    biasAdd(c, r, s.b_dec.ptr, B, I);
    sigmoidForward(c, r, r, B * I);
    const scale = 1 / (B * I) / sumM;
    k.masked_mse_forward(r, pX, pM, B * I, scale);
    maskedMseBackward(c, dr, r, pX, pM, B * I, scale);
    sigmoidBackward(c, dr, dr, r, B * I);
    gemm(c, "tn", s.W_dec.grad, dr, z, I, H, B, 1, 1);
    k.column_sums(s.b_dec.grad, dr, B, I);
    gemm(c, "nn", dz, dr, s.W_dec.ptr, B, H, I, 1, 0);
    k.sigmoid_backward(dz, dz, z, B * H);
    if (encoder === "sparse") spmmBackward(c, s.W_enc.grad, dz, x.rowptr, x.cols, B, I, H);
    else gemm(c, "tn", s.W_enc.grad, pX, dz, I, H, B, 1, 1);
    k.column_sums(s.b_enc.grad, dz, B, H);
    k.embedding_scatter_add(s.V.grad, dz, pu, B, H);
  };
  return {
    forwardBackward,
    step: () => {
      forwardBackward();
      adam.step();
    },
    encoderGrad: () => a.f32View(s.W_enc.grad, I * H).slice(),
  };
}

// The two encoder forms must agree before either is timed: W_enc's gradient after one step's
// forward and backward, from the same initial weights.
function checkEncodersAgree(c: Core): void {
  const [gs, gg] = (["sparse", "gemm"] as Encoder[]).map((e) => {
    const s = aelDenseStep(c, e);
    s.forwardBackward();
    return s.encoderGrad();
  });
  let maxErr = 0, maxAbs = 0;
  for (let i = 0; i < gs.length; i++) maxErr = Math.max(maxErr, Math.abs(gs[i] - gg[i])), maxAbs = Math.max(maxAbs, Math.abs(gg[i]));
  if (!(maxAbs > 0) || maxErr > 1e-5 * maxAbs) throw new Error(`CDAE step: sparse-input and GEMM encoders disagree (max |Δ| ${maxErr} at gradient scale ${maxAbs})`);
  log(`CDAE step: sparse-input and GEMM encoders give the same W_enc gradient (max |Δ| ${maxErr.toExponential(2)}, gradient scale ${maxAbs.toExponential(2)})`);
}

async function tfjsDenseStep(): Promise<() => void> {
  const tf = await tfjsWasm();
  const Wenc = tf.variable(tf.randomUniform([I, H], -1 / Math.sqrt(I), 1 / Math.sqrt(I)));
  const benc = tf.variable(tf.zeros([H]));
  const V = tf.variable(tf.randomNormal([U, H]));
  const Wdec = tf.variable(tf.randomUniform([H, I], -1 / Math.sqrt(H), 1 / Math.sqrt(H)));
  const bdec = tf.variable(tf.zeros([I]));
  const x = tf.tensor2d(X, [B, I]), mask = tf.tensor2d(M, [B, I]);
  // tfjs-backend-wasm has no gradient for gather: the user embedding is one-hot · V
  const onehot = tf.cast(tf.oneHot(tf.tensor1d(users, "int32"), U), "float32");
  const sumM = M.reduce((a, b) => a + b, 0);
  const opt = tf.train.adam(5e-4, 0.9, 0.999, 1e-8);
  return () => {
    const cost = opt.minimize(() => {
      const z = tf.sigmoid(tf.add(tf.add(tf.matMul(x, Wenc), benc), tf.matMul(onehot, V)));
      const y = tf.mul(tf.sigmoid(tf.add(tf.matMul(z, Wdec), bdec)), mask);
      return tf.div(tf.mean(tf.square(tf.sub(y, x))), sumM) as import("@tensorflow/tfjs-core").Scalar;
    }, true);
    cost!.dataSync();
    cost!.dispose();
  };
}

const ALL = availableParallelism();
/** Steps timed per configuration: a few seconds in all, so that a short busy phase of the machine moves neither figure much. */
const CDAE_STEPS = 120;
{
  const one = await createCore({ threads: 1 }), all = await createCore({ threads: ALL });
  checkEncodersAgree(one);
  const t: Record<string, number> = {}, fastest: Record<string, number> = {};
  // 1 thread and all threads in turn: their ratio is then not the ratio of two phases of the machine
  for (const e of ["sparse", "gemm"] as Encoder[]) {
    const samples = samplesTogether([aelDenseStep(one, e).step, aelDenseStep(all, e).step], 5, CDAE_STEPS);
    [t[`${e}_1t`], t[`${e}_all`]] = samples.map(median);
    [fastest[`${e}_1t`], fastest[`${e}_all`]] = samples.map((xs) => Math.min(...xs));
  }
  const tfjs = timeIt(await tfjsDenseStep(), 3, 15);
  out.cdae_step_ms = { ael_1t: t.sparse_1t, ael_all: t.sparse_all, tfjs_wasm: tfjs, ael_gemm_1t: t.gemm_1t, ael_gemm_all: t.gemm_all };
  out.cdae_step_fastest_ms = { ael_1t: fastest.sparse_1t, ael_all: fastest.sparse_all, ael_gemm_1t: fastest.gemm_1t, ael_gemm_all: fastest.gemm_all };
  log(`dense CDAE step (batch ${B}, ${I} items, hidden ${H}, Adam); TF.js-wasm ${tfjs.toFixed(2)} ms`);
  for (const [e, label] of [["sparse", "sparse-input encoder (as ael-wasm runs it)"], ["gemm", "every product a GEMM"]]) {
    log(`  ael-wasm, ${label}: ${t[`${e}_1t`].toFixed(2)} ms (1 thread), ${t[`${e}_all`].toFixed(2)} ms (${ALL} threads) → ${(tfjs / t[`${e}_all`]).toFixed(1)}× TF.js-wasm; threads ${(t[`${e}_1t`] / t[`${e}_all`]).toFixed(2)}×`);
    log(`    fastest of the ${CDAE_STEPS} steps: ${fastest[`${e}_1t`].toFixed(2)} ms (1 thread), ${fastest[`${e}_all`].toFixed(2)} ms (${ALL} threads); threads ${(fastest[`${e}_1t`] / fastest[`${e}_all`]).toFixed(2)}×`);
  }
}

// ---- the stage-0 step as AEL runs it (sparse input, sampled decoder, dense Adam) ------------
/** Steps per window of the fastest-window figure: what the step costs when the machine is quiet. */
const WINDOW = 100;

async function stage0Epoch(data: Dataset, lazyAdam: boolean, epochs = 1, threads = ALL): Promise<{ seconds: number; steps: number; fastestWindowMs: number; wasmBytes: number; rss: number }> {
  const core = await createCore({ threads });
  const cfg = resolveConfig({ lazyAdam });
  const m = new AelModel(core, { users: data.users, items: data.items, hidden: cfg.hidden });
  m.init(1);
  const st = core.arena.alloc(16);
  core.arena.u32View(st, 4).set(seedState(1, 2));
  const s0 = new Stage0(m, uploadCsr(core, data.train), cfg, st);
  // the trainer's stage-0 Adam; each epoch ends with the deferred rows' steps, as in training
  const adam = stageAdam(m, "sub.0", cfg.lr, cfg, s0);
  const perm = Int32Array.from({ length: data.users }, (_, u) => u);
  const shuffle = Rng.seeded(1, 1);
  let steps = 0;
  let rss = process.memoryUsage().rss;
  const t0 = performance.now();
  let window0 = t0, fastestWindowMs = Infinity;
  for (let e = 0; e < epochs; e++) {
    shuffle.shuffle(perm);
    for (let s = 0; s < data.users; s += cfg.batchSize) {
      const b = Math.min(cfg.batchSize, data.users - s);
      s0.step(perm, s, b, adam);
      adam.step();
      steps++;
      if ((steps & 1023) === 0) rss = Math.max(rss, process.memoryUsage().rss);
      if (steps % WINDOW === 0) {
        const now = performance.now();
        fastestWindowMs = Math.min(fastestWindowMs, (now - window0) / WINDOW);
        window0 = now;
      }
    }
    adam.flush();
  }
  const seconds = (performance.now() - t0) / 1000 / epochs;
  return { seconds, steps: steps / epochs, fastestWindowMs, wasmBytes: core.memory.buffer.byteLength, rss: Math.max(rss, process.memoryUsage().rss) };
}

if (existsSync(ML)) {
  const ml = await loadDataSpec(`ml100k:${ML}`);
  const step: Record<string, number> = {}, fastest: Record<string, number> = {};
  for (const [name, threads] of [["1t", 1], ["all", ALL]] as const) {
    const r = await stage0Epoch(ml, false, 20, threads);
    step[name] = (r.seconds * 1000) / r.steps;
    fastest[name] = r.fastestWindowMs;
  }
  out.stage0_step_ms = step;
  out.stage0_step_fastest_window_ms = fastest;
  log(`stage-0 step on ML-100K (batch 32, sparse input, sampled decoder, dense Adam over 553k): ${step["1t"].toFixed(3)} ms (1 thread), ${step.all.toFixed(3)} ms (${ALL} threads); fastest ${WINDOW}-step window ${fastest["1t"].toFixed(3)} / ${fastest.all.toFixed(3)} ms per step`);

  const full: Record<string, number> = {}, stages: Record<string, Record<string, number>> = {};
  let rec: import("../src/recommender.js").Recommender | undefined;
  for (const [name, threads] of [["1t", 1], ["all", ALL]] as const) {
    const t0 = performance.now();
    const res = await train(ml, { seed: 1, core: await createCore({ threads }) });
    full[name] = (performance.now() - t0) / 1000;
    stages[name] = res.timings;
    const ev = res.recommender.evaluate(ml.test);
    log(`ML-100K reference schedule, ${threads} thread(s): ${full[name].toFixed(1)} s (${Object.entries(res.timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}); gate_k2 Recall@20 ${ev.variants.gate_k2["recall@20"].toFixed(4)}, weights ${res.recommender.weightsChecksum()}`);
    rec = res.recommender;
  }
  out.ml100k_full_s = full;
  out.ml100k_stages_s = stages;
  if (!rec) throw new Error("unreachable");
  const history = Array.from(ml.train.cols.subarray(ml.train.rowptr[0], ml.train.rowptr[1]));
  out.recommend_ms = timeIt(() => rec.recommend({ items: history }, 20), 20, 200);
  log(`recommend: top-20 for one history with the gated ensemble: ${(out.recommend_ms as number).toFixed(3)} ms per call`);
}

// ---- Adressa-sized stage-0 epoch: 212,231 users × 6,596 items, ~1M interactions --------------
function adressaLike(users: number): Dataset {
  const items = 6596, r = Rng.seeded(7, 9);
  // popularity ∝ 1/(rank+10): a heavy head like news clicks
  const cdf = new Float64Array(items);
  let acc = 0;
  for (let i = 0; i < items; i++) cdf[i] = acc += 1 / (i + 10);
  const us: number[] = [], is: number[] = [];
  for (let u = 0; u < users; u++) {
    const n = 1 + Math.floor(-Math.log(1 - r.uniform()) * 4);
    for (let j = 0; j < n; j++) {
      us.push(u);
      is.push(lowerBound(cdf, r.uniform() * acc, 0, items - 1));
    }
  }
  const train = csrFromPairs(users, us, is).csr;
  return { name: `adressa-like(${users})`, users, items, train, test: csrFromPairs(users, [], []).csr };
}

{
  const full = 212231;
  const sizes = [Math.round(full / 4), Math.round(full / 2), full];
  const res = { users: sizes, seconds: [] as number[], fastest_window_step_ms: [] as number[], wasm_bytes: [] as number[], rss_bytes: [] as number[], interactions: [] as number[], option: "lazyAdam" };
  for (const n of sizes) {
    const d = adressaLike(n);
    const r = await stage0Epoch(d, true);
    res.seconds.push(r.seconds);
    res.fastest_window_step_ms.push(r.fastestWindowMs);
    res.wasm_bytes.push(r.wasmBytes);
    res.rss_bytes.push(r.rss);
    res.interactions.push(d.train.cols.length);
    log(`Adressa-like stage-0 epoch, lazy Adam, ${ALL} threads: ${n} users, ${d.train.cols.length} interactions, ${r.steps} steps: ${r.seconds.toFixed(1)} s (fastest ${WINDOW}-step window ${r.fastestWindowMs.toFixed(3)} ms per step), Wasm memory ${(r.wasmBytes / 2 ** 20).toFixed(0)} MiB, peak RSS ${(r.rss / 2 ** 20).toFixed(0)} MiB`);
  }
  out.adressa_epoch = { ...res, threads: ALL };
  const d = adressaLike(sizes[0]);
  const dense = await stage0Epoch(d, false);
  out.adressa_epoch_dense = { users: sizes[0], seconds: dense.seconds, wasm_bytes: dense.wasmBytes, rss_bytes: dense.rss, threads: ALL };
  log(`Adressa-like stage-0 epoch, dense Adam (the release's behaviour), ${ALL} threads: ${sizes[0]} users: ${dense.seconds.toFixed(1)} s`);
}

// ---- dense Adam on a large user embedding: every row every step, or skipped steps caught up ----
// ModCloth's stage-0 embedding (44,784 × 128): adam_step over it once against adam_catch_up of
// every row over K skipped steps (the same arithmetic, each row held in registers), per
// parameter and step, on 1 thread and on all. Two skips: 20 steps, every one taken in full, and
// an epoch of ModCloth's (1,400 steps, on 4,096 rows), long enough for the steps that cannot move
// a weight to drop their square root and division. Every catch-up starts from the same moments.
{
  const R = 44784, n = R * H, LONG_ROWS = 4096, LONG_STEPS = 1400;
  const setup = async (threads: number) => {
    const c = await createCore({ threads }), a = c.arena;
    const [p, g, m, v] = [0, 1, 2, 3].map(() => a.f32(n));
    const last = a.alloc(R * 4), table = a.f32(2 * LONG_STEPS);
    a.f32View(table, 2 * LONG_STEPS).set(Array.from({ length: 2 * LONG_STEPS }, (_, i) => (i & 1 ? 1 / Math.sqrt(1 - 0.999 ** (100 + (i >> 1))) : 5e-4 / (1 - 0.9 ** (100 + (i >> 1))))));
    const fresh = () => {
      a.f32View(p, n).fill(0.1);
      a.f32View(m, n).fill(1e-10);
      a.f32View(v, n).fill(1e-19);
      a.f32View(g, n).fill(0);
      a.i32View(last, R).fill(0);
    };
    const timed = (fn: () => void) => {
      fresh();
      const t0 = performance.now();
      fn();
      return performance.now() - t0;
    };
    return {
      dense: () => timed(() => adamStep(c, p, g, m, v, n, 5e-4, 0.9, 0.999, 1.5, 1e-8)),
      catchUp: (rows: number, K: number) => timed(() => runTasks(c, adamCatchUpTasks(c, p, m, v, last, 0, rows, H, K, table, 0, 0.9, 0.999, 1e-8))),
    };
  };
  const one = await setup(1), all = await setup(ALL);
  const runs: [string, () => number, number][] = [
    ["dense_1t", one.dense, n], ["catch_up_1t", () => one.catchUp(R, 20), n * 20], ["long_skip_1t", () => one.catchUp(LONG_ROWS, LONG_STEPS), LONG_ROWS * H * LONG_STEPS],
    ["dense_all", all.dense, n], ["catch_up_all", () => all.catchUp(R, 20), n * 20], ["long_skip_all", () => all.catchUp(LONG_ROWS, LONG_STEPS), LONG_ROWS * H * LONG_STEPS],
  ];
  const times = runs.map((): number[] => []);
  for (let rep = 0; rep < 7; rep++) runs.forEach(([, fn], i) => times[i].push(fn()));
  const ns = Object.fromEntries(runs.map(([name, , paramSteps], i) => [name, (median(times[i].slice(2)) * 1e6) / paramSteps]));
  out.embedding_adam_ns_per_param_step = { rows: R, long_skip: { rows: LONG_ROWS, steps: LONG_STEPS }, ...ns };
  const f = (x: number) => x.toFixed(3);
  log(`dense Adam on a ${R}×${H} embedding, ns per parameter and step: every row every step ${f(ns.dense_1t)} (1 thread), ${f(ns.dense_all)} (${ALL} threads); skipped steps caught up, 20 at a time ${f(ns.catch_up_1t)}, ${f(ns.catch_up_all)} → ${(ns.dense_1t / ns.catch_up_1t).toFixed(2)}×, ${(ns.dense_all / ns.catch_up_all).toFixed(2)}×; 1,400 at a time (${LONG_ROWS} rows) ${f(ns.long_skip_1t)}, ${f(ns.long_skip_all)} → ${(ns.dense_1t / ns.long_skip_1t).toFixed(2)}×, ${(ns.dense_all / ns.long_skip_all).toFixed(2)}×`);
}

const file = new URL("../../bench/results/train.json", import.meta.url).pathname;
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify({ machine: { node: process.version, cpu: (await import("node:os")).cpus()[0]?.model, cores: ALL }, ...out }, null, 2) + "\n");
log(`wrote ${file}`);
process.exit(0); // the pools' idle workers are unref'd, but tfjs keeps handles open
