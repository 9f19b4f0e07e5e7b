// The one test runner: type-check, the as-pect kernel specs against both builds, then every
// uvu suite in build/tests. Prints `N passed, N failed` last and exits non-zero on any failure.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { relaxedSimdSupported } from "../build/index.js";

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");
const SUITE_TIMEOUT_S = 600;
let passed = 0, failed = 0;
const failures = [];

function run(label, cmd, args, parse) {
  const t0 = Date.now();
  // a suite that hangs is killed and fails, rather than holding the run until CI gives up
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" }, maxBuffer: 64 << 20, timeout: SUITE_TIMEOUT_S * 1000, killSignal: "SIGKILL" });
  const timedOut = r.error?.code === "ETIMEDOUT";
  const out = strip((r.stdout ?? "") + (r.stderr ?? "")) + (timedOut ? `\n${label}: killed after ${SUITE_TIMEOUT_S} s` : "");
  const { pass, fail } = timedOut ? { pass: 0, fail: 1 } : parse(out, r.status);
  passed += pass;
  failed += fail;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`${fail || r.status ? "FAIL" : "ok  "} ${label}: ${pass} passed, ${fail} failed (${secs} s)`);
  if (fail || r.status) {
    failures.push(label);
    console.log(out.split("\n").filter((l) => l.trim()).slice(-60).join("\n"));
  }
}

const only = process.argv[2]; // optional: a substring of the suites to run

if (!only) {
  run("typecheck (tsc)", "npx", ["tsc", "-p", "."], (out, status) => ({ pass: status === 0 ? 1 : 0, fail: status === 0 ? 0 : 1 }));
  for (const flavour of ["simd", "scalar"]) {
    run(`as-pect kernel specs (${flavour})`, "npx", ["asp", "--no-logo", "-a", `as-pect.${flavour}.asconfig.json`], (out, status) => {
      const m = /\[Tests\]:\s*(\d+)\s*\/\s*(\d+)/.exec(out);
      if (!m) return { pass: 0, fail: 1 };
      const pass = Number(m[1]), total = Number(m[2]);
      return { pass, fail: total - pass + (status && pass === total ? 1 : 0) };
    });
  }
}

const dir = new URL("../build/tests/", import.meta.url).pathname;
// the suites test the relaxed flavour too: Node 20 has it behind a flag that Node 22 on refuses
const nodeFlags = relaxedSimdSupported() ? [] : ["--experimental-wasm-relaxed-simd"];
for (const f of readdirSync(dir).filter((f) => f.endsWith(".test.js")).sort()) {
  if (only && !f.includes(only)) continue;
  run(`uvu ${f.replace(/\.test\.js$/, "")}`, process.execPath, [...nodeFlags, dir + f], (out, status) => {
    const total = /Total:\s*(\d+)/.exec(out), pass = /Passed:\s*(\d+)/.exec(out);
    if (!total || !pass) return { pass: 0, fail: 1 };
    const p = Number(pass[1]), t = Number(total[1]);
    return { pass: p, fail: t - p + (status && p === t ? 1 : 0) };
  });
}

if (failures.length) console.log(`failed: ${failures.join("; ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
