// Bundles the TypeScript entry points with esbuild and copies the .wasm files next to every
// bundle that loads them (esbuild does not copy them).
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "build");
const wasm = readdirSync(out).filter((f) => /^ael\.(simd|scalar)\.wasm$/.test(f));
const node = { bundle: true, format: "esm", platform: "node", target: "node20", sourcemap: "linked", logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } };

const entries = (dir, re) => existsSync(join(root, dir)) ? readdirSync(join(root, dir)).filter((f) => re.test(f)).map((f) => join(root, dir, f)) : [];

await build({ ...node, entryPoints: entries("src", /^(index|cli)\.ts$/), outdir: out });
for (const [dir, re] of [["tests", /\.test\.ts$/], ["bench", /\.ts$/]]) {
  const files = entries(dir, re);
  if (!files.length) continue;
  await build({ ...node, entryPoints: files, outdir: join(out, dir), external: ["@tensorflow/*", "benny", "uvu", "uvu/*"] });
  for (const f of wasm) copyFileSync(join(out, f), join(out, dir, f));
}
mkdirSync(out, { recursive: true });
