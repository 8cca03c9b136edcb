-- attempts-final: which of these attempts are already final (their late-committed answers need a rescore).
-- in:  $1 attempt_id uuid[]
-- out: attempt_id
SELECT id AS attempt_id FROM attempts WHERE id = ANY($1::uuid[]) AND status IN ('submitted', 'auto_submitted', 'locked')
