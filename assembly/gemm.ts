// Dense GEMM, C = α·op(A)·op(B) + β·C, row-major, in the three orientations backprop needs.
// Every orientation packs its operands into the same panel layout (A in 5-row panels, B in
// 8-column panels, both k-major), so one 5×8 register-tiled micro-kernel serves NN, NT and TN
// at the same speed. Ten accumulators, two B vectors, one A vector and one product fill V8's
// fifteen usable xmm registers without a spill (a 6×8 tile would spill). β = 0 never reads C
// (so C may hold garbage or NaN), as in BLAS.

const MR: i32 = 5; // rows of the register tile
const NR: i32 = 8; // columns of the register tile (two f32x4)
const KC: i32 = 256; // depth of a packed block: a 5-row A panel (20 KiB) and an 8-column B panel (8 KiB) fit L1
const MC: i32 = 60; // rows of a packed A block (a multiple of MR; 240 KiB pre-splatted, in L2)
const NC: i32 = 512; // columns of a packed B block (512 KiB, in L2)

import { madd } from "./vec";

const TILE_BYTES = MR * NR * 4;

/**
 * Bytes of workspace every gemm_* call needs (independent of the shape): the packed A block,
 * the packed B block and a spill tile. Calls running at once need workspaces of their own.
 */
export function gemm_workspace_bytes(): i32 {
  return (MC * KC * 4 + KC * NC) * 4 + TILE_BYTES;
}

// C: M×N, A: M×K, B: K×N
export function gemm_nn(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32, work: usize): void {
  gemm(C, N, A, K, B, N, M, N, K, alpha, beta, false, false, work);
}

// C: M×N, A: M×K, B: N×K  (C = α·A·Bᵀ + β·C)
export function gemm_nt(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32, work: usize): void {
  gemm(C, N, A, K, B, K, M, N, K, alpha, beta, false, true, work);
}

// C: M×N, A: K×M, B: K×N  (C = α·Aᵀ·B + β·C)
export function gemm_tn(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32, work: usize): void {
  gemm(C, N, A, M, B, N, M, N, K, alpha, beta, true, false, work);
}

// The register tile alone, the ceiling the whole product approaches: c[0..5, 0..8) (row stride
// ldc floats) = Σ_p ap[p]⊗bp[p] over kc steps of an A panel (per step five values, each in four
// lanes: 80 bytes) and a B panel (per step eight values: 32 bytes), laid out as packA and packB
// lay them out. bench:kernels times it on panels that stay in L1. tile: 160 bytes of scratch.
export function gemm_tile(c: usize, ldc: i32, ap: usize, bp: usize, kc: i32, tile: usize): void {
  microKernel(c, ldc, ap, bp, kc, MR, NR, 1, 0, tile);
}

// The general form, with leading dimensions (row strides, in floats) of C, A and B as stored:
// a block of rows of C (and the matching rows, or columns when transA, of A) is a GEMM of its
// own, which is how the bindings split one product across threads.
export function gemm(C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32, M: i32, N: i32, K: i32, alpha: f32, beta: f32, transA: bool, transB: bool, work: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    scaleC(C, ldc, M, N, beta);
    return;
  }
  const Ap = work;
  const Bp = work + <usize>(MC * KC * 16);
  const tile = Bp + <usize>(KC * NC * 4);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const betaBlock: f32 = pc == 0 ? beta : 1;
      packB(Bp, B, ldb, transB, pc, kc, jc, nc);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA(Ap, A, lda, transA, ic, mc, pc, kc);
        // each A panel stays in L1 while the B panels stream past it from L2: a pre-splatted A
        // step is 80 bytes against B's 32, so the stream from L2 is the smaller one
        for (let ir = 0; ir < mc; ir += MR) {
          const mr = min(MR, mc - ir);
          const ap = Ap + <usize>(ir * kc * 16);
          for (let jr = 0; jr < nc; jr += NR) {
            const nr = min(NR, nc - jr);
            const bp = Bp + <usize>(jr * kc * 4);
            const c = C + (<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) * 4;
            microKernel(c, ldc, ap, bp, kc, mr, nr, alpha, betaBlock, tile);
          }
        }
      }
    }
  }
}

function scaleC(C: usize, ldc: i32, M: i32, N: i32, beta: f32): void {
  for (let i = 0; i < M; i++) {
    const row = C + <usize>i * <usize>ldc * 4;
    for (let j = 0; j < N; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
    }
  }
}

