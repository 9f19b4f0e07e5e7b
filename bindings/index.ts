export { createCore, setEmbeddedWasm, simdSupported, relaxedSimdSupported, wasmFileName, ABI_VERSION, MAX_THREADS, type Core, type CoreOptions, type Flavour } from "./core.js";
export { Arena, MAX_BYTES } from "./arena.js";
export { WasmLoadError, WasmMemoryError, formatBytes } from "./errors.js";
export { Rng, seedState, RNG_STATE_BYTES } from "./rng.js";
export type { Kernels } from "./kernels.js";
