// Kernels over sparse binary inputs (CSR rows of item ids) and sparse output columns.
// rowptr/colptr: i32[B+1]; cols: i32 ids. W matrices are row-major with one H-wide row per id.
import { axpy, addRow, dot, hsum } from "./vec";

// out[b,:] += Σ_{i ∈ row b} W[i,:]      out: B×H, W: n×H
export function spmm_forward(out: usize, W: usize, rowptr: usize, cols: usize, B: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const o = out + <usize>b * rowBytes;
    const end = load<i32>(rowptr + (<usize>(b + 1) << 2));
    for (let j = load<i32>(rowptr + (<usize>b << 2)); j < end; j++) {
      addRow(o, W + <usize>load<i32>(cols + (<usize>j << 2)) * rowBytes, H);
    }
  }
}

// dW[i,:] += dout[b,:] for i ∈ row b     dW: n×H, dout: B×H
export function spmm_backward(dW: usize, dout: usize, rowptr: usize, cols: usize, B: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const d = dout + <usize>b * rowBytes;
    const end = load<i32>(rowptr + (<usize>(b + 1) << 2));
    for (let j = load<i32>(rowptr + (<usize>b << 2)); j < end; j++) {
      addRow(dW + <usize>load<i32>(cols + (<usize>j << 2)) * rowBytes, d, H);
    }
  }
}

// out[j] = z[b,:]·W[cols[j],:] + bias[cols[j]]  for j ∈ [colptr[b], colptr[b+1])
// z: B×H, W: n×H (decoder weight in [out, in] layout), bias: n, out: colptr[B]
export function sampled_decoder_forward(out: usize, z: usize, W: usize, bias: usize, colptr: usize, cols: usize, B: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const zb = z + <usize>b * rowBytes;
    let j = load<i32>(colptr + (<usize>b << 2));
    const end = load<i32>(colptr + (<usize>(b + 1) << 2));
    if (ASC_FEATURE_SIMD) {
      // Four columns at a time: one load of z feeds four dot products.
      for (; j + 4 <= end; j += 4) {
        const c = cols + (<usize>j << 2);
        const i0 = load<i32>(c), i1 = load<i32>(c, 4), i2 = load<i32>(c, 8), i3 = load<i32>(c, 12);
        const w0 = W + <usize>i0 * rowBytes, w1 = W + <usize>i1 * rowBytes;
        const w2 = W + <usize>i2 * rowBytes, w3 = W + <usize>i3 * rowBytes;
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let k = 0;
        for (; k + 4 <= H; k += 4) {
          const o = <usize>k << 2;
          const zv = v128.load(zb + o);
          a0 = f32x4.add(a0, f32x4.mul(zv, v128.load(w0 + o)));
          a1 = f32x4.add(a1, f32x4.mul(zv, v128.load(w1 + o)));
          a2 = f32x4.add(a2, f32x4.mul(zv, v128.load(w2 + o)));
          a3 = f32x4.add(a3, f32x4.mul(zv, v128.load(w3 + o)));
        }
        let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
        for (; k < H; k++) {
          const o = <usize>k << 2;
          const zk = load<f32>(zb + o);
          s0 += zk * load<f32>(w0 + o);
          s1 += zk * load<f32>(w1 + o);
          s2 += zk * load<f32>(w2 + o);
          s3 += zk * load<f32>(w3 + o);
        }
        const dst = out + (<usize>j << 2);
        store<f32>(dst, s0 + load<f32>(bias + (<usize>i0 << 2)));
        store<f32>(dst, s1 + load<f32>(bias + (<usize>i1 << 2)), 4);
        store<f32>(dst, s2 + load<f32>(bias + (<usize>i2 << 2)), 8);
        store<f32>(dst, s3 + load<f32>(bias + (<usize>i3 << 2)), 12);
      }
    }
    for (; j < end; j++) {
      const i = load<i32>(cols + (<usize>j << 2));
      store<f32>(out + (<usize>j << 2), dot(zb, W + <usize>i * rowBytes, H) + load<f32>(bias + (<usize>i << 2)));
    }
  }
}

// Backward of sampled_decoder_forward, accumulating:
// dz[b,:] += Σ_j dout[j]·W[cols[j],:];  dW[cols[j],:] += dout[j]·z[b,:];  dbias[cols[j]] += dout[j]
export function sampled_decoder_backward(dz: usize, dW: usize, dbias: usize, dout: usize, z: usize, W: usize, colptr: usize, cols: usize, B: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const zb = z + <usize>b * rowBytes;
    const dzb = dz + <usize>b * rowBytes;
    const end = load<i32>(colptr + (<usize>(b + 1) << 2));
    for (let j = load<i32>(colptr + (<usize>b << 2)); j < end; j++) {
      const g = load<f32>(dout + (<usize>j << 2));
      if (g == 0) continue;
      const i = <usize>load<i32>(cols + (<usize>j << 2));
      axpy(dzb, W + i * rowBytes, g, H);
      axpy(dW + i * rowBytes, zb, g, H);
      const db = dbias + (i << 2);
      store<f32>(db, load<f32>(db) + g);
    }
  }
}
