// Plain-TS references for the gate's loss from expert Gram statistics (f64 arithmetic, same
// contracts as assembly/gate-gram.ts). A user's stats: G (E×E) row by row, c (E), |x|.
type F = Float32Array;
type D = Float64Array;
type I = Int32Array;

/** The f64 numbers of a user's stats. */
const statsWidth = (E: number) => E * E + E + 1;

export function expertGram(stats: D, X: F, rowptr: I, cols: I, B: number, E: number, nItems: number, expertStride: number): void {
  const S = statsWidth(E);
  const y = (e: number, b: number, i: number) => X[e * expertStride + b * nItems + i];
  for (let b = 0; b < B; b++) {
    for (let e = 0; e < E; e++) {
      for (let f = 0; f < E; f++) {
        let g = 0;
        for (let i = 0; i < nItems; i++) g += y(e, b, i) * y(f, b, i);
        stats[b * S + e * E + f] = g;
      }
      let c = 0;
      for (let j = rowptr[b]; j < rowptr[b + 1]; j++) c += y(e, b, cols[j]);
      stats[b * S + E * E + e] = c;
    }
    stats[b * S + E * E + E] = rowptr[b + 1] - rowptr[b];
  }
}

export function gateMseForward(stats: D, gates: F, users: I, B: number, E: number, scale: number): number {
  const S = statsWidth(E);
  let loss = 0;
  for (let b = 0; b < B; b++) {
    const s = users[b] * S;
    for (let e = 0; e < E; e++) {
      for (let f = 0; f < E; f++) loss += gates[b * E + e] * stats[s + e * E + f] * gates[b * E + f];
      loss -= 2 * gates[b * E + e] * stats[s + E * E + e];
    }
    loss += stats[s + E * E + E];
  }
  return scale * loss;
}

export function gateMseBackward(dgates: F, stats: D, gates: F, users: I, B: number, E: number, scale: number): void {
  const S = statsWidth(E);
  for (let b = 0; b < B; b++) {
    const s = users[b] * S;
    for (let e = 0; e < E; e++) {
      let r = -stats[s + E * E + e];
      for (let f = 0; f < E; f++) r += stats[s + e * E + f] * gates[b * E + f];
      dgates[b * E + e] = 2 * scale * r;
    }
  }
}
