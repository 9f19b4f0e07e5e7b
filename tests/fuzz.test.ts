// Property-based fuzzing of everything that reads outside input: the data parsers, the
// configuration validator and the checkpoint reader. Each generated case must either succeed
// or fail with one of the project's typed errors, within a time bound. FUZZ_RUNS sets the
// cases per property (`npm run fuzz` runs more than 10^5 in all).
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { AelError } from "../src/errors.js";
import { parseInteractions } from "../src/data/parse.js";
import { csv, deca, movielens } from "../src/data/sources.js";
import { resolveConfig, DEFAULTS } from "../src/train/config.js";
import { decodeCheckpoint, encodeCheckpoint } from "../src/io/format.js";
import { createCore } from "../bindings/index.js";
import { train } from "../src/api.js";
import { synthetic } from "../src/data/synthetic.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const LIMIT_MS = 2000;
let cases = 0;

/** Run fn; any error must be typed; the case must finish within LIMIT_MS. */
function typedOrOk(fn: () => unknown): boolean {
  cases++;
  const t0 = performance.now();
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AelError)) throw new Error(`untyped ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  const ms = performance.now() - t0;
  if (ms > LIMIT_MS) throw new Error(`case took ${ms.toFixed(0)} ms`);
  return true;
}

// lines that are often nearly valid: ids, ratings, separators, junk
const field = fc.oneof(fc.nat(2000).map(String), fc.integer({ min: -5, max: 5 }).map(String), fc.constantFrom("", "x", "1.5", "NaN", "1e3", "９", "\u0000", "\uFEFF1"), fc.string({ maxLength: 6 }));
const line = fc.tuple(fc.array(field, { minLength: 0, maxLength: 5 }), fc.constantFrom("\t", ",", " ", ";", "\t\t")).map(([f, sep]) => f.join(sep));
const file = fc.oneof(fc.array(line, { maxLength: 30 }).map((ls) => ls.join(fc.sample(fc.constantFrom("\n", "\r\n"), 1)[0])), fc.string({ maxLength: 200 }));

test("data parsers: any text parses or fails with a DataError", () => {
  fc.assert(
    fc.property(file, file, (a, b) =>
      typedOrOk(() => parseInteractions(a, "a", { integerIds: true })) &&
      typedOrOk(() => movielens({ base: { name: "u1.base", text: a }, test: { name: "u1.test", text: b } })) &&
      typedOrOk(() => deca("x", { train: { name: "x.train.rating", text: a }, test: { name: "x.test.negative", text: b } })) &&
      typedOrOk(() => csv({ name: "t.csv", text: a }, { name: "s.csv", text: b })),
    ),
    { numRuns: RUNS },
  );
});

const value = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 4 }), fc.array(fc.oneof(fc.integer({ min: -2, max: 300 }), fc.double()), { maxLength: 9 }));
const key = fc.oneof(fc.constantFrom(...Object.keys(DEFAULTS)), fc.string({ maxLength: 8 }));

test("configuration: any options object resolves or fails with a ConfigError", () => {
  fc.assert(
    fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (opts) => {
      let ok = true;
      typedOrOk(() => {
        const c = resolveConfig(opts);
        ok = c.hidden.length === c.epochs.length && c.gateK <= c.hidden.length && c.lr > 0 && c.batchSize >= 1;
      });
      return ok;
    }),
    { numRuns: RUNS },
  );
});

const d = synthetic({ users: 12, items: 9, interactions: 3, seed: 1 });
const { recommender } = await train(d, { core: await createCore(), hidden: [4, 3, 2], epochs: [2, 1, 1], gateEpochs: 1, batchSize: 4, negatives: 3 });
// with ids of its own (quotes, a comma, a non-ASCII mark), so that damage reaches their JSON too
const ids = { users: Array.from({ length: d.users }, (_, u) => `user "${u}" ✓`), items: Array.from({ length: d.items }, (_, i) => `item,${i}`) };
const good = encodeCheckpoint({ manifest: recommender.manifest(), params: recommender.params(), train: recommender.train, ids });
const headerLen = Number(new DataView(good.buffer).getBigUint64(0, true));

type Mutation = (b: Uint8Array) => Uint8Array;
const mutation: fc.Arbitrary<Mutation> = fc.oneof<fc.Arbitrary<Mutation>[]>(
  fc.nat(good.length).map((n) => (b: Uint8Array) => b.slice(0, n)),
  fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => (b: Uint8Array) => ((b[i] ^= x), b)),
  fc.tuple(fc.nat(8 + headerLen), fc.integer({ min: 1, max: 255 })).map(([i, x]) => (b: Uint8Array) => ((b[i] ^= x), b)),
  fc.tuple(fc.nat(good.length), fc.uint8Array({ maxLength: 40 })).map(([i, ins]) => (b: Uint8Array) => Uint8Array.from([...b.subarray(0, i), ...ins, ...b.subarray(i)])),
  fc.uint8Array({ maxLength: 300 }).map((r) => () => r),
);

test("checkpoint reader: any damaged file loads or fails with a CheckpointError", () => {
  assert.equal(decodeCheckpoint(good.slice(), "f").ids, ids);
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => typedOrOk(() => decodeCheckpoint(ms.reduce<Uint8Array>((b, m) => m(b), good.slice()), "f"))),
    { numRuns: RUNS },
  );
});

test.after(() => {
  console.log(`  fuzz: ${cases} cases run, 0 failures`);
  assert.ok(cases >= RUNS * 3);
});

test.run();
