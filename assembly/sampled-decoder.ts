// The stage-0 decoder, run only at a sparse mask of output columns (a batch row's positives
// and sampled negatives): the mask regrouped by column, the decoder's forward and backward at
// it in one pass, and the sum of the pass's per-part input gradients.
import { addRow, axpy, dot, expf, expv, hsum, madd, onesv } from "./vec";
import { adamLazyRow, adamRange, AdamStepRecord } from "./adam";

// The mask of the sampled decoder, regrouped by column: for each column c, the entries
// (j, b) of the per-row lists that name c, rows ascending. Visiting the mask column by
// column keeps one decoder row (and its gradient row) in L1 while every batch row that uses
// it is served, instead of fetching it again for each occurrence. Each entry carries b as the
// byte offset of row b in a B×H f32 slab (4·H·b), which its consumers add to their slabs' bases
// in their inner loops instead of multiplying. (Stage 0 regroups its input by item the same
// way, for W_enc's Adam step: adam_spmm_rows.)
// colstart: i32[n+1]; entries: i32[2·colptr[B]] as (j, 4·H·b) pairs.
export function mask_by_column(colstart: usize, entries: usize, colptr: usize, cols: usize, B: i32, n: i32, H: i32): void {
  const rowBytes = H << 2;
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
      store<i32>(entries + (<usize>at << 3), b * rowBytes, 4);
    }
  }
  for (let c = n; c > 0; c--) store<i32>(colstart + (<usize>c << 2), load<i32>(colstart + (<usize>(c - 1) << 2)));
  store<i32>(colstart, 0);
}

// The stage-0 decoder at the mask (ALGORITHM.md §3), forward and backward in one pass over its
// columns. For each mask entry (j, b) at column c (its row b as the offset 4·H·b):
//   y = σ(z[b,:]·W[c,:] + bias[c])     ε = y − t[j]     Σε² accumulates
//   d = 2·scale·ε·(1 − y)·y             (the gradient at the logit of scale·Σε²)
//   dW[c,:] += d·z[b,:]    dbias[c] += d    dz[b,:] += d·W[c,:]
// Served a block of COLUMN_BLOCK columns at a time, their W rows stay in L1 from the logits to
// the gradients, and z, dz (B×H) stay there throughout. A block's logits become their
// gradients in one sweep over its entries, on full vectors that span columns (the sigmoids of
// successive vectors overlap, hiding each one's long dependency chain); then each column's W
// row and gradient row stay in registers while every batch row that uses it is served.
// The columns are cut into parts by bounds[0..P]; part p writes its dz into a B×H slab of its
// own (dzParts + p·B·H) and its Σε² into lossParts[p] (f64), so parts run on any thread and
// are summed in a fixed order.
// With adam = 0 the gradients accumulate into dW and dbias. Otherwise adam points at an Adam
// step (below) that the pass applies to each column's W row and bias as soon as their gradient
// is complete, still in L1; the gradient then lives only in part p's row of gradRows.
// z: B×H; W, dW: n×H (decoder weight in [out, in] layout); bias, dbias: n; t: per mask entry j;
// d: per column-ordered entry (scratch); (colstart, entries) from mask_by_column; bounds: i32[P+1];
// gradRows: P zeroed rows (left zeroed) of H + 4 floats, gradRowBytes apart (the caller
// pads them to whole cache lines, so that parts on different threads never write to one line).
const COLUMN_BLOCK: i32 = 16; // 8 KiB of W rows at H = 128

export function sampled_decoder_train(dzParts: usize, lossParts: usize, dW: usize, dbias: usize, d: usize, z: usize, W: usize, bias: usize, t: usize, colstart: usize, entries: usize, bounds: usize, p0: i32, p1: i32, B: i32, H: i32, scale: f32, adam: usize, gradRows: usize, gradRowBytes: i32): void {
  const rowBytes = <usize>H << 2;
  const slabBytes = <usize>B * rowBytes;
  const twoScale: f32 = 2 * scale;
  for (let p = p0; p < p1; p++) {
    const dz = dzParts + <usize>p * slabBytes;
    memory.fill(dz, 0, slabBytes);
    const g = gradRows + <usize>p * <usize>gradRowBytes;
    let loss: f64 = 0;
    const c1 = load<i32>(bounds + (<usize>(p + 1) << 2));
    for (let c0 = load<i32>(bounds + (<usize>p << 2)); c0 < c1; c0 += COLUMN_BLOCK) {
      const cb = min(c0 + COLUMN_BLOCK, c1);
      for (let c = c0; c < cb; c++) {
        const e0 = load<i32>(colstart + (<usize>c << 2)), e1 = load<i32>(colstart + (<usize>(c + 1) << 2));
        if (e0 < e1) logits(d, z, W + <usize>c * rowBytes, load<f32>(bias + (<usize>c << 2)), entries, e0, e1, H);
      }
      loss += logitGradients(d, t, entries, load<i32>(colstart + (<usize>c0 << 2)), load<i32>(colstart + (<usize>cb << 2)), twoScale);
      for (let c = c0; c < cb; c++) {
        const e0 = load<i32>(colstart + (<usize>c << 2)), e1 = load<i32>(colstart + (<usize>(c + 1) << 2));
        if (e0 < e1) {
          const gw = adam ? g : dW + <usize>c * rowBytes, gb = adam ? g + rowBytes : dbias + (<usize>c << 2);
          columnGradients(dz, gw, gb, d, z, W + <usize>c * rowBytes, entries, e0, e1, H);
        }
        if (adam) adamColumn(adam, W, bias, g, c, H, e0 < e1);
      }
    }
    store<f64>(lossParts + (<usize>p << 3), loss);
  }
}

