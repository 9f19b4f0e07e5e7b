// Early stopping: the validation split it watches (held out of the training rows, or the data
// set's own), where each stage stops, and that a stage keeps the weights of its best check.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createCore } from "../bindings/index.js";
import { Rng } from "../bindings/rng.js";
import { train } from "../src/api.js";
import { csrFromPairs, rowOf, type Csr } from "../src/data/csr.js";
import type { Dataset } from "../src/data/dataset.js";
import { holdOut } from "../src/data/holdout.js";
import { synthetic } from "../src/data/synthetic.js";
import { ConfigError, DataError } from "../src/errors.js";
import { heldOutRecall } from "../src/eval/validation.js";
import { uploadCsr } from "../src/model/forward.js";
import { STREAM } from "../src/train/trainer.js";
import { resolveConfig } from "../src/train/config.js";
import { rejects } from "./helpers.js";

const data = synthetic({ users: 80, items: 60, interactions: 10, seed: 4 });
const opts = { hidden: [16, 8, 4], epochs: [24, 12, 12], gateEpochs: 12, batchSize: 8, negatives: 16, seed: 3, patience: 1, validEvery: 2 };
const pairs = (c: Csr) => new Set(Array.from({ length: c.rows }, (_, u) => Array.from(rowOf(c, u), (i) => `${u}:${i}`)).flat());

test("the held-out split takes round(ratio·n) of each user's training items, keeps at least one, and is seeded", () => {
  const { train: kept, valid } = holdOut(data.train, 0.3, Rng.seeded(1, STREAM.validation));
  const all = pairs(data.train), k = pairs(kept), v = pairs(valid);
  assert.is(k.size + v.size, all.size);
  for (const p of v) assert.ok(all.has(p) && !k.has(p), `${p} is a training pair held out once`);
  for (let u = 0; u < data.users; u++) {
    const n = rowOf(data.train, u).length;
    if (n > 0) assert.ok(rowOf(kept, u).length >= 1, `user ${u} keeps a training item`);
    assert.is(rowOf(valid, u).length, Math.min(Math.round(0.3 * n), Math.max(0, n - 1)), `user ${u}`);
  }
  const again = holdOut(data.train, 0.3, Rng.seeded(1, STREAM.validation)), other = holdOut(data.train, 0.3, Rng.seeded(2, STREAM.validation));
  assert.equal(again.valid.cols, valid.cols);
  assert.not.equal(other.valid.cols, valid.cols);
});

test("each stage checks every validEvery epochs, stops after `patience` checks without a better one, and keeps its best check's weights", async () => {
  const core = await createCore();
  const res = await train(data, { ...opts, core });
  const v = res.validation!;
  assert.equal(Object.keys(v), ["stage0", "stage1", "stage2", "gate"]);
  const epochs = [...opts.epochs, opts.gateEpochs];
  let stopped = 0;
  Object.values(v).forEach((s, i) => {
    const ran = res.losses[Object.keys(v)[i]].length;
    assert.equal(s.checks.map((c) => c.epoch), Array.from({ length: Math.floor(ran / 2) }, (_, j) => 2 * (j + 1)), "a check every 2 epochs");
    const best = s.checks.reduce((b, c) => (c.recall > b.recall ? c : b));
    assert.is(s.bestEpoch, best.epoch, "the first best check");
    if (s.stoppedAt !== undefined) {
      stopped++;
      assert.is(s.stoppedAt, best.epoch + 2 * opts.patience, "stopped `patience` checks after the best");
      assert.is(ran, s.stoppedAt, "no epoch after the stop");
    } else assert.is(ran, epochs[i]);
  });
  assert.ok(stopped > 0, "some stage stopped early (else this test shows nothing about stopping)");
  // the final weights score the best checks again: stage 0's expert (the later stages leave its
  // weights alone) and the gate, on the same held-out split, from the rows the model trained on
  const split = holdOut(data.train, resolveConfig(opts).validRatio, Rng.seeded(opts.seed, STREAM.validation));
  const model = res.recommender.model, trainedOn = uploadCsr(core, split.train);
  const bestOf = (s: (typeof v)[string]) => s.checks.find((c) => c.epoch === s.bestEpoch)!.recall;
  assert.is(heldOutRecall(model, trainedOn, split.valid, { expert: 0 }), bestOf(v.stage0), "stage 0 kept its best weights");
  assert.is(heldOutRecall(model, trainedOn, split.valid, { gateK: 2 }), bestOf(v.gate), "the gate kept its best weights");
});

test("a data set's own validation split is the one watched, and training keeps all its training rows", async () => {
  const { train: rest, valid } = holdOut(data.train, 0.2, Rng.seeded(7, 1));
  const withValid: Dataset = { ...data, train: rest, valid };
  const core = await createCore();
  const res = await train(withValid, { ...opts, core });
  const trainedOn = uploadCsr(core, rest);
  const s = res.validation!.stage0;
  assert.is(heldOutRecall(res.recommender.model, trainedOn, valid, { expert: 0 }), s.checks.find((c) => c.epoch === s.bestEpoch)!.recall);
});

test("early stopping's options and a validation split without interactions are refused with the reason", async () => {
  await rejects(() => train(data, { ...opts, patience: -1 }), ConfigError, /patience must be an integer/);
  await rejects(() => train(data, { ...opts, validEvery: 0 }), ConfigError, /validEvery must be an integer in \[1/);
  await rejects(() => train(data, { ...opts, validRatio: 1 }), ConfigError, /validRatio must be in \(0, 1\)/);
  // one training item per user: none can be held out
  const single: Dataset = { ...data, train: csrFromPairs(data.users, Array.from({ length: data.users }, (_, u) => u), Array.from({ length: data.users }, (_, u) => u % data.items)).csr };
  await rejects(() => train(single, opts), DataError, /leaves none \(raise validRatio\)/);
});

test("without patience no validation is run and the schedule is the release's", async () => {
  const res = await train(data, { ...opts, patience: 0, core: await createCore() });
  assert.is(res.validation, undefined);
  assert.equal(Object.values(res.losses).map((l) => l.length), [...opts.epochs, opts.gateEpochs]);
});

test.run();
