// A bump allocator over one WebAssembly.Memory. Slabs are aligned to a 64-byte cache line, so
// slabs written by different threads never share a line (a shared line bounces between the
// cores on every write), and live until the arena is reset to an earlier mark. Typed views are
// made on demand from the current buffer, because growing the memory detaches every view made
// before.
import { WasmMemoryError } from "./errors.js";

export const PAGE = 65536;
export const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit
export const MAX_BYTES = PAGE * MAX_PAGES;

/** Bytes of a cache line: the alignment and granularity of every slab. */
export const LINE = 64;
/** n rounded up to a whole line; plain arithmetic, since byte counts reach past 2³¹ (bit operations wrap at 32 bits). */
export const alignLine = (n: number) => Math.ceil(n / LINE) * LINE;

export class Arena {
  private top: number;

  constructor(readonly memory: WebAssembly.Memory, readonly base: number) {
    this.top = alignLine(base);
  }

  /** Bytes handed out so far, from the base. */
  get used(): number {
    return this.top - this.base;
  }

  /** Reserve `bytes` (rounded up to a cache line) and return the slab's address; memory grows as needed. */
  alloc(bytes: number, what = "an allocation"): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`${what}: invalid size ${bytes}`);
    const ptr = this.top;
    const end = ptr + alignLine(bytes);
    if (end > MAX_BYTES) throw new WasmMemoryError(end, MAX_BYTES, what);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return ptr;
  }

  /** Reserve `count` f32 values. */
  f32(count: number, what?: string): number {
    return this.alloc(count * 4, what);
  }

  /** A mark to reset to: everything allocated after it is released together. */
  mark(): number {
    return this.top;
  }

  reset(mark: number): void {
    if (mark < this.base || mark > this.top) throw new RangeError(`arena mark ${mark} is outside [${this.base}, ${this.top}]`);
    this.top = mark;
  }

  f32View(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32View(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  f64View(ptr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, length);
  }

  u32View(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, length);
  }

  u8View(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }
}
