// The AEL model (ALGORITHM.md §1–§4): sub-autoencoders 0…L−1 with widths I → h0 → h1 → …,
// the L experts obtained by stacking them, and the noisy top-k gate over the experts.
// Weights are stored as encoders W_enc: n×h and decoders W_dec: n×h (PyTorch's [out, in]
// layout for the decoder), so the decoder's columns are contiguous rows.
import type { Core } from "../../bindings/index.js";
import { seedState } from "../../bindings/rng.js";
import { ParamStore, type Param, type ParamSpec } from "./params.js";

export interface SubAe {
  n: number;
  h: number;
  W_enc: Param;
  b_enc: Param;
  V: Param;
  W_dec: Param;
  b_dec: Param;
}

export interface ModelDims {
  users: number;
  items: number;
  hidden: number[];
}

export function paramSpecs({ users, items, hidden }: ModelDims): ParamSpec[] {
  const specs: ParamSpec[] = [];
  hidden.forEach((h, s) => {
    const n = s === 0 ? items : hidden[s - 1];
    specs.push(
      { name: `sub.${s}.W_enc`, shape: [n, h] },
      { name: `sub.${s}.b_enc`, shape: [h] },
      { name: `sub.${s}.W_dec`, shape: [n, h] },
      { name: `sub.${s}.b_dec`, shape: [n] },
      { name: `sub.${s}.V`, shape: [users, h] },
    );
  });
  specs.push({ name: "gate.W_g", shape: [items, hidden.length] }, { name: "gate.W_n", shape: [items, hidden.length] });
  return specs;
}

export class AelModel {
  readonly store: ParamStore;
  readonly subs: SubAe[];
  readonly experts: number;
  readonly W_g: Param;
  readonly W_n: Param;

  /** trainable = false: for inference only, values without gradients or Adam moments. */
  constructor(readonly core: Core, readonly dims: ModelDims, trainable = true) {
    this.store = new ParamStore(core, paramSpecs(dims), trainable);
    const g = (n: string) => this.store.get(n);
    this.subs = dims.hidden.map((h, s) => ({
      n: s === 0 ? dims.items : dims.hidden[s - 1],
      h,
      W_enc: g(`sub.${s}.W_enc`),
      b_enc: g(`sub.${s}.b_enc`),
      V: g(`sub.${s}.V`),
      W_dec: g(`sub.${s}.W_dec`),
      b_dec: g(`sub.${s}.b_dec`),
    }));
    this.experts = dims.hidden.length;
    this.W_g = g("gate.W_g");
    this.W_n = g("gate.W_n");
  }

  /**
   * PyTorch's default initialisation: Linear weight and bias ~ U(±1/√fan_in), Embedding ~ N(0, 1);
   * the gate starts at zero.
   */
  init(seed: number): void {
    const { arena, kernels: k } = this.core;
    const mark = arena.mark();
    const st = arena.alloc(16);
    arena.u32View(st, 4).set(seedState(seed, 0));
    for (const s of this.subs) {
      const be = 1 / Math.sqrt(s.n), bd = 1 / Math.sqrt(s.h);
      k.rng_uniform(s.W_enc.ptr, s.W_enc.length, -be, be, st);
      k.rng_uniform(s.b_enc.ptr, s.b_enc.length, -be, be, st);
      k.rng_normal(s.V.ptr, s.V.length, 0, 1, st);
      k.rng_uniform(s.W_dec.ptr, s.W_dec.length, -bd, bd, st);
      k.rng_uniform(s.b_dec.ptr, s.b_dec.length, -bd, bd, st);
    }
    arena.f32View(this.W_g.ptr, this.W_g.length).fill(0);
    arena.f32View(this.W_n.ptr, this.W_n.length).fill(0);
    arena.reset(mark);
  }
}
