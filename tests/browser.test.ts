// The same training in Node and in Chromium (Debian's, driven by playwright-core) gives the
// same metrics and bit-identical weights per flavour; the demo page trains and is captured, the
// model it hands over serves the same recommendations in Node, and it profiles the kernels.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { createCore, relaxedSimdSupported } from "../bindings/index.js";
import { loadCheckpoint } from "../src/io/checkpoint.js";
import { serve } from "../src/web/serve.js";
import { loadSource, trainSummary } from "../src/web/run.js";
import { profileTraining, type ProfileReport } from "../src/profile/profile.js";
import { assertSameRun, nodeRun, pageRun } from "./parity.js";
import { setUp } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../../tests/artifacts/", import.meta.url).pathname;
const server = await serve(new URL("../web/", import.meta.url).pathname, 0);
const base = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
let browser: Browser;

test.before(setUp(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}));

test.after(async () => {
  await browser?.close();
  server.close();
});

// relaxed SIMD is on in Chromium; Node 20 has it behind the flag tests/run.js passes
for (const flavour of ["simd", "scalar", ...(relaxedSimdSupported() ? ["relaxed"] as const : [])] as const) {
  test(`parity (${flavour}): metrics and weight checksum equal in Node and Chromium`, async () => {
    const page = await browser.newPage();
    const web = await pageRun(page, base, flavour);
    await page.close();
    assert.ok(web.relaxedSimd, "Chromium has relaxed SIMD");
    assertSameRun("Chromium", flavour, web, await nodeRun(flavour));
  });
}

test("the training worker runs one training or profile at a time: another is refused, naming the one running, which goes on", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  const replies = await page.evaluate(() => new Promise<{ id: number; type: string; message?: string }[]>((resolve) => {
    const worker = new Worker("./worker.js", { type: "module" });
    const seen: { id: number; type: string; message?: string }[] = [];
    worker.onmessage = (ev) => {
      const m = ev.data as { id: number; type: string; message?: string };
      if (m.type === "progress" || m.type === "checkpoint") return;
      seen.push({ id: m.id, type: m.type, message: m.message });
      if (seen.length === 3) resolve(seen);
    };
    const data = { kind: "synthetic" };
    worker.postMessage({ type: "train", id: 1, data, options: { epochs: [40, 10, 10], gateEpochs: 5 } });
    worker.postMessage({ type: "profile", id: 2, data, options: { epochs: [2, 1, 1], gateEpochs: 1 } });
    worker.postMessage({ type: "train", id: 3, data, options: { epochs: [2, 1, 1], gateEpochs: 1 } });
  }));
  await page.close();
  const by = new Map(replies.map((r) => [r.id, r]));
  assert.is(by.get(1)?.type, "done", "the running training finishes");
  for (const id of [2, 3]) {
    assert.is(by.get(id)?.type, "error", `request ${id} is refused`);
    assert.match(by.get(id)!.message!, /the worker is training: cancel it or wait for it to finish first/);
  }
});

test("the demo page trains in a worker, shows every panel, recommends, hands the model over, and is captured", async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1500 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${base}/`);
  await page.selectOption("#schedule", "100,40,40:20");
  await page.click("#train");
  await page.waitForSelector("#metrics-table", { timeout: 120_000 });
  assert.is(await page.locator("#metrics-table tr").count(), 9, "a header and eight variants");
  assert.ok((await page.locator(".stage").count()) === 4, "a progress row per stage");
  assert.match(await page.locator("#routes").innerText(), /noise 0\.40/);
  await page.fill("#items", "3, 17, 42");
  await page.click("#go");
  await page.waitForSelector("#recs li");
  assert.is(await page.locator("#recs li").count(), 10);
  const shown = (await page.locator("#recs li").allInnerTexts()).map((t) => Number(/^item (\d+)/.exec(t)![1]));
  // the model the page hands over is the one it trained: in Node it has the page's weights and
  // gives the page's recommendations
  const dir = mkdtempSync(join(tmpdir(), "ael-demo-model-"));
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  assert.is(download.suggestedFilename(), "model.safetensors");
  await download.saveAs(join(dir, "model.safetensors"));
  const served = await loadCheckpoint(await createCore({ flavour: "simd", threads: 1 }), dir);
  const summary = (await page.evaluate(() => (globalThis as Record<string, unknown>).__aelSummary)) as { weightsChecksum: string; flavour: string };
  assert.is(summary.flavour, "simd");
  assert.is(served.weightsChecksum(), summary.weightsChecksum);
  assert.equal(served.recommend({ items: [3, 17, 42] }, 10).items, shown);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}demo.png`, fullPage: true });
  console.log(`  screenshot: tests/artifacts/demo.png`);
  assert.equal(errors, []);
  await page.close();
});

