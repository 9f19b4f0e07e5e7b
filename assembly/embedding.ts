// Per-user embedding rows and per-column biases.
import { addRow } from "./vec";

// out[b,:] += V[users[b],:]      out: B×H, V: U×H, users: i32[B]
export function embedding_gather_add(out: usize, V: usize, users: usize, B: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    addRow(out + <usize>b * rowBytes, V + <usize>load<i32>(users + (<usize>b << 2)) * rowBytes, H);
  }
}

// dV[users[b],:] += dout[b,:]    (a user repeated in the batch accumulates once per occurrence)
export function embedding_scatter_add(dV: usize, dout: usize, users: usize, B: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    addRow(dV + <usize>load<i32>(users + (<usize>b << 2)) * rowBytes, dout + <usize>b * rowBytes, H);
  }
}

// out[b,:] += bias               out: B×N, bias: N
export function bias_add(out: usize, bias: usize, B: i32, N: i32): void {
  const rowBytes = <usize>N << 2;
  for (let b = 0; b < B; b++) addRow(out + <usize>b * rowBytes, bias, N);
}

// dbias[:] += Σ_b dout[b,:]      dout: B×N
export function column_sums(dbias: usize, dout: usize, B: i32, N: i32): void {
  const rowBytes = <usize>N << 2;
  for (let b = 0; b < B; b++) addRow(dbias, dout + <usize>b * rowBytes, N);
}
