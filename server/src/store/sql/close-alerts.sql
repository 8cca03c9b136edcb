-- close-alerts: closes the open alerts of these kinds once their condition is over (a reconnect).
-- in:  $1 attempt_id uuid[], $2 kind text[], $3 closed_by text
-- out: attempt_id of each alert closed
-- plan: each run (see queries.ts)
UPDATE alerts SET closed_at = now(), closed_by = $3
WHERE attempt_id = ANY($1::uuid[]) AND kind = ANY($2::text[]) AND closed_at IS NULL
RETURNING attempt_id
