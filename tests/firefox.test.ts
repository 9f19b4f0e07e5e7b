// Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi): in the parity run
// SpiderMonkey trains to Node's weights, metrics and losses, for every flavour it has, and
// refuses relaxed SIMD by name where it lacks it; the demo page trains, recommends and profiles.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import puppeteer, { type Browser } from "puppeteer-core";
import type { Flavour } from "../bindings/index.js";
import { serve } from "../src/web/serve.js";
import { trainSummary } from "../src/web/run.js";
import { assertSameRun, nodeRun, pageRun } from "./parity.js";
import { setUp } from "./helpers.js";

const FIREFOX = "/usr/bin/firefox-esr";
const server = await serve(new URL("../web/", import.meta.url).pathname, 0);
const base = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
let browser: Browser;

test.before(setUp(async () => {
  assert.ok(existsSync(FIREFOX), `${FIREFOX} is missing: apt-get install -y firefox-esr`);
  browser = await puppeteer.launch({ browser: "firefox", executablePath: FIREFOX, headless: true });
}));

test.after(async () => {
  await browser?.close();
  server.close();
});

for (const flavour of ["simd", "scalar", "relaxed"] as Flavour[]) {
  test(`parity (${flavour}): Firefox trains to Node's run, or refuses a build its engine lacks`, async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push((e as Error).message));
    const web = await pageRun({ goto: (url) => page.goto(url), evaluate: (fn) => page.evaluate(fn) }, base, flavour);
    await page.close();
    if (flavour === "relaxed" && !web.relaxedSimd) {
      console.log("  relaxed: this Firefox has no relaxed SIMD");
      assert.is(web.error, 'WasmLoadError: this runtime does not support relaxed SIMD; use flavour "simd"');
    } else assertSameRun("Firefox", flavour, web, await nodeRun(flavour));
    assert.equal(errors, []);
  });
}

test("the demo page trains, recommends and profiles the kernels in Firefox", async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push((e as Error).message));
  await page.goto(`${base}/`);
  await page.select("#schedule", "100,40,40:20");
  await page.click("#train");
  await page.waitForSelector("#metrics-table", { timeout: 120_000 });
  assert.is(await page.$$eval("#metrics-table tr", (rows) => rows.length), 9, "a header and eight variants");
  const summary = (await page.evaluate(() => (globalThis as Record<string, unknown>).__aelSummary)) as { weightsChecksum: string; flavour: string };
  const node = await trainSummary({ kind: "synthetic" }, { epochs: [100, 40, 40], gateEpochs: 20, seed: 1 });
  assert.is(summary.weightsChecksum, node.summary.weightsChecksum, "the demo's run is Node's");
  await page.type("#items", "3, 17, 42");
  await page.click("#go");
  await page.waitForSelector("#recs li");
  const shown = await page.$$eval("#recs li", (li) => li.map((e) => Number(/^item (\d+)/.exec(e.textContent ?? "")![1])));
  assert.equal(shown, node.recommender.recommend({ items: [3, 17, 42] }, 10).items);
  await page.click("#profile");
  await page.waitForSelector("#profile-table", { timeout: 120_000 });
  assert.match(await page.$eval("#profile-table", (t) => (t as HTMLElement).innerText), /sampled_decoder_train\t\d+\t[\d.]+\t[\d.]+%\t[\d.]+ GFLOP\/s/);
  assert.equal(errors, []);
  await page.close();
});

test.run();
