// A pool thread in Node (worker_threads): serve parallel kernel calls over the shared memory.
import { workerData } from "node:worker_threads";
import { serveWorker, type PoolWorkerData } from "./pool.js";

serveWorker(workerData as PoolWorkerData);
