// The packed tarball, installed into an empty project: it imports and trains under Node, and
// under Node's other release lines, Deno and Bun to the same weights per flavour on 1 and 2
// threads (its `ael` command to the same metrics), its declarations type-check a strict TypeScript consumer, a browser bundle
// made with esbuild from `ael-wasm/embedded` keeps its wasm and trains in Chromium, and a bundle
// for an edge runtime that forbids compiling WebAssembly trains from a module.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import vm from "node:vm";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { nodeLines, npm } from "./runtimes/node-lines.js";
import { setUp } from "./helpers.js";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "ael-pack-"));
const run = (cmd: string, args: string[], cwd: string, env = process.env) => execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

const NODE_LINES = nodeLines(root);

test.before(setUp(() => {
  const tgz = npm(["pack", "--silent", "--pack-destination", dir], root).trim().split("\n").pop()!;
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  npm(["install", "--no-audit", "--no-fund", "--ignore-scripts", join(dir, tgz)], dir);
  writeFileSync(join(dir, "node.mjs"), `import { train, synthetic } from "ael-wasm";\n${PROGRAM}\nconsole.log(JSON.stringify(globalThis.__result));`);
}));

const PROGRAM = `
const data = synthetic({ users: 60, items: 50, interactions: 8, seed: 2 });
const { recommender } = await train(data, { hidden: [16, 8, 4], epochs: [10, 5, 5], gateEpochs: 3, negatives: 16, seed: 3 });
const r = recommender.evaluate(data.test);
globalThis.__result = { checksum: recommender.weightsChecksum(), recall: r.variants.gate_k2["recall@20"], flavour: recommender.core.flavour };
`;

test("the installed package imports and trains under Node", () => {
  const out = JSON.parse(run(process.execPath, ["node.mjs"], dir));
  assert.match(out.checksum, /^[0-9a-f]{16}$/);
  assert.ok(out.recall >= 0 && out.recall <= 1);
});

// Server and edge runtimes besides Node (Deno runs Netlify's and Supabase's edge functions): the
// same program, per flavour on 1 and 2 threads (the pool's Workers included), in each. Relaxed
// SIMD lets an engine fuse a multiply-add or not: V8 (Node, Deno, Chromium) fuses it, and
// JavaScriptCore (Bun, Safari) does not, so there the relaxed core gives the simd core's numbers.
const RUNTIMES_PROGRAM = `
import { createCore, train, synthetic } from "ael-wasm";
const data = synthetic({ users: 60, items: 50, interactions: 8, seed: 2 });
const runs = [];
for (const flavour of ["simd", "relaxed"])
  for (const threads of [1, 2]) {
    const core = await createCore({ flavour, threads });
    const { recommender } = await train(data, { core, hidden: [16, 8, 4], epochs: [10, 5, 5], gateEpochs: 3, negatives: 16, seed: 3 });
    runs.push({ flavour: core.flavour, threads: core.threads, pool: !!core.pool, checksum: recommender.weightsChecksum() });
    core.pool?.terminate();
  }
console.log(JSON.stringify(runs));
`;

// Deno and Bun from the devDependencies, run in the consumer project (Deno with every permission
// and without its update check).
const RUNTIME_ARGS = { deno: ["run", "--allow-all"], bun: [] } as const;
const inRuntime = (runtime: keyof typeof RUNTIME_ARGS, args: string[]) =>
  run(join(root, "node_modules", ".bin", runtime), [...RUNTIME_ARGS[runtime], ...args], dir, { ...process.env, DENO_NO_UPDATE_CHECK: "1", DENO_DIR: join(dir, ".deno") });

test("Node's other release lines are installed for this machine's architecture", () => {
  assert.is(NODE_LINES.length, 3, `tests/runtimes installs Node 22, 24 and 26 for Linux on x64 and arm64; on ${process.platform}-${process.arch}: ${NODE_LINES.map((n) => n.name).join(", ") || "none"}`);
});

