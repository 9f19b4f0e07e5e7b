// `ael train` and `ael ablate`: train (or resume), evaluate, report, save.
import type { Flavour } from "../../bindings/index.js";
import { train } from "../api.js";
import { ConfigError } from "../errors.js";
import { nnz } from "../data/csr.js";
import { datasetNotes, describeNotes } from "../data/dataset.js";
import { evaluatedUsers } from "../eval/evaluate.js";
import type { MetricTable } from "../eval/metrics.js";
import { readCheckpoint, saveCheckpoint, saveTrainingCheckpoint } from "../io/checkpoint.js";
import { runInfo, runToResume } from "../io/format.js";
import { resolveConfig } from "../train/config.js";
import { assertTrainingFits } from "../train/memory.js";
import { syntheticShape } from "../data/spec.js";
import { list, loadSpecWithNoise, need, num, TRAINING_OPTIONS, trainingOptions, USAGE, type Args } from "./args.js";
import { metricsTable, progressPrinter } from "./report.js";

const snake = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));

async function trainAndEvaluate(a: Args, seed: number, quiet: boolean) {
  const t0 = performance.now();
  const reset = a.resume === undefined ? [] : (["seed", ...TRAINING_OPTIONS] as const).filter((k) => a[k] !== undefined);
  if (reset.length) throw new ConfigError(`--resume goes on with the saved run's own options: ${reset.map((k) => `--${k}`).join(", ")} cannot change them`);
  const resume = a.resume ? await readCheckpoint(a.resume) : undefined;
  const spec = a.data ?? resume?.manifest.data.spec;
  if (!spec) throw new ConfigError(`--data is required\n${USAGE}`);
  const noise = num(a.noise, "noise", false) ?? resume?.manifest.data.noise;
  const cfg = resume
    ? resume.manifest.config
    : { seed, ...trainingOptions(a) };
  // a synthetic set too large to train is refused before it is generated, which can take long
  const shape = syntheticShape(spec);
  if (shape) assertTrainingFits(spec, 0, shape.users, shape.items, 0, 0, resolveConfig(cfg));
  const used = await loadSpecWithNoise(spec, noise, cfg.seed ?? seed);
  const snapshot = resume && runToResume(resume, used.train, a.resume!, `${spec} gives now`);
  const out = a.out ?? a.resume;
  const every = num(a["checkpoint-every"], "checkpoint-every");
  if (every !== undefined && !out) throw new ConfigError("--checkpoint-every needs --out DIR");
  const source = { spec, noise };
  const info = runInfo(used, resolveConfig(cfg), source);
  const progress = quiet ? null : progressPrinter();
  const res = await train(used, {
    ...cfg,
    coreOptions: { flavour: a.flavour as Flavour | undefined, threads: num(a.threads, "threads") },
    onProgress: progress?.onProgress,
    resume: snapshot,
    source,
    checkpointEvery: every,
    onCheckpoint: every ? (snap) => saveTrainingCheckpoint(out!, snap, info) : undefined,
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
      config: snake(res.recommender.config),
      flavour: res.recommender.core.flavour,
      timings_s: { ...res.timings, eval: evalSeconds, total: (performance.now() - t0) / 1000 },
      likelihood_weights: ev.likelihoodWeights,
      ...(res.validation && { validation: Object.fromEntries(Object.entries(res.validation).map(([k, v]) => [k, snake(v)])) }),
      variants: ev.variants,
    },
  };
}

export async function trainCommand(a: Args): Promise<void> {
  const seed = num(a.seed, "seed") ?? 1;
  const { res, report, out, data } = await trainAndEvaluate(a, seed, !!a.json && !process.stderr.isTTY);
  if (out) await saveCheckpoint(res.recommender, out);
  if (a.json) console.log(JSON.stringify(report));
  else {
    const d = report.dataset;
    console.log(`${d.name}: ${d.users} users × ${d.items} items, ${d.train} training interactions, ${d.test_users} test users; seed ${report.seed}, ${report.flavour} core`);
    for (const note of describeNotes(datasetNotes(data))) console.log(`note: ${note}`);
    console.log(Object.entries(report.timings_s).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", "));
    for (const [stage, v] of Object.entries(res.validation ?? {})) {
      const bestCheck = v.checks.find((c) => c.epoch === v.bestEpoch);
      if (bestCheck) console.log(`${stage}: best validation Recall@20 ${bestCheck.recall.toFixed(4)} at epoch ${v.bestEpoch}, ${v.stoppedAt === undefined ? "ran every epoch" : `stopped after epoch ${v.stoppedAt}`}; its weights kept`);
    }
    console.log(metricsTable(report.variants));
    if (out) console.log(`saved to ${out}`);
  }
}

export async function ablateCommand(a: Args): Promise<void> {
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
}
