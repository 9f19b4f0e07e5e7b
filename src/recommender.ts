// A trained AEL model with its training interactions: evaluation, recommendation for a known
// or a new user, and (de)serialisation to safetensors with an embedded manifest.
import type { Core } from "../bindings/index.js";
import { ConfigError } from "./errors.js";
import { rowOf, withEveryRow, type Csr } from "./data/csr.js";
import type { DataIds } from "./data/dataset.js";
import { AelModel } from "./model/ael.js";
import { BatchRows, ExpertForward, uploadCsr, type WasmCsr } from "./model/forward.js";
import { EVAL_BATCH, evaluate, type EvalResult } from "./eval/evaluate.js";
import { expertErrorsAllUsers, likelihoodWeights } from "./eval/likelihood.js";
import { VariantScorer } from "./eval/variants.js";
import { topkRows } from "../bindings/parallel.js";
import { Gate } from "./model/gate.js";
import { checksum, decodeCheckpoint, encodeCheckpoint, FORMAT, FORMAT_VERSION, manifestOf, type CheckpointParts, type Manifest } from "./io/format.js";
import type { TrainConfig } from "./train/config.js";

export { FORMAT, FORMAT_VERSION, type Manifest };

export interface Recommendation {
  items: number[];
  scores: number[];
  /** The items' ids in the source data, when the model has them (CSV data). */
  ids?: string[];
}

/** Whom recommend() ranks for: a known user, their current items, both; and items never to recommend. */
export type RecommendQuery = ({ user: number; items?: ArrayLike<number> } | { items: ArrayLike<number> }) & { exclude?: ArrayLike<number> };

/** recommendAll()'s users (default: every one) and items never to recommend. */
export interface RecommendAllOptions {
  users?: ArrayLike<number>;
  exclude?: ArrayLike<number>;
}

/** Top-k lists of many users at once (Recommender.recommendAll). */
export interface RecommendationTable {
  /** The users, one row of k slots each. */
  users: Int32Array;
  k: number;
  /** users.length × k item indices, best first; −1 where a user has fewer than k candidates. */
  items: Int32Array;
  /** users.length × k scores; −∞ in the empty slots. */
  scores: Float32Array;
}

export class Recommender {
  private weightsCache?: number[];
  private indexCache?: { users: Map<string, number>; items: Map<string, number> };

  constructor(
    readonly core: Core,
    readonly model: AelModel,
    readonly config: TrainConfig,
    readonly dataName: string,
    readonly train: Csr,
    readonly wasmTrain: WasmCsr,
    /** How the data was specified (CLI), kept in the manifest so a run can be resumed. */
    readonly source: { spec?: string; noise?: number } = {},
    /** The source data's ids of the users and items, where its loader renumbered them. */
    readonly ids?: DataIds,
    /** Every user's squared error per expert on their training row (likelihood.ts), if known. */
    private errors?: Float64Array,
  ) {}

  get users(): number {
    return this.model.dims.users;
  }
  get items(): number {
    return this.model.dims.items;
  }

  evaluate(test: Csr): EvalResult {
    if (test.rows !== this.users) throw new ConfigError(`the test set has ${test.rows} users, the model ${this.users}`);
    return evaluate(this.model, this.wasmTrain, test, this.expertErrors());
  }

  /**
   * Top-k items for a known user, from their training row or, given items, from their history
   * as it is now (their embedding row with these items as the input; the input is excluded);
   * or for a new user given their items (cold start: a zero embedding row). Items in `exclude`
   * (out of stock, bought elsewhere) are never recommended; they do not enter the input.
   */
  recommend(who: RecommendQuery, k = 20, variant = "gate_k2"): Recommendation {
    if (!Number.isInteger(k) || k < 1) throw new ConfigError(`k must be a positive integer, got ${k}`);
    const user = "user" in who ? who.user : undefined;
    if (user !== undefined && (!Number.isInteger(user) || user < 0 || user >= this.users)) throw new ConfigError(`user ${user} is outside 0…${this.users - 1}`);
    const history = who.items !== undefined ? this.itemSet(who.items) : user !== undefined ? rowOf(this.train, user) : undefined;
    if (!history) throw new ConfigError("recommend needs a user, items, or both");
    const { arena, kernels: K } = this.core;
    const mark = arena.mark();
    try {
      const one: Csr = { rows: 1, rowptr: Int32Array.from([0, history.length]), cols: history };
      const src = uploadCsr(this.core, one, "recommendation input");
      const skip = who.exclude === undefined ? src : uploadCsr(this.core, withEveryRow(one, this.itemSet(who.exclude)), "excluded items");
      const rows = new BatchRows(this.core, src, 1);
      rows.load([0]);
      const cold = user === undefined;
      if (!cold) arena.i32View(rows.users, 1)[0] = user;
      const fwd = new ExpertForward(this.model, 1);
      const scorer = new VariantScorer(this.model, 1);
      const X = fwd.experts(rows, cold);
      const scores = scorer.score(variant, rows, X, () => this.likelihood());
      const kk = Math.min(k, this.items);
      const idx = arena.alloc(kk * 4), val = arena.f32(kk);
      K.topk_rows(idx, val, scores, skip.rowptr, skip.cols, 1, this.items, kk);
      const items = Array.from(arena.i32View(idx, kk)).filter((i) => i >= 0);
      const ids = this.ids && items.map((i) => this.ids!.items[i]);
      return { items, scores: Array.from(arena.f32View(val, items.length)), ...(ids && { ids }) };
    } finally {
      arena.reset(mark);
    }
  }

