// The `ael` command end to end: train with --out and --json, eval, recommend, clear errors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
  assert.equal(Object.keys(out.dataset).sort(), ["duplicates", "items", "name", "test_in_train", "test_users", "test_users_without_train", "train", "users", "users_without_train"]);
  assert.is(out.seed, 4);
  assert.equal([out.config.seed, out.config.hidden, out.config.epochs, out.config.gate_epochs, out.config.gate_k], [4, [128, 48, 12], [20, 10, 10], 5, 2]);
  for (const k of ["stage0", "stage1", "stage2", "gate", "eval", "total"]) assert.type(out.timings_s[k], "number");
  assert.equal(Object.keys(out.variants), ["mild", "moderate", "strong", "average", "likelihood", "gate_k1", "gate_k2", "gate_k3"]);
  for (const m of ["recall", "precision", "ndcg", "ndcg_ref", "mrr"]) for (const k of [3, 5, 10, 20]) assert.type(out.variants.gate_k2[`${m}@${k}`], "number");
});

test("train takes the model's shape and every training rate from the command line, and the checkpoint keeps them", () => {
  const out = mkdtempSync(join(tmpdir(), "ael-cli-shape-"));
  const args = ["--hidden", "16,4", "--epochs", "3,2", "--gate-epochs", "2", "--batch-size", "8", "--lr", "0.001", "--gate-lr", "0.0002", "--negatives", "16", "--gate-k", "1"];
  const r = ael("train", "--data", DATA, ...args, "--out", out, "--json");
  assert.is(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(Object.keys(report.variants), ["expert_0", "expert_1", "average", "likelihood", "gate_k1", "gate_k2"]);
  const want = [[16, 4], [3, 2], 2, 8, 0.001, 0.0002, 16, 1];
  const c = report.config;
  assert.equal([c.hidden, c.epochs, c.gate_epochs, c.batch_size, c.lr, c.gate_lr, c.negatives, c.gate_k], want, "the report's");
  const config = JSON.parse(readFileSync(join(out, "model.json"), "utf8")).config;
  assert.equal([config.hidden, config.epochs, config.gateEpochs, config.batchSize, config.lr, config.gateLr, config.negatives, config.gateK], want, "the checkpoint's");
  const bad = ael("train", "--data", DATA, "--hidden", "16,x");
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--hidden needs an integer, got "x"/);
});

test("train --patience stops stages early on a held-out validation split and reports each stage's checks", () => {
  const r = ael("train", "--data", DATA, "--epochs", "30,10,10", "--gate-epochs", "10", "--patience", "1", "--valid-every", "2", "--valid-ratio", "0.2", "--json");
  assert.is(r.status, 0, r.stderr);
  const v = JSON.parse(r.stdout).validation;
  assert.equal(Object.keys(v), ["stage0", "stage1", "stage2", "gate"]);
  for (const s of Object.values(v) as { checks: { epoch: number; recall: number }[]; best_epoch: number; stopped_at?: number }[]) {
    assert.ok(s.checks.length > 0 && s.checks.every((c) => c.epoch % 2 === 0 && c.recall >= 0 && c.recall <= 1));
    assert.ok(s.checks.some((c) => c.epoch === s.best_epoch));
    if (s.stopped_at !== undefined) assert.is(s.checks.at(-1)!.epoch, s.stopped_at);
  }
});

test("eval and recommend read the checkpoint", () => {
  const e = ael("eval", "--model", dir, "--data", DATA, "--json");
  assert.is(e.status, 0, e.stderr);
  assert.ok(JSON.parse(e.stdout).variants.mild["recall@20"] >= 0);
  const [one, two] = ["1", "2"].map((t) => ael("eval", "--model", dir, "--data", DATA, "--threads", t, "--json"));
  assert.is(one.status, 0, one.stderr);
  assert.is(two.status, 0, two.stderr);
  assert.is(one.stdout, two.stdout, "the same metrics on 1 and 2 threads");
  const r = ael("recommend", "--model", dir, "--user", "3", "-k", "5", "--json");
  assert.is(r.status, 0, r.stderr);
  const rec = JSON.parse(r.stdout);
  assert.is(rec.items.length, 5);
  const cold = ael("recommend", "--model", dir, "--items", "1,2,3", "--json");
  assert.is(JSON.parse(cold.stdout).items.length, 20);
  const now = ael("recommend", "--model", dir, "--user", "3", "--items", "1,2,3", "--json");
  assert.is(now.status, 0, now.stderr);
  const current = JSON.parse(now.stdout);
  assert.is(current.items.length, 20);
  assert.equal(current.items.filter((i: number) => [1, 2, 3].includes(i)), []);
  assert.not.equal(current.scores, JSON.parse(cold.stdout).scores, "the user's embedding row is used");
});

