import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCapacityReport, type CapacityTimeline } from '../src/capacity/html-report.js';
import { formatNumber, renderLineChart } from '../src/capacity/svg-chart.js';

const CHART_COUNT = 7;
const HOSTILE = '<script>alert("x")</script>';

/** Deterministic pseudo-random numbers, so the sizes asserted below do not wobble. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A 40,000-candidate run shaped like the real one: ramp, join, answer storm with a latency spike, drain. */
function realisticTimeline(seconds = 900, processes = ['gateway-1', 'gateway-2', 'worker-1', 'worker-2', 'postgres', `redis ${HOSTILE}`]): CapacityTimeline {
  const random = noise(42);
  const t = Array.from({ length: seconds }, (_, i) => i);
  const storm = (s: number): boolean => s >= 0.25 * seconds && s < 0.85 * seconds;
  const latency = (base: number) => t.map((s) => (storm(s) ? (s % 97 === 0 ? null : base * (1 + random()) * (s > 0.5 * seconds && s < 0.52 * seconds ? 40 : 1)) : null));
  const perProcess = (scale: number) => Object.fromEntries(processes.map((name, i) => [name, t.map((s) => scale * (i + 1) * (storm(s) ? 0.8 + 0.2 * random() : 0.1))]));
  return {
    title: `examhall capacity: 40000 candidates ${HOSTILE}`,
    startedAt: '2026-11-02T10:00:00.000Z',
    phases: [
      { name: 'connect ramp', fromS: 0, toS: 0.2 * seconds },
      { name: 'join', fromS: 0.2 * seconds, toS: 0.25 * seconds },
      { name: 'answer storm', fromS: 0.25 * seconds, toS: 0.85 * seconds },
      { name: 'drain', fromS: 0.85 * seconds, toS: seconds },
    ],
    t,
    connected: t.map((s) => Math.min(40_000, Math.round((s / (0.2 * seconds)) * 40_000))),
    joined: t.map((s) => (s < 0.2 * seconds ? 0 : Math.min(40_000, Math.round(((s - 0.2 * seconds) / (0.05 * seconds)) * 40_000)))),
    answersPerS: t.map((s) => (storm(s) ? 6000 + 1000 * random() : 0)),
    ackP50Ms: latency(4),
    ackP99Ms: latency(30),
    commitP50Ms: latency(12),
    commitP99Ms: latency(80),
    proctorP99Ms: latency(150),
    queueDepth: t.map((s) => (storm(s) ? Math.round(200 * random()) : 0)),
    cpuPct: perProcess(25),
    rssMb: perProcess(150),
    summary: { candidates: 40_000, answers_per_s: 6512.3, ack_p99_ms: 41.2, commit_p99_ms: 130.5, lost: 0, dup: 0, cpu_pct: { gateway: 180.2, worker: 95 }, error: `boom ${HOSTILE}` },
    targets: {
      ack_p99_ms: { target: '< 100 ms', met: true },
      commit_p99_ms: { target: '< 100 ms', met: false },
      'cpu_pct.gateway': { target: '< 200 %', met: true },
      proctor_p99_ms: { target: '< 2 s', met: null },
    },
  };
}

function emptyTimeline(): CapacityTimeline {
  return {
    title: 'empty', startedAt: '', phases: [], t: [], connected: [], joined: [], answersPerS: [],
    ackP50Ms: [], ackP99Ms: [], commitP50Ms: [], commitP99Ms: [], proctorP99Ms: [], queueDepth: [],
    cpuPct: {}, rssMb: {}, summary: {},
  };
}

const count = (haystack: string, needle: string | RegExp): number => haystack.split(needle).length - 1;
const pathData = (html: string): string[] => [...html.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1] ?? '');
/** Vertices of a path: one "x y" pair per point (M pairs plus relative l pairs). */
const vertexCount = (d: string): number => d.replace(/[Ml]/g, ' ').trim().split(/\s+/).length / 2;

