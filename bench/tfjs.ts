// TensorFlow.js on its wasm backend, single-threaded SIMD build: the baseline of the benchmarks.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export async function tfjsWasm() {
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-core/dist/register_all_gradients");
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const dist = dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm"));
  // one thread, like the single-thread figures it is compared with
  const simd = join(dist, "tfjs-backend-wasm-simd.wasm");
  wasm.setWasmPaths({ "tfjs-backend-wasm.wasm": join(dist, "tfjs-backend-wasm.wasm"), "tfjs-backend-wasm-simd.wasm": simd, "tfjs-backend-wasm-threaded-simd.wasm": simd });
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  await tf.setBackend("wasm");
  await tf.ready();
  return tf;
}