// Ap[panel][p][r][0..4) = op(A)[i0 + panel·MR + r, p0 + p] repeated in four lanes, zero past M:
// the micro-kernel then reads each A value as a ready f32x4 instead of splatting it on every
// use. A is packed again for every block of NC columns, so a full panel takes one splatting
// load and one store per value.
function packA(Ap: usize, A: usize, lda: i32, transA: bool, i0: i32, mc: i32, p0: i32, kc: i32): void {
  const ld = <usize>lda << 2;
  for (let r0 = 0; r0 < mc; r0 += MR) {
    const dst = Ap + <usize>(r0 * kc * 16);
    const rows = min(MR, mc - r0);
    if (ASC_FEATURE_SIMD && rows == MR) {
      // one loop per orientation with its strides fixed: a single loop taking both strides
      // as variables made the products ~5 % slower (256×1682×128, all three orientations)
      let d = dst;
      const end = dst + <usize>(kc * MR * 16);
      if (transA) {
        // A is K×M: a step's five values lie side by side in one row of A
        let s = A + <usize>p0 * ld + (<usize>(i0 + r0) << 2);
        while (d < end) {
          v128.store(d, v128.load32_splat(s));
          v128.store(d, v128.load32_splat(s, 4), 16);
          v128.store(d, v128.load32_splat(s, 8), 32);
          v128.store(d, v128.load32_splat(s, 12), 48);
          v128.store(d, v128.load32_splat(s, 16), 64);
          s += ld;
          d += MR * 16;
        }
      } else {
        let s = A + <usize>(i0 + r0) * ld + (<usize>p0 << 2);
        while (d < end) {
          v128.store(d, v128.load32_splat(s));
          v128.store(d, v128.load32_splat(s + ld), 16);
          v128.store(d, v128.load32_splat(s + 2 * ld), 32);
          v128.store(d, v128.load32_splat(s + 3 * ld), 48);
          v128.store(d, v128.load32_splat(s + 4 * ld), 64);
          s += 4;
          d += MR * 16;
        }
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const d = dst + <usize>(p * MR * 16);
      for (let r = 0; r < MR; r++) {
        const v: f32 = r < rows ? (transA ? load<f32>(A + ((<usize>(p0 + p) * <usize>lda + <usize>(i0 + r0 + r)) << 2)) : load<f32>(A + ((<usize>(i0 + r0 + r) * <usize>lda + <usize>(p0 + p)) << 2))) : 0;
        const q = d + <usize>(r * 16);
        if (ASC_FEATURE_SIMD) v128.store(q, f32x4.splat(v));
        else {
          store<f32>(q, v);
          store<f32>(q, v, 4);
          store<f32>(q, v, 8);
          store<f32>(q, v, 12);
        }
      }
    }
  }
}

// Bp[panel][p][c] = op(B)[p0 + p, j0 + panel·NR + c], zero past N.
function packB(Bp: usize, B: usize, ldb: i32, transB: bool, p0: i32, kc: i32, j0: i32, nc: i32): void {
  for (let c0 = 0; c0 < nc; c0 += NR) {
    const dst = Bp + <usize>(c0 * kc * 4);
    const cols = min(NR, nc - c0);
    if (transB) {
      // B is N×K: each column of op(B) is a contiguous row of B.
      let p = 0;
      if (ASC_FEATURE_SIMD && cols == NR) {
        // four k at a time from each of the eight rows, turned into four panel rows by two
        // 4×4 transposes
        const src = B + (<usize>(j0 + c0) * <usize>ldb + <usize>p0) * 4;
        const ld = <usize>ldb * 4;
        for (; p + 4 <= kc; p += 4) {
          const q = src + <usize>(p * 4);
          const d = dst + <usize>(p * NR * 4);
          transpose4(d, q, ld);
          transpose4(d + 16, q + 4 * ld, ld);
        }
      }
      for (let c = 0; c < NR; c++) {
        const d = dst + <usize>(c * 4);
        if (c < cols) {
          const src = B + (<usize>(j0 + c0 + c) * <usize>ldb + <usize>p0) * 4;
          for (let k = p; k < kc; k++) store<f32>(d + <usize>(k * NR * 4), load<f32>(src + <usize>(k * 4)));
        } else {
          for (let k = p; k < kc; k++) store<f32>(d + <usize>(k * NR * 4), 0);
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = B + (<usize>(p0 + p) * <usize>ldb + <usize>(j0 + c0)) * 4;
        const d = dst + <usize>(p * NR * 4);
        if (ASC_FEATURE_SIMD && cols == NR) {
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
        } else {
          for (let c = 0; c < NR; c++) store<f32>(d + <usize>(c * 4), c < cols ? load<f32>(src + <usize>(c * 4)) : 0);
        }
      }
    }
  }
}

// A 4×4 transpose into a B panel: for r < 4, the panel row at d + r·NR floats receives float r
// of each of the rows q, q + ld, q + 2·ld, q + 3·ld (ld in bytes), in that order.
@inline
function transpose4(d: usize, q: usize, ld: usize): void {
  const r0 = v128.load(q), r1 = v128.load(q + ld), r2 = v128.load(q + 2 * ld), r3 = v128.load(q + 3 * ld);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), NR * 4);
  v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), NR * 8);
  v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), NR * 12);
}

