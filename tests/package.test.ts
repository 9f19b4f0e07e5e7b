// The packed tarball, installed into an empty project: it imports and trains under Node, and a
// browser bundle made with esbuild from `ael-wasm/embedded` keeps its wasm and trains in Chromium.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "ael-pack-"));
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
// Under `npm test`, node_modules/.bin is first on PATH and holds an old npm (a dependency of
// as-pect's tree): run the npm that runs us.
const npm = (args: string[], cwd: string) => (process.env.npm_execpath ? run(process.execPath, [process.env.npm_execpath, ...args], cwd) : run("npm", args, cwd));

test.before(() => {
  const tgz = npm(["pack", "--silent", "--pack-destination", dir], root).trim().split("\n").pop()!;
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  npm(["install", "--no-audit", "--no-fund", "--ignore-scripts", join(dir, tgz)], dir);
});

const PROGRAM = `
const data = synthetic({ users: 60, items: 50, interactions: 8, seed: 2 });
const { recommender } = await train(data, { hidden: [16, 8, 4], epochs: [10, 5, 5], gateEpochs: 3, negatives: 16, seed: 3 });
const r = recommender.evaluate(data.test);
globalThis.__result = { checksum: recommender.weightsChecksum(), recall: r.variants.gate_k2["recall@20"], flavour: recommender.core.flavour };
`;

test("the installed package imports and trains under Node", () => {
  writeFileSync(join(dir, "node.mjs"), `import { train, synthetic } from "ael-wasm";\n${PROGRAM}\nconsole.log(JSON.stringify(globalThis.__result));`);
  const out = JSON.parse(run(process.execPath, ["node.mjs"], dir));
  assert.match(out.checksum, /^[0-9a-f]{16}$/);
  assert.ok(out.recall >= 0 && out.recall <= 1);
  const types = readFileSync(join(dir, "node_modules/ael-wasm/build/types/src/index.d.ts"), "utf8");
  assert.match(types, /export \{ train/);
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

test.run();
