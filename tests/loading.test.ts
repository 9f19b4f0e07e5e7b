// createCore's ways in (a located file, bytes, a compiled module) and its refusals: each names
// what it was given and what was wrong with it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { ABI_VERSION, createCore, WasmLoadError, type CoreOptions } from "../bindings/index.js";
import { KERNEL_NAMES } from "../bindings/kernels.js";

const build = new URL("../", import.meta.url);
const bytesOf = (file: string) => new Uint8Array(readFileSync(new URL(file, build)));

async function refusal(options: CoreOptions): Promise<string> {
  try {
    await createCore(options);
  } catch (e) {
    assert.instance(e, WasmLoadError);
    return (e as Error).message;
  }
  assert.unreachable(`createCore with ${Object.keys(options).join(", ")} was not refused`);
  return "";
}

// the binary format's pieces: integers as LEB128 (unsigned here, signed in sleb), sections as
// id, byte length, body, and vectors as count, items
const leb = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...leb(n >>> 7)]);
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];

/** A module whose exports are functions returning constants: () → i32 (sections: type, function, export, code). */
function fakeCore(values: Record<string, number>): Uint8Array<ArrayBuffer> {
  const names = Object.keys(values);
  const utf8 = (s: string) => [...new TextEncoder().encode(s)];
  return Uint8Array.from([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec([[0x60, 0, 1, 0x7f]])),
    ...section(3, vec(names.map(() => [0]))),
    ...section(7, vec(names.map((n, i) => [...leb(utf8(n).length), ...utf8(n), 0, ...leb(i)]))),
    ...section(10, vec(names.map((n) => {
      const body = [0, 0x41, ...sleb(values[n]), 0x0b];
      return [...leb(body.length), ...body];
    }))),
  ]);
}

/** Signed LEB128 (i32.const's immediate). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const everyExport = (abi: number, flavour: number) => Object.fromEntries(KERNEL_NAMES.map((n) => [n, n === "abi_version" ? abi : n === "core_flavour" ? flavour : 0]));

test("bytes that are not WebAssembly are refused with their size and first bytes", async () => {
  assert.match(await refusal({ wasmBinary: new Uint8Array([1, 2, 3]) }), "the wasmBinary option is not a WebAssembly module (3 bytes, starting 01 02 03; expected 00 61 73 6d)");
  assert.match(await refusal({ wasmBinary: new Uint8Array(0) }), "(0 bytes, starting empty;");
});

test("a module that is not an ael-wasm core, or of another ABI version, is refused by name", async () => {
  assert.match(await refusal({ wasmBinary: fakeCore({ answer: 42 }) }), /is not an ael-wasm core: missing exports abi_version, core_flavour, heap_base, /);
  assert.match(await refusal({ wasmBinary: fakeCore(everyExport(ABI_VERSION - 1, 1)) }), `has ABI version ${ABI_VERSION - 1}, these bindings need ${ABI_VERSION}; rebuild with \`npm run build\``);
  assert.match(await refusal({ wasmModule: new WebAssembly.Module(fakeCore(everyExport(ABI_VERSION, 7))) }), "the wasmModule option names an unknown flavour (7)");
});

test("a core handed over is whichever build it is, and refused when another was asked for", async () => {
  const scalar = await createCore({ wasmModule: new WebAssembly.Module(bytesOf("ael.scalar.wasm")) });
  assert.is(scalar.flavour, "scalar");
  assert.is(scalar.threads, 1);
  assert.is((await createCore({ wasmBinary: bytesOf("ael.simd.wasm") })).flavour, "simd");
  assert.is((await createCore({ flavour: "relaxed", wasmBinary: bytesOf("ael.relaxed.wasm") })).flavour, "relaxed");
  assert.match(await refusal({ flavour: "simd", wasmBinary: bytesOf("ael.scalar.wasm") }), "the wasmBinary option is the scalar core, not the simd core asked for");
  assert.match(await refusal({ flavour: "scalar", wasmModule: new WebAssembly.Module(bytesOf("ael.simd.wasm")) }), "the wasmModule option is the simd core, not the scalar core asked for");
});

test("a located file reports its own flavour", async () => {
  for (const flavour of ["simd", "scalar", "relaxed"] as const) assert.is((await createCore({ flavour, threads: 1 })).flavour, flavour);
});

test("options that cannot work together are refused before anything is loaded", async () => {
  const simd = new WebAssembly.Module(bytesOf("ael.simd.wasm"));
  assert.match(await refusal({ wasmModule: {} as WebAssembly.Module }), "wasmModule must be a WebAssembly.Module, got [object Object]");
  assert.match(await refusal({ wasmModule: simd, wasmBinary: bytesOf("ael.simd.wasm") }), "give wasmModule or wasmBinary, not both");
  assert.match(await refusal({ wasmModule: simd, threads: 2 }), "several threads need the threads build located next to the bindings");
  assert.match(await refusal({ flavour: "gpu" as "simd" }), 'unknown flavour "gpu": expected "simd", "scalar" or "relaxed"');
  assert.match(await refusal({ flavour: "scalar", threads: 2 }), "several threads need a SIMD flavour (simd or relaxed), not scalar");
  assert.match(await refusal({ threads: 0 }), "threads must be an integer in [1, 16], got 0");
  assert.match(await refusal({ threads: 17 }), "threads must be an integer in [1, 16], got 17");
});

test("a missing file and a module built for shared memory are refused with where they came from", async () => {
  assert.match(await refusal({ flavour: "scalar", wasmUrl: "/nonexistent/" }), /^cannot read the scalar core at \/nonexistent\/ael\.scalar\.wasm: .*\(run `npm run build`, or pass wasmUrl\/wasmBinary\)$/);
  assert.match(await refusal({ wasmModule: new WebAssembly.Module(bytesOf("ael.simd-threads.wasm")) }), /^the wasmModule option could not be instantiated: /);
});

test.run();