test("the demo profiles the kernels in its worker: the kernel calls of Node's profile, each with its pace", async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/`);
  const data = loadSource({ kind: "synthetic" }, 1);
  const calls = (r: ProfileReport) => Object.fromEntries(r.kernels.map((k) => [k.kernel, k.calls]));
  const profileOnPage = async (flavour: string, threads: "1" | "all cores") => {
    await page.selectOption("#profile-flavour", flavour);
    await page.selectOption("#profile-threads", threads === "1" ? "1" : { index: 1 });
    await page.evaluate(() => delete (globalThis as Record<string, unknown>).__aelProfile);
    await page.click("#profile");
    await page.waitForFunction(() => (globalThis as Record<string, unknown>).__aelProfile, null, { timeout: 120_000 });
    return (await page.evaluate(() => (globalThis as Record<string, unknown>).__aelProfile)) as ProfileReport;
  };
  const node = await profileTraining(data);
  for (const flavour of ["simd", "relaxed"]) {
    const web = await profileOnPage(flavour, "1");
    assert.equal([web.flavour, web.threads], [flavour, 1]);
    assert.equal(calls(web), calls(node), `${flavour}: the calls Node's profile counts`);
    const decoder = web.kernels.find((k) => k.kernel === "sampled_decoder_train")!;
    assert.ok(decoder.gflops! > 0 && web.ceilings.gflops > 0);
    assert.match(await page.locator("#profile-table").innerText(), new RegExp(`sampled_decoder_train\t${decoder.calls}\t[\\d.]+\t[\\d.]+%\t[\\d.]+ GFLOP/s \\(\\d+% of ceiling\\)`));
    assert.ok(web.stage0_fastest_epoch && (await page.locator("#profile-step tr").count()) === web.stage0_fastest_epoch.kernels.length + 2, "a header, each kernel and the time outside them");
  }
  // on every core (the page is cross-origin isolated), parallel calls are timed whole, as in Node
  const web = await profileOnPage("simd", "all cores");
  assert.ok(web.threads > 1, `${web.threads} threads`);
  assert.ok(web.kernels.some((k) => k.kernel.includes("‖")));
  assert.equal(calls(web), calls(await profileTraining(data, { threads: web.threads })), "the calls Node's profile counts on as many threads");
  assert.equal(errors, []);
  await page.close();
});

