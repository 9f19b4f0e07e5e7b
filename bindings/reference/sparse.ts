// Plain-TS references for the sparse-input, sampled-decoder, sampling and ranking kernels.
import { Rng } from "../rng.js";
type F = Float32Array;
type I = Int32Array;

export function spmmForward(out: F, W: F, rowptr: I, cols: I, B: number, H: number): void {
  for (let b = 0; b < B; b++)
    for (let j = rowptr[b]; j < rowptr[b + 1]; j++) for (let h = 0; h < H; h++) out[b * H + h] += W[cols[j] * H + h];
}

export function spmmBackward(dW: F, dout: F, rowptr: I, cols: I, B: number, H: number, i0: number, i1: number): void {
  for (let b = 0; b < B; b++)
    for (let j = rowptr[b]; j < rowptr[b + 1]; j++) if (cols[j] >= i0 && cols[j] < i1) for (let h = 0; h < H; h++) dW[cols[j] * H + h] += dout[b * H + h];
}

/**
 * The mask regrouped by column: colstart[n+1] and (j, 4·H·b) pairs (b as the byte offset of its
 * row in a B×H f32 slab), rows ascending per column.
 */
export function maskByColumn(colstart: I, entries: I, colptr: I, cols: I, B: number, n: number, H: number): void {
  const byCol: [number, number][][] = Array.from({ length: n }, () => []);
  for (let b = 0; b < B; b++) for (let j = colptr[b]; j < colptr[b + 1]; j++) byCol[cols[j]].push([j, b]);
  let at = 0;
  for (let c = 0; c < n; c++) {
    colstart[c] = at;
    for (const [j, b] of byCol[c]) {
      entries[2 * at] = j;
      entries[2 * at + 1] = 4 * H * b;
      at++;
    }
  }
  colstart[n] = at;
}

/** logits[j] = z[b,:]·W[cols[j],:] + bias[cols[j]] over the per-row column lists. */
function sampledLogits(z: F, W: F, bias: F, colptr: I, cols: I, B: number, H: number): Float64Array {
  const out = new Float64Array(colptr[B]);
  for (let b = 0; b < B; b++)
    for (let j = colptr[b]; j < colptr[b + 1]; j++) {
      let s = 0;
      for (let h = 0; h < H; h++) s += z[b * H + h] * W[cols[j] * H + h];
      out[j] = s + bias[cols[j]];
    }
  return out;
}

/**
 * The stage-0 decoder at the mask: y = σ(logits), returns scale·Σ(y − t)² and accumulates its
 * gradients into dz, dW and dbias (the contract of sampled_decoder_train and sum_parts).
 */
export function sampledDecoderTrain(dz: F, dW: F, dbias: F, z: F, W: F, bias: F, t: F, colptr: I, cols: I, B: number, H: number, scale: number): number {
  const logits = sampledLogits(z, W, bias, colptr, cols, B, H);
  let loss = 0;
  for (let b = 0; b < B; b++)
    for (let j = colptr[b]; j < colptr[b + 1]; j++) {
      const c = cols[j], y = 1 / (1 + Math.exp(-logits[j])), e = y - t[j];
      loss += e * e;
      const g = 2 * scale * e * (1 - y) * y;
      for (let h = 0; h < H; h++) {
        dz[b * H + h] += g * W[c * H + h];
        dW[c * H + h] += g * z[b * H + h];
      }
      dbias[c] += g;
    }
  return loss * scale;
}

export function corruptMaskOut(outptr: I, outcols: I, rowptr: I, items: I, users: I, B: number, q: number, rng: Rng): number {
  let pos = 0;
  for (let b = 0; b < B; b++) {
    outptr[b] = pos;
    const u = users[b];
    for (let j = rowptr[u]; j < rowptr[u + 1]; j++) {
      if (q > 0 && rng.uniform() < q) continue;
      outcols[pos++] = items[j];
    }
  }
  outptr[B] = pos;
  return pos;
}

/** Same contract and the same draws as the kernel (see assembly/sampling.ts). */
export function negativeSample(colptr: I, cols: I, targets: F, rowptr: I, items: I, users: I, B: number, nItems: number, n: number, rng: Rng): number {
  let pos = 0;
  const seen = new Uint8Array(nItems);
  for (let b = 0; b < B; b++) {
    colptr[b] = pos;
    const u = users[b];
    seen.fill(0);
    for (let j = rowptr[u]; j < rowptr[u + 1]; j++) {
      seen[items[j]] = 1;
      cols[pos] = items[j];
      targets[pos++] = 1;
    }
    const free = nItems - (rowptr[u + 1] - rowptr[u]);
    const neg = (it: number) => {
      cols[pos] = it;
      targets[pos++] = 0;
    };
    if (free <= n) {
      for (let it = 0; it < nItems; it++) if (!seen[it]) neg(it);
    } else if (2 * n <= free) {
      for (let c = 0; c < n; ) {
        const it = rng.int(nItems);
        if (seen[it]) continue;
        seen[it] = 1;
        neg(it);
        c++;
      }
    } else {
      let needed = n, remaining = free;
      for (let it = 0; it < nItems && needed > 0; it++) {
        if (seen[it]) continue;
        if (rng.int(remaining) < needed) {
          neg(it);
          needed--;
        }
        remaining--;
      }
    }
  }
  colptr[B] = pos;
  return pos;
}

/** Top-K by a full stable sort (descending score, then ascending index). */
export function topkRows(idx: I, val: F, scores: F, exclptr: I, excl: I, B: number, N: number, K: number): void {
  for (let b = 0; b < B; b++) {
    const ex = new Set(Array.from(excl.subarray(exclptr[b], exclptr[b + 1])));
    const cand: number[] = [];
    for (let i = 0; i < N; i++) if (!ex.has(i) && !Number.isNaN(scores[b * N + i])) cand.push(i);
    cand.sort((x, y) => scores[b * N + y] - scores[b * N + x] || x - y);
    for (let p = 0; p < K; p++) {
      idx[b * K + p] = p < cand.length ? cand[p] : -1;
      val[b * K + p] = p < cand.length ? scores[b * N + cand[p]] : -Infinity;
    }
  }
}
