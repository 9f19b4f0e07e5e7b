// The staged training run (ALGORITHM.md §3–§4): stage 0 on the interactions, stages 1…L−1 on
// the frozen codes, then the gate over the frozen experts, each with a fresh Adam.
import type { Core } from "../../bindings/index.js";
import { Rng, seedState } from "../../bindings/rng.js";
import { AbortError, NumericsError } from "../errors.js";
import type { Dataset } from "../data/dataset.js";
import type { Csr } from "../data/csr.js";
import { heldOutRecall, type ValidationTarget } from "../eval/validation.js";
import { AelModel } from "../model/ael.js";
import { BatchRows, type WasmCsr } from "../model/forward.js";
import { Adam, type RowList } from "./adam.js";
import type { Param } from "../model/params.js";
import type { TrainConfig } from "./config.js";
import { encodeAllUsers, expertGramAllUsers } from "./caches.js";
import { expertErrors } from "../eval/likelihood.js";
import { EarlyStopping, type EarlyStoppingState, type StageValidation } from "./early-stopping.js";
import { Stage0 } from "./stage0.js";
import { StageDeep } from "./stage-deep.js";
import { StageGate } from "./stage-gate.js";

export type StageName = `stage${number}` | "gate";

export interface ProgressEvent {
  stage: StageName;
  epoch: number;
  epochs: number;
  /** Mean batch loss of the epoch. */
  loss: number;
  /** Seconds since the stage began. */
  seconds: number;
  /** Recall@20 on the validation split, when early stopping checked it after this epoch. */
  validRecall?: number;
}

/**
 * Everything a run needs to continue exactly where it stopped: taken at the end of an epoch,
 * restoring it and training on gives the weights an uninterrupted run gives, bit for bit.
 */
export interface TrainSnapshot {
  /** Index of the stage in progress (stage0…stage{L−1}, then the gate) and epochs it has done. */
  stage: number;
  epoch: number;
  adamSteps: number;
  rng: { shuffle: number[]; sampling: number[]; gateNoise: number[] };
  perm: Int32Array;
  params: Record<string, Float32Array>;
  /** Adam moments of the stage's parameter group (and, with lazy Adam, each lazily updated row's last step). */
  m: Float32Array;
  v: Float32Array;
  rowSteps?: Int32Array;
  losses: Record<string, number[]>;
  timings: Record<string, number>;
  /** Early stopping: every stage's record so far, and the stage in progress's best weights. */
  validation?: { stages: Record<string, StageValidation> } & EarlyStoppingState;
}

export interface TrainHooks {
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** Take a snapshot every this many epochs (of every stage) and hand it to onCheckpoint. */
  checkpointEvery?: number;
  onCheckpoint?: (s: TrainSnapshot) => void | Promise<void>;
}

export interface TrainRun {
  model: AelModel;
  /** Seconds per stage. */
  timings: Record<string, number>;
  /** Per stage, the mean loss of every epoch. */
  losses: Record<string, number[]>;
  /** Per stage, early stopping's record (when it ran). */
  validation?: Record<string, StageValidation>;
  /** Every user's squared error per expert on the rows trained on, U×E (the likelihood weights' source). */
  expertErrors: Float64Array;
}

/**
 * A stage whose gradients touch some tensors only at some rows (Stage0, StageDeep). Adam.step
 * takes the touched rows of those it does not leave to the stage's own pass (fusedTensors).
 */
export interface SparseStage {
  lazyTensors(): Param[];
  touchedRows?(): RowList[];
  fusedTensors?(): Param[];
  deferredTensors?(): Param[];
}

/**
 * The Adam a stage trains its group with: with the lazy-Adam option the sparse stage's lazy
 * tensors move only at their touched rows; otherwise its deferred tensors' untouched rows take
 * their dense steps when next read; either way its fused tensors are left to its own pass.
 */
export function stageAdam(model: AelModel, group: string, lr: number, cfg: TrainConfig, sparse?: SparseStage): Adam {
  const lazy = cfg.lazyAdam && sparse ? sparse.lazyTensors() : [];
  const deferred = !cfg.lazyAdam && sparse ? (sparse.deferredTensors?.() ?? []) : [];
  return new Adam(model.store, group, lr, cfg.beta1, cfg.beta2, cfg.eps, lazy, sparse?.fusedTensors?.() ?? [], deferred);
}

