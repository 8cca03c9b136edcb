-- count-lost: acknowledged answer versions that Postgres does not hold.
-- An acked (attempt, question, seq) is safe when the stored answer has that seq or a higher one
-- (a newer save may legitimately supersede it); lost when the row is missing or its seq is lower.
-- in:  $1 attempt_id uuid[], $2 question_id text[], $3 seq bigint[]  -- parallel arrays, the highest acked seq per question
-- out: one row: lost (bigint), missing (bigint, subset of lost: no stored row at all)
SELECT count(*) FILTER (WHERE stored.seq IS NULL OR stored.seq < acked.seq) AS lost,
       count(*) FILTER (WHERE stored.seq IS NULL) AS missing
FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS acked (attempt_id, question_id, seq)
LEFT JOIN answers AS stored USING (attempt_id, question_id)
