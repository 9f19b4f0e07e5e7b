// Kernels over sparse binary inputs: CSR rows of item ids (rowptr: i32[B+1]; cols: i32 ids)
// against row-major W matrices with one H-wide row per id.
import { addRow } from "./vec";

// out[b,:] += Σ_{i ∈ row b} W[i,:]      out: B×H, W: n×H
// The row sum runs in 32-float strips held in eight registers, so out is read and written once.
export function spmm_forward(out: usize, W: usize, rowptr: usize, cols: usize, B: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const o = out + <usize>b * rowBytes;
    const start = load<i32>(rowptr + (<usize>b << 2));
    const end = load<i32>(rowptr + (<usize>(b + 1) << 2));
    let k = 0;
    if (ASC_FEATURE_SIMD) {
      for (; k + 32 <= H; k += 32) {
        const ok = o + (<usize>k << 2);
        let a0 = v128.load(ok), a1 = v128.load(ok, 16), a2 = v128.load(ok, 32), a3 = v128.load(ok, 48);
        let a4 = v128.load(ok, 64), a5 = v128.load(ok, 80), a6 = v128.load(ok, 96), a7 = v128.load(ok, 112);
        for (let j = start; j < end; j++) {
          const w = W + <usize>load<i32>(cols + (<usize>j << 2)) * rowBytes + (<usize>k << 2);
          a0 = f32x4.add(a0, v128.load(w));
          a1 = f32x4.add(a1, v128.load(w, 16));
          a2 = f32x4.add(a2, v128.load(w, 32));
          a3 = f32x4.add(a3, v128.load(w, 48));
          a4 = f32x4.add(a4, v128.load(w, 64));
          a5 = f32x4.add(a5, v128.load(w, 80));
          a6 = f32x4.add(a6, v128.load(w, 96));
          a7 = f32x4.add(a7, v128.load(w, 112));
        }
        v128.store(ok, a0); v128.store(ok, a1, 16); v128.store(ok, a2, 32); v128.store(ok, a3, 48);
        v128.store(ok, a4, 64); v128.store(ok, a5, 80); v128.store(ok, a6, 96); v128.store(ok, a7, 112);
      }
    }
    if (k < H) {
      for (let j = start; j < end; j++) {
        addRow(o + (<usize>k << 2), W + <usize>load<i32>(cols + (<usize>j << 2)) * rowBytes + (<usize>k << 2), H - k);
      }
    }
  }
}

// dW[i,:] += dout[b,:] for i ∈ row b with i0 ≤ i < i1     dW: n×H, dout: B×H
// A range narrower than all ids needs each row's ids ascending: its entries are then one run of
// the row, found by binary search. Ranges that do not overlap write disjoint rows of dW, which
// is how the bindings split the scatter over threads.
// dout's row is held in registers 32 floats at a time while it is added to each dW row.
export function spmm_backward(dW: usize, dout: usize, rowptr: usize, cols: usize, B: i32, H: i32, i0: i32, i1: i32): void {
  const rowBytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const d = dout + <usize>b * rowBytes;
    const rowEnd = load<i32>(rowptr + (<usize>(b + 1) << 2));
    const start = firstAtLeast(cols, load<i32>(rowptr + (<usize>b << 2)), rowEnd, i0);
    const end = firstAtLeast(cols, start, rowEnd, i1);
    let k = 0;
    if (ASC_FEATURE_SIMD) {
      for (; k + 32 <= H; k += 32) {
        const dk = d + (<usize>k << 2);
        const d0 = v128.load(dk), d1 = v128.load(dk, 16), d2 = v128.load(dk, 32), d3 = v128.load(dk, 48);
        const d4 = v128.load(dk, 64), d5 = v128.load(dk, 80), d6 = v128.load(dk, 96), d7 = v128.load(dk, 112);
        for (let j = start; j < end; j++) {
          const w = dW + <usize>load<i32>(cols + (<usize>j << 2)) * rowBytes + (<usize>k << 2);
          v128.store(w, f32x4.add(v128.load(w), d0));
          v128.store(w, f32x4.add(v128.load(w, 16), d1), 16);
          v128.store(w, f32x4.add(v128.load(w, 32), d2), 32);
          v128.store(w, f32x4.add(v128.load(w, 48), d3), 48);
          v128.store(w, f32x4.add(v128.load(w, 64), d4), 64);
          v128.store(w, f32x4.add(v128.load(w, 80), d5), 80);
          v128.store(w, f32x4.add(v128.load(w, 96), d6), 96);
          v128.store(w, f32x4.add(v128.load(w, 112), d7), 112);
        }
      }
    }
    if (k < H) {
      for (let j = start; j < end; j++) {
        addRow(dW + <usize>load<i32>(cols + (<usize>j << 2)) * rowBytes + (<usize>k << 2), d + (<usize>k << 2), H - k);
      }
    }
  }
}

// The first j in [lo, hi) with ids[j] ≥ x, or hi (ids ascending over [lo, hi)).
function firstAtLeast(ids: usize, lo: i32, hi: i32, x: i32): i32 {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<i32>(ids + (<usize>mid << 2)) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
