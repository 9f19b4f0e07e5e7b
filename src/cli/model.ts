// `ael eval` and `ael recommend`: use a saved model.
import { once } from "node:events";
import { createCore, type Flavour } from "../../bindings/index.js";
import { ConfigError } from "../errors.js";
import type { DataIds } from "../data/dataset.js";
import { loadCheckpoint, writeAtomic } from "../io/checkpoint.js";
import { recommendationCsv } from "../io/recommendations.js";
import type { Recommender } from "../recommender.js";
import { list, loadData, need, num, type Args } from "./args.js";
import { metricsTable } from "./report.js";

/** The core a saved model runs on: the flavour and threads asked for, else createCore's defaults. */
const modelCore = (a: Args) => createCore({ flavour: a.flavour as Flavour | undefined, threads: num(a.threads, "threads") });

export async function evalCommand(a: Args): Promise<void> {
  const core = await modelCore(a);
  const rec = await loadCheckpoint(core, need(a.model, "model"));
  const data = await loadData(a, rec.config.seed);
  if (data.users !== rec.users || data.items !== rec.items) throw new ConfigError(`the model was trained on ${rec.users} users × ${rec.items} items, ${data.name} has ${data.users} × ${data.items}`);
  const differ = idMismatch(rec.ids, data.ids);
  if (differ) throw new ConfigError(`the model was trained on other data than ${data.name}: ${differ}`);
  const ev = rec.evaluate(data.test);
  if (a.json) console.log(JSON.stringify({ dataset: { name: data.name, users: data.users, items: data.items, test_users: ev.users }, variants: ev.variants }));
  else console.log(metricsTable(ev.variants));
}

export async function recommendCommand(a: Args): Promise<void> {
  const core = await modelCore(a);
  const rec = await loadCheckpoint(core, need(a.model, "model"));
  // a model of data with ids of its own (CSV) takes and gives those; others, indices
  const itemList = (v: string | undefined, what: string) => (rec.ids ? v?.split(",").map((id) => rec.itemIndex(id.trim())) : list(v, what));
  const exclude = itemList(a.exclude, "exclude");
  if (a.all) return recommendAllCommand(a, rec, exclude);
  if (a.out !== undefined) throw new ConfigError("--out writes every user's list: give it with --all");
  const user = rec.ids ? (a.user === undefined ? undefined : rec.userIndex(a.user)) : num(a.user, "user");
  const items = itemList(a.items, "items");
  const who = user !== undefined ? { user, items, exclude } : items !== undefined ? { items, exclude } : undefined;
  if (!who) throw new ConfigError("give --user ID (their training row), --items I1,I2,… (a new user) or both (a known user's history as it is now)");
  const out = rec.recommend(who, num(a.k, "k") ?? 20, a.variant);
  if (a.json) console.log(JSON.stringify(out));
  else out.items.forEach((it, r) => console.log(`${String(r + 1).padStart(3)}. item ${out.ids?.[r] ?? it}  score ${out.scores[r].toFixed(5)}`));
}

/** Every user's top-k as CSV lines user,rank,item,score, to --out (written whole or not at all) or stdout. */
async function recommendAllCommand(a: Args, rec: Recommender, exclude: number[] | undefined): Promise<void> {
  if (a.user !== undefined || a.items !== undefined) throw new ConfigError("--all lists every user from their training row: give it without --user or --items");
  if (a.json) throw new ConfigError("--all writes CSV (user,rank,item,score): give it without --json");
  const table = rec.recommendAll(num(a.k, "k") ?? 20, a.variant, { exclude });
  const lines = recommendationCsv(table, rec.ids);
  if (a.out !== undefined) await writeAtomic(a.out, lines);
  else for (const chunk of lines) if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
}

/** Where a model's ids and a data set's disagree (their counts agreeing), or undefined. */
function idMismatch(model: DataIds | undefined, data: DataIds | undefined): string | undefined {
  if (!model || !data) return model ? "the model has its data's own ids, the data set none" : data ? "the data set has ids of its own, the model none" : undefined;
  for (const kind of ["users", "items"] as const) {
    const k = model[kind].findIndex((id, i) => id !== data[kind][i]);
    if (k >= 0) return `${kind === "users" ? "user" : "item"} ${k} is "${model[kind][k]}" in the model, "${data[kind][k]}" in the data`;
  }
  return undefined;
}
