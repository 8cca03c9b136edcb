import type { AttemptUpdated, ErrorCode } from '@examhall/shared';
import type { DeadlineScheduler } from '../attempts/deadline-jobs.js';
import type { AttemptNotifier } from '../attempts/notifier.js';
import { FINAL_STATUSES, deadlineInputsOf, type AttemptTimingRow } from '../attempts/state.js';
import { timingSteps } from '../attempts/timing.js';
import { deadlineAt, unpausedDeadline, type DeadlineInputs } from '../exam/deadline.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';

/** The proctors' steps; `retime` re-derives deadlines from a sitting's changed timing (the exam office). */
export type ProctorStep = 'extend' | 'pause' | 'resume';
export type BulkStep = ProctorStep | 'retime';

export interface BulkItem {
  attemptId: string;
  /** extend: the seconds for this attempt */
  seconds?: number;
  /** more for this attempt's audit row */
  details?: Record<string, unknown>;
}

export interface BulkChange {
  actor: string;
  reason: string;
  /** for every audit row (each item's own details are added) */
  details?: Record<string, unknown>;
}

/** Per attempt: null = applied (or nothing to change, like pausing a paused attempt), else the error code. */
export type BulkOutcomes = Map<string, ErrorCode | null>;

export interface BulkResult {
  outcomes: BulkOutcomes;
  /** the attempts whose timing changed */
  changed: string[];
}

type LockedRow = AttemptTimingRow & { attempt_id: string; sitting_id: string };

const REASON = { extend: 'extended', pause: 'paused', resume: 'resumed', retime: 'retimed' } as const;
/** rows per statement (all in one transaction): small enough that no result or parameter blocks the event loop long */
const CHUNK = 2000;
/** attempts notified and rescheduled between two yields to the event loop */
const NOTIFY_CHUNK = 250;
/** scheduler calls in flight at once (each removes its attempts' previous jobs one by one) */
const SCHEDULE_STREAMS = 10;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Extends, pauses or resumes many attempts at once (an incident pause of a whole sitting): one
 * transaction locks them all in id order, applies the same timing steps as AttemptTiming with one
 * `now`, and writes the new deadline parts and one audit row per attempt in bulk statements. Then,
 * chunk by chunk with the event loop free in between, gateways and candidates are told and the
 * auto-submit jobs moved. Attempts that are final, not started or unchanged are left alone.
 */
export class BulkTiming {
  constructor(private readonly deps: { sql: Sql; notifier: AttemptNotifier; scheduler: DeadlineScheduler; logger: Logger }) {}

  async apply(step: BulkStep, items: readonly BulkItem[], change: BulkChange): Promise<BulkResult> {
    const byId = new Map(items.map((item) => [item.attemptId, item]));
    const outcomes: BulkOutcomes = new Map(items.map((item) => [item.attemptId, 'ATTEMPT_NOT_FOUND' as ErrorCode]));
    const written = (await this.deps.sql.begin(async (txSql) => {
      const tx = txSql as unknown as Sql;
      // id order across chunks too (a uuid's text sorts like its bytes): two bulk actions never deadlock
      const ids = [...byId.keys()].sort();
      const rows: LockedRow[] = [];
      for (let i = 0; i < ids.length; i += CHUNK) rows.push(...(await runQuery<LockedRow>(tx, 'lock-attempts', [ids.slice(i, i + CHUNK)])));
      const now = Date.now();
      const changes: { row: LockedRow; before: DeadlineInputs; after: DeadlineInputs; details: string }[] = [];
      for (const row of rows) {
        const before = deadlineInputsOf(row);
        if (FINAL_STATUSES.has(row.status!)) outcomes.set(row.attempt_id, 'ATTEMPT_CLOSED');
        else if (!before) outcomes.set(row.attempt_id, 'ATTEMPT_NOT_STARTED');
        else {
          outcomes.set(row.attempt_id, null);
          const item = byId.get(row.attempt_id)!;
          const after = next(step, before, now, item.seconds);
          // a retime changes no part of the attempt: it is due when the stored deadline no longer follows from the sitting's
          if (step === 'retime' ? row.deadline_at?.getTime() === unpausedDeadline(after) : sameTiming(before, after)) continue;
          const extra = step === 'extend' ? { seconds: item.seconds } : {};
          changes.push({ row, before, after, details: JSON.stringify({ ...change.details, ...item.details, ...extra, reason: change.reason }) });
        }
      }
      for (let i = 0; i < changes.length; i += CHUNK) {
        const chunk = changes.slice(i, i + CHUNK);
        await runQuery(tx, 'update-attempts-timing', [
          chunk.map((c) => c.row.attempt_id),
          chunk.map((c) => c.after.extensionS),
          chunk.map((c) => (c.after.pausedAt === null ? null : new Date(c.after.pausedAt).toISOString())),
          chunk.map((c) => c.after.pausedMs),
          chunk.map((c) => c.details),
          change.actor,
          `attempt.${REASON[step]}`,
        ]);
      }
      return { changes, now };
    })) as { changes: { row: LockedRow; before: DeadlineInputs; after: DeadlineInputs }[]; now: number };

    const { changes, now } = written;
    for (let i = 0; i < changes.length; i += NOTIFY_CHUNK) {
      if (i > 0) await yieldToEventLoop();
      const chunk = changes.slice(i, i + NOTIFY_CHUNK);
      for (const { row, after } of chunk) {
        const graceMs = row.grace_s * 1000;
        const update: AttemptUpdated = {
          attemptId: row.attempt_id, status: 'in_progress', deadline: deadlineAt(after, now), graceMs,
          paused: after.pausedAt !== null, locked: row.locked_at !== null, reason: REASON[step], serverTime: now,
        };
        this.deps.notifier.attemptChanged(update, after);
      }
      const running = chunk.filter((c) => c.after.pausedAt === null);
      // Committed already: a job not moved here is caught up by the deadline worker (an early job
      // reschedules itself for the moved deadline; the sweep finds any attempt left without one).
      const jobs = running.map(({ row, before, after }) => ({
        attemptId: row.attempt_id, deadline: unpausedDeadline(after), graceMs: row.grace_s * 1000, previousDeadline: unpausedDeadline(before),
      }));
      const per = Math.max(1, Math.ceil(jobs.length / SCHEDULE_STREAMS));
      const streams: Promise<void>[] = [];
      for (let k = 0; k < jobs.length; k += per) {
        const part = jobs.slice(k, k + per);
        streams.push(this.deps.scheduler.schedule(part).catch((err: Error) => this.deps.logger.warn({ err: err.message, attempts: part.length }, 'auto-submit jobs not moved')));
      }
      await Promise.all(streams);
    }
    return { outcomes, changed: changes.map((c) => c.row.attempt_id) };
  }
}

function next(step: BulkStep, before: DeadlineInputs, now: number, seconds = 0): DeadlineInputs {
  if (step === 'extend') return timingSteps.extend(seconds)(before);
  if (step === 'retime') return before;
  return timingSteps[step](before, now);
}

function sameTiming(a: DeadlineInputs, b: DeadlineInputs): boolean {
  return a.extensionS === b.extensionS && a.pausedAt === b.pausedAt && a.pausedMs === b.pausedMs;
}
