// Human-readable output: per-stage progress bars on stderr and metric tables.
import cliProgress from "cli-progress";
import type { ProgressEvent } from "../train/trainer.js";
import type { MetricTable } from "../eval/metrics.js";

/** One bar per stage on an interactive stderr; otherwise one line when each stage ends. */
export function progressPrinter(): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  const tty = !!process.stderr.isTTY;
  let bar: cliProgress.SingleBar | null = null;
  let last: ProgressEvent | null = null;
  let valid = "";
  // without a terminal, one line per stage when it ends (early stopping may end it before its last epoch)
  const endStage = () => {
    bar?.stop();
    if (!tty && last) process.stderr.write(`${last.stage}: ${last.epoch} of ${last.epochs} epochs, loss ${last.loss.toExponential(4)}${valid}, ${last.seconds.toFixed(1)} s\n`);
  };
  return {
    onProgress(e) {
      if (e.stage !== last?.stage) {
        endStage();
        valid = "";
        if (tty) {
          bar = new cliProgress.SingleBar(
            { format: `${e.stage.padEnd(7)} [{bar}] {value}/{total} epochs  loss {loss}{valid}  {duration_formatted} (eta {eta_formatted})`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.epochs, 0, { loss: "…", valid });
        }
      }
      last = e;
      if (e.validRecall !== undefined) valid = `  valid R@20 ${e.validRecall.toFixed(4)}`;
      bar?.update(e.epoch, { loss: e.loss.toExponential(4), valid });
    },
    stop() {
      endStage();
      last = null;
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
