// Binary search over ascending values, shared by the thread splits, the data layer and the benchmarks.

/** The first index i in [lo, hi) with sorted[i] ≥ x, or hi when there is none. */
export function lowerBound(sorted: ArrayLike<number>, x: number, lo = 0, hi = sorted.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
