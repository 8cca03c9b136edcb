import { ExamhallError, type ActionTarget, type AttemptStatus, type ProctorScope } from '@examhall/shared';
import type { ProctorIdentity } from '../auth/tokens.js';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import type { AttemptScope } from './rooms.js';

/** One targeted candidate: where it sits and its attempt (null before its first join). */
export interface TargetRow {
  candidateId: string;
  attemptId: string | null;
  /** 'not_started' when there is no attempt yet */
  status: AttemptStatus;
  centerId: string;
  districtId: string;
}

export interface ResolvedTargets {
  sittingId: string;
  kind: 'candidates' | 'centers' | 'sitting';
  /** in candidate id order, each candidate once */
  rows: TargetRow[];
  /** the centers named by a `{centers}` target (empty otherwise) */
  centers: string[];
}

interface Row {
  candidate_id: string | null;
  center_id: string;
  district_id: string;
  attempt_id: string | null;
  status: AttemptStatus | null;
}

/** Whether a candidate sitting in this center and district is within a proctor's scope (an admin: all of the sitting). */
export function inScope(scope: ProctorScope, centerId: string, districtId: string): boolean {
  return scope.role === 'admin' || scope.centers.includes(centerId) || scope.districts.includes(districtId);
}

export function targetKind(target: ActionTarget): ResolvedTargets['kind'] {
  return 'candidates' in target ? 'candidates' : 'centers' in target ? 'centers' : 'sitting';
}

/**
 * Resolves an action's target to the candidates it covers, in one query, within the identity's
 * sitting and scope. The whole action is refused when any part of the target is out of scope — a
 * candidate not enrolled, or in another center, reads the same (SCOPE_FORBIDDEN), so a proctor cannot
 * probe who sits elsewhere; the whole sitting is for administrators only (ROLE_FORBIDDEN).
 */
export async function resolveTargets(sql: Sql, identity: ProctorIdentity, target: ActionTarget): Promise<ResolvedTargets> {
  const { scope } = identity;
  const sittingId = scope.sittingId;
  const kind = targetKind(target);

  if ('candidates' in target) {
    const wanted = [...new Set(target.candidates)];
    const rows = await runQuery<Row>(sql, 'target-candidates', [sittingId, wanted]);
    const byId = new Map(rows.map((r) => [r.candidate_id!, r]));
    for (const candidateId of wanted) {
      const row = byId.get(candidateId);
      if (!row || !inScope(scope, row.center_id, row.district_id)) {
        throw new ExamhallError('SCOPE_FORBIDDEN', `candidate ${candidateId} is not in this proctor's scope of sitting ${sittingId}`);
      }
    }
    return { sittingId, kind, rows: rows.map(toTarget), centers: [] };
  }

  if ('centers' in target) {
    const wanted = [...new Set(target.centers)];
    const rows = await runQuery<Row>(sql, 'target-centers', [sittingId, wanted]);
    const districtOf = new Map(rows.map((r) => [r.center_id, r.district_id]));
    for (const centerId of wanted) {
      const districtId = districtOf.get(centerId);
      if (districtId === undefined || !inScope(scope, centerId, districtId)) {
        throw new ExamhallError('SCOPE_FORBIDDEN', `center ${centerId} is not in this proctor's scope of sitting ${sittingId}`);
      }
    }
    return { sittingId, kind, rows: rows.filter((r) => r.candidate_id !== null).map(toTarget), centers: wanted };
  }

  if (scope.role !== 'admin') throw new ExamhallError('ROLE_FORBIDDEN', 'only an administrator may act on the whole sitting');
  const rows = await runQuery<Row>(sql, 'target-sitting', [sittingId]);
  return { sittingId, kind, rows: rows.map(toTarget), centers: [] };
}

/** Where a targeted candidate sits, for routing proctor feed records without a lookup. */
export function scopeOf(sittingId: string, row: TargetRow): AttemptScope {
  return { sittingId, candidateId: row.candidateId, centerId: row.centerId, districtId: row.districtId };
}

function toTarget(r: Row): TargetRow {
  return {
    candidateId: r.candidate_id!,
    attemptId: r.attempt_id,
    status: r.status ?? 'not_started',
    centerId: r.center_id,
    districtId: r.district_id,
  };
}
