import { ExamhallError } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import type { DeadlineScheduler } from './deadline-jobs.js';
import type { AttemptNotifier } from './notifier.js';

interface StartDeps {
  sql: Sql;
  scheduler: DeadlineScheduler;
  notifier: AttemptNotifier;
}

/**
 * The one start signal of a lobby sitting. Its first step only stamps the start time on the sitting
 * and tells every gateway, which hands out the papers it holds in memory at once; then every lobby
 * attempt is moved into progress in one statement and its auto-submit is scheduled. Gateways, joins
 * and the workers' sweep all treat "lobby attempt in a started sitting" as started, so a crash
 * between the steps delays the bookkeeping, never a candidate.
 */
export async function startSitting(deps: StartDeps, sittingId: string, actor: string): Promise<{ startedAt: number; attempts: number }> {
  const startedAt = Date.now();
  const marked = await runQuery<{ grace_s: number }>(deps.sql, 'mark-sitting-started', [sittingId, new Date(startedAt)]);
  if (marked.length === 0) {
    const [sitting] = await runQuery<{ started_at: Date | null; start_mode: string }>(deps.sql, 'sitting-timing', [sittingId]);
    if (!sitting) throw new ExamhallError('SITTING_NOT_FOUND');
    if (sitting.start_mode !== 'signal') throw new ExamhallError('BAD_REQUEST', 'this sitting starts on each join, not by a signal');
    throw new ExamhallError('BAD_REQUEST', `already started at ${sitting.started_at!.toISOString()}`);
  }
  deps.notifier.sittingStarted({ sittingId, startedAt });
  const attempts = await startLobbyAttempts(deps, sittingId, marked[0]!.grace_s * 1000, actor);
  return { startedAt, attempts };
}

/** Moves a started sitting's lobby attempts into progress and schedules their auto-submits. Idempotent. */
export async function startLobbyAttempts(deps: StartDeps, sittingId: string, graceMs: number, actor: string): Promise<number> {
  const rows = await runQuery<{ attempt_id: string; deadline_at: Date }>(deps.sql, 'start-sitting', [sittingId, actor]);
  // proctors see the rows turn "in progress" (batched per center by the feed)
  const now = Date.now();
  for (const r of rows) {
    deps.notifier.feed.record(r.attempt_id, { patch: { status: 'in_progress', deadline: r.deadline_at.getTime(), paused: false, locked: false }, at: now });
  }
  // Deadlines are a whole duration away: schedule in small, spaced chunks so the jobs do not compete
  // for Redis and CPU with the papers going out right now.
  for (let i = 0; i < rows.length; i += SCHEDULE_CHUNK) {
    if (i > 0) await new Promise((r) => setTimeout(r, SCHEDULE_PAUSE_MS));
    await deps.scheduler.schedule(rows.slice(i, i + SCHEDULE_CHUNK).map((r) => ({ attemptId: r.attempt_id, deadline: r.deadline_at.getTime(), graceMs })));
  }
  return rows.length;
}

const SCHEDULE_CHUNK = 500;
const SCHEDULE_PAUSE_MS = 100;
