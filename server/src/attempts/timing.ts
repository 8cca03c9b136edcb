import { ExamhallError } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { deadlineAt, unpausedDeadline } from '../exam/deadline.js';
import type { DeadlineScheduler } from './deadline-jobs.js';
import { lockAttempt } from './finalize.js';
import type { AttemptNotifier } from './notifier.js';
import { FINAL_STATUSES, deadlineInputsOf } from './state.js';
import type { AttemptUpdated } from '@examhall/shared';

export interface TimingChange {
  actor: string;
  reason?: string;
}

/**
 * Extensions, pauses and resumptions of one attempt. Each is one transaction that re-derives the
 * deadline, writes the audit log, then moves the auto-submit job and tells gateways and candidate.
 */
export class AttemptTiming {
  constructor(private readonly deps: { sql: Sql; notifier: AttemptNotifier; scheduler: DeadlineScheduler }) {}

  extend(attemptId: string, seconds: number, change: TimingChange): Promise<AttemptUpdated> {
    if (!Number.isInteger(seconds) || seconds <= 0) throw new ExamhallError('BAD_REQUEST', 'extension must be a positive whole number of seconds');
    return this.apply(attemptId, change, 'extended', (t) => ({ ...t, extensionS: t.extensionS + seconds }), { seconds });
  }

  pause(attemptId: string, change: TimingChange): Promise<AttemptUpdated> {
    return this.apply(attemptId, change, 'paused', (t, now) => (t.pausedAt === null ? { ...t, pausedAt: now } : t), {});
  }

  resume(attemptId: string, change: TimingChange): Promise<AttemptUpdated> {
    return this.apply(
      attemptId,
      change,
      'resumed',
      (t, now) => (t.pausedAt === null ? t : { ...t, pausedMs: t.pausedMs + Math.max(0, now - t.pausedAt), pausedAt: null }),
      {},
    );
  }

  private async apply(
    attemptId: string,
    change: TimingChange,
    reason: 'extended' | 'paused' | 'resumed',
    next: (t: NonNullable<ReturnType<typeof deadlineInputsOf>>, now: number) => NonNullable<ReturnType<typeof deadlineInputsOf>>,
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
      await runQuery(tx, 'insert-audit', [change.actor, `attempt.${reason}`, attemptId, JSON.stringify({ ...details, reason: change.reason ?? null })]);
      return { before, after, now, graceMs: row.grace_s * 1000 };
    });
    const { before, after, now, graceMs } = result as { before: typeof result.before; after: typeof result.after; now: number; graceMs: number };
    if (after.pausedAt === null) {
      await this.deps.scheduler.schedule([{ attemptId, deadline: unpausedDeadline(after), graceMs, previousDeadline: unpausedDeadline(before) }]);
    }
    const update: AttemptUpdated = {
      attemptId, status: 'in_progress', deadline: deadlineAt(after, now), graceMs, paused: after.pausedAt !== null, reason, serverTime: now,
    };
    this.deps.notifier.attemptChanged(update, after);
    return update;
  }
}
