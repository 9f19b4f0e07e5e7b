// createCore: find the right .wasm for this runtime, check it, instantiate it over a fresh
// memory, and hand back the typed kernels with an arena over that memory.
import { Arena, PAGE, MAX_PAGES } from "./arena.js";
import { WasmLoadError } from "./errors.js";
import { KERNEL_NAMES, type Kernels } from "./kernels.js";
import { readWasmFile } from "./read-file.js";
import { MAX_TASKS, ThreadPool } from "./pool.js";
import { defaultThreads, spawnWorker } from "./spawn.js";

/**
 * The most threads a core runs: some kernels split into one task per thread, and a parallel
 * call holds at most MAX_TASKS tasks. The default, every core, stops here too.
 */
export const MAX_THREADS = MAX_TASKS;

export const ABI_VERSION = 12;

/** simd: the default; scalar: no SIMD; relaxed: SIMD with fused multiply-add, where the runtime has relaxed SIMD. */
export type Flavour = "simd" | "scalar" | "relaxed";

/** Flavours by the number core_flavour() returns. */
const FLAVOURS: readonly Flavour[] = ["scalar", "simd", "relaxed"];

export interface CoreOptions {
  /**
   * Which binary to run; default: "simd" where the runtime validates SIMD, else "scalar". With
   * wasmModule or wasmBinary, the build they must be (checked); default: whichever they are.
   */
  flavour?: Flavour;
  /** The module's bytes, for bundlers and CSP-strict pages; skips locating the file. */
  wasmBinary?: BufferSource;
  /**
   * The module, compiled: for runtimes that forbid compiling WebAssembly from bytes (Cloudflare
   * Workers, Vercel's Edge runtime), which hand an imported .wasm file over as a module.
   */
  wasmModule?: WebAssembly.Module;
  /** Where to fetch or read the .wasm from (a directory URL ending in "/", or the file itself). */
  wasmUrl?: string | URL;
  /** Initial memory in bytes (grows on demand). */
  initialBytes?: number;
  /**
   * Threads for the kernels that split, at most MAX_THREADS (default: every core in Node, up to
   * MAX_THREADS; in browsers the same when the page is cross-origin isolated, else 1). Results
   * do not depend on it. The scalar flavour, and a module or bytes given by the caller, run on 1.
   */
  threads?: number;
}

export interface Core {
  readonly flavour: Flavour;
  readonly kernels: Kernels;
  readonly memory: WebAssembly.Memory;
  readonly arena: Arena;
  /** Scratch for every gemm_* call (on this thread). */
  readonly gemmWork: number;
  /** One GEMM scratch per thread (gemmWorks[0] is gemmWork). */
  readonly gemmWorks: number[];
  /** Threads the splittable kernels run on (1: no pool). */
  readonly threads: number;
  readonly pool?: ThreadPool;
}

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

export function simdSupported(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

// (module (func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd))
const V128_ZERO = [0xfd, 0x0c, ...new Array(16).fill(0)];
const RELAXED_BODY = [0, ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02, 0x0b];
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, RELAXED_BODY.length + 2, 1, RELAXED_BODY.length, ...RELAXED_BODY]);

/** Relaxed SIMD: on by default in current Chromium and from Node 22 on, behind --experimental-wasm-relaxed-simd in Node 20. */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(RELAXED_PROBE);
}

/** The file of a flavour; several threads need its build with shared memory (simd and relaxed have one). */
export function wasmFileName(flavour: Flavour, threaded = false): string {
  return `ael.${flavour}${threaded ? "-threads" : ""}.wasm`;
}

/** Module bytes every createCore call uses unless given others (set by the embedded entry). */
const embedded: Partial<Record<Flavour, Uint8Array>> = {};

export function setEmbeddedWasm(bytes: Partial<Record<Flavour, Uint8Array>>): void {
  Object.assign(embedded, bytes);
}

