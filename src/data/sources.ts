// Data sets from file contents: MovieLens-100K, DeCA/DenoisingRec splits and generic CSV/TSV.
// Everything here works on strings, so the browser (File API) and Node (fs) share it.
import { DataError } from "../errors.js";
import { Rng } from "../../bindings/rng.js";
import { csrFromPairs, type Csr } from "./csr.js";
import type { Dataset } from "./dataset.js";
import { maxId, parseInteractions, toIndices, type Interactions, type ParseOptions } from "./parse.js";

export interface TextFile {
  name: string;
  text: string;
}

/** A file as text, or already parsed (a stream reader parses while it reads). */
export type FileInput = TextFile | { name: string; interactions: Interactions };

function parsed(f: FileInput, opts: ParseOptions): Interactions {
  return "interactions" in f ? f.interactions : parseInteractions(f.text, f.name, opts);
}

interface Pairs {
  u: Int32Array;
  i: Int32Array;
}

/** The splits as CSR; `duplicates` counts the repeats a split dropped before them. */
function build(name: string, users: number, items: number, s: { train: Pairs; test: Pairs; valid?: Pairs; duplicates?: number }): Dataset {
  const tr = csrFromPairs(users, s.train.u, s.train.i);
  const te = csrFromPairs(users, s.test.u, s.test.i);
  const va = s.valid ? csrFromPairs(users, s.valid.u, s.valid.i) : undefined;
  if (tr.csr.cols.length === 0) throw new DataError(`${name}: the training split has no interactions`);
  if (te.csr.cols.length === 0) throw new DataError(`${name}: the test split has no interactions`);
  const duplicates = (s.duplicates ?? 0) + tr.duplicates + te.duplicates + (va?.duplicates ?? 0);
  return { name, users, items, train: tr.csr, test: te.csr, valid: va?.csr, duplicates };
}

/** `u.info` says "943 users\n1682 items\n…". */
function parseInfo(info: TextFile | undefined): { users: number; items: number } | null {
  if (!info) return null;
  const u = /^(\d+)\s+users/m.exec(info.text), i = /^(\d+)\s+items/m.exec(info.text);
  if (!u || !i) throw new DataError('expected lines "N users" and "N items"', info.name);
  return { users: Number(u[1]), items: Number(i[1]) };
}

/**
 * MovieLens-100K: `u1.base` + `u1.test` (the reference split), or one file (`u.data`, or a
 * `u1.base` alone) split 80/20 at random (seeded). Ids are 1-based; every rating is an
 * interaction unless `minRating` is given.
 */
export function movielens(files: { base?: FileInput; test?: FileInput; data?: FileInput; info?: TextFile }, opts: { seed?: number; minRating?: number } = {}): Dataset {
  const keep = (p: Interactions) => filterRating(p, opts.minRating);
  if (files.base && files.test) {
    const b = keep(parsed(files.base, { integerIds: true }));
    const t = keep(parsed(files.test, { integerIds: true }));
    const c = parseInfo(files.info) ?? { users: Math.max(maxId(b, "users"), maxId(t, "users")), items: Math.max(maxId(b, "items"), maxId(t, "items")) };
    return build("ml-100k/u1", c.users, c.items, { train: toIndices(b, files.base.name, 1, c.users, c.items), test: toIndices(t, files.test.name, 1, c.users, c.items) });
  }
  const one = files.data ?? files.base ?? files.test;
  if (!one) throw new DataError("MovieLens needs u1.base and u1.test, or u.data");
  const d = keep(parsed(one, { integerIds: true }));
  const c = parseInfo(files.info) ?? { users: maxId(d, "users"), items: maxId(d, "items") };
  const all = toIndices(d, one.name, 1, c.users, c.items);
  return build("ml-100k/u.data", c.users, c.items, splitByRatio(all, 0.2, opts.seed ?? 1));
}

/**
 * DeCA / DenoisingRec files: NAME.train.rating, NAME.test.negative (the clean test set) and
 * optionally NAME.valid.rating; tab-separated, 0-based ids. Counts are the largest ids + 1
 * unless declared.
 */
