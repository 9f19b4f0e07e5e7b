// Kernel benchmarks in one process on one thread: our SIMD build, our scalar build, the plain-TS
// reference and TensorFlow.js's wasm backend on the same shapes. Prints GFLOP/s and ratios
// against TF.js measured in the same run, and writes bench/results/kernels.json.
import b from "benny";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createCore, relaxedSimdSupported, type Core, type Flavour } from "../bindings/index.js";
import { DECODER_PARTS } from "../bindings/parallel.js";
import * as ref from "../bindings/reference/index.js";
import { Rng } from "../bindings/rng.js";
import { relaunchForRelaxedSimd } from "../src/cli/relaunch.js";
import { tfjsWasm } from "./tfjs.js";

// Node 20 keeps relaxed SIMD behind a flag: run again with it, so that the relaxed core is measured
const relaunched = relaunchForRelaxedSimd("relaxed");
if (relaunched !== undefined) process.exit(relaunched);

type Impl = "simd" | "relaxed" | "scalar" | "ts" | "tfjs";
/**
 * One implementation on one shape. gflops and ms come from benny's mean; the _median figures
 * from the median of its samples, which a burst of noise from other tenants of the VM moves less;
 * gflops_best from its fastest sample, the pace of the quietest stretch (noise only slows).
 */
interface Case { name: string; impl: Impl; gflops: number; ratio_vs_tfjs?: number; ms: number; gflops_median: number; ratio_vs_tfjs_median?: number; ms_median: number; gflops_best: number }
/** Milliseconds per call: benny's mean, the median of its samples and its fastest sample. */
interface Timing { mean: number; median: number; min: number }

const rng = Rng.seeded(1);
const randf = (n: number) => Float32Array.from({ length: n }, () => rng.uniform() - 0.5);

/** Time fn with benny. */
async function time(name: string, fn: () => void, maxTime = 2): Promise<Timing> {
  let t: Timing = { mean: NaN, median: NaN, min: NaN };
  await b.suite(name, b.add(name, fn, { maxTime, minSamples: 3 }), b.cycle((r: { details: { mean: number; median: number; min: number } }) => {
    // benny prints whatever the callback returns
    t = { mean: r.details.mean * 1000, median: r.details.median * 1000, min: r.details.min * 1000 };
  }));
  return t;
}

function caseOf(name: string, impl: Impl, t: Timing, flops: number, tfjs?: Timing): Case {
  return {
    name, impl, ms: t.mean, gflops: flops / (t.mean * 1e6), ratio_vs_tfjs: tfjs ? tfjs.mean / t.mean : undefined,
    ms_median: t.median, gflops_median: flops / (t.median * 1e6), ratio_vs_tfjs_median: tfjs ? tfjs.median / t.median : undefined,
    gflops_best: flops / (t.min * 1e6),
  };
}

const cores = new Map<Flavour, Core>();
// one thread each; relaxed SIMD where the runtime has it
for (const f of ["simd", ...(relaxedSimdSupported() ? ["relaxed"] : []), "scalar"] as Flavour[]) cores.set(f, await createCore({ flavour: f, threads: 1 }));
const tf = await tfjsWasm();
const cases: Case[] = [];

