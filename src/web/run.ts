// Training from a DataSource with a summary a page can show; shared by the worker and the tests.
import { train } from "../api.js";
import { createCore } from "../../bindings/index.js";
import { rowOf, nnz } from "../data/csr.js";
import type { Dataset } from "../data/dataset.js";
import { csv, deca, movielens } from "../data/sources.js";
import { synthetic } from "../data/synthetic.js";
import { DataError } from "../errors.js";
import { decodeCheckpoint, encodeRunCheckpoint, runInfo, runToResume } from "../io/format.js";
import { resolveConfig } from "../train/config.js";
import { evaluatedUsers } from "../eval/evaluate.js";
import { expertNames } from "../eval/variants.js";
import type { Recommender } from "../recommender.js";
import { stageNames, type ProgressEvent } from "../train/trainer.js";
import type { DataSource, RunCheckpoint, TrainSummary, WorkerTrainOptions } from "./protocol.js";

export function loadSource(src: DataSource, seed: number): Dataset {
  switch (src.kind) {
    case "synthetic":
      return synthetic({ seed, ...src.options });
    case "ml100k": {
      const by = (re: RegExp) => src.files.find((f) => re.test(f.name));
      const base = by(/u\d\.base$/), test = by(/u\d\.test$/), data = by(/u\.data$/), info = by(/u\.info$/);
      if (!(base && test) && !data) throw new DataError("MovieLens needs u1.base and u1.test, or u.data");
      return movielens({ base, test, data, info }, { seed });
    }
    case "deca":
      return deca(src.train.name.replace(/\.train\.rating$/, ""), { train: src.train, test: src.test }, undefined, seed);
    case "csv":
      return csv(src.train, src.test, { seed });
  }
}

export interface SummaryHooks {
  onProgress?: (e: ProgressEvent) => void;
  onCheckpoint?: (c: RunCheckpoint) => void;
  signal?: AbortSignal;
}

export async function trainSummary(src: DataSource, options: WorkerTrainOptions, hooks: SummaryHooks = {}): Promise<{ summary: TrainSummary; recommender: Recommender }> {
  const { flavour, checkpointEvery, resume, ...given } = options;
  const resumed = resume && decodeCheckpoint(resume, "the checkpoint to resume");
  // a resumed run goes on with its own configuration
  const cfg = resumed ? resumed.manifest.config : resolveConfig(given);
  const seed = cfg.seed;
  const data = loadSource(src, seed);
  const snapshot = resumed && runToResume(resumed, data.train, "the checkpoint to resume", "these data");
  const core = await createCore({ flavour });
  const { onCheckpoint, ...rest } = hooks;
  const info = runInfo(data, cfg);
  const res = await train(data, {
    ...cfg,
    core,
    ...rest,
    resume: snapshot,
    checkpointEvery,
    onCheckpoint: onCheckpoint && ((snap) => onCheckpoint({ bytes: encodeRunCheckpoint(info, snap), stage: stageNames(cfg.hidden.length)[snap.stage], epoch: snap.epoch })),
  }).catch((e) => {
    core.pool?.terminate(); // its threads would hold the run's memory
    throw e;
  });
  const rec = res.recommender;
  const t0 = performance.now();
  const ev = rec.evaluate(data.test);
  const names = expertNames(rec.model.experts);
  const k = Math.min(2, rec.model.experts);
  const routes = rec.routing(k);
  const pairName = (u: number) => Array.from(routes.subarray(u * k, u * k + k), (e) => names[e]).join("+");
  const share = (users: number[]) => {
    const out: Record<string, number> = {};
    for (const u of users) out[pairName(u)] = (out[pairName(u)] ?? 0) + 1 / users.length;
    return out;
  };
  const everyone = Array.from({ length: data.users }, (_, u) => u);
  let byNoise: Record<string, Record<string, number>> | undefined;
  if (data.noiseRate) {
    byNoise = {};
    for (const r of [...new Set(data.noiseRate)].sort((a, b) => a - b)) byNoise[`noise ${r.toFixed(2)}`] = share(everyone.filter((u) => data.noiseRate![u] === r));
  }
  const sampleHistories = everyone.filter((u) => rowOf(data.train, u).length > 0).slice(0, 12).map((u) => ({ user: u, items: Array.from(rowOf(data.train, u)) }));
  const summary: TrainSummary = {
    dataset: { name: data.name, users: data.users, items: data.items, train: nnz(data.train), testUsers: evaluatedUsers(data.test).length },
    flavour: core.flavour,
    threads: core.threads,
    seed,
    timings: { ...res.timings, eval: (performance.now() - t0) / 1000 },
    losses: res.losses,
    variants: ev.variants,
    weightsChecksum: rec.weightsChecksum(),
    routing: { pairs: share(everyone), byNoise },
    sampleHistories,
    ...(data.ids && { ids: data.ids }),
  };
  return { summary, recommender: rec };
}
