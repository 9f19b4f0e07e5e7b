// Stage 0 (ALGORITHM.md §3): the Large sub-AE on the interaction vectors, computed sparsely.
// The encoder sums the W_enc rows of the (corrupted) input items; the decoder runs only at the
// mask m_u = x_u + 256 sampled negatives, forward and backward in one pass over the mask's
// columns. Off the mask both y ⊙ m and x are zero, so the loss mean_{B×I}((y ⊙ m − x)²)/Σm and
// its gradients equal the dense computation's exactly. Trained with Adam, the step updates
// every weight but b_enc itself: the decoder's in the decoder's pass, W_enc and V as their
// gradients are formed, so neither gradient is ever written out.
import type { AelModel } from "../model/ael.js";
import type { Param } from "../model/params.js";
import type { WasmCsr } from "../model/forward.js";
import type { TrainConfig } from "./config.js";
import { adamEncoder, decoderScratch, sampledDecoderTrain, spmmBackward, together, type DecoderScratch } from "../../bindings/parallel.js";
import { MAX_TASKS, type Chain } from "../../bindings/pool.js";
import type { Adam } from "./adam.js";

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
  /** The batch's input regrouped by item, as mask_by_column gives it. */
  private readonly inColstart: number;
  private readonly inEntries: number;
  /** The batch's (user, 4·H·row) pairs, sorted by user (adam_embedding_rows' order and form). */
  private readonly byUser: number;
  /** user·B + row per batch row: sorted as numbers, the pairs in that order without a comparator. */
  private readonly byUserKeys: Float64Array;
  /**
   * Whether W_enc's rows outside the batch's input take their steps when next read: with dense
   * Adam (lazy Adam moves only the batch's rows anyway), where a batch's input reads under a
   * quarter of them on average (ModCloth: ~60 of 1,020). Where it reads most (MovieLens-100K:
   * ~2,700 items a batch over 1,682 rows) catching them up every step costs more than the dense
   * step. Either way the weights are the same, bit for bit.
   */
  private readonly defersEncoder: boolean;
  /** The distinct items of the batch's input (i32), and a mark per item for finding them. */
  private readonly inputRows: number;
  private readonly inputSeen: Uint8Array;

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
    this.inColstart = a.alloc((I + 1) * 4, "stage-0 input by item");
    this.inEntries = a.alloc(Math.max(1, B * train.maxRow) * 8, "stage-0 input by item");
    this.byUser = a.alloc(B * 8, "stage-0 batch by user");
    this.byUserKeys = new Float64Array(B);
    const nnz = a.i32View(train.rowptr + 4 * train.rows, 1)[0];
    this.defersEncoder = !cfg.lazyAdam && (B * nnz) / train.rows < I / 4;
    this.inputRows = a.alloc(Math.max(1, B * train.maxRow) * 4, "stage-0 input items");
    this.inputSeen = new Uint8Array(I);
    a.u8View(this.seen, I).fill(0);
  }

  /**
   * Forward and backward for users[start…start+B); returns the loss. Without Adam the gradients
   * accumulate; with it, the step updates W_dec, b_dec, W_enc and V (Adam.fusedStep) and leaves
   * b_enc's gradient for adam.step().
   */
  step(users: Int32Array, start: number, B: number, adam?: Adam): number {
    const { kernels: k, arena } = this.model.core;
    const sub = this.model.subs[0];
    const H = sub.h, I = this.model.dims.items;
    arena.i32View(this.users, B).set(users.subarray(start, start + B));
    k.corrupt_mask_out(this.inptr, this.incols, this.train.rowptr, this.train.cols, this.users, B, this.cfg.corruption, this.rngState);
    // z = σ(x̃·W_enc + b_enc + V[u]) (and, for Adam, the input regrouped by item), while other
    // threads draw the negatives, regroup the decoder's mask by column and bring the batch's V
    // rows up to date (dense Adam's deferred steps); V[u] is added once they are
    arena.f32View(this.z, B * H).fill(0);
    if (adam && this.defersEncoder) this.catchUpInputRows(adam, B);
    const encode: Chain = [
      ["bias_add", [this.z, sub.b_enc.ptr, B, H]],
      ["spmm_forward", [this.z, sub.W_enc.ptr, this.inptr, this.incols, B, H]],
    ];
    if (adam) encode.push(["mask_by_column", [this.inColstart, this.inEntries, this.inptr, this.incols, B, I, H]]);
    const sample: Chain = [
      ["negative_sample", [this.colptr, this.cols, this.targets, this.train.rowptr, this.train.cols, this.users, B, I, this.cfg.negatives, this.rngState, this.seen]],
      ["mask_by_column", [this.colstart, this.entries, this.colptr, this.cols, B, I, H]],
    ];
    const catchUp = adam ? adam.catchUpTasks(sub.V, this.users, B, MAX_TASKS - encode.length - sample.length).map((t): Chain => [t]) : [];
    together(this.model.core, encode, sample, ...catchUp);
    k.embedding_gather_add(this.z, sub.V.ptr, this.users, B, H);
    k.sigmoid_forward(this.z, this.z, B * H);
    const total = arena.i32View(this.colptr + 4 * B, 1)[0];
    // y = σ(z·W_decᵀ + b_dec) at the mask only, the loss and its gradients back to dz.
    // The reference's scaling: a mean over all B×I entries, then a division by Σm.
    const scale = Math.fround(Math.fround(1 / total) / (B * I));
    const loss = sampledDecoderTrain(this.model.core, this.parts, this.dz, sub.W_dec.grad, sub.b_dec.grad, this.dlogits, this.z, sub.W_dec.ptr, sub.b_dec.ptr, this.targets, this.colstart, this.entries, B, I, H, scale, adam ? adam.fusedStep(sub.W_dec, sub.b_dec) : 0);
    // back through the encoder: pre-activation → (db_enc, dV, dW_enc)
    k.sigmoid_backward(this.dz, this.dz, this.z, B * H);
    k.column_sums(sub.b_enc.grad, this.dz, B, H);
    if (adam) {
      const keys = this.byUserKeys.subarray(0, B);
      for (let b = 0; b < B; b++) keys[b] = users[start + b] * B + b;
      keys.sort();
      const byUser = arena.i32View(this.byUser, 2 * B);
      for (let i = 0; i < B; i++) {
        const b = keys[i] % B;
        byUser[2 * i] = (keys[i] - b) / B;
        byUser[2 * i + 1] = 4 * H * b;
      }
      adamEncoder(this.model.core, adam.fusedStep(sub.W_enc), sub.W_enc.ptr, adam.fusedStep(sub.V), sub.V.ptr, this.dz, this.inColstart, this.inEntries, I, this.byUser, B, this.model.dims.users, H);
    } else {
      k.embedding_scatter_add(sub.V.grad, this.dz, this.users, B, H);
      spmmBackward(this.model.core, sub.W_enc.grad, this.dz, this.inptr, this.incols, B, I, H);
    }
    return loss;
  }

  /** W_enc's rows that the batch's input reads take their deferred steps, each once. */
  private catchUpInputRows(adam: Adam, B: number): void {
    const arena = this.model.core.arena;
    const input = arena.i32View(this.incols, arena.i32View(this.inptr + 4 * B, 1)[0]);
    const rows = arena.i32View(this.inputRows, input.length);
    let n = 0;
    for (const i of input) {
      if (this.inputSeen[i]) continue;
      this.inputSeen[i] = 1;
      rows[n++] = i;
    }
    for (let j = 0; j < n; j++) this.inputSeen[rows[j]] = 0;
    adam.catchUp(this.model.subs[0].W_enc, this.inputRows, n);
  }

  /** The tensors whose gradient the step touches only at some rows: W_enc, W_dec, V. */
  lazyTensors(): Param[] {
    const sub = this.model.subs[0];
    return [sub.W_enc, sub.W_dec, sub.V];
  }

  /**
   * The fused tensors whose rows outside the batch take their dense steps when next read: V,
   * and W_enc where a batch's input reads few of its rows.
   */
  deferredTensors(): Param[] {
    const sub = this.model.subs[0];
    return this.defersEncoder ? [sub.V, sub.W_enc] : [sub.V];
  }

  /** The tensors the step updates itself when given an Adam: all but b_enc. */
  fusedTensors(): Param[] {
    const sub = this.model.subs[0];
    return [sub.W_dec, sub.b_dec, sub.W_enc, sub.V];
  }
}
