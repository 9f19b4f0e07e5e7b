import type { Csr } from "./csr.js";

/** A split interaction data set with declared counts. */
export interface Dataset {
  readonly name: string;
  readonly users: number;
  readonly items: number;
  readonly train: Csr;
  readonly test: Csr;
  readonly valid?: Csr;
  /** Planted noisy (user, item) pairs in train, when known (synthetic data, noise injection). */
  readonly noisy?: Csr;
  /** Per-user planted noise rate (synthetic data). */
  readonly noiseRate?: Float32Array;
  /** Duplicate interactions dropped while loading. */
  readonly duplicates?: number;
}
