// A kernel profile: a short training on a core of its own with every kernel call timed,
// reported per kernel beside the machine's ceilings, and stage 0's fastest epoch (after the
// first) split per step, which bursts of load from elsewhere on the machine disturb least. The
// report is what `ael profile --json` prints.
import { createCore, type Flavour } from "../../bindings/index.js";
import { train } from "../api.js";
import type { Dataset } from "../data/dataset.js";
import { DEFAULTS, type TrainConfig } from "../train/config.js";
import type { ProgressEvent } from "../train/trainer.js";
import { ceilings, type Ceilings } from "./ceilings.js";
import { instrument, type KernelProfile } from "./instrument.js";

/** Stage 0's fastest epoch: its time per step, and each kernel's and the rest's share of it. */
export interface FastestEpoch {
  epoch: number;
  steps: number;
  step_us: number;
  kernels: { kernel: string; us_per_step: number }[];
  outside_us_per_step: number;
}

/**
 * Follows training's progress events and keeps stage 0's fastest epoch after the first (whose
 * window also holds the run's set-up and the engine's warm-up), split by kernel.
 */
function fastestStage0Epoch(probe: ReturnType<typeof instrument>, stepsPerEpoch: number) {
  let best: FastestEpoch | undefined;
  let t0 = performance.now();
  return {
    onProgress(e: ProgressEvent): void {
      const now = performance.now();
      if (e.stage === "stage0" && e.epoch > 1 && (!best || (now - t0) / stepsPerEpoch < best.step_us / 1000)) {
        const perStep = (ms: number) => (1000 * ms) / stepsPerEpoch;
        const kernels = [...probe.since()].map(([kernel, ms]) => ({ kernel, us_per_step: perStep(ms) })).sort((x, y) => y.us_per_step - x.us_per_step);
        const step_us = perStep(now - t0);
        best = { epoch: e.epoch, steps: stepsPerEpoch, step_us, kernels, outside_us_per_step: step_us - kernels.reduce((s, r) => s + r.us_per_step, 0) };
      }
      probe.mark();
      t0 = performance.now();
    },
    result: () => best,
  };
}

/**
 * The short training's options: any of train()'s (seed, shape, rates…; epochs [20, 5, 5] and 5
 * gate epochs unless given), and the profiled core's build (default: as createCore picks) and
 * threads (default 1: per-kernel times are only separable on one thread).
 */
export type ProfileOptions = Partial<Omit<TrainConfig, "patience" | "validEvery" | "validRatio">> & { flavour?: Flavour; threads?: number };

export interface ProfileReport {
  dataset: string;
  /** The training profiled: every option, defaults included. */
  config: TrainConfig;
  flavour: Flavour;
  threads: number;
  total_ms: number;
  ceilings: Ceilings;
  /** Every kernel, and every parallel call under its chains, by total time. */
  kernels: KernelProfile[];
  stage0_fastest_epoch?: FastestEpoch;
}

/** Profile a short training on `data`, on a core of its own (its kernels are wrapped with timers). */
export async function profileTraining(data: Dataset, options: ProfileOptions = {}): Promise<ProfileReport> {
  const { flavour, threads, ...training } = options;
  const core = await createCore({ flavour, threads: threads ?? 1 });
  try {
    const ceiling = ceilings(core);
    const probe = instrument(core);
    const fastest = fastestStage0Epoch(probe, Math.ceil(data.users / (training.batchSize ?? DEFAULTS.batchSize)));
    const t0 = performance.now();
    probe.mark();
    const { recommender } = await train(data, { ...training, core, epochs: training.epochs ?? [20, 5, 5], gateEpochs: training.gateEpochs ?? 5, onProgress: fastest.onProgress });
    const total = performance.now() - t0;
    return { dataset: data.name, config: recommender.config, flavour: core.flavour, threads: core.threads, total_ms: total, ceilings: ceiling, kernels: probe.read(total), stage0_fastest_epoch: fastest.result() };
  } finally {
    core.pool?.terminate();
  }
}

/** A kernel's pace beside its ceiling, as the profile's tables print it ("" for kernels without a measure of work). */
export function achieved(r: KernelProfile, c: Ceilings): string {
  const of = (x: number, ceiling: number) => `(${((100 * x) / ceiling).toFixed(0)}% of ceiling)`;
  if (r.gflops !== undefined) return `${r.gflops.toFixed(2)} GFLOP/s ${of(r.gflops, c.gflops)}`;
  if (r.mparams !== undefined) return `${r.mparams.toFixed(0)} M params/s ${of(r.mparams, c.adamMparams)}`;
  if (r.gbps !== undefined) return `${r.gbps.toFixed(2)} GB/s ${of(r.gbps, c.gbps)}`;
  return "";
}

/** The report's first line: what ran, how long, and the ceilings. */
export function headline(p: ProfileReport): string {
  const c = p.ceilings;
  return `${p.dataset}, hidden ${p.config.hidden.join("→")}, batch ${p.config.batchSize}, ${p.flavour} core, ${p.threads} thread${p.threads > 1 ? "s" : ""}: ${(p.total_ms / 1000).toFixed(2)} s; ceilings ${c.gflops.toFixed(1)} GFLOP/s (GEMM 512³), ${c.gbps.toFixed(1)} GB/s (streaming), ${c.adamMparams.toFixed(0)} M params/s (Adam in L2)`;
}
