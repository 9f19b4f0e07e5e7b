// A trained AEL model with its training interactions: evaluation, recommendation for a known
// or a new user, and (de)serialisation to safetensors with an embedded manifest.
import type { Core } from "../bindings/index.js";
import { CheckpointError, ConfigError } from "./errors.js";
import { rowOf, type Csr } from "./data/csr.js";
import { AelModel, paramSpecs } from "./model/ael.js";
import { BatchRows, ExpertForward, uploadCsr, type WasmCsr } from "./model/forward.js";
import { evaluate, likelihoodWeights, type EvalResult } from "./eval/evaluate.js";
import { VariantScorer } from "./eval/variants.js";
import { Gate } from "./model/gate.js";
import { decodeSafetensors, encodeSafetensors, type Tensor } from "./io/safetensors.js";
import { resolveConfig, type TrainConfig } from "./train/config.js";

export const FORMAT = "ael-wasm";
export const FORMAT_VERSION = 1;

export interface Manifest {
  format: typeof FORMAT;
  version: number;
  config: TrainConfig;
  data: { name: string; users: number; items: number; train: number };
  /** Recommender.weightsChecksum() of the saved weights. */
  weights: string;
}

export interface Recommendation {
  items: number[];
  scores: number[];
}

export class Recommender {
  private weightsCache?: number[];

  constructor(
    readonly core: Core,
    readonly model: AelModel,
    readonly config: TrainConfig,
    readonly dataName: string,
    readonly train: Csr,
    readonly wasmTrain: WasmCsr,
  ) {}

  get users(): number {
    return this.model.dims.users;
  }
  get items(): number {
    return this.model.dims.items;
  }

  evaluate(test: Csr): EvalResult {
    if (test.rows !== this.users) throw new ConfigError(`the test set has ${test.rows} users, the model ${this.users}`);
    return evaluate(this.model, this.wasmTrain, test);
  }

  /**
   * Top-k items for a known user (their training row is the input and is excluded) or for a
   * new user given their items (cold start: a zero embedding row, the items excluded).
   */
  recommend(who: { user: number } | { items: ArrayLike<number> }, k = 20, variant = "gate_k2"): Recommendation {
    if (!Number.isInteger(k) || k < 1) throw new ConfigError(`k must be a positive integer, got ${k}`);
    const { arena, kernels: K } = this.core;
    const mark = arena.mark();
    try {
      let history: Int32Array;
      let cold: boolean;
      if ("user" in who) {
        if (!Number.isInteger(who.user) || who.user < 0 || who.user >= this.users) throw new ConfigError(`user ${who.user} is outside 0…${this.users - 1}`);
        history = rowOf(this.train, who.user);
        cold = false;
      } else {
        const set = new Set<number>();
        for (const i of Array.from(who.items)) {
          if (!Number.isInteger(i) || i < 0 || i >= this.items) throw new ConfigError(`item ${i} is outside 0…${this.items - 1}`);
          set.add(i);
        }
        history = Int32Array.from([...set].sort((a, b) => a - b));
        cold = true;
      }
      const one: Csr = { rows: 1, rowptr: Int32Array.from([0, history.length]), cols: history };
      const src = uploadCsr(this.core, one, "recommendation input");
      const rows = new BatchRows(this.core, src, 1);
      rows.load([0]);
      if (!cold) arena.i32View(rows.users, 1)[0] = (who as { user: number }).user;
      const fwd = new ExpertForward(this.model, 1);
      const scorer = new VariantScorer(this.model, 1);
      const X = fwd.experts(rows, cold);
      const scores = scorer.score(variant, rows, X, this.likelihood());
      const kk = Math.min(k, this.items);
      const idx = arena.alloc(kk * 4), val = arena.f32(kk);
      K.topk_rows(idx, val, scores, rows.rowptr, rows.cols, 1, this.items, kk);
      const items = Array.from(arena.i32View(idx, kk)).filter((i) => i >= 0);
      return { items, scores: Array.from(arena.f32View(val, items.length)) };
    } finally {
      arena.reset(mark);
    }
  }

