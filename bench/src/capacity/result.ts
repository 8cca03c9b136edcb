import { availableParallelism, cpus, totalmem } from 'node:os';
import type { Verification } from '../answers/verify.js';
import { roundMs, type Samples } from '../answers/stats.js';
import type { CapacityArgs } from './args.js';
import type { Counters } from './ipc.js';

/** Server settings worth recording when the caller set them (they change the numbers). */
const SERVER_KNOBS = ['WORKER_CONCURRENCY', 'BATCH_MAX_WAIT_MS', 'BATCH_MAX_ANSWERS', 'PG_POOL_MAX', 'MAX_CONNECTIONS', 'PROCTOR_FEED_INTERVAL_MS'];

export interface CapacityFacts {
  args: CapacityArgs;
  /** after the stampede, at the end of the hold, after the answer phase, at the end */
  counters: { stampede: Counters; hold: Counters; answer: Counters; end: Counters };
  rampS: number | null;
  joinMs: Samples;
  ackMs: Samples;
  commitMs: Samples;
  proctorMs: Samples;
  submitMs: Samples;
  proctorsReadyMs: number | null;
  proctorRosterRows: number;
  answerWindowS: number;
  verification: Verification;
  attemptsByStatus: Record<string, number>;
  gatewayRssKbBefore: number;
  gatewayRssKbHeld: number;
  gatewayConnections: number[];
  /** CPU % per role (100 = one core) over the hold after it settled, over the answer window */
  cpuIdle: Record<string, number>;
  cpuAnswer: Record<string, number>;
  cpuStampede: Record<string, number>;
  emptyStackCpu: Record<string, number>;
  loadAvgBefore: number[];
  errorSamples: string[];
  durationS: number;
  startedAt: Date;
  reportFiles: { json: string; html: string; timeline: string; log: string };
}

const p = (s: Samples, q: number) => roundMs(s.percentile(q), 1);
const serverCpu = (cpu: Record<string, number>) => (cpu.gateway ?? 0) + (cpu.worker ?? 0) + (cpu.postgres ?? 0) + (cpu.redis ?? 0);

