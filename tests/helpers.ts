// Shared test utilities: both core flavours, seeded random data, and arrays in and out of Wasm memory.
import * as assert from "uvu/assert";
import { createCore, relaxedSimdSupported, type Core, type Flavour } from "../bindings/index.js";
import { Rng } from "../bindings/rng.js";

/** Every build this runtime can run (tests/run.js starts Node 20 with relaxed SIMD enabled). */
export const FLAVOURS: Flavour[] = relaxedSimdSupported() ? ["simd", "scalar", "relaxed"] : ["simd", "scalar"];

const cores = new Map<Flavour, Promise<Core>>();
export function core(flavour: Flavour): Promise<Core> {
  if (!cores.has(flavour)) cores.set(flavour, createCore({ flavour }));
  return cores.get(flavour)!;
}

export function randn(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

/** Copy typed arrays into fresh slabs of the core's memory and return their addresses. */
export function put(c: Core, ...arrays: (Float32Array | Float64Array | Int32Array | Uint32Array)[]): number[] {
  return arrays.map((a) => {
    const p = c.arena.alloc(Math.max(a.byteLength, 4));
    new Uint8Array(c.memory.buffer, p, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return p;
  });
}

export const getF32 = (c: Core, p: number, n: number) => Float32Array.from(c.arena.f32View(p, n));
export const getI32 = (c: Core, p: number, n: number) => Int32Array.from(c.arena.i32View(p, n));

/** Largest |a−b| / (1 + |b|); reports where. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; at: number } {
  assert.is(a.length, b.length, "lengths differ");
  let err = 0, at = -1;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i]));
    if (!(e <= err)) {
      err = e;
      at = i;
    }
  }
  return { err, at };
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): number {
  const { err, at } = maxRelErr(actual, expected);
  assert.ok(err <= tol, `${what}: max relative error ${err.toExponential(2)} at ${at} (got ${actual[at]}, want ${expected[at]}) exceeds ${tol}`);
  return err;
}

/** Run fn with the arena rewound afterwards, so tests do not grow memory without bound. */
export async function scoped<T>(c: Core, fn: () => T | Promise<T>): Promise<T> {
  const mark = c.arena.mark();
  try {
    return await fn();
  } finally {
    c.arena.reset(mark);
  }
}

/** A random CSR over `rows` rows and `n` ids, each row sorted and without duplicates. */
export function randomCsr(rng: Rng, rows: number, n: number, maxPerRow: number): { rowptr: Int32Array; cols: Int32Array } {
  const rowptr = new Int32Array(rows + 1);
  const cols: number[] = [];
  for (let r = 0; r < rows; r++) {
    const k = rng.int(Math.min(maxPerRow, n) + 1);
    const set = new Set<number>();
    while (set.size < k) set.add(rng.int(n));
    cols.push(...[...set].sort((a, b) => a - b));
    rowptr[r + 1] = cols.length;
  }
  return { rowptr, cols: Int32Array.from(cols) };
}

/** Await fn and require it to throw `type` with a message matching `pattern`. */
export async function rejects(fn: () => unknown, type: abstract new (...a: never[]) => Error, pattern: RegExp): Promise<void> {
  try {
    await fn();
  } catch (e) {
    assert.instance(e, type);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a ${type.name} matching ${pattern}`);
}

/**
 * A suite's set-up hook that says why it failed: uvu then fails every test of the suite but
 * prints nothing of the hook's error (a failed npm install, a missing browser).
 */
export function setUp(fn: () => unknown): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } catch (e) {
      const { stderr } = e as { stderr?: string };
      console.error(`the suite's set-up failed: ${(e as Error).stack ?? e}${stderr ? `\n${stderr}` : ""}`);
      throw e;
    }
  };
}
