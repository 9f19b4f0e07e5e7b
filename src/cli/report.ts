// Human-readable output: per-stage progress bars on stderr and metric tables.
import cliProgress from "cli-progress";
import type { ProgressEvent } from "../train/trainer.js";
import type { MetricTable } from "../eval/metrics.js";

/** One bar per stage on an interactive stderr; otherwise one line when each stage ends. */
export function progressPrinter(): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  const tty = !!process.stderr.isTTY;
  let bar: cliProgress.SingleBar | null = null;
  let stage = "";
  return {
    onProgress(e) {
      if (e.stage !== stage) {
        bar?.stop();
        stage = e.stage;
        if (tty) {
          bar = new cliProgress.SingleBar(
            { format: `${e.stage.padEnd(7)} [{bar}] {value}/{total} epochs  loss {loss}  {duration_formatted} (eta {eta_formatted})`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.epochs, 0, { loss: "…" });
        }
      }
      bar?.update(e.epoch, { loss: e.loss.toExponential(4) });
      if (!tty && e.epoch === e.epochs) process.stderr.write(`${e.stage}: ${e.epochs} epochs, loss ${e.loss.toExponential(4)}, ${e.seconds.toFixed(1)} s\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}

const COLUMNS = ["recall@5", "recall@20", "precision@5", "precision@20", "ndcg@5", "ndcg@20", "ndcg_ref@20", "mrr@20"];

export function metricsTable(variants: Record<string, MetricTable | { mean: MetricTable; std: MetricTable }>): string {
  const rows = Object.entries(variants);
  const cell = (v: MetricTable | { mean: MetricTable; std: MetricTable }, c: string) =>
    "mean" in v && typeof v.mean === "object" ? `${(v.mean as MetricTable)[c].toFixed(4)}±${(v.std as MetricTable)[c].toFixed(4)}` : (v as MetricTable)[c].toFixed(4);
  const width = Math.max(...rows.flatMap(([, v]) => COLUMNS.map((c) => cell(v, c).length)), ...COLUMNS.map((c) => c.length));
  const lines = [["variant".padEnd(10), ...COLUMNS.map((c) => c.padStart(width))].join("  ")];
  for (const [name, v] of rows) lines.push([name.padEnd(10), ...COLUMNS.map((c) => cell(v, c).padStart(width))].join("  "));
  return lines.join("\n");
}
