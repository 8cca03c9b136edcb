import { ExamhallError } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import type { DeadlineScheduler } from './deadline-jobs.js';
import type { AttemptNotifier } from './notifier.js';

/**
 * The one start signal of a lobby sitting: stamps the start time, moves every lobby attempt into
 * progress in one statement, schedules their auto-submits, and tells every gateway to hand out the
 * papers it holds in memory. Candidates who join later start with the same start time.
 */
export async function startSitting(
  deps: { sql: Sql; scheduler: DeadlineScheduler; notifier: AttemptNotifier },
  sittingId: string,
  actor: string,
): Promise<{ startedAt: number; attempts: number }> {
  const startedAt = Date.now();
  const rows = await runQuery<{ attempt_id: string; deadline_at: Date }>(deps.sql, 'start-sitting', [sittingId, new Date(startedAt), actor]);
  const [sitting] = await runQuery<{ started_at: Date | null; start_mode: string; grace_s: number }>(deps.sql, 'sitting-timing', [sittingId]);
  if (!sitting) throw new ExamhallError('SITTING_NOT_FOUND');
  if (sitting.start_mode !== 'signal') throw new ExamhallError('BAD_REQUEST', 'this sitting starts on each join, not by a signal');
  if (sitting.started_at!.getTime() !== startedAt) throw new ExamhallError('BAD_REQUEST', `already started at ${sitting.started_at!.toISOString()}`);
  deps.notifier.sittingStarted({ sittingId, startedAt });
  const graceMs = sitting.grace_s * 1000;
  for (let i = 0; i < rows.length; i += 1000) {
    await deps.scheduler.schedule(rows.slice(i, i + 1000).map((r) => ({ attemptId: r.attempt_id, deadline: r.deadline_at.getTime(), graceMs })));
  }
  return { startedAt, attempts: rows.length };
}
