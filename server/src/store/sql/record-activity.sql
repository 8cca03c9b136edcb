-- record-activity: the question each candidate is on, as the exam page reported it (latest per attempt).
-- in:  $1 attempt_id uuid[], $2 question_id text[], $3 at (epoch ms) bigint[]
-- out: nothing (attempts without a presence row yet are skipped; their connect comes in the same flush, first)
-- plan: each run (see queries.ts)
UPDATE presence p
SET current_question = t.question_id, activity_at = to_timestamp(t.at_ms / 1000.0)
FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS t (attempt_id, question_id, at_ms)
WHERE p.attempt_id = t.attempt_id
