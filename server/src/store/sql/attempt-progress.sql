-- attempt-progress: after a batch is committed, what proctors see of each attempt in it; also closes
-- their 'idle' alerts (an answer was just saved).
-- in:  $1 attempt_id uuid[]
-- out: attempt_id, sitting_id, candidate_id, center_id, district_id, answered (non-empty answers),
--      last_save_at, idle_closed (an idle alert was closed)
WITH closed AS (
  UPDATE alerts SET closed_at = now(), closed_by = 'system'
  WHERE attempt_id = ANY($1::uuid[]) AND kind = 'idle' AND closed_at IS NULL
  RETURNING attempt_id
)
SELECT a.id AS attempt_id, a.sitting_id, a.candidate_id, c.center_id, ce.district_id,
       (SELECT count(*) FROM answers x WHERE x.attempt_id = a.id AND x.value <> 'null'::jsonb)::int AS answered,
       (SELECT max(x.committed_at) FROM answers x WHERE x.attempt_id = a.id) AS last_save_at,
       EXISTS (SELECT 1 FROM closed WHERE closed.attempt_id = a.id) AS idle_closed
FROM attempts a
JOIN candidates c ON c.id = a.candidate_id
JOIN centers ce ON ce.id = c.center_id
WHERE a.id = ANY($1::uuid[])
