import type { ActionOutcome } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { byCandidate, type Performed } from './action-support.js';
import { dismissAlerts, loadOpenAlerts } from './alerts-store.js';
import type { ProctorFeed } from './feed.js';
import { scopeOf, type ResolvedTargets } from './targets.js';

/**
 * A proctor's `dismiss_alert`: closes the listed open alerts that belong to the targeted candidates
 * (other ids are ignored and named in the audit row), then sends each affected attempt's remaining
 * open alerts to proctors as a roster patch, with a feed line.
 */
export async function dismissTargetedAlerts(
  deps: { sql: Sql; feed: ProctorFeed },
  args: { targets: ResolvedTargets; alertIds: number[]; actor: string; text: (verb: string) => string },
): Promise<Performed> {
  const { targets, alertIds } = args;
  const withAttempt = targets.rows.filter((row) => row.attemptId !== null);
  const closed = await dismissAlerts(deps.sql, alertIds, withAttempt.map((row) => row.attemptId!), args.actor);
  const closedPer = new Map<string, number>();
  for (const c of closed) closedPer.set(c.attemptId, (closedPer.get(c.attemptId) ?? 0) + 1);
  const open = await loadOpenAlerts(deps.sql, [...closedPer.keys()]);
  const rowOf = new Map(withAttempt.map((row) => [row.attemptId!, row]));
  const outcomes: ActionOutcome[] = [];
  for (const [attemptId, n] of closedPer) {
    const row = rowOf.get(attemptId)!;
    deps.feed.record(
      attemptId,
      { patch: { alerts: open.get(attemptId) ?? [] }, line: { kind: 'action', text: args.text(n === 1 ? 'dismissed an alert' : `dismissed ${n} alerts`) } },
      scopeOf(targets.sittingId, row),
    );
    outcomes.push({ candidateId: row.candidateId, ok: true });
  }
  const closedIds = new Set(closed.map((c) => c.id));
  return {
    outcomes: byCandidate(outcomes),
    details: { closed: closed.map((c) => ({ alertId: c.id, attemptId: c.attemptId })), ignored: alertIds.filter((id) => !closedIds.has(id)) },
  };
}
