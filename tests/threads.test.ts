// Kernels split across threads give the weights of one thread, bit for bit.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createCore, relaxedSimdSupported, type Core, type CoreOptions } from "../bindings/index.js";
import { train, type TrainOptions } from "../src/api.js";
import { Recommender } from "../src/recommender.js";
import { synthetic } from "../src/data/synthetic.js";
import { LINE } from "../bindings/arena.js";
import { MAX_ARGS, MAX_TASKS, type Chain, type Task } from "../bindings/pool.js";
import { AelModel } from "../src/model/ael.js";
import { Rng } from "../bindings/rng.js";
import { spmmForward } from "../bindings/parallel.js";
import { getF32, put, randn, randomCsr } from "./helpers.js";

const data = synthetic({ users: 120, items: 700, interactions: 12, seed: 6 });

/**
 * Train `d` on a core of each thread count (with coreOptions), each core looked at by `check`
 * first; returns each run's weight checksum and early-stopping record.
 */
async function trainedOn(threadCounts: number[], d: typeof data, options: TrainOptions, coreOptions: CoreOptions = {}, check?: (core: Core, threads: number) => void) {
  const runs: { sum: string; validation: unknown }[] = [];
  for (const threads of threadCounts) {
    const core = await createCore({ ...coreOptions, threads });
    check?.(core, threads);
    const r = await train(d, { core, ...options });
    runs.push({ sum: r.recommender.weightsChecksum(), validation: r.validation });
    core.pool?.terminate();
  }
  return runs;
}

const SHORT: TrainOptions = { hidden: [64, 16, 4], epochs: [6, 3, 3], gateEpochs: 2, batchSize: 16, seed: 2 };

for (const [what, options] of [["", {}], [" (lazy Adam)", { lazyAdam: true }], [" (early stopping)", { patience: 1, validEvery: 2 }]] as const)
  test(`a short training gives identical weights on 1, 2 and 3 threads${what}`, async () => {
    const runs = await trainedOn([1, 2, 3], data, { ...SHORT, ...options }, {}, (core, threads) => {
      assert.is(core.threads, threads);
      assert.is(!!core.pool, threads > 1);
    });
    const sums = runs.map((r) => r.sum), records = runs.map((r) => r.validation);
    assert.is(sums[1], sums[0], "2 threads");
    assert.is(sums[2], sums[0], "3 threads");
    assert.equal(records[1], records[0], "2 threads' validation checks");
    assert.equal(records[2], records[0], "3 threads' validation checks");
  });

// relaxed SIMD has its own threads build (tests/run.js starts Node with relaxed SIMD enabled)
if (relaxedSimdSupported())
  test("the relaxed flavour runs on several threads and gives the weights of its one thread", async () => {
    const sums = (await trainedOn([1, 2], data, SHORT, { flavour: "relaxed" }, (core, threads) => assert.equal([core.flavour, core.threads], ["relaxed", threads]))).map((r) => r.sum);
    assert.is(sums[1], sums[0]);
  });

// With 4 threads a long kernel is cut into MAX_TASKS tasks. Stage 0 runs the batch's embedding
// catch-up (split once an epoch has taken 16 steps at H = 128 and a batch of 32) beside the
// encoder and the sampling in one call, and the encoder's Adam splits W_enc's rows and V's rows
// in proportion to their counts (all but one task go to W_enc when items far outnumber users):
// both must stay within one call's MAX_TASKS.
for (const [what, users, items] of [["embedding catch-up split", 600, 200], ["items outnumbering users 50 to 1", 40, 2000]] as const)
  test(`stage 0 on 4 threads, where parallel calls fill their ${MAX_TASKS} tasks (${what}), gives the weights of 1 thread`, async () => {
    const d = synthetic({ users, items, interactions: 8, seed: 3 });
    const sums = (await trainedOn([1, 4], d, { hidden: [128, 8, 4], epochs: [2, 1, 1], gateEpochs: 1, seed: 4 })).map((r) => r.sum);
    assert.is(sums[1], sums[0]);
  });

test("evaluation and every user's recommendations, their top-k and ensembles split across threads, rank as on one thread", async () => {
  // 300 users × 900 items: a ranking batch of 256 users holds 230k scores, enough to be split
  const d = synthetic({ users: 300, items: 900, interactions: 10, seed: 8 });
  const one = await createCore({ threads: 1 });
  const { recommender } = await train(d, { core: one, hidden: [32, 8, 4], epochs: [3, 1, 1], gateEpochs: 1, seed: 3 });
  const core = await createCore({ threads: 2 });
  const split = new Set<string>();
  const run = core.pool!.run.bind(core.pool!);
  core.pool!.run = (chains: Chain[]) => {
    for (const c of chains) for (const [kernel] of c) split.add(kernel);
    run(chains);
  };
  const again = Recommender.fromSafetensors(core, recommender.toSafetensors());
  assert.equal(again.evaluate(d.test), recommender.evaluate(d.test));
  const [a, b] = [again, recommender].map((r) => r.recommendAll(20));
  assert.equal(Array.from(a.items), Array.from(b.items));
  assert.equal(Array.from(a.scores), Array.from(b.scores));
  assert.ok(split.has("topk_rows") && split.has("gate_combine_forward"), `split kernels: ${[...split].join(", ")}`);
  core.pool!.terminate();
});

