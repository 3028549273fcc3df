import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartSeries {
  label: string;
  /** A CSS custom property (`--failed`) or a color. */
  color: string;
  values: Array<number | null>;
}

/** A CSS variable's value on the page (uPlot draws on a canvas, which cannot read `var(...)`). */
function cssColor(el: Element, color: string): string {
  return color.startsWith("--") ? getComputedStyle(el).getPropertyValue(color).trim() || "#888" : color;
}

/**
 * One uPlot line chart over time: `times` in ms, one line per series. Built once per series
 * layout and fed new data with `setData`, so a live refresh never rebuilds the canvas.
 */
export function TimeChart({ title, times, series, unit }: { title: string; times: number[]; series: ChartSeries[]; unit?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // A line with gaps (no value where nothing happened) shows its points, or a lone value would not show at all.
  const gappy = series.map((s) => s.values.some((v) => v === null));
  const layout = series.map((s, i) => `${s.label}:${s.color}:${gappy[i]}`).join("|");

  // Rebuilt only when the lines themselves change (`layout`: their labels and colors); data goes through setData below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `layout` stands for what the effect reads of `series`
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const text = cssColor(el, "--muted");
    const grid = cssColor(el, "--border");
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 180,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, ...(unit === "%" ? { y: { range: [0, 100] as uPlot.Range.MinMax } } : {}) },
      axes: [axis, { ...axis, size: 68, values: (_u, ticks) => ticks.map((v) => `${formatValue(v)}${unit ?? ""}`) }],
      series: [
        {},
        ...series.map((s, i) => ({ label: s.label, stroke: cssColor(el, s.color), width: 2, points: { show: gappy[i], size: 5 }, spanGaps: false })),
      ],
    };
    const chart = new uPlot(opts, [[], ...series.map(() => [])], el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(280, el.clientWidth), height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [layout, unit]);

  useEffect(() => {
    plot.current?.setData([times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);

  // What the chart was fed, per line (`started:5 failed:2`): tests read it, people see the lines.
  const sums = series.map((s) => `${s.label}:${s.values.reduce<number>((a, v) => a + (v ?? 0), 0)}`).join(" ");
  return (
    <figure className="card chart" data-sums={sums}>
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-canvas" />
    </figure>
  );
}

function formatValue(v: number): string {
  if (Math.abs(v) >= 1000) return `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 2 : 1);
}
