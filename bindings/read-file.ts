// Reading a .wasm from a file: URL (Node). Browser bundles swap in read-file.browser.ts, so no
// bundler ever sees a node: import.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export async function readWasmFile(url: URL): Promise<{ bytes: Uint8Array; path: string }> {
  const path = fileURLToPath(url);
  return { bytes: new Uint8Array(await readFile(path)), path };
}
