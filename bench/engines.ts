// The ML-100K stage-0 step in every engine the tests run in: Node (the one running and its other
// release lines), Deno and Bun run `ael profile`, Chromium and Firefox the demo's profile panel,
// each three times in turn, and the table gives each engine's fastest stage-0 epoch per step (the
// kernel profile's figure, every kernel call wrapped with a timer alike in each) beside the
// running Node's, measured in the same run. Writes bench/results/engines.json.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { chromium } from "playwright-core";
import puppeteer from "puppeteer-core";
import { serve } from "../src/web/serve.js";
import { nodeLines } from "../tests/runtimes/node-lines.js";
import type { ProfileReport } from "../src/profile/profile.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const DATA = join(ROOT, "../shared/data/ml-100k");
const ROUNDS = 3;

/** A way to take one profile of the stage-0 step: the µs per step of its fastest epoch. */
type Probe = () => Promise<number>;

function cli(command: string, prefix: string[], threads: number): Probe {
  const args = [...prefix, join(ROOT, "build/cli.js"), "profile", "--data", `ml100k:${DATA}`, "--epochs", "40,1,1", "--gate-epochs", "1", "--threads", String(threads), "--json"];
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };
  return async () => (JSON.parse(execFileSync(command, args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] })) as ProfileReport).stage0_fastest_epoch!.step_us;
}

/** The demo's profile panel on u1.base + u1.test (20 stage-0 epochs, one thread). */
interface DemoPage {
  goto(url: string): Promise<unknown>;
  evaluate(fn: () => unknown): Promise<unknown>;
  click(selector: string): Promise<unknown>;
}
function demo(page: DemoPage, base: string, chooseFiles: (files: string[]) => Promise<unknown>): Probe {
  let loaded = false;
  return async () => {
    if (!loaded) {
      await page.goto(`${base}/`);
      await page.evaluate(() => {
        const select = document.querySelector("#source") as HTMLSelectElement;
        select.value = "files";
        select.dispatchEvent(new Event("change"));
      });
      await chooseFiles(["u1.base", "u1.test"].map((f) => join(DATA, f)));
      loaded = true;
    }
    await page.evaluate(() => delete (globalThis as Record<string, unknown>).__aelProfile);
    await page.click("#profile");
    const until = Date.now() + 300_000;
    for (;;) {
      const us = await page.evaluate(() => ((globalThis as Record<string, unknown>).__aelProfile as ProfileReport | undefined)?.stage0_fastest_epoch?.step_us);
      if (typeof us === "number") return us;
      if (Date.now() > until) throw new Error("the demo gave no profile within five minutes");
      await new Promise((r) => setTimeout(r, 200));
    }
  };
}

const server = await serve(join(ROOT, "build/web"), 0);
const base = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
const cbrowser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--headless", "--no-sandbox"] });
const cpage = await cbrowser.newPage();
const fbrowser = await puppeteer.launch({ browser: "firefox", executablePath: "/usr/bin/firefox-esr", headless: true });
const fpage = await fbrowser.newPage();
const bin = (name: string) => join(ROOT, "node_modules/.bin", name);

const others = nodeLines(ROOT);
const engines: { engine: string; threads: number; probe: Probe }[] = [];
for (const threads of [1, 2]) {
  engines.push({ engine: `Node ${process.version}`, threads, probe: cli(process.execPath, [], threads) });
  for (const n of others) engines.push({ engine: `Node ${n.version}`, threads, probe: cli(n.bin, [], threads) });
  engines.push({ engine: `Deno ${execFileSync(bin("deno"), ["--version"], { encoding: "utf8" }).split("\n")[0].split(" ")[1]}`, threads, probe: cli(bin("deno"), ["run", "--allow-all"], threads) });
  engines.push({ engine: `Bun ${execFileSync(bin("bun"), ["--version"], { encoding: "utf8" }).trim()}`, threads, probe: cli(bin("bun"), [], threads) });
}
engines.push({ engine: `Chromium ${cbrowser.version()}`, threads: 1, probe: demo(cpage, base, (files) => cpage.setInputFiles("#files", files)) });
engines.push({ engine: `Firefox ${(await fbrowser.version()).replace("firefox/", "")}`, threads: 1, probe: demo(fpage, base, async (files) => (await fpage.$("input#files"))!.uploadFile(...files)) });

// in turn, round by round, so that a noisy stretch of the VM falls on every engine alike
const samples = engines.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) for (const [i, e] of engines.entries()) samples[i].push(await e.probe());
await cbrowser.close();
await fbrowser.close();
server.close();

const rows = engines.map((e, i) => ({ engine: e.engine, threads: e.threads, step_us: samples[i], best_us: Math.min(...samples[i]) }));
const nodeBest = (threads: number) => rows.find((r) => r.engine.startsWith("Node") && r.threads === threads)!.best_us;
console.log(`${"engine".padEnd(26)}${"threads".padStart(8)}   µs per stage-0 step (fastest epoch), ${ROUNDS} profiles   time vs Node`);
for (const r of rows) console.log(`${r.engine.padEnd(26)}${String(r.threads).padStart(8)}   ${r.step_us.map((x) => x.toFixed(0)).join(" / ").padEnd(40)}${(r.best_us / nodeBest(r.threads)).toFixed(2)}×`);
const file = join(ROOT, "bench/results/engines.json");
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify({ data: "ml-100k u1", engines: rows }, null, 2) + "\n");
console.log(`wrote ${file}`);
