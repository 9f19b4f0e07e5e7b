// The configuration trained identically in Node and in Chromium by the parity test.
import type { DataSource, WorkerTrainOptions } from "./protocol.js";

export const PARITY_DATA: DataSource = { kind: "synthetic", options: { users: 200, items: 150, interactions: 15 } };
export const PARITY_OPTIONS: WorkerTrainOptions = { seed: 7, hidden: [32, 16, 8], epochs: [30, 15, 15], gateEpochs: 10, negatives: 64 };
