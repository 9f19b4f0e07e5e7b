import { hasPair, type Csr } from "./csr.js";

/** The source's own ids of the users and items, by index, where a loader renumbered them. */
export interface DataIds {
  readonly users: readonly string[];
  readonly items: readonly string[];
}

/** A split interaction data set with declared counts. */
export interface Dataset {
  readonly name: string;
  readonly users: number;
  readonly items: number;
  readonly train: Csr;
  readonly test: Csr;
  readonly valid?: Csr;
  /** Planted noisy (user, item) pairs in train, when known (synthetic data, noise injection). */
  readonly noisy?: Csr;
  /** Per-user planted noise rate (synthetic data). */
  readonly noiseRate?: Float32Array;
  /** Duplicate interactions dropped while loading. */
  readonly duplicates?: number;
  /** The file's ids (CSV data, whose ids are renumbered 0…n−1 in order of first appearance). */
  readonly ids?: DataIds;
}

/** What a user should know about a data set before trusting its metrics. */
export interface DatasetNotes {
  duplicates: number;
  usersWithoutTrain: number;
  testUsersWithoutTrain: number;
  /** Test interactions that are training interactions too: ranking excludes those items, so none can be hit. */
  testInTrain: number;
}

export function datasetNotes(d: Dataset): DatasetNotes {
  let usersWithoutTrain = 0, testUsersWithoutTrain = 0, testInTrain = 0;
  for (let u = 0; u < d.users; u++) {
    const noTrain = d.train.rowptr[u + 1] === d.train.rowptr[u];
    if (noTrain) usersWithoutTrain++;
    if (noTrain && d.test.rowptr[u + 1] > d.test.rowptr[u]) testUsersWithoutTrain++;
    for (let j = d.test.rowptr[u]; j < d.test.rowptr[u + 1]; j++) if (hasPair(d.train, u, d.test.cols[j])) testInTrain++;
  }
  return { duplicates: d.duplicates ?? 0, usersWithoutTrain, testUsersWithoutTrain, testInTrain };
}

export function describeNotes(n: DatasetNotes): string[] {
  const out: string[] = [];
  if (n.duplicates) out.push(`${n.duplicates} duplicate interactions were dropped (each pair counts once)`);
  if (n.usersWithoutTrain) out.push(`${n.usersWithoutTrain} users have no training interactions (they train on sampled negatives only)`);
  if (n.testUsersWithoutTrain) out.push(`${n.testUsersWithoutTrain} test users have no training interactions (scored from their embedding alone)`);
  if (n.testInTrain) out.push(`${n.testInTrain} test interactions are training interactions too (ranking excludes training items, so each counts as a miss)`);
  return out;
}
