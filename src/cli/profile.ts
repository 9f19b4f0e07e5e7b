// `ael profile`: a short training with every kernel call timed (src/profile/), printed per
// kernel with its calls, total time, share of the run, and achieved GFLOP/s (compute kernels),
// parameters per second (Adam) or GB/s (memory-bound ones) beside this machine's measured
// ceilings; then stage 0's fastest epoch split per step. --json prints the report as it is.
import type { Flavour } from "../../bindings/index.js";
import { achieved, headline, profileTraining } from "../profile/profile.js";
import { loadData, num, trainingOptions, type Args } from "./args.js";

export async function profileCommand(a: Args): Promise<void> {
  // early stopping's options, which ael refuses here, are not profileTraining's
  const { patience, validEvery, validRatio, ...training } = trainingOptions(a);
  const options = { ...training, flavour: a.flavour as Flavour | undefined, threads: num(a.threads, "threads") };
  const report = await profileTraining(await loadData(a, 1), options);
  if (a.json) {
    console.log(JSON.stringify(report));
    return;
  }
  const { ceilings: ceiling, stage0_fastest_epoch: epoch } = report;
  console.log(headline(report));
  console.log(`${"kernel".padEnd(26)}${"calls".padStart(9)}${"total ms".padStart(11)}${"share".padStart(8)}   achieved`);
  for (const r of report.kernels) console.log(`${r.kernel.padEnd(26)}${String(r.calls).padStart(9)}${r.ms.toFixed(1).padStart(11)}${(100 * r.share).toFixed(1).padStart(7)}%   ${achieved(r, ceiling)}`);
  for (const r of report.kernels) if (r.note) console.log(`note: ${r.kernel}: ${r.note}`);
  if (epoch) {
    console.log(`\nstage 0, fastest epoch (${epoch.epoch}): ${epoch.step_us.toFixed(0)} µs per step over ${epoch.steps} steps`);
    for (const r of epoch.kernels) console.log(`${r.kernel.padEnd(40)}${r.us_per_step.toFixed(1).padStart(9)} µs${(100 * r.us_per_step / epoch.step_us).toFixed(1).padStart(7)}%`);
    console.log(`${"outside the kernels".padEnd(40)}${epoch.outside_us_per_step.toFixed(1).padStart(9)} µs${(100 * epoch.outside_us_per_step / epoch.step_us).toFixed(1).padStart(7)}%`);
  }
}
