import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchArgs } from './args.js';
import type { Counters } from './ipc.js';
import { roundMs, type Samples } from './stats.js';
import type { Verification } from './verify.js';

/** Server settings worth recording when the caller set them (they change the numbers). */
const SERVER_KNOBS = ['WORKER_CONCURRENCY', 'BATCH_MAX_WAIT_MS', 'BATCH_MAX_ANSWERS', 'BATCH_MAX_PENDING', 'PG_POOL_MAX', 'MAX_CONNECTIONS'];

export function progressLine(
  elapsedS: number,
  phase: string,
  now: Counters,
  before: Counters,
  cpu: Record<string, number>,
  health: { loopDelayMs: number; ipcDelayMs: number },
): string {
  const rate = now.acked - before.acked;
  const cpuText = Object.entries(cpu).map(([k, v]) => `${k} ${v}%`).join(' ');
  return (
    `[${elapsedS.toFixed(0).padStart(4)}s ${phase.padEnd(8)}] connected ${now.connected} joined ${now.joined} ` +
    `sent ${now.sent} acked ${now.acked} (+${rate}/s) committed ${now.committed} pending ${now.pending}` +
    (now.rejected || now.retries ? ` rejected ${now.rejected} retries ${now.retries}` : '') +
    (now.connectErrors || now.joinErrors ? ` connect_errors ${now.connectErrors + now.joinErrors}` : '') +
    ` | cpu ${cpuText} | load loop delay ${health.loopDelayMs} ms ipc ${health.ipcDelayMs} ms\n`
  );
}

export interface RunFacts {
  args: BenchArgs;
  mode: 'own-stack' | 'url';
  url: string;
  counters: Counters;
  ackMs: Samples;
  commitMs: Samples;
  /** commit → proctor feed line, over the measured window */
  proctorMs: Samples;
  verification: Verification;
  baselineRoundtripsPerS: number | null;
  /** CPU other processes took during the baseline window: a busy box makes the baseline low */
  baselineOtherCpuPct: number | null;
  windowS: number;
  durationS: number;
  queueBacklogAtEnd: number | null;
  cpuPct: Record<string, number>;
  errorSamples: string[];
  startedAt: Date;
}

export function buildResult(f: RunFacts): Record<string, unknown> {
  const c = f.counters;
  const answersPerS = c.ackedInWindow / f.windowS;
  const env = Object.fromEntries(SERVER_KNOBS.filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
  return {
    candidates: f.args.candidates,
    joined: c.joined,
    connect_errors: c.connectErrors,
    join_errors: c.joinErrors,
    answers_sent: c.sent,
    acked: c.acked,
    committed: c.committed,
    lost: f.verification.lost,
    dup: f.verification.dup,
    ack_p50_ms: roundMs(f.ackMs.percentile(50)),
    ack_p99_ms: roundMs(f.ackMs.percentile(99)),
    ack_max_ms: roundMs(f.ackMs.max()),
    commit_p50_ms: roundMs(f.commitMs.percentile(50)),
    commit_p99_ms: roundMs(f.commitMs.percentile(99)),
    commit_max_ms: roundMs(f.commitMs.max()),
    proctors: f.args.proctors,
    proctor_samples: f.proctorMs.count,
    proctor_p50_ms: f.proctorMs.count ? roundMs(f.proctorMs.percentile(50)) : null,
    proctor_p99_ms: f.proctorMs.count ? roundMs(f.proctorMs.percentile(99)) : null,
    answers_per_s: Math.round(answersPerS),
    baseline_roundtrips_per_s: f.baselineRoundtripsPerS === null ? null : Math.round(f.baselineRoundtripsPerS),
    baseline_other_cpu_pct: f.baselineOtherCpuPct,
    ratio_to_baseline: f.baselineRoundtripsPerS ? roundMs(answersPerS / f.baselineRoundtripsPerS, 3) : null,
    rejected: c.rejected,
    retries: c.retries,
    disconnects: c.disconnects,
    ack_timeouts: c.ackTimeouts,
    drain_timeouts: c.drainTimeouts,
    pending_at_end: c.pending,
    missing: f.verification.missing,
    verified_answers: f.verification.checked,
    stored_events: f.verification.eventRows,
    stored_answers: f.verification.answerRows,
    queue_backlog_at_end: f.queueBacklogAtEnd,
    window_s: f.windowS,
    warmup_s: f.args.warmupS,
    duration_s: roundMs(f.durationS, 1),
    rate_target: f.args.rate || 'max',
    gateways: f.mode === 'own-stack' ? f.args.gateways : null,
    workers: f.mode === 'own-stack' ? f.args.workers : null,
    load_procs: f.args.loadProcs,
    mode: f.mode,
    server_env: env,
    cpu_pct: f.cpuPct,
    error_samples: f.errorSamples,
    started_at: f.startedAt.toISOString(),
  };
}

export function printSummary(r: Record<string, unknown>): void {
  const lines = [
    '',
    '── answer path bench ─────────────────────────────────────────────',
    `candidates ${r.candidates} (joined ${r.joined}, connect/join errors ${Number(r.connect_errors) + Number(r.join_errors)})` +
      `  gateways ${r.gateways ?? '-'}  workers ${r.workers ?? '-'}  load procs ${r.load_procs}  rate ${r.rate_target}`,
    `answers: sent ${r.answers_sent}  acked ${r.acked}  committed ${r.committed}  rejected ${r.rejected}  retries ${r.retries}`,
    `throughput: ${r.answers_per_s} answers/s acked over ${r.window_s} s (after ${r.warmup_s} s warm-up); bare Socket.IO echo ${r.baseline_roundtrips_per_s ?? '-'} round trips/s` +
      (r.ratio_to_baseline !== null ? ` (ratio ${r.ratio_to_baseline})` : ''),
    `ack latency ms: p50 ${r.ack_p50_ms}  p99 ${r.ack_p99_ms}  max ${r.ack_max_ms}`,
    `commit latency ms: p50 ${r.commit_p50_ms}  p99 ${r.commit_p99_ms}  max ${r.commit_max_ms}`,
    `commit → proctor ms: p50 ${r.proctor_p50_ms}  p99 ${r.proctor_p99_ms}  (${r.proctor_samples} feed lines, ${r.proctors} proctors)`,
    `Postgres check: lost ${r.lost} (missing ${r.missing})  dup ${r.dup}  over ${r.verified_answers} acked (attempt, question) pairs`,
    `cpu % during the window (100 = one core; host = whole machine, other = not ours): ${Object.entries(r.cpu_pct as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    (r.error_samples as string[]).length ? `errors seen: ${(r.error_samples as string[]).join(', ')}` : 'errors seen: none',
    ...(r.mode === 'own-stack' && ((r.cpu_pct as Record<string, number>).other ?? 0) > 25)
      ? [`WARNING: ${(r.cpu_pct as Record<string, number>).other}% CPU went to other work (other processes, kernel softirq): numbers are not representative`]
      : [],
    '──────────────────────────────────────────────────────────────────',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** bench/results/answers-<timestamp>.json (git-ignored); returns the path. */
export function writeResult(resultsDir: string, stamp: string, result: Record<string, unknown>): string {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `answers-${stamp}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}
