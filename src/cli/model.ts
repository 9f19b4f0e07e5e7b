// `ael eval` and `ael recommend`: use a saved model.
import { createCore, type Flavour } from "../../bindings/index.js";
import { ConfigError } from "../errors.js";
import { loadCheckpoint } from "../io/checkpoint.js";
import { list, loadData, need, num, type Args } from "./args.js";
import { metricsTable } from "./report.js";

export async function evalCommand(a: Args): Promise<void> {
  const core = await createCore({ flavour: a.flavour as Flavour | undefined });
  const rec = await loadCheckpoint(core, need(a.model, "model"));
  const data = await loadData(a, rec.config.seed);
  if (data.users !== rec.users || data.items !== rec.items) throw new ConfigError(`the model was trained on ${rec.users} users × ${rec.items} items, ${data.name} has ${data.users} × ${data.items}`);
  const ev = rec.evaluate(data.test);
  if (a.json) console.log(JSON.stringify({ dataset: { name: data.name, users: data.users, items: data.items, test_users: ev.users }, variants: ev.variants }));
  else console.log(metricsTable(ev.variants));
}

export async function recommendCommand(a: Args): Promise<void> {
  const core = await createCore({ flavour: a.flavour as Flavour | undefined });
  const rec = await loadCheckpoint(core, need(a.model, "model"));
  const user = num(a.user, "user"), items = list(a.items, "items");
  const who = user !== undefined ? { user, items } : items !== undefined ? { items } : undefined;
  if (!who) throw new ConfigError("give --user ID (their training row), --items I1,I2,… (a new user) or both (a known user's history as it is now)");
  const out = rec.recommend(who, num(a.k, "k") ?? 20, a.variant);
  if (a.json) console.log(JSON.stringify(out));
  else out.items.forEach((it, r) => console.log(`${String(r + 1).padStart(3)}. item ${it}  score ${out.scores[r].toFixed(5)}`));
}
