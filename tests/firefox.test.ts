// The parity run in Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi):
// SpiderMonkey trains to Node's weights, metrics and losses, for every flavour it has, and
// refuses relaxed SIMD by name where it lacks it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import puppeteer, { type Browser } from "puppeteer-core";
import type { Flavour } from "../bindings/index.js";
import { serve } from "../src/web/serve.js";
import { assertSameRun, nodeRun, pageRun } from "./parity.js";

const FIREFOX = "/usr/bin/firefox-esr";
const server = await serve(new URL("../web/", import.meta.url).pathname, 0);
const base = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
let browser: Browser;

test.before(async () => {
  assert.ok(existsSync(FIREFOX), `${FIREFOX} is missing: apt-get install -y firefox-esr`);
  browser = await puppeteer.launch({ browser: "firefox", executablePath: FIREFOX, headless: true });
});

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
      assert.match(String(web.error), /^WasmLoadError: this runtime does not support relaxed SIMD/);
    } else assertSameRun("Firefox", flavour, web, await nodeRun(flavour));
    assert.equal(errors, []);
  });
}

test.run();
