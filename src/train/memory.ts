// Wasm memory a training run will need, computed before anything is allocated.
import type { TrainConfig } from "./config.js";
import { expertGramWidth } from "../../bindings/parallel.js";
import { MAX_BYTES } from "../../bindings/arena.js";
import { WasmMemoryError } from "../../bindings/errors.js";

/**
 * Refuse, with the bytes it would need, a training run of `what` that cannot fit in Wasm memory
 * above `base` (bytes already in use).
 */
export function assertTrainingFits(what: string, base: number, users: number, items: number, trainNnz: number, maxRow: number, cfg: TrainConfig): void {
  const need = base + trainingBytes(users, items, trainNnz, maxRow, cfg);
  if (need > MAX_BYTES) throw new WasmMemoryError(need, MAX_BYTES, `training ${what} (${users} users × ${items} items, hidden [${cfg.hidden}])`);
}

export function trainingBytes(users: number, items: number, trainNnz: number, maxRow: number, cfg: TrainConfig): number {
  const E = cfg.hidden.length, B = cfg.batchSize;
  const widths = [items, ...cfg.hidden];
  let params = 0;
  cfg.hidden.forEach((h, s) => (params += 2 * widths[s] * h + h + users * h + widths[s]));
  params += 2 * items * E;
  const slabs = 4 * params * 4; // values, gradients, two Adam moments
  const csr = (users + 1 + trainNnz) * 4;
  const mask = B * (maxRow + Math.min(cfg.negatives, items)) + 4;
  const stage0 = mask * 4 * 6 + (items + 1) * 4 + 2 * B * maxRow * 4 + 2 * B * cfg.hidden[0] * 4 + items; // the input, and its distinct items
  const codes = users * Math.max(...cfg.hidden) * 4;
  const gram = users * expertGramWidth(E) * 8;
  const encode = 256 * (cfg.hidden.reduce((a, b) => a + b, 0) + 2 * Math.max(...widths) + E * items + maxRow) * 4;
  const evaluation = 256 * items * 4 * (2 + E) + encode;
  // a stage's Adam: each row's last step (V and W_enc, and with lazy Adam W_dec), and the
  // constants of an epoch's steps for catching rows up (a table that doubles as it fills)
  const adamRows = (users + 2 * items) * 4 + 16 * Math.ceil(users / B) + 8192;
  return slabs + csr + adamRows + Math.max(stage0, codes + encode, gram + evaluation) + (4 << 20);
}
