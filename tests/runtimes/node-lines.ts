// Node's release lines besides the one running: Linux binaries from the npm registry, pinned in
// tests/runtimes (package.json and its lockfile) and installed there when a pinned one is missing.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface NodeLine {
  /** "node 24" */
  name: string;
  /** "v24.21.0" */
  version: string;
  bin: string;
}

/**
 * npm, run in cwd. Under `npm test` or `npm run`, node_modules/.bin is first on PATH and holds an
 * old npm (a dependency of as-pect's tree): run the npm that runs us.
 */
export function npm(args: string[], cwd: string): string {
  const [cmd, argv] = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath, ...args]] : ["npm", args];
  return execFileSync(cmd, argv, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

const installedVersion = (bin: string) => (existsSync(bin) ? execFileSync(bin, ["--version"], { encoding: "utf8" }).trim() : undefined);

/** The pinned lines for this machine's architecture that are installed at their pinned versions, after installing them if one was not. */
export function nodeLines(root: string): NodeLine[] {
  const dir = join(root, "tests", "runtimes");
  const pinned = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).optionalDependencies as Record<string, string>;
  const lines = Object.entries(pinned)
    .filter(([alias]) => alias.endsWith(`-${process.arch}`))
    .map(([alias, spec]) => ({ name: `node ${alias.split("-")[1]}`, version: `v${spec.split("@").pop()}`, bin: join(dir, "node_modules", alias, "bin", "node") }));
  const installed = () => lines.filter((l) => installedVersion(l.bin) === l.version);
  const ready = installed();
  if (ready.length === lines.length) return ready;
  npm(["ci", "--no-audit", "--no-fund", "--silent"], dir);
  return installed();
}
