import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import type { PresenceEvent } from './compensation.js';

const CHUNK = 5000;

/** The connects and disconnects of these attempts up to `until` (epoch ms), in log order, by attempt. */
export async function loadPresenceEvents(sql: Sql, attemptIds: readonly string[], until: number): Promise<Map<string, PresenceEvent[]>> {
  const byAttempt = new Map<string, PresenceEvent[]>();
  for (let i = 0; i < attemptIds.length; i += CHUNK) {
    const rows = await runQuery<{ attempt_id: string; session_id: string; kind: PresenceEvent['kind']; at: Date }>(
      sql, 'presence-events', [attemptIds.slice(i, i + CHUNK), new Date(until)],
    );
    for (const r of rows) {
      let list = byAttempt.get(r.attempt_id);
      if (!list) byAttempt.set(r.attempt_id, (list = []));
      list.push({ sessionId: r.session_id, kind: r.kind, at: r.at.getTime() });
    }
  }
  return byAttempt;
}