test("the installed package trains under Node's other release lines, Deno and Bun, per flavour on 1 and 2 threads, to the same weights (Bun's relaxed core to the simd ones)", () => {
  writeFileSync(join(dir, "runtimes.mjs"), RUNTIMES_PROGRAM);
  type Run = { flavour: string; threads: number; pool: boolean; checksum: string };
  // Node 20 has relaxed SIMD behind a flag that the tests are run with; from Node 22 on it is on
  const node: Run[] = JSON.parse(run(process.execPath, [...process.execArgv, "runtimes.mjs"], dir));
  assert.equal(node.map((r) => [r.flavour, r.threads, r.pool]), [["simd", 1, false], ["simd", 2, true], ["relaxed", 1, false], ["relaxed", 2, true]]);
  const [simd, , relaxed] = node.map((r) => r.checksum);
  assert.equal(node.map((r) => r.checksum), [simd, simd, relaxed, relaxed], "threads change no weight");
  assert.is.not(relaxed, simd, "V8 fuses the relaxed core's multiply-adds");
  for (const n of NODE_LINES) assert.equal(JSON.parse(run(n.bin, ["runtimes.mjs"], dir)), node, `${n.name}: the runs ${process.version} gives`);
  assert.equal(JSON.parse(inRuntime("deno", ["runtimes.mjs"])), node, "deno: the runs Node gives");
  assert.equal(JSON.parse(inRuntime("bun", ["runtimes.mjs"])), node.map((r) => ({ ...r, checksum: simd })), "bun: Node's simd weights from both cores");
});

test("the installed `ael` command trains under Node's other release lines, Deno and Bun to the metrics it gives under this Node", () => {
  const cli = createRequire(join(dir, "package.json")).resolve("ael-wasm/package.json").replace(/package\.json$/, "build/cli.js");
  const args = [cli, "train", "--data", "synthetic:users=60,items=50,interactions=8", "--epochs", "10,5,5", "--gate-epochs", "3", "--seed", "3", "--json"];
  const variants = (out: string) => JSON.parse(out).variants;
  const node = variants(run(process.execPath, args, dir));
  assert.ok(node.gate_k2["recall@20"] > 0);
  for (const n of NODE_LINES) assert.equal(variants(run(n.bin, args, dir)), node, `${n.name}: ${process.version}'s metrics`);
  for (const runtime of ["deno", "bun"] as const) assert.equal(variants(inRuntime(runtime, args)), node, `${runtime}: Node's metrics`);
});

// A TypeScript program that names the types the API's options and results use, and misuses it
// once: strict tsc over the installed declarations accepts the program and flags the misuse.
const CONSUMER = `
import { train, synthetic, createCore, loadCheckpoint, profileTraining, type TrainResult, type TrainSnapshot, type StageValidation, type ProgressEvent, type Recommendation, type ProfileReport, type KernelProfile } from "ael-wasm";
const snapshots: TrainSnapshot[] = [];
const result: TrainResult = await train(synthetic({ users: 20, items: 30 }), {
  epochs: [2, 1, 1], gateEpochs: 1, patience: 1,
  onProgress: (e: ProgressEvent) => console.log(e.stage, e.loss),
  checkpointEvery: 1, onCheckpoint: (s) => { snapshots.push(s); },
});
const checks: Record<string, StageValidation> | undefined = result.validation;
const top: Recommendation = result.recommender.recommend({ items: [0, 1] }, 5);
const again = await loadCheckpoint(await createCore({ threads: 1 }), "model");
console.log(checks, top.items, again.recommend({ user: 0 }, 3).scores, snapshots[0]?.epoch);
const report: ProfileReport = await profileTraining(synthetic({ users: 20, items: 30 }), { flavour: "simd", epochs: [2, 1, 1] });
const slowest: KernelProfile | undefined = report.kernels[0];
console.log(slowest?.gflops, report.ceilings.gflops, report.stage0_fastest_epoch?.step_us);
// @ts-expect-error: epochs are numbers
await train(synthetic(), { epochs: ["2500"] });
`;

