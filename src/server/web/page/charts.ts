import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { TrafficSecond } from "../../../gen/baton/admin/v1/admin_pb.js";
import { byId } from "./dom.js";
import { duration, ms } from "./format.js";

/** Seconds shown: the server keeps 120. */
const WINDOW_SECONDS = 120;

interface ChartSpec {
  id: string;
  unit: "per-second" | "ms";
  series: Array<{ label: string; color: string; pick: (s: TrafficSecond) => number | null }>;
}

const CHARTS: ChartSpec[] = [
  {
    id: "chart-grants",
    unit: "per-second",
    series: [
      { label: "grants", color: "--accent", pick: (s) => s.grants },
      { label: "expiries", color: "--bad", pick: (s) => s.expiries },
      { label: "abandoned waits", color: "--warn", pick: (s) => s.abandoned },
    ],
  },
  {
    id: "chart-wait",
    unit: "ms",
    series: [
      { label: "wait p50", color: "--accent", pick: (s) => (s.wait?.count ? s.wait.p50Ms : null) },
      { label: "wait p99", color: "--warn", pick: (s) => (s.wait?.count ? s.wait.p99Ms : null) },
    ],
  },
  {
    id: "chart-hold",
    unit: "ms",
    series: [
      { label: "hold p50", color: "--good", pick: (s) => (s.hold?.count ? s.hold.p50Ms : null) },
      { label: "hold p99", color: "--warn", pick: (s) => (s.hold?.count ? s.hold.p99Ms : null) },
    ],
  },
];

/**
 * The three live charts (uPlot): grants, expiries and abandoned waits per second; wait times;
 * hold times (median and 99th percentile of each second), over the last two minutes.
 */
export class Charts {
  private readonly seconds: TrafficSecond[] = [];
  private readonly plots: Array<{ spec: ChartSpec; plot: uPlot }> = [];

  constructor() {
    const css = getComputedStyle(document.documentElement);
    const color = (name: string): string => css.getPropertyValue(name).trim() || "#888";
    for (const spec of CHARTS) {
      const host = byId(spec.id);
      const plot = new uPlot(
        {
          width: Math.max(200, host.clientWidth),
          height: 140,
          legend: { show: true, live: false },
          cursor: { points: { size: 6 } },
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max ?? 0, spec.unit === "ms" ? 1 : 5) * 1.1] } },
          axes: [
            {
              stroke: color("--muted"),
              grid: { stroke: color("--grid") },
              ticks: { stroke: color("--grid") },
              font: "11px system-ui",
              space: 70,
              values: (_u, splits) => splits.map((s) => new Date(s * 1000).toLocaleTimeString([], { hour12: false })),
            },
            {
              stroke: color("--muted"),
              grid: { stroke: color("--grid") },
              ticks: { stroke: color("--grid") },
              font: "11px system-ui",
              size: 60,
              values: (_u, splits) => splits.map((v) => (spec.unit === "ms" ? duration(v) : String(v))),
            },
          ],
          series: [
            {},
            ...spec.series.map((s) => ({
              label: s.label,
              stroke: color(s.color),
              width: 1.5,
              spanGaps: false,
              value: (_u: uPlot, v: number | null) => (v === null ? "–" : spec.unit === "ms" ? duration(v) : `${v}/s`),
            })),
          ],
        },
        [[], ...spec.series.map(() => [])],
        host,
      );
      new ResizeObserver(() => plot.setSize({ width: Math.max(200, host.clientWidth), height: 140 })).observe(host);
      this.plots.push({ spec, plot });
    }
  }

  /** Forgets the seconds shown (the stream is reopened and resends them). */
  clear(): void {
    this.seconds.length = 0;
  }

  /** Adds seconds from the Overview stream and redraws. */
  add(seconds: TrafficSecond[]): void {
    const lastMs = ms(this.seconds.at(-1)?.start) ?? 0;
    for (const s of seconds) if ((ms(s.start) ?? 0) > lastMs) this.seconds.push(s);
    if (this.seconds.length > WINDOW_SECONDS) this.seconds.splice(0, this.seconds.length - WINDOW_SECONDS);
    if (seconds.length === 0) return;
    const xs = this.seconds.map((s) => (ms(s.start) ?? 0) / 1000);
    for (const { spec, plot } of this.plots) {
      plot.setData([xs, ...spec.series.map((series) => this.seconds.map(series.pick))] as uPlot.AlignedData);
    }
  }
}
