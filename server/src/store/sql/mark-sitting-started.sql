-- mark-sitting-started: the start signal's first, tiny step: stamps the sitting. Only the first signal counts.
-- in:  $1 sitting_id text, $2 started_at timestamptz
-- out: one row (grace_s) when this call started the sitting; zero rows otherwise
UPDATE sittings SET started_at = $2
WHERE id = $1 AND started_at IS NULL AND start_mode = 'signal'
RETURNING grace_s
