// Checkpoints on disk: DIR/model.safetensors (weights, training rows and the manifest in its
// metadata) and DIR/model.json (the same manifest, for people and tools). Each file is written
// to a temporary name and renamed over the old one, so a crash leaves the previous checkpoint.
import { mkdir, readFile, rename, writeFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Core } from "../../bindings/index.js";
import { CheckpointError } from "../errors.js";
import { Recommender } from "../recommender.js";
import type { TrainSnapshot } from "../train/trainer.js";
import { decodeCheckpoint, encodeRunCheckpoint, manifestOf, trainingPosition, type CheckpointParts, type RunInfo } from "./format.js";

export async function writeAtomic(path: string, bytes: Uint8Array | string | Iterable<string>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function saveCheckpoint(rec: Recommender, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  // the weights carry their own manifest, so they are valid alone: write them first
  await writeAtomic(join(dir, "model.safetensors"), rec.toSafetensors());
  await writeAtomic(join(dir, "model.json"), JSON.stringify(rec.manifest(), null, 2) + "\n");
}

/** Write the state of an unfinished run (as saveCheckpoint writes a finished model). */
export async function saveTrainingCheckpoint(dir: string, snap: TrainSnapshot, info: RunInfo): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, "model.safetensors"), encodeRunCheckpoint(info, snap));
  await writeAtomic(join(dir, "model.json"), JSON.stringify({ ...manifestOf(info, snap.params), training: trainingPosition(snap) }, null, 2) + "\n");
}

export async function readCheckpoint(dir: string): Promise<CheckpointParts> {
  const file = join(dir, "model.safetensors");
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new CheckpointError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeCheckpoint(bytes, file);
}

export async function loadCheckpoint(core: Core, dir: string): Promise<Recommender> {
  return Recommender.fromParts(core, await readCheckpoint(dir));
}
