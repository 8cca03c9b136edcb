import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartCounters } from './ipc.js';

export function progressLine(
  elapsedS: number,
  phase: string,
  now: StartCounters,
  cpu: Record<string, number>,
  health: { loopDelayMs: number; ipcDelayMs: number },
): string {
  const cpuText = Object.entries(cpu).map(([k, v]) => `${k} ${v}%`).join(' ');
  const errors = now.connectErrors + now.joinErrors + now.wrongStatus;
  return (
    `[${elapsedS.toFixed(0).padStart(4)}s ${phase.padEnd(7)}] connected ${now.connected} joined ${now.joined} lobby ${now.lobby} papers ${now.papers}` +
    (errors ? ` errors ${errors} (connect ${now.connectErrors} join ${now.joinErrors} status ${now.wrongStatus})` : '') +
    (now.disconnects ? ` disconnects ${now.disconnects}` : '') +
    ` | cpu ${cpuText} | load loop delay ${health.loopDelayMs} ms ipc ${health.ipcDelayMs} ms\n`
  );
}

export function printSummary(r: Record<string, unknown>): void {
  const pct = (v: unknown) => Object.entries((v ?? {}) as Record<string, number>).map(([k, n]) => `${k} ${n}`).join(', ');
  const signalCpu = (r.cpu_pct_signal ?? {}) as Record<string, number>;
  const rampCpu = (r.cpu_pct_ramp ?? {}) as Record<string, number>;
  const lines = [
    '',
    '── synchronized start bench ──────────────────────────────────────',
    `candidates ${r.candidates}: joined the lobby ${r.joined_lobby}, got their paper ${r.started}, failures ${r.failures}` +
      (Number(r.failures) > 0 ? ` ${JSON.stringify(r.failures_by_reason)}` : ''),
    `stack: gateways ${r.gateways}  workers ${r.workers}  load procs ${r.load_procs}  ramp ${r.ramp_s} s at ${r.ramp_per_proc}/s per process`,
    `signal: startSitting() took ${r.signal_ms} ms and started ${r.signal_attempts} attempts; Postgres afterwards: ${JSON.stringify(r.db_status)}`,
    `paper after the signal, ms: p50 ${r.paper_p50_ms}  p90 ${r.paper_p90_ms}  p99 ${r.paper_p99_ms}  max ${r.paper_max_ms}  (min ${r.paper_min_ms})`,
    `  frame decoded by socket.io-client, ms: p50 ${r.frame_p50_ms}  p99 ${r.frame_p99_ms}  max ${r.frame_max_ms}; load-process loop delay max ${r.load_loop_delay_max_ms} ms`,
    `gateways done handing out papers (ms after T0): ${r.gateway_fanout ? (r.gateway_fanout as Array<{ gateway: string; sockets: number; done_ms: number }>).map((g) => `${g.gateway} ${g.done_ms} (${g.sockets} sockets)`).join(', ') : 'unknown (needs BENCH_SERVER_LOG_LEVEL=info)'}`,
    `remainingMs() at arrival: ${r.remaining_min_ms} … ${r.remaining_max_ms}`,
    `cpu % while papers went out (100 = one core): ${pct(signalCpu)}`,
    `cpu % during the ramp: ${pct(rampCpu)}`,
    (r.error_samples as string[]).length ? `errors seen: ${(r.error_samples as string[]).join(', ')}` : 'errors seen: none',
    ...((signalCpu.other ?? 0) > 25
      ? [`WARNING: ${signalCpu.other}% CPU went to other work while the papers went out (other processes, kernel softirq): the paper numbers are not representative`]
      : []),
    ...((rampCpu.other ?? 0) > 25 ? [`note: ${rampCpu.other}% CPU went to other work during the ramp (ramp_s is affected, the paper numbers are not)`] : []),
    '──────────────────────────────────────────────────────────────────',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** bench/results/start-<timestamp>.json (git-ignored); returns the path. */
export function writeResult(resultsDir: string, stamp: string, result: Record<string, unknown>): string {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `start-${stamp}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}
