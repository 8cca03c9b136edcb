import type { AttemptServices } from '../attempts/services.js';
import type { Logger } from '../observability/logger.js';
import { BulkTiming } from '../proctor/bulk-timing.js';
import type { Sql } from '../store/db.js';
import type { SittingPatch } from './sitting-schemas.js';

/** The patch fields that move a running attempt's deadline (opens only gates new starts). */
const DEADLINE_FIELDS = ['closesAt', 'durationMinutes'] as const;

export const movesDeadlines = (patch: SittingPatch) => DEADLINE_FIELDS.some((f) => patch[f] !== undefined);

/**
 * After a sitting's duration or window changed (an audited override while it is live), its running
 * attempts get deadlines derived from the new timing, in one transaction with an `attempt.retimed`
 * audit row each; then gateways tell their candidates (the clock never disagrees with the server)
 * and the auto-submit jobs move. Extensions, pauses and extra time of each attempt are kept.
 */
export async function retimeRunningAttempts(
  deps: { sql: Sql; logger: Logger; attempts: Pick<AttemptServices, 'notifier' | 'scheduler'> },
  sittingId: string,
  change: { actor: string; reason: string },
): Promise<number> {
  const rows = await deps.sql<{ id: string }[]>`SELECT id FROM attempts WHERE sitting_id = ${sittingId} AND status = 'in_progress'`;
  if (rows.length === 0) return 0;
  const bulk = new BulkTiming({ sql: deps.sql, notifier: deps.attempts.notifier, scheduler: deps.attempts.scheduler, logger: deps.logger });
  const result = await bulk.apply('retime', rows.map((r) => ({ attemptId: r.id })), { actor: change.actor, reason: change.reason, details: { sittingId } });
  return result.changed.length;
}
