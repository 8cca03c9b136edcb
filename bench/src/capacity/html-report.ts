/**
 * The capacity benchmark's report: one self-contained HTML file (inline CSS, inline SVG charts, no script,
 * no fetch), so it can be attached to an issue or opened from disk on a machine without network.
 */
import { escapeXml, finiteOrNull, formatNumber, PALETTE, renderLineChart, type ChartSeries, type LineChartSpec } from './svg-chart.js';

export interface CapacityTimeline {
  title: string; // e.g. "examhall capacity: 40000 candidates"
  startedAt: string; // ISO time
  /** phases in order, seconds since start */
  phases: Array<{ name: string; fromS: number; toS: number }>;
  /** one sample per second; every array has the same length as t */
  t: number[]; // seconds since start
  connected: number[]; // candidate sockets connected
  joined: number[]; // candidates joined (cumulative)
  answersPerS: number[]; // acks per second
  ackP50Ms: Array<number | null>; // null = no samples that second
  ackP99Ms: Array<number | null>;
  commitP50Ms: Array<number | null>;
  commitP99Ms: Array<number | null>;
  proctorP99Ms: Array<number | null>;
  queueDepth: Array<number | null>; // BullMQ jobs not yet finished
  /** CPU % per process or group (100 = one core), e.g. "gateway-1", "worker-1", "load-1", "postgres", "redis" */
  cpuPct: Record<string, number[]>;
  /** RSS in MB per process or group */
  rssMb: Record<string, number[]>;
  /** the run's JSON result (flat-ish object): shown as a table of key/value, nested objects as JSON text */
  summary: Record<string, unknown>;
  /** targets to show next to the summary: field → { target: string, met: boolean | null } */
  targets?: Record<string, { target: string; met: boolean | null }>;
}

const ACK_COLOR = PALETTE[0];
const COMMIT_COLOR = PALETTE[1];

