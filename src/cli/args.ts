// The command line's options, usage and argument readers.
import { parseArgs } from "node:util";
import { ConfigError } from "../errors.js";
import { loadDataSpec } from "../data/spec.js";
import { injectNoise } from "../data/noise.js";
import type { Dataset } from "../data/dataset.js";
import type { TrainConfig } from "../train/config.js";

export const USAGE = `usage:
  ael train --data SPEC [--epochs 2500,500,300] [--gate-epochs 200] [--seed N] [--noise R]
            [--hidden 128,48,12] [--batch-size 32] [--lr 5e-4] [--gate-lr 1e-4] [--negatives 256] [--gate-k 2]
            [--corruption Q] [--lazy-adam] [--patience N [--valid-every 25] [--valid-ratio 0.1]]
            [--flavour simd|scalar|relaxed] [--threads N] [--out DIR [--checkpoint-every N]] [--json]
  ael train --resume DIR [--out DIR] [--checkpoint-every N] [--json]
  ael eval --model DIR --data SPEC [--threads N] [--json]
  ael recommend --model DIR (--user ID [--items I1,I2,…] | --items I1,I2,…) [--exclude I1,I2,…] [-k 20] [--variant gate_k2] [--json]
  ael recommend --model DIR --all [--exclude I1,I2,…] [-k 20] [--variant gate_k2] [--threads N] [--out FILE.csv]   (every user: user,rank,item,score)
  ael ablate --data SPEC --seeds 1,2,3 [training options as for train] [--json]
  ael profile --data SPEC [--epochs 20,5,5] [--gate-epochs 5] [training options as for train] [--flavour simd|scalar|relaxed] [--threads 1] [--json]
  ael export --model DIR --out FILE.safetensors        (the PyTorch release's names and layouts)
  ael import --weights FILE.safetensors --data SPEC --out DIR
SPEC: synthetic[:users=600,items=500,…]  ml100k:DIR  deca:DIR/NAME  csv:TRAIN[,TEST][,min_rating=R][,test_ratio=F]
Ids on the command line are the model's 0-based indices (MovieLens id − 1); a CSV model's, the file's own ids.`;

export const OPTIONS = {
  data: { type: "string" },
  epochs: { type: "string" },
  "gate-epochs": { type: "string" },
  seed: { type: "string" },
  seeds: { type: "string" },
  noise: { type: "string" },
  hidden: { type: "string" },
  "batch-size": { type: "string" },
  lr: { type: "string" },
  "gate-lr": { type: "string" },
  negatives: { type: "string" },
  "gate-k": { type: "string" },
  corruption: { type: "string" },
  "lazy-adam": { type: "boolean" },
  patience: { type: "string" },
  "valid-every": { type: "string" },
  "valid-ratio": { type: "string" },
  threads: { type: "string" },
  flavour: { type: "string" },
  out: { type: "string" },
  resume: { type: "string" },
  weights: { type: "string" },
  "checkpoint-every": { type: "string" },
  model: { type: "string" },
  user: { type: "string" },
  items: { type: "string" },
  k: { type: "string", short: "k" },
  all: { type: "boolean" },
  exclude: { type: "string" },
  variant: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export type Args = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

export function num(v: string | undefined, what: string, int = true): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || (int && !Number.isInteger(n))) throw new ConfigError(`--${what} needs ${int ? "an integer" : "a number"}, got "${v}"`);
  return n;
}
export const list = (v: string | undefined, what: string) => v?.split(",").map((x) => num(x, what)!);
export const need = (v: string | undefined, what: string) => {
  if (v === undefined) throw new ConfigError(`--${what} is required\n${USAGE}`);
  return v;
};

/** The options trainingOptions reads. */
export const TRAINING_OPTIONS = ["epochs", "gate-epochs", "hidden", "batch-size", "lr", "gate-lr", "negatives", "gate-k", "corruption", "lazy-adam", "patience", "valid-every", "valid-ratio"] as const;

/** The training options given on the command line (train, ablate, profile), unchecked: resolveConfig checks them. */
export function trainingOptions(a: Args): Partial<TrainConfig> {
  return {
    epochs: list(a.epochs, "epochs"),
    gateEpochs: num(a["gate-epochs"], "gate-epochs"),
    hidden: list(a.hidden, "hidden"),
    batchSize: num(a["batch-size"], "batch-size"),
    lr: num(a.lr, "lr", false),
    gateLr: num(a["gate-lr"], "gate-lr", false),
    negatives: num(a.negatives, "negatives"),
    gateK: num(a["gate-k"], "gate-k"),
    corruption: num(a.corruption, "corruption", false),
    lazyAdam: a["lazy-adam"],
    patience: num(a.patience, "patience"),
    validEvery: num(a["valid-every"], "valid-every"),
    validRatio: num(a["valid-ratio"], "valid-ratio", false),
  };
}

/** The data set of a spec, with false positives injected at rate `noise` when given. */
export async function loadSpecWithNoise(spec: string, noise: number | undefined, seed: number): Promise<Dataset> {
  const d = await loadDataSpec(spec, seed);
  return noise ? injectNoise(d, noise, seed) : d;
}

export async function loadData(a: Args, seed: number): Promise<Dataset> {
  return loadSpecWithNoise(need(a.data, "data"), num(a.noise, "noise", false), seed);
}
