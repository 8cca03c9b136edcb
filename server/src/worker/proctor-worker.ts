import type { AlertKind } from '@examhall/shared';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import type { AttemptNotifier } from '../attempts/notifier.js';
import { AlertRecorder } from '../proctor/alerts.js';

interface ProgressRow {
  attempt_id: string;
  sitting_id: string;
  candidate_id: string;
  center_id: string;
  district_id: string;
  answered: number;
  last_save_at: Date | null;
  idle_closed: boolean;
}

/**
 * The workers' part of the proctor feed: after each committed batch, every attempt's answered count
 * and last save (and the end of its idle alert); and a periodic sweep that opens 'disconnected' and
 * 'idle' alerts, which need a clock rather than an event.
 */
export function startProctorWork(deps: { config: Config; sql: Sql; notifier: AttemptNotifier; logger: Logger }) {
  const { config, sql, notifier, logger } = deps;
  const alerts = new AlertRecorder({ sql, feed: notifier.feed, logger });

  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      const opened = await runQuery<{ attempt_id: string; kind: AlertKind }>(sql, 'sweep-alerts', [config.ALERT_DISCONNECTED_S, config.ALERT_IDLE_S]);
      const byKind = new Map<AlertKind, string[]>();
      for (const row of opened) byKind.set(row.kind, [...(byKind.get(row.kind) ?? []), row.attempt_id]);
      for (const [kind, ids] of byKind) await alerts.publish(ids, undefined, kind);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'alert sweep failed');
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), config.ALERT_SWEEP_MS);
  timer.unref();

  return {
    /** after a batch is in Postgres (commit time `at`): tell proctors; never fails the batch */
    async committed(attemptIds: string[], at: number): Promise<void> {
      try {
        const rows = await runQuery<ProgressRow>(sql, 'attempt-progress', [attemptIds]);
        for (const r of rows) {
          const scope = { sittingId: r.sitting_id, candidateId: r.candidate_id, centerId: r.center_id, districtId: r.district_id };
          notifier.scopes.remember(r.attempt_id, scope);
          notifier.feed.record(r.attempt_id, {
            patch: { answered: r.answered, lastSaveAt: r.last_save_at?.getTime() ?? at },
            line: { kind: 'saved', text: `${r.answered} answered` },
            at,
          }, scope);
        }
        const idleEnded = rows.filter((r) => r.idle_closed).map((r) => r.attempt_id);
        if (idleEnded.length) await alerts.publish(idleEnded);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'proctor progress not sent');
      }
    },
    close: async () => clearInterval(timer),
  };
}
