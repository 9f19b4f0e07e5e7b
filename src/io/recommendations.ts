// Every user's top-k list (Recommender.recommendAll) as CSV, for the CLI's file and the demo's
// download alike: a header, then one line per listed item, user,rank,item,score, in the data's
// own ids where it has them.
import type { DataIds } from "../data/dataset.js";
import type { RecommendationTable } from "../recommender.js";

/** The table as CSV text, in chunks: the header, then one chunk per 1,024 users. */
export function* recommendationCsv(t: RecommendationTable, ids?: DataIds): Generator<string> {
  const user = (u: number) => (ids ? csvField(ids.users[u]) : String(u));
  const item = (i: number) => (ids ? csvField(ids.items[i]) : String(i));
  yield "user,rank,item,score\n";
  for (let first = 0; first < t.users.length; first += 1024) {
    let chunk = "";
    for (let r = first; r < Math.min(first + 1024, t.users.length); r++) {
      for (let j = 0; j < t.k && t.items[r * t.k + j] >= 0; j++) {
        chunk += `${user(t.users[r])},${j + 1},${item(t.items[r * t.k + j])},${t.scores[r * t.k + j].toPrecision(9)}\n`;
      }
    }
    yield chunk;
  }
}

const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