// The Adam step sampled_decoder_train applies, as adam_step and adam_rows would (adam.ts), from
// the step record at `adam`. Column c's W row moves from the gradient g[0..H), its bias from
// g[H], and both are zeroed. In lazy mode a column without entries keeps its W row (it has no
// gradient); the bias is always updated densely.
function adamColumn(adam: usize, W: usize, bias: usize, g: usize, c: i32, H: i32, touched: bool): void {
  const r = changetype<AdamStepRecord>(adam);
  const o = <usize>c * (<usize>H << 2);
  if (!r.last) adamRange(W + o, g, r.mW + o, r.vW + o, H, r.stepSize, r.beta1, r.beta2, r.invBc2Sqrt, r.eps, false, 1, 1);
  else if (touched) adamLazyRow(W + o, g, r.mW + o, r.vW + o, r.last + (<usize>c << 2), H, r.t, r.stepSize, r.beta1, r.beta2, r.invBc2Sqrt, r.eps);
  const ob = <usize>c << 2;
  adamRange(bias + ob, g + (<usize>H << 2), r.mb + ob, r.vb + ob, 1, r.stepSize, r.beta1, r.beta2, r.invBc2Sqrt, r.eps, false, 1, 1);
}

// d[e] = z[b_e,:]·wc + bc for the entries [e0, e1) of one column (weight row wc, bias bc).
// Out of line, like the other stages: in a small function the engine keeps the accumulators in
// registers.
function logits(d: usize, z: usize, wc: usize, bc: f32, entries: usize, e0: i32, e1: i32, H: i32): void {
  let e = e0;
  if (ASC_FEATURE_SIMD) {
    // Four entries at a time: each load of W's row feeds four dot products.
    for (; e + 4 <= e1; e += 4) {
      const q = entries + (<usize>e << 3);
      const z0 = z + <usize>load<u32>(q, 4), z1 = z + <usize>load<u32>(q, 12);
      const z2 = z + <usize>load<u32>(q, 20), z3 = z + <usize>load<u32>(q, 28);
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
      const de = d + (<usize>e << 2);
      store<f32>(de, s0 + bc);
      store<f32>(de, s1 + bc, 4);
      store<f32>(de, s2 + bc, 8);
      store<f32>(de, s3 + bc, 12);
    }
  }
  for (; e < e1; e++) {
    store<f32>(d + (<usize>e << 2), dot(z + <usize>load<u32>(entries + (<usize>e << 3), 4), wc, H) + bc);
  }
}