test("recommend --all lists every user's top k as CSV, to stdout or to --out, each as recommend --user gives it", () => {
  const r = ael("recommend", "--model", dir, "--all", "-k", "4", "--variant", "likelihood");
  assert.is(r.status, 0, r.stderr);
  assert.is(ael("recommend", "--model", dir, "--all", "-k", "4", "--variant", "likelihood", "--threads", "1").stdout, r.stdout, "the same lists on 1 thread");
  const lines = r.stdout.trimEnd().split("\n");
  assert.is(lines[0], "user,rank,item,score");
  assert.is(lines.length, 1 + 60 * 4);
  const file = join(dir, "every-user.csv");
  const w = ael("recommend", "--model", dir, "--all", "-k", "4", "--variant", "likelihood", "--out", file);
  assert.is(w.status, 0, w.stderr);
  assert.is(readFileSync(file, "utf8"), r.stdout);
  const top = lines[1].split(",")[2], second = lines[2].split(",")[2];
  const without = ael("recommend", "--model", dir, "--all", "-k", "4", "--variant", "likelihood", "--exclude", `${top},${second}`);
  assert.is(without.status, 0, without.stderr);
  const withoutRows = without.stdout.trimEnd().split("\n").slice(1).map((l) => l.split(","));
  assert.is(withoutRows.length, 60 * 4);
  assert.ok(withoutRows.every((f) => f[2] !== top && f[2] !== second), "excluded items never listed");
  assert.equal(JSON.parse(ael("recommend", "--model", dir, "--user", "0", "-k", "4", "--variant", "likelihood", "--exclude", `${top},${second}`, "--json").stdout).items, withoutRows.slice(0, 4).map((f) => Number(f[2])));
  for (const user of [0, 17, 59]) {
    const one = JSON.parse(ael("recommend", "--model", dir, "--user", String(user), "-k", "4", "--variant", "likelihood", "--json").stdout);
    const rows = lines.slice(1).map((l) => l.split(",")).filter((f) => f[0] === String(user));
    assert.equal(rows.map((f) => Number(f[1])), [1, 2, 3, 4]);
    assert.equal(rows.map((f) => Number(f[2])), one.items, `user ${user}`);
    rows.forEach((f, j) => assert.ok(Math.abs(Number(f[3]) - one.scores[j]) <= 1e-8, `user ${user}, rank ${j + 1}`));
  }
});

test("a CSV's own ids: recommend takes and prints them, eval refuses data whose ids differ", () => {
  const lines: string[] = [];
  for (let u = 0; u < 40; u++) for (let k = 0; k < 8; k++) lines.push(`reader-${u},book-${(7 * u + 11 * k) % 50}`);
  const reads = join(dir, "reads.csv"), model = join(dir, "csv-model");
  writeFileSync(reads, "user,book\n" + lines.join("\n"));
  const t = ael("train", "--data", `csv:${reads}`, "--epochs", "10,5,5", "--gate-epochs", "3", "--out", model, "--json");
  assert.is(t.status, 0, t.stderr);
  const r = ael("recommend", "--model", model, "--user", "reader-3", "--items", "book-1,book-12", "-k", "5");
  assert.is(r.status, 0, r.stderr);
  const shown = [...r.stdout.matchAll(/item (\S+)/g)].map((m) => m[1]);
  assert.is(shown.length, 5);
  assert.ok(shown.every((id) => /^book-\d+$/.test(id) && id !== "book-1" && id !== "book-12"), shown.join(" "));
  const plain = JSON.parse(ael("recommend", "--model", model, "--user", "reader-3", "-k", "5", "--json").stdout).ids as string[];
  const kept = ael("recommend", "--model", model, "--user", "reader-3", "-k", "3", "--exclude", plain.slice(0, 2).join(","), "--json");
  assert.is(kept.status, 0, kept.stderr);
  assert.equal(JSON.parse(kept.stdout).ids, plain.slice(2), "--exclude takes the file's ids");
  const unknown = ael("recommend", "--model", model, "--user", "reader-999");
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /user "reader-999" is not in the model's training data/);
  // the same interactions with the readers renamed: the same counts, other ids
  const renamed = join(dir, "renamed.csv");
  writeFileSync(renamed, "user,book\n" + lines.map((l) => l.replace("reader-", "r")).join("\n"));
  const e = ael("eval", "--model", model, "--data", `csv:${renamed}`);
  assert.is(e.status, 2);
  assert.match(e.stderr, /trained on other data than .*renamed\.csv: user 0 is "reader-0" in the model, "r0" in the data/);
  const all = ael("recommend", "--model", model, "--all", "-k", "2");
  assert.is(all.status, 0, all.stderr);
  const listed = all.stdout.trimEnd().split("\n").slice(1).map((l) => l.split(","));
  assert.is(listed.length, 80);
  assert.ok(listed.every(([u, , i]) => /^reader-\d+$/.test(u) && /^book-\d+$/.test(i)), "the file's own ids");
  const same = ael("eval", "--model", model, "--data", `csv:${reads}`, "--json");
  assert.is(same.status, 0, same.stderr);
});

