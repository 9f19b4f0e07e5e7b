// Data set specs for the CLI and the Node API:
//   synthetic[:KEY=VAL,…]   ml100k:DIR   deca:DIR/NAME   csv:TRAIN[,TEST]
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, DataError } from "../errors.js";
import type { Dataset } from "./dataset.js";
import { csv, deca, movielens, type TextFile } from "./sources.js";
import { SYNTHETIC_DEFAULTS, synthetic, type SyntheticOptions } from "./synthetic.js";

function read(path: string): TextFile {
  try {
    return { name: path, text: readFileSync(path, "utf8") };
  } catch (e) {
    throw new DataError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path);
  }
}
const maybe = (path: string) => (existsSync(path) ? read(path) : undefined);

export function loadDataSpec(spec: string, seed = 1): Dataset {
  const colon = spec.indexOf(":");
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? "" : spec.slice(colon + 1);
  switch (kind) {
    case "synthetic":
      return synthetic({ seed, ...parseKeyValues(arg) });
    case "ml100k": {
      if (!arg) throw new ConfigError("ml100k needs a directory: ml100k:DIR");
      const base = maybe(join(arg, "u1.base")), test = maybe(join(arg, "u1.test")), data = maybe(join(arg, "u.data"));
      if (!(base && test) && !data) throw new DataError("expected u1.base and u1.test, or u.data", arg);
      return movielens({ base, test, data, info: maybe(join(arg, "u.info")) }, { seed });
    }
    case "deca": {
      if (!arg) throw new ConfigError("deca needs a path prefix: deca:DIR/NAME");
      const name = arg.split("/").pop()!;
      return deca(name, { train: read(`${arg}.train.rating`), test: read(`${arg}.test.negative`), valid: maybe(`${arg}.valid.rating`) });
    }
    case "csv": {
      const [train, test] = arg.split(",");
      if (!train) throw new ConfigError("csv needs a file: csv:TRAIN[,TEST]");
      return csv(read(train), test ? read(test) : undefined, { seed });
    }
    default:
      throw new ConfigError(`unknown data spec "${spec}": use synthetic[:KEY=VAL,…], ml100k:DIR, deca:DIR/NAME or csv:TRAIN[,TEST]`);
  }
}

function parseKeyValues(arg: string): Partial<SyntheticOptions> {
  const out: Record<string, number> = {};
  for (const kv of arg.split(",").filter(Boolean)) {
    const [k, v] = kv.split("=");
    if (!(k in SYNTHETIC_DEFAULTS) || k === "seed") throw new ConfigError(`unknown synthetic option "${k}"; known: ${Object.keys(SYNTHETIC_DEFAULTS).filter((x) => x !== "seed").join(", ")}`);
    const n = Number(v);
    if (v === undefined || v === "" || !Number.isFinite(n)) throw new ConfigError(`synthetic option ${k} needs a number, got "${v}"`);
    out[k] = n;
  }
  return out;
}
