#!/usr/bin/env node
// The `ael` command: train, eval, recommend, ablate.
import { parseArgs } from "node:util";
import { createCore, type Flavour } from "../bindings/index.js";
import { train } from "./api.js";
import { AelError, ConfigError } from "./errors.js";
import { loadDataSpec } from "./data/spec.js";
import { injectNoise } from "./data/noise.js";
import { nnz } from "./data/csr.js";
import { datasetNotes, describeNotes, type Dataset } from "./data/dataset.js";
import { evaluatedUsers } from "./eval/evaluate.js";
import type { MetricTable } from "./eval/metrics.js";
import { loadCheckpoint, readCheckpoint, saveCheckpoint, saveTrainingCheckpoint } from "./io/checkpoint.js";
import { resolveConfig } from "./train/config.js";
import { readFile } from "node:fs/promises";
import { writeAtomic } from "./io/checkpoint.js";
import { decodeSafetensors, encodeSafetensors } from "./io/safetensors.js";
import { fromPytorch, toPytorch } from "./io/pytorch.js";
import { checksum, FORMAT, FORMAT_VERSION, type Manifest } from "./io/format.js";
import { Recommender } from "./recommender.js";
import { paramSpecs } from "./model/ael.js";
import { metricsTable, progressPrinter } from "./cli/report.js";
import { ceilings, instrument } from "./cli/profile.js";

const USAGE = `usage:
  ael train --data SPEC [--epochs 2500,500,300] [--gate-epochs 200] [--seed N] [--noise R]
            [--corruption Q] [--lazy-adam] [--flavour simd|scalar|relaxed] [--threads N] [--out DIR [--checkpoint-every N]] [--json]
  ael train --resume DIR [--out DIR] [--checkpoint-every N] [--json]
  ael eval --model DIR --data SPEC [--json]
  ael recommend --model DIR (--user ID | --items I1,I2,…) [-k 20] [--variant gate_k2] [--json]
  ael ablate --data SPEC --seeds 1,2,3 [--epochs …] [--gate-epochs …] [--noise R] [--json]
  ael profile --data SPEC [--epochs 20,5,5] [--gate-epochs 5] [--flavour simd|scalar|relaxed] [--threads 1] [--json]
  ael export --model DIR --out FILE.safetensors        (the PyTorch release's names and layouts)
  ael import --weights FILE.safetensors --data SPEC --out DIR
SPEC: synthetic[:users=600,items=500,…]  ml100k:DIR  deca:DIR/NAME  csv:TRAIN[,TEST]
Ids on the command line are the model's 0-based indices (MovieLens id − 1).`;

const OPTIONS = {
  data: { type: "string" },
  epochs: { type: "string" },
  "gate-epochs": { type: "string" },
  seed: { type: "string" },
  seeds: { type: "string" },
  noise: { type: "string" },
  corruption: { type: "string" },
  "lazy-adam": { type: "boolean" },
  threads: { type: "string" },
  flavour: { type: "string" },
  out: { type: "string" },
  resume: { type: "string" },
  weights: { type: "string" },
  "checkpoint-every": { type: "string" },
  model: { type: "string" },
  user: { type: "string" },
  items: { type: "string" },
  k: { type: "string", short: "k" },
  variant: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Args = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

function num(v: string | undefined, what: string, int = true): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || (int && !Number.isInteger(n))) throw new ConfigError(`--${what} needs ${int ? "an integer" : "a number"}, got "${v}"`);
  return n;
}
const list = (v: string | undefined, what: string) => v?.split(",").map((x) => num(x, what)!);
const need = (v: string | undefined, what: string) => {
  if (v === undefined) throw new ConfigError(`--${what} is required\n${USAGE}`);
  return v;
};

async function loadData(a: Args, seed: number): Promise<Dataset> {
  const d = await loadDataSpec(need(a.data, "data"), seed);
  const r = num(a.noise, "noise", false);
  return r ? injectNoise(d, r, seed) : d;
}

