// Interaction sets as CSR: row u holds user u's item ids, ascending and unique.
import { lowerBound } from "../../bindings/search.js";

export interface Csr {
  readonly rows: number;
  readonly rowptr: Int32Array; // rows + 1
  readonly cols: Int32Array;
}

/** Build a CSR from (user, item) pairs; duplicates are dropped and counted. */
export function csrFromPairs(rows: number, users: ArrayLike<number>, items: ArrayLike<number>): { csr: Csr; duplicates: number } {
  const n = users.length;
  const counts = new Int32Array(rows + 1);
  for (let i = 0; i < n; i++) counts[users[i] + 1]++;
  for (let r = 0; r < rows; r++) counts[r + 1] += counts[r];
  const fill = counts.slice(0, rows);
  const cols = new Int32Array(n);
  for (let i = 0; i < n; i++) cols[fill[users[i]]++] = items[i];
  const rowptr = new Int32Array(rows + 1);
  let w = 0, duplicates = 0;
  for (let r = 0; r < rows; r++) {
    const row = cols.subarray(counts[r], counts[r + 1]).sort();
    for (let j = 0; j < row.length; j++) {
      if (j > 0 && row[j] === row[j - 1]) duplicates++;
      else cols[w++] = row[j];
    }
    rowptr[r + 1] = w;
  }
  return { csr: { rows, rowptr, cols: cols.slice(0, w) }, duplicates };
}

export const rowOf = (c: Csr, u: number) => c.cols.subarray(c.rowptr[u], c.rowptr[u + 1]);
export const nnz = (c: Csr) => c.rowptr[c.rows];

/** The CSR whose row r is row r of a together with the ids of `extra` (both ascending, without repeats). */
export function withEveryRow(a: Csr, extra: Int32Array): Csr {
  const rowptr = new Int32Array(a.rows + 1), cols = new Int32Array(nnz(a) + a.rows * extra.length);
  let n = 0;
  for (let r = 0; r < a.rows; r++) {
    let i = a.rowptr[r], j = 0;
    const end = a.rowptr[r + 1];
    while (i < end || j < extra.length) {
      const x = i < end ? a.cols[i] : Infinity, y = j < extra.length ? extra[j] : Infinity;
      cols[n++] = Math.min(x, y);
      if (x <= y) i++;
      if (y <= x) j++;
    }
    rowptr[r + 1] = n;
  }
  return { rows: a.rows, rowptr, cols: cols.subarray(0, n) };
}

/** The same rows holding the same items. */
export function sameRows(a: Csr, b: Csr): boolean {
  return a.rows === b.rows && a.rowptr.every((x, u) => x === b.rowptr[u]) && a.cols.length === b.cols.length && a.cols.every((x, j) => x === b.cols[j]);
}

export function hasPair(c: Csr, u: number, item: number): boolean {
  const end = c.rowptr[u + 1], at = lowerBound(c.cols, item, c.rowptr[u], end);
  return at < end && c.cols[at] === item;
}