const ONE_THREAD = "several threads need the threads build located next to the bindings; wasmModule, wasmBinary and the embedded entry run on 1 thread";

export async function createCore(options: CoreOptions = {}): Promise<Core> {
  const { wasmModule, wasmBinary, initialBytes } = options;
  if (options.flavour !== undefined) checkFlavour(options.flavour);
  if (wasmModule !== undefined || wasmBinary !== undefined) {
    if (checkThreads(options.threads ?? 1) > 1) throw new WasmLoadError(ONE_THREAD);
    if (wasmModule !== undefined && wasmBinary !== undefined) throw new WasmLoadError("give wasmModule or wasmBinary, not both");
  }
  // a core handed over is whichever build it is, unless a flavour is asked for
  if (wasmModule !== undefined) {
    // by its tag, not instanceof: a module may come from another realm (a vm context, a frame)
    const tag = Object.prototype.toString.call(wasmModule);
    if (tag !== "[object WebAssembly.Module]") throw new WasmLoadError(`wasmModule must be a WebAssembly.Module, got ${tag}`);
    return instantiateCore(wasmModule, "the wasmModule option", options.flavour, initialBytes);
  }
  if (wasmBinary !== undefined) {
    const from = "the wasmBinary option";
    return instantiateCore(await compile(toBytes(wasmBinary), from), from, options.flavour, initialBytes);
  }
  const flavour = options.flavour ?? (simdSupported() ? "simd" : "scalar");
  const threads = checkThreads(options.threads ?? (flavour !== "scalar" && !embedded.simd ? Math.min(defaultThreads(), MAX_THREADS) : 1));
  if (threads > 1 && embedded.simd) throw new WasmLoadError(ONE_THREAD);
  if (threads > 1 && flavour === "scalar") throw new WasmLoadError("several threads need a SIMD flavour (simd or relaxed), not scalar");
  const { bytes, from } = embedded[flavour] && options.wasmUrl === undefined
    ? { bytes: embedded[flavour]!, from: `the embedded ${flavour} core` }
    : await locate(wasmFileName(flavour, threads > 1), options.wasmUrl);
  return instantiateCore(await compile(bytes, from), from, flavour, initialBytes, threads, options.threads === undefined);
}

function checkFlavour(flavour: Flavour): void {
  if (!FLAVOURS.includes(flavour)) throw new WasmLoadError(`unknown flavour "${flavour}": expected "simd", "scalar" or "relaxed"`);
  if (flavour === "simd" && !simdSupported()) throw new WasmLoadError("this runtime does not support WebAssembly SIMD; use flavour \"scalar\"");
  if (flavour === "relaxed" && !relaxedSimdSupported()) throw new WasmLoadError(`this runtime does not support relaxed SIMD${isNode ? " (Node 20 needs --experimental-wasm-relaxed-simd)" : ""}; use flavour "simd"`);
}

