// Stage 0 (ALGORITHM.md §3): the Large sub-AE on the interaction vectors, computed sparsely.
// The encoder sums the W_enc rows of the (corrupted) input items; the decoder runs only at the
// mask m_u = x_u + 256 sampled negatives, forward and backward in one pass over the mask's
// columns. Off the mask both y ⊙ m and x are zero, so the loss mean_{B×I}((y ⊙ m − x)²)/Σm and
// its gradients equal the dense computation's exactly.
import type { AelModel } from "../model/ael.js";
import type { Param } from "../model/params.js";
import type { WasmCsr } from "../model/forward.js";
import type { TrainConfig } from "./config.js";
import { decoderScratch, sampledDecoderTrain, spmmBackward, together, type DecoderScratch } from "../../bindings/parallel.js";
import type { RowList } from "./adam.js";

export class Stage0 {
  /** The batch's user ids (i32[B]). */
  readonly users: number;
  private readonly inptr: number;
  private readonly incols: number;
  private readonly colptr: number;
  private readonly cols: number;
  private readonly targets: number;
  private readonly colstart: number;
  private readonly entries: number;
  private readonly dlogits: number;
  private readonly z: number;
  private readonly dz: number;
  private readonly seen: number;
  private readonly parts: DecoderScratch;
  private readonly itemRows: number;
  /** Size of the last step's batch. */
  private lastBatch = 0;

  constructor(private readonly model: AelModel, private readonly train: WasmCsr, private readonly cfg: TrainConfig, private readonly rngState: number) {
    const a = model.core.arena;
    const B = cfg.batchSize, H = model.subs[0].h, I = model.dims.items;
    const cap = B * (train.maxRow + Math.min(cfg.negatives, I)) + 4;
    this.users = a.alloc(B * 4, "stage-0 batch");
    this.inptr = a.alloc((B + 1) * 4, "stage-0 batch");
    this.incols = a.alloc(Math.max(1, B * train.maxRow) * 4, "stage-0 batch");
    this.colptr = a.alloc((B + 1) * 4, "stage-0 mask");
    this.cols = a.alloc(cap * 4, "stage-0 mask");
    this.targets = a.f32(cap, "stage-0 mask");
    this.colstart = a.alloc((I + 1) * 4, "stage-0 mask by column");
    this.entries = a.alloc(cap * 8, "stage-0 mask by column");
    this.dlogits = a.f32(cap, "stage-0 logit gradients");
    this.z = a.f32(B * H, "stage-0 codes");
    this.dz = a.f32(B * H, "stage-0 code gradients");
    this.seen = a.alloc(I, "negative-sampling scratch");
    this.parts = decoderScratch(model.core, B, H);
    this.itemRows = a.alloc(I * 4, "stage-0 touched rows");
    a.u8View(this.seen, I).fill(0);
  }

  /**
   * Forward and backward for users[start…start+B); gradients accumulate; returns the loss. With
   * an Adam step record (Adam.fusedStep) the decoder's weights and biases are updated in the
   * decoder's pass instead of accumulating gradients.
   */
  step(users: Int32Array, start: number, B: number, adam = 0): number {
    const { kernels: k, arena } = this.model.core;
    const sub = this.model.subs[0];
    const H = sub.h, I = this.model.dims.items;
    arena.i32View(this.users, B).set(users.subarray(start, start + B));
    k.corrupt_mask_out(this.inptr, this.incols, this.train.rowptr, this.train.cols, this.users, B, this.cfg.corruption, this.rngState);
    // z = σ(x̃·W_enc + b_enc + V[u]), while another thread draws the negatives
    arena.f32View(this.z, B * H).fill(0);
    k.bias_add(this.z, sub.b_enc.ptr, B, H);
    k.embedding_gather_add(this.z, sub.V.ptr, this.users, B, H);
    together(this.model.core, ["spmm_forward", [this.z, sub.W_enc.ptr, this.inptr, this.incols, B, H]], ["negative_sample", [this.colptr, this.cols, this.targets, this.train.rowptr, this.train.cols, this.users, B, I, this.cfg.negatives, this.rngState, this.seen]]);
    const total = arena.i32View(this.colptr + 4 * B, 1)[0];
    k.sigmoid_forward(this.z, this.z, B * H);
    // y = σ(z·W_decᵀ + b_dec) at the mask only, the loss and its gradients back to dz.
    // The reference's scaling: a mean over all B×I entries, then a division by Σm.
    k.mask_by_column(this.colstart, this.entries, this.colptr, this.cols, B, I);
    const scale = Math.fround(Math.fround(1 / total) / (B * I));
    const loss = sampledDecoderTrain(this.model.core, this.parts, this.dz, sub.W_dec.grad, sub.b_dec.grad, this.dlogits, this.z, sub.W_dec.ptr, sub.b_dec.ptr, this.targets, this.colstart, this.entries, B, I, H, scale, adam);
    // back through the encoder: pre-activation → (db_enc, dV, dW_enc)
    k.sigmoid_backward(this.dz, this.dz, this.z, B * H);
    k.column_sums(sub.b_enc.grad, this.dz, B, H);
    k.embedding_scatter_add(sub.V.grad, this.dz, this.users, B, H);
    spmmBackward(this.model.core, sub.W_enc.grad, this.dz, this.inptr, this.incols, B, H);
    this.lastBatch = B;
    return loss;
  }

  /** The tensors whose gradient the step touches only at some rows: W_enc, W_dec, V. */
  lazyTensors(): Param[] {
    const sub = this.model.subs[0];
    return [sub.W_enc, sub.W_dec, sub.V];
  }

  /** The tensors the decoder's pass can update itself: W_dec and b_dec. */
  fusedTensors(): Param[] {
    const sub = this.model.subs[0];
    return [sub.W_dec, sub.b_dec];
  }

  /** The rows the last step gave a gradient, of the lazy tensors that are not fused: its input items (W_enc), its users (V). */
  touchedRows(): RowList[] {
    const { kernels: k, arena } = this.model.core;
    const B = this.lastBatch, inputs = arena.i32View(this.inptr + 4 * B, 1)[0];
    return [[this.itemRows, k.distinct_rows(this.itemRows, this.incols, inputs, this.seen, this.model.dims.items)], [this.users, B]];
  }
}
