// A loss curve on a canvas: enough for one line per stage, with no charting dependency.
export function drawCurve(canvas: HTMLCanvasElement, values: number[]): void {
  const dpr = globalThis.devicePixelRatio || 1;
  const w = canvas.clientWidth * dpr, h = canvas.clientHeight * dpr;
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const g = canvas.getContext("2d")!;
  g.clearRect(0, 0, w, h);
  if (values.length < 2) return;
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  g.strokeStyle = "#4a7bb7";
  g.lineWidth = 1.5 * dpr;
  g.beginPath();
  values.forEach((v, i) => {
    const x = (i / (values.length - 1)) * (w - 4 * dpr) + 2 * dpr;
    const y = h - 2 * dpr - ((v - lo) / span) * (h - 4 * dpr);
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
}
