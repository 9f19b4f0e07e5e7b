// `ael export` and `ael import`: weights under the reference PyTorch release's names.
import { readFile } from "node:fs/promises";
import { createCore } from "../../bindings/index.js";
import { ConfigError } from "../errors.js";
import type { Dataset } from "../data/dataset.js";
import { saveCheckpoint, loadCheckpoint, writeAtomic } from "../io/checkpoint.js";
import { manifestOf, runInfo } from "../io/format.js";
import { fromPytorch, toPytorch } from "../io/pytorch.js";
import { decodeSafetensors, encodeSafetensors } from "../io/safetensors.js";
import { paramSpecs } from "../model/ael.js";
import { Recommender } from "../recommender.js";
import { resolveConfig } from "../train/config.js";
import { loadData, need, type Args } from "./args.js";

/** Parameters in store order (the order the checksum is taken in). */
function orderParams(params: Record<string, Float32Array>, hidden: number[], d: Dataset): Record<string, Float32Array> {
  return Object.fromEntries(paramSpecs({ users: d.users, items: d.items, hidden }).map((s) => [s.name, params[s.name]]));
}

export async function exportCommand(a: Args): Promise<void> {
  const rec = await loadCheckpoint(await createCore(), need(a.model, "model"));
  const bytes = encodeSafetensors(toPytorch(rec.params(), rec.model.dims), { format: "pt", "ael-wasm.config": JSON.stringify(rec.config) });
  await writeAtomic(need(a.out, "out"), bytes);
  console.log(`wrote ${a.out} (${bytes.length} bytes)`);
}

export async function importCommand(a: Args): Promise<void> {
  const file = need(a.weights, "weights");
  const data = await loadData(a, 1);
  const { tensors } = decodeSafetensors(new Uint8Array(await readFile(file).catch(() => {
    throw new ConfigError(`cannot read ${file}`);
  })), file);
  const { hidden, params } = fromPytorch(tensors, data.users, data.items, file);
  const core = await createCore();
  const config = resolveConfig({ hidden, epochs: hidden.map(() => 0) });
  const ordered = orderParams(params, hidden, data);
  const manifest = manifestOf(runInfo(data, config, { spec: a.data }), ordered);
  const rec = Recommender.fromParts(core, { manifest, params: ordered, train: data.train, ids: data.ids });
  await saveCheckpoint(rec, need(a.out, "out"));
  console.log(`imported ${file} (hidden ${hidden.join("→")}) into ${a.out}`);
}
