import type { AlertKind } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import type { Logger } from '../observability/logger.js';
import { loadOpenAlerts } from './alerts-store.js';
import type { ProctorFeed } from './feed.js';
import type { AttemptScope } from './rooms.js';

const ALERT_TEXT: Record<AlertKind, string> = {
  disconnected: 'disconnected too long',
  idle: 'no answer saved for a while',
  focus_lost: 'left the exam window',
  fullscreen_exit: 'left fullscreen',
  second_device: 'a second device joined',
  ip_change: 'IP address changed',
};

/**
 * Opens and closes alerts and tells proctors: each change sends the attempt's whole list of open
 * alerts as a roster patch, plus a feed line when one opens. Best effort: a failure is logged, never
 * thrown into a candidate's request.
 */
export class AlertRecorder {
  constructor(private readonly deps: { sql: Sql; feed: ProctorFeed; logger: Logger }) {}

  async open(attemptId: string, scope: AttemptScope, kind: AlertKind, detail: string | null = null): Promise<void> {
    try {
      await runQuery(this.deps.sql, 'open-alert', [attemptId, scope.sittingId, kind, detail?.slice(0, 200) ?? null]);
      await this.publish([attemptId], scope, kind);
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message, attemptId, kind }, 'alert not recorded');
    }
  }

  /** Closes alerts whose condition ended (a reconnect closes 'disconnected'). */
  async close(attemptId: string, scope: AttemptScope | undefined, kinds: AlertKind[]): Promise<void> {
    try {
      const closed = await runQuery(this.deps.sql, 'close-alerts', [[attemptId], kinds, 'system']);
      if (closed.length > 0) await this.publish([attemptId], scope);
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message, attemptId }, 'alerts not closed');
    }
  }

  /** Sends the open alerts of these attempts to proctors (with a feed line for a newly opened kind). */
  async publish(attemptIds: string[], scope?: AttemptScope, opened?: AlertKind): Promise<void> {
    const open = await loadOpenAlerts(this.deps.sql, attemptIds);
    for (const attemptId of attemptIds) {
      const alerts = open.get(attemptId) ?? [];
      const kind = opened ?? null;
      this.deps.feed.record(attemptId, { patch: { alerts }, line: kind ? { kind: 'alert', text: ALERT_TEXT[kind] } : undefined }, scope);
    }
  }
}
