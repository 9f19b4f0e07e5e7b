// Bundles the TypeScript entry points with esbuild and copies the .wasm files next to every
// bundle that locates them at run time (esbuild does not copy them).
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "build");
const wasm = readdirSync(out).filter((f) => /^ael\.(simd|scalar|relaxed)(-threads)?\.wasm$/.test(f));
const common = { bundle: true, format: "esm", sourcemap: "linked", logLevel: "warning", loader: { ".wasm": "binary" } };
const node = { ...common, platform: "node", target: "node20", banner: { js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);" } };
// browser bundles read no files: swap the Node file reader for its browser twin
const browserFiles = {
  name: "browser-files",
  setup(b) {
    b.onResolve({ filter: /\/read-file\.js$/ }, (a) => ({ path: join(a.resolveDir, "read-file.browser.ts") }));
    b.onResolve({ filter: /\/spawn\.js$/ }, (a) => ({ path: join(a.resolveDir, "spawn.browser.ts") }));
  },
};
const browser = { ...common, platform: "browser", target: "es2022", plugins: [browserFiles] };
const src = (...p) => join(root, "src", ...p);
const entries = (dir, re) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir)).filter((f) => re.test(f)).map((f) => join(root, dir, f)) : []);
const withWasm = (dir) => {
  mkdirSync(dir, { recursive: true });
  for (const f of wasm) copyFileSync(join(out, f), join(dir, f));
  for (const f of ["pool-worker.js", "pool-worker.browser.js"]) if (existsSync(join(out, f))) copyFileSync(join(out, f), join(dir, f));
};

// the package: node and browser entries, the embedded entry, the training workers
await build({ ...node, entryPoints: { index: src("index.ts"), cli: src("cli.ts"), serve: src("web", "serve.ts"), "pool-worker": join(root, "bindings", "pool-worker.ts") }, outdir: out });
await build({ ...browser, entryPoints: { "pool-worker.browser": join(root, "bindings", "pool-worker.browser.ts") }, outdir: out });
await build({ ...browser, entryPoints: { browser: src("browser.ts"), embedded: src("embedded.ts"), worker: src("web", "worker.ts"), "worker.embedded": src("web", "worker-embedded.ts") }, outdir: out });

// the demo and the parity page, served from build/web
const web = join(out, "web");
await build({ ...browser, entryPoints: { demo: src("web", "demo.ts"), worker: src("web", "worker.ts"), parity: src("web", "parity.ts") }, outdir: web });
for (const f of ["index.html", "demo.css", "parity.html"]) copyFileSync(src("web", f), join(web, f));
withWasm(web);

// tests and benchmarks run from build/tests and build/bench
for (const [dir, re] of [["tests", /\.test\.ts$/], ["bench", /\.ts$/]]) {
  const files = entries(dir, re);
  if (!files.length) continue;
  await build({ ...node, entryPoints: files, outdir: join(out, dir), external: ["benny", "uvu", "uvu/*", "playwright-core", "puppeteer-core", "esbuild"] });
  withWasm(join(out, dir));
}
