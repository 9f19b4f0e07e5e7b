// Node 20 keeps relaxed SIMD behind a V8 flag. Asked for `--flavour relaxed` there, the command
// runs again in a Node started with the flag (the thread pool's Workers inherit it), so the
// flavour the usage offers works wherever the engine has it.
import { spawnSync } from "node:child_process";
import { relaxedSimdSupported } from "../../bindings/index.js";

const RELAXED_SIMD_FLAG = "--experimental-wasm-relaxed-simd";

/**
 * The exit status of this command run again with relaxed SIMD enabled, or undefined when this
 * process runs it itself: another flavour, an engine that has relaxed SIMD already, or a process
 * that was started with the flag (whose engine then refuses the build with a clear error).
 */
export function relaunchForRelaxedSimd(flavour: string | undefined): number | undefined {
  if (flavour !== "relaxed" || relaxedSimdSupported() || process.execArgv.includes(RELAXED_SIMD_FLAG)) return undefined;
  const r = spawnSync(process.execPath, [...process.execArgv, RELAXED_SIMD_FLAG, ...process.argv.slice(1)], { stdio: "inherit" });
  if (r.error) throw r.error;
  if (r.signal) process.kill(process.pid, r.signal);
  return r.status ?? 1;
}
