// Typed errors: each says what was wrong, where, and what was expected.

export class AelError extends Error {
  override name = "AelError";
}

/** A data file (or in-memory interaction list) that cannot be used as given. */
export class DataError extends AelError {
  override name = "DataError";
  constructor(message: string, readonly file?: string, readonly line?: number, readonly field?: string) {
    super(file ? `${file}${line !== undefined ? `:${line}` : ""}${field ? ` (${field})` : ""}: ${message}` : message);
  }
}

/** An option outside its allowed range, or a configuration that cannot run. */
export class ConfigError extends AelError {
  override name = "ConfigError";
}

/** NaN or Inf appeared in training. */
export class NumericsError extends AelError {
  override name = "NumericsError";
}

/** A checkpoint that is missing, truncated, foreign, of another version, or inconsistent. */
export class CheckpointError extends AelError {
  override name = "CheckpointError";
}

/** Training was cancelled through its AbortSignal. */
export class AbortError extends AelError {
  override name = "AbortError";
}
