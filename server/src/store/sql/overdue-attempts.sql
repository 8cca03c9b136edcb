-- overdue-attempts: attempts still open past deadline + grace (+ a settle margin), for the sweeper
-- that auto-submits them if their delayed job was lost (e.g. Redis lost its data).
-- in:  $1 margin_ms integer, $2 limit integer
-- out: attempt_id
-- plan: each run (see queries.ts)
SELECT a.id AS attempt_id
FROM attempts a JOIN sittings s ON s.id = a.sitting_id
WHERE a.status = 'in_progress' AND a.paused_at IS NULL
  AND a.deadline_at + make_interval(secs => s.grace_s + $1 / 1000.0) < now()
ORDER BY a.deadline_at
LIMIT $2
