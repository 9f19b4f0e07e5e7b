// Plain-TS references for the gating kernels (f64 arithmetic, same contracts as assembly/gate.ts).
import { normalCdf, normalPdf, sigmoid, softplus } from "./dense.js";
type F = Float32Array;
type I = Int32Array;

export function topIndices(x: ArrayLike<number>, m: number): number[] {
  return Array.from({ length: x.length }, (_, e) => e)
    .sort((a, b) => x[b] - x[a] || a - b)
    .slice(0, m);
}

export function gateForward(gates: F, logits: F, stddev: F, top: I, prob: F, clean: F, raw: F, eps: F, B: number, E: number, k: number, noisy: boolean): void {
  const m = Math.min(k + 1, E), kk = Math.min(k, E);
  for (let b = 0; b < B; b++) {
    const r = b * E;
    for (let e = 0; e < E; e++) {
      if (noisy) {
        stddev[r + e] = softplus(raw[r + e]) + 0.01;
        logits[r + e] = clean[r + e] + eps[r + e] * stddev[r + e];
      } else logits[r + e] = clean[r + e];
    }
    const t = topIndices(logits.subarray(r, r + E), m);
    t.forEach((e, j) => (top[b * m + j] = e));
    const mx = logits[r + t[0]];
    let sum = 0;
    for (let e = 0; e < E; e++) gates[r + e] = 0;
    for (let j = 0; j < kk; j++) sum += Math.exp(logits[r + t[j]] - mx);
    for (let j = 0; j < kk; j++) gates[r + t[j]] = Math.exp(logits[r + t[j]] - mx) / sum;
    for (let e = 0; e < E; e++) {
      if (noisy && k < E) {
        const thrIn = logits[r + t[k]], thrOut = logits[r + t[k - 1]];
        const thr = logits[r + e] > thrIn ? thrIn : thrOut;
        prob[r + e] = normalCdf((clean[r + e] - thr) / stddev[r + e]);
      } else prob[r + e] = gates[r + e] > 0 ? 1 : 0;
    }
  }
}

export function gateBackward(dclean: F, draw: F, dgates: F, dprob: F, gates: F, logits: F, stddev: F, top: I, clean: F, raw: F, eps: F, B: number, E: number, k: number, noisy: boolean): void {
  const m = Math.min(k + 1, E), kk = Math.min(k, E);
  for (let b = 0; b < B; b++) {
    const r = b * E;
    const t = Array.from(top.subarray(b * m, b * m + m));
    const dl = new Float64Array(E);
    let s = 0;
    for (let j = 0; j < kk; j++) s += gates[r + t[j]] * dgates[r + t[j]];
    for (let j = 0; j < kk; j++) dl[t[j]] = gates[r + t[j]] * (dgates[r + t[j]] - s);
    const dc = new Float64Array(E), dsd = new Float64Array(E);
    if (noisy && k < E) {
      for (let e = 0; e < E; e++) {
        const isIn = logits[r + e] > logits[r + t[k]];
        const ti = isIn ? t[k] : t[k - 1];
        const z = (clean[r + e] - logits[r + ti]) / stddev[r + e];
        const d = (dprob[r + e] * normalPdf(z)) / stddev[r + e];
        dc[e] += d;
        dl[ti] -= d;
        dsd[e] -= d * z;
      }
    }
    for (let e = 0; e < E; e++) {
      dclean[r + e] = dc[e] + dl[e];
      draw[r + e] = noisy ? (dsd[e] + dl[e] * eps[r + e]) * (raw[r + e] > 20 ? 1 : sigmoid(raw[r + e])) : 0;
    }
  }
}

export function cvSquared(v: F, E: number): number {
  if (E <= 1) return 0;
  let mean = 0;
  for (let e = 0; e < E; e++) mean += v[e];
  mean /= E;
  let ss = 0;
  for (let e = 0; e < E; e++) ss += (v[e] - mean) ** 2;
  return ss / (E - 1) / (mean * mean + 1e-10);
}

export function gateCombineForward(y: F, gates: F, X: F, B: number, E: number, nItems: number, expertStride: number): void {
  for (let b = 0; b < B; b++)
    for (let i = 0; i < nItems; i++) {
      let s = 0;
      for (let e = 0; e < E; e++) s += gates[b * E + e] * X[e * expertStride + b * nItems + i];
      y[b * nItems + i] = s;
    }
}