test("a demo run survives a reload: it resumes from its last checkpoint in IndexedDB to the weights of an uninterrupted run", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/`);
  await page.selectOption("#schedule", "600,200,200:100");
  await page.click("#train");
  await page.waitForFunction(() => /^saved at stage0, epoch \d+/.test(document.querySelector("#saved")?.textContent ?? ""), null, { timeout: 60_000 });
  await page.reload();
  await page.waitForSelector("body[data-saved-run]");
  assert.is(await page.getAttribute("body", "data-saved-run"), "found");
  const resume = page.locator("#resume");
  const from = await resume.innerText();
  const saved = Number(/^Resume the unfinished run \(stage0, epoch (\d+)\)$/.exec(from)?.[1]);
  assert.ok(saved >= 25, from);
  await resume.click();
  await page.waitForSelector("#metrics-table", { timeout: 120_000 });
  // it went on from the checkpoint, not from the start (which would reach the same weights)
  assert.is(await page.getAttribute(".stage", "data-first-epoch"), String(saved + 1));
  const resumed = (await page.evaluate(() => (globalThis as Record<string, unknown>).__aelSummary)) as { weightsChecksum: string; variants: unknown; losses: unknown };
  const { summary: straight } = await trainSummary({ kind: "synthetic" }, { epochs: [600, 200, 200], gateEpochs: 100, seed: 1 });
  console.log(`  ${from.toLowerCase()} after a reload: weights ${resumed.weightsChecksum}, uninterrupted in Node ${straight.weightsChecksum}`);
  assert.is(resumed.weightsChecksum, straight.weightsChecksum);
  assert.equal(resumed.variants, straight.variants);
  assert.equal(resumed.losses, straight.losses);
  // a finished run is forgotten: the next visit offers nothing to resume
  await page.reload();
  await page.waitForSelector("body[data-saved-run]");
  assert.is(await page.getAttribute("body", "data-saved-run"), "none");
  assert.ok(await resume.isHidden());
  assert.equal(errors, []);
  await context.close();
});

test("without storage (IndexedDB refused) the demo trains all the same and says its run is not saved", async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => Object.defineProperty(window, "indexedDB", { get: () => { throw new Error("storage is disabled here"); } }));
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/`);
  await page.waitForFunction(() => document.querySelector("#saved")?.textContent?.includes("saved runs are unavailable: storage is disabled here"));
  await page.selectOption("#schedule", "100,40,40:20");
  await page.click("#train");
  await page.waitForSelector("#metrics-table", { timeout: 120_000 });
  assert.match(await page.locator("#saved").innerText(), /not saved: storage is disabled here/);
  assert.equal(errors, []);
  await context.close();
});

test("the demo speaks a CSV's own ids: item ids typed in, item and user ids shown, as Node recommends", async () => {
  const lines: string[] = [];
  for (let u = 0; u < 40; u++) for (let k = 0; k < 8; k++) lines.push(`reader-${u},book-${(7 * u + 11 * k) % 50}`);
  const file = { name: "reads.csv", text: "user,book\n" + lines.join("\n") };
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/`);
  await page.selectOption("#source", "files");
  await page.setInputFiles("#files", { name: file.name, mimeType: "text/csv", buffer: Buffer.from(file.text) });
  await page.selectOption("#schedule", "100,40,40:20");
  await page.click("#train");
  await page.waitForSelector("#metrics-table", { timeout: 120_000 });
  assert.match(await page.locator("#users button").first().innerText(), /^user reader-\d+$/);
  await page.fill("#items", "book-1, book-12");
  await page.click("#go");
  await page.waitForSelector("#recs li");
  const shown = (await page.locator("#recs li").allInnerTexts()).map((t) => /^item (\S+)/.exec(t)![1]);
  const { recommender } = await trainSummary({ kind: "csv", train: file }, { epochs: [100, 40, 40], gateEpochs: 20, seed: 1 });
  assert.equal(shown, recommender.recommend({ items: ["book-1", "book-12"].map((id) => recommender.itemIndex(id)) }, 10).ids);
  await page.fill("#items", "book-1, nope");
  await page.click("#go");
  await page.waitForFunction(() => document.querySelector("#recs")?.textContent?.includes("not items of the data: nope"));
  // every user's list, downloaded: Node's recommendAll of the same run, in the file's ids
  await page.fill("#k", "3");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-all")]);
  assert.is(download.suggestedFilename(), "recommendations.csv");
  const rows = readFileSync(await download.path(), "utf8").trimEnd().split("\n");
  assert.is(rows[0], "user,rank,item,score");
  const all = recommender.recommendAll(3);
  const expected = Array.from(all.users).flatMap((u, r) => [0, 1, 2].map((j) => `${recommender.ids!.users[u]},${j + 1},${recommender.ids!.items[all.items[r * 3 + j]]},${all.scores[r * 3 + j].toPrecision(9)}`));
  assert.equal(rows.slice(1), expected);
  assert.equal(errors, []);
  await page.close();
});

test.run();
