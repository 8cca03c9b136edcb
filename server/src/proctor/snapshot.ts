import { ExamhallError, type AttemptStatus, type RosterRow, type RosterSnapshot } from '@examhall/shared';
import type { ProctorIdentity } from '../auth/tokens.js';
import type { ExamContentCache } from '../exam/content.js';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { loadOpenAlerts } from './alerts-store.js';
import type { FeedHistory } from './feed-history.js';

interface SnapshotRow {
  candidate_id: string;
  name: string;
  center_id: string;
  district_id: string;
  attempt_id: string | null;
  status: AttemptStatus;
  online: boolean;
  changed_at: Date | null;
  current_question: string | null;
  answered: number;
  last_save_at: Date | null;
  deadline_at: Date | null;
  paused_at: Date | null;
  locked_at: Date | null;
}

/**
 * Patches stamped up to this long before a snapshot may not be in it yet (a gateway stamps a
 * connect, then writes it within its presence interval), so the snapshot's `takenAt` is moved back
 * by this much and those patches are applied on top. Patches carry absolute values, so applying
 * one twice is harmless.
 */
const SNAPSHOT_OVERLAP_MS = 1000;

/** The roster of a proctor's scope, as of now: one query for the rows, one for open alerts. */
export async function loadRosterSnapshot(sql: Sql, identity: ProctorIdentity, contents: ExamContentCache, history?: FeedHistory): Promise<RosterSnapshot> {
  const { scope } = identity;
  const takenAt = Date.now() - SNAPSHOT_OVERLAP_MS;
  const [sitting] = await runQuery<{ title: string; exam_id: string; exam_version: number }>(sql, 'sitting-summary', [scope.sittingId]);
  if (!sitting) throw new ExamhallError('SITTING_NOT_FOUND');
  const [content, rows] = await Promise.all([
    contents.get(sitting.exam_id, sitting.exam_version),
    runQuery<SnapshotRow>(sql, 'roster-snapshot', [scope.sittingId, scope.role === 'admin', scope.districts, scope.centers]),
  ]);
  const attemptIds = rows.flatMap((r) => (r.attempt_id ? [r.attempt_id] : []));
  const centers = [...new Set(rows.map((r) => r.center_id))];
  const [alerts, feed] = await Promise.all([loadOpenAlerts(sql, attemptIds), history?.recent(scope.sittingId, centers) ?? []]);
  const now = Date.now();
  const questionCount = content.byId.size;
  return {
    scope,
    sittingTitle: sitting.title,
    takenAt,
    serverTime: now,
    rows: rows.map((r): RosterRow => ({
      candidateId: r.candidate_id,
      name: r.name,
      centerId: r.center_id,
      districtId: r.district_id,
      attemptId: r.attempt_id,
      status: r.status,
      online: r.online,
      onlineChangedAt: r.changed_at?.getTime() ?? null,
      currentQuestion: r.current_question,
      answered: r.answered,
      questionCount,
      lastSaveAt: r.last_save_at?.getTime() ?? null,
      // while paused: the deadline if the pause ended now (as candidates are told)
      deadline: r.deadline_at ? r.deadline_at.getTime() + (r.paused_at ? Math.max(0, now - r.paused_at.getTime()) : 0) : null,
      paused: r.paused_at !== null,
      locked: r.locked_at !== null,
      alerts: r.attempt_id ? alerts.get(r.attempt_id) ?? [] : [],
    })),
    feed,
  };
}