async function trainAndEvaluate(a: Args, seed: number, quiet: boolean) {
  const t0 = performance.now();
  const resume = a.resume ? await readCheckpoint(a.resume) : undefined;
  if (resume && !resume.training) throw new ConfigError(`${a.resume} holds a finished model, not an unfinished run`);
  const spec = a.data ?? resume?.manifest.data.spec;
  if (!spec) throw new ConfigError(`--data is required\n${USAGE}`);
  const noise = num(a.noise, "noise", false) ?? resume?.manifest.data.noise;
  const cfg = resume ? resume.manifest.config : { seed, epochs: list(a.epochs, "epochs"), gateEpochs: num(a["gate-epochs"], "gate-epochs"), corruption: num(a.corruption, "corruption", false), lazyAdam: a["lazy-adam"] };
  const data = await loadDataSpec(spec, cfg.seed ?? seed);
  const used = noise ? injectNoise(data, noise, cfg.seed ?? seed) : data;
  if (resume && (resume.train.cols.length !== used.train.cols.length || resume.train.cols.some((c, j) => c !== used.train.cols[j])))
    throw new ConfigError(`${a.resume} was trained on other interactions than ${spec} gives now`);
  const out = a.out ?? a.resume;
  const every = num(a["checkpoint-every"], "checkpoint-every");
  if (every !== undefined && !out) throw new ConfigError("--checkpoint-every needs --out DIR");
  const source = { spec, noise };
  const progress = quiet ? null : progressPrinter();
  const res = await train(used, {
    ...cfg,
    coreOptions: { flavour: a.flavour as Flavour | undefined, threads: num(a.threads, "threads") },
    onProgress: progress?.onProgress,
    resume: resume?.training,
    source,
    checkpointEvery: every,
    onCheckpoint: every ? (snap) => saveTrainingCheckpoint(out!, snap, { config: resolveConfig(cfg), dataName: used.name, users: used.users, items: used.items, train: used.train, source }) : undefined,
  });
  progress?.stop();
  const t1 = performance.now();
  const ev = res.recommender.evaluate(used.test);
  const evalSeconds = (performance.now() - t1) / 1000;
  return {
    data: used,
    res,
    out,
    report: {
      dataset: { name: used.name, users: used.users, items: used.items, train: nnz(used.train), test_users: evaluatedUsers(used.test).length, ...snake(datasetNotes(used)) },
      seed: res.recommender.config.seed,
      flavour: res.recommender.core.flavour,
      timings_s: { ...res.timings, eval: evalSeconds, total: (performance.now() - t0) / 1000 },
      likelihood_weights: ev.likelihoodWeights,
      variants: ev.variants,
    },
  };
}

/** Parameters in store order (the order the checksum is taken in). */
function orderParams(params: Record<string, Float32Array>, hidden: number[], d: Dataset): Record<string, Float32Array> {
  return Object.fromEntries(paramSpecs({ users: d.users, items: d.items, hidden }).map((s) => [s.name, params[s.name]]));
}

const snake = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));

