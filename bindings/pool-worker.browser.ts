// A pool thread in a browser (a Web Worker): serve parallel kernel calls over the shared memory.
import { serveWorker, type PoolWorkerData } from "./pool.js";

self.onmessage = (e: MessageEvent<PoolWorkerData>) => serveWorker(e.data);
