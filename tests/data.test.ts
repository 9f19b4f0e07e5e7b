// Data loading: the three file formats, located errors, noise injection and the synthetic set.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rejects } from "./helpers.js";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { csv, deca, movielens } from "../src/data/sources.js";
import { parseInteractions } from "../src/data/parse.js";
import { injectNoise } from "../src/data/noise.js";
import { gumbelBound, synthetic, SYNTHETIC_DEFAULTS } from "../src/data/synthetic.js";
import { Rng, ln } from "../bindings/rng.js";
import { loadDataSpec } from "../src/data/spec.js";
import { datasetNotes, type Dataset } from "../src/data/dataset.js";
import { hasPair, nnz, rowOf, withEveryRow } from "../src/data/csr.js";
import { ConfigError, DataError } from "../src/errors.js";

const ML = "../shared/data/ml-100k";
const MOD = "../shared/data/modcloth/modcloth";


function throwsData(fn: () => unknown, pattern: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, DataError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a DataError matching ${pattern}`);
}

test("MovieLens: 1-based ids, u.info counts, every rating an interaction", () => {
  const d = movielens({
    base: { name: "u1.base", text: "1\t2\t5\t881250949\r\n2\t1\t1\t891717742\n1\t3\t3\t1  \n" },
    test: { name: "u1.test", text: "\uFEFF2\t3\t4\t1\n" },
    info: { name: "u.info", text: "2 users\n3 items\n4 ratings\n" },
  });
  assert.is(d.users, 2);
  assert.is(d.items, 3);
  assert.equal(Array.from(rowOf(d.train, 0)), [1, 2]);
  assert.equal(Array.from(rowOf(d.test, 1)), [2]);
});

test("located errors: bad fields, negative and out-of-range ids, column count, empty files", () => {
  throwsData(() => parseInteractions("1\t2\n3\tx\n", "a.tsv", { integerIds: true }), /a\.tsv:2 \(item\).*"x"/);
  throwsData(() => parseInteractions("1\t2\n-3\t4\n", "a.tsv", { integerIds: true }), /a\.tsv:2 \(user\).*negative/);
  throwsData(() => parseInteractions("1\t2\t5\n1\t3\n", "b.tsv"), /b\.tsv:2.*found 2/);
  throwsData(() => parseInteractions("1\t2\tNaN\n", "c.tsv"), /c\.tsv:1 \(rating\)/);
  throwsData(() => parseInteractions("\n\n", "empty.tsv"), /empty\.tsv.*no interactions \(the file is empty\)/);
  throwsData(() => parseInteractions("\n1,2,abc\n\n", "h.csv", { header: true }), /h\.csv.*no interactions: its one line, "1,2,abc", reads as a header/);
  throwsData(() => parseInteractions("7\n", "d.tsv"), /d\.tsv:1.*at least 2 fields/);
  throwsData(
    () => movielens({ base: { name: "u1.base", text: "1\t9\t5\t0\n" }, test: { name: "u1.test", text: "1\t1\t5\t0\n" }, info: { name: "u.info", text: "1 users\n3 items\n" } }),
    /u1\.base:1 \(item\).*item id 9 is outside 1…3/,
  );
});

test("a training file alone (MovieLens u1.base, DeCA train.rating) is split 80/20, seeded", () => {
  const lines = Array.from({ length: 200 }, (_, k) => `${(k % 20) + 1}\t${(k * 7) % 97 + 1}\t4\t0`).join("\n");
  const a = movielens({ base: { name: "u1.base", text: lines } }, { seed: 3 }), b = movielens({ base: { name: "u1.base", text: lines } }, { seed: 3 });
  assert.equal(Array.from(a.test.cols), Array.from(b.test.cols));
  assert.ok(nnz(a.test) > 10 && nnz(a.train) > 120);
  const d = deca("toy", { train: { name: "toy.train.rating", text: lines.replace(/\t4\t0/g, "\t1") } }, undefined, 3);
  assert.ok(nnz(d.test) > 10 && nnz(d.train) + nnz(d.test) <= 200);
});

test("DeCA files: 0-based, counts from the largest ids, duplicates counted once", () => {
  const d = deca("toy", { train: { name: "toy.train.rating", text: "0\t1\t5\n2\t0\t1\n2\t0\t3\n" }, test: { name: "toy.test.negative", text: "1\t2\t5\n" } });
  assert.is(d.users, 3);
  assert.is(d.items, 3);
  assert.is(nnz(d.train), 2);
  assert.is(d.duplicates, 1);
});

test("CSV: header, string ids remapped, rating threshold, seeded ratio split", () => {
  const text = "user,item,rating\nalice,matrix,5\nbob,matrix,2\nalice,up,4\ncarol,up,5\nbob,heat,5\n";
  const d = csv({ name: "r.csv", text }, { name: "t.csv", text: "carol,heat,5\nalice,heat,1\n" }, { minRating: 4 });
  assert.is(d.users, 3);
  assert.is(nnz(d.train), 4);
  assert.is(nnz(d.test), 1);
  // the file's ids by index, in order of first appearance among the interactions kept
  assert.equal(d.ids, { users: ["alice", "carol", "bob"], items: ["matrix", "up", "heat"] });
  assert.equal(Array.from(d.train.cols.subarray(d.train.rowptr[0], d.train.rowptr[1])), [0, 1]);
  assert.equal(Array.from(d.test.cols.subarray(d.test.rowptr[1], d.test.rowptr[2])), [2]);
  // a two-column header is known by its user or its item column's name
  for (const header of ["user,book", "customer_id\tsku", "reader;item", "userId,movieId", "reader,book"]) {
    const h = csv({ name: "h.csv", text: `${header}\nann,b1\nben,b2\nann,b2\n` }, { name: "h.test.csv", text: "ben,b1\n" });
    assert.equal(h.ids, { users: ["ann", "ben"], items: ["b1", "b2"] }, header);
  }
  const many = Array.from({ length: 60 }, (_, k) => `u${k % 7};i${(k * 5) % 23}`).join("\n");
  const a = csv({ name: "m.csv", text: many }, undefined, { seed: 3, testRatio: 0.3 });
  const b = csv({ name: "m.csv", text: many }, undefined, { seed: 3, testRatio: 0.3 });
  assert.equal(Array.from(a.test.cols), Array.from(b.test.cols));
  assert.ok(nnz(a.test) > 5 && nnz(a.train) > 25);
});

test("csv spec options: a rating threshold and a test ratio, checked", async () => {
  // 20 users × 10 distinct items, ratings 1…5, four of each user's ten rated 4 or 5
  const rows: string[] = [];
  for (let u = 0; u < 20; u++) for (let k = 0; k < 10; k++) rows.push(`u${u},i${(7 * u + 3 * k) % 40},${1 + ((u + k) % 5)}`);
  const f = join(mkdtempSync(join(tmpdir(), "ael-csv-")), "r.csv"), bare = f.replace("r.csv", "bare.csv");
  writeFileSync(f, "user,item,rating\n" + rows.join("\n"));
  writeFileSync(bare, rows.map((r) => r.replace(/,\d$/, "")).join("\n"));
  const total = (d: Dataset) => nnz(d.train) + nnz(d.test);
  assert.is(total(await loadDataSpec(`csv:${f}`)), 200);
  assert.is(total(await loadDataSpec(`csv:${f},min_rating=4`)), 80);
  const half = await loadDataSpec(`csv:${f},test_ratio=0.5`), fifth = await loadDataSpec(`csv:${f}`);
  assert.ok(nnz(half.test) > 70 && nnz(half.test) < 130, `test_ratio=0.5 held out ${nnz(half.test)} of 200`);
  assert.ok(nnz(fifth.test) > 20 && nnz(fifth.test) < 60, `the default 0.2 held out ${nnz(fifth.test)} of 200`);
  await rejects(() => loadDataSpec(`csv:${f},test_ratio=1.5`), ConfigError, /csv option test_ratio needs a number in \(0, 1\), got "1\.5"/);
  await rejects(() => loadDataSpec(`csv:${f},min_rating=high`), ConfigError, /csv option min_rating needs a number, got "high"/);
  await rejects(() => loadDataSpec(`csv:${f},colour=3`), ConfigError, /unknown csv option "colour"; known: min_rating, test_ratio/);
  await rejects(() => loadDataSpec(`csv:${f},${f},test_ratio=0.3`), ConfigError, /test_ratio splits a single file/);
  await rejects(() => loadDataSpec(`csv:${f},${f},${f}`), ConfigError, /csv needs one or two files/);
  await rejects(() => loadDataSpec(`csv:${bare},min_rating=4`), DataError, /a rating threshold was given but the file has no rating column/);
});

test("a single file's random split keeps each pair on one side, its repeats dropped before the draw", () => {
  // 30 users × 8 items, the whole log written three times over (a click log's repeats)
  const once: string[] = [];
  for (let u = 0; u < 30; u++) for (let k = 0; k < 8; k++) once.push(`u${u},i${(5 * u + 3 * k) % 50}`);
  const single = csv({ name: "once.csv", text: once.join("\n") }, undefined);
  const thrice = csv({ name: "thrice.csv", text: [...once, ...once, ...once].join("\n") }, undefined);
  assert.is(thrice.duplicates, 2 * once.length);
  assert.is(datasetNotes(thrice).testInTrain, 0);
  assert.ok(nnz(thrice.test) > 0 && nnz(thrice.train) > 0);
  // one draw per distinct pair: the repeats change nothing about which pair lands where
  assert.equal(Array.from(thrice.train.cols), Array.from(single.train.cols));
  assert.equal(Array.from(thrice.test.cols), Array.from(single.test.cols));
  assert.equal(Array.from(thrice.test.rowptr), Array.from(single.test.rowptr));
});

test("noise injection: floor(r·|x_u| + 0.5) new items per user, outside train and test, train only, seeded", () => {
  const d = synthetic({ users: 30, items: 80, interactions: 10, noise: 0, seed: 2 });
  const n1 = injectNoise(d, 0.3, 5), n2 = injectNoise(d, 0.3, 5);
  assert.equal(Array.from(n1.train.cols), Array.from(n2.train.cols));
  assert.equal(Array.from(n1.test.cols), Array.from(d.test.cols));
  for (let u = 0; u < d.users; u++) {
    const added = rowOf(n1.noisy!, u);
    assert.is(added.length, Math.floor(0.3 * rowOf(d.train, u).length + 0.5));
    for (const i of added) {
      assert.ok(!hasPair(d.train, u, i) && !hasPair(d.test, u, i));
      assert.ok(hasPair(n1.train, u, i));
    }
  }
  assert.throws(() => injectNoise(d, 1.5, 1), (e: unknown) => e instanceof ConfigError);
});

test("synthetic: planted noise at the per-user rates, deterministic per seed", async () => {
  const a = synthetic({ seed: 9 }), b = synthetic({ seed: 9 }), c = synthetic({ seed: 10 });
  assert.equal(Array.from(a.train.cols), Array.from(b.train.cols));
  assert.not.equal(Array.from(a.train.cols), Array.from(c.train.cols));
  for (let u = 0; u < a.users; u++) {
    const noisy = rowOf(a.noisy!, u).length, clean = rowOf(a.train, u).length - noisy;
    assert.is(noisy, Math.floor(a.noiseRate![u] * clean + 0.5));
  }
  // few items for many interactions: a user who drew nearly all of them gets the rest as noise
  const dense = synthetic({ users: 100, items: 80, seed: 1 });
  let capped = 0;
  for (let u = 0; u < dense.users; u++) {
    const row = rowOf(dense.train, u).length + rowOf(dense.test, u).length, noisy = rowOf(dense.noisy!, u).length;
    assert.ok(row <= 80, `user ${u}: ${row} interactions of 80 items`);
    if (noisy < Math.floor(dense.noiseRate![u] * (rowOf(dense.train, u).length - noisy) + 0.5)) capped++, assert.is(row, 80, `user ${u}: capped noise fills the items`);
  }
  assert.ok(capped > 0, "some user's noise is capped by the items left");
  await rejects(() => loadDataSpec("synthetic:users=abc"), ConfigError, /synthetic option users needs a number/);
  await rejects(() => loadDataSpec("synthetic:users=3,items=8,interactions=2"), ConfigError, /synthetic data of 3 users with about 2 interactions each holds out no test interactions/);
  await rejects(() => loadDataSpec("synthetic:colour=3"), ConfigError, /unknown synthetic option "colour"/);
  await rejects(() => loadDataSpec("parquet:x"), ConfigError, /unknown data spec "parquet:x"/);
});

test("synthetic draws skip items by a Gumbel bound that holds for every 24-bit uniform, and are the sorted keys' top n", () => {
  let worst = Infinity;
  for (let r = 1; r < 1 << 24; r++) {
    const u = r * 2 ** -24;
    worst = Math.min(worst, gumbelBound(u) - -ln(-ln(1 - u)));
  }
  assert.ok(worst > 0, `the bound falls short by ${-worst}`);
  // user 0 of a sparse set (most items skipped), against a full sort of every item's key
  const o = { ...SYNTHETIC_DEFAULTS, users: 1, items: 3000, interactions: 5, seed: 4 };
  const rng = Rng.seeded(o.seed, 5);
  const P = Array.from({ length: o.factors }, () => rng.normal());
  const Q = Array.from({ length: o.items * o.factors }, () => rng.normal());
  const pop = Array.from({ length: o.items }, () => 0.5 * rng.normal());
  const n = Math.round(o.interactions * Math.exp(0.4 * rng.normal() - 0.08));
  const keys = pop.map((p, i) => {
    let s = p;
    for (let f = 0; f < o.factors; f++) s += P[f] * Q[i * o.factors + f];
    return { i, key: s / Math.sqrt(o.factors) / o.temperature - ln(-ln(1 - rng.uniform())) };
  });
  const top = keys.sort((a, b) => b.key - a.key || a.i - b.i).slice(0, n).map((k) => k.i);
  const d = synthetic(o);
  const clean = [...rowOf(d.train, 0), ...rowOf(d.test, 0)].filter((i) => !rowOf(d.noisy!, 0).includes(i));
  assert.equal(clean.sort((a, b) => a - b), top.sort((a, b) => a - b));
});

test("real data when present: ML-100K u1 and ModCloth load with the declared shapes", async () => {
  if (existsSync(ML)) {
    const d = await loadDataSpec(`ml100k:${ML}`);
    assert.is(d.users, 943);
    assert.is(d.items, 1682);
    assert.is(nnz(d.train), 80000);
    assert.is(nnz(d.test), 20000);
  }
  if (existsSync(`${MOD}.train.rating`)) {
    const d = await loadDataSpec(`deca:${MOD}`);
    assert.is(d.users, 44784);
    assert.is(d.items, 1020);
    assert.is(nnz(d.train), 79914);
    assert.is(nnz(d.test), 5433);
  }
});

test("withEveryRow adds the same ascending ids to every row, each once", () => {
  const a = { rows: 3, rowptr: Int32Array.from([0, 3, 3, 5]), cols: Int32Array.from([1, 4, 9, 0, 4]) };
  const out = withEveryRow(a, Int32Array.from([0, 4, 7]));
  assert.equal(Array.from(out.rowptr), [0, 5, 8, 11]);
  assert.equal(Array.from(out.cols), [0, 1, 4, 7, 9, 0, 4, 7, 0, 4, 7]);
});

test.run();
