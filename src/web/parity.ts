// The browser half of the Node/Chromium parity test: trains PARITY_CONFIG in the worker and
// leaves the summary on window for the test to read.
import { TrainingWorker } from "./client.js";
import { PARITY_DATA, PARITY_OPTIONS } from "./parity-config.js";

const w = new TrainingWorker(new URL("./worker.js", import.meta.url));
const g = globalThis as Record<string, unknown>;
const flavour = (new URLSearchParams(location.search).get("flavour") ?? "simd") as "simd" | "scalar" | "relaxed";
w.train(PARITY_DATA, { ...PARITY_OPTIONS, flavour }).then(
  (s) => (g.__parity = s),
  (e) => (g.__parityError = `${e.name}: ${e.message}`),
);
