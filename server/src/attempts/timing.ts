import { ExamhallError } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { deadlineAt, unpausedDeadline, type DeadlineInputs } from '../exam/deadline.js';
import type { DeadlineScheduler } from './deadline-jobs.js';
import { lockAttempt } from './finalize.js';
import type { AttemptNotifier } from './notifier.js';
import { FINAL_STATUSES, deadlineInputsOf } from './state.js';
import type { AttemptUpdated } from '@examhall/shared';

export interface TimingChange {
  actor: string;
  reason?: string;
  /** more for the audit row's details (e.g. the proctor action that caused the change) */
  details?: Record<string, unknown>;
}

/**
 * The timing rules, as pure steps from one attempt's deadline parts to the next. AttemptTiming
 * applies them to one attempt; a proctor's bulk action (proctor/bulk-timing.ts) to many at once.
 */
export const timingSteps = {
  extend: (seconds: number) => (t: DeadlineInputs): DeadlineInputs => ({ ...t, extensionS: t.extensionS + seconds }),
  /** pausing a paused attempt changes nothing */
  pause: (t: DeadlineInputs, now: number): DeadlineInputs => (t.pausedAt === null ? { ...t, pausedAt: now } : t),
  /** the paused interval is added to the time paused; resuming a running attempt changes nothing */
  resume: (t: DeadlineInputs, now: number): DeadlineInputs =>
    t.pausedAt === null ? t : { ...t, pausedMs: t.pausedMs + Math.max(0, now - t.pausedAt), pausedAt: null },
};

/**
 * Extensions, pauses, resumptions, locks and unlocks of one attempt. Each is one transaction that
 * re-derives the deadline (or sets the lock), writes the audit log, then moves the auto-submit job
 * and tells gateways, the candidate and proctors.
 */
export class AttemptTiming {
  constructor(private readonly deps: { sql: Sql; notifier: AttemptNotifier; scheduler: DeadlineScheduler }) {}

  extend(attemptId: string, seconds: number, change: TimingChange): Promise<AttemptUpdated> {
    if (!Number.isInteger(seconds) || seconds <= 0) throw new ExamhallError('BAD_REQUEST', 'extension must be a positive whole number of seconds');
    return this.apply(attemptId, change, 'extended', timingSteps.extend(seconds), { seconds });
  }

  pause(attemptId: string, change: TimingChange): Promise<AttemptUpdated> {
    return this.apply(attemptId, change, 'paused', timingSteps.pause, {});
  }

  resume(attemptId: string, change: TimingChange): Promise<AttemptUpdated> {
    return this.apply(attemptId, change, 'resumed', timingSteps.resume, {});
  }

  /** A proctor's hold: no answers or submit until unlocked; the clock keeps running. Lobby attempts may be locked too. */
  lock(attemptId: string, change: TimingChange): Promise<AttemptUpdated> {
    return this.setLock(attemptId, true, change);
  }

  unlock(attemptId: string, change: TimingChange): Promise<AttemptUpdated> {
    return this.setLock(attemptId, false, change);
  }

  private async setLock(attemptId: string, locked: boolean, change: TimingChange): Promise<AttemptUpdated> {
    const reason = locked ? 'locked' : 'unlocked';
    const result = await this.deps.sql.begin(async (txSql) => {
      const tx = txSql as unknown as Sql;
      const row = await lockAttempt(tx, attemptId);
      if (FINAL_STATUSES.has(row.status)) throw new ExamhallError('ATTEMPT_CLOSED');
      const now = Date.now();
      await runQuery(tx, 'set-attempt-lock', [attemptId, locked ? new Date(now) : null]);
      await runQuery(tx, 'insert-audit', [
        change.actor, `attempt.${reason}`, attemptId, JSON.stringify({ ...change.details, reason: change.reason ?? null }), row.sitting_id,
      ]);
      return { status: row.status, inputs: deadlineInputsOf(row), now, graceMs: row.grace_s * 1000 };
    });
    const { status, inputs, now, graceMs } = result as { status: AttemptUpdated['status']; inputs: DeadlineInputs | null; now: number; graceMs: number };
    const update: AttemptUpdated = {
      attemptId, status, deadline: inputs ? deadlineAt(inputs, now) : null, graceMs, paused: inputs?.pausedAt != null, locked, reason, serverTime: now,
    };
    this.deps.notifier.attemptChanged(update, inputs);
    return update;
  }

  private async apply(
    attemptId: string,
    change: TimingChange,
    reason: 'extended' | 'paused' | 'resumed',
    next: (t: DeadlineInputs, now: number) => DeadlineInputs,
    details: Record<string, unknown>,
  ): Promise<AttemptUpdated> {
    const result = await this.deps.sql.begin(async (txSql) => {
      const tx = txSql as unknown as Sql;
      const row = await lockAttempt(tx, attemptId);
      if (FINAL_STATUSES.has(row.status)) throw new ExamhallError('ATTEMPT_CLOSED');
      const before = deadlineInputsOf(row);
      if (!before) throw new ExamhallError('ATTEMPT_NOT_STARTED');
      const now = Date.now();
      const after = next(before, now);
      await runQuery(tx, 'update-attempt-timing', [attemptId, after.extensionS, after.pausedAt === null ? null : new Date(after.pausedAt), after.pausedMs]);
      await runQuery(tx, 'insert-audit', [
        change.actor, `attempt.${reason}`, attemptId, JSON.stringify({ ...change.details, ...details, reason: change.reason ?? null }), row.sitting_id,
      ]);
      return { before, after, now, graceMs: row.grace_s * 1000, locked: row.locked_at !== null };
    });
    const { before, after, now, graceMs, locked } = result as { before: DeadlineInputs; after: DeadlineInputs; now: number; graceMs: number; locked: boolean };
    if (after.pausedAt === null) {
      await this.deps.scheduler.schedule([{ attemptId, deadline: unpausedDeadline(after), graceMs, previousDeadline: unpausedDeadline(before) }]);
    }
    const update: AttemptUpdated = {
      attemptId, status: 'in_progress', deadline: deadlineAt(after, now), graceMs, paused: after.pausedAt !== null, locked, reason, serverTime: now,
    };
    this.deps.notifier.attemptChanged(update, after);
    return update;
  }
}
