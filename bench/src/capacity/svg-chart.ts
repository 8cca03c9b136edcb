/**
 * Inline-SVG line charts for the capacity report. No chart library and no script, so the report is one
 * file that opens offline; the page's styles colour the text, the chart only lays it out.
 */

export interface ChartSeries {
  name: string;
  /** one value per entry of the chart's `t`; null (or NaN/Infinity) = no sample, drawn as a gap */
  values: ReadonlyArray<number | null | undefined>;
  color?: string;
  dashed?: boolean;
}

export interface PhaseBand {
  name: string;
  fromS: number;
  toS: number;
}

export interface LineChartSpec {
  title: string;
  unit: string;
  /** seconds since start */
  t: readonly number[];
  series: readonly ChartSeries[];
  phases: readonly PhaseBand[];
  /** 'auto' goes logarithmic when the data spans two decades or more, so a spike does not flatten the p50 */
  scale?: 'linear' | 'log' | 'auto';
}

/** Tableau 10: tells ten lines apart; past ten, colours repeat with a dash pattern. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const DASH_CYCLE = ['', '7 3', '2 2'];

const WIDTH = 960;
const HEIGHT = 280;
const MARGIN = { left: 64, right: 18, top: 36, bottom: 38 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Past two points per pixel a line only gets heavier, not more precise: keep one min/max pair per pixel. */
const DOWNSAMPLE_BUCKETS = PLOT_W;
/** Keeps the arithmetic finite: a 1e308 sample would overflow the nice-tick maths. */
const MAX_ABS_VALUE = 1e300;
const LABEL_CHAR_PX = 6.8; // bold 11 px sans, a little generous

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML and SVG content and attributes; also drops control characters that XML forbids. */
export function escapeXml(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

export function finiteOrNull(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return Math.max(-MAX_ABS_VALUE, Math.min(MAX_ABS_VALUE, value));
}

/**
 * Short human number: 12, 0.25, 1.5k, 40k, 2.1M; exponent form only for absurd magnitudes.
 * `magnitude` picks the suffix, so an axis passes its largest tick and reads 0, 5k, 10k, 15k rather than 5000, 10k.
 */
export function formatNumber(value: number, step = 0, magnitude = Math.abs(value)): string {
  const abs = Math.abs(value);
  if (abs >= 1e15) return value.toPrecision(3);
  if (value === 0) return '0';
  // 'k' only from 10,000 up: "2500" reads better than "2.5k"
  for (const [from, unit, suffix] of [[1e12, 1e12, 'T'], [1e9, 1e9, 'G'], [1e6, 1e6, 'M'], [1e4, 1e3, 'k']] as const) {
    if (magnitude >= from) return `${trimZeros((value / unit).toFixed(2))}${suffix}`;
  }
  // one decimal more than the step's magnitude covers steps like 0.25; trimZeros drops the surplus
  const decimals = step > 0 && step < 1 ? Math.min(8, Math.ceil(-Math.log10(step)) + 1) : abs > 0 && abs < 10 ? 2 : abs < 100 ? 1 : 0;
  return trimZeros(value.toFixed(decimals));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

type Point = { t: number; v: number } | null; // null marks a gap

/** Min and max of each bucket, in time order, so spikes survive; a bucket with no sample stays a gap. */
function downsample(points: Point[], buckets: number): Point[] {
  if (points.length <= 2 * buckets) return points;
  const out: Point[] = [];
  const size = points.length / buckets;
  for (let b = 0; b < buckets; b++) {
    let lowest: Point = null;
    let highest: Point = null;
    for (let i = Math.floor(b * size); i < Math.floor((b + 1) * size); i++) {
      const p = points[i];
      if (!p) continue;
      if (!lowest || p.v < lowest.v) lowest = p;
      if (!highest || p.v > highest.v) highest = p;
    }
    if (!lowest || !highest) out.push(null);
    else if (lowest === highest) out.push(lowest);
    else out.push(...(lowest.t <= highest.t ? [lowest, highest] : [highest, lowest]));
  }
  return out;
}

function tickStep(span: number, targetTicks: number): number {
  const raw = span / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  return (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
}

function multiplesWithin(lo: number, hi: number, step: number): number[] {
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9) && ticks.length < 50; k++) ticks.push(k * step);
  return ticks;
}

interface Axis {
  toPx: (value: number) => number;
  ticks: number[];
  step: number;
  log: boolean;
}

function linearAxis(lo: number, hi: number, pxFrom: number, pxTo: number, targetTicks: number, extendToTicks: boolean): Axis {
  if (!(hi > lo)) hi = lo + 1;
  const step = tickStep(hi - lo, targetTicks);
  if (extendToTicks) {
    lo = Math.floor(lo / step) * step;
    const niceHi = Math.ceil(hi / step) * step;
    if (Number.isFinite(niceHi)) hi = niceHi;
  }
  const span = hi - lo;
  return { toPx: (v) => pxFrom + ((v - lo) / span) * (pxTo - pxFrom), ticks: multiplesWithin(lo, hi, step), step, log: false };
}

function logAxis(minPositive: number, max: number, pxFrom: number, pxTo: number): Axis {
  const lowDecade = Math.floor(Math.log10(minPositive));
  const highDecade = Math.max(lowDecade + 1, Math.ceil(Math.log10(max)));
  const ticks: number[] = [];
  const multiples = highDecade - lowDecade <= 2 ? [1, 2, 5] : [1];
  for (let d = lowDecade; d <= highDecade; d++) for (const m of multiples) if (d < highDecade || m === 1) ticks.push(m * 10 ** d);
  const span = highDecade - lowDecade;
  // values at or below zero sit on the bottom edge rather than vanish
  const toPx = (v: number): number => pxFrom + ((Math.log10(Math.max(v, 10 ** lowDecade)) - lowDecade) / span) * (pxTo - pxFrom);
  return { toPx, ticks, step: 0, log: true };
}

/** Rounds to 0.1 px: enough for a 960 px chart, and keeps the path text short. */
function px(value: number): number {
  return Math.round(value * 10) / 10;
}

function seriesStyle(series: ChartSeries, index: number): { color: string; dash: string } {
  const color = escapeXml(series.color ?? PALETTE[index % PALETTE.length] ?? '#000');
  const cycleDash = DASH_CYCLE[Math.floor(index / PALETTE.length) % DASH_CYCLE.length] ?? '';
  return { color, dash: series.dashed ? '7 3' : cycleDash };
}

/** One path per series with relative moves (shorter text); a lone sample between gaps becomes a dot. */
function seriesMarkup(points: Point[], x: Axis, y: Axis, color: string, dash: string): string {
  let path = '';
  let dots = '';
  let run: Array<[number, number]> = [];
  const flush = (): void => {
    const [first, ...rest] = run;
    if (first && rest.length === 0) dots += `<circle cx="${first[0]}" cy="${first[1]}" r="2.5" fill="${color}"/>`;
    else if (first) {
      path += `M${first[0]} ${first[1]}l`;
      let [prevX, prevY] = first;
      for (const [cx, cy] of rest) {
        path += `${px(cx - prevX)} ${px(cy - prevY)} `;
        [prevX, prevY] = [cx, cy];
      }
    }
    run = [];
  };
  for (const p of points) {
    if (p) run.push([px(x.toPx(p.t)), px(y.toPx(p.v))]);
    else flush();
  }
  flush();
  const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
  return (path ? `<path d="${path.trim()}" fill="none" stroke="${color}" stroke-width="1.5" stroke-linejoin="round"${dashAttr}/>` : '') + dots;
}

/**
 * Phase bands, a dashed line at each start, and labels in two rows above the plot. Wide phases claim a
 * label spot first; a label that fits nowhere is left out rather than printed over another (the band's
 * tooltip and the report's phase table still name it).
 */
function phaseMarkup(phases: readonly PhaseBand[], x: Axis): string {
  const bands = phases
    .filter((p) => Number.isFinite(p.fromS) && Number.isFinite(p.toS))
    .map((phase, i) => ({ phase, i, from: px(x.toPx(phase.fromS)), to: px(x.toPx(Math.max(phase.fromS, phase.toS))) }));
  let out = '';
  for (const { phase, i, from, to } of bands) {
    const tooltip = `<title>${escapeXml(phase.name)}: ${formatNumber(phase.fromS)}–${formatNumber(phase.toS)} s</title>`;
    out += `<rect x="${from}" y="${MARGIN.top}" width="${px(to - from)}" height="${PLOT_H}" class="${i % 2 ? 'band-b' : 'band-a'}">${tooltip}</rect>`;
    out += `<line x1="${from}" x2="${from}" y1="${MARGIN.top - 4}" y2="${MARGIN.top + PLOT_H}" class="phase-line"/>`;
  }
  const taken: Array<Array<[number, number]>> = [[], []];
  for (const { phase, from } of [...bands].sort((a, b) => b.to - b.from - (a.to - a.from))) {
    const width = phase.name.length * LABEL_CHAR_PX;
    const left = px(Math.max(0, Math.min(from + 3, WIDTH - width)));
    const row = taken.findIndex((spans) => spans.every(([l, r]) => left + width + 6 <= l || left >= r + 6));
    if (row < 0) continue;
    taken[row]?.push([left, left + width]);
    out += `<text x="${left}" y="${MARGIN.top - 22 + row * 13}" class="phase-label">${escapeXml(phase.name)}</text>`;
  }
  return out;
}

/** A titled chart with legend: a <figure> holding exactly one <svg>. */
export function renderLineChart(spec: LineChartSpec): string {
  const allPoints = spec.series.map((series) =>
    spec.t.map((t, i): Point => {
      const v = finiteOrNull(series.values[i]);
      return Number.isFinite(t) && v !== null ? { t, v } : null;
    }),
  );
  const values = allPoints.flat().flatMap((p) => (p ? [p.v] : []));
  const times = [...spec.t, ...spec.phases.flatMap((p) => [p.fromS, p.toS])].filter(Number.isFinite);
  // reduce, not Math.min(...times): spreading a multi-hour run's samples would overflow the call stack
  const firstS = times.reduce((a, b) => Math.min(a, b), Infinity);
  const lastS = times.reduce((a, b) => Math.max(a, b), -Infinity);
  // a single instant gets a second either side, so its dot is not pinned to the left edge
  const [xFrom, xTo] = firstS === lastS ? [firstS - 1, lastS + 1] : [firstS, lastS];
  const xAxis = times.length ? linearAxis(xFrom, xTo, MARGIN.left, MARGIN.left + PLOT_W, 10, false) : null;
  const yAxis = values.length ? valueAxis(values, spec.scale ?? 'linear') : null;

  let body = `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}" class="plot"/>`;
  if (xAxis) {
    body += phaseMarkup(spec.phases, xAxis);
    const lastTick = Math.max(...xAxis.ticks.map(Math.abs));
    for (const tick of xAxis.ticks) {
      const tx = px(xAxis.toPx(tick));
      body += `<line x1="${tx}" x2="${tx}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H + 4}" class="axis"/>`;
      body += `<text x="${tx}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle">${formatNumber(tick, xAxis.step, lastTick)}</text>`;
    }
    body += `<text x="${WIDTH - MARGIN.right}" y="${HEIGHT - 4}" text-anchor="end" class="axis-title">seconds since start</text>`;
  }
  if (xAxis && yAxis) {
    // a log axis spans decades, so each tick keeps its own suffix (1, 10, 100, 1000, 10k)
    const largestTick = yAxis.log ? 0 : Math.max(...yAxis.ticks.map(Math.abs));
    for (const tick of yAxis.ticks) {
      const ty = px(yAxis.toPx(tick));
      body += `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${ty}" y2="${ty}" class="grid"/>`;
      const label = formatNumber(tick, yAxis.step, yAxis.log ? Math.abs(tick) : largestTick);
      body += `<text x="${MARGIN.left - 6}" y="${ty}" dy="0.32em" text-anchor="end">${label}</text>`;
    }
    allPoints.forEach((points, i) => {
      const series = spec.series[i];
      if (!series) return;
      const { color, dash } = seriesStyle(series, i);
      body += seriesMarkup(downsample(points, DOWNSAMPLE_BUCKETS), xAxis, yAxis, color, dash);
    });
  } else {
    body += `<text x="${MARGIN.left + PLOT_W / 2}" y="${MARGIN.top + PLOT_H / 2}" text-anchor="middle" class="no-data">no data</text>`;
  }
  // the frame goes on last so the phase bands do not paint over its edges
  body += `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}" class="frame"/>`;
  const unitLabel = `${spec.unit}${yAxis?.log ? ' (log scale)' : ''}`;
  body += `<text transform="translate(14 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle" class="axis-title">${escapeXml(unitLabel)}</text>`;

  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeXml(spec.title)}">${body}</svg>`;
  return `<figure class="chart"><figcaption>${escapeXml(spec.title)}</figcaption>${svg}${legendMarkup(spec, allPoints)}</figure>`;
}