  /**
   * The experts the gate selects for every user (clean logits, k per user, ascending expert
   * index): a U×k array.
   */
  routing(k = 2): Int32Array {
    const { arena } = this.core;
    const E = this.model.experts;
    if (!Number.isInteger(k) || k < 1 || k > E) throw new ConfigError(`k must be in 1…${E}, got ${k}`);
    const mark = arena.mark();
    try {
      const B = 256, m = Math.min(k + 1, E);
      const rows = new BatchRows(this.core, this.wasmTrain, B);
      const gate = new Gate(this.model, B);
      const all = Int32Array.from({ length: this.users }, (_, u) => u);
      const out = new Int32Array(this.users * k);
      for (let s = 0; s < this.users; s += B) {
        const n = Math.min(B, this.users - s);
        rows.load(all, s, n);
        gate.route(rows, k);
        const top = arena.i32View(gate.top, n * m);
        for (let b = 0; b < n; b++) out.set(top.subarray(b * m, b * m + k).slice().sort(), (s + b) * k);
      }
      return out;
    } finally {
      arena.reset(mark);
    }
  }

  /** Likelihood weights over every user with a training row. */
  private likelihood(): number[] {
    if (!this.weightsCache) {
      const users: number[] = [];
      for (let u = 0; u < this.users; u++) if (this.train.rowptr[u + 1] > this.train.rowptr[u]) users.push(u);
      this.weightsCache = likelihoodWeights(this.model, this.wasmTrain, Int32Array.from(users));
    }
    return this.weightsCache;
  }

  /** FNV-1a (64-bit, over 32-bit words) of every parameter, in store order: equal weights, equal sums. */
  weightsChecksum(): string {
    let lo = 0x84222325, hi = 0xcbf29ce4;
    for (const p of this.model.store.params.values()) {
      const words = this.core.arena.u32View(p.ptr, p.length);
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

  manifest(): Manifest {
    return {
      format: FORMAT,
      version: FORMAT_VERSION,
      config: this.config,
      data: { name: this.dataName, users: this.users, items: this.items, train: this.train.cols.length },
      weights: this.weightsChecksum(),
    };
  }

  toSafetensors(): Uint8Array {
    const tensors: Record<string, Tensor> = {};
    for (const p of this.model.store.params.values()) tensors[p.name] = { dtype: "F32", shape: p.shape, data: this.core.arena.f32View(p.ptr, p.length) };
    tensors["data.train.rowptr"] = { dtype: "I32", shape: [this.train.rowptr.length], data: this.train.rowptr };
    tensors["data.train.cols"] = { dtype: "I32", shape: [this.train.cols.length], data: this.train.cols };
    return encodeSafetensors(tensors, { [FORMAT]: JSON.stringify(this.manifest()) });
  }

  static fromSafetensors(core: Core, bytes: Uint8Array, file = "model.safetensors"): Recommender {
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
    const specs = paramSpecs({ users, items, hidden: config.hidden });
    for (const s of specs) {
      const t = tensors[s.name];
      if (!t) fail(`tensor ${s.name} is missing`);
      if (t.dtype !== "F32" || t.shape.join(",") !== s.shape.join(",")) fail(`tensor ${s.name} is ${t.dtype}[${t.shape}], expected F32[${s.shape}]`);
    }
    const rowptr = tensors["data.train.rowptr"]?.data, cols = tensors["data.train.cols"]?.data;
    if (!(rowptr instanceof Int32Array) || !(cols instanceof Int32Array) || rowptr.length !== users + 1) fail("the training rows (data.train.*) are missing or malformed");
    const train: Csr = { rows: users, rowptr: rowptr as Int32Array, cols: cols as Int32Array };
    for (let u = 0; u < users; u++) {
      const a = train.rowptr[u], b = train.rowptr[u + 1];
      if (a > b || b > train.cols.length) fail(`training row ${u} has invalid bounds`);
      for (let j = a; j < b; j++) if (train.cols[j] < 0 || train.cols[j] >= items || (j > a && train.cols[j] <= train.cols[j - 1])) fail(`training row ${u} holds an invalid item id`);
    }
    if (train.rowptr[0] !== 0 || train.rowptr[users] !== train.cols.length) fail("the training rows do not cover the item list");
    const model = new AelModel(core, { users, items, hidden: config.hidden });
    for (const p of model.store.params.values()) core.arena.f32View(p.ptr, p.length).set(tensors[p.name].data as Float32Array);
    const rec = new Recommender(core, model, config, m.data.name, train, uploadCsr(core, train));
    if (rec.weightsChecksum() !== m.weights) fail(`the weights do not match the manifest's checksum (${m.weights}); the file was altered`);
    return rec;
  }
}