test("export writes the PyTorch release's names and layouts; import reads them back to the same weights", () => {
  const file = join(dir, "torch.safetensors");
  const e = ael("export", "--model", dir, "--out", file);
  assert.is(e.status, 0, e.stderr);
  const bytes = readFileSync(file);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString("utf8"));
  assert.equal(header["AEs.0.item2hidden.weight"].shape, [128, 80]);
  assert.equal(header["AEs.0.id2hidden.weight"].shape, [60, 128]);
  assert.equal(header["AEs.0.decoder.weight"].shape, [80, 128]);
  assert.equal(header["AEs.2.item2hidden.weight"].shape, [12, 48]);
  assert.equal(header.w_gate.shape, [80, 3]);
  const back = join(dir, "imported");
  const i = ael("import", "--weights", file, "--data", DATA, "--out", back);
  assert.is(i.status, 0, i.stderr);
  const weights = (d: string) => JSON.parse(readFileSync(join(d, "model.json"), "utf8")).weights;
  assert.is(weights(back), weights(dir));
  const wrong = ael("import", "--weights", file, "--data", "synthetic:users=61,items=80,interactions=10", "--out", join(dir, "x"));
  assert.is(wrong.status, 2);
  assert.match(wrong.stderr, /AEs\.0\.id2hidden\.weight is F32\[60,128\], expected F32\[61,128\]/);
});

