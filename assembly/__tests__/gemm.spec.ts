import { gemm_nn, gemm_nt, gemm_tile, gemm_tn, gemm_workspace_bytes } from "../gemm";

const work = heap.alloc(<usize>gemm_workspace_bytes());

function arr(values: f32[]): StaticArray<f32> {
  return StaticArray.fromArray<f32>(values);
}
const ptr = (a: StaticArray<f32>): usize => changetype<usize>(a);

describe("gemm", () => {
  // A = [[1,2,3],[4,5,6]] (2×3), B = [[1,0],[0,1],[1,1]] (3×2): A·B = [[4,5],[10,11]]
  it("NN computes A·B", () => {
    const C = new StaticArray<f32>(4);
    gemm_nn(ptr(C), ptr(arr([1, 2, 3, 4, 5, 6])), ptr(arr([1, 0, 0, 1, 1, 1])), 2, 2, 3, 1, 0, work);
    expect(C[0]).toBe(4);
    expect(C[1]).toBe(5);
    expect(C[2]).toBe(10);
    expect(C[3]).toBe(11);
  });
  it("NT reads B transposed and applies α and β", () => {
    const C = arr([1, 1, 1, 1]);
    // Bᵀ stored 2×3 = [[1,0,1],[0,1,1]]
    gemm_nt(ptr(C), ptr(arr([1, 2, 3, 4, 5, 6])), ptr(arr([1, 0, 1, 0, 1, 1])), 2, 2, 3, 2, 3, work);
    expect(C[0]).toBe(11);
    expect(C[3]).toBe(25);
  });
  it("TN reads A transposed", () => {
    const C = new StaticArray<f32>(4);
    // Aᵀ stored 3×2 = [[1,4],[2,5],[3,6]]
    gemm_tn(ptr(C), ptr(arr([1, 4, 2, 5, 3, 6])), ptr(arr([1, 0, 0, 1, 1, 1])), 2, 2, 3, 1, 0, work);
    expect(C[1]).toBe(5);
    expect(C[2]).toBe(10);
  });
  it("handles shapes that are not multiples of the tile (5×9×300)", () => {
    const M = 5, N = 9, K = 300;
    const A = new StaticArray<f32>(M * K), B = new StaticArray<f32>(K * N), C = new StaticArray<f32>(M * N);
    for (let i = 0; i < M * K; i++) A[i] = 1;
    for (let i = 0; i < K * N; i++) B[i] = <f32>(i % N);
    gemm_nn(ptr(C), ptr(A), ptr(B), M, N, K, 1, 0, work);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) expect(C[i * N + j]).toBe(<f32>(K * j));
  });
  it("gemm_tile sums the outer products of packed panels into a 5×8 block of C", () => {
    // two steps: A panel values a[p][r] = p + r + 1 (each in four lanes), B panel b[p][c] = c − p
    const kc = 2, ldc = 10;
    const ap = new StaticArray<f32>(kc * 5 * 4), bp = new StaticArray<f32>(kc * 8), C = new StaticArray<f32>(5 * ldc), tile = new StaticArray<f32>(40);
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < 5; r++) for (let l = 0; l < 4; l++) ap[(p * 5 + r) * 4 + l] = <f32>(p + r + 1);
      for (let c = 0; c < 8; c++) bp[p * 8 + c] = <f32>(c - p);
    }
    for (let i = 0; i < 5 * ldc; i++) C[i] = -7;
    gemm_tile(ptr(C), ldc, ptr(ap), ptr(bp), kc, ptr(tile));
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 8; c++) expect(C[r * ldc + c]).toBe(<f32>((r + 1) * c + (r + 2) * (c - 1)));
      expect(C[r * ldc + 8]).toBe(-7); // columns past the tile untouched
    }
  });
});
