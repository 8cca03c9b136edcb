import { ExamhallError } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import type { EnrolmentRequest } from './sitting-schemas.js';

export interface EnrolmentResult {
  /** candidates the request named or matched */
  matched: number;
  /** of those, newly enrolled (the rest were enrolled already) */
  enrolled: number;
}

const ATTRIBUTES = ['batch', 'slot', 'center', 'district'] as const;

/**
 * Enrols candidates in a sitting, by a list of ids or by roster attributes (batch, slot, center,
 * district; every one given must match). Enrolling again is harmless. A request that names an
 * unknown candidate, or whose attributes match nobody (a typo in a batch label), is refused with
 * NOT_FOUND and enrols no one. Audited as sitting.enrolled.
 */
export async function enrolCandidates(sql: Sql, sittingId: string, request: EnrolmentRequest, actor: string): Promise<EnrolmentResult> {
  const by = Object.fromEntries(ATTRIBUTES.filter((a) => request[a] !== undefined).map((a) => [a, request[a]!]));
  const list = request.candidates;
  if (list && Object.keys(by).length > 0) throw new ExamhallError('BAD_REQUEST', 'enrol either by a list of candidates or by attributes (batch, slot, center, district), not both');
  if (!list && Object.keys(by).length === 0) throw new ExamhallError('BAD_REQUEST', 'say whom to enrol: candidates, or batch / slot / center / district');

  return (await sql.begin(async (txSql) => {
    const tx = txSql as unknown as Sql;
    const [sitting] = await tx`SELECT id FROM sittings WHERE id = ${sittingId} FOR SHARE`;
    if (!sitting) throw new ExamhallError('NOT_FOUND', `no sitting ${sittingId}`);
    let ids: string[];
    if (list) {
      ids = [...new Set(list)];
      const missing = await tx<Array<{ id: string }>>`SELECT id FROM unnest(${ids}::text[]) AS t (id) WHERE NOT EXISTS (SELECT 1 FROM candidates c WHERE c.id = t.id)`;
      if (missing.length > 0) {
        throw new ExamhallError('NOT_FOUND', `${missing.length} unknown candidate(s), none enrolled: ${missing.slice(0, 20).map((m) => m.id).join(', ')}${missing.length > 20 ? ', …' : ''}`);
      }
    } else {
      const rows = await tx<Array<{ id: string }>>`
        SELECT c.id FROM candidates c JOIN centers ce ON ce.id = c.center_id
        WHERE (${by.batch ?? null}::text IS NULL OR c.batch = ${by.batch ?? null})
          AND (${by.slot ?? null}::text IS NULL OR c.slot = ${by.slot ?? null})
          AND (${by.center ?? null}::text IS NULL OR c.center_id = ${by.center ?? null})
          AND (${by.district ?? null}::text IS NULL OR ce.district_id = ${by.district ?? null})`;
      if (rows.length === 0) throw new ExamhallError('NOT_FOUND', `no candidate in the roster has ${Object.entries(by).map(([k, v]) => `${k} ${v}`).join(' and ')}`);
      ids = rows.map((r) => r.id);
    }
    const inserted = await tx`
      INSERT INTO sitting_candidates (sitting_id, candidate_id)
      SELECT ${sittingId}, id FROM unnest(${ids}::text[]) AS t (id)
      ON CONFLICT DO NOTHING RETURNING candidate_id`;
    const result = { matched: ids.length, enrolled: inserted.length };
    await tx`
      INSERT INTO audit_log (actor, action, sitting_id, details)
      VALUES (${actor}, 'sitting.enrolled', ${sittingId}, ${tx.json({ by: list ? { candidates: ids.length } : by, ...result })})`;
    return result;
  })) as EnrolmentResult;
}
