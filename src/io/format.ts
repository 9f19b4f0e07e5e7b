// The checkpoint format: one safetensors file holding every parameter under its dotted name,
// the training rows, optionally the state of an unfinished run, the manifest (JSON in the
// metadata) and, for data whose ids were renumbered, the source's ids (JSON in the metadata
// beside it, so model.json stays small). The reader validates everything before any of it is used.
import { CheckpointError, ConfigError } from "../errors.js";
import { sameRows, type Csr } from "../data/csr.js";
import type { DataIds, Dataset } from "../data/dataset.js";
import { paramSpecs } from "../model/ael.js";
import { resolveConfig, type TrainConfig } from "../train/config.js";
import type { TrainSnapshot } from "../train/trainer.js";
import { decodeSafetensors, encodeSafetensors, type Tensor } from "./safetensors.js";

export const FORMAT = "ael-wasm";
export const FORMAT_VERSION = 1;
/** The metadata key of the source's ids. */
const IDS = `${FORMAT}.ids`;

export interface Manifest {
  format: typeof FORMAT;
  version: number;
  config: TrainConfig;
  data: { name: string; users: number; items: number; train: number; spec?: string; noise?: number };
  /** weightsChecksum() of the saved parameters. */
  weights: string;
  /** Present while a run is unfinished: where it stands (the rest is in train.* tensors). */
  training?: Pick<TrainSnapshot, "stage" | "epoch" | "adamSteps" | "rng" | "losses" | "timings"> & {
    /** Early stopping's records and the stage in progress's best check (null before its first; its weights in train.valid.best_params). */
    validation?: { stages: NonNullable<TrainSnapshot["validation"]>["stages"]; best: number | null; since: number };
  };
}

export interface CheckpointParts {
  manifest: Manifest;
  params: Record<string, Float32Array>;
  train: Csr;
  ids?: DataIds;
  training?: TrainSnapshot;
}

/** FNV-1a (64-bit, over 32-bit words) of the parameters in store order. */
export function checksum(params: Iterable<Float32Array>): string {
  let lo = 0x84222325, hi = 0xcbf29ce4;
  for (const p of params) {
    const words = new Uint32Array(p.buffer, p.byteOffset, p.length);
    for (let i = 0; i < words.length; i++) {
      lo = (lo ^ words[i]) >>> 0;
      // (hi:lo) · (2^40 + 0x1b3) mod 2^64
      const a = lo * 0x1b3;
      hi = (Math.imul(hi, 0x1b3) + Math.floor(a / 4294967296) + (lo << 8)) >>> 0;
      lo = a >>> 0;
    }
  }
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}

/** Where a run stands, the part of a snapshot the manifest carries (arrays go to train.* tensors). */
export function trainingPosition(s: TrainSnapshot): NonNullable<Manifest["training"]> {
  const { stage, epoch, adamSteps, rng, losses, timings, validation: v } = s;
  const validation = v && { stages: v.stages, best: Number.isFinite(v.best) ? v.best : null, since: v.since };
  return { stage, epoch, adamSteps, rng, losses, timings, ...(validation && { validation }) };
}

/** What a checkpoint records of a run besides its weights (and, unfinished, its snapshot). */
export interface RunInfo {
  config: TrainConfig;
  dataName: string;
  users: number;
  items: number;
  train: Csr;
  ids?: DataIds;
  source?: { spec?: string; noise?: number };
}

/** What a checkpoint records of a run on `data` with `config` (and the data's spec, from the CLI). */
export function runInfo(data: Dataset, config: TrainConfig, source?: RunInfo["source"]): RunInfo {
  return { config, dataName: data.name, users: data.users, items: data.items, train: data.train, ids: data.ids, source };
}

/**
 * The unfinished run a checkpoint holds, to go on with on `train`, the data it was taken on.
 * `what` names the checkpoint and `than` the data in the refusals.
 */
export function runToResume(parts: CheckpointParts, train: Csr, what: string, than: string): TrainSnapshot {
  if (!parts.training) throw new ConfigError(`${what} holds a finished model, not an unfinished run`);
  if (!sameRows(parts.train, train)) throw new ConfigError(`${what} was trained on other interactions than ${than}`);
  return parts.training;
}

