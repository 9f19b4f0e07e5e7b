// The `ael` command end to end: train with --out and --json, eval, recommend, clear errors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLI = new URL("../cli.js", import.meta.url).pathname;
const ael = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
const dir = mkdtempSync(join(tmpdir(), "ael-cli-"));
const DATA = "synthetic:users=60,items=80,interactions=10";

test("train --json prints one object with every variant and metric, and saves a checkpoint", () => {
  const r = ael("train", "--data", DATA, "--epochs", "20,10,10", "--gate-epochs", "5", "--seed", "4", "--out", dir, "--json");
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(Object.keys(out.dataset).sort(), ["duplicates", "items", "name", "test_users", "test_users_without_train", "train", "users", "users_without_train"]);
  assert.is(out.seed, 4);
  for (const k of ["stage0", "stage1", "stage2", "gate", "eval", "total"]) assert.type(out.timings_s[k], "number");
  assert.equal(Object.keys(out.variants), ["mild", "moderate", "strong", "average", "likelihood", "gate_k1", "gate_k2", "gate_k3"]);
  for (const m of ["recall", "precision", "ndcg", "ndcg_ref", "mrr"]) for (const k of [3, 5, 10, 20]) assert.type(out.variants.gate_k2[`${m}@${k}`], "number");
});

test("eval and recommend read the checkpoint", () => {
  const e = ael("eval", "--model", dir, "--data", DATA, "--json");
  assert.is(e.status, 0, e.stderr);
  assert.ok(JSON.parse(e.stdout).variants.mild["recall@20"] >= 0);
  const r = ael("recommend", "--model", dir, "--user", "3", "-k", "5", "--json");
  assert.is(r.status, 0, r.stderr);
  const rec = JSON.parse(r.stdout);
  assert.is(rec.items.length, 5);
  const cold = ael("recommend", "--model", dir, "--items", "1,2,3", "--json");
  assert.is(JSON.parse(cold.stdout).items.length, 20);
});

test("bad input exits with status 2 and a message naming the problem", () => {
  const cases: [string[], RegExp][] = [
    [["train", "--data", "nope:x"], /unknown data spec "nope:x"/],
    [["train", "--data", DATA, "--epochs", "1,2"], /epochs must list 3 integers/],
    [["train", "--data", "ml100k:/does/not/exist"], /expected u1\.base and u1\.test, or u\.data/],
    [["recommend", "--model", dir, "--user", "9999"], /user 9999 is outside 0…59/],
    [["eval", "--model", join(dir, "missing"), "--data", DATA], /cannot read/],
    [["train", "--bogus"], /Unknown option '--bogus'/],
  ];
  for (const [args, pattern] of cases) {
    const r = ael(...args);
    assert.is(r.status, 2, `${args.join(" ")}: status ${r.status}, stderr ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});

test.run();
