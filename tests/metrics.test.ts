// Metric definitions (ALGORITHM.md §5) on hand-built rankings.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MetricSums } from "../src/eval/metrics.js";

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} ≠ ${b}`);
const D = (j: number) => 1 / Math.log2(j + 2);

function one(ranked: number[], test: number[], cutoffs = [3, 5]) {
  const s = new MetricSums();
  const set = new Set(test);
  s.add(ranked, (i) => set.has(i), test.length, cutoffs);
  return s.table();
}

test("hits at ranks 1 and 3 of 5 with three test items", () => {
  const m = one([7, 1, 9, 2, 3], [7, 9, 4]);
  close(m["recall@3"], 2 / 3, "recall@3");
  close(m["precision@3"], 2 / 3, "precision@3");
  close(m["precision@5"], 2 / 5, "precision@5");
  close(m["mrr@3"], 1, "mrr@3");
  close(m["ndcg@3"], (D(0) + D(2)) / (D(0) + D(1) + D(2)), "ndcg@3");
  close(m["ndcg@5"], (D(0) + D(2)) / (D(0) + D(1) + D(2)), "ndcg@5 (IDCG stops at |test|)");
});

test("first hit at rank 4: MRR@3 is 0, MRR@5 is 1/4", () => {
  const m = one([0, 1, 2, 8, 9], [8]);
  close(m["mrr@3"], 0, "mrr@3");
  close(m["mrr@5"], 0.25, "mrr@5");
  close(m["recall@5"], 1, "recall@5");
});

test("release-compatible NDCG only counts hits within the first min(K, |test|) ranks", () => {
  // one test item found at rank 2: standard NDCG@5 = D(1)/D(0); the release's variant gives 0
  const m = one([5, 8, 1, 2, 3], [8]);
  close(m["ndcg@5"], D(1) / D(0), "ndcg@5");
  close(m["ndcg_ref@5"], 0, "ndcg_ref@5");
  // found at rank 1: both are 1 at every K
  const h = one([8, 5, 1, 2, 3], [8]);
  close(h["ndcg_ref@3"], 1, "ndcg_ref@3");
  close(h["ndcg_ref@5"], 1, "ndcg_ref@5");
});

test("test items that can never be hit stay in |test|; a short list counts misses", () => {
  const m = one([3, -1, -1], [3, 4, 5, 6], [3]);
  close(m["recall@3"], 1 / 4, "recall@3");
  close(m["precision@3"], 1 / 3, "precision@3");
});

test("averages are over users", () => {
  const s = new MetricSums();
  s.add([1, 2, 3], (i) => i === 1, 1, [3]);
  s.add([1, 2, 3], (i) => i === 9, 1, [3]);
  assert.is(s.users, 2);
  close(s.table()["recall@3"], 0.5, "mean recall@3");
});

test.run();
