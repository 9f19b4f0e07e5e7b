// The full-schedule accuracy check: AEL on MovieLens-100K u1 with the reference schedule for
// seeds 1, 2, 3, each variant's Recall@20 and NDCG@20 beside ALGORITHM.md §5's reference
// figures, within mean ± max(2·std, 3% of the mean). Writes bench/results/accuracy.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createCore } from "../bindings/index.js";
import { train } from "../src/api.js";
import { loadDataSpec } from "../src/data/spec.js";

const REFERENCE: Record<string, [number, number, number, number]> = {
  // variant: Recall@20 mean, std, NDCG@20 mean, std (the release's algorithm, seeds 0–2)
  mild: [0.286, 0.0044, 0.5096, 0.0052],
  moderate: [0.2862, 0.0016, 0.5111, 0.0024],
  strong: [0.2703, 0.0051, 0.4904, 0.0035],
  average: [0.2834, 0.0037, 0.5089, 0.0054],
  likelihood: [0.2832, 0.0033, 0.5091, 0.0054],
  gate_k1: [0.2788, 0.0043, 0.5008, 0.0042],
  gate_k2: [0.2824, 0.004, 0.5071, 0.0062],
  gate_k3: [0.2833, 0.0038, 0.5089, 0.0055],
};
const seeds = (process.argv[2] ?? "1,2,3").split(",").map(Number);
const lazyAdam = process.argv.includes("--lazy-adam");
const data = await loadDataSpec("ml100k:../shared/data/ml-100k");
const runs: { seed: number; seconds: number; variants: Record<string, Record<string, number>> }[] = [];
for (const seed of seeds) {
  const t0 = performance.now();
  const { recommender } = await train(data, { seed, lazyAdam, core: await createCore() });
  const ev = recommender.evaluate(data.test);
  runs.push({ seed, seconds: (performance.now() - t0) / 1000, variants: ev.variants });
  console.log(`seed ${seed}: ${runs.at(-1)!.seconds.toFixed(1)} s`);
}
let inside = 0, total = 0;
const rows: string[] = [];
for (const [v, [rm, rs, nm, ns]] of Object.entries(REFERENCE)) {
  const cells: string[] = [];
  for (const [metric, mean, std] of [["recall@20", rm, rs], ["ndcg@20", nm, ns]] as const) {
    const band = Math.max(2 * std, 0.03 * mean);
    const ours = runs.map((r) => r.variants[v][metric]);
    const ok = ours.every((x) => Math.abs(x - mean) <= band);
    inside += ours.filter((x) => Math.abs(x - mean) <= band).length;
    total += ours.length;
    cells.push(`${ours.map((x) => x.toFixed(4)).join(" ")} (ref ${mean.toFixed(4)} ± ${band.toFixed(4)}) ${ok ? "ok" : "OUT"}`);
  }
  rows.push(`${v.padEnd(11)} R@20 ${cells[0]}   N@20 ${cells[1]}`);
}
console.log(`seeds ${seeds.join(", ")}${lazyAdam ? " (lazy Adam)" : ""}: per variant, Recall@20 and NDCG@20 per seed beside the reference band`);
for (const r of rows) console.log(r);
console.log(`${inside}/${total} figures inside the band`);
const file = new URL(`../../bench/results/accuracy${lazyAdam ? "-lazy" : ""}.json`, import.meta.url).pathname;
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify({ seeds, lazyAdam, runs, inside, total }, null, 2) + "\n");
process.exit(inside === total ? 0 : 1);
