-- attempt-answers: the stored (highest-seq) answer per question of one attempt.
-- in:  $1 attempt_id uuid
-- out: question_id, seq, value
-- plan: each run (see queries.ts)
SELECT question_id, seq, value FROM answers WHERE attempt_id = $1
