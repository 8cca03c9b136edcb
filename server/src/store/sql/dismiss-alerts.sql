-- dismiss-alerts: a proctor closes open alerts by id, but only those of the attempts it targeted
-- (ids of other attempts, unknown or already closed ids change nothing).
-- in:  $1 alert id bigint[], $2 attempt_id uuid[], $3 closed_by text
-- out: id, attempt_id of each alert closed
UPDATE alerts SET closed_at = now(), closed_by = $3
WHERE id = ANY($1::bigint[]) AND attempt_id = ANY($2::uuid[]) AND closed_at IS NULL
RETURNING id, attempt_id
