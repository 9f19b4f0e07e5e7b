// Every class of bad input gets a typed error that names the problem (data errors are covered
// line by line in data.test.ts, damaged checkpoints in checkpoint.test.ts): configurations out
// of range, a model too large for Wasm memory, NaN in training, files read in chunks, and the
// counts reported for duplicates and users without training interactions.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rejects } from "./helpers.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCore, WasmMemoryError } from "../bindings/index.js";
import { train } from "../src/api.js";
import { csrFromPairs } from "../src/data/csr.js";
import type { Dataset } from "../src/data/dataset.js";
import { InteractionParser, parseInteractions } from "../src/data/parse.js";
import { synthetic } from "../src/data/synthetic.js";
import { AbortError, ConfigError, NumericsError } from "../src/errors.js";
import { loadCheckpoint, saveCheckpoint, saveTrainingCheckpoint } from "../src/io/checkpoint.js";
import { resolveConfig } from "../src/train/config.js";
import { paddedLength } from "../src/model/params.js";
import type { TrainSnapshot } from "../src/train/trainer.js";


test("configurations out of range are refused with the allowed range", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ hidden: [] }, /hidden must list 1 to 8 widths/],
    [{ hidden: [128, 0] }, /hidden must list 1 to 8 widths, each an integer in \[1, 4096\]/],
    [{ hidden: [64, 32], epochs: [1, 2, 3] }, /epochs must list 2 integers/],
    [{ epochs: [10, -1, 3] }, /epochs must list 3 integers in \[0, 1e7\]/],
    [{ gateK: 4 }, /gateK must be an integer in \[1, 3\]/],
    [{ hidden: [64], epochs: [5], gateK: 2 }, /gateK must be an integer in \[1, 1\]/],
    [{ batchSize: 0 }, /batchSize must be an integer in \[1, 65536\]/],
    [{ lr: 0 }, /lr must be in \(0, 10\]/],
    [{ gateLr: Number.NaN }, /gateLr must be in \(0, 10\]/],
    [{ corruption: 1 }, /corruption must be in \[0, 1\)/],
    [{ beta2: 1 }, /beta2 must be in \[0, 1\)/],
    [{ negatives: 1.5 }, /negatives must be an integer/],
    [{ seed: -1 }, /seed must be a non-negative integer/],
    [{ learningRate: 1 }, /unknown option "learningRate"/],
  ];
  for (const [opts, pattern] of cases) await rejects(() => resolveConfig(opts), ConfigError, pattern);
  // unless asked for, the gate picks two experts, or the one there is
  assert.is(resolveConfig({ hidden: [64], epochs: [5] }).gateK, 1);
  assert.is(resolveConfig({ hidden: [64, 16], epochs: [5, 5] }).gateK, 2);
  assert.is(resolveConfig({ hidden: [64, 16, 8, 4], epochs: [5, 5, 5, 5] }).gateK, 2);
  const d = synthetic({ users: 20, items: 30, interactions: 5 });
  await rejects(() => train(d, { checkpointEvery: 0 }), ConfigError, /checkpointEvery must be a positive integer/);
});

test("a model that cannot fit in Wasm memory is refused up front with the bytes it needs", async () => {
  const U = 300_000, users = Int32Array.from({ length: U }, (_, u) => u), items = new Int32Array(U);
  const big: Dataset = { name: "wide", users: U, items: 10, train: csrFromPairs(U, users, items).csr, test: csrFromPairs(U, [0], [1]).csr };
  const core = await createCore();
  const before = core.arena.used;
  await rejects(() => train(big, { core, hidden: [4096, 48, 12] }), WasmMemoryError, /needs \d+\.\d+ GiB \(\d+ bytes\) of WebAssembly memory, but at most 4\.00 GiB/);
  assert.is(core.arena.used, before, "nothing was allocated");
});