/** Independent random streams derived from the seed. */
export const STREAM = { init: 0, shuffle: 1, sampling: 2, gateNoise: 3, validation: 4 } as const;

const now = () => performance.now() / 1000;

export function stageNames(levels: number): StageName[] {
  return [...Array.from({ length: levels }, (_, s) => `stage${s}` as StageName), "gate"];
}

/**
 * Train on `train` (the data set's training rows, or what a held-out validation split left of
 * them). With cfg.patience > 0, `valid` is the validation split early stopping measures.
 */
export async function trainModel(core: Core, data: Dataset, train: WasmCsr, cfg: TrainConfig, hooks: TrainHooks = {}, resume?: TrainSnapshot, valid?: Csr): Promise<TrainRun> {
  const model = new AelModel(core, { users: data.users, items: data.items, hidden: cfg.hidden });
  const { arena } = core;
  const L = cfg.hidden.length;
  const names = stageNames(L);
  const timings: Record<string, number> = { ...resume?.timings };
  const losses: Record<string, number[]> = Object.fromEntries(Object.entries(resume?.losses ?? {}).map(([k, v]) => [k, [...v]]));
  const shuffle = Rng.seeded(cfg.seed, STREAM.shuffle);
  const perm = Int32Array.from({ length: data.users }, (_, u) => u);
  const stateSlab = (stream: number, saved?: number[]) => {
    const p = arena.alloc(16, "RNG state");
    arena.u32View(p, 4).set(saved ?? seedState(cfg.seed, stream));
    return p;
  };
  const sampling = stateSlab(STREAM.sampling, resume?.rng.sampling);
  const gateNoise = stateSlab(STREAM.gateNoise, resume?.rng.gateNoise);
  if (resume) {
    for (const p of model.store.params.values()) arena.f32View(p.ptr, p.length).set(resume.params[p.name]);
    shuffle.state.set(resume.rng.shuffle);
    perm.set(resume.perm);
  } else model.init(cfg.seed);

  // early stopping: each stage's record
  const validating = cfg.patience > 0 && valid !== undefined;
  const validation: Record<string, StageValidation> = structuredClone(resume?.validation?.stages ?? {});
  const groupValues = (group: string) => model.store.groupView(model.store.value, group);

  const snapshot = (stage: number, epoch: number, adam: Adam, group: string, stopping?: EarlyStopping): TrainSnapshot => ({
    stage,
    epoch,
    adamSteps: adam.steps,
    rng: { shuffle: Array.from(shuffle.state), sampling: Array.from(arena.u32View(sampling, 4)), gateNoise: Array.from(arena.u32View(gateNoise, 4)) },
    perm: perm.slice(),
    params: Object.fromEntries([...model.store.params.values()].map((p) => [p.name, arena.f32View(p.ptr, p.length).slice()])),
    m: model.store.groupView(model.store.m, group).slice(),
    v: model.store.groupView(model.store.v, group).slice(),
    rowSteps: adam.rowSteps(),
    losses: Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, [...v]])),
    timings: { ...timings },
    validation: stopping ? { stages: structuredClone(validation), ...stopping.state() } : undefined,
  });

  // step(start, B, adam) runs a batch and returns its loss. A sparse stage names, for the
  // lazy-Adam option, the tensors its gradients touch only at some rows; it may update some
  // tensors itself, in its own passes, from adam's step records, and names after each step the
  // touched rows of the others. With early stopping, the stage's `target` is what its checks
  // measure.
  const runStage = async (index: number, epochs: number, group: string, lr: number, target: ValidationTarget, step: (start: number, B: number, adam: Adam) => number, sparse?: SparseStage) => {
    const name = names[index];
    const t0 = now() - (timings[name] ?? 0);
    const adam = stageAdam(model, group, lr, cfg, sparse);
    const resumed = resume?.stage === index ? resume : undefined;
    const stopping = validating ? new EarlyStopping((validation[name] ??= { checks: [], bestEpoch: 0 }), cfg, resumed?.validation) : undefined;
    let first = 1;
    if (resumed) {
      adam.restore(resumed.adamSteps, resumed.m, resumed.v, resumed.rowSteps);
      first = stopping?.stopped ? epochs + 1 : resumed.epoch + 1;
    }
    const curve: number[] = (losses[name] ??= []);
    for (let epoch = first; epoch <= epochs; epoch++) {
      if (hooks.signal?.aborted) throw new AbortError(`training cancelled in ${name} at epoch ${epoch}`);
      shuffle.shuffle(perm);
      let sum = 0, batches = 0;
      for (let start = 0; start < data.users; start += cfg.batchSize) {
        const B = Math.min(cfg.batchSize, data.users - start);
        sum += step(start, B, adam);
        adam.step(adam.takesRows ? sparse!.touchedRows!() : []);
        batches++;
      }
      adam.flush();
      const loss = sum / batches;
      if (!Number.isFinite(loss)) throw new NumericsError(`${name}, epoch ${epoch}: the loss is ${loss}; ${model.store.nonFinite(group) ?? "no parameter"} holds NaN/Inf; nothing was saved`);
      curve.push(loss);
      let validRecall: number | undefined, stops = false;
      if (stopping?.due(epoch, epochs)) {
        validRecall = heldOutRecall(model, train, valid!, target);
        stops = stopping.check(epoch, epochs, validRecall, () => groupValues(group));
      }
      timings[name] = now() - t0;
      hooks.onProgress?.({ stage: name, epoch, epochs, loss, seconds: timings[name], validRecall });
      if (hooks.onCheckpoint && hooks.checkpointEvery && epoch % hooks.checkpointEvery === 0) {
        const bad = model.store.nonFinite(group);
        if (bad) throw new NumericsError(`${name}, epoch ${epoch}: parameter ${bad} holds NaN/Inf; the last checkpoint was kept`);
        await hooks.onCheckpoint(snapshot(index, epoch, adam, group, stopping));
      }
      await yieldToEventLoop();
      if (stops) break;
    }
    const best = stopping?.bestWeights;
    if (best) groupValues(group).set(best);
    const bad = model.store.nonFinite(group);
    if (bad) throw new NumericsError(`${name}: parameter ${bad} holds NaN/Inf after training; nothing was saved`);
    timings[name] = now() - t0;
  };
  const from = resume?.stage ?? 0;

  // stage 0: the Large sub-AE on the interactions
  let mark = arena.mark();
  if (from <= 0) {
    const s0 = new Stage0(model, train, cfg, sampling);
    await runStage(0, cfg.epochs[0], "sub.0", cfg.lr, { expert: 0 }, (start, B, adam) => s0.step(perm, start, B, adam), s0);
  }
  arena.reset(mark);

  // stages 1…L−1 on cached codes of the frozen levels below (the cache counts in the stage)
  for (let s = 1; s < L; s++) {
    if (from > s) continue;
    mark = arena.mark();
    const t0 = now();
    const codes = encodeAllUsers(model, train, s - 1);
    timings[`stage${s}`] = (timings[`stage${s}`] ?? 0) + now() - t0;
    const st = new StageDeep(model, s, codes, cfg.batchSize);
    await runStage(s, cfg.epochs[s], `sub.${s}`, cfg.lr, { expert: s }, (start, B, adam) => st.step(perm, start, B, adam), st);
    arena.reset(mark);
  }

  // the gate over frozen experts, through their outputs' Gram statistics for every user
  mark = arena.mark();
  const t0 = now();
  const stats = expertGramAllUsers(model, train);
  const errors = expertErrors(model, stats);
  timings.gate = (timings.gate ?? 0) + now() - t0;
  const rows = new BatchRows(core, train, cfg.batchSize);
  const sg = new StageGate(model, stats, cfg.batchSize, cfg.gateK, cfg.gateLossCoef, gateNoise);
  await runStage(L, cfg.gateEpochs, "gate", cfg.gateLr, { gateK: cfg.gateK }, (start, B) => {
    rows.load(perm, start, B);
    return sg.step(rows);
  });
  arena.reset(mark);
  return { model, timings, losses, validation: validating ? validation : undefined, expertErrors: errors };
}

/** Let other work run (progress rendering, cancellation) between epochs. */
function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === "function") return new Promise((r) => setImmediate(r));
  return new Promise((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      // an open port keeps a runtime's event loop alive (Node's, for one)
      ch.port1.close();
      r();
    };
    ch.port2.postMessage(null);
  });
}
