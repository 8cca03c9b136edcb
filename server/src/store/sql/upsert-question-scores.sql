-- upsert-question-scores: in: $1 attempt_id uuid, $2 question_id text[], $3 points numeric[],
--                         $4 max_points numeric[], $5 status text[]
-- A score a person has graded (graded_at set) is kept: a rescore never overwrites a hand grade.
INSERT INTO question_scores (attempt_id, question_id, points, max_points, status)
SELECT $1, * FROM unnest($2::text[], $3::numeric[], $4::numeric[], $5::text[])
ON CONFLICT (attempt_id, question_id) DO UPDATE
  SET points = excluded.points, max_points = excluded.max_points, status = excluded.status, scored_at = now()
  WHERE question_scores.graded_at IS NULL
