// ael-wasm with both cores inlined: nothing to locate or fetch, for bundlers that would lose
// the .wasm files and for pages whose Content-Security-Policy forbids fetching them.
import simd from "../build/ael.simd.wasm";
import scalar from "../build/ael.scalar.wasm";
import { setEmbeddedWasm } from "../bindings/core.js";

setEmbeddedWasm({ simd, scalar });

export * from "./browser.js";