test("the sparse-input encoder split across threads (spmmForward) sums what one thread sums, bit for bit", async () => {
  const [one, two] = [await createCore({ threads: 1 }), await createCore({ threads: 2 })];
  const rng = Rng.seeded(8);
  // 256 rows of ~40 items, H = 128: above the split threshold
  const B = 256, n = 1682, H = 128;
  const { rowptr, cols } = randomCsr(rng, B, n, 80);
  const W = randn(rng, n * H);
  const sums = [one, two].map((c) => {
    const [pOut, pW, pR, pC] = put(c, new Float32Array(B * H), W, rowptr, cols);
    spmmForward(c, pOut, pW, pR, pC, B, H);
    return Array.from(getF32(c, pOut, B * H));
  });
  assert.ok(cols.length * H >= 1 << 20, "the input is large enough to be split");
  assert.equal(sums[1], sums[0]);
  two.pool!.terminate();
});

test("slabs and parameter tensors start on cache lines, so threads writing different ones share none", async () => {
  const core = await createCore({ threads: 1 });
  for (const bytes of [1, 4, 60, 64, 65, 1000]) assert.is(core.arena.alloc(bytes) % LINE, 0, `a slab after one of ${bytes} bytes`);
  const m = new AelModel(core, { users: 7, items: 13, hidden: [5, 3] });
  for (const p of m.store.params.values()) for (const at of [p.ptr, p.grad, p.m, p.v]) assert.is(at % LINE, 0, p.name);
});

test("a parallel call with more tasks than threads runs every task exactly once, call after call", async () => {
  const core = await createCore({ threads: 2 });
  const tasks = MAX_TASKS, N = 8, calls = 300_000;
  const out = core.arena.f32(tasks * N), bias = core.arena.f32(N);
  core.arena.f32View(out, tasks * N).fill(0);
  core.arena.f32View(bias, N).set([1, 2, 3, 4, 5, 6, 7, 8]);
  // bias_add accumulates, so a task run twice or skipped shows in its row's sum; calls of 1, 2
  // or 3 tasks between calls of all of them make a thread late for one call meet a larger next
  // one (a thread that took the next call's task count with the last call's claim counter ran
  // a task twice about once in 10⁵ calls)
  const runs = new Float64Array(tasks);
  for (let c = 0; c < calls; c++) {
    const n = c % 2 ? tasks : 1 + ((c >> 1) % 3);
    core.pool!.run(Array.from({ length: n }, (_, t): Chain => [["bias_add", [out + t * N * 4, bias, 1, N]]]));
    for (let t = 0; t < n; t++) runs[t]++;
  }
  const sums = core.arena.f32View(out, tasks * N);
  for (let t = 0; t < tasks; t++) assert.is(sums[t * N + 1], 2 * runs[t], `task ${t}`);
  core.pool!.terminate();
});

test("a chain's tasks run in order on one thread, every chain once, call after call", async () => {
  const core = await createCore({ threads: 2 });
  const chains = MAX_TASKS / 2, N = 8, calls = 2000;
  const x = core.arena.f32(chains * N), y = core.arena.f32(chains * N), bias = core.arena.f32(N);
  core.arena.f32View(bias, N).set([1, 2, 3, 4, 5, 6, 7, 8]);
  // each chain adds the bias to its row of x, then squashes that row into y: y = σ(x) only if
  // the add came first
  let wrong = 0;
  for (let c = 0; c < calls; c++) {
    const n = c % 2 ? chains : 1;
    core.arena.f32View(x, chains * N).fill(-3);
    core.arena.f32View(y, chains * N).fill(0);
    core.pool!.run(Array.from({ length: n }, (_, i): Chain => [["bias_add", [x + i * N * 4, bias, 1, N]], ["sigmoid_forward", [y + i * N * 4, x + i * N * 4, N]]]));
    const ys = core.arena.f32View(y, chains * N);
    for (let i = 0; i < n; i++) for (let j = 0; j < N; j++) if (Math.abs(ys[i * N + j] - 1 / (1 + Math.exp(3 - (j + 1)))) > 1e-6) wrong++;
  }
  assert.is(wrong, 0, "values of y that are not σ(x + bias)");
  core.pool!.terminate();
});

test("a parallel call of more tasks, or of longer argument lists, than the pool holds is refused before any runs, and the pool still serves", async () => {
  const core = await createCore({ threads: 2 });
  const N = 4, out = core.arena.f32(N), bias = core.arena.f32(N);
  core.arena.f32View(out, N).fill(0);
  core.arena.f32View(bias, N).fill(1);
  const add: Task = ["bias_add", [out, bias, 1, N]];
  assert.throws(() => core.pool!.run([Array.from({ length: MAX_TASKS }, () => add), [add]]), new RegExp(`more than ${MAX_TASKS} tasks`));
  assert.is(core.arena.f32View(out, N)[0], 0, "no task of the refused call ran");
  const long: Task = ["bias_add", [out, bias, 1, N, ...Array.from({ length: MAX_ARGS - 3 }, () => 0)]];
  assert.throws(() => core.pool!.run([[add], [long]]), new RegExp(`bias_add is given ${MAX_ARGS + 1} arguments; a parallel task holds at most ${MAX_ARGS}`));
  assert.is(core.arena.f32View(out, N)[0], 0, "no task of the call with too many arguments ran");
  core.pool!.run([[add], [add]]);
  assert.is(core.arena.f32View(out, N)[0], 2);
  core.pool!.terminate();
});

test("threads are refused for the scalar flavour, with the reason", async () => {
  try {
    await createCore({ flavour: "scalar", threads: 2 });
    assert.unreachable("expected an error");
  } catch (e) {
    assert.match((e as Error).message, /several threads need a SIMD flavour \(simd or relaxed\), not scalar/);
  }
});

test.run();
