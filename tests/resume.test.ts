// Exact resume: a run stopped at any epoch and continued from its snapshot (in memory or read
// back from disk) ends with the weights of an uninterrupted run, bit for bit. A training process
// killed while it writes checkpoints leaves one that loads and resumes to the same weights.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCore } from "../bindings/index.js";
import { train } from "../src/api.js";
import { synthetic } from "../src/data/synthetic.js";
import { readCheckpoint, saveTrainingCheckpoint } from "../src/io/checkpoint.js";
import { resolveConfig } from "../src/train/config.js";
import type { TrainSnapshot } from "../src/train/trainer.js";
import { trainSummary } from "../src/web/run.js";
import type { RunCheckpoint } from "../src/web/protocol.js";
import { ConfigError } from "../src/errors.js";
import { rejects } from "./helpers.js";

const data = synthetic({ users: 50, items: 40, interactions: 8, seed: 5 });
const base = { hidden: [12, 6, 3], epochs: [6, 4, 4], gateEpochs: 4, batchSize: 8, negatives: 12, seed: 9 };

for (const lazyAdam of [false, true])
test(`resuming from any epoch's snapshot, in memory or from disk, gives the uninterrupted weights${lazyAdam ? " (lazy Adam)" : ""}`, async () => {
  const opts = { ...base, lazyAdam };
  const straight = (await train(data, { ...opts, core: await createCore() })).recommender.weightsChecksum();
  const snaps: TrainSnapshot[] = [];
  const watched = await train(data, { ...opts, core: await createCore(), checkpointEvery: 1, onCheckpoint: (s) => void snaps.push(s) });
  assert.is(watched.recommender.weightsChecksum(), straight, "taking snapshots does not change the run");
  assert.is(snaps.length, 6 + 4 + 4 + 4);
  const dir = mkdtempSync(join(tmpdir(), "ael-resume-"));
  for (const i of [0, 3, 5, 6, 11, 14, 16]) {
    const s = snaps[i];
    const again = await train(data, { ...opts, core: await createCore(), resume: s });
    assert.is(again.recommender.weightsChecksum(), straight, `resumed at stage ${s.stage}, epoch ${s.epoch}`);
    await saveTrainingCheckpoint(dir, s, { config: resolveConfig(opts), dataName: data.name, users: data.users, items: data.items, train: data.train });
    const back = await readCheckpoint(dir);
    const fromDisk = await train(data, { ...opts, core: await createCore(), resume: back.training });
    assert.is(fromDisk.recommender.weightsChecksum(), straight, `resumed from disk at stage ${s.stage}, epoch ${s.epoch}`);
  }
});

test("with early stopping, resuming from any epoch's snapshot, in memory or from disk, gives the uninterrupted weights and validation record", async () => {
  const opts = { ...base, epochs: [10, 8, 8], gateEpochs: 8, patience: 1, validEvery: 2 };
  const straight = await train(data, { ...opts, core: await createCore() });
  const snaps: TrainSnapshot[] = [];
  await train(data, { ...opts, core: await createCore(), checkpointEvery: 1, onCheckpoint: (s) => void snaps.push(s) });
  const ran = Object.values(straight.losses).reduce((n, l) => n + l.length, 0);
  assert.is(snaps.length, ran, "a snapshot per epoch run");
  assert.ok(Object.values(straight.validation!).some((s) => s.stoppedAt !== undefined), "some stage stopped early");
  const dir = mkdtempSync(join(tmpdir(), "ael-resume-valid-"));
  for (const s of snaps) {
    const again = await train(data, { ...opts, core: await createCore(), resume: s });
    assert.is(again.recommender.weightsChecksum(), straight.recommender.weightsChecksum(), `resumed at stage ${s.stage}, epoch ${s.epoch}`);
    assert.equal(again.validation, straight.validation, `validation record resumed at stage ${s.stage}, epoch ${s.epoch}`);
    await saveTrainingCheckpoint(dir, s, { config: resolveConfig(opts), dataName: data.name, users: data.users, items: data.items, train: data.train });
    const fromDisk = await train(data, { ...opts, core: await createCore(), resume: (await readCheckpoint(dir)).training });
    assert.is(fromDisk.recommender.weightsChecksum(), straight.recommender.weightsChecksum(), `resumed from disk at stage ${s.stage}, epoch ${s.epoch}`);
  }
});

