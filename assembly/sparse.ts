// Kernels over sparse binary inputs (CSR rows of item ids) and sparse output columns.
// rowptr/colptr: i32[B+1]; cols: i32 ids. W matrices are row-major with one H-wide row per id.
import { addRow, axpy, dot, hsum, madd } from "./vec";

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

// dW[i,:] += dout[b,:] for i ∈ row b     dW: n×H, dout: B×H
// dout's row is held in registers 32 floats at a time while it is added to each dW row.
export function spmm_backward(dW: usize, dout: usize, rowptr: usize, cols: usize, B: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const d = dout + <usize>b * rowBytes;
    const start = load<i32>(rowptr + (<usize>b << 2));
    const end = load<i32>(rowptr + (<usize>(b + 1) << 2));
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

// The mask of the sampled decoder, regrouped by column: for each column c, the entries
// (j, b) of the per-row lists that name c, rows ascending. Visiting the mask column by
// column keeps one decoder row (and its gradient row) in L1 while every batch row that uses
// it is served, instead of fetching it again for each occurrence.
// colstart: i32[n+1]; entries: i32[2·colptr[B]] as (j, b) pairs.
export function mask_by_column(colstart: usize, entries: usize, colptr: usize, cols: usize, B: i32, n: i32): void {
  memory.fill(colstart, 0, (<usize>(n + 1)) << 2);
  const nnz = load<i32>(colptr + (<usize>B << 2));
  for (let j = 0; j < nnz; j++) {
    const q = colstart + ((<usize>load<i32>(cols + (<usize>j << 2)) + 1) << 2);
    store<i32>(q, load<i32>(q) + 1);
  }
  for (let c = 0; c < n; c++) {
    const q = colstart + (<usize>(c + 1) << 2);
    store<i32>(q, load<i32>(q) + load<i32>(q - 4));
  }
  // fill in row order, using colstart[c] as a cursor, then shift the cursors back
  for (let b = 0; b < B; b++) {
    const end = load<i32>(colptr + (<usize>(b + 1) << 2));
    for (let j = load<i32>(colptr + (<usize>b << 2)); j < end; j++) {
      const q = colstart + (<usize>load<i32>(cols + (<usize>j << 2)) << 2);
      const at = load<i32>(q);
      store<i32>(q, at + 1);
      store<i32>(entries + (<usize>at << 3), j);
      store<i32>(entries + (<usize>at << 3), b, 4);
    }
  }
  for (let c = n; c > 0; c--) store<i32>(colstart + (<usize>c << 2), load<i32>(colstart + (<usize>(c - 1) << 2)));
  store<i32>(colstart, 0);
}

// out[j] = z[b,:]·W[cols[j],:] + bias[cols[j]]  for j ∈ [colptr[b], colptr[b+1])
// z: B×H, W: n×H (decoder weight in [out, in] layout), bias: n, out: colptr[B];
// (colstart, entries) from mask_by_column.
export function sampled_decoder_forward(out: usize, z: usize, W: usize, bias: usize, colstart: usize, entries: usize, B: i32, n: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  for (let c = 0; c < n; c++) {
    let e = load<i32>(colstart + (<usize>c << 2));
    const e1 = load<i32>(colstart + (<usize>(c + 1) << 2));
    if (e == e1) continue;
    const wc = W + <usize>c * rowBytes;
    const bc = load<f32>(bias + (<usize>c << 2));
    if (ASC_FEATURE_SIMD) {
      // Four entries at a time: each load of W's row feeds four dot products.
      for (; e + 4 <= e1; e += 4) {
        const q = entries + (<usize>e << 3);
        const z0 = z + <usize>load<i32>(q, 4) * rowBytes, z1 = z + <usize>load<i32>(q, 12) * rowBytes;
        const z2 = z + <usize>load<i32>(q, 20) * rowBytes, z3 = z + <usize>load<i32>(q, 28) * rowBytes;
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let k = 0;
        for (; k + 4 <= H; k += 4) {
          const o = <usize>k << 2;
          const w = v128.load(wc + o);
          a0 = madd(w, v128.load(z0 + o), a0);
          a1 = madd(w, v128.load(z1 + o), a1);
          a2 = madd(w, v128.load(z2 + o), a2);
          a3 = madd(w, v128.load(z3 + o), a3);
        }
        let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
        for (; k < H; k++) {
          const o = <usize>k << 2;
          const w = load<f32>(wc + o);
          s0 += w * load<f32>(z0 + o);
          s1 += w * load<f32>(z1 + o);
          s2 += w * load<f32>(z2 + o);
          s3 += w * load<f32>(z3 + o);
        }
        store<f32>(out + (<usize>load<i32>(q) << 2), s0 + bc);
        store<f32>(out + (<usize>load<i32>(q, 8) << 2), s1 + bc);
        store<f32>(out + (<usize>load<i32>(q, 16) << 2), s2 + bc);
        store<f32>(out + (<usize>load<i32>(q, 24) << 2), s3 + bc);
      }
    }
    for (; e < e1; e++) {
      const j = load<i32>(entries + (<usize>e << 3));
      const b = load<i32>(entries + (<usize>e << 3), 4);
      store<f32>(out + (<usize>j << 2), dot(z + <usize>b * rowBytes, wc, H) + bc);
    }
  }
}

// Backward of sampled_decoder_forward, in two kernels that each keep their output in registers
// 32 floats at a time and write disjoint memory (so they may run on different threads, and each
// may be split: the weights by column ranges, the input gradient by row ranges).

// dW[c,:] += Σ_{j: cols[j]=c} dout[j]·z[b_j,:];  dbias[c] += Σ dout[j]   (over the mask's column index)
export function sampled_decoder_backward_weights(dW: usize, dbias: usize, dout: usize, z: usize, colstart: usize, entries: usize, n: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  const strips = ASC_FEATURE_SIMD ? H >> 5 : 0;
  const rest = <usize>strips << 7; // bytes covered by strips
  for (let c = 0; c < n; c++) {
    const e0 = load<i32>(colstart + (<usize>c << 2));
    const e1 = load<i32>(colstart + (<usize>(c + 1) << 2));
    if (e0 == e1) continue;
    const dwc = dW + <usize>c * rowBytes;
    let gsum: f32 = 0;
    for (let e = e0; e < e1; e++) gsum += load<f32>(dout + (<usize>load<i32>(entries + (<usize>e << 3)) << 2));
    const db = dbias + (<usize>c << 2);
    store<f32>(db, load<f32>(db) + gsum);
    if (ASC_FEATURE_SIMD) {
      for (let s = 0; s < strips; s++) {
        const d = dwc + (<usize>s << 7);
        let a0 = v128.load(d), a1 = v128.load(d, 16), a2 = v128.load(d, 32), a3 = v128.load(d, 48);
        let a4 = v128.load(d, 64), a5 = v128.load(d, 80), a6 = v128.load(d, 96), a7 = v128.load(d, 112);
        for (let e = e0; e < e1; e++) {
          const q = entries + (<usize>e << 3);
          const g = f32x4.splat(load<f32>(dout + (<usize>load<i32>(q) << 2)));
          const zs = z + <usize>load<i32>(q, 4) * rowBytes + (<usize>s << 7);
          a0 = madd(g, v128.load(zs), a0);
          a1 = madd(g, v128.load(zs, 16), a1);
          a2 = madd(g, v128.load(zs, 32), a2);
          a3 = madd(g, v128.load(zs, 48), a3);
          a4 = madd(g, v128.load(zs, 64), a4);
          a5 = madd(g, v128.load(zs, 80), a5);
          a6 = madd(g, v128.load(zs, 96), a6);
          a7 = madd(g, v128.load(zs, 112), a7);
        }
        v128.store(d, a0); v128.store(d, a1, 16); v128.store(d, a2, 32); v128.store(d, a3, 48);
        v128.store(d, a4, 64); v128.store(d, a5, 80); v128.store(d, a6, 96); v128.store(d, a7, 112);
      }
    }
    if (rest < rowBytes) {
      const len = H - (strips << 5);
      for (let e = e0; e < e1; e++) {
        const q = entries + (<usize>e << 3);
        const g = load<f32>(dout + (<usize>load<i32>(q) << 2));
        axpy(dwc + rest, z + <usize>load<i32>(q, 4) * rowBytes + rest, g, len);
      }
    }
  }
}

// dz[b,:] += Σ_{j ∈ [colptr[b], colptr[b+1])} dout[j]·W[cols[j],:]   (over the per-row lists)
export function sampled_decoder_backward_input(dz: usize, dout: usize, W: usize, colptr: usize, cols: usize, B: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  const strips = ASC_FEATURE_SIMD ? H >> 5 : 0;
  const rest = <usize>strips << 7;
  for (let b = 0; b < B; b++) {
    const dzb = dz + <usize>b * rowBytes;
    const j0 = load<i32>(colptr + (<usize>b << 2));
    const j1 = load<i32>(colptr + (<usize>(b + 1) << 2));
    if (ASC_FEATURE_SIMD) {
      for (let s = 0; s < strips; s++) {
        const d = dzb + (<usize>s << 7);
        let a0 = v128.load(d), a1 = v128.load(d, 16), a2 = v128.load(d, 32), a3 = v128.load(d, 48);
        let a4 = v128.load(d, 64), a5 = v128.load(d, 80), a6 = v128.load(d, 96), a7 = v128.load(d, 112);
        for (let j = j0; j < j1; j++) {
          const g = f32x4.splat(load<f32>(dout + (<usize>j << 2)));
          const ws = W + <usize>load<i32>(cols + (<usize>j << 2)) * rowBytes + (<usize>s << 7);
          a0 = madd(g, v128.load(ws), a0);
          a1 = madd(g, v128.load(ws, 16), a1);
          a2 = madd(g, v128.load(ws, 32), a2);
          a3 = madd(g, v128.load(ws, 48), a3);
          a4 = madd(g, v128.load(ws, 64), a4);
          a5 = madd(g, v128.load(ws, 80), a5);
          a6 = madd(g, v128.load(ws, 96), a6);
          a7 = madd(g, v128.load(ws, 112), a7);
        }
        v128.store(d, a0); v128.store(d, a1, 16); v128.store(d, a2, 32); v128.store(d, a3, 48);
        v128.store(d, a4, 64); v128.store(d, a5, 80); v128.store(d, a6, 96); v128.store(d, a7, 112);
      }
    }
    if (rest < rowBytes) {
      const len = H - (strips << 5);
      for (let j = j0; j < j1; j++) {
        axpy(dzb + rest, W + <usize>load<i32>(cols + (<usize>j << 2)) * rowBytes + rest, load<f32>(dout + (<usize>j << 2)), len);
      }
    }
  }
}
