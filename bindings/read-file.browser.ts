// Browsers have no file system: a file: URL means the page was opened from disk.
export async function readWasmFile(url: URL): Promise<{ bytes: Uint8Array; path: string }> {
  throw new Error(`cannot read ${url.href} in a browser: serve the page over http(s), or pass wasmBinary`);
}