async function gemmCase(name: string, M: number, N: number, K: number, orient: "nn" | "nt" | "tn") {
  const A = randf(M * K), B = randf(K * N);
  const flops = 2 * M * N * K;
  const row: Partial<Record<Impl, Timing>> = {};
  for (const [flavour, c] of cores) {
    const mark = c.arena.mark();
    const pA = c.arena.f32(M * K), pB = c.arena.f32(K * N), pC = c.arena.f32(M * N);
    c.arena.f32View(pA, M * K).set(A);
    c.arena.f32View(pB, K * N).set(B);
    const f = c.kernels[`gemm_${orient}`];
    row[flavour] = await time(`${name} ${flavour}`, () => f(pC, pA, pB, M, N, K, 1, 0, c.gemmWork));
    c.arena.reset(mark);
  }
  if (M * N * K <= 64e6) {
    const C = new Float32Array(M * N);
    row.ts = await time(`${name} ts`, () => ref.gemm(C, A, B, M, N, K, 1, 0, orient === "tn", orient === "nt"), 3);
  }
  const a = tf.tensor2d(A, orient === "tn" ? [K, M] : [M, K]), bb = tf.tensor2d(B, orient === "nt" ? [N, K] : [K, N]);
  row.tfjs = await time(`${name} tfjs`, () => {
    const c = tf.matMul(a, bb, orient === "tn", orient === "nt");
    c.dataSync();
    c.dispose();
  });
  a.dispose();
  bb.dispose();
  for (const [impl, t] of Object.entries(row) as [Impl, Timing][]) cases.push(caseOf(name, impl, t, flops, row.tfjs));
}

// The core's f32x4 arithmetic pace with no memory traffic (bench/assembly/fp-peak.ts): fourteen
// independent multiply and add chains in the SIMD build, fused multiply-adds in the relaxed one.
// What the tile reaches of it is what its loads, addressing and loop leave.
type PeakExports = Record<string, (trips: number, ...values: number[]) => number>;
async function peakBuild(flavour: Flavour): Promise<PeakExports> {
  const bytes = readFileSync(new URL(`./fp-peak.${flavour}.wasm`, import.meta.url));
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  return (await WebAssembly.instantiate(bytes, { env: { memory } })).instance.exports as PeakExports;
}
{
  const trips = 1 << 20;
  for (const flavour of cores.keys()) {
    if (flavour === "scalar") continue;
    const peak = await peakBuild(flavour);
    const fused = flavour === "relaxed";
    const f = fused ? peak.peak_fma : peak.peak_mul_add;
    let sink = 0;
    const t = await time(`f32x4 peak ${flavour}`, () => {
      sink += f(trips, 0.99999994);
    });
    if (!Number.isFinite(sink)) throw new Error(`f32x4 peak (${flavour}) computed ${sink}`);
    cases.push(caseOf("f32x4_peak_no_memory", flavour, t, trips * 14 * (fused ? 8 : 4)));
  }
}

// What a subnormal operand costs an f32x4 multiply: one dependent chain of multiplies by 1 from a
// normal value and from a subnormal one, ns per multiply (fastest of nine runs of each, in turn).
// Adam's moments decay into the subnormals when rows skip many steps (assembly/decay-in-units.ts).
const subnormalMul = await (async () => {
  const chain = (await peakBuild("simd")).mul_chain, trips = 1 << 20;
  const best = { normal_ns: Infinity, subnormal_ns: Infinity };
  for (let rep = 0; rep < 9; rep++) {
    for (const [key, x] of [["normal_ns", 1.5], ["subnormal_ns", 1e-40]] as const) {
      const t0 = performance.now();
      if (chain(trips, x, 1) !== Math.fround(x)) throw new Error(`mul_chain from ${x} moved`);
      best[key] = Math.min(best[key], ((performance.now() - t0) * 1e6) / trips);
    }
  }
  return best;
})();

// The 5×8 register tile alone, over packed panels of depth 128 (14 KiB, in L1), as the GEMMs
// above run it at K = 128: the ceiling that packing, edges and the cache leave the products.
{
  const kc = 128, calls = 64, ldc = 8;
  const ap = randf(kc * 20), bp = randf(kc * 8);
  for (const [flavour, c] of cores) {
    const mark = c.arena.mark();
    const pA = c.arena.f32(ap.length), pB = c.arena.f32(bp.length), pC = c.arena.f32(5 * ldc), tile = c.arena.f32(40);
    c.arena.f32View(pA, ap.length).set(ap);
    c.arena.f32View(pB, bp.length).set(bp);
    const f = c.kernels.gemm_tile;
    const t = await time(`gemm tile ${flavour}`, () => {
      for (let i = 0; i < calls; i++) f(pC, ldc, pA, pB, kc, tile);
    });
    cases.push(caseOf("gemm_tile_5x8_in_l1", flavour, t, calls * 2 * 5 * 8 * kc));
    c.arena.reset(mark);
  }
}

