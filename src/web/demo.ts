// The demo page: pick data and a schedule, train in the worker, watch progress and loss curves,
// then read the gate's routing, the metrics of every variant, ask for recommendations, and take
// the model and every user's recommendations away; or profile the kernels on a short run.
import { TrainingWorker } from "./client.js";
import { recommendationCsv } from "../io/recommendations.js";
import type { DataIds } from "../data/dataset.js";
import type { DataSource, RunCheckpoint, TrainSummary, WorkerTrainOptions } from "./protocol.js";
import { forgetRun, keepCheckpoint, savedRun, startRun } from "./saved-run.js";
import type { ProgressEvent } from "../train/trainer.js";
import { drawCurve } from "./plot.js";
import { achieved, headline, type ProfileReport } from "../profile/profile.js";
import { MAX_THREADS } from "../../bindings/core.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const worker = new TrainingWorker(new URL("./worker.js", import.meta.url));
const curves = new Map<string, { bar: HTMLProgressElement; canvas: HTMLCanvasElement; text: HTMLElement; losses: number[] }>();
let drawPending = false;
/** The trained data's own ids (CSV data), which the recommend panel speaks in, and its items' indices by id. */
let ids: DataIds | undefined;
let itemIndex = new Map<string, number>();
const itemName = (i: number) => ids?.items[i] ?? String(i);

$("source").addEventListener("change", () => ($("files-label").hidden = $<HTMLSelectElement>("source").value !== "files"));

async function dataSource(): Promise<DataSource> {
  if ($<HTMLSelectElement>("source").value === "synthetic") return { kind: "synthetic" };
  const files = await Promise.all(Array.from($<HTMLInputElement>("files").files ?? []).map(async (f) => ({ name: f.name, text: await f.text() })));
  if (!files.length) throw new Error("choose one or more files first");
  const named = (re: RegExp) => files.find((f) => re.test(f.name));
  if (named(/u\d\.base$|u\.data$/)) return { kind: "ml100k", files };
  const tr = named(/\.train\.rating$/), te = named(/\.test\.negative$/);
  if (tr) return { kind: "deca", train: tr, test: te };
  return { kind: "csv", train: files[0], test: files[1] };
}

function stageRow(stage: string, epoch: number) {
  let c = curves.get(stage);
  if (c) return c;
  const row = document.createElement("div");
  row.className = "stage";
  // where this page's view of the stage begins: past 1 when a run resumes mid-stage
  row.dataset.firstEpoch = String(epoch);
  row.innerHTML = `<b>${stage}</b><progress value="0" max="1"></progress><canvas></canvas><span class="loss"></span>`;
  $("stages").append(row);
  c = { bar: row.querySelector("progress")!, canvas: row.querySelector("canvas")!, text: row.querySelector(".loss")!, losses: [] };
  curves.set(stage, c);
  return c;
}

function onProgress(e: ProgressEvent): void {
  const c = stageRow(e.stage, e.epoch);
  c.bar.max = e.epochs;
  c.bar.value = e.epoch;
  c.losses.push(e.loss);
  c.text.textContent = `epoch ${e.epoch}/${e.epochs} · loss ${e.loss.toExponential(3)} · ${e.seconds.toFixed(1)} s`;
  if (!drawPending) {
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      for (const v of curves.values()) drawCurve(v.canvas, v.losses);
    });
  }
}

/** Text from a data file, safe inside HTML. */
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function bars(title: string, shares: Record<string, number>): string {
  const rows = Object.entries(shares).sort((a, b) => b[1] - a[1]);
  return `<h3>${title}</h3>` + rows.map(([k, v]) => `<div class="bar"><span>${k}</span><span class="fill" style="width:${(v * 100).toFixed(1)}%"></span><span>${(v * 100).toFixed(1)}%</span></div>`).join("");
}

