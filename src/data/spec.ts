// Data set specs for the CLI and the Node API:
//   synthetic[:KEY=VAL,…]   ml100k:DIR   deca:DIR/NAME   csv:TRAIN[,TEST][,min_rating=R][,test_ratio=F]
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, DataError } from "../errors.js";
import type { Dataset } from "./dataset.js";
import { csv, deca, movielens, type FileInput, type TextFile } from "./sources.js";
import { InteractionParser, type ParseOptions } from "./parse.js";
import { SYNTHETIC_DEFAULTS, synthetic, type SyntheticOptions } from "./synthetic.js";

function read(path: string): TextFile {
  try {
    return { name: path, text: readFileSync(path, "utf8") };
  } catch (e) {
    throw new DataError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path);
  }
}

/** Parse a file while reading it in chunks: it is read once and never held whole in memory. */
export async function streamFile(path: string, opts: ParseOptions): Promise<FileInput> {
  const parser = new InteractionParser(path, opts);
  try {
    for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 })) parser.push(chunk as string);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path);
  }
  return { name: path, interactions: parser.end() };
}

const ids = { integerIds: true };
const maybe = (path: string, opts: ParseOptions) => (existsSync(path) ? streamFile(path, opts) : undefined);

/** A spec's kind (before the first colon) and its argument (after it). */
function splitSpec(spec: string): { kind: string; arg: string } {
  const colon = spec.indexOf(":");
  return colon < 0 ? { kind: spec, arg: "" } : { kind: spec.slice(0, colon), arg: spec.slice(colon + 1) };
}

export async function loadDataSpec(spec: string, seed = 1): Promise<Dataset> {
  const { kind, arg } = splitSpec(spec);
  switch (kind) {
    case "synthetic":
      return synthetic({ seed, ...parseKeyValues(arg) });
    case "ml100k": {
      if (!arg) throw new ConfigError("ml100k needs a directory: ml100k:DIR");
      const split = existsSync(join(arg, "u1.base")) && existsSync(join(arg, "u1.test"));
      if (!split && !existsSync(join(arg, "u.data"))) throw new DataError("expected u1.base and u1.test, or u.data", arg);
      const info = existsSync(join(arg, "u.info")) ? read(join(arg, "u.info")) : undefined;
      if (split) return movielens({ base: await streamFile(join(arg, "u1.base"), ids), test: await streamFile(join(arg, "u1.test"), ids), info }, { seed });
      return movielens({ data: await streamFile(join(arg, "u.data"), ids), info }, { seed });
    }
    case "deca": {
      if (!arg) throw new ConfigError("deca needs a path prefix: deca:DIR/NAME");
      const name = arg.split("/").pop()!;
      return deca(name, { train: await streamFile(`${arg}.train.rating`, ids), test: await streamFile(`${arg}.test.negative`, ids), valid: await maybe(`${arg}.valid.rating`, ids) });
    }
    case "csv": {
      const parts = arg.split(",");
      const [train, test, ...more] = parts.filter((p) => !p.includes("="));
      if (!train || more.length) throw new ConfigError(`csv needs one or two files: ${CSV_SPEC}`);
      const opts = csvOptions(parts.filter((p) => p.includes("=")));
      if (test && opts.testRatio !== undefined) throw new ConfigError("test_ratio splits a single file; with a test file given there is nothing to split");
      const header = { header: true };
      return csv(await streamFile(train, header), test ? await streamFile(test, header) : undefined, { seed, ...opts });
    }
    default:
      throw new ConfigError(`unknown data spec "${spec}": use synthetic[:KEY=VAL,…], ml100k:DIR, deca:DIR/NAME or ${CSV_SPEC}`);
  }
}

/** The users and items a synthetic spec will generate, read without generating them; undefined for other specs. */
export function syntheticShape(spec: string): { users: number; items: number } | undefined {
  const { kind, arg } = splitSpec(spec);
  if (kind !== "synthetic") return undefined;
  const { users, items } = { ...SYNTHETIC_DEFAULTS, ...parseKeyValues(arg) };
  return { users, items };
}

const CSV_SPEC = "csv:TRAIN[,TEST][,min_rating=R][,test_ratio=F]";

/** min_rating: interactions rated below it are dropped; test_ratio: the share of a single file held out for testing. */
function csvOptions(kvs: string[]): { minRating?: number; testRatio?: number } {
  const out: { minRating?: number; testRatio?: number } = {};
  for (const kv of kvs) {
    const [k, v] = kv.split("=");
    const n = v === "" ? NaN : Number(v);
    const needs = (what: string) => new ConfigError(`csv option ${k} needs ${what}, got "${v}"`);
    if (k === "min_rating") {
      if (!Number.isFinite(n)) throw needs("a number");
      out.minRating = n;
    } else if (k === "test_ratio") {
      if (!(n > 0 && n < 1)) throw needs("a number in (0, 1)");
      out.testRatio = n;
    } else throw new ConfigError(`unknown csv option "${k}"; known: min_rating, test_ratio`);
  }
  return out;
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