export function buildCapacityResult(f: CapacityFacts): Record<string, unknown> {
  const cores = availableParallelism();
  const joined = f.counters.stampede.joined;
  const env = Object.fromEntries(SERVER_KNOBS.filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
  return {
    candidates: f.args.candidates,
    joined,
    ramp_s: f.rampS,
    disconnects: f.counters.end.disconnects,
    answers_per_s: Math.round(f.counters.answer.ackedInWindow / f.answerWindowS),
    ack_p99_ms: p(f.ackMs, 99),
    commit_p99_ms: p(f.commitMs, 99),
    lost: f.verification.lost,
    proctor_p99_ms: p(f.proctorMs, 99),
    rss_kb_per_candidate: joined > 0 ? Math.round((f.gatewayRssKbHeld / joined) * 10) / 10 : null,
    /** gateways + workers + Postgres + Redis during the settled hold, as % of the whole box (all cores) */
    idle_cpu_pct: Math.round((serverCpu(f.cpuIdle) / cores) * 10) / 10,
    dup: f.verification.dup,
    connect_errors: f.counters.stampede.connectErrors,
    join_errors: f.counters.stampede.joinErrors,
    join_p50_ms: p(f.joinMs, 50),
    join_p99_ms: p(f.joinMs, 99),
    disconnects_during_hold: f.counters.hold.disconnects - f.counters.stampede.disconnects,
    hold_s: f.args.holdS,
    connected_at_hold_end: f.counters.hold.connected,
    rss_kb_per_candidate_marginal: joined > 0 ? Math.round(((f.gatewayRssKbHeld - f.gatewayRssKbBefore) / joined) * 10) / 10 : null,
    gateway_rss_mb_held: Math.round(f.gatewayRssKbHeld / 1024),
    gateway_connections: f.gatewayConnections,
    rate: f.args.rate,
    answer_window_s: f.answerWindowS,
    answers_acked: f.counters.answer.acked,
    ack_p50_ms: p(f.ackMs, 50),
    commit_p50_ms: p(f.commitMs, 50),
    ack_max_ms: p(f.ackMs, 100),
    commit_max_ms: p(f.commitMs, 100),
    rejected: f.counters.end.rejected,
    retries: f.counters.end.retries,
    ack_timeouts: f.counters.end.ackTimeouts,
    drain_timeouts: f.counters.end.drainTimeouts,
    checked: f.verification.checked,
    missing: f.verification.missing,
    proctors: f.args.proctors,
    proctor_p50_ms: p(f.proctorMs, 50),
    proctor_samples: f.proctorMs.count,
    proctors_ready_ms: f.proctorsReadyMs,
    proctor_roster_rows: f.proctorRosterRows,
    submitted: f.counters.end.submitted,
    submit_errors: f.counters.end.submitErrors,
    submit_p50_ms: p(f.submitMs, 50),
    submit_p99_ms: p(f.submitMs, 99),
    submit_spread_s: f.args.submitSpreadS,
    attempts_by_status: f.attemptsByStatus,
    idle_cpu_pct_by_role: f.cpuIdle,
    idle_server_cpu_pct_of_core: serverCpu(f.cpuIdle),
    empty_stack_cpu_pct: f.emptyStackCpu,
    stampede_cpu_pct: f.cpuStampede,
    answer_cpu_pct: f.cpuAnswer,
    gateways: f.args.gateways,
    workers: f.args.workers,
    load_procs: f.args.loadProcs,
    source_ips: f.args.sourceIps.length,
    stampede_rate: f.args.stampedeRate,
    client: f.args.client,
    machine: { cores, cpu: cpus()[0]?.model ?? 'unknown', mem_gib: Math.round(totalmem() / 2 ** 30), loadavg_before: f.loadAvgBefore },
    server_env: env,
    error_samples: f.errorSamples,
    duration_s: Math.round(f.durationS),
    started_at: f.startedAt.toISOString(),
    report: f.reportFiles,
  };
}

/** The targets, for the report's table and the summary: field → target and whether it was met. */
export function capacityTargets(r: Record<string, unknown>): Record<string, { target: string; met: boolean | null }> {
  const n = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : null);
  const check = (k: string, ok: (v: number) => boolean) => (n(k) === null ? null : ok(n(k)!));
  return {
    joined: { target: '40,000 (= candidates)', met: check('joined', (v) => v >= 40_000 && v === r.candidates) },
    hold_s: { target: '≥ 600 s held', met: check('hold_s', (v) => v >= 600) },
    disconnects: { target: '0 unplanned', met: check('disconnects', (v) => v === 0) },
    ramp_s: { target: '≤ 30 s for 40,000', met: check('ramp_s', (v) => v <= 30) },
    rss_kb_per_candidate: { target: '≤ 16 KB (gateway RSS / joined)', met: check('rss_kb_per_candidate', (v) => v <= 16) },
    answers_per_s: { target: '≥ 2,000/s', met: check('answers_per_s', (v) => v >= 2000 * 0.98) },
    ack_p99_ms: { target: '≤ 25 ms', met: check('ack_p99_ms', (v) => v <= 25) },
    commit_p99_ms: { target: '≤ 500 ms', met: check('commit_p99_ms', (v) => v <= 500) },
    lost: { target: '0', met: check('lost', (v) => v === 0) },
    proctor_p99_ms: { target: '≤ 1,000 ms', met: check('proctor_p99_ms', (v) => v <= 1000) },
    idle_cpu_pct: { target: '≤ 20 % of the box', met: check('idle_cpu_pct', (v) => v <= 20) },
  };
}

export function summaryLines(r: Record<string, unknown>): string[] {
  const targets = capacityTargets(r);
  return Object.entries(targets).map(([k, t]) => `  ${t.met === null ? '–' : t.met ? '✓' : '✗'} ${k.padEnd(22)} ${String(r[k]).padStart(10)}   target ${t.target}`);
}
