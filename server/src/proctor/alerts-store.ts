import type { Alert, AlertKind } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';

interface OpenAlertRow {
  attempt_id: string;
  id: number;
  kind: AlertKind;
  opened_at: Date;
  last_at: Date;
  count: number;
  detail: string | null;
}

/** Attempt ids per query: a uuid[] parameter of this size is still one quick index scan. */
const CHUNK = 5000;

/**
 * The open alerts of each attempt, oldest first, in the wire shape of a roster row's `alerts`.
 * Every requested attempt is in the map (an empty list when it has none), so a caller can send the
 * list as a patch that clears alerts too.
 */
export async function loadOpenAlerts(sql: Sql, attemptIds: readonly string[]): Promise<Map<string, Alert[]>> {
  const open = new Map<string, Alert[]>(attemptIds.map((id) => [id, []]));
  for (let i = 0; i < attemptIds.length; i += CHUNK) {
    const rows = await runQuery<OpenAlertRow>(sql, 'open-alerts', [attemptIds.slice(i, i + CHUNK)]);
    for (const r of rows) {
      open.get(r.attempt_id)?.push({
        id: Number(r.id),
        kind: r.kind,
        openedAt: r.opened_at.getTime(),
        lastAt: r.last_at.getTime(),
        count: r.count,
        detail: r.detail,
      });
    }
  }
  return open;
}

/** Closes these open alerts if they belong to one of `attemptIds`; returns the ones closed. */
export async function dismissAlerts(
  sql: Sql,
  alertIds: readonly number[],
  attemptIds: readonly string[],
  closedBy: string,
): Promise<{ id: number; attemptId: string }[]> {
  if (alertIds.length === 0 || attemptIds.length === 0) return [];
  const rows = await runQuery<{ id: number; attempt_id: string }>(sql, 'dismiss-alerts', [alertIds, attemptIds, closedBy]);
  return rows.map((r) => ({ id: Number(r.id), attemptId: r.attempt_id }));
}