/** The manifest of a checkpoint of the run with these weights (an unfinished run's position goes in as `training`). */
export function manifestOf(info: RunInfo, params: Record<string, Float32Array>): Manifest {
  return {
    format: FORMAT,
    version: FORMAT_VERSION,
    config: info.config,
    data: { name: info.dataName, users: info.users, items: info.items, train: info.train.cols.length, ...info.source },
    weights: checksum(Object.values(params)),
  };
}

/** The checkpoint of an unfinished run, as bytes (what saveTrainingCheckpoint writes). */
export function encodeRunCheckpoint(info: RunInfo, snap: TrainSnapshot): Uint8Array<ArrayBuffer> {
  return encodeCheckpoint({ manifest: manifestOf(info, snap.params), params: snap.params, train: info.train, ids: info.ids, training: snap });
}

export function encodeCheckpoint(parts: CheckpointParts): Uint8Array<ArrayBuffer> {
  const { manifest, params, train, ids, training } = parts;
  const specs = paramSpecs({ users: manifest.data.users, items: manifest.data.items, hidden: manifest.config.hidden });
  const tensors: Record<string, Tensor> = {};
  for (const s of specs) tensors[s.name] = { dtype: "F32", shape: s.shape, data: params[s.name] };
  tensors["data.train.rowptr"] = { dtype: "I32", shape: [train.rowptr.length], data: train.rowptr };
  tensors["data.train.cols"] = { dtype: "I32", shape: [train.cols.length], data: train.cols };
  let m: Manifest = manifest;
  if (training) {
    const { perm, m: mom, v, rowSteps } = training;
    if (rowSteps) tensors["train.adam.row_steps"] = { dtype: "I32", shape: [rowSteps.length], data: rowSteps };
    tensors["train.perm"] = { dtype: "I32", shape: [perm.length], data: perm };
    tensors["train.adam.m"] = { dtype: "F32", shape: [mom.length], data: mom };
    tensors["train.adam.v"] = { dtype: "F32", shape: [v.length], data: v };
    const best = training.validation?.bestParams;
    if (best) tensors["train.valid.best_params"] = { dtype: "F32", shape: [best.length], data: best };
    m = { ...manifest, training: trainingPosition(training) };
  }
  return encodeSafetensors(tensors, { [FORMAT]: JSON.stringify(m), ...(ids && { [IDS]: JSON.stringify({ users: ids.users, items: ids.items }) }) });
}