export function deca(name: string, files: { train: FileInput; test?: FileInput; valid?: FileInput; extra?: FileInput[] }, declared?: { users: number; items: number }, seed = 1): Dataset {
  const tr = parsed(files.train, { integerIds: true });
  if (!files.test) {
    // a training file alone: a seeded 80/20 split of it
    const c = declared ?? { users: maxId(tr, "users") + 1, items: maxId(tr, "items") + 1 };
    return build(name, c.users, c.items, splitByRatio(toIndices(tr, files.train.name, 0, c.users, c.items), 0.2, seed));
  }
  const te = parsed(files.test, { integerIds: true });
  const va = files.valid ? parsed(files.valid, { integerIds: true }) : undefined;
  const all = [tr, te, ...(va ? [va] : []), ...(files.extra ?? []).map((f) => parsed(f, { integerIds: true }))];
  const c = declared ?? { users: Math.max(...all.map((p) => maxId(p, "users"))) + 1, items: Math.max(...all.map((p) => maxId(p, "items"))) + 1 };
  return build(name, c.users, c.items, {
    train: toIndices(tr, files.train.name, 0, c.users, c.items),
    test: toIndices(te, files.test.name, 0, c.users, c.items),
    valid: va && files.valid ? toIndices(va, files.valid.name, 0, c.users, c.items) : undefined,
  });
}

/**
 * Generic CSV/TSV `user,item[,rating[,timestamp]]` with any ids (remapped to 0…n−1 in order of
 * first appearance, training file first, and kept as the data set's ids), an optional header,
 * an optional rating threshold, and a test file or a seeded random split.
 */
export function csv(train: FileInput, test: FileInput | undefined, opts: { seed?: number; testRatio?: number; minRating?: number } = {}): Dataset {
  const tr = filterRating(parsed(train, { header: true }), opts.minRating);
  const te = test ? filterRating(parsed(test, { header: true }), opts.minRating) : undefined;
  const userIds = new Map<string, number>(), itemIds = new Map<string, number>();
  const idx = (p: Interactions): Pairs => {
    const u = new Int32Array(p.users.length), i = new Int32Array(p.users.length);
    p.users.forEach((s, k) => (u[k] = intern(userIds, s)));
    p.items.forEach((s, k) => (i[k] = intern(itemIds, s)));
    return { u, i };
  };
  const a = idx(tr);
  const b = te ? idx(te) : undefined;
  const split = b ? { train: a, test: b } : splitByRatio(a, opts.testRatio ?? 0.2, opts.seed ?? 1);
  return { ...build(train.name, userIds.size, itemIds.size, split), ids: { users: [...userIds.keys()], items: [...itemIds.keys()] } };
}

function intern(m: Map<string, number>, s: string): number {
  let v = m.get(s);
  if (v === undefined) m.set(s, (v = m.size));
  return v;
}

function filterRating(p: Interactions, minRating?: number): Interactions {
  if (minRating === undefined) return p;
  if (!p.ratings) throw new DataError("a rating threshold was given but the file has no rating column");
  const keep = Array.from(p.ratings, (r, k) => (r >= minRating ? k : -1)).filter((k) => k >= 0);
  return { users: keep.map((k) => p.users[k]), items: keep.map((k) => p.items[k]), ratings: Float64Array.from(keep, (k) => p.ratings![k]), lines: Int32Array.from(keep, (k) => p.lines[k]) };
}

/**
 * Each distinct (user, item) pair goes to the test side with probability `ratio` (seeded, one
 * draw per pair in order of first appearance). A pair's repeats are dropped before the draw, so
 * that a pair logged several times never lands on both sides: ranking excludes training items,
 * and such a test pair could never be hit. `duplicates` counts the repeats dropped.
 */
export function splitByRatio(all: Pairs, ratio: number, seed: number): { train: Pairs; test: Pairs; duplicates: number } {
  const rng = Rng.seeded(seed, 7);
  const width = all.i.reduce((m, i) => Math.max(m, i + 1), 0);
  const seen = new Set<number>();
  const train: number[] = [], test: number[] = [];
  for (let k = 0; k < all.u.length; k++) {
    const key = all.u[k] * width + all.i[k];
    if (seen.has(key)) continue;
    seen.add(key);
    (rng.uniform() < ratio ? test : train).push(k);
  }
  const pick = (ks: number[]): Pairs => ({ u: Int32Array.from(ks, (k) => all.u[k]), i: Int32Array.from(ks, (k) => all.i[k]) });
  return { train: pick(train), test: pick(test), duplicates: all.u.length - seen.size };
}

export type { Csr };
