import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * Charts with uPlot (bundled from node_modules by the console build, no CDN), each drawn into its
 * own container (the section around it carries the title). Time axes are in UTC, as the API's days.
 */

const SIZE = { width: 560, height: 220 };
const ACCENT = '#2563eb';
const DAY_S = 86_400;
const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
const bars = uPlot.paths.bars?.({ size: [0.7, 40] });

export interface ChartSeries {
  label: string;
  values: number[];
  color?: string;
}

function draw(container: HTMLElement, options: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): uPlot {
  container.replaceChildren();
  return new uPlot({ ...SIZE, ...options }, data, container);
}

function barSeries(series: ChartSeries): uPlot.Series {
  const color = series.color ?? ACCENT;
  return { label: series.label, stroke: color, fill: `${color}55`, ...(bars ? { paths: bars } : {}), points: { show: false } };
}

/** Bars per UTC day: `days` are `YYYY-MM-DD`. */
export function dailyBars(container: HTMLElement, days: readonly string[], series: ChartSeries): uPlot {
  const xs = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
  return draw(container, { tzDate: utc, scales: { x: { time: true } }, axes: [{}, { size: 50 }], series: [{}, barSeries(series)] }, [xs, series.values]);
}

/** Bars over named categories (score buckets). */
export function categoryBars(container: HTMLElement, categories: readonly string[], series: ChartSeries): uPlot {
  const xs = categories.map((_, index) => index);
  return draw(
    container,
    {
      scales: { x: { time: false, range: [-0.5, categories.length - 0.5] } },
      axes: [{ splits: () => xs, values: (_u, ticks) => ticks.map((tick) => categories[tick] ?? '') }, { size: 50 }],
      series: [{}, barSeries(series)],
      legend: { show: false },
    },
    [xs, series.values],
  );
}

/** A line over time (instants as ISO text) within a fixed value range, e.g. a driver's score history. */
export function timeLine(container: HTMLElement, instants: readonly string[], series: ChartSeries, range: [number, number]): uPlot {
  const xs = instants.map((instant) => Date.parse(instant) / 1000);
  return draw(
    container,
    {
      tzDate: utc,
      // A single score has no span: show the days around it rather than uPlot's years.
      scales: { x: { time: true, ...(xs.length === 1 && xs[0] !== undefined ? { auto: false, range: [xs[0] - DAY_S, xs[0] + DAY_S] } : {}) }, y: { range } },
      axes: [{}, { size: 50 }],
      series: [{}, { label: series.label, stroke: series.color ?? ACCENT, width: 2, points: { show: true, size: 6 } }],
    },
    [xs, series.values],
  );
}