async function main(argv: string[]): Promise<void> {
  const { values: a, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const cmd = positionals[0];
  if (a.help || !cmd) {
    console.log(USAGE);
    return;
  }
  if (cmd === "train") {
    const seed = num(a.seed, "seed") ?? 1;
    const { res, report, out, data } = await trainAndEvaluate(a, seed, !!a.json && !process.stderr.isTTY);
    if (out) await saveCheckpoint(res.recommender, out);
    if (a.json) console.log(JSON.stringify(report));
    else {
      const d = report.dataset;
      console.log(`${d.name}: ${d.users} users × ${d.items} items, ${d.train} training interactions, ${d.test_users} test users; seed ${report.seed}, ${report.flavour} core`);
      for (const note of describeNotes(datasetNotes(data))) console.log(`note: ${note}`);
      console.log(Object.entries(report.timings_s).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", "));
      console.log(metricsTable(report.variants));
      if (out) console.log(`saved to ${out}`);
    }
  } else if (cmd === "eval") {
    const core = await createCore({ flavour: a.flavour as Flavour | undefined });
    const rec = await loadCheckpoint(core, need(a.model, "model"));
    const data = await loadData(a, rec.config.seed);
    if (data.users !== rec.users || data.items !== rec.items) throw new ConfigError(`the model was trained on ${rec.users} users × ${rec.items} items, ${data.name} has ${data.users} × ${data.items}`);
    const ev = rec.evaluate(data.test);
    if (a.json) console.log(JSON.stringify({ dataset: { name: data.name, users: data.users, items: data.items, test_users: ev.users }, variants: ev.variants }));
    else console.log(metricsTable(ev.variants));
  } else if (cmd === "recommend") {
    const core = await createCore({ flavour: a.flavour as Flavour | undefined });
    const rec = await loadCheckpoint(core, need(a.model, "model"));
    if ((a.user === undefined) === (a.items === undefined)) throw new ConfigError("give exactly one of --user ID or --items I1,I2,…");
    const k = num(a.k, "k") ?? 20;
    const out = a.user !== undefined ? rec.recommend({ user: num(a.user, "user")! }, k, a.variant) : rec.recommend({ items: list(a.items, "items")! }, k, a.variant);
    if (a.json) console.log(JSON.stringify(out));
    else out.items.forEach((it, r) => console.log(`${String(r + 1).padStart(3)}. item ${it}  score ${out.scores[r].toFixed(5)}`));
  } else if (cmd === "ablate") {
    const seeds = list(need(a.seeds, "seeds"), "seeds")!;
    const runs: { seed: number; variants: Record<string, MetricTable>; timings_s: Record<string, number> }[] = [];
    for (const seed of seeds) {
      if (!a.json) process.stderr.write(`seed ${seed}\n`);
      const { report } = await trainAndEvaluate(a, seed, !!a.json);
      runs.push({ seed, variants: report.variants, timings_s: report.timings_s });
    }
    const summary: Record<string, { mean: MetricTable; std: MetricTable }> = {};
    for (const v of Object.keys(runs[0].variants)) {
      const mean: MetricTable = {}, std: MetricTable = {};
      for (const m of Object.keys(runs[0].variants[v])) {
        const xs = runs.map((r) => r.variants[v][m]);
        const mu = xs.reduce((s, x) => s + x, 0) / xs.length;
        mean[m] = mu;
        std[m] = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mu) ** 2, 0) / (xs.length - 1)) : 0;
      }
      summary[v] = { mean, std };
    }
    if (a.json) console.log(JSON.stringify({ seeds, runs, summary }));
    else console.log(metricsTable(summary));
  } else if (cmd === "profile") {
    // one thread unless asked: per-kernel times are only separable on one thread
    const core = await createCore({ flavour: a.flavour as Flavour | undefined, threads: num(a.threads, "threads") ?? 1 });
    const ceiling = ceilings(core);
    const probe = instrument(core);
    const data = await loadData(a, 1);
    const t0 = performance.now();
    await train(data, { core, epochs: list(a.epochs, "epochs") ?? [20, 5, 5], gateEpochs: num(a["gate-epochs"], "gate-epochs") ?? 5, lazyAdam: a["lazy-adam"] });
    const total = performance.now() - t0;
    const rows = probe.read(total);
    if (a.json) console.log(JSON.stringify({ dataset: data.name, flavour: core.flavour, threads: core.threads, total_ms: total, ceilings: ceiling, kernels: rows }));
    else {
      console.log(`${data.name}, ${core.flavour} core, ${core.threads} thread${core.threads > 1 ? "s" : ""}: ${(total / 1000).toFixed(2)} s; ceilings ${ceiling.gflops.toFixed(1)} GFLOP/s (GEMM 512³), ${ceiling.gbps.toFixed(1)} GB/s (streaming)`);
      console.log(`${"kernel".padEnd(26)}${"calls".padStart(9)}${"total ms".padStart(11)}${"share".padStart(8)}   achieved`);
      for (const r of rows) {
        const ach = r.gflops !== undefined ? `${r.gflops.toFixed(2)} GFLOP/s (${((100 * r.gflops) / ceiling.gflops).toFixed(0)}% of ceiling)` : r.gbps !== undefined ? `${r.gbps.toFixed(2)} GB/s (${((100 * r.gbps) / ceiling.gbps).toFixed(0)}% of ceiling)` : "";
        console.log(`${r.kernel.padEnd(26)}${String(r.calls).padStart(9)}${r.ms.toFixed(1).padStart(11)}${(100 * r.share).toFixed(1).padStart(7)}%   ${ach}`);
      }
    }
  } else if (cmd === "export") {
    const rec = await loadCheckpoint(await createCore(), need(a.model, "model"));
    const bytes = encodeSafetensors(toPytorch(rec.params(), rec.model.dims), { format: "pt", "ael-wasm.config": JSON.stringify(rec.config) });
    await writeAtomic(need(a.out, "out"), bytes);
    console.log(`wrote ${a.out} (${bytes.length} bytes)`);
  } else if (cmd === "import") {
    const file = need(a.weights, "weights");
    const data = await loadData(a, 1);
    const { tensors } = decodeSafetensors(new Uint8Array(await readFile(file).catch(() => {
      throw new ConfigError(`cannot read ${file}`);
    })), file);
    const { hidden, params } = fromPytorch(tensors, data.users, data.items, file);
    const core = await createCore();
    const config = resolveConfig({ hidden, epochs: hidden.map(() => 0) });
    const ordered = orderParams(params, hidden, data);
    const manifest: Manifest = { format: FORMAT, version: FORMAT_VERSION, config, data: { name: data.name, users: data.users, items: data.items, train: nnz(data.train), spec: a.data }, weights: checksum(Object.values(ordered)) };
    const rec = Recommender.fromParts(core, { manifest, params: ordered, train: data.train });
    await saveCheckpoint(rec, need(a.out, "out"));
    console.log(`imported ${file} (hidden ${hidden.join("→")}) into ${a.out}`);
  } else throw new ConfigError(`unknown command "${cmd}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof AelError || (e as Error).name === "WasmLoadError" || (e as Error).name === "WasmMemoryError" || (e as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`ael: ${(e as Error).message}`);
    process.exit(2);
  }
  throw e;
});
