// Inference passes over a batch of users: the codes z_0…z_{L−1} and the L expert outputs.
//   z_0 = σ(x·W_enc0 + b_enc0 + V0[u])          z_s = σ(z_{s−1}·W_enc_s + b_enc_s + V_s[u])
//   expert e = decode_0(decode_1(… decode_e(z_e)))   decode_s(r) = σ(r·W_dec_sᵀ + b_dec_s)
// A cold user (not seen in training) has no embedding row and uses a zero row.
import type { Core } from "../../bindings/index.js";
import type { Csr } from "../data/csr.js";
import type { AelModel } from "./ael.js";
import { biasAdd, gemm, sigmoidForward, spmmForward } from "../../bindings/parallel.js";

/** A CSR copied into Wasm memory. */
export interface WasmCsr {
  rows: number;
  rowptr: number;
  cols: number;
  maxRow: number;
}

export function uploadCsr(core: Core, csr: Csr, what = "interaction rows"): WasmCsr {
  const { arena } = core;
  const rowptr = arena.alloc(csr.rowptr.byteLength, what);
  const cols = arena.alloc(Math.max(4, csr.cols.byteLength), what);
  arena.i32View(rowptr, csr.rowptr.length).set(csr.rowptr);
  arena.i32View(cols, csr.cols.length).set(csr.cols);
  let maxRow = 0;
  for (let u = 0; u < csr.rows; u++) maxRow = Math.max(maxRow, csr.rowptr[u + 1] - csr.rowptr[u]);
  return { rows: csr.rows, rowptr, cols, maxRow };
}

/** A batch of user ids and their rows of a WasmCsr, gathered into a batch CSR. */
export class BatchRows {
  readonly users: number;
  readonly rowptr: number;
  readonly cols: number;
  size = 0;

  constructor(readonly core: Core, readonly source: WasmCsr, readonly maxBatch: number) {
    const a = core.arena;
    this.users = a.alloc(maxBatch * 4, "batch users");
    this.rowptr = a.alloc((maxBatch + 1) * 4, "batch rows");
    this.cols = a.alloc(Math.max(1, source.maxRow * maxBatch) * 4, "batch rows");
  }

  /** Load users (ids < source.rows) and gather their rows; `null` rows give empty rows. */
  load(users: ArrayLike<number>, start = 0, count = users.length - start): void {
    const v = this.core.arena.i32View(this.users, count);
    for (let b = 0; b < count; b++) v[b] = users[start + b];
    this.size = count;
    this.core.kernels.corrupt_mask_out(this.rowptr, this.cols, this.source.rowptr, this.source.cols, this.users, count, 0, 0);
  }
}

export class ExpertForward {
  /** z_s: B×h_s for each level. */
  readonly z: number[];
  /** Expert outputs, E×B×I. */
  readonly X: number;
  /** Every expert's input to the last decoder, decode_0, stacked: E×B×h_0. */
  private readonly R: number;
  private readonly tmp: [number, number];

  constructor(readonly model: AelModel, readonly maxBatch: number) {
    const a = model.core.arena;
    const B = maxBatch;
    this.z = model.subs.map((s) => a.f32(B * s.h, "codes"));
    // the outputs of decode_s for s ≥ 2 (decode_1 writes into R, decode_0 into X)
    const wide = Math.max(1, ...model.subs.slice(2).map((s) => s.n));
    this.tmp = [a.f32(B * wide, "decoder scratch"), a.f32(B * wide, "decoder scratch")];
    this.R = a.f32(model.experts * B * model.subs[0].h, "decoder scratch");
    this.X = a.f32(model.experts * B * model.dims.items, "expert outputs");
  }

  /** Codes of every level for the batch (x from the batch's rows; cold: zero embedding rows). */
  encode(rows: BatchRows, cold = false, levels = this.model.subs.length): void {
    const { kernels: k, arena } = this.model.core;
    const B = rows.size;
    for (let s = 0; s < levels; s++) {
      const sub = this.model.subs[s];
      const z = this.z[s];
      arena.f32View(z, B * sub.h).fill(0);
      k.bias_add(z, sub.b_enc.ptr, B, sub.h);
      if (!cold) k.embedding_gather_add(z, sub.V.ptr, rows.users, B, sub.h);
      if (s === 0) spmmForward(this.model.core, z, sub.W_enc.ptr, rows.rowptr, rows.cols, B, sub.h);
      else gemm(this.model.core, "nn", z, this.z[s - 1], sub.W_enc.ptr, B, sub.h, sub.n, 1, 1);
      k.sigmoid_forward(z, z, B * sub.h);
    }
  }

  /** out (B×n_s) = decode_s(r) with r: B×h_s. */
  decode(s: number, out: number, r: number, B: number): void {
    const sub = this.model.subs[s];
    const core = this.model.core;
    gemm(core, "nt", out, r, sub.W_dec.ptr, B, sub.n, sub.h, 1, 0);
    biasAdd(core, out, sub.b_dec.ptr, B, sub.n);
    sigmoidForward(core, out, out, B * sub.n);
  }

  /**
   * All expert outputs for the batch into X (E×B×I); returns X. The experts share decode_0, the
   * widest product, so it runs once over their inputs stacked (E·B rows): W_dec_0 is packed
   * once, and a single user fills one register tile instead of three. Every row of a GEMM is
   * computed alike whatever rows it is stacked with, so the outputs are those of E calls.
   */
  experts(rows: BatchRows, cold = false): number {
    this.encode(rows, cold);
    const { arena } = this.model.core;
    const B = rows.size, h0 = this.model.subs[0].h;
    for (let e = 0; e < this.model.experts; e++) {
      const input = this.R + e * B * h0 * 4;
      if (this.toBase(e, B, input) !== input) arena.f32View(input, B * h0).set(arena.f32View(this.z[0], B * h0));
    }
    this.decode(0, this.X, this.R, this.model.experts * B);
    return this.X;
  }

  /** Expert e's output alone for the batch (B×I, in X's first block); returns its pointer. */
  expertAlone(rows: BatchRows, e: number): number {
    this.encode(rows, false, e + 1);
    const B = rows.size;
    this.decode(0, this.X, this.toBase(e, B, this.R), B);
    return this.X;
  }

  /**
   * Expert e's code decoded down to decode_0's input (B×h_0), written to `into`; returns where
   * it is: `into`, or z_0 itself for expert 0, which has nothing to decode before decode_0.
   */
  private toBase(e: number, B: number, into: number): number {
    let r = this.z[e];
    for (let s = e; s >= 1; s--) {
      const out = s === 1 ? into : this.tmp[s & 1];
      this.decode(s, out, r, B);
      r = out;
    }
    return r;
  }

  /** Pointer to expert e's B×I block in X for a batch of size B. */
  expert(e: number, B: number): number {
    return this.X + e * B * this.model.dims.items * 4;
  }
}
