-- open-alerts: the open alerts of these attempts, oldest first (a roster row carries the whole list).
-- in:  $1 attempt_id uuid[]
-- out: attempt_id, id, kind, opened_at, last_at, count, detail
-- plan: each run (see queries.ts)
SELECT attempt_id, id, kind, opened_at, last_at, count, detail
FROM alerts
WHERE attempt_id = ANY($1::uuid[]) AND closed_at IS NULL
ORDER BY attempt_id, opened_at, id
