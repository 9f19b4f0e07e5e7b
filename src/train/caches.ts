// What the stages after stage 0 train on, computed once from the frozen levels below: every
// user's code at a level (stages 1…L−1) and the Gram statistics of every user's expert outputs
// (the gate).
import type { AelModel } from "../model/ael.js";
import { BatchRows, ExpertForward, type WasmCsr } from "../model/forward.js";
import { expertGram, expertGramWidth } from "../../bindings/parallel.js";

const CODE_BATCH = 256;

/** Run `visit` over every user in batches of CODE_BATCH (rows and forward pass released after). */
function forEveryUserBatch(model: AelModel, train: WasmCsr, visit: (fwd: ExpertForward, rows: BatchRows, first: number, B: number) => void): void {
  const { arena } = model.core;
  const U = model.dims.users;
  const mark = arena.mark();
  const rows = new BatchRows(model.core, train, CODE_BATCH);
  const fwd = new ExpertForward(model, CODE_BATCH);
  const all = Int32Array.from({ length: U }, (_, u) => u);
  for (let s = 0; s < U; s += CODE_BATCH) {
    const B = Math.min(CODE_BATCH, U - s);
    rows.load(all, s, B);
    visit(fwd, rows, s, B);
  }
  arena.reset(mark);
}

/** z_level for every user from the raw interactions, U×h_level. */
export function encodeAllUsers(model: AelModel, train: WasmCsr, level: number): number {
  const { arena } = model.core;
  const h = model.subs[level].h;
  const out = arena.f32(model.dims.users * h, "code cache");
  forEveryUserBatch(model, train, (fwd, rows, s, B) => {
    fwd.encode(rows, false, level + 1);
    arena.f32View(out + s * h * 4, B * h).set(arena.f32View(fwd.z[level], B * h));
  });
  return out;
}

/** The gate loss's statistics of every user (assembly/gate-gram.ts), U×expertGramWidth(E) f64. */
export function expertGramAllUsers(model: AelModel, train: WasmCsr): number {
  const E = model.experts, I = model.dims.items, S = expertGramWidth(E);
  const out = model.core.arena.alloc(model.dims.users * S * 8, "expert Gram statistics");
  forEveryUserBatch(model, train, (fwd, rows, s, B) => {
    fwd.experts(rows);
    expertGram(model.core, out + s * S * 8, fwd.X, rows.rowptr, rows.cols, B, E, I);
  });
  return out;
}