function valueAxis(values: number[], scale: 'linear' | 'log' | 'auto'): Axis {
  let min = Infinity;
  let max = -Infinity;
  let minPositive = Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    if (v > 0 && v < minPositive) minPositive = v;
  }
  const wantsLog = scale === 'log' || (scale === 'auto' && max / minPositive >= 100);
  if (wantsLog && Number.isFinite(minPositive)) return logAxis(minPositive, max, MARGIN.top + PLOT_H, MARGIN.top);
  // zero stays in view so a flat line near the top does not look like a collapse
  return linearAxis(Math.min(0, min), Math.max(0, max), MARGIN.top + PLOT_H, MARGIN.top, 5, true);
}

/** Legend in HTML (wraps on its own with fifteen series), with each series' peak as a quick read-out. */
function legendMarkup(spec: LineChartSpec, allPoints: Point[][]): string {
  const items = spec.series.map((series, i) => {
    const { color, dash } = seriesStyle(series, i);
    const peak = (allPoints[i] ?? []).reduce<number | null>((acc, p) => (p && (acc === null || p.v > acc) ? p.v : acc), null);
    const peakText = peak === null ? 'no data' : `max ${formatNumber(peak)} ${escapeXml(spec.unit)}`;
    const swatch = `<span class="swatch" style="border-top:3px ${dash ? 'dashed' : 'solid'} ${color}"></span>`;
    return `<li>${swatch}${escapeXml(series.name)} <span class="peak">${peakText}</span></li>`;
  });
  return items.length ? `<ul class="legend">${items.join('')}</ul>` : '';
}
