// The training worker with both cores inlined (pairs with the ./embedded entry).
import simd from "../../build/ael.simd.wasm";
import scalar from "../../build/ael.scalar.wasm";
import { setEmbeddedWasm } from "../../bindings/core.js";

setEmbeddedWasm({ simd, scalar });
await import("./worker.js");