// The logits d[e0..e1) of one column become their gradients; returns their Σε². The operations,
// in order, are those of sigmoid_forward, mse_backward and sigmoid_backward.
function logitGradients(d: usize, t: usize, entries: usize, e0: i32, e1: i32, twoScale: f32): f64 {
  let loss: f64 = 0;
  let e = e0;
  if (ASC_FEATURE_SIMD) {
    // four entries per vector; a column's last one to three fill the first lanes of one
    const one = onesv(), c2 = f32x4.splat(twoScale);
    for (; e < e1; e += 4) {
      const count = min(4, e1 - e);
      const q = entries + (<usize>e << 3);
      const de = d + (<usize>e << 2);
      let x = f32x4.splat(load<f32>(de)), tv = f32x4.splat(load<f32>(t + (<usize>load<i32>(q) << 2)));
      if (count > 1) {
        x = f32x4.replace_lane(x, 1, load<f32>(de, 4));
        tv = f32x4.replace_lane(tv, 1, load<f32>(t + (<usize>load<i32>(q, 8) << 2)));
      }
      if (count > 2) {
        x = f32x4.replace_lane(x, 2, load<f32>(de, 8));
        tv = f32x4.replace_lane(tv, 2, load<f32>(t + (<usize>load<i32>(q, 16) << 2)));
      }
      if (count > 3) {
        x = f32x4.replace_lane(x, 3, load<f32>(de, 12));
        tv = f32x4.replace_lane(tv, 3, load<f32>(t + (<usize>load<i32>(q, 24) << 2)));
      }
      const y = f32x4.div(one, f32x4.add(one, expv(f32x4.neg(x))));
      const err = f32x4.sub(y, tv);
      const sq = f32x4.mul(err, err);
      const g = f32x4.mul(f32x4.mul(f32x4.mul(c2, err), f32x4.sub(one, y)), y);
      loss += <f64>f32x4.extract_lane(sq, 0);
      store<f32>(de, f32x4.extract_lane(g, 0));
      if (count > 1) {
        loss += <f64>f32x4.extract_lane(sq, 1);
        store<f32>(de, f32x4.extract_lane(g, 1), 4);
      }
      if (count > 2) {
        loss += <f64>f32x4.extract_lane(sq, 2);
        store<f32>(de, f32x4.extract_lane(g, 2), 8);
      }
      if (count > 3) {
        loss += <f64>f32x4.extract_lane(sq, 3);
        store<f32>(de, f32x4.extract_lane(g, 3), 12);
      }
    }
  }
  for (; e < e1; e++) {
    const de = d + (<usize>e << 2);
    const y: f32 = 1 / (1 + expf(-load<f32>(de)));
    const err = y - load<f32>(t + (<usize>load<i32>(entries + (<usize>e << 3)) << 2));
    loss += <f64>(err * err);
    store<f32>(de, ((twoScale * err) * (1 - y)) * y);
  }
  return loss;
}

// A column's share of the gradients from its entries' d[e0..e1): gb (its bias) and gw (its W
// row) accumulate, and dz[b_e,:] += d[e]·wc. Sixteen floats at a time, W's and gw's held in
// registers while every entry's z and dz rows pass through.
function columnGradients(dz: usize, gw: usize, gb: usize, d: usize, z: usize, wc: usize, entries: usize, e0: i32, e1: i32, H: i32): void {
  let gsum: f32 = 0;
  for (let e = e0; e < e1; e++) gsum += load<f32>(d + (<usize>e << 2));
  store<f32>(gb, load<f32>(gb) + gsum);
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    for (; k + 16 <= H; k += 16) {
      const o = <usize>k << 2;
      const w0 = v128.load(wc + o), w1 = v128.load(wc + o, 16), w2 = v128.load(wc + o, 32), w3 = v128.load(wc + o, 48);
      const a = gw + o;
      let a0 = v128.load(a), a1 = v128.load(a, 16), a2 = v128.load(a, 32), a3 = v128.load(a, 48);
      for (let e = e0; e < e1; e++) {
        const g = v128.load32_splat(d + (<usize>e << 2));
        const row = <usize>load<u32>(entries + (<usize>e << 3), 4) + o;
        const zs = z + row, ds = dz + row;
        a0 = madd(g, v128.load(zs), a0);
        a1 = madd(g, v128.load(zs, 16), a1);
        a2 = madd(g, v128.load(zs, 32), a2);
        a3 = madd(g, v128.load(zs, 48), a3);
        v128.store(ds, madd(g, w0, v128.load(ds)));
        v128.store(ds, madd(g, w1, v128.load(ds, 16)), 16);
        v128.store(ds, madd(g, w2, v128.load(ds, 32)), 32);
        v128.store(ds, madd(g, w3, v128.load(ds, 48)), 48);
      }
      v128.store(a, a0);
      v128.store(a, a1, 16);
      v128.store(a, a2, 32);
      v128.store(a, a3, 48);
    }
  }
  if (k < H) {
    const o = <usize>k << 2, len = H - k;
    for (let e = e0; e < e1; e++) {
      const de = load<f32>(d + (<usize>e << 2));
      const row = <usize>load<u32>(entries + (<usize>e << 3), 4) + o;
      axpy(gw + o, z + row, de, len);
      axpy(dz + row, wc + o, de, len);
    }
  }
}

// out[0..n) = parts[0] + parts[1] + … + parts[P−1], each part n floats, summed in part order
// (how sampled_decoder_train's per-part dz slabs are combined).
export function sum_parts(out: usize, parts: usize, P: i32, n: i32): void {
  const bytes = <usize>n << 2;
  memory.copy(out, parts, bytes);
  for (let p = 1; p < P; p++) addRow(out, parts + <usize>p * bytes, n);
}
