import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * Charts with uPlot (bundled from node_modules by the console build, no CDN). Each chart is drawn
 * into its own container, which keeps the chart in `chart` for the browser test and for redraws.
 */

const WIDTH = 560;
const HEIGHT = 220;
const ACCENT = '#2563eb';
const DAY_S = 86_400;

const bars = uPlot.paths.bars?.({ size: [0.7, 40] });

export interface ChartSeries {
  label: string;
  values: number[];
  color?: string;
}

function draw(container: HTMLElement, options: uPlot.Options, data: uPlot.AlignedData): uPlot {
  container.replaceChildren();
  return new uPlot(options, data, container);
}

/** Bars per UTC day: `days` are `YYYY-MM-DD`. */
export function dailyBars(container: HTMLElement, title: string, days: readonly string[], series: ChartSeries): uPlot {
  const xs = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
  return draw(
    container,
    {
      title,
      width: WIDTH,
      height: HEIGHT,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: { x: { time: true } },
      axes: [{}, { size: 50 }],
      series: [{}, { label: series.label, stroke: series.color ?? ACCENT, fill: `${series.color ?? ACCENT}55`, ...(bars ? { paths: bars } : {}), points: { show: false } }],
      legend: { show: true },
    },
    [xs, series.values],
  );
}

/** Bars over named categories (score buckets, event types). */
export function categoryBars(container: HTMLElement, title: string, categories: readonly string[], series: ChartSeries): uPlot {
  const xs = categories.map((_, index) => index);
  return draw(
    container,
    {
      title,
      width: WIDTH,
      height: HEIGHT,
      scales: { x: { time: false, range: [-0.5, categories.length - 0.5] } },
      axes: [{ splits: () => xs, values: (_u, ticks) => ticks.map((tick) => categories[tick] ?? '') }, { size: 50 }],
      series: [{}, { label: series.label, stroke: series.color ?? ACCENT, fill: `${series.color ?? ACCENT}55`, ...(bars ? { paths: bars } : {}), points: { show: false } }],
      legend: { show: false },
    },
    [xs, series.values],
  );
}

/** A line over time (instants as ISO text), e.g. a driver's score history. */
export function timeLine(container: HTMLElement, title: string, instants: readonly string[], series: ChartSeries, range: [number, number]): uPlot {
  const xs = instants.map((instant) => Date.parse(instant) / 1000);
  return draw(
    container,
    {
      title,
      width: WIDTH,
      height: HEIGHT,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      // A single score has no span: show the day around it rather than uPlot's years.
      scales: { x: { time: true, ...(xs.length === 1 ? { range: (_u, min, max) => [min - DAY_S, max + DAY_S] } : {}) }, y: { range } },
      axes: [{}, { size: 50 }],
      series: [{}, { label: series.label, stroke: series.color ?? ACCENT, width: 2, points: { show: true, size: 6 } }],
    },
    [xs, series.values],
  );
}
