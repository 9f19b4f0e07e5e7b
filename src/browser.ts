// ael-wasm for browsers (and any runtime without Node's fs): the same API, data from text.
export { train, checkDataset, type TrainOptions, type TrainResult } from "./api.js";
export { Recommender, type Recommendation, type RecommendationTable, type RecommendQuery, type RecommendAllOptions, type Manifest, FORMAT, FORMAT_VERSION } from "./recommender.js";
export { resolveConfig, DEFAULTS, type TrainConfig } from "./train/config.js";
export type { ProgressEvent, TrainHooks, TrainSnapshot } from "./train/trainer.js";
export type { StageValidation } from "./train/early-stopping.js";
export { type EvalResult } from "./eval/evaluate.js";
export { CUTOFFS, METRICS, MetricSums, type MetricTable } from "./eval/metrics.js";
export { variantNames, expertNames } from "./eval/variants.js";
export { type Dataset } from "./data/dataset.js";
export { type Csr, csrFromPairs } from "./data/csr.js";
export { movielens, deca, csv, splitByRatio, type TextFile } from "./data/sources.js";
export { synthetic, SYNTHETIC_DEFAULTS, type SyntheticOptions } from "./data/synthetic.js";
export { injectNoise } from "./data/noise.js";
export { parseInteractions } from "./data/parse.js";
export { encodeSafetensors, decodeSafetensors } from "./io/safetensors.js";
export { AelError, DataError, ConfigError, NumericsError, CheckpointError, AbortError } from "./errors.js";
export { TrainingWorker, type DataSource, type TrainSummary, type WorkerTrainOptions } from "./web/client.js";
export * from "../bindings/index.js";