test("the installed package's declarations type-check a strict TypeScript consumer", () => {
  writeFileSync(join(dir, "consumer.ts"), CONSUMER);
  const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  const flags = ["--noEmit", "--strict", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--types", "node", "--typeRoots", join(root, "node_modules/@types"), "consumer.ts"];
  try {
    run(process.execPath, [tsc, ...flags], dir);
  } catch (e) {
    assert.unreachable(`tsc refused the consumer:\n${(e as { stdout?: string }).stdout}`);
  }
  // and the same checker does flag a wrong type: the test above can fail
  writeFileSync(join(dir, "wrong.ts"), `import { train, synthetic } from "ael-wasm";\nawait train(synthetic(), { epochs: ["2500"] });\n`);
  assert.throws(() => run(process.execPath, [tsc, ...flags.slice(0, -1), "wrong.ts"], dir), (e: { stdout?: string }) => /wrong\.ts.*TS2322/s.test(e.stdout ?? ""));
});

test("an esbuild browser bundle of ael-wasm/embedded keeps the wasm and trains in Chromium", async () => {
  writeFileSync(join(dir, "page.mjs"), `import { train, synthetic } from "ael-wasm/embedded";\n${PROGRAM}`);
  const result = await build({ entryPoints: [join(dir, "page.mjs")], bundle: true, format: "esm", platform: "browser", write: false, absWorkingDir: dir, logLevel: "silent" });
  const js = result.outputFiles[0].text;
  assert.ok(js.length > 30_000, `bundle is only ${js.length} bytes`);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.setContent("<!doctype html><title>consumer</title>");
    await page.addScriptTag({ content: js, type: "module" });
    await page.waitForFunction(() => (globalThis as Record<string, unknown>).__result || document.title === "x", null, { timeout: 60_000 });
    const out = (await page.evaluate(() => (globalThis as Record<string, unknown>).__result)) as { checksum: string; flavour: string };
    assert.equal(errors, []);
    const node = JSON.parse(run(process.execPath, ["node.mjs"], dir));
    assert.is(out.flavour, node.flavour);
    assert.is(out.checksum, node.checksum, "the bundled browser build trains to the same weights as Node");
  } finally {
    await browser.close();
  }
});

// Cloudflare Workers and Vercel's Edge runtime refuse to compile WebAssembly from bytes (as they
// refuse eval): a worker imports the .wasm file, which its bundler hands over as a compiled
// module. A vm context with code generation off refuses the same way.
const EDGE_PROGRAM = `
import { createCore, train, synthetic, Recommender } from "ael-wasm";
globalThis.__done = (async () => {
  let refused = "";
  try {
    await createCore({ wasmBinary: AEL_BYTES });
  } catch (e) {
    refused = e.message;
  }
  const core = await createCore({ wasmModule: AEL_CORE });
  const data = synthetic({ users: 60, items: 50, interactions: 8, seed: 2 });
  const { recommender } = await train(data, { core, hidden: [16, 8, 4], epochs: [10, 5, 5], gateEpochs: 3, negatives: 16, seed: 3 });
  const served = Recommender.fromSafetensors(await createCore({ wasmModule: AEL_CORE }), recommender.toSafetensors());
  return { refused, flavour: core.flavour, checksum: recommender.weightsChecksum(), served: served.weightsChecksum(), top: served.recommend({ items: [1, 2, 3] }, 5).items };
})();
`;

test("an edge-runtime bundle that may not compile WebAssembly trains and serves from a compiled module", async () => {
  writeFileSync(join(dir, "edge.mjs"), EDGE_PROGRAM);
  const result = await build({ entryPoints: [join(dir, "edge.mjs")], bundle: true, format: "iife", platform: "neutral", mainFields: ["module", "main"], conditions: ["workerd", "worker", "browser"], write: false, absWorkingDir: dir, logLevel: "silent" });
  const wasmFile = createRequire(join(dir, "package.json")).resolve("ael-wasm/wasm/ael.simd.wasm");
  const bytes = readFileSync(wasmFile);
  const globals = { console, TextEncoder, TextDecoder, URL, MessageChannel, setTimeout, clearTimeout, queueMicrotask, performance, structuredClone };
  const context = vm.createContext({ ...globals, AEL_CORE: new WebAssembly.Module(bytes), AEL_BYTES: new Uint8Array(bytes) }, { codeGeneration: { strings: false, wasm: false } });
  vm.runInContext(result.outputFiles[0].text, context);
  const out = await (context.__done as Promise<{ refused: string; flavour: string; checksum: string; served: string; top: number[] }>);
  assert.match(out.refused, /could not be compiled: .*disallowed.*pass it as wasmModule/);
  assert.is(out.flavour, "simd");
  const node = JSON.parse(run(process.execPath, ["node.mjs"], dir));
  assert.is(out.checksum, node.checksum, "the edge bundle trains to the same weights as Node");
  assert.is(out.served, out.checksum, "the model read back from its safetensors bytes has the trained weights");
  assert.is(out.top.length, 5);
});

test.run();