export function decodeCheckpoint(bytes: Uint8Array, file: string): CheckpointParts {
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  const fail = (why: string): never => {
    throw new CheckpointError(`${file}: ${why}`);
  };
  const raw = metadata[FORMAT];
  if (raw === undefined) fail(`not an ${FORMAT} checkpoint (no "${FORMAT}" manifest in the safetensors metadata)`);
  let m: Manifest;
  try {
    m = JSON.parse(raw!);
  } catch {
    return fail("the manifest is not valid JSON");
  }
  if (typeof m !== "object" || m === null) fail("the manifest is not an object");
  if (m.format !== FORMAT) fail(`format "${m.format}" is not ${FORMAT}`);
  if (m.version !== FORMAT_VERSION) fail(`format version ${m.version}; this build reads version ${FORMAT_VERSION}`);
  let config: TrainConfig;
  try {
    config = resolveConfig(m.config);
  } catch (e) {
    return fail(`the manifest's config is invalid: ${(e as Error).message}`);
  }
  const { users, items } = m.data ?? ({} as Manifest["data"]);
  if (!Number.isInteger(users) || users < 1 || !Number.isInteger(items) || items < 1) fail("the manifest's data dimensions are invalid");
  const params: Record<string, Float32Array> = {};
  for (const s of paramSpecs({ users, items, hidden: config.hidden })) {
    const t = tensors[s.name];
    if (!t) fail(`tensor ${s.name} is missing`);
    if (t.dtype !== "F32" || t.shape.join(",") !== s.shape.join(",")) fail(`tensor ${s.name} is ${t.dtype}[${t.shape}], expected F32[${s.shape}]`);
    params[s.name] = t.data as Float32Array;
  }
  if (checksum(Object.values(params)) !== m.weights) fail(`the weights do not match the manifest's checksum (${m.weights}); the file was altered`);
  const rowptr = tensors["data.train.rowptr"]?.data, cols = tensors["data.train.cols"]?.data;
  if (!(rowptr instanceof Int32Array) || !(cols instanceof Int32Array) || rowptr.length !== users + 1) fail("the training rows (data.train.*) are missing or malformed");
  const train: Csr = { rows: users, rowptr: rowptr as Int32Array, cols: cols as Int32Array };
  if (train.rowptr[0] !== 0 || train.rowptr[users] !== train.cols.length) fail("the training rows do not cover the item list");
  for (let u = 0; u < users; u++) {
    const a = train.rowptr[u], b = train.rowptr[u + 1];
    if (a > b || b > train.cols.length) fail(`training row ${u} has invalid bounds`);
    for (let j = a; j < b; j++) if (train.cols[j] < 0 || train.cols[j] >= items || (j > a && train.cols[j] <= train.cols[j - 1])) fail(`training row ${u} holds an invalid item id`);
  }
  const manifest = { ...m, config };
  const ids = metadata[IDS] === undefined ? undefined : decodeIds(metadata[IDS], users, items, fail);
  if (!m.training) return { manifest, params, train, ids };
  const t = m.training;
  const perm = tensors["train.perm"]?.data, mom = tensors["train.adam.m"]?.data, v = tensors["train.adam.v"]?.data;
  const stages = config.hidden.length + 1;
  if (!Number.isInteger(t.stage) || t.stage < 0 || t.stage >= stages || !Number.isInteger(t.epoch) || t.epoch < 0 || !Number.isInteger(t.adamSteps) || t.adamSteps < 0) fail("the training position (stage, epoch, Adam step) is invalid");
  const words = (w: unknown) => Array.isArray(w) && w.length === 4 && w.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32);
  if (!t.rng || !words(t.rng.shuffle) || !words(t.rng.sampling) || !words(t.rng.gateNoise)) fail("the saved random states are invalid");
  if (!(perm instanceof Int32Array) || perm.length !== users || !isPermutation(perm)) fail("train.perm is not a permutation of the users");
  if (!(mom instanceof Float32Array) || !(v instanceof Float32Array) || mom.length !== v.length) fail("the saved Adam moments are missing or malformed");
  const rowSteps = tensors["train.adam.row_steps"]?.data;
  // lazy rows: stage 0's W_enc and W_dec (a row per item) and V; a deeper stage's V
  const lazyRows = t.stage === 0 ? 2 * items + users : users;
  if (rowSteps !== undefined && (!(rowSteps instanceof Int32Array) || rowSteps.length !== lazyRows)) fail(`train.adam.row_steps is malformed (expected I32[${lazyRows}], a step per lazily updated row)`);
  if (t.stage < config.hidden.length && !!rowSteps !== config.lazyAdam) fail("the saved lazy-Adam row steps do not match the configuration");
  let validation: TrainSnapshot["validation"];
  if (t.validation) {
    const { stages: st, best, since } = t.validation;
    const bestParams = tensors["train.valid.best_params"]?.data;
    if (typeof st !== "object" || st === null || !(best === null || Number.isFinite(best)) || !Number.isInteger(since) || since < 0) fail("the saved early-stopping state is invalid");
    if (bestParams !== undefined && (!(bestParams instanceof Float32Array) || bestParams.length !== mom.length)) fail("train.valid.best_params is malformed (expected the stage's parameters)");
    if ((bestParams === undefined) !== (best === null)) fail("the saved early-stopping state and train.valid.best_params disagree");
    validation = { stages: st, best: best ?? -Infinity, since, bestParams: bestParams as Float32Array | undefined };
  }
  return { manifest, params, train, ids, training: { ...t, perm: perm as Int32Array, params, m: mom as Float32Array, v: v as Float32Array, rowSteps: rowSteps as Int32Array | undefined, validation } };
}

function decodeIds(raw: string, users: number, items: number, fail: (why: string) => never): DataIds {
  let ids: unknown;
  try {
    ids = JSON.parse(raw);
  } catch {
    return fail(`the ids (${IDS}) are not valid JSON`);
  }
  const { users: u, items: i } = (ids ?? {}) as Record<string, unknown>;
  const distinct = (a: unknown, n: number) => Array.isArray(a) && a.length === n && a.every((s) => typeof s === "string") && new Set(a).size === n;
  if (!distinct(u, users) || !distinct(i, items)) fail(`the ids (${IDS}) are not ${users} distinct user ids and ${items} distinct item ids`);
  return { users: u as string[], items: i as string[] };
}

function isPermutation(p: Int32Array): boolean {
  const seen = new Uint8Array(p.length);
  for (const x of p) {
    if (x < 0 || x >= p.length || seen[x]) return false;
    seen[x] = 1;
  }
  return true;
}