test("the worker's run (trainSummary) hands over checkpoint bytes and resumes from any of them to the uninterrupted weights; it refuses a finished model and other data", async () => {
  const src = { kind: "synthetic" as const, options: { users: 50, items: 40, interactions: 8 } };
  const opts = { ...base, flavour: "simd" as const };
  const straight = (await trainSummary(src, opts)).summary;
  const saved: RunCheckpoint[] = [];
  const watched = (await trainSummary(src, { ...opts, checkpointEvery: 2 }, { onCheckpoint: (c) => void saved.push(c) })).summary;
  assert.is(watched.weightsChecksum, straight.weightsChecksum, "handing over checkpoints does not change the run");
  assert.equal(saved.map((c) => `${c.stage}:${c.epoch}`), ["stage0:2", "stage0:4", "stage0:6", "stage1:2", "stage1:4", "stage2:2", "stage2:4", "gate:2", "gate:4"]);
  for (const c of [saved[0], saved[4], saved[7]]) {
    const again = (await trainSummary(src, { flavour: "simd", resume: c.bytes })).summary;
    assert.is(again.weightsChecksum, straight.weightsChecksum, `resumed at ${c.stage}, epoch ${c.epoch}`);
    assert.equal(again.losses, straight.losses);
  }
  const finished = (await trainSummary(src, opts)).recommender.toSafetensors();
  await rejects(() => trainSummary(src, { resume: finished }), ConfigError, /holds a finished model, not an unfinished run/);
  await rejects(() => trainSummary({ ...src, options: { ...src.options, seed: 77 } }, { resume: saved[0].bytes }), ConfigError, /trained on other interactions than these data/);
});

const CLI = new URL("../cli.js", import.meta.url).pathname;
const ARGS = ["--data", "synthetic:users=300,items=200,interactions=10", "--epochs", "150,60,60", "--gate-epochs", "30", "--seed", "3", "--json"];
const weightsOf = (dir: string) => JSON.parse(readFileSync(join(dir, "model.json"), "utf8")).weights as string;

test("a process killed while writing checkpoints every epoch leaves a checkpoint that resumes to the same weights", async () => {
  const whole = mkdtempSync(join(tmpdir(), "ael-kill-"));
  const r = spawnSync(process.execPath, [CLI, "train", ...ARGS, "--out", whole], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  for (const delay of [150, 400, 900]) {
    const dir = mkdtempSync(join(tmpdir(), "ael-kill-"));
    const child = spawn(process.execPath, [CLI, "train", ...ARGS, "--out", dir, "--checkpoint-every", "1"], { stdio: "ignore" });
    while (!existsSync(join(dir, "model.safetensors"))) await new Promise((res) => setTimeout(res, 5));
    await new Promise((res) => setTimeout(res, delay));
    const exited = new Promise((res) => child.on("exit", res));
    child.kill("SIGKILL");
    await exited;
    const saved = await readCheckpoint(dir); // throws if the kill left a damaged file
    const where = saved.training ? `stage ${saved.training.stage}, epoch ${saved.training.epoch}` : "finished";
    const resumed = spawnSync(process.execPath, [CLI, "train", "--resume", dir, "--json"], { encoding: "utf8" });
    if (saved.training) assert.is(resumed.status, 0, resumed.stderr);
    assert.is(weightsOf(dir), weightsOf(whole), `killed after ${delay} ms (${where})`);
  }
});

test.run();