/** Renders the full HTML document. Every string from the timeline is escaped: process names and error texts are data. */
export function renderCapacityReport(timeline: CapacityTimeline): string {
  const chart = (title: string, unit: string, series: ChartSeries[], scale?: LineChartSpec['scale']): string =>
    renderLineChart({ title, unit, series, scale, t: timeline.t, phases: timeline.phases });
  const charts = [
    chart('Candidates connected and joined', 'candidates', [
      { name: 'connected', values: timeline.connected },
      { name: 'joined', values: timeline.joined },
    ]),
    chart('Answers acknowledged per second', 'answers/s', [{ name: 'answers/s', values: timeline.answersPerS }]),
    // p50 dashed, p99 solid in the same colour: the eye pairs them by path (ack vs commit)
    chart(
      'Answer latency: ack and commit',
      'ms',
      [
        { name: 'ack p50', values: timeline.ackP50Ms, color: ACK_COLOR, dashed: true },
        { name: 'ack p99', values: timeline.ackP99Ms, color: ACK_COLOR },
        { name: 'commit p50', values: timeline.commitP50Ms, color: COMMIT_COLOR, dashed: true },
        { name: 'commit p99', values: timeline.commitP99Ms, color: COMMIT_COLOR },
      ],
      'auto',
    ),
    chart('Proctor feed latency p99 (commit → proctor screen)', 'ms', [{ name: 'proctor p99', values: timeline.proctorP99Ms }], 'auto'),
    chart('Queue depth (BullMQ jobs not yet finished)', 'jobs', [{ name: 'queue depth', values: timeline.queueDepth }]),
    chart('CPU per process (100% = one core)', '% CPU', recordSeries(timeline.cpuPct)),
    chart('Resident memory (RSS) per process', 'MB', recordSeries(timeline.rssMb)),
  ];

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeXml(timeline.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeXml(timeline.title)}</h1>
<p class="meta">${headerFacts(timeline)}</p>
</header>
${phasesTable(timeline.phases)}
${targetsTable(timeline.targets, timeline.summary)}
<section><h2>Timeline</h2>
${charts.join('\n')}
</section>
${summaryTable(timeline.summary)}
</body>
</html>
`;
}

function recordSeries(record: Record<string, number[]>): ChartSeries[] {
  return Object.entries(record).map(([name, values]) => ({ name, values }));
}

function headerFacts(timeline: CapacityTimeline): string {
  const lastS = timeline.t.reduce<number | null>((acc, t) => (Number.isFinite(t) && (acc === null || t > acc) ? t : acc), null);
  const facts = [
    `started ${escapeXml(timeline.startedAt)}`,
    lastS === null ? 'no samples' : `${formatNumber(lastS)} s recorded, ${timeline.t.length} samples`,
  ];
  return facts.join(' · ');
}

function phasesTable(phases: CapacityTimeline['phases']): string {
  if (phases.length === 0) return '';
  const rows = phases.map((p) => {
    const cells = [seconds(p.fromS), seconds(p.toS), seconds(p.toS - p.fromS)].map((text) => `<td class="num">${text}</td>`);
    return `<tr><td>${escapeXml(p.name)}</td>${cells.join('')}</tr>`;
  });
  const head = '<tr><th>phase</th><th>from (s)</th><th>to (s)</th><th>length (s)</th></tr>';
  return `<section><h2>Phases</h2><table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function seconds(value: number): string {
  const finite = finiteOrNull(value);
  return finite === null ? '–' : formatNumber(finite);
}

function targetsTable(targets: CapacityTimeline['targets'], summary: Record<string, unknown>): string {
  const entries = Object.entries(targets ?? {});
  if (entries.length === 0) return '';
  const rows = entries.map(([field, { target, met }]) => {
    const [marker, cls] = met === true ? ['✓', 'met'] : met === false ? ['✗', 'missed'] : ['–', 'unknown'];
    const measured = valueCell(lookUp(summary, field));
    return `<tr class="${cls}"><td><code>${escapeXml(field)}</code></td><td class="num">${measured}</td><td>${escapeXml(String(target))}</td><td class="marker" title="${cls}">${marker}</td></tr>`;
  });
  const head = '<tr><th>field</th><th>measured</th><th>target</th><th>met</th></tr>';
  return `<section><h2>Targets</h2><table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></section>`;
}

/** A field is a summary key, or failing that a dotted path into a nested object ("cpu_pct.gateway"). */
function lookUp(summary: Record<string, unknown>, field: string): unknown {
  if (Object.hasOwn(summary, field)) return summary[field];
  let node: unknown = summary;
  for (const part of field.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function summaryTable(summary: Record<string, unknown>): string {
  const rows = Object.entries(summary).map(([key, value]) => `<tr><td><code>${escapeXml(key)}</code></td><td>${valueCell(value)}</td></tr>`);
  const body = rows.length ? rows.join('') : '<tr><td colspan="2" class="no-data">no data</td></tr>';
  return `<section><h2>Summary</h2><table class="summary"><tbody>${body}</tbody></table></section>`;
}

function valueCell(value: unknown): string {
  if (value === undefined) return '<span class="no-data">–</span>';
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return escapeXml(String(value));
  if (typeof value === 'string') return escapeXml(value);
  return `<code class="json">${escapeXml(safeJson(value))}</code>`;
}

/** The summary comes from our own JSON, but a cycle or a bigint deep inside must not take the whole report down. */
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #eee; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f4f4f4; font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; }
tr.met .marker { color: #1a7f37; font-weight: 700; }
tr.missed { background: #fff0f0; }
tr.missed .marker { color: #cf222e; font-weight: 700; }
tr.unknown .marker { color: #888; }
code.json { white-space: pre-wrap; word-break: break-all; font-size: 12px; }
.no-data { fill: #999; color: #999; font-style: italic; }
figure.chart { margin: 18px 0 26px; }
figure.chart figcaption { font-weight: 600; font-size: 15px; margin-bottom: 2px; }
figure.chart svg { display: block; max-width: 100%; height: auto; font-size: 11px; fill: #444; }
svg .plot { fill: #fff; }
svg .frame { fill: none; stroke: #bbb; }
svg .grid { stroke: #e6e6e6; }
svg .axis { stroke: #888; }
svg .axis-title { fill: #666; }
svg .band-a { fill: #eef3fb; }
svg .band-b { fill: #f7f7f2; }
svg .phase-line { stroke: #9aa; stroke-dasharray: 3 3; }
svg .phase-label { fill: #345; font-weight: 600; }
svg .no-data { font-size: 16px; }
ul.legend { list-style: none; margin: 4px 0 0 64px; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; }
ul.legend .swatch { display: inline-block; width: 22px; vertical-align: middle; margin-right: 6px; }
ul.legend .peak { color: #777; font-size: 12px; }
`;
