// The plain-TS reference of every kernel: the oracle the conformance tests hold the Wasm to.
export * from "./dense.js";
export * from "./sparse.js";
export * from "./gate.js";
export * from "./gate-gram.js";
