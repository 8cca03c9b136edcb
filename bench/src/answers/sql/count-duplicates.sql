-- count-duplicates: rows that should not exist twice, within the given attempts.
-- answer_events: every (attempt, question, seq) beyond the first; answers: every (attempt, question)
-- beyond the first. The unique constraints should make both 0; this checks instead of assuming.
-- in:  $1 attempt_id uuid[]
-- out: one row: event_dups (bigint), answer_dups (bigint), events (bigint), answers (bigint)
SELECT
  (SELECT count(*) - count(DISTINCT (attempt_id, question_id, seq)) FROM answer_events WHERE attempt_id = ANY ($1::uuid[])) AS event_dups,
  (SELECT count(*) - count(DISTINCT (attempt_id, question_id)) FROM answers WHERE attempt_id = ANY ($1::uuid[])) AS answer_dups,
  (SELECT count(*) FROM answer_events WHERE attempt_id = ANY ($1::uuid[])) AS events,
  (SELECT count(*) FROM answers WHERE attempt_id = ANY ($1::uuid[])) AS answers