test("a slab past what Wasm can address is refused, however its size compares with 2³¹", async () => {
  const core = await createCore({ threads: 1 });
  const before = core.arena.used;
  for (const bytes of [2 ** 32, 2 ** 32 - 64, 3 * 2 ** 31]) {
    await rejects(() => core.arena.alloc(bytes, "a huge slab"), WasmMemoryError, /a huge slab/);
    assert.is(core.arena.used, before, `nothing was allocated for ${bytes} bytes`);
  }
  // a tensor of more than 2²⁹ floats still pads to the next line
  assert.is(paddedLength(2 ** 29 + 1), 2 ** 29 + 16);
});

test("NaN in training stops it naming stage, epoch and tensor, and the last good checkpoint stays", async () => {
  const d = synthetic({ users: 40, items: 30, interactions: 6, seed: 2 });
  const opts = { hidden: [8, 4, 2], epochs: [4, 2, 2], gateEpochs: 2, batchSize: 8, negatives: 8, seed: 1 };
  const snaps: TrainSnapshot[] = [];
  const good = await train(d, { ...opts, checkpointEvery: 2, onCheckpoint: (s) => void snaps.push(s) });
  const dir = mkdtempSync(join(tmpdir(), "ael-nan-"));
  await saveCheckpoint(good.recommender, dir);
  const poisoned = { ...snaps[0], params: { ...snaps[0].params, "sub.0.b_enc": snaps[0].params["sub.0.b_enc"].map((x, i) => (i === 0 ? Number.NaN : x)) } };
  const info = { config: resolveConfig(opts), dataName: d.name, users: d.users, items: d.items, train: d.train };
  await rejects(
    () => train(d, { ...opts, resume: poisoned, checkpointEvery: 1, onCheckpoint: (s) => saveTrainingCheckpoint(dir, s, info) }),
    NumericsError,
    /stage0, epoch 3: the loss is NaN; sub\.0\.\w+ holds NaN\/Inf; nothing was saved/,
  );
  const back = await loadCheckpoint(await createCore(), dir);
  assert.is(back.weightsChecksum(), good.recommender.weightsChecksum());
});

test("an AbortSignal cancels training between epochs with an AbortError naming where", async () => {
  const d = synthetic({ users: 40, items: 30, interactions: 6, seed: 2 });
  const ac = new AbortController();
  let seen = 0;
  await rejects(
    () => train(d, { hidden: [8, 4, 2], epochs: [50, 5, 5], gateEpochs: 5, batchSize: 8, negatives: 8, signal: ac.signal, onProgress: () => ++seen === 3 && ac.abort() }),
    AbortError,
    /training cancelled in stage0 at epoch 4/,
  );
  assert.is(seen, 3);
});

test("files are parsed in chunks of any size with the same result (CRLF, BOM, lines split across chunks)", () => {
  const text = "\uFEFFuser,item,rating\r\n7,1,5\r\n8,2,4  \n\n9,3,1\n10,1,2";
  const whole = parseInteractions(text, "w.csv", { header: true });
  for (const size of [1, 2, 3, 7, 64]) {
    const p = new InteractionParser("w.csv", { header: true });
    for (let i = 0; i < text.length; i += size) p.push(text.slice(i, i + size));
    assert.equal(p.end(), whole, `chunks of ${size}`);
  }
  assert.equal(whole.users, ["7", "8", "9", "10"]);
});

test("duplicates, users without training interactions and test pairs in training are counted and reported", () => {
  const dir = mkdtempSync(join(tmpdir(), "ael-notes-"));
  writeFileSync(join(dir, "train.csv"), "a,x\na,x\na,y\nb,y\nb,z\nc,z\nc,x\nd,x\n");
  writeFileSync(join(dir, "test.csv"), "a,z\na,y\ne,x\n");
  const cli = new URL("../cli.js", import.meta.url).pathname;
  const r = spawnSync(process.execPath, [cli, "train", "--data", `csv:${join(dir, "train.csv")},${join(dir, "test.csv")}`, "--epochs", "2,1,1", "--gate-epochs", "1"], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /note: 1 duplicate interactions were dropped/);
  assert.match(r.stdout, /note: 1 users have no training interactions/);
  assert.match(r.stdout, /note: 1 test users have no training interactions/);
  assert.match(r.stdout, /note: 1 test interactions are training interactions too/);
});

test.run();
