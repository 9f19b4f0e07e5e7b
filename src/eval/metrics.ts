// Ranking metrics of ALGORITHM.md §5 for one ranked list against a user's test items.
//   Recall@K = hits/|test|   Precision@K = hits/K   MRR@K = 1/rank of the first hit
//   NDCG@K = DCG/IDCG, DCG = Σ_{j<K, hit} 1/log2(j+2), IDCG = Σ_{j<min(K,|test|)} 1/log2(j+2)
//   NDCG_ref@K: the release's variant, whose DCG only runs over the first min(K, |test|) ranks.

export const CUTOFFS = [3, 5, 10, 20] as const;
export const METRICS = ["recall", "precision", "ndcg", "ndcg_ref", "mrr"] as const;
export type MetricTable = Record<string, number>;

const DISCOUNT = Array.from({ length: 1024 }, (_, j) => 1 / Math.log2(j + 2));

export class MetricSums {
  private readonly sums = new Map<string, number>();
  users = 0;

  /** ranked: item ids best first (−1 = no item); isTest(i): whether i is a test item; nTest ≥ 1. */
  add(ranked: ArrayLike<number>, isTest: (item: number) => boolean, nTest: number, cutoffs: readonly number[] = CUTOFFS): void {
    this.users++;
    for (const K of cutoffs) {
      let hits = 0, dcg = 0, dcgRef = 0, rr = 0, idcg = 0;
      const limit = Math.min(K, nTest);
      for (let j = 0; j < K; j++) {
        const it = j < ranked.length ? ranked[j] : -1;
        if (j < limit) idcg += DISCOUNT[j];
        if (it < 0 || !isTest(it)) continue;
        hits++;
        dcg += DISCOUNT[j];
        if (j < limit) dcgRef += DISCOUNT[j];
        if (rr === 0) rr = 1 / (j + 1);
      }
      this.bump(`recall@${K}`, hits / nTest);
      this.bump(`precision@${K}`, hits / K);
      this.bump(`ndcg@${K}`, dcg / idcg);
      this.bump(`ndcg_ref@${K}`, dcgRef / idcg);
      this.bump(`mrr@${K}`, rr);
    }
  }

  private bump(key: string, v: number): void {
    this.sums.set(key, (this.sums.get(key) ?? 0) + v);
  }

  /** Means over the users added, keys like "recall@20". */
  table(): MetricTable {
    const out: MetricTable = {};
    for (const [k, v] of [...this.sums].sort(([a], [b]) => metricOrder(a) - metricOrder(b))) out[k] = this.users ? v / this.users : 0;
    return out;
  }
}

function metricOrder(key: string): number {
  const [m, k] = key.split("@");
  return METRICS.indexOf(m as (typeof METRICS)[number]) * 1000 + Number(k);
}