function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) throw new WasmLoadError(`threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
  return threads;
}

async function compile(bytes: Uint8Array, from: string): Promise<WebAssembly.Module> {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new WasmLoadError(`${from} is not a WebAssembly module (${bytes.length} bytes, starting ${head || "empty"}; expected 00 61 73 6d)`);
  }
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    const msg = (e as Error).message;
    // the message V8 gives where the embedder forbids it (Cloudflare Workers and the like)
    const hint = /disallowed/i.test(msg) ? "; this runtime does not compile WebAssembly from bytes: import the .wasm file as a module and pass it as wasmModule" : "";
    throw new WasmLoadError(`${from} could not be compiled: ${msg}${hint}`);
  }
}

/**
 * Instantiate a compiled core over a fresh memory and check it: its exports, its ABI version and
 * that it is the flavour asked for (undefined: whichever it is). fallback: when the pool cannot
 * start, warn and run on one thread instead of failing.
 */
async function instantiateCore(module: WebAssembly.Module, from: string, flavour: Flavour | undefined, initialBytes = 16 << 20, threads = 1, fallback = false): Promise<Core> {
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(initialBytes / PAGE)), maximum: MAX_PAGES, shared: threads > 1 });
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, { env: { memory } });
  } catch (e) {
    throw new WasmLoadError(`${from} could not be instantiated${flavour ? ` as the ${flavour} core` : ""}: ${(e as Error).message}`);
  }
  const ex = instance.exports as Record<string, unknown>;
  const missing = KERNEL_NAMES.filter((n) => typeof ex[n] !== "function");
  if (missing.length) throw new WasmLoadError(`${from} is not an ael-wasm core: missing exports ${missing.join(", ")}`);
  // A plain object (the exports object is frozen), so a profiler can wrap individual kernels.
  const kernels = Object.fromEntries(KERNEL_NAMES.map((n) => [n, ex[n]])) as unknown as Kernels;
  const abi = kernels.abi_version();
  if (abi !== ABI_VERSION) throw new WasmLoadError(`${from} has ABI version ${abi}, these bindings need ${ABI_VERSION}; rebuild with \`npm run build\``);
  const built = FLAVOURS[kernels.core_flavour()];
  if (built === undefined) throw new WasmLoadError(`${from} names an unknown flavour (${kernels.core_flavour()})`);
  if (flavour !== undefined && built !== flavour) throw new WasmLoadError(`${from} is the ${built} core, not the ${flavour} core asked for`);
  const arena = new Arena(memory, kernels.heap_base());
  const gemmWork = arena.alloc(kernels.gemm_workspace_bytes(), "GEMM workspace");
  let pool: ThreadPool | undefined;
  if (threads > 1) {
    try {
      pool = await ThreadPool.create(threads, kernels, module, memory, spawnWorker);
    } catch (e) {
      if (!fallback) throw new WasmLoadError(`cannot run on ${threads} threads: ${(e as Error).message} (the pool-worker script must sit next to the bundle)`);
      console.warn(`ael-wasm: running on 1 thread: ${(e as Error).message}`);
      threads = 1;
    }
  }
  const gemmWorks = [gemmWork, ...Array.from({ length: threads - 1 }, () => arena.alloc(kernels.gemm_workspace_bytes(), "GEMM workspace"))];
  return { flavour: built, kernels, memory, arena, gemmWork, gemmWorks, threads, pool };
}

function toBytes(src: BufferSource): Uint8Array {
  return src instanceof Uint8Array ? src : ArrayBuffer.isView(src) ? new Uint8Array(src.buffer, src.byteOffset, src.byteLength) : new Uint8Array(src);
}

const isNode = typeof process !== "undefined" && !!process.versions?.node;

async function locate(name: string, wasmUrl?: string | URL): Promise<{ bytes: Uint8Array; from: string }> {
  const flavour = name.replace(/^ael\.|\.wasm$/g, "");
  let url: URL;
  if (wasmUrl !== undefined) {
    const s = String(wasmUrl);
    const base = /^[a-z][a-z0-9+.-]*:/i.test(s) ? new URL(s) : new URL(s, isNode ? `file://${process.cwd()}/` : globalThis.location?.href);
    url = s.endsWith("/") ? new URL(name, base) : base;
  } else {
    url = new URL(`./${name}`, import.meta.url);
  }
  if (url.protocol === "file:") {
    try {
      const { bytes, path } = await readWasmFile(url);
      return { bytes, from: path };
    } catch (e) {
      throw new WasmLoadError(`cannot read the ${flavour} core at ${url.pathname}: ${(e as Error).message} (run \`npm run build\`, or pass wasmUrl/wasmBinary)`);
    }
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new WasmLoadError(`cannot fetch the ${flavour} core from ${url.href}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new WasmLoadError(`fetching the ${flavour} core from ${url.href} gave HTTP ${res.status} ${res.statusText}`);
  return { bytes: new Uint8Array(await res.arrayBuffer()), from: url.href };
}