describe('renderCapacityReport', () => {
  it('renders a realistic 900 s run: one svg per chart, phases, escaped names, bounded size', () => {
    const html = renderCapacityReport(realisticTimeline());
    writeFileSync(join(tmpdir(), 'capacity-report-sample.html'), html);

    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(count(html, '<svg')).toBe(CHART_COUNT);
    for (const phase of ['connect ramp', 'join', 'answer storm', 'drain']) expect(html).toContain(`class="phase-label">${phase}</text>`);
    // hostile text in the title, a process name and a summary value: never a live tag
    expect(html).not.toContain('<script');
    expect(html).toContain('<title>examhall capacity: 40000 candidates &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</title>');
    expect(html).toContain('redis &lt;script&gt;');
    expect(html).toContain('boom &lt;script&gt;');
    // nothing that could reach the network when the file is opened
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    expect(html.length).toBeLessThan(400_000);
  });

  it('shows targets with measured value, target and a met marker', () => {
    const html = renderCapacityReport(realisticTimeline(60));
    const targets = html.slice(html.indexOf('<h2>Targets</h2>'), html.indexOf('<h2>Timeline</h2>'));
    expect(targets).toMatch(/<tr class="met"><td><code>ack_p99_ms<\/code><\/td><td class="num">41.2<\/td><td>&lt; 100 ms<\/td><td[^>]*>✓/);
    expect(targets).toMatch(/<tr class="missed"><td><code>commit_p99_ms<\/code><\/td><td class="num">130.5<\/td>.*?✗/);
    expect(targets).toMatch(/cpu_pct\.gateway<\/code><\/td><td class="num">180.2</); // dotted path into a nested object
    expect(targets).toMatch(/proctor_p99_ms<\/code><\/td><td class="num"><span class="no-data">–<\/span><\/td>.*?–/);
    // nested summary values come out as JSON text
    expect(html).toContain('{&quot;gateway&quot;:180.2,&quot;worker&quot;:95}');
  });

  it('says "no data" for empty arrays and all-null series without throwing', () => {
    const empty = renderCapacityReport(emptyTimeline());
    expect(count(empty, '<svg')).toBe(CHART_COUNT);
    expect(count(empty, '>no data</text>')).toBe(CHART_COUNT);
    expect(empty).not.toContain('<h2>Targets</h2>');

    const allNull = { ...emptyTimeline(), t: [0, 1, 2], connected: [0, 0, 0], joined: [0, 0, 0], answersPerS: [0, 0, 0] };
    allNull.ackP99Ms = [null, null, null];
    allNull.cpuPct = { 'gateway-1': [Number.NaN, Number.NaN, Number.NaN] };
    const html = renderCapacityReport(allNull);
    expect(count(html, '<svg')).toBe(CHART_COUNT);
    expect(count(html, '>no data</text>')).toBe(5); // latency, proctor, queue, CPU, RSS; connected and answers are real zeros
    expect(html).toContain('gateway-1 <span class="peak">no data</span>');
  });

  it('draws a single sample as a dot and breaks lines at gaps, NaN and Infinity instead of drawing zero', () => {
    const single = renderCapacityReport({ ...emptyTimeline(), t: [0], connected: [5], joined: [5], answersPerS: [1], ackP50Ms: [3] });
    expect(count(single, '<svg')).toBe(CHART_COUNT);
    expect(count(single, '<circle')).toBe(4);

    const values = [5, 6, null, 7, Number.NaN, 8, Number.POSITIVE_INFINITY];
    const chart = renderLineChart({ title: 'gaps', unit: 'ms', t: [0, 1, 2, 3, 4, 5, 6], phases: [], series: [{ name: 'p99', values }] });
    const [d] = pathData(chart);
    expect(count(d ?? '', 'M')).toBe(1); // 5,6 joined; 7 and 8 stand alone between gaps
    expect(count(chart, '<circle')).toBe(2);
    expect(chart).not.toMatch(/NaN|Infinity/);
  });

  it('copes with very large values and a long run: finite coordinates, downsampled paths, bounded size', () => {
    const values = [1e12, Number.MAX_VALUE, -Number.MAX_VALUE];
    const huge = renderLineChart({ title: 'huge', unit: 'MB', t: [0, 1, 2], phases: [], series: [{ name: 'x', values }] });
    expect(huge).not.toMatch(/NaN|Infinity/);
    expect(huge).toContain('<path');

    const processes = Array.from({ length: 15 }, (_, i) => `process-${i + 1}`);
    const fourHours = renderCapacityReport(realisticTimeline(4 * 3600, processes));
    for (const d of pathData(fourHours)) expect(vertexCount(d)).toBeLessThanOrEqual(2 * 1000);
    expect(fourHours).not.toMatch(/NaN|Infinity/);
    expect(fourHours.length).toBeLessThan(1_500_000);
    // fifteen series cycle the ten-colour palette: the eleventh onwards is told apart by a dash pattern
    expect(fourHours).toMatch(/stroke-dasharray="7 3"/);
  });

  it('labels ticks briefly: k from ten thousand, decimals only where the step needs them', () => {
    expect([0, 2500, 10_000, 40_000, 12_500].map((v) => formatNumber(v, 500))).toEqual(['0', '2500', '10k', '40k', '12.5k']);
    expect([0.25, 0.5].map((v) => formatNumber(v, 0.25))).toEqual(['0.25', '0.5']);
    expect(formatNumber(2_100_000)).toBe('2.1M');
    expect(formatNumber(1e20)).toBe('1.00e+20');
    expect(formatNumber(-1500, 500)).toBe('-1500');
    expect([0, 5000, 10_000, 15_000].map((v) => formatNumber(v, 5000, 15_000))).toEqual(['0', '5k', '10k', '15k']); // one suffix per axis
  });

  it('packs phase labels into two rows, wide phases first, and leaves out a label that fits nowhere', () => {
    const chart = renderLineChart({
      title: 'phases', unit: 'x', t: [0, 100], series: [{ name: 'a', values: [1, 2] }],
      phases: [
        { name: 'warm-up', fromS: 0, toS: 1 },
        { name: 'connect', fromS: 1, toS: 2 },
        { name: 'measure', fromS: 2, toS: 100 },
        { name: 'broken', fromS: Number.NaN, toS: 3 },
      ],
    });
    const labels = [...chart.matchAll(/<text x="[^"]*" y="([^"]*)" class="phase-label">([^<]*)</g)].map((m) => ({ y: m[1], name: m[2] }));
    expect(labels.map((l) => l.name)).toEqual(['measure', 'warm-up']);
    expect(labels[0]?.y).not.toBe(labels[1]?.y);
    expect(chart).toContain('<title>connect: 1–2 s</title>'); // the unlabelled phase still has its band and tooltip
    expect(chart).not.toMatch(/NaN|Infinity/);
  });
});
