// Plain-TS references for the dense kernels (the test oracle; sums in f64).
type F = Float32Array;
type I = Int32Array;

/** C = α·op(A)·op(B) + β·C; transA: A is K×M; transB: B is N×K. */
export function gemm(C: F, A: F, B: F, M: number, N: number, K: number, alpha: number, beta: number, transA: boolean, transB: boolean): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += (transA ? A[p * M + i] : A[i * K + p]) * (transB ? B[j * K + p] : B[p * N + j]);
      C[i * N + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * N + j]);
    }
  }
}

export function embeddingGatherAdd(out: F, V: F, users: I, B: number, H: number): void {
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) out[b * H + h] += V[users[b] * H + h];
}

export function embeddingScatterAdd(dV: F, dout: F, users: I, B: number, H: number): void {
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) dV[users[b] * H + h] += dout[b * H + h];
}

export function biasAdd(out: F, bias: F, B: number, N: number): void {
  for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) out[b * N + n] += bias[n];
}

export function columnSums(dbias: F, dout: F, B: number, N: number): void {
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let b = 0; b < B; b++) s += dout[b * N + n];
    dbias[n] += s;
  }
}

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
export const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));

export function sigmoidForward(y: F, x: F, n: number): void {
  for (let i = 0; i < n; i++) y[i] = sigmoid(x[i]);
}
export function sigmoidBackward(dx: F, dy: F, y: F, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
}
export function softplusForward(y: F, x: F, n: number): void {
  for (let i = 0; i < n; i++) y[i] = softplus(x[i]);
}
export function softplusBackward(dx: F, dy: F, x: F, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = dy[i] * (x[i] > 20 ? 1 : sigmoid(x[i]));
}

/** Φ(x) by the erf series / continued fraction in f64 (independent of the kernel's fit). */
export function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}
export const normalPdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    // Maclaurin series: erf x = 2/√π Σ (−1)^n x^{2n+1} / (n! (2n+1))
    let term = a, sum = a;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc by its continued fraction (Lentz), accurate for a ≥ 3
  let f = a, C = a, D = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    D = a + an * D;
    D = 1 / D;
    C = a + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

export function normalCdfRows(y: F, x: F, n: number): void {
  for (let i = 0; i < n; i++) y[i] = normalCdf(x[i]);
}

export function mseForward(y: F, t: F, n: number, scale: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += (y[i] - t[i]) ** 2;
  return s * scale;
}
export function mseBackward(dy: F, y: F, t: F, n: number, scale: number): void {
  for (let i = 0; i < n; i++) dy[i] = 2 * scale * (y[i] - t[i]);
}
export function maskedMseForward(y: F, t: F, m: F, n: number, scale: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += (m[i] * y[i] - t[i]) ** 2;
  return s * scale;
}
export function maskedMseBackward(dy: F, y: F, t: F, m: F, n: number, scale: number): void {
  for (let i = 0; i < n; i++) dy[i] = 2 * scale * (m[i] * y[i] - t[i]) * m[i];
}

/** Lazy Adam over listed rows of an R×H slab (see assembly/adam.ts). */
export function adamRows(p: F, g: F, m: F, v: F, last: I, rows: I, nrows: number, H: number, t: number, stepSize: number, beta1: number, beta2: number, invBc2Sqrt: number, eps: number): void {
  for (let i = 0; i < nrows; i++) {
    const r = rows[i], k = t - 1 - last[r], o = r * H;
    for (let j = 0; j < H; j++) {
      m[o + j] *= beta1 ** k;
      v[o + j] *= beta2 ** k;
    }
    adamStep(p.subarray(o, o + H), g.subarray(o, o + H), m.subarray(o, o + H), v.subarray(o, o + H), H, stepSize, beta1, beta2, invBc2Sqrt, eps);
    last[r] = t;
  }
}

/** torch.optim.Adam's single-tensor step (f64 arithmetic); zeroes g. */
export function adamStep(p: F, g: F, m: F, v: F, n: number, stepSize: number, beta1: number, beta2: number, invBc2Sqrt: number, eps: number): void {
  for (let i = 0; i < n; i++) {
    m[i] = m[i] + (1 - beta1) * (g[i] - m[i]);
    v[i] = v[i] * beta2 + (1 - beta2) * g[i] * g[i];
    p[i] = p[i] - (stepSize * m[i]) / (Math.sqrt(v[i]) * invBc2Sqrt + eps);
    g[i] = 0;
  }
}
