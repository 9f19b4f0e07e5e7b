// Errors raised by the bindings. Each names what was wrong and what to do.

/** The .wasm could not be found, fetched, validated or matched to this build of the bindings. */
export class WasmLoadError extends Error {
  override name = "WasmLoadError";
}

/** A request would exceed what a 32-bit WebAssembly memory can address (4 GiB). */
export class WasmMemoryError extends Error {
  override name = "WasmMemoryError";
  constructor(readonly bytesNeeded: number, readonly bytesAvailable: number, what: string) {
    super(
      `${what} needs ${formatBytes(bytesNeeded)} (${bytesNeeded} bytes) of WebAssembly memory, ` +
        `but at most ${formatBytes(bytesAvailable)} can be addressed; use a smaller configuration`,
    );
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