await gemmCase("gemm_nn_256x1682x128", 256, 1682, 128, "nn");
await gemmCase("gemm_nt_256x1682x128", 256, 1682, 128, "nt");
await gemmCase("gemm_tn_256x1682x128", 256, 1682, 128, "tn");
await gemmCase("gemm_nn_1024", 1024, 1024, 1024, "nn");

// Stage-0 kernels at MovieLens-100K shapes: a batch of 32 users with ~85 items each,
// 128 hidden units, 1682 items, 256 sampled negatives per user.
{
  const B = 32, I = 1682, H = 128, per = 85, neg = 256;
  const rowptr = Int32Array.from({ length: B + 1 }, (_, b) => b * per);
  const cols = Int32Array.from({ length: B * per }, () => rng.int(I));
  const colptr = Int32Array.from({ length: B + 1 }, (_, b) => b * (per + neg));
  const mcols = Int32Array.from({ length: B * (per + neg) }, () => rng.int(I));
  const W = randf(I * H), z = randf(B * H), bias = randf(I);
  const nnz = B * (per + neg);
  const targets = Float32Array.from({ length: nnz }, (_, j) => (j % (per + neg) < per ? 1 : 0));
  const bounds = Int32Array.from({ length: DECODER_PARTS + 1 }, (_, p) => Math.round((p * I) / DECODER_PARTS));
  // the logit, its share of dW and its share of dz: three products of H per mask entry
  const spmmFlops = B * per * H, decFlops = 6 * nnz * H, scale = 1 / (nnz * I);
  const add = (name: string, impl: Impl, t: Timing, flops: number) => cases.push(caseOf(name, impl, t, flops));
  for (const [flavour, c] of cores) {
    const a = c.arena, mark = a.mark();
    const put = (x: Float32Array | Int32Array) => {
      const p = a.alloc(x.byteLength);
      new Uint8Array(c.memory.buffer, p, x.byteLength).set(new Uint8Array(x.buffer));
      return p;
    };
    const [pR, pC, pCP, pMC, pW, pz, pb, pt, pbounds] = [rowptr, cols, colptr, mcols, W, z, bias, targets, bounds].map(put);
    const out = a.f32(B * H), d = a.f32(nnz), dW = a.f32(I * H), db = a.f32(I), dz = a.f32(B * H);
    const parts = a.f32(DECODER_PARTS * B * H), loss = a.alloc(8 * DECODER_PARTS);
    const cs = a.alloc((I + 1) * 4), en = a.alloc(nnz * 8);
    c.kernels.mask_by_column(cs, en, pCP, pMC, B, I, H);
    add("spmm_forward_ml100k", flavour, await time(`spmm fwd ${flavour}`, () => c.kernels.spmm_forward(out, pW, pR, pC, B, H)), spmmFlops);
    add("spmm_backward_ml100k", flavour, await time(`spmm bwd ${flavour}`, () => c.kernels.spmm_backward(dW, out, pR, pC, B, H, 0, I)), spmmFlops);
    add("sampled_decoder_train_ml100k", flavour, await time(`decoder ${flavour}`, () => {
      c.kernels.mask_by_column(cs, en, pCP, pMC, B, I, H);
      c.kernels.sampled_decoder_train(parts, loss, dW, db, d, pz, pW, pb, pt, cs, en, pbounds, 0, DECODER_PARTS, B, H, scale, 0, 0, 0);
      c.kernels.sum_parts(dz, parts, DECODER_PARTS, B * H);
    }), decFlops);
    a.reset(mark);
  }
  const out = new Float32Array(B * H), dW = new Float32Array(I * H), db = new Float32Array(I), dz = new Float32Array(B * H);
  add("spmm_forward_ml100k", "ts", await time("spmm fwd ts", () => ref.spmmForward(out, W, rowptr, cols, B, H)), spmmFlops);
  add("spmm_backward_ml100k", "ts", await time("spmm bwd ts", () => ref.spmmBackward(dW, out, rowptr, cols, B, H, 0, I)), spmmFlops);
  add("sampled_decoder_train_ml100k", "ts", await time("decoder ts", () => ref.sampledDecoderTrain(dz, dW, db, z, W, bias, targets, colptr, mcols, B, H, scale)), decFlops);
}

