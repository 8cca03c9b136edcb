import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChaosArgs } from './args.js';

/** One scenario's figures. The snake_case names are the suite's interface (issue #6): keep them. */
export interface ScenarioResult {
  name: string;
  fault: string;
  /** accepted (queued or committed) answers whose (attempt, question) holds a lower seq at the end */
  lost: number;
  /** duplicate rows (answer_events per (attempt, question, seq), answers per (attempt, question)) that appeared */
  dup: number;
  /** attempts with a stored answer whose seq is not the highest the client saw accepted */
  not_highest: number;
  /** seconds from the fault's end (a kill: the kill) until every candidate was connected, joined, its probe committed and its outbox empty; null: some never were */
  resume_s: number | null;
  /** median of the same per candidate */
  resume_p50_s: number | null;
  /** candidates not back within --recovery-timeout-s */
  unrecovered: number;
  /** error codes the candidates saw during the scenario (retries, rejections, error events), with counts */
  client_errors: Record<string, number>;
  disconnects: number;
  /** how long the fault itself lasted (0 for a kill) */
  fault_s: number;
  /** (attempt, question) pairs checked against Postgres */
  checked: number;
  /** candidates whose outbox had not drained when the scenario's figures were taken */
  undrained: number;
  /** peak of answer batches in the queue (waiting, active, delayed...) while the candidates recovered, sampled every second; null: Redis never answered */
  queue_backlog: number | null;
}

export interface ChaosResult {
  scenarios: ScenarioResult[];
  lost: number;
  dup: number;
  max_resume_s: number | null;
  not_highest: number;
  /** the whole run, checked once more at the very end (a later fault must not lose an earlier answer) */
  lost_at_end: number;
  not_highest_at_end: number;
  candidates: number;
  joined: number;
  resume_target_s: number;
  /** lost 0, dup 0 and every scenario's resume within the target */
  ok: boolean;
  settings: {
    short: boolean;
    interval_ms: number;
    unreachable_s: number;
    gateways: number;
    workers: number;
    worker_lock_ms: number;
    load_procs: number;
  };
  /** CPU % (100 = one core) the rest of the machine used during the run: other people's work */
  other_cpu_pct: number | null;
  duration_s: number;
  started_at: string;
}

const round = (x: number) => Math.round(x * 100) / 100;

export function scenarioResult(r: Omit<ScenarioResult, 'resume_s' | 'resume_p50_s'>, resumeMs: number[]): ScenarioResult {
  const sorted = [...resumeMs].sort((a, b) => a - b);
  const complete = r.unrecovered === 0 && sorted.length > 0;
  return {
    name: r.name,
    fault: r.fault,
    lost: r.lost,
    dup: r.dup,
    not_highest: r.not_highest,
    resume_s: complete ? round(sorted[sorted.length - 1]! / 1000) : null,
    resume_p50_s: sorted.length > 0 ? round(sorted[Math.floor((sorted.length - 1) / 2)]! / 1000) : null,
    unrecovered: r.unrecovered,
    client_errors: r.client_errors,
    disconnects: r.disconnects,
    fault_s: round(r.fault_s),
    checked: r.checked,
    undrained: r.undrained,
    queue_backlog: r.queue_backlog,
  };
}

export function chaosResult(
  args: ChaosArgs,
  scenarios: ScenarioResult[],
  end: { lostAtEnd: number; notHighestAtEnd: number; joined: number; workerLockMs: number; otherCpuPct: number | null; startedAt: Date },
): ChaosResult {
  const lost = scenarios.reduce((n, s) => n + s.lost, 0);
  const dup = scenarios.reduce((n, s) => n + s.dup, 0);
  const resumes = scenarios.map((s) => s.resume_s);
  const maxResume = resumes.some((r) => r === null) ? null : Math.max(0, ...(resumes as number[]));
  return {
    scenarios,
    lost,
    dup,
    max_resume_s: maxResume,
    not_highest: scenarios.reduce((n, s) => n + s.not_highest, 0),
    lost_at_end: end.lostAtEnd,
    not_highest_at_end: end.notHighestAtEnd,
    candidates: args.candidates,
    joined: end.joined,
    resume_target_s: args.resumeTargetS,
    ok: lost === 0 && end.lostAtEnd === 0 && dup === 0 && maxResume !== null && maxResume <= args.resumeTargetS,
    settings: {
      short: args.short, interval_ms: args.intervalMs, unreachable_s: args.unreachableS, gateways: args.gateways,
      workers: args.workers, worker_lock_ms: end.workerLockMs, load_procs: args.loadProcs,
    },
    other_cpu_pct: end.otherCpuPct,
    duration_s: round((Date.now() - end.startedAt.getTime()) / 1000),
    started_at: end.startedAt.toISOString(),
  };
}

export function summaryLines(r: ChaosResult): string[] {
  const lines = [`chaos: ${r.joined}/${r.candidates} candidates, ${r.scenarios.length} scenario(s), ${r.duration_s} s`];
  for (const s of r.scenarios) lines.push(scenarioLine(s));
  lines.push(`  total: lost ${r.lost} (at end ${r.lost_at_end})  dup ${r.dup}  max_resume_s ${r.max_resume_s ?? '—'} (target ≤ ${r.resume_target_s})  → ${r.ok ? 'OK' : 'NOT MET'}`);
  return lines;
}

export function scenarioLine(s: ScenarioResult): string {
  const errors = Object.entries(s.client_errors).map(([k, v]) => `${k}×${v}`).join(' ') || 'none';
  const resume = s.resume_s ?? `— (${s.unrecovered} not back)`;
  return `  ${s.name.padEnd(20)} lost ${s.lost}  dup ${s.dup}  not_highest ${s.not_highest}  resume ${resume} s (p50 ${s.resume_p50_s ?? '—'})  disconnects ${s.disconnects}  backlog ${s.queue_backlog ?? '?'}  errors: ${errors}`;
}

export function writeResult(dir: string, stamp: string, r: ChaosResult): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `chaos-${stamp}.json`);
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`);
  return path;
}
