import type { Sql } from '../store/db.js';
import { FINAL_ATTEMPT_STATUSES, checkScope, loadSittingPaper, scopeCondition, type ResultScope } from './sitting-paper.js';

/** The share of attempts at each end of the score ranking for the upper–lower discrimination index. */
const EXTREME_GROUP_SHARE = 0.27;

export interface ItemStatistics {
  questionId: string;
  type: string;
  maxPoints: number;
  /** finished attempts with a score row for this question */
  attempts: number;
  answered: number;
  omitRate: number | null;
  /** essays still waiting for a person: left out of difficulty and discrimination */
  pending: number;
  /** p-value: mean points / max points (an omitted answer counts as 0 points) */
  difficulty: number | null;
  /** Pearson correlation of the item's points with the rest-score (total minus this item) */
  pointBiserial: number | null;
  /** (mean points of the top 27% − mean points of the bottom 27%) / max points, ranked by total */
  upperLowerIndex: number | null;
  /** choice questions: how often each option was chosen, keyed options marked */
  options?: Array<{ optionId: string; count: number; keyed: boolean }>;
}

export interface SittingItemStatistics {
  sittingId: string;
  /** finished (submitted, auto-submitted, terminated) attempts counted */
  attempts: number;
  items: ItemStatistics[];
}

/**
 * Item statistics of a sitting's finished attempts, aggregated in Postgres: one pass over
 * question_scores joined to the ranked attempts, and one over the choice answers for option counts.
 */
export async function itemStatistics(sql: Sql, sittingId: string, scope: ResultScope = {}): Promise<SittingItemStatistics> {
  const paper = await loadSittingPaper(sql, sittingId);
  await checkScope(sql, scope);
  const finalAttempts = sql`
    SELECT a.id, a.score::float8 AS total
    FROM attempts a
    JOIN candidates c ON c.id = a.candidate_id
    JOIN centers ce ON ce.id = c.center_id
    WHERE a.sitting_id = ${sittingId} AND a.status IN ${sql(FINAL_ATTEMPT_STATUSES)} AND ${scopeCondition(sql, scope)}`;

  const rows = await sql<Array<{
    question_id: string; attempts: number; answered: number; omitted: number; pending: number; max_points: number;
    mean_points: number | null; point_biserial: number | null; upper_mean: number | null; lower_mean: number | null; total_attempts: number;
  }>>`
    WITH final AS (${finalAttempts}),
    ranked AS (
      SELECT id, total, row_number() OVER (ORDER BY total, id) AS rank, count(*) OVER () AS n FROM final
    ),
    grouped AS (
      SELECT id, total, n,
             CASE WHEN rank <= round(n * ${EXTREME_GROUP_SHARE}::float8) THEN 'lower'
                  WHEN rank > n - round(n * ${EXTREME_GROUP_SHARE}::float8) THEN 'upper' END AS extreme
      FROM ranked
    )
    SELECT qs.question_id,
           count(*)::int AS attempts,
           count(*) FILTER (WHERE qs.status <> 'unanswered')::int AS answered,
           count(*) FILTER (WHERE qs.status = 'unanswered')::int AS omitted,
           count(*) FILTER (WHERE qs.status = 'pending_manual')::int AS pending,
           max(qs.max_points)::float8 AS max_points,
           avg(qs.points::float8) FILTER (WHERE qs.status <> 'pending_manual') AS mean_points,
           corr(qs.points::float8, g.total - qs.points::float8) FILTER (WHERE qs.status <> 'pending_manual') AS point_biserial,
           avg(qs.points::float8) FILTER (WHERE qs.status <> 'pending_manual' AND g.extreme = 'upper') AS upper_mean,
           avg(qs.points::float8) FILTER (WHERE qs.status <> 'pending_manual' AND g.extreme = 'lower') AS lower_mean,
           max(g.n)::int AS total_attempts
    FROM grouped g
    JOIN question_scores qs ON qs.attempt_id = g.id
    GROUP BY qs.question_id`;

  const choiceIds = paper.questions.filter((q) => q.type === 'single' || q.type === 'multiple').map((q) => q.id);
  const optionRows = choiceIds.length === 0 ? [] : await sql<Array<{ question_id: string; option_id: string; n: number }>>`
    WITH final AS (${finalAttempts})
    SELECT an.question_id, opt AS option_id, count(*)::int AS n
    FROM final f
    JOIN answers an ON an.attempt_id = f.id
    CROSS JOIN LATERAL jsonb_array_elements_text(an.value -> 'optionIds') AS opt
    WHERE an.question_id = ANY(${choiceIds}::text[]) AND an.value ->> 'kind' = 'choice'
    GROUP BY an.question_id, opt`;
  const optionCounts = new Map(optionRows.map((r) => [`${r.question_id}\u0000${r.option_id}`, r.n]));

  const byQuestion = new Map(rows.map((r) => [r.question_id, r]));
  // every question of a finished attempt has a score row, so any row carries the attempt count
  const attemptCount = rows[0]?.total_attempts ?? 0;
  const round = (x: number | null, digits = 4) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits);

  return {
    sittingId,
    attempts: attemptCount,
    items: paper.questions.map((q): ItemStatistics => {
      const r = byQuestion.get(q.id);
      const maxPoints = r?.max_points ?? q.points;
      const stats: ItemStatistics = {
        questionId: q.id,
        type: q.type,
        maxPoints,
        attempts: r?.attempts ?? 0,
        answered: r?.answered ?? 0,
        omitRate: r ? round(r.omitted / r.attempts) : null,
        pending: r?.pending ?? 0,
        difficulty: round(r?.mean_points != null ? r.mean_points / maxPoints : null),
        pointBiserial: round(r?.point_biserial ?? null),
        upperLowerIndex: round(r?.upper_mean != null && r.lower_mean != null ? (r.upper_mean - r.lower_mean) / maxPoints : null),
      };
      if (q.options) {
        const keyed = new Set(paper.keyedOptions.get(q.id) ?? []);
        stats.options = q.options.map((o) => ({ optionId: o.id, count: optionCounts.get(`${q.id}\u0000${o.id}`) ?? 0, keyed: keyed.has(o.id) }));
      }
      return stats;
    }),
  };
}
