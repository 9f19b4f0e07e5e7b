// Serves the demo and the parity page (build/web) on localhost, with the cross-origin isolation
// headers a page needs for SharedArrayBuffer. `npm run demo` runs it.
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".map": "application/json", ".png": "image/png" };

export function serve(root: string, port = 0): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(root, path === "/" ? "index.html" : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-embedder-policy": "require-corp",
        "cache-control": "no-store",
      });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

// run as a program (build/serve.js), not when bundled into a test
if (import.meta.url.endsWith("/serve.js") && process.argv[1]?.endsWith("/serve.js")) {
  const root = new URL("./web/", import.meta.url).pathname;
  const server = await serve(root, Number(process.env.PORT ?? 8080));
  const addr = server.address() as { port: number };
  console.log(`ael-wasm demo on http://127.0.0.1:${addr.port}/ (Ctrl-C to stop)`);
}
