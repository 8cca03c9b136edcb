import type { AlertKind } from '@examhall/shared';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import type { AttemptNotifier } from '../attempts/notifier.js';
import { connectRedis } from '../store/redis.js';
import { AlertRecorder } from '../proctor/alerts.js';
import { closeDeadGatewaysPresence } from '../proctor/gateway-liveness.js';

type SweepRow = { attempt_id: string; kind: AlertKind; opened: boolean };

/**
 * The workers' part of the proctor feed: after each committed batch, each attempt's last save and a
 * 'saved' line (no query: where the candidate sits is cached by attempt id; the answered count comes
 * from the gateway that accepted the answers); and a periodic sweep that opens 'disconnected' and
 * 'idle' alerts, which need a clock rather than an event, and closes idle alerts after a save.
 */
export function startProctorWork(deps: { config: Config; sql: Sql; notifier: AttemptNotifier; logger: Logger }) {
  const { config, sql, notifier, logger } = deps;
  const alerts = new AlertRecorder({ sql, feed: notifier.feed, logger });
  const redis = connectRedis(config, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // the sweep logs its own failures

  const sweepTimeoutMs = Math.max(10_000, 2 * config.ALERT_SWEEP_MS);
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      const orphaned = await closeDeadGatewaysPresence({ sql, redis, prefix: config.REDIS_PREFIX, feed: notifier.feed, deadAfterMs: config.GATEWAY_DEAD_AFTER_MS });
      if (orphaned) logger.warn({ candidates: orphaned }, 'gateway stopped beating: its candidates marked offline');
      // a sweep that overruns is cancelled and the next one starts afresh, rather than holding
      // Postgres and its alert locks (submits wait on them) for minutes
      const changed = await sql.begin(async (tx) => {
        await tx.unsafe(`SET LOCAL statement_timeout = ${sweepTimeoutMs}`);
        return runQuery<SweepRow>(tx as unknown as Sql, 'sweep-alerts', [config.ALERT_DISCONNECTED_S, config.ALERT_IDLE_S]);
      });
      const byKind = new Map<AlertKind | 'closed', string[]>();
      for (const row of changed) {
        const key = row.opened ? row.kind : 'closed';
        let ids = byKind.get(key);
        if (!ids) byKind.set(key, (ids = []));
        ids.push(row.attempt_id); // 40,000 idle alerts can open in one sweep: no copying per row
      }
      for (const [kind, ids] of byKind) await alerts.publish(ids, undefined, kind === 'closed' ? undefined : kind);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'alert sweep failed');
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), config.ALERT_SWEEP_MS);
  timer.unref();

  return {
    /** after a batch is in Postgres (commit time `at`): tell proctors, batched by the feed; never fails the batch */
    committed(items: readonly { a: string }[], at: number): void {
      const saves = new Map<string, number>();
      for (const item of items) saves.set(item.a, (saves.get(item.a) ?? 0) + 1);
      for (const [attemptId, n] of saves) {
        notifier.feed.record(attemptId, { patch: { lastSaveAt: at }, line: { kind: 'saved', text: n === 1 ? 'saved an answer' : `saved ${n} answers` }, at });
      }
    },
    close: async () => {
      clearInterval(timer);
      redis.disconnect();
    },
  };
}