// c[0..mr, 0..nr] = α·Σ_p ap[p]⊗bp[p] + β·c   (c has row stride ldc floats)
// Kept out of line: a small function lets the engine keep all ten accumulators in registers.
function microKernel(c: usize, ldc: i32, ap: usize, bp: usize, kc: i32, mr: i32, nr: i32, alpha: f32, beta: f32, tile: usize): void {
  if (ASC_FEATURE_SIMD && mr <= 2) {
    // a last panel of one or two rows (M mod 5: a batch of 32 ends in one): their four
    // accumulators only, not ten
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      let a = v128.load(ap);
      c00 = madd(a, b0, c00);
      c01 = madd(a, b1, c01);
      a = v128.load(ap, 16);
      c10 = madd(a, b0, c10);
      c11 = madd(a, b1, c11);
      ap += 80;
      bp += 32;
    }
    v128.store(tile, c00); v128.store(tile, c01, 16);
    v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  } else if (ASC_FEATURE_SIMD) {
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
    let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
    let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let a = v128.load(ap);
      c00 = madd(a, b0, c00);
      c01 = madd(a, b1, c01);
      a = v128.load(ap, 16);
      c10 = madd(a, b0, c10);
      c11 = madd(a, b1, c11);
      a = v128.load(ap, 32);
      c20 = madd(a, b0, c20);
      c21 = madd(a, b1, c21);
      a = v128.load(ap, 48);
      c30 = madd(a, b0, c30);
      c31 = madd(a, b1, c31);
      a = v128.load(ap, 64);
      c40 = madd(a, b0, c40);
      c41 = madd(a, b1, c41);
      ap += 80;
      bp += 32;
    }
    const ldb = <usize>ldc * 4;
    if (mr == MR && nr == NR) {
      storeRow(c, c00, c01, alpha, beta);
      storeRow(c + ldb, c10, c11, alpha, beta);
      storeRow(c + 2 * ldb, c20, c21, alpha, beta);
      storeRow(c + 3 * ldb, c30, c31, alpha, beta);
      storeRow(c + 4 * ldb, c40, c41, alpha, beta);
      return;
    }
    v128.store(tile, c00); v128.store(tile, c01, 16);
    v128.store(tile, c10, 32); v128.store(tile, c11, 48);
    v128.store(tile, c20, 64); v128.store(tile, c21, 80);
    v128.store(tile, c30, 96); v128.store(tile, c31, 112);
    v128.store(tile, c40, 128); v128.store(tile, c41, 144);
  } else {
    memory.fill(tile, 0, MR * NR * 4);
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        const a = load<f32>(ap + <usize>(r * 16));
        const t = tile + <usize>(r * NR * 4);
        for (let j = 0; j < NR; j++) {
          const q = t + <usize>(j * 4);
          store<f32>(q, load<f32>(q) + a * load<f32>(bp + <usize>(j * 4)));
        }
      }
      ap += MR * 16;
      bp += 32;
    }
  }
  for (let r = 0; r < mr; r++) {
    const row = c + <usize>r * <usize>ldc * 4;
    for (let j = 0; j < nr; j++) {
      const q = row + <usize>(j * 4);
      const acc = alpha * load<f32>(tile + <usize>((r * NR + j) * 4));
      store<f32>(q, beta == 0 ? acc : acc + beta * load<f32>(q));
    }
  }
}

@inline
function storeRow(c: usize, lo: v128, hi: v128, alpha: f32, beta: f32): void {
  const a = f32x4.splat(alpha);
  lo = f32x4.mul(a, lo);
  hi = f32x4.mul(a, hi);
  if (beta != 0) {
    const b = f32x4.splat(beta);
    lo = f32x4.add(lo, f32x4.mul(b, v128.load(c)));
    hi = f32x4.add(hi, f32x4.mul(b, v128.load(c, 16)));
  }
  v128.store(c, lo);
  v128.store(c, hi, 16);
}
