// Every parameter of the model in one f32 slab, with gradients and Adam moments in three more
// slabs of the same layout. Names are dotted (`sub.0.W_enc`); a group (`sub.0`, `gate`) is a
// contiguous range, so a stage's optimiser is one kernel call over one range. A store made for
// inference (a loaded checkpoint: training always builds its own model) has the values only,
// a quarter of the memory.
import type { Core } from "../../bindings/index.js";
import { alignLine } from "../../bindings/arena.js";

export interface ParamSpec {
  name: string;
  shape: number[];
}

export interface Param extends ParamSpec {
  /** Offset in floats from the start of the slab. */
  offset: number;
  length: number;
  /** Byte addresses of the value, its gradient and its moments (0 in an inference store). */
  ptr: number;
  grad: number;
  m: number;
  v: number;
}

/**
 * Floats a tensor of `length` takes in the slabs: every tensor starts on a cache line, so
 * threads updating different tensors (or column blocks split on a line) never share one.
 */
export const paddedLength = (length: number) => alignLine(4 * length) / 4;

export class ParamStore {
  readonly params = new Map<string, Param>();
  readonly size: number;
  readonly value: number;
  readonly grad: number;
  readonly m: number;
  readonly v: number;

  constructor(readonly core: Core, specs: ParamSpec[], readonly trainable = true) {
    let offset = 0;
    const laid = specs.map((s) => {
      const length = s.shape.reduce((a, b) => a * b, 1);
      const p = { ...s, offset, length };
      offset += paddedLength(length);
      return p;
    });
    this.size = offset;
    const a = core.arena;
    this.value = a.f32(offset, "model parameters");
    this.grad = trainable ? a.f32(offset, "gradients") : 0;
    this.m = trainable ? a.f32(offset, "Adam first moments") : 0;
    this.v = trainable ? a.f32(offset, "Adam second moments") : 0;
    for (const p of [this.value, this.grad, this.m, this.v]) if (p) a.f32View(p, offset).fill(0);
    for (const p of laid) {
      const b = p.offset * 4;
      const at = (slab: number) => (slab ? slab + b : 0);
      this.params.set(p.name, { ...p, ptr: this.value + b, grad: at(this.grad), m: at(this.m), v: at(this.v) });
    }
  }

  get(name: string): Param {
    const p = this.params.get(name);
    if (!p) throw new Error(`no parameter named ${name}`);
    return p;
  }

  view(name: string): Float32Array {
    const p = this.get(name);
    return this.core.arena.f32View(p.ptr, p.length);
  }

  /** The float range [start, end) covering every parameter whose name starts with `prefix.`. */
  group(prefix: string): { start: number; end: number } {
    let start = Infinity, end = 0;
    for (const p of this.params.values()) {
      if (!p.name.startsWith(prefix + ".")) continue;
      start = Math.min(start, p.offset);
      end = Math.max(end, p.offset + paddedLength(p.length));
    }
    if (end === 0) throw new Error(`no parameters in group ${prefix}`);
    return { start, end };
  }

  /** A group's floats in one of the store's slabs: value, grad, m or v. */
  groupView(slab: number, prefix: string): Float32Array {
    const { start, end } = this.group(prefix);
    return this.core.arena.f32View(slab + start * 4, end - start);
  }

  /** Zero the gradients and Adam moments of a group (a fresh optimiser). */
  resetOptimizer(prefix: string): void {
    if (!this.trainable) throw new Error("this model was loaded for inference: it has no gradients or Adam moments (train() builds its own model)");
    for (const slab of [this.grad, this.m, this.v]) this.groupView(slab, prefix).fill(0);
  }

  /** The first parameter of a group holding NaN or ±Inf, if any. */
  nonFinite(prefix?: string): string | null {
    for (const p of this.params.values()) {
      if (prefix && !p.name.startsWith(prefix + ".")) continue;
      const v = this.core.arena.f32View(p.ptr, p.length);
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return p.name;
    }
    return null;
  }
}
