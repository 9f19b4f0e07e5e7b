// Checkpoints: a round trip gives identical weights and scores; damaged files are refused with
// the reason, and a failed save leaves the previous checkpoint loadable.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCore } from "../bindings/index.js";
import { train } from "../src/api.js";
import { synthetic } from "../src/data/synthetic.js";
import { csv } from "../src/data/sources.js";
import { loadCheckpoint, saveCheckpoint } from "../src/io/checkpoint.js";
import { decodeSafetensors, encodeSafetensors } from "../src/io/safetensors.js";
import { Recommender } from "../src/recommender.js";
import { CheckpointError } from "../src/errors.js";

const data = synthetic({ users: 40, items: 60, interactions: 8, seed: 3 });
const core = await createCore();
const { recommender } = await train(data, { core, hidden: [16, 8, 4], epochs: [20, 10, 10], gateEpochs: 5, batchSize: 8, negatives: 16, seed: 2 });
const dir = await mkdtemp(join(tmpdir(), "ael-ckpt-"));
await saveCheckpoint(recommender, dir);

async function refused(bytes: Uint8Array, pattern: RegExp) {
  const c = await createCore();
  try {
    Recommender.fromSafetensors(c, bytes, "x.safetensors");
  } catch (e) {
    assert.instance(e, CheckpointError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a CheckpointError matching ${pattern}`);
}

test("save then load: identical weights, metrics and recommendations", async () => {
  const back = await loadCheckpoint(await createCore(), dir);
  assert.is(back.weightsChecksum(), recommender.weightsChecksum());
  assert.equal(back.evaluate(data.test).variants, recommender.evaluate(data.test).variants);
  assert.equal(back.recommend({ user: 5 }, 10), recommender.recommend({ user: 5 }, 10));
  assert.equal(back.recommend({ items: [1, 2, 3] }, 10, "average"), recommender.recommend({ items: [1, 2, 3] }, 10, "average"));
  const manifest = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
  assert.is(manifest.format, "ael-wasm");
  assert.is(manifest.weights, recommender.weightsChecksum());
});

test("the likelihood weights' errors come from training: evaluation runs the experts over the test users only, a loaded model's first over every user too", async () => {
  const back = await loadCheckpoint(await createCore(), dir);
  // rows the experts encode (spmm_forward with the first encoder's weights), per model
  const encodedRows = (r: Recommender) => {
    const k = r.core.kernels, spmm = k.spmm_forward, W = r.model.subs[0].W_enc.ptr;
    let rows = 0;
    k.spmm_forward = (...a: Parameters<typeof spmm>) => ((rows += a[1] === W ? a[4] : 0), spmm(...a));
    try {
      return { metrics: r.evaluate(data.test).variants, rows };
    } finally {
      k.spmm_forward = spmm;
    }
  };
  let testUsers = 0;
  for (let u = 0; u < data.users; u++) if (data.test.rowptr[u + 1] > data.test.rowptr[u]) testUsers++;
  const trained = encodedRows(recommender), loaded = encodedRows(back), again = encodedRows(back);
  assert.is(trained.rows, testUsers);
  assert.is(loaded.rows, testUsers + data.users);
  assert.is(again.rows, testUsers);
  assert.equal(loaded.metrics, trained.metrics);
});

test("a loaded model holds its values only: no gradients or Adam moments", async () => {
  const c = await createCore();
  const before = c.arena.mark();
  const back = await loadCheckpoint(c, dir);
  const used = c.arena.mark() - before, values = back.model.store.size * 4;
  // the values, the training rows and alignment; a trainable store alone would take 4 × values
  assert.ok(used < 2 * values, `loading took ${used} bytes for ${values} bytes of values`);
  assert.throws(() => back.model.store.resetOptimizer("sub.0"), /loaded for inference/);
});

test("a loaded model's first recommendation encodes one user, not every user (the likelihood weights wait for their variant)", async () => {
  const c = await createCore();
  const back = await loadCheckpoint(c, dir);
  // the batch size of every sparse encoder pass (the experts' and the gate's)
  const batches: number[] = [];
  const spmm = c.kernels.spmm_forward;
  c.kernels.spmm_forward = (...a: Parameters<typeof spmm>) => {
    batches.push(a[4]);
    return spmm(...a);
  };
  try {
    const first = back.recommend({ items: [1, 2, 3] }, 10);
    assert.ok(batches.length > 0 && batches.every((B) => B === 1), `gate_k2: batches of ${batches.join(", ")}`);
    assert.equal(first, recommender.recommend({ items: [1, 2, 3] }, 10));
    batches.length = 0;
    assert.equal(back.recommend({ items: [1, 2, 3] }, 10, "likelihood"), recommender.recommend({ items: [1, 2, 3] }, 10, "likelihood"));
    assert.ok(batches.reduce((n, B) => n + B, 0) > data.users, `likelihood: every training user first (batches of ${batches.join(", ")})`);
  } finally {
    c.kernels.spmm_forward = spmm;
  }
});

test("a model of data with ids of its own keeps them: saved, loaded, looked up, and in recommendations", async () => {
  // item i of the synthetic set is sku-(13·i mod 60): the file's order renumbers them
  const lines: string[] = [];
  for (let u = 0; u < data.users; u++) for (let j = data.train.rowptr[u]; j < data.train.rowptr[u + 1]; j++) lines.push(`shopper-${u},sku-${(13 * data.train.cols[j]) % 60}`);
  const shop = csv({ name: "shop.csv", text: lines.join("\n") }, undefined, { seed: 1, testRatio: 0.2 });
  const { recommender: r } = await train(shop, { core: await createCore(), hidden: [16, 8, 4], epochs: [10, 5, 5], gateEpochs: 3, batchSize: 8, negatives: 16, seed: 2 });
  const back = Recommender.fromSafetensors(await createCore(), r.toSafetensors());
  assert.equal(back.ids, shop.ids);
  const u = back.userIndex("shopper-3"), given = ["sku-13", "sku-26"].map((id) => back.itemIndex(id));
  assert.is(shop.ids!.users[u], "shopper-3");
  assert.is(shop.ids!.items[given[0]], "sku-13");
  const rec = back.recommend({ user: u, items: given }, 5);
  assert.equal(rec, r.recommend({ user: u, items: given }, 5));
  assert.equal(rec.ids, rec.items.map((i) => shop.ids!.items[i]));
  assert.throws(() => back.userIndex("nobody"), /user "nobody" is not in the model's training data \(shop\.csv\)/);
  assert.throws(() => recommender.itemIndex("sku-1"), /has no ids of its own: items are numbered 0…59/);
  assert.is(recommender.recommend({ user: 5 }, 3).ids, undefined);
  // damaged id lists are refused
  const { tensors, metadata } = decodeSafetensors(r.toSafetensors());
  const withIds = (ids: string) => encodeSafetensors(tensors, { ...metadata, "ael-wasm.ids": ids });
  await refused(withIds("{"), /the ids \(ael-wasm\.ids\) are not valid JSON/);
  await refused(withIds(JSON.stringify({ users: shop.ids!.users.slice(1), items: shop.ids!.items })), /are not \d+ distinct user ids and \d+ distinct item ids/);
  await refused(withIds(JSON.stringify({ users: [shop.ids!.users[1], ...shop.ids!.users.slice(1)], items: shop.ids!.items })), /distinct user ids/);
});

test("truncated, foreign, other-version and tampered files are refused with the reason", async () => {
  const good = new Uint8Array(await readFile(join(dir, "model.safetensors")));
  await refused(good.subarray(0, 5), /truncated/);
  await refused(good.subarray(0, good.length - 100), /run past the data section|truncated/);
  await refused(new TextEncoder().encode("PK\u0003\u0004 not a checkpoint at all, just some bytes"), /header length|not valid JSON/);
  const foreign = encodeSafetensors({ w: { dtype: "F32", shape: [2], data: new Float32Array(2) } });
  await refused(foreign, /not an ael-wasm checkpoint/);
  const { tensors, metadata } = decodeSafetensors(good);
  const m = JSON.parse(metadata["ael-wasm"]);
  await refused(encodeSafetensors(tensors, { "ael-wasm": JSON.stringify({ ...m, version: 99 }) }), /version 99/);
  const missing = { ...tensors };
  delete missing["sub.1.V"];
  await refused(encodeSafetensors(missing, metadata), /sub\.1\.V is missing/);
  const tampered = good.slice();
  tampered[tampered.length - 4 * 1000] ^= 0x40;
  await refused(tampered, /do not match the manifest's checksum/);
});

test("an interrupted save (a half-written temporary file) leaves the checkpoint loadable; saves leave no temporaries", async () => {
  const { readdir } = await import("node:fs/promises");
  await writeFile(join(dir, "model.safetensors.tmp-999-1"), new Uint8Array(1000).fill(7));
  const back = await loadCheckpoint(await createCore(), dir);
  assert.is(back.weightsChecksum(), recommender.weightsChecksum());
  const other = await mkdtemp(join(tmpdir(), "ael-ckpt-"));
  await saveCheckpoint(recommender, other);
  await saveCheckpoint(recommender, other);
  assert.equal((await readdir(other)).sort(), ["model.json", "model.safetensors"]);
});

test.run();