test("profile times every kernel of a short training run", () => {
  const r = ael("profile", "--data", DATA, "--epochs", "3,2,2", "--gate-epochs", "2", "--json");
  assert.is(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  const names = p.kernels.map((k: { kernel: string }) => k.kernel);
  for (const k of ["adam_step", "sampled_decoder_train", "spmm_forward", "gemm_nt", "gate_forward"]) assert.ok(names.includes(k), `${k} profiled`);
  const dec = p.kernels.find((k: { kernel: string }) => k.kernel === "sampled_decoder_train");
  assert.ok(dec.calls > 0 && dec.gflops > 0);
  assert.match(dec.note, /Adam step on W_dec/);
  assert.ok(p.ceilings.gflops > 0 && p.ceilings.gbps > 0 && p.ceilings.adamMparams > 0);
  const adam = p.kernels.find((k: { kernel: string }) => k.kernel === "adam_step");
  assert.ok(adam.mparams > 0 && Math.abs(adam.gbps - (32 * adam.mparams) / 1000) < 1e-9 * adam.gbps, "Adam: parameters per second, 32 bytes each");
  // stage 0's fastest epoch, split per step: its kernels and the rest add up to the step
  const e = p.stage0_fastest_epoch;
  assert.ok(e.epoch === 2 || e.epoch === 3, "a stage-0 epoch after the first, which also holds the set-up");
  assert.is(e.steps, 2, "60 users in batches of 32");
  const kernelSum = e.kernels.reduce((s: number, k: { us_per_step: number }) => s + k.us_per_step, 0);
  assert.ok(e.kernels.some((k: { kernel: string }) => k.kernel === "sampled_decoder_train"));
  assert.ok(e.kernels.every((k: { kernel: string }) => !k.kernel.startsWith("gate")), "only stage 0's kernels");
  assert.ok(e.outside_us_per_step >= 0 && Math.abs(kernelSum + e.outside_us_per_step - e.step_us) < 1e-6 * e.step_us);
});

test("profile trains the model it is given: widths, batch size and rates as train takes them", () => {
  const r = ael("profile", "--data", DATA, "--hidden", "24,8", "--epochs", "3,1", "--gate-epochs", "1", "--batch-size", "7", "--negatives", "20", "--json");
  // two epoch counts pass only with two widths: three (the default) would refuse them
  assert.is(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  assert.is(p.stage0_fastest_epoch.steps, 9, "60 users in batches of 7");
  assert.equal([p.config.hidden, p.config.epochs, p.config.batchSize, p.config.negatives, p.config.gateEpochs], [[24, 8], [3, 1], 7, 20, 1], "the report names the training it profiled");
  const human = ael("profile", "--data", DATA, "--hidden", "24,8", "--epochs", "2,1", "--gate-epochs", "1", "--batch-size", "7");
  assert.match(human.stdout.split("\n")[0], /, hidden 24→8, batch 7, simd core, 1 thread: /);
  const bad = ael("profile", "--data", DATA, "--patience", "2");
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /profile does not take --patience; it takes --data, --noise, --epochs/);
});

test("--flavour relaxed works from a Node that keeps relaxed SIMD behind a flag", () => {
  // this suite starts the command without the flag, as a user's shell does
  const t = ael("train", "--data", DATA, "--epochs", "3,2,2", "--gate-epochs", "2", "--flavour", "relaxed", "--json");
  assert.is(t.status, 0, t.stderr);
  assert.is(JSON.parse(t.stdout).flavour, "relaxed");
  const p = ael("profile", "--data", DATA, "--epochs", "2,1,1", "--gate-epochs", "1", "--flavour=relaxed", "--json");
  assert.is(p.status, 0, p.stderr);
  assert.is(JSON.parse(p.stdout).flavour, "relaxed");
});

test("a synthetic set too large to train is refused before it is generated", () => {
  // generating 5M users × 100k items would take hours: only a refusal up front ends in time
  const r = spawnSync(process.execPath, [CLI, "train", "--data", "synthetic:users=5000000,items=100000"], { encoding: "utf8", timeout: 60_000 });
  assert.is(r.status, 2, `status ${r.status} (null: still generating after 60 s), stderr ${r.stderr}`);
  assert.match(r.stderr, /training synthetic:users=5000000,items=100000 \(5000000 users × 100000 items, hidden \[128,48,12\]\) needs [\d.]+ GiB/);
});

test("bad input exits with status 2 and a message naming the problem", () => {
  const cases: [string[], RegExp][] = [
    [["train", "--data", "nope:x"], /unknown data spec "nope:x"/],
    [["train", "--data", DATA, "--epochs", "1,2"], /epochs must list 3 integers/],
    [["train", "--data", "ml100k:/does/not/exist"], /expected u1\.base and u1\.test, or u\.data/],
    [["recommend", "--model", dir, "--user", "9999"], /user 9999 is outside 0…59/],
    [["recommend", "--model", dir], /give --user ID \(their training row\), --items I1,I2,… \(a new user\) or both/],
    [["recommend", "--model", dir, "--user", "3", "--variant", "gate_k9"], /unknown variant "gate_k9"; variants: mild, .*gate_k3/],
    [["recommend", "--model", dir, "--all", "--user", "3"], /--all lists every user from their training row: give it without --user or --items/],
    [["recommend", "--model", dir, "--all", "--json"], /--all writes CSV \(user,rank,item,score\): give it without --json/],
    [["recommend", "--model", dir, "--user", "3", "--out", join(dir, "x.csv")], /--out writes every user's list: give it with --all/],
    [["eval", "--model", join(dir, "missing"), "--data", DATA], /cannot read/],
    [["train", "--bogus"], /Unknown option '--bogus'/],
    [["train", "--resume", dir, "--epochs", "5,5,5", "--seed", "2"], /--resume goes on with the saved run's own options: --seed, --epochs cannot change them/],
    // an option of another command is refused, not ignored
    [["eval", "--model", dir, "--data", DATA, "--epochs", "5"], /eval does not take --epochs; it takes --model, --data, --noise, --flavour, --threads, --json/],
    [["train", "--data", DATA, "-k", "5", "--variant", "mild"], /train does not take -k, --variant; it takes --data, --seed/],
    [["export", "--model", dir, "--out", join(dir, "t.safetensors"), "--json"], /export does not take --json/],
    [["train", "--data", DATA, "--patience", "2", "--valid-ratio", "1.5"], /validRatio must be in \(0, 1\)/],
  ];
  for (const [args, pattern] of cases) {
    const r = ael(...args);
    assert.is(r.status, 2, `${args.join(" ")}: status ${r.status}, stderr ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});

test.run();
