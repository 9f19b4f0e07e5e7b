// `ael eval` and `ael recommend`: use a saved model.
import { createCore, type Flavour } from "../../bindings/index.js";
import { ConfigError } from "../errors.js";
import type { DataIds } from "../data/dataset.js";
import { loadCheckpoint } from "../io/checkpoint.js";
import { list, loadData, need, num, type Args } from "./args.js";
import { metricsTable } from "./report.js";

export async function evalCommand(a: Args): Promise<void> {
  const core = await createCore({ flavour: a.flavour as Flavour | undefined });
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
  const core = await createCore({ flavour: a.flavour as Flavour | undefined });
  const rec = await loadCheckpoint(core, need(a.model, "model"));
  // a model of data with ids of its own (CSV) takes and gives those; others, indices
  const user = rec.ids ? (a.user === undefined ? undefined : rec.userIndex(a.user)) : num(a.user, "user");
  const items = rec.ids ? a.items?.split(",").map((id) => rec.itemIndex(id.trim())) : list(a.items, "items");
  const who = user !== undefined ? { user, items } : items !== undefined ? { items } : undefined;
  if (!who) throw new ConfigError("give --user ID (their training row), --items I1,I2,… (a new user) or both (a known user's history as it is now)");
  const out = rec.recommend(who, num(a.k, "k") ?? 20, a.variant);
  if (a.json) console.log(JSON.stringify(out));
  else out.items.forEach((it, r) => console.log(`${String(r + 1).padStart(3)}. item ${out.ids?.[r] ?? it}  score ${out.scores[r].toFixed(5)}`));
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