  /**
   * Top-k items for every known user (or the given ones), each from their training row, which is
   * excluded, and never the items in `exclude`: what recommend({ user, exclude }) gives each of
   * them, ranked in batches as evaluation ranks, for lists computed offline and served as they are.
   */
  recommendAll(k = 20, variant = "gate_k2", { users, exclude }: RecommendAllOptions = {}): RecommendationTable {
    if (!Number.isInteger(k) || k < 1) throw new ConfigError(`k must be a positive integer, got ${k}`);
    const bad = users === undefined ? undefined : Array.from(users).find((u) => !Number.isInteger(u) || u < 0 || u >= this.users);
    if (bad !== undefined) throw new ConfigError(`user ${bad} is outside 0…${this.users - 1}`);
    const list = users === undefined ? Int32Array.from({ length: this.users }, (_, u) => u) : Int32Array.from(users);
    const { arena } = this.core;
    const kk = Math.min(k, this.items);
    const items = new Int32Array(list.length * k).fill(-1), scores = new Float32Array(list.length * k).fill(-Infinity);
    const mark = arena.mark();
    try {
      // every row's training items, and with them the excluded ones, are never recommended
      const skipRows = exclude === undefined ? undefined : new BatchRows(this.core, uploadCsr(this.core, withEveryRow(this.train, this.itemSet(exclude)), "excluded items"), EVAL_BATCH);
      const rows = new BatchRows(this.core, this.wasmTrain, EVAL_BATCH);
      const fwd = new ExpertForward(this.model, EVAL_BATCH);
      const scorer = new VariantScorer(this.model, EVAL_BATCH);
      const idx = arena.alloc(EVAL_BATCH * kk * 4, "top-k"), val = arena.f32(EVAL_BATCH * kk, "top-k");
      for (let s = 0; s < list.length; s += EVAL_BATCH) {
        const B = Math.min(EVAL_BATCH, list.length - s);
        rows.load(list, s, B);
        skipRows?.load(list, s, B);
        const X = fwd.experts(rows);
        const excluded = skipRows ?? rows;
        topkRows(this.core, idx, val, scorer.score(variant, rows, X, () => this.likelihood()), excluded.rowptr, excluded.cols, B, this.items, kk);
        const top = arena.i32View(idx, B * kk), topScores = arena.f32View(val, B * kk);
        for (let b = 0; b < B; b++) {
          items.set(top.subarray(b * kk, (b + 1) * kk), (s + b) * k);
          scores.set(topScores.subarray(b * kk, (b + 1) * kk), (s + b) * k);
        }
      }
      return { users: list, k, items, scores };
    } finally {
      arena.reset(mark);
    }
  }

  /** The index of the user the source data calls `id` (a model trained on data with ids: CSV). */
  userIndex(id: string): number {
    return this.indexOf("user", id);
  }

  /** The index of the item the source data calls `id`. */
  itemIndex(id: string): number {
    return this.indexOf("item", id);
  }

  private indexOf(kind: "user" | "item", id: string): number {
    if (!this.ids) throw new ConfigError(`the model's data (${this.dataName}) has no ids of its own: ${kind}s are numbered 0…${(kind === "user" ? this.users : this.items) - 1}`);
    this.indexCache ??= { users: new Map(this.ids.users.map((s, i) => [s, i])), items: new Map(this.ids.items.map((s, i) => [s, i])) };
    const i = (kind === "user" ? this.indexCache.users : this.indexCache.items).get(id);
    if (i === undefined) throw new ConfigError(`${kind} "${id}" is not in the model's training data (${this.dataName})`);
    return i;
  }

  /** Item indices, checked, without repeats, ascending. */
  private itemSet(items: ArrayLike<number>): Int32Array {
    const set = new Set<number>();
    for (const i of Array.from(items)) {
      if (!Number.isInteger(i) || i < 0 || i >= this.items) throw new ConfigError(`item ${i} is outside 0…${this.items - 1}`);
      set.add(i);
    }
    return Int32Array.from([...set].sort((a, b) => a - b));
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
      this.weightsCache = likelihoodWeights(this.expertErrors(), users, this.model.experts, this.items);
    }
    return this.weightsCache;
  }

  /** Every user's squared error per expert: from training, or one pass of the experts (a loaded model). */
  private expertErrors(): Float64Array {
    this.errors ??= expertErrorsAllUsers(this.model, this.wasmTrain);
    return this.errors;
  }

  /** The parameters, by name, as views of the model's memory. */
  params(): Record<string, Float32Array> {
    return Object.fromEntries([...this.model.store.params.values()].map((p) => [p.name, this.core.arena.f32View(p.ptr, p.length)]));
  }

  /** FNV-1a (64-bit, over 32-bit words) of every parameter in store order: equal weights, equal sums. */
  weightsChecksum(): string {
    return checksum(Object.values(this.params()));
  }

  manifest(): Manifest {
    return manifestOf({ config: this.config, dataName: this.dataName, users: this.users, items: this.items, train: this.train, source: this.source }, this.params());
  }

  toSafetensors(): Uint8Array<ArrayBuffer> {
    return encodeCheckpoint({ manifest: this.manifest(), params: this.params(), train: this.train, ids: this.ids });
  }

  static fromParts(core: Core, parts: CheckpointParts): Recommender {
    const { manifest: m, params, train, ids } = parts;
    const model = new AelModel(core, { users: m.data.users, items: m.data.items, hidden: m.config.hidden }, false);
    for (const p of model.store.params.values()) core.arena.f32View(p.ptr, p.length).set(params[p.name]);
    const { spec, noise } = m.data;
    return new Recommender(core, model, m.config, m.data.name, train, uploadCsr(core, train), { spec, noise }, ids);
  }

  static fromSafetensors(core: Core, bytes: Uint8Array, file = "model.safetensors"): Recommender {
    return Recommender.fromParts(core, decodeCheckpoint(bytes, file));
  }
}
