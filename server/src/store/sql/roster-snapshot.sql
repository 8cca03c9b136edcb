-- roster-snapshot: every candidate of a sitting within a proctor's scope, with what the dashboard shows.
-- in:  $1 sitting_id text, $2 whole_sitting bool, $3 district_id text[], $4 center_id text[]
-- out: candidate_id, name, center_id, district_id, attempt_id, status, online, changed_at,
--      current_question, answered, last_save_at, deadline_at (excludes a running pause), paused_at, locked_at
-- plan: each run (see queries.ts)
SELECT c.id AS candidate_id, c.name, c.center_id, ce.district_id,
       a.id AS attempt_id, coalesce(a.status, 'not_started') AS status,
       coalesce(p.online, false) AS online, p.changed_at, p.current_question,
       coalesce(ans.answered, 0) AS answered, ans.last_save_at,
       a.deadline_at, a.paused_at, a.locked_at
FROM sitting_candidates sc
JOIN candidates c ON c.id = sc.candidate_id
JOIN centers ce ON ce.id = c.center_id
LEFT JOIN attempts a ON a.sitting_id = sc.sitting_id AND a.candidate_id = sc.candidate_id
LEFT JOIN presence p ON p.attempt_id = a.id
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE x.value <> 'null'::jsonb)::int AS answered, max(x.committed_at) AS last_save_at
  FROM answers x WHERE x.attempt_id = a.id
) ans ON a.id IS NOT NULL
WHERE sc.sitting_id = $1
  AND ($2 OR ce.district_id = ANY($3::text[]) OR c.center_id = ANY($4::text[]))
ORDER BY c.center_id, c.id
