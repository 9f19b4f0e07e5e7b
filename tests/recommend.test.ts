// recommend for a known user (their training row), a new user (items, a zero embedding row) and
// a known user's history as it is now (their embedding row with the given items).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createCore } from "../bindings/index.js";
import { train } from "../src/api.js";
import { rowOf } from "../src/data/csr.js";
import { synthetic } from "../src/data/synthetic.js";
import { ConfigError } from "../src/errors.js";

const data = synthetic({ users: 50, items: 70, interactions: 10, seed: 4 });
const { recommender } = await train(data, { core: await createCore(), hidden: [16, 8, 4], epochs: [30, 10, 10], gateEpochs: 5, batchSize: 8, negatives: 16, seed: 5 });
const user = 7;
const now = [2, 11, 30, 31, 45];

test("a known user with their training row as the items is the known user", () => {
  for (const variant of ["mild", "strong", "likelihood", "gate_k2"]) {
    assert.equal(recommender.recommend({ user, items: rowOf(recommender.train, user) }, 10, variant), recommender.recommend({ user }, 10, variant), variant);
  }
});

test("a known user's current history: the given items are the input and are excluded", () => {
  const r = recommender.recommend({ user, items: now }, 20);
  assert.is(r.items.length, 20);
  assert.equal(r.items.filter((i) => now.includes(i)), []);
  const trainRow = Array.from(rowOf(recommender.train, user));
  assert.ok(r.items.some((i) => trainRow.includes(i)), "training items outside the given history may be recommended");
});

test("the known user differs from a new user with the same items by their embedding row alone", () => {
  const known = recommender.recommend({ user, items: now }, 10), cold = recommender.recommend({ items: now }, 10);
  assert.not.equal(known.scores, cold.scores, "the embedding row moves the scores");
  const params = recommender.params();
  const saved = new Map<string, Float32Array>();
  for (const name of ["sub.0.V", "sub.1.V", "sub.2.V"]) {
    const V = params[name], h = V.length / recommender.users;
    saved.set(name, V.slice(user * h, (user + 1) * h));
    V.fill(0, user * h, (user + 1) * h);
  }
  try {
    assert.equal(recommender.recommend({ user, items: now }, 10), cold);
  } finally {
    for (const [name, row] of saved) params[name].set(row, user * row.length);
  }
  assert.equal(recommender.recommend({ user, items: now }, 10), known);
});

test("a request without a user or items, or naming one out of range, is refused", () => {
  assert.throws(() => recommender.recommend({} as { items: number[] }), (e: Error) => e instanceof ConfigError && /needs a user, items, or both/.test(e.message));
  assert.throws(() => recommender.recommend({ user: 50, items: now }), (e: Error) => e instanceof ConfigError && /user 50 is outside 0…49/.test(e.message));
  assert.throws(() => recommender.recommend({ user, items: [3, 70] }), (e: Error) => e instanceof ConfigError && /item 70 is outside 0…69/.test(e.message));
});

test("every user's list at once is what recommend gives each user, for every variant", () => {
  for (const variant of ["mild", "strong", "average", "likelihood", "gate_k1", "gate_k2", "gate_k3"]) {
    const all = recommender.recommendAll(10, variant);
    assert.equal(Array.from(all.users), Array.from({ length: 50 }, (_, u) => u));
    for (let u = 0; u < 50; u++) {
      const one = recommender.recommend({ user: u }, 10, variant);
      assert.equal(Array.from(all.items.subarray(u * 10, u * 10 + 10)), one.items, `${variant}, user ${u}`);
      assert.equal(Array.from(all.scores.subarray(u * 10, u * 10 + 10)), one.scores, `${variant}, user ${u}`);
    }
  }
});

test("recommendAll: the given users in their order; slots past a user's candidates are −1 and −∞", () => {
  const some = recommender.recommendAll(70, "gate_k2", { users: [9, 0, 9] });
  assert.equal(Array.from(some.users), [9, 0, 9]);
  assert.equal(some.items.subarray(0, 70), some.items.subarray(140, 210));
  for (const [slot, u] of [[0, 9], [1, 0]]) {
    const row = some.items.subarray(slot * 70, slot * 70 + 70), candidates = 70 - rowOf(recommender.train, u).length;
    assert.equal(Array.from(row.subarray(0, candidates)), recommender.recommend({ user: u }, 70).items);
    assert.ok(row.subarray(candidates).every((i) => i === -1), `user ${u}: empty slots are −1`);
    assert.ok(some.scores.subarray(slot * 70 + candidates, slot * 70 + 70).every((s) => s === -Infinity));
  }
  assert.throws(() => recommender.recommendAll(0), (e: Error) => e instanceof ConfigError && /k must be a positive integer, got 0/.test(e.message));
  assert.throws(() => recommender.recommendAll(5, "gate_k2", { users: [3, 50] }), (e: Error) => e instanceof ConfigError && /user 50 is outside 0…49/.test(e.message));
  assert.throws(() => recommender.recommendAll(5, "gate_k2", { users: [3, 1.5] }), (e: Error) => e instanceof ConfigError && /user 1.5 is outside 0…49/.test(e.message));
  assert.throws(() => recommender.recommendAll(5, "gate_k4"), (e: Error) => e instanceof ConfigError && /unknown variant "gate_k4"/.test(e.message));
});

test("excluded items are never recommended and do not enter the input", () => {
  const exclude = [5, 40, 41, 69];
  for (const who of [{ user }, { user, items: now }, { items: now }]) {
    const wide = recommender.recommend(who, 20 + exclude.length), r = recommender.recommend({ ...who, exclude }, 20);
    const kept = wide.items.map((item, j) => ({ item, score: wide.scores[j] })).filter(({ item }) => !exclude.includes(item)).slice(0, 20);
    assert.equal(r.items, kept.map((x) => x.item), JSON.stringify(who));
    assert.equal(r.scores, kept.map((x) => x.score), "the same scores: the input is unchanged");
  }
  const all = recommender.recommendAll(20, "gate_k2", { exclude });
  for (const u of [0, user, 49]) assert.equal(Array.from(all.items.subarray(u * 20, u * 20 + 20)), recommender.recommend({ user: u, exclude }, 20).items, `user ${u}`);
  assert.throws(() => recommender.recommend({ user, exclude: [70] }), (e: Error) => e instanceof ConfigError && /item 70 is outside 0…69/.test(e.message));
  assert.throws(() => recommender.recommendAll(5, "gate_k2", { exclude: [-1] }), (e: Error) => e instanceof ConfigError && /item -1 is outside 0…69/.test(e.message));
});

test.run();
