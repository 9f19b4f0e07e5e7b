// The parity check shared by the browser suites: the parity page trains PARITY_OPTIONS in its
// worker, Node trains the same, and the two runs must agree bit for bit.
import * as assert from "uvu/assert";
import type { Flavour } from "../bindings/index.js";
import { trainSummary } from "../src/web/run.js";
import { PARITY_DATA, PARITY_OPTIONS } from "../src/web/parity-config.js";
import type { TrainSummary } from "../src/web/protocol.js";

/**
 * What the parity page leaves on window: its run's summary or the error that stopped it, and
 * whether its engine has relaxed SIMD; and whether the page itself loaded the pool-worker script
 * (its resource timeline lists only what the page fetched, not what its workers did).
 */
export interface PageRun {
  summary?: TrainSummary;
  error?: string;
  relaxedSimd: boolean;
  poolStartedByPage: boolean;
}

/** A page of either driver (playwright's or puppeteer's), as far as the check needs one. */
export interface DrivenPage {
  goto(url: string): Promise<unknown>;
  evaluate(fn: () => unknown): Promise<unknown>;
}

/** Open the parity page for a flavour and wait (up to two minutes) for its run. */
export async function pageRun(page: DrivenPage, base: string, flavour: Flavour): Promise<PageRun> {
  await page.goto(`${base}/parity.html?flavour=${flavour}`);
  const read = () => page.evaluate(() => {
    const g = globalThis as Record<string, unknown>;
    const poolStartedByPage = performance.getEntriesByType("resource").some((e) => e.name.endsWith("/pool-worker.browser.js"));
    return g.__parity || g.__parityError ? { summary: g.__parity, error: g.__parityError, relaxedSimd: g.__relaxedSimd, poolStartedByPage } : undefined;
  }) as Promise<PageRun | undefined>;
  const until = Date.now() + 120_000;
  for (let r = await read(); ; r = await read()) {
    if (r) return r;
    if (Date.now() > until) throw new Error(`the parity page (${flavour}) gave no result within two minutes`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Node's run of the parity configuration. */
export async function nodeRun(flavour: Flavour): Promise<TrainSummary> {
  return (await trainSummary(PARITY_DATA, { ...PARITY_OPTIONS, flavour })).summary;
}

/** The page's run is Node's: the same weights, metrics and losses, from the flavour asked for. */
export function assertSameRun(browser: string, flavour: Flavour, web: PageRun, node: TrainSummary): void {
  assert.is(web.error, undefined, String(web.error));
  const s = web.summary!;
  console.log(`  ${flavour}: weights ${node.weightsChecksum} (Node, ${node.threads} threads) / ${s.weightsChecksum} (${browser}, ${s.threads} threads)`);
  assert.is(s.flavour, flavour);
  // a worker starting workers can hang in Firefox: TrainingWorker has the page start them
  assert.is(web.poolStartedByPage, s.threads > 1, `${s.threads} threads: the page ${web.poolStartedByPage ? "started" : "did not start"} pool threads`);
  assert.is(s.weightsChecksum, node.weightsChecksum);
  assert.equal(s.variants, node.variants);
  assert.equal(s.losses, node.losses);
}