const names = [...new Set(cases.map((c) => c.name))];
const impls: Impl[] = ["simd", "relaxed", "scalar", "ts", "tfjs"];
function table(title: string, gflops: (c: Case) => number): void {
  console.log(`\n${title.padEnd(34)}${impls.map((i) => i.padStart(16)).join("")}   simd/tfjs  relaxed/simd  simd/scalar`);
  for (const n of names) {
    const by = (i: Impl) => cases.find((c) => c.name === n && c.impl === i);
    const cell = (i: Impl) => (by(i) ? `${gflops(by(i)!).toFixed(2)} GFLOP/s`.padStart(16) : "—".padStart(16));
    const versus = (i: Impl) => (by(i) ? `${(gflops(by("simd")!) / gflops(by(i)!)).toFixed(2)}×` : "—");
    const rel = by("relaxed") ? `${(gflops(by("relaxed")!) / gflops(by("simd")!)).toFixed(2)}×` : "—";
    console.log(`${n.padEnd(34)}${impls.map(cell).join("")}   ${versus("tfjs").padStart(9)}  ${rel.padStart(12)}  ${versus("scalar").padStart(11)}`);
  }
}
table("case (benny means)", (c) => c.gflops);
table("case (medians of samples)", (c) => c.gflops_median);
table("case (fastest samples)", (c) => c.gflops_best);
for (const flavour of ["simd", "relaxed"] as Impl[]) {
  const tile = cases.find((c) => c.name === "gemm_tile_5x8_in_l1" && c.impl === flavour);
  if (!tile) continue;
  // ceilings compare fastest samples: the noise of the moment each was measured in drops out
  const shares = ["nn", "nt", "tn"].map((o) => `${o.toUpperCase()} ${((100 * cases.find((c) => c.name === `gemm_${o}_256x1682x128` && c.impl === flavour)!.gflops_best) / tile.gflops_best).toFixed(0)} %`);
  console.log(`${flavour} GEMM 256×1682×128 as a share of its register tile in L1 (fastest samples, tile ${tile.gflops_best.toFixed(1)} GFLOP/s): ${shares.join(", ")}`);
  const peak = cases.find((c) => c.name === "f32x4_peak_no_memory" && c.impl === flavour)!;
  console.log(`${flavour} register tile as a share of the core's f32x4 ${flavour === "relaxed" ? "fused multiply-add" : "multiply and add"} pace without memory (fastest samples: ${tile.gflops_best.toFixed(1)} of ${peak.gflops_best.toFixed(1)} GFLOP/s): ${((100 * tile.gflops_best) / peak.gflops_best).toFixed(0)} %`);
}
console.log(`f32x4 multiply in a dependent chain: ${subnormalMul.normal_ns.toFixed(2)} ns from a normal value, ${subnormalMul.subnormal_ns.toFixed(2)} ns from a subnormal one (${(subnormalMul.subnormal_ns / subnormalMul.normal_ns).toFixed(0)}×)`);
const file = new URL("../../bench/results/kernels.json", import.meta.url).pathname;
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify({ machine: { node: process.version, cpu: (await import("node:os")).cpus()[0]?.model }, cases, subnormal_mul: subnormalMul }, null, 2) + "\n");
console.log(`\nwrote ${file}`);
