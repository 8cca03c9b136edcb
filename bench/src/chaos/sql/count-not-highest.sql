-- count-not-highest: attempts holding a stored answer whose seq is not the highest seq the client
-- saw accepted (`queued` or `committed`) for that question. Lower = lost; higher = the server holds
-- a version the client never had confirmed (its outbox did not drain) — both are wrong at the end.
-- in:  $1 attempt_id uuid[], $2 question_id text[], $3 seq bigint[]  -- parallel arrays, one per (attempt, question)
-- out: one row: attempts (bigint), answers (bigint) -- distinct attempts, and (attempt, question) pairs
SELECT count(DISTINCT accepted.attempt_id) AS attempts, count(*) AS answers
FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS accepted (attempt_id, question_id, seq)
LEFT JOIN answers AS stored USING (attempt_id, question_id)
WHERE stored.seq IS DISTINCT FROM accepted.seq
