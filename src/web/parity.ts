// The browser half of the Node/browser parity tests: trains PARITY_CONFIG in the worker and
// leaves the summary (or the error) on window for the test to read, with whether the engine
// has relaxed SIMD.
import { TrainingWorker } from "./client.js";
import { relaxedSimdSupported } from "../../bindings/core.js";
import { PARITY_DATA, PARITY_OPTIONS } from "./parity-config.js";

const w = new TrainingWorker(new URL("./worker.js", import.meta.url));
const g = globalThis as Record<string, unknown>;
g.__relaxedSimd = relaxedSimdSupported();
const flavour = (new URLSearchParams(location.search).get("flavour") ?? "simd") as "simd" | "scalar" | "relaxed";
w.train(PARITY_DATA, { ...PARITY_OPTIONS, flavour }).then(
  (s) => (g.__parity = s),
  (e) => (g.__parityError = `${e.name}: ${e.message}`),
);