function show(s: TrainSummary): void {
  $("status").textContent = `${s.dataset.name}: ${s.dataset.users} users × ${s.dataset.items} items, ${s.dataset.train} interactions, ${s.dataset.testUsers} test users · ${s.flavour} core, ${s.threads} thread${s.threads > 1 ? "s" : ""} · ` +
    Object.entries(s.timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ") + ` · weights ${s.weightsChecksum}`;
  $("routes").innerHTML = bars("all users", s.routing.pairs) + Object.entries(s.routing.byNoise ?? {}).map(([lvl, sh]) => bars(`users with planted ${lvl}`, sh)).join("");
  $("routing").hidden = false;
  const cols = ["recall@5", "recall@20", "precision@5", "precision@20", "ndcg@5", "ndcg@20", "ndcg_ref@20", "mrr@20"];
  $("metrics").innerHTML = `<table id="metrics-table"><tr><th>variant</th>${cols.map((c) => `<th>${c}</th>`).join("")}</tr>` +
    Object.entries(s.variants).map(([v, m]) => `<tr><td>${v}</td>${cols.map((c) => `<td>${m[c].toFixed(4)}</td>`).join("")}</tr>`).join("") + "</table>";
  $("results").hidden = false;
  $<HTMLSelectElement>("variant").innerHTML = Object.keys(s.variants).map((v) => `<option${v === "gate_k2" ? " selected" : ""}>${v}</option>`).join("");
  ids = s.ids;
  itemIndex = new Map(ids?.items.map((id, i) => [id, i]));
  $("users").innerHTML = "Training users: " + s.sampleHistories.map((h) => `<button data-user="${h.user}" title="${escape(h.items.map(itemName).join(", "))}">user ${escape(ids?.users[h.user] ?? String(h.user))}</button>`).join("");
  $("recommend").hidden = false;
}

/** Epochs between the checkpoints a run leaves in IndexedDB. */
const CHECKPOINT_EVERY = 25;

/** Train (or resume) in the worker, keeping the run's latest checkpoint until it finishes. */
async function run(data: DataSource, options: WorkerTrainOptions, resumed = false): Promise<void> {
  curves.clear();
  $("stages").innerHTML = "";
  // one job at a time in the worker: a profile beside a training would time both
  $<HTMLButtonElement>("train").disabled = $<HTMLButtonElement>("profile").disabled = true;
  $<HTMLButtonElement>("resume").hidden = true;
  $<HTMLButtonElement>("cancel").disabled = false;
  $("status").textContent = "training…";
  // one write at a time; checkpoints that arrive meanwhile give way to the newest, so a fast
  // run is never held up by its saves
  const unsaved = (e: Error) => void ($("saved").textContent = `not saved: ${e.message}`);
  let stored = resumed; // whether storage holds this run
  let newest: RunCheckpoint | undefined;
  let saving = resumed ? Promise.resolve() : startRun(data).then(() => void (stored = true), unsaved);
  let flushing = false;
  const keep = (checkpoint: RunCheckpoint) => {
    newest = checkpoint;
    if (flushing) return;
    flushing = true;
    saving = saving.then(async () => {
      for (let c = newest; c; c = newest) {
        newest = undefined;
        await keepCheckpoint(c);
        stored = true;
        $("saved").textContent = `saved at ${c.stage}, epoch ${c.epoch}: a reload resumes from there`;
      }
    }).catch(unsaved).finally(() => (flushing = false));
  };
  try {
    const summary = await worker.train(data, { ...options, checkpointEvery: CHECKPOINT_EVERY }, onProgress, keep);
    await saving;
    if (stored) {
      $("saved").textContent = "";
      // the run is done whether or not storage lets go of it
      await forgetRun().catch((e: Error) => void ($("saved").textContent = `the finished run is still stored: ${e.message}`));
    }
    show(summary);
    (globalThis as Record<string, unknown>).__aelSummary = summary;
  } catch (e) {
    $("status").textContent = `${(e as Error).name}: ${(e as Error).message}`;
  } finally {
    $<HTMLButtonElement>("train").disabled = $<HTMLButtonElement>("profile").disabled = false;
    $<HTMLButtonElement>("cancel").disabled = true;
  }
}

$("train").addEventListener("click", async () => {
  const [epochs, gate] = $<HTMLSelectElement>("schedule").value.split(":");
  try {
    await run(await dataSource(), { epochs: epochs.split(",").map(Number), gateEpochs: Number(gate), seed: Number($<HTMLInputElement>("seed").value) });
  } catch (e) {
    $("status").textContent = `${(e as Error).name}: ${(e as Error).message}`;
  }
});

// an unfinished run from an earlier visit can go on where its last checkpoint left it
savedRun().then((saved) => {
  document.body.dataset.savedRun = saved ? "found" : "none";
  if (!saved) return;
  const button = $<HTMLButtonElement>("resume");
  button.textContent = `Resume the unfinished run (${saved.checkpoint.stage}, epoch ${saved.checkpoint.epoch})`;
  button.hidden = false;
  button.onclick = () => run(saved.data, { resume: saved.checkpoint.bytes }, true);
}, (e: Error) => ($("saved").textContent = `saved runs are unavailable: ${e.message}`));

$("cancel").addEventListener("click", () => worker.cancel());

/** Save what `parts` gives as a file named `name`, or say in the status line why not. */
async function download(name: string, type: string, parts: () => Promise<BlobPart[]>): Promise<void> {
  try {
    const url = URL.createObjectURL(new Blob(await parts(), { type }));
    const a = Object.assign(document.createElement("a"), { href: url, download: name });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (e) {
    $("status").textContent = `${(e as Error).name}: ${(e as Error).message}`;
  }
}

$("download").addEventListener("click", () => download("model.safetensors", "application/octet-stream", async () => [await worker.model()]));

$("download-all").addEventListener("click", () =>
  download("recommendations.csv", "text/csv", async () => {
    const table = await worker.recommendAll(Number($<HTMLInputElement>("k").value), $<HTMLSelectElement>("variant").value);
    return [...recommendationCsv(table, ids)];
  }),
);

async function recommend(who: { user: number } | { items: number[] }) {
  const k = Number($<HTMLInputElement>("k").value);
  try {
    const r = await worker.recommend(who, k, $<HTMLSelectElement>("variant").value);
    $("recs").innerHTML = r.items.map((it, i) => `<li>item ${escape(itemName(it))} <small>(${r.scores[i].toFixed(4)})</small></li>`).join("");
  } catch (e) {
    $("recs").innerHTML = `<li>${escape((e as Error).message)}</li>`;
  }
}

$("go").addEventListener("click", () => {
  const typed = $<HTMLInputElement>("items").value.split(/[\s,]+/).filter(Boolean);
  const unknown = ids ? typed.filter((id) => !itemIndex.has(id)) : [];
  if (unknown.length) {
    $("recs").innerHTML = `<li>not items of the data: ${escape(unknown.join(", "))}</li>`;
    return;
  }
  recommend({ items: typed.map((id) => itemIndex.get(id) ?? Number(id)) });
});
$("users").addEventListener("click", (ev) => {
  const u = (ev.target as HTMLElement).dataset.user;
  if (u !== undefined) recommend({ user: Number(u) });
});

// several threads share memory only in a cross-origin isolated page
const allCores = $<HTMLOptionElement>("profile-all-cores");
allCores.value = String(globalThis.crossOriginIsolated ? Math.min(navigator.hardwareConcurrency || 1, MAX_THREADS) : 1);
allCores.disabled = !globalThis.crossOriginIsolated;
allCores.textContent = globalThis.crossOriginIsolated ? `all cores (${allCores.value})` : "all cores (this page is not cross-origin isolated)";

function showProfile(p: ProfileReport): void {
  const c = p.ceilings;
  $("profile-status").textContent = headline(p);
  $("profile-kernels").innerHTML = `<table id="profile-table"><tr><th>kernel</th><th>calls</th><th>total ms</th><th>share</th><th>achieved</th></tr>` +
    p.kernels.map((r) => `<tr><td title="${escape(r.note ?? "")}">${escape(r.kernel)}</td><td>${r.calls}</td><td>${r.ms.toFixed(1)}</td><td>${(100 * r.share).toFixed(1)}%</td><td>${achieved(r, c)}</td></tr>`).join("") + "</table>";
  const e = p.stage0_fastest_epoch;
  $("profile-epoch").innerHTML = !e ? "" : `<h3>stage 0, fastest epoch (${e.epoch}): ${e.step_us.toFixed(0)} µs per step over ${e.steps} steps</h3><table id="profile-step"><tr><th>kernel</th><th>per step</th><th>share</th></tr>` +
    [...e.kernels.map((k) => [k.kernel, k.us_per_step] as const), ["outside the kernels", e.outside_us_per_step] as const].map(([name, us]) => `<tr><td>${escape(name)}</td><td>${us.toFixed(1)} µs</td><td>${((100 * us) / e.step_us).toFixed(1)}%</td></tr>`).join("") + "</table>";
}

$("profile").addEventListener("click", async () => {
  const buttons = ["profile", "train", "resume"].map((id) => $<HTMLButtonElement>(id));
  for (const b of buttons) b.disabled = true;
  $("profile-status").textContent = "profiling…";
  try {
    const report = await worker.profile(await dataSource(), { flavour: $<HTMLSelectElement>("profile-flavour").value as ProfileReport["flavour"], threads: Number($<HTMLSelectElement>("profile-threads").value) });
    showProfile(report);
    (globalThis as Record<string, unknown>).__aelProfile = report;
  } catch (e) {
    $("profile-status").textContent = `${(e as Error).name}: ${(e as Error).message}`;
  } finally {
    for (const b of buttons) b.disabled = false;
  }
});
