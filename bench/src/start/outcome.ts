/**
 * Pure helpers of the start bench: what counts as a candidate that got its paper, and how the
 * load processes' results become the reported numbers. No I/O here (unit-tested).
 */
import { Samples, roundMs } from '../answers/stats.js';
import type { CandidateRecord, FailureReason, LoadResult, OutcomeCheck } from './ipc.js';

/** remainingMs() may exceed the duration by this much (clock-offset estimate error). */
export const REMAINING_TOLERANCE_MS = 5_000;

/**
 * 'ok' when the candidate waited in the lobby and then got a paper with questions, the signal's
 * start time and a sensible countdown; otherwise the first thing that went wrong.
 */
export function classify(r: CandidateRecord, check: OutcomeCheck): 'ok' | FailureReason {
  if (r.connectError !== undefined) return 'connect';
  if (r.joinError !== undefined) return 'join';
  if (r.joinStatus !== 'lobby' || r.joinHadPaper) return 'not_lobby';
  if (r.paperAt === undefined) return 'no_paper';
  if (!r.questions || r.questions <= 0) return 'empty_paper';
  const remaining = r.remainingMs;
  if (remaining === undefined || remaining === null || !(remaining > 0) || remaining > check.durationMs + REMAINING_TOLERANCE_MS) return 'bad_remaining';
  if (r.startedAt !== check.startedAt) return 'wrong_started_at';
  return 'ok';
}

/** Whether the orchestrator can stop waiting for this candidate: it has its paper or can no longer get one. */
export function settled(r: CandidateRecord): boolean {
  return r.connectError !== undefined || r.joinError !== undefined || r.paperAt !== undefined || (r.joinStatus !== undefined && r.joinStatus !== 'lobby');
}

/** Folds the candidates of one load process into its compact result (counters and error samples added by the caller). */
export function foldRecords(records: CandidateRecord[], check: OutcomeCheck): Pick<LoadResult, 'paperAt' | 'frameAt' | 'failures' | 'remainingMinMs' | 'remainingMaxMs'> {
  const paperAt: number[] = [];
  const frameAt: number[] = [];
  const failures: Partial<Record<FailureReason, number>> = {};
  let min: number | null = null;
  let max: number | null = null;
  for (const r of records) {
    const outcome = classify(r, check);
    if (outcome !== 'ok') {
      failures[outcome] = (failures[outcome] ?? 0) + 1;
      continue;
    }
    paperAt.push(r.paperAt!);
    frameAt.push(r.frameAt ?? Number.NaN);
    const remaining = r.remainingMs!;
    min = min === null ? remaining : Math.min(min, remaining);
    max = max === null ? remaining : Math.max(max, remaining);
  }
  return { paperAt: Float64Array.from(paperAt), frameAt: Float64Array.from(frameAt), failures, remainingMinMs: min, remainingMaxMs: max };
}

export interface StartSummary {
  candidates: number;
  /** candidates that got a valid paper */
  started: number;
  /** candidates - started: everyone who did not get a valid paper, whatever the reason */
  failures: number;
  failures_by_reason: Partial<Record<FailureReason, number>>;
  paper_p50_ms: number | null;
  paper_p90_ms: number | null;
  paper_p99_ms: number | null;
  paper_max_ms: number | null;
  paper_min_ms: number | null;
  /** the same, at the moment socket.io-client decoded the frame (before the SDK's own handling) */
  frame_p50_ms: number | null;
  frame_p99_ms: number | null;
  frame_max_ms: number | null;
  remaining_min_ms: number | null;
  remaining_max_ms: number | null;
}

/**
 * Merges the load processes' results. paper_ms = arrival − t0 with both read from the same machine
 * clock; `candidates` is the number the run was asked for, so a load process that reported nothing
 * (or candidates never handed out) count as failures too.
 */
export function summarize(candidates: number, t0: number, results: Array<Pick<LoadResult, 'paperAt' | 'frameAt' | 'failures' | 'remainingMinMs' | 'remainingMaxMs'>>): StartSummary {
  const paper = new Samples(candidates);
  const frame = new Samples(candidates);
  const byReason: Partial<Record<FailureReason, number>> = {};
  let min: number | null = null;
  let max: number | null = null;
  for (const r of results) {
    for (const at of r.paperAt) paper.add(at - t0);
    for (const at of r.frameAt) frame.add(at - t0); // NaN (unknown) is ignored by Samples
    for (const [reason, n] of Object.entries(r.failures) as Array<[FailureReason, number]>) byReason[reason] = (byReason[reason] ?? 0) + n;
    if (r.remainingMinMs !== null) min = min === null ? r.remainingMinMs : Math.min(min, r.remainingMinMs);
    if (r.remainingMaxMs !== null) max = max === null ? r.remainingMaxMs : Math.max(max, r.remainingMaxMs);
  }
  const started = paper.count;
  const accounted = started + Object.values(byReason).reduce((a, b) => a + b, 0);
  if (accounted < candidates) byReason.no_paper = (byReason.no_paper ?? 0) + (candidates - accounted);
  return {
    candidates,
    started,
    failures: candidates - started,
    failures_by_reason: byReason,
    paper_p50_ms: roundMs(paper.percentile(50), 1),
    paper_p90_ms: roundMs(paper.percentile(90), 1),
    paper_p99_ms: roundMs(paper.percentile(99), 1),
    paper_max_ms: roundMs(paper.max(), 1),
    paper_min_ms: roundMs(paper.percentile(0), 1),
    frame_p50_ms: roundMs(frame.percentile(50), 1),
    frame_p99_ms: roundMs(frame.percentile(99), 1),
    frame_max_ms: roundMs(frame.max(), 1),
    remaining_min_ms: min,
    remaining_max_ms: max,
  };
}
